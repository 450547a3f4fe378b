//! `maven-metadata.xml` (the version list of an artifact).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = depgate::ecosystem::maven::parse_maven_metadata(data);
});
