//! The builtin policy as shipped: its Rego modules and the catalogue of its rule codes.
//! The codes are stable: reports, `[policy] disable`, user overrides and docs use them.

/// The builtin modules, embedded at build time: the entry points (`package depgate`)
/// and the rules (`package depgate.builtin`).
pub const BUILTIN_MODULES: [(&str, &str); 2] = [
    ("depgate.rego", include_str!("../../policy/depgate.rego")),
    ("builtin.rego", include_str!("../../policy/builtin.rego")),
];

/// The builtin rules (`package depgate.builtin`).
pub const BUILTIN_POLICY: &str = BUILTIN_MODULES[1].1;

/// One builtin rule code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub code: &'static str,
    /// `deny`, `quarantine` or `warn`.
    pub level: &'static str,
    pub summary: &'static str,
}

const fn rule(code: &'static str, level: &'static str, summary: &'static str) -> RuleInfo {
    RuleInfo { code, level, summary }
}

/// Every code the builtin policy can produce (a test keeps this and the Rego in step).
pub const BUILTIN_RULES: &[RuleInfo] = &[
    rule(
        "integrity-mismatch",
        "deny",
        "the lockfile's integrity differs from the owner's, or downloaded bytes differ from the owner's metadata",
    ),
    rule("image-not-pinned", "warn", "a container image is named by tag only (deny with [policy] unpinned_images)"),
    rule("image-digest-not-served", "deny", "the owner of an image repository does not serve its pinned digest"),
    rule("tag-moved", "warn", "an image's pinned digest is no longer what the owner's tag points to"),
    rule("not-found-in-chain", "deny", "no upstream has the name"),
    rule("namespace-not-found", "deny", "a namespace-bound upstream lacks the name"),
    rule("not-found-in-owner", "deny", "the owner lacks the version (flags dependency confusion)"),
    rule("ownership-violation", "deny", "the lockfile resolved an owned name from another chain upstream"),
    rule("resolved-url-mismatch", "warn", "the lockfile's resolved URL is on no chain upstream"),
    rule(
        "fallback-cooldown",
        "quarantine",
        "a fallback-tier (or cooldown_tiers) version younger than its tier's quarantine_days",
    ),
    rule("publish-time-unknown", "deny", "the cooldown applies but the upstream gives no publish time"),
    rule("security-fix-exemption", "warn", "a version inside its cooldown allowed by [policy.security_fixes]"),
    rule("signature-violated", "deny", "an attestation exists and fails verification"),
    rule("provenance-required", "deny", "the tier requires verified SLSA provenance and the package has none"),
    rule("signature-required", "deny", "the tier requires a verified signature and the package has none"),
    rule("license-denied", "deny", "every choice of the licence expression includes a license_deny licence"),
    rule("license-not-allowed", "deny", "license_allow is set and no choice of the licence is entirely allowed"),
    rule("license-changed", "deny", "the licence differs from the one pinned in [policy.license_pins]"),
    rule("trust-downgrade-tier", "deny", "the baseline had it first in chain, now it comes from a fallback"),
    rule("trust-downgrade-identity", "deny", "verified, but signed by another identity than the baseline"),
    rule("attestation-disappeared", "deny", "the baseline was verified, this version has no attestation"),
    rule("unresolvable-source", "warn", "a git or remote-tarball dependency"),
    rule("deprecated-version", "warn", "the publisher deprecated the version"),
    rule("yanked-version", "deny", "the version was yanked"),
    rule("malware", "deny", "an advisory names the version as malware (never ignored)"),
    rule("vulnerability", "deny", "a vulnerability advisory at or above the tier's fail_on_severity names the version"),
    rule("vulnerability-unfixed", "warn", "a vulnerability advisory names the version and no fixed version exists"),
    rule(
        "vulnerability-below-threshold",
        "warn",
        "a vulnerability advisory below fail_on_severity names the version, and a fix exists",
    ),
    rule("advisory-ignored", "warn", "a vulnerability advisory is accepted by [advisories.ignore] until its expiry"),
    rule("advisory-ignore-expired", "warn", "an [advisories.ignore] entry has expired and no longer applies"),
    rule(
        "review-required",
        "deny",
        "[reviews] requires a passing OpenVet review for the tier (or direct dependencies) and the version has none",
    ),
    rule(
        "review-contradicted",
        "deny",
        "a trusted OpenVet log says the exact artifact is not benign (is-benign = false)",
    ),
    rule("review-invalid", "deny", "a trusted OpenVet log holds an audit of the version that does not verify"),
    rule(
        "review-disappeared",
        "warn",
        "the baseline's version passed its OpenVet reviews and this version does not (`depgate trust update` records reviews)",
    ),
    rule(
        "review-cooldown-waiver",
        "warn",
        "a version inside its cooldown allowed because its OpenVet reviews pass ([reviews] waive_cooldown)",
    ),
];

/// Codes depgate itself emits, not policy.
pub const ENGINE_RULES: &[RuleInfo] = &[
    rule("upstream-failure", "error", "no decision was possible (fail closed)"),
    rule("policy-error", "error", "the policy failed on this input"),
    rule(
        "image-not-gated",
        "warn",
        "a container image was found but the configuration has no [oci] chain (deny when named with --lockfile or [policy] ungated_images = \"deny\")",
    ),
    rule(
        "cooldown-drift",
        "warn",
        "a package manager's or bot's release age disagrees with depgate's tiered cooldown (lets through what depgate quarantines, or holds back what it allows at once)",
    ),
];
