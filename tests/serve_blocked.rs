//! `depgate serve` says every block where the user looks. A version a listing hides (npm
//! packument, simple page, `maven-metadata.xml`) leaves the client nothing to print but
//! "no matching version", so the proxy logs it (info, once per version, decision and
//! rules: a listing asked for again prints nothing new), audits it (`request: listing`,
//! with the rules) and reports it (`held_back` in decisions.json, "Blocked" in
//! summary.md and the stop line, never "Passed"). A refused file is answered with what
//! the client prints (npm: the JSON `error`; pip, Maven: the status line), logged once
//! per file however often it is asked for, and audited per request.
//!
//! Hermetic: fake npm, simple-index and Maven upstreams on 127.0.0.1; versions two days
//! old are inside the public tier's seven-day cooldown. Raw requests are plain TCP.

mod support;

use std::path::Path;

use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;
use support::served::{Served, assert_chain_verifies, npm_tarball, raw_get, records};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";
const YOUNG_HTTP: &str = "Tue, 30 Dec 2025 00:00:00 GMT";

fn config(npm: &FakeNpm, repo: &FakeRepo) -> String {
    format!(
        "[npm]\nchain = [\"npmjs\"]\n[pypi]\nchain = [\"py\"]\n[maven]\nchain = [\"mvn\"]\n\n\
         [upstream.npmjs]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\n\n\
         [upstream.py]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\n\n\
         [upstream.mvn]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n\n\
         [policy]\nquarantine_days = 7\ncooldown_tiers = [\"public\"]\nrequire = \"none\"\n",
        npm.url(),
        repo.simple_url(),
        repo.maven_url()
    )
}

/// The path of a URL (for raw requests).
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

/// Lines of the proxy's log that contain every one of `needles`.
fn lines_with(log: &str, needles: &[&str]) -> Vec<String> {
    log.lines().filter(|l| needles.iter().all(|n| l.contains(n))).map(str::to_string).collect()
}

fn decisions(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("decisions.json")).unwrap()).unwrap()
}

#[test]
fn held_back_versions_and_refused_files_are_logged_once_audited_and_reported() {
    let work = tempfile::tempdir().unwrap();
    let npm = FakeNpm::start();
    let repo = FakeRepo::start();
    for (name, version, at) in
        [("fresh", "1.0.0", OLD), ("fresh", "1.1.0", YOUNG), ("quiet", "1.0.0", OLD), ("quiet", "2.0.0", YOUNG)]
    {
        npm.publish_bytes(name, version, at, npm_tarball(work.path(), name, version));
    }
    repo.publish_py("fresh-py", "1.0", "fresh_py-1.0-py3-none-any.whl", "2025-06-01T00:00:00Z");
    repo.publish_py("fresh-py", "1.1", "fresh_py-1.1-py3-none-any.whl", "2025-12-30T00:00:00Z");
    repo.publish_maven("org.example:fresh-lib", "1.0.0", OLD_HTTP);
    repo.publish_maven("org.example:fresh-lib", "1.1.0", YOUNG_HTTP);
    let cfg = work.path().join("depgate.toml");
    std::fs::write(&cfg, config(&npm, &repo)).unwrap();
    let served = Served::start(work.path(), &cfg, &["--current-time", NOW]);
    let addr = served.addr();
    let registry = served.url("npm");

    // A packument with a held-back version: one info line naming package, version, rule
    // and remedy; asked for again (both documents, many times), no new line.
    let (code, _, body) = raw_get(&addr, &path_of(&format!("{registry}quiet")), "");
    assert_eq!(code, 200);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert!(doc["versions"].get("2.0.0").is_none() && doc["versions"].get("1.0.0").is_some(), "{doc:#}");
    let quiet_lines = lines_with(&served.log(), &["held back pkg:npm/quiet@2.0.0"]);
    assert_eq!(quiet_lines.len(), 1, "{}", served.log());
    for want in
        ["INFO", "from its listing", "quarantine", "(fallback-cooldown)", "published 2.0 days ago", "; to fix: "]
    {
        assert!(quiet_lines[0].contains(want), "{want} in {}", quiet_lines[0]);
    }
    support::report(&format!("serve_blocked: {}", quiet_lines[0]));
    for accept in ["", "Accept: application/vnd.npm.install-v1+json\r\n"] {
        for _ in 0..5 {
            assert_eq!(raw_get(&addr, &path_of(&format!("{registry}quiet")), accept).0, 200);
        }
    }
    assert_eq!(lines_with(&served.log(), &["pkg:npm/quiet@2.0.0"]).len(), 1, "rate limited: {}", served.log());
    let listed: Vec<Value> = served.audit().into_iter().filter(|r| r["request"] == "listing").collect();
    assert_eq!(listed.len(), 1, "one audit record per held-back version: {listed:?}");
    assert_eq!(
        (listed[0]["purl"].as_str(), listed[0]["decision"].as_str(), &listed[0]["rules"]),
        (Some("pkg:npm/quiet@2.0.0"), Some("quarantine"), &serde_json::json!(["fallback-cooldown"]))
    );

    // The tarball of a held-back version: 403 whose JSON `error` (what npm prints) names
    // the rule and what to do; one `blocked` line however often it is asked for, one
    // audit record per request.
    assert_eq!(raw_get(&addr, &path_of(&format!("{registry}fresh")), "").0, 200);
    let tarball = format!("{registry}fresh/-/fresh-1.1.0.tgz");
    for _ in 0..3 {
        let (code, head, body) = raw_get(&addr, &path_of(&tarball), "");
        assert_eq!(code, 403, "{head}");
        let refusal: Value = serde_json::from_slice(&body).unwrap();
        let error = refusal["error"].as_str().unwrap();
        for want in [
            "pkg:npm/fresh@1.1.0",
            "quarantined until 2026-01-",
            "by policy (fallback-cooldown)",
            "; to fix: wait for the cooldown to end",
        ] {
            assert!(error.contains(want), "{want} in {error}");
        }
    }
    let log = served.log();
    assert_eq!(
        lines_with(&log, &["WARN", "blocked pkg:npm/fresh@1.1.0", "(fallback-cooldown)", "to fix:"]).len(),
        1,
        "{log}"
    );
    assert_eq!(lines_with(&log, &["held back pkg:npm/fresh@1.1.0"]).len(), 1, "{log}");
    let refused =
        served.audit().into_iter().filter(|r| r["purl"] == "pkg:npm/fresh@1.1.0" && r["request"].is_null()).count();
    assert_eq!(refused, 3, "one audit record per file request");

    // PyPI: the simple page hides 1.1; its file asked for directly gets a status line
    // (what pip prints) naming the rule and what to do, and is on record.
    let index = served.url("pypi");
    assert_eq!(raw_get(&addr, &path_of(&format!("{index}fresh-py/")), "").0, 200);
    let whl = format!("{}fresh-py/fresh_py-1.1-py3-none-any.whl", index.replace("/simple/", "/files/"));
    for _ in 0..2 {
        let (code, head, _) = raw_get(&addr, &path_of(&whl), "");
        assert_eq!(code, 403, "{head}");
        let status = head.lines().next().unwrap();
        for want in
            ["pkg:pypi/fresh-py@1.1", "(fallback-cooldown)", " until 2026-01-", "to fix: wait for the cooldown to end"]
        {
            assert!(status.contains(want), "{want} in the status line {status}");
        }
    }
    let log = served.log();
    assert_eq!(
        lines_with(&log, &["held back pkg:pypi/fresh-py@1.1 from its listing", "fallback-cooldown"]).len(),
        1,
        "{log}"
    );
    assert_eq!(lines_with(&log, &["blocked pkg:pypi/fresh-py@1.1 (fresh_py-1.1-py3-none-any.whl)"]).len(), 1, "{log}");
    let audit = served.audit();
    let whl_records: Vec<&Value> =
        audit.iter().filter(|r| r["purl"] == "pkg:pypi/fresh-py@1.1" && r["request"].is_null()).collect();
    assert_eq!(whl_records.len(), 2, "{whl_records:?}");
    assert_eq!(whl_records[0]["rules"], serde_json::json!(["fallback-cooldown"]));

    // Maven: maven-metadata.xml leaves 1.1.0 out and says so once.
    let maven = served.url("maven");
    for _ in 0..2 {
        let (code, _, body) = raw_get(&addr, &path_of(&format!("{maven}org/example/fresh-lib/maven-metadata.xml")), "");
        assert_eq!(code, 200);
        let xml = String::from_utf8(body).unwrap();
        assert!(xml.contains("<version>1.0.0</version>") && !xml.contains("1.1.0"), "{xml}");
    }
    assert_eq!(
        lines_with(&served.log(), &["held back pkg:maven/org.example/fresh-lib@1.1.0 from its listing"]).len(),
        1,
        "{}",
        served.log()
    );

    let out = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    let stop = stderr.lines().find(|l| l.contains("stopped;")).unwrap();
    assert!(stop.contains("blocked: 2 files refused, 2 versions held back from listings"), "{stop}");
    for want in [
        "depgate serve: blocked:",
        "quarantine pkg:npm/quiet@2.0.0  fallback-cooldown  (held back from listings)",
        "quarantine pkg:npm/fresh@1.1.0  fallback-cooldown  (file refused)",
    ] {
        assert!(stderr.contains(want), "{want} in {stderr}");
    }

    // The report: refused files are decisions; versions held back and never asked for as
    // files are `held_back`, with their rules and remedy.
    let d = decisions(&out);
    let held_purls: Vec<&str> =
        d["held_back"].as_array().unwrap().iter().map(|h| h["purl"].as_str().unwrap()).collect();
    assert_eq!(held_purls, ["pkg:maven/org.example/fresh-lib@1.1.0", "pkg:npm/quiet@2.0.0"], "{:#}", d["held_back"]);
    let quiet = &d["held_back"][1];
    assert_eq!(quiet["decision"], "quarantine");
    assert_eq!(quiet["findings"][0]["rule"], "fallback-cooldown");
    assert!(quiet["findings"][0]["remedy"].as_str().unwrap().contains("pin a version published at least 7 days ago"));
    assert_eq!(d["counts"]["quarantine"], 2, "the refused npm tarball and wheel: {:#}", d["counts"]);
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("❌ **Blocked**"), "{summary}");
    assert!(summary.contains("### Held back from listings"), "{summary}");
    assert!(summary.contains("| `pkg:npm/quiet` | `2.0.0` | quarantine | `fallback-cooldown` |"), "{summary}");
    // Held back is not fetched: no SBOM lists it.
    let sbom = std::fs::read_to_string(out.join("sbom.cdx.json")).unwrap();
    assert!(!sbom.contains("quiet"), "a version never served is in no SBOM");
    assert_chain_verifies(&out.join("audit.jsonl"));
    assert!(records(&out.join("audit.jsonl")).iter().any(|r| r["request"] == "listing"));
}

#[test]
fn a_run_that_only_hid_a_version_never_reads_as_passed() {
    let work = tempfile::tempdir().unwrap();
    let npm = FakeNpm::start();
    let repo = FakeRepo::start();
    npm.publish_bytes("fresh", "1.0.0", OLD, npm_tarball(work.path(), "fresh", "1.0.0"));
    npm.publish_bytes("fresh", "1.1.0", YOUNG, npm_tarball(work.path(), "fresh", "1.1.0"));
    let cfg = work.path().join("depgate.toml");
    std::fs::write(&cfg, config(&npm, &repo)).unwrap();
    let served = Served::start(work.path(), &cfg, &["--current-time", NOW]);
    let registry = served.url("npm");
    assert_eq!(raw_get(&served.addr(), &path_of(&format!("{registry}fresh")), "").0, 200);
    let out = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("stopped; blocked: 1 version held back from listings (listed below); 0 files decided"),
        "{stderr}"
    );
    assert!(
        stderr.contains("   until 2026-01-") && stderr.contains("to fix: wait for the cooldown to end"),
        "{stderr}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("❌ **Blocked**: 1 version held back from listings"), "{summary}");
    assert!(!summary.contains("Passed"), "{summary}");
    assert_eq!(decisions(&out)["held_back"][0]["purl"], "pkg:npm/fresh@1.1.0");
}
