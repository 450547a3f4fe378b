//! `depgate.toml`: parsing with spans and the collected validation.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::config::Config::parse(text, Path::new("/fuzz/depgate.toml"));
});
