//! `depgate serve` with an advisory database: malware is never served, and npm's audit
//! endpoints are answered from the same database.
//!
//! Hermetic: fake upstreams on 127.0.0.1 (npm, a simple index, a Maven repository) and a
//! small offline database of OSV records written here, modelled on real ones (an `OpenSSF`
//! `MAL-` record per ecosystem, a GitHub `GHSA-` vulnerability of each severity band the
//! builtin policy treats differently). What is checked:
//!
//! - a malware version is hidden from every listing (npm packument, `latest` moved off
//!   it; the simple page; `maven-metadata.xml`), and its file is refused with 403 whose
//!   body (npm) and status line (pip, Maven) name the advisory, the package and what to
//!   do; a version no advisory names is served; each block is in the proxy's log; real
//!   npm, pip and mvn print the advisory id when they hit the refusal;
//! - `npm audit --json` against the proxy reports exactly the advisory ids `depgate check
//!   --advisories-only` reports for the same lockfile and database; the quick endpoint
//!   answers a pnpm-shaped tree;
//! - a stale or missing database stops the proxy at startup (exit 3, naming the source),
//!   and an online source is refused with what to do instead.
//!
//! npm, python3 (with pip), mvn and curl are used where present; without them those
//! parts print a SKIPPED line (under `DEPGATE_REQUIRE_TOOLS=1`, as in CI, they fail).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;
use support::served::{Served, have, npm_tarball, raw_get};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";

const MAL_NPM: &str = "MAL-2025-41970";
const MAL_PYPI: &str = "MAL-2025-41971";
const MAL_MAVEN: &str = "MAL-2025-41972";
const GHSA_HIGH: &str = "GHSA-4xq2-9f7m-v3cr";
const GHSA_MODERATE: &str = "GHSA-8r6j-v8pm-fqw3";

/// An `OpenSSF` malicious-packages record (the shape osv.dev exports): `versions` only.
fn mal(id: &str, ecosystem: &str, name: &str, version: &str) -> Value {
    json!({
        "modified": "2025-11-20T08:41:07Z",
        "published": "2025-11-20T08:41:07Z",
        "schema_version": "1.5.0",
        "id": id,
        "summary": format!("Malicious code in {name} ({ecosystem})"),
        "details": "\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ossf-package-analysis\nThe package runs an install script that sends environment variables to a remote host.\n",
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "versions": [version],
            "database_specific": {"malicious-packages-origins": [{"source": "ossf-package-analysis", "versions": [version]}]}
        }],
        "database_specific": {"malicious-packages-origins": [{"source": "ossf-package-analysis", "import_time": "2025-11-20T08:41:07Z"}]}
    })
}

/// A GitHub-reviewed advisory (the shape of github/advisory-database): a range fixed in
/// `fixed`, a CVSS vector and GitHub's rating.
fn ghsa(id: &str, cve: &str, name: &str, fixed: &str, vector: &str, rating: &str, cwe: &str) -> Value {
    json!({
        "schema_version": "1.4.0",
        "id": id,
        "modified": "2025-09-02T15:12:33Z",
        "published": "2025-08-28T21:30:45Z",
        "aliases": [cve],
        "summary": format!("Prototype Pollution in {name}"),
        "details": format!("{name} before {fixed} lets an attacker set properties on Object.prototype."),
        "severity": [{"type": "CVSS_V3", "score": vector}],
        "affected": [{
            "package": {"ecosystem": "npm", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            "database_specific": {"source": format!("https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/2025/08/{id}/{id}.json")}
        }],
        "references": [{"type": "ADVISORY", "url": format!("https://nvd.nist.gov/vuln/detail/{cve}")}],
        "database_specific": {"cwe_ids": [cwe], "severity": rating, "github_reviewed": true,
                              "github_reviewed_at": "2025-08-28T21:30:45Z", "nvd_published_at": null}
    })
}

/// The offline database: one folder of records.
fn database(dir: &Path) -> PathBuf {
    let db = dir.join("advisories");
    std::fs::create_dir_all(&db).unwrap();
    let records = [
        mal(MAL_NPM, "npm", "evil-pkg", "1.0.1"),
        mal(MAL_PYPI, "PyPI", "evil-py", "1.0.1"),
        mal(MAL_MAVEN, "Maven", "org.example:evil-lib", "1.0.1"),
        ghsa(
            GHSA_HIGH,
            "CVE-2025-58751",
            "vuln-lib",
            "1.2.0",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N",
            "HIGH",
            "CWE-1321",
        ),
        ghsa(
            GHSA_MODERATE,
            "CVE-2025-58752",
            "meh-lib",
            "2.1.0",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
            "MODERATE",
            "CWE-1321",
        ),
    ];
    for r in records {
        std::fs::write(db.join(format!("{}.json", r["id"].as_str().unwrap())), r.to_string()).unwrap();
    }
    db
}

/// GET with curl: (status, body).
fn get(url: &str) -> (u16, String) {
    let out = Command::new("curl").args(["-s", "-w", "\n%{http_code}", url]).output().expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

/// POST a JSON body with curl: (status, body).
fn post(url: &str, body: &Value) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary"])
        .arg(body.to_string())
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

/// The path of a URL (for raw requests).
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

/// The status line of a raw answer.
fn status_line(head: &str) -> &str {
    head.lines().next().unwrap_or_default()
}

fn serve(work: &Path, config: &Path, db: &Path) -> Served {
    Served::start(work, config, &["--current-time", NOW, "--advisories-db", db.to_str().unwrap()])
}

fn npm_config(npm: &FakeNpm) -> String {
    format!(
        "[npm]\nchain = [\"public\"]\n\n[upstream.public]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 5\nretries = 1\n",
        npm.url()
    )
}

/// The advisory id a URL names (`…/advisories/GHSA-…`, `…/vulnerability/MAL-…`).
fn id_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

#[test]
fn npm_malware_is_hidden_and_refused_naming_the_advisory() {
    if !have("curl", "--version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let db = database(work.path());
    let npm = FakeNpm::start();
    npm.publish_bytes("evil-pkg", "1.0.0", OLD, npm_tarball(work.path(), "evil-pkg", "1.0.0"));
    let evil = npm.publish_bytes("evil-pkg", "1.0.1", OLD, npm_tarball(work.path(), "evil-pkg", "1.0.1"));
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, npm_config(&npm)).unwrap();
    let served = serve(work.path(), &config, &db);
    let registry = served.url("npm");

    // The listing: 1.0.1 gone, `latest` moved back to 1.0.0 (in both documents).
    for accept in ["application/json", "application/vnd.npm.install-v1+json"] {
        let out = Command::new("curl")
            .args(["-s", "-H", &format!("Accept: {accept}"), &format!("{registry}evil-pkg")])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["dist-tags"]["latest"], "1.0.0", "{accept}: {doc:#}");
        assert!(doc["versions"].get("1.0.1").is_none(), "{accept}: {doc:#}");
        assert!(doc["versions"].get("1.0.0").is_some());
    }

    // The tarball: 403, the body names the advisory, the package and what to do.
    let (code, body) = get(&format!("{registry}evil-pkg/-/evil-pkg-1.0.1.tgz"));
    assert_eq!(code, 403, "{body}");
    let refusal: Value = serde_json::from_str(&body).unwrap();
    let error = refusal["error"].as_str().unwrap();
    for want in [MAL_NPM, "pkg:npm/evil-pkg@1.0.1", "to fix: do not install it"] {
        assert!(error.contains(want), "{want} in {error}");
    }
    assert_eq!(refusal["decision"], "deny");
    assert_eq!(refusal["rules"][0], "malware");
    assert_eq!(refusal["advisories"], json!([MAL_NPM]));
    support::report(&format!("serve_advisories: npm 403 body: {body}"));
    let (code, _) = get(&format!("{registry}evil-pkg/-/evil-pkg-1.0.0.tgz"));
    assert_eq!(code, 200, "a version no advisory names is served");

    // Real npm, from a lockfile that pins the malware: it prints the body's `error`.
    if have("npm", "--version") {
        let project = work.path().join("app");
        std::fs::create_dir_all(&project).unwrap();
        let manifest =
            json!({"name": "app", "version": "1.0.0", "private": true, "dependencies": {"evil-pkg": "1.0.1"}});
        std::fs::write(project.join("package.json"), manifest.to_string()).unwrap();
        let lock = support::package_lock_v3(&[support::Locked::new(
            "evil-pkg",
            "1.0.1",
            &evil,
            format!("{registry}evil-pkg/-/evil-pkg-1.0.1.tgz"),
        )])
        .replace("\"fixture\"", "\"app\"");
        std::fs::write(project.join("package-lock.json"), lock).unwrap();
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--registry", &registry, "--cache"])
            .arg(work.path().join("npm-cache"))
            .current_dir(&project)
            .env("npm_config_userconfig", work.path().join("no-npmrc"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "npm ci installed the malware");
        assert!(stderr.contains(MAL_NPM) && stderr.contains("403"), "{stderr}");
        let printed: Vec<&str> = stderr.lines().filter(|l| l.contains("403")).collect();
        support::report(&format!("serve_advisories: npm ci printed: {}", printed.join(" | ")));
    }

    let log = served.log();
    assert!(log.contains("blocked pkg:npm/evil-pkg@1.0.1") && log.contains(MAL_NPM), "{log}");
    let out = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    // The run records the database it decided with.
    let decisions: Value = serde_json::from_str(&std::fs::read_to_string(out.join("decisions.json")).unwrap()).unwrap();
    assert_eq!(decisions["run"]["advisories"]["source"], "offline", "{:#}", decisions["run"]);
    assert!(decisions["run"]["advisories"]["database"].as_str().unwrap().starts_with("sha256:"));
    let denied = decisions["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["package"]["purl"] == "pkg:npm/evil-pkg@1.0.1")
        .expect("the refused tarball is in the report");
    assert_eq!(denied["decision"], "deny");
    assert_eq!(denied["advisories"]["matched"][0]["id"], MAL_NPM);
}

#[test]
fn pypi_and_maven_malware_is_refused_in_the_status_line_their_clients_print() {
    if !have("curl", "--version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let db = database(work.path());
    let repo = FakeRepo::start();
    repo.publish_py("evil-py", "1.0.0", "evil_py-1.0.0-py3-none-any.whl", "2025-06-01T00:00:00Z");
    repo.publish_py("evil-py", "1.0.1", "evil_py-1.0.1-py3-none-any.whl", "2025-06-01T00:00:00Z");
    repo.publish_maven("org.example:evil-lib", "1.0.0", OLD_HTTP);
    repo.publish_maven("org.example:evil-lib", "1.0.1", OLD_HTTP);
    let config = work.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!(
            "[pypi]\nchain = [\"py\"]\n[maven]\nchain = [\"mvn\"]\n\n\
             [upstream.py]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\n\n\
             [upstream.mvn]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n",
            repo.simple_url(),
            repo.maven_url()
        ),
    )
    .unwrap();
    let served = serve(work.path(), &config, &db);
    let addr = served.addr();

    // PyPI: the page lists 1.0.0 only; the 1.0.1 file is refused, 1.0.0 served.
    let index = served.url("pypi");
    let page = Command::new("curl")
        .args(["-s", "-H", "Accept: application/vnd.pypi.simple.v1+json", &format!("{index}evil-py/")])
        .output()
        .unwrap();
    let page: Value = serde_json::from_slice(&page.stdout).unwrap();
    let files: Vec<&str> = page["files"].as_array().unwrap().iter().map(|f| f["filename"].as_str().unwrap()).collect();
    assert_eq!(files, ["evil_py-1.0.0-py3-none-any.whl"]);
    let files_base = index.replace("/simple/", "/files/");
    let evil_whl = format!("{files_base}evil-py/evil_py-1.0.1-py3-none-any.whl");
    let (code, head, body) = raw_get(&addr, &path_of(&evil_whl), "");
    assert_eq!(code, 403, "{head}");
    let line = status_line(&head);
    for want in [MAL_PYPI, "pkg:pypi/evil-py@1.0.1", "to fix: do not install it"] {
        assert!(line.contains(want), "{want} in the status line {line}");
    }
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["advisories"], json!([MAL_PYPI]));
    support::report(&format!("serve_advisories: PyPI 403 status line: {line}"));
    let (code, _, _) = raw_get(&addr, &path_of(&format!("{files_base}evil-py/evil_py-1.0.0-py3-none-any.whl")), "");
    assert_eq!(code, 200);

    // Real pip prints the reason phrase.
    if have("python3", "--version") {
        let pip = Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "-d"])
            .arg(work.path().join("pip-dl"))
            .arg(&evil_whl)
            .env("PIP_CONFIG_FILE", "/dev/null")
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&pip.stdout), String::from_utf8_lossy(&pip.stderr));
        assert!(!pip.status.success(), "pip downloaded the malware: {text}");
        assert!(text.contains(MAL_PYPI), "{text}");
        let printed: Vec<&str> = text.lines().filter(|l| l.contains("403")).collect();
        support::report(&format!("serve_advisories: pip printed: {}", printed.join(" | ")));
    }

    // Maven: metadata without 1.0.1; the artifact (and its POM) refused, 1.0.0 served.
    let maven = served.url("maven");
    let (code, metadata) = get(&format!("{maven}org/example/evil-lib/maven-metadata.xml"));
    assert_eq!(code, 200);
    assert!(metadata.contains("<version>1.0.0</version>") && !metadata.contains("1.0.1"), "{metadata}");
    for file in ["evil-lib-1.0.1.jar", "evil-lib-1.0.1.pom", "evil-lib-1.0.1.jar.sha1"] {
        let (code, head, _) = raw_get(&addr, &path_of(&format!("{maven}org/example/evil-lib/1.0.1/{file}")), "");
        assert_eq!(code, 403, "{file}: {head}");
        let line = status_line(&head);
        assert!(line.contains(MAL_MAVEN) && line.contains("pkg:maven/org.example/evil-lib@1.0.1"), "{line}");
        if file == "evil-lib-1.0.1.jar" {
            support::report(&format!("serve_advisories: Maven 403 status line: {line}"));
        }
    }
    let (code, _, _) = raw_get(&addr, &path_of(&format!("{maven}org/example/evil-lib/1.0.0/evil-lib-1.0.0.jar")), "");
    assert_eq!(code, 200);

    // Real mvn, resolving the malware as a build extension: it prints the reason phrase.
    if have("mvn", "--version") {
        let project = work.path().join("mvn-project");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(
            project.join("pom.xml"),
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\
             <groupId>demo</groupId><artifactId>demo</artifactId><version>1.0.0</version><packaging>pom</packaging>\
             <build><extensions><extension><groupId>org.example</groupId><artifactId>evil-lib</artifactId>\
             <version>1.0.1</version></extension></extensions></build></project>\n",
        )
        .unwrap();
        std::fs::write(work.path().join("global-settings.xml"), "<settings/>\n").unwrap();
        let out = Command::new("mvn")
            .args(["-B", "-s", &served.url("maven_settings"), "-gs"])
            .arg(work.path().join("global-settings.xml"))
            .arg(format!("-Dmaven.repo.local={}", work.path().join("m2").display()))
            .arg("validate")
            .env_remove("MAVEN_OPTS")
            .env_remove("MAVEN_ARGS")
            .env_remove("JAVA_TOOL_OPTIONS")
            .current_dir(&project)
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "mvn resolved the malware: {text}");
        assert!(text.contains(MAL_MAVEN), "{text}");
        let printed: Vec<&str> = text.lines().filter(|l| l.contains("403")).take(2).collect();
        support::report(&format!("serve_advisories: mvn printed: {}", printed.join(" | ")));
    }

    let log = served.log();
    for want in ["blocked pkg:pypi/evil-py@1.0.1", "blocked pkg:maven/org.example/evil-lib@1.0.1", MAL_PYPI, MAL_MAVEN]
    {
        assert!(log.contains(want), "{want} in the proxy's log:\n{log}");
    }
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn npm_audit_through_the_proxy_reports_what_check_reports() {
    if !have("npm", "--version") || !have("curl", "--version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let db = database(work.path());
    let npm = FakeNpm::start();
    for (name, versions) in [
        ("vuln-lib", &["1.0.0", "1.2.0"][..]),
        ("meh-lib", &["2.0.0", "2.1.0"]),
        ("evil-pkg", &["1.0.0", "1.0.1"]),
        ("clean-lib", &["3.0.0"]),
    ] {
        for v in versions {
            npm.publish_bytes(name, v, OLD, npm_tarball(work.path(), name, v));
        }
    }
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, npm_config(&npm)).unwrap();
    let served = serve(work.path(), &config, &db);
    let registry = served.url("npm");

    // A project whose lockfile holds a high and a moderate vulnerability, malware and a
    // clean package.
    let project = work.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    let locked = [("vuln-lib", "1.0.0"), ("meh-lib", "2.0.0"), ("evil-pkg", "1.0.1"), ("clean-lib", "3.0.0")];
    let deps: serde_json::Map<String, Value> = locked.iter().map(|(n, v)| ((*n).to_string(), json!(v))).collect();
    std::fs::write(
        project.join("package.json"),
        json!({"name": "app", "version": "1.0.0", "private": true, "dependencies": deps}).to_string(),
    )
    .unwrap();
    let entries: Vec<support::Locked<'_>> = locked
        .iter()
        .map(|(n, v)| support::Locked {
            name: n,
            version: v,
            integrity: None,
            resolved: Some(format!("{registry}{n}/-/{n}-{v}.tgz")),
            dev: false,
        })
        .collect();
    std::fs::write(
        project.join("package-lock.json"),
        support::package_lock_v3(&entries).replace("\"fixture\"", "\"app\""),
    )
    .unwrap();

    let out = Command::new("npm")
        .args(["audit", "--json", "--registry", &registry, "--cache"])
        .arg(work.path().join("npm-cache"))
        .current_dir(&project)
        .env("npm_config_userconfig", work.path().join("no-npmrc"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("npm audit --json: {e}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert!(report.get("error").is_none(), "npm audit failed: {report:#}");
    let mut from_npm = BTreeSet::new();
    let mut severities = Vec::new();
    for (name, vuln) in report["vulnerabilities"].as_object().unwrap() {
        severities.push(format!("{name}: {}", vuln["severity"].as_str().unwrap()));
        for via in vuln["via"].as_array().unwrap().iter().filter(|v| v.is_object()) {
            from_npm.insert(id_of(via["url"].as_str().unwrap()));
        }
    }

    // depgate's own findings for the same lockfile and database.
    let check = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["check", "--advisories-only", "--config"])
        .arg(&config)
        .arg("--advisories-db")
        .arg(&db)
        .arg("--out")
        .arg(work.path().join("check-report"))
        .arg(&project)
        .env_remove("DEPGATE_CONFIG")
        .env("DEPGATE_CACHE_DIR", work.path().join("check-cache"))
        .output()
        .unwrap();
    let decisions: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("check-report/decisions.json"))
            .unwrap_or_else(|e| panic!("check wrote no report ({e}):\n{}", String::from_utf8_lossy(&check.stderr))),
    )
    .unwrap();
    let from_depgate: BTreeSet<String> = decisions["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["advisories"]["matched"].as_array().cloned().unwrap_or_default())
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        from_depgate,
        BTreeSet::from([GHSA_HIGH.to_string(), GHSA_MODERATE.to_string(), MAL_NPM.to_string()]),
        "{decisions:#}"
    );
    assert_eq!(from_npm, from_depgate, "npm audit and depgate check disagree:\n{report:#}");
    assert_eq!(report["metadata"]["vulnerabilities"]["critical"], 1, "malware is critical: {report:#}");
    assert_eq!(report["vulnerabilities"]["evil-pkg"]["severity"], "critical");
    assert_eq!(report["vulnerabilities"]["vuln-lib"]["severity"], "high");
    assert_eq!(report["vulnerabilities"]["meh-lib"]["severity"], "moderate");
    assert_eq!(
        report["vulnerabilities"]["vuln-lib"]["via"][0]["url"],
        format!("https://github.com/advisories/{GHSA_HIGH}")
    );
    assert_eq!(report["vulnerabilities"]["vuln-lib"]["via"][0]["range"], ">=0.0.0-0 <1.2.0");
    support::report(&format!(
        "serve_advisories: npm audit: {} | depgate check: {}",
        severities.join(", "),
        from_depgate.iter().cloned().collect::<Vec<_>>().join(", ")
    ));

    // The quick endpoint, with the tree pnpm sends (importers keyed by id, `requires`).
    let tree = json!({
        "name": null, "version": null, "install": [], "remove": [], "metadata": {}, "dev": false, "integrity": null,
        "requires": {".": "1.0.0"},
        "dependencies": {".": {
            "version": "1.0.0", "dev": false,
            "requires": {"vuln-lib": "1.0.0", "wrapper": "1.0.0", "clean-lib": "3.0.0"},
            "dependencies": {
                "vuln-lib": {"version": "1.0.0", "dev": false, "integrity": "sha512-x"},
                "wrapper": {"version": "1.0.0", "dev": false, "requires": {"evil-pkg": "1.0.1"},
                            "dependencies": {"evil-pkg": {"version": "1.0.1", "dev": false}}},
                "clean-lib": {"version": "3.0.0", "dev": true}
            }
        }}
    });
    let (code, body) = post(&format!("{registry}-/npm/v1/security/audits/quick"), &tree);
    assert_eq!(code, 200, "{body}");
    let quick: Value = serde_json::from_str(&body).unwrap();
    let mut ids: Vec<&str> =
        quick["advisories"].as_object().unwrap().values().map(|a| a["github_advisory_id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [GHSA_HIGH, MAL_NPM]);
    let evil = quick["advisories"].as_object().unwrap().values().find(|a| a["module_name"] == "evil-pkg").unwrap();
    assert_eq!(evil["severity"], "critical");
    assert_eq!(
        evil["findings"],
        json!([{"version": "1.0.1", "paths": [".>wrapper>evil-pkg"], "dev": false, "optional": false, "bundled": false}])
    );
    assert_eq!(evil["url"], format!("https://osv.dev/vulnerability/{MAL_NPM}"));
    let vuln = quick["advisories"].as_object().unwrap().values().find(|a| a["module_name"] == "vuln-lib").unwrap();
    assert_eq!(
        (vuln["patched_versions"].as_str(), vuln["cves"][0].as_str()),
        (Some(">=1.2.0"), Some("CVE-2025-58751"))
    );
    assert_eq!(
        quick["metadata"]["vulnerabilities"],
        json!({"info": 0, "low": 0, "moderate": 0, "high": 1, "critical": 1})
    );
    assert_eq!(quick["metadata"]["devDependencies"], 1);
    // Neither endpoint went to the upstream.
    assert!(!npm.log().iter().any(|l| l.path.contains("security")), "an audit went upstream");
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
}

/// `depgate serve` that must not start: (exit code, stderr).
fn serve_fails(work: &Path, config: &Path, extra: &[&str]) -> (i32, String) {
    let ready = work.join("ready.json");
    let out = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["serve", "--port", "0", "--config"])
        .arg(config)
        .args(extra)
        .arg("--project")
        .arg(work)
        .arg("--ready-file")
        .arg(&ready)
        .arg("--out")
        .arg(work.join("report"))
        .env("DEPGATE_CACHE_DIR", work.join("cache"))
        .env_remove("DEPGATE_CONFIG")
        .output()
        .unwrap();
    assert!(!ready.exists(), "a proxy that fails at startup writes no ready file");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_stale_missing_or_online_database_stops_the_proxy_at_startup() {
    let work = tempfile::tempdir().unwrap();
    let db = database(work.path());
    let npm = FakeNpm::start();
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, npm_config(&npm)).unwrap();
    let db_arg = db.to_str().unwrap();

    // Three years after the records were written, with the default max_age of 2 days.
    let (code, stderr) =
        serve_fails(work.path(), &config, &["--current-time", "2030-01-01T00:00:00Z", "--advisories-db", db_arg]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains(db_arg) && stderr.contains("older than max_age 2d"), "{stderr}");

    let missing = work.path().join("no-such-db");
    let (code, stderr) = serve_fails(work.path(), &config, &["--advisories-db", missing.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");

    let online = work.path().join("online.toml");
    std::fs::write(&online, format!("{}\n[advisories]\nsource = \"online\"\n", npm_config(&npm))).unwrap();
    let (code, stderr) = serve_fails(work.path(), &online, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("needs an offline advisory database") && stderr.contains("--advisories-db"), "{stderr}");
}

#[test]
fn npm_audit_of_the_probe_lockfile_against_the_real_records_names_what_check_names() {
    if !have("npm", "--version") || !have("curl", "--version") {
        return;
    }
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/advisories");
    let work = tempfile::tempdir().unwrap();
    let npm = FakeNpm::start();
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, npm_config(&npm)).unwrap();
    let (ghsa, malicious) = (testdata.join("ghsa"), testdata.join("malicious"));
    let (ghsa, malicious) = (ghsa.to_str().unwrap(), malicious.to_str().unwrap());
    // The records' age is their checkout time: not what this test is about.
    let served = Served::start(
        work.path(),
        &config,
        &[
            "--current-time",
            NOW,
            "--advisories-db",
            ghsa,
            "--advisories-db",
            malicious,
            "--advisories-max-age",
            "never",
        ],
    );
    let project = work.path().join("probe");
    std::fs::create_dir_all(&project).unwrap();
    let lock = std::fs::read_to_string(testdata.join("probe/npm/package-lock.json")).unwrap();
    let root: Value = serde_json::from_str(&lock).unwrap();
    std::fs::write(project.join("package.json"), root["packages"][""].to_string()).unwrap();
    std::fs::write(project.join("package-lock.json"), &lock).unwrap();
    let out = Command::new("npm")
        .args(["audit", "--json", "--registry", &served.url("npm"), "--cache"])
        .arg(work.path().join("npm-cache"))
        .current_dir(&project)
        .env("npm_config_userconfig", work.path().join("no-npmrc"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("npm audit --json: {e}\n{}", String::from_utf8_lossy(&out.stderr)));
    let from_npm: BTreeSet<String> = report["vulnerabilities"]
        .as_object()
        .unwrap_or_else(|| panic!("{report:#}"))
        .values()
        .flat_map(|v| v["via"].as_array().cloned().unwrap_or_default())
        .filter(Value::is_object)
        .map(|via| id_of(via["url"].as_str().unwrap()))
        .collect();
    let check = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["check", "--advisories-only", "--advisories-max-age", "never", "--config"])
        .arg(&config)
        .args(["--advisories-db", ghsa, "--advisories-db", malicious])
        .arg("--out")
        .arg(work.path().join("check-report"))
        .arg(&project)
        .env_remove("DEPGATE_CONFIG")
        .env("DEPGATE_CACHE_DIR", work.path().join("check-cache"))
        .output()
        .unwrap();
    let decisions: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("check-report/decisions.json"))
            .unwrap_or_else(|e| panic!("check wrote no report ({e}):\n{}", String::from_utf8_lossy(&check.stderr))),
    )
    .unwrap();
    let from_depgate: BTreeSet<String> = decisions["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["advisories"]["matched"].as_array().cloned().unwrap_or_default())
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(from_depgate.len() >= 5, "{from_depgate:?}");
    assert_eq!(from_npm, from_depgate, "npm audit and depgate check disagree on the real records");
    support::report(&format!(
        "serve_advisories: npm audit of the probe lockfile through the proxy: {} advisories, the same as check: {}",
        from_npm.len(),
        from_npm.iter().cloned().collect::<Vec<_>>().join(", ")
    ));
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
}
