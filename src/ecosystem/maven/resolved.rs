//! depgate's resolved-artifact list (`depgate.resolved/v1`, documented in
//! `docs/resolved-list.md`): what a build resolved, file by file, as depgate's Gradle plugin
//! writes it.
//!
//! Strict on types (a known field with the wrong JSON type is an error naming the artifact's
//! line), lenient on unknown fields (ignored, so later writers can add some). Each artifact
//! becomes one [`Coordinate`] with one [`LockedFile`]: `file`, `sha256`, and the file's URL
//! when `repository` is given. The same artifact listed twice is merged (configurations
//! joined, `direct` if either says so); two different `sha256` or `file` values for it are
//! an error.
//!
//! Owns: reading this format. Must not: open files, or accept a newer major format silently.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::{artifact_path, hex_digest, is_test_configuration};
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, line_of_offset};

/// The `format` value this parser reads.
pub const FORMAT: &str = "depgate.resolved/v1";

const HELP: &str = "regenerate it with the depgate Gradle plugin; the format is described in docs/resolved-list.md";

/// Parses a `depgate.resolved/v1` document.
pub fn parse_resolved_list(text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| LockfileError::new(path, e.line(), format!("not a valid resolved list: {e}"), HELP))?;
    let whole = |message: String| LockfileError::new(path, 1, message, HELP);
    let Some(top) = root.as_object() else {
        return Err(whole("not a resolved list: the top level is not a JSON object".into()));
    };
    match top.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(Value::String(f)) if f.starts_with("depgate.resolved/") => {
            return Err(LockfileError::new(
                path,
                1,
                format!("resolved list format `{f}` is not one this depgate reads ({FORMAT})"),
                "update depgate, or use the plugin version that matches it",
            ));
        }
        Some(other) => return Err(whole(format!("`format` is {other}, not \"{FORMAT}\""))),
        None => return Err(whole(format!("not a resolved list: there is no `format` (\"{FORMAT}\")"))),
    }
    if let Some(tool) = top.get("tool").filter(|t| !t.is_null() && !t.is_string()) {
        return Err(whole(format!("`tool` must be a string, not {tool}")));
    }
    let Some(artifacts) = top.get("artifacts") else {
        return Err(whole("not a resolved list: there is no `artifacts` array".into()));
    };
    let Some(artifacts) = artifacts.as_array() else {
        return Err(whole("`artifacts` must be an array".into()));
    };
    let offsets = artifact_offsets(text);
    let mut out: Vec<Coordinate> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, value) in artifacts.iter().enumerate() {
        let line = offsets.get(i).map_or(0, |&o| line_of_offset(text, o));
        let err = |message: String| LockfileError::new(path, line, format!("artifact #{}: {message}", i + 1), HELP);
        let Some(obj) = value.as_object() else {
            return Err(err(format!("must be an object, not {value}")));
        };
        let a = Artifact::read(obj).map_err(err)?;
        let name = format!("{}:{}", a.group, a.name);
        let Some(rel) = artifact_path(&name, &a.version, a.classifier.as_deref(), &a.extension) else {
            return Err(err(format!(
                "`{name}:{}` is not a usable Maven coordinate (empty parts, `/`, `\\`, `..`)",
                a.version
            )));
        };
        let key = format!("{name}:{}:{}:{}", a.version, a.classifier.as_deref().unwrap_or(""), a.extension);
        if let Some(&at) = index.get(&key) {
            merge(&mut out[at], &a).map_err(err)?;
            continue;
        }
        let mut c = Coordinate::new(Ecosystem::Maven, name, a.version.clone(), path, line);
        c.classifier.clone_from(&a.classifier);
        c.extension = Some(a.extension.clone());
        c.direct = a.direct;
        c.dev = !a.configurations.is_empty() && a.configurations.iter().all(|c| is_test_configuration(c));
        let url = match (&a.repository, &a.file) {
            (Some(repo), Some(file)) => {
                let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
                Some(format!("{}/{dir}/{file}", repo.trim_end_matches('/')))
            }
            _ => None,
        };
        c.resolved.clone_from(&url);
        if a.file.is_some() || a.sha256.is_some() || url.is_some() {
            let mut hashes = BTreeMap::new();
            if let Some(s) = &a.sha256 {
                hashes.insert("sha256".to_string(), s.clone());
            }
            c.files.push(LockedFile { name: a.file.clone(), url, hashes });
        }
        index.insert(key, out.len());
        out.push(c);
    }
    Ok(out)
}

fn merge(c: &mut Coordinate, a: &Artifact) -> Result<(), String> {
    c.direct |= a.direct;
    // Listed again with other configurations: dev only if this listing is test-only too.
    let dev_here = !a.configurations.is_empty() && a.configurations.iter().all(|c| is_test_configuration(c));
    c.dev &= dev_here;
    let Some(file) = c.files.first_mut() else {
        if a.sha256.is_some() || a.file.is_some() {
            c.files.push(LockedFile {
                name: a.file.clone(),
                url: None,
                hashes: a.sha256.iter().map(|s| ("sha256".to_string(), s.clone())).collect(),
            });
        }
        return Ok(());
    };
    if let Some(s) = &a.sha256 {
        match file.hashes.get("sha256") {
            Some(old) if old != s => return Err(format!("listed twice with different sha256 ({old} and {s})")),
            Some(_) => {}
            None => {
                file.hashes.insert("sha256".to_string(), s.clone());
            }
        }
    }
    match (&file.name, &a.file) {
        (Some(old), Some(new)) if old != new => Err(format!("listed twice with different files ({old} and {new})")),
        (None, Some(new)) => {
            file.name = Some(new.clone());
            Ok(())
        }
        _ => Ok(()),
    }
}

/// One entry of `artifacts`, types checked.
struct Artifact {
    group: String,
    name: String,
    version: String,
    classifier: Option<String>,
    extension: String,
    sha256: Option<String>,
    file: Option<String>,
    repository: Option<String>,
    configurations: Vec<String>,
    direct: bool,
}

impl Artifact {
    fn read(obj: &Map<String, Value>) -> Result<Self, String> {
        let opt_str = |key: &str| -> Result<Option<String>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(other) => Err(format!("`{key}` must be a string, not {other}")),
            }
        };
        let req_str = |key: &str| opt_str(key)?.ok_or_else(|| format!("`{key}` is missing or empty"));
        let sha256 = match opt_str("sha256")? {
            Some(s) => Some(hex_digest("sha256", &s).ok_or_else(|| format!("`sha256` `{s}` is not 64 hex digits"))?),
            None => None,
        };
        let file = opt_str("file")?;
        if let Some(f) = file.as_deref().filter(|f| f.contains(['/', '\\']) || *f == "." || *f == "..") {
            return Err(format!("`file` must be a file name, not a path: `{f}`"));
        }
        let repository = opt_str("repository")?;
        if let Some(r) = &repository {
            let scheme_ok = ["https://", "http://", "file:"].iter().any(|s| r.starts_with(s));
            if !scheme_ok || r.contains(char::is_whitespace) {
                return Err(format!("`repository` must be an http(s) or file URL, not `{r}`"));
            }
        }
        let configurations = match obj.get("configurations") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                    other => Err(format!("`configurations` must hold configuration names, not {other}")),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("`configurations` must be an array of strings, not {other}")),
        };
        let direct = match obj.get("direct") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("`direct` must be true or false, not {other}")),
        };
        Ok(Self {
            group: req_str("group")?,
            name: req_str("name")?,
            version: req_str("version")?,
            classifier: opt_str("classifier")?,
            extension: req_str("extension")?,
            sha256,
            file,
            repository,
            configurations,
            direct,
        })
    }
}

/// Byte offsets of the elements of the top-level `artifacts` array, in order. The text is
/// valid JSON (`serde_json` read it first), so a small scanner is enough.
fn artifact_offsets(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut last_key: Option<&str> = None; // last string seen at depth 1
    let mut in_artifacts = false;
    let mut expect_element = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if in_artifacts && depth == 2 && expect_element && c != b']' {
            out.push(i);
            expect_element = false;
        }
        match c {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 {
                    last_key = text.get(start..i.min(b.len()));
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 2 && c == b'[' && last_key == Some("artifacts") {
                    in_artifacts = true;
                    expect_element = true;
                }
            }
            b'}' | b']' => {
                if depth == 2 && in_artifacts {
                    in_artifacts = false;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if in_artifacts && depth == 2 => expect_element = true,
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "873a606e23507969f9bbbea939d5e19274a88775ea5a169ba7e2d795aa5156e1";

    fn parse(text: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_resolved_list(text, Path::new("depgate-resolved.json"))
    }

    #[test]
    fn reads_and_merges() {
        let text = format!(
            r#"{{"format": "depgate.resolved/v1", "future": {{"artifacts": [1]}}, "artifacts": [
  {{"group": "g", "name": "a", "version": "1", "extension": "jar", "sha256": "{}", "file": "a-1.jar",
    "repository": "https://repo.example/maven2/", "configurations": ["testRuntimeClasspath"], "x": 1}},
  {{"group": "g", "name": "a", "version": "1", "classifier": "linux", "extension": "jar"}},
  {{"group": "g", "name": "a", "version": "1", "extension": "jar", "configurations": ["runtimeClasspath"], "direct": true}}
]}}"#,
            SHA.to_uppercase()
        );
        let got = parse(&text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].line, 2);
        assert_eq!(got[1].line, 4);
        assert!(got[0].direct && !got[0].dev);
        assert_eq!(got[0].files[0].hashes["sha256"], SHA);
        assert_eq!(got[0].files[0].url.as_deref(), Some("https://repo.example/maven2/g/a/1/a-1.jar"));
        assert_eq!(got[1].classifier.as_deref(), Some("linux"));
        assert!(got[1].files.is_empty());
    }

    #[test]
    fn strict_on_types_and_format() {
        let art = |fields: &str| format!("{{\"format\": \"{FORMAT}\", \"artifacts\": [\n{{{fields}}}]}}");
        let base = "\"group\": \"g\", \"name\": \"a\", \"version\": \"1\", \"extension\": \"jar\"";
        for bad in [
            art("\"group\": \"g\", \"name\": \"a\", \"version\": \"1\""),
            art(&format!("{base}, \"sha256\": \"abc\"")),
            art(&format!("{base}, \"direct\": \"yes\"")),
            art(&format!("{base}, \"configurations\": \"compile\"")),
            art(&format!("{base}, \"file\": \"../x.jar\"")),
            art(&format!("{base}, \"repository\": \"ftp://x\"")),
            art("\"group\": \"g\", \"name\": \"..\", \"version\": \"1\", \"extension\": \"jar\""),
            art("\"group\": 1, \"name\": \"a\", \"version\": \"1\", \"extension\": \"jar\""),
        ] {
            let e = parse(&bad).unwrap_err();
            assert_eq!(e.line, 2, "{bad}: {e}");
        }
        assert!(parse("{\"format\": \"depgate.resolved/v2\", \"artifacts\": []}").unwrap_err().message.contains("v2"));
        assert!(parse("{\"artifacts\": []}").is_err());
        assert_eq!(parse("{\n\"format\": \"depgate.resolved/v1\",\n\"artifacts\": [\n}").unwrap_err().line, 4);
        assert!(parse(&format!("{{\"format\": \"{FORMAT}\", \"artifacts\": []}}")).unwrap().is_empty());
    }
}
