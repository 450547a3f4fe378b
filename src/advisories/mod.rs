//! Known-bad versions: vulnerability and malware advisories in the OSV schema (GHSA,
//! PYSEC, `OpenSSF` `MAL-`, osv.dev's exports, an organisation's own records).
//!
//! - [`osv`]: the records (JSON or YAML) → [`osv::Record`]; pure.
//! - [`matching`]: does an `affected` entry name a version (the OSV schema's event walk,
//!   in each ecosystem's ordering); pure.
//! - [`severity`]: CVSS vectors and publishers' ratings → a level and a score; pure.
//! - [`database`]: records filed by package; the merged [`Advisory`] list of a version.
//! - [`store`]: reading folders, `all.zip` exports and osv-scanner's offline cache; an
//!   export is parsed once and indexed by package (`index`), so later runs read only the
//!   records of the packages they ask about.
//!
//! Fetching (`depgate advisories sync`, the OSV API) lives in `upstream::osv`; the
//! evidence kind that puts advisories into each record lives in `engine::evidence`.

pub mod database;
mod index;
pub mod matching;
pub mod osv;
pub mod severity;
pub mod store;

use std::time::Duration;

use time::OffsetDateTime;

pub use database::{Advisory, Database, Kind, SourceInfo};
pub use severity::Level;

/// Parse a duration as people write it: `2d`, `36h`, `90m`, `1w`, `45s`; `never` is
/// `None` (no limit).
pub fn parse_max_age(s: &str) -> Result<Option<Duration>, String> {
    let s = s.trim();
    if s == "never" {
        return Ok(None);
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a duration (write 2d, 36h, 90m, 1w, or never)"))?;
    let secs = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("`{s}` is not a duration (write 2d, 36h, 90m, 1w, or never)")),
    };
    Ok(Some(Duration::from_secs(n.saturating_mul(secs))))
}

/// A duration as people read it: `2d`, `36h`, `5m`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 86_400 && s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else if s >= 3600 {
        format!("{:.1}h", d.as_secs_f64() / 3600.0)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Fail closed on a stale database: every source must have been fetched within
/// `max_age` of `now` (`None`: no limit). The error names the oldest source.
pub fn check_fresh(db: &Database, now: OffsetDateTime, max_age: Option<Duration>) -> Result<(), String> {
    let Some(max) = max_age else { return Ok(()) };
    for s in &db.sources {
        let Some(at) = s.fetched_at else {
            return Err(format!(
                "advisory database {} has no fetch time, so its age cannot be checked\n  help: run `depgate advisories sync`, or pass --advisories-max-age never to accept it as it is",
                s.location
            ));
        };
        let age = now - at;
        if age > time::Duration::try_from(max).unwrap_or(time::Duration::MAX) {
            let age = Duration::try_from(age).unwrap_or_default();
            return Err(format!(
                "advisory database {} is {} old, older than max_age {} (fetched {}): a stale database is not a clean scan\n  help: run `depgate advisories sync` (or refresh the folder), or raise [advisories] max_age / pass --advisories-max-age",
                s.location,
                human_duration(age),
                human_duration(max),
                at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print() {
        assert_eq!(parse_max_age("2d").unwrap(), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_max_age("never").unwrap(), None);
        assert!(parse_max_age("2 days").is_err());
        assert!(parse_max_age("d").is_err());
        assert_eq!(human_duration(Duration::from_secs(172_800)), "2d");
        assert_eq!(human_duration(Duration::from_secs(5400)), "1.5h");
    }

    #[test]
    fn a_stale_database_is_an_error_naming_it() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let source = |age_h: i64| SourceInfo {
            location: "db/npm/all.zip".into(),
            kind: "zip",
            digest: "sha256:00".into(),
            fetched_at: Some(now - time::Duration::hours(age_h)),
            records: std::collections::BTreeMap::new(),
        };
        let two_days = Some(Duration::from_secs(172_800));
        let fresh = Database::new(Vec::new(), vec![source(47)]);
        assert!(check_fresh(&fresh, now, two_days).is_ok());
        let stale = Database::new(Vec::new(), vec![source(49)]);
        let err = check_fresh(&stale, now, two_days).unwrap_err();
        assert!(err.contains("db/npm/all.zip") && err.contains("older than max_age 2d"), "{err}");
        assert!(check_fresh(&stale, now, None).is_ok());
    }
}
