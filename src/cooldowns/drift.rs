//! `cooldown-drift`: where a tool's release age disagrees with depgate's tiered cooldown.
//!
//! For each setting and each ecosystem it governs that the run gates, against the tiers of
//! that ecosystem's chain:
//! - **lets through**: the tool's age is shorter than the cooldown of a tier that cools
//!   down (a fallback upstream, or a tier in `cooldown_tiers`): the tool installs, or the
//!   bot proposes, versions the gate then quarantines;
//! - **holds back**: the tool's age is above zero where a tier with no cooldown serves the
//!   ecosystem (a curated upstream first in its chain): the tool refuses versions depgate
//!   allows at once;
//! - per package pattern: a package the tool exempts that depgate still cools down (lets
//!   through), and a package depgate exempts (`cooldown_exempt`) that the tool still holds
//!   back.
//!
//! This is done here in Rust, not in Rego: the policy input (`depgate.input/v1`) is one
//! package's document, evaluated once per coordinate by both engines, and its outcome is
//! that package's decision. Drift is a fact about the project with no package; carrying it
//! into policy would need a second input schema and entry point in both engines. The
//! finding has a stable code all the same (`cooldown-drift`, in `ENGINE_RULES`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::duration::{DAY, human};
use super::{Setting, Tool};
use crate::config::Config;
use crate::ecosystem::Ecosystem;

/// The rule code of a drift finding.
pub const RULE: &str = "cooldown-drift";

/// One upstream of a chain as the cooldown sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TierView {
    pub upstream: String,
    pub tier: String,
    /// Its cooldown in days (0: versions are allowed at once).
    pub days: f64,
    /// The depgate setting behind `days`, for people.
    pub why: String,
}

/// depgate's side: per ecosystem its chain's tiers, namespaces and cooldown exemptions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Depgate {
    /// `depgate.toml`, or `the embedded default`.
    pub config: String,
    pub chains: BTreeMap<Ecosystem, Vec<TierView>>,
    /// `(pattern, upstream)` per ecosystem.
    pub namespaces: BTreeMap<Ecosystem, Vec<(String, String)>>,
    /// `[policy] cooldown_exempt` purl globs.
    pub cooldown_exempt: Vec<String>,
}

fn days_text(d: f64) -> String {
    super::tree::format_number(d)
}

impl Depgate {
    /// depgate's cooldown as `cfg` sets it.
    pub fn from_config(cfg: &Config) -> Self {
        let p = &cfg.policy;
        let mut chains = BTreeMap::new();
        let mut namespaces = BTreeMap::new();
        for (eco, chain) in &cfg.chains {
            let tiers = cfg
                .chain(*eco)
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    let fallback = i > 0;
                    let setting = match p.tiers.get(&u.tier).and_then(|t| t.quarantine_days) {
                        Some(d) => format!("[policy.tiers.{}] quarantine_days = {}", u.tier, days_text(d)),
                        None => format!("[policy] quarantine_days = {}", days_text(p.quarantine_days)),
                    };
                    let (days, why) = if p.cools_down(&u.tier, fallback) {
                        let because = if fallback {
                            format!("a fallback in the {eco} chain")
                        } else {
                            format!("tier `{}` in [policy] cooldown_tiers", u.tier)
                        };
                        (p.cooldown_days(&u.tier), format!("{setting}, {because}"))
                    } else if p.cooldown_days(&u.tier) <= 0.0 {
                        (0.0, setting)
                    } else {
                        (0.0, format!("first in the {eco} chain and tier `{}` not in [policy] cooldown_tiers", u.tier))
                    };
                    TierView { upstream: u.name.clone(), tier: u.tier.clone(), days, why }
                })
                .collect();
            chains.insert(*eco, tiers);
            namespaces.insert(*eco, chain.namespaces.clone());
        }
        Depgate {
            config: cfg.source.as_ref().map_or_else(|| "the embedded default".into(), |s| s.display().to_string()),
            chains,
            namespaces,
            cooldown_exempt: p.cooldown_exempt.clone(),
        }
    }

    /// The tiers that may serve `package` (a name or pattern; `None`: any package), or
    /// `Err(glob)` when `[policy] cooldown_exempt` exempts it.
    fn serving(&self, eco: Ecosystem, package: Option<&str>) -> Result<Vec<&TierView>, String> {
        let chain = self.chains.get(&eco).map_or(&[][..], Vec::as_slice);
        let Some(p) = package else { return Ok(chain.iter().collect()) };
        if let Some(g) = self.cooldown_exempt.iter().find(|g| purl_glob_covers(g, eco, p)) {
            return Err(g.clone());
        }
        let bound = self.namespaces.get(&eco).and_then(|ns| ns.iter().find(|(pat, _)| glob(pat, p)));
        Ok(match bound {
            Some((_, upstream)) => chain.iter().filter(|t| &t.upstream == upstream).collect(),
            None => chain.iter().collect(),
        })
    }
}

/// Which way a tool disagrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The tool allows what depgate quarantines.
    LetsThrough,
    /// The tool refuses what depgate allows at once.
    HoldsBack,
}

/// One `cooldown-drift` finding (level warn).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub rule: &'static str,
    pub direction: Direction,
    pub tool: Tool,
    pub ecosystem: Ecosystem,
    /// The line to change: the tool's setting (or exemption entry).
    pub file: String,
    pub line: usize,
    pub setting: String,
    pub value: String,
    /// The package pattern concerned; absent: every package the setting covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    pub tool_days: f64,
    pub depgate_days: f64,
    /// depgate's setting on the other side (and the upstream and tier it is about).
    pub depgate_setting: String,
    pub msg: String,
    pub remedy: String,
}

/// `*`/`?` glob over names; a pattern matches itself literally too.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    // Bounded: names and patterns are short; a pathological one is compared literally.
    if pattern.len() > 256 || name.len() > 256 || pattern.matches('*').count() > 8 {
        return pattern == name;
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// The package name pattern of a purl glob of `eco` (`pkg:npm/%40acme/*` → `@acme/*`,
/// `pkg:npm/left-pad@1.3.0` → `left-pad`), or `None` for another ecosystem.
pub fn purl_name_pattern(purl_glob: &str, eco: Ecosystem) -> Option<String> {
    let rest = purl_glob.strip_prefix(&format!("pkg:{}/", eco.as_str()))?;
    let rest = rest.replace("%40", "@").replace("%2F", "/").replace("%2f", "/");
    let name = match rest.rfind('@') {
        Some(i) if i > 0 => &rest[..i],
        _ => rest.as_str(),
    };
    Some(name.to_string())
}

fn normal(eco: Ecosystem, name: &str) -> String {
    if eco == Ecosystem::Pypi { name.to_ascii_lowercase().replace(['_', '.'], "-") } else { name.to_string() }
}

fn purl_glob_covers(purl_glob: &str, eco: Ecosystem, package: &str) -> bool {
    purl_name_pattern(purl_glob, eco).is_some_and(|p| glob(&normal(eco, &p), &normal(eco, package)))
}

/// A yarn descriptor (`react@^18`) or an npm name with a version, as a name pattern.
fn exempt_name(pattern: &str) -> &str {
    match pattern.rfind('@') {
        Some(i) if i > 0 => &pattern[..i],
        _ => pattern,
    }
}

fn days(seconds: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let d = seconds as f64 / DAY as f64;
    (d * 1000.0).round() / 1000.0
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn secs(days: f64) -> i64 {
    (days * DAY as f64).round() as i64
}

struct Ctx<'a> {
    s: &'a Setting,
    eco: Ecosystem,
    dg: &'a Depgate,
    out: Vec<Drift>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        direction: Direction,
        line: usize,
        package: Option<&str>,
        tool_secs: i64,
        tier: &TierView,
        msg: String,
        remedy: String,
    ) {
        self.out.push(Drift {
            rule: RULE,
            direction,
            tool: self.s.tool,
            ecosystem: self.eco,
            file: self.s.file.clone(),
            line,
            setting: self.s.setting.clone(),
            value: self.s.value.clone(),
            package: package.map(str::to_string),
            tool_days: days(tool_secs),
            depgate_days: tier.days,
            depgate_setting: format!(
                "{} (upstream `{}`, tier `{}`, in {})",
                tier.why, tier.upstream, tier.tier, self.dg.config
            ),
            msg,
            remedy,
        });
    }

    /// The tool's setting against the tiers that serve `package` (`None`: every package).
    fn compare(&mut self, package: Option<&str>) {
        let s = self.s;
        let what = if s.tool.is_bot() { "proposes" } else { "installs" };
        let who = package.map_or_else(String::new, |p| format!(" for `{p}`"));
        let serving = match self.dg.serving(self.eco, package) {
            Ok(t) => t,
            Err(glob) => {
                if s.min_age_seconds > 0 {
                    let tier = TierView {
                        upstream: "any".into(),
                        tier: "any".into(),
                        days: 0.0,
                        why: format!("[policy] cooldown_exempt = [\"{glob}\"]"),
                    };
                    let msg = format!(
                        "{} {} = {} at {} waits {}{who}, but depgate exempts it from the cooldown ([policy] cooldown_exempt \"{glob}\")",
                        s.tool.as_str(),
                        s.setting,
                        s.value,
                        s.place(),
                        human(s.min_age_seconds)
                    );
                    let remedy = exempt_remedy(s, package.unwrap_or_default());
                    self.push(Direction::HoldsBack, s.line, package, s.min_age_seconds, &tier, msg, remedy);
                }
                return;
            }
        };
        if let Some(t) = serving
            .iter()
            .filter(|t| t.days > 0.0 && s.min_age_seconds < secs(t.days))
            .max_by(|a, b| a.days.total_cmp(&b.days))
        {
            let msg = format!(
                "{} {} = {} at {} ({}) {what} {} versions{who} younger than depgate's {}-day cooldown on upstream `{}` (tier `{}`, {}), which the gate then quarantines",
                s.tool.as_str(),
                s.setting,
                s.value,
                s.place(),
                human(s.min_age_seconds),
                self.eco,
                days_text(t.days),
                t.upstream,
                t.tier,
                t.why
            );
            let remedy = format!(
                "at {}: set {} to {} (depgate's {} days), or if depgate should wait less, change {} in {}",
                s.place(),
                s.setting,
                s.spell.write(secs(t.days)),
                days_text(t.days),
                t.why.split(',').next().unwrap_or_default(),
                self.dg.config
            );
            let t = (*t).clone();
            self.push(Direction::LetsThrough, s.line, package, s.min_age_seconds, &t, msg, remedy);
        }
        if s.min_age_seconds > 0
            && let Some(t) = serving.iter().find(|t| t.days <= 0.0)
        {
            let ns: Vec<&str> = self
                .dg
                .namespaces
                .get(&self.eco)
                .into_iter()
                .flatten()
                .filter(|(_, u)| *u == t.upstream)
                .map(|(p, _)| p.as_str())
                .collect();
            let msg = format!(
                "{} {} = {} at {} holds {} versions{who} back {} that depgate allows at once from upstream `{}` (tier `{}`: {})",
                s.tool.as_str(),
                s.setting,
                s.value,
                s.place(),
                self.eco,
                human(s.min_age_seconds),
                t.upstream,
                t.tier,
                t.why
            );
            let exempt_hint = match (s.exempt_setting.as_deref().or(exempt_key(s.tool)), ns.is_empty()) {
                (Some(key), false) => {
                    format!(", or exempt the names `{}` serves ({}) in {key}", t.upstream, ns.join(", "))
                }
                _ => String::new(),
            };
            let remedy = format!(
                "at {}: set {} to {} and let depgate's tiered cooldown decide{exempt_hint}",
                s.place(),
                s.setting,
                s.spell.write(0)
            );
            let t = (*t).clone();
            self.push(Direction::HoldsBack, s.line, package, s.min_age_seconds, &t, msg, remedy);
        }
    }

    /// A package the tool lets through at once that depgate still cools down.
    fn exempted(&mut self, pattern: &str, line: usize) {
        let s = self.s;
        let name = exempt_name(pattern);
        let Ok(serving) = self.dg.serving(self.eco, Some(name)) else { return };
        if let Some(t) = serving.iter().filter(|t| t.days > 0.0).max_by(|a, b| a.days.total_cmp(&b.days)) {
            let key = s.exempt_setting.clone().unwrap_or_default();
            let msg = format!(
                "{} exempts `{pattern}` from its release age ({key} at {}:{line}), but depgate still waits {} days for it on upstream `{}` (tier `{}`, {}): the tool takes versions the gate quarantines",
                s.tool.as_str(),
                s.file,
                days_text(t.days),
                t.upstream,
                t.tier,
                t.why
            );
            let purl = purl_for(self.eco, name);
            let remedy = format!(
                "at {}:{line}: remove `{pattern}` from {key}, or add \"{purl}\" to [policy] cooldown_exempt in {}",
                s.file, self.dg.config
            );
            let t = (*t).clone();
            self.push(Direction::LetsThrough, line, Some(pattern), 0, &t, msg, remedy);
            // The line to change is the exemption entry: name it as the setting.
            if let Some(last) = self.out.last_mut() {
                last.setting = key;
                last.value = pattern.to_string();
            }
        }
    }
}

/// The key a tool lists its exemptions under.
fn exempt_key(tool: Tool) -> Option<&'static str> {
    match tool {
        Tool::Pnpm => Some("minimumReleaseAgeExclude"),
        Tool::Yarn => Some("npmPreapprovedPackages"),
        Tool::Bun => Some("minimumReleaseAgeExcludes"),
        Tool::Uv => Some("exclude-newer-package (name = false)"),
        Tool::Dependabot => Some("cooldown.exclude"),
        Tool::Renovate => Some("a packageRules entry with minimumReleaseAge \"0 days\""),
        Tool::Npm | Tool::Pip => None,
    }
}

fn exempt_remedy(s: &Setting, package: &str) -> String {
    match exempt_key(s.tool) {
        Some(key) => format!("in {}: add `{package}` to {key}", s.file),
        None => format!(
            "at {}: {} has no exemption list; set {} to 0 or remove the package from [policy] cooldown_exempt",
            s.place(),
            s.tool.as_str(),
            s.setting
        ),
    }
}

fn purl_for(eco: Ecosystem, name: &str) -> String {
    format!("pkg:{}/{}", eco.as_str(), name.replace('@', "%40"))
}

/// Every drift finding of `settings` against `dg`, for the ecosystems the run gates.
pub fn drift(settings: &[Setting], dg: &Depgate, gated: &[Ecosystem]) -> Vec<Drift> {
    let mut out = Vec::new();
    for s in settings {
        for &eco in s.ecosystems.iter().filter(|e| gated.contains(e)) {
            if dg.chains.get(&eco).is_none_or(Vec::is_empty) {
                continue;
            }
            let mut cx = Ctx { s, eco, dg, out: Vec::new() };
            if s.packages.is_empty() {
                cx.compare(None);
                for e in &s.exempt {
                    cx.exempted(&e.pattern, e.line);
                }
                // Packages depgate exempts that the tool still holds back (when no
                // tier-wide holding back was said already).
                if s.min_age_seconds > 0 && !cx.out.iter().any(|d| d.direction == Direction::HoldsBack) {
                    for g in &dg.cooldown_exempt {
                        let Some(name) = purl_name_pattern(g, eco) else { continue };
                        if s.exempt.iter().any(|e| glob(&normal(eco, exempt_name(&e.pattern)), &normal(eco, &name))) {
                            continue;
                        }
                        cx.compare(Some(&name));
                    }
                }
            } else {
                for p in &s.packages {
                    cx.compare(Some(p));
                }
            }
            out.extend(cx.out);
        }
    }
    // One finding per line, package and way (a Dependabot exclude list is shared by each
    // of its days settings).
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|d| seen.insert((d.file.clone(), d.line, d.direction, d.package.clone(), d.ecosystem)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cooldowns::Spell;

    fn tier(upstream: &str, tier: &str, days: f64) -> TierView {
        TierView { upstream: upstream.into(), tier: tier.into(), days, why: format!("why-{tier}") }
    }

    fn dg(chain: Vec<TierView>) -> Depgate {
        Depgate {
            config: "depgate.toml".into(),
            chains: [(Ecosystem::Npm, chain)].into_iter().collect(),
            namespaces: [(Ecosystem::Npm, vec![("@acme/*".to_string(), "private".to_string())])].into_iter().collect(),
            cooldown_exempt: vec!["pkg:npm/%40trusted/*".into()],
        }
    }

    fn pnpm(minutes: i64, exempt: &[&str]) -> Setting {
        let mut s = Setting::new(
            Tool::Pnpm,
            "pnpm-workspace.yaml",
            3,
            "minimumReleaseAge",
            minutes.to_string(),
            "minutes",
            vec![Ecosystem::Npm],
            minutes * 60,
            Spell::Minutes,
        );
        s.exempt = exempt
            .iter()
            .enumerate()
            .map(|(i, p)| super::super::Exempt { pattern: (*p).into(), line: 5 + i })
            .collect();
        s.exempt_setting = Some("minimumReleaseAgeExclude".into());
        s
    }

    fn summary(d: &[Drift]) -> Vec<(Direction, usize, Option<String>, String)> {
        d.iter()
            .map(|d| (d.direction, d.line, d.package.clone(), d.depgate_setting.split(' ').next().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn public_only_chain() {
        let mut d = dg(vec![tier("npmjs", "public", 7.0)]);
        let exempt = std::mem::take(&mut d.cooldown_exempt);
        assert!(drift(&[pnpm(10080, &[])], &d, &[Ecosystem::Npm]).is_empty(), "equal ages: no drift");
        assert!(drift(&[pnpm(20160, &[])], &d, &[Ecosystem::Npm]).is_empty(), "longer than a cooling tier: no drift");
        let short = drift(&[pnpm(1440, &[])], &d, &[Ecosystem::Npm]);
        assert_eq!(summary(&short), vec![(Direction::LetsThrough, 3, None, "why-public".into())]);
        assert!(short[0].remedy.contains("set minimumReleaseAge to 10080"), "{}", short[0].remedy);
        // Not gated this run: nothing.
        assert!(drift(&[pnpm(1440, &[])], &d, &[Ecosystem::Pypi]).is_empty());
        d.cooldown_exempt = exempt;
        // An exempt package depgate cools down; one depgate exempts too is fine.
        let ex = drift(&[pnpm(10080, &["left-pad", "@trusted/*"])], &d, &[Ecosystem::Npm]);
        assert_eq!(summary(&ex), vec![(Direction::LetsThrough, 5, Some("left-pad".into()), "why-public".into())]);
        // depgate exempts @trusted/*, the tool holds it back.
        let held = drift(&[pnpm(10080, &[])], &d, &[Ecosystem::Npm]);
        assert_eq!(summary(&held), vec![(Direction::HoldsBack, 3, Some("@trusted/*".into()), "[policy]".into())]);
    }

    #[test]
    fn curated_first_chain() {
        let d = dg(vec![tier("cg", "curated", 0.0), tier("private", "private", 0.0), tier("npmjs", "public", 7.0)]);
        let found = drift(&[pnpm(4320, &["@acme/*"])], &d, &[Ecosystem::Npm]);
        assert_eq!(
            summary(&found),
            vec![
                (Direction::LetsThrough, 3, None, "why-public".into()),
                (Direction::HoldsBack, 3, None, "why-curated".into())
            ]
        );
        // @acme/* is bound to `private` (no cooldown): exempting it in the tool is right.
        assert!(found.iter().all(|f| f.package.is_none()));
        assert!(drift(&[pnpm(0, &[])], &d, &[Ecosystem::Npm]).iter().all(|f| f.direction == Direction::LetsThrough));
    }

    #[test]
    fn globs_and_purls() {
        assert!(glob("@acme/*", "@acme/x"));
        assert!(glob("@acme/*", "@acme/*"));
        assert!(!glob("@acme/*", "@other/x"));
        assert!(glob("a?c", "abc"));
        assert_eq!(purl_name_pattern("pkg:npm/%40acme/*", Ecosystem::Npm).as_deref(), Some("@acme/*"));
        assert_eq!(purl_name_pattern("pkg:npm/left-pad@1.3.0", Ecosystem::Npm).as_deref(), Some("left-pad"));
        assert_eq!(purl_name_pattern("pkg:pypi/six", Ecosystem::Npm), None);
        assert!(purl_glob_covers("pkg:pypi/Typing_Extensions", Ecosystem::Pypi, "typing-extensions"));
        assert_eq!(exempt_name("react@^18"), "react");
        assert_eq!(exempt_name("@types/*"), "@types/*");
    }
}
