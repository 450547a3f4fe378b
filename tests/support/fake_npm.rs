//! A fake npm registry on 127.0.0.1 that speaks the real protocol: packuments (full and
//! abbreviated, ETag/304), tarballs, Bearer auth, and injectable faults (status codes,
//! latency, stalls, tampered bytes, and the transport faults of [`Fault`]: slow drip,
//! a connection broken mid-body, a wrong Content-Length, truncated gzip, 429/500 bursts,
//! redirect loops and redirects to another host). It logs every request so tests can
//! assert what was *not* asked.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha512};

pub use super::faults::Fault;

/// One logged request.
#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub authorization: Option<String>,
    pub if_none_match: Option<String>,
    pub accept: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    docs: HashMap<String, serde_json::Value>,
    /// Packument bodies served as they are (malformed, deep, huge numbers).
    raw: HashMap<String, Vec<u8>>,
    tarballs: HashMap<String, Vec<u8>>,
    attestations: HashMap<String, Vec<u8>>,
    faults: super::faults::FaultTable,
    log: Vec<Logged>,
    latency: Duration,
    token: Option<String>,
    /// Headers sent with every packument answer, 200 and 304 (`Cache-Control`, `Age`).
    packument_headers: Vec<(String, String)>,
    /// Requests being answered now, and the most there have been at once.
    in_flight: usize,
    max_in_flight: usize,
}

/// Counts one request as in flight until dropped (also when the client goes away).
struct InFlight(Arc<Mutex<Inner>>);

impl InFlight {
    fn start(state: &Arc<Mutex<Inner>>) -> Self {
        let mut g = state.lock().unwrap();
        g.in_flight += 1;
        g.max_in_flight = g.max_in_flight.max(g.in_flight);
        Self(state.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

/// A running fake registry. Stops when dropped.
pub struct FakeNpm {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    _server: super::server::Server,
}

pub fn sri_sha512(bytes: &[u8]) -> String {
    format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes)))
}

impl FakeNpm {
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0")
    }

    pub fn start_on(bind: &str) -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let server = super::server::Server::start(bind, Router::new().fallback(handle).with_state(inner.clone()));
        Self { addr: server.addr, inner, _server: server }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Publish `name@version` with a deterministic tarball; returns its SRI integrity.
    pub fn publish(&self, name: &str, version: &str, published_at: &str) -> String {
        let bytes = format!("tarball of {name}@{version} from {}", self.addr).into_bytes();
        self.publish_bytes(name, version, published_at, bytes)
    }

    pub fn publish_bytes(&self, name: &str, version: &str, published_at: &str, bytes: Vec<u8>) -> String {
        let base = name.rsplit('/').next().unwrap();
        let path = format!("{name}/-/{base}-{version}.tgz");
        let integrity = sri_sha512(&bytes);
        let shasum = hex::encode(Sha1::digest(&bytes));
        let mut g = self.inner.lock().unwrap();
        let tarball_url = format!("http://{}/{path}", self.addr);
        let doc = g.docs.entry(name.to_string()).or_insert_with(
            || serde_json::json!({"name": name, "dist-tags": {}, "versions": {}, "time": {"created": published_at}}),
        );
        doc["versions"][version] = serde_json::json!({
            "name": name, "version": version, "license": "MIT",
            "dist": {"integrity": integrity, "shasum": shasum, "tarball": tarball_url}
        });
        doc["time"][version] = serde_json::json!(published_at);
        doc["dist-tags"]["latest"] = serde_json::json!(version);
        g.tarballs.insert(path, bytes);
        integrity
    }

    /// Serve an npm attestations response for `name@version` and advertise it in the
    /// packument (`dist.attestations.url`), as the npm registry does.
    pub fn publish_attestations(&self, name: &str, version: &str, body: Vec<u8>) {
        let key = format!("{name}@{version}");
        let url = format!("http://{}/-/npm/v1/attestations/{key}", self.addr);
        let mut g = self.inner.lock().unwrap();
        g.docs.get_mut(name).unwrap()["versions"][version]["dist"]["attestations"] =
            serde_json::json!({"url": url, "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}});
        g.attestations.insert(key, body);
    }

    /// Advertise attestations in the packument without serving them.
    pub fn advertise_missing_attestations(&self, name: &str, version: &str) {
        let url = format!("http://{}/-/npm/v1/attestations/{name}@{version}", self.addr);
        let mut g = self.inner.lock().unwrap();
        g.docs.get_mut(name).unwrap()["versions"][version]["dist"]["attestations"] = serde_json::json!({"url": url});
    }

    /// Serve `body` as the packument of `name`, byte for byte (it need not be valid JSON).
    pub fn serve_raw(&self, name: &str, body: Vec<u8>) {
        self.inner.lock().unwrap().raw.insert(name.to_string(), body);
    }

    /// Set a field of one version's manifest (e.g. `deprecated`).
    pub fn set_version_field(&self, name: &str, version: &str, key: &str, value: serde_json::Value) {
        let mut g = self.inner.lock().unwrap();
        g.docs.get_mut(name).unwrap()["versions"][version][key] = value;
    }

    /// Inject a fault for requests whose path starts with `prefix` (`*` = every request;
    /// a trailing `$` = exactly that path, e.g. `name$` for the packument but not its tarballs).
    pub fn fault(&self, prefix: &str, fault: Fault) {
        self.inner.lock().unwrap().faults.set(prefix, fault);
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        self.inner.lock().unwrap().faults.clear();
    }

    /// Send these headers with every packument answer, 200 and 304 alike (as
    /// registry.npmjs.org sends `Cache-Control: public, max-age=300`).
    pub fn packument_headers(&self, headers: &[(&str, &str)]) {
        self.inner.lock().unwrap().packument_headers =
            headers.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    }

    pub fn latency(&self, d: Duration) {
        self.inner.lock().unwrap().latency = d;
    }

    /// Require `Authorization: Bearer <token>` on every request.
    pub fn require_token(&self, token: &str) {
        self.require_authorization(&format!("Bearer {token}"));
    }

    /// Require this exact `Authorization` header on every request.
    pub fn require_authorization(&self, header: &str) {
        self.inner.lock().unwrap().token = Some(header.to_string());
    }

    pub fn log(&self) -> Vec<Logged> {
        self.inner.lock().unwrap().log.clone()
    }

    pub fn clear_log(&self) {
        self.inner.lock().unwrap().log.clear();
    }

    /// The most requests answered at once since the start or the last call (which resets it).
    pub fn take_max_in_flight(&self) -> usize {
        let mut g = self.inner.lock().unwrap();
        let now = g.in_flight;
        std::mem::replace(&mut g.max_in_flight, now)
    }

    /// Requests for `name`'s packument or tarballs.
    pub fn requests_for(&self, name: &str) -> Vec<Logged> {
        let escaped = name.replace('/', "%2f");
        self.log()
            .into_iter()
            .filter(|l| {
                let p = l.path.trim_start_matches('/');
                p == name || p == escaped || p.starts_with(&format!("{name}/-/"))
            })
            .collect()
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

async fn handle(State(state): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let _in_flight = InFlight::start(&state);
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let (fault, latency, token) = {
        let mut g = state.lock().unwrap();
        let trimmed = path.trim_start_matches('/');
        let decoded = trimmed.replace("%2f", "/").replace("%2F", "/");
        let g = &mut *g;
        let fault = g.faults.pick(&decoded);
        (fault, g.latency, g.token.clone())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let resp = match fault.as_ref().and_then(|(f, n)| f.before(&path, *n)) {
        Some(r) if token.is_none() || header_str(&headers, header::AUTHORIZATION) == token => r,
        _ => {
            let f = fault.as_ref().map(|(f, _)| f);
            let r = respond(&state, &path, &headers, f, token.as_deref()).await;
            match f {
                Some(f) => f.after(r).await,
                None => r,
            }
        }
    };
    state.lock().unwrap().log.push(Logged {
        path,
        authorization: header_str(&headers, header::AUTHORIZATION),
        if_none_match: header_str(&headers, header::IF_NONE_MATCH),
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
    token: Option<&str>,
) -> Response {
    if let Some(want) = token
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
    let decoded = trimmed.replace("%2f", "/").replace("%2F", "/");
    let g = state.lock().unwrap();
    if let Some(key) = decoded.strip_prefix("-/npm/v1/attestations/") {
        return match g.attestations.get(key) {
            Some(body) => ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response(),
            None => (StatusCode::NOT_FOUND, "{\"error\":\"Not found\"}").into_response(),
        };
    }
    if decoded.contains("/-/") {
        return match g.tarballs.get(&decoded) {
            Some(bytes) => {
                let mut b = bytes.clone();
                if matches!(fault, Some(Fault::TamperTarball)) {
                    b.push(b'!');
                }
                ([(header::CONTENT_TYPE, "application/octet-stream")], b).into_response()
            }
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    if let Some(body) = g.raw.get(&decoded) {
        return ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response();
    }
    let Some(doc) = g.docs.get(&decoded) else {
        return (StatusCode::NOT_FOUND, "{\"error\":\"Not found\"}").into_response();
    };
    let abbreviated =
        header_str(headers, header::ACCEPT).is_some_and(|a| a.starts_with("application/vnd.npm.install-v1+json"));
    let mut doc = doc.clone();
    let content_type = if abbreviated {
        doc.as_object_mut().unwrap().remove("time");
        "application/vnd.npm.install-v1+json"
    } else {
        "application/json"
    };
    let body = serde_json::to_vec(&doc).unwrap();
    let etag = format!("\"{}\"", hex::encode(&Sha512::digest(&body)[..8]));
    let mut r = Response::builder();
    for (k, v) in &g.packument_headers {
        r = r.header(k.as_str(), v.as_str());
    }
    if header_str(headers, header::IF_NONE_MATCH).as_deref() == Some(etag.as_str()) {
        return r.status(StatusCode::NOT_MODIFIED).header(header::ETAG, etag).body(Body::empty()).unwrap();
    }
    r.header(header::CONTENT_TYPE, content_type).header(header::ETAG, etag).body(Body::from(body)).unwrap()
}
