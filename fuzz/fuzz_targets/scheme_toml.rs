//! Scheme TOML parsing and validation: any bytes give a scheme or a typed error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = escrowlab::config::scheme::Scheme::from_toml_str(text, "fuzz");
    }
});
