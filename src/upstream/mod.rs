//! All outbound HTTP: the client, auth, retries, the `dir` upstream, the chain walk and
//! the metadata cache in front of it.
//!
//! Network is a capability: nothing else in depgate opens a connection. Must not: decide
//! policy or print. Errors never carry credentials: URLs are redacted before they are
//! put into a message.

mod chain;
mod dir;
pub mod evidence;
mod npm;
mod secret;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use chain::{Attempt, ChainOutcome, walk_chain};
pub use secret::{Secret, redact_text, redact_url};

use crate::cache::{ArtifactStore, MetadataCache};
use crate::config::{AuthScheme, Config, FallReason, Location, Upstream};
use crate::ecosystem::npm::packument::Packument;

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
}

/// The outcome of asking one upstream for one document.
#[derive(Debug, Clone)]
pub enum Lookup<T> {
    Found(T),
    NotFound,
    Failed(Failure),
}

/// A source of registry metadata. The engine and the chain walk see only this, so tests
/// and other front doors can swap what stands behind it.
pub trait Registry: Send + Sync {
    /// The packument of `name` from `upstream`. `full` asks for the full document (with
    /// publish times) rather than the abbreviated one.
    fn npm_packument(
        &self,
        upstream: &Upstream,
        name: &str,
        full: bool,
    ) -> impl Future<Output = Lookup<Arc<Packument>>> + Send;

    /// The bytes of an npm tarball that `upstream` serves at `url`, from the
    /// content-addressed cache when it holds `expected_sha512` (hex), else fetched and
    /// stored there under their own digest.
    fn npm_tarball(
        &self,
        upstream: &Upstream,
        name: &str,
        url: &str,
        expected_sha512: Option<&str>,
    ) -> impl Future<Output = Lookup<Artifact>> + Send;

    /// The npm attestations response for `name@version`: from the committed attestation
    /// cache when it has it, else from `url` on `upstream` (a `dir` upstream keeps it at
    /// `{name}/attestations/{version}.json`). `url` is `None` when the upstream advertises
    /// no attestations; then only the attestation cache is consulted.
    fn npm_attestations(
        &self,
        upstream: &Upstream,
        name: &str,
        version: &str,
        url: Option<&str>,
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
}

/// Response size ceiling for metadata and tarballs (some packuments are tens of MB).
const MAX_BODY: u64 = 256 * 1024 * 1024;

impl Upstreams {
    pub fn new(config: &Config, cache_dir: &std::path::Path) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("depgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(64)
            .build()?;
        let mut credentials = BTreeMap::new();
        for u in config.upstreams.values() {
            if let Some(a) = &u.auth {
                let v = std::env::var(&a.env_var).ok().filter(|v| !v.is_empty());
                credentials
                    .insert(u.name.clone(), v.map(|v| (a.scheme, Secret::new(v))).ok_or_else(|| a.env_var.clone()));
            }
        }
        Ok(Self {
            client,
            cache: MetadataCache::new(cache_dir),
            artifacts: ArtifactStore::new(cache_dir),
            credentials,
            attestation_cache: config.verify.attestation_cache.clone(),
        })
    }

    /// The content-addressed artifact store next to the metadata cache.
    pub fn artifacts(&self) -> &ArtifactStore {
        &self.artifacts
    }

    fn dir_root(upstream: &Upstream) -> Option<PathBuf> {
        match &upstream.location {
            Location::Dir(p) => Some(p.clone()),
            Location::Url(_) => None,
        }
    }
}

impl Registry for Upstreams {
    async fn npm_packument(&self, upstream: &Upstream, name: &str, full: bool) -> Lookup<Arc<Packument>> {
        if let Some(root) = Self::dir_root(upstream) {
            return dir::npm_packument(&root, name).await;
        }
        npm::packument(self, upstream, name, full).await
    }

    async fn npm_attestations(
        &self,
        upstream: &Upstream,
        name: &str,
        version: &str,
        url: Option<&str>,
    ) -> Lookup<(Vec<u8>, EvidenceSource)> {
        if let Some(dir) = &self.attestation_cache
            && let Some(bytes) = evidence::read_cached_npm(dir, name, version).await
        {
            return Lookup::Found((bytes, EvidenceSource::AttestationCache));
        }
        let got = match (Self::dir_root(upstream), url) {
            (Some(root), _) => dir::npm_attestations(&root, name, version).await,
            (None, Some(url)) => npm::attestations(self, upstream, url).await,
            (None, None) => Lookup::NotFound,
        };
        match got {
            Lookup::Found(b) => Lookup::Found((b, EvidenceSource::Upstream)),
            Lookup::NotFound => Lookup::NotFound,
            Lookup::Failed(f) => Lookup::Failed(f),
        }
    }

    async fn npm_tarball(
        &self,
        upstream: &Upstream,
        name: &str,
        url: &str,
        expected_sha512: Option<&str>,
    ) -> Lookup<Artifact> {
        if let Some(bytes) = expected_sha512.and_then(|h| self.artifacts.get(h)) {
            return Lookup::Found(Artifact { bytes, cache_hit: true });
        }
        let got = match Self::dir_root(upstream) {
            Some(root) => dir::npm_tarball(&root, name, url).await,
            None => npm::tarball(self, upstream, url).await,
        };
        match got {
            Lookup::Found(bytes) => {
                if let Err(e) = self.artifacts.put(&bytes) {
                    tracing::warn!("could not store {name} in the artifact cache: {e}");
                }
                Lookup::Found(Artifact { bytes, cache_hit: false })
            }
            Lookup::NotFound => Lookup::NotFound,
            Lookup::Failed(f) => Lookup::Failed(f),
        }
    }
}
