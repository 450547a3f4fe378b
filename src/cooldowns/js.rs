//! The npm-family package managers' release-age settings.
//!
//! - npm: `min-release-age` in `.npmrc`, in days (npm 11.10; docs.npmjs.com
//!   `using-npm/config#min-release-age`). npm has no exemption list.
//! - pnpm: `minimumReleaseAge` in `pnpm-workspace.yaml`, in minutes, with
//!   `minimumReleaseAgeExclude` (names and, since pnpm 10.17, patterns such as `@eslint/*`);
//!   pnpm 10 also reads `minimum-release-age` (minutes) from `.npmrc`.
//! - yarn (berry, 4.10+): `npmMinimalAgeGate` in `.yarnrc.yml`, a number of minutes or a
//!   duration (`3d`), with `npmPreapprovedPackages` (names, globs or descriptors) and, per
//!   scope, `npmScopes.<scope>.npmMinimalAgeGate`.
//! - bun (1.3+): `[install] minimumReleaseAge` in `bunfig.toml`, in seconds, with
//!   `minimumReleaseAgeExcludes` (exact names).

use toml::de::{DeTable, DeValue};

use super::duration::{self, DAY};
use super::tree::{self, Node, Value, line_of};
use super::{Exempt, Read, Setting, Spell, Tool};
use crate::ecosystem::Ecosystem;

const NPM: fn() -> Vec<Ecosystem> = || vec![Ecosystem::Npm];

/// `.npmrc`: npm's `min-release-age` (days) and pnpm 10's `minimum-release-age` (minutes).
pub fn npmrc(file: &str, text: &str) -> Read {
    let mut out = Read::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.starts_with(';') || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else { continue };
        let key = k.trim();
        let value = v.trim().trim_matches('"').trim_matches('\'');
        let (tool, unit, secs, spell) = match key {
            "min-release-age" => (Tool::Npm, "days", DAY, Spell::Days),
            "minimum-release-age" => (Tool::Pnpm, "minutes", 60, Spell::Minutes),
            _ => continue,
        };
        if value.contains("${") {
            out.problem(tool, file, line, format!("`{key}` is set from an environment variable ({value}); depgate cannot know its value, so it is not compared"));
            continue;
        }
        match duration::number_text(value, secs, unit) {
            Ok(s) => out.settings.push(Setting::new(tool, file, line, key, value, unit, NPM(), s, spell)),
            Err(e) => {
                out.problem(tool, file, line, format!("`{key}` {e}; {} reads a whole number of {unit}", tool.as_str()));
            }
        }
    }
    out
}

/// A list of strings (an exemption list), with the line of each entry; a non-list or a
/// non-string entry is a problem.
fn string_list(node: &Node, tool: Tool, file: &str, key: &str, out: &mut Read) -> Vec<Exempt> {
    let Value::List(items) = &node.value else {
        out.problem(tool, file, node.line, format!("`{key}` must be a list of package names, found {}", node.kind()));
        return Vec::new();
    };
    let mut list = Vec::new();
    for item in items {
        match &item.value {
            Value::Text { text, .. } => list.push(Exempt { pattern: text.clone(), line: item.line }),
            _ => out.problem(
                tool,
                file,
                item.line,
                format!("`{key}` entries must be package names, found {}", item.kind()),
            ),
        }
    }
    list
}

fn parse_yaml(tool: Tool, file: &str, text: &str, out: &mut Read) -> Option<Node> {
    match tree::parse_yaml(text) {
        Ok(n) => Some(n),
        Err(e) => {
            out.problem(
                tool,
                file,
                e.strip_prefix("line ").and_then(|r| r.split(':').next()?.parse().ok()).unwrap_or(0),
                format!("not valid YAML ({e}); its settings are not read"),
            );
            None
        }
    }
}

/// `pnpm-workspace.yaml`: `minimumReleaseAge` (minutes) and `minimumReleaseAgeExclude`.
pub fn pnpm_workspace(file: &str, text: &str) -> Read {
    let mut out = Read::default();
    let Some(doc) = parse_yaml(Tool::Pnpm, file, text, &mut out) else { return out };
    if let Some(nested) = doc.get("settings").and_then(|s| s.get("minimumReleaseAge")) {
        out.problem(
            Tool::Pnpm,
            file,
            nested.line,
            "`minimumReleaseAge` under `settings:` is not read by pnpm; it must be a top-level key",
        );
    }
    let exempt = doc
        .get("minimumReleaseAgeExclude")
        .map(|n| (n.line, string_list(n, Tool::Pnpm, file, "minimumReleaseAgeExclude", &mut out)));
    let Some(node) = doc.get("minimumReleaseAge") else {
        if let Some((line, _)) = exempt {
            out.problem(
                Tool::Pnpm,
                file,
                line,
                "`minimumReleaseAgeExclude` is set but `minimumReleaseAge` is not, so it exempts from nothing",
            );
        }
        return out;
    };
    let seconds = match &node.value {
        Value::Number(n) => duration::number(*n, 60, "minutes"),
        Value::Text { text, .. } => duration::number_text(text, 60, "minutes"),
        _ => Err(format!("must be a number of minutes, found {}", node.kind())),
    };
    let value = node.scalar().unwrap_or_default();
    match seconds {
        Ok(s) => {
            let mut st = Setting::new(
                Tool::Pnpm,
                file,
                node.line,
                "minimumReleaseAge",
                value,
                "minutes",
                NPM(),
                s,
                Spell::Minutes,
            );
            if let Some((_, list)) = exempt {
                st.exempt = list;
                st.exempt_setting = Some("minimumReleaseAgeExclude".into());
            }
            out.settings.push(st);
        }
        Err(e) => out.problem(
            Tool::Pnpm,
            file,
            node.line,
            format!("`minimumReleaseAge` {e} (pnpm counts it in minutes: 10080 is a week)"),
        ),
    }
    out
}

fn yarn_gate(node: &Node) -> Result<i64, String> {
    match &node.value {
        Value::Number(n) => duration::number(*n, 60, "minutes"),
        Value::Text { text, .. } => duration::yarn(text),
        _ => Err(format!("must be a duration such as 3d or a number of minutes, found {}", node.kind())),
    }
}

/// `.yarnrc.yml`: `npmMinimalAgeGate`, `npmPreapprovedPackages`, and per-scope gates.
pub fn yarnrc(file: &str, text: &str) -> Read {
    let mut out = Read::default();
    let Some(doc) = parse_yaml(Tool::Yarn, file, text, &mut out) else { return out };
    let exempt =
        doc.get("npmPreapprovedPackages").map(|n| string_list(n, Tool::Yarn, file, "npmPreapprovedPackages", &mut out));
    if let Some(node) = doc.get("npmMinimalAgeGate") {
        match yarn_gate(node) {
            Ok(s) => {
                let mut st = Setting::new(
                    Tool::Yarn,
                    file,
                    node.line,
                    "npmMinimalAgeGate",
                    node.scalar().unwrap_or_default(),
                    "duration",
                    NPM(),
                    s,
                    Spell::Yarn,
                );
                if let Some(list) = exempt.clone() {
                    st.exempt = list;
                    st.exempt_setting = Some("npmPreapprovedPackages".into());
                }
                out.settings.push(st);
            }
            Err(e) => out.problem(Tool::Yarn, file, node.line, format!("`npmMinimalAgeGate` {e}")),
        }
    }
    if let Some(Value::Map(scopes)) = doc.get("npmScopes").map(|n| &n.value) {
        for (scope, cfg) in scopes {
            let Some(node) = cfg.get("npmMinimalAgeGate") else { continue };
            let key = format!("npmScopes.{scope}.npmMinimalAgeGate");
            match yarn_gate(node) {
                Ok(s) => {
                    let mut st = Setting::new(
                        Tool::Yarn,
                        file,
                        node.line,
                        key,
                        node.scalar().unwrap_or_default(),
                        "duration",
                        NPM(),
                        s,
                        Spell::Yarn,
                    );
                    st.packages = vec![format!("@{}/*", scope.trim_start_matches('@'))];
                    if let Some(list) = exempt.clone() {
                        st.exempt = list;
                        st.exempt_setting = Some("npmPreapprovedPackages".into());
                    }
                    out.settings.push(st);
                }
                Err(e) => out.problem(Tool::Yarn, file, node.line, format!("`{key}` {e}")),
            }
        }
    }
    out
}

/// `bunfig.toml`: `[install] minimumReleaseAge` (seconds) and `minimumReleaseAgeExcludes`.
pub fn bunfig(file: &str, text: &str) -> Read {
    let mut out = Read::default();
    let doc = match DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            out.problem(Tool::Bun, file, line, format!("not valid TOML ({}); its settings are not read", e.message()));
            return out;
        }
    };
    let Some(install) = doc.get_ref().get("install").and_then(|v| v.get_ref().as_table()) else { return out };
    let exempt = install
        .get("minimumReleaseAgeExcludes")
        .map(|v| toml_names(v, text, file, "minimumReleaseAgeExcludes", Tool::Bun, &mut out));
    let Some(v) = install.get("minimumReleaseAge") else { return out };
    let line = line_of(text, v.span().start);
    let (value, n) = match v.get_ref() {
        DeValue::Integer(i) => (i.as_str().to_string(), i.as_str().replace('_', "").parse::<f64>().ok()),
        DeValue::Float(f) => (f.as_str().to_string(), f.as_str().replace('_', "").parse::<f64>().ok()),
        other => {
            let found = other.type_str();
            out.problem(
                Tool::Bun,
                file,
                line,
                format!("`minimumReleaseAge` must be a number of seconds, found {found}"),
            );
            return out;
        }
    };
    match n.ok_or_else(|| "is not a number".to_string()).and_then(|n| duration::number(n, 1, "seconds")) {
        Ok(s) => {
            let mut st =
                Setting::new(Tool::Bun, file, line, "minimumReleaseAge", value, "seconds", NPM(), s, Spell::Seconds);
            if let Some(list) = exempt {
                st.exempt = list;
                st.exempt_setting = Some("minimumReleaseAgeExcludes".into());
            }
            out.settings.push(st);
        }
        Err(e) => out.problem(
            Tool::Bun,
            file,
            line,
            format!("`minimumReleaseAge` {e} (bun counts it in seconds: 604800 is a week)"),
        ),
    }
    out
}

/// `major.minor` of a `packageManager` value for `tool` (`yarn@4.18.1+sha512.…`).
fn manager_version(value: &str, tool: &str) -> Option<(u32, u32)> {
    let v = value.strip_prefix(tool)?.strip_prefix('@')?;
    let mut parts = v.split(['.', '+', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The gate a package manager applies when its setting is not written, from the
/// `packageManager` field of `package.json` (`file`): yarn 4.15+ waits a day (yarn 4.18.1
/// answers `yarn config get npmMinimalAgeGate` with 1440 in a project that sets nothing),
/// and pnpm 11 waits 1440 minutes (documented for pnpm 11.0; not run here, pnpm 11 needs
/// Node.js 22). The exemption lists of `.yarnrc.yml` and `pnpm-workspace.yaml` (their
/// texts) apply to those defaults; `read` is what the project's files gave so far.
pub fn defaults(file: &str, package_json: &str, yarnrc: Option<&str>, workspace: Option<&str>, read: &mut Read) {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(package_json) else { return };
    // `packageManager: "pnpm@11.2.0"`, or `devEngines.packageManager: {name, version}`.
    let dev = doc.pointer("/devEngines/packageManager").and_then(|d| {
        Some(format!(
            "{}@{}",
            d.get("name")?.as_str()?,
            d.get("version")?.as_str()?.trim_start_matches(['^', '~', '='])
        ))
    });
    let Some(pm) = doc.get("packageManager").and_then(|v| v.as_str()).map(str::to_string).or(dev) else { return };
    let line = package_json.lines().position(|l| l.contains("\"packageManager\"")).map_or(0, |i| i + 1);
    let written = |read: &Read, tool: Tool, key: &str| read.settings.iter().any(|s| s.tool == tool && s.setting == key);
    let list = |text: Option<&str>, key: &str, tool: Tool, shown: &str, out: &mut Read| -> Vec<Exempt> {
        let Some(node) = text.and_then(|t| tree::parse_yaml(t).ok()) else { return Vec::new() };
        node.get(key).map(|n| string_list(n, tool, shown, key, out)).unwrap_or_default()
    };
    let note = |what: &str| Some(format!("not written: the default of {pm} ({file}:{line}); {what}"));
    if manager_version(&pm, "yarn").is_some_and(|v| v >= (4, 15)) && !written(read, Tool::Yarn, "npmMinimalAgeGate") {
        let mut st =
            Setting::new(Tool::Yarn, ".yarnrc.yml", 0, "npmMinimalAgeGate", "1d", "duration", NPM(), DAY, Spell::Yarn);
        st.note = note("yarn 4.15+ waits a day when npmMinimalAgeGate is not set in .yarnrc.yml");
        let mut scratch = Read::default();
        st.exempt = list(yarnrc, "npmPreapprovedPackages", Tool::Yarn, ".yarnrc.yml", &mut scratch);
        if !st.exempt.is_empty() {
            st.exempt_setting = Some("npmPreapprovedPackages".into());
        }
        read.settings.push(st);
    }
    if manager_version(&pm, "pnpm").is_some_and(|v| v >= (11, 0))
        && !written(read, Tool::Pnpm, "minimumReleaseAge")
        && !written(read, Tool::Pnpm, "minimum-release-age")
    {
        let mut st = Setting::new(
            Tool::Pnpm,
            "pnpm-workspace.yaml",
            0,
            "minimumReleaseAge",
            "1440",
            "minutes",
            NPM(),
            DAY,
            Spell::Minutes,
        );
        st.note = note("pnpm 11 waits 1440 minutes when minimumReleaseAge is not set in pnpm-workspace.yaml");
        let mut scratch = Read::default();
        st.exempt = list(workspace, "minimumReleaseAgeExclude", Tool::Pnpm, "pnpm-workspace.yaml", &mut scratch);
        if !st.exempt.is_empty() {
            st.exempt_setting = Some("minimumReleaseAgeExclude".into());
            // The list exempts from the default, so it is not the dead setting it looked like.
            read.problems.retain(|p| !(p.tool == Tool::Pnpm && p.message.contains("exempts from nothing")));
        }
        read.settings.push(st);
    }
}

/// A TOML array of names with their lines.
pub(super) fn toml_names(
    v: &toml::Spanned<DeValue<'_>>,
    text: &str,
    file: &str,
    key: &str,
    tool: Tool,
    out: &mut Read,
) -> Vec<Exempt> {
    let Some(items) = v.get_ref().as_array() else {
        out.problem(tool, file, line_of(text, v.span().start), format!("`{key}` must be a list of package names"));
        return Vec::new();
    };
    let mut list = Vec::new();
    for item in items {
        let line = line_of(text, item.span().start);
        match item.get_ref().as_str() {
            Some(s) => list.push(Exempt { pattern: s.to_string(), line }),
            None => out.problem(tool, file, line, format!("`{key}` entries must be package names")),
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(r: &Read) -> &Setting {
        assert_eq!(r.settings.len(), 1, "{r:#?}");
        &r.settings[0]
    }

    #[test]
    fn npmrc_days_and_pnpm_minutes() {
        let r = npmrc(
            ".npmrc",
            "registry=https://r.example/\n; min-release-age=1\nmin-release-age=3\nminimum-release-age = 2880\n",
        );
        assert_eq!(r.settings.len(), 2);
        assert_eq!((r.settings[0].tool, r.settings[0].line, r.settings[0].min_age_seconds), (Tool::Npm, 3, 3 * DAY));
        assert_eq!((r.settings[1].tool, r.settings[1].line, r.settings[1].min_age_seconds), (Tool::Pnpm, 4, 2 * DAY));
        let bad = npmrc(".npmrc", "\nmin-release-age=3d\nmin-release-age=${AGE}\n");
        assert!(bad.settings.is_empty());
        assert_eq!(bad.problems.len(), 2);
        assert_eq!(
            bad.problems[0].to_string(),
            ".npmrc:2: `min-release-age` `3d` is not a number of days; npm reads a whole number of days"
        );
        assert!(bad.problems[1].message.contains("environment variable"));
    }

    #[test]
    fn pnpm_workspace_minutes_and_patterns() {
        let r = pnpm_workspace(
            "pnpm-workspace.yaml",
            "packages:\n  - 'a'\nminimumReleaseAge: 4320\nminimumReleaseAgeExclude:\n  - '@sanity/*'\n  - webpack\n",
        );
        let s = one(&r);
        assert_eq!((s.line, s.min_age_seconds, s.min_age_days), (3, 3 * DAY, 3.0));
        assert_eq!(
            s.exempt,
            vec![Exempt { pattern: "@sanity/*".into(), line: 5 }, Exempt { pattern: "webpack".into(), line: 6 }]
        );
        assert_eq!(Spell::Minutes.write(7 * DAY), "10080");
        let nested = pnpm_workspace("p.yaml", "settings:\n  minimumReleaseAge: 10080\n");
        assert!(nested.settings.is_empty());
        assert_eq!(nested.problems[0].line, 2);
        assert!(nested.problems[0].message.contains("top-level"));
        let bad = pnpm_workspace("p.yaml", "minimumReleaseAge: a week\n");
        assert_eq!((bad.problems[0].line, bad.settings.len()), (1, 0));
        let neg = pnpm_workspace("p.yaml", "minimumReleaseAge: -5\n");
        assert!(neg.problems[0].message.contains("zero or more"), "{:?}", neg.problems);
        let broken = pnpm_workspace("p.yaml", "minimumReleaseAge: [\n");
        assert!(broken.problems[0].message.contains("not valid YAML"));
        let orphan = pnpm_workspace("p.yaml", "minimumReleaseAgeExclude: [a]\n");
        assert!(orphan.problems[0].message.contains("exempts from nothing"));
    }

    #[test]
    fn yarn_durations_scopes_and_preapproved() {
        let r = yarnrc(
            ".yarnrc.yml",
            "npmMinimalAgeGate: 3d\nnpmPreapprovedPackages:\n  - react\n  - '@types/*'\nnpmScopes:\n  acme:\n    npmRegistryServer: https://npm.acme.example\n    npmMinimalAgeGate: 0\n",
        );
        assert_eq!(r.settings.len(), 2, "{r:#?}");
        assert_eq!((r.settings[0].line, r.settings[0].min_age_seconds), (1, 3 * DAY));
        assert_eq!(r.settings[0].exempt.len(), 2);
        assert_eq!(r.settings[1].setting, "npmScopes.acme.npmMinimalAgeGate");
        assert_eq!((r.settings[1].line, r.settings[1].min_age_seconds), (8, 0));
        assert_eq!(r.settings[1].packages, vec!["@acme/*"]);
        let minutes = yarnrc(".yarnrc.yml", "npmMinimalAgeGate: 4320 # 3 days\n");
        assert_eq!(one(&minutes).min_age_seconds, 3 * DAY);
        let bad = yarnrc(".yarnrc.yml", "npmMinimalAgeGate: 3 fortnights\n");
        assert!(bad.problems[0].message.contains("unknown unit"), "{:?}", bad.problems);
        assert_eq!(Spell::Yarn.write(7 * DAY), "7d");
    }

    #[test]
    fn defaults_of_yarn_4_15_and_pnpm_11() {
        let pj = "{\n  \"name\": \"x\",\n  \"packageManager\": \"yarn@4.18.1+sha512.abc\"\n}\n";
        let mut r = Read::default();
        defaults("package.json", pj, Some("npmPreapprovedPackages:\n  - react\n"), None, &mut r);
        let s = one(&r);
        assert_eq!(
            (s.tool, s.file.as_str(), s.line, s.min_age_seconds, s.exempt.len()),
            (Tool::Yarn, ".yarnrc.yml", 0, DAY, 1)
        );
        assert!(s.note.as_deref().unwrap().contains("yarn@4.18.1+sha512.abc (package.json:3)"), "{:?}", s.note);
        // Written in .yarnrc.yml: that one counts, no default is added.
        let mut set = yarnrc(".yarnrc.yml", "npmMinimalAgeGate: 0\n");
        defaults("package.json", pj, None, None, &mut set);
        assert_eq!(one(&set).min_age_seconds, 0);
        // Older yarn, yarn classic: no gate of their own.
        for old in ["yarn@4.14.0", "yarn@1.22.22"] {
            let mut none = Read::default();
            defaults("package.json", &format!("{{\"packageManager\": \"{old}\"}}"), None, None, &mut none);
            assert!(none.settings.is_empty(), "{old}");
        }
        let ws = "minimumReleaseAgeExclude:\n  - '@acme/*'\n";
        let mut p11 = pnpm_workspace("pnpm-workspace.yaml", ws);
        assert_eq!(p11.problems.len(), 1);
        defaults("package.json", "{\"packageManager\": \"pnpm@11.2.0\"}", None, Some(ws), &mut p11);
        assert!(p11.problems.is_empty(), "the list exempts from pnpm 11's default");
        assert_eq!((one(&p11).min_age_seconds, one(&p11).exempt.len()), (DAY, 1));
        let mut dev = Read::default();
        defaults(
            "package.json",
            r#"{"devEngines": {"packageManager": {"name": "pnpm", "version": "11.28.6"}}}"#,
            None,
            None,
            &mut dev,
        );
        assert_eq!(one(&dev).tool, Tool::Pnpm);
        let mut p10 = Read::default();
        defaults("package.json", "{\"packageManager\": \"pnpm@10.34.9\"}", None, None, &mut p10);
        assert!(p10.settings.is_empty());
    }

    #[test]
    fn bunfig_seconds_and_excludes() {
        let r = bunfig(
            "bunfig.toml",
            "[install]\nexact = true\nminimumReleaseAge = 259_200\nminimumReleaseAgeExcludes = [\"@types/bun\",\n  \"typescript\"]\n",
        );
        let s = one(&r);
        assert_eq!((s.line, s.min_age_seconds), (3, 3 * DAY));
        assert_eq!(s.exempt[1], Exempt { pattern: "typescript".into(), line: 5 });
        let bad = bunfig("bunfig.toml", "[install]\nminimumReleaseAge = \"3d\"\n");
        assert_eq!(bad.problems[0].line, 2);
        assert!(bad.problems[0].message.contains("number of seconds"));
        let broken = bunfig("bunfig.toml", "[install\n");
        assert!(broken.problems[0].message.contains("not valid TOML"));
        assert!(bunfig("bunfig.toml", "[test]\nroot = \".\"\n").settings.is_empty());
    }
}
