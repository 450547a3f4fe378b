//! Maven / Gradle inputs and Maven repository wire types against fixtures made by the real
//! tools (testdata/maven, see testdata/maven/regen.sh for how, with which versions, and
//! which files are hand-written because no Gradle >= 6 is reachable where they were made).
//!
//! Every listing is compared with the tool's own view of the same build: `mvn
//! dependency:tree` for the `dependency:list` files, `gradle dependencies` for the lockfiles
//! and the resolved lists, and Gradle's resolved artifacts for verification metadata.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use depgate::ecosystem::maven::verification::parse_verification_metadata_full;
use depgate::ecosystem::maven::{
    packaging_extension, parse_gradle_lockfile, parse_maven_metadata, parse_mvn_dependency_list, parse_pom,
    parse_resolved_list, parse_verification_metadata,
};
use depgate::ecosystem::{Coordinate, LockfileError, SourceKind};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/maven")
}

fn read(rel: &str) -> String {
    let p = testdata().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn bytes(rel: &str) -> Vec<u8> {
    let p = testdata().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

type Parser = fn(&str, &Path) -> Result<Vec<Coordinate>, LockfileError>;

fn parse(parser: Parser, rel: &str) -> Vec<Coordinate> {
    parser(&read(rel), &testdata().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn lines_of(rel: &str) -> Vec<String> {
    read(rel).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// `group:artifact:extension[:classifier]:version`, the shape of the tools' listings.
fn artifact_id(c: &Coordinate) -> String {
    let ext = c.extension.as_deref().unwrap_or("?");
    match &c.classifier {
        Some(cl) => format!("{}:{ext}:{cl}:{}", c.name, c.version),
        None => format!("{}:{ext}:{}", c.name, c.version),
    }
}

fn gav(c: &Coordinate) -> String {
    format!("{}:{}", c.name, c.version)
}

fn assert_same(what: &str, got: &BTreeSet<String>, want: &BTreeSet<String>) {
    let missing: Vec<_> = want.difference(got).collect();
    let extra: Vec<_> = got.difference(want).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{what}: missing {missing:?}, extra {extra:?}");
}

/// `mvn dependency:tree` flattened: `g:a:type[:classifier]:version:scope` → (artifact id, dev).
fn tree_expectation(rel: &str) -> BTreeSet<(String, bool)> {
    lines_of(rel)
        .into_iter()
        .map(|l| {
            let (spec, scope) = l.rsplit_once(':').unwrap();
            (spec.to_string(), scope == "test")
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// mvn dependency:list

#[test]
fn mvn_lists_match_the_tree() {
    for (list, expected) in [
        ("mvn/list-abs.txt", "mvn/expected.txt"),
        ("mvn/list.txt", "mvn/expected.txt"),
        ("mvn/list-2.8-abs.txt", "mvn/expected.txt"),
        ("mvn/console-color.txt", "mvn/expected.txt"),
        ("mvn/list-runtime-abs.txt", "mvn/expected-runtime.txt"),
    ] {
        let coords = parse(parse_mvn_dependency_list, list);
        assert!(coords.iter().all(|c| c.source.is_registry() && !c.direct), "{list}");
        let got: BTreeSet<(String, bool)> = coords.iter().map(|c| (artifact_id(c), c.dev)).collect();
        let want = tree_expectation(expected);
        let got_ids: BTreeSet<String> = got.iter().map(|(i, _)| i.clone()).collect();
        let want_ids: BTreeSet<String> = want.iter().map(|(i, _)| i.clone()).collect();
        assert_same(list, &got_ids, &want_ids);
        assert_eq!(got, want, "{list}: dev flags");
        assert_eq!(coords.len(), want.len(), "{list}: one coordinate per entry");
        let optional: Vec<&str> = coords.iter().filter(|c| c.optional).map(|c| c.name.as_str()).collect();
        // Only the plugin's newer versions print " (optional)".
        if list.contains("2.8") {
            assert!(optional.is_empty(), "{list}: {optional:?}");
        } else {
            assert_eq!(optional, ["org.jspecify:jspecify"], "{list}");
        }
    }
}

#[test]
fn mvn_list_paths_lines_and_files() {
    let coords = parse(parse_mvn_dependency_list, "mvn/list-abs.txt");
    let text = read("mvn/list-abs.txt");
    let lines: Vec<&str> = text.lines().collect();
    for c in &coords {
        let path = c.resolved.as_deref().unwrap_or_else(|| panic!("{}: no path", c.name));
        let file = c.files[0].name.as_deref().unwrap();
        assert!(Path::new(path).is_absolute() && path.ends_with(&format!("/{file}")), "{path}");
        assert!(c.files[0].hashes.is_empty() && c.files[0].url.is_none());
        let (_, artifact) = c.name.split_once(':').unwrap();
        let want = match &c.classifier {
            Some(cl) => format!("{artifact}-{}-{cl}.jar", c.version),
            None => format!("{artifact}-{}.jar", c.version),
        };
        assert_eq!(file, want);
        assert!(lines[c.line - 1].contains(&format!("{}:jar:", c.name)), "line {} of {}", c.line, c.name);
    }
    let guava = coords.iter().find(|c| c.name == "com.google.guava:guava").unwrap();
    assert_eq!(guava.line, 3);
    let epoll = coords.iter().find(|c| c.name == "io.netty:netty-transport-native-epoll").unwrap();
    assert_eq!(epoll.classifier.as_deref(), Some("linux-x86_64"));
    let servlet = coords.iter().find(|c| c.name == "jakarta.servlet:jakarta.servlet-api").unwrap();
    assert!(!servlet.dev && servlet.source.is_registry(), "provided is an ordinary dependency");
    // Without paths: no files, no `resolved`.
    for c in parse(parse_mvn_dependency_list, "mvn/list.txt") {
        assert!(c.files.is_empty() && c.resolved.is_none(), "{}", c.name);
    }
    // The console log has the entries on the lines the [INFO] prefix shares with them.
    let console = parse(parse_mvn_dependency_list, "mvn/console-color.txt");
    assert_eq!(console[0].name, "com.google.guava:guava");
    assert_eq!(console[0].line, 10);
}

#[test]
fn mvn_list_system_and_reactor_paths_are_not_registry() {
    let text = "\nThe following files have been resolved:\n   com.acme:tools:jar:1.0:system:/opt/tools/tools.jar\n   com.acme:module-a:jar:2.0:compile:/src/module-a/target/classes -- module a\n   org.slf4j:slf4j-api:jar:2.0.13:compile:/home/u/.m2/repository/org/slf4j/slf4j-api/2.0.13/slf4j-api-2.0.13.jar\n   com.acme:module-b:jar:2.0:compile:/src/module-b/target/module-b-2.0.jar\n   com.acme:vendored:jar:3.1:compile:/src/app/lib/vendored-3.1.jar\n   com.acme:module-c:jar:2.0:test:/src/module-c/target/test-classes\n";
    let coords = parse_mvn_dependency_list(text, Path::new("deps.txt")).unwrap();
    assert_eq!(coords[0].source, SourceKind::File("/opt/tools/tools.jar".into()));
    // Modules of the same build (the reactor): linked, like npm workspace members.
    assert_eq!(coords[1].source, SourceKind::Link("/src/module-a/target/classes".into()));
    assert!(coords[2].source.is_registry());
    assert_eq!(coords[3].source, SourceKind::Link("/src/module-b/target/module-b-2.0.jar".into()));
    // A jar copied into the project is no module and no repository file.
    assert_eq!(coords[4].source, SourceKind::File("/src/app/lib/vendored-3.1.jar".into()));
    assert_eq!(coords[5].source, SourceKind::Link("/src/module-c/target/test-classes".into()));
}

// ---------------------------------------------------------------------------------------
// Gradle lockfiles

#[test]
fn gradle_lockfile_matches_gradles_resolution() {
    let coords = parse(parse_gradle_lockfile, "gradle/gradle.lockfile");
    let got: BTreeSet<String> = coords.iter().map(gav).collect();
    let want: BTreeSet<String> = lines_of("gradle/expected-tree.txt").into_iter().collect();
    assert_same("gradle.lockfile", &got, &want);
    assert_eq!(coords.len(), want.len());
    let dev: BTreeSet<&str> = coords.iter().filter(|c| c.dev).map(|c| c.name.as_str()).collect();
    assert_eq!(dev, BTreeSet::from(["junit:junit", "org.hamcrest:hamcrest-core"]));
    assert!(coords.iter().all(|c| !c.direct && c.files.is_empty() && c.extension.is_none()));
    assert_eq!((coords[0].name.as_str(), coords[0].line), ("com.fasterxml.jackson.core:jackson-annotations", 4));
    let text = read("gradle/gradle.lockfile");
    for c in &coords {
        assert!(text.lines().nth(c.line - 1).unwrap().starts_with(&format!("{}=", gav(c))));
    }
}

#[test]
fn legacy_lockfiles_match_the_single_file() {
    let single = parse(parse_gradle_lockfile, "gradle/gradle.lockfile");
    let mut union = BTreeSet::new();
    let dir = testdata().join("gradle/dependency-locks");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 4);
    let lock_text = read("gradle/gradle.lockfile");
    for path in files {
        let conf = path.file_stem().unwrap().to_str().unwrap().to_string();
        let coords = parse_gradle_lockfile(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        let want: BTreeSet<String> = lock_text
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(m, confs)| *m != "empty" && confs.split(',').any(|c| c == conf))
            .map(|(m, _)| m.to_string())
            .collect();
        let got: BTreeSet<String> = coords.iter().map(gav).collect();
        assert_same(&conf, &got, &want);
        assert!(coords.iter().all(|c| c.dev == conf.starts_with("test")), "{conf}");
        assert_eq!(coords[0].line, 4, "{conf}");
        union.extend(got);
    }
    assert_eq!(union, single.iter().map(gav).collect::<BTreeSet<_>>());
}

// ---------------------------------------------------------------------------------------
// Verification metadata

#[test]
fn verification_metadata_lists_every_file_gradle_fetched() {
    let coords = parse(parse_verification_metadata, "gradle/verification-metadata.xml");
    assert_eq!(coords.len(), 61, "jars, POMs, parent POMs and BOMs");
    // The jars are exactly what Gradle resolved, with the digests Gradle computed.
    let jars: BTreeSet<String> =
        coords.iter().filter(|c| c.extension.as_deref() == Some("jar")).map(artifact_id).collect();
    let want: BTreeSet<String> = lines_of("gradle/expected-artifacts.txt").into_iter().collect();
    assert_same("verification-metadata jars", &jars, &want);
    let resolved = resolved_sha256("gradle/depgate-resolved.json");
    for c in coords.iter().filter(|c| c.extension.as_deref() == Some("jar")) {
        let file = &c.files[0];
        let name = file.name.as_deref().unwrap();
        assert_eq!(Some(&file.hashes["sha256"]), resolved.get(name), "{name}");
    }
    for c in &coords {
        assert_eq!(c.files.len(), 1);
        assert_eq!(c.files[0].hashes.keys().collect::<Vec<_>>(), ["sha256"], "{}", c.name);
        assert!(c.extension.is_some(), "{} has a Maven file name", c.name);
        assert!(!c.dev && !c.direct);
    }
    let poms = coords.iter().filter(|c| c.extension.as_deref() == Some("pom")).count();
    assert_eq!(poms, 61 - want.len());
    let text = read("gradle/verification-metadata.xml");
    for c in &coords {
        let line = text.lines().nth(c.line - 1).unwrap();
        assert!(line.contains(&format!("<artifact name=\"{}\"", c.files[0].name.as_deref().unwrap())), "{line}");
    }
}

#[test]
fn verification_metadata_features() {
    let rel = "gradle/verification-metadata-features.xml";
    let full = parse_verification_metadata_full(&read(rel), &testdata().join(rel)).unwrap();
    assert_eq!((full.verify_metadata, full.verify_signatures), (Some(true), Some(true)));
    assert_eq!(full.trusted_artifacts.len(), 2);
    assert!(full.trusted_artifacts[0].regex && full.trusted_artifacts[0].file.as_deref() == Some(".*-javadoc[.]jar"));
    assert_eq!(full.ignored_keys, ["1234567890abcdef"]);
    assert_eq!(full.trusted_keys.len(), 2);
    assert_eq!(full.trusted_keys[1].rules.len(), 2);
    assert_eq!(full.artifacts.len(), 4);

    let jar = &full.artifacts[0];
    let hashes = &jar.coordinate.files[0].hashes;
    assert_eq!(hashes.keys().collect::<Vec<_>>(), ["md5", "sha1", "sha256", "sha512"]);
    let resolved = resolved_sha256("gradle/depgate-resolved.json");
    assert_eq!(Some(&hashes["sha256"]), resolved.get("guava-33.2.1-jre.jar"), "upper case is lowered");
    assert!(hashes.values().all(|h| h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))));

    let pom = &full.artifacts[1];
    assert_eq!(pom.coordinate.extension.as_deref(), Some("pom"));
    assert_eq!(pom.pgp_keys, ["bdb5fa4fe719d787fb3d3197f6d4a1d411e9d1ae"]);
    assert_eq!(pom.also_trust["sha256"].len(), 1);
    let epoll = &full.artifacts[2];
    assert_eq!(epoll.coordinate.classifier.as_deref(), Some("linux-x86_64"));
    assert_eq!(epoll.ignored_keys, ["fedcba0987654321"]);
    let junit = &full.artifacts[3];
    assert!(junit.coordinate.files[0].hashes.is_empty(), "pgp only: no digest");
    assert_eq!(junit.coordinate.line, read(rel).lines().position(|l| l.contains("junit-4.13.2.jar")).unwrap() + 1);
}

// ---------------------------------------------------------------------------------------
// depgate resolved list

fn resolved_sha256(rel: &str) -> BTreeMap<String, String> {
    parse(parse_resolved_list, rel)
        .into_iter()
        .map(|c| {
            let f = &c.files[0];
            (f.name.clone().unwrap(), f.hashes["sha256"].clone())
        })
        .collect()
}

#[test]
fn resolved_lists_match_gradles_resolution() {
    for dir in ["gradle", "gradle-offline"] {
        let rel = format!("{dir}/depgate-resolved.json");
        let coords = parse(parse_resolved_list, &rel);
        let ids: BTreeSet<String> = coords.iter().map(artifact_id).collect();
        let want: BTreeSet<String> = lines_of(&format!("{dir}/expected-artifacts.txt")).into_iter().collect();
        assert_same(&rel, &ids, &want);
        let gavs: BTreeSet<String> = coords.iter().map(gav).collect();
        let tree: BTreeSet<String> = lines_of(&format!("{dir}/expected-tree.txt")).into_iter().collect();
        assert_same(&format!("{rel} vs gradle dependencies"), &gavs, &tree);
        let text = read(&rel);
        let lines: Vec<&str> = text.lines().collect();
        for c in &coords {
            assert_eq!(lines[c.line - 1].trim(), "{", "{rel}: line {} of {}", c.line, c.name);
            let group = c.name.split_once(':').unwrap().0;
            assert!(lines[c.line].contains(&format!("\"group\": \"{group}\"")), "{rel}: {}", c.name);
            let f = &c.files[0];
            assert_eq!(f.hashes["sha256"].len(), 64);
            assert_eq!(c.resolved, f.url);
            let url = f.url.as_deref().unwrap();
            assert!(url.ends_with(&format!("/{}/{}", c.version, f.name.as_deref().unwrap())), "{url}");
        }
        let dev: BTreeSet<&str> = coords.iter().filter(|c| c.dev).map(|c| c.name.as_str()).collect();
        let direct: BTreeSet<&str> = coords.iter().filter(|c| c.direct).map(|c| c.name.as_str()).collect();
        if dir == "gradle" {
            assert_eq!(dev, BTreeSet::from(["junit:junit", "org.hamcrest:hamcrest-core"]));
            assert_eq!(
                direct,
                BTreeSet::from([
                    "com.fasterxml.jackson.core:jackson-databind",
                    "com.google.guava:guava",
                    "io.netty:netty-transport-native-epoll",
                    "jakarta.servlet:jakarta.servlet-api",
                    "junit:junit",
                    "org.jspecify:jspecify",
                    "org.slf4j:slf4j-simple",
                ])
            );
            let guava = coords.iter().find(|c| c.name == "com.google.guava:guava").unwrap();
            assert_eq!(
                guava.files[0].url.as_deref(),
                Some("https://repo.maven.apache.org/maven2/com/google/guava/guava/33.2.1-jre/guava-33.2.1-jre.jar")
            );
        } else {
            assert_eq!(dev, BTreeSet::from(["junit:junit", "org.hamcrest:hamcrest"]));
            assert!(
                coords.iter().all(|c| c.files[0].url.as_deref().unwrap().starts_with("file:/usr/share/maven-repo/"))
            );
        }
    }
}

#[test]
fn maven_and_gradle_resolved_the_same_artifacts() {
    let mvn: BTreeSet<String> = parse(parse_mvn_dependency_list, "mvn/list-abs.txt").iter().map(artifact_id).collect();
    let gradle: BTreeSet<String> =
        parse(parse_resolved_list, "gradle/depgate-resolved.json").iter().map(artifact_id).collect();
    assert_same("mvn vs gradle", &mvn, &gradle);
}

// ---------------------------------------------------------------------------------------
// Errors name file:line; nothing panics

fn replace_line(text: &str, line: usize, with: &str) -> String {
    text.lines().enumerate().map(|(i, l)| if i + 1 == line { with } else { l }).collect::<Vec<_>>().join("\n")
}

#[test]
fn malformed_inputs_name_file_and_line() {
    let cases: [(&str, Parser, usize, &str); 5] = [
        ("gradle/gradle.lockfile", parse_gradle_lockfile, 7, "com.google.guava:guava=compileClasspath"),
        ("gradle/dependency-locks/compileClasspath.lockfile", parse_gradle_lockfile, 9, "a:b:1=compileClasspath"),
        ("mvn/list-abs.txt", parse_mvn_dependency_list, 5, "   com.google.guava:guava:33.2.1-jre"),
        (
            "gradle/verification-metadata.xml",
            parse_verification_metadata,
            9,
            "         <artifact name=\"oss-parent-58.pom\"><sha256 value=\"xyz\"/>",
        ),
        ("gradle/depgate-resolved.json", parse_resolved_list, 4, "    \"artifacts\": [{\"group\": 1},"),
    ];
    for (rel, parser, line, bad) in cases {
        let path = testdata().join(rel);
        let text = replace_line(&read(rel), line, bad);
        let e = parser(&text, &path).expect_err(rel);
        assert_eq!(e.line, line, "{rel}: {e}");
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("{}:{line}: ", path.display())), "{shown}");
        assert!(shown.contains("help: "), "{shown}");
    }
    // A type error deep in the list names the artifact's own line.
    let rel = "gradle/depgate-resolved.json";
    let text = read(rel).replacen("\"direct\": true", "\"direct\": \"yes\"", 1);
    let e = parse_resolved_list(&text, Path::new(rel)).unwrap_err();
    let first_direct = read(rel).lines().position(|l| l.contains("\"direct\": true")).unwrap();
    let object_start =
        read(rel).lines().take(first_direct).collect::<Vec<_>>().iter().rposition(|l| l.trim() == "{").unwrap();
    assert_eq!(e.line, object_start + 1, "{e}");
}

#[test]
fn truncated_inputs_never_panic() {
    let fixtures: [(&str, Parser); 6] = [
        ("gradle/gradle.lockfile", parse_gradle_lockfile),
        ("gradle/verification-metadata-features.xml", parse_verification_metadata),
        ("gradle/depgate-resolved.json", parse_resolved_list),
        ("mvn/list-abs.txt", parse_mvn_dependency_list),
        ("mvn/console-color.txt", parse_mvn_dependency_list),
        ("gradle-offline/depgate-resolved.json", parse_resolved_list),
    ];
    for (rel, parser) in fixtures {
        let text = read(rel);
        let mut cut = 0;
        while cut < text.len() {
            if let Some(prefix) = text.get(..cut) {
                let _ = parser(prefix, Path::new(rel));
            }
            cut += 7;
        }
    }
    for rel in ["central/jakarta.servlet-api-6.0.0.pom", "central/slf4j-api-maven-metadata.xml"] {
        let b = bytes(rel);
        for cut in (0..b.len()).step_by(13) {
            let _ = parse_pom(&b[..cut]);
            let _ = parse_maven_metadata(&b[..cut]);
        }
    }
}

#[test]
fn doctype_and_undefined_entities_are_never_expanded() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<project><artifactId>&lol3;</artifactId></project>"#;
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE metadata [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<metadata><groupId>&x;</groupId></metadata>"#;
    assert!(parse_pom(bomb.as_bytes()).unwrap_err().contains("DOCTYPE"));
    assert!(parse_maven_metadata(xxe.as_bytes()).unwrap_err().contains("DOCTYPE"));
    let e =
        parse_verification_metadata(&bomb.replace("project", "verification-metadata"), Path::new("v.xml")).unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    // Without a DTD nothing defines an entity: in text (old Central POMs use HTML's, as
    // `&oslash;` in a name) it reads as U+FFFD, never expanded and never an empty string.
    let pom = parse_pom(b"<project><artifactId>&x;</artifactId></project>").unwrap();
    assert_eq!(pom.artifact_id.as_deref(), Some("\u{FFFD}"));
    assert!(parse_maven_metadata(b"<metadata><groupId a=\"&x;\">g</groupId></metadata>").is_err());
}

// ---------------------------------------------------------------------------------------
// Repository wire types, on files from Maven Central

#[test]
fn maven_metadata_from_central() {
    for (rel, group, artifact, some_version) in [
        ("central/guava-maven-metadata.xml", "com.google.guava", "guava", "33.2.1-jre"),
        ("central/slf4j-api-maven-metadata.xml", "org.slf4j", "slf4j-api", "2.0.13"),
    ] {
        let m = parse_maven_metadata(&bytes(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!((m.group_id.as_deref(), m.artifact_id.as_deref()), (Some(group), Some(artifact)));
        assert_eq!(m.versions.len(), read(rel).matches("<version>").count(), "{rel}");
        assert!(m.versions.iter().any(|v| v == some_version));
        assert!(m.versions.contains(m.release.as_ref().unwrap()) && m.versions.contains(m.latest.as_ref().unwrap()));
        let stamp = m.last_updated.unwrap();
        let raw = read(rel);
        let digits = raw.split("<lastUpdated>").nth(1).unwrap().split('<').next().unwrap();
        assert_eq!(
            stamp,
            format!(
                "{}-{}-{}T{}:{}:{}Z",
                &digits[0..4],
                &digits[4..6],
                &digits[6..8],
                &digits[8..10],
                &digits[10..12],
                &digits[12..14]
            )
        );
    }
    let guava = parse_maven_metadata(&bytes("central/guava-maven-metadata.xml")).unwrap();
    assert_eq!(guava.versions[0], "r03", "document order");
}

#[test]
fn poms_from_central() {
    let pom = |rel: &str| parse_pom(&bytes(&format!("central/{rel}"))).unwrap_or_else(|e| panic!("{rel}: {e}"));

    // groupId and version inherited from the parent; licences declared by the parent.
    let mut guava = pom("guava-33.2.1-jre.pom");
    assert_eq!(guava.group_id.as_deref(), Some("com.google.guava"));
    assert_eq!(guava.version.as_deref(), Some("33.2.1-jre"));
    assert_eq!(guava.artifact_id.as_deref(), Some("guava"));
    assert_eq!((guava.packaging.as_str(), packaging_extension(&guava.packaging)), ("bundle", "jar"));
    let parent = guava.parent.clone().unwrap();
    assert_eq!((parent.artifact_id.as_str(), parent.version.as_str()), ("guava-parent", "33.2.1-jre"));
    assert!(guava.licenses.is_empty() && guava.license_expression().is_none());
    let guava_parent = pom("guava-parent-33.2.1-jre.pom");
    assert_eq!(guava_parent.packaging, "pom");
    assert_eq!(guava_parent.scm_url.as_deref(), Some("https://github.com/google/guava"));
    guava.inherit_licenses(&guava_parent);
    assert_eq!(guava.license_expression().as_deref(), Some("Apache-2.0"));

    // Two licences: a choice.
    let servlet = pom("jakarta.servlet-api-6.0.0.pom");
    assert_eq!(servlet.licenses.len(), 2);
    assert_eq!(servlet.license_expression().as_deref(), Some("EPL-2.0 OR GPL-2.0-only WITH Classpath-exception-2.0"));
    assert_eq!(servlet.scm_url.as_deref(), Some("https://github.com/eclipse-ee4j/servlet-api"));
    assert_eq!(servlet.packaging, "jar");
    let mut logback = pom("logback-classic-1.5.6.pom");
    assert_eq!(logback.group_id.as_deref(), Some("ch.qos.logback"));
    logback.inherit_licenses(&pom("logback-parent-1.5.6.pom"));
    assert_eq!(logback.license_expression().as_deref(), Some("EPL-1.0 OR LGPL-2.1-only"));

    let mut hamcrest = pom("hamcrest-core-1.3.pom");
    hamcrest.inherit_licenses(&pom("hamcrest-parent-1.3.pom"));
    assert_eq!(hamcrest.license_expression().as_deref(), Some("BSD-3-Clause"));
    assert_eq!(pom("junit-4.13.2.pom").license_expression().as_deref(), Some("EPL-1.0"));
    assert_eq!(pom("checker-qual-3.42.0.pom").license_expression().as_deref(), Some("MIT"));
    let jackson = pom("jackson-databind-2.17.2.pom");
    assert_eq!(jackson.license_expression().as_deref(), Some("Apache-2.0"));
    assert_eq!(jackson.scm_url.as_deref(), Some("https://github.com/FasterXML/jackson-databind"));
    let plugin = pom("maven-dependency-plugin-3.8.1.pom");
    assert_eq!((plugin.packaging.as_str(), packaging_extension(&plugin.packaging)), ("maven-plugin", "jar"));
    assert_eq!(plugin.group_id.as_deref(), Some("org.apache.maven.plugins"));
    assert_eq!(
        plugin.scm_url.as_deref(),
        Some("https://github.com/apache/maven-dependency-plugin/tree/maven-dependency-plugin-3.8.1")
    );
}
