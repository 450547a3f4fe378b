//! The S3 backend: every object an S3 object `<prefix>/<key>` in one bucket of any
//! S3-compatible store (AWS S3, `SeaweedFS`, …), through the `object_store` crate.
//!
//! Owns: the client (endpoint, region, signing, timeouts, retries), key → object path,
//! conditional creation (`If-None-Match: *`), and error messages without credentials.
//! Must not: check digests (the caches above do) or read any setting but `[storage]`'s
//! (so not `AWS_ENDPOINT` and friends: every setting is in the config file or named there).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, RetryConfig};

use super::store::{Storage, StoreFuture, Write, Written};
use crate::config::S3Storage;
use crate::redact::Secret;

/// Objects in one bucket, under one key prefix.
#[derive(Debug)]
pub struct S3 {
    store: Arc<AmazonS3>,
    /// Key prefix without slashes at either end; empty for none.
    prefix: String,
    /// `s3://bucket/prefix at endpoint`, for messages.
    what: String,
    /// The credentials, only to scrub them from error text a server might echo.
    secrets: Vec<Secret>,
}

/// A credential from the variable `var`, or an error naming it and what to do.
fn credential(var: &str, key: &str) -> Result<Secret, String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        _ => Err(format!(
            "[storage] kind = \"s3\": the environment variable {var} is not set\n  help: set {var} to the object store's {key}, or name another variable with {key} = \"env:NAME\" in [storage]"
        )),
    }
}

/// The credentials requests are signed with.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

impl Credentials {
    /// From the variables `config` names, else `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and (optional) `AWS_SESSION_TOKEN`.
    pub fn from_env(config: &S3Storage) -> Result<Self, String> {
        let access_var = config.access_key_id_env.as_deref().unwrap_or("AWS_ACCESS_KEY_ID");
        let secret_var = config.secret_access_key_env.as_deref().unwrap_or("AWS_SECRET_ACCESS_KEY");
        let access_key_id = credential(access_var, "access_key_id")?;
        let secret_access_key = credential(secret_var, "secret_access_key")?;
        let session_token = match &config.session_token_env {
            Some(var) => Some(credential(var, "session_token")?),
            None if config.access_key_id_env.is_none() => {
                std::env::var("AWS_SESSION_TOKEN").ok().filter(|t| !t.is_empty()).map(Secret::new)
            }
            None => None,
        };
        Ok(Self { access_key_id, secret_access_key, session_token })
    }
}

impl S3 {
    /// A client for the bucket `config` names, credentials read from the environment.
    pub fn open(config: &S3Storage) -> Result<Self, String> {
        Self::with_credentials(config, Credentials::from_env(config)?)
    }

    /// A client for the bucket `config` names, signing with `credentials`.
    pub fn with_credentials(config: &S3Storage, credentials: Credentials) -> Result<Self, String> {
        let Credentials { access_key_id: access, secret_access_key: secret, session_token: token } = credentials;
        let client = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(10))
            .with_timeout(Duration::from_secs(120))
            .with_pool_max_idle_per_host(64)
            .with_allow_http(config.endpoint.as_ref().is_some_and(|u| u.scheme() == "http"));
        // A few quick retries: a replica that cannot reach its store should say so in
        // seconds, and a cache miss costs only a fetch from upstream.
        let retry = RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(20), ..RetryConfig::default() };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(access.expose())
            .with_secret_access_key(secret.expose())
            .with_client_options(client)
            .with_retry(retry);
        if let Some(t) = &token {
            builder = builder.with_token(t.expose());
        }
        let endpoint = config.endpoint.as_ref().map(|u| u.as_str().trim_end_matches('/').to_string());
        if let Some(e) = &endpoint {
            builder = builder
                .with_endpoint(e)
                .with_allow_http(config.endpoint.as_ref().is_some_and(|u| u.scheme() == "http"));
        }
        let mut secrets = vec![access, secret];
        secrets.extend(token);
        let prefix = config.prefix.clone().unwrap_or_default();
        let what = format!(
            "s3://{}/{prefix} at {}",
            config.bucket,
            endpoint.as_deref().map_or_else(|| format!("AWS region {}", config.region), str::to_string)
        );
        let store = builder.build().map_err(|e| {
            format!("[storage] kind = \"s3\": cannot set up the client for {what}: {}", scrub(&e.to_string(), &secrets))
        })?;
        Ok(Self { store: Arc::new(store), prefix, what, secrets })
    }

    fn object(&self, key: &str) -> ObjectPath {
        let key = key.trim_matches('/');
        match (self.prefix.is_empty(), key.is_empty()) {
            (true, _) => ObjectPath::from(key),
            (false, true) => ObjectPath::from(self.prefix.as_str()),
            (false, false) => ObjectPath::from(format!("{}/{key}", self.prefix)),
        }
    }

    /// An `io::Error` for people: what failed on which store, without any credential.
    fn fail(&self, doing: &str, e: &object_store::Error) -> io::Error {
        let kind = match e {
            object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                io::ErrorKind::PermissionDenied
            }
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, format!("{doing} on {}: {}", self.what, self.said(e)))
    }

    /// An error's text, short: an S3 error document is reduced to its `<Code>`, and no
    /// credential is left in it.
    fn said(&self, e: &object_store::Error) -> String {
        let text = e.to_string();
        let short = match (text.find("<?xml").or_else(|| text.find("<Error>")), xml_code(&text)) {
            (Some(at), Some(code)) => format!("{} ({code})", text[..at].trim_end_matches([' ', ':'])),
            _ => text.clone(),
        };
        scrub(&short, &self.secrets)
    }
}

/// The `<Code>` of an S3 error document inside `text`.
fn xml_code(text: &str) -> Option<&str> {
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    Some(&text[start..start + len])
}

/// `text` with every credential value replaced by `****` (an S3 error body may echo the
/// access key id).
fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if !s.expose().is_empty() {
            out = out.replace(s.expose(), "****");
        }
    }
    crate::redact::redact_text(&out)
}

impl Storage for S3 {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let path = self.object(key);
            let got = match self.store.get(&path).await {
                Ok(g) => g,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(self.fail(&format!("GET {key}"), &e)),
            };
            match got.bytes().await {
                Ok(b) => Ok(Some(b.to_vec())),
                Err(e) => Err(self.fail(&format!("GET {key}"), &e)),
            }
        })
    }

    fn put<'a>(&'a self, key: &'a str, bytes: bytes::Bytes, write: Write) -> StoreFuture<'a, Written> {
        Box::pin(async move {
            let mode = match write {
                Write::Create => PutMode::Create,
                Write::Overwrite => PutMode::Overwrite,
            };
            // One PUT of the whole body: S3 makes it visible whole or not at all.
            match self.store.put_opts(&self.object(key), bytes.into(), PutOptions::from(mode)).await {
                Ok(_) => Ok(Written::Stored),
                Err(object_store::Error::AlreadyExists { .. }) => Ok(Written::Exists),
                Err(e) => Err(self.fail(&format!("PUT {key}"), &e)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let base = self.object(prefix);
            let under = if self.prefix.is_empty() && prefix.trim_matches('/').is_empty() { None } else { Some(&base) };
            let strip = if self.prefix.is_empty() { String::new() } else { format!("{}/", self.prefix) };
            let mut stream = self.store.list(under);
            let mut out = Vec::new();
            while let Some(meta) = stream.next().await {
                let meta = meta.map_err(|e| self.fail("LIST", &e))?;
                let name = meta.location.as_ref();
                out.push(name.strip_prefix(&strip).unwrap_or(name).to_string());
            }
            Ok(out)
        })
    }

    fn ready(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            // A listing under a name nothing is stored at: one request, read-only, and
            // unlike a HEAD it tells a missing bucket from a missing key.
            let probe = self.object("depgate-ready-check");
            let e = match self.store.list(Some(&probe)).next().await {
                None | Some(Ok(_)) => return Ok(()),
                Some(Err(e)) => e,
            };
            // A listing's errors come as `Generic`: told apart by the status S3 gave.
            let text = e.to_string();
            let status = |s: &str| text.contains(&format!("status code: {s}"));
            let (kind, what) = match &e {
                object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                    (io::ErrorKind::PermissionDenied, "the object store refused the credentials")
                }
                _ if status("401") || status("403") => {
                    (io::ErrorKind::PermissionDenied, "the object store refused the credentials")
                }
                object_store::Error::NotFound { .. } => (io::ErrorKind::NotFound, "no such bucket"),
                _ if status("404") => (io::ErrorKind::NotFound, "no such bucket"),
                _ if text.contains("status code:") => (io::ErrorKind::Other, "the object store answered with an error"),
                _ => (io::ErrorKind::Other, "the object store did not answer"),
            };
            Err(io::Error::new(kind, format!("{what}: {}", self.said(&e))))
        })
    }

    fn describe(&self) -> String {
        self.what.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_error_document_is_reduced_to_its_code() {
        let text = "Server returned non-2xx status code: 403 Forbidden: <?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>long</Message></Error>";
        assert_eq!(xml_code(text), Some("SignatureDoesNotMatch"));
        assert_eq!(xml_code("no document"), None);
    }

    #[test]
    fn errors_never_carry_the_credentials() {
        let secrets = vec![Secret::new("AKIDEXAMPLE".into()), Secret::new("wJalrXUtnFEMI/K7MDENG".into())];
        let text = "403 Forbidden: <AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId> sig wJalrXUtnFEMI/K7MDENG";
        let out = scrub(text, &secrets);
        assert!(!out.contains("AKIDEXAMPLE") && !out.contains("wJalrXUtnFEMI"), "{out}");
        assert!(out.contains("403 Forbidden"));
    }
}
