//! Provenance and publish attestations (Sigstore): npm attestations (SLSA provenance and
//! the registry's publish attestation), PEP 740 provenance of a `PyPI` file, the
//! `.sigstore.json` bundle beside a Maven file. Fetched from the committed attestation
//! cache first, then from the owning upstream; verified by `attest` against the trust
//! roots, the artifact's digest and the identities the configuration expects.
//!
//! Fail closed: evidence that exists and does not verify — or cannot be checked — is
//! `violated`, never `verified`; evidence the registry advertises and does not serve is
//! `violated` too. Only when none exists is the package `unverifiable`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::EvidenceKind;
use crate::attest::formats::{Checked, verify_npm_attestations, verify_pep740};
use crate::attest::{IdentityPolicy, Stage, StageFailure, Subject, Trust};
use crate::config::{Config, Upstream};
use crate::ecosystem::{Coordinate, Ecosystem};
use crate::engine::model::{AttestationRecord, Evidence, Unverifiable, Verification, Verified, Violated, ViolatedAt};
use crate::engine::resolve::Resolved;
use crate::engine::{Options, owner_of};
use crate::redact::redact_text;
use crate::upstream::{EvidenceRequest, EvidenceSource, Lookup, Registry};

/// The Sigstore attestation kind, holding the trust roots it verifies against.
pub struct Provenance {
    trust: Arc<Trust>,
}

impl Provenance {
    pub fn new(trust: Arc<Trust>) -> Self {
        Self { trust }
    }
}

/// What to fetch and check for one package; owned, for the blocking check.
pub struct Job {
    owner: Upstream,
    ecosystem: Ecosystem,
    name: String,
    version: String,
    purl: String,
    /// The distribution file the evidence is for (`PyPI`, Maven).
    file: Option<String>,
    url: Option<String>,
    /// The registry's own metadata says evidence exists (`dist.attestations`, PEP 691
    /// `provenance`, a `.sigstore.json` beside the artifact).
    advertised: bool,
    /// The artifact's digests (hex by algorithm): what the evidence's subject must be.
    digests: BTreeMap<String, String>,
    /// The repository the package's own metadata declares.
    declared_repository: Option<String>,
    /// Identities the provenance may come from; empty: any the trust roots vouch for.
    identities: Vec<IdentityPolicy>,
    /// How many of `identities` are the owner's own rules (first): a bundle signed by the
    /// owner's `cosign_key` meets those, since the operator pinned that key for it.
    owner_identities: usize,
    require_declared_repository: bool,
}

impl EvidenceKind for Provenance {
    type Job = Job;
    type Material = (Vec<u8>, EvidenceSource);
    type Outcome = Verification;

    fn noun(&self) -> &'static str {
        "attestations"
    }

    fn plan(&self, config: &Config, p: &Resolved) -> Option<Job> {
        let r = p.resolution.as_ref();
        let owner = owner_of(config, r)?;
        let r = r?;
        let eco = p.package.ecosystem;
        if eco == Ecosystem::Oci {
            return plan_image(config, owner, p, r);
        }
        let version = &p.package.version;
        let release = p.release();
        let file_entry =
            release.and_then(|rel| rel.files.iter().find(|f| r.file.as_ref().is_none_or(|n| &f.filename == n)));
        let file = r.file.clone();
        let advertised_url = match eco {
            Ecosystem::Npm => release.and_then(|rel| rel.attestations_url.clone()),
            Ecosystem::Pypi => file_entry.and_then(|f| f.provenance_url.clone()),
            Ecosystem::Maven => file_entry
                .filter(|f| f.signatures.iter().any(|s| s == "sigstore.json"))
                .map(|f| format!("{}.sigstore.json", f.url)),
            // Image signatures are found through the registry's referrers, not here.
            Ecosystem::Oci => return None,
        };
        if eco != Ecosystem::Npm && file.is_none() {
            return None;
        }
        let advertised = advertised_url.is_some();
        let url = advertised_url
            .or_else(|| owner.attestations.as_ref().map(|t| template(t, &p.package.name, version, file.as_deref())));
        Some(Job {
            owner: owner.clone(),
            ecosystem: eco,
            name: p.package.name.clone(),
            version: version.clone(),
            purl: p.package.purl.clone(),
            file,
            url,
            advertised,
            digests: r.digests.clone(),
            declared_repository: release.and_then(|m| m.repository.clone()),
            identities: expected_identities(config, owner, &p.package.purl, None),
            owner_identities: owner.identity.len(),
            require_declared_repository: config.verify.require_declared_repository,
        })
    }

    fn fetch<R: Registry>(
        &self,
        registry: &R,
        job: &Job,
    ) -> impl Future<Output = Lookup<(Vec<u8>, EvidenceSource)>> + Send {
        let req = EvidenceRequest {
            format: crate::upstream::EvidenceFormat::Attestation,
            ecosystem: job.ecosystem,
            name: &job.name,
            version: &job.version,
            file: job.file.as_deref(),
            url: job.url.as_deref(),
        };
        let owner = &job.owner;
        async move { registry.evidence(owner, &req).await }
    }

    fn check(&self, job: Job, material: Option<(Vec<u8>, EvidenceSource)>) -> Verification {
        match material {
            None if job.advertised => Verification::violated(
                ViolatedAt::Missing,
                format!(
                    "the registry advertises attestations at {} but serves none",
                    redact_text(job.url.as_deref().unwrap_or_default())
                ),
                None,
            ),
            None => Verification::Unverifiable(Unverifiable::NotPublished),
            Some((bytes, source)) => match self.trust.for_upstream(&job.owner.name) {
                Some(scoped) => verify(&scoped, &job, &bytes, source),
                None => verify(&self.trust, &job, &bytes, source),
            },
        }
    }

    fn not_planned(&self) -> Verification {
        Verification::Unverifiable(Unverifiable::NoArtifact)
    }

    fn check_died(&self) -> Verification {
        Verification::violated(ViolatedAt::Internal, "internal error while verifying the attestations".into(), None)
    }

    fn contribute(outcome: Verification, evidence: &mut Evidence) {
        evidence.verification = outcome;
    }
}

/// An image's cosign signatures and Sigstore bundles, where something is configured to
/// check them against: the owner's `cosign_key`, or identity rules (the owner's
/// `identity`, or `[[verify.identity]]` entries whose globs match the image's purl or its
/// `registry/path`). With neither, nothing is planned and the image stays unverifiable.
/// The job's version is the digest a build pulls.
fn plan_image(config: &Config, owner: &Upstream, p: &Resolved, r: &crate::engine::model::Resolution) -> Option<Job> {
    let repository = p.package.image.as_ref().map(|i| i.repository.as_str());
    let identities = expected_identities(config, owner, &p.package.purl, repository);
    if owner.cosign_key.is_none() && identities.is_empty() {
        return None;
    }
    let digest = r.image.as_ref()?.digest.clone()?;
    Some(Job {
        owner: owner.clone(),
        ecosystem: Ecosystem::Oci,
        name: p.package.name.clone(),
        version: digest,
        purl: p.package.purl.clone(),
        file: None,
        url: None,
        advertised: false,
        digests: r.digests.clone(),
        declared_repository: None,
        identities,
        owner_identities: owner.identity.len(),
        require_declared_repository: false,
    })
}

/// The attestation kind of an image bundle by its predicate: cosign's signature statement,
/// SLSA provenance, or another attestation (an SBOM, a vulnerability scan).
fn image_bundle_kind(predicate_type: Option<&str>) -> &'static str {
    match predicate_type {
        None | Some("https://sigstore.dev/cosign/sign/v1") => "signature",
        Some(p) if p.starts_with("https://slsa.dev/provenance/") => "provenance",
        Some(_) => "other",
    }
}

/// Verify an image's signatures: simple-signing layers with a certificate keylessly
/// (converted to the bundle they amount to), the others with the owner's key; Sigstore
/// bundles against the trusted roots with the image digest as their subject. Identity
/// rules are applied to every verified one by [`conclude`] (and here to attestations
/// that are neither signatures nor provenance).
fn verify_image(trust: &Trust, job: &Job, bytes: &[u8]) -> Result<Vec<Checked>, String> {
    let sigs: crate::attest::cosign::ImageSignatures =
        serde_json::from_slice(bytes).map_err(|e| format!("the signatures cannot be read: {e}"))?;
    let keys = trust.image_keys(&job.owner.name);
    let hex_digest = job.version.strip_prefix("sha256:").and_then(|h| <[u8; 32]>::try_from(hex::decode(h).ok()?).ok());
    let mut out = Vec::new();
    for s in &sigs.signatures {
        let verdict = if s.certificate.is_some() {
            keyless_simple_signing(trust, s, &job.version)
        } else {
            crate::attest::cosign::verify_simple_signing(s, &keys, &job.version)
        };
        out.push(Checked { kind: "signature".into(), verdict });
    }
    for b in &sigs.bundles {
        let raw: serde_json::Value = serde_json::from_str(b).unwrap_or_default();
        // Key-signed (cosign v3 with --key): the owner's cosign_key, no transparency log.
        let key_signed = raw["verificationMaterial"].get("publicKey").is_some() && raw.get("dsseEnvelope").is_some();
        let mut verdict = match &hex_digest {
            _ if key_signed => crate::attest::cosign::verify_key_dsse(&raw["dsseEnvelope"], &keys, &job.version),
            Some(d) => trust.verify_bundle(b, Subject::Sha256(d), None, &IdentityPolicy::default()),
            None => return Err(format!("the image digest {} is not a sha256 digest", job.version)),
        };
        let kind = image_bundle_kind(verdict.predicate_type.as_deref());
        if verdict.verified && kind == "other" {
            check_identity(trust, job, &mut verdict);
        }
        out.push(Checked { kind: kind.into(), verdict });
    }
    for e in &sigs.envelopes {
        let envelope: serde_json::Value =
            serde_json::from_str(e).map_err(|e| format!("an attestation envelope is not JSON: {e}"))?;
        let verdict = crate::attest::cosign::verify_key_dsse(&envelope, &keys, &job.version);
        let kind = image_bundle_kind(verdict.predicate_type.as_deref());
        out.push(Checked { kind: kind.into(), verdict });
    }
    Ok(out)
}

/// A keyless simple-signing layer: the bundle it amounts to verified against the trusted
/// roots over the payload, then the payload must name the image digest.
fn keyless_simple_signing(
    trust: &Trust,
    sig: &crate::attest::cosign::ImageSignature,
    digest: &str,
) -> crate::attest::Verdict {
    use base64::Engine as _;
    let failed = |stage, message: String| crate::attest::Verdict {
        verified: false,
        content: "simple_signing",
        predicate_type: None,
        identity: crate::attest::Identity::default(),
        trust_root: None,
        integrated_time: None,
        stages: Vec::new(),
        failure: Some(StageFailure { stage, message }),
        statement: None,
    };
    let bundle = match crate::attest::cosign::keyless_bundle(sig) {
        Ok(b) => b,
        Err(e) => return failed(Stage::Bundle, e),
    };
    let Ok(payload) = base64::engine::general_purpose::STANDARD.decode(sig.payload.trim()) else {
        return failed(Stage::Bundle, "the signature payload is not base64".into());
    };
    let mut verdict = trust.verify_bundle(&bundle, Subject::Bytes(&payload), None, &IdentityPolicy::default());
    verdict.content = "simple_signing";
    if verdict.verified {
        match crate::attest::cosign::payload_subject(&payload) {
            Ok(named) if named == digest => {}
            Ok(named) => {
                verdict.verified = false;
                verdict.failure = Some(StageFailure {
                    stage: Stage::Subject,
                    message: format!("the signature is for {named}, not for the image {digest}"),
                });
            }
            Err(e) => {
                verdict.verified = false;
                verdict.failure = Some(StageFailure { stage: Stage::Subject, message: e });
            }
        }
    }
    verdict
}

/// Fill an upstream's evidence URL template (`{name}`, `{version}`, `{file}`).
fn template(t: &str, name: &str, version: &str, file: Option<&str>) -> String {
    t.replace("{name}", &name.replace('/', "%2f")).replace("{version}", version).replace("{file}", file.unwrap_or(""))
}

/// The identities a package's provenance may come from: its owner's `identity` rules and
/// every `[[verify.identity]]` whose globs match its purl (or, for an image, its
/// `registry/path`). Empty = any the trust roots vouch for.
fn expected_identities(config: &Config, owner: &Upstream, purl: &str, repository: Option<&str>) -> Vec<IdentityPolicy> {
    let mut out = owner.identity.clone();
    for pi in &config.verify.identities {
        let matches = |g: &String| {
            glob::Pattern::new(g).is_ok_and(|p| p.matches(purl) || repository.is_some_and(|r| p.matches(r)))
        };
        if pi.packages.iter().any(matches) {
            out.push(pi.identity.clone());
        }
    }
    out
}

fn normalize_repo(r: &str) -> String {
    let r = r.trim().trim_end_matches('/').trim_end_matches(".git");
    let r = r.strip_prefix("git+").unwrap_or(r);
    let r = r.strip_prefix("git://").map_or_else(|| r.to_string(), |rest| format!("https://{rest}"));
    let r = r.strip_prefix("github:").map_or(r.clone(), |rest| format!("https://github.com/{rest}"));
    r.replace("ssh://git@github.com/", "https://github.com/")
        .replace("git@github.com:", "https://github.com/")
        .to_ascii_lowercase()
}

/// A digest of the artifact, as a fixed-size array.
fn digest<const N: usize>(digests: &BTreeMap<String, String>, algo: &str) -> Option<[u8; N]> {
    <[u8; N]>::try_from(hex::decode(digests.get(algo)?).ok()?).ok()
}

/// Verify the evidence `bytes` of one package.
fn verify(trust: &Trust, job: &Job, bytes: &[u8], source: EvidenceSource) -> Verification {
    let eco = job.ecosystem;
    if eco == Ecosystem::Oci {
        return conclude(trust, job, verify_image(trust, job, bytes), source);
    }
    let sha512 = digest::<64>(&job.digests, "sha512");
    let sha256 = digest::<32>(&job.digests, "sha256");
    let file = job.file.clone().unwrap_or_default();
    let subject = match (eco, &sha512, &sha256) {
        (Ecosystem::Npm, Some(d), _) | (Ecosystem::Maven, Some(d), None) => Subject::Sha512(d),
        (Ecosystem::Pypi | Ecosystem::Maven, _, Some(d)) => Subject::Sha256(d),
        _ => {
            return Verification::violated(
                ViolatedAt::NoDigest,
                format!(
                    "attestations exist but the upstream publishes no {} digest to check them against (run with --download to hash the artifact)",
                    if eco == Ecosystem::Npm { "sha512" } else { "sha256" }
                ),
                Some(source),
            );
        }
    };
    let checked = match eco {
        Ecosystem::Npm => verify_npm_attestations(trust, bytes, &job.purl, subject, &IdentityPolicy::default()),
        Ecosystem::Pypi => verify_pep740(trust, bytes, &file, subject, &IdentityPolicy::default()),
        Ecosystem::Maven => match std::str::from_utf8(bytes) {
            Ok(json) => Ok(vec![Checked {
                kind: "signature".into(),
                verdict: trust.verify_bundle(json, subject, None, &IdentityPolicy::default()),
            }]),
            Err(_) => Err("the .sigstore.json file is not UTF-8 JSON".to_string()),
        },
        Ecosystem::Oci => Err("image signatures are not package provenance".to_string()),
    };
    conclude(trust, job, checked, source)
}

/// The verification of a package from what each of its attestations concluded.
fn conclude(trust: &Trust, job: &Job, checked: Result<Vec<Checked>, String>, source: EvidenceSource) -> Verification {
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            return Verification::violated(
                ViolatedAt::Unreadable,
                format!("the attestations cannot be read: {e}"),
                Some(source),
            );
        }
    };
    let mut attestations = Vec::new();
    let mut reasons = Vec::new();
    let mut first_failure = None;
    for Checked { kind, mut verdict } in checked {
        if verdict.verified && matches!(kind.as_str(), "provenance" | "signature") {
            check_identity(trust, job, &mut verdict);
        }
        if let Some(f) = &verdict.failure {
            reasons.push(format!("{kind} attestation: {:?} stage: {}", f.stage, f.message));
            first_failure = first_failure.or(Some(f.stage));
        }
        let st = verdict.statement.as_ref();
        attestations.push(AttestationRecord {
            kind,
            predicate_type: verdict.predicate_type.clone(),
            verified: verdict.verified,
            builder_id: st.and_then(|s| s.builder_id.clone()),
            build_type: st.and_then(|s| s.build_type.clone()),
            identity: verdict.identity,
            trust_root: verdict.trust_root,
            integrated_time: verdict.integrated_time,
            signed_at: None,
            stages: verdict.stages,
            failure: verdict.failure,
        });
    }
    if attestations.is_empty() {
        Verification::Unverifiable(Unverifiable::NotPublished)
    } else if attestations.iter().all(|a| a.verified) {
        Verification::Verified(Verified { attestations, source })
    } else {
        // An attestation that did not verify but names no stage is still a violation.
        let at = first_failure.map_or(ViolatedAt::Internal, ViolatedAt::Stage);
        Verification::Violated(Violated { at, reasons, attestations, source: Some(source) })
    }
}

/// The identity policy of the configuration, and `require_declared_repository`, applied
/// to a verdict whose signature verified.
fn check_identity(trust: &Trust, job: &Job, verdict: &mut crate::attest::Verdict) {
    // Signed by the owner's own cosign_key: the owner's identity rules (certificate
    // identities) are met by the key; `[[verify.identity]]` rules still apply.
    let pinned = verdict.identity.key_id.as_deref().is_some_and(|k| trust.is_upstream_key(k));
    let identities = if pinned { &job.identities[job.owner_identities..] } else { &job.identities[..] };
    if !identities.is_empty() {
        let errors: Vec<String> = identities.iter().filter_map(|p| p.check(&verdict.identity).err()).collect();
        if errors.len() == identities.len() {
            verdict.verified = false;
            verdict.failure = Some(StageFailure { stage: Stage::Identity, message: errors.join(" | ") });
        } else {
            verdict.stages.push(Stage::Identity);
        }
    }
    if verdict.verified && job.require_declared_repository {
        let built_from = verdict.identity.source_repo.as_deref().map(normalize_repo);
        let declared = job.declared_repository.as_deref().map(normalize_repo);
        if built_from.is_none() || built_from != declared {
            verdict.verified = false;
            verdict.failure = Some(StageFailure {
                stage: Stage::Identity,
                message: format!(
                    "built from {} but the package declares repository {}",
                    verdict.identity.source_repo.as_deref().unwrap_or("(unknown)"),
                    job.declared_repository.as_deref().unwrap_or("(none)")
                ),
            });
        }
    }
}

/// One package's attestations as the owner (or the attestation cache) serves them.
pub struct CollectedEvidence {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub file: Option<String>,
    pub got: Lookup<Vec<u8>>,
}

/// The attestations of each resolvable coordinate as the owner (or the attestation cache)
/// serves them, unchecked, for `depgate attest pull`.
pub async fn collect_evidence<R: Registry>(
    config: &Config,
    registry: &R,
    coords: &[Coordinate],
    opts: &Options,
) -> Vec<CollectedEvidence> {
    let packages = crate::engine::resolve::resolve_records(config, registry, coords, opts).await;
    // The trust roots are not used: nothing is verified here.
    let kind = Arc::new(Provenance::new(Arc::new(Trust::empty())));
    let jobs: Vec<(usize, Job)> =
        packages.iter().enumerate().filter_map(|(i, p)| kind.plan(config, p).map(|j| (i, j))).collect();
    super::fetch(&kind, registry, jobs, opts.concurrency)
        .await
        .into_iter()
        .map(|(_, job, got)| {
            let got = match got {
                Lookup::Found((bytes, _)) => Lookup::Found(bytes),
                Lookup::NotFound => Lookup::NotFound,
                Lookup::Failed(f) => Lookup::Failed(f),
            };
            CollectedEvidence { ecosystem: job.ecosystem, name: job.name, version: job.version, file: job.file, got }
        })
        .collect()
}
