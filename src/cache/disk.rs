//! The disk backend: every object a file under the cache folder, at its key
//! (`<cache>/artifacts-v1/sha512/ab/ab…`), written through [`crate::atomic`].
//!
//! Owns: key → path, whole-file reads, renames that publish a file whole (and, for
//! [`Write::Create`], never replace one). Must not: check digests (the caches above do).
//! Reads are plain `std::fs` calls inside the future: a cached file is small and hot in
//! the page cache, and the proxy's and `check`'s warm paths read many of them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::store::{Storage, StoreFuture, Write, Written, is_bucket};

/// Objects as files under one folder.
#[derive(Debug, Clone)]
pub struct Disk {
    root: PathBuf,
}

impl Disk {
    pub fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf() }
    }

    /// The file of `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    fn read(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path(key)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write(&self, key: &str, bytes: &[u8], write: Write) -> io::Result<Written> {
        let path = self.path(key);
        match write {
            // Cache entries carry their own digest: no fsync (a torn file reads as absent).
            Write::Overwrite => crate::atomic::write_renamed(&path, bytes, false).map(|()| Written::Stored),
            Write::Create if path.exists() => Ok(Written::Exists),
            Write::Create => {
                Ok(if crate::atomic::create_renamed(&path, bytes)? { Written::Stored } else { Written::Exists })
            }
        }
    }

    /// The keys under `prefix`: the cache buckets' files (not `advisories/`, not
    /// temporaries), at most [`super::CACHE_DEPTH`] folders down.
    fn keys(&self, prefix: &str) -> io::Result<Vec<String>> {
        fn walk(dir: &Path, key: &str, depth: usize, out: &mut Vec<String>) -> io::Result<()> {
            let entries = match fs::read_dir(dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
                if name.starts_with(".tmp-") {
                    continue;
                }
                let kind = entry.file_type()?;
                let child = format!("{key}/{name}");
                if kind.is_dir() && depth > 0 {
                    walk(&entry.path(), &child, depth - 1, out)?;
                } else if kind.is_file() {
                    out.push(child);
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        let buckets: Vec<String> = if prefix.is_empty() {
            match fs::read_dir(&self.root) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| is_bucket(n) && self.root.join(n).is_dir())
                    .collect(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            }
        } else {
            vec![prefix.trim_end_matches('/').to_string()]
        };
        for b in buckets {
            walk(&self.root.join(&b), &b, super::CACHE_DEPTH - 1, &mut out)?;
        }
        Ok(out)
    }
}

impl Storage for Disk {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let got = self.read(key);
        Box::pin(async move { got })
    }

    fn put<'a>(&'a self, key: &'a str, bytes: bytes::Bytes, write: Write) -> StoreFuture<'a, Written> {
        let done = self.write(key, &bytes, write);
        Box::pin(async move { done })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let this = self.clone();
            let prefix = prefix.to_string();
            tokio::task::spawn_blocking(move || this.keys(&prefix)).await.map_err(io::Error::other)?
        })
    }

    fn ready(&self) -> StoreFuture<'_, ()> {
        // A folder that cannot be created shows up as a write warning, as before the
        // trait: a disk cache is an optimisation, and `check` works without one.
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(f: StoreFuture<'_, T>) -> io::Result<T> {
        futures::executor::block_on(f)
    }

    #[test]
    fn create_never_replaces_and_overwrite_does() {
        let d = tempfile::tempdir().unwrap();
        let s = Disk::new(d.path());
        let b = |s: &str| bytes::Bytes::from(s.to_string());
        assert_eq!(block(s.put("x-v1/ab/one", b("first"), Write::Create)).unwrap(), Written::Stored);
        assert_eq!(block(s.put("x-v1/ab/one", b("second"), Write::Create)).unwrap(), Written::Exists);
        assert_eq!(block(s.get("x-v1/ab/one")).unwrap().unwrap(), b"first");
        assert_eq!(block(s.put("x-v1/ab/one", b("third"), Write::Overwrite)).unwrap(), Written::Stored);
        assert_eq!(block(s.get("x-v1/ab/one")).unwrap().unwrap(), b"third");
        assert!(block(s.get("x-v1/ab/two")).unwrap().is_none());
    }

    #[test]
    fn lists_only_bucket_files() {
        let d = tempfile::tempdir().unwrap();
        let s = Disk::new(d.path());
        let b = bytes::Bytes::from_static(b"x");
        block(s.put("artifacts-v1/sha512/ab/abc", b.clone(), Write::Create)).unwrap();
        block(s.put("npm-packument-v2/3f/3f0", b.clone(), Write::Overwrite)).unwrap();
        fs::create_dir_all(d.path().join("advisories/npm")).unwrap();
        fs::write(d.path().join("advisories/npm/all.zip"), b"zip").unwrap();
        fs::write(d.path().join("npm-packument-v2/3f/.tmp-half"), b"half").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut all = rt.block_on(s.list("")).unwrap();
        all.sort();
        assert_eq!(all, ["artifacts-v1/sha512/ab/abc", "npm-packument-v2/3f/3f0"]);
        assert_eq!(rt.block_on(s.list("artifacts-v1")).unwrap(), ["artifacts-v1/sha512/ab/abc"]);
    }
}
