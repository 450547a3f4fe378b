//! Maven POMs, as far as depgate needs them: coordinates, packaging, parent, licences and
//! source repository.
//!
//! Format notes (Maven's POM reference): `groupId` and `version` may be inherited from
//! `<parent>` and are then absent; `artifactId` never is. `packaging` defaults to `jar`.
//! Values may hold `${…}` expressions: those naming this POM's `<properties>` or its own
//! coordinates (`${project.version}`, `${project.parent.version}`…) are expanded, others are
//! left as written. Licences and `<scm>` are what this POM declares: Maven inherits them
//! from the parent, which this pure parser does not fetch; [`Pom::inherit_licenses`] applies
//! a parent's once the caller has it.
//!
//! Owns: reading a POM and the packaging → extension mapping. Must not: resolve
//! dependencies, fetch parents, or expand entities (see `xml.rs`).

use std::collections::BTreeMap;

use super::license::{self, License};
use super::xml::{self, Element};

/// The parts of a POM depgate reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pom {
    /// `<groupId>`, else the parent's.
    pub group_id: Option<String>,
    /// `<artifactId>`.
    pub artifact_id: Option<String>,
    /// `<version>`, else the parent's.
    pub version: Option<String>,
    /// `<packaging>`, `jar` when absent.
    pub packaging: String,
    /// `<name>`.
    pub name: Option<String>,
    /// `<url>` of the project.
    pub url: Option<String>,
    pub parent: Option<Parent>,
    /// `<licenses>` in document order, each mapped to SPDX where known.
    pub licenses: Vec<License>,
    /// `<scm><url>`, else the `<connection>` / `<developerConnection>` without its
    /// `scm:<provider>:` prefix.
    pub scm_url: Option<String>,
}

/// `<parent>`: the POM this one inherits from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parent {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
}

impl Pom {
    /// The SPDX expression of the declared licences (see [`license::expression`]: several
    /// licences are a choice, joined with `OR`); `None` when there are none or one is unknown.
    pub fn license_expression(&self) -> Option<String> {
        license::expression(&self.licenses)
    }

    /// Takes the parent's licences when this POM declares none, as Maven's inheritance does.
    pub fn inherit_licenses(&mut self, parent: &Pom) {
        if self.licenses.is_empty() {
            self.licenses.clone_from(&parent.licenses);
        }
    }
}

/// Parses POM bytes (UTF-8, or ISO-8859-1 when declared).
pub fn parse_pom(bytes: &[u8]) -> Result<Pom, String> {
    let text = xml::decode(bytes).map_err(|e| format!("POM: {}", e.message))?;
    let root = xml::parse(&text)
        .map_err(|e| format!("POM, line {}: {}", crate::ecosystem::line_of_offset(&text, e.offset), e.message))?;
    if root.name != "project" {
        return Err(format!("POM: the root element is <{}>, not <project>", root.name));
    }
    let parent = root.child("parent").and_then(|p| {
        Some(Parent {
            group_id: p.child_text("groupId")?,
            artifact_id: p.child_text("artifactId")?,
            version: p.child_text("version")?,
        })
    });
    let mut props: BTreeMap<String, String> = BTreeMap::new();
    if let Some(p) = root.child("properties") {
        for c in &p.children {
            props.insert(c.name.clone(), c.text.trim().to_string());
        }
    }
    let group_id = root.child_text("groupId").or_else(|| parent.as_ref().map(|p| p.group_id.clone()));
    let version = root.child_text("version").or_else(|| parent.as_ref().map(|p| p.version.clone()));
    let artifact_id = root.child_text("artifactId");
    for (key, value) in [("groupId", &group_id), ("artifactId", &artifact_id), ("version", &version)] {
        if let Some(v) = value {
            props.insert(format!("project.{key}"), v.clone());
            props.insert(format!("pom.{key}"), v.clone());
            props.entry(key.to_string()).or_insert_with(|| v.clone());
        }
    }
    if let Some(p) = &parent {
        props.insert("project.parent.groupId".into(), p.group_id.clone());
        props.insert("project.parent.artifactId".into(), p.artifact_id.clone());
        props.insert("project.parent.version".into(), p.version.clone());
    }
    let scm = root.child("scm");
    if let Some(tag) = scm.and_then(|s| s.child_text("tag")) {
        props.insert("project.scm.tag".into(), tag);
    }
    let expand = |v: Option<String>| v.map(|v| interpolate(&v, &props));
    let scm_url = scm.and_then(|s| {
        s.child_text("url").or_else(|| {
            ["connection", "developerConnection"].iter().find_map(|c| s.child_text(c)).map(|c| strip_scm_prefix(&c))
        })
    });
    let licenses = root
        .child("licenses")
        .map(|ls| {
            ls.children_named("license")
                .map(|l: &Element| License::new(expand(l.child_text("name")), expand(l.child_text("url"))))
                .filter(|l| l.name.is_some() || l.url.is_some())
                .collect()
        })
        .unwrap_or_default();
    Ok(Pom {
        group_id: expand(group_id.clone()),
        artifact_id: expand(artifact_id.clone()),
        version: expand(version.clone()),
        packaging: expand(root.child_text("packaging")).unwrap_or_else(|| "jar".to_string()),
        name: expand(root.child_text("name")),
        url: expand(root.child_text("url")),
        parent,
        licenses,
        scm_url: expand(scm_url),
    })
}

/// `scm:git:https://github.com/a/b.git` → `https://github.com/a/b.git`.
fn strip_scm_prefix(connection: &str) -> String {
    let Some(rest) = connection.strip_prefix("scm:") else {
        return connection.to_string();
    };
    // The provider is one word; `git@host:path` keeps its own colon.
    match rest.split_once(':') {
        Some((provider, url)) if provider.bytes().all(|b| b.is_ascii_alphanumeric()) => url.to_string(),
        _ => rest.to_string(),
    }
}

/// Expands `${name}` from `props`, a bounded number of rounds; unknown names stay as written.
fn interpolate(value: &str, props: &BTreeMap<String, String>) -> String {
    let mut out = value.to_string();
    for _ in 0..4 {
        if !out.contains("${") {
            break;
        }
        let mut next = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(start) = rest.find("${") {
            next.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                next.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let key = &after[..end];
            match props.get(key) {
                Some(v) => next.push_str(v),
                None => next.push_str(&rest[start..start + 3 + end]),
            }
            rest = &after[end + 1..];
        }
        next.push_str(rest);
        if next == out || next.len() > 4096 {
            break;
        }
        out = next;
    }
    out
}

/// The file extension of a project's main artifact for its `<packaging>` (or a dependency's
/// `<type>`): Maven's artifact handlers and the common plugin-defined ones. Unknown
/// packagings use their own name, as Maven does.
pub fn packaging_extension(packaging: &str) -> &str {
    match packaging.trim() {
        ""
        | "jar"
        | "bundle"
        | "maven-plugin"
        | "ejb"
        | "ejb-client"
        | "test-jar"
        | "java-source"
        | "javadoc"
        | "eclipse-plugin"
        | "eclipse-test-plugin"
        | "eclipse-feature"
        | "eclipse-repository"
        | "hk2-jar"
        | "takari-jar"
        | "takari-maven-plugin"
        | "jenkins-module"
        | "nar"
        | "kotlin-jar"
        | "scala-jar" => "jar",
        "pom" => "pom",
        "war" => "war",
        "ear" => "ear",
        "rar" => "rar",
        "aar" => "aar",
        "apk" => "apk",
        "hpi" => "hpi",
        "jpi" => "jpi",
        "nbm" => "nbm",
        "zip" => "zip",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherits_coordinates_and_expands_properties() {
        let pom = parse_pom(
            b"<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>1.0</version></parent>\
              <artifactId>a</artifactId><properties><tag>v${project.version}</tag></properties>\
              <scm><connection>scm:git:git@github.com:o/a.git</connection></scm>\
              <url>https://h/${tag}/${unknown}</url></project>",
        )
        .unwrap();
        assert_eq!(
            (pom.group_id.as_deref(), pom.version.as_deref(), pom.packaging.as_str()),
            (Some("g"), Some("1.0"), "jar")
        );
        assert_eq!(pom.url.as_deref(), Some("https://h/v1.0/${unknown}"));
        assert_eq!(pom.scm_url.as_deref(), Some("git@github.com:o/a.git"));
        assert_eq!(pom.parent.as_ref().map(|p| p.artifact_id.as_str()), Some("p"));
        assert!(pom.licenses.is_empty() && pom.license_expression().is_none());
    }

    #[test]
    fn self_reference_does_not_loop() {
        let pom = parse_pom(
            b"<project><artifactId>a</artifactId><properties><x>${x}${x}</x></properties><name>${x}</name></project>",
        )
        .unwrap();
        assert!(pom.name.unwrap().len() <= 4096 + 16);
        assert!(parse_pom(b"<metadata/>").is_err());
        assert!(parse_pom(b"<project>").is_err());
    }

    #[test]
    fn extensions() {
        assert_eq!(packaging_extension("bundle"), "jar");
        assert_eq!(packaging_extension("maven-plugin"), "jar");
        assert_eq!(packaging_extension("pom"), "pom");
        assert_eq!(packaging_extension("aar"), "aar");
        assert_eq!(packaging_extension("tar.gz"), "tar.gz");
    }
}
