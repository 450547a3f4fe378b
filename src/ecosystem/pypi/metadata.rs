//! Core metadata (`METADATA` in a wheel, `PKG-INFO` in an sdist, the PEP 658 `.metadata`
//! file): the fields depgate reports — name, version, licence and where the source lives.
//!
//! Owns: the RFC 822-style header block (continuation lines, repeated fields) and the
//! licence and repository rules below. Must not: fetch the file or read the body (the
//! long description after the first blank line).

/// The fields of a core metadata file depgate uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub metadata_version: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    /// SPDX expression, from `License-Expression` (PEP 639), else `License` when it is a
    /// short SPDX-looking id, else the `License ::` classifiers that map to one id each
    /// (several are joined with `OR`).
    pub license: Option<String>,
    pub home_page: Option<String>,
    /// `Project-URL: Label, https://…`, in file order.
    pub project_urls: Vec<(String, String)>,
    pub classifiers: Vec<String>,
    pub requires_python: Option<String>,
    pub requires_dist: Vec<String>,
}

/// Parses a core metadata file's header block.
pub fn parse_core_metadata(bytes: &[u8]) -> Result<CoreMetadata, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            break; // the body (description) starts here
        }
        if line.starts_with([' ', '\t']) {
            // A continuation of the previous field (folded header).
            if let Some((_, v)) = fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("not core metadata: `{}` is not a `Field: value` line", truncate(line)));
        };
        fields.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    if fields.is_empty() {
        return Err("not core metadata: no header fields".into());
    }
    let one = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let all = |key: &str| fields.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let classifiers = all("classifier");
    let license = one("license-expression")
        .or_else(|| one("license").and_then(|l| spdx_like(&l)))
        .or_else(|| license_from_classifiers(&classifiers));
    let project_urls = all("project-url")
        .into_iter()
        .filter_map(|v| v.split_once(',').map(|(l, u)| (l.trim().to_string(), u.trim().to_string())))
        .collect();
    let home_page = one("home-page").filter(|h| !h.eq_ignore_ascii_case("UNKNOWN"));
    Ok(CoreMetadata {
        metadata_version: one("metadata-version"),
        name: one("name"),
        version: one("version"),
        summary: one("summary"),
        license,
        home_page,
        project_urls,
        classifiers,
        requires_python: one("requires-python"),
        requires_dist: all("requires-dist"),
    })
}

impl CoreMetadata {
    /// The source repository: the `Project-URL` labelled as the source (PEP 753 labels
    /// `source`, `repository`, `sourcecode`, `github`, and common variants), else the
    /// first project URL or home page on a known forge.
    pub fn repository(&self) -> Option<String> {
        const LABELS: &[&str] = &["source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git"];
        let label_key =
            |l: &str| l.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        for want in LABELS {
            if let Some((_, u)) = self.project_urls.iter().find(|(l, u)| label_key(l) == *want && is_url(u)) {
                return Some(u.clone());
            }
        }
        self.project_urls.iter().map(|(_, u)| u).chain(self.home_page.as_ref()).find(|u| on_forge(u)).cloned()
    }
}

fn is_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://") || u.starts_with("git+")
}

fn on_forge(u: &str) -> bool {
    let Ok(url) = url::Url::parse(u) else { return false };
    let host = url.host_str().unwrap_or_default().trim_start_matches("www.");
    let repo_path = url.path_segments().is_some_and(|s| s.filter(|p| !p.is_empty()).count() >= 2);
    matches!(host, "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org") && repo_path
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// `License:` when it reads as an SPDX id or expression (`MIT`, `Apache-2.0`,
/// `MIT OR Apache-2.0`), not a sentence or a licence text. Generic words that are not
/// SPDX ids (`BSD`, `GPL`, `UNKNOWN`) do not count.
fn spdx_like(license: &str) -> Option<String> {
    const NOT_IDS: &[&str] =
        &["unknown", "bsd", "gpl", "lgpl", "agpl", "apache", "proprietary", "other", "dual", "none", "custom", "free"];
    let l = license.trim();
    if l.is_empty() || l.len() > 80 || l.contains('\n') {
        return None;
    }
    let tokens: Vec<&str> =
        l.split_whitespace().map(|t| t.trim_matches(['(', ')'])).filter(|t| !t.is_empty()).collect();
    let mut ids = 0;
    for (i, t) in tokens.iter().enumerate() {
        let operator = matches!(*t, "AND" | "OR" | "WITH");
        if operator != (i % 2 == 1) {
            return None;
        }
        if !operator {
            if !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | ':')) {
                return None;
            }
            if NOT_IDS.contains(&t.to_ascii_lowercase().as_str()) {
                return None;
            }
            ids += 1;
        }
    }
    (ids > 0 && tokens.len() % 2 == 1).then(|| l.to_string())
}

/// Licence classifiers with one unambiguous SPDX id.
fn license_from_classifiers(classifiers: &[String]) -> Option<String> {
    const MAP: &[(&str, &str)] = &[
        ("MIT License", "MIT"),
        ("MIT No Attribution License (MIT-0)", "MIT-0"),
        ("Apache Software License", "Apache-2.0"),
        ("ISC License (ISCL)", "ISC"),
        ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
        ("GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
        ("GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
        ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
        ("GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later"),
        ("GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only"),
        ("GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later"),
        ("GNU Affero General Public License v3", "AGPL-3.0-only"),
        ("GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later"),
        ("Python Software Foundation License", "PSF-2.0"),
        ("The Unlicense (Unlicense)", "Unlicense"),
        ("zlib/libpng License", "Zlib"),
        ("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
        ("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
        ("Universal Permissive License (UPL)", "UPL-1.0"),
        ("Academic Free License (AFL)", "AFL-3.0"),
    ];
    let mut ids: Vec<&str> = Vec::new();
    for c in classifiers {
        let Some(rest) = c.strip_prefix("License ::") else { continue };
        let last = rest.rsplit("::").next().unwrap_or_default().trim();
        if let Some((_, id)) = MAP.iter().find(|(k, _)| *k == last)
            && !ids.contains(id)
        {
            ids.push(id);
        }
    }
    (!ids.is_empty()).then(|| ids.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_continuations_and_body() {
        let m = parse_core_metadata(
            b"Metadata-Version: 2.1\r\nName: Demo_Pkg\r\nVersion: 1.0\r\nLicense: Copyright (c) someone\r\n        \
              all rights\r\nClassifier: License :: OSI Approved :: MIT License\r\n\
              Classifier: License :: OSI Approved :: Apache Software License\r\n\
              Project-URL: Documentation, https://docs.example\r\nProject-URL: Source Code, https://git.example/demo\r\n\
              Home-page: https://github.com/o/demo\r\nRequires-Dist: six\r\nRequires-Dist: idna; extra == 'x'\r\n\r\n\
              License: not a header, the body\r\n",
        )
        .unwrap();
        assert_eq!(m.name.as_deref(), Some("Demo_Pkg"));
        assert_eq!(m.license.as_deref(), Some("MIT OR Apache-2.0"), "a sentence is not an id: classifiers");
        assert_eq!(m.requires_dist.len(), 2);
        assert_eq!(m.repository().as_deref(), Some("https://git.example/demo"));
    }

    #[test]
    fn license_precedence() {
        let m =
            parse_core_metadata(b"Name: a\nLicense-Expression: MIT AND (Apache-2.0 OR BSD-2-Clause)\nLicense: GPL\n")
                .unwrap();
        assert_eq!(m.license.as_deref(), Some("MIT AND (Apache-2.0 OR BSD-2-Clause)"));
        for (license, want) in [
            ("MIT", Some("MIT")),
            ("Apache-2.0", Some("Apache-2.0")),
            ("BSD", None),
            ("UNKNOWN", None),
            ("BSD 3-Clause License", None),
            ("MIT OR", None),
            ("", None),
        ] {
            let m = parse_core_metadata(format!("Name: a\nLicense: {license}\n").as_bytes()).unwrap();
            assert_eq!(m.license.as_deref(), want, "{license}");
        }
    }

    #[test]
    fn repository_fallbacks() {
        let m =
            parse_core_metadata(b"Name: a\nHome-page: https://github.com/o/a\nProject-URL: Docs, https://d\n").unwrap();
        assert_eq!(m.repository().as_deref(), Some("https://github.com/o/a"));
        let m = parse_core_metadata(b"Name: a\nHome-page: https://example.com/\n").unwrap();
        assert_eq!(m.repository(), None);
        let m = parse_core_metadata(b"Name: a\nProject-URL: GitHub, https://github.com/o/b\n").unwrap();
        assert_eq!(m.repository().as_deref(), Some("https://github.com/o/b"));
    }

    #[test]
    fn not_metadata() {
        assert!(parse_core_metadata(b"").is_err());
        assert!(parse_core_metadata(b"\n\nName: a\n").is_err());
        assert!(parse_core_metadata(b"<html>\n").is_err());
        assert!(parse_core_metadata(b"\xff\xfe: x\n").is_ok());
    }
}
