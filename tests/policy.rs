//! Policy as a product: the input schema against what the engine really builds, Rego
//! conformance with OPA (`opa eval` and `opa test`), tier-aware cooldown and trust
//! downgrades end to end, `policy test`/`eval`/`schema`, syntax errors with `file:line:col`.
//!
//! Tools from outside Rust (`opa`, Python's `jsonschema`) are installed by scripts/test.sh.
//! Without them a test prints a SKIPPED line, unless `DEPGATE_REQUIRE_TOOLS=1` (CI), where
//! a missing tool fails the test.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use depgate::policy::{self, Finding, Outcome, Policy};
use serde_json::{Value, json};
use support::fake_npm::FakeNpm;
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_tools() -> bool {
    std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// A line the test harness does not capture (counts people should see).
fn report(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A tool is missing: fail under CI, say SKIPPED (visibly) otherwise.
fn skip(what: &str) {
    assert!(!require_tools(), "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it");
    support::skipped(&format!("{what} is not installed (scripts/test.sh installs it)"));
}

fn opa() -> Option<PathBuf> {
    support::opa()
}

fn depgate(args: &[&str], cwd: &Path) -> support::Run {
    support::depgate_in(args, cwd)
}

struct Case {
    name: String,
    input: Value,
    expect: Value,
}

fn cases(suite: &str) -> Vec<Case> {
    let path = root().join(format!("testdata/policy/conformance/{suite}/cases.json"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc.as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().into(),
            input: c["input"].clone(),
            expect: c["expect"].clone(),
        })
        .collect()
}

fn suite_policy(suite: &str) -> Policy {
    let cfg_path = root().join(format!("testdata/policy/conformance/{suite}/depgate.toml"));
    let cfg = depgate::config::Config::parse(&std::fs::read_to_string(&cfg_path).unwrap(), &cfg_path).unwrap();
    depgate::load::policy(&cfg.policy, &cfg.base_dir).unwrap()
}

fn codes(o: &Outcome) -> Value {
    let list = |l: &[Finding]| {
        let mut v: Vec<&str> = l.iter().map(|f| f.rule.as_str()).collect();
        v.sort_unstable();
        json!(v)
    };
    json!({"deny": list(&o.deny), "quarantine": list(&o.quarantine), "warn": list(&o.warn)})
}

/// Every case decides as expected, on the VM and on the interpreter alike, and every
/// finding explains itself (names the package, has a remedy, quarantines say until).
#[test]
fn conformance_cases_decide_as_expected_and_explain_themselves() {
    let mut every_builtin_rule = std::collections::BTreeSet::new();
    for suite in ["main", "user"] {
        let policy = suite_policy(suite);
        assert!(policy.uses_vm(), "suite {suite} runs on the bytecode VM");
        let mut vm = policy.evaluator();
        let mut interp = policy.interpreter();
        for c in cases(suite) {
            let a = vm.evaluate(&c.input).unwrap();
            assert_eq!(a, interp.evaluate(&c.input).unwrap(), "VM and interpreter differ on {suite}/{}", c.name);
            assert_eq!(codes(&a), c.expect, "{suite}/{}", c.name);
            let purl = c.input["package"]["purl"].as_str().unwrap();
            for f in a.deny.iter().chain(&a.quarantine).chain(&a.warn) {
                every_builtin_rule.insert(f.rule.clone());
                assert!(f.msg.contains(purl), "{suite}/{}: the message names the package: {f:?}", c.name);
                assert!(f.remedy.as_deref().is_some_and(|r| r.len() > 10), "{suite}/{}: a remedy: {f:?}", c.name);
            }
            for f in &a.quarantine {
                assert!(f.until.as_deref().is_some_and(|u| u.ends_with('Z')), "{suite}/{}: until: {f:?}", c.name);
            }
        }
    }
    let missing: Vec<&str> =
        policy::BUILTIN_RULES.iter().map(|r| r.code).filter(|c| !every_builtin_rule.contains(*c)).collect();
    assert!(missing.is_empty(), "builtin rules without a conformance case: {missing:?}");
}

/// What `opa eval` decides for `inputs` with the policy bundle of conformance suite
/// `suite` (findings sorted like depgate's).
fn opa_outcomes(opa: &Path, suite: &str, inputs: &[Value]) -> Vec<Outcome> {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = root().join(format!("testdata/policy/conformance/{suite}/depgate.toml"));
    let bundle = tmp.path().join("bundle");
    let run = depgate(
        &["policy", "bundle", "--out", bundle.to_str().unwrap(), "--config", cfg.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    // OPA sees what depgate's policy sees: the input with its derived fields.
    let inputs: Vec<Value> = inputs.iter().map(policy::prepare_input).collect();
    let inputs_file = tmp.path().join("inputs.json");
    std::fs::write(&inputs_file, json!({"conformance": {"inputs": inputs}}).to_string()).unwrap();
    let query = "[r | some x in data.conformance.inputs; \
                 d := data.depgate.deny with input as x; q := data.depgate.quarantine with input as x; \
                 w := data.depgate.warn with input as x; r := {\"deny\": d, \"quarantine\": q, \"warn\": w}]";
    let out = Command::new(opa)
        .args(["eval", "--strict-builtin-errors", "--format", "json", "-d"])
        .arg(&bundle)
        .arg("-d")
        .arg(&inputs_file)
        .arg(query)
        .output()
        .unwrap();
    assert!(out.status.success(), "opa eval failed: {}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["result"][0]["expressions"][0]["value"].as_array().unwrap().clone();
    assert_eq!(results.len(), inputs.len());
    results
        .into_iter()
        .map(|theirs| {
            let mut theirs: Outcome = serde_json::from_value(theirs).unwrap();
            for l in [&mut theirs.deny, &mut theirs.quarantine, &mut theirs.warn] {
                l.sort();
            }
            theirs
        })
        .collect()
}

/// The builtin policy and the user-policy fixtures decide every case identically on
/// depgate and on `opa eval` (findings compared whole: rule, message, remedy, until).
#[test]
fn conformance_with_opa_eval() {
    let Some(opa) = opa() else { return skip("opa") };
    let (mut total, mut same) = (0, 0);
    for suite in ["main", "user"] {
        let cases = cases(suite);
        let inputs: Vec<Value> = cases.iter().map(|c| c.input.clone()).collect();
        let results = opa_outcomes(&opa, suite, &inputs);
        let policy = suite_policy(suite);
        let mut ev = policy.evaluator();
        for (c, theirs) in cases.iter().zip(results) {
            let ours = ev.evaluate(&c.input).unwrap();
            total += 1;
            if ours == theirs {
                same += 1;
            } else {
                eprintln!("DIFFERENT {suite}/{}:\n  depgate: {ours:?}\n  opa:     {theirs:?}", c.name);
            }
        }
    }
    report(&format!("conformance: {same}/{total} inputs decided identically by depgate and opa eval"));
    assert!(total >= 40, "at least 40 conformance inputs");
    assert_eq!(same, total, "depgate and opa disagree");
}

/// A package that hundreds of advisories name (old tensorflow and electron releases do)
/// is decided, one finding per advisory, as the interpreter and `opa eval` decide it.
/// regorus stops a decision after 25,000 VM steps unless told otherwise, which the
/// builtin policy reached at about 25 advisories.
#[test]
fn a_package_with_hundreds_of_advisories_is_decided() {
    let case =
        cases("main").into_iter().find(|c| c.name == "vulnerability ignored by its alias until a later date").unwrap();
    let mut input = case.input.clone();
    let first = input["package"]["advisories"][0].clone();
    let severities = ["high", "critical", "moderate", "low", "unknown"];
    let (mut deny, mut unfixed, mut below) = (0, 0, 0);
    let mut advisories = vec![first.clone()]; // ignored by its alias, until 2099
    for i in 1..400 {
        let mut a = first.clone();
        let severity = severities[i % severities.len()];
        let fixed = i % 7 != 0;
        a["id"] = json!(format!("GHSA-gen{i:04}-xxxx-xxxx"));
        a["aliases"] = json!([format!("CVE-2020-{i}")]);
        a["severity"] = json!(severity);
        a["fixed"] = if fixed { json!(["2.0.0"]) } else { json!([]) };
        advisories.push(a);
        let at_threshold = matches!(severity, "high" | "critical" | "unknown");
        deny += usize::from(at_threshold);
        unfixed += usize::from(!fixed);
        below += usize::from(fixed && !at_threshold);
    }
    input["package"]["advisories"] = json!(advisories);
    let policy = suite_policy("main");
    let ours = policy.evaluator().evaluate(&input).expect("decided on the VM");
    assert_eq!(ours, policy.interpreter().evaluate(&input).unwrap(), "VM and interpreter agree");
    let count = |l: &[Finding], rule: &str| l.iter().filter(|f| f.rule == rule).count();
    assert_eq!(count(&ours.deny, "vulnerability"), deny);
    assert_eq!(count(&ours.warn, "vulnerability-unfixed"), unfixed);
    assert_eq!(count(&ours.warn, "vulnerability-below-threshold"), below);
    assert_eq!(count(&ours.warn, "advisory-ignored"), 1);
    let Some(opa) = opa() else { return skip("opa") };
    assert_eq!(opa_outcomes(&opa, "main", &[input]), vec![ours], "depgate and opa eval agree");
}

/// The builtin policy's own Rego tests pass on depgate and on `opa test`, with the same
/// counts; a failing test makes `depgate policy test` exit non-zero.
#[test]
fn policy_test_runs_rego_tests_like_opa_test() {
    let run = depgate(&["policy", "test", "policy/"], &root());
    assert_eq!(run.code, 0, "{}", run.all_output());
    let ours = run.stdout.lines().find(|l| l.starts_with("PASS: ")).unwrap().to_string();
    let user = depgate(
        &[
            "policy",
            "test",
            "--config",
            "testdata/policy/conformance/user/depgate.toml",
            "testdata/policy/conformance/user",
        ],
        &root(),
    );
    assert_eq!(user.code, 0, "{}", user.all_output());
    assert!(user.stdout.contains("2 passed, 0 failed"), "{}", user.stdout);
    let failing = depgate(&["policy", "test", "testdata/policy/failing"], &root());
    assert_eq!(failing.code, 1, "{}", failing.all_output());
    assert!(
        failing.stdout.contains("FAIL  data.failing_test.test_fails (testdata/policy/failing/failing_test.rego:10)"),
        "{}",
        failing.stdout
    );
    assert!(failing.stdout.contains("1 passed, 1 failed"), "{}", failing.stdout);
    let Some(opa) = opa() else { return skip("opa") };
    let out = Command::new(opa).args(["test", "policy/"]).current_dir(root()).output().unwrap();
    let theirs = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "opa test: {theirs}");
    assert_eq!(theirs.lines().find(|l| l.starts_with("PASS: ")), Some(ours.as_str()), "same counts as opa test");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let run = depgate(&["policy", "test", "testdata/policy/syntax"], &root());
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("testdata/policy/syntax/broken.rego:5:1"), "{}", run.stderr);
    let p = Project::new();
    p.write("rules/broken.rego", &std::fs::read_to_string(root().join("testdata/policy/syntax/broken.rego")).unwrap());
    p.write("depgate.toml", "[policy]\nfiles = [\"rules/*.rego\"]\n");
    p.write("package-lock.json", r#"{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"}}}"#);
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("rules/broken.rego:5:1"), "{}", run.stderr);
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
}

#[test]
fn policy_eval_prints_the_decision_and_the_rules_that_fired() {
    let tmp = tempfile::tempdir().unwrap();
    let c = cases("main").into_iter().find(|c| c.name == "young public fallback").unwrap();
    let input = tmp.path().join("input.json");
    std::fs::write(&input, c.input.to_string()).unwrap();
    let cfg = root().join("testdata/policy/conformance/main/depgate.toml");
    let run =
        depgate(&["policy", "eval", "--input", input.to_str().unwrap(), "--config", cfg.to_str().unwrap()], tmp.path());
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout.starts_with("pkg:npm/fresh@1.0.0: quarantine\n  quarantine fallback-cooldown\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("until 2025-11-09T00:00:00Z"), "public waits 14 days: {}", run.stdout);
    assert!(
        run.stdout.contains("cooldown_exempt = [\"pkg:npm/fresh@1.0.0\"]"),
        "the exemption key to add: {}",
        run.stdout
    );
    let json_run = depgate(
        &["policy", "eval", "--input", input.to_str().unwrap(), "--config", cfg.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    let v: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(v["decision"], "quarantine");
    std::fs::write(&input, "{\n  \"package\": \n}").unwrap();
    let bad = depgate(&["policy", "eval", "--input", input.to_str().unwrap()], tmp.path());
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("input.json:3:1"), "{}", bad.stderr);
}

#[test]
fn policy_schema_is_the_published_file() {
    let run = depgate(&["policy", "schema"], &root());
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, std::fs::read_to_string(root().join("schema/depgate.input.v1.schema.json")).unwrap());
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["title"], policy::INPUT_SCHEMA_ID);
}

/// Run the real engine over the demo project (with a baseline, so `input.baseline` is
/// filled) and validate every input it builds, plus every conformance input, against
/// the published schema.
#[test]
fn every_input_the_engine_builds_validates_against_the_schema() {
    let demo = root().join("testdata/demo");
    let tmp = tempfile::tempdir().unwrap();
    let config = depgate::commands::load_config(None, &demo).unwrap();
    let now =
        time::OffsetDateTime::parse("2025-11-20T00:00:00Z", &time::format_description::well_known::Rfc3339).unwrap();
    // Advisories for two demo packages (a vulnerability with a fix, malware), so that
    // `advisories` and `package.advisories` reach the inputs validated below.
    let osv = tmp.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(
        osv.join("GHSA-test-debug.json"),
        json!({"id": "GHSA-test-debug", "modified": "2025-01-01T00:00:00Z", "published": "2024-01-01T00:00:00Z",
               "aliases": ["CVE-2099-1"], "summary": "ReDoS in debug",
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
               "affected": [{"package": {"ecosystem": "npm", "name": "debug"},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.3.5"}]}]}]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        osv.join("MAL-test-left-pad.json"),
        json!({"id": "MAL-test-left-pad", "modified": "2025-01-01T00:00:00Z",
               "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.3.0"]}]})
        .to_string(),
    )
    .unwrap();
    let req = |out: &str| depgate::commands::CheckRequest {
        project: demo.clone(),
        lockfiles: Vec::new(),
        resolved: Vec::new(),
        config: config.clone(),
        out: tmp.path().join(out),
        format: depgate::cli::Format::Json,
        download: false,
        cache_dir: tmp.path().join("cache"),
        refresh: false,
        concurrency: 4,
        now,
        trusted_roots: Vec::new(),
        random_serial: false,
        context: depgate::audit::RunnerContext::default(),
        advisories: depgate::cli::AdvisorySourceArgs::default(),
        advisories_only: false,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(depgate::commands::check(req("first"), false)).unwrap();
    // A baseline in which every package was curated, first in chain and verified.
    let mut decisions: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("first/decisions.json")).unwrap()).unwrap();
    for r in decisions["decisions"].as_array_mut().unwrap() {
        if r["resolution"].is_object() {
            r["resolution"]["tier"] = json!("curated");
            r["resolution"]["fallback"] = json!(false);
            r["verification"] = json!({"status": "verified", "attestations": [
                {"issuer": "https://token.actions.githubusercontent.com", "source_repo": "https://github.com/x/y",
                 "workflow": ".github/workflows/release.yml", "predicate_type": "https://slsa.dev/provenance/v1"}]});
        }
    }
    let base_file = tmp.path().join("base.json");
    std::fs::write(&base_file, decisions.to_string()).unwrap();
    let mut second = req("second");
    second.advisories = depgate::cli::AdvisorySourceArgs { db: vec![osv.clone()], max_age: Some("never".into()) };
    let (_, records) = rt.block_on(depgate::commands::check_with_baseline(second, Some(&base_file), false)).unwrap();
    let baseline =
        depgate::policy::Baseline::from_json(&decisions.to_string(), &base_file.display().to_string()).unwrap();
    let opts = depgate::engine::Options {
        now,
        download: false,
        concurrency: 4,
        mode: "check",
        repository: Some("acme/app".into()),
        event: Some("pull_request".into()),
        baseline: Some(std::sync::Arc::new(baseline)),
        full_documents: false,
        advisories: None,
        pgp: None,
        reviews: None,
    };
    let mut docs: Vec<Value> =
        records.iter().map(|r| policy::prepare_input(&depgate::engine::policy_input(r, &opts))).collect();
    assert!(docs.len() >= 5, "the demo has packages");
    assert!(docs.iter().any(|d| d["baseline"].is_object()), "baselines reach the input");
    assert!(docs.iter().any(|d| d["baseline"].is_null()), "non-registry packages have no baseline");
    assert!(docs.iter().any(|d| d["package"]["advisories"][0]["kind"] == "malware"), "advisories reach the input");
    assert!(docs.iter().any(|d| d["advisories"]["status"] == "checked"), "the advisories slot reaches the input");
    // The downgrade reached the decisions: public packages were curated in the baseline.
    let downgraded: Vec<&str> = records
        .iter()
        .filter(|r| r.findings.iter().any(|f| f.finding.rule == "trust-downgrade-tier"))
        .map(|r| r.package.purl.as_str())
        .collect();
    assert!(!downgraded.is_empty(), "fallback packages are downgrades against an all-curated baseline");
    for suite in ["main", "user"] {
        docs.extend(cases(suite).iter().map(|c| policy::prepare_input(&c.input)));
    }
    let file = tmp.path().join("inputs.json");
    std::fs::write(&file, serde_json::to_string(&docs).unwrap()).unwrap();
    let out = Command::new("python3")
        .arg(root().join("testdata/policy/validate_schema.py"))
        .arg(root().join("schema/depgate.input.v1.schema.json"))
        .arg(&file)
        .output();
    match out {
        Ok(o) if o.status.code() == Some(3) || o.status.code().is_none() => skip("python3 with jsonschema"),
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "inputs do not match the schema:\n{text}{}",
                String::from_utf8_lossy(&o.stderr)
            );
            report(&format!("schema: {}", text.trim()));
        }
        Err(_) => skip("python3"),
    }
}

/// The same young version: quarantined from the fallback tier (until = publish time + its
/// tier's days), allowed from the curated tier, and allowed when exempted by purl or
/// listed as a security fix.
#[test]
fn tier_aware_cooldown_end_to_end() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let from_public = public.publish("fresh", "1.0.0", YOUNG);
    let from_curated = curated.publish("fresh-curated", "1.0.0", YOUNG);
    let exempt = public.publish("exempted", "1.0.0", YOUNG);
    let fix = public.publish("patched", "2.0.1", YOUNG);
    let old = public.publish("settled", "1.0.0", OLD);
    let p = Project::new();
    p.write(
        "depgate.toml",
        &chain_config(
            &curated.url(),
            &public.url(),
            "",
            "quarantine_days = 3\ncooldown_exempt = [\"pkg:npm/exempted@*\"]\n\n[policy.tiers.public]\nquarantine_days = 10\n\n[policy.security_fixes]\n\"patched@2.0.1\" = \"GHSA-1234: fixes prototype pollution\"",
        ),
    );
    let tgz = |reg: &FakeNpm, n: &str, v: &str| format!("{}{n}/-/{n}-{v}.tgz", reg.url());
    p.write(
        "package-lock.json",
        &package_lock_v3(&[
            Locked::new("fresh", "1.0.0", &from_public, tgz(&public, "fresh", "1.0.0")),
            Locked::new("fresh-curated", "1.0.0", &from_curated, tgz(&curated, "fresh-curated", "1.0.0")),
            Locked::new("exempted", "1.0.0", &exempt, tgz(&public, "exempted", "1.0.0")),
            Locked::new("patched", "2.0.1", &fix, tgz(&public, "patched", "2.0.1")),
            Locked::new("settled", "1.0.0", &old, tgz(&public, "settled", "1.0.0")),
        ]),
    );
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/fresh@1.0.0");
    assert_eq!(r["decision"], "quarantine");
    assert_eq!(r["findings"][0]["rule"], "fallback-cooldown");
    assert_eq!(r["findings"][0]["until"], "2026-01-09T00:00:00Z", "the public tier waits 10 days, not the global 3");
    assert!(r["findings"][0]["msg"].as_str().unwrap().contains("on public (tier public)"), "{r}");
    assert_eq!(p.record("pkg:npm/fresh-curated@1.0.0")["decision"], "allow");
    assert_eq!(p.record("pkg:npm/exempted@1.0.0")["decision"], "allow");
    let fixed = p.record("pkg:npm/patched@2.0.1");
    assert_eq!(fixed["decision"], "warn");
    assert_eq!(fixed["findings"][0]["rule"], "security-fix-exemption");
    assert!(fixed["findings"][0]["msg"].as_str().unwrap().contains("GHSA-1234"), "{fixed}");
    assert_eq!(p.record("pkg:npm/settled@1.0.0")["decision"], "allow");
    let later = p.depgate(&["check", "--current-time", "2026-01-09T00:00:01Z"], &[]);
    assert_eq!(later.code, 0, "{}", later.all_output());
}

/// A package that was curated (first in chain) in the committed trust file and now comes
/// from the fallback is denied `trust-downgrade-tier`; `--baseline` with a base-branch
/// decisions.json does the same.
#[test]
fn trust_downgrade_against_the_committed_baseline() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("lib", "1.0.0", OLD);
    let steady = public.publish("steady", "1.0.0", OLD);
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", "quarantine_days = 7"));
    let lock = |lib_reg: &FakeNpm, integrity: &str| {
        package_lock_v3(&[
            Locked::new("lib", "1.0.0", integrity, format!("{}lib/-/lib-1.0.0.tgz", lib_reg.url())),
            Locked::new("steady", "1.0.0", &steady, format!("{}steady/-/steady-1.0.0.tgz", public.url())),
        ])
    };
    p.write("package-lock.json", &lock(&curated, &i));
    assert_eq!(p.depgate(&["check", "--current-time", NOW], &[]).code, 0);
    let update = p.depgate(&["trust", "update"], &[]);
    assert_eq!(update.code, 0, "{}", update.all_output());
    assert!(update.stderr.contains("2 packages"), "{}", update.stderr);
    let trust: Value = serde_json::from_str(&p.read("depgate.trust.json")).unwrap();
    assert_eq!(trust["packages"]["npm:lib"]["tier"], "curated");
    std::fs::copy(p.path().join("depgate-report/decisions.json"), p.path().join("base-decisions.json")).unwrap();

    // The curated upstream no longer has `lib`; the public one does.
    let curated2 = FakeNpm::start();
    let moved = public.publish("lib", "1.0.0", OLD);
    p.write("depgate.toml", &chain_config(&curated2.url(), &public.url(), "", "quarantine_days = 7"));
    p.write("package-lock.json", &lock(&public, &moved));
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/lib@1.0.0");
    assert_eq!(r["decision"], "deny");
    assert_eq!(r["findings"][0]["rule"], "trust-downgrade-tier");
    assert!(r["findings"][0]["msg"].as_str().unwrap().contains("now it falls back to public"), "{r}");
    assert!(r["findings"][0]["remedy"].as_str().unwrap().contains("depgate trust update"), "{r}");
    assert_eq!(p.record("pkg:npm/steady@1.0.0")["decision"], "allow", "no downgrade for a package always public");
    assert!(p.read("depgate-report/summary.md").contains("trust-downgrade-tier"));

    // The same with an explicit base-branch decisions.json and no trust file.
    std::fs::remove_file(p.path().join("depgate.trust.json")).unwrap();
    assert_eq!(p.depgate(&["check", "--current-time", NOW], &[]).code, 0, "no baseline, no downgrade");
    let run = p.depgate(&["check", "--current-time", NOW, "--baseline", "base-decisions.json"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(p.record("pkg:npm/lib@1.0.0")["findings"][0]["rule"], "trust-downgrade-tier");
    let missing = p.depgate(&["check", "--baseline", "nope.json"], &[]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.json") && missing.stderr.contains("help:"), "{}", missing.stderr);
}

/// `[policy] disable` switches a builtin rule off; an unknown code is a config error.
#[test]
fn disable_switches_builtin_rules_off_by_code() {
    let p = Project::new();
    p.write("depgate.toml", "[policy]\ndisable = [\"fallback-cooldwn\"]\n");
    p.write("package-lock.json", r#"{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"}}}"#);
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        run.stderr.contains("depgate.toml:2:") && run.stderr.contains("did you mean `fallback-cooldown`"),
        "{}",
        run.stderr
    );
}
