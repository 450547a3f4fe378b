//! The report folder: where a run's rendered files go. The order is the contract:
//! render every file in memory ([`crate::report`], pure), append the run to `audit.jsonl`
//! ([`crate::audit`], durable, hash-chained), write the files as one set (each staged in
//! full and fsynced, then renamed into place with `decisions.json` last;
//! [`crate::atomic::write_atomic_set`]), then sign the set as a SLSA verification summary
//! when a key is configured ([`crate::report::vsa`]). A run killed anywhere leaves its
//! decisions audited and either the previous report or this one, never a report whose
//! decisions the log lacks.
//!
//! An edge used by `check`, `demo` and `serve` (at shutdown). Must not: render or decide.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::audit::ChainHead;
use crate::engine::Record;
use crate::report::vsa::{self, VsaInput};
use crate::report::{Held, ProjectInfo, RunInfo, render_report_files};

/// Write the whole report folder of a `check`: the audit append, then the files, then the
/// signed summary. `random_serial` gives the SBOMs a random serial number and document
/// namespace instead of ones derived from their content (`--random-serial`).
pub fn write_report(
    dir: &Path,
    run: &RunInfo,
    records: &[Record],
    project: &ProjectInfo,
    random_serial: bool,
) -> io::Result<Vec<PathBuf>> {
    // The audit log is the one append-only output: one hash-chained record per decision,
    // continuing the chain of earlier runs that wrote to the same folder. It goes first,
    // so that a run killed in between leaves its decisions audited and the previous
    // report, never a report whose decisions the log lacks. The files are rendered
    // meanwhile (in memory; nothing is written before the log).
    std::fs::create_dir_all(dir)?;
    let log = dir.join("audit.jsonl");
    let (files, head) = std::thread::scope(|scope| {
        let files = scope.spawn(|| render_report_files(run, records, Held::default(), project, random_serial));
        let head = crate::audit::append_run(&log, &run.mode, &run.now, &run.context, records)
            .map_err(|e| io::Error::other(format!("{}: {e}", log.display())));
        let files = files.join().map_err(|_| io::Error::other("the report renderer panicked")).and_then(|f| f);
        (files, head)
    });
    let (files, head) = (files?, head?);
    let mut written = write_file_set(dir, files)?;
    written.push(log);
    // With a signing key in the environment: the signed SLSA VSA over the files above and
    // the chain head (`vsa.intoto.jsonl`); without one, a stale one is removed.
    written.extend(write_signed(dir, run, records, project, &head)?);
    Ok(written)
}

/// The report files without the audit log and the signed summary: `decisions.json`,
/// `summary.md`, both SBOMs and `results.sarif`, written as one set. The proxy uses
/// it at shutdown (its audit records were appended request by request), with the
/// versions it held back from listings.
pub fn write_report_files(
    dir: &Path,
    run: &RunInfo,
    records: &[Record],
    held: Held<'_>,
    project: &ProjectInfo,
    random_serial: bool,
) -> io::Result<Vec<PathBuf>> {
    write_file_set(dir, render_report_files(run, records, held, project, random_serial)?)
}

fn write_file_set(dir: &Path, files: Vec<(&'static str, Vec<u8>)>) -> io::Result<Vec<PathBuf>> {
    // A writer killed before its renames left a temporary file here; it is never read.
    crate::atomic::sweep_temporaries(dir, 0, crate::atomic::TEMPORARY_GRACE);
    let files: Vec<(PathBuf, Vec<u8>)> = files.into_iter().map(|(name, bytes)| (dir.join(name), bytes)).collect();
    crate::atomic::write_atomic_set(&files)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// With a signing key in the environment, write the signed VSA of this run to
/// `dir/vsa.intoto.jsonl` (atomically) and return its path. Without one, remove a
/// `vsa.intoto.jsonl` left by an earlier run (it no longer describes these files).
/// Call after the report files and the audit append are written.
pub fn write_signed(
    dir: &Path,
    run: &RunInfo,
    records: &[Record],
    project: &ProjectInfo,
    head: &ChainHead,
) -> io::Result<Option<PathBuf>> {
    let out = dir.join(vsa::FILE);
    let key = crate::load::signing_key().map_err(|e| io::Error::other(format!("the VSA signing key {e}")))?;
    let Some(key) = key else {
        match std::fs::remove_file(&out) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io::Error::other(format!("cannot remove the stale {}: {e}", out.display()))),
        }
        return Ok(None);
    };
    let mut subjects = Vec::new();
    for name in vsa::SUBJECT_FILES {
        let p = dir.join(name);
        let mut bytes = std::fs::read(&p).map_err(|e| io::Error::other(format!("{}: {e}", p.display())))?;
        if name == "audit.jsonl" {
            bytes = vsa::audit_prefix(&bytes, head);
        }
        subjects.push((name.to_string(), hex::encode(Sha256::digest(&bytes))));
    }
    let modules = policy_modules(&run.policy)?;
    let digest = vsa::policy_digest(&modules);
    let server_url = std::env::var(crate::env::GITHUB_SERVER_URL).ok();
    let st = vsa::statement(&VsaInput {
        run,
        records,
        project,
        head,
        context: &run.context,
        server_url: server_url.as_deref(),
        subjects: &subjects,
        policy_digest: &digest,
    });
    let payload = serde_json::to_vec(&st).map_err(io::Error::other)?;
    let envelope = key.sign_envelope(vsa::PAYLOAD_TYPE, &payload).map_err(io::Error::other)?;
    crate::atomic::write_atomic(&out, &envelope)?;
    Ok(Some(out))
}

/// The module texts of the policy a run used, read again from its sources (`builtin`, or
/// a file path as loaded): `(name, text)` in load order.
fn policy_modules(sources: &[String]) -> io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for s in sources {
        if s == "builtin" {
            out.extend(crate::policy::builtin_modules().into_iter().map(|m| (m.name, m.text)));
        } else {
            let text = std::fs::read_to_string(s)
                .map_err(|e| io::Error::other(format!("cannot read the policy module {s} for the VSA: {e}")))?;
            out.push((s.clone(), text));
        }
    }
    Ok(out)
}
