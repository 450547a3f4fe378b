//! `depgate cache verify`: re-check every object of the configured storage (the cache
//! folder, or the `[storage]` bucket) and name each one that does not check. The checks
//! live in `cache::verify`; this file opens the storage, prints and picks the exit code.
//! It never writes to the storage.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::cli::{CacheArgs, CacheCommand, CacheVerifyArgs};
use crate::exit::{CommandError, ExitStatus};

pub(super) async fn run(args: CacheArgs) -> Result<ExitStatus, CommandError> {
    match args.command {
        CacheCommand::Verify(a) => verify(a).await,
    }
}

async fn verify(args: CacheVerifyArgs) -> Result<ExitStatus, CommandError> {
    let config = super::load_config(args.config.as_deref(), &args.project)?;
    let cache_dir = args.cache_dir.unwrap_or_else(crate::cache::default_dir);
    let store = crate::cache::store::open(&config.storage, &cache_dir)
        .map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let where_ = store.describe();
    let v = crate::cache::verify::verify(store.as_ref()).await.map_err(|e| {
        CommandError::failure(format!(
            "error: cannot list the objects of {where_}: {e}\n  help: check [storage] and the credentials it names"
        ))
    })?;
    let mut text = String::new();
    for b in &v.bad {
        let _ = writeln!(text, "bad: {}: {}", b.key, b.problem);
    }
    let _ = write!(
        text,
        "{where_}: {} artifact{}, {} pointer{}, {} metadata entr{} checked",
        v.artifacts,
        plural(v.artifacts),
        v.pointers,
        plural(v.pointers),
        v.metadata,
        if v.metadata == 1 { "y" } else { "ies" },
    );
    if v.foreign > 0 {
        let _ = write!(
            text,
            " ({} other object{} under the prefix, not the caches', skipped)",
            v.foreign,
            plural(v.foreign)
        );
    }
    let _ = writeln!(text, "; {} bad", v.bad.len());
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CommandError::failure(format!("error: cannot write to stdout: {e}")))?;
    if v.bad.is_empty() {
        Ok(ExitStatus::Allowed)
    } else {
        Err(CommandError {
            status: ExitStatus::Denied,
            message: format!(
                "error: {} bad object{} in {where_}\n  help: a bad object reads as absent: the next fetch of it from upstream stores it again",
                v.bad.len(),
                plural(v.bad.len() as u64)
            ),
        })
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
