//! `sbom.cdx.json`: the run's records as a `CycloneDX` 1.6 JSON BOM, with where each
//! component came from (upstream, tier, fallback), how it verified and what policy decided,
//! as properties in the `depgate:` namespace.
//!
//! Owns: a small serde model of the `CycloneDX` 1.6 fields depgate fills (the `cyclonedx-bom`
//! crate writes 1.3–1.5 only). What both SBOMs share is [`super::sbom`]'s.
//!
//! Must not: fetch, print, or read anything (the project's name and version come in as
//! [`ProjectInfo`], read by `crate::load`); invent facts the records do not hold (no dependency edges below the project, no
//! supplier); panic on any record content. Output is deterministic: components sorted by
//! `bom-ref`, fields in a fixed order, no clock but the run's `now`.

use serde::Serialize;

use super::RunInfo;
use super::sbom::{
    Merged, ProjectInfo, clean_hex, depgate_facts, hash_alg, license_expression, packages, shown_attestation, uuid,
    valid_purl,
};
use crate::ecosystem::Ecosystem;
use crate::engine::Record;

/// Namespace of the serial numbers (a fixed, made-up UUID: only depgate uses it).
const SERIAL_NAMESPACE: [u8; 16] = *b"depgate/cdx-1.6\0";

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
    let entries = packages(run, records);
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
