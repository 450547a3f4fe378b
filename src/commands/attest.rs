//! `depgate attest pull`: fill the committed attestation cache so CI verifies offline.

use crate::cli::{AttestArgs, AttestCommand, AttestPullArgs};
use crate::engine::{Options, collect_evidence};
use crate::exit::{CommandError, ExitStatus};
use crate::upstream::{EvidenceRequest, Lookup, Upstreams, evidence};

pub(super) async fn run(args: AttestArgs) -> Result<ExitStatus, CommandError> {
    match args.command {
        AttestCommand::Pull(a) => pull(a).await,
    }
}

async fn pull(args: AttestPullArgs) -> Result<ExitStatus, CommandError> {
    let mut config = super::load_config(args.config.as_deref(), &args.project.path)?;
    let dir = args
        .dir
        .or_else(|| config.verify.attestation_cache.clone())
        .unwrap_or_else(|| args.project.path.join(".depgate").join("attestations"));
    // Fetch from the upstreams, not from the folder being filled.
    config.verify.attestation_cache = None;
    let coords = crate::lockfiles::gather_within(
        &args.project.path,
        &args.project.lockfiles,
        &args.project.resolved,
        config.limits.max_lockfile_bytes,
    )
    .map_err(|e| CommandError::usage(format!("error: {e}")))?
    .coords;
    let cache_dir = args.cache_dir.unwrap_or_else(crate::cache::default_dir);
    let upstreams = Upstreams::new(&config, &cache_dir).map_err(|e| CommandError::failure(format!("error: {e}")))?;
    let opts = Options {
        now: time::OffsetDateTime::now_utc(),
        download: false,
        concurrency: usize::from(config.limits.concurrency),
        mode: "attest-pull",
        repository: None,
        event: None,
        baseline: None,
        full_documents: false,
        advisories: None,
        pgp: None,
        reviews: None,
    };
    let got = collect_evidence(&config, &upstreams, &coords, &opts).await;
    let (mut written, mut none, mut failed) = (0, 0, 0);
    for item in got {
        let (name, version) = (&item.name, &item.version);
        match item.got {
            Lookup::Found(bytes) => {
                let req = EvidenceRequest {
                    format: crate::upstream::EvidenceFormat::Attestation,
                    ecosystem: item.ecosystem,
                    name,
                    version,
                    file: item.file.as_deref(),
                    url: None,
                };
                let Some(path) = evidence::cache_path(&dir, &req) else { continue };
                crate::atomic::write_atomic(&path, &bytes)
                    .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", path.display())))?;
                written += 1;
            }
            Lookup::NotFound => none += 1,
            Lookup::Failed(f) => {
                eprintln!("error: {name}@{version}: {}", f.message);
                failed += 1;
            }
        }
    }
    eprintln!(
        "{written} attestation set(s) written to {}; {none} package(s) publish none; {failed} failed",
        dir.display()
    );
    Ok(if failed > 0 { ExitStatus::Failure } else { ExitStatus::Allowed })
}
