//! `uv.lock` (version 1): every `[[package]]` of a uv project or workspace.
//!
//! Owns: reading uv's lock into coordinates, with the dependency graph it records for
//! the direct / dev / optional flags. Must not: open files or evaluate markers (a
//! forked resolution locks several versions of one name: all are reported).
//!
//! - The workspace's own packages are not dependencies and are skipped: packages whose
//!   `source` is `virtual` or `editable` and that are workspace members (the one at `.`,
//!   and the names in `[manifest] members`). Other editable or path packages (a path
//!   dependency) are reported as [`SourceKind::Link`] (editable) or [`SourceKind::File`].
//! - direct: named by a workspace member's `dependencies`, `optional-dependencies` or
//!   `dev-dependencies`. dev: reachable only through members' `[package.dev-dependencies]`.
//!   optional: reachable only through members' `[package.optional-dependencies]`.
//! - Sources: `registry` → registry; `git` → [`SourceKind::Git`] (`git+<url>`, the
//!   commit in its fragment as uv writes it); `url` → [`SourceKind::Tarball`]; `path` and
//!   `directory` → [`SourceKind::File`]; `editable` (and a virtual non-member) →
//!   [`SourceKind::Link`].
//! - Files: the `sdist` and each of `wheels`, with `url` (or `path`) and `hash`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::DeTable;

use super::common::{
    TomlDoc, dedupe, get, get_array, get_str, get_table, locked_file, parse_toml, split_hash, str_items, table_items,
};
use super::normalize_name;
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind};

const HELP: &str = "regenerate it with `uv lock`";

/// Parses `uv.lock`.
pub fn parse_uv_lock(text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let root = parse_toml(text, path, "uv.lock", HELP)?;
    let doc = TomlDoc { text, path, help: HELP };
    match get(&root, "version") {
        Some(v) if v.get_ref().as_integer().is_some_and(|i| i.as_str() == "1") => {}
        Some(v) => {
            return Err(LockfileError::new(
                path,
                doc.line(&v.span()),
                "unsupported uv.lock `version`: depgate reads version 1",
                format!("{HELP}; if uv wrote this version, depgate needs an update"),
            ));
        }
        None => return Err(LockfileError::new(path, 1, "not a uv.lock: there is no `version`", HELP)),
    }
    let members: BTreeSet<String> =
        str_items(get_table(&root, "manifest").and_then(|m| get_array(m, "members"))).map(normalize_name).collect();

    let tables: Vec<&DeTable<'_>> = table_items(get_array(&root, "package")).collect();
    let mut nodes = Vec::with_capacity(tables.len());
    for t in &tables {
        let Some(name_v) = get(t, "name") else {
            let span = t.iter().next().map_or(0..0, |(k, _)| k.span());
            return Err(doc.error(&span, "a [[package]] has no `name`"));
        };
        let line = doc.line(&name_v.span());
        let name =
            name_v.get_ref().as_str().ok_or_else(|| LockfileError::new(path, line, "`name` is not a string", HELP))?;
        let Some(source) = get_table(t, "source") else {
            return Err(LockfileError::new(path, line, format!("package `{name}` has no `source`"), HELP));
        };
        let (kind, location) =
            source.iter().next().map_or(("", ""), |(k, v)| (k.get_ref().as_ref(), v.get_ref().as_str().unwrap_or("")));
        let member =
            matches!(kind, "virtual" | "editable") && (location == "." || members.contains(&normalize_name(name)));
        nodes.push(Node { table: t, name, line, kind: kind.to_string(), location: location.to_string(), member });
    }

    let graph = Graph::new(&nodes);
    let mut required = BTreeSet::new();
    let mut optional = BTreeSet::new();
    let mut dev = BTreeSet::new();
    let mut direct = BTreeSet::new();
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.member) {
        let edges = graph.edges(i, "dependencies");
        direct.extend(edges.iter().map(|e| e.0));
        graph.walk(&edges, &mut required);
        for (_, extra) in get_table(n.table, "optional-dependencies").into_iter().flatten() {
            let edges = graph.resolve(extra.get_ref().as_array());
            direct.extend(edges.iter().map(|e| e.0));
            graph.walk(&edges, &mut optional);
        }
        for (_, group) in get_table(n.table, "dev-dependencies").into_iter().flatten() {
            let edges = graph.resolve(group.get_ref().as_array());
            direct.extend(edges.iter().map(|e| e.0));
            graph.walk(&edges, &mut dev);
        }
    }

    let mut out = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.member {
            continue;
        }
        let version = get_str(n.table, "version").map_or_else(|| n.location.clone(), str::to_string);
        let mut coord = Coordinate::new(Ecosystem::Pypi, n.name, version, path, n.line);
        coord.source = match n.kind.as_str() {
            "registry" => SourceKind::Registry,
            "git" => SourceKind::Git(if n.location.starts_with("git+") {
                n.location.clone()
            } else {
                format!("git+{}", n.location)
            }),
            "url" => SourceKind::Tarball(n.location.clone()),
            "path" | "directory" => SourceKind::File(n.location.clone()),
            "editable" | "virtual" => SourceKind::Link(n.location.clone()),
            other => {
                return Err(LockfileError::new(
                    path,
                    n.line,
                    format!("package `{}` has an unknown source kind `{other}`", n.name),
                    format!("{HELP}; if uv wrote this, depgate needs an update"),
                ));
            }
        };
        coord.files = files(n.table);
        coord.direct = direct.contains(&i);
        coord.optional = !required.contains(&i) && optional.contains(&i);
        coord.dev = !required.contains(&i) && !optional.contains(&i) && dev.contains(&i);
        out.push(coord);
    }
    Ok(dedupe(out))
}

struct Node<'t, 'i> {
    table: &'t DeTable<'i>,
    name: &'t str,
    line: usize,
    kind: String,
    location: String,
    member: bool,
}

fn files(t: &DeTable<'_>) -> Vec<LockedFile> {
    let one = |f: &DeTable<'_>| {
        let hashes = get_str(f, "hash").and_then(split_hash).into_iter().collect();
        locked_file(None, get_str(f, "url").or_else(|| get_str(f, "path")), hashes)
    };
    get_table(t, "sdist").map(one).into_iter().chain(table_items(get_array(t, "wheels")).map(one)).collect()
}

/// Dependency edges between packages: (target index, extras asked for).
struct Graph<'a, 't, 'i> {
    nodes: &'a [Node<'t, 'i>],
    by_name: BTreeMap<String, Vec<usize>>,
}

impl<'a, 't, 'i> Graph<'a, 't, 'i> {
    fn new(nodes: &'a [Node<'t, 'i>]) -> Self {
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            by_name.entry(normalize_name(n.name)).or_default().push(i);
        }
        Self { nodes, by_name }
    }

    fn edges(&self, from: usize, field: &str) -> Vec<(usize, Vec<String>)> {
        self.resolve(self.nodes.get(from).and_then(|n| get_array(n.table, field)))
    }

    /// `{ name, version?, source?, extra? }` entries → package indices (a name alone when
    /// it is unique; with `version` when uv forked).
    fn resolve(&self, deps: Option<&toml::de::DeArray<'_>>) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        for d in table_items(deps) {
            let Some(name) = get_str(d, "name") else { continue };
            let Some(candidates) = self.by_name.get(&normalize_name(name)) else { continue };
            let version = get_str(d, "version");
            let extras: Vec<String> = str_items(get_array(d, "extra")).map(str::to_string).collect();
            for &c in candidates {
                let v = get_str(self.nodes[c].table, "version");
                if version.is_none() || v == version {
                    out.push((c, extras.clone()));
                }
            }
        }
        out
    }

    /// Marks everything reachable from `start` (members are not entered).
    fn walk(&self, start: &[(usize, Vec<String>)], seen: &mut BTreeSet<usize>) {
        let mut todo: Vec<(usize, Vec<String>)> = start.to_vec();
        let mut extras_done: BTreeSet<(usize, String)> = BTreeSet::new();
        while let Some((i, extras)) = todo.pop() {
            let Some(node) = self.nodes.get(i) else { continue };
            if node.member {
                continue;
            }
            if seen.insert(i) {
                todo.extend(self.edges(i, "dependencies"));
            }
            for extra in extras {
                if extras_done.insert((i, extra.clone())) {
                    let deps = get_table(node.table, "optional-dependencies")
                        .and_then(|t| t.iter().find(|(k, _)| normalize_name(k.get_ref()) == normalize_name(&extra)))
                        .and_then(|(_, v)| v.get_ref().as_array());
                    todo.extend(self.resolve(deps));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 1
revision = 2
requires-python = ">=3.9"

[manifest]
members = ["app", "lib"]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "lib" }, { name = "req", extra = ["fast"] }]

[package.optional-dependencies]
cli = [{ name = "click" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "packages/lib" }

[[package]]
name = "req"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files/req-1.0.tar.gz", hash = "sha256:AA", size = 1 }
wheels = [{ url = "https://files/req-1.0-py3-none-any.whl", hash = "sha256:bb" }]

[package.optional-dependencies]
fast = [{ name = "speedup" }]

[[package]]
name = "speedup"
version = "2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "click"
version = "8.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "click" }, { name = "plug", extra = ["color"] }]

[[package]]
name = "plug"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
color = [{ name = "colorlib" }]

[[package]]
name = "colorlib"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "vendored"
version = "3.0"
source = { path = "vendor/vendored-3.0.tar.gz" }
sdist = { path = "vendor/vendored-3.0.tar.gz" }
"#;

    #[test]
    fn workspace_members_are_skipped_and_flags_follow_the_graph() {
        let c = parse_uv_lock(LOCK, Path::new("uv.lock")).unwrap();
        let by: BTreeMap<&str, &Coordinate> = c.iter().map(|c| (c.name.as_str(), c)).collect();
        assert!(!by.contains_key("app") && !by.contains_key("lib"), "{:?}", by.keys());
        assert!(by["req"].direct && !by["req"].dev && !by["req"].optional);
        assert_eq!(by["req"].files.len(), 2);
        assert_eq!(by["req"].files[0].name.as_deref(), Some("req-1.0.tar.gz"));
        assert_eq!(by["req"].files[0].hashes["sha256"], "aa");
        assert!(!by["speedup"].direct && !by["speedup"].dev, "reached through req[fast]");
        assert!(by["click"].direct && by["click"].optional && !by["click"].dev, "cli extra and pytest's dep");
        assert!(by["pytest"].dev && by["pytest"].direct);
        assert!(by["plug"].dev && by["colorlib"].dev && !by["colorlib"].direct, "dev reaches extras too");
        assert_eq!(by["vendored"].source, SourceKind::File("vendor/vendored-3.0.tar.gz".into()));
        assert!(!by["vendored"].direct && !by["vendored"].dev);
        assert_eq!(by["req"].line, 27);
    }

    #[test]
    fn bad_locks() {
        assert!(parse_uv_lock("version = 2\n", Path::new("uv.lock")).unwrap_err().message.contains("unsupported"));
        assert!(parse_uv_lock("[[package]]\n", Path::new("uv.lock")).is_err());
        let e = parse_uv_lock("version = 1\n[[package]]\nname = \"x\"\nversion = \"1\"\n", Path::new("uv.lock"))
            .unwrap_err();
        assert_eq!(e.line, 3);
        let e =
            parse_uv_lock("version = 1\n[[package]]\nname = \"x\"\nsource = { weird = \"y\" }\n", Path::new("uv.lock"))
                .unwrap_err();
        assert!(e.message.contains("weird"));
        let e = parse_uv_lock("version = 1\n\n[[package]\n", Path::new("uv.lock")).unwrap_err();
        assert_eq!(e.line, 3);
    }
}
