//! LIVE group: the real Maven Central files of `testdata/openpgp/central` and their real
//! `.asc` signatures, fetched from Central now, verified against their signers' real keys
//! (`signers.keys`) and pinned to the keys Gradle's own resolution trusted for them
//! (`MANIFEST`). Needs the network: runs only with `DEPGATE_LIVE=1`.

mod support;

use std::path::Path;

use depgate::openpgp::trust::{Outcome, Pin, judge};
use depgate::openpgp::{Keyring, Options, verify_detached};

const CENTRAL: &str = "https://repo.maven.apache.org/maven2";

fn live() -> bool {
    if std::env::var("DEPGATE_LIVE").as_deref() == Ok("1") {
        return true;
    }
    support::skipped("live Maven Central OpenPGP test: set DEPGATE_LIVE=1 to run it (needs repo.maven.apache.org)");
    false
}

#[tokio::test(flavor = "current_thread")]
async fn real_central_signatures_verify_live() {
    if !live() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/openpgp/central");
    let ring = Keyring::parse(&std::fs::read(dir.join("signers.keys")).unwrap(), true).unwrap();
    let now =
        u32::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap();
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap();
    let get = |url: String| {
        let client = client.clone();
        async move {
            let r = client.get(&url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(r.status().is_success(), "{url}: {}", r.status());
            r.bytes().await.unwrap().to_vec()
        }
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST")).unwrap();
    let mut verified = 0;
    for line in manifest.lines() {
        let mut parts = line.split_whitespace();
        let coord = parts.next().unwrap();
        let file = parts.next().unwrap();
        let pins: Vec<Pin> = parts.map(|k| Pin::new(k, "MANIFEST")).collect();
        let [group, artifact, version] = coord.split(':').collect::<Vec<_>>()[..] else { panic!("{line}") };
        let url = format!("{CENTRAL}/{}/{artifact}/{version}/{file}", group.replace('.', "/"));
        let bytes = get(url.clone()).await;
        let asc = get(format!("{url}.asc")).await;
        assert_eq!(bytes, std::fs::read(dir.join(file)).unwrap(), "{url} differs from the committed copy");
        assert_eq!(
            asc,
            std::fs::read(dir.join(format!("{file}.asc"))).unwrap(),
            "{url}.asc differs from the committed copy"
        );
        // SHA-1 allowed here: picocli's POM is signed with SHA-1 (the hermetic test checks
        // that the default refuses it).
        let outcome = judge(verify_detached(&ring, &bytes, &asc, Options { now, allow_sha1: true }), &pins);
        if pins.is_empty() {
            assert!(matches!(outcome, Outcome::Unverifiable { .. }), "{url}: {outcome:?}");
        } else {
            assert!(matches!(outcome, Outcome::Verified { .. }), "{url}: {outcome:?}");
            verified += 1;
        }
    }
    support::report(&format!("live OpenPGP: {verified} Maven Central files verified against their signers' keys"));
    assert!(verified >= 20);
}
