//! The advisory sources on the network: the OSV API (`POST /v1/querybatch`, then
//! `GET /v1/vulns/{id}` for each record it names, cached by id and `modified`) and
//! osv.dev's per-ecosystem exports (`<url>/<Ecosystem>/all.zip`, for `depgate advisories
//! sync`). Both go through the same credentials, timeout, retries and `[limits]` as the
//! registries: `[advisories]` is an upstream named `[advisories]` for that machinery.

use std::collections::BTreeSet;

use futures::StreamExt as _;
use serde::Deserialize;
use serde_json::json;

use super::body::BodyKind;
use super::http::{self, Got};
use super::{FailKind, Failure, Upstreams};
use crate::cache::CacheMeta;
use crate::config::{AdvisoriesConfig, Location, Upstream, UpstreamKind};
use crate::ecosystem::Ecosystem;

/// The name `[advisories]` goes by in messages and credentials (not a valid upstream
/// name, so it never collides with one).
pub const ADVISORIES: &str = "[advisories]";

/// Queries per `querybatch` request (the API's limit is 1,000).
const BATCH: usize = 1000;

/// `[advisories]` as an upstream at `base` (the API or the export mirror).
pub fn endpoint(cfg: &AdvisoriesConfig, base: &url::Url) -> Upstream {
    Upstream {
        pgp_key: None,
        pgp_signatures: Some(false),
        cosign_key: None,
        tlog: true,
        name: ADVISORIES.to_string(),
        kind: UpstreamKind::Dir,
        location: Location::Url(base.clone()),
        auth: cfg.auth.clone(),
        tier: String::new(),
        timeout: cfg.timeout,
        retries: cfg.retries,
        fall_through: Vec::new(),
        identity: Vec::new(),
        attestations: None,
        mirrors: None,
        image_registry: None,
    }
}

fn failed(got: Got, what: &str) -> Failure {
    match got {
        Got::Failed(f) => f,
        Got::NotFound => Failure::new(FailKind::Status, Some(404), format!("{what}: not found (404)")),
        Got::Challenge(_) => Failure::new(FailKind::Auth, Some(401), format!("{what}: refused access (401)")),
        Got::NotModified { .. } | Got::Body { .. } => {
            Failure::new(FailKind::Invalid, None, format!("{what}: unexpected answer"))
        }
    }
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize, Default)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<VulnRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// A record the API names: its id and when it was last modified.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct VulnRef {
    pub id: String,
    #[serde(default)]
    pub modified: Option<String>,
}

/// One package version to ask about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
}

fn query_json(q: &Query, page_token: Option<&str>) -> serde_json::Value {
    let mut v = json!({
        "package": {"name": q.name, "ecosystem": crate::advisories::matching::osv_ecosystem(q.ecosystem)},
        "version": q.version,
    });
    if let Some(t) = page_token {
        v["page_token"] = json!(t);
    }
    v
}

async fn post_batch(
    ups: &Upstreams,
    upstream: &Upstream,
    url: &url::Url,
    queries: &[serde_json::Value],
) -> Result<Vec<BatchResult>, Failure> {
    let body = bytes::Bytes::from(serde_json::to_vec(&json!({ "queries": queries })).unwrap_or_default());
    let got = http::send(
        ups,
        upstream,
        url,
        "application/json",
        BodyKind::Metadata,
        None,
        http::Verb::Post(&body),
        &http::Extra::default(),
    )
    .await;
    let Got::Body { bytes, .. } = got else { return Err(failed(got, &format!("the OSV API at {url}"))) };
    let answer: BatchAnswer = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::new(
            FailKind::Invalid,
            None,
            format!("the OSV API at {url} answered querybatch with a document that is not a batch answer: {e}"),
        )
    })?;
    if answer.results.len() != queries.len() {
        return Err(Failure::new(
            FailKind::Invalid,
            None,
            format!("the OSV API at {url} answered {} queries with {} results", queries.len(), answer.results.len()),
        ));
    }
    Ok(answer.results)
}

/// Ask the API which records affect each query, a batch at a time (following page
/// tokens): every record named, for each query in order.
pub async fn query_batch(
    ups: &Upstreams,
    upstream: &Upstream,
    api: &url::Url,
    queries: &[Query],
) -> Result<Vec<Vec<VulnRef>>, Failure> {
    let url = api.join("v1/querybatch").map_err(|e| http::invalid(format!("OSV API URL {api}: {e}")))?;
    let mut out: Vec<Vec<VulnRef>> = vec![Vec::new(); queries.len()];
    for (chunk_at, chunk) in queries.chunks(BATCH).enumerate() {
        let docs: Vec<serde_json::Value> = chunk.iter().map(|q| query_json(q, None)).collect();
        let results = post_batch(ups, upstream, &url, &docs).await?;
        for (i, r) in results.into_iter().enumerate() {
            let at = chunk_at * BATCH + i;
            out[at].extend(r.vulns);
            // More than a page of records for one query: ask for the rest.
            let mut token = r.next_page_token;
            let mut pages = 0;
            while let Some(t) = token.take() {
                pages += 1;
                if pages > 100 {
                    return Err(http::invalid(format!(
                        "the OSV API at {url} kept paging past 100 pages for {}",
                        queries[at].name
                    )));
                }
                let more = post_batch(ups, upstream, &url, &[query_json(&queries[at], Some(&t))]).await?;
                let more = more.into_iter().next().unwrap_or_default();
                out[at].extend(more.vulns);
                token = more.next_page_token;
            }
        }
    }
    Ok(out)
}

/// The records the API named, fetched `concurrency` at a time: a record already in the
/// metadata cache with the same `modified` is not fetched again.
pub async fn fetch_records(
    ups: &Upstreams,
    upstream: &Upstream,
    api: &url::Url,
    refs: &BTreeSet<VulnRef>,
    concurrency: usize,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let fetched: Vec<Result<(String, Vec<u8>), Failure>> = futures::stream::iter(refs.iter().cloned())
        .map(|r| async move {
            let url = api
                .join(&format!("v1/vulns/{}", url_segment(&r.id)))
                .map_err(|e| http::invalid(format!("OSV API URL {api}: {e}")))?;
            let key = format!("{url}#{}", r.modified.as_deref().unwrap_or(""));
            if let Some(c) = ups.cache.get("osv-vuln-v1", &key).await {
                return Ok((r.id, c.body));
            }
            let got = http::get(ups, upstream, &url, "application/json", BodyKind::Metadata, None).await;
            let Got::Body { bytes, etag, last_modified, content_type, .. } = got else {
                return Err(failed(got, &format!("the OSV API at {url}")));
            };
            let meta = CacheMeta { url: url.to_string(), etag, last_modified, content_type, fresh_until: None };
            if let Err(e) = ups.cache.put("osv-vuln-v1", &key, &meta, &bytes).await {
                tracing::warn!("could not write the metadata cache: {e}");
            }
            Ok((r.id, bytes))
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = Vec::with_capacity(fetched.len());
    for f in fetched {
        out.push(f?);
    }
    out.sort();
    Ok(out)
}

fn url_segment(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')).collect()
}

/// One export as fetched.
pub enum Export {
    /// The mirror says the copy we have is current (304).
    Unchanged,
    Fetched {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// GET `<base>/<Ecosystem>/all.zip`, conditional on the validators of the copy we have.
pub async fn fetch_export(
    ups: &Upstreams,
    upstream: &Upstream,
    base: &url::Url,
    ecosystem: &str,
    have: Option<(&Option<String>, &Option<String>)>,
) -> Result<Export, Failure> {
    let url =
        base.join(&format!("{ecosystem}/all.zip")).map_err(|e| http::invalid(format!("export URL {base}: {e}")))?;
    let validators = have.map(|(etag, last_modified)| CacheMeta {
        url: url.to_string(),
        etag: etag.clone(),
        last_modified: last_modified.clone(),
        content_type: None,
        fresh_until: None,
    });
    match http::get(ups, upstream, &url, "application/zip", BodyKind::Artifact, validators.as_ref()).await {
        Got::Body { bytes, etag, last_modified, .. } => Ok(Export::Fetched { bytes, etag, last_modified }),
        Got::NotModified { .. } if validators.is_some() => Ok(Export::Unchanged),
        got => Err(failed(got, &format!("the advisory export at {url}"))),
    }
}

/// A credential read from the environment, or the variable that was not set.
type Credential = Result<(crate::config::AuthScheme, super::Secret), String>;

/// The credentials `[advisories]` presents, read once from the environment.
pub(super) fn credentials(config: &crate::config::Config) -> Option<(String, Credential)> {
    let a = config.advisories.as_ref()?.auth.as_ref()?;
    let v = std::env::var(&a.env_var).ok().filter(|v| !v.is_empty());
    Some((ADVISORIES.to_string(), v.map(|v| (a.scheme, super::Secret::new(v))).ok_or_else(|| a.env_var.clone())))
}
