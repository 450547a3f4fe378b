//! The audit log's file store: one file opened for append, whole lines written under a
//! mutex, fsync on a second handle, the head re-read when another process grew the file,
//! and a torn last line (a writer killed mid-line) set aside before the next append.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::{
    AuditError, AuditRecord, ChainHead, Entry, GENESIS, MAX_SEQ, Outgoing, Problem, RunnerContext, check_line,
};
use crate::engine::Record;

struct State {
    file: File,
    next_seq: u64,
    prev: String,
    len: u64,
    failed: bool,
}

/// An audit log open for appending. `Send + Sync`: share it between threads.
pub struct AuditLog {
    path: PathBuf,
    state: Mutex<State>,
    /// A second handle on the same file, to sync it without holding `state` (appends go
    /// on while an fsync is in flight).
    syncer: File,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The last complete line of a file of `len` bytes, or why there is none.
enum Tail {
    Empty,
    Unterminated,
    Line(Vec<u8>),
}

fn read_tail(file: &mut File, len: u64) -> io::Result<Tail> {
    if len == 0 {
        return Ok(Tail::Empty);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] != b'\n' {
        return Ok(Tail::Unterminated);
    }
    let end = len - 1;
    let mut size: u64 = 8192;
    loop {
        let from = end.saturating_sub(size);
        let mut buf = vec![0u8; usize::try_from(end - from).unwrap_or(0)];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut buf)?;
        if let Some(p) = buf.iter().rposition(|&b| b == b'\n') {
            return Ok(Tail::Line(buf.split_off(p + 1)));
        }
        if from == 0 {
            return Ok(Tail::Line(buf));
        }
        size = size.saturating_mul(2);
    }
}

/// Lines in the file (complete or not), for naming a broken last line. Only on that error
/// path, so a plain byte loop is fast enough (no bytecount dependency).
#[allow(clippy::naive_bytecount)]
fn count_lines(file: &mut File) -> io::Result<usize> {
    file.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 64 * 1024];
    let (mut lines, mut last) = (0usize, b'\n');
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        last = buf[n - 1];
    }
    Ok(if last == b'\n' { lines } else { lines + 1 })
}

impl AuditLog {
    /// Open (or create) a log for appending and continue its chain from the last record.
    ///
    /// A last line without its newline is a write a crash cut short (one `write_all` of
    /// whole lines, then fsync, before any request is answered): its bytes are moved to
    /// `<log>.torn-<offset>` and the log is cut back to its last complete line, with a
    /// warning naming both. A complete last line whose hash is wrong is an error naming
    /// it: nothing is ever chained onto a broken head.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        let path = path.as_ref().to_path_buf();
        let io = |action| {
            let path = path.clone();
            move |source| AuditError::Io { action, path, source }
        };
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(io("open"))?;
        let mut len = file.metadata().map_err(io("read"))?.len();
        if matches!(read_tail(&mut file, len).map_err(io("read"))?, Tail::Unterminated) {
            file.lock().map_err(io("lock"))?;
            let cut = set_aside_torn_tail(&mut file, &path);
            let unlocked = file.unlock().map_err(io("unlock"));
            len = cut?;
            unlocked?;
        }
        let (next_seq, prev) = head_of(&mut file, len).map_err(|e| e.at_path(&path))?;
        let syncer = file.try_clone().map_err(io("open"))?;
        Ok(Self { path, state: Mutex::new(State { file, next_seq, prev, len, failed: false }), syncer })
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head the next record will be chained to.
    pub fn head(&self) -> ChainHead {
        let s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        ChainHead { seq: s.next_seq - 1, hash: s.prev.clone() }
    }

    /// Append one record (one `write_all` of the whole line, then `sync_data`).
    pub fn append(&self, entry: &Entry) -> Result<AuditRecord, AuditError> {
        let mut v = self.append_batch(std::slice::from_ref(entry))?;
        v.pop().ok_or(AuditError::Unusable { path: self.path.clone() })
    }

    /// Append records in order, consecutively: one `write_all` of all their lines, then
    /// `sync_data`. Returns them as written.
    pub fn append_batch(&self, entries: &[Entry]) -> Result<Vec<AuditRecord>, AuditError> {
        let records = self.append_batch_unsynced(entries)?;
        self.sync()?;
        Ok(records)
    }

    /// Sync what was appended so far (`sync_data` through a second handle, so appends are
    /// not held up meanwhile). A failure makes the log unusable, as a failed write does.
    pub fn sync(&self) -> Result<(), AuditError> {
        self.syncer.sync_data().map_err(|source| {
            self.state.lock().unwrap_or_else(PoisonError::into_inner).failed = true;
            AuditError::Io { action: "sync", path: self.path.clone(), source }
        })
    }

    /// [`Self::append_batch`] without the sync: once this returns the lines are in the
    /// file (they survive this process being killed); after [`Self::sync`] they survive a
    /// power loss.
    pub fn append_batch_unsynced(&self, entries: &[Entry]) -> Result<Vec<AuditRecord>, AuditError> {
        let outgoing: Vec<Outgoing> = entries.iter().map(|e| Outgoing::Entry(Box::new(e.clone()))).collect();
        Ok(self.append_unsynced(&outgoing, true)?.unwrap_or_default())
    }

    /// [`Self::append_batch_unsynced`] for a writer that needs nothing back (the proxy's
    /// group commit), with prepared repeats ([`super::Prepared`]) among the entries.
    pub fn append_lines_unsynced(&self, records: &[Outgoing]) -> Result<(), AuditError> {
        self.append_unsynced(records, false).map(drop)
    }

    fn append_unsynced(&self, entries: &[Outgoing], keep: bool) -> Result<Option<Vec<AuditRecord>>, AuditError> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.failed {
            return Err(AuditError::Unusable { path: self.path.clone() });
        }
        if entries.is_empty() {
            return Ok(keep.then(Vec::new));
        }
        let io = |action, source| AuditError::Io { action, path: self.path.clone(), source };
        // Other processes append to the same log (concurrent `check` runs, a proxy and a
        // gate): an exclusive advisory lock spans reading the head and writing after it.
        // The kernel releases it if this process dies.
        s.file.lock().map_err(|e| io("lock", e))?;
        let appended = Self::append_locked(&mut s, entries, &self.path, keep);
        let unlocked = s.file.unlock().map_err(|e| io("unlock", e));
        let records = appended?;
        unlocked?;
        Ok(records)
    }

    fn append_locked(
        s: &mut State,
        entries: &[Outgoing],
        path: &Path,
        keep: bool,
    ) -> Result<Option<Vec<AuditRecord>>, AuditError> {
        let io = |action, source| AuditError::Io { action, path: path.to_path_buf(), source };
        // Another process may have appended since: continue from its head.
        let len = s.file.metadata().map_err(|e| io("read", e))?.len();
        if len != s.len {
            let (next_seq, prev) = head_of(&mut s.file, len).map_err(|e| e.at_path(path))?;
            (s.next_seq, s.prev, s.len) = (next_seq, prev, len);
        }
        let mut records = keep.then(|| Vec::with_capacity(entries.len()));
        let mut bytes = Vec::new();
        let (mut seq, mut prev) = (s.next_seq, s.prev.clone());
        if seq.saturating_add(entries.len() as u64) > MAX_SEQ {
            return Err(AuditError::Full { path: path.to_path_buf() });
        }
        for e in entries {
            let hash = e.append(&mut bytes, seq, &prev);
            if let (Some(records), Outgoing::Entry(entry)) = (records.as_mut(), e) {
                records.push(AuditRecord {
                    seq,
                    entry: (**entry).clone(),
                    prev: std::mem::take(&mut prev),
                    hash: hash.clone(),
                });
            }
            seq += 1;
            prev = hash;
        }
        if let Err(e) = s.file.write_all(&bytes) {
            s.failed = true;
            return Err(io("append to", e));
        }
        s.next_seq = seq;
        s.prev = prev;
        s.len += bytes.len() as u64;
        Ok(records)
    }
}

/// Move an unterminated last line (a torn write) to `<log>.torn-<offset>` and cut the log
/// back to the end of its last complete line; returns the new length. Holds the caller's
/// lock; another process may have repaired the log already, so the tail is read again.
fn set_aside_torn_tail(file: &mut File, path: &Path) -> Result<u64, AuditError> {
    let io = |action, source| AuditError::Io { action, path: path.to_path_buf(), source };
    let len = file.metadata().map_err(|e| io("read", e))?.len();
    if !matches!(read_tail(file, len).map_err(|e| io("read", e))?, Tail::Unterminated) {
        return Ok(len);
    }
    // The torn bytes: from just after the last newline (or the start) to the end.
    let mut start = len;
    let mut buf = vec![0u8; 8192];
    loop {
        let from = start.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..usize::try_from(start - from).unwrap_or(0)];
        file.seek(SeekFrom::Start(from)).map_err(|e| io("read", e))?;
        file.read_exact(chunk).map_err(|e| io("read", e))?;
        if let Some(p) = chunk.iter().rposition(|&b| b == b'\n') {
            start = from + p as u64 + 1;
            break;
        }
        start = from;
        if from == 0 {
            break;
        }
    }
    let mut torn = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.seek(SeekFrom::Start(start)).map_err(|e| io("read", e))?;
    Read::take(&mut *file, len - start).read_to_end(&mut torn).map_err(|e| io("read", e))?;
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".torn-{start}"));
    let aside = PathBuf::from(aside);
    crate::atomic::write_atomic(&aside, &torn).map_err(|source| AuditError::Io {
        action: "write",
        path: aside.clone(),
        source,
    })?;
    file.set_len(start).and_then(|()| file.sync_all()).map_err(|e| io("cut", e))?;
    tracing::warn!(
        "{}: its last line was cut short by a crash ({} bytes, never acknowledged); moved to {} and the log \
         continues from its last complete record",
        path.display(),
        torn.len(),
        aside.display()
    );
    Ok(start)
}

/// Where a chain stands: `(next seq, hash of the last record)`.
fn head_of(file: &mut File, len: u64) -> Result<(u64, String), HeadError> {
    match read_tail(file, len)? {
        Tail::Empty => Ok((1, GENESIS.to_string())),
        Tail::Unterminated => {
            let line = count_lines(file)?;
            Err(HeadError::Broken(AuditError::Broken { line, seq: None, problem: Problem::Truncated }))
        }
        Tail::Line(raw) => match check_line(&raw, 0) {
            Ok((_, seq, hash)) if seq < MAX_SEQ => Ok((seq + 1, hash)),
            Ok((_, seq, _)) => {
                let line = count_lines(file)?;
                Err(HeadError::Broken(AuditError::Broken { line, seq: Some(seq), problem: Problem::SeqRange(seq) }))
            }
            Err(AuditError::Broken { seq, problem, .. }) => {
                let line = count_lines(file)?;
                Err(HeadError::Broken(AuditError::Broken { line, seq, problem }))
            }
            Err(e) => Err(HeadError::Broken(e)),
        },
    }
}

enum HeadError {
    Io(io::Error),
    Broken(AuditError),
}

impl From<io::Error> for HeadError {
    fn from(e: io::Error) -> Self {
        HeadError::Io(e)
    }
}

impl HeadError {
    fn at_path(self, path: &Path) -> AuditError {
        match self {
            HeadError::Io(source) => AuditError::Io { action: "read", path: path.to_path_buf(), source },
            HeadError::Broken(e) => e,
        }
    }
}

/// Append one record per decision of a run (`mode`, decided at `now`) to the log at
/// `path` (created if missing).
pub fn append_run(
    path: &Path,
    mode: &str,
    now: &str,
    context: &RunnerContext,
    records: &[Record],
) -> Result<ChainHead, AuditError> {
    let log = AuditLog::open(path)?;
    log.append_batch(&Entry::for_run(mode, now, context, records))?;
    Ok(log.head())
}
