//! Evidence: every kind of evidence about a package is one module implementing
//! [`EvidenceKind`], and [`gather`] runs any kind the same way — plan what to fetch for
//! each resolved package, fetch it through the chain `concurrency` at a time, check it on
//! blocking threads (never on the async I/O threads), and hand back one typed outcome per
//! package. The pipeline ([`super::run`]) puts each outcome in its slot of
//! [`Evidence`], which is serialized into the record (`decisions.json`) and the policy
//! input (`depgate.input/v1`) as top-level keys.
//!
//! Kinds today: [`Provenance`] (Sigstore provenance and publish attestations: npm
//! attestations, PEP 740, `.sigstore.json` beside Maven files), [`OpenPgp`] (OpenPGP
//! `.asc` signatures beside files, sharing the `verification` slot) and [`Advisories`]
//! (vulnerability and malware advisories from the run's OSV database) and [`Reviews`]
//! (OpenVet review audits from the run's verified logs).
//!
//! # Adding a kind of evidence (the recipe)
//!
//! 1. **One module** under `engine/evidence/` with a type implementing [`EvidenceKind`]:
//!    - `plan`: from the [`Resolved`] package (owner, files, digests, the owner's index),
//!      the owned `Job` to fetch and check, or `None` when no material can exist;
//!    - `fetch`: the material through [`Registry`] (add a method there, and to
//!      `upstream::Upstreams`, the proxy's `Memo` and `MemoryRegistry`, if the chain has no
//!      way to ask for it yet: only `upstream/` talks to the network);
//!    - `check`: pure and CPU-bound (bytes in, typed outcome out; parsers and verifiers
//!      live in `attest/` or their own pure module). It runs on a blocking thread; a
//!      panic inside is caught and becomes [`EvidenceKind::check_died`], which must fail
//!      closed. "Unverifiable" (nothing exists) and "violated" (exists and fails, or
//!      cannot be checked) stay apart in the outcome type;
//!    - `contribute`: put the outcome into its slot of [`Evidence`].
//! 2. **Its slot**: a field of [`Evidence`] (a signature kind — `OpenPGP`, cosign — shares
//!    `verification` and merges its attestations there; a kind with its own meaning —
//!    advisories, reviews — adds a field, which becomes `input.<field>` and
//!    `decisions.json`'s `<field>` with no other change). Document it in
//!    `schema/depgate.input.v1.schema.json` and DESIGN.md.
//! 3. **Run it**: one `gather` call in [`super::run`] beside `Provenance`'s.
//! 4. **Reports**: the renderers in `report/` read the slot: an SBOM property in
//!    `report::sbom::depgate_facts` (both SBOMs take it from there), a column or section
//!    in `summary.md` if people act on it, SARIF through the finding rules that policy
//!    raises, the audit record (`audit::Entry`) if it belongs to the decision's trail.
//! 5. **Policy**: rules in `policy/builtin/` (codes in `policy::rules`) read the slot.
//! 6. **Tests**: the kind's check with real material (positive, each failure stage), and
//!    an engine test against `upstream::MemoryRegistry` (`tests/engine.rs`).

mod advisories;
mod openpgp;
mod provenance;
mod reviews;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::StreamExt;

pub use advisories::Advisories;
pub use openpgp::{OpenPgp, merge as merge_verification, merge_gathered, to_verification};
pub use provenance::{CollectedEvidence, Provenance, collect_evidence};
pub use reviews::Reviews;

use super::model::Evidence;
use super::resolve::Resolved;
use crate::config::Config;
use crate::upstream::{Failure, Lookup, Registry};

/// One kind of evidence about a package. See the module docs for the recipe.
pub trait EvidenceKind: Send + Sync + 'static {
    /// What to fetch and check for one package. Owned: checks run on blocking threads.
    type Job: Send + 'static;
    /// The material as the chain serves it.
    type Material: Send + 'static;
    /// What checking concluded about one package.
    type Outcome: Send + 'static;

    /// The material's name in messages (`attestations`).
    fn noun(&self) -> &'static str;

    /// What to fetch for `package`, or `None` when no material can exist for it.
    fn plan(&self, config: &Config, package: &Resolved) -> Option<Self::Job>;

    /// Fetch the material of `job` through the chain (or an offline copy).
    fn fetch<R: Registry>(&self, registry: &R, job: &Self::Job) -> impl Future<Output = Lookup<Self::Material>> + Send;

    /// Check the material (`None`: there is none). Pure and CPU-bound.
    fn check(&self, job: Self::Job, material: Option<Self::Material>) -> Self::Outcome;

    /// The outcome of a package that nothing was planned for.
    fn not_planned(&self) -> Self::Outcome;

    /// The outcome when the check died before it concluded: must fail closed.
    fn check_died(&self) -> Self::Outcome;

    /// Put `outcome` in its slot.
    fn contribute(outcome: Self::Outcome, evidence: &mut Evidence);
}

/// How gathering one kind of evidence for one package ended.
#[derive(Debug)]
pub enum Gathered<O> {
    /// The check concluded (or nothing was planned).
    Concluded(O),
    /// The material could not be fetched: no decision is possible (fail closed). The
    /// failure's message already says what could not be fetched.
    FetchFailed(Failure),
}

/// Gather one kind of evidence for every package: one outcome per package, in order.
pub async fn gather<K: EvidenceKind, R: Registry>(
    kind: &Arc<K>,
    config: &Config,
    registry: &R,
    packages: &[Resolved],
    concurrency: usize,
) -> Vec<Gathered<K::Outcome>> {
    let jobs: Vec<(usize, K::Job)> =
        packages.iter().enumerate().filter_map(|(i, p)| kind.plan(config, p).map(|j| (i, j))).collect();
    let fetched = fetch(kind, registry, jobs, concurrency).await;
    let mut out: Vec<Option<Gathered<K::Outcome>>> = (0..packages.len()).map(|_| None).collect();
    let mut to_check = Vec::with_capacity(fetched.len());
    for (i, job, got) in fetched {
        match got {
            Lookup::Found(m) => to_check.push((i, job, Some(m))),
            Lookup::NotFound => to_check.push((i, job, None)),
            Lookup::Failed(f) => {
                let message = format!("{} (its {} could not be fetched)", f.message, kind.noun());
                out[i] = Some(Gathered::FetchFailed(Failure { message, ..f }));
            }
        }
    }
    for (i, outcome) in check_all(kind, to_check).await {
        out[i] = Some(Gathered::Concluded(outcome));
    }
    out.into_iter().map(|o| o.unwrap_or_else(|| Gathered::Concluded(kind.not_planned()))).collect()
}

/// Fetch the material of `jobs`, `concurrency` at a time (completion order).
pub(super) async fn fetch<K: EvidenceKind, R: Registry>(
    kind: &Arc<K>,
    registry: &R,
    jobs: Vec<(usize, K::Job)>,
    concurrency: usize,
) -> Vec<(usize, K::Job, Lookup<K::Material>)> {
    futures::stream::iter(jobs)
        .map(|(i, job)| async move {
            let got = kind.fetch(registry, &job).await;
            (i, job, got)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// Check every fetched job on blocking threads, a share per core; a check that panics
/// becomes [`EvidenceKind::check_died`] (fail closed), never a lost package.
async fn check_all<K: EvidenceKind>(
    kind: &Arc<K>,
    jobs: Vec<(usize, K::Job, Option<K::Material>)>,
) -> Vec<(usize, K::Outcome)> {
    let indices: Vec<usize> = jobs.iter().map(|(i, _, _)| *i).collect();
    let checker = Arc::clone(kind);
    let shares = super::blocking::on_cores(jobs, move |part: Vec<(usize, K::Job, Option<K::Material>)>| {
        part.into_iter()
            .map(|(i, job, material)| {
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| checker.check(job, material)))
                    .unwrap_or_else(|_| checker.check_died());
                (i, outcome)
            })
            .collect()
    })
    .await;
    let mut out = Vec::with_capacity(indices.len());
    let mut at = 0;
    for (len, part) in shares {
        match part {
            Some(part) => out.extend(part),
            // The blocking task was cancelled (the runtime is shutting down): fail closed.
            None => out.extend(indices[at..at + len].iter().map(|&i| (i, kind.check_died()))),
        }
        at += len;
    }
    out
}
