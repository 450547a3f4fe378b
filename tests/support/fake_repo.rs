//! Fake `PyPI` simple index and Maven repository on 127.0.0.1, speaking the real protocols:
//! PEP 691 JSON and PEP 503 HTML by content negotiation (with PEP 700 `upload-time`,
//! PEP 592 yanked, PEP 658 core metadata, PEP 740 provenance links), and the Maven
//! layout (`maven-metadata.xml`, POMs with `Last-Modified`, `.sha1/.sha256/.sha512`,
//! `.sigstore.json`, `.asc`). Faults (status, delay, tampered bytes and the transport
//! faults of [`Fault`]), latency, Bearer auth and a request log, like the fake npm registry.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub use super::faults::Fault;

/// One logged request.
#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub authorization: Option<String>,
    pub accept: Option<String>,
    pub status: u16,
}

struct File {
    content_type: String,
    body: Vec<u8>,
    last_modified: Option<String>,
}

/// One distribution file of a fake `PyPI` project.
#[derive(Debug, Clone)]
pub struct PyFile {
    pub filename: String,
    pub version: String,
    pub sha256: String,
    pub upload_time: String,
    pub yanked: Option<String>,
    pub metadata: Option<Vec<u8>>,
    pub provenance: bool,
}

#[derive(Default)]
struct Inner {
    files: HashMap<String, File>,
    projects: BTreeMap<String, (String, Vec<PyFile>)>,
    faults: super::faults::FaultTable,
    log: Vec<Logged>,
    /// `<lastUpdated>` of every `maven-metadata.xml` written from now on (default
    /// `20240102030405`).
    maven_last_updated: Option<String>,
    latency: Duration,
    authorization: Option<String>,
    /// Serve only PEP 503 HTML, as a plain static index does.
    html_only: bool,
}

/// A running fake repository. Stops when dropped.
pub struct FakeRepo {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    _server: super::server::Server,
}

/// PEP 503 name normalization.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&part.to_ascii_lowercase());
    }
    out
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

impl FakeRepo {
    pub fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let server =
            super::server::Server::start("127.0.0.1:0", Router::new().fallback(handle).with_state(inner.clone()));
        Self { addr: server.addr, inner, _server: server }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The simple index URL (`…/simple/`).
    pub fn simple_url(&self) -> String {
        format!("http://{}/simple/", self.addr)
    }

    /// The Maven repository URL (`…/maven2/`).
    pub fn maven_url(&self) -> String {
        format!("http://{}/maven2/", self.addr)
    }

    /// Serve only HTML pages (a static PEP 503 index).
    pub fn html_only(&self) {
        self.inner.lock().unwrap().html_only = true;
    }

    fn put(&self, path: &str, content_type: &str, body: Vec<u8>, last_modified: Option<&str>) {
        self.inner.lock().unwrap().files.insert(
            path.trim_start_matches('/').to_string(),
            File { content_type: content_type.into(), body, last_modified: last_modified.map(str::to_string) },
        );
    }

    /// Publish a `PyPI` file (bytes are derived from the name unless given); returns its sha256.
    pub fn publish_py(&self, project: &str, version: &str, filename: &str, upload_time: &str) -> String {
        let bytes = format!("{filename} from {}", self.addr).into_bytes();
        self.publish_py_bytes(project, version, filename, upload_time, bytes, None)
    }

    /// Publish a `PyPI` file with these bytes and, optionally, its core metadata (PEP 658).
    pub fn publish_py_bytes(
        &self,
        project: &str,
        version: &str,
        filename: &str,
        upload_time: &str,
        bytes: Vec<u8>,
        metadata: Option<Vec<u8>>,
    ) -> String {
        let sha256 = sha256_hex(&bytes);
        self.put(&format!("files/{filename}"), "application/octet-stream", bytes, None);
        if let Some(m) = &metadata {
            self.put(&format!("files/{filename}.metadata"), "text/plain", m.clone(), None);
        }
        let mut g = self.inner.lock().unwrap();
        let entry = g.projects.entry(normalize(project)).or_insert_with(|| (project.to_string(), Vec::new()));
        entry.1.push(PyFile {
            filename: filename.into(),
            version: version.into(),
            sha256: sha256.clone(),
            upload_time: upload_time.into(),
            yanked: None,
            metadata,
            provenance: false,
        });
        sha256
    }

    /// Mark every file of `project==version` yanked with `reason`.
    pub fn yank_py(&self, project: &str, version: &str, reason: &str) {
        let mut g = self.inner.lock().unwrap();
        if let Some((_, files)) = g.projects.get_mut(&normalize(project)) {
            for f in files.iter_mut().filter(|f| f.version == version) {
                f.yanked = Some(reason.into());
            }
        }
    }

    /// Serve a PEP 740 provenance object for a file and link it from the JSON page.
    pub fn publish_provenance(&self, project: &str, version: &str, filename: &str, body: Vec<u8>) {
        self.put(
            &format!("integrity/{}/{version}/{filename}/provenance", normalize(project)),
            "application/json",
            body,
            None,
        );
        let mut g = self.inner.lock().unwrap();
        if let Some((_, files)) = g.projects.get_mut(&normalize(project)) {
            for f in files.iter_mut().filter(|f| f.filename == filename) {
                f.provenance = true;
            }
        }
    }

    /// Publish a Maven artifact (jar unless `extension` says otherwise) with its POM,
    /// `.sha1` and `.sha256` checksum files, and regenerate `maven-metadata.xml`.
    /// Returns the artifact's sha256.
    pub fn publish_maven(&self, ga: &str, version: &str, last_modified: &str) -> String {
        let bytes = format!("{ga}:{version} jar from {}", self.addr).into_bytes();
        self.publish_maven_bytes(ga, version, None, "jar", bytes, last_modified, &["sha1", "sha256"])
    }

    #[allow(clippy::too_many_arguments)]
    pub fn publish_maven_bytes(
        &self,
        ga: &str,
        version: &str,
        classifier: Option<&str>,
        extension: &str,
        bytes: Vec<u8>,
        last_modified: &str,
        checksums: &[&str],
    ) -> String {
        let (g, a) = ga.split_once(':').unwrap();
        let dir = format!("maven2/{}/{a}/{version}", g.replace('.', "/"));
        let file = match classifier {
            Some(c) => format!("{a}-{version}-{c}.{extension}"),
            None => format!("{a}-{version}.{extension}"),
        };
        let pom = format!(
            "<?xml version=\"1.0\"?>\n<project><modelVersion>4.0.0</modelVersion><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{version}</version><packaging>jar</packaging><licenses><license><name>The Apache Software License, Version 2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license></licenses></project>\n"
        );
        self.put(&format!("{dir}/{a}-{version}.pom"), "text/xml", pom.into_bytes(), Some(last_modified));
        let sha256 = sha256_hex(&bytes);
        for algo in checksums {
            let sum = match *algo {
                "sha1" => hex::encode(Sha1::digest(&bytes)),
                "sha256" => sha256.clone(),
                "sha512" => hex::encode(Sha512::digest(&bytes)),
                other => panic!("unknown checksum {other}"),
            };
            self.put(&format!("{dir}/{file}.{algo}"), "text/plain", sum.into_bytes(), None);
        }
        self.put(&format!("{dir}/{file}"), "application/java-archive", bytes, Some(last_modified));
        self.rewrite_metadata(ga, version);
        sha256
    }

    /// Serve a signature file beside a Maven artifact (`sigstore.json` or `asc`).
    pub fn publish_maven_signature(&self, ga: &str, version: &str, ext: &str, body: Vec<u8>) {
        let (g, a) = ga.split_once(':').unwrap();
        let path = format!("maven2/{}/{a}/{version}/{a}-{version}.jar.{ext}", g.replace('.', "/"));
        self.put(&path, "application/octet-stream", body, None);
    }

    /// The `<lastUpdated>` stamp (`yyyyMMddHHmmss`) of the metadata written by later
    /// publications (a repository that regenerated its metadata then).
    pub fn set_maven_last_updated(&self, stamp: &str) {
        self.inner.lock().unwrap().maven_last_updated = Some(stamp.to_string());
    }

    /// Serve the file at `path` (under the server root) with this `Last-Modified`, or none.
    pub fn set_last_modified(&self, path: &str, last_modified: Option<&str>) {
        let mut g = self.inner.lock().unwrap();
        let f = g.files.get_mut(path.trim_start_matches('/')).unwrap_or_else(|| panic!("no file {path}"));
        f.last_modified = last_modified.map(str::to_string);
    }

    /// Serve any file at `path` (under the server root), without `Last-Modified`.
    pub fn serve_file(&self, path: &str, content_type: &str, body: Vec<u8>) {
        self.put(path, content_type, body, None);
    }

    /// Remove `maven-metadata.xml` of `ga` (a repository without metadata).
    pub fn drop_maven_metadata(&self, ga: &str) {
        let (g, a) = ga.split_once(':').unwrap();
        self.inner.lock().unwrap().files.remove(&format!("maven2/{}/{a}/maven-metadata.xml", g.replace('.', "/")));
    }

    fn rewrite_metadata(&self, ga: &str, version: &str) {
        let (g, a) = ga.split_once(':').unwrap();
        let path = format!("maven2/{}/{a}/maven-metadata.xml", g.replace('.', "/"));
        let mut versions: Vec<String> = {
            let inner = self.inner.lock().unwrap();
            let prefix = format!("maven2/{}/{a}/", g.replace('.', "/"));
            inner
                .files
                .keys()
                .filter_map(|k| k.strip_prefix(&prefix))
                .filter(|rest| std::path::Path::new(rest).extension().is_some_and(|e| e == "pom"))
                .filter_map(|rest| rest.split('/').next().map(str::to_string))
                .collect()
        };
        if !versions.contains(&version.to_string()) {
            versions.push(version.to_string());
        }
        versions.sort();
        versions.dedup();
        let list: String = versions.iter().fold(String::new(), |mut acc, v| {
            use std::fmt::Write as _;
            let _ = write!(acc, "<version>{v}</version>");
            acc
        });
        let newest = versions.last().cloned().unwrap_or_default();
        let stamp =
            self.inner.lock().unwrap().maven_last_updated.clone().unwrap_or_else(|| "20240102030405".to_string());
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata><groupId>{g}</groupId><artifactId>{a}</artifactId><versioning><latest>{newest}</latest><release>{newest}</release><versions>{list}</versions><lastUpdated>{stamp}</lastUpdated></versioning></metadata>\n"
        );
        self.put(&path, "text/xml", xml.into_bytes(), None);
    }

    /// Inject a fault for requests whose path (without the leading `/`) starts with `prefix`
    /// (`*` = every request; a trailing `$` = exactly that path).
    pub fn fault(&self, prefix: &str, fault: Fault) {
        self.inner.lock().unwrap().faults.set(prefix, fault);
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        self.inner.lock().unwrap().faults.clear();
    }

    pub fn latency(&self, d: Duration) {
        self.inner.lock().unwrap().latency = d;
    }

    pub fn require_token(&self, token: &str) {
        self.require_authorization(&format!("Bearer {token}"));
    }

    /// Require this exact `Authorization` header on every request (`Basic …` for a user
    /// and password).
    pub fn require_authorization(&self, header: &str) {
        self.inner.lock().unwrap().authorization = Some(header.to_string());
    }

    pub fn log(&self) -> Vec<Logged> {
        self.inner.lock().unwrap().log.clone()
    }

    /// Requests whose path contains `needle`.
    pub fn requests_containing(&self, needle: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.path.contains(needle)).collect()
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

async fn handle(State(state): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let (fault, latency, auth) = {
        let mut g = state.lock().unwrap();
        let trimmed = path.trim_start_matches('/');
        let g = &mut *g;
        let fault = g.faults.pick(trimmed);
        (fault, g.latency, g.authorization.clone())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let resp = match fault.as_ref().and_then(|(f, n)| f.before(&path, *n)) {
        Some(r) if auth.is_none() || header_str(&headers, header::AUTHORIZATION) == auth => r,
        _ => {
            let f = fault.as_ref().map(|(f, _)| f);
            let r = respond(&state, &path, &headers, f, auth.as_deref()).await;
            match f {
                Some(f) => f.after(r).await,
                None => r,
            }
        }
    };
    state.lock().unwrap().log.push(Logged {
        path,
        authorization: header_str(&headers, header::AUTHORIZATION),
        accept: header_str(&headers, header::ACCEPT),
        status: resp.status().as_u16(),
    });
    resp
}

async fn respond(
    state: &Arc<Mutex<Inner>>,
    path: &str,
    headers: &HeaderMap,
    fault: Option<&Fault>,
    auth: Option<&str>,
) -> Response {
    if let Some(want) = auth
        && header_str(headers, header::AUTHORIZATION).as_deref() != Some(want)
    {
        return (StatusCode::UNAUTHORIZED, "authentication required").into_response();
    }
    match fault {
        Some(Fault::Status(s)) => return (StatusCode::from_u16(*s).unwrap(), "injected fault").into_response(),
        Some(Fault::Delay(d)) => tokio::time::sleep(*d).await,
        _ => {}
    }
    let trimmed = path.trim_start_matches('/');
    let g = state.lock().unwrap();
    if let Some(project) = trimmed.strip_prefix("simple/").and_then(|p| p.strip_suffix('/')) {
        let Some((name, files)) = g.projects.get(&normalize(project)) else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        if normalize(project) != project {
            // PyPI redirects to the normalized URL.
            return Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(header::LOCATION, format!("/simple/{}/", normalize(project)))
                .body(Body::empty())
                .unwrap();
        }
        let accept = header_str(headers, header::ACCEPT).unwrap_or_default();
        let json = !g.html_only && accept.contains("application/vnd.pypi.simple.v1+json");
        return if json { json_page(name, files) } else { html_page(name, files) };
    }
    match g.files.get(trimmed) {
        Some(f) => {
            let mut body = f.body.clone();
            if matches!(fault, Some(Fault::TamperTarball)) {
                body.push(b'!');
            }
            let mut b = Response::builder().header(header::CONTENT_TYPE, f.content_type.clone());
            if let Some(lm) = &f.last_modified {
                b = b.header(header::LAST_MODIFIED, lm.clone());
            }
            b.body(Body::from(body)).unwrap()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn json_page(name: &str, files: &[PyFile]) -> Response {
    let mut versions: Vec<&str> = files.iter().map(|f| f.version.as_str()).collect();
    versions.sort_unstable();
    versions.dedup();
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let mut v = serde_json::json!({
                "filename": f.filename,
                "url": format!("../../files/{}", f.filename),
                "hashes": {"sha256": f.sha256},
                "upload-time": f.upload_time,
                "yanked": f.yanked.clone().map_or(serde_json::Value::Bool(false), serde_json::Value::String),
            });
            if let Some(m) = &f.metadata {
                v["core-metadata"] = serde_json::json!({"sha256": sha256_hex(m)});
            }
            if f.provenance {
                v["provenance"] = serde_json::json!(format!(
                    "../../integrity/{}/{}/{}/provenance",
                    normalize(name),
                    f.version,
                    f.filename
                ));
            }
            v
        })
        .collect();
    let doc = serde_json::json!({"meta": {"api-version": "1.1"}, "name": normalize(name), "versions": versions, "files": files});
    ([(header::CONTENT_TYPE, "application/vnd.pypi.simple.v1+json")], serde_json::to_vec(&doc).unwrap()).into_response()
}

fn html_page(name: &str, files: &[PyFile]) -> Response {
    use std::fmt::Write as _;
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for {name}</title></head><body><h1>Links for {name}</h1>\n"
    );
    for f in files {
        let mut attrs = String::new();
        if let Some(reason) = &f.yanked {
            let _ = write!(attrs, " data-yanked=\"{}\"", reason.replace('&', "&amp;").replace('"', "&quot;"));
        }
        if let Some(m) = &f.metadata {
            let _ = write!(attrs, " data-core-metadata=\"sha256={}\"", sha256_hex(m));
        }
        let _ =
            writeln!(html, "<a href=\"../../files/{}#sha256={}\"{attrs}>{}</a><br/>", f.filename, f.sha256, f.filename);
    }
    html.push_str("</body></html>\n");
    ([(header::CONTENT_TYPE, "text/html")], html).into_response()
}
