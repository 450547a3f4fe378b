//! An in-memory layer over a [`Registry`] for long-lived front doors (the proxy): one
//! index lookup per upstream, name and question within a time-to-live, shared by every
//! request that asks meanwhile (single-flight). Failures are not remembered.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::{Artifact, EvidenceRequest, EvidenceSource, Lookup, Registry, Want, WantedArtifact};
use crate::config::Upstream;
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;

type Key = (String, Ecosystem, String, (bool, bool), Vec<WantedArtifact>);
type Cell = Arc<OnceCell<Lookup<Arc<PackageIndex>>>>;

/// Entries kept before expired ones are swept (names a build asks for are far fewer).
const SWEEP_AT: usize = 20_000;

/// [`Registry`] with memoized, single-flight `index` lookups.
pub struct Memo<R> {
    inner: R,
    ttl: Duration,
    entries: Mutex<HashMap<Key, (Instant, Cell)>>,
}

impl<R: Registry> Memo<R> {
    pub fn new(inner: R, ttl: Duration) -> Self {
        Self { inner, ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The registry underneath.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    fn cell(&self, key: Key) -> Cell {
        let mut map = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if let Some((at, cell)) = map.get(&key) {
            let usable = now.duration_since(*at) < self.ttl && !matches!(cell.get(), Some(Lookup::Failed(_)));
            if usable {
                return cell.clone();
            }
        }
        if map.len() >= SWEEP_AT {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| now.duration_since(*at) < ttl);
        }
        let cell: Cell = Arc::new(OnceCell::new());
        map.insert(key, (now, cell.clone()));
        cell
    }
}

impl<R: Registry> Registry for Memo<R> {
    async fn index(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        want: &Want,
    ) -> Lookup<Arc<PackageIndex>> {
        let key =
            (upstream.name.clone(), ecosystem, name.to_string(), (want.full, want.all_times), want.artifacts.clone());
        let cell = self.cell(key);
        cell.get_or_init(|| self.inner.index(upstream, ecosystem, name, want)).await.clone()
    }

    fn artifact(
        &self,
        upstream: &Upstream,
        ecosystem: Ecosystem,
        name: &str,
        url: &str,
        expected: &BTreeMap<String, String>,
    ) -> impl Future<Output = Lookup<Artifact>> + Send {
        self.inner.artifact(upstream, ecosystem, name, url, expected)
    }

    fn evidence(
        &self,
        upstream: &Upstream,
        request: &EvidenceRequest<'_>,
    ) -> impl Future<Output = Lookup<(Vec<u8>, EvidenceSource)>> + Send {
        self.inner.evidence(upstream, request)
    }
}
