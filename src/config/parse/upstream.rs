//! `[upstream.NAME]`: one registry, folder or image registry of a chain, with its
//! access, tier and the keys and identities its packages are checked against.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Ctx, parse_auth, parse_identity_list, valid_ident};
use crate::config::{FallReason, Location, Upstream, UpstreamKind};

const UPSTREAM_KEYS: &[&str] = &[
    "kind",
    "url",
    "path",
    "auth",
    "auth_scheme",
    "tier",
    "timeout_secs",
    "retries",
    "fall_through",
    "identity",
    "attestations",
    "mirrors",
    "registry",
    "pgp_key",
    "pgp_signatures",
    "cosign_key",
    "tlog",
];

pub(super) fn parse_upstream(
    cx: &mut Ctx<'_>,
    name: &str,
    key_span: Range<usize>,
    v: &Spanned<DeValue<'_>>,
    base_dir: &Path,
) -> Option<Upstream> {
    let t = cx.table(v, &format!("upstream.{name}"))?;
    let start = cx.diags.len();
    cx.unknown_keys(t, UPSTREAM_KEYS, &format!("[upstream.{name}]"));
    let kind = match t.get("kind") {
        None => {
            cx.err(
                key_span.clone(),
                format!("upstream `{name}` has no `kind`"),
                "add kind = \"npm\" (or pypi-simple, maven, oci, dir)",
            );
            None
        }
        Some(k) => match cx.string(k, "kind").as_deref() {
            Some("npm") => Some(UpstreamKind::Npm),
            Some("pypi-simple") => Some(UpstreamKind::PypiSimple),
            Some("maven") => Some(UpstreamKind::Maven),
            Some("dir") => Some(UpstreamKind::Dir),
            Some("oci") => Some(UpstreamKind::Oci),
            Some(other) => {
                cx.err(
                    k.span(),
                    format!("unknown upstream kind `{other}`"),
                    "kind is one of: npm, pypi-simple, maven, oci, dir",
                );
                None
            }
            None => None,
        },
    };
    let location = match (kind, t.get("url"), t.get("path")) {
        (Some(UpstreamKind::Dir), _, Some(p)) => cx.string(p, "path").map(|p| {
            let p = Path::new(&p);
            Location::Dir(if p.is_absolute() { p.to_path_buf() } else { base_dir.join(p) })
        }),
        (Some(UpstreamKind::Dir), Some(u), None) => {
            cx.err(
                u.span(),
                format!("upstream `{name}` is a `dir` upstream: it takes `path`, not `url`"),
                "write path = \"registry/\" (relative to this file)",
            );
            None
        }
        (Some(_), _, Some(p)) => {
            cx.err(
                p.span(),
                format!("`path` is only for `dir` upstreams (`{name}` is a network upstream)"),
                "use url = \"https://…\"",
            );
            None
        }
        (Some(_), Some(u), None) => cx.string(u, "url").and_then(|s| match url::Url::parse(&s) {
            Ok(parsed) if matches!(parsed.scheme(), "https" | "http") && parsed.host().is_some() => {
                if !parsed.username().is_empty() || parsed.password().is_some() {
                    cx.err(
                        u.span(),
                        format!("the url of upstream `{name}` carries credentials"),
                        "remove them from the URL and use auth = \"env:VAR\"",
                    );
                    return None;
                }
                let mut parsed = parsed;
                if !parsed.path().ends_with('/') {
                    let p = format!("{}/", parsed.path());
                    parsed.set_path(&p);
                }
                Some(Location::Url(parsed))
            }
            Ok(parsed) => {
                cx.err(
                    u.span(),
                    format!("the url of upstream `{name}` must be http(s), found `{}:`", parsed.scheme()),
                    "use https://host/path/ (or kind = \"dir\" with path for a folder)",
                );
                None
            }
            Err(e) => {
                cx.err(
                    u.span(),
                    format!("bad url for upstream `{name}`: {e}"),
                    "write a full URL such as https://registry.npmjs.org/",
                );
                None
            }
        }),
        (Some(k), None, None) => {
            let (key, example) = if k == UpstreamKind::Dir {
                ("path", "path = \"registry/\"")
            } else {
                ("url", "url = \"https://…/\"")
            };
            cx.err(key_span.clone(), format!("upstream `{name}` has no `{key}`"), format!("add {example}"));
            None
        }
        (None, _, _) => None,
    };
    let auth = parse_auth(cx, t, &key_span, &format!("upstream `{name}`"));
    if kind == Some(UpstreamKind::Dir) && auth.is_some() {
        cx.err(
            t.get("auth").map_or(key_span.clone(), Spanned::span),
            format!("`dir` upstream `{name}` cannot take auth"),
            "remove auth",
        );
    }
    let tier = match t.get("tier") {
        None => {
            cx.err(
                key_span.clone(),
                format!("upstream `{name}` has no `tier`"),
                "add tier = \"curated\", \"private\" or \"public\" (policy decides by tier)",
            );
            None
        }
        Some(v) => cx.string(v, "tier").filter(|s| {
            let ok = valid_ident(s);
            if !ok {
                cx.err(
                    v.span(),
                    format!("tier `{s}` is not a valid label"),
                    "use a short label such as curated, private, public",
                );
            }
            ok
        }),
    };
    let timeout = t
        .get("timeout_secs")
        .and_then(|v| cx.number(v, "timeout_secs"))
        .map_or(Duration::from_secs(30), Duration::from_secs_f64);
    let retries = t.get("retries").and_then(|v| cx.number(v, "retries")).map_or(2, |n| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = n.min(10.0) as u32;
        n
    });
    let fall_through = match t.get("fall_through") {
        None => vec![FallReason::NotFound],
        Some(v) => cx.string_list(v, "fall_through").map_or_else(Vec::new, |list| {
            list.into_iter()
                .filter_map(|(s, span)| {
                    let r = FallReason::parse(&s);
                    if r.is_none() {
                        cx.err(
                            span,
                            format!("unknown fall_through reason `{s}`"),
                            "reasons are: not_found, http_5xx, timeout, auth",
                        );
                    }
                    r
                })
                .collect()
        }),
    };
    let identity = t
        .get("identity")
        .map(|v| parse_identity_list(cx, v, &format!("[upstream.{name}] identity"), false))
        .unwrap_or_default();
    let identity: Vec<crate::attest::IdentityPolicy> = identity.into_iter().map(|(_, p)| p).collect();
    let attestations = t.get("attestations").and_then(|v| {
        let s = cx.string(v, "attestations")?;
        let ok =
            (s.starts_with("https://") || s.starts_with("http://")) && s.contains("{name}") && s.contains("{version}");
        if !ok {
            cx.err(
                v.span(),
                format!(
                    "`attestations` of upstream `{name}` must be an http(s) URL template with {{name}} and {{version}}"
                ),
                "for example attestations = \"https://vendor.example/attestations/{name}/{version}.json\"",
            );
        }
        ok.then_some(s)
    });
    let mirrors = t.get("mirrors").and_then(|m| {
        if kind != Some(UpstreamKind::Dir) {
            cx.err(
                m.span(),
                format!("`mirrors` is only for `dir` upstreams (`{name}` is a network upstream)"),
                "remove it; the url already says where this upstream is",
            );
            return None;
        }
        let s = cx.string(m, "mirrors")?;
        match url::Url::parse(&s) {
            Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Some(u),
            _ => {
                cx.err(
                    m.span(),
                    format!("`mirrors` of upstream `{name}` is not an http(s) URL"),
                    "write the registry URL this folder is a snapshot of, e.g. https://registry.npmjs.org/",
                );
                None
            }
        }
    });
    let image_registry = parse_image_registry(cx, t, name, kind, location.as_ref());
    let (cosign_key, tlog) = parse_cosign_key(cx, t, name, kind, &key_span, base_dir);
    let pgp_key = t
        .get("pgp_key")
        .and_then(|v| cx.string(v, "pgp_key"))
        .map(|s| if Path::new(&s).is_absolute() { PathBuf::from(s) } else { base_dir.join(s) });
    let pgp_signatures = t.get("pgp_signatures").and_then(|v| cx.bool(v, "pgp_signatures"));
    if kind == Some(UpstreamKind::Oci) {
        for key in ["pgp_key", "pgp_signatures"] {
            if let Some(v) = t.get(key) {
                cx.err(
                    v.span(),
                    format!("`{key}` is not for `oci` upstreams (`{name}` serves container images)"),
                    "images are signed with cosign: use cosign_key (with tlog = false) or identity rules",
                );
            }
        }
    }
    if cx.diags.len() > start {
        return None;
    }
    Some(Upstream {
        image_registry,
        pgp_key,
        pgp_signatures,
        cosign_key,
        tlog,
        mirrors,
        identity,
        attestations,
        name: name.to_string(),
        kind: kind?,
        location: location?,
        auth,
        tier: tier?,
        timeout,
        retries,
        fall_through,
    })
}

/// `registry` of an `oci` upstream: the image registry whose names it serves; by default
/// the url's host (with its port; Docker Hub's API host `registry-1.docker.io` is
/// `docker.io`). Only `oci` upstreams take it.
fn parse_image_registry(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    name: &str,
    kind: Option<UpstreamKind>,
    location: Option<&Location>,
) -> Option<String> {
    let given = t.get("registry");
    if kind != Some(UpstreamKind::Oci) {
        if let Some(v) = given {
            cx.err(v.span(), format!("`registry` is only for `oci` upstreams (`{name}` is not one)"), "remove it");
        }
        return None;
    }
    if let Some(v) = given {
        let s = cx.string(v, "registry")?;
        let probe = format!("{s}/x");
        let ok = crate::ecosystem::oci::parse_reference(&probe, crate::ecosystem::oci::ImageKind::From, None)
            .is_ok_and(|r| r.registry == s || (s == "index.docker.io" && r.registry == "docker.io"))
            && (s.contains('.') || s.contains(':') || s == "localhost");
        if !ok {
            cx.err(
                v.span(),
                format!("`registry` of upstream `{name}` is not a registry host: `{s}`"),
                "write the host images are named by, e.g. registry = \"docker.io\" or \"cgr.dev\"",
            );
            return None;
        }
        return Some(if s == "index.docker.io" { "docker.io".into() } else { s });
    }
    let Some(Location::Url(u)) = location else { return None };
    let host = u.host_str()?;
    let host = match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    Some(if host == "registry-1.docker.io" || host == "index.docker.io" { "docker.io".into() } else { host })
}

/// `cosign_key` and `tlog` of an `oci` upstream. depgate checks key-signed images without
/// a transparency log only, so a key needs `tlog = false` written beside it (the operator
/// says the key is the whole trust, as `--insecure-ignore-tlog` does for cosign).
/// `cosign_key` and `tlog`: the key that signs this upstream's Sigstore bundles (or, for
/// an `oci` upstream, its images), and whether a transparency-log entry is required.
/// Images are checked against their key without a log only, so an `oci` upstream with a
/// key must say `tlog = false`.
fn parse_cosign_key(
    cx: &mut Ctx<'_>,
    t: &DeTable<'_>,
    name: &str,
    kind: Option<UpstreamKind>,
    key_span: &Range<usize>,
    base_dir: &Path,
) -> (Option<PathBuf>, bool) {
    let (key, tlog_v) = (t.get("cosign_key"), t.get("tlog"));
    let tlog = match tlog_v {
        None => true,
        Some(v) => cx.bool(v, "tlog").unwrap_or(true),
    };
    let Some(key) = key else {
        if let Some(v) = tlog_v {
            cx.err(
                v.span(),
                format!("upstream `{name}` sets `tlog` but has no `cosign_key`"),
                "`tlog` says how what the upstream's cosign_key signed is checked: add cosign_key = \"vendor.pub\", or remove tlog",
            );
        }
        return (None, true);
    };
    let Some(path) = cx.string(key, "cosign_key") else { return (None, tlog) };
    if kind == Some(UpstreamKind::Oci) && tlog {
        cx.err(
            tlog_v.map_or_else(|| key_span.clone(), Spanned::span),
            format!("upstream `{name}` has a cosign_key for its images but does not say tlog = false"),
            "depgate checks key-signed images without a transparency log: add tlog = false to accept that the key alone vouches for them",
        );
        return (None, tlog);
    }
    let p = Path::new(&path);
    (Some(if p.is_absolute() { p.to_path_buf() } else { base_dir.join(p) }), tlog)
}
