//! What the proxy holds back, said where people look. A version a listing hides (npm
//! packument, simple page, `maven-metadata.xml`) leaves the client nothing to print but
//! "no matching version", so the proxy says it: each such version is kept for the report
//! (`held_back` in `decisions.json`, a section of `summary.md`, the stop line), gets one
//! audit record, and one `held back …` line at info level. A refused file request gets
//! one `blocked …` line at warn level (its audit record is written per request, by the
//! gate).
//!
//! Rate limit: a line is said once per package, version (file, for a refusal), decision
//! and rules for the life of the proxy, so a packument asked for fifty times prints its
//! held-back versions once; a version whose decision or rules change (a cooldown that ends
//! in a deny, say) is said again. One listing says at most [`LINES_PER_LISTING`] versions
//! (the newest first) and sums up the rest in one line; the report has them all.
//!
//! Memory is bounded: at most [`MAX_KEPT`] held-back versions are kept for the report
//! (beyond that they are still logged and audited, and the report says how many were not
//! kept). Nothing here speaks HTTP or writes files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::ecosystem::Ecosystem;
use crate::engine::{Decision, HeldBack, Listing, Record};

/// Held-back versions one listing says line by line; the rest are summed up in one line.
pub const LINES_PER_LISTING: usize = 5;

/// Held-back versions kept for the report.
pub const MAX_KEPT: usize = 100_000;

/// A listing decision that hides the version.
pub fn hidden(record: &Record) -> bool {
    !matches!(record.decision, Decision::Allow | Decision::Warn)
}

/// A decision and the rules behind it: what makes a line new.
type Said = (Decision, Vec<String>);

fn said_of(decision: Decision, findings: &[crate::engine::LeveledFinding]) -> Said {
    let mut rules: Vec<String> = findings.iter().map(|f| f.finding.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    (decision, rules)
}

/// The held-back versions and refusals said so far.
#[derive(Default)]
pub struct Held {
    /// The listing last looked at per name: a reused listing is not looked at again.
    noted: Mutex<HashMap<(Ecosystem, String), Weak<Listing>>>,
    /// Every held-back version, by purl, with what it was said under.
    versions: Mutex<BTreeMap<String, (Said, Option<HeldBack>)>>,
    /// Held-back versions not kept for the report (beyond [`MAX_KEPT`]).
    dropped: AtomicUsize,
    /// Refusals said: (purl, file) and what they were said under.
    refusals: Mutex<HashMap<(String, String), Said>>,
}

impl Held {
    /// The versions `listing` (of `name`) hides that were not held back before under the
    /// same decision and rules, with their records (for the audit log), newest first;
    /// logged as they are found. Empty when this listing was looked at already.
    pub fn note(&self, ecosystem: Ecosystem, key: &str, listing: &Arc<Listing>, now: &str) -> Vec<Record> {
        {
            let mut noted = self.noted.lock().unwrap_or_else(PoisonError::into_inner);
            let k = (ecosystem, key.to_string());
            if noted.get(&k).and_then(Weak::upgrade).is_some_and(|l| Arc::ptr_eq(&l, listing)) {
                return Vec::new();
            }
            if noted.len() >= crate::singleflight::SWEEP_AT {
                noted.retain(|_, l| l.strong_count() > 0);
            }
            noted.insert(k, Arc::downgrade(listing));
        }
        let mut new: Vec<Record> = Vec::new();
        {
            let mut versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
            for r in listing.records.iter().filter(|r| hidden(r)) {
                let said = said_of(r.decision, &r.findings);
                if versions.get(&r.package.purl).is_some_and(|(s, _)| *s == said) {
                    continue;
                }
                let kept = if versions.len() < MAX_KEPT || versions.contains_key(&r.package.purl) {
                    Some(HeldBack::of(r, now))
                } else {
                    if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                        tracing::warn!(
                            "{MAX_KEPT} held-back versions are kept for the report; further ones are logged and audited but not listed in it"
                        );
                    }
                    None
                };
                versions.insert(r.package.purl.clone(), (said, kept));
                new.push(r.clone());
            }
        }
        // Newest first: the version a lockfile pins is most often a recent one.
        new.sort_by(|a, b| published(b).cmp(&published(a)));
        for r in new.iter().take(LINES_PER_LISTING) {
            tracing::info!("held back {}", line(r, None, " from its listing"));
        }
        if new.len() > LINES_PER_LISTING {
            let rest = &new[LINES_PER_LISTING..];
            let mut rules: Vec<&str> =
                rest.iter().flat_map(|r| r.findings.iter().map(|f| f.finding.rule.as_str())).collect();
            rules.sort_unstable();
            rules.dedup();
            tracing::info!(
                "held back {} more versions of {} ({}); the report lists them",
                rest.len(),
                key,
                rules.join(", ")
            );
        }
        new
    }

    /// Say a refused file once per file, decision and rules.
    pub fn refused(&self, record: &Record) {
        let file = record.resolution.as_ref().and_then(|r| r.file.clone()).unwrap_or_default();
        let said = said_of(record.decision, &record.findings);
        let mut refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (record.package.purl.clone(), file);
        if refusals.get(&key) == Some(&said) {
            return;
        }
        refusals.insert(key, said);
        drop(refusals);
        tracing::warn!("blocked {}", line(record, record.resolution.as_ref().and_then(|r| r.file.as_deref()), ""));
    }

    /// Every held-back version kept, in purl order, leaving out `except` (versions whose
    /// files were decided: those are in the report as files), and how many were not kept.
    pub fn held_back(&self, except: &HashSet<&str>) -> (Vec<HeldBack>, usize) {
        let versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = versions
            .iter()
            .filter(|(purl, _)| !except.contains(purl.as_str()))
            .filter_map(|(_, (_, h))| h.clone())
            .collect();
        (kept, self.dropped.load(Ordering::Relaxed))
    }
}

fn published(r: &Record) -> Option<&str> {
    r.resolution.as_ref().and_then(|r| r.published_at.as_deref())
}

/// `pkg:… (file){place}: quarantine until … (rule, …): message; to fix: remedy`.
fn line(r: &Record, file: Option<&str>, place: &str) -> String {
    let decisive: Vec<_> = r.findings.iter().filter(|f| f.level == r.decision).collect();
    let lead =
        decisive.iter().find(|f| f.finding.advisory.is_some()).or(decisive.first()).copied().or(r.findings.first());
    let mut rules: Vec<&str> = Vec::new();
    for f in &r.findings {
        if !rules.contains(&f.finding.rule.as_str()) {
            rules.push(&f.finding.rule);
        }
    }
    let purl = &r.package.purl;
    let msg = lead
        .map(|f| {
            let m = f.finding.msg.strip_prefix(&format!("{purl}: ")).unwrap_or(&f.finding.msg);
            format!(": {m}")
        })
        .unwrap_or_default();
    let until = lead.and_then(|f| f.finding.until.as_deref()).map(|u| format!(" until {u}")).unwrap_or_default();
    let remedy = lead.and_then(|f| f.finding.remedy.as_deref()).map(|m| format!("; to fix: {m}")).unwrap_or_default();
    let file = file.map(|f| format!(" ({f})")).unwrap_or_default();
    format!("{purl}{file}{place}: {}{until} ({}){msg}{remedy}", r.decision.as_str(), rules.join(", "))
}
