//! `[reviews]` at the start of a run (`check`, `serve`): every trusted OpenVet log is
//! fetched (`upstream::openvet`) and verified against its pinned keys
//! (`reviews::verify_log`), and the project's `openvet.toml` is read, before any package
//! is decided. A log that cannot be read fails the run (no decision rests on a review
//! source that did not answer); a log that fails verification is left out with a warning
//! and named in every package's reviews (none of its audits count).

use std::sync::Arc;

use crate::config::Config;
use crate::exit::CommandError;
use crate::reviews::{Database, LogOutcome, LogTrust};
use crate::upstream::{Lookup, Upstreams, openvet};

/// The verified logs of the run, or `None` when `[reviews]` is not configured.
pub(super) async fn load(config: &Config, upstreams: &Upstreams) -> Result<Option<Arc<Database>>, CommandError> {
    let Some(cfg) = &config.reviews else { return Ok(None) };
    let policy = match &cfg.openvet {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CommandError::usage(format!(
                    "error: cannot read {}: {e}\n  help: [reviews] openvet names the project's openvet.toml",
                    path.display()
                ))
            })?;
            crate::reviews::parse_policy(&text).map_err(|e| {
                CommandError::usage(format!(
                    "error: {}: {e}\n  help: it is read as OpenVet reads it ([requirement], [[override]], [alias])",
                    path.display()
                ))
            })?
        }
        None => crate::reviews::parse_policy(crate::reviews::DEFAULT_POLICY)
            .map_err(|e| CommandError::failure(format!("error: the default review policy: {e}")))?,
    };
    let mut outcomes = Vec::with_capacity(cfg.logs.len());
    for log in &cfg.logs {
        let upstream = openvet::endpoint(log);
        let snapshot = match openvet::fetch_log(upstreams, &upstream).await {
            Lookup::Found(s) => s,
            Lookup::NotFound => crate::reviews::Snapshot::default(),
            Lookup::Failed(f) => {
                return Err(CommandError::failure(format!(
                    "error: cannot read review log `{}` at {}: {}\n  help: check the log's url (or path) in [reviews.logs.{}]; no decision is made without it",
                    log.name,
                    upstream.display_location(),
                    f.message,
                    log.name
                )));
            }
        };
        let trust = LogTrust { name: log.name.clone(), location: upstream.display_location(), keys: log.keys.clone() };
        let outcome = tokio::task::spawn_blocking(move || crate::reviews::verify_log(&trust, &snapshot))
            .await
            .map_err(|e| CommandError::failure(format!("error: verifying review log `{}` died: {e}", log.name)))?;
        match &outcome {
            LogOutcome::Verified(v) => tracing::info!(
                "review log `{}`: head {} (generation {}, index {}) signed by {}, {} audits",
                v.name,
                &v.head[..12],
                v.generation,
                v.index,
                v.signer,
                v.audits.len()
            ),
            LogOutcome::Rejected { name, reason, .. } => {
                tracing::warn!("review log `{name}` is not trusted: {reason}; none of its audits count");
            }
        }
        outcomes.push(outcome);
    }
    Ok(Some(Arc::new(Database::new(outcomes, policy))))
}
