//! Key-signed bundles checked with the key alone: an upstream's `cosign_key` with
//! `tlog = false` (private infrastructure, cosign's `--insecure-ignore-tlog`).
//!
//! The Sigstore verifier asks every bundle for a transparency-log entry or an RFC 3161
//! timestamp as evidence of when it was signed; bundles made without a log
//! (`cosign sign-blob --key … --tlog-upload=false`) have neither, and with the key as the
//! whole trust there is no signing time to establish. What remains is checked here, with
//! the verifier's own signature primitives: the signature by the key over the artifact
//! (message signatures: the artifact's bytes, or the digest the bundle signs, which must
//! be the artifact's) or over the DSSE PAE, and the statement's subject digest against
//! the artifact.

use base64::Engine as _;
use sigstore_verify::crypto::VerificationKey;
use sigstore_verify::types::{DerPublicKey, SignatureBytes, pae};

use super::{Stage, StageFailure, StatementSummary, Subject};

fn fail(stage: Stage, message: impl Into<String>) -> StageFailure {
    StageFailure { stage, message: message.into() }
}

fn b64(v: &serde_json::Value, what: &str) -> Result<Vec<u8>, StageFailure> {
    let s = v.as_str().ok_or_else(|| fail(Stage::Bundle, format!("the bundle has no {what}")))?;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| fail(Stage::Bundle, format!("the bundle's {what} is not base64: {e}")))
}

/// Check `raw` (the bundle's JSON) with the key `spki_der` against `subject`.
pub(super) fn verify(
    spki_der: &[u8],
    raw: &serde_json::Value,
    subject: Subject<'_>,
    statement: Option<&StatementSummary>,
) -> Result<(), StageFailure> {
    let key = VerificationKey::from_spki(&DerPublicKey::new(spki_der.to_vec()))
        .map_err(|e| fail(Stage::TrustRoot, format!("the key cannot check signatures: {e}")))?;
    let (sha256, sha512) = subject.digests();
    if let Some(ms) = raw.get("messageSignature") {
        let signature = SignatureBytes::from_bytes(&b64(&ms["signature"], "signature")?);
        if let Some(d) = ms.get("messageDigest") {
            let algorithm = d["algorithm"].as_str().unwrap_or_default();
            if algorithm != "SHA2_256" {
                return Err(fail(Stage::Bundle, format!("unsupported message digest algorithm `{algorithm}`")));
            }
            let signed = b64(&d["digest"], "message digest")?;
            let Some(ours) = sha256 else {
                return Err(fail(Stage::Subject, "the bundle signs a sha256 digest and the artifact's is not known"));
            };
            if signed != ours {
                return Err(fail(
                    Stage::Subject,
                    format!("the bundle signs sha256 {}, the artifact is {}", hex::encode(signed), hex::encode(ours)),
                ));
            }
        }
        let checked = match (subject, sha256) {
            (Subject::Bytes(b), _) => key.verify(b, &signature),
            (_, Some(d)) => key.verify_prehashed(&d, &signature),
            _ => return Err(fail(Stage::Subject, "a message signature is checked against the artifact's sha256")),
        };
        return checked.map_err(|e| fail(Stage::Signature, format!("the signature does not verify with the key: {e}")));
    }
    let Some(env) = raw.get("dsseEnvelope") else {
        return Err(fail(Stage::Bundle, "the bundle holds neither a message signature nor a DSSE envelope"));
    };
    let payload = b64(&env["payload"], "DSSE payload")?;
    let payload_type = env["payloadType"].as_str().unwrap_or_default();
    let signed = pae(payload_type, &payload);
    let signatures = env["signatures"].as_array().map(Vec::as_slice).unwrap_or_default();
    let good = signatures.iter().any(|s| {
        b64(&s["sig"], "DSSE signature").is_ok_and(|sig| key.verify(&signed, &SignatureBytes::from_bytes(&sig)).is_ok())
    });
    if !good {
        return Err(fail(Stage::Signature, "no signature of the DSSE envelope verifies with the key"));
    }
    let Some(st) = statement else {
        return Err(fail(Stage::Bundle, "the DSSE payload is not an in-toto statement"));
    };
    let matches = st.subjects.iter().any(|(_, algo, hexd)| match algo.as_str() {
        "sha256" => sha256.is_some_and(|d| hex::encode(d) == hexd.to_ascii_lowercase()),
        "sha512" => sha512.is_some_and(|d| hex::encode(d) == hexd.to_ascii_lowercase()),
        _ => false,
    });
    if matches { Ok(()) } else { Err(fail(Stage::Subject, "no subject of the statement has the artifact's digest")) }
}
