//! The pipeline: coordinates → resolve (chain) → [download] → policy → decisions.
//!
//! Owns concurrency (bounded fan-out; one chain walk per name, shared by every version
//! of it, which is single-flight by construction) and the shape of the policy input.
//! Must not: print or write files; the clock comes in through [`Options`].

mod integrity;
pub mod model;
mod resolve;
mod verify;

pub use verify::collect_evidence;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) use resolve::resolve_records;
use resolve::{Walked, records_for_all_versions, walk_name};

pub use integrity::{compare as compare_digests, digest_all, parse_sri, registry_digests};
pub use model::*;

use crate::config::{Config, Upstream};
use crate::ecosystem::index::PackageIndex;
use crate::ecosystem::{Coordinate, Ecosystem};
use crate::policy::{Finding, Policy};
use crate::upstream::{Failure, Lookup, Registry, redact_text};

/// How one run behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The time decisions are made at (injected; tests fix it).
    pub now: OffsetDateTime,
    /// Fetch every artifact into the content-addressed cache and check its bytes.
    pub download: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// `check`, `serve`, … (policy input `context.mode`).
    pub mode: &'static str,
    pub repository: Option<String>,
    pub event: Option<String>,
    /// Previous trust state per package (`input.baseline`), for downgrade detection.
    pub baseline: Option<Arc<crate::policy::Baseline>>,
    /// Ask every upstream for its full metadata document (npm: the full packument), not
    /// only where the cooldown needs publish times: the proxy passes the document on.
    pub full_documents: bool,
}

/// Run the pipeline over `coords` and return one record per coordinate, in input order.
pub async fn run<R: Registry>(
    config: &Config,
    registry: &R,
    trust: &crate::attest::Trust,
    policy: &Policy,
    coords: &[Coordinate],
    opts: &Options,
) -> Vec<Record> {
    let mut records = resolve_records(config, registry, coords, opts).await;

    if opts.download {
        download_all(config, registry, &mut records, opts.concurrency).await;
    }
    verify::verify_all(config, registry, trust, &mut records, opts.concurrency).await;

    let mut records: Vec<Record> = records.into_iter().map(|(r, _)| r).collect();
    decide_all(policy, &mut records, opts);
    records
}

/// What the proxy lists for one name: the chain walk, and a record per version the owner
/// lists, decided on what the index says (verification `pending`: the artifact of a
/// version is verified and decided again when it is fetched).
pub struct Listing {
    walked: Walked,
    /// One per version, in the index's order.
    pub records: Vec<Record>,
}

impl Listing {
    /// The owner's index and its 0-based place in the chain, when an upstream owns the name.
    pub fn owner(&self) -> Option<(usize, &Arc<PackageIndex>)> {
        match &self.walked.1 {
            crate::upstream::ChainOutcome::Owned { index, package, .. } => Some((*index, package)),
            _ => None,
        }
    }

    /// Why no decision was possible (an upstream failed and the chain may not fall
    /// through): the message names the upstream.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.walked.1 {
            crate::upstream::ChainOutcome::Failed { failure, .. } => Some(failure),
            _ => None,
        }
    }

    /// The record of `version`, matching `PyPI` versions by their normal form.
    pub fn record(&self, ecosystem: Ecosystem, version: &str) -> Option<&Record> {
        let norm = (ecosystem == Ecosystem::Pypi).then(|| crate::ecosystem::pypi::normalize_version(version)).flatten();
        self.records
            .iter()
            .find(|r| r.package.version == version || norm.as_deref().is_some_and(|n| r.package.version == n))
    }
}

/// List `name` for the proxy: walk its chain (full documents), decide every version.
pub async fn list_versions<R: Registry>(
    config: &Config,
    registry: &R,
    policy: &Policy,
    ecosystem: Ecosystem,
    name: &str,
    opts: &Options,
) -> Listing {
    let walked = walk_name(config, registry, ecosystem, name, Vec::new(), true).await;
    let mut records = records_for_all_versions(config, ecosystem, name, &walked, opts.now);
    decide_all(policy, &mut records, opts);
    Listing { walked, records }
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The upstream that owns a resolved record, if it resolved.
pub(crate) fn owner_of<'c>(config: &'c Config, rec: &Record) -> Option<&'c Upstream> {
    let r = rec.resolution.as_ref()?;
    if r.status != ResolutionStatus::Owned || !r.version_found {
        return None;
    }
    config.upstreams.get(r.upstream.as_deref()?)
}

/// The owner's URL of a record's artifact file (unredacted, from the index).
pub(crate) fn artifact_url(rec: &Record, index: Option<&PackageIndex>) -> Option<String> {
    let r = rec.resolution.as_ref()?;
    let release = index?.release(rec.package.ecosystem, &rec.package.version)?;
    let file = match &r.file {
        Some(name) => release.files.iter().find(|f| &f.filename == name),
        None => release.files.first(),
    };
    file.map(|f| f.url.clone())
}

/// Digests of a fetched artifact and whether it came from the cache.
type Fetched = Result<(BTreeMap<String, String>, bool), Failure>;

/// One artifact to fetch: record index, owner's name, ecosystem, name, URL, expected
/// digests. Owned values only: a borrowed upstream in the stream's item type makes the
/// future not provably `Send` for every lifetime (the proxy spawns it).
type Download = (usize, String, Ecosystem, String, String, BTreeMap<String, String>);

/// Fetch every resolvable artifact, check its bytes, keep it in the content-addressed cache.
async fn download_all<R: Registry>(
    config: &Config,
    registry: &R,
    records: &mut [(Record, Option<Arc<PackageIndex>>)],
    concurrency: usize,
) {
    let jobs: Vec<Download> = records
        .iter()
        .enumerate()
        .filter_map(|(i, (rec, index))| {
            let owner = owner_of(config, rec)?;
            let url = artifact_url(rec, index.as_deref())?;
            let digests = rec.resolution.as_ref()?.digests.clone();
            Some((i, owner.name.clone(), rec.package.ecosystem, rec.package.name.clone(), url, digests))
        })
        .collect();
    let results: Vec<(usize, Fetched)> = futures::stream::iter(jobs)
        .map(|(i, owner, eco, name, url, expected)| async move {
            let Some(owner) = config.upstreams.get(&owner) else {
                let message = format!("upstream `{owner}` is not configured");
                return (i, Err(Failure { kind: crate::upstream::FailKind::Status, status: None, message }));
            };
            let got = match registry.artifact(owner, eco, &name, &url, &expected).await {
                Lookup::Found(a) => Ok(a),
                Lookup::NotFound => Err(Failure {
                    kind: crate::upstream::FailKind::Status,
                    status: Some(404),
                    message: format!(
                        "upstream `{}` lists {name} but its artifact {} is missing",
                        owner.name,
                        redact_text(&url)
                    ),
                }),
                Lookup::Failed(f) => Err(f),
            };
            (i, got.map(|a| (digest_all(&a.bytes), a.cache_hit)))
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (i, result) in results {
        let Some(r) = records[i].0.resolution.as_mut() else { continue };
        match result {
            Ok((actual, hit)) => {
                r.artifact_integrity = compare_digests(&actual, &r.digests);
                // The owner publishes no digest the lockfile also records (Maven Central's
                // sha1 against a sha256 pin): the bytes settle it.
                if r.lockfile_integrity == IntegrityCheck::Unavailable && !r.lockfile_digests.is_empty() {
                    r.lockfile_integrity = compare_digests(&r.lockfile_digests, &actual);
                }
                if r.artifact_integrity == IntegrityCheck::Missing
                    || r.artifact_integrity == IntegrityCheck::Unavailable
                {
                    // The owner publishes no digest: the bytes are all we have.
                    r.artifact_integrity = IntegrityCheck::Unavailable;
                }
                for (k, v) in actual {
                    r.digests.entry(k).or_insert(v);
                }
                r.cache = Some(if hit { "hit" } else { "miss" });
            }
            Err(f) => {
                r.status = ResolutionStatus::Error;
                r.error = Some(f);
            }
        }
    }
}

/// The `depgate.input/v1` document for one record.
pub fn policy_input(rec: &Record, opts: &Options) -> serde_json::Value {
    let mut input = json!({
        "package": rec.package,
        "verification": rec.verification,
        "baseline": crate::policy::baseline_input(opts.baseline.as_deref(), rec.package.ecosystem.as_str(), &rec.package.name),
        "context": {
            "mode": opts.mode,
            "repository": opts.repository,
            "event": opts.event,
            "now": rfc3339(opts.now),
        },
    });
    if let Some(r) = &rec.resolution {
        input["resolution"] = serde_json::to_value(r).unwrap_or_default();
    }
    if let Some(l) = &rec.license {
        input["license"] = json!(l);
    }
    input
}

fn decide(policy: &mut crate::policy::Evaluator, rec: &mut Record, opts: &Options) {
    if let Some(err) = rec.resolution.as_ref().and_then(|r| r.error.clone()) {
        rec.decision = Decision::Error;
        rec.findings = vec![LeveledFinding {
            level: Decision::Error,
            finding: Finding {
                rule: "upstream-failure".into(),
                msg: format!("{}: {}", rec.package.purl, err.message),
                remedy: Some("no decision was possible, so the package is not allowed (fail closed); fix the upstream or its configuration and run again".into()),
                until: None,
            },
        }];
        return;
    }
    match policy.evaluate(&policy_input(rec, opts)) {
        Ok(out) => {
            let mut findings = Vec::new();
            for (level, list) in
                [(Decision::Deny, out.deny), (Decision::Quarantine, out.quarantine), (Decision::Warn, out.warn)]
            {
                findings.extend(list.into_iter().map(|finding| LeveledFinding { level, finding }));
            }
            rec.decision = findings.iter().map(|f| f.level).max().unwrap_or(Decision::Allow);
            rec.findings = findings;
        }
        Err(e) => {
            rec.decision = Decision::Error;
            rec.findings = vec![LeveledFinding {
                level: Decision::Error,
                finding: Finding {
                    rule: "policy-error".into(),
                    msg: format!("{}: {e}", rec.package.purl),
                    remedy: Some("fix the policy".into()),
                    until: None,
                },
            }];
        }
    }
}

/// Policy evaluation is CPU work: spread it over the cores, off the I/O path.
fn decide_all(policy: &Policy, records: &mut [Record], opts: &Options) {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let chunk = records.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for part in records.chunks_mut(chunk) {
            s.spawn(move || {
                let mut evaluator = policy.evaluator();
                for rec in part {
                    decide(&mut evaluator, rec, opts);
                }
            });
        }
    });
}
