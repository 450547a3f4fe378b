//! Verifications per second of real Sigstore bundles in one process: each bundle kind on
//! one thread, then a mixed batch through `Trust::verify_batch` on one and on two threads.
//! Usage: `verify_bench FIXTURES_DIR [SECONDS]` (`FIXTURES_DIR` = `../shared/fixtures/sigstore`).
//! Prints one line per bundle kind, the slowest kind, and the batch rows; used by
//! `benches/verify.sh`.
//!
//! For instruction counts (`valgrind --tool=callgrind`, repeatable on a busy machine):
//! `VERIFY_BENCH_COUNT=N` verifies each kind N times, untimed, and
//! `VERIFY_BENCH_KIND=hashedrekord|pep740|npm|batch` keeps one kind.

use std::path::Path;
use std::time::{Duration, Instant};

use depgate::attest::formats::{pep740_to_bundle, verify_npm_attestations, verify_pep740};
use depgate::attest::{BundleJob, IdentityPolicy, SanMatch, Subject, Trust};

/// How the bench runs: for a time budget (rates), or a fixed number of calls (counts).
#[derive(Clone, Copy)]
enum Mode {
    Timed(Duration),
    Count(u64),
}

/// Bundles verified per second; `per_call` bundles are verified by each call of `f`.
fn rate(label: &str, mode: Mode, per_call: f64, mut f: impl FnMut() -> bool) -> f64 {
    assert!(f(), "{label}: the bundle does not verify");
    let start = Instant::now();
    let mut n = 0u64;
    match mode {
        Mode::Timed(budget) => {
            while start.elapsed() < budget {
                assert!(f());
                n += 1;
            }
        }
        Mode::Count(count) => {
            for _ in 0..count {
                assert!(f());
            }
            n = count;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let r = per_call * n as f64 / start.elapsed().as_secs_f64();
    println!("{label:<58} {r:>9.0} verifications/s");
    r
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let fx = Path::new(args.get(1).map_or("../shared/fixtures/sigstore", String::as_str)).to_path_buf();
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let mode = match std::env::var("VERIFY_BENCH_COUNT").ok().and_then(|c| c.parse().ok()) {
        Some(n) => Mode::Count(n),
        None => Mode::Timed(Duration::from_secs_f64(secs)),
    };
    let only = std::env::var("VERIFY_BENCH_KIND").ok();
    let wanted = |kind: &str| only.as_deref().is_none_or(|o| o == kind);
    let read = |rel: &str| std::fs::read(fx.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let trust = Trust::embedded().unwrap();

    let wheel = read("pypi/rfc8785-0.1.2/rfc8785-0.1.2-py3-none-any.whl");
    let bundle = String::from_utf8(read("pypi/rfc8785-0.1.2/rfc8785-0.1.2-py3-none-any.whl.sigstore")).unwrap();
    let id = IdentityPolicy {
        issuer: Some("https://token.actions.githubusercontent.com".into()),
        san: Some(SanMatch::Exact(
            "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2".into(),
        )),
        ..IdentityPolicy::default()
    };
    let mut rates = Vec::new();
    if wanted("hashedrekord") {
        rates.push(rate("hashedrekord bundle (rfc8785 wheel), identity pinned", mode, 1.0, || {
            trust.verify_bundle(&bundle, Subject::Bytes(&wheel), None, &id).verified
        }));
    }

    let sdist = read("pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz");
    let att = read("pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz.publish.attestation");
    let pid = IdentityPolicy { source_repo: Some("trailofbits/pypi-attestations".into()), ..IdentityPolicy::default() };
    if wanted("pep740") {
        rates.push(rate("PEP 740 publish attestation (pypi-attestations sdist)", mode, 1.0, || {
            verify_pep740(&trust, &att, "pypi_attestations-0.0.19.tar.gz", Subject::Bytes(&sdist), &pid)
                .unwrap()
                .iter()
                .all(|c| c.verdict.verified)
        }));
    }

    let tgz = read("npm/sigstore@1.0.0/sigstore-1.0.0.tgz");
    let resp = read("npm/sigstore@1.0.0/attestations.json");
    let nid = IdentityPolicy { source_repo: Some("sigstore/sigstore-js".into()), ..IdentityPolicy::default() };
    if wanted("npm") {
        rates.push(rate("npm provenance + publish attestations (sigstore@1.0.0)", mode, 2.0, || {
            verify_npm_attestations(&trust, &resp, "pkg:npm/sigstore@1.0.0", Subject::Bytes(&tgz), &nid)
                .unwrap()
                .iter()
                .all(|c| c.verdict.verified)
        }));
    }
    if !rates.is_empty() {
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        println!("slowest kind: {min:.0} verifications/s on one thread");
    }
    if !wanted("batch") {
        return;
    }

    // A mixed batch: the four bundles above (hashedrekord, PEP 740, npm provenance and
    // publish), 64 of each, verified by `Trust::verify_batch` on one and on two threads.
    let pep740: serde_json::Value = serde_json::from_slice(&att).unwrap();
    let pep740_bundle = pep740_to_bundle(&pep740).unwrap().to_string();
    let npm: serde_json::Value = serde_json::from_slice(&resp).unwrap();
    let npm_bundles: Vec<String> =
        npm["attestations"].as_array().unwrap().iter().map(|a| a["bundle"].to_string()).collect();
    let any = IdentityPolicy::default();
    let kinds = [
        BundleJob { bundle_json: &bundle, subject: Subject::Bytes(&wheel), subject_name: None, policy: &id },
        BundleJob {
            bundle_json: &pep740_bundle,
            subject: Subject::Bytes(&sdist),
            subject_name: Some("pypi_attestations-0.0.19.tar.gz"),
            policy: &pid,
        },
        BundleJob {
            bundle_json: &npm_bundles[0],
            subject: Subject::Bytes(&tgz),
            subject_name: Some("pkg:npm/sigstore@1.0.0"),
            policy: &nid,
        },
        BundleJob {
            bundle_json: &npm_bundles[1],
            subject: Subject::Bytes(&tgz),
            subject_name: Some("pkg:npm/sigstore@1.0.0"),
            policy: &any,
        },
    ];
    let jobs: Vec<BundleJob<'_>> = kinds.iter().copied().cycle().take(4 * 64).collect();
    #[allow(clippy::cast_precision_loss)]
    let per_call = jobs.len() as f64;
    let batch = |threads: usize| trust.verify_batch(&jobs, threads).iter().all(|v| v.verified);
    let one = rate("mixed batch of 256 bundles, verify_batch on 1 thread", mode, per_call, || batch(1));
    let two = rate("mixed batch of 256 bundles, verify_batch on 2 threads", mode, per_call, || batch(2));
    println!("two threads / one thread: {:.2}x (linear: 2.00x)", two / one);
}
