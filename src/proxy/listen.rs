//! Connections and load for the proxy: the accept loop, HTTP/1 limits (header size, header
//! read time), a cap on open connections, and admission of requests into the gate.
//!
//! Owns: how much work the proxy takes on at once, and what it answers when it has too
//! much. Must not: look at what a request asks for (that is `server` and `handlers`).
//!
//! Back-pressure comes in two steps. Open connections are capped: beyond the cap the proxy
//! stops accepting, and new connections wait in the kernel's listen queue. Requests are
//! admitted into the gate up to `max_in_flight` at once; up to `max_queued` more wait (at
//! most `queue_timeout`) for a place; anything beyond that gets an immediate 503 with
//! `Retry-After`, so a flood costs a small, fixed amount of memory per connection and never
//! an unbounded queue.

use std::convert::Infallible;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

/// How much the proxy takes on at once (`depgate serve --max-…` flags).
#[derive(Debug, Clone)]
pub struct LoadLimits {
    /// Open client connections; beyond it new connections wait to be accepted.
    pub max_connections: usize,
    /// Requests being decided or served at once.
    pub max_in_flight: usize,
    /// Requests waiting for a place; beyond it the answer is 503 at once.
    pub max_queued: usize,
    /// Longest wait for a place before the answer is 503.
    pub queue_timeout: Duration,
    /// Largest request head (request line and headers); a larger one gets 431.
    pub max_header_bytes: usize,
    /// Time a client has to send a request head, and to send the next one on a kept-alive
    /// connection; a slower client is disconnected.
    pub header_timeout: Duration,
}

impl Default for LoadLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_in_flight: 128,
            max_queued: 1024,
            queue_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            header_timeout: Duration::from_secs(20),
        }
    }
}

/// hyper's smallest read buffer: a smaller header limit is raised to it.
const MIN_HEADER_BYTES: usize = 8 * 1024;

/// Requests let into the gate: a place each, a bounded queue for the rest.
#[derive(Debug)]
pub struct Admission {
    places: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_in_flight: usize,
    max_queued: usize,
    queue_timeout: Duration,
}

/// Why a request was not admitted (answered 503 with `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// The queue is full.
    QueueFull,
    /// No place freed up within the queue timeout.
    Timeout,
}

impl Busy {
    /// For the 503 body: what happened and what to do.
    pub fn message(self, admission: &Admission) -> String {
        let what = match self {
            Busy::QueueFull => format!(
                "{} requests are in progress and {} more are waiting",
                admission.max_in_flight, admission.max_queued
            ),
            Busy::Timeout => format!("no place freed up within {} s", admission.queue_timeout.as_secs()),
        };
        format!("depgate serve is at capacity ({what}); retry after a second, or raise --max-in-flight")
    }
}

/// Decrements the waiting count however the wait ends (a place, a timeout, or the client
/// going away and the request future being dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    pub fn new(limits: &LoadLimits) -> Self {
        let max_in_flight = limits.max_in_flight.max(1);
        Self {
            places: Arc::new(Semaphore::new(max_in_flight)),
            waiting: AtomicUsize::new(0),
            max_in_flight,
            max_queued: limits.max_queued,
            queue_timeout: limits.queue_timeout,
        }
    }

    /// A place for one request, held until the permit is dropped.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(place) = self.places.clone().try_acquire_owned() {
            return Ok(place);
        }
        let ahead = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _waiting = Waiting(&self.waiting);
        if ahead >= self.max_queued {
            return Err(Busy::QueueFull);
        }
        match tokio::time::timeout(self.queue_timeout, self.places.clone().acquire_owned()).await {
            Ok(Ok(place)) => Ok(place),
            // The semaphore is never closed; a timeout is the only other way out.
            Ok(Err(_)) | Err(_) => Err(Busy::Timeout),
        }
    }
}

/// What answers requests: one call per request (the proxy's [`super::server::handle`]).
pub trait Answer: Fn(Request<Incoming>) -> Self::Answered + Clone + Send + Sync + 'static {
    type Answered: Future<Output = Response<axum::body::Body>> + Send + 'static;
}

impl<F, R> Answer for F
where
    F: Fn(Request<Incoming>) -> R + Clone + Send + Sync + 'static,
    R: Future<Output = Response<axum::body::Body>> + Send + 'static,
{
    type Answered = R;
}

/// An accepted connection on its way to a serving thread, with its place among the open
/// connections.
type Accepted = (std::net::TcpStream, OwnedSemaphorePermit);

/// Serve on `listener` until `shutdown` resolves, then let the connections finish the
/// requests they are answering (idle ones close) and return.
///
/// Connections are served by one thread per core, each running its own single-threaded
/// runtime, the way nginx runs a worker process per core: a connection stays on the
/// thread it was handed to, together with everything its requests wait for (their audit
/// records are written by a task on the same thread), so answering a cached file takes no
/// switch between threads. Under load a work-stealing pool spent about a tenth of the
/// proxy's CPU parking and waking its threads, and a cached file took 22 µs of CPU per
/// request against 14 µs this way (`perf`, wrk as in `benches/serve.sh`). This task only
/// accepts, and hands connections to the serving threads in turn.
pub async fn serve(
    listener: TcpListener,
    answer: impl Answer,
    limits: &LoadLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BYTES));
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let workers = start_workers(threads, &http, &answer, &stop_rx);
    // Connections served on this runtime: when no serving thread could be started.
    let (open_tx, mut open_rx) = mpsc::channel::<Infallible>(1);
    let mut next = 0usize;

    loop {
        let mut stop = stop_rx.clone();
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => p,
            () = stopped(&mut stop) => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = stopped(&mut stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors, most likely: wait for connections to close.
                tracing::warn!("cannot accept a connection: {e}; retrying shortly");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if !workers.is_empty() {
            let Ok(stream) = stream.into_std() else { continue };
            next = (next + 1) % workers.len();
            // A serving thread that is gone drops the connection (it closes).
            let _ = workers[next].0.send((stream, permit));
            continue;
        }
        let open = open_tx.clone();
        tokio::spawn(connection(stream, http.clone(), answer.clone(), stop, permit, open));
    }
    drop(listener);
    drop(open_tx);
    let (senders, threads): (Vec<_>, Vec<_>) = workers.into_iter().unzip();
    drop(senders);
    let _ = open_rx.recv().await;
    // Each serving thread ends once its connections have.
    let joined = tokio::task::spawn_blocking(move || {
        for t in threads {
            let _ = t.join();
        }
    });
    let _ = joined.await;
    Ok(())
}

/// The serving threads: each takes connections from its channel and serves them on its
/// own runtime until the channel closes and its connections have finished. Fewer (none)
/// when a thread or runtime cannot be started (said in the log; this runtime serves).
fn start_workers(
    threads: usize,
    http: &hyper::server::conn::http1::Builder,
    answer: &impl Answer,
    stop: &watch::Receiver<bool>,
) -> Vec<(mpsc::UnboundedSender<Accepted>, std::thread::JoinHandle<()>)> {
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("cannot start a serving runtime: {e}; serving on fewer threads");
                break;
            }
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Accepted>();
        let (http, answer, stop) = (http.clone(), answer.clone(), stop.clone());
        let thread = std::thread::Builder::new().name(format!("depgate-serve-{i}")).spawn(move || {
            runtime.block_on(async move {
                let (open_tx, mut open_rx) = mpsc::channel::<Infallible>(1);
                while let Some((stream, permit)) = rx.recv().await {
                    let Ok(stream) = TcpStream::from_std(stream) else { continue };
                    let open = open_tx.clone();
                    tokio::spawn(connection(stream, http.clone(), answer.clone(), stop.clone(), permit, open));
                }
                drop(open_tx);
                let _ = open_rx.recv().await;
            });
        });
        match thread {
            Ok(t) => workers.push((tx, t)),
            Err(e) => {
                tracing::warn!("cannot start a serving thread: {e}; serving on fewer threads");
                break;
            }
        }
    }
    workers
}

/// One client connection, until it closes or shutdown is asked for (then it finishes the
/// request it is answering). `open` tells the owner when every connection has ended.
async fn connection(
    stream: TcpStream,
    http: hyper::server::conn::http1::Builder,
    answer: impl Answer,
    mut stop: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
    open: mpsc::Sender<Infallible>,
) {
    let service = hyper::service::service_fn(move |request| {
        let answered = answer(request);
        async move { Ok::<_, Infallible>(answered.await) }
    });
    let conn = http.serve_connection(TokioIo::new(stream), service);
    let mut conn = pin!(conn);
    tokio::select! {
        r = conn.as_mut() => log_connection_end(r),
        () = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            log_connection_end(conn.await);
        }
    }
    drop(permit);
    drop(open);
}

/// Resolves once shutdown was asked for (the guard `wait_for` returns is not `Send`, so
/// it is dropped here rather than held across an await by the caller).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        tracing::trace!("connection closed: {e}");
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admission_queues_then_refuses() {
        let limits = LoadLimits {
            max_in_flight: 1,
            max_queued: 1,
            queue_timeout: Duration::from_millis(50),
            ..LoadLimits::default()
        };
        let a = Arc::new(Admission::new(&limits));
        let first = a.enter().await.unwrap();
        // One may wait; it times out while the first place is held.
        let waiter = tokio::spawn({
            let a = a.clone();
            async move { a.enter().await.map(drop) }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(a.enter().await.unwrap_err(), Busy::QueueFull);
        assert_eq!(waiter.await.unwrap().unwrap_err(), Busy::Timeout);
        assert_eq!(a.waiting.load(Ordering::Acquire), 0);
        drop(first);
        assert!(a.enter().await.is_ok());
    }
}
