//! OSV records (<https://ossf.github.io/osv-schema/>) as depgate keeps them: the fields
//! matching, severity and the reports need, and nothing else (`details` is cut to a
//! summary line, `references` and `credits` are skipped), so a database of a few hundred
//! thousand records stays small. Pure: bytes in, records out.

use serde::Deserialize;

/// One OSV record. (Serialized only into depgate's own index of a database, in this
/// reduced form.)
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    /// Set when the record was withdrawn: it never matches.
    pub withdrawn: Option<String>,
    pub aliases: Vec<String>,
    /// `summary`, else the first line of `details` (at most 200 characters).
    pub summary: Option<String>,
    pub severity: Vec<SeverityEntry>,
    pub affected: Vec<Affected>,
    /// `database_specific.severity` (GitHub's rating: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
    pub rated: Option<String>,
    /// `database_specific.cwe_ids` (GitHub marks malware with CWE-506).
    pub cwe_ids: Vec<String>,
}

/// One `severity` entry: a scoring system and its vector.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct SeverityEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// One `affected` entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Affected {
    /// The OSV ecosystem (`npm`, `PyPI`, `Maven`, …), without a `:suffix`.
    pub ecosystem: String,
    pub name: String,
    pub severity: Vec<SeverityEntry>,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
}

/// The ordering a range's versions are compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum RangeKind {
    /// The package ecosystem's own ordering.
    Ecosystem,
    /// Semantic Versioning 2.0.
    Semver,
    /// Commit hashes: depgate matches packages by version, so these never match.
    Git,
}

/// One `ranges` entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RecordError(pub String);

// The wire shapes. Unknown fields are skipped (the schema grows); a field of the wrong
// type is an error that names the field.
#[derive(Deserialize)]
struct WireRecord {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<SeverityEntry>>,
    #[serde(default)]
    affected: Option<Vec<WireAffected>>,
    #[serde(default)]
    database_specific: Option<WireDbSpecific>,
}

#[derive(Deserialize, Default)]
struct WireDbSpecific {
    #[serde(default)]
    severity: Option<serde_json::Value>,
    #[serde(default)]
    cwe_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct WireAffected {
    #[serde(default)]
    package: Option<WirePackage>,
    #[serde(default)]
    severity: Option<Vec<SeverityEntry>>,
    #[serde(default)]
    ranges: Option<Vec<WireRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct WirePackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct WireRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<WireEvent>,
}

#[derive(Deserialize)]
struct WireEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

/// Read one record from JSON.
pub fn parse_json(bytes: &[u8]) -> Result<Record, RecordError> {
    let wire: WireRecord = serde_json::from_slice(bytes)
        .map_err(|e| RecordError(format!("line {} column {}: {e}", e.line(), e.column())))?;
    convert(wire)
}

/// Read one record from YAML (the `PyPA` advisory database's format).
pub fn parse_yaml(text: &str) -> Result<Record, RecordError> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| {
        let m = e.marker();
        RecordError(format!("line {} column {}: {}", m.line(), m.col() + 1, e.info()))
    })?;
    let [doc] = docs.as_slice() else {
        return Err(RecordError(format!("holds {} YAML documents; an OSV record is one", docs.len())));
    };
    let value = crate::yaml::to_json(doc).map_err(RecordError)?;
    let wire: WireRecord = serde_json::from_value(value).map_err(|e| RecordError(e.to_string()))?;
    convert(wire)
}

fn convert(w: WireRecord) -> Result<Record, RecordError> {
    if w.id.trim().is_empty() {
        return Err(RecordError("the record has an empty `id`".into()));
    }
    let summary = w.summary.filter(|s| !s.trim().is_empty()).or_else(|| {
        let line = w.details.as_deref()?.lines().map(str::trim).find(|l| !l.is_empty())?;
        Some(line.chars().take(200).collect())
    });
    let db = w.database_specific.unwrap_or_default();
    let mut affected = Vec::new();
    for a in w.affected.unwrap_or_default() {
        let Some(p) = a.package else { continue };
        // `Debian:11`, `Alpine:v3.18`: the part before `:` is the ecosystem.
        let ecosystem = p.ecosystem.split(':').next().unwrap_or_default().to_string();
        let mut ranges = Vec::new();
        for r in a.ranges.unwrap_or_default() {
            let kind = match r.kind.as_str() {
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "SEMVER" => RangeKind::Semver,
                "GIT" => RangeKind::Git,
                other => return Err(RecordError(format!("{}: unknown range type `{other}`", w.id))),
            };
            let mut events = Vec::with_capacity(r.events.len());
            for e in r.events {
                events.push(match (e.introduced, e.fixed, e.last_affected, e.limit) {
                    (Some(v), None, None, None) => Event::Introduced(v),
                    (None, Some(v), None, None) => Event::Fixed(v),
                    (None, None, Some(v), None) => Event::LastAffected(v),
                    (None, None, None, Some(v)) => Event::Limit(v),
                    _ => {
                        return Err(RecordError(format!(
                            "{}: a range event must hold exactly one of introduced, fixed, last_affected, limit",
                            w.id
                        )));
                    }
                });
            }
            ranges.push(Range { kind, events });
        }
        affected.push(Affected {
            ecosystem,
            name: p.name,
            severity: a.severity.unwrap_or_default(),
            ranges,
            versions: a.versions.unwrap_or_default(),
        });
    }
    Ok(Record {
        id: w.id,
        modified: w.modified,
        published: w.published,
        withdrawn: w.withdrawn,
        aliases: w.aliases.unwrap_or_default(),
        summary,
        severity: w.severity.unwrap_or_default(),
        affected,
        rated: db.severity.and_then(|v| v.as_str().map(str::to_string)),
        cwe_ids: db.cwe_ids.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_records_read_the_same() {
        let json = br#"{"id":"GHSA-x","modified":"2024-01-01T00:00:00Z","aliases":["CVE-1"],
            "details":"\n  First line.\nSecond.","affected":[{"package":{"ecosystem":"PyPI","name":"Foo"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}],"versions":["1.0"]}],
            "database_specific":{"severity":"HIGH","cwe_ids":["CWE-79"]},"references":[{"type":"WEB","url":"x"}]}"#;
        let yaml = "id: GHSA-x\nmodified: '2024-01-01T00:00:00Z'\naliases: [CVE-1]\ndetails: |\n  First line.\n  Second.\naffected:\n- package: {ecosystem: PyPI, name: Foo}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: '1.2'\n  versions: ['1.0']\ndatabase_specific: {severity: HIGH, cwe_ids: [CWE-79]}\n";
        let a = parse_json(json).unwrap();
        let b = parse_yaml(yaml).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.summary.as_deref(), Some("First line."));
        assert_eq!(a.affected[0].ranges[0].events, vec![Event::Introduced("0".into()), Event::Fixed("1.2".into())]);
        assert_eq!(a.rated.as_deref(), Some("HIGH"));
    }

    #[test]
    fn bad_records_say_why() {
        assert!(parse_json(b"{}").unwrap_err().0.contains("id"));
        let two = br#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}"#;
        assert!(parse_json(two).unwrap_err().0.contains("exactly one"));
        assert!(parse_yaml("id: [").is_err());
    }
}
