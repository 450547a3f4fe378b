//! `pnpm-lock.yaml`: lockfileVersion `5.0`–`5.4` (pnpm 5–7), `6.0`/`6.1` (pnpm 8) and `9.0`
//! (pnpm 9, 10 and 11).
//!
//! Format notes (pnpm's lockfile as written by the clients):
//! - v5: `packages` keys are `/name/1.0.0` (`/@scope/name/1.0.0`), peer-suffixed
//!   `/name/1.0.0_peer@2.0.0` (a `/` inside a peer's name is written `+`; long suffixes
//!   become a hash). Non-registry packages have keys that are not of that shape:
//!   `file:local/pkg`, `'@127.0.0.1+8080/x-1.0.0.tgz'` (a tarball URL),
//!   `127.0.0.1/gitdep/<commit>` or `/tmp/repo/gitdep/<commit>` (git), and carry
//!   `name`/`version` fields — except a `git+file:` dependency, which pnpm 7 writes with
//!   neither: its name is the one the project depends on it by and its version the commit.
//!   References are a version (`1.0.0`, `1.0.0_peer@2.0.0`) or a whole key (aliases:
//!   `/bar/1.0.0`; non-registry packages). A single project's `specifiers` sit at the top
//!   level beside its `dependencies`; a workspace has `importers`.
//! - v6: keys are `/name@1.0.0`, with peer suffixes `/name@1.0.0(peer@2.0.0)`;
//!   non-registry keys such as `file:local/pkg`. Each entry has a `resolution`
//!   (`{integrity}`, `{integrity, tarball}`, `{directory, type: directory}`,
//!   `{repo, commit, type: git}`), `dependencies`, `optionalDependencies`, `dev` (`true`:
//!   dev only, `false`: prod only, absent: both) and `optional` (v5 likewise).
//!   A single project lists its `dependencies`/`devDependencies`/`optionalDependencies` at
//!   the top level; a workspace has `importers` (folder -> the same three maps).
//! - v9: keys have no leading `/`. `packages` holds resolutions keyed without peer suffix;
//!   `snapshots` holds the instances (peer-suffixed keys) with their `dependencies` and
//!   `optional`; there is no `dev` flag: dev is computed by walking from the importers.
//! - pnpm 11 (and pnpm 10 with config dependencies) writes two YAML documents: the first
//!   locks what pnpm installs for itself — `importers['.'].packageManagerDependencies`
//!   (`pnpm`, `@pnpm/exe` and its platform packages) and `configDependencies` — in the v9
//!   shape; the second is the project's lockfile. Every document is read; what only the
//!   package manager's roots reach is marked [`Coordinate::package_manager`].
//! - An importer or package dependency maps a name to a reference: a version, a full
//!   dependency path for aliases (`/bar@1.0.0` in v6, `bar@1.0.0` in v9), `file:…`, or
//!   `link:…` (a symlink, reported as [`SourceKind::Link`]).

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use super::common::{Entry, Map, Node, classify_resolved, dedupe, looks_like_version, split_name_spec};
use super::yaml;
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

const HELP_PNPM: &str = "regenerate it with `pnpm install --lockfile-only`";

/// Importer fields that hold the package manager's own packages, not the project's.
const PM_FIELDS: [&str; 2] = ["packageManagerDependencies", "configDependencies"];
/// Importer fields that hold the project's dependencies.
const PROJECT_FIELDS: [&str; 3] = ["dependencies", "optionalDependencies", "devDependencies"];

/// Parses `pnpm-lock.yaml` text (lockfile v5, v6 and v9; every YAML document of it).
pub fn parse_pnpm_lock(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let docs = yaml::parse(text).map_err(|e| {
        LockfileError::new(file, e.line, format!("not a valid pnpm-lock.yaml: {}", e.message), HELP_PNPM)
    })?;
    let mut out = Vec::new();
    let mut found = false;
    for doc in &docs {
        let Some(top) = doc.as_map() else { continue };
        let Some(version_entry) = top.entry("lockfileVersion") else {
            if let Some(e) = top.entry("packages").or_else(|| top.entry("importers")) {
                return Err(LockfileError::new(
                    file,
                    e.line,
                    "this YAML document has packages but no `lockfileVersion`",
                    HELP_PNPM,
                ));
            }
            continue;
        };
        found = true;
        let format = Format::of(file, version_entry)?;
        out.extend(Lock { file, format, top }.coordinates()?);
    }
    if !found {
        return Err(LockfileError::new(
            file,
            usize::from(!text.trim().is_empty()),
            "not a pnpm-lock.yaml: there is no `lockfileVersion`",
            HELP_PNPM,
        ));
    }
    Ok(dedupe(out))
}

/// The lockfile shapes, by `lockfileVersion`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    /// 5.x: `/name/1.0.0_peer@2.0.0` keys.
    V5,
    /// 6.x: `/name@1.0.0(peer@2.0.0)` keys.
    V6,
    /// 9.x: `name@1.0.0` in `packages`, instances in `snapshots`.
    V9,
}

impl Format {
    fn of(file: &Path, version_entry: &Entry) -> Result<Self, LockfileError> {
        let version = version_entry.value.as_str().unwrap_or_default();
        let major = version.split('.').next().and_then(|m| m.trim().parse::<u32>().ok());
        Ok(match major {
            Some(5) => Format::V5,
            Some(6) => Format::V6,
            Some(9) => Format::V9,
            _ => {
                return Err(LockfileError::new(
                    file,
                    version_entry.line,
                    format!(
                        "unsupported pnpm lockfileVersion {}: depgate reads 5.x (pnpm 5, 6 and 7), 6.x (pnpm 8) and 9.0 (pnpm 9, 10 and 11)",
                        version_entry.value.display()
                    ),
                    "regenerate it with `pnpm install --lockfile-only` (pnpm 5 or newer)",
                ));
            }
        })
    }
}

struct Lock<'a> {
    file: &'a Path,
    format: Format,
    top: &'a Map,
}

/// One installed instance: a v5/v6 `packages` entry or a v9 `snapshots` entry.
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

/// Where an importer dependency leads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RootKind {
    Prod,
    Dev,
    PackageManager,
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

    /// Importers: `importers` (workspace, and always in v9) or the top level (v5/v6
    /// single project).
    fn importers(&self) -> Result<Vec<&'a Map>, LockfileError> {
        Ok(match self.section("importers")? {
            Some(m) => m.entries.iter().filter_map(|e| e.value.as_map()).collect(),
            None => vec![self.top],
        })
    }

    /// `(field, name, reference, line)` of every importer dependency.
    fn importer_deps(&self) -> Result<Vec<(&'static str, &'a str, &'a str, usize)>, LockfileError> {
        let mut out = Vec::new();
        for importer in self.importers()? {
            for field in PROJECT_FIELDS.into_iter().chain(PM_FIELDS) {
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
                    out.push((field, dep.key.as_str(), reference, dep.line));
                }
            }
        }
        Ok(out)
    }

    fn coordinates(&self) -> Result<Vec<Coordinate>, LockfileError> {
        let packages = self.section("packages")?;
        let importer_deps = self.importer_deps()?;
        let insts = if self.format == Format::V9 {
            let snapshots = self.section("snapshots")?;
            self.instances_v9(packages, snapshots)?
        } else {
            let referrers = self.referrers(packages, &importer_deps);
            self.instances_keyed(packages, &referrers)?
        };
        let keys: HashMap<&str, usize> = insts.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect();
        let mut insts: Vec<Inst<'a>> = insts.into_iter().map(|(_, i)| i).collect();

        let mut out: Vec<Coordinate> = Vec::new();
        let mut direct = vec![false; insts.len()];
        let mut alias: Vec<Option<String>> = vec![None; insts.len()];
        let mut roots: Vec<(usize, RootKind)> = Vec::new();
        for &(field, name, reference, line) in &importer_deps {
            let kind = match field {
                "devDependencies" => RootKind::Dev,
                f if PM_FIELDS.contains(&f) => RootKind::PackageManager,
                _ => RootKind::Prod,
            };
            if let Some(path) = reference.strip_prefix("link:") {
                let mut c = self.link(name, reference, path, line, true, field);
                c.package_manager = kind == RootKind::PackageManager;
                out.push(c);
                continue;
            }
            let Some(i) = self.lookup(&keys, name, reference) else {
                continue;
            };
            direct[i] = true;
            if insts[i].name != name && alias[i].is_none() {
                alias[i] = Some(name.to_string());
            }
            roots.push((i, kind));
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
        let from =
            |kind: RootKind| -> Vec<usize> { roots.iter().filter(|(_, k)| *k == kind).map(|(i, _)| *i).collect() };
        let prod = reach(&from(RootKind::Prod), &edges);
        let dev = reach(&from(RootKind::Dev), &edges);
        let pm = reach(&from(RootKind::PackageManager), &edges);
        // A document whose only roots are the package manager's (pnpm 11's first one):
        // everything in it is the package manager's.
        let pm_document = roots.iter().all(|(_, k)| *k == RootKind::PackageManager) && !roots.is_empty();

        for (i, inst) in insts.iter_mut().enumerate() {
            let dev_only = match inst.dev_flag {
                Some(flag) => flag,
                None if self.format == Format::V9 => dev[i] && !prod[i],
                // v5/v6 without `dev`: used by both dev and prod.
                None => false,
            };
            let mut c = Coordinate::new(
                Ecosystem::Npm,
                std::mem::take(&mut inst.name),
                std::mem::take(&mut inst.version),
                self.file,
                inst.line,
            );
            c.integrity = inst.integrity.take();
            c.resolved = inst.resolved.take();
            c.alias = alias[i].take();
            c.direct = direct[i];
            c.dev = dev_only;
            c.optional = inst.optional;
            // pnpm records bundled packages only as names on their parent.
            c.package_manager = pm_document || (pm[i] && !prod[i] && !dev[i]);
            c.source = std::mem::replace(&mut inst.source, SourceKind::Registry);
            out.push(c);
        }
        Ok(out)
    }

    fn link(&self, name: &str, reference: &str, path: &str, line: usize, direct: bool, field: &str) -> Coordinate {
        // pnpm records no version for a link: the reference stands for it.
        let mut c = Coordinate::new(Ecosystem::Npm, name, reference, self.file, line);
        c.direct = direct;
        c.dev = direct && field == "devDependencies";
        c.optional = direct && field == "optionalDependencies";
        c.source = SourceKind::Link(path.to_string());
        c
    }

    /// The keys a dependency reference may stand for, most likely first.
    fn candidates(&self, name: &str, reference: &str) -> Vec<String> {
        match self.format {
            Format::V9 => vec![format!("{name}@{reference}"), reference.to_string()],
            Format::V6 => vec![format!("/{name}@{reference}"), reference.to_string(), format!("/{reference}")],
            Format::V5 => vec![format!("/{name}/{reference}"), reference.to_string(), format!("/{reference}")],
        }
    }

    /// The instance a dependency reference points at.
    fn lookup(&self, keys: &HashMap<&str, usize>, name: &str, reference: &str) -> Option<usize> {
        self.candidates(name, reference).iter().find_map(|k| keys.get(k.as_str()).copied())
    }

    /// For v5/v6: package key -> the first name something depends on it by. A v5 git
    /// package may record no `name` of its own.
    fn referrers(
        &self,
        packages: Option<&'a Map>,
        importer_deps: &[(&'static str, &'a str, &'a str, usize)],
    ) -> HashMap<&'a str, &'a str> {
        let entries = packages.map(|p| p.entries.as_slice()).unwrap_or_default();
        let keys: HashMap<&str, &'a str> = entries.iter().map(|e| (e.key.as_str(), e.key.as_str())).collect();
        let mut out: HashMap<&'a str, &'a str> = HashMap::new();
        let refs = importer_deps
            .iter()
            .map(|&(_, name, reference, _)| (name, reference))
            .chain(entries.iter().flat_map(|e| deps_of(&e.value).into_iter().map(|(n, r, _, _)| (n, r))));
        for (name, reference) in refs {
            if let Some(key) = self.candidates(name, reference).iter().find_map(|k| keys.get(k.as_str()).copied()) {
                out.entry(key).or_insert(name);
            }
        }
        out
    }

    /// (name, version) from a registry-shaped key: `/name@1.0.0(peers)` (v6),
    /// `/name/1.0.0_peers` (v5).
    fn registry_key(&self, key: &str) -> Option<(String, String)> {
        let path = key.strip_prefix('/')?;
        let (name, version) = if self.format == Format::V5 {
            let from = if path.starts_with('@') { path.find('/')? + 1 } else { 0 };
            let slash = from + path.get(from..)?.find('/')?;
            let (name, rest) = (&path[..slash], &path[slash + 1..]);
            if rest.contains('/') {
                return None; // a git path such as /tmp/repo/gitdep/<commit>
            }
            (name, rest.split_once('_').map_or(rest, |(v, _)| v))
        } else {
            split_name_spec(strip_peers(path))
        };
        (!name.is_empty() && looks_like_version(version)).then(|| (name.to_string(), version.to_string()))
    }

    fn instances_keyed(
        &self,
        packages: Option<&'a Map>,
        referrers: &HashMap<&'a str, &'a str>,
    ) -> Result<Vec<(&'a str, Inst<'a>)>, LockfileError> {
        let mut out = Vec::new();
        for e in packages.map(|p| p.entries.as_slice()).unwrap_or_default() {
            let node = &e.value;
            if node.as_map().is_none() {
                return Err(self.error(e.line, format!("package `{}` is not a mapping", e.key)));
            }
            let from_key = self.registry_key(&e.key);
            // Registry-shaped keys are registry packages unless their resolution says
            // otherwise; other keys (`file:…`, tarball URLs, git hosts) are not.
            let (source, integrity, resolved) = resolution(self, e, node, from_key.is_some())?;
            let (key_name, key_version) = from_key.unwrap_or_default();
            let name = match node.str_field("name") {
                Some(n) => n.to_string(),
                None if !key_name.is_empty() => key_name,
                None => referrers.get(e.key.as_str()).map(|n| (*n).to_string()).unwrap_or_default(),
            };
            let version = match node.str_field("version") {
                Some(v) => v.to_string(),
                None if !key_version.is_empty() => key_version,
                // A git package without a version of its own: the commit it is locked to.
                None => match &source {
                    SourceKind::Git(_) => node.get("resolution").and_then(|r| r.str_field("commit")),
                    _ => None,
                }
                .map_or_else(|| e.key.clone(), str::to_string),
            };
            if name.is_empty() || version.is_empty() {
                return Err(self.error(e.line, format!("cannot tell the package name and version of `{}`", e.key)));
            }
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
        // keyed by its URL. A code host's tarball is never the registry's.
        let source = classify_resolved(tarball, registry_key);
        return Ok((source, integrity, Some(tarball.to_string())));
    }
    if integrity.is_none() && res.as_map().is_none() {
        return Err(lock.error(e.line, format!("package `{}` has an unreadable `resolution`", e.key)));
    }
    if !registry_key {
        // Neither a registry-shaped key nor a location: nothing says where it comes from.
        return Err(lock.error(
            e.line,
            format!(
                "package `{}` is not a registry package and its `resolution` names no tarball, directory or git commit",
                e.key
            ),
        ));
    }
    // A plain `{integrity}` on a registry-shaped key: the registry.
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
        let e = p("lockfileVersion: '4.0'\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("4.0"));
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
