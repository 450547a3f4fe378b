//! Reading what the user keeps on disk (besides lockfiles, the configuration and the
//! cache) into values for the pure modules: the policy's Rego modules and data files, the
//! folders `depgate policy test` runs, opa-wasm bundles, the project's name and version
//! for the SBOMs, and the VSA signing key from the environment.
//!
//! An edge: `policy` and `report` never touch files or the environment; the commands call
//! this and hand them what it read. Must not: evaluate, render or decide.

use std::path::{Path, PathBuf};

use crate::policy::settings::parse_data_file;
use crate::policy::{Module, Policy, PolicyConfig, PolicyError};
use crate::report::ProjectInfo;
use crate::report::vsa::{KeyError, SigningKey};

/// The policy `[policy]` describes: the builtin modules (unless switched off), the user's
/// `files` and `data` (globs relative to `base`, the configuration's folder), and the
/// settings as `data.config`.
pub fn policy(cfg: &PolicyConfig, base: &Path) -> Result<Policy, PolicyError> {
    let mut modules = Vec::new();
    // Test modules (`*_test.rego`) are for `depgate policy test`, not the gate: not read.
    let is_test = |p: &Path| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with("_test.rego"));
    for p in expand(&cfg.files, base)?.into_iter().filter(|p| !is_test(p)) {
        let text = std::fs::read_to_string(&p).map_err(|source| PolicyError::Read { path: p.clone(), source })?;
        modules.push(Module { name: p.display().to_string(), text });
    }
    let mut data = Vec::new();
    for p in expand(&cfg.data, base)? {
        let value = data_file(&p)?;
        data.push((p, value));
    }
    Policy::new(cfg, modules, data)
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

/// One policy data file, read and parsed (`.yaml`/`.yml` as YAML, else JSON; an object).
pub fn data_file(path: &Path) -> Result<serde_json::Value, PolicyError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
    parse_data_file(path, &text)
}

/// Every `.rego` file under `paths` (files or folders, recursively; hidden folders are
/// skipped) and every `data.json`/`data.yaml`/`data.yml` beside them, as `opa test` loads.
pub fn policy_tests(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), PolicyError> {
    let mut rego = Vec::new();
    let mut data = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            let entries = std::fs::read_dir(&p).map_err(|source| PolicyError::Read { path: p.clone(), source })?;
            for e in entries.flatten() {
                let path = e.path();
                let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
                if !hidden {
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        classify(path, &mut rego, &mut data);
                    }
                }
            }
        } else if p.is_file() {
            classify(p, &mut rego, &mut data);
        } else {
            return Err(PolicyError::Read {
                path: p.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
    }
    rego.sort();
    data.sort();
    Ok((rego, data))
}

fn classify(path: PathBuf, rego: &mut Vec<PathBuf>, data: &mut Vec<PathBuf>) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("rego")) {
        rego.push(path);
    } else if matches!(name, "data.json" | "data.yaml" | "data.yml") {
        data.push(path);
    }
}

/// Read the user's modules, leaving out files identical to a builtin module (so a
/// checkout of depgate's own `policy/` folder can be tested against the embedded copy).
pub fn read_modules(paths: &[PathBuf], builtin: &[Module]) -> Result<Vec<Module>, PolicyError> {
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p).map_err(|source| PolicyError::Read { path: p.clone(), source })?;
        if builtin.iter().any(|b| b.text == text) {
            continue;
        }
        out.push(Module { name: display(p), text });
    }
    Ok(out)
}

fn display(p: &Path) -> String {
    p.strip_prefix("./").unwrap_or(p).display().to_string()
}

/// An opa-wasm bundle (gzip'd OPA bundle or `.wasm` module) read from `path`, given `data`.
#[cfg(feature = "opa-wasm")]
pub fn wasm_policy(path: &Path, data: &serde_json::Value) -> Result<crate::policy::wasm::WasmPolicy, PolicyError> {
    let bytes = std::fs::read(path).map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
    crate::policy::wasm::WasmPolicy::from_bytes(path, &bytes, data)
}

/// Read the project's name and version from `package.json`, else `pyproject.toml`
/// (`[project]`, then `[tool.poetry]`), else use the folder's name. Cheap and forgiving:
/// an unreadable or odd manifest falls through to the next source.
pub fn project_info(dir: &Path) -> ProjectInfo {
    let non_empty = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(doc) =
        std::fs::read(dir.join("package.json")).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        && let Some(name) = non_empty(doc.get("name").and_then(serde_json::Value::as_str))
    {
        return ProjectInfo { name, version: non_empty(doc.get("version").and_then(serde_json::Value::as_str)) };
    }
    if let Some(doc) =
        std::fs::read_to_string(dir.join("pyproject.toml")).ok().and_then(|t| toml::from_str::<toml::Table>(&t).ok())
    {
        let tables = [doc.get("project"), doc.get("tool").and_then(|t| t.get("poetry"))];
        for t in tables.into_iter().flatten() {
            if let Some(name) = non_empty(t.get("name").and_then(toml::Value::as_str)) {
                return ProjectInfo { name, version: non_empty(t.get("version").and_then(toml::Value::as_str)) };
            }
        }
    }
    let folder = std::fs::canonicalize(dir).ok().and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    ProjectInfo { name: non_empty(folder.as_deref()).unwrap_or_else(|| "project".to_string()), version: None }
}

/// The VSA signing key configured in the environment: [`crate::env::SIGNING_KEY`] (PEM
/// text) or [`crate::env::SIGNING_KEY_FILE`] (a path). Neither set (or empty): `None`.
pub fn signing_key() -> Result<Option<SigningKey>, KeyError> {
    signing_key_from(|k| std::env::var(k).ok())
}

/// The same from any lookup (tests). Asks only for the two names above.
pub fn signing_key_from(get: impl Fn(&str) -> Option<String>) -> Result<Option<SigningKey>, KeyError> {
    use crate::env::{SIGNING_KEY, SIGNING_KEY_FILE};
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    match (get(SIGNING_KEY), get(SIGNING_KEY_FILE)) {
        (Some(_), Some(_)) => Err(KeyError {
            source_name: format!("{SIGNING_KEY} and {SIGNING_KEY_FILE}"),
            message: "both are set; set one".into(),
        }),
        (Some(pem), None) => SigningKey::from_pem(&pem, SIGNING_KEY).map(Some),
        (None, Some(path)) => {
            let source_name = format!("{SIGNING_KEY_FILE} ({path})");
            let pem = std::fs::read_to_string(&path)
                .map_err(|e| KeyError { source_name: source_name.clone(), message: format!("cannot read: {e}") })?;
            SigningKey::from_pem(&pem, &source_name).map(Some)
        }
        (None, None) => Ok(None),
    }
}

/// The OpenPGP material of a run (`[verify.pgp]` and the upstreams' `pgp_key`): every
/// keyring read, the Gradle metadata and the keyring Gradle keeps beside it, and which
/// keys each upstream's repository key has. `None` when nothing about OpenPGP is
/// configured. Errors name the file and say what to do.
pub fn openpgp(config: &crate::config::Config) -> Result<Option<crate::openpgp::trust::Material>, String> {
    use crate::openpgp::Keyring;
    let pgp = config.verify.pgp.clone();
    let upstream_keys: Vec<(&String, &PathBuf)> =
        config.upstreams.iter().filter_map(|(n, u)| u.pgp_key.as_ref().map(|k| (n, k))).collect();
    if pgp.is_none() && upstream_keys.is_empty() {
        return Ok(None);
    }
    let pgp = pgp.unwrap_or_default();
    let allow_sha1 = pgp.allow_sha1;
    let read_ring = |p: &Path, what: &str| -> Result<Keyring, String> {
        let bytes = std::fs::read(p).map_err(|e| format!("cannot read {what} {}: {e}", p.display()))?;
        Keyring::parse(&bytes, allow_sha1).map_err(|e| format!("{what} {}: {e}", p.display()))
    };
    let mut m = crate::openpgp::trust::Material { allow_sha1, ..Default::default() };
    for k in &pgp.keyrings {
        m.keyring.extend(read_ring(k, "keyring ([verify.pgp] keyrings)")?);
    }
    if let Some(meta_path) = &pgp.gradle {
        let text = std::fs::read_to_string(meta_path)
            .map_err(|e| format!("cannot read [verify.pgp] gradle {}: {e}", meta_path.display()))?;
        let meta = crate::ecosystem::maven::verification::parse_verification_metadata_full(&text, meta_path)
            .map_err(|e| e.to_string())?;
        let dir = meta_path.parent().unwrap_or(Path::new("."));
        let ring =
            ["verification-keyring.keys", "verification-keyring.gpg"].iter().map(|n| dir.join(n)).find(|p| p.is_file());
        match ring {
            Some(r) => m.keyring.extend(read_ring(&r, "Gradle keyring")?),
            None if !meta.trusted_keys.is_empty() => {
                return Err(format!(
                    "{} trusts keys but no verification-keyring.keys (or .gpg) is beside it; export it with `./gradlew --write-verification-metadata pgp,sha256 --export-keys`",
                    meta_path.display()
                ));
            }
            None => {}
        }
        m.gradle = Some((meta, display(meta_path)));
    }
    for (name, key) in upstream_keys {
        let ring = read_ring(key, &format!("pgp_key of upstream `{name}`"))?;
        m.upstream_keys.insert(name.clone(), ring.fingerprints().into_iter().collect());
        m.keyring.extend(ring);
    }
    for rule in &pgp.trust {
        m.rules.push((rule.packages.clone(), rule.fingerprints.clone(), "[[verify.pgp.trust]]".to_string()));
    }
    for w in &m.keyring.warnings {
        tracing::warn!("OpenPGP keyring: {w}");
    }
    Ok(Some(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_errors_never_quote_the_value() {
        let both = signing_key_from(|_| Some("not-a-key-value".into())).unwrap_err().to_string();
        assert!(both.contains("both are set") && !both.contains("not-a-key-value"), "{both}");
        assert!(signing_key_from(|_| Some("  ".into())).unwrap().is_none());
    }
}
