//! `[limits]` and hostile inputs: each size ceiling (metadata, artifact, bundle, lockfile)
//! and the decompression ratio refuse with an error naming the key, the upstream or file,
//! and what to do; inputs nested 100,000 deep (JSON, YAML, TOML, XML) and huge numbers
//! give an error, never a stack overflow or a panic.

mod support;

use support::Project;
use support::fake_npm::{FakeNpm, Fault};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00Z";

fn config(npm: &FakeNpm, limits: &str) -> String {
    format!(
        "[npm]\nchain = [\"faulty\"]\n\n[upstream.faulty]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"curated\"\ntimeout_secs = 5\nretries = 1\n\n[limits]\n{limits}\n",
        npm.url()
    )
}

/// A project locking `pkg@1.0.0` of `npm`, with these `[limits]`.
fn project(npm: &FakeNpm, integrity: &str, limits: &str) -> Project {
    let p = Project::new();
    p.write("depgate.toml", &config(npm, limits));
    let url = format!("{}pkg/-/pkg-1.0.0.tgz", npm.url());
    p.write("package-lock.json", &support::package_lock_v3(&[support::Locked::new("pkg", "1.0.0", integrity, url)]));
    p
}

fn check(p: &Project, extra: &[&str]) -> support::Run {
    let mut args = vec!["check", "--current-time", NOW];
    args.extend_from_slice(extra);
    p.depgate(&args, &[])
}

/// Exit 3 with a message naming the upstream and the `[limits]` key to raise.
fn assert_refused(run: &support::Run, key: &str) {
    let out = run.all_output();
    assert_eq!(run.code, 3, "{out}");
    assert!(out.contains("upstream `faulty`"), "{out}");
    assert!(out.contains(&format!("raise [limits] {key}")), "{out}");
}

#[test]
fn metadata_over_max_metadata_bytes_fails_closed() {
    let npm = FakeNpm::start();
    let integrity = npm.publish("pkg", "1.0.0", OLD);
    npm.set_version_field("pkg", "1.0.0", "description", serde_json::json!("d".repeat(4000)));
    let p = project(&npm, &integrity, "max_metadata_bytes = 2_000");
    let run = check(&p, &[]);
    assert_refused(&run, "max_metadata_bytes");
    assert!(
        run.all_output().contains("announced a metadata document over max_metadata_bytes (2.0 KiB)"),
        "{}",
        run.all_output()
    );
    // Under the default, the same document is fine.
    let p = project(&npm, &integrity, "");
    assert_eq!(check(&p, &[]).code, 0);
}

#[test]
fn artifact_over_max_artifact_bytes_fails_closed() {
    let npm = FakeNpm::start();
    let integrity = npm.publish_bytes("pkg", "1.0.0", OLD, vec![b'z'; 5_000]);
    let p = project(&npm, &integrity, "max_artifact_bytes = 1024");
    let run = check(&p, &["--download"]);
    assert_refused(&run, "max_artifact_bytes");
    assert_ne!(p.record("pkg:npm/pkg@1.0.0")["decision"], "allow");
    // A chunked answer (no Content-Length to refuse up front) is cut off while reading.
    npm.fault("pkg/-/", Fault::DripBytes { chunk: 512, every: std::time::Duration::from_millis(1) });
    let run = check(&p, &["--download"]);
    assert_refused(&run, "max_artifact_bytes");
}

#[test]
fn attestation_over_max_bundle_bytes_is_not_verified() {
    let npm = FakeNpm::start();
    let integrity = npm.publish("pkg", "1.0.0", OLD);
    npm.publish_attestations(
        "pkg",
        "1.0.0",
        format!("{{\"attestations\":[],\"pad\":\"{}\"}}", "p".repeat(5000)).into(),
    );
    let p = project(&npm, &integrity, "max_bundle_bytes = 1024");
    let run = check(&p, &[]);
    let out = run.all_output();
    assert!(out.contains("max_bundle_bytes"), "{out}");
    assert_ne!(p.record("pkg:npm/pkg@1.0.0")["decision"], "allow", "{out}");
}

#[test]
fn lockfile_over_max_lockfile_bytes_is_refused_before_reading() {
    let npm = FakeNpm::start();
    let integrity = npm.publish("pkg", "1.0.0", OLD);
    let p = project(&npm, &integrity, "max_lockfile_bytes = 100");
    let run = check(&p, &[]);
    let out = run.all_output();
    assert_eq!(run.code, 2, "{out}");
    assert!(out.contains("package-lock.json") && out.contains("over max_lockfile_bytes (100 bytes)"), "{out}");
    assert!(out.contains("raise [limits] max_lockfile_bytes"), "{out}");
    assert!(npm.log().is_empty(), "nothing was asked of the upstream");
}

#[test]
fn gzip_bomb_trips_max_decompression_ratio_and_plain_gzip_works() {
    let npm = FakeNpm::start();
    let integrity = npm.publish("pkg", "1.0.0", OLD);
    npm.fault("pkg$", Fault::Gzip);
    // A normal gzip-encoded packument is decoded.
    let p = project(&npm, &integrity, "");
    let run = check(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    // 8 MiB of one byte compresses about 1000 times.
    npm.set_version_field("pkg", "1.0.0", "description", serde_json::json!("b".repeat(8 << 20)));
    let p = project(&npm, &integrity, "");
    let run = check(&p, &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.all_output().contains("over max_decompression_ratio (200)"), "{}", run.all_output());
    // Raised, the same answer passes.
    let p = project(&npm, &integrity, "max_decompression_ratio = 5000");
    assert_eq!(check(&p, &[]).code, 0);
}

#[test]
fn limits_config_errors_name_the_key() {
    let npm = FakeNpm::start();
    let p = project(
        &npm,
        "sha512-AAAA",
        "max_metadata_bytes = \"64 MiB\"\nmax_decompression_ratio = 0.5\nmax_artfact_bytes = 1",
    );
    let run = check(&p, &[]);
    let out = run.all_output();
    assert_eq!(run.code, 2, "{out}");
    assert!(out.contains("`max_metadata_bytes` must be a whole number of bytes"), "{out}");
    assert!(out.contains("`max_decompression_ratio` must be at least 1"), "{out}");
    assert!(out.contains("did you mean `max_artifact_bytes`"), "{out}");
}

/// The run ended with an error of its own (exit 1–3), not a crash (a signal is code -1, a
/// panic 101), and said nothing of a stack overflow.
fn assert_no_crash(run: &support::Run, what: &str) {
    let out = run.all_output();
    assert!((1..=3).contains(&run.code), "{what}: exit {}\n{}", run.code, &out[..out.len().min(2000)]);
    assert!(!out.contains("overflow") && !out.contains("panicked"), "{what}: {}", &out[..out.len().min(2000)]);
}

const DEEP: usize = 100_000;

#[test]
fn inputs_nested_100000_deep_are_errors_not_stack_overflows() {
    let npm = FakeNpm::start();
    let cases: Vec<(&str, String)> = vec![
        ("package-lock.json", format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP))),
        ("package-lock.json", format!("{{\"packages\":{}1{}}}", "{\"a\":".repeat(DEEP), "}".repeat(DEEP))),
        ("pnpm-lock.yaml", format!("lockfileVersion: '9.0'\npackages: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP))),
        ("pnpm-lock.yaml", format!("lockfileVersion: '9.0'\npackages: {}1{}\n", "{a: ".repeat(DEEP), "}".repeat(DEEP))),
        ("uv.lock", format!("version = 1\npackage = {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP))),
        ("poetry.lock", format!("package = {}{}\n", "{a = ".repeat(DEEP), "}".repeat(DEEP))),
        (
            "gradle/verification-metadata.xml",
            format!("<?xml version=\"1.0\"?>{}{}", "<a>".repeat(DEEP), "</a>".repeat(DEEP)),
        ),
        ("Pipfile.lock", format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP))),
    ];
    for (file, text) in cases {
        let p = Project::new();
        p.write("depgate.toml", &config(&npm, ""));
        p.write(file, &text);
        let run = check(&p, &["--lockfile", file]);
        assert_no_crash(&run, file);
    }
    // A depgate.toml nested as deep.
    let p = Project::new();
    p.write("depgate.toml", &format!("x = {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP)));
    p.write("package-lock.json", &support::package_lock_v3(&[]));
    assert_no_crash(&check(&p, &[]), "depgate.toml");
}

#[test]
fn packuments_nested_deep_or_with_huge_numbers_fail_closed_or_parse() {
    let npm = FakeNpm::start();
    let integrity = npm.publish("pkg", "1.0.0", OLD);
    let p = project(&npm, &integrity, "");
    let deep = format!("{{\"name\":\"pkg\",\"versions\":{}1{}}}", "[".repeat(DEEP), "]".repeat(DEEP));
    npm.serve_raw("pkg", deep.into_bytes());
    let run = check(&p, &[]);
    assert_no_crash(&run, "deep packument");
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.all_output().contains("upstream `faulty` served an invalid packument"), "{}", run.all_output());
    for number in ["1e999999".to_string(), "9".repeat(100_000)] {
        let doc = serde_json::json!({
            "name": "pkg", "dist-tags": {"latest": "1.0.0"}, "time": {"1.0.0": OLD},
            "versions": {"1.0.0": {"name": "pkg", "version": "1.0.0", "size": "NUMBER",
                "dist": {"integrity": integrity, "tarball": format!("{}pkg/-/pkg-1.0.0.tgz", npm.url())}}}
        });
        let text = doc.to_string().replace("\"NUMBER\"", &number);
        npm.serve_raw("pkg", text.into_bytes());
        let run = check(&p, &[]);
        let out = run.all_output();
        assert!(matches!(run.code, 0 | 3), "{}", &out[..out.len().min(2000)]);
        assert!(!out.contains("overflow") && !out.contains("panicked"), "{}", &out[..out.len().min(2000)]);
    }
}

#[test]
fn huge_numbers_in_json_inputs_are_handled() {
    let npm = FakeNpm::start();
    let integrity = npm.publish("pkg", "1.0.0", OLD);
    let digits = "9".repeat(100_000);
    for (what, lockfile_version) in [("1e999999", "1e999999".to_string()), ("100000 digits", digits.clone())] {
        let p = Project::new();
        p.write("depgate.toml", &config(&npm, ""));
        let lock = support::package_lock_v3(&[support::Locked::new(
            "pkg",
            "1.0.0",
            &integrity,
            format!("{}pkg/-/pkg-1.0.0.tgz", npm.url()),
        )]);
        p.write(
            "package-lock.json",
            &lock.replace("\"lockfileVersion\": 3", &format!("\"lockfileVersion\": {lockfile_version}")),
        );
        assert_no_crash(&check(&p, &[]), what);
    }
}
