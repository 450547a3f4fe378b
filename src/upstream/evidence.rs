//! The committed attestation cache: bundles kept beside the lockfile so CI verifies
//! offline. Layout (documented in the README):
//!
//! ```text
//! {attestation_cache}/npm/{name}/{version}.json   npm attestations response
//! ```
//!
//! `depgate attest pull` fills it; `check` reads it before asking any upstream.

use std::path::{Path, PathBuf};

use crate::ecosystem::npm::packument::valid_name;

/// Is `version` safe to use as a file-name part?
pub fn safe_version(version: &str) -> bool {
    !version.is_empty()
        && !version.starts_with('.')
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_'))
}

/// Where the attestations of `name@version` live in the cache, if the name and version
/// are safe to use as path parts.
pub fn npm_path(dir: &Path, name: &str, version: &str) -> Option<PathBuf> {
    (valid_name(name) && safe_version(version)).then(|| dir.join("npm").join(name).join(format!("{version}.json")))
}

pub(super) async fn read_cached_npm(dir: &Path, name: &str, version: &str) -> Option<Vec<u8>> {
    tokio::fs::read(npm_path(dir, name, version)?).await.ok()
}
