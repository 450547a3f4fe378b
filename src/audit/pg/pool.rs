//! A few connections to the audit database, reused. Not a pool crate: every connection's
//! I/O task runs on the audit's own runtime (so the audit never waits for the proxy's
//! busy worker threads, and a caller on any runtime, or none, can use a connection), and
//! the rule is simple enough to read here: a connection goes back to the pool only when
//! its user says all went well ([`Pooled::release`]); after any error it is closed, so
//! a connection left in a failed transaction is never reused.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::{Client, NoTls, Statement};

use super::connect::{PgError, Settings};

/// Idle connections and a permit per connection in use.
pub(super) struct Pool {
    pub(super) settings: Settings,
    handle: tokio::runtime::Handle,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
}

/// One connection and the statements prepared on it.
pub(super) struct Conn {
    pub(super) client: Client,
    /// The batch insert, prepared once per connection.
    pub(super) statements: Option<Statement>,
}

/// A connection taken from the pool; closed on drop unless [`Pooled::release`]d.
pub(super) struct Pooled {
    conn: Option<Conn>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
    /// It was open before this use (so it may have gone stale while idle).
    pub(super) reused: bool,
}

impl Pool {
    pub(super) fn new(settings: Settings, handle: tokio::runtime::Handle) -> Self {
        let permits = Arc::new(Semaphore::new(settings.pool_size));
        Self { settings, handle, idle: Mutex::new(Vec::new()), permits }
    }

    /// A connection: an idle one that is still open, else a new one. Waits while
    /// `pool_size` connections are in use.
    pub(super) async fn get(self: &Arc<Self>) -> Result<Pooled, PgError> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| PgError::Db {
            action: "connect to",
            target: self.settings.target.clone(),
            detail: "the connection pool is closed".into(),
        })?;
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.retain(|c| !c.client.is_closed());
            idle.pop()
        };
        let (conn, reused) = match idle {
            Some(c) => (c, true),
            None => (self.connect().await?, false),
        };
        Ok(Pooled { conn: Some(conn), pool: self.clone(), _permit: permit, reused })
    }

    /// Open a connection; its I/O task runs on the audit's runtime.
    async fn connect(&self) -> Result<Conn, PgError> {
        let s = &self.settings;
        let client = if let Some(tls) = &s.tls {
            let (client, connection) = s.config.connect(tls.clone()).await.map_err(|e| s.error("connect to", &e))?;
            self.handle.spawn(connection);
            client
        } else {
            let (client, connection) = s.config.connect(NoTls).await.map_err(|e| s.error("connect to", &e))?;
            self.handle.spawn(connection);
            client
        };
        Ok(Conn { client, statements: None })
    }
}

impl Pooled {
    pub(super) fn conn(&mut self) -> &mut Conn {
        // Present until release or drop, which consume or end the guard.
        self.conn.as_mut().expect("a pooled connection is present until released")
    }

    /// `e` as an error of this database.
    pub(super) fn error(&self, action: &'static str, e: &tokio_postgres::Error) -> PgError {
        self.pool.settings.error(action, e)
    }

    /// Give the connection back for reuse: its last use went well.
    pub(super) fn release(mut self) {
        if let Some(c) = self.conn.take().filter(|c| !c.client.is_closed()) {
            self.pool.idle.lock().unwrap_or_else(PoisonError::into_inner).push(c);
        }
    }
}
