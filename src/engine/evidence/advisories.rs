//! Known vulnerabilities and malware (OSV advisories): every registry package's version
//! is matched against the advisory database the run loaded (an offline database, or the
//! records the OSV API named for this run's packages), and, when something matched and
//! the owner's index is known, the nearest newer versions that no advisory names are
//! offered as the upgrade (policy picks the first its other rules allow).
//!
//! The material is the database itself (loaded before the run): nothing is fetched per
//! package. Matching is CPU work and runs on the blocking threads like any check.

use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::EvidenceKind;
use crate::advisories::{Database, matching};
use crate::config::Config;
use crate::ecosystem::Ecosystem;
use crate::engine::model::{AdvisoryCheck, Evidence, NotChecked, PackageSource, Upgrade};
use crate::engine::resolve::Resolved;
use crate::upstream::{Lookup, Registry};

/// Upgrades offered at most.
const UPGRADES: usize = 5;

/// The advisory kind, holding the database of the run.
pub struct Advisories {
    db: Arc<Database>,
    now: OffsetDateTime,
}

impl Advisories {
    pub fn new(db: Arc<Database>, now: OffsetDateTime) -> Self {
        Self { db, now }
    }
}

/// One package version, and the owner's other releases (for the upgrade).
pub struct Job {
    ecosystem: Ecosystem,
    name: String,
    version: String,
    /// `(version, published_at)` of every release the owner lists that is neither yanked
    /// nor deprecated.
    releases: Vec<(String, Option<String>)>,
}

impl EvidenceKind for Advisories {
    type Job = Job;
    type Material = ();
    type Outcome = AdvisoryCheck;

    fn noun(&self) -> &'static str {
        "advisories"
    }

    fn plan(&self, _config: &Config, p: &Resolved) -> Option<Job> {
        if p.package.source != PackageSource::Registry {
            return None;
        }
        let releases = p
            .index
            .as_ref()
            .map(|ix| {
                ix.versions
                    .iter()
                    .filter(|(_, r)| r.yanked.is_none() && r.deprecated.is_none())
                    .map(|(v, r)| (v.clone(), r.published_at.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Some(Job {
            ecosystem: p.package.ecosystem,
            name: p.package.name.clone(),
            version: p.package.version.clone(),
            releases,
        })
    }

    async fn fetch<R: Registry>(&self, _registry: &R, _job: &Job) -> Lookup<()> {
        Lookup::Found(())
    }

    fn check(&self, job: Job, _material: Option<()>) -> AdvisoryCheck {
        let matched = self.db.advisories(job.ecosystem, &job.name, &job.version);
        let upgrade = if matched.is_empty() { Vec::new() } else { self.upgrades(&job) };
        AdvisoryCheck::Checked { database: self.db.digest(), matched, upgrade }
    }

    fn not_planned(&self) -> AdvisoryCheck {
        AdvisoryCheck::NotChecked { reason: NotChecked::NotRegistry }
    }

    fn check_died(&self) -> AdvisoryCheck {
        AdvisoryCheck::NotChecked { reason: NotChecked::Failed }
    }

    fn contribute(outcome: AdvisoryCheck, evidence: &mut Evidence) {
        evidence.advisories = outcome;
    }
}

impl Advisories {
    /// The nearest newer releases (not prereleases) that no advisory names, oldest first.
    fn upgrades(&self, job: &Job) -> Vec<Upgrade> {
        let eco = job.ecosystem;
        let mut newer: Vec<&(String, Option<String>)> = job
            .releases
            .iter()
            .filter(|(v, _)| matching::compare(eco, v, &job.version) == Some(std::cmp::Ordering::Greater))
            .filter(|(v, _)| !matching::is_prerelease(eco, v))
            .collect();
        newer.sort_by(|a, b| matching::compare(eco, &a.0, &b.0).unwrap_or(std::cmp::Ordering::Equal));
        newer
            .into_iter()
            .filter(|(v, _)| !self.db.is_affected(eco, &job.name, v))
            .take(UPGRADES)
            .map(|(v, published)| {
                let at = published.as_deref().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
                Upgrade {
                    version: v.clone(),
                    published_at: at.map(crate::engine::rfc3339),
                    age_days: at.map(|t| ((self.now - t).as_seconds_f64() / 86_400.0 * 1000.0).round() / 1000.0),
                }
            })
            .collect()
    }
}
