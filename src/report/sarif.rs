//! `results.sarif`: the run's findings as SARIF 2.1.0, for GitHub code scanning and any
//! other SARIF consumer.
//!
//! Owns the mapping from depgate's records to SARIF: one `reportingDescriptor` per rule
//! code that fired (text from the rule table in `policy::rules`, or a generic text for a
//! project's own rule codes), one `result` per finding that is not `allow`, located at the
//! lockfile line the package was read from. It renders bytes and never writes files or
//! prints; `output::write_report` decides where they go.
//!
//! Choices, so that code scanning tracks alerts well:
//! - levels: `deny`, `quarantine` and `error` are SARIF `error` (each one fails the gate,
//!   exit 1 or 3, so code scanning must not show them as less); `warn` is `warning`.
//!   A quarantine's `until` date is in the message.
//! - `partialFingerprints["depgateFinding/v1"]` = sha256 of `purl NUL rule`: the same
//!   package version and rule is the same alert from run to run, wherever its line moves
//!   in the lockfile. (`primaryLocationLineHash` is left to the uploader, which computes it
//!   from the file's text.)
//! - locations are relative to the project root with `uriBaseId: "%SRCROOT%"` and forward
//!   slashes; a record with line 0 (no line known) has no `region`, and one with no
//!   lockfile has no location.
//! - order is deterministic: rules by code; results by file, line, purl, rule.
//! - `cooldown-drift` (a package manager's or bot's release age that disagrees with
//!   depgate's cooldown) is a `warning` located at the tool's setting, fingerprinted over
//!   its file, setting, package pattern and ecosystem.
//!
//! Advisories (findings whose `advisory` names one: the `malware`, `vulnerability`,
//! `vulnerability-*` and `advisory-*` rules) are reported the way code scanning shows
//! dependency alerts: one rule per advisory id (`GHSA-…`, `MAL-…`), with the advisory's
//! summary, its page as `helpUri`, and `properties.security-severity` (the CVSS score, or
//! a value in its level's band: [`super::advisories::security_severity`]) so code scanning
//! ranks it as critical/high/medium/low; and one result per package version and advisory
//! (the findings about it merged: the most severe sets the level, every message is kept,
//! the depgate rules are in `properties.depgateRules`). Its fingerprint is over `purl NUL
//! advisory id`, so an alert stays one alert when an ignore turns its deny into a warning.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::advisories::{Advisory, Kind};
use crate::engine::{Decision, LeveledFinding, Record};
use crate::policy::{BUILTIN_RULES, ENGINE_RULES, RuleInfo};

use super::RunInfo;

/// `$schema` of the files depgate writes: the OASIS SARIF 2.1.0 schema (errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF version depgate writes.
pub const SARIF_VERSION: &str = "2.1.0";

/// The `uriBaseId` every location is relative to: the checked-out source (the project).
pub const SRCROOT: &str = "%SRCROOT%";

/// The `partialFingerprints` key depgate fills: stable per (purl, rule).
pub const FINGERPRINT_KEY: &str = "depgateFinding/v1";

/// Where a rule code comes from, for its help text.
#[derive(Clone, Copy)]
enum Origin {
    Builtin,
    Engine,
    Project,
}

/// The SARIF level of a decision level; `None` for `allow` (no result).
pub fn sarif_level(level: Decision) -> Option<&'static str> {
    match level {
        Decision::Allow => None,
        Decision::Warn => Some("warning"),
        Decision::Quarantine | Decision::Deny | Decision::Error => Some("error"),
    }
}

fn level_of_rule_table(level: &str) -> &'static str {
    if level == "warn" { "warning" } else { "error" }
}

/// What a decision level does to the build, in words.
fn level_effect(level: &str) -> &'static str {
    match level {
        "deny" => "the package is denied and the gate fails (exit 1)",
        "quarantine" => "the package waits until the date in the message; until then the gate fails (exit 1)",
        "warn" => "the package is allowed with a warning",
        "error" => "no decision was possible, so the gate fails closed (exit 3)",
        _ => "see the message",
    }
}

fn lookup(code: &str) -> Option<(&'static RuleInfo, Origin)> {
    BUILTIN_RULES
        .iter()
        .find(|r| r.code == code)
        .map(|r| (r, Origin::Builtin))
        .or_else(|| ENGINE_RULES.iter().find(|r| r.code == code).map(|r| (r, Origin::Engine)))
}

/// `fallback-cooldown` → `FallbackCooldown` (SARIF's `name`: an identifier, not prose).
fn pascal_case(code: &str) -> String {
    code.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|f| f.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
        })
        .collect()
}

fn sentence(s: &str) -> String {
    let mut out = String::new();
    let mut cs = s.chars();
    if let Some(f) = cs.next() {
        out.extend(f.to_uppercase());
        out.push_str(cs.as_str());
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn descriptor(code: &str, seen_level: Decision) -> Value {
    let (summary, level, origin) = match lookup(code) {
        Some((r, origin)) => (r.summary.to_string(), r.level.to_string(), origin),
        None => (
            "a finding of a rule from the project's own policy".to_string(),
            seen_level.as_str().to_string(),
            Origin::Project,
        ),
    };
    let from = match origin {
        Origin::Builtin => {
            "It comes from depgate's builtin policy: switch it off with `[policy] disable` in depgate.toml, or replace it by code in your own Rego."
        }
        Origin::Engine => "depgate emits it itself, not policy: it cannot be switched off.",
        Origin::Project => "It comes from the project's own Rego policy (`[policy] files` in depgate.toml).",
    };
    let full = format!("{} Level `{level}`: {}.", sentence(&summary), level_effect(&level));
    let help_text = format!(
        "{full} {from} The message says which package and what to do; `depgate policy rules` lists the builtin rules."
    );
    let help_md = format!(
        "**`{code}`** ({level}): {}\n\n{}.\n\n{from}\n\nThe message says which package and what to do; `depgate policy rules` lists the builtin rules.",
        summary,
        sentence(level_effect(&level)).trim_end_matches('.'),
    );
    let mut tags = vec!["security", "supply-chain"];
    if matches!(origin, Origin::Engine) {
        tags = vec!["supply-chain", "reliability"];
    }
    json!({
        "id": code,
        "name": pascal_case(code),
        "shortDescription": {"text": sentence(&summary)},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": level_of_rule_table(&level)},
        "properties": {"tags": tags, "depgate-level": level},
    })
}

/// The lockfile path relative to the project root, with forward slashes, when it can be
/// made relative: the longest of the run's (project-relative) lockfiles that the path ends
/// with, else the path itself when it is relative and stays inside its base.
fn relative_lockfile(lockfile: &str, run: &RunInfo) -> Option<String> {
    let path = Path::new(lockfile);
    let normal = |p: &Path| -> Option<Vec<String>> {
        let mut parts = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        (!parts.is_empty()).then_some(parts)
    };
    run.lockfiles
        .iter()
        .filter_map(|l| normal(Path::new(l)))
        .filter(|parts| path.ends_with(parts.join("/")))
        .max_by_key(Vec::len)
        .or_else(|| normal(path))
        .map(|parts| parts.join("/"))
}

/// Percent-encode what a relative URI reference may not hold (RFC 3986): everything but
/// unreserved characters, `/` and a few safe sub-delimiters.
pub(super) fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b'@' | b'+' | b'!' | b'=' | b',')
        {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An absolute path as a `file:` URI (a lockfile outside the project: no `uriBaseId`).
pub(super) fn file_uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = if p.starts_with('/') { p } else { format!("/{p}") };
    format!("file://{}", uri_path(&p))
}

/// The stable identity of one alert: sha256 over `purl NUL rule`, hex.
pub fn fingerprint(purl: &str, rule: &str) -> String {
    let mut h = Sha256::new();
    h.update(purl.as_bytes());
    h.update([0u8]);
    h.update(rule.as_bytes());
    hex::encode(h.finalize())
}

fn message(purl: &str, f: &crate::policy::Finding) -> String {
    let mut text = f.msg.trim_end().to_string();
    if text.is_empty() {
        text = format!("{purl}: {}", f.rule);
    }
    if let Some(u) = &f.until {
        let _ = write!(text, "{}Quarantined until {u}.", if text.ends_with('.') { " " } else { ". " });
    }
    if let Some(r) = &f.remedy {
        let _ = write!(text, "\nWhat to do: {}", r.trim_end());
    }
    text
}

/// The `reportingDescriptor` of one advisory (`a`: what the records say about it; `None`
/// for an id only a project's own rule names).
fn advisory_descriptor(id: &str, a: Option<&Advisory>, seen_level: Decision) -> Value {
    let url = a.map_or_else(|| crate::advisories::database::advisory_url(id), |a| a.url.clone());
    let kind = a.map_or("vulnerability", |a| if a.kind == Kind::Malware { "malware" } else { "vulnerability" });
    let summary = a.and_then(|a| a.summary.clone()).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| {
        if kind == "malware" { format!("Malicious package ({id})") } else { format!("Known vulnerability {id}") }
    });
    let mut full = format!("{} advisory {id}", if kind == "malware" { "Malware" } else { "Vulnerability" });
    let mut help_md = format!("**[{id}]({url})**");
    if let Some(a) = a {
        if !a.aliases.is_empty() {
            let _ = write!(full, " (also {})", a.aliases.join(", "));
            let _ = write!(help_md, " (also {})", a.aliases.join(", "));
        }
        let _ = write!(full, ": {}", sentence(&summary));
        let _ = write!(help_md, ": {}\n\nSeverity: {}", sentence(&summary), a.severity.as_str());
        let _ = write!(full, " Severity {}", a.severity.as_str());
        if let Some(score) = a.score {
            let vector = a.vector.as_deref().map(|v| format!(", {v}")).unwrap_or_default();
            let _ = write!(full, " (CVSS {score:.1}{vector})");
            let _ = write!(help_md, " (CVSS {score:.1}{vector})");
        }
        full.push('.');
        if a.kind == Kind::Malware {
            full.push_str(" Do not install it; treat any machine that installed it as compromised.");
            help_md.push_str(
                "\n\nDo not install it: remove the dependency, rotate the credentials it could reach, and check how it entered the lockfile.",
            );
        } else if a.fixed.is_empty() {
            full.push_str(" No fixed version is published.");
            help_md.push_str("\n\nNo fixed version is published.");
        } else {
            let _ = write!(full, " Fixed in {}.", a.fixed.join(", "));
            let _ = write!(help_md, "\n\nFixed in {}.", a.fixed.join(", "));
        }
    } else {
        let _ = write!(full, ": {}", sentence(&summary));
        let _ = write!(help_md, ": {}", sentence(&summary));
    }
    let help_text = format!("{full} Read it at {url}. The message says which package and what to do.");
    let _ = write!(help_md, "\n\nThe message says which package and what to do.");
    let level = sarif_level(seen_level).unwrap_or("warning");
    let mut properties = json!({"tags": ["security", kind, "supply-chain"], "depgate-level": seen_level.as_str()});
    if let Some(a) = a {
        properties["security-severity"] = json!(super::advisories::security_severity(a));
        properties["advisory-severity"] = json!(a.severity.as_str());
        if !a.aliases.is_empty() {
            properties["aliases"] = json!(a.aliases);
        }
    }
    json!({
        "id": id,
        "name": id,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "helpUri": url,
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    })
}

/// What a rule of the log is: a policy rule code, or an advisory.
enum RuleOf<'a> {
    Policy(Decision),
    Advisory(Option<&'a Advisory>, Decision),
}

impl RuleOf<'_> {
    fn raise(&mut self, level: Decision) {
        let (RuleOf::Policy(seen) | RuleOf::Advisory(_, seen)) = self;
        *seen = (*seen).max(level);
    }
}

/// One result to be: the rule (a code or an advisory id), its level, message, `until`,
/// and the properties an advisory result adds.
struct Found {
    rule: String,
    level: Decision,
    text: String,
    until: Option<String>,
    extra: Option<Value>,
}

struct Pending {
    uri: Option<(String, bool)>,
    line: usize,
    purl: String,
    rule: String,
    level: Decision,
    result: Value,
}

/// The SARIF results of the drift findings (level `warning`, at the tool's line), each
/// with its fingerprint over the file, the setting and the package pattern.
fn cooldown_results(run: &RunInfo) -> Vec<(String, usize, Value)> {
    let Some(c) = super::cooldowns::report(run) else { return Vec::new() };
    c.drift
        .iter()
        .map(|d| {
            let key = format!("{}#{}#{}#{}", d.file, d.setting, d.package.as_deref().unwrap_or("*"), d.ecosystem);
            let mut result = json!({
                "ruleId": crate::cooldowns::drift::RULE,
                "level": "warning",
                "message": {"text": format!("{}\nWhat to do: {}", d.msg, d.remedy)},
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(&key, crate::cooldowns::drift::RULE)},
                "properties": {
                    "tool": d.tool.as_str(),
                    "ecosystem": d.ecosystem.as_str(),
                    "direction": d.direction,
                    "setting": d.setting,
                    "value": d.value,
                    "toolDays": d.tool_days,
                    "depgateDays": d.depgate_days,
                    "depgateSetting": d.depgate_setting,
                    "findingLevel": "warn",
                },
            });
            if let Some(p) = &d.package {
                result["properties"]["package"] = json!(p);
            }
            // A file outside the project (a user's pip.conf) by its file URI; a variable
            // has no location.
            let artifact = if d.file == "environment" {
                None
            } else if std::path::Path::new(&d.file).is_absolute() {
                Some(json!({"uri": file_uri(&d.file)}))
            } else {
                Some(json!({"uri": uri_path(&d.file.replace('\\', "/")), "uriBaseId": SRCROOT}))
            };
            if let Some(artifact) = artifact {
                let mut physical = json!({"artifactLocation": artifact});
                if d.line > 0 {
                    physical["region"] = json!({"startLine": d.line});
                }
                result["locations"] = json!([{"physicalLocation": physical}]);
            }
            (d.file.clone(), d.line, result)
        })
        .collect()
}

/// Render the run's findings as a SARIF 2.1.0 log (UTF-8 JSON, pretty, newline at the end).
pub fn render_sarif(run: &RunInfo, records: &[Record]) -> Vec<u8> {
    let mut rule_levels: BTreeMap<String, RuleOf<'_>> = BTreeMap::new();
    let mut pending = Vec::new();
    for r in records {
        let res = r.resolution.as_ref();
        let uri = if r.package.lockfile.is_empty() {
            None
        } else {
            Some(match relative_lockfile(&r.package.lockfile, run) {
                Some(rel) => (uri_path(&rel), true),
                None => (file_uri(&r.package.lockfile), false),
            })
        };
        // Findings about the same advisory become one result.
        let mut about: BTreeMap<&str, Vec<&LeveledFinding>> = BTreeMap::new();
        for f in &r.findings {
            if let Some(id) = &f.finding.advisory
                && f.level != Decision::Allow
            {
                about.entry(id.as_str()).or_default().push(f);
            }
        }
        let mut results: Vec<Found> = Vec::new();
        for f in &r.findings {
            let Some(_) = sarif_level(f.level) else { continue };
            if f.finding.advisory.is_some() {
                continue;
            }
            let code = f.finding.rule.clone();
            rule_levels.entry(code.clone()).or_insert(RuleOf::Policy(f.level)).raise(f.level);
            results.push(Found {
                rule: code,
                level: f.level,
                text: message(&r.package.purl, &f.finding),
                until: f.finding.until.clone(),
                extra: None,
            });
        }
        for (id, mut fs) in about {
            let advisory = super::advisories::advisory_of(r, id);
            fs.sort_by_key(|f| std::cmp::Reverse(f.level));
            let level = fs[0].level;
            rule_levels.entry(id.to_string()).or_insert(RuleOf::Advisory(advisory, level)).raise(level);
            let text: Vec<String> = fs.iter().map(|f| message(&r.package.purl, &f.finding)).collect();
            let mut extra = json!({
                "advisory": id,
                "depgateRules": fs.iter().map(|f| f.finding.rule.as_str()).collect::<Vec<_>>(),
                "ignored": fs.iter().any(|f| f.finding.rule == super::advisories::IGNORED_RULE),
            });
            if let Some(a) = advisory {
                extra["advisoryKind"] = json!(a.kind);
                extra["advisorySeverity"] = json!(a.severity.as_str());
                if let Some(score) = a.score {
                    extra["cvssScore"] = json!(score);
                }
                extra["fixed"] = json!(a.fixed);
            }
            results.push(Found {
                rule: id.to_string(),
                level,
                text: text.join("\n"),
                until: fs[0].finding.until.clone(),
                extra: Some(extra),
            });
        }
        for Found { rule: code, level: finding_level, text, until, extra } in results {
            let Some(level) = sarif_level(finding_level) else { continue };
            let mut result = json!({
                "ruleId": code,
                "level": level,
                "message": {"text": text},
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(&r.package.purl, &code)},
                "properties": {
                    "purl": r.package.purl,
                    "ecosystem": r.package.ecosystem.as_str(),
                    "decision": r.decision.as_str(),
                    "findingLevel": finding_level.as_str(),
                    "upstream": res.and_then(|x| x.upstream.clone()),
                    "tier": res.and_then(|x| x.tier.clone()),
                    "verification": r.evidence.verification.status(),
                },
            });
            if let Some(u) = &until {
                result["properties"]["until"] = json!(u);
            }
            if let Some(Value::Object(extra)) = extra
                && let Some(props) = result["properties"].as_object_mut()
            {
                props.extend(extra);
            }
            if let Some((u, relative)) = &uri {
                let mut artifact = json!({"uri": u});
                if *relative {
                    artifact["uriBaseId"] = json!(SRCROOT);
                }
                let mut physical = json!({"artifactLocation": artifact});
                if r.package.line > 0 {
                    physical["region"] = json!({"startLine": r.package.line});
                }
                result["locations"] = json!([{"physicalLocation": physical}]);
            }
            pending.push(Pending {
                uri: uri.clone(),
                line: r.package.line,
                purl: r.package.purl.clone(),
                rule: code,
                level: finding_level,
                result,
            });
        }
    }
    // The project's tool settings that drift from depgate's cooldown, at their lines.
    for (file, line, result) in cooldown_results(run) {
        rule_levels.entry(crate::cooldowns::drift::RULE.to_string()).or_insert(RuleOf::Policy(Decision::Warn));
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .map(|u| (u.to_string(), !u.starts_with("file:")));
        pending.push(Pending {
            uri,
            line,
            purl: file,
            rule: crate::cooldowns::drift::RULE.to_string(),
            level: Decision::Warn,
            result,
        });
    }
    pending.sort_by(|a, b| {
        (&a.uri, a.line, &a.purl, &a.rule, std::cmp::Reverse(a.level)).cmp(&(
            &b.uri,
            b.line,
            &b.purl,
            &b.rule,
            std::cmp::Reverse(b.level),
        ))
    });
    let index: BTreeMap<&str, usize> = rule_levels.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let results: Vec<Value> = pending
        .into_iter()
        .map(|mut p| {
            if let Some(i) = index.get(p.rule.as_str()) {
                p.result["ruleIndex"] = json!(i);
            }
            p.result
        })
        .collect();
    let rules: Vec<Value> = rule_levels
        .iter()
        .map(|(code, rule)| match rule {
            RuleOf::Policy(level) => descriptor(code, *level),
            RuleOf::Advisory(a, level) => advisory_descriptor(code, *a, *level),
        })
        .collect();
    let mut driver = json!({
        "name": "depgate",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(uri) = information_uri() {
        driver["informationUri"] = json!(uri);
    }
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": format!("depgate/{}/", run.mode)},
            "results": results,
            "properties": {
                "mode": run.mode,
                "startedAt": run.started_at,
                "decidedAt": run.now,
                "config": run.config,
                "lockfiles": run.lockfiles,
                "policy": run.policy,
            },
        }],
    });
    let mut out = serde_json::to_vec_pretty(&log).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The project's page, from the package metadata (`homepage`, else `repository`).
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")].into_iter().find(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lockfiles: &[&str]) -> RunInfo {
        RunInfo {
            tool: "depgate".into(),
            mode: "check".into(),
            started_at: String::new(),
            now: String::new(),
            config: String::new(),
            project: String::new(),
            lockfiles: lockfiles.iter().map(ToString::to_string).collect(),
            chains: BTreeMap::new(),
            policy: Vec::new(),
            advisories: None,
            cooldowns: None,
            context: crate::audit::RunnerContext::default(),
        }
    }

    #[test]
    fn lockfile_paths_become_project_relative() {
        let r = run(&["package-lock.json", "web/package-lock.json"]);
        assert_eq!(relative_lockfile("./package-lock.json", &r).as_deref(), Some("package-lock.json"));
        assert_eq!(relative_lockfile("./web/package-lock.json", &r).as_deref(), Some("web/package-lock.json"));
        assert_eq!(relative_lockfile("/tmp/p/web/package-lock.json", &r).as_deref(), Some("web/package-lock.json"));
        assert_eq!(relative_lockfile("/elsewhere/poetry.lock", &r), None);
        assert_eq!(relative_lockfile("../x/poetry.lock", &r), None);
        // `depgate check sub`: paths as read start with the project folder.
        assert_eq!(relative_lockfile("sub/web/package-lock.json", &r).as_deref(), Some("web/package-lock.json"));
        assert_eq!(relative_lockfile("sub/poetry.lock", &r).as_deref(), Some("sub/poetry.lock"));
        assert_eq!(uri_path("a b/ü.lock"), "a%20b/%C3%BC.lock");
        assert_eq!(file_uri("/elsewhere/poetry.lock"), "file:///elsewhere/poetry.lock");
    }

    #[test]
    fn one_rule_per_advisory_with_security_severity() {
        let records = crate::report::advisories::fixtures::records();
        let log: Value = serde_json::from_slice(&render_sarif(&run(&["package-lock.json"]), &records)).unwrap();
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["GHSA-35jh-r3h4-6jhm", "GHSA-mod0-mod0-mod0", "MAL-2024-1", "fallback-cooldown"]);
        let ghsa = &rules[0];
        assert_eq!(ghsa["shortDescription"]["text"], "Command Injection in lodash");
        assert_eq!(ghsa["helpUri"], "https://github.com/advisories/GHSA-35jh-r3h4-6jhm");
        assert_eq!(ghsa["properties"]["security-severity"], "7.2");
        assert_eq!(ghsa["properties"]["tags"], json!(["security", "vulnerability", "supply-chain"]));
        assert_eq!(ghsa["defaultConfiguration"]["level"], "error");
        assert_eq!(rules[1]["properties"]["security-severity"], "5.5", "moderate without a score");
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
        assert_eq!(rules[2]["properties"]["security-severity"], "9.5", "malware");
        assert_eq!(rules[2]["properties"]["tags"][1], "malware");
        assert_eq!(rules[3], descriptor("fallback-cooldown", Decision::Warn), "policy rules are unchanged");

        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 4, "the two lodash findings about one advisory are one result");
        let lodash = &results[0];
        assert_eq!((lodash["ruleId"].as_str(), lodash["ruleIndex"].as_u64()), (Some("GHSA-35jh-r3h4-6jhm"), Some(0)));
        assert_eq!(lodash["level"], "error");
        assert_eq!(lodash["properties"]["depgateRules"], json!(["vulnerability", "vulnerability-unfixed"]));
        assert_eq!(lodash["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
        assert_eq!(
            lodash["partialFingerprints"][FINGERPRINT_KEY],
            fingerprint("pkg:npm/lodash@4.17.20", "GHSA-35jh-r3h4-6jhm")
        );
        let text = lodash["message"]["text"].as_str().unwrap();
        assert!(text.contains("(high)") && text.contains("no fix"), "{text}");
        let ignored = results.iter().find(|r| r["ruleId"] == "GHSA-mod0-mod0-mod0").unwrap();
        assert_eq!((&ignored["level"], &ignored["properties"]["ignored"]), (&json!("warning"), &json!(true)));
    }

    #[test]
    fn names_and_levels() {
        assert_eq!(pascal_case("fallback-cooldown"), "FallbackCooldown");
        assert_eq!(sarif_level(Decision::Quarantine), Some("error"));
        assert_eq!(sarif_level(Decision::Warn), Some("warning"));
        assert_eq!(sarif_level(Decision::Allow), None);
        assert_ne!(fingerprint("pkg:npm/a@1", "x"), fingerprint("pkg:npm/a@1", "y"));
    }
}
