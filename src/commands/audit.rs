//! `depgate audit verify|query|export`: check an audit log's hash chain and search it,
//! in a file or in the fleet's PostgreSQL database (`--database`, `--config`). The log
//! format, the chain and the filters live in `audit`; this file reads the log, maps
//! outcomes to exit codes and prints. It never writes to the log. Also the one place
//! commands open the database (`open_database`) and append a `check` run to it.

use std::fmt::Write as _;
use std::io::Write;

use crate::audit::pg::{Database, PgError, Row, RowFilter, Settings};
use crate::audit::{self, AuditError, AuditRecord, ChainCheck, ChainHead, Entry, Query};
use crate::cli::{
    AuditArgs, AuditCommand, AuditDatabaseArgs, AuditExportArgs, AuditQueryArgs, AuditVerifyArgs, Format,
};
use crate::config::{AuditConfig, DEFAULT_AUDIT_POOL_SIZE, PgTls};
use crate::exit::{CommandError, ExitStatus};
use crate::report::RunInfo;

/// Records read from the database per query: verification and export hold one batch.
const BATCH: u32 = 2000;

pub(super) async fn run(args: &AuditArgs) -> Result<ExitStatus, CommandError> {
    match &args.command {
        AuditCommand::Verify(a) => match database_config(&a.db)? {
            Some(c) => verify_database(&c).await,
            None => verify(a),
        },
        AuditCommand::Query(a) => match database_config(&a.db)? {
            Some(c) => query_database(a, &c).await,
            None => query(a),
        },
        AuditCommand::Export(a) => export(a).await,
    }
}

/// Connect to `[audit] database` when it is configured (and bring its schema up to date).
pub(super) async fn open_database(config: Option<&AuditConfig>) -> Result<Option<Database>, CommandError> {
    let Some(config) = config else { return Ok(None) };
    let settings = Settings::from_config(config).map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let target = settings.target().to_string();
    let db = Database::open(settings).await.map_err(|e| {
        CommandError::failure(format!(
            "error: {e}\n  help: check that the audit database ({target}) is reachable and the role may log in"
        ))
    })?;
    Ok(Some(db))
}

/// Append a `check` run's records to the database (after its `audit.jsonl`).
pub(super) async fn append_run(
    db: &Database,
    run: &RunInfo,
    records: &[crate::engine::Record],
) -> Result<(), CommandError> {
    let entries = Entry::for_run(&run.mode, &run.now, &run.context, records);
    let head = db.append_entries(&entries).await.map_err(|e| {
        CommandError::failure(format!(
            "error: {e}\n  help: this run's records are in the report folder's audit.jsonl but not in the fleet's log; run it again once the database is reachable"
        ))
    })?;
    tracing::info!(
        "appended {} audit record{} to {}; fleet chain head: seq {} {}",
        entries.len(),
        plural(entries.len() as u64),
        db.target(),
        head.seq,
        head.hash
    );
    Ok(())
}

/// The database the flags name: `--database env:NAME` (with `--tls`, `--ca-file`), or
/// `--config FILE`'s `[audit]` section; `None` for a file.
fn database_config(args: &AuditDatabaseArgs) -> Result<Option<AuditConfig>, CommandError> {
    if let Some(reference) = &args.database {
        let var = reference
            .strip_prefix("env:")
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .ok_or_else(|| {
                CommandError::usage(
                    "error: --database takes a reference `env:NAME`, not a connection string\n  help: put the connection string (it holds a password) in an environment variable: --database env:DEPGATE_AUDIT_DATABASE",
                )
            })?;
        let tls = match args.tls.as_deref() {
            Some("require") => PgTls::Require,
            Some("disable") => PgTls::Disable,
            _ => PgTls::VerifyFull,
        };
        if args.ca_file.is_some() && tls != PgTls::VerifyFull {
            return Err(CommandError::usage(
                "error: --ca-file is only used with --tls verify-full\n  help: drop --ca-file, or check the server's certificate with --tls verify-full",
            ));
        }
        return Ok(Some(AuditConfig {
            database: var.to_string(),
            tls,
            ca_file: args.ca_file.clone(),
            pool_size: DEFAULT_AUDIT_POOL_SIZE.min(2),
        }));
    }
    let Some(path) = &args.config else { return Ok(None) };
    let config = super::load_config(Some(path), std::path::Path::new("."))?;
    config.audit.map(Some).ok_or_else(|| {
        CommandError::usage(format!(
            "error: {} has no [audit] section\n  help: add [audit] database = \"env:NAME\", or give --database env:NAME",
            path.display()
        ))
    })
}

/// Connect to read: no schema changes (an auditor's role may only `SELECT`).
async fn connect(config: &AuditConfig) -> Result<Database, CommandError> {
    let settings = Settings::from_config(config).map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let target = settings.target().to_string();
    Database::open_reader(settings).await.map_err(|e| match e {
        PgError::Settings(_) => CommandError::usage(format!("error: {e}")),
        e => CommandError::failure(format!(
            "error: {e}\n  help: check that the audit database ({target}) is reachable and the role may log in"
        )),
    })
}

fn db_error(e: &PgError) -> CommandError {
    CommandError::failure(format!("error: {e}"))
}

/// A broken record of the database's chain, named by its seq.
fn broken_at(target: &str, seq: u64, what: &str) -> CommandError {
    CommandError {
        status: ExitStatus::Denied,
        message: format!(
            "error: audit database ({target}): chain broken at seq {seq}: {what}\n  help: the records from this seq on cannot be trusted; compare with an export or a head kept elsewhere"
        ),
    }
}

/// Read the database's chain in seq order, batch by batch, checking every record as the
/// file verifier does and its stored columns against its line; `each` sees every line.
/// Stops at the first broken record, unless `keep_going` (an export writes what is
/// stored, and says where the chain breaks): then the first break is returned beside the
/// head.
async fn walk(
    db: &Database,
    since: u64,
    keep_going: bool,
    mut each: impl FnMut(&str) -> Result<(), CommandError>,
) -> Result<(ChainHead, Option<CommandError>), CommandError> {
    let mut check = if since == 0 {
        ChainCheck::new()
    } else {
        // The record at `since` is where the export continues from: its hash is the
        // first `prev`.
        let at = db.rows_after(since - 1, 1, &RowFilter::default()).await.map_err(|e| db_error(&e))?;
        match at.first() {
            Some(r) if r.seq == since => ChainCheck::after(ChainHead { seq: r.seq, hash: r.hash.clone() }),
            _ => {
                return Err(CommandError::usage(format!(
                    "error: the audit database ({}) has no record with seq {since}\n  help: give the head seq of an earlier export",
                    db.target()
                )));
            }
        }
    };
    let mut first_break = None;
    let mut after = since;
    loop {
        let rows = db.rows_after(after, BATCH, &RowFilter::default()).await.map_err(|e| db_error(&e))?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            if let Err(broken) = check_row(db, &mut check, r) {
                if !keep_going {
                    return Err(broken);
                }
                first_break.get_or_insert(broken);
                // Go on from this record as stored.
                check = ChainCheck::after(ChainHead { seq: r.seq, hash: r.hash.clone() });
            }
            each(&r.line)?;
        }
    }
    Ok((check.head().clone(), first_break))
}

/// One stored record: its line checked as the file verifier checks a line, and its
/// `seq`, `hash` and `prev` columns against the line.
fn check_row(db: &Database, check: &mut ChainCheck, r: &Row) -> Result<(), CommandError> {
    let v = check.push(r.line.as_bytes(), usize::try_from(r.seq).unwrap_or(usize::MAX)).map_err(|e| match e {
        AuditError::Broken { problem, .. } => broken_at(db.target(), r.seq, &problem.to_string()),
        other => CommandError::failure(format!("error: {other}")),
    })?;
    let head = check.head();
    let column = if head.seq != r.seq {
        Some("seq")
    } else if head.hash != r.hash {
        Some("hash")
    } else if v.get("prev").and_then(serde_json::Value::as_str) != Some(r.prev.as_str()) {
        Some("prev")
    } else {
        None
    };
    match column {
        Some(column) => Err(broken_at(
            db.target(),
            r.seq,
            &format!("its `{column}` column does not match the record (the row was changed after it was written)"),
        )),
        None => Ok(()),
    }
}

async fn verify_database(config: &AuditConfig) -> Result<ExitStatus, CommandError> {
    let db = connect(config).await?;
    let (head, _) = walk(&db, 0, false, |_| Ok(())).await?;
    print_stdout(&format!(
        "{} record{}, chain intact; head: seq {} {}\n",
        head.seq,
        plural(head.seq),
        head.seq,
        head.hash
    ))?;
    Ok(ExitStatus::Allowed)
}

async fn export(args: &AuditExportArgs) -> Result<ExitStatus, CommandError> {
    let config = database_config(&args.db)?.ok_or_else(|| {
        CommandError::usage(
            "error: export reads the fleet's database\n  help: give --database env:NAME or --config FILE",
        )
    })?;
    let db = connect(&config).await?;
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let io_err = |e: std::io::Error| CommandError::failure(format!("error: cannot write {}: {e}", args.out.display()));
    let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io_err)?;
    let mut out = std::io::BufWriter::new(tmp);
    let mut n = 0u64;
    let (head, broken) = walk(&db, args.since_seq, true, |line| {
        n += 1;
        out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(io_err)
    })
    .await?;
    let tmp = out.into_inner().map_err(|e| io_err(e.into_error()))?;
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(&args.out).map_err(|e| io_err(e.error))?;
    eprintln!("exported {n} record{} to {}; head: seq {} {}", plural(n), args.out.display(), head.seq, head.hash);
    // Written as stored either way; a broken chain still fails the command.
    broken.map_or(Ok(ExitStatus::Allowed), Err)
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, CommandError> {
    std::fs::read(path).map_err(|e| {
        CommandError::usage(format!(
            "error: cannot read {}: {e}\n  help: give the path of an audit.jsonl",
            path.display()
        ))
    })
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn verify(args: &AuditVerifyArgs) -> Result<ExitStatus, CommandError> {
    let file = args.file.as_deref().unwrap_or(std::path::Path::new("audit.jsonl"));
    let bytes = read(file)?;
    match audit::verify_chain(&bytes) {
        Ok(head) => {
            let line =
                format!("{} record{}, chain intact; head: seq {} {}", head.seq, plural(head.seq), head.seq, head.hash);
            print_stdout(&format!("{line}\n"))?;
            Ok(ExitStatus::Allowed)
        }
        Err(e @ AuditError::Broken { .. }) => Err(CommandError {
            status: ExitStatus::Denied,
            message: format!(
                "error: {}: chain broken at {e}\n  help: the records from this line on cannot be trusted; compare the log with a copy kept elsewhere",
                file.display()
            ),
        }),
        Err(e) => Err(CommandError::failure(format!("error: {e}"))),
    }
}

fn query_of(args: &AuditQueryArgs) -> Result<Query, CommandError> {
    // purls spell an npm scope's `@` as `%40`; accept the way people write it too.
    let purl = args
        .purl
        .as_deref()
        .map(|p| glob::Pattern::new(&p.replace("pkg:npm/@", "pkg:npm/%40")))
        .transpose()
        .map_err(|e| CommandError::usage(format!("error: --purl is not a valid glob: {e}")))?;
    let bound = |s: &Option<String>, flag: &str, end: bool| {
        s.as_deref()
            .map(|t| audit::parse_time_bound(t, end))
            .transpose()
            .map_err(|e| CommandError::usage(format!("error: {flag}: {e}")))
    };
    Ok(Query {
        purl,
        upstream: args.upstream.clone(),
        decision: args.decision.clone(),
        since: bound(&args.since, "--since", false)?,
        until: bound(&args.until, "--until", true)?,
        advisory: args.advisory.clone(),
        team: args.team.clone(),
    })
}

fn query(args: &AuditQueryArgs) -> Result<ExitStatus, CommandError> {
    let q = query_of(args)?;
    let file = args.file.as_deref().unwrap_or(std::path::Path::new("audit.jsonl"));
    let bytes = read(file)?;
    let found = audit::query(&bytes, &q).map_err(|e| match e {
        AuditError::Broken { .. } => CommandError::usage(format!(
            "error: {}: {e}\n  help: `depgate audit verify {}` checks the whole log",
            file.display(),
            file.display()
        )),
        other => CommandError::failure(format!("error: {other}")),
    })?;
    let records: Vec<&AuditRecord> = found.iter().map(|(_, r)| r).collect();
    let lines: Vec<Vec<u8>> = match args.format {
        Format::Json => records.iter().map(|r| r.to_line()).collect(),
        Format::Table => Vec::new(),
    };
    print_found(args, &records, &lines)
}

/// `query` over the database: decision and upstream filtered by the server, the rest
/// here; JSON output is each record's stored line.
async fn query_database(args: &AuditQueryArgs, config: &AuditConfig) -> Result<ExitStatus, CommandError> {
    let q = query_of(args)?;
    let db = connect(config).await?;
    let filter = RowFilter { decision: q.decision.clone(), upstream: q.upstream.clone() };
    let (mut records, mut lines) = (Vec::new(), Vec::new());
    let mut after = 0;
    loop {
        let rows = db.rows_after(after, BATCH, &filter).await.map_err(|e| db_error(&e))?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows {
            let record: AuditRecord = serde_json::from_str(&r.line).map_err(|e| {
                CommandError::usage(format!(
                    "error: audit database ({}): seq {} is not an audit record: {e}\n  help: `depgate audit verify --database …` checks the whole chain",
                    db.target(),
                    r.seq
                ))
            })?;
            let matched = q.matches(&record).map_err(|problem| {
                CommandError::usage(format!("error: audit database ({}): seq {}: {problem}", db.target(), r.seq))
            })?;
            if matched {
                let mut line = r.line.into_bytes();
                line.push(b'\n');
                lines.push(line);
                records.push(record);
            }
        }
    }
    let refs: Vec<&AuditRecord> = records.iter().collect();
    print_found(args, &refs, &lines)
}

/// Print what a query found: a table, or the records' lines.
fn print_found(args: &AuditQueryArgs, records: &[&AuditRecord], lines: &[Vec<u8>]) -> Result<ExitStatus, CommandError> {
    let text = match args.format {
        Format::Json => lines.iter().map(|l| String::from_utf8_lossy(l)).collect::<String>(),
        Format::Table => table(records),
    };
    print_stdout(&text)?;
    if args.format == Format::Table || records.is_empty() {
        let n = records.len();
        eprintln!("{n} record{} {}", plural(n as u64), if n == 1 { "matches" } else { "match" });
    }
    Ok(ExitStatus::Allowed)
}

fn table(records: &[&AuditRecord]) -> String {
    if records.is_empty() {
        return String::new();
    }
    let header = ["seq", "time", "decision", "purl", "upstream", "tier", "rules"];
    let rows: Vec<[String; 7]> = records
        .iter()
        .map(|r| {
            [
                r.seq.to_string(),
                r.entry.time.clone(),
                r.entry.decision.clone(),
                r.entry.purl.clone(),
                r.entry.upstream.clone().unwrap_or_else(|| "-".into()),
                r.entry.tier.clone().unwrap_or_else(|| "-".into()),
                if r.entry.rules.is_empty() { "-".into() } else { r.entry.rules.join(",") },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let _ = write!(s, "{cell:<w$}  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

fn print_stdout(text: &str) -> Result<(), CommandError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CommandError::failure(format!("error: cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
