//! On-disk caches: registry metadata (revalidated with `ETag`s) and a content-addressed
//! artifact store.
//!
//! Owns: paths, versioned buckets (written through [`crate::atomic`]). Must not: know HTTP or registries. A
//! format change bumps the bucket name (`npm-packument-v1` to `-v2`); old buckets are
//! simply ignored, never migrated.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

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
    root: PathBuf,
}

impl MetadataCache {
    pub fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf() }
    }

    fn path(&self, bucket: &str, key: &str) -> PathBuf {
        let h = hex::encode(Sha256::digest(key.as_bytes()));
        self.root.join(bucket).join(&h[..2]).join(h)
    }

    /// The cached document for `key` (the request URL plus what varies it), if any.
    /// A damaged entry reads as absent.
    pub fn get(&self, bucket: &str, key: &str) -> Option<CachedDoc> {
        let framed = fs::read(self.path(bucket, key)).ok()?;
        let (digest, rest) = split_line(&framed)?;
        if hex::encode(Sha256::digest(rest)) != std::str::from_utf8(digest).ok()? {
            return None;
        }
        let (meta, body) = split_line(rest)?;
        Some(CachedDoc { meta: serde_json::from_slice(meta).ok()?, body: body.to_vec() })
    }

    /// Store a document with its validators in one file: `sha256(rest)\n meta-json\n body`.
    /// One rename makes it visible, and the digest makes a torn file read as absent.
    pub fn put(&self, bucket: &str, key: &str, meta: &CacheMeta, body: &[u8]) -> io::Result<()> {
        let mut rest = serde_json::to_vec(meta).map_err(io::Error::other)?;
        rest.push(b'\n');
        rest.extend_from_slice(body);
        let mut framed = hex::encode(Sha256::digest(&rest)).into_bytes();
        framed.push(b'\n');
        framed.extend_from_slice(&rest);
        crate::atomic::write_renamed(&self.path(bucket, key), &framed, false)
    }
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..nl], &bytes[nl + 1..]))
}

/// Content-addressed artifact store keyed by sha512, with sha256 and sha1 indexes (small
/// files naming the sha512) for registries that publish only those (`PyPI`, Maven).
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    root: PathBuf,
}

impl ArtifactStore {
    pub fn new(cache_root: &Path) -> Self {
        Self { root: cache_root.join("artifacts-v1") }
    }

    fn path(&self, algo: &str, hex_digest: &str) -> PathBuf {
        self.root.join(algo).join(&hex_digest[..2]).join(hex_digest)
    }

    /// The stored bytes with this sha512, re-checked on read.
    pub fn get(&self, sha512_hex: &str) -> Option<Vec<u8>> {
        if sha512_hex.len() != 128 || !sha512_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let bytes = fs::read(self.path("sha512", sha512_hex)).ok()?;
        (hex::encode(Sha512::digest(&bytes)) == sha512_hex).then_some(bytes)
    }

    /// The stored bytes matching the strongest of `digests` (hex by algorithm) the store
    /// indexes, each digest re-checked on read.
    pub fn get_any(&self, digests: &std::collections::BTreeMap<String, String>) -> Option<Vec<u8>> {
        if let Some(h) = digests.get("sha512") {
            return self.get(&h.to_ascii_lowercase());
        }
        for (algo, len) in [("sha256", 64), ("sha1", 40)] {
            let Some(h) = digests.get(algo).map(|h| h.to_ascii_lowercase()) else { continue };
            if h.len() != len || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let pointer = fs::read_to_string(self.path(algo, &h)).ok()?;
            let bytes = self.get(pointer.trim())?;
            let actual = match algo {
                "sha256" => hex::encode(Sha256::digest(&bytes)),
                _ => hex::encode(sha1::Sha1::digest(&bytes)),
            };
            return (actual == h).then_some(bytes);
        }
        None
    }

    /// Store bytes under their own sha512 (computed here), returning it.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let h = hex::encode(Sha512::digest(bytes));
        let p = self.path("sha512", &h);
        if !p.exists() {
            // Content-addressed: `get` re-checks the digest, so no fsync is needed.
            crate::atomic::write_renamed(&p, bytes, false)?;
        }
        for (algo, d) in
            [("sha256", hex::encode(Sha256::digest(bytes))), ("sha1", hex::encode(sha1::Sha1::digest(bytes)))]
        {
            let ptr = self.path(algo, &d);
            if !ptr.exists() {
                crate::atomic::write_renamed(&ptr, h.as_bytes(), false)?;
            }
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::{TEMPORARY_GRACE, sweep_temporaries, write_atomic_set};

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
        c.put("npm-packument-v1", "k", &meta, b"{}").unwrap();
        assert_eq!(c.get("npm-packument-v1", "k").unwrap().body, b"{}");
        assert!(c.get("npm-packument-v2", "k").is_none());
        assert_eq!(c.get("npm-packument-v1", "k").unwrap().meta.etag.as_deref(), Some("\"e\""));
        assert_eq!(c.get("npm-packument-v1", "k").unwrap().meta.fresh_until, Some(1));
        // Corrupt the body: it must read as absent, not as garbage.
        let path = c.path("npm-packument-v1", "k");
        let mut b = fs::read(&path).unwrap();
        let last = b.len() - 1;
        b[last] = b'x';
        fs::write(&path, &b).unwrap();
        assert!(c.get("npm-packument-v1", "k").is_none());
        // A torn write (truncated file) too.
        fs::write(&path, &b[..b.len() / 2]).unwrap();
        assert!(c.get("npm-packument-v1", "k").is_none());
    }

    #[test]
    fn sweep_removes_only_old_temporaries() {
        let d = tempfile::tempdir().unwrap();
        let s = ArtifactStore::new(d.path());
        let h = s.put(b"abc").unwrap();
        let deep = s.path("sha512", &h).with_file_name(".tmp-left");
        fs::write(&deep, b"half").unwrap();
        fs::write(d.path().join(".tmp-top"), b"half").unwrap();
        fs::write(d.path().join("keep"), b"x").unwrap();
        // Young ones belong to writers still at work.
        assert_eq!(sweep_temporaries(d.path(), CACHE_DEPTH, TEMPORARY_GRACE), 0);
        assert!(deep.exists());
        assert_eq!(sweep_temporaries(d.path(), CACHE_DEPTH, std::time::Duration::ZERO), 2);
        assert!(!deep.exists() && !d.path().join(".tmp-top").exists());
        assert!(d.path().join("keep").exists());
        assert_eq!(s.get(&h).unwrap(), b"abc");
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
        let h = s.put(b"abc").unwrap();
        assert_eq!(s.get(&h).unwrap(), b"abc");
        let by256 = std::collections::BTreeMap::from([("sha256".to_string(), hex::encode(Sha256::digest(b"abc")))]);
        assert_eq!(s.get_any(&by256).unwrap(), b"abc");
        let by1 = std::collections::BTreeMap::from([("sha1".to_string(), hex::encode(sha1::Sha1::digest(b"abc")))]);
        assert_eq!(s.get_any(&by1).unwrap(), b"abc");
        let other = std::collections::BTreeMap::from([("sha256".to_string(), "0".repeat(64))]);
        assert!(s.get_any(&other).is_none());
        fs::write(s.path("sha512", &h), b"abd").unwrap();
        assert!(s.get(&h).is_none());
        assert!(s.get_any(&by256).is_none());
    }
}
