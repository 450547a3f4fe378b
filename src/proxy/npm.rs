//! The npm registry protocol for the proxy: packuments (full, or abbreviated when the
//! client's `Accept` prefers `application/vnd.npm.install-v1+json`), scoped names in
//! either spelling, tarballs. Versions policy holds back are taken out of the packument
//! (`dist-tags` pointing at them moved or dropped) so npm resolves to an allowed one;
//! tarball URLs point back at the proxy.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::ecosystem::npm::packument::{tarball_file_name, valid_name};

/// What a request under the npm prefix asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmRequest {
    /// `GET /{name}` (`@scope%2fname` or `@scope/name`).
    Packument { name: String },
    /// `GET /{name}/-/{file}.tgz`.
    Tarball { name: String, file: String },
    /// `GET /-/ping`.
    Ping,
    /// Other `/-/…` endpoints (audit, search, login): not served.
    Unsupported,
}

/// Parse a path under the npm prefix (no leading `/`, as sent: percent-encoded).
pub fn parse_request(path: &str) -> Result<NpmRequest, String> {
    if path == "-/ping" || path.starts_with("-/ping?") {
        return Ok(NpmRequest::Ping);
    }
    if path.starts_with("-/") {
        return Ok(NpmRequest::Unsupported);
    }
    let path = path.split('?').next().unwrap_or(path);
    // `@scope%2fname` is how npm spells a scoped name in one segment; `%40` is `@`.
    let decoded = percent_decode(path).ok_or_else(|| "the path is not valid percent-encoded UTF-8".to_string())?;
    let (name, file) = match decoded.split_once("/-/") {
        Some((name, file)) => (name.to_string(), Some(file.to_string())),
        None => (decoded.trim_end_matches('/').to_string(), None),
    };
    if !valid_name(&name) {
        return Err(format!("`{name}` is not a valid npm package name"));
    }
    match file {
        None => Ok(NpmRequest::Packument { name }),
        Some(file) => {
            let ok = std::path::Path::new(&file).extension().is_some_and(|e| e.eq_ignore_ascii_case("tgz"))
                && !file.contains('/')
                && !file.contains('\\')
                && !file.starts_with('.');
            if ok { Ok(NpmRequest::Tarball { name, file }) } else { Err(format!("`{file}` is not a tarball name")) }
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

/// Does the client prefer the abbreviated ("corgi") document?
pub fn wants_abbreviated(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let mut it = part.split(';').map(str::trim);
            let is_corgi = it.next().is_some_and(|t| t.eq_ignore_ascii_case("application/vnd.npm.install-v1+json"));
            let q_zero = it.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            is_corgi && !q_zero
        })
    })
}

/// Fields of a version manifest the abbreviated document keeps (what installers read).
const ABBREVIATED_VERSION_FIELDS: &[&str] = &[
    "name",
    "version",
    "deprecated",
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "bundleDependencies",
    "bundledDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "acceptDependencies",
    "bin",
    "directories",
    "dist",
    "engines",
    "os",
    "cpu",
    "libc",
    "funding",
    "license",
    "_hasShrinkwrap",
    "hasInstallScript",
];

/// The packument as the proxy serves it: only `visible` versions (and their `time`
/// entries), `dist-tags` that point at hidden versions moved (`latest`: to the newest
/// visible release not above it, else the newest visible release) or dropped, tarball URLs
/// under `base` (the proxy's npm URL, ending in `/`), optionally abbreviated.
pub fn rewrite_packument(
    raw: &[u8],
    name: &str,
    visible: &dyn Fn(&str) -> bool,
    base: &str,
    abbreviated: bool,
) -> Result<Vec<u8>, String> {
    let mut doc: Value = serde_json::from_slice(raw).map_err(|e| format!("invalid packument: {e}"))?;
    let obj = doc.as_object_mut().ok_or("the packument is not a JSON object")?;
    let mut hidden = BTreeSet::new();
    if let Some(Value::Object(versions)) = obj.get_mut("versions") {
        versions.retain(|v, _| {
            let keep = visible(v);
            if !keep {
                hidden.insert(v.clone());
            }
            keep
        });
        for (v, manifest) in versions.iter_mut() {
            if let Some(dist) = manifest.get_mut("dist").and_then(Value::as_object_mut) {
                let url = format!("{base}{name}/-/{}", tarball_file_name(name, v));
                dist.insert("tarball".into(), Value::String(url));
            }
            if abbreviated && let Some(m) = manifest.as_object_mut() {
                m.retain(|k, _| ABBREVIATED_VERSION_FIELDS.contains(&k.as_str()));
            }
        }
    }
    let visible_versions: Vec<String> = match obj.get("versions") {
        Some(Value::Object(v)) => v.keys().cloned().collect(),
        _ => Vec::new(),
    };
    if let Some(Value::Object(time)) = obj.get_mut("time") {
        time.retain(|k, _| !hidden.contains(k));
    }
    if let Some(Value::Object(tags)) = obj.get_mut("dist-tags") {
        retag(tags, &hidden, &visible_versions);
    }
    if abbreviated {
        let modified =
            obj.get("time").and_then(|t| t.get("modified")).cloned().or_else(|| obj.get("modified").cloned());
        obj.retain(|k, _| matches!(k.as_str(), "name" | "dist-tags" | "versions"));
        if let Some(m) = modified {
            obj.insert("modified".into(), m);
        }
    }
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

/// Move or drop tags that point at hidden versions.
fn retag(tags: &mut Map<String, Value>, hidden: &BTreeSet<String>, visible: &[String]) {
    let parsed: Vec<semver::Version> = visible.iter().filter_map(|v| semver::Version::parse(v).ok()).collect();
    let old_latest = tags.get("latest").and_then(Value::as_str).and_then(|v| semver::Version::parse(v).ok());
    let newest_release = |at_most: Option<&semver::Version>| {
        parsed.iter().filter(|v| v.pre.is_empty() && at_most.is_none_or(|m| *v <= m)).max().map(ToString::to_string)
    };
    let pointing_at_hidden: Vec<String> =
        tags.iter().filter(|(_, v)| v.as_str().is_none_or(|v| hidden.contains(v))).map(|(k, _)| k.clone()).collect();
    for tag in pointing_at_hidden {
        if tag == "latest"
            && let Some(v) = newest_release(old_latest.as_ref()).or_else(|| newest_release(None))
        {
            tags.insert(tag, Value::String(v));
        } else {
            tags.remove(&tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_every_spelling() {
        assert_eq!(parse_request("lodash").unwrap(), NpmRequest::Packument { name: "lodash".into() });
        for p in ["@types%2fnode", "@types%2Fnode", "%40types%2fnode", "@types/node"] {
            assert_eq!(parse_request(p).unwrap(), NpmRequest::Packument { name: "@types/node".into() }, "{p}");
        }
        assert_eq!(
            parse_request("@types/node/-/node-20.1.0.tgz").unwrap(),
            NpmRequest::Tarball { name: "@types/node".into(), file: "node-20.1.0.tgz".into() }
        );
        assert_eq!(
            parse_request("left-pad/-/left-pad-1.3.0.tgz").unwrap(),
            NpmRequest::Tarball { name: "left-pad".into(), file: "left-pad-1.3.0.tgz".into() }
        );
        assert_eq!(parse_request("-/ping").unwrap(), NpmRequest::Ping);
        assert_eq!(parse_request("-/npm/v1/security/advisories/bulk").unwrap(), NpmRequest::Unsupported);
        for bad in ["..", "../etc/passwd", "a/-/..%2f..%2fx.tgz", "a/-/x.txt", "%zz", "a%00b", "@scope", "A B"] {
            assert!(parse_request(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accept_negotiation() {
        assert!(wants_abbreviated(Some("application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*")));
        assert!(!wants_abbreviated(Some("application/json")));
        assert!(!wants_abbreviated(Some("application/vnd.npm.install-v1+json;q=0, application/json")));
        assert!(!wants_abbreviated(None));
    }

    fn doc() -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "_id": "p", "name": "p", "readme": "long",
            "dist-tags": {"latest": "2.0.0", "next": "3.0.0-beta.1", "old": "1.0.0"},
            "versions": {
                "1.0.0": {"name": "p", "version": "1.0.0", "readme": "x", "scripts": {"test": "x"},
                          "dependencies": {"a": "^1"}, "dist": {"tarball": "https://up/p/-/p-1.0.0.tgz", "integrity": "sha512-a"}},
                "1.1.0": {"name": "p", "version": "1.1.0", "dist": {"tarball": "https://up/p/-/p-1.1.0.tgz"}},
                "2.0.0": {"name": "p", "version": "2.0.0", "dist": {"tarball": "https://up/p/-/p-2.0.0.tgz"}},
                "3.0.0-beta.1": {"name": "p", "version": "3.0.0-beta.1", "dist": {"tarball": "https://up/p/-/p-3.0.0-beta.1.tgz"}}
            },
            "time": {"created": "c", "modified": "m", "1.0.0": "t1", "1.1.0": "t2", "2.0.0": "t3", "3.0.0-beta.1": "t4"}
        }))
        .unwrap()
    }

    #[test]
    fn hidden_versions_leave_and_latest_moves_to_the_newest_allowed() {
        let out =
            rewrite_packument(&doc(), "p", &|v| v != "2.0.0" && v != "3.0.0-beta.1", "http://127.0.0.1:1/npm/", false)
                .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let versions: Vec<&str> = v["versions"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(versions, ["1.0.0", "1.1.0"]);
        assert_eq!(v["dist-tags"], serde_json::json!({"latest": "1.1.0", "old": "1.0.0"}));
        assert!(v["time"].get("2.0.0").is_none() && v["time"]["created"] == "c");
        assert_eq!(v["versions"]["1.0.0"]["dist"]["tarball"], "http://127.0.0.1:1/npm/p/-/p-1.0.0.tgz");
        assert_eq!(v["versions"]["1.0.0"]["dist"]["integrity"], "sha512-a", "digests are kept");
        assert_eq!(v["readme"], "long", "the full document keeps everything else");
    }

    #[test]
    fn abbreviated_keeps_what_installers_read() {
        let out = rewrite_packument(&doc(), "p", &|_| true, "http://h/", true).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let top: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(top, BTreeSet::from(["dist-tags", "modified", "name", "versions"]));
        assert_eq!(v["modified"], "m");
        let m = &v["versions"]["1.0.0"];
        assert!(m.get("readme").is_none() && m.get("scripts").is_none());
        assert_eq!(m["dependencies"]["a"], "^1");
        assert_eq!(v["dist-tags"]["latest"], "2.0.0");
    }

    #[test]
    fn nothing_visible_drops_every_tag() {
        let out = rewrite_packument(&doc(), "p", &|_| false, "http://h/", false).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["dist-tags"], serde_json::json!({}));
        assert_eq!(v["versions"], serde_json::json!({}));
        assert!(rewrite_packument(b"[1]", "p", &|_| true, "http://h/", false).is_err());
        assert!(rewrite_packument(b"{", "p", &|_| true, "http://h/", false).is_err());
    }
}
