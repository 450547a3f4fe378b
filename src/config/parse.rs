//! The spanned walk over `depgate.toml`: every key checked, every problem collected.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{AuthRef, AuthScheme, Chain, Config, ConfigErrors, Diagnostic, PolicyConfig, Require, UpstreamKind};
use crate::ecosystem::Ecosystem;

const TOP_KEYS: &[&str] = &[
    "npm",
    "pypi",
    "maven",
    "oci",
    "upstream",
    "policy",
    "verify",
    "limits",
    "advisories",
    "cache",
    "reviews",
    "storage",
    "audit",
    "teams",
];
const CHAIN_KEYS: &[&str] = &["chain", "namespaces"];
const POLICY_KEYS: &[&str] = &[
    "files",
    "builtin",
    "quarantine_days",
    "cooldown_tiers",
    "cooldown_exempt",
    "require",
    "data",
    "disable",
    "tiers",
    "security_fixes",
    "license_allow",
    "license_deny",
    "license_pins",
    "unpinned_images",
    "ungated_images",
];
const TIER_KEYS: &[&str] = &["quarantine_days", "require", "fail_on_severity", "accept_pgp"];

mod advisories;
mod audit;
mod cache;
mod effect;
mod limits;
mod reviews;
mod storage;
mod teams;
mod upstream;
mod verify;
use effect::{PolicySpans, TierSpans};
use limits::parse_limits;
use upstream::parse_upstream;
use verify::{parse_identity_list, parse_verify};

struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Range<usize>, msg: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::at(self.file, self.text, span, msg).help(help);
        self.diags.push(d);
    }

    fn unknown_keys(&mut self, table: &DeTable<'_>, known: &[&str], what: &str) {
        for key in table.keys() {
            let k = key.get_ref().as_ref();
            if !known.contains(&k) {
                let hint = closest(k, known).map_or_else(
                    || format!("known keys in {what}: {}", known.join(", ")),
                    |c| format!("did you mean `{c}`? known keys in {what}: {}", known.join(", ")),
                );
                self.err(key.span(), format!("unknown key `{k}` in {what}"), hint);
            }
        }
    }

    fn table<'t, 'i>(&mut self, v: &'t Spanned<DeValue<'i>>, what: &str) -> Option<&'t DeTable<'i>> {
        if let Some(t) = v.get_ref().as_table() {
            Some(t)
        } else {
            self.err(
                v.span(),
                format!("{what} must be a table, found {}", v.get_ref().type_str()),
                format!("write it as [{what}] with keys below it"),
            );
            None
        }
    }

    fn string(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        if let Some(s) = v.get_ref().as_str() {
            Some(s.to_string())
        } else {
            self.err(
                v.span(),
                format!("`{what}` must be a string, found {}", v.get_ref().type_str()),
                "quote the value",
            );
            None
        }
    }

    fn string_list(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<Vec<(String, Range<usize>)>> {
        let Some(arr) = v.get_ref().as_array() else {
            self.err(
                v.span(),
                format!("`{what}` must be an array of strings, found {}", v.get_ref().type_str()),
                format!("write it as {what} = [\"a\", \"b\"]"),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in arr {
            if let Some(s) = item.get_ref().as_str() {
                out.push((s.to_string(), item.span()));
            } else {
                self.err(item.span(), format!("`{what}` entries must be strings"), "quote each entry");
            }
        }
        Some(out)
    }

    fn number(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<f64> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(n) if n.is_finite() && n >= 0.0 => Some(n),
            _ => {
                self.err(
                    v.span(),
                    format!("`{what}` must be a non-negative number"),
                    format!("for example {what} = 7"),
                );
                None
            }
        }
    }

    fn bool(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<bool> {
        let b = v.get_ref().as_bool();
        if b.is_none() {
            self.err(v.span(), format!("`{what}` must be true or false"), format!("{what} = true"));
        }
        b
    }
}

fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(super) fn parse(text: &str, file: &Path, base_dir: &Path) -> Result<Config, ConfigErrors> {
    let mut cx = Ctx { file, text, diags: Vec::new() };
    let (root, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().trim();
        let help = if msg.contains("duplicate") {
            "each table and key may be defined once: merge the two definitions (upstream names must be unique)"
        } else {
            "fix the syntax at this position"
        };
        cx.err(span, format!("invalid TOML: {msg}"), help);
    }
    if !errors.is_empty() {
        return Err(ConfigErrors(cx.diags));
    }
    let root = root.into_inner();
    cx.unknown_keys(&root, TOP_KEYS, "depgate.toml");

    // Upstreams first: chains refer to them.
    let mut upstreams = BTreeMap::new();
    let mut upstream_spans: BTreeMap<String, Range<usize>> = BTreeMap::new();
    if let Some(v) = root.get("upstream")
        && let Some(t) = cx.table(v, "upstream")
    {
        for (key, val) in t {
            let name = key.get_ref().to_string();
            upstream_spans.insert(name.clone(), key.span());
            if !valid_ident(&name) {
                cx.err(
                    key.span(),
                    format!("upstream name `{name}` is not a valid name"),
                    "use letters, digits, `-` and `_` only",
                );
            }
            if let Some(u) = parse_upstream(&mut cx, &name, key.span(), val, base_dir) {
                upstreams.insert(name, u);
            }
        }
    }

    let mut chains = BTreeMap::new();
    for eco in [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven, Ecosystem::Oci] {
        let Some(v) = root.get(eco.as_str()) else { continue };
        let Some(t) = cx.table(v, eco.as_str()) else { continue };
        cx.unknown_keys(t, CHAIN_KEYS, &format!("[{eco}]"));
        let mut chain = Chain::default();
        if let Some(c) = t.get("chain")
            && let Some(list) = cx.string_list(c, "chain")
        {
            let mut seen = BTreeSet::new();
            if list.is_empty() {
                cx.err(
                    c.span(),
                    format!("the {eco} chain is empty"),
                    "name at least one upstream, e.g. chain = [\"npmjs\"]",
                );
            }
            for (name, span) in list {
                if !seen.insert(name.clone()) {
                    cx.err(
                        span.clone(),
                        format!("upstream `{name}` appears twice in the {eco} chain"),
                        "list each upstream once, in priority order",
                    );
                }
                match upstreams.get(&name) {
                    None if !upstream_spans.contains_key(&name) => {
                        let known: Vec<&str> = upstream_spans.keys().map(String::as_str).collect();
                        let help = closest(&name, &known).map_or_else(
                            || format!("define it as [upstream.{name}] with kind, url and tier"),
                            |c| format!("did you mean `{c}`? or define [upstream.{name}]"),
                        );
                        cx.err(span.clone(), format!("unknown upstream `{name}` in the {eco} chain"), help);
                    }
                    Some(u) if eco == Ecosystem::Oci && u.kind == UpstreamKind::Dir => {
                        cx.err(
                            span.clone(),
                            format!("upstream `{name}` is a `dir` folder and cannot serve the oci chain"),
                            "use an upstream of kind `oci` (a registry speaking the distribution API)",
                        );
                    }
                    Some(u) => {
                        if let Some(k) = u.kind.ecosystem()
                            && k != eco
                        {
                            cx.err(
                                span.clone(),
                                format!(
                                    "upstream `{name}` is of kind `{}` and cannot serve the {eco} chain",
                                    u.kind.as_str()
                                ),
                                format!(
                                    "use an upstream of kind `{}` or `dir` here",
                                    match eco {
                                        Ecosystem::Npm => "npm",
                                        Ecosystem::Pypi => "pypi-simple",
                                        Ecosystem::Maven => "maven",
                                        Ecosystem::Oci => "oci",
                                    }
                                ),
                            );
                        }
                    }
                    None => {} // the upstream itself had errors, already reported
                }
                chain.upstreams.push(name);
            }
        } else if t.get("chain").is_none() {
            cx.err(v.span(), format!("[{eco}] has no `chain`"), "add chain = [\"<upstream>\", …] in priority order");
        }
        if let Some(ns) = t.get("namespaces")
            && let Some(nt) = cx.table(ns, "namespaces")
        {
            for (pattern, target) in nt {
                let p = pattern.get_ref().to_string();
                if p.matches('*').count() > 1 {
                    cx.err(
                        pattern.span(),
                        format!("namespace pattern `{p}` has more than one `*`"),
                        "use a prefix glob such as \"@acme/*\" or \"com.acme:*\"",
                    );
                }
                if let Some(u) = cx.string(target, "namespaces") {
                    if !chain.upstreams.contains(&u) {
                        cx.err(
                            target.span(),
                            format!("namespace `{p}` is bound to `{u}`, which is not in the {eco} chain"),
                            format!("add `{u}` to [{eco}] chain or bind the namespace to an upstream in it"),
                        );
                    }
                    chain.namespaces.push((p, u));
                }
            }
        }
        chains.insert(eco, chain);
    }

    let (mut policy, policy_spans) = parse_policy(&mut cx, root.get("policy"));
    effect::check_policy_reach(&mut cx, &chains, &upstreams, &policy, &policy_spans);
    let advisories = advisories::parse_advisories(&mut cx, root.get("advisories"), base_dir, &mut policy.advisories);
    let reviews = reviews::parse_reviews(&mut cx, root.get("reviews"), base_dir, &mut policy.reviews);
    let verify = parse_verify(&mut cx, root.get("verify"), base_dir);
    let limits = parse_limits(&mut cx, root.get("limits"));
    let cache = cache::parse_cache(&mut cx, root.get("cache"));
    let storage = storage::parse_storage(&mut cx, root.get("storage"));
    let audit = audit::parse_audit(&mut cx, root.get("audit"), base_dir);
    let teams = teams::parse_teams(&mut cx, root.get("teams"));

    if cx.diags.is_empty() {
        Ok(Config {
            source: None,
            base_dir: base_dir.to_path_buf(),
            chains,
            upstreams,
            policy,
            verify,
            limits,
            advisories,
            cache,
            reviews,
            storage,
            audit,
            teams,
        })
    } else {
        cx.diags.sort_by_key(|d| (d.line, d.column));
        Err(ConfigErrors(cx.diags))
    }
}

/// `auth = "env:VAR"` and `auth_scheme` of a table (an upstream, `[advisories]`):
/// a reference to an environment variable, never a secret. `owner` names the table.
fn parse_auth(cx: &mut Ctx<'_>, t: &DeTable<'_>, key_span: &Range<usize>, owner: &str) -> Option<AuthRef> {
    let auth = t.get("auth").and_then(|a| {
        let s = cx.string(a, "auth")?;
        match s.strip_prefix("env:") {
            Some(var) if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                Some(var.to_string())
            }
            _ => {
                cx.err(
                    a.span(),
                    format!("auth of {owner} must be a reference `env:VAR`"),
                    "never write a secret into the config: put it in an environment variable and write auth = \"env:MY_TOKEN\"",
                );
                None
            }
        }
    });
    let scheme = match t.get("auth_scheme") {
        None => AuthScheme::Bearer,
        Some(s) => match cx.string(s, "auth_scheme").as_deref() {
            Some("bearer") | None => AuthScheme::Bearer,
            Some("basic") => AuthScheme::Basic,
            Some(other) => {
                cx.err(s.span(), format!("unknown auth_scheme `{other}`"), "auth_scheme is `bearer` or `basic`");
                AuthScheme::Bearer
            }
        },
    };
    if t.get("auth_scheme").is_some() && t.get("auth").is_none() {
        cx.err(
            t.get("auth_scheme").map_or_else(|| key_span.clone(), Spanned::span),
            "auth_scheme without auth",
            "add auth = \"env:VAR\" or remove auth_scheme",
        );
    }
    auth.map(|env_var| AuthRef { env_var, scheme })
}

fn valid_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn parse_policy(cx: &mut Ctx<'_>, v: Option<&Spanned<DeValue<'_>>>) -> (PolicyConfig, PolicySpans) {
    let mut p = PolicyConfig::default();
    let mut spans = PolicySpans::default();
    let Some(t) = v.and_then(|v| cx.table(v, "policy")) else { return (p, spans) };
    cx.unknown_keys(t, POLICY_KEYS, "[policy]");
    if let Some(f) = t.get("files").and_then(|v| cx.string_list(v, "files")) {
        p.files = f.into_iter().map(|(s, _)| s).collect();
    }
    if let Some(b) = t.get("builtin").and_then(|v| cx.bool(v, "builtin")) {
        p.builtin = b;
    }
    if let Some(q) = t.get("quarantine_days").and_then(|v| cx.number(v, "quarantine_days")) {
        p.quarantine_days = q;
    }
    if let Some(l) = t.get("cooldown_tiers").and_then(|v| cx.string_list(v, "cooldown_tiers")) {
        p.cooldown_tiers = l.iter().map(|(s, _)| s.clone()).collect();
        spans.cooldown_tiers = l;
    }
    if let Some(l) = t.get("cooldown_exempt").and_then(|v| cx.string_list(v, "cooldown_exempt")) {
        p.cooldown_exempt = l.into_iter().map(|(s, _)| s).collect();
    }
    if let Some(r) = t.get("require")
        && let Some(level) = parse_require(cx, r)
    {
        p.require = level;
        spans.require = Some(r.span());
    }
    for (key, rule) in [("unpinned_images", "image-not-pinned"), ("ungated_images", "image-not-gated")] {
        let Some(v) = t.get(key) else { continue };
        let level = match cx.string(v, key).as_deref() {
            Some("warn") => "warn",
            Some("deny") => "deny",
            Some(other) => {
                let help = if key == "unpinned_images" {
                    format!("{key} is \"warn\" or \"deny\" (switch the rule off with disable = [\"{rule}\"])")
                } else {
                    format!("{key} is \"warn\" or \"deny\" (the level of {rule} when no [oci] chain is configured)")
                };
                cx.err(v.span(), format!("unknown {key} level `{other}`"), &help);
                continue;
            }
            None => continue,
        };
        if key == "unpinned_images" {
            p.unpinned_images = level;
        } else {
            p.ungated_images = level;
        }
    }
    parse_policy_extras(cx, t, &mut p, &mut spans);
    (p, spans)
}

fn parse_require(cx: &mut Ctx<'_>, r: &Spanned<DeValue<'_>>) -> Option<Require> {
    match cx.string(r, "require").as_deref() {
        Some("none") => Some(Require::None),
        Some("signature") => Some(Require::Signature),
        Some("provenance") => Some(Require::Provenance),
        Some(other) => {
            cx.err(
                r.span(),
                format!("unknown require level `{other}`"),
                "require is one of: none, signature, provenance",
            );
            None
        }
        None => None,
    }
}

/// A `[policy.<what>]` table of string → string (`"pattern" = "text"`).
fn string_table(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>, what: &str) -> Vec<(String, String, Range<usize>)> {
    let mut out = Vec::new();
    let Some(t) = cx.table(v, &format!("policy.{what}")) else { return out };
    for (key, val) in t {
        if let Some(s) = cx.string(val, what) {
            out.push((key.get_ref().to_string(), s, val.span()));
        }
    }
    out
}

/// The keys added with the policy tooling: data files, disabled rules, tiers, security
/// fixes, licences.
fn parse_policy_extras(cx: &mut Ctx<'_>, t: &DeTable<'_>, p: &mut PolicyConfig, spans: &mut PolicySpans) {
    if let Some(l) = t.get("data").and_then(|v| cx.string_list(v, "data")) {
        p.data = l.into_iter().map(|(s, _)| s).collect();
    }
    if let Some(l) = t.get("disable").and_then(|v| cx.string_list(v, "disable")) {
        for (code, span) in l {
            if crate::policy::BUILTIN_RULES.iter().any(|r| r.code == code) {
                p.disable.push(code);
            } else {
                let codes: Vec<&str> = crate::policy::BUILTIN_RULES.iter().map(|r| r.code).collect();
                let hint = closest(&code, &codes).map_or_else(
                    || "`depgate policy rules` lists the builtin rule codes".to_string(),
                    |c| format!("did you mean `{c}`? `depgate policy rules` lists the builtin rule codes"),
                );
                cx.err(span, format!("`disable` names `{code}`, which is not a builtin rule"), hint);
            }
        }
    }
    if let Some(v) = t.get("tiers")
        && let Some(tiers) = cx.table(v, "policy.tiers")
    {
        for (key, val) in tiers {
            let tier = key.get_ref().to_string();
            let Some(tt) = cx.table(val, &format!("policy.tiers.{tier}")) else { continue };
            spans.tiers.push(TierSpans {
                tier: tier.clone(),
                key: key.span(),
                quarantine_days: tt.get("quarantine_days").map(Spanned::span),
            });
            cx.unknown_keys(tt, TIER_KEYS, &format!("[policy.tiers.{tier}]"));
            let mut tp = crate::config::TierPolicy::default();
            if let Some(q) = tt.get("quarantine_days") {
                tp.quarantine_days = cx.number(q, "quarantine_days");
            }
            if let Some(r) = tt.get("require") {
                tp.require = parse_require(cx, r);
            }
            if let Some(f) = tt.get("fail_on_severity") {
                tp.fail_on_severity = advisories::threshold(cx, f);
            }
            if let Some(a) = tt.get("accept_pgp") {
                tp.accept_pgp = cx.bool(a, "accept_pgp");
            }
            p.tiers.insert(tier, tp);
        }
    }
    if let Some(v) = t.get("security_fixes") {
        for (pattern, reason, span) in string_table(cx, v, "security_fixes") {
            if reason.trim().is_empty() {
                cx.err(
                    span,
                    format!("security fix `{pattern}` has no reason"),
                    "say which advisory this version fixes, e.g. \"GHSA-xxxx: prototype pollution\"",
                );
            }
            p.security_fixes.insert(pattern, reason);
        }
    }
    for (key, dst) in [("license_allow", &mut p.license_allow), ("license_deny", &mut p.license_deny)] {
        if let Some(l) = t.get(key).and_then(|v| cx.string_list(v, key)) {
            *dst = l.into_iter().map(|(s, _)| s).collect();
        }
    }
    if let Some(v) = t.get("license_pins") {
        for (pattern, expr, span) in string_table(cx, v, "license_pins") {
            if let Err(e) = crate::policy::license::parse(&expr) {
                cx.err(
                    span,
                    format!("licence pin for `{pattern}` is not an SPDX expression: {e}"),
                    "write it as in package.json, e.g. \"MIT\" or \"(MIT OR Apache-2.0)\"",
                );
            }
            p.license_pins.insert(pattern, expr);
        }
    }
}
