//! LIVE group: gates real lockfiles (made here by the real npm client) against the live
//! npm registry with the embedded default configuration. Needs the network, so it runs
//! only with `DEPGATE_LIVE=1` (the test script and CI set it) and says so when skipped.

mod support;

use support::Project;

fn live() -> bool {
    if std::env::var("DEPGATE_LIVE").as_deref() == Ok("1") {
        return true;
    }
    support::skipped(
        "live npm registry test: set DEPGATE_LIVE=1 to run it (needs network access to registry.npmjs.org)",
    );
    false
}

fn copy_lockfile(from: &str) -> Project {
    let p = Project::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(from);
    p.write("package-lock.json", &std::fs::read_to_string(src).unwrap());
    p
}

#[test]
fn live_gate_small_lockfile_with_downloads() {
    if !live() {
        return;
    }
    let p = copy_lockfile("testdata/npm/basic/package-lock.v3.json");
    let run = p.depgate(&["check", "--download"], &[]);
    let d = p.decisions();
    let records = d["decisions"].as_array().unwrap();
    for r in records.iter().filter(|r| r["package"]["source"] == "registry" && r["package"]["bundled"] == false) {
        let res = &r["resolution"];
        assert_eq!(res["upstream"], "npmjs", "{r:#}");
        assert_eq!(res["version_found"], true, "{r:#}");
        assert_eq!(res["lockfile_integrity"], "match", "{r:#}");
        assert_eq!(res["artifact_integrity"], "match", "real bytes must match the registry: {r:#}");
    }
    // The git dependency is reported, never silently dropped.
    assert!(
        records.iter().any(|r| r["package"]["source"] == "git" && r["findings"][0]["rule"] == "unresolvable-source"),
        "{d:#}"
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn live_gate_large_lockfile() {
    if !live() {
        return;
    }
    let p = copy_lockfile("testdata/npm/large/package-lock.json");
    let run = p.depgate(&["check", "--format", "json"], &[]);
    let d: serde_json::Value = serde_json::from_str(&run.stdout).expect("decisions JSON on stdout");
    let records = d["decisions"].as_array().unwrap();
    assert!(records.len() > 1000, "{}", records.len());
    let mut checked = 0;
    for r in records.iter().filter(|r| r["package"]["source"] == "registry" && r["package"]["bundled"] == false) {
        let res = &r["resolution"];
        assert_eq!(res["status"], "owned", "{r:#}");
        assert_eq!(res["version_found"], true, "{r:#}");
        assert_eq!(res["lockfile_integrity"], "match", "{r:#}");
        checked += 1;
    }
    assert!(checked > 1000);
    assert_eq!(run.code, 0, "{}", run.stderr);
    println!("live: {checked} packages resolved against registry.npmjs.org, integrity matched");
}

/// A small real project (testdata/npm/popular: express, webpack-cli, eslint; ~215
/// packages) at the default concurrency, with a cold cache and then a warm one. The times
/// are printed, not asserted (speed is measured in benches/): they are what a user waits.
#[test]
fn live_gate_popular_project_cold_and_warm() {
    if !live() {
        return;
    }
    let p = copy_lockfile("testdata/npm/popular/package-lock.json");
    for cache in ["cold", "warm"] {
        let started = std::time::Instant::now();
        let run = p.depgate(&["check"], &[]);
        let took = started.elapsed();
        assert_eq!(run.code, 0, "{}", run.all_output());
        let d = p.decisions();
        let records = d["decisions"].as_array().unwrap();
        for r in records {
            let res = &r["resolution"];
            assert_eq!(res["upstream"], "npmjs", "{r:#}");
            assert_eq!(res["version_found"], true, "{r:#}");
            assert_eq!(res["lockfile_integrity"], "match", "{r:#}");
        }
        assert!(records.len() > 150, "{}", records.len());
        support::report(&format!(
            "live npm: popular project, {} packages, {cache} cache, default concurrency: {:.2}s",
            records.len(),
            took.as_secs_f64()
        ));
    }
}
