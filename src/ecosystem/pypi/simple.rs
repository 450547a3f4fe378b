//! The `PyPI` simple repository API into a [`PackageIndex`]: PEP 691 JSON here, PEP 503
//! HTML in [`super::html`], and the grouping of a project's files into releases.
//!
//! Owns: the wire formats of one project page (PEP 503, 592, 629, 658, 691, 700, 714,
//! 740) and file-name → version rules for wheels and sdists. Must not: fetch anything
//! (the caller hands in the bytes and the URL they came from), nor decide anything about
//! the files.
//!
//! Grouping: each file's version comes from its file name ([`version_from_filename`]);
//! releases are keyed by the PEP 440 normal form (the raw string when a legacy version is
//! not PEP 440). Files whose name does not parse (`.egg`, `.exe`, another project's file)
//! are left out. A release is yanked only when every file of it is (PEP 592).

use std::collections::BTreeMap;

use serde_json::Value;
use url::Url;

use super::normalize_name;
use super::page::PageFile;
use super::version::Version;
use crate::ecosystem::index::{DistFile, PackageIndex, Release};

/// Parses a PEP 691 project page (`application/vnd.pypi.simple.v1+json`).
///
/// Relative file URLs are resolved against `page_url`. `meta.api-version` must have
/// major version 1 (PEP 629: a client must not read a major version it does not know).
pub fn parse_simple_json(bytes: &[u8], page_url: &Url) -> Result<PackageIndex, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a PEP 691 project page: {e}"))?;
    let Some(top) = doc.as_object() else {
        return Err("not a PEP 691 project page: the top level is not an object".into());
    };
    if let Some(v) = top.get("meta").and_then(|m| m.get("api-version")).and_then(Value::as_str)
        && v.split('.').next() != Some("1")
    {
        return Err(format!("unsupported simple API version {v}: depgate reads 1.x"));
    }
    let name = top
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| project_from_url(page_url))
        .ok_or("the page has no project `name`")?;
    let Some(files) = top.get("files").and_then(Value::as_array) else {
        return Err("not a PEP 691 project page: there is no `files` list".into());
    };
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let Some(filename) = f.get("filename").and_then(Value::as_str) else { continue };
        let Some(href) = f.get("url").and_then(Value::as_str) else { continue };
        let url = page_url.join(href).map_err(|e| format!("file `{filename}` has a bad url `{href}`: {e}"))?;
        let hashes = hash_map(f.get("hashes"));
        // PEP 714: `core-metadata` replaces `dist-info-metadata`; prefer it when present.
        let core = f.get("core-metadata").or_else(|| f.get("dist-info-metadata"));
        let page_file = PageFile {
            filename: filename.to_string(),
            url: url.to_string(),
            hashes,
            requires_python: f.get("requires-python").and_then(Value::as_str).map(str::to_string),
            yanked: match f.get("yanked") {
                Some(Value::Bool(true)) => Some(String::new()),
                Some(Value::String(reason)) => Some(reason.clone()),
                _ => None,
            },
            core_metadata: match core {
                Some(Value::Bool(true)) => Some(BTreeMap::new()),
                Some(v @ Value::Object(_)) => Some(hash_map(Some(v))),
                _ => None,
            },
            upload_time: f.get("upload-time").and_then(Value::as_str).map(str::to_string),
            provenance: f
                .get("provenance")
                .and_then(Value::as_str)
                .and_then(|p| page_url.join(p).ok())
                .map(|u| u.to_string()),
        };
        // PEP 700 `size` (api-version 1.1+): a JSON integer, bytes.
        out.push((page_file, f.get("size").and_then(Value::as_u64)));
    }
    let versions: Vec<String> = top
        .get("versions")
        .and_then(Value::as_array)
        .map(|vs| vs.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Ok(build_sized_index(name, out, &versions))
}

/// Parses a PEP 503 project page (HTML). See [`super::html`].
pub fn parse_simple_html(bytes: &[u8], page_url: &Url) -> Result<PackageIndex, String> {
    let page = super::html::scan(bytes, page_url)?;
    let name = project_from_url(page_url).or(page.title).unwrap_or_default();
    Ok(build_index(name, page.files, &[]))
}

/// The project name of a simple page URL (`…/simple/zope-interface/` → `zope-interface`).
fn project_from_url(url: &Url) -> Option<String> {
    url.path_segments()?.rfind(|s| !s.is_empty()).map(str::to_string)
}

fn hash_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let hex = v.as_str()?;
            hex.bytes().all(|b| b.is_ascii_hexdigit()).then(|| (k.to_ascii_lowercase(), hex.to_ascii_lowercase()))
        })
        .collect()
}

/// Groups page files into releases. `latest` is the highest final (not pre- or dev-)
/// release that is not yanked and has files.
pub(crate) fn build_index(name: String, files: Vec<PageFile>, versions: &[String]) -> PackageIndex {
    build_sized_index(name, files.into_iter().map(|f| (f, None)).collect(), versions)
}

/// [`build_index`] with each file's PEP 700 `size`, which only the JSON form carries.
fn build_sized_index(name: String, files: Vec<(PageFile, Option<u64>)>, versions: &[String]) -> PackageIndex {
    let mut releases: BTreeMap<String, Release> = BTreeMap::new();
    // PEP 700 `versions`: every version, including ones with no files left.
    for v in versions {
        releases.entry(release_key(v)).or_default();
    }
    for (f, size) in files {
        let Some(version) = version_from_filename(&name, &f.filename) else { continue };
        let release = releases.entry(release_key(&version)).or_default();
        if let Some(t) = &f.upload_time
            && release.published_at.as_ref().is_none_or(|p| t < p)
        {
            release.published_at = Some(t.clone());
        }
        release.files.push(DistFile {
            filename: f.filename,
            url: f.url,
            digests: f.hashes,
            integrity: None,
            upload_time: f.upload_time,
            size,
            yanked: f.yanked,
            core_metadata: f.core_metadata,
            provenance_url: f.provenance,
            requires_python: f.requires_python,
            signatures: Vec::new(),
        });
    }
    for r in releases.values_mut() {
        if !r.files.is_empty() && r.files.iter().all(|f| f.yanked.is_some()) {
            let reason = r.files.iter().filter_map(|f| f.yanked.as_deref()).find(|y| !y.is_empty());
            r.yanked = Some(reason.unwrap_or_default().to_string());
        }
    }
    let has_times = releases.values().flat_map(|r| &r.files).any(|f| f.upload_time.is_some());
    let latest = releases
        .iter()
        .filter(|(_, r)| r.yanked.is_none() && !r.files.is_empty())
        .filter_map(|(k, _)| Version::parse(k).ok().map(|v| (v, k)))
        .filter(|(v, _)| !v.is_prerelease())
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, k)| k.clone());
    PackageIndex { name, latest, versions: releases, has_times, raw: None }
}

/// PEP 440 normal form, or the string itself for a legacy version.
fn release_key(v: &str) -> String {
    Version::parse(v).map_or_else(|_| v.trim().to_string(), |v| v.to_string())
}

/// The version a distribution file name carries, for the files of `project`.
///
/// Wheels: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`. Sdists:
/// `{name}-{version}` + `.tar.gz`, `.zip`, `.tar.bz2`, `.tgz`, `.tar.xz`, `.tar`; an old
/// sdist name may keep `-`, `.` or `_` in the project part, so the version starts after
/// the prefix whose normalized form is the project's. `None` for other files (`.egg`,
/// `.exe`, `.msi`), malformed names, and files of another project.
pub fn version_from_filename(project: &str, filename: &str) -> Option<String> {
    let project = normalize_name(project);
    let lower = filename.to_ascii_lowercase();
    if std::path::Path::new(&lower).extension().is_some_and(|e| e == "whl") {
        let stem = filename.get(..filename.len() - 4)?;
        let parts: Vec<&str> = stem.split('-').collect();
        if !(parts.len() == 5 || parts.len() == 6) || normalize_name(parts[0]) != project {
            return None;
        }
        return Some(parts[1].to_string()).filter(|v| !v.is_empty());
    }
    let ext = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"].into_iter().find(|e| lower.ends_with(e))?;
    let stem = filename.get(..filename.len() - ext.len())?;
    stem.match_indices('-').find_map(|(i, _)| {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        // The version part must look like one: `foo-bar-1.0` is not `foo` at `bar-1.0`.
        let plausible = version.starts_with(|c: char| c.is_ascii_digit()) || Version::parse(version).is_ok();
        (normalize_name(name) == project && plausible).then(|| version.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_file_names() {
        let cases = [
            ("requests", "requests-2.31.0-py3-none-any.whl", Some("2.31.0")),
            ("requests", "requests-2.31.0.tar.gz", Some("2.31.0")),
            ("zope.interface", "zope_interface-8.0.1-cp39-cp39-win_amd64.whl", Some("8.0.1")),
            ("zope-interface", "zope.interface-5.0.0.tar.gz", Some("5.0.0")),
            ("typing_extensions", "typing_extensions-4.8.0.tar.gz", Some("4.8.0")),
            ("charset-normalizer", "charset-normalizer-2.0.0.tar.gz", Some("2.0.0")),
            ("pytest", "pytest-2.0.0.zip", Some("2.0.0")),
            ("six", "six-1.0b1.tar.gz", Some("1.0b1")),
            ("a", "a-1.0-1-py3-none-any.whl", Some("1.0")),
            ("foo-bar", "foo-bar-1.0.tar.bz2", Some("1.0")),
            ("foo", "foo-bar-1.0.tar.gz", None),
            ("foo", "foo-1.0-py2.7.egg", None),
            ("foo", "foo-1.0.win32.exe", None),
            ("foo", "foo-1.0.whl", None),
            ("foo", "foo-.tar.gz", None),
            ("foo", "other-1.0-py3-none-any.whl", None),
            ("pkg", "pkg-1.0.tgz", Some("1.0")),
        ];
        for (project, file, want) in cases {
            assert_eq!(version_from_filename(project, file).as_deref(), want, "{project} {file}");
        }
    }

    fn page() -> Url {
        Url::parse("https://example.com/simple/demo/").unwrap()
    }

    #[test]
    fn json_page_fields() {
        let json = br#"{
          "meta": {"api-version": "1.3", "_last-serial": 1},
          "name": "demo",
          "versions": ["1.0", "1.1rc1", "2.0", "0.9"],
          "files": [
            {"filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz",
             "hashes": {"sha256": "AB01"}, "requires-python": ">=3.8", "yanked": false, "size": 1234,
             "upload-time": "2024-01-02T00:00:00.000000Z", "dist-info-metadata": {"sha256": "cd"},
             "core-metadata": {"sha256": "ef"}},
            {"filename": "demo-1.0-py3-none-any.whl", "url": "https://f.example/demo-1.0-py3-none-any.whl",
             "hashes": {"sha256": "02"}, "upload-time": "2024-01-01T00:00:00.000000Z",
             "core-metadata": true, "provenance": "https://example.com/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance"},
            {"filename": "demo-1.1rc1.tar.gz", "url": "demo-1.1rc1.tar.gz", "hashes": {}},
            {"filename": "demo-2.0.tar.gz", "url": "demo-2.0.tar.gz", "hashes": {"sha256": "03"}, "yanked": "broken"},
            {"filename": "demo-2.0-py3-none-any.whl", "url": "demo-2.0-py3-none-any.whl", "hashes": {}, "yanked": true},
            {"filename": "demo-1.0-py2.7.egg", "url": "x.egg", "hashes": {}}
          ]
        }"#;
        let idx = parse_simple_json(json, &page()).unwrap();
        assert_eq!(idx.name, "demo");
        assert!(idx.has_times);
        assert_eq!(idx.latest.as_deref(), Some("1.0"));
        assert_eq!(idx.versions.keys().collect::<Vec<_>>(), ["0.9", "1.0", "1.1rc1", "2.0"]);
        let r = &idx.versions["1.0"];
        assert_eq!(r.published_at.as_deref(), Some("2024-01-01T00:00:00.000000Z"));
        assert!(r.yanked.is_none());
        assert_eq!(r.files.len(), 2);
        let sdist = &r.files[0];
        assert_eq!(sdist.url, "https://example.com/files/demo-1.0.tar.gz");
        assert_eq!(sdist.digests["sha256"], "ab01");
        assert_eq!(sdist.size, Some(1234));
        assert_eq!(sdist.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(sdist.core_metadata.as_ref().unwrap()["sha256"], "ef", "PEP 714: core-metadata wins");
        let wheel = &r.files[1];
        assert_eq!(wheel.core_metadata, Some(BTreeMap::new()));
        assert_eq!(wheel.size, None);
        assert!(wheel.provenance_url.as_deref().unwrap().ends_with("/provenance"));
        assert_eq!(idx.versions["2.0"].yanked.as_deref(), Some("broken"));
        assert_eq!(idx.versions["1.1rc1"].files[0].url, "https://example.com/simple/demo/demo-1.1rc1.tar.gz");
        assert!(idx.versions["0.9"].files.is_empty());
    }

    #[test]
    fn json_errors() {
        assert!(parse_simple_json(b"{", &page()).is_err());
        assert!(parse_simple_json(b"[]", &page()).is_err());
        assert!(parse_simple_json(br#"{"meta": {"api-version": "2.0"}, "name": "x", "files": []}"#, &page()).is_err());
        assert!(parse_simple_json(br#"{"meta": {"api-version": "1.0"}, "name": "x"}"#, &page()).is_err());
        // Odd file entries are skipped, not fatal.
        let idx = parse_simple_json(br#"{"name": "x", "files": [{"filename": 3}, {"url": "a"}]}"#, &page()).unwrap();
        assert!(idx.versions.is_empty() && idx.latest.is_none() && !idx.has_times);
    }

    #[test]
    fn release_keys_normalize() {
        let idx = build_index(
            "demo".into(),
            vec![PageFile { filename: "demo-1.0.0-RC1.tar.gz".into(), ..PageFile::default() }],
            &[],
        );
        assert!(idx.versions.contains_key("1.0.0rc1"));
        assert!(idx.release(crate::ecosystem::Ecosystem::Pypi, "1.0.0-rc1").is_some());
        assert_eq!(idx.latest, None, "only a pre-release");
    }
}
