//! `bun.lock`: bun's text lockfile (bun 1.1.39+, the default since bun 1.2).
//!
//! Format notes (as bun 1.2–1.4 writes it):
//! - JSON with trailing commas (JSONC: comments are accepted too). Top level:
//!   `lockfileVersion` (0, 1 or 2), `workspaces` (folder -> `{name, dependencies,
//!   devDependencies, optionalDependencies, peerDependencies}`, `""` is the root), and
//!   `packages`.
//! - `packages` keys are install paths: `ms`, `bundler/is-odd` (installed under
//!   `bundler`), `my-ms` (an alias: the key is the installed name). Each value is an
//!   array whose first item is `name@resolution`:
//!   - registry: `["ms@2.1.2", "<registry URL or \"\" for the default>", {meta}, "sha512-…"]`
//!   - tarball URL: `["kleur@http://host/kleur-4.1.5.tgz", {meta}, "sha512-…"]`
//!   - local tarball: `["bundler@local/bundler-1.0.0.tgz", {meta}, "sha512-…"]`
//!   - git: `["gitdep@git+https://host/r.git#<commit>", {meta}, "<commit>"]`,
//!     `["x@github:o/r#<commit>", {meta}, "o-r-<commit>"]`
//!   - folder: `["local-pkg@file:local/local-pkg", {meta}]`; symlink:
//!     `["linked-pkg@link:./local/linked-pkg", {meta}]`; workspace member:
//!     `["ws-a@workspace:packages/ws-a"]`.
//! - `meta` holds `dependencies`, `optionalDependencies`, `peerDependencies`, `bin`,
//!   `os`/`cpu`, and `bundled: true` for a package shipped inside its parent's tarball.
//! - A dependency named `n` of the package at path `p` is the entry at `p/n`, else at the
//!   parent folders' `…/n`, else the top-level `n` (node's resolution, which bun mirrors).
//!
//! `bun.lockb` (the binary lockfile of bun < 1.2) is not read: [`BUN_LOCKB_HELP`] says how
//! to write `bun.lock`.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use super::common::{Entry, LineIndex, Map, Node, dedupe, is_code_host_url, json, looks_like_version, split_name_spec};
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

const HELP_BUN: &str = "regenerate it with `bun install --lockfile-only` (bun 1.2 or newer)";

/// What to do with a `bun.lockb`.
pub const BUN_LOCKB_HELP: &str = "depgate reads bun's text lockfile bun.lock, not the binary bun.lockb: write it with `bun install --save-text-lockfile --frozen-lockfile --lockfile-only` (bun 1.1.39+), or `bun install --lockfile-only` with bun 1.2 or newer, commit bun.lock and delete bun.lockb";

/// Parses `bun.lock` text.
pub fn parse_bun_lock(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let lines = LineIndex::new(text);
    let clean = strip_jsonc(text);
    let root = json::parse(&clean, &lines).map_err(|e| {
        LockfileError::new(file, lines.line(e.offset), format!("not a valid bun.lock: {}", e.message), HELP_BUN)
    })?;
    let err = |line: usize, message: String| LockfileError::new(file, line, message, HELP_BUN);
    let Some(top) = root.as_map() else {
        return Err(err(1, "not a valid bun.lock: the top level is not an object".into()));
    };
    let Some(version) = top.entry("lockfileVersion") else {
        return Err(err(1, "not a bun.lock: there is no `lockfileVersion`".into()));
    };
    if !matches!(version.value.as_str(), Some("0" | "1" | "2")) {
        return Err(LockfileError::new(
            file,
            version.line,
            format!("unsupported bun.lock lockfileVersion {}: depgate reads 0, 1 and 2", version.value.display()),
            "if bun wrote this version, depgate needs an update",
        ));
    }
    let empty = Map::default();
    let packages = match top.entry("packages") {
        None => &empty,
        Some(Entry { value: Node::Map(m), .. }) => m,
        Some(e) => return Err(err(e.line, "`packages` is not an object".into())),
    };

    let mut nodes: Vec<Pkg<'_>> = Vec::with_capacity(packages.entries.len());
    for e in &packages.entries {
        nodes.push(Pkg::read(e).map_err(|m| err(e.line, format!("package `{}`: {m}", e.key)))?);
    }
    let by_path: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, p)| (p.path, i)).collect();
    let resolve = |from: &str, dep: &str| -> Option<usize> {
        let mut base = from;
        loop {
            let key = if base.is_empty() { dep.to_string() } else { format!("{base}/{dep}") };
            if let Some(&i) = by_path.get(key.as_str()) {
                return Some(i);
            }
            if base.is_empty() {
                return None;
            }
            base = parent_path(base);
        }
    };

    // Roots: what each workspace declares.
    let mut direct = vec![false; nodes.len()];
    let mut roots: Vec<(usize, bool, bool)> = Vec::new(); // (node, dev, optional)
    if let Some(ws) = top.get("workspaces").and_then(Node::as_map) {
        for w in &ws.entries {
            // Dependencies of a member are looked up under its name first.
            let base = w.value.str_field("name").filter(|_| !w.key.is_empty()).unwrap_or_default();
            for (field, dev, optional) in [
                ("dependencies", false, false),
                ("devDependencies", true, false),
                ("optionalDependencies", false, true),
            ] {
                for d in w.value.get(field).and_then(Node::as_map).map(|m| m.entries.as_slice()).unwrap_or_default() {
                    if let Some(i) = resolve(base, &d.key) {
                        direct[i] = true;
                        roots.push((i, dev, optional));
                    }
                }
            }
        }
    }
    let edges: Vec<Vec<(usize, bool)>> = nodes
        .iter()
        .map(|p| p.deps.iter().filter_map(|&(d, optional)| resolve(p.path, d).map(|t| (t, optional))).collect())
        .collect();
    let walk = |starts: &mut dyn Iterator<Item = usize>, follow_optional: bool| {
        let mut seen = vec![false; nodes.len()];
        let mut queue: VecDeque<usize> = starts.collect();
        for &s in &queue {
            seen[s] = true;
        }
        while let Some(n) = queue.pop_front() {
            for &(t, optional) in &edges[n] {
                if (follow_optional || !optional) && !seen[t] {
                    seen[t] = true;
                    queue.push_back(t);
                }
            }
        }
        seen
    };
    let prod = walk(&mut roots.iter().filter(|r| !r.1).map(|r| r.0), true);
    let dev = walk(&mut roots.iter().filter(|r| r.1).map(|r| r.0), true);
    let required = walk(&mut roots.iter().filter(|r| !r.2).map(|r| r.0), false);

    let mut out = Vec::with_capacity(nodes.len());
    for (i, p) in nodes.into_iter().enumerate() {
        let mut c = Coordinate::new(Ecosystem::Npm, p.name, p.version, file, p.line);
        c.integrity = p.integrity;
        c.resolved = p.resolved;
        c.alias = p.alias;
        c.direct = direct[i];
        c.dev = dev[i] && !prod[i];
        c.optional = (prod[i] || dev[i]) && !required[i];
        c.bundled = p.bundled;
        c.source = p.source;
        out.push(c);
    }
    Ok(dedupe(out))
}

/// `a/b/c` -> `a/b`, `@s/a/b` -> `@s/a`, `a` -> ``, `@s/a` -> ``.
fn parent_path(path: &str) -> &str {
    let Some(cut) = path.rfind('/') else { return "" };
    let parent = &path[..cut];
    // A trailing `@scope` is not a package of its own: it belongs to the name.
    match parent.rfind('/') {
        Some(at) if parent[at + 1..].starts_with('@') => &parent[..at],
        None if parent.starts_with('@') => "",
        _ => parent,
    }
}

/// One `packages` entry.
struct Pkg<'a> {
    path: &'a str,
    line: usize,
    name: String,
    version: String,
    alias: Option<String>,
    source: SourceKind,
    integrity: Option<String>,
    resolved: Option<String>,
    bundled: bool,
    deps: Vec<(&'a str, bool)>,
}

impl<'a> Pkg<'a> {
    fn read(e: &'a Entry) -> Result<Self, String> {
        let Node::Array(items) = &e.value else {
            return Err("is not an array".into());
        };
        let ident = items.first().and_then(Node::as_str).ok_or("has no `name@resolution` first item")?;
        let (name, spec) = split_name_spec(ident);
        if name.is_empty() || spec.is_empty() {
            return Err(format!("`{ident}` is not `name@resolution`"));
        }
        let meta = items.iter().skip(1).find(|n| n.as_map().is_some());
        let last_str = || items.iter().skip(1).rev().find_map(Node::as_str).filter(|s| !s.is_empty());
        let installed = e.key.rsplit('/').next().unwrap_or(&e.key);
        let installed_name = match e.key.rsplit_once('/') {
            // a scoped package: `@s/x` or `parent/@s/x`
            Some((head, _)) if head.rsplit('/').next().is_some_and(|s| s.starts_with('@')) => {
                let scope = head.rsplit('/').next().unwrap_or_default();
                format!("{scope}/{installed}")
            }
            _ => installed.to_string(),
        };
        let mut pkg = Pkg {
            path: e.key.as_str(),
            line: e.line,
            name: name.to_string(),
            version: spec.to_string(),
            alias: (installed_name != name).then_some(installed_name),
            source: SourceKind::Registry,
            integrity: None,
            resolved: None,
            bundled: meta.is_some_and(|m| m.bool_field("bundled")),
            deps: Vec::new(),
        };
        for (field, optional) in [("dependencies", false), ("optionalDependencies", true)] {
            if let Some(m) = meta.and_then(|m| m.get(field)).and_then(Node::as_map) {
                pkg.deps.extend(m.entries.iter().map(|d| (d.key.as_str(), optional)));
            }
        }
        let lower = spec.to_ascii_lowercase();
        if let Some(path) = spec.strip_prefix("workspace:").or_else(|| spec.strip_prefix("link:")) {
            pkg.source = SourceKind::Link(path.to_string());
        } else if let Some(path) = spec.strip_prefix("file:") {
            pkg.source = SourceKind::File(path.to_string());
        } else if ["git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "ssh:"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            pkg.source = SourceKind::Git(spec.to_string());
        } else if lower.starts_with("http://") || lower.starts_with("https://") {
            pkg.source = SourceKind::Tarball(spec.to_string());
            pkg.integrity = last_str().filter(|s| s.contains('-')).map(str::to_string);
            pkg.resolved = Some(spec.to_string());
        } else if looks_like_version(spec) {
            // `["name@1.0.0", "<registry or \"\">", {meta}, "sha512-…"]`
            let registry = items.get(1).and_then(Node::as_str).ok_or("has no registry item after `name@version`")?;
            pkg.integrity = last_str().filter(|s| s.contains('-') && *s != registry).map(str::to_string);
            if !registry.is_empty() {
                pkg.resolved = Some(registry.to_string());
                if is_code_host_url(registry) {
                    pkg.source = SourceKind::Tarball(registry.to_string());
                }
            }
        } else {
            // A local tarball or folder given by path (`local/x-1.0.0.tgz`).
            pkg.source = SourceKind::File(spec.to_string());
            pkg.integrity = last_str().filter(|s| s.contains('-')).map(str::to_string);
            // bun records no version for it; the manifest's is unknown to the lockfile.
        }
        if let SourceKind::Git(_) | SourceKind::Link(_) | SourceKind::File(_) | SourceKind::Tarball(_) = pkg.source {
            // Its own version, when the entry records one (`meta.version`), else the
            // resolution stands for it.
            if let Some(v) = meta.and_then(|m| m.str_field("version")) {
                pkg.version = v.to_string();
            }
        }
        Ok(pkg)
    }
}

/// `text` with JSONC comments blanked and trailing commas removed, every other byte (and
/// so every offset and line) in place.
fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_string = false;
    // Offset of the last `,` outside strings with only blanks/comments after it so far.
    let mut pending_comma: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                pending_comma = None;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text.get(i + 2..).and_then(|r| r.find("*/")).map_or(b.len(), |e| i + 2 + e + 2);
                for (k, slot) in out.iter_mut().enumerate().take(end).skip(i) {
                    if b[k] != b'\n' {
                        *slot = b' ';
                    }
                }
                i = end;
                continue;
            }
            b',' => pending_comma = Some(i),
            b'}' | b']' => {
                if let Some(at) = pending_comma.take() {
                    out[at] = b' ';
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => pending_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes outside strings were replaced by ASCII: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_bun_lock(text, Path::new("bun.lock"))
    }

    #[test]
    fn jsonc_is_stripped_in_place() {
        let t = "{\n  // c\n  \"a\": [1, 2,], /* x\n y */ \"b\": {\"s\": \"//,]\",},\n}";
        let s = strip_jsonc(t);
        assert_eq!(s.len(), t.len());
        assert_eq!(s.lines().count(), t.lines().count());
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["b"]["s"], "//,]");
        assert_eq!(v["a"], serde_json::json!([1, 2]));
    }

    #[test]
    fn parents() {
        assert_eq!(parent_path("a/b/c"), "a/b");
        assert_eq!(parent_path("a"), "");
        assert_eq!(parent_path("@s/a"), "");
        assert_eq!(parent_path("@s/a/b"), "@s/a");
        assert_eq!(parent_path("x/@s/a"), "x");
    }

    #[test]
    fn kinds_flags_and_nesting() {
        let text = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": { "a": "^1", "al": "npm:real@2.0.0", "g": "github:o/g", "@s/x": "1.0.0", },
      "devDependencies": { "d": "1.0.0", },
      "optionalDependencies": { "o": "1.0.0", },
    },
    "packages/w": { "name": "w", "dependencies": { "a": "^2" } },
  },
  "packages": {
    "a": ["a@1.0.0", "", { "dependencies": { "b": "1.0.0" } }, "sha512-a"],
    "al": ["real@2.0.0", "", {}, "sha512-r"],
    "b": ["b@1.0.0", "https://npm.example.com/", {}, "sha512-b"],
    "d": ["d@1.0.0", "", { "dependencies": { "b": "1.0.0", "e": "1" } }, "sha512-d"],
    "e": ["e@1.0.0", "", {}, "sha512-e"],
    "g": ["g@github:o/g#abc", {}, "o-g-abc"],
    "o": ["o@1.0.0", "", {}, "sha512-o"],
    "w": ["w@workspace:packages/w"],
    "w/a": ["a@2.0.0", "", {}, "sha512-a2"],
    "@s/x": ["@s/x@1.0.0", "", {}, "sha512-x"],
    "@s/x/b": ["b@2.0.0", "", { "bundled": true }, "sha512-b2"],
  },
}"#;
        let c = p(text).unwrap();
        let get = |n: &str, v: &str| c.iter().find(|c| c.name == n && c.version == v).unwrap();
        assert!(get("a", "1.0.0").direct && !get("a", "1.0.0").dev);
        assert_eq!(get("a", "1.0.0").integrity.as_deref(), Some("sha512-a"));
        assert!(get("a", "2.0.0").direct, "the member's own copy");
        assert_eq!(get("real", "2.0.0").alias.as_deref(), Some("al"));
        assert!(!get("b", "1.0.0").dev, "reached from prod and dev");
        assert_eq!(get("b", "1.0.0").resolved.as_deref(), Some("https://npm.example.com/"));
        assert!(get("e", "1.0.0").dev && !get("e", "1.0.0").direct);
        assert!(get("o", "1.0.0").optional);
        assert_eq!(get("g", "github:o/g#abc").source, SourceKind::Git("github:o/g#abc".into()));
        assert_eq!(get("w", "workspace:packages/w").source, SourceKind::Link("packages/w".into()));
        let bundled = get("b", "2.0.0");
        assert!(bundled.bundled && bundled.alias.is_none());
        assert_eq!(get("a", "1.0.0").line, 13);
    }

    #[test]
    fn errors_have_lines() {
        let e = p("{\n  \"lockfileVersion\": 9,\n}").unwrap_err();
        assert_eq!(e.line, 2);
        let e = p("{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"a\": [\"a\"],\n  },\n}").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("`a`"), "{e}");
        let e = p("{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"a\": [\"a@1.0.0\"],\n  },\n}").unwrap_err();
        assert_eq!(e.line, 4);
        let e = p("{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"a\": [\"a@1.0.0\", \n").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        assert!(p("").is_err());
        assert!(p("[]").is_err());
        assert!(p(&"[".repeat(5000)).is_err());
    }
}
