//! What policy sees besides the input: `data.config` (the `[policy]` settings of
//! depgate.toml, whose type lives here so that `config` can build it and `policy` read it
//! without either importing the other's internals) and the user's data files
//! (`[policy] data`, JSON or YAML, read by [`crate::load`]), merged into one `data`
//! document.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::PolicyError;

/// What the fallback tier must bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    None,
    Signature,
    Provenance,
}

/// `[policy]`.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    /// Glob patterns of `.rego` files, resolved relative to the config file.
    pub files: Vec<String>,
    pub builtin: bool,
    pub quarantine_days: f64,
    /// Tiers whose versions wait out the cooldown even when they are the first upstream
    /// (fallback upstreams always do). Default: [`DEFAULT_COOLDOWN_TIERS`].
    pub cooldown_tiers: Vec<String>,
    /// purl globs exempt from the cooldown.
    pub cooldown_exempt: Vec<String>,
    pub require: Require,
    /// Glob patterns of JSON/YAML data files merged into the policy's `data` document.
    pub data: Vec<String>,
    /// Builtin rule codes switched off (a user rule may take the code over).
    pub disable: Vec<String>,
    /// Per-tier settings (`[policy.tiers.<tier>]`).
    pub tiers: BTreeMap<String, TierPolicy>,
    /// Package pattern (purl glob, `name@version` or `name`) → why it skips the cooldown.
    pub security_fixes: BTreeMap<String, String>,
    /// SPDX licence ids (globs) accepted; empty accepts any licence not denied.
    pub license_allow: Vec<String>,
    /// SPDX licence ids (globs) refused.
    pub license_deny: Vec<String>,
    /// Package pattern → the licence expression it was reviewed under.
    pub license_pins: BTreeMap<String, String>,
    /// The policy half of `[advisories]`: severity threshold and ignores.
    pub advisories: AdvisoryPolicy,
    /// Container images named by tag only: `warn` (default) or `deny` (`image-not-pinned`).
    pub unpinned_images: &'static str,
    /// Container images found when the configuration has no `[oci]` chain: `warn`
    /// (default) or `deny` (`image-not-gated`; an image input named with `--lockfile` is
    /// denied either way).
    pub ungated_images: &'static str,
    /// The policy half of `[reviews]`: where a review is required, and the cooldown waiver.
    pub reviews: ReviewPolicy,
}

/// What policy does with OpenVet reviews (`[reviews]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewPolicy {
    /// Tiers whose packages must satisfy the review requirements (`review-required`).
    pub required_tiers: Vec<String>,
    /// Direct dependencies must satisfy them too.
    pub required_direct: bool,
    /// A package whose requirements all pass skips the fallback cooldown (recorded).
    pub waive_cooldown: bool,
}

/// What policy does with advisories (`[advisories] fail_on_severity`, `[advisories.ignore]`).
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisoryPolicy {
    /// `low`, `moderate`, `high`, `critical`, or `never` (vulnerabilities only warn).
    pub fail_on_severity: String,
    /// Advisory id → why it is accepted, until when, for which packages.
    pub ignore: BTreeMap<String, AdvisoryIgnore>,
}

impl Default for AdvisoryPolicy {
    fn default() -> Self {
        Self { fail_on_severity: "high".into(), ignore: BTreeMap::new() }
    }
}

/// One `[advisories.ignore]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryIgnore {
    pub reason: String,
    /// The last day it holds (`YYYY-MM-DD`, UTC): it stops working at the end of it.
    pub until: time::Date,
    /// purl globs it is limited to (empty: every package the advisory names).
    pub purls: Vec<String>,
}

/// `[policy.tiers.<tier>]`: what policy asks of one tier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierPolicy {
    /// Cooldown for versions of this tier (when the cooldown applies to it).
    pub quarantine_days: Option<f64>,
    /// Evidence every package served from this tier must bring, fallback or not.
    pub require: Option<Require>,
    /// Vulnerabilities at or above this level are denied for this tier.
    pub fail_on_severity: Option<String>,
    /// Whether a verified OpenPGP signature meets `require = "signature"` for this tier
    /// (default: yes).
    pub accept_pgp: Option<bool>,
}

/// `quarantine_days` when not set: a week, long enough for most malicious releases to be
/// reported and pulled (npm alone lets a publisher unpublish for 72 hours).
pub const DEFAULT_QUARANTINE_DAYS: f64 = 7.0;

/// `cooldown_tiers` when not set: the public registries wait even when they are the only
/// upstream, so a project on the public registries alone gets the cooldown too.
pub const DEFAULT_COOLDOWN_TIERS: &[&str] = &["public"];

impl PolicyConfig {
    /// The cooldown of `tier`: its `[policy.tiers.<tier>] quarantine_days`, else the global one.
    pub fn cooldown_days(&self, tier: &str) -> f64 {
        self.tiers.get(tier).and_then(|t| t.quarantine_days).unwrap_or(self.quarantine_days)
    }

    /// Whether versions of an upstream of `tier` wait out a cooldown: it is a fallback
    /// (`fallback`: not first in its chain) or its tier is in `cooldown_tiers`, and the
    /// tier's cooldown is longer than zero. The builtin policy decides the same way.
    pub fn cools_down(&self, tier: &str, fallback: bool) -> bool {
        self.cooldown_days(tier) > 0.0 && (fallback || self.cooldown_tiers.iter().any(|t| t == tier))
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            files: Vec::new(),
            builtin: true,
            quarantine_days: DEFAULT_QUARANTINE_DAYS,
            cooldown_tiers: DEFAULT_COOLDOWN_TIERS.iter().map(|t| (*t).to_string()).collect(),
            cooldown_exempt: Vec::new(),
            require: Require::None,
            data: Vec::new(),
            disable: Vec::new(),
            tiers: BTreeMap::new(),
            security_fixes: BTreeMap::new(),
            license_allow: Vec::new(),
            license_deny: Vec::new(),
            license_pins: BTreeMap::new(),
            advisories: AdvisoryPolicy::default(),
            unpinned_images: "warn",
            ungated_images: "warn",
            reviews: ReviewPolicy::default(),
        }
    }
}

/// A whole number as an integer (so `%v` prints `7`, not `7.0`, in every engine).
fn number(n: f64) -> Value {
    #[allow(clippy::cast_possible_truncation)]
    if n.fract() == 0.0 && n.abs() < 9.0e15 { json!(n as i64) } else { json!(n) }
}

fn require(r: Require) -> Value {
    json!(r)
}

/// `data.config`: the settings the builtin policy reads.
pub fn config_data(cfg: &PolicyConfig) -> Value {
    let tiers: Map<String, Value> = cfg
        .tiers
        .iter()
        .map(|(tier, t)| {
            let mut o = Map::new();
            if let Some(q) = t.quarantine_days {
                o.insert("quarantine_days".into(), number(q));
            }
            if let Some(r) = t.require {
                o.insert("require".into(), require(r));
            }
            if let Some(f) = &t.fail_on_severity {
                o.insert("fail_on_severity".into(), json!(f));
            }
            if let Some(a) = t.accept_pgp {
                o.insert("accept_pgp".into(), json!(a));
            }
            (tier.clone(), Value::Object(o))
        })
        .collect();
    let pins: Map<String, Value> = cfg
        .license_pins
        .iter()
        .map(|(pattern, expr)| (pattern.clone(), json!({"expression": expr, "choices": super::license::choices(expr)})))
        .collect();
    let ignores: Map<String, Value> = cfg
        .advisories
        .ignore
        .iter()
        .map(|(id, i)| {
            // It holds through the whole of its last day (UTC).
            let expires =
                i.until.next_day().map_or_else(|| "9999-12-31T00:00:00Z".to_string(), |d| format!("{d}T00:00:00Z"));
            (
                id.clone(),
                json!({"reason": i.reason, "until": i.until.to_string(), "expires": expires, "purls": i.purls}),
            )
        })
        .collect();
    json!({
        "quarantine_days": number(cfg.quarantine_days),
        "cooldown_tiers": cfg.cooldown_tiers,
        "cooldown_exempt": cfg.cooldown_exempt,
        "require": require(cfg.require),
        "disable": cfg.disable,
        "tiers": tiers,
        "security_fixes": cfg.security_fixes,
        "license_allow": cfg.license_allow,
        "license_deny": cfg.license_deny,
        "license_pins": pins,
        "advisories": {
            "fail_on_severity": cfg.advisories.fail_on_severity,
            "ignore": ignores,
        },
        "unpinned_images": cfg.unpinned_images,
        "reviews": {
            "required_tiers": cfg.reviews.required_tiers,
            "required_direct": cfg.reviews.required_direct,
            "waive_cooldown": cfg.reviews.waive_cooldown,
        },
        "complete": true,
    })
}

/// Parse one data file's `text`: `.yaml`/`.yml` as YAML, anything else as JSON (by the
/// name `path`, which errors name). The top level must be an object (it is merged into
/// `data`).
pub fn parse_data_file(path: &Path, text: &str) -> Result<Value, PolicyError> {
    let bad = |message: String| PolicyError::Data { path: path.to_path_buf(), message };
    let is_yaml = path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml"));
    let value = if is_yaml {
        let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| {
            let m = e.marker();
            bad(format!("{}:{}: {}", m.line(), m.col() + 1, e.info()))
        })?;
        match docs.len() {
            0 => json!({}),
            1 => crate::yaml::to_json(&docs[0]).map_err(bad)?,
            n => return Err(bad(format!("holds {n} YAML documents; a data file holds one"))),
        }
    } else {
        serde_json::from_str(text).map_err(|e| bad(format!("{}:{}: {e}", e.line(), e.column())))?
    };
    if !value.is_object() {
        return Err(bad("the top level must be an object (its keys become data.<key>)".into()));
    }
    Ok(value)
}

/// Merge `add` into `into`, refusing to overwrite a value (as OPA does for data files).
pub fn merge(into: &mut Map<String, Value>, add: Map<String, Value>, path: &str) -> Result<(), String> {
    for (k, v) in add {
        let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        match (into.get_mut(&k), v) {
            (None, v) => {
                into.insert(k, v);
            }
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b, &here)?,
            (Some(_), _) => return Err(format!("data.{here} is defined twice")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_data_files_merge() {
        let files = [
            ("a.yaml", "allowed:\n  scopes: ['@acme']\n  max: 3\n  ratio: 0.5\n"),
            ("b.json", r#"{"allowed": {"teams": ["x"]}}"#),
            ("bad.yaml", "a: [1,\n"),
        ];
        let read = |i: usize| parse_data_file(Path::new(files[i].0), files[i].1);
        let mut data = Map::new();
        for i in [0, 1] {
            let Value::Object(o) = read(i).unwrap() else { panic!() };
            merge(&mut data, o, "").unwrap();
        }
        assert_eq!(
            Value::Object(data.clone()),
            json!({"allowed": {"scopes": ["@acme"], "max": 3, "ratio": 0.5, "teams": ["x"]}})
        );
        let Value::Object(again) = read(1).unwrap() else { panic!() };
        assert!(merge(&mut data, again, "").unwrap_err().contains("data.allowed.teams"));
        let err = read(2).unwrap_err().to_string();
        assert!(err.contains("bad.yaml") && err.contains(':'), "{err}");
    }

    #[test]
    fn whole_numbers_are_integers() {
        assert_eq!(number(7.0), json!(7));
        assert_eq!(number(0.5), json!(0.5));
    }
}
