//! yarn classic (v1) `yarn.lock`: its own line format. Every entry is classified by where
//! it resolves to, not by its having a `version`: a registry range resolved to a registry
//! tarball is a registry package; a GitHub shorthand (`name@owner/repo#ref`), a code
//! host's tarball (`codeload.github.com`, `github.com`, `gitlab.com`, `bitbucket.org`), a
//! git URL, a tarball URL, `file:` and `link:` are not, whatever the entry says.

use std::collections::HashMap;
use std::path::Path;

use super::super::common::{classify_resolved, dedupe, is_code_host_url, split_name_spec, strip_fragment};
use super::{HELP_CLASSIC, Manifest, Root, flags};
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError, SourceKind};

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

pub(super) fn parse_classic(
    text: &str,
    file: &Path,
    manifest: Option<&Manifest>,
) -> Result<Vec<Coordinate>, LockfileError> {
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
        let source = classify(spec, e.resolved.as_deref());
        let integrity = e.integrity.or_else(|| match &source {
            // A code host's `#…` is a commit, not the tarball's sha1.
            SourceKind::Registry => e.resolved.as_deref().and_then(sha1_fragment_sri),
            SourceKind::Tarball(u) if !is_code_host_url(u) => e.resolved.as_deref().and_then(sha1_fragment_sri),
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
            image: None,
            source_file: file.to_path_buf(),
            line: e.line,
        });
    }
    Ok(dedupe(out))
}

/// Where an entry comes from: by its `resolved` location, which is what yarn fetches. The
/// pattern's range only says whether an HTTP(S) location is the registry's tarball (a
/// registry range, on a host that is not a code host) or a URL the project asked for.
fn classify(spec: &str, resolved: Option<&str>) -> SourceKind {
    let from_spec = source_from_spec(spec);
    let Some(r) = resolved else { return from_spec };
    let lower = r.to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    let dot_git = Path::new(strip_fragment(&lower)).extension().is_some_and(|e| e == "git");
    if http && !from_spec.is_registry() && dot_git {
        // `https://host/o/r.git#<commit>`: a clone over HTTPS, not a tarball.
        return SourceKind::Git(r.to_string());
    }
    classify_resolved(r, from_spec.is_registry())
}

/// What kind of dependency a pattern's range asks for (`Registry` for a semver range, a
/// dist-tag or an `npm:` alias).
fn source_from_spec(spec: &str) -> SourceKind {
    if let Some(p) = spec.strip_prefix("link:") {
        SourceKind::Link(p.to_string())
    } else if let Some(p) = spec.strip_prefix("file:") {
        SourceKind::File(p.to_string())
    } else if spec.starts_with("http://") || spec.starts_with("https://") {
        SourceKind::Tarball(spec.to_string())
    } else if ["git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:", "ssh:"]
        .iter()
        .any(|p| spec.starts_with(p))
        || is_hosted_shorthand(spec)
    {
        SourceKind::Git(spec.to_string())
    } else if ["./", "../", "/", "~/"].iter().any(|p| spec.starts_with(p)) {
        SourceKind::File(spec.to_string())
    } else {
        SourceKind::Registry
    }
}

/// `owner/repo` or `owner/repo#ref`: yarn's GitHub shorthand. No semver range, dist-tag or
/// `npm:` alias contains a `/` before any `:`.
fn is_hosted_shorthand(spec: &str) -> bool {
    let repo = strip_fragment(spec);
    let Some((owner, name)) = repo.split_once('/') else { return false };
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok(owner) && ok(name) && !owner.starts_with('.') && !name.contains('/')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands() {
        for s in ["owner/repo", "owner/repo#v1.0.0", "o-1/r.js#semver:^1", "o_x/r"] {
            assert!(is_hosted_shorthand(s), "{s}");
        }
        for s in ["^1.0.0", "latest", "1.x || 2", "./a/b", "../a", ".a/b", "a/b/c", "npm:x@1", "/abs/p", ""] {
            assert!(!is_hosted_shorthand(s), "{s}");
        }
    }

    #[test]
    fn classified_by_resolution() {
        let reg = "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#0123456789abcdef0123456789abcdef01234567";
        assert_eq!(classify("^1.0.0", Some(reg)), SourceKind::Registry);
        assert_eq!(classify("npm:a@^1", Some(reg)), SourceKind::Registry);
        // A private registry on any other host is still the registry.
        assert_eq!(classify("^1", Some("https://npm.pkg.github.com/download/@o/a/1.0.0/abc")), SourceKind::Registry);
        let gitlab_registry = "https://gitlab.com/api/v4/projects/1/packages/npm/@o/a/-/@o/a-1.0.0.tgz";
        assert_eq!(classify("^1", Some(gitlab_registry)), SourceKind::Registry);
        // Code hosts never are, whatever the range.
        let codeload = "https://codeload.github.com/o/r/tar.gz/0123456789abcdef0123456789abcdef01234567";
        for spec in ["o/r#v1", "github:o/r#v1", "^1.0.0"] {
            assert_eq!(classify(spec, Some(codeload)), SourceKind::Tarball(codeload.into()), "{spec}");
        }
        let archive = "https://gitlab.com/o/r/-/archive/v1/r-v1.tar.gz";
        assert_eq!(classify(archive, Some(archive)), SourceKind::Tarball(archive.into()));
        // A shorthand resolved anywhere over HTTP is a tarball; over git, git.
        assert_eq!(classify("o/r", Some("https://ghe.example.com/o/r/tar.gz/1")).label(), "tarball");
        assert_eq!(classify("o/r", Some("git+ssh://git@github.com/o/r.git#abc")).label(), "git");
        assert_eq!(classify("https://h/o/r.git#v1", Some("https://h/o/r.git#abc")).label(), "git");
        assert_eq!(classify("o/r", None).label(), "git");
        assert_eq!(classify("file:./x", Some("file:./x#abc")), SourceKind::File("./x".into()));
        assert_eq!(classify("link:./x", None), SourceKind::Link("./x".into()));
        assert_eq!(classify("./x", None), SourceKind::File("./x".into()));
    }
}
