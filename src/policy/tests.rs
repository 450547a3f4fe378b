//! The builtin policy: each rule fires on the input meant for it, and the bytecode VM and
//! the tree-walking interpreter decide every input identically.

use serde_json::{Value, json};

use super::*;
use crate::config::Require;

fn settings() -> PolicyConfig {
    PolicyConfig {
        files: Vec::new(),
        builtin: true,
        quarantine_days: 7.0,
        cooldown_tiers: vec!["watched".into()],
        cooldown_exempt: vec!["pkg:npm/exempt@*".into()],
        require: Require::None,
        ..PolicyConfig::default()
    }
}

fn base(name: &str) -> Value {
    json!({
        "package": {"ecosystem": "npm", "name": name, "version": "1.0.0", "purl": format!("pkg:npm/{name}@1.0.0"),
                    "direct": true, "dev": false, "source": "registry"},
        "resolution": {"status": "owned", "upstream": "public", "tier": "public", "priority": 2, "fallback": true,
                       "ownership": {"bound_by": "chain", "upstream": "public"},
                       "version_found": true, "owner_latest": "1.0.0", "published_at": "2025-01-01T00:00:00Z", "age_days": 300.0,
                       "digests": {}, "lockfile_integrity": "match", "artifact_integrity": "not_downloaded",
                       "lockfile_source": {"url": "https://public/x.tgz", "upstream": "public", "matches_owner": true},
                       "fell_through": [{"upstream": "curated", "reason": "not_found"}]},
        "verification": {"status": "unverifiable", "attestations": []},
        "baseline": null,
        "context": {"mode": "check", "repository": null, "event": null, "now": "2025-10-28T00:00:00Z"}
    })
}

fn with(mut v: Value, path: &[&str], value: Value) -> Value {
    let mut cur = &mut v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[path[path.len() - 1]] = value;
    v
}

/// (input, expected rule codes by level)
fn cases() -> Vec<(Value, Vec<(&'static str, &'static str)>)> {
    let young = |name: &str| {
        with(
            with(base(name), &["resolution", "published_at"], json!("2025-10-26T00:00:00Z")),
            &["resolution", "age_days"],
            json!(2.0),
        )
    };
    vec![
        (base("clean"), vec![]),
        (
            with(base("tampered"), &["resolution", "lockfile_integrity"], json!("mismatch")),
            vec![("deny", "integrity-mismatch")],
        ),
        (
            with(base("bytes"), &["resolution", "artifact_integrity"], json!("mismatch")),
            vec![("deny", "integrity-mismatch")],
        ),
        (with(base("missing"), &["resolution", "version_found"], json!(false)), vec![("deny", "not-found-in-owner")]),
        (with(base("nowhere"), &["resolution", "status"], json!("not_found")), vec![("deny", "not-found-in-chain")]),
        (
            with(
                with(base("@acme/x"), &["resolution", "status"], json!("not_found")),
                &["resolution", "ownership"],
                json!({"bound_by": "namespace", "upstream": "private", "pattern": "@acme/*"}),
            ),
            vec![("deny", "namespace-not-found")],
        ),
        (
            with(
                base("confused"),
                &["resolution", "lockfile_source"],
                json!({"url": "https://low/x.tgz", "upstream": "low", "matches_owner": false}),
            ),
            vec![("deny", "ownership-violation")],
        ),
        (
            with(
                base("stale"),
                &["resolution", "lockfile_source"],
                json!({"url": "https://old/x.tgz", "upstream": null, "matches_owner": false}),
            ),
            vec![("warn", "resolved-url-mismatch")],
        ),
        (young("fresh"), vec![("quarantine", "fallback-cooldown")]),
        (young("exempt"), vec![]),
        (with(young("first"), &["resolution", "fallback"], json!(false)), vec![]),
        (
            with(
                with(young("watched"), &["resolution", "fallback"], json!(false)),
                &["resolution", "tier"],
                json!("watched"),
            ),
            vec![("quarantine", "fallback-cooldown")],
        ),
        (
            {
                let mut v = base("timeless");
                v["resolution"].as_object_mut().unwrap().remove("published_at");
                v
            },
            vec![("deny", "publish-time-unknown")],
        ),
        (
            with(
                with(base("bad-sig"), &["verification", "status"], json!("violated")),
                &["verification", "reasons"],
                json!(["subject digest differs"]),
            ),
            vec![("deny", "signature-violated")],
        ),
        (
            with(with(base("gitdep"), &["package", "source"], json!("git")), &["resolution"], Value::Null),
            vec![("warn", "unresolvable-source")],
        ),
        (
            with(base("old"), &["resolution", "deprecated"], json!("use something else")),
            vec![("warn", "deprecated-version")],
        ),
    ]
}

fn rules(o: &Outcome) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    for (level, list) in [("deny", &o.deny), ("quarantine", &o.quarantine), ("warn", &o.warn)] {
        v.extend(list.iter().map(|f| (level, f.rule.clone())));
    }
    v
}

#[test]
fn builtin_compiles_to_the_vm_and_agrees_with_the_interpreter() {
    let policy = crate::load::policy(&settings(), std::path::Path::new(".")).unwrap();
    assert!(policy.uses_vm(), "the builtin policy must run on the bytecode VM");
    let mut vm = policy.evaluator();
    let mut interp = policy.interpreter();
    for (mut input, expected) in cases() {
        if input["resolution"].is_null() {
            input.as_object_mut().unwrap().remove("resolution");
        }
        let a = vm.evaluate(&input).unwrap();
        let b = interp.evaluate(&input).unwrap();
        assert_eq!(a, b, "VM and interpreter disagree on {}", input["package"]["purl"]);
        let got = rules(&a);
        let want: Vec<(&str, String)> = expected.iter().map(|(l, r)| (*l, (*r).to_string())).collect();
        assert_eq!(got, want, "for {}", input["package"]["purl"]);
        for f in a.deny.iter().chain(&a.quarantine).chain(&a.warn) {
            assert!(f.msg.contains(input["package"]["purl"].as_str().unwrap()), "message must name the package: {f:?}");
            assert!(f.remedy.as_deref().is_some_and(|r| !r.is_empty()), "every finding has a remedy: {f:?}");
        }
    }
}

#[test]
fn quarantine_until_is_publish_time_plus_the_cooldown() {
    let policy = crate::load::policy(&settings(), std::path::Path::new(".")).unwrap();
    let input = with(
        with(base("fresh"), &["resolution", "published_at"], json!("2025-10-26T06:30:00Z")),
        &["resolution", "age_days"],
        json!(1.7),
    );
    let out = policy.evaluate(&input).unwrap();
    assert_eq!(out.quarantine[0].until.as_deref(), Some("2025-11-02T06:30:00Z"));
}

#[test]
fn provenance_requirement_denies_unverified_fallback_packages() {
    let mut s = settings();
    s.require = Require::Provenance;
    let policy = crate::load::policy(&s, std::path::Path::new(".")).unwrap();
    let out = policy.evaluate(&base("plain")).unwrap();
    assert_eq!(out.deny[0].rule, "provenance-required");
    let curated = with(base("curated"), &["resolution", "fallback"], json!(false));
    assert!(policy.evaluate(&curated).unwrap().deny.is_empty());
}

#[test]
fn user_policy_syntax_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.rego"), "package depgate\n\ndeny contains x if {\n  x := \n}\n").unwrap();
    let mut s = settings();
    s.files = vec!["*.rego".into()];
    let err = crate::load::policy(&s, dir.path()).err().expect("a syntax error").to_string();
    assert!(err.contains("mine.rego:"), "{err}");
    s.files = vec!["nothing-*.rego".into()];
    assert!(matches!(crate::load::policy(&s, dir.path()), Err(PolicyError::NoMatch { .. })));
}

/// The builtin policy with one user module, `text`.
fn with_user_module(text: &str) -> Policy {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("user.rego"), text).unwrap();
    let mut s = settings();
    s.files = vec!["*.rego".into()];
    crate::load::policy(&s, dir.path()).unwrap()
}

#[test]
fn user_rules_add_to_the_builtin_policy() {
    let policy = with_user_module(
        "package depgate\n\ndeny contains {\"rule\": \"licence-gpl\", \"msg\": sprintf(\"%s is GPL\", [input.package.purl]), \"remedy\": \"replace it\"} if {\n  input.license == \"GPL-3.0\"\n}\n",
    );
    let mut input = base("gpl");
    input["license"] = json!("GPL-3.0");
    let out = policy.evaluate(&input).unwrap();
    assert_eq!(out.deny[0].rule, "licence-gpl");
    assert_eq!(out, policy.interpreter().evaluate(&input).unwrap());
}

#[test]
fn a_runaway_user_rule_is_stopped_with_an_error_that_says_what_to_change() {
    let policy = with_user_module(
        "package depgate\n\ndeny contains {\"rule\": \"never\", \"msg\": \"x\"} if {\n  some i in numbers.range(1, 5000)\n  i == -1\n}\n",
    );
    let input = base("any");
    assert!(policy.evaluate(&input).unwrap().deny.is_empty(), "decided within the real bound");
    let mut ev = policy.evaluator();
    ev.limit_steps(2_000);
    let err = ev.evaluate(&input).unwrap_err().to_string();
    assert!(err.contains("stopped after 2000 steps") && err.contains("help: a rule loops over too much"), "{err}");
}

#[test]
fn a_user_policy_without_the_builtin_may_define_only_some_sets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("only.rego"),
        "package depgate\n\ndeny contains {\"rule\": \"no-x\", \"msg\": \"x\", \"remedy\": \"drop x\"} if input.package.name == \"x\"\n",
    )
    .unwrap();
    let mut s = settings();
    s.builtin = false;
    s.files = vec!["*.rego".into()];
    let policy = crate::load::policy(&s, dir.path()).unwrap();
    let input = json!({"package": {"name": "x", "purl": "pkg:npm/x@1"}});
    for mut ev in [policy.evaluator(), policy.interpreter()] {
        let out = ev.evaluate(&input).unwrap();
        assert_eq!((out.deny.len(), out.quarantine.len(), out.warn.len()), (1, 0, 0));
    }
    std::fs::write(dir.path().join("only.rego"), "package depgate\n\nx := 1\n").unwrap();
    let err = crate::load::policy(&s, dir.path()).err().expect("no entry points").to_string();
    assert!(err.contains("none of deny, quarantine and warn"), "{err}");
}
