//! Crash safety: SIGKILL at random points, 20 times during installs through `depgate
//! serve` and 20 times during `depgate check --download`, all on one cache and one report
//! folder; and four `check --download` runs at once on one cache.
//!
//! After every kill: every file in the cache checks against its digest (temporary files of
//! atomic writes are counted, never read as entries), the audit log's chain verifies up to
//! its last complete record, every file the proxy audited as allowed is in the store, and
//! every report file is whole (it parses) and names one run's packages: the SBOMs the run
//! decisions.json names (it is renamed into place last) or, if the kill fell inside the
//! renames that put a staged report in place, the run killed (counted and printed). After
//! all kills, a clean run succeeds on the same folders and the whole chain verifies.
//!
//! Kill points come from a seeded generator; the seed is printed, and
//! `DEPGATE_TEST_SEED=<seed>` replays the same points.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde_json::Value;
use sha2::{Digest, Sha512};
use support::fake_npm::{FakeNpm, sri_sha512};
use support::served::{
    Rng, Served, assert_chain_verifies, assert_prefix_verifies, check_cache, complete_lines, files_under, is_temporary,
};
use support::{Locked, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const RUNS: usize = 20;
const PACKAGES: usize = 30;

fn name(prefix: &str, run: usize, i: usize) -> String {
    format!("{prefix}-{run:02}-{i:02}")
}

/// Distinct bytes per package, a few KiB each.
fn bytes_of(name: &str) -> Vec<u8> {
    let seed = Sha512::digest(name.as_bytes());
    (0..4096 + usize::from(seed[0]) * 16).map(|j| seed[j % 64] ^ u8::try_from(j % 251).unwrap()).collect()
}

fn config(dir: &Path, curated: &FakeNpm, public: &FakeNpm) -> PathBuf {
    let config = dir.join("depgate.toml");
    std::fs::write(&config, support::chain_config(&curated.url(), &public.url(), "", "")).unwrap();
    config
}

/// The parsed records of the complete lines of an audit log.
fn audited(log: &Path) -> Vec<Value> {
    complete_lines(log).0.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// An install through the proxy: packument then tarball for each name, 6 at a time.
/// Errors are expected once the proxy is killed; they end that name's fetch.
fn install(npm: String, names: Vec<String>) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        runtime.block_on(async {
            futures::stream::iter(names)
                .map(|n| {
                    let (client, npm) = (&client, &npm);
                    async move {
                        let doc = client.get(format!("{npm}{n}")).send().await.ok()?;
                        doc.bytes().await.ok()?;
                        let tgz = client.get(format!("{npm}{n}/-/{n}-1.0.0.tgz")).send().await.ok()?;
                        let ok = tgz.status() == 200;
                        let body = tgz.bytes().await.ok()?;
                        (ok && body == bytes_of(&n)).then_some(())
                    }
                })
                .buffer_unordered(6)
                .filter_map(|r| async move { r })
                .count()
                .await
        })
    })
}

/// Every record the proxy wrote as allowed names a sha512 whose bytes are in the store.
fn assert_audited_files_stored(records: &[Value], cache: &Path) -> usize {
    let store = cache.join("artifacts-v1").join("sha512");
    let mut n = 0;
    for r in records.iter().filter(|r| r["decision"] == "allow") {
        let digest = r["digest"].as_str().unwrap_or_default();
        let Some(hex) = digest.strip_prefix("sha512:") else { continue };
        let stored = std::fs::read(store.join(&hex[..2]).join(hex))
            .unwrap_or_else(|e| panic!("{} was audited but its bytes are not in the store: {e}", r["purl"]));
        assert_eq!(hex::encode(Sha512::digest(&stored)), hex);
        n += 1;
    }
    n
}

#[test]
fn sigkill_serve_20_times_during_installs() {
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let mut rng = Rng::seeded("kill/serve");
    for run in 0..RUNS {
        for i in 0..PACKAGES {
            let n = name("ks", run, i);
            public.publish_bytes(&n, "1.0.0", OLD, bytes_of(&n));
        }
    }
    // Slow upstreams, so that kills land with fetches and audit writes in flight.
    public.latency(Duration::from_millis(30));
    curated.latency(Duration::from_millis(10));
    let config = config(work.path(), &curated, &public);
    let log = work.path().join("report").join("audit.jsonl");
    let cache = work.path().join("cache");
    let started = Instant::now();
    let mut lines = Vec::new();
    let mut cut_lines = 0;
    for run in 0..RUNS {
        let served = Served::start(work.path(), &config, &["--current-time", NOW]);
        // A line a previous kill cut short was set aside when the log was opened.
        let (_, cut) = complete_lines(&log);
        assert!(!cut, "run {run}: the proxy opened the log and left a cut last line");
        let base = audited(&log).len();
        let names: Vec<String> = (0..PACKAGES).map(|i| name("ks", run, i)).collect();
        let client = install(served.url("npm"), names);
        let point = if rng.range(0, 2) == 0 {
            let after = usize::try_from(rng.range(1, PACKAGES as u64)).unwrap();
            let t = Instant::now();
            while audited(&log).len() < base + after && !client.is_finished() {
                assert!(t.elapsed() < Duration::from_secs(30), "run {run}: no progress:\n{}", served.log());
                std::thread::sleep(Duration::from_millis(2));
            }
            format!("after {after} records")
        } else {
            let delay = Duration::from_millis(rng.range(0, 700));
            let t = Instant::now();
            while t.elapsed() < delay && !client.is_finished() {
                std::thread::sleep(Duration::from_millis(2));
            }
            format!("after {} ms", delay.as_millis())
        };
        let finished = client.is_finished();
        served.kill();
        let installed = client.join().unwrap();
        let (_, cut) = complete_lines(&log);
        cut_lines += usize::from(cut);
        let records = assert_prefix_verifies(&log);
        let (checked, temporary) = check_cache(&cache);
        let stored = assert_audited_files_stored(&audited(&log), &cache);
        lines.push(format!(
            "run {run}: killed {point}{} ({installed} installed; {} new records, {records} in all{}; {checked} cache files \
             checked, {temporary} temporary; {stored} audited files in the store)",
            if finished { " (the install had finished)" } else { "" },
            records - base,
            if cut { ", last line cut" } else { "" },
        ));
    }

    // A clean run on the same folders: what was audited is served from the store.
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    let before: Vec<Value> = audited(&log);
    let hits: BTreeSet<String> = before
        .iter()
        .filter(|r| r["decision"] == "allow")
        .filter_map(|r| r["purl"].as_str())
        .map(|p| p.trim_start_matches("pkg:npm/").trim_end_matches("@1.0.0").to_string())
        .collect();
    let mut again: Vec<String> = hits.iter().take(40).cloned().collect();
    again.extend((0..PACKAGES).map(|i| name("ks", RUNS - 1, i)));
    again.sort();
    again.dedup();
    let installed = install(served.url("npm"), again.clone()).join().unwrap();
    assert_eq!(installed, again.len(), "every file installs after the kills:\n{}", served.log());
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert_chain_verifies(&log);
    let all = audited(&log);
    for r in &all[before.len()..] {
        let purl = r["purl"].as_str().unwrap();
        let n = purl.trim_start_matches("pkg:npm/").trim_end_matches("@1.0.0");
        if hits.contains(n) {
            assert_eq!(r["cache"], "hit", "{purl} was stored before a kill: {r}");
        }
    }
    let torn = std::fs::read_dir(work.path().join("report"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
        .count();
    let (checked, temporary) = check_cache(&cache);
    support::report(&format!(
        "kill/serve: {RUNS} SIGKILLs in {:.1} s; {cut_lines} kills cut a line ({torn} set aside on restart); after a clean \
         run: {} records, chain verifies; {checked} cache files check, {temporary} temporary files never read\n  {}",
        started.elapsed().as_secs_f64(),
        all.len(),
        lines.join("\n  ")
    ));
}

/// `depgate check --download` in `dir` with `cache`, started and not waited for.
fn spawn_check(dir: &Path, cache: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["check", "--current-time", NOW, "--download"])
        .args(extra)
        .current_dir(dir)
        .env_remove("DEPGATE_CONFIG")
        .env_remove("DEPGATE_LOG")
        .env("DEPGATE_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("depgate check starts")
}

fn lockfile(public: &FakeNpm, names: &[String]) -> String {
    let integrities: Vec<(String, String)> =
        names.iter().map(|n| (sri_sha512(&bytes_of(n)), format!("{}{n}/-/{n}-1.0.0.tgz", public.url()))).collect();
    let entries: Vec<Locked<'_>> =
        names.iter().zip(&integrities).map(|(n, (i, url))| Locked::new(n, "1.0.0", i, url.clone())).collect();
    package_lock_v3(&entries)
}

/// The run in a test package's name (`kc-RR-II`, see [`name`]); `None` for other names
/// (an SBOM's root component).
fn run_in_name(n: &str) -> Option<String> {
    let b = n.as_bytes();
    (b.len() > 6 && b[0] == b'k' && b[2] == b'-' && b[3..5].iter().all(u8::is_ascii_digit) && b[5] == b'-')
        .then(|| n[3..5].to_string())
}

/// Each report file is whole, and `decisions.json` names the packages of one run only
/// (`kc-RR-…`), and so does each SBOM. Returns that run, if there is a report yet, and
/// whether the set is mixed. The files are staged in full, then renamed into place one by
/// one with `decisions.json` last: an SBOM is of `decisions.json`'s run, or of `current`
/// (the run just killed) when the kill fell inside those renames; never of another.
fn check_report(out: &Path, current: Option<usize>) -> Option<(usize, bool)> {
    // Each file is read once: a missing one is `None`, one that does not parse fails.
    let read = |f: &str| -> Option<Value> {
        let text = std::fs::read_to_string(out.join(f)).ok()?;
        Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{f} is not whole: {e}")))
    };
    read("results.sarif");
    let sboms = [("sbom.cdx.json", "components"), ("sbom.spdx.json", "packages")].map(|(f, list)| (f, list, read(f)));
    if let Ok(summary) = std::fs::read_to_string(out.join("summary.md")) {
        assert!(summary.ends_with('\n') && !summary.trim().is_empty(), "summary.md is not whole");
    }
    let run_of = |names: Vec<&str>, what: &str| -> usize {
        let runs: BTreeSet<String> = names.iter().filter_map(|n| run_in_name(n)).collect();
        assert_eq!(runs.len(), 1, "{what} names packages of {} runs: {runs:?}", runs.len());
        runs.into_iter().next().unwrap().parse().unwrap()
    };
    let decisions = read("decisions.json")?;
    let run = run_of(
        decisions["decisions"].as_array().unwrap().iter().map(|d| d["package"]["name"].as_str().unwrap()).collect(),
        "decisions.json",
    );
    let mut mixed = false;
    for (file, list, sbom) in sboms {
        let sbom = sbom.unwrap_or_else(|| panic!("decisions.json of run {run} without {file}"));
        let of = run_of(sbom[list].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect(), file);
        assert!(
            of == run || Some(of) == current,
            "{file} is from run {of}: neither decisions.json's run ({run}) nor the run killed ({current:?})"
        );
        mixed |= of != run;
    }
    Some((run, mixed))
}

#[test]
fn sigkill_check_download_20_times() {
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let mut rng = Rng::seeded("kill/check");
    let mut names = Vec::new();
    // A run that finishes before its kill point does not count: up to three times as many.
    for run in 0..3 * RUNS {
        let these: Vec<String> = (0..PACKAGES).map(|i| name("kc", run, i)).collect();
        for n in &these {
            public.publish_bytes(n, "1.0.0", OLD, bytes_of(n));
        }
        names.push(these);
    }
    public.latency(Duration::from_millis(30));
    curated.latency(Duration::from_millis(10));
    let project = work.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    config(&project, &curated, &public);
    let cache = work.path().join("cache");
    let out = project.join("depgate-report");
    let log = out.join("audit.jsonl");
    let started = Instant::now();
    let mut lines = Vec::new();
    let mut last_report = None;
    let mut killed_in_renames = 0;
    // How long one run takes here, on its own packages, so that kill points fall inside
    // runs: half anywhere, half near the end, where the report and the audit log are written.
    // The first run of a process pays for warming up; the second one is timed.
    let mut span = 0;
    for cal in [98, 99] {
        let calibration: Vec<String> = (0..PACKAGES).map(|i| name("kc", cal, i)).collect();
        for n in &calibration {
            public.publish_bytes(n, "1.0.0", OLD, bytes_of(n));
        }
        let calibrate = work.path().join("calibrate");
        std::fs::create_dir_all(&calibrate).unwrap();
        config(&calibrate, &curated, &public);
        std::fs::write(calibrate.join("package-lock.json"), lockfile(&public, &calibration)).unwrap();
        let t = Instant::now();
        let run = spawn_check(&calibrate, &work.path().join("calibration-cache"), &[]).wait_with_output().unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
        span = u64::try_from(t.elapsed().as_millis()).unwrap().max(20);
    }
    let mut kills = 0;
    let mut last = 0;
    for (run, these) in names.iter().enumerate() {
        if kills == RUNS {
            break;
        }
        last = run;
        std::fs::write(project.join("package-lock.json"), lockfile(&public, these)).unwrap();
        let mut child = spawn_check(&project, &cache, &[]);
        let delay = Duration::from_millis(if rng.range(0, 2) == 0 {
            rng.range(0, span)
        } else {
            rng.range(span * 6 / 10, span)
        });
        let t = Instant::now();
        let mut exited = None;
        while t.elapsed() < delay {
            if let Some(status) = child.try_wait().unwrap() {
                exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let point = if let Some(status) = exited {
            let _ = child.wait();
            assert_eq!(status.code(), Some(0), "run {run} finished before its kill point and failed");
            // Runs are quicker than the estimate (the machine is less busy): adapt.
            span = (u64::try_from(t.elapsed().as_millis()).unwrap() * 9 / 10).max(20);
            format!("finished in {} ms, before the kill at {} ms", t.elapsed().as_millis(), delay.as_millis())
        } else {
            child.kill().unwrap();
            child.wait().unwrap();
            kills += 1;
            format!("killed after {} ms", delay.as_millis())
        };
        let records = assert_prefix_verifies(&log);
        let (checked, temporary) = check_cache(&cache);
        let (report, mixed) = check_report(&out, Some(run)).map_or((None, false), |(r, m)| (Some(r), m));
        killed_in_renames += usize::from(mixed);
        // The audit log is appended before the report is written: no report shows
        // decisions the log lacks.
        if let Some(r) = report {
            let prefix = format!("pkg:npm/kc-{r:02}-");
            assert!(
                audited(&log).iter().any(|a| a["purl"].as_str().is_some_and(|p| p.starts_with(&prefix))),
                "run {run}: the report of run {r} has no audit records"
            );
        }
        if let (Some(now), Some(before)) = (report, last_report) {
            assert!(
                now == before || now == run,
                "run {run}: the report is from run {now}, neither this one nor the last"
            );
        }
        last_report = report.or(last_report);
        let leftovers = std::fs::read_dir(&out).map_or(0, |d| d.flatten().filter(|e| is_temporary(&e.path())).count());
        lines.push(format!(
            "run {run}: {point}; report of run {}{}; {records} audit records; {checked} cache files checked, {temporary} \
             temporary; {leftovers} temporary files in the report folder",
            report.map_or_else(|| "none yet".to_string(), |r| r.to_string()),
            if mixed { " (killed inside the renames: this run's SBOMs are already in place)" } else { "" }
        ));
    }

    // The same lockfile again, not killed: it completes from what the kills left.
    let rerun = spawn_check(&project, &cache, &[]).wait_with_output().unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", String::from_utf8_lossy(&rerun.stderr));
    assert_eq!(check_report(&out, None), Some((last, false)));
    assert_eq!(kills, RUNS, "{RUNS} runs were killed before they finished");
    assert_chain_verifies(&log);
    let (checked, temporary) = check_cache(&cache);
    support::report(&format!(
        "kill/check: {RUNS} of {} runs killed at random points (a clean run takes ~{span} ms) in {:.1} s; {killed_in_renames} kills fell inside the report's renames; \
         the rerun succeeds; chain of {} records verifies; {checked} cache files check, {temporary} temporary never read\n  {}",
        last + 1,
        started.elapsed().as_secs_f64(),
        audited(&log).len(),
        lines.join("\n  ")
    ));
}

#[test]
fn four_concurrent_checks_share_one_cache() {
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let names: Vec<String> = (0..60).map(|i| name("kp", 0, i)).collect();
    for n in &names {
        public.publish_bytes(n, "1.0.0", OLD, bytes_of(n));
    }
    public.latency(Duration::from_millis(20));
    let cache = work.path().join("cache");
    let dirs: Vec<PathBuf> = (0..4).map(|k| work.path().join(format!("app-{k}"))).collect();
    for d in &dirs {
        std::fs::create_dir_all(d).unwrap();
        config(d, &curated, &public);
        std::fs::write(d.join("package-lock.json"), lockfile(&public, &names)).unwrap();
    }
    // What killed writers leave: an hour-old temporary file in the cache and in a report
    // folder goes; a young one (a writer still at work) stays.
    let plant = |path: PathBuf, age: Duration| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let f = std::fs::File::create(&path).unwrap();
        f.set_modified(std::time::SystemTime::now() - age).unwrap();
        path
    };
    let hour = Duration::from_secs(3600);
    let stale_cache = plant(cache.join("artifacts-v1").join("sha512").join("ab").join(".tmp-stale"), hour);
    let stale_report = plant(dirs[0].join("depgate-report").join(".tmp-stale"), hour);
    let young_cache = plant(cache.join("artifacts-v1").join("sha512").join("ab").join(".tmp-young"), Duration::ZERO);
    let started = Instant::now();
    let children: Vec<Child> = dirs.iter().map(|d| spawn_check(d, &cache, &[])).collect();
    for (k, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "check {k}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let elapsed = started.elapsed();
    let (checked, temporary) = check_cache(&cache);
    let stored = files_under(&cache.join("artifacts-v1").join("sha512")).iter().filter(|p| !is_temporary(p)).count();
    assert_eq!(stored, names.len(), "one stored artifact per package");
    for d in &dirs {
        assert_chain_verifies(&d.join("depgate-report").join("audit.jsonl"));
        assert_eq!(check_report(&d.join("depgate-report"), None), Some((0, false)));
    }
    // A fifth run finds everything in the cache.
    let again = spawn_check(&dirs[0], &cache, &["--format", "json"]).wait_with_output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert!(!stale_cache.exists() && !stale_report.exists(), "stale temporary files are swept");
    assert!(young_cache.exists(), "a young temporary file may be a writer's at work: it stays");
    support::report(&format!(
        "kill/concurrent: 4 checks of {} packages at once on one cache in {:.1} s; {checked} cache files check, \
         {stored} artifacts stored once each, {temporary} temporary",
        names.len(),
        elapsed.as_secs_f64()
    ));
}
