//! Severity of an advisory: a level people and policy compare (`low` < `moderate` <
//! `high` < `critical`, GitHub's names) and, when the record has a CVSS vector, its
//! base score. Scores come from the vectors (the `cvss` crate: v3.0, v3.1, v4.0, v2);
//! the level is the publisher's own rating when it gives one (GitHub's
//! `database_specific.severity`), else the score's band. A record with neither is
//! `unknown`, which policy treats as `high` (never as harmless).

use serde::Serialize;

use super::osv::SeverityEntry;

/// The qualitative level of an advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No rating and no vector that scores.
    Unknown,
    Low,
    Moderate,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Low => "low",
            Level::Moderate => "moderate",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// A level as configured or rated (`medium` is `moderate`, as GitHub calls it).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "low" => Level::Low,
            "moderate" | "medium" => Level::Moderate,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }

    /// The level a CVSS base score falls in (CVSS v3.1 §5 bands; 0.0 is `low` here:
    /// an advisory still names the version).
    pub fn of_score(score: f64) -> Level {
        if score >= 9.0 {
            Level::Critical
        } else if score >= 7.0 {
            Level::High
        } else if score >= 4.0 {
            Level::Moderate
        } else {
            Level::Low
        }
    }

    /// The level used against a threshold: `unknown` counts as `high`.
    #[must_use]
    pub fn for_threshold(self) -> Level {
        if self == Level::Unknown { Level::High } else { self }
    }
}

/// A severity: level, and the score and vector it came from when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    pub level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

/// The best scoring vector among `entries`: CVSS v4 over v3 over v2 (newer versions of
/// the standard first), and its score.
fn best_vector(entries: &[SeverityEntry]) -> Option<(f64, &str)> {
    let rank = |kind: &str| match kind {
        "CVSS_V4" => 3,
        "CVSS_V3" => 2,
        "CVSS_V2" => 1,
        _ => 0,
    };
    let mut scored: Vec<(i32, f64, &str)> = entries
        .iter()
        .filter(|e| rank(&e.kind) > 0)
        .filter_map(|e| {
            let v: cvss::Cvss = e.score.parse().ok()?;
            Some((rank(&e.kind), v.score(), e.score.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    scored.first().map(|(_, s, v)| (*s, *v))
}

/// The severity of a record from its `severity` entries (the record's and the matching
/// `affected` entry's) and the publisher's rating.
pub fn assess(entries: &[SeverityEntry], rated: Option<&str>) -> Severity {
    let scored = best_vector(entries);
    let level =
        rated.and_then(Level::parse).or_else(|| scored.map(|(s, _)| Level::of_score(s))).unwrap_or(Level::Unknown);
    Severity { level, score: scored.map(|(s, _)| s), vector: scored.map(|(_, v)| v.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: &str, score: &str) -> SeverityEntry {
        SeverityEntry { kind: kind.into(), score: score.into() }
    }

    #[test]
    fn vectors_score_and_ratings_win_the_level() {
        let v3 = e("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        let s = assess(std::slice::from_ref(&v3), None);
        assert_eq!((s.level, s.score), (Level::Critical, Some(9.8)));
        let s = assess(std::slice::from_ref(&v3), Some("MODERATE"));
        assert_eq!(s.level, Level::Moderate, "the publisher's rating is the level");
        let v4 = e("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
        let s = assess(&[v3, v4], None);
        assert!(s.vector.unwrap().starts_with("CVSS:4.0"));
        assert_eq!(assess(&[e("CVSS_V3", "garbage")], None).level, Level::Unknown);
        assert_eq!(Level::Unknown.for_threshold(), Level::High);
        assert_eq!(Level::parse("Medium"), Some(Level::Moderate));
    }
}
