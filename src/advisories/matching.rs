//! Does an OSV `affected` entry name this version? The OSV schema's rules, exactly:
//!
//! - a version in the entry's `versions` list is affected (equal in the ecosystem's own
//!   ordering, so `PyPI` `1.0` and `1.0.0` are one version);
//! - each `ECOSYSTEM` or `SEMVER` range is evaluated by walking its events in version
//!   order (`introduced: "0"` first): `introduced` at or below the version turns it on,
//!   `fixed` at or below turns it off, `last_affected` below turns it off; with `limit`
//!   events the version must also be below one of them. `GIT` ranges name commits, which
//!   a lockfile version is not: they never match;
//! - `ECOSYSTEM` ranges compare in the ecosystem's ordering (npm: Semantic Versioning as
//!   node-semver orders it, `PyPI`: PEP 440, Maven: `ComparableVersion`); `SEMVER` ranges
//!   in Semantic Versioning whatever the ecosystem.
//!
//! An event version that does not parse in the ordering is skipped (it cannot be placed);
//! a package version that does not parse matches only the `versions` list.

use std::cmp::Ordering;

use super::osv::{Affected, Event, Range, RangeKind};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::maven::version::MavenVersion;
use crate::ecosystem::pypi::Version as PypiVersion;

/// The OSV ecosystem name of a depgate ecosystem.
pub fn osv_ecosystem(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Npm => "npm",
        Ecosystem::Pypi => "PyPI",
        Ecosystem::Maven => "Maven",
        // OSV files no advisories by image; images are never matched (see `gated`).
        Ecosystem::Oci => "OCI",
    }
}

/// The depgate ecosystem of an OSV ecosystem name, when depgate gates it.
pub fn ecosystem_of(osv: &str) -> Option<Ecosystem> {
    match osv {
        "npm" => Some(Ecosystem::Npm),
        "PyPI" => Some(Ecosystem::Pypi),
        "Maven" => Some(Ecosystem::Maven),
        _ => None,
    }
}

/// The name records are filed under: `PyPI` names in PEP 503 normal form (records and
/// lockfiles spell them in many ways), others as they are.
pub fn key_name(eco: Ecosystem, name: &str) -> String {
    match eco {
        Ecosystem::Pypi => crate::ecosystem::pypi::normalize_name(name),
        Ecosystem::Npm | Ecosystem::Maven | Ecosystem::Oci => name.to_string(),
    }
}

/// A version parsed in one ordering.
#[derive(Debug, Clone)]
enum Parsed {
    Semver(semver::Version),
    Pypi(PypiVersion),
    Maven(MavenVersion),
}

impl Parsed {
    fn cmp(&self, other: &Parsed) -> Option<Ordering> {
        match (self, other) {
            (Parsed::Semver(a), Parsed::Semver(b)) => Some(a.cmp_precedence(b)),
            (Parsed::Pypi(a), Parsed::Pypi(b)) => Some(a.cmp(b)),
            (Parsed::Maven(a), Parsed::Maven(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Semantic Versioning, read as leniently as node-semver's `coerce` for records written by
/// hand: a leading `v` or `=`, and missing minor and patch parts (`1.2` is `1.2.0`).
fn parse_semver(s: &str) -> Option<semver::Version> {
    let s = s.trim().trim_start_matches(['v', '=']);
    if let Ok(v) = semver::Version::parse(s) {
        return Some(v);
    }
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut padded = parts.join(".");
    for _ in parts.len()..3 {
        padded.push_str(".0");
    }
    semver::Version::parse(&format!("{padded}{rest}")).ok()
}

fn parse(eco: Ecosystem, kind: RangeKind, s: &str) -> Option<Parsed> {
    match (kind, eco) {
        (RangeKind::Semver, _) | (RangeKind::Ecosystem, Ecosystem::Npm) => parse_semver(s).map(Parsed::Semver),
        (RangeKind::Ecosystem, Ecosystem::Pypi) => PypiVersion::parse(s).ok().map(Parsed::Pypi),
        (RangeKind::Ecosystem, Ecosystem::Maven) => Some(Parsed::Maven(MavenVersion::parse(s))),
        (RangeKind::Git, _) | (RangeKind::Ecosystem, Ecosystem::Oci) => None,
    }
}

/// Compare two versions in an ecosystem's ordering (`None`: one does not parse).
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Option<Ordering> {
    parse(eco, RangeKind::Ecosystem, a)?.cmp(&parse(eco, RangeKind::Ecosystem, b)?)
}

/// A prerelease, which an upgrade never proposes: a Semantic Versioning prerelease (npm),
/// a PEP 440 pre- or dev-release, a Maven snapshot or milestone (`alpha`, `beta`, `rc`,
/// `cr`, `m1`).
pub fn is_prerelease(eco: Ecosystem, v: &str) -> bool {
    match eco {
        Ecosystem::Oci => false,
        Ecosystem::Npm => parse_semver(v).is_none_or(|s| !s.pre.is_empty()),
        Ecosystem::Pypi => PypiVersion::parse(v).map_or(true, |p| p.is_prerelease()),
        Ecosystem::Maven => {
            let l = v.to_ascii_lowercase();
            l.contains("snapshot")
                || l.split(|c: char| !c.is_ascii_alphanumeric()).any(|part| {
                    let word = part.trim_end_matches(|c: char| c.is_ascii_digit());
                    matches!(word, "alpha" | "a" | "beta" | "b" | "rc" | "cr" | "m" | "milestone" | "preview" | "ea")
                        || part.starts_with("alpha")
                        || part.starts_with("beta")
                })
        }
    }
}

/// Why an entry matched a version: what people read about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The affected ranges that hold the version, as `>=1.0.0, <1.2.3` (or `=1.0.0` for
    /// a `versions` entry).
    pub ranges: Vec<String>,
    /// Every `fixed` version of the entry.
    pub fixed: Vec<String>,
}

/// Does `affected` (already known to name this package) hold `version`?
pub fn affects(affected: &Affected, eco: Ecosystem, version: &str) -> Option<Hit> {
    let mut ranges = Vec::new();
    let listed = affected.versions.iter().any(|v| {
        v == version
            || parse(eco, RangeKind::Ecosystem, v)
                .zip(parse(eco, RangeKind::Ecosystem, version))
                .and_then(|(a, b)| a.cmp(&b))
                == Some(Ordering::Equal)
    });
    if listed {
        ranges.push(format!("={version}"));
    }
    for range in &affected.ranges {
        if range_holds(range, eco, version) {
            ranges.push(describe(range));
        }
    }
    if ranges.is_empty() {
        return None;
    }
    Some(Hit { ranges, fixed: fixed_versions(affected) })
}

/// Every `fixed` event of an entry, in the order they appear.
pub fn fixed_versions(affected: &Affected) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in affected.ranges.iter().filter(|r| r.kind != RangeKind::Git).flat_map(|r| &r.events) {
        if let Event::Fixed(v) = e
            && !out.contains(v)
        {
            out.push(v.clone());
        }
    }
    out
}

/// The range's events with parsed versions, in version order (`introduced: "0"` first).
fn sorted_events(range: &Range, eco: Ecosystem) -> Vec<(&Event, Option<Parsed>)> {
    let mut events: Vec<(&Event, Option<Parsed>)> = range
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Introduced(v) if v == "0" => Some((e, None)),
            _ => parse(eco, range.kind, e.version()).map(|p| (e, Some(p))),
        })
        .collect();
    events.sort_by(|(_, a), (_, b)| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a.cmp(b).unwrap_or(Ordering::Equal),
    });
    events
}

fn range_holds(range: &Range, eco: Ecosystem, version: &str) -> bool {
    if range.kind == RangeKind::Git {
        return false;
    }
    let Some(v) = parse(eco, range.kind, version) else { return false };
    let at_least = |p: &Option<Parsed>| p.as_ref().is_none_or(|p| v.cmp(p).is_some_and(Ordering::is_ge));
    let mut affected = false;
    let mut limits = Vec::new();
    for (event, parsed) in sorted_events(range, eco) {
        match event {
            Event::Introduced(_) => {
                if at_least(&parsed) {
                    affected = true;
                }
            }
            Event::Fixed(_) => {
                if parsed.as_ref().is_some_and(|p| v.cmp(p).is_some_and(Ordering::is_ge)) {
                    affected = false;
                }
            }
            Event::LastAffected(_) => {
                if parsed.as_ref().is_some_and(|p| v.cmp(p) == Some(Ordering::Greater)) {
                    affected = false;
                }
            }
            Event::Limit(_) => limits.extend(parsed),
        }
    }
    affected && (limits.is_empty() || limits.iter().any(|l| v.cmp(l) == Some(Ordering::Less)))
}

/// A range as people read it: `>=1.0.0, <1.2.3 || >=2.0.0, <=2.0.4`.
fn describe(range: &Range) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut open: Option<String> = None;
    for e in &range.events {
        match e {
            Event::Introduced(v) => {
                if let Some(lo) = open.take() {
                    parts.push(lo);
                }
                open = Some(if v == "0" { ">=0".to_string() } else { format!(">={v}") });
            }
            Event::Fixed(v) => parts.push(format!("{}, <{v}", open.take().unwrap_or_else(|| ">=0".into()))),
            Event::LastAffected(v) => parts.push(format!("{}, <={v}", open.take().unwrap_or_else(|| ">=0".into()))),
            Event::Limit(v) => parts.push(format!("{}, <{v}", open.take().unwrap_or_else(|| ">=0".into()))),
        }
    }
    if let Some(lo) = open {
        parts.push(lo);
    }
    parts.join(" || ")
}

/// The entry's affected versions as a node-semver range (npm's `vulnerable_versions`):
/// `>=1.0.0 <1.2.3 || 2.0.1`. `None` when no range or version of it is Semantic
/// Versioning (npm's client could not read it).
pub fn npm_range(affected: &Affected) -> Option<String> {
    let mut alts: Vec<String> = affected.versions.iter().filter(|v| parse_semver(v).is_some()).cloned().collect();
    for range in affected.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
        let mut lo: Option<String> = None;
        for (e, _) in sorted_events(range, Ecosystem::Npm) {
            match e {
                Event::Introduced(v) => {
                    if let Some(l) = lo.take() {
                        alts.push(l);
                    }
                    lo = Some(if v == "0" { ">=0.0.0-0".into() } else { format!(">={v}") });
                }
                Event::Fixed(v) | Event::Limit(v) => {
                    alts.push(format!("{} <{v}", lo.take().unwrap_or_else(|| ">=0.0.0-0".into())));
                }
                Event::LastAffected(v) => {
                    alts.push(format!("{} <={v}", lo.take().unwrap_or_else(|| ">=0.0.0-0".into())));
                }
            }
        }
        if let Some(l) = lo {
            alts.push(l);
        }
    }
    (!alts.is_empty()).then(|| alts.join(" || "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: RangeKind, events: Vec<Event>, versions: &[&str]) -> Affected {
        Affected {
            ecosystem: String::new(),
            name: "p".into(),
            severity: Vec::new(),
            ranges: vec![Range { kind, events }],
            versions: versions.iter().map(ToString::to_string).collect(),
        }
    }
    use Event::{Fixed, Introduced, LastAffected, Limit};
    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn introduced_and_fixed_in_each_ordering() {
        let a = entry(RangeKind::Ecosystem, vec![Introduced(s("0")), Fixed(s("4.17.21"))], &[]);
        assert!(affects(&a, Ecosystem::Npm, "4.17.20").is_some());
        assert!(affects(&a, Ecosystem::Npm, "4.17.21").is_none());
        assert!(affects(&a, Ecosystem::Npm, "4.17.21-beta.1").is_some(), "a prerelease sorts before its release");
        // Out of order events are sorted before the walk.
        let a = entry(RangeKind::Ecosystem, vec![Fixed(s("2.0")), Introduced(s("1.5")), Introduced(s("0"))], &[]);
        assert!(affects(&a, Ecosystem::Pypi, "1.9.post1").is_some());
        assert!(affects(&a, Ecosystem::Pypi, "2.0.0").is_none(), "PEP 440: 2.0.0 == 2.0");
        assert!(affects(&a, Ecosystem::Pypi, "2.0rc1").is_some());
        let m = entry(RangeKind::Ecosystem, vec![Introduced(s("2.0-beta9")), Fixed(s("2.15.0"))], &[]);
        assert!(affects(&m, Ecosystem::Maven, "2.14.1").is_some());
        assert!(affects(&m, Ecosystem::Maven, "2.15.0").is_none());
        assert!(affects(&m, Ecosystem::Maven, "2.0-alpha1").is_none());
        assert!(affects(&m, Ecosystem::Maven, "2.0").is_some(), "Maven: 2.0-beta9 < 2.0");
    }

    #[test]
    fn last_affected_limit_versions_and_git() {
        let a = entry(RangeKind::Ecosystem, vec![Introduced(s("1.0.0")), LastAffected(s("1.4.2"))], &[]);
        assert!(affects(&a, Ecosystem::Npm, "1.4.2").is_some());
        assert!(affects(&a, Ecosystem::Npm, "1.4.3").is_none());
        assert!(affects(&a, Ecosystem::Npm, "0.9.0").is_none());
        let l = entry(RangeKind::Semver, vec![Introduced(s("0")), Limit(s("2.0.0"))], &[]);
        assert!(affects(&l, Ecosystem::Pypi, "1.9.9").is_some());
        assert!(affects(&l, Ecosystem::Pypi, "2.0.0").is_none());
        let v = entry(RangeKind::Git, vec![Introduced(s("abc"))], &["1.0", "1.1"]);
        assert_eq!(affects(&v, Ecosystem::Pypi, "1.0.0").unwrap().ranges, vec!["=1.0.0"]);
        assert!(affects(&v, Ecosystem::Pypi, "1.2").is_none());
        let multi = entry(
            RangeKind::Ecosystem,
            vec![Introduced(s("0")), Fixed(s("1.2.6")), Introduced(s("2.0.0")), Fixed(s("2.0.4"))],
            &[],
        );
        assert!(affects(&multi, Ecosystem::Npm, "1.3.0").is_none());
        assert!(affects(&multi, Ecosystem::Npm, "2.0.3").is_some());
        assert_eq!(describe(&multi.ranges[0]), ">=0, <1.2.6 || >=2.0.0, <2.0.4");
        assert_eq!(npm_range(&multi).unwrap(), ">=0.0.0-0 <1.2.6 || >=2.0.0 <2.0.4");
        assert_eq!(fixed_versions(&multi), vec!["1.2.6", "2.0.4"]);
    }

    #[test]
    fn unparseable_versions_match_only_the_list() {
        let a = entry(RangeKind::Ecosystem, vec![Introduced(s("0"))], &["not-a-version"]);
        assert!(affects(&a, Ecosystem::Pypi, "not-a-version").is_some());
        assert!(affects(&a, Ecosystem::Pypi, "also not").is_none());
        assert_eq!(parse_semver("v1.2").unwrap(), semver::Version::new(1, 2, 0));
    }
}
