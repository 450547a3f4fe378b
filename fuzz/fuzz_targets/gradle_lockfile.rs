//! `gradle.lockfile` and `gradle/dependency-locks/*.lockfile`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::maven::parse_gradle_lockfile(text, Path::new("gradle.lockfile"));
});
