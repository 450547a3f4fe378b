//! An in-memory [`Registry`]: a test double for pipeline tests and benches that need no
//! process, no HTTP server and no files.
//!
//! Owns: per upstream name, the package indexes it serves (built through the same wire
//! parsers the live client uses: an npm packument, a PEP 691 page; a Maven index built as
//! the repository layout gives it), the bytes behind URLs (artifacts and evidence),
//! programmable failures, and a log of every request. Must not: be used by a front door
//! (`check`, `serve`, the plugins talk to [`Upstreams`](super::Upstreams)), touch the
//! network or the disk, or decide anything.
//!
//! Every upstream lives at [`MemoryRegistry::url`] (`https://{upstream}.memory.invalid/`):
//! point the upstream's `url` in the test's `depgate.toml` there so that lockfile URLs and
//! the index agree. Releases start complete (a default artifact, an old publish time);
//! the builders change what a test is about:
//!
//! ```
//! use depgate::upstream::{FailKind, MemoryRegistry};
//! let reg = MemoryRegistry::new();
//! reg.npm("curated", "left-pad", "1.3.0").published("2020-01-01T00:00:00Z").tarball(b"bytes");
//! reg.fail("curated", "ms", FailKind::Http5xx);
//! assert!(!reg.asked("public", "left-pad"));
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use sha2::Digest as _;

use super::{Artifact, EvidenceRequest, EvidenceSource, FailKind, Failure, Lookup, Registry, Want, expected_matches};
use crate::config::Upstream;
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;
use crate::ecosystem::npm::packument::valid_name;
use crate::ecosystem::pypi::normalize_name;

mod build;
mod render;

/// The publish time a release has until a test sets another: old enough for any cooldown.
pub const DEFAULT_PUBLISHED: &str = "2020-01-01T00:00:00.000Z";

/// The upstream, ecosystem and name (`PyPI`: normalized) a package is kept under.
type PackageKey = (String, Ecosystem, String);

/// A registry held in memory. Cheap to build; share it by reference (`&MemoryRegistry`
/// is what [`engine::run`](crate::engine::run) takes). Every method takes `&self`, so a
/// test can change what upstreams serve between two runs.
#[derive(Default)]
pub struct MemoryRegistry {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    packages: BTreeMap<PackageKey, Package>,
    /// What each absolute URL serves: artifacts and evidence.
    blobs: BTreeMap<String, Vec<u8>>,
    /// `(upstream, name)` → the failure every index request for it gets; name `*` = all.
    failures: BTreeMap<(String, String), Failure>,
    /// URL → the failure every artifact or evidence request for it gets.
    url_failures: BTreeMap<String, Failure>,
    /// Stands for the committed `[verify] attestation_cache`: read before any upstream.
    attestation_cache: BTreeMap<(Ecosystem, String, String, Option<String>), Vec<u8>>,
    /// Stands for the content-addressed artifact store: `(algorithm, hex)` → bytes.
    artifact_cache: BTreeMap<(String, String), Arc<Vec<u8>>>,
    log: Vec<Request>,
}

/// One package name as one upstream holds it.
#[derive(Default)]
struct Package {
    name: String,
    /// npm `dist-tags.latest`, Maven `<release>`: the last version added unless pinned.
    latest: Option<String>,
    /// In the order they were added (Maven metadata lists versions that way).
    releases: Vec<Stored>,
}

/// One version as a builder left it.
#[derive(Default, Clone)]
struct Stored {
    version: String,
    published_at: Option<String>,
    deprecated: Option<String>,
    license: Option<String>,
    repository: Option<String>,
    /// npm: `dist.attestations.url` is advertised (whether or not anything is served there).
    attestations: bool,
    /// The files are the defaults; the first explicit file replaces them.
    default_files: bool,
    files: Vec<StoredFile>,
}

#[derive(Default, Clone)]
struct StoredFile {
    filename: String,
    url: String,
    /// Every digest of the bytes; [`StoredFile::published`] keeps what the index lists.
    digests: BTreeMap<String, String>,
    /// Algorithms the index (or the checksum files beside a Maven artifact) publishes.
    published: Vec<&'static str>,
    /// `PyPI`: the PEP 740 provenance URL is advertised.
    provenance: bool,
    /// `PyPI` yank reason.
    yanked: Option<String>,
    /// Maven: the classifier and extension the file is asked for by.
    classifier: Option<String>,
    extension: String,
    /// Maven: signature files beside it (`sigstore.json`, `asc`).
    signatures: Vec<String>,
}

impl StoredFile {
    fn published_digests(&self) -> BTreeMap<String, String> {
        self.digests
            .iter()
            .filter(|(k, _)| self.published.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// The index of a name (packument, project page, Maven metadata).
    Index,
    /// An artifact file, by URL.
    Artifact,
    /// Attestation evidence, by URL.
    Evidence,
}

/// One request the registry was asked, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The upstream it was asked of.
    pub upstream: String,
    pub kind: RequestKind,
    /// The package name as the caller gave it.
    pub name: String,
    /// The URL, for artifacts and evidence.
    pub url: Option<String>,
}

/// Ecosystem markers of [`ReleaseBuilder`], for the methods only one ecosystem has.
pub mod kind {
    /// An npm release.
    pub struct Npm;
    /// A `PyPI` release.
    pub struct Pypi;
    /// A Maven release.
    pub struct Maven;
}

/// One version of one name at one upstream, as a test describes it. Each call changes
/// what the registry serves at once; there is nothing to finish.
pub struct ReleaseBuilder<'r, K> {
    reg: &'r MemoryRegistry,
    key: PackageKey,
    version: String,
    kind: PhantomData<K>,
}

/// Every digest an index may publish of `bytes`, hex by algorithm.
fn sha_all(bytes: &[u8]) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("sha1".to_string(), hex::encode(sha1::Sha1::digest(bytes))),
        ("sha256".to_string(), hex::encode(sha2::Sha256::digest(bytes))),
        ("sha512".to_string(), hex::encode(sha2::Sha512::digest(bytes))),
    ])
}

/// A failure of `kind` with the status and wording the live client would give it.
fn failure(kind: FailKind, who: &str, what: &str) -> Failure {
    let (status, said) = match kind {
        FailKind::Auth => (Some(401), "refused access (401 Unauthorized)"),
        FailKind::Http5xx => (Some(503), "answered 503 Service Unavailable"),
        FailKind::Status => (Some(429), "answered 429 Too Many Requests"),
        FailKind::Timeout => (None, "did not answer in time"),
        FailKind::Connect => (None, "could not be reached"),
        FailKind::Invalid => (None, "served an invalid document"),
        FailKind::Io => (None, "could not be read"),
    };
    Failure::new(kind, status, format!("{who} {said} for {what} (memory registry)"))
}

fn invalid(message: String) -> Failure {
    Failure::new(FailKind::Invalid, None, message)
}

impl MemoryRegistry {
    /// An empty registry: every upstream has nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The base URL upstream `name` lives at.
    pub fn url(upstream: &str) -> String {
        format!("https://{upstream}.memory.invalid/")
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves a state as good as any.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn name_key(ecosystem: Ecosystem, name: &str) -> String {
        match ecosystem {
            Ecosystem::Pypi => normalize_name(name),
            _ => name.to_string(),
        }
    }

    fn release<K>(&self, upstream: &str, ecosystem: Ecosystem, name: &str, version: &str) -> ReleaseBuilder<'_, K> {
        let key = (upstream.to_string(), ecosystem, Self::name_key(ecosystem, name));
        let b = ReleaseBuilder { reg: self, key, version: version.to_string(), kind: PhantomData };
        let mut st = self.lock();
        let pkg = st
            .packages
            .entry(b.key.clone())
            .or_insert_with(|| Package { name: name.to_string(), ..Package::default() });
        if !pkg.releases.iter().any(|r| r.version == version) {
            pkg.releases.push(Stored {
                version: version.to_string(),
                published_at: Some(DEFAULT_PUBLISHED.to_string()),
                default_files: true,
                ..Stored::default()
            });
            pkg.latest = Some(version.to_string());
        }
        drop(st);
        b
    }

    /// Publish npm `name@version` at `upstream` (or get the release already there): a
    /// default tarball, published at [`DEFAULT_PUBLISHED`], the latest version.
    pub fn npm(&self, upstream: &str, name: &str, version: &str) -> ReleaseBuilder<'_, kind::Npm> {
        let b = self.release(upstream, Ecosystem::Npm, name, version);
        if b.stored(|r| r.default_files && r.files.is_empty()) {
            b.set_tarball(format!("{name}@{version} (memory registry)").as_bytes());
        }
        b
    }

    /// Publish `PyPI` project `name` at `version`: a default sdist, published at
    /// [`DEFAULT_PUBLISHED`].
    pub fn pypi(&self, upstream: &str, name: &str, version: &str) -> ReleaseBuilder<'_, kind::Pypi> {
        let b = self.release(upstream, Ecosystem::Pypi, name, version);
        if b.stored(|r| r.default_files && r.files.is_empty()) {
            let file = format!("{}-{version}.tar.gz", normalize_name(name).replace('-', "_"));
            b.add_pypi_file(&file, format!("{name} {version} sdist (memory registry)").as_bytes());
        }
        b
    }

    /// Publish Maven `group:artifact` at `version`: a default jar with `.sha1`, `.sha256`
    /// and `.sha512` beside it, published at [`DEFAULT_PUBLISHED`], the latest version.
    pub fn maven(&self, upstream: &str, name: &str, version: &str) -> ReleaseBuilder<'_, kind::Maven> {
        let b = self.release(upstream, Ecosystem::Maven, name, version);
        if b.stored(|r| r.default_files && r.files.is_empty()) {
            b.add_maven_file(None, "jar", format!("{name}:{version} jar (memory registry)").as_bytes());
        }
        b
    }

    /// Every index request for `name` at `upstream` fails with `kind` (name `*`: every
    /// name), with a message like the live client's.
    pub fn fail(&self, upstream: &str, name: &str, kind: FailKind) {
        self.fail_with(upstream, name, failure(kind, &format!("upstream `{upstream}`"), &format!("`{name}`")));
    }

    /// Every index request for `name` at `upstream` fails with exactly `failure`.
    pub fn fail_with(&self, upstream: &str, name: &str, failure: Failure) {
        self.lock().failures.insert((upstream.to_string(), name.to_string()), failure);
    }

    /// Undo [`MemoryRegistry::fail`] for `name` at `upstream`.
    pub fn recover(&self, upstream: &str, name: &str) {
        self.lock().failures.remove(&(upstream.to_string(), name.to_string()));
    }

    /// Every artifact or evidence request for `url` fails with `kind`.
    pub fn fail_url(&self, url: &str, kind: FailKind) {
        self.lock().url_failures.insert(url.to_string(), failure(kind, "the server", url));
    }

    /// Serve `bytes` at `url` (evidence at a vendor's attestation template, a CDN file).
    pub fn serve(&self, url: &str, bytes: &[u8]) {
        self.lock().blobs.insert(url.to_string(), bytes.to_vec());
    }

    /// Stop serving `url` (what the index lists stays listed: a broken registry).
    pub fn withdraw(&self, url: &str) {
        self.lock().blobs.remove(url);
    }

    /// Put evidence in the stand-in for the committed attestation cache: it is returned
    /// (as [`EvidenceSource::AttestationCache`]) before any upstream is asked.
    pub fn cache_evidence(&self, ecosystem: Ecosystem, name: &str, version: &str, file: Option<&str>, bytes: &[u8]) {
        let key = (ecosystem, Self::name_key(ecosystem, name), version.to_string(), file.map(str::to_string));
        self.lock().attestation_cache.insert(key, bytes.to_vec());
    }

    /// Every request so far, in order.
    pub fn log(&self) -> Vec<Request> {
        self.lock().log.clone()
    }

    /// Forget the requests so far.
    pub fn clear_log(&self) {
        self.lock().log.clear();
    }

    /// Whether `upstream` was asked anything about `name` (index, artifact or evidence).
    pub fn asked(&self, upstream: &str, name: &str) -> bool {
        self.lock().log.iter().any(|r| r.upstream == upstream && r.name == name)
    }

    /// The names `upstream` was asked the index of, in order.
    pub fn names_asked(&self, upstream: &str) -> Vec<String> {
        let st = self.lock();
        st.log
            .iter()
            .filter(|r| r.upstream == upstream && r.kind == RequestKind::Index)
            .map(|r| r.name.clone())
            .collect()
    }

    fn record(st: &mut State, upstream: &Upstream, kind: RequestKind, name: &str, url: Option<&str>) {
        st.log.push(Request {
            upstream: upstream.name.clone(),
            kind,
            name: name.to_string(),
            url: url.map(str::to_string),
        });
    }

    fn index_now(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        want: &Want,
    ) -> Lookup<Arc<PackageIndex>> {
        let mut st = self.lock();
        Self::record(&mut st, upstream, RequestKind::Index, name, None);
        let key = Self::name_key(ecosystem, name);
        let failed = [name, key.as_str(), "*"]
            .iter()
            .find_map(|n| st.failures.get(&(upstream.name.clone(), (*n).to_string())))
            .cloned();
        if let Some(f) = failed {
            return Lookup::Failed(f);
        }
        let valid = match ecosystem {
            Ecosystem::Npm => valid_name(name),
            Ecosystem::Pypi => !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            Ecosystem::Maven => crate::ecosystem::maven::metadata_path(name).is_some(),
            Ecosystem::Oci => false,
        };
        if !valid {
            return Lookup::Failed(invalid(format!("`{name}` is not a valid {ecosystem} package name")));
        }
        let Some(pkg) = st.packages.get(&(upstream.name.clone(), ecosystem, key)) else {
            return Lookup::NotFound;
        };
        let base = Self::url(&upstream.name);
        let built = match ecosystem {
            Ecosystem::Npm => render::npm_index(pkg, &base),
            Ecosystem::Pypi => render::pypi_index(pkg, &base, want),
            Ecosystem::Maven => render::maven_index(pkg, &base, want),
            Ecosystem::Oci => return Lookup::NotFound,
        };
        match built {
            Ok(index) => Lookup::Found(Arc::new(index)),
            Err(f) => Lookup::Failed(f),
        }
    }

    fn artifact_now(
        &self,
        upstream: &Upstream,
        name: &str,
        url: &str,
        expected: &BTreeMap<String, String>,
    ) -> Lookup<Artifact> {
        let mut st = self.lock();
        Self::record(&mut st, upstream, RequestKind::Artifact, name, Some(url));
        // The artifact store answers by the strongest expected digest, as the live one does.
        let cached = match expected.get("sha512") {
            Some(h) => st.artifact_cache.get(&("sha512".to_string(), h.to_ascii_lowercase())),
            None => ["sha256", "sha1"].iter().find_map(|algo| {
                let h = expected.get(*algo)?;
                st.artifact_cache.get(&((*algo).to_string(), h.to_ascii_lowercase()))
            }),
        };
        if let Some(bytes) = cached {
            return Lookup::Found(Artifact { bytes: bytes.to_vec(), cache_hit: true });
        }
        if let Some(f) = st.url_failures.get(url) {
            return Lookup::Failed(f.clone());
        }
        let Some(bytes) = st.blobs.get(url).cloned() else { return Lookup::NotFound };
        if expected_matches(expected, &bytes) {
            let shared = Arc::new(bytes.clone());
            for (algo, hex) in sha_all(&bytes) {
                st.artifact_cache.insert((algo, hex), shared.clone());
            }
        }
        Lookup::Found(Artifact { bytes, cache_hit: false })
    }

    fn evidence_now(&self, upstream: &Upstream, req: &EvidenceRequest<'_>) -> Lookup<(Vec<u8>, EvidenceSource)> {
        let mut st = self.lock();
        Self::record(&mut st, upstream, RequestKind::Evidence, req.name, req.url);
        let key = (
            req.ecosystem,
            Self::name_key(req.ecosystem, req.name),
            req.version.to_string(),
            req.file.map(str::to_string),
        );
        if let Some(bytes) = st.attestation_cache.get(&key).filter(|_| req.format == super::EvidenceFormat::Attestation)
        {
            return Lookup::Found((bytes.clone(), EvidenceSource::AttestationCache));
        }
        let Some(url) = req.url else { return Lookup::NotFound };
        if let Some(f) = st.url_failures.get(url) {
            return Lookup::Failed(f.clone());
        }
        match st.blobs.get(url) {
            Some(bytes) => Lookup::Found((bytes.clone(), EvidenceSource::Upstream)),
            None => Lookup::NotFound,
        }
    }
}

impl Registry for MemoryRegistry {
    async fn index(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        want: &Want,
    ) -> Lookup<Arc<PackageIndex>> {
        self.index_now(upstream, ecosystem, name, want)
    }

    async fn artifact(
        &self,
        upstream: &Upstream,
        _ecosystem: Ecosystem,
        name: &str,
        url: &str,
        expected: &BTreeMap<String, String>,
    ) -> Lookup<Artifact> {
        self.artifact_now(upstream, name, url, expected)
    }

    async fn evidence(&self, upstream: &Upstream, request: &EvidenceRequest<'_>) -> Lookup<(Vec<u8>, EvidenceSource)> {
        self.evidence_now(upstream, request)
    }
}
