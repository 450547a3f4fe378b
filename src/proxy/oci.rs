//! The OCI distribution API (v2) as a pull-through registry: `/v2/`,
//! `/v2/<name>/manifests/<reference>`, `/v2/<name>/blobs/<digest>` (GET and HEAD) and
//! `/v2/<name>/tags/list`, answered through the `[oci]` chain with the policy applied
//! ([`super::gate::Gate::image_manifest`]). `<name>` is an image name as Docker reads it:
//! `library/nginx` and `nginx` are Docker Hub's, `cgr.dev/chainguard/node` names its
//! registry. Errors use the registry's error body, `{"errors":[{"code", "message"}]}`;
//! a refusal is `DENIED` (403) with the policy's message.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::gate::{BlobAnswer, ManifestAnswer};
use super::respond::{respond, unrecorded};
use super::state::Proxy;
use crate::ecosystem::oci::{ImageKind, parse_digest, parse_reference};
use crate::engine::Decision;
use crate::upstream::Lookup;

/// The registry's error body with `status`.
fn registry_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "message": message}]}).to_string();
    let mut r = respond(status, "application/json", body.into_bytes());
    api_version(&mut r);
    r
}

fn api_version(r: &mut Response) {
    r.headers_mut().insert("docker-distribution-api-version", HeaderValue::from_static("registry/2.0"));
}

/// One request under `/v2/` (`rest` is what follows it).
pub async fn handle(proxy: &Proxy, rest: &str) -> Response {
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() {
        let mut r = respond(StatusCode::OK, "application/json", b"{}".to_vec());
        api_version(&mut r);
        return r;
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return tags(proxy, name).await;
    }
    if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
        return manifest(proxy, name, reference).await;
    }
    if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
        return blob(proxy, name, digest).await;
    }
    registry_error(StatusCode::NOT_FOUND, "UNSUPPORTED", "depgate serves /v2/<name>/manifests/, /blobs/ and /tags/list")
}

/// The repository (`registry/path`) an image name stands for, or why it is none.
fn repository(name: &str) -> Result<String, String> {
    parse_reference(name, ImageKind::Pull, None).map(|r| r.repository()).map_err(|e| e.0)
}

fn name_invalid(message: &str) -> Response {
    registry_error(StatusCode::NOT_FOUND, "NAME_INVALID", message)
}

async fn manifest(proxy: &Proxy, name: &str, reference: &str) -> Response {
    let text = if reference.contains(':') { format!("{name}@{reference}") } else { format!("{name}:{reference}") };
    let image = match parse_reference(&text, ImageKind::Pull, None) {
        Ok(i) => i,
        Err(e) => return registry_error(StatusCode::NOT_FOUND, "MANIFEST_INVALID", &e.0),
    };
    let Ok(answer) = proxy.gate().image_manifest(image).await else { return unrecorded() };
    match answer {
        ManifestAnswer::Served { bytes, media_type, digest, decided } => {
            for f in decided.record.findings.iter().filter(|f| f.level == Decision::Warn) {
                tracing::warn!("{}: {} ({})", decided.record.package.purl, f.finding.msg, f.finding.rule);
            }
            let mut r = respond(StatusCode::OK, &media_type, bytes);
            if let Ok(v) = HeaderValue::from_str(&digest) {
                r.headers_mut().insert("docker-content-digest", v);
            }
            api_version(&mut r);
            r
        }
        ManifestAnswer::Failed(message) => registry_error(StatusCode::BAD_GATEWAY, "UNAVAILABLE", &message),
        ManifestAnswer::Refused(decided) => {
            let rec = &decided.record;
            if let Some(e) = rec.resolution.as_ref().and_then(|r| r.error.as_ref()) {
                if e.status == Some(404) {
                    return registry_error(StatusCode::NOT_FOUND, "MANIFEST_UNKNOWN", &rec.package.purl);
                }
                return registry_error(
                    StatusCode::BAD_GATEWAY,
                    "UNAVAILABLE",
                    &format!("{}: {}", rec.package.purl, e.message),
                );
            }
            if matches!(rec.decision, Decision::Deny | Decision::Quarantine | Decision::Error) {
                let message = super::handlers::policy_message(rec);
                tracing::warn!("blocked {message}");
                let status =
                    if rec.decision == Decision::Error { StatusCode::BAD_GATEWAY } else { StatusCode::FORBIDDEN };
                return registry_error(status, "DENIED", &message);
            }
            registry_error(
                StatusCode::NOT_FOUND,
                "MANIFEST_UNKNOWN",
                &format!("{}: not found at any upstream of the [oci] chain", rec.package.purl),
            )
        }
    }
}

async fn blob(proxy: &Proxy, name: &str, digest: &str) -> Response {
    let repository = match repository(name) {
        Ok(r) => r,
        Err(e) => return name_invalid(&e),
    };
    let digest = match parse_digest(digest) {
        Ok(d) if d.starts_with("sha256:") => d,
        _ => {
            return registry_error(
                StatusCode::NOT_FOUND,
                "DIGEST_INVALID",
                &format!("`{digest}` is not a sha256 digest"),
            );
        }
    };
    match proxy.gate().image_blob(&repository, &digest).await {
        Err(_) => unrecorded(),
        Ok(BlobAnswer::Served(bytes)) => {
            let mut r = respond(StatusCode::OK, "application/octet-stream", bytes);
            if let Ok(v) = HeaderValue::from_str(&digest) {
                r.headers_mut().insert("docker-content-digest", v);
            }
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=31536000"));
            api_version(&mut r);
            r
        }
        Ok(BlobAnswer::Unlisted) => registry_error(
            StatusCode::FORBIDDEN,
            "DENIED",
            &format!(
                "depgate: blob {digest} of {repository} is in no manifest this proxy allowed; pull the image by its tag or digest"
            ),
        ),
        Ok(BlobAnswer::Failed(message)) => registry_error(StatusCode::BAD_GATEWAY, "UNAVAILABLE", &message),
    }
}

async fn tags(proxy: &Proxy, name: &str) -> Response {
    let repository = match repository(name) {
        Ok(r) => r,
        Err(e) => return name_invalid(&e),
    };
    match proxy.gate().image_tags(&repository).await {
        Lookup::Found(body) => {
            // The owner's list, under the name the client asked for.
            let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            v["name"] = serde_json::Value::from(name);
            let mut r = respond(StatusCode::OK, "application/json", v.to_string().into_bytes());
            api_version(&mut r);
            r
        }
        Lookup::NotFound => registry_error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            &format!("{repository} is in no upstream of the [oci] chain"),
        ),
        Lookup::Failed(f) => registry_error(StatusCode::BAD_GATEWAY, "UNAVAILABLE", &f.message),
    }
}
