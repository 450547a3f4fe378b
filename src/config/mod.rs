//! `depgate.toml` → validated [`Config`].
//!
//! Owns: parsing with spans, validating while collecting *every* problem (never stopping
//! at the first), the embedded default configuration, and the file `depgate init` writes
//! (`starter`: the chains of what it found, around a commented template). Must not: read
//! environment variables' values (auth is kept as a reference and resolved by
//! `upstream/`), touch the network, or print.

mod diag;
mod parse;
pub mod starter;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use diag::{ConfigErrors, Diagnostic, line_col};

use crate::ecosystem::Ecosystem;

/// How an upstream is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamKind {
    /// An npm registry (packuments + tarballs).
    Npm,
    /// A `PyPI` simple index (PEP 503/691).
    PypiSimple,
    /// A Maven repository.
    Maven,
    /// A local folder laid out like the registry of the chain it is used in.
    Dir,
    /// A container registry speaking the OCI distribution API (v2).
    Oci,
}

impl UpstreamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamKind::Npm => "npm",
            UpstreamKind::PypiSimple => "pypi-simple",
            UpstreamKind::Maven => "maven",
            UpstreamKind::Dir => "dir",
            UpstreamKind::Oci => "oci",
        }
    }

    /// The ecosystem a network kind serves; `dir` serves whatever chain it is in.
    pub fn ecosystem(self) -> Option<Ecosystem> {
        match self {
            UpstreamKind::Npm => Some(Ecosystem::Npm),
            UpstreamKind::PypiSimple => Some(Ecosystem::Pypi),
            UpstreamKind::Maven => Some(Ecosystem::Maven),
            UpstreamKind::Oci => Some(Ecosystem::Oci),
            UpstreamKind::Dir => None,
        }
    }
}

/// Where an upstream lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Url(url::Url),
    Dir(PathBuf),
}

/// How a credential is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer <value>`.
    Bearer,
    /// `Authorization: Basic base64(<value>)`, where the variable holds `user:password`.
    Basic,
}

/// A credential by reference: the name of an environment variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRef {
    pub env_var: String,
    pub scheme: AuthScheme,
}

/// Why a higher-priority upstream may be passed over for a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FallReason {
    NotFound,
    #[serde(rename = "http_5xx")]
    Http5xx,
    Timeout,
    Auth,
}

impl FallReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FallReason::NotFound => "not_found",
            FallReason::Http5xx => "http_5xx",
            FallReason::Timeout => "timeout",
            FallReason::Auth => "auth",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "not_found" => FallReason::NotFound,
            "http_5xx" => FallReason::Http5xx,
            "timeout" => FallReason::Timeout,
            "auth" => FallReason::Auth,
            _ => return None,
        })
    }
}

/// One registry endpoint.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub name: String,
    pub kind: UpstreamKind,
    pub location: Location,
    pub auth: Option<AuthRef>,
    pub tier: String,
    pub timeout: Duration,
    pub retries: u32,
    /// Which failures let the chain walk on to the next upstream. Default: only `not_found`.
    pub fall_through: Vec<FallReason>,
    /// Expected signer identities of this upstream's provenance (any may match; empty = any
    /// identity the trust roots vouch for).
    pub identity: Vec<crate::attest::IdentityPolicy>,
    /// URL template of this upstream's attestations (`{name}`, `{version}`), for curated
    /// vendors that publish them outside the registry's own metadata.
    pub attestations: Option<String>,
    /// For a `dir` upstream that is a snapshot of a registry: that registry's URL. Used
    /// only to recognise lockfile `resolved` URLs that point at it; never fetched.
    pub mirrors: Option<url::Url>,
    /// For an `oci` upstream: the image registry whose names it serves (`docker.io`,
    /// `cgr.dev`); images of other registries are not asked of it. The url's path, if any,
    /// is the repository prefix the upstream keeps them under.
    pub image_registry: Option<String>,
    /// The repository's OpenPGP key (Cloudsmith signs every file it serves): trusted for
    /// every file this upstream serves, and its `.asc` signatures are fetched.
    pub pgp_key: Option<PathBuf>,
    /// Whether this upstream keeps an OpenPGP `.asc` beside each file. Default: yes for
    /// `maven` (Maven Central requires one), and for any upstream with a `pgp_key`.
    pub pgp_signatures: Option<bool>,
    /// A public key (PEM) that signs Sigstore bundles of this upstream's packages, as cosign
    /// `--key` does (a curated vendor's release key), or for an `oci` upstream its images
    /// (cosign `sign --key`, checked without a log: `tlog = false` must say so): trusted
    /// only for what this upstream serves.
    pub cosign_key: Option<PathBuf>,
    /// Whether a bundle signed by `cosign_key` must carry a transparency-log entry that a
    /// trusted root vouches for (default). `tlog = false` is for private infrastructure: the
    /// key alone vouches, as cosign's `--insecure-ignore-tlog` does.
    pub tlog: bool,
}

impl Upstream {
    /// Does this upstream keep OpenPGP `.asc` signatures beside its files?
    pub fn publishes_pgp_signatures(&self) -> bool {
        self.kind != UpstreamKind::Oci
            && self.pgp_signatures.unwrap_or(self.pgp_key.is_some() || self.kind == UpstreamKind::Maven)
    }

    /// Where this upstream lives, for people: a URL without userinfo, or a folder.
    /// The registry URL lockfile `resolved` URLs of this upstream start with.
    pub fn registry_url(&self) -> Option<&url::Url> {
        match &self.location {
            Location::Url(u) => Some(u),
            Location::Dir(_) => self.mirrors.as_ref(),
        }
    }

    pub fn display_location(&self) -> String {
        match &self.location {
            Location::Url(u) => crate::redact::redact_url(u),
            Location::Dir(p) => p.display().to_string(),
        }
    }
}

/// The ordered upstreams of one ecosystem, and the names bound to one of them.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub upstreams: Vec<String>,
    /// `(pattern, upstream)`: `@acme/*` for npm scopes, an exact name, or a `*` glob.
    pub namespaces: Vec<(String, String)>,
}

pub use crate::policy::settings::{AdvisoryIgnore, AdvisoryPolicy, PolicyConfig, Require, ReviewPolicy, TierPolicy};

/// `[verify]`.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// `embedded` (the Sigstore production root) and/or paths of `trusted_root.json` files.
    pub trusted_roots: Vec<TrustedRootRef>,
    /// Bundles committed beside the lockfile, read before any network fetch.
    pub attestation_cache: Option<PathBuf>,
    /// npm/PyPI provenance must come from the package's declared repository.
    pub require_declared_repository: bool,
    /// Expected signer identities for packages matching purl globs (any rule may match).
    pub identities: Vec<PackageIdentity>,
    /// `[verify.pgp]`: OpenPGP detached signatures; `None`: not configured (no `.asc` is
    /// fetched unless an upstream declares a `pgp_key`).
    pub pgp: Option<PgpConfig>,
}

/// `[verify.pgp]`.
#[derive(Debug, Clone, Default)]
pub struct PgpConfig {
    /// Accept SHA-1 signatures (refused by default).
    pub allow_sha1: bool,
    /// Keyring files (armored or binary), relative paths resolved against the config's folder.
    pub keyrings: Vec<PathBuf>,
    /// A Gradle `verification-metadata.xml` whose `<trusted-key>` entries pin keys; the
    /// `verification-keyring.keys` (or `.gpg`) beside it is read as a keyring.
    pub gradle: Option<PathBuf>,
    /// `[[verify.pgp.trust]]`: purl globs and the keys that may sign them.
    pub trust: Vec<PgpTrust>,
}

/// One `[[verify.pgp.trust]]` rule.
#[derive(Debug, Clone)]
pub struct PgpTrust {
    pub packages: Vec<String>,
    /// Fingerprints (primary or signing subkey) or 16-hex key ids, upper-case.
    pub fingerprints: Vec<String>,
}

/// One entry of `[verify] trusted_root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedRootRef {
    Embedded,
    File(PathBuf),
}

/// `[[verify.identity]]`: packages (purl globs) and the identity they must be signed by.
#[derive(Debug, Clone)]
pub struct PackageIdentity {
    pub packages: Vec<String>,
    pub identity: crate::attest::IdentityPolicy,
}

/// `[limits]`: ceilings on what depgate reads, so that a broken or hostile upstream or
/// input fails closed with a clear error instead of exhausting memory, and on how many
/// upstream requests one run keeps in flight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Packuments, simple pages, `maven-metadata.xml`, POMs, checksum files, core metadata.
    pub max_metadata_bytes: u64,
    /// Tarballs, wheels, sdists, jars.
    pub max_artifact_bytes: u64,
    /// Sigstore bundles, npm attestations, PEP 740 provenance, signature files.
    pub max_bundle_bytes: u64,
    /// One lockfile (or resolved list) read from the project.
    pub max_lockfile_bytes: u64,
    /// Decompressed size over compressed size of a gzip-encoded answer (checked once the
    /// decompressed body passes 1 MiB, so small documents never trip it).
    pub max_decompression_ratio: f64,
    /// Upstream requests one run keeps in flight at once (chain walks, downloads, evidence
    /// fetches): `check` (unless `--concurrency` is given), `attest pull`, `demo` and each
    /// decision of the proxy. Between 1 and [`MAX_CONCURRENCY`].
    pub concurrency: u16,
}

/// `[limits] concurrency` when the configuration does not set it: what `check` has
/// always used.
pub const DEFAULT_CONCURRENCY: u16 = 32;

/// The most requests one run may keep in flight (`[limits] concurrency`, `--concurrency`):
/// beyond it an upstream is more likely to rate-limit the run than to answer it sooner.
pub const MAX_CONCURRENCY: u16 = 512;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_metadata_bytes: 64 << 20,
            max_artifact_bytes: 256 << 20,
            max_bundle_bytes: 16 << 20,
            max_lockfile_bytes: 256 << 20,
            max_decompression_ratio: 200.0,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// `[advisories]`: where vulnerability and malware advisories come from. Absent: no
/// advisories are checked (and every report says so).
#[derive(Debug, Clone)]
pub struct AdvisoriesConfig {
    pub source: AdvisorySource,
    /// Base URL of the per-ecosystem exports `depgate advisories sync` fetches
    /// (`<url>/<Ecosystem>/all.zip`): osv.dev's bucket, or a mirror.
    pub export_url: url::Url,
    /// Credential for the API or the export mirror, by reference.
    pub auth: Option<AuthRef>,
    pub timeout: Duration,
    pub retries: u32,
    /// A database older than this is an error (`None`: `never`, no limit).
    pub max_age: Option<Duration>,
}

/// Where advisories are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdvisorySource {
    /// Folders of OSV records, `all.zip` exports, osv-scanner offline caches; empty: the
    /// sync cache (`<cache>/advisories`).
    Offline { paths: Vec<PathBuf> },
    /// The OSV API (`POST /v1/querybatch`, `GET /v1/vulns/{id}`).
    Online { api: url::Url },
}

/// osv.dev's export bucket.
pub const OSV_EXPORT_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com/";
/// The OSV API.
pub const OSV_API_URL: &str = "https://api.osv.dev/";
/// `[advisories] max_age` when not set.
pub const DEFAULT_ADVISORIES_MAX_AGE: Duration = Duration::from_secs(2 * 86_400);

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from; `None` for the embedded default.
    pub source: Option<PathBuf>,
    /// Directory relative paths are resolved against.
    pub base_dir: PathBuf,
    pub chains: BTreeMap<Ecosystem, Chain>,
    pub upstreams: BTreeMap<String, Upstream>,
    pub policy: PolicyConfig,
    pub verify: VerifyConfig,
    pub limits: Limits,
    /// `[advisories]`, when the configuration has the section.
    pub advisories: Option<AdvisoriesConfig>,
    pub cache: CacheConfig,
    /// `[reviews]`, when the configuration has the section.
    pub reviews: Option<ReviewsConfig>,
    /// `[storage]`: where the metadata cache and the artifact store keep their objects.
    pub storage: StorageConfig,
    /// `[audit]`: the fleet's PostgreSQL audit log, when the configuration has the section.
    pub audit: Option<AuditConfig>,
    /// `[teams.<name>]`: who may use the proxy, by token (empty: no team tokens).
    pub teams: Vec<TeamConfig>,
}

/// `[storage]`: the backend under the metadata cache and the artifact store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StorageConfig {
    /// `kind = "disk"` (the default): files under the cache folder (`--cache-dir`).
    #[default]
    Disk,
    /// `kind = "s3"`: an S3-compatible bucket shared by every replica.
    S3(Box<S3Storage>),
}

/// `[storage] kind = "s3"`: where the bucket is and how to sign requests to it. Only
/// references to credentials: the values are read from the environment at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Storage {
    pub bucket: String,
    /// Key prefix (no leading or trailing `/`), so that one bucket holds several fleets.
    pub prefix: Option<String>,
    /// The S3 API's base URL (`None`: AWS's endpoint of `region`). Plain `http` only to a
    /// loopback address, or with `allow_http`.
    pub endpoint: Option<url::Url>,
    pub allow_http: bool,
    pub region: String,
    /// Variables holding the access key id, the secret key and the session token
    /// (`None`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
    pub access_key_id_env: Option<String>,
    pub secret_access_key_env: Option<String>,
    pub session_token_env: Option<String>,
}

/// One `[teams.<name>]`: its tokens (as sha256 hashes) and the chains it may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamConfig {
    pub name: String,
    pub token_sha256: Vec<[u8; 32]>,
    /// The ecosystems whose chain the team may fetch through; `None`: all.
    pub chains: Option<std::collections::BTreeSet<crate::ecosystem::Ecosystem>>,
}

/// `[audit]`: the PostgreSQL database every record is also appended to (`audit::pg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// The environment variable holding the connection string (a libpq `key=value` string
    /// or a `postgres://` URL); read when a command connects, never printed.
    pub database: String,
    pub tls: PgTls,
    /// Extra root certificates (PEM) for `verify-full`, resolved against the config's folder.
    pub ca_file: Option<PathBuf>,
    /// Connections per process.
    pub pool_size: usize,
}

/// `[audit] tls`: how the connection to PostgreSQL is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgTls {
    /// TLS; the certificate chains to a trusted root and names the host (libpq's `verify-full`).
    VerifyFull,
    /// TLS without checking the certificate (libpq's `require`): encrypted, not authenticated.
    Require,
    /// No TLS: only to a database on this machine (loopback or a Unix socket).
    Disable,
}

impl PgTls {
    /// The name written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            PgTls::VerifyFull => "verify-full",
            PgTls::Require => "require",
            PgTls::Disable => "disable",
        }
    }
}

/// `[audit] pool_size` when not set.
pub const DEFAULT_AUDIT_POOL_SIZE: usize = 8;
/// The most `[audit] pool_size` may be (PostgreSQL's default `max_connections` is 100,
/// shared by every replica).
pub const MAX_AUDIT_POOL_SIZE: usize = 64;

/// `[cache]`: how registry metadata is reused between requests and runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// The longest a cached document (a packument, a simple page, `maven-metadata.xml`)
    /// is used without asking its registry again, when the registry's own
    /// `Cache-Control: max-age` allows at least that long; zero asks every time.
    pub max_staleness: Duration,
}

/// `[cache] max_staleness` when not set: above npm's reported `max-age=300`, so that a
/// registry's own freshness is what usually decides.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(600);
/// The most `[cache] max_staleness` may be: a day-old view of a registry misses yanks
/// and new releases for too long.
pub const MAX_STALENESS_CEILING: Duration = Duration::from_secs(86_400);

impl Default for CacheConfig {
    fn default() -> Self {
        Self { max_staleness: DEFAULT_MAX_STALENESS }
    }
}

/// `[reviews]`: the OpenVet audit logs a team trusts and the requirements over them.
/// Absent: no reviews are looked up.
#[derive(Debug, Clone)]
pub struct ReviewsConfig {
    /// The trusted logs, in configuration order.
    pub logs: Vec<ReviewLog>,
    /// The project's `openvet.toml` (its requirements, overrides and aliases); `None`:
    /// the default requirement `is-benign`.
    pub openvet: Option<PathBuf>,
}

/// `[reviews.logs.<name>]`: one trusted OpenVet log.
#[derive(Debug, Clone)]
pub struct ReviewLog {
    pub name: String,
    /// The log's base URL (`<url>/log/head`, …) or a local mirror folder laid out the same.
    pub location: Location,
    /// Pinned key fingerprints (`sha256:<hex>`): the head must be signed by one of them.
    pub keys: Vec<String>,
    pub auth: Option<AuthRef>,
    pub timeout: Duration,
    pub retries: u32,
}

/// The configuration used when a project has none: public registries only.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

impl Config {
    /// Parse and validate `text`, which was read from `file`.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigErrors> {
        let base_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut cfg = parse::parse(text, file, &base_dir)?;
        cfg.source = Some(file.to_path_buf());
        Ok(cfg)
    }

    /// The embedded default configuration.
    pub fn embedded_default() -> Config {
        let mut cfg = parse::parse(DEFAULT_CONFIG, Path::new("<embedded default>"), Path::new("."))
            .expect("the embedded default configuration is valid (tested)");
        cfg.source = None;
        cfg
    }

    /// The chain of one ecosystem, resolved to upstreams in priority order.
    pub fn chain(&self, eco: Ecosystem) -> Vec<&Upstream> {
        self.chains
            .get(&eco)
            .map_or_else(Vec::new, |c| c.upstreams.iter().filter_map(|n| self.upstreams.get(n)).collect())
    }

    /// The chain that may serve `name`: for container images, the upstreams of the `oci`
    /// chain that serve the registry the image names (in chain order); for packages, the
    /// whole chain.
    pub fn chain_for(&self, eco: Ecosystem, name: &str) -> Vec<&Upstream> {
        let chain = self.chain(eco);
        if eco != Ecosystem::Oci {
            return chain;
        }
        let registry = name.split_once('/').map_or(name, |(r, _)| r);
        chain.into_iter().filter(|u| u.image_registry.as_deref() == Some(registry)).collect()
    }

    /// The upstream a namespace binds `name` to, if any.
    pub fn namespace_owner(&self, eco: Ecosystem, name: &str) -> Option<(&str, &str)> {
        let chain = self.chains.get(&eco)?;
        chain.namespaces.iter().find(|(pattern, _)| name_matches(pattern, name)).map(|(p, u)| (p.as_str(), u.as_str()))
    }
}

/// Does a namespace pattern (`@acme/*`, `com.acme:*`, `exact-name`, `acme-*`) match `name`?
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len() && name.starts_with(prefix) && name.ends_with(suffix)
        }
    }
}

#[cfg(test)]
mod storage_tests;
#[cfg(test)]
mod tests;
