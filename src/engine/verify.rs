//! Evidence and verification per coordinate: fetch the attestations (the committed
//! attestation cache first, then the owning upstream), verify them off the I/O path,
//! and record the outcome for policy. Fail closed: evidence that exists and does not
//! verify — or cannot be checked — is `violated`, never `verified`.

use std::sync::Arc;

use futures::StreamExt;

use super::model::{AttestationRecord, Record, ResolutionStatus, Verification};
use crate::attest::formats::{Checked, verify_npm_attestations, verify_pep740};
use crate::attest::{IdentityPolicy, Stage, StageFailure, Subject, Trust};
use crate::config::{Config, Upstream};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;
use crate::upstream::{EvidenceRequest, Lookup, Registry};

/// What fetching one job's evidence gave.
type Fetched = (Job, Lookup<(Vec<u8>, crate::upstream::EvidenceSource)>);
/// Per record: the verification, nothing (no evidence), or the fetch failure.
type Slot = (usize, Result<Option<Verification>, crate::upstream::Failure>);

struct Job {
    index: usize,
    owner: Upstream,
    ecosystem: Ecosystem,
    name: String,
    version: String,
    /// The distribution file the evidence is for (`PyPI`, Maven).
    file: Option<String>,
    url: Option<String>,
    /// The registry's own metadata says evidence exists (`dist.attestations`, PEP 691
    /// `provenance`, a `.sigstore.json` beside the artifact).
    advertised: bool,
}

/// Fetch and verify the evidence of every resolved version.
pub(super) async fn verify_all<R: Registry>(
    config: &Config,
    registry: &R,
    trust: &Trust,
    records: &mut [(Record, Option<Arc<PackageIndex>>)],
    concurrency: usize,
) {
    let fetched = fetch_evidence(config, registry, records, concurrency).await;
    verify_fetched(config, trust, records, &fetched);
}

/// Fill an upstream's evidence URL template (`{name}`, `{version}`, `{file}`).
fn template(t: &str, name: &str, version: &str, file: Option<&str>) -> String {
    t.replace("{name}", &name.replace('/', "%2f")).replace("{version}", version).replace("{file}", file.unwrap_or(""))
}

/// What evidence to fetch for one record, if any can exist.
fn job_for(config: &Config, index: usize, rec: &Record, package: Option<&PackageIndex>) -> Option<Job> {
    let owner = super::owner_of(config, rec)?;
    let r = rec.resolution.as_ref()?;
    let eco = rec.package.ecosystem;
    let version = &rec.package.version;
    let release = package.and_then(|p| p.release(eco, version));
    let file_entry =
        release.and_then(|rel| rel.files.iter().find(|f| r.file.as_ref().is_none_or(|n| &f.filename == n)));
    let file = r.file.clone();
    let advertised_url = match eco {
        Ecosystem::Npm => release.and_then(|rel| rel.attestations_url.clone()),
        Ecosystem::Pypi => file_entry.and_then(|f| f.provenance_url.clone()),
        Ecosystem::Maven => file_entry
            .filter(|f| f.signatures.iter().any(|s| s == "sigstore.json"))
            .map(|f| format!("{}.sigstore.json", f.url)),
    };
    if eco != Ecosystem::Npm && file.is_none() {
        return None;
    }
    let advertised = advertised_url.is_some();
    let url = advertised_url
        .or_else(|| owner.attestations.as_ref().map(|t| template(t, &rec.package.name, version, file.as_deref())));
    Some(Job {
        index,
        owner: owner.clone(),
        ecosystem: eco,
        name: rec.package.name.clone(),
        version: version.clone(),
        file,
        url,
        advertised,
    })
}

/// The evidence of every resolved version, fetched `concurrency` at a time.
async fn fetch_evidence<R: Registry>(
    config: &Config,
    registry: &R,
    records: &[(Record, Option<Arc<PackageIndex>>)],
    concurrency: usize,
) -> Vec<Fetched> {
    let jobs: Vec<Job> = records
        .iter()
        .enumerate()
        .filter_map(|(index, (rec, package))| job_for(config, index, rec, package.as_deref()))
        .collect();
    futures::stream::iter(jobs)
        .map(|job| async move {
            let req = EvidenceRequest {
                ecosystem: job.ecosystem,
                name: &job.name,
                version: &job.version,
                file: job.file.as_deref(),
                url: job.url.as_deref(),
            };
            let got = registry.evidence(&job.owner, &req).await;
            (job, got)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// One piece of evidence as the owner (or the attestation cache) serves it.
pub struct CollectedEvidence {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub file: Option<String>,
    pub got: Lookup<Vec<u8>>,
}

/// The evidence of each resolvable coordinate as the owner (or the attestation cache)
/// serves it, for `depgate attest pull`.
pub async fn collect_evidence<R: Registry>(
    config: &Config,
    registry: &R,
    coords: &[crate::ecosystem::Coordinate],
    opts: &super::Options,
) -> Vec<CollectedEvidence> {
    let records = super::resolve_records(config, registry, coords, opts).await;
    fetch_evidence(config, registry, &records, opts.concurrency)
        .await
        .into_iter()
        .map(|(job, got)| {
            let got = match got {
                Lookup::Found((bytes, _)) => Lookup::Found(bytes),
                Lookup::NotFound => Lookup::NotFound,
                Lookup::Failed(f) => Lookup::Failed(f),
            };
            CollectedEvidence { ecosystem: job.ecosystem, name: job.name, version: job.version, file: job.file, got }
        })
        .collect()
}

fn verify_fetched(
    config: &Config,
    trust: &Trust,
    records: &mut [(Record, Option<Arc<PackageIndex>>)],
    fetched: &[Fetched],
) {
    // Signature checks are CPU work: spread them over the cores.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let per = fetched.len().div_ceil(threads).max(1);
    let slots: Vec<Slot> = std::thread::scope(|s| {
        let handles: Vec<_> = fetched
            .chunks(per)
            .map(|part| {
                let records = &*records;
                let handle = s.spawn(move || {
                    part.iter()
                        .map(|(job, got)| {
                            let (rec, package) = &records[job.index];
                            let out = match got {
                                Lookup::NotFound if job.advertised => Ok(Some(Verification {
                                    status: "violated",
                                    reasons: vec![format!(
                                        "the registry advertises attestations at {} but serves none",
                                        crate::upstream::redact_text(job.url.as_deref().unwrap_or_default())
                                    )],
                                    ..Verification::unverifiable()
                                })),
                                Lookup::NotFound => Ok(None),
                                Lookup::Failed(f) => Err(f.clone()),
                                Lookup::Found((bytes, source)) => {
                                    let mut v = verify_one(config, trust, &job.owner, rec, package.as_deref(), bytes);
                                    v.evidence = Some(*source);
                                    Ok(Some(v))
                                }
                            };
                            (job.index, out)
                        })
                        .collect::<Vec<_>>()
                });
                (part, handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(part, h)| {
                // Fail closed: a verifier that died leaves its packages `violated`, never
                // silently `unverifiable`.
                h.join().unwrap_or_else(|_| {
                    part.iter()
                        .map(|(job, _)| {
                            let v = Verification {
                                status: "violated",
                                reasons: vec!["internal error while verifying the attestations".into()],
                                ..Verification::unverifiable()
                            };
                            (job.index, Ok(Some(v)))
                        })
                        .collect()
                })
            })
            .collect()
    });
    for (i, outcome) in slots {
        let (rec, _) = &mut records[i];
        match outcome {
            Ok(Some(v)) => rec.verification = v,
            Ok(None) => {}
            Err(f) => {
                if let Some(r) = rec.resolution.as_mut() {
                    r.status = ResolutionStatus::Error;
                    r.error = Some(crate::upstream::Failure {
                        message: format!("{} (its attestations could not be fetched)", f.message),
                        ..f
                    });
                }
            }
        }
    }
}

/// The identities a package's provenance may come from: its owner's `identity` rules and
/// every `[[verify.identity]]` whose purl globs match. Empty = any the trust roots vouch for.
fn expected_identities(config: &Config, owner: &Upstream, purl: &str) -> Vec<IdentityPolicy> {
    let mut out = owner.identity.clone();
    for pi in &config.verify.identities {
        if pi.packages.iter().any(|g| glob::Pattern::new(g).is_ok_and(|p| p.matches(purl))) {
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

/// A digest of the artifact the record describes, as a fixed-size array.
fn digest<const N: usize>(rec: &Record, algo: &str) -> Option<[u8; N]> {
    let h = rec.resolution.as_ref()?.digests.get(algo)?;
    <[u8; N]>::try_from(hex::decode(h).ok()?).ok()
}

fn verify_one(
    config: &Config,
    trust: &Trust,
    owner: &Upstream,
    rec: &Record,
    package: Option<&PackageIndex>,
    evidence: &[u8],
) -> Verification {
    let mut v = Verification::unverifiable();
    let eco = rec.package.ecosystem;
    let sha512 = digest::<64>(rec, "sha512");
    let sha256 = digest::<32>(rec, "sha256");
    let file = rec.resolution.as_ref().and_then(|r| r.file.clone()).unwrap_or_default();
    let subject = match (eco, &sha512, &sha256) {
        (Ecosystem::Npm, Some(d), _) | (Ecosystem::Maven, Some(d), None) => Subject::Sha512(d),
        (Ecosystem::Pypi | Ecosystem::Maven, _, Some(d)) => Subject::Sha256(d),
        _ => {
            v.status = "violated";
            v.reasons.push(format!(
                "attestations exist but the upstream publishes no {} digest to check them against (run with --download to hash the artifact)",
                if eco == Ecosystem::Npm { "sha512" } else { "sha256" }
            ));
            return v;
        }
    };
    let checked = match eco {
        Ecosystem::Npm => {
            verify_npm_attestations(trust, evidence, &rec.package.purl, subject, &IdentityPolicy::default())
        }
        Ecosystem::Pypi => verify_pep740(trust, evidence, &file, subject, &IdentityPolicy::default()),
        Ecosystem::Maven => match std::str::from_utf8(evidence) {
            Ok(json) => Ok(vec![Checked {
                kind: "signature".into(),
                verdict: trust.verify_bundle(json, subject, None, &IdentityPolicy::default()),
            }]),
            Err(_) => Err("the .sigstore.json file is not UTF-8 JSON".to_string()),
        },
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            v.status = "violated";
            v.reasons.push(format!("the attestations cannot be read: {e}"));
            return v;
        }
    };
    let alternatives = expected_identities(config, owner, &rec.package.purl);
    let declared = package.and_then(|p| p.release(eco, &rec.package.version)).and_then(|m| m.repository.clone());
    for Checked { kind, mut verdict } in checked {
        if verdict.verified && matches!(kind.as_str(), "provenance" | "signature") {
            if !alternatives.is_empty() {
                let errors: Vec<String> =
                    alternatives.iter().filter_map(|p| p.check(&verdict.identity).err()).collect();
                if errors.len() == alternatives.len() {
                    verdict.verified = false;
                    verdict.failure = Some(StageFailure { stage: Stage::Identity, message: errors.join(" | ") });
                } else {
                    verdict.stages.push(Stage::Identity);
                }
            }
            if verdict.verified && config.verify.require_declared_repository {
                let built_from = verdict.identity.source_repo.as_deref().map(normalize_repo);
                let declared_n = declared.as_deref().map(normalize_repo);
                if built_from.is_none() || built_from != declared_n {
                    verdict.verified = false;
                    verdict.failure = Some(StageFailure {
                        stage: Stage::Identity,
                        message: format!(
                            "built from {} but the package declares repository {}",
                            verdict.identity.source_repo.as_deref().unwrap_or("(unknown)"),
                            declared.as_deref().unwrap_or("(none)")
                        ),
                    });
                }
            }
        }
        if let Some(f) = &verdict.failure {
            v.reasons.push(format!("{kind} attestation: {:?} stage: {}", f.stage, f.message));
        }
        let st = verdict.statement.as_ref();
        v.attestations.push(AttestationRecord {
            kind,
            predicate_type: verdict.predicate_type.clone(),
            verified: verdict.verified,
            builder_id: st.and_then(|s| s.builder_id.clone()),
            build_type: st.and_then(|s| s.build_type.clone()),
            identity: verdict.identity,
            trust_root: verdict.trust_root,
            integrated_time: verdict.integrated_time,
            stages: verdict.stages,
            failure: verdict.failure,
        });
    }
    v.status = if v.attestations.is_empty() {
        "unverifiable"
    } else if v.attestations.iter().all(|a| a.verified) {
        "verified"
    } else {
        "violated"
    };
    v
}
