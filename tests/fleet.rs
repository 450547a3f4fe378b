//! A fleet: three `depgate serve` replicas on 127.0.0.1 sharing one S3-compatible store
//! (`SeaweedFS`) and one PostgreSQL audit log, behind nginx as the load balancer, with real
//! npm, pip and mvn clients of four teams installing at once.
//!
//! What is checked:
//! - every artifact is fetched from the upstream once, however many replicas and clients
//!   ask for it at the same time (single flight across replicas through the store and the
//!   database's lock);
//! - one replica is killed (SIGKILL) while the clients install again: they finish through the
//!   others;
//! - afterwards every object in the store checks (`depgate cache verify`), the audit chain
//!   in PostgreSQL verifies with no gap (`depgate audit verify --database`), every file
//!   served has its record, naming its team.
//!
//! Needs weed, PostgreSQL 15, nginx, npm, python3 (venv, pip) and mvn: without one, a
//! visible SKIPPED line (a failure under `DEPGATE_REQUIRE_TOOLS=1`).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;
use support::served::{Served, have, npm_tarball};

const OLD: &str = "2025-06-01T00:00:00.000Z";
const OLD_PY: &str = "2025-06-01T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";
/// Packages of each ecosystem the clients install.
const NPM_PACKAGES: usize = 12;
const PY_PACKAGES: usize = 6;
const JARS: usize = 6;

/// What the upstream counts as an artifact fetch.
const ARTIFACTS: [&str; 3] = ["tgz", "whl", "jar"];

fn has_extension(path: &str, ext: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A request the proxy answers as a file, with an audit record: tarballs, wheels, jars,
/// POMs and the checksums mvn asks for beside them.
fn is_file(path: &str) -> bool {
    ["tgz", "whl", "jar", "pom", "sha1", "sha256", "sha512", "md5"].iter().any(|e| has_extension(path, e))
}

fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A wheel pip installs: module, METADATA, WHEEL and RECORD.
fn wheel(name: &str, version: &str) -> (String, Vec<u8>) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let m = name.replace('-', "_");
    let info = format!("{m}-{version}.dist-info");
    let mut files = vec![
        (format!("{m}/__init__.py"), format!("VERSION = '{version}'\n").into_bytes()),
        (format!("{info}/METADATA"), format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").into_bytes()),
        (
            format!("{info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: depgate-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        ),
    ];
    let mut record = String::new();
    for (path, bytes) in &files {
        let d = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(bytes));
        let _ = writeln!(record, "{path},sha256={d},{}", bytes.len());
    }
    let _ = writeln!(record, "{info}/RECORD,,");
    files.push((format!("{info}/RECORD"), record.into_bytes()));
    (format!("{m}-{version}-py3-none-any.whl"), zip(&files))
}

/// A jar mvn loads as a build extension (a manifest and one resource).
fn jar(artifact: &str) -> Vec<u8> {
    zip(&[
        ("META-INF/MANIFEST.MF".to_string(), b"Manifest-Version: 1.0\r\n\r\n".to_vec()),
        (format!("{artifact}.txt"), format!("{artifact}\n").into_bytes()),
    ])
}

fn tail(out: &Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

struct Clients {
    work: PathBuf,
    lb: String,
    tokens: BTreeMap<&'static str, String>,
}

impl Clients {
    /// `npm install` of every npm package into a fresh project and cache, as `team`.
    fn npm(&self, team: &str, round: usize) -> Output {
        let project = self.work.join(format!("npm-{team}-{round}"));
        std::fs::create_dir_all(&project).unwrap();
        let deps: serde_json::Map<String, Value> =
            (0..NPM_PACKAGES).map(|i| (format!("fleet-pkg-{i}"), Value::from("1.0.0"))).collect();
        std::fs::write(
            project.join("package.json"),
            serde_json::json!({"name": "app", "version": "1.0.0", "private": true, "dependencies": deps}).to_string(),
        )
        .unwrap();
        let host = self.lb.trim_start_matches("http:");
        std::fs::write(
            project.join(".npmrc"),
            format!("registry={}/npm/\n{host}/npm/:_authToken={}\n", self.lb, self.tokens[team]),
        )
        .unwrap();
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefer-online", "--fetch-retries", "5"])
            .args(["--fetch-retry-mintimeout", "200", "--fetch-retry-maxtimeout", "2000", "--cache"])
            .arg(project.join("npm-cache"))
            .current_dir(&project)
            .env_remove("npm_config_registry")
            .output()
            .unwrap()
    }

    /// `pip install` of every PyPI package into a fresh venv, as team `data`.
    fn pip(&self, round: usize) -> Output {
        let venv = self.work.join(format!("venv-{round}"));
        let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).output().unwrap();
        assert!(made.status.success(), "python3 -m venv: {}", tail(&made));
        let index = format!("http://{}@{}/pypi/simple/", self.tokens["data"], self.lb.trim_start_matches("http://"));
        Command::new(venv.join("bin/pip"))
            .args(["install", "--no-cache-dir", "--disable-pip-version-check", "--retries", "5", "--index-url", &index])
            .args((0..PY_PACKAGES).map(|i| format!("fleet-py-{i}")))
            .env("PIP_CONFIG_FILE", "/dev/null")
            .output()
            .unwrap()
    }

    /// `mvn validate` of a pom project whose build extensions are every jar, as team `jvm`.
    fn mvn(&self, round: usize) -> Output {
        let dir = self.work.join(format!("mvn-{round}"));
        std::fs::create_dir_all(&dir).unwrap();
        let extensions = (0..JARS).fold(String::new(), |mut out, i| {
            let _ = write!(
                out,
                "<extension><groupId>org.fleet</groupId><artifactId>lib-{i}</artifactId><version>1.0.0</version></extension>"
            );
            out
        });
        std::fs::write(
            dir.join("pom.xml"),
            format!("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion><groupId>demo</groupId><artifactId>fleet</artifactId><version>1.0.0</version><packaging>pom</packaging><build><extensions>{extensions}</extensions></build></project>\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("settings.xml"),
            format!(
                "<settings><servers><server><id>depgate</id><username>jvm</username><password>{}</password></server></servers><mirrors><mirror><id>depgate</id><mirrorOf>*</mirrorOf><url>{}/maven2/</url></mirror></mirrors></settings>\n",
                self.tokens["jvm"], self.lb
            ),
        )
        .unwrap();
        std::fs::write(dir.join("global-settings.xml"), "<settings/>\n").unwrap();
        Command::new("mvn")
            .args(["-B", "-s", "settings.xml", "-gs", "global-settings.xml"])
            .arg(format!("-Dmaven.repo.local={}", dir.join("m2").display()))
            .arg("validate")
            .env_remove("MAVEN_OPTS")
            .env_remove("MAVEN_ARGS")
            .env_remove("JAVA_TOOL_OPTIONS")
            .current_dir(&dir)
            .output()
            .unwrap()
    }

    /// All four clients at once; each must succeed.
    fn install_all(&self, round: usize, during: impl FnOnce()) {
        std::thread::scope(|s| {
            let web = s.spawn(|| self.npm("web", round));
            let web2 = s.spawn(|| self.npm("web2", round));
            let pip = s.spawn(|| self.pip(round));
            let mvn = s.spawn(|| self.mvn(round));
            during();
            for (what, h) in [("npm (web)", web), ("npm (web2)", web2), ("pip", pip), ("mvn", mvn)] {
                let out = h.join().unwrap();
                assert!(out.status.success(), "round {round}: {what} failed:\n{}", tail(&out));
            }
        });
    }
}

#[test]
fn three_replicas_share_one_store_and_one_audit_chain_and_survive_a_kill() {
    for (tool, arg) in [("npm", "--version"), ("python3", "--version"), ("mvn", "--version")] {
        if !have(tool, arg) {
            return;
        }
    }
    let Some(nginx_bin) = support::nginx::binary() else { return };
    let Some(pg) = support::postgres::Postgres::start() else { return };
    let Some(s3) = support::seaweed::Seaweed::start() else { return };
    let work = tempfile::tempdir().unwrap();
    let started = Instant::now();

    // The upstreams: npm tarballs, wheels and jars, a little slow, so that requests of
    // the same file from several replicas overlap.
    let npm = FakeNpm::start();
    let repo = FakeRepo::start();
    for i in 0..NPM_PACKAGES {
        let name = format!("fleet-pkg-{i}");
        npm.publish_bytes(&name, "1.0.0", OLD, npm_tarball(work.path(), &name, "1.0.0"));
    }
    for i in 0..PY_PACKAGES {
        let name = format!("fleet-py-{i}");
        let (file, bytes) = wheel(&name, "1.0");
        repo.publish_py_bytes(&name, "1.0", &file, OLD_PY, bytes, None);
    }
    for i in 0..JARS {
        let a = format!("lib-{i}");
        repo.publish_maven_bytes(
            &format!("org.fleet:{a}"),
            "1.0.0",
            None,
            "jar",
            jar(&a),
            OLD_HTTP,
            &["sha1", "sha256"],
        );
    }
    // Maven adds plexus-utils 1.1 to every build extension's dependencies.
    repo.publish_maven_bytes(
        "org.codehaus.plexus:plexus-utils",
        "1.1",
        None,
        "jar",
        jar("plexus-utils"),
        OLD_HTTP,
        &["sha1", "sha256"],
    );
    npm.latency(Duration::from_millis(150));
    repo.latency(Duration::from_millis(150));

    // Four teams, each with the chain of its client.
    let mut tokens = BTreeMap::new();
    let mut teams = String::new();
    for (team, chain) in [("web", "npm"), ("web2", "npm"), ("data", "pypi"), ("jvm", "maven")] {
        let out = Command::new(env!("CARGO_BIN_EXE_depgate")).args(["token", "new", "--team", team]).output().unwrap();
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let hash =
            String::from_utf8(out.stderr).unwrap().split('"').find(|s| s.starts_with("sha256:")).unwrap().to_string();
        let _ = write!(teams, "[teams.{team}]\ntokens = [\"{hash}\"]\nchains = [\"{chain}\"]\n\n");
        tokens.insert(team, token);
    }
    let config = work.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!(
            "[npm]\nchain = [\"npmjs\"]\n[pypi]\nchain = [\"py\"]\n[maven]\nchain = [\"mvn\"]\n\n\
             [upstream.npmjs]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 20\n\n\
             [upstream.py]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 20\n\n\
             [upstream.mvn]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 20\n\n\
             [policy]\nrequire = \"none\"\n\n{}\n{}\n{teams}",
            npm.url(),
            repo.simple_url(),
            repo.maven_url(),
            s3.storage_config(),
            pg.audit_config("DEPGATE_TEST_AUDIT_DB"),
        ),
    )
    .unwrap();

    // Three replicas, each with its own (empty) disk, behind nginx.
    let lb_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let lb = format!("http://127.0.0.1:{lb_port}");
    let mut env: Vec<(String, String)> = s3.env();
    env.push(("DEPGATE_TEST_AUDIT_DB".into(), pg.url()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut replicas: Vec<Option<Served>> = (0..3)
        .map(|i| {
            let dir = work.path().join(format!("replica-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            Some(Served::start_env(&dir, &config, &["--public-url", &lb], &env_refs))
        })
        .collect();
    let addrs: Vec<String> = replicas.iter().map(|r| r.as_ref().unwrap().addr()).collect();
    let _ = lb_port;
    let nginx = support::nginx::Nginx::start_on(&nginx_bin, &work.path().join("nginx"), &addrs, lb_port);
    let clients = Clients { work: work.path().to_path_buf(), lb: nginx.url(), tokens };

    // Round 1: every client at once, on a cold fleet.
    clients.install_all(1, || {});
    let artifact_fetches = |paths: Vec<String>| {
        let mut n: BTreeMap<String, usize> = BTreeMap::new();
        for p in paths.into_iter().filter(|p| ARTIFACTS.iter().any(|e| has_extension(p, e))) {
            *n.entry(p).or_default() += 1;
        }
        n
    };
    let upstream = || {
        let mut paths: Vec<String> = npm.log().into_iter().map(|l| l.path).collect();
        paths.extend(repo.log().into_iter().map(|l| l.path));
        artifact_fetches(paths)
    };
    let after_round_1 = upstream();
    assert_eq!(after_round_1.len(), NPM_PACKAGES + PY_PACKAGES + JARS + 1, "{after_round_1:#?}");
    let twice: Vec<_> = after_round_1.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fetched from the upstream more than once: {twice:?}");
    let served_by: BTreeSet<String> = nginx.log().iter().flat_map(|l| l.replicas.clone()).collect();
    assert_eq!(served_by.len(), 3, "the balancer used every replica: {served_by:?}");

    // Round 2: fresh clients again; replica 1 is killed while they install.
    let victim = replicas[1].take().unwrap();
    let before_kill = nginx.log().len();
    clients.install_all(2, || {
        let start = Instant::now();
        // Once round 2 has reached the victim, kill it.
        while !nginx.log()[before_kill..].iter().any(|l| l.replicas.contains(&addrs[1])) {
            assert!(start.elapsed() < Duration::from_secs(60), "round 2 never reached replica 1");
            std::thread::sleep(Duration::from_millis(10));
        }
        victim.kill();
    });
    let log = nginx.log();
    let retried = log[before_kill..].iter().filter(|l| l.replicas.len() > 1).count();
    support::report(&format!(
        "fleet: round 2 finished with replica 1 killed; {} requests through the balancer, {retried} moved to another replica",
        log.len() - before_kill
    ));
    assert_eq!(upstream(), after_round_1, "round 2 fetched artifacts again instead of reading the shared store");

    // The store: every object checks.
    let verify = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["cache", "verify", "--config"])
        .arg(&config)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(verify.status.success(), "cache verify: {}", tail(&verify));
    // The audit chain in PostgreSQL: whole, and one record (at least) per file served,
    // naming the team that asked.
    let audit = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["audit", "verify", "--config"])
        .arg(&config)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(audit.status.success(), "audit verify --database: {}", tail(&audit));
    let export = work.path().join("fleet-audit.jsonl");
    let exported = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["audit", "export", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&export)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(exported.status.success(), "audit export: {}", tail(&exported));
    let records = support::served::records(&export);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"].as_u64(), Some(i as u64 + 1), "a gap in the chain at {i}");
    }
    let files: Vec<&Value> = records.iter().filter(|r| r["request"].is_null()).collect();
    let served_files: Vec<_> = log.iter().filter(|l| l.status == 200 && is_file(&l.path)).collect();
    // Each file answered 200 through the balancer has its record; a request the victim
    // recorded but could not answer may add one more (the client asked again).
    assert!(files.len() >= served_files.len(), "{} records for {} files served", files.len(), served_files.len());
    assert!(files.len() <= served_files.len() + 4, "{} records for {} files served", files.len(), served_files.len());
    for team in ["web", "web2", "data", "jvm"] {
        assert!(files.iter().any(|r| r["team"] == team), "no record of team {team}");
    }
    assert!(files.iter().all(|r| r["team"].is_string()), "a file record without its team");
    support::report(&format!(
        "fleet: {} audit records in PostgreSQL ({} of files), {} files served, {} artifacts each fetched once, in {:.1} s",
        records.len(),
        files.len(),
        served_files.len(),
        after_round_1.len(),
        started.elapsed().as_secs_f64()
    ));
    for r in replicas.iter_mut().filter_map(Option::take) {
        let (code, log) = r.stop();
        assert_eq!(code, 0, "{log}");
    }
    drop(nginx);
}
