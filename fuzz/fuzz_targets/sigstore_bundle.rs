//! A Sigstore bundle (JSON, v0.1–v0.3), verified against the embedded production trust
//! root and npm keys: bundle parsing, the DSSE payload, the in-toto statement, and as far
//! into verification as the input gets. The artifact and subject name are fixed.
#![no_main]

use std::sync::LazyLock;

use depgate::attest::{IdentityPolicy, Subject, Trust};
use libfuzzer_sys::fuzz_target;

static TRUST: LazyLock<Trust> = LazyLock::new(|| Trust::embedded().unwrap());
static POLICY: LazyLock<IdentityPolicy> = LazyLock::new(|| IdentityPolicy {
    issuer: Some("https://token.actions.githubusercontent.com".into()),
    ..IdentityPolicy::default()
});

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    let _ = TRUST.verify_bundle(json, Subject::Bytes(b"artifact"), Some("pkg:npm/x@1.0.0"), &POLICY);
});
