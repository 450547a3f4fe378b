//! YAML documents as JSON values (policy data files, OSV records in YAML). A leaf:
//! depends on nothing in depgate.

use serde_json::{Map, Value, json};

/// One YAML document as a JSON value. Aliases are refused (a data file or record that
/// needs them is not one depgate reads).
pub fn to_json(y: &yaml_rust2::Yaml) -> Result<Value, String> {
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
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect::<Result<_, _>>()?),
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
                o.insert(key, to_json(v)?);
            }
            Value::Object(o)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("YAML aliases are not supported in data files".into()),
    })
}
