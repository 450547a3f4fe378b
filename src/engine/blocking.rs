//! CPU-bound stages off the async I/O threads: a batch split into one share per core (at
//! most 8), each share handed to `work` on a blocking thread. Signature checks
//! ([`super::evidence`]) and policy evaluation ([`super::decide_all`]) both run this way.

/// One share's result: how many items it took, and what `work` made of them (`None`: its
/// blocking task did not finish, which happens only when the runtime shuts down).
pub(super) type Share<U> = (usize, Option<Vec<U>>);

/// Run `work` over `items`, a share per core on blocking threads; the shares come back in
/// the order of `items`.
pub(super) async fn on_cores<T, U, F>(items: Vec<T>, work: F) -> Vec<Share<U>>
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(Vec<T>) -> Vec<U> + Clone + Send + 'static,
{
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let per = items.len().div_ceil(cores).max(1);
    let mut handles = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let part: Vec<T> = items.by_ref().take(per).collect();
        let (len, work) = (part.len(), work.clone());
        handles.push((len, tokio::task::spawn_blocking(move || work(part))));
    }
    let mut out = Vec::with_capacity(handles.len());
    for (len, handle) in handles {
        out.push((len, handle.await.ok()));
    }
    out
}
