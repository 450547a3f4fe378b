//! Every environment variable depgate reads, in one place (used by clap, code and tests).

/// Log filter (`tracing` env-filter syntax), e.g. `depgate=debug`.
pub const LOG: &str = "DEPGATE_LOG";
/// Cache folder (metadata and artifacts).
pub const CACHE_DIR: &str = "DEPGATE_CACHE_DIR";
/// Path of the configuration file.
pub const CONFIG: &str = "DEPGATE_CONFIG";
/// Disable colours (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// GitHub runner context, recorded in reports.
pub const GITHUB_REPOSITORY: &str = "GITHUB_REPOSITORY";
pub const GITHUB_EVENT_NAME: &str = "GITHUB_EVENT_NAME";
