//! The gate with OpenPGP configured: real Maven Central files and `.asc` served by a fake
//! Maven repository, and a Cloudsmith-style `PyPI` upstream with a repository key made
//! here with GnuPG.

use super::support::Project;
use super::support::fake_repo::FakeRepo;
use super::{data, read};

const NOW: &str = "2026-12-01T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";

fn check(p: &Project) -> super::support::Run {
    p.depgate(&["check", "--current-time", NOW], &[])
}

/// Serve a real Central file (and its real `.asc`, unless `asc` is `None`) at its path.
fn publish_real(repo: &FakeRepo, ga: &str, version: &str, file: &str, bytes: Vec<u8>, asc: Option<Vec<u8>>) -> String {
    let ext = file.rsplit('.').next().unwrap();
    let sha = repo.publish_maven_bytes(ga, version, None, ext, bytes, OLD_HTTP, &["sha1", "sha256"]);
    if let Some(asc) = asc {
        let (g, _) = ga.split_once(':').unwrap();
        let a = ga.split_once(':').unwrap().1;
        repo.serve_file(&format!("maven2/{}/{a}/{version}/{file}.asc", g.replace('.', "/")), "text/plain", asc);
    }
    sha
}

fn resolved(entries: &[(&str, &str, &str, &str)]) -> String {
    let artifacts: Vec<serde_json::Value> = entries
        .iter()
        .map(|(ga, v, ext, sha)| {
            let (g, a) = ga.split_once(':').unwrap();
            serde_json::json!({"group": g, "name": a, "version": v, "extension": ext, "sha256": sha})
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({"format": "depgate.resolved/v1", "artifacts": artifacts})).unwrap()
}

#[test]
fn maven_asc_beside_each_file_lands_in_the_verification_record() {
    let repo = FakeRepo::start();
    let f = |name: &str| read(&format!("central/{name}"));
    let asm =
        publish_real(&repo, "org.ow2.asm:asm", "9.6", "asm-9.6.pom", f("asm-9.6.pom"), Some(f("asm-9.6.pom.asc")));
    let slf4j = publish_real(
        &repo,
        "org.slf4j:slf4j-api",
        "2.0.17",
        "slf4j-api-2.0.17.pom",
        f("slf4j-api-2.0.17.pom"),
        Some(f("slf4j-api-2.0.17.pom.asc")),
    );
    let kx = publish_real(
        &repo,
        "org.jetbrains.kotlinx:kotlinx-coroutines-core",
        "1.7.3",
        "kotlinx-coroutines-core-1.7.3.pom",
        f("kotlinx-coroutines-core-1.7.3.pom"),
        Some(f("kotlinx-coroutines-core-1.7.3.pom.asc")),
    );
    let mut flipped = f("commons-text-1.15.0.pom");
    flipped[200] ^= 0x01;
    let text = publish_real(
        &repo,
        "org.apache.commons:commons-text",
        "1.15.0",
        "commons-text-1.15.0.pom",
        flipped,
        Some(f("commons-text-1.15.0.pom.asc")),
    );
    let jsr = publish_real(
        &repo,
        "com.google.code.findbugs:jsr305",
        "3.0.2",
        "jsr305-3.0.2.pom",
        f("jsr305-3.0.2.pom"),
        None,
    );
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!(
            r#"[maven]
chain = ["central"]

[upstream.central]
kind = "maven"
url = "{}"
tier = "public"

[policy]
cooldown_tiers = []

[verify.pgp]
keyrings = ["{}"]

[[verify.pgp.trust]]
packages = ["pkg:maven/org.ow2.asm/*"]
fingerprints = ["A5BD02B93E7A40482EB1D66A5F69AD087600B22C"]

[[verify.pgp.trust]]
packages = ["pkg:maven/org.slf4j/*"]
fingerprints = ["6F538074CCEBF35F28AF9B066A0975F8B1127B83"]

[[verify.pgp.trust]]
packages = ["pkg:maven/org.apache.commons/*", "pkg:maven/com.google.code.findbugs/*"]
fingerprints = ["F4DD59C90148BDC52BEB90A4530AA5F25C25011F", "7616EB882DAF57A11477AAF559A252FB1199D873"]
"#,
            repo.maven_url(),
            data("central/signers.keys").display()
        ),
    );
    p.write(
        "depgate-resolved.json",
        &resolved(&[
            ("org.ow2.asm:asm", "9.6", "pom", &asm),
            ("org.slf4j:slf4j-api", "2.0.17", "pom", &slf4j),
            ("org.jetbrains.kotlinx:kotlinx-coroutines-core", "1.7.3", "pom", &kx),
            ("org.apache.commons:commons-text", "1.15.0", "pom", &text),
            ("com.google.code.findbugs:jsr305", "3.0.2", "pom", &jsr),
        ]),
    );
    let run = check(&p);
    assert_eq!(run.code, 1, "{}", run.all_output());

    let asm = p.record("pkg:maven/org.ow2.asm/asm@9.6?type=pom");
    let v = &asm["verification"];
    assert_eq!(v["status"], "verified", "{asm:#}");
    assert_eq!(v["attestations"][0]["kind"], "pgp-signature");
    assert_eq!(v["attestations"][0]["fingerprint"], "A5BD02B93E7A40482EB1D66A5F69AD087600B22C");
    assert_eq!(v["attestations"][0]["key_id"], "5F69AD087600B22C");
    assert_eq!(v["attestations"][0]["user_id"], "Eric Bruneton <ebruneton@free.fr>");
    assert_eq!(v["attestations"][0]["signed_at"], "2023-09-30T11:18:34Z");
    assert_eq!(asm["decision"], "allow", "{asm:#}");

    let slf4j = p.record("pkg:maven/org.slf4j/slf4j-api@2.0.17?type=pom");
    assert_eq!(slf4j["verification"]["status"], "violated", "{slf4j:#}");
    assert_eq!(slf4j["verification"]["attestations"][0]["failure"]["stage"], "identity");
    assert!(slf4j["verification"]["reasons"][0].as_str().unwrap().contains("not the key pinned"), "{slf4j:#}");
    assert_eq!(slf4j["decision"], "deny");

    let kx = p.record("pkg:maven/org.jetbrains.kotlinx/kotlinx-coroutines-core@1.7.3?type=pom");
    assert_eq!(kx["verification"]["status"], "unverifiable", "{kx:#}");
    assert_eq!(kx["verification"]["attestations"][0]["key_id"], "3D5839A2262CBBFB", "{kx:#}");
    assert!(kx["verification"]["reasons"][0].as_str().unwrap().contains("E3822B59020A349D"), "{kx:#}");

    let text = p.record("pkg:maven/org.apache.commons/commons-text@1.15.0?type=pom");
    assert_eq!(text["verification"]["status"], "violated", "{text:#}");
    assert_eq!(text["verification"]["attestations"][0]["failure"]["stage"], "signature");
    assert_eq!(text["decision"], "deny");

    // No `.asc` beside it: nothing to check, but the index did not list one either.
    let jsr = p.record("pkg:maven/com.google.code.findbugs/jsr305@3.0.2?type=pom");
    assert_eq!(jsr["verification"]["status"], "unverifiable", "{jsr:#}");

    // The signer in the SBOM, the audit record and the summary.
    let sbom = p.read("depgate-report/sbom.cdx.json");
    assert!(
        sbom.contains("\"depgate:identity:fingerprint\"") && sbom.contains("A5BD02B93E7A40482EB1D66A5F69AD087600B22C")
    );
    let audit = p.read("depgate-report/audit.jsonl");
    let line = audit.lines().find(|l| l.contains("pkg:maven/org.ow2.asm/asm@9.6?type=pom")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["identity"]["fingerprint"], "A5BD02B93E7A40482EB1D66A5F69AD087600B22C", "{entry:#}");
    let summary = p.read("depgate-report/summary.md");
    assert!(
        summary.contains("### OpenPGP signatures")
            && summary.contains("`A5BD02B93E7A40482EB1D66A5F69AD087600B22C` | Eric Bruneton"),
        "{summary}"
    );
    assert!(summary.contains("E3822B59020A349D`: `pkg:maven/org.jetbrains.kotlinx"), "{summary}");
}

#[test]
fn a_cloudsmith_style_upstream_key_covers_every_file_it_serves() {
    let Some(g) = super::gnupg::Gnupg::start() else { return };
    let repo_key = g.make_key("Acme Cloudsmith Repository <repo@acme.example>", "rsa4096");
    let other = g.make_key("Someone Else <else@example.org>", "ed25519");
    let repo = FakeRepo::start();
    let good = b"acme_tools-1.0.0-py3-none-any.whl bytes".to_vec();
    let forged = b"acme_forged-1.0.0-py3-none-any.whl bytes".to_vec();
    let bare = b"acme_bare-1.0.0-py3-none-any.whl bytes".to_vec();
    let s1 = repo.publish_py_bytes(
        "acme-tools",
        "1.0.0",
        "acme_tools-1.0.0-py3-none-any.whl",
        "2025-06-01T00:00:00Z",
        good.clone(),
        None,
    );
    repo.serve_file("files/acme_tools-1.0.0-py3-none-any.whl.asc", "text/plain", g.sign_now(&repo_key, &good));
    let s2 = repo.publish_py_bytes(
        "acme-forged",
        "1.0.0",
        "acme_forged-1.0.0-py3-none-any.whl",
        "2025-06-01T00:00:00Z",
        forged.clone(),
        None,
    );
    repo.serve_file("files/acme_forged-1.0.0-py3-none-any.whl.asc", "text/plain", g.sign_now(&other, &forged));
    let s3 = repo.publish_py_bytes(
        "acme-bare",
        "1.0.0",
        "acme_bare-1.0.0-py3-none-any.whl",
        "2025-06-01T00:00:00Z",
        bare,
        None,
    );
    let p = Project::new();
    std::fs::write(p.path().join("repo-key.asc"), g.export_armored(&repo_key)).unwrap();
    std::fs::write(p.path().join("other.asc"), g.export_armored(&other)).unwrap();
    p.write(
        "depgate.toml",
        &format!(
            r#"[pypi]
chain = ["cloudsmith"]

[upstream.cloudsmith]
kind = "pypi-simple"
url = "{}"
tier = "private"
pgp_key = "repo-key.asc"

[policy]
cooldown_tiers = []

[policy.tiers.private]
require = "signature"

[verify.pgp]
keyrings = ["other.asc"]
"#,
            repo.simple_url()
        ),
    );
    p.write(
        "requirements.txt",
        &format!(
            "acme-tools==1.0.0 --hash=sha256:{s1}\nacme-forged==1.0.0 --hash=sha256:{s2}\nacme-bare==1.0.0 --hash=sha256:{s3}\n"
        ),
    );
    let run = check(&p);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let tools = p.record("pkg:pypi/acme-tools@1.0.0");
    assert_eq!(tools["verification"]["status"], "verified", "{tools:#}");
    assert_eq!(tools["verification"]["attestations"][0]["fingerprint"], repo_key.as_str());
    assert!(tools["verification"]["attestations"][0]["trust_root"].as_str().unwrap().contains("cloudsmith"));
    assert_eq!(tools["decision"], "allow", "{tools:#}");
    let forged = p.record("pkg:pypi/acme-forged@1.0.0");
    assert_eq!(forged["verification"]["status"], "violated", "{forged:#}");
    assert_eq!(forged["decision"], "deny");
    let bare = p.record("pkg:pypi/acme-bare@1.0.0");
    assert_eq!(bare["verification"]["status"], "unverifiable", "{bare:#}");
    let rules: Vec<&str> = bare["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"signature-required"), "{bare:#}");

    // `depgate trust update` records the signer; a release signed by another key (pinned
    // too, so it verifies) is then an identity downgrade.
    let update = p.depgate(&["trust", "update"], &[]);
    assert_eq!(update.code, 0, "{}", update.all_output());
    let trust: serde_json::Value = serde_json::from_str(&p.read("depgate.trust.json")).unwrap();
    assert_eq!(trust["packages"]["pypi:acme-tools"]["identity"]["fingerprint"], repo_key.as_str(), "{trust:#}");
    let next = b"acme_tools-1.0.1-py3-none-any.whl bytes".to_vec();
    let s4 = repo.publish_py_bytes(
        "acme-tools",
        "1.0.1",
        "acme_tools-1.0.1-py3-none-any.whl",
        "2025-06-01T00:00:00Z",
        next.clone(),
        None,
    );
    repo.serve_file("files/acme_tools-1.0.1-py3-none-any.whl.asc", "text/plain", g.sign_now(&other, &next));
    let base_cfg = p.read("depgate.toml");
    p.write(
        "depgate.toml",
        &format!(
            "{base_cfg}\n[[verify.pgp.trust]]\npackages = [\"pkg:pypi/acme-tools@*\"]\nfingerprints = [\"{other}\"]\n"
        ),
    );
    p.write("requirements.txt", &format!("acme-tools==1.0.1 --hash=sha256:{s4}\n"));
    let run = check(&p);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let moved = p.record("pkg:pypi/acme-tools@1.0.1");
    assert_eq!(moved["verification"]["status"], "verified", "{moved:#}");
    let rules: Vec<&str> = moved["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"trust-downgrade-identity"), "{moved:#}");
    assert!(moved["findings"][0]["msg"].as_str().unwrap().contains(&format!("OpenPGP key {repo_key}")), "{moved:#}");
    std::fs::remove_file(p.path().join("depgate.trust.json")).unwrap();
    p.write("depgate.toml", &base_cfg);
    p.write(
        "requirements.txt",
        &format!(
            "acme-tools==1.0.0 --hash=sha256:{s1}\nacme-forged==1.0.0 --hash=sha256:{s2}\nacme-bare==1.0.0 --hash=sha256:{s3}\n"
        ),
    );

    // A tier that does not accept OpenPGP signatures for `require = "signature"`.
    let cfg = p.read("depgate.toml").replace("require = \"signature\"", "require = \"signature\"\naccept_pgp = false");
    p.write("depgate.toml", &cfg);
    let _ = check(&p);
    let tools = p.record("pkg:pypi/acme-tools@1.0.0");
    assert_eq!(tools["verification"]["status"], "verified");
    assert_eq!(tools["decision"], "deny", "{tools:#}");
}

#[test]
fn the_gate_honours_a_projects_gradle_trusted_keys() {
    let repo = FakeRepo::start();
    let k = |name: &str| read(&format!("gradle-kotlinx/files/{name}"));
    let asm =
        publish_real(&repo, "org.ow2.asm:asm", "9.6", "asm-9.6.pom", k("asm-9.6.pom"), Some(k("asm-9.6.pom.asc")));
    let junit = publish_real(
        &repo,
        "junit:junit",
        "4.13.2",
        "junit-4.13.2.pom",
        k("junit-4.13.2.pom"),
        Some(k("junit-4.13.2.pom.asc")),
    );
    // The asm POM and its signature presented as a Kotlin artifact: signed by the asm key,
    // not the key the project trusts for org.jetbrains.kotlin.
    let fake = publish_real(
        &repo,
        "org.jetbrains.kotlin:kotlin-stdlib",
        "9.6",
        "kotlin-stdlib-9.6.pom",
        k("asm-9.6.pom"),
        Some(k("asm-9.6.pom.asc")),
    );
    let p = Project::new();
    std::fs::create_dir_all(p.path().join("gradle")).unwrap();
    for f in ["verification-metadata.xml", "verification-keyring.keys"] {
        std::fs::copy(data(&format!("gradle-kotlinx/gradle/{f}")), p.path().join("gradle").join(f)).unwrap();
    }
    p.write(
        "depgate.toml",
        &format!(
            "[maven]\nchain = [\"central\"]\n\n[upstream.central]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n\n[policy]\ncooldown_tiers = []\n\n[verify.pgp]\ngradle = \"gradle/verification-metadata.xml\"\n",
            repo.maven_url()
        ),
    );
    p.write(
        "depgate-resolved.json",
        &resolved(&[
            ("org.ow2.asm:asm", "9.6", "pom", &asm),
            ("junit:junit", "4.13.2", "pom", &junit),
            ("org.jetbrains.kotlin:kotlin-stdlib", "9.6", "pom", &fake),
        ]),
    );
    let run = check(&p);
    assert_eq!(run.code, 1, "{}", run.all_output());
    for purl in ["pkg:maven/org.ow2.asm/asm@9.6?type=pom", "pkg:maven/junit/junit@4.13.2?type=pom"] {
        let r = p.record(purl);
        assert_eq!(r["verification"]["status"], "verified", "{r:#}");
        assert!(
            r["verification"]["attestations"][0]["trust_root"].as_str().unwrap().ends_with("verification-metadata.xml"),
            "{r:#}"
        );
        assert_eq!(r["decision"], "allow");
    }
    let fake = p.record("pkg:maven/org.jetbrains.kotlin/kotlin-stdlib@9.6?type=pom");
    assert_eq!(fake["verification"]["status"], "violated", "{fake:#}");
    assert!(
        fake["verification"]["reasons"][0].as_str().unwrap().contains("6F538074CCEBF35F28AF9B066A0975F8B1127B83"),
        "{fake:#}"
    );
}

/// GET with curl: (status, body bytes).
fn get(url: &str) -> (u16, Vec<u8>) {
    let out = std::process::Command::new("curl").args(["-s", "-w", "\n%{http_code}", url]).output().expect("curl runs");
    let at = out.stdout.iter().rposition(|b| *b == b'\n').unwrap();
    let code = String::from_utf8_lossy(&out.stdout[at + 1..]).parse().unwrap();
    (code, out.stdout[..at].to_vec())
}

#[test]
fn the_proxy_checks_the_asc_of_each_maven_file_it_serves() {
    let repo = FakeRepo::start();
    let f = |name: &str| read(&format!("central/{name}"));
    publish_real(&repo, "org.ow2.asm:asm", "9.6", "asm-9.6.pom", f("asm-9.6.pom"), Some(f("asm-9.6.pom.asc")));
    publish_real(
        &repo,
        "org.slf4j:slf4j-api",
        "2.0.17",
        "slf4j-api-2.0.17.pom",
        f("slf4j-api-2.0.17.pom"),
        Some(f("slf4j-api-2.0.17.pom.asc")),
    );
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!(
            "[maven]\nchain = [\"central\"]\n\n[upstream.central]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n\n[policy]\ncooldown_tiers = []\n\n[verify.pgp]\nkeyrings = [\"{}\"]\n\n[[verify.pgp.trust]]\npackages = [\"pkg:maven/org.ow2.asm/*\"]\nfingerprints = [\"A5BD02B93E7A40482EB1D66A5F69AD087600B22C\"]\n\n[[verify.pgp.trust]]\npackages = [\"pkg:maven/org.slf4j/*\"]\nfingerprints = [\"6F538074CCEBF35F28AF9B066A0975F8B1127B83\"]\n",
            repo.maven_url(),
            data("central/signers.keys").display()
        ),
    )
    .unwrap();
    let served = super::support::served::Served::start(work.path(), &config, &["--current-time", NOW]);
    let maven = served.url("maven");
    let maven = maven.trim_end_matches('/');
    let (code, body) = get(&format!("{maven}/org/ow2/asm/asm/9.6/asm-9.6.pom"));
    assert_eq!(code, 200);
    assert_eq!(body, f("asm-9.6.pom"));
    let (code, _) = get(&format!("{maven}/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.pom"));
    assert_eq!(code, 403, "a file signed by a key that is not the pinned one is refused");
}
