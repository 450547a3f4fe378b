//! The pipeline's record of each coordinate: resolution, evidence, decision. These types
//! are what `decisions.json` holds and what policy input is built from. Every outcome is
//! typed: a stage's result is an enum whose variants carry what each case needs, and the
//! JSON they serialize to is the stable `depgate.decisions/v1` / `depgate.input/v1` shape.

use std::collections::BTreeMap;

use serde::ser::SerializeMap as _;
use serde::{Serialize, Serializer};

use crate::attest::Stage;
use crate::ecosystem::{Coordinate, Ecosystem, SourceKind};
use crate::policy::Finding;
use crate::upstream::{Attempt, EvidenceSource, Failure};

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

/// Which rule bound a name to its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundBy {
    /// The first upstream of the chain that has the name owns it.
    Chain,
    /// A `namespaces` pattern of the configuration names the owner.
    Namespace,
}

/// Which rule bound the name to its owner.
#[derive(Debug, Clone, Serialize)]
pub struct Ownership {
    pub bound_by: BoundBy,
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

/// Whether a downloaded artifact came out of the content-addressed cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheUse {
    Hit,
    Miss,
}

impl CacheUse {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheUse::Hit => "hit",
            CacheUse::Miss => "miss",
        }
    }
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
    /// The downloaded bytes' digests (hex by algorithm) when they differ from the owner's,
    /// so a mismatch can show both sides.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifact_digests: BTreeMap<String, String>,
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
    /// Whether the downloaded artifact was already in the content-addressed cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheUse>,
    /// Container images: the tag's current digest and whether the pinned one is served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageResolution>,
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
            artifact_digests: BTreeMap::new(),
            lockfile_source: None,
            fell_through: Vec::new(),
            deprecated: None,
            yanked: None,
            file: None,
            signatures: Vec::new(),
            error: None,
            cache: None,
            image: None,
        }
    }
}

/// The four states of `verification.status`, for code that asks which one it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Unverifiable,
    Verified,
    Violated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Unverifiable => "unverifiable",
            Status::Verified => "verified",
            Status::Violated => "violated",
        }
    }
}

/// Why a package is `unverifiable`: no evidence exists that could be checked.
#[derive(Debug, Clone)]
pub enum Unverifiable {
    /// Neither the owner nor the attestation cache has evidence for this artifact.
    NotPublished,
    /// No artifact to ask about: the version did not resolve (not found, a failure), it
    /// comes from no registry (git, file), or the owner names no file for it.
    NoArtifact,
    /// A signature exists, by a key nobody trusts for this package (an OpenPGP key in no
    /// keyring, or in a keyring but pinned for nothing that covers the package): the
    /// record names the key so that the user can add it.
    UntrustedKey { reasons: Vec<String>, attestations: Vec<AttestationRecord> },
}

/// Evidence that verified: at least one attestation, every one of them verified.
#[derive(Debug, Clone)]
pub struct Verified {
    pub attestations: Vec<AttestationRecord>,
    pub source: EvidenceSource,
}

/// Where evidence that exists failed. Never collapsed into `unverifiable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolatedAt {
    /// The registry advertises evidence it does not serve.
    Missing,
    /// The material cannot be read (not the format it claims).
    Unreadable,
    /// The owner publishes no digest the evidence could be checked against.
    NoDigest,
    /// An attestation failed at this stage (the first failing one).
    Stage(Stage),
    /// The check itself died; failing closed.
    Internal,
}

/// Evidence that exists and does not verify, or cannot be checked.
#[derive(Debug, Clone)]
pub struct Violated {
    pub at: ViolatedAt,
    /// One line per failure, for people.
    pub reasons: Vec<String>,
    /// Every attestation read, verified or not.
    pub attestations: Vec<AttestationRecord>,
    pub source: Option<EvidenceSource>,
}

/// Verification outcome. `Verified` (at least one attestation verified and every one that
/// exists verified), `Unverifiable` (none exists), `Violated` (one exists and fails, or
/// cannot be checked): the last two are different types, so they cannot be collapsed.
/// `Pending`: not checked yet (the proxy decides which versions to list before any
/// artifact is fetched, and verifies each when it is; policy rules about verification
/// skip `pending`, and the artifact's own decision never has it).
///
/// Serialized as `{"status", "attestations", "reasons"?, "evidence"?}` (`depgate.input/v1`).
#[derive(Debug, Clone)]
pub enum Verification {
    Pending,
    Unverifiable(Unverifiable),
    Verified(Verified),
    Violated(Violated),
}

impl Verification {
    pub fn status(&self) -> Status {
        match self {
            Verification::Pending => Status::Pending,
            Verification::Unverifiable(_) => Status::Unverifiable,
            Verification::Verified(_) => Status::Verified,
            Verification::Violated(_) => Status::Violated,
        }
    }

    /// Every attestation read (none unless verified or violated).
    pub fn attestations(&self) -> &[AttestationRecord] {
        match self {
            Verification::Verified(v) => &v.attestations,
            Verification::Violated(v) => &v.attestations,
            Verification::Unverifiable(Unverifiable::UntrustedKey { attestations, .. }) => attestations,
            Verification::Pending | Verification::Unverifiable(_) => &[],
        }
    }

    /// Why it is violated, or which untrusted key signed it (empty otherwise).
    pub fn reasons(&self) -> &[String] {
        match self {
            Verification::Violated(v) => &v.reasons,
            Verification::Unverifiable(Unverifiable::UntrustedKey { reasons, .. }) => reasons,
            _ => &[],
        }
    }

    /// Where the evidence came from, when some was read.
    pub fn evidence(&self) -> Option<EvidenceSource> {
        match self {
            Verification::Verified(v) => Some(v.source),
            Verification::Violated(v) => v.source,
            Verification::Pending | Verification::Unverifiable(_) => None,
        }
    }

    /// A violation found before any attestation could be read.
    pub fn violated(at: ViolatedAt, reason: String, source: Option<EvidenceSource>) -> Self {
        Verification::Violated(Violated { at, reasons: vec![reason], attestations: Vec::new(), source })
    }
}

impl Serialize for Verification {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let reasons = self.reasons();
        let evidence = self.evidence();
        let len = 2 + usize::from(!reasons.is_empty()) + usize::from(evidence.is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("status", &self.status())?;
        map.serialize_entry("attestations", self.attestations())?;
        if !reasons.is_empty() {
            map.serialize_entry("reasons", reasons)?;
        }
        if let Some(e) = evidence {
            map.serialize_entry("evidence", &e)?;
        }
        map.end()
    }
}

/// Why a package's version was not matched against advisories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotChecked {
    /// The configuration has no `[advisories]` (and no `--advisories-db` was given).
    NotConfigured,
    /// Not a registry package (git, file, link, tarball): advisories name registry
    /// versions.
    NotRegistry,
    /// The match died before it concluded (never reported as clean).
    Failed,
}

/// A newer release no advisory names: what the remedy proposes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upgrade {
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<f64>,
}

/// What the advisory database says about one package version (`advisories` in
/// `decisions.json` and the policy input; the matches are also `package.advisories`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AdvisoryCheck {
    NotChecked {
        reason: NotChecked,
    },
    Checked {
        /// Digest of the database that decided.
        database: String,
        /// Matching advisories, merged by alias, malware and the most severe first.
        matched: Vec<crate::advisories::Advisory>,
        /// When something matched: the nearest newer releases no advisory names.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        upgrade: Vec<Upgrade>,
    },
}

impl AdvisoryCheck {
    /// Not configured: the slot is left out of the record.
    pub fn is_off(&self) -> bool {
        matches!(self, AdvisoryCheck::NotChecked { reason: NotChecked::NotConfigured })
    }

    /// The advisories that matched (none unless checked).
    pub fn matched(&self) -> &[crate::advisories::Advisory] {
        match self {
            AdvisoryCheck::Checked { matched, .. } => matched,
            AdvisoryCheck::NotChecked { .. } => &[],
        }
    }
}

/// What the trusted OpenVet logs say about one package version (`reviews` in
/// `decisions.json` and the policy input; the audits are also `package.reviews`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReviewEvidence {
    NotChecked { reason: NotChecked },
    Checked(crate::reviews::ReviewCheck),
}

impl ReviewEvidence {
    /// Not configured: the slot is left out of the record.
    pub fn is_off(&self) -> bool {
        matches!(self, ReviewEvidence::NotChecked { reason: NotChecked::NotConfigured })
    }

    /// The check, when there was one.
    pub fn checked(&self) -> Option<&crate::reviews::ReviewCheck> {
        match self {
            ReviewEvidence::Checked(c) => Some(c),
            ReviewEvidence::NotChecked { .. } => None,
        }
    }
}

/// What every kind of evidence concluded about one package (see
/// [`super::evidence`]): one field per slot of the policy input. Serialized flattened
/// into the record and into the policy input, so a slot is a top-level key of both.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Signatures and attestations (Sigstore provenance and publish attestations today):
    /// `verification` in `depgate.input/v1`.
    pub verification: Verification,
    /// Vulnerability and malware advisories: `advisories` (and `package.advisories`).
    #[serde(skip_serializing_if = "AdvisoryCheck::is_off")]
    pub advisories: AdvisoryCheck,
    /// OpenVet review audits: `reviews` (and `package.reviews`).
    #[serde(skip_serializing_if = "ReviewEvidence::is_off")]
    pub reviews: ReviewEvidence,
}

impl Evidence {
    /// Nothing gathered: the package did not resolve to anything evidence could be about.
    pub fn none() -> Self {
        Evidence {
            verification: Verification::Unverifiable(Unverifiable::NoArtifact),
            advisories: AdvisoryCheck::NotChecked { reason: NotChecked::NotConfigured },
            reviews: ReviewEvidence::NotChecked { reason: NotChecked::NotConfigured },
        }
    }

    /// Not gathered yet (the proxy's listings).
    pub fn pending() -> Self {
        Evidence {
            verification: Verification::Pending,
            advisories: AdvisoryCheck::NotChecked { reason: NotChecked::NotConfigured },
            reviews: ReviewEvidence::NotChecked { reason: NotChecked::NotConfigured },
        }
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
    /// When a key-signed signature says it was made (OpenPGP; not attested by any log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
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

/// Where a locked package comes from (the kind of [`SourceKind`], without its location).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageSource {
    Registry,
    Git,
    File,
    Link,
    Tarball,
}

impl PackageSource {
    pub fn of(kind: &SourceKind) -> Self {
        match kind {
            SourceKind::Registry => PackageSource::Registry,
            SourceKind::Git(_) => PackageSource::Git,
            SourceKind::File(_) => PackageSource::File,
            SourceKind::Link(_) => PackageSource::Link,
            SourceKind::Tarball(_) => PackageSource::Tarball,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PackageSource::Registry => "registry",
            PackageSource::Git => "git",
            PackageSource::File => "file",
            PackageSource::Link => "link",
            PackageSource::Tarball => "tarball",
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
    /// Installed for the package manager itself (pnpm's own packages), not the project.
    pub package_manager: bool,
    pub source: PackageSource,
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
    /// A container image's reference in normal form (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInfo>,
}

/// What an image reference says, as policy and reports see it.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    pub registry: String,
    /// `registry/path`: `docker.io/library/nginx`.
    pub repository: String,
    pub tag: Option<String>,
    /// The pinned digest, `None` when the reference is not pinned.
    pub digest: Option<String>,
    pub platform: Option<String>,
    /// `from`, `copy-from`, `mount-from`, `compose`, `workflow-container`, …
    pub kind: &'static str,
}

/// What the owner of an image said about its reference.
#[derive(Debug, Clone, Serialize)]
pub struct ImageResolution {
    /// The digest the owner's tag points to now (`None`: digest-only reference, or the
    /// owner does not have the tag).
    pub tag_digest: Option<String>,
    /// The pinned digest is one the owner serves (`None` when nothing is pinned).
    pub digest_served: Option<bool>,
    /// The digest a build pulls: the pinned one, else the tag's.
    pub digest: Option<String>,
    /// The input's line with the reference pinned to the owner's digest (for an unpinned
    /// or moved reference: the tag's current digest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_line: Option<String>,
}

impl PackageInfo {
    pub fn from_coordinate(c: &Coordinate) -> Self {
        let location = match &c.source {
            SourceKind::Registry => None,
            SourceKind::Git(s) | SourceKind::File(s) | SourceKind::Link(s) | SourceKind::Tarball(s) => {
                Some(crate::redact::redact_text(s))
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
            package_manager: c.package_manager,
            source: PackageSource::of(&c.source),
            location,
            alias: c.alias.clone(),
            classifier: c.classifier.clone(),
            extension: c.extension.clone(),
            lockfile: c.source_file.display().to_string(),
            line: c.line,
            image: c.image.as_deref().map(|i| ImageInfo {
                registry: i.registry.clone(),
                repository: i.repository(),
                tag: i.tag.clone(),
                digest: i.digest.clone(),
                platform: i.platform.clone(),
                kind: i.kind.as_str(),
            }),
        }
    }
}

/// Everything the pipeline learned and decided about one coordinate.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub package: PackageInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(flatten)]
    pub evidence: Evidence,
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

/// A version the proxy held back from a listing (an npm packument, a simple page, a
/// `maven-metadata.xml`): never offered to clients and never fetched, so not a component
/// of any SBOM, but a decision all the same. A client that pins it fails with its own
/// "no matching version" message, so the report and the log say what it could not.
#[derive(Debug, Clone, Serialize)]
pub struct HeldBack {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub purl: String,
    /// The owner whose listing offered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// `quarantine`, `deny` or `error` (a listing decision that hides the version).
    pub decision: Decision,
    pub findings: Vec<LeveledFinding>,
    /// The advisories that name it (their lead ids), most severe first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub advisories: Vec<String>,
    /// When the proxy first held it back (RFC 3339).
    pub held_at: String,
}

impl HeldBack {
    /// The held-back version of a listing record, first held back at `now`.
    pub fn of(record: &Record, now: &str) -> Self {
        let res = record.resolution.as_ref();
        Self {
            ecosystem: record.package.ecosystem,
            name: record.package.name.clone(),
            version: record.package.version.clone(),
            purl: record.package.purl.clone(),
            upstream: res.and_then(|r| r.upstream.clone()),
            tier: res.and_then(|r| r.tier.clone()),
            published_at: res.and_then(|r| r.published_at.clone()),
            decision: record.decision,
            findings: record.findings.clone(),
            advisories: record.evidence.advisories.matched().iter().map(|a| a.id.clone()).collect(),
            held_at: now.to_string(),
        }
    }

    /// The findings that decided (at the level of the decision), else all of them.
    pub fn decisive(&self) -> Vec<&LeveledFinding> {
        let d: Vec<&LeveledFinding> = self.findings.iter().filter(|f| f.level == self.decision).collect();
        if d.is_empty() { self.findings.iter().collect() } else { d }
    }
}
