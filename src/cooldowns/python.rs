//! The Python installers' release-age settings.
//!
//! - uv: `exclude-newer` in `[tool.uv]` of `pyproject.toml` or at the top of `uv.toml`: an
//!   RFC 3339 time, a date (the whole day included), or (uv 0.9.17+) a duration, "7 days"
//!   or ISO 8601 `P7D`; `exclude-newer-package` maps a package to its own value, or to
//!   `false` to exempt it.
//! - pip (26.0+): `uploaded-prior-to` in `pip.conf` (`[install]` over `[global]`) or
//!   `PIP_UPLOADED_PRIOR_TO`: an ISO 8601 time, or (pip 26.1+) an ISO 8601 duration.
//!
//! A cut-off is a release age only at a given time: the setting records the cut-off and
//! its age at `now`.

use toml::de::{DeTable, DeValue};

use super::duration::{self, Age};
use super::tree::line_of;
use super::{Exempt, Read, Setting, Spell, Tool};
use crate::ecosystem::Ecosystem;

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(|t| t.to_string()).unwrap_or_default()
}

/// A uv or pip value read as a setting (`tool`, `file:line`, `key = value`).
#[allow(clippy::too_many_arguments)]
pub fn age_setting(
    tool: Tool,
    file: &str,
    line: usize,
    key: &str,
    value: &str,
    now: i64,
    spell: Spell,
    out: &mut Read,
) -> Option<Setting> {
    let parsed = if tool == Tool::Pip { pip_value(value) } else { duration::span_or_cutoff(value, now) };
    match parsed {
        Ok((age, naive)) => {
            let unit = if matches!(age, Age::Cutoff(_)) { "cutoff" } else { "duration" };
            let mut s =
                Setting::new(tool, file, line, key, value, unit, vec![Ecosystem::Pypi], age.seconds_at(now), spell);
            if let Age::Cutoff(t) = age {
                s.cutoff = Some(rfc3339(t));
                s.note = Some(if t > now {
                    "an absolute cut-off in the future: it holds nothing back yet".to_string()
                } else {
                    "an absolute cut-off: its age grows every day, so it holds back more over time".to_string()
                });
            }
            if naive {
                s.note = Some(format!(
                    "{}; the time has no offset, read here as UTC ({} reads it in the local time zone)",
                    s.note.unwrap_or_default(),
                    tool.as_str()
                ));
            }
            Some(s)
        }
        Err(e) => {
            out.problem(tool, file, line, format!("`{key}` {e}"));
            None
        }
    }
}

/// pip's own reading (pip 26.3 `--help`): an ISO 8601 time or date, local time when it has
/// no offset (read here as UTC, and said so), or a duration in whole days, `P<n>D`; a
/// date is its midnight, not the whole day.
fn pip_value(value: &str) -> Result<(Age, bool), String> {
    let v = value.trim();
    if let Some(days) = v.strip_prefix('P').and_then(|r| r.strip_suffix('D')) {
        return match days.parse::<u32>() {
            Ok(n) => Ok((Age::Span(i64::from(n) * duration::DAY), false)),
            Err(_) => Err(format!("`{value}`: pip reads a duration only as whole days, P<n>D (P7D)")),
        };
    }
    if v.starts_with('P') {
        return Err(format!("`{value}`: pip reads a duration only as whole days, P<n>D (P7D)"));
    }
    if v.len() == 10
        && let Ok((end, _)) = duration::cutoff(v)
    {
        return Ok((Age::Cutoff(end - duration::DAY), true));
    }
    duration::cutoff(v).map(|(t, naive)| (Age::Cutoff(t), naive)).map_err(|_| {
        format!("`{value}` is neither an ISO 8601 time (2025-10-01T00:00:00Z) nor a duration in days (P7D)")
    })
}

/// `pyproject.toml` (`[tool.uv]`, when `in_pyproject`) or `uv.toml` (top level).
pub fn uv(file: &str, text: &str, now: i64, in_pyproject: bool) -> Read {
    let mut out = Read::default();
    let doc = match DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            out.problem(Tool::Uv, file, line, format!("not valid TOML ({}); its settings are not read", e.message()));
            return out;
        }
    };
    let root = doc.get_ref();
    let table = if in_pyproject {
        let Some(t) = root
            .get("tool")
            .and_then(|t| t.get_ref().as_table())
            .and_then(|t| t.get("uv"))
            .and_then(|u| u.get_ref().as_table())
        else {
            return out;
        };
        t
    } else {
        root
    };
    let prefix = if in_pyproject { "tool.uv." } else { "" };
    let mut global = None;
    if let Some(v) = table.get("exclude-newer") {
        let line = line_of(text, v.span().start);
        let key = format!("{prefix}exclude-newer");
        match v.get_ref().as_str() {
            Some(s) => global = age_setting(Tool::Uv, file, line, &key, s, now, Spell::Words, &mut out),
            None => out.problem(
                Tool::Uv,
                file,
                line,
                format!("`{key}` must be a string (a date, a time or a duration such as \"7 days\")"),
            ),
        }
    }
    let mut exempt = Vec::new();
    if let Some(v) = table.get("exclude-newer-package") {
        let key = format!("{prefix}exclude-newer-package");
        match v.get_ref().as_table() {
            None => out.problem(
                Tool::Uv,
                file,
                line_of(text, v.span().start),
                format!("`{key}` must be a table of package = value"),
            ),
            Some(pkgs) => {
                for (name, val) in pkgs {
                    let line = line_of(text, val.span().start);
                    let name = name.get_ref().to_string();
                    match val.get_ref() {
                        DeValue::Boolean(false) => exempt.push(Exempt { pattern: name, line }),
                        DeValue::String(s) => {
                            let k = format!("{key}.{name}");
                            if let Some(mut st) = age_setting(Tool::Uv, file, line, &k, s, now, Spell::Words, &mut out)
                            {
                                st.packages = vec![name];
                                out.settings.push(st);
                            }
                        }
                        other => out.problem(
                            Tool::Uv,
                            file,
                            line,
                            format!(
                                "`{key}.{name}` must be a date, a time, a duration or false, found {}",
                                other.type_str()
                            ),
                        ),
                    }
                }
            }
        }
    }
    if let Some(mut g) = global {
        if !exempt.is_empty() {
            g.exempt = exempt;
            g.exempt_setting = Some(format!("{prefix}exclude-newer-package"));
        }
        out.settings.insert(0, g);
    }
    out
}

/// `pip.conf` / `pip.ini`: `uploaded-prior-to` of `[install]`, else of `[global]` (what
/// `pip install` uses).
pub fn pip_conf(file: &str, text: &str, now: i64) -> Read {
    let mut out = Read::default();
    let mut section = String::new();
    let mut found: Vec<(String, usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('#') || l.starts_with(';') || l.is_empty() {
            continue;
        }
        if let Some(s) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        let Some((k, v)) = l.split_once('=').or_else(|| l.split_once(':')) else { continue };
        let key = k.trim().replace('_', "-");
        if key == "uploaded-prior-to" && matches!(section.as_str(), "global" | "install") {
            found.push((section.clone(), i + 1, v.trim().to_string()));
        }
    }
    let chosen =
        found.iter().rev().find(|(s, ..)| s == "install").or_else(|| found.iter().rev().find(|(s, ..)| s == "global"));
    if let Some((section, line, value)) = chosen {
        let key = format!("[{section}] uploaded-prior-to");
        if let Some(mut s) = age_setting(Tool::Pip, file, *line, &key, value, now, Spell::Iso, &mut out) {
            if section == "install" && found.iter().any(|(s, ..)| s == "global") {
                s.note = Some("[install] replaces [global] for pip install".into());
            }
            out.settings.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cooldowns::duration::DAY;

    const NOW: i64 = 1_780_000_000; // 2026-05-28T20:26:40Z

    #[test]
    fn uv_durations_cutoffs_and_packages() {
        let t = "[project]\nname = \"x\"\n\n[tool.uv]\nexclude-newer = \"7 days\"\nexclude-newer-package = { requests = false, urllib3 = \"2026-05-26T20:26:40Z\" }\n";
        let r = uv("pyproject.toml", t, NOW, true);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.settings.len(), 2);
        let g = &r.settings[0];
        assert_eq!(
            (g.setting.as_str(), g.line, g.min_age_seconds, g.unit),
            ("tool.uv.exclude-newer", 5, 7 * DAY, "duration")
        );
        assert_eq!(g.exempt, vec![Exempt { pattern: "requests".into(), line: 6 }]);
        let p = &r.settings[1];
        assert_eq!((p.packages.clone(), p.min_age_seconds, p.unit), (vec!["urllib3".to_string()], 2 * DAY, "cutoff"));
        assert_eq!(p.cutoff.as_deref(), Some("2026-05-26T20:26:40Z"));
        let top = uv("uv.toml", "exclude-newer = \"P3D\"\n", NOW, false);
        assert_eq!(top.settings[0].min_age_seconds, 3 * DAY);
        let bad = uv("uv.toml", "\nexclude-newer = \"last tuesday\"\n", NOW, false);
        assert_eq!((bad.problems[0].line, bad.settings.len()), (2, 0));
        let num = uv("uv.toml", "exclude-newer = 7\n", NOW, false);
        assert!(num.problems[0].message.contains("must be a string"));
        let future = uv("uv.toml", "exclude-newer = \"2030-01-01\"\n", NOW, false);
        assert_eq!(future.settings[0].min_age_seconds, 0);
        assert!(uv("pyproject.toml", "[project]\nname='x'\n", NOW, true).settings.is_empty());
    }

    #[test]
    fn pip_conf_install_over_global() {
        let r = pip_conf("pip.conf", "[global]\nuploaded-prior-to = P10D\n[install]\nuploaded_prior_to = P2D\n", NOW);
        assert_eq!(r.settings.len(), 1);
        assert_eq!((r.settings[0].line, r.settings[0].min_age_seconds), (4, 2 * DAY));
        assert_eq!(Spell::Iso.write(7 * DAY), "P7D");
        let abs = pip_conf("pip.conf", "[global]\nuploaded-prior-to = 2026-05-18T20:26:40\n", NOW);
        assert_eq!(abs.settings[0].min_age_seconds, 10 * DAY);
        assert!(abs.settings[0].note.as_deref().unwrap().contains("read here as UTC"));
        let bad = pip_conf("pip.conf", "[global]\nuploaded-prior-to = yesterday\n", NOW);
        assert_eq!(bad.problems[0].line, 2);
        // pip 26.3 refuses any duration but whole days (PT12H), and reads a date as its midnight.
        let hours = pip_conf("pip.conf", "[install]\nuploaded-prior-to = PT12H\n", NOW);
        assert!(hours.problems[0].message.contains("P<n>D"), "{:?}", hours.problems);
        let date = pip_conf("pip.conf", "[install]\nuploaded-prior-to = 2026-05-18\n", NOW);
        assert_eq!(date.settings[0].cutoff.as_deref(), Some("2026-05-18T00:00:00Z"));
        assert!(pip_conf("pip.conf", "[download]\nuploaded-prior-to = P2D\n", NOW).settings.is_empty());
    }
}
