//! A Maven POM (UTF-8 or declared ISO-8859-1), and the SPDX expression of its licences.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(pom) = depgate::ecosystem::maven::parse_pom(data) {
        let _ = pom.license_expression();
    }
});
