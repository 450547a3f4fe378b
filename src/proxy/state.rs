//! What every request handler shares: the gate, the proxy's root URL and where each
//! ecosystem lives under it, the client tokens, the admission queue and the metrics.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, PoisonError, RwLock};

use super::access::Access;
use super::gate::Gate;
use super::listen::Admission;
use crate::metrics::Metrics;

/// Where each ecosystem lives under the proxy's root URL.
pub const NPM_PREFIX: &str = "/npm/";
pub const PYPI_PREFIX: &str = "/pypi/";
pub const MAVEN_PREFIX: &str = "/maven2/";
/// The OCI distribution API (a registry's root: `docker pull 127.0.0.1:PORT/library/nginx`).
pub const OCI_PREFIX: &str = "/v2/";

/// What every request handler shares.
pub struct Proxy {
    /// The gate of the configuration in force; a reload (SIGHUP) puts a new one here,
    /// and requests already inside keep the one they started with.
    gate: RwLock<Arc<Gate>>,
    /// Who may ask (client tokens, teams); replaced with the gate on a reload.
    access: RwLock<Arc<Access>>,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub root: String,
    /// Requests let into the gate at once, and the queue before a 503.
    pub admission: Admission,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Set on SIGTERM: `/readyz` says 503 so load balancers stop sending requests here,
    /// while the requests that still come are answered until the listener closes.
    pub draining: AtomicBool,
}

impl Proxy {
    pub fn new(gate: Arc<Gate>, access: Access, root: String, admission: Admission, metrics: Arc<Metrics>) -> Self {
        Self {
            gate: RwLock::new(gate),
            access: RwLock::new(Arc::new(access)),
            root,
            admission,
            metrics,
            draining: AtomicBool::new(false),
        }
    }

    /// The gate of the configuration in force.
    pub fn gate(&self) -> Arc<Gate> {
        self.gate.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The client tokens in force.
    pub fn access(&self) -> Arc<Access> {
        self.access.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Put a reloaded configuration in force: later requests use `gate` and `access`.
    pub fn replace(&self, gate: Arc<Gate>, access: Access) {
        *self.gate.write().unwrap_or_else(PoisonError::into_inner) = gate;
        *self.access.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(access);
    }

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
}
