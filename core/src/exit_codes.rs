//! Exit statuses of the `escrowlab` binary, as documented constants.

/// Every expectation held (or the command had none and succeeded).
pub const OK: i32 = 0;
/// An expectation failed, a property failed, or an attack errored.
pub const EXPECTATION_FAILED: i32 = 1;
/// Bad input or usage: a malformed file, an unknown name, an out-of-range value.
pub const BAD_INPUT: i32 = 2;
