//! The signed end of a run: a SLSA verification summary (VSA v1) in an in-toto
//! statement, in a DSSE envelope signed with an ECDSA P-256 key, written (by
//! [`crate::output`], which also reads the key from the environment) to
//! `vsa.intoto.jsonl` beside the files it names. This module only builds, signs and
//! checks bytes.
//!
//! **What is signed.** The statement's subjects are the report files of the run, each by
//! file name and the SHA-256 of the bytes written (`decisions.json`, `summary.md`,
//! `sbom.cdx.json`, `sbom.spdx.json`, `results.sarif`, and `audit.jsonl` up to and
//! including this run's last record). The predicate
//! (<https://slsa.dev/verification_summary/v1>) says:
//!
//! - `verifier.id` [`VERIFIER_ID`], `verifier.version.depgate` the crate version;
//! - `timeVerified` the run's `now` (the clock the decisions used);
//! - `resourceUri` what was gated: `git+https://github.com/OWNER/REPO@SHA` from the GitHub
//!   runner (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`), else
//!   `pkg:generic/NAME@VERSION` of the project;
//! - `policy`: `uri` names the policy modules in load order
//!   ([`policy_uri`]), `digest.sha256` is the SHA-256 of the module texts concatenated in
//!   that order with nothing between them (for files: `cat a.rego b.rego | sha256sum`;
//!   `builtin` stands for the embedded `policy/builtin/*.rego` in file-name order). Policy
//!   *data* (`[policy]` settings, data files) is not in the digest;
//! - `inputAttestations` is left out: the spec asks for *all* attestations a verifier
//!   used when the field is present, and depgate does not keep digests of the
//!   dependencies' bundles. The audit chain head is in the extension field instead;
//! - `verificationResult` `PASSED` when no dependency was denied, quarantined or left
//!   undecided (`error`), else `FAILED`;
//! - `verifiedLevels` `["SLSA_BUILD_LEVEL_0"]` when passed, `["FAILED"]` when failed
//!   (as the spec asks). Level 0 because depgate checked the *dependencies*, not how the
//!   subjects (its own reports) were built: it claims no build level for them;
//! - `dependencyLevels`: each gated dependency counted once, `SLSA_BUILD_LEVEL_1` when it
//!   has a verified SLSA provenance attestation (provenance exists and its signature,
//!   subject and identity checked), else `SLSA_BUILD_LEVEL_0`. No higher level is
//!   claimed: that would take judging the builder's hardening, which depgate does not do;
//! - `slsaVersion` `1.0`;
//! - the extension field [`EXTENSION`] (a URI, as the spec asks of extension names):
//!   the audit chain head `{file, seq, hash}`, the decision counts, the mode, the
//!   configuration, the policy modules, the GitHub runner context, and `advisories`
//!   ([`advisories_extension`]): the advisory database the verification used, as in-toto
//!   resource descriptors (`database` with `digest.sha256`, and each source it was read
//!   from), and the advisory ids that matched, that were denied, warned about, and
//!   ignored; `{"checked": false}` when the run had no `[advisories]`. The database is an
//!   input of the verification but not an attestation, so it does not go into
//!   `inputAttestations` (left out, above).
//!
//! **The envelope.** DSSE v1 JSON: `payloadType` `application/vnd.in-toto+json`, `payload`
//! the statement (standard base64), one signature: ECDSA P-256 with SHA-256 over
//! `PAE(payloadType, payload)`, ASN.1 DER, standard base64. No `keyid`: DSSE calls it an
//! optional hint, and cosign skips a signature whose `keyid` differs from the one it
//! derives for `--key`. The file holds the envelope on one line (`.intoto.jsonl`, one
//! envelope per line), which `cosign verify-blob-attestation --signature` reads as is.
//!
//! **The key.** `DEPGATE_SIGNING_KEY` (the PEM text) or `DEPGATE_SIGNING_KEY_FILE` (a
//! path): an unencrypted PKCS#8 `PRIVATE KEY` for ECDSA P-256 (`openssl genpkey
//! -algorithm EC -pkeyopt ec_paramgen_curve:P-256`). The key never reaches an output, a
//! log line or an error message: errors name the variable, never its value.
//!
//! **Not done: keyless signing.** Signing through Sigstore (a Fulcio certificate for the
//! workflow's OIDC token, a Rekor entry) needs those services, which this build does not
//! reach; nothing here pretends to do it.
//!
//! Crypto is `sigstore-verify`'s (aws-lc-rs): no extra dependency.

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sigstore_verify::crypto::{KeyPair, VerificationKey};
use sigstore_verify::types::{DerPublicKey, SignatureBytes};

use super::{Counts, ProjectInfo, RunInfo};
use crate::attest::{Identity, Stage, StageFailure, StatementSummary, Verdict};
use crate::audit::{ChainHead, RunnerContext};
use crate::engine::{Decision, Record, Status};

/// The envelope's file name in the report folder.
pub const FILE: &str = "vsa.intoto.jsonl";
/// in-toto statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA verification summary v1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// `verifier.id`.
pub const VERIFIER_ID: &str = "https://github.com/depgate/depgate";
/// The name of depgate's extension field in the predicate.
pub const EXTENSION: &str = "https://github.com/depgate/depgate/vsa/run/v1";
/// The report files the statement names, in this order (`audit.jsonl` is cut at the
/// run's chain head).
pub const SUBJECT_FILES: [&str; 6] =
    ["decisions.json", "summary.md", "sbom.cdx.json", "sbom.spdx.json", "results.sarif", "audit.jsonl"];

/// A signing key that cannot be used. The message never carries key material.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct KeyError {
    /// The variable (or `VAR (path)`) the key came from.
    pub source_name: String,
    pub message: String,
}

/// An ECDSA P-256 signing key. `Debug` shows the public key's id only.
pub struct SigningKey {
    pair: KeyPair,
    public: DerPublicKey,
    key_id: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(ECDSA P-256, {})", self.key_id)
    }
}

/// `SHA256:` and the unpadded base64 of the SHA-256 of the public key's DER, as
/// `Trust::add_pem_key` names keys.
fn key_id_of(spki_der: &[u8]) -> String {
    format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(spki_der)))
}

impl SigningKey {
    /// Parse a PEM PKCS#8 ECDSA P-256 private key. `source_name` names where it came from
    /// in errors (the text itself never appears in one).
    pub fn from_pem(pem: &str, source_name: &str) -> Result<Self, KeyError> {
        let err = |message: &str| KeyError { source_name: source_name.to_string(), message: message.to_string() };
        let mut label = None;
        let mut body = String::new();
        for line in pem.lines().map(str::trim) {
            if let Some(l) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
                if label.is_some() {
                    break;
                }
                label = Some(l.to_string());
            } else if line.starts_with("-----END ") {
                break;
            } else if label.is_some() && !line.contains(':') {
                body.push_str(line);
            }
        }
        match label.as_deref() {
            Some("PRIVATE KEY") => {}
            Some("EC PRIVATE KEY") => {
                return Err(err(
                    "an SEC1 `EC PRIVATE KEY`; depgate reads PKCS#8: convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY`",
                ));
            }
            Some("ENCRYPTED PRIVATE KEY" | "ENCRYPTED SIGSTORE PRIVATE KEY" | "ENCRYPTED COSIGN PRIVATE KEY") => {
                return Err(err(
                    "an encrypted private key; depgate needs an unencrypted PKCS#8 ECDSA P-256 key (keep it in a CI secret)",
                ));
            }
            Some(_) => return Err(err("not a PEM `PRIVATE KEY` (PKCS#8) block")),
            None => return Err(err("not PEM: no `-----BEGIN PRIVATE KEY-----` line")),
        }
        // Errors from here on are fixed strings: a decoder's message could quote a byte.
        let mut der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| err("the PEM body is not valid base64"))?;
        let pair = KeyPair::from_pkcs8_der(&der);
        der.fill(0);
        let pair = pair.map_err(|_| err("not an ECDSA P-256 PKCS#8 private key"))?;
        let public = pair.public_key_der().map_err(|_| err("cannot derive the public key"))?;
        let key_id = key_id_of(public.as_bytes());
        Ok(Self { pair, public, key_id })
    }

    /// The public key (SPKI DER).
    pub fn public_key(&self) -> &DerPublicKey {
        &self.public
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), for `--key`.
    pub fn public_key_pem(&self) -> String {
        self.public.to_pem()
    }

    /// `SHA256:` + unpadded base64 of the SHA-256 of the public key's DER.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// A DSSE envelope (JSON, one line, ending in a newline) over `payload`.
    pub fn sign_envelope(&self, payload_type: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        let sig = self.pair.sign(&pae(payload_type, payload)).map_err(|_| "ECDSA signing failed".to_string())?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let envelope = json!({
            "payloadType": payload_type,
            "payload": b64.encode(payload),
            "signatures": [{"sig": b64.encode(sig.as_bytes())}],
        });
        let mut out = serde_json::to_vec(&envelope).map_err(|e| e.to_string())?;
        out.push(b'\n');
        Ok(out)
    }
}

/// DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).as_bytes());
    out.extend_from_slice(payload);
    out
}

/// `policy.uri`: the modules in load order, e.g.
/// `https://github.com/depgate/depgate/policy?v=0.1.0&modules=builtin,policy%2Fextra.rego`.
pub fn policy_uri(sources: &[String]) -> String {
    let modules: Vec<String> = sources.iter().map(|s| percent(s)).collect();
    format!("{VERIFIER_ID}/policy?v={}&modules={}", env!("CARGO_PKG_VERSION"), modules.join(","))
}

/// SHA-256 (hex) of the module texts concatenated in load order.
pub fn policy_digest(modules: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (_, text) in modules {
        h.update(text.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Percent-encode everything but RFC 3986 unreserved characters.
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `resourceUri`: the commit from the GitHub runner, else the project as a generic purl.
pub fn resource_uri(context: &RunnerContext, server_url: Option<&str>, project: &ProjectInfo) -> String {
    match (&context.repository, &context.sha) {
        (Some(repo), Some(sha)) => {
            let server = server_url.filter(|s| !s.trim().is_empty()).unwrap_or("https://github.com");
            format!("git+{}/{repo}@{sha}", server.trim_end_matches('/'))
        }
        _ => match &project.version {
            Some(v) => format!("pkg:generic/{}@{}", percent(&project.name), percent(v)),
            None => format!("pkg:generic/{}", percent(&project.name)),
        },
    }
}

/// Whether the run passed: no deny, quarantine or error.
fn passed(c: &Counts) -> bool {
    c.deny == 0 && c.quarantine == 0 && c.error == 0
}

/// Everything the statement is made of besides the records.
pub struct VsaInput<'a> {
    pub run: &'a RunInfo,
    pub records: &'a [Record],
    pub project: &'a ProjectInfo,
    pub head: &'a ChainHead,
    pub context: &'a RunnerContext,
    /// `GITHUB_SERVER_URL`.
    pub server_url: Option<&'a str>,
    /// `(file name, sha256 hex)` of each subject.
    pub subjects: &'a [(String, String)],
    /// `policy.digest.sha256`.
    pub policy_digest: &'a str,
}

/// The in-toto statement (VSA v1) of a run.
pub fn statement(v: &VsaInput<'_>) -> Value {
    let counts = Counts::of(v.records);
    let ok = passed(&counts);
    let mut provenance = 0usize;
    for r in v.records {
        let v = &r.evidence.verification;
        let has = v.status() == Status::Verified
            && v.attestations().iter().any(|a| {
                a.verified && a.predicate_type.as_deref().is_some_and(|p| p.starts_with("https://slsa.dev/provenance/"))
            });
        provenance += usize::from(has);
    }
    let mut levels = serde_json::Map::new();
    if provenance > 0 {
        levels.insert("SLSA_BUILD_LEVEL_1".into(), provenance.into());
    }
    if v.records.len() > provenance {
        levels.insert("SLSA_BUILD_LEVEL_0".into(), (v.records.len() - provenance).into());
    }
    let c = v.context;
    let runner: serde_json::Map<String, Value> = [
        ("repository", &c.repository),
        ("sha", &c.sha),
        ("workflow", &c.workflow),
        ("run_id", &c.run_id),
        ("run_attempt", &c.run_attempt),
        ("event", &c.event),
        ("actor", &c.actor),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), Value::from(v.as_str()))))
    .collect();
    let mut predicate = json!({
        "verifier": {"id": VERIFIER_ID, "version": {"depgate": env!("CARGO_PKG_VERSION")}},
        "timeVerified": v.run.now,
        "resourceUri": resource_uri(v.context, v.server_url, v.project),
        "policy": {"uri": policy_uri(&v.run.policy), "digest": {"sha256": v.policy_digest}},
        "verificationResult": if ok { "PASSED" } else { "FAILED" },
        "verifiedLevels": [if ok { "SLSA_BUILD_LEVEL_0" } else { "FAILED" }],
        "dependencyLevels": levels,
        "slsaVersion": "1.0",
    });
    predicate[EXTENSION] = json!({
        "audit": {"file": "audit.jsonl", "seq": v.head.seq, "hash": v.head.hash},
        "counts": counts,
        "mode": v.run.mode,
        "config": v.run.config,
        "policyModules": v.run.policy,
        "runner": runner,
        "advisories": advisories_extension(v.run, v.records),
        "reviews": super::reviews::vsa_extension(v.records),
    });
    let subject: Vec<Value> =
        v.subjects.iter().map(|(name, sha)| json!({"name": name, "digest": {"sha256": sha}})).collect();
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    })
}

/// An in-toto resource descriptor's `digest` of `sha256:<hex>` (`{"sha256": hex}`), or of
/// any other `alg:value`.
fn digest_map(digest: &str) -> Value {
    match digest.split_once(':') {
        Some((alg, value)) => json!({ alg: value }),
        None => json!({ "sha256": digest }),
    }
}

/// The `advisories` member of the extension: which database decided (as resource
/// descriptors) and what it named: `matched` (every advisory id that names a gated
/// version), `denied` (those a deny, quarantine or error finding is about), `warned`
/// (only warnings) and `ignored` (accepted by `[advisories.ignore]`). Ids sorted.
pub fn advisories_extension(run: &RunInfo, records: &[Record]) -> Value {
    use std::collections::BTreeSet;
    let Some(a) = &run.advisories else {
        return json!({"checked": false, "reason": "no [advisories] configured"});
    };
    let (mut matched, mut denied, mut warned, mut ignored) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for row in super::advisories::rows(records) {
        let id = row.advisory.id.as_str();
        matched.insert(id);
        if row.ignored() {
            ignored.insert(id);
        }
        match row.level() {
            Some(l) if l >= Decision::Quarantine => {
                denied.insert(id);
            }
            Some(Decision::Warn) => {
                warned.insert(id);
            }
            _ => {}
        }
    }
    warned.retain(|id| !denied.contains(id));
    let sources: Vec<Value> = a
        .sources
        .iter()
        .map(|s| {
            let mut annotations = json!({"kind": s.kind, "records": s.records});
            if let Some(at) = s.fetched_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()) {
                annotations["fetchedAt"] = json!(at);
            }
            json!({"name": s.location, "digest": digest_map(&s.digest), "annotations": annotations})
        })
        .collect();
    json!({
        "checked": true,
        "source": a.source,
        "database": {"name": "advisory database", "digest": digest_map(&a.database)},
        "sources": sources,
        "maxAge": a.max_age,
        "overrides": a.overrides,
        "matched": matched,
        "denied": denied,
        "warned": warned,
        "ignored": ignored,
    })
}

/// The bytes of `audit.jsonl` up to the end of the record `head` names (the whole file
/// unless another writer appended after this run).
pub fn audit_prefix(bytes: &[u8], head: &ChainHead) -> Vec<u8> {
    if head.seq == 0 {
        return Vec::new();
    }
    let needle = format!("\"hash\":\"{}\"", head.hash);
    let mut end = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        end += line.len();
        if line.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            return bytes[..end].to_vec();
        }
    }
    bytes.to_vec()
}

fn failed(stage: Stage, message: impl Into<String>) -> Verdict {
    Verdict {
        verified: false,
        content: "dsse",
        predicate_type: None,
        identity: Identity::default(),
        trust_root: None,
        integrated_time: None,
        stages: Vec::new(),
        failure: Some(StageFailure { stage, message: message.into() }),
        statement: None,
    }
}

/// Verify a bare DSSE envelope (JSON: `payloadType`, `payload`, `signatures`) signed by
/// one of `keys` (SPKI DER) over an in-toto statement that names `subject_name` with the
/// SHA-256 (or SHA-512) of `artifact`. This is what `depgate verify FILE --bundle
/// vsa.intoto.jsonl --key pub.pem` checks. There is no transparency log and no signed
/// time: the verdict rests on the key alone (as `cosign verify-blob-attestation --key
/// --insecure-ignore-tlog` does).
pub fn verify_envelope(envelope: &[u8], keys: &[DerPublicKey], artifact: &[u8], subject_name: &str) -> Verdict {
    let doc: Value = match serde_json::from_slice(envelope) {
        Ok(v) => v,
        Err(e) => return failed(Stage::Bundle, format!("not a DSSE envelope: {e}")),
    };
    let (Some(payload_type), Some(payload_b64), Some(signatures)) =
        (doc["payloadType"].as_str(), doc["payload"].as_str(), doc["signatures"].as_array())
    else {
        return failed(Stage::Bundle, "not a DSSE envelope: `payloadType`, `payload` and `signatures` are required");
    };
    if payload_type != PAYLOAD_TYPE {
        return failed(Stage::Bundle, format!("payloadType `{payload_type}` is not `{PAYLOAD_TYPE}`"));
    }
    let decode = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(s))
    };
    let Ok(payload) = decode(payload_b64) else {
        return failed(Stage::Bundle, "the DSSE payload is not base64");
    };
    let statement: StatementSummary = match crate::attest::statement::parse_statement(&payload) {
        Ok(s) => s,
        Err(e) => return failed(Stage::Bundle, e),
    };
    let mut stages = vec![Stage::Bundle];
    if keys.is_empty() {
        return Verdict {
            predicate_type: Some(statement.predicate_type.clone()),
            statement: Some(statement),
            stages,
            ..failed(
                Stage::TrustRoot,
                "a DSSE envelope carries no certificate: pass the signer's public key with --key",
            )
        };
    }
    stages.push(Stage::TrustRoot);
    let message = pae(payload_type, &payload);
    let mut signer = None;
    'outer: for s in signatures {
        let Some(sig) = s["sig"].as_str().and_then(|s| decode(s).ok()) else { continue };
        let sig = SignatureBytes::new(sig);
        for k in keys {
            if VerificationKey::from_spki(k).is_ok_and(|vk| vk.verify(&message, &sig).is_ok()) {
                signer = Some(key_id_of(k.as_bytes()));
                break 'outer;
            }
        }
    }
    let with = |v: Verdict, stages: Vec<Stage>, statement: StatementSummary| Verdict {
        predicate_type: Some(statement.predicate_type.clone()),
        statement: Some(statement),
        stages,
        ..v
    };
    let Some(key_id) = signer else {
        return with(
            failed(Stage::Signature, "no signature of the envelope verifies with the given key(s)"),
            stages,
            statement,
        );
    };
    stages.push(Stage::Signature);
    let identity = Identity { key_id: Some(key_id.clone()), ..Identity::default() };
    if let Err(e) = check_subject(&statement, subject_name, artifact) {
        let v = Verdict { identity, ..failed(Stage::Subject, e) };
        return with(v, stages, statement);
    }
    stages.push(Stage::Subject);
    Verdict {
        verified: true,
        content: "dsse",
        predicate_type: Some(statement.predicate_type.clone()),
        identity,
        trust_root: Some(format!("key {key_id} (no transparency log)")),
        integrated_time: None,
        stages,
        failure: None,
        statement: Some(statement),
    }
}

/// The subject named `name` carries the artifact's SHA-256 or SHA-512.
fn check_subject(st: &StatementSummary, name: &str, artifact: &[u8]) -> Result<(), String> {
    let matching: Vec<&(String, String, String)> = st.subjects.iter().filter(|(n, _, _)| n == name).collect();
    if matching.is_empty() {
        let names: Vec<&str> = st.subjects.iter().map(|(n, _, _)| n.as_str()).collect();
        return Err(format!("the attestation is about {names:?}, not `{name}`"));
    }
    let sha256 = hex::encode(Sha256::digest(artifact));
    let sha512 = || hex::encode(sha2::Sha512::digest(artifact));
    let ok = matching.iter().any(|(_, algo, d)| match algo.as_str() {
        "sha256" => *d == sha256,
        "sha512" => *d == sha512(),
        _ => false,
    });
    if ok { Ok(()) } else { Err(format!("the subject `{name}` carries another digest than the artifact")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway P-256 key (PKCS#8), for these unit tests only.
    fn key() -> SigningKey {
        let pair = KeyPair::generate_ecdsa_p256().unwrap();
        let public = pair.public_key_der().unwrap();
        let key_id = key_id_of(public.as_bytes());
        SigningKey { pair, public, key_id }
    }

    #[test]
    fn the_extension_names_the_advisory_database_and_denied_ids() {
        use crate::report::advisories::fixtures;
        let ext = advisories_extension(&fixtures::run(true), &fixtures::records());
        assert_eq!(ext["checked"], true);
        assert_eq!(
            ext["database"]["digest"]["sha256"],
            "ae1273c2708fc59abb5e8ad21666e66c1505ef3462a69ea2172c32c63693d518"
        );
        assert_eq!(ext["sources"][0]["name"], "db");
        assert_eq!(ext["sources"][0]["annotations"]["fetchedAt"], "2026-01-01T00:00:00Z");
        assert_eq!(ext["matched"], json!(["GHSA-35jh-r3h4-6jhm", "GHSA-mod0-mod0-mod0", "MAL-2024-1"]));
        assert_eq!(ext["denied"], json!(["GHSA-35jh-r3h4-6jhm", "MAL-2024-1"]));
        assert_eq!(ext["warned"], json!(["GHSA-mod0-mod0-mod0"]));
        assert_eq!(ext["ignored"], json!(["GHSA-mod0-mod0-mod0"]));
        assert_eq!(ext["overrides"], json!(["--advisories-max-age never"]));
        assert_eq!(advisories_extension(&fixtures::run(false), &[])["checked"], false);
    }

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // DSSE protocol.md test vector.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    fn statement_over(files: &[(&str, &[u8])]) -> Vec<u8> {
        let subject: Vec<Value> = files
            .iter()
            .map(|(n, b)| json!({"name": n, "digest": {"sha256": hex::encode(Sha256::digest(b))}}))
            .collect();
        serde_json::to_vec(
            &json!({"_type": STATEMENT_TYPE, "subject": subject, "predicateType": PREDICATE_TYPE, "predicate": {}}),
        )
        .unwrap()
    }

    #[test]
    fn signed_envelope_verifies_and_tampering_fails() {
        let k = key();
        let payload = statement_over(&[("a.json", b"A"), ("b.json", b"B")]);
        let env = k.sign_envelope(PAYLOAD_TYPE, &payload).unwrap();
        assert!(env.ends_with(b"\n") && !env[..env.len() - 1].contains(&b'\n'));
        let keys = [k.public_key().clone()];
        let v = verify_envelope(&env, &keys, b"A", "a.json");
        assert!(v.verified, "{v:?}");
        assert_eq!(v.predicate_type.as_deref(), Some(PREDICATE_TYPE));
        assert_eq!(v.identity.key_id.as_deref(), Some(k.key_id()));
        // Another file's bytes, another name, another key, no key.
        assert_eq!(verify_envelope(&env, &keys, b"A2", "a.json").failure.unwrap().stage, Stage::Subject);
        assert_eq!(verify_envelope(&env, &keys, b"A", "c.json").failure.unwrap().stage, Stage::Subject);
        let other = [key().public_key().clone()];
        assert_eq!(verify_envelope(&env, &other, b"A", "a.json").failure.unwrap().stage, Stage::Signature);
        assert_eq!(verify_envelope(&env, &[], b"A", "a.json").failure.unwrap().stage, Stage::TrustRoot);
        // A payload swapped under the signature.
        let mut doc: Value = serde_json::from_slice(&env).unwrap();
        let forged = statement_over(&[("a.json", b"A2")]);
        doc["payload"] = base64::engine::general_purpose::STANDARD.encode(&forged).into();
        let v = verify_envelope(doc.to_string().as_bytes(), &keys, b"A2", "a.json");
        assert_eq!(v.failure.unwrap().stage, Stage::Signature);
        // Another payload type under the same signature.
        let mut doc: Value = serde_json::from_slice(&env).unwrap();
        doc["payloadType"] = "application/json".into();
        assert_eq!(
            verify_envelope(doc.to_string().as_bytes(), &keys, b"A", "a.json").failure.unwrap().stage,
            Stage::Bundle
        );
        assert!(!verify_envelope(b"{}", &keys, b"A", "a.json").verified);
        assert!(!verify_envelope(b"not json", &keys, b"A", "a.json").verified);
    }

    #[test]
    fn key_errors_never_quote_the_key() {
        let body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
        for pem in [
            format!("-----BEGIN PRIVATE KEY-----\n{body}!!\n-----END PRIVATE KEY-----\n"),
            format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"),
            format!("-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----\n"),
            format!(
                "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{body}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
            ),
            body.to_string(),
        ] {
            let e = SigningKey::from_pem(&pem, "DEPGATE_SIGNING_KEY").unwrap_err().to_string();
            assert!(e.starts_with("DEPGATE_SIGNING_KEY: "), "{e}");
            assert!(!e.contains(&body[10..30]), "{e}");
        }
        assert!(format!("{:?}", key()).starts_with("SigningKey(ECDSA P-256, SHA256:"));
    }

    #[test]
    fn uris_and_audit_prefix() {
        let ctx = RunnerContext {
            repository: Some("o/r".into()),
            sha: Some("abc".into()),
            ..RunnerContext::from_lookup(|_| None)
        };
        let p = ProjectInfo { name: "@acme/app".into(), version: Some("1.0.0".into()) };
        assert_eq!(resource_uri(&ctx, None, &p), "git+https://github.com/o/r@abc");
        assert_eq!(resource_uri(&ctx, Some("https://ghe.example/"), &p), "git+https://ghe.example/o/r@abc");
        assert_eq!(resource_uri(&RunnerContext::from_lookup(|_| None), None, &p), "pkg:generic/%40acme%2Fapp@1.0.0");
        assert_eq!(
            policy_uri(&["builtin".into(), "policy/x y.rego".into()]),
            format!("{VERIFIER_ID}/policy?v={}&modules=builtin,policy%2Fx%20y.rego", env!("CARGO_PKG_VERSION"))
        );
        let log = b"{\"seq\":1,\"hash\":\"h1\"}\n{\"seq\":2,\"hash\":\"h2\"}\n{\"seq\":3,\"hash\":\"h3\"}\n";
        assert_eq!(audit_prefix(log, &ChainHead { seq: 2, hash: "h2".into() }), log[..44].to_vec());
        assert_eq!(audit_prefix(log, &ChainHead { seq: 3, hash: "h3".into() }), log.to_vec());
        let mods = vec![("a".to_string(), "x".to_string()), ("b".to_string(), "y".to_string())];
        assert_eq!(policy_digest(&mods), hex::encode(Sha256::digest(b"xy")));
    }
}
