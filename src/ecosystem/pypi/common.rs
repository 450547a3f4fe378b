//! Helpers shared by the `PyPI` lockfile parsers: spanned TOML access, hash strings,
//! file names from URLs, and merging duplicate coordinates.
//!
//! Must not: know any one lockfile format; each parser keeps its format rules to itself.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::normalize_name;
use crate::ecosystem::{Coordinate, LockedFile, LockfileError, SourceKind, line_of_offset};

/// Parses TOML into a spanned table, or an error at the line TOML points at.
pub(crate) fn parse_toml<'i>(text: &'i str, path: &Path, what: &str, help: &str) -> Result<DeTable<'i>, LockfileError> {
    DeTable::parse(text).map(Spanned::into_inner).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of_offset(text, s.start));
        LockfileError::new(path, line, format!("not a valid {what}: {}", e.message().trim()), help)
    })
}

/// Reading spanned TOML values for one file.
pub(crate) struct TomlDoc<'a> {
    pub text: &'a str,
    pub path: &'a Path,
    pub help: &'a str,
}

impl TomlDoc<'_> {
    pub fn line(&self, span: &Range<usize>) -> usize {
        line_of_offset(self.text, span.start)
    }

    pub fn error(&self, span: &Range<usize>, message: impl Into<String>) -> LockfileError {
        LockfileError::new(self.path, self.line(span), message, self.help)
    }
}

pub(crate) fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
    table.get(key)
}

pub(crate) fn get_str<'t>(table: &'t DeTable<'_>, key: &str) -> Option<&'t str> {
    table.get(key).and_then(|v| v.get_ref().as_str())
}

pub(crate) fn get_table<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t DeTable<'i>> {
    table.get(key).and_then(|v| v.get_ref().as_table())
}

pub(crate) fn get_array<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t DeArray<'i>> {
    table.get(key).and_then(|v| v.get_ref().as_array())
}

pub(crate) fn get_bool(table: &DeTable<'_>, key: &str) -> bool {
    table.get(key).and_then(|v| v.get_ref().as_bool()).unwrap_or(false)
}

/// The strings of a TOML array (other items skipped).
pub(crate) fn str_items<'t>(array: Option<&'t DeArray<'_>>) -> impl Iterator<Item = &'t str> {
    array.into_iter().flat_map(|a| a.iter()).filter_map(|v| v.get_ref().as_str())
}

/// The tables of a TOML array (other items skipped).
pub(crate) fn table_items<'t, 'i>(array: Option<&'t DeArray<'i>>) -> impl Iterator<Item = &'t DeTable<'i>> {
    array.into_iter().flat_map(|a| a.iter()).filter_map(|v| v.get_ref().as_table())
}

/// `sha256:ABC…` or `sha256=ABC…` → (`sha256`, `abc…`); `None` unless the digest is hex.
pub(crate) fn split_hash(s: &str) -> Option<(String, String)> {
    let (alg, hex) = s.trim().split_once([':', '='])?;
    let alg = alg.trim().to_ascii_lowercase();
    let hex = hex.trim().to_ascii_lowercase();
    (!alg.is_empty() && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some((alg, hex))
}

/// A `{ sha256 = "…" }` table as lowercase hex by algorithm.
pub(crate) fn hash_table(table: Option<&DeTable<'_>>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in table.into_iter().flatten() {
        if let Some(hex) = v.get_ref().as_str().filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) {
            out.insert(k.get_ref().to_ascii_lowercase(), hex.to_ascii_lowercase());
        }
    }
    out
}

/// The last path segment of a URL or path, without query or fragment.
pub(crate) fn file_name_of(url: &str) -> Option<String> {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let name = url.get(..end)?.trim_end_matches('/').rsplit(['/', '\\']).next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// One file of a lock: name (from the URL when not given), URL and hashes.
pub(crate) fn locked_file(name: Option<&str>, url: Option<&str>, hashes: BTreeMap<String, String>) -> LockedFile {
    let name = name.map(str::to_string).or_else(|| url.and_then(file_name_of));
    LockedFile { name, url: url.map(str::to_string), hashes }
}

/// One coordinate per (normalized name, version, source), in first-seen order: later
/// duplicates make it direct if any is, keep it dev or optional only if all are, and add
/// the files it did not have yet.
pub(crate) fn dedupe(coords: Vec<Coordinate>) -> Vec<Coordinate> {
    let mut out: Vec<Coordinate> = Vec::with_capacity(coords.len());
    let mut at: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for c in coords {
        let key = (normalize_name(&c.name), c.version.clone(), format!("{:?}", c.source));
        if let Some(&i) = at.get(&key) {
            let first = &mut out[i];
            first.direct |= c.direct;
            first.dev &= c.dev;
            first.optional &= c.optional;
            for f in c.files {
                if !first.files.contains(&f) {
                    first.files.push(f);
                }
            }
            if first.resolved.is_none() {
                first.resolved = c.resolved;
            }
        } else {
            at.insert(key, out.len());
            out.push(c);
        }
    }
    out
}

/// The kind of a direct URL reference (PEP 508 `name @ url`, a requirements line, a
/// lock's `url`): VCS URLs are git, `file:` URLs and paths are local, anything else a
/// remote archive.
pub(crate) fn classify_url(url: &str, editable: bool) -> SourceKind {
    let lower = url.to_ascii_lowercase();
    if ["git+", "hg+", "svn+", "bzr+"].iter().any(|p| lower.starts_with(p)) {
        return SourceKind::Git(url.to_string());
    }
    let remote = lower.starts_with("http://") || lower.starts_with("https://");
    if remote {
        SourceKind::Tarball(url.to_string())
    } else if editable {
        SourceKind::Link(url.to_string())
    } else {
        SourceKind::File(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_split() {
        assert_eq!(split_hash("sha256:ABcd"), Some(("sha256".into(), "abcd".into())));
        assert_eq!(split_hash("md5=00ff"), Some(("md5".into(), "00ff".into())));
        assert_eq!(split_hash("sha256:xyz"), None);
        assert_eq!(split_hash("sha256"), None);
    }

    #[test]
    fn file_names() {
        assert_eq!(file_name_of("https://h/p/six-1.0.tar.gz#sha256=00").as_deref(), Some("six-1.0.tar.gz"));
        assert_eq!(file_name_of("local/pkg/").as_deref(), Some("pkg"));
        assert_eq!(file_name_of(""), None);
    }

    #[test]
    fn url_kinds() {
        assert_eq!(classify_url("git+https://h/r.git@v1", false).label(), "git");
        assert_eq!(classify_url("https://h/a-1.0.tar.gz", false).label(), "tarball");
        assert_eq!(classify_url("file:///tmp/x", false).label(), "file");
        assert_eq!(classify_url("./x", true).label(), "link");
    }
}
