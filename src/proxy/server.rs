//! The HTTP front of the proxy: one listener, four prefixes (`/npm/`, `/pypi/`,
//! `/maven2/`, `/v2/`), client tokens and teams, health, readiness and metrics, and
//! graceful shutdown.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::gate::Gate;
use super::listen::LoadLimits;
use super::respond::{busy, json_error, respond, unrecorded};
pub use super::state::{MAVEN_PREFIX, NPM_PREFIX, OCI_PREFIX, PYPI_PREFIX, Proxy};
use crate::ecosystem::Ecosystem;

/// Largest accepted request path (longer ones are not package requests).
const MAX_PATH: usize = 4096;

/// Largest npm audit request body accepted (as sent, and once gunzipped).
const MAX_AUDIT_BODY: usize = 8 << 20;
const MAX_AUDIT_JSON: usize = 64 << 20;

/// Liveness, readiness and metrics: answered before anything else (no admission queue).
pub const HEALTH_PATH: &str = "/healthz";
pub const READY_PATH: &str = "/readyz";
pub const METRICS_PATH: &str = "/metrics";

/// Every request: counted, then [`answer`]ed.
pub async fn handle(proxy: Arc<Proxy>, request: Request) -> Response {
    let _in_flight = proxy.metrics.enter();
    let ecosystem = route_ecosystem(request.uri().path());
    let access = tracing::enabled!(target: "depgate::access", tracing::Level::DEBUG)
        .then(|| (request.method().clone(), request.uri().path().to_string(), std::time::Instant::now()));
    let response = answer(&proxy, request).await;
    let status = response.status().as_u16();
    proxy.metrics.request(ecosystem.map_or("other", Ecosystem::as_str), status);
    // The access log, one event per request with its fields (`DEPGATE_LOG=depgate::access=debug`;
    // with `--log-format json`, one object per request for a log collector). The path
    // holds no credentials: tokens travel in headers, and upstream URLs are not shown.
    if let Some((method, path, started)) = access {
        tracing::debug!(
            target: "depgate::access",
            method = %method,
            path = %path,
            status,
            micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        );
    }
    response
}

/// The ecosystem whose routes a path is under.
fn route_ecosystem(path: &str) -> Option<Ecosystem> {
    if path.starts_with(NPM_PREFIX) {
        Some(Ecosystem::Npm)
    } else if path.starts_with(PYPI_PREFIX) {
        Some(Ecosystem::Pypi)
    } else if path.starts_with(MAVEN_PREFIX) {
        Some(Ecosystem::Maven)
    } else if path.starts_with(OCI_PREFIX) || path == "/v2" {
        Some(Ecosystem::Oci)
    } else {
        None
    }
}

/// Method, health and auth checks, then the ecosystem by prefix.
async fn answer(proxy: &Arc<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let gate = proxy.gate();
    match uri.path() {
        HEALTH_PATH => return respond(StatusCode::OK, "application/json", b"{\"status\":\"alive\"}".to_vec()),
        READY_PATH => return readiness(proxy, &gate),
        _ => {}
    }
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
    let Some(caller) = proxy.access().identify(&headers) else {
        let mut r = json_error(
            StatusCode::UNAUTHORIZED,
            "a valid token is required (Authorization: Bearer TOKEN, or Basic with the token as password)",
        );
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"depgate\""));
        return r;
    };
    if let Some(team) = caller.team_name() {
        proxy.metrics.team(team);
    }
    if uri.path() == METRICS_PATH {
        let text = proxy.metrics.render(ready(proxy, &gate).is_ok(), gate.audit_failed());
        return respond(StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8", text.into_bytes());
    }
    if let Some(team) = &caller.team
        && let Some(eco) = route_ecosystem(uri.path())
        && !team.may_use(eco)
    {
        return json_error(
            StatusCode::FORBIDDEN,
            &format!(
                "depgate: team `{}` may not use the {eco} chain; ask the proxy's operator to add \"{eco}\" to [teams.{}] chains",
                team.name, team.name
            ),
        );
    }
    if gate.audit_failed() {
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
    // The key a served file is kept ready under: the whole path, when there is no query
    // (and the team, whose name its audit record carries).
    let key: Option<Cow<'_, str>> = (uri.query().is_none() && audit.is_none()).then(|| match caller.team_name() {
        None => Cow::Borrowed(uri.path()),
        Some(t) => Cow::Owned(format!("{t}\u{0}{}", uri.path())),
    });
    let key = key.as_deref();
    super::access::CALLER
        .scope(caller.clone(), async {
            // A repeat of a file already decided and in memory: its record, then its bytes.
            if let Some(hot) = key.and_then(|k| gate.hot(k)) {
                if gate.record_hot(&hot).await.is_err() {
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
                return super::audit::answer(&gate, endpoint, &headers, body, MAX_AUDIT_JSON).await;
            }
            // HEAD: hyper sends the headers (with the length) and leaves the body out.
            if let Some(rest) = path.strip_prefix(NPM_PREFIX) {
                super::handlers::npm(proxy, rest, &headers, key).await
            } else if let Some(rest) = path.strip_prefix(PYPI_PREFIX) {
                super::handlers::pypi(proxy, rest, &headers, key).await
            } else if let Some(rest) = path.strip_prefix(MAVEN_PREFIX) {
                super::handlers::maven(proxy, rest, key).await
            } else if let Some(rest) = path.strip_prefix(OCI_PREFIX).or((path == "/v2").then_some("")) {
                super::oci::handle(proxy, rest).await
            } else {
                json_error(
                    StatusCode::NOT_FOUND,
                    &format!(
                        "depgate serves npm under {NPM_PREFIX}, PyPI under {PYPI_PREFIX}simple/, Maven under {MAVEN_PREFIX} and container images under {OCI_PREFIX}"
                    ),
                )
            }
        })
        .await
}

/// Whether this replica should be sent requests: not draining, and its audit log
/// writable; the reason when not.
fn ready(proxy: &Proxy, gate: &Gate) -> Result<(), &'static str> {
    if proxy.draining.load(Ordering::SeqCst) {
        Err("draining: the proxy is stopping (SIGTERM) and finishes the requests it has")
    } else if gate.audit_failed() {
        Err("the audit log cannot be written, so nothing can be served")
    } else {
        Ok(())
    }
}

/// `/readyz`: 200 when [`ready`], else 503 naming why.
fn readiness(proxy: &Proxy, gate: &Gate) -> Response {
    match ready(proxy, gate) {
        Ok(()) => respond(StatusCode::OK, "application/json", b"{\"status\":\"ready\"}".to_vec()),
        Err(why) => {
            let body = serde_json::json!({"status": "not ready", "reason": why}).to_string();
            respond(StatusCode::SERVICE_UNAVAILABLE, "application/json", body.into_bytes())
        }
    }
}

/// Serve until `shutdown` resolves, then finish the requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    limits: &LoadLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // No router: one handler takes every request (and the path is matched by prefix).
    let answer =
        move |request: hyper::Request<hyper::body::Incoming>| handle(proxy.clone(), request.map(axum::body::Body::new));
    super::listen::serve(listener, answer, limits, shutdown).await
}
