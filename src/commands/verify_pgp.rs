//! `depgate verify ARTIFACT --signature FILE.asc --keyring KEYS [--fingerprint FPR]`: one
//! OpenPGP detached signature, checked the way the gate checks a `.asc` beside a Maven
//! file. Exit 0 verified, 1 not verified, 2 bad input (unreadable file, keyring or
//! signature, a malformed fingerprint).

use std::io::Write;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{Format, VerifyArgs};
use crate::exit::{CommandError, ExitStatus};
use crate::openpgp::trust::{Outcome, Pin, judge, valid_key_ref};
use crate::openpgp::{Keyring, Options, Signer, Stage, Verdict, verify_detached};

#[derive(Serialize)]
struct Report<'a> {
    artifact: String,
    signature: String,
    format: &'static str,
    verified: bool,
    /// `verified`, `unverifiable`, `violated`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signer: Option<&'a Signer>,
    /// The `--fingerprint` pins; empty: any key of the keyrings.
    pinned: Vec<String>,
    keyring_warnings: &'a [String],
}

fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>, CommandError> {
    std::fs::read(path).map_err(|e| CommandError::usage(format!("error: cannot read {what} {}: {e}", path.display())))
}

pub(super) fn run(args: &VerifyArgs) -> Result<ExitStatus, CommandError> {
    let Some(sig_path) = &args.signature else {
        return Err(CommandError::usage("error: give --bundle FILE or --signature FILE.asc --keyring KEYS"));
    };
    let now = match &args.current_time {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .map_err(|e| CommandError::usage(format!("error: --current-time `{t}` is not an RFC 3339 time: {e}")))?,
        None => OffsetDateTime::now_utc(),
    };
    let now = u32::try_from(now.unix_timestamp())
        .map_err(|_| CommandError::usage("error: --current-time is out of range"))?;
    for f in &args.fingerprints {
        if !valid_key_ref(f) {
            return Err(CommandError::usage(format!(
                "error: --fingerprint `{f}` is not an OpenPGP fingerprint (40 or 64 hex digits) or key id (16 hex digits)"
            )));
        }
    }
    let artifact = read(&args.artifact, "the artifact")?;
    let signature = read(sig_path, "the signature")?;
    let mut keyring = Keyring::default();
    for k in &args.keyrings {
        let bytes = read(k, "the keyring")?;
        let ring = Keyring::parse(&bytes, args.allow_sha1)
            .map_err(|e| CommandError::usage(format!("error: {}: {e}", k.display())))?;
        keyring.extend(ring);
    }
    let verdict = verify_detached(&keyring, &artifact, &signature, Options { now, allow_sha1: args.allow_sha1 });
    if let Verdict::Failed { stage: Stage::Format, message, .. } = &verdict {
        return Err(CommandError::usage(format!(
            "error: {}: {message}\n  help: pass an OpenPGP detached signature (`gpg --detach-sign`, the `.asc` beside a Maven file)",
            sig_path.display()
        )));
    }
    // Without --fingerprint every key of the keyrings is trusted for this one file.
    let pins: Vec<Pin> = if args.fingerprints.is_empty() {
        keyring.fingerprints().iter().map(|f| Pin::new(f, "--keyring")).collect()
    } else {
        args.fingerprints.iter().map(|f| Pin::new(f, "--fingerprint")).collect()
    };
    let outcome = judge(verdict, &pins);
    let (status, stage, message, key_id, signer) = match &outcome {
        Outcome::Verified { signer, .. } => ("verified", None, None, Some(signer.key_id.as_str()), Some(signer)),
        Outcome::Unverifiable { key_id, message, signer } => {
            ("unverifiable", None, Some(message.as_str()), Some(key_id.as_str()), signer.as_ref())
        }
        Outcome::Violated { stage, message, signer } => (
            "violated",
            Some(*stage),
            Some(message.as_str()),
            signer.as_ref().map(|s| s.key_id.as_str()),
            signer.as_ref(),
        ),
    };
    let report = Report {
        artifact: args.artifact.display().to_string(),
        signature: sig_path.display().to_string(),
        format: "openpgp",
        verified: status == "verified",
        status,
        stage,
        message,
        key_id,
        signer,
        pinned: args.fingerprints.iter().map(|f| crate::openpgp::trust::normalize(f)).collect(),
        keyring_warnings: &keyring.warnings,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from).and_then(|()| writeln!(out))
        }
        Format::Table => print_human(&mut out, &report),
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CommandError::failure(format!("error: cannot write to stdout: {e}")));
    }
    Ok(if report.verified { ExitStatus::Allowed } else { ExitStatus::Denied })
}

fn print_human(w: &mut impl Write, r: &Report<'_>) -> std::io::Result<()> {
    writeln!(w, "{}: {} (openpgp, {})", r.artifact, if r.verified { "VERIFIED" } else { "NOT VERIFIED" }, r.status)?;
    if r.pinned.is_empty() {
        writeln!(w, "  note: no --fingerprint given; any key of the keyrings passes")?;
    }
    if let Some(m) = r.message {
        let stage = r.stage.and_then(|s| serde_json::to_value(s).ok()).and_then(|v| v.as_str().map(str::to_string));
        writeln!(w, "    FAIL  {}: {m}", stage.as_deref().unwrap_or("trust"))?;
    }
    if let Some(s) = r.signer {
        writeln!(w, "    {:<18} {}", "fingerprint", s.fingerprint)?;
        if s.signing_key != s.fingerprint {
            writeln!(w, "    {:<18} {}", "signing subkey", s.signing_key)?;
        }
        if let Some(u) = &s.user_id {
            let note = if s.user_id_certified { "" } else { " (not certified by the key)" };
            writeln!(w, "    {:<18} {u}{note}", "user id")?;
        }
        writeln!(w, "    {:<18} {} / {}", "algorithm", s.algorithm, s.hash)?;
        writeln!(w, "    {:<18} {}", "signed at", s.signed_at)?;
    } else if let Some(k) = r.key_id {
        writeln!(w, "    {:<18} {k}", "key id")?;
    }
    for warning in r.keyring_warnings {
        writeln!(w, "  warning: {warning}")?;
    }
    Ok(())
}
