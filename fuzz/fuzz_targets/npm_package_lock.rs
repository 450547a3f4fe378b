//! npm `package-lock.json` / `npm-shrinkwrap.json` (lockfile versions 1–3).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::npm::parse_package_lock(text, Path::new("package-lock.json"));
});
