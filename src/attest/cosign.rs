//! cosign image signatures checked with a repository key and no transparency log (the
//! private-infrastructure mode, `cosign verify --key … --insecure-ignore-tlog`): the
//! simple-signing payload's signature (ECDSA/… over the payload bytes, by the key's
//! algorithm) and its subject (the payload's `docker-manifest-digest` is the image's).
//! Pure: the material comes from `upstream/`, the keys from the configuration.

use base64::Engine as _;
use serde::Deserialize;
use sigstore_verify::crypto::VerificationKey;
use sigstore_verify::types::{DerPublicKey, SignatureBytes};

use super::{Identity, Stage, StageFailure, Verdict};

/// The signatures an upstream serves for one image digest, as `upstream/` collects them
/// (JSON: `{"signatures": [{"payload": b64, "signature": b64}]}`).
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct ImageSignatures {
    pub signatures: Vec<ImageSignature>,
}

/// One simple-signing layer: its payload (base64) and the signature annotation (base64).
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct ImageSignature {
    pub payload: String,
    pub signature: String,
}

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    image: PayloadImage,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct PayloadImage {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

/// A trusted image key: its id (`SHA256:` + base64 of the SPKI's digest) and SPKI DER.
pub struct ImageKey<'a> {
    pub key_id: &'a str,
    pub spki_der: &'a [u8],
}

fn failed(stage: Stage, message: impl Into<String>) -> Verdict {
    Verdict {
        verified: false,
        content: "simple_signing",
        predicate_type: None,
        identity: Identity::default(),
        trust_root: None,
        integrated_time: None,
        stages: Vec::new(),
        failure: Some(StageFailure { stage, message: message.into() }),
        statement: None,
    }
}

/// Verify one signature of the image `digest` (`sha256:…`) against `keys`: verified when
/// one key's signature over the payload holds and the payload names exactly that digest.
pub fn verify_simple_signing(sig: &ImageSignature, keys: &[ImageKey<'_>], digest: &str) -> Verdict {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Ok(payload) = b64.decode(sig.payload.trim()) else {
        return failed(Stage::Bundle, "the signature payload is not base64");
    };
    let Ok(signature) = b64.decode(sig.signature.trim()) else {
        return failed(Stage::Bundle, "the signature annotation is not base64");
    };
    if keys.is_empty() {
        return failed(Stage::TrustRoot, "no key is configured for this upstream (cosign_key)");
    }
    let signature = SignatureBytes::new(signature);
    let Some(key) = keys.iter().find(|k| {
        VerificationKey::from_spki(&DerPublicKey::new(k.spki_der.to_vec()))
            .is_ok_and(|vk| vk.verify(&payload, &signature).is_ok())
    }) else {
        return failed(Stage::Signature, "the signature does not verify with the upstream's key (cosign_key)");
    };
    let parsed: Payload = match serde_json::from_slice(&payload) {
        Ok(p) => p,
        Err(e) => return failed(Stage::Subject, format!("the signed payload is not a simple-signing document: {e}")),
    };
    if parsed.critical.kind != "cosign container image signature" {
        return failed(Stage::Subject, format!("the signed payload is of type `{}`", parsed.critical.kind));
    }
    if parsed.critical.image.digest != digest {
        return failed(
            Stage::Subject,
            format!("the signature is for {}, not for the image {digest}", parsed.critical.image.digest),
        );
    }
    Verdict {
        verified: true,
        content: "simple_signing",
        predicate_type: None,
        identity: Identity { key_id: Some(key.key_id.to_string()), ..Identity::default() },
        trust_root: Some("cosign_key (no transparency log)".into()),
        integrated_time: None,
        stages: vec![Stage::Bundle, Stage::Signature, Stage::Subject],
        failure: None,
        statement: None,
    }
}
