//! depgate coordinates as OpenVet subjects (`registry:package@version[?variant]#alg:hex`).
//!
//! - npm: `npm:<name>@<version>` (scopes kept whole), no variant; OpenVet's npm resolver
//!   uses the tarball's `dist.integrity` (sha512), so every digest depgate knows for the
//!   tarball is offered (`sha512`, `sha256`).
//! - PyPI: `pypi:<normalized name>@<version>?<variant>`: the variant is `sdist` for a
//!   source distribution and the wheel's PEP 425 tag (`py3-none-any`) for a wheel; sha256.
//! - Maven: `maven:<group>:<artifact>@<version>`; files other than the main `.jar` carry
//!   the rest of their name as the variant (`sources.jar`, `pom`); sha256 (and sha512).

use std::collections::BTreeMap;

use openvet_crypto::TaggedHash;
use openvet_proto::Subject;

use crate::ecosystem::Ecosystem;
use crate::ecosystem::pypi::normalize_name;

/// Digest algorithms an OpenVet subject can carry that depgate records.
const ALGORITHMS: &[&str] = &["sha256", "sha512"];

/// The OpenVet subjects naming this artifact, one per digest depgate knows (`digests`:
/// hex by algorithm). Empty when no digest is known (nothing can match then).
pub fn subjects(
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
    file: Option<&str>,
    digests: &BTreeMap<String, String>,
) -> Vec<Subject> {
    let (registry, package, variant) = match ecosystem {
        Ecosystem::Npm => ("npm", name.to_string(), None),
        Ecosystem::Pypi => ("pypi", normalize_name(name), file.and_then(pypi_variant)),
        Ecosystem::Maven => ("maven", name.to_string(), file.and_then(|f| maven_variant(name, version, f))),
        // OpenVet names no registry for container images.
        Ecosystem::Oci => return Vec::new(),
    };
    ALGORITHMS
        .iter()
        .filter_map(|alg| {
            let bytes = hex::decode(digests.get(*alg)?).ok()?;
            let hash = TaggedHash::tagged(*alg, bytes);
            Some(match &variant {
                Some(v) => Subject::new_with_variant(registry, package.clone(), version, v.clone(), hash),
                None => Subject::new(registry, package.clone(), version, hash),
            })
        })
        .collect()
}

/// `sdist` for a source distribution, the PEP 425 tag of a wheel.
fn pypi_variant(file: &str) -> Option<String> {
    let lower = file.to_ascii_lowercase();
    if let Some(stem) = file.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        (parts.len() >= 5).then(|| parts[parts.len() - 3..].join("-"))
    } else if [".tar.gz", ".zip", ".tar.bz2"].iter().any(|ext| lower.ends_with(ext)) {
        Some("sdist".to_string())
    } else {
        None
    }
}

/// `None` for `<artifact>-<version>.jar`; else what follows `<artifact>-<version>` with
/// its leading `-` or `.` dropped.
fn maven_variant(name: &str, version: &str, file: &str) -> Option<String> {
    let artifact = name.rsplit(':').next().unwrap_or(name);
    let rest = file.strip_prefix(&format!("{artifact}-{version}"))?;
    if rest == ".jar" {
        return None;
    }
    let rest = rest.trim_start_matches(['-', '.']);
    (!rest.is_empty()).then(|| rest.to_string())
}
