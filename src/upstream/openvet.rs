//! OpenVet audit logs on the network (or in a local mirror folder laid out the same way):
//! `<log>/log/head` (the 32-byte hash of the head commit, asked every run) and the
//! content-addressed objects `<log>/log/{commit,node,keystate,audit}/<hex>` (kept in the
//! metadata cache once fetched: an address names its bytes forever). Requests go through
//! the same client, credentials, timeouts, retries and `[limits]` as the registries: each
//! `[reviews.logs.<name>]` is an upstream named `[reviews.<name>]` for that machinery.
//!
//! What is fetched is what verifying the head and reading its audit tree needs: the head
//! commit and the commits its structure check reaches, the keyset path to its signer, and
//! every node and audit of its audit tree. Nothing is judged here: the objects go, as
//! bytes, into a [`Snapshot`] that `reviews::verify_log` checks.

use std::sync::Mutex;

use bytes::Bytes;
use openvet_crypto::{Hash, Hashed};
use openvet_log::LogStore;
use openvet_proto::audit::AuditEnvelope;
use openvet_proto::commit::CommitEnvelope;
use openvet_proto::keyset::KeyState;
use openvet_proto::tree::Node;

use super::http::{self, Got};
use super::{FailKind, Failure, Lookup, Upstreams};
use crate::config::{Location, ReviewLog, Upstream, UpstreamKind};
use crate::reviews::{ObjectKind, Snapshot};

/// The cache bucket of log objects (content-addressed, immutable).
const BUCKET: &str = "openvet-object-v1";

/// `[reviews.logs.<name>]` as an upstream.
pub fn endpoint(log: &ReviewLog) -> Upstream {
    let location = match &log.location {
        Location::Url(u) => {
            let s = u.as_str();
            let s = if s.ends_with('/') { s.to_string() } else { format!("{s}/") };
            Location::Url(url::Url::parse(&s).unwrap_or_else(|_| u.clone()))
        }
        Location::Dir(d) => Location::Dir(d.clone()),
    };
    Upstream {
        pgp_key: None,
        pgp_signatures: Some(false),
        cosign_key: None,
        tlog: true,
        name: format!("[reviews.{}]", log.name),
        kind: UpstreamKind::Dir,
        location,
        auth: log.auth.clone(),
        tier: String::new(),
        timeout: log.timeout,
        retries: log.retries,
        fall_through: Vec::new(),
        identity: Vec::new(),
        attestations: None,
        mirrors: None,
        image_registry: None,
    }
}

/// Fetch what verifying `upstream`'s log needs. `Failed`: the log could not be read (a
/// network or file error): no decision can rest on it.
pub async fn fetch_log(ups: &Upstreams, upstream: &Upstream) -> Lookup<Snapshot> {
    let store = Fetcher { ups, upstream, got: Mutex::new(Vec::new()), failed: Mutex::new(None) };
    let head = match store.head().await {
        Ok(Some(h)) => h,
        Ok(None) => return Lookup::Found(Snapshot::default()),
        Err(f) => return Lookup::Failed(f),
    };
    let walk = async {
        let Ok(Some(env)) = store.commit_get(Hash::new(head)).await else { return };
        // Run the checks for what they read; their verdicts come again in the pure check.
        let _ = store.verify_commit(&env.commit).await;
        let own = crate::reviews::own_keyset(&env.commit);
        let _ = store.verify_commit_signature(&own, env.value()).await;
        let mut walker = openvet_tree::walk(store.as_node_store(), env.commit.tree.root);
        while let Ok(Some((_, address))) = walker.next().await {
            if store.audit_get(address).await.is_err() {
                return;
            }
        }
    };
    walk.await;
    if let Some(f) = store.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
        return Lookup::Failed(f);
    }
    let objects = std::mem::take(&mut *store.got.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    Lookup::Found(Snapshot { head: Some(head), objects })
}

/// A read-only OpenVet log store over the log's URL or folder that keeps every object it
/// read.
/// An object read from a log: its kind, address and bytes.
type Fetched = (ObjectKind, [u8; 32], Vec<u8>);

struct Fetcher<'a> {
    ups: &'a Upstreams,
    upstream: &'a Upstream,
    got: Mutex<Vec<Fetched>>,
    failed: Mutex<Option<Failure>>,
}

impl Fetcher<'_> {
    async fn head(&self) -> Result<Option<[u8; 32]>, Failure> {
        let what = format!("the head of review log {}", self.upstream.display_location());
        let bytes = match &self.upstream.location {
            Location::Dir(dir) => match std::fs::read(dir.join("log").join("head")) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(Failure::new(FailKind::Invalid, None, format!("{what}: {e}"))),
            },
            Location::Url(base) => {
                let url = base.join("log/head").map_err(|e| http::invalid(format!("{what}: {e}")))?;
                match http::get(
                    self.ups,
                    self.upstream,
                    &url,
                    "application/octet-stream",
                    super::body::BodyKind::Metadata,
                    None,
                )
                .await
                {
                    Got::Body { bytes, .. } => bytes,
                    Got::NotFound => return Ok(None),
                    Got::Failed(f) => return Err(f),
                    Got::NotModified { .. } => return Err(http::invalid(format!("{what}: unexpected 304"))),
                    Got::Challenge(_) => {
                        return Err(Got::challenge_failure(&self.upstream.name, &crate::redact::redact_url(&url)));
                    }
                }
            }
        };
        <[u8; 32]>::try_from(bytes.as_slice()).map(Some).map_err(|_| {
            Failure::new(FailKind::Invalid, None, format!("{what} is {} bytes, not a 32-byte hash", bytes.len()))
        })
    }

    /// The bytes at `address`, recorded; `Err` (and the run's failure set) on a network
    /// or file error.
    async fn object(&self, kind: ObjectKind, address: Hash) -> Result<Option<Bytes>, Failure> {
        let raw: [u8; 32] = address.bytes();
        let rel = format!("log/{}/{}", kind.path(), hex::encode(raw));
        let got = match &self.upstream.location {
            Location::Dir(dir) => match std::fs::read(dir.join(&rel)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Failure::new(FailKind::Invalid, None, format!("{}: {e}", dir.join(&rel).display()))),
            },
            Location::Url(base) => match base.join(&rel) {
                Err(e) => Err(http::invalid(format!("review log object {rel}: {e}"))),
                Ok(url) => {
                    match http::get_cached(self.ups, self.upstream, BUCKET, &url, "application/octet-stream").await {
                        Lookup::Found((b, _)) => Ok(Some(b)),
                        Lookup::NotFound => Ok(None),
                        Lookup::Failed(f) => Err(f),
                    }
                }
            },
        };
        match got {
            Ok(Some(b)) => {
                self.got.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((kind, raw, b.clone()));
                Ok(Some(Bytes::from(b)))
            }
            Ok(None) => Ok(None),
            Err(f) => {
                self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(f.clone());
                Err(f)
            }
        }
    }

    /// Decoded, when the bytes are an object of this kind at this address (else `None`:
    /// the pure check says why).
    async fn decoded<T: openvet_proto::WireDecode>(
        &self,
        kind: ObjectKind,
        address: Hash,
    ) -> Result<Option<Hashed<T>>, Failure> {
        Ok(self
            .object(kind, address)
            .await?
            .and_then(|b| openvet_proto::decode::<T>(b).ok())
            .filter(|v| v.hash() == address))
    }
}

impl LogStore for Fetcher<'_> {
    type Error = Failure;

    async fn node_get(&self, hash: Hash) -> Result<Option<Hashed<Node>>, Failure> {
        self.decoded(ObjectKind::Node, hash).await
    }

    async fn commit_get(&self, hash: Hash) -> Result<Option<Hashed<CommitEnvelope>>, Failure> {
        self.decoded(ObjectKind::Commit, hash).await
    }

    async fn keystate_get(&self, hash: Hash) -> Result<Option<Hashed<KeyState>>, Failure> {
        self.decoded(ObjectKind::KeyState, hash).await
    }

    async fn audit_get(&self, hash: Hash) -> Result<Option<Hashed<AuditEnvelope>>, Failure> {
        self.decoded(ObjectKind::Audit, hash).await
    }
}
