//! Re-check every object of a storage backend: each artifact against the digest it is
//! named by, each pointer against the artifact it names, each metadata entry's framing.
//! What `depgate cache verify` runs, and what a fleet test checks after many replicas
//! wrote to one bucket.
//!
//! Owns: classifying keys and the checks. Must not: print (the command does) or repair
//! anything (a bad object reads as absent and is replaced by the next writer of it).

use std::collections::HashMap;
use std::io;

use futures::StreamExt as _;

use super::store::{Storage, is_bucket};
use super::{ARTIFACTS, digest_hex, is_hex, unframe};

/// How many objects are read at once (an S3 store answers each read in milliseconds).
const READ_AHEAD: usize = 16;

/// One object that does not check, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub key: String,
    pub problem: String,
}

/// What a verification found.
#[derive(Debug, Default)]
pub struct Verified {
    pub artifacts: u64,
    pub pointers: u64,
    pub metadata: u64,
    /// Objects under the store's prefix that are not the caches' (outside any bucket).
    pub foreign: u64,
    pub bad: Vec<Bad>,
}

enum Kind {
    Artifact,
    Pointer(&'static str),
    Metadata,
}

/// What `key` should be, or why it is no object of the caches (`Err(None)`: outside the
/// buckets, not ours; `Err(Some(why))`: inside one, but malformed).
fn classify(key: &str) -> Result<Kind, Option<String>> {
    let parts: Vec<&str> = key.split('/').collect();
    if !parts.first().is_some_and(|b| is_bucket(b)) {
        return Err(None);
    }
    let prefix_ok = |name: &str, xx: &str| name.len() > 2 && name[..2] == *xx;
    match parts.as_slice() {
        [bucket, algo, xx, name] if *bucket == ARTIFACTS => {
            let (kind, len) = match *algo {
                "sha512" => (Kind::Artifact, 128),
                "sha256" => (Kind::Pointer("sha256"), 64),
                "sha1" => (Kind::Pointer("sha1"), 40),
                _ => return Err(Some(format!("unknown digest folder `{algo}`"))),
            };
            if is_hex(name, len) && prefix_ok(name, xx) {
                Ok(kind)
            } else {
                Err(Some(format!("not named by a {algo} digest in its folder")))
            }
        }
        [bucket, xx, name] if *bucket != ARTIFACTS && is_hex(name, 64) && prefix_ok(name, xx) => Ok(Kind::Metadata),
        _ => Err(Some("not an object the caches write (unexpected name)".into())),
    }
}

/// Re-check every object `store` holds.
pub async fn verify(store: &dyn Storage) -> io::Result<Verified> {
    let mut keys = store.list("").await?;
    keys.sort();
    let mut out = Verified::default();
    let mut artifacts = Vec::new();
    let mut pointers = Vec::new();
    let mut metadata = Vec::new();
    for key in keys {
        match classify(&key) {
            Ok(Kind::Artifact) => artifacts.push(key),
            Ok(Kind::Pointer(algo)) => pointers.push((key, algo)),
            Ok(Kind::Metadata) => metadata.push(key),
            Err(None) => out.foreign += 1,
            Err(Some(problem)) => out.bad.push(Bad { key, problem }),
        }
    }
    let read = |key: String| async move {
        let got = store.get(&key).await;
        (key, got)
    };
    // Artifacts first: their other digests are what the pointers are checked against.
    let mut digests: HashMap<String, (String, String)> = HashMap::new();
    let mut reads = futures::stream::iter(artifacts).map(read).buffered(READ_AHEAD);
    while let Some((key, got)) = reads.next().await {
        out.artifacts += 1;
        let name = key.rsplit('/').next().unwrap_or_default().to_string();
        match got {
            Ok(Some(bytes)) if digest_hex("sha512", &bytes).as_deref() == Some(name.as_str()) => {
                let other =
                    (digest_hex("sha256", &bytes).unwrap_or_default(), digest_hex("sha1", &bytes).unwrap_or_default());
                digests.insert(name, other);
            }
            Ok(Some(_)) => {
                out.bad.push(Bad { key, problem: "its bytes do not match the sha512 it is named by".into() });
            }
            Ok(None) => out.bad.push(Bad { key, problem: "listed but gone when read".into() }),
            Err(e) => out.bad.push(Bad { key, problem: format!("cannot be read: {e}") }),
        }
    }
    let mut reads = futures::stream::iter(pointers)
        .map(|(key, algo)| async move {
            let (key, got) = read(key).await;
            (key, algo, got)
        })
        .buffered(READ_AHEAD);
    while let Some((key, algo, got)) = reads.next().await {
        out.pointers += 1;
        let name = key.rsplit('/').next().unwrap_or_default();
        let problem = match got {
            Ok(Some(bytes)) => {
                let target = String::from_utf8_lossy(&bytes).trim().to_string();
                match digests.get(&target) {
                    _ if !is_hex(&target, 128) => Some("does not name a sha512 digest".to_string()),
                    Some((sha256, sha1)) if (if algo == "sha256" { sha256 } else { sha1 }) == name => None,
                    Some(_) => Some(format!("names artifact {target}, whose {algo} is another")),
                    None => Some(format!("names artifact {target}, which is missing or bad")),
                }
            }
            Ok(None) => Some("listed but gone when read".into()),
            Err(e) => Some(format!("cannot be read: {e}")),
        };
        if let Some(problem) = problem {
            out.bad.push(Bad { key, problem });
        }
    }
    let mut reads = futures::stream::iter(metadata).map(read).buffered(READ_AHEAD);
    while let Some((key, got)) = reads.next().await {
        out.metadata += 1;
        let problem = match got {
            Ok(Some(bytes)) if unframe(&bytes).is_some() => None,
            Ok(Some(_)) => Some("its framing does not check (digest line, validators)".to_string()),
            Ok(None) => Some("listed but gone when read".into()),
            Err(e) => Some(format!("cannot be read: {e}")),
        };
        if let Some(problem) = problem {
            out.bad.push(Bad { key, problem });
        }
    }
    out.bad.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{ArtifactStore, CacheMeta, MetadataCache, disk::Disk};
    use std::sync::Arc;

    #[tokio::test]
    async fn names_every_bad_object() {
        let d = tempfile::tempdir().unwrap();
        let disk = Arc::new(Disk::new(d.path()));
        let artifacts = ArtifactStore::on(disk.clone());
        let meta = MetadataCache::on(disk.clone());
        let good = artifacts.put(b"good").await.unwrap();
        let bad = artifacts.put(b"soon bad").await.unwrap();
        meta.put("npm-packument-v2", "k", &CacheMeta::default(), b"{}").await.unwrap();
        meta.put("npm-packument-v2", "j", &CacheMeta::default(), b"{}").await.unwrap();
        let v = verify(disk.as_ref()).await.unwrap();
        assert_eq!((v.artifacts, v.pointers, v.metadata), (2, 4, 2));
        assert!(v.bad.is_empty(), "{:?}", v.bad);

        std::fs::write(disk.path(&ArtifactStore::key("sha512", &bad)), b"other bytes").unwrap();
        let torn = disk.path(&MetadataCache::key("npm-packument-v2", "j"));
        let framed = std::fs::read(&torn).unwrap();
        std::fs::write(&torn, &framed[..framed.len() - 1]).unwrap();
        std::fs::write(d.path().join("npm-packument-v2/stray"), b"x").unwrap();
        let v = verify(disk.as_ref()).await.unwrap();
        let mut names: Vec<&str> = v.bad.iter().map(|b| b.key.as_str()).collect();
        names.sort_unstable();
        let sha256 = digest_hex("sha256", b"soon bad").unwrap();
        let sha1 = digest_hex("sha1", b"soon bad").unwrap();
        let mut want = vec![
            ArtifactStore::key("sha512", &bad),
            ArtifactStore::key("sha256", &sha256),
            ArtifactStore::key("sha1", &sha1),
            MetadataCache::key("npm-packument-v2", "j"),
            "npm-packument-v2/stray".to_string(),
        ];
        want.sort();
        assert_eq!(names, want);
        assert!(!names.iter().any(|n| n.contains(&good)));
    }
}
