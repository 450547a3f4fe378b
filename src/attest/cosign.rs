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

/// The signatures an upstream serves for one image digest, as `upstream/` collects them:
/// simple-signing layers, and Sigstore bundles (cosign v3) attached as referrers.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ImageSignatures {
    pub signatures: Vec<ImageSignature>,
    /// Each bundle's JSON text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<String>,
    /// Key-signed DSSE envelopes of the `.att` tag (`cosign attest --key`), each's JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub envelopes: Vec<String>,
}

/// One simple-signing layer: its payload (base64) and the signature annotation (base64);
/// for a keyless signature also the certificate and chain (PEM) and the Rekor bundle
/// annotation (JSON).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ImageSignature {
    pub payload: String,
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor_bundle: Option<String>,
}

/// cosign's Rekor bundle annotation: the SET and the entry it promises.
#[derive(Deserialize)]
struct RekorBundle {
    #[serde(rename = "SignedEntryTimestamp")]
    set: String,
    #[serde(rename = "Payload")]
    payload: RekorPayload,
}

#[derive(Deserialize)]
struct RekorPayload {
    body: String,
    #[serde(rename = "integratedTime")]
    integrated_time: i64,
    #[serde(rename = "logIndex")]
    log_index: i64,
    /// Hex of the log's key id.
    #[serde(rename = "logID")]
    log_id: String,
}

/// A keyless simple-signing layer as the Sigstore bundle (v0.1: certificate chain and an
/// inclusion promise) that says the same thing: a message signature over the payload,
/// the certificate, and the Rekor entry (a `hashedrekord` v0.0.1) with its SET. The
/// bundle is then verified like any other, against the trusted roots.
pub fn keyless_bundle(sig: &ImageSignature) -> Result<String, String> {
    use sha2::Digest as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = b64.decode(sig.payload.trim()).map_err(|_| "the signature payload is not base64".to_string())?;
    let cert = sig.certificate.as_deref().ok_or("the signature has no certificate")?;
    let mut chain = vec![pem_der(cert)?];
    if let Some(more) = &sig.chain {
        chain.extend(pem_blocks(more).into_iter().map(|d| b64.encode(d)));
    }
    let rekor = sig.rekor_bundle.as_deref().ok_or(
        "the keyless signature carries no Rekor bundle (dev.sigstore.cosign/bundle): it cannot be checked against a transparency log",
    )?;
    let rekor: RekorBundle =
        serde_json::from_str(rekor).map_err(|e| format!("the Rekor bundle annotation cannot be read: {e}"))?;
    let log_id = hex::decode(&rekor.payload.log_id).map_err(|_| "the Rekor bundle's logID is not hex".to_string())?;
    let body = b64.decode(&rekor.payload.body).map_err(|_| "the Rekor entry body is not base64".to_string())?;
    let entry: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("the Rekor entry body is not JSON: {e}"))?;
    let kind = entry["kind"].as_str().unwrap_or("hashedrekord");
    let version = entry["apiVersion"].as_str().unwrap_or("0.0.1");
    let bundle = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": {
            "x509CertificateChain": {"certificates": chain.iter().map(|c| serde_json::json!({"rawBytes": c})).collect::<Vec<_>>()},
            "tlogEntries": [{
                "logIndex": rekor.payload.log_index.to_string(),
                "logId": {"keyId": b64.encode(log_id)},
                "kindVersion": {"kind": kind, "version": version},
                "integratedTime": rekor.payload.integrated_time.to_string(),
                "inclusionPromise": {"signedEntryTimestamp": rekor.set},
                "canonicalizedBody": rekor.payload.body,
            }]
        },
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64.encode(sha2::Sha256::digest(&payload))},
            "signature": sig.signature.trim(),
        }
    });
    Ok(bundle.to_string())
}

/// The first PEM certificate of `pem`, as base64 DER.
fn pem_der(pem: &str) -> Result<String, String> {
    let der = pem_blocks(pem).into_iter().next().ok_or("the certificate annotation holds no PEM certificate")?;
    Ok(base64::engine::general_purpose::STANDARD.encode(der))
}

/// The DER bytes of each `CERTIFICATE` block of a PEM text.
fn pem_blocks(pem: &str) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in pem.lines().map(str::trim) {
        if line == "-----BEGIN CERTIFICATE-----" {
            current = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            if let Some(text) = current.take()
                && let Ok(der) = b64.decode(text)
            {
                out.push(der);
            }
        } else if let Some(text) = current.as_mut() {
            text.push_str(line);
        }
    }
    out
}

/// The image digest a simple-signing payload names, if it is one.
pub fn payload_subject(payload: &[u8]) -> Result<String, String> {
    let parsed: Payload = serde_json::from_slice(payload)
        .map_err(|e| format!("the signed payload is not a simple-signing document: {e}"))?;
    if parsed.critical.kind != "cosign container image signature" {
        return Err(format!("the signed payload is of type `{}`", parsed.critical.kind));
    }
    Ok(parsed.critical.image.digest)
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
    match payload_subject(&payload) {
        Err(e) => return failed(Stage::Subject, e),
        Ok(named) if named != digest => {
            return failed(Stage::Subject, format!("the signature is for {named}, not for the image {digest}"));
        }
        Ok(_) => {}
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

/// A DSSE envelope signed with a repository key and no transparency log: a cosign v3
/// key-signed bundle's `dsseEnvelope` (`cosign sign --key … --new-bundle-format`), or a
/// `.att` layer (`cosign attest --key …`). Verified when one of `keys` signed the PAE of
/// its payload and the in-toto statement's subject carries the image `digest`.
pub fn verify_key_dsse(envelope: &serde_json::Value, keys: &[ImageKey<'_>], digest: &str) -> Verdict {
    let b64 = base64::engine::general_purpose::STANDARD;
    let fail = |stage, message: String| {
        let mut v = failed(stage, message);
        v.content = "dsse";
        v
    };
    let Some(payload) = envelope["payload"].as_str().and_then(|p| b64.decode(p).ok()) else {
        return fail(Stage::Bundle, "the DSSE envelope has no base64 payload".into());
    };
    let payload_type = envelope["payloadType"].as_str().unwrap_or_default();
    let statement = match super::statement::parse_statement(&payload) {
        Ok(s) => s,
        Err(e) => return fail(Stage::Bundle, e),
    };
    if keys.is_empty() {
        let mut v =
            fail(Stage::TrustRoot, "signed with a key, and no key is configured for this upstream (cosign_key)".into());
        v.predicate_type = Some(statement.predicate_type.clone());
        return v;
    }
    let pae = sigstore_verify::types::pae(payload_type, &payload);
    let signatures: Vec<SignatureBytes> = envelope["signatures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["sig"].as_str().and_then(|x| b64.decode(x).ok()))
        .map(SignatureBytes::new)
        .collect();
    let key = keys.iter().find(|k| {
        VerificationKey::from_spki(&DerPublicKey::new(k.spki_der.to_vec()))
            .is_ok_and(|vk| signatures.iter().any(|sig| vk.verify(&pae, sig).is_ok()))
    });
    let predicate_type = Some(statement.predicate_type.clone());
    let Some(key) = key else {
        let mut v =
            fail(Stage::Signature, "the DSSE signature does not verify with the upstream's key (cosign_key)".into());
        v.predicate_type = predicate_type;
        return v;
    };
    let hex_digest = digest.strip_prefix("sha256:").unwrap_or(digest);
    if !statement.subjects.iter().any(|(_, algo, d)| algo == "sha256" && d == hex_digest) {
        let named: Vec<String> = statement.subjects.iter().map(|(_, a, d)| format!("{a}:{d}")).collect();
        let mut v = fail(Stage::Subject, format!("the statement is about {named:?}, not the image {digest}"));
        v.predicate_type = predicate_type;
        return v;
    }
    Verdict {
        verified: true,
        content: "dsse",
        predicate_type,
        identity: Identity { key_id: Some(key.key_id.to_string()), ..Identity::default() },
        trust_root: Some("cosign_key (no transparency log)".into()),
        integrated_time: None,
        stages: vec![Stage::Bundle, Stage::Signature, Stage::Subject],
        failure: None,
        statement: Some(statement),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyless_signature_without_what_verifies_it_says_what_is_missing() {
        let sig = ImageSignature { payload: "e30=".into(), signature: "c2ln".into(), ..ImageSignature::default() };
        assert_eq!(keyless_bundle(&sig).unwrap_err(), "the signature has no certificate");
        let sig = ImageSignature { certificate: Some("no pem here".into()), ..sig };
        assert!(keyless_bundle(&sig).unwrap_err().contains("no PEM certificate"));
        let pem = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let sig = ImageSignature { certificate: Some(pem.into()), ..sig };
        assert!(keyless_bundle(&sig).unwrap_err().contains("no Rekor bundle"), "unverifiable is never verified");
        let sig = ImageSignature { rekor_bundle: Some("{\"SignedEntryTimestamp\":1}".into()), ..sig };
        assert!(keyless_bundle(&sig).unwrap_err().contains("cannot be read"));
        assert_eq!(payload_subject(b"{\"critical\":{\"image\":{\"docker-manifest-digest\":\"sha256:ab\"},\"type\":\"cosign container image signature\"}}").unwrap(), "sha256:ab");
        assert!(
            payload_subject(
                b"{\"critical\":{\"image\":{\"docker-manifest-digest\":\"sha256:ab\"},\"type\":\"other\"}}"
            )
            .is_err()
        );
    }
}
