//! OpenPGP detached signatures: real Maven Central files against their signers' real keys
//! (committed copies, `testdata/openpgp/SOURCE.md`), keys and signatures made here with
//! GnuPG and checked against `gpgv` as the oracle, a real project's Gradle verification
//! files, and `depgate verify --signature`.

mod support;

#[path = "openpgp/gnupg.rs"]
mod gnupg;

#[path = "openpgp/gate.rs"]
mod gate;

use std::path::{Path, PathBuf};

use depgate::ecosystem::maven::verification::parse_verification_metadata_full;
use depgate::openpgp::trust::{Outcome, Pin, judge};
use depgate::openpgp::{Keyring, Options, Stage, Verdict, verify_detached};

/// 2026-12-01T00:00:00Z: every real key here was valid when its files were signed.
const NOW: u32 = 1_796_083_200;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/openpgp").join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `(coordinate, file, Gradle's trusted keys)` of `central/MANIFEST`.
fn manifest() -> Vec<(String, String, Vec<String>)> {
    String::from_utf8(read("central/MANIFEST"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut parts = l.split_whitespace();
            let coord = parts.next().unwrap().to_string();
            let file = parts.next().unwrap().to_string();
            (coord, file, parts.map(str::to_string).collect())
        })
        .collect()
}

fn central_keyring(allow_sha1: bool) -> Keyring {
    Keyring::parse(&read("central/signers.keys"), allow_sha1).unwrap()
}

fn opts() -> Options {
    Options { now: NOW, allow_sha1: false }
}

#[test]
fn real_central_files_verify_against_their_signers_real_keys() {
    let ring = central_keyring(false);
    assert_eq!(ring.certs.len(), 23, "{:?}", ring.warnings);
    let mut verified = 0;
    let mut algorithms = std::collections::BTreeSet::new();
    for (coord, file, keys) in manifest() {
        let pins: Vec<Pin> = keys.iter().map(|k| Pin::new(k, "pcre4j verification-metadata.xml")).collect();
        let verdict =
            verify_detached(&ring, &read(&format!("central/{file}")), &read(&format!("central/{file}.asc")), opts());
        let outcome = judge(verdict.clone(), &pins);
        match file.as_str() {
            "picocli-4.7.7.pom" => {
                assert!(matches!(outcome, Outcome::Violated { stage: Stage::Hash, .. }), "{file}: {outcome:?}");
                let sha1 = Options { allow_sha1: true, ..opts() };
                let again = verify_detached(
                    &central_keyring(true),
                    &read("central/picocli-4.7.7.pom"),
                    &read("central/picocli-4.7.7.pom.asc"),
                    sha1,
                );
                assert!(matches!(judge(again, &pins), Outcome::Verified { .. }), "{file} with allow_sha1");
            }
            "kotlinx-coroutines-core-1.7.3.pom" => {
                // The signature is good, but the project pins no key for this version.
                assert!(matches!(verdict, Verdict::Verified(_)), "{verdict:?}");
                assert!(matches!(outcome, Outcome::Unverifiable { .. }), "{file}: {outcome:?}");
            }
            _ => {
                let Outcome::Verified { signer, .. } = &outcome else { panic!("{coord} {file}: {outcome:?}") };
                assert!(keys.iter().any(
                    |k| k.eq_ignore_ascii_case(&signer.signing_key) || k.eq_ignore_ascii_case(&signer.fingerprint)
                ));
                algorithms.insert(signer.algorithm.clone());
                verified += 1;
            }
        }
    }
    assert!(verified >= 20, "only {verified} real files verified");
    // RSA, DSA (Apache HttpComponents, ANTLR), ECDSA (SLF4J), EdDSA (Commons Text).
    for alg in ["RSA", "DSA", "ECDSA", "EdDSALegacy"] {
        assert!(algorithms.contains(alg), "no {alg} signer among {algorithms:?}");
    }
}

#[test]
fn tampered_swapped_and_unpinned_real_files_fail_with_the_right_outcome() {
    let ring = central_keyring(false);
    let pom = read("central/asm-9.6.pom");
    let asc = read("central/asm-9.6.pom.asc");
    let asm_pin = [Pin::new("A5BD02B93E7A40482EB1D66A5F69AD087600B22C", "test")];
    assert!(matches!(judge(verify_detached(&ring, &pom, &asc, opts()), &asm_pin), Outcome::Verified { .. }));

    // One flipped byte in the file.
    let mut flipped = pom.clone();
    flipped[100] ^= 0x01;
    let v = verify_detached(&ring, &flipped, &asc, opts());
    assert!(matches!(v, Verdict::Failed { stage: Stage::Signature, .. }), "{v:?}");
    assert!(matches!(judge(v, &asm_pin), Outcome::Violated { .. }));

    // The signature of another artifact (same signer).
    let other = read("central/jmh-core-1.37.pom.asc");
    let v = verify_detached(&ring, &pom, &other, opts());
    assert!(matches!(v, Verdict::Failed { stage: Stage::Signature, .. }), "{v:?}");
    let v = verify_detached(&ring, &pom, &read("central/slf4j-api-2.0.17.pom.asc"), opts());
    assert!(matches!(v, Verdict::Failed { stage: Stage::Signature, .. }), "{v:?}");

    // A good signature by a key that is not the one pinned for the package.
    let kotlin_pin = [Pin::new("6F538074CCEBF35F28AF9B066A0975F8B1127B83", "test")];
    let v = verify_detached(&ring, &pom, &asc, opts());
    match judge(v, &kotlin_pin) {
        Outcome::Violated { stage: Stage::Pin, message, .. } => {
            assert!(message.contains("A5BD02B93E7A40482EB1D66A5F69AD087600B22C"), "{message}");
        }
        o => panic!("{o:?}"),
    }

    // A key no keyring holds: unverifiable, naming the key id.
    let lone = Keyring::parse(&read("gradle-kotlinx/gradle/verification-keyring.keys"), false).unwrap();
    match verify_detached(
        &lone,
        &read("central/slf4j-api-2.0.17.pom"),
        &read("central/slf4j-api-2.0.17.pom.asc"),
        opts(),
    ) {
        Verdict::UnknownKey { key_id } => assert_eq!(key_id, "66D68DAA073BE985"),
        v => panic!("{v:?}"),
    }

    // Not a signature at all.
    let v = verify_detached(&ring, &pom, b"hello", opts());
    assert!(matches!(v, Verdict::Failed { stage: Stage::Format, .. }), "{v:?}");
}

#[test]
fn binary_signatures_and_keyrings_read_like_armored_ones() {
    let ring_text = String::from_utf8(read("central/signers.keys")).unwrap();
    let binary_ring: Vec<u8> =
        depgate::openpgp::armor::decode_all(&ring_text).unwrap().into_iter().flat_map(|b| b.data).collect();
    let ring = Keyring::parse(&binary_ring, false).unwrap();
    assert_eq!(ring.certs.len(), 23);
    let asc = String::from_utf8(read("central/gson-2.11.0.pom.asc")).unwrap();
    let sig = depgate::openpgp::armor::decode_all(&asc).unwrap().remove(0).data;
    let v = verify_detached(&ring, &read("central/gson-2.11.0.pom"), &sig, opts());
    assert!(matches!(v, Verdict::Verified(_)), "{v:?}");
}

#[test]
fn a_projects_gradle_verification_files_are_honoured() {
    let dir = data("gradle-kotlinx");
    let meta_path = dir.join("gradle/verification-metadata.xml");
    let meta = parse_verification_metadata_full(&std::fs::read_to_string(&meta_path).unwrap(), &meta_path).unwrap();
    let ring = Keyring::parse(&std::fs::read(dir.join("gradle/verification-keyring.keys")).unwrap(), false).unwrap();
    assert_eq!(ring.certs.len(), 22, "{:?}", ring.warnings);
    let check = |coord: &str, file: &str| {
        let [group, name, version] = coord.split(':').collect::<Vec<_>>()[..] else { panic!() };
        let pins: Vec<Pin> = meta
            .trusted_pgp_keys(group, name, version, file)
            .iter()
            .map(|k| Pin::new(k, "verification-metadata.xml"))
            .collect();
        let bytes = std::fs::read(dir.join("files").join(file)).unwrap();
        let sig = std::fs::read(dir.join("files").join(format!("{file}.asc"))).unwrap();
        judge(verify_detached(&ring, &bytes, &sig, opts()), &pins)
    };
    for (coord, file) in [
        ("org.ow2.asm:asm:9.6", "asm-9.6.pom"),
        ("org.ow2.asm:asm-tree:9.6", "asm-tree-9.6.pom"),
        ("org.ow2.asm:asm-commons:9.6", "asm-commons-9.6.pom"),
        ("org.openjdk.jmh:jmh-core:1.37", "jmh-core-1.37.pom"),
        ("org.openjdk.jmh:jmh-parent:1.37", "jmh-parent-1.37.pom"),
        ("org.jetbrains.kotlin:kotlin-stdlib:1.9.21", "kotlin-stdlib-1.9.21.pom"),
        ("org.jetbrains.kotlin:kotlin-stdlib-common:1.9.21", "kotlin-stdlib-common-1.9.21.pom"),
        ("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.7.3", "kotlinx-coroutines-core-1.7.3.pom"),
        ("org.jetbrains.kotlinx:kotlinx-benchmark-runtime:0.4.10", "kotlinx-benchmark-runtime-0.4.10.pom"),
        ("org.apache.commons:commons-math3:3.2", "commons-math3-3.2.pom"),
        ("org.jetbrains.intellij.deps:trove4j:1.0.20200330", "trove4j-1.0.20200330.pom"),
        ("junit:junit:4.13.2", "junit-4.13.2.pom"),
        ("com.google.guava:failureaccess:1.0.1", "failureaccess-1.0.1.pom"),
        ("com.google.guava:failureaccess:1.0.1", "failureaccess-1.0.1.jar"),
    ] {
        let o = check(coord, file);
        assert!(matches!(o, Outcome::Verified { .. }), "{coord} {file}: {o:?}");
    }
    // The asm POM presented as a Kotlin artifact: the key pinned for org.jetbrains.kotlin
    // did not sign it.
    let o = check("org.jetbrains.kotlin:kotlin-stdlib:9.6", "asm-9.6.pom");
    assert!(matches!(o, Outcome::Violated { stage: Stage::Pin, .. }), "{o:?}");
    // commons-math3 is trusted only at 3.2: another version has no pinned key.
    let o = check("org.apache.commons:commons-math3:3.3", "commons-math3-3.2.pom");
    assert!(matches!(o, Outcome::Unverifiable { .. }), "{o:?}");
}

#[test]
fn keys_made_here_land_on_their_outcomes_and_gpgv_agrees() {
    let Some(g) = gnupg::Gnupg::start() else { return };
    for case in g.cases() {
        let ring = Keyring::parse(&case.keyring, false).unwrap();
        let verdict = verify_detached(&ring, &case.data, &case.signature, Options { now: case.now, allow_sha1: false });
        let outcome = judge(verdict.clone(), &case.pins);
        assert_eq!(gnupg::label(&outcome), case.expect, "{}: depgate said {outcome:?}", case.name);
        let oracle = g.gpgv(&case);
        assert_eq!(oracle, case.gpgv_expect, "{}: gpgv disagrees with the expected oracle verdict", case.name);
    }
}

#[test]
fn verify_command_checks_one_detached_signature() {
    let bin = env!("CARGO_BIN_EXE_depgate");
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();
    let f = |rel: &str| data(rel).display().to_string();
    let ok = run(&[
        "verify",
        &f("central/asm-9.6.pom"),
        "--signature",
        &f("central/asm-9.6.pom.asc"),
        "--keyring",
        &f("central/signers.keys"),
        "--fingerprint",
        "A5BD02B93E7A40482EB1D66A5F69AD087600B22C",
        "--format",
        "json",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(doc["verified"], true);
    assert_eq!(doc["signer"]["fingerprint"], "A5BD02B93E7A40482EB1D66A5F69AD087600B22C");
    assert_eq!(doc["signer"]["user_id"], "Eric Bruneton <ebruneton@free.fr>");

    let wrong_pin = run(&[
        "verify",
        &f("central/asm-9.6.pom"),
        "--signature",
        &f("central/asm-9.6.pom.asc"),
        "--keyring",
        &f("central/signers.keys"),
        "--fingerprint",
        "6F538074CCEBF35F28AF9B066A0975F8B1127B83",
    ]);
    assert_eq!(wrong_pin.status.code(), Some(1));
    let text = String::from_utf8_lossy(&wrong_pin.stdout);
    assert!(text.contains("NOT VERIFIED") && text.contains("pinned"), "{text}");

    let bad_sig = run(&[
        "verify",
        &f("central/asm-9.6.pom"),
        "--signature",
        &f("central/jmh-core-1.37.pom.asc"),
        "--keyring",
        &f("central/signers.keys"),
    ]);
    assert_eq!(bad_sig.status.code(), Some(1));

    let no_keyring = run(&[
        "verify",
        &f("central/asm-9.6.pom"),
        "--signature",
        &f("central/asm-9.6.pom.asc"),
        "--keyring",
        "/nonexistent/keys.asc",
    ]);
    assert_eq!(no_keyring.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_keyring.stderr).contains("/nonexistent/keys.asc"));
    let bad_fpr = run(&[
        "verify",
        &f("central/asm-9.6.pom"),
        "--signature",
        &f("central/asm-9.6.pom.asc"),
        "--keyring",
        &f("central/signers.keys"),
        "--fingerprint",
        "xyz",
    ]);
    assert_eq!(bad_fpr.status.code(), Some(2));
}
