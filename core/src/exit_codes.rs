//! Exit statuses of the `escrowlab` binary, as documented constants.

/// Every expectation held (or the command had none and succeeded).
pub const OK: i32 = 0;
/// An expectation failed, a property failed, or an attack errored.
pub const EXPECTATION_FAILED: i32 = 1;
/// Bad input or usage: a malformed file, an unknown name, an out-of-range value, a path
/// `--out` cannot write (not a regular file, no such directory). An I/O error on a file or
/// stream the user chose exits 2 as well, with one line naming it: a full disk behind
/// `--out` or behind standard output (`> /dev/full`: "escrowlab: error: standard output:
/// No space left on device"). A closed pipe on standard output (`| head`) is not an error:
/// the output ends quietly and the command keeps its status.
pub const BAD_INPUT: i32 = 2;
