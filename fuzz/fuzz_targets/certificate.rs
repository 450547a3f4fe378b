//! A DER X.509 certificate: its parsing and the signer identity read from the SAN and
//! the Fulcio extensions (OID arc 1.3.6.1.4.1.57264.1, current and deprecated).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = depgate::attest::Identity::from_certificate_der(data);
});
