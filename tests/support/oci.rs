//! Real container registries for the image tests: Debian's `docker-registry` (the CNCF
//! distribution registry 2.8) started on 127.0.0.1 with a filesystem root, images pushed
//! with `crane` (go-containerregistry), and a counting TCP relay in front of a registry
//! so a test can prove an upstream got no request at all. Both tools are installed by
//! scripts/test.sh; missing, they are a visible skip (a failure under
//! `DEPGATE_REQUIRE_TOOLS=1`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The registry and crane binaries, or `None` (skip reported) when one is missing.
pub fn tools() -> Option<(PathBuf, PathBuf)> {
    let registry = std::env::var_os("DEPGATE_DOCKER_REGISTRY")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/docker-registry")))
        .filter(|p| p.is_file());
    let crane = std::env::var_os("DEPGATE_CRANE").map(PathBuf::from).or_else(|| {
        let home = std::env::var_os("HOME")?;
        Some(PathBuf::from(home).join(".cache/depgate-tools/bin/crane"))
    });
    let crane = crane.filter(|p| p.is_file());
    match (registry, crane) {
        (Some(r), Some(c)) => Some((r, c)),
        (r, _) => {
            let what = if r.is_none() { "docker-registry (Debian package)" } else { "crane" };
            assert!(
                std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it"
            );
            super::skipped(&format!("{what} is not installed (scripts/test.sh installs it)"));
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// cosign (`$DEPGATE_COSIGN`, else the tools folder), or `None` (skip reported).
pub fn cosign() -> Option<PathBuf> {
    let found = std::env::var_os("DEPGATE_COSIGN").map(PathBuf::from).or_else(|| {
        let home = std::env::var_os("HOME")?;
        Some(PathBuf::from(home).join(".cache/depgate-tools/bin/cosign"))
    });
    let found = found.filter(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "cosign is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it"
        );
        super::skipped("cosign is not installed (scripts/install-cosign.sh installs it)");
    }
    found
}

/// skopeo (`$DEPGATE_SKOPEO`, else `/usr/bin/skopeo`), or `None` (skip reported).
pub fn skopeo() -> Option<PathBuf> {
    let found = std::env::var_os("DEPGATE_SKOPEO")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/skopeo")))
        .filter(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "skopeo is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it"
        );
        super::skipped("skopeo is not installed (scripts/install-oci-tools.sh installs it)");
    }
    found
}

/// A cosign key pair (no password) made by `cosign generate-key-pair` in `dir`:
/// `dir/cosign.key` and `dir/cosign.pub`.
pub fn cosign_keys(cosign: &Path, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let out = Command::new(cosign)
        .arg("generate-key-pair")
        .current_dir(dir)
        .env("COSIGN_PASSWORD", "")
        .output()
        .expect("run cosign");
    assert!(out.status.success(), "cosign generate-key-pair: {}", String::from_utf8_lossy(&out.stderr));
}

/// One running registry; stopped (and its storage removed) on drop.
pub struct Registry {
    child: Child,
    _dir: tempfile::TempDir,
    pub port: u16,
    crane: PathBuf,
}

impl Registry {
    pub fn start((binary, crane): &(PathBuf, PathBuf)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let r = Self { child, _dir: dir, port, crane: crane.clone() };
        r.wait_ready();
        r
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not start on 127.0.0.1:{}", self.port);
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Push a one-layer image holding `content` as `repo:tag`; returns its manifest digest.
    pub fn push(&self, repo: &str, tag: &str, content: &str) -> String {
        let work = tempfile::tempdir().unwrap();
        let layer = layer_tar(work.path(), content);
        let reference = format!("{}/{repo}:{tag}", self.host());
        self.crane(&["append", "--insecure", "-f", layer.to_str().unwrap(), "-t", &reference]);
        self.digest(repo, tag)
    }

    /// Push an image for `platform` (`linux/arm64`) created at `created` (RFC 3339) as
    /// `repo:tag`: a one-layer image whose config crane then rewrites.
    pub fn push_image(&self, repo: &str, tag: &str, content: &str, platform: &str, created: &str) -> String {
        self.push(repo, tag, content);
        let reference = format!("{}/{repo}:{tag}", self.host());
        let config = self.crane(&["config", "--insecure", &reference]);
        let mut config: serde_json::Value = serde_json::from_str(&config).unwrap();
        let (os, arch) = platform.split_once('/').unwrap();
        config["os"] = os.into();
        config["architecture"] = arch.into();
        config["created"] = created.into();
        let mut child = Command::new(&self.crane)
            .args(["edit", "config", "--insecure", &reference])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(config.to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "crane edit config: {}", String::from_utf8_lossy(&out.stderr));
        self.digest(repo, tag)
    }

    /// An index of `repo`'s `members` tags as `repo:tag`; returns the index digest.
    pub fn push_index(&self, repo: &str, tag: &str, members: &[&str]) -> String {
        let target = format!("{}/{repo}:{tag}", self.host());
        let mut args = vec!["index".to_string(), "append".into(), "--insecure".into(), "-t".into(), target];
        for m in members {
            args.push("-m".into());
            args.push(format!("{}/{repo}:{m}", self.host()));
        }
        self.crane(&args.iter().map(String::as_str).collect::<Vec<_>>());
        self.digest(repo, tag)
    }

    /// Sign `repo@digest` with cosign and `key`, no transparency log (the `.sig` tag).
    pub fn cosign_sign(&self, cosign: &Path, key: &Path, repo: &str, digest: &str) {
        let out = Command::new(cosign)
            .args(["sign", "--key"])
            .arg(key)
            .args(["--tlog-upload=false", "--allow-http-registry", "--allow-insecure-registry", "-y"])
            .arg(format!("{}/{repo}@{digest}", self.host()))
            .env("COSIGN_PASSWORD", "")
            .output()
            .expect("run cosign");
        assert!(out.status.success(), "cosign sign: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// One plain HTTP/1.1 request to the registry: the status, the `Location` header and
    /// the body.
    pub fn http(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nAccept: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.host(),
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).unwrap();
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head[9..12].parse().unwrap();
        let location = head
            .lines()
            .find_map(|l| {
                l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("location")).map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default();
        (status, location, answer[split + 4..].to_vec())
    }

    /// Upload `bytes` as a blob of `repo` (a POST, then one PUT); returns its digest.
    pub fn put_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let digest = sha256_digest(bytes);
        let (status, location, body) =
            self.http("POST", &format!("/v2/{repo}/blobs/uploads/"), "application/octet-stream", b"");
        assert_eq!(status, 202, "blob upload: {}", String::from_utf8_lossy(&body));
        let path = location.split_once("://").map_or(location.as_str(), |(_, rest)| &rest[rest.find('/').unwrap()..]);
        let sep = if path.contains('?') { '&' } else { '?' };
        let (status, _, body) =
            self.http("PUT", &format!("{path}{sep}digest={digest}"), "application/octet-stream", bytes);
        assert_eq!(status, 201, "blob upload: {}", String::from_utf8_lossy(&body));
        digest
    }

    /// Put a manifest (or index) of `media_type` as `repo:reference`; returns its digest.
    pub fn put_manifest(&self, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) -> String {
        let (status, _, body) = self.http("PUT", &format!("/v2/{repo}/manifests/{reference}"), media_type, bytes);
        assert_eq!(status, 201, "manifest put: {}", String::from_utf8_lossy(&body));
        sha256_digest(bytes)
    }

    /// Attach a Sigstore bundle to `repo@subject` as cosign v3 does where the registry has
    /// no referrers API: a manifest of artifact type `…sigstore.bundle.v0.3+json` whose
    /// layer is the bundle, listed in the referrers tag `sha256-<hex>` (an index).
    pub fn attach_bundle(&self, repo: &str, subject: &str, bundle_json: &str) -> String {
        const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
        const EMPTY: &str = "application/vnd.oci.empty.v1+json";
        let empty = self.put_blob(repo, b"{}");
        let layer = self.put_blob(repo, bundle_json.as_bytes());
        let (subject_type, subject_size) = self.manifest_info(repo, subject);
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": BUNDLE,
            "config": {"mediaType": EMPTY, "size": 2, "digest": empty},
            "layers": [{"mediaType": BUNDLE, "size": bundle_json.len(), "digest": layer}],
            "subject": {"mediaType": subject_type, "size": subject_size, "digest": subject}
        })
        .to_string();
        let digest = self.put_manifest(
            repo,
            &sha256_digest(manifest.as_bytes()),
            "application/vnd.oci.image.manifest.v1+json",
            manifest.as_bytes(),
        );
        self.add_referrer(repo, subject, &digest, manifest.len(), EMPTY);
        digest
    }

    /// Attach a cosign simple-signing signature to `repo@subject` under the `.sig` tag:
    /// the payload as the layer's blob, `annotations` on the layer.
    pub fn attach_simple_signing(&self, repo: &str, subject: &str, payload: &[u8], annotations: &serde_json::Value) {
        let config = self.put_blob(repo, b"{}");
        let layer = self.put_blob(repo, payload);
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2, "digest": config},
            "layers": [{
                "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                "size": payload.len(),
                "digest": layer,
                "annotations": annotations
            }]
        })
        .to_string();
        let tag = format!("{}.sig", subject.replacen(':', "-", 1));
        self.put_manifest(repo, &tag, "application/vnd.oci.image.manifest.v1+json", manifest.as_bytes());
    }

    /// The media type and size of `repo@digest`.
    fn manifest_info(&self, repo: &str, digest: &str) -> (String, usize) {
        let bytes = self.crane(&["manifest", "--insecure", &format!("{}/{repo}@{digest}", self.host())]);
        let v: serde_json::Value = serde_json::from_str(&bytes).unwrap();
        (v["mediaType"].as_str().unwrap_or("application/vnd.oci.image.manifest.v1+json").to_string(), bytes.len())
    }

    /// Add `digest` to the referrers tag of `subject` (creating the index).
    fn add_referrer(&self, repo: &str, subject: &str, digest: &str, size: usize, artifact_type: &str) {
        const INDEX: &str = "application/vnd.oci.image.index.v1+json";
        let tag = subject.replacen(':', "-", 1);
        let (status, _, body) = self.http("GET", &format!("/v2/{repo}/manifests/{tag}"), INDEX, b"");
        let mut index: serde_json::Value = if status == 200 {
            serde_json::from_slice(&body).unwrap()
        } else {
            serde_json::json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": []})
        };
        index["manifests"].as_array_mut().unwrap().push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": size,
            "digest": digest,
            "artifactType": artifact_type
        }));
        self.put_manifest(repo, &tag, INDEX, index.to_string().as_bytes());
    }

    /// Run cosign with `key` (no password, no transparency log) on `repo@digest`:
    /// `args` are the subcommand and its own flags (`["sign", "--new-bundle-format"]`,
    /// `["attest", "--type", "slsaprovenance", "--predicate", FILE]`).
    pub fn cosign(&self, cosign: &Path, key: &Path, args: &[&str], repo: &str, digest: &str) {
        let out = Command::new(cosign)
            .args(args)
            .arg("--key")
            .arg(key)
            .args(["--tlog-upload=false", "--allow-http-registry", "--allow-insecure-registry", "-y"])
            .arg(format!("{}/{repo}@{digest}", self.host()))
            .env("COSIGN_PASSWORD", "")
            .output()
            .expect("run cosign");
        assert!(out.status.success(), "cosign {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The digest `repo:tag` points to, as crane reads it.
    pub fn digest(&self, repo: &str, tag: &str) -> String {
        self.crane(&["digest", "--insecure", &format!("{}/{repo}:{tag}", self.host())]).trim().to_string()
    }

    pub fn crane(&self, args: &[&str]) -> String {
        let out = Command::new(&self.crane).args(args).output().expect("run crane");
        assert!(out.status.success(), "crane {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// A tar archive with one file `content.txt` holding `content` (a layer).
fn layer_tar(dir: &Path, content: &str) -> PathBuf {
    let mut header = [0u8; 512];
    let name = b"content.txt";
    header[..name.len()].copy_from_slice(name);
    header[100..107].copy_from_slice(b"0000644");
    header[108..115].copy_from_slice(b"0000000");
    header[116..123].copy_from_slice(b"0000000");
    header[124..135].copy_from_slice(format!("{:011o}", content.len()).as_bytes());
    header[136..147].copy_from_slice(b"00000000000");
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut tar = header.to_vec();
    tar.extend_from_slice(content.as_bytes());
    tar.resize(tar.len().div_ceil(512) * 512 + 1024, 0);
    let path = dir.join("layer.tar");
    std::fs::write(&path, tar).unwrap();
    path
}

/// A TCP relay to `target` that counts the connections it accepts: zero means the
/// upstream behind it was never asked anything.
pub struct CountingRelay {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
}

impl CountingRelay {
    pub fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c1, mut s1) = (client, server);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut s1);
                    let _ = s1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self { port, connections }
    }

    pub fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A token-auth front for a registry, as Docker Hub and most hosted registries do it:
/// `/v2/` requests without `Bearer <token>` get 401 with a `WWW-Authenticate: Bearer
/// realm=…` challenge; the realm (`/token`) hands out the token for `Basic user:password`
/// only; authorised requests are passed to the registry behind. Counts tokens issued.
pub struct TokenGate {
    _server: super::server::Server,
    pub port: u16,
    pub tokens_issued: Arc<AtomicUsize>,
}

impl TokenGate {
    pub fn start(target: u16, user: &'static str, password: &'static str) -> Self {
        use axum::body::Body;
        use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
        let tokens_issued = Arc::new(AtomicUsize::new(0));
        let issued = tokens_issued.clone();
        let port_cell = Arc::new(std::sync::OnceLock::<u16>::new());
        let port_for_handler = port_cell.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
            let issued = issued.clone();
            let port = *port_for_handler.get().unwrap();
            async move {
                use base64::Engine as _;
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                if uri.path() == "/token" {
                    let want = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
                    );
                    if auth != want {
                        return Response::builder().status(StatusCode::UNAUTHORIZED).body(Body::from("{}")).unwrap();
                    }
                    issued.fetch_add(1, Ordering::SeqCst);
                    return Response::builder()
                        .header("content-type", "application/json")
                        .body(Body::from(r#"{"token":"gate-token-1"}"#))
                        .unwrap();
                }
                if auth != "Bearer gate-token-1" {
                    let challenge = format!(
                        r#"Bearer realm="http://127.0.0.1:{port}/token",service="gate",scope="repository:x:pull""#
                    );
                    return Response::builder()
                        .status(StatusCode::UNAUTHORIZED)
                        .header("www-authenticate", challenge)
                        .body(Body::from(r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#))
                        .unwrap();
                }
                let client = reqwest::Client::new();
                let url = format!("http://127.0.0.1:{target}{}", uri.path_and_query().map_or("/", |p| p.as_str()));
                let mut req = client.request(method.clone(), url);
                if let Some(a) = headers.get("accept") {
                    req = req.header("accept", a.clone());
                }
                let resp = req.send().await.unwrap();
                let mut out = Response::builder().status(resp.status().as_u16());
                for h in ["content-type", "docker-content-digest", "content-length"] {
                    if let Some(v) = resp.headers().get(h) {
                        out = out.header(h, v.clone());
                    }
                }
                let body = if method == Method::HEAD { Vec::new() } else { resp.bytes().await.unwrap().to_vec() };
                out.body(Body::from(body)).unwrap()
            }
        });
        let server = super::server::Server::start("127.0.0.1:0", app);
        let port = server.addr.port();
        port_cell.set(port).unwrap();
        Self { _server: server, port, tokens_issued }
    }
}
