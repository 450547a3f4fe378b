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
        Self::start_env(dir, config, extra, &[])
    }

    /// [`Self::start`] with extra environment variables (tokens, `DEPGATE_LOG`).
    pub fn start_env(dir: &Path, config: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let ready_file = dir.join("ready.json");
        let out = dir.join("report");
        let log = dir.join("serve.log");
        // A ready file a killed proxy left behind would be read as this one's.
        let _ = std::fs::remove_file(&ready_file);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
        cmd.args(["serve", "--port", "0", "--config"])
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
            .stdout(std::fs::File::create(dir.join("serve.out")).expect("the serve stdout file can be created"))
            .stderr(std::fs::File::create(&log).expect("the serve log can be created"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("depgate serve starts");
        let start = Instant::now();
        while !ready_file.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("depgate serve exited ({status}):\n{}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            assert!(start.elapsed() < Duration::from_secs(30), "depgate serve did not write its ready file");
            std::thread::sleep(Duration::from_millis(50));
        }
        let ready = serde_json::from_str(&std::fs::read_to_string(&ready_file).unwrap()).unwrap();
        Self { child, ready, out, ready_file, log }
    }

    /// The proxy's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.ready["port"])
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

/// A small seeded generator (splitmix64) for tests that pick random points: the seed is
/// printed so that a failure reproduces with `DEPGATE_TEST_SEED=<seed>`.
pub struct Rng(u64);

impl Rng {
    /// From `DEPGATE_TEST_SEED`, else the clock; prints the seed under `label`.
    pub fn seeded(label: &str) -> Self {
        let seed = std::env::var("DEPGATE_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs() << 30 ^ u64::from(d.subsec_nanos()))
        });
        super::report(&format!("{label}: seed {seed} (rerun with DEPGATE_TEST_SEED={seed})"));
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }
}

/// The peak and current resident memory of a process, in KiB (`VmHWM`, `VmRSS` from
/// `/proc/PID/status`); `None` off Linux or once the process is gone.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// One raw HTTP/1.1 request on a fresh connection (`Connection: close`), with `extra`
/// header lines; returns (status, headers, body). For paths a URL library would normalize.
pub fn raw_get(addr: &str, path: &str, extra: &str) -> (u16, String, Vec<u8>) {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    // The server may answer and close before reading all of a huge request.
    let _ = s.write_all(req.as_bytes());
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf.get(split + 4..).unwrap_or_default().to_vec();
    (status, head, body)
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}

/// A temporary file of an atomic write (`.tmp-…`), never read as an entry.
pub fn is_temporary(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".tmp-"))
}

/// Every file of a cache folder checks: artifacts against their sha512 name, sha256/sha1
/// pointers name a sha512 whose bytes (when present) have the pointer's digest, metadata
/// entries against the digest in their first line. Returns (checked, temporary) counts.
pub fn check_cache(cache: &Path) -> (usize, usize) {
    use sha2::{Digest as _, Sha256, Sha512};
    let (mut checked, mut temporary) = (0, 0);
    for p in files_under(cache) {
        if is_temporary(&p) {
            temporary += 1;
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let rel = p.strip_prefix(cache).unwrap();
        let kind = rel.iter().nth(1).and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if rel.starts_with("artifacts-v1") {
            let store = cache.join("artifacts-v1").join("sha512");
            match kind.as_str() {
                "sha512" => assert_eq!(hex::encode(Sha512::digest(&bytes)), name, "{} is corrupt", p.display()),
                "sha256" | "sha1" => {
                    let target = std::str::from_utf8(&bytes).unwrap().trim();
                    assert!(target.len() == 128 && target.bytes().all(|b| b.is_ascii_hexdigit()), "{}", p.display());
                    if let Ok(stored) = std::fs::read(store.join(&target[..2]).join(target)) {
                        let actual = if kind == "sha256" {
                            hex::encode(Sha256::digest(&stored))
                        } else {
                            hex::encode(sha1::Sha1::digest(&stored))
                        };
                        assert_eq!(actual, name, "{} points at other bytes", p.display());
                    }
                }
                other => panic!("unexpected file in the artifact store: {} ({other})", p.display()),
            }
        } else {
            // Metadata: `sha256(rest)\n` then the rest.
            let nl = bytes.iter().position(|&b| b == b'\n').expect("a framed metadata entry");
            assert_eq!(
                hex::encode(Sha256::digest(&bytes[nl + 1..])).as_bytes(),
                &bytes[..nl],
                "{} is corrupt",
                p.display()
            );
        }
        checked += 1;
    }
    (checked, temporary)
}

/// The complete lines of an audit log (a line cut by a kill is left out) and whether the
/// file ended in a cut line.
pub fn complete_lines(log: &Path) -> (String, bool) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let end = text.rfind('\n').map_or(0, |i| i + 1);
    (text[..end].to_string(), end < text.len())
}

/// `depgate audit verify` on the complete lines of `log` (copied beside it): the chain
/// verifies up to the last complete record. Returns the number of records.
pub fn assert_prefix_verifies(log: &Path) -> usize {
    let (lines, _) = complete_lines(log);
    if lines.is_empty() {
        return 0;
    }
    let copy = log.with_extension("prefix.jsonl");
    std::fs::write(&copy, &lines).unwrap();
    assert_chain_verifies(&copy);
    std::fs::remove_file(&copy).unwrap();
    lines.lines().count()
}
