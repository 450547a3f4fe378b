//! scripts/release.sh, the local half of .github/workflows/release.yml: it builds the host
//! target's archive (x86_64-unknown-linux-gnu here: rustup cannot fetch the musl standard
//! library on these machines; the workflow builds the musl and macOS archives), its sha256
//! and depgate's own `CycloneDX` SBOM. Checked here:
//!
//! * the archive holds `depgate` at its top (and README.md), its `.sha256` is in sha256sum
//!   format and right;
//! * the archived binary runs the demo with no Rust toolchain on PATH and a fresh HOME (a
//!   runner's state), and its audit log verifies;
//! * build provenance for the archive made by the test PKI (as the workflow's attestation
//!   is: SLSA provenance about the archive, signed for this repository's release workflow
//!   on the tag) verifies with the archived binary's own `depgate verify`, and provenance
//!   for another repository does not;
//! * depgate.cdx.json passes both `CycloneDX` 1.6 validators and says what Cargo.lock locks:
//!   one component per package (the root is depgate itself), the `.crate` sha256 of each
//!   crates.io package, the dependency graph;
//! * the script refuses a version that is not Cargo.toml's, before building.
//!
//! A release build takes 10+ minutes on two cores: scripts/test.sh runs the script once and
//! sets `DEPGATE_RELEASE_DIR` to its output; without it this test binary runs the script
//! itself (into target/release-test).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use support::release::{archive_in, prebuilt_dir, provenance};
use support::test_pki::Pki;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The release folder: `DEPGATE_RELEASE_DIR`, else scripts/release.sh run once here.
fn release_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = prebuilt_dir() {
            support::report(&format!("release: using the release built in {}", dir.display()));
            return dir;
        }
        let out = root().join("target/release-test");
        let _ = std::fs::remove_dir_all(&out);
        support::report("release: DEPGATE_RELEASE_DIR is not set: running scripts/release.sh (a release build)");
        let started = std::time::Instant::now();
        let run = Command::new("bash").arg(root().join("scripts/release.sh")).arg("--out").arg(&out).output().unwrap();
        let log = format!("{}\n{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        assert!(run.status.success(), "scripts/release.sh failed:\n{log}");
        support::report(&format!("release: scripts/release.sh took {:.0} s", started.elapsed().as_secs_f64()));
        out
    })
}

fn crate_version() -> String {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    manifest["package"]["version"].as_str().unwrap().to_string()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The archive unpacked into a fresh folder: the folder and the executable in it.
fn unpack(archive: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("tar").arg("-xzf").arg(archive).arg("-C").arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "tar: {}", String::from_utf8_lossy(&out.stderr));
    let exe = dir.path().join("depgate");
    (dir, exe)
}

/// PATH without any folder that holds cargo, rustc or rustup: what a runner without a
/// Rust toolchain has.
fn path_without_rust() -> std::ffi::OsString {
    let kept: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| !["cargo", "rustc", "rustup"].iter().any(|t| d.join(t).exists()))
        .collect();
    std::env::join_paths(kept).unwrap()
}

#[test]
fn release_sh_refuses_a_version_that_is_not_cargo_tomls() {
    let out = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .args(["--version", "v99.0.0", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("--version 99.0.0, but Cargo.toml says {}: bump Cargo.toml", crate_version())),
        "{err}"
    );
    let out = Command::new("bash").arg(root().join("scripts/release.sh")).args(["--builder", "make"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--builder is `make`; use cargo, zigbuild or cross"));
}

#[test]
fn check_says_cargo_lock_is_not_gated_and_sbom_names_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("Cargo.lock");
    std::fs::copy(root().join("Cargo.lock"), &lock).unwrap();
    let depgate = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
        cmd.env("DEPGATE_CACHE_DIR", dir.path().join("cache")).current_dir(dir.path());
        cmd
    };
    // Found by the walk, or named: never a silent pass.
    for args in [vec!["check", "."], vec!["check", "--lockfile", "Cargo.lock"]] {
        let out = depgate().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("Cargo.lock is not a format depgate gates") && err.contains("nothing was gated"), "{err}");
        assert!(err.contains("depgate sbom --cargo-lock"), "{err}");
    }
    // `depgate sbom` on something that is not a Cargo.lock, or with a root it lacks.
    let out = depgate().args(["sbom", "--cargo-lock"]).arg(root().join("Cargo.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cargo.toml:0: not a Cargo.lock"));
    let out = depgate().args(["sbom", "--cargo-lock", "Cargo.lock", "--root", "no-such-crate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no locked package is named `no-such-crate`") && err.contains("--root NAME"), "{err}");
    // SOURCE_DATE_EPOCH fixes the timestamp, so the same lockfile gives the same bytes.
    let sbom = |epoch: &str| {
        depgate().args(["sbom", "--cargo-lock", "Cargo.lock"]).env("SOURCE_DATE_EPOCH", epoch).output().unwrap()
    };
    let (a, b) = (sbom("1700000000"), sbom("1700000000"));
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let bom: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    let out = sbom("yesterday");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH is `yesterday`"));
}

#[test]
fn archive_holds_the_binary_and_its_sha256_is_right() {
    let dir = release_dir();
    let (archive, target) = archive_in(dir);
    let asset = format!("depgate-{target}.tar.gz");
    let list = Command::new("tar").arg("-tzf").arg(&archive).output().unwrap();
    assert!(list.status.success());
    let mut entries: Vec<String> = String::from_utf8_lossy(&list.stdout).lines().map(str::to_string).collect();
    entries.sort();
    assert_eq!(entries, ["README.md", "depgate"], "{}", archive.display());
    let bytes = std::fs::read(&archive).unwrap();
    let sha = std::fs::read_to_string(dir.join(format!("{asset}.sha256"))).unwrap();
    assert_eq!(sha, format!("{}  {asset}\n", sha256_hex(&bytes)));
    if Command::new("sha256sum").arg("--version").output().is_ok() {
        let check =
            Command::new("sha256sum").arg("-c").arg(format!("{asset}.sha256")).current_dir(dir).output().unwrap();
        assert!(check.status.success(), "sha256sum -c: {}", String::from_utf8_lossy(&check.stdout));
    }
    let (_dir, exe) = unpack(&archive);
    let out = Command::new(&exe).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("depgate {}", crate_version()));
    support::report(&format!("release: {asset}, {} bytes, sha256 {}", bytes.len(), sha256_hex(&bytes)));
}

#[test]
fn archived_binary_runs_the_demo_without_a_rust_toolchain() {
    let (archive, _) = archive_in(release_dir());
    let (dir, exe) = unpack(&archive);
    let home = dir.path().join("home");
    let demo = dir.path().join("demo");
    std::fs::create_dir_all(&home).unwrap();
    let path = path_without_rust();
    let which = Command::new("sh").args(["-c", "command -v cargo rustc rustup"]).env("PATH", &path).output().unwrap();
    assert!(which.stdout.is_empty(), "a Rust tool is still on PATH: {}", String::from_utf8_lossy(&which.stdout));
    let run = |args: &[&str]| {
        Command::new(&exe)
            .args(args)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["demo", "--dir", demo.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("not-found-in-owner") && stdout.contains("fallback-cooldown"), "{stdout}");
    for f in ["decisions.json", "sbom.cdx.json", "sbom.spdx.json", "results.sarif", "audit.jsonl"] {
        let file = demo.join("depgate-report").join(f);
        assert!(std::fs::metadata(&file).is_ok_and(|m| m.len() > 0), "{} is missing or empty", file.display());
    }
    let audit = demo.join("depgate-report/audit.jsonl");
    let out = run(&["audit", "verify", audit.to_str().unwrap()]);
    assert!(out.status.success(), "audit verify: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn test_pki_provenance_verifies_with_the_archived_binary_for_this_repository_only() {
    let (archive, target) = archive_in(release_dir());
    let asset = format!("depgate-{target}.tar.gz");
    let bytes = std::fs::read(&archive).unwrap();
    let version = crate_version();
    let pki = Pki::new();
    let (dir, exe) = unpack(&archive);
    let verify = |signed: &support::test_pki::Signed| {
        let bundle = dir.path().join("bundle.sigstore.json");
        let trusted = dir.path().join("trusted_root.json");
        std::fs::write(&bundle, &signed.bundle_json).unwrap();
        std::fs::write(&trusted, &signed.trusted_root_json).unwrap();
        let out = Command::new(&exe)
            .arg("verify")
            .arg(&archive)
            .arg("--bundle")
            .arg(&bundle)
            .arg("--trusted-root")
            .arg(&trusted)
            .args(["--subject", &asset, "--source-repository", "depgate/depgate"])
            .args(["--workflow", ".github/workflows/release.yml", "--ref", &format!("refs/tags/v{version}")])
            .args(["--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, out) = verify(&provenance(&pki, &bytes, &asset, "depgate/depgate", &version));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("VERIFIED") && out.contains("https://slsa.dev/provenance/v1"), "{out}");
    let (code, out) = verify(&provenance(&pki, &bytes, &asset, "someone/depgate", &version));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("source repository is `https://github.com/someone/depgate`"), "{out}");
    let (code, out) = verify(&provenance(&pki, &bytes, "depgate-other-target.tar.gz", "depgate/depgate", &version));
    assert_eq!(code, Some(1), "provenance about another file name must not pass:\n{out}");
}

/// The `CycloneDX` validators scripts/sbom-validators.sh installs (tests/sbom.rs runs the
/// same): `true` when both ran and passed, `false` with a SKIPPED line when they are not
/// installed (a failure under `DEPGATE_REQUIRE_TOOLS=1`).
fn validate_cyclonedx(file: &Path, components: usize) -> bool {
    let tools = std::env::var_os("DEPGATE_TOOLS_DIR").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/depgate-tools"),
        PathBuf::from,
    );
    let lib = tools.join("sbom-npm/node_modules/@cyclonedx/cyclonedx-library");
    let python = tools.join("sbom-venv/bin/python");
    if !lib.join("package.json").is_file() || !python.is_file() {
        assert!(
            !support::served::require_tools(),
            "the CycloneDX validators are required (DEPGATE_REQUIRE_TOOLS=1): run scripts/sbom-validators.sh"
        );
        support::skipped("release: the CycloneDX validators are not installed (scripts/sbom-validators.sh)");
        return false;
    }
    let js = r"
const [lib, file] = process.argv.slice(1);
const { Validation, Spec } = require(lib);
new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(require('fs').readFileSync(file, 'utf8')).then(
  (errors) => { if (errors !== null) { console.log(JSON.stringify(errors, null, 1)); process.exit(1); } },
  (e) => { console.error(String(e)); process.exit(2); });
";
    let out = Command::new("node").args(["-e", js]).arg(&lib).arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "@cyclonedx/cyclonedx-library rejects {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout)
    );
    let py = r#"
import json, sys
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.schema import SchemaVersion
from cyclonedx.model.bom import Bom
text = open(sys.argv[1], encoding="utf-8").read()
error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
if error is not None:
    print(error)
    sys.exit(1)
bom = Bom.from_json(json.loads(text))
assert len(bom.components) == int(sys.argv[2]), (len(bom.components), sys.argv[2])
"#;
    let out = Command::new(&python).args(["-c", py]).arg(file).arg(components.to_string()).output().unwrap();
    assert!(
        out.status.success(),
        "cyclonedx-python-lib rejects {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[test]
fn sbom_of_depgate_validates_and_says_what_cargo_lock_locks() {
    let file = release_dir().join("depgate.cdx.json");
    let bom: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let lock: toml::Value = toml::from_str(&std::fs::read_to_string(root().join("Cargo.lock")).unwrap()).unwrap();
    let packages = lock["package"].as_array().unwrap();
    let version = crate_version();
    assert_eq!(bom["specVersion"], "1.6");
    let top = &bom["metadata"]["component"];
    assert_eq!(top["name"], "depgate");
    assert_eq!(top["purl"], format!("pkg:cargo/depgate@{version}"));
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), packages.len() - 1, "every locked package but depgate itself");
    // Every crates.io package: its purl and the checksum Cargo.lock records.
    let by_purl: BTreeMap<&str, &Value> = components.iter().map(|c| (c["purl"].as_str().unwrap(), c)).collect();
    for p in packages.iter().filter(|p| p.get("checksum").is_some()) {
        let purl = format!("pkg:cargo/{}@{}", p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        let c = by_purl.get(purl.as_str()).unwrap_or_else(|| panic!("{purl} is not in the SBOM"));
        assert_eq!(c["hashes"][0]["alg"], "SHA-256", "{purl}");
        assert_eq!(c["hashes"][0]["content"].as_str(), p["checksum"].as_str(), "{purl}");
    }
    // depgate's own dependencies are its direct edges.
    let depgate = packages.iter().find(|p| p["name"].as_str() == Some("depgate")).unwrap();
    let deps = bom["dependencies"].as_array().unwrap();
    let edges = deps.iter().find(|d| d["ref"] == top["bom-ref"]).expect("the root's dependency entry");
    assert_eq!(
        edges["dependsOn"].as_array().unwrap().len(),
        depgate["dependencies"].as_array().unwrap().len(),
        "{edges:#}"
    );
    assert_eq!(deps.len(), packages.len(), "one dependency entry per locked package");
    if validate_cyclonedx(&file, components.len()) {
        support::report(&format!("release: depgate.cdx.json: {} components, both validators pass", components.len()));
    }
}
