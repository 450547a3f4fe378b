//! `bun.lock` (bun's text lockfile, JSONC).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::npm::parse_bun_lock(text, Path::new("bun.lock"));
});
