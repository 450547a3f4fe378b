//! `Pipfile.lock` (pipenv, `pipfile-spec` 6): the `default` and `develop` sections.
//!
//! Owns: reading pipenv's JSON lock (and, when given, the `Pipfile` beside it) into
//! coordinates. Must not: open files or evaluate `markers`. `_meta.sources` (the
//! indexes) is not used: the chain in depgate.toml decides where packages come from.
//!
//! - Entries: `version = "==1.2"` with `hashes = ["sha256:…"]` (one [`LockedFile`] each,
//!   no name); `git` + `ref` → [`SourceKind::Git`] (`git+<url>@<ref>`); `path` or `file`
//!   → [`SourceKind::Link`] when `editable`, else [`SourceKind::File`] (a `file` URL on
//!   http(s) → [`SourceKind::Tarball`]).
//! - dev: only in `develop`. A package in both sections is reported once, not dev.
//! - direct: named in the Pipfile's `[packages]` / `[dev-packages]`
//!   ([`parse_pipfile_lock_with_pipfile`]). The lock alone cannot tell (its `index` key is
//!   written for some direct entries only), so without the Pipfile every entry is direct.
//! - optional: pipenv has no optional packages; always `false`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::common::{dedupe, split_hash};
use super::normalize_name;
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind, line_of_offset};

const HELP: &str = "regenerate it with `pipenv lock`";

/// Parses `Pipfile.lock`; every entry is direct (see the module docs).
pub fn parse_pipfile_lock(text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    parse_pipfile_lock_with_pipfile(text, path, None)
}

/// Parses `Pipfile.lock` with the `Pipfile` beside it, which tells direct dependencies.
pub fn parse_pipfile_lock_with_pipfile(
    text: &str,
    path: &Path,
    pipfile: Option<&str>,
) -> Result<Vec<Coordinate>, LockfileError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        let line = if e.line() == 0 { 1 } else { e.line() };
        LockfileError::new(path, line, format!("not a valid Pipfile.lock: {e}"), HELP)
    })?;
    let Some(top) = doc.as_object() else {
        return Err(LockfileError::new(path, 1, "not a Pipfile.lock: the top level is not a JSON object", HELP));
    };
    if !top.contains_key("default") && !top.contains_key("develop") {
        return Err(LockfileError::new(path, 1, "not a Pipfile.lock: there is no `default` or `develop`", HELP));
    }
    let declared = match pipfile {
        Some(p) => Some(declared_names(p, &path.with_file_name("Pipfile"))?),
        None => None,
    };
    let lines = KeyLines::scan(text);
    let default_names: BTreeSet<String> =
        top.get("default").and_then(Value::as_object).into_iter().flatten().map(|(k, _)| normalize_name(k)).collect();
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        let Some(entries) = top.get(section) else { continue };
        let Some(entries) = entries.as_object() else {
            return Err(LockfileError::new(
                path,
                lines.line(section, None),
                format!("`{section}` is not an object"),
                HELP,
            ));
        };
        for (name, entry) in entries {
            let line = lines.line(section, Some(name));
            let Some(entry) = entry.as_object() else {
                return Err(LockfileError::new(path, line, format!("entry `{name}` is not an object"), HELP));
            };
            let mut coord = entry_coordinate(name, entry, path, line)?;
            coord.dev = section == "develop" && !default_names.contains(&normalize_name(name));
            coord.direct = declared.as_ref().is_none_or(|d| d.contains(&normalize_name(name)));
            out.push(coord);
        }
    }
    Ok(dedupe(out))
}

fn entry_coordinate(name: &str, e: &Map<String, Value>, path: &Path, line: usize) -> Result<Coordinate, LockfileError> {
    let s = |k: &str| e.get(k).and_then(Value::as_str);
    let editable = e.get("editable").and_then(Value::as_bool).unwrap_or(false);
    let (version, source) = if let Some(git) = s("git") {
        let url = if git.starts_with("git+") { git.to_string() } else { format!("git+{git}") };
        let loc = s("ref").map_or_else(|| url.clone(), |r| format!("{url}@{r}"));
        (loc.clone(), SourceKind::Git(loc))
    } else if let Some(local) = s("path").or_else(|| s("file")) {
        let source = if local.starts_with("http://") || local.starts_with("https://") {
            SourceKind::Tarball(local.to_string())
        } else if editable {
            SourceKind::Link(local.to_string())
        } else {
            SourceKind::File(local.to_string())
        };
        (local.to_string(), source)
    } else if let Some(v) = s("version") {
        let pinned = v.strip_prefix("===").or_else(|| v.strip_prefix("==")).map(str::trim);
        let Some(pinned) = pinned.filter(|p| !p.is_empty() && !p.contains(['<', '>', ',', '*'])) else {
            return Err(LockfileError::new(
                path,
                line,
                format!("`{name}` is locked as `{v}`, not as one version"),
                HELP,
            ));
        };
        (pinned.to_string(), SourceKind::Registry)
    } else {
        return Err(LockfileError::new(
            path,
            line,
            format!("`{name}` has no `version`, `git`, `path` or `file`"),
            HELP,
        ));
    };
    let mut coord = Coordinate::new(Ecosystem::Pypi, name, version, path, line);
    coord.source = source;
    for h in e.get("hashes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let Some((alg, hex)) = split_hash(h) else {
            return Err(LockfileError::new(path, line, format!("`{name}` has a malformed hash `{h}`"), HELP));
        };
        coord.files.push(LockedFile { name: None, url: None, hashes: [(alg, hex)].into_iter().collect() });
    }
    Ok(coord)
}

/// Normalized names in the Pipfile's `[packages]` and `[dev-packages]`.
fn declared_names(pipfile: &str, path: &Path) -> Result<BTreeSet<String>, LockfileError> {
    let root = super::common::parse_toml(pipfile, path, "Pipfile", "fix the Pipfile beside the lockfile")?;
    Ok(["packages", "dev-packages"]
        .into_iter()
        .filter_map(|s| super::common::get_table(&root, s))
        .flat_map(|t| t.iter().map(|(k, _)| normalize_name(k.get_ref())))
        .collect())
}

/// Line numbers of the keys of the top-level sections' objects, found by walking the
/// JSON text (`serde_json` does not keep positions).
struct KeyLines {
    /// (section, key or `None` for the section itself, line).
    entries: Vec<(String, Option<String>, usize)>,
}

impl KeyLines {
    fn scan(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut entries = Vec::new();
        let mut depth = 0usize;
        let mut section: Option<String> = None;
        let mut i = 0;
        // Whether the next string at this depth is a key (objects only).
        let mut expect_key = false;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => {
                    depth += 1;
                    expect_key = true;
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                b'[' => {
                    depth += 1;
                    expect_key = false;
                }
                b',' => expect_key = true,
                b':' => expect_key = false,
                b'"' => {
                    let start = i;
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    let s = text.get(start + 1..i.min(bytes.len())).unwrap_or_default();
                    if expect_key {
                        let line = line_of_offset(text, start);
                        if depth == 1 {
                            section = Some(s.to_string());
                            entries.push((s.to_string(), None, line));
                        } else if depth == 2
                            && let Some(sec) = &section
                        {
                            entries.push((sec.clone(), Some(s.to_string()), line));
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Self { entries }
    }

    fn line(&self, section: &str, key: Option<&str>) -> usize {
        self.entries
            .iter()
            .find(|(s, k, _)| s == section && k.as_deref() == key)
            .or_else(|| self.entries.iter().find(|(s, k, _)| s == section && k.is_none()))
            .map_or(0, |(_, _, l)| *l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
    "_meta": {"hash": {"sha256": "x"}, "pipfile-spec": 6, "sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
    "default": {
        "requests": {"hashes": ["sha256:AA", "sha256:bb"], "version": "==2.31.0", "extras": ["socks"]},
        "gitdep": {"git": "https://example.com/gitdep.git", "ref": "abc123"},
        "shared": {"version": "==1.0", "hashes": []}
    },
    "develop": {
        "shared": {"version": "==1.0", "hashes": []},
        "localpkg": {"editable": true, "path": "./local/localpkg"},
        "pytest": {"version": "==8.0.0", "index": "pypi", "markers": "python_version >= '3.8'"}
    }
}"#;

    #[test]
    fn sections_sources_and_lines() {
        let c = parse_pipfile_lock(LOCK, Path::new("Pipfile.lock")).unwrap();
        assert_eq!(c.len(), 5);
        let find = |n: &str| c.iter().find(|c| c.name == n).unwrap();
        let requests = find("requests");
        assert_eq!((requests.version.as_str(), requests.line, requests.files.len()), ("2.31.0", 4, 2));
        assert_eq!(requests.files[0].hashes["sha256"], "aa");
        assert_eq!(find("gitdep").source, SourceKind::Git("git+https://example.com/gitdep.git@abc123".into()));
        assert!(!find("shared").dev, "in default too");
        assert_eq!(find("localpkg").source, SourceKind::Link("./local/localpkg".into()));
        assert!(find("pytest").dev && find("localpkg").dev);
        assert_eq!(find("pytest").line, 11);
        assert!(c.iter().all(|c| c.direct));

        let c = parse_pipfile_lock_with_pipfile(
            LOCK,
            Path::new("Pipfile.lock"),
            Some("[packages]\nrequests = \"*\"\n[dev-packages]\nPyTest = \"*\"\n"),
        )
        .unwrap();
        let direct: BTreeSet<&str> = c.iter().filter(|c| c.direct).map(|c| c.name.as_str()).collect();
        assert_eq!(direct, BTreeSet::from(["requests", "pytest"]));
    }

    #[test]
    fn malformed() {
        let e = parse_pipfile_lock("{\n  \"default\": {\n    \"a\": {\"version\": \"==1\"", Path::new("P.lock"))
            .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e =
            parse_pipfile_lock("{\"default\": {\n\"a\": {\"version\": \">=1\"}}}", Path::new("P.lock")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not as one version"));
        assert!(parse_pipfile_lock("[]", Path::new("P.lock")).is_err());
        assert!(parse_pipfile_lock("{}", Path::new("P.lock")).is_err());
        assert!(parse_pipfile_lock("{\"default\": {\"a\": 1}}", Path::new("P.lock")).is_err());
        assert!(parse_pipfile_lock("{\"default\": {\"a\": {}}}", Path::new("P.lock")).is_err());
        assert!(
            parse_pipfile_lock(
                "{\"default\": {\"a\": {\"version\": \"==1\", \"hashes\": [\"md5\"]}}}",
                Path::new("P.lock")
            )
            .is_err()
        );
        // Key scanning never panics on odd text.
        let _ = KeyLines::scan("{\"a\\");
        let _ = KeyLines::scan("}}]]\"");
    }
}
