//! On-disk caches: registry metadata (revalidated with `ETag`s) and a content-addressed
//! artifact store.
//!
//! Owns: paths, versioned buckets, atomic writes. Must not: know HTTP or registries. A
//! format change bumps the bucket name (`npm-packument-v1` to `-v2`); old buckets are
//! simply ignored, never migrated.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

/// Write `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
/// Readers see the old content or the new, never half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_renamed(path, bytes, true)
}

/// Like [`write_atomic`] without the fsync: for cache entries, whose own digest makes a
/// torn or empty file after a power loss read as absent (and be fetched again).
fn write_cache_entry(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_renamed(path, bytes, false)
}

fn write_renamed(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

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
        write_cache_entry(&self.path(bucket, key), &framed)
    }
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..nl], &bytes[nl + 1..]))
}

/// Content-addressed artifact store keyed by sha512.
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    root: PathBuf,
}

impl ArtifactStore {
    pub fn new(cache_root: &Path) -> Self {
        Self { root: cache_root.join("artifacts-v1").join("sha512") }
    }

    fn path(&self, sha512_hex: &str) -> PathBuf {
        self.root.join(&sha512_hex[..2]).join(sha512_hex)
    }

    /// The stored bytes with this sha512, re-checked on read.
    pub fn get(&self, sha512_hex: &str) -> Option<Vec<u8>> {
        if sha512_hex.len() != 128 {
            return None;
        }
        let bytes = fs::read(self.path(sha512_hex)).ok()?;
        (hex::encode(Sha512::digest(&bytes)) == sha512_hex).then_some(bytes)
    }

    /// Store bytes under their own sha512 (computed here), returning it.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let h = hex::encode(Sha512::digest(bytes));
        let p = self.path(&h);
        if !p.exists() {
            // Content-addressed: `get` re-checks the digest, so no fsync is needed.
            write_cache_entry(&p, bytes)?;
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_roundtrip_and_corruption() {
        let d = tempfile::tempdir().unwrap();
        let c = MetadataCache::new(d.path());
        let meta = CacheMeta { url: "u".into(), etag: Some("\"e\"".into()), last_modified: None };
        c.put("npm-packument-v1", "k", &meta, b"{}").unwrap();
        assert_eq!(c.get("npm-packument-v1", "k").unwrap().body, b"{}");
        assert!(c.get("npm-packument-v2", "k").is_none());
        assert_eq!(c.get("npm-packument-v1", "k").unwrap().meta.etag.as_deref(), Some("\"e\""));
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
    fn artifacts_are_content_addressed() {
        let d = tempfile::tempdir().unwrap();
        let s = ArtifactStore::new(d.path());
        let h = s.put(b"abc").unwrap();
        assert_eq!(s.get(&h).unwrap(), b"abc");
        fs::write(s.path(&h), b"abd").unwrap();
        assert!(s.get(&h).is_none());
    }
}
