//! Finding and reading lockfiles: walk a project folder (or take named files), read each,
//! hand the text to the matching pure parser in `ecosystem/`.

use std::path::{Path, PathBuf};

use crate::ecosystem::npm::{parse_package_lock, parse_pnpm_lock, parse_yarn_lock_with_manifest};
use crate::ecosystem::{Coordinate, LockfileError};

/// Lockfile kinds depgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockfileKind {
    NpmShrinkwrap,
    PackageLock,
    PnpmLock,
    YarnLock,
}

impl LockfileKind {
    /// The kind a file name denotes, if any.
    pub fn from_file_name(name: &str) -> Option<Self> {
        Some(match name {
            "npm-shrinkwrap.json" => LockfileKind::NpmShrinkwrap,
            "package-lock.json" => LockfileKind::PackageLock,
            "pnpm-lock.yaml" => LockfileKind::PnpmLock,
            "yarn.lock" => LockfileKind::YarnLock,
            _ => return None,
        })
    }
}

/// Folders never searched: installed trees, VCS data, build output.
const SKIP_DIRS: &[&str] = &["node_modules", ".git", "target", ".yarn", ".pnpm-store", "depgate-report", ".depgate"];
const MAX_DEPTH: usize = 8;

/// Why lockfiles could not be gathered.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}\n  help: check the path and its permissions")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "no lockfile found under {0}\n  help: run depgate in the project folder, name one with --lockfile, or create one (npm install --package-lock-only)"
    )]
    NoneFound(PathBuf),
    #[error(
        "{0}: not a lockfile depgate reads\n  help: depgate reads package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml and yarn.lock"
    )]
    UnknownKind(PathBuf),
    #[error(transparent)]
    Parse(#[from] LockfileError),
}

/// The lockfiles under `root`. Where one folder has both `npm-shrinkwrap.json` and
/// `package-lock.json`, npm uses the shrinkwrap, and so does depgate.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut found = Vec::new();
    walk(root, 0, &mut found)?;
    found.sort();
    if found.is_empty() {
        return Err(InputError::NoneFound(root.to_path_buf()));
    }
    Ok(found)
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir).map_err(|source| InputError::Io { path: dir.to_path_buf(), source })?;
    let mut here = Vec::new();
    let mut subdirs = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                subdirs.push(e.path());
            }
        } else if ft.is_file() && LockfileKind::from_file_name(&name).is_some() {
            here.push(e.path());
        }
    }
    let has_shrinkwrap = here.iter().any(|p| p.file_name().is_some_and(|n| n == "npm-shrinkwrap.json"));
    found.extend(
        here.into_iter().filter(|p| !(has_shrinkwrap && p.file_name().is_some_and(|n| n == "package-lock.json"))),
    );
    for d in subdirs {
        walk(&d, depth + 1, found)?;
    }
    Ok(())
}

/// Read and parse one lockfile.
pub fn read(path: &Path) -> Result<Vec<Coordinate>, InputError> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let kind = LockfileKind::from_file_name(&name).ok_or_else(|| InputError::UnknownKind(path.to_path_buf()))?;
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    let coords = match kind {
        LockfileKind::NpmShrinkwrap | LockfileKind::PackageLock => parse_package_lock(&text, path)?,
        LockfileKind::PnpmLock => parse_pnpm_lock(&text, path)?,
        LockfileKind::YarnLock => {
            // yarn.lock alone cannot tell direct from transitive or dev from prod; the
            // manifest next to it can.
            let manifest = path.parent().map(|d| d.join("package.json"));
            let manifest_text = manifest.and_then(|m| std::fs::read_to_string(m).ok());
            parse_yarn_lock_with_manifest(&text, path, manifest_text.as_deref())?
        }
    };
    Ok(coords)
}

/// Gather coordinates from named lockfiles, or from every lockfile under `root`.
pub fn gather(root: &Path, named: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<Coordinate>), InputError> {
    let files = if named.is_empty() { discover(root)? } else { named.to_vec() };
    let mut all = Vec::new();
    for f in &files {
        all.extend(read(f)?);
    }
    Ok((files, all))
}
