//! Maven: coordinates, the repository layout, and the inputs and wire formats depgate reads.

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
}
