//! `sbom.cdx.json`: the run's records as a `CycloneDX` 1.6 JSON BOM, with where each
//! component came from (upstream, tier, fallback), how it verified and what policy decided,
//! as properties in the `depgate:` namespace.
//!
//! Owns: a small serde model of the `CycloneDX` 1.6 fields depgate fills (the `cyclonedx-bom`
//! crate writes 1.3–1.5 only), the project description read from its manifest
//! ([`project_info`]), and what both SBOMs share: records merged by purl ([`entries`]) and
//! name-based UUIDs ([`uuid`]).
//!
//! Must not: fetch, print, or read anything but the project manifests in [`project_info`];
//! invent facts the records do not hold (no dependency edges below the project, no
//! supplier); panic on any record content. Output is deterministic: components sorted by
//! `bom-ref`, fields in a fixed order, no clock but the run's `now`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha1::{Digest as _, Sha1};

use super::RunInfo;
use crate::ecosystem::Ecosystem;
use crate::engine::{AttestationRecord, Decision, Record};

/// The project under build: the root of both SBOMs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    pub name: String,
    pub version: Option<String>,
}

/// Read the project's name and version from `package.json`, else `pyproject.toml`
/// (`[project]`, then `[tool.poetry]`), else use the folder's name. Cheap and forgiving:
/// an unreadable or odd manifest falls through to the next source.
pub fn project_info(dir: &Path) -> ProjectInfo {
    let non_empty = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(doc) =
        std::fs::read(dir.join("package.json")).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        && let Some(name) = non_empty(doc.get("name").and_then(serde_json::Value::as_str))
    {
        return ProjectInfo { name, version: non_empty(doc.get("version").and_then(serde_json::Value::as_str)) };
    }
    if let Some(doc) =
        std::fs::read_to_string(dir.join("pyproject.toml")).ok().and_then(|t| toml::from_str::<toml::Table>(&t).ok())
    {
        let tables = [doc.get("project"), doc.get("tool").and_then(|t| t.get("poetry"))];
        for t in tables.into_iter().flatten() {
            if let Some(name) = non_empty(t.get("name").and_then(toml::Value::as_str)) {
                return ProjectInfo { name, version: non_empty(t.get("version").and_then(toml::Value::as_str)) };
            }
        }
    }
    let folder = std::fs::canonicalize(dir).ok().and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    ProjectInfo { name: non_empty(folder.as_deref()).unwrap_or_else(|| "project".to_string()), version: None }
}

/// One package of the SBOMs: the records that share a purl, merged. Several lockfiles may
/// lock the same package; it is one component with every place that locks it.
pub(super) struct Entry<'a> {
    /// The record whose decision is the most severe (then the first locked).
    pub record: &'a Record,
    /// `file:line` of every record with this purl, in order.
    pub locations: Vec<String>,
    /// A direct dependency in any lockfile.
    pub direct: bool,
    /// Only in development trees (in every lockfile).
    pub dev: bool,
    /// Optional in every lockfile.
    pub optional: bool,
}

/// The records merged by purl, sorted by purl. Lockfile paths are shown relative to the
/// project, so the SBOM does not depend on where the project was checked out.
pub(super) fn entries<'a>(run: &RunInfo, records: &'a [Record]) -> Vec<Entry<'a>> {
    let root = project_root(run, records);
    let mut by_purl: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        by_purl.entry(r.package.purl.as_str()).or_default().push(r);
    }
    by_purl
        .into_values()
        .map(|mut group| {
            group.sort_by(|a, b| (&a.package.lockfile, a.package.line).cmp(&(&b.package.lockfile, b.package.line)));
            let worst = group.iter().map(|r| r.decision).max().unwrap_or(Decision::Allow);
            let record = group.iter().copied().find(|r| r.decision == worst).unwrap_or(group[0]);
            let mut locations: Vec<String> = group
                .iter()
                .map(|r| format!("{}:{}", relative_lockfile(root.as_deref(), &r.package.lockfile), r.package.line))
                .collect();
            locations.dedup();
            Entry {
                record,
                locations,
                direct: group.iter().any(|r| r.package.direct),
                dev: group.iter().all(|r| r.package.dev),
                optional: group.iter().all(|r| r.package.optional),
            }
        })
        .collect()
}

/// The project folder the records' lockfile paths start with, found from the run's list of
/// lockfiles (relative to the project): for each record, its path less the longest listed
/// name it ends with; the folder most records agree on wins (then the shortest).
fn project_root(run: &RunInfo, records: &[Record]) -> Option<PathBuf> {
    let mut votes: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for r in records {
        let path = Path::new(&r.package.lockfile);
        let listed = run
            .lockfiles
            .iter()
            .map(Path::new)
            .filter(|l| l.is_relative() && l.components().next().is_some() && path.ends_with(l))
            .max_by_key(|l| l.components().count());
        if let Some(l) = listed {
            let mut root = path.to_path_buf();
            for _ in l.components() {
                root.pop();
            }
            *votes.entry(root).or_default() += 1;
        }
    }
    votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0))).map(|(root, _)| root)
}

/// A lockfile path relative to the project folder, when it is inside it.
fn relative_lockfile(root: Option<&Path>, lockfile: &str) -> String {
    root.and_then(|root| Path::new(lockfile).strip_prefix(root).ok())
        .map_or_else(|| lockfile.to_string(), |p| p.display().to_string())
}

/// A name-based UUID (RFC 9562 version 5 layout: SHA-1 of a namespace and the content), or
/// with `random` a version 4 one. `random` is for documents that must differ between runs
/// of the same input; it is not a secret, so std's per-process random hash keys suffice.
pub(super) fn uuid(namespace: &[u8; 16], content: &[u8], random: bool) -> String {
    let mut b = [0u8; 16];
    if random {
        use std::hash::{BuildHasher as _, Hasher as _};
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        for (i, chunk) in b.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            h.write_u128(nanos);
            h.write_u32(std::process::id());
            h.write(content);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        b[6] = (b[6] & 0x0f) | 0x40;
    } else {
        let digest = Sha1::new().chain_update(namespace).chain_update(content).finalize();
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0f) | 0x50;
    }
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// Namespace of the serial numbers (a fixed, made-up UUID: only depgate uses it).
const SERIAL_NAMESPACE: [u8; 16] = *b"depgate/cdx-1.6\0";

/// The digest algorithms `CycloneDX` names, with the hex length each must have.
pub(super) fn hash_alg(algo: &str) -> Option<(&'static str, usize)> {
    Some(match algo.to_ascii_lowercase().as_str() {
        "md5" => ("MD5", 32),
        "sha1" | "sha-1" => ("SHA-1", 40),
        "sha256" | "sha-256" => ("SHA-256", 64),
        "sha384" | "sha-384" => ("SHA-384", 96),
        "sha512" | "sha-512" => ("SHA-512", 128),
        _ => return None,
    })
}

/// The digest as lowercase hex when it is hex of the expected length, else `None`.
pub(super) fn clean_hex(value: &str, len: usize) -> Option<String> {
    (value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| value.to_ascii_lowercase())
}

/// The attestation whose identity the SBOMs show: the first verified provenance, else the
/// first verified attestation of any kind. Only for `verified` records.
pub(super) fn shown_attestation(r: &Record) -> Option<&AttestationRecord> {
    if r.verification.status != "verified" {
        return None;
    }
    let verified = || r.verification.attestations.iter().filter(|a| a.verified);
    verified().find(|a| a.kind == "provenance").or_else(|| verified().next())
}

/// The `depgate:` facts of one package, in a fixed order: the `CycloneDX` properties and the
/// SPDX annotation say the same.
pub(super) fn depgate_facts(e: &Entry<'_>) -> Vec<(&'static str, String)> {
    let r = e.record;
    let res = r.resolution.as_ref();
    let mut out = vec![
        ("depgate:upstream", res.and_then(|x| x.upstream.clone()).unwrap_or_else(|| "none".into())),
        ("depgate:tier", res.and_then(|x| x.tier.clone()).unwrap_or_else(|| "none".into())),
        ("depgate:fallback", res.is_some_and(|x| x.fallback).to_string()),
        ("depgate:verification", r.verification.status.to_string()),
    ];
    if let Some(a) = shown_attestation(r) {
        let id = &a.identity;
        for (name, value) in [
            ("depgate:identity:issuer", &id.issuer),
            ("depgate:identity:san", &id.san),
            ("depgate:identity:source_repo", &id.source_repo),
            ("depgate:identity:workflow", &id.workflow),
            ("depgate:identity:ref", &id.git_ref),
            ("depgate:identity:commit", &id.commit),
            ("depgate:identity:key_id", &id.key_id),
        ] {
            if let Some(v) = value {
                out.push((name, v.clone()));
            }
        }
    }
    out.push(("depgate:decision", r.decision.as_str().to_string()));
    let mut seen = BTreeSet::new();
    let rules: Vec<&str> =
        r.findings.iter().map(|f| f.finding.rule.as_str()).filter(|rule| seen.insert(*rule)).collect();
    if !rules.is_empty() {
        out.push(("depgate:rules", rules.join(",")));
    }
    for l in &e.locations {
        out.push(("depgate:lockfile", l.clone()));
    }
    out
}

/// Whether `purl` has the parts every purl needs (`pkg:`, a type, a name, a non-empty
/// version when `@` is there): a record of an odd lockfile entry may lack one, and the
/// SBOMs then leave the field out rather than carry a purl that readers reject.
pub(super) fn valid_purl(purl: &str) -> bool {
    let Some((kind, rest)) = purl.strip_prefix("pkg:").and_then(|r| r.split_once('/')) else {
        return false;
    };
    let kind_ok = kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && kind.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (path, version_ok) = match rest.rsplit_once('@') {
        Some((path, version)) => (path, !version.is_empty()),
        None => (rest, true),
    };
    let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    kind_ok && version_ok && !name.is_empty()
}

/// A URL as an absolute, normalized IRI, or `None` for text that is not one.
fn iri(text: &str) -> Option<String> {
    url::Url::parse(text.trim()).ok().map(String::from)
}

#[derive(Serialize)]
struct Bom {
    #[serde(rename = "bomFormat")]
    format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "serialNumber", skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    tools: Tools,
    component: Component,
}

/// The 1.6 form of `tools` (the array of `tool` is deprecated).
#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

/// One element of `licenses`: either a single SPDX expression, or named licences.
#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    Expression { expression: String, acknowledgement: &'static str },
    License { license: NamedLicense },
}

#[derive(Serialize)]
struct NamedLicense {
    name: String,
    acknowledgement: &'static str,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

/// Only the project's edges: records do not say which package pulled in which, so the
/// components below the project have no entry (`CycloneDX` reads a missing entry as
/// "unknown"; an empty one would claim "no dependencies").
#[derive(Serialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

/// `group` and `name` as `CycloneDX` splits them: an npm scope (`@acme`) or a Maven group is
/// the group.
fn group_and_name(r: &Record) -> (Option<String>, String) {
    let name = &r.package.name;
    let split = match r.package.ecosystem {
        Ecosystem::Npm => {
            name.strip_prefix('@').and_then(|rest| rest.split_once('/')).map(|(s, n)| (format!("@{s}"), n))
        }
        Ecosystem::Maven => name.split_once(':').map(|(g, a)| (g.to_string(), a)),
        Ecosystem::Pypi => None,
    };
    match split {
        Some((g, n)) if !g.is_empty() && g != "@" => (Some(g), n.to_string()),
        _ => (None, name.clone()),
    }
}

fn component(e: &Entry<'_>) -> Component {
    let r = e.record;
    let res = r.resolution.as_ref();
    let (group, name) = group_and_name(r);
    let hashes = res
        .map(|x| {
            x.digests
                .iter()
                .filter_map(|(algo, value)| {
                    let (alg, len) = hash_alg(algo)?;
                    Some(Hash { alg, content: clean_hex(value, len)? })
                })
                .collect()
        })
        .unwrap_or_default();
    let licenses = match r.license.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => Vec::new(),
        Some(text) => vec![match super::spdx::license_expression(text) {
            Some(expression) => LicenseChoice::Expression { expression, acknowledgement: "declared" },
            None => {
                LicenseChoice::License { license: NamedLicense { name: text.to_string(), acknowledgement: "declared" } }
            }
        }],
    };
    let mut external_references = Vec::new();
    if let Some(url) = res.and_then(|x| x.url.as_deref()).and_then(iri) {
        external_references.push(ExternalReference { kind: "distribution", url });
    }
    if let Some(url) = shown_attestation(r).and_then(|a| a.identity.source_repo.as_deref()).and_then(iri) {
        external_references.push(ExternalReference { kind: "vcs", url });
    }
    let scope = if e.dev {
        "excluded"
    } else if e.optional {
        "optional"
    } else {
        "required"
    };
    Component {
        kind: "library",
        bom_ref: Some(r.package.purl.clone()),
        group,
        name,
        version: Some(r.package.version.clone()).filter(|v| !v.is_empty()),
        scope: Some(scope),
        hashes,
        licenses,
        purl: Some(r.package.purl.clone()).filter(|p| valid_purl(p)),
        external_references,
        properties: depgate_facts(e).into_iter().map(|(name, value)| Property { name, value }).collect(),
    }
}

/// The `bom-ref` of the project component; never a purl, so never one of the records'.
fn project_ref(project: &ProjectInfo) -> String {
    format!("project:{}", project.name)
}

/// Render `sbom.cdx.json`. The serial number is derived from everything else in the BOM
/// (the same input and `now` give the same bytes), unless `random_serial` asks for a
/// random one.
pub fn render_cyclonedx(run: &RunInfo, records: &[Record], project: &ProjectInfo, random_serial: bool) -> Vec<u8> {
    let entries = entries(run, records);
    let components: Vec<Component> = entries.iter().map(component).collect();
    let project_ref = project_ref(project);
    let depends_on = entries.iter().filter(|e| e.direct).map(|e| e.record.package.purl.clone()).collect();
    let timestamp = time::OffsetDateTime::parse(&run.now, &time::format_description::well_known::Rfc3339)
        .is_ok()
        .then(|| run.now.clone());
    let mut bom = Bom {
        format: "CycloneDX",
        spec_version: "1.6",
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp,
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    name: "depgate".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    ..Component::default()
                }],
            },
            component: Component {
                kind: "application",
                bom_ref: Some(project_ref.clone()),
                name: project.name.clone(),
                version: project.version.clone(),
                ..Component::default()
            },
        },
        components,
        dependencies: vec![Dependency { reference: project_ref, depends_on }],
    };
    let content = serde_json::to_vec(&bom).unwrap_or_default();
    bom.serial_number = Some(format!("urn:uuid:{}", uuid(&SERIAL_NAMESPACE, &content, random_serial)));
    let mut out = serde_json::to_vec_pretty(&bom).unwrap_or_default();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_need_a_type_a_name_and_a_version_after_at() {
        for ok in ["pkg:npm/%40acme/logger@1.0.0", "pkg:pypi/six@1.17.0", "pkg:maven/g/a@1?classifier=x", "pkg:npm/x"] {
            assert!(valid_purl(ok), "{ok}");
        }
        for bad in ["pkg:npm/@", "pkg:npm/", "pkg:npm/x@", "npm/x@1", "pkg:/x@1", "pkg:1npm/x@1", "pkg:npm", ""] {
            assert!(!valid_purl(bad), "{bad}");
        }
    }

    #[test]
    fn uuids_are_rfc_shaped() {
        let a = uuid(&SERIAL_NAMESPACE, b"x", false);
        assert_eq!(a, uuid(&SERIAL_NAMESPACE, b"x", false));
        assert_ne!(a, uuid(&SERIAL_NAMESPACE, b"y", false));
        assert_ne!(uuid(&SERIAL_NAMESPACE, b"x", true), uuid(&SERIAL_NAMESPACE, b"x", true));
        for u in [a, uuid(&SERIAL_NAMESPACE, b"x", true)] {
            assert_eq!(u.len(), 36);
            assert!(matches!(&u[14..15], "4" | "5") && matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        }
    }
}
