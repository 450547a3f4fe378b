//! LIVE group: gates real lockfiles (made here by pip-compile, poetry, uv, and a real
//! Gradle/Maven resolution; see testdata/pypi/regen.sh and testdata/maven/regen.sh)
//! against the live `PyPI` with the embedded default configuration, and Maven Central
//! with the embedded default's chain without the cooldown (see [`CENTRAL_NO_COOLDOWN`]).
//! Needs the network, so it runs only with `DEPGATE_LIVE=1` (the test script and CI set
//! it) and says so when skipped.

mod support;

use std::path::Path;

use support::Project;

fn live() -> bool {
    if std::env::var("DEPGATE_LIVE").as_deref() == Ok("1") {
        return true;
    }
    support::skipped(
        "live PyPI / Maven Central test: set DEPGATE_LIVE=1 to run it (needs pypi.org and repo.maven.apache.org)",
    );
    false
}

/// A project holding copies of `files` (paths under testdata/), keeping their names.
fn project_with(files: &[&str]) -> Project {
    let p = Project::new();
    for f in files {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(f);
        let name = src.file_name().unwrap().to_string_lossy().to_string();
        p.write(&name, &std::fs::read_to_string(&src).unwrap());
    }
    p
}

/// The embedded default's Maven chain, the cooldown off. The Maven Central reachable where
/// depgate is tested sends no `Last-Modified`, so no publish time is known for its files
/// and the default cooldown of the public tier would deny every one of them
/// (`publish-time-unknown`, failing closed); the real Maven Central sends it.
const CENTRAL_NO_COOLDOWN: &str = "[maven]\nchain = [\"central\"]\n\n[upstream.central]\nkind = \"maven\"\n\
url = \"https://repo.maven.apache.org/maven2/\"\ntier = \"public\"\n\n[policy]\ncooldown_tiers = []\n";

/// Every registry record resolved at its owner with matching digests; returns how many.
fn assert_registry_records(p: &Project, upstream: &str, downloaded: bool) -> usize {
    let d = p.decisions();
    let mut n = 0;
    for r in d["decisions"].as_array().unwrap().iter().filter(|r| r["package"]["source"] == "registry") {
        let res = &r["resolution"];
        assert_eq!(res["upstream"], upstream, "{r:#}");
        assert_eq!(res["version_found"], true, "{r:#}");
        assert_eq!(res["lockfile_integrity"], "match", "{r:#}");
        if downloaded {
            assert_eq!(res["artifact_integrity"], "match", "real bytes must match the owner's digests: {r:#}");
        }
        assert!(r["decision"] == "allow" || r["decision"] == "warn", "{r:#}");
        n += 1;
    }
    n
}

#[test]
fn live_gate_uv_lock_against_pypi() {
    if !live() {
        return;
    }
    let p = project_with(&["pypi/uv/uv.lock", "pypi/uv/pyproject.toml"]);
    let run = p.depgate(&["check"], &[]);
    let n = assert_registry_records(&p, "pypi", false);
    support::report(&format!("live PyPI: uv.lock, {n} registry packages resolved with matching sha256"));
    assert!(n >= 10, "{n}");
    assert_eq!(run.code, 0, "{}", run.all_output());
}

/// A small real project (testdata/pypi/popular: 8 popular projects, ~33 pins with hashes
/// from `uv pip compile --generate-hashes`) at the default concurrency, cold cache then
/// warm. The times are printed, not asserted (speed is measured in benches/).
#[test]
fn live_gate_popular_requirements_cold_and_warm() {
    if !live() {
        return;
    }
    let p = project_with(&["pypi/popular/requirements.txt"]);
    for cache in ["cold", "warm"] {
        let started = std::time::Instant::now();
        let run = p.depgate(&["check"], &[]);
        let took = started.elapsed();
        let n = assert_registry_records(&p, "pypi", false);
        assert!(n >= 30, "{n}");
        assert_eq!(run.code, 0, "{}", run.all_output());
        support::report(&format!(
            "live PyPI: popular requirements.txt, {n} packages, {cache} cache, default concurrency: {:.2}s",
            took.as_secs_f64()
        ));
    }
}

#[test]
fn live_gate_pip_compile_requirements_and_poetry_lock_with_downloads() {
    if !live() {
        return;
    }
    let p = project_with(&["pypi/pip-tools/requirements.txt"]);
    let run = p.depgate(&["check", "--download"], &[]);
    let n = assert_registry_records(&p, "pypi", true);
    assert!(n >= 5, "{n}");
    assert_eq!(run.code, 0, "{}", run.all_output());

    let p = project_with(&["pypi/poetry/poetry.lock", "pypi/poetry/pyproject.toml"]);
    let run = p.depgate(&["check"], &[]);
    let m = assert_registry_records(&p, "pypi", false);
    support::report(&format!("live PyPI: requirements.txt {n} packages (downloaded), poetry.lock {m} packages"));
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn live_gate_maven_resolved_list_against_central() {
    if !live() {
        return;
    }
    let p = project_with(&["maven/gradle/depgate-resolved.json"]);
    p.write("depgate.toml", CENTRAL_NO_COOLDOWN);
    // Central publishes .sha1 for every file but .sha256 only for some: the downloaded
    // bytes settle the sha256 pins of the list.
    let run = p.depgate(&["check", "--download"], &[]);
    let n = assert_registry_records(&p, "central", true);
    let d = p.decisions();
    let licensed = d["decisions"].as_array().unwrap().iter().filter(|r| r["license"].is_string()).count();
    support::report(&format!(
        "live Maven Central: {n} artifacts resolved and downloaded, {licensed} with a licence from their POMs"
    ));
    assert_eq!(n, 23);
    assert!(licensed >= 20, "{licensed}");
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn live_gate_mvn_dependency_list_against_central() {
    if !live() {
        return;
    }
    // The output of `mvn dependency:list -DoutputAbsoluteArtifactFilename=true` made here;
    // its paths point into the ~/.m2 of the machine that made it, so the sha256 of the
    // local files is only known there: resolution and ownership are what is checked.
    let p = Project::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/maven/mvn/list-abs.txt");
    p.write("depgate-mvn-dependencies.txt", &std::fs::read_to_string(src).unwrap());
    p.write("depgate.toml", CENTRAL_NO_COOLDOWN);
    let run = p.depgate(&["check"], &[]);
    let d = p.decisions();
    let records: Vec<&serde_json::Value> =
        d["decisions"].as_array().unwrap().iter().filter(|r| r["package"]["source"] == "registry").collect();
    for r in &records {
        assert_eq!(r["resolution"]["upstream"], "central", "{r:#}");
        assert_eq!(r["resolution"]["version_found"], true, "{r:#}");
    }
    assert!(records.iter().any(|r| r["package"]["classifier"] == "linux-x86_64"), "the classifier artifact is gated");
    support::report(&format!("live Maven Central: mvn dependency:list, {} artifacts resolved", records.len()));
    assert!(records.len() >= 20, "{}", records.len());
    assert_eq!(run.code, 0, "{}", run.all_output());
}
