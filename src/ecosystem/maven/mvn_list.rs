//! The output of `mvn dependency:list` (maven-dependency-plugin), as a file
//! (`-DoutputFile=…`) or as pasted console output.
//!
//! Format notes (what the plugin prints, checked against versions 2.8 and 3.8.1):
//! ```text
//!
//! The following files have been resolved:
//!    group:artifact:type[:classifier]:version:scope[:/abs/path/file.jar][ (optional)][ -- module name [auto]]
//!    none                                   (when there is nothing)
//! ```
//! The path is there with `-DoutputAbsoluteArtifactFilename=true`; the scope is left out
//! with `-DoutputScope=false`; `-- module …` (3.1+) names the JPMS module; sections
//! "The following files were skipped:" and "The following files have NOT been resolved:"
//! list further dependencies of the build and are read the same way. On the console every
//! line has an `[INFO] ` prefix and may carry ANSI colours; both are stripped. Lines outside
//! these sections (build log noise) are ignored; a line inside one that is not an entry is an
//! error, and so is a text with no section at all.
//!
//! Mapping: `test` scope → `dev`. `provided` is kept as an ordinary registry dependency
//! (the build compiles against those exact bytes even though the runtime supplies them).
//! A reactor module's output (`target/classes`, `target/test-classes`, or the jar it
//! packaged into `target/`) becomes [`SourceKind::Link`]: part of the same build. `system`
//! scope, and any other path that is not inside a Maven repository layout (a
//! `systemPath`, a jar copied into the project), become [`SourceKind::File`] with that
//! path: Maven never downloads them, so no upstream can serve them, and the builtin policy
//! warns (`unresolvable-source`). ` (optional)` → `optional`.
//! `direct` is unknown (`false`): the listing is flat. The absolute path goes to
//! `resolved`, and the file name to one [`LockedFile`] without hashes: the caller hashes
//! the local file; this module never opens it.
//!
//! Owns: reading this listing. Must not: open the listed files.

use std::collections::BTreeMap;
use std::path::Path;

use super::{packaging_extension, split_artifact_file};
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile, LockfileError, SourceKind};

const HELP: &str = "produce it with `mvn dependency:list -DoutputAbsoluteArtifactFilename=true -DoutputFile=depgate-mvn-dependencies.txt`";
const SCOPES: [&str; 6] = ["compile", "provided", "runtime", "test", "system", "import"];
const SECTIONS: [&str; 3] = [
    "The following files have been resolved:",
    "The following files were skipped:",
    "The following files have NOT been resolved:",
];

/// Parses `mvn dependency:list` output (file or console) into coordinates.
pub fn parse_mvn_dependency_list(text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let mut out: Vec<Coordinate> = Vec::new();
    let mut in_section = false;
    let mut saw_section = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let clean = strip_ansi(raw);
        let body = strip_log_level(clean.trim_end_matches('\r'));
        let trimmed = body.trim();
        if SECTIONS.contains(&trimmed) {
            in_section = true;
            saw_section = true;
            continue;
        }
        if !in_section {
            continue;
        }
        if trimmed.is_empty() || !body.starts_with(' ') {
            in_section = false;
            continue;
        }
        if trimmed == "none" {
            continue;
        }
        let entry = parse_entry(trimmed).map_err(|m| LockfileError::new(path, line_no, m, HELP))?;
        let c = entry.into_coordinate(path, line_no);
        match out.iter_mut().find(|o| same(o, &c)) {
            Some(o) => {
                o.dev &= c.dev;
                o.optional &= c.optional;
            }
            None => out.push(c),
        }
    }
    if !saw_section {
        return Err(LockfileError::new(
            path,
            0,
            "not the output of `mvn dependency:list`: there is no \"The following files have been resolved:\" line",
            HELP,
        ));
    }
    Ok(out)
}

fn same(a: &Coordinate, b: &Coordinate) -> bool {
    a.name == b.name
        && a.version == b.version
        && a.classifier == b.classifier
        && a.extension == b.extension
        && a.source == b.source
}

struct Entry<'a> {
    group: &'a str,
    artifact: &'a str,
    kind: &'a str,
    classifier: Option<&'a str>,
    version: &'a str,
    scope: Option<&'a str>,
    file: Option<&'a str>,
    optional: bool,
}

fn parse_entry(s: &str) -> Result<Entry<'_>, String> {
    let s = s.find(" -- module ").map_or(s, |i| &s[..i]);
    let (s, optional) = match s.strip_suffix(" (optional)") {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    let (spec, file) = match path_start(s) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let mut parts: Vec<&str> = spec.split(':').collect();
    let scope = match parts.last() {
        Some(last) if parts.len() >= 5 && SCOPES.contains(last) => parts.pop(),
        _ => None,
    };
    let bad = || format!("`{s}` is not `group:artifact:type[:classifier]:version:scope[:path]`");
    if parts.iter().any(|p| p.is_empty() || p.chars().any(char::is_whitespace)) {
        return Err(bad());
    }
    let (group, artifact, kind, classifier, version) = match parts[..] {
        [group, artifact, kind, version] => (group, artifact, kind, None, version),
        [group, artifact, kind, classifier, version] => (group, artifact, kind, Some(classifier), version),
        _ => return Err(bad()),
    };
    if file.is_some_and(str::is_empty) {
        return Err(bad());
    }
    Ok(Entry { group, artifact, kind, classifier, version, scope, file, optional })
}

/// Where the absolute path starts: the first `:` followed by `/`, `\` or a drive (`C:\`).
fn path_start(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| {
        b[i] == b':'
            && match b.get(i + 1..) {
                Some([b'/' | b'\\', ..]) => true,
                Some([d, b':', b'/' | b'\\', ..]) => d.is_ascii_alphabetic(),
                _ => false,
            }
    })
}

impl Entry<'_> {
    fn into_coordinate(self, path: &Path, line: usize) -> Coordinate {
        let mut c =
            Coordinate::new(Ecosystem::Maven, format!("{}:{}", self.group, self.artifact), self.version, path, line);
        c.classifier = self.classifier.map(str::to_string);
        c.dev = self.scope == Some("test");
        c.optional = self.optional;
        let mut extension = packaging_extension(self.kind).to_string();
        if let Some(file) = self.file {
            let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
            if let Some((_, ext)) = split_artifact_file(self.artifact, self.version, name) {
                extension = ext;
            }
            if self.scope != Some("system") && is_reactor_output(file, self.artifact, self.version) {
                c.source = SourceKind::Link(file.to_string());
            } else if self.scope == Some("system") || !in_repository_layout(file, self.group, self.artifact) {
                c.source = SourceKind::File(file.to_string());
            }
            c.resolved = Some(file.to_string());
            c.files.push(LockedFile { name: Some(name.to_string()), url: None, hashes: BTreeMap::new() });
        } else if self.scope == Some("system") {
            c.source = SourceKind::File(String::new());
        }
        c.extension = Some(extension);
        c
    }
}

/// A module of the same build (the reactor): its `target/classes` or `target/test-classes`
/// folder, or the jar it packaged into `target/`. Built from the project's own sources, so
/// no upstream is expected to serve it.
fn is_reactor_output(file: &str, artifact: &str, version: &str) -> bool {
    let parts: Vec<&str> = file.trim_end_matches(['/', '\\']).split(['/', '\\']).collect();
    match parts.as_slice() {
        [.., "target", "classes" | "test-classes"] => true,
        [.., "target", name] => name.strip_prefix(artifact).is_some_and(|r| r.starts_with(&format!("-{version}"))),
        _ => false,
    }
}

/// `…/com/acme/lib/<version>/lib-….jar`: a file in a local Maven repository.
fn in_repository_layout(file: &str, group: &str, artifact: &str) -> bool {
    let parts: Vec<&str> = file.split(['/', '\\']).collect();
    let n = parts.len();
    let groups: Vec<&str> = group.split('.').collect();
    if n < groups.len() + 3 {
        return false;
    }
    let name = parts[n - 1];
    parts[n - 3] == artifact
        && parts[n - 3 - groups.len()..n - 3] == groups[..]
        && name.starts_with(artifact)
        && name[artifact.len()..].starts_with('-')
}

/// Drops ANSI escape sequences (`ESC [ … final`), as `-Dstyle.color=always` prints them.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

/// Drops Maven's `[INFO] ` (or `[WARNING] `…) console prefix.
fn strip_log_level(s: &str) -> &str {
    let Some(rest) = s.strip_prefix('[') else {
        return s;
    };
    match rest.split_once(']') {
        Some((level, after)) if !level.is_empty() && level.bytes().all(|b| b.is_ascii_uppercase()) => {
            after.strip_prefix(' ').unwrap_or(after)
        }
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_mvn_dependency_list(text, Path::new("deps.txt"))
    }

    #[test]
    fn entries_of_every_shape() {
        let text = "\nThe following files have been resolved:\n   a:b:jar:1.0:compile\n   a:c:jar:tests:1.0:test:/r/a/c/1.0/c-1.0-tests.jar (optional) -- module c [auto]\n   a:d:jar:1.0:system:/opt/d.jar\n   a:e:test-jar:tests:2:provided:C:\\m2\\a\\e\\2\\e-2-tests.jar\n   a:f:pom:3\n   app:mod:jar:1:compile:/src/mod/target/classes\n\n";
        let got = parse(text).unwrap();
        assert_eq!(got.len(), 6);
        assert_eq!((got[0].name.as_str(), got[0].line, got[0].extension.as_deref()), ("a:b", 3, Some("jar")));
        let c = &got[1];
        assert!(c.dev && c.optional && c.source.is_registry());
        assert_eq!(c.classifier.as_deref(), Some("tests"));
        assert_eq!(c.resolved.as_deref(), Some("/r/a/c/1.0/c-1.0-tests.jar"));
        assert_eq!(c.files[0].name.as_deref(), Some("c-1.0-tests.jar"));
        assert_eq!(got[2].source, SourceKind::File("/opt/d.jar".into()));
        assert!(got[3].source.is_registry() && !got[3].dev);
        assert_eq!(got[3].files[0].name.as_deref(), Some("e-2-tests.jar"));
        assert_eq!((got[4].extension.as_deref(), got[4].files.len()), (Some("pom"), 0));
        assert_eq!(got[5].source.label(), "link");
    }

    #[test]
    fn console_and_empty() {
        let text = "\u{1b}[1;34m[INFO]\u{1b}[m Scanning\n[INFO] The following files have been resolved:\n[INFO]    a:b:jar:1:compile\u{1b}[36m -- module b\u{1b}[m\n[INFO] \n[INFO] BUILD SUCCESS\n";
        let got = parse(text).unwrap();
        assert_eq!((got.len(), got[0].line), (1, 3));
        assert!(parse("The following files have been resolved:\n   none\n").unwrap().is_empty());
        assert_eq!(parse("hello\n").unwrap_err().line, 0);
        assert_eq!(parse("The following files have been resolved:\n   a:b\n").unwrap_err().line, 2);
        assert_eq!(parse("The following files have been resolved:\n   a:b:jar:1:compile:\n").unwrap_err().line, 2);
    }
}
