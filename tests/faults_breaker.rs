//! An upstream that is down, for a project of many packages: one terminal entry per
//! failing upstream with the number of packages it left undecided, timeouts that say how
//! long was really waited, and the circuit breaker — after a few failures in a row a host
//! is not asked again for every remaining package; those requests fail at once with the
//! same reason, recorded as `circuit_open`. Fail closed is unchanged.

mod support;

use std::io::Read as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use support::fake_npm::FakeNpm;
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
/// More packages than a run would ever make connection attempts with the breaker on.
const PACKAGES: usize = 120;

/// A port nothing listens on (bound, then closed): connections are refused.
fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/")
}

/// What a fake host does with each connection it accepts.
#[derive(Clone, Copy)]
enum Conduct {
    /// Close it at once: served as `https://`, the TLS handshake fails (no connection).
    Close,
    /// Read the request and never answer.
    Silent,
}

/// A host that accepts connections and counts them.
struct Host {
    url: String,
    accepted: Arc<AtomicUsize>,
}

impl Host {
    fn start(conduct: Conduct) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = match conduct {
            Conduct::Close => "https",
            Conduct::Silent => "http",
        };
        let url = format!("{scheme}://{}/", l.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut c) = conn else { return };
                count.fetch_add(1, Ordering::SeqCst);
                match conduct {
                    Conduct::Close => drop(c),
                    Conduct::Silent => {
                        std::thread::spawn(move || {
                            let mut buf = [0u8; 4096];
                            // Hold the connection open until the client gives up.
                            while c.read(&mut buf).is_ok_and(|n| n > 0) {}
                        });
                    }
                }
            }
        });
        Self { url, accepted }
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// `PACKAGES` packages published on `public`, locked from it.
fn project(curated_url: &str, public: &FakeNpm, extra_curated: &str) -> Project {
    let names: Vec<String> = (0..PACKAGES).map(|i| format!("pkg-{i:03}")).collect();
    let mut entries = Vec::new();
    for n in &names {
        let integrity = public.publish(n, "1.0.0", OLD);
        entries.push((n.clone(), integrity));
    }
    let locked: Vec<Locked<'_>> = entries
        .iter()
        .map(|(n, i)| Locked::new(n, "1.0.0", i, format!("{}{n}/-/{n}-1.0.0.tgz", public.url())))
        .collect();
    let p = Project::new();
    p.write("depgate.toml", &chain_config(curated_url, &public.url(), extra_curated, ""));
    p.write("package-lock.json", &package_lock_v3(&locked));
    p
}

fn records(p: &Project) -> Vec<serde_json::Value> {
    p.decisions()["decisions"].as_array().unwrap().clone()
}

#[test]
fn a_refused_upstream_is_one_error_with_the_number_of_packages() {
    let public = FakeNpm::start();
    let p = project(&refused_url(), &public, "");
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    // Fail closed, as before: no decision, exit 3, the lower upstream never asked.
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(public.log().is_empty(), "fell through on a refused connection: {:?}", public.log().len());
    let errors: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "one error per failing upstream:\n{}", run.stdout);
    assert!(
        errors[0].contains(&format!("upstream `curated`: {PACKAGES} packages undecided (connect)")),
        "{}",
        errors[0]
    );
    assert!(run.stdout.contains("Connection refused"), "the cause is shown:\n{}", run.stdout);
    assert!(run.stdout.lines().count() < 12, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "{PACKAGES} packages: 0 allowed, 0 warned, 0 quarantined, 0 denied, {PACKAGES} undecided"
        ))
    );
    // Every package keeps its own record; most were never sent (the circuit was open).
    let recs = records(&p);
    assert_eq!(recs.len(), PACKAGES);
    assert!(recs.iter().all(|r| r["decision"] == "error" && r["resolution"]["error"]["kind"] == "connect"));
    let not_sent = recs.iter().filter(|r| r["resolution"]["error"]["circuit_open"] == true).count();
    assert!(not_sent >= PACKAGES - 5, "{not_sent} of {PACKAGES} failed at once");
    let open = recs.iter().find(|r| r["resolution"]["error"]["circuit_open"] == true).unwrap();
    let msg = open["resolution"]["error"]["message"].as_str().unwrap();
    assert!(msg.contains("failed 3 times in a row") && msg.contains("Connection refused"), "{msg}");
    // The circuit is logged once, not once per package.
    assert_eq!(run.stderr.matches("circuit open").count(), 1, "{}", run.stderr);
}

#[test]
fn a_host_whose_tls_handshake_fails_is_not_asked_once_per_package() {
    let host = Host::start(Conduct::Close);
    let public = FakeNpm::start();
    let p = project(&host.url, &public, "");
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    // Without the breaker: every package, each with its retry (retries = 1): 240.
    let n = host.connections();
    assert!(n <= 6, "{n} connections for {PACKAGES} packages");
    support::report(&format!("breaker: {n} connections to a host whose TLS handshake fails, for {PACKAGES} packages"));
    let recs = records(&p);
    assert!(recs.iter().filter(|r| r["resolution"]["error"]["circuit_open"] == true).count() >= PACKAGES - 6);
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("error")).count(), 1, "{}", run.stdout);
}

#[test]
fn a_silent_upstream_times_out_once_says_how_long_and_falls_through_as_configured() {
    let host = Host::start(Conduct::Silent);
    let public = FakeNpm::start();
    let p = project(&host.url, &public, "fall_through = [\"not_found\", \"timeout\"]");
    // A 1 s timeout for the silent host (chain_config gives 2 s).
    let config = p.read("depgate.toml").replacen("timeout_secs = 2", "timeout_secs = 1", 1);
    p.write("depgate.toml", &config);
    let started = Instant::now();
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    let wall = started.elapsed();
    assert_eq!(run.code, 0, "fell through to public as configured:\n{}", run.all_output());
    let recs = records(&p);
    assert!(recs.iter().all(|r| r["resolution"]["upstream"] == "public" && r["decision"] == "allow"));
    let attempts: Vec<&serde_json::Value> = recs.iter().map(|r| &r["resolution"]["fell_through"][0]).collect();
    assert!(attempts.iter().all(|a| a["upstream"] == "curated" && a["reason"] == "timeout"), "{:#}", attempts[0]);
    let asked: Vec<&&serde_json::Value> = attempts.iter().filter(|a| a.get("circuit_open").is_none()).collect();
    // A host that has never answered and times out is not waited for again.
    assert_eq!(asked.len(), 1, "one request waited for the silent host: {asked:#?}");
    assert_eq!(host.connections(), 1);
    // The time the message gives is the time waited: at least the timeout, at most the run.
    let detail = asked[0]["detail"].as_str().unwrap();
    let waited: f64 = detail
        .split("did not answer within ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no elapsed time in: {detail}"));
    assert!(waited >= 1.0 && waited <= wall.as_secs_f64(), "waited {waited}s in a run of {wall:?}: {detail}");
    assert!(detail.contains("(timeout_secs = 1)"), "{detail}");
    let open = attempts.iter().find(|a| a["circuit_open"] == true).unwrap();
    assert!(open["detail"].as_str().unwrap().contains("failed before it ever answered"), "{open:#}");
    // One note for the upstream passed over, not one line per package.
    let notes: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{}", run.stdout);
    assert!(notes[0].contains(&format!("upstream `curated` failed (timeout) for {PACKAGES} packages")), "{}", notes[0]);
    assert!(!run.stderr.contains("falling through"), "no warning per package:\n{}", run.stderr);
}

#[test]
fn an_upstream_that_answers_errors_is_not_cut_off() {
    // A 5xx is an answer: the host is up, every package is asked (within its retries).
    let curated = FakeNpm::start();
    curated.fault("*", support::fake_npm::Fault::Status(503));
    let public = FakeNpm::start();
    let p = project(&curated.url(), &public, "fall_through = [\"not_found\", \"http_5xx\"]");
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    // Each name asked twice (retries = 1), none refused by a circuit.
    assert_eq!(curated.log().len(), 2 * PACKAGES);
    assert!(records(&p).iter().all(|r| r["resolution"]["fell_through"][0].get("circuit_open").is_none()));
}
