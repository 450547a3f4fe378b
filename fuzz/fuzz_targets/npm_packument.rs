//! An npm packument (`GET /{name}`), and its conversion to depgate's package index.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = depgate::ecosystem::npm::packument::parse_packument(data) {
        let _ = p.to_index();
    }
});
