//! The pipeline: coordinates → resolve (chain) → [download] → evidence (each kind) →
//! policy → decisions.
//!
//! Owns concurrency (bounded fan-out; one chain walk per name, shared by every version
//! of it, which is single-flight by construction; CPU-bound stages on blocking threads)
//! and the shape of the policy input. Must not: print or write files; the clock comes in
//! through [`Options`]. Every kind of evidence is one module of [`evidence`] (its docs
//! hold the recipe for adding one).

mod blocking;
mod download;
pub mod evidence;
mod integrity;
pub mod model;
mod resolve;
pub mod ungated;

pub use download::Downloaded;
pub use evidence::{CollectedEvidence, EvidenceKind, Gathered, collect_evidence};
pub use resolve::Resolved;

use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) use resolve::resolve_records;
use resolve::{Walked, records_for_all_versions, walk_name};

pub use integrity::{compare as compare_digests, digest_all, parse_sri, registry_digests};
pub use model::*;

use crate::attest::Trust;
use crate::config::{Config, Upstream};
use crate::ecosystem::index::PackageIndex;
use crate::ecosystem::{Coordinate, Ecosystem};
use crate::policy::{Finding, Policy};
use crate::upstream::{Failure, Registry};

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
    /// The advisory database of the run (`None`: advisories are not configured).
    pub advisories: Option<Arc<crate::advisories::Database>>,
    /// The OpenPGP keys and pins of the run (`None`: OpenPGP is not configured).
    pub pgp: Option<Arc<crate::openpgp::trust::Material>>,
    /// The verified OpenVet logs of the run (`None`: `[reviews]` is not configured).
    pub reviews: Option<Arc<crate::reviews::Database>>,
}

/// Run the pipeline over `coords` and return one record per coordinate, in input order.
///
/// Each stage returns its own typed outcome and the record is assembled from them:
/// resolution ([`Resolved`]), the download ([`Downloaded`], folded into the resolution
/// by a pure function), each kind of evidence ([`evidence::Gathered`], put into its slot
/// of [`Evidence`]), then policy. CPU-bound work (hashing, signature checks, policy) runs
/// on blocking threads, never on the async I/O threads.
pub async fn run<R: Registry>(
    config: &Config,
    registry: &R,
    trust: &Arc<Trust>,
    policy: &Arc<Policy>,
    coords: &[Coordinate],
    opts: &Options,
) -> Vec<Record> {
    let resolved = resolve_records(config, registry, coords, opts).await;
    let downloads = if opts.download {
        download::fetch_all(config, registry, &resolved, opts.concurrency).await
    } else {
        vec![Downloaded::NotAsked; resolved.len()]
    };
    let resolved: Vec<Resolved> = resolved.into_iter().zip(&downloads).map(|(p, d)| d.apply(p)).collect();
    let provenance = Arc::new(evidence::Provenance::new(Arc::clone(trust)));
    let mut attestations = evidence::gather(&provenance, config, registry, &resolved, opts.concurrency).await;
    if let Some(material) = &opts.pgp {
        let kind = Arc::new(evidence::OpenPgp::new(Arc::clone(material), opts.now));
        let signatures = evidence::gather(&kind, config, registry, &resolved, opts.concurrency).await;
        attestations = evidence::merge_gathered(attestations, signatures);
    }
    let mut advisories = gather_advisories(config, registry, &resolved, opts).await.into_iter();
    let mut reviews = match &opts.reviews {
        Some(db) => {
            let kind = Arc::new(evidence::Reviews::new(Arc::clone(db)));
            evidence::gather(&kind, config, registry, &resolved, opts.concurrency).await
        }
        None => Vec::new(),
    }
    .into_iter();
    let records: Vec<Record> = resolved
        .into_iter()
        .zip(attestations)
        .map(|(p, a)| {
            let mut rec = assemble(p, a, advisories.next());
            if let Some(Gathered::Concluded(r)) = reviews.next() {
                <evidence::Reviews as EvidenceKind>::contribute(r, &mut rec.evidence);
            }
            rec
        })
        .collect();
    let records = decide_all(policy, records, opts).await;
    if tracing::enabled!(target: "depgate::resolve", tracing::Level::DEBUG) {
        for r in &records {
            tracing::debug!(target: "depgate::resolve", "{}", resolution_line(r));
        }
    }
    records
}

/// One package in one line, for `-v`: where it resolved, its tier, what was passed over,
/// and the decision (`pkg:npm/ms@2.1.3: public (public, priority 2; curated not_found) → allow`).
fn resolution_line(r: &Record) -> String {
    let Some(res) = &r.resolution else {
        return format!(
            "{}: not resolved ({} source) → {}",
            r.package.purl,
            r.package.source.as_str(),
            r.decision.as_str()
        );
    };
    let mut passed: Vec<String> = res
        .fell_through
        .iter()
        .map(|a| format!("{} {}{}", a.upstream, a.reason.as_str(), if a.circuit_open { " (circuit open)" } else { "" }))
        .collect();
    let at = match (res.status, &res.upstream) {
        (ResolutionStatus::Owned, Some(u)) => {
            let tier = res.tier.as_deref().unwrap_or("?");
            let priority = res.priority.unwrap_or(0);
            let found = if res.version_found { "" } else { ", version missing" };
            format!("{u} ({tier}, priority {priority}{found}")
        }
        (ResolutionStatus::Error, u) => {
            let kind = res.error.as_ref().map_or("error", |e| e.kind.as_str());
            format!("failed at {} ({kind}", u.as_deref().unwrap_or("?"))
        }
        _ => "not found (".to_string(),
    };
    let passed = if passed.is_empty() {
        String::new()
    } else {
        passed.insert(0, String::new());
        passed.join("; ")
    };
    format!("{}: {at}{passed}) → {}", r.package.purl, r.decision.as_str())
}

/// Match every package against the run's advisory database (none when not configured).
async fn gather_advisories<R: Registry>(
    config: &Config,
    registry: &R,
    resolved: &[Resolved],
    opts: &Options,
) -> Vec<Gathered<AdvisoryCheck>> {
    match &opts.advisories {
        Some(db) => {
            let started = std::time::Instant::now();
            let kind = Arc::new(evidence::Advisories::new(Arc::clone(db), opts.now));
            let out = evidence::gather(&kind, config, registry, resolved, opts.concurrency).await;
            // benches/advisories.sh reads this line: the match itself.
            tracing::info!(
                "matched {} packages against {} advisory records in {:.1} ms",
                resolved.len(),
                db.len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            out
        }
        None => Vec::new(),
    }
}

/// `check --advisories-only`: match the coordinates against the advisories and decide,
/// with no upstream traffic (no resolution, no signatures: verification stays
/// `pending`, not checked).
pub async fn scan_advisories(
    config: &Config,
    policy: &Arc<Policy>,
    coords: &[Coordinate],
    opts: &Options,
) -> Vec<Record> {
    let resolved: Vec<Resolved> = coords
        .iter()
        .map(|c| Resolved { package: PackageInfo::from_coordinate(c), resolution: None, license: None, index: None })
        .collect();
    // Matching asks no registry anything: an empty one makes that plain.
    let registry = crate::upstream::memory::MemoryRegistry::default();
    let mut advisories = gather_advisories(config, &registry, &resolved, opts).await.into_iter();
    let records = resolved
        .into_iter()
        .map(|p| {
            let mut rec = assemble(p, Gathered::Concluded(Verification::Pending), advisories.next());
            rec.evidence.verification = Verification::Pending;
            rec
        })
        .collect();
    decide_all(policy, records, opts).await
}

/// A package's record from its stages' outcomes, before policy. Evidence that could not
/// be fetched makes the resolution an error (fail closed: no decision is possible).
fn assemble(
    package: Resolved,
    provenance: Gathered<Verification>,
    advisories: Option<Gathered<AdvisoryCheck>>,
) -> Record {
    let Resolved { package, mut resolution, license, index: _ } = package;
    let mut evidence = Evidence::none();
    // Matching fetches nothing, so it always concludes.
    if let Some(Gathered::Concluded(a)) = advisories {
        <evidence::Advisories as EvidenceKind>::contribute(a, &mut evidence);
    }
    match provenance {
        Gathered::Concluded(v) => <evidence::Provenance as EvidenceKind>::contribute(v, &mut evidence),
        Gathered::FetchFailed(f) => {
            if let Some(r) = resolution.as_mut() {
                r.status = ResolutionStatus::Error;
                r.error = Some(f);
            }
        }
    }
    Record { package, resolution, evidence, license, decision: Decision::Allow, findings: Vec::new() }
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
    policy: &Arc<Policy>,
    ecosystem: Ecosystem,
    name: &str,
    opts: &Options,
) -> Listing {
    let walked = walk_name(config, registry, ecosystem, name, Vec::new(), true).await;
    let mut records = records_for_all_versions(config, ecosystem, name, &walked, opts.now);
    listing_advisories(config, registry, &walked, &mut records, opts).await;
    let records = decide_all(policy, records, opts).await;
    Listing { walked, records }
}

/// Match every listed version against the run's advisory database, so a listing hides
/// what the file's own decision would refuse. Matching is a lookup; only the versions an
/// advisory names go through the evidence kind (for the upgrade it offers, from the
/// owner's index), the rest are checked clean as they are.
async fn listing_advisories<R: Registry>(
    config: &Config,
    registry: &R,
    walked: &Walked,
    records: &mut [Record],
    opts: &Options,
) {
    let Some(db) = &opts.advisories else { return };
    let index = match &walked.1 {
        crate::upstream::ChainOutcome::Owned { package, .. } => Some(Arc::clone(package)),
        _ => None,
    };
    let database = db.digest();
    let mut named = Vec::new();
    for (i, rec) in records.iter_mut().enumerate() {
        let p = &rec.package;
        if db.is_affected(p.ecosystem, &p.name, &p.version) {
            named.push(i);
        } else {
            rec.evidence.advisories =
                AdvisoryCheck::Checked { database: database.clone(), matched: Vec::new(), upgrade: Vec::new() };
        }
    }
    if named.is_empty() {
        return;
    }
    let resolved: Vec<Resolved> = named
        .iter()
        .map(|&i| Resolved {
            package: records[i].package.clone(),
            resolution: None,
            license: None,
            index: index.clone(),
        })
        .collect();
    for (i, gathered) in named.into_iter().zip(gather_advisories(config, registry, &resolved, opts).await) {
        let p = &records[i].package;
        records[i].evidence.advisories = match gathered {
            Gathered::Concluded(a) => a,
            // Matching fetches nothing; should the check not conclude, the matches still
            // stand (never a clean listing for a named version).
            Gathered::FetchFailed(_) => AdvisoryCheck::Checked {
                database: database.clone(),
                matched: db.advisories(p.ecosystem, &p.name, &p.version),
                upgrade: Vec::new(),
            },
        };
    }
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The upstream that owns a resolution, if the version resolved.
pub(crate) fn owner_of<'c>(config: &'c Config, resolution: Option<&Resolution>) -> Option<&'c Upstream> {
    let r = resolution?;
    if r.status != ResolutionStatus::Owned || !r.version_found {
        return None;
    }
    config.upstreams.get(r.upstream.as_deref()?)
}

/// The owner's URL of a package's artifact file (unredacted, from the index).
pub(crate) fn artifact_url(p: &Resolved) -> Option<String> {
    let r = p.resolution.as_ref()?;
    let release = p.release()?;
    let file = match &r.file {
        Some(name) => release.files.iter().find(|f| &f.filename == name),
        None => release.files.first(),
    };
    file.map(|f| f.url.clone())
}

/// The `depgate.input/v1` document for one record.
pub fn policy_input(rec: &Record, opts: &Options) -> serde_json::Value {
    let mut input = json!({
        "package": rec.package,
        "baseline": crate::policy::baseline_input(opts.baseline.as_deref(), rec.package.ecosystem.as_str(), &rec.package.name),
        "context": {
            "mode": opts.mode,
            "repository": opts.repository,
            "event": opts.event,
            "now": rfc3339(opts.now),
        },
    });
    // The advisories that matched are also `package.advisories` (what rules iterate).
    if let AdvisoryCheck::Checked { matched, .. } = &rec.evidence.advisories {
        input["package"]["advisories"] = serde_json::to_value(matched).unwrap_or_default();
    }
    // The audits about this version are also `package.reviews` (what rules iterate).
    if let Some(c) = rec.evidence.reviews.checked() {
        input["package"]["reviews"] = serde_json::to_value(&c.reviews).unwrap_or_default();
    }
    // Each evidence slot is a top-level key (`verification`, …).
    if let (Some(input), Ok(serde_json::Value::Object(slots))) =
        (input.as_object_mut(), serde_json::to_value(&rec.evidence))
    {
        input.extend(slots);
    }
    if let Some(r) = &rec.resolution {
        input["resolution"] = serde_json::to_value(r).unwrap_or_default();
    }
    if let Some(l) = &rec.license {
        input["license"] = json!(l);
    }
    input
}

/// Policy's decision about one record, and the findings behind it.
fn decide(policy: &mut crate::policy::Evaluator, rec: &Record, opts: &Options) -> (Decision, Vec<LeveledFinding>) {
    if let Some(err) = rec.resolution.as_ref().and_then(|r| r.error.as_ref()) {
        let finding = Finding {
            rule: "upstream-failure".into(),
            msg: format!("{}: {}", rec.package.purl, err.message),
            remedy: Some("no decision was possible, so the package is not allowed (fail closed); fix the upstream or its configuration and run again".into()),
            until: None,
            advisory: None,
        };
        return (Decision::Error, vec![LeveledFinding { level: Decision::Error, finding }]);
    }
    match policy.evaluate(&policy_input(rec, opts)) {
        Ok(out) => {
            let mut findings = Vec::new();
            for (level, list) in
                [(Decision::Deny, out.deny), (Decision::Quarantine, out.quarantine), (Decision::Warn, out.warn)]
            {
                findings.extend(list.into_iter().map(|finding| LeveledFinding { level, finding }));
            }
            (findings.iter().map(|f| f.level).max().unwrap_or(Decision::Allow), findings)
        }
        Err(e) => policy_error(rec, &e.to_string()),
    }
}

fn policy_error(rec: &Record, message: &str) -> (Decision, Vec<LeveledFinding>) {
    let finding = Finding {
        rule: "policy-error".into(),
        msg: format!("{}: {message}", rec.package.purl),
        remedy: Some("fix the policy".into()),
        until: None,
        advisory: None,
    };
    (Decision::Error, vec![LeveledFinding { level: Decision::Error, finding }])
}

/// Policy evaluation is CPU work: a share of the records per core, each on a blocking
/// thread with its own evaluator, off the async I/O threads. An evaluation that panics
/// leaves its record undecided (`error`, fail closed), never lost.
async fn decide_all(policy: &Arc<Policy>, records: Vec<Record>, opts: &Options) -> Vec<Record> {
    let (policy, opts) = (Arc::clone(policy), opts.clone());
    let shares = blocking::on_cores(records, move |part: Vec<Record>| {
        let mut evaluator = policy.evaluator();
        part.into_iter()
            .map(|mut rec| {
                let decided =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decide(&mut evaluator, &rec, &opts)));
                (rec.decision, rec.findings) = decided.unwrap_or_else(|_| {
                    // The evaluator may be left half way through: start a fresh one.
                    evaluator = policy.evaluator();
                    policy_error(&rec, "internal error while evaluating the policy")
                });
                rec
            })
            .collect()
    })
    .await;
    let mut out = Vec::new();
    for (len, part) in shares {
        if let Some(part) = part {
            out.extend(part);
        } else {
            // Cancelled only when the runtime shuts down, when nobody reads the result.
            tracing::error!("policy evaluation of {len} records did not finish: the runtime is shutting down");
        }
    }
    out
}
