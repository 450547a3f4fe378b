//! Container images through the proxy's `/v2/`: a manifest asked for by tag or digest is
//! decided as the image it names (the same pipeline as `check`: chain, ownership,
//! signatures, policy), then fetched from its owner and checked against its digest. What
//! an allowed manifest lists is allowed with it: the platform manifests of an index, and
//! the config and layer blobs of an image. A blob is served only as part of a manifest
//! the proxy allowed, checked against its digest, kept in the content-addressed store, and
//! recorded in the audit log (one record per blob request).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;

use super::{Decided, FileRequest, Gate};
use crate::audit::Unrecorded;
use crate::ecosystem::Ecosystem;
use crate::ecosystem::oci::ImageRef;
use crate::engine::{self, CacheUse, Decision};
use crate::upstream::{Lookup, OciFetch};

/// Manifests kept in memory (they are small; beyond this the oldest are dropped).
const MAX_MANIFESTS: usize = 4096;

/// Checked blob bytes kept in memory, all blobs together: repeats of a hot layer are
/// served without reading and re-hashing it from the store each time.
const BLOB_MEMORY: usize = 128 << 20;

/// What allowed manifests let through, by `(repository, digest)`.
#[derive(Default)]
pub struct Images {
    /// Platform manifests of an allowed index: served under the index's decision.
    children: Mutex<HashMap<(String, String), Arc<Decided>>>,
    /// Config and layer blobs of an allowed image manifest.
    blobs: Mutex<HashMap<(String, String), Arc<Decided>>>,
    /// Manifest bytes already fetched and checked, by digest.
    manifests: Mutex<HashMap<String, Bytes>>,
    /// Blob bytes already checked, by digest, within [`BLOB_MEMORY`], and their total.
    blob_memory: Mutex<(HashMap<String, Bytes>, usize)>,
}

/// The answer to a manifest request.
pub enum ManifestAnswer {
    /// Allowed: the bytes (checked against `digest`) and their media type.
    Served { decided: Arc<Decided>, bytes: Bytes, media_type: String, digest: String },
    /// Decided and not allowed (or not found, or the upstream failed): the record says why.
    Refused(Arc<Decided>),
    /// The owner failed to deliver the manifest it listed.
    Failed(String),
}

/// The answer to a blob request.
pub enum BlobAnswer {
    Served(Bytes),
    /// No manifest the proxy allowed lists this blob.
    Unlisted,
    /// The owner failed to deliver it, or it did not match its digest.
    Failed(String),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The media type a manifest states, else the one its shape implies.
fn media_type(bytes: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    match v.get("mediaType").and_then(|m| m.as_str()) {
        Some(m) => m.to_string(),
        None if v.get("manifests").is_some() => "application/vnd.oci.image.index.v1+json".to_string(),
        None => "application/vnd.oci.image.manifest.v1+json".to_string(),
    }
}

/// The digests a manifest lists: an index's manifests, or an image's config and layers.
fn listed(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let digests = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|d| d["digest"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut blobs = digests("layers");
    if let Some(c) = v["config"]["digest"].as_str() {
        blobs.push(c.to_string());
    }
    (digests("manifests"), blobs)
}

impl Gate {
    /// Decide and fetch the manifest `image` names (a tag, or a digest).
    pub async fn image_manifest(&self, image: ImageRef) -> Result<ManifestAnswer, Unrecorded> {
        let repository = image.repository();
        let child = image
            .digest
            .as_ref()
            .and_then(|d| lock(&self.images.children).get(&(repository.clone(), d.clone())).cloned());
        let (decided, cache) = if let Some(parent) = child {
            (parent, CacheUse::Hit)
        } else {
            let reference = image.digest.clone().or_else(|| image.tag.clone()).unwrap_or_default();
            let key = FileRequest {
                ecosystem: Ecosystem::Oci,
                name: repository.clone(),
                version: reference,
                file: None,
                classifier: None,
                extension: None,
            };
            let got = self.decided.get_or_init(key, || self.decide_image(image.clone())).await;
            let cache = if got.initialised { CacheUse::Miss } else { CacheUse::Hit };
            (got.value, cache)
        };
        self.record(&decided.record, cache).await?;
        let rec = &decided.record;
        if !matches!(rec.decision, Decision::Allow | Decision::Warn) || !decided.found() {
            return Ok(ManifestAnswer::Refused(decided));
        }
        let Some(r) = rec.resolution.as_ref() else { return Ok(ManifestAnswer::Refused(decided)) };
        let Some(digest) = image.digest.clone().or_else(|| r.image.as_ref().and_then(|i| i.digest.clone())) else {
            return Ok(ManifestAnswer::Refused(decided));
        };
        let Some(owner) = r.upstream.as_deref().and_then(|u| self.config.upstreams.get(u)) else {
            return Ok(ManifestAnswer::Refused(decided));
        };
        let known = lock(&self.images.manifests).get(&digest).cloned();
        let bytes = match known {
            Some(b) => b,
            None => match self.registry.inner().oci_fetch(owner, &repository, OciFetch::Manifest(&digest)).await {
                Lookup::Found(b) => {
                    let b = Bytes::from(b);
                    let mut kept = lock(&self.images.manifests);
                    if kept.len() >= MAX_MANIFESTS {
                        kept.clear();
                    }
                    kept.insert(digest.clone(), b.clone());
                    b
                }
                Lookup::NotFound => {
                    return Ok(ManifestAnswer::Failed(format!(
                        "upstream `{}` decided {} but does not serve manifest {digest}",
                        owner.name, rec.package.purl
                    )));
                }
                Lookup::Failed(f) => return Ok(ManifestAnswer::Failed(f.message)),
            },
        };
        let (manifests, blobs) = listed(&bytes);
        {
            let mut children = lock(&self.images.children);
            for d in manifests {
                children.entry((repository.clone(), d)).or_insert_with(|| Arc::clone(&decided));
            }
        }
        {
            let mut allowed = lock(&self.images.blobs);
            for d in blobs {
                allowed.entry((repository.clone(), d)).or_insert_with(|| Arc::clone(&decided));
            }
        }
        Ok(ManifestAnswer::Served { media_type: media_type(&bytes), bytes, digest, decided })
    }

    async fn decide_image(&self, image: ImageRef) -> Arc<Decided> {
        let c = image.into_coordinate(Path::new(""), 0);
        let mut opts = self.options();
        // The manifest is fetched (and checked) by the proxy itself, not the download stage.
        opts.download = false;
        let mut records =
            engine::run(&self.config, &self.registry, &self.trust, &self.policy, std::slice::from_ref(&c), &opts).await;
        let record = records.pop().unwrap_or_else(|| engine::Record {
            package: engine::PackageInfo::from_coordinate(&c),
            resolution: None,
            evidence: engine::Evidence::none(),
            license: None,
            decision: Decision::Error,
            findings: Vec::new(),
        });
        Arc::new(Decided { record, sha512: None, memory: OnceLock::new() })
    }

    /// A blob of `repository` that an allowed manifest lists: from the store, else from
    /// the manifest's owner (checked against `digest`, then stored). Recorded either way.
    pub async fn image_blob(&self, repository: &str, digest: &str) -> Result<BlobAnswer, Unrecorded> {
        let Some(decided) = lock(&self.images.blobs).get(&(repository.to_string(), digest.to_string())).cloned() else {
            return Ok(BlobAnswer::Unlisted);
        };
        let store = self.registry.inner().artifacts();
        let hex = digest.strip_prefix("sha256:").unwrap_or_default();
        let in_memory = lock(&self.images.blob_memory).0.get(digest).cloned();
        let wanted = std::collections::BTreeMap::from([("sha256".to_string(), hex.to_string())]);
        let (bytes, cache) = if let Some(b) = in_memory {
            (b, CacheUse::Hit)
        } else if let Some(b) = store.get_any(&wanted).await {
            (self.keep_blob(digest, Bytes::from(b)), CacheUse::Hit)
        } else {
            let r = decided.record.resolution.as_ref();
            let Some(owner) = r.and_then(|r| r.upstream.as_deref()).and_then(|u| self.config.upstreams.get(u)) else {
                return Ok(BlobAnswer::Failed(format!("{digest}: the image's owner is unknown")));
            };
            match self.registry.inner().oci_fetch(owner, repository, OciFetch::Blob(digest)).await {
                Lookup::Found(b) => {
                    if let Err(e) = store.put(&b).await {
                        tracing::warn!("cannot keep blob {digest} in the store: {e}");
                    }
                    (self.keep_blob(digest, Bytes::from(b)), CacheUse::Miss)
                }
                Lookup::NotFound => {
                    return Ok(BlobAnswer::Failed(format!(
                        "upstream `{}` lists blob {digest} of {repository} but does not serve it",
                        owner.name
                    )));
                }
                Lookup::Failed(f) => return Ok(BlobAnswer::Failed(f.message)),
            }
        };
        self.record_blob(&decided.record, digest, cache).await?;
        Ok(BlobAnswer::Served(bytes))
    }

    /// Keep checked blob bytes in memory while the budget allows.
    fn keep_blob(&self, digest: &str, bytes: Bytes) -> Bytes {
        let mut kept = lock(&self.images.blob_memory);
        if kept.1 + bytes.len() <= BLOB_MEMORY && !kept.0.contains_key(digest) {
            kept.1 += bytes.len();
            kept.0.insert(digest.to_string(), bytes.clone());
        }
        bytes
    }

    /// The audit record of one blob request: the image's decision, the blob's digest.
    async fn record_blob(&self, record: &engine::Record, digest: &str, cache: CacheUse) -> Result<(), Unrecorded> {
        let mut entry = self.entry(record, &self.now_text());
        entry.request = Some(format!("blob {digest}"));
        entry.digest = Some(digest.to_string());
        entry.cache = Some(cache.as_str().to_string());
        crate::audit::written(self.audit.send(entry, cache != CacheUse::Hit)).await
    }

    /// The tag list of `repository` from the upstream that owns it.
    pub async fn image_tags(&self, repository: &str) -> Lookup<Vec<u8>> {
        let listing = self.listing(Ecosystem::Oci, repository).await;
        if let Some(f) = listing.failure() {
            return Lookup::Failed(f.clone());
        }
        let Some((owner, _)) = listing.owner() else { return Lookup::NotFound };
        let chain = self.config.chain_for(Ecosystem::Oci, repository);
        let Some(upstream) = chain.get(owner) else { return Lookup::NotFound };
        self.registry.inner().oci_fetch(upstream, repository, OciFetch::Tags).await
    }
}
