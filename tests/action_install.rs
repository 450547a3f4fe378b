//! The action's install step for real: action/scripts/setup.sh and install.sh, run as the
//! composite action runs them (its environment, `GITHUB_OUTPUT`), against a release server
//! on 127.0.0.1 that answers github.com's release routes for `acme/depgate` v0.1.0 with a
//! real depgate archive (the one scripts/release.sh built, `DEPGATE_RELEASE_DIR`, else this
//! build's depgate packed the same way) and a real provenance bundle made by the test PKI
//! (`support::test_pki`, trusted through the action's `trusted-root`).
//!
//! Accepted: digest and provenance right, then the installed depgate runs. Refused, each
//! with its message and nothing run: a tampered archive, a wrong .sha256, provenance whose
//! certificate names another repository (or another tag), a release without provenance,
//! and `gh attestation verify` refusing what depgate accepted. `gh` is a stand-in on PATH
//! (no GitHub API here) that checks the arguments it is given. `install: cargo` runs a
//! stand-in `cargo` that records its command line, and a runner with no release names
//! `install: cargo`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use support::release::{archive_in, pack, prebuilt_dir, provenance};
use support::test_pki::Pki;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The asset a Linux x86-64 runner installs.
const ASSET: &str = "depgate-x86_64-unknown-linux-musl.tar.gz";
const DOWNLOAD: &str = "/acme/depgate/releases/download/v0.1.0/";

/// The files of the fake release, by name (served under `DOWNLOAD`).
#[derive(Clone, Default)]
struct Release(Arc<Mutex<BTreeMap<String, Vec<u8>>>>);

impl Release {
    fn put(&self, name: &str, bytes: impl Into<Vec<u8>>) {
        self.0.lock().unwrap().insert(name.to_string(), bytes.into());
    }
    fn remove(&self, name: &str) {
        self.0.lock().unwrap().remove(name);
    }
}

/// github.com's release routes: /releases/latest redirects to the tag's page, files under
/// /releases/download/v0.1.0/ (404 for a file the release lacks).
fn release_server(release: &Release) -> support::server::Server {
    use axum::extract::{Path as UrlPath, State};
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/acme/depgate/releases/latest",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/acme/depgate/releases/tag/v0.1.0")]) }),
        )
        .route("/acme/depgate/releases/tag/v0.1.0", get(|| async { "depgate v0.1.0" }))
        .route(
            &format!("{DOWNLOAD}{{file}}"),
            get(|State(r): State<Release>, UrlPath(file): UrlPath<String>| async move {
                match r.0.lock().unwrap().get(&file) {
                    Some(bytes) => bytes.clone().into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .with_state(release.clone());
    support::server::Server::start("127.0.0.1:0", app)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn chmod_x(path: &Path) {
    assert!(Command::new("chmod").arg("755").arg(path).status().unwrap().success());
}

/// One run of an action script with the runner's variables, stand-ins first on PATH
/// (`stand_ins`: name and shell body), and `env`; its exit code, log and step outputs.
fn script(
    work: &Path,
    name: &str,
    stand_ins: &[(&str, &str)],
    env: &[(&str, String)],
) -> (i32, String, Vec<(String, String)>) {
    let bin = work.join("bin");
    let _ = std::fs::remove_dir_all(&bin);
    std::fs::create_dir_all(&bin).unwrap();
    for (tool, body) in stand_ins {
        std::fs::write(bin.join(tool), format!("#!/bin/sh\n{body}\n")).unwrap();
        chmod_x(&bin.join(tool));
    }
    let output = work.join(format!("{name}.out"));
    std::fs::write(&output, "").unwrap();
    // PATH without the folders that hold a real `gh` or `cargo`: only the stand-ins answer.
    let system: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| !d.join("gh").exists() && !d.join("cargo").exists())
        .collect();
    let path = std::env::join_paths(std::iter::once(bin).chain(system)).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/scripts").join(name))
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_ACTION_PATH", root().join("action"))
        .env("GITHUB_WORKSPACE", work)
        .env("RUNNER_TEMP", work.join("runner-temp"))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("GITHUB_REPOSITORY", "acme/project")
        .env("DG_TOKEN", "token-for-tests");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let log = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), log, outputs)
}

fn get<'a>(outputs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    outputs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// What setup.sh gets from action.yml for `install: INSTALL`, `version: latest`.
fn setup_env(server: &support::server::Server, install: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_SERVER_URL", format!("http://{}", server.addr)),
        ("DG_MODE", "check".into()),
        ("DG_FAIL_ON", "deny".into()),
        ("DG_COMMENT", "never".into()),
        ("DG_CHECK_RUN", "false".into()),
        ("DG_UPLOAD", "true".into()),
        ("DG_VERSION", "latest".into()),
        ("DG_BINARY", String::new()),
        ("DG_INSTALL_MODE", install.into()),
        ("DG_RELEASE_REPOSITORY", "acme/depgate".into()),
        ("DG_ACTION_REPOSITORY", String::new()),
    ]
}

/// install.sh's environment, from setup.sh's outputs (as action.yml maps them).
fn install_env(setup: &[(String, String)], trusted_root: &Path) -> Vec<(&'static str, String)> {
    let mut env: Vec<(&'static str, String)> = [
        ("DG_INSTALL", "install"),
        ("DG_INSTALL_DIR", "install-dir"),
        ("DG_ASSET_URL", "asset-url"),
        ("DG_ASSET", "asset"),
        ("DG_RELEASE_REPOSITORY", "release-repository"),
        ("DG_VERSION", "version"),
        ("DG_STATE_DIR", "state-dir"),
    ]
    .into_iter()
    .map(|(var, key)| (var, get(setup, key).unwrap_or_default().to_string()))
    .collect();
    env.push(("DG_BINARY", String::new()));
    env.push(("DG_TRUSTED_ROOT", trusted_root.display().to_string()));
    env
}

/// The archive under test: scripts/release.sh's, else this build's depgate packed.
fn real_archive(work: &Path) -> Vec<u8> {
    if let Some(dir) = prebuilt_dir() {
        let (path, target) = archive_in(&dir);
        support::report(&format!("install: serving {} (built for {target}) as {ASSET}", path.display()));
        return std::fs::read(path).unwrap();
    }
    support::report("install: DEPGATE_RELEASE_DIR is not set; serving this build's depgate, packed as a release");
    pack(Path::new(env!("CARGO_BIN_EXE_depgate")), work)
}

/// `gh attestation verify` stand-in: succeeds only with the arguments install.sh must pass.
const GH_ACCEPTS: &str = r#"test "$1 $2" = "attestation verify" || exit 9
shift 2
case "$*" in
  *"--bundle "*"--repo acme/depgate --signer-workflow acme/depgate/.github/workflows/release.yml --source-ref refs/tags/v0.1.0 --cert-oidc-issuer https://token.actions.githubusercontent.com --custom-trusted-root "*) exit 0 ;;
esac
echo "gh stand-in: unexpected arguments: $*" >&2
exit 8"#;

#[test]
fn install_verifies_digest_and_provenance_and_refuses_each_fault() {
    for tool in ["curl", "tar"] {
        if Command::new(tool).arg("--version").output().is_err() {
            assert!(!support::served::require_tools(), "{tool} is required under DEPGATE_REQUIRE_TOOLS=1");
            support::skipped(&format!("action_install: {tool} is not installed"));
            return;
        }
    }
    let work = tempfile::tempdir().unwrap();
    let work = work.path();
    let archive = real_archive(work);
    let pki = Pki::new();
    let good = provenance(&pki, &archive, ASSET, "acme/depgate", "0.1.0");
    let trusted_root = work.join("trusted_root.json");
    std::fs::write(&trusted_root, &good.trusted_root_json).unwrap();

    let release = Release::default();
    release.put(ASSET, archive.clone());
    release.put(&format!("{ASSET}.sha256"), format!("{}  {ASSET}\n", sha256_hex(&archive)));
    release.put(&format!("{ASSET}.sigstore.json"), good.bundle_json.clone());
    let server = release_server(&release);

    let (code, log, setup) = script(work, "setup.sh", &[], &setup_env(&server, "release"));
    assert_eq!(code, 0, "{log}");
    // `latest` follows the redirect to the tag; the asset is named by the musl target.
    assert_eq!(get(&setup, "asset-url"), Some(format!("http://{}{DOWNLOAD}{ASSET}", server.addr).as_str()));
    assert_eq!(get(&setup, "version"), Some("0.1.0"));
    assert_eq!(get(&setup, "install"), Some("release"));
    assert_eq!(get(&setup, "cache-key"), Some("depgate-acme/depgate-v0.1.0-x86_64-unknown-linux-musl"));
    let env = install_env(&setup, &trusted_root);
    let install_dir = PathBuf::from(get(&setup, "install-dir").unwrap());
    let cached = install_dir.join("archive").join(ASSET);

    // Accepted: digest, depgate verify (this repository, release.yml, the tag), gh.
    let (code, log, out) = script(work, "install.sh", &[("gh", GH_ACCEPTS)], &env);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains(&format!("{ASSET}: downloaded, sha256 {}", sha256_hex(&archive))), "{log}");
    assert!(log.contains("VERIFIED (sigstore-bundle)"), "{log}");
    assert!(
        log.contains("build provenance verified by depgate verify: acme/depgate .github/workflows/release.yml at refs/tags/v0.1.0"),
        "{log}"
    );
    assert!(log.contains("build provenance verified by gh attestation verify"), "{log}");
    assert!(log.contains("depgate 0.1.0"), "the installed depgate ran:\n{log}");
    let bin = get(&out, "bin").expect("install names the executable").to_string();
    let version = Command::new(&bin).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("depgate "), "{bin}");

    // Again from the cache actions/cache restores: checked all the same.
    let (code, log, _) = script(work, "install.sh", &[("gh", GH_ACCEPTS)], &env);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("restored from the cache"), "{log}");
    assert!(log.contains("build provenance verified by depgate verify"), "{log}");

    // Without gh: depgate's self-check only, and the log says so.
    let (code, log, _) = script(work, "install.sh", &[], &env);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("gh is not installed") && log.contains("(a self-check)"), "{log}");

    let refused = |log: &str, out: &[(String, String)], why: &str| {
        assert!(log.contains(why), "expected `{why}` in:\n{log}");
        assert!(log.contains("not running it"), "{log}");
        assert_eq!(get(out, "bin"), None, "a refused install named an executable:\n{log}");
    };

    // A tampered archive (the .sha256 is the release's): refused, the download not kept.
    let mut tampered = archive.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    release.put(ASSET, tampered.clone());
    std::fs::write(&cached, b"a poisoned cache entry").unwrap();
    let (code, log, out) = script(work, "install.sh", &[("gh", GH_ACCEPTS)], &env);
    assert_eq!(code, 3, "{log}");
    refused(
        &log,
        &out,
        &format!("{ASSET} has sha256 {} but the release says {}", sha256_hex(&tampered), sha256_hex(&archive)),
    );
    assert!(!cached.exists(), "the tampered archive was kept");
    release.put(ASSET, archive.clone());

    // A wrong .sha256 (the archive is the real one): refused.
    release.put(&format!("{ASSET}.sha256"), format!("{}  {ASSET}\n", "ab".repeat(32)));
    let (code, log, out) = script(work, "install.sh", &[("gh", GH_ACCEPTS)], &env);
    assert_eq!(code, 3, "{log}");
    refused(&log, &out, &format!("but the release says {}", "ab".repeat(32)));
    release.put(&format!("{ASSET}.sha256"), "not a digest\n");
    let (code, log, out) = script(work, "install.sh", &[("gh", GH_ACCEPTS)], &env);
    assert_eq!(code, 3, "{log}");
    assert!(log.contains(".sha256 holds no sha256 digest"), "{log}");
    assert_eq!(get(&out, "bin"), None);
    release.put(&format!("{ASSET}.sha256"), format!("{}  {ASSET}\n", sha256_hex(&archive)));

    // Provenance made by another repository's release workflow (same PKI, same archive):
    // refused by depgate verify, whatever gh says.
    let other = provenance(&pki, &archive, ASSET, "mallory/depgate", "0.1.0");
    release.put(&format!("{ASSET}.sigstore.json"), other.bundle_json);
    let (code, log, out) = script(work, "install.sh", &[("gh", "exit 0")], &env);
    assert_eq!(code, 3, "{log}");
    assert!(
        log.contains(
            "source repository is `https://github.com/mallory/depgate`, expected `https://github.com/acme/depgate`"
        ),
        "{log}"
    );
    refused(&log, &out, "its build provenance does not verify for acme/depgate");

    // The right repository, another tag: refused.
    let old_tag = provenance(&pki, &archive, ASSET, "acme/depgate", "0.0.9");
    release.put(&format!("{ASSET}.sigstore.json"), old_tag.bundle_json);
    let (code, log, out) = script(work, "install.sh", &[("gh", "exit 0")], &env);
    assert_eq!(code, 3, "{log}");
    assert!(log.contains("ref is `refs/tags/v0.0.9`, expected `refs/tags/v0.1.0`"), "{log}");
    refused(&log, &out, "its build provenance does not verify");

    // Provenance about other bytes: refused.
    let elsewhere = provenance(&pki, b"another archive", ASSET, "acme/depgate", "0.1.0");
    release.put(&format!("{ASSET}.sigstore.json"), elsewhere.bundle_json);
    let (code, log, out) = script(work, "install.sh", &[("gh", "exit 0")], &env);
    assert_eq!(code, 3, "{log}");
    refused(&log, &out, "its build provenance does not verify");

    // Signed by a Sigstore instance the trusted root does not vouch for: refused.
    let stranger = provenance(&Pki::new(), &archive, ASSET, "acme/depgate", "0.1.0");
    release.put(&format!("{ASSET}.sigstore.json"), stranger.bundle_json);
    let (code, log, out) = script(work, "install.sh", &[("gh", "exit 0")], &env);
    assert_eq!(code, 3, "{log}");
    refused(&log, &out, "its build provenance does not verify");

    // No .sigstore.json in the release: refused (fail closed), naming the ways out.
    release.remove(&format!("{ASSET}.sigstore.json"));
    let (code, log, out) = script(work, "install.sh", &[("gh", "exit 0")], &env);
    assert_eq!(code, 3, "{log}");
    refused(&log, &out, "the release has no build provenance");
    assert!(log.contains("answered HTTP 404") && log.contains("`install: cargo`"), "{log}");

    // depgate accepts, gh refuses: refused.
    release.put(&format!("{ASSET}.sigstore.json"), good.bundle_json.clone());
    let (code, log, out) =
        script(work, "install.sh", &[("gh", "echo 'Error: verifying with issuer \"sigstore.dev\"' >&2; exit 1")], &env);
    assert_eq!(code, 3, "{log}");
    assert!(log.contains("build provenance verified by depgate verify"), "{log}");
    refused(&log, &out, "gh attestation verify refuses its build provenance");
}

#[test]
fn install_cargo_builds_the_actions_own_source_and_no_release_names_it() {
    let work = tempfile::tempdir().unwrap();
    let work = work.path();
    let release = Release::default();
    let server = release_server(&release);

    // A runner with no release: `install: release` fails, naming `install: cargo`.
    let mut env = setup_env(&server, "release");
    env.push(("RUNNER_OS", "Windows".into()));
    let (code, log, _) = script(work, "setup.sh", &[], &env);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("no depgate release for Windows/X64; set `install: cargo`"), "{log}");

    let mut env = setup_env(&server, "rustup");
    env.push(("RUNNER_OS", "Windows".into()));
    let (code, log, _) = script(work, "setup.sh", &[], &env);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("input `install` is `rustup`; use one of: release cargo"), "{log}");

    // `install: cargo`: no release is asked for; cargo installs the action's checkout.
    let mut env = setup_env(&server, "cargo");
    env.push(("RUNNER_OS", "Windows".into()));
    let (code, log, setup) = script(work, "setup.sh", &[], &env);
    assert_eq!(code, 0, "{log}");
    assert_eq!(get(&setup, "install"), Some("cargo"));
    assert_eq!(get(&setup, "asset-url"), None);
    let install_dir = get(&setup, "install-dir").unwrap().to_string();
    let args_file = work.join("cargo-args");
    let cargo = format!(
        r#"printf '%s\n' "$@" >'{}'
root=""; while [ $# -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done
mkdir -p "$root/bin" && printf '#!/bin/sh\necho depgate 0.1.0-from-source\n' >"$root/bin/depgate" && chmod 755 "$root/bin/depgate""#,
        args_file.display()
    );
    let env = vec![
        ("DG_BINARY", String::new()),
        ("DG_INSTALL", "cargo".to_string()),
        ("DG_INSTALL_DIR", install_dir.clone()),
        ("DG_STATE_DIR", get(&setup, "state-dir").unwrap().to_string()),
    ];
    let (code, log, out) = script(work, "install.sh", &[("cargo", cargo.as_str())], &env);
    assert_eq!(code, 0, "{log}");
    let args = std::fs::read_to_string(&args_file).unwrap();
    let source = std::fs::canonicalize(root()).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        ["install", "--locked", "--path", source.to_str().unwrap(), "--root", install_dir.as_str()]
    );
    assert!(log.contains("depgate 0.1.0-from-source"), "{log}");
    assert_eq!(get(&out, "bin"), Some(format!("{install_dir}/bin/depgate").as_str()));

    // Without cargo on PATH: a clear failure.
    let (code, log, out) = script(work, "install.sh", &[], &env);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("`install: cargo` needs a Rust toolchain"), "{log}");
    assert_eq!(get(&out, "bin"), None);
}
