//! npm registry wire types: the packument (full or abbreviated) and names on the wire.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ecosystem::digest::registry_digests;
use crate::ecosystem::index::{DistFile, PackageIndex, Release};

/// A packument as served by `GET /{name}`, with what depgate reads of it.
///
/// Works for both the full document and the abbreviated one
/// (`application/vnd.npm.install-v1+json`), which has no `time`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Packument {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub versions: BTreeMap<String, VersionMeta>,
    #[serde(default, rename = "dist-tags")]
    pub dist_tags: BTreeMap<String, String>,
    /// Publish times by version (full document only).
    #[serde(default, deserialize_with = "lenient_time")]
    pub time: BTreeMap<String, String>,
}

/// One version's manifest, as far as depgate reads it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct VersionMeta {
    #[serde(default)]
    pub dist: Dist,
    #[serde(default, deserialize_with = "lenient_string")]
    pub deprecated: Option<String>,
    #[serde(default, deserialize_with = "lenient_license")]
    pub license: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub repository: Option<String>,
}

/// `dist` of a version.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Dist {
    #[serde(default)]
    pub integrity: Option<String>,
    #[serde(default)]
    pub shasum: Option<String>,
    #[serde(default)]
    pub tarball: Option<String>,
    #[serde(default)]
    pub attestations: Option<DistAttestations>,
}

/// `dist.attestations`: where the registry keeps this version's attestations.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct DistAttestations {
    #[serde(default)]
    pub url: Option<String>,
}

impl Packument {
    /// The packument as an ecosystem-neutral [`PackageIndex`]: one file (the tarball) per
    /// version, publish times from `time` when the document has them.
    pub fn to_index(&self) -> PackageIndex {
        let versions = self
            .versions
            .iter()
            .map(|(v, m)| {
                let files = m
                    .dist
                    .tarball
                    .iter()
                    .map(|url| DistFile {
                        filename: tarball_file_name(&self.name, v),
                        url: url.clone(),
                        digests: registry_digests(m.dist.integrity.as_deref(), m.dist.shasum.as_deref()),
                        integrity: m.dist.integrity.clone(),
                        ..DistFile::default()
                    })
                    .collect();
                let release = Release {
                    published_at: self.time.get(v).cloned(),
                    deprecated: m.deprecated.clone(),
                    yanked: None,
                    license: m.license.clone(),
                    repository: m.repository.clone(),
                    attestations_url: m.dist.attestations.as_ref().and_then(|a| a.url.clone()),
                    files,
                };
                (v.clone(), release)
            })
            .collect();
        PackageIndex {
            name: self.name.clone(),
            latest: self.dist_tags.get("latest").cloned(),
            versions,
            has_times: !self.time.is_empty(),
            raw: None,
        }
    }
}

/// Parse a packument. Errors carry serde's line/column.
pub fn parse_packument(bytes: &[u8]) -> Result<Packument, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// The path segment for a package name: `@scope/name` → `@scope%2fname`.
pub fn escape_name(name: &str) -> String {
    name.replace('/', "%2f")
}

/// The file name npm gives a version's tarball: `name-1.0.0.tgz` (scope dropped).
pub fn tarball_file_name(name: &str, version: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    format!("{base}-{version}.tgz")
}

/// Is this a syntactically valid npm package name? Guards paths built from names.
pub fn valid_name(name: &str) -> bool {
    let check = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    };
    if name.len() > 214 {
        return false;
    }
    match name.strip_prefix('@').map(|r| r.split_once('/')) {
        Some(Some((scope, n))) => check(scope) && check(n),
        Some(None) => false,
        None => check(name),
    }
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    // `deprecated` and `repository` come as strings, objects ({url}) or booleans in the wild.
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Object(m) => m.get("url").and_then(|u| u.as_str()).map(str::to_string),
        _ => None,
    })
}

fn lenient_license<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Object(m) => m.get("type").and_then(|u| u.as_str()).map(str::to_string),
        _ => None,
    })
}

fn lenient_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Object(m) => {
            m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect()
        }
        _ => BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_and_odd_fields() {
        let doc = br#"{"name":"x","versions":{"1.0.0":{"dist":{"integrity":"sha512-AA==","tarball":"https://r/x/-/x-1.0.0.tgz"},
            "deprecated":false,"license":{"type":"MIT"},"repository":{"type":"git","url":"git+https://github.com/a/x.git"}}},
            "time":{"created":"2020-01-01T00:00:00.000Z","1.0.0":"2020-01-01T00:00:00.000Z","unpublished":{"time":"x"}}}"#;
        let p = parse_packument(doc).unwrap();
        let v = &p.versions["1.0.0"];
        assert_eq!(v.license.as_deref(), Some("MIT"));
        assert_eq!(v.deprecated, None);
        assert_eq!(v.repository.as_deref(), Some("git+https://github.com/a/x.git"));
        assert_eq!(p.time["1.0.0"], "2020-01-01T00:00:00.000Z");
    }

    #[test]
    fn names() {
        assert_eq!(escape_name("@types/node"), "@types%2fnode");
        assert_eq!(tarball_file_name("@types/node", "1.0.0"), "node-1.0.0.tgz");
        assert!(valid_name("@types/node"));
        assert!(valid_name("lodash.merge"));
        assert!(!valid_name("../etc"));
        assert!(!valid_name("@scope"));
        assert!(!valid_name("a/b"));
    }
}
