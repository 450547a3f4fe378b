//! `sbom.cdx.json`: the run's records as a `CycloneDX` 1.6 JSON BOM, with where each
//! component came from (upstream, tier, fallback), how it verified and what policy decided,
//! as properties in the `depgate:` namespace, and the advisories that name its components
//! as `vulnerabilities[]` (one per advisory id, `affects` by the components' `bom-ref`;
//! the database that decided is `metadata.properties` `depgate:advisories:database`).
//!
//! Owns: a small serde model of the `CycloneDX` 1.6 fields depgate fills (the `cyclonedx-bom`
//! crate writes 1.3–1.5 only). What both SBOMs share is [`super::sbom`]'s.
//!
//! Must not: fetch, print, or read anything (the project's name and version come in as
//! [`ProjectInfo`], read by `crate::load`); invent facts the records do not hold (no dependency edges below the project, no
//! supplier); panic on any record content. Output is deterministic: components sorted by
//! `bom-ref`, fields in a fixed order, no clock but the run's `now`.

use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet};

use super::RunInfo;
use super::advisories;
use super::sbom::{
    Merged, ProjectInfo, clean_hex, depgate_facts, hash_alg, license_expression, packages, shown_attestation, uuid,
    valid_purl,
};
use crate::advisories::Kind;
use crate::ecosystem::Ecosystem;
use crate::engine::Record;

/// Namespace of the serial numbers (a fixed, made-up UUID: only depgate uses it).
pub(super) const SERIAL_NAMESPACE: [u8; 16] = *b"depgate/cdx-1.6\0";

/// A URL as an absolute, normalized IRI, or `None` for text that is not one.
pub(super) fn iri(text: &str) -> Option<String> {
    url::Url::parse(text.trim()).ok().map(String::from)
}

#[derive(Serialize)]
pub(super) struct Bom {
    #[serde(rename = "bomFormat")]
    pub(super) format: &'static str,
    #[serde(rename = "specVersion")]
    pub(super) spec_version: &'static str,
    #[serde(rename = "serialNumber", skip_serializing_if = "Option::is_none")]
    pub(super) serial_number: Option<String>,
    pub(super) version: u32,
    pub(super) metadata: Metadata,
    pub(super) components: Vec<Component>,
    pub(super) dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) vulnerabilities: Vec<Vulnerability>,
}

#[derive(Serialize)]
pub(super) struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) timestamp: Option<String>,
    pub(super) tools: Tools,
    pub(super) component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) properties: Vec<Property>,
}

/// The 1.6 form of `tools` (the array of `tool` is deprecated).
#[derive(Serialize)]
pub(super) struct Tools {
    pub(super) components: Vec<Component>,
}

#[derive(Serialize, Default)]
pub(super) struct Component {
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub(super) bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group: Option<String>,
    pub(super) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    pub(super) external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) properties: Vec<Property>,
}

#[derive(Serialize)]
pub(super) struct Hash {
    pub(super) alg: &'static str,
    pub(super) content: String,
}

/// One element of `licenses`: either a single SPDX expression, or named licences.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum LicenseChoice {
    Expression { expression: String, acknowledgement: &'static str },
    License { license: NamedLicense },
}

#[derive(Serialize)]
pub(super) struct NamedLicense {
    name: String,
    acknowledgement: &'static str,
}

#[derive(Serialize)]
pub(super) struct ExternalReference {
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) url: String,
}

#[derive(Serialize)]
pub(super) struct Property {
    pub(super) name: &'static str,
    pub(super) value: String,
}

/// Only the project's edges: records do not say which package pulled in which, so the
/// components below the project have no entry (`CycloneDX` reads a missing entry as
/// "unknown"; an empty one would claim "no dependencies").
#[derive(Serialize)]
pub(super) struct Dependency {
    #[serde(rename = "ref")]
    pub(super) reference: String,
    #[serde(rename = "dependsOn")]
    pub(super) depends_on: Vec<String>,
}

/// One advisory of `vulnerabilities[]` (`CycloneDX` 1.6), with every component it names.
#[derive(Serialize)]
pub(super) struct Vulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    source: VulnSource,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<VulnReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    recommendation: String,
    advisories: Vec<AdvisoryLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    affects: Vec<Affects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize, Clone)]
struct VulnSource {
    name: &'static str,
    url: String,
}

#[derive(Serialize)]
struct VulnReference {
    id: String,
    source: VulnSource,
}

#[derive(Serialize)]
struct Rating {
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct AdvisoryLink {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

/// Who publishes an advisory id, and its page there.
fn vuln_source(id: &str) -> VulnSource {
    if id.starts_with("GHSA-") {
        VulnSource { name: "GitHub Advisory Database", url: crate::advisories::database::advisory_url(id) }
    } else if id.starts_with("CVE-") {
        VulnSource { name: "NVD", url: format!("https://nvd.nist.gov/vuln/detail/{id}") }
    } else {
        VulnSource { name: "OSV", url: crate::advisories::database::advisory_url(id) }
    }
}

/// An RFC 3339 time as `CycloneDX` wants it (`date-time`), or `None`.
fn date_time(text: Option<&str>) -> Option<String> {
    let t = text?.trim();
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok().map(|_| t.to_string())
}

/// `vulnerabilities[]`: one entry per advisory id of the run (malware first, then by
/// severity and id), naming every component it affects by `bom-ref` (the purl) and
/// version. An advisory that `[advisories.ignore]` accepts keeps its entry (the
/// component is still affected); the purls it is ignored for are in the property
/// `depgate:ignored`. No `analysis`: an ignore accepts a risk for a while, which none of
/// `CycloneDX`'s analysis states says.
fn vulnerabilities(records: &[Record]) -> Vec<Vulnerability> {
    let rows = advisories::rows(records);
    let mut order: Vec<&str> = Vec::new();
    let mut by_id: BTreeMap<&str, Vec<&advisories::Row<'_>>> = BTreeMap::new();
    for r in &rows {
        let id = r.advisory.id.as_str();
        if !by_id.contains_key(id) {
            order.push(id);
        }
        by_id.entry(id).or_default().push(r);
    }
    order
        .into_iter()
        .map(|id| {
            let group = &by_id[id];
            let a = group[0].advisory;
            let mut aliases: BTreeSet<&str> = BTreeSet::new();
            let mut fixed: Vec<&str> = Vec::new();
            let mut affects: Vec<Affects> = Vec::new();
            let mut ignored: BTreeSet<&str> = BTreeSet::new();
            let mut rules: BTreeSet<&str> = BTreeSet::new();
            for r in group {
                aliases.extend(r.advisory.aliases.iter().map(String::as_str));
                for f in &r.advisory.fixed {
                    if !fixed.contains(&f.as_str()) {
                        fixed.push(f);
                    }
                }
                let purl = &r.record.package.purl;
                if r.ignored() {
                    ignored.insert(purl);
                }
                rules.extend(r.findings.iter().map(|f| f.finding.rule.as_str()));
                if !affects.iter().any(|x| &x.reference == purl) {
                    let version = r.record.package.version.clone();
                    let versions = if version.is_empty() {
                        Vec::new()
                    } else {
                        vec![AffectedVersion { version, status: "affected" }]
                    };
                    affects.push(Affects { reference: purl.clone(), versions });
                }
            }
            affects.sort_by(|x, y| x.reference.cmp(&y.reference));
            let severity = advisories::cdx_severity(a);
            let rating = match (a.score, &a.vector) {
                (Some(score), Some(vector)) => Rating {
                    score: Some(score),
                    severity,
                    method: Some(advisories::cvss_method(vector)),
                    vector: Some(vector.clone()),
                },
                (Some(score), None) => Rating { score: Some(score), severity, method: None, vector: None },
                (None, _) => Rating { score: None, severity, method: None, vector: None },
            };
            let recommendation = if a.kind == Kind::Malware {
                "Do not install it: remove the dependency, treat any machine that installed it as compromised, rotate the credentials it could reach, and check how it entered the lockfile.".to_string()
            } else if fixed.is_empty() {
                "No fixed version is published: remove or replace the dependency, or accept the risk for a while with [advisories.ignore].".to_string()
            } else {
                format!("Upgrade to a version that fixes it (fixed in {}).", fixed.join(", "))
            };
            let mut properties = vec![Property {
                name: "depgate:kind",
                value: if a.kind == Kind::Malware { "malware" } else { "vulnerability" }.into(),
            }];
            properties.push(Property { name: "depgate:severity", value: a.severity.as_str().into() });
            if !rules.is_empty() {
                properties.push(Property { name: "depgate:rules", value: rules.into_iter().collect::<Vec<_>>().join(",") });
            }
            if !ignored.is_empty() {
                properties.push(Property { name: "depgate:ignored", value: ignored.into_iter().collect::<Vec<_>>().join(",") });
            }
            if !a.source.is_empty() {
                properties.push(Property { name: "depgate:advisory_source", value: a.source.clone() });
            }
            Vulnerability {
                bom_ref: format!("advisory:{id}"),
                id: id.to_string(),
                source: vuln_source(id),
                references: aliases
                    .into_iter()
                    .filter(|x| *x != id)
                    .map(|x| VulnReference { id: x.to_string(), source: vuln_source(x) })
                    .collect(),
                ratings: vec![rating],
                description: a.summary.clone().filter(|s| !s.trim().is_empty()),
                recommendation,
                advisories: vec![AdvisoryLink { title: id.to_string(), url: a.url.clone() }]
                    .into_iter()
                    .filter(|l| iri(&l.url).is_some())
                    .collect(),
                published: date_time(a.published.as_deref()),
                updated: date_time(a.modified.as_deref()),
                affects,
                properties,
            }
        })
        .collect()
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
        // `docker.io/library/nginx`: the repository's folder is the group.
        Ecosystem::Oci => name.rsplit_once('/').map(|(g, n)| (g.to_string(), n)),
    };
    match split {
        Some((g, n)) if !g.is_empty() && g != "@" => (Some(g), n.to_string()),
        _ => (None, name.clone()),
    }
}

fn component(e: &Merged<'_>) -> Component {
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
        Some(text) => vec![match license_expression(text) {
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
        kind: if r.package.ecosystem == Ecosystem::Oci { "container" } else { "library" },
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
    let entries = packages(run, records);
    let components: Vec<Component> = entries.iter().map(component).collect();
    let project_ref = project_ref(project);
    let depends_on = entries.iter().filter(|e| e.direct).map(|e| e.record.package.purl.clone()).collect();
    let bom = Bom::new(
        metadata(
            &run.now,
            Component {
                kind: "application",
                bom_ref: Some(project_ref.clone()),
                name: project.name.clone(),
                version: project.version.clone(),
                ..Component::default()
            },
            run.advisories
                .as_ref()
                .map(|a| {
                    vec![
                        Property { name: "depgate:advisories:database", value: a.database.clone() },
                        Property { name: "depgate:advisories:source", value: a.source.to_string() },
                    ]
                })
                .unwrap_or_default(),
        ),
        components,
        vec![Dependency { reference: project_ref, depends_on }],
        vulnerabilities(records),
    );
    bom.finish(random_serial)
}

/// What every depgate SBOM says of itself: made by depgate at `now` (RFC 3339; left out
/// when it is not one), about `component`, with `properties`.
pub(super) fn metadata(now: &str, component: Component, properties: Vec<Property>) -> Metadata {
    let timestamp = time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
        .is_ok()
        .then(|| now.to_string());
    Metadata {
        timestamp,
        tools: Tools {
            components: vec![Component {
                kind: "application",
                name: "depgate".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
                ..Component::default()
            }],
        },
        component,
        properties,
    }
}

impl Bom {
    /// A `CycloneDX` 1.6 document, its serial number not yet set.
    pub(super) fn new(
        metadata: Metadata,
        components: Vec<Component>,
        dependencies: Vec<Dependency>,
        vulnerabilities: Vec<Vulnerability>,
    ) -> Self {
        Bom {
            format: "CycloneDX",
            spec_version: "1.6",
            serial_number: None,
            version: 1,
            metadata,
            components,
            dependencies,
            vulnerabilities,
        }
    }

    /// The document as written: its serial number derived from its content (random with
    /// `random_serial`), pretty JSON and a newline.
    pub(super) fn finish(mut self, random_serial: bool) -> Vec<u8> {
        let content = serde_json::to_vec(&self).unwrap_or_default();
        self.serial_number = Some(format!("urn:uuid:{}", uuid(&SERIAL_NAMESPACE, &content, random_serial)));
        let mut out = serde_json::to_vec_pretty(&self).unwrap_or_default();
        out.push(b'\n');
        out
    }
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
