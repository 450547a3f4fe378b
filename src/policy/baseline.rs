//! Baselines: the previous trust state of each package (tier, upstream, verification,
//! signing identity, version), read from a previous `decisions.json` (e.g. the base
//! branch's report, `check --baseline FILE`) or from a committed `depgate.trust.json`
//! (`depgate trust update`), and handed to policy as `input.baseline` for downgrade
//! detection. Pure: documents in, documents out; the caller reads and writes files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Schema id of `depgate.trust.json`.
pub const TRUST_SCHEMA: &str = "depgate.trust/v1";
/// Schema id of `decisions.json` (written by the report).
const DECISIONS_SCHEMA: &str = "depgate.decisions/v1";

/// The trust state of one package name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub version: String,
    #[serde(default)]
    pub upstream: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    /// Whether it came from a fallback upstream (below the first of the chain).
    #[serde(default)]
    pub fallback: Option<bool>,
    /// `verified`, `unverifiable` or `violated`.
    pub verification: String,
    /// The stable part of the signing identity: `{issuer, source_repo, workflow}`.
    #[serde(default)]
    pub identity: Option<Value>,
    /// OpenVet's verdict on the version's reviews (`pass`, `fail`, `unaudited`), when
    /// `[reviews]` was configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

/// Trust state by package (`<ecosystem>:<name>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baseline {
    /// Where it came from (a file path), shown in `input.baseline.source`.
    pub source: String,
    pub packages: BTreeMap<String, BaselineEntry>,
}

/// The key of a package in a baseline.
pub fn key(ecosystem: &str, name: &str) -> String {
    format!("{ecosystem}:{name}")
}

/// The stable identity of one attestation: who signed it, from which repository and
/// workflow (refs and commits change with every release, so they are left out).
pub fn identity_of(attestation: &Value) -> Option<Value> {
    let get = |k: &str| attestation.get(k).filter(|v| v.is_string()).cloned().unwrap_or(Value::Null);
    // `…/release.yml@refs/tags/v1` → `…/release.yml` (as policy/builtin.rego does).
    let workflow = attestation
        .get("workflow")
        .and_then(Value::as_str)
        .map_or(Value::Null, |w| json!(w.split('@').next().unwrap_or(w)));
    // An OpenPGP signer is its primary key (as policy/builtin.rego's identity_of).
    if let Some(fpr) = attestation.get("fingerprint").and_then(Value::as_str) {
        return Some(json!({"fingerprint": fpr}));
    }
    let id = json!({"issuer": get("issuer"), "source_repo": get("source_repo"), "workflow": workflow});
    if id.as_object().is_some_and(|o| o.values().all(Value::is_null)) { None } else { Some(id) }
}

/// Order versions roughly by their numeric parts (enough to pick the newer of two).
fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap_or(0)).collect()
}

/// Which of two states of the same name is the one to compare against: the most trusted
/// (verified, then first in chain), then the newest.
fn better(a: &BaselineEntry, b: &BaselineEntry) -> bool {
    let rank = |e: &BaselineEntry| (e.verification == "verified", e.fallback == Some(false), version_key(&e.version));
    rank(a) > rank(b)
}

impl Baseline {
    /// Read a baseline document: a `decisions.json` or a `depgate.trust.json`.
    pub fn from_json(text: &str, source: &str) -> Result<Baseline, String> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON ({}:{}: {e})", e.line(), e.column()))?;
        match doc.get("schema").and_then(Value::as_str) {
            Some(DECISIONS_SCHEMA) => Ok(Self::from_decisions(&doc, source)),
            Some(TRUST_SCHEMA) => {
                let packages = doc.get("packages").cloned().unwrap_or_else(|| json!({}));
                let packages: BTreeMap<String, BaselineEntry> =
                    serde_json::from_value(packages).map_err(|e| format!("packages: {e}"))?;
                Ok(Baseline { source: source.to_string(), packages })
            }
            Some(other) => Err(format!(
                "has schema `{other}`; a baseline is a decisions.json ({DECISIONS_SCHEMA}) or a depgate.trust.json ({TRUST_SCHEMA})"
            )),
            None => Err(format!(
                "has no `schema` field; a baseline is a decisions.json ({DECISIONS_SCHEMA}) or a depgate.trust.json ({TRUST_SCHEMA})"
            )),
        }
    }

    /// The trust state recorded in a `decisions.json` document: every package whose
    /// version was found at its owner.
    pub fn from_decisions(doc: &Value, source: &str) -> Baseline {
        let mut packages: BTreeMap<String, BaselineEntry> = BTreeMap::new();
        for rec in doc.get("decisions").and_then(Value::as_array).into_iter().flatten() {
            let p = &rec["package"];
            let r = &rec["resolution"];
            let (Some(eco), Some(name), Some(version)) =
                (p["ecosystem"].as_str(), p["name"].as_str(), p["version"].as_str())
            else {
                continue;
            };
            if r["status"] != "owned" || r["version_found"] != true {
                continue;
            }
            let verification = rec["verification"]["status"].as_str().unwrap_or("unverifiable").to_string();
            let identity = if verification == "verified" {
                rec["verification"]["attestations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|a| a.get("verified").and_then(Value::as_bool) != Some(false))
                    .find_map(identity_of)
            } else {
                None
            };
            let entry = BaselineEntry {
                version: version.to_string(),
                upstream: r["upstream"].as_str().map(str::to_string),
                tier: r["tier"].as_str().map(str::to_string),
                fallback: r["fallback"].as_bool(),
                verification,
                identity,
                review: rec["reviews"]["verdict"].as_str().map(str::to_string),
            };
            let k = key(eco, name);
            match packages.get(&k) {
                Some(old) if !better(&entry, old) => {}
                _ => {
                    packages.insert(k, entry);
                }
            }
        }
        Baseline { source: source.to_string(), packages }
    }

    /// The `depgate.trust.json` document for this baseline.
    pub fn to_trust_json(&self) -> Value {
        json!({"schema": TRUST_SCHEMA, "packages": self.packages})
    }
}

/// `input.baseline` for one package: its entry plus where it came from, or `null`.
pub fn baseline_input(baseline: Option<&Baseline>, ecosystem: &str, name: &str) -> Value {
    let Some(b) = baseline else { return Value::Null };
    let Some(e) = b.packages.get(&key(ecosystem, name)) else { return Value::Null };
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("source".into(), json!(b.source));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, version: &str, tier: &str, fallback: bool, status: &str) -> Value {
        json!({
            "package": {"ecosystem": "npm", "name": name, "version": version},
            "resolution": {"status": "owned", "version_found": true, "upstream": tier, "tier": tier, "fallback": fallback},
            "verification": {"status": status, "attestations": if status == "verified" {
                json!([{"issuer": "https://token.actions.githubusercontent.com", "source_repo": "https://github.com/o/r",
                        "workflow": "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", "ref": "refs/tags/v1", "san": "x"}])
            } else { json!([]) }}
        })
    }

    #[test]
    fn decisions_become_a_baseline_and_round_trip_through_the_trust_file() {
        let doc = json!({"schema": "depgate.decisions/v1", "decisions": [
            record("a", "1.0.0", "curated", false, "verified"),
            record("a", "0.9.0", "curated", false, "unverifiable"),
            record("b", "2.0.0", "public", true, "unverifiable"),
            {"package": {"ecosystem": "npm", "name": "git-dep", "version": "1.0.0"}, "verification": {"status": "unverifiable"}},
        ]});
        let b = Baseline::from_json(&doc.to_string(), "base.json").unwrap();
        assert_eq!(b.packages.len(), 2);
        let a = &b.packages["npm:a"];
        assert_eq!((a.version.as_str(), a.verification.as_str(), a.fallback), ("1.0.0", "verified", Some(false)));
        assert_eq!(a.identity.as_ref().unwrap()["workflow"], "https://github.com/o/r/.github/workflows/release.yml");
        assert!(a.identity.as_ref().unwrap().get("ref").is_none(), "refs change every release");
        let input = baseline_input(Some(&b), "npm", "a");
        assert_eq!(input["tier"], "curated");
        assert_eq!(input["source"], "base.json");
        assert_eq!(baseline_input(Some(&b), "npm", "zzz"), Value::Null);
        assert_eq!(baseline_input(None, "npm", "a"), Value::Null);
        let again = Baseline::from_json(&b.to_trust_json().to_string(), "base.json").unwrap();
        assert_eq!(again, b);
    }

    #[test]
    fn other_documents_are_refused_with_a_reason() {
        assert!(Baseline::from_json("{", "x").unwrap_err().contains("not JSON"));
        assert!(Baseline::from_json("{}", "x").unwrap_err().contains("no `schema`"));
        assert!(Baseline::from_json(r#"{"schema": "cyclonedx"}"#, "x").unwrap_err().contains("cyclonedx"));
    }
}
