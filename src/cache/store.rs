//! The storage trait under the caches: named objects (`bucket/xx/name`) that are read
//! whole, written whole, and listed. Two backends: a folder on local disk
//! ([`super::disk::Disk`]) and any S3-compatible object store ([`super::s3::S3`]).
//!
//! Owns: the object model both backends share (whole objects, conditional creation,
//! listing). Must not: know digests or framing (that is [`super::MetadataCache`] and
//! [`super::ArtifactStore`], on top of this trait, so both backends get the same checks),
//! nor HTTP or registries.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

/// What a storage call returns: a boxed future, so that the caches hold `Arc<dyn Storage>`
/// whatever the backend.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// How a write treats an object already under the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Only if absent (S3 `If-None-Match: *`; on disk a rename that never replaces):
    /// content-addressed objects and pointers, which never change once written.
    Create,
    /// Replace whatever is there, atomically (a whole-object PUT; a rename): metadata
    /// entries, which change when a registry document is revalidated.
    Overwrite,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The object is now the bytes given.
    Stored,
    /// [`Write::Create`] found an object already there (another replica won the race, or
    /// an earlier run): nothing was written; the caller re-reads and re-checks it.
    Exists,
}

/// Named objects, read and written whole. Keys are `/`-separated relative names made of
/// `[a-z0-9-]` segments (`artifacts-v1/sha512/ab/ab…`, `npm-packument-v2/3f/3f…`).
///
/// Reads of an object that is not there give `Ok(None)`; `Err` is a store that could not
/// be asked (the caches log it and treat the object as absent, so a broken store costs a
/// fetch from upstream, never an unchecked byte).
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// The whole object under `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Write `bytes` under `key`, whole or not at all: no reader ever sees a partial
    /// object.
    fn put<'a>(&'a self, key: &'a str, bytes: bytes::Bytes, write: Write) -> StoreFuture<'a, Written>;

    /// Every key under `prefix` (a bucket name such as `artifacts-v1`, or `""` for all
    /// the caches' objects), relative to the store, in no particular order.
    fn list<'a>(&'a self, prefix: &'a str) -> StoreFuture<'a, Vec<String>>;

    /// One cheap request that proves the store can be used (bucket reachable, credentials
    /// accepted), so that `serve` and `check` fail at start rather than on every request.
    fn ready(&self) -> StoreFuture<'_, ()>;

    /// Where the objects live, for people: a folder, or `s3://bucket/prefix` (never a
    /// credential).
    fn describe(&self) -> String;
}

/// The storage `config` names: the disk folder `cache_dir` (the default), or an S3
/// bucket. Credentials are read from the environment here; a missing one is an error
/// naming the variable.
pub fn open(config: &crate::config::StorageConfig, cache_dir: &std::path::Path) -> Result<Arc<dyn Storage>, String> {
    match config {
        crate::config::StorageConfig::Disk => Ok(Arc::new(super::disk::Disk::new(cache_dir))),
        crate::config::StorageConfig::S3(s3) => Ok(Arc::new(super::s3::S3::open(s3)?)),
    }
}

/// Whether `name` is a cache bucket: `artifacts-v1`, or a metadata bucket such as
/// `npm-packument-v2` (lowercase words, then `-v` and a number). Anything else in a cache
/// folder (`advisories/`, temporaries) is not an object of the caches.
pub fn is_bucket(name: &str) -> bool {
    let Some((stem, version)) = name.rsplit_once("-v") else { return false };
    !stem.is_empty()
        && !version.is_empty()
        && version.bytes().all(|b| b.is_ascii_digit())
        && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::is_bucket;

    #[test]
    fn buckets_are_named_with_a_version() {
        for b in ["artifacts-v1", "npm-packument-abbrev-v2", "osv-vuln-v1", "pypi-simple-v12"] {
            assert!(is_bucket(b), "{b}");
        }
        for b in ["advisories", "-v1", "npm-v", "npm-vx", ".tmp-v1", "Npm-v1", "a/b-v1"] {
            assert!(!is_bucket(b), "{b}");
        }
    }
}
