//! `pdm.lock` (`lock_version` 4.x, pdm 2): every `[[package]]`.
//!
//! Owns: reading pdm's lock (and, when given, the `pyproject.toml` beside it) into
//! coordinates. Must not: open files or evaluate markers (a package locked for another
//! platform or Python is reported like any other).
//!
//! Format notes (as pdm 2.x writes it):
//! - `[metadata]`: `groups` (the locked groups: `default`, dependency groups, extras),
//!   `lock_version`, `content_hash`; `[[metadata.targets]]`.
//! - `[[package]]`: `name`, `version`, `groups` (the groups that need it), `dependencies`,
//!   `marker`, and `files = [{file = "x.whl", hash = "sha256:…"}]` (`url` instead of
//!   `file` for a file not on the index). A package needed with an extra has a second
//!   entry with `extras = ["socks"]`: the same coordinate, merged.
//! - Sources: `git` + `revision` (+ `ref`, `subdirectory`) → [`SourceKind::Git`]
//!   (`git+<url>@<revision>`); `path` → [`SourceKind::Link`] when `editable = true`,
//!   else [`SourceKind::File`]; `url` → [`SourceKind::Tarball`]; otherwise the index.
//!   Older locks (`lock_version` < 4.1) keep files in `[metadata.files]` under
//!   `"name version"`.
//!
//! Flags need the pyproject: direct = named by `[project] dependencies`,
//! `[project.optional-dependencies]`, `[dependency-groups]` or
//! `[tool.pdm.dev-dependencies]`; dev = in none of `default` and the optional groups, only
//! in dependency groups; optional = not in `default`, in an optional group. Without a
//! pyproject every package is direct and none dev or optional.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::DeTable;

use super::common::{
    TomlDoc, dedupe, get, get_array, get_bool, get_str, get_table, locked_file, parse_toml, split_hash, str_items,
    table_items,
};
use super::normalize_name;
use super::requirements::requirement_name;
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind};

const HELP: &str = "regenerate it with `pdm lock -G :all` (pdm 2)";

/// Parses `pdm.lock`; `pyproject` is the `pyproject.toml` beside it, when there is one.
pub fn parse_pdm_lock(text: &str, path: &Path, pyproject: Option<&str>) -> Result<Vec<Coordinate>, LockfileError> {
    let root = parse_toml(text, path, "pdm.lock", HELP)?;
    let doc = TomlDoc { text, path, help: HELP };
    let Some(meta) = get_table(&root, "metadata") else {
        return Err(LockfileError::new(path, 1, "not a pdm.lock: there is no [metadata]", HELP));
    };
    match get(meta, "lock_version") {
        Some(v) if v.get_ref().as_str().is_some_and(|s| s.split('.').next() == Some("4")) => {}
        Some(v) => {
            return Err(LockfileError::new(
                path,
                doc.line(&v.span()),
                "unsupported pdm.lock lock_version: depgate reads 4.x (pdm 2)",
                format!("{HELP}; if pdm wrote this version, depgate needs an update"),
            ));
        }
        None => return Err(doc.error(&(0..0), "not a pdm.lock: [metadata] has no `lock_version`")),
    }
    let manifest = match pyproject {
        Some(t) => Some(Manifest::read(t, &path.with_file_name("pyproject.toml"))?),
        None => None,
    };
    // lock_version < 4.1: files in [metadata.files], keyed "name version".
    let old_files: BTreeMap<String, &toml::de::DeArray<'_>> = get_table(meta, "files")
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.get_ref().to_string(), v.get_ref().as_array()?)))
        .collect();

    let mut out = Vec::new();
    for t in table_items(get_array(&root, "package")) {
        let Some(name_v) = get(t, "name") else {
            let span = t.iter().next().map_or(0..0, |(k, _)| k.span());
            return Err(doc.error(&span, "a [[package]] has no `name`"));
        };
        let line = doc.line(&name_v.span());
        let err = |m: String| LockfileError::new(path, line, m, HELP);
        let name = name_v.get_ref().as_str().ok_or_else(|| err("`name` is not a string".into()))?;
        let Some(version) = get_str(t, "version") else {
            return Err(err(format!("package `{name}` has no `version`")));
        };
        let mut c = Coordinate::new(Ecosystem::Pypi, name, version, path, line);
        c.source = if let Some(url) = get_str(t, "git") {
            let at = get_str(t, "revision").or_else(|| get_str(t, "ref"));
            let url = if url.starts_with("git+") { url.to_string() } else { format!("git+{url}") };
            SourceKind::Git(at.map_or_else(|| url.clone(), |r| format!("{url}@{r}")))
        } else if let Some(p) = get_str(t, "path") {
            if get_bool(t, "editable") { SourceKind::Link(p.to_string()) } else { SourceKind::File(p.to_string()) }
        } else if let Some(url) = get_str(t, "url") {
            SourceKind::Tarball(url.to_string())
        } else {
            SourceKind::Registry
        };
        let own = get_array(t, "files").or_else(|| old_files.get(&format!("{name} {version}")).copied());
        // An index package without files is reported as it is: it has nothing to check
        // against, which policy sees.
        c.files = files(table_items(own));
        let groups: BTreeSet<&str> = str_items(get_array(t, "groups")).collect();
        if let Some(m) = &manifest {
            c.direct = m.direct.contains(&normalize_name(name));
            let required = groups.contains("default");
            let optional = groups.iter().any(|g| m.optional_groups.contains(*g));
            c.optional = !required && optional;
            c.dev = !required && !optional && !groups.is_empty();
        } else {
            c.direct = true;
        }
        out.push(c);
    }
    Ok(dedupe(out))
}

fn files<'a>(items: impl Iterator<Item = &'a DeTable<'a>>) -> Vec<LockedFile> {
    items
        .map(|f| {
            let hashes = get_str(f, "hash").and_then(split_hash).into_iter().collect();
            locked_file(get_str(f, "file"), get_str(f, "url"), hashes)
        })
        .collect()
}

/// What the pyproject beside the lock declares.
struct Manifest {
    /// Normalized names the project names itself.
    direct: BTreeSet<String>,
    /// `[project.optional-dependencies]` group names (extras).
    optional_groups: BTreeSet<String>,
}

impl Manifest {
    fn read(text: &str, path: &Path) -> Result<Self, LockfileError> {
        let root = parse_toml(text, path, "pyproject.toml", "fix the pyproject.toml beside the lockfile")?;
        let mut direct = BTreeSet::new();
        let mut optional_groups = BTreeSet::new();
        let mut add = |items: Option<&toml::de::DeArray<'_>>| {
            for r in str_items(items) {
                if let Some(n) = declared_name(r) {
                    direct.insert(normalize_name(n));
                }
            }
        };
        let project = get_table(&root, "project");
        add(project.and_then(|p| get_array(p, "dependencies")));
        for (k, v) in project.and_then(|p| get_table(p, "optional-dependencies")).into_iter().flatten() {
            optional_groups.insert(k.get_ref().to_string());
            add(v.get_ref().as_array());
        }
        let pdm_dev =
            get_table(&root, "tool").and_then(|t| get_table(t, "pdm")).and_then(|p| get_table(p, "dev-dependencies"));
        for (_, v) in get_table(&root, "dependency-groups").into_iter().flatten().chain(pdm_dev.into_iter().flatten()) {
            add(v.get_ref().as_array());
        }
        Ok(Self { direct, optional_groups })
    }
}

/// The name a pyproject requirement names: PEP 508 (`requests[socks]>=2`), or pdm's
/// `-e <path or URL>` (the last path segment, or `#egg=`).
fn declared_name(req: &str) -> Option<&str> {
    let req = req.trim();
    let Some(target) = req.strip_prefix("-e").map(str::trim) else {
        return requirement_name(req);
    };
    if let Some((_, egg)) = target.split_once("#egg=") {
        return requirement_name(egg);
    }
    let target = target.split(['#', '?']).next().unwrap_or_default().trim_end_matches('/');
    target.rsplit('/').next().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, pyproject: Option<&str>) -> Result<Vec<Coordinate>, LockfileError> {
        parse_pdm_lock(text, Path::new("pdm.lock"), pyproject)
    }

    const LOCK: &str = r#"[metadata]
groups = ["default", "dev", "yaml"]
lock_version = "4.5.0"

[[package]]
name = "Requests"
version = "2.0"
groups = ["default"]
files = [{file = "requests-2.0-py3-none-any.whl", hash = "sha256:00ff"}]

[[package]]
name = "requests"
version = "2.0"
extras = ["socks"]
groups = ["default"]
files = [{file = "requests-2.0.tar.gz", hash = "sha256:11ee"}]

[[package]]
name = "pytest"
version = "8.0"
groups = ["dev"]
files = [{url = "https://h/pytest-8.0-py3-none-any.whl", hash = "sha256:aa"}]

[[package]]
name = "pyyaml"
version = "6.0"
groups = ["yaml"]
files = [{file = "pyyaml-6.0.tar.gz", hash = "sha256:bb"}]

[[package]]
name = "g"
version = "1.0"
git = "https://h/g.git"
ref = "v1"
revision = "abc"
groups = ["default"]

[[package]]
name = "local"
version = "0.1"
path = "./local"
editable = true
groups = ["dev"]
"#;

    const PYPROJECT: &str = r#"[project]
dependencies = ["requests[socks]>=2", "g @ git+https://h/g.git@v1"]
[project.optional-dependencies]
yaml = ["PyYAML"]
[dependency-groups]
dev = ["pytest>=8", "-e file:///${PROJECT_ROOT}/local"]
"#;

    #[test]
    fn sources_files_and_flags() {
        let c = p(LOCK, Some(PYPROJECT)).unwrap();
        assert_eq!(c.len(), 5, "the extras entry merges into requests");
        let get = |n: &str| c.iter().find(|c| normalize_name(&c.name) == n).unwrap();
        let r = get("requests");
        assert_eq!(r.files.len(), 2);
        assert!(r.direct && !r.dev && !r.optional);
        assert_eq!(r.line, 6);
        let t = get("pytest");
        assert!(t.dev && t.direct && !t.optional);
        assert_eq!(t.files[0].name.as_deref(), Some("pytest-8.0-py3-none-any.whl"));
        assert!(get("pyyaml").optional && !get("pyyaml").dev);
        assert_eq!(get("g").source, SourceKind::Git("git+https://h/g.git@abc".into()));
        assert_eq!(get("local").source, SourceKind::Link("./local".into()));
        assert!(get("local").direct && get("local").dev);

        let bare = p(LOCK, None).unwrap();
        assert!(bare.iter().all(|c| c.direct && !c.dev && !c.optional));
    }

    #[test]
    fn old_metadata_files_and_errors() {
        let old = "[metadata]\nlock_version = \"4.0\"\n\n[[package]]\nname = \"six\"\nversion = \"1.0\"\n\n[metadata.files]\n\"six 1.0\" = [{url = \"https://h/six-1.0.tar.gz\", hash = \"sha256:ab\"}]\n";
        let c = p(old, None).unwrap();
        assert_eq!(c[0].files[0].hashes["sha256"], "ab");

        let e = p("[metadata]\nlock_version = \"3.1\"\n", None).unwrap_err();
        assert_eq!(e.line, 2);
        let c = p("[metadata]\nlock_version = \"4.5\"\n[[package]]\nname = \"x\"\nversion = \"1\"\n", None).unwrap();
        assert!(c[0].files.is_empty() && c[0].source.is_registry());
        assert!(p("[metadata]\nlock_version = \"4.5\"\n[[package]]\nname = \"x\"\n", None).is_err());
        assert!(p("x = 1\n", None).is_err());
        assert!(p("[metadata\n", None).is_err());
        let e = p(LOCK, Some("[project\n")).unwrap_err();
        assert!(e.file.ends_with("pyproject.toml"));
    }

    #[test]
    fn declared_names() {
        assert_eq!(declared_name("requests[socks]>=2"), Some("requests"));
        assert_eq!(declared_name("-e file:///${PROJECT_ROOT}/local/localpkg"), Some("localpkg"));
        assert_eq!(declared_name("-e ./pkgs/a/#egg=b"), Some("b"));
        assert_eq!(declared_name("-e ./pkgs/a/"), Some("a"));
    }
}
