//! Maven: coordinates, the repository layout, and the inputs and wire formats depgate reads.
//!
//! Inputs that list what a Maven or Gradle build uses (each `fn(text, path) ->
//! Result<Vec<Coordinate>, LockfileError>`):
//! - [`parse_gradle_lockfile`]: `gradle.lockfile` (Gradle 6+) and the older per-configuration
//!   `gradle/dependency-locks/<configuration>.lockfile` (Gradle 4.8 to 5.x);
//! - [`parse_verification_metadata`]: `gradle/verification-metadata.xml`, one coordinate per
//!   artifact file, with the checksums the build pins;
//! - [`parse_resolved_list`]: depgate's own resolved-artifact list (`docs/resolved-list.md`);
//! - [`parse_mvn_dependency_list`]: the output of `mvn dependency:list`.
//!
//! Repository wire types: [`parse_maven_metadata`] (`maven-metadata.xml`) and [`parse_pom`].
//! Build configuration: [`repositories`] (the repositories `settings.xml`, POMs and Gradle
//! scripts name, for `depgate init`).
//!
//! Owns: Maven naming (coordinates, file names, the repository layout) and these formats.
//! Must not: open files, touch the network or decide anything: every function here is
//! bytes in, values out, and never panics on any input.

pub mod gradle_lock;
pub mod license;
pub mod metadata;
pub mod mvn_list;
pub mod pom;
pub mod repositories;
pub mod resolved;
pub mod verification;
pub mod version;
mod xml;

pub use gradle_lock::parse_gradle_lockfile;
pub use metadata::{MavenMetadata, parse_maven_metadata};
pub use mvn_list::parse_mvn_dependency_list;
pub use pom::{Pom, packaging_extension, parse_pom};
pub use resolved::parse_resolved_list;
pub use verification::{VerificationMetadata, parse_verification_metadata, parse_verification_metadata_full};

/// The repository path of an artifact file: `com/acme/lib/1.0/lib-1.0-sources.jar`.
/// `name` is `group:artifact`. `None` when a part is empty or could escape the repository
/// (`..`, slashes, backslashes).
pub fn artifact_path(name: &str, version: &str, classifier: Option<&str>, extension: &str) -> Option<String> {
    let (group, artifact) = name.split_once(':')?;
    let safe = |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', ':']) && !s.starts_with('.');
    if !group.split('.').all(safe) || !safe(artifact) || !safe(version) || !safe(extension) {
        return None;
    }
    if classifier.is_some_and(|c| !safe(c)) {
        return None;
    }
    let dir = format!("{}/{artifact}/{version}", group.replace('.', "/"));
    Some(match classifier.filter(|c| !c.is_empty()) {
        Some(c) => format!("{dir}/{artifact}-{version}-{c}.{extension}"),
        None => format!("{dir}/{artifact}-{version}.{extension}"),
    })
}

/// The folder of an artifact's `maven-metadata.xml`: `com/acme/lib/maven-metadata.xml`.
pub fn metadata_path(name: &str) -> Option<String> {
    let (group, artifact) = name.split_once(':')?;
    artifact_path(name, "x", None, "x")?;
    Some(format!("{}/{artifact}/maven-metadata.xml", group.replace('.', "/")))
}

/// The path of a version's own `maven-metadata.xml` (SNAPSHOTs have one).
pub fn version_metadata_path(name: &str, version: &str) -> Option<String> {
    let (group, artifact) = name.split_once(':')?;
    artifact_path(name, version, None, "x")?;
    Some(format!("{}/{artifact}/{version}/maven-metadata.xml", group.replace('.', "/")))
}

/// Whether a Gradle configuration only feeds tests: its name starts with `test`
/// (`testRuntimeClasspath`, `testFixturesApi`) or contains `Test` (`androidTestImplementation`,
/// `debugUnitTestRuntimeClasspath`, `integrationTestCompileClasspath`).
pub fn is_test_configuration(name: &str) -> bool {
    name.starts_with("test") || name.contains("Test")
}

/// Splits a Maven artifact file name into its classifier and extension, given the artifact
/// id and version: `netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar` →
/// (`Some("linux-x86_64")`, `"jar"`). Snapshot files may carry their timestamped version
/// (`lib-1.0-20240101.120000-3.jar` for `1.0-SNAPSHOT`). `tar.gz`, `tar.bz2`, `tar.xz` and
/// `tar.zst` count as one extension. `None` when the name does not follow Maven's naming
/// (Gradle module metadata may name files freely).
pub fn split_artifact_file(artifact: &str, version: &str, file: &str) -> Option<(Option<String>, String)> {
    let rest = file.strip_prefix(artifact)?.strip_prefix('-')?;
    let rest = match rest.strip_prefix(version) {
        Some(r) => r,
        None => strip_snapshot_stamp(rest, version.strip_suffix("-SNAPSHOT")?)?,
    };
    let (classifier, ext) = if let Some(ext) = rest.strip_prefix('.') {
        (None, ext)
    } else {
        let rest = rest.strip_prefix('-')?;
        let compound = ["tar.gz", "tar.bz2", "tar.xz", "tar.zst"]
            .iter()
            .find_map(|e| rest.strip_suffix(e).and_then(|c| c.strip_suffix('.')).map(|c| (c, *e)));
        let (c, e) = compound.or_else(|| rest.rsplit_once('.'))?;
        (Some(c.to_string()), e)
    };
    let ok = |s: &str| !s.is_empty() && !s.contains(['/', '\\']);
    if !ok(ext) || classifier.as_deref().is_some_and(|c| !ok(c)) {
        return None;
    }
    Some((classifier, ext.to_string()))
}

/// `1.0-20240101.120000-3…` → the text after the stamp, for base version `1.0`.
fn strip_snapshot_stamp<'a>(rest: &'a str, base: &str) -> Option<&'a str> {
    let stamp = rest.strip_prefix(base)?.strip_prefix('-')?;
    let b = stamp.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !(digits(0..8) && b.get(8) == Some(&b'.') && digits(9..15) && b.get(15) == Some(&b'-')) {
        return None;
    }
    let build = &stamp[16..];
    let n = build.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| &build[n..])
}

/// A checksum as lowercase hex when it has the right length for its algorithm (`md5`,
/// `sha1`, `sha256`, `sha512`).
pub(crate) fn hex_digest(algorithm: &str, value: &str) -> Option<String> {
    let len = match algorithm {
        "md5" => 32,
        "sha1" => 40,
        "sha256" => 64,
        "sha512" => 128,
        _ => return None,
    };
    let v = value.trim();
    (v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| v.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        assert_eq!(
            artifact_path("com.google.guava:guava", "33.0.0-jre", None, "jar").as_deref(),
            Some("com/google/guava/guava/33.0.0-jre/guava-33.0.0-jre.jar")
        );
        assert_eq!(
            artifact_path("io.netty:netty-transport-native-epoll", "4.1.100.Final", Some("linux-x86_64"), "jar")
                .as_deref(),
            Some(
                "io/netty/netty-transport-native-epoll/4.1.100.Final/netty-transport-native-epoll-4.1.100.Final-linux-x86_64.jar"
            )
        );
        assert_eq!(metadata_path("org.slf4j:slf4j-api").as_deref(), Some("org/slf4j/slf4j-api/maven-metadata.xml"));
        assert!(artifact_path("..:x", "1", None, "jar").is_none());
        assert!(artifact_path("a:b", "../1", None, "jar").is_none());
        assert!(artifact_path("nocolon", "1", None, "jar").is_none());
    }

    #[test]
    fn file_names() {
        let split = |a, v, f| split_artifact_file(a, v, f);
        assert_eq!(split("guava", "33.2.1-jre", "guava-33.2.1-jre.jar"), Some((None, "jar".into())));
        assert_eq!(
            split(
                "netty-transport-native-epoll",
                "4.1.112.Final",
                "netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar"
            ),
            Some((Some("linux-x86_64".into()), "jar".into()))
        );
        assert_eq!(split("dist", "1.0", "dist-1.0-bin.tar.gz"), Some((Some("bin".into()), "tar.gz".into())));
        assert_eq!(
            split("lib", "1.0-SNAPSHOT", "lib-1.0-20240101.120000-3-tests.jar"),
            Some((Some("tests".into()), "jar".into()))
        );
        assert_eq!(split("lib", "1.0-SNAPSHOT", "lib-1.0-SNAPSHOT.pom"), Some((None, "pom".into())));
        assert_eq!(split("lib", "1.0", "lib-1.0"), None);
        assert_eq!(split("lib", "1.0", "other-1.0.jar"), None);
        assert_eq!(split("lib", "1.0", "lib-1.0-.jar"), None);
        assert_eq!(split("lib", "1.0", "lib-1.0."), None);
        assert!(is_test_configuration("testRuntimeClasspath"));
        assert!(is_test_configuration("debugUnitTestRuntimeClasspath"));
        assert!(!is_test_configuration("runtimeClasspath"));
    }
}
