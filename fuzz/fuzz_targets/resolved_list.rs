//! `depgate-resolved.json` (`depgate.resolved/v1`, written by the Gradle plugin and others).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::maven::parse_resolved_list(text, Path::new("depgate-resolved.json"));
});
