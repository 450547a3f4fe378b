//! What both SBOMs share: the project they describe, the records merged by purl into one
//! package each ([`packages`]), name-based UUIDs ([`uuid`]), digests and purls checked
//! before they are written, the `depgate:` facts of a package, and SPDX licence
//! expressions in canonical form ([`license_expression`]). Pure: no files, no clock but
//! the run's `now`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha1::{Digest as _, Sha1};

use super::RunInfo;
use crate::engine::{AttestationRecord, Decision, Record, Verification};

/// The project under build: the root of both SBOMs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    pub name: String,
    pub version: Option<String>,
}

/// One package of the SBOMs: the records that share a purl, merged. Several lockfiles may
/// lock the same package; it is one component with every place that locks it.
pub(super) struct Merged<'a> {
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
    /// Installed for the package manager itself in every lockfile (pnpm's own packages).
    pub package_manager: bool,
}

/// The records merged by purl, sorted by purl. Lockfile paths are shown relative to the
/// project, so the SBOM does not depend on where the project was checked out.
pub(super) fn packages<'a>(run: &RunInfo, records: &'a [Record]) -> Vec<Merged<'a>> {
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
            Merged {
                record,
                locations,
                direct: group.iter().any(|r| r.package.direct),
                dev: group.iter().all(|r| r.package.dev),
                optional: group.iter().all(|r| r.package.optional),
                package_manager: group.iter().all(|r| r.package.package_manager),
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
    let Verification::Verified(v) = &r.evidence.verification else { return None };
    let verified = || v.attestations.iter().filter(|a| a.verified);
    verified().find(|a| a.kind == "provenance").or_else(|| verified().next())
}

/// The `depgate:` facts of one package, in a fixed order: the `CycloneDX` properties and the
/// SPDX annotation say the same.
pub(super) fn depgate_facts(e: &Merged<'_>) -> Vec<(&'static str, String)> {
    let r = e.record;
    let res = r.resolution.as_ref();
    let mut out = vec![
        ("depgate:upstream", res.and_then(|x| x.upstream.clone()).unwrap_or_else(|| "none".into())),
        ("depgate:tier", res.and_then(|x| x.tier.clone()).unwrap_or_else(|| "none".into())),
        ("depgate:fallback", res.is_some_and(|x| x.fallback).to_string()),
        ("depgate:verification", r.evidence.verification.status().as_str().to_string()),
    ];
    if e.package_manager {
        // Not the project's dependency: the package manager's own (pnpm 11's `@pnpm/exe`).
        out.push(("depgate:role", "package-manager".to_string()));
    }
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
            ("depgate:identity:fingerprint", &id.fingerprint),
            ("depgate:identity:user_id", &id.user_id),
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
    let advisories: Vec<&str> = r.evidence.advisories.matched().iter().map(|a| a.id.as_str()).collect();
    if !advisories.is_empty() {
        out.push(("depgate:advisories", advisories.join(",")));
    }
    out.extend(super::reviews::sbom_properties(r));
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
            w if after_with => find(IdList::Exceptions, w)?.to_string(),
            w => {
                if let Some(id) = find(IdList::Licenses, w) {
                    id.to_string()
                } else {
                    let base = w.strip_suffix('+').filter(|b| !b.ends_with('+'))?;
                    format!("{}+", find(IdList::Licenses, base)?)
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
fn find(list: IdList, id: &str) -> Option<&'static str> {
    // Each list indexed once by lower-case id: a check writes an SBOM entry per package,
    // and a scan of the ~700 ids per word was a tenth of a warm run's time.
    type Index = std::collections::HashMap<String, &'static str>;
    static INDEXES: std::sync::OnceLock<(Index, Index)> = std::sync::OnceLock::new();
    let index =
        |ids: &'static str| -> Index { ids.split_ascii_whitespace().map(|x| (x.to_ascii_lowercase(), x)).collect() };
    let (licenses, exceptions) = INDEXES.get_or_init(|| (index(LICENSE_IDS), index(EXCEPTION_IDS)));
    let index = match list {
        IdList::Licenses => licenses,
        IdList::Exceptions => exceptions,
    };
    index.get(&id.to_ascii_lowercase()).copied()
}

/// Which SPDX list an id is looked up in.
#[derive(Debug, Clone, Copy)]
enum IdList {
    Licenses,
    Exceptions,
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
