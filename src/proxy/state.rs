//! What every request handler shares: the gate, the proxy's root URL and where each
//! ecosystem lives under it, the client token and the admission queue.

use std::sync::Arc;

use axum::http::{HeaderMap, header};

use super::gate::Gate;
use super::listen::Admission;
use crate::redact::Secret;

/// Where each ecosystem lives under the proxy's root URL.
pub const NPM_PREFIX: &str = "/npm/";
pub const PYPI_PREFIX: &str = "/pypi/";
pub const MAVEN_PREFIX: &str = "/maven2/";
/// The OCI distribution API (a registry's root: `docker pull 127.0.0.1:PORT/library/nginx`).
pub const OCI_PREFIX: &str = "/v2/";

/// What every request handler shares.
pub struct Proxy {
    pub gate: Arc<Gate>,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub root: String,
    /// Clients must present it (`Authorization: Bearer T`, or Basic with T as password).
    pub token: Option<Secret>,
    /// Requests let into the gate at once, and the queue before a 503.
    pub admission: Admission,
}

impl Proxy {
    /// The npm registry URL clients are given (ends in `/`).
    pub fn npm_url(&self) -> String {
        format!("{}{NPM_PREFIX}", self.root)
    }

    /// The PEP 503 index URL for pip (`…/pypi/simple/`).
    pub fn pypi_url(&self) -> String {
        format!("{}{PYPI_PREFIX}simple/", self.root)
    }

    /// The Maven repository URL (ends in `/`).
    pub fn maven_url(&self) -> String {
        format!("{}{MAVEN_PREFIX}", self.root)
    }

    pub(super) fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else { return true };
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
        let presented = if let Some(t) = value.strip_prefix("Bearer ") {
            Some(t.trim().to_string())
        } else if let Some(b) = value.strip_prefix("Basic ") {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .and_then(|s| s.split_once(':').map(|(_, p)| p.to_string()))
        } else {
            None
        };
        presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.expose().as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
