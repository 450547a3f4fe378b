//! pip requirements files used as locks (`pip-compile` output, `pip freeze`, `uv pip
//! compile`): pins, hashes, includes, URL and VCS requirements.
//!
//! Owns: reading the pip requirements-file syntax into coordinates and notes. Must not:
//! open files (includes come through the caller's `include` callback), read environment
//! variables (`${VAR}` is left as written), evaluate markers, or touch the network.
//!
//! Decisions:
//! - A requirement that is not pinned (`requests>=2`, `requests`, `==1.*`) is an error:
//!   the file is not a lock, and a gate that guessed the version would check something
//!   other than what gets installed. Constraints files (`-c`) are exempt: they are read
//!   (a missing one is an error, as for pip) but add no coordinates, because pip does not
//!   install what they name.
//! - Direct: pip-compile's `# via` annotations tell. A requirement whose via list has a
//!   `-r <file>` entry was asked for by that file (direct); one whose list names only
//!   packages or `-c <file>` is transitive. A file without any `# via` annotation says
//!   nothing, so all its requirements are direct.
//! - Dev and optional: a requirements file cannot tell; both stay `false`.
//! - Markers (`; python_version < "3.13"`) are not evaluated: the coordinate is kept and a
//!   `marker-not-evaluated` note says so.
//! - Index options (`--index-url`, `--extra-index-url`, `--find-links`, `--trusted-host`,
//!   `--no-index`) are reported as notes and otherwise ignored: the chain in
//!   depgate.toml decides where packages come from.

use std::path::{Component, Path, PathBuf};

use super::common::{classify_url, dedupe, file_name_of};
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind};

const HELP_LOCK: &str = "pin every requirement with `==` (a lock): generate the file with \
`pip-compile --generate-hashes requirements.in` (pip-tools) or `uv pip compile --generate-hashes`, \
and give depgate the output";

/// What a requirements file (and the files it includes) locks, plus what depgate
/// noticed but does not act on.
#[derive(Debug, Clone, Default)]
pub struct Requirements {
    /// Every requirement of the file and its includes, one per name, version and source.
    pub coords: Vec<Coordinate>,
    /// Options depgate ignores and markers it does not evaluate, in file order.
    pub notes: Vec<InputNote>,
}

/// Something in an input file that depgate reports but does not act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputNote {
    /// The file the line is in (an included file for its own lines).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// Stable code: `index-url-ignored`, `extra-index-url-ignored`, `find-links-ignored`,
    /// `trusted-host-ignored`, `no-index-ignored`, `marker-not-evaluated`, `option-ignored`.
    pub code: String,
    /// What was ignored and why, for people.
    pub message: String,
}

/// Parses a requirements file and every file it includes with `-r`.
///
/// `include` reads an included file; it receives the path resolved against the
/// including file's folder. Coordinates carry the file and line they were read from.
pub fn parse_requirements(
    text: &str,
    path: &Path,
    include: &mut dyn FnMut(&Path) -> std::io::Result<String>,
) -> Result<Requirements, LockfileError> {
    let mut cx = Ctx { include, stack: vec![clean(path)], out: Requirements::default() };
    cx.file(text, path)?;
    let Requirements { coords, notes } = cx.out;
    Ok(Requirements { coords: dedupe(coords), notes })
}

struct Ctx<'a> {
    include: &'a mut dyn FnMut(&Path) -> std::io::Result<String>,
    /// Files being read, outermost first (cycle detection).
    stack: Vec<PathBuf>,
    out: Requirements,
}

/// A requirement already in the output, with the via entries read for it so far.
struct Read {
    index: usize,
    via: Vec<String>,
}

impl Ctx<'_> {
    fn note(&mut self, file: &Path, line: usize, code: &str, message: String) {
        self.out.notes.push(InputNote { file: file.to_path_buf(), line, code: code.to_string(), message });
    }

    fn file(&mut self, text: &str, path: &Path) -> Result<(), LockfileError> {
        let mut pending: Vec<Read> = Vec::new();
        let mut annotated = false;
        // Whether comment lines continue a `# via` list of the last requirement.
        let mut in_via = false;
        for (line_no, logical) in logical_lines(text) {
            let (content, comment) = split_comment(&logical);
            let content = content.trim();
            let comment_text = comment.map(|c| c.trim_start_matches('#'));
            if content.is_empty() {
                match comment_text {
                    // `# via a` or `# via` opening an indented list below it.
                    Some(c) if c.trim() == "via" || c.trim_start().starts_with("via ") => {
                        annotated = true;
                        in_via = true;
                        let rest = c.trim().trim_start_matches("via").trim();
                        if let (Some(last), false) = (pending.last_mut(), rest.is_empty()) {
                            last.via.push(rest.to_string());
                        }
                    }
                    // `#   name`: an entry of the open list (entries are indented).
                    Some(c) if in_via && c.starts_with("  ") && !c.trim().is_empty() => {
                        if let Some(last) = pending.last_mut() {
                            last.via.push(c.trim().to_string());
                        }
                    }
                    _ => in_via = false,
                }
                continue;
            }
            in_via = false;
            let read = if content.starts_with('-') {
                self.option_line(content, path, line_no)?
            } else {
                Some(self.requirement(content, path, line_no)?)
            };
            let Some(coord) = read else { continue };
            let mut via = Vec::new();
            // An annotation on the requirement's own line (older pip-compile).
            if let Some(rest) = comment_text.map(str::trim).and_then(|c| c.strip_prefix("via ")) {
                annotated = true;
                via.push(rest.trim().to_string());
            }
            pending.push(Read { index: self.out.coords.len(), via });
            self.out.coords.push(coord);
        }
        for p in pending {
            if let Some(c) = self.out.coords.get_mut(p.index) {
                c.direct = !annotated || p.via.iter().any(|v| v.starts_with("-r ") || v.starts_with("--requirement"));
            }
        }
        Ok(())
    }

    /// A line starting with `-`: an include, an editable requirement, or an option.
    fn option_line(&mut self, content: &str, path: &Path, line: usize) -> Result<Option<Coordinate>, LockfileError> {
        let (opt, value) = split_option(content);
        match opt {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let constraint = matches!(opt, "-c" | "--constraint");
                if value.is_empty() {
                    return Err(LockfileError::new(
                        path,
                        line,
                        format!("`{opt}` without a file name"),
                        "write the file to include after it: `-r other-requirements.txt`",
                    ));
                }
                let target = clean(&path.parent().unwrap_or(Path::new("")).join(value));
                if let Some(at) = self.stack.iter().position(|p| *p == target) {
                    let cycle: Vec<String> = self.stack[at..]
                        .iter()
                        .chain(std::iter::once(&target))
                        .map(|p| p.display().to_string())
                        .collect();
                    return Err(LockfileError::new(
                        path,
                        line,
                        format!("`{opt} {value}` includes a file that is already being read: {}", cycle.join(" → ")),
                        "remove the include that closes the cycle",
                    ));
                }
                let text = (self.include)(&target).map_err(|e| {
                    LockfileError::new(
                        path,
                        line,
                        format!("cannot read `{value}` (`{}`), included here: {e}", target.display()),
                        "include paths are relative to the including file; fix the path or add the file",
                    )
                })?;
                if !constraint {
                    self.stack.push(target.clone());
                    let r = self.file(&text, &target);
                    self.stack.pop();
                    r?;
                }
                Ok(None)
            }
            "-e" | "--editable" => {
                if value.is_empty() {
                    return Err(LockfileError::new(path, line, "`-e` without a target", HELP_LOCK));
                }
                Ok(Some(url_requirement(None, value, true, path, line)))
            }
            "-i" | "--index-url" => {
                self.note(path, line, "index-url-ignored", ignored("--index-url", value));
                Ok(None)
            }
            "--extra-index-url" => {
                self.note(path, line, "extra-index-url-ignored", ignored("--extra-index-url", value));
                Ok(None)
            }
            "-f" | "--find-links" => {
                self.note(path, line, "find-links-ignored", ignored("--find-links", value));
                Ok(None)
            }
            "--trusted-host" => {
                self.note(path, line, "trusted-host-ignored", ignored("--trusted-host", value));
                Ok(None)
            }
            "--no-index" => {
                self.note(path, line, "no-index-ignored", ignored("--no-index", ""));
                Ok(None)
            }
            // Installer behaviour that does not change what is locked.
            "--require-hashes" | "--pre" | "--prefer-binary" | "--only-binary" | "--no-binary" | "--use-feature"
            | "--config-settings" | "--global-option" => Ok(None),
            _ => {
                self.note(path, line, "option-ignored", format!("`{opt}` is not a requirement; depgate ignores it"));
                Ok(None)
            }
        }
    }

    /// A requirement line: a PEP 508 requirement (or a bare URL/path) and its options.
    fn requirement(&mut self, content: &str, path: &Path, line: usize) -> Result<Coordinate, LockfileError> {
        // pip splits a line into the requirement and the options after it at the first
        // space-separated token starting with `-`.
        let mut spec_tokens = Vec::new();
        let mut opt_tokens = Vec::new();
        for tok in content.split_whitespace() {
            if !opt_tokens.is_empty() || tok.starts_with('-') {
                opt_tokens.push(tok);
            } else {
                spec_tokens.push(tok);
            }
        }
        let spec = spec_tokens.join(" ");
        let hashes = hash_options(&opt_tokens).map_err(|bad| {
            LockfileError::new(
                path,
                line,
                format!("`{bad}` is not a hash option"),
                "write hashes as `--hash=sha256:<hex digest>`",
            )
        })?;
        let req = parse_spec(&spec).map_err(|why| {
            LockfileError::new(path, line, format!("cannot read requirement `{spec}`: {why}"), HELP_LOCK)
        })?;
        if let Some(marker) = &req.marker {
            self.note(
                path,
                line,
                "marker-not-evaluated",
                format!(
                    "`{}` applies only where `{marker}`; depgate checks it on every platform",
                    req.name.as_deref().unwrap_or(&spec)
                ),
            );
        }
        let coord = match req.target {
            Target::Pin(version) => {
                let name = req.name.unwrap_or_default();
                let mut coord = Coordinate::new(Ecosystem::Pypi, name, version, path, line);
                coord.files = hashes;
                coord
            }
            Target::Url(url) => url_requirement(req.name.as_deref(), &url, false, path, line),
            Target::Unpinned(what) => {
                return Err(LockfileError::new(
                    path,
                    line,
                    format!(
                        "`{}` is not pinned ({what}): this file is not a lock, so depgate cannot know what gets installed",
                        spec.trim()
                    ),
                    HELP_LOCK,
                ));
            }
        };
        Ok(coord)
    }
}

fn ignored(opt: &str, value: &str) -> String {
    let shown = if value.is_empty() { opt.to_string() } else { format!("{opt} {value}") };
    format!("`{shown}` is ignored: the chain in depgate.toml decides where packages come from")
}

/// A non-registry requirement: `name @ url`, a bare VCS URL or path, or `-e target`.
fn url_requirement(name: Option<&str>, url: &str, editable: bool, path: &Path, line: usize) -> Coordinate {
    let name = name.map_or_else(|| name_from_url(url), str::to_string);
    let mut coord = Coordinate::new(Ecosystem::Pypi, name, url, path, line);
    coord.source = classify_url(url, editable);
    if !matches!(coord.source, SourceKind::Git(_)) {
        coord.resolved = Some(url.to_string());
    }
    coord
}

/// The project name a URL requirement names: `#egg=name`, else the archive's name part,
/// else the last path segment (a folder or a repository, `.git` dropped).
fn name_from_url(url: &str) -> String {
    if let Some((_, frag)) = url.split_once('#') {
        for part in frag.split('&') {
            if let Some(egg) = part.strip_prefix("egg=") {
                return egg.split(['[', '=', '<', '>']).next().unwrap_or(egg).to_string();
            }
        }
    }
    let base = url.split(['#', '?']).next().unwrap_or(url);
    // A VCS revision (`repo.git@v1.0`) follows the last `@` of the path.
    let base = match base.rsplit_once('@') {
        Some((b, rev)) if !rev.contains('/') && b.contains("://") => b,
        _ => base,
    };
    let last = file_name_of(base).unwrap_or_default();
    let last = last.strip_suffix(".git").unwrap_or(&last);
    for ext in [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".whl", ".tar.xz"] {
        if let Some(stem) = last.strip_suffix(ext) {
            // `name-1.0` / `name-1.0-py3-none-any`: the name ends before the version.
            let cut =
                stem.char_indices().find(|(i, c)| *c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
            return cut.map_or(stem, |(i, _)| &stem[..i]).to_string();
        }
    }
    last.to_string()
}

/// `--hash=alg:hex` options → one [`LockedFile`] per hash; other options are ignored.
fn hash_options(tokens: &[&str]) -> Result<Vec<LockedFile>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        let value = if let Some(v) = tok.strip_prefix("--hash=") {
            Some(v)
        } else if tok == "--hash" {
            i += 1;
            tokens.get(i).copied()
        } else {
            None
        };
        if let Some(v) = value {
            let (alg, hex) = super::common::split_hash(v).ok_or_else(|| tok.to_string())?;
            out.push(LockedFile { name: None, url: None, hashes: [(alg, hex)].into_iter().collect() });
        } else if tok == "--hash" {
            return Err(tok.to_string());
        }
        i += 1;
    }
    Ok(out)
}

/// Physical lines joined at trailing backslashes, with the 1-based line each starts on.
/// A comment line ends a continuation, as pip does.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let is_comment = raw.trim_start().starts_with('#');
        if let Some((start, mut acc)) = current.take() {
            if is_comment {
                out.push((start, acc));
                out.push((i + 1, raw.to_string()));
                continue;
            }
            if let Some(part) = raw.strip_suffix('\\') {
                acc.push_str(part);
                current = Some((start, acc));
            } else {
                acc.push_str(raw);
                out.push((start, acc));
            }
            continue;
        }
        match raw.strip_suffix('\\') {
            Some(part) if !is_comment => current = Some((i + 1, part.to_string())),
            _ => out.push((i + 1, raw.to_string())),
        }
    }
    if let Some(last) = current {
        out.push(last);
    }
    out
}

/// Splits off a comment: `#` at the start or after whitespace (a `#` inside a URL, as
/// in `#egg=`, is not one).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return (&line[..i], Some(&line[i..]));
        }
    }
    (line, None)
}

/// `-r file`, `-rfile`, `--requirement=file`, `--requirement file` → (option, value).
fn split_option(content: &str) -> (&str, &str) {
    let head_end = content.find(char::is_whitespace).unwrap_or(content.len());
    let head = &content[..head_end];
    if head.starts_with("--") {
        return match head.find('=') {
            Some(eq) => (&content[..eq], content[eq + 1..].trim()),
            None => (head, content[head_end..].trim()),
        };
    }
    // A short option may carry its value attached: `-rfile`, `-e.`.
    match head.char_indices().nth(2) {
        Some((at, _)) => (&content[..at], content[at..].trim()),
        None => (head, content[head_end..].trim()),
    }
}

/// What a requirement pins.
enum Target {
    Pin(String),
    Url(String),
    /// Not a lock entry; why (`>=2`, `no version`).
    Unpinned(String),
}

struct Spec {
    name: Option<String>,
    target: Target,
    marker: Option<String>,
}

/// Reads a PEP 508 requirement (or a bare URL/path, as pip allows).
fn parse_spec(spec: &str) -> Result<Spec, String> {
    let spec = spec.trim();
    // A bare URL or path (pip allows them without `name @`): a path, or a `scheme:` prefix
    // on the first token.
    let first = spec.split_whitespace().next().unwrap_or_default();
    let looks_like_url = |s: &str| {
        s.starts_with(['.', '/', '~'])
            || s.find(':').is_some_and(|i| {
                i > 0 && s[..i].chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
            })
    };
    if looks_like_url(first) {
        // Bare URL or path; a marker follows `; ` (with a space, as a URL may hold `;`).
        let (url, marker) = match spec.split_once(" ;").or_else(|| spec.split_once("; ")) {
            Some((u, m)) => (u.trim(), Some(m.trim().trim_start_matches(';').trim().to_string())),
            None => (spec, None),
        };
        return Ok(Spec { name: None, target: Target::Url(url.to_string()), marker });
    }
    let name_end =
        spec.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))).unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("it does not start with a project name".into());
    }
    let mut rest = spec[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']').ok_or("the extras list has no closing `]`")?;
        rest = after[close + 1..].trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        let url = url.trim();
        let (url, marker) = match url.split_once(" ;").or_else(|| url.split_once("; ")) {
            Some((u, m)) => (u.trim(), Some(m.trim().trim_start_matches(';').trim().to_string())),
            None => (url, None),
        };
        if url.is_empty() {
            return Err("`@` without a URL".into());
        }
        return Ok(Spec { name: Some(name.to_string()), target: Target::Url(url.to_string()), marker });
    }
    let (versions, marker) = match rest.split_once(';') {
        Some((v, m)) => (v.trim(), Some(m.trim().to_string()).filter(|m| !m.is_empty())),
        None => (rest.trim(), None),
    };
    let versions = versions.strip_prefix('(').and_then(|v| v.strip_suffix(')')).unwrap_or(versions).trim();
    if versions.is_empty() {
        return Ok(Spec { name: Some(name.to_string()), target: Target::Unpinned("no version".into()), marker });
    }
    let mut pin = None;
    for clause in versions.split(',') {
        let clause = clause.trim();
        let value = clause.strip_prefix("===").or_else(|| clause.strip_prefix("==")).map(str::trim);
        match value {
            Some(v) if !v.is_empty() && !v.ends_with(".*") && !v.contains(char::is_whitespace) => {
                if pin.is_some() {
                    return Err(format!("two pins in `{versions}`"));
                }
                pin = Some(v.to_string());
            }
            Some(_) => {
                return Ok(Spec { name: Some(name.to_string()), target: Target::Unpinned(clause.to_string()), marker });
            }
            None if clause.starts_with(['<', '>', '!', '~', '=']) => {}
            None => return Err(format!("`{clause}` is not a version specifier")),
        }
    }
    let target = pin.map_or_else(|| Target::Unpinned(versions.to_string()), Target::Pin);
    Ok(Spec { name: Some(name.to_string()), target, marker })
}

/// The project name at the start of a PEP 508 requirement string (`zope.interface>=6` →
/// `zope.interface`), for callers reading manifests.
pub(crate) fn requirement_name(req: &str) -> Option<&str> {
    let req = req.trim();
    let end = req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))).unwrap_or(req.len());
    let name = &req[..end];
    (!name.is_empty()).then_some(name)
}

/// Lexically normalized path (`a/./b/../c` → `a/c`), for cycle detection without the
/// file system.
fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
#[path = "requirements_tests.rs"]
mod tests;
