//! `audit.jsonl`: the append-only, hash-chained audit log (one JSON object per line, one
//! line per decision; later the proxy appends one per request).
//!
//! Owns the record format, its canonical hash, the chain, appending ([`AuditLog`]),
//! verification ([`verify`]) and search ([`query`]). It must not decide anything, talk to
//! the network or print: commands render what it returns. Runner context comes from the
//! GitHub Actions variables listed in `crate::env` and nothing else, so no token can reach
//! a record.
//!
//! The chain:
//! - `seq` starts at 1 and grows by one per record;
//! - `prev` is the `hash` of the record before; the first record's `prev` is [`GENESIS`]
//!   (no header line: every line is a record, so `cat a b` tools and `jq` work unchanged);
//! - `hash` = `"sha256:" + hex(sha256(canonical(record without "hash")))`, where canonical
//!   is RFC 8785 (JCS) for the values depgate writes: object keys sorted by UTF-16 code
//!   units, no whitespace, strings escaped as JSON requires (`\"`, `\\`, `\b\f\n\r\t`,
//!   other control characters as lowercase `\u00xx`, everything else as UTF-8), integers in
//!   decimal. Python's `json.dumps(rec, sort_keys=True, separators=(",", ":"),
//!   ensure_ascii=False)` produces the same bytes, so anyone can check a log without depgate.
//!
//! What the chain shows and what it cannot: an edited, removed, inserted or reordered
//! record, and a line cut short, break verification at the first record affected. Records
//! removed from the end, or a log rewritten from some point on with recomputed hashes, are
//! only caught by comparing the head (`seq` and `hash`, which verification returns) with a
//! copy kept elsewhere (a job summary, a signed statement).
//!
//! Appends: [`AuditLog`] writes each batch with one `write_all` of whole lines on a file
//! opened for append, then `sync_data`, under a mutex (safe for many threads of one
//! process). It re-reads the head when another process has grown the file, but two
//! processes appending at the same instant can still fork the chain (verification then
//! names the record): give each log one writing process.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::{Decision, Record};

use super::RunInfo;

/// `prev` of the first record of a log.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

const HASH_PREFIX: &str = "sha256:";

/// The largest `seq` a log may reach: JSON readers that hold numbers as doubles (browsers,
/// `jq` 1.6) lose integers above it.
pub const MAX_SEQ: u64 = (1 << 53) - 1;

/// Who and what ran, from the GitHub Actions environment (absent outside Actions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerContext {
    pub actor: Option<String>,
    pub repository: Option<String>,
    pub workflow: Option<String>,
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    pub sha: Option<String>,
    pub event: Option<String>,
}

impl RunnerContext {
    /// Read `GITHUB_ACTOR`, `GITHUB_REPOSITORY`, `GITHUB_WORKFLOW`, `GITHUB_RUN_ID`,
    /// `GITHUB_RUN_ATTEMPT`, `GITHUB_SHA` and `GITHUB_EVENT_NAME` (empty counts as unset).
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The same from any lookup (tests, a proxy's per-request context). Only the seven
    /// names above are ever asked for.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        use crate::env;
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        Self {
            actor: get(env::GITHUB_ACTOR),
            repository: get(env::GITHUB_REPOSITORY),
            workflow: get(env::GITHUB_WORKFLOW),
            run_id: get(env::GITHUB_RUN_ID),
            run_attempt: get(env::GITHUB_RUN_ATTEMPT),
            sha: get(env::GITHUB_SHA),
            event: get(env::GITHUB_EVENT_NAME),
        }
    }
}

/// One audit record before it is chained: what was decided about one package, when, where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339, UTC: the time of the decision (a check's `now`).
    pub time: String,
    /// `check`, `serve`, …
    pub mode: String,
    #[serde(flatten)]
    pub context: RunnerContext,
    pub purl: String,
    pub upstream: Option<String>,
    pub tier: Option<String>,
    /// Artifact URL (redacted).
    pub url: Option<String>,
    /// Strongest digest the owner publishes, `alg:hex`.
    pub digest: Option<String>,
    /// `hit` or `miss` when the artifact went through the cache.
    pub cache: Option<String>,
    /// `verified`, `unverifiable`, `violated`.
    pub verification: String,
    /// Identity of the first verified attestation (issuer, SAN, source repo, workflow, …).
    pub identity: Option<Value>,
    /// `allow`, `warn`, `quarantine`, `deny`, `error`.
    pub decision: String,
    /// Rule codes that fired (not `allow`), sorted, once each.
    pub rules: Vec<String>,
}

impl Entry {
    /// The entry for one record of a run.
    pub fn from_record(record: &Record, mode: &str, time: &str, context: &RunnerContext) -> Self {
        let res = record.resolution.as_ref();
        let digest = res.and_then(|r| {
            ["sha512", "sha384", "sha256", "sha1", "md5"]
                .iter()
                .find_map(|alg| r.digests.get(*alg).map(|hex| format!("{alg}:{hex}")))
                .or_else(|| r.digests.iter().next().map(|(alg, hex)| format!("{alg}:{hex}")))
        });
        let identity = record
            .verification
            .attestations
            .iter()
            .find(|a| a.verified)
            .and_then(|a| serde_json::to_value(&a.identity).ok())
            .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()));
        let mut rules: Vec<String> =
            record.findings.iter().filter(|f| f.level != Decision::Allow).map(|f| f.finding.rule.clone()).collect();
        rules.sort();
        rules.dedup();
        Self {
            time: time.to_string(),
            mode: mode.to_string(),
            context: context.clone(),
            purl: record.package.purl.clone(),
            upstream: res.and_then(|r| r.upstream.clone()),
            tier: res.and_then(|r| r.tier.clone()),
            url: res.and_then(|r| r.url.as_deref()).map(crate::upstream::redact_text),
            digest,
            cache: res.and_then(|r| r.cache).map(str::to_string),
            verification: record.verification.status.to_string(),
            identity,
            decision: record.decision.as_str().to_string(),
            rules,
        }
    }

    /// The entries of a whole run, in record order, timed at the run's decision time.
    pub fn for_run(run: &RunInfo, context: &RunnerContext, records: &[Record]) -> Vec<Self> {
        records.iter().map(|r| Self::from_record(r, &run.mode, &run.now, context)).collect()
    }
}

/// One line of `audit.jsonl`, fields in the order of DESIGN.md: the entry between its
/// sequence number and its chain links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    #[serde(flatten)]
    pub entry: Entry,
    /// `hash` of the record before ([`GENESIS`] for the first).
    pub prev: String,
    /// `sha256:` + hex of the canonical form of every other field.
    pub hash: String,
}

impl AuditRecord {
    /// Chain `entry` after `prev` as record `seq`, computing its hash.
    pub fn chain(seq: u64, entry: &Entry, prev: &str) -> Self {
        let mut r = Self { seq, entry: entry.clone(), prev: prev.to_string(), hash: String::new() };
        r.hash = serde_json::to_value(&r).map(|v| record_hash(&v)).unwrap_or_default();
        r
    }

    /// The line as written: compact JSON and a newline.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// The canonical form (RFC 8785 for depgate's values; see the module docs).
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                write_canonical(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// `sha256:` + hex over the canonical form of `record` without its `hash` key.
pub fn record_hash(record: &Value) -> String {
    let mut v = record.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("hash");
    }
    format!("{HASH_PREFIX}{}", hex::encode(Sha256::digest(canonical(&v))))
}

/// The last record of a valid chain (`seq` 0 and [`GENESIS`] for an empty log). A chain
/// numbered from 1 without gaps holds `seq` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error(
        "hash mismatch: the record was changed after it was written (its content hashes to {computed}, it says {recorded})"
    )]
    HashMismatch { computed: String, recorded: String },
    #[error(
        "prev mismatch: it is chained to {found}, but the record before it has hash {expected} (a record before it was removed, inserted or moved)"
    )]
    PrevMismatch { expected: String, found: String },
    #[error("seq gap: expected seq {expected}, found {found} (a record before it was removed, inserted or moved)")]
    SeqGap { expected: u64, found: u64 },
    #[error("bad JSON: {0}")]
    BadJson(String),
    #[error("not an audit record: `{0}` is missing or has the wrong type")]
    MissingField(&'static str),
    #[error("truncated line: the last line has no newline (a write was cut short, or the file was cut)")]
    Truncated,
    #[error("bad time `{0}`: not RFC 3339")]
    BadTime(String),
    #[error("seq {0} is out of range (at most 2^53 - 1, the largest integer every JSON reader keeps exactly)")]
    SeqRange(u64),
}

/// Why an audit log cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The first broken record: 1-based line number, its `seq` when readable, and what.
    #[error("line {line}{}: {problem}", seq.map(|s| format!(" (seq {s})")).unwrap_or_default())]
    Broken { line: usize, seq: Option<u64>, problem: Problem },
    #[error("cannot {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    /// An earlier write failed part-way; the file may end in a partial line.
    #[error("an earlier write to {} failed: the log may end in a partial line; run `depgate audit verify` on it", path.display())]
    Unusable { path: PathBuf },
    /// The next `seq` would pass [`MAX_SEQ`].
    #[error("{} has reached the largest seq: start a new log", path.display())]
    Full { path: PathBuf },
}

impl AuditError {
    /// The 1-based line of the first broken record, if the log itself is broken.
    pub fn line(&self) -> Option<usize> {
        match self {
            AuditError::Broken { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// One complete line, parsed and checked on its own (JSON, fields, self-hash).
fn check_line(raw: &[u8], line: usize) -> Result<(Value, u64, String), AuditError> {
    let broken = |seq, problem| AuditError::Broken { line, seq, problem };
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(broken(None, Problem::BadJson("empty line".into())));
    }
    let v: Value = serde_json::from_slice(raw).map_err(|e| broken(None, Problem::BadJson(e.to_string())))?;
    let Some(obj) = v.as_object() else {
        return Err(broken(None, Problem::BadJson("not a JSON object".into())));
    };
    let seq = obj.get("seq").and_then(Value::as_u64).ok_or_else(|| broken(None, Problem::MissingField("seq")))?;
    let recorded =
        obj.get("hash").and_then(Value::as_str).ok_or_else(|| broken(Some(seq), Problem::MissingField("hash")))?;
    if !obj.get("prev").is_some_and(Value::is_string) {
        return Err(broken(Some(seq), Problem::MissingField("prev")));
    }
    let computed = record_hash(&v);
    if computed != recorded {
        return Err(broken(Some(seq), Problem::HashMismatch { computed, recorded: recorded.to_string() }));
    }
    let recorded = recorded.to_string();
    Ok((v, seq, recorded))
}

/// Check a whole log: every line a record, every hash right, `seq` from 1 without gaps,
/// every `prev` the hash before. Returns the head, or the first broken record.
pub fn verify_chain(bytes: &[u8]) -> Result<ChainHead, AuditError> {
    let mut head = ChainHead { seq: 0, hash: GENESIS.to_string() };
    if bytes.is_empty() {
        return Ok(head);
    }
    let complete = bytes.last() == Some(&b'\n');
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if complete {
        lines.pop();
    }
    let last = lines.len();
    for (i, raw) in lines.into_iter().enumerate() {
        let line = i + 1;
        if line == last && !complete {
            let seq = serde_json::from_slice::<Value>(raw).ok().and_then(|v| v.get("seq").and_then(Value::as_u64));
            return Err(AuditError::Broken { line, seq, problem: Problem::Truncated });
        }
        let (v, seq, hash) = check_line(raw, line)?;
        let expected = head.seq + 1;
        if seq != expected {
            return Err(AuditError::Broken { line, seq: Some(seq), problem: Problem::SeqGap { expected, found: seq } });
        }
        let prev = v.get("prev").and_then(Value::as_str).unwrap_or_default();
        if prev != head.hash {
            return Err(AuditError::Broken {
                line,
                seq: Some(seq),
                problem: Problem::PrevMismatch { expected: head.hash.clone(), found: prev.to_string() },
            });
        }
        head = ChainHead { seq, hash };
    }
    Ok(head)
}

/// [`verify_chain`] over text: the number of records in an intact chain.
pub fn verify(text: &str) -> Result<usize, AuditError> {
    verify_chain(text.as_bytes()).map(|h| usize::try_from(h.seq).unwrap_or(usize::MAX))
}

/// Every record of a log with its line number, typed. Does not check the chain (see
/// [`verify_chain`]); a line that is not a record is an error naming it.
pub fn parse_records(bytes: &[u8]) -> Result<Vec<(usize, AuditRecord)>, AuditError> {
    let mut out = Vec::new();
    let complete = bytes.is_empty() || bytes.last() == Some(&b'\n');
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if complete {
        lines.pop();
    }
    let last = lines.len();
    for (i, raw) in lines.into_iter().enumerate() {
        let line = i + 1;
        if line == last && !complete {
            return Err(AuditError::Broken { line, seq: None, problem: Problem::Truncated });
        }
        let r: AuditRecord = serde_json::from_slice(raw).map_err(|e| AuditError::Broken {
            line,
            seq: None,
            problem: Problem::BadJson(e.to_string()),
        })?;
        out.push((line, r));
    }
    Ok(out)
}

/// A search over an audit log; every condition that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// purl glob (`*` also matches `/`): `pkg:npm/*`, `pkg:pypi/requests@*`.
    pub purl: Option<glob::Pattern>,
    pub upstream: Option<String>,
    pub decision: Option<String>,
    /// At or after.
    pub since: Option<OffsetDateTime>,
    /// At or before.
    pub until: Option<OffsetDateTime>,
}

impl Query {
    /// Whether `r` matches; a record whose time cannot be read is an error when a time
    /// bound is set.
    pub fn matches(&self, r: &AuditRecord) -> Result<bool, Problem> {
        let e = &r.entry;
        if self.purl.as_ref().is_some_and(|p| !p.matches(&e.purl))
            || self.upstream.as_ref().is_some_and(|u| e.upstream.as_ref() != Some(u))
            || self.decision.as_ref().is_some_and(|d| &e.decision != d)
        {
            return Ok(false);
        }
        if self.since.is_some() || self.until.is_some() {
            let t = OffsetDateTime::parse(&e.time, &Rfc3339).map_err(|_| Problem::BadTime(e.time.clone()))?;
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t > u) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The records of a log that match `q`, with their line numbers, in log order.
pub fn query(bytes: &[u8], q: &Query) -> Result<Vec<(usize, AuditRecord)>, AuditError> {
    let mut out = Vec::new();
    for (line, r) in parse_records(bytes)? {
        match q.matches(&r) {
            Ok(true) => out.push((line, r)),
            Ok(false) => {}
            Err(problem) => return Err(AuditError::Broken { line, seq: Some(r.seq), problem }),
        }
    }
    Ok(out)
}

/// A time bound for [`Query`]: RFC 3339, or a date (`2026-01-31`) meaning the start of
/// that day (UTC), or its last instant when `end_of_day`.
pub fn parse_time_bound(s: &str, end_of_day: bool) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("`{s}` is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor a date (2026-01-31)"))?;
    let t = if end_of_day { date.with_hms_nano(23, 59, 59, 999_999_999) } else { date.with_hms(0, 0, 0) }
        .map_err(|e| e.to_string())?;
    Ok(t.assume_utc())
}

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
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.failed {
            return Err(AuditError::Unusable { path: self.path.clone() });
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let io = |action, source| AuditError::Io { action, path: self.path.clone(), source };
        // Other processes append to the same log (concurrent `check` runs, a proxy and a
        // gate): an exclusive advisory lock spans reading the head and writing after it.
        // The kernel releases it if this process dies.
        s.file.lock().map_err(|e| io("lock", e))?;
        let appended = Self::append_locked(&mut s, entries, &self.path);
        let unlocked = s.file.unlock().map_err(|e| io("unlock", e));
        let records = appended?;
        unlocked?;
        Ok(records)
    }

    fn append_locked(s: &mut State, entries: &[Entry], path: &Path) -> Result<Vec<AuditRecord>, AuditError> {
        let io = |action, source| AuditError::Io { action, path: path.to_path_buf(), source };
        // Another process may have appended since: continue from its head.
        let len = s.file.metadata().map_err(|e| io("read", e))?.len();
        if len != s.len {
            let (next_seq, prev) = head_of(&mut s.file, len).map_err(|e| e.at_path(path))?;
            (s.next_seq, s.prev, s.len) = (next_seq, prev, len);
        }
        let mut records = Vec::with_capacity(entries.len());
        let mut bytes = Vec::new();
        let (mut seq, mut prev) = (s.next_seq, s.prev.clone());
        if seq.saturating_add(entries.len() as u64) > MAX_SEQ {
            return Err(AuditError::Full { path: path.to_path_buf() });
        }
        for e in entries {
            let r = AuditRecord::chain(seq, e, &prev);
            bytes.extend_from_slice(&r.to_line());
            seq += 1;
            prev.clone_from(&r.hash);
            records.push(r);
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
    crate::cache::write_atomic(&aside, &torn).map_err(|source| AuditError::Io {
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

/// Append one record per decision of a run to the log at `path` (created if missing).
pub fn append_run(
    path: &Path,
    run: &RunInfo,
    context: &RunnerContext,
    records: &[Record],
) -> Result<ChainHead, AuditError> {
    let log = AuditLog::open(path)?;
    log.append_batch(&Entry::for_run(run, context, records))?;
    Ok(log.head())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_and_escapes_like_jcs() {
        let v: Value = serde_json::from_str(r#"{"b":[1,{"z":null,"a":"\u0001\n\"é"}],"a":true}"#).unwrap();
        assert_eq!(
            String::from_utf8(canonical(&v)).unwrap(),
            "{\"a\":true,\"b\":[1,{\"a\":\"\\u0001\\n\\\"é\",\"z\":null}]}"
        );
        // UTF-16 order: U+FF61 sorts after U+1F600's surrogates (0xD83D).
        let v: Value = serde_json::from_str(r#"{"｡":1,"😀":2}"#).unwrap();
        assert_eq!(String::from_utf8(canonical(&v)).unwrap(), "{\"😀\":2,\"｡\":1}");
    }

    #[test]
    fn context_asks_only_for_the_runner_variables() {
        let asked = std::cell::RefCell::new(Vec::new());
        let ctx = RunnerContext::from_lookup(|k| {
            asked.borrow_mut().push(k.to_string());
            Some(if k == crate::env::GITHUB_RUN_ID { " ".into() } else { format!("v-{k}") })
        });
        assert!(asked.borrow().iter().all(|k| k.starts_with("GITHUB_") && !k.contains("TOKEN")));
        assert_eq!(asked.borrow().len(), 7);
        assert_eq!(ctx.run_id, None);
        assert_eq!(ctx.actor.as_deref(), Some("v-GITHUB_ACTOR"));
    }

    #[test]
    fn time_bounds() {
        assert_eq!(parse_time_bound("2026-01-31", false).unwrap().to_string(), "2026-01-31 0:00:00.0 +00:00:00");
        assert!(
            parse_time_bound("2026-01-31", true).unwrap() > parse_time_bound("2026-01-31T23:59:59Z", false).unwrap()
        );
        assert!(parse_time_bound("yesterday", false).is_err());
    }
}
