//! Fault injection, the host-level cells of the matrix: TLS failures (an `https://` upstream
//! whose port speaks plain HTTP, or garbage, or real TLS with a self-signed certificate)
//! and redirects to another host (credentials never follow; what comes back is allowed
//! only when its bytes match the lockfile), for npm, `PyPI` and Maven, through the gate (`depgate check --download`) and the proxy
//! (`depgate serve`). Each cell prints its observed outcome (`FAULT …`).

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use support::Project;
use support::fake_npm::FakeNpm;
use support::fake_repo::{FakeRepo, Fault};
use support::served::Served;

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";
const TOKEN: &str = "s3cret-fault-token";
const BYTES: &[u8] = b"the one true artifact, whole and unchanged";

#[derive(Debug, Clone, Copy)]
enum Eco {
    Npm,
    Pypi,
    Maven,
}

const ECOS: [Eco; 3] = [Eco::Npm, Eco::Pypi, Eco::Maven];

/// A fake registry of either kind, publishing `pkg` 1.0 (npm, `PyPI`) / `com.fault:pkg` (Maven).
enum Registry {
    Npm(FakeNpm),
    Repo(FakeRepo),
}

impl Registry {
    fn start(eco: Eco) -> Self {
        match eco {
            Eco::Npm => Registry::Npm(FakeNpm::start()),
            Eco::Pypi | Eco::Maven => Registry::Repo(FakeRepo::start()),
        }
    }

    fn port(&self) -> u16 {
        match self {
            Registry::Npm(f) => f.addr.port(),
            Registry::Repo(f) => f.addr.port(),
        }
    }

    /// Publish the package with `bytes`; returns the digest a lockfile pins.
    fn publish(&self, eco: Eco, bytes: &[u8]) -> String {
        match (self, eco) {
            (Registry::Npm(f), _) => f.publish_bytes("pkg", "1.0.0", OLD, bytes.to_vec()),
            (Registry::Repo(f), Eco::Pypi) => {
                f.publish_py_bytes("pkg", "1.0", "pkg-1.0-py3-none-any.whl", OLD, bytes.to_vec(), None)
            }
            (Registry::Repo(f), _) => {
                f.publish_maven_bytes("com.fault:pkg", "1.0", None, "jar", bytes.to_vec(), OLD_HTTP, &["sha256"])
            }
        }
    }

    fn fault(&self, key: &str, fault: Fault) {
        match self {
            Registry::Npm(f) => f.fault(key, fault),
            Registry::Repo(f) => f.fault(key, fault),
        }
    }

    fn require_token(&self) {
        match self {
            Registry::Npm(f) => f.require_token(TOKEN),
            Registry::Repo(f) => f.require_token(TOKEN),
        }
    }

    /// (path, Authorization) of every request seen.
    fn log(&self) -> Vec<(String, Option<String>)> {
        match self {
            Registry::Npm(f) => f.log().into_iter().map(|l| (l.path, l.authorization)).collect(),
            Registry::Repo(f) => f.log().into_iter().map(|l| (l.path, l.authorization)).collect(),
        }
    }
}

/// The upstream URL of `eco` at `host:port` with `scheme`.
fn base(eco: Eco, scheme: &str, host: &str, port: u16) -> String {
    let path = match eco {
        Eco::Npm => "",
        Eco::Pypi => "simple/",
        Eco::Maven => "maven2/",
    };
    format!("{scheme}://{host}:{port}/{path}")
}

fn config(eco: Eco, url: &str, auth: bool) -> String {
    let (section, kind) = match eco {
        Eco::Npm => ("npm", "npm"),
        Eco::Pypi => ("pypi", "pypi-simple"),
        Eco::Maven => ("maven", "maven"),
    };
    let auth = if auth { "auth = \"env:FAULT_TOKEN\"\n" } else { "" };
    format!(
        "[{section}]\nchain = [\"faulty\"]\n\n[upstream.faulty]\nkind = \"{kind}\"\nurl = \"{url}\"\ntier = \"curated\"\ntimeout_secs = 1.5\nretries = 1\n{auth}\n[policy]\nquarantine_days = 7\n"
    )
}

fn lock(p: &Project, eco: Eco, digest: &str, upstream: &str) {
    match eco {
        Eco::Npm => {
            let url = format!("{upstream}pkg/-/pkg-1.0.0.tgz");
            p.write(
                "package-lock.json",
                &support::package_lock_v3(&[support::Locked::new("pkg", "1.0.0", digest, url)]),
            );
        }
        Eco::Pypi => {
            p.write("requirements.txt", &format!("pkg==1.0 \\\n    --hash=sha256:{digest}\n"));
        }
        Eco::Maven => {
            let doc = serde_json::json!({"format": "depgate.resolved/v1", "artifacts": [
                {"group": "com.fault", "name": "pkg", "version": "1.0", "extension": "jar", "sha256": digest}]});
            p.write("depgate-resolved.json", &doc.to_string());
        }
    }
}

fn purl(eco: Eco) -> &'static str {
    match eco {
        Eco::Npm => "pkg:npm/pkg@1.0.0",
        Eco::Pypi => "pkg:pypi/pkg@1.0",
        Eco::Maven => "pkg:maven/com.fault/pkg@1.0",
    }
}

/// The artifact's URL through the proxy.
fn proxy_url(served: &Served, eco: Eco) -> String {
    match eco {
        Eco::Npm => format!("{}pkg/-/pkg-1.0.0.tgz", served.url("npm")),
        Eco::Pypi => format!("{}files/pkg/pkg-1.0-py3-none-any.whl", served.url("pypi").trim_end_matches("simple/")),
        Eco::Maven => format!("{}com/fault/pkg/1.0/pkg-1.0.jar", served.url("maven")),
    }
}

/// The fault keys of the name's metadata and of its artifact.
fn keys(eco: Eco) -> (&'static str, &'static str) {
    match eco {
        Eco::Npm => ("pkg$", "pkg/-/"),
        Eco::Pypi => ("simple/pkg/", "files/"),
        Eco::Maven => ("maven2/com/fault/pkg/maven-metadata.xml", "maven2/com/fault/pkg/1.0/pkg-1.0.jar$"),
    }
}

fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        match client.get(url).send().await {
            Ok(r) => (r.status().as_u16(), r.bytes().await.map(|b| b.to_vec()).unwrap_or_default()),
            Err(e) => (0, e.to_string().into_bytes()),
        }
    })
}

fn check(p: &Project) -> support::Run {
    p.depgate(&["check", "--download", "--current-time", NOW], &[("FAULT_TOKEN", TOKEN)])
}

/// A TCP server that answers every connection with `reply` and closes it.
fn garbage_server(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = s.read(&mut [0u8; 1024]);
            let _ = s.write_all(reply);
        }
    });
    port
}

/// A real TLS server (`openssl s_server`) whose certificate is self-signed for 127.0.0.1:
/// the name matches, the issuer is trusted by no one. Killed on drop.
struct UntrustedTls {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl UntrustedTls {
    fn start() -> Option<Self> {
        if !support::served::have("openssl", "version") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let made = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
            .args(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            // A leaf, not a CA: rejected for its issuer, which no one trusts.
            .args(["-addext", "basicConstraints=critical,CA:FALSE", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(made.status.success(), "openssl req: {}", String::from_utf8_lossy(&made.stderr));
        let mut child = std::process::Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-www", "-cert"])
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // s_server prints `ACCEPT 127.0.0.1:<port>` once it listens.
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("ACCEPT 127.0.0.1:").and_then(|p| p.trim().parse().ok()))
            .expect("openssl s_server did not say where it listens");
        // Keep draining what it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Some(Self { child, port, _dir: dir })
    }
}

impl Drop for UntrustedTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tls_failure_fails_closed_naming_the_upstream() {
    let untrusted = UntrustedTls::start();
    for eco in ECOS {
        let plain = Registry::start(eco);
        let digest = plain.publish(eco, BYTES);
        let garbage = garbage_server(b"\x15\x03\x03\x00\x02\x02\x50 this is not TLS\r\n");
        let mut cases = vec![("https to a plain HTTP port", plain.port()), ("https to a garbage server", garbage)];
        if let Some(tls) = &untrusted {
            cases.push(("https with a self-signed certificate", tls.port));
        }
        for (label, port) in cases {
            let url = base(eco, "https", "127.0.0.1", port);
            let p = Project::new();
            p.write("depgate.toml", &config(eco, &url, false));
            lock(&p, eco, &digest, &url);
            let run = check(&p);
            let out = run.all_output();
            support::report(&format!("FAULT {eco:?} gate | TLS failure: {label} | exit {}", run.code));
            assert_eq!(run.code, 3, "{eco:?} {label}: {out}");
            assert!(out.contains("upstream `faulty`"), "{out}");
            if label.contains("certificate") {
                // The cause is said, not only "error sending request".
                assert!(out.contains("invalid peer certificate: UnknownIssuer"), "{out}");
            }
            assert_ne!(p.record(purl(eco))["decision"], "allow");

            let work = tempfile::tempdir().unwrap();
            let cfg = work.path().join("depgate.toml");
            std::fs::write(&cfg, config(eco, &url, false)).unwrap();
            let served = Served::start(work.path(), &cfg, &["--current-time", NOW]);
            let (status, body) = http_get(&proxy_url(&served, eco));
            let text = String::from_utf8_lossy(&body);
            support::report(&format!("FAULT {eco:?} proxy | TLS failure: {label} | HTTP {status}"));
            assert!(matches!(status, 502 | 504), "{eco:?} {label}: HTTP {status} {text}");
            assert!(text.contains("upstream `faulty`"), "{text}");
            if label.contains("certificate") {
                assert!(text.contains("certificate"), "{text}");
            }
        }
    }
}

/// The name's metadata redirects to another host that serves other bytes under the same
/// name: the token is not sent there, and nothing is decided (documents are taken from the
/// upstream's own origin only), so the other bytes are never allowed.
#[test]
fn metadata_redirected_to_another_host_gets_no_credentials_and_no_allow() {
    for eco in ECOS {
        let owner = Registry::start(eco);
        let other = Registry::start(eco);
        owner.require_token();
        let digest = owner.publish(eco, BYTES);
        other.publish(eco, b"other bytes from another host");
        // `localhost` is another origin than `127.0.0.1` (same machine, other host name).
        owner.fault(keys(eco).0, Fault::RedirectTo { url: format!("http://localhost:{}/", other.port()) });
        let url = base(eco, "http", "127.0.0.1", owner.port());

        let p = Project::new();
        p.write("depgate.toml", &config(eco, &url, true));
        lock(&p, eco, &digest, &url);
        let run = check(&p);
        let decision = p.record(purl(eco))["decision"].as_str().unwrap_or_default().to_string();
        support::report(&format!(
            "FAULT {eco:?} gate | metadata redirected to another host | exit {} ({decision})",
            run.code
        ));
        assert_eq!(run.code, 3, "{}", run.all_output());
        assert!(run.all_output().contains("redirected"), "{}", run.all_output());
        assert_ne!(decision, "allow");

        let work = tempfile::tempdir().unwrap();
        let cfg = work.path().join("depgate.toml");
        std::fs::write(&cfg, config(eco, &url, true)).unwrap();
        let served = Served::start_env(work.path(), &cfg, &["--current-time", NOW], &[("FAULT_TOKEN", TOKEN)]);
        let (status, body) = http_get(&proxy_url(&served, eco));
        support::report(&format!("FAULT {eco:?} proxy | metadata redirected to another host | HTTP {status}"));
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 502, "{eco:?}: {text}");
        assert!(text.contains("upstream `faulty` redirected"), "{text}");

        let seen = other.log();
        assert!(!seen.is_empty(), "{eco:?}: the redirect was not followed, so the test proves nothing");
        assert!(seen.iter().all(|(_, auth)| auth.is_none()), "{eco:?}: credentials went to another host: {seen:?}");
        assert!(owner.log().iter().any(|(_, auth)| auth.is_some()), "the owner did get the token");
        assert!(!run.all_output().contains(TOKEN) && !served.log().contains(TOKEN));
    }
}

/// The artifact redirects to another host (a CDN) serving the same bytes: the token is not
/// sent there, and the artifact is allowed because its bytes match the lockfile.
#[test]
fn artifact_redirected_to_another_host_gets_no_credentials_and_is_checked() {
    for eco in ECOS {
        let owner = Registry::start(eco);
        let cdn = Registry::start(eco);
        owner.require_token();
        let digest = owner.publish(eco, BYTES);
        cdn.publish(eco, BYTES);
        let (_, file_key) = keys(eco);
        owner.fault(file_key, Fault::RedirectTo { url: format!("http://localhost:{}/", cdn.port()) });
        let url = base(eco, "http", "127.0.0.1", owner.port());

        let p = Project::new();
        p.write("depgate.toml", &config(eco, &url, true));
        lock(&p, eco, &digest, &url);
        let run = check(&p);
        let r = p.record(purl(eco));
        support::report(&format!(
            "FAULT {eco:?} gate | artifact redirected to another host (same bytes) | exit {} ({})",
            run.code, r["decision"]
        ));
        assert_eq!(run.code, 0, "{}", run.all_output());
        assert_eq!(r["resolution"]["artifact_integrity"], "match", "{r:#}");

        let work = tempfile::tempdir().unwrap();
        let cfg = work.path().join("depgate.toml");
        std::fs::write(&cfg, config(eco, &url, true)).unwrap();
        let served = Served::start_env(work.path(), &cfg, &["--current-time", NOW], &[("FAULT_TOKEN", TOKEN)]);
        let (status, body) = http_get(&proxy_url(&served, eco));
        support::report(&format!(
            "FAULT {eco:?} proxy | artifact redirected to another host (same bytes) | HTTP {status}"
        ));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(body, BYTES);

        let seen = cdn.log();
        assert!(!seen.is_empty(), "{eco:?}: the redirect was not followed");
        assert!(seen.iter().all(|(_, auth)| auth.is_none()), "{eco:?}: credentials went to another host: {seen:?}");
    }
}
