//! A real S3-compatible object store for the storage tests: `SeaweedFS` (`weed server`
//! with its master, volume, filer and S3 gateway in one process) on 127.0.0.1, on free
//! ports, in a temporary folder, with one S3 identity (access key and secret) so every
//! request is signed and checked. Killed when the last test holding it lets go.
//!
//! `weed` is built by scripts/install-seaweedfs.sh (`$DEPGATE_WEED`, else the tools
//! folder); missing, tests print a SKIPPED line (a failure under `DEPGATE_REQUIRE_TOOLS=1`).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The S3 identity the server accepts.
pub const ACCESS_KEY: &str = "depgate-test-access";
pub const SECRET_KEY: &str = "depgate-test-secret-5f2a9c";
/// The bucket [`Seaweed::start`] creates.
pub const FLEET_BUCKET: &str = "depgate-fleet";

/// A running `SeaweedFS`.
pub struct Seaweed {
    child: Child,
    /// The S3 API's base URL (`http://127.0.0.1:PORT`).
    pub endpoint: String,
    master: String,
    dir: tempfile::TempDir,
    weed: PathBuf,
    /// How long it took from spawn to an S3 answer.
    pub started_in: Duration,
}

/// `weed`, or `None` (skip reported) when it is not installed.
pub fn weed() -> Option<PathBuf> {
    let found = std::env::var_os("DEPGATE_WEED").map(PathBuf::from).or_else(|| {
        let home = std::env::var_os("HOME")?;
        Some(PathBuf::from(home).join(".cache/depgate-tools/bin/weed"))
    });
    let found = found.filter(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "SeaweedFS (weed) is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it"
        );
        super::skipped("SeaweedFS (weed) is not installed (scripts/install-seaweedfs.sh builds it)");
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

static SHARED: Mutex<Weak<Seaweed>> = Mutex::new(Weak::new());

impl Seaweed {
    /// The server the tests of this binary share (started by the first, stopped when the
    /// last drops it), or `None` (skip reported) without `weed`. Each test uses buckets
    /// of its own.
    pub fn shared() -> Option<Arc<Seaweed>> {
        let mut slot = SHARED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(s) = slot.upgrade() {
            return Some(s);
        }
        let s = Arc::new(Self::start_with(&weed()?));
        *slot = Arc::downgrade(&s);
        Some(s)
    }

    /// A server of its own with the bucket [`FLEET_BUCKET`] (for [`Self::storage_config`]),
    /// or `None` (skip reported) without `weed`.
    pub fn start() -> Option<Self> {
        let s = Self::start_with(&weed()?);
        s.create_bucket(FLEET_BUCKET);
        Some(s)
    }

    /// The `[storage]` section of a depgate.toml for [`FLEET_BUCKET`] on this server
    /// (credentials from [`Self::env`]).
    pub fn storage_config(&self) -> String {
        format!("[storage]\nkind = \"s3\"\nbucket = \"{FLEET_BUCKET}\"\nendpoint = \"{}\"\n", self.endpoint)
    }

    /// The environment a depgate process needs to sign its requests to this server.
    #[allow(clippy::unused_self)] // one identity per server today; a method, as `storage_config`
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()), ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into())]
    }

    /// Start a server of its own, with no bucket yet.
    pub fn start_with(weed: &std::path::Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let identities = serde_json::json!({"identities": [{
            "name": "depgate",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]
        }]});
        let s3_config = dir.path().join("s3.json");
        std::fs::write(&s3_config, identities.to_string()).unwrap();
        let [master, volume, filer, s3] = [0; 4].map(|_| free_port());
        let [master_grpc, volume_grpc, filer_grpc, s3_grpc] = [0; 4].map(|_| free_port());
        let log = std::fs::File::create(dir.path().join("weed.log")).unwrap();
        let started = Instant::now();
        let mut child = Command::new(weed)
            .arg("server")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-master.port={master}"))
            .arg(format!("-master.port.grpc={master_grpc}"))
            .args(["-master.volumeSizeLimitMB=64", "-volume.max=64"])
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-volume.port.grpc={volume_grpc}"))
            .arg("-filer")
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-filer.port.grpc={filer_grpc}"))
            .arg(format!("-filer.localSocket={}", dir.path().join("filer.sock").display()))
            .arg("-s3")
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={s3_grpc}"))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .arg(format!("-s3.localSocket={}", dir.path().join("s3.sock").display()))
            .arg(format!("-s3.config={}", s3_config.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("weed server starts");
        let endpoint = format!("http://127.0.0.1:{s3}");
        while TcpStream::connect(("127.0.0.1", s3)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "weed server exited ({status}):\n{}",
                    std::fs::read_to_string(dir.path().join("weed.log")).unwrap_or_default()
                );
            }
            assert!(started.elapsed() < Duration::from_secs(60), "weed server did not open its S3 port in 60 s");
            std::thread::sleep(Duration::from_millis(25));
        }
        let started_in = started.elapsed();
        Self {
            child,
            endpoint,
            master: format!("127.0.0.1:{master}.{master_grpc}"),
            dir,
            weed: weed.to_path_buf(),
            started_in,
        }
    }

    /// Create a bucket (through `weed shell`, which needs no S3 signature), waiting until
    /// the filer has it.
    pub fn create_bucket(&self, name: &str) {
        let start = Instant::now();
        loop {
            let mut shell = Command::new(&self.weed)
                .args(["shell", &format!("-master={}", self.master)])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("weed shell starts");
            {
                use std::io::Write as _;
                let mut stdin = shell.stdin.take().unwrap();
                writeln!(stdin, "s3.bucket.create -name {name}").unwrap();
                writeln!(stdin, "s3.bucket.list").unwrap();
            }
            let out = shell.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            if text.lines().any(|l| l.split_whitespace().next() == Some(name)) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "weed shell could not create bucket {name}:\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The server's log so far (for a failing assertion's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
