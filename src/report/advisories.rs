//! What every report says about advisories, computed once: which advisory names which
//! package version ([`rows`], from each record's `advisories.matched`), how the policy
//! treated it (the findings whose `advisory` is its id: denied, warned, ignored), the
//! order reports list them in (malware, then critical, high, moderate, low, unknown), and
//! the translations other formats need (SARIF's `security-severity`, `CycloneDX`'s
//! severities and rating methods). Pure, like the rest of `report`.

use std::fmt::Write as _;

use super::{AdvisoriesRun, RunInfo};
use crate::advisories::{Advisory, Kind, Level};
use crate::engine::{AdvisoryCheck, Decision, LeveledFinding, NotChecked, Record};

/// The rule the builtin policy fires for an advisory that `[advisories.ignore]` accepts.
pub const IGNORED_RULE: &str = "advisory-ignored";

/// The groups reports list advisories in, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Malware,
    Critical,
    High,
    Moderate,
    Low,
    Unknown,
}

impl Group {
    pub const ALL: [Group; 6] =
        [Group::Malware, Group::Critical, Group::High, Group::Moderate, Group::Low, Group::Unknown];

    pub fn of(a: &Advisory) -> Group {
        if a.kind == Kind::Malware {
            return Group::Malware;
        }
        match a.severity {
            Level::Critical => Group::Critical,
            Level::High => Group::High,
            Level::Moderate => Group::Moderate,
            Level::Low => Group::Low,
            Level::Unknown => Group::Unknown,
        }
    }

    /// The heading people read.
    pub fn title(self) -> &'static str {
        match self {
            Group::Malware => "Malware",
            Group::Critical => "Critical",
            Group::High => "High",
            Group::Moderate => "Moderate",
            Group::Low => "Low",
            Group::Unknown => "Unknown severity",
        }
    }
}

/// One advisory about one package version, and what the policy made of it.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub record: &'a Record,
    pub advisory: &'a Advisory,
    /// The findings about this advisory (`finding.advisory` is its id), in record order.
    pub findings: Vec<&'a LeveledFinding>,
}

impl Row<'_> {
    /// Accepted by `[advisories.ignore]` (the `advisory-ignored` rule fired for it).
    pub fn ignored(&self) -> bool {
        self.findings.iter().any(|f| f.finding.rule == IGNORED_RULE)
    }

    /// The most severe level of its findings (`None`: no rule fired for it).
    pub fn level(&self) -> Option<Decision> {
        self.findings.iter().map(|f| f.level).max()
    }

    /// In words: `ignored`, `deny`, `warn`, … or `no finding`.
    pub fn status(&self) -> &'static str {
        if self.ignored() { "ignored" } else { self.level().map_or("no finding", Decision::as_str) }
    }
}

/// The findings of `record` about advisory `id` (by its lead id or one of its aliases).
pub fn findings_about<'a>(record: &'a Record, a: &Advisory) -> Vec<&'a LeveledFinding> {
    record
        .findings
        .iter()
        .filter(|f| f.finding.advisory.as_deref().is_some_and(|id| id == a.id || a.aliases.iter().any(|x| x == id)))
        .collect()
}

/// Every (advisory, package version) of the run: malware first, then by severity, then
/// by advisory id and purl. A purl locked in several lockfiles is listed once per record.
pub fn rows(records: &[Record]) -> Vec<Row<'_>> {
    let mut out: Vec<Row<'_>> = records
        .iter()
        .flat_map(|r| {
            r.evidence.advisories.matched().iter().map(move |a| Row {
                record: r,
                advisory: a,
                findings: findings_about(r, a),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            Group::of(a.advisory),
            &a.advisory.id,
            &a.record.package.purl,
            &a.record.package.lockfile,
            a.record.package.line,
        )
            .cmp(&(
                Group::of(b.advisory),
                &b.advisory.id,
                &b.record.package.purl,
                &b.record.package.lockfile,
                b.record.package.line,
            ))
    });
    out
}

/// The advisory a finding names, looked up in its record's matches.
pub fn advisory_of<'a>(record: &'a Record, id: &str) -> Option<&'a Advisory> {
    record.evidence.advisories.matched().iter().find(|a| a.id == id || a.aliases.iter().any(|x| x == id))
}

/// How many records were not matched against advisories, by reason (`not registry`,
/// `failed`); not-configured records are not counted (the run line says so).
pub fn not_checked(records: &[Record]) -> (usize, usize) {
    let mut not_registry = 0;
    let mut failed = 0;
    for r in records {
        match r.evidence.advisories {
            AdvisoryCheck::NotChecked { reason: NotChecked::NotRegistry } => not_registry += 1,
            AdvisoryCheck::NotChecked { reason: NotChecked::Failed } => failed += 1,
            _ => {}
        }
    }
    (not_registry, failed)
}

/// `sha256:ae1273c2708f` (the first 12 hex digits): enough to tell databases apart.
pub fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.get(..12).unwrap_or(hex)),
        None => digest.get(..19).unwrap_or(digest).to_string(),
    }
}

/// One line about the database a run used, for the summary and the terminal:
/// `offline database sha256:ae1273c2708f (db, fetched 2026-…Z) · max_age 2d · overrides: --advisories-db db`,
/// or that advisories were not checked.
pub fn database_line(run: &RunInfo) -> String {
    let Some(a) = &run.advisories else { return "not checked (no [advisories] configured)".into() };
    database_text(a)
}

fn database_text(a: &AdvisoriesRun) -> String {
    let mut out = format!("{} database {}", a.source, short_digest(&a.database));
    let sources: Vec<String> = a
        .sources
        .iter()
        .map(|s| {
            let at = s
                .fetched_at
                .and_then(|t| t.replace_nanosecond(0).ok()?.format(&time::format_description::well_known::Rfc3339).ok())
                .map_or_else(|| "no fetch time".to_string(), |t| format!("fetched {t}"));
            format!("{}, {at}", s.location)
        })
        .collect();
    if !sources.is_empty() {
        let _ = write!(out, " ({})", sources.join("; "));
    }
    let _ = write!(out, " · max_age {}", a.max_age);
    if !a.overrides.is_empty() {
        let _ = write!(out, " · overrides: {}", a.overrides.join(", "));
    }
    out
}

/// SARIF `properties.security-severity` (GitHub code scanning reads it: 9.0 and above is
/// critical, 7.0 high, 4.0 medium, above 0 low): the advisory's CVSS base score, one
/// decimal. Without a score, a value inside the band of its level: critical 9.5, high
/// 8.0, moderate 5.5, low 2.0, and unknown 8.0 (policy counts an unrated advisory as
/// high, never as harmless). Malware is never below critical: 9.5 unless it carries a
/// score of 9.0 or more.
pub fn security_severity(a: &Advisory) -> String {
    let band = match a.severity {
        Level::Critical => 9.5,
        Level::High | Level::Unknown => 8.0,
        Level::Moderate => 5.5,
        Level::Low => 2.0,
    };
    let score = match (a.kind, a.score) {
        (Kind::Malware, Some(s)) if s >= 9.0 => s,
        (Kind::Malware, _) => 9.5,
        (Kind::Vulnerability, Some(s)) => s,
        (Kind::Vulnerability, None) => band,
    };
    format!("{:.1}", score.clamp(0.0, 10.0))
}

/// The `CycloneDX` 1.6 severity of a level (`moderate` is `medium` there).
pub fn cdx_severity(a: &Advisory) -> &'static str {
    if a.kind == Kind::Malware {
        return "critical";
    }
    match a.severity {
        Level::Critical => "critical",
        Level::High => "high",
        Level::Moderate => "medium",
        Level::Low => "low",
        Level::Unknown => "unknown",
    }
}

/// The `CycloneDX` 1.6 rating method of a CVSS vector, from its prefix (`CVSS:4.0/` →
/// `CVSSv4`, `CVSS:3.1/` → `CVSSv31`, `CVSS:3.0/` → `CVSSv3`, a v2 vector → `CVSSv2`),
/// else `other`.
pub fn cvss_method(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4.0/") {
        "CVSSv4"
    } else if vector.starts_with("CVSS:3.1/") {
        "CVSSv31"
    } else if vector.starts_with("CVSS:3.0/") {
        "CVSSv3"
    } else if vector.starts_with("AV:") || vector.starts_with("(AV:") {
        "CVSSv2"
    } else {
        "other"
    }
}

/// Records and runs with advisories, for the renderers' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ecosystem::Ecosystem;
    use crate::engine::{Evidence, PackageInfo, PackageSource};
    use crate::policy::Finding;

    pub(crate) fn advisory(id: &str, kind: Kind, severity: Level, score: Option<f64>) -> Advisory {
        Advisory {
            id: id.into(),
            aliases: Vec::new(),
            records: vec![id.into()],
            kind,
            summary: Some(format!("summary of {id}")),
            severity,
            score,
            vector: None,
            affected: vec![">=0".into()],
            fixed: Vec::new(),
            published: None,
            modified: None,
            url: crate::advisories::database::advisory_url(id),
            source: "db".into(),
            digest: "sha256:00".into(),
        }
    }

    pub(crate) fn record(name: &str, version: &str, line: usize) -> Record {
        Record {
            package: PackageInfo {
                ecosystem: Ecosystem::Npm,
                name: name.into(),
                version: version.into(),
                purl: format!("pkg:npm/{name}@{version}"),
                direct: true,
                dev: false,
                optional: false,
                bundled: false,
                package_manager: false,
                source: PackageSource::Registry,
                location: None,
                alias: None,
                classifier: None,
                extension: None,
                lockfile: "package-lock.json".into(),
                line,
                image: None,
            },
            resolution: None,
            evidence: Evidence::none(),
            license: None,
            decision: Decision::Allow,
            findings: Vec::new(),
        }
    }

    fn finding(level: Decision, rule: &str, advisory: Option<&str>, msg: &str) -> LeveledFinding {
        LeveledFinding {
            level,
            finding: Finding {
                rule: rule.into(),
                msg: msg.into(),
                remedy: Some(format!("fix {rule}")),
                until: None,
                advisory: advisory.map(str::to_string),
            },
        }
    }

    /// lodash 4.17.20: a high GHSA (CVSS 7.2, fixed in 4.17.21), denied; evil-pkg: malware,
    /// denied; minimist: a moderate one without a score, ignored, and a fallback warning;
    /// left-pad: clean.
    pub(crate) fn records() -> Vec<Record> {
        let db = "sha256:ae1273c2708fc59abb5e8ad21666e66c1505ef3462a69ea2172c32c63693d518".to_string();
        let mut ghsa = advisory("GHSA-35jh-r3h4-6jhm", Kind::Vulnerability, Level::High, Some(7.2));
        ghsa.aliases = vec!["CVE-2021-23337".into()];
        ghsa.fixed = vec!["4.17.21".into()];
        ghsa.summary = Some("Command Injection in lodash".into());
        ghsa.vector = Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H".into());
        let mut lodash = record("lodash", "4.17.20", 2);
        lodash.evidence.advisories =
            AdvisoryCheck::Checked { database: db.clone(), matched: vec![ghsa], upgrade: Vec::new() };
        lodash.decision = Decision::Deny;
        lodash.findings = vec![
            finding(Decision::Deny, "vulnerability", Some("GHSA-35jh-r3h4-6jhm"), "lodash: GHSA-35jh-r3h4-6jhm (high)"),
            finding(Decision::Warn, "vulnerability-unfixed", Some("GHSA-35jh-r3h4-6jhm"), "lodash: no fix"),
        ];
        let mut evil = record("evil-pkg", "1.0.0", 3);
        evil.evidence.advisories = AdvisoryCheck::Checked {
            database: db.clone(),
            matched: vec![advisory("MAL-2024-1", Kind::Malware, Level::Critical, None)],
            upgrade: Vec::new(),
        };
        evil.decision = Decision::Deny;
        evil.findings = vec![finding(Decision::Deny, "malware", Some("MAL-2024-1"), "evil-pkg: malware")];
        let mut minimist = record("minimist", "1.2.5", 4);
        minimist.evidence.advisories = AdvisoryCheck::Checked {
            database: db.clone(),
            matched: vec![advisory("GHSA-mod0-mod0-mod0", Kind::Vulnerability, Level::Moderate, None)],
            upgrade: Vec::new(),
        };
        minimist.decision = Decision::Warn;
        minimist.findings = vec![
            finding(
                Decision::Warn,
                "advisory-ignored",
                Some("GHSA-mod0-mod0-mod0"),
                "minimist: ignored until 2027-01-01",
            ),
            finding(Decision::Warn, "fallback-cooldown", None, "minimist: young"),
        ];
        let mut clean = record("left-pad", "1.3.0", 5);
        clean.evidence.advisories = AdvisoryCheck::Checked { database: db, matched: Vec::new(), upgrade: Vec::new() };
        vec![lodash, evil, minimist, clean]
    }

    pub(crate) fn run(advisories: bool) -> RunInfo {
        RunInfo {
            tool: "depgate".into(),
            mode: "check".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            now: "2026-01-01T00:00:00Z".into(),
            config: "embedded default".into(),
            project: String::new(),
            lockfiles: vec!["package-lock.json".into()],
            chains: BTreeMap::new(),
            policy: vec!["builtin".into()],
            advisories: advisories.then(|| AdvisoriesRun {
                source: "offline",
                database: "sha256:ae1273c2708fc59abb5e8ad21666e66c1505ef3462a69ea2172c32c63693d518".into(),
                sources: vec![crate::advisories::SourceInfo {
                    location: "db".into(),
                    kind: "folder",
                    digest: "sha256:9a55431da9e301b63372f8cf26e38793b669eb8ac10656161d10f5487a178025".into(),
                    fetched_at: time::OffsetDateTime::from_unix_timestamp(1_767_225_600).ok(),
                    records: BTreeMap::from([("npm".to_string(), 3)]),
                }],
                max_age: "never".into(),
                overrides: vec!["--advisories-max-age never".into()],
            }),
            cooldowns: None,
            context: crate::audit::RunnerContext::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{advisory, records, run};
    use super::*;

    #[test]
    fn rows_order_and_status() {
        let records = records();
        let rows = rows(&records);
        let seen: Vec<(&str, &str)> = rows.iter().map(|r| (r.advisory.id.as_str(), r.status())).collect();
        assert_eq!(seen, [("MAL-2024-1", "deny"), ("GHSA-35jh-r3h4-6jhm", "deny"), ("GHSA-mod0-mod0-mod0", "ignored")]);
        assert_eq!(rows[1].findings.len(), 2);
        assert_eq!(
            database_line(&run(true)),
            "offline database sha256:ae1273c2708f (db, fetched 2026-01-01T00:00:00Z) · max_age never · overrides: --advisories-max-age never"
        );
        assert_eq!(database_line(&run(false)), "not checked (no [advisories] configured)");
    }

    #[test]
    fn security_severity_is_the_score_or_the_band() {
        let v = |level, score| advisory("GHSA-x", Kind::Vulnerability, level, score);
        assert_eq!(security_severity(&v(Level::High, Some(7.2))), "7.2");
        assert_eq!(security_severity(&v(Level::Critical, Some(10.0))), "10.0");
        assert_eq!(security_severity(&v(Level::Critical, None)), "9.5");
        assert_eq!(security_severity(&v(Level::High, None)), "8.0");
        assert_eq!(security_severity(&v(Level::Moderate, None)), "5.5");
        assert_eq!(security_severity(&v(Level::Low, None)), "2.0");
        assert_eq!(security_severity(&v(Level::Unknown, None)), "8.0");
        let mal = |score| advisory("MAL-1", Kind::Malware, Level::Critical, score);
        assert_eq!(security_severity(&mal(None)), "9.5");
        assert_eq!(security_severity(&mal(Some(3.0))), "9.5", "malware is never below critical");
        assert_eq!(security_severity(&mal(Some(9.8))), "9.8");
    }

    #[test]
    fn cyclonedx_names() {
        assert_eq!(cvss_method("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"), "CVSSv31");
        assert_eq!(cvss_method("CVSS:3.0/AV:N"), "CVSSv3");
        assert_eq!(cvss_method("CVSS:4.0/AV:N/AC:L"), "CVSSv4");
        assert_eq!(cvss_method("AV:N/AC:L/Au:N/C:P/I:P/A:P"), "CVSSv2");
        assert_eq!(cvss_method("garbage"), "other");
        assert_eq!(cdx_severity(&advisory("G", Kind::Vulnerability, Level::Moderate, None)), "medium");
        assert_eq!(cdx_severity(&advisory("M", Kind::Malware, Level::Low, None)), "critical");
        assert_eq!(short_digest("sha256:ae1273c2708fc59abb5e"), "sha256:ae1273c2708f");
    }

    #[test]
    fn groups_put_malware_first() {
        let mal = advisory("MAL-1", Kind::Malware, Level::Critical, None);
        let low = advisory("GHSA-l", Kind::Vulnerability, Level::Low, None);
        let unknown = advisory("GHSA-u", Kind::Vulnerability, Level::Unknown, None);
        assert!(Group::of(&mal) < Group::of(&advisory("GHSA-c", Kind::Vulnerability, Level::Critical, None)));
        assert!(Group::of(&low) < Group::of(&unknown));
    }
}
