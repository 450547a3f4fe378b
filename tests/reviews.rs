//! OpenVet review audits (`[reviews]`), end to end: logs made here with the OpenVet
//! crates' own APIs (`tests/support/openvet.rs`), served from a fake on 127.0.0.1 in the
//! log protocol's layout, read by `depgate check` and `depgate serve`. Every case lands on
//! what OpenVet's evaluator (`openvet_policy::evaluate`) concludes for the same audits in
//! the same trusted logs: true and false claims, two logs that contradict each other, a
//! log signed by a key nobody pinned, an audit tampered with on the wire, an audit whose
//! subject hash is another artifact's. The cooldown waiver is recorded, and
//! `review-contradicted` denies in the gate and in the proxy.

mod support;

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;
use support::openvet::{Log, oracle, signed_audit, subject};
use support::served::{Served, raw_get};
use support::{Locked, Project, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";

/// The policy half of the project's openvet.toml (what the oracle is given).
const REQUIREMENTS: &str = "[requirement]\nsafe-to-run = \"is-benign and (not uses-network or network-safe)\"\n";

/// Real published npm versions and their `dist.integrity` (testdata/npm/basic).
const REAL: &[(&str, &str, &str)] = &[
    (
        "debug",
        "4.3.4",
        "sha512-PRWFHuSU3eDtQJPvnNY7Jcket1j0t5OuOsFzPPzsekD52Zl8qUfFIPEiswXqIvHWGVHOgX+7G/vCNNhehwxfkQ==",
    ),
    (
        "ajv",
        "6.12.6",
        "sha512-j3fVLgvTo527anyYyJOGTYJbG+vnnQYvE0m5mmkc1TK+nxAppkCLMIL0aZ4dblVCNoGShhm+kzE4ZUykBoMg4g==",
    ),
    (
        "escape-string-regexp",
        "4.0.0",
        "sha512-TtpcNJ3XAzx3Gq8sWRzJaVajRs0uVxA2YAkdb1jm2YkPz4G6egUFAyA3n5vtEIZefPk5Wa4UXbKuS5fKkJWdgA==",
    ),
    (
        "fast-deep-equal",
        "3.1.3",
        "sha512-f3qQ9oQy9j2AhBe/H9VC91wLmKBCCU/gDOnKNAYG5hswO7BLKj09Hc5HYNz9cGI++xlpDCIgDaitVs03ATR84Q==",
    ),
    (
        "fast-json-stable-stringify",
        "2.1.0",
        "sha512-lhd/wF+Lk98HZoTCtlVraHtfh5XYijIjalXck7saUtuanSDyLMxnHhSXEDJqHxD7msR8D0uCmqlkwjCV8xvwHw==",
    ),
    (
        "ajv-keywords",
        "3.5.2",
        "sha512-5p6WTN0DdTGVQk6VjcEju19IgaHudalcfabD7yhDGeA6bcQnmL+CpveLJq/3hvfwd1aof6L386Ougkx6RfyMIQ==",
    ),
    (
        "@isaacs/string-locale-compare",
        "1.1.0",
        "sha512-SQ7Kzhh9+D+ZW9MA0zkYv3VXhIDNx+LzM6EJ+/65I3QY+enU6Itte7E5XX7EWrqLW2FN4n06GWzBnPoC3th2aQ==",
    ),
];

fn sri_hex(sri: &str) -> String {
    hex::encode(base64::engine::general_purpose::STANDARD.decode(sri.strip_prefix("sha512-").unwrap()).unwrap())
}

fn npm_subject(name: &str, version: &str, sri: &str) -> openvet_proto::Subject {
    subject("npm", name, version, None, "sha512", &sri_hex(sri))
}

fn config(npm: &str, logs: &[(&str, &str, &str)], extra: &str) -> String {
    let mut s = format!(
        "[npm]\nchain = [\"npmjs\"]\n\n[upstream.npmjs]\nkind = \"npm\"\nurl = \"{npm}\"\ntier = \"public\"\n\n\
         [policy]\nquarantine_days = 7\n\n[reviews]\nrequired_tiers = [\"public\"]\nwaive_cooldown = true\n{extra}\n"
    );
    for (name, url, key) in logs {
        let _ = write!(s, "[reviews.logs.{name}]\nurl = \"{url}\"\nkeys = [\"{key}\"]\ntimeout_secs = 5\n\n");
    }
    s
}

fn rules(r: &Value, level: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == level)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[allow(clippy::many_single_char_names)]
fn every_case_lands_where_openvets_evaluator_does_in_the_gate() {
    let npm = FakeNpm::start();
    let logs_host = FakeRepo::start();
    for (name, version, sri) in REAL {
        let at = if *name == "debug" || *name == "fast-deep-equal" { YOUNG } else { OLD };
        npm.publish(name, version, at);
        let url = format!("{}{name}/-/{}-{version}.tgz", npm.url(), name.rsplit('/').next().unwrap());
        npm.set_version_field(name, version, "dist", serde_json::json!({"integrity": sri, "tarball": url}));
    }
    let subj = |name: &str| {
        let (n, v, sri) = REAL.iter().find(|(n, _, _)| *n == name).unwrap();
        npm_subject(n, v, sri)
    };

    // Log a: the team's own reviews.
    let mut a = Log::new();
    let debug_ok = a.audit(&subj("debug"), &[("is-benign", true), ("uses-network", false)]);
    let ajv_bad = a.audit(&subj("ajv"), &[("is-benign", false)]);
    let esr_a = a.audit(&subj("escape-string-regexp"), &[("is-benign", true), ("uses-network", false)]);
    let partial = a.audit(&subj("ajv-keywords"), &[("is-benign", true), ("uses-network", true)]);
    // An audit of fast-deep-equal 3.1.3, but of other bytes than the published tarball.
    a.audit(&subject("npm", "fast-deep-equal", "3.1.3", None, "sha512", &"ab".repeat(64)), &[("is-benign", true)]);
    let tampered = a.audit(&subj("@isaacs/string-locale-compare"), &[("is-benign", true), ("uses-network", false)]);
    // The host serves other bytes for that audit: the claims flipped, the signature kept.
    let mut forged = tampered.value().clone();
    let mut body = forged.audit.value().clone();
    body.claims.insert("is-benign".into(), false);
    let sigs = forged.signatures.clone();
    forged = openvet_proto::audit::AuditEnvelope::build(1, body, sigs);
    a.tamper("audit", tampered.hash(), openvet_crypto::Encode::encode(&forged));
    // Log b: a second trusted log that disagrees about escape-string-regexp.
    let mut b = Log::new();
    let esr_b = b.audit(&subj("escape-string-regexp"), &[("is-benign", false)]);
    // Log c: signed by its own key, but the configuration pins log a's key for it.
    let mut c = Log::new();
    c.audit(&subj("fast-json-stable-stringify"), &[("is-benign", true), ("uses-network", false)]);

    let (url_a, url_b, url_c) = (a.serve(&logs_host, "a"), b.serve(&logs_host, "b"), c.serve(&logs_host, "c"));
    let p = Project::new();
    p.write(
        "depgate.toml",
        &config(&npm.url(), &[("a", &url_a, &a.key()), ("b", &url_b, &b.key()), ("c", &url_c, &a.key())], ""),
    );
    // The project's openvet.toml as the OpenVet CLI reads it, logs and lockfiles included.
    p.write(
        "openvet.toml",
        &format!(
            "[log.a]\nurl = \"{url_a}\"\n\n[[lockfile]]\nkind = \"cargo\"\npath = \"Cargo.lock\"\n\n{REQUIREMENTS}"
        ),
    );
    let locked: Vec<Locked<'_>> = REAL
        .iter()
        .map(|(n, v, sri)| {
            Locked::new(n, v, sri, format!("{}{n}/-/{}-{v}.tgz", npm.url(), n.rsplit('/').next().unwrap()))
        })
        .collect();
    p.write("package-lock.json", &package_lock_v3(&locked));
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "denials: {}", run.all_output());
    assert!(run.all_output().contains("review log `c` is not trusted"), "{}", run.all_output());

    // (package, audits OpenVet counts: trusted logs, exact subject) → its verdict.
    let cases: Vec<(&str, Vec<(&str, &_)>)> = vec![
        ("debug", vec![("a", &debug_ok)]),
        ("ajv", vec![("a", &ajv_bad)]),
        ("escape-string-regexp", vec![("a", &esr_a), ("b", &esr_b)]),
        ("ajv-keywords", vec![("a", &partial)]),
        ("fast-deep-equal", vec![]),
        ("fast-json-stable-stringify", vec![]),
    ];
    let mut agreed = 0;
    for (name, audits) in &cases {
        let (_, version, _) = REAL.iter().find(|(n, _, _)| n == name).unwrap();
        let r = p.record(&format!("pkg:npm/{name}@{version}"));
        let want = oracle(REQUIREMENTS, &subj(name), audits);
        assert_eq!(r["reviews"]["verdict"], want, "{name}: {r:#}");
        agreed += 1;
    }
    support::report(&format!("reviews: {agreed}/{} verdicts equal to openvet_policy::evaluate", cases.len()));

    // A true claim, young: the cooldown is waived and the waiver recorded.
    let debug = p.record("pkg:npm/debug@4.3.4");
    assert_eq!(debug["decision"], "warn", "{debug:#}");
    assert_eq!(rules(&debug, "warn"), ["review-cooldown-waiver"], "{debug:#}");
    assert_eq!(debug["reviews"]["requirements"][0]["status"], "passed");
    assert_eq!(debug["reviews"]["requirements"][0]["decided_by"], serde_json::json!(["a"]));
    assert_eq!(debug["reviews"]["reviews"][0]["claims"]["is-benign"], true);
    assert_eq!(debug["reviews"]["reviews"][0]["auditors"][0], a.key());
    // A false claim: denied by review-contradicted.
    let ajv = p.record("pkg:npm/ajv@6.12.6");
    assert!(rules(&ajv, "deny").contains(&"review-contradicted".to_string()), "{ajv:#}");
    assert_eq!(ajv["reviews"]["requirements"][0]["status"], "contradicted");
    // Two logs that disagree: contradicted, decided by b.
    let esr = p.record("pkg:npm/escape-string-regexp@4.0.0");
    assert_eq!(esr["reviews"]["requirements"][0]["decided_by"], serde_json::json!(["b"]), "{esr:#}");
    assert!(rules(&esr, "deny").contains(&"review-contradicted".to_string()), "{esr:#}");
    // Not asserted (uses-network without network-safe): required for the tier, denied.
    let kw = p.record("pkg:npm/ajv-keywords@3.5.2");
    assert_eq!(kw["reviews"]["requirements"][0]["status"], "not-asserted", "{kw:#}");
    assert_eq!(rules(&kw, "deny"), ["review-required"], "{kw:#}");
    // Another artifact's audit: listed, not counted; young and unreviewed, so it waits.
    let fde = p.record("pkg:npm/fast-deep-equal@3.1.3");
    assert_eq!(fde["reviews"]["reviews"][0]["subject_match"], false, "{fde:#}");
    assert_eq!(rules(&fde, "quarantine"), ["fallback-cooldown"], "{fde:#}");
    // The untrusted log's audit does not count.
    let fjss = p.record("pkg:npm/fast-json-stable-stringify@2.1.0");
    assert_eq!(fjss["reviews"]["reviews"], serde_json::json!([]), "{fjss:#}");
    assert_eq!(rules(&fjss, "deny"), ["review-required"], "{fjss:#}");
    // Tampered on the wire: invalid, and the package is denied (OpenVet's check errors).
    let tam = p.record("pkg:npm/%40isaacs/string-locale-compare@1.1.0");
    assert_eq!(tam["reviews"]["reviews"][0]["status"], "invalid", "{tam:#}");
    assert!(tam["reviews"]["reviews"][0]["problem"].as_str().unwrap().contains("tampered"), "{tam:#}");
    assert!(rules(&tam, "deny").contains(&"review-invalid".to_string()), "{tam:#}");

    // The report shows it.
    let summary = p.read("depgate-report/summary.md");
    assert!(summary.contains("review-contradicted"), "{summary}");
}

#[test]
fn a_local_mirror_with_a_bad_signature_and_a_log_rejected_for_its_key() {
    let npm = FakeNpm::start();
    let (name, version, sri) = REAL[0];
    npm.publish(name, version, OLD);
    let url = format!("{}{name}/-/{name}-{version}.tgz", npm.url());
    npm.set_version_field(name, version, "dist", serde_json::json!({"integrity": sri, "tarball": url}));
    let mut a = Log::new();
    // Signed by someone else's key over other claims: the signature does not verify.
    let stranger = Log::new();
    let mut env =
        signed_audit(&stranger.signer, &npm_subject(name, version, sri), &[("is-benign", false)]).value().clone();
    let good = signed_audit(&a.signer, &npm_subject(name, version, sri), &[("is-benign", true)]);
    env.signatures = good.value().signatures.clone();
    a.insert(openvet_crypto::Hashed::from_value(env));
    let p = Project::new();
    a.mirror(&p.path().join("mirror"));
    p.write(
        "depgate.toml",
        &format!(
            "[npm]\nchain = [\"npmjs\"]\n\n[upstream.npmjs]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\n\n\
             [reviews]\n[reviews.logs.mirror]\npath = \"mirror\"\nkeys = [\"{}\"]\n",
            npm.url(),
            a.key()
        ),
    );
    p.write("package-lock.json", &package_lock_v3(&[Locked::new(name, version, sri, url.clone())]));
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/debug@4.3.4");
    assert_eq!(r["reviews"]["reviews"][0]["status"], "invalid", "{r:#}");
    assert!(r["reviews"]["reviews"][0]["problem"].as_str().unwrap().contains("does not verify"), "{r:#}");
    assert_eq!(rules(&r, "deny"), ["review-invalid"], "{r:#}");

    // Pinning another key rejects the whole log: nothing counts, the run says so.
    p.write("depgate.toml", &p.read("depgate.toml").replace(&a.key(), &stranger.key()));
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert!(run.all_output().contains("not one of the keys pinned"), "{}", run.all_output());
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(p.record("pkg:npm/debug@4.3.4")["reviews"]["verdict"], "unaudited");
}

#[test]
fn review_contradicted_denies_in_the_proxy() {
    let work = tempfile::tempdir().unwrap();
    let npm = FakeNpm::start();
    let logs_host = FakeRepo::start();
    let good = npm.publish("good", "1.0.0", OLD);
    let bad = npm.publish("bad", "1.0.0", OLD);
    let mut a = Log::new();
    a.audit(&npm_subject("good", "1.0.0", &good), &[("is-benign", true)]);
    a.audit(&npm_subject("bad", "1.0.0", &bad), &[("is-benign", false)]);
    let url = a.serve(&logs_host, "a");
    let cfg = work.path().join("depgate.toml");
    std::fs::write(&cfg, config(&npm.url(), &[("a", &url, &a.key())], "")).unwrap();
    let served = Served::start(work.path(), &cfg, &["--current-time", NOW]);
    let registry = served.url("npm");
    let path = |u: String| {
        let rest = u.split_once("://").unwrap().1.to_string();
        rest[rest.find('/').unwrap()..].to_string()
    };
    let (code, head, _) = raw_get(&served.addr(), &path(format!("{registry}good/-/good-1.0.0.tgz")), "");
    assert_eq!(code, 200, "{head}\n{}", served.log());
    let (code, head, body) = raw_get(&served.addr(), &path(format!("{registry}bad/-/bad-1.0.0.tgz")), "");
    assert_eq!(code, 403, "{head}");
    let error = String::from_utf8_lossy(&body).to_string();
    assert!(error.contains("review-contradicted"), "{error}");
    let audit = served.audit();
    assert!(
        audit
            .iter()
            .any(|r| r["purl"] == "pkg:npm/bad@1.0.0" && r["rules"] == serde_json::json!(["review-contradicted"])),
        "{audit:?}"
    );
    served.stop();
}

#[test]
fn pypi_and_maven_artifacts_are_looked_up_by_their_openvet_subjects() {
    const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";
    let repo = FakeRepo::start();
    let logs_host = FakeRepo::start();
    let wheel = repo.publish_py("idna", "3.20", "idna-3.20-py3-none-any.whl", "2025-06-01T00:00:00Z");
    let jar = repo.publish_maven("com.acme:core", "1.2.0", OLD_HTTP);
    let mut a = Log::new();
    let idna = subject("pypi", "idna", "3.20", Some("py3-none-any"), "sha256", &wheel);
    let core = subject("maven", "com.acme:core", "1.2.0", None, "sha256", &jar);
    let idna_audit = a.audit(&idna, &[("is-benign", true)]);
    let core_audit = a.audit(&core, &[("is-benign", false)]);
    let url = a.serve(&logs_host, "a");
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!(
            "[pypi]\nchain = [\"py\"]\n[maven]\nchain = [\"mvn\"]\n\n\
             [upstream.py]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\n\n\
             [upstream.mvn]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n\n\
             [reviews]\n[reviews.logs.a]\nurl = \"{url}\"\nkeys = [\"{}\"]\n",
            repo.simple_url(),
            repo.maven_url(),
            a.key()
        ),
    );
    p.write("requirements.txt", &format!("idna==3.20 \\\n    --hash=sha256:{wheel}\n"));
    p.write(
        "depgate-resolved.json",
        &serde_json::json!({"format": "depgate.resolved/v1", "artifacts": [
            {"group": "com.acme", "name": "core", "version": "1.2.0", "extension": "jar", "sha256": jar}
        ]})
        .to_string(),
    );
    let run = p.depgate(&["check", "--current-time", NOW, "--download"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:pypi/idna@3.20");
    assert_eq!(r["reviews"]["subjects"][0], idna.to_string(), "{r:#}");
    assert_eq!(r["reviews"]["verdict"], oracle(support::openvet::DEFAULT, &idna, &[("a", &idna_audit)]), "{r:#}");
    assert_eq!(r["decision"], "allow", "{r:#}");
    let m = p.record("pkg:maven/com.acme/core@1.2.0");
    assert_eq!(m["reviews"]["subjects"][0], core.to_string(), "{m:#}");
    assert_eq!(m["reviews"]["verdict"], oracle(support::openvet::DEFAULT, &core, &[("a", &core_audit)]), "{m:#}");
    assert_eq!(rules(&m, "deny"), ["review-contradicted"], "{m:#}");
    // The SBOM and the audit log carry the verdict.
    let cdx = p.read("depgate-report/sbom.cdx.json");
    assert!(cdx.contains("\"depgate:review\"") && cdx.contains("depgate:review:logs"), "{cdx}");
    let audit = p.read("depgate-report/audit.jsonl");
    assert!(audit.contains("\"review\":\"fail\""), "{audit}");

    // `depgate trust update` records the reviews; the next version, unreviewed, is reported.
    let run = p.depgate(&["trust", "update"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.all_output().contains("1 passing their reviews"), "{}", run.all_output());
    let trust: Value = serde_json::from_str(&p.read("depgate.trust.json")).unwrap();
    assert_eq!(trust["packages"]["pypi:idna"]["review"], "pass", "{trust:#}");
    let next = repo.publish_py("idna", "3.21", "idna-3.21-py3-none-any.whl", "2025-06-02T00:00:00Z");
    p.write("requirements.txt", &format!("idna==3.21 \\\n    --hash=sha256:{next}\n"));
    std::fs::remove_file(p.path().join("depgate-resolved.json")).unwrap();
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:pypi/idna@3.21");
    assert_eq!(r["reviews"]["verdict"], "unaudited", "{r:#}");
    assert_eq!(rules(&r, "warn"), ["review-disappeared"], "{r:#}");
}
