//! PEP 751 `pylock.toml` (and named `pylock.<name>.toml`), `lock-version = "1.0"`.
//!
//! Owns: reading `[[packages]]` into coordinates. Must not: open files, evaluate
//! `marker`/`requires-python`, or pick one environment: every package is reported.
//!
//! - Sources: `sdist`/`wheels` (from `index`, or from `url`s) → registry; `vcs` →
//!   [`SourceKind::Git`] (`<type>+<url or path>@<commit-id>`); `directory` →
//!   [`SourceKind::Link`] when `editable`, else [`SourceKind::File`]; `archive` →
//!   [`SourceKind::Tarball`] (`url`) or [`SourceKind::File`] (`path`), its hashes kept.
//!   A `directory` at `.` is the project the lock was made for (uv writes it, with
//!   `editable = true`): it is not a dependency and is skipped.
//! - version: as locked. PEP 751 leaves it out for source trees (`vcs`, `directory`);
//!   then the location stands in its place.
//! - Files: the `sdist` and every `wheels` entry, with `name` (else from `url`/`path`),
//!   `url` and `hashes`.
//! - direct: the format records no roots. When packages list their `dependencies`, a
//!   package no other lists is direct; otherwise every package is.
//! - dev: a package whose `marker` only admits dependency groups (`'dev' in
//!   dependency_groups`) that are not in `default-groups`. optional: likewise for
//!   `extras`. Anything else is neither.

use std::collections::BTreeSet;
use std::path::Path;

use toml::de::DeTable;

use super::common::{
    TomlDoc, dedupe, get, get_array, get_bool, get_str, get_table, hash_table, locked_file, parse_toml, str_items,
    table_items,
};
use super::normalize_name;
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind};

const HELP: &str =
    "regenerate it with the tool that wrote it (`pip lock`, `uv export --format pylock.toml`, `pdm export`)";

/// Parses a PEP 751 lock file.
pub fn parse_pylock(text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let root = parse_toml(text, path, "pylock.toml", HELP)?;
    let doc = TomlDoc { text, path, help: HELP };
    match get(&root, "lock-version") {
        Some(v) if v.get_ref().as_str().is_some_and(|s| s.split('.').next() == Some("1")) => {}
        Some(v) => {
            return Err(LockfileError::new(
                path,
                doc.line(&v.span()),
                "unsupported `lock-version`: depgate reads PEP 751 version 1.x",
                format!("{HELP}; if a tool wrote this version, depgate needs an update"),
            ));
        }
        None => return Err(LockfileError::new(path, 1, "not a pylock.toml: there is no `lock-version`", HELP)),
    }
    let default_groups: BTreeSet<String> = str_items(get_array(&root, "default-groups")).map(normalize_name).collect();
    let packages: Vec<&DeTable<'_>> = table_items(get_array(&root, "packages")).collect();

    // Names other packages depend on (when the lock records dependencies at all).
    let records_deps = packages.iter().any(|p| get(p, "dependencies").is_some());
    let depended_on: BTreeSet<String> = packages
        .iter()
        .flat_map(|p| table_items(get_array(p, "dependencies")))
        .filter_map(|d| get_str(d, "name"))
        .map(normalize_name)
        .collect();

    let mut out = Vec::with_capacity(packages.len());
    for p in packages {
        let Some(name_v) = get(p, "name") else {
            let span = p.iter().next().map_or(0..0, |(k, _)| k.span());
            return Err(doc.error(&span, "a [[packages]] entry has no `name`"));
        };
        let line = doc.line(&name_v.span());
        let name =
            name_v.get_ref().as_str().ok_or_else(|| LockfileError::new(path, line, "`name` is not a string", HELP))?;
        let mut files = Vec::new();
        let (source, location) = if let Some(vcs) = get_table(p, "vcs") {
            let kind = get_str(vcs, "type").unwrap_or("git");
            let at = get_str(vcs, "url").or_else(|| get_str(vcs, "path")).unwrap_or_default();
            let rev = get_str(vcs, "commit-id").or_else(|| get_str(vcs, "requested-revision"));
            let loc = rev.map_or_else(|| format!("{kind}+{at}"), |r| format!("{kind}+{at}@{r}"));
            (SourceKind::Git(loc.clone()), loc)
        } else if let Some(dir) = get_table(p, "directory") {
            let at = get_str(dir, "path").unwrap_or_default().to_string();
            if at == "." || at.is_empty() {
                continue;
            }
            let source =
                if get_bool(dir, "editable") { SourceKind::Link(at.clone()) } else { SourceKind::File(at.clone()) };
            (source, at)
        } else if let Some(archive) = get_table(p, "archive") {
            files.push(file_of(archive));
            match (get_str(archive, "url"), get_str(archive, "path")) {
                (Some(url), _) => (SourceKind::Tarball(url.to_string()), url.to_string()),
                (None, Some(at)) => (SourceKind::File(at.to_string()), at.to_string()),
                (None, None) => {
                    return Err(LockfileError::new(
                        path,
                        line,
                        format!("`{name}`: `archive` has no `url` or `path`"),
                        HELP,
                    ));
                }
            }
        } else if get(p, "sdist").is_some() || get(p, "wheels").is_some() {
            files.extend(get_table(p, "sdist").map(file_of));
            files.extend(table_items(get_array(p, "wheels")).map(file_of));
            (SourceKind::Registry, String::new())
        } else {
            return Err(LockfileError::new(
                path,
                line,
                format!("`{name}` has no source: none of `sdist`, `wheels`, `vcs`, `directory`, `archive`"),
                HELP,
            ));
        };
        let version = match get_str(p, "version") {
            Some(v) => v.to_string(),
            None if source.is_registry() => {
                return Err(LockfileError::new(
                    path,
                    line,
                    format!("`{name}` comes from an index but has no `version`"),
                    HELP,
                ));
            }
            None => location,
        };
        let mut coord = Coordinate::new(Ecosystem::Pypi, name, version, path, line);
        coord.source = source;
        coord.files = files;
        if let Some(r) = get_str(p, "index") {
            coord.resolved = Some(r.to_string());
        }
        coord.direct = !records_deps || !depended_on.contains(&normalize_name(name));
        let marker = get_str(p, "marker").unwrap_or_default();
        let groups = names_in(marker, "dependency_groups");
        coord.dev = !groups.is_empty() && groups.iter().all(|g| !default_groups.contains(g));
        coord.optional = !names_in(marker, "extras").is_empty() && !coord.dev;
        out.push(coord);
    }
    Ok(dedupe(out))
}

/// A file table (`sdist`, `wheels` item, `archive`).
fn file_of(t: &DeTable<'_>) -> LockedFile {
    let url = get_str(t, "url").or_else(|| get_str(t, "path"));
    locked_file(get_str(t, "name"), url, hash_table(get_table(t, "hashes")))
}

/// The quoted names a marker tests with `'<name>' in <variable>` (normalized).
fn names_in(marker: &str, variable: &str) -> Vec<String> {
    let mut out = Vec::new();
    let needle = format!(" in {variable}");
    let mut rest = marker;
    while let Some(at) = rest.find(&needle) {
        let before = rest[..at].trim_end();
        let quote = before.chars().last().filter(|c| matches!(c, '\'' | '"'));
        if let Some(q) = quote
            && let Some(open) = before[..before.len() - 1].rfind(q)
            && !before[..open].trim_end().ends_with("not")
        {
            out.push(normalize_name(&before[open + 1..before.len() - 1]));
        }
        rest = &rest[at + needle.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
lock-version = "1.0"
created-by = "hand"
dependency-groups = ["dev"]
default-groups = ["default"]

[[packages]]
name = "app-dep"
version = "1.0"
index = "https://pypi.org/simple"
dependencies = [{ name = "leaf" }]
wheels = [{ url = "https://files/app_dep-1.0-py3-none-any.whl", hashes = { SHA256 = "AA" } }]

[[packages]]
name = "leaf"
version = "2.0"
sdist = { name = "leaf-2.0.tar.gz", path = "dist/leaf-2.0.tar.gz", hashes = { sha256 = "bb", md5 = "cc" } }

[[packages]]
name = "pytest"
version = "8.0"
marker = "'dev' in dependency_groups"
wheels = [{ url = "https://files/pytest-8.0-py3-none-any.whl", hashes = { sha256 = "dd" } }]

[[packages]]
name = "extra-thing"
version = "1.0"
marker = "python_version >= '3.9' and 'fast' in extras"
wheels = []

[[packages]]
name = "gitdep"
vcs = { type = "git", url = "https://h/gitdep.git", requested-revision = "v1", commit-id = "abc" }

[[packages]]
name = "project"
directory = { path = ".", editable = true }

[[packages]]
name = "arch"
version = "3.0"
archive = { url = "https://h/arch-3.0.tar.gz", hashes = { sha256 = "ee" } }
"#;

    #[test]
    fn packages_sources_and_flags() {
        let c = parse_pylock(LOCK, Path::new("pylock.toml")).unwrap();
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["app-dep", "leaf", "pytest", "extra-thing", "gitdep", "arch"]);
        let find = |n: &str| c.iter().find(|c| c.name == n).unwrap();
        let a = find("app-dep");
        assert!(a.direct && !a.dev);
        assert_eq!(a.files[0].name.as_deref(), Some("app_dep-1.0-py3-none-any.whl"));
        assert_eq!(a.files[0].hashes["sha256"], "aa");
        assert_eq!(a.resolved.as_deref(), Some("https://pypi.org/simple"));
        assert_eq!(a.line, 8);
        let leaf = find("leaf");
        assert!(!leaf.direct);
        assert_eq!(leaf.files[0].hashes.len(), 2);
        assert!(find("pytest").dev);
        assert!(find("extra-thing").optional && !find("extra-thing").dev);
        assert_eq!(find("gitdep").source, SourceKind::Git("git+https://h/gitdep.git@abc".into()));
        assert_eq!(find("gitdep").version, "git+https://h/gitdep.git@abc");
        assert_eq!(find("arch").source.label(), "tarball");
        assert_eq!(find("arch").files[0].hashes["sha256"], "ee");
    }

    #[test]
    fn markers() {
        assert_eq!(
            names_in("'dev' in dependency_groups or \"Test_X\" in dependency_groups", "dependency_groups"),
            ["dev", "test-x"]
        );
        assert!(names_in("'dev' not in dependency_groups", "dependency_groups").is_empty());
        assert!(names_in("' in dependency_groups", "dependency_groups").is_empty());
    }

    #[test]
    fn bad_locks() {
        let e = parse_pylock("lock-version = \"2.0\"\n", Path::new("pylock.toml")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(parse_pylock("[[packages]]\nname = \"a\"\n", Path::new("pylock.toml")).is_err());
        let e =
            parse_pylock("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n", Path::new("pylock.toml")).unwrap_err();
        assert_eq!(e.line, 3);
        let e =
            parse_pylock("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nwheels = []\n", Path::new("pylock.toml"))
                .unwrap_err();
        assert!(e.message.contains("no `version`"));
        let e = parse_pylock("lock-version = \"1.0\"\n[[packages]\n", Path::new("pylock.toml")).unwrap_err();
        assert_eq!(e.line, 2);
    }
}
