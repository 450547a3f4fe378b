//! The `PyPI` simple repository API (PEP 503 HTML and PEP 691 JSON, chosen by content
//! negotiation), and the core metadata of the versions asked for (PEP 658/714), for their
//! licence and source repository. Transport is [`Source`]: HTTP or a folder.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::http::invalid;
use super::source::Source;
use super::{Lookup, Upstreams, Want};
use crate::config::{Location, Upstream};
use crate::ecosystem::index::PackageIndex;
use crate::ecosystem::pypi::metadata::parse_core_metadata;
use crate::ecosystem::pypi::simple::{parse_simple_html, parse_simple_json};
use crate::ecosystem::pypi::{normalize_name, normalize_version};
use crate::redact::redact_url;

/// JSON preferred; HTML accepted from indexes that only have it (PEP 691 negotiation).
const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

pub(super) async fn http_project(
    ups: &Upstreams,
    upstream: &Upstream,
    name: &str,
    want: &Want,
) -> Lookup<Arc<PackageIndex>> {
    let Location::Url(base) = &upstream.location else { unreachable!("dir upstreams are read by upstream::dir") };
    project(&Source::Http { ups, upstream, base }, name, want).await
}

/// The project page of `name` from `src`, with the core metadata of the wanted versions.
pub(super) async fn project(src: &Source<'_>, name: &str, want: &Want) -> Lookup<Arc<PackageIndex>> {
    let norm = normalize_name(name);
    if norm.is_empty() || !norm.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Lookup::Failed(invalid(format!("`{name}` is not a valid PyPI project name")));
    }
    let (dir_json, page) = match src {
        Source::Http { .. } => (false, format!("{norm}/")),
        Source::Dir { .. } => (true, format!("{norm}/index.json")),
    };
    let mut got = src.get(&page, "pypi-simple-v1", ACCEPT).await;
    let mut page_rel = page;
    if dir_json && matches!(got, Lookup::NotFound) {
        page_rel = format!("{norm}/index.html");
        got = src.get(&page_rel, "pypi-simple-v1", ACCEPT).await;
    }
    let (body, content_type) = match got {
        Lookup::Found((b, _, ct)) => (b, ct),
        Lookup::NotFound => return Lookup::NotFound,
        Lookup::Failed(f) => return Lookup::Failed(f),
    };
    let page_url = match src.url(&page_rel) {
        Ok(u) => u,
        Err(f) => return Lookup::Failed(f),
    };
    let is_json = match &content_type {
        Some(ct) => ct.contains("json"),
        None => std::path::Path::new(&page_rel).extension().is_some_and(|e| e.eq_ignore_ascii_case("json")),
    };
    let parsed = if is_json { parse_simple_json(&body, &page_url) } else { parse_simple_html(&body, &page_url) };
    let mut index = match parsed {
        Ok(i) => i,
        Err(e) => {
            return Lookup::Failed(invalid(format!(
                "{} served an invalid simple page for `{name}` at {}: {e}",
                src.who(),
                redact_url(&page_url)
            )));
        }
    };
    // Core metadata of the wanted versions: licence and source repository.
    let mut versions: Vec<String> = want.artifacts.iter().filter_map(|a| normalize_version(&a.version)).collect();
    versions.sort();
    versions.dedup();
    for v in versions {
        let Some(release) = index.versions.get_mut(&v) else { continue };
        // A wheel's METADATA is what installers read; any file's will do.
        let Some(file) = release
            .files
            .iter()
            .filter(|f| f.core_metadata.is_some())
            .min_by_key(|f| {
                !std::path::Path::new(&f.filename).extension().is_some_and(|e| e.eq_ignore_ascii_case("whl"))
            })
            .cloned()
        else {
            continue;
        };
        let bytes = match src.get_url(&format!("{}.metadata", file.url), "pypi-metadata-v1").await {
            Lookup::Found(b) => b,
            Lookup::NotFound => continue,
            Lookup::Failed(f) => return Lookup::Failed(f),
        };
        if let Some(expected) = file.core_metadata.as_ref().and_then(|h| h.get("sha256"))
            && !hex::encode(Sha256::digest(&bytes)).eq_ignore_ascii_case(expected)
        {
            return Lookup::Failed(invalid(format!(
                "{} served core metadata for {} whose sha256 differs from the one its index lists",
                src.who(),
                file.filename
            )));
        }
        if let Ok(meta) = parse_core_metadata(&bytes) {
            release.license.clone_from(&meta.license);
            release.repository = meta.repository();
        }
    }
    Lookup::Found(Arc::new(index))
}
