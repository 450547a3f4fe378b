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

mod berry;
mod classic;

use std::collections::VecDeque;
use std::path::Path;

use crate::ecosystem::{Coordinate, LockfileError};

pub(super) const HELP_CLASSIC: &str = "regenerate it with `yarn install` (yarn 1.x)";
pub(super) const HELP_BERRY: &str = "regenerate it with `yarn install --mode=update-lockfile` (yarn 2 or newer)";

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
        berry::parse_berry(text, file, manifest.as_ref())
    } else {
        classic::parse_classic(text, file, manifest.as_ref())
    }
}

fn is_berry(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("__metadata:") || l.starts_with("\"__metadata\":"))
}

/// The parts of the root `package.json` that matter here.
pub(super) struct Manifest {
    pub(super) dependencies: Vec<(String, String)>,
    pub(super) dev: Vec<(String, String)>,
    pub(super) optional: Vec<(String, String)>,
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
pub(super) struct Root {
    pub(super) target: usize,
    pub(super) dev: bool,
    pub(super) optional: bool,
}

/// Graph facts: (direct, dev-only, optional-only) per node.
pub(super) fn flags(n: usize, roots: &[Root], edges: &[Vec<(usize, bool)>]) -> Vec<(bool, bool, bool)> {
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

#[cfg(test)]
mod tests {
    use super::berry::berry_source;
    use super::*;
    use crate::ecosystem::SourceKind;

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
        assert_eq!(berry_source("github:o/r#commit=abc", 0), Some(SourceKind::Git("github:o/r#commit=abc".into())));
        assert_eq!(
            berry_source("https://codeload.github.com/o/r/tar.gz/abc", 0),
            Some(SourceKind::Tarball("https://codeload.github.com/o/r/tar.gz/abc".into()))
        );
        // A registry package whose tarball is elsewhere: still the registry, unless a
        // code host serves it.
        assert_eq!(
            berry_source("npm:1.0.0::__archiveUrl=https%3A%2F%2Fnpm.example.com%2Fa%2F-%2Fa-1.0.0.tgz", 0),
            Some(SourceKind::Registry)
        );
        assert_eq!(
            berry_source("npm:1.0.0::__archiveUrl=https%3A%2F%2Fcodeload.github.com%2Fo%2Fa%2Ftar.gz%2Fabc", 0),
            Some(SourceKind::Tarball("https://codeload.github.com/o/a/tar.gz/abc".into()))
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
