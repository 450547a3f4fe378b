//! The `dir` upstream: a local folder laid out like a registry.
//!
//! - npm: `{root}/{name}/index.json` is the packument (a scoped name is the folder
//!   `@scope/name`), tarballs are `{root}/{name}/-/{file}.tgz`, attestations
//!   `{root}/{name}/attestations/{version}.json`.
//! - `PyPI`: `{root}/{normalized-name}/index.json` (PEP 691) or `index.html` (PEP 503),
//!   files where the page's links point (relative links stay inside the folder), PEP 740
//!   provenance as `{file}.provenance` beside each file.
//! - Maven: the repository layout (`/usr/share/maven-repo` is one); `maven-metadata.xml`
//!   and checksum files are optional.

use std::path::Path;
use std::sync::Arc;

use super::http::invalid;
use super::source::{Source, read_under};
use super::{EvidenceRequest, Lookup, Want};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;
use crate::ecosystem::npm::packument::{parse_packument, valid_name};

pub(super) async fn npm_packument(root: &Path, name: &str) -> Lookup<Arc<PackageIndex>> {
    if !valid_name(name) {
        return Lookup::Failed(invalid(format!("`{name}` is not a valid npm package name")));
    }
    let rel = format!("{name}/index.json");
    match read_under(root, &rel).await {
        Lookup::Found(bytes) => match parse_packument(&bytes) {
            Ok(p) => {
                let mut index = p.to_index();
                index.raw = Some(Arc::from(bytes));
                Lookup::Found(Arc::new(index))
            }
            Err(e) => Lookup::Failed(invalid(format!("{}: invalid packument: {e}", root.join(&rel).display()))),
        },
        Lookup::NotFound => Lookup::NotFound,
        Lookup::Failed(f) => Lookup::Failed(f),
    }
}

pub(super) async fn pypi_project(root: &Path, name: &str, want: &Want) -> Lookup<Arc<PackageIndex>> {
    super::pypi::project(&Source::Dir { root }, name, want).await
}

pub(super) async fn maven_index(root: &Path, name: &str, want: &Want) -> Lookup<Arc<PackageIndex>> {
    super::maven::index(&Source::Dir { root }, name, want).await
}

/// Evidence kept in the folder beside what it attests.
pub(super) async fn evidence(root: &Path, req: &EvidenceRequest<'_>) -> Lookup<Vec<u8>> {
    let rel = match req.ecosystem {
        _ if req.format == super::EvidenceFormat::OpenPgp => req.url.and_then(|u| relative_file(root, u)),
        Ecosystem::Npm => (valid_name(req.name) && super::evidence::safe_version(req.version))
            .then(|| format!("{}/attestations/{}.json", req.name, req.version)),
        // The owner's own URL for it, mapped into the folder.
        Ecosystem::Pypi | Ecosystem::Maven => req.url.and_then(|u| relative_file(root, u)),
        // Image signatures live in the registry beside the image, never in a folder.
        Ecosystem::Oci => None,
    };
    match rel {
        Some(rel) => read_under(root, &rel).await,
        None => Lookup::NotFound,
    }
}

pub(super) async fn npm_tarball(root: &Path, name: &str, url: &str) -> Lookup<Vec<u8>> {
    let file = url.rsplit('/').next().unwrap_or_default();
    if !valid_name(name)
        || file.is_empty()
        || file.starts_with('.')
        || file.contains('\\')
        || !std::path::Path::new(file).extension().is_some_and(|e| e.eq_ignore_ascii_case("tgz"))
    {
        return Lookup::Failed(invalid(format!("cannot map tarball `{url}` of `{name}` into the folder")));
    }
    read_under(root, &format!("{name}/-/{file}")).await
}

/// A `file:` URL inside the folder, as a path relative to it.
fn relative_file(root: &Path, url: &str) -> Option<String> {
    let path = url::Url::parse(url).ok().filter(|u| u.scheme() == "file")?.to_file_path().ok()?;
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// An artifact of a `PyPI` or Maven folder, by the `file:` URL its index gave.
pub(super) async fn file_url(root: &Path, url: &str) -> Lookup<Vec<u8>> {
    match relative_file(root, url) {
        Some(rel) => read_under(root, &rel).await,
        None => Lookup::Failed(invalid(format!("artifact URL `{url}` does not point into {}", root.display()))),
    }
}
