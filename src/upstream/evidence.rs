//! The committed attestation cache: bundles kept beside the lockfile so CI verifies
//! offline. Layout (documented in the README):
//!
//! ```text
//! {attestation_cache}/npm/{name}/{version}.json                          npm attestations response
//! {attestation_cache}/pypi/{name}/{version}/{file}.provenance.json       PEP 740 provenance object
//! {attestation_cache}/maven/{group}/{artifact}/{version}/{file}.sigstore.json   Sigstore bundle
//! {attestation_cache}/{npm|pypi|maven}/{name}/{version}/{file}.asc        OpenPGP signature
//! ```
//!
//! `depgate attest pull` fills it; `check` reads it before asking any upstream.

use std::path::{Path, PathBuf};

use super::EvidenceRequest;
use crate::ecosystem::Ecosystem;
use crate::ecosystem::npm::packument::valid_name;

/// Is `version` safe to use as a file-name part?
pub fn safe_version(version: &str) -> bool {
    !version.is_empty()
        && !version.starts_with('.')
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_'))
}

/// Is `part` safe as one path segment (no separators, not hidden, not `..`)?
pub fn safe_segment(part: &str) -> bool {
    !part.is_empty()
        && !part.starts_with('.')
        && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_' | b'!' | b'~'))
}

/// Where the attestations of `name@version` live in the cache, if the name and version
/// are safe to use as path parts.
pub fn npm_path(dir: &Path, name: &str, version: &str) -> Option<PathBuf> {
    (valid_name(name) && safe_version(version)).then(|| dir.join("npm").join(name).join(format!("{version}.json")))
}

/// Where the evidence of `request` lives in the cache, if every part is safe as a path part.
pub fn cache_path(dir: &Path, request: &EvidenceRequest<'_>) -> Option<PathBuf> {
    let v = request.version;
    if request.format == super::EvidenceFormat::OpenPgp {
        // `{ecosystem}/{name}/{version}/{file}.asc` (npm names may hold one `/`).
        let file = request.file?;
        let name = request.name.replace(':', "/");
        let parts_safe = name.split('/').all(safe_segment) && safe_version(v) && safe_segment(file);
        let eco = match request.ecosystem {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Maven => "maven",
            // Images carry no `.asc` (their signatures are cosign's).
            Ecosystem::Oci => return None,
        };
        return parts_safe.then(|| dir.join(eco).join(name).join(v).join(format!("{file}.asc")));
    }
    match request.ecosystem {
        Ecosystem::Oci => None,
        Ecosystem::Npm => npm_path(dir, request.name, v),
        Ecosystem::Pypi => {
            let name = crate::ecosystem::pypi::normalize_name(request.name);
            let file = request.file?;
            (safe_segment(&name) && safe_version(v) && safe_segment(file))
                .then(|| dir.join("pypi").join(name).join(v).join(format!("{file}.provenance.json")))
        }
        Ecosystem::Maven => {
            let (group, artifact) = request.name.split_once(':')?;
            let file = request.file?;
            (safe_segment(group) && safe_segment(artifact) && safe_segment(v) && safe_segment(file))
                .then(|| dir.join("maven").join(group).join(artifact).join(v).join(format!("{file}.sigstore.json")))
        }
    }
}
