//! The fleet-wide lock: a PostgreSQL session advisory lock (`pg_advisory_lock`) on one of
//! the pool's connections, held by a guard. Every replica that asks for the same key waits
//! for the holder; a holder that dies loses its session and the lock with it.

use std::sync::Arc;

use super::pool::Pooled;
use super::{Background, PgError};

/// Holds a fleet-wide lock until dropped (or [`FleetLockGuard::unlock`]ed).
pub struct FleetLockGuard {
    conn: Option<Pooled>,
    key: i64,
    handle: tokio::runtime::Handle,
    /// Keeps the runtime the connection lives on while the lock is held.
    _runtime: Arc<Background>,
}

impl std::fmt::Debug for FleetLockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetLockGuard").field("key", &self.key).finish_non_exhaustive()
    }
}

impl FleetLockGuard {
    pub(super) fn new(conn: Pooled, key: i64, handle: tokio::runtime::Handle, runtime: Arc<Background>) -> Self {
        Self { conn: Some(conn), key, handle, _runtime: runtime }
    }

    /// Release the lock and wait until the server has (dropping the guard does the same
    /// without waiting).
    pub async fn unlock(mut self) -> Result<(), PgError> {
        let Some(conn) = self.conn.take() else { return Ok(()) };
        let task = self.handle.spawn(unlock(conn, self.key));
        task.await.unwrap_or(Ok(()))
    }
}

impl Drop for FleetLockGuard {
    fn drop(&mut self) {
        // On the audit's runtime, not waited for. Should the runtime be gone already,
        // the connection closed with it, and the server released the lock.
        if let Some(conn) = self.conn.take() {
            let key = self.key;
            self.handle.spawn(async move {
                if let Err(e) = unlock(conn, key).await {
                    tracing::warn!("{e} (the connection was closed, which releases it)");
                }
            });
        }
    }
}

/// `pg_advisory_unlock`; a connection whose unlock failed (or found no lock) is closed,
/// which ends its session and whatever it held.
async fn unlock(mut conn: Pooled, key: i64) -> Result<(), PgError> {
    match conn.conn().client.query_one("SELECT pg_advisory_unlock($1)", &[&key]).await {
        Ok(row) if row.get::<_, bool>(0) => {
            conn.release();
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(conn.error("release a lock in", &e)),
    }
}

/// The proxy's single flight across replicas (`Upstreams::with_fleet_lock`) on this lock.
impl crate::upstream::FleetLock for super::Database {
    fn lock<'a>(&'a self, key: &'a str) -> crate::upstream::LockFuture<'a> {
        Box::pin(async move {
            super::Database::lock(self, key).await.map(|g| Box::new(g) as Box<dyn Send>).map_err(|e| e.to_string())
        })
    }
}
