//! `[verify]` and identity rules (`[upstream.X] identity`, `[[verify.identity]]`).

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::{PackageIdentity, PgpConfig, PgpTrust, TrustedRootRef, VerifyConfig};

const VERIFY_KEYS: &[&str] = &["trusted_root", "attestation_cache", "require_declared_repository", "identity", "pgp"];
const PGP_KEYS: &[&str] = &["allow_sha1", "keyrings", "gradle", "trust"];
const PGP_TRUST_KEYS: &[&str] = &["packages", "fingerprints"];
const IDENTITY_KEYS: &[&str] = &[
    "issuer",
    "san",
    "san_regex",
    "source_repository",
    "repository_id",
    "workflow",
    "ref",
    "commit",
    "runner_environment",
    "build_trigger",
    "packages",
];

pub(super) fn parse_verify(cx: &mut Ctx<'_>, v: Option<&Spanned<DeValue<'_>>>, base_dir: &Path) -> VerifyConfig {
    let mut out = VerifyConfig {
        trusted_roots: vec![TrustedRootRef::Embedded],
        attestation_cache: None,
        require_declared_repository: false,
        identities: Vec::new(),
        pgp: None,
    };
    let Some(t) = v.and_then(|v| cx.table(v, "verify")) else { return out };
    cx.unknown_keys(t, VERIFY_KEYS, "[verify]");
    if let Some(v) = t.get("trusted_root") {
        let list = if v.get_ref().is_str() {
            cx.string(v, "trusted_root").map(|s| vec![(s, v.span())])
        } else {
            cx.string_list(v, "trusted_root")
        };
        if let Some(list) = list {
            out.trusted_roots =
                list.into_iter()
                    .map(|(s, _)| {
                        if s == "embedded" { TrustedRootRef::Embedded } else { TrustedRootRef::File(base_dir.join(s)) }
                    })
                    .collect();
        }
    }
    if let Some(s) = t.get("attestation_cache").and_then(|v| cx.string(v, "attestation_cache")) {
        out.attestation_cache = Some(base_dir.join(s));
    }
    if let Some(b) = t.get("require_declared_repository").and_then(|v| cx.bool(v, "require_declared_repository")) {
        out.require_declared_repository = b;
    }
    if let Some(v) = t.get("identity") {
        out.identities = parse_identity_list(cx, v, "[[verify.identity]]", true)
            .into_iter()
            .map(|(packages, identity)| PackageIdentity { packages, identity })
            .collect();
    }
    if let Some(v) = t.get("pgp") {
        out.pgp = parse_pgp(cx, v, base_dir);
    }
    out
}

/// `[verify.pgp]`: keyrings, the Gradle metadata, `[[verify.pgp.trust]]` pins.
fn parse_pgp(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>, base_dir: &Path) -> Option<PgpConfig> {
    let t = cx.table(v, "verify.pgp")?;
    cx.unknown_keys(t, PGP_KEYS, "[verify.pgp]");
    let path = |s: String| if Path::new(&s).is_absolute() { PathBuf::from(s) } else { base_dir.join(s) };
    let mut out = PgpConfig::default();
    if let Some(b) = t.get("allow_sha1").and_then(|v| cx.bool(v, "allow_sha1")) {
        out.allow_sha1 = b;
    }
    if let Some(list) = t.get("keyrings").and_then(|v| cx.string_list(v, "keyrings")) {
        out.keyrings = list.into_iter().map(|(s, _)| path(s)).collect();
    }
    out.gradle = t.get("gradle").and_then(|v| cx.string(v, "gradle")).map(path);
    if let Some(v) = t.get("trust") {
        let Some(items) = v.get_ref().as_array() else {
            cx.err(
                v.span(),
                "[[verify.pgp.trust]] must be an array of tables",
                "write [[verify.pgp.trust]] with packages = [\"pkg:maven/org.apache.*\"] and fingerprints = [\"…\"]",
            );
            return Some(out);
        };
        for item in items {
            let Some(rule) = cx.table(item, "[[verify.pgp.trust]]") else { continue };
            cx.unknown_keys(rule, PGP_TRUST_KEYS, "[[verify.pgp.trust]]");
            let mut list = |key: &str| rule.get(key).and_then(|v| cx.string_list(v, key)).unwrap_or_default();
            let packages: Vec<String> = list("packages").into_iter().map(|(s, _)| s).collect();
            let fingerprints = list("fingerprints");
            if packages.is_empty() || fingerprints.is_empty() {
                cx.err(
                    item.span(),
                    "an entry of [[verify.pgp.trust]] needs `packages` (purl globs) and `fingerprints`",
                    "packages = [\"pkg:maven/org.apache.*\"], fingerprints = [\"A5BD02B93E7A40482EB1D66A5F69AD087600B22C\"]",
                );
                continue;
            }
            for p in &packages {
                if glob::Pattern::new(p).is_err() {
                    cx.err(
                        item.span(),
                        format!("`{p}` is not a valid purl glob"),
                        "use * and ? only, e.g. pkg:maven/org.apache.*",
                    );
                }
            }
            let mut keys = Vec::new();
            for (f, span) in fingerprints {
                if crate::openpgp::trust::valid_key_ref(&f) {
                    keys.push(crate::openpgp::trust::normalize(&f));
                } else {
                    cx.err(
                        span,
                        format!("`{f}` is not an OpenPGP fingerprint (40 or 64 hex digits) or key id (16 hex digits)"),
                        "copy it from `gpg --with-colons --fingerprint` or Gradle's <trusted-key id>",
                    );
                }
            }
            out.trust.push(PgpTrust { packages, fingerprints: keys });
        }
    }
    Some(out)
}

/// An array of identity tables. With `with_packages`, each must name the purl globs it
/// applies to (`packages = ["pkg:npm/%40acme/*"]`).
pub(super) fn parse_identity_list(
    cx: &mut Ctx<'_>,
    v: &Spanned<DeValue<'_>>,
    what: &str,
    with_packages: bool,
) -> Vec<(Vec<String>, crate::attest::IdentityPolicy)> {
    let Some(items) = v.get_ref().as_array() else {
        cx.err(
            v.span(),
            format!("{what} must be an array of tables"),
            "write identity = [{ issuer = \"…\", source_repository = \"owner/repo\" }]",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(t) = cx.table(item, what) else { continue };
        cx.unknown_keys(t, IDENTITY_KEYS, what);
        let mut text = |key: &str| t.get(key).and_then(|v| cx.string(v, key));
        let mut policy = crate::attest::IdentityPolicy {
            issuer: text("issuer"),
            source_repo: text("source_repository"),
            repo_id: text("repository_id"),
            workflow: text("workflow"),
            git_ref: text("ref"),
            commit: text("commit"),
            runner_environment: text("runner_environment"),
            build_trigger: text("build_trigger"),
            san: text("san").map(crate::attest::SanMatch::Exact),
        };
        if let Some(regex_value) = t.get("san_regex") {
            if policy.san.is_some() {
                cx.err(regex_value.span(), "give `san` or `san_regex`, not both", "keep one of them");
            } else if let Some(text) = cx.string(regex_value, "san_regex") {
                match regex::Regex::new(&text) {
                    Ok(re) => policy.san = Some(crate::attest::SanMatch::Regex(re)),
                    Err(e) => cx.err(
                        regex_value.span(),
                        format!("`san_regex` is not a valid regular expression: {e}"),
                        "anchor it, e.g. \"^https://github.com/acme/\"",
                    ),
                }
            }
        }
        if policy.is_empty() {
            cx.err(
                item.span(),
                format!("an entry of {what} names no identity field"),
                format!("set at least one of: {}", IDENTITY_KEYS[..10].join(", ")),
            );
        }
        let packages = match (with_packages, t.get("packages")) {
            (true, Some(v)) => {
                cx.string_list(v, "packages").map(|l| l.into_iter().map(|(s, _)| s).collect()).unwrap_or_default()
            }
            (true, None) => {
                cx.err(
                    item.span(),
                    format!("an entry of {what} has no `packages`"),
                    "add packages = [\"pkg:npm/name@*\"] (purl globs)",
                );
                Vec::new()
            }
            (false, Some(v)) => {
                cx.err(
                    v.span(),
                    "`packages` belongs in [[verify.identity]], not in an upstream's identity",
                    "remove it here",
                );
                Vec::new()
            }
            (false, None) => Vec::new(),
        };
        out.push((packages, policy));
    }
    out
}
