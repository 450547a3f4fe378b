//! `depgate serve` with real clients against local upstreams: npm (fake npm registries
//! on 127.0.0.1) and pip (registry folders), each with a curated upstream first and a
//! public one as fallback. What is checked: a held-back (quarantined) latest version makes
//! the client install the newest allowed one; a name the curated upstream owns is never
//! served from the fallback, whatever version the fallback offers; a direct request for
//! a held-back file is refused with 403 naming the rule; one audit record per fetched
//! file; SIGTERM writes the report and leaves a chain that verifies.
//!
//! npm and python3 (with venv and pip) must be on PATH; without them the tests print a
//! SKIPPED line (under `DEPGATE_REQUIRE_TOOLS=1`, as in CI, they fail instead).

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::served::{Served, assert_chain_verifies, have, npm_tarball, records, require_tools};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";

/// GET with curl: (status, body).
fn get(url: &str) -> (u16, String) {
    let out = Command::new("curl").args(["-s", "-w", "\n%{http_code}", url]).output().expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

fn installed_version(project: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(project.join("node_modules").join(name).join("package.json")).ok()?;
    serde_json::from_str::<Value>(&text).ok()?["version"].as_str().map(String::from)
}

#[test]
fn npm_installs_through_the_proxy_the_newest_allowed_version_and_never_a_confused_name() {
    if !have("npm", "--version") || !have("curl", "--version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let publish = |reg: &FakeNpm, name: &str, version: &str, at: &str| {
        reg.publish_bytes(name, version, at, npm_tarball(work.path(), name, version));
    };
    // The curated upstream owns acme-util; the fallback publishes a higher version of the
    // same name (dependency confusion).
    publish(&curated, "acme-util", "1.0.0", OLD);
    publish(&public, "acme-util", "99.0.0", OLD);
    // fresh: the latest is two days old, inside the fallback's cooldown.
    publish(&public, "fresh", "1.0.0", OLD);
    publish(&public, "fresh", "1.1.0", YOUNG);
    publish(&public, "@scope/tool", "2.0.0", OLD);
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, support::chain_config(&curated.url(), &public.url(), "", "")).unwrap();
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    let registry = served.url("npm");

    // The packument npm sees: 1.1.0 gone, latest moved back to 1.0.0, tarballs at the proxy.
    let (code, body) = get(&format!("{registry}fresh"));
    assert_eq!(code, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    assert!(doc["versions"].get("1.1.0").is_none());
    assert!(doc["versions"]["1.0.0"]["dist"]["tarball"].as_str().unwrap().starts_with(&registry));

    let project = work.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    let manifest = serde_json::json!({"name": "app", "version": "1.0.0", "private": true,
        "dependencies": {"acme-util": "*", "fresh": "^1.0.0", "@scope/tool": "^2.0.0"}});
    std::fs::write(project.join("package.json"), manifest.to_string()).unwrap();
    let npm = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--registry", &registry, "--cache"])
        .arg(work.path().join("npm-cache"))
        .current_dir(&project)
        .env("npm_config_userconfig", work.path().join("no-npmrc"))
        .output()
        .unwrap();
    assert!(npm.status.success(), "npm install failed:\n{}", String::from_utf8_lossy(&npm.stderr));
    assert_eq!(installed_version(&project, "fresh").as_deref(), Some("1.0.0"), "the newest allowed version");
    assert_eq!(installed_version(&project, "acme-util").as_deref(), Some("1.0.0"), "the curated owner's version");
    assert_eq!(installed_version(&project, "@scope/tool").as_deref(), Some("2.0.0"));
    assert!(
        public.requests_for("acme-util").is_empty(),
        "the fallback is never asked for a name the curated upstream owns"
    );

    // Asked for directly, the held-back tarball is refused, naming the rule.
    let (code, body) = get(&format!("{registry}fresh/-/fresh-1.1.0.tgz"));
    assert_eq!(code, 403, "{body}");
    let refusal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["decision"], "quarantine");
    assert_eq!(refusal["rules"][0], "fallback-cooldown");
    assert!(refusal["error"].as_str().unwrap().contains("pkg:npm/fresh@1.1.0"));
    let (code, _) = get(&format!("{registry}no-such-package"));
    assert_eq!(code, 404);

    let out = served.out.clone();
    let audit_before_stop = served.audit().len();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("stopped;"), "{stderr}");
    let all = records(&out.join("audit.jsonl"));
    assert!(all.len() >= audit_before_stop);
    // One record for the version held back from the packument (however often npm asked
    // for it), then one per file request: three installed tarballs and the refused one.
    let listed: Vec<&str> =
        all.iter().filter(|r| r["request"] == "listing").map(|r| r["purl"].as_str().unwrap()).collect();
    assert_eq!(listed, ["pkg:npm/fresh@1.1.0"]);
    // Asked for as a file too, it is reported as the refused file (not twice).
    assert!(stderr.contains("stopped; blocked: 1 file refused (listed below);"), "{stderr}");
    let records: Vec<&Value> = all.iter().filter(|r| r["request"].is_null()).collect();
    let purls: Vec<&str> = records.iter().map(|r| r["purl"].as_str().unwrap()).collect();
    assert_eq!(records.len(), 4, "{purls:?}");
    for purl in ["pkg:npm/acme-util@1.0.0", "pkg:npm/fresh@1.0.0", "pkg:npm/%40scope/tool@2.0.0", "pkg:npm/fresh@1.1.0"]
    {
        assert!(purls.contains(&purl), "{purl} in {purls:?}");
    }
    let acme = records.iter().find(|r| r["purl"] == "pkg:npm/acme-util@1.0.0").unwrap();
    assert_eq!(
        (acme["upstream"].as_str(), acme["decision"].as_str(), acme["mode"].as_str()),
        (Some("curated"), Some("allow"), Some("serve"))
    );
    assert_chain_verifies(&out.join("audit.jsonl"));
    // The report of what was fetched.
    let decisions: Value = serde_json::from_str(&std::fs::read_to_string(out.join("decisions.json")).unwrap()).unwrap();
    assert_eq!(decisions["run"]["mode"], "serve");
    for f in
        ["sbom.cdx.json", "sbom.spdx.json", "results.sarif", "summary.md", "maven-settings.xml", "gradle-init.gradle"]
    {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(!work.path().join("ready.json").exists(), "the ready file is removed at shutdown");
}

/// A wheel pip accepts (`name-version-py3-none-any.whl`), made with Python's zipfile.
fn wheel(dir: &Path, name: &str, version: &str) -> (String, String) {
    let script = r#"
import base64, hashlib, sys, zipfile
folder, name, version = sys.argv[1:4]
mod = name.replace("-", "_")
fname = f"{mod}-{version}-py3-none-any.whl"
files = {
    f"{mod}/__init__.py": f"VERSION = '{version}'\n",
    f"{mod}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    f"{mod}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: depgate-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, text in files.items():
    data = text.encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(data)}")
record.append(f"{mod}-{version}.dist-info/RECORD,,")
files[f"{mod}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
with zipfile.ZipFile(f"{folder}/{fname}", "w") as z:
    for path, text in files.items():
        z.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
print(fname, hashlib.sha256(open(f"{folder}/{fname}", "rb").read()).hexdigest())
"#;
    let out = Command::new("python3").args(["-c", script]).arg(dir).args([name, version]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let (f, h) = text.trim().split_once(' ').unwrap();
    (f.to_string(), h.to_string())
}

/// A PEP 691 project folder `{root}/{name}/` with one wheel per (version, upload time).
fn pypi_project(root: &Path, name: &str, releases: &[(&str, &str)]) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<Value> = releases
        .iter()
        .map(|(version, at)| {
            let (filename, sha256) = wheel(&dir, name, version);
            serde_json::json!({"filename": filename, "url": filename, "hashes": {"sha256": sha256},
                               "upload-time": at, "yanked": false})
        })
        .collect();
    let page = serde_json::json!({"meta": {"api-version": "1.0"}, "name": name, "files": files});
    std::fs::write(dir.join("index.json"), page.to_string()).unwrap();
}

#[test]
fn pip_installs_through_the_proxy_the_newest_allowed_version_and_never_a_confused_name() {
    if !have("python3", "--version") || !have("curl", "--version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (curated, public) = (work.path().join("curated"), work.path().join("public"));
    pypi_project(&curated, "acme-lib", &[("1.0", "2025-06-01T00:00:00Z")]);
    pypi_project(&public, "acme-lib", &[("1.0", "2025-06-01T00:00:00Z"), ("99.0", "2025-06-02T00:00:00Z")]);
    pypi_project(&public, "fresh-py", &[("1.0", "2025-06-01T00:00:00Z"), ("1.1", "2025-12-30T00:00:00Z")]);
    let config = work.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!(
            "[pypi]\nchain = [\"curated\", \"public\"]\n\n[upstream.curated]\nkind = \"dir\"\npath = \"{}\"\ntier = \"curated\"\n\n[upstream.public]\nkind = \"dir\"\npath = \"{}\"\ntier = \"public\"\n",
            curated.display(),
            public.display()
        ),
    )
    .unwrap();
    let venv = work.path().join("venv");
    let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).output().unwrap();
    if !made.status.success() {
        assert!(!require_tools(), "python3 -m venv failed: {}", String::from_utf8_lossy(&made.stderr));
        support::skipped("serve: python3 cannot make a venv");
        return;
    }
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    let index = served.url("pypi");

    // Both page formats, by content negotiation; the young file is not listed.
    let json = Command::new("curl")
        .args(["-s", "-H", "Accept: application/vnd.pypi.simple.v1+json", &format!("{index}fresh-py/")])
        .output()
        .unwrap();
    let page: Value = serde_json::from_slice(&json.stdout).unwrap();
    let names: Vec<&str> = page["files"].as_array().unwrap().iter().map(|f| f["filename"].as_str().unwrap()).collect();
    assert_eq!(names, ["fresh_py-1.0-py3-none-any.whl"]);
    let (code, html) = get(&format!("{index}fresh-py/"));
    assert_eq!(code, 200);
    assert!(html.contains("fresh_py-1.0-py3-none-any.whl#sha256=") && !html.contains("1.1"), "{html}");

    let pip = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            &index,
            "fresh-py",
            "acme-lib",
        ])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install failed:\n{}{}",
        String::from_utf8_lossy(&pip.stdout),
        String::from_utf8_lossy(&pip.stderr)
    );
    let list = Command::new(venv.join("bin/pip")).args(["list", "--format", "json"]).output().unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let version_of = |n: &str| list.as_array().unwrap().iter().find(|p| p["name"] == n).map(|p| p["version"].clone());
    assert_eq!(version_of("fresh-py"), Some(Value::from("1.0")), "the newest allowed version");
    assert_eq!(version_of("acme-lib"), Some(Value::from("1.0")), "the curated owner's, not the fallback's 99.0");

    let (code, body) =
        get(&format!("{}files/fresh-py/fresh_py-1.1-py3-none-any.whl", index.trim_end_matches("simple/")));
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("fallback-cooldown"), "{body}");

    let out = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    let records = records(&out.join("audit.jsonl"));
    let purls: Vec<&str> = records.iter().map(|r| r["purl"].as_str().unwrap()).collect();
    assert!(purls.contains(&"pkg:pypi/fresh-py@1.0") && purls.contains(&"pkg:pypi/acme-lib@1.0"), "{purls:?}");
    let acme = records.iter().find(|r| r["purl"] == "pkg:pypi/acme-lib@1.0").unwrap();
    assert_eq!(acme["upstream"], "curated");
    assert_chain_verifies(&out.join("audit.jsonl"));
}
