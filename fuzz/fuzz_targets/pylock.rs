//! PEP 751 `pylock.toml`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::pypi::parse_pylock(text, Path::new("pylock.toml"));
});
