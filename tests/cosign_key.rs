//! Key-signed Sigstore bundles per upstream (`cosign_key`, `tlog`): a curated vendor signs
//! its files with a published key instead of a Fulcio certificate. Bundles are made here by
//! the real `cosign sign-blob --key` (with `--tlog-upload=false` for private
//! infrastructure) and served as `.sigstore.json` beside Maven files by a fake repository;
//! the key-signed bundle with a real transparency-log entry is the Sigstore conformance
//! suite's (`../shared`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::Project;
use support::fake_repo::FakeRepo;

const NOW: &str = "2026-12-01T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";

fn cosign() -> Option<PathBuf> {
    let found = support::cosign();
    if found.is_none() {
        assert!(
            !support::served::require_tools(),
            "cosign is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it"
        );
        support::skipped("cosign is not installed (scripts/test.sh installs it): key-signed bundle tests");
    }
    found
}

/// A cosign key pair in `dir` (`<name>.key`, `<name>.pub`), no password.
fn key_pair(cosign: &Path, dir: &Path, name: &str) -> PathBuf {
    let out = Command::new(cosign)
        .args(["generate-key-pair", "--output-key-prefix", name])
        .current_dir(dir)
        .env("COSIGN_PASSWORD", "")
        .output()
        .expect("cosign runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir.join(format!("{name}.pub"))
}

/// `cosign sign-blob --key` of `bytes`, without a transparency-log upload: the bundle.
fn sign(cosign: &Path, dir: &Path, key: &str, bytes: &[u8]) -> Vec<u8> {
    let blob = dir.join("blob");
    let bundle = dir.join("blob.sigstore.json");
    std::fs::write(&blob, bytes).unwrap();
    let out = Command::new(cosign)
        .args(["sign-blob", "--yes", "--new-bundle-format", "--tlog-upload=false", "--key"])
        .arg(dir.join(format!("{key}.key")))
        .arg("--bundle")
        .arg(&bundle)
        .arg(&blob)
        .env("COSIGN_PASSWORD", "")
        .output()
        .expect("cosign runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(bundle).unwrap()
}

/// `cosign attest-blob --key` of `bytes` (an in-toto statement in a DSSE envelope), no log.
fn attest(cosign: &Path, dir: &Path, key: &str, bytes: &[u8]) -> Vec<u8> {
    let blob = dir.join("blob");
    let bundle = dir.join("blob.att.json");
    let predicate = dir.join("predicate.json");
    std::fs::write(&blob, bytes).unwrap();
    std::fs::write(&predicate, r#"{"reviewed": true}"#).unwrap();
    let out = Command::new(cosign)
        .args(["attest-blob", "--yes", "--new-bundle-format", "--tlog-upload=false", "--type"])
        .arg("https://depgate.example/review/v1")
        .arg("--predicate")
        .arg(&predicate)
        .arg("--key")
        .arg(dir.join(format!("{key}.key")))
        .arg("--bundle")
        .arg(&bundle)
        .arg(&blob)
        .env("COSIGN_PASSWORD", "")
        .output()
        .expect("cosign runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(bundle).unwrap()
}

fn resolved(entries: &[(&str, &str, &str)]) -> String {
    let artifacts: Vec<serde_json::Value> = entries
        .iter()
        .map(|(ga, v, sha)| {
            let (g, a) = ga.split_once(':').unwrap();
            serde_json::json!({"group": g, "name": a, "version": v, "extension": "jar", "sha256": sha})
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({"format": "depgate.resolved/v1", "artifacts": artifacts})).unwrap()
}

fn jar(repo: &FakeRepo, ga: &str, bytes: &[u8], bundle: Option<Vec<u8>>) -> String {
    let sha = repo.publish_maven_bytes(ga, "1.0.0", None, "jar", bytes.to_vec(), OLD_HTTP, &["sha1", "sha256"]);
    if let Some(b) = bundle {
        repo.publish_maven_signature(ga, "1.0.0", "sigstore.json", b);
    }
    sha
}

/// The vendor's repository: a jar signed with the vendor key, one signed with another
/// key, one whose bundle is for other bytes, one with no bundle; and the public
/// repository behind it, serving a jar signed with the vendor's key.
struct World {
    keys: tempfile::TempDir,
    vendor: FakeRepo,
    central: FakeRepo,
    lock: String,
}

fn world(cosign: &Path) -> World {
    let keys = tempfile::tempdir().unwrap();
    key_pair(cosign, keys.path(), "vendor");
    key_pair(cosign, keys.path(), "other");
    let vendor = FakeRepo::start();
    let central = FakeRepo::start();
    let good = b"com.acme:good 1.0.0 jar".to_vec();
    let forged = b"com.acme:forged 1.0.0 jar".to_vec();
    let swapped = b"com.acme:swapped 1.0.0 jar".to_vec();
    let bare = b"com.acme:bare 1.0.0 jar".to_vec();
    let public = b"org.public:lib 1.0.0 jar".to_vec();
    let attested = b"com.acme:attested 1.0.0 jar".to_vec();
    let misattested = b"com.acme:misattested 1.0.0 jar".to_vec();
    let k = keys.path();
    let s_good = jar(&vendor, "com.acme:good", &good, Some(sign(cosign, k, "vendor", &good)));
    let s_forged = jar(&vendor, "com.acme:forged", &forged, Some(sign(cosign, k, "other", &forged)));
    let s_swapped = jar(&vendor, "com.acme:swapped", &swapped, Some(sign(cosign, k, "vendor", &good)));
    let s_bare = jar(&vendor, "com.acme:bare", &bare, None);
    let s_attested = jar(&vendor, "com.acme:attested", &attested, Some(attest(cosign, k, "vendor", &attested)));
    let s_misattested =
        jar(&vendor, "com.acme:misattested", &misattested, Some(attest(cosign, k, "vendor", &attested)));
    let s_public = jar(&central, "org.public:lib", &public, Some(sign(cosign, k, "vendor", &public)));
    let lock = resolved(&[
        ("com.acme:good", "1.0.0", &s_good),
        ("com.acme:forged", "1.0.0", &s_forged),
        ("com.acme:swapped", "1.0.0", &s_swapped),
        ("com.acme:bare", "1.0.0", &s_bare),
        ("org.public:lib", "1.0.0", &s_public),
        ("com.acme:attested", "1.0.0", &s_attested),
        ("com.acme:misattested", "1.0.0", &s_misattested),
    ]);
    World { keys, vendor, central, lock }
}

fn project(w: &World, vendor_extra: &str) -> Project {
    let p = Project::new();
    std::fs::copy(w.keys.path().join("vendor.pub"), p.path().join("vendor.pub")).unwrap();
    p.write(
        "depgate.toml",
        &format!(
            r#"[maven]
chain = ["vendor", "central"]

[upstream.vendor]
kind = "maven"
url = "{}"
tier = "curated"
pgp_signatures = false
cosign_key = "vendor.pub"
{vendor_extra}

[upstream.central]
kind = "maven"
url = "{}"
tier = "public"
pgp_signatures = false

[policy]
cooldown_tiers = []

[policy.tiers.curated]
require = "signature"

[policy.tiers.public]
require = "signature"
"#,
            w.vendor.maven_url(),
            w.central.maven_url()
        ),
    );
    p.write("depgate-resolved.json", &w.lock);
    p
}

fn key_id(pem: &Path) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let text = std::fs::read_to_string(pem).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(sha2::Sha256::digest(der)))
}

#[test]
fn an_upstreams_cosign_key_vouches_for_its_own_files_without_a_log() {
    let Some(cosign) = cosign() else { return };
    let w = world(&cosign);
    let p = project(&w, "tlog = false");
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());

    let good = p.record("pkg:maven/com.acme/good@1.0.0");
    let v = &good["verification"];
    assert_eq!(v["status"], "verified", "{good:#}");
    let a = &v["attestations"][0];
    assert_eq!(a["kind"], "signature", "{good:#}");
    assert_eq!(a["key_id"], key_id(&w.keys.path().join("vendor.pub")), "{good:#}");
    assert_eq!(a["trust_root"], "cosign_key of upstream vendor (tlog = false)", "{good:#}");
    assert!(a["integrated_time"].is_null(), "no log, no signing time: {good:#}");
    assert_eq!(good["decision"], "allow", "{good:#}");

    // Signed by a key the vendor upstream does not name.
    let forged = p.record("pkg:maven/com.acme/forged@1.0.0");
    assert_eq!(forged["verification"]["status"], "violated", "{forged:#}");
    assert_eq!(forged["decision"], "deny", "{forged:#}");

    // The vendor's real signature, of other bytes.
    let swapped = p.record("pkg:maven/com.acme/swapped@1.0.0");
    assert_eq!(swapped["verification"]["status"], "violated", "{swapped:#}");
    let stage = swapped["verification"]["attestations"][0]["failure"]["stage"].as_str().unwrap().to_string();
    assert!(stage == "signature" || stage == "subject", "{swapped:#}");
    assert_eq!(swapped["decision"], "deny", "{swapped:#}");

    // An in-toto statement in a DSSE envelope signed by the key: the signature over the
    // PAE and the statement's subject digest are checked; a statement about other bytes is
    // violated at the subject.
    let attested = p.record("pkg:maven/com.acme/attested@1.0.0");
    assert_eq!(attested["verification"]["status"], "verified", "{attested:#}");
    assert_eq!(
        attested["verification"]["attestations"][0]["predicate_type"], "https://depgate.example/review/v1",
        "{attested:#}"
    );
    let mis = p.record("pkg:maven/com.acme/misattested@1.0.0");
    assert_eq!(mis["verification"]["status"], "violated", "{mis:#}");
    assert_eq!(mis["verification"]["attestations"][0]["failure"]["stage"], "subject", "{mis:#}");

    // No bundle: unverifiable, never verified; the tier asks for a signature.
    let bare = p.record("pkg:maven/com.acme/bare@1.0.0");
    assert_eq!(bare["verification"]["status"], "unverifiable", "{bare:#}");
    assert_ne!(bare["decision"], "allow", "{bare:#}");

    // The vendor's key vouches only for what the vendor serves: the same key's signature
    // on a file the public repository serves is not trusted there.
    let public = p.record("pkg:maven/org.public/lib@1.0.0");
    assert_eq!(public["resolution"]["upstream"], "central", "{public:#}");
    assert_eq!(public["verification"]["status"], "violated", "{public:#}");
    assert!(public["verification"]["reasons"][0].as_str().unwrap().contains("not trusted"), "{public:#}");

    // The key id is what the reports name.
    let audit = p.read("depgate-report/audit.jsonl");
    assert!(audit.contains(&key_id(&w.keys.path().join("vendor.pub"))), "{audit}");
}

#[test]
fn a_cosign_key_asks_for_a_log_entry_unless_tlog_is_false() {
    let Some(cosign) = cosign() else { return };
    let w = world(&cosign);
    let p = project(&w, "");
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let good = p.record("pkg:maven/com.acme/good@1.0.0");
    assert_eq!(good["verification"]["status"], "violated", "{good:#}");
    let reason = good["verification"]["reasons"][0].as_str().unwrap();
    assert!(reason.contains("set tlog = false beside the key"), "{reason}");
    assert_eq!(good["decision"], "deny", "{good:#}");
}

#[test]
fn a_key_signed_bundle_with_a_log_entry_verifies_against_the_trusted_root() {
    let Some(fx) = support::shared::sigstore_fixtures("cosign_key") else { return };
    let case = fx.join("generic/sigstore-conformance/managed-key-and-trusted-root");
    let a_txt = std::fs::read(fx.join("generic/sigstore-conformance/a.txt")).unwrap();
    let repo = FakeRepo::start();
    let sha = jar(&repo, "com.acme:logged", &a_txt, Some(std::fs::read(case.join("bundle.sigstore.json")).unwrap()));
    let other =
        jar(&repo, "com.acme:other", b"other bytes", Some(std::fs::read(case.join("bundle.sigstore.json")).unwrap()));
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!(
            r#"[maven]
chain = ["vendor"]

[upstream.vendor]
kind = "maven"
url = "{}"
tier = "curated"
pgp_signatures = false
cosign_key = "{}"

[verify]
trusted_root = ["{}"]

[policy]
cooldown_tiers = []

[policy.tiers.curated]
require = "signature"
"#,
            repo.maven_url(),
            case.join("key.pub").display(),
            case.join("trusted_root.json").display()
        ),
    );
    p.write(
        "depgate-resolved.json",
        &resolved(&[("com.acme:logged", "1.0.0", &sha), ("com.acme:other", "1.0.0", &other)]),
    );
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let logged = p.record("pkg:maven/com.acme/logged@1.0.0");
    let a = &logged["verification"]["attestations"][0];
    assert_eq!(logged["verification"]["status"], "verified", "{logged:#}");
    assert_eq!(a["integrated_time"], "2026-01-07T18:36:05Z", "{logged:#}");
    assert!(a["stages"].as_array().unwrap().iter().any(|s| s == "transparency_log"), "{logged:#}");
    assert_eq!(logged["decision"], "allow", "{logged:#}");
    let other = p.record("pkg:maven/com.acme/other@1.0.0");
    assert_eq!(other["verification"]["status"], "violated", "{other:#}");
}

#[test]
fn cosign_key_settings_that_cannot_work_are_errors() {
    let p = Project::new();
    let base = "[maven]\nchain = [\"vendor\"]\n\n[upstream.vendor]\nkind = \"maven\"\nurl = \"https://vendor.example/maven2/\"\ntier = \"curated\"\n";
    p.write("depgate-resolved.json", &resolved(&[]));
    p.write("depgate.toml", &format!("{base}tlog = false\n"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("sets `tlog` but has no `cosign_key`"), "{}", run.stderr);

    p.write("depgate.toml", &format!("{base}cosign_key = \"missing.pub\"\n"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("upstream `vendor`: cannot read cosign_key"), "{}", run.stderr);
    assert!(run.stderr.contains("missing.pub"), "{}", run.stderr);

    p.write("not-a-key.pub", "hello\n");
    p.write("depgate.toml", &format!("{base}cosign_key = \"not-a-key.pub\"\n"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("must hold a PEM public key"), "{}", run.stderr);

    p.write("depgate.toml", &format!("{base}cosign_key = \"vendor.pub\"\ntlog = \"no\"\n"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
}

fn get(url: &str) -> (u16, String) {
    let out = Command::new("curl").args(["-s", "-w", "\n%{http_code}", url]).output().expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

#[test]
fn the_proxy_serves_what_the_upstreams_key_vouches_for_and_refuses_the_rest() {
    let Some(cosign) = cosign() else { return };
    let w = world(&cosign);
    let p = project(&w, "tlog = false");
    let served = support::served::Served::start(p.path(), &p.path().join("depgate.toml"), &["--current-time", NOW]);
    let maven = served.url("maven");
    let maven = maven.trim_end_matches('/');
    let (code, body) = get(&format!("{maven}/com/acme/good/1.0.0/good-1.0.0.jar"));
    assert_eq!((code, body.as_str()), (200, "com.acme:good 1.0.0 jar"));
    let (code, body) = get(&format!("{maven}/com/acme/forged/1.0.0/forged-1.0.0.jar"));
    assert_eq!(code, 403, "{body}");
}
