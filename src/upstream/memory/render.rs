//! The indexes a [`MemoryRegistry`](super::MemoryRegistry) serves, built at request time
//! from what the builders stored: npm and `PyPI` through their wire formats and the same
//! parsers the live client uses, Maven as the repository layout gives it. Must not: keep
//! state or fetch anything.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;

use super::{Package, invalid};
use crate::ecosystem::index::{DistFile, PackageIndex, Release};
use crate::ecosystem::maven::artifact_path;
use crate::ecosystem::maven::pom::packaging_extension;
use crate::ecosystem::npm::packument::parse_packument;
use crate::ecosystem::pypi::{normalize_name, parse_simple_json};
use crate::upstream::{Failure, Want};

/// An npm package as a full packument, parsed the way the live client parses one.
pub(super) fn npm_index(pkg: &Package, base: &str) -> Result<PackageIndex, Failure> {
    let mut versions = serde_json::Map::new();
    let mut time = serde_json::Map::new();
    for r in &pkg.releases {
        let mut dist = json!({});
        if let Some(f) = r.files.first() {
            let d = f.published_digests();
            dist["tarball"] = json!(f.url);
            if let Some(h) = d.get("sha512") {
                use base64::Engine as _;
                let raw = hex::decode(h).unwrap_or_default();
                dist["integrity"] = json!(format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(raw)));
            }
            if let Some(h) = d.get("sha1") {
                dist["shasum"] = json!(h);
            }
        }
        if r.attestations {
            dist["attestations"] = json!({
                "url": format!("{base}-/npm/v1/attestations/{}@{}", pkg.name, r.version),
                "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}
            });
        }
        let mut manifest = json!({"name": pkg.name, "version": r.version, "dist": dist});
        for (key, value) in [("license", &r.license), ("deprecated", &r.deprecated)] {
            if let Some(v) = value {
                manifest[key] = json!(v);
            }
        }
        if let Some(repo) = &r.repository {
            manifest["repository"] = json!({"type": "git", "url": repo});
        }
        versions.insert(r.version.clone(), manifest);
        if let Some(t) = &r.published_at {
            time.insert(r.version.clone(), json!(t));
        }
    }
    let mut doc = json!({"name": pkg.name, "versions": versions, "time": time});
    if let Some(latest) = &pkg.latest {
        doc["dist-tags"] = json!({"latest": latest});
    }
    let raw = serde_json::to_vec(&doc).map_err(|e| invalid(e.to_string()))?;
    let packument =
        parse_packument(&raw).map_err(|e| invalid(format!("the memory registry built an invalid packument: {e}")))?;
    let mut index = packument.to_index();
    index.raw = Some(Arc::from(raw));
    Ok(index)
}

/// A `PyPI` project as a PEP 691 page, parsed the way the live client parses one; the
/// wanted versions get their licence and repository (core metadata, where live reads them).
pub(super) fn pypi_index(pkg: &Package, base: &str, want: &Want) -> Result<PackageIndex, Failure> {
    let norm = normalize_name(&pkg.name);
    let mut files = Vec::new();
    for r in &pkg.releases {
        for f in &r.files {
            let mut entry = json!({
                "filename": f.filename,
                "url": f.url,
                "hashes": f.published_digests(),
            });
            if let Some(t) = &r.published_at {
                entry["upload-time"] = json!(t);
            }
            if let Some(y) = &f.yanked {
                entry["yanked"] = if y.is_empty() { json!(true) } else { json!(y) };
            }
            if f.provenance {
                entry["provenance"] = json!(format!("{base}integrity/{norm}/{}/{}/provenance", r.version, f.filename));
            }
            files.push(entry);
        }
    }
    let versions: Vec<&str> = pkg.releases.iter().map(|r| r.version.as_str()).collect();
    let doc = json!({"meta": {"api-version": "1.1"}, "name": norm, "versions": versions, "files": files});
    let page = url::Url::parse(&format!("{base}{norm}/")).map_err(|e| invalid(e.to_string()))?;
    let bytes = serde_json::to_vec(&doc).map_err(|e| invalid(e.to_string()))?;
    let mut index = parse_simple_json(&bytes, &page)
        .map_err(|e| invalid(format!("the memory registry built an invalid page: {e}")))?;
    let wanted: BTreeSet<String> =
        want.artifacts.iter().filter_map(|a| crate::ecosystem::pypi::normalize_version(&a.version)).collect();
    for r in &pkg.releases {
        let Some(v) = crate::ecosystem::pypi::normalize_version(&r.version).filter(|v| wanted.contains(v)) else {
            continue;
        };
        if let Some(release) = index.versions.get_mut(&v) {
            release.license.clone_from(&r.license);
            release.repository.clone_from(&r.repository);
        }
    }
    Ok(index)
}

/// A Maven name as the repository layout gives it: every version listed, and for each
/// wanted artifact its POM's details (publish time, licence, repository), the checksums
/// and signature files beside it.
pub(super) fn maven_index(pkg: &Package, base: &str, want: &Want) -> Result<PackageIndex, Failure> {
    let mut index = PackageIndex { name: pkg.name.clone(), latest: pkg.latest.clone(), ..PackageIndex::default() };
    for r in &pkg.releases {
        let published_at = if want.all_times { r.published_at.clone() } else { None };
        index.versions.insert(r.version.clone(), Release { published_at, ..Release::default() });
    }
    let wanted: BTreeSet<_> = want.artifacts.iter().collect();
    for w in wanted {
        // No POM for a version the name does not have: nothing to add.
        let Some(r) = pkg.releases.iter().find(|r| r.version == w.version) else { continue };
        let extension = w.extension.clone().unwrap_or_else(|| packaging_extension("jar").to_string());
        let Some(rel) = artifact_path(&pkg.name, &w.version, w.classifier.as_deref(), &extension) else {
            return Err(invalid(format!("cannot map {}:{}:{extension} into a repository path", pkg.name, w.version)));
        };
        let filename = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        // Like the live client, the file is listed whether or not it exists: only its
        // checksum and signature files say more.
        let file = match r.files.iter().find(|f| f.filename == filename) {
            Some(f) => DistFile {
                filename,
                url: f.url.clone(),
                digests: f.published_digests(),
                signatures: f.signatures.clone(),
                ..DistFile::default()
            },
            None => DistFile { filename, url: format!("{base}{rel}"), ..DistFile::default() },
        };
        let entry = index.versions.entry(w.version.clone()).or_default();
        if entry.files.is_empty() {
            entry.published_at.clone_from(&r.published_at);
            entry.license.clone_from(&r.license);
            entry.repository.clone_from(&r.repository);
        }
        entry.files.push(file);
    }
    index.has_times = index.versions.values().any(|r| r.published_at.is_some());
    Ok(index)
}
