//! The advisories in memory: records filed by (ecosystem, name), and what a package
//! version matches, with records that alias each other merged into one advisory (a GHSA
//! and the PYSEC and CVE it names are one finding). Pure: the store reads the bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use time::OffsetDateTime;

use super::matching::{self, Hit};
use super::osv::Record;
use super::severity::{self, Level};
use crate::ecosystem::Ecosystem;

/// Where records came from: a folder, an `all.zip`, or the OSV API.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// The folder, the file or the API's URL, for people.
    pub location: String,
    /// `folder`, `zip` or `api`.
    pub kind: &'static str,
    /// `sha256:<hex>` of the bytes read (a folder: of every file's path and digest).
    pub digest: String,
    /// When the data was fetched: the sync time, else the files' modification time;
    /// for the API, when it answered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub fetched_at: Option<OffsetDateTime>,
    /// Records read, by OSV ecosystem (only the ecosystems depgate gates).
    pub records: BTreeMap<String, usize>,
}

/// Why an advisory matters: malware is never a matter of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Vulnerability,
    Malware,
}

/// One advisory about one package version (`package.advisories[]` of the policy input):
/// the matching records that alias each other, merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advisory {
    /// The id reports lead with: GHSA, then MAL, then PYSEC, then any other, CVE last.
    pub id: String,
    /// Every other id of the merged records and their aliases.
    pub aliases: Vec<String>,
    /// The ids of the OSV records that matched (what osv-scanner reports one by one).
    pub records: Vec<String>,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `low`, `moderate`, `high`, `critical` or `unknown` (malware is `critical`).
    pub severity: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// The affected ranges that hold this version.
    pub affected: Vec<String>,
    /// Versions that fix it (empty: no fix published).
    pub fixed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Where to read it.
    pub url: String,
    /// The source the records came from, and its digest.
    pub source: String,
    pub digest: String,
}

/// A record and the source it came from.
#[derive(Debug)]
struct Filed {
    record: Record,
    source: usize,
}

/// Records per OSV ecosystem depgate gates (a record naming two counts in both).
pub fn count_by_ecosystem<'a>(records: impl IntoIterator<Item = &'a Record>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in records {
        let ecos: BTreeSet<&str> =
            r.affected.iter().map(|a| a.ecosystem.as_str()).filter(|e| matching::ecosystem_of(e).is_some()).collect();
        for e in ecos {
            *out.entry(e.to_string()).or_default() += 1;
        }
    }
    out
}

/// Every advisory loaded, filed for lookup.
#[derive(Debug, Default)]
pub struct Database {
    records: Vec<Filed>,
    by_package: HashMap<(Ecosystem, String), Vec<u32>>,
    pub sources: Vec<SourceInfo>,
}

impl Database {
    /// File `records` (each with the index of its source in `sources`). Records for no
    /// ecosystem depgate gates are dropped. The sources' record counts are the reader's
    /// (a database may hold only the records a run needs).
    pub fn new(records: Vec<(Record, usize)>, sources: Vec<SourceInfo>) -> Database {
        let mut db =
            Database { records: Vec::with_capacity(records.len()), by_package: HashMap::new(), sources: Vec::new() };
        for (record, source) in records {
            let mut keys = BTreeSet::new();
            for a in &record.affected {
                if let Some(eco) = matching::ecosystem_of(&a.ecosystem) {
                    keys.insert((eco, matching::key_name(eco, &a.name)));
                }
            }
            if keys.is_empty() {
                continue;
            }
            let at = u32::try_from(db.records.len()).unwrap_or(u32::MAX);
            for key in keys {
                db.by_package.entry(key).or_default().push(at);
            }
            db.records.push(Filed { record, source });
        }
        db.sources = sources;
        db
    }

    /// Records loaded.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// When the oldest source was fetched (`None`: a source has no time).
    pub fn fetched_at(&self) -> Option<OffsetDateTime> {
        self.sources.iter().map(|s| s.fetched_at).collect::<Option<Vec<_>>>()?.into_iter().min()
    }

    /// `sha256:` over the sources' digests: the database that decided.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        for s in &self.sources {
            h.update(s.digest.as_bytes());
            h.update(b"\n");
        }
        format!("sha256:{}", hex::encode(h.finalize()))
    }

    fn matching<'a>(&'a self, eco: Ecosystem, name: &str) -> impl Iterator<Item = &'a Filed> + 'a {
        let key = (eco, matching::key_name(eco, name));
        self.by_package.get(&key).into_iter().flatten().filter_map(|&i| self.records.get(i as usize))
    }

    /// Is `version` of the package named by any record that is not withdrawn?
    pub fn is_affected(&self, eco: Ecosystem, name: &str, version: &str) -> bool {
        !self.hits(eco, name, version).is_empty()
    }

    fn hits<'a>(
        &'a self,
        eco: Ecosystem,
        name: &str,
        version: &str,
    ) -> Vec<(&'a Filed, Hit, Vec<&'a super::osv::SeverityEntry>)> {
        let key = matching::key_name(eco, name);
        let mut out = Vec::new();
        for f in self.matching(eco, name) {
            if f.record.withdrawn.is_some() {
                continue;
            }
            let mut merged: Option<(Hit, Vec<&super::osv::SeverityEntry>)> = None;
            for a in &f.record.affected {
                if matching::ecosystem_of(&a.ecosystem) != Some(eco) || matching::key_name(eco, &a.name) != key {
                    continue;
                }
                if let Some(hit) = matching::affects(a, eco, version) {
                    let (h, sev) =
                        merged.get_or_insert_with(|| (Hit { ranges: Vec::new(), fixed: Vec::new() }, Vec::new()));
                    extend_unique(&mut h.ranges, hit.ranges);
                    extend_unique(&mut h.fixed, hit.fixed);
                    sev.extend(&a.severity);
                }
            }
            if let Some((hit, sev)) = merged {
                out.push((f, hit, sev));
            }
        }
        out
    }

    /// The advisories about `version` of the package, merged by alias, most severe first.
    pub fn advisories(&self, eco: Ecosystem, name: &str, version: &str) -> Vec<Advisory> {
        fn root(g: &mut [usize], mut i: usize) -> usize {
            while g[i] != i {
                g[i] = g[g[i]];
                i = g[i];
            }
            i
        }
        let hits = self.hits(eco, name, version);
        // Union records that share an id (their own or an alias).
        let mut group_of: Vec<usize> = (0..hits.len()).collect();
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (i, (f, _, _)) in hits.iter().enumerate() {
            for id in std::iter::once(&f.record.id).chain(&f.record.aliases) {
                match owner.get(id.as_str()) {
                    Some(&j) => {
                        let (a, b) = (root(&mut group_of, i), root(&mut group_of, j));
                        group_of[a] = b;
                    }
                    None => {
                        owner.insert(id, i);
                    }
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..hits.len() {
            let r = root(&mut group_of, i);
            groups.entry(r).or_default().push(i);
        }
        let mut out: Vec<Advisory> = groups.into_values().map(|members| self.merge(&hits, &members)).collect();
        out.sort_by(|a, b| b.kind.cmp(&a.kind).then(b.severity.cmp(&a.severity)).then(a.id.cmp(&b.id)));
        out
    }

    fn merge(&self, hits: &[(&Filed, Hit, Vec<&super::osv::SeverityEntry>)], members: &[usize]) -> Advisory {
        let mut ids = BTreeSet::new();
        let mut records = BTreeSet::new();
        let (mut affected, mut fixed) = (Vec::new(), Vec::new());
        let mut malware = false;
        let (mut level, mut score, mut vector): (Level, Option<f64>, Option<String>) = (Level::Unknown, None, None);
        let (mut published, mut modified): (Option<String>, Option<String>) = (None, None);
        let mut summary = None;
        let mut sources = BTreeSet::new();
        for &i in members {
            let (f, hit, sev) = &hits[i];
            let r = &f.record;
            records.insert(r.id.clone());
            ids.insert(r.id.clone());
            ids.extend(r.aliases.iter().cloned());
            extend_unique(&mut affected, hit.ranges.clone());
            extend_unique(&mut fixed, hit.fixed.clone());
            malware |= r.id.starts_with("MAL-") || r.cwe_ids.iter().any(|c| c == "CWE-506");
            let mut entries: Vec<super::osv::SeverityEntry> = r.severity.clone();
            entries.extend(sev.iter().map(|e| (*e).clone()));
            let s = severity::assess(&entries, r.rated.as_deref());
            if s.level > level {
                level = s.level;
            }
            if s.score.is_some_and(|x| score.is_none_or(|y| x > y)) {
                score = s.score;
                vector = s.vector;
            }
            if summary.is_none() || r.id.starts_with("GHSA-") {
                summary = r.summary.clone().or(summary);
            }
            published = min_opt(published, r.published.clone());
            modified = max_opt(modified, r.modified.clone());
            sources.insert(f.source);
        }
        let id = ids.iter().min_by_key(|id| (id_rank(id), (*id).clone())).cloned().unwrap_or_default();
        ids.remove(&id);
        if malware {
            level = Level::Critical;
        }
        let (source, digest) = sources
            .iter()
            .filter_map(|&s| self.sources.get(s))
            .map(|s| (s.location.clone(), s.digest.clone()))
            .reduce(|(a, da), (b, db)| (format!("{a}, {b}"), format!("{da}, {db}")))
            .unwrap_or_default();
        Advisory {
            url: advisory_url(&id),
            id,
            aliases: ids.into_iter().collect(),
            records: records.into_iter().collect(),
            kind: if malware { Kind::Malware } else { Kind::Vulnerability },
            summary,
            severity: level,
            score,
            vector,
            affected,
            fixed,
            published,
            modified,
            source,
            digest,
        }
    }

    /// The records filed under a package, for the npm audit endpoints: `(record,
    /// affected entries naming the package)`, withdrawn ones left out.
    pub fn records_for(&self, eco: Ecosystem, name: &str) -> Vec<(&Record, Vec<&super::osv::Affected>)> {
        let key = matching::key_name(eco, name);
        self.matching(eco, name)
            .filter(|f| f.record.withdrawn.is_none())
            .map(|f| {
                let entries = f
                    .record
                    .affected
                    .iter()
                    .filter(|a| {
                        matching::ecosystem_of(&a.ecosystem) == Some(eco) && matching::key_name(eco, &a.name) == key
                    })
                    .collect();
                (&f.record, entries)
            })
            .collect()
    }
}

fn extend_unique(into: &mut Vec<String>, add: Vec<String>) {
    for a in add {
        if !into.contains(&a) {
            into.push(a);
        }
    }
}

fn min_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Which id leads a merged advisory: lower first.
fn id_rank(id: &str) -> u8 {
    if id.starts_with("GHSA-") {
        0
    } else if id.starts_with("MAL-") {
        1
    } else if id.starts_with("PYSEC-") {
        2
    } else if id.starts_with("CVE-") {
        4
    } else {
        3
    }
}

/// Where people read an advisory: GitHub's page for a GHSA, osv.dev for the rest.
pub fn advisory_url(id: &str) -> String {
    if id.starts_with("GHSA-") {
        format!("https://github.com/advisories/{id}")
    } else {
        format!("https://osv.dev/vulnerability/{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::osv::parse_json;

    fn db(records: &[&str]) -> Database {
        let parsed: Vec<Record> = records.iter().map(|r| parse_json(r.as_bytes()).unwrap()).collect();
        let source = SourceInfo {
            location: "test".into(),
            kind: "folder",
            digest: "sha256:00".into(),
            fetched_at: None,
            records: count_by_ecosystem(&parsed),
        };
        Database::new(parsed.into_iter().map(|r| (r, 0)).collect(), vec![source])
    }

    const GHSA: &str = r#"{"id":"GHSA-aaaa","aliases":["CVE-2021-1"],"summary":"Prototype pollution",
        "affected":[{"package":{"ecosystem":"PyPI","name":"Some_Pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"HIGH"}}"#;
    const PYSEC: &str = r#"{"id":"PYSEC-2021-9","aliases":["CVE-2021-1"],"details":"same bug",
        "affected":[{"package":{"ecosystem":"PyPI","name":"some-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#;
    const WITHDRAWN: &str = r#"{"id":"GHSA-wwww","withdrawn":"2022-01-01T00:00:00Z",
        "affected":[{"package":{"ecosystem":"PyPI","name":"some-pkg"},"versions":["1.0"]}]}"#;
    const MAL: &str = r#"{"id":"MAL-2024-1","summary":"Malicious code in some-pkg",
        "affected":[{"package":{"ecosystem":"PyPI","name":"some.pkg"},"versions":["1.0"]}]}"#;

    #[test]
    fn aliases_merge_withdrawn_is_ignored_malware_leads() {
        let db = db(&[GHSA, PYSEC, WITHDRAWN, MAL]);
        let found = db.advisories(Ecosystem::Pypi, "SOME-PKG", "1.0");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].id, "MAL-2024-1");
        assert_eq!(found[0].kind, Kind::Malware);
        assert_eq!(found[0].severity, Level::Critical);
        let v = &found[1];
        assert_eq!(v.id, "GHSA-aaaa");
        assert_eq!(v.records, vec!["GHSA-aaaa", "PYSEC-2021-9"]);
        assert_eq!(v.aliases, vec!["CVE-2021-1", "PYSEC-2021-9"]);
        assert_eq!((v.severity, v.score), (Level::High, Some(9.8)));
        assert_eq!(v.fixed, vec!["2.0"]);
        assert_eq!(v.summary.as_deref(), Some("Prototype pollution"));
        assert_eq!(v.url, "https://github.com/advisories/GHSA-aaaa");
        assert!(db.advisories(Ecosystem::Pypi, "some-pkg", "2.0").is_empty());
        assert!(db.is_affected(Ecosystem::Pypi, "some_pkg", "1.5"));
        assert_eq!(db.sources[0].records["PyPI"], 4);
    }
}
