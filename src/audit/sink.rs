//! Group commit of audit records for a long-lived writer (the proxy): many requests,
//! each waiting until its own record is on disk, share one write and one fsync — or, with
//! the fleet's PostgreSQL log, one transaction. The proxy sees [`AuditSink`] only.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

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

/// Wait for the answer about a queued record ([`AuditSink::send`]): `Ok` once it is
/// written (or synced, for a durable one), [`Unrecorded`] when it was not or could not
/// be queued.
pub async fn written(ack: Option<tokio::sync::oneshot::Receiver<bool>>) -> Result<(), Unrecorded> {
    let Some(ack) = ack else { return Err(Unrecorded) };
    if ack.await.unwrap_or(false) { Ok(()) } else { Err(Unrecorded) }
}

/// One queued record, whether its request waits for the sync (else only for the write),
/// and who waits.
type Pending = (Outgoing, bool, Ack);

/// Tells a waiting request whether its record made it.
type Ack = tokio::sync::oneshot::Sender<bool>;

/// Group commit of audit records: a writer thread takes every entry queued since its last
/// write and appends them as one write, telling repeats (`hit`) at once (on a runtime,
/// records that wait only for their write go to a writer task on the queuing thread
/// instead, see [`AuditSink::queue_unsynced`]); a syncer thread
/// behind it fsyncs whatever has been written since its last fsync and then tells the
/// first fetches. Requests wait for the disk together, and a write never waits for an
/// fsync.
pub struct AuditSink {
    tx: Mutex<Option<std::sync::mpsc::Sender<Pending>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    backend: Backend,
    failed: Arc<AtomicBool>,
    /// Set by [`Self::close`]: nothing more is written. The unsynced writer task holds it
    /// for reading while it writes, so close waits for that write and its sync covers it.
    closed: Arc<RwLock<bool>>,
    /// Names this sink among the writer tasks a thread keeps ([`UNSYNCED_WRITERS`]).
    id: u64,
}

/// The unsynced writer tasks started from this thread, by sink id: each serving thread
/// of the proxy runs its own runtime, and its requests' records go to a writer task on
/// that runtime (no thread switch between a request and its write).
type Writer = tokio::sync::mpsc::UnboundedSender<(Outgoing, Ack)>;

thread_local! {
    static UNSYNCED_WRITERS: RefCell<Vec<(u64, Writer)>> = const { RefCell::new(Vec::new()) };
}

static NEXT_SINK: AtomicU64 = AtomicU64::new(0);

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
            closed: Arc::new(RwLock::new(false)),
            id: NEXT_SINK.fetch_add(1, Ordering::Relaxed),
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
        Self {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(thread),
            backend: Backend::File(log),
            failed,
            closed: Arc::new(RwLock::new(false)),
            id: NEXT_SINK.fetch_add(1, Ordering::Relaxed),
        }
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

    /// Queue a record that waits only for its write (a repeat, a listing) with the writer
    /// task this thread started on its runtime for this sink (started with the first such
    /// record, started again if that runtime is gone); the record back when there is no
    /// writer task to take it (the database, or off a runtime: the writer thread takes it).
    /// Handing each such request to the writer thread and back cost two thread switches,
    /// most of a cached file's serving time; the task runs between requests on the same
    /// thread and takes every record queued since its last turn in one write.
    fn queue_unsynced(&self, record: Outgoing, ack: Ack) -> Result<(), (Outgoing, Ack)> {
        let Backend::File(log) = &self.backend else { return Err((record, ack)) };
        UNSYNCED_WRITERS.with_borrow_mut(|writers| {
            let mut pending = (record, ack);
            if let Some(i) = writers.iter().position(|(id, _)| *id == self.id) {
                match writers[i].1.send(pending) {
                    Ok(()) => return Ok(()),
                    Err(tokio::sync::mpsc::error::SendError(back)) => {
                        writers.swap_remove(i);
                        pending = back;
                    }
                }
            }
            let Ok(runtime) = tokio::runtime::Handle::try_current() else { return Err(pending) };
            // Writers of closed sinks and of runtimes that are gone.
            writers.retain(|(_, w)| !w.is_closed());
            let writer = self.start_unsynced_writer(log, &runtime);
            writer.send(pending).map_err(|e| e.0)?;
            writers.push((self.id, writer));
            Ok(())
        })
    }

    fn start_unsynced_writer(&self, log: &Arc<AuditLog>, runtime: &tokio::runtime::Handle) -> Writer {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Outgoing, Ack)>();
        let (log, failed, closed) = (log.clone(), self.failed.clone(), self.closed.clone());
        runtime.spawn(async move {
            let mut queued = Vec::new();
            while rx.recv_many(&mut queued, MAX_BATCH).await > 0 {
                // Woken by a request, this task would run right after it (a worker runs
                // the task its current one woke next): one record per write. It lets the
                // requests already runnable go first and takes theirs in the same write
                // (about a dozen a write under load, measured).
                tokio::task::yield_now().await;
                while queued.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(r) => queued.push(r),
                        Err(_) => break,
                    }
                }
                let (records, acks): (Vec<Outgoing>, Vec<Ack>) = queued.drain(..).unzip();
                let (ok, done) = {
                    // Held while writing: close() waits for this write, and its sync covers it.
                    let closed = closed.read().unwrap_or_else(PoisonError::into_inner);
                    if *closed || failed.load(Ordering::SeqCst) {
                        (false, *closed)
                    } else if let Err(e) = log.append_lines_unsynced(&records) {
                        tracing::error!("cannot append to the audit log: {e}; refusing further requests");
                        failed.store(true, Ordering::SeqCst);
                        (false, false)
                    } else {
                        (true, false)
                    }
                };
                for ack in acks {
                    let _ = ack.send(ok);
                }
                // A closed sink takes nothing more: the task ends, and so does its channel.
                if done {
                    break;
                }
            }
        });
        tx
    }

    fn queue(&self, record: Outgoing, durable: bool) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        let (ack, done) = tokio::sync::oneshot::channel();
        let (record, ack) = if durable {
            (record, ack)
        } else {
            match self.queue_unsynced(record, ack) {
                Ok(()) => return Some(done),
                Err(back) => back,
            }
        };
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
        *self.closed.write().unwrap_or_else(PoisonError::into_inner) = true;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditRecord;

    const LINE: &str = r#"{"seq":1,"time":"2026-12-04T21:14:25Z","mode":"serve","actor":null,"repository":null,"workflow":null,"run_id":null,"run_attempt":null,"sha":null,"event":null,"purl":"pkg:npm/x@1.0.0","upstream":"npmjs","tier":"public","url":"https://r.example/x/-/x-1.0.0.tgz","digest":"sha512:ab","cache":"hit","verification":"verified","identity":null,"decision":"allow","rules":[],"prev":"sha256:00","hash":"sha256:00"}"#;

    /// `n` records from as many tasks on the current runtime, every `durable_every`-th a
    /// durable record and the others repeats at `time(i)`; how many were written (each
    /// must be).
    async fn send_mixed(
        sink: &Arc<AuditSink>,
        prepared: &Arc<Prepared>,
        entry: &Entry,
        n: usize,
        durable_every: usize,
        time: impl Fn(usize) -> String,
    ) -> usize {
        let mut tasks = Vec::new();
        for i in 0..n {
            let (sink, prepared, entry, time) = (sink.clone(), prepared.clone(), entry.clone(), time(i));
            tasks.push(tokio::spawn(async move {
                if i % durable_every == 0 {
                    sink.send(entry, true).unwrap().await.unwrap()
                } else {
                    sink.send_repeat(prepared, time).unwrap().await.unwrap()
                }
            }));
        }
        let mut written = 0;
        for task in tasks {
            assert!(task.await.unwrap(), "every record is written");
            written += 1;
        }
        written
    }

    /// Repeats from many tasks on two worker threads, between first fetches that wait
    /// for the fsync: every one answered true is a record, the chain holds, and a repeat
    /// after close is refused.
    #[test]
    fn repeats_from_the_runtime_and_durable_records_make_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let sink = Arc::new(AuditSink::start(AuditLog::open(&path).unwrap()));
        let entry = serde_json::from_str::<AuditRecord>(LINE).unwrap().entry;
        let prepared = Arc::new(Prepared::new(&entry).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let written = runtime
            .block_on(send_mixed(&sink, &prepared, &entry, 400, 50, |i| format!("2026-12-04T21:14:{:02}Z", i % 60)));
        assert!(sink.close().is_some());
        let after =
            runtime.block_on(async { sink.send_repeat(prepared, "2026-12-04T21:15:00Z".into()).unwrap().await });
        assert!(!after.unwrap(), "closed");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(crate::audit::verify(&text).unwrap(), written);
        assert_eq!(written, 400);
    }

    /// The proxy's serving threads, one runtime each: every thread's repeats go to its
    /// own writer task and all of them land in one chain; a thread whose runtime was
    /// replaced (its writer task gone with it) starts a new writer and loses nothing.
    #[test]
    fn writers_on_separate_runtimes_make_one_chain_and_outlive_a_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let sink = Arc::new(AuditSink::start(AuditLog::open(&path).unwrap()));
        let entry = serde_json::from_str::<AuditRecord>(LINE).unwrap().entry;
        let prepared = Arc::new(Prepared::new(&entry).unwrap());
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let (sink, prepared, entry) = (sink.clone(), prepared.clone(), entry.clone());
                std::thread::spawn(move || {
                    let mut written = 0;
                    // Two runtimes one after the other on this thread.
                    for round in 0..2 {
                        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                        written += runtime.block_on(send_mixed(&sink, &prepared, &entry, 100, 25, |i| {
                            format!("2026-12-04T2{t}:{round}4:{:02}Z", i % 60)
                        }));
                    }
                    written
                })
            })
            .collect();
        let written: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(written, 600);
        assert!(sink.close().is_some());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(crate::audit::verify(&text).unwrap(), written);
    }
}
