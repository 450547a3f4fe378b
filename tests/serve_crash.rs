//! `depgate serve` killed with SIGKILL in the middle of an `npm install` of 120 packages,
//! then started again on the same cache and report folder: no cache entry is corrupt
//! (every stored file's digest checks; temporary files are never read), the audit log's
//! chain verifies, every file audited before the kill is served from the store after the
//! restart, and the same install then succeeds.
//!
//! npm must be on PATH; without it the test prints a SKIPPED line (under
//! `DEPGATE_REQUIRE_TOOLS=1`, as in CI, it fails instead).

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::served::{Served, assert_chain_verifies, check_cache, have, npm_tarball, records};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const PACKAGES: usize = 120;

fn npm_install(project: &Path, registry: &str, cache: &Path) -> Child {
    Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--fetch-retries", "0", "--registry", registry, "--cache"])
        .arg(cache)
        .current_dir(project)
        .env("npm_config_userconfig", project.join("no-npmrc"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("npm starts")
}

/// Complete lines in the log (a line being written may be cut; it is not counted).
fn complete_lines(log: &Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |t| t.matches('\n').count())
}

#[test]
fn sigkill_during_an_install_then_restart_leaves_a_clean_cache_and_a_verifiable_chain() {
    if !have("npm", "--version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let names: Vec<String> = (0..PACKAGES).map(|i| format!("crash-{i:03}")).collect();
    for name in &names {
        public.publish_bytes(name, "1.0.0", OLD, npm_tarball(work.path(), name, "1.0.0"));
    }
    // Slow upstreams, so the kill lands with requests in flight.
    public.latency(Duration::from_millis(60));
    curated.latency(Duration::from_millis(20));
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, support::chain_config(&curated.url(), &public.url(), "", "")).unwrap();
    let project = work.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    let deps: serde_json::Map<String, Value> = names.iter().map(|n| (n.clone(), Value::from("1.0.0"))).collect();
    let manifest = serde_json::json!({"name": "app", "version": "1.0.0", "private": true, "dependencies": deps});
    std::fs::write(project.join("package.json"), manifest.to_string()).unwrap();
    let log = work.path().join("report").join("audit.jsonl");

    // First run: kill -9 once a quarter of the files are audited.
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    let mut npm = npm_install(&project, &served.url("npm"), &work.path().join("npm-cache-1"));
    let start = Instant::now();
    while complete_lines(&log) < PACKAGES / 4 {
        assert!(start.elapsed() < Duration::from_secs(120), "the install did not progress:\n{}", served.log());
        assert!(npm.try_wait().unwrap().is_none(), "npm finished before the kill; slow the upstream down");
        std::thread::sleep(Duration::from_millis(5));
    }
    served.kill();
    let _ = npm.kill();
    let _ = npm.wait();
    let at_kill = complete_lines(&log);
    assert!(at_kill < PACKAGES, "killed in the middle of the install ({at_kill} of {PACKAGES} files audited)");

    let cache = work.path().join("cache");
    let (checked, temporary) = check_cache(&cache);
    assert!(checked >= at_kill, "the files audited before the kill are in the store ({checked} checked)");
    // Records are fsynced before the answer: every audited file's bytes are in the store.
    let before: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(before.len(), at_kill);
    let audited: BTreeSet<String> = before.iter().map(|r| r["purl"].as_str().unwrap().to_string()).collect();

    // Second run on the same cache and report folder: the install completes.
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    std::fs::remove_dir_all(project.join("node_modules")).ok();
    let npm = npm_install(&project, &served.url("npm"), &work.path().join("npm-cache-2"));
    let out = npm.wait_with_output().unwrap();
    assert!(out.status.success(), "npm install after the restart failed:\n{}", String::from_utf8_lossy(&out.stderr));
    for name in &names {
        assert!(project.join("node_modules").join(name).join("package.json").is_file(), "{name} installed");
    }
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert_chain_verifies(&log);
    let all = records(&log);
    assert_eq!(all.len(), at_kill + PACKAGES, "one record per file request in both runs");
    let after = &all[at_kill..];
    for r in after {
        let purl = r["purl"].as_str().unwrap();
        assert_eq!(r["decision"], "allow", "{r}");
        if audited.contains(purl) {
            assert_eq!(r["cache"], "hit", "{purl} was stored before the kill: {r}");
        }
    }
    let (checked_after, _) = check_cache(&cache);
    support::report(&format!(
        "serve_crash: killed after {at_kill} of {PACKAGES} files audited; {checked} cache files checked \
         ({temporary} temporary left by the kill), {checked_after} after the restart; chain of {} records verifies",
        all.len()
    ));
}
