//! `Cargo.lock` (lockfile versions 1 to 4), read for one purpose: a `CycloneDX` SBOM of a
//! Rust project (`depgate sbom --cargo-lock`, which makes depgate's own release SBOM).
//!
//! Cargo is not an ecosystem depgate gates: nothing here becomes a [`super::Coordinate`],
//! and `depgate check` refuses a `Cargo.lock` by name (`crate::lockfiles`).
//!
//! Owns: the `[[package]]` tables, their `checksum` (or version 1's `[metadata]`
//! `"checksum NAME VERSION (SOURCE)"` keys), and each package's `dependencies` resolved
//! to the package they name. Must not: read files, guess a checksum, or drop a
//! dependency it cannot resolve (that is an error naming it).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::LockfileError;

/// The crates.io index, as `source` records it (git protocol and sparse protocol).
pub const CRATES_IO: [&str; 2] =
    ["registry+https://github.com/rust-lang/crates.io-index", "sparse+https://index.crates.io/"];

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoPackage {
    pub name: String,
    pub version: String,
    /// `registry+URL`, `sparse+URL`, `git+URL#commit`; `None` for a local (path) package.
    pub source: Option<String>,
    /// The `.crate` file's sha256 (lowercase hex), for registry packages.
    pub checksum: Option<String>,
    /// Indices into [`CargoLock::packages`] of the packages this one depends on.
    pub dependencies: Vec<usize>,
}

impl CargoPackage {
    /// Whether the package comes from crates.io.
    pub fn from_crates_io(&self) -> bool {
        self.source.as_deref().is_some_and(|s| CRATES_IO.contains(&s))
    }
}

/// A parsed `Cargo.lock`: its packages in file order.
#[derive(Debug, Clone, Default)]
pub struct CargoLock {
    /// The `version` key (absent in versions 1 and 2).
    pub version: Option<i64>,
    pub packages: Vec<CargoPackage>,
}

#[derive(Deserialize)]
struct RawLock {
    version: Option<i64>,
    #[serde(default)]
    package: Vec<RawPackage>,
    #[serde(default)]
    metadata: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

fn err(file: &Path, message: impl Into<String>) -> LockfileError {
    LockfileError::new(
        file,
        0,
        message,
        "regenerate it with `cargo generate-lockfile` (or `cargo update --workspace`) and try again",
    )
}

/// Parse `text`, the content of the `Cargo.lock` at `file` (named in errors).
pub fn parse_cargo_lock(file: &Path, text: &str) -> Result<CargoLock, LockfileError> {
    let raw: RawLock = toml::from_str(text).map_err(|e| err(file, format!("not a Cargo.lock: {e}")))?;
    if let Some(v) = raw.version
        && !(1..=4).contains(&v)
    {
        return Err(err(file, format!("lockfile version {v} is newer than the versions depgate reads (1 to 4)")));
    }
    if raw.package.is_empty() {
        return Err(err(file, "it locks no package (no [[package]] table)"));
    }
    // Version 1 keeps checksums apart: `"checksum NAME VERSION (SOURCE)" = "HEX"`.
    let mut v1_checksums: BTreeMap<(String, String), String> = BTreeMap::new();
    for (key, value) in &raw.metadata {
        let Some(rest) = key.strip_prefix("checksum ") else { continue };
        let mut words = rest.split(' ');
        if let (Some(name), Some(version), Some(sum)) = (words.next(), words.next(), value.as_str())
            && sum != "<none>"
        {
            v1_checksums.insert((name.to_string(), version.to_string()), sum.to_string());
        }
    }
    let mut packages: Vec<CargoPackage> = Vec::with_capacity(raw.package.len());
    for p in &raw.package {
        let checksum = p.checksum.clone().or_else(|| v1_checksums.get(&(p.name.clone(), p.version.clone())).cloned());
        if let Some(sum) = &checksum
            && !(sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(err(file, format!("{} {}: checksum `{sum}` is not a sha256 in hex", p.name, p.version)));
        }
        packages.push(CargoPackage {
            name: p.name.clone(),
            version: p.version.clone(),
            source: p.source.clone(),
            checksum: checksum.map(|s| s.to_ascii_lowercase()),
            dependencies: Vec::new(),
        });
    }
    for (i, p) in raw.package.iter().enumerate() {
        let mut deps = Vec::with_capacity(p.dependencies.len());
        for d in &p.dependencies {
            let target = resolve(&packages, d).ok_or_else(|| {
                err(file, format!("{} {}: dependency `{d}` names no single locked package", p.name, p.version))
            })?;
            deps.push(target);
        }
        deps.sort_unstable();
        deps.dedup();
        packages[i].dependencies = deps;
    }
    Ok(CargoLock { version: raw.version, packages })
}

/// The package a `dependencies` entry names: `NAME`, `NAME VERSION` or
/// `NAME VERSION (SOURCE)`; `None` when none or several match.
fn resolve(packages: &[CargoPackage], entry: &str) -> Option<usize> {
    let mut words = entry.splitn(3, ' ');
    let name = words.next()?;
    let version = words.next();
    let source = words.next().map(|s| s.trim_start_matches('(').trim_end_matches(')'));
    let mut hits = packages.iter().enumerate().filter(|(_, p)| {
        p.name == name
            && version.is_none_or(|v| p.version == v)
            && source.is_none_or(|s| p.source.as_deref().is_some_and(|ps| same_source(ps, s)))
    });
    let first = hits.next()?.0;
    hits.next().is_none().then_some(first)
}

/// A dependency entry names a git source without the `#commit` the package's own carries.
fn same_source(package: &str, named: &str) -> bool {
    package == named || package.split('#').next() == Some(named.split('#').next().unwrap_or(named))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "serde",
 "syn 2.0.1",
 "syn 1.0.9 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "DDC6F9CC94D67C0E21AA35B7BC0F7C5B4A0D2F3A3C8D1E1C7D3E0F7A9B8C6D5E"

[[package]]
name = "syn"
version = "2.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "55ff7a5b3f2f4c4d4e3b1c0a9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

[[package]]
name = "syn"
version = "1.0.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "0000000000000000000000000000000000000000000000000000000000000001"
"#;

    #[test]
    fn reads_packages_checksums_and_resolves_dependencies() {
        let lock = parse_cargo_lock(Path::new("Cargo.lock"), V4).unwrap();
        assert_eq!(lock.version, Some(4));
        assert_eq!(lock.packages.len(), 4);
        let app = &lock.packages[0];
        assert_eq!(app.source, None);
        assert_eq!(app.checksum, None);
        assert_eq!(app.dependencies, [1, 2, 3]);
        assert!(lock.packages[1].from_crates_io());
        assert!(lock.packages[1].checksum.as_deref().unwrap().starts_with("ddc6f9"), "lowercased");
    }

    #[test]
    fn version_1_checksums_come_from_metadata() {
        let text = r#"
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum a 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)" = "1111111111111111111111111111111111111111111111111111111111111111"
"#;
        let lock = parse_cargo_lock(Path::new("Cargo.lock"), text).unwrap();
        assert_eq!(lock.packages[0].checksum.as_deref(), Some("1".repeat(64).as_str()));
    }

    #[test]
    fn refuses_what_it_cannot_read_faithfully() {
        let file = Path::new("x/Cargo.lock");
        let ambiguous = V4.replace("\"syn 2.0.1\",", "\"syn\",");
        let e = parse_cargo_lock(file, &ambiguous).unwrap_err();
        assert!(e.message.contains("dependency `syn` names no single locked package"), "{}", e.message);
        let e = parse_cargo_lock(file, &V4.replace("version = 4", "version = 5")).unwrap_err();
        assert!(e.message.contains("lockfile version 5"), "{}", e.message);
        let e = parse_cargo_lock(file, &V4.replace("55ff7a5b", "zzff7a5b")).unwrap_err();
        assert!(e.message.contains("is not a sha256"), "{}", e.message);
        let e = parse_cargo_lock(file, "version = 4\n").unwrap_err();
        assert!(e.message.contains("locks no package"), "{}", e.message);
        let e = parse_cargo_lock(file, "[[package]\n").unwrap_err();
        assert!(e.message.starts_with("not a Cargo.lock"), "{}", e.message);
        assert_eq!(e.file, file);
    }
}
