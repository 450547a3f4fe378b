//! Reading advisory databases from disk: a folder of OSV records (JSON or YAML, any
//! depth: a clone of an advisory repository or an organisation's own), osv.dev's
//! per-ecosystem exports (`<Ecosystem>/all.zip`), and the folders that hold them
//! (depgate's sync cache, osv-scanner's offline cache with `osv-scanner/` or
//! `osv-scalibr/` in between). Records are parsed on every core.
//!
//! The age of a source is the time its data was fetched: the sync time `depgate
//! advisories sync` recorded in `depgate-sync.json` beside the exports, else the files'
//! modification time (a folder: its newest file).

use std::collections::{BTreeMap, HashSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use super::database::{Database, SourceInfo};
use super::osv::{self, Record};
use crate::ecosystem::Ecosystem;

/// The sync metadata file beside the exports.
pub const SYNC_FILE: &str = "depgate-sync.json";

/// The OSV ecosystems depgate gates, as osv.dev names their export folders.
pub const ECOSYSTEMS: [&str; 3] = ["npm", "PyPI", "Maven"];

/// What `depgate advisories sync` recorded about one export.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SyncedExport {
    pub url: String,
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub fetched_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    pub bytes: u64,
}

/// `depgate-sync.json`: ecosystem → what was fetched.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SyncFile {
    pub exports: BTreeMap<String, SyncedExport>,
}

impl SyncFile {
    pub fn read(dir: &Path) -> Option<SyncFile> {
        let text = std::fs::read(dir.join(SYNC_FILE)).ok()?;
        serde_json::from_slice(&text).ok()
    }
}

/// Why a database could not be read: names the file and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// One input found at a configured path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    Zip(PathBuf),
    Folder(PathBuf),
}

/// The inputs a path holds: a zip, export folders (`<Ecosystem>/all.zip` directly or
/// under `osv-scanner/` / `osv-scalibr/`), else a folder of records.
fn inputs(path: &Path) -> Result<Vec<Input>, StoreError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        StoreError(format!(
            "advisory database {}: {e}\n  help: run `depgate advisories sync`, or point [advisories] paths / --advisories-db at a folder of OSV records or an all.zip",
            path.display()
        ))
    })?;
    if meta.is_file() {
        return Ok(vec![Input::Zip(path.to_path_buf())]);
    }
    for base in [path.to_path_buf(), path.join("osv-scalibr"), path.join("osv-scanner")] {
        let zips: Vec<Input> =
            ECOSYSTEMS.iter().map(|e| base.join(e).join("all.zip")).filter(|z| z.is_file()).map(Input::Zip).collect();
        if !zips.is_empty() {
            return Ok(zips);
        }
    }
    Ok(vec![Input::Folder(path.to_path_buf())])
}

pub(super) fn mtime(meta: &std::fs::Metadata) -> Option<OffsetDateTime> {
    meta.modified().ok().map(OffsetDateTime::from)
}

/// The packages a run asks about, as records are filed: `(ecosystem, key name)` (see
/// [`super::matching::key_name`]). `None` where every record is wanted (the proxy).
pub type Wanted = HashSet<(Ecosystem, String)>;

/// How to read a database.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// Where indexes of `all.zip` exports are kept (`<cache>/advisories/index`): an
    /// export is parsed once, later runs read only the records of the packages they ask
    /// about. `None`: parse the exports every time.
    pub index_dir: Option<&'a Path>,
    /// Only the records of these packages are needed.
    pub wanted: Option<&'a Wanted>,
}

/// Read every configured path into one database.
pub fn load(paths: &[PathBuf], opts: LoadOptions<'_>) -> Result<Database, StoreError> {
    let mut records = Vec::new();
    let mut sources = Vec::new();
    for path in paths {
        for input in inputs(path)? {
            let at = sources.len();
            let (found, info) = match &input {
                Input::Zip(z) => match opts.index_dir {
                    Some(dir) => super::index::read_zip_indexed(z, dir, opts.wanted)?,
                    None => read_zip(z)?,
                },
                Input::Folder(d) => read_folder(d)?,
            };
            records.extend(found.into_iter().map(|r| (r, at)));
            sources.push(info);
        }
    }
    Ok(Database::new(records, sources))
}

/// When the export at `path` was fetched: the sync time when `depgate advisories sync`
/// fetched exactly these bytes (`digest`, hex), else the file's modification time.
pub(super) fn export_fetched_at(path: &Path, digest: &str, meta: &std::fs::Metadata) -> Option<OffsetDateTime> {
    let synced = path.parent().and_then(Path::parent).and_then(SyncFile::read).and_then(|s| {
        let eco = path.parent()?.file_name()?.to_str()?.to_string();
        s.exports.get(&eco).filter(|x| x.sha256 == digest).map(|x| x.fetched_at)
    });
    synced.or_else(|| mtime(meta))
}

/// Parse every record of an export (one JSON record per entry), on every core.
pub(super) fn read_zip(path: &Path) -> Result<(Vec<Record>, SourceInfo), StoreError> {
    let bad = |m: String| StoreError(format!("advisory database {}: {m}", path.display()));
    let started = std::time::Instant::now();
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let digest = hex::encode(Sha256::digest(&bytes));
    tracing::debug!("{}: read and hashed in {:.0} ms", path.display(), started.elapsed().as_secs_f64() * 1000.0);
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice()))
        .map_err(|e| bad(format!("not a readable zip: {e}\n  help: fetch it again (`depgate advisories sync`)")))?;
    let count = archive.len();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let parts: Vec<Result<Vec<Record>, StoreError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let mut archive = archive.clone();
                s.spawn(move || {
                    let mut out = Vec::new();
                    let mut buf = Vec::new();
                    for i in (t..count).step_by(threads) {
                        let mut entry = archive.by_index(i).map_err(|e| bad(format!("entry {i}: {e}")))?;
                        let name = entry.name_raw().to_vec();
                        let name = String::from_utf8_lossy(&name).into_owned();
                        if entry.is_dir()
                            || !Path::new(&name).extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
                        {
                            continue;
                        }
                        buf.clear();
                        entry.read_to_end(&mut buf).map_err(|e| bad(format!("{name}: {e}")))?;
                        out.push(osv::parse_json(&buf).map_err(|e| bad(format!("{name}: {e}")))?);
                    }
                    Ok(out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(bad("reading it failed".into())))).collect()
    });
    let mut records = Vec::with_capacity(count);
    for p in parts {
        records.extend(p?);
    }
    let info = SourceInfo {
        location: path.display().to_string(),
        kind: "zip",
        fetched_at: export_fetched_at(path, &digest, &meta),
        digest: format!("sha256:{digest}"),
        records: super::database::count_by_ecosystem(&records),
    };
    Ok((records, info))
}

fn read_folder(dir: &Path) -> Result<(Vec<Record>, SourceInfo), StoreError> {
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| StoreError(format!("advisory database {}: {e}", dir.display())))?;
    files.sort();
    let mut records = Vec::with_capacity(files.len());
    let mut digest = Sha256::new();
    let mut newest: Option<OffsetDateTime> = None;
    for f in &files {
        let bad = |m: String| {
            StoreError(format!(
                "advisory record {}: {m}\n  help: fix or remove the file; a database folder holds OSV records only",
                f.display()
            ))
        };
        let bytes = std::fs::read(f).map_err(|e| bad(e.to_string()))?;
        let rel = f.strip_prefix(dir).unwrap_or(f);
        digest.update(rel.to_string_lossy().as_bytes());
        digest.update([0]);
        digest.update(Sha256::digest(&bytes));
        if let Some(t) = std::fs::metadata(f).ok().as_ref().and_then(mtime) {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
        let is_json = f.extension().is_some_and(|e| e == "json");
        let record = if is_json {
            osv::parse_json(&bytes)
        } else {
            let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8".into()))?;
            osv::parse_yaml(&text)
        };
        records.push(record.map_err(|e| bad(e.to_string()))?);
    }
    if records.is_empty() {
        return Err(StoreError(format!(
            "advisory database {}: holds no OSV records (*.json, *.yaml) and no <Ecosystem>/all.zip\n  help: run `depgate advisories sync`, or point at a folder of OSV records",
            dir.display()
        )));
    }
    let info = SourceInfo {
        location: dir.display().to_string(),
        kind: "folder",
        digest: format!("sha256:{}", hex::encode(digest.finalize())),
        fetched_at: newest,
        records: super::database::count_by_ecosystem(&records),
    };
    Ok((records, info))
}

/// Every `*.json`, `*.yaml`, `*.yml` under `dir`, skipping hidden folders (`.git`).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file()
            && path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
            && name != SYNC_FILE
        {
            out.push(path);
        }
    }
    Ok(())
}
