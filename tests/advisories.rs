//! Advisories in the gate, against fake registries and a fake OSV service on 127.0.0.1:
//! malware denied in every ecosystem, a fixed version allowed, the OSV schema's matching
//! rules (`last_affected`, `versions`-only, withdrawn, aliases), ignores with an expiry
//! (before and after, through the injected clock), a stale database and an unreachable
//! OSV API failing closed (exit 3), the severity threshold per tier, the online source
//! (querybatch, paging, the record cache) and `depgate advisories sync` / `status`.
//!
//! The records are small ones written like real GHSA, PYSEC and `MAL-` records; the oracle
//! test (`tests/advisories_oracle.rs`) runs real records against `osv-scanner`.

mod support;

use serde_json::{Value, json};
use support::fake_npm::FakeNpm;
use support::fake_osv::{FakeOsv, export_zip};
use support::fake_repo::FakeRepo;
use support::{Locked, Project, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";

fn record(id: &str, eco: &str, name: &str, events: &Value, extra: &Value) -> Value {
    let mut r = json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2025-11-01T00:00:00Z",
        "published": "2025-10-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": eco, "name": name}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
    });
    if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            r.insert(k.clone(), v.clone());
        }
    }
    r
}

fn ghsa_lodash() -> Value {
    record(
        "GHSA-35jh-r3h4-6jhm",
        "npm",
        "lodash",
        &json!([{"introduced": "0"}, {"fixed": "4.17.21"}]),
        &json!({"aliases": ["CVE-2021-23337"], "summary": "Command Injection in lodash",
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
               "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-77", "CWE-94"]}}),
    )
}

fn mal(id: &str, eco: &str, name: &str) -> Value {
    json!({"id": id, "modified": "2025-11-01T00:00:00Z", "summary": format!("Malicious code in {name} ({eco})"),
           "affected": [{"package": {"ecosystem": eco, "name": name}, "versions": ["1.0.0"]}]})
}

/// Write `records` as a folder database under the project.
fn db(p: &Project, records: &[Value]) {
    for r in records {
        p.write(&format!("osv/{}.json", r["id"].as_str().unwrap()), &serde_json::to_string_pretty(r).unwrap());
    }
}

fn check(p: &Project, extra: &[&str]) -> support::Run {
    let mut args = vec!["check", "--current-time", NOW];
    args.extend_from_slice(extra);
    p.depgate(&args, &[])
}

fn findings(r: &Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["advisory"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn npm_config(public: &FakeNpm, advisories: &str) -> String {
    format!(
        "[npm]\nchain = [\"public\"]\n\n[upstream.public]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 2\nretries = 1\n\n[policy]\nquarantine_days = 7\n\n[advisories]\n{advisories}\n",
        public.url()
    )
}

#[test]
fn malware_is_denied_and_a_vulnerable_version_names_its_upgrade_in_the_gate() {
    let public = FakeNpm::start();
    let old = public.publish("lodash", "4.17.20", OLD);
    public.publish("lodash", "4.17.21", OLD);
    public.publish("lodash", "4.18.0-beta.1", OLD);
    let evil = public.publish("evil-pkg", "1.0.0", OLD);
    let ms = public.publish("ms", "2.1.3", OLD);
    let p = Project::new();
    db(&p, &[ghsa_lodash(), mal("MAL-2025-100", "npm", "evil-pkg")]);
    p.write("depgate.toml", &npm_config(&public, "paths = [\"osv\"]\nmax_age = \"never\""));
    let tb = |n: &str, v: &str| format!("{}{n}/-/{n}-{v}.tgz", public.url());
    p.write(
        "package-lock.json",
        &package_lock_v3(&[
            Locked::new("lodash", "4.17.20", &old, tb("lodash", "4.17.20")),
            Locked::new("evil-pkg", "1.0.0", &evil, tb("evil-pkg", "1.0.0")),
            Locked::new("ms", "2.1.3", &ms, tb("ms", "2.1.3")),
        ]),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let lodash = p.record("pkg:npm/lodash@4.17.20");
    assert_eq!(lodash["decision"], "deny");
    assert_eq!(findings(&lodash), vec![("vulnerability".into(), "GHSA-35jh-r3h4-6jhm".into())]);
    let f = &lodash["findings"][0];
    assert!(f["remedy"].as_str().unwrap().contains("upgrade to 4.17.21"), "{f:#}");
    assert_eq!(lodash["advisories"]["upgrade"][0]["version"], "4.17.21", "prereleases are never offered");
    assert_eq!(lodash["advisories"]["matched"][0]["severity"], "high");
    assert_eq!(lodash["advisories"]["matched"][0]["score"], 7.2);
    let evil = p.record("pkg:npm/evil-pkg@1.0.0");
    assert_eq!(findings(&evil), vec![("malware".into(), "MAL-2025-100".into())]);
    let ms = p.record("pkg:npm/ms@2.1.3");
    assert_eq!(ms["decision"], "allow");
    assert_eq!(ms["advisories"]["status"], "checked");
    assert_eq!(ms["advisories"]["matched"], json!([]));
    // The run says which database decided.
    let run_info = &p.decisions()["run"]["advisories"];
    assert_eq!(run_info["source"], "offline");
    assert!(run_info["database"].as_str().unwrap().starts_with("sha256:"));
    // The terminal names the advisory and the remedy.
    assert!(run.stdout.contains("GHSA-35jh-r3h4-6jhm") && run.stdout.contains("upgrade to 4.17.21"), "{}", run.stdout);

    // The fixed version passes.
    let fixed = public.publish("lodash", "4.17.21", OLD);
    p.write(
        "package-lock.json",
        &package_lock_v3(&[Locked::new("lodash", "4.17.21", &fixed, tb("lodash", "4.17.21"))]),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn malware_is_denied_for_pypi_and_maven_too() {
    let repo = FakeRepo::start();
    let bad = repo.publish_py("Evil_Pkg", "1.0.0", "evil_pkg-1.0.0-py3-none-any.whl", "2025-06-01T00:00:00Z");
    let good = repo.publish_py("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl", "2025-06-01T00:00:00Z");
    let jar = repo.publish_maven("com.evil:payload", "1.0.0", "Sun, 01 Jun 2025 00:00:00 GMT");
    let p = Project::new();
    db(&p, &[mal("MAL-2025-200", "PyPI", "evil-pkg"), mal("MAL-2025-300", "Maven", "com.evil:payload")]);
    p.write(
        "depgate.toml",
        &format!(
            "[pypi]\nchain = [\"repo\"]\n[maven]\nchain = [\"mvn\"]\n\n[upstream.repo]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\n\n[upstream.mvn]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n\n[advisories]\npaths = [\"osv\"]\n",
            repo.simple_url(),
            repo.maven_url()
        ),
    );
    p.write(
        "requirements.txt",
        &format!("evil.pkg==1.0.0 \\\n    --hash=sha256:{bad}\nsix==1.16.0 \\\n    --hash=sha256:{good}\n"),
    );
    p.write(
        "depgate-resolved.json",
        &json!({"format": "depgate.resolved/v1", "artifacts": [{"group": "com.evil", "name": "payload", "version": "1.0.0", "extension": "jar", "sha256": jar}]}).to_string(),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    // PyPI names match in PEP 503 normal form (`evil.pkg` is `evil-pkg`).
    assert_eq!(findings(&p.record("pkg:pypi/evil-pkg@1.0.0")), vec![("malware".into(), "MAL-2025-200".into())]);
    assert_eq!(p.record("pkg:pypi/six@1.16.0")["decision"], "allow");
    assert_eq!(
        findings(&p.record("pkg:maven/com.evil/payload@1.0.0")),
        vec![("malware".into(), "MAL-2025-300".into())]
    );
}

#[test]
fn the_schemas_matching_rules_hold_in_a_scan() {
    let p = Project::new();
    let last = record(
        "GHSA-last-affected",
        "npm",
        "la",
        &json!([{"introduced": "1.0.0"}, {"last_affected": "1.4.2"}]),
        &json!({"database_specific": {"severity": "CRITICAL"}}),
    );
    let listed = json!({"id": "PYSEC-2025-1", "modified": "2025-01-01T00:00:00Z", "details": "Listed versions only.",
        "affected": [{"package": {"ecosystem": "npm", "name": "listed"}, "versions": ["2.0.0", "2.0.1"]}]});
    let withdrawn = json!({"id": "GHSA-gone", "modified": "2025-01-01T00:00:00Z", "withdrawn": "2025-02-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "ms"}, "versions": ["2.1.3"]}]});
    // One vulnerability published twice: GHSA and PYSEC alias the same CVE.
    let a = record(
        "GHSA-aaaa-bbbb-cccc",
        "npm",
        "dup",
        &json!([{"introduced": "0"}, {"fixed": "3.0.0"}]),
        &json!({"aliases": ["CVE-2025-1"], "database_specific": {"severity": "LOW"}}),
    );
    let b = record(
        "OSV-2025-7",
        "npm",
        "dup",
        &json!([{"introduced": "0"}, {"fixed": "3.0.0"}]),
        &json!({"aliases": ["CVE-2025-1"]}),
    );
    db(&p, &[last, listed, withdrawn, a, b]);
    let lock = package_lock_v3(
        &[("la", "1.4.2"), ("listed", "2.0.1"), ("ms", "2.1.3"), ("dup", "2.9.9")].map(|(n, v)| Locked {
            name: n,
            version: v,
            integrity: None,
            resolved: None,
            dev: false,
        }),
    );
    p.write("package-lock.json", &lock);
    let run = check(&p, &["--advisories-only", "--advisories-db", "osv", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let rec =
        |n: &str| doc["decisions"].as_array().unwrap().iter().find(|r| r["package"]["name"] == n).unwrap().clone();
    // `last_affected` names no fix: denied (critical) and unfixed.
    assert_eq!(
        findings(&rec("la")),
        vec![
            ("vulnerability".into(), "GHSA-last-affected".into()),
            ("vulnerability-unfixed".into(), "GHSA-last-affected".into())
        ]
    );
    assert_eq!(rec("la")["advisories"]["matched"][0]["affected"], json!([">=1.0.0, <=1.4.2"]));
    let listed = rec("listed");
    assert_eq!(listed["advisories"]["matched"][0]["id"], "PYSEC-2025-1");
    assert_eq!(listed["advisories"]["matched"][0]["severity"], "unknown");
    // Unknown severity counts as high: denied at the default threshold, and unfixed.
    assert_eq!(
        findings(&listed),
        vec![("vulnerability".into(), "PYSEC-2025-1".into()), ("vulnerability-unfixed".into(), "PYSEC-2025-1".into())]
    );
    assert_eq!(rec("ms")["advisories"]["matched"], json!([]), "a withdrawn record never matches");
    let dup = &rec("dup")["advisories"]["matched"];
    assert_eq!(dup.as_array().unwrap().len(), 1, "aliases merge: {dup:#}");
    assert_eq!(dup[0]["id"], "GHSA-aaaa-bbbb-cccc");
    assert_eq!(dup[0]["records"], json!(["GHSA-aaaa-bbbb-cccc", "OSV-2025-7"]));
    assert_eq!(dup[0]["aliases"], json!(["CVE-2025-1", "OSV-2025-7"]));
    // Low is below the default threshold (high): a warning that names the fix.
    assert_eq!(findings(&rec("dup")), vec![("vulnerability-below-threshold".into(), "GHSA-aaaa-bbbb-cccc".into())]);
    // No upstream was asked: --advisories-only sends nothing to registries.
    assert!(rec("la")["resolution"].is_null());
}

#[test]
fn ignores_hold_until_their_expiry_then_stop_and_say_so() {
    let p = Project::new();
    let mut malware = mal("MAL-2025-100", "npm", "lodash");
    malware["affected"][0]["versions"] = json!(["4.17.20"]);
    db(&p, &[ghsa_lodash(), malware]);
    p.write(
        "depgate.toml",
        "[advisories]\npaths = [\"osv\"]\nmax_age = \"never\"\n\n[advisories.ignore]\n\"CVE-2021-23337\" = { reason = \"template() is never called with user input\", until = \"2026-01-31\", purls = [\"pkg:npm/lodash@*\"] }\n\"MAL-2025-100\" = { reason = \"malware cannot be ignored\", until = \"2026-01-31\" }\n",
    );
    p.write(
        "package-lock.json",
        &package_lock_v3(&[Locked { name: "lodash", version: "4.17.20", integrity: None, resolved: None, dev: false }]),
    );
    let scan = |now: &str| {
        let run = p.depgate(&["check", "--advisories-only", "--current-time", now, "--format", "json"], &[]);
        let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.all_output()));
        findings(&doc["decisions"][0])
    };
    // Before the expiry (the whole last day counts): ignored by its alias, and said.
    let before = scan("2026-01-31T23:59:59Z");
    assert!(before.contains(&("advisory-ignored".into(), "GHSA-35jh-r3h4-6jhm".into())), "{before:?}");
    assert!(!before.iter().any(|(r, _)| r == "vulnerability"), "{before:?}");
    assert!(before.contains(&("malware".into(), "MAL-2025-100".into())), "malware is never ignored: {before:?}");
    // After: the ignore stops working and says it expired.
    let after = scan("2026-02-01T00:00:00Z");
    assert!(after.contains(&("vulnerability".into(), "GHSA-35jh-r3h4-6jhm".into())), "{after:?}");
    assert!(after.contains(&("advisory-ignore-expired".into(), "GHSA-35jh-r3h4-6jhm".into())), "{after:?}");
}

#[test]
fn a_stale_database_fails_closed_unless_the_override_is_given_and_recorded() {
    let p = Project::new();
    db(&p, &[ghsa_lodash()]);
    p.write(
        "package-lock.json",
        &package_lock_v3(&[Locked { name: "ms", version: "2.1.3", integrity: None, resolved: None, dev: false }]),
    );
    // The files were written now; three days later the database is older than 2d.
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let run = p.depgate(&["check", "--advisories-only", "--advisories-db", "osv", "--current-time", &later], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(
        run.stderr.contains("advisory database osv") && run.stderr.contains("older than max_age 2d"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("depgate advisories sync"), "says what to do: {}", run.stderr);
    let run = p.depgate(
        &[
            "check",
            "--advisories-only",
            "--advisories-db",
            "osv",
            "--current-time",
            &later,
            "--advisories-max-age",
            "never",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let overrides = &p.decisions()["run"]["advisories"]["overrides"];
    assert!(overrides.as_array().unwrap().iter().any(|o| o == "--advisories-max-age never"), "{overrides:#}");
    assert_eq!(p.decisions()["run"]["advisories"]["max_age"], "never");
    // A database that is not there is an error, never a clean scan.
    let run = p.depgate(&["check", "--advisories-only", "--advisories-db", "missing"], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.stderr.contains("advisory database missing"), "{}", run.stderr);
}

#[test]
fn the_severity_threshold_is_per_tier() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let a = curated.publish("lodash", "4.17.20", OLD);
    let b = public.publish("minimist", "1.2.5", OLD);
    let p = Project::new();
    let minimist = record(
        "GHSA-xvch-5gv4-984h",
        "npm",
        "minimist",
        &json!([{"introduced": "0"}, {"fixed": "1.2.6"}]),
        &json!({"aliases": ["CVE-2021-44906"], "database_specific": {"severity": "CRITICAL"}}),
    );
    db(&p, &[ghsa_lodash(), minimist]);
    p.write(
        "depgate.toml",
        &support::chain_config(
            &curated.url(),
            &public.url(),
            "",
            "[policy.tiers.curated]\nfail_on_severity = \"critical\"\n\n[advisories]\npaths = [\"osv\"]\nmax_age = \"never\"\nfail_on_severity = \"moderate\"",
        ),
    );
    p.write(
        "package-lock.json",
        &package_lock_v3(&[
            Locked::new("lodash", "4.17.20", &a, format!("{}lodash/-/lodash-4.17.20.tgz", curated.url())),
            Locked::new("minimist", "1.2.5", &b, format!("{}minimist/-/minimist-1.2.5.tgz", public.url())),
        ]),
    );
    let run = check(&p, &[]);
    // High from the curated tier (threshold critical): a warning; critical from the
    // public tier (threshold moderate): denied.
    assert_eq!(run.code, 1, "{}", run.all_output());
    let l = p.record("pkg:npm/lodash@4.17.20");
    assert_eq!(l["decision"], "warn", "{l:#}");
    assert_eq!(findings(&l), vec![("vulnerability-below-threshold".into(), "GHSA-35jh-r3h4-6jhm".into())]);
    assert_eq!(
        findings(&p.record("pkg:npm/minimist@1.2.5")),
        vec![("vulnerability".into(), "GHSA-xvch-5gv4-984h".into())]
    );
}

#[test]
fn the_online_source_asks_the_osv_api_pages_caches_and_fails_closed() {
    let osv = FakeOsv::start();
    let ghsa = ghsa_lodash();
    osv.publish(&ghsa);
    osv.publish(&mal("MAL-2025-100", "npm", "evil-pkg"));
    osv.publish(&record(
        "GHSA-2222-3333-4444",
        "npm",
        "lodash",
        &json!([{"introduced": "0"}, {"fixed": "4.17.19"}]),
        &json!({}),
    ));
    // The API names two records for lodash (one a page at a time) and one for evil-pkg.
    osv.answer("npm", "lodash", "4.17.20", &["GHSA-35jh-r3h4-6jhm", "GHSA-2222-3333-4444"]);
    osv.answer("npm", "evil-pkg", "1.0.0", &["MAL-2025-100"]);
    osv.page_size(1);
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!("[advisories]\nsource = \"online\"\napi_url = \"{}\"\ntimeout_secs = 2\nretries = 0\n", osv.url()),
    );
    p.write(
        "package-lock.json",
        &package_lock_v3(&[("lodash", "4.17.20"), ("evil-pkg", "1.0.0"), ("ms", "2.1.3")].map(|(n, v)| Locked {
            name: n,
            version: v,
            integrity: None,
            resolved: None,
            dev: false,
        })),
    );
    let run = p.depgate(&["check", "--advisories-only", "--format", "json"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let rec =
        |n: &str| doc["decisions"].as_array().unwrap().iter().find(|r| r["package"]["name"] == n).unwrap().clone();
    assert_eq!(findings(&rec("lodash")), vec![("vulnerability".into(), "GHSA-35jh-r3h4-6jhm".into())]);
    // The second record the API named does not hold 4.17.20 by its own ranges (fixed in
    // 4.17.19): depgate matches every record it is given itself.
    assert_eq!(rec("lodash")["advisories"]["matched"].as_array().unwrap().len(), 1);
    assert_eq!(findings(&rec("evil-pkg")), vec![("malware".into(), "MAL-2025-100".into())]);
    assert_eq!(doc["run"]["advisories"]["source"], "online");
    let log = osv.log();
    assert!(log.iter().filter(|l| *l == "POST /v1/querybatch").count() >= 2, "paged: {log:?}");
    assert!(log.contains(&"GET /v1/vulns/MAL-2025-100".to_string()), "{log:?}");
    // A second run takes the records from the cache (same `modified`).
    let gets = |log: &[String]| log.iter().filter(|l| l.starts_with("GET /v1/vulns/")).count();
    let first = gets(&log);
    let run = p.depgate(&["check", "--advisories-only"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(gets(&osv.log()), first, "records are cached by id and modified");
    // Down: exit 3 naming the source, never a clean scan.
    osv.down(Some(503));
    let run = p.depgate(&["check", "--advisories-only"], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.stderr.contains("the OSV API at") && run.stderr.contains("not a clean scan"), "{}", run.stderr);
    drop(osv);
    let run = p.depgate(&["check", "--advisories-only"], &[]);
    assert_eq!(run.code, 3, "unreachable: {}", run.all_output());
}

#[test]
fn sync_fetches_the_exports_and_status_says_what_is_loaded() {
    let osv = FakeOsv::start();
    osv.export("npm", export_zip(&[ghsa_lodash(), mal("MAL-2025-100", "npm", "evil-pkg")]));
    osv.export("PyPI", export_zip(&[mal("MAL-2025-200", "PyPI", "evil-pkg")]));
    let p = Project::new();
    p.write("depgate.toml", &format!("[advisories]\nexport_url = \"{}\"\n", osv.url()));
    let run = p.depgate(&["advisories", "sync", "--ecosystem", "npm", "--ecosystem", "PyPI"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("npm: 2 records"), "{}", run.stdout);
    let sync: Value = serde_json::from_str(&p.read(".cache/advisories/depgate-sync.json")).unwrap();
    // The sync indexed both exports: the first gate after it reads only its packages.
    assert_eq!(std::fs::read_dir(p.path().join(".cache/advisories/index")).unwrap().count(), 2);
    assert!(!p.path().join(".cache/advisories/npm/all.zip.new").exists());
    assert!(sync["exports"]["npm"]["sha256"].as_str().unwrap().len() == 64);
    // Again: the mirror answers 304 and nothing is fetched.
    let run = p.depgate(&["advisories", "sync", "--ecosystem", "npm"], &[]);
    assert!(run.stdout.contains("npm: unchanged"), "{}", run.all_output());
    let run = p.depgate(&["advisories", "status", "--json"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let status: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(status["records"], 3);
    assert_eq!(status["fresh"], true);
    // A gate reads the sync cache when [advisories] names no paths.
    p.write(
        "package-lock.json",
        &package_lock_v3(&[Locked { name: "evil-pkg", version: "1.0.0", integrity: None, resolved: None, dev: false }]),
    );
    let run = p.depgate(&["check", "--advisories-only"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stdout.contains("MAL-2025-100"), "{}", run.stdout);
    // Stale: status exits 3.
    let run = p.depgate(&["advisories", "status", "--advisories-max-age", "0s"], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
}

#[test]
fn advisory_settings_are_checked_with_clear_errors() {
    let p = Project::new();
    p.write(
        "depgate.toml",
        "[advisories]\nsource = \"offline\"\nfail_on_severity = \"severe\"\napi_url = \"https://api.osv.dev/\"\nmax_age = \"2 days\"\n\n[advisories.ignore]\n\"GHSA-x\" = { reason = \"\" }\n",
    );
    p.write("package-lock.json", &package_lock_v3(&[]));
    let run = p.depgate(&["check", "--advisories-only"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    for needle in [
        "unknown fail_on_severity `severe`",
        "`api_url` is for source = \"online\"",
        "`2 days` is not a duration",
        "has no reason",
        "has no expiry",
    ] {
        assert!(run.stderr.contains(needle), "missing {needle:?} in {}", run.stderr);
    }
}
