//! The markdown of the step summary, the check run's summary and the sticky PR comment:
//! one renderer with a size budget. GitHub caps each of them (1 MiB per step summary,
//! 65,535 characters per check-run summary, 65,536 per comment); a report that does not fit
//! is cut at a table row, with a visible note saying how many rows are left out.

use std::fmt::Write as _;

use super::{Level, ReportedPackage, Tally};

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
    // Not allowed: most severe first, then in report order.
    let mut notable: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].decision != Level::Allow).collect();
    notable.sort_by_key(|&i| std::cmp::Reverse(entries[i].decision));
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
    let shown_notable = take(&notable_rows);
    let shown_allowed = if shown_notable == notable_rows.len() { take(&allowed_rows) } else { 0 };

    let mut out = top;
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

    #[test]
    fn a_tiny_budget_keeps_the_verdict() {
        let entries = Vec::new();
        let outcome = Tally::of(&entries, FailOn::Deny);
        let text = render("", &entries, &outcome, &Context::default(), 40);
        assert!(text.len() <= 40 && text.starts_with("✅"), "{text}");
    }
}
