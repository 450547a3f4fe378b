//! The HTTP front of the proxy: one listener, four prefixes (`/npm/`, `/pypi/`,
//! `/maven2/`, `/v2/`), optional client token, and graceful shutdown.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::listen::LoadLimits;
use super::respond::{busy, json_error, respond, unrecorded};
pub use super::state::{MAVEN_PREFIX, NPM_PREFIX, OCI_PREFIX, PYPI_PREFIX, Proxy};

/// Largest accepted request path (longer ones are not package requests).
const MAX_PATH: usize = 4096;

/// Largest npm audit request body accepted (as sent, and once gunzipped).
const MAX_AUDIT_BODY: usize = 8 << 20;
const MAX_AUDIT_JSON: usize = 64 << 20;

/// Every request: method and auth checks, then the ecosystem by prefix.
pub async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    // npm's audit endpoints are the only POSTs; they are answered from the advisory
    // database and never reach an upstream.
    let audit = (method == Method::POST)
        .then(|| uri.path().strip_prefix(NPM_PREFIX).and_then(super::audit::endpoint))
        .flatten();
    if method != Method::GET && method != Method::HEAD && audit.is_none() {
        return json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "depgate serve is read-only: GET and HEAD only (and POST to npm's audit endpoints)",
        );
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
    // The key a served file is kept ready under: the whole path, when there is no query.
    let key = (uri.query().is_none() && audit.is_none()).then(|| uri.path());
    // A repeat of a file already decided and in memory: its record, then its bytes.
    if let Some(hot) = key.and_then(|k| proxy.gate.hot(k)) {
        if proxy.gate.record_hot(&hot).await.is_err() {
            return unrecorded();
        }
        return respond(StatusCode::OK, hot.content_type, hot.bytes.clone());
    }
    if let Some(endpoint) = audit {
        let Ok(body) = axum::body::to_bytes(body, MAX_AUDIT_BODY).await else {
            return json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the audit request is larger than {} MiB", MAX_AUDIT_BODY >> 20),
            );
        };
        return super::audit::answer(&proxy.gate, endpoint, &headers, body, MAX_AUDIT_JSON).await;
    }
    // HEAD: hyper sends the headers (with the length) and leaves the body out.
    if let Some(rest) = path.strip_prefix(NPM_PREFIX) {
        super::handlers::npm(&proxy, rest, &headers, key).await
    } else if let Some(rest) = path.strip_prefix(PYPI_PREFIX) {
        super::handlers::pypi(&proxy, rest, &headers, key).await
    } else if let Some(rest) = path.strip_prefix(MAVEN_PREFIX) {
        super::handlers::maven(&proxy, rest, key).await
    } else if let Some(rest) = path.strip_prefix(OCI_PREFIX).or((path == "/v2").then_some("")) {
        super::oci::handle(&proxy, rest).await
    } else {
        json_error(
            StatusCode::NOT_FOUND,
            &format!(
                "depgate serves npm under {NPM_PREFIX}, PyPI under {PYPI_PREFIX}simple/, Maven under {MAVEN_PREFIX} and container images under {OCI_PREFIX}"
            ),
        )
    }
}

/// Serve until `shutdown` resolves, then finish the requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    limits: &LoadLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().fallback(handle).with_state(proxy);
    super::listen::serve(listener, app, limits, shutdown).await
}
