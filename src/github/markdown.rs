//! The markdown of the step summary, the check run's summary and the sticky PR comment:
//! one renderer with a size budget. GitHub caps each of them (1 MiB per step summary,
//! 65,535 characters per check-run summary, 65,536 per comment); a report that does not fit
//! is cut at a table row, with a visible note saying how many rows are left out.

use std::fmt::Write as _;

use super::{Level, ReportedAdvisory, ReportedPackage, Tally};

/// The hidden marker that identifies depgate's sticky comment on a pull request.
pub const COMMENT_MARKER: &str = "<!-- depgate-report -->";

/// What to render around the tables.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Workspace-relative lockfile path per entry (same order as the entries), if known.
    pub paths: Vec<Option<String>>,
    /// Link to the workflow run, if known.
    pub run_url: Option<String>,
    /// Name of the report folder or artifact, for the "see the report" notes.
    pub report_name: String,
    /// Also list the allowed packages (collapsed).
    pub list_allowed: bool,
}

/// Text in a table cell: no line breaks, no table pipes, no HTML, no @-mentions.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space after `@` keeps GitHub from notifying a user or team.
            '@' => out.push_str("@\u{200b}"),
            '\r' | '\n' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span for a table cell (purls, rule ids, paths).
pub fn code(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if matches!(c, '`' | '\r' | '\n') { '\'' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    format!("`{clean}`")
}

fn where_cell(entry: &ReportedPackage, path: Option<&String>) -> String {
    match (path, entry.line) {
        (Some(p), 0) => code(p),
        (Some(p), line) => code(&format!("{p}:{line}")),
        (None, _) if entry.lockfile.is_empty() => String::new(),
        (None, 0) => code(&entry.lockfile),
        (None, line) => code(&format!("{}:{line}", entry.lockfile)),
    }
}

/// An advisory id linked to its page (only an `https` URL without characters that end a
/// markdown link), else the id in a code span.
fn advisory_link(a: &ReportedAdvisory) -> String {
    let id = cell(&a.id);
    match a.url.as_deref() {
        Some(u)
            if u.starts_with("https://")
                && !u.chars().any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '[' | ']' | '|')) =>
        {
            format!("[{id}]({u})")
        }
        _ => code(&a.id),
    }
}

/// One table row per (advisory, package version), malware first, then by severity, id and
/// report order: what the reviewer must look at first.
fn advisory_rows(entries: &[ReportedPackage], path: impl Fn(usize) -> Option<String>) -> Vec<String> {
    let mut rows: Vec<(u8, &str, usize, String)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        for a in &e.advisories {
            let about = e.findings_about(a);
            let status = if about.iter().any(|f| f.rule == "advisory-ignored") {
                "ignored".to_string()
            } else {
                about
                    .iter()
                    .map(|f| f.level)
                    .max()
                    .map_or_else(|| "no finding".to_string(), |l| format!("{} {l}", emoji(l)))
            };
            let fixed = if a.kind == "malware" {
                "remove it".to_string()
            } else if a.fixed.is_empty() {
                "no fix".to_string()
            } else {
                cell(&a.fixed.join(", "))
            };
            let row = format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                cell(&a.severity_text()),
                advisory_link(a),
                code(&e.purl),
                cell(a.summary.as_deref().unwrap_or("")),
                fixed,
                status,
                path(i).map_or_else(String::new, |p| where_cell(e, Some(&p)))
            );
            rows.push((a.rank(), a.id.as_str(), i, row));
        }
    }
    rows.sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
    rows.into_iter().map(|(.., row)| row).collect()
}

fn emoji(level: Level) -> &'static str {
    match level {
        Level::Allow => "✅",
        Level::Warn => "⚠️",
        Level::Quarantine => "⏳",
        Level::Deny => "⛔",
        Level::Error => "❌",
    }
}

/// The verdict line: passing, passing with findings, or failing, and why.
pub fn verdict(outcome: &Tally) -> String {
    let rule = match outcome.fail_on {
        super::FailOn::Never => "report only: `--fail-on never`".to_string(),
        f => format!("fails on `{}` and above", f.as_str()),
    };
    if outcome.failed {
        format!("❌ **depgate: failing**: {} ({rule})", outcome.headline())
    } else if outcome.worst > Level::Allow {
        format!("⚠️ **depgate: passing with findings**: {} ({rule})", outcome.headline())
    } else {
        format!("✅ **depgate: passing**: {} ({rule})", outcome.headline())
    }
}

fn more_note(n: usize, ctx: &Context) -> String {
    let what = if n == 1 { "row" } else { "rows" };
    format!("\n> ✂️ {n} more {what} in the report artifact (`{}/decisions.json`).\n", ctx.report_name)
}

/// Room kept for a cut-off note (its text is far shorter).
const NOTE_RESERVE: usize = 160;

/// Render the report in at most `limit` bytes (`limit` is a byte count, so it also bounds
/// the character count GitHub measures). `head` goes first (e.g. the comment marker).
pub fn render(head: &str, entries: &[ReportedPackage], outcome: &Tally, ctx: &Context, limit: usize) -> String {
    let mut top = String::from(head);
    let _ = writeln!(top, "### depgate: {} dependencies gated\n", outcome.total);
    let _ = writeln!(top, "{}\n", verdict(outcome));
    top.push_str("| decision | count |\n|---|---:|\n");
    for level in Level::ALL.iter().rev() {
        let _ = writeln!(top, "| {} {} | {} |", emoji(*level), level, outcome.count(*level));
    }

    let path = |i: usize| ctx.paths.get(i).and_then(Option::as_ref);
    // Advisories first: the table a reviewer reads before anything else.
    let advisory_rows = advisory_rows(entries, |i| {
        path(i).cloned().or_else(|| (!entries[i].lockfile.is_empty()).then(|| entries[i].lockfile.clone()))
    });
    // Not allowed: most severe first, those an advisory decided first among equals, then
    // in report order.
    let mut notable: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].decision != Level::Allow).collect();
    notable.sort_by_key(|&i| (std::cmp::Reverse(entries[i].decision), !entries[i].by_advisory()));
    let notable_rows: Vec<String> = notable
        .iter()
        .map(|&i| {
            let e = &entries[i];
            format!(
                "| {} {} | {} | {} | {} | {} |\n",
                emoji(e.decision),
                e.decision,
                code(&e.purl),
                e.top().map(|f| code(&f.rule)).unwrap_or_default(),
                cell(&e.message()),
                where_cell(e, path(i))
            )
        })
        .collect();
    let allowed_rows: Vec<String> = if ctx.list_allowed {
        (0..entries.len())
            .filter(|&i| entries[i].decision == Level::Allow)
            .map(|i| format!("| {} | {} |\n", code(&entries[i].purl), where_cell(&entries[i], path(i))))
            .collect()
    } else {
        Vec::new()
    };

    let advisory_head = format!(
        "\n#### Advisories ({})\n\n| severity | advisory | package | summary | fixed in | status | where |\n|---|---|---|---|---|---|---|\n",
        advisory_rows.len()
    );
    let notable_head = format!(
        "\n#### Not allowed ({})\n\n| decision | package | rule | why | where |\n|---|---|---|---|---|\n",
        notable_rows.len()
    );
    let allowed_open =
        format!("\n<details><summary>Allowed ({})</summary>\n\n| package | where |\n|---|---|\n", allowed_rows.len());
    let allowed_close = "\n</details>\n";
    let mut foot = String::from("\n<sub>");
    if let Some(url) = &ctx.run_url {
        let _ = write!(foot, "[workflow run]({url}) · ");
    }
    let _ = writeln!(foot, "decisions, SBOMs (CycloneDX, SPDX), SARIF and the audit log: `{}`</sub>", ctx.report_name);

    let mut fixed = top.len() + foot.len();
    if !advisory_rows.is_empty() {
        fixed += advisory_head.len() + NOTE_RESERVE;
    }
    if !notable_rows.is_empty() {
        fixed += notable_head.len() + NOTE_RESERVE;
    }
    if !allowed_rows.is_empty() {
        fixed += allowed_open.len() + allowed_close.len() + NOTE_RESERVE;
    }
    if fixed > limit {
        // Not even the headline fits: the verdict alone.
        let mut out = format!("{head}{}\n", verdict(outcome));
        out.truncate(floor_char_boundary(&out, limit));
        return out;
    }
    let mut budget = limit - fixed;
    let mut take = |rows: &[String]| -> usize {
        let mut n = 0;
        for r in rows {
            if r.len() > budget {
                break;
            }
            budget -= r.len();
            n += 1;
        }
        n
    };
    let shown_advisories = take(&advisory_rows);
    let shown_notable = if shown_advisories == advisory_rows.len() { take(&notable_rows) } else { 0 };
    let shown_allowed = if shown_notable == notable_rows.len() { take(&allowed_rows) } else { 0 };

    let mut out = top;
    if !advisory_rows.is_empty() {
        out.push_str(&advisory_head);
        for r in &advisory_rows[..shown_advisories] {
            out.push_str(r);
        }
        if shown_advisories < advisory_rows.len() {
            out.push_str(&more_note(advisory_rows.len() - shown_advisories, ctx));
        }
    }
    if !notable_rows.is_empty() {
        out.push_str(&notable_head);
        for r in &notable_rows[..shown_notable] {
            out.push_str(r);
        }
        if shown_notable < notable_rows.len() {
            out.push_str(&more_note(notable_rows.len() - shown_notable, ctx));
        }
    }
    if !allowed_rows.is_empty() {
        out.push_str(&allowed_open);
        for r in &allowed_rows[..shown_allowed] {
            out.push_str(r);
        }
        if shown_allowed < allowed_rows.len() {
            out.push_str(&more_note(allowed_rows.len() - shown_allowed, ctx));
        }
        out.push_str(allowed_close);
    }
    out.push_str(&foot);
    debug_assert!(out.len() <= limit);
    out
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut i = at.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::FailOn;

    #[test]
    fn cells_cannot_break_tables_or_mention() {
        assert_eq!(cell("a|b\nc <b> @acme & x"), "a\\|b c &lt;b&gt; @\u{200b}acme &amp; x");
        assert_eq!(code("pkg:npm/a`b|c"), "`pkg:npm/a'b\\|c`");
    }

    fn advisory_report() -> crate::github::Report {
        use crate::report::advisories::fixtures;
        let mut json = Vec::new();
        let mut records = fixtures::records();
        // A deny no advisory decided, listed before the advisories' in the records.
        let mut other = fixtures::record("typo-squat", "1.0.0", 1);
        other.decision = crate::engine::Decision::Deny;
        other.findings = vec![crate::engine::LeveledFinding {
            level: crate::engine::Decision::Deny,
            finding: crate::policy::Finding {
                rule: "not-found-in-owner".into(),
                msg: "typo".into(),
                remedy: None,
                until: None,
                advisory: None,
            },
        }];
        records.insert(0, other);
        crate::report::write_decisions_json(&mut json, &fixtures::run(true), &records).unwrap();
        crate::github::Report::parse(&String::from_utf8(json).unwrap()).unwrap()
    }

    #[test]
    fn advisories_come_first_with_links() {
        let report = advisory_report();
        let outcome = Tally::of(&report.entries, FailOn::Deny);
        let text = render("", &report.entries, &outcome, &Context::default(), 65_000);
        let adv = text.find("#### Advisories (3)").expect(&text);
        let not_allowed = text.find("#### Not allowed").expect(&text);
        assert!(adv < not_allowed, "{text}");
        let table = &text[adv..not_allowed];
        let (mal, ghsa, ignored) = (
            table.find("[MAL-2024-1](https://osv.dev/vulnerability/MAL-2024-1)").expect(table),
            table.find("[GHSA-35jh-r3h4-6jhm](https://github.com/advisories/GHSA-35jh-r3h4-6jhm)").expect(table),
            table.find("GHSA-mod0-mod0-mod0").expect(table),
        );
        assert!(mal < ghsa && ghsa < ignored, "{table}");
        assert!(table.contains("| high (7.2) |") && table.contains("| 4.17.21 | ⛔ deny |"), "{table}");
        assert!(table.contains("| no fix | ignored |"), "{table}");
        // Among the denied packages, those an advisory decided come first.
        let rows = &text[not_allowed..];
        assert!(rows.find("lodash").unwrap() < rows.find("typo-squat").unwrap(), "{rows}");
        // A budget that cuts the advisories says how many rows are left out.
        let small = render("", &report.entries, &outcome, &Context::default(), 1200);
        assert!(small.len() <= 1200 && small.contains("more row"), "{small}");
        // The check run's annotations: advisories first among equals, titled with the id.
        let paths = vec![Some("package-lock.json".to_string()); report.entries.len()];
        let notes = crate::github::publish::annotations(&report.entries, &paths);
        assert_eq!(notes[0]["title"], "depgate deny: vulnerability GHSA-35jh-r3h4-6jhm");
        assert_eq!(notes[2]["title"], "depgate deny: not-found-in-owner");
    }

    #[test]
    fn a_tiny_budget_keeps_the_verdict() {
        let entries = Vec::new();
        let outcome = Tally::of(&entries, FailOn::Deny);
        let text = render("", &entries, &outcome, &Context::default(), 40);
        assert!(text.len() <= 40 && text.starts_with("✅"), "{text}");
    }
}
