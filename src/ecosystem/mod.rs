//! Ecosystem knowledge: lockfile parsers and registry wire types, per ecosystem.
//!
//! Owns: turning bytes (a lockfile, a packument) into typed values.
//! Must not: open files by itself beyond what a caller hands in, touch the network,
//! print, or know about policy. Every parser is `&str -> Result<_, LockfileError>`.

pub mod cargo;
pub mod digest;
pub mod index;
pub mod manifest;
pub mod maven;
pub mod npm;
pub mod oci;
pub mod pypi;
pub mod registries;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The package ecosystems depgate gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Npm,
    Pypi,
    Maven,
    /// Container images (Dockerfiles, compose files, workflow containers).
    Oci,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Maven => "maven",
            Ecosystem::Oci => "oci",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a locked package comes from, as the lockfile records it.
///
/// Only `Registry` entries can be resolved through a chain. The others are reported
/// (never silently dropped) so that policy and reviewers see them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "location", rename_all = "lowercase")]
pub enum SourceKind {
    /// Served by a package registry (the normal case).
    Registry,
    /// A git dependency (`git+https://…#sha`, `github:owner/repo`).
    Git(String),
    /// A local tarball or folder (`file:…`).
    File(String),
    /// A symlinked local package (`link:…`, workspace members).
    Link(String),
    /// A remote tarball URL that is not a registry location.
    Tarball(String),
}

impl SourceKind {
    pub fn is_registry(&self) -> bool {
        matches!(self, SourceKind::Registry)
    }

    pub fn label(&self) -> &'static str {
        match self {
            SourceKind::Registry => "registry",
            SourceKind::Git(_) => "git",
            SourceKind::File(_) => "file",
            SourceKind::Link(_) => "link",
            SourceKind::Tarball(_) => "tarball",
        }
    }
}

/// One locked package as a lockfile records it.
///
/// `name` is the real registry name: for an npm alias (`"foo": "npm:bar@1.0.0"`) it is
/// `bar`, and `alias` keeps `foo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coordinate {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// Integrity as recorded (SRI string for npm: `sha512-…` or `sha1-…`; may hold several
    /// space-separated entries). `None` when the lockfile records none or one that is not
    /// comparable with registry digests (yarn berry's cache checksum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// The `resolved` URL the lockfile recorded, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// Installed under another name (npm `npm:` alias).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub direct: bool,
    pub dev: bool,
    pub optional: bool,
    /// Shipped inside another package's tarball (`bundleDependencies`): not fetched on its own.
    pub bundled: bool,
    /// Installed for the package manager itself, not for the project: pnpm 11's
    /// `packageManagerDependencies` (the `@pnpm/exe` family) and pnpm's
    /// `configDependencies`, locked in the first document of `pnpm-lock.yaml`. They run
    /// in CI like any dependency, so they are gated like one.
    #[serde(default)]
    pub package_manager: bool,
    /// The files the lockfile pins for this coordinate: every wheel/sdist of a `PyPI`
    /// release it records a hash for, or the one Maven artifact file. Empty for npm (its
    /// one tarball's digest is `integrity`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<LockedFile>,
    /// Maven classifier (`sources`, `linux-x86_64`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifier: Option<String>,
    /// Maven artifact extension (`jar`, `pom`, `aar`, …) when the input records it; `None`
    /// means "whatever the POM's packaging says" (a jar for most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    pub source: SourceKind,
    /// A container image's reference in normal form (registry, repository, tag, digest,
    /// platform, where it was written); `None` for packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Box<oci::ImageRef>>,
    /// Lockfile this came from, as given to the parser.
    pub source_file: PathBuf,
    /// 1-based line of the entry in `source_file` (0 when unknown).
    pub line: usize,
}

impl Coordinate {
    /// A registry coordinate with no flags, integrity or files set; parsers fill in the rest.
    pub fn new(
        ecosystem: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        source_file: &std::path::Path,
        line: usize,
    ) -> Self {
        Self {
            ecosystem,
            name: name.into(),
            version: version.into(),
            integrity: None,
            resolved: None,
            alias: None,
            direct: false,
            dev: false,
            optional: false,
            bundled: false,
            package_manager: false,
            files: Vec::new(),
            classifier: None,
            extension: None,
            source: SourceKind::Registry,
            image: None,
            source_file: source_file.to_path_buf(),
            line,
        }
    }

    /// Package URL (purl) of the coordinate, e.g. `pkg:npm/%40scope/name@1.0.0`.
    pub fn purl(&self) -> String {
        match self.ecosystem {
            Ecosystem::Npm => {
                let (ns, name) = match self.name.strip_prefix('@').and_then(|r| r.split_once('/')) {
                    Some((scope, n)) => (Some(scope), n),
                    None => (None, self.name.as_str()),
                };
                match ns {
                    Some(scope) => format!(
                        "pkg:npm/%40{}/{}@{}",
                        purl_escape(scope),
                        purl_escape(name),
                        purl_escape(&self.version)
                    ),
                    None => format!("pkg:npm/{}@{}", purl_escape(name), purl_escape(&self.version)),
                }
            }
            Ecosystem::Pypi => {
                format!("pkg:pypi/{}@{}", purl_escape(&pypi::normalize_name(&self.name)), purl_escape(&self.version))
            }
            Ecosystem::Maven => {
                let (group, artifact) = self.name.split_once(':').unwrap_or(("", &self.name));
                let mut purl = format!(
                    "pkg:maven/{}/{}@{}",
                    purl_escape(group),
                    purl_escape(artifact),
                    purl_escape(&self.version)
                );
                // Qualifiers in lexical key order, as the purl spec asks.
                let mut sep = '?';
                if let Some(c) = self.classifier.as_deref().filter(|c| !c.is_empty()) {
                    purl.push(sep);
                    purl.push_str("classifier=");
                    purl.push_str(&purl_escape(c));
                    sep = '&';
                }
                if let Some(t) = self.extension.as_deref().filter(|t| !t.is_empty() && *t != "jar") {
                    purl.push(sep);
                    purl.push_str("type=");
                    purl.push_str(&purl_escape(t));
                }
                purl
            }
            Ecosystem::Oci => match &self.image {
                Some(image) => image.purl(),
                None => format!("pkg:oci/{}@{}", purl_escape(&self.name), purl_escape(&self.version)),
            },
        }
    }
}

fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b'+') {
            out.push(char::from(b));
        } else {
            use std::fmt::Write as _;
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A lockfile that could not be read, with where and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}\n  help: {help}")]
pub struct LockfileError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub message: String,
    pub help: String,
}

impl LockfileError {
    pub fn new(file: impl Into<PathBuf>, line: usize, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self { file: file.into(), line, message: message.into(), help: help.into() }
    }
}

/// One file a lockfile pins: a wheel or sdist, or a Maven artifact file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LockedFile {
    /// File name (`six-1.16.0-py2.py3-none-any.whl`, `guava-33.0.0-jre.jar`); `None` when
    /// the lockfile records only a hash (`requirements.txt --hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the lockfile says it was downloaded from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Digests by algorithm (`sha256`, `sha512`, `sha1`, `md5`), lowercase hex.
    #[serde(default)]
    pub hashes: std::collections::BTreeMap<String, String>,
}

/// 1-based line number of a byte offset in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len())).map_or(0, |s| s.matches('\n').count()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coord(name: &str, version: &str) -> Coordinate {
        Coordinate {
            ecosystem: Ecosystem::Npm,
            name: name.into(),
            version: version.into(),
            integrity: None,
            resolved: None,
            alias: None,
            direct: true,
            dev: false,
            optional: false,
            bundled: false,
            package_manager: false,
            files: Vec::new(),
            classifier: None,
            extension: None,
            source: SourceKind::Registry,
            image: None,
            source_file: PathBuf::from("package-lock.json"),
            line: 1,
        }
    }

    #[test]
    fn purl_escapes_scope() {
        assert_eq!(coord("@types/node", "20.1.0").purl(), "pkg:npm/%40types/node@20.1.0");
        assert_eq!(coord("lodash", "4.17.21").purl(), "pkg:npm/lodash@4.17.21");
    }

    #[test]
    fn line_numbers_are_one_based() {
        let t = "a\nb\nc";
        assert_eq!(line_of_offset(t, 0), 1);
        assert_eq!(line_of_offset(t, 2), 2);
        assert_eq!(line_of_offset(t, 4), 3);
    }
}
