//! Where the settings are: the project's own files (the package managers' and bots'
//! configuration at the project root), pip's configuration files (pip has no project
//! file: global, user, site and `PIP_CONFIG_FILE`, as `depgate init` reads them) and
//! `PIP_UPLOADED_PRIOR_TO`. The one part of [`super`] that reads files and the
//! environment; the readers stay pure.

use std::path::{Path, PathBuf};

use super::{FileKind, PROJECT_FILES, RENOVATE_FILES, Read, Spell, Tool, python};

/// Larger configuration files are refused (no tool's comes close).
const MAX_BYTES: u64 = 1 << 20;

fn read_file(path: &Path, shown: &str, tool: Tool, out: &mut Read) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return None,
        Ok(m) if m.len() > MAX_BYTES => {
            out.problem(tool, shown, 0, format!("larger than {MAX_BYTES} bytes; not read"));
            return None;
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            out.problem(tool, shown, 0, format!("cannot be read: {e}"));
            return None;
        }
    }
    match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) => {
            out.problem(tool, shown, 0, format!("cannot be read: {e}"));
            None
        }
    }
}

fn tool_of(kind: FileKind) -> Tool {
    match kind {
        FileKind::Npmrc => Tool::Npm,
        FileKind::PnpmWorkspace => Tool::Pnpm,
        FileKind::Yarnrc => Tool::Yarn,
        FileKind::Bunfig => Tool::Bun,
        FileKind::Pyproject | FileKind::UvToml => Tool::Uv,
        FileKind::PipConf => Tool::Pip,
        FileKind::Renovate => Tool::Renovate,
        FileKind::Dependabot => Tool::Dependabot,
    }
}

/// pip's configuration files, in the order pip reads them (a later one wins); none when
/// `PIP_CONFIG_FILE` is the null device.
pub fn pip_files(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let config_file = env("PIP_CONFIG_FILE");
    if config_file.as_deref() == Some("/dev/null") {
        return Vec::new();
    }
    let home = env("HOME").map(PathBuf::from);
    let mut layers: Vec<PathBuf> = Vec::new();
    let xdg_dirs = env("XDG_CONFIG_DIRS").unwrap_or_else(|| "/etc/xdg".into());
    layers.extend(xdg_dirs.split(':').filter(|d| !d.is_empty()).map(|d| Path::new(d).join("pip/pip.conf")));
    layers.push(PathBuf::from("/etc/pip.conf"));
    layers.extend(home.as_ref().map(|h| h.join(".pip/pip.conf")));
    let config_home = env("XDG_CONFIG_HOME").map(PathBuf::from).or_else(|| home.map(|h| h.join(".config")));
    layers.extend(config_home.map(|c| c.join("pip/pip.conf")));
    layers.extend(env("VIRTUAL_ENV").map(|v| Path::new(&v).join("pip.conf")));
    layers.extend(config_file.map(PathBuf::from));
    layers
}

/// Every release-age setting of the project at `root`, at `now` (Unix seconds).
pub fn project(root: &Path, now: i64, env: &dyn Fn(&str) -> Option<String>) -> Read {
    let mut out = Read::default();
    for &(rel, kind) in PROJECT_FILES {
        if let Some(text) = read_file(&root.join(rel), rel, tool_of(kind), &mut out) {
            out.extend(super::read(kind, rel, &text, now));
        }
    }
    // Renovate reads the first of its files it finds; another one is dead configuration.
    let mut renovate: Option<&str> = None;
    for &rel in RENOVATE_FILES {
        if !root.join(rel).is_file() {
            continue;
        }
        if let Some(first) = renovate {
            out.problem(
                Tool::Renovate,
                rel,
                0,
                format!("Renovate reads only {first}, the first of its files it finds; this one is not used"),
            );
            continue;
        }
        renovate = Some(rel);
        if let Some(text) = read_file(&root.join(rel), rel, Tool::Renovate, &mut out) {
            out.extend(super::read(FileKind::Renovate, rel, &text, now));
        }
    }
    // What yarn 4.15+ and pnpm 11 wait when their settings are not written.
    if let Some(pj) = read_file(&root.join("package.json"), "package.json", Tool::Npm, &mut out) {
        let text = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
        let (yarnrc, workspace) = (text(".yarnrc.yml"), text("pnpm-workspace.yaml"));
        super::js::defaults("package.json", &pj, yarnrc.as_deref(), workspace.as_deref(), &mut out);
    }
    // pip: the last file that sets it wins, then the environment.
    let mut pip = Read::default();
    let abs_root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    for path in pip_files(env) {
        let abs = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
        let shown =
            abs.strip_prefix(&abs_root).map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
        if let Some(text) = read_file(&path, &shown, Tool::Pip, &mut out) {
            let r = python::pip_conf(&shown, &text, now);
            out.problems.extend(r.problems);
            if !r.settings.is_empty() {
                pip.settings = r.settings;
            }
        }
    }
    if let Some(v) = env("PIP_UPLOADED_PRIOR_TO") {
        let mut r = Read::default();
        if let Some(s) =
            python::age_setting(Tool::Pip, "environment", 0, "PIP_UPLOADED_PRIOR_TO", &v, now, Spell::Iso, &mut r)
        {
            pip.settings = vec![s];
        }
        out.problems.extend(r.problems);
    }
    out.settings.extend(pip.settings);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cooldowns::duration::DAY;

    #[test]
    fn first_renovate_file_and_pip_layers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("renovate.json"), "{\"minimumReleaseAge\": \"3 days\"}").unwrap();
        std::fs::create_dir(root.join(".github")).unwrap();
        std::fs::write(root.join(".github/renovate.json"), "{\"minimumReleaseAge\": \"9 days\"}").unwrap();
        let conf = root.join("pip.conf");
        std::fs::write(&conf, "[global]\nuploaded-prior-to = P10D\n").unwrap();
        let conf_s = conf.display().to_string();
        let with = |extra: Option<&'static str>| {
            let conf_s = conf_s.clone();
            move |k: &str| match k {
                "PIP_CONFIG_FILE" => Some(conf_s.clone()),
                "PIP_UPLOADED_PRIOR_TO" => extra.map(str::to_string),
                "HOME" => Some("/nonexistent-home".into()),
                "XDG_CONFIG_DIRS" => Some("/nonexistent-xdg".into()),
                _ => None,
            }
        };
        let r = project(root, 1_780_000_000, &with(None));
        let shown: Vec<(&str, &str, i64)> =
            r.settings.iter().map(|s| (s.tool.as_str(), s.file.as_str(), s.min_age_seconds)).collect();
        assert_eq!(shown, vec![("renovate", "renovate.json", 3 * DAY), ("pip", "pip.conf", 10 * DAY)]);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].file, ".github/renovate.json");
        assert!(r.problems[0].message.contains("reads only renovate.json"));
        // The variable wins over the files.
        let env = project(root, 1_780_000_000, &with(Some("P2D")));
        let pip: Vec<(&str, i64)> =
            env.settings.iter().filter(|s| s.tool == Tool::Pip).map(|s| (s.file.as_str(), s.min_age_seconds)).collect();
        assert_eq!(pip, vec![("environment", 2 * DAY)]);
        assert!(pip_files(&|k: &str| (k == "PIP_CONFIG_FILE").then(|| "/dev/null".to_string())).is_empty());
    }
}
