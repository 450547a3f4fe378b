//! Fault injection: every transport fault the fake upstreams can inject, for each ecosystem
//! (npm, `PyPI`, Maven), through both front doors — the gate (`depgate check --download`)
//! and the proxy (`depgate serve`, asked for the artifact by an HTTP client). Each cell
//! asserts one of three outcomes, and never a wrong decision:
//!
//! - `Recover`: a transient fault within the retry budget; the same decision as without it.
//! - `FailClosed`: no decision (gate exit 3, proxy 502/504), the upstream named; nothing
//!   cached, and once the fault is gone the same request succeeds.
//! - `NotAllowed`: bytes that do not match what the owner published (a cut or tampered
//!   artifact): deny or fail closed, never `allow`, never stored.
//!
//! Every cell's observed outcome is printed (`FAULT eco door fault target -> outcome`), so
//! a run of this file is the matrix. TLS failures and cross-host redirects are in
//! `faults_hosts.rs`; limits and deep inputs in `faults_limits.rs`.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha512};
use support::Project;
use support::fake_npm::FakeNpm;
use support::fake_repo::{FakeRepo, Fault};
use support::served::Served;

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";
/// Small budgets so the matrix runs in seconds: 2 retries, 1.5 s per request.
const BUDGET: &str = "timeout_secs = 1.5\nretries = 2\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eco {
    Npm,
    Pypi,
    Maven,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The name's metadata: packument, simple page, maven-metadata.xml.
    Doc,
    /// The artifact: tarball, wheel, jar.
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Recover,
    FailClosed,
    NotAllowed,
}

struct Cell {
    label: &'static str,
    fault: Fault,
    target: Target,
    expect: Expect,
}

fn once(fault: Fault) -> Fault {
    Fault::First { times: 1, fault: Box::new(fault) }
}

fn cells() -> Vec<Cell> {
    use Expect::{FailClosed, NotAllowed, Recover};
    use Target::{Doc, File};
    let c = |label, fault, target, expect| Cell { label, fault, target, expect };
    let ms = Duration::from_millis;
    vec![
        c("drip within timeout", Fault::DripBytes { chunk: 200, every: ms(20) }, Doc, Recover),
        c("drip within timeout", Fault::DripBytes { chunk: 16, every: ms(10) }, File, Recover),
        c("drip beyond timeout", Fault::DripBytes { chunk: 8, every: ms(400) }, Doc, FailClosed),
        c("drip beyond timeout", Fault::DripBytes { chunk: 4, every: ms(400) }, File, FailClosed),
        c("reset mid-body", Fault::ResetMidBody { after: 10 }, Doc, FailClosed),
        c("reset mid-body", Fault::ResetMidBody { after: 10 }, File, FailClosed),
        c("content-length too long", Fault::WrongContentLength { claimed: 100_000 }, Doc, FailClosed),
        c("content-length too long", Fault::WrongContentLength { claimed: 100_000 }, File, FailClosed),
        c("content-length too short", Fault::WrongContentLength { claimed: 20 }, Doc, FailClosed),
        c("content-length too short", Fault::WrongContentLength { claimed: 20 }, File, NotAllowed),
        c("content-length too short x1", once(Fault::WrongContentLength { claimed: 20 }), Doc, Recover),
        c("content-length too short x1", once(Fault::WrongContentLength { claimed: 20 }), File, Recover),
        c("reset mid-body x1", once(Fault::ResetMidBody { after: 10 }), Doc, Recover),
        c("reset mid-body x1", once(Fault::ResetMidBody { after: 10 }), File, Recover),
        c("truncated gzip, length", Fault::TruncatedGzip { with_length: true }, Doc, FailClosed),
        c("truncated gzip, length", Fault::TruncatedGzip { with_length: true }, File, NotAllowed),
        c("truncated gzip, chunked", Fault::TruncatedGzip { with_length: false }, Doc, FailClosed),
        c("truncated gzip, chunked", Fault::TruncatedGzip { with_length: false }, File, NotAllowed),
        c("tampered bytes", Fault::TamperTarball, File, NotAllowed),
        c("429 Retry-After 1s x1", Fault::RetryAfter { secs: 1, times: 1 }, Doc, Recover),
        c("429 Retry-After 1s x1", Fault::RetryAfter { secs: 1, times: 1 }, File, Recover),
        c("429 Retry-After 1s x9", Fault::RetryAfter { secs: 1, times: 9 }, Doc, FailClosed),
        c("500 burst x2", Fault::Burst500 { times: 2 }, Doc, Recover),
        c("500 burst x2", Fault::Burst500 { times: 2 }, File, Recover),
        c("500 burst x9", Fault::Burst500 { times: 9 }, Doc, FailClosed),
        c("500 burst x9", Fault::Burst500 { times: 9 }, File, FailClosed),
        c("redirect loop", Fault::RedirectLoop, Doc, FailClosed),
        c("redirect loop", Fault::RedirectLoop, File, FailClosed),
    ]
}

/// One ecosystem's fake upstream with one package per cell.
struct Fake {
    eco: Eco,
    npm: Option<FakeNpm>,
    repo: Option<FakeRepo>,
    /// Per cell: (name, version, file name, integrity/sha256, artifact bytes).
    packages: Vec<Package>,
}

#[derive(Clone)]
struct Package {
    name: String,
    file: String,
    digest: String,
    bytes: Vec<u8>,
}

impl Fake {
    fn start(eco: Eco, n: usize) -> Self {
        let mut f = Fake { eco, npm: None, repo: None, packages: Vec::new() };
        match eco {
            Eco::Npm => f.npm = Some(FakeNpm::start()),
            Eco::Pypi | Eco::Maven => f.repo = Some(FakeRepo::start()),
        }
        for i in 0..n {
            // Bodies long enough that every cut and drip lands inside them.
            let bytes = format!("artifact {i} {}", "x".repeat(200)).into_bytes();
            let p = match eco {
                Eco::Npm => {
                    let name = format!("f{i}-pkg");
                    let digest = f.npm.as_ref().unwrap().publish_bytes(&name, "1.0.0", OLD, bytes.clone());
                    Package { file: format!("{name}/-/{name}-1.0.0.tgz"), name, digest, bytes }
                }
                Eco::Pypi => {
                    let name = format!("f{i}-pkg");
                    let file = format!("f{i}_pkg-1.0-py3-none-any.whl");
                    let digest =
                        f.repo.as_ref().unwrap().publish_py_bytes(&name, "1.0", &file, OLD, bytes.clone(), None);
                    Package { name, file, digest, bytes }
                }
                Eco::Maven => {
                    let name = format!("com.fault:f{i}-lib");
                    let digest = f.repo.as_ref().unwrap().publish_maven_bytes(
                        &name,
                        "1.0",
                        None,
                        "jar",
                        bytes.clone(),
                        OLD_HTTP,
                        &["sha1", "sha256"],
                    );
                    Package { file: format!("com/fault/f{i}-lib/1.0/f{i}-lib-1.0.jar"), name, digest, bytes }
                }
            };
            f.packages.push(p);
        }
        f
    }

    fn url(&self) -> String {
        match self.eco {
            Eco::Npm => self.npm.as_ref().unwrap().url(),
            Eco::Pypi => self.repo.as_ref().unwrap().simple_url(),
            Eco::Maven => self.repo.as_ref().unwrap().maven_url(),
        }
    }

    /// The fault key of a cell's target (see `support::faults::pick`).
    fn key(&self, i: usize, target: Target) -> String {
        let p = &self.packages[i];
        match (self.eco, target) {
            (Eco::Npm, Target::Doc) => format!("{}$", p.name),
            (Eco::Npm, Target::File) => format!("{}/-/", p.name),
            (Eco::Pypi, Target::Doc) => format!("simple/{}/", p.name),
            (Eco::Pypi, Target::File) => format!("files/{}", p.file),
            (Eco::Maven, Target::Doc) => format!("maven2/com/fault/f{i}-lib/maven-metadata.xml"),
            (Eco::Maven, Target::File) => format!("maven2/{}$", p.file),
        }
    }

    fn fault(&self, key: &str, fault: Fault) {
        match self.eco {
            Eco::Npm => self.npm.as_ref().unwrap().fault(key, fault),
            Eco::Pypi | Eco::Maven => self.repo.as_ref().unwrap().fault(key, fault),
        }
    }

    fn clear(&self) {
        match self.eco {
            Eco::Npm => self.npm.as_ref().unwrap().clear_faults(),
            Eco::Pypi | Eco::Maven => self.repo.as_ref().unwrap().clear_faults(),
        }
    }

    fn config(&self) -> String {
        let (section, kind) = match self.eco {
            Eco::Npm => ("npm", "npm"),
            Eco::Pypi => ("pypi", "pypi-simple"),
            Eco::Maven => ("maven", "maven"),
        };
        format!(
            "[{section}]\nchain = [\"faulty\"]\n\n[upstream.faulty]\nkind = \"{kind}\"\nurl = \"{}\"\ntier = \"curated\"\n{BUDGET}\n[policy]\nquarantine_days = 7\n",
            self.url()
        )
    }

    /// Write the lockfile of package `i` into `p`.
    fn lock(&self, p: &Project, i: usize) {
        let pkg = &self.packages[i];
        match self.eco {
            Eco::Npm => {
                let url = format!("{}{}", self.url(), pkg.file);
                p.write(
                    "package-lock.json",
                    &support::package_lock_v3(&[support::Locked::new(&pkg.name, "1.0.0", &pkg.digest, url)]),
                );
            }
            Eco::Pypi => {
                p.write("requirements.txt", &format!("{}==1.0 \\\n    --hash=sha256:{}\n", pkg.name, pkg.digest));
            }
            Eco::Maven => {
                let (g, a) = pkg.name.split_once(':').unwrap();
                let doc = serde_json::json!({"format": "depgate.resolved/v1", "artifacts": [
                    {"group": g, "name": a, "version": "1.0", "extension": "jar", "sha256": pkg.digest}]});
                p.write("depgate-resolved.json", &doc.to_string());
            }
        }
    }

    fn purl(&self, i: usize) -> String {
        let p = &self.packages[i];
        match self.eco {
            Eco::Npm => format!("pkg:npm/{}@1.0.0", p.name),
            Eco::Pypi => format!("pkg:pypi/{}@1.0", p.name),
            Eco::Maven => {
                let (g, a) = p.name.split_once(':').unwrap();
                format!("pkg:maven/{g}/{a}@1.0")
            }
        }
    }
}

fn check(p: &Project) -> support::Run {
    p.depgate(&["check", "--download", "--current-time", NOW], &[])
}

/// What the gate did, in words, for the matrix.
fn gate_outcome(run: &support::Run) -> String {
    match run.code {
        0 => "exit 0 allow".into(),
        1 => "exit 1 deny".into(),
        3 => "exit 3 fail closed".into(),
        n => format!("exit {n}"),
    }
}

fn gate_cells(eco: Eco) {
    let cells = cells();
    let fake = Fake::start(eco, cells.len());
    let mut failures = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let p = Project::new();
        p.write("depgate.toml", &fake.config());
        fake.lock(&p, i);
        fake.fault(&fake.key(i, cell.target), cell.fault.clone());
        let started = Instant::now();
        let run = check(&p);
        let took = started.elapsed();
        fake.clear();
        let out = run.all_output();
        let decision = std::fs::read_to_string(p.path().join("depgate-report/decisions.json"))
            .ok()
            .and_then(|_| p.record(&fake.purl(i))["decision"].as_str().map(str::to_string))
            .unwrap_or_default();
        let ok = match cell.expect {
            Expect::Recover => run.code == 0 && decision == "allow",
            Expect::FailClosed => run.code == 3 && out.contains("upstream `faulty`") && decision != "allow",
            Expect::NotAllowed => (run.code == 1 || run.code == 3) && decision != "allow",
        };
        // Never cached wrong: without the fault, the same check allows.
        let again = check(&p);
        let recovered = again.code == 0;
        support::report(&format!(
            "FAULT {eco:?} gate | {} | {:?} | {} ({decision}) in {:.1}s | after clearing: {} | {}",
            cell.label,
            cell.target,
            gate_outcome(&run),
            took.as_secs_f64(),
            gate_outcome(&again),
            if ok && recovered { "ok" } else { "UNEXPECTED" }
        ));
        if !ok || !recovered {
            failures.push(format!(
                "{} {:?}: expected {:?}, got {}\n{out}\nthen: {}",
                cell.label,
                cell.target,
                cell.expect,
                gate_outcome(&run),
                again.all_output()
            ));
        }
        if cell.expect != Expect::Recover {
            assert!(!out.contains("secret"), "{out}");
        }
    }
    assert!(failures.is_empty(), "{} cell(s) went wrong:\n{}", failures.len(), failures.join("\n---\n"));
}

/// GET through the proxy: (status, body).
fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        match client.get(url).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
            }
            Err(e) => (0, e.to_string().into_bytes()),
        }
    })
}

fn proxy_url(served: &Served, eco: Eco, pkg: &Package) -> String {
    match eco {
        Eco::Npm => format!("{}{}", served.url("npm"), pkg.file),
        Eco::Pypi => format!("{}files/{}/{}", served.url("pypi").trim_end_matches("simple/"), pkg.name, pkg.file),
        Eco::Maven => format!("{}{}", served.url("maven"), pkg.file),
    }
}

/// Every artifact in the proxy's store is one the fake published, whole.
fn assert_store_clean(cache: &Path, fake: &Fake) {
    let known: Vec<String> = fake.packages.iter().map(|p| hex::encode(Sha512::digest(&p.bytes))).collect();
    let root = cache.join("artifacts-v1/sha512");
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.to_string_lossy().contains(".tmp") {
                let bytes = std::fs::read(&path).unwrap();
                let h = hex::encode(Sha512::digest(&bytes));
                assert!(known.contains(&h), "the store holds bytes no upstream published whole: {}", path.display());
            }
        }
    }
}

fn proxy_cells(eco: Eco) {
    let cells = cells();
    let fake = Fake::start(eco, cells.len());
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, fake.config()).unwrap();
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    let mut failures = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let pkg = &fake.packages[i];
        let url = proxy_url(&served, eco, pkg);
        fake.fault(&fake.key(i, cell.target), cell.fault.clone());
        let started = Instant::now();
        let (status, body) = http_get(&url);
        let took = started.elapsed();
        fake.clear();
        let text = String::from_utf8_lossy(&body).to_string();
        let ok = match cell.expect {
            Expect::Recover => status == 200 && body == pkg.bytes,
            Expect::FailClosed => matches!(status, 502 | 504) && text.contains("upstream `faulty`"),
            Expect::NotAllowed => matches!(status, 403 | 502 | 504) && body != pkg.bytes,
        };
        if cell.expect != Expect::Recover {
            // The audit writer runs behind the answer: give it a moment.
            std::thread::sleep(Duration::from_millis(150));
            let allowed = served.audit().into_iter().find(|r| r["purl"] == fake.purl(i) && r["decision"] == "allow");
            assert!(allowed.is_none(), "{}: the faulty fetch was recorded as allowed: {allowed:?}", fake.purl(i));
        }
        // Nothing wrong was kept: without the fault the same request gets the whole bytes
        // (a refusal for bytes that did not match is not kept either: they are fetched and
        // checked again).
        let (again, again_body) = http_get(&url);
        let recovered = again == 200 && again_body == pkg.bytes;
        support::report(&format!(
            "FAULT {eco:?} proxy | {} | {:?} | HTTP {status} in {:.1}s | after clearing: HTTP {again} | {}",
            cell.label,
            cell.target,
            took.as_secs_f64(),
            if ok && recovered { "ok" } else { "UNEXPECTED" }
        ));
        if !ok || !recovered {
            failures.push(format!(
                "{} {:?}: expected {:?}, got HTTP {status}: {}\nthen HTTP {again}",
                cell.label,
                cell.target,
                cell.expect,
                text.chars().take(400).collect::<String>()
            ));
        }
    }
    assert_store_clean(&work.path().join("cache"), &fake);
    drop(served);
    assert!(failures.is_empty(), "{} cell(s) went wrong:\n{}", failures.len(), failures.join("\n---\n"));
}

#[test]
fn gate_npm() {
    gate_cells(Eco::Npm);
}

#[test]
fn gate_pypi() {
    gate_cells(Eco::Pypi);
}

#[test]
fn gate_maven() {
    gate_cells(Eco::Maven);
}

#[test]
fn proxy_npm() {
    proxy_cells(Eco::Npm);
}

#[test]
fn proxy_pypi() {
    proxy_cells(Eco::Pypi);
}

#[test]
fn proxy_maven() {
    proxy_cells(Eco::Maven);
}
