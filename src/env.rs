//! Every environment variable depgate reads, in one place (used by clap, code and tests).

/// Log filter (`tracing` env-filter syntax), e.g. `depgate=debug`.
pub const LOG: &str = "DEPGATE_LOG";
/// `text` or `json`: how the log on stderr is written (`--log-format`).
pub const LOG_FORMAT: &str = "DEPGATE_LOG_FORMAT";
/// Cache folder (metadata and artifacts).
pub const CACHE_DIR: &str = "DEPGATE_CACHE_DIR";
/// Path of the configuration file.
pub const CONFIG: &str = "DEPGATE_CONFIG";
/// Disable colours (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// GitHub runner context, recorded in reports and the audit log (`report::audit::RunnerContext`).
pub const GITHUB_REPOSITORY: &str = "GITHUB_REPOSITORY";
pub const GITHUB_EVENT_NAME: &str = "GITHUB_EVENT_NAME";
pub const GITHUB_ACTOR: &str = "GITHUB_ACTOR";
pub const GITHUB_WORKFLOW: &str = "GITHUB_WORKFLOW";
pub const GITHUB_RUN_ID: &str = "GITHUB_RUN_ID";
pub const GITHUB_RUN_ATTEMPT: &str = "GITHUB_RUN_ATTEMPT";
pub const GITHUB_SHA: &str = "GITHUB_SHA";
/// GitHub's server URL (`https://github.com`, or a GitHub Enterprise host), for the VSA's
/// `resourceUri` (`report::vsa`).
pub const GITHUB_SERVER_URL: &str = "GITHUB_SERVER_URL";
/// The key that signs the run's SLSA verification summary (`report::vsa`): a PEM PKCS#8
/// ECDSA P-256 private key, as text. Never printed or logged.
pub const SIGNING_KEY: &str = "DEPGATE_SIGNING_KEY";
/// The same key read from this file path (set one of the two).
pub const SIGNING_KEY_FILE: &str = "DEPGATE_SIGNING_KEY_FILE";
/// The token clients must present to `depgate serve` (Bearer, or Basic password).
pub const PROXY_TOKEN: &str = "DEPGATE_PROXY_TOKEN";
/// Unix seconds to stamp build outputs with instead of now (<https://reproducible-builds.org/specs/source-date-epoch/>):
/// the `metadata.timestamp` of `depgate sbom`.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";
