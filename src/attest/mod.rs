//! Sigstore bundle, DSSE, in-toto and SLSA verification; trust roots. Pure: bytes in,
//! verdicts out. No fetching (evidence comes from `upstream/`), no printing.
//!
//! The cryptographic checks — certificate chain at the signing time, SCT, transparency
//! log (SET, RFC 6962 inclusion proof, signed checkpoint, Rekor v2 entries), RFC 3161
//! timestamps, the signature over the artifact or the DSSE PAE, and the binding of the
//! artifact digest to the bundle — are done by `sigstore-verify`, which passes the
//! Sigstore conformance suite (`tests/verify.rs` runs it). depgate adds what that crate
//! leaves to the caller: trust thresholds per root, identity policy over the Fulcio CI
//! claims, the subject *name* (a digest alone could be another package's), key-signed
//! npm publish attestations with key validity windows, the PEP 740 wire format, and
//! the statement's predicate for policy. Anything not checked is never `verified`.

pub mod batch;
pub mod cosign;
pub mod formats;
pub mod identity;
mod keyonly;
mod memo;
mod npm_keys;
pub mod statement;

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};
use std::sync::Arc;

use sigstore_verify::trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, TrustedRoot};
use sigstore_verify::types::{Artifact, ArtifactDigest, Bundle, DerPublicKey, HashAlgorithm};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, Verifier};

pub use batch::BundleJob;
pub use identity::{Identity, IdentityPolicy, SanMatch};
pub use statement::StatementSummary;

/// The stages of verification, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The bundle or attestation parses and is of a supported shape.
    Bundle,
    /// A trust root vouches for the signer (CA or key known, valid windows).
    TrustRoot,
    /// The certificate chains to a trusted CA at the signing time.
    Certificate,
    /// The certificate's signed certificate timestamp verifies against a CT log.
    Sct,
    /// The transparency log entry: SET, inclusion proof, signed checkpoint.
    TransparencyLog,
    /// RFC 3161 timestamps, and the existence of at least one verified time.
    Timestamp,
    /// The signature over the artifact digest or the DSSE PAE.
    Signature,
    /// The signing key could sign then (OpenPGP): bound to its primary, not expired,
    /// not revoked, allowed to sign.
    Key,
    /// The artifact is the bundle's subject (digest and name).
    Subject,
    /// The signer is one the policy expects.
    Identity,
}

/// Why verification failed, at which stage.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StageFailure {
    pub stage: Stage,
    pub message: String,
}

/// The outcome of verifying one bundle against one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub verified: bool,
    /// `dsse` (an attestation) or `message_signature` (a plain signature).
    pub content: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    pub identity: Identity,
    /// Which trust root vouched for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_root: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrated_time: Option<String>,
    /// Stages checked and passed.
    pub stages: Vec<Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<StageFailure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementSummary>,
}

impl Verdict {
    fn failed(stage: Stage, message: impl Into<String>) -> Self {
        Verdict {
            verified: false,
            content: "unknown",
            predicate_type: None,
            identity: Identity::default(),
            trust_root: None,
            integrated_time: None,
            stages: Vec::new(),
            failure: Some(StageFailure { stage, message: message.into() }),
            statement: None,
        }
    }
}

/// What is being verified: the bytes, or a digest of them the caller already trusts
/// (e.g. a lockfile-pinned npm `integrity`).
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Bytes(&'a [u8]),
    Sha256(&'a [u8; 32]),
    Sha512(&'a [u8; 64]),
}

impl Subject<'_> {
    fn digests(&self) -> (Option<[u8; 32]>, Option<[u8; 64]>) {
        match self {
            Subject::Bytes(b) => (Some(Sha256::digest(b).into()), Some(Sha512::digest(b).into())),
            Subject::Sha256(d) => (Some(**d), None),
            Subject::Sha512(d) => (None, Some(**d)),
        }
    }

    fn artifact(&self) -> Result<Artifact<'_>, String> {
        Ok(match self {
            Subject::Bytes(b) => Artifact::Blob(b),
            Subject::Sha256(d) => {
                Artifact::Digest(ArtifactDigest::new(HashAlgorithm::Sha2256, d.to_vec()).map_err(|e| e.to_string())?)
            }
            Subject::Sha512(d) => {
                Artifact::Digest(ArtifactDigest::new(HashAlgorithm::Sha2512, d.to_vec()).map_err(|e| e.to_string())?)
            }
        })
    }
}

/// The digests of a [`Subject::Bytes`] artifact, each computed when first needed and
/// kept while the bundles about that one artifact are verified.
#[derive(Default)]
struct ArtifactDigests {
    sha256: std::cell::OnceCell<[u8; 32]>,
    sha512: std::cell::OnceCell<[u8; 64]>,
}

/// A trusted root ready to verify with, and the thresholds its contents imply: a root
/// without transparency logs (GitHub's instance) needs at least one RFC 3161 timestamp
/// instead, a root without CT logs cannot check SCTs.
struct Root {
    name: String,
    verifier: Verifier,
    tlogs: bool,
    ctlogs: bool,
}

/// A public key that signs attestations (the npm registry's, or one given with `--key`).
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub key_id: String,
    /// Given explicitly (`--key`): tried even when a bundle's hint names another id,
    /// as cosign does, since hints are advisory.
    pub explicit: bool,
    pub spki_der: Vec<u8>,
    pub valid_from: Option<jiff::Timestamp>,
    pub valid_until: Option<jiff::Timestamp>,
    /// The upstream whose packages this key signs (its `cosign_key`); `None`: any bundle.
    pub upstream: Option<String>,
    /// A bundle signed by this key must carry a transparency-log entry a trusted root
    /// vouches for; `false` only for an upstream's key configured with `tlog = false`.
    pub tlog: bool,
}

/// Trust material: Sigstore trusted roots and attestation keys. Built once, shared.
pub struct Trust {
    roots: Vec<Arc<Root>>,
    keys: Vec<TrustedKey>,
    /// The upstream whose packages are being verified: its own keys count, other
    /// upstreams' keys do not (see [`Trust::for_upstream`]).
    scope: Option<String>,
}

/// Trust material that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("trusted root {name}: {message}")]
pub struct TrustError {
    pub name: String,
    pub message: String,
}

impl Trust {
    /// No roots, no keys.
    pub fn empty() -> Self {
        Trust { roots: Vec::new(), keys: Vec::new(), scope: None }
    }

    /// The embedded Sigstore production root and npm registry keys: offline, pinned.
    pub fn embedded() -> Result<Self, TrustError> {
        let mut t = Trust::empty();
        t.add_root_json("sigstore-production (embedded)", SIGSTORE_PRODUCTION_TRUSTED_ROOT)?;
        t.add_npm_keys();
        Ok(t)
    }

    /// Add a `trusted_root.json` (Sigstore's format).
    pub fn add_root_json(&mut self, name: &str, json: &str) -> Result<(), TrustError> {
        let err = |message: String| TrustError { name: name.to_string(), message };
        let root = TrustedRoot::from_json(json).map_err(|e| err(format!("not a valid trusted_root.json: {e}")))?;
        let verifier = Verifier::new(&root).map_err(|e| err(e.to_string()))?;
        self.roots.push(Arc::new(Root {
            name: name.to_string(),
            verifier,
            tlogs: !root.tlogs.is_empty(),
            ctlogs: !root.ctlogs.is_empty(),
        }));
        Ok(())
    }

    /// Add the embedded npm registry attestation keys (once).
    pub fn add_npm_keys(&mut self) {
        for k in npm_keys::NPM_ATTESTATION_KEYS {
            if self.keys.iter().any(|x| x.key_id == k.key_id) {
                continue;
            }
            let spki_der =
                base64::engine::general_purpose::STANDARD.decode(k.spki_b64).expect("embedded key is base64");
            self.keys.push(TrustedKey {
                key_id: k.key_id.to_string(),
                explicit: false,
                spki_der,
                valid_from: k.valid_from.parse().ok(),
                valid_until: k.valid_until.and_then(|u| u.parse().ok()),
                upstream: None,
                tlog: true,
            });
        }
    }

    /// Add a PEM public key (`--key`), matched to bundles by its id or used for any
    /// bundle that names no key.
    pub fn add_pem_key(&mut self, pem: &str) -> Result<String, TrustError> {
        self.add_key(pem, None, true)
    }

    /// Add an upstream's `cosign_key` (PEM): it vouches only for bundles of packages that
    /// upstream serves (a [`Trust::for_upstream`] view), with or without a transparency log.
    pub fn add_upstream_key(&mut self, upstream: &str, pem: &str, tlog: bool) -> Result<String, TrustError> {
        self.add_key(pem, Some(upstream.to_string()), tlog)
    }

    fn add_key(&mut self, pem: &str, upstream: Option<String>, tlog: bool) -> Result<String, TrustError> {
        let key = DerPublicKey::from_pem(pem)
            .map_err(|e| TrustError { name: "key".into(), message: format!("not a PEM public key: {e}") })?;
        let der = key.as_bytes().to_vec();
        let key_id =
            format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(&der)));
        if let Err(e) = sigstore_verify::crypto::VerificationKey::from_spki(&key) {
            return Err(TrustError { name: "key".into(), message: format!("unsupported public key: {e}") });
        }
        self.keys.push(TrustedKey {
            key_id: key_id.clone(),
            explicit: true,
            spki_der: der,
            valid_from: None,
            valid_until: None,
            upstream,
            tlog,
        });
        Ok(key_id)
    }

    /// The trust that applies to packages `upstream` serves: every root and unscoped key,
    /// and that upstream's own keys. `None` when the upstream has no key of its own (the
    /// shared trust, which never counts any upstream's key, applies as it is).
    pub fn for_upstream(&self, upstream: &str) -> Option<Trust> {
        self.keys.iter().any(|k| k.upstream.as_deref() == Some(upstream)).then(|| Trust {
            roots: self.roots.clone(),
            keys: self.keys.clone(),
            scope: Some(upstream.to_string()),
        })
    }

    /// Is `key_id` the key of the upstream this trust is scoped to?
    pub fn is_upstream_key(&self, key_id: &str) -> bool {
        self.scope.is_some() && self.keys.iter().any(|k| k.key_id == key_id && k.upstream == self.scope)
    }

    /// The image signing keys trusted for an `oci` upstream's images (its `cosign_key`).
    pub fn image_keys(&self, upstream: &str) -> Vec<cosign::ImageKey<'_>> {
        self.keys
            .iter()
            .filter(|k| k.upstream.as_deref() == Some(upstream))
            .map(|k| cosign::ImageKey { key_id: &k.key_id, spki_der: &k.spki_der })
            .collect()
    }

    /// Take over another set's roots and keys.
    pub fn extend(&mut self, other: Trust) {
        self.roots.extend(other.roots);
        for k in other.keys {
            if !self.keys.iter().any(|x| x.key_id == k.key_id && x.spki_der == k.spki_der) {
                self.keys.push(k);
            }
        }
    }

    pub fn root_names(&self) -> Vec<&str> {
        self.roots.iter().map(|r| r.name.as_str()).collect()
    }

    /// Verify one Sigstore bundle (JSON text) against `subject`. `subject_name`, when
    /// given, must be the name of the statement subject whose digest matches (DSSE only).
    pub fn verify_bundle(
        &self,
        bundle_json: &str,
        subject: Subject<'_>,
        subject_name: Option<&str>,
        policy: &IdentityPolicy,
    ) -> Verdict {
        self.verify_bundle_of(bundle_json, subject, &ArtifactDigests::default(), subject_name, policy)
    }

    /// [`Trust::verify_bundle`], with the artifact's digests kept in `digests` for the
    /// next bundle about the same `subject` (several attestations of one file).
    fn verify_bundle_of(
        &self,
        bundle_json: &str,
        subject: Subject<'_>,
        digests: &ArtifactDigests,
        subject_name: Option<&str>,
        policy: &IdentityPolicy,
    ) -> Verdict {
        match serde_json::from_str::<serde_json::Value>(bundle_json) {
            Ok(raw) => self.verify_bundle_value(&raw, subject, digests, subject_name, policy),
            Err(e) => Verdict::failed(Stage::Bundle, format!("cannot parse the bundle: {e}")),
        }
    }

    /// [`Trust::verify_bundle_of`] of a bundle already parsed as JSON (an npm attestation
    /// response or a PEP 740 document holds its bundles as JSON values).
    fn verify_bundle_value(
        &self,
        raw: &serde_json::Value,
        subject: Subject<'_>,
        digests: &ArtifactDigests,
        subject_name: Option<&str>,
        policy: &IdentityPolicy,
    ) -> Verdict {
        // Every check of this bundle's signatures done once (see `memo`).
        let _scope = memo::Scope::enter();
        // The bundle type is read from the document depgate also reads.
        let bundle = match <Bundle as serde::Deserialize>::deserialize(raw) {
            Ok(b) => b,
            Err(e) => return Verdict::failed(Stage::Bundle, format!("cannot parse the bundle: {e}")),
        };
        let statement = match statement::dsse_payload(raw) {
            Some(p) => match statement::parse_statement(&p) {
                Ok(s) => Some(s),
                Err(e) => return Verdict::failed(Stage::Bundle, e),
            },
            None if raw.get("dsseEnvelope").is_some() => {
                return Verdict::failed(Stage::Bundle, "the DSSE payload is not base64");
            }
            None => None,
        };
        // For an attestation, hash the artifact here (once for all the bundles about it)
        // with the one algorithm the statement binds, and hand the verifier that digest
        // instead of the bytes (which it would hash again).
        let subject = match (subject, &statement) {
            (Subject::Bytes(b), Some(st)) => {
                if st.subjects.iter().any(|(_, algo, _)| algo == "sha512") {
                    Subject::Sha512(digests.sha512.get_or_init(|| Sha512::digest(b).into()))
                } else {
                    Subject::Sha256(digests.sha256.get_or_init(|| Sha256::digest(b).into()))
                }
            }
            (s, _) => s,
        };
        let key_hint = raw["verificationMaterial"]["publicKey"]["hint"].as_str().map(str::to_string);
        let is_key_signed = raw["verificationMaterial"].get("publicKey").is_some();
        let mut verdict = if is_key_signed {
            self.verify_key_signed(&bundle, raw, statement.as_ref(), subject, key_hint.as_deref())
        } else {
            self.verify_certificate_signed(&bundle, subject)
        };
        verdict.content = if statement.is_some() { "dsse" } else { "message_signature" };
        verdict.predicate_type = statement.as_ref().map(|s| s.predicate_type.clone());
        if verdict.verified
            && let (Some(name), Some(st)) = (subject_name, &statement)
            && let Err(e) = check_subject_name(st, name, subject)
        {
            verdict.verified = false;
            verdict.failure = Some(StageFailure { stage: Stage::Subject, message: e });
        }
        if verdict.verified {
            verdict.stages.push(Stage::Subject);
            if !policy.is_empty() {
                if is_key_signed {
                    // A key says nothing about repositories or workflows: an identity
                    // policy cannot be satisfied by a key-signed bundle.
                    verdict.verified = false;
                    verdict.failure = Some(StageFailure {
                        stage: Stage::Identity,
                        message: "the bundle is signed by a key, not a certificate identity, so the identity policy cannot be met".into(),
                    });
                } else if let Err(e) = policy.check(&verdict.identity) {
                    verdict.verified = false;
                    verdict.failure = Some(StageFailure { stage: Stage::Identity, message: e });
                } else {
                    verdict.stages.push(Stage::Identity);
                }
            }
        }
        verdict.statement = statement;
        verdict
    }

    fn verify_certificate_signed(&self, bundle: &Bundle, subject: Subject<'_>) -> Verdict {
        if self.roots.is_empty() {
            return Verdict::failed(Stage::TrustRoot, "no trusted root is configured");
        }
        let artifact = match subject.artifact() {
            Ok(a) => a,
            Err(e) => return Verdict::failed(Stage::Subject, e),
        };
        let mut best: Option<Verdict> = None;
        for root in &self.roots {
            let mut policy = VerificationPolicy::any_identity();
            if !root.tlogs {
                policy = policy.skip_tlog_unsafe();
            }
            if !root.ctlogs {
                policy = policy.skip_sct();
            }
            let v = match root.verifier.verify(artifact.clone(), bundle, &policy) {
                Ok(result) if !root.tlogs && result.verified_timestamps().is_empty() => Verdict::failed(
                    Stage::Timestamp,
                    format!(
                        "trusted root {} has no transparency log, and the bundle has no verified RFC 3161 timestamp",
                        root.name
                    ),
                ),
                Ok(result) => {
                    let mut stages = vec![Stage::Bundle, Stage::TrustRoot, Stage::Certificate];
                    if result.sct_verified() {
                        stages.push(Stage::Sct);
                    }
                    if result.tlog_verified() {
                        stages.push(Stage::TransparencyLog);
                    }
                    if !result.verified_timestamps().is_empty() {
                        stages.push(Stage::Timestamp);
                    }
                    stages.push(Stage::Signature);
                    Verdict {
                        verified: true,
                        content: "unknown",
                        predicate_type: None,
                        identity: result.certificate().map(Identity::from_certificate).unwrap_or_default(),
                        trust_root: Some(root.name.clone()),
                        integrated_time: result.integrated_time().map(|t| t.to_string()),
                        stages,
                        failure: None,
                        statement: None,
                    }
                }
                Err(e) => Verdict::failed(stage_of(&e), e.to_string()),
            };
            if v.verified {
                return v;
            }
            // Keep the failure that got furthest: it is the most telling.
            let further =
                best.as_ref().is_none_or(|b| b.failure.as_ref().map(|f| f.stage) < v.failure.as_ref().map(|f| f.stage));
            if further {
                best = Some(v);
            }
        }
        best.unwrap_or_else(|| Verdict::failed(Stage::TrustRoot, "no trusted root"))
    }

    fn verify_key_signed(
        &self,
        bundle: &Bundle,
        raw: &serde_json::Value,
        statement: Option<&StatementSummary>,
        subject: Subject<'_>,
        hint: Option<&str>,
    ) -> Verdict {
        let in_scope = |k: &&TrustedKey| k.upstream.is_none() || k.upstream == self.scope;
        let candidates: Vec<&TrustedKey> = match hint.filter(|h| !h.is_empty()) {
            Some(h) => self.keys.iter().filter(in_scope).filter(|k| k.explicit || hint_names(h, k)).collect(),
            None => self.keys.iter().filter(in_scope).collect(),
        };
        if candidates.is_empty() {
            return Verdict::failed(
                Stage::TrustRoot,
                format!("the bundle is signed by key {}, which is not trusted", hint.unwrap_or("(no hint)")),
            );
        }
        let roots: Vec<&Root> = self.roots.iter().map(AsRef::as_ref).filter(|r| r.tlogs).collect();
        let artifact = match subject.artifact() {
            Ok(a) => a,
            Err(e) => return Verdict::failed(Stage::Subject, e),
        };
        let mut best: Option<Verdict> = None;
        let mut keep = |v: Verdict| {
            let further =
                best.as_ref().is_none_or(|b| b.failure.as_ref().map(|f| f.stage) < v.failure.as_ref().map(|f| f.stage));
            if further {
                best = Some(v);
            }
        };
        for key in candidates {
            let policy = PublicKeyVerificationPolicy::new(DerPublicKey::new(key.spki_der.clone()));
            if !key.tlog {
                // The operator said the key alone vouches (`tlog = false`): no log entry is
                // asked for, and there is no signing time to check a validity window against.
                let v = match keyonly::verify(&key.spki_der, raw, subject, statement) {
                    Ok(()) => Verdict {
                        verified: true,
                        content: "unknown",
                        predicate_type: None,
                        identity: Identity { key_id: Some(key.key_id.clone()), ..Identity::default() },
                        trust_root: key.upstream.as_ref().map(|u| format!("cosign_key of upstream {u} (tlog = false)")),
                        integrated_time: None,
                        stages: vec![Stage::Bundle, Stage::TrustRoot, Stage::Signature],
                        failure: None,
                        statement: None,
                    },
                    Err(f) => Verdict::failed(f.stage, f.message),
                };
                if v.verified {
                    return v;
                }
                keep(v);
                continue;
            }
            let hint_tlog = |v: &mut Verdict| {
                if let (Some(u), Some(f)) = (&key.upstream, v.failure.as_mut())
                    && f.stage == Stage::TransparencyLog
                {
                    f.message = format!(
                        "{} (the cosign_key of upstream {u} asks for a transparency-log entry; if its bundles are made without one, set tlog = false beside the key)",
                        f.message
                    );
                }
            };
            if raw["verificationMaterial"]["tlogEntries"].as_array().is_none_or(Vec::is_empty) {
                let mut v =
                    Verdict::failed(Stage::TransparencyLog, "the key-signed bundle has no transparency-log entry");
                hint_tlog(&mut v);
                keep(v);
                continue;
            }
            if roots.is_empty() {
                keep(Verdict::failed(
                    Stage::TrustRoot,
                    "no trusted root with a transparency log to check the key-signed entry against",
                ));
                continue;
            }
            for root in &roots {
                let mut v = match root.verifier.verify(artifact.clone(), bundle, &policy) {
                    Ok(result) => {
                        let when = result.integrated_time();
                        let in_window = when.is_some_and(|t| {
                            key.valid_from.is_none_or(|f| t >= f) && key.valid_until.is_none_or(|u| t <= u)
                        });
                        if !result.tlog_verified() || when.is_none() {
                            Verdict::failed(
                                Stage::TransparencyLog,
                                "the key-signed bundle has no verified transparency-log time",
                            )
                        } else if !in_window {
                            Verdict::failed(
                                Stage::TrustRoot,
                                format!(
                                    "key {} was not valid at the signing time {}",
                                    key.key_id,
                                    when.map(|t| t.to_string()).unwrap_or_default()
                                ),
                            )
                        } else {
                            Verdict {
                                verified: true,
                                content: "unknown",
                                predicate_type: None,
                                identity: Identity { key_id: Some(key.key_id.clone()), ..Identity::default() },
                                trust_root: Some(root.name.clone()),
                                integrated_time: when.map(|t| t.to_string()),
                                stages: vec![Stage::Bundle, Stage::TrustRoot, Stage::TransparencyLog, Stage::Signature],
                                failure: None,
                                statement: None,
                            }
                        }
                    }
                    Err(e) => Verdict::failed(stage_of(&e), e.to_string()),
                };
                hint_tlog(&mut v);
                if v.verified {
                    return v;
                }
                keep(v);
            }
        }
        best.unwrap_or_else(|| Verdict::failed(Stage::TrustRoot, "no trusted key"))
    }
}

/// Key hints come as npm writes them (`SHA256:` + unpadded base64), as padded base64 or
/// hex of the SPKI's sha256: compare digests, not strings.
fn hint_names(hint: &str, key: &TrustedKey) -> bool {
    if hint == key.key_id {
        return true;
    }
    let digest = Sha256::digest(&key.spki_der);
    let h = hint.strip_prefix("SHA256:").unwrap_or(hint);
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64_nopad = base64::engine::general_purpose::STANDARD_NO_PAD;
    b64.decode(h).or_else(|_| b64_nopad.decode(h)).is_ok_and(|d| d == digest.as_slice())
        || hex::decode(h).is_ok_and(|d| d == digest.as_slice())
}

/// The subject named `name` must carry the artifact's digest.
fn check_subject_name(st: &StatementSummary, name: &str, subject: Subject<'_>) -> Result<(), String> {
    let (sha256, sha512) = subject.digests();
    let wanted = |n: &str| n == name || n.replace("%40", "@") == name.replace("%40", "@");
    let matching: Vec<&(String, String, String)> = st.subjects.iter().filter(|(n, _, _)| wanted(n)).collect();
    if matching.is_empty() {
        let names: Vec<&str> = st.subjects.iter().map(|(n, _, _)| n.as_str()).collect();
        return Err(format!("the attestation is about {names:?}, not `{name}`"));
    }
    let ok = matching.iter().any(|(_, algo, hex_digest)| match algo.as_str() {
        "sha256" => sha256.is_some_and(|d| hex::encode(d) == *hex_digest),
        "sha512" => sha512.is_some_and(|d| hex::encode(d) == *hex_digest),
        _ => false,
    });
    if ok { Ok(()) } else { Err(format!("the subject `{name}` carries another digest than the artifact")) }
}

fn stage_of(e: &sigstore_verify::Error) -> Stage {
    use sigstore_verify::{CertificateError, Error};
    match e {
        Error::InvalidBundle(_) | Error::UnsupportedBundle(_) | Error::Types(_) | Error::Bundle(_) => Stage::Bundle,
        // No CA of the trusted root was valid at the signing time: a trust-root verdict.
        Error::InvalidTrustRoot(_)
        | Error::TrustRoot(_)
        | Error::TrustedCertificate(_)
        | Error::Certificate(CertificateError::NoValidAuthority { .. }) => Stage::TrustRoot,
        Error::Certificate(CertificateError::Sct(_)) => Stage::Sct,
        Error::Certificate(_) => Stage::Certificate,
        Error::TransparencyLog(_) => Stage::TransparencyLog,
        Error::Timestamp(_) => Stage::Timestamp,
        Error::ArtifactMismatch(_) | Error::UnsupportedArtifact(_) | Error::ArtifactRead(_) => Stage::Subject,
        Error::IdentityMismatch { .. } | Error::IssuerMismatch { .. } => Stage::Identity,
        _ => Stage::Signature,
    }
}
