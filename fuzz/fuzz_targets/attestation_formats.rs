//! The wire formats that carry bundles: an npm attestations response and a PEP 740
//! provenance or attestation object, verified against the embedded trust material.
#![no_main]

use std::sync::LazyLock;

use depgate::attest::formats::{verify_npm_attestations, verify_pep740};
use depgate::attest::{IdentityPolicy, Subject, Trust};
use libfuzzer_sys::fuzz_target;

static TRUST: LazyLock<Trust> = LazyLock::new(|| Trust::embedded().unwrap());

fuzz_target!(|data: &[u8]| {
    let policy = IdentityPolicy::default();
    let subject = Subject::Sha512(&[7; 64]);
    let _ = verify_npm_attestations(&TRUST, data, "pkg:npm/x@1.0.0", subject, &policy);
    let _ = verify_pep740(&TRUST, data, "x-1.0.0.tar.gz", Subject::Bytes(b"artifact"), &policy);
});
