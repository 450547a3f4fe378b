//! A running `depgate serve` for tests: started with `--port 0` and a ready file, its
//! URLs read from that file, stopped with SIGTERM (killed on drop if still running).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Served {
    child: Child,
    /// The ready file's JSON (`port`, `npm`, `pypi`, `maven`, `maven_settings`, …).
    pub ready: Value,
    /// The report folder (`--out`).
    pub out: PathBuf,
    ready_file: PathBuf,
    /// The proxy's stderr goes to a file (a pipe nobody reads could fill and block it).
    log: PathBuf,
}

impl Served {
    /// Start in `dir` (project, cache, report and ready file all under it) with `config`
    /// and any `extra` arguments.
    pub fn start(dir: &Path, config: &Path, extra: &[&str]) -> Self {
        let ready_file = dir.join("ready.json");
        let out = dir.join("report");
        let log = dir.join("serve.log");
        // A ready file a killed proxy left behind would be read as this one's.
        let _ = std::fs::remove_file(&ready_file);
        let child = Command::new(env!("CARGO_BIN_EXE_depgate"))
            .args(["serve", "--port", "0", "--config"])
            .arg(config)
            .args(extra)
            .arg("--project")
            .arg(dir)
            .arg("--ready-file")
            .arg(&ready_file)
            .arg("--out")
            .arg(&out)
            .env("DEPGATE_CACHE_DIR", dir.join("cache"))
            .env_remove("DEPGATE_CONFIG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("the serve log can be created"))
            .spawn()
            .expect("depgate serve starts");
        let start = Instant::now();
        while !ready_file.exists() {
            assert!(start.elapsed() < Duration::from_secs(30), "depgate serve did not write its ready file");
            std::thread::sleep(Duration::from_millis(50));
        }
        let ready = serde_json::from_str(&std::fs::read_to_string(&ready_file).unwrap()).unwrap();
        Self { child, ready, out, ready_file, log }
    }

    /// A string field of the ready file.
    pub fn url(&self, key: &str) -> String {
        self.ready[key].as_str().unwrap().to_string()
    }

    /// The audit records written so far.
    pub fn audit(&self) -> Vec<Value> {
        records(&self.out.join("audit.jsonl"))
    }

    /// SIGTERM and wait: (exit code, stderr).
    pub fn stop(mut self) -> (i32, String) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// SIGKILL (no shutdown, no report) and wait.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The proxy's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the ready file is still there.
    pub fn ready_file_exists(&self) -> bool {
        self.ready_file.exists()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The records of an audit log, one JSON value per line.
pub fn records(log: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `depgate audit verify LOG` succeeds.
pub fn assert_chain_verifies(log: &Path) {
    let verify = Command::new(env!("CARGO_BIN_EXE_depgate")).arg("audit").arg("verify").arg(log).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

/// `DEPGATE_REQUIRE_TOOLS=1` (CI): a missing client fails the test instead of skipping it.
pub fn require_tools() -> bool {
    std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Whether `cmd arg` runs; if not, a visible SKIPPED line (a failure under
/// `DEPGATE_REQUIRE_TOOLS=1`).
pub fn have(cmd: &str, arg: &str) -> bool {
    let ok = Command::new(cmd).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(!require_tools(), "{cmd} is required under DEPGATE_REQUIRE_TOOLS=1");
        super::skipped(&format!("serve: {cmd} is not installed"));
    }
    ok
}

/// A real npm tarball (`package/package.json`, `index.js`), made with tar under `work`.
pub fn npm_tarball(work: &Path, name: &str, version: &str) -> Vec<u8> {
    let dir = work.join(format!("tgz-{}-{version}", name.replace('/', "_")));
    std::fs::create_dir_all(dir.join("package")).unwrap();
    let manifest = serde_json::json!({"name": name, "version": version, "main": "index.js"});
    std::fs::write(dir.join("package/package.json"), manifest.to_string()).unwrap();
    std::fs::write(dir.join("package/index.js"), format!("module.exports = '{name}@{version}';\n")).unwrap();
    let out = Command::new("tar").arg("-czf").arg("-").arg("-C").arg(&dir).arg("package").output().unwrap();
    assert!(out.status.success());
    out.stdout
}
