//! npm's audit endpoints, answered from the advisory database the proxy loaded at
//! startup (only advisories of the npm ecosystem); they never go to an upstream.
//!
//! - `POST /-/npm/v1/security/advisories/bulk` (npm 7 and later, pnpm 9 and later): the
//!   request is `{name: [version, …]}` (npm sends it gzip-encoded); the answer is
//!   `{name: [advisory, …]}` with the advisories that name at least one of the versions,
//!   each `{id, url, title, severity, vulnerable_versions, cwe, cvss}`.
//! - `POST /-/npm/v1/security/audits/quick` and `/-/npm/v1/security/audits` (npm 6,
//!   pnpm before 9): the request is the dependency tree (`requires`, `dependencies`:
//!   `{name: {version, dev, requires, dependencies}}`); the answer is `{actions: [],
//!   advisories: {id: {…, findings: [{version, paths}]}}, muted: [], metadata: {…}}`.
//!
//! Advisories are the ones `depgate check` reports for the same versions: records that
//! alias each other merged into one, led by the GHSA id when there is one, so the ids a
//! client prints (`via[].url`) are the ids of depgate's own findings.
//!
//! npm wants a number for `id`: it is the first 48 bits of SHA-256 of the leading
//! advisory id (`GHSA-…`, `MAL-…`), big-endian. Stable across runs and databases, exact
//! in a JavaScript number (below 2^53); the advisory id itself is in `url` (GitHub's page
//! for a GHSA, osv.dev's for the rest) and, in the quick format, `github_advisory_id`.
//!
//! Severity is GitHub's level; an advisory without one is `high` (as policy counts it:
//! never as harmless), and malware is always `critical`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::gate::Gate;
use super::respond::{json_error, respond};
use crate::advisories::matching::npm_range;
use crate::advisories::osv::{Affected, Event, Record};
use crate::advisories::{Advisory, Database, Kind, Level};
use crate::ecosystem::Ecosystem;

/// Which audit endpoint a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/-/npm/v1/security/advisories/bulk`.
    Bulk,
    /// `/-/npm/v1/security/audits/quick` (and `/-/npm/v1/security/audits`).
    Quick,
}

/// The audit endpoint of a path under the npm prefix (no leading `/`), if it is one.
pub fn endpoint(path: &str) -> Option<Endpoint> {
    match path.trim_end_matches('/') {
        "-/npm/v1/security/advisories/bulk" => Some(Endpoint::Bulk),
        "-/npm/v1/security/audits/quick" | "-/npm/v1/security/audits" => Some(Endpoint::Quick),
        _ => None,
    }
}

/// Answer an audit request: its body as sent (gzip-encoded or not), at most `max_json`
/// bytes once decoded. Decoding and matching are CPU work: on a blocking thread.
pub async fn answer(
    gate: &Gate,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: bytes::Bytes,
    max_json: usize,
) -> Response {
    let Some(db) = gate.advisories().cloned() else {
        return json_error(
            StatusCode::NOT_FOUND,
            "depgate serve has no advisory database, so it cannot answer an audit (an empty answer would read as a clean one)\n  help: add [advisories] to depgate.toml, or start the proxy with --advisories-db PATH",
        );
    };
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_string);
    let worked = tokio::task::spawn_blocking(move || {
        let json = decode(encoding.as_deref().map(str::trim), &body, max_json)?;
        let request: Value = serde_json::from_slice(&json)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("the audit request is not JSON: {e}")))?;
        let doc = match endpoint {
            Endpoint::Bulk => bulk(&db, &request),
            Endpoint::Quick => quick(&db, &request),
        }
        .map_err(|m| (StatusCode::BAD_REQUEST, m))?;
        let count = match endpoint {
            Endpoint::Bulk => doc.as_object().map_or(0, |m| m.values().filter_map(Value::as_array).map(Vec::len).sum()),
            Endpoint::Quick => doc["advisories"].as_object().map_or(0, Map::len),
        };
        tracing::info!(
            "npm audit ({}): {} packages asked about, {count} advisories, database {}",
            match endpoint {
                Endpoint::Bulk => "bulk",
                Endpoint::Quick => "quick",
            },
            match endpoint {
                Endpoint::Bulk => request.as_object().map_or(0, Map::len),
                Endpoint::Quick => {
                    doc["metadata"]["totalDependencies"].as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or(0)
                }
            },
            db.digest()
        );
        Ok::<_, (StatusCode, String)>(doc.to_string().into_bytes())
    })
    .await;
    match worked {
        Ok(Ok(body)) => respond(StatusCode::OK, "application/json", body),
        Ok(Err((status, message))) => json_error(status, &message),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &format!("the audit could not be answered: {e}")),
    }
}

/// The request body as JSON bytes: gunzipped when `Content-Encoding` says gzip.
fn decode(encoding: Option<&str>, body: &[u8], max: usize) -> Result<Vec<u8>, (StatusCode, String)> {
    let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, format!("the audit request is larger than {} MiB", max >> 20));
    match encoding.map(str::to_ascii_lowercase).as_deref() {
        None | Some("" | "identity") => {
            if body.len() > max {
                return Err(too_large());
            }
            Ok(body.to_vec())
        }
        Some("gzip" | "x-gzip") => {
            let mut out = Vec::new();
            let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
            flate2::read::GzDecoder::new(body).take(limit).read_to_end(&mut out).map_err(|e| {
                (StatusCode::BAD_REQUEST, format!("the audit request says gzip but does not gunzip: {e}"))
            })?;
            if out.len() > max {
                return Err(too_large());
            }
            Ok(out)
        }
        Some(other) => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Encoding `{other}` is not supported (send gzip or nothing)"),
        )),
    }
}

/// npm's number for an advisory: the first 48 bits of SHA-256 of its id, big-endian.
pub fn numeric_id(id: &str) -> u64 {
    let h = Sha256::digest(id.as_bytes());
    u64::from_be_bytes([0, 0, h[0], h[1], h[2], h[3], h[4], h[5]])
}

/// The level npm prints: `unknown` is `high` (never harmless).
fn npm_severity(level: Level) -> &'static str {
    match level {
        Level::Unknown => "high",
        l => l.as_str(),
    }
}

/// One advisory about one package, gathered over the versions asked about.
struct Found {
    advisory: Advisory,
    /// The OSV records merged into it.
    records: BTreeSet<String>,
    /// The versions asked about that it names, in the order met.
    versions: Vec<String>,
}

/// Every advisory naming any of `versions` of `name`, by leading id (as `check` merges
/// and leads them).
fn gather<'v>(db: &Database, name: &str, versions: impl IntoIterator<Item = &'v str>) -> BTreeMap<String, Found> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for v in versions {
        for a in db.advisories(Ecosystem::Npm, name, v) {
            let f = found.entry(a.id.clone()).or_insert_with(|| Found {
                advisory: a.clone(),
                records: BTreeSet::new(),
                versions: Vec::new(),
            });
            f.records.extend(a.records.iter().cloned());
            if !f.versions.iter().any(|x| x == v) {
                f.versions.push(v.to_string());
            }
        }
    }
    found
}

/// The records behind a found advisory and their `affected` entries naming the package.
fn entries<'d>(db: &'d Database, name: &str, found: &Found) -> Vec<(&'d Record, Vec<&'d Affected>)> {
    db.records_for(Ecosystem::Npm, name).into_iter().filter(|(r, _)| found.records.contains(&r.id)).collect()
}

/// The affected versions as a node-semver range: every entry's ranges, else the versions
/// asked about that matched (what npm tests each installed version against).
fn vulnerable_versions(parts: &[(&Record, Vec<&Affected>)], found: &Found) -> String {
    let mut alts: Vec<String> = Vec::new();
    for (_, es) in parts {
        for e in es {
            if let Some(r) = npm_range(e) {
                for alt in r.split(" || ") {
                    if !alts.iter().any(|a| a == alt) {
                        alts.push(alt.to_string());
                    }
                }
            }
        }
    }
    if alts.is_empty() {
        alts.clone_from(&found.versions);
    }
    alts.join(" || ")
}

/// The versions that fix it as a node-semver range (`<0.0.0-0`: none): from each `fixed`
/// up to the next `introduced` above it.
fn patched_versions(parts: &[(&Record, Vec<&Affected>)]) -> String {
    let parse = |v: &str| semver::Version::parse(v.trim_start_matches(['v', '='])).ok();
    let (mut fixed, mut introduced) = (Vec::new(), Vec::new());
    for e in parts.iter().flat_map(|(_, es)| es).flat_map(|e| &e.ranges).flat_map(|r| &r.events) {
        match e {
            Event::Fixed(v) => fixed.extend(parse(v)),
            Event::Introduced(v) if v != "0" => introduced.extend(parse(v)),
            _ => {}
        }
    }
    fixed.sort_by(semver::Version::cmp_precedence);
    fixed.dedup_by(|a, b| a.cmp_precedence(b).is_eq());
    let alts: Vec<String> = fixed
        .iter()
        .map(|f| match introduced.iter().filter(|i| i.cmp_precedence(f).is_gt()).min_by(|a, b| a.cmp_precedence(b)) {
            Some(next) => format!(">={f} <{next}"),
            None => format!(">={f}"),
        })
        .collect();
    if alts.is_empty() { "<0.0.0-0".to_string() } else { alts.join(" || ") }
}

fn cwes(parts: &[(&Record, Vec<&Affected>)], malware: bool) -> Vec<String> {
    let mut out: BTreeSet<String> = parts.iter().flat_map(|(r, _)| r.cwe_ids.iter().cloned()).collect();
    if malware {
        // Embedded Malicious Code: how GitHub files malware.
        out.insert("CWE-506".to_string());
    }
    out.into_iter().collect()
}

fn title(a: &Advisory, name: &str) -> String {
    a.summary.clone().unwrap_or_else(|| match a.kind {
        Kind::Malware => format!("Malicious code in {name}"),
        Kind::Vulnerability => format!("{} in {name}", a.id),
    })
}

fn cvss(a: &Advisory) -> Value {
    json!({"score": a.score.unwrap_or(0.0), "vectorString": a.vector})
}

/// The bulk answer: `{name: [advisory]}` for the names with advisories.
pub fn bulk(db: &Database, request: &Value) -> Result<Value, String> {
    let Some(asked) = request.as_object() else {
        return Err("the bulk audit request must be a JSON object of package name → [versions]".into());
    };
    let mut out = Map::new();
    for (name, versions) in asked {
        let Some(versions) = versions.as_array() else {
            return Err(format!("the bulk audit request lists `{name}` with something other than [versions]"));
        };
        let versions: Vec<&str> = versions.iter().filter_map(Value::as_str).collect();
        let found = gather(db, name, versions);
        if found.is_empty() {
            continue;
        }
        let list: Vec<Value> = found
            .values()
            .map(|f| {
                let a = &f.advisory;
                let parts = entries(db, name, f);
                json!({
                    "id": numeric_id(&a.id),
                    "url": a.url,
                    "title": title(a, name),
                    "severity": npm_severity(a.severity),
                    "vulnerable_versions": vulnerable_versions(&parts, f),
                    "cwe": cwes(&parts, a.kind == Kind::Malware),
                    "cvss": cvss(a),
                })
            })
            .collect();
        out.insert(name.clone(), Value::Array(list));
    }
    Ok(Value::Object(out))
}

/// One package met in a dependency tree.
#[derive(Default)]
struct Met {
    /// Every path it was met at (`a>b>name`).
    paths: Vec<String>,
    /// Met as a dev dependency only.
    dev_only: bool,
    optional: bool,
}

/// Walk a tree's `dependencies` (`serde_json`'s own nesting limit bounds the depth).
fn walk(deps: &Map<String, Value>, prefix: &str, out: &mut BTreeMap<(String, String), Met>) {
    for (name, node) in deps {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}>{name}") };
        if let Some(version) = node.get("version").and_then(Value::as_str) {
            let dev = node.get("dev").and_then(Value::as_bool).unwrap_or(false);
            let optional = node.get("optional").and_then(Value::as_bool).unwrap_or(false);
            let first = !out.contains_key(&(name.clone(), version.to_string()));
            let m = out.entry((name.clone(), version.to_string())).or_default();
            m.dev_only = if first { dev } else { m.dev_only && dev };
            m.optional |= optional;
            m.paths.push(path.clone());
        }
        if let Some(Value::Object(children)) = node.get("dependencies") {
            walk(children, &path, out);
        }
    }
}

fn recommendation(a: &Advisory, name: &str) -> String {
    if a.kind == Kind::Malware {
        return format!(
            "Remove {name}: it is malware. Treat any machine that installed it as compromised and rotate the credentials it could reach."
        );
    }
    match a.fixed.as_slice() {
        [] => "No fixed version is published: remove or replace the dependency.".to_string(),
        [one] => format!("Upgrade to version {one} or later."),
        many => format!("Upgrade to a fixed version ({}) or later in the same line.", many.join(", ")),
    }
}

/// The quick (npm 6) answer for a dependency tree.
pub fn quick(db: &Database, request: &Value) -> Result<Value, String> {
    let Some(root) = request.as_object() else {
        return Err("the audit request must be a JSON object with `dependencies`".into());
    };
    let mut met = BTreeMap::new();
    match root.get("dependencies") {
        Some(Value::Object(deps)) => walk(deps, "", &mut met),
        None | Some(Value::Null) => {}
        Some(_) => return Err("`dependencies` of the audit request must be an object".into()),
    }
    let mut counts: BTreeMap<&str, u64> =
        ["info", "low", "moderate", "high", "critical"].into_iter().map(|k| (k, 0)).collect();
    let mut advisories = Map::new();
    // By package: every advisory and the versions of it met.
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, version) in met.keys() {
        by_name.entry(name.as_str()).or_default().push(version.as_str());
    }
    for (name, versions) in by_name {
        for f in gather(db, name, versions).into_values() {
            let a = &f.advisory;
            let parts = entries(db, name, &f);
            let severity = npm_severity(a.severity);
            let findings: Vec<Value> = f
                .versions
                .iter()
                .map(|v| {
                    let m = &met[&(name.to_string(), v.clone())];
                    *counts.entry(severity).or_default() += m.paths.len() as u64;
                    json!({"version": v, "paths": m.paths, "dev": m.dev_only, "optional": m.optional, "bundled": false})
                })
                .collect();
            let ids = std::iter::once(&a.id).chain(&a.aliases);
            let ghsa = ids.clone().find(|i| i.starts_with("GHSA-")).unwrap_or(&a.id);
            let cves: Vec<&String> = ids.filter(|i| i.starts_with("CVE-")).collect();
            let id = numeric_id(&a.id);
            advisories.insert(
                id.to_string(),
                json!({
                    "id": id,
                    "title": title(a, name),
                    "module_name": name,
                    "vulnerable_versions": vulnerable_versions(&parts, &f),
                    "patched_versions": patched_versions(&parts),
                    "severity": severity,
                    "url": a.url,
                    "github_advisory_id": ghsa,
                    "cves": cves,
                    "findings": findings,
                    "overview": a.summary.clone().unwrap_or_else(|| title(a, name)),
                    "recommendation": recommendation(a, name),
                    "references": a.url,
                    "cwe": cwes(&parts, a.kind == Kind::Malware),
                    "cvss": cvss(a),
                    "created": a.published,
                    "updated": a.modified,
                    "deleted": false,
                    "access": "public",
                }),
            );
        }
    }
    let dev = met.values().filter(|m| m.dev_only).count();
    let optional = met.values().filter(|m| m.optional && !m.dev_only).count();
    let prod = met.len() - dev - optional;
    Ok(json!({
        "actions": [],
        "advisories": advisories,
        "muted": [],
        "metadata": {
            "vulnerabilities": counts,
            "dependencies": prod,
            "devDependencies": dev,
            "optionalDependencies": optional,
            "totalDependencies": met.len(),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::SourceInfo;
    use crate::advisories::osv::parse_json;

    const GHSA: &str = r#"{"id":"GHSA-35jh-r3h4-6jhm","aliases":["CVE-2021-23337"],"summary":"Command Injection in lodash",
        "modified":"2024-01-01T00:00:00Z","published":"2021-02-15T00:00:00Z",
        "affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific":{"severity":"HIGH","cwe_ids":["CWE-77","CWE-94"]}}"#;
    const MAL: &str = r#"{"id":"MAL-2025-1234","summary":"Malicious code in evil-pkg",
        "affected":[{"package":{"ecosystem":"npm","name":"evil-pkg"},"versions":["1.0.1"]}]}"#;
    const MULTI: &str = r#"{"id":"GHSA-multi","affected":[{"package":{"ecosystem":"npm","name":"m"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.6"},{"introduced":"2.0.0"},{"fixed":"2.0.4"}]}]}]}"#;
    const PYPI: &str =
        r#"{"id":"GHSA-pypi","affected":[{"package":{"ecosystem":"PyPI","name":"lodash"},"versions":["1.0.0"]}]}"#;

    fn db() -> Database {
        let source = SourceInfo {
            location: "t".into(),
            kind: "folder",
            digest: "sha256:00".into(),
            fetched_at: None,
            records: BTreeMap::new(),
        };
        let records = [GHSA, MAL, MULTI, PYPI].iter().map(|r| (parse_json(r.as_bytes()).unwrap(), 0)).collect();
        Database::new(records, vec![source])
    }

    #[test]
    fn paths_name_the_endpoints() {
        assert_eq!(endpoint("-/npm/v1/security/advisories/bulk"), Some(Endpoint::Bulk));
        assert_eq!(endpoint("-/npm/v1/security/audits/quick"), Some(Endpoint::Quick));
        assert_eq!(endpoint("-/npm/v1/security/audits"), Some(Endpoint::Quick));
        assert_eq!(endpoint("lodash"), None);
    }

    #[test]
    fn bulk_answers_what_npm_reads() {
        let req = json!({"lodash": ["4.17.20", "4.17.21"], "evil-pkg": ["1.0.0", "1.0.1"], "m": ["2.0.1"], "clean": ["1.0.0"]});
        let out = bulk(&db(), &req).unwrap();
        let keys: Vec<&str> = out.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["lodash", "evil-pkg", "m"], "in the request's order");
        let l = &out["lodash"][0];
        assert_eq!(l["id"], numeric_id("GHSA-35jh-r3h4-6jhm"));
        assert!(l["id"].as_u64().unwrap() < 1 << 53);
        assert_eq!(l["url"], "https://github.com/advisories/GHSA-35jh-r3h4-6jhm");
        assert_eq!(l["severity"], "high");
        assert_eq!(l["vulnerable_versions"], ">=0.0.0-0 <4.17.21");
        assert_eq!(l["cwe"], json!(["CWE-77", "CWE-94"]));
        assert_eq!(l["cvss"]["score"], 7.2);
        let e = &out["evil-pkg"][0];
        assert_eq!((e["severity"].as_str(), e["vulnerable_versions"].as_str()), (Some("critical"), Some("1.0.1")));
        assert_eq!(e["url"], "https://osv.dev/vulnerability/MAL-2025-1234");
        assert_eq!(e["cwe"], json!(["CWE-506"]));
        assert_eq!(e["cvss"], json!({"score": 0.0, "vectorString": null}));
        assert_eq!(out["m"][0]["vulnerable_versions"], ">=0.0.0-0 <1.2.6 || >=2.0.0 <2.0.4");
        assert_eq!(out["m"][0]["severity"], "high", "no rating: high, never harmless");
        assert!(bulk(&db(), &json!([1])).is_err());
        assert!(bulk(&db(), &json!({"a": "1.0.0"})).is_err());
    }

    #[test]
    fn quick_answers_a_pnpm_tree() {
        let req = json!({
            "name": null, "install": [], "remove": [], "metadata": {}, "dev": false,
            "requires": {".": "1.0.0"},
            "dependencies": {".": {"version": "1.0.0", "dev": false, "requires": {"app-lib": "1.0.0", "lodash": "4.17.20"},
                "dependencies": {
                    "lodash": {"version": "4.17.20", "dev": false, "integrity": "sha512-x"},
                    "app-lib": {"version": "1.0.0", "dev": false, "requires": {"lodash": "4.17.20"},
                        "dependencies": {"lodash": {"version": "4.17.20", "dev": false}}},
                    "m": {"version": "1.0.0", "dev": true}
                }}}
        });
        let out = quick(&db(), &req).unwrap();
        let advisories = out["advisories"].as_object().unwrap();
        assert_eq!(advisories.len(), 2, "{out:#}");
        let l = &out["advisories"][numeric_id("GHSA-35jh-r3h4-6jhm").to_string()];
        assert_eq!(l["module_name"], "lodash");
        assert_eq!(l["github_advisory_id"], "GHSA-35jh-r3h4-6jhm");
        assert_eq!(l["cves"], json!(["CVE-2021-23337"]));
        assert_eq!(l["patched_versions"], ">=4.17.21");
        assert_eq!(l["findings"][0]["version"], "4.17.20");
        assert_eq!(l["findings"][0]["paths"], json!([".>lodash", ".>app-lib>lodash"]));
        assert_eq!(l["recommendation"], "Upgrade to version 4.17.21 or later.");
        let m = &out["advisories"][numeric_id("GHSA-multi").to_string()];
        assert_eq!(m["patched_versions"], ">=1.2.6 <2.0.0 || >=2.0.4");
        assert_eq!(m["findings"][0]["dev"], true);
        assert_eq!(out["metadata"]["vulnerabilities"]["high"], 3);
        assert_eq!(out["metadata"]["vulnerabilities"]["critical"], 0);
        assert_eq!(out["metadata"]["totalDependencies"], 4);
        assert_eq!(out["metadata"]["devDependencies"], 1);
        assert_eq!(out["actions"], json!([]));
        assert!(quick(&db(), &json!({"dependencies": []})).is_err());
    }

    #[test]
    fn gzip_bodies_decode_within_the_limit() {
        use std::io::Write as _;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(br#"{"a":["1.0.0"]}"#).unwrap();
        let gz = e.finish().unwrap();
        assert_eq!(decode(Some("gzip"), &gz, 100).unwrap(), br#"{"a":["1.0.0"]}"#);
        assert_eq!(decode(Some("gzip"), &gz, 5).unwrap_err().0, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(decode(None, b"{}", 100).unwrap(), b"{}");
        assert_eq!(decode(Some("gzip"), b"{}", 100).unwrap_err().0, StatusCode::BAD_REQUEST);
        assert_eq!(decode(Some("br"), b"{}", 100).unwrap_err().0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
