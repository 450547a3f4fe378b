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
use super::cyclonedx::{Entry, ProjectInfo, clean_hex, depgate_facts, entries, hash_alg, uuid, valid_purl};
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

fn package(e: &Entry<'_>, spdx_id: String, date: &str, licenses: &mut BTreeMap<String, String>) -> Package {
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
        primary_package_purpose: "LIBRARY",
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
    let entries = entries(run, records);
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

/// `text` as a canonical SPDX licence expression (ids spelled as the SPDX License List
/// spells them, operators in capitals), or `None` when it is not one: bad syntax, or an id
/// that is not on the list. `LicenseRef-` ids count as not one, since this document would
/// have to carry their text.
pub(super) fn license_expression(text: &str) -> Option<String> {
    crate::policy::license::parse(text).ok()?;
    let mut out = String::new();
    let mut after_with = false;
    for token in tokens(text) {
        let canonical = match token {
            "(" | ")" => token.to_string(),
            w if ["AND", "OR", "WITH"].iter().any(|op| w.eq_ignore_ascii_case(op)) => w.to_ascii_uppercase(),
            w if after_with => find(EXCEPTION_IDS, w)?.to_string(),
            w => {
                if let Some(id) = find(LICENSE_IDS, w) {
                    id.to_string()
                } else {
                    let base = w.strip_suffix('+').filter(|b| !b.ends_with('+'))?;
                    format!("{}+", find(LICENSE_IDS, base)?)
                }
            }
        };
        after_with = canonical == "WITH";
        if !(out.is_empty() || out.ends_with('(') || canonical == ")") {
            out.push(' ');
        }
        out.push_str(&canonical);
    }
    Some(out)
}

/// Words and parentheses of an expression.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
            if c == '(' || c == ')' {
                out.push(&text[i..=i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// The list's spelling of `id` (SPDX ids match case-insensitively).
fn find(list: &'static str, id: &str) -> Option<&'static str> {
    list.split_ascii_whitespace().find(|x| x.eq_ignore_ascii_case(id))
}

// The SPDX License List 3.28 (deprecated ids included: they are still valid), less the 42
// ids that spdx-tools 0.8.5, the reference validator, does not know yet or files under the
// other kind (e.g. `GPL-2.0-with-classpath-exception`, `MIT-STK`). A licence declared
// with one of those becomes a `LicenseRef-` (SPDX) or a named licence (CycloneDX):
// accepted everywhere, at the cost of a few rare ids.
/// Licence identifiers.
const LICENSE_IDS: &str = "\
    0BSD 3D-Slicer-1.0 AAL Abstyles AdaCore-doc Adobe-2006 Adobe-Display-PostScript Adobe-Glyph Adobe-Utopia \
    ADSL AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 Afmparse AGPL-1.0 AGPL-1.0-only AGPL-1.0-or-later AGPL-3.0 \
    AGPL-3.0-only AGPL-3.0-or-later Aladdin AMD-newlib AMDPLPA AML AML-glslang AMPAS ANTLR-PD ANTLR-PD-fallback \
    any-OSI any-OSI-perl-modules Apache-1.0 Apache-1.1 Apache-2.0 APAFML APL-1.0 App-s2p APSL-1.0 APSL-1.1 \
    APSL-1.2 APSL-2.0 Arphic-1999 Artistic-1.0 Artistic-1.0-cl8 Artistic-1.0-Perl Artistic-2.0 Artistic-dist \
    Aspell-RU ASWF-Digital-Assets-1.0 ASWF-Digital-Assets-1.1 Baekmuk Bahyph Barr bcrypt-Solar-Designer \
    Beerware Bitstream-Charter Bitstream-Vera BitTorrent-1.0 BitTorrent-1.1 blessing BlueOak-1.0.0 Boehm-GC \
    Boehm-GC-without-fee Borceux Brian-Gladman-2-Clause Brian-Gladman-3-Clause BSD-1-Clause BSD-2-Clause \
    BSD-2-Clause-Darwin BSD-2-Clause-first-lines BSD-2-Clause-FreeBSD BSD-2-Clause-NetBSD BSD-2-Clause-Patent \
    BSD-2-Clause-pkgconf-disclaimer BSD-2-Clause-Views BSD-3-Clause BSD-3-Clause-acpica \
    BSD-3-Clause-Attribution BSD-3-Clause-Clear BSD-3-Clause-flex BSD-3-Clause-HP BSD-3-Clause-LBNL \
    BSD-3-Clause-Modification BSD-3-Clause-No-Military-License BSD-3-Clause-No-Nuclear-License \
    BSD-3-Clause-No-Nuclear-License-2014 BSD-3-Clause-No-Nuclear-Warranty BSD-3-Clause-Open-MPI \
    BSD-3-Clause-Sun BSD-4-Clause BSD-4-Clause-Shortened BSD-4-Clause-UC BSD-4.3RENO BSD-4.3TAHOE \
    BSD-Advertising-Acknowledgement BSD-Attribution-HPND-disclaimer BSD-Inferno-Nettverk BSD-Protection \
    BSD-Source-beginning-file BSD-Source-Code BSD-Systemics BSD-Systemics-W3Works BSL-1.0 BUSL-1.1 bzip2-1.0.5 \
    bzip2-1.0.6 C-UDA-1.0 CAL-1.0 CAL-1.0-Combined-Work-Exception Caldera Caldera-no-preamble Catharon \
    CATOSL-1.1 CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-2.5-AU CC-BY-3.0 CC-BY-3.0-AT CC-BY-3.0-AU CC-BY-3.0-DE \
    CC-BY-3.0-IGO CC-BY-3.0-NL CC-BY-3.0-US CC-BY-4.0 CC-BY-NC-1.0 CC-BY-NC-2.0 CC-BY-NC-2.5 CC-BY-NC-3.0 \
    CC-BY-NC-3.0-DE CC-BY-NC-4.0 CC-BY-NC-ND-1.0 CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5 CC-BY-NC-ND-3.0 \
    CC-BY-NC-ND-3.0-DE CC-BY-NC-ND-3.0-IGO CC-BY-NC-ND-4.0 CC-BY-NC-SA-1.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.0-DE \
    CC-BY-NC-SA-2.0-FR CC-BY-NC-SA-2.0-UK CC-BY-NC-SA-2.5 CC-BY-NC-SA-3.0 CC-BY-NC-SA-3.0-DE \
    CC-BY-NC-SA-3.0-IGO CC-BY-NC-SA-4.0 CC-BY-ND-1.0 CC-BY-ND-2.0 CC-BY-ND-2.5 CC-BY-ND-3.0 CC-BY-ND-3.0-DE \
    CC-BY-ND-4.0 CC-BY-SA-1.0 CC-BY-SA-2.0 CC-BY-SA-2.0-UK CC-BY-SA-2.1-JP CC-BY-SA-2.5 CC-BY-SA-3.0 \
    CC-BY-SA-3.0-AT CC-BY-SA-3.0-DE CC-BY-SA-3.0-IGO CC-BY-SA-4.0 CC-PDDC CC-PDM-1.0 CC-SA-1.0 CC0-1.0 CDDL-1.0 \
    CDDL-1.1 CDL-1.0 CDLA-Permissive-1.0 CDLA-Permissive-2.0 CDLA-Sharing-1.0 CECILL-1.0 CECILL-1.1 CECILL-2.0 \
    CECILL-2.1 CECILL-B CECILL-C CERN-OHL-1.1 CERN-OHL-1.2 CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 CFITSIO \
    check-cvs checkmk ClArtistic Clips CMU-Mach CMU-Mach-nodoc CNRI-Jython CNRI-Python \
    CNRI-Python-GPL-Compatible COIL-1.0 Community-Spec-1.0 Condor-1.1 copyleft-next-0.3.0 copyleft-next-0.3.1 \
    Cornell-Lossless-JPEG CPAL-1.0 CPL-1.0 CPOL-1.02 Cronyx Crossword CryptoSwift CrystalStacker CUA-OPL-1.0 \
    Cube curl cve-tou D-FSL-1.0 DEC-3-Clause diffmark DL-DE-BY-2.0 DL-DE-ZERO-2.0 DOC DocBook-DTD \
    DocBook-Schema DocBook-Stylesheet DocBook-XML Dotseqn DRL-1.0 DRL-1.1 DSDP dtoa dvipdfm ECL-1.0 ECL-2.0 \
    EFL-1.0 EFL-2.0 eGenix Elastic-2.0 Entessa EPICS EPL-1.0 EPL-2.0 ErlPL-1.1 etalab-2.0 EUDatagrid EUPL-1.0 \
    EUPL-1.1 EUPL-1.2 Eurosym Fair FBM FDK-AAC Ferguson-Twofish Frameworx-1.0 FreeBSD-DOC FreeImage FSFAP \
    FSFAP-no-warranty-disclaimer FSFUL FSFULLR FSFULLRSD FSFULLRWD FSL-1.1-ALv2 FSL-1.1-MIT FTL Furuseth fwlw \
    Game-Programming-Gems GCR-docs GD generic-xts GFDL-1.1 GFDL-1.1-invariants-only \
    GFDL-1.1-invariants-or-later GFDL-1.1-no-invariants-only GFDL-1.1-no-invariants-or-later GFDL-1.1-only \
    GFDL-1.1-or-later GFDL-1.2 GFDL-1.2-invariants-only GFDL-1.2-invariants-or-later \
    GFDL-1.2-no-invariants-only GFDL-1.2-no-invariants-or-later GFDL-1.2-only GFDL-1.2-or-later GFDL-1.3 \
    GFDL-1.3-invariants-only GFDL-1.3-invariants-or-later GFDL-1.3-no-invariants-only \
    GFDL-1.3-no-invariants-or-later GFDL-1.3-only GFDL-1.3-or-later Giftware GL2PS Glide Glulxe GLWTPL gnuplot \
    GPL-1.0 GPL-1.0+ GPL-1.0-only GPL-1.0-or-later GPL-2.0 GPL-2.0+ GPL-2.0-only GPL-2.0-or-later GPL-3.0 \
    GPL-3.0+ GPL-3.0-only GPL-3.0-or-later Graphics-Gems gSOAP-1.3b gtkbook Gutmann HaskellReport HDF5 hdparm \
    HIDAPI Hippocratic-2.1 HP-1986 HP-1989 HPND HPND-DEC HPND-doc HPND-doc-sell HPND-export-US \
    HPND-export-US-acknowledgement HPND-export-US-modify HPND-export2-US HPND-Fenneberg-Livingston \
    HPND-INRIA-IMAG HPND-Intel HPND-Kevlin-Henney HPND-Markus-Kuhn HPND-merchantability-variant \
    HPND-MIT-disclaimer HPND-Netrek HPND-Pbmplus HPND-sell-MIT-disclaimer-xserver HPND-sell-regexpr \
    HPND-sell-variant HPND-sell-variant-MIT-disclaimer HPND-sell-variant-MIT-disclaimer-rev HPND-UC \
    HPND-UC-export-US HTMLTIDY IBM-pibs ICU IEC-Code-Components-EULA IJG IJG-short ImageMagick iMatix Imlib2 \
    Info-ZIP Inner-Net-2.0 InnoSetup Intel Intel-ACPI Interbase-1.0 IPA IPL-1.0 ISC ISC-Veillard Jam JasPer-2.0 \
    jove JPL-image JPNIC JSON Kastrup Kazlib Knuth-CTAN LAL-1.2 LAL-1.3 Latex2e Latex2e-translated-notice \
    Leptonica LGPL-2.0 LGPL-2.0+ LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1+ LGPL-2.1-only \
    LGPL-2.1-or-later LGPL-3.0 LGPL-3.0+ LGPL-3.0-only LGPL-3.0-or-later LGPLLR Libpng libpng-1.6.35 libpng-2.0 \
    libselinux-1.0 libtiff libutil-David-Nugent LiLiQ-P-1.1 LiLiQ-R-1.1 LiLiQ-Rplus-1.1 Linux-man-pages-1-para \
    Linux-man-pages-copyleft Linux-man-pages-copyleft-2-para Linux-man-pages-copyleft-var Linux-OpenIB LOOP \
    LPD-document LPL-1.0 LPL-1.02 LPPL-1.0 LPPL-1.1 LPPL-1.2 LPPL-1.3a LPPL-1.3c lsof Lucida-Bitmap-Fonts \
    LZMA-SDK-9.11-to-9.20 LZMA-SDK-9.22 Mackerras-3-Clause Mackerras-3-Clause-acknowledgment magaz mailprio \
    MakeIndex man2html Martin-Birgmeier McPhee-slideshow metamail Minpack MIPS MirOS MIT MIT-0 MIT-advertising \
    MIT-Click MIT-CMU MIT-enna MIT-feh MIT-Festival MIT-Khronos-old MIT-Modern-Variant MIT-open-group \
    MIT-testregex MIT-Wu MITNFA MMIXware Motosoto MPEG-SSG mpi-permissive mpich2 MPL-1.0 MPL-1.1 MPL-2.0 mplus \
    MS-LPL MS-PL MS-RL MTLL MulanPSL-1.0 MulanPSL-2.0 Multics Mup NAIST-2003 NASA-1.3 Naumen NBPL-1.0 NCBI-PD \
    NCGL-UK-2.0 NCL NCSA Net-SNMP NetCDF Newsletr NGPL ngrep NICTA-1.0 NIST-PD NIST-PD-fallback NIST-Software \
    NLOD-1.0 NLOD-2.0 NLPL Nokia NOSL Noweb NPL-1.0 NPL-1.1 NPOSL-3.0 NRL NTIA-PD NTP NTP-0 Nunit O-UDA-1.0 OAR \
    OCCT-PL OCLC-2.0 ODbL-1.0 ODC-By-1.0 OFFIS OFL-1.0 OFL-1.0-no-RFN OFL-1.0-RFN OFL-1.1 OFL-1.1-no-RFN \
    OFL-1.1-RFN OGC-1.0 OGDL-Taiwan-1.0 OGL-Canada-2.0 OGL-UK-1.0 OGL-UK-2.0 OGL-UK-3.0 OGTSL OLDAP-1.1 \
    OLDAP-1.2 OLDAP-1.3 OLDAP-1.4 OLDAP-2.0 OLDAP-2.0.1 OLDAP-2.1 OLDAP-2.2 OLDAP-2.2.1 OLDAP-2.2.2 OLDAP-2.3 \
    OLDAP-2.4 OLDAP-2.5 OLDAP-2.6 OLDAP-2.7 OLDAP-2.8 OLFL-1.3 OML OpenPBS-2.3 OpenSSL OpenSSL-standalone \
    OpenVision OPL-1.0 OPL-UK-3.0 OPUBL-1.0 OSET-PL-2.1 OSL-1.0 OSL-1.1 OSL-2.0 OSL-2.1 OSL-3.0 PADL \
    Parity-6.0.0 Parity-7.0.0 PDDL-1.0 PHP-3.0 PHP-3.01 Pixar pkgconf Plexus pnmstitch \
    PolyForm-Noncommercial-1.0.0 PolyForm-Small-Business-1.0.0 PostgreSQL PPL PSF-2.0 psfrag psutils Python-2.0 \
    Python-2.0.1 python-ldap Qhull QPL-1.0 QPL-1.0-INRIA-2004 radvd Rdisc RHeCos-1.1 RPL-1.1 RPL-1.5 RPSL-1.0 \
    RSA-MD RSCPL Ruby Ruby-pty SAX-PD SAX-PD-2.0 Saxpath SCEA SchemeReport Sendmail Sendmail-8.23 \
    Sendmail-Open-Source-1.1 SGI-B-1.0 SGI-B-1.1 SGI-B-2.0 SGI-OpenGL SGP4 SHL-0.5 SHL-0.51 SimPL-2.0 SISSL \
    SISSL-1.2 SL Sleepycat SMAIL-GPL SMLNJ SMPPL SNIA snprintf SOFA softSurfer Soundex Spencer-86 Spencer-94 \
    Spencer-99 SPL-1.0 ssh-keyscan SSH-OpenSSH SSH-short SSLeay-standalone SSPL-1.0 StandardML-NJ \
    SugarCRM-1.1.3 SUL-1.0 Sun-PPP Sun-PPP-2000 SunPro SWL swrule Symlinks TAPR-OHL-1.0 TCL TCP-wrappers \
    TermReadKey TGPPL-1.0 ThirdEye threeparttable TMate TORQUE-1.1 TOSL TPDL TPL-1.0 TrustedQSL TTWL TTYP0 \
    TU-Berlin-1.0 TU-Berlin-2.0 Ubuntu-font-1.0 UCAR UCL-1.0 ulem UMich-Merit Unicode-3.0 Unicode-DFS-2015 \
    Unicode-DFS-2016 Unicode-TOU UnixCrypt Unlicense Unlicense-libtelnet Unlicense-libwhirlpool UPL-1.0 URT-RLE \
    Vim VOSTROM VSL-1.0 W3C W3C-19980720 W3C-20150513 w3m Watcom-1.0 Widget-Workshop Wsuipa WTFPL wwl wxWindows \
    X11 X11-distribute-modifications-variant X11-swapped Xdebug-1.03 Xerox Xfig XFree86-1.1 xinetd \
    xkeyboard-config-Zinoviev xlock Xnet xpp XSkat xzoom YPL-1.0 YPL-1.1 Zed Zeeff Zend-2.0 Zimbra-1.3 \
    Zimbra-1.4 Zlib zlib-acknowledgement ZPL-1.1 ZPL-2.0 ZPL-2.1";
/// Exception identifiers (after `WITH`).
const EXCEPTION_IDS: &str = "\
    389-exception Asterisk-exception Asterisk-linking-protocols-exception Autoconf-exception-2.0 \
    Autoconf-exception-3.0 Autoconf-exception-generic Autoconf-exception-generic-3.0 Autoconf-exception-macro \
    Bison-exception-1.24 Bison-exception-2.2 Bootloader-exception CGAL-linking-exception \
    Classpath-exception-2.0 CLISP-exception-2.0 cryptsetup-OpenSSL-exception Digia-Qt-LGPL-exception-1.1 \
    DigiRule-FOSS-exception eCos-exception-2.0 erlang-otp-linking-exception Fawkes-Runtime-exception \
    FLTK-exception fmt-exception Font-exception-2.0 freertos-exception-2.0 GCC-exception-2.0 \
    GCC-exception-2.0-note GCC-exception-3.1 Gmsh-exception GNAT-exception GNOME-examples-exception \
    GNU-compiler-exception gnu-javamail-exception GPL-3.0-389-ds-base-exception GPL-3.0-interface-exception \
    GPL-3.0-linking-exception GPL-3.0-linking-source-exception GPL-CC-1.0 GStreamer-exception-2005 \
    GStreamer-exception-2008 harbour-exception i2p-gpl-java-exception Independent-modules-exception \
    KiCad-libraries-exception LGPL-3.0-linking-exception libpri-OpenH323-exception Libtool-exception \
    Linux-syscall-note LLGPL LLVM-exception LZMA-exception mif-exception mxml-exception Nokia-Qt-exception-1.1 \
    OCaml-LGPL-linking-exception OCCT-exception-1.0 OpenJDK-assembly-exception-1.0 openvpn-openssl-exception \
    PCRE2-exception polyparse-exception PS-or-PDF-font-exception-20170817 QPL-1.0-INRIA-2004-exception \
    Qt-GPL-exception-1.0 Qt-LGPL-exception-1.1 Qwt-exception-1.0 romic-exception RRDtool-FLOSS-exception-2.0 \
    SANE-exception SHL-2.0 SHL-2.1 stunnel-exception SWI-exception Swift-exception Texinfo-exception \
    u-boot-exception-2.0 UBDL-exception Universal-FOSS-exception-1.0 vsftpd-openssl-exception \
    WxWindows-exception-3.1 x11vnc-openssl-exception";

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
