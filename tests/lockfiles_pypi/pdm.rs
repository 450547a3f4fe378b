//! `pdm.lock` (pdm 2.29.4) beyond the common checks: what `pdm list --json` says pdm
//! installed here (`CPython` 3.11, Linux), and the groups.

use std::collections::BTreeSet;

use depgate::ecosystem::SourceKind;
use depgate::ecosystem::pypi::normalize_name;

use super::{Kind, dev_names, find, id, parse, pin, read, set};

/// `pdm list --json` after `pdm sync -G :all`: every installed package is a parsed
/// coordinate, and what the lock has beyond it is exactly what its markers keep off
/// `CPython` 3.11 on Linux.
#[test]
fn pdm_lock_covers_what_pdm_installed() {
    let c = parse(Kind::Pdm, "pdm/pdm.lock");
    let listed: Vec<serde_json::Value> = serde_json::from_str(&read("pdm/list-pdm.json")).unwrap();
    let installed: BTreeSet<String> =
        listed.iter().map(|p| pin(p["name"].as_str().unwrap(), p["version"].as_str().unwrap())).collect();
    let parsed: BTreeSet<String> = c.iter().map(id).collect();
    let missing: Vec<&String> = installed.difference(&parsed).collect();
    assert!(missing.is_empty(), "installed by pdm, not parsed: {missing:?}");
    let skipped: BTreeSet<String> =
        parsed.difference(&installed).map(|p| normalize_name(p.split("==").next().unwrap())).collect();
    // colorama: Windows only; exceptiongroup, tomli: python_version < "3.11".
    assert_eq!(skipped, set(&["colorama", "exceptiongroup", "tomli"]));
    // The editable local package is what pdm installed from ./local/localpkg.
    let local = listed.iter().find(|p| p["name"] == "localpkg").unwrap();
    assert!(local["location"].as_str().unwrap().starts_with("-e "));
}

#[test]
fn pdm_groups_sources_and_files() {
    let c = parse(Kind::Pdm, "pdm/pdm.lock");
    let pytest_tree = ["pytest", "localpkg", "iniconfig", "packaging", "pluggy", "pygments"];
    let older_python = ["exceptiongroup", "tomli"];
    let want: BTreeSet<String> = set(&pytest_tree).union(&set(&older_python)).cloned().collect();
    assert_eq!(dev_names(&c), want);
    // The `yaml` extra ([project.optional-dependencies]) is optional, not dev.
    let yaml = find(&c, "pyyaml", "6.0.3");
    assert!(yaml.optional && !yaml.dev && yaml.direct);
    assert!(c.iter().filter(|c| c.optional).count() == 1);
    // requests is locked twice (plain and with the `socks` extra): one coordinate.
    assert_eq!(c.iter().filter(|c| c.name == "requests").count(), 1);
    let git = find(&c, "gitdep", "1.0.0");
    assert_eq!(
        git.source,
        SourceKind::Git("git+git://127.0.0.1/py/gitdep.git@545df0e0377c60445ec0314262c14b4087dcce7e".into())
    );
    assert_eq!(find(&c, "localpkg", "0.1.0").source, SourceKind::Link("./local/localpkg".into()));
    let zope = find(&c, "zope-interface", "8.0.1");
    assert!(zope.files.len() > 10, "a hash per wheel and sdist: {}", zope.files.len());
    assert!(zope.files.iter().all(|f| f.name.is_some() && f.hashes["sha256"].len() == 64));
    let text = read("pdm/pdm.lock");
    assert_eq!(text.lines().nth(zope.line - 1), Some("name = \"zope-interface\""));
}
