//! Name resolution for the HTTP client: one lookup per host name at a time, its answer
//! reused for [`TTL`], and a second lookup started when the first is slow.
//!
//! Why: the system resolver (`getaddrinfo`, on a blocking thread) sends its queries over
//! UDP, and a query whose answer is lost is retried only after the resolver's timeout
//! (`options timeout`, 5 s by default). Measured here: 3 in 100 lookups done one after the
//! other took 5 s, and 11 of 32 done at once. Without this layer every new connection
//! made its own lookup, so a burst of connections (the start of a run) was a burst of
//! lookups; and a lookup still waiting kept the process alive after its work was done.
//! A second lookup after [`HEDGE_AFTER`] makes a lost answer cost that long instead.
//!
//! Must not: pick addresses (the client tries them in order) or cache failures.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::singleflight::SingleFlight;

/// How long an answer is reused (the system resolver gives no record TTL).
const TTL: Duration = Duration::from_secs(60);
/// When a second lookup of the same name is started beside a slow first one.
const HEDGE_AFTER: Duration = Duration::from_secs(1);

type Answer = Result<Arc<[SocketAddr]>, String>;

/// The resolver the client is built with.
#[derive(Clone)]
pub(super) struct Resolver {
    lookups: Arc<SingleFlight<String, Answer>>,
}

impl Resolver {
    pub(super) fn new() -> Self {
        Self { lookups: Arc::new(SingleFlight::new(Some(TTL), Result::is_ok)) }
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookups = Arc::clone(&self.lookups);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let got = lookups.get_or_init(host.clone(), || hedged(host)).await.value;
            match got {
                // Owned by the iterator: the answer outlives this call.
                Ok(addrs) => Ok(Box::new((0..addrs.len()).map(move |i| addrs[i])) as Addrs),
                Err(e) => Err(e.into()),
            }
        })
    }
}

/// Look `host` up; when no answer came within [`HEDGE_AFTER`], look it up again beside the
/// first and take whichever answers.
async fn hedged(host: String) -> Answer {
    let started = std::time::Instant::now();
    let first = Box::pin(lookup(host.clone()));
    let first = match futures::future::select(first, Box::pin(tokio::time::sleep(HEDGE_AFTER))).await {
        futures::future::Either::Left((answer, _)) => {
            tracing::trace!("resolved {host} in {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
            return answer;
        }
        futures::future::Either::Right(((), first)) => first,
    };
    tracing::debug!("no answer for {host} after {}s: asking the resolver again", HEDGE_AFTER.as_secs());
    let second = Box::pin(lookup(host.clone()));
    let answer = match futures::future::select_ok([first, second]).await {
        Ok((addrs, _)) => Ok(addrs),
        Err(e) => Err(e),
    };
    tracing::debug!("resolved {host} in {:.0} ms (two lookups)", started.elapsed().as_secs_f64() * 1000.0);
    answer
}

async fn lookup(host: String) -> Answer {
    match tokio::net::lookup_host((host.as_str(), 0)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() { Err(format!("no address for {host}")) } else { Ok(addrs.into()) }
        }
        Err(e) => Err(format!("cannot resolve {host}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolves_and_reuses_the_answer() {
        let r = Resolver::new();
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = r.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert_eq!(r.lookups.len(), 1);
        let again: Vec<SocketAddr> = r.resolve("localhost".parse().unwrap()).await.unwrap().collect();
        assert_eq!(addrs, again);
        assert_eq!(r.lookups.len(), 1, "one lookup per name");
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_an_error_and_not_kept() {
        let r = Resolver::new();
        let name: Name = "no-such-host.invalid".parse().unwrap();
        assert!(r.resolve(name).await.is_err());
    }
}
