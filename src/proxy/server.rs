//! The HTTP front of the proxy: one listener, three prefixes (`/npm/`, `/pypi/`,
//! `/maven2/`), optional client token, and graceful shutdown.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;

use super::gate::Gate;
use super::listen::{Admission, Limits};
use crate::upstream::Secret;

/// Where each ecosystem lives under the proxy's root URL.
pub const NPM_PREFIX: &str = "/npm/";
pub const PYPI_PREFIX: &str = "/pypi/";
pub const MAVEN_PREFIX: &str = "/maven2/";

/// Largest accepted request path (longer ones are not package requests).
const MAX_PATH: usize = 4096;

/// What every request handler shares.
pub struct Proxy {
    pub gate: Arc<Gate>,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub root: String,
    /// Clients must present it (`Authorization: Bearer T`, or Basic with T as password).
    pub token: Option<Secret>,
    /// Requests let into the gate at once, and the queue before a 503.
    pub admission: Admission,
}

impl Proxy {
    /// The npm registry URL clients are given (ends in `/`).
    pub fn npm_url(&self) -> String {
        format!("{}{NPM_PREFIX}", self.root)
    }

    /// The PEP 503 index URL for pip (`…/pypi/simple/`).
    pub fn pypi_url(&self) -> String {
        format!("{}{PYPI_PREFIX}simple/", self.root)
    }

    /// The Maven repository URL (ends in `/`).
    pub fn maven_url(&self) -> String {
        format!("{}{MAVEN_PREFIX}", self.root)
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else { return true };
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
        let presented = if let Some(t) = value.strip_prefix("Bearer ") {
            Some(t.trim().to_string())
        } else if let Some(b) = value.strip_prefix("Basic ") {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .and_then(|s| s.split_once(':').map(|(_, p)| p.to_string()))
        } else {
            None
        };
        presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.expose().as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A JSON error body `{"error": message}` with `status`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    respond(status, "application/json", body.into_bytes())
}

/// 503: the audit log cannot be written, and nothing is served that was not recorded.
pub fn unrecorded() -> Response {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the audit log cannot be written, so depgate serves nothing it could not record; see the proxy's log",
    )
}

/// 503 with `Retry-After`: the proxy is at capacity; nothing was decided or recorded.
fn busy(message: &str) -> Response {
    let mut r = json_error(StatusCode::SERVICE_UNAVAILABLE, message);
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

/// A response with a body and its type.
pub fn respond(status: StatusCode, content_type: &str, body: impl Into<bytes::Bytes>) -> Response {
    let body: bytes::Bytes = body.into();
    let len = body.len();
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// Every request: method and auth checks, then the ecosystem by prefix.
pub async fn handle(State(proxy): State<Arc<Proxy>>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return json_error(StatusCode::METHOD_NOT_ALLOWED, "depgate serve is read-only: GET and HEAD only");
    }
    if !proxy.authorized(&headers) {
        let mut r = json_error(StatusCode::UNAUTHORIZED, "a token is required (Authorization: Bearer …)");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"depgate\""));
        return r;
    }
    if proxy.gate.audit_failed() {
        return unrecorded();
    }
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    if path.len() > MAX_PATH {
        return json_error(StatusCode::URI_TOO_LONG, "request path too long");
    }
    if path == "/" || path == "/-/ping" {
        return respond(StatusCode::OK, "application/json", b"{}".to_vec());
    }
    // Held until the answer is built (the body is bytes in memory by then).
    let _place = match proxy.admission.enter().await {
        Ok(place) => place,
        Err(why) => return busy(&why.message(&proxy.admission)),
    };
    // HEAD: hyper sends the headers (with the length) and leaves the body out.
    if let Some(rest) = path.strip_prefix(NPM_PREFIX) {
        super::handlers::npm(&proxy, rest, &headers).await
    } else if let Some(rest) = path.strip_prefix(PYPI_PREFIX) {
        super::handlers::pypi(&proxy, rest, &headers).await
    } else if let Some(rest) = path.strip_prefix(MAVEN_PREFIX) {
        super::handlers::maven(&proxy, rest).await
    } else {
        json_error(
            StatusCode::NOT_FOUND,
            &format!(
                "depgate serves npm under {NPM_PREFIX}, PyPI under {PYPI_PREFIX}simple/ and Maven under {MAVEN_PREFIX}"
            ),
        )
    }
}

/// Serve until `shutdown` resolves, then finish the requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().fallback(handle).with_state(proxy);
    super::listen::serve(listener, app, limits, shutdown).await
}
