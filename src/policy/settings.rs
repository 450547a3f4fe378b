//! What policy sees besides the input: `data.config` (the `[policy]` settings of
//! depgate.toml) and the user's data files (`[policy] data`, JSON or YAML), merged into
//! one `data` document.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::PolicyError;
use crate::config::{PolicyConfig, Require};

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
            (tier.clone(), Value::Object(o))
        })
        .collect();
    let pins: Map<String, Value> = cfg
        .license_pins
        .iter()
        .map(|(pattern, expr)| (pattern.clone(), json!({"expression": expr, "choices": super::license::choices(expr)})))
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
        "complete": true,
    })
}

/// Files matched by glob `patterns` relative to `base`, sorted; a pattern that matches
/// nothing is an error (a typo must not silently drop a policy).
pub fn expand(patterns: &[String], base: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    let mut out = Vec::new();
    for pattern in patterns {
        let full = base.join(pattern);
        let paths = glob::glob(&full.to_string_lossy())
            .map_err(|e| PolicyError::Pattern { pattern: pattern.clone(), message: e.to_string() })?;
        let mut matched: Vec<PathBuf> = paths.flatten().filter(|p| p.is_file()).collect();
        if matched.is_empty() {
            return Err(PolicyError::NoMatch { pattern: pattern.clone(), base: base.to_path_buf() });
        }
        matched.sort();
        out.extend(matched);
    }
    Ok(out)
}

/// Read one data file: `.yaml`/`.yml` as YAML, anything else as JSON. The top level must
/// be an object (it is merged into `data`).
pub fn read_data_file(path: &Path) -> Result<Value, PolicyError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
    let bad = |message: String| PolicyError::Data { path: path.to_path_buf(), message };
    let is_yaml = path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml"));
    let value = if is_yaml {
        let docs = yaml_rust2::YamlLoader::load_from_str(&text).map_err(|e| {
            let m = e.marker();
            bad(format!("{}:{}: {}", m.line(), m.col() + 1, e.info()))
        })?;
        match docs.len() {
            0 => json!({}),
            1 => yaml_to_json(&docs[0]).map_err(bad)?,
            n => return Err(bad(format!("holds {n} YAML documents; a data file holds one"))),
        }
    } else {
        serde_json::from_str(&text).map_err(|e| bad(format!("{}:{}: {e}", e.line(), e.column())))?
    };
    if !value.is_object() {
        return Err(bad("the top level must be an object (its keys become data.<key>)".into()));
    }
    Ok(value)
}

fn yaml_to_json(y: &yaml_rust2::Yaml) -> Result<Value, String> {
    use yaml_rust2::Yaml;
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => json!(b),
        Yaml::Integer(i) => json!(i),
        Yaml::Real(r) => {
            let f: f64 = r.parse().map_err(|_| format!("`{r}` is not a number"))?;
            serde_json::Number::from_f64(f).map(Value::Number).ok_or_else(|| format!("`{r}` is not a finite number"))?
        }
        Yaml::String(s) => json!(s),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect::<Result<_, _>>()?),
        Yaml::Hash(h) => {
            let mut o = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(r) => r.clone(),
                    _ => return Err("mapping keys must be strings".into()),
                };
                o.insert(key, yaml_to_json(v)?);
            }
            Value::Object(o)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("YAML aliases are not supported in data files".into()),
    })
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
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "allowed:\n  scopes: ['@acme']\n  max: 3\n  ratio: 0.5\n").unwrap();
        std::fs::write(dir.path().join("b.json"), r#"{"allowed": {"teams": ["x"]}}"#).unwrap();
        std::fs::write(dir.path().join("bad.yaml"), "a: [1,\n").unwrap();
        let mut data = Map::new();
        for f in ["a.yaml", "b.json"] {
            let Value::Object(o) = read_data_file(&dir.path().join(f)).unwrap() else { panic!() };
            merge(&mut data, o, "").unwrap();
        }
        assert_eq!(
            Value::Object(data.clone()),
            json!({"allowed": {"scopes": ["@acme"], "max": 3, "ratio": 0.5, "teams": ["x"]}})
        );
        let Value::Object(again) = read_data_file(&dir.path().join("b.json")).unwrap() else { panic!() };
        assert!(merge(&mut data, again, "").unwrap_err().contains("data.allowed.teams"));
        let err = read_data_file(&dir.path().join("bad.yaml")).unwrap_err().to_string();
        assert!(err.contains("bad.yaml") && err.contains(':'), "{err}");
    }

    #[test]
    fn whole_numbers_are_integers() {
        assert_eq!(number(7.0), json!(7));
        assert_eq!(number(0.5), json!(0.5));
    }
}
