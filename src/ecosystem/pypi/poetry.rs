//! `poetry.lock`, lock-version 1.x (poetry ≤ 1.2: `category`, `[metadata.files]`) and 2.x
//! (poetry 1.3+: `files` per package; 2.1 from poetry 2: `groups`, per-group `markers`).
//!
//! Owns: reading poetry's lock (and, when given, the `pyproject.toml` beside it) into
//! coordinates. Must not: open files, evaluate markers or python-version ranges (every
//! locked package is reported, whatever platform it is for).
//!
//! Flags:
//! - direct: the package is named in the pyproject (`[tool.poetry.dependencies]`,
//!   `[tool.poetry.dev-dependencies]`, `[tool.poetry.group.*.dependencies]`, PEP 621
//!   `[project] dependencies` / `optional-dependencies`, PEP 735 `[dependency-groups]`).
//!   Without a pyproject the lock cannot tell, and every package is direct.
//! - dev: not in the `main` group (2.1 `groups`), `category = "dev"` (1.x, 2.0 from
//!   poetry ≤ 1.4); for 2.0 locks without either (poetry 1.5–1.8), a package the main
//!   dependencies do not reach through the lock's dependency tables (needs the pyproject;
//!   without it nothing is dev).
//! - optional: `optional = true` (installed only for an extra of the project).
//!
//! Sources: `[package.source]` `git` → [`SourceKind::Git`] (`git+<url>@<commit>`),
//! `directory` → [`SourceKind::Link`] when `develop = true` else [`SourceKind::File`],
//! `file` → [`SourceKind::File`], `url` → [`SourceKind::Tarball`]; `legacy` (a PEP 503
//! index other than `PyPI`) is a registry, its URL kept in `resolved`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::DeTable;

use super::common::{
    TomlDoc, dedupe, get, get_array, get_bool, get_str, get_table, locked_file, parse_toml, split_hash, str_items,
    table_items,
};
use super::normalize_name;
use super::requirements::requirement_name;
use super::simple::version_from_filename;
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind};

const HELP: &str = "regenerate it with `poetry lock` (poetry 1.x or 2.x)";

/// Parses `poetry.lock`; `pyproject` is the `pyproject.toml` beside it, when there is one
/// (it tells direct dependencies; see the module docs).
pub fn parse_poetry_lock(text: &str, path: &Path, pyproject: Option<&str>) -> Result<Vec<Coordinate>, LockfileError> {
    let root = parse_toml(text, path, "poetry.lock", HELP)?;
    let doc = TomlDoc { text, path, help: HELP };
    let lock_version = get_table(&root, "metadata").and_then(|m| get_str(m, "lock-version"));
    if let Some(v) = lock_version
        && !(v.starts_with("1.") || v.starts_with("2."))
    {
        let span = get_table(&root, "metadata").and_then(|m| get(m, "lock-version")).map_or(0..0, toml::Spanned::span);
        return Err(LockfileError::new(
            path,
            doc.line(&span),
            format!("unsupported poetry lock-version {v}: depgate reads 1.x and 2.x"),
            format!("{HELP}; if poetry wrote this version, depgate needs an update"),
        ));
    }
    if get(&root, "package").is_none() && get(&root, "metadata").is_none() {
        return Err(LockfileError::new(path, 1, "not a poetry.lock: there is no [[package]] or [metadata]", HELP));
    }
    let manifest = match pyproject {
        Some(t) => Some(Manifest::read(t, &path.with_file_name("pyproject.toml"))?),
        None => None,
    };
    // lock-version 1.x: files of every package under [metadata.files], by name.
    let metadata_files = get_table(&root, "metadata").and_then(|m| get_table(m, "files"));

    let packages: Vec<&DeTable<'_>> = table_items(get_array(&root, "package")).collect();
    let mut out = Vec::with_capacity(packages.len());
    for pkg in &packages {
        let Some(name_v) = get(pkg, "name") else {
            return Err(doc.error(&span_of_table(pkg), "a [[package]] has no `name`"));
        };
        let line = doc.line(&name_v.span());
        let Some(name) = name_v.get_ref().as_str() else {
            return Err(LockfileError::new(path, line, "`name` is not a string", HELP));
        };
        let Some(version) = get_str(pkg, "version") else {
            return Err(LockfileError::new(path, line, format!("package `{name}` has no `version`"), HELP));
        };
        let mut coord = Coordinate::new(Ecosystem::Pypi, name, version, path, line);
        coord.optional = get_bool(pkg, "optional");
        coord.files = if let Some(files) = get_array(pkg, "files") {
            files_of(table_items(Some(files)))
        } else {
            let listed = metadata_files.and_then(|m| {
                m.iter().find(|(k, _)| normalize_name(k.get_ref()) == normalize_name(name)).map(|(_, v)| v)
            });
            let all = files_of(table_items(listed.and_then(|v| v.get_ref().as_array())));
            // [metadata.files] lists the files of every locked version of the name.
            all.into_iter()
                .filter(|f| {
                    let fv = f.name.as_deref().and_then(|n| version_from_filename(name, n));
                    fv.is_none_or(|fv| same_version(&fv, version))
                })
                .collect()
        };
        if let Some(source) = get_table(pkg, "source") {
            apply_source(&mut coord, source, get_bool(pkg, "develop"));
        }
        coord.dev = match (get_array(pkg, "groups"), get_str(pkg, "category")) {
            (Some(groups), _) => !str_items(Some(groups)).any(|g| g == "main"),
            (None, Some(category)) => category == "dev",
            (None, None) => false,
        };
        out.push(coord);
    }

    if let Some(m) = &manifest {
        let fallback_dev = packages.iter().all(|p| get(p, "groups").is_none() && get(p, "category").is_none());
        let main = if fallback_dev { reachable(&packages, &m.main) } else { BTreeSet::new() };
        for c in &mut out {
            let n = normalize_name(&c.name);
            c.direct = m.main.contains(&n) || m.groups.contains(&n);
            if fallback_dev {
                c.dev = !main.contains(&n);
            }
        }
    } else {
        for c in &mut out {
            c.direct = true;
        }
    }
    Ok(dedupe(out))
}

fn same_version(a: &str, b: &str) -> bool {
    a == b || super::normalize_version(a).is_some_and(|x| Some(x) == super::normalize_version(b))
}

/// An approximate span for a table without a `name`: its first key.
fn span_of_table(t: &DeTable<'_>) -> std::ops::Range<usize> {
    t.iter().next().map_or(0..0, |(k, _)| k.span())
}

/// `files = [{file = "…", hash = "sha256:…"}]` entries.
fn files_of<'t, 'i: 't>(items: impl Iterator<Item = &'t DeTable<'i>>) -> Vec<LockedFile> {
    items
        .map(|f| {
            let hashes = get_str(f, "hash").and_then(split_hash).into_iter().collect();
            locked_file(get_str(f, "file"), get_str(f, "url"), hashes)
        })
        .collect()
}

fn apply_source(coord: &mut Coordinate, source: &DeTable<'_>, develop: bool) {
    let kind = get_str(source, "type").unwrap_or_default();
    let url = get_str(source, "url").unwrap_or_default().to_string();
    coord.source = match kind {
        "legacy" => {
            coord.resolved = Some(url);
            SourceKind::Registry
        }
        "git" => {
            let rev = get_str(source, "resolved_reference").or_else(|| get_str(source, "reference"));
            let base = if url.starts_with("git+") { url } else { format!("git+{url}") };
            SourceKind::Git(rev.map_or_else(|| base.clone(), |r| format!("{base}@{r}")))
        }
        "directory" if develop => SourceKind::Link(url),
        "directory" | "file" => SourceKind::File(url),
        "url" => SourceKind::Tarball(url),
        // Unknown kinds are reported as local sources, never as registry packages.
        other => SourceKind::File(format!("{other}:{url}")),
    };
}

/// Normalized names of what a project declares, from its pyproject.toml.
struct Manifest {
    /// Main dependencies and extras.
    main: BTreeSet<String>,
    /// Group (dev, test, docs…) dependencies.
    groups: BTreeSet<String>,
}

impl Manifest {
    fn read(text: &str, path: &Path) -> Result<Self, LockfileError> {
        let root = parse_toml(text, path, "pyproject.toml", "fix the pyproject.toml beside the lockfile")?;
        let mut main = BTreeSet::new();
        let mut groups = BTreeSet::new();
        let poetry = get_table(&root, "tool").and_then(|t| get_table(t, "poetry"));
        let keys = |t: Option<&DeTable<'_>>| -> Vec<String> {
            t.into_iter().flatten().map(|(k, _)| normalize_name(k.get_ref())).filter(|n| n != "python").collect()
        };
        main.extend(keys(poetry.and_then(|p| get_table(p, "dependencies"))));
        groups.extend(keys(poetry.and_then(|p| get_table(p, "dev-dependencies"))));
        for (_, g) in poetry.and_then(|p| get_table(p, "group")).into_iter().flatten() {
            groups.extend(keys(g.get_ref().as_table().and_then(|g| get_table(g, "dependencies"))));
        }
        let names = |a| str_items(a).filter_map(requirement_name).map(normalize_name).collect::<Vec<_>>();
        if let Some(project) = get_table(&root, "project") {
            main.extend(names(get_array(project, "dependencies")));
            for (_, extra) in get_table(project, "optional-dependencies").into_iter().flatten() {
                main.extend(names(extra.get_ref().as_array()));
            }
        }
        for (_, g) in get_table(&root, "dependency-groups").into_iter().flatten() {
            groups.extend(names(g.get_ref().as_array()));
        }
        Ok(Self { main, groups })
    }
}

/// Normalized names reachable from `roots` through the lock's `[package.dependencies]`.
fn reachable(packages: &[&DeTable<'_>], roots: &BTreeSet<String>) -> BTreeSet<String> {
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in packages {
        let Some(name) = get_str(p, "name") else { continue };
        let entry = deps.entry(normalize_name(name)).or_default();
        for (k, _) in get_table(p, "dependencies").into_iter().flatten() {
            entry.insert(normalize_name(k.get_ref()));
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().cloned().collect();
    while let Some(n) = todo.pop() {
        if seen.insert(n.clone()) {
            todo.extend(deps.get(&n).into_iter().flatten().cloned());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK_2_0: &str = r#"
[[package]]
name = "app-dep"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = [{file = "app_dep-1.0-py3-none-any.whl", hash = "sha256:AA"}]

[package.dependencies]
shared = ">=1"

[[package]]
name = "shared"
version = "2.0"
description = ""
optional = false
python-versions = "*"
files = []

[[package]]
name = "test-tool"
version = "3.0"
description = ""
optional = true
python-versions = "*"
files = []

[package.dependencies]
shared = {version = ">=1", markers = "python_version > '3'"}

[metadata]
lock-version = "2.0"
python-versions = "^3.9"
content-hash = "x"
"#;

    const PYPROJECT: &str = r#"
[tool.poetry.dependencies]
python = "^3.9"
App_Dep = "^1"

[tool.poetry.group.test.dependencies]
test-tool = "^3"
"#;

    #[test]
    fn lock_2_0_without_groups_uses_the_dependency_tree_for_dev() {
        let c = parse_poetry_lock(LOCK_2_0, Path::new("poetry.lock"), Some(PYPROJECT)).unwrap();
        let by: BTreeMap<&str, &Coordinate> = c.iter().map(|c| (c.name.as_str(), c)).collect();
        assert!(by["app-dep"].direct && !by["app-dep"].dev);
        assert!(!by["shared"].direct && !by["shared"].dev);
        assert!(by["test-tool"].direct && by["test-tool"].dev && by["test-tool"].optional);
        assert_eq!(by["app-dep"].files[0].hashes["sha256"], "aa");
        assert_eq!(by["app-dep"].line, 3);
    }

    #[test]
    fn without_pyproject_everything_is_direct_and_nothing_dev() {
        let c = parse_poetry_lock(LOCK_2_0, Path::new("poetry.lock"), None).unwrap();
        assert!(c.iter().all(|c| c.direct && !c.dev));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_poetry_lock("[[package]]\nname = \"a\"\n", Path::new("p.lock"), None).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("no `version`"));
        let e = parse_poetry_lock("[[package]]\nname = \"a\nversion = 1\n", Path::new("p.lock"), None).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse_poetry_lock("[metadata]\nlock-version = \"9.0\"\n", Path::new("p.lock"), None).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse_poetry_lock("x = 1\n", Path::new("p.lock"), None).is_err());
        let e = parse_poetry_lock(LOCK_2_0, Path::new("a/poetry.lock"), Some("[tool.poetry\n")).unwrap_err();
        assert_eq!(e.file, Path::new("a/pyproject.toml"));
    }

    #[test]
    fn sources() {
        let lock = r#"
[[package]]
name = "g"
version = "1"
develop = false
[package.source]
type = "git"
url = "https://h/g.git"
reference = "main"
resolved_reference = "abc"

[[package]]
name = "d"
version = "1"
develop = true
[package.source]
type = "directory"
url = "../d"

[[package]]
name = "u"
version = "1"
[package.source]
type = "url"
url = "https://h/u-1.tar.gz"

[[package]]
name = "weird"
version = "1"
[package.source]
type = "hg"
url = "x"
"#;
        let c = parse_poetry_lock(lock, Path::new("poetry.lock"), None).unwrap();
        assert_eq!(c[0].source, SourceKind::Git("git+https://h/g.git@abc".into()));
        assert_eq!(c[1].source, SourceKind::Link("../d".into()));
        assert_eq!(c[2].source, SourceKind::Tarball("https://h/u-1.tar.gz".into()));
        assert_eq!(c[3].source, SourceKind::File("hg:x".into()));
    }
}
