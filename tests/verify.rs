//! Verification against real, production-signed Sigstore material from `../shared`:
//! the `sigstore-conformance` `bundle-verify` cases (a `_fail` suffix must fail), and the
//! real npm and `PyPI` attestations paired with their artifacts.

mod support;

use std::path::Path;

use depgate::attest::formats::{verify_npm_attestations, verify_pep740};
use depgate::attest::{IdentityPolicy, SanMatch, Stage, Subject, Trust};
use sha2::{Digest, Sha512};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Run one conformance case; `Ok` when verification succeeded.
fn run_case(dir: &Path) -> Result<(), String> {
    let bundle = String::from_utf8(read(&dir.join("bundle.sigstore.json"))).unwrap();
    let artifact = if dir.join("artifact").is_file() {
        read(&dir.join("artifact"))
    } else {
        read(&dir.parent().unwrap().join("a.txt"))
    };
    let mut trust = Trust::empty();
    match std::fs::read_to_string(dir.join("trusted_root.json")) {
        Ok(json) => trust.add_root_json("case", &json).map_err(|e| e.to_string())?,
        Err(_) => trust = Trust::embedded().unwrap(),
    }
    let policy = if let Ok(pem) = std::fs::read_to_string(dir.join("key.pub")) {
        trust.add_pem_key(&pem).map_err(|e| e.to_string())?;
        IdentityPolicy::default()
    } else {
        let identity = std::fs::read_to_string(dir.join("identity"))
            .map_or(DEFAULT_IDENTITY.to_string(), |s| s.trim().to_string());
        let issuer =
            std::fs::read_to_string(dir.join("issuer")).map_or(DEFAULT_ISSUER.to_string(), |s| s.trim().to_string());
        IdentityPolicy { issuer: Some(issuer), san: Some(SanMatch::Exact(identity)), ..IdentityPolicy::default() }
    };
    let v = trust.verify_bundle(&bundle, Subject::Bytes(&artifact), None, &policy);
    if v.verified { Ok(()) } else { Err(format!("{:?}", v.failure)) }
}

#[test]
fn sigstore_conformance_bundle_verify_cases() {
    let Some(fx) = support::shared::sigstore_fixtures("sigstore_conformance_bundle_verify_cases") else { return };
    let mut passed = 0;
    let mut failed = Vec::new();
    for group in ["generic/sigstore-conformance", "negative/sigstore-conformance"] {
        let mut cases: Vec<_> =
            std::fs::read_dir(fx.join(group)).unwrap().flatten().filter(|e| e.path().is_dir()).collect();
        cases.sort_by_key(std::fs::DirEntry::file_name);
        for case in cases {
            let name = case.file_name().to_string_lossy().into_owned();
            let must_fail = name.ends_with("_fail");
            let outcome = run_case(&case.path());
            let ok = outcome.is_ok() != must_fail;
            println!(
                "{} {group}/{name}: {}",
                if ok { "ok  " } else { "FAIL" },
                match &outcome {
                    Ok(()) => "verified".to_string(),
                    Err(e) => format!("rejected {e}"),
                }
            );
            if ok { passed += 1 } else { failed.push(name) }
        }
    }
    support::report(&format!("sigstore-conformance bundle-verify: {passed} passed, {} failed", failed.len()));
    assert!(failed.is_empty(), "conformance cases with the wrong outcome: {failed:?}");
    assert!(passed >= 40, "expected the whole suite, ran {passed}");
}

fn npm_case(fx: &Path, pkg: &str, tarball: &str) -> (Vec<u8>, Vec<u8>, String) {
    let dir = fx.join("npm").join(pkg);
    let (name, version) = pkg.rsplit_once('@').unwrap();
    (read(&dir.join(tarball)), read(&dir.join("attestations.json")), format!("pkg:npm/{name}@{version}"))
}

fn github(repo: &str, workflow: &str) -> IdentityPolicy {
    IdentityPolicy {
        issuer: Some(DEFAULT_ISSUER.into()),
        source_repo: Some(repo.into()),
        workflow: Some(workflow.into()),
        ..IdentityPolicy::default()
    }
}

#[test]
fn real_npm_attestations_verify_with_the_right_identity_only() {
    let Some(fx) = support::shared::sigstore_fixtures("real_npm_attestations_verify_with_the_right_identity_only")
    else {
        return;
    };
    let trust = Trust::embedded().unwrap();
    let evil_san = regex::Regex::new("^https://github.com/evil/").unwrap();
    let cases = [
        ("sigstore@1.0.0", "sigstore-1.0.0.tgz", "sigstore/sigstore-js", ".github/workflows/publish.yml"),
        ("tuf-js@1.0.0", "tuf-js-1.0.0.tgz", "theupdateframework/tuf-js", ".github/workflows/publish.yml"),
        ("sigstore@2.3.1", "sigstore-2.3.1.tgz", "sigstore/sigstore-js", ".github/workflows/release.yml"),
    ];
    for (pkg, tgz, repo, workflow) in cases {
        let (bytes, response, purl) = npm_case(&fx, pkg, tgz);
        let right = github(repo, workflow);
        let checked = verify_npm_attestations(&trust, &response, &purl, Subject::Bytes(&bytes), &right).unwrap();
        assert_eq!(checked.len(), 2, "{pkg}");
        for c in &checked {
            assert!(c.verdict.verified, "{pkg} {}: {:?}", c.kind, c.verdict.failure);
        }
        let prov = checked.iter().find(|c| c.kind == "provenance").unwrap();
        assert_eq!(
            prov.verdict.identity.source_repo.as_deref(),
            Some(format!("https://github.com/{repo}").as_str()),
            "{pkg}"
        );
        assert!(
            prov.verdict.stages.contains(&Stage::TransparencyLog) && prov.verdict.stages.contains(&Stage::Identity)
        );
        let publish = checked.iter().find(|c| c.kind == "publish").unwrap();
        assert_eq!(
            publish.verdict.identity.key_id.as_deref(),
            Some("SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA")
        );
        // Verifying from the digest alone (dist.integrity) gives the same result.
        let digest: [u8; 64] = Sha512::digest(&bytes).into();
        let by_digest = verify_npm_attestations(&trust, &response, &purl, Subject::Sha512(&digest), &right).unwrap();
        assert!(by_digest.iter().all(|c| c.verdict.verified), "{pkg}");

        // Wrong identity: another repository, another workflow, another issuer.
        for wrong in [
            github("evil/sigstore-js", workflow),
            github(repo, ".github/workflows/other.yml"),
            IdentityPolicy { issuer: Some("https://accounts.google.com".into()), ..IdentityPolicy::default() },
            IdentityPolicy { san: Some(SanMatch::Regex(evil_san.clone())), ..IdentityPolicy::default() },
        ] {
            let c = verify_npm_attestations(&trust, &response, &purl, Subject::Bytes(&bytes), &wrong).unwrap();
            let prov = c.iter().find(|c| c.kind == "provenance").unwrap();
            assert!(!prov.verdict.verified, "{pkg} verified with a wrong identity {wrong:?}");
            assert_eq!(prov.verdict.failure.as_ref().unwrap().stage, Stage::Identity);
        }
        // A tampered artifact: one flipped byte.
        let mut tampered = bytes.clone();
        tampered[bytes.len() / 2] ^= 1;
        let c = verify_npm_attestations(&trust, &response, &purl, Subject::Bytes(&tampered), &right).unwrap();
        assert!(
            c.iter().all(|c| !c.verdict.verified && c.verdict.failure.as_ref().unwrap().stage == Stage::Subject),
            "{pkg}: {c:#?}"
        );
        // The right bytes under another package's name.
        let c =
            verify_npm_attestations(&trust, &response, "pkg:npm/other@1.0.0", Subject::Bytes(&bytes), &right).unwrap();
        assert!(c.iter().all(|c| !c.verdict.verified), "{pkg}");
    }
    // A different version's bundle: sigstore@1.0.0's attestations against 2.3.1's tarball.
    let (bytes_231, _, purl_231) = npm_case(&fx, "sigstore@2.3.1", "sigstore-2.3.1.tgz");
    let (_, response_100, _) = npm_case(&fx, "sigstore@1.0.0", "sigstore-1.0.0.tgz");
    let c = verify_npm_attestations(
        &trust,
        &response_100,
        &purl_231,
        Subject::Bytes(&bytes_231),
        &IdentityPolicy::default(),
    )
    .unwrap();
    assert!(c.iter().all(|c| !c.verdict.verified), "another version's bundle verified");
}

#[test]
fn real_pypi_attestations_verify_with_the_right_identity_only() {
    let Some(fx) = support::shared::sigstore_fixtures("real_pypi_attestations_verify_with_the_right_identity_only")
    else {
        return;
    };
    let trust = Trust::embedded().unwrap();
    let dir = fx.join("pypi/pypi_attestations-0.0.19");
    let file = "pypi_attestations-0.0.19.tar.gz";
    let bytes = read(&dir.join(file));
    for doc in [format!("{file}.provenance"), format!("{file}.publish.attestation")] {
        let doc = read(&dir.join(doc));
        let c = verify_pep740(&trust, &doc, file, Subject::Bytes(&bytes), &IdentityPolicy::default()).unwrap();
        assert!(!c.is_empty());
        for x in &c {
            assert!(x.verdict.verified, "{:?}", x.verdict.failure);
            assert_eq!(
                x.verdict.identity.source_repo.as_deref(),
                Some("https://github.com/trailofbits/pypi-attestations")
            );
        }
        let wrong = IdentityPolicy { source_repo: Some("evil/pypi-attestations".into()), ..IdentityPolicy::default() };
        assert!(
            verify_pep740(&trust, &doc, file, Subject::Bytes(&bytes), &wrong)
                .unwrap()
                .iter()
                .all(|x| !x.verdict.verified)
        );
        let mut tampered = bytes.clone();
        tampered[10] ^= 1;
        assert!(
            verify_pep740(&trust, &doc, file, Subject::Bytes(&tampered), &IdentityPolicy::default())
                .unwrap()
                .iter()
                .all(|x| !x.verdict.verified)
        );
        assert!(
            verify_pep740(
                &trust,
                &doc,
                "pypi_attestations-0.0.18.tar.gz",
                Subject::Bytes(&bytes),
                &IdentityPolicy::default()
            )
            .unwrap()
            .iter()
            .all(|x| !x.verdict.verified)
        );
    }
    // The Trusted Publisher in the provenance object binds the identity: a provenance
    // whose publisher names another repository fails even with an empty user policy.
    let mut prov: serde_json::Value = serde_json::from_slice(&read(&dir.join(format!("{file}.provenance")))).unwrap();
    prov["attestation_bundles"][0]["publisher"]["repository"] = "evil/pypi-attestations".into();
    let c =
        verify_pep740(&trust, prov.to_string().as_bytes(), file, Subject::Bytes(&bytes), &IdentityPolicy::default())
            .unwrap();
    assert!(c.iter().all(|x| !x.verdict.verified && x.verdict.failure.as_ref().unwrap().stage == Stage::Identity));

    // A production hashedrekord bundle over a real wheel.
    let dir = fx.join("pypi/rfc8785-0.1.2");
    let wheel = read(&dir.join("rfc8785-0.1.2-py3-none-any.whl"));
    let bundle = String::from_utf8(read(&dir.join("rfc8785-0.1.2-py3-none-any.whl.sigstore"))).unwrap();
    let v = trust.verify_bundle(
        &bundle,
        Subject::Bytes(&wheel),
        None,
        &github("trailofbits/rfc8785.py", ".github/workflows/release.yml"),
    );
    assert!(v.verified, "{:?}", v.failure);
    assert_eq!(v.content, "message_signature");
}

// ---- The gate over a fake registry that publishes the real attestations --------------

use support::fake_npm::FakeNpm;
use support::{Locked, Project, chain_config, package_lock_v3};

const REAL: [(&str, &str, &str); 3] = [
    ("sigstore", "1.0.0", "sigstore-1.0.0.tgz"),
    ("tuf-js", "1.0.0", "tuf-js-1.0.0.tgz"),
    ("sigstore", "2.3.1", "sigstore-2.3.1.tgz"),
];

/// A registry serving the real tarballs and their real attestation responses; `mutate`
/// may alter the attestations of one package before they are published.
fn registry_with_real_attestations(
    fx: &Path,
    mutate: impl Fn(&str, &mut serde_json::Value),
) -> (FakeNpm, Vec<(String, String, String)>) {
    let reg = FakeNpm::start();
    let mut locked = Vec::new();
    for (name, version, tgz) in REAL {
        let dir = fx.join("npm").join(format!("{name}@{version}"));
        let integrity = reg.publish_bytes(name, version, "2023-01-01T00:00:00.000Z", read(&dir.join(tgz)));
        let mut att: serde_json::Value = serde_json::from_slice(&read(&dir.join("attestations.json"))).unwrap();
        mutate(&format!("{name}@{version}"), &mut att);
        reg.publish_attestations(name, version, serde_json::to_vec(&att).unwrap());
        locked.push((name.to_string(), version.to_string(), integrity));
    }
    (reg, locked)
}

fn gate(reg: &FakeNpm, locked: &[(String, String, String)], extra: &str, policy: &str) -> (Project, support::Run) {
    let other = FakeNpm::start();
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&reg.url(), &other.url(), extra, policy));
    let entries: Vec<Locked<'_>> = locked
        .iter()
        .enumerate()
        .map(|(i, (n, v, integ))| {
            // Two versions of `sigstore`: install the second one nested, as npm would.
            let mut l = Locked::new(n, v, integ, format!("{}{n}/-/{n}-{v}.tgz", reg.url()));
            l.dev = i == 2;
            l
        })
        .collect();
    let mut lock: serde_json::Value = serde_json::from_str(&package_lock_v3(&entries[..2])).unwrap();
    lock["packages"]["node_modules/tuf-js/node_modules/sigstore"] = serde_json::json!({"version": "2.3.1", "integrity": locked[2].2, "resolved": format!("{}sigstore/-/sigstore-2.3.1.tgz", reg.url())});
    p.write("package-lock.json", &lock.to_string());
    let run = p.depgate(&["check", "--current-time", "2026-01-01T00:00:00Z"], &[]);
    (p, run)
}

#[test]
fn gate_marks_real_attestations_verified_with_their_identities() {
    let Some(fx) = support::shared::sigstore_fixtures("gate_marks_real_attestations_verified_with_their_identities")
    else {
        return;
    };
    let (reg, locked) = registry_with_real_attestations(&fx, |_, _| {});
    let (p, run) = gate(&reg, &locked, "", "");
    assert_eq!(run.code, 0, "{}", run.all_output());
    for (purl, repo) in [
        ("pkg:npm/sigstore@1.0.0", "https://github.com/sigstore/sigstore-js"),
        ("pkg:npm/tuf-js@1.0.0", "https://github.com/theupdateframework/tuf-js"),
        ("pkg:npm/sigstore@2.3.1", "https://github.com/sigstore/sigstore-js"),
    ] {
        let r = p.record(purl);
        let v = &r["verification"];
        assert_eq!(v["status"], "verified", "{r:#}");
        assert_eq!(v["evidence"], "upstream");
        let prov = v["attestations"].as_array().unwrap().iter().find(|a| a["kind"] == "provenance").unwrap();
        assert_eq!(prov["source_repo"], repo, "{prov:#}");
        assert_eq!(prov["issuer"], "https://token.actions.githubusercontent.com");
        assert!(prov["workflow"].as_str().unwrap().contains(".github/workflows/"), "{prov:#}");
        let publish = v["attestations"].as_array().unwrap().iter().find(|a| a["kind"] == "publish").unwrap();
        assert_eq!(publish["key_id"], "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA");
    }
}

#[test]
fn gate_denies_tampered_and_wrong_identity_attestations() {
    let Some(fx) = support::shared::sigstore_fixtures("gate_denies_tampered_and_wrong_identity_attestations") else {
        return;
    };
    // Tamper with tuf-js's provenance: a flipped bit in the DSSE signature.
    let (reg, locked) = registry_with_real_attestations(&fx, |pkg, att| {
        if pkg == "tuf-js@1.0.0" {
            let sig =
                att["attestations"][0]["bundle"]["dsseEnvelope"]["signatures"][0]["sig"].as_str().unwrap().to_string();
            let mut bytes = base64_decode(&sig);
            bytes[20] ^= 1;
            att["attestations"][0]["bundle"]["dsseEnvelope"]["signatures"][0]["sig"] = base64_encode(&bytes).into();
        }
    });
    let (p, run) = gate(&reg, &locked, "", "");
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/tuf-js@1.0.0");
    assert_eq!(r["verification"]["status"], "violated", "{r:#}");
    assert_eq!(r["decision"], "deny");
    assert_eq!(r["findings"][0]["rule"], "signature-violated");
    assert_eq!(p.record("pkg:npm/sigstore@1.0.0")["verification"]["status"], "verified");

    // An identity rule on the upstream: only sigstore-js may build these packages.
    let (reg, locked) = registry_with_real_attestations(&fx, |_, _| {});
    let (p, run) = gate(&reg, &locked, "identity = [{ source_repository = \"sigstore/sigstore-js\" }]", "");
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/tuf-js@1.0.0");
    assert_eq!(r["verification"]["status"], "violated");
    assert!(r["verification"]["reasons"][0].as_str().unwrap().contains("source repository"), "{r:#}");
    assert_eq!(p.record("pkg:npm/sigstore@2.3.1")["verification"]["status"], "verified");
}

#[test]
fn gate_verifies_offline_from_the_attestation_cache() {
    let Some(fx) = support::shared::sigstore_fixtures("gate_verifies_offline_from_the_attestation_cache") else {
        return;
    };
    let reg = FakeNpm::start();
    let dir = fx.join("npm/sigstore@1.0.0");
    let integrity =
        reg.publish_bytes("sigstore", "1.0.0", "2023-01-01T00:00:00.000Z", read(&dir.join("sigstore-1.0.0.tgz")));
    let p = Project::new();
    p.write(
        "depgate.toml",
        &(chain_config(&reg.url(), &reg.url(), "", "") + "\n[verify]\nattestation_cache = \".depgate/attestations\"\n")
            .replace("chain = [\"curated\", \"public\"]", "chain = [\"curated\"]"),
    );
    p.write(
        "package-lock.json",
        &package_lock_v3(&[Locked::new(
            "sigstore",
            "1.0.0",
            &integrity,
            format!("{}sigstore/-/sigstore-1.0.0.tgz", reg.url()),
        )]),
    );
    p.write(
        ".depgate/attestations/npm/sigstore/1.0.0.json",
        &String::from_utf8(read(&dir.join("attestations.json"))).unwrap(),
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:npm/sigstore@1.0.0");
    assert_eq!(r["verification"]["status"], "verified", "{r:#}");
    assert_eq!(r["verification"]["evidence"], "attestation_cache");
    assert!(reg.log().iter().all(|l| !l.path.contains("attestations")));
}

#[test]
fn advertised_but_missing_attestations_are_violated_and_absent_ones_unverifiable() {
    let reg = FakeNpm::start();
    let a = reg.publish("gone", "1.0.0", "2023-01-01T00:00:00.000Z");
    reg.advertise_missing_attestations("gone", "1.0.0");
    let b = reg.publish("plain", "1.0.0", "2023-01-01T00:00:00.000Z");
    let p = Project::new();
    p.write(
        "depgate.toml",
        &chain_config(&reg.url(), &reg.url(), "", "")
            .replace("chain = [\"curated\", \"public\"]", "chain = [\"curated\"]"),
    );
    p.write(
        "package-lock.json",
        &package_lock_v3(&[
            Locked::new("gone", "1.0.0", &a, format!("{}gone/-/gone-1.0.0.tgz", reg.url())),
            Locked::new("plain", "1.0.0", &b, format!("{}plain/-/plain-1.0.0.tgz", reg.url())),
        ]),
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(p.record("pkg:npm/gone@1.0.0")["verification"]["status"], "violated");
    let plain = p.record("pkg:npm/plain@1.0.0");
    assert_eq!(plain["verification"]["status"], "unverifiable");
    assert_eq!(plain["decision"], "allow", "unverifiable is reported, not blocked, by default");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

// ---- `depgate verify` and `depgate attest pull` ---------------------------------------

fn depgate(args: &[&str]) -> support::Run {
    Project::new().depgate(args, &[])
}

#[test]
fn verify_command_uses_cosign_flags_and_exit_codes() {
    let Some(fx) = support::shared::sigstore_fixtures("verify_command_uses_cosign_flags_and_exit_codes") else {
        return;
    };
    let p = |rel: &str| fx.join(rel).to_string_lossy().into_owned();
    let wheel = p("pypi/rfc8785-0.1.2/rfc8785-0.1.2-py3-none-any.whl");
    let bundle = p("pypi/rfc8785-0.1.2/rfc8785-0.1.2-py3-none-any.whl.sigstore");
    let ok = depgate(&[
        "verify",
        &wheel,
        "--bundle",
        &bundle,
        "--certificate-identity-regexp",
        "^https://github.com/trailofbits/rfc8785.py/",
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--source-repository",
        "trailofbits/rfc8785.py",
        "--ref",
        "refs/tags/v0.1.2",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.all_output());
    assert!(
        ok.stdout.contains("VERIFIED") && ok.stdout.contains("transparency_log") && ok.stdout.contains("identity"),
        "{}",
        ok.stdout
    );
    let wrong =
        depgate(&["verify", &wheel, "--bundle", &bundle, "--source-repository", "evil/rfc8785.py", "--format", "json"]);
    assert_eq!(wrong.code, 1, "{}", wrong.all_output());
    let doc: serde_json::Value = serde_json::from_str(&wrong.stdout).unwrap();
    assert_eq!(doc["verified"], false);
    assert_eq!(doc["attestations"][0]["verdict"]["failure"]["stage"], "identity");

    // An npm attestations response needs the package it must be about.
    let tgz = p("npm/sigstore@1.0.0/sigstore-1.0.0.tgz");
    let att = p("npm/sigstore@1.0.0/attestations.json");
    assert_eq!(depgate(&["verify", &tgz, "--bundle", &att]).code, 2);
    let npm = depgate(&[
        "verify",
        &tgz,
        "--bundle",
        &att,
        "--subject",
        "pkg:npm/sigstore@1.0.0",
        "--source-repository",
        "sigstore/sigstore-js",
    ]);
    assert_eq!(npm.code, 0, "{}", npm.all_output());
    assert!(npm.stdout.contains("SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA"), "{}", npm.stdout);

    // PEP 740: the subject defaults to the artifact's file name.
    let sdist = p("pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz");
    let prov = p("pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz.provenance");
    assert_eq!(depgate(&["verify", &sdist, "--bundle", &prov]).code, 0);

    // A managed key and a custom trusted root.
    let case = fx.join("generic/sigstore-conformance/managed-key-and-trusted-root");
    let a_txt = p("generic/sigstore-conformance/a.txt");
    let keyed = depgate(&[
        "verify",
        &a_txt,
        "--bundle",
        &case.join("bundle.sigstore.json").to_string_lossy(),
        "--key",
        &case.join("key.pub").to_string_lossy(),
        "--trusted-root",
        &case.join("trusted_root.json").to_string_lossy(),
    ]);
    assert_eq!(keyed.code, 0, "{}", keyed.all_output());
    // Bad input: a clear usage error, never a panic.
    let bad = depgate(&["verify", &a_txt, "--bundle", &a_txt]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not JSON") && !bad.stderr.contains("panicked"), "{}", bad.stderr);
}

#[test]
fn attest_pull_fills_the_cache_for_an_offline_check() {
    let Some(fx) = support::shared::sigstore_fixtures("attest_pull_fills_the_cache_for_an_offline_check") else {
        return;
    };
    let (reg, locked) = registry_with_real_attestations(&fx, |_, _| {});
    let p = Project::new();
    let cfg = chain_config(&reg.url(), &reg.url(), "", "")
        .replace("chain = [\"curated\", \"public\"]", "chain = [\"curated\"]")
        + "\n[verify]\nattestation_cache = \"attestations\"\n";
    p.write("depgate.toml", &cfg);
    let entries: Vec<Locked<'_>> =
        locked[..2].iter().map(|(n, v, i)| Locked::new(n, v, i, format!("{}{n}/-/{n}-{v}.tgz", reg.url()))).collect();
    p.write("package-lock.json", &package_lock_v3(&entries));
    let pull = p.depgate(&["attest", "pull"], &[]);
    assert_eq!(pull.code, 0, "{}", pull.all_output());
    assert!(pull.stderr.contains("2 attestation set(s) written"), "{}", pull.stderr);
    assert!(p.path().join("attestations/npm/tuf-js/1.0.0.json").is_file());
    reg.clear_log();
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    for purl in ["pkg:npm/sigstore@1.0.0", "pkg:npm/tuf-js@1.0.0"] {
        let r = p.record(purl);
        assert_eq!(r["verification"]["status"], "verified");
        assert_eq!(r["verification"]["evidence"], "attestation_cache");
    }
    assert!(reg.log().iter().all(|l| !l.path.contains("attestations")), "{:?}", reg.log());
}

// ---- PyPI (PEP 740) and Maven (.sigstore.json) evidence through the gate ----

use support::fake_repo::FakeRepo;

/// A project whose only chain is `eco` over `repo`, gated at a fixed time.
fn gate_one(eco: &str, kind: &str, url: &str, lockfile: (&str, &str), identity: &str) -> (Project, support::Run) {
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!(
            "[{eco}]\nchain = [\"up\"]\n[upstream.up]\nkind = \"{kind}\"\nurl = \"{url}\"\ntier = \"public\"\n{identity}\n"
        ),
    );
    p.write(lockfile.0, lockfile.1);
    let run = p.depgate(&["check", "--current-time", "2026-01-01T00:00:00Z"], &[]);
    (p, run)
}

#[test]
fn gate_verifies_real_pep740_provenance_served_by_a_pypi_index() {
    let Some(fx) = support::shared::sigstore_fixtures("gate_verifies_real_pep740_provenance_served_by_a_pypi_index")
    else {
        return;
    };
    let dir = fx.join("pypi/pypi_attestations-0.0.19");
    let file = "pypi_attestations-0.0.19.tar.gz";
    let bytes = read(&dir.join(file));
    let provenance = read(&dir.join(format!("{file}.provenance")));
    let repo = FakeRepo::start();
    let sha = repo.publish_py_bytes("pypi-attestations", "0.0.19", file, "2024-11-01T00:00:00Z", bytes.clone(), None);
    repo.publish_provenance("pypi-attestations", "0.0.19", file, provenance.clone());
    let lock = format!("pypi-attestations==0.0.19 \\\n    --hash=sha256:{sha}\n");
    let (p, run) = gate_one("pypi", "pypi-simple", &repo.simple_url(), ("requirements.txt", &lock), "");
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:pypi/pypi-attestations@0.0.19");
    assert_eq!(r["verification"]["status"], "verified", "{r:#}");
    assert_eq!(r["verification"]["evidence"], "upstream");
    let a = &r["verification"]["attestations"][0];
    assert_eq!(a["source_repo"], "https://github.com/trailofbits/pypi-attestations", "{a:#}");
    assert_eq!(a["predicate_type"], "https://docs.pypi.org/attestations/publish/v1");

    // The same provenance served for other bytes (the index's digest is of those bytes):
    // the subject does not match, so the file is violated and denied.
    let repo = FakeRepo::start();
    let mut other = bytes;
    other.push(b'!');
    let sha = repo.publish_py_bytes("pypi-attestations", "0.0.19", file, "2024-11-01T00:00:00Z", other, None);
    repo.publish_provenance("pypi-attestations", "0.0.19", file, provenance);
    let lock = format!("pypi-attestations==0.0.19 \\\n    --hash=sha256:{sha}\n");
    let (p, run) = gate_one("pypi", "pypi-simple", &repo.simple_url(), ("requirements.txt", &lock), "");
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:pypi/pypi-attestations@0.0.19");
    assert_eq!(r["verification"]["status"], "violated", "{r:#}");
    assert_eq!(r["decision"], "deny");
}

#[test]
fn gate_verifies_a_real_sigstore_bundle_beside_a_maven_artifact() {
    let Some(fx) = support::shared::sigstore_fixtures("gate_verifies_a_real_sigstore_bundle_beside_a_maven_artifact")
    else {
        return;
    };
    // A production hashedrekord bundle (message signature over the file's sha256) is what
    // Maven Central keeps as `{file}.sigstore.json`; the rfc8785 wheel stands in as the jar.
    let dir = fx.join("pypi/rfc8785-0.1.2");
    let artifact = read(&dir.join("rfc8785-0.1.2-py3-none-any.whl"));
    let bundle = read(&dir.join("rfc8785-0.1.2-py3-none-any.whl.sigstore"));
    let list = |sha: &str| {
        format!(
            "{{\"format\": \"depgate.resolved/v1\", \"artifacts\": [{{\"group\": \"org.example\", \"name\": \"rfc8785\", \"version\": \"0.1.2\", \"extension\": \"jar\", \"sha256\": \"{sha}\"}}]}}"
        )
    };
    let serve = |bytes: Vec<u8>| {
        let repo = FakeRepo::start();
        let sha = repo.publish_maven_bytes(
            "org.example:rfc8785",
            "0.1.2",
            None,
            "jar",
            bytes,
            "Mon, 01 Jan 2024 00:00:00 GMT",
            &["sha1", "sha256"],
        );
        repo.publish_maven_signature("org.example:rfc8785", "0.1.2", "sigstore.json", bundle.clone());
        (repo, sha)
    };
    let right = "identity = [{ issuer = \"https://token.actions.githubusercontent.com\", source_repository = \"trailofbits/rfc8785.py\" }]";
    let (repo, sha) = serve(artifact.clone());
    let (p, run) = gate_one("maven", "maven", &repo.maven_url(), ("depgate-resolved.json", &list(&sha)), right);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:maven/org.example/rfc8785@0.1.2");
    assert_eq!(r["resolution"]["signatures"], serde_json::json!(["sigstore.json"]));
    assert_eq!(r["verification"]["status"], "verified", "{r:#}");
    assert_eq!(r["verification"]["attestations"][0]["kind"], "signature");

    // Another signer expected: the identity stage fails, violated, denied.
    let wrong = "identity = [{ issuer = \"https://token.actions.githubusercontent.com\", source_repository = \"evil/rfc8785.py\" }]";
    let (p, run) = gate_one("maven", "maven", &repo.maven_url(), ("depgate-resolved.json", &list(&sha)), wrong);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:maven/org.example/rfc8785@0.1.2");
    assert_eq!(r["verification"]["status"], "violated", "{r:#}");

    // Other bytes under the same bundle: the signature does not cover them.
    let mut tampered = artifact;
    tampered[100] ^= 1;
    let (repo, sha) = serve(tampered);
    let (p, run) = gate_one("maven", "maven", &repo.maven_url(), ("depgate-resolved.json", &list(&sha)), right);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(p.record("pkg:maven/org.example/rfc8785@0.1.2")["verification"]["status"], "violated");
}
