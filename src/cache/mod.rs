//! The caches: registry metadata (revalidated with `ETag`s) and a content-addressed
//! artifact store, both on a [`Storage`] backend (the cache folder, or an S3 bucket a
//! fleet of replicas shares).
//!
//! Owns: keys, versioned buckets, the integrity framing and its checks on every read, and
//! conditional creation of content-addressed objects. Must not: know HTTP or registries,
//! nor which backend is under it. A format change bumps the bucket name
//! (`npm-packument-v1` to `-v2`); old buckets are simply ignored, never migrated.

pub mod disk;
pub mod s3;
pub mod store;
pub mod verify;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

pub use store::{Storage, Write, Written};
/// How deep [`crate::atomic::sweep_temporaries`] goes in a cache folder: `artifacts-v1/<algo>/<xx>/<file>`.
pub const CACHE_DEPTH: usize = 3;

/// The default cache folder: `$DEPGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/depgate`,
/// else `~/.cache/depgate`, else `.depgate/cache`.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(crate::env::CACHE_DIR) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("depgate");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".cache").join("depgate");
    }
    PathBuf::from(".depgate").join("cache")
}

/// Validators kept beside a cached document.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CacheMeta {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `Content-Type` of the answer (the `PyPI` simple API serves JSON or HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Until when (Unix seconds) the document may be used without asking the registry
    /// again: its `Cache-Control: max-age`, capped by `[cache] max_staleness`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fresh_until: Option<i64>,
}

/// A cached document and its validators.
#[derive(Debug, Clone)]
pub struct CachedDoc {
    pub meta: CacheMeta,
    pub body: Vec<u8>,
}

/// Registry metadata cache, one bucket per document kind.
#[derive(Debug, Clone)]
pub struct MetadataCache {
    store: Arc<dyn Storage>,
}

impl MetadataCache {
    /// The cache in the folder `root` (the disk backend).
    pub fn new(root: &Path) -> Self {
        Self::on(Arc::new(disk::Disk::new(root)))
    }

    /// The cache on `store`.
    pub fn on(store: Arc<dyn Storage>) -> Self {
        Self { store }
    }

    fn key(bucket: &str, key: &str) -> String {
        let h = hex::encode(Sha256::digest(key.as_bytes()));
        format!("{bucket}/{}/{h}", &h[..2])
    }

    /// The cached document for `key` (the request URL plus what varies it), if any.
    /// A damaged entry reads as absent, and so does one the store cannot give.
    pub async fn get(&self, bucket: &str, key: &str) -> Option<CachedDoc> {
        let name = Self::key(bucket, key);
        match self.store.get(&name).await {
            Ok(framed) => unframe(&framed?),
            Err(e) => {
                tracing::warn!("metadata cache: {e}");
                None
            }
        }
    }

    /// Store a document with its validators in one object: `sha256(rest)\n meta-json\n body`.
    /// One rename (one PUT) makes it visible whole, and the digest makes a torn file read
    /// as absent. Replaces an older copy: documents change when they are revalidated.
    pub async fn put(&self, bucket: &str, key: &str, meta: &CacheMeta, body: &[u8]) -> io::Result<()> {
        let mut rest = serde_json::to_vec(meta).map_err(io::Error::other)?;
        rest.push(b'\n');
        rest.extend_from_slice(body);
        let mut framed = hex::encode(Sha256::digest(&rest)).into_bytes();
        framed.push(b'\n');
        framed.extend_from_slice(&rest);
        self.store.put(&Self::key(bucket, key), framed.into(), Write::Overwrite).await.map(|_| ())
    }
}

/// A metadata entry's document, when its framing checks: the digest line matches the
/// rest, and the validators are JSON.
pub fn unframe(framed: &[u8]) -> Option<CachedDoc> {
    let (digest, rest) = split_line(framed)?;
    if hex::encode(Sha256::digest(rest)) != std::str::from_utf8(digest).ok()? {
        return None;
    }
    let (meta, body) = split_line(rest)?;
    Some(CachedDoc { meta: serde_json::from_slice(meta).ok()?, body: body.to_vec() })
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..nl], &bytes[nl + 1..]))
}

/// The artifact store's bucket.
pub const ARTIFACTS: &str = "artifacts-v1";

/// The hex digest of `bytes` by `algo` (`sha512`, `sha256`, `sha1`).
pub fn digest_hex(algo: &str, bytes: &[u8]) -> Option<String> {
    match algo {
        "sha512" => Some(hex::encode(Sha512::digest(bytes))),
        "sha256" => Some(hex::encode(Sha256::digest(bytes))),
        "sha1" => Some(hex::encode(sha1::Sha1::digest(bytes))),
        _ => None,
    }
}

/// Whether `h` is `len` lowercase hex digits.
fn is_hex(h: &str, len: usize) -> bool {
    h.len() == len && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Content-addressed artifact store keyed by sha512, with sha256 and sha1 pointers (small
/// objects naming the sha512) for registries that publish only those (`PyPI`, Maven).
/// Every object is created only if absent, and every read re-checks its digest.
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    store: Arc<dyn Storage>,
}

impl ArtifactStore {
    /// The store in the folder `cache_root` (the disk backend).
    pub fn new(cache_root: &Path) -> Self {
        Self::on(Arc::new(disk::Disk::new(cache_root)))
    }

    /// The store on `store`.
    pub fn on(store: Arc<dyn Storage>) -> Self {
        Self { store }
    }

    /// The key of the object (or pointer) named by a hex digest.
    pub fn key(algo: &str, hex_digest: &str) -> String {
        format!("{ARTIFACTS}/{algo}/{}/{hex_digest}", &hex_digest[..2])
    }

    async fn read(&self, key: &str) -> Option<Vec<u8>> {
        match self.store.get(key).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("artifact store: {e}");
                None
            }
        }
    }

    /// The stored bytes with this sha512, re-checked on read.
    pub async fn get(&self, sha512_hex: &str) -> Option<Vec<u8>> {
        let h = sha512_hex.to_ascii_lowercase();
        if !is_hex(&h, 128) {
            return None;
        }
        let bytes = self.read(&Self::key("sha512", &h)).await?;
        (hex::encode(Sha512::digest(&bytes)) == h).then_some(bytes)
    }

    /// The stored bytes matching the strongest of `digests` (hex by algorithm) the store
    /// indexes, each digest re-checked on read.
    pub async fn get_any(&self, digests: &std::collections::BTreeMap<String, String>) -> Option<Vec<u8>> {
        if let Some(h) = digests.get("sha512") {
            return self.get(h).await;
        }
        for (algo, len) in [("sha256", 64), ("sha1", 40)] {
            let Some(h) = digests.get(algo).map(|h| h.to_ascii_lowercase()) else { continue };
            if !is_hex(&h, len) {
                return None;
            }
            let pointer = self.read(&Self::key(algo, &h)).await?;
            let bytes = self.get(std::str::from_utf8(&pointer).ok()?.trim()).await?;
            return (digest_hex(algo, &bytes)? == h).then_some(bytes);
        }
        None
    }

    /// Store bytes under their own sha512 (computed here), returning it. Each object is
    /// created only if absent: when another writer (a replica) got there first, its object
    /// is re-read and re-checked, and only a damaged one is replaced (by these whole bytes).
    pub async fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let h = hex::encode(Sha512::digest(bytes));
        let key = Self::key("sha512", &h);
        let body = bytes::Bytes::copy_from_slice(bytes);
        if self.store.put(&key, body.clone(), Write::Create).await? == Written::Exists && self.get(&h).await.is_none() {
            tracing::warn!("artifact store: {key} does not match its digest; replacing it");
            self.store.put(&key, body, Write::Overwrite).await?;
        }
        for algo in ["sha256", "sha1"] {
            let d = digest_hex(algo, bytes).unwrap_or_default();
            let ptr = Self::key(algo, &d);
            let named = bytes::Bytes::from(h.clone().into_bytes());
            if self.store.put(&ptr, named.clone(), Write::Create).await? == Written::Exists
                && self.read(&ptr).await.as_deref() != Some(h.as_bytes())
            {
                tracing::warn!("artifact store: pointer {ptr} does not name {h}; replacing it");
                self.store.put(&ptr, named, Write::Overwrite).await?;
            }
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::{TEMPORARY_GRACE, sweep_temporaries, write_atomic_set};
    use futures::executor::block_on;
    use std::fs;

    #[test]
    fn metadata_roundtrip_and_corruption() {
        let d = tempfile::tempdir().unwrap();
        let c = MetadataCache::new(d.path());
        let meta = CacheMeta {
            url: "u".into(),
            etag: Some("\"e\"".into()),
            last_modified: None,
            content_type: None,
            fresh_until: Some(1),
        };
        block_on(c.put("npm-packument-v1", "k", &meta, b"{}")).unwrap();
        let get = |bucket: &str| block_on(c.get(bucket, "k"));
        assert_eq!(get("npm-packument-v1").unwrap().body, b"{}");
        assert!(get("npm-packument-v2").is_none());
        assert_eq!(get("npm-packument-v1").unwrap().meta.etag.as_deref(), Some("\"e\""));
        assert_eq!(get("npm-packument-v1").unwrap().meta.fresh_until, Some(1));
        // Corrupt the body: it must read as absent, not as garbage.
        let path = d.path().join(MetadataCache::key("npm-packument-v1", "k"));
        let mut b = fs::read(&path).unwrap();
        let last = b.len() - 1;
        b[last] = b'x';
        fs::write(&path, &b).unwrap();
        assert!(get("npm-packument-v1").is_none());
        // A torn write (truncated file) too.
        fs::write(&path, &b[..b.len() / 2]).unwrap();
        assert!(get("npm-packument-v1").is_none());
    }

    #[test]
    fn sweep_removes_only_old_temporaries() {
        let d = tempfile::tempdir().unwrap();
        let s = ArtifactStore::new(d.path());
        let h = block_on(s.put(b"abc")).unwrap();
        let deep = d.path().join(ArtifactStore::key("sha512", &h)).with_file_name(".tmp-left");
        fs::write(&deep, b"half").unwrap();
        fs::write(d.path().join(".tmp-top"), b"half").unwrap();
        fs::write(d.path().join("keep"), b"x").unwrap();
        // Young ones belong to writers still at work.
        assert_eq!(sweep_temporaries(d.path(), CACHE_DEPTH, TEMPORARY_GRACE), 0);
        assert!(deep.exists());
        assert_eq!(sweep_temporaries(d.path(), CACHE_DEPTH, std::time::Duration::ZERO), 2);
        assert!(!deep.exists() && !d.path().join(".tmp-top").exists());
        assert!(d.path().join("keep").exists());
        assert_eq!(block_on(s.get(&h)).unwrap(), b"abc");
    }

    #[test]
    fn a_file_set_is_written_whole() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("sub").join("b"));
        fs::write(&a, b"old").unwrap();
        write_atomic_set(&[(a.clone(), b"new a".to_vec()), (b.clone(), b"new b".to_vec())]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"new a");
        assert_eq!(fs::read(&b).unwrap(), b"new b");
        let left: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != "a" && e.file_name() != "sub")
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    #[test]
    fn artifacts_are_content_addressed() {
        let d = tempfile::tempdir().unwrap();
        let s = ArtifactStore::new(d.path());
        let h = block_on(s.put(b"abc")).unwrap();
        assert_eq!(block_on(s.get(&h)).unwrap(), b"abc");
        assert_eq!(block_on(s.get(&h.to_ascii_uppercase())).unwrap(), b"abc");
        let by256 = std::collections::BTreeMap::from([("sha256".to_string(), hex::encode(Sha256::digest(b"abc")))]);
        assert_eq!(block_on(s.get_any(&by256)).unwrap(), b"abc");
        let by1 = std::collections::BTreeMap::from([("sha1".to_string(), hex::encode(sha1::Sha1::digest(b"abc")))]);
        assert_eq!(block_on(s.get_any(&by1)).unwrap(), b"abc");
        let other = std::collections::BTreeMap::from([("sha256".to_string(), "0".repeat(64))]);
        assert!(block_on(s.get_any(&other)).is_none());
        let path = d.path().join(ArtifactStore::key("sha512", &h));
        fs::write(&path, b"abd").unwrap();
        assert!(block_on(s.get(&h)).is_none());
        assert!(block_on(s.get_any(&by256)).is_none());
        // Storing the bytes again finds the damaged object, checks it, and replaces it whole.
        assert_eq!(block_on(s.put(b"abc")).unwrap(), h);
        assert_eq!(fs::read(&path).unwrap(), b"abc");
        assert_eq!(block_on(s.get_any(&by256)).unwrap(), b"abc");
        // A pointer naming another artifact is put right too, and reads as absent before.
        let ptr = d.path().join(ArtifactStore::key("sha256", &by256["sha256"]));
        fs::write(&ptr, "0".repeat(128)).unwrap();
        assert!(block_on(s.get_any(&by256)).is_none());
        block_on(s.put(b"abc")).unwrap();
        assert_eq!(block_on(s.get_any(&by256)).unwrap(), b"abc");
    }

    #[test]
    fn the_disk_layout_is_unchanged() {
        // Caches written before the storage trait are read as they are.
        let d = tempfile::tempdir().unwrap();
        let h = hex::encode(Sha512::digest(b"abc"));
        let old = d.path().join("artifacts-v1").join("sha512").join(&h[..2]).join(&h);
        fs::create_dir_all(old.parent().unwrap()).unwrap();
        fs::write(&old, b"abc").unwrap();
        assert_eq!(block_on(ArtifactStore::new(d.path()).get(&h)).unwrap(), b"abc");
        let k = hex::encode(Sha256::digest(b"k"));
        assert!(MetadataCache::key("npm-packument-v2", "k").ends_with(&format!("npm-packument-v2/{}/{k}", &k[..2])));
    }
}
