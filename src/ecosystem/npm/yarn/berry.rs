//! yarn berry (v2+) `yarn.lock`: YAML keyed by descriptors. Every entry is classified by
//! its `resolution` locator's protocol (`npm:`, `patch:` of another locator, `git`/
//! `github:` with `#commit=`, `https:` tarballs, `file:`, `link:`, `portal:`, `exec:`);
//! `workspace:` entries are the project's own.

use std::collections::HashMap;
use std::path::Path;

use super::super::common::{Node, dedupe, is_code_host_url, split_name_spec};
use super::super::yaml;
use super::{HELP_BERRY, Manifest, Root, flags};
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

fn berry_error(file: &Path, line: usize, message: impl Into<String>) -> LockfileError {
    LockfileError::new(file, line, message, HELP_BERRY)
}

/// What a berry locator reference points at; `None` for a workspace.
pub(super) fn berry_source(reference: &str, depth: u8) -> Option<SourceKind> {
    let until = |s: &str, stops: &[&str]| -> String {
        let end = stops.iter().filter_map(|p| s.find(p)).min().unwrap_or(s.len());
        s[..end].to_string()
    };
    let r = reference;
    if r.starts_with("workspace:") {
        return None;
    }
    if r.starts_with("npm:") {
        // A registry whose tarball URL is not the usual one records it as
        // `::__archiveUrl=…`; a code host's tarball is never the registry's.
        let archive =
            r.split_once("__archiveUrl=").map(|(_, a)| percent_decode(a.split('&').next().unwrap_or_default()));
        return Some(match archive {
            Some(url) if is_code_host_url(&url) => SourceKind::Tarball(url),
            _ => SourceKind::Registry,
        });
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

pub(super) fn parse_berry(
    text: &str,
    file: &Path,
    manifest: Option<&Manifest>,
) -> Result<Vec<Coordinate>, LockfileError> {
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
            image: None,
            source_file: file.to_path_buf(),
            line: e.line,
        });
    }
    Ok(dedupe(out))
}
