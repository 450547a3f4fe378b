//! An in-memory layer over a [`Registry`] for long-lived front doors (the proxy): one
//! index lookup per upstream, name and question within a time-to-live, shared by every
//! request that asks meanwhile (single-flight). Failures are not remembered.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::{Artifact, EvidenceRequest, EvidenceSource, Lookup, Registry, Want, WantedArtifact};
use crate::config::Upstream;
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;
use crate::singleflight::SingleFlight;

type Key = (String, Ecosystem, String, (bool, bool), Vec<WantedArtifact>);

/// [`Registry`] with memoized, single-flight `index` lookups.
pub struct Memo<R> {
    inner: R,
    lookups: SingleFlight<Key, Lookup<Arc<PackageIndex>>>,
}

impl<R: Registry> Memo<R> {
    /// Lookups of `inner` are reused for `ttl`; a failed one is asked again.
    pub fn new(inner: R, ttl: Duration) -> Self {
        Self { inner, lookups: SingleFlight::new(Some(ttl), |l| !matches!(l, Lookup::Failed(_))) }
    }

    /// The registry underneath.
    pub fn inner(&self) -> &R {
        &self.inner
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
        self.lookups.get_or_init(key, || self.inner.index(upstream, ecosystem, name, want)).await.value
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
