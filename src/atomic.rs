//! Atomic file writes and the clean-up after writers that were killed: a temporary file
//! beside the target, fsync, rename; a set of files staged in full before any is renamed.
//!
//! A leaf: used by the cache, the audit log, the report writer and the commands; depends
//! on nothing in depgate. Must not: know what the files mean.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
/// Readers see the old content or the new, never half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_renamed(path, bytes, true)
}

/// Replace `path` with `bytes` atomically like [`write_atomic`], keeping the permissions
/// the file had (a `.npmrc` holding a token stays owner-only); a new file gets 0644.
pub fn replace_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let keep = fs::metadata(path).ok().map(|m| m.permissions());
    staged(path, bytes, true, keep)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Like [`write_atomic`], without the fsync when `sync` is false: for cache entries, whose
/// own digest makes a torn or empty file after a power loss read as absent.
pub fn write_renamed(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    staged_temporary(path, bytes, sync)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Like [`write_renamed`] without fsync, but only when `path` does not exist yet: the
/// rename never replaces a file (another writer's whole file stays). `Ok(false)`: there
/// was one already and nothing was written.
pub fn create_renamed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    match staged_temporary(path, bytes, false)?.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

/// `bytes` in a temporary file (`.tmp-*`) in `path`'s folder, ready to be renamed to it.
fn staged_temporary(path: &Path, bytes: &[u8], sync: bool) -> io::Result<tempfile::NamedTempFile> {
    staged(path, bytes, sync, None)
}

/// [`staged_temporary`] with the permissions `keep` (set before a byte is written), or 0644.
fn staged(path: &Path, bytes: &[u8], sync: bool, keep: Option<fs::Permissions>) -> io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    // A temporary file is created owner-only; reports and cache entries are ordinary
    // files that CI steps and other users read (credentials never reach them).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file().set_permissions(keep.unwrap_or_else(|| fs::Permissions::from_mode(0o644)))?;
    }
    #[cfg(not(unix))]
    if let Some(p) = keep {
        tmp.as_file().set_permissions(p)?;
    }
    tmp.write_all(bytes)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    Ok(tmp)
}

/// Write several files so that they change together as far as a folder allows: every
/// file is first written in full to a temporary file beside its target and fsynced, and
/// only then are they renamed into place, one after another. A kill while the contents
/// are written (the part that takes time) leaves every old file; only a kill inside the
/// few renames at the end can leave a mix, and each file stays whole either way.
pub fn write_atomic_set(files: &[(PathBuf, Vec<u8>)]) -> io::Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        staged.push((staged_temporary(path, bytes, true)?, path));
    }
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| e.error)?;
    }
    Ok(())
}

/// How old a temporary file must be before [`sweep_temporaries`] takes it for one a killed
/// writer left: writers hold theirs for the milliseconds a write takes.
pub const TEMPORARY_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// Remove the temporary files (`.tmp-*`) that writers killed before their rename left in
/// `root` and the folders `depth` levels below it, when older than `grace`. Nothing reads
/// them; this only returns their space. Returns how many went.
pub fn sweep_temporaries(root: &Path, depth: usize, grace: std::time::Duration) -> usize {
    fn walk(dir: &Path, depth: usize, grace: std::time::Duration, removed: &mut usize) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && depth > 0 {
                walk(&entry.path(), depth - 1, grace, removed);
            } else if kind.is_file() && entry.file_name().to_str().is_some_and(|n| n.starts_with(".tmp-")) {
                let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                if old.is_some_and(|age| age >= grace) && fs::remove_file(entry.path()).is_ok() {
                    *removed += 1;
                }
            }
        }
    }
    let mut removed = 0;
    walk(root, depth, grace, &mut removed);
    removed
}
