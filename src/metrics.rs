//! What `depgate serve` counts, and its Prometheus text exposition (`GET /metrics`,
//! format 0.0.4).
//!
//! Every label set is bounded: ecosystems, status codes, decisions and cache results are
//! small fixed sets; upstream names come from the configuration; rules and teams from
//! the configuration and the policy; packages are counted one by one up to
//! [`MAX_PACKAGES`] names, and past that under `package="(other)"` (so a scrape stays
//! small however many names a fleet serves). The hot path takes atomics, or one mutex
//! for the per-package counter.
//!
//! Written here rather than with a metrics crate: a few fixed families, one text format
//! (escaping tested against Python's `prometheus_client` parser in tests/fleet.rs).
//!
//! Must not: do I/O or decide anything.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Most package names counted one by one.
pub const MAX_PACKAGES: usize = 2_000;
/// Most rule names and teams counted one by one (each beyond: `(other)`).
const MAX_LABELS: usize = 200;
/// The label value of everything past a cap.
pub const OTHER: &str = "(other)";

/// Upper bounds (seconds) of the upstream latency histogram.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Ecosystems as the proxy's routes know them (`other`: `/`, `/metrics`, unknown paths).
pub const ECOSYSTEMS: [&str; 5] = ["npm", "pypi", "maven", "oci", "other"];
/// Status codes counted one by one; anything else counts as `other`.
const STATUSES: [u16; 12] = [200, 206, 304, 400, 401, 403, 404, 405, 414, 502, 503, 504];

/// Files served by package name, per entry of [`ECOSYSTEMS`], and how many names are
/// counted one by one.
type PackageCounts = ([HashMap<String, u64>; ECOSYSTEMS.len()], usize);

type UpstreamCounts = (Histogram, BTreeMap<String, u64>);

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The proxy's counters. One per process, shared by every request.
pub struct Metrics {
    /// Requests by ecosystem × status (the last column: other statuses).
    requests: [[AtomicU64; STATUSES.len() + 1]; ECOSYSTEMS.len()],
    in_flight: AtomicI64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    audit_records: AtomicU64,
    decisions: Mutex<BTreeMap<String, u64>>,
    rules: Mutex<BTreeMap<String, u64>>,
    teams: Mutex<BTreeMap<String, u64>>,
    /// Files served by package name, per entry of [`ECOSYSTEMS`], and how many names are
    /// counted one by one.
    packages: Mutex<PackageCounts>,
    /// By upstream: the latency histogram and the count by status.
    upstream: Mutex<BTreeMap<String, UpstreamCounts>>,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            in_flight: AtomicI64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            audit_records: AtomicU64::new(0),
            decisions: Mutex::default(),
            rules: Mutex::default(),
            teams: Mutex::default(),
            packages: Mutex::default(),
            upstream: Mutex::default(),
            reloads: AtomicU64::new(0),
            reload_failures: AtomicU64::new(0),
        }
    }
}

/// Counts a request in flight until dropped.
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn bump(map: &Mutex<BTreeMap<String, u64>>, key: &str, cap: usize) {
    let mut m = map.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(n) = m.get_mut(key) {
        *n += 1;
    } else {
        let k = if m.len() >= cap { OTHER } else { key };
        *m.entry(k.to_string()).or_default() += 1;
    }
}

impl Metrics {
    /// A request entered; it is counted in flight until the guard is dropped.
    pub fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// A request answered with `status`, under the route of `ecosystem` (an entry of
    /// [`ECOSYSTEMS`]; anything else counts as `other`).
    pub fn request(&self, ecosystem: &str, status: u16) {
        let e = ECOSYSTEMS.iter().position(|x| *x == ecosystem).unwrap_or(ECOSYSTEMS.len() - 1);
        let s = STATUSES.iter().position(|x| *x == status).unwrap_or(STATUSES.len());
        self.requests[e][s].fetch_add(1, Ordering::Relaxed);
    }

    /// A request made with a team's token.
    pub fn team(&self, team: &str) {
        bump(&self.teams, team, MAX_LABELS);
    }

    /// A file served or refused: its decision, its rules and its cache use (`hit`: the
    /// bytes were in the store or in memory already).
    pub fn decision(&self, decision: &str, rules: &[String], hit: Option<bool>) {
        bump(&self.decisions, decision, MAX_LABELS);
        for r in rules {
            bump(&self.rules, r, MAX_LABELS);
        }
        match hit {
            Some(true) => self.cache_hits.fetch_add(1, Ordering::Relaxed),
            Some(false) => self.cache_misses.fetch_add(1, Ordering::Relaxed),
            None => 0,
        };
    }

    /// A repeat of a file kept in memory: a cache hit of an allowed file.
    pub fn repeat(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// A file of `name` served (consumption by package).
    pub fn package(&self, ecosystem: &str, name: &str) {
        let e = ECOSYSTEMS.iter().position(|x| *x == ecosystem).unwrap_or(ECOSYSTEMS.len() - 1);
        let mut guard = self.packages.lock().unwrap_or_else(PoisonError::into_inner);
        let (by_eco, names) = &mut *guard;
        if let Some(n) = by_eco[e].get_mut(name) {
            *n += 1;
            return;
        }
        let key = if *names >= MAX_PACKAGES { OTHER } else { name };
        if key != OTHER {
            *names += 1;
        }
        *by_eco[e].entry(key.to_string()).or_default() += 1;
    }

    /// An audit record written.
    pub fn audit_record(&self) {
        self.audit_records.fetch_add(1, Ordering::Relaxed);
    }

    /// A request to `upstream` that was answered with `status` (`None`: no answer) after
    /// `elapsed`.
    pub fn upstream(&self, upstream: &str, status: Option<u16>, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut m = self.upstream.lock().unwrap_or_else(PoisonError::into_inner);
        let (h, by_status) = m.entry(upstream.to_string()).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
        let s = status.map_or_else(|| "none".to_string(), |s| s.to_string());
        *by_status.entry(s).or_default() += 1;
    }

    /// A configuration reload (SIGHUP), applied or refused.
    pub fn reload(&self, applied: bool) {
        if applied { &self.reloads } else { &self.reload_failures }.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition: `ready` and `audit_failed` are read by the caller at scrape time.
    pub fn render(&self, ready: bool, audit_failed: bool) -> String {
        let mut out = String::with_capacity(8192);
        let _ = writeln!(out, "# HELP depgate_build_info The depgate version serving.");
        let _ = writeln!(out, "# TYPE depgate_build_info gauge");
        let _ = writeln!(out, "depgate_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        gauge(&mut out, "depgate_ready", "1 when this replica takes requests (not draining, audit writable).", ready);
        gauge(&mut out, "depgate_audit_failed", "1 when the audit log can no longer be written.", audit_failed);
        let _ = writeln!(out, "# HELP depgate_in_flight_requests Requests being answered.");
        let _ = writeln!(out, "# TYPE depgate_in_flight_requests gauge");
        let _ = writeln!(out, "depgate_in_flight_requests {}", self.in_flight.load(Ordering::Relaxed));

        let _ = writeln!(out, "# HELP depgate_requests_total Requests answered, by ecosystem and status code.");
        let _ = writeln!(out, "# TYPE depgate_requests_total counter");
        for (e, row) in ECOSYSTEMS.iter().zip(&self.requests) {
            for (i, n) in row.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n == 0 {
                    continue;
                }
                let status = STATUSES.get(i).map_or_else(|| "other".to_string(), ToString::to_string);
                let _ = writeln!(out, "depgate_requests_total{{ecosystem=\"{e}\",status=\"{status}\"}} {n}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP depgate_cache_requests_total Files answered from the store or memory (hit) or fetched upstream (miss)."
        );
        let _ = writeln!(out, "# TYPE depgate_cache_requests_total counter");
        let _ =
            writeln!(out, "depgate_cache_requests_total{{result=\"hit\"}} {}", self.cache_hits.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "depgate_cache_requests_total{{result=\"miss\"}} {}",
            self.cache_misses.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# HELP depgate_audit_records_total Audit records written by this replica.");
        let _ = writeln!(out, "# TYPE depgate_audit_records_total counter");
        let _ = writeln!(out, "depgate_audit_records_total {}", self.audit_records.load(Ordering::Relaxed));
        counter_map(&mut out, "depgate_decisions_total", "File decisions, by decision.", "decision", &self.decisions);
        counter_map(
            &mut out,
            "depgate_rule_findings_total",
            "Policy findings on file decisions, by rule.",
            "rule",
            &self.rules,
        );
        counter_map(
            &mut out,
            "depgate_team_requests_total",
            "Requests made with a team's token, by team.",
            "team",
            &self.teams,
        );
        {
            let m = self.packages.lock().unwrap_or_else(PoisonError::into_inner);
            let mut rows: Vec<(&str, &String, &u64)> =
                ECOSYSTEMS.iter().zip(&m.0).flat_map(|(e, names)| names.iter().map(move |(n, c)| (*e, n, c))).collect();
            rows.sort();
            let _ = writeln!(
                out,
                "# HELP depgate_package_requests_total Files served, by package (at most {MAX_PACKAGES} names; the rest as \"{OTHER}\")."
            );
            let _ = writeln!(out, "# TYPE depgate_package_requests_total counter");
            for (eco, name, n) in rows {
                let _ = writeln!(
                    out,
                    "depgate_package_requests_total{{ecosystem=\"{eco}\",package=\"{}\"}} {n}",
                    escape(name)
                );
            }
        }
        {
            let m = self.upstream.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = writeln!(
                out,
                "# HELP depgate_upstream_requests_total Requests to upstreams, by upstream and status (none: no answer)."
            );
            let _ = writeln!(out, "# TYPE depgate_upstream_requests_total counter");
            for (u, (_, by_status)) in m.iter() {
                for (s, n) in by_status {
                    let _ = writeln!(
                        out,
                        "depgate_upstream_requests_total{{upstream=\"{}\",status=\"{s}\"}} {n}",
                        escape(u)
                    );
                }
            }
            let _ = writeln!(
                out,
                "# HELP depgate_upstream_request_duration_seconds Time to an upstream's answer (headers), by upstream."
            );
            let _ = writeln!(out, "# TYPE depgate_upstream_request_duration_seconds histogram");
            for (u, (h, _)) in m.iter() {
                let u = escape(u);
                for (le, n) in BUCKETS.iter().zip(h.buckets) {
                    let _ = writeln!(
                        out,
                        "depgate_upstream_request_duration_seconds_bucket{{upstream=\"{u}\",le=\"{le}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "depgate_upstream_request_duration_seconds_bucket{{upstream=\"{u}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(out, "depgate_upstream_request_duration_seconds_sum{{upstream=\"{u}\"}} {}", h.sum);
                let _ =
                    writeln!(out, "depgate_upstream_request_duration_seconds_count{{upstream=\"{u}\"}} {}", h.count);
            }
        }
        let _ = writeln!(out, "# HELP depgate_config_reloads_total Configuration reloads (SIGHUP), by result.");
        let _ = writeln!(out, "# TYPE depgate_config_reloads_total counter");
        let _ = writeln!(
            out,
            "depgate_config_reloads_total{{result=\"applied\"}} {}",
            self.reloads.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "depgate_config_reloads_total{{result=\"refused\"}} {}",
            self.reload_failures.load(Ordering::Relaxed)
        );
        out
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: bool) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(out, "{name} {}", u8::from(value));
}

fn counter_map(out: &mut String, name: &str, help: &str, label: &str, map: &Mutex<BTreeMap<String, u64>>) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for (k, n) in map.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(k));
    }
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_past_the_cap_count_as_other() {
        let m = Metrics::default();
        for i in 0..MAX_PACKAGES + 10 {
            m.package("npm", &format!("p{i}"));
        }
        m.package("npm", "p0");
        let text = m.render(true, false);
        assert!(text.contains("depgate_package_requests_total{ecosystem=\"npm\",package=\"p0\"} 2"));
        assert!(text.contains("depgate_package_requests_total{ecosystem=\"npm\",package=\"(other)\"} 10"));
        assert_eq!(text.matches("depgate_package_requests_total{").count(), MAX_PACKAGES + 1);
    }

    #[test]
    fn requests_histograms_and_escaping() {
        let m = Metrics::default();
        m.request("npm", 200);
        m.request("npm", 200);
        m.request("pypi", 403);
        m.request("nope", 599);
        m.upstream("npmjs", Some(200), Duration::from_millis(3));
        m.upstream("npmjs", None, Duration::from_secs(20));
        m.decision("deny", &["quarantine \"young\"\n".to_string()], Some(false));
        {
            let _g = m.enter();
            assert!(m.render(true, false).contains("depgate_in_flight_requests 1"));
        }
        let t = m.render(false, true);
        assert!(t.contains("depgate_in_flight_requests 0"));
        assert!(t.contains("depgate_requests_total{ecosystem=\"npm\",status=\"200\"} 2"));
        assert!(t.contains("depgate_requests_total{ecosystem=\"pypi\",status=\"403\"} 1"));
        assert!(t.contains("depgate_requests_total{ecosystem=\"other\",status=\"other\"} 1"));
        assert!(t.contains("depgate_upstream_request_duration_seconds_bucket{upstream=\"npmjs\",le=\"0.005\"} 1"));
        assert!(t.contains("depgate_upstream_request_duration_seconds_bucket{upstream=\"npmjs\",le=\"+Inf\"} 2"));
        assert!(t.contains("depgate_upstream_requests_total{upstream=\"npmjs\",status=\"none\"} 1"));
        assert!(t.contains("depgate_rule_findings_total{rule=\"quarantine \\\"young\\\"\\n\"} 1"));
        assert!(t.contains("depgate_ready 0") && t.contains("depgate_audit_failed 1"));
        assert!(t.contains("depgate_cache_requests_total{result=\"miss\"} 1"));
    }
}
