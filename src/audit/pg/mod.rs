//! The audit log in PostgreSQL (`[audit] database`): one hash chain for a whole fleet of
//! proxies and gates, in one append-only table.
//!
//! Every row is one record of today's format — the same bytes a line of `audit.jsonl`
//! holds — so the chain is the one [`super::verify_chain`] checks, and
//! `depgate audit export` writes a file the file verifier accepts.
//!
//! Appends: one transaction per batch takes a transaction-level advisory lock
//! (`pg_advisory_xact_lock`), reads the head (last `seq`, `hash`), inserts the batch with
//! the next seqs in one multi-row `INSERT … SELECT FROM unnest(…)`, and commits. The head
//! is read by a statement of its own after the lock is held (under READ COMMITTED each
//! statement sees what was committed when it started), so no two writers chain onto the
//! same head. A writer that dies mid-transaction leaves nothing: the server rolls back and
//! the lock goes with the session — no gap, no fork. A commit is durable
//! (`synchronous_commit`), which is what a request waits for.
//!
//! The schema is shipped as numbered SQL files (`migrations/audit/`), applied at start
//! under a session advisory lock, recorded in `depgate_schema_migrations`.
//!
//! Everything runs on a small runtime of the audit's own (one worker thread): callers on
//! the proxy's runtime, on a plain thread (the sink's writer) or in a command await or
//! block on it alike. It must not decide or print anything: callers report its errors.

mod connect;
mod lock;
mod pool;

use std::future::Future;
use std::sync::Arc;

pub use connect::{PgError, Settings};
pub use lock::FleetLockGuard;

use super::{ChainHead, Entry, GENESIS, MAX_SEQ, Outgoing};
use pool::{Conn, Pool, Pooled};
use tokio_postgres::SimpleQueryMessage;

/// The schema, in order: `(version, name, SQL)`. A new file gets the next number; a file
/// once shipped never changes.
const MIGRATIONS: &[(i32, &str, &str)] =
    &[(1, "audit_records", include_str!("../../../migrations/audit/0001_audit_records.sql"))];

/// Advisory lock keys: 64-bit hashes of names, so the fleet lock's keys (hashed the same
/// way, under another prefix) do not meet them.
fn lock_key(name: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(name.as_bytes());
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

const APPEND_LOCK: &str = "depgate:audit:append";
const MIGRATE_LOCK: &str = "depgate:schema:migrate";

/// One stored record: its chain fields and its line (without the newline).
#[derive(Debug, Clone)]
pub struct Row {
    pub seq: u64,
    pub prev: String,
    pub hash: String,
    pub line: String,
}

/// Server-side filters of [`Database::rows_after`] (exact matches).
#[derive(Debug, Clone, Default)]
pub struct RowFilter {
    pub decision: Option<String>,
    pub upstream: Option<String>,
}

/// The audit's runtime, shut down without waiting when the last handle goes (from any
/// context: a proxy's worker, a plain thread).
struct Background(Option<tokio::runtime::Runtime>);

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The audit database: a pool of connections and the runtime they live on. Cheap to
/// clone; the last clone closes every connection.
#[derive(Clone)]
pub struct Database {
    pool: Arc<Pool>,
    handle: tokio::runtime::Handle,
    runtime: Arc<Background>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("target", &self.pool.settings.target).finish_non_exhaustive()
    }
}

impl Database {
    /// Connect, and bring the schema up to date (every replica may do so at once).
    pub async fn open(settings: Settings) -> Result<Self, PgError> {
        let db = Self::start(settings)?;
        db.run(|pool| async move { migrate(&pool).await }).await?;
        Ok(db)
    }

    /// Connect to read only (`audit verify`, `query`, `export`): the schema is left as it
    /// is, so a role that may only `SELECT` can check the chain. A database no depgate has
    /// written to is an error saying so.
    pub async fn open_reader(settings: Settings) -> Result<Self, PgError> {
        let db = Self::start(settings)?;
        db.run(|pool| async move {
            let mut conn = pool.get().await?;
            let row = conn
                .conn()
                .client
                .query_one("SELECT to_regclass('depgate_audit') IS NOT NULL", &[])
                .await
                .map_err(|e| pool.settings.error("read", &e))?;
            conn.release();
            if row.get::<_, bool>(0) {
                Ok(())
            } else {
                Err(PgError::Settings(format!(
                    "the audit database ({}) has no depgate_audit table: no depgate has appended to it\n  help: check the database name, or start `depgate serve` / `depgate check` with [audit] database once",
                    pool.settings.target
                )))
            }
        })
        .await?;
        Ok(db)
    }

    fn start(settings: Settings) -> Result<Self, PgError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("depgate-audit-pg")
            .enable_all()
            .build()
            .map_err(|e| PgError::Db {
                action: "start a runtime for",
                target: settings.target.clone(),
                detail: e.to_string(),
            })?;
        let handle = runtime.handle().clone();
        let pool = Arc::new(Pool::new(settings, handle.clone()));
        Ok(Self { pool, handle, runtime: Arc::new(Background(Some(runtime))) })
    }

    /// `host … port … dbname … user …`.
    pub fn target(&self) -> &str {
        self.pool.settings.target()
    }

    /// Run `f` on the audit's runtime and wait for it (from any runtime, or from a plain
    /// thread through `futures::executor::block_on`).
    async fn run<T, F, Fut>(&self, f: F) -> Result<T, PgError>
    where
        F: FnOnce(Arc<Pool>) -> Fut,
        Fut: Future<Output = Result<T, PgError>> + Send + 'static,
        T: Send + 'static,
    {
        let task = self.handle.spawn(f(self.pool.clone()));
        task.await.map_err(|e| PgError::Db {
            action: "use",
            target: self.pool.settings.target.clone(),
            detail: format!("the database task ended: {e}"),
        })?
    }

    /// Append `records` in order as one transaction; returns the head after them. On an
    /// error nothing of the batch is in the chain — unless the connection broke during
    /// the commit itself, when the server may have committed it: the caller treats the
    /// batch as failed either way (its requests are refused), never as written.
    pub async fn append(&self, records: Vec<Outgoing>) -> Result<ChainHead, PgError> {
        if records.is_empty() {
            return self.head().await;
        }
        self.run(move |pool| async move {
            // A connection that went stale while idle fails at the first statement, before
            // anything was written: that one attempt is repeated on a fresh connection.
            let mut conn = pool.get().await?;
            match append_batch(&pool, &mut conn, &records).await {
                Ok(head) => {
                    conn.release();
                    Ok(head)
                }
                Err((Stage::Begin, _)) if conn.reused => {
                    drop(conn);
                    let mut conn = pool.get().await?;
                    let head = append_batch(&pool, &mut conn, &records).await.map_err(|(_, e)| e)?;
                    conn.release();
                    Ok(head)
                }
                Err((_, e)) => Err(e),
            }
        })
        .await
    }

    /// [`Self::append`] for entries (a `check` run's records).
    pub async fn append_entries(&self, entries: &[Entry]) -> Result<ChainHead, PgError> {
        self.append(entries.iter().map(|e| Outgoing::Entry(Box::new(e.clone()))).collect()).await
    }

    /// The last record's `seq` and `hash` (`0` and [`GENESIS`] when there is none).
    pub async fn head(&self) -> Result<ChainHead, PgError> {
        self.run(|pool| async move {
            let mut conn = pool.get().await?;
            let row = conn
                .conn()
                .client
                .query_opt("SELECT seq, hash FROM depgate_audit ORDER BY seq DESC LIMIT 1", &[])
                .await
                .map_err(|e| pool.settings.error("read the head of", &e))?;
            conn.release();
            Ok(head_of(row.as_ref()))
        })
        .await
    }

    /// At most `limit` records with `seq` above `after`, in seq order, that pass
    /// `filter`: the way to read the chain in batches without holding it in memory.
    pub async fn rows_after(&self, after: u64, limit: u32, filter: &RowFilter) -> Result<Vec<Row>, PgError> {
        let filter = filter.clone();
        self.run(move |pool| async move {
            let mut conn = pool.get().await?;
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let rows = conn
                .conn()
                .client
                .query(
                    "SELECT seq, prev, hash, line FROM depgate_audit \
                     WHERE seq > $1 AND ($2::text IS NULL OR decision = $2) AND ($3::text IS NULL OR upstream = $3) \
                     ORDER BY seq LIMIT $4",
                    &[&after, &filter.decision, &filter.upstream, &i64::from(limit)],
                )
                .await
                .map_err(|e| pool.settings.error("read records from", &e))?;
            conn.release();
            Ok(rows
                .iter()
                .map(|r| Row {
                    seq: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                    prev: r.get(1),
                    hash: r.get(2),
                    line: r.get(3),
                })
                .collect())
        })
        .await
    }

    /// Take the fleet-wide lock `key`: waits while any process of the fleet holds it.
    /// Held until the guard is dropped (or its process dies: the server ends the session
    /// and the lock with it). The guard holds one of the pool's connections meanwhile.
    pub async fn lock(&self, key: &str) -> Result<FleetLockGuard, PgError> {
        let key = lock_key(&format!("depgate:fleet:{key}"));
        let conn = self
            .run(move |pool| async move {
                let mut conn = pool.get().await?;
                conn.conn()
                    .client
                    .execute("SELECT pg_advisory_lock($1)", &[&key])
                    .await
                    .map_err(|e| pool.settings.error("take a lock in", &e))?;
                Ok(conn)
            })
            .await?;
        Ok(FleetLockGuard::new(conn, key, self.handle.clone(), self.runtime.clone()))
    }
}

fn head_of(row: Option<&tokio_postgres::Row>) -> ChainHead {
    row.map_or_else(
        || ChainHead { seq: 0, hash: GENESIS.to_string() },
        |r| ChainHead { seq: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0), hash: r.get(1) },
    )
}

/// Where an append failed: before anything was sent in its transaction, or after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Begin,
    Later,
}

/// One batch as one transaction (see the module docs), in two round trips: the lock
/// and the head in one simple query (its statements run one after the other, each with a
/// snapshot taken when it starts, so the head is read after the lock is held), then the
/// insert and the commit pipelined (a failed insert aborts the transaction, and its error
/// is what is reported: the `COMMIT` behind it then only rolls back).
async fn append_batch(pool: &Pool, conn: &mut Pooled, records: &[Outgoing]) -> Result<ChainHead, (Stage, PgError)> {
    let s = &pool.settings;
    let err = |stage, action| move |e: tokio_postgres::Error| (stage, s.error(action, &e));
    let Conn { client, statements } = conn.conn();
    if statements.is_none() {
        let insert = client
            .prepare(
                "INSERT INTO depgate_audit (seq, prev, hash, line) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
            )
            .await
            .map_err(err(Stage::Begin, "prepare statements in"))?;
        *statements = Some(insert);
    }
    let Some(insert_stmt) = statements.as_ref() else { unreachable!("prepared just above") };
    let begun = client
        .simple_query(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({}); SELECT seq, hash FROM depgate_audit ORDER BY seq DESC LIMIT 1",
            lock_key(APPEND_LOCK)
        ))
        .await
        .map_err(err(Stage::Begin, "start a transaction in"))?;
    let head = begun
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) if r.len() == 2 => Some((r.get(0)?.parse::<u64>().ok()?, r.get(1)?.to_string())),
            _ => None,
        })
        .map_or_else(|| ChainHead { seq: 0, hash: GENESIS.to_string() }, |(seq, hash)| ChainHead { seq, hash });
    if head.seq.saturating_add(records.len() as u64) > MAX_SEQ {
        return Err((Stage::Later, PgError::Full { target: s.target.clone() }));
    }
    let n = records.len();
    let (mut seqs, mut prevs, mut hashes, mut lines) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut seq, mut prev) = (head.seq, head.hash);
    let mut buf = Vec::with_capacity(2048);
    for r in records {
        seq += 1;
        buf.clear();
        let hash = r.append(&mut buf, seq, &prev);
        buf.pop(); // the newline
        let line = String::from_utf8(std::mem::take(&mut buf)).map_err(|_| {
            (
                Stage::Later,
                PgError::Db { action: "write to", target: s.target.clone(), detail: "a record is not UTF-8".into() },
            )
        })?;
        seqs.push(i64::try_from(seq).unwrap_or(i64::MAX));
        prevs.push(std::mem::replace(&mut prev, hash.clone()));
        hashes.push(hash);
        lines.push(line);
    }
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] = [&seqs, &prevs, &hashes, &lines];
    let (inserted, committed) =
        futures::future::join(client.execute(insert_stmt, &params), client.batch_execute("COMMIT")).await;
    inserted.map_err(err(Stage::Later, "insert records into"))?;
    committed.map_err(err(Stage::Later, "commit records to"))?;
    Ok(ChainHead { seq, hash: prev })
}

/// Apply the migrations not yet recorded, in order, under a session advisory lock (two
/// replicas starting at once: the second waits and then finds nothing to do).
async fn migrate(pool: &Arc<Pool>) -> Result<(), PgError> {
    let s = &pool.settings;
    let mut conn = pool.get().await?;
    let client = &conn.conn().client;
    client
        .batch_execute(&format!("SELECT pg_advisory_lock({})", lock_key(MIGRATE_LOCK)))
        .await
        .map_err(|e| s.error("lock the schema of", &e))?;
    // Created only when missing: `CREATE … IF NOT EXISTS` needs the right to create even
    // when the table is there, and a service role that only appends (the schema owned by
    // an administrator, docs/audit-postgres.md) has no such right.
    let exists = client
        .query_one("SELECT to_regclass('depgate_schema_migrations') IS NOT NULL", &[])
        .await
        .map_err(|e| s.error("read the schema of", &e))?;
    if !exists.get::<_, bool>(0) {
        client
            .batch_execute(
                "CREATE TABLE depgate_schema_migrations (\
                     component text NOT NULL, version integer NOT NULL, name text NOT NULL, \
                     applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))",
            )
            .await
            .map_err(|e| s.error("create depgate_schema_migrations in", &e))?;
    }
    let applied: Vec<i32> = client
        .query("SELECT version FROM depgate_schema_migrations WHERE component = 'audit'", &[])
        .await
        .map_err(|e| s.error("read depgate_schema_migrations in", &e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(newer) = applied.iter().copied().filter(|v| !MIGRATIONS.iter().any(|(m, ..)| m == v)).max() {
        return Err(PgError::Settings(format!(
            "the audit database ({}) has schema version {newer}, newer than this depgate knows\n  help: upgrade depgate on this replica",
            s.target
        )));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, ..)| !applied.contains(v)) {
        let tx = client.batch_execute("BEGIN").await;
        let run = async {
            tx?;
            client.batch_execute(sql).await?;
            client
                .execute(
                    "INSERT INTO depgate_schema_migrations (component, version, name) VALUES ('audit', $1, $2)",
                    &[version, name],
                )
                .await?;
            client.batch_execute("COMMIT").await
        };
        if let Err(e) = run.await {
            // The connection is dropped, not released: the server rolls back and unlocks.
            return Err(PgError::Db {
                action: "apply the schema to",
                target: s.target.clone(),
                detail: format!("migration {version:04}_{name}: {}", s.detail(&e)),
            });
        }
        tracing::info!("audit database ({}): applied schema migration {version:04}_{name}", s.target);
    }
    client
        .batch_execute(&format!("SELECT pg_advisory_unlock({})", lock_key(MIGRATE_LOCK)))
        .await
        .map_err(|e| s.error("unlock the schema of", &e))?;
    conn.release();
    Ok(())
}
