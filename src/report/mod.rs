//! Rendering: `decisions.json`, `summary.md`, the terminal table, SARIF, both SBOMs and
//! the signed summary's statement. Checks never print; this module is the one renderer:
//! pure functions from a run's result to bytes (or to an `impl Write`, so tests capture
//! them). Must not: read files or the environment, or write anywhere but the writer it
//! is given — [`crate::output`] puts the files in the report folder and appends the audit
//! log, and the commands choose the terminal.

pub mod advisories;
pub mod cargo_sbom;
pub mod cooldowns;
pub mod cyclonedx;
mod failures;
pub mod held;
mod reviews;
pub mod sarif;
mod sbom;
mod signers;
pub mod spdx;
pub mod vsa;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::engine::{Decision, HeldBack, PackageSource, Record};
pub use cyclonedx::render_cyclonedx;
pub use held::Held;
pub use sbom::ProjectInfo;
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
    /// The project folder (absolute): lockfile paths inside it are written relative to it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub project: String,
    pub lockfiles: Vec<String>,
    pub chains: BTreeMap<String, Vec<ChainEntry>>,
    pub policy: Vec<String>,
    /// The advisory database used (`None`: advisories not configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisories: Option<AdvisoriesRun>,
    /// The package managers' and bots' release-age settings found in the project, their
    /// drift from depgate's cooldown, and what could not be read (`None`: not looked for,
    /// as in the proxy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldowns: Option<crate::cooldowns::Report>,
    /// Who and what ran (flags over the GitHub Actions environment): recorded in the
    /// audit log and the signed summary, not in decisions.json.
    #[serde(skip)]
    pub context: crate::audit::RunnerContext,
}

/// Which advisory database a run used, and how it was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct AdvisoriesRun {
    /// `offline` or `online`.
    pub source: &'static str,
    /// Digest of the database that decided.
    pub database: String,
    pub sources: Vec<crate::advisories::SourceInfo>,
    /// The age limit applied (`2d`, `never`).
    pub max_age: String,
    /// Command-line flags that overrode the configuration (`--advisories-max-age never`).
    pub overrides: Vec<String>,
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
    /// The proxy's versions held back from listings (left out when none).
    #[serde(skip_serializing_if = "<[HeldBack]>::is_empty")]
    held_back: &'a [HeldBack],
    /// Held back beyond what the proxy keeps for the report (left out when none).
    #[serde(skip_serializing_if = "is_zero")]
    held_back_not_kept: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `decisions.json`: every coordinate with resolution, decision, rules and messages.
pub fn write_decisions_json(w: &mut impl Write, run: &RunInfo, records: &[Record]) -> io::Result<()> {
    write_decisions_json_held(w, run, records, Held::default())
}

/// `decisions.json` of the proxy: the files it decided (`decisions`), and the versions it
/// held back from listings (`held_back`: package, decision, findings; never fetched, so
/// in no SBOM).
pub fn write_decisions_json_held(
    w: &mut impl Write,
    run: &RunInfo,
    records: &[Record],
    held: Held<'_>,
) -> io::Result<()> {
    let doc = DecisionsDoc {
        schema: DECISIONS_SCHEMA,
        run,
        counts: Counts::of(records),
        decisions: records,
        held_back: held.versions,
        held_back_not_kept: held.not_kept,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `summary.md`: what a reviewer reads in ten seconds. `held`: the proxy's versions held
/// back from listings (a run with any is never "Passed").
pub fn write_summary_md(w: &mut impl Write, run: &RunInfo, records: &[Record], held: Held<'_>) -> io::Result<()> {
    let c = Counts::of(records);
    let held_line;
    let verdict = if c.error > 0 {
        "❌ **depgate could not decide for every dependency** (fail closed)"
    } else if c.deny + c.quarantine > 0 {
        "❌ **Blocked**: dependencies were denied or quarantined"
    } else if !held.is_empty() {
        let n = held.total();
        held_line = format!(
            "❌ **Blocked**: {n} version{} held back from listings (see below); a client that pins one fails with \"no matching version\"",
            if n == 1 { "" } else { "s" }
        );
        &held_line
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
    // Counts by the tier that served each package: a version its owner lacks (a squatted
    // or confused name) was served by no tier and is not counted under the owner's.
    let mut tiers: BTreeMap<String, Counts> = BTreeMap::new();
    for r in records {
        let served = r.resolution.as_ref().filter(|x| x.version_found);
        let tier = served.and_then(|x| x.tier.clone()).unwrap_or_else(|| {
            if is_not_gated(r) {
                "(not gated)".into()
            } else if r.package.source != PackageSource::Registry {
                format!("({})", r.package.source.as_str())
            } else if r.resolution.as_ref().is_some_and(|x| !x.version_found && x.tier.is_some()) {
                "(not served)".into()
            } else {
                "(unresolved)".into()
            }
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
    if let Some((n, level, remedy)) = not_gated(records) {
        writeln!(w, "\n### Container images not gated ({n}, {})\n", level.as_str())?;
        let (first, lines) = remedy.split_once('\n').unwrap_or((remedy, ""));
        writeln!(
            w,
            "The configuration has no `[oci]` chain: no registry was asked for these images, no digest resolved, no signature checked. To gate them, {first}\n"
        )?;
        writeln!(w, "```toml\n{lines}\n```")?;
    }
    write_advisories_md(w, run, records)?;
    reviews::write_md(w, records)?;
    if run.cooldowns.is_some() {
        cooldowns::write_md(w, run)?;
    }
    signers::write_md(w, records)?;
    held::write_md(w, held)?;
    let blocking: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.decision, Decision::Deny | Decision::Quarantine | Decision::Error))
        .collect();
    if !blocking.is_empty() {
        writeln!(w, "\n### Blocked\n")?;
        writeln!(w, "| package | decision | rule | why | what to do | where |\n|---|---|---|---|---|---|")?;
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
                    "| `{}` | {} | `{}` | {} | {} | {} |",
                    r.package.purl,
                    r.decision.as_str(),
                    f.finding.rule,
                    md_escape(&f.finding.msg),
                    md_escape(&what),
                    where_locked(r)
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

/// A container image reported as not gated (no `[oci]` chain; `engine::ungated`).
fn is_not_gated(r: &Record) -> bool {
    r.findings.iter().any(|f| f.finding.rule == "image-not-gated")
}

/// The images not gated, said once: how many, at which level, and the lines that would
/// gate them (every such finding carries the same remedy).
fn not_gated(records: &[Record]) -> Option<(usize, Decision, &str)> {
    let mut found = records.iter().flat_map(|r| &r.findings).filter(|f| f.finding.rule == "image-not-gated");
    let first = found.next()?;
    Some((1 + found.count(), first.level, first.finding.remedy.as_deref().unwrap_or("")))
}

/// `file:line` of the lockfile entry that locks a package (`file` alone when the line is
/// unknown), as a code span; empty when it came from no lockfile.
fn where_locked(r: &Record) -> String {
    match (r.package.lockfile.as_str(), r.package.line) {
        ("", _) => String::new(),
        (f, 0) => format!("`{}`", md_escape(f)),
        (f, n) => format!("`{}:{n}`", md_escape(f)),
    }
}

/// Text from an advisory (a publisher's summary) for a table cell: no table pipes, no
/// line breaks, no HTML.
fn md_text(s: &str) -> String {
    md_escape(s).replace('<', "&lt;").replace('>', "&gt;")
}

/// The `Advisories` section of `summary.md`: the database that decided, then one table row
/// per advisory and package version, grouped by severity (malware first), each id linked
/// to where it is published. A run without `[advisories]` says so in one line, so that
/// silence is never read as a clean scan.
fn write_advisories_md(w: &mut impl Write, run: &RunInfo, records: &[Record]) -> io::Result<()> {
    if run.advisories.is_none() {
        return writeln!(w, "\nAdvisories: not checked (no [advisories] configured)");
    }
    let rows = advisories::rows(records);
    writeln!(w, "\n### Advisories\n")?;
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.advisory.id.as_str()).collect();
    let purls: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.record.package.purl.as_str()).collect();
    if rows.is_empty() {
        writeln!(w, "No advisory names any locked version.\n")?;
    } else {
        writeln!(
            w,
            "{} advisor{} on {} package version{}.\n",
            ids.len(),
            if ids.len() == 1 { "y" } else { "ies" },
            purls.len(),
            if purls.len() == 1 { "" } else { "s" }
        )?;
    }
    writeln!(w, "<sub>database: {}</sub>", md_text(&advisories::database_line(run)))?;
    let (not_registry, failed) = advisories::not_checked(records);
    if not_registry + failed > 0 {
        writeln!(
            w,
            "\n<sub>not matched: {not_registry} package(s) from no registry (git, file, link, tarball), {failed} failed</sub>"
        )?;
    }
    for group in advisories::Group::ALL {
        let in_group: Vec<&advisories::Row<'_>> =
            rows.iter().filter(|r| advisories::Group::of(r.advisory) == group).collect();
        if in_group.is_empty() {
            continue;
        }
        writeln!(w, "\n#### {} ({})\n", group.title(), in_group.len())?;
        writeln!(w, "| advisory | package | score | summary | fixed in | status |\n|---|---|---:|---|---|---|")?;
        for r in in_group {
            let a = r.advisory;
            let also =
                if a.aliases.is_empty() { String::new() } else { format!(" ({})", md_text(&a.aliases.join(", "))) };
            let fixed = if a.fixed.is_empty() { "no fix".to_string() } else { md_text(&a.fixed.join(", ")) };
            let status = match (r.ignored(), r.level()) {
                (true, _) => "ignored ([advisories.ignore])".to_string(),
                (false, Some(level)) => {
                    let rules: Vec<&str> = r.findings.iter().map(|f| f.finding.rule.as_str()).collect();
                    format!("{} (`{}`)", level.as_str(), rules.join("`, `"))
                }
                (false, None) => "no finding".to_string(),
            };
            writeln!(
                w,
                "| [{}]({}){also} | `{}` | {} | {} | {fixed} | {status} |",
                md_text(&a.id),
                a.url.replace(')', "%29").replace(' ', "%20"),
                r.record.package.purl,
                a.score.map_or_else(|| "–".to_string(), |s| format!("{s:.1}")),
                md_text(a.summary.as_deref().unwrap_or(""))
            )?;
        }
    }
    Ok(())
}

/// The short human table on the terminal: the blocking packages, then totals, then the
/// advisory database the run used (or that none was).
pub fn write_terminal(
    w: &mut impl Write,
    run: &RunInfo,
    records: &[Record],
    report_dir: Option<&Path>,
    color: bool,
) -> io::Result<()> {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let c = Counts::of(records);
    let groups = failures::groups(records);
    let grouped: std::collections::BTreeSet<usize> =
        groups.values().flat_map(|g| g.members.iter().skip(1).copied()).collect();
    let notable: Vec<(usize, &Record)> = records
        .iter()
        .enumerate()
        .filter(|(i, r)| r.decision != Decision::Allow && !grouped.contains(i) && !is_not_gated(r))
        .collect();
    let error_label = paint("31;1", &format!("{:<10}", Decision::Error.as_str()));
    if !notable.is_empty() {
        let width = notable.iter().map(|(_, r)| r.package.purl.len()).max().unwrap_or(0).min(60);
        for (i, r) in &notable {
            if let Some(g) = groups.get(i) {
                // One entry per failing upstream, however many packages it failed.
                writeln!(
                    w,
                    "{error_label} {:<width$}  upstream-failure",
                    format!("upstream `{}`: {} packages undecided ({})", g.upstream, g.members.len(), g.kind)
                )?;
                writeln!(w, "{:10}   {}", "", g.cause)?;
                if g.not_sent > 0 {
                    writeln!(
                        w,
                        "{:10}   {} of them were not sent: the host's circuit opened after the failures above",
                        "", g.not_sent
                    )?;
                }
                writeln!(
                    w,
                    "{:10}   → no decision was possible, so these packages are not allowed (fail closed); fix the upstream or its configuration and run again (decisions.json lists each)",
                    ""
                )?;
                continue;
            }
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
    if let Some((n, level, remedy)) = not_gated(records) {
        let label = match level {
            Decision::Deny => paint("31;1", &format!("{:<10}", level.as_str())),
            _ => paint("33", &format!("{:<10}", level.as_str())),
        };
        writeln!(w, "{label} {n} container image(s) not gated  image-not-gated")?;
        for r in records.iter().filter(|r| is_not_gated(r)) {
            writeln!(w, "{:10}   {} ({}:{})", "", r.package.purl, r.package.lockfile, r.package.line)?;
        }
        for line in remedy.lines() {
            if line.is_empty() { writeln!(w)? } else { writeln!(w, "{:10}   {line}", "")? }
        }
        writeln!(w)?;
    }
    for p in failures::passed_over(records) {
        let not_sent =
            if p.not_sent > 0 { format!(" ({} of them not sent: circuit open)", p.not_sent) } else { String::new() };
        writeln!(
            w,
            "note: upstream `{}` failed ({}) for {} packages and was passed over, as its fall_through allows{not_sent}",
            p.upstream, p.reason, p.count
        )?;
    }
    writeln!(
        w,
        "{} packages: {} allowed, {} warned, {} quarantined, {} denied, {} undecided",
        c.total, c.allow, c.warn, c.quarantine, c.deny, c.error
    )?;
    let rows = advisories::rows(records);
    let matched = if run.advisories.is_some() {
        let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.advisory.id.as_str()).collect();
        let ignored = rows.iter().filter(|r| r.ignored()).count();
        let ignored = if ignored > 0 { format!(" ({ignored} ignored)") } else { String::new() };
        format!("{} matched{ignored} · ", ids.len())
    } else {
        String::new()
    };
    writeln!(w, "advisories: {matched}{}", advisories::database_line(run))?;
    cooldowns::write_terminal(w, run, &paint)?;
    if let Some(d) = report_dir {
        writeln!(w, "report: {}", d.display())?;
    }
    Ok(())
}

/// The report files of a run, rendered in memory, by file name, in the order they are to
/// be put in place: `decisions.json` last, so that a folder whose `decisions.json` names a
/// run holds that run's other files too ([`crate::output`] writes them).
pub fn render_report_files(
    run: &RunInfo,
    records: &[Record],
    held: Held<'_>,
    project: &ProjectInfo,
    random_serial: bool,
) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    // The five files are independent: rendered on as many threads (a warm check of a
    // large tree spends a third of its time here).
    std::thread::scope(|scope| {
        let cyclonedx = scope.spawn(|| render_cyclonedx(run, records, project, random_serial));
        let spdx = scope.spawn(|| render_spdx(run, records, project, random_serial));
        let sarif = scope.spawn(|| sarif::render_sarif(run, records));
        let mut decisions = Vec::new();
        write_decisions_json_held(&mut decisions, run, records, held)?;
        let mut summary = Vec::new();
        write_summary_md(&mut summary, run, records, held)?;
        let joined = |r: std::thread::Result<Vec<u8>>| r.map_err(|_| io::Error::other("a report renderer panicked"));
        Ok(vec![
            ("summary.md", summary),
            ("sbom.cdx.json", joined(cyclonedx.join())?),
            ("sbom.spdx.json", joined(spdx.join())?),
            ("results.sarif", joined(sarif.join())?),
            ("decisions.json", decisions),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_advisories_by_severity_with_links() {
        let (run, records) = (advisories::fixtures::run(true), advisories::fixtures::records());
        let mut out = Vec::new();
        write_summary_md(&mut out, &run, &records, Held::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let section = &text[text.find("### Advisories").expect(&text)..text.find("### Blocked").expect(&text)];
        assert!(section.contains("3 advisories on 3 package versions."), "{section}");
        assert!(section.contains("database: offline database sha256:ae1273c2708f (db, fetched 2026-01-01T00:00:00Z)"));
        assert!(section.contains("overrides: --advisories-max-age never"), "{section}");
        let (mal, high, moderate) = (
            section.find("#### Malware (1)").unwrap(),
            section.find("#### High (1)").unwrap(),
            section.find("#### Moderate (1)").unwrap(),
        );
        assert!(mal < high && high < moderate, "{section}");
        assert!(section.contains(
            "| [GHSA-35jh-r3h4-6jhm](https://github.com/advisories/GHSA-35jh-r3h4-6jhm) (CVE-2021-23337) | `pkg:npm/lodash@4.17.20` | 7.2 | Command Injection in lodash | 4.17.21 | deny (`vulnerability`, `vulnerability-unfixed`) |"
        ), "{section}");
        assert!(section.contains("[MAL-2024-1](https://osv.dev/vulnerability/MAL-2024-1)"), "{section}");
        assert!(section.contains("| no fix | ignored ([advisories.ignore]) |"), "{section}");
        assert!(!section.contains("left-pad"), "a clean package is not listed");

        let mut out = Vec::new();
        write_summary_md(&mut out, &advisories::fixtures::run(false), &[], Held::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\nAdvisories: not checked (no [advisories] configured)\n"), "{text}");
        assert!(!text.contains("### Advisories"));
    }

    #[test]
    fn terminal_footer_names_the_advisory_database() {
        let records = advisories::fixtures::records();
        let mut out = Vec::new();
        write_terminal(&mut out, &advisories::fixtures::run(true), &records, None, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("advisories: 3 matched (1 ignored) · offline database sha256:ae1273c2708f (db, fetched 2026-01-01T00:00:00Z) · max_age never"),
            "{text}"
        );
        let mut out = Vec::new();
        write_terminal(&mut out, &advisories::fixtures::run(false), &[], None, false).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with("advisories: not checked (no [advisories] configured)\n"));
    }

    #[test]
    fn decisions_json_is_rendered_last() {
        let run = RunInfo {
            tool: "depgate".into(),
            mode: "check".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            now: "2026-01-01T00:00:00Z".into(),
            config: "embedded default".into(),
            project: String::new(),
            lockfiles: Vec::new(),
            chains: BTreeMap::new(),
            policy: Vec::new(),
            advisories: None,
            cooldowns: None,
            context: crate::audit::RunnerContext::default(),
        };
        let project = ProjectInfo { name: "p".into(), version: None };
        let files = render_report_files(&run, &[], Held::default(), &project, false).unwrap();
        let names: Vec<_> = files.iter().map(|(name, _)| *name).collect();
        // Written in this order, a kill inside the renames leaves the previous
        // decisions.json: when it names a run, the rest of the folder is that run's.
        assert_eq!(names, ["summary.md", "sbom.cdx.json", "sbom.spdx.json", "results.sarif", "decisions.json"]);
    }
}
