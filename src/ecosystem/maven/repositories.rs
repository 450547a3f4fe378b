//! The repositories a Maven or Gradle build is configured to use, for `depgate init`:
//! Maven `settings.xml` (mirrors, the repositories of its profiles, and which of them have
//! a `<server>` with credentials), a POM's `<repositories>` and `<pluginRepositories>`,
//! and the `repositories { … }` of Gradle build and settings scripts (Groovy or Kotlin).
//! Credentials are never kept: a `<server>` only marks its repository as needing a user
//! and password.

use std::collections::BTreeMap;

use super::xml::{self, Element};
use crate::ecosystem::registries::{CredentialKind, FoundCredential, FoundRegistry, whole_env_reference};

/// Maven Central, as `mavenCentral()` names it.
pub const CENTRAL_URL: &str = "https://repo.maven.apache.org/maven2/";
/// Google's Maven repository (`google()`).
pub const GOOGLE_URL: &str = "https://maven.google.com/";
/// The Gradle plugin portal's Maven repository (`gradlePluginPortal()`).
pub const PLUGIN_PORTAL_URL: &str = "https://plugins.gradle.org/m2/";

fn read(text: &str, file: &str, root_name: &str) -> Result<Element, String> {
    let root = xml::parse(text)
        .map_err(|e| format!("{file}, line {}: {}", crate::ecosystem::line_of_offset(text, e.offset), e.message))?;
    if root.name == root_name {
        Ok(root)
    } else {
        Err(format!("{file}: the root element is <{}>, not <{root_name}>", root.name))
    }
}

/// `<repository>` / `<pluginRepository>` children of `parent` (`<repositories>` …).
fn repositories_in(parent: &Element, file: &str, what: &str) -> Vec<(Option<String>, FoundRegistry)> {
    let mut out = Vec::new();
    for (list, item) in [("repositories", "repository"), ("pluginRepositories", "pluginRepository")] {
        for r in parent.child(list).into_iter().flat_map(|l| l.children_named(item)) {
            if let Some(url) = r.child_text("url") {
                let id = r.child_text("id");
                let origin = format!("{what} {} in {file}", id.as_deref().unwrap_or("(no id)"));
                out.push((id, FoundRegistry::new(&url, origin)));
            }
        }
    }
    out
}

/// A `settings.xml`: each mirror (`mirrorOf` said in its origin), then the repositories of
/// every profile; a `<server>` whose id matches gives a user-and-password credential.
pub fn settings_repositories(text: &str, file: &str) -> Result<Vec<FoundRegistry>, String> {
    let root = read(text, file, "settings")?;
    let mut found: Vec<(Option<String>, FoundRegistry)> = Vec::new();
    for m in root.child("mirrors").into_iter().flat_map(|m| m.children_named("mirror")) {
        if let Some(url) = m.child_text("url") {
            let id = m.child_text("id");
            let of = m.child_text("mirrorOf").unwrap_or_else(|| "?".into());
            let origin = format!("mirror {} (of {of}) in {file}", id.as_deref().unwrap_or("(no id)"));
            found.push((id, FoundRegistry::new(&url, origin)));
        }
    }
    for p in root.child("profiles").into_iter().flat_map(|p| p.children_named("profile")) {
        let profile = p.child_text("id").unwrap_or_else(|| "(no id)".into());
        found.extend(repositories_in(p, file, &format!("profile {profile} repository")));
    }
    let servers: BTreeMap<String, &Element> = root
        .child("servers")
        .into_iter()
        .flat_map(|s| s.children_named("server"))
        .filter_map(|s| Some((s.child_text("id")?, s)))
        .collect();
    Ok(found
        .into_iter()
        .map(|(id, mut reg)| {
            if let Some(s) = id.as_deref().and_then(|id| servers.get(id))
                && (s.child("username").is_some() || s.child("password").is_some())
            {
                let env_var = s.child_text("password").and_then(|p| whole_env_reference(&p));
                reg.credential = Some(FoundCredential {
                    kind: CredentialKind::UserPassword,
                    env_var: None,
                    found_in: format!(
                        "the username and password of <server> {} in {file}{}",
                        id.as_deref().unwrap_or_default(),
                        env_var.map(|v| format!(" (its password is read from {v})")).unwrap_or_default()
                    ),
                });
            }
            reg
        })
        .collect())
}

/// A POM's `<repositories>` and `<pluginRepositories>` (also those of its profiles).
pub fn pom_repositories(text: &str, file: &str) -> Result<Vec<FoundRegistry>, String> {
    let root = read(text, file, "project")?;
    let mut out: Vec<FoundRegistry> = repositories_in(&root, file, "repository").into_iter().map(|(_, r)| r).collect();
    for p in root.child("profiles").into_iter().flat_map(|p| p.children_named("profile")) {
        out.extend(repositories_in(p, file, "profile repository").into_iter().map(|(_, r)| r));
    }
    Ok(out)
}

/// The repositories a Gradle script declares: `mavenCentral()`, `google()`,
/// `gradlePluginPortal()`, and `maven { url … }` in its Groovy and Kotlin spellings
/// (`url 'x'`, `url = "x"`, `url = uri("x")`, `setUrl("x")`, `maven("x")`,
/// `maven(url = "x")`). A URL built from variables is not followed.
pub fn gradle_repositories(text: &str, file: &str) -> Vec<FoundRegistry> {
    static MAVEN_BLOCK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(concat!(
            r#"maven\s*\(\s*(?:url\s*=\s*)?(?:uri\(\s*)?["']([^"'$]+)["']"#,
            r#"|maven\s*\{[^{}]*?(?:url|setUrl)\s*(?:=\s*|\(\s*)?(?:uri\(\s*)?["']([^"'$]+)["']"#,
            r"|\b(mavenCentral|google|gradlePluginPortal)\s*\(\s*\)",
        ))
        .expect("a valid pattern")
    });
    let code: String = text.lines().map(without_line_comment).collect::<Vec<_>>().join("\n");
    MAVEN_BLOCK
        .captures_iter(&code)
        .filter_map(|c| {
            if let Some(url) = c.get(1).or_else(|| c.get(2)) {
                return Some(FoundRegistry::new(url.as_str(), format!("maven {{ url }} in {file}")));
            }
            let call = c.get(3)?.as_str();
            let url = match call {
                "mavenCentral" => CENTRAL_URL,
                "google" => GOOGLE_URL,
                _ => PLUGIN_PORTAL_URL,
            };
            Some(FoundRegistry::new(url, format!("{call}() in {file}")))
        })
        .collect()
}

/// A script line without its `//` comment (a `//` right after `:` is a URL's).
fn without_line_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(i) = line[from..].find("//").map(|i| i + from) {
        if i == 0 || bytes[i - 1] != b':' {
            return &line[..i];
        }
        from = i + 2;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_mirrors_profiles_and_servers() {
        let xml = r"<?xml version='1.0'?>
<settings xmlns='http://maven.apache.org/SETTINGS/1.0.0'>
  <servers>
    <server><id>acme-mirror</id><username>ci</username><password>s3cret-pass</password></server>
  </servers>
  <mirrors>
    <mirror><id>acme-mirror</id><mirrorOf>*</mirrorOf><url>https://repo.acme.example/maven/</url></mirror>
  </mirrors>
  <profiles><profile><id>extra</id>
    <repositories><repository><id>snap</id><url>https://snap.acme.example/m2</url></repository></repositories>
  </profile></profiles>
</settings>";
        let r = settings_repositories(xml, "settings.xml").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].url, "https://repo.acme.example/maven/");
        assert!(r[0].origin.contains("mirror acme-mirror (of *)"), "{}", r[0].origin);
        assert_eq!(r[0].credential.as_ref().unwrap().kind, CredentialKind::UserPassword);
        assert!(r[1].credential.is_none());
        assert!(!format!("{r:?}").contains("s3cret"));
        assert!(settings_repositories("<project/>", "settings.xml").unwrap_err().contains("not <settings>"));
    }

    #[test]
    fn pom_repositories_and_plugin_repositories() {
        let pom = "<project><repositories><repository><id>a</id><url>https://a.example/m2/</url></repository></repositories>\
                   <pluginRepositories><pluginRepository><id>b</id><url>https://b.example/m2/</url></pluginRepository></pluginRepositories></project>";
        let urls: Vec<String> = pom_repositories(pom, "pom.xml").unwrap().into_iter().map(|r| r.url).collect();
        assert_eq!(urls, ["https://a.example/m2/", "https://b.example/m2/"]);
    }

    #[test]
    fn gradle_groovy_and_kotlin() {
        let groovy = "repositories {\n  mavenCentral()\n  google()\n  maven { url 'https://repo.acme.example/libs' }\n  maven {\n    url = uri(\"https://k.example/m2\")\n    credentials { username = acmeUser }\n  }\n  // maven { url 'https://commented.example/' }\n  maven { url \"$base/x\" }\n}\n";
        let urls: Vec<String> = gradle_repositories(groovy, "build.gradle").into_iter().map(|r| r.url).collect();
        assert_eq!(urls, [CENTRAL_URL, GOOGLE_URL, "https://repo.acme.example/libs", "https://k.example/m2"]);
        let kts = "repositories { gradlePluginPortal(); maven(\"https://kts.example/m2/\"); maven(url = \"https://kts2.example/\") }";
        let urls: Vec<String> = gradle_repositories(kts, "settings.gradle.kts").into_iter().map(|r| r.url).collect();
        assert_eq!(urls, [PLUGIN_PORTAL_URL, "https://kts.example/m2/", "https://kts2.example/"]);
    }
}
