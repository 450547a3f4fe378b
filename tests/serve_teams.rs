//! `depgate serve` for many teams: client tokens mapped to teams and to the chains each
//! may use, the team in every audit record, `/healthz`, `/readyz` and `/metrics`
//! (checked with Python's `prometheus_client` parser), configuration reload on SIGHUP,
//! drain on SIGTERM and JSON logs.
//!
//! Hermetic: fake npm and simple-index upstreams on 127.0.0.1; raw requests are plain TCP.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;
use support::served::{Served, assert_chain_verifies, npm_tarball, raw_get, require_tools};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";

fn depgate(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// A new token for `team` from `depgate token new`: (token, its configuration hash).
fn new_token(team: &str) -> (String, String) {
    let out = depgate(&["token", "new", "--team", team], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let hash = stderr.split('"').find(|s| s.starts_with("sha256:")).unwrap().to_string();
    assert!(!stderr.contains(&token), "the token is printed on stdout only");
    assert!(stderr.contains(&format!("[teams.{team}]")), "{stderr}");
    // `token hash` gives the same form.
    let again = depgate(&["token", "hash"], Some(&format!("{token}\n")));
    assert_eq!(String::from_utf8(again.stdout).unwrap().trim(), hash);
    (token, hash)
}

fn config(npm: &FakeNpm, repo: &FakeRepo, teams: &str) -> String {
    format!(
        "[npm]\nchain = [\"npmjs\"]\n[pypi]\nchain = [\"py\"]\n\n\
         [upstream.npmjs]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\n\n\
         [upstream.py]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\n\n\
         [policy]\nrequire = \"none\"\n\n{teams}",
        npm.url(),
        repo.simple_url(),
    )
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}\r\n")
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Authorization: Basic {}\r\n",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

/// Parse `/metrics` with Python's `prometheus_client` (the reference parser): every
/// sample with a whole value as `name{labels}` → value, sorted label pairs. `None` when the parser is not
/// installed (a visible skip; a failure under `DEPGATE_REQUIRE_TOOLS=1`).
fn parse_metrics(text: &str) -> Option<std::collections::BTreeMap<String, u64>> {
    let script = r#"
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        if float(s.value).is_integer():
            out[f"{s.name}{{{labels}}}"] = int(s.value)
print(json.dumps(out))
"#;
    let have = Command::new("python3").args(["-c", "import prometheus_client"]).status().is_ok_and(|s| s.success());
    if !have {
        assert!(!require_tools(), "python3 -m pip install prometheus-client (scripts/test.sh does) is required");
        support::skipped("serve_teams: Python's prometheus_client is not installed; /metrics is not parsed");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn team_tokens_choose_chains_name_the_team_in_the_audit_and_reload_on_sighup() {
    let work = tempfile::tempdir().unwrap();
    let npm = FakeNpm::start();
    let repo = FakeRepo::start();
    npm.publish_bytes("left-pad", "1.0.0", OLD, npm_tarball(work.path(), "left-pad", "1.0.0"));
    repo.publish_py("fresh-py", "1.0", "fresh_py-1.0-py3-none-any.whl", "2025-06-01T00:00:00Z");
    let (web, web_hash) = new_token("web");
    let (data, data_hash) = new_token("data");
    let teams = format!(
        "[teams.web]\ntokens = [\"{web_hash}\"]\nchains = [\"npm\"]\n\n[teams.data]\ntokens = [\"{data_hash}\"]\n"
    );
    let cfg = work.path().join("depgate.toml");
    std::fs::write(&cfg, config(&npm, &repo, &teams)).unwrap();
    let served = Served::start(work.path(), &cfg, &["--current-time", NOW]);
    let addr = served.addr();
    let tarball = path_of(&format!("{}left-pad/-/left-pad-1.0.0.tgz", served.url("npm")));
    let simple = path_of(&format!("{}fresh-py/", served.url("pypi")));

    // No token, or one no team has: 401 with a Basic challenge (what pip and Maven answer).
    for auth in [String::new(), bearer("dgt_not-a-token"), basic("web", "nope")] {
        let (code, head, _) = raw_get(&addr, &tarball, &auth);
        assert_eq!(code, 401, "{auth}: {head}");
        assert!(head.to_ascii_lowercase().contains("www-authenticate: basic"), "{head}");
    }
    // Health and readiness need no token; metrics do.
    assert_eq!(raw_get(&addr, "/healthz", "").0, 200);
    let (code, _, body) = raw_get(&addr, "/readyz", "");
    assert_eq!((code, String::from_utf8_lossy(&body).contains("ready")), (200, true));
    assert_eq!(raw_get(&addr, "/metrics", "").0, 401);

    // web may use npm (Bearer, as npm sends `_authToken`), twice: the second is a repeat
    // served from memory, still recorded with the team.
    for _ in 0..2 {
        assert_eq!(raw_get(&addr, &tarball, &bearer(&web)).0, 200);
    }
    // ... but not PyPI: 403 naming the team and what to change.
    let (code, head, body) = raw_get(&addr, &simple, &basic("web", &web));
    assert_eq!(code, 403, "{head}");
    let msg = String::from_utf8_lossy(&body);
    assert!(msg.contains("team `web` may not use the pypi chain") && msg.contains("[teams.web] chains"), "{msg}");
    // data may use every chain, with Basic (Maven/Gradle: password; pip: the user name).
    assert_eq!(raw_get(&addr, &tarball, &basic("ci", &data)).0, 200);
    let (code, _, page) = raw_get(&addr, &simple, &basic(&data, ""));
    assert_eq!(code, 200);
    let page = String::from_utf8_lossy(&page);
    let href = page.split("href=\"").nth(1).unwrap().split(['"', '#']).next().unwrap().to_string();
    let wheel = if href.starts_with("http") { path_of(&href) } else { format!("{simple}{href}") };
    assert_eq!(raw_get(&addr, &wheel, &basic(&data, "")).0, 200, "{wheel}");

    // Every file record names the team whose token asked.
    let files: Vec<Value> = served.audit().into_iter().filter(|r| r["request"].is_null()).collect();
    let by = |team: &str, purl: &str| {
        files.iter().filter(|r| r["team"] == team && r["purl"].as_str().is_some_and(|p| p.starts_with(purl))).count()
    };
    assert_eq!(by("web", "pkg:npm/left-pad@1.0.0"), 2, "{files:#?}");
    assert_eq!(by("data", "pkg:npm/left-pad@1.0.0"), 1, "{files:#?}");
    assert_eq!(by("data", "pkg:pypi/fresh-py@1.0"), 1, "{files:#?}");
    assert!(files.iter().all(|r| r["team"].is_string()), "{files:#?}");
    let q = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["audit", "query", "--format", "json", "--team", "web"])
        .arg(served.out.join("audit.jsonl"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&q.stdout).lines().count(), 2, "{}", String::from_utf8_lossy(&q.stdout));

    // Metrics, as Prometheus reads them.
    let (code, head, text) = raw_get(&addr, "/metrics", &bearer(&data));
    assert_eq!(code, 200, "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    let text = String::from_utf8(text).unwrap();
    if let Some(m) = parse_metrics(&text) {
        let get = |k: &str| m.get(k).copied().unwrap_or_else(|| panic!("{k} not in\n{text}"));
        assert_eq!(get("depgate_team_requests_total{team=web}"), 3);
        assert!(get("depgate_team_requests_total{team=data}") >= 3);
        assert_eq!(get("depgate_package_requests_total{ecosystem=npm,package=left-pad}"), 3);
        assert_eq!(get("depgate_package_requests_total{ecosystem=pypi,package=fresh-py}"), 1);
        assert_eq!(get("depgate_requests_total{ecosystem=npm,status=401}"), 3);
        assert_eq!(get("depgate_requests_total{ecosystem=pypi,status=403}"), 1);
        assert_eq!(get("depgate_cache_requests_total{result=hit}"), 2);
        assert_eq!(get("depgate_cache_requests_total{result=miss}"), 2);
        assert_eq!(get("depgate_decisions_total{decision=allow}"), 4);
        assert!(get("depgate_upstream_request_duration_seconds_count{upstream=npmjs}") >= 2);
        assert_eq!(get("depgate_ready{}"), 1);
    }

    // SIGHUP: a new team appears; a configuration with a mistake is refused whole and
    // the one in force stays.
    let (ops, ops_hash) = new_token("ops");
    assert_eq!(raw_get(&addr, "/metrics", &bearer(&ops)).0, 401);
    let reloaded = format!("{teams}\n[teams.ops]\ntokens = [\"{ops_hash}\"]\nchains = [\"pypi\"]\n");
    std::fs::write(&cfg, config(&npm, &repo, &reloaded)).unwrap();
    hangup(served.pid());
    let start = Instant::now();
    while raw_get(&addr, "/metrics", &bearer(&ops)).0 != 200 {
        assert!(start.elapsed() < Duration::from_secs(20), "the reload did not take: {}", served.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(served.log().contains("configuration reloaded (SIGHUP)"), "{}", served.log());
    assert_eq!(raw_get(&addr, &tarball, &bearer(&ops)).0, 403, "ops may use pypi only");
    // The files decided before the reload are still in the report, and repeats work.
    assert_eq!(raw_get(&addr, &tarball, &bearer(&web)).0, 200);
    std::fs::write(&cfg, format!("{}\n[teams.broken]\ntokens = [\"abc\"]\n", config(&npm, &repo, &reloaded))).unwrap();
    hangup(served.pid());
    let start = Instant::now();
    while !served.log().contains("reload (SIGHUP) refused") {
        assert!(start.elapsed() < Duration::from_secs(20), "no refusal logged: {}", served.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = served.log();
    assert!(log.contains("is not a sha256 hash"), "the refusal says why: {log}");
    assert_eq!(raw_get(&addr, &tarball, &bearer(&web)).0, 200, "the configuration in force stays");
    let out = served.out.clone();
    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    for secret in [&web, &data, &ops] {
        assert!(!log.contains(secret.as_str()), "a token in the log");
        for f in ["audit.jsonl", "decisions.json", "summary.md"] {
            let text = std::fs::read_to_string(out.join(f)).unwrap_or_default();
            assert!(!text.contains(secret.as_str()), "a token in {f}");
        }
    }
    assert_chain_verifies(&out.join("audit.jsonl"));
    let decisions: Value = serde_json::from_str(&std::fs::read_to_string(out.join("decisions.json")).unwrap()).unwrap();
    let text = decisions.to_string();
    assert!(text.contains("pkg:npm/left-pad@1.0.0") && text.contains("pkg:pypi/fresh-py@1.0"), "{decisions:#}");
}

fn hangup(pid: u32) {
    assert!(Command::new("kill").args(["-HUP", &pid.to_string()]).status().unwrap().success());
}

#[test]
fn sigterm_drains_and_logs_are_json_when_asked() {
    let work = tempfile::tempdir().unwrap();
    let npm = FakeNpm::start();
    let repo = FakeRepo::start();
    npm.publish_bytes("left-pad", "1.0.0", OLD, npm_tarball(work.path(), "left-pad", "1.0.0"));
    let cfg = work.path().join("depgate.toml");
    std::fs::write(&cfg, config(&npm, &repo, "")).unwrap();
    let served = Served::start_env(
        work.path(),
        &cfg,
        &["--current-time", NOW, "--drain-secs", "3", "--log-format", "json"],
        &[("DEPGATE_LOG", "depgate=info,depgate::access=debug")],
    );
    let addr = served.addr();
    let tarball = path_of(&format!("{}left-pad/-/left-pad-1.0.0.tgz", served.url("npm")));
    assert_eq!(raw_get(&addr, &tarball, "").0, 200);
    assert_eq!(raw_get(&addr, "/readyz", "").0, 200);
    let pid = served.pid();
    assert!(Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    // Draining: not ready, still alive, still answering.
    let start = Instant::now();
    while raw_get(&addr, "/readyz", "").0 != 503 {
        assert!(start.elapsed() < Duration::from_secs(2), "readiness did not turn 503");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, _, body) = raw_get(&addr, "/readyz", "");
    assert!(String::from_utf8_lossy(&body).contains("draining"));
    assert_eq!(raw_get(&addr, "/healthz", "").0, 200);
    assert_eq!(raw_get(&addr, &tarball, "").0, 200, "requests are answered while draining");
    let out = served.out.clone();
    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    assert!(start.elapsed() >= Duration::from_secs(2), "the drain lasted --drain-secs");
    // Every log event is one JSON object with a level and a message.
    let events: Vec<Value> =
        log.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).expect(l)).collect();
    assert!(!events.is_empty(), "{log}");
    for e in events.iter().filter(|e| e["target"] != "depgate::access") {
        assert!(e["level"].is_string() && e["fields"]["message"].is_string() && e["timestamp"].is_string(), "{e}");
    }
    assert!(
        events
            .iter()
            .any(|e| e["fields"]["message"].as_str().is_some_and(|m| m.starts_with("depgate serve: stopped;")))
    );
    // The access log: one event per request, its fields as JSON fields.
    let access: Vec<&Value> = events.iter().filter(|e| e["target"] == "depgate::access").collect();
    assert!(
        access.iter().any(|e| e["fields"]["path"] == tarball.as_str() && e["fields"]["status"] == 200),
        "{access:#?}"
    );
    assert!(log.lines().all(|l| l.starts_with('{')), "every line is JSON: {log}");
    assert_eq!(support::served::records(&out.join("audit.jsonl")).len(), 2);
}
