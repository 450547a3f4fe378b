//! Gradle dependency lock state: `gradle.lockfile` and `gradle/dependency-locks/*.lockfile`.
//!
//! Format notes (Gradle's dependency-locking chapter and the files Gradle writes):
//! - Gradle 6.0+ writes one `gradle.lockfile` per project (`buildscript-gradle.lockfile`
//!   for the build script classpath, `settings-gradle.lockfile` for settings). Lines are
//!   `group:name:version=conf1,conf2` (configurations sorted, entries sorted), comments
//!   start with `#`, and a last `empty=conf1,conf2` line names the locked configurations
//!   that resolved to nothing.
//! - Gradle 4.8 to 5.x wrote one file per configuration,
//!   `gradle/dependency-locks/<configuration>.lockfile`, of plain `group:name:version`
//!   lines; the configuration is the file name.
//!
//! Lock state records modules, not files: no classifier, extension or checksum. A module
//! appears once, with every configuration that resolved it merged. `dev` is set when every
//! one of those configurations only feeds tests ([`super::is_test_configuration`]).
//! `direct` is always `false`: a lockfile does not say which modules the build declares.
//!
//! Owns: reading these two formats. Must not: open the file, guess coordinates that are not
//! written, or accept a line Gradle itself would reject.

use std::collections::BTreeMap;
use std::path::Path;

use super::is_test_configuration;
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError};

const HELP: &str = "regenerate it with `./gradlew dependencies --write-locks` (or the `--write-locks` option on the task that resolves the configurations)";

/// Parses a Gradle lockfile of either format. The per-configuration format is recognised by
/// its lines (no `=`); its configuration is taken from the file name of `path`
/// (`testRuntimeClasspath.lockfile`, `buildscript-classpath.lockfile`).
pub fn parse_gradle_lockfile(text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let legacy_conf = legacy_configuration(path);
    let mut format: Option<bool> = None; // Some(true): `=` lines (Gradle 6+), Some(false): plain lines
    let mut entries: BTreeMap<(String, String), Entry> = BTreeMap::new();
    let mut empty_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| LockfileError::new(path, line_no, message, HELP);
        if let Some(rest) = line.strip_prefix("empty=") {
            if format == Some(false) {
                return Err(err("an `empty=` line in a per-configuration lockfile".into()));
            }
            if empty_seen {
                return Err(err("a second `empty=` line".into()));
            }
            empty_seen = true;
            format = Some(true);
            if rest.split(',').any(|c| !valid_configuration(c)) && !rest.is_empty() {
                return Err(err(format!("`{line}` is not a list of configuration names")));
            }
            continue;
        }
        let (module, confs) = match line.split_once('=') {
            Some((m, c)) => (m, Some(c)),
            None => (line, None),
        };
        let is_unique = confs.is_some();
        match format {
            Some(f) if f != is_unique => {
                return Err(err(format!(
                    "`{line}` mixes the two lockfile formats: {}",
                    if is_unique {
                        "a `group:name:version=configurations` line in a file of plain `group:name:version` lines"
                    } else {
                        "a line without `=configurations` in a gradle.lockfile"
                    }
                )));
            }
            _ => format = Some(is_unique),
        }
        let parts: Vec<&str> = module.split(':').collect();
        let [group, name, version] = parts[..] else {
            return Err(err(format!("`{module}` is not `group:name:version`")));
        };
        if [group, name, version].iter().any(|p| p.is_empty() || p.chars().any(char::is_whitespace)) {
            return Err(err(format!("`{module}` is not `group:name:version`")));
        }
        let configurations: Vec<String> = match confs {
            Some(c) => {
                let list: Vec<&str> = c.split(',').collect();
                if list.iter().any(|c| !valid_configuration(c)) {
                    return Err(err(format!("`{c}` is not a comma-separated list of configuration names")));
                }
                list.into_iter().map(str::to_string).collect()
            }
            None => legacy_conf.iter().cloned().collect(),
        };
        let entry = entries
            .entry((format!("{group}:{name}"), version.to_string()))
            .or_insert_with(|| Entry { line: line_no, configurations: Vec::new() });
        for c in configurations {
            if !entry.configurations.contains(&c) {
                entry.configurations.push(c);
            }
        }
    }
    let mut out: Vec<Coordinate> = entries
        .into_iter()
        .map(|((name, version), e)| {
            let mut c = Coordinate::new(Ecosystem::Maven, name, version, path, e.line);
            c.dev = !e.configurations.is_empty() && e.configurations.iter().all(|c| is_test_configuration(c));
            c
        })
        .collect();
    out.sort_by_key(|c| c.line);
    Ok(out)
}

struct Entry {
    line: usize,
    configurations: Vec<String>,
}

fn valid_configuration(c: &str) -> bool {
    !c.is_empty() && !c.contains(|ch: char| ch.is_whitespace() || ch == '=' || ch == ':')
}

/// The configuration a per-configuration lockfile is for, from its file name, without the
/// `buildscript-`/`settings-` prefix Gradle adds for script classpaths.
fn legacy_configuration(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?.strip_suffix(".lockfile")?;
    if name == "gradle" || name.ends_with("-gradle") {
        return None;
    }
    let name = name.strip_prefix("buildscript-").or_else(|| name.strip_prefix("settings-")).unwrap_or(name);
    valid_configuration(name).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, file: &str) -> Result<Vec<Coordinate>, LockfileError> {
        parse_gradle_lockfile(text, Path::new(file))
    }

    #[test]
    fn unique_format() {
        let text = "# header\na:b:1=compileClasspath,testCompileClasspath\nc:d:2=testRuntimeClasspath\nempty=annotationProcessor\n";
        let got = parse(text, "gradle.lockfile").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].name.as_str(), got[0].version.as_str(), got[0].line, got[0].dev), ("a:b", "1", 2, false));
        assert_eq!((got[1].name.as_str(), got[1].dev, got[1].direct), ("c:d", true, false));
        assert!(parse("empty=\n", "gradle.lockfile").unwrap().is_empty());
    }

    #[test]
    fn legacy_format_takes_the_configuration_from_the_file_name() {
        let got = parse("# h\na:b:1\n", "gradle/dependency-locks/testCompileClasspath.lockfile").unwrap();
        assert!(got[0].dev);
        let got = parse("a:b:1\n", "gradle/dependency-locks/runtimeClasspath.lockfile").unwrap();
        assert!(!got[0].dev);
        let got = parse("a:b:1\n", "gradle/dependency-locks/buildscript-classpath.lockfile").unwrap();
        assert!(!got[0].dev);
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line) in [
            ("a:b:1=x\na:b\n", 2),
            ("a:b:1=x\nc:d:2\n", 2),
            ("a:b:1\nc:d:2=x\n", 2),
            ("a:b:1=\n", 1),
            ("a::1=x\n", 1),
            ("a:b:1:2=x\n", 1),
            ("a:b:1=x,,y\n", 1),
            ("empty=a\nempty=b\n", 2),
        ] {
            let e = parse(text, "gradle.lockfile").unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
        }
    }
}
