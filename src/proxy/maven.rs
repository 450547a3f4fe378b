//! Maven repository layout for the proxy: request paths and `maven-metadata.xml`.
//!
//! The proxy serves a Maven 2 ("default") repository layout to mvn and Gradle under a
//! prefix the caller strips. Three kinds of path are understood:
//! - `g/r/o/u/p/artifact/maven-metadata.xml`: the versions of `group:artifact`;
//! - `g/r/o/u/p/artifact/1.0-SNAPSHOT/maven-metadata.xml`: snapshot metadata. Only a folder
//!   whose name ends with `-SNAPSHOT` (any case) makes this reading; otherwise the path is
//!   the artifact-level kind with one more group segment. Group-level metadata (Maven's
//!   plugin-prefix lists, `org/apache/maven/plugins/maven-metadata.xml`) has the same shape
//!   and reads as artifact `plugins` of group `org.apache.maven`; the caller finds no such
//!   artifact and answers 404, which Maven tolerates;
//! - `g/r/o/u/p/artifact/version/artifact-version[-classifier].ext`: a file of a version.
//!   Snapshot files may carry their timestamp (`lib-1.0-20240101.120000-3.jar` in
//!   `1.0-SNAPSHOT/`); `tar.gz`-style extensions count as one.
//!
//! Sidecars: a name may end with one of `.md5`, `.sha1`, `.sha256`, `.sha512`, `.asc`,
//! `.sigstore.json` ([`Sidecar`]): the requested bytes are then that sidecar of the file
//! without the suffix. One digest may follow one signature suffix (`x.jar.asc.sha1`, which
//! Maven's resolver asks for when a build resolves signatures, e.g. the pgpverify plugin):
//! that is the digest of the file `x.jar.asc`, reported as a file whose extension is
//! `jar.asc`, exactly as Maven's resolver itself names signature artifacts. Other stacks
//! (`x.jar.sha1.md5`, `x.jar.asc.asc`) are refused. `maven-metadata.xml` takes digests
//! only: the proxy writes its own metadata, so an upstream signature could not match it.
//!
//! Paths arrive raw (not percent-decoded, query removed). Each segment is decoded here; a
//! segment is refused when it is empty, longer than 255 bytes, starts with `.` (so `.` and
//! `..`, encoded or not), contains an encoded `/`, a `\`, `%` after decoding (double
//! encoding), whitespace, control characters (NUL included) or one of `:*?"<>|`. Group
//! segments may not contain `.` at all (the layout turns the group's dots into slashes, so
//! such a path names no group). Paths of more than 2,048 bytes or 64 segments are refused.
//!
//! Checksums: [`Sidecar::checksum`] computes SHA-1 and SHA-2 digests of bytes the proxy
//! holds (its own `maven-metadata.xml`, or a file it serves). There is no MD5
//! implementation in the build, so it returns `None` for [`Sidecar::Md5`]: the caller
//! answers 404 for an `.md5` it cannot compute unless the upstream serves one. Maven and
//! Gradle fall back to (or prefer) SHA-1.
//!
//! Owns: the path grammar and the metadata document. Must not: decide which versions are
//! listed (the caller hands them in) or fetch anything.

use sha2::Digest;

use crate::ecosystem::maven::split_artifact_file;
use crate::ecosystem::maven::version::MavenVersion;

/// A checksum/signature suffix a client may ask for beside a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sidecar {
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Asc,
    /// A Sigstore bundle, `.sigstore.json`.
    Sigstore,
}

/// Digest sidecars, tried before signatures so that `x.jar.asc.sha1` splits at `.sha1`.
const DIGESTS: [Sidecar; 4] = [Sidecar::Md5, Sidecar::Sha1, Sidecar::Sha256, Sidecar::Sha512];
const SIGNATURES: [Sidecar; 2] = [Sidecar::Asc, Sidecar::Sigstore];

impl Sidecar {
    /// The suffix with its leading dot: `.sha1`, `.sigstore.json`.
    pub fn suffix(self) -> &'static str {
        match self {
            Sidecar::Md5 => ".md5",
            Sidecar::Sha1 => ".sha1",
            Sidecar::Sha256 => ".sha256",
            Sidecar::Sha512 => ".sha512",
            Sidecar::Asc => ".asc",
            Sidecar::Sigstore => ".sigstore.json",
        }
    }

    /// The body of this sidecar for `bytes`: lowercase hex for SHA-1, SHA-256 and SHA-512
    /// (no file name, no newline, as Maven Central serves them). `None` for signatures,
    /// which only their signer can make, and for MD5, which this build cannot compute (see
    /// the module notes).
    pub fn checksum(self, bytes: &[u8]) -> Option<String> {
        match self {
            Sidecar::Sha1 => Some(hex::encode(sha1::Sha1::digest(bytes))),
            Sidecar::Sha256 => Some(hex::encode(sha2::Sha256::digest(bytes))),
            Sidecar::Sha512 => Some(hex::encode(sha2::Sha512::digest(bytes))),
            Sidecar::Md5 | Sidecar::Asc | Sidecar::Sigstore => None,
        }
    }
}

/// What a client asked the Maven repository for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MavenRequest {
    /// `g/r/o/u/p/artifact/maven-metadata.xml` (+ optional sidecar checksum).
    Metadata { group: String, artifact: String, sidecar: Option<Sidecar> },
    /// `g/r/o/u/p/artifact/version/maven-metadata.xml` (snapshot metadata; may be refused by caller).
    VersionMetadata { group: String, artifact: String, version: String, sidecar: Option<Sidecar> },
    /// A file of a version: `g/r/o/u/p/artifact/version/artifact-version[-classifier].ext`
    /// (+ sidecar). `filename` is the file the sidecar belongs to (the requested name
    /// without the sidecar's suffix); `extension` may be compound (`tar.gz`, and `jar.asc`
    /// for a digest of a signature).
    File {
        group: String,
        artifact: String,
        version: String,
        classifier: Option<String>,
        extension: String,
        filename: String,
        sidecar: Option<Sidecar>,
    },
}

impl MavenRequest {
    /// `group:artifact`.
    pub fn name(&self) -> String {
        match self {
            MavenRequest::Metadata { group, artifact, .. }
            | MavenRequest::VersionMetadata { group, artifact, .. }
            | MavenRequest::File { group, artifact, .. } => format!("{group}:{artifact}"),
        }
    }
}

const MAX_PATH_BYTES: usize = 2048;
const MAX_SEGMENTS: usize = 64;
const MAX_SEGMENT_BYTES: usize = 255;
const METADATA: &str = "maven-metadata.xml";

/// Parses a request path: raw (percent-encoded as sent), without the proxy's prefix or the
/// query; one leading `/` is tolerated. See the module notes for the grammar and what is
/// refused. Errors are messages safe to show the client: they never repeat the path.
pub fn parse_request(path: &str) -> Result<MavenRequest, String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    if path.is_empty() {
        return Err("not a Maven repository path: empty".into());
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(format!("not a Maven repository path: longer than {MAX_PATH_BYTES} bytes"));
    }
    let raw: Vec<&str> = path.split('/').collect();
    if raw.len() > MAX_SEGMENTS {
        return Err(format!("not a Maven repository path: more than {MAX_SEGMENTS} segments"));
    }
    let segments = raw.iter().map(|s| decode_segment(s)).collect::<Result<Vec<_>, _>>()?;
    let Some((file, dirs)) = segments.split_last() else {
        return Err("not a Maven repository path: empty".into());
    };
    let (base, sidecar) = split_sidecar(file)?;
    if base == METADATA {
        return metadata_request(dirs, sidecar);
    }
    let [group @ .., artifact, version] = dirs else {
        return Err("not a Maven repository path: a file is group/path/artifact/version/file".into());
    };
    let group = group_name(group)?;
    let (classifier, extension) = split_file(artifact, version, base).ok_or_else(|| {
        "not a Maven repository path: the file name is not artifact-version[-classifier].extension".to_string()
    })?;
    Ok(MavenRequest::File {
        group,
        artifact: artifact.clone(),
        version: version.clone(),
        classifier,
        extension,
        filename: base.to_string(),
        sidecar,
    })
}

fn metadata_request(dirs: &[String], sidecar: Option<Sidecar>) -> Result<MavenRequest, String> {
    if sidecar.is_some_and(|s| SIGNATURES.contains(&s)) {
        return Err("maven-metadata.xml is written by depgate: it has no signature".into());
    }
    if let [group @ .., artifact, version] = dirs
        && !group.is_empty()
        && MavenVersion::parse(version).is_snapshot()
    {
        return Ok(MavenRequest::VersionMetadata {
            group: group_name(group)?,
            artifact: artifact.clone(),
            version: version.clone(),
            sidecar,
        });
    }
    let [group @ .., artifact] = dirs else {
        return Err("not a Maven repository path: maven-metadata.xml needs a group and an artifact".into());
    };
    Ok(MavenRequest::Metadata { group: group_name(group)?, artifact: artifact.clone(), sidecar })
}

/// The group of the directory segments before the artifact: `["com", "acme"]` → `com.acme`.
fn group_name(segments: &[String]) -> Result<String, String> {
    if segments.is_empty() {
        return Err("not a Maven repository path: no group".into());
    }
    if segments.iter().any(|s| s.contains('.')) {
        return Err("not a Maven repository path: a group folder contains '.'".into());
    }
    Ok(segments.join("."))
}

/// Splits a requested file name into the file and its sidecar. A digest may follow a
/// signature (`x.jar.asc.sha1`: the digest of `x.jar.asc`); nothing else stacks.
fn split_sidecar(name: &str) -> Result<(&str, Option<Sidecar>), String> {
    let stacked = || Err("not a Maven repository path: too many checksum or signature suffixes".to_string());
    if let Some((digest, base)) = strip_sidecar(&DIGESTS, name) {
        let plain = strip_sidecar(&SIGNATURES, base).map_or(base, |(_, inner)| inner);
        if has_sidecar(plain) {
            return stacked();
        }
        return Ok((base, Some(digest)));
    }
    if let Some((signature, base)) = strip_sidecar(&SIGNATURES, name) {
        if has_sidecar(base) {
            return stacked();
        }
        return Ok((base, Some(signature)));
    }
    Ok((name, None))
}

/// The first of `kinds` that `name` ends with, and what comes before it (never empty).
fn strip_sidecar<'a>(kinds: &[Sidecar], name: &'a str) -> Option<(Sidecar, &'a str)> {
    kinds.iter().find_map(|k| name.strip_suffix(k.suffix()).filter(|base| !base.is_empty()).map(|base| (*k, base)))
}

fn has_sidecar(name: &str) -> bool {
    strip_sidecar(&DIGESTS, name).is_some() || strip_sidecar(&SIGNATURES, name).is_some()
}

/// The classifier and extension of `file` in `artifact`'s `version` folder. A signature file
/// (`x.jar.asc`, only reached with a digest sidecar) keeps its suffix in the extension.
fn split_file(artifact: &str, version: &str, file: &str) -> Option<(Option<String>, String)> {
    for signature in SIGNATURES {
        if let Some(signed) = file.strip_suffix(signature.suffix()) {
            let (classifier, extension) = split_artifact_file(artifact, version, signed)?;
            return Some((classifier, format!("{extension}{}", signature.suffix())));
        }
    }
    split_artifact_file(artifact, version, file)
}

/// Percent-decodes one path segment and checks it (see the module notes).
fn decode_segment(raw: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("not a Maven repository path: {why}"));
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = bytes
                .get(i + 1..i + 3)
                .filter(|pair| pair.iter().all(u8::is_ascii_hexdigit))
                .and_then(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok());
            let Some(byte) = byte else {
                return bad("a '%' is not followed by two hexadecimal digits");
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let Ok(segment) = String::from_utf8(out) else {
        return bad("a segment is not UTF-8");
    };
    if segment.is_empty() {
        return bad("an empty segment");
    }
    if segment.len() > MAX_SEGMENT_BYTES {
        return bad("a segment is longer than 255 bytes");
    }
    if segment.starts_with('.') {
        return bad("a segment starts with '.'");
    }
    if segment.contains('/') {
        return bad("an encoded '/' in a segment");
    }
    if segment.chars().any(|c| c.is_control() || c.is_whitespace() || "\\%:*?\"<>|".contains(c)) {
        return bad("a segment contains a character Maven paths never use");
    }
    Ok(segment)
}

/// `maven-metadata.xml` for `group:artifact` listing exactly `versions` (any order in; sorted
/// by Maven order out, duplicates removed), with `<latest>` the highest and `<release>` the
/// highest non-SNAPSHOT, `<lastUpdated>` as yyyyMMddHHmmss (UTC) from `last_updated`
/// (RFC 3339; omitted if `None` or unreadable). Empty `versions`: a valid document with an
/// empty `<versions/>` and no latest/release.
///
/// Versions that Maven-compare equal but differ as strings (`1.0`, `1`) are distinct
/// folders and both stay, in string order. Versions no client could ask for are left out:
/// empty ones and ones with whitespace or control characters (they could not survive the
/// XML either). Characters XML cannot carry in `group` or `artifact` become U+FFFD.
pub fn render_metadata(group: &str, artifact: &str, versions: &[String], last_updated: Option<&str>) -> Vec<u8> {
    let mut listed: Vec<MavenVersion> = versions
        .iter()
        .filter(|v| !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c.is_control() || !xml_char(c)))
        .map(|v| MavenVersion::parse(v))
        .collect();
    listed.sort_by(|a, b| a.cmp(b).then_with(|| a.as_str().cmp(b.as_str())));
    listed.dedup_by(|a, b| a.as_str() == b.as_str());

    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n");
    element(&mut xml, 1, "groupId", group);
    element(&mut xml, 1, "artifactId", artifact);
    xml.push_str("  <versioning>\n");
    if let Some(latest) = listed.last() {
        element(&mut xml, 2, "latest", latest.as_str());
    }
    if let Some(release) = listed.iter().rev().find(|v| !v.is_snapshot()) {
        element(&mut xml, 2, "release", release.as_str());
    }
    if listed.is_empty() {
        xml.push_str("    <versions/>\n");
    } else {
        xml.push_str("    <versions>\n");
        for v in &listed {
            element(&mut xml, 3, "version", v.as_str());
        }
        xml.push_str("    </versions>\n");
    }
    if let Some(stamp) = last_updated.and_then(maven_stamp) {
        element(&mut xml, 2, "lastUpdated", &stamp);
    }
    xml.push_str("  </versioning>\n</metadata>\n");
    xml.into_bytes()
}

/// RFC 3339 (any offset) → `yyyyMMddHHmmss` in UTC; `None` when unreadable or outside years
/// 0 to 9999.
fn maven_stamp(rfc3339: &str) -> Option<String> {
    let ts: jiff::Timestamp = rfc3339.trim().parse().ok()?;
    let t = jiff::tz::Offset::UTC.to_datetime(ts);
    (0..=9999).contains(&t.year()).then(|| {
        format!("{:04}{:02}{:02}{:02}{:02}{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second())
    })
}

/// Appends `<name>text</name>` on its own line, `depth` levels in, `text` escaped.
fn element(xml: &mut String, depth: usize, name: &str, text: &str) {
    xml.push_str(&"  ".repeat(depth));
    xml.push('<');
    xml.push_str(name);
    xml.push('>');
    xml.push_str(&escape(text));
    xml.push_str("</");
    xml.push_str(name);
    xml.push_str(">\n");
}

/// Whether XML 1.0 can carry `c` (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for element content; characters XML cannot carry become U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

#[cfg(test)]
#[path = "maven_tests.rs"]
mod tests;
