//! The pipeline's record of each coordinate: resolution, verification, decision.
//! These types are what `decisions.json` holds and what policy input is built from.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ecosystem::{Coordinate, Ecosystem};
use crate::policy::Finding;
use crate::upstream::{Attempt, Failure};

/// How the chain walk ended for a coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionStatus {
    /// An upstream owns the name (the version may still be missing: `version_found`).
    Owned,
    /// No upstream that may be asked has the name.
    NotFound,
    /// An upstream failed and the chain could not decide (fail closed).
    Error,
}

/// Which rule bound the name to its owner.
#[derive(Debug, Clone, Serialize)]
pub struct Ownership {
    /// `chain` (first upstream that has the name) or `namespace`.
    pub bound_by: &'static str,
    pub upstream: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// Where the lockfile says the package came from, compared with the chain.
#[derive(Debug, Clone, Serialize)]
pub struct LockfileSource {
    /// The lockfile's `resolved` URL, redacted.
    pub url: Option<String>,
    /// The chain upstream that URL belongs to, if any.
    pub upstream: Option<String>,
    /// Whether it points at the owner (its URL or where the owner says the tarball is).
    pub matches_owner: bool,
}

/// Comparison of two digests of the same artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityCheck {
    Match,
    Mismatch,
    /// The lockfile records no integrity.
    Missing,
    /// No common algorithm, or the upstream publishes none.
    Unavailable,
    /// `--download` was not asked for.
    NotDownloaded,
}

/// The `resolution` of DESIGN.md for one coordinate.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    pub status: ResolutionStatus,
    /// The owning upstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// 1-based priority of the owner in the chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<usize>,
    /// Served by an upstream below the first of the chain.
    pub fallback: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership: Option<Ownership>,
    pub version_found: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_latest: Option<String>,
    /// Artifact URL the owner gives for this version (redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<f64>,
    /// Digests the owner publishes, hex, by algorithm.
    pub digests: BTreeMap<String, String>,
    pub lockfile_integrity: IntegrityCheck,
    /// What the lockfile pins for this file (hex by algorithm), compared with the bytes
    /// when `--download` fetches them and the owner publishes no common digest.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub lockfile_digests: BTreeMap<String, String>,
    pub artifact_integrity: IntegrityCheck,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile_source: Option<LockfileSource>,
    pub fell_through: Vec<Attempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// Yanked (PEP 592), with the reason (may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked: Option<String>,
    /// The artifact file the url and digests describe (`PyPI`, Maven).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Signature files beside a Maven artifact (`sigstore.json`, `asc`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// Where the downloaded artifact sits in the content-addressed cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<&'static str>,
}

impl Resolution {
    /// Nothing resolved yet: not found, no digests, nothing compared.
    pub fn empty() -> Self {
        Self {
            status: ResolutionStatus::NotFound,
            upstream: None,
            tier: None,
            priority: None,
            fallback: false,
            ownership: None,
            version_found: false,
            owner_latest: None,
            url: None,
            published_at: None,
            age_days: None,
            digests: BTreeMap::new(),
            lockfile_integrity: IntegrityCheck::Unavailable,
            lockfile_digests: BTreeMap::new(),
            artifact_integrity: IntegrityCheck::NotDownloaded,
            lockfile_source: None,
            fell_through: Vec::new(),
            deprecated: None,
            yanked: None,
            file: None,
            signatures: Vec::new(),
            error: None,
            cache: None,
        }
    }
}

/// Verification outcome: `verified` (at least one attestation verified and every one
/// that exists verified), `unverifiable` (none exists), `violated` (one exists and fails,
/// or cannot be checked). The last two are never collapsed. `pending`: not checked yet
/// (the proxy's listings, see [`Verification::pending`]).
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub status: &'static str,
    pub attestations: Vec<AttestationRecord>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Where the evidence came from (`attestation_cache`, `upstream`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::upstream::EvidenceSource>,
}

impl Verification {
    pub fn unverifiable() -> Self {
        Self { status: "unverifiable", attestations: Vec::new(), reasons: Vec::new(), evidence: None }
    }

    /// Not checked yet: the proxy decides which versions to list before any artifact is
    /// fetched, and verifies each when it is (policy rules about verification skip
    /// `pending`; the artifact's own decision never has it).
    pub fn pending() -> Self {
        Self { status: "pending", attestations: Vec::new(), reasons: Vec::new(), evidence: None }
    }
}

/// One attestation and how it verified, flattened for policy.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationRecord {
    /// `provenance`, `publish`, `other`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    pub verified: bool,
    #[serde(flatten)]
    pub identity: crate::attest::Identity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builder_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_root: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrated_time: Option<String>,
    pub stages: Vec<crate::attest::Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<crate::attest::StageFailure>,
}

/// The policy outcome for one coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Warn,
    Quarantine,
    Deny,
    /// No decision could be made (upstream or policy failure): treated as a failure.
    Error,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Quarantine => "quarantine",
            Decision::Deny => "deny",
            Decision::Error => "error",
        }
    }
}

/// The package part of a record (and of policy input).
#[derive(Debug, Clone, Serialize)]
pub struct PackageInfo {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub purl: String,
    pub direct: bool,
    pub dev: bool,
    pub optional: bool,
    pub bundled: bool,
    /// `registry`, `git`, `file`, `link`, `tarball`.
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    pub lockfile: String,
    pub line: usize,
}

impl PackageInfo {
    pub fn from_coordinate(c: &Coordinate) -> Self {
        use crate::ecosystem::SourceKind;
        let location = match &c.source {
            SourceKind::Registry => None,
            SourceKind::Git(s) | SourceKind::File(s) | SourceKind::Link(s) | SourceKind::Tarball(s) => {
                Some(crate::upstream::redact_text(s))
            }
        };
        Self {
            ecosystem: c.ecosystem,
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl(),
            direct: c.direct,
            dev: c.dev,
            optional: c.optional,
            bundled: c.bundled,
            source: c.source.label(),
            location,
            alias: c.alias.clone(),
            classifier: c.classifier.clone(),
            extension: c.extension.clone(),
            lockfile: c.source_file.display().to_string(),
            line: c.line,
        }
    }
}

/// Everything the pipeline learned and decided about one coordinate.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub package: PackageInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    pub verification: Verification,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    pub decision: Decision,
    pub findings: Vec<LeveledFinding>,
}

/// A finding with the decision level it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeveledFinding {
    pub level: Decision,
    #[serde(flatten)]
    pub finding: Finding,
}
