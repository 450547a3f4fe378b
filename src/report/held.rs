//! The versions the proxy held back from listings, as the report shows them: the
//! `Held back from listings` section of `summary.md` (one row per package and rule, the
//! versions listed newest first, at most [`VERSIONS_SHOWN`] of them) and the blocked list
//! of the proxy's stop line (files refused, then versions held back). Pure: records in,
//! text out.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::engine::{Decision, HeldBack, Record};

/// Versions named per row of the summary table before "and N more".
pub const VERSIONS_SHOWN: usize = 8;

/// Lines of the stop line's blocked list before "and N more" (the report has them all).
pub const STOP_LINES: usize = 20;

/// Versions the proxy held back from listings (empty outside `serve`), and how many more
/// it held back than it kept for the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Held<'a> {
    pub versions: &'a [HeldBack],
    pub not_kept: usize,
}

impl Held<'_> {
    /// Versions held back in all.
    pub fn total(&self) -> usize {
        self.versions.len() + self.not_kept
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }
}

/// One row: a package, a decision and the rules that decided.
struct Row<'a> {
    purl_name: String,
    decision: Decision,
    rules: Vec<&'a str>,
    /// Newest first.
    versions: Vec<&'a HeldBack>,
}

fn rows<'a>(held: &'a [HeldBack]) -> Vec<Row<'a>> {
    let mut by: BTreeMap<(String, Decision, Vec<&'a str>), Vec<&'a HeldBack>> = BTreeMap::new();
    for h in held {
        let mut rules: Vec<&str> = h.decisive().iter().map(|f| f.finding.rule.as_str()).collect();
        rules.sort_unstable();
        rules.dedup();
        let name = h.purl.rsplit_once('@').map_or(h.purl.as_str(), |(n, _)| n).to_string();
        by.entry((name, h.decision, rules)).or_default().push(h);
    }
    by.into_iter()
        .map(|((purl_name, decision, rules), mut versions)| {
            versions.sort_by(|a, b| b.published_at.cmp(&a.published_at).then_with(|| b.version.cmp(&a.version)));
            Row { purl_name, decision, rules, versions }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// What to do about a held-back version: its lead finding's `until` and remedy.
fn what_to_do(h: &HeldBack) -> String {
    let lead = h.decisive().into_iter().find(|f| f.finding.remedy.is_some()).or_else(|| h.decisive().first().copied());
    match lead.map(|f| (&f.finding.until, &f.finding.remedy)) {
        Some((Some(u), Some(r))) => format!("until {u}: {r}"),
        Some((None, Some(r))) => r.clone(),
        Some((Some(u), None)) => format!("until {u}"),
        _ => String::new(),
    }
}

/// Why, from the newest version's lead finding, without its purl prefix.
fn why(h: &HeldBack) -> String {
    h.decisive()
        .first()
        .map(|f| f.finding.msg.strip_prefix(&format!("{}: ", h.purl)).unwrap_or(&f.finding.msg).to_string())
        .unwrap_or_default()
}

/// The `Held back from listings` section of `summary.md` (nothing when none was).
pub fn write_md(w: &mut impl Write, held: Held<'_>) -> io::Result<()> {
    if held.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n### Held back from listings\n")?;
    writeln!(
        w,
        "The proxy hid these versions from what it listed (npm packument, simple page, `maven-metadata.xml`), so clients were offered older ones; a lockfile that pins one fails to install with the client's own \"no matching version\".\n"
    )?;
    writeln!(w, "| package | versions | decision | rule | why (newest) | what to do |\n|---|---|---|---|---|---|")?;
    for r in rows(held.versions) {
        let shown: Vec<String> = r.versions.iter().take(VERSIONS_SHOWN).map(|h| format!("`{}`", h.version)).collect();
        let more = if r.versions.len() > VERSIONS_SHOWN {
            format!(" and {} more", r.versions.len() - VERSIONS_SHOWN)
        } else {
            String::new()
        };
        let newest = r.versions[0];
        writeln!(
            w,
            "| `{}` | {}{more} | {} | `{}` | {} | {} |",
            r.purl_name,
            shown.join(", "),
            r.decision.as_str(),
            r.rules.join("`, `"),
            escape(&why(newest)),
            escape(&what_to_do(newest))
        )?;
    }
    if held.not_kept > 0 {
        writeln!(
            w,
            "\n{} more held-back versions were not kept for this report (they are in the audit log).",
            held.not_kept
        )?;
    }
    Ok(())
}

/// The blocked list of the proxy's stop line: every refused file, then every held-back
/// version (at most [`STOP_LINES`] lines each, newest versions first), with rule, message
/// and what to do. Nothing when nothing was blocked.
pub fn write_stop(w: &mut impl Write, records: &[Record], held: Held<'_>) -> io::Result<()> {
    let refused: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.decision, Decision::Deny | Decision::Quarantine | Decision::Error))
        .collect();
    if refused.is_empty() && held.is_empty() {
        return Ok(());
    }
    writeln!(w, "depgate serve: blocked:")?;
    for r in refused.iter().take(STOP_LINES) {
        let decisive: Vec<_> = r.findings.iter().filter(|f| f.level == r.decision).collect();
        let lead = decisive.first().copied().or(r.findings.first());
        let rules: Vec<&str> = decisive.iter().map(|f| f.finding.rule.as_str()).collect();
        let file = r.resolution.as_ref().and_then(|x| x.file.as_deref()).map(|f| format!(" ({f})")).unwrap_or_default();
        writeln!(w, "  {:<10} {}{file}  {}  (file refused)", r.decision.as_str(), r.package.purl, rules.join(", "))?;
        if let Some(f) = lead {
            let msg = f.finding.msg.strip_prefix(&format!("{}: ", r.package.purl)).unwrap_or(&f.finding.msg);
            writeln!(w, "  {:10}   {msg}", "")?;
            if let Some(rem) = &f.finding.remedy {
                writeln!(w, "  {:10}   to fix: {rem}", "")?;
            }
        }
    }
    if refused.len() > STOP_LINES {
        writeln!(w, "  … and {} more refused files (summary.md lists them)", refused.len() - STOP_LINES)?;
    }
    let mut shown = 0;
    for r in rows(held.versions) {
        for h in &r.versions {
            if shown == STOP_LINES {
                break;
            }
            shown += 1;
            writeln!(w, "  {:<10} {}  {}  (held back from listings)", h.decision.as_str(), h.purl, r.rules.join(", "))?;
            let why = why(h);
            if !why.is_empty() {
                writeln!(w, "  {:10}   {why}", "")?;
            }
            if let Some(u) = h.decisive().first().and_then(|f| f.finding.until.as_deref()) {
                writeln!(w, "  {:10}   until {u}", "")?;
            }
            let lead = h.decisive().into_iter().find(|f| f.finding.remedy.is_some());
            if let Some(rem) = lead.and_then(|f| f.finding.remedy.as_deref()) {
                writeln!(w, "  {:10}   to fix: {rem}", "")?;
            }
        }
    }
    if held.total() > shown {
        writeln!(w, "  … and {} more held-back versions (summary.md lists them)", held.total() - shown)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Ecosystem;
    use crate::engine::LeveledFinding;
    use crate::policy::Finding;

    fn held(version: &str, at: &str, rule: &str) -> HeldBack {
        let purl = format!("pkg:npm/fresh@{version}");
        HeldBack {
            ecosystem: Ecosystem::Npm,
            name: "fresh".into(),
            version: version.into(),
            purl: purl.clone(),
            upstream: Some("public".into()),
            tier: Some("public".into()),
            published_at: Some(at.into()),
            decision: Decision::Quarantine,
            findings: vec![LeveledFinding {
                level: Decision::Quarantine,
                finding: Finding {
                    rule: rule.into(),
                    msg: format!("{purl}: published 1.0 days ago"),
                    remedy: Some("wait, or pin an older version".into()),
                    until: Some("2026-01-07T00:00:00Z".into()),
                    advisory: None,
                },
            }],
            advisories: Vec::new(),
            held_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn one_row_per_package_and_rule_newest_first_with_the_rest_counted() {
        let mut versions: Vec<HeldBack> = (0..10)
            .map(|i| held(&format!("1.{i}.0"), &format!("2025-12-2{i}T00:00:00Z"), "fallback-cooldown"))
            .collect();
        versions.push(held("9.0.0", "2025-12-31T00:00:00Z", "banned"));
        let mut out = Vec::new();
        write_md(&mut out, Held { versions: &versions, not_kept: 3 }).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("### Held back from listings"), "{text}");
        assert!(
            text.contains("| `pkg:npm/fresh` | `1.9.0`, `1.8.0`, `1.7.0`, `1.6.0`, `1.5.0`, `1.4.0`, `1.3.0`, `1.2.0` and 2 more | quarantine | `fallback-cooldown` | published 1.0 days ago | until 2026-01-07T00:00:00Z: wait, or pin an older version |"),
            "{text}"
        );
        assert!(text.contains("| `pkg:npm/fresh` | `9.0.0` | quarantine | `banned` |"), "{text}");
        assert!(text.contains("3 more held-back versions were not kept"), "{text}");

        let mut out = Vec::new();
        write_md(&mut out, Held::default()).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn the_stop_list_names_version_rule_and_remedy_and_caps_its_length() {
        let versions: Vec<HeldBack> = (0..25)
            .map(|i| held(&format!("1.{i}.0"), &format!("2025-12-{:02}T00:00:00Z", i + 1), "fallback-cooldown"))
            .collect();
        let mut out = Vec::new();
        write_stop(&mut out, &[], Held { versions: &versions[..1], not_kept: 0 }).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "depgate serve: blocked:\n  quarantine pkg:npm/fresh@1.0.0  fallback-cooldown  (held back from listings)\n               published 1.0 days ago\n               until 2026-01-07T00:00:00Z\n               to fix: wait, or pin an older version\n"
        );
        let mut out = Vec::new();
        write_stop(&mut out, &[], Held { versions: &versions, not_kept: 2 }).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("pkg:npm/fresh@1.24.0"), "newest first: {text}");
        assert!(!text.contains("pkg:npm/fresh@1.0.0 "), "{text}");
        assert!(text.ends_with("  … and 7 more held-back versions (summary.md lists them)\n"), "{text}");
        let mut out = Vec::new();
        write_stop(&mut out, &[], Held::default()).unwrap();
        assert!(out.is_empty());
    }
}
