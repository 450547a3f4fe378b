//! The written file for found projects: chain order, tiers, namespaces, credentials by
//! reference only, and that every file written parses.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::config::Config;
use crate::ecosystem::registries::FoundCredential;

fn reg(url: &str, origin: &str) -> FoundRegistry {
    FoundRegistry::new(url, origin)
}

fn found(eco: Ecosystem, files: &[&str], registries: Vec<FoundRegistry>) -> BTreeMap<Ecosystem, Found> {
    let mut m = BTreeMap::new();
    m.insert(eco, Found { files: files.iter().map(|s| (*s).to_string()).collect(), registries });
    m
}

fn parses(s: &Starter) -> Config {
    Config::parse(&s.text, Path::new("p/depgate.toml")).unwrap_or_else(|e| panic!("{e}\n{}", s.text))
}

#[test]
fn nothing_found_keeps_the_three_public_chains() {
    let s = render(&BTreeMap::new());
    let c = parses(&s);
    assert_eq!(c.chain(Ecosystem::Npm)[0].name, "npmjs");
    assert_eq!(c.chain(Ecosystem::Pypi)[0].name, "pypi");
    assert_eq!(c.chain(Ecosystem::Maven)[0].name, "central");
    assert!(c.policy.cools_down("public", false), "the public registries wait even when first");
    assert!(s.text.contains("found no project files"), "{}", s.text);
}

#[test]
fn public_only_project_writes_only_its_ecosystem() {
    let s = render(&found(Ecosystem::Pypi, &["requirements.txt"], vec![]));
    let c = parses(&s);
    assert!(!c.chains.contains_key(&Ecosystem::Npm) && !c.chains.contains_key(&Ecosystem::Maven));
    let chain = c.chain(Ecosystem::Pypi);
    assert_eq!((chain.len(), chain[0].name.as_str(), chain[0].tier.as_str()), (1, "pypi", "public"));
    assert!((c.policy.cooldown_days("public") - 7.0).abs() < f64::EPSILON);
    assert!(c.policy.cools_down("public", false));
    // The others are there, commented out, to add later.
    assert!(s.text.contains("# [npm]\n# chain = [\"npmjs\"]"), "{}", s.text);
    assert!(s.text.contains("# requirements.txt") || s.text.contains("(found: requirements.txt)"), "{}", s.text);
}

#[test]
fn private_first_public_last_with_namespaces_and_credentials_by_reference() {
    let mut default = reg("https://npm.acme.example/repo", "registry= in .npmrc");
    default.credential = Some(FoundCredential {
        kind: CredentialKind::Token,
        env_var: None,
        found_in: "the _authToken for //npm.acme.example/repo/ in .npmrc".into(),
    });
    let mut gh = reg("https://npm.pkg.github.com/", "@acme:registry= in .npmrc");
    gh.namespaces.push("@acme/*".into());
    gh.credential = Some(FoundCredential {
        kind: CredentialKind::Token,
        env_var: Some("GH_TOKEN".into()),
        found_in: "the _authToken for //npm.pkg.github.com/ in .npmrc".into(),
    });
    let public = reg("https://registry.npmjs.org/", "registry= in ~/.npmrc");
    let s = render(&found(Ecosystem::Npm, &["package-lock.json"], vec![public, default, gh]));
    let c = parses(&s);
    let names: Vec<&str> = c.chain(Ecosystem::Npm).iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["npm-acme", "npm-github", "npmjs"], "{}", s.text);
    assert_eq!(c.upstreams["npm-acme"].tier, "private");
    assert_eq!(c.upstreams["npm-acme"].auth.as_ref().unwrap().env_var, "DEPGATE_NPM_ACME_TOKEN");
    assert_eq!(c.upstreams["npm-github"].auth.as_ref().unwrap().env_var, "GH_TOKEN");
    assert_eq!(c.namespace_owner(Ecosystem::Npm, "@acme/x"), Some(("@acme/*", "npm-github")));
    assert!(s.text.contains("# set DEPGATE_NPM_ACME_TOKEN to the token in the _authToken"), "{}", s.text);
    assert_eq!(s.env.len(), 2);
    // The second private registry is a fallback by position: its tier does not wait.
    assert!(!c.policy.cools_down("private", true), "{}", s.text);
    assert!(c.policy.cools_down("public", true));
}

#[test]
fn userinfo_becomes_a_basic_reference_and_bad_urls_are_skipped() {
    let secret = "p4ss-w0rd-value";
    let regs = vec![
        reg(&format!("https://ci:{secret}@pypi.acme.example/simple"), "index-url in pip.conf"),
        reg("${PIP_URL}/simple", "index-url in requirements.txt"),
        reg("https://libraries.cgr.dev/python/", "[[tool.uv.index]] cg in pyproject.toml"),
    ];
    let s = render(&found(Ecosystem::Pypi, &["uv.lock"], regs));
    assert!(!s.text.contains(secret), "{}", s.text);
    let c = parses(&s);
    let names: Vec<&str> = c.chain(Ecosystem::Pypi).iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["pypi-acme", "pypi-cgr", "pypi"], "{}", s.text);
    let a = c.upstreams["pypi-acme"].auth.as_ref().unwrap();
    assert_eq!((a.env_var.as_str(), a.scheme), ("DEPGATE_PYPI_ACME_AUTH", crate::config::AuthScheme::Basic));
    assert_eq!(c.upstreams["pypi-cgr"].tier, "curated");
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
}

#[test]
fn maven_public_repositories_keep_fixed_names() {
    let regs = vec![
        reg("https://repo.acme.example/maven", "mirror acme (of *) in settings.xml"),
        reg(GOOGLE_URL, "google() in build.gradle"),
        reg(CENTRAL_URL, "mavenCentral() in build.gradle"),
        reg("https://repo1.maven.org/maven2", "repository central in pom.xml"),
    ];
    let s = render(&found(Ecosystem::Maven, &["build.gradle"], regs));
    let c = parses(&s);
    let names: Vec<&str> = c.chain(Ecosystem::Maven).iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["maven-acme", "central", "google"], "{}", s.text);
    assert_eq!(c.upstreams["google"].tier, "public");
    assert!(s.text.contains("# from repository central in pom.xml"), "{}", s.text);
}

#[test]
fn names_stay_unique_and_comments_stay_on_one_line() {
    let regs =
        vec![reg("https://repo.acme.example/a/", "x\n[evil]\nkey = 1"), reg("https://repo.acme.example/b/", "y")];
    let s = render(&found(Ecosystem::Maven, &["pom.xml"], regs));
    let c = parses(&s);
    let names: Vec<&str> = c.chain(Ecosystem::Maven).iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["maven-acme", "maven-acme-2", "central"], "{}", s.text);
    assert!(!s.text.contains("\n[evil]"), "{}", s.text);
}
