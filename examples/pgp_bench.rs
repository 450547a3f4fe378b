//! OpenPGP detached-signature verifications per second in one process, on one thread.
//! Usage: `pgp_bench SECONDS LABEL FILE SIGNATURE KEYRING [LABEL FILE SIGNATURE KEYRING]…`
//! Each verification reads the signature packets and checks them against the keyring
//! (loaded once, as the gate does per run). Prints one line per label; used by
//! `benches/pgp.sh`.

use std::time::{Duration, Instant};

use depgate::openpgp::{Keyring, Options, Verdict, verify_detached};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let now =
        u32::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap();
    let opts = Options { now, allow_sha1: false };
    for case in args[1..].chunks(4) {
        let [label, file, sig, ring] = case else {
            panic!("usage: pgp_bench SECONDS (LABEL FILE SIGNATURE KEYRING)…")
        };
        let data = std::fs::read(file).unwrap();
        let sig = std::fs::read(sig).unwrap();
        let ring = Keyring::parse(&std::fs::read(ring).unwrap(), false).unwrap();
        assert!(matches!(verify_detached(&ring, &data, &sig, opts), Verdict::Verified(_)), "{label} does not verify");
        let budget = Duration::from_secs_f64(secs);
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < budget {
            assert!(matches!(verify_detached(&ring, &data, &sig, opts), Verdict::Verified(_)));
            n += 1;
        }
        #[allow(clippy::cast_precision_loss)]
        let rate = n as f64 / start.elapsed().as_secs_f64();
        println!("{label} {rate:.0}");
    }
}
