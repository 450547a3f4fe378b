//! Snapshot tests (insta) of what people read: the terminal table, `summary.md`,
//! `results.sarif`, both SBOMs and `decisions.json`, for the demo and two fixture
//! projects (npm with real attestations: verified, violated and unverifiable; `PyPI` and
//! Maven with fall-through, mismatches, yanked and held-back versions). Volatile fields
//! are redacted: temporary paths, ports of the fake registries, the wall clock of the run
//! (`started_at`), the SBOM identifiers derived from them, and the tool's version.
//!
//! A change to any rendering shows up here as a diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always` and `git diff`); the snapshots were first taken before the
//! evidence-stage refactor, so an unchanged snapshot is the proof that it kept behaviour.

mod support;

use std::path::Path;

use regex::Regex;
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00Z";
const YOUNG: &str = "2025-12-30T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";

/// The report files a run writes, in the order they are snapshotted.
const FILES: [&str; 5] = ["summary.md", "results.sarif", "sbom.cdx.json", "sbom.spdx.json", "decisions.json"];

/// Artifact bytes that are the same in every run (the fake registries' own defaults
/// name their port).
fn fixed(what: &str) -> Vec<u8> {
    format!("the bytes of {what}").into_bytes()
}

/// Blank what differs between two runs of the same input.
fn redact(text: &str, roots: &[&Path]) -> String {
    let mut out = text.to_string();
    for root in roots {
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        for p in [canonical.as_path(), *root] {
            let shown = p.display().to_string();
            // Paths inside JSON strings and file URIs are written with forward slashes.
            out = out.replace(&shown, "[ROOT]");
        }
    }
    let rules: [(&str, &str); 5] = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r#""(started_at|startedAt)": "[^"]*""#, r#""$1": "[CLOCK]""#),
        (r"urn:uuid:[0-9a-f-]{36}", "urn:uuid:[SERIAL]"),
        (r#""documentNamespace": "[^"]*""#, r#""documentNamespace": "[NAMESPACE]""#),
        (r"\.tmp[A-Za-z0-9]{6}", ".tmp[RANDOM]"),
    ];
    for (pattern, with) in rules {
        out = Regex::new(pattern).unwrap().replace_all(&out, with).into_owned();
    }
    out.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

/// Snapshot the terminal output and every report file of a run.
fn snapshot_run(name: &str, stdout: &str, report: &Path, roots: &[&Path]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(format!("{name}__terminal"), redact(stdout, roots));
        for f in FILES {
            let text = std::fs::read_to_string(report.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            insta::assert_snapshot!(format!("{name}__{f}"), redact(&text, roots));
        }
    });
}

#[test]
fn demo_reports() {
    let p = Project::new();
    let dir = p.path().join("demo");
    let run = p.depgate(&["demo", "--dir", dir.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "the demo reports its blocks and exits 0:\n{}", run.all_output());
    snapshot_run("demo", &run.stdout, &dir.join("depgate-report"), &[p.path()]);
}

/// npm: real production attestations (verified), the same with a flipped signature bit
/// (violated), one advertised but missing (violated), one with none (unverifiable) and
/// young on the fallback tier (quarantine).
#[test]
fn npm_attested_reports() {
    let Some(fx) = support::shared::sigstore_fixtures("npm_attested_reports") else { return };
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let mut entries = Vec::new();
    for (name, version, tgz) in [("sigstore", "1.0.0", "sigstore-1.0.0.tgz"), ("tuf-js", "1.0.0", "tuf-js-1.0.0.tgz")] {
        let dir = fx.join("npm").join(format!("{name}@{version}"));
        let bytes = std::fs::read(dir.join(tgz)).unwrap();
        let integrity = curated.publish_bytes(name, version, "2023-01-01T00:00:00.000Z", bytes);
        let mut att: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("attestations.json")).unwrap()).unwrap();
        if name == "tuf-js" {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            let sig = &mut att["attestations"][0]["bundle"]["dsseEnvelope"]["signatures"][0]["sig"];
            let mut raw = b64.decode(sig.as_str().unwrap()).unwrap();
            raw[20] ^= 1;
            *sig = b64.encode(raw).into();
        }
        curated.publish_attestations(name, version, serde_json::to_vec(&att).unwrap());
        entries.push((name, version, integrity, curated.url()));
    }
    let gone = curated.publish_bytes("gone", "1.0.0", "2023-01-01T00:00:00.000Z", fixed("gone@1.0.0"));
    curated.advertise_missing_attestations("gone", "1.0.0");
    entries.push(("gone", "1.0.0", gone, curated.url()));
    let young = public.publish_bytes("left-pad", "1.3.0", "2025-12-30T00:00:00.000Z", fixed("left-pad@1.3.0"));
    entries.push(("left-pad", "1.3.0", young, public.url()));
    let old = public.publish_bytes("is-number", "7.0.0", "2020-01-01T00:00:00.000Z", fixed("is-number@7.0.0"));
    entries.push(("is-number", "7.0.0", old, public.url()));

    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", "quarantine_days = 7"));
    let locked: Vec<Locked<'_>> = entries
        .iter()
        .map(|(n, v, integrity, url)| Locked::new(n, v, integrity, format!("{url}{n}/-/{n}-{v}.tgz")))
        .collect();
    p.write("package-lock.json", &package_lock_v3(&locked));
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    snapshot_run("npm_attested", &run.stdout, &p.path().join("depgate-report"), &[p.path()]);
}

/// `PyPI` and Maven through two fake repositories: owner and fall-through, a hash
/// mismatch, a yanked release, a held-back young one, Maven checksums with `--download`.
#[test]
fn pypi_maven_reports() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    let meta = b"Metadata-Version: 2.4\nName: Acme-Tools\nVersion: 1.0.0\nLicense-Expression: MIT\n\n".to_vec();
    let tools = curated.publish_py_bytes(
        "Acme_Tools",
        "1.0.0",
        "acme_tools-1.0.0-py3-none-any.whl",
        OLD,
        b"wheel bytes".to_vec(),
        Some(meta),
    );
    let six = public.publish_py_bytes(
        "six",
        "1.16.0",
        "six-1.16.0-py2.py3-none-any.whl",
        OLD,
        fixed("six-1.16.0-py2.py3-none-any.whl"),
        None,
    );
    public.publish_py_bytes(
        "requests",
        "2.32.3",
        "requests-2.32.3-py3-none-any.whl",
        OLD,
        fixed("requests-2.32.3-py3-none-any.whl"),
        None,
    );
    let urllib3 = public.publish_py_bytes(
        "urllib3",
        "2.9.0",
        "urllib3-2.9.0-py3-none-any.whl",
        YOUNG,
        fixed("urllib3-2.9.0-py3-none-any.whl"),
        None,
    );
    let idna = public.publish_py_bytes("idna", "3.8", "idna-3.8.tar.gz", OLD, fixed("idna-3.8.tar.gz"), None);
    public.yank_py("idna", "3.8", "broken & withdrawn");
    let core = curated.publish_maven_bytes(
        "com.acme:core",
        "1.2.0",
        None,
        "jar",
        fixed("com.acme:core:1.2.0"),
        OLD_HTTP,
        &["sha1", "sha256"],
    );
    curated.publish_maven_signature("com.acme:core", "1.2.0", "asc", b"-----BEGIN PGP SIGNATURE-----".to_vec());
    let slf4j = public.publish_maven_bytes(
        "org.slf4j:slf4j-api",
        "2.0.13",
        None,
        "jar",
        fixed("org.slf4j:slf4j-api:2.0.13"),
        OLD_HTTP,
        &["sha1", "sha256"],
    );
    public.publish_maven_bytes(
        "com.acme:core",
        "9.9.9",
        None,
        "jar",
        fixed("com.acme:core:9.9.9"),
        OLD_HTTP,
        &["sha1", "sha256"],
    );

    let p = Project::new();
    let chain = |eco: &str, kind: &str, c: &str, pu: &str, ns: &str| {
        format!(
            "[{eco}]\nchain = [\"{eco}-curated\", \"{eco}-public\"]\nnamespaces = {{ {ns} }}\n\n\
             [upstream.{eco}-curated]\nkind = \"{kind}\"\nurl = \"{c}\"\ntier = \"curated\"\ntimeout_secs = 2\nretries = 1\n\n\
             [upstream.{eco}-public]\nkind = \"{kind}\"\nurl = \"{pu}\"\ntier = \"public\"\ntimeout_secs = 2\nretries = 1\n\n"
        )
    };
    p.write(
        "depgate.toml",
        &format!(
            "{}{}[policy]\nquarantine_days = 7\n",
            chain("pypi", "pypi-simple", &curated.simple_url(), &public.simple_url(), "\"acme-*\" = \"pypi-curated\""),
            chain("maven", "maven", &curated.maven_url(), &public.maven_url(), "\"com.acme:*\" = \"maven-curated\""),
        ),
    );
    let req = |n: &str, v: &str, h: &str| format!("{n}=={v} \\\n    --hash=sha256:{h}\n");
    p.write(
        "requirements.txt",
        &[
            req("acme-tools", "1.0.0", &tools),
            req("six", "1.16.0", &six),
            req("requests", "2.32.3", &"ab".repeat(32)),
            req("urllib3", "2.9.0", &urllib3),
            req("idna", "3.8", &idna),
        ]
        .concat(),
    );
    let artifacts: Vec<serde_json::Value> = [
        ("com.acme", "core", "1.2.0", core),
        ("org.slf4j", "slf4j-api", "2.0.13", slf4j),
    ]
    .into_iter()
    .map(|(g, a, v, sha)| serde_json::json!({"group": g, "name": a, "version": v, "extension": "jar", "sha256": sha}))
    .collect();
    p.write(
        "depgate-resolved.json",
        &serde_json::to_string_pretty(&serde_json::json!({"format": "depgate.resolved/v1", "artifacts": artifacts}))
            .unwrap(),
    );
    let run = p.depgate(&["check", "--download", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    snapshot_run("pypi_maven", &run.stdout, &p.path().join("depgate-report"), &[p.path()]);
}

/// Advisories from an offline database (a folder): a high GHSA with a fix (denied), a
/// malware record (denied), a moderate one accepted by `[advisories.ignore]`, a package
/// no advisory names. No registry is asked (`--advisories-only`).
#[test]
fn advisories_reports() {
    let p = Project::new();
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0",
                 "dependencies": {"lodash": "4.17.20", "evil-pkg": "1.0.0", "minimist": "1.2.5", "left-pad": "1.3.0"}},
            "node_modules/lodash": {"version": "4.17.20", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"},
            "node_modules/evil-pkg": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/evil-pkg/-/evil-pkg-1.0.0.tgz"},
            "node_modules/minimist": {"version": "1.2.5", "resolved": "https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz"},
            "node_modules/left-pad": {"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"}
        }
    });
    p.write("package-lock.json", &serde_json::to_string_pretty(&lock).unwrap());
    let records = [
        r#"{"id":"GHSA-35jh-r3h4-6jhm","modified":"2024-01-01T00:00:00Z","published":"2021-05-06T16:05:51Z","aliases":["CVE-2021-23337"],"summary":"Command Injection in lodash","affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"HIGH"}}"#,
        r#"{"id":"MAL-2024-1","modified":"2024-01-01T00:00:00Z","summary":"Malicious code in evil-pkg (npm)","affected":[{"package":{"ecosystem":"npm","name":"evil-pkg"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}"#,
        r#"{"id":"GHSA-xvch-5gv4-984h","modified":"2024-01-01T00:00:00Z","published":"2021-03-18T00:00:00Z","aliases":["CVE-2021-44906"],"summary":"Prototype Pollution in minimist","affected":[{"package":{"ecosystem":"npm","name":"minimist"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.6"}]}]}],"database_specific":{"severity":"MODERATE"}}"#,
    ];
    let fixed_time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_139_200); // 2025-12-31
    for r in records {
        let id = serde_json::from_str::<serde_json::Value>(r).unwrap()["id"].as_str().unwrap().to_string();
        let path = p.write(&format!("db/{id}.json"), r);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(fixed_time).unwrap();
    }
    p.write(
        "depgate.toml",
        "[advisories]\nsource = \"offline\"\npaths = [\"db\"]\nmax_age = \"never\"\n\n\
         [advisories.ignore]\n\"GHSA-xvch-5gv4-984h\" = { reason = \"only parses our own config\", until = \"2026-06-30\" }\n",
    );
    let run = p.depgate(&["check", "--advisories-only", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let report = p.path().join("depgate-report");
    snapshot_run("advisories", &run.stdout, &report, &[p.path()]);
    // One SARIF rule per advisory id, valid SARIF 2.1.0.
    let sarif = std::fs::read(report.join("results.sarif")).unwrap();
    match support::sarif::validate(&[&sarif]) {
        Some(Ok(summary)) => support::report(&format!("sarif advisories: {summary}")),
        Some(Err(errors)) => panic!("results.sarif with advisories is not valid SARIF 2.1.0: {errors}"),
        None => {}
    }
}

/// The package managers' and bots' cooldowns beside depgate's (testdata/cooldowns/drift:
/// every tool set to a different value): listed in every report, with the
/// `cooldown-drift` warnings at the tools' lines.
#[test]
fn cooldowns_reports() {
    let p = Project::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cooldowns/drift");
    let report = p.path().join("report");
    let pip_conf = fixture.join("pip.conf");
    let run = p.depgate(
        &["check", fixture.to_str().unwrap(), "--out", report.to_str().unwrap(), "--current-time", NOW],
        &[("PIP_CONFIG_FILE", pip_conf.to_str().unwrap()), ("PIP_UPLOADED_PRIOR_TO", "")],
    );
    assert_eq!(run.code, 1, "the fixture's squatted @acme/logger is denied:\n{}", run.all_output());
    snapshot_run("cooldowns", &run.stdout, &report, &[p.path(), &fixture]);
    // The drift results at the tools' lines are valid SARIF 2.1.0.
    let sarif = std::fs::read(report.join("results.sarif")).unwrap();
    match support::sarif::validate(&[&sarif]) {
        Some(Ok(summary)) => support::report(&format!("sarif cooldowns: {summary}")),
        Some(Err(errors)) => panic!("results.sarif with cooldown drift is not valid SARIF 2.1.0: {errors}"),
        None => {}
    }
}
