//! DSSE envelopes and in-toto statements: the input as a statement, and as a bundle or
//! envelope whose base64 payload is decoded and read as one.
#![no_main]

use depgate::attest::statement::{dsse_payload, parse_statement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_statement(data);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let wrapped = serde_json::json!({ "dsseEnvelope": v });
        for bundle in [&v, &wrapped] {
            if let Some(payload) = dsse_payload(bundle) {
                let _ = parse_statement(&payload);
            }
        }
    }
});
