//! `maven-metadata.xml` at the artifact level (`group/path/artifact/maven-metadata.xml`):
//! the versions a repository holds for one `group:artifact`.
//!
//! Format notes (Maven's repository metadata model, `modelVersion` 1.0.0 and 1.1.0):
//! ```xml
//! <metadata modelVersion="1.1.0">
//!   <groupId>…</groupId> <artifactId>…</artifactId>
//!   <versioning>
//!     <latest>…</latest> <release>…</release>
//!     <versions><version>…</version>…</versions>
//!     <lastUpdated>yyyyMMddHHmmss</lastUpdated>   (UTC)
//!   </versioning>
//! </metadata>
//! ```
//! Old files may carry a top-level `<version>` instead of `<versions>`; it is read as a
//! one-element list.
//!
//! `lastUpdated` of this file dates the file, not any version: a repository rewrites it
//! whenever it regenerates the metadata (years-old releases show last month's stamp), so
//! it is never taken as a publish time. The version-level file of a SNAPSHOT
//! (`group/path/artifact/1.0-SNAPSHOT/maven-metadata.xml`, [`parse_snapshot_metadata`])
//! does date its version: `<snapshot><timestamp>` is when the newest build was deployed.
//!
//! Owns: reading this document. Must not: order or filter versions (that is policy's and
//! the engine's business); expand entities (see `xml.rs`).

use super::xml;

/// What `maven-metadata.xml` says about one artifact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MavenMetadata {
    pub group_id: Option<String>,
    pub artifact_id: Option<String>,
    /// Versions in document order (repositories append, so oldest first), duplicates removed.
    pub versions: Vec<String>,
    /// `<latest>`: the newest version deployed, snapshots included.
    pub latest: Option<String>,
    /// `<release>`: the newest non-snapshot version.
    pub release: Option<String>,
    /// `<lastUpdated>` as RFC 3339 UTC (`2024-06-03T18:18:26Z`); `None` when absent or not a
    /// valid `yyyyMMddHHmmss` stamp.
    pub last_updated: Option<String>,
}

/// The `<metadata>` root of `maven-metadata.xml` bytes (artifact or version level).
fn metadata_root(bytes: &[u8]) -> Result<xml::Element, String> {
    let text = xml::decode(bytes).map_err(|e| format!("maven-metadata.xml: {}", e.message))?;
    let root = xml::parse(&text).map_err(|e| {
        format!("maven-metadata.xml, line {}: {}", crate::ecosystem::line_of_offset(&text, e.offset), e.message)
    })?;
    if root.name != "metadata" {
        return Err(format!("maven-metadata.xml: the root element is <{}>, not <metadata>", root.name));
    }
    Ok(root)
}

/// Parses `maven-metadata.xml` bytes.
pub fn parse_maven_metadata(bytes: &[u8]) -> Result<MavenMetadata, String> {
    let root = metadata_root(bytes)?;
    let mut out = MavenMetadata {
        group_id: root.child_text("groupId"),
        artifact_id: root.child_text("artifactId"),
        ..MavenMetadata::default()
    };
    let mut push = |v: String| {
        if !out.versions.contains(&v) {
            out.versions.push(v);
        }
    };
    if let Some(versioning) = root.child("versioning") {
        if let Some(versions) = versioning.child("versions") {
            for v in versions.children_named("version") {
                let v = v.text.trim();
                if !v.is_empty() {
                    push(v.to_string());
                }
            }
        }
        out.latest = versioning.child_text("latest");
        out.release = versioning.child_text("release");
        out.last_updated = versioning.child_text("lastUpdated").as_deref().and_then(maven_timestamp);
    }
    if let Some(v) = root.child_text("version") {
        push(v);
    }
    Ok(out)
}

/// What a SNAPSHOT's version-level `maven-metadata.xml` says about when it was deployed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotMetadata {
    /// `<version>`: the version the file describes (`1.0-SNAPSHOT`).
    pub version: Option<String>,
    /// `<versioning><snapshot><timestamp>` (`yyyyMMdd.HHmmss`, UTC) as RFC 3339.
    pub timestamp: Option<String>,
    /// `<versioning><lastUpdated>` as RFC 3339.
    pub last_updated: Option<String>,
}

impl SnapshotMetadata {
    /// When `version` was deployed, if this file describes it: the snapshot's timestamp,
    /// else the file's `lastUpdated`. `None` when the file is about another version.
    pub fn published_at(&self, version: &str) -> Option<String> {
        if self.version.as_deref().is_some_and(|v| v != version) {
            return None;
        }
        self.timestamp.clone().or_else(|| self.last_updated.clone())
    }
}

/// Parses a SNAPSHOT's version-level `maven-metadata.xml`.
pub fn parse_snapshot_metadata(bytes: &[u8]) -> Result<SnapshotMetadata, String> {
    let root = metadata_root(bytes)?;
    let mut out = SnapshotMetadata { version: root.child_text("version"), ..SnapshotMetadata::default() };
    if let Some(versioning) = root.child("versioning") {
        out.timestamp = versioning
            .child("snapshot")
            .and_then(|s| s.child_text("timestamp"))
            .and_then(|t| maven_timestamp(&t.replacen('.', "", 1)));
        out.last_updated = versioning.child_text("lastUpdated").as_deref().and_then(maven_timestamp);
    }
    Ok(out)
}

/// `20240603181826` (UTC) → `2024-06-03T18:18:26Z`; `None` unless it is a real date and time.
pub fn maven_timestamp(stamp: &str) -> Option<String> {
    let s = stamp.trim();
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i16>().ok();
    let (year, month, day) = (n(0..4)?, i8::try_from(n(4..6)?).ok()?, i8::try_from(n(6..8)?).ok()?);
    let (hour, minute, second) =
        (i8::try_from(n(8..10)?).ok()?, i8::try_from(n(10..12)?).ok()?, i8::try_from(n(12..14)?).ok()?);
    jiff::civil::DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
    Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_and_stamp() {
        let m = parse_maven_metadata(
            b"<?xml version=\"1.0\"?><metadata><groupId>g</groupId><artifactId>a</artifactId><versioning>\
              <latest>2.0-SNAPSHOT</latest><release>1.1</release><versions><version>1.0</version>\
              <version> 1.1 </version><version>1.0</version></versions><lastUpdated>20240603181826</lastUpdated>\
              </versioning></metadata>",
        )
        .unwrap();
        assert_eq!(m.versions, ["1.0", "1.1"]);
        assert_eq!(m.release.as_deref(), Some("1.1"));
        assert_eq!(m.last_updated.as_deref(), Some("2024-06-03T18:18:26Z"));
    }

    #[test]
    fn a_snapshots_own_metadata_dates_it() {
        let m = parse_snapshot_metadata(
            b"<metadata modelVersion=\"1.1.0\"><groupId>g</groupId><artifactId>a</artifactId><version>1.0-SNAPSHOT</version>\
              <versioning><snapshot><timestamp>20240101.120000</timestamp><buildNumber>3</buildNumber></snapshot>\
              <lastUpdated>20240101120001</lastUpdated></versioning></metadata>",
        )
        .unwrap();
        assert_eq!(m.published_at("1.0-SNAPSHOT").as_deref(), Some("2024-01-01T12:00:00Z"));
        assert_eq!(m.published_at("2.0-SNAPSHOT"), None, "a file about another version dates nothing");
        // Without a snapshot element (a local deploy), lastUpdated of the version's own file.
        let local = parse_snapshot_metadata(
            b"<metadata><version>1.0-SNAPSHOT</version><versioning><lastUpdated>20240101120001</lastUpdated></versioning></metadata>",
        )
        .unwrap();
        assert_eq!(local.published_at("1.0-SNAPSHOT").as_deref(), Some("2024-01-01T12:00:01Z"));
        assert_eq!(parse_snapshot_metadata(b"<metadata/>").unwrap().published_at("1.0-SNAPSHOT"), None);
        assert!(parse_snapshot_metadata(b"<project/>").is_err());
    }

    #[test]
    fn bad_input() {
        assert!(parse_maven_metadata(b"<project/>").is_err());
        assert!(parse_maven_metadata(b"<metadata>").is_err());
        assert!(parse_maven_metadata(b"\xff\xfe").is_err());
        assert_eq!(maven_timestamp("20241399000000"), None);
        assert_eq!(maven_timestamp("2024"), None);
        assert_eq!(maven_timestamp("2024010100000x"), None);
    }
}
