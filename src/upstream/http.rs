//! HTTP shared by every registry protocol: one GET with the upstream's credentials,
//! timeout and retry budget, and the metadata cache in front of it (conditional requests
//! on the cached validators).

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, AGE, AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};

use super::body::{BodyKind, BodySink};
use super::hosts::{self, Tripped};
use super::{CONNECT_TIMEOUT, FailKind, Failure, Lookup, Upstreams};
use crate::cache::CacheMeta;
use crate::config::{AuthScheme, Location, Upstream};
use crate::redact::redact_url;

pub(super) fn invalid(message: String) -> Failure {
    Failure::new(FailKind::Invalid, None, message)
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
const IMMUTABLE: [&str; 8] = [
    "openvet-object-v1",
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
    let cached = match ups.cache.get(bucket, url.as_str()) {
        Some(c) if IMMUTABLE.contains(&bucket) || ups.fresh(&c.meta) => {
            tracing::debug!(target: "depgate::http", "GET {} → fresh in the cache, not asked", c.meta.url);
            return Lookup::Found((c.body, c.meta));
        }
        other => other,
    };
    let kind = BodyKind::of_bucket(bucket);
    let validators = cached.as_ref().map(|c| &c.meta);
    let mut got = get(ups, upstream, url, accept, kind, validators).await;
    // A document that does not read to its end was most likely cut short on the way:
    // asked again within the retry budget.
    for _ in 0..upstream.retries {
        match &got {
            Got::Body { bytes, content_type, .. } if !complete_document(bucket, content_type.as_deref(), bytes) => {
                tracing::warn!(
                    "upstream `{}` sent an incomplete document at {}; asking again",
                    upstream.name,
                    redact_url(url)
                );
                got = get(ups, upstream, url, accept, kind, validators).await;
            }
            _ => break,
        }
    }
    match got {
        Got::NotModified { fresh_for } => {
            let Some(mut c) = cached else {
                return Lookup::Failed(Failure::new(
                    FailKind::Status,
                    Some(304),
                    format!(
                        "upstream `{}` answered 304 Not Modified to an unconditional request for {}",
                        upstream.name,
                        redact_url(url)
                    ),
                ));
            };
            // The registry says for how long the copy stays current: kept with it, so that
            // the next run inside that window does not ask.
            let fresh_until = ups.fresh_until(fresh_for);
            if fresh_until != c.meta.fresh_until {
                c.meta.fresh_until = fresh_until;
                if let Err(e) = ups.cache.put(bucket, url.as_str(), &c.meta, &c.body) {
                    tracing::warn!("could not write the metadata cache: {e}");
                }
            }
            Lookup::Found((c.body, c.meta))
        }
        Got::Body { bytes, etag, last_modified, content_type, fresh_for, .. } => {
            let meta = CacheMeta {
                url: redact_url(url),
                etag,
                last_modified,
                content_type,
                fresh_until: ups.fresh_until(fresh_for),
            };
            // A body cut short (a Content-Length smaller than the document) looks like a
            // whole answer: kept with its validators it would be revalidated (304) and
            // reused on every later run. Only documents that read to their end are kept.
            if !complete_document(bucket, meta.content_type.as_deref(), &bytes) {
                tracing::warn!("upstream `{}` sent an incomplete document at {}; not cached", upstream.name, meta.url);
            } else if let Err(e) = ups.cache.put(bucket, url.as_str(), &meta, &bytes) {
                tracing::warn!("could not write the metadata cache: {e}");
            }
            Lookup::Found((bytes, meta))
        }
        Got::NotFound => Lookup::NotFound,
        Got::Challenge(_) => Lookup::Failed(Got::challenge_failure(&upstream.name, &redact_url(url))),
        Got::Failed(f) => Lookup::Failed(f),
    }
}

/// For how many seconds an answer may be used without asking again, as its headers say
/// (RFC 9111): `Cache-Control: max-age` less the `Age` it already has in a cache on the
/// way. `no-cache` and `no-store` (and no `max-age`) mean it must be asked for every time.
pub(super) fn fresh_for(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let mut max_age = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { return None };
        for directive in value.split(',') {
            let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "no-cache" | "no-store" => return None,
                // Two different values are a conflict the RFC says to treat as stale.
                "max-age" => match (max_age, arg.trim().trim_matches('"').parse::<u64>()) {
                    (None, Ok(n)) => max_age = Some(n),
                    (Some(m), Ok(n)) if m == n => {}
                    _ => return None,
                },
                _ => {}
            }
        }
    }
    let age = headers.get(AGE).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
    max_age?.checked_sub(age).filter(|&n| n > 0)
}

/// GET an artifact (not cached here: the content-addressed store keeps artifacts).
pub(super) async fn fetch(ups: &Upstreams, upstream: &Upstream, url: &str, what: &str) -> Lookup<Vec<u8>> {
    let parsed = match http_url(url, what) {
        Ok(u) => u,
        Err(f) => return Lookup::Failed(f),
    };
    match get(ups, upstream, &parsed, "application/octet-stream", BodyKind::Artifact, None).await {
        Got::Body { bytes, .. } => Lookup::Found(bytes),
        Got::NotFound => Lookup::NotFound,
        Got::Failed(f) => Lookup::Failed(f),
        Got::Challenge(_) => Lookup::Failed(Got::challenge_failure(&upstream.name, &redact_url(&parsed))),
        Got::NotModified { .. } => Lookup::Failed(Failure::new(
            FailKind::Status,
            Some(304),
            format!("unexpected 304 for {what} {}", redact_url(&parsed)),
        )),
    }
}

/// Whether a document of `bucket` reads to its end: JSON parses, XML closes every element
/// it opens, a checksum file holds a whole hex digest. Other kinds (HTML pages, core
/// metadata, `.asc`) cannot be told complete and are taken as they are.
fn complete_document(bucket: &str, content_type: Option<&str>, body: &[u8]) -> bool {
    let json = bucket.starts_with("npm-")
        || matches!(bucket, "pypi-provenance-v1" | "maven-sigstore-v1")
        || (bucket == "pypi-simple-v1" && content_type.is_some_and(|c| c.contains("json")));
    if json {
        return serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    }
    match bucket {
        "maven-metadata-v1" | "maven-pom-v1" => xml_closes(body),
        "maven-checksum-v1" => {
            let text = String::from_utf8_lossy(body);
            let word = text.split_whitespace().next().unwrap_or_default();
            matches!(word.len(), 32 | 40 | 64 | 128) && word.bytes().all(|b| b.is_ascii_hexdigit())
        }
        _ => true,
    }
}

/// Every element opened is closed, and there is one.
fn xml_closes(body: &[u8]) -> bool {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let (mut depth, mut seen) = (0usize, false);
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => {
                depth += 1;
                seen = true;
            }
            Ok(Event::Empty(_)) => seen = true,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => return seen && depth == 0,
            Err(_) => return false,
            Ok(_) => {}
        }
        buf.clear();
    }
}

pub(super) enum Got {
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        content_type: Option<String>,
        /// The headers [`Extra::capture`] asked for, by lowercase name, when present.
        captured: Vec<(String, String)>,
        /// How long the answer may be used without asking again ([`fresh_for`]).
        fresh_for: Option<u64>,
    },
    /// 304: the cached copy is current, and may be used for `fresh_for` more seconds.
    NotModified {
        fresh_for: Option<u64>,
    },
    NotFound,
    /// 401 with a `WWW-Authenticate` challenge, when [`Extra::challenge`] asked for it
    /// (a container registry's token dance); the header's value.
    Challenge(String),
    Failed(Failure),
}

impl Got {
    /// A challenge nobody asked for is an authentication failure.
    pub(super) fn challenge_failure(who: &str, shown: &str) -> Failure {
        Failure::new(
            FailKind::Auth,
            Some(401),
            format!(
                "upstream `{who}` refused access (401 Unauthorized) at {shown}; check the credential configured for it (auth = \"env:…\")"
            ),
        )
    }
}

/// What a request needs beyond the upstream's own settings (container registries).
#[derive(Default)]
pub(super) struct Extra<'a> {
    /// `Authorization` to send instead of the upstream's credential (a registry token).
    pub authorization: Option<&'a str>,
    /// Response headers to hand back (`docker-content-digest`).
    pub capture: &'a [&'a str],
    /// A 401 with `WWW-Authenticate` comes back as [`Got::Challenge`].
    pub challenge: bool,
}

fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// GET with the upstream's credentials, timeout and retry budget; the body bounded by the
/// `[limits]` ceiling of its `kind`.
pub(super) async fn get(
    ups: &Upstreams,
    upstream: &Upstream,
    url: &url::Url,
    accept: &str,
    kind: BodyKind,
    validators: Option<&CacheMeta>,
) -> Got {
    send(ups, upstream, url, accept, kind, validators, Verb::Get, &Extra::default()).await
}

/// What a request does: GET a document, HEAD for its headers only, POST a JSON document.
#[derive(Clone, Copy)]
pub(super) enum Verb<'a> {
    Get,
    Head,
    Post(&'a bytes::Bytes),
}

/// The `Last-Modified` of `url` (HEAD), through the metadata cache under `bucket`: the
/// date of a released file does not change, so it is asked for once. `Found(None)`: the
/// upstream gives no date.
pub(super) async fn last_modified(
    ups: &Upstreams,
    upstream: &Upstream,
    bucket: &str,
    url: &url::Url,
) -> Lookup<Option<String>> {
    if let Some(c) = ups.cache.get(bucket, url.as_str()) {
        return Lookup::Found(c.meta.last_modified);
    }
    match send(ups, upstream, url, "*/*", BodyKind::Artifact, None, Verb::Head, &Extra::default()).await {
        Got::Body { etag, last_modified, content_type, .. } => {
            let meta = CacheMeta { url: redact_url(url), etag, last_modified, content_type, fresh_until: None };
            if let Err(e) = ups.cache.put(bucket, url.as_str(), &meta, b"") {
                tracing::warn!("could not write the metadata cache: {e}");
            }
            Lookup::Found(meta.last_modified)
        }
        Got::NotModified { .. } => Lookup::Found(None),
        Got::NotFound => Lookup::NotFound,
        Got::Challenge(_) => Lookup::Failed(Got::challenge_failure(&upstream.name, &redact_url(url))),
        Got::Failed(f) => Lookup::Failed(f),
    }
}

/// [`get`], or a POST of the JSON document `post` (the OSV API's `querybatch`), with the
/// same credentials, timeout, retries and limits.
#[allow(clippy::too_many_arguments)] // one request's whole description, passed through
pub(super) async fn send(
    ups: &Upstreams,
    upstream: &Upstream,
    url: &url::Url,
    accept: &str,
    kind: BodyKind,
    validators: Option<&CacheMeta>,
    verb: Verb<'_>,
    extra: &Extra<'_>,
) -> Got {
    let shown = redact_url(url);
    let who = &upstream.name;
    let fail = |kind, status: Option<u16>, message: String| Got::Failed(Failure::new(kind, status, message));
    // Credentials go only to the upstream's own origin, never to a CDN or another host.
    let send_auth = matches!(&upstream.location, Location::Url(base) if same_origin(base, url));
    let auth = match (send_auth, ups.credentials.get(who)) {
        _ if extra.authorization.is_some() => extra.authorization.map(str::to_string),
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
    let method = match verb {
        Verb::Get => "GET",
        Verb::Head => "HEAD",
        Verb::Post(_) => "POST",
    };
    let mut last: Option<Got> = None;
    for attempt in 0..attempts {
        if attempt > 0 {
            let backoff = Duration::from_millis(100 * (1 << attempt.min(6)));
            tokio::time::sleep(backoff).await;
        }
        // Until the host has answered, one request at a time; an open circuit refuses at once.
        let pass = match ups.hosts.admit(url).await {
            Ok(p) => p,
            Err(t) => {
                tracing::debug!(target: "depgate::http", "{method} {shown} → not sent (circuit open)");
                // A request that was sent and failed keeps its own failure; only one
                // never sent is the circuit's.
                return last.unwrap_or_else(|| Got::Failed(circuit_open(who, &shown, url, &t)));
            }
        };
        let req = match verb {
            Verb::Post(body) => {
                ups.client.post(url.clone()).header(CONTENT_TYPE, "application/json").body(body.clone())
            }
            Verb::Head => ups.client.head(url.clone()),
            Verb::Get => ups.client.get(url.clone()),
        };
        let mut req =
            req.timeout(upstream.timeout).header(ACCEPT, accept).header(ACCEPT_ENCODING, kind.accept_encoding());
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
        let sent = Instant::now();
        let resp = req.send().await;
        if let Some(m) = &ups.metrics {
            m.upstream(who, resp.as_ref().ok().map(|r| r.status().as_u16()), sent.elapsed());
        }
        let resp = match resp {
            Ok(r) => {
                pass.answered();
                r
            }
            Err(e) if e.is_timeout() => {
                // What was waited for, measured: a connection that never came is bounded by
                // the client's connect timeout, an answer by the upstream's timeout_secs.
                let waited = sent.elapsed().as_secs_f64();
                let limit = upstream.timeout.as_secs_f64();
                let (cause, message) = if e.is_connect() {
                    (
                        format!("no connection within {waited:.1}s"),
                        format!(
                            "upstream `{who}` could not connect within {waited:.1}s at {shown} (connect timeout {}s)",
                            CONNECT_TIMEOUT.as_secs()
                        ),
                    )
                } else {
                    (
                        format!("no answer within {waited:.1}s"),
                        format!(
                            "upstream `{who}` did not answer within {waited:.1}s at {shown} (timeout_secs = {limit})"
                        ),
                    )
                };
                tracing::debug!(target: "depgate::http", "{method} {shown} → {cause}");
                pass.failed(FailKind::Timeout, &cause, attempts, who);
                return fail(FailKind::Timeout, None, message);
            }
            Err(e) => {
                let (redirect, connect) = (e.is_redirect(), e.is_connect());
                let e = with_causes(&e.without_url());
                let cause = e.strip_prefix("error sending request: ").unwrap_or(&e);
                tracing::debug!(
                    target: "depgate::http",
                    "{method} {shown} → {cause} after {:.0} ms",
                    sent.elapsed().as_secs_f64() * 1000.0
                );
                if redirect {
                    // The host answered (with redirects that led nowhere).
                    pass.answered();
                } else if connect {
                    // No connection: refused, unreachable, DNS, TLS handshake.
                    pass.failed(FailKind::Connect, cause, attempts, who);
                } else {
                    // Connected, then the answer broke off: the host is there; neither
                    // an answer nor a failure of the host.
                    drop(pass);
                }
                last = Some(fail(
                    FailKind::Connect,
                    None,
                    format!("upstream `{who}` could not be reached at {shown}: {e} (after {} attempt(s))", attempt + 1),
                ));
                continue;
            }
        };
        tracing::debug!(
            target: "depgate::http",
            "{method} {shown} → {} in {:.0} ms{}",
            resp.status(),
            sent.elapsed().as_secs_f64() * 1000.0,
            if attempt > 0 { format!(" (attempt {})", attempt + 1) } else { String::new() }
        );
        // Documents come from the upstream's own origin only: one that redirects them to
        // another host would make that host the owner of the name (and it gets no
        // credentials, so a private registry's answer cannot be what it sends). Artifacts
        // may live on a CDN: their digests come from the documents.
        if kind != BodyKind::Artifact && !same_origin(resp.url(), url) {
            return fail(
                FailKind::Invalid,
                None,
                format!(
                    "upstream `{who}` redirected {shown} to another host ({}); depgate takes metadata only from the upstream's own origin: if the registry moved, set the upstream's url to its new address",
                    resp.url().origin().ascii_serialization()
                ),
            );
        }
        let status = resp.status();
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_MODIFIED => return Got::NotModified { fresh_for: fresh_for(resp.headers()) },
            StatusCode::NOT_FOUND | StatusCode::GONE => return Got::NotFound,
            StatusCode::UNAUTHORIZED
                if extra.challenge
                    && let Some(c) =
                        resp.headers().get(reqwest::header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()) =>
            {
                return Got::Challenge(c.to_string());
            }
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
        let fresh_for = fresh_for(resp.headers());
        let captured: Vec<(String, String)> = extra
            .capture
            .iter()
            .filter_map(|h| {
                resp.headers().get(*h).and_then(|v| v.to_str().ok()).map(|v| ((*h).to_string(), v.to_string()))
            })
            .collect();
        let max = kind.max(&ups.limits);
        let over = |what: &str| {
            fail(
                FailKind::Invalid,
                None,
                format!(
                    "upstream `{who}` {what} {} over {} ({}) at {shown}; raise [limits] {} in depgate.toml if this is expected",
                    kind.noun(),
                    kind.key(),
                    crate::units::human_bytes(max),
                    kind.key()
                ),
            )
        };
        if matches!(verb, Verb::Head) {
            return Got::Body { bytes: Vec::new(), etag, last_modified, content_type, captured, fresh_for };
        }
        if resp.content_length().is_some_and(|n| n > max) {
            return over("announced");
        }
        let encoding = header(CONTENT_ENCODING);
        let mut sink = match BodySink::new(encoding.as_deref(), max, ups.limits.max_decompression_ratio) {
            Ok(s) => s,
            Err(e) => {
                return fail(FailKind::Invalid, None, format!("upstream `{who}` answered {shown} with {e}"));
            }
        };
        let mut stream = resp.bytes_stream();
        let mut broken = None;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => match sink.push(&c) {
                    Ok(()) => {}
                    Err(super::body::SinkError::TooLarge) => return over("sent"),
                    Err(e) => return fail(FailKind::Invalid, None, format!("upstream `{who}` sent {e} at {shown}")),
                },
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            }
        }
        let body = if broken.is_none() {
            match sink.finish() {
                Ok(b) => b,
                Err(e) => {
                    // A gzip stream cut short is a broken transfer: retried like one.
                    last = Some(fail(
                        FailKind::Connect,
                        None,
                        format!("upstream `{who}` sent {e} at {shown} (after {} attempt(s))", attempt + 1),
                    ));
                    continue;
                }
            }
        } else {
            Vec::new()
        };
        match broken {
            None => return Got::Body { bytes: body, etag, last_modified, content_type, captured, fresh_for },
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
                let e = with_causes(&e.without_url());
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

/// The failure of a request not sent because its host's circuit is open: the same kind
/// as the failures that opened it, and their cause.
fn circuit_open(who: &str, shown: &str, url: &url::Url, t: &Tripped) -> Failure {
    let mut f = Failure::new(
        t.kind,
        None,
        format!(
            "upstream `{who}` was not asked for {shown}: {} {} in this run (circuit open; asked again after {}s)",
            hosts::origin_of(url),
            hosts::describe(t),
            hosts::COOL_OFF.as_secs()
        ),
    );
    f.circuit_open = true;
    f
}

/// An HTTP client error with the chain of causes under it (`error sending request: client
/// error (Connect): invalid peer certificate: UnknownIssuer`): the top line alone does not
/// say whether a certificate, a refused connection or a reset was the cause. The causes
/// are transport errors (no URL; the caller removed the client's own).
fn with_causes(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let line = cause.to_string();
        // Layers often repeat their inner error's text in their own.
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn freshness_is_max_age_less_age_and_never_guessed() {
        assert_eq!(fresh_for(&headers(&[("cache-control", "public, max-age=300")])), Some(300));
        assert_eq!(fresh_for(&headers(&[("cache-control", "MAX-AGE=\"60\"")])), Some(60));
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=300"), ("age", "120")])), Some(180));
        // Already as old as allowed, or older: stale.
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=300"), ("age", "300")])), None);
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=300"), ("age", "900")])), None);
        // Must revalidate, or no word on it at all: asked every time.
        assert_eq!(fresh_for(&headers(&[("cache-control", "no-cache, max-age=300")])), None);
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=300"), ("cache-control", "no-store")])), None);
        assert_eq!(fresh_for(&headers(&[("cache-control", "s-maxage=300")])), None);
        assert_eq!(fresh_for(&headers(&[("last-modified", "Sat, 05 Dec 2026 10:00:00 GMT")])), None);
        // Conflicting or unreadable values are taken as stale (RFC 9111 4.2.1).
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=300, max-age=60")])), None);
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=five")])), None);
        assert_eq!(fresh_for(&headers(&[("cache-control", "max-age=300, max-age=300")])), Some(300));
    }
}
