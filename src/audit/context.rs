//! Who and what ran: the runner context recorded in every audit record and in the signed
//! summary. Read from the GitHub Actions variables only (flags override them in
//! `commands`), so no token can reach a record.

use serde::{Deserialize, Serialize};

/// Who and what ran, from the GitHub Actions environment (absent outside Actions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerContext {
    pub actor: Option<String>,
    pub repository: Option<String>,
    pub workflow: Option<String>,
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    pub sha: Option<String>,
    pub event: Option<String>,
}

impl RunnerContext {
    /// Read `GITHUB_ACTOR`, `GITHUB_REPOSITORY`, `GITHUB_WORKFLOW`, `GITHUB_RUN_ID`,
    /// `GITHUB_RUN_ATTEMPT`, `GITHUB_SHA` and `GITHUB_EVENT_NAME` (empty counts as unset).
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The same from any lookup (tests, a proxy's per-request context). Only the seven
    /// names above are ever asked for.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        use crate::env;
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        Self {
            actor: get(env::GITHUB_ACTOR),
            repository: get(env::GITHUB_REPOSITORY),
            workflow: get(env::GITHUB_WORKFLOW),
            run_id: get(env::GITHUB_RUN_ID),
            run_attempt: get(env::GITHUB_RUN_ATTEMPT),
            sha: get(env::GITHUB_SHA),
            event: get(env::GITHUB_EVENT_NAME),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_asks_only_for_the_runner_variables() {
        let asked = std::cell::RefCell::new(Vec::new());
        let ctx = RunnerContext::from_lookup(|k| {
            asked.borrow_mut().push(k.to_string());
            Some(if k == crate::env::GITHUB_RUN_ID { " ".into() } else { format!("v-{k}") })
        });
        assert!(asked.borrow().iter().all(|k| k.starts_with("GITHUB_") && !k.contains("TOKEN")));
        assert_eq!(asked.borrow().len(), 7);
        assert_eq!(ctx.run_id, None);
        assert_eq!(ctx.actor.as_deref(), Some("v-GITHUB_ACTOR"));
    }
}
