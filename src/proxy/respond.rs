//! Responses every route builds: a body with its type and length, JSON errors, the 503s.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

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
pub fn busy(message: &str) -> Response {
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
