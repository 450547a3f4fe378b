//! The SBOMs (`sbom.cdx.json`, `CycloneDX` 1.6; `sbom.spdx.json`, SPDX 2.3) checked by the
//! validators their communities use: cyclonedx-python-lib's strict 1.6 schema (and the
//! library loads the BOM), @cyclonedx/cyclonedx-library's (ajv, fast enough for 2,000
//! components) and spdx-tools' `pyspdxtools`. On the demo's report, on a 2,000-package run
//! against a fake registry, and on hand-made records with awkward content; plus what the
//! validators cannot see: every component says where it came from, purls are unique,
//! hashes are there, and the same input gives the same bytes.
//!
//! The validators are installed by scripts/sbom-validators.sh into the tools folder
//! (`$DEPGATE_TOOLS_DIR`, default ~/.cache/depgate-tools). Without them a test prints a
//! SKIPPED line, unless `DEPGATE_REQUIRE_TOOLS=1` (CI), where a missing one fails.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use depgate::advisories::{Advisory, Kind, Level as AdvisoryLevel, SourceInfo};
use depgate::attest::Identity;
use depgate::ecosystem::Ecosystem;
use depgate::engine::{
    AdvisoryCheck, AttestationRecord, Decision, Evidence, LeveledFinding, PackageInfo, PackageSource, Record,
    Resolution, Verification, Verified, ViolatedAt,
};
use depgate::policy::Finding;
use depgate::report::{AdvisoriesRun, ProjectInfo, RunInfo, render_cyclonedx, render_spdx};
use depgate::upstream::EvidenceSource;
use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";

// ---------------------------------------------------------------- validators

struct Tools {
    /// The venv's python, with cyclonedx-python-lib and spdx-tools importable.
    python: Option<PathBuf>,
    pyspdxtools: Option<PathBuf>,
    /// The @cyclonedx/cyclonedx-library folder, when node runs.
    cdx_js: Option<PathBuf>,
}

fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let dir = std::env::var_os("DEPGATE_TOOLS_DIR").map_or_else(
            || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/depgate-tools"),
            PathBuf::from,
        );
        let python = dir.join("sbom-venv/bin/python");
        let python_ok = Command::new(&python)
            .args(["-c", "import cyclonedx.validation.json, cyclonedx.model.bom, spdx_tools"])
            .output()
            .is_ok_and(|o| o.status.success());
        let pyspdxtools = dir.join("sbom-venv/bin/pyspdxtools");
        let cdx_js = dir.join("sbom-npm/node_modules/@cyclonedx/cyclonedx-library");
        let node_ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
        Tools {
            python: python_ok.then_some(python),
            pyspdxtools: (python_ok && pyspdxtools.is_file()).then_some(pyspdxtools),
            cdx_js: (node_ok && cdx_js.join("package.json").is_file()).then_some(cdx_js),
        }
    })
}

/// A validator is missing: fail under CI, say SKIPPED (visibly) otherwise.
fn skip(what: &str) {
    let required = std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(!required, "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/sbom-validators.sh to install it");
    support::skipped(&format!("{what} is not installed (scripts/sbom-validators.sh installs it)"));
}

fn run_validator(cmd: &mut Command, what: &str, file: &Path) -> Duration {
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{what} rejects {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

const CDX_PY: &str = r#"
import json, sys
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.schema import SchemaVersion
from cyclonedx.model.bom import Bom
text = open(sys.argv[1], encoding="utf-8").read()
error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
if error is not None:
    print(error)
    sys.exit(1)
bom = Bom.from_json(json.loads(text))
assert len(bom.components) == int(sys.argv[2]), (len(bom.components), sys.argv[2])
"#;

/// cyclonedx-python-lib: the strict 1.6 schema, then the library loads the BOM and finds
/// `components` components. Slow on big BOMs (TESTING.md: 50–90 s for ~500 components;
/// about 160 s for the 2,000-package run here), so that run starts it on its own thread.
fn validate_cdx_python(file: &Path, components: usize) -> Option<Duration> {
    let Some(python) = &tools().python else {
        skip("cyclonedx-python-lib (json-validation)");
        return None;
    };
    let mut cmd = Command::new(python);
    cmd.args(["-c", CDX_PY]).arg(file).arg(components.to_string());
    Some(run_validator(&mut cmd, "cyclonedx-python-lib's JsonStrictValidator(1.6)", file))
}

const CDX_JS: &str = r"
const [lib, file] = process.argv.slice(1);
const { Validation, Spec } = require(lib);
const text = require('fs').readFileSync(file, 'utf8');
new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text).then(
  (errors) => { if (errors !== null) { console.log(JSON.stringify(errors, null, 1)); process.exit(1); } },
  (e) => { console.error(String(e)); process.exit(2); });
";

/// @cyclonedx/cyclonedx-library: the same strict 1.6 schema with ajv.
fn validate_cdx_js(file: &Path) -> Option<Duration> {
    let Some(lib) = &tools().cdx_js else {
        skip("@cyclonedx/cyclonedx-library (node)");
        return None;
    };
    let mut cmd = Command::new("node");
    cmd.args(["-e", CDX_JS]).arg(lib).arg(file);
    Some(run_validator(&mut cmd, "@cyclonedx/cyclonedx-library's JsonStrictValidator(1.6)", file))
}

/// spdx-tools: parse and validate as SPDX 2.3.
fn validate_spdx(file: &Path) -> Option<Duration> {
    let Some(tool) = &tools().pyspdxtools else {
        skip("spdx-tools (pyspdxtools)");
        return None;
    };
    let mut cmd = Command::new(tool);
    cmd.arg("-i").arg(file);
    Some(run_validator(&mut cmd, "pyspdxtools", file))
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "skipped".into(), |d| format!("{:.1} s", d.as_secs_f64()))
}

// ---------------------------------------------------------------- what validators cannot see

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn prop<'a>(c: &'a Value, name: &str) -> Vec<&'a str> {
    c["properties"]
        .as_array()
        .map(|ps| ps.iter().filter(|p| p["name"] == name).filter_map(|p| p["value"].as_str()).collect())
        .unwrap_or_default()
}

/// The `CycloneDX` BOM against the decisions it was made from: one component per purl, each
/// with its origin and decision, the owner's digests as hashes, dev as `excluded`, and the
/// project depending on exactly the direct packages.
fn check_cdx_against_decisions(bom: &Value, decisions: &Value) {
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], decisions["run"]["now"]);
    let components = bom["components"].as_array().unwrap();
    let bom_refs: Vec<&str> = components.iter().map(|c| c["bom-ref"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = bom_refs.iter().copied().collect();
    assert_eq!(unique.len(), bom_refs.len(), "bom-refs are unique");
    assert!(bom_refs.windows(2).all(|w| w[0] < w[1]), "components are sorted by bom-ref");
    let records = decisions["decisions"].as_array().unwrap();
    let purls: BTreeSet<&str> = records.iter().map(|r| r["package"]["purl"].as_str().unwrap()).collect();
    assert_eq!(unique, purls, "one component per purl of the decisions");
    let by_purl: BTreeMap<&str, &Value> = components.iter().map(|c| (c["purl"].as_str().unwrap(), c)).collect();
    let mut direct = BTreeSet::new();
    for r in records {
        let purl = r["package"]["purl"].as_str().unwrap();
        let c = by_purl[purl];
        assert_eq!(c["bom-ref"], purl);
        let res = &r["resolution"];
        let or_none = |v: &Value| v.as_str().unwrap_or("none").to_string();
        assert_eq!(prop(c, "depgate:upstream"), [or_none(&res["upstream"])], "{c:#}");
        assert_eq!(prop(c, "depgate:tier"), [or_none(&res["tier"])], "{c:#}");
        assert_eq!(prop(c, "depgate:fallback"), [res["fallback"].as_bool().unwrap_or(false).to_string()]);
        assert_eq!(prop(c, "depgate:verification"), [r["verification"]["status"].as_str().unwrap()]);
        assert_eq!(prop(c, "depgate:decision"), [r["decision"].as_str().unwrap()]);
        let line = format!(":{}", r["package"]["line"]);
        assert!(prop(c, "depgate:lockfile").iter().any(|l| l.ends_with(&line)), "{c:#}");
        if let Some(digests) = res["digests"].as_object() {
            let hashes: BTreeMap<String, &str> = c["hashes"]
                .as_array()
                .map(|hs| {
                    hs.iter()
                        .map(|h| {
                            (h["alg"].as_str().unwrap().replace('-', "").to_lowercase(), h["content"].as_str().unwrap())
                        })
                        .collect()
                })
                .unwrap_or_default();
            for (algo, hex) in digests {
                assert_eq!(hashes.get(algo.as_str()).copied(), hex.as_str(), "{algo} of {purl}");
            }
        }
        if let Some(url) = res["url"].as_str().filter(|u| u.starts_with("http")) {
            let external = c["externalReferences"].as_array().unwrap();
            assert!(external.iter().any(|x| x["type"] == "distribution" && x["url"] == url), "{c:#}");
        }
        let dev = r["package"]["dev"] == true;
        assert_eq!(c["scope"], if dev { "excluded" } else { "required" }, "{c:#}");
        if r["package"]["direct"] == true {
            direct.insert(purl);
        }
    }
    let deps = bom["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1, "only the project's edges: records carry no deeper ones");
    assert_eq!(deps[0]["ref"], bom["metadata"]["component"]["bom-ref"]);
    let on: BTreeSet<&str> = deps[0]["dependsOn"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert_eq!(on, direct);
}

/// The SPDX document against the BOM: the same packages (plus the project), each with its
/// purl and an annotation carrying the same `depgate:` facts.
fn check_spdx_against_cdx(doc: &Value, bom: &Value) {
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    let packages = doc["packages"].as_array().unwrap();
    let components = bom["components"].as_array().unwrap();
    assert_eq!(packages.len(), components.len() + 1);
    let ids: BTreeSet<&str> = packages.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), packages.len(), "SPDX ids are unique");
    for (p, c) in packages[1..].iter().zip(components) {
        assert_eq!(p["externalRefs"][0]["referenceLocator"], c["purl"]);
        let facts: Value = serde_json::from_str(p["annotations"][0]["comment"].as_str().unwrap()).unwrap();
        for key in ["depgate:upstream", "depgate:tier", "depgate:verification", "depgate:decision"] {
            assert_eq!(facts[key], prop(c, key)[0], "{key} of {}", c["purl"]);
        }
        let checksums = p["checksums"].as_array().map_or(0, Vec::len);
        assert_eq!(checksums, c["hashes"].as_array().map_or(0, Vec::len), "{p:#}");
    }
    assert_eq!(doc["relationships"][0]["relationshipType"], "DESCRIBES");
}

// ---------------------------------------------------------------- the tests

#[test]
fn demo_sboms_validate_carry_origin_and_reproduce() {
    let p = Project::new();
    let dir = p.path().join("demo");
    let run = p.depgate(&["demo", "--dir", dir.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let report = dir.join("depgate-report");
    let (cdx_path, spdx_path) = (report.join("sbom.cdx.json"), report.join("sbom.spdx.json"));
    let (bom, doc, decisions) = (json(&cdx_path), json(&spdx_path), json(&report.join("decisions.json")));
    check_cdx_against_decisions(&bom, &decisions);
    check_spdx_against_cdx(&doc, &bom);
    assert_eq!(bom["metadata"]["component"]["name"], "depgate-demo", "the project's name from its package.json");
    assert_eq!(doc["creationInfo"]["created"], "2025-03-22T00:00:00Z");
    let components = bom["components"].as_array().unwrap();
    // Lockfile locations are relative to the project, so the SBOMs do not depend on where it sits.
    assert!(components.iter().flat_map(|c| prop(c, "depgate:lockfile")).all(|l| !l.starts_with('/')));
    let left_pad = components.iter().find(|c| c["purl"] == "pkg:npm/left-pad@1.3.0").unwrap();
    assert_eq!(left_pad["licenses"][0]["expression"], "WTFPL");
    let scoped = components.iter().find(|c| c["purl"] == "pkg:npm/%40acme/logger@9.0.0").unwrap();
    assert_eq!((&scoped["group"], &scoped["name"]), (&Value::from("@acme"), &Value::from("logger")));
    assert_eq!(prop(scoped, "depgate:rules"), ["not-found-in-owner"]);

    let sarif = std::fs::read(report.join("results.sarif")).unwrap();
    match support::sarif::validate(&[&sarif]) {
        Some(Ok(summary)) => support::report(&format!("sarif demo: {summary}")),
        Some(Err(errors)) => panic!("the demo's results.sarif is not valid SARIF 2.1.0: {errors}"),
        None => {}
    }
    let py = validate_cdx_python(&cdx_path, components.len());
    let js = validate_cdx_js(&cdx_path);
    let spdx = validate_spdx(&spdx_path);
    support::report(&format!(
        "sbom demo: {} components; cyclonedx-python-lib {}, cyclonedx-library (ajv) {}, spdx-tools {}",
        components.len(),
        secs(py),
        secs(js),
        secs(spdx)
    ));

    let (cdx1, spdx1) = (std::fs::read(&cdx_path).unwrap(), std::fs::read(&spdx_path).unwrap());
    let again = p.depgate(&["demo", "--dir", dir.to_str().unwrap()], &[]);
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert!(std::fs::read(&cdx_path).unwrap() == cdx1, "the same input gives the same CycloneDX bytes");
    assert!(std::fs::read(&spdx_path).unwrap() == spdx1, "the same input gives the same SPDX bytes");
}

#[test]
fn sboms_of_2000_packages_validate_and_reproduce() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let names: Vec<String> =
        (0..2000).map(|i| if i % 5 == 0 { format!("@scope{}/pkg-{i}", i % 17) } else { format!("pkg-{i}") }).collect();
    let entries: Vec<Locked<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let reg = if i % 3 == 0 { &curated } else { &public };
            let integrity = reg.publish(name, "1.0.0", OLD);
            let base = name.rsplit('/').next().unwrap();
            let mut l = Locked::new(name, "1.0.0", &integrity, format!("{}{name}/-/{base}-1.0.0.tgz", reg.url()));
            l.dev = i % 7 == 0;
            l
        })
        .collect();
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", ""));
    p.write("package-lock.json", &package_lock_v3(&entries));
    p.write("package.json", r#"{"name": "bench-app", "version": "2.0.0"}"#);
    let start = Instant::now();
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    let took = start.elapsed();
    assert_eq!(run.code, 0, "{}", run.all_output());
    let report = p.path().join("depgate-report");
    let (cdx_path, spdx_path) = (report.join("sbom.cdx.json"), report.join("sbom.spdx.json"));
    let (bom, doc, decisions) = (json(&cdx_path), json(&spdx_path), json(&report.join("decisions.json")));
    assert_eq!(bom["components"].as_array().unwrap().len(), 2000);
    check_cdx_against_decisions(&bom, &decisions);
    check_spdx_against_cdx(&doc, &bom);
    assert_eq!(bom["metadata"]["component"]["name"], "bench-app", "from package.json");
    let tiers: BTreeSet<Vec<&str>> =
        bom["components"].as_array().unwrap().iter().map(|c| prop(c, "depgate:tier")).collect();
    assert_eq!(tiers, BTreeSet::from([vec!["curated"], vec!["public"]]));

    let sarif = std::fs::read(report.join("results.sarif")).unwrap();
    match support::sarif::validate(&[&sarif]) {
        Some(Ok(summary)) => support::report(&format!("sarif 2,000 packages: {summary}")),
        Some(Err(errors)) => panic!("results.sarif of 2,000 packages is not valid SARIF 2.1.0: {errors}"),
        None => {}
    }
    // The slow validator reads its own copy, so the second run below can replace the report.
    let py_copy = p.path().join("sbom-2000.cdx.json");
    std::fs::copy(&cdx_path, &py_copy).unwrap();
    let py = std::thread::spawn(move || validate_cdx_python(&py_copy, 2000));
    let js = validate_cdx_js(&cdx_path);
    let spdx = validate_spdx(&spdx_path);

    let (cdx1, spdx1) = (std::fs::read(&cdx_path).unwrap(), std::fs::read(&spdx_path).unwrap());
    let again = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert!(std::fs::read(&cdx_path).unwrap() == cdx1, "the same input gives the same CycloneDX bytes");
    assert!(std::fs::read(&spdx_path).unwrap() == spdx1, "the same input gives the same SPDX bytes");
    let py = py.join().expect("the cyclonedx-python-lib check failed: see its message above");
    support::report(&format!(
        "sbom 2,000 packages: check {:.1} s; sbom.cdx.json {} KiB, cyclonedx-python-lib {}, cyclonedx-library (ajv) {}; sbom.spdx.json {} KiB, spdx-tools {}",
        took.as_secs_f64(),
        cdx1.len() / 1024,
        secs(py),
        secs(js),
        spdx1.len() / 1024,
        secs(spdx)
    ));
}

// ---------------------------------------------------------------- hand-made records

fn record(ecosystem: Ecosystem, name: &str, version: &str, purl: &str) -> Record {
    Record {
        package: PackageInfo {
            ecosystem,
            name: name.into(),
            version: version.into(),
            purl: purl.into(),
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
            lockfile: "/work/app/package-lock.json".into(),
            line: 7,
            image: None,
        },
        resolution: None,
        evidence: Evidence::none(),
        license: None,
        decision: Decision::Allow,
        findings: Vec::new(),
    }
}

fn resolved(upstream: &str, tier: &str, url: &str, digests: &[(&str, &str)]) -> Resolution {
    let mut r = Resolution::empty();
    r.upstream = Some(upstream.into());
    r.tier = Some(tier.into());
    r.fallback = tier == "public";
    r.url = Some(url.into());
    r.digests = digests.iter().map(|(a, d)| ((*a).to_string(), (*d).to_string())).collect();
    r
}

fn verified(source_repo: &str, san: &str) -> Verification {
    Verification::Verified(Verified {
        attestations: vec![AttestationRecord {
            kind: "provenance".into(),
            predicate_type: Some("https://slsa.dev/provenance/v1".into()),
            verified: true,
            identity: Identity {
                issuer: Some("https://token.actions.githubusercontent.com".into()),
                san: Some(san.into()),
                source_repo: Some(source_repo.into()),
                workflow: Some(".github/workflows/release.yml".into()),
                git_ref: Some("refs/tags/v1.0.0".into()),
                commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
                ..Identity::default()
            },
            builder_id: None,
            build_type: None,
            trust_root: None,
            integrated_time: None,
            signed_at: None,
            stages: Vec::new(),
            failure: None,
        }],
        source: EvidenceSource::Upstream,
    })
}

fn finding(level: Decision, rule: &str) -> LeveledFinding {
    LeveledFinding {
        level,
        finding: Finding { rule: rule.into(), msg: "m".into(), remedy: None, until: None, advisory: None },
    }
}

fn run_info() -> RunInfo {
    RunInfo {
        tool: "depgate test".into(),
        mode: "check".into(),
        started_at: "2026-01-01T00:00:00.5Z".into(),
        now: "2026-01-01T01:02:03.456789+01:00".into(),
        config: "embedded default".into(),
        project: String::new(),
        lockfiles: vec!["package-lock.json".into(), "py/requirements.txt".into()],
        chains: BTreeMap::new(),
        policy: vec!["builtin".into()],
        advisories: None,
        cooldowns: None,
        context: depgate::audit::RunnerContext::default(),
    }
}

/// Records with the content a hostile or sloppy registry can produce.
fn odd_records() -> Vec<Record> {
    let sha512 = "AB".repeat(64);
    let mut scoped = record(Ecosystem::Npm, "@acme/logger", "1.0.0", "pkg:npm/%40acme/logger@1.0.0");
    scoped.resolution = Some(resolved(
        "curated",
        "curated",
        "https://npm.example.com/@acme/logger/-/logger-1.0.0.tgz",
        &[("sha512", &sha512), ("sha1", "not hex at all, forty characters long!!"), ("blake9", "00")],
    ));
    scoped.evidence.verification = verified(
        "https://github.com/acme/logger",
        "https://github.com/acme/logger/.github/workflows/release.yml@refs/tags/v1.0.0",
    );
    scoped.license = Some("mit or (apache-2.0 AND bsd-3-clause)".into());
    // The same package locked again elsewhere, as a dev dependency with a warning.
    let mut again = scoped.clone();
    again.package.lockfile = "/work/app/sub/package-lock.json".into();
    again.package.line = 99;
    again.package.dev = true;
    again.decision = Decision::Warn;
    again.findings = vec![finding(Decision::Warn, "fallback-cooldown"), finding(Decision::Warn, "fallback-cooldown")];

    let mut py = record(Ecosystem::Pypi, "Weird_Name", "1.0", "pkg:pypi/weird-name@1.0");
    py.package.lockfile = "/work/app/py/requirements.txt".into();
    py.package.direct = false;
    py.resolution = Some(resolved(
        "pypi",
        "public",
        "file:///tmp/x y/weird_name-1.0.whl",
        &[("sha256", "abc"), ("md5", &"0f".repeat(16))],
    ));
    py.license = Some("BSD-like \"custom\" licence\nwith a newline, a tab\t and ✓ — and </script>".into());
    py.evidence.verification = verified("acme/not-a-url", "weird \u{0} san \" with quotes");

    let mut jar = record(Ecosystem::Maven, "org.example:lib", "1", "pkg:maven/org.example/lib@1?classifier=x");
    jar.package.classifier = Some("x".into());
    jar.resolution = Some(resolved(
        "central",
        "public",
        "http://127.0.0.1:9/org/example/lib/1/lib-1-x.jar",
        &[("sha1", &"1".repeat(40))],
    ));
    jar.evidence.verification = Verification::violated(ViolatedAt::Internal, "bad".into(), None);
    jar.decision = Decision::Deny;
    jar.findings = vec![finding(Decision::Deny, "signature-violated"), finding(Decision::Deny, "integrity-mismatch")];
    jar.license = Some("LicenseRef-acme".into());
    let mut plain_jar = record(Ecosystem::Maven, "org.example:lib", "1", "pkg:maven/org.example/lib@1");
    plain_jar.package.optional = true;
    plain_jar.license = Some("gpl-2.0-only WITH classpath-exception-2.0".into());

    let mut git = record(Ecosystem::Npm, "gitdep", "git+ssh://git@example.com/a b.git#abc", "pkg:npm/gitdep@git%2Bssh");
    git.package.source = PackageSource::Git;
    git.license = Some("   ".into());
    let empty = record(Ecosystem::Npm, "", "", "pkg:npm/@");
    vec![jar, scoped, py, again, plain_jar, git, empty]
}

#[test]
fn odd_records_render_valid_sboms() {
    let run = run_info();
    let project = ProjectInfo { name: "my proj ✓ \"x\"".into(), version: Some("0.0.0-dev+1".into()) };
    let records = odd_records();
    let cdx = render_cyclonedx(&run, &records, &project, false);
    let spdx = render_spdx(&run, &records, &project, false);
    assert_eq!(cdx, render_cyclonedx(&run, &records, &project, false), "deterministic");
    assert_eq!(spdx, render_spdx(&run, &records, &project, false), "deterministic");
    let tmp = tempfile::tempdir().unwrap();
    let (cdx_path, spdx_path) = (tmp.path().join("sbom.cdx.json"), tmp.path().join("sbom.spdx.json"));
    std::fs::write(&cdx_path, &cdx).unwrap();
    std::fs::write(&spdx_path, &spdx).unwrap();

    let bom: Value = serde_json::from_slice(&cdx).unwrap();
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), 6, "the duplicate purl is one component");
    let c = |purl: &str| components.iter().find(|c| c["purl"] == purl).unwrap_or_else(|| panic!("{purl}"));
    let scoped = c("pkg:npm/%40acme/logger@1.0.0");
    assert_eq!(scoped["group"], "@acme");
    assert_eq!(scoped["scope"], "required", "required in one of the lockfiles");
    assert_eq!(prop(scoped, "depgate:decision"), ["warn"], "the most severe decision of the duplicates");
    assert_eq!(prop(scoped, "depgate:rules"), ["fallback-cooldown"]);
    assert_eq!(prop(scoped, "depgate:lockfile"), ["package-lock.json:7", "sub/package-lock.json:99"]);
    assert_eq!(prop(scoped, "depgate:identity:source_repo"), ["https://github.com/acme/logger"]);
    assert_eq!(prop(scoped, "depgate:identity:issuer"), ["https://token.actions.githubusercontent.com"]);
    assert_eq!(prop(scoped, "depgate:identity:workflow"), [".github/workflows/release.yml"]);
    assert_eq!(scoped["hashes"], serde_json::json!([{"alg": "SHA-512", "content": "ab".repeat(64)}]));
    assert_eq!(scoped["licenses"][0]["expression"], "MIT OR (Apache-2.0 AND BSD-3-Clause)");
    let refs = &scoped["externalReferences"];
    assert_eq!(refs[1], serde_json::json!({"type": "vcs", "url": "https://github.com/acme/logger"}));
    let py = c("pkg:pypi/weird-name@1.0");
    assert_eq!(py["licenses"][0]["license"]["name"], records[2].license.as_deref().unwrap());
    assert_eq!(prop(py, "depgate:tier"), ["public"]);
    assert_eq!(prop(py, "depgate:lockfile"), ["py/requirements.txt:7"]);
    assert!(py["externalReferences"].as_array().unwrap().iter().all(|r| r["type"] != "vcs"), "not a URL: no vcs");
    assert_eq!(py["hashes"].as_array().unwrap().len(), 1, "only the well-formed md5");
    assert_eq!(c("pkg:maven/org.example/lib@1")["scope"], "optional");
    assert_eq!(c("pkg:maven/org.example/lib@1?classifier=x")["licenses"][0]["license"]["name"], "LicenseRef-acme");
    assert_eq!(prop(c("pkg:npm/gitdep@git%2Bssh"), "depgate:upstream"), ["none"]);
    let on = bom["dependencies"][0]["dependsOn"].as_array().unwrap();
    assert_eq!(on.len(), 5, "every direct package, not the transitive one");

    let doc: Value = serde_json::from_slice(&spdx).unwrap();
    assert_eq!(doc["creationInfo"]["created"], "2026-01-01T00:02:03Z", "UTC, whole seconds");
    let packages = doc["packages"].as_array().unwrap();
    let ids: BTreeSet<&str> = packages.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7);
    assert!(ids.contains("SPDXRef-Package-maven-org.example-lib-1-2"), "{ids:?}");
    let pkg = |purl: &str| packages.iter().find(|p| p["externalRefs"][0]["referenceLocator"] == purl).unwrap();
    assert_eq!(pkg("pkg:maven/org.example/lib@1")["licenseDeclared"], "GPL-2.0-only WITH Classpath-exception-2.0");
    assert_eq!(pkg("pkg:maven/org.example/lib@1?classifier=x")["downloadLocation"], "NOASSERTION");
    assert_eq!(
        pkg("pkg:npm/%40acme/logger@1.0.0")["downloadLocation"],
        "https://npm.example.com/@acme/logger/-/logger-1.0.0.tgz"
    );
    let free = pkg("pkg:pypi/weird-name@1.0")["licenseDeclared"].as_str().unwrap();
    assert!(free.starts_with("LicenseRef-"), "{free}");
    let extracted = doc["hasExtractedLicensingInfos"].as_array().unwrap();
    let info = extracted.iter().find(|x| x["licenseId"] == free).unwrap();
    assert_eq!(info["extractedText"], records[2].license.as_deref().unwrap());
    assert_eq!(pkg("pkg:npm/gitdep@git%2Bssh")["licenseDeclared"], "NOASSERTION");
    let kinds: Vec<&str> =
        doc["relationships"].as_array().unwrap().iter().map(|r| r["relationshipType"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "OPTIONAL_DEPENDENCY_OF").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "DEV_DEPENDENCY_OF").count(), 0, "dev in one lockfile only");

    validate_cdx_python(&cdx_path, 6);
    validate_cdx_js(&cdx_path);
    validate_spdx(&spdx_path);
}

#[test]
fn random_serial_changes_only_the_serial() {
    let (run, records) = (run_info(), odd_records());
    let project = ProjectInfo { name: "app".into(), version: None };
    let fixed = render_cyclonedx(&run, &records, &project, false);
    let a: Value = serde_json::from_slice(&render_cyclonedx(&run, &records, &project, true)).unwrap();
    let b: Value = serde_json::from_slice(&render_cyclonedx(&run, &records, &project, true)).unwrap();
    let mut fixed: Value = serde_json::from_slice(&fixed).unwrap();
    let serial = |v: &Value| v["serialNumber"].as_str().unwrap().to_string();
    let fixed_serial = serial(&fixed);
    assert_ne!(serial(&a), serial(&b));
    assert_ne!(serial(&a), serial(&fixed));
    for s in [serial(&a), serial(&fixed)] {
        let hex = s.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<usize> = hex.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{s}");
        assert!(hex.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{s}");
    }
    assert_eq!(&serial(&fixed)[23..24], "5", "name-based");
    assert_eq!(&serial(&a)[23..24], "4", "random");
    fixed["serialNumber"] = a["serialNumber"].clone();
    assert_eq!(fixed, a, "nothing else changes");
    // A different `now` is a different document, so a different serial.
    let later = RunInfo { now: "2026-01-02T00:00:00Z".into(), ..run_info() };
    let other: Value = serde_json::from_slice(&render_cyclonedx(&later, &records, &project, false)).unwrap();
    assert_ne!(serial(&other), fixed_serial);

    let ns = |v: &[u8]| serde_json::from_slice::<Value>(v).unwrap()["documentNamespace"].as_str().unwrap().to_string();
    let (x, y) = (ns(&render_spdx(&run, &records, &project, true)), ns(&render_spdx(&run, &records, &project, true)));
    assert_ne!(x, y);
    let fixed_ns = ns(&render_spdx(&run, &records, &project, false));
    assert_eq!(fixed_ns, ns(&render_spdx(&run, &records, &project, false)));
    assert!(fixed_ns.starts_with("https://depgate.invalid/spdx/app-"), "{fixed_ns}");
}

// ---------------------------------------------------------------- advisories

fn advisory(id: &str, kind: Kind, severity: AdvisoryLevel, score: Option<f64>, vector: Option<&str>) -> Advisory {
    Advisory {
        id: id.into(),
        aliases: Vec::new(),
        records: vec![id.into()],
        kind,
        summary: Some(format!("summary of {id} with a | pipe and <b>html</b>")),
        severity,
        score,
        vector: vector.map(str::to_string),
        affected: vec![">=0".into()],
        fixed: Vec::new(),
        published: Some("2021-05-06T16:05:51Z".into()),
        modified: Some("not a time".into()),
        url: depgate::advisories::database::advisory_url(id),
        source: "db".into(),
        digest: "sha256:00".into(),
    }
}

fn with_advisories(mut r: Record, matched: Vec<Advisory>, findings: &[(Decision, &str, &str)]) -> Record {
    r.evidence.advisories = AdvisoryCheck::Checked { database: "sha256:ab".into(), matched, upgrade: Vec::new() };
    r.findings = findings
        .iter()
        .map(|(level, rule, id)| LeveledFinding {
            level: *level,
            finding: Finding {
                rule: (*rule).into(),
                msg: format!("{}: {id}", r.package.purl),
                remedy: None,
                until: None,
                advisory: Some((*id).into()),
            },
        })
        .collect();
    r.decision = r.findings.iter().map(|f| f.level).max().unwrap_or(Decision::Allow);
    r
}

/// Records whose versions advisories name: malware, a critical CVSS v4 one, one shared by
/// two packages, an ignored one, one without a rating, one package locked twice.
fn advisory_records() -> Vec<Record> {
    let mut ghsa = advisory(
        "GHSA-35jh-r3h4-6jhm",
        Kind::Vulnerability,
        AdvisoryLevel::High,
        Some(7.2),
        Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"),
    );
    ghsa.aliases = vec!["CVE-2021-23337".into()];
    ghsa.fixed = vec!["4.17.21".into()];
    let crit = advisory(
        "GHSA-crit-crit-crit",
        Kind::Vulnerability,
        AdvisoryLevel::Critical,
        Some(9.3),
        Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
    );
    let moderate = advisory("PYSEC-2024-1", Kind::Vulnerability, AdvisoryLevel::Moderate, None, None);
    let unknown = advisory("OSV-2024-9", Kind::Vulnerability, AdvisoryLevel::Unknown, None, None);
    let mal = advisory("MAL-2024-1", Kind::Malware, AdvisoryLevel::Critical, None, None);

    let lodash = with_advisories(
        record(Ecosystem::Npm, "lodash", "4.17.20", "pkg:npm/lodash@4.17.20"),
        vec![ghsa.clone()],
        &[(Decision::Deny, "vulnerability", "GHSA-35jh-r3h4-6jhm")],
    );
    let mut lodash_again = lodash.clone();
    lodash_again.package.lockfile = "/work/app/sub/package-lock.json".into();
    let lodash_old = with_advisories(
        record(Ecosystem::Npm, "lodash", "4.17.19", "pkg:npm/lodash@4.17.19"),
        vec![crit.clone(), ghsa],
        &[
            (Decision::Deny, "vulnerability", "GHSA-crit-crit-crit"),
            (Decision::Warn, "vulnerability-unfixed", "GHSA-crit-crit-crit"),
            (Decision::Warn, "advisory-ignored", "CVE-2021-23337"),
        ],
    );
    let evil = with_advisories(
        record(Ecosystem::Npm, "@evil/pkg", "1.0.0", "pkg:npm/%40evil/pkg@1.0.0"),
        vec![mal],
        &[(Decision::Deny, "malware", "MAL-2024-1")],
    );
    let mut py = with_advisories(
        record(Ecosystem::Pypi, "some-pkg", "1.0", "pkg:pypi/some-pkg@1.0"),
        vec![moderate, unknown],
        &[(Decision::Warn, "vulnerability-below-threshold", "PYSEC-2024-1")],
    );
    py.package.lockfile = "/work/app/py/requirements.txt".into();
    let clean = record(Ecosystem::Npm, "left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0");
    vec![lodash, lodash_again, lodash_old, evil, py, clean]
}

fn advisories_run() -> RunInfo {
    RunInfo {
        advisories: Some(AdvisoriesRun {
            source: "offline",
            database: format!("sha256:{}", "ab".repeat(32)),
            sources: vec![SourceInfo {
                location: "db".into(),
                kind: "folder",
                digest: format!("sha256:{}", "cd".repeat(32)),
                fetched_at: None,
                records: BTreeMap::new(),
            }],
            max_age: "never".into(),
            overrides: vec!["--advisories-max-age never".into()],
        }),
        ..run_info()
    }
}

#[test]
fn advisories_become_valid_cyclonedx_vulnerabilities() {
    let run = advisories_run();
    let records = advisory_records();
    let project = ProjectInfo { name: "app".into(), version: Some("1.0.0".into()) };
    let cdx = render_cyclonedx(&run, &records, &project, false);
    let spdx = render_spdx(&run, &records, &project, false);
    assert_eq!(cdx, render_cyclonedx(&run, &records, &project, false), "deterministic");
    let bom: Value = serde_json::from_slice(&cdx).unwrap();
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), 5, "the duplicate purl is one component");
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    let ids: Vec<&str> = vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["MAL-2024-1", "GHSA-crit-crit-crit", "GHSA-35jh-r3h4-6jhm", "PYSEC-2024-1", "OSV-2024-9"],
        "one per advisory id: malware first, then by severity"
    );
    // Every bom-ref is unique in the BOM, and every `affects` ref names a component.
    let component_refs: BTreeSet<&str> = components.iter().map(|c| c["bom-ref"].as_str().unwrap()).collect();
    let mut all_refs: Vec<&str> = component_refs.iter().copied().collect();
    all_refs.push(bom["metadata"]["component"]["bom-ref"].as_str().unwrap());
    all_refs.extend(vulns.iter().map(|v| v["bom-ref"].as_str().unwrap()));
    assert_eq!(all_refs.iter().collect::<BTreeSet<_>>().len(), all_refs.len(), "bom-refs are unique");
    for v in vulns {
        for a in v["affects"].as_array().unwrap() {
            assert!(component_refs.contains(a["ref"].as_str().unwrap()), "{a} names no component");
        }
    }
    let by_id = |id: &str| vulns.iter().find(|v| v["id"] == id).unwrap();
    let ghsa = by_id("GHSA-35jh-r3h4-6jhm");
    let affected: Vec<&str> = ghsa["affects"].as_array().unwrap().iter().map(|a| a["ref"].as_str().unwrap()).collect();
    assert_eq!(affected, ["pkg:npm/lodash@4.17.19", "pkg:npm/lodash@4.17.20"], "one ref per component");
    assert_eq!(ghsa["affects"][0]["versions"], serde_json::json!([{"version": "4.17.19", "status": "affected"}]));
    assert_eq!(
        ghsa["ratings"],
        serde_json::json!([{"score": 7.2, "severity": "high", "method": "CVSSv31",
            "vector": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}])
    );
    assert_eq!(ghsa["references"][0]["id"], "CVE-2021-23337");
    assert_eq!(ghsa["source"]["url"], "https://github.com/advisories/GHSA-35jh-r3h4-6jhm");
    assert_eq!(ghsa["published"], "2021-05-06T16:05:51Z");
    assert!(ghsa.get("updated").is_none(), "a time that does not parse is left out");
    assert!(ghsa["recommendation"].as_str().unwrap().contains("4.17.21"));
    assert_eq!(prop(ghsa, "depgate:ignored"), ["pkg:npm/lodash@4.17.19"], "ignored through its alias");
    assert_eq!(by_id("GHSA-crit-crit-crit")["ratings"][0]["method"], "CVSSv4");
    assert_eq!(by_id("PYSEC-2024-1")["ratings"], serde_json::json!([{"severity": "medium"}]));
    assert_eq!(by_id("OSV-2024-9")["ratings"], serde_json::json!([{"severity": "unknown"}]));
    assert_eq!(by_id("MAL-2024-1")["ratings"], serde_json::json!([{"severity": "critical"}]));
    assert_eq!(prop(by_id("MAL-2024-1"), "depgate:kind"), ["malware"]);
    let c = |purl: &str| components.iter().find(|c| c["purl"] == purl).unwrap_or_else(|| panic!("{purl}"));
    assert_eq!(prop(c("pkg:npm/lodash@4.17.19"), "depgate:advisories"), ["GHSA-crit-crit-crit,GHSA-35jh-r3h4-6jhm"]);
    assert!(prop(c("pkg:npm/left-pad@1.3.0"), "depgate:advisories").is_empty());
    assert_eq!(
        prop(&bom["metadata"], "depgate:advisories:database"),
        [run.advisories.as_ref().unwrap().database.as_str()]
    );
    // SPDX carries the same facts in its annotation.
    let doc: Value = serde_json::from_slice(&spdx).unwrap();
    let lodash = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["externalRefs"][0]["referenceLocator"] == "pkg:npm/lodash@4.17.20")
        .unwrap();
    let facts: Value = serde_json::from_str(lodash["annotations"][0]["comment"].as_str().unwrap()).unwrap();
    assert_eq!(facts["depgate:advisories"], "GHSA-35jh-r3h4-6jhm");

    let tmp = tempfile::tempdir().unwrap();
    let (cdx_path, spdx_path) = (tmp.path().join("sbom.cdx.json"), tmp.path().join("sbom.spdx.json"));
    std::fs::write(&cdx_path, &cdx).unwrap();
    std::fs::write(&spdx_path, &spdx).unwrap();
    let py = validate_cdx_python(&cdx_path, 5);
    let js = validate_cdx_js(&cdx_path);
    let spdx = validate_spdx(&spdx_path);
    support::report(&format!(
        "sbom advisories: {} vulnerabilities; cyclonedx-python-lib {}, cyclonedx-library (ajv) {}, spdx-tools {}",
        vulns.len(),
        secs(py),
        secs(js),
        secs(spdx)
    ));
}

/// Container images from real registries: `CycloneDX` `container` components and SPDX
/// `CONTAINER` packages with their `pkg:oci` purls, valid for all three validators; the
/// SARIF result sits on the Dockerfile line.
#[test]
fn image_sboms_validate_with_container_components() {
    let Some(tools) = support::oci::tools() else { return };
    let reg = support::oci::Registry::start(&tools);
    let d = reg.push("acme/app", "1", "app");
    reg.push("acme/tool", "2", "tool");
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!("[oci]\nchain = [\"r\"]\n[upstream.r]\nkind = \"oci\"\nurl = \"http://{}/\"\nregistry = \"docker.io\"\ntier = \"private\"\n", reg.host()),
    );
    p.write("Dockerfile", &format!("FROM acme/app:1@{d}\nCOPY --from=acme/tool:2 /t /t\n"));
    p.write("compose.yaml", "services:\n  db:\n    image: acme/app:1\n");
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let report = p.path().join("depgate-report");
    let (cdx_path, spdx_path) = (report.join("sbom.cdx.json"), report.join("sbom.spdx.json"));
    let (bom, doc, decisions) = (json(&cdx_path), json(&spdx_path), json(&report.join("decisions.json")));
    check_cdx_against_decisions(&bom, &decisions);
    check_spdx_against_cdx(&doc, &bom);
    let components = bom["components"].as_array().unwrap();
    assert!(components.iter().all(|c| c["type"] == "container"), "{bom}");
    let app =
        components.iter().find(|c| c["purl"].as_str().is_some_and(|p| p.starts_with("pkg:oci/app@sha256"))).unwrap();
    assert_eq!((&app["group"], &app["name"]), (&Value::from("docker.io/acme"), &Value::from("app")));
    assert_eq!(app["hashes"][0]["content"], d.trim_start_matches("sha256:"));
    let packages = doc["packages"].as_array().unwrap();
    assert!(
        packages
            .iter()
            .filter(|p| p["name"] != bom["metadata"]["component"]["name"])
            .any(|p| p["primaryPackagePurpose"] == "CONTAINER")
    );
    let sarif_bytes = std::fs::read(report.join("results.sarif")).unwrap();
    let sarif: Value = serde_json::from_slice(&sarif_bytes).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let unpinned: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == "image-not-pinned").collect();
    assert_eq!(unpinned.len(), 2, "{sarif}");
    let loc = |r: &Value| {
        let l = &r["locations"][0]["physicalLocation"];
        (l["artifactLocation"]["uri"].as_str().unwrap().to_string(), l["region"]["startLine"].as_u64().unwrap())
    };
    let mut at: Vec<(String, u64)> = unpinned.iter().map(|r| loc(r)).collect();
    at.sort();
    assert_eq!(at, vec![("Dockerfile".to_string(), 2), ("compose.yaml".to_string(), 3)]);
    match support::sarif::validate(&[&sarif_bytes]) {
        Some(Ok(summary)) => support::report(&format!("sarif images: {summary}")),
        Some(Err(errors)) => panic!("results.sarif is not valid SARIF 2.1.0: {errors}"),
        None => {}
    }
    let py = validate_cdx_python(&cdx_path, components.len());
    let js = validate_cdx_js(&cdx_path);
    let spdx = validate_spdx(&spdx_path);
    support::report(&format!(
        "sbom images: {} components; cyclonedx-python-lib {}, cyclonedx-library (ajv) {}, spdx-tools {}",
        components.len(),
        secs(py),
        secs(js),
        secs(spdx)
    ));
    let audit = p.read("depgate-report/audit.jsonl");
    assert_eq!(audit.lines().filter(|l| l.contains("\"pkg:oci/")).count(), 3, "{audit}");
}
