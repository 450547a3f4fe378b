//! `[advisories]`: the source of advisories (offline database or the OSV API), its age
//! limit, and what policy does with them (`fail_on_severity`, `[advisories.ignore]`).

use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::{
    AdvisoriesConfig, AdvisoryIgnore, AdvisoryPolicy, AdvisorySource, DEFAULT_ADVISORIES_MAX_AGE, OSV_API_URL,
    OSV_EXPORT_URL,
};

const KEYS: &[&str] = &[
    "source",
    "paths",
    "api_url",
    "export_url",
    "auth",
    "auth_scheme",
    "timeout_secs",
    "retries",
    "max_age",
    "fail_on_severity",
    "ignore",
];
const IGNORE_KEYS: &[&str] = &["reason", "until", "purls"];

/// The severity thresholds `fail_on_severity` takes.
pub(super) const THRESHOLDS: &[&str] = &["low", "moderate", "high", "critical", "never"];

pub(super) fn threshold(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>) -> Option<String> {
    let s = cx.string(v, "fail_on_severity")?;
    let s = if s == "medium" { "moderate".to_string() } else { s };
    if THRESHOLDS.contains(&s.as_str()) {
        Some(s)
    } else {
        cx.err(
            v.span(),
            format!("unknown fail_on_severity `{s}`"),
            "fail_on_severity is low, moderate, high, critical or never (vulnerabilities at or above it are denied)",
        );
        None
    }
}

fn url(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Option<url::Url> {
    let s = cx.string(v, key)?;
    let s = if s.ends_with('/') { s } else { format!("{s}/") };
    match url::Url::parse(&s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.username().is_empty() && u.password().is_none() => Some(u),
        Ok(_) => {
            cx.err(
                v.span(),
                format!("`{key}` must be an http(s) URL without credentials"),
                "use auth = \"env:VAR\" for credentials",
            );
            None
        }
        Err(e) => {
            cx.err(v.span(), format!("`{key}` is not a URL: {e}"), format!("for example {key} = \"https://…/\""));
            None
        }
    }
}

/// Parse `[advisories]` into the source settings, and its policy half into `policy`.
pub(super) fn parse_advisories(
    cx: &mut Ctx<'_>,
    section: Option<&Spanned<DeValue<'_>>>,
    base_dir: &Path,
    policy: &mut AdvisoryPolicy,
) -> Option<AdvisoriesConfig> {
    let section = section?;
    let t = cx.table(section, "advisories")?;
    cx.unknown_keys(t, KEYS, "[advisories]");
    let source = t.get("source").and_then(|s| cx.string(s, "source").map(|x| (x, s.span())));
    let online = match &source {
        None => false,
        Some((s, _)) if s == "offline" => false,
        Some((s, _)) if s == "online" => true,
        Some((s, span)) => {
            cx.err(
                span.clone(),
                format!("unknown advisories source `{s}`"),
                "source is `offline` (a database on disk) or `online` (the OSV API)",
            );
            false
        }
    };
    let paths: Vec<_> = t
        .get("paths")
        .and_then(|p| cx.string_list(p, "paths"))
        .unwrap_or_default()
        .into_iter()
        .map(|(p, _)| base_dir.join(p))
        .collect();
    if online && let Some(p) = t.get("paths") {
        cx.err(p.span(), "`paths` is for source = \"offline\"", "remove paths, or set source = \"offline\"");
    }
    if !online && let Some(p) = t.get("api_url") {
        cx.err(p.span(), "`api_url` is for source = \"online\"", "remove api_url, or set source = \"online\"");
    }
    let api = t.get("api_url").and_then(|u| url(cx, u, "api_url"));
    let export_url = t.get("export_url").and_then(|u| url(cx, u, "export_url"));
    let span = section.span();
    let auth = super::parse_auth(cx, t, &span, "[advisories]");
    let timeout = match t.get("timeout_secs").and_then(|x| cx.number(x, "timeout_secs")) {
        Some(n) if n > 0.0 => Duration::from_secs_f64(n),
        Some(_) => {
            cx.err(
                t.get("timeout_secs").map_or(span.clone(), Spanned::span),
                "`timeout_secs` must be above 0",
                "for example timeout_secs = 30",
            );
            Duration::from_secs(30)
        }
        None => Duration::from_secs(30),
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let retries = t.get("retries").and_then(|x| cx.number(x, "retries")).map_or(2, |n| n.min(10.0) as u32);
    let max_age = match t.get("max_age") {
        None => Some(DEFAULT_ADVISORIES_MAX_AGE),
        Some(m) => match cx.string(m, "max_age").map(|s| crate::advisories::parse_max_age(&s)) {
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                cx.err(m.span(), e, "max_age = \"2d\" (a stale database is an error, never a clean scan)");
                Some(DEFAULT_ADVISORIES_MAX_AGE)
            }
            None => Some(DEFAULT_ADVISORIES_MAX_AGE),
        },
    };
    if let Some(f) = t.get("fail_on_severity").and_then(|f| threshold(cx, f)) {
        policy.fail_on_severity = f;
    }
    if let Some(ig) = t.get("ignore").and_then(|i| cx.table(i, "advisories.ignore")) {
        for (id, entry) in ig {
            let id = id.get_ref().to_string();
            let what = format!("[advisories.ignore] \"{id}\"");
            let Some(e) = cx.table(entry, &what) else { continue };
            cx.unknown_keys(e, IGNORE_KEYS, &what);
            let reason = e.get("reason").and_then(|r| cx.string(r, "reason")).unwrap_or_default();
            if reason.trim().is_empty() {
                cx.err(
                    entry.span(),
                    format!("{what} has no reason"),
                    "say why it is accepted: reason = \"not reachable: we never call the vulnerable function\"",
                );
            }
            let until = match e.get("until") {
                None => {
                    cx.err(
                        entry.span(),
                        format!("{what} has no expiry"),
                        "every ignore expires: until = \"2027-01-31\" (the last day it holds)",
                    );
                    None
                }
                Some(u) => {
                    let text = match u.get_ref() {
                        DeValue::String(s) => Some(s.to_string()),
                        DeValue::Datetime(d) => Some(d.to_string()),
                        _ => None,
                    };
                    let fmt = time::macros::format_description!("[year]-[month]-[day]");
                    if let Some(Ok(d)) = text.as_deref().map(|s| time::Date::parse(s, &fmt)) {
                        Some(d)
                    } else {
                        cx.err(
                            u.span(),
                            format!("{what}: `until` must be a date YYYY-MM-DD"),
                            "until = \"2027-01-31\"",
                        );
                        None
                    }
                }
            };
            let purls = e.get("purls").and_then(|p| cx.string_list(p, "purls")).unwrap_or_default();
            for (p, span) in &purls {
                if !p.starts_with("pkg:") {
                    cx.err(
                        span.clone(),
                        format!("{what}: `{p}` is not a purl glob"),
                        "for example purls = [\"pkg:npm/lodash@*\"]",
                    );
                }
            }
            if let Some(until) = until {
                policy
                    .ignore
                    .insert(id, AdvisoryIgnore { reason, until, purls: purls.into_iter().map(|(p, _)| p).collect() });
            }
        }
    }
    let source = if online {
        AdvisorySource::Online { api: api.unwrap_or_else(|| url::Url::parse(OSV_API_URL).expect("valid URL")) }
    } else {
        AdvisorySource::Offline { paths }
    };
    Some(AdvisoriesConfig {
        source,
        export_url: export_url.unwrap_or_else(|| url::Url::parse(OSV_EXPORT_URL).expect("valid URL")),
        auth,
        timeout,
        retries,
        max_age,
    })
}
