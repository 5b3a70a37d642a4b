//! Suite TOML parsing and validation (the built-in schemes resolve; no file is read).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if text.contains(".toml") {
            return; // keep the fuzzer off the file system
        }
        let _ = escrowlab::runner::suite_file::Suite::from_toml_str(text, "fuzz", None, &escrowlab::attacks::builtins());
    }
});
