//! Python core metadata (`METADATA`, PEP 658 `.metadata` files).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = depgate::ecosystem::pypi::parse_core_metadata(data);
});
