//! `pnpm-lock.yaml`: lockfileVersion `6.0`/`6.1` (pnpm 8) and `9.0` (pnpm 9 and 10).
//!
//! Format notes (pnpm's lockfile as written by the clients):
//! - v6: `packages` keys are dependency paths `/name@1.0.0`, with peer suffixes
//!   `/name@1.0.0(peer@2.0.0)`; non-registry packages have keys such as
//!   `file:local/pkg` and carry `name`/`version` fields. Each entry has a `resolution`
//!   (`{integrity}`, `{integrity, tarball}`, `{directory, type: directory}`,
//!   `{repo, commit, type: git}`), `dependencies`, `optionalDependencies`, `dev` (`true`:
//!   dev only, `false`: prod only, absent: both) and `optional`.
//!   A single project lists its `dependencies`/`devDependencies`/`optionalDependencies` at
//!   the top level; a workspace has `importers` (folder -> the same three maps).
//! - v9: keys have no leading `/`. `packages` holds resolutions keyed without peer suffix;
//!   `snapshots` holds the instances (peer-suffixed keys) with their `dependencies` and
//!   `optional`; there is no `dev` flag: dev is computed by walking from the importers.
//! - An importer or package dependency maps a name to a reference: a version (`1.0.0`,
//!   `1.0.0(peer@2.0.0)`), a full dependency path for aliases (`/bar@1.0.0` in v6,
//!   `bar@1.0.0` in v9), `file:…`, or `link:…` (a symlink, reported as
//!   [`SourceKind::Link`]).

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use super::common::{Entry, Map, Node, classify_resolved, dedupe, looks_like_version, split_name_spec};
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

const HELP_PNPM: &str = "regenerate it with `pnpm install --lockfile-only` (pnpm 8 or newer)";

/// Parses `pnpm-lock.yaml` text (lockfile v6 and v9).
pub fn parse_pnpm_lock(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let docs = yaml::parse(text).map_err(|e| {
        LockfileError::new(file, e.line, format!("not a valid pnpm-lock.yaml: {}", e.message), HELP_PNPM)
    })?;
    // pnpm 10 may write a first document (config dependencies) before the lockfile
    // proper; the lockfile is the last document that has a lockfileVersion.
    let Some((top, version_entry)) =
        docs.iter().rev().filter_map(Node::as_map).find_map(|m| Some((m, m.entry("lockfileVersion")?)))
    else {
        return Err(LockfileError::new(
            file,
            usize::from(!text.trim().is_empty()),
            "not a pnpm-lock.yaml: there is no `lockfileVersion`",
            HELP_PNPM,
        ));
    };
    let version = version_entry.value.as_str().unwrap_or_default();
    let major = version.split('.').next().and_then(|m| m.trim().parse::<u32>().ok());
    let v9 = match major {
        Some(6) => false,
        Some(9) => true,
        _ => {
            return Err(LockfileError::new(
                file,
                version_entry.line,
                format!(
                    "unsupported pnpm lockfileVersion {}: depgate reads 6.x (pnpm 8) and 9.0 (pnpm 9 and 10)",
                    version_entry.value.display()
                ),
                HELP_PNPM,
            ));
        }
    };
    Lock { file, v9, top }.coordinates()
}

struct Lock<'a> {
    file: &'a Path,
    v9: bool,
    top: &'a Map,
}

/// One installed instance: a v6 `packages` entry or a v9 `snapshots` entry.
struct Inst<'a> {
    line: usize,
    name: String,
    version: String,
    source: SourceKind,
    integrity: Option<String>,
    resolved: Option<String>,
    /// (dependency name, reference, entry of the reference, optional edge)
    deps: Vec<(&'a str, &'a str, &'a Entry, bool)>,
    dev_flag: Option<bool>,
    optional: bool,
}

impl<'a> Lock<'a> {
    fn error(&self, line: usize, message: impl Into<String>) -> LockfileError {
        LockfileError::new(self.file, line, message, HELP_PNPM)
    }

    fn section(&self, name: &str) -> Result<Option<&'a Map>, LockfileError> {
        match self.top.entry(name) {
            None | Some(Entry { value: Node::Null, .. }) => Ok(None),
            Some(Entry { value: Node::Map(m), .. }) => Ok(Some(m)),
            Some(e) => Err(self.error(e.line, format!("`{name}` is not a mapping"))),
        }
    }

    fn coordinates(&self) -> Result<Vec<Coordinate>, LockfileError> {
        let packages = self.section("packages")?;
        let insts = if self.v9 {
            let snapshots = self.section("snapshots")?;
            self.instances_v9(packages, snapshots)?
        } else {
            self.instances_v6(packages)?
        };
        let keys: HashMap<&str, usize> = insts.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect();
        let mut insts: Vec<Inst<'a>> = insts.into_iter().map(|(_, i)| i).collect();

        // Importers: `importers` (workspace, and always in v9) or the top level (v6 single
        // project).
        let importers: Vec<&Map> = match self.section("importers")? {
            Some(m) => m.entries.iter().filter_map(|e| e.value.as_map()).collect(),
            None => vec![self.top],
        };

        let mut out: Vec<Coordinate> = Vec::new();
        let mut direct = vec![false; insts.len()];
        let mut alias: Vec<Option<String>> = vec![None; insts.len()];
        let mut prod_roots: Vec<usize> = Vec::new();
        let mut dev_roots: Vec<usize> = Vec::new();
        for importer in &importers {
            for field in ["dependencies", "optionalDependencies", "devDependencies"] {
                let Some(deps) = importer.get(field).and_then(Node::as_map) else {
                    continue;
                };
                for dep in &deps.entries {
                    let reference = match &dep.value {
                        // inline specifiers (v6+): {specifier, version}
                        Node::Map(m) => m.get("version").and_then(Node::as_str),
                        other => other.as_str(),
                    };
                    let Some(reference) = reference else {
                        return Err(self.error(dep.line, format!("dependency `{}` has no version", dep.key)));
                    };
                    if let Some(path) = reference.strip_prefix("link:") {
                        out.push(self.link(&dep.key, reference, path, dep.line, true, field));
                        continue;
                    }
                    let Some(i) = self.lookup(&keys, &dep.key, reference) else {
                        continue;
                    };
                    direct[i] = true;
                    if insts[i].name != dep.key && alias[i].is_none() {
                        alias[i] = Some(dep.key.clone());
                    }
                    if field == "devDependencies" {
                        dev_roots.push(i);
                    } else {
                        prod_roots.push(i);
                    }
                }
            }
        }

        // Edges between instances (and link: references inside packages).
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); insts.len()];
        for (i, inst) in insts.iter().enumerate() {
            for &(name, reference, entry, _optional) in &inst.deps {
                if let Some(path) = reference.strip_prefix("link:") {
                    out.push(self.link(name, reference, path, entry.line, false, "dependencies"));
                    continue;
                }
                if let Some(t) = self.lookup(&keys, name, reference) {
                    edges[i].push(t);
                    if insts[t].name != name && alias[t].is_none() {
                        alias[t] = Some(name.to_string());
                    }
                }
            }
        }
        let prod = reach(&prod_roots, &edges);
        let dev = reach(&dev_roots, &edges);

        for (i, inst) in insts.iter_mut().enumerate() {
            let dev_only = match inst.dev_flag {
                Some(flag) => flag,
                None if self.v9 => dev[i] && !prod[i],
                // v6 without `dev`: used by both dev and prod.
                None => false,
            };
            out.push(Coordinate {
                ecosystem: Ecosystem::Npm,
                name: std::mem::take(&mut inst.name),
                version: std::mem::take(&mut inst.version),
                integrity: inst.integrity.take(),
                resolved: inst.resolved.take(),
                alias: alias[i].take(),
                direct: direct[i],
                dev: dev_only,
                optional: inst.optional,
                // pnpm records bundled packages only as names on their parent.
                bundled: false,
                files: Vec::new(),
                classifier: None,
                extension: None,
                source: std::mem::replace(&mut inst.source, SourceKind::Registry),
                source_file: self.file.to_path_buf(),
                line: inst.line,
            });
        }
        Ok(dedupe(out))
    }

    fn link(&self, name: &str, reference: &str, path: &str, line: usize, direct: bool, field: &str) -> Coordinate {
        Coordinate {
            ecosystem: Ecosystem::Npm,
            name: name.to_string(),
            // pnpm records no version for a link: the reference stands for it.
            version: reference.to_string(),
            integrity: None,
            resolved: None,
            alias: None,
            direct,
            dev: direct && field == "devDependencies",
            optional: direct && field == "optionalDependencies",
            bundled: false,
            files: Vec::new(),
            classifier: None,
            extension: None,
            source: SourceKind::Link(path.to_string()),
            source_file: self.file.to_path_buf(),
            line,
        }
    }

    /// The instance a dependency reference points at.
    fn lookup(&self, keys: &HashMap<&str, usize>, name: &str, reference: &str) -> Option<usize> {
        let candidates: Vec<String> = if self.v9 {
            vec![format!("{name}@{reference}"), reference.to_string()]
        } else {
            vec![format!("/{name}@{reference}"), reference.to_string(), format!("/{reference}")]
        };
        candidates.iter().find_map(|k| keys.get(k.as_str()).copied())
    }

    fn instances_v6(&self, packages: Option<&'a Map>) -> Result<Vec<(&'a str, Inst<'a>)>, LockfileError> {
        let mut out = Vec::new();
        for e in packages.map(|p| p.entries.as_slice()).unwrap_or_default() {
            let node = &e.value;
            if node.as_map().is_none() {
                return Err(self.error(e.line, format!("package `{}` is not a mapping", e.key)));
            }
            let (key_name, key_version) = match e.key.strip_prefix('/') {
                Some(path) => {
                    let (n, v) = split_name_spec(strip_peers(path));
                    (n.to_string(), v.to_string())
                }
                None => (String::new(), e.key.clone()),
            };
            let name = node.str_field("name").map_or(key_name, str::to_string);
            let version = node.str_field("version").map_or(key_version, str::to_string);
            if name.is_empty() || version.is_empty() {
                return Err(self.error(e.line, format!("cannot tell the package name and version of `{}`", e.key)));
            }
            // `/name@1.0.0` keys are registry packages; others (`file:…`, URLs, git
            // hosts) are not.
            let registry_key = e.key.starts_with('/');
            let (source, integrity, resolved) = resolution(self, e, node, registry_key)?;
            out.push((
                e.key.as_str(),
                Inst {
                    line: e.line,
                    name,
                    version,
                    source,
                    integrity,
                    resolved,
                    deps: deps_of(node),
                    dev_flag: match node.str_field("dev") {
                        Some("true") => Some(true),
                        Some("false") => Some(false),
                        _ => None,
                    },
                    optional: node.bool_field("optional"),
                },
            ));
        }
        Ok(out)
    }

    fn instances_v9(
        &self,
        packages: Option<&'a Map>,
        snapshots: Option<&'a Map>,
    ) -> Result<Vec<(&'a str, Inst<'a>)>, LockfileError> {
        let pkgs: HashMap<&str, &Entry> =
            packages.map(|p| p.entries.iter().map(|e| (e.key.as_str(), e)).collect()).unwrap_or_default();
        // Without `snapshots` (not written by pnpm 9, but harmless), packages are instances.
        let instances: &[Entry] = match snapshots {
            Some(s) => &s.entries,
            None => packages.map(|p| p.entries.as_slice()).unwrap_or_default(),
        };
        let mut out = Vec::new();
        for snap in instances {
            let base = strip_peers(&snap.key);
            let Some(pkg) = pkgs.get(base).or_else(|| pkgs.get(snap.key.as_str())) else {
                return Err(self.error(snap.line, format!("snapshot `{}` has no entry in `packages`", snap.key)));
            };
            let node = &pkg.value;
            if node.as_map().is_none() {
                return Err(self.error(pkg.line, format!("package `{}` is not a mapping", pkg.key)));
            }
            let (key_name, spec) = split_name_spec(base);
            let name = node.str_field("name").unwrap_or(key_name).to_string();
            let version = node.str_field("version").unwrap_or(spec).to_string();
            if name.is_empty() || version.is_empty() {
                return Err(self.error(pkg.line, format!("cannot tell the package name and version of `{}`", pkg.key)));
            }
            let registry_key = looks_like_version(spec);
            let (source, integrity, resolved) = resolution(self, pkg, node, registry_key)?;
            out.push((
                snap.key.as_str(),
                Inst {
                    line: pkg.line,
                    name,
                    version,
                    source,
                    integrity,
                    resolved,
                    deps: deps_of(&snap.value),
                    dev_flag: None,
                    optional: snap.value.bool_field("optional") || node.bool_field("optional"),
                },
            ));
        }
        Ok(out)
    }
}

/// `name@1.0.0(peer@2.0.0)(other@1.0.0)` -> `name@1.0.0`.
fn strip_peers(key: &str) -> &str {
    // The name may not contain `(`; look after the name's `@`.
    let from = usize::from(key.starts_with('@'));
    let Some(at) = key.get(from..).and_then(|r| r.find('@')).map(|i| from + i) else {
        return key;
    };
    match key.get(at..).and_then(|r| r.find('(')) {
        Some(i) => &key[..at + i],
        None => key,
    }
}

fn deps_of(node: &Node) -> Vec<(&str, &str, &Entry, bool)> {
    let mut out = Vec::new();
    for (field, optional) in [("dependencies", false), ("optionalDependencies", true)] {
        if let Some(m) = node.get(field).and_then(Node::as_map) {
            for e in &m.entries {
                if let Some(r) = e.value.as_str() {
                    out.push((e.key.as_str(), r, e, optional));
                }
            }
        }
    }
    out
}

type Resolved = (SourceKind, Option<String>, Option<String>);

fn resolution(lock: &Lock<'_>, e: &Entry, node: &Node, registry_key: bool) -> Result<Resolved, LockfileError> {
    let Some(res) = node.get("resolution") else {
        return Err(lock.error(e.line, format!("package `{}` has no `resolution`", e.key)));
    };
    let integrity = res.str_field("integrity").map(str::to_string);
    if res.str_field("type") == Some("git") || (res.get("repo").is_some() && res.get("commit").is_some()) {
        let repo = res.str_field("repo").unwrap_or_default();
        let commit = res.str_field("commit").unwrap_or_default();
        return Ok((SourceKind::Git(format!("{repo}#{commit}")), integrity, None));
    }
    if let Some(dir) = res.str_field("directory") {
        return Ok((SourceKind::File(dir.to_string()), integrity, None));
    }
    if let Some(tarball) = res.str_field("tarball") {
        // A registry package keeps a version-keyed entry even when pnpm records its
        // tarball (registries whose tarball URLs are not derivable); a URL dependency is
        // keyed by its URL.
        let source = classify_resolved(tarball, registry_key);
        return Ok((source, integrity, Some(tarball.to_string())));
    }
    if integrity.is_none() && res.as_map().is_none() {
        return Err(lock.error(e.line, format!("package `{}` has an unreadable `resolution`", e.key)));
    }
    // A plain `{integrity}`: the registry.
    Ok((SourceKind::Registry, integrity, None))
}

/// Nodes reachable from `roots`.
fn reach(roots: &[usize], edges: &[Vec<usize>]) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for &r in roots {
        if !seen[r] {
            seen[r] = true;
            queue.push_back(r);
        }
    }
    while let Some(n) = queue.pop_front() {
        for &t in &edges[n] {
            if !seen[t] {
                seen[t] = true;
                queue.push_back(t);
            }
        }
    }
    seen
}

/// A YAML reader that keeps the line of every mapping key (on top of yaml-rust2's event
/// parser). Scalars stay strings (`true` is `"true"`), except plain empty / `null` / `~`
/// which are `Null`. Aliases read as `Null` (pnpm and yarn write none).
pub(crate) mod yaml {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::{Marker, TScalarStyle};

    use super::super::common::{Entry, Map, Node};

    const MAX_DEPTH: usize = 128;

    #[derive(Debug)]
    pub(crate) struct Error {
        pub(crate) line: usize,
        pub(crate) message: String,
    }

    pub(crate) fn parse(text: &str) -> Result<Vec<Node>, Error> {
        let mut b = Builder::default();
        let mut parser = Parser::new_from_str(text);
        parser
            .load(&mut b, true)
            .map_err(|e| Error { line: e.marker().line().max(1), message: e.info().to_string() })?;
        if let Some(e) = b.error {
            return Err(e);
        }
        Ok(b.docs)
    }

    enum Frame {
        Seq(Vec<Node>),
        Map(Map, Option<(String, usize)>),
    }

    #[derive(Default)]
    struct Builder {
        stack: Vec<Frame>,
        docs: Vec<Node>,
        error: Option<Error>,
    }

    impl Builder {
        fn insert(&mut self, value: Node, mark: Marker) {
            match self.stack.last_mut() {
                None => self.docs.push(value),
                Some(Frame::Seq(items)) => items.push(value),
                Some(Frame::Map(map, pending)) => match pending.take() {
                    Some((key, line)) => map.entries.push(Entry { key, offset: 0, line, value }),
                    None => match value {
                        Node::String(k) | Node::Number(k) => {
                            *pending = Some((k, mark.line().max(1)));
                        }
                        Node::Null => *pending = Some((String::new(), mark.line().max(1))),
                        _ => {
                            if self.error.is_none() {
                                self.error = Some(Error {
                                    line: mark.line().max(1),
                                    message: "complex mapping keys are not supported".into(),
                                });
                            }
                            *pending = Some((String::new(), mark.line().max(1)));
                        }
                    },
                },
            }
        }
    }

    impl MarkedEventReceiver for Builder {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            if self.error.is_some() {
                return;
            }
            match ev {
                Event::Scalar(v, style, _, _) => {
                    let node = if style == TScalarStyle::Plain && (v.is_empty() || v == "null" || v == "~") {
                        Node::Null
                    } else {
                        Node::String(v)
                    };
                    self.insert(node, mark);
                }
                Event::Alias(_) => self.insert(Node::Null, mark),
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    if self.stack.len() >= MAX_DEPTH {
                        self.error = Some(Error { line: mark.line().max(1), message: "nesting is too deep".into() });
                        return;
                    }
                    self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                        Frame::Seq(Vec::new())
                    } else {
                        Frame::Map(Map::default(), None)
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let node = match self.stack.pop() {
                        Some(Frame::Seq(items)) => Node::Array(items),
                        Some(Frame::Map(map, _)) => Node::Map(map),
                        None => return,
                    };
                    self.insert(node, mark);
                }
                Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_pnpm_lock(text, Path::new("pnpm-lock.yaml"))
    }

    #[test]
    fn strip_peer_suffixes() {
        assert_eq!(strip_peers("a@1.0.0(b@2.0.0)(c@3)"), "a@1.0.0");
        assert_eq!(strip_peers("@s/a@1.0.0(@s/b@2.0.0)"), "@s/a@1.0.0");
        assert_eq!(strip_peers("a@1.0.0"), "a@1.0.0");
        assert_eq!(strip_peers("("), "(");
    }

    #[test]
    fn yaml_lines_are_one_based_key_lines() {
        let docs = yaml::parse("a:\n  b: 1\n  'c@1': {x: y}\n").unwrap();
        let m = docs[0].as_map().unwrap();
        assert_eq!(m.entries[0].line, 1);
        let inner = m.entries[0].value.as_map().unwrap();
        assert_eq!((inner.entries[0].key.as_str(), inner.entries[0].line), ("b", 2));
        assert_eq!((inner.entries[1].key.as_str(), inner.entries[1].line), ("c@1", 3));
    }

    #[test]
    fn v6_single_project_alias_peer_and_dev() {
        let text = "lockfileVersion: '6.0'

dependencies:
  foo:
    specifier: npm:bar@^1
    version: /bar@1.0.0
  p:
    specifier: ^1
    version: 1.0.0(q@2.0.0)

devDependencies:
  q:
    specifier: ^2
    version: 2.0.0

packages:

  /bar@1.0.0:
    resolution: {integrity: sha512-bar}
    dev: false

  /p@1.0.0(q@2.0.0):
    resolution: {integrity: sha512-p}
    peerDependencies:
      q: ^2
    dependencies:
      q: 2.0.0
    dev: false

  /q@2.0.0:
    resolution: {integrity: sha512-q}
";
        let c = p(text).unwrap();
        let get = |n: &str| c.iter().find(|c| c.name == n).unwrap();
        assert_eq!(get("bar").alias.as_deref(), Some("foo"));
        assert_eq!(get("bar").line, 18);
        assert!(get("p").direct && !get("p").dev);
        assert_eq!(get("p").version, "1.0.0");
        assert!(!get("q").dev, "no dev flag in v6 means both");
    }

    #[test]
    fn errors_have_lines() {
        let e = p("lockfileVersion: '5.4'\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("5.4"));
        let e = p("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n   bad: 1\n")
            .unwrap_err();
        assert!(e.line >= 4, "{e}");
        assert!(p("").is_err());
        assert!(p("[a, b]").is_err());
        let e = p("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    engines: {}\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = p("lockfileVersion: '9.0'\nsnapshots:\n  a@1.0.0: {}\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(p(&"[".repeat(5000)).is_err());
        assert!(p(&"a:\n".repeat(3)).is_err());
    }
}
