//! The chain walk: upstreams in priority order; the first that has the *name* owns it.
//!
//! Lower upstreams are never asked for an owned name, whatever versions they might offer
//! (dependency-confusion defence). A name bound by a namespace is asked of its upstream
//! only. A failure falls through only if the upstream's `fall_through` names its reason;
//! otherwise the walk stops and the caller fails closed.

use std::sync::Arc;

use serde::Serialize;

use super::{Failure, Lookup, Registry, Want};
use crate::config::{FallReason, Upstream};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::index::PackageIndex;

/// A higher-priority upstream that was passed over, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub upstream: String,
    pub reason: FallReason,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The upstream was not asked: its host's circuit breaker was open (it had failed
    /// too often in a row in this run), so `reason` is the failure that opened it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub circuit_open: bool,
}

/// How the walk ended for one name.
#[derive(Debug, Clone)]
pub enum ChainOutcome {
    /// `index` (0-based priority) owns the name.
    Owned { index: usize, package: Arc<PackageIndex>, fell_through: Vec<Attempt> },
    /// No upstream that may be asked has the name.
    NotFound { fell_through: Vec<Attempt> },
    /// Upstream `index` failed in a way that may not fall through.
    Failed { index: usize, failure: Failure, fell_through: Vec<Attempt> },
}

/// Walk `chain` for `name`. `bound` is the chain index a namespace binds the name to.
/// `want(index)` says what that upstream is asked for (publish times, locked artifacts).
pub async fn walk_chain<R: Registry>(
    registry: &R,
    chain: &[&Upstream],
    ecosystem: Ecosystem,
    bound: Option<usize>,
    name: &str,
    want: impl Fn(usize) -> Want,
) -> ChainOutcome {
    let mut fell_through = Vec::new();
    let candidates: Vec<usize> = match bound {
        Some(i) => vec![i],
        None => (0..chain.len()).collect(),
    };
    for i in candidates {
        let upstream = chain[i];
        match registry.index(upstream, ecosystem, name, &want(i)).await {
            Lookup::Found(package) => return ChainOutcome::Owned { index: i, package, fell_through },
            Lookup::NotFound => {
                if bound.is_some() || !upstream.fall_through.contains(&FallReason::NotFound) {
                    return ChainOutcome::NotFound { fell_through };
                }
                fell_through.push(Attempt {
                    upstream: upstream.name.clone(),
                    reason: FallReason::NotFound,
                    detail: String::new(),
                    circuit_open: false,
                });
            }
            Lookup::Failed(failure) => match failure.kind.fall_reason() {
                Some(reason) if bound.is_none() && upstream.fall_through.contains(&reason) => {
                    // Once per package: the `-v` line of each shows it, the terminal summary
                    // counts it per upstream, and an open circuit was logged once.
                    tracing::debug!("{} — falling through to the next upstream as configured", failure.message);
                    fell_through.push(Attempt {
                        upstream: upstream.name.clone(),
                        reason,
                        detail: failure.message,
                        circuit_open: failure.circuit_open,
                    });
                }
                _ => return ChainOutcome::Failed { index: i, failure, fell_through },
            },
        }
    }
    ChainOutcome::NotFound { fell_through }
}
