//! The `depgate.toml` that `depgate init` writes: a chain for each ecosystem found in the
//! project, the registries its package managers are configured to use first (tier
//! `private`, or `curated` for Chainguard Libraries), the public registry last as the
//! fallback; everything else from the commented template `starter.toml`.
//!
//! Pure: `commands::init` finds the files and registries and hands them in. Credentials
//! are never written: an upstream that needs one gets `auth = "env:VAR"` and a comment
//! saying what to put in the variable.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::ecosystem::Ecosystem;
use crate::ecosystem::maven::repositories::{CENTRAL_URL, GOOGLE_URL, PLUGIN_PORTAL_URL};
use crate::ecosystem::registries::{CredentialKind, FoundRegistry};

/// The commented template; `init` replaces its chains block.
pub const STARTER_TEMPLATE: &str = include_str!("starter.toml");
const CHAINS_START: &str = "# >>> chains";
const CHAINS_END: &str = "# <<< chains";

/// What `depgate init` found of one ecosystem.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Project files that show the ecosystem is used (paths relative to the project).
    pub files: Vec<String>,
    /// Registries its package managers are configured to use, in the order they ask them.
    pub registries: Vec<FoundRegistry>,
}

/// One upstream of a written chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub name: String,
    pub url: String,
    pub tier: &'static str,
    /// Where it was found (empty for the public registry added as the fallback).
    pub origins: Vec<String>,
    pub namespaces: Vec<String>,
    /// `(variable, basic, what it holds)` when a credential was found.
    pub auth: Option<(String, bool, String)>,
}

/// The file `init` writes, and what to tell the user.
#[derive(Debug, Clone)]
pub struct Starter {
    pub text: String,
    /// The chains written, each upstream in priority order.
    pub chains: BTreeMap<Ecosystem, Vec<Planned>>,
    /// Variables to set before `depgate check`: name and what it must hold.
    pub env: Vec<(String, String)>,
    /// Registries found but not written, with why.
    pub skipped: Vec<String>,
}

/// What an ecosystem is called in the file and in messages.
pub fn ecosystem_title(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Npm => "npm",
        Ecosystem::Pypi => "PyPI",
        Ecosystem::Maven => "Maven/Gradle",
        Ecosystem::Oci => "container images",
    }
}

fn kind(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Npm => "npm",
        Ecosystem::Pypi => "pypi-simple",
        Ecosystem::Maven => "maven",
        Ecosystem::Oci => "oci",
    }
}

/// The public registry of an ecosystem: upstream name and URL.
fn public_registry(eco: Ecosystem) -> (&'static str, &'static str) {
    match eco {
        Ecosystem::Npm => ("npmjs", "https://registry.npmjs.org/"),
        Ecosystem::Pypi => ("pypi", "https://pypi.org/simple/"),
        Ecosystem::Maven => ("central", CENTRAL_URL),
        Ecosystem::Oci => ("dockerhub", "https://registry-1.docker.io/"),
    }
}

enum Class {
    /// The ecosystem's public registry (or a host that serves the same).
    Canonical,
    /// Another public registry, under a fixed name.
    Public(&'static str, Option<&'static str>),
    Curated,
    Private,
}

fn classify(eco: Ecosystem, host: &str) -> Class {
    match (eco, host) {
        (Ecosystem::Npm, "registry.npmjs.org" | "registry.npmjs.com" | "registry.yarnpkg.com")
        | (Ecosystem::Pypi, "pypi.org" | "pypi.python.org")
        | (Ecosystem::Maven, "repo.maven.apache.org" | "repo1.maven.org" | "central.maven.org") => Class::Canonical,
        (Ecosystem::Pypi, "test.pypi.org") => Class::Public("testpypi", None),
        (Ecosystem::Maven, "maven.google.com" | "dl.google.com") => Class::Public("google", Some(GOOGLE_URL)),
        (Ecosystem::Maven, "plugins.gradle.org") => Class::Public("gradle-plugins", Some(PLUGIN_PORTAL_URL)),
        (Ecosystem::Maven, "jcenter.bintray.com") => Class::Public("jcenter", None),
        (_, "libraries.cgr.dev") => Class::Curated,
        _ => Class::Private,
    }
}

/// Host labels that say nothing about whose registry it is.
const GENERIC_LABELS: &[&str] =
    &["www", "npm", "pypi", "maven", "repo", "repos", "registry", "pkg", "pkgs", "packages", "libraries", "dl"];

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A short upstream name from a URL: `npm.acme.example` → `acme`, an address as it is.
fn short_name(u: &url::Url) -> String {
    let host = u.host_str().unwrap_or("registry");
    let base = if matches!(u.host(), Some(url::Host::Domain(_))) {
        let mut labels: Vec<&str> = host.split('.').collect();
        while labels.len() > 2 && GENERIC_LABELS.contains(&labels[0]) {
            labels.remove(0);
        }
        if labels.len() >= 2 {
            labels.pop();
        }
        labels.join("-")
    } else {
        host.to_string()
    };
    let port = u.port().map(|p| format!("-{p}")).unwrap_or_default();
    slug(&format!("{base}{port}"))
}

/// One line of comment text: no line breaks or control characters from the files read.
fn comment_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

struct Plan {
    chains: BTreeMap<Ecosystem, Vec<Planned>>,
    skipped: Vec<String>,
}

fn plan(found: &BTreeMap<Ecosystem, Found>) -> Plan {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut chains = BTreeMap::new();
    let mut skipped = Vec::new();
    for (&eco, f) in found {
        let (public_name, public_url) = public_registry(eco);
        let mut own: Vec<(String, Planned)> = Vec::new();
        let mut publics: Vec<(String, Planned)> = Vec::new();
        let mut canonical_origins: Vec<String> = Vec::new();
        let mut bound: BTreeSet<String> = BTreeSet::new();
        for r in &f.registries {
            let parsed = url::Url::parse(r.url.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
            let Some(mut u) = parsed.filter(|u| u.host_str().is_some()) else {
                skipped.push(format!("{} ({}): not an http(s) URL depgate can ask", comment_text(&r.url), r.origin));
                continue;
            };
            if !u.path().ends_with('/') {
                let p = format!("{}/", u.path());
                u.set_path(&p);
            }
            u.set_query(None);
            u.set_fragment(None);
            let (tier, list, fixed) = match classify(eco, u.host_str().unwrap_or_default()) {
                Class::Canonical => {
                    canonical_origins.push(r.origin.clone());
                    continue;
                }
                Class::Public(name, url) => ("public", &mut publics, Some((name, url))),
                Class::Curated => ("curated", &mut own, None),
                Class::Private => ("private", &mut own, None),
            };
            let key = u.as_str().to_string();
            let entry = if let Some(i) = list.iter().position(|(k, _)| *k == key) {
                &mut list[i].1
            } else {
                let name = match fixed {
                    Some((n, _)) => n.to_string(),
                    None => format!("{}-{}", eco.as_str(), short_name(&u)),
                };
                let url = fixed.and_then(|(_, url)| url).map_or_else(|| key.clone(), str::to_string);
                list.push((key, Planned { name, url, tier, origins: Vec::new(), namespaces: Vec::new(), auth: None }));
                &mut list.last_mut().expect("just pushed").1
            };
            entry.origins.push(r.origin.clone());
            for ns in &r.namespaces {
                if bound.insert(ns.clone()) {
                    entry.namespaces.push(ns.clone());
                }
            }
            if entry.auth.is_none()
                && let Some(c) = &r.credential
            {
                let basic = c.kind == CredentialKind::UserPassword;
                entry.auth = Some((c.env_var.clone().unwrap_or_default(), basic, c.found_in.clone()));
            }
        }
        let mut chain: Vec<Planned> = own.into_iter().map(|(_, p)| p).collect();
        chain.push(Planned {
            name: public_name.to_string(),
            url: public_url.to_string(),
            tier: "public",
            origins: canonical_origins,
            namespaces: Vec::new(),
            auth: None,
        });
        chain.extend(publics.into_iter().map(|(_, p)| p));
        for p in &mut chain {
            let base = p.name.clone();
            let mut n = 2;
            while !names.insert(p.name.clone()) {
                p.name = format!("{base}-{n}");
                n += 1;
            }
            if let Some((var, basic, _)) = &mut p.auth
                && var.is_empty()
            {
                let suffix = if *basic { "AUTH" } else { "TOKEN" };
                *var = format!("DEPGATE_{}_{suffix}", p.name.to_ascii_uppercase().replace('-', "_"));
            }
        }
        chains.insert(eco, chain);
    }
    Plan { chains, skipped }
}

fn write_chain(out: &mut String, eco: Ecosystem, f: &Found, chain: &[Planned]) {
    let mut files = f.files.iter().take(5).map(|s| comment_text(s)).collect::<Vec<_>>().join(", ");
    if f.files.len() > 5 {
        let _ = write!(files, " and {} more", f.files.len() - 5);
    }
    let _ = writeln!(out, "\n# {} (found: {files})", ecosystem_title(eco));
    let _ = writeln!(out, "[{eco}]");
    let names: Vec<String> = chain.iter().map(|p| toml_string(&p.name)).collect();
    let _ = writeln!(out, "chain = [{}]", names.join(", "));
    let ns: Vec<String> = chain
        .iter()
        .flat_map(|p| p.namespaces.iter().map(move |n| format!("{} = {}", toml_string(n), toml_string(&p.name))))
        .collect();
    if !ns.is_empty() {
        let _ = writeln!(out, "namespaces = {{ {} }}", ns.join(", "));
    }
    let last_own = chain.iter().rposition(|p| p.tier != "public");
    for (i, p) in chain.iter().enumerate() {
        out.push('\n');
        if p.tier == "public" && last_own.is_some_and(|o| o + 1 == i) {
            let _ = writeln!(
                out,
                "# Fallback: asked only for names the upstreams above do not have; its versions wait\n# out the cooldown. Remove it from the chain if everything must come from those."
            );
        }
        for o in &p.origins {
            let _ = writeln!(out, "# from {}", comment_text(o));
        }
        let _ = writeln!(out, "[upstream.{}]", p.name);
        let _ = writeln!(out, "kind = \"{}\"", kind(eco));
        let _ = writeln!(out, "url = {}", toml_string(&p.url));
        let _ = writeln!(out, "tier = \"{}\"", p.tier);
        match &p.auth {
            Some((var, basic, what)) => {
                let holds = if *basic { "user:password from" } else { "the token in" };
                let _ = writeln!(out, "auth = \"env:{var}\"");
                if *basic {
                    let _ = writeln!(out, "auth_scheme = \"basic\"");
                }
                let _ = writeln!(out, "# set {var} to {holds} {} (never copied here)", comment_text(what));
            }
            None if p.tier != "public" => {
                let var = p.name.to_ascii_uppercase().replace('-', "_");
                if eco == Ecosystem::Npm {
                    let _ = writeln!(out, "# auth = \"env:DEPGATE_{var}_TOKEN\"   # if it needs a token");
                } else {
                    let _ = writeln!(
                        out,
                        "# auth = \"env:DEPGATE_{var}_AUTH\"    # if it needs a user and password:\n# auth_scheme = \"basic\"                # the variable holds user:password"
                    );
                }
            }
            None => {}
        }
    }
}

/// A commented chain of the public registry, for an ecosystem not found.
fn write_absent(out: &mut String, eco: Ecosystem) {
    let (name, url) = public_registry(eco);
    let files = match eco {
        Ecosystem::Npm => "package.json or an npm, pnpm or yarn lockfile",
        Ecosystem::Pypi => "requirements*.txt, pyproject.toml or a Python lockfile",
        Ecosystem::Maven => "pom.xml, a Gradle build or a Gradle lockfile",
        Ecosystem::Oci => "Dockerfile, compose file or workflow container",
    };
    let _ = writeln!(out, "\n# {}: no {files} found. To gate it later:", ecosystem_title(eco));
    let _ = writeln!(out, "# [{eco}]\n# chain = [\"{name}\"]\n# [upstream.{name}]");
    let _ = writeln!(out, "# kind = \"{}\"\n# url = \"{url}\"\n# tier = \"public\"", kind(eco));
}

/// The file for what was found. With nothing found, the template's own chains (the three
/// public registries) stay.
pub fn render(found: &BTreeMap<Ecosystem, Found>) -> Starter {
    let Plan { chains, skipped } = plan(found);
    let (head, rest) = STARTER_TEMPLATE.split_once(CHAINS_START).expect("the template has a chains block");
    let (default_chains, tail) = rest.split_once(CHAINS_END).expect("the template closes its chains block");
    let default_chains = default_chains.split_once('\n').map_or("", |(_, b)| b);
    let tail = tail.split_once('\n').map_or("", |(_, b)| b);
    let mut out = head.to_string();
    if chains.is_empty() {
        out.push_str("# depgate init found no project files: these are the public registries of all three\n");
        out.push_str("# ecosystems. Put the registries your builds use first in each chain.\n");
        out.push_str(default_chains);
    } else {
        for eco in [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven] {
            match (found.get(&eco), chains.get(&eco)) {
                (Some(f), Some(chain)) => write_chain(&mut out, eco, f, chain),
                _ => write_absent(&mut out, eco),
            }
        }
    }
    out.push_str(tail);
    // Registries of your own behind another one (two private registries, a scope on its
    // own registry) are fallbacks by position; they do not wait out the cooldown.
    let own_fallback: BTreeSet<&str> =
        chains.values().flat_map(|c| c.iter().skip(1)).map(|p| p.tier).filter(|t| *t != "public").collect();
    for tier in own_fallback {
        let _ = writeln!(
            out,
            "\n# Upstreams of tier {tier} are yours: their versions do not wait out the cooldown, even\n# second in a chain.\n[policy.tiers.{tier}]\nquarantine_days = 0"
        );
    }
    let mut env = Vec::new();
    for p in chains.values().flatten() {
        if let Some((var, basic, what)) = &p.auth {
            let holds = if *basic { "user:password, as in" } else { "the token in" };
            env.push((var.clone(), format!("{holds} {}", comment_text(what))));
        }
    }
    Starter { text: out, chains, env, skipped }
}

#[cfg(test)]
#[path = "starter_tests.rs"]
mod tests;
