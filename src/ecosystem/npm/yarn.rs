//! `yarn.lock`: yarn classic (v1, its own format) and yarn berry (v2+, YAML).
//!
//! Format notes:
//! - Classic: entries separated by blank lines; a header line lists the patterns the
//!   entry satisfies (`"a@^1", a@^2:`), then 2-space indented fields (`version "1.0.0"`,
//!   `resolved "url#sha1"`, `integrity sha512-…`, `uid ""`) and 2-space indented sections
//!   (`dependencies:`, `optionalDependencies:`) whose 4-space lines are `name "range"`.
//!   `#` lines are comments. An alias is `foo@npm:bar@^1`. Local / git entries
//!   have `file:`, `link:` or git patterns and `resolved` values.
//! - Berry: YAML with a `__metadata` entry; keys are descriptors joined by `, `
//!   (`"lodash@npm:^4.17.21"`), each entry has `version`, `resolution` (a locator,
//!   `lodash@npm:4.17.21`), `dependencies` (name -> descriptor range),
//!   `dependenciesMeta` (`optional`), `checksum`, `languageName`, `linkType`.
//!   `workspace:` entries are the project's own workspaces: not coordinates, but their
//!   dependencies are the direct ones.
//!
//! Neither format records which dependencies are dev ones; classic does not even record
//! the root manifest. [`parse_yarn_lock_with_manifest`] takes the root `package.json` for
//! that.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use super::common::{Node, classify_resolved, dedupe, split_name_spec};
use super::yaml;
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

const HELP_CLASSIC: &str = "regenerate it with `yarn install` (yarn 1.x)";
const HELP_BERRY: &str = "regenerate it with `yarn install --mode=update-lockfile` (yarn 2 or newer)";

/// Parses `yarn.lock` text (classic v1 or berry). `direct` and `dev` are `false` for
/// classic (the lockfile does not record the manifest); berry records direct dependencies
/// but not dev ones. Use [`parse_yarn_lock_with_manifest`] when `package.json` is at hand.
pub fn parse_yarn_lock(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    parse_yarn_lock_with_manifest(text, file, None)
}

/// Like [`parse_yarn_lock`], with the root `package.json` text: direct dependencies are
/// the ones it declares, `dev` marks what is only reachable through its
/// `devDependencies`, `optional` what is only reachable through optional dependencies.
pub fn parse_yarn_lock_with_manifest(
    text: &str,
    file: &Path,
    package_json_text: Option<&str>,
) -> Result<Vec<Coordinate>, LockfileError> {
    let manifest = match package_json_text {
        Some(t) => Some(Manifest::parse(t, file)?),
        None => None,
    };
    if is_berry(text) {
        parse_berry(text, file, manifest.as_ref())
    } else {
        parse_classic(text, file, manifest.as_ref())
    }
}

fn is_berry(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("__metadata:") || l.starts_with("\"__metadata\":"))
}

/// The parts of the root `package.json` that matter here.
struct Manifest {
    dependencies: Vec<(String, String)>,
    dev: Vec<(String, String)>,
    optional: Vec<(String, String)>,
}

impl Manifest {
    fn parse(text: &str, lockfile: &Path) -> Result<Self, LockfileError> {
        let pkg_path = lockfile.with_file_name("package.json");
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            LockfileError::new(
                &pkg_path,
                e.line(),
                format!("package.json is not valid JSON: {e}"),
                "fix package.json (it is read to tell direct and dev dependencies)",
            )
        })?;
        let list = |field: &str| -> Vec<(String, String)> {
            v.get(field)
                .and_then(serde_json::Value::as_object)
                .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
                .unwrap_or_default()
        };
        Ok(Self {
            dependencies: list("dependencies"),
            dev: list("devDependencies"),
            optional: list("optionalDependencies"),
        })
    }
}

/// A dependency edge kind for the reachability walks.
#[derive(Clone, Copy)]
struct Root {
    target: usize,
    dev: bool,
    optional: bool,
}

/// Graph facts: (direct, dev-only, optional-only) per node.
fn flags(n: usize, roots: &[Root], edges: &[Vec<(usize, bool)>]) -> Vec<(bool, bool, bool)> {
    let walk = |start: &mut dyn Iterator<Item = usize>, follow_optional: bool| -> Vec<bool> {
        let mut seen = vec![false; n];
        let mut queue: VecDeque<usize> = VecDeque::new();
        for s in start {
            if s < n && !seen[s] {
                seen[s] = true;
                queue.push_back(s);
            }
        }
        while let Some(i) = queue.pop_front() {
            for &(t, optional) in edges.get(i).map(Vec::as_slice).unwrap_or_default() {
                if (follow_optional || !optional) && t < n && !seen[t] {
                    seen[t] = true;
                    queue.push_back(t);
                }
            }
        }
        seen
    };
    let prod = walk(&mut roots.iter().filter(|r| !r.dev).map(|r| r.target), true);
    let dev = walk(&mut roots.iter().filter(|r| r.dev).map(|r| r.target), true);
    let all = walk(&mut roots.iter().map(|r| r.target), true);
    let required = walk(&mut roots.iter().filter(|r| !r.optional).map(|r| r.target), false);
    (0..n).map(|i| (roots.iter().any(|r| r.target == i), dev[i] && !prod[i], all[i] && !required[i])).collect()
}

// ---------------------------------------------------------------------------------------
// Classic
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct ClassicEntry {
    patterns: Vec<String>,
    line: usize,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    /// (name, range, optional)
    deps: Vec<(String, String, bool)>,
}

fn classic_error(file: &Path, line: usize, message: impl Into<String>) -> LockfileError {
    LockfileError::new(file, line, message, HELP_CLASSIC)
}

/// Reads one string token: `"quoted \" string"` or a bare word (up to whitespace).
/// Returns the token and the rest of the line.
fn token(s: &str) -> Result<(String, &str), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((out, body.get(i + 1..).unwrap_or_default())),
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err("unterminated quoted string".into())
    } else {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        Ok((s[..end].to_string(), &s[end..]))
    }
}

/// Splits a header (without its final `:`) into its patterns.
fn header_patterns(h: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = h.trim();
    while !rest.is_empty() {
        if rest.starts_with('"') {
            let (t, r) = token(rest)?;
            out.push(t);
            rest = r.trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            out.push(rest[..end].trim().to_string());
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() => {}
            None => return Err(format!("unexpected `{rest}` in an entry header")),
        }
    }
    if out.iter().any(String::is_empty) || out.is_empty() {
        return Err("empty pattern in an entry header".into());
    }
    Ok(out)
}

fn parse_classic(text: &str, file: &Path, manifest: Option<&Manifest>) -> Result<Vec<Coordinate>, LockfileError> {
    let mut entries: Vec<ClassicEntry> = Vec::new();
    // Inside an entry: the open section (`dependencies` / `optionalDependencies` / other).
    let mut section: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start_matches(' ');
        if trimmed.trim().is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('\t') {
            return Err(classic_error(file, n, "tab indentation (yarn.lock uses spaces)"));
        }
        let indent = line.len() - trimmed.len();
        match indent {
            0 => {
                let Some(h) = trimmed.trim_end().strip_suffix(':') else {
                    return Err(classic_error(file, n, "expected an entry header ending with `:`"));
                };
                let patterns = header_patterns(h).map_err(|m| classic_error(file, n, m))?;
                entries.push(ClassicEntry { patterns, line: n, ..ClassicEntry::default() });
                section = None;
            }
            2 => {
                let Some(entry) = entries.last_mut() else {
                    return Err(classic_error(file, n, "indented line before any entry"));
                };
                let (key, rest) = token(trimmed).map_err(|m| classic_error(file, n, m))?;
                let rest = rest.trim();
                let (key, opens) = match (key.strip_suffix(':'), rest) {
                    (Some(k), "") => (k.to_string(), true),
                    (None, ":") => (key, true),
                    _ => (key, false),
                };
                if opens {
                    section = Some(key);
                    continue;
                }
                section = None;
                let (value, tail) = token(rest).map_err(|m| classic_error(file, n, m))?;
                if !tail.trim().is_empty() {
                    return Err(classic_error(file, n, format!("unexpected `{}` after the value", tail.trim())));
                }
                match key.as_str() {
                    "version" => entry.version = Some(value),
                    "resolved" => entry.resolved = Some(value),
                    "integrity" => entry.integrity = Some(value),
                    _ => {}
                }
            }
            4 => {
                let Some(entry) = entries.last_mut() else {
                    return Err(classic_error(file, n, "indented line before any entry"));
                };
                let Some(sec) = &section else {
                    return Err(classic_error(file, n, "unexpected indentation (no open section)"));
                };
                let (name, rest) = token(trimmed).map_err(|m| classic_error(file, n, m))?;
                let (range, _) = token(rest.trim()).map_err(|m| classic_error(file, n, m))?;
                match sec.as_str() {
                    "dependencies" => entry.deps.push((name, range, false)),
                    "optionalDependencies" => entry.deps.push((name, range, true)),
                    _ => {}
                }
            }
            _ => {
                return Err(classic_error(file, n, format!("unexpected indentation of {indent} spaces")));
            }
        }
    }

    // Pattern -> entry, for the graph.
    let mut by_pattern: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        for p in &e.patterns {
            by_pattern.entry(p.as_str()).or_insert(i);
        }
    }
    let graph = manifest.map(|m| {
        let mut roots = Vec::new();
        for (list, dev, optional) in
            [(&m.dependencies, false, false), (&m.dev, true, false), (&m.optional, false, true)]
        {
            for (name, range) in list {
                if let Some(&t) = by_pattern.get(format!("{name}@{range}").as_str()) {
                    roots.push(Root { target: t, dev, optional });
                }
            }
        }
        let edges: Vec<Vec<(usize, bool)>> = entries
            .iter()
            .map(|e| {
                e.deps
                    .iter()
                    .filter_map(|(n, r, o)| by_pattern.get(format!("{n}@{r}").as_str()).map(|&t| (t, *o)))
                    .collect()
            })
            .collect();
        flags(entries.len(), &roots, &edges)
    });

    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let first = e.patterns.first().map(String::as_str).unwrap_or_default();
        let (installed, spec) = split_name_spec(first);
        let Some(version) = e.version else {
            return Err(classic_error(file, e.line, format!("entry `{first}` has no `version`")));
        };
        let (name, alias) = match spec.strip_prefix("npm:") {
            Some(target) => {
                let (real, _) = split_name_spec(target);
                if real.is_empty() {
                    (installed.to_string(), None)
                } else {
                    (real.to_string(), Some(installed.to_string()))
                }
            }
            None => (installed.to_string(), None),
        };
        // The pattern says what kind of dependency it is; `resolved` where it came from.
        // A range resolved over HTTP is a registry download whatever the URL looks like.
        let source = match (source_from_spec(spec), &e.resolved) {
            (SourceKind::Registry, Some(r)) => classify_resolved(r, true),
            (SourceKind::Git(_), Some(r)) => SourceKind::Git(r.clone()),
            (_, Some(r)) => classify_resolved(r, false),
            (from_spec, None) => from_spec,
        };
        let integrity = e.integrity.or_else(|| match &source {
            SourceKind::Registry | SourceKind::Tarball(_) => e.resolved.as_deref().and_then(sha1_fragment_sri),
            _ => None,
        });
        let (direct, dev, optional) = graph.as_ref().and_then(|g| g.get(i).copied()).unwrap_or_default();
        out.push(Coordinate {
            ecosystem: Ecosystem::Npm,
            name,
            version,
            integrity,
            resolved: e.resolved,
            alias,
            direct,
            dev,
            optional,
            // yarn 1 ignores bundleDependencies: it installs bundled packages on their own.
            bundled: false,
            package_manager: false,
            files: Vec::new(),
            classifier: None,
            extension: None,
            source,
            source_file: file.to_path_buf(),
            line: e.line,
        });
    }
    Ok(dedupe(out))
}

/// Source of an entry without `resolved`, from its pattern's range.
fn source_from_spec(spec: &str) -> SourceKind {
    if let Some(p) = spec.strip_prefix("link:") {
        SourceKind::Link(p.to_string())
    } else if let Some(p) = spec.strip_prefix("file:") {
        SourceKind::File(p.to_string())
    } else if spec.starts_with("http://") || spec.starts_with("https://") {
        SourceKind::Tarball(spec.to_string())
    } else if ["git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "ssh:"].iter().any(|p| spec.starts_with(p)) {
        SourceKind::Git(spec.to_string())
    } else {
        SourceKind::Registry
    }
}

/// Old yarn 1 lockfiles record no `integrity`, only `resolved "…#<sha1 hex>"`: the same
/// digest as an SRI `sha1-…` string, which is what registries publish as `shasum`.
fn sha1_fragment_sri(resolved: &str) -> Option<String> {
    use base64::Engine as _;
    let (_, frag) = resolved.rsplit_once('#')?;
    if frag.len() != 40 {
        return None;
    }
    let bytes = hex::decode(frag).ok()?;
    Some(format!("sha1-{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

// ---------------------------------------------------------------------------------------
// Berry
// ---------------------------------------------------------------------------------------

fn berry_error(file: &Path, line: usize, message: impl Into<String>) -> LockfileError {
    LockfileError::new(file, line, message, HELP_BERRY)
}

/// What a berry locator reference points at; `None` for a workspace.
fn berry_source(reference: &str, depth: u8) -> Option<SourceKind> {
    let until = |s: &str, stops: &[&str]| -> String {
        let end = stops.iter().filter_map(|p| s.find(p)).min().unwrap_or(s.len());
        s[..end].to_string()
    };
    let r = reference;
    if r.starts_with("workspace:") {
        return None;
    }
    if r.starts_with("npm:") {
        return Some(SourceKind::Registry);
    }
    if let Some(inner) = r.strip_prefix("patch:") {
        // `patch:left-pad@npm%3A1.3.0#~/.yarn/patches/…`: a patched copy of the inner
        // locator, which decides the source (a patched registry package is still that
        // registry package).
        let inner = percent_decode(&until(inner, &["#", "::"]));
        let (_, inner_ref) = split_name_spec(&inner);
        if depth > 4 {
            return Some(SourceKind::File(reference.to_string()));
        }
        return Some(berry_source(inner_ref, depth + 1).unwrap_or(SourceKind::Link(inner_ref.to_string())));
    }
    for (prefix, link) in [("link:", true), ("portal:", true), ("file:", false), ("exec:", false)] {
        if let Some(path) = r.strip_prefix(prefix) {
            let path = until(path, &["#", "::"]);
            return Some(if link { SourceKind::Link(path) } else { SourceKind::File(path) });
        }
    }
    let location = until(r, &["::"]);
    if r.contains("#commit=")
        || ["git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "ssh:"].iter().any(|p| r.starts_with(p))
    {
        return Some(SourceKind::Git(location));
    }
    if r.starts_with("http://") || r.starts_with("https://") {
        return Some(SourceKind::Tarball(location));
    }
    Some(SourceKind::File(location))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = if b[i] == b'%' {
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok())
        } else {
            None
        };
        if let Some(v) = escaped {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Drops the `::locator=…` / `::hash=…` parameters of a descriptor.
fn strip_params(d: &str) -> &str {
    d.split_once("::").map_or(d, |(a, _)| a)
}

struct BerryEntry<'a> {
    line: usize,
    descriptors: Vec<&'a str>,
    name: String,
    version: String,
    /// None: a workspace.
    source: Option<SourceKind>,
    workspace_root: bool,
    node: &'a Node,
    patch_of: Option<String>,
}

fn parse_berry(text: &str, file: &Path, manifest: Option<&Manifest>) -> Result<Vec<Coordinate>, LockfileError> {
    let docs =
        yaml::parse(text).map_err(|e| berry_error(file, e.line, format!("not a valid yarn.lock: {}", e.message)))?;
    let Some(top) = docs.first().and_then(Node::as_map) else {
        return Err(berry_error(file, 1, "not a valid yarn.lock: the top level is not a mapping"));
    };

    let mut entries: Vec<BerryEntry<'_>> = Vec::new();
    for e in &top.entries {
        if e.key == "__metadata" {
            continue;
        }
        let node = &e.value;
        if node.as_map().is_none() {
            return Err(berry_error(file, e.line, format!("entry `{}` is not a mapping", e.key)));
        }
        let Some(resolution) = node.str_field("resolution") else {
            return Err(berry_error(file, e.line, format!("entry `{}` has no `resolution`", e.key)));
        };
        let (name, reference) = split_name_spec(resolution);
        if name.is_empty() || reference.is_empty() {
            return Err(berry_error(
                file,
                e.line,
                format!("entry `{}` has an unreadable resolution `{resolution}`", e.key),
            ));
        }
        let version = match node.str_field("version") {
            Some(v) => v.to_string(),
            None => match reference.strip_prefix("npm:") {
                Some(v) => v.to_string(),
                None => {
                    return Err(berry_error(file, e.line, format!("entry `{}` has no `version`", e.key)));
                }
            },
        };
        // `patch:left-pad@npm%3A1.3.0#~/.yarn/patches/…` -> `left-pad@npm:1.3.0`
        let patch_of =
            reference.strip_prefix("patch:").map(|inner| percent_decode(inner.split('#').next().unwrap_or_default()));
        entries.push(BerryEntry {
            line: e.line,
            descriptors: e.key.split(", ").map(str::trim).collect(),
            name: name.to_string(),
            version,
            source: berry_source(reference, 0),
            workspace_root: reference == "workspace:.",
            node,
            patch_of,
        });
    }

    let mut by_descriptor: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        for d in &e.descriptors {
            by_descriptor.entry(d).or_insert(i);
            by_descriptor.entry(strip_params(d)).or_insert(i);
        }
    }
    let find = |name: &str, range: &str| -> Option<usize> {
        let d = format!("{name}@{range}");
        by_descriptor
            .get(d.as_str())
            .or_else(|| by_descriptor.get(strip_params(&d)))
            .or_else(|| by_descriptor.get(format!("{name}@npm:{range}").as_str()))
            .copied()
    };
    let edges_of = |node: &Node| -> Vec<(String, usize, bool)> {
        let meta = node.get("dependenciesMeta").and_then(Node::as_map);
        let optional = |dep: &str| {
            meta.is_some_and(|m| {
                m.entries.iter().any(|e| {
                    (e.key == dep || e.key.strip_prefix(dep).is_some_and(|r| r.starts_with('@')))
                        && e.value.bool_field("optional")
                })
            })
        };
        let mut out = Vec::new();
        for field in ["dependencies", "optionalDependencies"] {
            if let Some(m) = node.get(field).and_then(Node::as_map) {
                for d in &m.entries {
                    if let Some(t) = d.value.as_str().and_then(|r| find(&d.key, r)) {
                        out.push((d.key.clone(), t, field == "optionalDependencies" || optional(&d.key)));
                    }
                }
            }
        }
        out
    };

    let n = entries.len();
    let mut roots: Vec<Root> = Vec::new();
    let mut edges: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    let mut alias: Vec<Option<String>> = vec![None; n];
    for (i, e) in entries.iter().enumerate() {
        for (dep, t, optional) in edges_of(e.node) {
            if entries[t].name != dep && alias[t].is_none() {
                alias[t] = Some(dep.clone());
            }
            if e.source.is_none() {
                if entries[t].source.is_none() {
                    continue; // workspace -> workspace: both are roots already
                }
                let dev = e.workspace_root
                    && manifest.is_some_and(|m| {
                        m.dev.iter().any(|(d, _)| *d == dep)
                            && !m.dependencies.iter().chain(&m.optional).any(|(d, _)| *d == dep)
                    });
                roots.push(Root { target: t, dev, optional });
            } else {
                edges[i].push((t, optional));
            }
        }
        // A patched package uses the original package's files.
        if let Some(inner) = &e.patch_of {
            let (iname, iref) = split_name_spec(inner);
            if let Some(t) = find(iname, iref) {
                edges[i].push((t, false));
            }
        }
    }
    let graph = flags(n, &roots, &edges);

    let mut out = Vec::with_capacity(n);
    for (i, e) in entries.into_iter().enumerate() {
        let Some(source) = e.source else { continue };
        let (direct, dev, optional) = graph[i];
        // An alias found through dependencies; otherwise from the descriptors themselves.
        let alias = alias[i]
            .take()
            .or_else(|| e.descriptors.iter().map(|d| split_name_spec(d).0).find(|d| *d != e.name).map(str::to_string));
        out.push(Coordinate {
            ecosystem: Ecosystem::Npm,
            name: e.name,
            version: e.version,
            // berry's `checksum` hashes yarn's own cache zip (with a cacheKey prefix such
            // as `10c0/`), not the npm tarball: it cannot be compared with the registry's
            // integrity, so no integrity is reported.
            integrity: None,
            resolved: None,
            alias,
            direct,
            dev: dev && manifest.is_some(),
            optional,
            bundled: false,
            package_manager: false,
            files: Vec::new(),
            classifier: None,
            extension: None,
            source,
            source_file: file.to_path_buf(),
            line: e.line,
        });
    }
    Ok(dedupe(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_yarn_lock(text, Path::new("yarn.lock"))
    }

    const CLASSIC: &str = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@s/a@^1.0.0", "@s/a@^1.1.0":
  version "1.2.0"
  resolved "https://registry.yarnpkg.com/@s/a/-/a-1.2.0.tgz#0123456789abcdef0123456789abcdef01234567"
  dependencies:
    b "^2.0.0"
  optionalDependencies:
    c "1.0.0"

b@^2.0.0:
  version "2.0.0"
  resolved "https://registry.yarnpkg.com/b/-/b-2.0.0.tgz#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  integrity sha512-b

c@1.0.0:
  version "1.0.0"
  resolved "https://registry.yarnpkg.com/c/-/c-1.0.0.tgz"
  integrity sha512-c

"al@npm:real@^3":
  version "3.0.0"
  resolved "https://registry.yarnpkg.com/real/-/real-3.0.0.tgz"
  integrity sha512-r
"#;

    #[test]
    fn classic_basics() {
        let c = p(CLASSIC).unwrap();
        assert_eq!(c.len(), 4);
        let a = &c[0];
        assert_eq!((a.name.as_str(), a.version.as_str(), a.line), ("@s/a", "1.2.0", 5));
        assert_eq!(a.integrity.as_deref(), Some("sha1-ASNFZ4mrze8BI0VniavN7wEjRWc="));
        assert!(!a.direct && !a.dev);
        let r = c.iter().find(|c| c.name == "real").unwrap();
        assert_eq!(r.alias.as_deref(), Some("al"));
    }

    #[test]
    fn classic_with_manifest() {
        let pkg = r#"{"dependencies": {"@s/a": "^1.0.0"}, "devDependencies": {"al": "npm:real@^3", "b": "^2.0.0"}}"#;
        let c = parse_yarn_lock_with_manifest(CLASSIC, Path::new("yarn.lock"), Some(pkg)).unwrap();
        let get = |n: &str| c.iter().find(|c| c.name == n).unwrap();
        assert!(get("@s/a").direct && !get("@s/a").dev);
        assert!(get("real").direct && get("real").dev);
        assert!(get("b").direct && !get("b").dev, "also a prod dependency of @s/a");
        assert!(get("c").optional && !get("c").direct);
        let e = parse_yarn_lock_with_manifest(CLASSIC, Path::new("x/yarn.lock"), Some("{\n,")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.file.ends_with("package.json"));
    }

    #[test]
    fn classic_errors() {
        let e = p("a@^1:\n  resolved \"x\"\n\nb@^1:\n  version \"1\"\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("no `version`"));
        assert!(e.help.contains("yarn install"));
        assert_eq!(p("  version \"1\"\n").unwrap_err().line, 1);
        assert_eq!(p("a@1:\n  version \"1\n").unwrap_err().line, 2);
        assert_eq!(p("a@1:\n   version \"1\"\n").unwrap_err().line, 2);
        assert_eq!(p("a@1:\n  version \"1\"\n    x \"1\"\n").unwrap_err().line, 3);
        assert_eq!(p("a@1\n").unwrap_err().line, 1);
        assert_eq!(p("\"a@1:\n").unwrap_err().line, 1);
        assert!(p("# only comments\n\n").unwrap().is_empty());
    }

    #[test]
    fn berry_sources() {
        assert_eq!(berry_source("npm:1.0.0", 0), Some(SourceKind::Registry));
        assert_eq!(berry_source("workspace:.", 0), None);
        assert_eq!(
            berry_source("patch:left-pad@npm%3A1.3.0#~/.yarn/patches/x.patch::version=1.3.0&hash=398828", 0),
            Some(SourceKind::Registry)
        );
        assert_eq!(
            berry_source("patch:typescript@npm%3A5.0.4#optional!builtin<compat/typescript>::version=5.0.4", 0),
            Some(SourceKind::Registry)
        );
        assert_eq!(
            berry_source("link:local/x::locator=a%40workspace%3A.", 0),
            Some(SourceKind::Link("local/x".into()))
        );
        assert_eq!(berry_source("portal:../p::locator=a%40workspace%3A.", 0), Some(SourceKind::Link("../p".into())));
        assert_eq!(
            berry_source("file:local/x.tgz#local/x.tgz::hash=1&locator=a", 0),
            Some(SourceKind::File("local/x.tgz".into()))
        );
        assert_eq!(
            berry_source("https://github.com/o/r.git#commit=abc", 0),
            Some(SourceKind::Git("https://github.com/o/r.git#commit=abc".into()))
        );
        assert_eq!(
            berry_source("https://example.com/x.tgz", 0),
            Some(SourceKind::Tarball("https://example.com/x.tgz".into()))
        );
    }

    #[test]
    fn berry_errors() {
        let e = p("__metadata:\n  version: 8\n\n\"a@npm:^1\":\n  version: 1.0.0\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("resolution"));
        let e = p("__metadata:\n  version: 8\n\"a@npm:^1\":\n  version: 1.0.0\n resolution: \"a@npm:1.0.0\"\n")
            .unwrap_err();
        assert!(e.line >= 4, "{e}");
        assert!(e.help.contains("yarn install"));
    }
}
