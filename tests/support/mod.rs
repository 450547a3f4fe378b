//! Shared test support: fake upstreams and a project builder that runs the real binary.

#![allow(dead_code)]

pub mod fake_npm;
pub mod fake_osv;
pub mod fake_repo;
pub mod faults;
pub mod nginx;
pub mod oci;
pub mod openvet;
pub mod postgres;
pub mod release;
pub mod sarif;
pub mod seaweed;
pub mod served;
pub mod server;
pub mod shared;
pub mod test_pki;

use std::path::{Path, PathBuf};
use std::process::Command;

/// One entry of a synthetic package-lock.json (v3).
pub struct Locked<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub integrity: Option<String>,
    pub resolved: Option<String>,
    pub dev: bool,
}

impl<'a> Locked<'a> {
    pub fn new(name: &'a str, version: &'a str, integrity: &str, resolved: String) -> Self {
        Self { name, version, integrity: Some(integrity.to_string()), resolved: Some(resolved), dev: false }
    }
}

/// Render a lockfileVersion 3 package-lock.json with every entry a direct dependency.
pub fn package_lock_v3(entries: &[Locked<'_>]) -> String {
    let mut deps = serde_json::Map::new();
    let mut dev_deps = serde_json::Map::new();
    let mut packages = serde_json::Map::new();
    for e in entries {
        if e.dev {
            dev_deps.insert(e.name.into(), e.version.into());
        } else {
            deps.insert(e.name.into(), e.version.into());
        }
        let mut p = serde_json::json!({"version": e.version});
        if let Some(i) = &e.integrity {
            p["integrity"] = i.clone().into();
        }
        if let Some(r) = &e.resolved {
            p["resolved"] = r.clone().into();
        }
        if e.dev {
            p["dev"] = true.into();
        }
        packages.insert(format!("node_modules/{}", e.name), p);
    }
    let mut root = serde_json::json!({"name": "fixture", "version": "1.0.0", "dependencies": deps});
    if !dev_deps.is_empty() {
        root["devDependencies"] = dev_deps.into();
    }
    let mut all = serde_json::Map::new();
    all.insert(String::new(), root);
    all.extend(packages);
    serde_json::to_string_pretty(&serde_json::json!({
        "name": "fixture", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": all
    }))
    .unwrap()
}

/// A temporary project folder.
pub struct Project {
    pub dir: tempfile::TempDir,
}

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl Project {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap()
    }

    /// Run `depgate ARGS` in the project folder with a private cache.
    pub fn depgate(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("DEPGATE_CONFIG")
            .env_remove("DEPGATE_LOG")
            .env("DEPGATE_CACHE_DIR", self.dir.path().join(".cache"))
            .env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        capture(self.dir.path(), args, &run);
        run
    }

    /// The decisions.json of the last run, parsed.
    pub fn decisions(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("depgate-report/decisions.json")).unwrap()
    }

    /// The record for `purl` in decisions.json.
    pub fn record(&self, purl: &str) -> serde_json::Value {
        let d = self.decisions();
        d["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["package"]["purl"] == purl)
            .unwrap_or_else(|| panic!("no record for {purl} in {d:#}"))
            .clone()
    }

    /// Every file under the project (reports, caches), concatenated as lossy text.
    pub fn all_files_text(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// Two-upstream chain config (`curated` first, `public` second) with optional extras.
pub fn chain_config(curated: &str, public: &str, extra_curated: &str, policy: &str) -> String {
    format!(
        r#"[npm]
chain = ["curated", "public"]

[upstream.curated]
kind = "npm"
url = "{curated}"
tier = "curated"
timeout_secs = 2
retries = 1
{extra_curated}

[upstream.public]
kind = "npm"
url = "{public}"
tier = "public"
timeout_secs = 2
retries = 1

[policy]
{policy}
"#
    )
}

/// Say that a test skipped, visibly: straight to stderr, past the test harness's capture
/// (which hides `println!` of passing tests).
pub fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {why}");
}

/// A result line that must reach the log even when the test passes (counts, figures).
pub fn report(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `opa`: `$DEPGATE_OPA`, else the tools folder scripts/test.sh installs into, else `PATH`.
pub fn opa() -> Option<PathBuf> {
    installed_tool("DEPGATE_OPA", "opa")
}

/// `cosign`: `$DEPGATE_COSIGN`, else the tools folder scripts/test.sh installs into, else `PATH`.
pub fn cosign() -> Option<PathBuf> {
    installed_tool("DEPGATE_COSIGN", "cosign")
}

/// A tool that answers `version`: the path in `$override_var`, else the tools folder
/// scripts/test.sh installs into (`$DEPGATE_TOOLS_DIR`, default `~/.cache/depgate-tools`),
/// else `PATH`.
fn installed_tool(override_var: &str, name: &str) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os(override_var) {
        candidates.push(PathBuf::from(p));
    }
    if let Some(dir) = std::env::var_os("DEPGATE_TOOLS_DIR") {
        candidates.push(Path::new(&dir).join("bin").join(name));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cache/depgate-tools/bin").join(name));
    }
    candidates.push(PathBuf::from(name));
    candidates.into_iter().find(|c| Command::new(c).arg("version").output().is_ok_and(|o| o.status.success()))
}

/// Run `depgate ARGS` in `cwd` (no private cache, no configuration from the environment).
pub fn depgate_in(args: &[&str], cwd: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DEPGATE_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    capture(cwd, args, &run);
    run
}

/// With `DEPGATE_CAPTURE_REPORTS=DIR`: keep a copy of what each run of the binary wrote
/// (exit code, stdout, stderr and the report files but the audit log) under
/// `DIR/<test>/<n>-<command>/`, so that a refactor can be checked for unchanged
/// behaviour: capture the suite before and after, then `scripts/compare-reports.py
/// BEFORE AFTER` (which blanks ports, temporary paths and clock readings).
fn capture(cwd: &Path, args: &[&str], run: &Run) {
    static RUNS: std::sync::Mutex<Option<std::collections::HashMap<String, usize>>> = std::sync::Mutex::new(None);
    let Some(root) = std::env::var_os("DEPGATE_CAPTURE_REPORTS") else { return };
    let test = std::thread::current().name().unwrap_or("main").replace("::", "-");
    let n = {
        let mut map = RUNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let counter = map.get_or_insert_with(Default::default).entry(test.clone()).or_insert(0);
        *counter += 1;
        *counter
    };
    let command = args.first().copied().unwrap_or("none").replace(['/', '.'], "_");
    let dest = Path::new(&root).join(&test).join(format!("{n:03}-{command}"));
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("exit"), run.code.to_string()).unwrap();
    std::fs::write(dest.join("stdout"), &run.stdout).unwrap();
    std::fs::write(dest.join("stderr"), &run.stderr).unwrap();
    // The report folder: `--out DIR` (relative to the working directory), else the default.
    let out = args
        .iter()
        .position(|a| *a == "--out")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| cwd.join("depgate-report"), |d| cwd.join(d));
    for f in ["decisions.json", "summary.md", "results.sarif", "sbom.cdx.json", "sbom.spdx.json"] {
        if let Ok(bytes) = std::fs::read(out.join(f)) {
            std::fs::write(dest.join(f), bytes).unwrap();
        }
    }
}
