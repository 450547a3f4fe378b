//! OpenVet review audits (issue 24): signed audits of an exact package version and hash,
//! kept in append-only logs that each owner signs, and the requirements a project states
//! over their claims (`openvet.toml`), evaluated in OpenVet's three-valued logic.
//!
//! This module is pure: it gets each log as a [`Snapshot`] (the head and the objects a
//! fetch collected, as bytes; `upstream::openvet` fetches them), verifies it against the
//! keys the configuration pins ([`verify_log`]), and answers, for one artifact, which
//! audits speak about it and how each requirement ends ([`Database::check`]). It never
//! does I/O and never prints. The formats, the skipchain and Merkle-search-tree checks
//! and the evaluator are the OpenVet project's own crates (`openvet-proto`,
//! `openvet-log`, `openvet-tree`, `openvet-policy`); depgate adds the pinned keys, the
//! mapping from its coordinates to OpenVet subjects ([`subject`]) and the typed outcomes
//! policy and reports read.

mod evaluate;
pub mod subject;
mod verify;

pub use evaluate::{Database, ReqStatus, RequirementOutcome, Review, ReviewCheck, ReviewStatus, Verdict};
pub use verify::{LogOutcome, LogTrust, ObjectKind, Snapshot, VerifiedAudit, VerifiedLog, own_keyset, verify_log};

/// The requirement used when the project has no `openvet.toml`: a trusted log says the
/// package is benign.
pub const DEFAULT_POLICY: &str = "[requirement]\nis-benign = \"is-benign\"\n";

/// The policy half of an `openvet.toml` (`[requirement]`, `[[override]]`, `[alias]`),
/// honoured as OpenVet reads it; its `[log.*]` and `[[lockfile]]` tables belong to the
/// OpenVet CLI and are set aside here (depgate's `[reviews]` names the logs, with keys).
///
/// # Errors
/// The text is not TOML, or OpenVet's policy parser rejects it (its message names the
/// requirement or alias at fault).
pub fn parse_policy(openvet_toml: &str) -> Result<openvet_policy::Policy, String> {
    let mut doc: toml_edit::DocumentMut = openvet_toml.parse().map_err(|e| format!("not TOML: {e}"))?;
    doc.remove("log");
    doc.remove("lockfile");
    openvet_policy::parse_str(&doc.to_string()).map_err(|e| e.to_string())
}
