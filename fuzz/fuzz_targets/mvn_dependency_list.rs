//! The output of `mvn dependency:list` (plain, with absolute file names, with ANSI colour).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = depgate::ecosystem::maven::parse_mvn_dependency_list(text, Path::new("mvn-dependency-list.txt"));
});
