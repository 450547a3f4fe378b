//! OpenPGP detached signatures (`.asc`) beside a package's file: Maven Central's (every
//! release carries one), and those of any upstream that declares `pgp_key` or
//! `pgp_signatures` (Cloudsmith signs every file it serves with the repository's key).
//! Fetched from the committed attestation cache first, then from the owner, with the file
//! itself (from the content-addressed cache when it holds it); checked by `openpgp`
//! against the run's keyrings and the keys pinned for the package.
//!
//! The outcome shares `verification` with the Sigstore kind ([`merge`]): a violated
//! signature of either kind makes the package violated; identity = the key fingerprint.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{EvidenceKind, Gathered};
use crate::attest::{Identity, Stage, StageFailure};
use crate::config::{Config, Upstream};
use crate::ecosystem::Ecosystem;
use crate::engine::model::{AttestationRecord, Evidence, Unverifiable, Verification, Verified, Violated, ViolatedAt};
use crate::engine::resolve::Resolved;
use crate::engine::{artifact_url, owner_of};
use crate::openpgp::trust::{Material, MavenFile, Outcome, Pin, judge};
use crate::openpgp::{Options as PgpOptions, Signer, verify_detached};
use crate::redact::redact_text;
use crate::upstream::{EvidenceFormat, EvidenceRequest, EvidenceSource, FailKind, Failure, Lookup, Registry};

/// The OpenPGP kind: the run's keys and pins, and the time signatures are judged at.
pub struct OpenPgp {
    material: Arc<Material>,
    now: u32,
}

impl OpenPgp {
    pub fn new(material: Arc<Material>, now: time::OffsetDateTime) -> Self {
        Self { material, now: u32::try_from(now.unix_timestamp()).unwrap_or(u32::MAX) }
    }
}

/// One file and its signature to fetch and check.
pub struct Job {
    owner: Upstream,
    ecosystem: Ecosystem,
    name: String,
    version: String,
    file: String,
    url: String,
    asc_url: String,
    /// The owner's index lists an `.asc` beside the file (Maven).
    advertised: bool,
    digests: BTreeMap<String, String>,
    pins: Vec<Pin>,
}

/// The file's bytes, its signature, where the signature came from.
pub struct Fetched {
    file: Vec<u8>,
    signature: Vec<u8>,
    source: EvidenceSource,
}

impl EvidenceKind for OpenPgp {
    type Job = Job;
    type Material = Fetched;
    type Outcome = Verification;

    fn noun(&self) -> &'static str {
        "OpenPGP signature"
    }

    fn plan(&self, config: &Config, p: &Resolved) -> Option<Job> {
        let owner = owner_of(config, p.resolution.as_ref())?;
        if !owner.publishes_pgp_signatures() {
            return None;
        }
        let r = p.resolution.as_ref()?;
        let url = artifact_url(p)?;
        let file =
            r.file.clone().or_else(|| url.rsplit('/').next().map(|f| f.split('?').next().unwrap_or(f).to_string()))?;
        let eco = p.package.ecosystem;
        let advertised = p
            .release()
            .and_then(|rel| rel.files.iter().find(|f| f.filename == file))
            .is_some_and(|f| f.signatures.iter().any(|s| s == "asc"));
        let maven = (eco == Ecosystem::Maven)
            .then(|| p.package.name.split_once(':'))
            .flatten()
            .map(|(g, a)| MavenFile { group: g, artifact: a, version: &p.package.version, file: &file });
        let pins = self.material.pins(&p.package.purl, &owner.name, maven.as_ref());
        Some(Job {
            owner: owner.clone(),
            ecosystem: eco,
            name: p.package.name.clone(),
            version: p.package.version.clone(),
            asc_url: format!("{url}.asc"),
            url,
            file,
            advertised,
            digests: r.digests.clone(),
            pins,
        })
    }

    async fn fetch<R: Registry>(&self, registry: &R, job: &Job) -> Lookup<Fetched> {
        let req = EvidenceRequest {
            format: EvidenceFormat::OpenPgp,
            ecosystem: job.ecosystem,
            name: &job.name,
            version: &job.version,
            file: Some(&job.file),
            url: Some(&job.asc_url),
        };
        let (signature, source) = match registry.evidence(&job.owner, &req).await {
            Lookup::Found(s) => s,
            Lookup::NotFound => return Lookup::NotFound,
            Lookup::Failed(f) => return Lookup::Failed(f),
        };
        match registry.artifact(&job.owner, job.ecosystem, &job.name, &job.url, &job.digests).await {
            Lookup::Found(a) => Lookup::Found(Fetched { file: a.bytes, signature, source }),
            Lookup::NotFound => Lookup::Failed(Failure::new(
                FailKind::Status,
                Some(404),
                format!(
                    "upstream `{}` keeps a signature for {} but not the file itself",
                    job.owner.name,
                    redact_text(&job.url)
                ),
            )),
            Lookup::Failed(f) => Lookup::Failed(f),
        }
    }

    fn check(&self, job: Job, material: Option<Fetched>) -> Verification {
        let Some(m) = material else {
            if job.advertised {
                return Verification::violated(
                    ViolatedAt::Missing,
                    format!("the registry lists {} but serves none", redact_text(&job.asc_url)),
                    None,
                );
            }
            return Verification::Unverifiable(Unverifiable::NotPublished);
        };
        let actual = crate::engine::integrity::digest_all(&m.file);
        let mismatch = job.digests.iter().find(|(algo, want)| actual.get(*algo).is_some_and(|got| got != *want));
        if let Some((algo, _)) = mismatch {
            return Verification::violated(
                ViolatedAt::Stage(Stage::Subject),
                format!("the file fetched to check its OpenPGP signature does not match the owner's {algo} digest"),
                Some(m.source),
            );
        }
        let opts = PgpOptions { now: self.now, allow_sha1: self.material.allow_sha1 };
        let verdict = verify_detached(&self.material.keyring, &m.file, &m.signature, opts);
        to_verification(judge(verdict, &job.pins), m.source)
    }

    fn not_planned(&self) -> Verification {
        Verification::Unverifiable(Unverifiable::NoArtifact)
    }

    fn check_died(&self) -> Verification {
        Verification::violated(
            ViolatedAt::Internal,
            "internal error while verifying the OpenPGP signature".into(),
            None,
        )
    }

    fn contribute(outcome: Verification, evidence: &mut Evidence) {
        evidence.verification = merge(std::mem::replace(&mut evidence.verification, Verification::Pending), outcome);
    }
}

fn record(
    signer: Option<&Signer>,
    key_id: Option<&str>,
    verified: bool,
    failure: Option<StageFailure>,
    trust_root: Option<String>,
) -> AttestationRecord {
    let mut stages = vec![Stage::Bundle];
    if let Some(f) = &failure {
        // Stages before the failing one passed.
        stages.extend([Stage::Signature, Stage::Key, Stage::Identity].into_iter().take_while(|s| *s != f.stage));
        if f.stage == Stage::Bundle {
            stages.clear();
        }
    } else {
        stages.extend([Stage::Signature, Stage::Key, Stage::Identity]);
    }
    AttestationRecord {
        kind: "pgp-signature".into(),
        predicate_type: None,
        verified,
        identity: Identity {
            key_id: signer.map(|s| s.key_id.clone()).or_else(|| key_id.map(str::to_string)),
            fingerprint: signer.map(|s| s.fingerprint.clone()),
            user_id: signer.and_then(|s| s.user_id.clone()),
            ..Identity::default()
        },
        builder_id: None,
        build_type: None,
        trust_root,
        integrated_time: None,
        signed_at: signer.map(|s| s.signed_at.clone()),
        stages,
        failure,
    }
}

fn stage_of(s: crate::openpgp::Stage) -> Stage {
    match s {
        crate::openpgp::Stage::Format => Stage::Bundle,
        crate::openpgp::Stage::Signature | crate::openpgp::Stage::Hash => Stage::Signature,
        crate::openpgp::Stage::Key => Stage::Key,
        crate::openpgp::Stage::Pin => Stage::Identity,
    }
}

/// A judged signature as the record's verification.
pub fn to_verification(o: Outcome, source: EvidenceSource) -> Verification {
    match o {
        Outcome::Verified { signer, pinned_by } => Verification::Verified(Verified {
            attestations: vec![record(Some(&signer), None, true, None, Some(pinned_by))],
            source,
        }),
        Outcome::Unverifiable { key_id, message, signer } => {
            let failure = StageFailure { stage: Stage::Identity, message: message.clone() };
            Verification::Unverifiable(Unverifiable::UntrustedKey {
                reasons: vec![format!("OpenPGP signature: {message}")],
                attestations: vec![record(signer.as_ref(), Some(&key_id), false, Some(failure), None)],
            })
        }
        Outcome::Violated { stage, message, signer } => {
            let at = stage_of(stage);
            let failure = StageFailure { stage: at, message: message.clone() };
            Verification::Violated(Violated {
                at: ViolatedAt::Stage(at),
                reasons: vec![format!("OpenPGP signature: {message}")],
                attestations: vec![record(signer.as_ref(), None, false, Some(failure), None)],
                source: Some(source),
            })
        }
    }
}

/// Two kinds' outcomes in the one `verification` slot: violated wins (reasons and
/// attestations of both kept), then verified, then an untrusted key (it names the key),
/// then "nothing published", then "no artifact". A signature by a key nobody trusts does
/// not spoil a verified attestation of the other kind: it is left out of it.
pub fn merge(a: Verification, b: Verification) -> Verification {
    use Verification as V;
    match (a, b) {
        (V::Pending, o) | (o, V::Pending) => o,
        (V::Violated(mut x), V::Violated(y)) => {
            x.reasons.extend(y.reasons);
            x.attestations.extend(y.attestations);
            V::Violated(x)
        }
        (V::Violated(mut x), V::Verified(v)) | (V::Verified(v), V::Violated(mut x)) => {
            x.attestations.extend(v.attestations);
            V::Violated(x)
        }
        (V::Violated(x), V::Unverifiable(_)) | (V::Unverifiable(_), V::Violated(x)) => V::Violated(x),
        (V::Verified(mut x), V::Verified(y)) => {
            x.attestations.extend(y.attestations);
            V::Verified(x)
        }
        (V::Verified(x), V::Unverifiable(_)) | (V::Unverifiable(_), V::Verified(x)) => V::Verified(x),
        (V::Unverifiable(x @ Unverifiable::UntrustedKey { .. }), _)
        | (_, V::Unverifiable(x @ Unverifiable::UntrustedKey { .. })) => V::Unverifiable(x),
        (V::Unverifiable(Unverifiable::NotPublished), _) | (_, V::Unverifiable(Unverifiable::NotPublished)) => {
            V::Unverifiable(Unverifiable::NotPublished)
        }
        (V::Unverifiable(x), V::Unverifiable(_)) => V::Unverifiable(x),
    }
}

/// Merge the OpenPGP outcomes into the Sigstore ones, package by package. A signature
/// that could not be fetched leaves no decision (fail closed), as for attestations.
pub fn merge_gathered(a: Vec<Gathered<Verification>>, b: Vec<Gathered<Verification>>) -> Vec<Gathered<Verification>> {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| match (x, y) {
            (Gathered::FetchFailed(f), _) | (_, Gathered::FetchFailed(f)) => Gathered::FetchFailed(f),
            (Gathered::Concluded(x), Gathered::Concluded(y)) => Gathered::Concluded(merge(x, y)),
        })
        .collect()
}
