//! The pipeline: coordinates → resolve (chain) → [download] → policy → decisions.
//!
//! Owns concurrency (bounded fan-out; one chain walk per name, shared by every version
//! of it, which is single-flight by construction) and the shape of the policy input.
//! Must not: print or write files; the clock comes in through [`Options`].

mod integrity;
pub mod model;
mod verify;

pub use verify::collect_evidence;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures::StreamExt;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use integrity::{compare as compare_digests, digest_all, parse_sri, registry_digests};
pub use model::*;

use crate::config::{Config, Upstream};
use crate::ecosystem::npm::packument::Packument;
use crate::ecosystem::{Coordinate, Ecosystem};
use crate::policy::{Finding, Policy};
use crate::upstream::{ChainOutcome, Failure, Lookup, Registry, redact_text, walk_chain};

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
    let chain = config.chain(Ecosystem::Npm);
    let mut records = resolve_records(config, registry, coords, opts).await;

    if opts.download {
        download_all(registry, &chain, &mut records, opts.concurrency).await;
    }
    verify::verify_all(config, registry, trust, &chain, &mut records, opts.concurrency).await;

    let mut records: Vec<Record> = records.into_iter().map(|(r, _)| r).collect();
    decide_all(policy, &mut records, opts);
    records
}

/// Resolve every coordinate through its chain: records with resolution (no verification
/// or decision yet), each with the owner's packument.
pub(crate) async fn resolve_records<R: Registry>(
    config: &Config,
    registry: &R,
    coords: &[Coordinate],
    opts: &Options,
) -> Vec<(Record, Option<Arc<Packument>>)> {
    let chain = config.chain(Ecosystem::Npm);
    let outcomes = resolve_names(config, registry, &chain, coords, opts).await;

    coords
        .iter()
        .map(|c| {
            let package = PackageInfo::from_coordinate(c);
            let (resolution, packument) = if c.source.is_registry() && !c.bundled && c.ecosystem == Ecosystem::Npm {
                match outcomes.get(&c.name) {
                    Some(o) => {
                        let (r, p) = resolution_for(c, o, &chain, opts.now);
                        (Some(r), p)
                    }
                    None => (None, None),
                }
            } else {
                (None, None)
            };
            let license = packument.as_ref().and_then(|p| p.versions.get(&c.version)).and_then(|v| v.license.clone());
            let rec = Record {
                package,
                resolution,
                verification: Verification::unverifiable(),
                license,
                decision: Decision::Allow,
                findings: Vec::new(),
            };
            (rec, packument)
        })
        .collect()
}

/// One chain walk per distinct name, `concurrency` at a time.
async fn resolve_names<R: Registry>(
    config: &Config,
    registry: &R,
    chain: &[&Upstream],
    coords: &[Coordinate],
    opts: &Options,
) -> HashMap<String, (Option<(String, usize)>, ChainOutcome)> {
    let names: BTreeSet<&str> = coords
        .iter()
        .filter(|c| c.ecosystem == Ecosystem::Npm && c.source.is_registry() && !c.bundled)
        .map(|c| c.name.as_str())
        .collect();
    let p = &config.policy;
    // Publish times are only needed where the cooldown can apply: fallback upstreams and
    // tiers named in cooldown_tiers. Elsewhere the smaller abbreviated document does.
    let needs_full = |i: usize| p.quarantine_days > 0.0 && (i > 0 || p.cooldown_tiers.contains(&chain[i].tier));
    futures::stream::iter(names)
        .map(|name| {
            let bound = config
                .namespace_owner(Ecosystem::Npm, name)
                .and_then(|(pattern, up)| chain.iter().position(|u| u.name == up).map(|i| (pattern.to_string(), i)));
            async move {
                let outcome = walk_chain(registry, chain, bound.as_ref().map(|b| b.1), name, needs_full).await;
                (name.to_string(), (bound, outcome))
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn resolution_for(
    c: &Coordinate,
    (bound, outcome): &(Option<(String, usize)>, ChainOutcome),
    chain: &[&Upstream],
    now: OffsetDateTime,
) -> (Resolution, Option<Arc<Packument>>) {
    let ownership = |i: usize| Ownership {
        bound_by: if bound.is_some() { "namespace" } else { "chain" },
        upstream: chain[i].name.clone(),
        pattern: bound.as_ref().map(|b| b.0.clone()),
    };
    let mut r = Resolution {
        status: ResolutionStatus::NotFound,
        upstream: None,
        tier: None,
        priority: None,
        fallback: false,
        ownership: None,
        version_found: false,
        owner_latest: None,
        url: None,
        published_at: None,
        age_days: None,
        digests: BTreeMap::new(),
        lockfile_integrity: IntegrityCheck::Unavailable,
        artifact_integrity: IntegrityCheck::NotDownloaded,
        lockfile_source: None,
        fell_through: Vec::new(),
        deprecated: None,
        error: None,
        cache: None,
    };
    match outcome {
        ChainOutcome::NotFound { fell_through } => {
            r.fell_through.clone_from(fell_through);
            if let Some((_, i)) = bound {
                r.ownership = Some(ownership(*i));
            }
            (r, None)
        }
        ChainOutcome::Failed { index, failure, fell_through } => {
            r.status = ResolutionStatus::Error;
            r.upstream = Some(chain[*index].name.clone());
            r.tier = Some(chain[*index].tier.clone());
            r.priority = Some(index + 1);
            r.fell_through.clone_from(fell_through);
            r.error = Some(failure.clone());
            (r, None)
        }
        ChainOutcome::Owned { index, packument, fell_through } => {
            let owner = chain[*index];
            r.status = ResolutionStatus::Owned;
            r.upstream = Some(owner.name.clone());
            r.tier = Some(owner.tier.clone());
            r.priority = Some(index + 1);
            r.fallback = *index > 0;
            r.ownership = Some(ownership(*index));
            r.fell_through.clone_from(fell_through);
            r.owner_latest = packument.dist_tags.get("latest").cloned();
            let vm = packument.versions.get(&c.version);
            r.version_found = vm.is_some();
            let tarball = vm.and_then(|v| v.dist.tarball.clone());
            if let Some(v) = vm {
                r.digests = registry_digests(v.dist.integrity.as_deref(), v.dist.shasum.as_deref());
                r.deprecated.clone_from(&v.deprecated);
                r.url = tarball.as_deref().map(redact_text);
                let recorded = c.integrity.as_deref().map(parse_sri).unwrap_or_default();
                r.lockfile_integrity = compare_digests(&recorded, &r.digests);
                if let Some(t) = packument.time.get(&c.version).and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()) {
                    r.published_at = Some(rfc3339(t));
                    let age = (now - t).as_seconds_f64() / 86_400.0;
                    r.age_days = Some((age * 1000.0).round() / 1000.0);
                }
            }
            r.lockfile_source =
                c.resolved.as_deref().map(|res| classify_resolved(res, chain, *index, tarball.as_deref()));
            (r, Some(packument.clone()))
        }
    }
}

/// Registry hosts that are one registry under two names.
fn canonical_host(host: &str) -> &str {
    match host {
        "registry.yarnpkg.com" => "registry.npmjs.org",
        h => h,
    }
}

/// Same registry, counting a registry's aliases as one (unlike the check that decides where
/// credentials may go, which is strict).
fn same_registry(a: &url::Url, b: &url::Url) -> bool {
    a.scheme().eq_ignore_ascii_case(b.scheme())
        && a.host_str().map(canonical_host) == b.host_str().map(canonical_host)
        && a.port_or_known_default() == b.port_or_known_default()
}

fn under(base: &url::Url, u: &url::Url) -> bool {
    same_registry(base, u) && u.path().starts_with(base.path())
}

/// Which upstream the lockfile's `resolved` URL belongs to.
fn classify_resolved(resolved: &str, chain: &[&Upstream], owner: usize, owner_tarball: Option<&str>) -> LockfileSource {
    let raw = resolved.split('#').next().unwrap_or(resolved);
    let Ok(u) = url::Url::parse(raw) else {
        return LockfileSource { url: Some(redact_text(raw)), upstream: None, matches_owner: false };
    };
    let shown = Some(crate::upstream::redact_url(&u));
    let owner_match = chain[owner].registry_url().is_some_and(|base| under(base, &u))
        || owner_tarball.and_then(|t| url::Url::parse(t).ok()).is_some_and(|t| same_registry(&t, &u));
    if owner_match {
        return LockfileSource { url: shown, upstream: Some(chain[owner].name.clone()), matches_owner: true };
    }
    let other =
        chain.iter().enumerate().find(|(i, up)| *i != owner && up.registry_url().is_some_and(|base| under(base, &u)));
    LockfileSource { url: shown, upstream: other.map(|(_, up)| up.name.clone()), matches_owner: false }
}

/// Digests of a fetched artifact and whether it came from the cache.
type Fetched = Result<(BTreeMap<String, String>, bool), Failure>;

/// Fetch every resolvable artifact, check its bytes, keep it in the content-addressed cache.
async fn download_all<R: Registry>(
    registry: &R,
    chain: &[&Upstream],
    records: &mut [(Record, Option<Arc<Packument>>)],
    concurrency: usize,
) {
    let jobs: Vec<(usize, usize, String, String, Option<String>)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, (rec, p))| {
            let r = rec.resolution.as_ref()?;
            if r.status != ResolutionStatus::Owned || !r.version_found {
                return None;
            }
            let owner = r.priority? - 1;
            let url = p.as_ref()?.versions.get(&rec.package.version)?.dist.tarball.clone()?;
            Some((i, owner, rec.package.name.clone(), url, r.digests.get("sha512").cloned()))
        })
        .collect();
    let results: Vec<(usize, Fetched)> = futures::stream::iter(jobs)
        .map(|(i, owner, name, url, expected)| async move {
            let got = match registry.npm_tarball(chain[owner], &name, &url, expected.as_deref()).await {
                Lookup::Found(a) => Ok(a),
                Lookup::NotFound => Err(Failure {
                    kind: crate::upstream::FailKind::Status,
                    status: Some(404),
                    message: format!(
                        "upstream `{}` lists {name} but its tarball {} is missing",
                        chain[owner].name,
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
