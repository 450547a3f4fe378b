//! The npm registry protocol: packuments (abbreviated or full, revalidated through the
//! metadata cache) and the attestations endpoint. Transport is [`super::http`].

use std::sync::Arc;

use super::http::{get_cached, invalid};
use super::{Lookup, Upstreams};
use crate::config::{Location, Upstream};
use crate::ecosystem::index::PackageIndex;
use crate::ecosystem::npm::packument::{escape_name, parse_packument, valid_name};
use crate::redact::redact_url;

const ACCEPT_ABBREVIATED: &str = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
const ACCEPT_FULL: &str = "application/json";

pub(super) async fn packument(
    ups: &Upstreams,
    upstream: &Upstream,
    name: &str,
    full: bool,
) -> Lookup<Arc<PackageIndex>> {
    if !valid_name(name) {
        return Lookup::Failed(invalid(format!("`{name}` is not a valid npm package name")));
    }
    let Location::Url(base) = &upstream.location else { unreachable!("dir upstreams are read by upstream::dir") };
    let url = match base.join(&escape_name(name)) {
        Ok(u) => u,
        Err(e) => return Lookup::Failed(invalid(format!("cannot build a URL for `{name}`: {e}"))),
    };
    let (bucket, accept) =
        if full { ("npm-packument-full-v2", ACCEPT_FULL) } else { ("npm-packument-abbrev-v2", ACCEPT_ABBREVIATED) };
    let body = match get_cached(ups, upstream, bucket, &url, accept).await {
        Lookup::Found((b, _)) => b,
        Lookup::NotFound => return Lookup::NotFound,
        Lookup::Failed(f) => return Lookup::Failed(f),
    };
    match parse_packument(&body) {
        Ok(p) => {
            let mut index = p.to_index();
            index.raw = Some(Arc::from(body));
            Lookup::Found(Arc::new(index))
        }
        Err(e) => Lookup::Failed(invalid(format!(
            "upstream `{}` served an invalid packument for `{name}` at {}: {e}",
            upstream.name,
            redact_url(&url)
        ))),
    }
}
