//! `[storage]`: the backend of the metadata cache and the artifact store — the cache
//! folder on disk (the default) or an S3-compatible bucket that a fleet of replicas shares.

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::{S3Storage, StorageConfig};

const STORAGE_KEYS: &[&str] = &[
    "kind",
    "bucket",
    "prefix",
    "endpoint",
    "region",
    "allow_http",
    "access_key_id",
    "secret_access_key",
    "session_token",
];

/// The keys that only mean something with `kind = "s3"`.
const S3_ONLY: &[&str] =
    &["bucket", "prefix", "endpoint", "region", "allow_http", "access_key_id", "secret_access_key", "session_token"];

pub(super) fn parse_storage(cx: &mut Ctx<'_>, v: Option<&Spanned<DeValue<'_>>>) -> StorageConfig {
    let Some(v) = v else { return StorageConfig::Disk };
    let Some(t) = cx.table(v, "storage") else { return StorageConfig::Disk };
    cx.unknown_keys(t, STORAGE_KEYS, "[storage]");
    let kind = match t.get("kind") {
        None => "disk".to_string(),
        Some(k) => cx.string(k, "kind").unwrap_or_default(),
    };
    match kind.as_str() {
        "disk" => {
            for key in S3_ONLY {
                if let Some((k, _)) = t.get_key_value(*key) {
                    cx.err(
                        k.span(),
                        format!("`{key}` has no effect with [storage] kind = \"disk\""),
                        "set kind = \"s3\" to keep the caches in a bucket, or remove the key",
                    );
                }
            }
            StorageConfig::Disk
        }
        "s3" => parse_s3(cx, v, t).map_or(StorageConfig::Disk, |s| StorageConfig::S3(Box::new(s))),
        "" => StorageConfig::Disk, // not a string: already reported
        other => {
            if let Some(k) = t.get("kind") {
                cx.err(
                    k.span(),
                    format!("unknown [storage] kind `{other}`"),
                    "kind = \"disk\" (the cache folder, the default) or kind = \"s3\" (an S3-compatible bucket)",
                );
            }
            StorageConfig::Disk
        }
    }
}

fn parse_s3(cx: &mut Ctx<'_>, section: &Spanned<DeValue<'_>>, t: &toml::de::DeTable<'_>) -> Option<S3Storage> {
    let Some(b) = t.get("bucket") else {
        cx.err(
            section.span(),
            "[storage] kind = \"s3\" needs `bucket`",
            "bucket = \"depgate-cache\" (the bucket must exist; depgate does not create it)",
        );
        return None;
    };
    let bucket = cx.string(b, "bucket")?;
    if !valid_bucket(&bucket) {
        cx.err(
            b.span(),
            format!("`{bucket}` is not a valid bucket name"),
            "an S3 bucket name has 3 to 63 characters: lowercase letters, digits, `.` and `-`",
        );
        return None;
    }
    let prefix = match t.get("prefix") {
        None => None,
        Some(p) => {
            let text = cx.string(p, "prefix")?;
            let trimmed = text.trim_matches('/');
            let ok = !trimmed.is_empty()
                && trimmed.split('/').all(|seg| {
                    !seg.is_empty()
                        && seg != "."
                        && seg != ".."
                        && seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                });
            if !ok {
                cx.err(
                    p.span(),
                    format!("`{text}` is not a valid key prefix"),
                    "prefix = \"fleet-a\" or \"teams/fleet-a\": `/`-separated segments of letters, digits, `-`, `_`, `.`",
                );
                return None;
            }
            Some(trimmed.to_string())
        }
    };
    let allow_http = match t.get("allow_http") {
        None => false,
        Some(a) => cx.bool(a, "allow_http")?,
    };
    let endpoint = match t.get("endpoint") {
        None => None,
        Some(e) => {
            let text = cx.string(e, "endpoint")?;
            let url = match url::Url::parse(&text) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => u,
                _ => {
                    cx.err(
                        e.span(),
                        format!("endpoint `{text}` is not an http(s) URL"),
                        "endpoint = \"https://s3.example.internal\" (the S3 API's base URL, without the bucket)",
                    );
                    return None;
                }
            };
            if !url.username().is_empty() || url.password().is_some() {
                cx.err(
                    e.span(),
                    "endpoint must not hold credentials",
                    "write access_key_id = \"env:NAME\" and secret_access_key = \"env:NAME\" instead",
                );
                return None;
            }
            if url.scheme() == "http" && !allow_http && !loopback(&url) {
                cx.err(
                    e.span(),
                    format!("endpoint `{url}` is plain http to a host that is not this machine"),
                    "use https, or set allow_http = true if the network to the object store is trusted",
                );
                return None;
            }
            Some(url)
        }
    };
    if allow_http
        && endpoint.as_ref().is_none_or(|u| u.scheme() != "http")
        && let Some((k, _)) = t.get_key_value("allow_http")
    {
        cx.err(
            k.span(),
            "`allow_http = true` has no effect without an http endpoint",
            "remove allow_http, or set endpoint = \"http://…\" for an object store on a trusted network",
        );
        return None;
    }
    let region = match t.get("region") {
        None => "us-east-1".to_string(),
        Some(r) => cx.string(r, "region")?,
    };
    let mut env_ref = |key: &str| -> Result<Option<String>, ()> {
        let Some(v) = t.get(key) else { return Ok(None) };
        let Some(s) = cx.string(v, key) else { return Err(()) };
        match s.strip_prefix("env:") {
            Some(var) if !var.is_empty() && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                Ok(Some(var.to_string()))
            }
            _ => {
                cx.err(
                    v.span(),
                    format!("`{key}` must be a reference `env:NAME`"),
                    format!(
                        "never write a credential into the config: put it in an environment variable and write {key} = \"env:NAME\""
                    ),
                );
                Err(())
            }
        }
    };
    let access = env_ref("access_key_id");
    let secret = env_ref("secret_access_key");
    let token = env_ref("session_token");
    let (Ok(access), Ok(secret), Ok(token)) = (access, secret, token) else { return None };
    if access.is_some() != secret.is_some() || (token.is_some() && access.is_none()) {
        cx.err(
            section.span(),
            "[storage] names only part of the credentials",
            "write both access_key_id = \"env:NAME\" and secret_access_key = \"env:NAME\" (and session_token if any), or none to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        );
        return None;
    }
    Some(S3Storage {
        bucket,
        prefix,
        endpoint,
        allow_http,
        region,
        access_key_id_env: access,
        secret_access_key_env: secret,
        session_token_env: token,
    })
}

/// S3's bucket naming rules, as far as a typo goes: 3–63 of `[a-z0-9.-]`, starting and
/// ending with a letter or digit.
fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
}

/// Whether `url` names this machine (`localhost`, 127.0.0.0/8, `::1`).
fn loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}
