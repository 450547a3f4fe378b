//! The GitHub REST API client of `depgate github report`: octocrab with the token from
//! the environment, the base URL from `GITHUB_API_URL`, and GitHub's documented handling of
//! rate limits (`retry-after` seconds; else, with `x-ratelimit-remaining: 0`, until
//! `x-ratelimit-reset`; else at least a minute, doubling), bounded in attempts and in the
//! length of one wait (`DEPGATE_GITHUB_MAX_WAIT_SECS`).
//!
//! Responses are read raw (status, headers, body) so that a 403 from a read-only token, a
//! secondary rate limit and a 422 can be told apart. The token never reaches an error
//! message: every message built here is redacted against it.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

/// The API of github.com; `GITHUB_API_URL` overrides it (GitHub Enterprise, tests).
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The media type GitHub recommends asking for.
pub const MEDIA_TYPE: &str = "application/vnd.github+json";
/// Attempts per request when rate limited (the first one included).
pub const ATTEMPTS: u32 = 4;
/// Default longest single wait on a rate limit.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(600);

/// Why a request did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401/403 that is not a rate limit: the token may not do this (a fork's read-only
    /// token, missing `permissions:`), or there is no token.
    #[error("GitHub answered {status}: {message}")]
    Permission { status: u16, message: String },
    /// 422: GitHub understood the request and refused its content.
    #[error("GitHub rejected the request (422): {message}")]
    Rejected { message: String },
    /// Any other unexpected status.
    #[error("GitHub answered {status}: {message}")]
    Status { status: u16, message: String },
    /// Still rate limited after every attempt.
    #[error("still rate limited after {attempts} attempts ({status}: {message})")]
    RateLimited { attempts: u32, status: u16, message: String },
    /// No answer at all.
    #[error("cannot reach the GitHub API: {0}")]
    Transport(String),
}

/// The rate-limit headers of a response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateHeaders {
    pub retry_after: Option<u64>,
    pub remaining: Option<u64>,
    /// UTC epoch seconds.
    pub reset: Option<u64>,
}

/// How long to wait before trying again, as GitHub documents for primary and secondary
/// rate limits, or `None` when the response is not a rate limit. `retry` counts earlier
/// retries (0 for the first), `now` is UTC epoch seconds.
pub fn rate_limit_wait(status: u16, headers: &RateHeaders, message: &str, now: u64, retry: u32) -> Option<Duration> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(secs) = headers.retry_after {
        return Some(Duration::from_secs(secs));
    }
    if headers.remaining == Some(0)
        && let Some(reset) = headers.reset
    {
        return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
    }
    // A secondary rate limit without headers: a 429, or a 403 that says so.
    if status == 429 || message.to_ascii_lowercase().contains("rate limit") {
        return Some(Duration::from_secs(60u64.saturating_mul(1 << retry.min(10))));
    }
    None
}

/// The `page` of the `rel="next"` link of a `Link` header.
pub fn next_page(link: &str) -> Option<u32> {
    link.split(',').find(|part| part.contains("rel=\"next\"")).and_then(|part| {
        let url = part.split(';').next()?.trim().trim_start_matches('<').trim_end_matches('>');
        let query = url.split_once('?')?.1;
        query.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|v| v.parse().ok())
    })
}

/// GitHub's error body as one line: `message` and the details of `errors`.
pub fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        let text: String = body.chars().take(300).collect();
        return if text.trim().is_empty() { "(no message)".into() } else { text.trim().to_string() };
    };
    let mut out = v["message"].as_str().unwrap_or("(no message)").to_string();
    if let Some(errors) = v["errors"].as_array() {
        let details: Vec<String> = errors
            .iter()
            .map(|e| match e {
                Value::String(s) => s.clone(),
                e => {
                    let mut parts = Vec::new();
                    match (e["resource"].as_str(), e["field"].as_str()) {
                        (Some(r), Some(f)) => parts.push(format!("{r}.{f}")),
                        (None, Some(f)) => parts.push(f.to_string()),
                        (Some(r), None) => parts.push(r.to_string()),
                        (None, None) => {}
                    }
                    if let Some(c) = e["code"].as_str() {
                        parts.push(c.to_string());
                    }
                    if let Some(m) = e["message"].as_str() {
                        parts.push(m.to_string());
                    }
                    parts.join(" ")
                }
            })
            .filter(|s| !s.is_empty())
            .collect();
        if !details.is_empty() {
            let _ = write!(out, " ({})", details.join("; "));
        }
    }
    out
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// The next page of a listing, from the `Link` header.
    pub next_page: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
}

/// An authenticated client for one API base URL.
pub struct Api {
    crab: octocrab::Octocrab,
    /// Only to redact messages; never printed.
    token: String,
    max_wait: Duration,
    attempts: u32,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("token", &"***").field("max_wait", &self.max_wait).finish_non_exhaustive()
    }
}

impl Api {
    /// A client for `base_url` with `token`. Errors name the URL, never the token.
    pub fn new(base_url: &str, token: &str, max_wait: Duration) -> Result<Self, String> {
        let base = base_url.trim_end_matches('/');
        let crab = octocrab::Octocrab::builder()
            .base_uri(base)
            .map_err(|e| format!("{} is not a usable API URL: {e}", super::env::GITHUB_API_URL))?
            .personal_token(token.to_string())
            .add_header(http::header::ACCEPT, MEDIA_TYPE.to_string())
            .set_connect_timeout(Some(Duration::from_secs(30)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .set_write_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|e| format!("cannot set up the GitHub client: {e}"))?;
        Ok(Self { crab, token: token.to_string(), max_wait, attempts: ATTEMPTS })
    }

    fn redact(&self, s: &str) -> String {
        if self.token.is_empty() { s.to_string() } else { s.replace(&self.token, "***") }
    }

    pub async fn get(&self, path: &str) -> Result<Reply, ApiError> {
        self.send(Method::Get, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Reply, ApiError> {
        self.send(Method::Post, path, Some(body)).await
    }

    /// PATCH (octocrab 0.54's `update_comment` sends POST, so raw requests throughout).
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Reply, ApiError> {
        self.send(Method::Patch, path, Some(body)).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, ApiError> {
        let mut retry = 0;
        loop {
            let sent = match method {
                Method::Get => self.crab._get(path).await,
                Method::Post => self.crab._post(path, body).await,
                Method::Patch => self.crab._patch(path, body).await,
            };
            let response = sent.map_err(|e| ApiError::Transport(self.redact(&e.to_string())))?;
            let status = response.status().as_u16();
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
            let rate = RateHeaders {
                retry_after: number("retry-after"),
                remaining: number("x-ratelimit-remaining"),
                reset: number("x-ratelimit-reset"),
            };
            let next = header("link").as_deref().and_then(next_page);
            let text = self
                .crab
                .body_to_string(response)
                .await
                .map_err(|e| ApiError::Transport(self.redact(&e.to_string())))?;
            if (200..300).contains(&status) {
                let body = if text.trim().is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&text)
                        .map_err(|e| ApiError::Status { status, message: format!("the answer is not JSON: {e}") })?
                };
                return Ok(Reply { status, body, next_page: next });
            }
            let message = self.redact(&error_message(&text));
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
            if let Some(wait) = rate_limit_wait(status, &rate, &message, now, retry) {
                retry += 1;
                if retry >= self.attempts {
                    return Err(ApiError::RateLimited { attempts: self.attempts, status, message });
                }
                let wait = wait.min(self.max_wait);
                tracing::warn!(
                    "GitHub rate limit ({status}: {message}): waiting {}s before trying again",
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(match status {
                401 | 403 => ApiError::Permission { status, message },
                422 => ApiError::Rejected { message },
                _ => ApiError::Status { status, message },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_githubs_rules() {
        let none = RateHeaders::default();
        let after = RateHeaders { retry_after: Some(7), ..RateHeaders::default() };
        let reset = RateHeaders { remaining: Some(0), reset: Some(1_030), ..RateHeaders::default() };
        assert_eq!(rate_limit_wait(403, &after, "", 1_000, 0), Some(Duration::from_secs(7)));
        assert_eq!(rate_limit_wait(429, &reset, "", 1_000, 0), Some(Duration::from_secs(30)));
        assert_eq!(rate_limit_wait(403, &reset, "", 2_000, 0), Some(Duration::from_secs(1)));
        assert_eq!(rate_limit_wait(429, &none, "", 0, 0), Some(Duration::from_secs(60)));
        assert_eq!(
            rate_limit_wait(403, &none, "You have exceeded a secondary rate limit", 0, 2),
            Some(Duration::from_secs(240))
        );
        assert_eq!(rate_limit_wait(403, &none, "Resource not accessible by integration", 0, 0), None);
        assert_eq!(rate_limit_wait(422, &after, "", 0, 0), None);
    }

    #[test]
    fn link_headers_and_error_bodies() {
        let link = "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel=\"next\", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel=\"last\"";
        assert_eq!(next_page(link), Some(3));
        assert_eq!(next_page("<https://x/?page=1>; rel=\"prev\""), None);
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"CheckRun","field":"head_sha","code":"invalid"},"No commit found for SHA: abc"]}"#;
        assert_eq!(error_message(body), "Validation Failed (CheckRun.head_sha invalid; No commit found for SHA: abc)");
        assert_eq!(error_message(""), "(no message)");
    }
}
