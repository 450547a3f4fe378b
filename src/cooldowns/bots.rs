//! The update bots' release-age settings: a bot with a shorter wait than depgate opens
//! pull requests the gate then quarantines.
//!
//! - Renovate: `minimumReleaseAge` ("3 days", "1 week", "12 hours"; `null` is off) at the
//!   top of its configuration and in `packageRules`, limited by `matchDatasources` /
//!   `matchManagers` (to ecosystems) and `matchPackageNames` (to packages). Files:
//!   `renovate.json`, `renovate.json5`, `.github/`/`.gitlab/` ones, `.renovaterc(.json|.json5)`.
//!   Presets named in `extends` are not expanded.
//! - Dependabot: `cooldown` of an `updates` entry in `.github/dependabot.yml`:
//!   `default-days`, `semver-major-days`, `semver-minor-days`, `semver-patch-days` (days),
//!   `include` (the dependencies it applies to) and `exclude` (exempt ones), per
//!   `package-ecosystem`.

use super::tree::{self, Node, Value};
use super::{Exempt, Read, Setting, Spell, Tool, duration};
use crate::ecosystem::Ecosystem;

const ALL: [Ecosystem; 3] = [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven];

/// The ecosystem a Renovate datasource or manager feeds, if depgate gates it.
fn renovate_ecosystem(name: &str) -> Option<Ecosystem> {
    match name {
        "npm" | "bun" => Some(Ecosystem::Npm),
        "pypi" | "pip_requirements" | "pip_setup" | "pip-compile" | "pipenv" | "poetry" | "pep621" | "pep723"
        | "setup-cfg" | "uv" | "pixi" => Some(Ecosystem::Pypi),
        "maven" | "gradle" | "sbt-package" | "maven-wrapper" => Some(Ecosystem::Maven),
        _ => None,
    }
}

/// The ecosystem a Dependabot `package-ecosystem` updates, if depgate gates it.
pub(crate) fn dependabot_ecosystem(name: &str) -> Option<Ecosystem> {
    match name {
        "npm" | "bun" => Some(Ecosystem::Npm),
        "pip" | "uv" | "pipenv" | "poetry" | "pip-compile" => Some(Ecosystem::Pypi),
        "maven" | "gradle" => Some(Ecosystem::Maven),
        _ => None,
    }
}

fn strings(node: Option<&Node>) -> Vec<(String, usize)> {
    match node.map(|n| &n.value) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|i| match &i.value {
                Value::Text { text, .. } => Some((text.clone(), i.line)),
                _ => None,
            })
            .collect(),
        Some(Value::Text { text, .. }) => vec![(text.clone(), node.map_or(0, |n| n.line))],
        _ => Vec::new(),
    }
}

/// One Renovate `minimumReleaseAge` value, or `None` (off, or a problem recorded).
fn renovate_age(node: &Node, key: &str, file: &str, now: i64, out: &mut Read) -> Option<(String, i64)> {
    match &node.value {
        Value::Null => None,
        Value::Text { text, .. } => match duration::span(text, now) {
            Ok(s) => Some((text.clone(), s)),
            Err(e) => {
                out.problem(Tool::Renovate, file, node.line, format!("`{key}` {e}"));
                None
            }
        },
        _ => {
            out.problem(
                Tool::Renovate,
                file,
                node.line,
                format!("`{key}` must be a time string such as \"3 days\", found {}", node.kind()),
            );
            None
        }
    }
}

/// A Renovate configuration (JSON or JSON5).
pub fn renovate(file: &str, text: &str, now: i64) -> Read {
    let mut out = Read::default();
    let doc = match tree::parse_json5(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.strip_prefix("line ").and_then(|r| r.split(':').next()?.parse().ok()).unwrap_or(0);
            out.problem(Tool::Renovate, file, line, format!("not valid JSON5 ({e}); its settings are not read"));
            return out;
        }
    };
    if let Some(node) = doc.get("minimumReleaseAge")
        && let Some((value, s)) = renovate_age(node, "minimumReleaseAge", file, now, &mut out)
    {
        out.settings.push(Setting::new(
            Tool::Renovate,
            file,
            node.line,
            "minimumReleaseAge",
            value,
            "duration",
            ALL.to_vec(),
            s,
            Spell::Words,
        ));
    }
    let Some(rules) = doc.get("packageRules") else { return out };
    let Value::List(rules) = &rules.value else {
        out.problem(Tool::Renovate, file, rules.line, "`packageRules` must be a list of rules");
        return out;
    };
    for (i, rule) in rules.iter().enumerate() {
        let Some(node) = rule.get("minimumReleaseAge") else { continue };
        let key = format!("packageRules[{i}].minimumReleaseAge");
        let Some((value, s)) = renovate_age(node, &key, file, now, &mut out) else { continue };
        let sources = strings(rule.get("matchDatasources"));
        let managers = strings(rule.get("matchManagers"));
        let named = if sources.is_empty() { &managers } else { &sources };
        let mut ecosystems: Vec<Ecosystem> = if named.is_empty() {
            ALL.to_vec()
        } else {
            named.iter().filter_map(|(n, _)| renovate_ecosystem(n)).collect()
        };
        ecosystems.sort();
        ecosystems.dedup();
        if ecosystems.is_empty() {
            continue; // a rule for images, actions, crates…: not depgate's to compare
        }
        let mut st = Setting::new(Tool::Renovate, file, node.line, key, value, "duration", ecosystems, s, Spell::Words);
        st.packages = strings(rule.get("matchPackageNames"))
            .into_iter()
            .chain(strings(rule.get("matchDepNames")))
            .map(|(p, _)| p)
            .collect();
        out.settings.push(st);
    }
    out
}

/// `.github/dependabot.yml`.
pub fn dependabot(file: &str, text: &str) -> Read {
    let mut out = Read::default();
    let doc = match tree::parse_yaml(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.strip_prefix("line ").and_then(|r| r.split(':').next()?.parse().ok()).unwrap_or(0);
            out.problem(Tool::Dependabot, file, line, format!("not valid YAML ({e}); its settings are not read"));
            return out;
        }
    };
    let Some(Value::List(updates)) = doc.get("updates").map(|u| &u.value) else { return out };
    for (i, update) in updates.iter().enumerate() {
        let Some(cooldown) = update.get("cooldown") else { continue };
        let eco_name = update.get("package-ecosystem").and_then(Node::scalar).unwrap_or_default();
        let Some(eco) = dependabot_ecosystem(&eco_name) else { continue };
        if !matches!(cooldown.value, Value::Map(_)) {
            out.problem(
                Tool::Dependabot,
                file,
                cooldown.line,
                format!("`updates[{i}].cooldown` must be a mapping (default-days, …)"),
            );
            continue;
        }
        let include: Vec<String> = strings(cooldown.get("include")).into_iter().map(|(p, _)| p).collect();
        let exclude: Vec<Exempt> =
            strings(cooldown.get("exclude")).into_iter().map(|(pattern, line)| Exempt { pattern, line }).collect();
        let dir = update.get("directory").and_then(Node::scalar);
        for (key, types) in [
            ("default-days", &[][..]),
            ("semver-major-days", &["major"][..]),
            ("semver-minor-days", &["minor"][..]),
            ("semver-patch-days", &["patch"][..]),
        ] {
            let Some(node) = cooldown.get(key) else { continue };
            let name = format!("updates[{i}].cooldown.{key}");
            let secs = match &node.value {
                Value::Number(n) if n.fract() == 0.0 => duration::number(*n, duration::DAY, "days"),
                _ => Err(format!(
                    "must be a whole number of days, found {}",
                    node.scalar().unwrap_or_else(|| node.kind().into())
                )),
            };
            match secs {
                Ok(s) => {
                    let value = node.scalar().unwrap_or_default();
                    let mut st =
                        Setting::new(Tool::Dependabot, file, node.line, name, value, "days", vec![eco], s, Spell::Days);
                    st.update_types = types.to_vec();
                    st.packages.clone_from(&include);
                    if !exclude.is_empty() {
                        st.exempt.clone_from(&exclude);
                        st.exempt_setting = Some(format!("updates[{i}].cooldown.exclude"));
                    }
                    st.note = Some(format!(
                        "package-ecosystem: {eco_name}{}",
                        dir.as_ref().map(|d| format!(", directory: {d}")).unwrap_or_default()
                    ));
                    out.settings.push(st);
                }
                Err(e) => out.problem(Tool::Dependabot, file, node.line, format!("`{name}` {e}")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cooldowns::duration::DAY;

    const NOW: i64 = 1_780_000_000;

    #[test]
    fn renovate_global_and_rules() {
        let t = "{\n  // comment\n  extends: ['config:recommended'],\n  minimumReleaseAge: '5 days',\n  packageRules: [\n    {matchDatasources: ['docker'], minimumReleaseAge: '1 day'},\n    {\n      matchDatasources: ['npm'],\n      matchPackageNames: ['@acme/*'],\n      minimumReleaseAge: '0 days',\n    },\n    {matchManagers: ['pep621'], minimumReleaseAge: null},\n  ],\n}\n";
        let r = renovate("renovate.json5", t, NOW);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.settings.len(), 2, "{:#?}", r.settings);
        assert_eq!((r.settings[0].line, r.settings[0].min_age_seconds), (4, 5 * DAY));
        assert_eq!(r.settings[0].ecosystems, ALL.to_vec());
        let rule = &r.settings[1];
        assert_eq!(
            (rule.setting.as_str(), rule.line, rule.min_age_seconds),
            ("packageRules[1].minimumReleaseAge", 10, 0)
        );
        assert_eq!(
            (rule.ecosystems.clone(), rule.packages.clone()),
            (vec![Ecosystem::Npm], vec!["@acme/*".to_string()])
        );
        let bad = renovate("renovate.json", "{\n\"minimumReleaseAge\": 3\n}", NOW);
        assert_eq!(bad.problems[0].line, 2);
        let words = renovate("renovate.json", "{\"minimumReleaseAge\": \"three days\"}", NOW);
        assert!(words.problems[0].message.contains("not a duration"));
        let broken = renovate("renovate.json", "{\n\n\"a\": ", NOW);
        assert_eq!(broken.problems[0].line, 3);
        assert_eq!(Spell::Words.write(7 * DAY), "\"7 days\"");
    }

    #[test]
    fn dependabot_cooldowns() {
        let t = "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    cooldown:\n      default-days: 9\n  - package-ecosystem: npm\n    directory: /\n    cooldown:\n      default-days: 2\n      semver-major-days: 30\n      exclude:\n        - '@acme/*'\n  - package-ecosystem: pip\n    directory: /\n    cooldown:\n      default-days: 'x'\n";
        let r = dependabot(".github/dependabot.yml", t);
        assert_eq!(r.settings.len(), 2, "{:#?}", r.settings);
        assert_eq!((r.settings[0].line, r.settings[0].min_age_seconds), (10, 2 * DAY));
        assert_eq!(r.settings[0].exempt, vec![Exempt { pattern: "@acme/*".into(), line: 13 }]);
        assert_eq!(r.settings[1].update_types, vec!["major"]);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].line, 17);
        assert!(r.problems[0].message.contains("whole number of days"));
    }
}
