//! `package-lock.json` and `npm-shrinkwrap.json` (lockfileVersion 1, 2 and 3).
//!
//! Format notes (npm's `package-lock.json` documentation):
//! - v1 (npm 5/6): a recursive `dependencies` object. Keys are the installed names; a
//!   nested `dependencies` holds the copies installed under that package. `version` is a
//!   semver version, `npm:real@1.0.0` for an alias, or the spec of a git / file / URL
//!   dependency. `requires` maps the names a package needs to their ranges. There is no
//!   record of the root manifest.
//! - v2 (npm 7/8): both `packages` (used here) and a v1-style `dependencies` section.
//! - v3 (npm 9+): `packages` only. Keys are install paths (`node_modules/a/node_modules/b`);
//!   `""` is the root project, paths without `node_modules/` are folders (workspace
//!   members, `file:` folders) that `link: true` entries point at.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::common::{
    Entry, LineIndex, Node, classify_resolved, dedupe, json, looks_like_version, split_name_spec, strip_fragment,
};
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

const HELP_NPM: &str = "regenerate it with `npm install --package-lock-only` (npm 7 or newer)";

/// Parses `package-lock.json` / `npm-shrinkwrap.json` text.
///
/// Every locked package becomes one [`Coordinate`] (de-duplicated per name, version and
/// source, see [`dedupe`]). The root project and workspace folders are not coordinates;
/// links to them (`node_modules/ws-a` with `link: true`) are, as [`SourceKind::Link`].
pub fn parse_package_lock(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let lines = LineIndex::new(text);
    let root = json::parse(text, &lines).map_err(|e| {
        LockfileError::new(file, lines.line(e.offset), format!("not a valid package-lock: {}", e.message), HELP_NPM)
    })?;
    let Some(top) = root.as_map() else {
        return Err(LockfileError::new(
            file,
            1,
            "not a valid package-lock: the top level is not a JSON object",
            HELP_NPM,
        ));
    };
    let Some(version_entry) = top.entry("lockfileVersion") else {
        return Err(LockfileError::new(file, 1, "not a package-lock: there is no `lockfileVersion`", HELP_NPM));
    };
    let version = match &version_entry.value {
        Node::Number(n) => n.parse::<u64>().ok(),
        _ => None,
    };
    let at = version_entry.line;
    let mut ctx = Ctx { file, lines: &lines, out: Vec::new() };
    match version {
        Some(1) => {
            if let Some(deps) = top.get("dependencies") {
                ctx.v1(deps)?;
            }
        }
        Some(2 | 3) => {
            if let Some(packages) = top.get("packages") {
                ctx.packages(packages)?;
            } else if let Some(deps) = top.get("dependencies") {
                // A v2 file always has `packages`; tolerate one that only kept the
                // v1-compatible section.
                ctx.v1(deps)?;
            }
        }
        _ => {
            return Err(LockfileError::new(
                file,
                at,
                format!(
                    "unsupported lockfileVersion {}: depgate reads versions 1, 2 and 3",
                    version_entry.value.display()
                ),
                format!("{HELP_NPM}, which writes version 3; if npm wrote this version, depgate needs an update"),
            ));
        }
    }
    Ok(dedupe(ctx.out))
}

struct Ctx<'a> {
    file: &'a Path,
    lines: &'a LineIndex,
    out: Vec<Coordinate>,
}

impl Ctx<'_> {
    fn error(&self, offset: usize, message: impl Into<String>) -> LockfileError {
        LockfileError::new(self.file, self.lines.line(offset), message, HELP_NPM)
    }

    /// v2/v3 `packages`.
    fn packages(&mut self, packages: &Node) -> Result<(), LockfileError> {
        let Some(map) = packages.as_map() else {
            return Err(self.error(0, "`packages` is not an object"));
        };
        let by_path: HashMap<&str, &Entry> = map.entries.iter().map(|e| (e.key.as_str(), e)).collect();

        // Importers: the root project and the workspace members it declares.
        let root = map.get("");
        let globs = root.map(workspace_globs).unwrap_or_default();
        let mut importers: Vec<&str> = vec![""];
        for e in &map.entries {
            if !e.key.is_empty() && !is_install_path(&e.key) && globs.iter().any(|g| glob_match(g, &e.key)) {
                importers.push(&e.key);
            }
        }
        // Direct: what an importer declares, resolved the way node does (its own
        // node_modules, then each parent folder's).
        let mut direct: HashSet<String> = HashSet::new();
        for importer in &importers {
            let Some(node) = by_path.get(importer).map(|e| &e.value) else {
                continue;
            };
            for field in ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"] {
                let Some(deps) = node.get(field).and_then(Node::as_map) else {
                    continue;
                };
                for dep in &deps.entries {
                    if let Some(path) = resolve_from(importer, &dep.key, &by_path) {
                        direct.insert(path);
                    }
                }
            }
        }

        // Remote tarball dependencies (`"foo": "https://host/foo.tgz"`): npm records that
        // URL as their `resolved`; anything else resolved over HTTP is a registry download.
        let url_specs: HashSet<&str> = map
            .entries
            .iter()
            .flat_map(|e| {
                ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]
                    .into_iter()
                    .filter_map(|f| e.value.get(f).and_then(Node::as_map))
                    .flat_map(|m| m.entries.iter().filter_map(|d| d.value.as_str()))
            })
            .filter(|spec| spec.starts_with("http://") || spec.starts_with("https://"))
            .map(strip_fragment)
            .collect();

        for e in &map.entries {
            let path = e.key.as_str();
            let Some(at) = path.rfind("node_modules/") else {
                // The root project, workspace folders and `file:` folders: not coordinates
                // themselves (what links to them is).
                continue;
            };
            let node = &e.value;
            if node.as_map().is_none() {
                return Err(self.error(e.offset, format!("entry `{path}` is not an object")));
            }
            let key_name = &path[at + "node_modules/".len()..];
            if key_name.is_empty() {
                return Err(self.error(e.offset, format!("entry `{path}` has no package name")));
            }
            let recorded_name = node.str_field("name");
            let name = recorded_name.unwrap_or(key_name).to_string();
            let alias = recorded_name.filter(|n| *n != key_name).map(|_| key_name.to_string());
            let resolved = node.str_field("resolved").map(str::to_string);
            let line = e.line;
            let dev = node.bool_field("dev");
            let optional = node.bool_field("optional");
            let is_direct = direct.contains(path);

            if node.bool_field("link") {
                let target = resolved.clone().unwrap_or_default();
                let version = by_path
                    .get(target.as_str())
                    .and_then(|t| t.value.str_field("version"))
                    .map_or_else(|| format!("file:{target}"), str::to_string);
                self.out.push(Coordinate {
                    ecosystem: Ecosystem::Npm,
                    name,
                    version,
                    integrity: None,
                    resolved,
                    alias,
                    direct: is_direct,
                    dev,
                    optional,
                    bundled: false,
                    package_manager: false,
                    files: Vec::new(),
                    classifier: None,
                    extension: None,
                    source: SourceKind::Link(target),
                    image: None,
                    source_file: self.file.to_path_buf(),
                    line,
                });
                continue;
            }
            let Some(version) = node.str_field("version") else {
                return Err(self.error(e.offset, format!("entry `{path}` has no `version`")));
            };
            let source = match &resolved {
                Some(r) => classify_resolved(r, !url_specs.contains(strip_fragment(r))),
                None => SourceKind::Registry,
            };
            self.out.push(Coordinate {
                ecosystem: Ecosystem::Npm,
                name,
                version: version.to_string(),
                integrity: node.str_field("integrity").map(str::to_string),
                resolved,
                alias,
                direct: is_direct,
                dev,
                optional,
                bundled: node.bool_field("inBundle"),
                package_manager: false,
                files: Vec::new(),
                classifier: None,
                extension: None,
                source,
                image: None,
                source_file: self.file.to_path_buf(),
                line,
            });
        }
        Ok(())
    }

    /// v1 `dependencies`, recursively.
    fn v1(&mut self, deps: &Node) -> Result<(), LockfileError> {
        struct V1<'n> {
            entry: &'n Entry,
            parent: Option<usize>,
        }
        // Flatten the tree, keeping parents, without recursion.
        let mut nodes: Vec<V1<'_>> = Vec::new();
        let mut stack: Vec<(&Node, Option<usize>)> = vec![(deps, None)];
        while let Some((deps, parent)) = stack.pop() {
            let Some(map) = deps.as_map() else {
                return Err(self.error(0, "`dependencies` is not an object"));
            };
            for entry in &map.entries {
                nodes.push(V1 { entry, parent });
                let me = nodes.len() - 1;
                if let Some(nested) = entry.value.get("dependencies") {
                    stack.push((nested, Some(me)));
                }
            }
        }
        // Children of each node by name, to resolve `requires` the way node does.
        let mut children: HashMap<(Option<usize>, &str), usize> = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            children.entry((n.parent, n.entry.key.as_str())).or_insert(i);
        }
        let mut required = vec![false; nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            let Some(wants) = n.entry.value.get("requires").and_then(Node::as_map) else {
                continue;
            };
            for r in &wants.entries {
                let mut scope = Some(i);
                loop {
                    if let Some(&t) = children.get(&(scope, r.key.as_str())) {
                        required[t] = true;
                        break;
                    }
                    match scope {
                        Some(s) => scope = nodes[s].parent,
                        None => break,
                    }
                }
            }
        }

        // Keep file order (the flattening above is depth-first from the end).
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by_key(|&i| nodes[i].entry.offset);
        for i in order {
            let n = &nodes[i];
            let e = n.entry;
            let node = &e.value;
            if node.as_map().is_none() {
                return Err(self.error(e.offset, format!("entry `{}` is not an object", e.key)));
            }
            let Some(version) = node.str_field("version") else {
                return Err(self.error(e.offset, format!("entry `{}` has no `version`", e.key)));
            };
            let resolved = node.str_field("resolved").map(str::to_string);
            let mut name = e.key.clone();
            let mut alias = None;
            let mut version = version.to_string();
            let source;
            if let Some(spec) = version.strip_prefix("npm:") {
                // `"my-ms": {"version": "npm:ms@2.0.0"}`
                let (real, v) = split_name_spec(spec);
                if real.is_empty() || v.is_empty() {
                    return Err(
                        self.error(e.offset, format!("entry `{}` has an unreadable alias version `{version}`", e.key))
                    );
                }
                alias = Some(e.key.clone());
                name = real.to_string();
                let v = v.to_string();
                version = v;
                source = resolved.as_deref().map_or(SourceKind::Registry, |r| classify_resolved(r, true));
            } else if looks_like_version(&version) {
                source = resolved.as_deref().map_or(SourceKind::Registry, |r| classify_resolved(r, true));
            } else {
                // A git / file / URL dependency: npm 6 records the spec as the version and
                // no other version; it stays the version here.
                source = classify_resolved(&version, false);
            }
            self.out.push(Coordinate {
                ecosystem: Ecosystem::Npm,
                name,
                version,
                integrity: node.str_field("integrity").map(str::to_string),
                resolved,
                alias,
                // v1 does not record the root manifest: a top-level package nothing else
                // requires can only be there because the project asked for it. (A direct
                // dependency that another package also requires is not detected.)
                direct: n.parent.is_none() && !required[i],
                dev: node.bool_field("dev"),
                optional: node.bool_field("optional"),
                bundled: node.bool_field("bundled"),
                package_manager: false,
                files: Vec::new(),
                classifier: None,
                extension: None,
                source,
                image: None,
                source_file: self.file.to_path_buf(),
                line: e.line,
            });
        }
        Ok(())
    }
}

/// `true` for `node_modules/...` paths, `false` for folders (root, workspaces, `file:`).
fn is_install_path(path: &str) -> bool {
    path.starts_with("node_modules/") || path.contains("/node_modules/")
}

/// The `workspaces` globs of the root entry (`["packages/*"]` or `{"packages": [...]}`).
fn workspace_globs(root: &Node) -> Vec<String> {
    let list = match root.get("workspaces") {
        Some(Node::Array(a)) => a,
        Some(n @ Node::Map(_)) => match n.get("packages") {
            Some(Node::Array(a)) => a,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    list.iter().filter_map(Node::as_str).map(|g| g.trim_start_matches("./").trim_end_matches('/').to_string()).collect()
}

/// Path glob with `*` (within one segment) and `**` (any number of segments).
fn glob_match(glob: &str, path: &str) -> bool {
    let g: Vec<&str> = glob.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    wildcard(&g, &p, |s| *s == "**", |g, p| wildcard(g.as_bytes(), p.as_bytes(), |c| *c == b'*', |a, b| a == b))
}

/// Wildcard matching with the last-star backtracking walk: O(pattern x text), whatever
/// the input (no exponential backtracking).
fn wildcard<P, T>(pat: &[P], text: &[T], is_star: impl Fn(&P) -> bool, eq: impl Fn(&P, &T) -> bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some(x) if is_star(x) => {
                star = Some((p, t));
                p += 1;
            }
            Some(x) if eq(x, &text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat.get(p..).unwrap_or_default().iter().all(is_star)
}

/// Node's resolution of `name` required from folder `from`: `from/node_modules/name`, then
/// each parent folder's `node_modules/name`.
fn resolve_from(from: &str, name: &str, by_path: &HashMap<&str, &Entry>) -> Option<String> {
    let mut dir = from.to_string();
    loop {
        let candidate =
            if dir.is_empty() { format!("node_modules/{name}") } else { format!("{dir}/node_modules/{name}") };
        if by_path.contains_key(candidate.as_str()) {
            return Some(candidate);
        }
        if dir.is_empty() {
            return None;
        }
        // Go up one folder; `a/node_modules/b` goes up to `a` (skip the node_modules level).
        dir = match dir.rfind('/') {
            Some(i) => dir[..i].to_string(),
            None => String::new(),
        };
        if dir.ends_with("/node_modules") || dir == "node_modules" {
            dir = dir.trim_end_matches("node_modules").trim_end_matches('/').to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_package_lock(text, Path::new("package-lock.json"))
    }

    #[test]
    fn json_reader_keeps_key_offsets_and_unescapes() {
        let t = "{\n  \"a\\u00e9\": [1, -2.5e3, true, null],\n  \"b\": {\"c\": \"\\ud83d\\ude00\"}\n}";
        let n = json::parse(t, &LineIndex::new(t)).unwrap();
        let m = n.as_map().unwrap();
        assert_eq!(m.entries[0].key, "aé");
        assert_eq!(m.entries[0].offset, 4);
        assert_eq!(m.entries[0].line, 2);
        assert_eq!(m.entries[1].line, 3);
        assert_eq!(n.get("b").unwrap().str_field("c"), Some("😀"));
        let lines = LineIndex::new("{\n  \"a\"");
        assert_eq!(lines.line(4), 2);
        assert_eq!(lines.line(0), 1);
    }

    #[test]
    fn json_reader_rejects_bad_input_without_panicking() {
        for bad in [
            "",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1,",
            "[1,",
            "\"abc",
            "{\"a\":tru}",
            "{\"a\":1}x",
            "{1:2}",
            "\"\\u12\"",
            "\"\\uZZZZ\"",
            "-",
            "{\"a\":\"\\q\"}",
            "\u{feff}",
        ] {
            assert!(json::parse(bad, &LineIndex::new(bad)).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(10_000);
        assert!(json::parse(&deep, &LineIndex::new(&deep)).is_err());
    }

    #[test]
    fn line_index_agrees_with_line_of_offset() {
        let t = "a\nbb\n\nccc\n";
        let idx = LineIndex::new(t);
        for o in 0..=t.len() + 3 {
            assert_eq!(idx.line(o), crate::ecosystem::line_of_offset(t, o), "offset {o}");
        }
    }

    #[test]
    fn v3_names_aliases_links_and_flags() {
        let text = r#"{
  "name": "x", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "x", "workspaces": ["packages/*"], "dependencies": {"foo": "npm:bar@^1", "a": "^1"},
         "devDependencies": {"d": "https://example.com/d.tgz"}},
    "packages/ws": {"name": "ws", "version": "2.0.0", "dependencies": {"a": "^2"}},
    "node_modules/foo": {"name": "bar", "version": "1.0.0", "resolved": "https://registry.npmjs.org/bar/-/bar-1.0.0.tgz", "integrity": "sha512-x"},
    "node_modules/a": {"version": "1.0.0", "resolved": "https://npm.pkg.github.com/download/a/1.0.0/abc", "integrity": "sha512-a1"},
    "node_modules/ws": {"resolved": "packages/ws", "link": true},
    "node_modules/d": {"version": "1.0.0", "dev": true, "resolved": "https://example.com/d.tgz", "integrity": "sha512-d"},
    "node_modules/d/node_modules/a": {"version": "1.0.0", "dev": true, "integrity": "sha512-a1"},
    "packages/ws/node_modules/a": {"version": "2.0.0", "integrity": "sha512-a2", "optional": true}
  }
}"#;
        let c = p(text).unwrap();
        let get = |n: &str, v: &str| c.iter().find(|c| c.name == n && c.version == v).unwrap();
        let bar = get("bar", "1.0.0");
        assert_eq!(bar.alias.as_deref(), Some("foo"));
        assert!(bar.direct && bar.source.is_registry());
        assert_eq!(bar.line, 7);
        let a1 = get("a", "1.0.0");
        assert!(a1.direct && !a1.dev, "one copy is prod and direct");
        assert!(a1.source.is_registry(), "any registry URL layout");
        let a2 = get("a", "2.0.0");
        assert!(a2.direct && a2.optional, "direct dependency of the workspace member");
        let ws = get("ws", "2.0.0");
        assert_eq!(ws.source, SourceKind::Link("packages/ws".into()));
        let d = get("d", "1.0.0");
        assert!(d.dev && d.direct);
        assert_eq!(d.source, SourceKind::Tarball("https://example.com/d.tgz".into()));
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn v1_nested_alias_git_file_and_direct() {
        let text = r#"{
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "a": {"version": "1.0.0", "integrity": "sha512-a", "requires": {"b": "^2"},
      "dependencies": {"b": {"version": "2.0.0", "integrity": "sha512-b2"}}},
    "b": {"version": "1.0.0", "integrity": "sha512-b1", "dev": true},
    "al": {"version": "npm:real@3.0.0", "resolved": "https://registry.npmjs.org/real/-/real-3.0.0.tgz", "integrity": "sha512-r"},
    "g": {"version": "git+ssh://git@github.com/o/r.git#abc", "from": "git+ssh://git@github.com/o/r.git"},
    "f": {"version": "file:../f"},
    "u": {"version": "https://example.com/u.tgz", "integrity": "sha512-u"}
  }
}"#;
        let c = p(text).unwrap();
        let get = |n: &str| c.iter().find(|c| c.name == n).unwrap();
        assert!(get("a").direct);
        let b2 = c.iter().find(|c| c.name == "b" && c.version == "2.0.0").unwrap();
        assert!(!b2.direct);
        assert_eq!(b2.line, 6);
        let r = get("real");
        assert_eq!((r.alias.as_deref(), r.version.as_str()), (Some("al"), "3.0.0"));
        assert!(matches!(get("g").source, SourceKind::Git(_)));
        assert_eq!(get("f").source, SourceKind::File("../f".into()));
        assert!(matches!(get("u").source, SourceKind::Tarball(_)));
    }

    #[test]
    fn wrong_versions_and_shapes_are_errors_with_lines() {
        let huge = format!("{{\"lockfileVersion\": {}}}", "9".repeat(100_000));
        let e = p(&huge).unwrap_err();
        assert!(e.message.len() < 200 && e.message.contains("(100000 bytes)"), "{}", e.message);
        let e = p("{\n  \"lockfileVersion\": 4,\n  \"packages\": {}\n}").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("lockfileVersion 4"), "{e}");
        assert!(e.help.contains("npm install --package-lock-only"));
        assert!(p("{\"lockfileVersion\": \"3\"}").is_err());
        assert!(p("{}").is_err());
        assert!(p("[]").is_err());
        let e = p("{\n\"lockfileVersion\": 3,\n\"packages\": {\n\"node_modules/a\": {}\n}}").unwrap_err();
        assert_eq!(e.line, 4);
        let e = p("{\n\"lockfileVersion\": 3,\n\"packages\": {\n\"node_modules/a\": {\"version\": \"1\"").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("truncated"));
        // Empty but valid.
        assert!(p("{\"lockfileVersion\": 3, \"packages\": {\"\": {}}}").unwrap().is_empty());
    }

    #[test]
    fn helpers() {
        assert_eq!(split_name_spec("@s/n@^1"), ("@s/n", "^1"));
        assert_eq!(split_name_spec("n@npm:m@1"), ("n", "npm:m@1"));
        assert_eq!(split_name_spec("@"), ("@", ""));
        assert!(glob_match("packages/*", "packages/a"));
        assert!(!glob_match("packages/*", "packages/a/b"));
        assert!(glob_match("packages/**", "packages/a/b"));
        assert!(glob_match("apps/web-*", "apps/web-1"));
        assert!(glob_match("./tools/x", "tools/x"));
        assert!(glob_match("packages/**/x", "packages/a/b/x"));
        assert!(!glob_match("packages/**/x", "packages/a/b/y"));
        assert!(glob_match("**", "a/b"));
        assert!(!glob_match("a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r", &"a".repeat(5000)));
        assert!(glob_match(&"**/".repeat(64), "a"));
        assert!(!glob_match(&format!("{}b", "**/".repeat(64)), &"a/".repeat(200)));
    }

    #[test]
    fn dedupe_merges_flags() {
        let mk = |direct, dev, line| Coordinate {
            ecosystem: Ecosystem::Npm,
            name: "a".into(),
            version: "1".into(),
            integrity: None,
            resolved: None,
            alias: None,
            direct,
            dev,
            optional: false,
            bundled: false,
            package_manager: false,
            files: Vec::new(),
            classifier: None,
            extension: None,
            source: SourceKind::Registry,
            image: None,
            source_file: "x".into(),
            line,
        };
        let out = dedupe(vec![mk(false, true, 5), mk(true, false, 9)]);
        assert_eq!(out.len(), 1);
        assert!(out[0].direct && !out[0].dev);
        assert_eq!(out[0].line, 5);
    }
}
