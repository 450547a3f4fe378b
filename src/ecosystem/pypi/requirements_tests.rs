//! Unit tests of the requirements-file parser (the fixtures made by pip-compile are
//! tested in `tests/lockfiles_pypi.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

fn files(map: &[(&str, &str)]) -> BTreeMap<PathBuf, String> {
    map.iter().map(|(p, t)| (PathBuf::from(p), (*t).to_string())).collect()
}

fn parse_with(main: &str, others: &BTreeMap<PathBuf, String>) -> Result<Requirements, LockfileError> {
    let mut include = |p: &Path| {
        others
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"))
    };
    parse_requirements(main, Path::new("req/requirements.txt"), &mut include)
}

fn parse(main: &str) -> Requirements {
    parse_with(main, &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn find<'a>(r: &'a Requirements, name: &str) -> &'a Coordinate {
    r.coords.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} not parsed: {:?}", r.coords))
}

#[test]
fn pins_extras_markers_and_arbitrary_equality() {
    let r = parse(
        "# comment\n\
         requests[socks,security] == 2.31.0\n\
         Zope.Interface==6.0 ; python_version < \"3.12\"\n\
         weird===1.0-custom\n\
         paren (==1.2)\n",
    );
    assert_eq!(r.coords.len(), 4);
    let req = find(&r, "requests");
    assert_eq!((req.version.as_str(), req.line, req.direct), ("2.31.0", 2, true));
    assert!(req.source.is_registry() && !req.dev && !req.optional);
    assert_eq!(find(&r, "Zope.Interface").version, "6.0");
    assert_eq!(find(&r, "weird").version, "1.0-custom");
    assert_eq!(find(&r, "paren").version, "1.2");
    let marker: Vec<&InputNote> = r.notes.iter().filter(|n| n.code == "marker-not-evaluated").collect();
    assert_eq!(marker.len(), 1);
    assert_eq!(marker[0].line, 3);
    assert!(marker[0].message.contains("python_version < \"3.12\""), "{}", marker[0].message);
}

#[test]
fn continuations_hashes_and_via_annotations() {
    let text = "certifi==2024.2.2 \\\n    --hash=sha256:AAAA \\\n    --hash=sha256:bbbb\n    # via requests\n\
                requests==2.31.0 \\\n    --hash=sha256:cccc\n    # via\n    #   -r requirements.in\n    #   other\n\
                idna==3.6 --hash=sha256:dddd\n    # via\n    #   -c constraints.txt\n    #   requests\n";
    let r = parse(text);
    let certifi = find(&r, "certifi");
    assert_eq!(certifi.line, 1);
    assert_eq!(certifi.files.len(), 2);
    assert_eq!(certifi.files[0].hashes.get("sha256").map(String::as_str), Some("aaaa"));
    assert!(certifi.files.iter().all(|f| f.name.is_none() && f.url.is_none()));
    assert!(!certifi.direct, "via requests only");
    let requests = find(&r, "requests");
    assert_eq!(requests.line, 5);
    assert!(requests.direct, "via -r requirements.in");
    assert!(!find(&r, "idna").direct, "a constraint is not a request");
}

#[test]
fn inline_via_of_older_pip_compile() {
    let r = parse("six==1.16.0  # via gitdep\nclick==8.1.7  # via -r requirements.in\n");
    assert!(!find(&r, "six").direct);
    assert!(find(&r, "click").direct);
}

#[test]
fn without_annotations_everything_is_direct() {
    let r = parse("a==1\nb==2  # pinned for reasons\n");
    assert!(r.coords.iter().all(|c| c.direct));
}

#[test]
fn includes_resolve_relative_to_the_including_file() {
    let others = files(&[
        ("req/dev.txt", "-r base/common.txt\npytest==8.0.0\n"),
        ("req/base/common.txt", "six==1.16.0\n-c ../constraints.txt\n"),
        ("req/constraints.txt", "six<2\nanything-goes>=1\n"),
    ]);
    let r = parse_with("click==8.1.7\n--requirement dev.txt\n", &others).unwrap();
    let names: BTreeSet<&str> = r.coords.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["click", "six", "pytest"]));
    let six = find(&r, "six");
    assert_eq!(six.source_file, PathBuf::from("req/base/common.txt"));
    assert_eq!(six.line, 1);
    assert_eq!(find(&r, "pytest").source_file, PathBuf::from("req/dev.txt"));
    assert!(r.coords.iter().all(|c| c.name != "anything-goes"), "constraints are not installed");
}

#[test]
fn include_cycles_and_missing_files_name_the_including_line() {
    let others = files(&[("req/a.txt", "x==1\n-r b.txt\n"), ("req/b.txt", "-r ./a.txt\n")]);
    let e = parse_with("-r a.txt\n", &others).unwrap_err();
    assert_eq!(e.file, PathBuf::from("req/b.txt"));
    assert_eq!(e.line, 1);
    assert!(e.message.contains("already being read"), "{e}");

    let e = parse_with("a==1\n\n-r missing.txt\n", &BTreeMap::new()).unwrap_err();
    assert_eq!((e.file.as_path(), e.line), (Path::new("req/requirements.txt"), 3));
    assert!(e.message.contains("missing.txt"), "{e}");

    let e = parse_with("-c nope.txt\n", &BTreeMap::new()).unwrap_err();
    assert_eq!(e.line, 1);

    // Including itself.
    let e = parse_with("-r requirements.txt\n", &BTreeMap::new()).unwrap_err();
    assert!(e.message.contains("already being read"), "{e}");
}

#[test]
fn unpinned_requirements_are_errors() {
    for (text, line) in [("a==1\nrequests>=2\n", 2), ("requests\n", 1), ("x==1.*\n", 1), ("y ~= 1.0\n", 1)] {
        let e = parse_with(text, &BTreeMap::new()).unwrap_err();
        assert_eq!(e.line, line, "{text}");
        assert!(e.message.contains("not pinned"), "{e}");
        assert!(e.help.contains("pip-compile"), "{e}");
        assert_eq!(e.file, PathBuf::from("req/requirements.txt"));
    }
    let e = parse_with("requests>=2  \\\n  --hash=sha256:00\n", &BTreeMap::new()).unwrap_err();
    assert_eq!(e.line, 1);
    assert!(parse_with("a==1 --hash=sha256:zz\n", &BTreeMap::new()).is_err());
    assert!(parse_with("[nonsense\n", &BTreeMap::new()).is_err());
}

#[test]
fn index_options_become_notes() {
    let r = parse(
        "-i https://pypi.org/simple\n--extra-index-url https://example.com/simple\n--find-links=/wheels\n\
         --trusted-host example.com\n--no-index\n--require-hashes\n--frobnicate\na==1\n",
    );
    let codes: Vec<(&str, usize)> = r.notes.iter().map(|n| (n.code.as_str(), n.line)).collect();
    assert_eq!(
        codes,
        [
            ("index-url-ignored", 1),
            ("extra-index-url-ignored", 2),
            ("find-links-ignored", 3),
            ("trusted-host-ignored", 4),
            ("no-index-ignored", 5),
            ("option-ignored", 7)
        ]
    );
    assert!(r.notes[0].message.contains("depgate.toml"));
    assert!(r.notes[2].message.contains("/wheels"));
    assert_eq!(r.coords.len(), 1);
}

#[test]
fn url_vcs_and_editable_requirements_are_reported() {
    let r = parse(
        "gitdep @ git+https://example.com/gitdep.git@v1.0.0\n\
         git+https://example.com/other.git@abc123#egg=other-pkg\n\
         -e ./local/localpkg\n\
         -e file:///abs/path/editable_pkg\n\
         archive @ https://example.com/archive-1.2.tar.gz ; python_version > \"3\"\n\
         ./wheels/wheelpkg-2.0-py3-none-any.whl\n",
    );
    assert_eq!(find(&r, "gitdep").source, SourceKind::Git("git+https://example.com/gitdep.git@v1.0.0".into()));
    assert_eq!(find(&r, "other-pkg").source.label(), "git");
    assert_eq!(find(&r, "localpkg").source, SourceKind::Link("./local/localpkg".into()));
    assert_eq!(find(&r, "editable_pkg").source.label(), "link");
    assert_eq!(find(&r, "archive").source.label(), "tarball");
    assert_eq!(find(&r, "wheelpkg").source, SourceKind::File("./wheels/wheelpkg-2.0-py3-none-any.whl".into()));
    assert!(r.coords.iter().all(|c| c.direct));
}

#[test]
fn duplicates_across_files_merge() {
    let others = files(&[("req/dev.txt", "idna==3.6\n    # via\n    #   -r dev.in\n")]);
    let r = parse_with("idna==3.6 --hash=sha256:aa\n    # via requests\n-r dev.txt\n", &others).unwrap();
    assert_eq!(r.coords.len(), 1);
    assert!(r.coords[0].direct);
    assert_eq!(r.coords[0].source_file, PathBuf::from("req/requirements.txt"));
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "\\",
        "-",
        "--",
        "-r",
        "-e",
        "#",
        "a==",
        "==1",
        "a @",
        "é==1",
        "-é",
        "a[b==1",
        "a==1 --hash",
        "\u{feff}a==1\r\n",
    ] {
        let _ = parse_with(text, &BTreeMap::new());
    }
    assert_eq!(parse("\u{feff}a==1\r\n").coords[0].name, "a");
}

#[test]
fn names_from_urls() {
    assert_eq!(name_from_url("git+https://h/o/repo.git@v1"), "repo");
    assert_eq!(name_from_url("git+https://h/o/repo.git#egg=pkg[x]"), "pkg");
    assert_eq!(name_from_url("https://h/a_b-1.0.tar.gz#sha256=00"), "a_b");
    assert_eq!(name_from_url("file:///x/y/localpkg"), "localpkg");
    assert_eq!(requirement_name("zope.interface>=6 ; python_version<'3'"), Some("zope.interface"));
}
