//! The signed SLSA verification summary (`report::vsa`): `depgate check` with
//! `DEPGATE_SIGNING_KEY` writes `vsa.intoto.jsonl`, a DSSE envelope over an in-toto
//! statement naming the report files; `depgate verify FILE --bundle vsa.intoto.jsonl
//! --key pub.pem` and `cosign verify-blob-attestation --key pub.pem --signature
//! vsa.intoto.jsonl --insecure-ignore-tlog=true --type https://slsa.dev/verification_summary/v1
//! FILE` accept every subject, and refuse a changed file, another key and another type.
//!
//! Keys are made with the `openssl` CLI. cosign is `$DEPGATE_COSIGN`, else the tools
//! folder scripts/install-cosign.sh installs into, else PATH. Without one of them a test
//! prints a SKIPPED line, unless `DEPGATE_REQUIRE_TOOLS=1` (CI), where it fails.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::fake_npm::FakeNpm;
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";
const VSA: &str = "https://slsa.dev/verification_summary/v1";
const SUBJECTS: [&str; 6] =
    ["decisions.json", "summary.md", "sbom.cdx.json", "sbom.spdx.json", "results.sarif", "audit.jsonl"];

fn require_tools() -> bool {
    std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// A tool is missing: fail under CI, say SKIPPED (visibly) otherwise.
fn skip(what: &str) {
    assert!(!require_tools(), "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it");
    support::skipped(&format!("{what} is not installed (scripts/test.sh installs it)"));
}

fn runs(cmd: &Path, arg: &str) -> bool {
    Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn cosign() -> Option<PathBuf> {
    support::cosign()
}

/// A P-256 key pair from the openssl CLI: (private PKCS#8 PEM text, public key PEM path).
struct KeyPair {
    private_pem: String,
    private_path: PathBuf,
    public_path: PathBuf,
}

impl KeyPair {
    /// The base64 body of the private key, as one string (what must never leak).
    fn body(&self) -> String {
        self.private_pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl").args(args).output().expect("openssl runs")
}

fn keypair(dir: &Path, name: &str) -> Option<KeyPair> {
    if !runs(Path::new("openssl"), "version") {
        skip("openssl (to make test keys)");
        return None;
    }
    let private_path = dir.join(format!("{name}.key"));
    let public_path = dir.join(format!("{name}.pub"));
    let gen_out = openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        private_path.to_str().unwrap(),
    ]);
    assert!(gen_out.status.success(), "{}", String::from_utf8_lossy(&gen_out.stderr));
    let pub_out =
        openssl(&["pkey", "-in", private_path.to_str().unwrap(), "-pubout", "-out", public_path.to_str().unwrap()]);
    assert!(pub_out.status.success(), "{}", String::from_utf8_lossy(&pub_out.stderr));
    let private_pem = std::fs::read_to_string(&private_path).unwrap();
    assert!(private_pem.starts_with("-----BEGIN PRIVATE KEY-----"), "openssl wrote PKCS#8");
    Some(KeyPair { private_pem, private_path, public_path })
}

/// A project whose lockfile passes (`left-pad` from the curated tier) or fails (plus a
/// young fallback version, quarantined).
fn project(fail: bool) -> (Project, FakeNpm, FakeNpm) {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let ok = curated.publish("left-pad", "1.3.0", OLD);
    let mut locked =
        vec![Locked::new("left-pad", "1.3.0", &ok, format!("{}left-pad/-/left-pad-1.3.0.tgz", curated.url()))];
    if fail {
        let young = public.publish("fresh", "1.0.0", YOUNG);
        locked.push(Locked::new("fresh", "1.0.0", &young, format!("{}fresh/-/fresh-1.0.0.tgz", public.url())));
    }
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", ""));
    p.write("package-lock.json", &package_lock_v3(&locked));
    (p, curated, public)
}

const RUNNER: [(&str, &str); 4] = [
    ("GITHUB_REPOSITORY", "acme/app"),
    ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
    ("GITHUB_SERVER_URL", "https://github.com"),
    ("GITHUB_RUN_ID", "42"),
];

fn check(p: &Project, key_env: &[(&str, &str)]) -> support::Run {
    let mut env: Vec<(&str, &str)> = RUNNER.to_vec();
    env.extend_from_slice(key_env);
    p.depgate(&["check", "--current-time", NOW], &env)
}

fn statement_of(envelope: &[u8]) -> Value {
    let doc: Value = serde_json::from_slice(envelope).expect("the envelope is JSON");
    assert_eq!(doc["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(doc["signatures"].as_array().map(Vec::len), Some(1));
    let payload = base64::engine::general_purpose::STANDARD.decode(doc["payload"].as_str().unwrap()).unwrap();
    serde_json::from_slice(&payload).expect("the payload is a JSON statement")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `depgate verify FILE --bundle ENVELOPE --key PUB`: (exit code, output).
fn depgate_verify(p: &Project, file: &Path, envelope: &Path, key: &Path) -> (i32, String) {
    let run = p.depgate(
        &["verify", file.to_str().unwrap(), "--bundle", envelope.to_str().unwrap(), "--key", key.to_str().unwrap()],
        &[],
    );
    (run.code, run.all_output())
}

/// `cosign verify-blob-attestation` offline with a key: (passed, output).
fn cosign_verify(cosign: &Path, file: &Path, envelope: &Path, key: &Path, kind: &str, home: &Path) -> (bool, String) {
    let out = Command::new(cosign)
        .args(["verify-blob-attestation", "--key"])
        .arg(key)
        .args(["--type", kind, "--signature"])
        .arg(envelope)
        .arg("--insecure-ignore-tlog=true")
        .arg(file)
        // A private TUF cache: cosign's attempt to refresh the public-good root (which it
        // does not need for a key) fails fast here and must not touch the user's cache.
        .env("HOME", home)
        .env("TUF_ROOT", home.join("tuf"))
        .output()
        .expect("cosign runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Every file under `dir`, as text (lossy).
fn all_files_text(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_file() {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// The key's body, and any 16-character window of it, appear nowhere.
fn assert_no_key(text: &str, key: &KeyPair, what: &str) {
    let body = key.body();
    assert!(!body.is_empty());
    for start in (0..body.len().saturating_sub(16)).step_by(8) {
        let window = &body[start..start + 16];
        assert!(!text.contains(window), "{what} contains part of the private key");
    }
}

#[test]
fn a_signed_vsa_verifies_with_depgate_and_cosign() {
    let keys = tempfile::tempdir().unwrap();
    let Some(key) = keypair(keys.path(), "signer") else { return };
    let Some(other) = keypair(keys.path(), "other") else { return };
    let (p, _c, _u) = project(false);
    let run = check(&p, &[("DEPGATE_SIGNING_KEY", &key.private_pem)]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let report = p.path().join("depgate-report");
    let envelope_path = report.join("vsa.intoto.jsonl");
    let envelope = std::fs::read(&envelope_path).expect("vsa.intoto.jsonl is written");
    assert!(envelope.ends_with(b"\n") && !envelope[..envelope.len() - 1].contains(&b'\n'), "one line");

    // The statement.
    let st = statement_of(&envelope);
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], VSA);
    let subjects = st["subject"].as_array().unwrap();
    assert_eq!(subjects.iter().map(|s| s["name"].as_str().unwrap()).collect::<Vec<_>>(), SUBJECTS);
    for s in subjects {
        let bytes = std::fs::read(report.join(s["name"].as_str().unwrap())).unwrap();
        assert_eq!(s["digest"]["sha256"], sha256_hex(&bytes), "{}", s["name"]);
    }
    let pr = &st["predicate"];
    assert_eq!(pr["verifier"]["id"], "https://github.com/depgate/depgate");
    assert_eq!(pr["verifier"]["version"]["depgate"], env!("CARGO_PKG_VERSION"));
    assert_eq!(pr["timeVerified"], NOW);
    assert_eq!(pr["resourceUri"], "git+https://github.com/acme/app@0123456789abcdef0123456789abcdef01234567");
    assert_eq!(pr["verificationResult"], "PASSED");
    assert_eq!(pr["verifiedLevels"], serde_json::json!(["SLSA_BUILD_LEVEL_0"]));
    assert_eq!(pr["dependencyLevels"], serde_json::json!({"SLSA_BUILD_LEVEL_0": 1}));
    assert_eq!(pr["slsaVersion"], "1.0");
    assert!(pr.get("inputAttestations").is_none());
    let builtin: String = depgate::policy::builtin_modules().into_iter().map(|m| m.text).collect();
    assert_eq!(pr["policy"]["digest"]["sha256"], sha256_hex(builtin.as_bytes()));
    assert!(pr["policy"]["uri"].as_str().unwrap().ends_with("&modules=builtin"), "{}", pr["policy"]);
    let ext = &pr["https://github.com/depgate/depgate/vsa/run/v1"];
    let log = std::fs::read_to_string(report.join("audit.jsonl")).unwrap();
    let last: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(ext["audit"]["seq"], last["seq"]);
    assert_eq!(ext["audit"]["hash"], last["hash"]);
    assert_eq!(ext["counts"]["allow"], 1);
    assert_eq!(ext["runner"]["run_id"], "42");

    // No key material anywhere: report files, stdout, stderr.
    assert_no_key(&all_files_text(&report), &key, "the report folder");
    assert_no_key(&run.all_output(), &key, "the output of check");

    // A changed copy of each file (same name), for the negative cases.
    let tampered = tempfile::tempdir().unwrap();
    for name in SUBJECTS {
        let mut bytes = std::fs::read(report.join(name)).unwrap();
        bytes.extend_from_slice(b" ");
        std::fs::write(tampered.path().join(name), bytes).unwrap();
    }

    // depgate verify: every subject with the key; not a changed file, not another key.
    for name in SUBJECTS {
        let (code, out) = depgate_verify(&p, &report.join(name), &envelope_path, &key.public_path);
        assert_eq!(code, 0, "{name}: {out}");
        assert!(out.contains("VERIFIED (dsse-envelope)") && out.contains(VSA), "{out}");
        let (code, out) = depgate_verify(&p, &tampered.path().join(name), &envelope_path, &key.public_path);
        assert_eq!(code, 1, "a changed {name} must fail: {out}");
        assert!(out.contains("FAIL  subject"), "{out}");
        let (code, out) = depgate_verify(&p, &report.join(name), &envelope_path, &other.public_path);
        assert_eq!(code, 1, "another key must fail for {name}: {out}");
        assert!(out.contains("FAIL  signature"), "{out}");
    }
    let other_name = p.write("other.json", "{}");
    let (code, out) = depgate_verify(&p, &other_name, &envelope_path, &key.public_path);
    assert_eq!(code, 1, "a file the statement does not name: {out}");

    // cosign.
    let Some(cosign) = cosign() else {
        skip("cosign");
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    for name in SUBJECTS {
        let (ok, out) = cosign_verify(&cosign, &report.join(name), &envelope_path, &key.public_path, VSA, home.path());
        assert!(ok, "cosign refused {name}: {out}");
        assert!(out.contains("Verified OK"), "{out}");
        let (ok, out) =
            cosign_verify(&cosign, &tampered.path().join(name), &envelope_path, &key.public_path, VSA, home.path());
        assert!(!ok, "cosign accepted a changed {name}: {out}");
    }
    let file = report.join("sbom.cdx.json");
    let (ok, out) = cosign_verify(&cosign, &file, &envelope_path, &other.public_path, VSA, home.path());
    assert!(!ok, "cosign accepted another key: {out}");
    let (ok, out) =
        cosign_verify(&cosign, &file, &envelope_path, &key.public_path, "https://slsa.dev/provenance/v1", home.path());
    assert!(!ok, "cosign accepted another predicate type: {out}");
    support::report(&format!(
        "vsa: cosign verify-blob-attestation accepted {} subjects and refused changed files, another key and another type ({:.1}s)",
        SUBJECTS.len(),
        started.elapsed().as_secs_f64()
    ));
}

#[test]
fn a_failed_run_is_signed_failed_and_the_next_run_covers_the_grown_log() {
    let keys = tempfile::tempdir().unwrap();
    let Some(key) = keypair(keys.path(), "signer") else { return };
    let (p, _c, _u) = project(true);
    let key_file = key.private_path.to_str().unwrap();
    let first = check(&p, &[("DEPGATE_SIGNING_KEY_FILE", key_file)]);
    assert_eq!(first.code, 1, "quarantined: {}", first.all_output());
    let report = p.path().join("depgate-report");
    let envelope_path = report.join("vsa.intoto.jsonl");
    let st = statement_of(&std::fs::read(&envelope_path).unwrap());
    let pr = &st["predicate"];
    assert_eq!(pr["verificationResult"], "FAILED");
    assert_eq!(pr["verifiedLevels"], serde_json::json!(["FAILED"]));
    let ext = &pr["https://github.com/depgate/depgate/vsa/run/v1"];
    assert_eq!(ext["counts"]["quarantine"], 1);
    assert_eq!(ext["audit"]["seq"], 2);
    let first_log_digest = st["subject"][5]["digest"]["sha256"].clone();

    // The second run appends to the same log: its VSA names the grown log and its head.
    let second = check(&p, &[("DEPGATE_SIGNING_KEY_FILE", key_file)]);
    assert_eq!(second.code, 1);
    let st = statement_of(&std::fs::read(&envelope_path).unwrap());
    assert_eq!(st["predicate"]["https://github.com/depgate/depgate/vsa/run/v1"]["audit"]["seq"], 4);
    assert_ne!(st["subject"][5]["digest"]["sha256"], first_log_digest);
    let (code, out) = depgate_verify(&p, &report.join("audit.jsonl"), &envelope_path, &key.public_path);
    assert_eq!(code, 0, "{out}");
    assert_no_key(&format!("{}{}", first.all_output(), second.all_output()), &key, "the output of check");

    // Without a key the stale VSA goes: it no longer describes the files.
    let third = check(&p, &[]);
    assert_eq!(third.code, 1);
    assert!(!envelope_path.exists(), "a VSA of an earlier run was left beside new files");
}

#[test]
fn an_unusable_key_fails_the_run_without_quoting_it() {
    let keys = tempfile::tempdir().unwrap();
    let Some(key) = keypair(keys.path(), "signer") else { return };
    let (p, _c, _u) = project(false);
    // A PKCS#8 block whose body is damaged past base64 decoding, and one that decodes to
    // garbage: both refused, naming the variable and never the value.
    let body = key.body();
    let broken_b64 = key.private_pem.replacen(&body[20..24], "!!!!", 1);
    let flipped = key.private_pem.replacen(&body[20..24], "AAAA", 1);
    for bad in [broken_b64, flipped] {
        let run = check(&p, &[("DEPGATE_SIGNING_KEY", &bad)]);
        assert_eq!(run.code, 3, "{}", run.all_output());
        assert!(run.stderr.contains("DEPGATE_SIGNING_KEY"), "{}", run.stderr);
        assert_no_key(&run.all_output(), &key, "the error");
        assert!(!p.path().join("depgate-report/vsa.intoto.jsonl").exists());
    }
    // An SEC1 key: refused with the conversion to run.
    let sec1 = keys.path().join("sec1.key");
    let out = openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sec1.to_str().unwrap()]);
    assert!(out.status.success());
    let run = check(&p, &[("DEPGATE_SIGNING_KEY_FILE", sec1.to_str().unwrap())]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.stderr.contains("openssl pkcs8 -topk8"), "{}", run.stderr);
    // Both variables set: ambiguous, refused.
    let run = check(
        &p,
        &[("DEPGATE_SIGNING_KEY", &key.private_pem), ("DEPGATE_SIGNING_KEY_FILE", key.private_path.to_str().unwrap())],
    );
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert_no_key(&run.all_output(), &key, "the error");
}

#[test]
fn runner_flags_override_the_environment_in_the_audit_log_and_the_vsa() {
    let keys = tempfile::tempdir().unwrap();
    let Some(key) = keypair(keys.path(), "signer") else { return };
    let (p, _c, _u) = project(false);
    let key_file = key.private_path.to_str().unwrap().to_string();
    let mut env: Vec<(&str, &str)> = RUNNER.to_vec();
    env.extend_from_slice(&[("GITHUB_ACTOR", "from-env"), ("DEPGATE_SIGNING_KEY_FILE", &key_file)]);
    let run = p.depgate(
        &[
            "check",
            "--current-time",
            NOW,
            "--actor",
            "alice",
            "--repository",
            "acme/fork",
            "--sha",
            "feedface00000000000000000000000000000000",
            "--event",
            "workflow_dispatch",
        ],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let report = p.path().join("depgate-report");
    let log = std::fs::read_to_string(report.join("audit.jsonl")).unwrap();
    let first: Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(first["actor"], "alice", "a flag beats GITHUB_ACTOR");
    assert_eq!(first["repository"], "acme/fork");
    assert_eq!(first["sha"], "feedface00000000000000000000000000000000");
    assert_eq!(first["event"], "workflow_dispatch");
    assert_eq!(first["run_id"], "42", "what no flag sets still comes from the environment");
    let st = statement_of(&std::fs::read(report.join("vsa.intoto.jsonl")).unwrap());
    let text = st.to_string();
    assert!(text.contains("acme/fork") && text.contains("feedface"), "the VSA names the flagged repository and commit");
    assert!(!text.contains("acme/app"), "not the environment's");
}
