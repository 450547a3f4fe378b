//! `depgate serve` under abuse: path traversal and encoded separators, NUL, overlong paths,
//! oversized headers, names outside every chain, and a loopback flood of 10,000 requests
//! from 500 concurrent clients against 64 places and a queue of 256. Every answer must be
//! correct (bytes checked) or a clean refusal (4xx with a JSON reason, or 503 with
//! `Retry-After`, which the flood's clients honour by asking again),
//! the upstreams must never be asked for a path with `..`, and the proxy's peak resident
//! memory must stay under 200 MB.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use sha2::{Digest, Sha512};
use support::fake_npm::FakeNpm;
use support::served::{Rng, Served, memory_kib, raw_get};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";

fn npm_config(dir: &std::path::Path, curated: &FakeNpm, public: &FakeNpm) -> std::path::PathBuf {
    let config = dir.join("depgate.toml");
    let pypi = dir.join("pypi-registry");
    let maven = dir.join("maven-registry");
    std::fs::create_dir_all(pypi.join("simple")).unwrap();
    std::fs::create_dir_all(&maven).unwrap();
    let extra = format!(
        "\n[pypi]\nchain = [\"pydir\"]\n\n[upstream.pydir]\nkind = \"dir\"\npath = \"{}\"\ntier = \"public\"\n\n\
         [maven]\nchain = [\"mvndir\"]\n\n[upstream.mvndir]\nkind = \"dir\"\npath = \"{}\"\ntier = \"public\"\n",
        pypi.display(),
        maven.display()
    );
    let text = support::chain_config(&curated.url(), &public.url(), "", "") + &extra;
    std::fs::write(&config, text).unwrap();
    config
}

#[test]
fn traversal_encoded_names_big_headers_and_unknown_names_get_clean_refusals() {
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    public.publish("left-pad", "1.0.0", OLD);
    // A secret beside the registry folders: no request may read it.
    std::fs::write(work.path().join("secret.txt"), "root:x:0:0:do-not-serve").unwrap();
    let config = npm_config(work.path(), &curated, &public);
    let served = Served::start(work.path(), &config, &["--current-time", NOW]);
    let addr = served.addr();

    let long = format!("/npm/{}", "a".repeat(5000));
    let cases: Vec<(&str, String, &[u16])> = vec![
        ("encoded dot-dot slash", "/npm/..%2f..%2fetc%2fpasswd".into(), &[400]),
        ("encoded dots", "/npm/%2e%2e/%2e%2e/etc/passwd".into(), &[400]),
        ("literal dot-dot", "/npm/../../etc/passwd".into(), &[400, 404]),
        ("encoded slash in a scope", "/npm/@scope%2f..%2f..%2fsecret.txt".into(), &[400]),
        ("encoded slash in a tarball", "/npm/left-pad/-/..%2fleft-pad-1.0.0.tgz".into(), &[400]),
        ("NUL in a name", "/npm/left%00pad".into(), &[400]),
        ("bad percent escape", "/npm/left%zzpad".into(), &[400]),
        ("overlong path", long, &[414]),
        ("pypi files traversal", "/pypi/files/..%2f..%2f/secret.txt".into(), &[404]),
        ("pypi files dot-dot", "/pypi/files/../secret.txt".into(), &[400, 404]),
        ("pypi simple traversal", "/pypi/simple/..%2f..%2fsecret/".into(), &[404]),
        ("pypi simple dot-dot", "/pypi/simple/../".into(), &[301, 404]),
        ("maven traversal", "/maven2/..%2f..%2fsecret.txt".into(), &[404]),
        ("maven encoded slash", "/maven2/com/x/a/1.0/..%2fa-1.0.jar".into(), &[404]),
        ("maven dot segment", "/maven2/com/../../secret.txt".into(), &[404]),
        ("npm name in no chain", "/npm/not-in-any-chain".into(), &[404]),
        ("npm tarball in no chain", "/npm/not-in-any-chain/-/not-in-any-chain-1.0.0.tgz".into(), &[404]),
        ("pypi project in no chain", "/pypi/simple/not-in-any-chain/".into(), &[404]),
        ("maven artifact in no chain", "/maven2/com/nowhere/x/maven-metadata.xml".into(), &[404]),
        ("no ecosystem", "/etc/passwd".into(), &[404]),
    ];
    let mut lines = Vec::new();
    for (what, path, expected) in &cases {
        let (status, head, body) = raw_get(&addr, path, "");
        let text = String::from_utf8_lossy(&body);
        assert!(expected.contains(&status), "{what}: {path} answered {status}, expected {expected:?}:\n{head}\n{text}");
        assert!(!text.contains("do-not-serve") && !text.contains("root:x"), "{what}: served the secret");
        if status != 301 {
            let reason: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e}):\n{head}\n{text}"));
            assert!(reason["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: a reason: {text}");
        }
        lines.push(format!("{what} → {status}"));
    }
    // The upstreams never saw a path that leaves its folder.
    for logged in public.log().iter().chain(curated.log().iter()) {
        let p = logged.path.to_ascii_lowercase();
        assert!(!p.contains("..") && !p.contains("%2e%2e") && !p.contains("etc"), "asked upstream for {p}");
    }

    // A 64 KiB header: 431 (hyper answers before the request reaches depgate).
    let big = format!("X-Big: {}\r\n", "b".repeat(64 * 1024));
    let (status, head, _) = raw_get(&addr, "/npm/left-pad", &big);
    assert_eq!(status, 431, "a 64 KiB header: {head}");
    // 200 headers of 100 bytes each (20 KB, over the 16 KiB head limit): refused too.
    let many = (0..200).fold(String::new(), |mut acc, i| {
        use std::fmt::Write as _;
        let _ = write!(acc, "X-H{i}: {}\r\n", "h".repeat(90));
        acc
    });
    let (status, head, _) = raw_get(&addr, "/npm/left-pad", &many);
    assert_eq!(status, 431, "200 headers: {head}");
    // And the proxy still answers.
    let (status, _, body) = raw_get(&addr, "/npm/left-pad", "");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    support::report(&format!(
        "flood/abuse: {} paths refused cleanly: {}; big headers → 431",
        cases.len(),
        lines.join("; ")
    ));
}

/// What one flood request asks for and what a correct answer is.
#[derive(Clone)]
enum Ask {
    /// A tarball: 200 with exactly these bytes (sha512).
    Tarball(String, [u8; 64]),
    /// A packument: 200, JSON naming the package with version 1.0.0.
    Packument(String),
    /// A name no upstream has: 404.
    Unknown(String),
}

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 500;
const RSS_LIMIT_KIB: u64 = 200 * 1024;
/// 503s one request may get before the test calls it starved.
const MAX_RETRIES: u64 = 100;

#[test]
fn a_flood_of_10000_requests_gets_correct_answers_or_clean_503s_in_bounded_memory() {
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let mut rng = Rng::seeded("flood");
    // 40 packages fetched before the flood (cache hits), 160 only during it (misses
    // against a slow upstream), 300 names no upstream has.
    let mut expected: BTreeMap<String, [u8; 64]> = BTreeMap::new();
    for i in 0..200 {
        let name = format!("flood-{i:03}");
        let bytes: Vec<u8> = (0..2048 + i * 37).map(|j| u8::try_from((j * 31 + i) % 251).unwrap()).collect();
        expected.insert(name.clone(), Sha512::digest(&bytes).into());
        public.publish_bytes(&name, "1.0.0", OLD, bytes);
    }
    let config = npm_config(work.path(), &curated, &public);
    let served = Served::start(
        work.path(),
        &config,
        &["--current-time", NOW, "--max-in-flight", "64", "--max-queued", "256", "--queue-timeout", "2"],
    );
    let npm = served.url("npm");
    let pid = served.pid();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();

    // Warm the first 40 (and check that the proxy works at all).
    runtime.block_on(async {
        for i in 0..40 {
            let name = format!("flood-{i:03}");
            let r = client.get(format!("{npm}{name}/-/{name}-1.0.0.tgz")).send().await.unwrap();
            assert_eq!(r.status(), 200, "warm-up {name}: {}", r.text().await.unwrap_or_default());
        }
    });
    public.latency(Duration::from_millis(150));
    curated.latency(Duration::from_millis(50));

    let asks: Vec<Ask> = (0..REQUESTS)
        .map(|_| {
            let pick = rng.range(0, 100);
            let i = if pick < 70 { rng.range(0, 40) } else { rng.range(40, 200) };
            let name = format!("flood-{i:03}");
            match pick {
                0..45 | 70..85 => Ask::Tarball(name.clone(), expected[&name]),
                45..60 | 85..95 => Ask::Packument(name),
                _ => Ask::Unknown(format!("nowhere-{:03}", rng.range(0, 300))),
            }
        })
        .collect();

    let (ok, busy, peak_sampled) = (AtomicUsize::new(0), AtomicUsize::new(0), Arc::new(AtomicUsize::new(0)));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = std::thread::spawn({
        let (peak, sampling) = (peak_sampled.clone(), sampling.clone());
        move || {
            while sampling.load(Ordering::Relaxed) {
                if let Some((_, rss)) = memory_kib(pid) {
                    peak.fetch_max(usize::try_from(rss).unwrap(), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });
    let start = Instant::now();
    let failures: Vec<String> = runtime.block_on(async {
        futures::stream::iter(asks)
            .enumerate()
            .map(|(jitter, ask)| {
                let jitter = u64::try_from(jitter).unwrap();
                let (client, npm, ok, busy) = (&client, &npm, &ok, &busy);
                async move {
                    let url = match &ask {
                        Ask::Tarball(name, _) => format!("{npm}{name}/-/{name}-1.0.0.tgz"),
                        Ask::Packument(name) | Ask::Unknown(name) => format!("{npm}{name}"),
                    };
                    // A client that honours 503 + Retry-After (as npm and pip do) asks again,
                    // here after a shortened, jittered wait so that the run stays short.
                    let mut attempt = 0u64;
                    let (status, body) = loop {
                        let r = match client.get(&url).timeout(Duration::from_secs(60)).send().await {
                            Ok(r) => r,
                            Err(e) => return Some(format!("{url}: no answer: {e}")),
                        };
                        let status = r.status().as_u16();
                        let retry_after = r.headers().get("retry-after").is_some();
                        let body = match r.bytes().await {
                            Ok(b) => b,
                            Err(e) => return Some(format!("{url}: {status} with a broken body: {e}")),
                        };
                        if status != 503 {
                            break (status, body);
                        }
                        let reason: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                        if !retry_after || reason["error"].as_str().is_none_or(|e| !e.contains("capacity")) {
                            return Some(format!("{url}: a 503 that is not a clean refusal: {reason}"));
                        }
                        busy.fetch_add(1, Ordering::Relaxed);
                        attempt += 1;
                        if attempt > MAX_RETRIES {
                            return Some(format!("{url}: still 503 after {MAX_RETRIES} retries"));
                        }
                        tokio::time::sleep(Duration::from_millis(100 + (jitter * 31 + attempt * 17) % 300)).await;
                    };
                    let correct = match &ask {
                        Ask::Tarball(_, sha) => status == 200 && Sha512::digest(&body).as_slice() == sha,
                        Ask::Packument(name) => {
                            let doc: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                            status == 200 && doc["name"] == name.as_str() && doc["versions"]["1.0.0"].is_object()
                        }
                        Ask::Unknown(_) => status == 404,
                    };
                    if !correct {
                        return Some(format!(
                            "{url}: {status}: {}",
                            String::from_utf8_lossy(&body[..body.len().min(300)])
                        ));
                    }
                    ok.fetch_add(1, Ordering::Relaxed);
                    None
                }
            })
            .buffer_unordered(CONCURRENCY)
            .filter_map(|f| async move { f })
            .collect()
            .await
    });
    let elapsed = start.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    let (hwm, rss) = memory_kib(pid).expect("the proxy is running");
    let log = served.log();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    let (ok, busy) = (ok.into_inner(), busy.into_inner());
    support::report(&format!(
        "flood: {REQUESTS} requests, {CONCURRENCY} concurrent, in {:.1} s: {ok} answered correctly, {busy} clean 503s (Retry-After, retried), {} wrong; \
         proxy peak RSS {} MiB (VmHWM; {} MiB at the end, {} MiB highest sampled)",
        elapsed.as_secs_f64(),
        failures.len(),
        hwm / 1024,
        rss / 1024,
        peak_sampled.load(Ordering::Relaxed) / 1024
    ));
    assert!(
        failures.is_empty(),
        "{} wrong answers, first ones:\n{}\n{log}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
    assert_eq!(ok, REQUESTS, "every request is answered correctly in the end");
    assert!(busy > 0, "500 clients against 64 places and a queue of 256 see some 503s");
    assert!(hwm < RSS_LIMIT_KIB, "peak RSS {hwm} KiB is over {RSS_LIMIT_KIB} KiB");
    assert!(elapsed < Duration::from_secs(90), "the flood took {elapsed:?}");
}
