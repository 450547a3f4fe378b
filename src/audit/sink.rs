//! Group commit of audit records for a long-lived writer (the proxy): many requests,
//! each waiting until its own record is on disk, share one write and one fsync — or, with
//! the fleet's PostgreSQL log, one transaction. The proxy sees [`AuditSink`] only.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::pg::Database;
use super::{AuditLog, ChainHead, Entry, Outgoing, Prepared};

/// Where a sink's records go.
#[derive(Debug)]
pub enum AuditStore {
    /// `audit.jsonl` in the report folder.
    File(AuditLog),
    /// The fleet's PostgreSQL log (`[audit] database`).
    Postgres(Database),
}

impl From<AuditLog> for AuditStore {
    fn from(log: AuditLog) -> Self {
        AuditStore::File(log)
    }
}

impl AuditStore {
    /// Where records go, for the startup log.
    pub fn describe(&self) -> String {
        match self {
            AuditStore::File(log) => format!("the file {}", log.path().display()),
            AuditStore::Postgres(db) => format!("PostgreSQL ({})", db.target()),
        }
    }
}

/// What the sink closes and reads the head from.
enum Backend {
    File(Arc<AuditLog>),
    /// The head of the fleet's chain after this process's last committed batch, how many
    /// records could not be committed (their requests refused), and the database (for
    /// the head when nothing was appended).
    Postgres(Arc<Mutex<Option<ChainHead>>>, Arc<AtomicUsize>, Database),
}

/// Most audit records appended in one write.
const MAX_BATCH: usize = 1024;

/// The audit log could not record a request, so it is not answered (503).
#[derive(Debug, Clone, Copy)]
pub struct Unrecorded;

/// One queued record, whether its request waits for the sync (else only for the write),
/// and who waits.
type Pending = (Outgoing, bool, Ack);

/// Tells a waiting request whether its record made it.
type Ack = tokio::sync::oneshot::Sender<bool>;

/// Group commit of audit records: a writer thread takes every entry queued since its last
/// write and appends them as one write, telling repeats (`hit`) at once; a syncer thread
/// behind it fsyncs whatever has been written since its last fsync and then tells the
/// first fetches. Requests wait for the disk together, and a write never waits for an
/// fsync.
pub struct AuditSink {
    tx: Mutex<Option<std::sync::mpsc::Sender<Pending>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    backend: Backend,
    failed: Arc<AtomicBool>,
}

impl AuditSink {
    /// Start writing to `store`.
    pub fn start(store: impl Into<AuditStore>) -> Self {
        match store.into() {
            AuditStore::File(log) => Self::start_file(log),
            AuditStore::Postgres(db) => Self::start_postgres(db),
        }
    }

    /// A writer thread over the database: every record queued since its last batch goes
    /// in one transaction, and each request is told once the commit is back. A batch that
    /// fails fails its requests (they are refused) and the next batch tries again on a
    /// fresh connection: a database that is down refuses requests, it does not stop the
    /// proxy for good.
    fn start_postgres(db: Database) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Pending>();
        let head = Arc::new(Mutex::new(None));
        let failed = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicUsize::new(0));
        let (writer_head, writer_lost, writer_db) = (head.clone(), lost.clone(), db.clone());
        let thread = std::thread::Builder::new()
            .name("depgate-audit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let (records, acks): (Vec<Outgoing>, Vec<Ack>) = std::iter::once(first)
                        .chain(rx.try_iter().take(MAX_BATCH - 1))
                        .map(|(record, _, ack)| (record, ack))
                        .unzip();
                    let n = records.len();
                    let ok = match futures::executor::block_on(writer_db.append(records)) {
                        Ok(h) => {
                            *writer_head.lock().unwrap_or_else(PoisonError::into_inner) = Some(h);
                            true
                        }
                        Err(e) => {
                            tracing::error!(
                                "cannot append to the audit database: {e}; {n} request{} refused",
                                if n == 1 { "" } else { "s" }
                            );
                            writer_lost.fetch_add(n, Ordering::SeqCst);
                            false
                        }
                    };
                    for ack in acks {
                        let _ = ack.send(ok);
                    }
                }
            })
            .ok();
        if thread.is_none() {
            failed.store(true, Ordering::SeqCst);
        }
        Self {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(thread),
            backend: Backend::Postgres(head, lost, db),
            failed,
        }
    }

    /// Start the writer and syncer threads over `log`.
    fn start_file(log: AuditLog) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Pending>();
        let log = Arc::new(log);
        let failed = Arc::new(AtomicBool::new(false));
        let (writer_log, writer_failed) = (log.clone(), failed.clone());
        let thread = std::thread::Builder::new()
            .name("depgate-audit".into())
            .spawn(move || {
                // The syncer fsyncs behind the writer: a write never waits for an fsync.
                let (sync_tx, sync_rx) = std::sync::mpsc::channel::<Vec<Ack>>();
                let (sync_log, sync_failed) = (writer_log.clone(), writer_failed.clone());
                let syncer = std::thread::Builder::new().name("depgate-audit-sync".into()).spawn(move || {
                    while let Ok(first) = sync_rx.recv() {
                        let waiting: Vec<Ack> = std::iter::once(first).chain(sync_rx.try_iter()).flatten().collect();
                        let ok = match sync_log.sync() {
                            Ok(()) => true,
                            Err(e) => {
                                tracing::error!("cannot sync the audit log: {e}; refusing further requests");
                                sync_failed.store(true, Ordering::SeqCst);
                                false
                            }
                        };
                        for ack in waiting {
                            let _ = ack.send(ok);
                        }
                    }
                });
                let Ok(syncer) = syncer else {
                    writer_failed.store(true, Ordering::SeqCst);
                    return;
                };
                while let Ok(first) = rx.recv() {
                    let mut entries = Vec::new();
                    let (mut on_write, mut on_sync) = (Vec::new(), Vec::new());
                    for (entry, durable, ack) in std::iter::once(first).chain(rx.try_iter().take(MAX_BATCH - 1)) {
                        entries.push(entry);
                        if durable { on_sync.push(ack) } else { on_write.push(ack) }
                    }
                    let ok = match writer_log.append_lines_unsynced(&entries) {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::error!("cannot append to the audit log: {e}; refusing further requests");
                            writer_failed.store(true, Ordering::SeqCst);
                            false
                        }
                    };
                    for ack in on_write {
                        let _ = ack.send(ok);
                    }
                    if ok && !on_sync.is_empty() {
                        if let Err(e) = sync_tx.send(on_sync) {
                            for ack in e.0 {
                                let _ = ack.send(false);
                            }
                        }
                    } else {
                        for ack in on_sync {
                            let _ = ack.send(ok);
                        }
                    }
                }
                // Whatever was written is synced before the log is closed.
                drop(sync_tx);
                let _ = syncer.join();
                if let Err(e) = writer_log.sync() {
                    tracing::error!("cannot sync the audit log: {e}");
                    writer_failed.store(true, Ordering::SeqCst);
                }
            })
            .ok();
        if thread.is_none() {
            failed.store(true, Ordering::SeqCst);
        }
        Self { tx: Mutex::new(Some(tx)), thread: Mutex::new(thread), backend: Backend::File(log), failed }
    }

    /// Queue a record; the answer says whether it reached the disk. `None` when the
    /// writer is gone (closed at shutdown, or it could not start).
    pub fn send(&self, entry: Entry, durable: bool) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        self.queue(Outgoing::Entry(Box::new(entry)), durable)
    }

    /// Queue a repeat of a prepared entry at `time` (written, not synced: a repeat).
    pub fn send_repeat(&self, prepared: Arc<Prepared>, time: String) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        self.queue(Outgoing::Repeat(prepared, time), false)
    }

    fn queue(&self, record: Outgoing, durable: bool) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        let (ack, done) = tokio::sync::oneshot::channel();
        let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        if tx.as_ref().is_none_or(|tx| tx.send((record, durable, ack)).is_err()) {
            self.failed.store(true, Ordering::SeqCst);
            return None;
        }
        Some(done)
    }

    /// Stop taking records, sync what was written and close the log; its head, unless
    /// something failed.
    pub fn close(&self) -> Option<ChainHead> {
        drop(self.tx.lock().unwrap_or_else(PoisonError::into_inner).take());
        if let Some(t) = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = t.join();
        }
        if self.failed.load(Ordering::SeqCst) {
            return None;
        }
        match &self.backend {
            Backend::File(log) => Some(log.head()),
            Backend::Postgres(head, lost, db) => {
                // Requests whose records could not be committed were refused, so the chain
                // lacks nothing that was answered: the head stands.
                let refused = lost.load(Ordering::SeqCst);
                if refused > 0 {
                    tracing::warn!(
                        "{refused} request{} refused while the audit database could not be written",
                        if refused == 1 { " was" } else { "s were" }
                    );
                }
                let head = head.lock().unwrap_or_else(PoisonError::into_inner).clone();
                // Nothing appended by this process: the fleet's head as it is now.
                head.or_else(|| futures::executor::block_on(db.head()).ok())
            }
        }
    }
}

impl AuditSink {
    /// The fleet's database, when records go there (its fleet lock serves the proxy's
    /// single flight across replicas).
    pub fn database(&self) -> Option<&Database> {
        match &self.backend {
            Backend::Postgres(_, _, db) => Some(db),
            Backend::File(_) => None,
        }
    }

    /// The log can no longer be written (an append or sync to the file failed, or the
    /// writer is gone). A failed database batch does not count: the next may succeed.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }
}
