//! npm lockfile parsers against fixtures made by the real clients (testdata/npm, see
//! testdata/npm/regen.sh for how and with which client versions).
//!
//! Each fixture lockfile sits next to `expected-*.txt`: the sorted `name@version` lines of
//! what the client itself reported installed. `tools` holds the pnpm 5.x / 10 / 11, bun and
//! yarn-sources fixtures, checked against the tools' raw listings.

#[path = "lockfiles/discovery.rs"]
mod discovery;
#[path = "lockfiles/tools.rs"]
mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use depgate::ecosystem::npm::yarn::parse_yarn_lock_with_manifest;
use depgate::ecosystem::npm::{parse_package_lock, parse_pnpm_lock, parse_yarn_lock};
use depgate::ecosystem::{Coordinate, LockfileError, SourceKind};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/npm")
}

fn read(rel: &str) -> String {
    let p = testdata().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Npm,
    Pnpm,
    Yarn,
}

/// Parses a fixture; yarn ones with their package.json (what users get).
fn parse(kind: Kind, rel: &str) -> Vec<Coordinate> {
    let text = read(rel);
    let path = testdata().join(rel);
    let result = match kind {
        Kind::Npm => parse_package_lock(&text, &path),
        Kind::Pnpm => parse_pnpm_lock(&text, &path),
        Kind::Yarn => {
            let manifest = std::fs::read_to_string(path.with_file_name("package.json")).unwrap();
            parse_yarn_lock_with_manifest(&text, &path, Some(&manifest))
        }
    };
    result.unwrap_or_else(|e| panic!("{rel}: {e}"))
}

struct Case {
    lock: &'static str,
    kind: Kind,
    expected: &'static [&'static str],
    /// (name, source label) of every non-registry coordinate.
    non_registry: &'static [(&'static str, &'static str)],
    berry: bool,
}

const BASIC_NPM7: &[(&str, &str)] = &[("bundler", "file"), ("gitdep", "git"), ("local-pkg", "link")];

const CASES: &[Case] = &[
    Case {
        lock: "basic/package-lock.v1.json",
        kind: Kind::Npm,
        expected: &["basic/expected-v1.txt"],
        non_registry: &[("bundler", "file"), ("gitdep", "git"), ("local-pkg", "file")],
        berry: false,
    },
    Case {
        lock: "basic/package-lock.v2.json",
        kind: Kind::Npm,
        expected: &["basic/expected-v2.txt"],
        non_registry: BASIC_NPM7,
        berry: false,
    },
    Case {
        lock: "basic/package-lock.v3.json",
        kind: Kind::Npm,
        expected: &["basic/expected-v3.txt"],
        non_registry: BASIC_NPM7,
        berry: false,
    },
    Case {
        lock: "basic/npm-shrinkwrap.json",
        kind: Kind::Npm,
        expected: &["basic/expected-shrinkwrap.txt"],
        non_registry: BASIC_NPM7,
        berry: false,
    },
    Case {
        lock: "workspaces/npm/package-lock.json",
        kind: Kind::Npm,
        expected: &["workspaces/npm/expected-v3.txt"],
        non_registry: &[("@depgate-fixture/ws-a", "link"), ("@depgate-fixture/ws-b", "link")],
        berry: false,
    },
    Case {
        lock: "workspaces/pnpm/pnpm-lock.v6.yaml",
        kind: Kind::Pnpm,
        expected: &["workspaces/pnpm/expected-pnpm8.txt"],
        non_registry: &[("@depgate-fixture/ws-b", "link")],
        berry: false,
    },
    Case {
        lock: "workspaces/pnpm/pnpm-lock.v9.yaml",
        kind: Kind::Pnpm,
        expected: &["workspaces/pnpm/expected-pnpm9.txt"],
        non_registry: &[("@depgate-fixture/ws-b", "link")],
        berry: false,
    },
    Case {
        lock: "pnpm/pnpm-lock.v6.yaml",
        kind: Kind::Pnpm,
        expected: &["pnpm/expected-pnpm8.txt"],
        // pnpm 8 cannot lock a git+file: dependency (see regen.sh): no gitdep here.
        non_registry: &[("bundler", "file"), ("linked-pkg", "link"), ("local-pkg", "file")],
        berry: false,
    },
    Case {
        lock: "pnpm/pnpm-lock.v9.yaml",
        kind: Kind::Pnpm,
        expected: &["pnpm/expected-pnpm9.txt"],
        non_registry: &[("bundler", "file"), ("gitdep", "git"), ("linked-pkg", "link"), ("local-pkg", "file")],
        berry: false,
    },
    Case {
        lock: "yarn/classic/yarn.lock",
        kind: Kind::Yarn,
        expected: &["yarn/classic/expected-yarn1.txt"],
        non_registry: &[("bundler", "file"), ("gitdep", "git"), ("linked-pkg", "link"), ("local-pkg", "file")],
        berry: false,
    },
    Case {
        lock: "yarn/berry/yarn.lock",
        kind: Kind::Yarn,
        expected: &["yarn/berry/expected-berry.txt"],
        non_registry: &[
            ("bundler", "file"),
            ("gitdep", "git"),
            ("linked-pkg", "link"),
            ("local-pkg", "file"),
            ("portal-pkg", "link"),
        ],
        berry: true,
    },
    Case {
        lock: "large/package-lock.json",
        kind: Kind::Npm,
        // What npm installed here, plus what it rightly skipped on this platform (fsevents).
        expected: &["large/expected-v3.txt", "large/expected-v3-platform-skipped.txt"],
        non_registry: &[],
        berry: false,
    },
];

fn lines_of(rel: &str) -> BTreeSet<String> {
    read(rel).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn name_of(line: &str) -> &str {
    let from = usize::from(line.starts_with('@'));
    line.get(from..).and_then(|r| r.find('@')).map_or(line, |i| &line[..from + i])
}

fn id(c: &Coordinate) -> String {
    format!("{}@{}", c.name, c.version)
}

fn check_case(case: &Case) -> Result<(), String> {
    let coords = parse(case.kind, case.lock);
    let mut problems = Vec::new();

    // Non-registry entries: reported, with the right kind.
    let non_registry: BTreeSet<(String, String)> = coords
        .iter()
        .filter(|c| !c.source.is_registry())
        .map(|c| (c.name.clone(), c.source.label().to_string()))
        .collect();
    let want_nr: BTreeSet<(String, String)> =
        case.non_registry.iter().map(|(n, k)| ((*n).to_string(), (*k).to_string())).collect();
    if non_registry != want_nr {
        problems.push(format!("non-registry entries: got {non_registry:?}, want {want_nr:?}"));
    }

    // Registry (name, version) == what the client installed, minus the local / git ones.
    let nr_names: BTreeSet<&str> = case.non_registry.iter().map(|(n, _)| *n).collect();
    let expected: BTreeSet<String> =
        case.expected.iter().flat_map(|e| lines_of(e)).filter(|l| !nr_names.contains(name_of(l))).collect();
    let got: BTreeSet<String> = coords.iter().filter(|c| c.source.is_registry()).map(id).collect();
    let missing: Vec<&String> = expected.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&expected).collect();
    if !missing.is_empty() || !extra.is_empty() {
        problems.push(format!(
            "registry set differs from {:?}: missing (installed, not parsed) {missing:?}; extra (parsed, not installed) {extra:?}",
            case.expected
        ));
    }
    // Every non-registry name the client listed is reported.
    for l in case.expected.iter().flat_map(|e| lines_of(e)) {
        if nr_names.contains(name_of(&l)) && !coords.iter().any(|c| c.name == name_of(&l)) {
            problems.push(format!("installed {l} is not reported"));
        }
    }

    // Integrity: recorded for every registry download (not for bundled copies, which
    // come inside their parent; not for berry, whose checksum is not an npm integrity).
    for c in &coords {
        match (&c.integrity, case.berry) {
            (Some(_), true) => {
                problems.push(format!("{}: berry coordinate with an integrity", id(c)));
            }
            (None, false) if c.source.is_registry() && !c.bundled => {
                problems.push(format!("{}: registry coordinate without integrity", id(c)));
            }
            (Some(i), false) if i.trim().is_empty() => {
                problems.push(format!("{}: empty integrity", id(c)));
            }
            _ => {}
        }
    }

    // One coordinate per (name, version, source).
    let mut seen = BTreeSet::new();
    for c in &coords {
        if !seen.insert((c.name.clone(), c.version.clone(), format!("{:?}", c.source))) {
            problems.push(format!("{} reported twice", id(c)));
        }
    }

    // Lines point at the entry.
    let text = read(case.lock);
    let file_lines: Vec<&str> = text.lines().collect();
    for c in &coords {
        let Some(l) = c.line.checked_sub(1).and_then(|i| file_lines.get(i)) else {
            problems.push(format!("{}: line {} is out of range", id(c), c.line));
            continue;
        };
        let alias_ok = c.alias.as_deref().is_some_and(|a| l.contains(a));
        if !l.contains(c.name.as_str()) && !alias_ok {
            problems.push(format!("{}: line {} is `{l}`", id(c), c.line));
        }
        if c.source_file != testdata().join(case.lock) {
            problems.push(format!("{}: source_file {}", id(c), c.source_file.display()));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{} ({} coordinates):\n  {}", case.lock, coords.len(), problems.join("\n  ")))
    }
}

#[test]
fn fixtures_match_what_the_clients_installed() {
    let failures: Vec<String> = CASES.iter().filter_map(|c| check_case(c).err()).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn fixture_counts() {
    // Printed with --nocapture; the report quotes these.
    for case in CASES {
        let coords = parse(case.kind, case.lock);
        let expected: usize = case.expected.iter().map(|e| lines_of(e).len()).sum();
        let registry = coords.iter().filter(|c| c.source.is_registry()).count();
        println!(
            "{:40} coordinates {:5} (registry {:5}) expected lines {:5}",
            case.lock,
            coords.len(),
            registry,
            expected
        );
    }
}

#[test]
fn large_lockfile_has_over_a_thousand_coordinates() {
    let coords = parse(Kind::Npm, "large/package-lock.json");
    assert!(coords.len() > 1000, "{}", coords.len());
    assert!(lines_of("large/expected-v3.txt").len() > 1000);
    let fsevents = coords.iter().find(|c| c.name == "fsevents").expect("platform-specific packages are reported");
    assert!(fsevents.optional);
    // Direct: exactly what package.json declares.
    let direct: BTreeSet<&str> = coords.iter().filter(|c| c.direct).map(|c| c.name.as_str()).collect();
    assert_eq!(direct, BTreeSet::from(["react", "react-dom", "react-scripts", "typescript"]));
    assert!(coords.iter().find(|c| c.name == "react-scripts").unwrap().dev);
    assert!(!coords.iter().find(|c| c.name == "react").unwrap().dev);
}

/// For every name@version in several lockfiles of the same project, the integrity agrees.
#[test]
fn integrity_agrees_across_formats() {
    let groups: &[&[(Kind, &str)]] = &[
        &[
            (Kind::Npm, "basic/package-lock.v1.json"),
            (Kind::Npm, "basic/package-lock.v2.json"),
            (Kind::Npm, "basic/package-lock.v3.json"),
            (Kind::Npm, "basic/npm-shrinkwrap.json"),
            (Kind::Pnpm, "pnpm/pnpm-lock.v6.yaml"),
            (Kind::Pnpm, "pnpm/pnpm-lock.v9.yaml"),
            (Kind::Yarn, "yarn/classic/yarn.lock"),
        ],
        &[
            (Kind::Npm, "workspaces/npm/package-lock.json"),
            (Kind::Pnpm, "workspaces/pnpm/pnpm-lock.v6.yaml"),
            (Kind::Pnpm, "workspaces/pnpm/pnpm-lock.v9.yaml"),
        ],
    ];
    for group in groups {
        // name@version -> (integrity -> lockfiles)
        let mut seen: BTreeMap<String, BTreeMap<String, Vec<&str>>> = BTreeMap::new();
        for (kind, rel) in *group {
            for c in parse(*kind, rel) {
                if let (true, Some(i)) = (c.source.is_registry(), &c.integrity) {
                    seen.entry(id(&c)).or_default().entry(i.clone()).or_default().push(rel);
                }
            }
        }
        let disagree: Vec<_> = seen.iter().filter(|(_, by)| by.len() > 1).collect();
        assert!(disagree.is_empty(), "integrity differs: {disagree:#?}");
        let shared = seen.values().filter(|by| by.values().map(Vec::len).sum::<usize>() > 1).count();
        assert!(shared >= 8, "too few packages shared across formats to compare: {shared}");
    }
}

fn find<'a>(coords: &'a [Coordinate], name: &str, version: &str) -> &'a Coordinate {
    coords
        .iter()
        .find(|c| c.name == name && c.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} not parsed"))
}

fn line_text(rel: &str, line: usize) -> String {
    read(rel).lines().nth(line - 1).unwrap_or_default().to_string()
}

#[test]
fn package_lock_v2_v3_flags() {
    for rel in ["basic/package-lock.v2.json", "basic/package-lock.v3.json", "basic/npm-shrinkwrap.json"] {
        let c = parse(Kind::Npm, rel);
        let alias = find(&c, "ms", "2.0.0");
        assert_eq!(alias.alias.as_deref(), Some("my-ms"), "{rel}");
        assert!(alias.direct && alias.source.is_registry());
        assert!(line_text(rel, alias.line).contains("\"node_modules/my-ms\": {"), "{rel}");
        let ms = find(&c, "ms", "2.1.2");
        assert!(!ms.direct && ms.alias.is_none() && !ms.dev);
        for dev in ["semver@7.5.4", "lru-cache@6.0.0", "yallist@4.0.0", "is-number@7.0.0"] {
            let (n, v) = dev.split_once('@').unwrap();
            assert!(find(&c, n, v).dev, "{rel}: {dev} is dev");
        }
        assert!(find(&c, "semver", "7.5.4").direct);
        assert!(!find(&c, "lru-cache", "6.0.0").direct);
        assert!(!find(&c, "debug", "4.3.4").dev && find(&c, "debug", "4.3.4").direct);
        let lp = find(&c, "left-pad", "1.3.0");
        assert!(lp.optional && lp.direct && !lp.dev);
        for (n, v) in [("is-odd", "3.0.1"), ("is-number", "6.0.0")] {
            let b = find(&c, n, v);
            assert!(b.bundled && b.integrity.is_none() && !b.direct, "{rel}: {n} bundled");
        }
        assert!(!find(&c, "is-number", "7.0.0").bundled);
        let scoped = find(&c, "@isaacs/string-locale-compare", "1.1.0");
        assert!(scoped.direct);
        assert_eq!(
            scoped.resolved.as_deref(),
            Some("https://registry.npmjs.org/@isaacs/string-locale-compare/-/string-locale-compare-1.1.0.tgz")
        );
        let git = find(&c, "gitdep", "1.0.0");
        assert_eq!(
            git.source,
            SourceKind::Git(
                "git+file:///tmp/depgate-fixture-git/gitdep.git#832cced2de16c1192da3c98eb2b15bee8d197797".into()
            )
        );
        assert!(git.direct);
        let bundler = find(&c, "bundler", "1.0.0");
        assert_eq!(bundler.source, SourceKind::File("local/bundler-1.0.0.tgz".into()));
        assert!(bundler.integrity.as_deref().is_some_and(|i| i.starts_with("sha512-")));
        let local = find(&c, "local-pkg", "1.0.0");
        assert_eq!(local.source, SourceKind::Link("local/local-pkg".into()));
        assert!(local.direct);
        assert!(line_text(rel, local.line).contains("\"node_modules/local-pkg\""));
        // The file: folder's own dependency is not a direct one.
        assert!(!find(&c, "escape-string-regexp", "4.0.0").direct);
        assert!(find(&c, "ajv-keywords", "3.5.2").direct);
    }
}

#[test]
fn package_lock_v1_flags() {
    let rel = "basic/package-lock.v1.json";
    let c = parse(Kind::Npm, rel);
    let alias = find(&c, "ms", "2.0.0");
    assert_eq!(alias.alias.as_deref(), Some("my-ms"));
    assert!(alias.direct);
    assert!(line_text(rel, alias.line).contains("\"my-ms\": {"));
    assert!(!find(&c, "ms", "2.1.2").direct);
    let b = find(&c, "is-number", "6.0.0");
    assert!(b.bundled);
    assert!(line_text(rel, b.line).contains("\"is-number\": {"));
    assert!(b.line > find(&c, "bundler", "file:local/bundler-1.0.0.tgz").line, "nested under bundler");
    assert!(find(&c, "semver", "7.5.4").dev && find(&c, "semver", "7.5.4").direct);
    assert!(find(&c, "yallist", "4.0.0").dev && !find(&c, "yallist", "4.0.0").direct);
    assert!(find(&c, "left-pad", "1.3.0").optional);
    let local = c.iter().find(|c| c.name == "local-pkg").unwrap();
    assert_eq!(local.source, SourceKind::File("local/local-pkg".into()));
    let git = c.iter().find(|c| c.name == "gitdep").unwrap();
    assert!(matches!(&git.source, SourceKind::Git(u) if u.ends_with("#832cced2de16c1192da3c98eb2b15bee8d197797")));
}

#[test]
fn npm_workspaces() {
    let rel = "workspaces/npm/package-lock.json";
    let c = parse(Kind::Npm, rel);
    let ws_b = c.iter().find(|c| c.name == "@depgate-fixture/ws-b").unwrap();
    assert_eq!(ws_b.source, SourceKind::Link("packages/ws-b".into()));
    assert_eq!(ws_b.version, "1.0.0");
    assert!(ws_b.direct, "ws-a depends on ws-b");
    // ws-a declares ms 2.0.0 (hoisted to the root), ws-b ms 2.1.3 (nested in the member).
    assert!(find(&c, "ms", "2.0.0").direct);
    let ms3 = find(&c, "ms", "2.1.3");
    assert!(ms3.direct);
    assert!(line_text(rel, ms3.line).contains("\"packages/ws-b/node_modules/ms\""));
    assert!(!find(&c, "ms", "2.1.2").direct);
    assert!(find(&c, "semver", "7.5.4").dev && find(&c, "semver", "7.5.4").direct);
    assert!(!find(&c, "debug", "4.3.4").dev && find(&c, "debug", "4.3.4").direct);
    // The members' folders are not coordinates themselves.
    assert_eq!(c.iter().filter(|c| c.name.starts_with("@depgate-fixture/")).count(), 2);
}

#[test]
fn pnpm_flags() {
    for rel in ["pnpm/pnpm-lock.v6.yaml", "pnpm/pnpm-lock.v9.yaml"] {
        let c = parse(Kind::Pnpm, rel);
        let alias = find(&c, "ms", "2.0.0");
        assert_eq!(alias.alias.as_deref(), Some("my-ms"), "{rel}");
        assert!(alias.direct);
        // Peer-suffixed instance: one coordinate, plain version.
        let kw: Vec<_> = c.iter().filter(|c| c.name == "ajv-keywords").collect();
        assert_eq!(kw.len(), 1);
        assert_eq!(kw[0].version, "3.5.2");
        assert!(kw[0].direct);
        assert!(line_text(rel, kw[0].line).contains("ajv-keywords@3.5.2"));
        for (n, v, dev) in [
            ("semver", "7.5.4", true),
            ("lru-cache", "6.0.0", true),
            ("yallist", "4.0.0", true),
            ("is-number", "7.0.0", true),
            ("debug", "4.3.4", false),
            ("ms", "2.1.2", false),
            ("punycode", "2.3.1", false),
        ] {
            assert_eq!(find(&c, n, v).dev, dev, "{rel}: {n} dev");
        }
        assert!(find(&c, "semver", "7.5.4").direct && !find(&c, "lru-cache", "6.0.0").direct);
        let lp = find(&c, "left-pad", "1.3.0");
        assert!(lp.optional && lp.direct);
        let linked = c.iter().find(|c| c.name == "linked-pkg").unwrap();
        assert_eq!(linked.source, SourceKind::Link("local/linked-pkg".into()));
        assert!(linked.direct);
        let local = c.iter().find(|c| c.name == "local-pkg").unwrap();
        assert_eq!(local.source, SourceKind::File("local/local-pkg".into()));
        assert!(!find(&c, "escape-string-regexp", "4.0.0").direct);
        let bundler = find(&c, "bundler", "1.0.0");
        assert_eq!(bundler.source, SourceKind::File("local/bundler-1.0.0.tgz".into()));
        assert!(bundler.integrity.is_some());
    }
    let c = parse(Kind::Pnpm, "pnpm/pnpm-lock.v9.yaml");
    let git = find(&c, "gitdep", "1.0.0");
    assert_eq!(
        git.source,
        SourceKind::Git("file:///tmp/depgate-fixture-git/gitdep.git#832cced2de16c1192da3c98eb2b15bee8d197797".into())
    );
    assert!(git.direct);
    assert!(!find(&c, "is-plain-obj", "2.1.0").direct);
    let c = parse(Kind::Pnpm, "pnpm/pnpm-lock.v6.yaml");
    assert!(line_text("pnpm/pnpm-lock.v6.yaml", find(&c, "ms", "2.0.0").line).contains("/ms@2.0.0:"));
}

#[test]
fn pnpm_workspaces() {
    for rel in ["workspaces/pnpm/pnpm-lock.v6.yaml", "workspaces/pnpm/pnpm-lock.v9.yaml"] {
        let c = parse(Kind::Pnpm, rel);
        let ws_b = c.iter().find(|c| c.name == "@depgate-fixture/ws-b").unwrap();
        assert_eq!(ws_b.source, SourceKind::Link("../ws-b".into()));
        assert!(ws_b.direct);
        assert!(find(&c, "ms", "2.0.0").direct && find(&c, "ms", "2.1.3").direct);
        assert!(!find(&c, "ms", "2.1.2").direct);
        assert!(find(&c, "semver", "7.5.4").dev && find(&c, "lru-cache", "6.0.0").dev);
        assert!(!find(&c, "debug", "4.3.4").dev);
    }
}

#[test]
fn yarn_classic_flags() {
    let rel = "yarn/classic/yarn.lock";
    let c = parse(Kind::Yarn, rel);
    let alias = find(&c, "ms", "2.0.0");
    assert_eq!(alias.alias.as_deref(), Some("my-ms"));
    assert!(alias.direct);
    assert_eq!(line_text(rel, alias.line), "\"my-ms@npm:ms@2.0.0\":");
    assert!(find(&c, "semver", "7.5.4").dev && find(&c, "semver", "7.5.4").direct);
    assert!(find(&c, "yallist", "4.0.0").dev && !find(&c, "yallist", "4.0.0").direct);
    assert!(!find(&c, "debug", "4.3.4").dev);
    assert!(find(&c, "left-pad", "1.3.0").optional && find(&c, "left-pad", "1.3.0").direct);
    let lru = find(&c, "lru-cache", "6.0.0");
    assert_eq!(line_text(rel, lru.line), "lru-cache@^6.0.0:");
    // yarn 1 installs bundled dependencies on its own: plain registry entries.
    assert!(!find(&c, "is-odd", "3.0.1").bundled);
    assert_eq!(find(&c, "linked-pkg", "0.0.0").source, SourceKind::Link("local/linked-pkg".into()));
    assert_eq!(find(&c, "local-pkg", "1.0.0").source, SourceKind::File("local/local-pkg".into()));
    assert_eq!(find(&c, "bundler", "1.0.0").source, SourceKind::File("local/bundler-1.0.0.tgz".into()));

    // Without the manifest: nothing is known about direct / dev.
    let text = read(rel);
    let bare = parse_yarn_lock(&text, Path::new(rel)).unwrap();
    assert_eq!(bare.len(), c.len());
    assert!(bare.iter().all(|c| !c.direct && !c.dev));
}

#[test]
fn yarn_berry_flags() {
    let rel = "yarn/berry/yarn.lock";
    let c = parse(Kind::Yarn, rel);
    let alias = find(&c, "ms", "2.0.0");
    assert_eq!(alias.alias.as_deref(), Some("my-ms"));
    assert!(alias.direct);
    assert_eq!(line_text(rel, alias.line), "\"my-ms@npm:ms@2.0.0\":");
    assert!(c.iter().all(|c| c.integrity.is_none()));
    let semver = find(&c, "semver", "7.5.4");
    assert!(semver.dev && semver.direct);
    assert!(find(&c, "lru-cache", "6.0.0").dev);
    assert!(!find(&c, "debug", "4.3.4").dev);
    // left-pad is patched: still the registry package, optional and direct.
    let lp: Vec<_> = c.iter().filter(|c| c.name == "left-pad").collect();
    assert_eq!(lp.len(), 1);
    assert!(lp[0].source.is_registry() && lp[0].optional && lp[0].direct);
    assert_eq!(find(&c, "portal-pkg", "0.0.0-use.local").source, SourceKind::Link("local/portal-pkg".into()));
    assert!(!find(&c, "is-plain-obj", "2.1.0").direct);
    let git = find(&c, "gitdep", "1.0.0");
    assert_eq!(
        git.source,
        SourceKind::Git("git://127.0.0.1/gitdep.git#commit=832cced2de16c1192da3c98eb2b15bee8d197797".into())
    );
    // The project itself (a workspace) is not a coordinate.
    assert!(!c.iter().any(|c| c.name == "yarn-berry-basic"));

    // Without the manifest berry still knows direct (the workspace entry lists them).
    let bare = parse_yarn_lock(&read(rel), Path::new(rel)).unwrap();
    assert!(bare.iter().find(|c| c.name == "semver").unwrap().direct);
    assert!(bare.iter().all(|c| !c.dev));
}

// ---------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------

fn err_of(kind: Kind, text: &str) -> LockfileError {
    let p = Path::new("lockfile");
    let r = match kind {
        Kind::Npm => parse_package_lock(text, p),
        Kind::Pnpm => parse_pnpm_lock(text, p),
        Kind::Yarn => parse_yarn_lock(text, p),
    };
    match r {
        Ok(c) => panic!("expected an error, got {} coordinates", c.len()),
        Err(e) => {
            assert!(!e.help.is_empty());
            e
        }
    }
}

#[test]
fn truncated_json() {
    let text = read("basic/package-lock.v3.json");
    let cut = &text[..text.len() / 2];
    let e = err_of(Kind::Npm, cut);
    assert_eq!(e.line, cut.lines().count(), "{e}");
    assert!(e.message.contains("truncated"), "{e}");
    assert!(e.help.contains("npm install --package-lock-only"));
}

#[test]
fn wrong_lockfile_version() {
    let text = read("basic/package-lock.v3.json").replacen("\"lockfileVersion\": 3", "\"lockfileVersion\": 7", 1);
    let e = err_of(Kind::Npm, &text);
    assert_eq!(e.line, 4);
    assert!(e.message.contains('7'), "{e}");
    let text = read("pnpm/pnpm-lock.v9.yaml").replacen("lockfileVersion: '9.0'", "lockfileVersion: '4.0'", 1);
    assert_eq!(err_of(Kind::Pnpm, &text).line, 1);
}

#[test]
fn yaml_with_a_bad_indent() {
    let text = read("pnpm/pnpm-lock.v9.yaml");
    let lines: Vec<&str> = text.lines().collect();
    let target = lines.iter().position(|l| l.starts_with("  debug@4.3.4:")).unwrap();
    let mut broken: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    // The entry's `resolution:` line indented by 3 instead of 4.
    broken[target + 1] = format!("   {}", broken[target + 1].trim_start());
    broken[target + 2] = format!(" {}", broken[target + 2]);
    let e = err_of(Kind::Pnpm, &broken.join("\n"));
    let near = target + 1..=target + 4;
    assert!(near.contains(&e.line), "line {} for a bad indent at {}: {e}", e.line, target + 2);

    let text = read("yarn/berry/yarn.lock").replacen(
        "  resolution: \"debug@npm:4.3.4\"",
        " resolution: \"debug@npm:4.3.4\"",
        1,
    );
    let e = err_of(Kind::Yarn, &text);
    assert!(e.help.contains("yarn install"), "{e}");
}

#[test]
fn yarn_entry_without_version() {
    let rel = "yarn/classic/yarn.lock";
    let text = read(rel);
    let header = text.lines().position(|l| l == "debug@4.3.4:").unwrap() + 1;
    let broken = text.replacen("debug@4.3.4:\n  version \"4.3.4\"\n", "debug@4.3.4:\n", 1);
    let e = err_of(Kind::Yarn, &broken);
    assert_eq!(e.line, header, "{e}");
    assert!(e.message.contains("debug@4.3.4"));

    let rel = "yarn/berry/yarn.lock";
    let text = read(rel);
    let header = text.lines().position(|l| l == "\"debug@npm:4.3.4\":").unwrap() + 1;
    let broken = text.replacen("  resolution: \"debug@npm:4.3.4\"\n", "", 1);
    assert_eq!(err_of(Kind::Yarn, &broken).line, header);
}

/// No input makes a parser panic: every fixture cut at many points, and a few oddities.
#[test]
fn no_panic_on_truncated_fixtures() {
    for case in CASES.iter().filter(|c| !c.lock.starts_with("large/")) {
        let text = read(case.lock);
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let part = &text[..cut];
                let p = Path::new(case.lock);
                let _ = match case.kind {
                    Kind::Npm => parse_package_lock(part, p),
                    Kind::Pnpm => parse_pnpm_lock(part, p),
                    Kind::Yarn => parse_yarn_lock(part, p),
                };
            }
            cut += 37;
        }
    }
    for odd in [
        "",
        "\n",
        "\u{feff}",
        "null",
        "0",
        "\"x\"",
        "{\"lockfileVersion\": 3, \"packages\": []}",
        "---\n...\n",
        ":",
        "- - -",
        "a: [",
        "a: &x 1\nb: *x\n",
    ] {
        let p = Path::new("x");
        let _ = parse_package_lock(odd, p);
        let _ = parse_pnpm_lock(odd, p);
        let _ = parse_yarn_lock(odd, p);
    }
}
