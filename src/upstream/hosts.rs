//! What one process knows about each host it talks to: whether the host has answered yet
//! (the connection gate) and whether it keeps failing (the circuit breaker). Keyed by
//! origin (scheme, host, port), so an upstream's index host and its file host (a CDN)
//! are judged apart.
//!
//! Connection gate: until a host has answered in this process, its requests go one at a
//! time. A client learns only from the TLS handshake (ALPN) whether a host speaks HTTP/2,
//! so before the first answer every request in flight opens a connection of its own:
//! measured against registry.npmjs.org, 32 requests in flight made 32 DNS lookups and 25
//! TLS handshakes for the one HTTP/2 connection they all ended up sharing, and a burst of
//! DNS lookups is what loses UDP answers (each lost one costs the resolver's 5 s retry).
//! Once the host has answered, requests go at once (over that HTTP/2 connection, or over
//! as many HTTP/1.1 connections as the pool opens).
//!
//! Circuit breaker: a host that cannot be connected to — refused, unreachable, DNS, TLS
//! handshake — or does not answer in time, [`THRESHOLD`] times in a row (or its upstream's `retries + 1` when
//! that is more: one request's whole budget), or that times out before it ever answered
//! in this process, is *open*: requests to it fail at once with the same kind and the
//! cause, marked `circuit_open`, instead of each paying for its own connection attempts and
//! timeouts. After [`COOL_OFF`] one request is let through again (a long-lived proxy sees
//! a host come back); its failure opens the circuit again at once.
//!
//! Only those count: a host that sends any HTTP answer (a 500, a 404, a body cut short),
//! or that takes the connection and drops it before answering, is there, and what it
//! sends is judged by the caller.
//!
//! Must not: make requests or decide what a failure means for a package.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::FailKind;

/// Consecutive failures before a host's circuit opens (at least; see the module notes).
pub const THRESHOLD: u32 = 3;
/// How long an open circuit fails requests before one is let through again.
pub const COOL_OFF: Duration = Duration::from_secs(30);

/// Why a host's circuit is open: the failure that opened it.
#[derive(Debug, Clone)]
pub(super) struct Tripped {
    pub kind: FailKind,
    /// The last failure's cause (no URL: it is about the host).
    pub cause: String,
    /// Failures in a row when it opened.
    pub failures: u32,
    at: Instant,
}

#[derive(Debug, Default)]
struct State {
    /// Answered since its last failure: requests go without waiting at the gate.
    answered: bool,
    /// Answered at least once in this process.
    ever_answered: bool,
    failures: u32,
    open: Option<Tripped>,
}

struct Host {
    /// Held by the one request in flight while the host has not answered.
    gate: Arc<tokio::sync::Mutex<()>>,
    state: Mutex<State>,
}

/// Every origin this process has sent requests to.
#[derive(Default)]
pub(super) struct Hosts {
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

/// Leave to send one request to a host. Report what came of it with [`Pass::answered`] or
/// [`Pass::failed`]; dropped without either (a cancelled request), the next waiting
/// request goes.
pub(super) struct Pass {
    host: Arc<Host>,
    origin: String,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// The origin of `url` as the key of its host (`https://registry.npmjs.org:443`).
pub(super) fn origin_of(url: &url::Url) -> String {
    format!("{}://{}:{}", url.scheme(), url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0))
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// The open circuit that still refuses requests, if any.
    fn refusing(&self) -> Option<&Tripped> {
        self.open.as_ref().filter(|t| t.at.elapsed() < COOL_OFF)
    }
}

impl Hosts {
    fn host(&self, origin: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(hosts.entry(origin.to_string()).or_insert_with(|| {
            Arc::new(Host { gate: Arc::new(tokio::sync::Mutex::new(())), state: Mutex::new(State::default()) })
        }))
    }

    /// Wait for leave to send a request to `url`'s host, or the reason its circuit is open.
    pub(super) async fn admit(&self, url: &url::Url) -> Result<Pass, Tripped> {
        let origin = origin_of(url);
        let host = self.host(&origin);
        {
            let s = lock(&host.state);
            if let Some(t) = s.refusing() {
                return Err(t.clone());
            }
            if s.answered {
                return Ok(Pass { host: Arc::clone(&host), origin, _gate: None });
            }
        }
        let guard = Arc::clone(&host.gate).lock_owned().await;
        let s = lock(&host.state);
        if let Some(t) = s.refusing() {
            return Err(t.clone());
        }
        let gate = (!s.answered).then_some(guard);
        drop(s);
        Ok(Pass { host, origin, _gate: gate })
    }

    /// The open circuits, for tests and the end-of-run summary: origin and why.
    #[cfg(test)]
    fn open(&self) -> Vec<(String, Tripped)> {
        let hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts.iter().filter_map(|(o, h)| lock(&h.state).open.clone().map(|t| (o.clone(), t))).collect()
    }
}

impl Pass {
    /// The host sent an HTTP answer (any status): it is reachable.
    pub(super) fn answered(self) {
        let mut s = lock(&self.host.state);
        if s.open.is_some() {
            tracing::info!("{} answers again; its circuit is closed", self.origin);
        }
        *s = State { answered: true, ever_answered: true, failures: 0, open: None };
    }

    /// The request failed before any answer. `threshold` is the upstream's (see the module
    /// notes). Returns the open circuit when this failure opened it.
    pub(super) fn failed(self, kind: FailKind, cause: &str, threshold: u32, who: &str) -> Option<Tripped> {
        let mut s = lock(&self.host.state);
        s.answered = false;
        s.failures = s.failures.saturating_add(1);
        let never_answered_timeout = kind == FailKind::Timeout && !s.ever_answered;
        if s.failures < threshold.max(THRESHOLD) && !never_answered_timeout {
            return None;
        }
        let reopened = s.open.is_some();
        let t = Tripped { kind, cause: cause.to_string(), failures: s.failures, at: Instant::now() };
        s.open = Some(t.clone());
        drop(s);
        if reopened {
            tracing::debug!("{} still fails ({cause}); its circuit stays open", self.origin);
        } else {
            tracing::warn!(
                "upstream `{who}`: {} {}; its other requests fail at once for {}s (circuit open)",
                self.origin,
                describe(&t),
                COOL_OFF.as_secs()
            );
        }
        Some(t)
    }
}

/// What happened to a host, for messages: `failed 3 times in a row (…)`.
pub(super) fn describe(t: &Tripped) -> String {
    if t.failures == 1 {
        format!("failed before it ever answered ({})", t.cause)
    } else {
        format!("failed {} times in a row ({})", t.failures, t.cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[tokio::test]
    async fn opens_after_consecutive_failures_and_an_answer_resets_the_count() {
        let hosts = Hosts::default();
        let u = url("http://127.0.0.1:9/x");
        for _ in 0..2 {
            let p = hosts.admit(&u).await.unwrap();
            assert!(p.failed(FailKind::Connect, "refused", 1, "up").is_none());
        }
        // An answer in between: the count starts again.
        hosts.admit(&u).await.unwrap().answered();
        for _ in 0..2 {
            assert!(hosts.admit(&u).await.unwrap().failed(FailKind::Connect, "refused", 1, "up").is_none());
        }
        let t = hosts.admit(&u).await.unwrap().failed(FailKind::Connect, "refused", 1, "up").unwrap();
        assert_eq!((t.kind, t.failures), (FailKind::Connect, 3));
        let refused = hosts.admit(&u).await.err().expect("open: refused at once");
        assert_eq!(refused.cause, "refused");
        // Another origin (another port) is judged apart.
        assert!(hosts.admit(&url("http://127.0.0.1:10/x")).await.is_ok());
        assert_eq!(hosts.open().len(), 1);
    }

    #[tokio::test]
    async fn the_upstreams_retry_budget_raises_the_threshold() {
        let hosts = Hosts::default();
        let u = url("https://example.test/");
        for _ in 0..4 {
            assert!(hosts.admit(&u).await.unwrap().failed(FailKind::Connect, "reset", 5, "up").is_none());
        }
        assert!(hosts.admit(&u).await.unwrap().failed(FailKind::Connect, "reset", 5, "up").is_some());
    }

    #[tokio::test]
    async fn a_timeout_before_any_answer_opens_at_once_but_not_after_one() {
        let hosts = Hosts::default();
        let cold = url("http://10.0.0.1/");
        let t = hosts.admit(&cold).await.unwrap().failed(FailKind::Timeout, "no answer", 1, "up").unwrap();
        assert_eq!(describe(&t), "failed before it ever answered (no answer)");
        let warm = url("http://10.0.0.2/");
        hosts.admit(&warm).await.unwrap().answered();
        assert!(hosts.admit(&warm).await.unwrap().failed(FailKind::Timeout, "no answer", 1, "up").is_none());
    }

    #[tokio::test]
    async fn until_a_host_answers_one_request_goes_at_a_time() {
        let hosts = Arc::new(Hosts::default());
        let u = url("https://registry.example/");
        let first = hosts.admit(&u).await.unwrap();
        let waiting = {
            let (hosts, u) = (Arc::clone(&hosts), u.clone());
            tokio::spawn(async move { hosts.admit(&u).await.map(|_| ()) })
        };
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second request waits for the first answer");
        first.answered();
        assert!(waiting.await.unwrap().is_ok());
        // Answered: requests no longer wait for one another.
        let a = hosts.admit(&u).await.unwrap();
        let b = tokio::time::timeout(Duration::from_secs(1), hosts.admit(&u)).await.expect("not gated").unwrap();
        drop((a, b));
    }
}
