//! The Maven repository layout: `maven-metadata.xml` for the versions of a name, and for
//! each locked artifact its POM (packaging, licence, source repository, `Last-Modified`),
//! its checksum files and which signature files sit beside it (`.sigstore.json`, `.asc`).
//! Transport is [`Source`]: HTTP or a folder (a local repository such as Debian's
//! `/usr/share/maven-repo`, which has neither metadata nor checksums).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::StreamExt as _;

use super::http::invalid;
use super::source::Source;
use super::{Lookup, Upstreams, Want};
use crate::config::{Location, Upstream};
use crate::ecosystem::digest::{checksum_file_digest, hex_len};
use crate::ecosystem::index::{DistFile, PackageIndex, Release};
use crate::ecosystem::maven::metadata::{parse_maven_metadata, parse_snapshot_metadata};
use crate::ecosystem::maven::pom::{packaging_extension, parse_pom};
use crate::ecosystem::maven::version::MavenVersion;
use crate::ecosystem::maven::{artifact_path, metadata_path, version_metadata_path};

/// Checksum files read beside an artifact, strongest first.
const CHECKSUMS: [&str; 3] = ["sha512", "sha256", "sha1"];
/// Signature files recorded as evidence when present.
const SIGNATURES: [&str; 2] = ["sigstore.json", "asc"];

pub(super) async fn http_index(
    ups: &Upstreams,
    upstream: &Upstream,
    name: &str,
    want: &Want,
) -> Lookup<Arc<PackageIndex>> {
    let Location::Url(base) = &upstream.location else { unreachable!("dir upstreams are read by upstream::dir") };
    index(&Source::Http { ups, upstream, base }, name, want).await
}

/// What `src` has of `name` (`group:artifact`): the versions its metadata lists, and the
/// details of the wanted artifacts. Without metadata (folders often have none), the name
/// is present when a wanted version's POM is.
pub(super) async fn index(src: &Source<'_>, name: &str, want: &Want) -> Lookup<Arc<PackageIndex>> {
    let Some(meta_rel) = metadata_path(name) else {
        return Lookup::Failed(invalid(format!("`{name}` is not a Maven group:artifact name")));
    };
    let mut index = PackageIndex { name: name.to_string(), has_times: true, ..PackageIndex::default() };
    let mut listed = false;
    match src.get(&meta_rel, "maven-metadata-v1", "application/xml, text/xml;q=0.9, */*;q=0.1").await {
        Lookup::Found((bytes, _, _)) => match parse_maven_metadata(&bytes) {
            Ok(m) => {
                listed = true;
                index.latest = m.release.clone().or_else(|| m.latest.clone());
                // Its `lastUpdated` dates this file, not any version (see the parser).
                for v in &m.versions {
                    index.versions.insert(v.clone(), Release::default());
                }
            }
            Err(e) => {
                return Lookup::Failed(invalid(format!("{} served an invalid {meta_rel}: {e}", src.who())));
            }
        },
        Lookup::NotFound => {}
        Lookup::Failed(f) => return Lookup::Failed(f),
    }
    if !listed && let Source::Dir { root } = src {
        // A folder without metadata (Debian's maven-repo): its version folders list the
        // name, so a name the folder owns is owned whichever version is asked for.
        let versions = folder_versions(root, &meta_rel, name).await;
        listed = !versions.is_empty();
        for v in versions {
            index.versions.insert(v, Release::default());
        }
    }
    if want.all_times && !index.versions.is_empty() {
        let versions: Vec<String> = index.versions.keys().cloned().collect();
        let times: Vec<(String, Option<String>)> = futures::stream::iter(versions)
            .map(|v| async move {
                let t = pom_time(src, name, &v).await;
                (v, t)
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for (v, t) in times {
            if let (Some(r), Some(t)) = (index.versions.get_mut(&v), t) {
                r.published_at = Some(t);
            }
        }
    }
    let wanted: BTreeSet<_> = want.artifacts.iter().collect();
    let mut poms: BTreeMap<String, Option<(String, Release)>> = BTreeMap::new();
    for w in wanted {
        if !poms.contains_key(&w.version) {
            let got = pom(src, name, &w.version).await;
            match got {
                Lookup::Found(p) => poms.insert(w.version.clone(), Some(p)),
                Lookup::NotFound => poms.insert(w.version.clone(), None),
                Lookup::Failed(f) => return Lookup::Failed(f),
            };
        }
        let Some(Some((packaging, release))) = poms.get(&w.version) else { continue };
        let extension = w.extension.clone().unwrap_or_else(|| packaging_extension(packaging).to_string());
        let Some(rel) = artifact_path(name, &w.version, w.classifier.as_deref(), &extension) else {
            return Lookup::Failed(invalid(format!(
                "cannot map {name}:{}:{extension} into a repository path",
                w.version
            )));
        };
        let file = match artifact_file(src, &rel).await {
            Ok(f) => f,
            Err(f) => return Lookup::Failed(f),
        };
        let dated = index.versions.get(&w.version).is_some_and(|r| r.published_at.is_some());
        let published_at = match &release.published_at {
            Some(t) => Some(t.clone()),
            None if !dated => undated_version_time(src, name, &w.version, Some(&rel)).await,
            None => None,
        };
        let entry = index.versions.entry(w.version.clone()).or_default();
        if entry.files.is_empty() && entry.published_at.is_none() {
            *entry = Release { files: entry.files.clone(), ..release.clone() };
        }
        if entry.published_at.is_none() {
            entry.published_at = published_at;
        }
        entry.files.push(file);
    }
    if !listed && index.versions.is_empty() {
        return Lookup::NotFound;
    }
    index.has_times = index.versions.values().any(|r| r.published_at.is_some());
    Lookup::Found(Arc::new(index))
}

/// When the POM of `name:version` was published (its `Last-Modified`), if the source says;
/// for a SNAPSHOT whose POM is not dated, its own version-level metadata. A POM that
/// cannot be read leaves the time unknown (policy then fails closed).
async fn pom_time(src: &Source<'_>, name: &str, version: &str) -> Option<String> {
    let rel = artifact_path(name, version, None, "pom")?;
    match src.get(&rel, "maven-pom-v1", "application/xml, text/xml;q=0.9, */*;q=0.1").await {
        Lookup::Found((_, Some(last_modified), _)) => Some(last_modified),
        Lookup::Found((_, None, _)) => undated_version_time(src, name, version, None).await,
        Lookup::NotFound | Lookup::Failed(_) => None,
    }
}

/// When `version` was published, for a repository whose POM gives no `Last-Modified`:
/// the artifact file's own `Last-Modified` (`artifact`, a release), or a SNAPSHOT's
/// version-level `maven-metadata.xml` when it describes that version. Nothing else dates a
/// version — the artifact-level `lastUpdated` dates the metadata file — so otherwise the
/// time stays unknown, and policy treats it so (`publish-time-unknown`). A date that
/// cannot be fetched is unknown too, never a failure of the package.
async fn undated_version_time(src: &Source<'_>, name: &str, version: &str, artifact: Option<&str>) -> Option<String> {
    if MavenVersion::parse(version).is_snapshot() {
        // A SNAPSHOT's files are replaced by each build: its own metadata says when.
        let rel = version_metadata_path(name, version)?;
        return match src.get(&rel, "maven-metadata-v1", "application/xml, text/xml;q=0.9, */*;q=0.1").await {
            Lookup::Found((bytes, _, _)) => parse_snapshot_metadata(&bytes).ok()?.published_at(version),
            Lookup::NotFound | Lookup::Failed(_) => None,
        };
    }
    match src.last_modified(artifact?, "maven-date-v1").await {
        Lookup::Found(t) => t,
        Lookup::NotFound | Lookup::Failed(_) => None,
    }
}

/// The versions of `name` in a folder that has no `maven-metadata.xml`: the folders beside
/// where it would be that hold the name's POM for their version.
async fn folder_versions(root: &std::path::Path, meta_rel: &str, name: &str) -> Vec<String> {
    let Some(dir) = std::path::Path::new(meta_rel).parent() else { return Vec::new() };
    let Some(artifact) = name.rsplit(':').next() else { return Vec::new() };
    let dir = root.join(dir);
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else { return Vec::new() };
    let mut versions = Vec::new();
    while let Ok(Some(e)) = entries.next_entry().await {
        let Some(v) = e.file_name().to_str().map(str::to_string) else { continue };
        if v.starts_with('.') {
            continue;
        }
        if tokio::fs::metadata(dir.join(&v).join(format!("{artifact}-{v}.pom"))).await.is_ok_and(|m| m.is_file()) {
            versions.push(v);
        }
    }
    versions
}

/// The POM of `name:version`: its packaging and what it says about the release.
async fn pom(src: &Source<'_>, name: &str, version: &str) -> Lookup<(String, Release)> {
    let Some(rel) = artifact_path(name, version, None, "pom") else {
        return Lookup::Failed(invalid(format!("cannot map {name}:{version} into a repository path")));
    };
    match src.get(&rel, "maven-pom-v1", "application/xml, text/xml;q=0.9, */*;q=0.1").await {
        Lookup::Found((bytes, last_modified, _)) => match parse_pom(&bytes) {
            Ok(mut p) => {
                inherit_from_parents(src, &mut p).await;
                let release = Release {
                    published_at: last_modified,
                    license: p.license_expression(),
                    repository: p.scm_url.clone(),
                    ..Release::default()
                };
                Lookup::Found((p.packaging.clone(), release))
            }
            Err(e) => Lookup::Failed(invalid(format!("{} served an invalid POM at {rel}: {e}", src.who()))),
        },
        Lookup::NotFound => Lookup::NotFound,
        Lookup::Failed(f) => Lookup::Failed(f),
    }
}

/// Licences and the source repository are often declared only in a parent POM (guava's,
/// Apache's): walk up to four parents for what the POM lacks. A parent that cannot be read
/// leaves the field empty (licence policy then sees none), never fails the package.
async fn inherit_from_parents(src: &Source<'_>, pom: &mut crate::ecosystem::maven::pom::Pom) {
    let mut next = pom.parent.clone();
    for _ in 0..4 {
        if pom.license_expression().is_some() && pom.scm_url.is_some() {
            return;
        }
        let Some(parent) = next.take() else { return };
        let name = format!("{}:{}", parent.group_id, parent.artifact_id);
        let Some(rel) = artifact_path(&name, &parent.version, None, "pom") else { return };
        let Lookup::Found((bytes, _, _)) = src.get(&rel, "maven-pom-v1", "application/xml, */*;q=0.1").await else {
            return;
        };
        let Ok(p) = parse_pom(&bytes) else { return };
        pom.inherit_licenses(&p);
        if pom.scm_url.is_none() {
            pom.scm_url.clone_from(&p.scm_url);
        }
        next = p.parent;
    }
}

/// An artifact file: its URL, the checksums published beside it, its signature files.
async fn artifact_file(src: &Source<'_>, rel: &str) -> Result<DistFile, super::Failure> {
    let url = src.url(rel)?;
    let mut file = DistFile {
        filename: rel.rsplit('/').next().unwrap_or(rel).to_string(),
        url: url.to_string(),
        ..DistFile::default()
    };
    let sums = futures::future::join_all(
        CHECKSUMS.iter().map(|algo| src.get_checked(format!("{rel}.{algo}"), "maven-checksum-v1")),
    )
    .await;
    for (algo, got) in CHECKSUMS.iter().zip(sums) {
        match got {
            Lookup::Found(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                match hex_len(algo).and_then(|n| checksum_file_digest(&text, n)) {
                    Some(d) => {
                        file.digests.insert((*algo).to_string(), d);
                    }
                    None => {
                        return Err(invalid(format!(
                            "{} served a {rel}.{algo} that is not a {algo} checksum",
                            src.who()
                        )));
                    }
                }
            }
            Lookup::NotFound => {}
            Lookup::Failed(f) => return Err(f),
        }
    }
    let sigs = futures::future::join_all(
        SIGNATURES.iter().map(|ext| src.get_checked(format!("{rel}.{ext}"), "maven-signature-v1")),
    )
    .await;
    for (ext, got) in SIGNATURES.iter().zip(sigs) {
        match got {
            Lookup::Found(_) => file.signatures.push((*ext).to_string()),
            Lookup::NotFound => {}
            Lookup::Failed(f) => return Err(f),
        }
    }
    Ok(file)
}
