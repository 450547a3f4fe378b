//! The release builders of [`MemoryRegistry`](super::MemoryRegistry): what a test says
//! one version of one name is (files, publish time, evidence), written straight into the
//! registry's state. Must not: build indexes (that is `render`, at request time).

use std::collections::BTreeMap;

use super::{MemoryRegistry, ReleaseBuilder, State, Stored, StoredFile, kind, sha_all};
use crate::ecosystem::maven::artifact_path;
use crate::ecosystem::npm::packument::tarball_file_name;

// Every call takes effect at once: the returned handle is only there to chain calls.
#[allow(clippy::return_self_not_must_use)]
impl<K> ReleaseBuilder<'_, K> {
    /// Change the stored release; the package and release exist (the constructor made them).
    fn edit<T>(&self, f: impl FnOnce(&mut Stored, &mut BTreeMap<String, Vec<u8>>) -> T) -> T {
        let mut st = self.reg.lock();
        let State { packages, blobs, .. } = &mut *st;
        let pkg = packages.get_mut(&self.key).expect("the builder's package exists");
        let release =
            pkg.releases.iter_mut().find(|r| r.version == self.version).expect("the builder's release exists");
        f(release, blobs)
    }

    pub(super) fn stored<T>(&self, f: impl FnOnce(&Stored) -> T) -> T {
        self.edit(|r, _| f(r))
    }

    fn base(&self) -> String {
        MemoryRegistry::url(&self.key.0)
    }

    fn name(&self) -> String {
        self.reg.lock().packages.get(&self.key).map(|p| p.name.clone()).unwrap_or_default()
    }

    /// Publish time (RFC 3339).
    pub fn published(self, time: &str) -> Self {
        self.edit(|r, _| r.published_at = Some(time.to_string()));
        self
    }

    /// The index gives no publish time for this version (an abbreviated packument, a
    /// PEP 503 page, a repository without `Last-Modified`).
    pub fn no_publish_time(self) -> Self {
        self.edit(|r, _| r.published_at = None);
        self
    }

    /// Licence as the metadata declares it.
    pub fn license(self, license: &str) -> Self {
        self.edit(|r, _| r.license = Some(license.to_string()));
        self
    }

    /// Source repository the metadata declares.
    pub fn repository(self, url: &str) -> Self {
        self.edit(|r, _| r.repository = Some(url.to_string()));
        self
    }

    /// Make this the version the owner calls current (npm `latest`, Maven `<release>`).
    pub fn latest(self) -> Self {
        let mut st = self.reg.lock();
        if let Some(p) = st.packages.get_mut(&self.key) {
            p.latest = Some(self.version.clone());
        }
        drop(st);
        self
    }

    /// Replace the files the release was created with, the first time a test adds one.
    fn take_defaults(r: &mut Stored, blobs: &mut BTreeMap<String, Vec<u8>>) {
        if std::mem::take(&mut r.default_files) {
            for f in r.files.drain(..) {
                blobs.remove(&f.url);
            }
        }
    }
}

// Every call takes effect at once: the returned handle is only there to chain calls.
#[allow(clippy::return_self_not_must_use)]
impl ReleaseBuilder<'_, kind::Npm> {
    pub(super) fn set_tarball(&self, bytes: &[u8]) {
        let name = self.name();
        let url = format!("{}{name}/-/{}", self.base(), tarball_file_name(&name, &self.version));
        self.edit(|r, blobs| {
            for f in r.files.drain(..) {
                blobs.remove(&f.url);
            }
            blobs.insert(url.clone(), bytes.to_vec());
            r.files.push(StoredFile {
                filename: tarball_file_name(&name, &self.version),
                url,
                digests: sha_all(bytes),
                published: vec!["sha512", "sha1"],
                ..StoredFile::default()
            });
        });
    }

    /// The tarball's bytes (its `integrity` and `shasum` are computed from them).
    pub fn tarball(self, bytes: &[u8]) -> Self {
        self.set_tarball(bytes);
        self.edit(|r, _| r.default_files = false);
        self
    }

    /// Where this version's attestations are (`dist.attestations.url`).
    pub fn attestations_url(&self) -> String {
        format!("{}-/npm/v1/attestations/{}@{}", self.base(), self.name(), self.version)
    }

    /// Advertise attestations and serve `response` (an npm attestations response:
    /// `{"attestations": [{"predicateType", "bundle"}]}`) there.
    pub fn attestations(self, response: &[u8]) -> Self {
        let url = self.attestations_url();
        self.edit(|r, blobs| {
            r.attestations = true;
            blobs.insert(url, response.to_vec());
        });
        self
    }

    /// Advertise attestations without serving any (a registry that lost them).
    pub fn advertise_attestations(self) -> Self {
        self.edit(|r, _| r.attestations = true);
        self
    }

    /// npm `deprecated` message.
    pub fn deprecated(self, message: &str) -> Self {
        self.edit(|r, _| r.deprecated = Some(message.to_string()));
        self
    }

    /// The tarball's URL.
    pub fn tarball_url(&self) -> String {
        self.stored(|r| r.files.first().map(|f| f.url.clone()).unwrap_or_default())
    }

    /// The tarball's SRI `sha512-…`, as a lockfile records it.
    pub fn integrity(&self) -> String {
        use base64::Engine as _;
        let hex = self.stored(|r| r.files.first().and_then(|f| f.digests.get("sha512").cloned()).unwrap_or_default());
        let raw = hex::decode(hex).unwrap_or_default();
        format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

// Every call takes effect at once: the returned handle is only there to chain calls.
#[allow(clippy::return_self_not_must_use)]
impl ReleaseBuilder<'_, kind::Pypi> {
    fn file_url(&self, filename: &str) -> String {
        format!("{}files/{}/{filename}", self.base(), self.key.2)
    }

    /// The PEP 740 provenance URL of `filename`.
    pub fn provenance_url(&self, filename: &str) -> String {
        format!("{}integrity/{}/{}/{filename}/provenance", self.base(), self.key.2, self.version)
    }

    pub(super) fn add_pypi_file(&self, filename: &str, bytes: &[u8]) {
        let url = self.file_url(filename);
        self.edit(|r, blobs| {
            r.files.retain(|f| f.filename != filename);
            blobs.insert(url.clone(), bytes.to_vec());
            r.files.push(StoredFile {
                filename: filename.to_string(),
                url,
                digests: sha_all(bytes),
                published: vec!["sha256"],
                ..StoredFile::default()
            });
        });
    }

    /// A distribution file (wheel or sdist, named as `PyPI` names them); the first one
    /// replaces the default sdist.
    pub fn file(self, filename: &str, bytes: &[u8]) -> Self {
        self.edit(Self::take_defaults);
        self.add_pypi_file(filename, bytes);
        self
    }

    /// Advertise PEP 740 provenance for `filename` and serve `provenance` (a provenance
    /// object: `{"attestation_bundles": [...]}`) there.
    pub fn provenance(self, filename: &str, provenance: &[u8]) -> Self {
        let url = self.provenance_url(filename);
        self.edit(|r, blobs| {
            if let Some(f) = r.files.iter_mut().find(|f| f.filename == filename) {
                f.provenance = true;
                blobs.insert(url, provenance.to_vec());
            }
        });
        self
    }

    /// Advertise provenance for `filename` without serving any.
    pub fn advertise_provenance(self, filename: &str) -> Self {
        self.edit(|r, _| {
            if let Some(f) = r.files.iter_mut().find(|f| f.filename == filename) {
                f.provenance = true;
            }
        });
        self
    }

    /// Yank every file of the release (PEP 592), with `reason` (may be empty).
    pub fn yanked(self, reason: &str) -> Self {
        self.edit(|r, _| r.files.iter_mut().for_each(|f| f.yanked = Some(reason.to_string())));
        self
    }

    /// The URL of `filename`.
    pub fn url_of(&self, filename: &str) -> String {
        self.file_url(filename)
    }

    /// The sha256 (hex) of the file `filename`, as a lockfile pins it.
    pub fn sha256(&self, filename: &str) -> Option<String> {
        self.stored(|r| r.files.iter().find(|f| f.filename == filename).and_then(|f| f.digests.get("sha256").cloned()))
    }
}

// Every call takes effect at once: the returned handle is only there to chain calls.
#[allow(clippy::return_self_not_must_use)]
impl ReleaseBuilder<'_, kind::Maven> {
    pub(super) fn add_maven_file(&self, classifier: Option<&str>, extension: &str, bytes: &[u8]) {
        let name = self.name();
        let Some(rel) = artifact_path(&name, &self.version, classifier, extension) else {
            panic!("{name}:{}:{extension} cannot be laid out as a Maven repository path", self.version);
        };
        let url = format!("{}{rel}", self.base());
        let filename = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        self.edit(|r, blobs| {
            r.files.retain(|f| f.filename != filename);
            blobs.insert(url.clone(), bytes.to_vec());
            r.files.push(StoredFile {
                filename,
                url,
                digests: sha_all(bytes),
                published: vec!["sha512", "sha256", "sha1"],
                classifier: classifier.map(str::to_string),
                extension: extension.to_string(),
                ..StoredFile::default()
            });
        });
    }

    /// The main artifact (the jar); the first file added replaces the default jar.
    pub fn jar(self, bytes: &[u8]) -> Self {
        self.file(None, "jar", bytes)
    }

    /// Any artifact file of the release, by classifier and extension.
    pub fn file(self, classifier: Option<&str>, extension: &str, bytes: &[u8]) -> Self {
        self.edit(Self::take_defaults);
        self.add_maven_file(classifier, extension, bytes);
        self
    }

    /// The checksum files beside every artifact of the release: only these algorithms
    /// (Maven Central publishes `sha1` and `md5` for most; `sha256`/`sha512` are newer).
    pub fn checksums(self, algorithms: &[&'static str]) -> Self {
        self.edit(|r, _| r.files.iter_mut().for_each(|f| f.published = algorithms.to_vec()));
        self
    }

    /// Serve `bundle` as the jar's `.sigstore.json` (and list it beside the jar).
    pub fn sigstore(self, bundle: &[u8]) -> Self {
        self.edit(|r, blobs| {
            if let Some(f) = r.files.iter_mut().find(|f| f.classifier.is_none() && f.extension == "jar") {
                blobs.insert(format!("{}.sigstore.json", f.url), bundle.to_vec());
                if !f.signatures.iter().any(|s| s == "sigstore.json") {
                    f.signatures.push("sigstore.json".into());
                }
            }
        });
        self
    }

    /// The jar's URL.
    pub fn jar_url(&self) -> String {
        self.stored(|r| {
            r.files
                .iter()
                .find(|f| f.classifier.is_none() && f.extension == "jar")
                .map(|f| f.url.clone())
                .unwrap_or_default()
        })
    }
}
