//! All outbound HTTP: the client, auth, retries, the `dir` upstream, the chain walk and
//! the metadata cache in front of it.
//!
//! Network is a capability: nothing else in depgate opens a connection. Must not: decide
//! policy or print. Errors never carry credentials: URLs are redacted before they are
//! put into a message.

mod body;
mod chain;
mod dir;
mod dns;
pub mod evidence;
mod hosts;
mod http;
mod maven;
mod memo;
pub mod memory;
mod npm;
mod oci;
pub use oci::Fetch as OciFetch;
pub mod openvet;
pub mod osv;
mod pypi;
mod source;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::redact::{Secret, redact_text};
pub use chain::{Attempt, ChainOutcome, walk_chain};
pub use memo::Memo;
pub use memory::MemoryRegistry;

use crate::cache::{ArtifactStore, MetadataCache};
use crate::config::{AuthScheme, Config, FallReason, Limits, Location, Upstream};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;

/// How long a connection (DNS, TCP, TLS) may take, whatever the upstream's timeout.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong talking to an upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailKind {
    /// 401/403, or a configured credential is missing.
    Auth,
    /// 5xx after retries.
    #[serde(rename = "http_5xx")]
    Http5xx,
    /// No answer within the upstream's timeout.
    Timeout,
    /// Could not connect, or the connection broke, after retries.
    Connect,
    /// Another unexpected status (e.g. 400, 429 after retries).
    Status,
    /// An answer that is not a valid document.
    Invalid,
    /// A `dir` upstream could not be read.
    Io,
}

impl FailKind {
    /// The name decisions.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailKind::Auth => "auth",
            FailKind::Http5xx => "http_5xx",
            FailKind::Timeout => "timeout",
            FailKind::Connect => "connect",
            FailKind::Status => "status",
            FailKind::Invalid => "invalid",
            FailKind::Io => "io",
        }
    }

    /// The chain fall-through reason this failure counts as, if any.
    pub fn fall_reason(self) -> Option<FallReason> {
        match self {
            FailKind::Auth => Some(FallReason::Auth),
            FailKind::Http5xx => Some(FallReason::Http5xx),
            FailKind::Timeout => Some(FallReason::Timeout),
            _ => None,
        }
    }
}

/// A failed request, with a message safe to print.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    pub kind: FailKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub message: String,
    /// Not sent: the host had failed too often in a row in this run (its circuit breaker
    /// was open), so this request failed at once with the same kind.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub circuit_open: bool,
}

impl Failure {
    pub fn new(kind: FailKind, status: Option<u16>, message: String) -> Self {
        Self { kind, status, message, circuit_open: false }
    }
}

/// The outcome of asking one upstream for one document.
#[derive(Debug, Clone)]
pub enum Lookup<T> {
    Found(T),
    NotFound,
    Failed(Failure),
}

/// What the engine wants to know about one name; a chain walk asks each upstream the same.
#[derive(Debug, Clone, Default)]
pub struct Want {
    /// Publish times are needed (npm: the full packument rather than the abbreviated one).
    pub full: bool,
    /// The locked artifacts of this name. A Maven index has no per-version data, so the
    /// POM and checksums of exactly these are fetched into it.
    pub artifacts: Vec<WantedArtifact>,
    /// The publish time of every listed version, not only the wanted ones (the proxy's
    /// listings under a cooldown; Maven: each version's POM `Last-Modified`).
    pub all_times: bool,
}

/// One locked artifact of a name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WantedArtifact {
    pub version: String,
    pub classifier: Option<String>,
    pub extension: Option<String>,
    /// A container image's pinned digest (`sha256:…`), when its reference has a tag too.
    pub digest: Option<String>,
    /// A container image's platform (`linux/arm64`), for resolving an index.
    pub platform: Option<String>,
}

/// Which evidence to fetch: the npm attestations of a version, the PEP 740 provenance of
/// a `PyPI` file, the `.sigstore.json` bundle of a Maven artifact file, or the OpenPGP
/// detached signature (`.asc`) beside a file.
#[derive(Debug, Clone)]
pub struct EvidenceRequest<'a> {
    pub format: EvidenceFormat,
    pub ecosystem: Ecosystem,
    pub name: &'a str,
    pub version: &'a str,
    /// The distribution file (`PyPI`, Maven).
    pub file: Option<&'a str>,
    /// Where the owner keeps it; `None` when it advertises nothing (then only the
    /// committed attestation cache is consulted).
    pub url: Option<&'a str>,
}

/// The kind of evidence file asked for: where the attestation cache keeps it and which
/// metadata-cache bucket holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceFormat {
    /// Sigstore attestations (npm attestations, PEP 740, `.sigstore.json`).
    Attestation,
    /// An OpenPGP detached signature (`.asc`).
    OpenPgp,
}

impl EvidenceFormat {
    /// The format of a sidecar file by its name (`x.jar.asc` → OpenPGP).
    pub fn of_url(url: &str) -> Self {
        let asc = std::path::Path::new(url).extension().is_some_and(|e| e.eq_ignore_ascii_case("asc"));
        if asc { EvidenceFormat::OpenPgp } else { EvidenceFormat::Attestation }
    }
}

/// A source of registry metadata. The engine and the chain walk see only this, so tests
/// and other front doors can swap what stands behind it.
pub trait Registry: Send + Sync {
    /// What `upstream` says about `name`: `NotFound` when it does not have the name.
    fn index(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        want: &Want,
    ) -> impl Future<Output = Lookup<Arc<PackageIndex>>> + Send;

    /// The bytes of the artifact file `url` of `name` that `upstream` serves: from the
    /// content-addressed cache when it holds one of the `expected` digests, else fetched
    /// and stored there.
    fn artifact(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        url: &str,
        expected: &BTreeMap<String, String>,
    ) -> impl Future<Output = Lookup<Artifact>> + Send;

    /// Attestation evidence: from the committed attestation cache when it has it, else
    /// from `upstream`.
    fn evidence(
        &self,
        upstream: &Upstream,
        request: &EvidenceRequest<'_>,
    ) -> impl Future<Output = Lookup<(Vec<u8>, EvidenceSource)>> + Send;
}

/// Where attestation evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// The committed `attestation_cache` folder (offline).
    AttestationCache,
    /// The owning upstream.
    Upstream,
}

/// Artifact bytes and whether the cache already had them.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub bytes: Vec<u8>,
    pub cache_hit: bool,
}

/// A lock shared by every replica of a fleet (`depgate serve` processes on one store):
/// held while one of them fetches an artifact that is not in the store yet, so that the
/// others wait and then read the store instead of fetching it again. A replica that dies
/// holding it releases it (the lock lives in a database session).
pub trait FleetLock: Send + Sync {
    /// Wait for the lock named `key`; it is held until the returned guard is dropped.
    fn lock<'a>(&'a self, key: &'a str) -> FleetLocking<'a>;
}

/// Taking a [`FleetLock`]: the guard (held until dropped), or why it could not be taken.
pub type FleetLocking<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Box<dyn Send>, String>> + Send + 'a>>;

/// The live registry client: HTTP for network upstreams, files for `dir` ones, with the
/// metadata cache in front.
pub struct Upstreams {
    client: reqwest::Client,
    cache: MetadataCache,
    artifacts: ArtifactStore,
    /// Credentials by upstream name, read from the environment once. `Err` holds the
    /// variable name that was not set.
    credentials: BTreeMap<String, Result<(AuthScheme, Secret), String>>,
    /// The committed, offline attestation folder (`[verify] attestation_cache`).
    attestation_cache: Option<PathBuf>,
    /// `[limits]`: body size ceilings by kind of document, the decompression ratio.
    limits: Limits,
    /// Per host: the connection gate and the circuit breaker.
    hosts: hosts::Hosts,
    /// `[cache] max_staleness`: the longest a registry document is used without asking
    /// again, however long the registry's `Cache-Control: max-age` allows.
    max_staleness: std::time::Duration,
    /// `--refresh`: every cached document is asked for again (conditionally).
    refresh: bool,
    /// The proxy's counters (`/metrics`): each request's latency and status by upstream.
    metrics: Option<Arc<crate::metrics::Metrics>>,
    /// Single flight across a fleet's replicas for artifacts not in the store yet.
    fleet_lock: Option<Arc<dyn FleetLock>>,
}

impl Upstreams {
    pub fn new(config: &Config, cache_dir: &std::path::Path) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("depgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_max_idle_per_host(64)
            .dns_resolver(dns::Resolver::new())
            // Gzip is decoded in `http` (bounded by [limits]), not transparently.
            .no_gzip()
            .build()?;
        // What writers killed before their rename left (never read; only their space). On
        // a thread of its own: walking a large cache takes tens of milliseconds (hundreds
        // when cold) that a run need not wait for, and a walk cut short by the end of the
        // process is simply done by a later one.
        let root = cache_dir.to_path_buf();
        std::thread::spawn(move || {
            crate::atomic::sweep_temporaries(&root, crate::cache::CACHE_DEPTH, crate::atomic::TEMPORARY_GRACE)
        });
        let mut credentials = BTreeMap::new();
        for u in config.upstreams.values() {
            if let Some(a) = &u.auth {
                let v = std::env::var(&a.env_var).ok().filter(|v| !v.is_empty());
                credentials
                    .insert(u.name.clone(), v.map(|v| (a.scheme, Secret::new(v))).ok_or_else(|| a.env_var.clone()));
            }
        }
        credentials.extend(osv::credentials(config));
        Ok(Self {
            client,
            cache: MetadataCache::new(cache_dir),
            artifacts: ArtifactStore::new(cache_dir),
            credentials,
            attestation_cache: config.verify.attestation_cache.clone(),
            limits: config.limits,
            hosts: hosts::Hosts::default(),
            max_staleness: config.cache.max_staleness,
            refresh: false,
            metrics: None,
            fleet_lock: None,
        })
    }

    /// Ask the registries again for every cached document (`check --refresh`), whatever
    /// their freshness.
    #[must_use]
    pub fn refreshing(mut self, refresh: bool) -> Self {
        self.refresh = refresh;
        self
    }

    /// Count each upstream request in `metrics` (the proxy's `/metrics`).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Fetch each artifact missing from the store under `lock`, shared with the other
    /// replicas of a fleet: one of them fetches, the others read what it stored.
    #[must_use]
    pub fn with_fleet_lock(mut self, lock: Arc<dyn FleetLock>) -> Self {
        self.fleet_lock = Some(lock);
        self
    }

    /// Whether a cached document may be used without asking: inside the freshness its
    /// registry gave it (capped when it was stored), and not `--refresh`.
    fn fresh(&self, meta: &crate::cache::CacheMeta) -> bool {
        !self.refresh && meta.fresh_until.is_some_and(|t| jiff::Timestamp::now().as_second() < t)
    }

    /// Until when a document fresh for `fresh_for` seconds from now may be used: the
    /// registry's word, capped by `max_staleness` (0: never).
    fn fresh_until(&self, fresh_for: Option<u64>) -> Option<i64> {
        let secs = fresh_for?.min(self.max_staleness.as_secs());
        (secs > 0).then(|| jiff::Timestamp::now().as_second().saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)))
    }

    /// The content-addressed artifact store next to the metadata cache.
    /// A container image document from `upstream` (the proxy's `/v2/`): a manifest or
    /// blob by digest, checked against it, or the repository's tag list.
    pub async fn oci_fetch(&self, upstream: &Upstream, name: &str, what: oci::Fetch<'_>) -> Lookup<Vec<u8>> {
        oci::fetch(self, upstream, name, what).await
    }

    pub fn artifacts(&self) -> &ArtifactStore {
        &self.artifacts
    }

    fn dir_root(upstream: &Upstream) -> Option<PathBuf> {
        match &upstream.location {
            // Absolute, so that the file URLs a folder's index resolves to are well formed
            // whatever the working directory (a relative project path is the default).
            Location::Dir(p) => Some(std::path::absolute(p).unwrap_or_else(|_| p.clone())),
            Location::Url(_) => None,
        }
    }
}

impl Registry for Upstreams {
    async fn index(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        want: &Want,
    ) -> Lookup<Arc<PackageIndex>> {
        match (Self::dir_root(upstream), ecosystem) {
            (Some(root), Ecosystem::Npm) => dir::npm_packument(&root, name).await,
            (Some(root), Ecosystem::Maven) => dir::maven_index(&root, name, want).await,
            (None, Ecosystem::Maven) => maven::http_index(self, upstream, name, want).await,
            (Some(root), Ecosystem::Pypi) => dir::pypi_project(&root, name, want).await,
            (None, Ecosystem::Pypi) => pypi::http_project(self, upstream, name, want).await,
            (None, Ecosystem::Npm) => npm::packument(self, upstream, name, want.full).await,
            (None, Ecosystem::Oci) => oci::index(self, upstream, name, want).await,
            (Some(_), Ecosystem::Oci) => Lookup::Failed(Failure::new(
                FailKind::Invalid,
                None,
                format!(
                    "upstream `{}` is a folder and cannot serve container images (`{name}`): use kind = \"oci\"",
                    upstream.name
                ),
            )),
        }
    }

    async fn evidence(&self, upstream: &Upstream, req: &EvidenceRequest<'_>) -> Lookup<(Vec<u8>, EvidenceSource)> {
        if let Some(dir) = &self.attestation_cache
            && let Some(path) = evidence::cache_path(dir, req)
            && let Ok(bytes) = tokio::fs::read(&path).await
        {
            return Lookup::Found((bytes, EvidenceSource::AttestationCache));
        }
        let got = match (Self::dir_root(upstream), req.url) {
            (None, _) if req.ecosystem == Ecosystem::Oci => {
                oci::signatures(self, upstream, req.name, req.version).await
            }
            (Some(root), _) => dir::evidence(&root, req).await,
            (None, Some(url)) => match http::http_url(url, "attestations") {
                Ok(u) => {
                    let (bucket, accept) = match (req.format, req.ecosystem) {
                        (EvidenceFormat::OpenPgp, _) => ("pgp-signatures-v1", "application/pgp-signature"),
                        (_, Ecosystem::Npm) => ("npm-attestations-v1", "application/json"),
                        (_, Ecosystem::Pypi) => ("pypi-provenance-v1", "application/json"),
                        (_, Ecosystem::Maven) => ("maven-sigstore-v1", "application/json"),
                        (_, Ecosystem::Oci) => ("oci-signatures-v1", "application/json"),
                    };
                    match http::get_cached(self, upstream, bucket, &u, accept).await {
                        Lookup::Found((b, _)) => Lookup::Found(b),
                        Lookup::NotFound => Lookup::NotFound,
                        Lookup::Failed(f) => Lookup::Failed(f),
                    }
                }
                Err(f) => Lookup::Failed(f),
            },
            (None, None) => Lookup::NotFound,
        };
        match got {
            Lookup::Found(b) => Lookup::Found((b, EvidenceSource::Upstream)),
            Lookup::NotFound => Lookup::NotFound,
            Lookup::Failed(f) => Lookup::Failed(f),
        }
    }

    async fn artifact(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        url: &str,
        expected: &BTreeMap<String, String>,
    ) -> Lookup<Artifact> {
        if let Some(bytes) = self.artifacts.get_any(expected) {
            return Lookup::Found(Artifact { bytes, cache_hit: true });
        }
        // Another replica may be fetching it: wait for it, then look in the store again.
        // Only for artifacts the owner publishes a digest of (the store is keyed by it).
        let _fleet_guard = match (&self.fleet_lock, fleet_key(expected)) {
            (Some(lock), Some(key)) => match lock.lock(&key).await {
                Ok(guard) => {
                    if let Some(bytes) = self.artifacts.get_any(expected) {
                        return Lookup::Found(Artifact { bytes, cache_hit: true });
                    }
                    Some(guard)
                }
                Err(e) => {
                    tracing::warn!(
                        "cannot take the fleet lock for {name} ({e}); fetching it without (another replica may fetch it too)"
                    );
                    None
                }
            },
            _ => None,
        };
        let got = match Self::dir_root(upstream) {
            Some(root) if ecosystem == Ecosystem::Npm => dir::npm_tarball(&root, name, url).await,
            Some(root) => dir::file_url(&root, url).await,
            None => {
                // Bytes that do not match the owner's digest may be a transfer cut short
                // (a Content-Length smaller than the file): asked again within the retry
                // budget; still different, they go to the engine, which denies them.
                let mut got = http::fetch(self, upstream, url, "artifact").await;
                for _ in 0..upstream.retries {
                    match &got {
                        Lookup::Found(b) if !expected_matches(expected, b) => {
                            tracing::warn!(
                                "upstream `{}` sent {name} bytes that do not match its digest at {}; asking again",
                                upstream.name,
                                redact_text(url)
                            );
                            got = http::fetch(self, upstream, url, "artifact").await;
                        }
                        _ => break,
                    }
                }
                got
            }
        };
        match got {
            Lookup::Found(bytes) => {
                // Only bytes that match what the owner published are kept: a truncated or
                // tampered body is handed back for the engine to judge, never stored.
                if expected_matches(expected, &bytes)
                    && let Err(e) = self.artifacts.put(&bytes)
                {
                    tracing::warn!("could not store {name} in the artifact cache: {e}");
                }
                Lookup::Found(Artifact { bytes, cache_hit: false })
            }
            Lookup::NotFound => Lookup::NotFound,
            Lookup::Failed(f) => Lookup::Failed(f),
        }
    }
}

/// The fleet lock's name for an artifact: its strongest published digest.
fn fleet_key(expected: &BTreeMap<String, String>) -> Option<String> {
    ["sha512", "sha384", "sha256", "sha1"]
        .iter()
        .find_map(|a| expected.get(*a).map(|h| format!("artifact:{a}:{}", h.to_ascii_lowercase())))
}

/// Whether `bytes` match the strongest of the `expected` digests (hex by algorithm), or
/// there is none to match (an owner that publishes no digest: the bytes settle it later).
fn expected_matches(expected: &BTreeMap<String, String>, bytes: &[u8]) -> bool {
    use sha2::Digest as _;
    for algo in ["sha512", "sha384", "sha256", "sha1"] {
        let Some(want) = expected.get(algo) else { continue };
        let got = match algo {
            "sha512" => hex::encode(sha2::Sha512::digest(bytes)),
            "sha384" => hex::encode(sha2::Sha384::digest(bytes)),
            "sha256" => hex::encode(sha2::Sha256::digest(bytes)),
            _ => hex::encode(sha1::Sha1::digest(bytes)),
        };
        return got.eq_ignore_ascii_case(want);
    }
    true
}
