//! Gradle `verification-metadata.xml` (the full reading, which the coordinate list uses).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::maven::parse_verification_metadata(text, Path::new("verification-metadata.xml"));
});
