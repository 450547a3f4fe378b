//! The `dir` upstream: a local folder laid out like a registry.
//!
//! npm layout: `{root}/{name}/index.json` is the packument (a scoped name is the folder
//! `@scope/name`), tarballs are `{root}/{name}/-/{file}.tgz`.

use std::path::Path;
use std::sync::Arc;

use super::{FailKind, Failure, Lookup};
use crate::ecosystem::npm::packument::{Packument, parse_packument, valid_name};

fn invalid(message: String) -> Failure {
    Failure { kind: FailKind::Invalid, status: None, message }
}

pub(super) async fn npm_packument(root: &Path, name: &str) -> Lookup<Arc<Packument>> {
    if !valid_name(name) {
        return Lookup::Failed(invalid(format!("`{name}` is not a valid npm package name")));
    }
    let path = root.join(name).join("index.json");
    match tokio::fs::read(&path).await {
        Ok(bytes) => match parse_packument(&bytes) {
            Ok(p) => Lookup::Found(Arc::new(p)),
            Err(e) => Lookup::Failed(invalid(format!("{}: invalid packument: {e}", path.display()))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Lookup::NotFound,
        Err(e) => {
            Lookup::Failed(Failure { kind: FailKind::Io, status: None, message: format!("{}: {e}", path.display()) })
        }
    }
}

pub(super) async fn npm_attestations(root: &Path, name: &str, version: &str) -> Lookup<Vec<u8>> {
    if !valid_name(name) || !super::evidence::safe_version(version) {
        return Lookup::Failed(invalid(format!("cannot map `{name}@{version}` into the folder")));
    }
    let path = root.join(name).join("attestations").join(format!("{version}.json"));
    match tokio::fs::read(&path).await {
        Ok(bytes) => Lookup::Found(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Lookup::NotFound,
        Err(e) => {
            Lookup::Failed(Failure { kind: FailKind::Io, status: None, message: format!("{}: {e}", path.display()) })
        }
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
    let path = root.join(name).join("-").join(file);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Lookup::Found(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Lookup::NotFound,
        Err(e) => {
            Lookup::Failed(Failure { kind: FailKind::Io, status: None, message: format!("{}: {e}", path.display()) })
        }
    }
}
