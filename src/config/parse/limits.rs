//! `[limits]`: the size ceilings (bytes), the decompression ratio and the number of
//! requests in flight.

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::{DEFAULT_CONCURRENCY, Limits, MAX_CONCURRENCY};

const LIMIT_KEYS: &[&str] = &[
    "max_metadata_bytes",
    "max_artifact_bytes",
    "max_bundle_bytes",
    "max_lockfile_bytes",
    "max_decompression_ratio",
    "concurrency",
];

pub(super) fn parse_limits(cx: &mut Ctx<'_>, v: Option<&Spanned<DeValue<'_>>>) -> Limits {
    let mut out = Limits::default();
    let Some(t) = v.and_then(|v| cx.table(v, "limits")) else { return out };
    cx.unknown_keys(t, LIMIT_KEYS, "[limits]");
    for (key, dst) in [
        ("max_metadata_bytes", &mut out.max_metadata_bytes),
        ("max_artifact_bytes", &mut out.max_artifact_bytes),
        ("max_bundle_bytes", &mut out.max_bundle_bytes),
        ("max_lockfile_bytes", &mut out.max_lockfile_bytes),
    ] {
        let Some(v) = t.get(key) else { continue };
        match v.get_ref() {
            DeValue::Integer(i) => match i.as_str().replace('_', "").parse::<u64>() {
                Ok(n) if n > 0 => *dst = n,
                _ => cx.err(
                    v.span(),
                    format!("`{key}` must be a positive number of bytes"),
                    format!("for example {key} = 67_108_864 (64 MiB)"),
                ),
            },
            other => cx.err(
                v.span(),
                format!("`{key}` must be a whole number of bytes, found {}", other.type_str()),
                format!("for example {key} = 67_108_864 (64 MiB)"),
            ),
        }
    }
    if let Some(v) = t.get("max_decompression_ratio")
        && let Some(n) = cx.number(v, "max_decompression_ratio")
    {
        if n >= 1.0 {
            out.max_decompression_ratio = n;
        } else {
            cx.err(
                v.span(),
                "`max_decompression_ratio` must be at least 1",
                "for example max_decompression_ratio = 200 (decompressed size over compressed size)",
            );
        }
    }
    if let Some(v) = t.get("concurrency") {
        let help = format!(
            "for example concurrency = {DEFAULT_CONCURRENCY} (upstream requests one run keeps in flight; 1 to {MAX_CONCURRENCY})"
        );
        let problem = match v.get_ref() {
            DeValue::Integer(i) => match i.as_str().replace('_', "").parse::<u16>() {
                Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => {
                    out.concurrency = n;
                    None
                }
                _ => Some(format!("`concurrency` must be a whole number from 1 to {MAX_CONCURRENCY}")),
            },
            other => Some(format!("`concurrency` must be a whole number, found {}", other.type_str())),
        };
        if let Some(msg) = problem {
            cx.err(v.span(), msg, help);
        }
    }
    out
}
