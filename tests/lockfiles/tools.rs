//! Lockfiles of pnpm 6/7 (lockfileVersion 5.x), pnpm 10, pnpm 11 (two documents), yarn 1
//! (tarball URL, git, code hosts) and bun (`bun.lock`), against the tools' own listings
//! committed beside them (testdata/npm/regen.sh says which tool and command wrote each):
//! `pnpm list --json --depth Infinity`, `yarn list --json`, `bun pm ls --all`, and for the
//! pnpm 11 package manager's own packages, npm's lockfile of the same two packages. The
//! registry's own integrity of every registry package is in registry-integrity.txt
//! (`npm view name@version dist.integrity`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use depgate::ecosystem::npm::bun::parse_bun_lock;
use depgate::ecosystem::npm::{parse_pnpm_lock, parse_yarn_lock_with_manifest};
use depgate::ecosystem::{Coordinate, SourceKind};
use serde_json::Value;

use super::{find, id, read, testdata};

fn parse_file(rel: &str) -> Vec<Coordinate> {
    let path = testdata().join(rel);
    let text = read(rel);
    let r = if Path::new(rel).extension().is_some_and(|e| e == "yaml") {
        parse_pnpm_lock(&text, &path)
    } else if rel.ends_with("bun.lock") {
        parse_bun_lock(&text, &path)
    } else {
        let manifest = read(&Path::new(rel).with_file_name("package.json").to_string_lossy());
        parse_yarn_lock_with_manifest(&text, &path, Some(&manifest))
    };
    r.unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const REGISTRY: &str = "https://registry.npmjs.org/";

/// From `pnpm list --json --depth Infinity`: (registry `name@version`s, other names).
/// pnpm says where each came from in `resolved`; `from` is the real name of an alias.
fn pnpm_listing(rel: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    fn walk(deps: &Value, reg: &mut BTreeSet<String>, other: &mut BTreeSet<String>) {
        for (key, d) in deps.as_object().into_iter().flatten() {
            let name = d["from"].as_str().unwrap_or(key);
            match (d["version"].as_str(), d["resolved"].as_str()) {
                (Some(v), Some(r)) if r.starts_with(REGISTRY) => {
                    reg.insert(format!("{name}@{v}"));
                }
                _ => {
                    other.insert(name.to_string());
                }
            }
            walk(&d["dependencies"], reg, other);
        }
    }
    let (mut reg, mut other) = (BTreeSet::new(), BTreeSet::new());
    for project in json(rel).as_array().expect("pnpm list --json prints an array") {
        for field in ["dependencies", "devDependencies", "optionalDependencies"] {
            walk(&project[field], &mut reg, &mut other);
        }
    }
    (reg, other)
}

/// `name@version` of the real names of an npm `package-lock.json`'s packages, with their
/// integrity.
fn npm_lock_listing(rel: &str) -> BTreeMap<String, String> {
    let lock = json(rel);
    let mut out = BTreeMap::new();
    for (path, e) in lock["packages"].as_object().expect("packages") {
        let Some(at) = path.rfind("node_modules/") else { continue };
        let name = e["name"].as_str().unwrap_or(&path[at + 13..]);
        out.insert(format!("{name}@{}", e["version"].as_str().unwrap()), e["integrity"].as_str().unwrap().to_string());
    }
    out
}

/// `npm view name@version dist.integrity` of every registry package of these fixtures.
fn registry_integrity() -> BTreeMap<String, String> {
    read("registry-integrity.txt")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(p, i)| (p.to_string(), i.trim().to_string()))
        .collect()
}

fn registry_set(coords: &[Coordinate]) -> BTreeSet<String> {
    coords.iter().filter(|c| c.source.is_registry()).map(id).collect()
}

fn non_registry(coords: &[Coordinate]) -> BTreeMap<String, &'static str> {
    coords.iter().filter(|c| !c.source.is_registry()).map(|c| (c.name.clone(), c.source.label())).collect()
}

/// Every registry coordinate carries the registry's own integrity (or `extra`'s).
fn assert_integrity(rel: &str, coords: &[Coordinate], extra: &BTreeMap<String, String>) {
    let known = registry_integrity();
    for c in coords.iter().filter(|c| c.source.is_registry()) {
        let want = known.get(&id(c)).or_else(|| extra.get(&id(c)));
        assert!(want.is_some(), "{rel}: {} has no recorded registry integrity", id(c));
        assert_eq!(c.integrity.as_ref(), want, "{rel}: {} integrity", id(c));
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// The project of the pnpm, bun and yarn-sources fixtures: what is not a registry package.
const LOCAL: &[(&str, &str)] =
    &[("bundler", "file"), ("gitdep", "git"), ("kleur", "tarball"), ("linked-pkg", "link"), ("local-pkg", "file")];

#[test]
fn pnpm_lockfiles_match_pnpm_list() {
    for (lock, listing) in [
        ("pnpm5/pnpm-lock.pnpm6.yaml", "pnpm5/list-pnpm6.json"),
        ("pnpm5/pnpm-lock.pnpm7.yaml", "pnpm5/list-pnpm7.json"),
        ("pnpm10/pnpm-lock.yaml", "pnpm10/list-pnpm10.json"),
        ("pnpm11/pnpm-lock.yaml", "pnpm11/list-pnpm11.json"),
    ] {
        let coords = parse_file(lock);
        let project: Vec<Coordinate> = coords.iter().filter(|c| !c.package_manager).cloned().collect();
        let (want, others) = pnpm_listing(listing);
        assert_eq!(registry_set(&project), want, "{lock}: registry set vs {listing}");
        let nr = non_registry(&project);
        assert!(
            others.iter().all(|n| nr.contains_key(n)),
            "{lock}: {others:?} listed by pnpm, not all reported: {nr:?}"
        );
        // pnpm 6 links `file:` folders (link); pnpm 7+ copies them (file).
        let want_nr: BTreeMap<String, &str> = LOCAL
            .iter()
            .map(|(n, k)| ((*n).to_string(), if *n == "local-pkg" && lock.contains("pnpm6") { "link" } else { *k }))
            .collect();
        assert_eq!(nr, want_nr, "{lock}: non-registry kinds");
        assert_integrity(lock, &project, &BTreeMap::new());
        assert!(coords.iter().all(|c| c.source_file == testdata().join(lock)));
    }
}

#[test]
fn pnpm5_keys_peers_flags_and_resolutions() {
    for lock in ["pnpm5/pnpm-lock.pnpm6.yaml", "pnpm5/pnpm-lock.pnpm7.yaml"] {
        let text = read(lock);
        let line = |c: &Coordinate| text.lines().nth(c.line - 1).unwrap_or_default().to_string();
        let c = parse_file(lock);
        // `/ajv-keywords/3.5.2_ajv@6.12.6`: one coordinate, the plain version.
        let kw: Vec<_> = c.iter().filter(|c| c.name == "ajv-keywords").collect();
        assert_eq!(kw.len(), 1, "{lock}");
        assert_eq!(kw[0].version, "3.5.2");
        assert!(kw[0].direct && line(kw[0]).contains("/ajv-keywords/3.5.2_ajv@6.12.6:"), "{lock}");
        // Alias: `my-ms: /ms/2.0.0`.
        let alias = find(&c, "ms", "2.0.0");
        assert_eq!(alias.alias.as_deref(), Some("my-ms"));
        assert!(alias.direct && line(alias).contains("/ms/2.0.0:"));
        assert!(!find(&c, "ms", "2.1.2").direct);
        // `dev: true` / `dev: false` and `optional: true`.
        for (n, v, dev) in [
            ("semver", "7.5.4", true),
            ("lru-cache", "6.0.0", true),
            ("yallist", "4.0.0", true),
            ("debug", "4.3.4", false),
        ] {
            assert_eq!(find(&c, n, v).dev, dev, "{lock}: {n}");
        }
        assert!(find(&c, "left-pad", "1.3.0").optional && find(&c, "left-pad", "1.3.0").direct);
        // Git: `127.0.0.1/gitdep/<commit>` with `{commit, repo, type: git}`.
        let git = find(&c, "gitdep", "1.0.0");
        assert_eq!(
            git.source,
            SourceKind::Git("git://127.0.0.1/gitdep.git#832cced2de16c1192da3c98eb2b15bee8d197797".into())
        );
        assert!(git.direct && git.integrity.is_none());
        // Tarball URL: `'@127.0.0.1+48080/kleur-4.1.5.tgz'` with `{tarball}`.
        let kleur = find(&c, "kleur", "4.1.5");
        assert_eq!(kleur.source, SourceKind::Tarball("http://127.0.0.1:48080/kleur-4.1.5.tgz".into()));
        assert!(line(kleur).contains("'@127.0.0.1+48080/kleur-4.1.5.tgz':"));
        let bundler = find(&c, "bundler", "1.0.0");
        assert_eq!(bundler.source, SourceKind::File("local/bundler-1.0.0.tgz".into()));
        assert!(bundler.integrity.as_deref().is_some_and(|i| i.starts_with("sha512-")));
        assert!(c.iter().all(|c| !c.package_manager));
    }
}

/// pnpm 7 writes a `git+file:` dependency with no `name` or `version` of its own (and
/// `pnpm list` then fails on it, so the committed fixture uses `git://`): the name is the
/// one the project depends on it by, the version its commit. This entry is pnpm 7.33.7's.
#[test]
fn pnpm5_git_file_dependency_without_name() {
    let text = "lockfileVersion: 5.4

specifiers:
  gitdep: git+file:///tmp/depgate-fixture-git/gitdep.git#v1.0.0

dependencies:
  gitdep: /tmp/depgate-fixture-git/gitdep/832cced2de16c1192da3c98eb2b15bee8d197797

packages:

  /is-plain-obj/2.1.0:
    resolution: {integrity: sha512-YWnfyRwxL/+SsrWYfOpUtz5b3YD+nyfkHvjbcanzk8zgyO4ASD67uVMRt8k5bM4lLMDnXfriRhOpemw+NfT1eA==}
    engines: {node: '>=8'}
    dev: false

  /tmp/depgate-fixture-git/gitdep/832cced2de16c1192da3c98eb2b15bee8d197797:
    resolution: {commit: 832cced2de16c1192da3c98eb2b15bee8d197797, repo: file:///tmp/depgate-fixture-git/gitdep.git, type: git}
    dependencies:
      is-plain-obj: 2.1.0
    dev: false
";
    let c = parse_pnpm_lock(text, Path::new("pnpm-lock.yaml")).unwrap();
    assert_eq!(c.len(), 2);
    let git = &c[1];
    assert_eq!(
        (git.name.as_str(), git.version.as_str(), git.line),
        ("gitdep", "832cced2de16c1192da3c98eb2b15bee8d197797", 16)
    );
    assert!(matches!(&git.source, SourceKind::Git(u) if u.starts_with("file:///tmp/depgate-fixture-git/gitdep.git#")));
    assert!(git.direct);
    assert!(c[0].source.is_registry() && !c[0].direct);
    // A key that is neither a registry path nor carries a location is refused, not
    // taken for a registry package.
    let bad = text.replace(
        "resolution: {commit: 832cced2de16c1192da3c98eb2b15bee8d197797, repo: file:///tmp/depgate-fixture-git/gitdep.git, type: git}",
        "resolution: {integrity: sha512-x}",
    );
    let e = parse_pnpm_lock(&bad, Path::new("pnpm-lock.yaml")).unwrap_err();
    assert_eq!(e.line, 16, "{e}");
}

#[test]
fn pnpm11_first_document_is_the_package_managers() {
    let lock = "pnpm11/pnpm-lock.yaml";
    let c = parse_file(lock);
    let pm: Vec<&Coordinate> = c.iter().filter(|c| c.package_manager).collect();
    // The same packages, with the same integrity, as npm locks for `@pnpm/exe` + `pnpm`.
    let oracle = npm_lock_listing("pnpm11/env-oracle/package-lock.json");
    let got: BTreeMap<String, String> = pm.iter().map(|c| (id(c), c.integrity.clone().unwrap_or_default())).collect();
    assert_eq!(got, oracle, "{lock}: first document vs npm's lock of the same packages");
    assert!(pm.iter().all(|c| c.source.is_registry() && !c.dev && c.line < 100));
    let direct: BTreeSet<String> = pm.iter().filter(|c| c.direct).map(|c| c.name.clone()).collect();
    assert_eq!(direct, set(&["@pnpm/exe", "pnpm"]));
    assert!(find(&c, "@pnpm/linux-x64", "11.28.6").optional);
    assert!(!find(&c, "@reflink/reflink", "0.1.19").optional);
    // The project's packages (second document) are not the package manager's.
    assert!(!find(&c, "debug", "4.3.4").package_manager && find(&c, "debug", "4.3.4").line > 140);
    assert_eq!(c.iter().filter(|c| !c.package_manager).count(), 22);

    // With a config dependency (`pnpm add --config is-number@7.0.0`, pnpm 11.28.6).
    let lock = "pnpm11/config-deps/pnpm-lock.yaml";
    let c = parse_file(lock);
    let cfg = find(&c, "is-number", "7.0.0");
    assert!(cfg.package_manager && cfg.direct);
    assert_eq!(cfg.integrity.as_deref(), registry_integrity().get("is-number@7.0.0").map(String::as_str));
    let (want, _) = pnpm_listing("pnpm11/config-deps/list-pnpm11.json");
    let project: Vec<Coordinate> = c.iter().filter(|c| !c.package_manager).cloned().collect();
    assert_eq!(registry_set(&project), want);
    assert_eq!(c.iter().filter(|c| c.package_manager).count(), oracle.len() + 1);
}

#[test]
fn pnpm10_is_one_document_and_no_package_manager() {
    let c = parse_file("pnpm10/pnpm-lock.yaml");
    assert!(c.iter().all(|c| !c.package_manager));
    assert!(read("pnpm10/pnpm-lock.yaml").starts_with("lockfileVersion: '9.0'"));
}

/// `├── name@version` lines of `bun pm ls --all`, alias names mapped to real ones through
/// package.json's `npm:` specs: (registry `name@version`s, other names).
fn bun_listing(rel: &str, package_json: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let pkg = json(package_json);
    let mut alias = BTreeMap::new();
    for f in ["dependencies", "devDependencies", "optionalDependencies"] {
        for (k, v) in pkg[f].as_object().into_iter().flatten() {
            if let Some(target) = v.as_str().and_then(|s| s.strip_prefix("npm:")) {
                alias.insert(k.clone(), target.rsplit_once('@').map_or(target, |(n, _)| n).to_string());
            }
        }
    }
    let (mut reg, mut other) = (BTreeSet::new(), BTreeSet::new());
    for line in read(rel).lines().skip(1) {
        let item = line.trim_start_matches(['│', '├', '└', '─', ' ']);
        let from = usize::from(item.starts_with('@'));
        let Some(at) = item[from..].find('@').map(|i| i + from) else { continue };
        let (name, version) = (&item[..at], &item[at + 1..]);
        let name = alias.get(name).map_or(name, String::as_str);
        if version.split('.').count() == 3 && version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            reg.insert(format!("{name}@{version}"));
        } else {
            other.insert(name.to_string());
        }
    }
    (reg, other)
}

#[test]
fn bun_lock_matches_bun_pm_ls() {
    let lock = "bun/bun.lock";
    let c = parse_file(lock);
    let (want, others) = bun_listing("bun/ls-bun.txt", "bun/package.json");
    assert_eq!(registry_set(&c), want, "{lock} vs bun pm ls --all");
    let nr = non_registry(&c);
    assert_eq!(others, nr.keys().cloned().collect(), "{lock}: non-registry names");
    let want_nr: BTreeMap<String, &str> = LOCAL.iter().map(|(n, k)| ((*n).to_string(), *k)).collect();
    assert_eq!(nr, want_nr);
    assert_integrity(lock, &c, &BTreeMap::new());
    let alias = find(&c, "ms", "2.0.0");
    assert!(alias.direct && alias.alias.as_deref() == Some("my-ms"));
    assert!(find(&c, "semver", "7.5.4").dev && find(&c, "lru-cache", "6.0.0").dev && !find(&c, "ms", "2.1.2").dev);
    assert!(find(&c, "left-pad", "1.3.0").optional);
    // Inside the bundler tarball: `bundler/is-odd` says `bundled: true`.
    assert!(find(&c, "is-odd", "3.0.1").bundled);
    assert_eq!(
        find(&c, "kleur", "http://127.0.0.1:48080/kleur-4.1.5.tgz").integrity,
        registry_integrity().get("kleur@4.1.5").cloned()
    );
    let text = read(lock);
    for x in &c {
        let l = text.lines().nth(x.line - 1).unwrap_or_default();
        assert!(l.contains(&format!("\"{}@", x.name)), "{}: line {} is `{l}`", id(x), x.line);
    }
}

/// From `yarn list --json`: every `name@version` (yarn lists URL and git packages by the
/// version in their manifest, like registry ones).
fn yarn_listing(rel: &str) -> BTreeSet<String> {
    fn walk(trees: &Value, out: &mut BTreeSet<String>) {
        for t in trees.as_array().into_iter().flatten() {
            if t["shadow"] != Value::Bool(true) {
                out.insert(t["name"].as_str().unwrap().to_string());
            }
            walk(&t["children"], out);
        }
    }
    let mut out = BTreeSet::new();
    for line in read(rel).lines().filter(|l| !l.trim().is_empty()) {
        let msg: Value = serde_json::from_str(line).unwrap();
        if msg["type"] == "tree" {
            walk(&msg["data"]["trees"], &mut out);
        }
    }
    out
}

#[test]
fn yarn_classic_sources_match_yarn_list() {
    let lock = "yarn/sources/yarn.lock";
    let c = parse_file(lock);
    let listed = yarn_listing("yarn/sources/list-yarn1.json");
    // gitdep and kleur come from git and a tarball URL (package.json says so); the rest
    // from the registry.
    let want: BTreeSet<String> =
        listed.iter().filter(|l| !l.starts_with("gitdep@") && !l.starts_with("kleur@")).cloned().collect();
    assert_eq!(registry_set(&c), want);
    assert_eq!(non_registry(&c), BTreeMap::from([("gitdep".to_string(), "git"), ("kleur".to_string(), "tarball")]));
    assert_integrity(lock, &c, &BTreeMap::new());
    let kleur = find(&c, "kleur", "4.1.5");
    assert_eq!(
        kleur.source,
        SourceKind::Tarball("http://127.0.0.1:48080/kleur-4.1.5.tgz#95106101795f7050c6c650f350c683febddb1780".into())
    );
    // yarn 1 records only the sha1 of a URL tarball, in `resolved`'s fragment.
    assert_eq!(kleur.integrity.as_deref(), Some("sha1-lRBhAXlfcFDGxlDzUMaD/r3bF4A="));
    assert!(find(&c, "semver", "7.5.4").dev && find(&c, "left-pad", "1.3.0").optional);
}

#[test]
fn yarn_classic_code_hosts_are_never_registry() {
    let lock = "yarn/codehost/yarn.lock";
    let c = parse_file(lock);
    assert_eq!(registry_set(&c), set(&["debug@4.3.4", "ms@2.1.2"]));
    assert_integrity(lock, &c, &BTreeMap::new());
    let kinds = non_registry(&c);
    for n in ["left-pad", "is-number", "kind-of", "repeat-string", "is-odd", "lodash"] {
        assert_eq!(kinds.get(n), Some(&"tarball"), "{n}: {kinds:?}");
    }
    assert_eq!(kinds.get("gitdep"), Some(&"git"));
    let lp = find(&c, "left-pad", "1.3.0");
    assert_eq!(
        lp.source,
        SourceKind::Tarball(
            "https://codeload.github.com/stevemao/left-pad/tar.gz/5b8a3a7765dfe001261dde915589e782f8c94d1e".into()
        )
    );
    assert!(lp.direct && lp.integrity.is_none());
    // A registry range whose `resolved` is a code host: what yarn fetches is not the
    // registry's artifact.
    let lodash = find(&c, "lodash", "4.17.21");
    assert!(!lodash.source.is_registry() && lodash.direct);
    // A code host URL's `#<40 hex>` is not read as the tarball's sha1.
    assert!(find(&c, "kind-of", "6.0.3").integrity.is_none());
}

/// No cut of these fixtures makes a parser panic.
#[test]
fn no_panic_on_truncated_tool_fixtures() {
    for rel in [
        "pnpm5/pnpm-lock.pnpm6.yaml",
        "pnpm5/pnpm-lock.pnpm7.yaml",
        "pnpm11/pnpm-lock.yaml",
        "bun/bun.lock",
        "yarn/codehost/yarn.lock",
    ] {
        let text = read(rel);
        let p = Path::new(rel);
        for cut in (0..text.len()).step_by(29).filter(|&i| text.is_char_boundary(i)) {
            let part = &text[..cut];
            let _ = parse_pnpm_lock(part, p);
            let _ = parse_bun_lock(part, p);
            let _ = parse_yarn_lock_with_manifest(part, p, None);
        }
    }
}
