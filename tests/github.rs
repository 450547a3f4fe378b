//! `depgate github report`: the runner side (workflow-command escaping, multi-line-safe
//! outputs, the step summary cut under 1 MiB, decision order and `--fail-on`) and the REST
//! API side against a contract-faithful double of GitHub: GitHub's `OpenAPI` description
//! trimmed to the operations used, served by Prism (see `support/prism.rs`), with real
//! `pull_request` webhook payloads.
//!
//! The API tests need node and npm (the double is installed once into target/tmp); without
//! them they print a SKIPPED line (under `DEPGATE_REQUIRE_TOOLS=1`, as in CI, they fail).

#[path = "support/prism.rs"]
mod prism;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use depgate::github::markdown::{self, COMMENT_MARKER, Context};
use depgate::github::runner::{self, STEP_SUMMARY_LIMIT, escape_data, escape_property};
use depgate::github::{FailOn, Level, Report, Tally};
use prism::{FakeGitHub, Prism, Tools};
use serde_json::{Value, json};

const TOKEN: &str = "ghs_depgateTestToken0123456789abcdef";

/// One record of a synthetic decisions.json.
fn record(purl: &str, decision: &str, rule: &str, lockfile: &str, line: usize) -> Value {
    let findings = if decision == "allow" {
        json!([])
    } else {
        json!([{"level": decision, "rule": rule, "msg": format!("{purl}: {rule} says no, 50% sure, a:b,c"), "remedy": "pin another version"}])
    };
    json!({"package": {"purl": purl, "lockfile": lockfile, "line": line, "ecosystem": "npm"}, "decision": decision, "findings": findings})
}

/// Write `DIR/depgate-report/` with decisions.json and the files the outputs point at.
fn write_report(dir: &Path, records: &[Value]) -> PathBuf {
    let report = dir.join("depgate-report");
    std::fs::create_dir_all(&report).unwrap();
    let doc = json!({"schema": "depgate.decisions/v1", "run": {}, "counts": {}, "decisions": records});
    std::fs::write(report.join("decisions.json"), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    for f in ["sbom.cdx.json", "sbom.spdx.json", "audit.jsonl"] {
        std::fs::write(report.join(f), "{}\n").unwrap();
    }
    report
}

/// `n` denied npm packages, each on its own lockfile line.
fn denied(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| record(&format!("pkg:npm/bad-{i}@1.0.0"), "deny", "not-found-in-owner", "./package-lock.json", 10 + i))
        .collect()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    secs: f64,
}

/// Run `depgate github report ARGS` in `dir` with only `env` (and PATH) in the environment,
/// as a runner step would, with the step summary and outputs files under `dir`.
fn github_report(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Run {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
    cmd.args(["github", "report"])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("GITHUB_WORKSPACE", dir)
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_OUTPUT", dir.join("output.txt"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        secs: started.elapsed().as_secs_f64(),
    }
}

/// Read a `$GITHUB_OUTPUT` file the way the runner does (`name<<DELIMITER` blocks).
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let (name, delim) = line.split_once("<<").unwrap_or_else(|| panic!("not a multi-line output: {line:?}"));
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

/// The environment of a `pull_request` run against `api`, with the payload written to `dir`.
fn pr_env(dir: &Path, api: &str, repo: &str, payload: &Value) -> Vec<(&'static str, String)> {
    let event = dir.join("event.json");
    std::fs::write(&event, payload.to_string()).unwrap();
    vec![
        ("GITHUB_API_URL", api.to_string()),
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_REPOSITORY", repo.to_string()),
        ("GITHUB_EVENT_NAME", "pull_request".to_string()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        // The merge commit: never where a pull request's check run belongs.
        ("GITHUB_SHA", "1111111111111111111111111111111111111111".to_string()),
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        ("GITHUB_RUN_ID", "4242".to_string()),
        ("DEPGATE_GITHUB_MAX_WAIT_SECS", "2".to_string()),
    ]
}

fn assert_no_token(run: &Run, dir: &Path) {
    for (what, text) in [
        ("stdout", run.stdout.clone()),
        ("stderr", run.stderr.clone()),
        ("summary", std::fs::read_to_string(dir.join("summary.md")).unwrap_or_default()),
        ("outputs", std::fs::read_to_string(dir.join("output.txt")).unwrap_or_default()),
    ] {
        assert!(!text.contains(TOKEN), "the token was printed to {what}");
    }
}

#[test]
fn workflow_commands_escape_data_and_properties_like_the_toolkit() {
    assert_eq!(escape_data("100% \r\n done: a,b"), "100%25 %0D%0A done: a,b");
    assert_eq!(escape_property("100% \r\n done: a,b"), "100%25 %0D%0A done%3A a%2Cb");
    // `%` first: an already-escaped sequence is escaped again, not passed through.
    assert_eq!(escape_data("%0A"), "%250A");
    let mut out = Vec::new();
    runner::command(
        &mut out,
        "warning",
        &[("file", "web/pnpm-lock.yaml".into()), ("line", "7".into()), ("title", "t: x, y".into())],
        "a\nb",
    )
    .unwrap();
    runner::command(&mut out, "group", &[("title", String::new())], "list").unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "::warning file=web/pnpm-lock.yaml,line=7,title=t%3A x%2C y::a%0Ab\n::group::list\n"
    );
}

#[test]
fn outputs_are_multiline_safe_and_the_delimiter_never_occurs_in_the_value() {
    let tricky = "line one\nghadelimiter_2\nline three".to_string();
    let outputs = vec![("decision", "deny".to_string()), ("notes", tricky.clone()), ("empty", String::new())];
    let mut calls = 0;
    let mut delims = ["ghadelimiter_1", "ghadelimiter_2", "ghadelimiter_3", "ghadelimiter_4"].into_iter();
    let mut out = Vec::new();
    runner::write_outputs(&mut out, &outputs, || {
        calls += 1;
        delims.next().unwrap().to_string()
    })
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(calls, 4, "the delimiter found in the value was replaced");
    assert!(text.starts_with("decision<<ghadelimiter_1\ndeny\nghadelimiter_1\nnotes<<ghadelimiter_3\n"), "{text}");
    let parsed = parse_outputs(&text);
    assert_eq!(parsed["notes"], tricky);
    assert_eq!(parsed["empty"], "");
    // A delimiter source that keeps colliding is an error, not a corrupt file.
    let err = runner::write_outputs(&mut Vec::new(), &outputs[1..2], || "ghadelimiter_2".into()).unwrap_err();
    assert!(err.to_string().contains("notes"), "{err}");
    // Real delimiters: random, and different each time.
    let (a, b) = (runner::random_delimiter(), runner::random_delimiter());
    assert!(a.starts_with("ghadelimiter_") && a.len() == 45 && a != b, "{a} {b}");
}

#[test]
fn step_summary_is_cut_at_a_row_boundary_under_1_mib() {
    // 6,000 blocked packages with long messages and 20,000 allowed: far over 1 MiB.
    let mut records = denied(6_000);
    for r in &mut records {
        r["findings"][0]["msg"] = json!(format!("{}: {}", r["package"]["purl"].as_str().unwrap(), "x".repeat(200)));
    }
    records.extend(
        (0..20_000).map(|i| record(&format!("pkg:npm/ok-{i}@1.0.0"), "allow", "", "./package-lock.json", i + 1)),
    );
    let doc = json!({"schema": "depgate.decisions/v1", "decisions": records});
    let report = Report::parse(&doc.to_string()).unwrap();
    let outcome = Tally::of(&report.entries, FailOn::Deny);
    let ctx = Context { report_name: "depgate-report".into(), list_allowed: true, ..Context::default() };
    let text = markdown::render("", &report.entries, &outcome, &ctx, STEP_SUMMARY_LIMIT);
    assert!(text.len() <= STEP_SUMMARY_LIMIT, "{} bytes", text.len());
    assert!(text.len() > STEP_SUMMARY_LIMIT - 4096, "the budget is used: {} bytes", text.len());
    let blocked_rows = text.lines().filter(|l| l.starts_with("| ⛔ deny | `pkg:npm/bad-")).count();
    let allowed_rows = text.lines().filter(|l| l.starts_with("| `pkg:npm/ok-")).count();
    assert!(blocked_rows > 1000 && blocked_rows < 6_000, "{blocked_rows}");
    assert_eq!(allowed_rows, 0, "the blocked packages come first");
    // Every table row is whole, and the note counts exactly what was left out.
    for l in text.lines().filter(|l| l.starts_with('|')) {
        assert!(l.ends_with('|'), "a cut row: {l}");
    }
    assert!(
        text.contains(&format!("{} more rows in the report artifact", 6_000 - blocked_rows)),
        "{}",
        &text[text.len() - 600..]
    );
    assert!(text.contains("20000 more rows in the report artifact"));
    assert!(text.trim_end().ends_with("</sub>"), "the footer survives the cut");

    // Small enough: nothing is cut, and the allowed packages are listed collapsed.
    let small = Report::parse(&json!({"decisions": [records[0], records[6_000]]}).to_string()).unwrap();
    let text = markdown::render("", &small.entries, &Tally::of(&small.entries, FailOn::Deny), &ctx, STEP_SUMMARY_LIMIT);
    assert!(!text.contains("more row"));
    assert!(text.contains("<details><summary>Allowed (1)</summary>") && text.contains("| `pkg:npm/ok-0@1.0.0` |"));
}

#[test]
fn decisions_order_and_fail_on() {
    assert!(Level::Error > Level::Deny && Level::Deny > Level::Quarantine);
    assert!(Level::Quarantine > Level::Warn && Level::Warn > Level::Allow);
    let cases = [
        (Level::Allow, [false, false, false, false]),
        (Level::Warn, [true, false, false, false]),
        (Level::Quarantine, [true, true, false, false]),
        (Level::Deny, [true, true, true, false]),
        (Level::Error, [true, true, true, false]),
    ];
    for (worst, expect) in cases {
        for (fail_on, fails) in [FailOn::Warn, FailOn::Quarantine, FailOn::Deny, FailOn::Never].into_iter().zip(expect)
        {
            assert_eq!(fail_on.fails(worst), fails, "{worst} with --fail-on {}", fail_on.as_str());
        }
    }
    let doc = json!({"decisions": [
        record("pkg:npm/a@1", "warn", "w", "", 0),
        record("pkg:npm/b@1", "error", "upstream-error", "", 0),
        record("pkg:npm/c@1", "allow", "", "", 0),
    ]});
    let report = Report::parse(&doc.to_string()).unwrap();
    let o = Tally::of(&report.entries, FailOn::Deny);
    assert_eq!(
        (o.worst, o.failed, o.count(Level::Error), o.count(Level::Warn), o.total),
        (Level::Error, true, 1, 1, 3)
    );
    assert_eq!(o.headline(), "1 undecided, 1 warned of 3 dependencies");
}

#[test]
fn without_github_the_step_writes_annotations_summary_and_outputs_and_exits_by_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("web")).unwrap();
    let report = write_report(
        d,
        &[
            record("pkg:npm/%40acme/logger@9.0.0", "deny", "not-found-in-owner", "./web/package-lock.json", 21),
            record(
                "pkg:npm/nanoid@3.3.11",
                "quarantine",
                "fallback-cooldown",
                &d.join("web/package-lock.json").display().to_string(),
                62,
            ),
            record("pkg:pypi/six@1.17.0", "warn", "unverifiable", "/elsewhere/requirements.txt", 3),
            record("pkg:npm/ms@2.1.3", "allow", "", "./web/package-lock.json", 56),
        ],
    );
    // How long the full summary is, then a step summary so full already that depgate's must
    // be cut to keep the file under GitHub's 1 MiB.
    github_report(d, &["--annotations", "false", "--outputs", "false"], &[]);
    let full = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(full.starts_with("### depgate: 4 dependencies gated") && !full.contains("more row"), "{full}");
    std::fs::write(d.join("summary.md"), "x".repeat(STEP_SUMMARY_LIMIT - full.len() + 200)).unwrap();
    let run = github_report(d, &[], &[("GITHUB_TOKEN", String::new())]);
    assert_eq!(run.code, 1, "deny fails under the default --fail-on deny\n{}\n{}", run.stdout, run.stderr);
    // Annotations: paths relative to GITHUB_WORKSPACE, data and properties escaped.
    assert!(run.stdout.contains("::group::depgate: 3 dependencies not allowed\n"), "{}", run.stdout);
    assert!(run.stdout.contains(
        "::error file=web/package-lock.json,line=21,title=depgate deny%3A not-found-in-owner::pkg:npm/%2540acme/logger@9.0.0: not-found-in-owner says no, 50%25 sure, a:b,c%0A→ pin another version\n"
    ), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("::warning file=web/package-lock.json,line=62,title=depgate quarantine%3A fallback-cooldown::")
    );
    assert!(
        run.stdout.contains("::warning title=depgate warn%3A unverifiable::pkg:pypi/six@1.17.0"),
        "outside the workspace: no file"
    );
    assert!(run.stdout.contains("::endgroup::\n"));
    assert!(run.stdout.contains("::notice title=depgate::no GITHUB_TOKEN in the environment"), "{}", run.stdout);
    let summary = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(summary.len() <= STEP_SUMMARY_LIMIT, "{}", summary.len());
    assert!(
        summary.contains("1 more row in the report artifact"),
        "the near-full summary forced a cut: {}",
        &summary[STEP_SUMMARY_LIMIT - full.len()..]
    );
    let outputs = parse_outputs(&std::fs::read_to_string(d.join("output.txt")).unwrap());
    let abs = |f: &str| report.join(f).display().to_string();
    assert_eq!(outputs["decision"], "deny");
    assert_eq!(
        [&outputs["allow"], &outputs["warn"], &outputs["quarantine"], &outputs["deny"], &outputs["error"]],
        ["1", "1", "1", "1", "0"]
    );
    assert_eq!(outputs["failed"], "true");
    assert_eq!(outputs["report-dir"], report.display().to_string());
    assert_eq!(
        (&outputs["sbom-cyclonedx"], &outputs["sbom-spdx"], &outputs["audit-log"]),
        (&abs("sbom.cdx.json"), &abs("sbom.spdx.json"), &abs("audit.jsonl"))
    );

    // --fail-on decides the exit status; `never` only reports.
    for (fail_on, code) in [("warn", 1), ("quarantine", 1), ("deny", 1), ("never", 0)] {
        let run = github_report(d, &["--fail-on", fail_on, "--annotations", "false", "--summary", "false"], &[]);
        assert_eq!(run.code, code, "--fail-on {fail_on}");
    }
    write_report(
        d,
        &[record("pkg:npm/nanoid@3.3.11", "quarantine", "fallback-cooldown", "./web/package-lock.json", 62)],
    );
    for (fail_on, code) in [("deny", 0), ("quarantine", 1)] {
        let run = github_report(d, &["--fail-on", fail_on], &[]);
        assert_eq!(run.code, code, "quarantine with --fail-on {fail_on}");
    }
    // `error` (no decision could be made) fails like deny.
    write_report(d, &[record("pkg:npm/x@1.0.0", "error", "upstream-error", "./web/package-lock.json", 3)]);
    let run = github_report(d, &[], &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("::error file=web/package-lock.json,line=3,title=depgate error%3A upstream-error::"));
    // On a runner, the token is masked (the runner consumes the command) before anything else;
    // outside one nothing would consume it, so it is never printed.
    let env = [("GITHUB_TOKEN", TOKEN.to_string()), ("GITHUB_ACTIONS", "true".to_string())];
    let run = github_report(d, &["--check-run", "false", "--comment", "never"], &env);
    assert_eq!(run.stdout.lines().next(), Some(format!("::add-mask::{TOKEN}").as_str()), "{}", run.stdout);
    assert_eq!(run.stdout.matches(TOKEN).count(), 1);
    let run = github_report(d, &["--check-run", "false", "--comment", "never"], &env[..1]);
    assert!(!run.stdout.contains(TOKEN));
    // A missing report is a usage error that says what to do.
    let run = github_report(d, &["--report", "nowhere"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("run `depgate check` first"), "{}", run.stderr);
}

/// The double, or a skip.
fn double() -> Option<&'static Tools> {
    prism::tools()
}

#[test]
fn the_double_rejects_what_github_rejects() {
    let Some(tools) = double() else { return };
    if !support::served::have("curl", "--version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mock = Prism::mock(tools, dir.path());
    let post = |body: &Value| -> u16 {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
            .arg(format!("{}/repos/o/r/check-runs", mock.url))
            .args(["-H", "Accept: application/vnd.github+json", "-H", "Content-Type: application/json", "-d"])
            .arg(body.to_string())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).parse().unwrap()
    };
    let annotation = |level: &str| json!({"path": "package-lock.json", "start_line": 1, "end_line": 1, "annotation_level": level, "message": "m"});
    let check_run = |annotations: Vec<Value>| json!({"name": "depgate", "head_sha": "abc", "status": "completed", "conclusion": "failure", "output": {"title": "t", "summary": "s", "annotations": annotations}});
    assert_eq!(post(&check_run(vec![annotation("failure"); 50])), 201);
    assert_eq!(post(&check_run(vec![annotation("failure"); 51])), 422, "more than 50 annotations");
    assert_eq!(post(&check_run(vec![annotation("error")])), 422, "a level GitHub does not know");
    assert_eq!(post(&json!({"name": "depgate", "head_sha": "abc", "conclusion": "passed"})), 422, "a bad conclusion");
}

#[test]
fn check_run_with_120_annotations_is_created_with_50_then_patched_in_batches() {
    let Some(tools) = double() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fake = FakeGitHub::start(tools);
    let proxy = Prism::proxy(tools, d, &fake.url());
    let mut records = denied(100);
    records.extend((0..20).map(|i| {
        record(&format!("pkg:npm/young-{i}@1.0.0"), "quarantine", "fallback-cooldown", "./package-lock.json", 500 + i)
    }));
    records.push(record("pkg:npm/ok@1.0.0", "allow", "", "./package-lock.json", 2));
    write_report(d, &records);
    let payload = prism::pull_request_payload(tools, "synchronize");
    let head = payload["pull_request"]["head"]["sha"].as_str().unwrap().to_string();
    let env = pr_env(d, &proxy.url, "acme/checks", &payload);
    let run = github_report(d, &["--comment", "never"], &env);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("with 120 annotations in 3 requests"), "{}", run.stderr);
    assert_eq!(proxy.violations(), Vec::<String>::new(), "every request and response matches GitHub's description");
    let seen = fake.seen();
    let calls: Vec<(String, String, usize)> = seen
        .iter()
        .map(|s| (s.method.clone(), s.path.clone(), s.body["output"]["annotations"].as_array().map_or(0, Vec::len)))
        .collect();
    let id = fake.check_runs().len();
    assert_eq!(id, 1);
    assert_eq!(calls[0], ("POST".into(), "/repos/acme/checks/check-runs".into(), 50), "{calls:?}");
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(
        calls[1].0 == "PATCH" && calls[1].1.starts_with("/repos/acme/checks/check-runs/") && calls[1].2 == 50,
        "{calls:?}"
    );
    assert!(calls[2].0 == "PATCH" && calls[2].1 == calls[1].1 && calls[2].2 == 20, "{calls:?}");
    assert!(seen.iter().all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    let (create, annotations) = &fake.check_runs()[0];
    assert_eq!(create["head_sha"], head, "the pull request's head commit, not GITHUB_SHA");
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(create["details_url"], "https://github.com/acme/checks/actions/runs/4242");
    assert!(create["output"]["summary"].as_str().unwrap().len() <= 65_535);
    assert_eq!(annotations.len(), 120);
    assert_eq!(annotations.iter().filter(|a| a["annotation_level"] == "failure").count(), 100);
    assert_eq!(annotations.iter().filter(|a| a["annotation_level"] == "warning").count(), 20);
    assert_eq!(annotations[0]["path"], "package-lock.json");
    assert_eq!((annotations[0]["start_line"].as_u64(), annotations[0]["end_line"].as_u64()), (Some(10), Some(10)));
    assert_no_token(&run, d);
    support::report(&format!("github: check run with 120 annotations posted in {:.2}s", run.secs));

    // A push: the check run goes on the pushed commit (`after`), and there is no comment.
    let push = prism::push_payload(tools);
    let mut env = pr_env(d, &proxy.url, "acme/pushed", &push);
    env.retain(|(k, _)| *k != "GITHUB_EVENT_NAME");
    env.push(("GITHUB_EVENT_NAME", "push".into()));
    let run = github_report(d, &["--comment", "always"], &env);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let pushed: Vec<Value> =
        fake.check_runs().into_iter().map(|c| c.0).filter(|c| c["head_sha"] == push["after"]).collect();
    assert_eq!(pushed.len(), 1, "{:?}", fake.check_runs().iter().map(|c| c.0["head_sha"].clone()).collect::<Vec<_>>());
    assert!(!fake.seen().iter().any(|s| s.path.contains("/acme/pushed/issues")), "no pull request, no comment");
    assert_eq!(proxy.violations(), Vec::<String>::new());
}

#[test]
fn sticky_comment_is_created_on_run_1_and_updated_in_place_on_run_2() {
    let Some(tools) = double() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fake = FakeGitHub::start(tools);
    let proxy = Prism::proxy(tools, d, &fake.url());
    // The demo project's real report: blocked.
    let demo = d.join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .arg("demo")
        .arg("--dir")
        .arg(&demo)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(demo.join("depgate-report/decisions.json").exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let payload = prism::pull_request_payload(tools, "opened");
    let pr = payload["pull_request"]["number"].as_u64().unwrap();
    let repo = "acme/sticky";
    // 130 comments by people first: depgate's is found past the first page.
    for i in 0..130 {
        fake.add_comment(repo, pr, &format!("review comment {i}"));
    }
    let env = pr_env(&demo, &proxy.url, repo, &payload);

    let run1 = github_report(&demo, &["--check-run", "false"], &env);
    assert_eq!(run1.code, 1, "{}\n{}", run1.stdout, run1.stderr);
    let ours: Vec<(u64, String)> =
        fake.comments(repo, pr).into_iter().filter(|c| c.1.contains(COMMENT_MARKER)).collect();
    assert_eq!(ours.len(), 1);
    let (id, body1) = &ours[0];
    assert!(body1.starts_with(COMMENT_MARKER) && body1.contains("depgate: failing"), "{body1}");
    assert!(body1.contains("| ⛔ deny | `pkg:npm/%40acme/logger@9.0.0` | `not-found-in-owner` |"), "{body1}");
    assert!(body1.contains("`package-lock.json:21`"), "{body1}");

    // Run 2: the pull request now passes; on-failure still updates the earlier comment.
    let allowed: Vec<Value> =
        (0..3).map(|i| record(&format!("pkg:npm/fine-{i}@1.0.0"), "allow", "", "./package-lock.json", i + 1)).collect();
    write_report(&demo, &allowed);
    let run2 = github_report(&demo, &["--check-run", "false"], &env);
    assert_eq!(run2.code, 0, "{}\n{}", run2.stdout, run2.stderr);
    let ours: Vec<(u64, String)> =
        fake.comments(repo, pr).into_iter().filter(|c| c.1.contains(COMMENT_MARKER)).collect();
    assert_eq!(ours.len(), 1, "exactly one depgate comment");
    assert_eq!(ours[0].0, *id, "updated in place");
    assert!(
        ours[0].1.contains("depgate: passing") && ours[0].1.contains("all 3 dependencies allowed"),
        "{}",
        ours[0].1
    );
    let writes: Vec<(String, String)> =
        fake.seen().into_iter().filter(|s| s.method != "GET").map(|s| (s.method, s.path)).collect();
    assert_eq!(
        writes,
        [
            ("POST".to_string(), format!("/repos/{repo}/issues/{pr}/comments")),
            ("PATCH".to_string(), format!("/repos/{repo}/issues/comments/{id}")),
        ]
    );
    let pages: Vec<String> = fake.seen().into_iter().filter(|s| s.method == "GET").map(|s| s.path).collect();
    assert_eq!(pages.len(), 4, "two pages per run: {pages:?}");
    assert_eq!(proxy.violations(), Vec::<String>::new());
    assert_no_token(&run2, &demo);
    support::report(&format!("github: sticky comment runs took {:.2}s and {:.2}s", run1.secs, run2.secs));
}

#[test]
fn a_read_only_token_gets_403_and_the_step_still_reports() {
    let Some(tools) = double() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fake = FakeGitHub::start(tools);
    let proxy = Prism::proxy(tools, d, &fake.url());
    write_report(d, &denied(3));
    let payload = prism::pull_request_payload(tools, "opened");
    let env = pr_env(d, &proxy.url, "fork/readonly", &payload);
    let run = github_report(d, &[], &env);
    assert_eq!(run.code, 1, "the exit status is the gate's (deny), not the API's\n{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("::warning title=depgate::could not post the check run on ")
            && run.stdout.contains("GitHub answered 403: Resource not accessible by integration")
            && run.stdout.contains("checks: write"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("could not write the comment on pull request #2")
            && run.stdout.contains("pull-requests: write")
    );
    assert!(!run.stdout.contains("::error title=depgate::"), "{}", run.stdout);
    let summary = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(
        summary.contains("depgate: failing") && summary.contains("Resource not accessible by integration"),
        "{summary}"
    );
    assert_eq!(parse_outputs(&std::fs::read_to_string(d.join("output.txt")).unwrap())["failed"], "true");
    // Report-only: the same 403s leave the step green.
    let run = github_report(d, &["--fail-on", "never"], &env);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_no_token(&run, d);
    assert!(fake.check_runs().is_empty());
    assert_eq!(proxy.violations(), Vec::<String>::new());
}

#[test]
fn a_422_names_what_was_rejected_and_the_summary_is_still_written() {
    let Some(tools) = double() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fake = FakeGitHub::start(tools);
    let proxy = Prism::proxy(tools, d, &fake.url());
    write_report(d, &[record("pkg:npm/ok@1.0.0", "allow", "", "./package-lock.json", 2)]);
    let payload = prism::pull_request_payload(tools, "synchronize");
    let head = payload["pull_request"]["head"]["sha"].as_str().unwrap().to_string();
    let env = pr_env(d, &proxy.url, "acme/rejects", &payload);
    let run = github_report(d, &["--comment", "never"], &env);
    assert_eq!(run.code, 3, "GitHub refused the request: an unexpected failure\n{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "::error title=depgate::could not post the check run on {head}: GitHub rejected the request (422): No commit found for SHA: {head}"
        )),
        "{}",
        run.stdout
    );
    let summary = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(summary.contains("depgate: passing") && summary.contains("No commit found for SHA"), "{summary}");
    assert_eq!(parse_outputs(&std::fs::read_to_string(d.join("output.txt")).unwrap())["failed"], "false");
    assert_no_token(&run, d);
    assert_eq!(proxy.violations(), Vec::<String>::new());
}

#[test]
fn rate_limits_are_waited_out_and_retried() {
    let Some(tools) = double() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fake = FakeGitHub::start(tools);
    let proxy = Prism::proxy(tools, d, &fake.url());
    write_report(d, &denied(2));
    let payload = prism::pull_request_payload(tools, "opened");
    for repo in ["acme/ratelimited", "acme/ratelimited-reset"] {
        let env = pr_env(d, &proxy.url, repo, &payload);
        let run = github_report(d, &["--comment", "never"], &env);
        assert_eq!(run.code, 1, "{repo}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("waiting 1s before trying again"), "{repo}: {}", run.stderr);
        assert!(run.secs >= 1.0, "{repo}: waited {:.2}s", run.secs);
        let posts = fake.seen().into_iter().filter(|s| s.path == format!("/repos/{repo}/check-runs")).count();
        assert_eq!(posts, 2, "{repo}: refused once, then created");
    }
    assert_eq!(fake.check_runs().len(), 2);
    assert_eq!(proxy.violations(), Vec::<String>::new());
}
