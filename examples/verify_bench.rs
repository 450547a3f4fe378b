//! Verifications per second of real Sigstore bundles in one process, on one thread.
//! Usage: `verify_bench FIXTURES_DIR [SECONDS]` (`FIXTURES_DIR` = `../shared/fixtures/sigstore`).
//! Prints one line per bundle kind and a total; used by `benches/verify.sh`.

use std::path::Path;
use std::time::{Duration, Instant};

use depgate::attest::formats::{verify_npm_attestations, verify_pep740};
use depgate::attest::{IdentityPolicy, SanMatch, Subject, Trust};

/// Bundles verified per second; `per_call` bundles are verified by each call of `f`.
fn rate(label: &str, budget: Duration, per_call: f64, mut f: impl FnMut() -> bool) -> f64 {
    assert!(f(), "{label}: the bundle does not verify");
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        assert!(f());
        n += 1;
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
    let budget = Duration::from_secs_f64(secs);
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
    let mut rates = vec![rate("hashedrekord bundle (rfc8785 wheel), identity pinned", budget, 1.0, || {
        trust.verify_bundle(&bundle, Subject::Bytes(&wheel), None, &id).verified
    })];

    let sdist = read("pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz");
    let att = read("pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz.publish.attestation");
    let pid = IdentityPolicy { source_repo: Some("trailofbits/pypi-attestations".into()), ..IdentityPolicy::default() };
    rates.push(rate("PEP 740 publish attestation (pypi-attestations sdist)", budget, 1.0, || {
        verify_pep740(&trust, &att, "pypi_attestations-0.0.19.tar.gz", Subject::Bytes(&sdist), &pid)
            .unwrap()
            .iter()
            .all(|c| c.verdict.verified)
    }));

    let tgz = read("npm/sigstore@1.0.0/sigstore-1.0.0.tgz");
    let resp = read("npm/sigstore@1.0.0/attestations.json");
    let nid = IdentityPolicy { source_repo: Some("sigstore/sigstore-js".into()), ..IdentityPolicy::default() };
    rates.push(rate("npm provenance + publish attestations (sigstore@1.0.0)", budget, 2.0, || {
        verify_npm_attestations(&trust, &resp, "pkg:npm/sigstore@1.0.0", Subject::Bytes(&tgz), &nid)
            .unwrap()
            .iter()
            .all(|c| c.verdict.verified)
    }));
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    println!("slowest kind: {min:.0} verifications/s on one thread");
}
