//! OpenVet reviews in the reports: the `Reviews` section of `summary.md`, the `reviews`
//! member of the VSA's extension, and the SBOM properties (`depgate:review`,
//! `depgate:review:logs`). Read from each record's `reviews` slot; nothing when the run
//! had no `[reviews]`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::engine::Record;
use crate::reviews::{ReviewCheck, ReviewStatus, Verdict};

fn checked(records: &[Record]) -> impl Iterator<Item = (&Record, &ReviewCheck)> {
    records.iter().filter_map(|r| r.evidence.reviews.checked().map(|c| (r, c)))
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unaudited => "unaudited",
    }
}

/// The logs whose audits counted for `c` (valid, about this exact artifact).
fn counted_logs(c: &ReviewCheck) -> BTreeSet<&str> {
    c.reviews.iter().filter(|r| r.status == ReviewStatus::Verified && r.subject_match).map(|r| r.log.as_str()).collect()
}

/// SBOM properties of one record: the verdict and the logs whose audits counted.
pub(super) fn sbom_properties(r: &Record) -> Vec<(&'static str, String)> {
    let Some(c) = r.evidence.reviews.checked() else { return Vec::new() };
    let mut out = vec![("depgate:review", verdict_word(c.verdict).to_string())];
    let logs: Vec<&str> = counted_logs(c).into_iter().collect();
    if !logs.is_empty() {
        out.push(("depgate:review:logs", logs.join(",")));
    }
    out
}

/// The `Reviews` section of `summary.md`: counts by verdict, then every package some
/// trusted log has an audit of, with each requirement's outcome and the audits.
pub(super) fn write_md(w: &mut impl Write, records: &[Record]) -> io::Result<()> {
    let all: Vec<(&Record, &ReviewCheck)> = checked(records).collect();
    if all.is_empty() {
        return Ok(());
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, c) in &all {
        *counts.entry(verdict_word(c.verdict)).or_default() += 1;
    }
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    writeln!(w, "\n### Reviews (OpenVet)\n")?;
    writeln!(w, "{} passed, {} failed, {} unaudited\n", n("pass"), n("fail"), n("unaudited"))?;
    let with_audits: Vec<&(&Record, &ReviewCheck)> = all.iter().filter(|(_, c)| !c.reviews.is_empty()).collect();
    if with_audits.is_empty() {
        return Ok(());
    }
    writeln!(w, "| package | verdict | requirements | audits |\n|---|---|---|---|")?;
    for (r, c) in with_audits {
        let reqs: Vec<String> = c
            .requirements
            .iter()
            .map(|q| {
                let by =
                    if q.decided_by.is_empty() { String::new() } else { format!(" ({})", q.decided_by.join(", ")) };
                format!(
                    "{}: {}{by}",
                    q.name,
                    serde_json::to_value(q.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                )
            })
            .collect();
        let audits: Vec<String> = c
            .reviews
            .iter()
            .map(|a| {
                let claims: Vec<String> = a.claims.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let note = match (a.status, a.subject_match) {
                    (ReviewStatus::Invalid, _) => format!(" **invalid**: {}", a.problem.as_deref().unwrap_or_default()),
                    (ReviewStatus::Verified, false) => " (another artifact's hash: not counted)".to_string(),
                    (ReviewStatus::Verified, true) => String::new(),
                };
                format!("{}: {}{note}", a.log, claims.join(" "))
            })
            .collect();
        writeln!(
            w,
            "| `{}` | {} | {} | {} |",
            r.package.purl,
            verdict_word(c.verdict),
            super::md_escape(&reqs.join("; ")),
            super::md_escape(&audits.join("; "))
        )?;
    }
    Ok(())
}

/// The `reviews` member of the VSA's extension: verdict counts, the logs whose audits
/// decided, and the packages that failed their review requirements.
pub fn vsa_extension(records: &[Record]) -> Value {
    let all: Vec<(&Record, &ReviewCheck)> = checked(records).collect();
    if all.is_empty() {
        return json!({"checked": false, "reason": "no [reviews] configured"});
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut logs = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for (r, c) in &all {
        *counts.entry(verdict_word(c.verdict)).or_default() += 1;
        logs.extend(counted_logs(c));
        if c.verdict == Verdict::Fail {
            failed.insert(r.package.purl.as_str());
        }
    }
    json!({"checked": true, "verdicts": counts, "logs": logs, "failed": failed})
}
