//! `depgate init`: find which ecosystems a project uses and which registries its package
//! managers are configured to use, write a `depgate.toml` with a chain for each (through
//! `config::starter`), and say what was found.
//!
//! The files read: project files (manifests and lockfiles, searched as `check` searches),
//! `.npmrc` (the user's, then the project's), pip's configuration files, requirements
//! options, `pyproject.toml` and `Pipfile`, Maven's `settings.xml` (the project's `.mvn/`
//! one or the one `.mvn/maven.config` names, then `~/.m2/settings.xml`), POMs and Gradle
//! scripts; and the package managers' environment variables. No credential is ever
//! copied: the parsers do not keep them. The package managers' and bots' own release-age
//! settings are [`super::init_tools`]'s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::InitArgs;
use crate::config::Config;
use crate::config::starter::{Found, Starter, ecosystem_title, render};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::maven::repositories::{gradle_repositories, pom_repositories, settings_repositories};
use crate::ecosystem::npm::npmrc::{Npmrc, parse_npmrc};
use crate::ecosystem::pypi::indexes::{
    parse_pip_conf, pipfile_indexes, pyproject_indexes, requirements_indexes, uv_env_indexes,
};
use crate::ecosystem::registries::FoundRegistry;
use crate::exit::{CommandError, ExitStatus};
use crate::lockfiles::{LockfileKind, find_files};

/// The ecosystem a project file shows, if any.
fn marker(path: &Path) -> Option<Ecosystem> {
    let name = path.file_name()?.to_str()?;
    let eco = match name {
        "package.json" | "package-lock.json" | "npm-shrinkwrap.json" | "pnpm-lock.yaml" | "yarn.lock" => Ecosystem::Npm,
        "pyproject.toml" | "uv.lock" | "poetry.lock" | "Pipfile" | "Pipfile.lock" | "pdm.lock" => Ecosystem::Pypi,
        "pom.xml" | "build.gradle" | "build.gradle.kts" | "settings.gradle" | "settings.gradle.kts" => Ecosystem::Maven,
        _ => LockfileKind::of_path(path)?.ecosystem(),
    };
    Some(eco)
}

/// What `init` reads besides the project: the environment and the home folder.
struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    fn get(&self, k: &str) -> Option<String> {
        self.vars.get(k).filter(|v| !v.is_empty()).cloned()
    }

    fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }
}

/// Read a configuration file if it is there; a file that cannot be read is a note.
fn read_optional(path: &Path, notes: &mut Vec<String>) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => None,
        Err(e) => {
            notes.push(format!("cannot read {}: {e}", path.display()));
            None
        }
    }
}

fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Everything `init` found: per ecosystem, the files and the registries; and notes.
struct Detected {
    found: BTreeMap<Ecosystem, Found>,
    /// Registries configured for an ecosystem the project does not use (not written).
    unused: Vec<(Ecosystem, FoundRegistry)>,
    notes: Vec<String>,
}

fn detect(root: &Path, env: &Env) -> Result<Detected, CommandError> {
    let files =
        find_files(root, &|p: &Path| marker(p).is_some()).map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let mut notes = Vec::new();
    let mut project_files: BTreeMap<Ecosystem, Vec<PathBuf>> = BTreeMap::new();
    for f in files {
        if let Some(eco) = marker(&f) {
            project_files.entry(eco).or_default().push(f);
        }
    }
    let mut registries: BTreeMap<Ecosystem, Vec<FoundRegistry>> = BTreeMap::new();
    let npm_dirs: BTreeSet<PathBuf> = project_files
        .get(&Ecosystem::Npm)
        .into_iter()
        .flatten()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    registries.insert(Ecosystem::Npm, npm_registries(root, &npm_dirs, env, &mut notes));
    registries.insert(
        Ecosystem::Pypi,
        pypi_registries(root, project_files.get(&Ecosystem::Pypi).map_or(&[], Vec::as_slice), env, &mut notes),
    );
    registries.insert(
        Ecosystem::Maven,
        maven_registries(root, project_files.get(&Ecosystem::Maven).map_or(&[], Vec::as_slice), env, &mut notes),
    );
    let mut found = BTreeMap::new();
    let mut unused = Vec::new();
    for (eco, regs) in registries {
        match project_files.get(&eco) {
            Some(files) => {
                let files = files.iter().map(|f| shown(root, f)).collect();
                found.insert(eco, Found { files, registries: regs });
            }
            None => unused.extend(regs.into_iter().map(|r| (eco, r))),
        }
    }
    Ok(Detected { found, unused, notes })
}

fn npm_registries(root: &Path, npm_dirs: &BTreeSet<PathBuf>, env: &Env, notes: &mut Vec<String>) -> Vec<FoundRegistry> {
    let lookup = |k: &str| env.get(k);
    let mut rc = Npmrc::default();
    let user = env
        .get("NPM_CONFIG_USERCONFIG")
        .or_else(|| env.get("npm_config_userconfig"))
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".npmrc")));
    let mut files: Vec<(PathBuf, String)> = user.into_iter().map(|p| (p.clone(), p.display().to_string())).collect();
    let mut dirs: Vec<&PathBuf> = npm_dirs.iter().collect();
    dirs.sort_by_key(|d| (d.as_path() != root, d.components().count()));
    for d in dirs {
        let p = d.join(".npmrc");
        let label = shown(root, &p);
        files.push((p, label));
    }
    let mut seen = BTreeSet::new();
    for (path, label) in files {
        if !seen.insert(path.clone()) {
            continue;
        }
        if let Some(text) = read_optional(&path, notes) {
            rc.merge(parse_npmrc(&text, &label, &lookup));
        }
    }
    // npm's environment layer: npm_config_registry, npm_config_@scope:registry.
    let mut from_env = String::new();
    for (k, v) in &env.vars {
        let lower = k.to_ascii_lowercase();
        if let Some(key) = lower.strip_prefix("npm_config_")
            && (key == "registry" || key.ends_with(":registry"))
        {
            let _ = writeln!(from_env, "{key}={v}");
        }
    }
    rc.merge(parse_npmrc(&from_env, "the environment (npm_config_*)", &lookup));
    rc.registries()
}

fn pypi_registries(root: &Path, files: &[PathBuf], env: &Env, notes: &mut Vec<String>) -> Vec<FoundRegistry> {
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let label = shown(root, f);
        let parse: fn(&str, &str) -> Vec<FoundRegistry> = match (name, LockfileKind::of_path(f)) {
            ("pyproject.toml", _) => pyproject_indexes,
            ("Pipfile", _) => pipfile_indexes,
            (_, Some(LockfileKind::Requirements)) => requirements_indexes,
            _ => continue,
        };
        if let Some(text) = read_optional(f, notes) {
            out.extend(parse(&text, &label));
        }
    }
    let lookup = |k: &str| env.get(k);
    out.extend(uv_env_indexes(&lookup));
    // pip: global, user and site files, then PIP_CONFIG_FILE, then the environment; a later
    // value replaces an earlier one. PIP_CONFIG_FILE=/dev/null turns the files off.
    let mut layers: Vec<PathBuf> = Vec::new();
    let config_file = env.get("PIP_CONFIG_FILE");
    if config_file.as_deref() != Some("/dev/null") {
        let xdg_dirs = env.get("XDG_CONFIG_DIRS").unwrap_or_else(|| "/etc/xdg".into());
        layers.extend(xdg_dirs.split(':').filter(|d| !d.is_empty()).map(|d| Path::new(d).join("pip/pip.conf")));
        layers.push(PathBuf::from("/etc/pip.conf"));
        if let Some(home) = env.home() {
            layers.push(home.join(".pip/pip.conf"));
        }
        let config_home =
            env.get("XDG_CONFIG_HOME").map(PathBuf::from).or_else(|| env.home().map(|h| h.join(".config")));
        layers.extend(config_home.map(|c| c.join("pip/pip.conf")));
        layers.extend(env.get("VIRTUAL_ENV").map(|v| Path::new(&v).join("pip.conf")));
        layers.extend(config_file.map(PathBuf::from));
    }
    let mut index: Option<(String, String)> = None;
    let mut extra: Option<(Vec<String>, String)> = None;
    for path in layers {
        let Some(text) = read_optional(&path, notes) else { continue };
        let conf = parse_pip_conf(&text);
        let origin = path.display().to_string();
        if let Some(u) = conf.index_url {
            index = Some((u, origin.clone()));
        }
        if let Some(e) = conf.extra_index_urls {
            extra = Some((e, origin));
        }
    }
    if let Some(u) = env.get("PIP_INDEX_URL") {
        index = Some((u, "the environment variable PIP_INDEX_URL".into()));
    }
    if let Some(e) = env.get("PIP_EXTRA_INDEX_URL") {
        extra = Some((
            e.split_whitespace().map(str::to_string).collect(),
            "the environment variable PIP_EXTRA_INDEX_URL".into(),
        ));
    }
    if let Some((u, origin)) = index {
        out.push(FoundRegistry::new(&u, format!("index-url in {origin}")));
    }
    for (urls, origin) in extra.iter().map(|(u, o)| (u, o)) {
        out.extend(urls.iter().map(|u| FoundRegistry::new(u, format!("extra-index-url in {origin}"))));
    }
    out
}

/// `-s FILE` / `--settings FILE` in `.mvn/maven.config`.
fn maven_config_settings(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-s" || w == "--settings" {
            return words.next().map(str::to_string);
        }
        if let Some(v) = w.strip_prefix("--settings=").or_else(|| w.strip_prefix("-s=")) {
            return Some(v.to_string());
        }
    }
    None
}

fn maven_registries(root: &Path, files: &[PathBuf], env: &Env, notes: &mut Vec<String>) -> Vec<FoundRegistry> {
    let mut out = Vec::new();
    let mut settings: Vec<PathBuf> = Vec::new();
    if let Some(text) = read_optional(&root.join(".mvn/maven.config"), notes)
        && let Some(s) = maven_config_settings(&text)
    {
        settings.push(root.join(s));
    }
    settings.push(root.join(".mvn/settings.xml"));
    settings.extend(env.home().map(|h| h.join(".m2/settings.xml")));
    let mut seen = BTreeSet::new();
    for path in settings {
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some(text) = read_optional(&path, notes) else { continue };
        match settings_repositories(&text, &shown(root, &path)) {
            Ok(r) => out.extend(r),
            Err(e) => notes.push(format!("{e} (its repositories are not used)")),
        }
    }
    for f in files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let label = shown(root, f);
        if name == "pom.xml" {
            let Some(text) = read_optional(f, notes) else { continue };
            match pom_repositories(&text, &label) {
                Ok(r) => out.extend(r),
                Err(e) => notes.push(format!("{e} (its repositories are not used)")),
            }
        } else if (name.starts_with("build.gradle") || name.starts_with("settings.gradle"))
            && let Some(text) = read_optional(f, notes)
        {
            out.extend(gradle_repositories(&text, &label));
        }
    }
    out
}

/// At most `n` items, then how many more.
fn some_of(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        let _ = write!(s, " and {} more", items.len() - n);
    }
    s
}

fn print_summary(path: &Path, d: &Detected, s: &Starter, cfg: &Config) {
    eprintln!("depgate init found:");
    for eco in [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven] {
        match (d.found.get(&eco), s.chains.get(&eco)) {
            (Some(f), Some(chain)) => {
                eprintln!("  {:<13}{}", ecosystem_title(eco), some_of(&f.files, 5));
                let names: Vec<String> = chain
                    .iter()
                    .enumerate()
                    .map(|(i, p)| format!("{} ({}{})", p.name, p.tier, if i > 0 { ", fallback" } else { "" }))
                    .collect();
                eprintln!("  {:<13}chain: {}", "", names.join(" → "));
                for p in chain.iter().filter(|p| !p.origins.is_empty()) {
                    eprintln!("  {:<13}{} {} from {}", "", p.name, p.url, p.origins.join("; "));
                }
            }
            _ => eprintln!("  {:<13}nothing found (no chain written)", ecosystem_title(eco)),
        }
    }
    for (eco, r) in &d.unused {
        eprintln!(
            "note: {} {} from {}: no {} project files here, not written",
            ecosystem_title(*eco),
            r.url,
            r.origin,
            ecosystem_title(*eco)
        );
    }
    for n in d.notes.iter().chain(&s.skipped) {
        eprintln!("note: skipped {n}");
    }
    eprintln!("wrote {}", path.display());
    if !s.env.is_empty() {
        eprintln!("set these before `depgate check` (the credentials were not copied):");
        for (var, what) in &s.env {
            eprintln!("  {var}: {what}");
        }
    }
    let days = cfg.policy.cooldown_days("public");
    if cfg.policy.cools_down("public", false) {
        eprintln!(
            "versions the public registries published less than {days} days ago wait (the cooldown: [policy] quarantine_days)"
        );
    }
}

pub(super) fn run(args: &InitArgs) -> Result<ExitStatus, CommandError> {
    let path = args.path.join("depgate.toml");
    if path.exists() && !args.force {
        return Err(CommandError::usage(format!(
            "error: {} already exists\n  help: pass --force to overwrite it",
            path.display()
        )));
    }
    if !args.path.is_dir() {
        return Err(CommandError::usage(format!(
            "error: {} is not a folder\n  help: name the project folder to write depgate.toml into",
            args.path.display()
        )));
    }
    let env = Env { vars: std::env::vars().collect() };
    let detected = detect(&args.path, &env)?;
    let starter = render(&detected.found);
    // Never write a file `check` would refuse.
    let cfg = Config::parse(&starter.text, &path).map_err(|e| {
        CommandError::failure(format!(
            "error: depgate init made a configuration it cannot read (a bug: please report it)\n{e}"
        ))
    })?;
    crate::atomic::write_atomic(&path, starter.text.as_bytes())
        .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", path.display())))?;
    print_summary(&path, &detected, &starter, &cfg);
    let gated: Vec<Ecosystem> = detected.found.keys().copied().collect();
    super::init_tools::cooldowns(&args.path, &cfg, &gated, &|k: &str| env.get(k), !args.no_tool_settings);
    Ok(ExitStatus::Allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_maven_config() {
        assert_eq!(marker(Path::new("a/requirements-dev.txt")), Some(Ecosystem::Pypi));
        assert_eq!(marker(Path::new("pdm.lock")), Some(Ecosystem::Pypi));
        assert_eq!(marker(Path::new("app/build.gradle.kts")), Some(Ecosystem::Maven));
        assert_eq!(marker(Path::new("gradle/dependency-locks/compile.lockfile")), Some(Ecosystem::Maven));
        assert_eq!(marker(Path::new("yarn.lock")), Some(Ecosystem::Npm));
        assert_eq!(marker(Path::new("README.md")), None);
        assert_eq!(maven_config_settings("-B\n-s .mvn/ci-settings.xml\n").as_deref(), Some(".mvn/ci-settings.xml"));
        assert_eq!(maven_config_settings("--settings=x.xml").as_deref(), Some("x.xml"));
        assert_eq!(maven_config_settings("-B -U"), None);
    }
}
