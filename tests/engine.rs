//! The pipeline in process: `engine::run` against `upstream::MemoryRegistry`, with
//! configurations parsed from TOML text, the builtin policy and a trust root made by the
//! test PKI. No binary, no HTTP server, no files.
//!
//! Covers the chain semantics (ownership, namespace binding, fall-through and failing
//! closed) and the three verification outcomes with their decisions. Assertions read the
//! records' JSON form (the shape `decisions.json` has) through the helpers below, so a
//! change of the record types touches only those helpers.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use depgate::attest::{Stage, Trust};
use depgate::config::Config;
use depgate::ecosystem::{Coordinate, Ecosystem, LockedFile};
use depgate::engine::{Options, Record, Unverifiable, Verification, ViolatedAt};
use depgate::policy::Policy;
use depgate::upstream::{FailKind, MemoryRegistry};
use serde_json::{Value, json};
use support::test_pki::{Pki, Spec};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// --- reading records (the only place that knows their shape) ------------------------------

fn doc(r: &Record) -> Value {
    serde_json::to_value(r).expect("a record serializes")
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// `verified`, `unverifiable`, `violated`.
fn status(r: &Record) -> String {
    text(&doc(r)["verification"]["status"])
}

/// `allow`, `warn`, `quarantine`, `deny`, `error`.
fn decision(r: &Record) -> String {
    text(&doc(r)["decision"])
}

/// The rule ids of the findings, in order.
fn rules(r: &Record) -> Vec<String> {
    doc(r)["findings"].as_array().into_iter().flatten().map(|f| text(&f["rule"])).collect()
}

fn resolution(r: &Record) -> Value {
    doc(r)["resolution"].clone()
}

/// The owning upstream.
fn owner(r: &Record) -> String {
    text(&resolution(r)["upstream"])
}

/// `(upstream, reason)` of every upstream passed over.
fn fell_through(r: &Record) -> Vec<(String, String)> {
    resolution(r)["fell_through"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| (text(&a["upstream"]), text(&a["reason"])))
        .collect()
}

/// `(bound_by, upstream, pattern)` of the ownership.
fn ownership(r: &Record) -> (String, String, Option<String>) {
    let o = &resolution(r)["ownership"];
    (text(&o["bound_by"]), text(&o["upstream"]), o["pattern"].as_str().map(str::to_string))
}

fn attestations(r: &Record) -> Vec<Value> {
    doc(r)["verification"]["attestations"].as_array().cloned().unwrap_or_default()
}

fn reasons(r: &Record) -> String {
    doc(r)["verification"]["reasons"].to_string()
}

// --- timing: the last test to finish reports the wall time of them all --------------------

/// The number of tests in this file (keep in step when adding one).
const TESTS: usize = 14;
static STARTED: OnceLock<Instant> = OnceLock::new();
static FINISHED: AtomicUsize = AtomicUsize::new(0);

struct Timed;

fn timed() -> Timed {
    STARTED.get_or_init(Instant::now);
    Timed
}

impl Drop for Timed {
    fn drop(&mut self) {
        if FINISHED.fetch_add(1, Ordering::SeqCst) + 1 == TESTS
            && let Some(start) = STARTED.get()
        {
            support::report(&format!(
                "tests/engine.rs: {TESTS} in-process pipeline tests took {:.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            ));
        }
    }
}

// --- the pipeline ------------------------------------------------------------------------

const NOW: &str = "2026-01-01T00:00:00Z";

/// One signing instance for the file; its trusted root is what every run trusts.
static PKI: LazyLock<Pki> = LazyLock::new(Pki::new);
static TRUST: LazyLock<Arc<Trust>> = LazyLock::new(|| {
    let mut trust = Trust::empty();
    let root = PKI.sign(&Spec::new(b"root")).trusted_root_json;
    trust.add_root_json("depgate-test-pki", &root).expect("the test PKI's trusted root loads");
    Arc::new(trust)
});

/// The builtin policy with the default settings: no configuration here has a `[policy]`
/// table, and compiling the policy once saves most of each run's time.
static POLICY: LazyLock<Arc<Policy>> = LazyLock::new(|| {
    let cfg = config("", "");
    Arc::new(depgate::load::policy(&cfg.policy, &cfg.base_dir).expect("the builtin policy loads"))
});

/// npm `curated` → `public` (with `npm_extra` under `[npm]`, `curated_extra` under the
/// curated upstream), a `pypi` chain and a `central` (Maven) chain; every upstream at its
/// memory registry URL.
fn config(npm_extra: &str, curated_extra: &str) -> Config {
    let url = MemoryRegistry::url;
    let text = format!(
        r#"[npm]
chain = ["curated", "public"]
{npm_extra}

[pypi]
chain = ["pypi"]

[maven]
chain = ["central"]

[upstream.curated]
kind = "npm"
url = "{curated}"
tier = "curated"
{curated_extra}

[upstream.public]
kind = "npm"
url = "{public}"
tier = "public"

[upstream.pypi]
kind = "pypi-simple"
url = "{pypi}"
tier = "public"

[upstream.central]
kind = "maven"
url = "{central}"
tier = "public"
"#,
        curated = url("curated"),
        public = url("public"),
        pypi = url("pypi"),
        central = url("central"),
    );
    Config::parse(&text, Path::new("memory/depgate.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn run(config: &Config, reg: &MemoryRegistry, coords: &[Coordinate]) -> Vec<Record> {
    run_with(config, reg, coords, false)
}

fn run_with(config: &Config, reg: &MemoryRegistry, coords: &[Coordinate], download: bool) -> Vec<Record> {
    let opts = Options {
        now: OffsetDateTime::parse(NOW, &Rfc3339).unwrap(),
        download,
        concurrency: 8,
        mode: "check",
        repository: None,
        event: None,
        baseline: None,
        full_documents: false,
        advisories: None,
        pgp: None,
        reviews: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(depgate::engine::run(config, reg, &TRUST, &POLICY, coords, &opts))
}

/// A locked npm package, with the integrity the lockfile recorded (if any).
fn npm(name: &str, version: &str, integrity: Option<String>) -> Coordinate {
    let mut c = Coordinate::new(Ecosystem::Npm, name, version, Path::new("package-lock.json"), 1);
    c.direct = true;
    c.integrity = integrity;
    c
}

/// A locked file of a `PyPI` or Maven coordinate, pinned by sha256.
fn pinned(ecosystem: Ecosystem, name: &str, version: &str, file: &str, sha256: &str) -> Coordinate {
    let mut c = Coordinate::new(ecosystem, name, version, Path::new("lockfile"), 1);
    c.direct = true;
    c.files = vec![LockedFile {
        name: Some(file.to_string()),
        url: None,
        hashes: [("sha256".to_string(), sha256.to_string())].into(),
    }];
    c
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

// --- evidence made by the test PKI -------------------------------------------------------

/// A DSSE bundle over `signed` whose statement names `subject` (with a sha512 digest for
/// npm, sha256 otherwise).
fn dsse_bundle(subject: &str, signed: &[u8], sha512: bool) -> Value {
    let spec = Spec { dsse: true, subject_name: subject.into(), subject_sha512: sha512, ..Spec::new(signed) };
    serde_json::from_str(&PKI.sign(&spec).bundle_json).unwrap()
}

/// An npm attestations response holding one SLSA provenance attestation.
fn npm_attestations(bundle: &Value) -> Vec<u8> {
    let response = json!({"attestations": [{"predicateType": "https://slsa.dev/provenance/v1", "bundle": bundle}]});
    serde_json::to_vec(&response).unwrap()
}

/// The same bundle with one bit of its DSSE signature flipped.
fn tampered(mut bundle: Value) -> Value {
    let sig = &mut bundle["dsseEnvelope"]["signatures"][0]["sig"];
    let mut raw = B64.decode(sig.as_str().unwrap()).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    *sig = json!(B64.encode(raw));
    bundle
}

/// A PEP 740 provenance object carrying `bundle` as the attestation of a GitHub Trusted
/// Publisher (the test PKI's repository and workflow).
fn pep740(bundle: &Value) -> Vec<u8> {
    let vm = &bundle["verificationMaterial"];
    let attestation = json!({
        "version": 1,
        "verification_material": {
            "certificate": vm["certificate"]["rawBytes"],
            "transparency_entries": vm["tlogEntries"],
        },
        "envelope": {
            "statement": bundle["dsseEnvelope"]["payload"],
            "signature": bundle["dsseEnvelope"]["signatures"][0]["sig"],
        },
    });
    let publisher = json!({"kind": "GitHub", "repository": "depgate-test/widget", "workflow": "release.yml"});
    serde_json::to_vec(
        &json!({"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": [attestation]}]}),
    )
    .unwrap()
}

// --- the embedded default ----------------------------------------------------------------

/// A project without depgate.toml gets the embedded default: the public registries only,
/// each the first and only upstream of its chain. Their versions younger than the
/// cooldown (7 days) are quarantined all the same; older ones pass.
#[test]
fn the_embedded_default_cools_down_the_public_registries() {
    let _t = timed();
    let cfg = Config::embedded_default();
    let policy = Arc::new(depgate::load::policy(&cfg.policy, &cfg.base_dir).expect("the builtin policy loads"));
    let reg = MemoryRegistry::new();
    let two_days_ago = "2025-12-30T00:00:00.000Z";
    let fresh = reg.npm("npmjs", "fresh", "2.0.0").published(two_days_ago).integrity();
    let settled = reg.npm("npmjs", "settled", "1.0.0").integrity();
    reg.pypi("pypi", "fresh-py", "1.0.0").published(two_days_ago);
    reg.pypi("pypi", "settled-py", "1.0.0");
    reg.maven("central", "org.acme:fresh-jar", "1.0.0").published(two_days_ago);
    reg.maven("central", "org.acme:settled-jar", "1.0.0");
    let coords = [
        npm("fresh", "2.0.0", Some(fresh)),
        npm("settled", "1.0.0", Some(settled)),
        Coordinate::new(Ecosystem::Pypi, "fresh-py", "1.0.0", Path::new("requirements.txt"), 1),
        Coordinate::new(Ecosystem::Pypi, "settled-py", "1.0.0", Path::new("requirements.txt"), 2),
        Coordinate::new(Ecosystem::Maven, "org.acme:fresh-jar", "1.0.0", Path::new("gradle.lockfile"), 1),
        Coordinate::new(Ecosystem::Maven, "org.acme:settled-jar", "1.0.0", Path::new("gradle.lockfile"), 2),
    ];
    let opts = Options {
        now: OffsetDateTime::parse(NOW, &Rfc3339).unwrap(),
        download: false,
        concurrency: 8,
        mode: "check",
        repository: None,
        event: None,
        baseline: None,
        full_documents: false,
        advisories: None,
        pgp: None,
        reviews: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let records = rt.block_on(depgate::engine::run(&cfg, &reg, &TRUST, &policy, &coords, &opts));
    for (r, (upstream, young)) in records.iter().zip([
        ("npmjs", true),
        ("npmjs", false),
        ("pypi", true),
        ("pypi", false),
        ("central", true),
        ("central", false),
    ]) {
        let res = resolution(r);
        assert_eq!((owner(r).as_str(), &res["fallback"], &res["tier"]), (upstream, &json!(false), &json!("public")));
        if young {
            assert_eq!(decision(r), "quarantine", "{:#}", doc(r));
            assert_eq!(rules(r), ["fallback-cooldown"]);
            let f = &doc(r)["findings"][0];
            assert!(
                text(&f["msg"]).contains("published 2.0 days ago on") && text(&f["msg"]).contains("wait 7 days"),
                "{f:#}"
            );
            assert_eq!(text(&f["until"]), "2026-01-06T00:00:00Z", "{f:#}");
        } else {
            assert_eq!(decision(r), "allow", "{:#}", doc(r));
        }
    }
}

// --- ownership -------------------------------------------------------------------------

#[test]
fn an_owned_name_is_never_asked_of_a_lower_upstream() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let ours = reg.npm("curated", "internal-utils", "1.0.0").integrity();
    // The squat: a newer version of the same name on the public registry.
    let squat = reg.npm("public", "internal-utils", "9.9.9").integrity();
    let records = run(
        &config("", ""),
        &reg,
        &[npm("internal-utils", "1.0.0", Some(ours)), npm("internal-utils", "9.9.9", Some(squat))],
    );

    let r = &records[0];
    assert_eq!(owner(r), "curated", "{:#}", doc(r));
    let res = resolution(r);
    assert_eq!(res["tier"], "curated");
    assert_eq!(res["priority"], 1);
    assert_eq!(res["fallback"], false);
    assert_eq!(ownership(r), ("chain".into(), "curated".into(), None));
    assert!(fell_through(r).is_empty());
    assert_eq!(res["lockfile_integrity"], "match");
    assert_eq!(decision(r), "allow", "{:#}", doc(r));

    // The squatted version is looked for at the owner only, and denied there.
    let r = &records[1];
    assert_eq!(owner(r), "curated");
    assert_eq!(resolution(r)["version_found"], false);
    assert_eq!(resolution(r)["owner_latest"], "1.0.0");
    assert_eq!(decision(r), "deny");
    assert_eq!(rules(r), ["not-found-in-owner"]);

    assert!(!reg.asked("public", "internal-utils"), "asked of a lower upstream: {:?}", reg.log());
    // One chain walk serves both versions of the name.
    assert_eq!(reg.names_asked("curated"), ["internal-utils"]);
}

#[test]
fn a_namespace_bound_name_is_never_looked_up_elsewhere_and_fails_closed() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let billing = reg.npm("curated", "@acme/billing", "1.0.0").integrity();
    // The public registry has a bound name the curated upstream lacks.
    let ghost = reg.npm("public", "@acme/ghost", "1.0.0").integrity();
    let cfg = config(r#"namespaces = { "@acme/*" = "curated" }"#, "");
    let records =
        run(&cfg, &reg, &[npm("@acme/billing", "1.0.0", Some(billing)), npm("@acme/ghost", "1.0.0", Some(ghost))]);

    let r = &records[0];
    assert_eq!(owner(r), "curated");
    assert_eq!(ownership(r), ("namespace".into(), "curated".into(), Some("@acme/*".into())));
    assert_eq!(decision(r), "allow", "{:#}", doc(r));

    let r = &records[1];
    assert_eq!(resolution(r)["status"], "not_found", "{:#}", doc(r));
    assert_eq!(ownership(r), ("namespace".into(), "curated".into(), Some("@acme/*".into())));
    assert!(fell_through(r).is_empty());
    assert_eq!(decision(r), "deny");
    assert_eq!(rules(r), ["namespace-not-found"]);

    assert!(reg.asked("curated", "@acme/ghost"));
    assert!(!reg.asked("public", "@acme/ghost"), "a bound name was asked of another upstream: {:?}", reg.log());
    assert!(reg.names_asked("public").is_empty());
}

// --- fall-through ------------------------------------------------------------------------

#[test]
fn a_name_the_first_upstream_lacks_falls_through_to_the_next() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let i = reg.npm("public", "ms", "2.1.3").integrity();
    let records = run(&config("", ""), &reg, &[npm("ms", "2.1.3", Some(i))]);
    let r = &records[0];
    assert_eq!(owner(r), "public", "{:#}", doc(r));
    let res = resolution(r);
    assert_eq!(res["tier"], "public");
    assert_eq!(res["priority"], 2);
    assert_eq!(res["fallback"], true);
    assert_eq!(fell_through(r), [("curated".to_string(), "not_found".to_string())]);
    assert_eq!(ownership(r), ("chain".into(), "public".into(), None));
    // Old enough for the fallback cooldown; no evidence is not a reason to block.
    assert_eq!(decision(r), "allow", "{:#}", doc(r));
    assert_eq!(reg.names_asked("curated"), ["ms"]);
    assert_eq!(reg.names_asked("public"), ["ms"]);
}

#[test]
fn a_server_error_fails_closed_unless_the_upstream_lets_it_fall_through() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let i = reg.npm("public", "ms", "2.1.3").integrity();
    reg.fail("curated", "ms", FailKind::Http5xx);

    // Default `fall_through = ["not_found"]`: no decision is possible.
    let records = run(&config("", ""), &reg, &[npm("ms", "2.1.3", Some(i.clone()))]);
    let r = &records[0];
    let res = resolution(r);
    assert_eq!(res["status"], "error", "{:#}", doc(r));
    assert_eq!(res["upstream"], "curated");
    assert_eq!(res["error"]["kind"], "http_5xx");
    assert_eq!(res["error"]["status"], 503);
    assert_eq!(decision(r), "error");
    assert_eq!(rules(r), ["upstream-failure"]);
    assert!(!reg.asked("public", "ms"), "{:?}", reg.log());

    // Configured to fall through on 5xx: served by public, with the reason recorded.
    reg.clear_log();
    let cfg = config("", r#"fall_through = ["not_found", "http_5xx"]"#);
    let records = run(&cfg, &reg, &[npm("ms", "2.1.3", Some(i))]);
    let r = &records[0];
    assert_eq!(owner(r), "public", "{:#}", doc(r));
    assert_eq!(resolution(r)["fallback"], true);
    assert_eq!(fell_through(r), [("curated".to_string(), "http_5xx".to_string())]);
    assert!(text(&resolution(r)["fell_through"][0]["detail"]).contains("503"));
    assert_eq!(decision(r), "allow", "{:#}", doc(r));
    assert!(reg.asked("public", "ms"));
}

#[test]
fn each_failure_falls_through_only_for_its_own_configured_reason() {
    let _t = timed();
    let everything = r#"fall_through = ["not_found", "http_5xx", "timeout", "auth"]"#;
    let cases = [
        (FailKind::Auth, r#"fall_through = ["auth"]"#, Some("auth")),
        (FailKind::Auth, r#"fall_through = ["not_found", "http_5xx"]"#, None),
        (FailKind::Timeout, r#"fall_through = ["timeout"]"#, Some("timeout")),
        (FailKind::Timeout, "", None),
        // Failures with no fall-through reason never fall through, whatever is configured.
        (FailKind::Connect, everything, None),
        (FailKind::Invalid, everything, None),
        (FailKind::Status, everything, None),
    ];
    for (kind, extra, falls) in cases {
        let reg = MemoryRegistry::new();
        let i = reg.npm("public", "ms", "2.1.3").integrity();
        reg.fail("curated", "*", kind);
        let records = run(&config("", extra), &reg, &[npm("ms", "2.1.3", Some(i))]);
        let r = &records[0];
        if let Some(reason) = falls {
            assert_eq!(owner(r), "public", "{kind:?} with {extra}: {:#}", doc(r));
            assert_eq!(fell_through(r), [("curated".to_string(), reason.to_string())]);
            assert_eq!(decision(r), "allow");
        } else {
            assert_eq!(resolution(r)["status"], "error", "{kind:?} with {extra}: {:#}", doc(r));
            assert_eq!(decision(r), "error");
            assert!(!reg.asked("public", "ms"), "{kind:?} with {extra}: {:?}", reg.log());
        }
    }
}

// --- verification outcomes -----------------------------------------------------------------

const WIDGET: &[u8] = b"widget-1.0.0.tgz: the bytes that were built\n";

#[test]
fn npm_provenance_signed_for_the_tarball_is_verified() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let bundle = dsse_bundle("pkg:npm/widget@1.0.0", WIDGET, true);
    let i = reg.npm("curated", "widget", "1.0.0").tarball(WIDGET).attestations(&npm_attestations(&bundle)).integrity();
    let records = run(&config("", ""), &reg, &[npm("widget", "1.0.0", Some(i))]);
    let r = &records[0];
    assert_eq!(status(r), "verified", "{:#}", doc(r));
    let atts = attestations(r);
    assert_eq!(atts.len(), 1);
    assert_eq!(atts[0]["kind"], "provenance");
    assert_eq!(atts[0]["verified"], true);
    assert_eq!(atts[0]["predicate_type"], "https://slsa.dev/provenance/v1");
    assert_eq!(atts[0]["source_repo"], support::test_pki::REPO, "{:#}", atts[0]);
    assert_eq!(doc(r)["verification"]["evidence"], "upstream");
    assert_eq!(decision(r), "allow", "{:#}", doc(r));
    assert!(
        reg.log().iter().any(|q| q.url.as_deref().is_some_and(|u| u.contains("/-/npm/v1/attestations/widget@1.0.0")))
    );
}

#[test]
fn tampered_or_misdirected_npm_provenance_is_violated_and_denied() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let genuine = dsse_bundle("pkg:npm/widget@1.0.0", WIDGET, true);
    let a = reg
        .npm("curated", "widget", "1.0.0")
        .tarball(WIDGET)
        .attestations(&npm_attestations(&tampered(genuine)))
        .integrity();
    // Signed properly, but over other bytes than the tarball the registry lists.
    let other = dsse_bundle("pkg:npm/gadget@1.0.0", b"some other tarball", true);
    let b = reg
        .npm("curated", "gadget", "1.0.0")
        .tarball(b"gadget bytes")
        .attestations(&npm_attestations(&other))
        .integrity();
    // Signed for these bytes, but about another package.
    let misnamed = dsse_bundle("pkg:npm/widget@1.0.0", b"gizmo bytes", true);
    let c = reg
        .npm("curated", "gizmo", "1.0.0")
        .tarball(b"gizmo bytes")
        .attestations(&npm_attestations(&misnamed))
        .integrity();
    let records = run(
        &config("", ""),
        &reg,
        &[npm("widget", "1.0.0", Some(a)), npm("gadget", "1.0.0", Some(b)), npm("gizmo", "1.0.0", Some(c))],
    );
    for r in &records {
        assert_eq!(status(r), "violated", "{:#}", doc(r));
        assert_eq!(attestations(r)[0]["verified"], false);
        assert_eq!(decision(r), "deny");
        assert_eq!(rules(r), ["signature-violated"]);
    }
    assert_eq!(attestations(&records[1])[0]["failure"]["stage"], "subject", "{:#}", doc(&records[1]));
    assert_eq!(attestations(&records[2])[0]["failure"]["stage"], "subject", "{:#}", doc(&records[2]));
    // The typed outcome says where each failed: the flipped signature at the signature
    // stage, the other two at the subject.
    let at = |r: &Record| match &r.evidence.verification {
        Verification::Violated(v) => v.at,
        other => panic!("not violated: {other:?}"),
    };
    assert_eq!(at(&records[0]), ViolatedAt::Stage(Stage::Signature));
    assert_eq!(at(&records[1]), ViolatedAt::Stage(Stage::Subject));
    assert_eq!(at(&records[2]), ViolatedAt::Stage(Stage::Subject));
}

#[test]
fn attestations_advertised_but_not_served_are_violated() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let i = reg.npm("curated", "widget", "1.0.0").tarball(WIDGET).advertise_attestations().integrity();
    let records = run(&config("", ""), &reg, &[npm("widget", "1.0.0", Some(i))]);
    let r = &records[0];
    assert_eq!(status(r), "violated", "{:#}", doc(r));
    assert!(reasons(r).contains("advertises attestations"), "{}", reasons(r));
    assert_eq!(decision(r), "deny");
    assert_eq!(rules(r), ["signature-violated"]);
}

#[test]
fn no_evidence_is_unverifiable_and_allowed_by_default() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let i = reg.npm("curated", "left-pad", "1.3.0").tarball(b"left-pad").integrity();
    let records = run(&config("", ""), &reg, &[npm("left-pad", "1.3.0", Some(i))]);
    let r = &records[0];
    assert_eq!(status(r), "unverifiable", "{:#}", doc(r));
    assert!(attestations(r).is_empty());
    assert_eq!(decision(r), "allow", "{:#}", doc(r));
    assert!(rules(r).is_empty());
    // No URL was advertised or configured, so none was asked for.
    assert!(reg.log().iter().all(|q| q.url.is_none()), "{:?}", reg.log());
    assert!(matches!(r.evidence.verification, Verification::Unverifiable(Unverifiable::NotPublished)));
}

#[test]
fn maven_sigstore_bundles_beside_the_jar_verify_or_violate() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let good_jar: &[u8] = b"com.acme:widget:1.0.0 jar";
    let bundle = PKI.sign(&Spec::new(good_jar)).bundle_json;
    let good = reg.maven("central", "com.acme:widget", "1.0.0").jar(good_jar).sigstore(bundle.as_bytes());
    let bad_jar: &[u8] = b"com.acme:gadget:1.0.0 jar";
    let wrong = PKI.sign(&Spec::new(b"another jar")).bundle_json;
    reg.maven("central", "com.acme:gadget", "1.0.0").jar(bad_jar).sigstore(wrong.as_bytes());
    reg.maven("central", "com.acme:plain", "2.0.0");
    assert!(good.jar_url().ends_with("com/acme/widget/1.0.0/widget-1.0.0.jar"), "{}", good.jar_url());

    let records = run(
        &config("", ""),
        &reg,
        &[
            pinned(Ecosystem::Maven, "com.acme:widget", "1.0.0", "widget-1.0.0.jar", &sha256_hex(good_jar)),
            pinned(Ecosystem::Maven, "com.acme:gadget", "1.0.0", "gadget-1.0.0.jar", &sha256_hex(bad_jar)),
            Coordinate::new(Ecosystem::Maven, "com.acme:plain", "2.0.0", Path::new("lockfile"), 1),
        ],
    );
    let [widget, gadget, plain] = &records[..] else { panic!("three records") };
    assert_eq!(owner(widget), "central");
    assert_eq!(resolution(widget)["lockfile_integrity"], "match", "{:#}", doc(widget));
    assert_eq!(status(widget), "verified", "{:#}", doc(widget));
    assert_eq!(attestations(widget)[0]["kind"], "signature");
    assert_eq!(decision(widget), "allow", "{:#}", doc(widget));
    assert_eq!(status(gadget), "violated", "{:#}", doc(gadget));
    assert_eq!(decision(gadget), "deny");
    assert_eq!(status(plain), "unverifiable", "{:#}", doc(plain));
    assert_eq!(decision(plain), "allow", "{:#}", doc(plain));
}

#[test]
fn pypi_pep740_provenance_verifies_against_its_trusted_publisher() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let wheel_name = "widget-1.0.0-py3-none-any.whl";
    let wheel: &[u8] = b"widget wheel bytes";
    let bundle = dsse_bundle(wheel_name, wheel, false);
    reg.pypi("pypi", "widget", "1.0.0").file(wheel_name, wheel).provenance(wheel_name, &pep740(&bundle));
    let tampered_bundle = tampered(dsse_bundle("gadget-2.0-py3-none-any.whl", b"gadget wheel", false));
    reg.pypi("pypi", "Gadget", "2.0")
        .file("gadget-2.0-py3-none-any.whl", b"gadget wheel")
        .provenance("gadget-2.0-py3-none-any.whl", &pep740(&tampered_bundle));
    let sdist = reg.pypi("pypi", "plain", "0.1").sha256("plain-0.1.tar.gz").expect("the default sdist");

    let records = run(
        &config("", ""),
        &reg,
        &[
            pinned(Ecosystem::Pypi, "widget", "1.0.0", wheel_name, &sha256_hex(wheel)),
            pinned(Ecosystem::Pypi, "gadget", "2.0", "gadget-2.0-py3-none-any.whl", &sha256_hex(b"gadget wheel")),
            pinned(Ecosystem::Pypi, "plain", "0.1", "plain-0.1.tar.gz", &sdist),
        ],
    );
    let [widget, gadget, plain] = &records[..] else { panic!("three records") };
    assert_eq!(status(widget), "verified", "{:#}", doc(widget));
    assert_eq!(resolution(widget)["file"], wheel_name);
    assert_eq!(decision(widget), "allow", "{:#}", doc(widget));
    assert_eq!(status(gadget), "violated", "{:#}", doc(gadget));
    assert_eq!(decision(gadget), "deny");
    assert_eq!(status(plain), "unverifiable", "{:#}", doc(plain));
    assert_eq!(resolution(plain)["lockfile_integrity"], "match");
    assert_eq!(decision(plain), "allow", "{:#}", doc(plain));
}

// --- artifacts -------------------------------------------------------------------------------

#[test]
fn downloads_are_checked_against_the_owners_digest_and_cached() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let release = reg.npm("curated", "left-pad", "1.3.0").tarball(b"left-pad 1.3.0");
    let (i, url) = (release.integrity(), release.tarball_url());
    let cfg = config("", "");
    let coords = [npm("left-pad", "1.3.0", Some(i))];

    let r = &run_with(&cfg, &reg, &coords, true)[0];
    assert_eq!(resolution(r)["artifact_integrity"], "match", "{:#}", doc(r));
    assert_eq!(resolution(r)["cache"], "miss");
    let r = &run_with(&cfg, &reg, &coords, true)[0];
    assert_eq!(resolution(r)["cache"], "hit");

    // The registry's metadata stays, the bytes behind it change: denied. (A fresh
    // registry, so that its artifact cache does not answer first.)
    let reg = MemoryRegistry::new();
    let i = reg.npm("curated", "left-pad", "1.3.0").tarball(b"left-pad 1.3.0").integrity();
    reg.serve(&url, b"left-pad 1.3.0, with a surprise");
    let r = &run_with(&cfg, &reg, &[npm("left-pad", "1.3.0", Some(i.clone()))], true)[0];
    assert_eq!(resolution(r)["artifact_integrity"], "mismatch", "{:#}", doc(r));
    assert_eq!(decision(r), "deny");
    assert_eq!(rules(r), ["integrity-mismatch"]);

    // Listed but not served, or failing: no decision (fail closed).
    reg.withdraw(&url);
    let r = &run_with(&cfg, &reg, &[npm("left-pad", "1.3.0", Some(i.clone()))], true)[0];
    assert_eq!(decision(r), "error", "{:#}", doc(r));
    reg.fail_url(&url, FailKind::Timeout);
    let r = &run_with(&cfg, &reg, &[npm("left-pad", "1.3.0", Some(i))], true)[0];
    assert_eq!(resolution(r)["error"]["kind"], "timeout", "{:#}", doc(r));
    assert_eq!(decision(r), "error");
}

#[test]
fn evidence_that_cannot_be_fetched_leaves_no_decision() {
    let _t = timed();
    let reg = MemoryRegistry::new();
    let release = reg.npm("curated", "widget", "1.0.0").tarball(WIDGET).advertise_attestations();
    reg.fail_url(&release.attestations_url(), FailKind::Http5xx);
    let records = run(&config("", ""), &reg, &[npm("widget", "1.0.0", Some(release.integrity()))]);
    let r = &records[0];
    assert_eq!(resolution(r)["status"], "error", "{:#}", doc(r));
    assert!(text(&resolution(r)["error"]["message"]).contains("attestations could not be fetched"));
    assert_eq!(decision(r), "error");
    assert_eq!(rules(r), ["upstream-failure"]);
}
