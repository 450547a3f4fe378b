//! The opa-wasm engine (cargo feature `opa-wasm`, scripts/test-wasm.sh): the builtin policy
//! and the user-policy fixtures, compiled by the real `opa build -t wasm`, decide every
//! conformance input exactly as depgate's Rego engine does; bare modules load too; the
//! host clock is the input's `context.now`; `depgate policy eval --bundle` uses the bundle.
//!
//! `opa` is installed by scripts/test.sh (or scripts/test-wasm.sh). Without it a test
//! prints a SKIPPED line, unless `DEPGATE_REQUIRE_TOOLS=1` (CI), where it fails.

#![cfg(feature = "opa-wasm")]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use depgate::policy::{Finding, Outcome, Policy};
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tool is missing: fail under CI, say SKIPPED (visibly) otherwise.
fn skip(what: &str) {
    let required = std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(!required, "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test-wasm.sh to install it");
    support::skipped(&format!("{what} is not installed (scripts/test-wasm.sh installs it)"));
}

fn opa() -> Option<PathBuf> {
    support::opa()
}

fn depgate(args: &[&str], cwd: &Path) -> support::Run {
    support::depgate_in(args, cwd)
}

fn suite_config(suite: &str) -> PathBuf {
    root().join(format!("testdata/policy/conformance/{suite}/depgate.toml"))
}

fn suite_policy(suite: &str) -> Policy {
    let cfg_path = suite_config(suite);
    let cfg = depgate::config::Config::parse(&std::fs::read_to_string(&cfg_path).unwrap(), &cfg_path).unwrap();
    depgate::load::policy(&cfg.policy, &cfg.base_dir).unwrap()
}

/// (name, input) of every case of a conformance suite.
fn cases(suite: &str) -> Vec<(String, Value)> {
    let path = root().join(format!("testdata/policy/conformance/{suite}/cases.json"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc.as_array().unwrap().iter().map(|c| (c["name"].as_str().unwrap().to_string(), c["input"].clone())).collect()
}

/// `opa build -t wasm` of the folder `src` with these entry points, into `out`.
fn opa_build(opa: &Path, src: &Path, entries: &[&str], out: &Path) {
    let mut cmd = Command::new(opa);
    cmd.args(["build", "-t", "wasm", "-o"]).arg(out);
    for e in entries {
        cmd.args(["-e", e]);
    }
    let run = cmd.arg(src).output().unwrap();
    assert!(run.status.success(), "opa build failed: {}", String::from_utf8_lossy(&run.stderr));
}

/// The effective policy of a suite (`depgate policy bundle`) built into a wasm bundle.
fn suite_bundle(opa: &Path, suite: &str, dir: &Path) -> PathBuf {
    let src = dir.join(format!("src-{suite}"));
    let cfg = suite_config(suite);
    let run = depgate(&["policy", "bundle", "--out", src.to_str().unwrap(), "--config", cfg.to_str().unwrap()], dir);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let bundle = dir.join(format!("{suite}.tar.gz"));
    opa_build(opa, &src, &["depgate/deny", "depgate/quarantine", "depgate/warn"], &bundle);
    bundle
}

fn codes(o: &Outcome) -> Value {
    let list = |l: &[Finding]| l.iter().map(|f| f.rule.clone()).collect::<Vec<_>>();
    json!({"deny": list(&o.deny), "quarantine": list(&o.quarantine), "warn": list(&o.warn)})
}

/// Every conformance input: the same decision, the same rule codes and the same findings
/// (message, remedy, until) from the wasm bundle as from the Rego engine.
#[test]
fn conformance_inputs_decide_identically_on_opa_wasm() {
    let Some(opa) = opa() else { return skip("opa") };
    let tmp = tempfile::tempdir().unwrap();
    let (mut total, mut same_decision, mut same_codes, mut same_findings) = (0, 0, 0, 0);
    for suite in ["main", "user"] {
        let policy = suite_policy(suite);
        let bundle = suite_bundle(&opa, suite, tmp.path());
        let mut wasm = depgate::load::wasm_policy(&bundle, policy.data()).unwrap();
        assert_eq!(wasm.entry_points().len(), 3, "{suite}: all three entry points");
        if suite == "main" {
            support::report(&format!(
                "opa-wasm: host builtins of the builtin policy: {}",
                wasm.host_builtins().join(", ")
            ));
        }
        let mut rego = policy.evaluator();
        for (name, input) in cases(suite) {
            let ours = rego.evaluate(&input).unwrap();
            let theirs = wasm.evaluate(&input).unwrap_or_else(|e| panic!("{suite}/{name}: {e}"));
            total += 1;
            same_decision += usize::from(ours.decision() == theirs.decision());
            same_codes += usize::from(codes(&ours) == codes(&theirs));
            if ours == theirs {
                same_findings += 1;
            } else {
                eprintln!("DIFFERENT {suite}/{name}:\n  rego:     {ours:?}\n  opa-wasm: {theirs:?}");
            }
        }
    }
    support::report(&format!(
        "opa-wasm conformance: {same_decision}/{total} identical decisions, {same_codes}/{total} identical rule codes, {same_findings}/{total} identical findings"
    ));
    assert!(total >= 40, "at least 40 conformance inputs");
    assert_eq!((same_decision, same_codes, same_findings), (total, total, total), "the engines disagree");
}

/// A bare `policy.wasm` (no bundle around it) decides the same; a module without depgate's
/// entry points is refused with an error that names the file and the entry points it has.
#[test]
fn bare_modules_load_and_wrong_entry_points_are_named() {
    let Some(opa) = opa() else { return skip("opa") };
    let tmp = tempfile::tempdir().unwrap();
    let bundle = suite_bundle(&opa, "main", tmp.path());
    let out = tmp.path().join("x");
    std::fs::create_dir_all(&out).unwrap();
    let untar = Command::new("tar").arg("-xzf").arg(&bundle).arg("-C").arg(&out).output().unwrap();
    assert!(untar.status.success(), "{}", String::from_utf8_lossy(&untar.stderr));
    let policy = suite_policy("main");
    let mut bare = depgate::load::wasm_policy(&out.join("policy.wasm"), policy.data()).unwrap();
    let mut from_bundle = depgate::load::wasm_policy(&bundle, policy.data()).unwrap();
    for (name, input) in cases("main") {
        assert_eq!(bare.evaluate(&input).unwrap(), from_bundle.evaluate(&input).unwrap(), "{name}");
    }

    let other = tmp.path().join("outcome-only.tar.gz");
    opa_build(&opa, &tmp.path().join("src-main"), &["depgate/outcome"], &other);
    let Err(err) = depgate::load::wasm_policy(&other, policy.data()) else { panic!("loaded without entry points") };
    let err = err.to_string();
    assert!(err.contains("outcome-only.tar.gz") && err.contains("it has: depgate/outcome"), "{err}");
    assert!(err.contains("help:") && err.contains("-e depgate/deny"), "{err}");
    let Err(err) = depgate::load::wasm_policy(&tmp.path().join("missing.tar.gz"), policy.data()) else { panic!() };
    assert!(err.to_string().contains("missing.tar.gz"), "{err}");
}

/// `time.now_ns` in a compiled policy is the input's `context.now`: the same input decides
/// the same at any wall-clock time.
#[test]
fn the_host_clock_is_the_inputs_context_now() {
    let Some(opa) = opa() else { return skip("opa") };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("clock.rego"),
        "package depgate\n\nwarn contains {\"rule\": \"clock\", \"msg\": sprintf(\"%d\", [time.now_ns()])} if input.package\n",
    )
    .unwrap();
    let bundle = tmp.path().join("clock.tar.gz");
    opa_build(&opa, &src, &["depgate/warn"], &bundle);
    let mut wasm = depgate::load::wasm_policy(&bundle, &json!({})).unwrap();
    assert_eq!(wasm.entry_points(), ["depgate/warn"]);
    let input =
        json!({"package": {"purl": "pkg:npm/x@1.0.0"}, "context": {"mode": "check", "now": "2026-01-01T00:00:00Z"}});
    let o = wasm.evaluate(&input).unwrap();
    assert_eq!(o.warn.len(), 1, "{o:?}");
    assert_eq!(o.warn[0].msg, "1767225600000000000");
    assert!(o.deny.is_empty() && o.quarantine.is_empty(), "missing entry points are empty sets");
}

/// `depgate policy eval --bundle` evaluates with the wasm bundle and prints what the Rego
/// engine prints.
#[test]
fn policy_eval_with_a_bundle() {
    let Some(opa) = opa() else { return skip("opa") };
    let tmp = tempfile::tempdir().unwrap();
    let bundle = suite_bundle(&opa, "main", tmp.path());
    let inputs: Vec<Value> = cases("main").into_iter().map(|(_, i)| i).collect();
    let input = tmp.path().join("inputs.json");
    std::fs::write(&input, Value::Array(inputs).to_string()).unwrap();
    let cfg = suite_config("main");
    let args = ["policy", "eval", "--input", input.to_str().unwrap(), "--config", cfg.to_str().unwrap()];
    let rego = depgate(&args, tmp.path());
    let wasm = depgate(&[&args[..], &["--bundle", bundle.to_str().unwrap()]].concat(), tmp.path());
    assert_eq!(wasm.code, rego.code, "{}", wasm.all_output());
    assert_eq!(wasm.stdout, rego.stdout);
    assert!(rego.stdout.contains("quarantine fallback-cooldown"), "{}", rego.stdout);
    let broken = tmp.path().join("broken.tar.gz");
    std::fs::write(&broken, b"not a bundle").unwrap();
    let bad = depgate(&[&args[..], &["--bundle", broken.to_str().unwrap()]].concat(), tmp.path());
    assert_eq!(bad.code, 2, "{}", bad.all_output());
    assert!(bad.stderr.contains("broken.tar.gz") && bad.stderr.contains("help:"), "{}", bad.stderr);
}
