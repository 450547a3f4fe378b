//! `PyPI` lockfile parsers and simple-API parsers against fixtures made by the real tools
//! (testdata/pypi; testdata/pypi/regen.sh says how and with which versions).
//!
//! Each fixture lock sits next to `expected-*.txt`: the sorted `name==version` lines of
//! what the tool itself listed as locked or installed. The project behind every fixture
//! declares the same dependencies (see `MAIN` and `DEV`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use depgate::ecosystem::index::PackageIndex;
use depgate::ecosystem::pypi::{
    normalize_name, normalize_version, parse_core_metadata, parse_pdm_lock, parse_pipfile_lock,
    parse_pipfile_lock_with_pipfile, parse_poetry_lock, parse_pylock, parse_requirements, parse_simple_html,
    parse_simple_json, parse_uv_lock, version_from_filename,
};
use depgate::ecosystem::{Coordinate, LockfileError};
use url::Url;

#[path = "lockfiles_pypi/pdm.rs"]
mod pdm;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pypi")
}

fn read(rel: &str) -> String {
    let p = testdata().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// What the fixture project declares (normalized names).
const MAIN: &[&str] = &["requests", "click", "typing-extensions", "zope-interface", "importlib-metadata", "gitdep"];
const DEV: &[&str] = &["pytest", "localpkg"];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Requirements,
    Poetry,
    Uv,
    Pipfile,
    Pylock,
    Pdm,
}

fn disk_include(p: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(p)
}

/// Parses a fixture the way `depgate check` does: with the manifest beside it.
fn try_parse(kind: Kind, rel: &str) -> Result<Vec<Coordinate>, LockfileError> {
    let text = read(rel);
    let path = testdata().join(rel);
    let beside = |name: &str| std::fs::read_to_string(path.with_file_name(name)).ok();
    match kind {
        Kind::Requirements => parse_requirements(&text, &path, &mut disk_include).map(|r| r.coords),
        Kind::Poetry => parse_poetry_lock(&text, &path, beside("pyproject.toml").as_deref()),
        Kind::Uv => parse_uv_lock(&text, &path),
        Kind::Pipfile => parse_pipfile_lock_with_pipfile(&text, &path, beside("Pipfile").as_deref()),
        Kind::Pylock => parse_pylock(&text, &path),
        Kind::Pdm => parse_pdm_lock(&text, &path, beside("pyproject.toml").as_deref()),
    }
}

fn parse(kind: Kind, rel: &str) -> Vec<Coordinate> {
    try_parse(kind, rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

struct Case {
    lock: &'static str,
    kind: Kind,
    expected: &'static str,
    /// (normalized name, source label) of every non-registry coordinate.
    non_registry: &'static [(&'static str, &'static str)],
    /// Normalized names that must be direct (and no others), or `None` when the format
    /// cannot tell and every coordinate is direct.
    direct: Option<&'static [&'static str]>,
}

const BOTH_LOCAL: &[(&str, &str)] = &[("gitdep", "git"), ("localpkg", "link")];
const ALL_DECLARED: &[&str] =
    &["requests", "click", "typing-extensions", "zope-interface", "importlib-metadata", "gitdep", "pytest", "localpkg"];

const CASES: &[Case] = &[
    Case {
        lock: "pip-tools/requirements.txt",
        kind: Kind::Requirements,
        expected: "pip-tools/expected-requirements.txt",
        non_registry: &[("gitdep", "git")],
        direct: Some(MAIN),
    },
    Case {
        lock: "pip-tools/dev-requirements.txt",
        kind: Kind::Requirements,
        expected: "pip-tools/expected-dev-requirements.txt",
        non_registry: &[("localpkg", "link")],
        direct: Some(DEV),
    },
    Case {
        lock: "pip-tools/requirements-ci.txt",
        kind: Kind::Requirements,
        expected: "pip-tools/expected-requirements-ci.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(ALL_DECLARED),
    },
    Case {
        lock: "pip-lock/pylock.toml",
        kind: Kind::Pylock,
        expected: "pip-lock/expected-pip-lock.txt",
        non_registry: BOTH_LOCAL,
        direct: None,
    },
    Case {
        lock: "poetry/poetry.lock",
        kind: Kind::Poetry,
        expected: "poetry/expected-poetry.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(ALL_DECLARED),
    },
    Case {
        lock: "poetry-legacy/poetry.v1.1.lock",
        kind: Kind::Poetry,
        expected: "poetry-legacy/expected-poetry122.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(ALL_DECLARED),
    },
    Case {
        lock: "poetry-legacy/poetry.v2.0.lock",
        kind: Kind::Poetry,
        expected: "poetry-legacy/expected-poetry142.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(ALL_DECLARED),
    },
    Case {
        lock: "uv/uv.lock",
        kind: Kind::Uv,
        expected: "uv/expected-uv.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(ALL_DECLARED),
    },
    Case {
        lock: "uv/pylock.toml",
        kind: Kind::Pylock,
        expected: "uv/expected-uv.txt",
        non_registry: BOTH_LOCAL,
        direct: None,
    },
    Case {
        lock: "pipenv/Pipfile.lock",
        kind: Kind::Pipfile,
        expected: "pipenv/expected-pipenv.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(ALL_DECLARED),
    },
    // `pdm export -G :all --without-hashes` (pdm's own reading of its lock: every pin,
    // markers and extras included); pdm/mod.rs also checks `pdm list --json`.
    Case {
        lock: "pdm/pdm.lock",
        kind: Kind::Pdm,
        expected: "pdm/export-pdm.txt",
        non_registry: BOTH_LOCAL,
        direct: Some(&[
            "requests",
            "click",
            "typing-extensions",
            "zope-interface",
            "importlib-metadata",
            "gitdep",
            "pytest",
            "localpkg",
            "pyyaml",
        ]),
    },
];

fn lines_of(rel: &str) -> BTreeSet<String> {
    read(rel).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// `normalized-name==normalized-version`.
fn pin(name: &str, version: &str) -> String {
    format!("{}=={}", normalize_name(name), normalize_version(version).unwrap_or_else(|| version.to_string()))
}

fn id(c: &Coordinate) -> String {
    pin(&c.name, &c.version)
}

fn check_case(case: &Case) -> Result<(), String> {
    let coords = parse(case.kind, case.lock);
    let mut problems = Vec::new();

    let non_registry: BTreeSet<(String, String)> = coords
        .iter()
        .filter(|c| !c.source.is_registry())
        .map(|c| (normalize_name(&c.name), c.source.label().to_string()))
        .collect();
    let want_nr: BTreeSet<(String, String)> =
        case.non_registry.iter().map(|(n, k)| ((*n).to_string(), (*k).to_string())).collect();
    if non_registry != want_nr {
        problems.push(format!("non-registry entries: got {non_registry:?}, want {want_nr:?}"));
    }

    // Registry pins == what the tool listed, minus the local and git packages.
    let nr_names: BTreeSet<&str> = case.non_registry.iter().map(|(n, _)| *n).collect();
    // `name[extra]==version; marker` lines count as `name==version`.
    let expected: BTreeSet<String> = lines_of(case.expected)
        .iter()
        .filter_map(|l| l.split_once("=="))
        .map(|(n, v)| (n.split('[').next().unwrap_or(n), v.split(';').next().unwrap_or(v).trim()))
        .filter(|(n, _)| !nr_names.contains(normalize_name(n).as_str()))
        .map(|(n, v)| pin(n, v))
        .collect();
    let got: BTreeSet<String> = coords.iter().filter(|c| c.source.is_registry()).map(id).collect();
    let missing: Vec<&String> = expected.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&expected).collect();
    if !missing.is_empty() || !extra.is_empty() {
        problems.push(format!(
            "registry set differs from {}: missing (listed, not parsed) {missing:?}; extra (parsed, not listed) {extra:?}",
            case.expected
        ));
    }

    // Every registry coordinate carries the hashes the lock records, lowercase hex.
    for c in coords.iter().filter(|c| c.source.is_registry()) {
        if c.files.is_empty() || c.files.iter().any(|f| f.hashes.is_empty()) {
            problems.push(format!("{}: registry coordinate without hashes", id(c)));
        }
        for h in c.files.iter().flat_map(|f| f.hashes.values()) {
            if h.len() != 64 || h.bytes().any(|b| !b.is_ascii_hexdigit() || b.is_ascii_uppercase()) {
                problems.push(format!("{}: hash `{h}` is not lowercase sha256 hex", id(c)));
            }
        }
    }

    // One coordinate per (name, version, source).
    let mut seen = BTreeSet::new();
    for c in &coords {
        if !seen.insert((normalize_name(&c.name), c.version.clone(), format!("{:?}", c.source))) {
            problems.push(format!("{} reported twice", id(c)));
        }
    }

    // Lines point at the entry, in the file it was read from.
    for c in &coords {
        let text = std::fs::read_to_string(&c.source_file).unwrap_or_default();
        let line = c.line.checked_sub(1).and_then(|i| text.lines().nth(i)).unwrap_or_default();
        if !line.to_ascii_lowercase().contains(&c.name.to_ascii_lowercase()) {
            problems.push(format!("{}: line {} of {} is `{line}`", id(c), c.line, c.source_file.display()));
        }
    }

    // Direct: what the project declares.
    let direct: BTreeSet<String> = coords.iter().filter(|c| c.direct).map(|c| normalize_name(&c.name)).collect();
    match case.direct {
        Some(want) => {
            let want: BTreeSet<String> = want.iter().map(|s| (*s).to_string()).collect();
            if direct != want {
                problems.push(format!("direct: got {direct:?}, want {want:?}"));
            }
        }
        None => {
            if coords.iter().any(|c| !c.direct) {
                problems.push("the format cannot tell direct: every coordinate should be direct".into());
            }
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{} ({} coordinates):\n  {}", case.lock, coords.len(), problems.join("\n  ")))
    }
}

#[test]
fn fixtures_match_what_the_tools_listed() {
    let failures: Vec<String> = CASES.iter().filter_map(|c| check_case(c).err()).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn fixture_counts() {
    // Printed with --nocapture; the report quotes these.
    for case in CASES {
        let coords = parse(case.kind, case.lock);
        let registry = coords.iter().filter(|c| c.source.is_registry()).count();
        let files: usize = coords.iter().map(|c| c.files.len()).sum();
        println!(
            "{:34} coordinates {:3} (registry {:3}, files {:4}) expected lines {:3}",
            case.lock,
            coords.len(),
            registry,
            files,
            lines_of(case.expected).len()
        );
    }
}

fn find<'a>(coords: &'a [Coordinate], name: &str, version: &str) -> &'a Coordinate {
    coords
        .iter()
        .find(|c| normalize_name(&c.name) == name && c.version == version)
        .unwrap_or_else(|| panic!("{name}=={version} not parsed"))
}

fn dev_names(coords: &[Coordinate]) -> BTreeSet<String> {
    coords.iter().filter(|c| c.dev).map(|c| normalize_name(&c.name)).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn dev_flags_follow_the_groups() {
    // pytest's own dependencies are dev-only; colorama is needed by click (main) on
    // Windows as well, so it is not dev; idna is needed by requests.
    let pytest_tree = ["pytest", "localpkg", "iniconfig", "packaging", "pluggy", "pygments"];
    let older_python = ["exceptiongroup", "tomli"];
    let want: BTreeSet<String> = set(&pytest_tree).union(&set(&older_python)).cloned().collect();
    for rel in ["poetry/poetry.lock", "poetry-legacy/poetry.v1.1.lock", "poetry-legacy/poetry.v2.0.lock"] {
        assert_eq!(dev_names(&parse(Kind::Poetry, rel)), want, "{rel}");
    }
    assert_eq!(dev_names(&parse(Kind::Uv, "uv/uv.lock")), want);
    // pipenv locks for the running Python (3.11): no exceptiongroup or tomli.
    assert_eq!(dev_names(&parse(Kind::Pipfile, "pipenv/Pipfile.lock")), set(&pytest_tree));
    // Requirements files and pylock.toml cannot tell.
    for (kind, rel) in [
        (Kind::Requirements, "pip-tools/requirements-ci.txt"),
        (Kind::Pylock, "uv/pylock.toml"),
        (Kind::Pylock, "pip-lock/pylock.toml"),
    ] {
        assert!(dev_names(&parse(kind, rel)).is_empty(), "{rel}");
    }
    assert!(parse(Kind::Poetry, "poetry/poetry.lock").iter().all(|c| !c.optional));
}

#[test]
fn spot_checks_of_lines_sources_and_files() {
    let text = read("pip-tools/requirements.txt");
    let lines: Vec<&str> = text.lines().collect();
    let c = parse(Kind::Requirements, "pip-tools/requirements.txt");
    let zope = find(&c, "zope-interface", "8.7");
    assert!(lines[zope.line - 1].starts_with("zope-interface==8.7 \\"), "{}", lines[zope.line - 1]);
    assert!(zope.files.len() > 10, "a hash per wheel and sdist: {}", zope.files.len());
    assert!(zope.files.iter().all(|f| f.name.is_none() && f.hashes.contains_key("sha256")));
    let req = find(&c, "requests", "2.34.2");
    assert!(lines[req.line - 1].starts_with("requests[socks]==2.34.2"));
    let git = c.iter().find(|c| c.name == "gitdep").unwrap();
    assert_eq!(git.source.label(), "git");
    assert!(format!("{:?}", git.source).contains("gitdep.git@v1.0.0"));

    // The CI entry point: coordinates carry the file they were read from.
    let ci = parse(Kind::Requirements, "pip-tools/requirements-ci.txt");
    let pytest = find(&ci, "pytest", "9.2.0");
    assert_eq!(pytest.source_file, testdata().join("pip-tools/dev-requirements.txt"));
    let text = parse_requirements(
        &read("pip-tools/requirements-ci.txt"),
        &testdata().join("pip-tools/requirements-ci.txt"),
        &mut disk_include,
    )
    .unwrap();
    let notes: Vec<(&str, String, usize)> = text
        .notes
        .iter()
        .map(|n| (n.code.as_str(), n.file.file_name().unwrap().to_string_lossy().into_owned(), n.line))
        .collect();
    let marker_line =
        read("pip-tools/requirements.txt").lines().position(|l| l.starts_with("importlib-metadata==")).unwrap() + 1;
    assert_eq!(
        notes,
        [
            ("index-url-ignored", "requirements-ci.txt".to_string(), 2),
            ("marker-not-evaluated", "requirements.txt".to_string(), marker_line)
        ]
    );

    let poetry = parse(Kind::Poetry, "poetry/poetry.lock");
    let certifi = find(&poetry, "certifi", "2026.10.18");
    assert_eq!(certifi.line, 4);
    assert_eq!(certifi.resolved.as_deref(), Some("https://pypi.org/simple"), "legacy source URL kept");
    assert_eq!(certifi.files[0].name.as_deref(), Some("certifi-2026.10.18-py3-none-any.whl"));
    let local = poetry.iter().find(|c| c.name == "localpkg").unwrap();
    assert_eq!(format!("{:?}", local.source), r#"Link("local/localpkg")"#);

    // lock-version 1.1: [metadata.files] is shared by every version of a name.
    let v11 = parse(Kind::Poetry, "poetry-legacy/poetry.v1.1.lock");
    let v20 = parse(Kind::Poetry, "poetry-legacy/poetry.v2.0.lock");
    for c in &v11 {
        let same = v20.iter().find(|o| o.name == c.name && o.version == c.version).unwrap();
        assert_eq!(c.files, same.files, "{}: files differ between lock-version 1.1 and 2.0", c.name);
    }

    let uv = parse(Kind::Uv, "uv/uv.lock");
    let click = find(&uv, "click", "8.1.8");
    let uv_text = read("uv/uv.lock");
    assert_eq!(uv_text.lines().nth(click.line - 1), Some("name = \"click\""));
    assert_eq!(uv_text.lines().nth(click.line), Some("version = \"8.1.8\""));
    assert!(
        click.files.iter().all(|f| f.url.as_deref().is_some_and(|u| u.starts_with("https://files.pythonhosted.org/")))
    );
    assert!(uv.iter().all(|c| c.name != "depgate-fixture"), "the project itself is not a dependency");
    assert!(!find(&uv, "pysocks", "1.7.1").files.is_empty());
    assert!(!find(&uv, "pysocks", "1.7.1").dev, "requests[socks] reaches pysocks from main");

    let pipenv = parse(Kind::Pipfile, "pipenv/Pipfile.lock");
    let zi = find(&pipenv, "zope-interface", "8.7");
    assert_eq!(zi.name, "zope.interface", "the name as locked");
    assert!(read("pipenv/Pipfile.lock").lines().nth(zi.line - 1).unwrap().contains("\"zope.interface\": {"));
    // Without the Pipfile the lock cannot tell direct ones.
    let bare = parse_pipfile_lock(&read("pipenv/Pipfile.lock"), Path::new("Pipfile.lock")).unwrap();
    assert!(bare.iter().all(|c| c.direct));

    for rel in ["uv/pylock.toml", "pip-lock/pylock.toml"] {
        let p = parse(Kind::Pylock, rel);
        let git = p.iter().find(|c| c.name == "gitdep").unwrap();
        assert_eq!(
            format!("{:?}", git.source),
            r#"Git("git+file:///tmp/depgate-fixture-git/gitdep.git@545df0e0377c60445ec0314262c14b4087dcce7e")"#,
            "{rel}"
        );
    }
}

/// The same package locked by several tools records the same hashes for its files.
#[test]
fn hashes_agree_across_tools() {
    let mut by_pin: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for case in CASES {
        for c in parse(case.kind, case.lock).iter().filter(|c| c.source.is_registry()) {
            let known = by_pin.entry(id(c)).or_default();
            for f in c.files.iter().filter(|f| f.name.is_some()) {
                let (Some(name), Some(h)) = (&f.name, f.hashes.get("sha256")) else { continue };
                if let Some(prev) = known.insert(name.clone(), h.clone()) {
                    assert_eq!(&prev, h, "{name}: sha256 differs ({})", case.lock);
                }
            }
        }
    }
    assert!(by_pin.len() >= 20, "{}", by_pin.len());
    // requirements.txt hashes are a subset of what poetry/uv name per file.
    let req = parse(Kind::Requirements, "pip-tools/requirements.txt");
    let certifi = find(&req, "certifi", "2026.10.18");
    let named: BTreeSet<&String> = by_pin[&id(certifi)].values().collect();
    assert!(certifi.files.iter().all(|f| named.contains(&f.hashes["sha256"])));
}

#[test]
fn malformed_inputs_name_file_and_line() {
    // Truncated TOML, in the middle of a file list.
    for (kind, rel) in
        [(Kind::Poetry, "poetry/poetry.lock"), (Kind::Uv, "uv/uv.lock"), (Kind::Pylock, "uv/pylock.toml")]
    {
        let text = read(rel);
        let cut = text.find("hash = \"sha256:").or_else(|| text.find("sha256 = \"")).unwrap() + 10;
        let path = Path::new("cut.lock");
        let e = match kind {
            Kind::Poetry => parse_poetry_lock(&text[..cut], path, None),
            Kind::Uv => parse_uv_lock(&text[..cut], path),
            _ => parse_pylock(&text[..cut], path),
        }
        .unwrap_err();
        let want = text[..cut].lines().count();
        assert_eq!((e.file.as_path(), e.line), (path, want), "{rel}: {e}");
        assert!(!e.help.is_empty());
    }
    // Truncated JSON.
    let text = read("pipenv/Pipfile.lock");
    let cut = text.find("\"zope.interface\"").unwrap();
    let e = parse_pipfile_lock(&text[..cut], Path::new("Pipfile.lock")).unwrap_err();
    assert!(e.line >= text[..cut].lines().count() - 1, "{e}");
    assert!(e.to_string().starts_with("Pipfile.lock:"), "{e}");

    // Requirements: unpinned, include cycle, missing include.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("requirements.txt", "six==1.16.0\nrequests>=2\n");
    write("a.txt", "six==1.16.0\n-r b.txt\n");
    write("b.txt", "# cycle\n-r a.txt\n");
    write("c.txt", "six==1.16.0\n-r does-not-exist.txt\n");
    let run = |name: &str| {
        let p = dir.path().join(name);
        parse_requirements(&std::fs::read_to_string(&p).unwrap(), &p, &mut disk_include).unwrap_err()
    };
    let e = run("requirements.txt");
    assert_eq!((e.file.clone(), e.line), (dir.path().join("requirements.txt"), 2));
    assert!(e.message.contains("not pinned") && e.help.contains("pip-compile"), "{e}");
    let e = run("a.txt");
    assert_eq!((e.file.clone(), e.line), (dir.path().join("b.txt"), 2), "{e}");
    assert!(e.message.contains("already being read"));
    let e = run("c.txt");
    assert_eq!((e.file.clone(), e.line), (dir.path().join("c.txt"), 2), "{e}");
    assert!(e.message.contains("does-not-exist.txt"));
}

// ---------------------------------------------------------------- simple API pages

fn page_url(name: &str) -> Url {
    Url::parse(&format!("https://pypi.org/simple/{name}/")).unwrap()
}

fn simple(rel: &str, url: &Url) -> PackageIndex {
    let bytes = std::fs::read(testdata().join(rel)).unwrap();
    let r = if Path::new(rel).extension().is_some_and(|e| e == "json") {
        parse_simple_json(&bytes, url)
    } else {
        parse_simple_html(&bytes, url)
    };
    r.unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// version → [(filename, url, sha256, requires-python, yanked)], for comparing pages.
type Shape = BTreeMap<String, Vec<(String, String, Option<String>, Option<String>, Option<String>)>>;

fn shape(idx: &PackageIndex) -> Shape {
    idx.versions
        .iter()
        .filter(|(_, r)| !r.files.is_empty())
        .map(|(v, r)| {
            let files = r
                .files
                .iter()
                .map(|f| {
                    (
                        f.filename.clone(),
                        f.url.clone(),
                        f.digests.get("sha256").cloned(),
                        f.requires_python.clone(),
                        f.yanked.clone(),
                    )
                })
                .collect();
            (v.clone(), files)
        })
        .collect()
}

#[test]
fn real_pages_parse_the_same_in_html_and_json() {
    for name in ["six", "iniconfig"] {
        let url = page_url(name);
        let html = simple(&format!("simple/{name}.html"), &url);
        let timed = simple(&format!("simple/{name}.accept-json.html"), &url);
        let json = simple(&format!("simple/{name}.json"), &url);
        assert_eq!(shape(&html), shape(&json), "{name}");
        assert_eq!(shape(&timed), shape(&json), "{name}");
        assert!(!html.has_times && timed.has_times && json.has_times);
        for (v, r) in &json.versions {
            assert_eq!(r.published_at, timed.versions[v].published_at, "{name} {v}");
            assert!(r.published_at.is_some(), "{name} {v}");
        }
        assert_eq!(html.latest, json.latest);
        assert_eq!(json.name, name);
        // Every file of the page belongs to a release (none is an egg or exe here).
        let files =
            std::fs::read_to_string(testdata().join(format!("simple/{name}.html"))).unwrap().matches("</a>").count();
        assert_eq!(html.versions.values().map(|r| r.files.len()).sum::<usize>(), files, "{name}");
    }
    let six = simple("simple/six.json", &page_url("six"));
    assert_eq!(six.latest.as_deref(), Some("1.17.0"));
    assert!(six.versions.contains_key("1.0b1"), "pre-releases are kept");
    assert!(six.versions["1.17.0"].files.iter().all(|f| f.digests["sha256"].len() == 64));
}

#[test]
fn real_page_with_yanked_releases() {
    let idx = simple("simple/requests.html", &page_url("requests"));
    assert_eq!(idx.name, "requests");
    assert_eq!(idx.latest.as_deref(), Some("2.34.2"));
    let r = &idx.versions["2.32.0"];
    assert_eq!(r.yanked.as_deref(), Some("Yanked due to conflicts with CVE-2024-35195 mitigation"));
    assert!(idx.versions["2.32.1"].yanked.is_some());
    assert!(idx.versions["2.32.5"].yanked.is_none());
    assert_eq!(idx.versions["2.32.5"].files[0].requires_python.as_deref(), Some(">=3.9"), "entities decoded");
    // Every file the page links is grouped under the version its name carries.
    for (v, rel) in &idx.versions {
        for f in &rel.files {
            let fv = version_from_filename("requests", &f.filename).unwrap();
            assert_eq!(&normalize_version(&fv).unwrap(), v, "{}", f.filename);
            assert!(f.url.starts_with("https://files.pythonhosted.org/packages/"));
        }
    }
}

#[test]
fn handmade_pages_carry_every_field() {
    let json = simple("simple/handmade-demo-pkg.json", &Url::parse("https://files.example/simple/demo-pkg/").unwrap());
    let html = simple("simple/handmade-demo-pkg.html", &page_url("demo-pkg"));
    assert_eq!(shape(&json), shape(&html));
    assert_eq!(json.versions.keys().collect::<Vec<_>>(), ["1.0.0", "1.1.0.post1", "1.1.0rc1", "1.2.0"]);
    for idx in [&json, &html] {
        assert_eq!(idx.latest.as_deref(), Some("1.1.0.post1"), "1.2.0 is yanked, 1.1.0rc1 a pre-release");
        assert_eq!(idx.versions["1.2.0"].yanked.as_deref(), Some("security issue: use 1.1.0.post1"));
        let r = &idx.versions["1.0.0"];
        let (sdist, wheel) = (&r.files[0], &r.files[1]);
        assert_eq!(sdist.core_metadata.as_ref().unwrap()["sha256"], "1".repeat(64), "PEP 714 key wins");
        assert_eq!(wheel.core_metadata.as_ref().map(BTreeMap::len), Some(0));
        assert_eq!(wheel.digests["sha256"], "abcdef0123456789".repeat(4));
        assert_eq!(
            wheel.provenance_url.as_deref(),
            Some("https://pypi.example/integrity/demo-pkg/1.0.0/demo_pkg-1.0.0-py3-none-any.whl/provenance")
        );
        assert_eq!(idx.versions["1.1.0rc1"].files[0].requires_python.as_deref(), Some(">=3.9, <4"));
    }
    assert_eq!(json.versions["1.0.0"].published_at.as_deref(), Some("2024-01-01T09:30:00.000000Z"), "earliest file");
    assert_eq!(json.versions["1.1.0.post1"].files[0].digests.len(), 2);
    assert!(json.has_times && !html.has_times);
}

#[test]
fn core_metadata_of_a_real_wheel() {
    let m = parse_core_metadata(&std::fs::read(testdata().join("simple/requests-2.34.2.METADATA")).unwrap()).unwrap();
    assert_eq!(m.name.as_deref(), Some("requests"));
    assert_eq!(m.version.as_deref(), Some("2.34.2"));
    assert_eq!(m.license.as_deref(), Some("Apache-2.0"));
    assert_eq!(m.repository().as_deref(), Some("https://github.com/psf/requests"));
    assert_eq!(m.requires_python.as_deref(), Some(">=3.10"));
}

#[test]
fn file_names_of_the_locked_files_give_their_versions() {
    // Every file name a lock records parses back to the coordinate's version.
    for (kind, rel) in
        [(Kind::Poetry, "poetry/poetry.lock"), (Kind::Uv, "uv/uv.lock"), (Kind::Pylock, "pip-lock/pylock.toml")]
    {
        for c in parse(kind, rel).iter().filter(|c| c.source.is_registry()) {
            for f in &c.files {
                let name = f.name.as_deref().unwrap();
                let v = version_from_filename(&c.name, name).unwrap_or_else(|| panic!("{rel}: {name}"));
                assert_eq!(normalize_version(&v), normalize_version(&c.version), "{rel}: {name}");
            }
        }
    }
}

/// Every parser returns (never panics) on every prefix of every fixture.
#[test]
fn never_panics_on_truncated_inputs() {
    let cuts = |text: &str| -> Vec<usize> {
        let step = (text.len() / 150).max(1);
        (0..text.len()).step_by(step).filter(|i| text.is_char_boundary(*i)).collect()
    };
    let path = Path::new("cut");
    for case in CASES {
        let text = read(case.lock);
        for cut in cuts(&text) {
            let t = &text[..cut];
            let _ = match case.kind {
                Kind::Requirements => parse_requirements(t, path, &mut |_: &Path| Ok(String::new())).map(|r| r.coords),
                Kind::Poetry => parse_poetry_lock(t, path, Some(t)),
                Kind::Uv => parse_uv_lock(t, path),
                Kind::Pipfile => parse_pipfile_lock_with_pipfile(t, path, Some(t)),
                Kind::Pylock => parse_pylock(t, path),
                Kind::Pdm => parse_pdm_lock(t, path, Some(t)),
            };
        }
    }
    let url = page_url("six");
    for rel in
        ["simple/six.html", "simple/six.json", "simple/handmade-demo-pkg.html", "simple/requests-2.34.2.METADATA"]
    {
        let text = read(rel);
        for cut in cuts(&text) {
            let b = &text.as_bytes()[..cut];
            let _ = parse_simple_html(b, &url);
            let _ = parse_simple_json(b, &url);
            let _ = parse_core_metadata(b);
        }
    }
}
