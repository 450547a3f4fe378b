use super::*;
use crate::ecosystem::maven::{artifact_path, metadata_path, parse_maven_metadata};

fn file(
    group: &str,
    artifact: &str,
    version: &str,
    classifier: Option<&str>,
    extension: &str,
    filename: &str,
    sidecar: Option<Sidecar>,
) -> MavenRequest {
    MavenRequest::File {
        group: group.into(),
        artifact: artifact.into(),
        version: version.into(),
        classifier: classifier.map(Into::into),
        extension: extension.into(),
        filename: filename.into(),
        sidecar,
    }
}

fn parse(path: &str) -> MavenRequest {
    parse_request(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn artifact_files() {
    assert_eq!(
        parse("com/google/guava/guava/33.2.1-jre/guava-33.2.1-jre.jar"),
        file("com.google.guava", "guava", "33.2.1-jre", None, "jar", "guava-33.2.1-jre.jar", None)
    );
    assert_eq!(
        parse("org/slf4j/slf4j-api/2.0.13/slf4j-api-2.0.13.pom"),
        file("org.slf4j", "slf4j-api", "2.0.13", None, "pom", "slf4j-api-2.0.13.pom", None)
    );
    assert_eq!(
        parse(
            "io/netty/netty-transport-native-epoll/4.1.112.Final/netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar"
        ),
        file(
            "io.netty",
            "netty-transport-native-epoll",
            "4.1.112.Final",
            Some("linux-x86_64"),
            "jar",
            "netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar",
            None
        )
    );
    assert_eq!(
        parse("org/acme/dist/1.0/dist-1.0-bin.tar.gz"),
        file("org.acme", "dist", "1.0", Some("bin"), "tar.gz", "dist-1.0-bin.tar.gz", None)
    );
    assert_eq!(parse("a/b/1/b-1.module"), file("a", "b", "1", None, "module", "b-1.module", None));
    // Artifact ids may contain dots; one leading slash is tolerated.
    assert_eq!(
        parse("/org/eclipse/jdt/org.eclipse.jdt.core/3.38.0/org.eclipse.jdt.core-3.38.0-sources.jar"),
        file(
            "org.eclipse.jdt",
            "org.eclipse.jdt.core",
            "3.38.0",
            Some("sources"),
            "jar",
            "org.eclipse.jdt.core-3.38.0-sources.jar",
            None
        )
    );
    // Snapshot files, plain and timestamped.
    assert_eq!(
        parse("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20240101.120000-3-tests.jar"),
        file("com.acme", "lib", "1.0-SNAPSHOT", Some("tests"), "jar", "lib-1.0-20240101.120000-3-tests.jar", None)
    );
    assert_eq!(
        parse("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.pom"),
        file("com.acme", "lib", "1.0-SNAPSHOT", None, "pom", "lib-1.0-SNAPSHOT.pom", None)
    );
    // Percent-encoding is decoded (`+` stays itself).
    assert_eq!(parse("a/b/1%2B2/b-1+2.jar"), file("a", "b", "1+2", None, "jar", "b-1+2.jar", None));
}

#[test]
fn sidecars() {
    let jar = |sidecar| file("com.acme", "lib", "1.0", None, "jar", "lib-1.0.jar", sidecar);
    for (suffix, sidecar) in [
        ("md5", Sidecar::Md5),
        ("sha1", Sidecar::Sha1),
        ("sha256", Sidecar::Sha256),
        ("sha512", Sidecar::Sha512),
        ("asc", Sidecar::Asc),
        ("sigstore.json", Sidecar::Sigstore),
    ] {
        assert_eq!(parse(&format!("com/acme/lib/1.0/lib-1.0.jar.{suffix}")), jar(Some(sidecar)));
        assert_eq!(sidecar.suffix(), format!(".{suffix}"));
    }
    assert_eq!(
        parse("com/acme/lib/1.0/lib-1.0.pom.asc"),
        file("com.acme", "lib", "1.0", None, "pom", "lib-1.0.pom", Some(Sidecar::Asc))
    );
    assert_eq!(
        parse("org/acme/dist/1.0/dist-1.0-bin.tar.gz.sha512"),
        file("org.acme", "dist", "1.0", Some("bin"), "tar.gz", "dist-1.0-bin.tar.gz", Some(Sidecar::Sha512))
    );
    // A digest of a signature: the file is the signature, its extension compound.
    assert_eq!(
        parse("com/acme/lib/1.0/lib-1.0.jar.asc.sha1"),
        file("com.acme", "lib", "1.0", None, "jar.asc", "lib-1.0.jar.asc", Some(Sidecar::Sha1))
    );
    assert_eq!(
        parse("com/acme/lib/1.0/lib-1.0-sources.jar.sigstore.json.md5"),
        file(
            "com.acme",
            "lib",
            "1.0",
            Some("sources"),
            "jar.sigstore.json",
            "lib-1.0-sources.jar.sigstore.json",
            Some(Sidecar::Md5)
        )
    );
    // Nothing else stacks.
    for name in
        ["lib-1.0.jar.sha1.md5", "lib-1.0.jar.asc.asc", "lib-1.0.jar.sha1.asc", "lib-1.0.jar.asc.sigstore.json.sha1"]
    {
        assert!(parse_request(&format!("com/acme/lib/1.0/{name}")).is_err(), "{name}");
    }
    // A bare suffix is not a file.
    assert!(parse_request("com/acme/lib/1.0/.sha1").is_err());
}

#[test]
fn checksums() {
    assert_eq!(Sidecar::Sha1.checksum(b"abc").as_deref(), Some("a9993e364706816aba3e25717850c26c9cd0d89d"));
    assert_eq!(
        Sidecar::Sha256.checksum(b"abc").as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        Sidecar::Sha512.checksum(b"abc").as_deref(),
        Some(
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
    );
    for s in [Sidecar::Md5, Sidecar::Asc, Sidecar::Sigstore] {
        assert_eq!(s.checksum(b"abc"), None);
    }
}

#[test]
fn metadata_paths() {
    assert_eq!(
        parse("org/slf4j/slf4j-api/maven-metadata.xml"),
        MavenRequest::Metadata { group: "org.slf4j".into(), artifact: "slf4j-api".into(), sidecar: None }
    );
    assert_eq!(
        parse("junit/junit/maven-metadata.xml.sha1"),
        MavenRequest::Metadata { group: "junit".into(), artifact: "junit".into(), sidecar: Some(Sidecar::Sha1) }
    );
    // The path round-trips through the layout helpers.
    assert_eq!(metadata_path("org.slf4j:slf4j-api").as_deref(), Some("org/slf4j/slf4j-api/maven-metadata.xml"));
    assert_eq!(
        parse("com/acme/lib/1.0-SNAPSHOT/maven-metadata.xml.sha256"),
        MavenRequest::VersionMetadata {
            group: "com.acme".into(),
            artifact: "lib".into(),
            version: "1.0-SNAPSHOT".into(),
            sidecar: Some(Sidecar::Sha256)
        }
    );
    // A folder not ending with -SNAPSHOT is one more group segment.
    assert_eq!(
        parse("org/apache/maven/plugins/maven-metadata.xml"),
        MavenRequest::Metadata { group: "org.apache.maven".into(), artifact: "plugins".into(), sidecar: None }
    );
    // Too short, or signed metadata.
    for path in [
        "maven-metadata.xml",
        "lib/maven-metadata.xml",
        "com/acme/lib/maven-metadata.xml.asc",
        "com/acme/lib/maven-metadata.xml.sigstore.json",
    ] {
        assert!(parse_request(path).is_err(), "{path}");
    }
    assert_eq!(parse("a/b/maven-metadata.xml").name(), "a:b");
    assert_eq!(parse("a/b/c/1/c-1.jar").name(), "a.b:c");
    assert_eq!(parse("a/b/1-SNAPSHOT/maven-metadata.xml").name(), "a:b");
}

#[test]
fn files_round_trip_through_the_layout() {
    for path in [
        "com/google/guava/guava/33.2.1-jre/guava-33.2.1-jre.jar",
        "org/acme/dist/1.0/dist-1.0-bin.tar.gz",
        "io/netty/netty-transport-native-epoll/4.1.112.Final/netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar",
    ] {
        let MavenRequest::File { group, artifact, version, classifier, extension, .. } = parse(path) else {
            panic!("{path}")
        };
        let name = format!("{group}:{artifact}");
        assert_eq!(artifact_path(&name, &version, classifier.as_deref(), &extension).as_deref(), Some(path));
    }
}

#[test]
fn refused_paths() {
    for path in [
        "",
        "/",
        "com/acme/lib/1.0",
        "com/acme/lib/1.0/",
        "lib/1.0/lib-1.0.jar",
        "1.0/lib-1.0.jar",
        // Traversal, plain and encoded.
        "com/acme/../lib/1.0/lib-1.0.jar",
        "com/acme/lib/../1.0/lib-1.0.jar",
        "com/acme/./lib/1.0/lib-1.0.jar",
        "com/acme/%2e%2e/1.0/lib-1.0.jar",
        "com/acme/%2E%2E/1.0/lib-1.0.jar",
        "com/acme/lib/1.0/..%2flib-1.0.jar",
        "com/acme/lib%2F1.0/x/lib-1.0.jar",
        "com/acme/lib/1.0/lib-1.0.jar%2f",
        "com\\acme/lib/1.0/lib-1.0.jar",
        "com/acme/lib/1.0/lib-1.0.jar%5c",
        "com/acme/lib/1.0/lib-1.0.jar%00",
        "com/acme/lib/1.0/lib-1.0\0.jar",
        "com/acme/lib/%252e%252e/lib-1.0.jar",
        "com//acme/lib/1.0/lib-1.0.jar",
        "com/acme/lib/1.0/.lib-1.0.jar",
        "C:/acme/lib/1.0/lib-1.0.jar",
        "com/acme/lib/1 0/lib-1 0.jar",
        "com/acme/lib/1.0/lib-1.0.jar%",
        "com/acme/lib/1.0/lib-1.0.jar%4",
        "com/acme/lib/1.0/lib-1.0.jar%zz",
        "com/acme/lib/1.0/lib-1.0.jar%+1",
        "com/acme/lib/1.0/lib-1.0.jar%ff",
        // A group folder with a dot names no group.
        "com.acme/lib/1.0/lib-1.0.jar",
        "com.acme/lib/maven-metadata.xml",
        // The file must be artifact-version[-classifier].ext of its folder.
        "com/acme/lib/1.0/other-1.0.jar",
        "com/acme/lib/1.0/lib-1.1.jar",
        "com/acme/lib/1.0/lib-1.0",
        "com/acme/lib/1.0/lib-1.0-.jar",
        "com/acme/lib/1.0/lib-1.0.",
        "com/acme/lib/1.0/lib.jar",
        "com/acme/lib/1.0/archetype-catalog.xml",
    ] {
        let result = parse_request(path);
        assert!(result.is_err(), "{path:?}: {result:?}");
    }
    // Absurd lengths.
    let deep = format!("{}lib/1.0/lib-1.0.jar", "a/".repeat(70));
    assert!(parse_request(&deep).is_err());
    let long = format!("com/acme/lib/1.0/lib-1.0-{}.jar", "c".repeat(300));
    assert!(parse_request(&long).is_err());
    let huge = "a".repeat(5000);
    assert!(parse_request(&huge).is_err());
    // Errors never echo the path.
    let err = parse_request("com/acme/<script>/1.0/x.jar").unwrap_err();
    assert!(!err.contains("script"), "{err}");
}

#[test]
fn parsing_never_panics() {
    let pieces = [
        "a",
        "/",
        ".",
        "..",
        "%",
        "%2",
        "%2f",
        "%e2%82",
        "\u{e9}",
        "-",
        "1.0",
        "maven-metadata.xml",
        ".sha1",
        ".asc",
        "\\",
        "\0",
    ];
    let mut state: u32 = 7;
    for _ in 0..5000 {
        let mut path = String::new();
        for _ in 0..(state % 12) {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            path.push_str(pieces[(state >> 16) as usize % pieces.len()]);
        }
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let _ = parse_request(&path);
    }
}

fn versions(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn metadata_document() {
    let body = render_metadata(
        "com.acme",
        "lib",
        &versions(&["1.10", "1.2", "2.0-SNAPSHOT", "1.2", "1.0-rc1", "1.0", "1.9.1"]),
        Some("2024-06-03T20:18:26+02:00"),
    );
    let text = String::from_utf8(body.clone()).unwrap();
    assert_eq!(
        text,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <metadata>\n\
         \x20 <groupId>com.acme</groupId>\n\
         \x20 <artifactId>lib</artifactId>\n\
         \x20 <versioning>\n\
         \x20   <latest>2.0-SNAPSHOT</latest>\n\
         \x20   <release>1.10</release>\n\
         \x20   <versions>\n\
         \x20     <version>1.0-rc1</version>\n\
         \x20     <version>1.0</version>\n\
         \x20     <version>1.2</version>\n\
         \x20     <version>1.9.1</version>\n\
         \x20     <version>1.10</version>\n\
         \x20     <version>2.0-SNAPSHOT</version>\n\
         \x20   </versions>\n\
         \x20   <lastUpdated>20240603181826</lastUpdated>\n\
         \x20 </versioning>\n\
         </metadata>\n"
    );
    let read = parse_maven_metadata(&body).unwrap();
    assert_eq!(read.group_id.as_deref(), Some("com.acme"));
    assert_eq!(read.artifact_id.as_deref(), Some("lib"));
    assert_eq!(read.versions, ["1.0-rc1", "1.0", "1.2", "1.9.1", "1.10", "2.0-SNAPSHOT"]);
    assert_eq!(read.latest.as_deref(), Some("2.0-SNAPSHOT"));
    assert_eq!(read.release.as_deref(), Some("1.10"));
    assert_eq!(read.last_updated.as_deref(), Some("2024-06-03T18:18:26Z"));
}

#[test]
fn metadata_edge_cases() {
    // Empty: a valid document, no latest or release.
    let body = render_metadata("g", "a", &[], None);
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.contains("<versions/>"), "{text}");
    assert!(!text.contains("<latest>") && !text.contains("<release>") && !text.contains("<lastUpdated>"));
    let read = parse_maven_metadata(&body).unwrap();
    assert!(read.versions.is_empty() && read.latest.is_none() && read.release.is_none());

    // Only snapshots: a latest, no release.
    let read = parse_maven_metadata(&render_metadata("g", "a", &versions(&["1.0-SNAPSHOT"]), None)).unwrap();
    assert_eq!((read.latest.as_deref(), read.release), (Some("1.0-SNAPSHOT"), None));

    // Maven-equal versions are distinct folders: both stay, in string order, whatever came first.
    for list in [["1", "1.0"], ["1.0", "1"]] {
        let read = parse_maven_metadata(&render_metadata("g", "a", &versions(&list), None)).unwrap();
        assert_eq!(read.versions, ["1", "1.0"]);
        assert_eq!(read.latest.as_deref(), Some("1.0"));
    }

    // Untrusted text is escaped; what XML cannot carry is dropped or replaced.
    let body = render_metadata(
        "g&<x>",
        "a\"'\u{1}",
        &versions(&["1.0</version><version>9", "2&3", "", " ", "1\u{0}", "4 5", "\u{85}"]),
        Some("not a date"),
    );
    let read = parse_maven_metadata(&body).unwrap();
    assert_eq!(read.group_id.as_deref(), Some("g&<x>"));
    assert_eq!(read.artifact_id.as_deref(), Some("a\"'\u{fffd}"));
    assert_eq!(read.versions, ["1.0</version><version>9", "2&3"]);
    assert_eq!(read.latest.as_deref(), Some("2&3"));
    assert!(!String::from_utf8(body).unwrap().contains("lastUpdated"));

    // Timestamps: any offset in, UTC out; fractions dropped; out-of-range years omitted.
    assert_eq!(maven_stamp("2024-01-01T00:30:00.999-01:00").as_deref(), Some("20240101013000"));
    assert_eq!(maven_stamp("2024-06-03T18:18:26Z").as_deref(), Some("20240603181826"));
    assert_eq!(maven_stamp("2024-06-03"), None);
    assert_eq!(maven_stamp(""), None);
}
