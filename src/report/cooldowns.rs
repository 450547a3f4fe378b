//! The project's package-manager and bot cooldowns beside depgate's own (`run.cooldowns`):
//! the `summary.md` section and the terminal lines (the SARIF results of `cooldown-drift`
//! are in [`super::sarif`]). Pure rendering, like the rest of [`super`].

use std::io::{self, Write};

use super::RunInfo;
use crate::cooldowns::drift::{Direction, Drift, RULE};
use crate::cooldowns::{Report, Setting};

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn scope(s: &Setting) -> String {
    let mut parts = Vec::new();
    if !s.packages.is_empty() {
        parts.push(format!("only {}", s.packages.join(", ")));
    }
    if !s.update_types.is_empty() {
        parts.push(format!("{} updates", s.update_types.join(", ")));
    }
    if parts.is_empty() { "every package".into() } else { parts.join("; ") }
}

fn ecosystems(s: &Setting) -> String {
    s.ecosystems.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
}

fn direction(d: &Drift) -> &'static str {
    match d.direction {
        Direction::LetsThrough => "lets through",
        Direction::HoldsBack => "holds back",
    }
}

pub(super) fn report(run: &RunInfo) -> Option<&Report> {
    run.cooldowns.as_ref().filter(|c| !c.is_empty())
}

/// The `Cooldowns` section of `summary.md` (one line when the project sets none).
pub fn write_md(w: &mut impl Write, run: &RunInfo) -> io::Result<()> {
    let Some(c) = report(run) else {
        return writeln!(w, "\nPackage-manager and bot cooldowns: none set in the project");
    };
    writeln!(w, "\n### Package-manager and bot cooldowns\n")?;
    if !c.settings.is_empty() {
        writeln!(
            w,
            "| tool | where | setting | value | minimum age | ecosystems | applies to | exempt |\n|---|---|---|---|---:|---|---|---|"
        )?;
        for s in &c.settings {
            let exempt: Vec<&str> = s.exempt.iter().map(|e| e.pattern.as_str()).collect();
            writeln!(
                w,
                "| {} | `{}` | `{}` | `{}` | {} | {} | {} | {} |",
                s.tool.as_str(),
                md(&s.place()),
                md(&s.setting),
                md(&s.value),
                crate::cooldowns::duration::human(s.min_age_seconds),
                ecosystems(s),
                md(&scope(s)),
                md(&exempt.join(", "))
            )?;
        }
    }
    if !c.drift.is_empty() {
        writeln!(w, "\n#### `{RULE}` ({} warning{})\n", c.drift.len(), if c.drift.len() == 1 { "" } else { "s" })?;
        writeln!(w, "| where | drift | tool setting | depgate | what to do |\n|---|---|---|---|---|")?;
        for d in &c.drift {
            #[allow(clippy::cast_possible_truncation)]
            let tool_age = crate::cooldowns::duration::human((d.tool_days * 86_400.0).round() as i64);
            writeln!(
                w,
                "| `{}:{}` | {} | {} `{}` = `{}` ({tool_age}{}) | {} days: {} | {} |",
                md(&d.file),
                d.line,
                direction(d),
                d.tool.as_str(),
                md(&d.setting),
                md(&d.value),
                d.package.as_deref().map(|p| format!(", for `{}`", md(p))).unwrap_or_default(),
                crate::cooldowns::tree::format_number(d.depgate_days),
                md(&d.depgate_setting),
                md(&d.remedy)
            )?;
        }
    } else if !c.settings.is_empty() {
        writeln!(w, "\nNo drift: every setting agrees with depgate's tiered cooldown.")?;
    }
    for p in &c.problems {
        writeln!(w, "\n- ⚠️ not read: `{}`", md(&p.to_string()))?;
    }
    Ok(())
}

/// The terminal lines: each setting, each drift warning, each value not read.
pub fn write_terminal(w: &mut impl Write, run: &RunInfo, paint: &dyn Fn(&str, &str) -> String) -> io::Result<()> {
    let Some(c) = report(run) else { return Ok(()) };
    for s in &c.settings {
        writeln!(
            w,
            "cooldown   {:<10} {} {} = {} ({}, {}; {})",
            s.tool.as_str(),
            s.place(),
            s.setting,
            s.value,
            crate::cooldowns::duration::human(s.min_age_seconds),
            ecosystems(s),
            scope(s)
        )?;
    }
    for d in &c.drift {
        writeln!(w, "{} {}:{}  {RULE}", paint("33", &format!("{:<10}", "warn")), d.file, d.line)?;
        writeln!(w, "{:10}   {}", "", d.msg)?;
        writeln!(w, "{:10}   → {}", "", d.remedy)?;
    }
    for p in &c.problems {
        writeln!(w, "{} {p}", paint("33", &format!("{:<10}", "warn")))?;
    }
    writeln!(
        w,
        "cooldowns: {} setting{} read, {} drift warning{}{}",
        c.settings.len(),
        if c.settings.len() == 1 { "" } else { "s" },
        c.drift.len(),
        if c.drift.len() == 1 { "" } else { "s" },
        if c.problems.is_empty() { String::new() } else { format!(", {} not read", c.problems.len()) }
    )
}
