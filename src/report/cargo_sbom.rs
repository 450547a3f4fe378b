//! A `CycloneDX` 1.6 SBOM of a Rust project from its `Cargo.lock` (`depgate sbom
//! --cargo-lock`): the release SBOM of depgate itself, `depgate.cdx.json`.
//!
//! Owns: mapping locked packages to components (`pkg:cargo/NAME@VERSION`, the `.crate`
//! sha256 from `checksum`, where it came from) and the lockfile's dependency graph. It
//! writes through the same serde model as `sbom.cdx.json` ([`super::cyclonedx`]).
//!
//! Must not: fetch, read files, or claim more than a lockfile says. A `Cargo.lock` locks
//! every package any build of the workspace could use (dev-dependencies, optional
//! features, other platforms), so the BOM says so in `depgate:sbom:scope` rather than
//! pretend to be the exact contents of one binary. Deterministic: components in lockfile
//! order, the serial derived from the content, no clock but the `now` handed in.

use std::collections::BTreeMap;

use super::cyclonedx::{Bom, Component, Dependency, ExternalReference, Hash, Property, metadata};
use crate::ecosystem::cargo::{CargoLock, CargoPackage};

/// Why no SBOM can be made from a lockfile.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CargoSbomError {
    #[error("no locked package is named `{0}`")]
    NoSuchRoot(String),
    #[error("`{0}` is locked at several versions or sources; a root must be one package")]
    AmbiguousRoot(String),
    #[error("cannot tell the root package: the local (path) packages nothing depends on are {0}")]
    NoSingleRoot(String),
}

/// Percent-encode a purl qualifier value (everything but unreserved characters).
fn qualifier(value: &str) -> String {
    escape(value, false)
}

/// Percent-encode a purl name or version: `+` is kept, as in depgate's other purls (a
/// semver build suffix, `0.9.12+spec-1.1.0`).
fn segment(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, keep_plus: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || (keep_plus && b == b'+') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The package's purl: plain for crates.io and local packages, with `repository_url`
/// for another registry and `vcs_url` for a git source.
fn purl(p: &CargoPackage) -> String {
    let base = format!("pkg:cargo/{}@{}", segment(&p.name), segment(&p.version));
    match p.source.as_deref() {
        None => base,
        Some(_) if p.from_crates_io() => base,
        Some(s) if s.starts_with("git+") => format!("{base}?vcs_url={}", qualifier(s)),
        Some(s) => {
            let url = s.split_once('+').map_or(s, |(_, u)| u);
            format!("{base}?repository_url={}", qualifier(url))
        }
    }
}

/// The index of the root package: `root` by name, else the one local package that no
/// other package depends on.
pub fn find_root(lock: &CargoLock, root: Option<&str>) -> Result<usize, CargoSbomError> {
    if let Some(name) = root {
        let mut hits = lock.packages.iter().enumerate().filter(|(_, p)| p.name == name);
        let first = hits.next().ok_or_else(|| CargoSbomError::NoSuchRoot(name.to_string()))?.0;
        return if hits.next().is_none() { Ok(first) } else { Err(CargoSbomError::AmbiguousRoot(name.to_string())) };
    }
    let depended: std::collections::BTreeSet<usize> =
        lock.packages.iter().flat_map(|p| p.dependencies.iter().copied()).collect();
    let tops: Vec<usize> =
        (0..lock.packages.len()).filter(|i| lock.packages[*i].source.is_none() && !depended.contains(i)).collect();
    if let [one] = tops.as_slice() {
        return Ok(*one);
    }
    let names: Vec<&str> = tops.iter().map(|i| lock.packages[*i].name.as_str()).collect();
    Err(CargoSbomError::NoSingleRoot(if names.is_empty() { "none".into() } else { names.join(", ") }))
}

fn component(p: &CargoPackage, bom_ref: String, kind: &'static str) -> Component {
    let mut external_references = Vec::new();
    if p.from_crates_io() {
        external_references.push(ExternalReference {
            kind: "distribution",
            url: format!("https://static.crates.io/crates/{0}/{0}-{1}.crate", p.name, p.version),
        });
    } else if let Some(url) = p.source.as_deref().and_then(|s| s.strip_prefix("git+")).and_then(super::cyclonedx::iri) {
        external_references.push(ExternalReference { kind: "vcs", url });
    }
    let mut properties = Vec::new();
    if let Some(s) = &p.source {
        properties.push(Property { name: "depgate:cargo:source", value: s.clone() });
    }
    let purl = purl(p);
    Component {
        kind,
        bom_ref: Some(bom_ref),
        name: p.name.clone(),
        version: Some(p.version.clone()),
        hashes: p.checksum.iter().map(|c| Hash { alg: "SHA-256", content: c.clone() }).collect(),
        purl: Some(purl),
        external_references,
        properties,
        ..Component::default()
    }
}

/// Render the SBOM of `lock` with `root` (an index from [`find_root`]) as the described
/// component. `now` is RFC 3339 (the timestamp), or empty for none.
pub fn render_cargo_cyclonedx(lock: &CargoLock, root: usize, now: &str) -> Vec<u8> {
    // bom-refs: the purl, made unique where one name@version is locked from two sources
    // that the purl does not tell apart (two local packages).
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let refs: Vec<String> = lock
        .packages
        .iter()
        .map(|p| {
            let purl = purl(p);
            let n = seen.entry(purl.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { purl } else { format!("{purl}#{n}") }
        })
        .collect();
    let components = lock
        .packages
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != root)
        .map(|(i, p)| component(p, refs[i].clone(), "library"))
        .collect();
    // The lockfile knows every edge, so every package has an entry (an empty one is
    // "depends on nothing", which the lockfile does say).
    let dependencies = lock
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| Dependency {
            reference: refs[i].clone(),
            depends_on: p.dependencies.iter().map(|d| refs[*d].clone()).collect(),
        })
        .collect();
    Bom::new(
        metadata(
            now,
            component(&lock.packages[root], refs[root].clone(), "application"),
            vec![Property {
                name: "depgate:sbom:scope",
                value: "every package Cargo.lock locks: including dev-dependencies, optional features and other platforms' dependencies".into(),
            }],
        ),
        components,
        dependencies,
        Vec::new(),
    )
    .finish(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::cargo::parse_cargo_lock;
    use serde_json::Value;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "tool"
version = "0.2.0"
dependencies = ["helper", "serde", "gitdep"]

[[package]]
name = "helper"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ddc6f9cc94d67c0e21aa35b7bc0f7c5b4a0d2f3a3c8d1e1c7d3e0f7a9b8c6d5e"

[[package]]
name = "gitdep"
version = "0.3.0"
source = "git+https://github.com/o/gitdep?rev=abc#abcdef0"
"#;

    fn lock() -> CargoLock {
        parse_cargo_lock(std::path::Path::new("Cargo.lock"), LOCK).unwrap()
    }

    #[test]
    fn the_root_is_the_local_package_nothing_depends_on() {
        let lock = lock();
        assert_eq!(find_root(&lock, None), Ok(0));
        assert_eq!(find_root(&lock, Some("helper")), Ok(1));
        assert_eq!(find_root(&lock, Some("nope")), Err(CargoSbomError::NoSuchRoot("nope".into())));
        let mut two = lock.clone();
        two.packages[0].dependencies.clear();
        two.packages[1].dependencies.clear();
        assert_eq!(find_root(&two, None), Err(CargoSbomError::NoSingleRoot("tool, helper".into())));
    }

    #[test]
    fn components_purls_hashes_and_edges() {
        let lock = lock();
        let bom: Value = serde_json::from_slice(&render_cargo_cyclonedx(&lock, 0, "2026-12-06T00:00:00Z")).unwrap();
        assert_eq!(bom["specVersion"], "1.6");
        assert_eq!(bom["metadata"]["timestamp"], "2026-12-06T00:00:00Z");
        assert_eq!(bom["metadata"]["component"]["purl"], "pkg:cargo/tool@0.2.0");
        assert_eq!(bom["metadata"]["component"]["type"], "application");
        let comps = bom["components"].as_array().unwrap();
        assert_eq!(comps.len(), 3, "the root is not repeated as a component");
        assert_eq!(comps[1]["purl"], "pkg:cargo/serde@1.0.200");
        assert_eq!(comps[1]["hashes"][0]["alg"], "SHA-256");
        assert_eq!(comps[1]["hashes"][0]["content"].as_str().unwrap().len(), 64);
        assert_eq!(
            comps[1]["externalReferences"][0]["url"],
            "https://static.crates.io/crates/serde/serde-1.0.200.crate"
        );
        assert_eq!(
            comps[2]["purl"],
            "pkg:cargo/gitdep@0.3.0?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fo%2Fgitdep%3Frev%3Dabc%23abcdef0"
        );
        assert!(comps[2].get("hashes").is_none(), "no checksum, no hash");
        let deps = bom["dependencies"].as_array().unwrap();
        assert_eq!(deps.len(), 4);
        assert_eq!(deps[0]["ref"], "pkg:cargo/tool@0.2.0");
        assert_eq!(deps[0]["dependsOn"].as_array().unwrap().len(), 3);
        assert_eq!(deps[2]["dependsOn"].as_array().unwrap().len(), 0);
        // A semver build suffix keeps its `+` (as depgate's other purls do).
        let toml = CargoPackage {
            name: "toml".into(),
            version: "0.9.12+spec-1.1.0".into(),
            source: Some(crate::ecosystem::cargo::CRATES_IO[1].into()),
            checksum: None,
            dependencies: Vec::new(),
        };
        assert_eq!(purl(&toml), "pkg:cargo/toml@0.9.12+spec-1.1.0");
        // Deterministic: same input, same bytes (serial included).
        assert_eq!(render_cargo_cyclonedx(&lock, 0, ""), render_cargo_cyclonedx(&lock, 0, ""));
    }
}
