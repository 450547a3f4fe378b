//! `depgate audit verify|query`: check an audit log's hash chain and search it. The log
//! format, the chain and the filters live in `audit`; this file reads the file,
//! maps outcomes to exit codes and prints. It never writes to the log.

use std::fmt::Write as _;
use std::io::Write;

use crate::audit::{self, AuditError, AuditRecord, Query};
use crate::cli::{AuditArgs, AuditCommand, AuditQueryArgs, AuditVerifyArgs, Format};
use crate::exit::{CommandError, ExitStatus};

pub(super) fn run(args: &AuditArgs) -> Result<ExitStatus, CommandError> {
    match &args.command {
        AuditCommand::Verify(a) => verify(a),
        AuditCommand::Query(a) => query(a),
    }
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
    let bytes = read(&args.file)?;
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
                args.file.display()
            ),
        }),
        Err(e) => Err(CommandError::failure(format!("error: {e}"))),
    }
}

fn query(args: &AuditQueryArgs) -> Result<ExitStatus, CommandError> {
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
    let q = Query {
        purl,
        upstream: args.upstream.clone(),
        decision: args.decision.clone(),
        since: bound(&args.since, "--since", false)?,
        until: bound(&args.until, "--until", true)?,
        advisory: args.advisory.clone(),
        team: args.team.clone(),
    };
    let bytes = read(&args.file)?;
    let found = audit::query(&bytes, &q).map_err(|e| match e {
        AuditError::Broken { .. } => CommandError::usage(format!(
            "error: {}: {e}\n  help: `depgate audit verify {}` checks the whole log",
            args.file.display(),
            args.file.display()
        )),
        other => CommandError::failure(format!("error: {other}")),
    })?;
    let records: Vec<&AuditRecord> = found.iter().map(|(_, r)| r).collect();
    let text = match args.format {
        Format::Json => {
            let mut out = String::new();
            for r in &records {
                out.push_str(&String::from_utf8_lossy(&r.to_line()));
            }
            out
        }
        Format::Table => table(&records),
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
