//! Rendering: `decisions.json`, `summary.md`, the terminal table. Checks never print;
//! this module is the one printer, and it writes to `impl Write` so tests capture it.
//! `write_report` writes each file atomically, only after the run completed.

pub mod audit;
pub mod cyclonedx;
pub mod sarif;
pub mod spdx;
pub mod vsa;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::{Decision, Record};
pub use cyclonedx::{ProjectInfo, project_info, render_cyclonedx};
pub use spdx::render_spdx;

/// Schema id of `decisions.json`.
pub const DECISIONS_SCHEMA: &str = "depgate.decisions/v1";

/// What a run was, for the report header.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub tool: String,
    pub mode: String,
    pub started_at: String,
    pub now: String,
    /// The configuration file, or `embedded default`.
    pub config: String,
    pub lockfiles: Vec<String>,
    pub chains: BTreeMap<String, Vec<ChainEntry>>,
    pub policy: Vec<String>,
    /// Who and what ran (flags over the GitHub Actions environment): recorded in the
    /// audit log and the signed summary, not in decisions.json.
    #[serde(skip)]
    pub context: audit::RunnerContext,
}

/// One upstream of a chain, as the report shows it (no credentials, ever).
#[derive(Debug, Clone, Serialize)]
pub struct ChainEntry {
    pub name: String,
    pub kind: String,
    pub location: String,
    pub tier: String,
    pub priority: usize,
}

/// Counts by decision.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub allow: usize,
    pub warn: usize,
    pub quarantine: usize,
    pub deny: usize,
    pub error: usize,
}

impl Counts {
    pub fn of(records: &[Record]) -> Self {
        let mut c = Counts::default();
        for r in records {
            c.add(r.decision);
        }
        c
    }

    fn add(&mut self, d: Decision) {
        self.total += 1;
        match d {
            Decision::Allow => self.allow += 1,
            Decision::Warn => self.warn += 1,
            Decision::Quarantine => self.quarantine += 1,
            Decision::Deny => self.deny += 1,
            Decision::Error => self.error += 1,
        }
    }
}

#[derive(Serialize)]
struct DecisionsDoc<'a> {
    schema: &'static str,
    run: &'a RunInfo,
    counts: Counts,
    decisions: &'a [Record],
}

/// `decisions.json`: every coordinate with resolution, decision, rules and messages.
pub fn write_decisions_json(w: &mut impl Write, run: &RunInfo, records: &[Record]) -> io::Result<()> {
    let doc = DecisionsDoc { schema: DECISIONS_SCHEMA, run, counts: Counts::of(records), decisions: records };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `summary.md`: what a reviewer reads in ten seconds.
pub fn write_summary_md(w: &mut impl Write, run: &RunInfo, records: &[Record]) -> io::Result<()> {
    let c = Counts::of(records);
    let verdict = if c.error > 0 {
        "❌ **depgate could not decide for every dependency** (fail closed)"
    } else if c.deny + c.quarantine > 0 {
        "❌ **Blocked**: dependencies were denied or quarantined"
    } else if c.warn > 0 {
        "⚠️ **Passed with warnings**"
    } else {
        "✅ **Passed**: every dependency allowed"
    };
    writeln!(w, "## depgate: {} dependencies gated\n", c.total)?;
    writeln!(w, "{verdict}\n")?;
    writeln!(w, "| decision | count |\n|---|---:|")?;
    for (label, n) in
        [("allow", c.allow), ("warn", c.warn), ("quarantine", c.quarantine), ("deny", c.deny), ("error", c.error)]
    {
        writeln!(w, "| {label} | {n} |")?;
    }
    // Counts by tier.
    let mut tiers: BTreeMap<String, Counts> = BTreeMap::new();
    for r in records {
        let tier = r.resolution.as_ref().and_then(|x| x.tier.clone()).unwrap_or_else(|| {
            if r.package.source == "registry" { "(unresolved)".into() } else { format!("({})", r.package.source) }
        });
        tiers.entry(tier).or_default().add(r.decision);
    }
    writeln!(w, "\n| tier | total | allow | warn | quarantine | deny | error |\n|---|---:|---:|---:|---:|---:|---:|")?;
    for (tier, t) in &tiers {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md_escape(tier),
            t.total,
            t.allow,
            t.warn,
            t.quarantine,
            t.deny,
            t.error
        )?;
    }
    // Findings grouped by rule (crate::policy::explain), most severe first.
    let groups = crate::policy::explain::group_by_rule(records.iter().flat_map(|r| {
        r.findings.iter().map(|f| crate::policy::explain::Item {
            purl: &r.package.purl,
            level: f.level.as_str(),
            finding: &f.finding,
        })
    }));
    if !groups.is_empty() {
        writeln!(w, "\n### By rule\n")?;
        writeln!(w, "| rule | level | packages |\n|---|---|---|")?;
        for g in &groups {
            let shown: Vec<String> = g.items.iter().take(5).map(|i| format!("`{}`", i.purl)).collect();
            let more = if g.items.len() > 5 { format!(" and {} more", g.items.len() - 5) } else { String::new() };
            writeln!(w, "| `{}` | {} | {} ({}){more} |", g.rule, g.level, g.items.len(), shown.join(", "))?;
        }
    }
    let blocking: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.decision, Decision::Deny | Decision::Quarantine | Decision::Error))
        .collect();
    if !blocking.is_empty() {
        writeln!(w, "\n### Blocked\n")?;
        writeln!(w, "| package | decision | rule | why | what to do |\n|---|---|---|---|---|")?;
        for r in &blocking {
            for f in r.findings.iter().filter(|f| f.level == r.decision) {
                let what = match (&f.finding.until, &f.finding.remedy) {
                    (Some(u), Some(rem)) => format!("until {u}: {rem}"),
                    (None, Some(rem)) => rem.clone(),
                    (Some(u), None) => format!("until {u}"),
                    (None, None) => String::new(),
                };
                writeln!(
                    w,
                    "| `{}` | {} | `{}` | {} | {} |",
                    r.package.purl,
                    r.decision.as_str(),
                    f.finding.rule,
                    md_escape(&f.finding.msg),
                    md_escape(&what)
                )?;
            }
        }
    }
    let warned: Vec<&Record> = records.iter().filter(|r| r.decision == Decision::Warn).collect();
    if !warned.is_empty() {
        writeln!(w, "\n<details><summary>{} warning(s)</summary>\n", warned.len())?;
        writeln!(w, "| package | rule | why |\n|---|---|---|")?;
        for r in warned {
            for f in &r.findings {
                writeln!(w, "| `{}` | `{}` | {} |", r.package.purl, f.finding.rule, md_escape(&f.finding.msg))?;
            }
        }
        writeln!(w, "\n</details>")?;
    }
    writeln!(
        w,
        "\n<sub>config: {} · policy: {} · decided at {}</sub>",
        md_escape(&run.config),
        run.policy.join(", "),
        run.now
    )
}

/// The short human table on the terminal: the blocking packages, then totals.
pub fn write_terminal(
    w: &mut impl Write,
    records: &[Record],
    report_dir: Option<&Path>,
    color: bool,
) -> io::Result<()> {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let c = Counts::of(records);
    let notable: Vec<&Record> = records.iter().filter(|r| r.decision != Decision::Allow).collect();
    if !notable.is_empty() {
        let width = notable.iter().map(|r| r.package.purl.len()).max().unwrap_or(0).min(60);
        for r in &notable {
            let label = match r.decision {
                Decision::Deny | Decision::Error => paint("31;1", &format!("{:<10}", r.decision.as_str())),
                Decision::Quarantine => paint("35;1", &format!("{:<10}", r.decision.as_str())),
                Decision::Warn => paint("33", &format!("{:<10}", r.decision.as_str())),
                Decision::Allow => format!("{:<10}", "allow"),
            };
            let top = r.findings.iter().find(|f| f.level == r.decision).or(r.findings.first());
            let rule = top.map_or("", |f| f.finding.rule.as_str());
            writeln!(w, "{label} {:<width$}  {rule}", r.package.purl)?;
            if let Some(f) = top {
                let msg = f.finding.msg.strip_prefix(&format!("{}: ", r.package.purl)).unwrap_or(&f.finding.msg);
                writeln!(w, "{:10}   {msg}", "")?;
                if let Some(u) = &f.finding.until {
                    writeln!(w, "{:10}   until {u}", "")?;
                }
                if let Some(rem) = &f.finding.remedy {
                    writeln!(w, "{:10}   → {rem}", "")?;
                }
            }
        }
        writeln!(w)?;
    }
    writeln!(
        w,
        "{} packages: {} allowed, {} warned, {} quarantined, {} denied, {} undecided",
        c.total, c.allow, c.warn, c.quarantine, c.deny, c.error
    )?;
    if let Some(d) = report_dir {
        writeln!(w, "report: {}", d.display())?;
    }
    Ok(())
}

/// Write the report folder: `decisions.json`, `summary.md`, `sbom.cdx.json`,
/// `sbom.spdx.json`, `results.sarif` (all rendered in memory first, then staged in full and
/// renamed into place together, so an interrupted run leaves the previous set, not a
/// half-written file; [`crate::cache::write_atomic_set`]) after appending
/// the run to `audit.jsonl` (durable, hash-chained); then, when a signing key is configured,
/// sign the run as a SLSA verification summary (`vsa.intoto.jsonl`, [`vsa`]).
/// `project` is the root of the SBOMs ([`project_info`] reads it from the project folder).
/// `random_serial` gives the SBOMs a random serial number and document namespace instead
/// of ones derived from their content (`--random-serial`).
pub fn write_report(
    dir: &Path,
    run: &RunInfo,
    records: &[Record],
    project: &ProjectInfo,
    random_serial: bool,
) -> io::Result<Vec<PathBuf>> {
    let files = render_report_files(dir, run, records, project, random_serial)?;
    // The audit log is the one append-only output: one hash-chained record per decision,
    // continuing the chain of earlier runs that wrote to the same folder. It goes first,
    // so that a run killed in between leaves its decisions audited and the previous
    // report, never a report whose decisions the log lacks.
    std::fs::create_dir_all(dir)?;
    let log = dir.join("audit.jsonl");
    let head = audit::append_run(&log, run, &run.context, records)
        .map_err(|e| io::Error::other(format!("{}: {e}", log.display())))?;
    let mut written = write_file_set(dir, files)?;
    written.push(log);
    // With a signing key in the environment: the signed SLSA VSA over the files above and
    // the chain head (`vsa.intoto.jsonl`, see `vsa`); without one, a stale one is removed.
    written.extend(vsa::write_signed(dir, run, records, project, &head)?);
    Ok(written)
}

/// The report files without the audit log and the signed summary: `decisions.json`,
/// `summary.md`, both SBOMs and `results.sarif`, written as one set. The proxy uses
/// it at shutdown (its audit records were appended request by request).
pub fn write_report_files(
    dir: &Path,
    run: &RunInfo,
    records: &[Record],
    project: &ProjectInfo,
    random_serial: bool,
) -> io::Result<Vec<PathBuf>> {
    write_file_set(dir, render_report_files(dir, run, records, project, random_serial)?)
}

fn write_file_set(dir: &Path, files: Vec<(PathBuf, Vec<u8>)>) -> io::Result<Vec<PathBuf>> {
    // A writer killed before its renames left a temporary file here; it is never read.
    crate::cache::sweep_temporaries(dir, 0, crate::cache::TEMPORARY_GRACE);
    crate::cache::write_atomic_set(&files)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The report files, rendered in memory, with the paths they go to.
fn render_report_files(
    dir: &Path,
    run: &RunInfo,
    records: &[Record],
    project: &ProjectInfo,
    random_serial: bool,
) -> io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut decisions = Vec::new();
    write_decisions_json(&mut decisions, run, records)?;
    let mut summary = Vec::new();
    write_summary_md(&mut summary, run, records)?;
    // `decisions.json` goes last: it is renamed into place after every other file, so a
    // `decisions.json` of a run means the rest of the folder is that run's too.
    let files = [
        ("summary.md", summary),
        ("sbom.cdx.json", render_cyclonedx(run, records, project, random_serial)),
        ("sbom.spdx.json", render_spdx(run, records, project, random_serial)),
        ("results.sarif", sarif::render_sarif(run, records)),
        ("decisions.json", decisions),
    ];
    Ok(files.into_iter().map(|(name, bytes)| (dir.join(name), bytes)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_json_is_renamed_into_place_last() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunInfo {
            tool: "depgate".into(),
            mode: "check".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            now: "2026-01-01T00:00:00Z".into(),
            config: "embedded default".into(),
            lockfiles: Vec::new(),
            chains: BTreeMap::new(),
            policy: Vec::new(),
            context: audit::RunnerContext::default(),
        };
        let project = ProjectInfo { name: "p".into(), version: None };
        let written = write_report_files(dir.path(), &run, &[], &project, false).unwrap();
        let names: Vec<_> = written.iter().map(|p| p.file_name().unwrap().to_str().unwrap()).collect();
        // A kill inside the renames leaves the previous decisions.json: when it names a
        // run, the rest of the folder is that run's.
        assert_eq!(names, ["summary.md", "sbom.cdx.json", "sbom.spdx.json", "results.sarif", "decisions.json"]);
        assert!(names.iter().all(|n| dir.path().join(n).is_file()));
    }
}
