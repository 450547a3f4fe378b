//! A throwaway PostgreSQL cluster for the audit tests: `initdb` in a temp folder
//! (scram-sha-256, the superuser's password from a file), started with `pg_ctl` on a free
//! 127.0.0.1 port (no other address, its Unix socket in the temp folder), with a database
//! `audit` owned by a service role `depgate` that is NOT a superuser — as a real
//! deployment runs. `fsync=off`: the tests never pull the plug on the machine, and it
//! makes commits fast (durability against a killed *process* is unaffected). Stopped
//! with `pg_ctl stop -m immediate` on drop.
//!
//! PostgreSQL refuses to run as root: when the tests do, the server runs as `nobody`
//! (`runuser -u nobody`), the temp folder given to it. The binaries are found in
//! `$DEPGATE_PG_BIN`, else the newest `/usr/lib/postgresql/<major>/bin` (Debian's
//! postgresql package); missing, the tests print a SKIPPED line (a failure under
//! `DEPGATE_REQUIRE_TOOLS=1`).

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The service role's name and the database it owns.
pub const ROLE: &str = "depgate";
pub const DATABASE: &str = "audit";

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    /// The superuser's (`postgres`) password.
    superuser_password: String,
    /// The service role's password.
    pub password: String,
    /// `Some("nobody")` when the tests run as root.
    run_as: Option<String>,
}

/// The folder of `initdb`, `pg_ctl` and `psql`, or `None` (skip reported).
pub fn binaries() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("DEPGATE_PG_BIN").map(PathBuf::from).into_iter().collect();
    // Debian installs each major version beside the others: the newest first.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    candidates.extend(versions.into_iter().map(|(_, bin)| bin));
    let found = candidates.into_iter().find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    if found.is_none() {
        assert!(
            std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "PostgreSQL's server binaries are required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install them"
        );
        super::skipped("PostgreSQL (initdb, pg_ctl) is not installed (scripts/test.sh installs Debian's postgresql)");
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn uid_of(user: &str) -> (u32, u32) {
    let id = |flag: &str| {
        let out = Command::new("id").args([flag, user]).output().expect("id runs");
        String::from_utf8_lossy(&out.stdout).trim().parse::<u32>().expect("a numeric id")
    };
    (id("-u"), id("-g"))
}

fn secret(tag: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{tag}{:x}{:x}", nanos, std::process::id())
}

impl Postgres {
    /// A cluster without TLS, or `None` (skip reported) when PostgreSQL is not installed.
    pub fn start() -> Option<Self> {
        Self::start_with(None)
    }

    /// A cluster with `ssl=on` and this certificate and key (PEM).
    pub fn start_tls(cert_pem: &str, key_pem: &str) -> Option<Self> {
        Self::start_with(Some((cert_pem, key_pem)))
    }

    fn start_with(tls: Option<(&str, &str)>) -> Option<Self> {
        let bin = binaries()?;
        let run_as = is_root().then(|| "nobody".to_string());
        // `nobody` must reach the folder: under /tmp, whatever $TMPDIR says.
        let dir = if run_as.is_some() { tempfile::tempdir_in("/tmp") } else { tempfile::tempdir() }.unwrap();
        let owner = run_as.as_deref().map(uid_of);
        let give = |p: &Path| {
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
            }
        };
        give(dir.path());
        let superuser_password = secret("su");
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{superuser_password}\n")).unwrap();
        give(&pwfile);
        let pg = Self { dir, bin, port: free_port(), superuser_password, password: secret("svc"), run_as };
        let data = pg.dir.path().join("data");
        let out = pg
            .server_cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-A", "scram-sha-256", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c full_page_writes=off",
            pg.port,
            pg.dir.path().display()
        );
        if let Some((cert, key)) = tls {
            let (cert_path, key_path) = (data.join("server.crt"), data.join("server.key"));
            std::fs::write(&cert_path, cert).unwrap();
            std::fs::write(&key_path, key).unwrap();
            std::fs::set_permissions(&key_path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
            give(&cert_path);
            give(&key_path);
            options.push_str(" -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key");
        }
        let out = pg
            .server_cmd("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-w", "-t", "60", "-o", &options, "-l"])
            .arg(pg.dir.path().join("server.log"))
            .arg("start")
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(pg.dir.path().join("server.log")).unwrap_or_default()
        );
        // Two commands: psql -c runs one string as one transaction, and CREATE DATABASE
        // cannot run inside one.
        pg.superuser(&format!(
            "CREATE ROLE {ROLE} LOGIN PASSWORD '{}' NOSUPERUSER NOCREATEDB NOCREATEROLE",
            pg.password
        ))
        .expect("the service role is created");
        pg.superuser(&format!("CREATE DATABASE {DATABASE} OWNER {ROLE}")).expect("the database is created");
        Some(pg)
    }

    /// A server binary, run as the cluster's owner.
    fn server_cmd(&self, name: &str) -> Command {
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(self.bin.join(name));
                c
            }
            None => Command::new(self.bin.join(name)),
        }
    }

    /// The service role's connection URL (`postgres://depgate:…@127.0.0.1:PORT/audit`).
    pub fn url(&self) -> String {
        format!("postgres://{ROLE}:{}@127.0.0.1:{}/{DATABASE}", self.password, self.port)
    }

    /// An `[audit]` section for this cluster, its URL read from the variable `var`
    /// (no TLS: the cluster listens on 127.0.0.1 only). A method, though it reads nothing
    /// of the cluster: the section belongs with it (tests/fleet.rs).
    #[allow(clippy::unused_self)]
    pub fn audit_config(&self, var: &str) -> String {
        format!("[audit]\ndatabase = \"env:{var}\"\ntls = \"disable\"\n")
    }

    /// The same URL with another password.
    pub fn url_with_password(&self, password: &str) -> String {
        format!("postgres://{ROLE}:{password}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The superuser's URL to the `audit` database.
    pub fn superuser_url(&self) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/{DATABASE}", self.superuser_password, self.port)
    }

    fn psql(&self, user: &str, password: &str, db: &str, sql: &str) -> Output {
        Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .args(["-U", user, "-d", db, "-c", sql])
            .env("PGPASSWORD", password)
            .env_remove("PGSERVICE")
            .output()
            .unwrap()
    }

    /// Run SQL as the superuser (in `postgres` before the audit database exists, else in
    /// `audit`): its output, or the server's error.
    pub fn superuser(&self, sql: &str) -> Result<String, String> {
        let exists = self.psql(
            "postgres",
            &self.superuser_password,
            "postgres",
            &format!("SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"),
        );
        let db = if String::from_utf8_lossy(&exists.stdout).trim() == "1" { DATABASE } else { "postgres" };
        let out = self.psql("postgres", &self.superuser_password, db, sql);
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Run SQL as the service role in `audit`: its output, or the server's error.
    pub fn service(&self, sql: &str) -> Result<String, String> {
        let out = self.psql(ROLE, &self.password, DATABASE, sql);
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .server_cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
