//! Discovery: a manifest that declares dependencies with no lockfile depgate reads is an
//! error naming the manifest and the command that writes a lockfile (never "0 packages,
//! allowed"); `bun.lockb` is refused with how to write `bun.lock`.

use std::path::Path;

use depgate::lockfiles::{InputError, discover, read};

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, body) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

const PKG: &[u8] = br#"{"name": "app", "dependencies": {"left-pad": "1.3.0"}}"#;
const LOCK: &[u8] = br#"{"name": "app", "lockfileVersion": 3, "packages": {"": {"name": "app"}}}"#;

fn manifest_error(dir: &Path) -> String {
    match discover(dir) {
        Err(e @ InputError::ManifestWithoutLockfile { .. }) => e.to_string(),
        other => panic!("expected a manifest-without-lockfile error, got {other:?}"),
    }
}

#[test]
fn each_manifest_without_a_lockfile_names_itself_and_the_command() {
    for (manifest, body, command) in [
        ("package.json", PKG, "npm install --package-lock-only"),
        ("pyproject.toml", &b"[project]\nname = \"app\"\ndependencies = [\"requests>=2\"]\n"[..], "uv lock"),
        (
            "pom.xml",
            &b"<project><dependencies><dependency><groupId>a</groupId></dependency></dependencies></project>"[..],
            "mvn dependency:list",
        ),
        (
            "build.gradle.kts",
            &b"dependencies {\n    implementation(\"com.google.guava:guava:33.0.0-jre\")\n}\n"[..],
            "gradle dependencies --write-locks",
        ),
    ] {
        let dir = project(&[(manifest, body)]);
        let msg = manifest_error(dir.path());
        assert!(msg.contains(&dir.path().join(manifest).display().to_string()), "{msg}");
        assert!(msg.contains(command) && msg.contains("help:"), "{msg}");
    }
    // Another ecosystem's lockfile does not cover it.
    let dir = project(&[
        ("package.json", PKG),
        ("package-lock.json", LOCK),
        ("tools/pyproject.toml", b"[dependency-groups]\ndev = [\"pytest\"]\n"),
    ]);
    let msg = manifest_error(dir.path());
    assert!(msg.contains("pyproject.toml") && msg.contains("pdm lock"), "{msg}");
    let two = project(&[("a/package.json", PKG), ("b/package.json", PKG)]);
    assert!(manifest_error(two.path()).contains("(and 1 more such manifest)"));
}

#[test]
fn covered_manifests_and_ones_without_dependencies_pass() {
    // A workspace member is covered by the root's lockfile.
    let dir = project(&[("package.json", PKG), ("package-lock.json", LOCK), ("packages/a/package.json", PKG)]);
    assert_eq!(discover(dir.path()).unwrap(), vec![dir.path().join("package-lock.json")]);
    // Gradle's verification metadata under gradle/ covers the build beside gradle/.
    let dir = project(&[
        ("build.gradle", b"dependencies { implementation 'a:b:1' }\n"),
        ("gradle/verification-metadata.xml", b"<verification-metadata/>"),
    ]);
    assert_eq!(discover(dir.path()).unwrap().len(), 1);
    // A manifest that declares nothing: no lockfile is needed, and none found is the
    // plain "no lockfile" error.
    let dir = project(&[("package.json", br#"{"name": "lib", "dependencies": {}}"#)]);
    assert!(matches!(discover(dir.path()), Err(InputError::NoneFound(_))));
    // bun.lock and pdm.lock count.
    let dir = project(&[
        ("package.json", PKG),
        ("bun.lock", b"{\"lockfileVersion\": 1, \"workspaces\": {}, \"packages\": {},}"),
    ]);
    assert_eq!(discover(dir.path()).unwrap().len(), 1);
    let dir = project(&[
        ("pyproject.toml", b"[project]\ndependencies = [\"six\"]\n"),
        ("pdm.lock", b"[metadata]\nlock_version = \"4.5.0\"\n"),
    ]);
    assert_eq!(discover(dir.path()).unwrap().len(), 1);
}

/// bun < 1.2's binary lockfile: a few bytes of its header are enough to be refused.
const LOCKB: &[u8] = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x03\x00\x00\x00\x00\x00\x00\x00\xff\xfe";

#[test]
fn bun_lockb_is_refused_with_how_to_write_bun_lock() {
    let dir = project(&[("package.json", PKG), ("bun.lockb", LOCKB)]);
    let found = discover(dir.path()).unwrap();
    assert_eq!(found, vec![dir.path().join("bun.lockb")], "found, so that it is refused rather than passed over");
    let e = read(&found[0]).unwrap_err();
    assert!(matches!(e, InputError::BunLockb(_)));
    let msg = e.to_string();
    assert!(
        msg.contains("bun.lockb")
            && msg.contains("--save-text-lockfile")
            && msg.contains("bun install --lockfile-only"),
        "{msg}"
    );
    // Beside a bun.lock, bun reads the text lockfile, and so does depgate.
    let dir = project(&[
        ("package.json", PKG),
        ("bun.lockb", LOCKB),
        ("bun.lock", b"{\"lockfileVersion\": 1, \"packages\": {}}"),
    ]);
    assert_eq!(discover(dir.path()).unwrap(), vec![dir.path().join("bun.lock")]);
}
