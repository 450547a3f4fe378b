//! `depgate verify ARTIFACT --bundle FILE`: one artifact, one bundle, every stage shown.
//! FILE is a Sigstore bundle, a PEP 740 provenance, an npm attestations response, or a
//! bare DSSE envelope over an in-toto statement (depgate's `vsa.intoto.jsonl`) checked
//! with `--key`. `depgate verify ARTIFACT --signature FILE.asc --keyring KEYS` checks one
//! OpenPGP detached signature instead ([`super::verify_pgp`]).

use std::io::Write;

use serde::Serialize;

use crate::attest::formats::{Checked, verify_npm_attestations, verify_pep740};
use crate::attest::{IdentityPolicy, SanMatch, Subject, Trust};
use crate::cli::{Format, VerifyArgs};
use crate::exit::{CommandError, ExitStatus};

#[derive(Serialize)]
struct Report<'a> {
    artifact: String,
    bundle: String,
    format: &'a str,
    verified: bool,
    attestations: &'a [Checked],
}

fn policy(args: &VerifyArgs) -> Result<IdentityPolicy, CommandError> {
    let san = match (&args.certificate_identity, &args.certificate_identity_regexp) {
        (Some(s), _) => Some(SanMatch::Exact(s.clone())),
        (None, Some(r)) => Some(SanMatch::Regex(regex::Regex::new(r).map_err(|e| {
            CommandError::usage(format!("error: --certificate-identity-regexp is not a valid regular expression: {e}"))
        })?)),
        (None, None) => None,
    };
    Ok(IdentityPolicy {
        issuer: args.certificate_oidc_issuer.clone(),
        san,
        source_repo: args.source_repository.clone(),
        workflow: args.workflow.clone(),
        git_ref: args.git_ref.clone(),
        ..IdentityPolicy::default()
    })
}

fn trust(args: &VerifyArgs) -> Result<Trust, CommandError> {
    let mut t = if args.trusted_roots.is_empty() {
        Trust::embedded().map_err(|e| CommandError::failure(format!("error: {e}")))?
    } else {
        let mut t = Trust::empty();
        for p in &args.trusted_roots {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CommandError::usage(format!("error: cannot read {}: {e}", p.display())))?;
            t.add_root_json(&p.display().to_string(), &text).map_err(|e| CommandError::usage(format!("error: {e}")))?;
        }
        t.add_npm_keys();
        t
    };
    if let Some(k) = &args.key {
        let pem = std::fs::read_to_string(k)
            .map_err(|e| CommandError::usage(format!("error: cannot read --key {}: {e}", k.display())))?;
        t.add_pem_key(&pem).map_err(|e| CommandError::usage(format!("error: {}: {e}", k.display())))?;
    }
    Ok(t)
}

/// The `--key` public key (SPKI DER) for a bare DSSE envelope; none without `--key`.
fn envelope_keys(args: &VerifyArgs) -> Result<Vec<sigstore_verify::types::DerPublicKey>, CommandError> {
    let Some(k) = &args.key else { return Ok(Vec::new()) };
    let pem = std::fs::read_to_string(k)
        .map_err(|e| CommandError::usage(format!("error: cannot read --key {}: {e}", k.display())))?;
    let key = sigstore_verify::types::DerPublicKey::from_pem(&pem)
        .map_err(|e| CommandError::usage(format!("error: {}: not a PEM public key: {e}", k.display())))?;
    Ok(vec![key])
}

pub(super) fn run(args: &VerifyArgs) -> Result<ExitStatus, CommandError> {
    let Some(bundle_path) = &args.bundle else {
        return super::verify_pgp::run(args);
    };
    let artifact = std::fs::read(&args.artifact).map_err(|e| {
        CommandError::usage(format!("error: cannot read the artifact {}: {e}", args.artifact.display()))
    })?;
    let bundle = std::fs::read(bundle_path)
        .map_err(|e| CommandError::usage(format!("error: cannot read the bundle {}: {e}", bundle_path.display())))?;
    let doc: serde_json::Value = serde_json::from_slice(&bundle).map_err(|e| {
        CommandError::usage(format!("error: {}: not JSON ({e})\n  help: pass a Sigstore bundle, a PEP 740 provenance or attestation, or an npm attestations response", bundle_path.display()))
    })?;
    let policy = policy(args)?;
    let trust = trust(args)?;
    let subject = Subject::Bytes(&artifact);
    let file_name = args.artifact.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (format, checked) = if doc.get("attestations").is_some() {
        let name = args.subject.clone().ok_or_else(|| {
            CommandError::usage("error: an npm attestations response needs --subject pkg:npm/NAME@VERSION (the package it must be about)")
        })?;
        ("npm-attestations", verify_npm_attestations(&trust, &bundle, &name, subject, &policy))
    } else if doc.get("attestation_bundles").is_some() || doc.get("envelope").is_some() {
        let name = args.subject.clone().unwrap_or(file_name);
        ("pep740", verify_pep740(&trust, &bundle, &name, subject, &policy))
    } else if doc.get("payloadType").is_some() && doc.get("signatures").is_some() {
        // A bare DSSE envelope (depgate's signed VSA, `cosign attest-blob` output): no
        // certificate, no log entry, so only the --key given here can vouch for it.
        let name = args.subject.clone().unwrap_or(file_name);
        let mut verdict = crate::report::vsa::verify_envelope(&bundle, &envelope_keys(args)?, &artifact, &name);
        if verdict.verified && !policy.is_empty() {
            verdict.verified = false;
            verdict.failure = Some(crate::attest::StageFailure {
                stage: crate::attest::Stage::Identity,
                message:
                    "the envelope is signed by a key, not a certificate identity, so the identity policy cannot be met"
                        .into(),
            });
        }
        ("dsse-envelope", Ok(vec![Checked { kind: "attestation".into(), verdict }]))
    } else {
        let text = String::from_utf8_lossy(&bundle);
        let verdict = trust.verify_bundle(&text, subject, args.subject.as_deref(), &policy);
        ("sigstore-bundle", Ok(vec![Checked { kind: "signature".into(), verdict }]))
    };
    let checked = checked.map_err(|e| CommandError::usage(format!("error: {}: {e}", bundle_path.display())))?;
    let verified = !checked.is_empty() && checked.iter().all(|c| c.verdict.verified);
    let report = Report {
        artifact: args.artifact.display().to_string(),
        bundle: bundle_path.display().to_string(),
        format,
        verified,
        attestations: &checked,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from).and_then(|()| writeln!(out))
        }
        Format::Table => print_human(&mut out, &report, &policy),
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CommandError::failure(format!("error: cannot write to stdout: {e}")));
    }
    Ok(if verified { ExitStatus::Allowed } else { ExitStatus::Denied })
}

fn print_human(w: &mut impl Write, r: &Report<'_>, policy: &IdentityPolicy) -> std::io::Result<()> {
    writeln!(w, "{}: {} ({})", r.artifact, if r.verified { "VERIFIED" } else { "NOT VERIFIED" }, r.format)?;
    if r.format == "dsse-envelope" {
        writeln!(
            w,
            "  note: signed by a key, with no transparency log: the key is the only trust, and the signing time is not attested"
        )?;
    } else if policy.is_empty() {
        writeln!(
            w,
            "  note: no identity was required; any signer the trust roots vouch for passes (use --certificate-identity / --source-repository)"
        )?;
    }
    for c in r.attestations {
        let v = &c.verdict;
        writeln!(
            w,
            "- {} {}: {}",
            c.kind,
            v.predicate_type.as_deref().unwrap_or(v.content),
            if v.verified { "verified" } else { "FAILED" }
        )?;
        for s in &v.stages {
            writeln!(
                w,
                "    ok    {}",
                serde_json::to_value(s).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default()
            )?;
        }
        if let Some(f) = &v.failure {
            writeln!(
                w,
                "    FAIL  {}: {}",
                serde_json::to_value(f.stage).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default(),
                f.message
            )?;
        }
        let id = &v.identity;
        for (k, val) in [
            ("issuer", &id.issuer),
            ("identity", &id.san),
            ("source repository", &id.source_repo),
            ("workflow", &id.workflow),
            ("ref", &id.git_ref),
            ("commit", &id.commit),
            ("key", &id.key_id),
        ] {
            if let Some(val) = val {
                writeln!(w, "    {k:<18} {val}")?;
            }
        }
        if let Some(t) = &v.integrated_time {
            writeln!(w, "    {:<18} {t}", "logged at")?;
        }
    }
    Ok(())
}
