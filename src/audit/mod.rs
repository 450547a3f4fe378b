//! `audit.jsonl`: the append-only, hash-chained audit log (one JSON object per line: one
//! per decision of a `check`, one per request the proxy answers).
//!
//! Owns the record format, its canonical hash, the chain, the file store ([`AuditLog`]:
//! lock, append, fsync, torn-tail repair), the fleet's PostgreSQL store ([`pg`]: the same
//! records, one chain for every replica), the proxy's group commit ([`AuditSink`], over
//! either),
//! verification ([`verify`]) and search ([`query`]). `check` (through
//! `commands::output`) and `serve` both write through it. It must not decide anything,
//! talk to the network or print: commands render what it returns. Runner context
//! ([`RunnerContext`]) comes from the GitHub Actions variables listed in `crate::env` and
//! nothing else, so no token can reach a record.
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

mod context;
mod log;
pub mod pg;
mod sink;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

pub use context::RunnerContext;
pub use log::{AuditLog, append_run};
pub use sink::{AuditSink, AuditStore, Unrecorded, written};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::{AdvisoryCheck, Decision, Record};

/// `prev` of the first record of a log.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

const HASH_PREFIX: &str = "sha256:";

/// The largest `seq` a log may reach: JSON readers that hold numbers as doubles (browsers,
/// `jq` 1.6) lose integers above it.
pub const MAX_SEQ: u64 = (1 << 53) - 1;

/// One audit record before it is chained: what was decided about one package, when, where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339, UTC: the time of the decision (a check's `now`).
    pub time: String,
    /// `check`, `serve`, …
    pub mode: String,
    #[serde(flatten)]
    pub context: RunnerContext,
    /// The team whose token the proxy's request carried (`[teams.<name>]`). Left out
    /// when there is none (`check`, a proxy without team tokens), and in records written
    /// before teams existed, whose hashes stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
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
    /// The advisories that name this version (their lead ids: `GHSA-…`, `MAL-…`), as
    /// matched, most severe first. Left out when none (and in records written before
    /// advisories existed, whose hashes stay as they were).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisories: Vec<String>,
    /// Digest of the advisory database the version was matched against (left out when it
    /// was not matched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory_db: Option<String>,
    /// OpenVet's verdict on the version's reviews (`pass`, `fail`, `unaudited`) and the
    /// logs whose audits counted, when `[reviews]` is configured (left out otherwise, and
    /// in records written before reviews existed, whose hashes stay as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_logs: Vec<String>,
    /// What the proxy was asked for when the decision is not about a file it fetched:
    /// `listing` for a version held back from a listing (npm packument, simple page,
    /// `maven-metadata.xml`), never served and never fetched. Left out for files (and in
    /// records written before it existed, whose hashes stay as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
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
            .evidence
            .verification
            .attestations()
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
            team: None,
            purl: record.package.purl.clone(),
            upstream: res.and_then(|r| r.upstream.clone()),
            tier: res.and_then(|r| r.tier.clone()),
            url: res.and_then(|r| r.url.as_deref()).map(crate::redact::redact_text),
            digest,
            cache: res.and_then(|r| r.cache).map(|c| c.as_str().to_string()),
            verification: record.evidence.verification.status().as_str().to_string(),
            identity,
            decision: record.decision.as_str().to_string(),
            rules,
            advisories: record.evidence.advisories.matched().iter().map(|a| a.id.clone()).collect(),
            advisory_db: match &record.evidence.advisories {
                AdvisoryCheck::Checked { database, .. } => Some(database.clone()),
                AdvisoryCheck::NotChecked { .. } => None,
            },
            review: record.evidence.reviews.checked().map(|c| {
                serde_json::to_value(c.verdict).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            }),
            review_logs: record
                .evidence
                .reviews
                .checked()
                .map(|c| {
                    let mut logs: Vec<String> = c
                        .reviews
                        .iter()
                        .filter(|r| r.subject_match && r.status == crate::reviews::ReviewStatus::Verified)
                        .map(|r| r.log.clone())
                        .collect();
                    logs.sort();
                    logs.dedup();
                    logs
                })
                .unwrap_or_default(),
            request: None,
        }
    }

    /// The entries of a whole run (`mode`), in record order, timed at the run's decision
    /// time `now`.
    pub fn for_run(mode: &str, now: &str, context: &RunnerContext, records: &[Record]) -> Vec<Self> {
        records.iter().map(|r| Self::from_record(r, mode, now, context)).collect()
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
        let hash = chained_hash(seq, entry, prev);
        Self { seq, entry: entry.clone(), prev: prev.to_string(), hash }
    }

    /// The line as written: compact JSON and a newline.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = Vec::new();
        write_line(&mut line, self.seq, &self.entry, &self.prev, &self.hash);
        line
    }
}

/// A record as written, borrowed: the same fields in the same order as [`AuditRecord`]
/// (`hash` left out while it is computed), so a batch is hashed and written without
/// copying its entries.
#[derive(Serialize)]
struct RecordRef<'a> {
    seq: u64,
    #[serde(flatten)]
    entry: &'a Entry,
    prev: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<&'a str>,
}

/// The `hash` of `entry` chained as record `seq` after `prev`.
pub(crate) fn chained_hash(seq: u64, entry: &Entry, prev: &str) -> String {
    let unhashed = RecordRef { seq, entry, prev, hash: None };
    let canonical = serde_json::to_value(&unhashed).map(|v| canonical(&v)).unwrap_or_default();
    format!("{HASH_PREFIX}{}", hex::encode(Sha256::digest(canonical)))
}

/// Append the line of record `seq` (compact JSON, the fields in [`AuditRecord`]'s order,
/// then a newline) to `out`.
pub(crate) fn write_line(out: &mut Vec<u8>, seq: u64, entry: &Entry, prev: &str, hash: &str) {
    let record = RecordRef { seq, entry, prev, hash: Some(hash) };
    // Serialising these types into memory cannot fail (no non-string map keys).
    let _ = serde_json::to_writer(&mut *out, &record);
    out.push(b'\n');
}

/// The canonical form (RFC 8785 for depgate's values; see the module docs).
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => write_canonical_object(map, None, out),
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

/// A record to append: an entry, or a repeat of a [`Prepared`] entry at another time.
#[derive(Debug, Clone)]
pub enum Outgoing {
    Entry(Box<Entry>),
    /// The prepared entry with this `time` (RFC 3339).
    Repeat(Arc<Prepared>, String),
}

/// One piece of a [`Prepared`] record: bytes as they are, or a field filled per record.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Bytes(Vec<u8>),
    Seq,
    Time,
    Prev,
    Hash,
}

/// An entry appended again and again with only its `time` changed (the proxy's record of
/// each repeat of a file it already decided): its canonical form and its line, made once
/// and cut where `seq`, `time`, `prev` and `hash` go, so that each record costs a copy,
/// one SHA-256 and no JSON work. The result is byte for byte what [`chained_hash`] and
/// [`write_line`] make of the same entry (tested).
#[derive(Debug)]
pub struct Prepared {
    canonical: Vec<Piece>,
    line: Vec<Piece>,
}

/// Stand-ins put where the per-record fields go, found again in the serialised bytes.
/// NUL never occurs in a value depgate writes, and the seq is beyond [`MAX_SEQ`].
const TIME_MARK: &str = "\u{0}time\u{0}";
const PREV_MARK: &str = "\u{0}prev\u{0}";
const HASH_MARK: &str = "\u{0}hash\u{0}";
const SEQ_MARK: u64 = u64::MAX;

impl Prepared {
    /// Prepare `entry` (its `time` is ignored). `None` when the stand-ins cannot be told
    /// apart from the entry's own values; the caller then appends entries as usual.
    pub fn new(entry: &Entry) -> Option<Self> {
        let mut marked = entry.clone();
        marked.time = TIME_MARK.to_string();
        let unhashed = RecordRef { seq: SEQ_MARK, entry: &marked, prev: PREV_MARK, hash: None };
        let canonical = canonical(&serde_json::to_value(&unhashed).ok()?);
        let mut line = Vec::new();
        write_line(&mut line, SEQ_MARK, &marked, PREV_MARK, HASH_MARK);
        Some(Self { canonical: cut(&canonical, false)?, line: cut(&line, true)? })
    }

    /// The hash of this entry at `time` chained as record `seq` after `prev`.
    fn hash(&self, seq: u64, time: &str, prev: &str) -> String {
        let mut bytes = Vec::with_capacity(1024);
        fill(&mut bytes, &self.canonical, seq, time, prev, "");
        format!("{HASH_PREFIX}{}", hex::encode(Sha256::digest(&bytes)))
    }

    /// Append the line of this entry at `time` as record `seq` to `out`.
    fn write_line(&self, out: &mut Vec<u8>, seq: u64, time: &str, prev: &str, hash: &str) {
        fill(out, &self.line, seq, time, prev, hash);
    }
}

/// `bytes` cut at each stand-in: every one exactly once (`hash` only in a line).
fn cut(bytes: &[u8], with_hash: bool) -> Option<Vec<Piece>> {
    let quoted = |mark: &str| serde_json::to_vec(mark).unwrap_or_default();
    let mut marks = vec![
        (SEQ_MARK.to_string().into_bytes(), Piece::Seq),
        (quoted(TIME_MARK), Piece::Time),
        (quoted(PREV_MARK), Piece::Prev),
    ];
    if with_hash {
        marks.push((quoted(HASH_MARK), Piece::Hash));
    }
    let mut found: Vec<(usize, usize, Piece)> = Vec::new();
    for (mark, piece) in marks {
        let at: Vec<usize> =
            bytes.windows(mark.len()).enumerate().filter(|(_, w)| *w == mark.as_slice()).map(|(i, _)| i).collect();
        let [i] = at.as_slice() else { return None };
        found.push((*i, mark.len(), piece));
    }
    found.sort_by_key(|(i, _, _)| *i);
    let mut pieces = Vec::new();
    let mut from = 0;
    for (i, len, piece) in found {
        if i < from {
            return None;
        }
        pieces.push(Piece::Bytes(bytes[from..i].to_vec()));
        pieces.push(piece);
        from = i + len;
    }
    pieces.push(Piece::Bytes(bytes[from..].to_vec()));
    Some(pieces)
}

fn fill(out: &mut Vec<u8>, pieces: &[Piece], seq: u64, time: &str, prev: &str, hash: &str) {
    for p in pieces {
        match p {
            Piece::Bytes(b) => out.extend_from_slice(b),
            Piece::Seq => out.extend_from_slice(seq.to_string().as_bytes()),
            // JSON strings, escaped as serde_json escapes them (as in the slow path).
            Piece::Time => drop(serde_json::to_writer(&mut *out, time)),
            Piece::Prev => drop(serde_json::to_writer(&mut *out, prev)),
            Piece::Hash => drop(serde_json::to_writer(&mut *out, hash)),
        }
    }
}

impl Outgoing {
    /// The hash of this record chained as `seq` after `prev`, and its line appended to `out`.
    pub(crate) fn append(&self, out: &mut Vec<u8>, seq: u64, prev: &str) -> String {
        match self {
            Outgoing::Entry(e) => {
                let hash = chained_hash(seq, e, prev);
                write_line(out, seq, e, prev, &hash);
                hash
            }
            Outgoing::Repeat(p, time) => {
                let hash = p.hash(seq, time, prev);
                p.write_line(out, seq, time, prev, &hash);
                hash
            }
        }
    }
}

/// An object's members sorted by key (UTF-16 code units; byte order when both keys are
/// ASCII, where the two orders agree), `skip` left out.
fn write_canonical_object(map: &serde_json::Map<String, Value>, skip: Option<&str>, out: &mut Vec<u8>) {
    let mut members: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| Some(k.as_str()) != skip).collect();
    members.sort_unstable_by(|(a, _), (b, _)| {
        if a.is_ascii() && b.is_ascii() {
            a.as_bytes().cmp(b.as_bytes())
        } else {
            a.encode_utf16().cmp(b.encode_utf16())
        }
    });
    out.push(b'{');
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut *out, k);
        out.push(b':');
        write_canonical(v, out);
    }
    out.push(b'}');
}

/// `sha256:` + hex over the canonical form of `record` without its `hash` key.
pub fn record_hash(record: &Value) -> String {
    let mut out = Vec::new();
    match record.as_object() {
        // The canonical form of the object without its `hash` key, without copying it.
        Some(map) => write_canonical_object(map, Some("hash"), &mut out),
        None => write_canonical(record, &mut out),
    }
    format!("{HASH_PREFIX}{}", hex::encode(Sha256::digest(out)))
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
pub(super) fn check_line(raw: &[u8], line: usize) -> Result<(Value, u64, String), AuditError> {
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

/// The chain checked one record at a time: the file verifier ([`verify_chain`]) and the
/// database's (`pg`) feed it complete lines in order.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    head: ChainHead,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainCheck {
    /// A check before the first record.
    pub fn new() -> Self {
        Self { head: ChainHead { seq: 0, hash: GENESIS.to_string() } }
    }

    /// A check that continues after `head` (records exported after a seq).
    pub fn after(head: ChainHead) -> Self {
        Self { head }
    }

    /// Check the next record, `raw` without its newline (`line` names it in errors):
    /// its own hash, then its `seq` and `prev` against the record before. Returns the
    /// record parsed.
    pub fn push(&mut self, raw: &[u8], line: usize) -> Result<Value, AuditError> {
        let (v, seq, hash) = check_line(raw, line)?;
        let expected = self.head.seq + 1;
        if seq != expected {
            return Err(AuditError::Broken { line, seq: Some(seq), problem: Problem::SeqGap { expected, found: seq } });
        }
        let prev = v.get("prev").and_then(Value::as_str).unwrap_or_default();
        if prev != self.head.hash {
            return Err(AuditError::Broken {
                line,
                seq: Some(seq),
                problem: Problem::PrevMismatch { expected: self.head.hash.clone(), found: prev.to_string() },
            });
        }
        self.head = ChainHead { seq, hash };
        Ok(v)
    }

    /// The last record checked.
    pub fn head(&self) -> &ChainHead {
        &self.head
    }
}

/// Check a whole log: every line a record, every hash right, `seq` from 1 without gaps,
/// every `prev` the hash before. Returns the head, or the first broken record.
pub fn verify_chain(bytes: &[u8]) -> Result<ChainHead, AuditError> {
    let mut check = ChainCheck::new();
    if bytes.is_empty() {
        return Ok(check.head);
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
        check.push(raw, line)?;
    }
    Ok(check.head)
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
    /// Records whose version this advisory (its lead id, any case) names.
    pub advisory: Option<String>,
    /// Records of requests this team's token made.
    pub team: Option<String>,
}

impl Query {
    /// Whether `r` matches; a record whose time cannot be read is an error when a time
    /// bound is set.
    pub fn matches(&self, r: &AuditRecord) -> Result<bool, Problem> {
        let e = &r.entry;
        if self.purl.as_ref().is_some_and(|p| !p.matches(&e.purl))
            || self.upstream.as_ref().is_some_and(|u| e.upstream.as_ref() != Some(u))
            || self.decision.as_ref().is_some_and(|d| &e.decision != d)
            || self.advisory.as_ref().is_some_and(|id| !e.advisories.iter().any(|a| a.eq_ignore_ascii_case(id)))
            || self.team.as_ref().is_some_and(|t| e.team.as_ref() != Some(t))
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
    fn entries_without_advisories_hash_as_before() {
        // A record as depgate wrote it before audit records named advisories.
        let line = r#"{"seq":1,"time":"2026-12-04T21:14:25.808101968Z","mode":"check","actor":null,"repository":null,"workflow":null,"run_id":null,"run_attempt":null,"sha":null,"event":null,"purl":"pkg:npm/lodash@4.17.20","upstream":null,"tier":null,"url":null,"digest":null,"cache":null,"verification":"pending","identity":null,"decision":"deny","rules":["vulnerability"],"prev":"sha256:0000000000000000000000000000000000000000000000000000000000000000","hash":"sha256:b611b622a437001dfb214839ee525504ca393dd7882ef7020920636d1faa6e77"}"#;
        assert_eq!(verify(&format!("{line}\n")).unwrap(), 1);
        let v: Value = serde_json::from_str(line).unwrap();
        let old: AuditRecord = serde_json::from_value(v.clone()).unwrap();
        assert!(old.entry.advisories.is_empty() && old.entry.advisory_db.is_none());
        let again = AuditRecord::chain(1, &old.entry, GENESIS);
        assert_eq!(again.hash, v["hash"], "an old record re-chained keeps its hash");
        let line = String::from_utf8(again.to_line()).unwrap();
        assert!(!line.contains("advisor"), "{line}");
        let mut with = old.entry.clone();
        with.advisories = vec!["GHSA-35jh-r3h4-6jhm".into()];
        with.advisory_db = Some("sha256:ab".into());
        let rec = AuditRecord::chain(1, &with, GENESIS);
        assert_ne!(rec.hash, again.hash);
        assert_eq!(verify(&String::from_utf8(rec.to_line()).unwrap()).unwrap(), 1);
        let q = Query { advisory: Some("ghsa-35jh-r3h4-6jhm".into()), ..Query::default() };
        assert!(q.matches(&rec).unwrap());
        assert!(!q.matches(&again).unwrap());
    }

    #[test]
    fn prepared_repeats_are_the_records_the_slow_path_writes() {
        let line = r#"{"seq":1,"time":"2026-12-04T21:14:25.808101968Z","mode":"serve","actor":"a\"b","repository":"o/r","workflow":null,"run_id":"7","run_attempt":null,"sha":null,"event":null,"purl":"pkg:npm/%40s/x@1.0.0","upstream":"npmjs","tier":"public","url":"https://r.example/x/-/x-1.0.0.tgz","digest":"sha512:ab","cache":"hit","verification":"verified","identity":{"issuer":"https://token.actions.githubusercontent.com","san":"é"},"decision":"warn","rules":["b","a"],"advisories":["GHSA-1"],"prev":"sha256:00","hash":"sha256:00"}"#;
        let rec: AuditRecord = serde_json::from_str(line).unwrap();
        let prepared = Prepared::new(&rec.entry).expect("the stand-ins are found once each");
        let mut prev = GENESIS.to_string();
        let mut log = Vec::new();
        for (seq, time) in
            [(1, "2026-12-04T21:14:25Z"), (2, "2026-12-04T21:14:26.5Z"), (123_456_789, "2027-01-01T00:00:00Z")]
        {
            let mut entry = rec.entry.clone();
            entry.time = time.to_string();
            let mut slow = Vec::new();
            let slow_hash = Outgoing::Entry(Box::new(entry)).append(&mut slow, seq, &prev);
            let mut fast = Vec::new();
            let fast_hash = Outgoing::Repeat(Arc::new(Prepared::new(&rec.entry).unwrap()), time.to_string())
                .append(&mut fast, seq, &prev);
            assert_eq!(String::from_utf8(fast.clone()).unwrap(), String::from_utf8(slow).unwrap());
            assert_eq!(fast_hash, slow_hash);
            assert_eq!(prepared.hash(seq, time, &prev), slow_hash);
            if seq < 100 {
                log.extend_from_slice(&fast);
            }
            prev = fast_hash;
        }
        assert_eq!(verify(&String::from_utf8(log).unwrap()).unwrap(), 2);
        // A value that holds a stand-in cannot be prepared (it would be cut in two).
        let mut odd = rec.entry.clone();
        odd.url = Some(SEQ_MARK.to_string());
        assert!(Prepared::new(&odd).is_none());
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
