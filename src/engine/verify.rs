//! Evidence and verification per coordinate: fetch the attestations (the committed
//! attestation cache first, then the owning upstream), verify them off the I/O path,
//! and record the outcome for policy. Fail closed: evidence that exists and does not
//! verify — or cannot be checked — is `violated`, never `verified`.

use std::sync::Arc;

use futures::StreamExt;

use super::model::{AttestationRecord, Record, ResolutionStatus, Verification};
use crate::attest::formats::{Checked, verify_npm_attestations};
use crate::attest::{IdentityPolicy, Stage, StageFailure, Subject, Trust};
use crate::config::{Config, Upstream};
use crate::ecosystem::npm::packument::Packument;
use crate::upstream::{Lookup, Registry};

/// What fetching one job's evidence gave.
type Fetched = (Job, Lookup<(Vec<u8>, crate::upstream::EvidenceSource)>);
/// Per record: the verification, nothing (no evidence), or the fetch failure.
type Slot = (usize, Result<Option<Verification>, crate::upstream::Failure>);

struct Job {
    index: usize,
    owner: usize,
    name: String,
    version: String,
    url: Option<String>,
    /// The registry's own metadata says attestations exist (`dist.attestations`).
    advertised: bool,
}

/// Fetch and verify the evidence of every resolved npm version.
pub(super) async fn verify_all<R: Registry>(
    config: &Config,
    registry: &R,
    trust: &Trust,
    chain: &[&Upstream],
    records: &mut [(Record, Option<Arc<Packument>>)],
    concurrency: usize,
) {
    let fetched = fetch_evidence(registry, chain, records, concurrency).await;
    verify_fetched(config, trust, chain, records, &fetched);
}

/// The evidence of every resolved npm version, fetched `concurrency` at a time.
async fn fetch_evidence<R: Registry>(
    registry: &R,
    chain: &[&Upstream],
    records: &[(Record, Option<Arc<Packument>>)],
    concurrency: usize,
) -> Vec<Fetched> {
    let jobs: Vec<Job> = records
        .iter()
        .enumerate()
        .filter_map(|(index, (rec, packument))| {
            let r = rec.resolution.as_ref()?;
            if r.status != ResolutionStatus::Owned || !r.version_found {
                return None;
            }
            let owner = r.priority? - 1;
            let version = &rec.package.version;
            let advertised_url = packument
                .as_ref()
                .and_then(|p| p.versions.get(version))
                .and_then(|v| v.dist.attestations.as_ref())
                .and_then(|a| a.url.clone());
            let advertised = advertised_url.is_some();
            let url = advertised_url.or_else(|| {
                chain[owner]
                    .attestations
                    .as_ref()
                    .map(|t| t.replace("{name}", &rec.package.name.replace('/', "%2f")).replace("{version}", version))
            });
            Some(Job { index, owner, name: rec.package.name.clone(), version: version.clone(), url, advertised })
        })
        .collect();
    futures::stream::iter(jobs)
        .map(|job| async move {
            let got = registry.npm_attestations(chain[job.owner], &job.name, &job.version, job.url.as_deref()).await;
            (job, got)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// The attestations of each resolvable npm coordinate as the owner (or the attestation
/// cache) serves them, for `depgate attest pull`: `(name, version, outcome)`.
pub async fn collect_evidence<R: Registry>(
    config: &Config,
    registry: &R,
    coords: &[crate::ecosystem::Coordinate],
    opts: &super::Options,
) -> Vec<(String, String, Lookup<Vec<u8>>)> {
    let records = super::resolve_records(config, registry, coords, opts).await;
    let chain = config.chain(crate::ecosystem::Ecosystem::Npm);
    fetch_evidence(registry, &chain, &records, opts.concurrency)
        .await
        .into_iter()
        .map(|(job, got)| {
            let got = match got {
                Lookup::Found((bytes, _)) => Lookup::Found(bytes),
                Lookup::NotFound => Lookup::NotFound,
                Lookup::Failed(f) => Lookup::Failed(f),
            };
            (job.name, job.version, got)
        })
        .collect()
}

fn verify_fetched(
    config: &Config,
    trust: &Trust,
    chain: &[&Upstream],
    records: &mut [(Record, Option<Arc<Packument>>)],
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
                            let (rec, packument) = &records[job.index];
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
                                    let mut v =
                                        verify_one(config, trust, chain[job.owner], rec, packument.as_deref(), bytes);
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

fn verify_one(
    config: &Config,
    trust: &Trust,
    owner: &Upstream,
    rec: &Record,
    packument: Option<&Packument>,
    evidence: &[u8],
) -> Verification {
    let mut v = Verification::unverifiable();
    let Some(sha512) = rec
        .resolution
        .as_ref()
        .and_then(|r| r.digests.get("sha512"))
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
    else {
        v.status = "violated";
        v.reasons.push("attestations exist but the upstream publishes no sha512 digest to check them against".into());
        return v;
    };
    let checked = match verify_npm_attestations(
        trust,
        evidence,
        &rec.package.purl,
        Subject::Sha512(&sha512),
        &IdentityPolicy::default(),
    ) {
        Ok(c) => c,
        Err(e) => {
            v.status = "violated";
            v.reasons.push(format!("the attestations cannot be read: {e}"));
            return v;
        }
    };
    let alternatives = expected_identities(config, owner, &rec.package.purl);
    let declared = packument.and_then(|p| p.versions.get(&rec.package.version)).and_then(|m| m.repository.clone());
    for Checked { kind, mut verdict } in checked {
        if verdict.verified && kind == "provenance" {
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
