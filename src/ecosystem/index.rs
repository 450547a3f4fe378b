//! What an upstream says about one package name, in one shape for every ecosystem.
//!
//! The chain walk asks each upstream for a [`PackageIndex`]; the first that has the name
//! owns it. Each ecosystem's wire format converts into this: an npm packument, a `PyPI`
//! simple project page (PEP 691 JSON or PEP 503 HTML), a Maven `maven-metadata.xml` plus
//! the POM and checksums of the versions asked for. The engine reads only this type.

use std::collections::BTreeMap;

use serde::Serialize;

/// One package name as its owner describes it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PackageIndex {
    /// The name as the upstream spells it.
    pub name: String,
    /// The version the owner calls current: npm `dist-tags.latest`, Maven `<release>`
    /// (else `<latest>`), `PyPI`'s highest final, non-yanked release.
    pub latest: Option<String>,
    /// Releases by version. `PyPI` keys are PEP 440 normalized (`1.0.0rc1`); look them up
    /// with [`PackageIndex::release`].
    pub versions: BTreeMap<String, Release>,
    /// The document carries publish times (a full packument, PEP 691 JSON with
    /// `upload-time`, Maven with `Last-Modified`); `false` for an abbreviated packument or
    /// PEP 503 HTML.
    pub has_times: bool,
    /// The document as the upstream served it, where a front door passes it on (the
    /// proxy rewrites npm packuments rather than rebuilding them). Not serialized.
    #[serde(skip)]
    pub raw: Option<std::sync::Arc<[u8]>>,
}

/// One version of a package.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Release {
    /// RFC 3339 publish time (npm `time[v]`; `PyPI` earliest `upload-time` of its files;
    /// Maven the POM's or the artifact's `Last-Modified`, else a SNAPSHOT's own metadata).
    pub published_at: Option<String>,
    /// npm `deprecated` message.
    pub deprecated: Option<String>,
    /// Yanked (PEP 592: every file of the release yanked), with the reason (may be empty).
    pub yanked: Option<String>,
    /// Licence as the metadata declares it (SPDX expression where it is one).
    pub license: Option<String>,
    /// Source repository the metadata declares (npm `repository`, POM `<scm>`).
    pub repository: Option<String>,
    /// Where the registry keeps this version's attestations (npm `dist.attestations.url`).
    pub attestations_url: Option<String>,
    /// The release's files: npm's one tarball, `PyPI` wheels and sdists, the Maven
    /// artifact files that were asked for.
    pub files: Vec<DistFile>,
}

/// One downloadable file of a release.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DistFile {
    pub filename: String,
    /// Absolute download URL.
    pub url: String,
    /// Digests the owner publishes, by algorithm, lowercase hex.
    pub digests: BTreeMap<String, String>,
    /// npm's SRI string as published (`sha512-…`), kept for the lockfile comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// PEP 700 `upload-time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<String>,
    /// PEP 700 `size` in bytes, where the index publishes it (PEP 691 JSON 1.1+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// PEP 592: yanked, with the reason (may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked: Option<String>,
    /// PEP 658/714: the core metadata file is served at `{url}.metadata`; its digests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_metadata: Option<BTreeMap<String, String>>,
    /// PEP 740 provenance URL (PEP 691 `provenance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_url: Option<String>,
    /// `requires-python` of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// Signature files found beside a Maven artifact (`sigstore.json`, `asc`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
}

impl PackageIndex {
    /// The release of `version`, matching `PyPI` versions by their PEP 440 normal form.
    pub fn release(&self, ecosystem: super::Ecosystem, version: &str) -> Option<&Release> {
        if let Some(r) = self.versions.get(version) {
            return Some(r);
        }
        match ecosystem {
            super::Ecosystem::Pypi => {
                let norm = super::pypi::normalize_version(version)?;
                self.versions.get(&norm)
            }
            _ => None,
        }
    }
}
