//! One way to read documents of an upstream by path, over HTTP (through the metadata
//! cache) or from a `dir` folder, so that a registry protocol is written once for both.

use std::path::{Path, PathBuf};

use super::http::{get_cached, invalid};
use super::{FailKind, Failure, Lookup, Upstreams};
use crate::config::Upstream;

/// A document and its `Last-Modified` time (RFC 3339), where the upstream gives one.
pub(super) type Doc = (Vec<u8>, Option<String>, Option<String>);

/// Where an upstream's documents come from.
pub(super) enum Source<'a> {
    Http { ups: &'a Upstreams, upstream: &'a Upstream, base: &'a url::Url },
    Dir { root: &'a Path },
}

impl Source<'_> {
    /// The absolute URL of `rel` (a `file:` URL for a folder).
    pub(super) fn url(&self, rel: &str) -> Result<url::Url, Failure> {
        match self {
            Source::Http { base, .. } => {
                base.join(rel).map_err(|e| invalid(format!("cannot build a URL for `{rel}`: {e}")))
            }
            Source::Dir { root } => url::Url::from_file_path(root.join(rel))
                .map_err(|()| invalid(format!("cannot build a file URL for `{rel}` under {}", root.display()))),
        }
    }

    /// GET `rel` (relative to the upstream's URL or folder): body, `Last-Modified` as RFC
    /// 3339, `Content-Type`. `bucket` is the metadata cache bucket for HTTP.
    pub(super) async fn get(&self, rel: &str, bucket: &str, accept: &str) -> Lookup<Doc> {
        match self {
            Source::Http { ups, upstream, .. } => {
                let url = match self.url(rel) {
                    Ok(u) => u,
                    Err(f) => return Lookup::Failed(f),
                };
                match get_cached(ups, upstream, bucket, &url, accept).await {
                    Lookup::Found((body, meta)) => {
                        let lm = meta.last_modified.as_deref().and_then(http_date_to_rfc3339);
                        Lookup::Found((body, lm, meta.content_type))
                    }
                    Lookup::NotFound => Lookup::NotFound,
                    Lookup::Failed(f) => Lookup::Failed(f),
                }
            }
            Source::Dir { root } => read_under(root, rel).await.map(|b| (b, None, None)),
        }
    }
}

impl Source<'_> {
    /// Who is answering, for messages: the upstream by name, or the folder.
    pub(super) fn who(&self) -> String {
        match self {
            Source::Http { upstream, .. } => format!("upstream `{}`", upstream.name),
            Source::Dir { root } => format!("folder {}", root.display()),
        }
    }

    /// GET an absolute URL the upstream's own documents gave (a file host may differ
    /// from the index host; credentials still go only to the upstream's origin). For a
    /// folder, a `file:` URL inside it.
    pub(super) async fn get_url(&self, url: &str, bucket: &str) -> Lookup<Vec<u8>> {
        match self {
            Source::Http { ups, upstream, .. } => match super::http::http_url(url, "metadata") {
                Ok(u) => get_cached(ups, upstream, bucket, &u, "*/*").await.map(|(b, _)| b),
                Err(f) => Lookup::Failed(f),
            },
            Source::Dir { root } => super::dir::file_url(root, url).await,
        }
    }
}

impl Source<'_> {
    /// The `Last-Modified` of `rel` (RFC 3339) without its body (HEAD; cached under
    /// `bucket`, for files that do not change). A folder dates nothing: a file's time there
    /// is when it was copied, not when it was published.
    pub(super) async fn last_modified(&self, rel: &str, bucket: &str) -> Lookup<Option<String>> {
        match self {
            Source::Http { ups, upstream, .. } => {
                let url = match self.url(rel) {
                    Ok(u) => u,
                    Err(f) => return Lookup::Failed(f),
                };
                super::http::last_modified(ups, upstream, bucket, &url)
                    .await
                    .map(|lm| lm.as_deref().and_then(http_date_to_rfc3339))
            }
            Source::Dir { .. } => Lookup::Found(None),
        }
    }

    /// GET `rel`, body only (owned path, for fan-out with `join_all`).
    pub(super) async fn get_checked(&self, rel: String, bucket: &str) -> Lookup<Vec<u8>> {
        self.get(&rel, bucket, "*/*").await.map(|(b, _, _)| b)
    }
}

impl<T> Lookup<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(t) => Lookup::Found(f(t)),
            Lookup::NotFound => Lookup::NotFound,
            Lookup::Failed(x) => Lookup::Failed(x),
        }
    }
}

/// Read `rel` under `root`, refusing any path that could leave it.
pub(super) async fn read_under(root: &Path, rel: &str) -> Lookup<Vec<u8>> {
    let Some(path) = join_under(root, rel) else {
        return Lookup::Failed(invalid(format!("`{rel}` is not a path inside {}", root.display())));
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => Lookup::Found(bytes),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
            Lookup::NotFound
        }
        Err(e) => Lookup::Failed(Failure::new(FailKind::Io, None, format!("{}: {e}", path.display()))),
    }
}

/// `root/rel` when `rel` is a relative path of plain segments (no `..`, no absolute part).
pub(super) fn join_under(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for seg in rel.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        path.push(seg);
    }
    Some(path)
}

/// An HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`) as RFC 3339.
fn http_date_to_rfc3339(s: &str) -> Option<String> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let t = time::PrimitiveDateTime::parse(s.trim(), &fmt).ok()?.assume_utc();
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date_to_rfc3339("Tue, 15 Nov 1994 08:12:31 GMT").as_deref(), Some("1994-11-15T08:12:31Z"));
        assert_eq!(http_date_to_rfc3339("yesterday"), None);
    }

    #[test]
    fn paths_stay_under_the_root() {
        let root = Path::new("/repo");
        assert_eq!(join_under(root, "a/b/c.pom"), Some(PathBuf::from("/repo/a/b/c.pom")));
        assert_eq!(join_under(root, "a/../../etc/passwd"), None);
        assert_eq!(join_under(root, "/etc/passwd"), None);
        assert_eq!(join_under(root, "a//b"), None);
    }
}
