//! The download stage (`--download`, and every file the proxy serves): fetch each
//! resolved artifact through its owner into the content-addressed cache, hash the bytes
//! off the I/O threads, and say how they compare — as a [`Downloaded`] per package that
//! [`Downloaded::apply`] folds into the resolution (pure), never by writing into it.

use std::collections::BTreeMap;

use futures::StreamExt;

use super::integrity::{compare as compare_digests, digest_all};
use super::model::{CacheUse, IntegrityCheck, ResolutionStatus};
use super::resolve::Resolved;
use super::{artifact_url, owner_of};
use crate::config::Config;
use crate::ecosystem::Ecosystem;
use crate::redact::redact_text;
use crate::upstream::{FailKind, Failure, Lookup, Registry};

/// What fetching one package's artifact gave.
#[derive(Debug, Clone)]
pub enum Downloaded {
    /// Not asked for, or nothing to fetch (not resolved, no artifact URL).
    NotAsked,
    /// The bytes arrived: every digest depgate computes of them, and whether the cache
    /// already had them.
    Fetched { digests: BTreeMap<String, String>, cache: CacheUse },
    /// The owner could not deliver (fail closed: no decision is possible).
    Failed(Failure),
}

impl Downloaded {
    /// The package with this outcome folded into its resolution: the bytes' digests
    /// compared with the owner's (and with the lockfile's when the owner publishes none in
    /// common), digests the owner lacks added, the cache use; a failure makes the
    /// resolution an error.
    pub fn apply(&self, mut package: Resolved) -> Resolved {
        let Some(r) = package.resolution.as_mut() else { return package };
        match self {
            Downloaded::NotAsked => {}
            Downloaded::Fetched { digests: actual, cache } => {
                r.artifact_integrity = compare_digests(actual, &r.digests);
                if r.artifact_integrity == IntegrityCheck::Mismatch {
                    r.artifact_digests.clone_from(actual);
                }
                // The owner publishes no digest the lockfile also records (Maven Central's
                // sha1 against a sha256 pin): the bytes settle it.
                if r.lockfile_integrity == IntegrityCheck::Unavailable && !r.lockfile_digests.is_empty() {
                    r.lockfile_integrity = compare_digests(&r.lockfile_digests, actual);
                }
                if r.artifact_integrity == IntegrityCheck::Missing
                    || r.artifact_integrity == IntegrityCheck::Unavailable
                {
                    // The owner publishes no digest: the bytes are all we have.
                    r.artifact_integrity = IntegrityCheck::Unavailable;
                }
                for (k, v) in actual {
                    r.digests.entry(k.clone()).or_insert_with(|| v.clone());
                }
                r.cache = Some(*cache);
            }
            Downloaded::Failed(f) => {
                r.status = ResolutionStatus::Error;
                r.error = Some(f.clone());
            }
        }
        package
    }
}

/// One artifact to fetch: package index, owner's name, ecosystem, name, URL, expected
/// digests. Owned values only: a borrowed upstream in the stream's item type makes the
/// future not provably `Send` for every lifetime (the proxy spawns it).
type Job = (usize, String, Ecosystem, String, String, BTreeMap<String, String>);

/// Fetch every resolvable artifact, `concurrency` at a time; one outcome per package, in
/// order.
pub(super) async fn fetch_all<R: Registry>(
    config: &Config,
    registry: &R,
    packages: &[Resolved],
    concurrency: usize,
) -> Vec<Downloaded> {
    let jobs: Vec<Job> = packages
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let owner = owner_of(config, p.resolution.as_ref())?;
            let url = artifact_url(p)?;
            let digests = p.resolution.as_ref()?.digests.clone();
            Some((i, owner.name.clone(), p.package.ecosystem, p.package.name.clone(), url, digests))
        })
        .collect();
    let fetched: Vec<(usize, Downloaded)> = futures::stream::iter(jobs)
        .map(|(i, owner, eco, name, url, expected)| async move {
            (i, fetch_one(config, registry, &owner, eco, &name, &url, &expected).await)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = vec![Downloaded::NotAsked; packages.len()];
    for (i, d) in fetched {
        out[i] = d;
    }
    out
}

async fn fetch_one<R: Registry>(
    config: &Config,
    registry: &R,
    owner: &str,
    eco: Ecosystem,
    name: &str,
    url: &str,
    expected: &BTreeMap<String, String>,
) -> Downloaded {
    let Some(owner) = config.upstreams.get(owner) else {
        let message = format!("upstream `{owner}` is not configured");
        return Downloaded::Failed(Failure::new(FailKind::Status, None, message));
    };
    let artifact = match registry.artifact(owner, eco, name, url, expected).await {
        Lookup::Found(a) => a,
        Lookup::NotFound => {
            return Downloaded::Failed(Failure::new(
                FailKind::Status,
                Some(404),
                format!("upstream `{}` lists {name} but its artifact {} is missing", owner.name, redact_text(url)),
            ));
        }
        Lookup::Failed(f) => return Downloaded::Failed(f),
    };
    let cache = if artifact.cache_hit { CacheUse::Hit } else { CacheUse::Miss };
    // Hashing a large artifact is CPU work: off the I/O threads.
    match tokio::task::spawn_blocking(move || digest_all(&artifact.bytes)).await {
        Ok(digests) => Downloaded::Fetched { digests, cache },
        Err(e) => Downloaded::Failed(Failure::new(
            FailKind::Io,
            None,
            format!("internal error while hashing the artifact of {name}: {e}"),
        )),
    }
}
