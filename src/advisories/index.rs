//! depgate's index of an `all.zip` export: the export's records, reduced to what matching
//! needs and grouped by package, behind a table of packages. Built the first time an
//! export is read (one full parse), it lets every later run read only the records of the
//! packages it asks about: a few hundred thousand records cost a table read, not a parse.
//!
//! One file per export, named after the export's folder, size and modification time (a
//! re-synced export gets a new one; stale ones are removed when a new one is written).
//! `depgate advisories sync` builds it, so the first run after a sync is already fast:
//!
//! ```text
//! depgate-advisory-index/1\n
//! {"size", "mtime_ns", "digest", "records": {eco: n}, "packages": K}\n
//! K lines: <ecosystem>\t<key name>\t<offset>\t<length>\n
//! the records: per package, a JSON array of reduced records at <offset> (from here)
//! ```
//!
//! Anything wrong with an index (unreadable, another version, cut short) is not an error:
//! the export is parsed again and the index rewritten.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::database::SourceInfo;
use super::matching;
use super::osv::Record;
use super::store::{StoreError, Wanted, export_fetched_at, read_zip};
use crate::ecosystem::Ecosystem;

const MAGIC: &str = "depgate-advisory-index/1";

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    size: u64,
    mtime_ns: i128,
    /// `sha256:<hex>` of the export.
    digest: String,
    records: BTreeMap<String, usize>,
    packages: usize,
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
}

/// The index file of the export at `zip`: named after its folder (so an export checked
/// as `all.zip.new` and renamed into place keeps its index), size and modification time.
fn index_path(dir: &Path, zip: &Path, meta: &std::fs::Metadata) -> PathBuf {
    let abs = std::path::absolute(zip).unwrap_or_else(|_| zip.to_path_buf());
    let folder = abs.parent().unwrap_or(&abs);
    let name = hex::encode(&Sha256::digest(folder.to_string_lossy().as_bytes())[..12]);
    dir.join(format!("{name}-{}-{}.idx", meta.len(), mtime_ns(meta)))
}

fn eco_tag(eco: Ecosystem) -> &'static str {
    matching::osv_ecosystem(eco)
}

/// Read an export through its index (building the index when there is none).
pub(super) fn read_zip_indexed(
    zip: &Path,
    dir: &Path,
    wanted: Option<&Wanted>,
) -> Result<(Vec<Record>, SourceInfo), StoreError> {
    let meta = std::fs::metadata(zip).map_err(|e| StoreError(format!("advisory database {}: {e}", zip.display())))?;
    let path = index_path(dir, zip, &meta);
    if let Some(read) = read_index(&path, &meta, wanted) {
        let (records, header) = read;
        let hex = header.digest.trim_start_matches("sha256:").to_string();
        let info = SourceInfo {
            location: zip.display().to_string(),
            kind: "zip",
            fetched_at: export_fetched_at(zip, &hex, &meta),
            digest: header.digest,
            records: header.records,
        };
        return Ok((records, info));
    }
    let started = std::time::Instant::now();
    let (records, info) = read_zip(zip)?;
    let parsed = started.elapsed();
    if let Err(e) = write_index(dir, &path, &meta, &records, &info) {
        tracing::warn!("could not write the advisory index {}: {e}", path.display());
    }
    tracing::debug!(
        "{}: {} records parsed in {:.0} ms, indexed in {:.0} ms",
        zip.display(),
        records.len(),
        parsed.as_secs_f64() * 1000.0,
        started.elapsed().saturating_sub(parsed).as_secs_f64() * 1000.0
    );
    let records = match wanted {
        Some(w) => records.into_iter().filter(|r| keys_of(r).iter().any(|k| w.contains(k))).collect(),
        None => records,
    };
    Ok((records, info))
}

/// The packages a record is filed under.
fn keys_of(r: &Record) -> Vec<(Ecosystem, String)> {
    let mut keys: Vec<(Ecosystem, String)> = r
        .affected
        .iter()
        .filter_map(|a| matching::ecosystem_of(&a.ecosystem).map(|e| (e, matching::key_name(e, &a.name))))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn write_index(
    dir: &Path,
    path: &Path,
    meta: &std::fs::Metadata,
    records: &[Record],
    info: &SourceInfo,
) -> std::io::Result<()> {
    let mut by_key: BTreeMap<(Ecosystem, String), Vec<&Record>> = BTreeMap::new();
    for r in records {
        for k in keys_of(r) {
            by_key.entry(k).or_default().push(r);
        }
    }
    let mut table = String::new();
    let mut blob = Vec::new();
    for ((eco, name), list) in &by_key {
        let at = blob.len();
        serde_json::to_writer(&mut blob, list).map_err(std::io::Error::other)?;
        let _ = writeln!(table, "{}\t{name}\t{at}\t{}", eco_tag(*eco), blob.len() - at);
    }
    let header = Header {
        size: meta.len(),
        mtime_ns: mtime_ns(meta),
        digest: info.digest.clone(),
        records: info.records.clone(),
        packages: by_key.len(),
    };
    let mut out = Vec::with_capacity(table.len() + blob.len() + 256);
    out.extend_from_slice(MAGIC.as_bytes());
    out.push(b'\n');
    serde_json::to_writer(&mut out, &header).map_err(std::io::Error::other)?;
    out.push(b'\n');
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(&blob);
    std::fs::create_dir_all(dir)?;
    // Indexes of earlier versions of the same export are of no more use.
    if let Some(prefix) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.split('-').next())
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(prefix) && name.ends_with(".idx") && e.path() != path {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    crate::atomic::write_atomic(path, &out)
}

fn read_index(path: &Path, meta: &std::fs::Metadata, wanted: Option<&Wanted>) -> Option<(Vec<Record>, Header)> {
    let file = std::fs::File::open(path).ok()?;
    let total = file.metadata().ok()?.len();
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    if line.trim_end() != MAGIC {
        return None;
    }
    let mut consumed = line.len() as u64;
    line.clear();
    r.read_line(&mut line).ok()?;
    consumed += line.len() as u64;
    let header: Header = serde_json::from_str(line.trim_end()).ok()?;
    if header.size != meta.len() || header.mtime_ns != mtime_ns(meta) {
        return None;
    }
    let mut slices: Vec<(u64, u64)> = Vec::new();
    for _ in 0..header.packages {
        line.clear();
        let n = r.read_line(&mut line).ok()?;
        if n == 0 {
            return None;
        }
        consumed += n as u64;
        let mut parts = line.trim_end_matches('\n').split('\t');
        let (eco, name, at, len) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let take = match wanted {
            None => true,
            Some(w) => matching::ecosystem_of(eco).is_some_and(|e| w.contains(&(e, name.to_string()))),
        };
        if take {
            slices.push((at.parse().ok()?, len.parse().ok()?));
        }
    }
    let blob_start = consumed;
    let mut records = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut buf = Vec::new();
    slices.sort_unstable();
    for (at, len) in slices {
        if blob_start + at + len > total {
            return None;
        }
        r.seek(SeekFrom::Start(blob_start + at)).ok()?;
        buf.resize(usize::try_from(len).ok()?, 0);
        r.read_exact(&mut buf).ok()?;
        let list: Vec<Record> = serde_json::from_slice(&buf).ok()?;
        // A record naming two packages is filed under both: kept once.
        records.extend(list.into_iter().filter(|rec| seen.insert(rec.id.clone())));
    }
    Some((records, header))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::store::{LoadOptions, load};

    fn export(dir: &Path, records: &[&str]) -> PathBuf {
        let path = dir.join("npm").join("all.zip");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (i, r) in records.iter().enumerate() {
            w.start_file(format!("R{i}.json"), zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, r.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        path
    }

    #[test]
    fn the_index_reads_only_wanted_packages_and_the_same_records_as_a_parse() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = export(
            tmp.path(),
            &[
                r#"{"id":"A","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}"#,
                r#"{"id":"AB","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["2.0.0"]},{"package":{"ecosystem":"npm","name":"b"},"versions":["1.0.0"]}]}"#,
                r#"{"id":"C","affected":[{"package":{"ecosystem":"npm","name":"c"},"versions":["1.0.0"]}]}"#,
            ],
        );
        let idx = tmp.path().join("idx");
        let wanted: Wanted = [(Ecosystem::Npm, "a".to_string())].into_iter().collect();
        let opts = LoadOptions { index_dir: Some(&idx), wanted: Some(&wanted) };
        let parsed = load(std::slice::from_ref(&zip), opts).unwrap();
        assert_eq!(std::fs::read_dir(&idx).unwrap().count(), 1, "the first read writes the index");
        let indexed = load(std::slice::from_ref(&zip), opts).unwrap();
        assert_eq!(indexed.len(), 2, "only a's records (A, AB)");
        assert_eq!(parsed.len(), 2);
        assert_eq!(indexed.sources[0].records["npm"], 3, "counts are the export's");
        assert_eq!(indexed.digest(), parsed.digest());
        assert_eq!(indexed.advisories(Ecosystem::Npm, "a", "2.0.0")[0].id, "AB");
        let all = load(std::slice::from_ref(&zip), LoadOptions { index_dir: Some(&idx), wanted: None }).unwrap();
        assert_eq!(all.len(), 3, "AB is filed twice and read once");
        // A broken index is rebuilt, not an error.
        let file = std::fs::read_dir(&idx).unwrap().next().unwrap().unwrap().path();
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 5]).unwrap();
        assert_eq!(load(std::slice::from_ref(&zip), opts).unwrap().len(), 2);
    }
}
