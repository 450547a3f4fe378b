//! `[cache]`: how long a cached registry document may be used without asking again.

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::{CacheConfig, MAX_STALENESS_CEILING};

const CACHE_KEYS: &[&str] = &["max_staleness"];

pub(super) fn parse_cache(cx: &mut Ctx<'_>, v: Option<&Spanned<DeValue<'_>>>) -> CacheConfig {
    let mut out = CacheConfig::default();
    let Some(t) = v.and_then(|v| cx.table(v, "cache")) else { return out };
    cx.unknown_keys(t, CACHE_KEYS, "[cache]");
    let Some(m) = t.get("max_staleness") else { return out };
    let Some(text) = cx.string(m, "max_staleness") else { return out };
    match crate::advisories::parse_max_age(&text) {
        Ok(Some(d)) if d <= MAX_STALENESS_CEILING => out.max_staleness = d,
        Ok(_) => cx.err(
            m.span(),
            format!("`max_staleness` must be at most {}", crate::advisories::human_duration(MAX_STALENESS_CEILING)),
            "registry metadata changes (new versions, deprecations, yanks): max_staleness = \"10m\" is the default, \"0s\" asks every time",
        ),
        Err(e) => cx.err(m.span(), e, "max_staleness = \"10m\" (\"0s\": ask the registry every time)"),
    }
    out
}
