//! The faults the fake upstreams ([`super::fake_npm`], [`super::fake_repo`]) inject, and
//! how each turns a normal answer into a faulty one. Transport faults that need a broken
//! wire are made with a streamed body: hyper writes the head, then the stream misbehaves
//! (an error mid-body closes the connection; a Content-Length the stream does not keep is
//! sent as announced).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write as _;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt as _;

/// What to do instead of answering normally.
#[derive(Debug, Clone)]
pub enum Fault {
    Status(u16),
    /// Answer after this long.
    Delay(Duration),
    /// Serve other bytes than the packument's integrity says (tarballs only).
    TamperTarball,
    /// Send the body `chunk` bytes at a time, waiting `every` before each chunk.
    DripBytes {
        chunk: usize,
        every: Duration,
    },
    /// Announce the whole body, send its first `after` bytes, then break the connection.
    ResetMidBody {
        after: usize,
    },
    /// Announce `claimed` bytes whatever the body's length: longer, and the connection
    /// closes before they all came; shorter, and the client stops early.
    WrongContentLength {
        claimed: u64,
    },
    /// A gzip stream cut in half: a document is sent `Content-Encoding: gzip` and cut; an
    /// artifact (a `.tgz`, wheel, jar) is cut as it is. With `with_length`, the
    /// Content-Length matches the cut bytes; without, the body is chunked.
    TruncatedGzip {
        with_length: bool,
    },
    /// `429 Too Many Requests` with `Retry-After: secs`, `times` times, then normal answers.
    RetryAfter {
        secs: u64,
        times: usize,
    },
    /// `500` `times` times, then normal answers.
    Burst500 {
        times: usize,
    },
    /// `302` back to the same URL, forever.
    RedirectLoop,
    /// `302` to `url` followed by the request's path (another host).
    RedirectTo {
        url: String,
    },
    /// The whole body, sent `Content-Encoding: gzip` (documents only; a gzip bomb when
    /// the document is mostly one repeated byte).
    Gzip,
    /// `fault` for the first `times` requests, then normal answers (a transient fault).
    First {
        times: usize,
        fault: Box<Fault>,
    },
}

/// The faults a fake upstream injects, by path key, and how many requests each has seen.
#[derive(Default)]
pub(super) struct FaultTable {
    faults: HashMap<String, Fault>,
    hits: HashMap<String, usize>,
}

impl FaultTable {
    /// Inject `fault` for `key`; its request count starts again.
    pub(super) fn set(&mut self, key: &str, fault: Fault) {
        self.hits.remove(key);
        self.faults.insert(key.to_string(), fault);
    }

    /// Remove every fault.
    pub(super) fn clear(&mut self) {
        self.faults.clear();
        self.hits.clear();
    }

    /// See [`pick`].
    pub(super) fn pick(&mut self, path: &str) -> Option<(Fault, usize)> {
        pick(&self.faults, &mut self.hits, path)
    }
}

/// The fault for `path` (without the leading `/`), if any, and how many requests it saw
/// before this one. Keys: `*` (everything), `prefix`, or `exact$`.
fn pick(faults: &HashMap<String, Fault>, hits: &mut HashMap<String, usize>, path: &str) -> Option<(Fault, usize)> {
    let (key, fault) = faults.iter().find(|(k, _)| match k.strip_suffix('$') {
        Some(exact) => path == exact,
        None => k.as_str() == "*" || path.starts_with(k.as_str()),
    })?;
    let n = hits.entry(key.clone()).or_insert(0);
    let seen = *n;
    *n += 1;
    match fault {
        Fault::First { times, .. } if seen >= *times => None,
        Fault::First { fault, .. } => Some(((**fault).clone(), seen)),
        _ => Some((fault.clone(), seen)),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn is_document(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| ["json", "xml", "html", "text"].iter().any(|k| c.contains(k)))
}

impl Fault {
    /// An answer given instead of the document (status bursts, redirects) to the `n`-th
    /// request (0-based) this fault has seen; `None` to answer normally.
    pub(super) fn before(&self, path: &str, n: usize) -> Option<Response> {
        match self {
            Fault::RetryAfter { secs, times } if n < *times => Some(
                (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, secs.to_string())], "slow down").into_response(),
            ),
            Fault::Burst500 { times } if n < *times => {
                Some((StatusCode::INTERNAL_SERVER_ERROR, "injected burst").into_response())
            }
            Fault::RedirectLoop => Some((StatusCode::FOUND, [(header::LOCATION, path.to_string())]).into_response()),
            Fault::RedirectTo { url } => {
                let to = format!("{}/{}", url.trim_end_matches('/'), path.trim_start_matches('/'));
                Some((StatusCode::FOUND, [(header::LOCATION, to)]).into_response())
            }
            _ => None,
        }
    }

    /// The normal answer `resp` with this fault applied to its body (successful answers only).
    pub(super) async fn after(&self, resp: Response) -> Response {
        let applies = matches!(
            self,
            Fault::DripBytes { .. }
                | Fault::ResetMidBody { .. }
                | Fault::WrongContentLength { .. }
                | Fault::TruncatedGzip { .. }
                | Fault::Gzip
        );
        if !applies || resp.status() != StatusCode::OK {
            return resp;
        }
        let (mut parts, body) = resp.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        parts.headers.remove(header::CONTENT_LENGTH);
        let len = body.len();
        let (length, body) = match self {
            Fault::DripBytes { chunk, every } => {
                let (chunk, every) = ((*chunk).max(1), *every);
                let chunks: Vec<Bytes> = body.chunks(chunk).map(Bytes::copy_from_slice).collect();
                let stream = futures::stream::iter(chunks).then(move |c| async move {
                    tokio::time::sleep(every).await;
                    Ok::<_, std::io::Error>(c)
                });
                (Some(len as u64), Body::from_stream(stream))
            }
            Fault::ResetMidBody { after } => {
                let head = body.slice(..(*after).min(len));
                let items: Vec<Result<Bytes, std::io::Error>> =
                    vec![Ok(head), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset"))];
                (Some(len as u64), Body::from_stream(futures::stream::iter(items)))
            }
            Fault::WrongContentLength { claimed } => {
                let items: Vec<Result<Bytes, std::io::Error>> = vec![Ok(body)];
                (Some(*claimed), Body::from_stream(futures::stream::iter(items)))
            }
            Fault::TruncatedGzip { with_length } => {
                let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
                let whole = if is_document(content_type) {
                    parts.headers.insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
                    Bytes::from(gzip(&body))
                } else {
                    body
                };
                let cut = whole.slice(..whole.len() / 2);
                let n = cut.len() as u64;
                let items: Vec<Result<Bytes, std::io::Error>> = vec![Ok(cut)];
                (with_length.then_some(n), Body::from_stream(futures::stream::iter(items)))
            }
            Fault::Gzip => {
                parts.headers.insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
                let z = gzip(&body);
                (Some(z.len() as u64), Body::from(z))
            }
            _ => unreachable!("checked above"),
        };
        if let Some(n) = length {
            parts.headers.insert(header::CONTENT_LENGTH, n.into());
        }
        Response::from_parts(parts, body)
    }
}
