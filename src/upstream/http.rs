//! HTTP shared by every registry protocol: one GET with the upstream's credentials,
//! timeout and retry budget, and the metadata cache in front of it (conditional requests
//! on the cached validators).

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};

use super::{FailKind, Failure, Lookup, MAX_BODY, Upstreams, redact_url};
use crate::cache::CacheMeta;
use crate::config::{AuthScheme, Location, Upstream};

pub(super) fn invalid(message: String) -> Failure {
    Failure { kind: FailKind::Invalid, status: None, message }
}

/// `url` as an http(s) URL, or why not (`what` names it for the message).
pub(super) fn http_url(url: &str, what: &str) -> Result<url::Url, Failure> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
        _ => Err(invalid(format!("{what} URL `{url}` is not an http(s) URL"))),
    }
}

/// Buckets of documents that never change once published (a released POM, its checksum
/// and signature files, a wheel's core metadata, attestations of a version): a cached copy
/// is used as is, without asking the upstream again.
const IMMUTABLE: [&str; 7] = [
    "maven-pom-v1",
    "maven-checksum-v1",
    "maven-signature-v1",
    "maven-sigstore-v1",
    "pypi-metadata-v1",
    "pypi-provenance-v1",
    "npm-attestations-v1",
];

/// GET a metadata document through the metadata cache: conditional on the cached
/// validators, the cached body on 304, the cache refreshed on 200. Immutable documents
/// come straight from the cache once it has them.
pub(super) async fn get_cached(
    ups: &Upstreams,
    upstream: &Upstream,
    bucket: &str,
    url: &url::Url,
    accept: &str,
) -> Lookup<(Vec<u8>, CacheMeta)> {
    let cached = ups.cache.get(bucket, url.as_str());
    if IMMUTABLE.contains(&bucket)
        && let Some(c) = cached
    {
        return Lookup::Found((c.body, c.meta));
    }
    match get(ups, upstream, url, accept, cached.as_ref().map(|c| &c.meta)).await {
        Got::NotModified => cached.map_or_else(
            || {
                Lookup::Failed(Failure {
                    kind: FailKind::Status,
                    status: Some(304),
                    message: format!(
                        "upstream `{}` answered 304 Not Modified to an unconditional request for {}",
                        upstream.name,
                        redact_url(url)
                    ),
                })
            },
            |c| Lookup::Found((c.body, c.meta)),
        ),
        Got::Body { bytes, etag, last_modified, content_type } => {
            let meta = CacheMeta { url: redact_url(url), etag, last_modified, content_type };
            if let Err(e) = ups.cache.put(bucket, url.as_str(), &meta, &bytes) {
                tracing::warn!("could not write the metadata cache: {e}");
            }
            Lookup::Found((bytes, meta))
        }
        Got::NotFound => Lookup::NotFound,
        Got::Failed(f) => Lookup::Failed(f),
    }
}

/// GET an artifact (not cached here: the content-addressed store keeps artifacts).
pub(super) async fn fetch(ups: &Upstreams, upstream: &Upstream, url: &str, what: &str) -> Lookup<Vec<u8>> {
    let parsed = match http_url(url, what) {
        Ok(u) => u,
        Err(f) => return Lookup::Failed(f),
    };
    match get(ups, upstream, &parsed, "application/octet-stream", None).await {
        Got::Body { bytes, .. } => Lookup::Found(bytes),
        Got::NotFound => Lookup::NotFound,
        Got::Failed(f) => Lookup::Failed(f),
        Got::NotModified => Lookup::Failed(Failure {
            kind: FailKind::Status,
            status: Some(304),
            message: format!("unexpected 304 for {what} {}", redact_url(&parsed)),
        }),
    }
}

pub(super) enum Got {
    Body { bytes: Vec<u8>, etag: Option<String>, last_modified: Option<String>, content_type: Option<String> },
    NotModified,
    NotFound,
    Failed(Failure),
}

fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// GET with the upstream's credentials, timeout and retry budget.
pub(super) async fn get(
    ups: &Upstreams,
    upstream: &Upstream,
    url: &url::Url,
    accept: &str,
    validators: Option<&CacheMeta>,
) -> Got {
    let shown = redact_url(url);
    let who = &upstream.name;
    let fail = |kind, status: Option<u16>, message: String| Got::Failed(Failure { kind, status, message });
    // Credentials go only to the upstream's own origin, never to a CDN or another host.
    let send_auth = matches!(&upstream.location, Location::Url(base) if same_origin(base, url));
    let auth = match (send_auth, ups.credentials.get(who)) {
        (true, Some(Ok((scheme, secret)))) => Some(match scheme {
            AuthScheme::Bearer => format!("Bearer {}", secret.expose()),
            AuthScheme::Basic => {
                use base64::Engine as _;
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(secret.expose()))
            }
        }),
        (true, Some(Err(var))) => {
            return fail(
                FailKind::Auth,
                None,
                format!(
                    "upstream `{who}` needs the credential in environment variable {var}, which is not set; export it (in CI: from a secret) and run again"
                ),
            );
        }
        _ => None,
    };
    let attempts = upstream.retries + 1;
    let mut last: Option<Got> = None;
    for attempt in 0..attempts {
        if attempt > 0 {
            let backoff = Duration::from_millis(100 * (1 << attempt.min(6)));
            tokio::time::sleep(backoff).await;
        }
        let mut req = ups.client.get(url.clone()).timeout(upstream.timeout).header(ACCEPT, accept);
        if let Some(a) = &auth {
            let mut v = reqwest::header::HeaderValue::from_str(a)
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
            v.set_sensitive(true);
            req = req.header(AUTHORIZATION, v);
        }
        if let Some(m) = validators {
            if let Some(e) = &m.etag {
                req = req.header(IF_NONE_MATCH, e);
            }
            if let Some(lm) = &m.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return fail(
                    FailKind::Timeout,
                    None,
                    format!("upstream `{who}` did not answer within {}s at {shown}", upstream.timeout.as_secs_f64()),
                );
            }
            Err(e) => {
                let e = e.without_url();
                last = Some(fail(
                    FailKind::Connect,
                    None,
                    format!("upstream `{who}` could not be reached at {shown}: {e} (after {} attempt(s))", attempt + 1),
                ));
                continue;
            }
        };
        let status = resp.status();
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_MODIFIED => return Got::NotModified,
            StatusCode::NOT_FOUND | StatusCode::GONE => return Got::NotFound,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return fail(
                    FailKind::Auth,
                    Some(status.as_u16()),
                    format!(
                        "upstream `{who}` refused access ({status}) at {shown}; check the credential configured for it (auth = \"env:…\")"
                    ),
                );
            }
            s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                let kind = if s.is_server_error() { FailKind::Http5xx } else { FailKind::Status };
                let wait = resp
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                last = Some(fail(
                    kind,
                    Some(s.as_u16()),
                    format!("upstream `{who}` answered {s} at {shown} (after {} attempt(s))", attempt + 1),
                ));
                if let Some(secs) = wait.filter(|&w| w <= 30 && attempt + 1 < attempts) {
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                }
                continue;
            }
            s => return fail(FailKind::Status, Some(s.as_u16()), format!("upstream `{who}` answered {s} at {shown}")),
        }
        let header =
            |h| resp.headers().get(h).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_string);
        let etag = header(ETAG);
        let last_modified = header(LAST_MODIFIED);
        let content_type = header(CONTENT_TYPE);
        if resp.content_length().is_some_and(|n| n > MAX_BODY) {
            return fail(
                FailKind::Invalid,
                None,
                format!("upstream `{who}` announced a body over {MAX_BODY} bytes at {shown}"),
            );
        }
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        let mut broken = None;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => {
                    body.extend_from_slice(&c);
                    if body.len() as u64 > MAX_BODY {
                        return fail(
                            FailKind::Invalid,
                            None,
                            format!("upstream `{who}` sent more than {MAX_BODY} bytes at {shown}"),
                        );
                    }
                }
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            }
        }
        match broken {
            None => return Got::Body { bytes: body, etag, last_modified, content_type },
            Some(e) if e.is_timeout() => {
                return fail(
                    FailKind::Timeout,
                    None,
                    format!(
                        "upstream `{who}` did not finish the answer within {}s at {shown}",
                        upstream.timeout.as_secs_f64()
                    ),
                );
            }
            Some(e) => {
                let e = e.without_url();
                last = Some(fail(
                    FailKind::Connect,
                    None,
                    format!("upstream `{who}` broke the connection at {shown}: {e} (after {} attempt(s))", attempt + 1),
                ));
            }
        }
    }
    last.unwrap_or_else(|| fail(FailKind::Connect, None, format!("upstream `{who}`: no attempt made at {shown}")))
}
