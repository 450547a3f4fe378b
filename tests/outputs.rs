//! The report folder as a whole, through the binary: `--random-serial` (for `check` and
//! `demo`) changes the SBOMs' identifiers and nothing else, and without it two runs of the
//! same input write the same SBOM bytes. The SBOMs' content and validity are
//! `tests/sbom.rs`'s; SARIF and the audit log are `tests/audit_sarif.rs`'s.

mod support;

use std::path::Path;

use serde_json::Value;
use support::Project;

/// The demo's fixed clock: with it, every run of the demo project is the same input.
const DEMO_NOW: &str = "2025-03-22T00:00:00Z";

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The two SBOMs of a report folder, as bytes.
fn sboms(report: &Path) -> (Vec<u8>, Vec<u8>) {
    (read(&report.join("sbom.cdx.json")), read(&report.join("sbom.spdx.json")))
}

fn serial(cdx: &[u8]) -> String {
    json(cdx)["serialNumber"].as_str().unwrap().to_string()
}

/// The version nibble of a `urn:uuid:` serial: `5` name-based, `4` random.
fn uuid_version(serial: &str) -> &str {
    &serial["urn:uuid:xxxxxxxx-xxxx-".len()..][..1]
}

fn namespace(spdx: &[u8]) -> String {
    json(spdx)["documentNamespace"].as_str().unwrap().to_string()
}

/// The documents with their identifiers blanked, for comparing everything else.
fn without_ids(cdx: &[u8], spdx: &[u8]) -> (Value, Value) {
    let (mut c, mut s) = (json(cdx), json(spdx));
    c["serialNumber"] = Value::Null;
    s["documentNamespace"] = Value::Null;
    (c, s)
}

/// `depgate check` of the unpacked demo project into `out`, on the demo's clock.
fn check(p: &Project, demo: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["check", demo.to_str().unwrap(), "--out", out.to_str().unwrap(), "--current-time", DEMO_NOW];
    args.extend_from_slice(extra);
    let run = p.depgate(&args, &[]);
    assert_eq!(run.code, 1, "the demo blocks by design:\n{}", run.all_output());
    run.stderr
}

#[test]
fn random_serial_changes_only_the_sbom_identifiers() {
    let p = Project::new();
    let demo = p.path().join("demo");
    let unpacked = p.depgate(&["demo", "--dir", demo.to_str().unwrap()], &[]);
    assert_eq!(unpacked.code, 0, "{}", unpacked.all_output());
    let demo_run = sboms(&demo.join("depgate-report"));

    // Without the flag: two runs, the same bytes, serial and namespace derived from content.
    let (plain1, plain2) = (p.path().join("plain1"), p.path().join("plain2"));
    let stderr = check(&p, &demo, &plain1, &[]);
    check(&p, &demo, &plain2, &[]);
    let (cdx_plain1, spdx_plain1) = sboms(&plain1);
    let (cdx_plain2, spdx_plain2) = sboms(&plain2);
    assert!(cdx_plain1 == cdx_plain2, "the same input gives the same CycloneDX bytes");
    assert!(spdx_plain1 == spdx_plain2, "the same input gives the same SPDX bytes");
    assert_eq!(uuid_version(&serial(&cdx_plain1)), "5", "name-based: {}", serial(&cdx_plain1));
    assert!(
        namespace(&spdx_plain1).starts_with("https://depgate.invalid/spdx/depgate-demo-"),
        "{}",
        namespace(&spdx_plain1)
    );
    // The line benches/outputs.sh reads.
    assert!(
        stderr.lines().any(|l| l.contains(" report files for ") && l.ends_with(" ms")),
        "no report-writing time on stderr:\n{stderr}"
    );

    // With it: every run its own serial and namespace, and nothing else changes.
    let (random1, random2) = (p.path().join("random1"), p.path().join("random2"));
    check(&p, &demo, &random1, &["--random-serial"]);
    check(&p, &demo, &random2, &["--random-serial"]);
    let (cdx_random1, spdx_random1) = sboms(&random1);
    let (cdx_random2, spdx_random2) = sboms(&random2);
    let serials = [serial(&cdx_plain1), serial(&cdx_random1), serial(&cdx_random2)];
    assert!(serials[0] != serials[1] && serials[1] != serials[2] && serials[0] != serials[2], "{serials:?}");
    for s in &serials[1..] {
        assert_eq!(uuid_version(s), "4", "random: {s}");
    }
    let namespaces = [namespace(&spdx_plain1), namespace(&spdx_random1), namespace(&spdx_random2)];
    assert!(
        namespaces[0] != namespaces[1] && namespaces[1] != namespaces[2] && namespaces[0] != namespaces[2],
        "{namespaces:?}"
    );
    assert_eq!(
        without_ids(&cdx_random1, &spdx_random1),
        without_ids(&cdx_plain1, &spdx_plain1),
        "only the identifiers differ"
    );
    assert_eq!(
        without_ids(&cdx_random2, &spdx_random2),
        without_ids(&cdx_plain1, &spdx_plain1),
        "only the identifiers differ"
    );

    // The demo takes the flag too.
    let again = p.depgate(&["demo", "--dir", demo.to_str().unwrap(), "--random-serial"], &[]);
    assert_eq!(again.code, 0, "{}", again.all_output());
    let (cdx_demo, spdx_demo) = sboms(&demo.join("depgate-report"));
    assert_ne!(serial(&cdx_demo), serial(&demo_run.0));
    assert_ne!(namespace(&spdx_demo), namespace(&demo_run.1));
    assert_eq!(
        without_ids(&cdx_demo, &spdx_demo),
        without_ids(&demo_run.0, &demo_run.1),
        "only the identifiers differ"
    );
}
