//! `[reviews]`: the OpenVet audit logs a team trusts (`[reviews.logs.<name>]`, each with
//! its pinned keys), the project's `openvet.toml`, and what policy does with reviews
//! (`required_tiers`, `required_direct`, `waive_cooldown`).

use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use toml::de::DeValue;

use super::{Ctx, parse_auth, valid_ident};
use crate::config::{Location, ReviewLog, ReviewPolicy, ReviewsConfig};

const KEYS: &[&str] = &["logs", "openvet", "required_tiers", "required_direct", "waive_cooldown"];
const LOG_KEYS: &[&str] = &["url", "path", "keys", "auth", "auth_scheme", "timeout_secs", "retries"];

/// Parse `[reviews]` into the log settings, and its policy half into `policy`.
pub(super) fn parse_reviews(
    cx: &mut Ctx<'_>,
    section: Option<&Spanned<DeValue<'_>>>,
    base_dir: &Path,
    policy: &mut ReviewPolicy,
) -> Option<ReviewsConfig> {
    let section = section?;
    let t = cx.table(section, "reviews")?;
    cx.unknown_keys(t, KEYS, "[reviews]");
    if let Some(v) = t.get("required_tiers").and_then(|v| cx.string_list(v, "required_tiers")) {
        policy.required_tiers = v.into_iter().map(|(s, _)| s).collect();
    }
    if let Some(b) = t.get("required_direct").and_then(|v| cx.bool(v, "required_direct")) {
        policy.required_direct = b;
    }
    if let Some(b) = t.get("waive_cooldown").and_then(|v| cx.bool(v, "waive_cooldown")) {
        policy.waive_cooldown = b;
    }
    let openvet = match t.get("openvet") {
        Some(v) => cx.string(v, "openvet").map(|p| base_dir.join(p)),
        // The project's own file, when it has one (honoured as OpenVet reads it).
        None => Some(base_dir.join("openvet.toml")).filter(|p| p.is_file()),
    };
    let mut logs = Vec::new();
    if let Some(l) = t.get("logs").and_then(|l| cx.table(l, "reviews.logs")) {
        for (name, v) in l {
            let name_s = name.get_ref().to_string();
            let what = format!("[reviews.logs.{name_s}]");
            if !valid_ident(&name_s) {
                cx.err(
                    name.span(),
                    format!("log name `{name_s}` is not a plain name"),
                    "use letters, digits, `-` and `_`",
                );
            }
            let Some(lt) = cx.table(v, &format!("reviews.logs.{name_s}")) else { continue };
            cx.unknown_keys(lt, LOG_KEYS, &what);
            let location = match (lt.get("url"), lt.get("path")) {
                (Some(u), None) => cx.string(u, "url").and_then(|s| match url::Url::parse(&s) {
                    Ok(u)
                        if matches!(u.scheme(), "http" | "https")
                            && u.username().is_empty()
                            && u.password().is_none() =>
                    {
                        Some(Location::Url(u))
                    }
                    _ => {
                        cx.err(
                            u.span(),
                            format!("url of {what} must be an http(s) URL without credentials"),
                            "for example url = \"https://openvet.example/acme\"; credentials go in auth = \"env:VAR\"",
                        );
                        None
                    }
                }),
                (None, Some(p)) => cx.string(p, "path").map(|p| Location::Dir(base_dir.join(p))),
                _ => {
                    cx.err(
                        name.span(),
                        format!("{what} needs exactly one of `url` or `path`"),
                        "url = \"https://…\" for a served log, path = \"folder\" for a local mirror",
                    );
                    None
                }
            };
            let keys: Vec<String> = match lt.get("keys").and_then(|k| cx.string_list(k, "keys")) {
                Some(k) => k
                    .into_iter()
                    .filter_map(|(k, span)| {
                        let ok = k.parse::<openvet_crypto::TaggedHash>().is_ok_and(|h| h.algorithm() == "sha256");
                        if !ok {
                            cx.err(span, format!("key `{k}` of {what} is not a key fingerprint"), "write OpenVet's form, `sha256:<64 hex digits>` (the fingerprint `openvet` prints for the log's key)");
                        }
                        ok.then_some(k)
                    })
                    .collect(),
                None => Vec::new(),
            };
            if keys.is_empty() {
                cx.err(name.span(), format!("{what} pins no key"), "add keys = [\"sha256:…\"]: the log's head must be signed by a key you pinned (a log is never trusted on first use)");
            }
            let auth = parse_auth(cx, lt, &name.span(), &what);
            let timeout = match lt.get("timeout_secs").map(|x| (x.span(), cx.number(x, "timeout_secs"))) {
                Some((_, Some(n))) if n > 0.0 => Duration::from_secs_f64(n),
                Some((span, Some(_))) => {
                    cx.err(span, "`timeout_secs` must be above 0", "for example timeout_secs = 30");
                    Duration::from_secs(30)
                }
                _ => Duration::from_secs(30),
            };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let retries = lt.get("retries").and_then(|x| cx.number(x, "retries")).map_or(2, |n| n.min(10.0) as u32);
            if let Some(location) = location {
                logs.push(ReviewLog { name: name_s, location, keys, auth, timeout, retries });
            }
        }
    }
    if logs.is_empty() && t.get("logs").is_none() {
        cx.err(section.span(), "[reviews] names no log", "add [reviews.logs.<name>] with url (or path) and keys");
    }
    Some(ReviewsConfig { logs, openvet })
}
