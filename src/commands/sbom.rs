//! `depgate sbom --cargo-lock Cargo.lock [--root NAME] [-o FILE]`: a `CycloneDX` 1.6 SBOM
//! of a Rust project from its lockfile. The release script runs it on depgate's own
//! Cargo.lock (`depgate.cdx.json` beside the archives).

use std::io::Write;

use crate::cli::SbomArgs;
use crate::ecosystem::cargo::parse_cargo_lock;
use crate::exit::{CommandError, ExitStatus};
use crate::report::cargo_sbom::{find_root, render_cargo_cyclonedx};

/// `SOURCE_DATE_EPOCH` as RFC 3339, else now.
fn timestamp() -> Result<String, CommandError> {
    let at = match std::env::var(crate::env::SOURCE_DATE_EPOCH) {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v.trim().parse().map_err(|_| {
                CommandError::usage(format!(
                    "error: {} is `{v}`, not a number of seconds since 1970\n  help: set it to e.g. the release commit's time (`git log -1 --format=%ct`), or unset it",
                    crate::env::SOURCE_DATE_EPOCH
                ))
            })?;
            jiff::Timestamp::from_second(secs).map_err(|e| {
                CommandError::usage(format!("error: {} is out of range: {e}", crate::env::SOURCE_DATE_EPOCH))
            })?
        }
        _ => jiff::Timestamp::now(),
    };
    Ok(at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

pub(super) fn run(args: &SbomArgs) -> Result<ExitStatus, CommandError> {
    let path = &args.cargo_lock;
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::usage(format!(
            "error: cannot read {}: {e}\n  help: pass the project's Cargo.lock (run `cargo generate-lockfile` if it has none)",
            path.display()
        ))
    })?;
    let lock = parse_cargo_lock(path, &text).map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let root = find_root(&lock, args.root.as_deref()).map_err(|e| {
        CommandError::usage(format!(
            "error: {}: {e}\n  help: name the package to describe with --root NAME",
            path.display()
        ))
    })?;
    let bom = render_cargo_cyclonedx(&lock, root, &timestamp()?);
    if let Some(out) = &args.output {
        crate::atomic::write_atomic(out, &bom)
            .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", out.display())))?;
    } else {
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        if let Err(e) = w.write_all(&bom).and_then(|()| w.flush())
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(CommandError::failure(format!("error: cannot write to stdout: {e}")));
        }
    }
    let root = &lock.packages[root];
    tracing::info!("SBOM of {} {} from {}: {} packages", root.name, root.version, path.display(), lock.packages.len());
    Ok(ExitStatus::Allowed)
}
