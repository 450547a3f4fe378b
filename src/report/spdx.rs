//! `sbom.spdx.json`: the run's records as an SPDX 2.3 JSON document: the project, one
//! package per purl, the project's direct edges, and on each package an annotation with
//! the same `depgate:` facts the `CycloneDX` BOM carries as properties (upstream, tier,
//! fallback, verification, signer identity, decision, rules, lockfile).
//!
//! Owns: a small serde model of the SPDX 2.3 fields depgate fills (`spdx-rs` models 2.2),
//! and SPDX licence expressions checked against the SPDX License List ([`license_expression`],
//! also used by the `CycloneDX` BOM).
//!
//! Must not: read files, fetch, print, or put free text where SPDX wants an expression
//! (a declared licence that is not one becomes a `LicenseRef-` with the text in
//! `hasExtractedLicensingInfos`); invent edges, suppliers or concluded licences; panic on
//! any record content. Output is deterministic: packages sorted by purl, fields in a fixed
//! order, no clock but the run's `now` (to whole seconds, as SPDX wants).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::RunInfo;
use super::sbom::{
    Merged, ProjectInfo, clean_hex, depgate_facts, hash_alg, license_expression, packages, uuid, valid_purl,
};
use crate::engine::Record;

/// Namespace of the document UUIDs (made up, like the `CycloneDX` one, and different from it).
const NAMESPACE: [u8; 16] = *b"depgate/spdx-2.3";
/// The SPDX License List the identifiers below come from (`creationInfo.licenseListVersion`).
const LICENSE_LIST_VERSION: &str = "3.28";
const NOASSERTION: &str = "NOASSERTION";
const PROJECT_ID: &str = "SPDXRef-Project";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    #[serde(rename = "documentNamespace")]
    namespace: String,
    creation_info: CreationInfo,
    packages: Vec<Package>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    primary_package_purpose: &'static str,
    download_location: String,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    license_concluded: &'static str,
    license_declared: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    #[serde(rename = "referenceCategory")]
    category: &'static str,
    #[serde(rename = "referenceType")]
    kind: &'static str,
    #[serde(rename = "referenceLocator")]
    locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    #[serde(rename = "annotationDate")]
    date: String,
    #[serde(rename = "annotationType")]
    kind: &'static str,
    annotator: String,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
    comment: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    #[serde(rename = "relationshipType")]
    kind: &'static str,
    related_spdx_element: String,
}

/// The tool as SPDX names creators and annotators.
fn tool() -> String {
    concat!("Tool: depgate-", env!("CARGO_PKG_VERSION")).to_string()
}

/// `now` in UTC to whole seconds (`2025-03-22T00:00:00Z`). A `now` that does not parse
/// gives the epoch: the document stays valid and deterministic, and the clock is never read.
fn created(now: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(now, &Rfc3339)
        .map_or(time::OffsetDateTime::UNIX_EPOCH, |t| t.to_offset(time::UtcOffset::UTC));
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", t.hour(), t.minute(), t.second())
}

/// Letters, digits, `.` and `-` only (what SPDX ids allow); anything else becomes `-`.
fn id_text(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect()
}

/// A download location SPDX tools accept: an http(s)/ftp URL on a DNS name. Folder
/// upstreams (`file:`), IP addresses and single-label hosts give `NOASSERTION`; the URL
/// itself is kept in `sourceInfo`.
fn download_location(url: Option<&str>) -> String {
    let Some(u) = url.and_then(|u| url::Url::parse(u.trim()).ok()) else {
        return NOASSERTION.into();
    };
    let public_name = match u.host() {
        Some(url::Host::Domain(d)) => {
            let last = d.rsplit('.').next().unwrap_or_default();
            d.contains('.') && last.len() >= 2 && last.bytes().take(2).all(|b| b.is_ascii_alphabetic())
        }
        _ => false,
    };
    if public_name && matches!(u.scheme(), "http" | "https" | "ftp" | "sftp") { u.into() } else { NOASSERTION.into() }
}

/// The `LicenseRef-` that stands for a declared licence text that is not an SPDX expression:
/// readable, and unique per text (a digest suffix).
fn license_ref(text: &str) -> String {
    let mut readable: String = id_text(text).trim_matches('-').chars().take(40).collect();
    if readable.is_empty() {
        readable.push_str("declared");
    }
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    format!("LicenseRef-{readable}-{}", &digest[..8])
}

fn package(e: &Merged<'_>, spdx_id: String, date: &str, licenses: &mut BTreeMap<String, String>) -> Package {
    let r = e.record;
    let res = r.resolution.as_ref();
    let checksums = res
        .map(|x| {
            x.digests
                .iter()
                .filter_map(|(algo, value)| {
                    let (alg, len) = hash_alg(algo)?;
                    Some(Checksum { algorithm: spdx_algorithm(alg), checksum_value: clean_hex(value, len)? })
                })
                .collect()
        })
        .unwrap_or_default();
    let license_declared = match r.license.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => NOASSERTION.to_string(),
        Some(text) => license_expression(text).unwrap_or_else(|| {
            let id = license_ref(text);
            licenses.insert(id.clone(), text.to_string());
            id
        }),
    };
    let source_info = res.and_then(|x| {
        let upstream = x.upstream.as_deref()?;
        let tier = x.tier.as_deref().unwrap_or("none");
        let fallback = if x.fallback { ", fallback" } else { "" };
        let at = x.url.as_deref().map(|u| format!(" at {u}")).unwrap_or_default();
        Some(format!("depgate resolved it through upstream {upstream} (tier {tier}{fallback}){at}"))
    });
    let mut facts = serde_json::Map::new();
    for (key, value) in depgate_facts(e) {
        match facts.get_mut(key) {
            Some(serde_json::Value::String(s)) => {
                s.push_str(", ");
                s.push_str(&value);
            }
            _ => {
                facts.insert(key.to_string(), value.into());
            }
        }
    }
    Package {
        spdx_id,
        name: if r.package.name.is_empty() { r.package.purl.clone() } else { r.package.name.clone() },
        version_info: Some(r.package.version.clone()).filter(|v| !v.is_empty()),
        primary_package_purpose: if r.package.ecosystem == crate::ecosystem::Ecosystem::Oci {
            "CONTAINER"
        } else {
            "LIBRARY"
        },
        download_location: download_location(res.and_then(|x| x.url.as_deref())),
        files_analyzed: false,
        checksums,
        license_concluded: NOASSERTION,
        license_declared,
        source_info,
        external_refs: [&r.package.purl]
            .into_iter()
            .filter(|p| valid_purl(p))
            .map(|p| ExternalRef { category: "PACKAGE-MANAGER", kind: "purl", locator: p.clone() })
            .collect(),
        annotations: vec![Annotation {
            date: date.to_string(),
            kind: "OTHER",
            annotator: tool(),
            comment: serde_json::Value::Object(facts).to_string(),
        }],
    }
}

/// `CycloneDX`'s algorithm names (`SHA-256`) as SPDX spells them (`SHA256`).
fn spdx_algorithm(cdx: &'static str) -> &'static str {
    match cdx {
        "MD5" => "MD5",
        "SHA-1" => "SHA1",
        "SHA-384" => "SHA384",
        "SHA-512" => "SHA512",
        _ => "SHA256",
    }
}

/// Render `sbom.spdx.json`. `licenseConcluded` is always `NOASSERTION`: depgate reports
/// what packages declare and concludes nothing. The document namespace is derived from
/// the rest of the document unless `random_serial` asks for a random one.
pub fn render_spdx(run: &RunInfo, records: &[Record], project: &ProjectInfo, random_serial: bool) -> Vec<u8> {
    let date = created(&run.now);
    let entries = packages(run, records);
    let mut used: HashSet<String> = HashSet::from([PROJECT_ID.to_string()]);
    let mut licenses = BTreeMap::new();
    let mut packages = vec![Package {
        spdx_id: PROJECT_ID.into(),
        name: project.name.clone(),
        version_info: project.version.clone(),
        primary_package_purpose: "APPLICATION",
        download_location: NOASSERTION.into(),
        files_analyzed: false,
        checksums: Vec::new(),
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.into(),
        source_info: None,
        external_refs: Vec::new(),
        annotations: Vec::new(),
    }];
    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        kind: "DESCRIBES",
        related_spdx_element: PROJECT_ID.into(),
    }];
    for e in &entries {
        let p = &e.record.package;
        let base = format!("SPDXRef-Package-{}", id_text(&format!("{}-{}-{}", p.ecosystem, p.name, p.version)));
        let mut spdx_id = base.clone();
        let mut n = 1;
        while !used.insert(spdx_id.clone()) {
            n += 1;
            spdx_id = format!("{base}-{n}");
        }
        // Only the project's own edges: records do not say which package pulled in which.
        if e.direct {
            let (from, kind, to) = if e.dev {
                (spdx_id.clone(), "DEV_DEPENDENCY_OF", PROJECT_ID.to_string())
            } else if e.optional {
                (spdx_id.clone(), "OPTIONAL_DEPENDENCY_OF", PROJECT_ID.to_string())
            } else {
                (PROJECT_ID.to_string(), "DEPENDS_ON", spdx_id.clone())
            };
            relationships.push(Relationship { spdx_element_id: from, kind, related_spdx_element: to });
        }
        packages.push(package(e, spdx_id, &date, &mut licenses));
    }
    let name = match &project.version {
        Some(v) => format!("{}-{v}", project.name),
        None => project.name.clone(),
    };
    let mut doc = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name,
        namespace: String::new(),
        creation_info: CreationInfo {
            created: date,
            creators: vec![tool()],
            license_list_version: LICENSE_LIST_VERSION,
        },
        packages,
        has_extracted_licensing_infos: licenses
            .into_iter()
            .map(|(license_id, text)| ExtractedLicense {
                license_id,
                name: text.clone(),
                extracted_text: text,
                comment: "The licence as the package declares it; it is not an SPDX licence expression.",
            })
            .collect(),
        relationships,
    };
    let content = serde_json::to_vec(&doc).unwrap_or_default();
    let readable: String = id_text(&doc.name).chars().take(64).collect();
    doc.namespace = format!("https://depgate.invalid/spdx/{readable}-{}", uuid(&NAMESPACE, &content, random_serial));
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_canonical_or_refused() {
        assert_eq!(license_expression("mit").as_deref(), Some("MIT"));
        assert_eq!(
            license_expression(" (mit or apache-2.0)and BSD-3-clause ").as_deref(),
            Some("(MIT OR Apache-2.0) AND BSD-3-Clause")
        );
        assert_eq!(
            license_expression("gpl-2.0-only with classpath-exception-2.0").as_deref(),
            Some("GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(license_expression("GPL-2.0+").as_deref(), Some("GPL-2.0+"));
        assert_eq!(license_expression("Apache-2.0+").as_deref(), Some("Apache-2.0+"));
        for not_one in [
            "",
            "Custom",
            "SEE LICENSE IN LICENSE.md",
            "MIT WITH MIT",
            "Classpath-exception-2.0",
            "MIT OR",
            "LicenseRef-acme",
            "MIT++",
            "(MIT",
            "MIT\u{0}",
            "Apache 2.0",
        ] {
            assert_eq!(license_expression(not_one), None, "{not_one:?}");
        }
    }

    #[test]
    fn ids_refs_dates_and_locations() {
        assert_eq!(id_text("npm-@acme/logger-1.0.0+b"), "npm--acme-logger-1.0.0-b");
        let r = license_ref("SEE LICENSE IN LICENSE.md");
        assert!(r.starts_with("LicenseRef-SEE-LICENSE-IN-LICENSE.md-"), "{r}");
        assert_ne!(license_ref("a b"), license_ref("a-b"));
        assert!(license_ref("\u{1f600}").starts_with("LicenseRef-declared-"));
        assert_eq!(created("2025-03-22T10:11:12.123456789+02:00"), "2025-03-22T08:11:12Z");
        assert_eq!(created("garbage"), "1970-01-01T00:00:00Z");
        assert_eq!(
            download_location(Some("https://registry.npmjs.org/x/-/x-1.tgz")),
            "https://registry.npmjs.org/x/-/x-1.tgz"
        );
        for local in ["file:///tmp/r/x.jar", "http://127.0.0.1:8080/x.tgz", "http://localhost/x", "not a url"] {
            assert_eq!(download_location(Some(local)), NOASSERTION, "{local}");
        }
    }
}
