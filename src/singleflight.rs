//! Single-flight with a time-to-live: a keyed map where concurrent callers of one key
//! share one in-flight initialisation, and a finished value is handed to later callers
//! while it is young enough and its owner says it may be reused.
//!
//! It exists because a long-lived front door (the proxy) must not walk the chain or fetch
//! a file once per client request: the first request does the work, the others wait for
//! it. Failures are not remembered: the owner's `reusable` check turns them away, so the
//! next caller tries again.
//!
//! Must not: know what it stores (no crate types, only std and tokio) or hold its lock
//! across an await. The clock is read in one place, [`SingleFlight::get_or_init`];
//! [`SingleFlight::get_or_init_at`] takes `now` from the caller (tests fix it).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// Entries kept before those that can no longer be reused are swept (a build asks for far
/// fewer names and files).
pub const SWEEP_AT: usize = 20_000;

/// One key's slot: when its initialisation was started, and the cell every caller of the
/// key shares until the slot is replaced.
struct Slot<V> {
    born: Instant,
    cell: Arc<OnceCell<V>>,
}

/// The map and the size at which it is next swept (raised while most entries are live, so
/// a map full of reusable entries is not rescanned on every insert).
struct Entries<K, V> {
    map: HashMap<K, Slot<V>>,
    sweep_at: usize,
}

/// What one call got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got<V> {
    pub value: V,
    /// This call's initialiser made the value (a miss); `false` when an earlier or
    /// concurrent caller's did (a hit).
    pub initialised: bool,
}

/// A keyed single-flight map with an optional time-to-live.
///
/// A slot is reused while it is younger than the TTL (measured from when its
/// initialisation started, so a value is never served later than `ttl` after the work that
/// made it began) and, once it holds a value, while `reusable(value)` is true. Otherwise the
/// next caller starts a fresh slot. An initialiser whose caller is dropped does not wedge
/// the key: the next caller waiting on the same slot runs its own initialiser.
pub struct SingleFlight<K, V> {
    ttl: Option<Duration>,
    reusable: fn(&V) -> bool,
    min_sweep_at: usize,
    entries: Mutex<Entries<K, V>>,
}

impl<K: Eq + Hash, V: Clone> SingleFlight<K, V> {
    /// Values live for `ttl` (`None`: as long as `reusable` accepts them), and a finished
    /// value is handed out again only while `reusable` says so.
    pub fn new(ttl: Option<Duration>, reusable: fn(&V) -> bool) -> Self {
        Self::with_sweep_at(ttl, reusable, SWEEP_AT)
    }

    /// [`SingleFlight::new`] that sweeps once it holds `sweep_at` entries (tests use a
    /// small number).
    pub fn with_sweep_at(ttl: Option<Duration>, reusable: fn(&V) -> bool, sweep_at: usize) -> Self {
        let sweep_at = sweep_at.max(1);
        Self { ttl, reusable, min_sweep_at: sweep_at, entries: Mutex::new(Entries { map: HashMap::new(), sweep_at }) }
    }

    /// The value of `key`: a reusable one already made or being made, else the one `init`
    /// makes now. Reads the clock; [`SingleFlight::get_or_init_at`] takes it.
    pub async fn get_or_init<F, Fut>(&self, key: K, init: F) -> Got<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        self.get_or_init_at(Instant::now(), key, init).await
    }

    /// [`SingleFlight::get_or_init`] as of `now`.
    pub async fn get_or_init_at<F, Fut>(&self, now: Instant, key: K, init: F) -> Got<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = self.slot(now, key);
        let mut initialised = false;
        let value = cell
            .get_or_init(|| {
                initialised = true;
                init()
            })
            .await
            .clone();
        Got { value, initialised }
    }

    /// Entries held (reusable or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cell a caller of `key` at `now` waits on: the current slot's while it may be
    /// reused, else a fresh one that replaces it.
    fn slot(&self, now: Instant, key: K) -> Arc<OnceCell<V>> {
        let mut entries = self.lock();
        if let Some(slot) = entries.map.get(&key)
            && self.usable(slot, now)
        {
            return slot.cell.clone();
        }
        if entries.map.len() >= entries.sweep_at {
            entries.map.retain(|_, slot| self.usable(slot, now));
            // Sweep again only once the map has doubled past what is still live, so that
            // inserting into a map of live entries stays cheap on average.
            entries.sweep_at = self.min_sweep_at.max(entries.map.len().saturating_mul(2));
        }
        let cell = Arc::new(OnceCell::new());
        entries.map.insert(key, Slot { born: now, cell: cell.clone() });
        cell
    }

    /// Within the TTL, and not holding a value its owner turns away. A slot still being
    /// initialised is usable: its callers share the work.
    fn usable(&self, slot: &Slot<V>, now: Instant) -> bool {
        self.ttl.is_none_or(|ttl| now.saturating_duration_since(slot.born) < ttl)
            && slot.cell.get().is_none_or(|v| (self.reusable)(v))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const TTL: Duration = Duration::from_secs(300);

    const ALWAYS: fn(&u32) -> bool = |_| true;

    /// Values below 100 are successes, the rest failures that must not be remembered.
    const SUCCESS: fn(&u32) -> bool = |v| *v < 100;

    #[tokio::test]
    async fn concurrent_callers_share_one_initialisation() {
        let flight = Arc::new(SingleFlight::new(Some(TTL), ALWAYS));
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let (flight, runs, mut released) = (flight.clone(), runs.clone(), released.clone());
                tokio::spawn(async move {
                    flight
                        .get_or_init("k", || async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            // Hold the initialisation open until every caller has arrived.
                            let _ = released.wait_for(|r| *r).await;
                            7
                        })
                        .await
                })
            })
            .collect();
        tokio::task::yield_now().await;
        release.send(true).unwrap();
        let mut initialised = 0;
        for c in callers {
            let got = c.await.unwrap();
            assert_eq!(got.value, 7);
            initialised += usize::from(got.initialised);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(initialised, 1, "exactly one caller reports the miss");
    }

    #[tokio::test]
    async fn a_value_past_its_ttl_is_made_again() {
        let flight = SingleFlight::new(Some(TTL), ALWAYS);
        let t0 = Instant::now();
        let first = flight.get_or_init_at(t0, "k", || async { 1 }).await;
        assert_eq!(first, Got { value: 1, initialised: true });
        let young = flight.get_or_init_at(t0 + Duration::from_millis(299_999), "k", || async { 2 }).await;
        assert_eq!(young, Got { value: 1, initialised: false }, "still within the TTL");
        let old = flight.get_or_init_at(t0 + TTL, "k", || async { 3 }).await;
        assert_eq!(old, Got { value: 3, initialised: true }, "the TTL is over");
        // The new value's TTL runs from when it was made.
        let again = flight.get_or_init_at(t0 + TTL + Duration::from_secs(1), "k", || async { 4 }).await;
        assert_eq!(again.value, 3);
    }

    #[tokio::test]
    async fn without_a_ttl_a_value_lives_while_reusable() {
        let flight = SingleFlight::new(None, SUCCESS);
        let t0 = Instant::now();
        flight.get_or_init_at(t0, "k", || async { 1 }).await;
        let later = flight.get_or_init_at(t0 + Duration::from_secs(1 << 30), "k", || async { 2 }).await;
        assert_eq!(later.value, 1);
    }

    #[tokio::test]
    async fn a_value_the_owner_turns_away_is_made_again() {
        let flight = SingleFlight::new(Some(TTL), SUCCESS);
        let t0 = Instant::now();
        let failed = flight.get_or_init_at(t0, "k", || async { 500 }).await;
        assert_eq!(failed, Got { value: 500, initialised: true });
        let retried = flight.get_or_init_at(t0, "k", || async { 5 }).await;
        assert_eq!(retried, Got { value: 5, initialised: true }, "a failure is not remembered");
        let reused = flight.get_or_init_at(t0, "k", || async { 6 }).await;
        assert_eq!(reused, Got { value: 5, initialised: false });
        assert_eq!(flight.len(), 1, "the failed slot was replaced, not kept beside");
    }

    #[tokio::test]
    async fn the_sweep_removes_only_entries_that_cannot_be_reused() {
        let flight = SingleFlight::with_sweep_at(Some(TTL), SUCCESS, 4);
        let t0 = Instant::now();
        flight.get_or_init_at(t0, "old", || async { 1 }).await;
        flight.get_or_init_at(t0 + TTL / 2, "young", || async { 2 }).await;
        flight.get_or_init_at(t0 + TTL / 2, "failed", || async { 500 }).await;
        // Still being made when the sweep runs: its callers share it, so it stays.
        let pending = flight.slot(t0 + TTL / 2, "pending");
        assert_eq!(flight.len(), 4);
        // At the threshold: the next new key sweeps first. `old` is past its TTL, `failed`
        // may not be reused; `young` and `pending` are live.
        let now = t0 + TTL;
        flight.get_or_init_at(now, "new", || async { 3 }).await;
        let mut keys: Vec<_> = flight.lock().map.keys().copied().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["new", "pending", "young"]);
        assert!(Arc::ptr_eq(&pending, &flight.slot(now, "pending")), "the pending slot is the same one");
        let young = flight.get_or_init_at(now, "young", || async { 9 }).await;
        assert_eq!(young, Got { value: 2, initialised: false });
    }

    #[tokio::test]
    async fn a_map_of_live_entries_is_not_rescanned_on_every_insert() {
        let flight = SingleFlight::with_sweep_at(None, ALWAYS, 2);
        let t0 = Instant::now();
        for k in 0..8u32 {
            flight.get_or_init_at(t0, k, || async move { k }).await;
        }
        // Every entry is live, so none is swept, and the next sweep waits for the map to
        // double past what is live.
        assert_eq!(flight.len(), 8);
        assert!(flight.lock().sweep_at >= 8);
    }

    #[tokio::test]
    async fn a_dropped_initialiser_does_not_wedge_the_key() {
        let flight = Arc::new(SingleFlight::new(Some(TTL), ALWAYS));
        let started = Arc::new(tokio::sync::Notify::new());
        let stuck = {
            let (flight, started) = (flight.clone(), started.clone());
            tokio::spawn(async move {
                flight
                    .get_or_init("k", || async move {
                        started.notify_one();
                        std::future::pending::<u32>().await
                    })
                    .await
            })
        };
        started.notified().await;
        // A second caller waits on the same slot while the first one holds it.
        let waiter = {
            let flight = flight.clone();
            tokio::spawn(async move { flight.get_or_init("k", || async { 2 }).await })
        };
        tokio::task::yield_now().await;
        stuck.abort();
        assert!(stuck.await.unwrap_err().is_cancelled());
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("not wedged").unwrap();
        assert_eq!(got, Got { value: 2, initialised: true }, "the waiter ran its own initialiser");
        let later = flight.get_or_init("k", || async { 3 }).await;
        assert_eq!(later, Got { value: 2, initialised: false });
    }
}
