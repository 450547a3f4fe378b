//! `[storage] kind = "s3"` against a real S3-compatible store (`SeaweedFS` on 127.0.0.1):
//! the metadata cache and the artifact store round-trip through a bucket; two replicas
//! creating the same object both succeed and leave one whole object (`If-None-Match: *`);
//! a damaged object reads as absent and `depgate cache verify` names it; a second
//! `depgate serve` with an empty cache folder serves a tarball from the shared bucket with
//! its upstream stopped; bad `[storage]` settings fail at start naming what to fix, never
//! a secret. Also prints how long a 16 KiB artifact's put and get take on disk and on S3.
//!
//! `SeaweedFS` (`weed`) comes from scripts/install-seaweedfs.sh; without it the tests print
//! a SKIPPED line (under `DEPGATE_REQUIRE_TOOLS=1`, as in CI, they fail instead).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use depgate::cache::s3::{Credentials, S3};
use depgate::cache::{ArtifactStore, CacheMeta, MetadataCache, Storage, Write, Written};
use depgate::config::S3Storage;
use depgate::redact::Secret;
use object_store::ObjectStoreExt as _;
use support::fake_npm::FakeNpm;
use support::seaweed::{ACCESS_KEY, SECRET_KEY, Seaweed};
use support::served::{Served, npm_tarball};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";

fn s3_config(sw: &Seaweed, bucket: &str, prefix: Option<&str>) -> S3Storage {
    S3Storage {
        bucket: bucket.into(),
        prefix: prefix.map(String::from),
        endpoint: Some(url::Url::parse(&sw.endpoint).unwrap()),
        allow_http: false,
        region: "us-east-1".into(),
        access_key_id_env: None,
        secret_access_key_env: None,
        session_token_env: None,
    }
}

fn credentials(secret: &str) -> Credentials {
    Credentials {
        access_key_id: Secret::new(ACCESS_KEY.into()),
        secret_access_key: Secret::new(secret.into()),
        session_token: None,
    }
}

/// A storage client of its own (as a replica has), on `bucket` under `prefix`.
fn replica(sw: &Seaweed, bucket: &str, prefix: Option<&str>) -> Arc<dyn Storage> {
    Arc::new(S3::with_credentials(&s3_config(sw, bucket, prefix), credentials(SECRET_KEY)).unwrap())
}

/// A plain S3 client on the bucket, to tamper with objects behind depgate's back.
fn raw(sw: &Seaweed, bucket: &str) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&sw.endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .build()
        .unwrap()
}

/// The `[storage]` section for `bucket` on this server, plus `extra` lines.
fn storage_section(sw: &Seaweed, bucket: &str, extra: &str) -> String {
    format!("[storage]\nkind = \"s3\"\nbucket = \"{bucket}\"\nendpoint = \"{}\"\n{extra}\n", sw.endpoint)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// `depgate <args>` with only the AWS variables in `env` (none inherited).
fn depgate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
    cmd.args(args);
    for v in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "DEPGATE_CONFIG"] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

const AWS_ENV: [(&str, &str); 2] = [("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY)];

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn digests(bytes: &[u8]) -> BTreeMap<&'static str, String> {
    use sha2::Digest as _;
    BTreeMap::from([
        ("sha256", hex::encode(sha2::Sha256::digest(bytes))),
        ("sha1", hex::encode(sha1::Sha1::digest(bytes))),
        ("sha512", hex::encode(sha2::Sha512::digest(bytes))),
    ])
}

fn by(algo: &str, hex: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(algo.to_string(), hex.to_string())])
}

#[test]
fn metadata_and_artifacts_round_trip_through_a_bucket_under_a_prefix() {
    let Some(sw) = Seaweed::shared() else { return };
    support::report(&format!("SeaweedFS started in {} ms", sw.started_in.as_millis()));
    sw.create_bucket("depgate-roundtrip");
    rt().block_on(async {
        let store = replica(&sw, "depgate-roundtrip", Some("fleet-a"));
        store.ready().await.unwrap();
        let artifacts = ArtifactStore::on(store.clone());
        let bytes = b"the tarball of left-pad@1.3.0".to_vec();
        let d = digests(&bytes);
        let h = artifacts.put(&bytes).await.unwrap();
        assert_eq!(h, d["sha512"]);
        assert_eq!(artifacts.get(&h).await.unwrap(), bytes);
        assert_eq!(artifacts.get_any(&by("sha256", &d["sha256"])).await.unwrap(), bytes);
        assert_eq!(artifacts.get_any(&by("sha1", &d["sha1"])).await.unwrap(), bytes);
        assert!(artifacts.get_any(&by("sha256", &"0".repeat(64))).await.is_none());

        let meta = MetadataCache::on(store.clone());
        let m = CacheMeta {
            url: "https://registry.example/left-pad".into(),
            etag: Some("\"1\"".into()),
            ..CacheMeta::default()
        };
        meta.put("npm-packument-v2", "left-pad", &m, b"{\"name\":\"left-pad\"}").await.unwrap();
        let got = meta.get("npm-packument-v2", "left-pad").await.unwrap();
        assert_eq!((got.body.as_slice(), got.meta.etag.as_deref()), (&b"{\"name\":\"left-pad\"}"[..], Some("\"1\"")));
        // Revalidated documents replace the entry.
        let m2 = CacheMeta { etag: Some("\"2\"".into()), ..m };
        meta.put("npm-packument-v2", "left-pad", &m2, b"{\"name\":\"left-pad\",\"v\":2}").await.unwrap();
        assert_eq!(meta.get("npm-packument-v2", "left-pad").await.unwrap().meta.etag.as_deref(), Some("\"2\""));
        assert!(meta.get("npm-packument-v1", "left-pad").await.is_none());

        // Every object is under the prefix: another fleet in the same bucket sees none.
        let mut keys = store.list("").await.unwrap();
        keys.sort();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert!(keys.iter().all(|k| k.starts_with("artifacts-v1/") || k.starts_with("npm-packument-v2/")), "{keys:?}");
        let other = replica(&sw, "depgate-roundtrip", Some("fleet-b"));
        assert!(ArtifactStore::on(other.clone()).get(&h).await.is_none());
        assert!(other.list("").await.unwrap().is_empty());
        let all = raw(&sw, "depgate-roundtrip");
        let full =
            all.head(&object_store::path::Path::from(format!("fleet-a/artifacts-v1/sha512/{}/{h}", &h[..2]))).await;
        assert_eq!(full.unwrap().size, bytes.len() as u64);
    });
}

#[test]
fn two_replicas_creating_the_same_objects_both_succeed_and_leave_them_whole() {
    let Some(sw) = Seaweed::shared() else { return };
    sw.create_bucket("depgate-race");
    rt().block_on(async {
        let (a, b) = (replica(&sw, "depgate-race", None), replica(&sw, "depgate-race", None));
        // The server refuses a second create of a key (`If-None-Match: *`): the first
        // object stays.
        let key = "probe/ab/abc";
        assert_eq!(a.put(key, "first".into(), Write::Create).await.unwrap(), Written::Stored);
        assert_eq!(b.put(key, "second".into(), Write::Create).await.unwrap(), Written::Exists);
        assert_eq!(a.get(key).await.unwrap().unwrap(), b"first");
        assert_eq!(b.put(key, "third".into(), Write::Overwrite).await.unwrap(), Written::Stored);
        assert_eq!(a.get(key).await.unwrap().unwrap(), b"third");

        // Eight 1 MiB artifacts, each put by both replicas at once.
        let (sa, sb) = (ArtifactStore::on(a.clone()), ArtifactStore::on(b.clone()));
        let blobs: Vec<Vec<u8>> =
            (0u8..8).map(|i| (0..1 << 20).map(|j: u32| j.wrapping_mul(31).to_le_bytes()[0] ^ i).collect()).collect();
        let puts = blobs.iter().map(|blob| {
            let (sa, sb) = (sa.clone(), sb.clone());
            async move { tokio::join!(sa.put(blob), sb.put(blob)) }
        });
        for (blob, (ra, rb)) in blobs.iter().zip(futures::future::join_all(puts).await) {
            let (ha, hb) = (ra.unwrap(), rb.unwrap());
            assert_eq!(ha, hb);
            assert_eq!(sb.get(&ha).await.unwrap(), *blob);
            assert_eq!(sa.get_any(&by("sha1", &digests(blob)["sha1"])).await.unwrap(), *blob);
        }
        let v = depgate::cache::verify::verify(a.as_ref()).await.unwrap();
        assert_eq!((v.artifacts, v.pointers, v.bad.len()), (8, 16, 0), "{:?}", v.bad);
        assert_eq!(v.foreign, 1, "the probe object is outside the caches' buckets");
    });
}

#[test]
fn a_damaged_object_reads_as_absent_and_cache_verify_names_it() {
    let Some(sw) = Seaweed::shared() else { return };
    sw.create_bucket("depgate-damage");
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, storage_section(&sw, "depgate-damage", "prefix = \"fleet\"")).unwrap();
    let verify = || {
        depgate(
            &["cache", "verify", "--config", config.to_str().unwrap(), "--cache-dir", work.path().to_str().unwrap()],
            &AWS_ENV,
        )
    };
    let rt = rt();
    let store = replica(&sw, "depgate-damage", Some("fleet"));
    let artifacts = ArtifactStore::on(store.clone());
    let (good, bad) = (b"a good artifact".to_vec(), b"an artifact soon damaged".to_vec());
    let (hg, hb) = rt.block_on(async { (artifacts.put(&good).await.unwrap(), artifacts.put(&bad).await.unwrap()) });
    rt.block_on(MetadataCache::on(store.clone()).put("pypi-simple-v1", "k", &CacheMeta::default(), b"<html/>"))
        .unwrap();

    let out = verify();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("2 artifacts, 4 pointers, 1 metadata entry checked; 0 bad"), "{stdout}");

    // Other bytes written straight through the S3 API under the artifact's name.
    let damaged = format!("artifacts-v1/sha512/{}/{hb}", &hb[..2]);
    let path = object_store::path::Path::from(format!("fleet/{damaged}"));
    rt.block_on(raw(&sw, "depgate-damage").put(&path, b"other bytes".to_vec().into())).unwrap();
    rt.block_on(async {
        assert!(artifacts.get(&hb).await.is_none());
        assert!(artifacts.get_any(&by("sha256", &digests(&bad)["sha256"])).await.is_none());
        assert_eq!(artifacts.get(&hg).await.unwrap(), good);
    });
    let out = verify();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains(&format!("bad: {damaged}: its bytes do not match")), "{stdout}");
    // Its two pointers now name a bad artifact: named too; the good one is not.
    assert!(stdout.contains("; 3 bad"), "{stdout}");
    assert!(!stdout.contains(&hg), "{stdout}");
    assert!(stderr.contains("3 bad objects in s3://depgate-damage/fleet"), "{stderr}");
    assert!(!stdout.contains(SECRET_KEY) && !stderr.contains(SECRET_KEY));

    // The next put of those bytes finds the damaged object and replaces it whole.
    rt.block_on(artifacts.put(&bad)).unwrap();
    assert_eq!(rt.block_on(artifacts.get(&hb)).unwrap(), bad);
    assert_eq!(verify().status.code(), Some(0));
}

/// GET `url`: (status, body).
fn get(url: &str) -> (u16, Vec<u8>) {
    rt().block_on(async {
        let r = reqwest::get(url).await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    })
}

#[test]
fn a_second_replica_with_an_empty_cache_folder_serves_from_the_shared_bucket() {
    let Some(sw) = Seaweed::shared() else { return };
    sw.create_bucket("depgate-serve");
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fake = FakeNpm::start();
    // Fresh for five minutes, as the npm registry says: the second replica need not ask.
    fake.packument_headers(&[("Cache-Control", "public, max-age=300")]);
    let tarball = npm_tarball(one.path(), "shared-pkg", "1.0.0");
    fake.publish_bytes("shared-pkg", "1.0.0", OLD, tarball.clone());
    let config_text = format!(
        "[npm]\nchain = [\"public\"]\n\n[upstream.public]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 2\nretries = 0\n\n{}",
        fake.url(),
        storage_section(&sw, "depgate-serve", "prefix = \"fleet-1\"")
    );
    let write_config = |dir: &Path| {
        let p = dir.join("depgate.toml");
        std::fs::write(&p, &config_text).unwrap();
        p
    };
    let served = Served::start_env(one.path(), &write_config(one.path()), &["--current-time", NOW], &AWS_ENV);
    let registry = served.url("npm");
    let (code, body) = get(&format!("{registry}shared-pkg"));
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let url = doc["versions"]["1.0.0"]["dist"]["tarball"].as_str().unwrap().to_string();
    let (code, body) = get(&url);
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, tarball);
    let _ = served.stop();
    drop(fake);

    let served = Served::start_env(two.path(), &write_config(two.path()), &["--current-time", NOW], &AWS_ENV);
    let second = served.url("npm");
    let (code, body) = get(&url.replacen(&registry, &second, 1));
    assert_eq!(code, 200, "{}\n{}", String::from_utf8_lossy(&body), served.log());
    assert_eq!(body, tarball, "the second replica served other bytes");
    let records = served.audit();
    let _ = served.stop();
    // Its cache folder holds none of the caches' objects: they came from the bucket.
    let local: Vec<_> = std::fs::read_dir(two.path().join("cache"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(!local.iter().any(|n| n.ends_with("-v1") || n.ends_with("-v2")), "{local:?}");
    assert!(records.iter().any(|r| r["cache"] == "hit"), "{records:?}");
}

#[test]
fn bad_storage_settings_fail_at_start_naming_what_to_fix_and_no_secret() {
    let Some(sw) = Seaweed::shared() else { return };
    sw.create_bucket("depgate-badcfg");
    let work = tempfile::tempdir().unwrap();
    let run = |name: &str, section: &str, env: &[(&str, &str)]| {
        let config = work.path().join(format!("{name}.toml"));
        std::fs::write(&config, section).unwrap();
        let started = Instant::now();
        let out = depgate(
            &[
                "serve",
                "--port",
                "0",
                "--config",
                config.to_str().unwrap(),
                "--project",
                work.path().to_str().unwrap(),
                "--cache-dir",
                work.path().join("cache").to_str().unwrap(),
                "--out",
                work.path().join("out").to_str().unwrap(),
            ],
            env,
        );
        let (stdout, stderr) = text(&out);
        assert_ne!(out.status.code(), Some(0), "{name}: serve started:\n{stdout}{stderr}");
        assert!(started.elapsed() < Duration::from_secs(30), "{name}: took {:?}", started.elapsed());
        for secret in [SECRET_KEY, "wrong-secret-3b7f"] {
            assert!(!stdout.contains(secret) && !stderr.contains(secret), "{name}: a secret in the output:\n{stderr}");
        }
        stderr
    };
    let e = run("no-bucket", &format!("[storage]\nkind = \"s3\"\nendpoint = \"{}\"\n", sw.endpoint), &AWS_ENV);
    assert!(e.contains("needs `bucket`") && e.contains("no-bucket.toml"), "{e}");

    let named = "access_key_id = \"env:DEPGATE_TEST_NO_SUCH_VAR\"\nsecret_access_key = \"env:DEPGATE_TEST_SECRET\"";
    let e =
        run("missing-variable", &storage_section(&sw, "depgate-badcfg", named), &[("DEPGATE_TEST_SECRET", SECRET_KEY)]);
    assert!(e.contains("DEPGATE_TEST_NO_SUCH_VAR is not set"), "{e}");
    let e = run("no-aws-variables", &storage_section(&sw, "depgate-badcfg", ""), &[]);
    assert!(e.contains("AWS_ACCESS_KEY_ID is not set"), "{e}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let section =
        format!("[storage]\nkind = \"s3\"\nbucket = \"depgate-badcfg\"\nendpoint = \"http://127.0.0.1:{closed}\"\n");
    let e = run("unreachable", &section, &AWS_ENV);
    assert!(
        e.contains("cannot use the storage s3://depgate-badcfg/") && e.contains(&format!("127.0.0.1:{closed}")),
        "{e}"
    );

    let e = run(
        "refused",
        &storage_section(&sw, "depgate-badcfg", ""),
        &[("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", "wrong-secret-3b7f")],
    );
    assert!(e.contains("refused the credentials") && e.contains("403"), "{e}");

    let e = run("no-such-bucket", &storage_section(&sw, "depgate-nonexistent", ""), &AWS_ENV);
    assert!(e.contains("cannot use the storage s3://depgate-nonexistent/") && e.contains("no such bucket"), "{e}");

    let e = run(
        "plain-http",
        "[storage]\nkind = \"s3\"\nbucket = \"depgate-badcfg\"\nendpoint = \"http://s3.example.com\"\n",
        &AWS_ENV,
    );
    assert!(e.contains("plain http to a host that is not this machine"), "{e}");
}

#[test]
fn time_of_a_16k_artifact_put_and_get_on_disk_and_on_s3() {
    const N: u32 = 1000;
    let blob = |i: u32| {
        let mut b = vec![0u8; 16 * 1024];
        b[..4].copy_from_slice(&i.to_le_bytes());
        b
    };
    // The disk store as it was before the storage trait (plain files, the same renames),
    // for comparison.
    let before = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut paths = Vec::new();
    for i in 0..N {
        let b = blob(i);
        for (algo, d) in digests(&b) {
            let p = before.path().join(algo).join(&d[..2]).join(&d);
            if !p.exists() {
                depgate::atomic::write_renamed(&p, if algo == "sha512" { &b } else { d.as_bytes() }, false).unwrap();
            }
            if algo == "sha512" {
                paths.push((p, d));
            }
        }
    }
    let put = start.elapsed();
    let start = Instant::now();
    for (p, d) in &paths {
        use sha2::Digest as _;
        assert_eq!(hex::encode(sha2::Sha512::digest(std::fs::read(p).unwrap())), *d);
    }
    support::report(&format!(
        "16 KiB artifact on disk, before the storage trait: put {:.0} µs, get {:.0} µs, one at a time, {N} each",
        put.as_secs_f64() * 1e6 / f64::from(N),
        start.elapsed().as_secs_f64() * 1e6 / f64::from(N),
    ));
    // Disk first: a SeaweedFS starting up would take CPU from it.
    let dir = tempfile::tempdir().unwrap();
    let mut backends: Vec<(&str, Arc<dyn Storage>)> =
        vec![("disk", Arc::new(depgate::cache::disk::Disk::new(dir.path())))];
    let sw = Seaweed::shared();
    if let Some(sw) = &sw {
        sw.create_bucket("depgate-timing");
        backends.push(("SeaweedFS", replica(sw, "depgate-timing", None)));
    }
    rt().block_on(async {
        for (name, store) in backends {
            let artifacts = ArtifactStore::on(store);
            let blobs: Vec<Vec<u8>> = (0..N).map(blob).collect();
            let start = Instant::now();
            let mut hashes = Vec::new();
            for b in &blobs {
                hashes.push(artifacts.put(b).await.unwrap());
            }
            let put = start.elapsed();
            let start = Instant::now();
            for h in &hashes {
                assert_eq!(artifacts.get(h).await.unwrap().len(), 16 * 1024);
            }
            let got = start.elapsed();
            support::report(&format!(
                "16 KiB artifact on {name}: put {:.0} µs (object + 2 pointers), get {:.0} µs (read + sha512), one at a time, {N} each",
                put.as_secs_f64() * 1e6 / f64::from(N),
                got.as_secs_f64() * 1e6 / f64::from(N),
            ));
        }
    });
}

#[test]
fn check_keeps_metadata_and_artifacts_in_the_bucket_not_the_cache_folder() {
    let Some(sw) = Seaweed::shared() else { return };
    sw.create_bucket("depgate-check");
    let fake = FakeNpm::start();
    let integrity = fake.publish("left-pad", "1.3.0", OLD);
    let p = support::Project::new();
    p.write(
        "depgate.toml",
        &format!(
            "{}\n{}",
            support::chain_config(&fake.url(), &fake.url(), "", ""),
            storage_section(&sw, "depgate-check", "")
        ),
    );
    let tarball = format!("{}left-pad/-/left-pad-1.3.0.tgz", fake.url());
    p.write(
        "package-lock.json",
        &support::package_lock_v3(&[support::Locked::new("left-pad", "1.3.0", &integrity, tarball)]),
    );
    let run = p.depgate(&["check", "--current-time", NOW, "--download"], &AWS_ENV);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(p.record("pkg:npm/left-pad@1.3.0")["resolution"]["cache"], "miss");
    // A second run, from another machine's empty cache folder, finds the tarball in the bucket.
    std::fs::remove_dir_all(p.path().join(".cache")).ok();
    fake.clear_log();
    let run = p.depgate(&["check", "--current-time", NOW, "--download"], &AWS_ENV);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(p.record("pkg:npm/left-pad@1.3.0")["resolution"]["cache"], "hit");
    assert!(fake.log().iter().all(|l| !l.path.contains("/-/")), "tarball fetched again: {:?}", fake.log());
    let local = p.path().join(".cache");
    assert!(!local.join("artifacts-v1").exists() && !local.join("npm-packument-v2").exists());
    let keys = rt().block_on(replica(&sw, "depgate-check", None).list("")).unwrap();
    assert!(keys.iter().any(|k| k.starts_with("artifacts-v1/sha512/")), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("npm-packument")), "{keys:?}");
}

#[test]
fn cache_verify_checks_the_disk_cache_folder_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let store = ArtifactStore::new(&cache);
    let h = rt().block_on(store.put(b"on disk")).unwrap();
    // Not the caches' objects: the advisory database and a writer's temporary.
    std::fs::create_dir_all(cache.join("advisories/npm")).unwrap();
    std::fs::write(cache.join("advisories/npm/all.zip"), b"not checked").unwrap();
    std::fs::write(cache.join(format!("artifacts-v1/sha512/{}/.tmp-x", &h[..2])), b"half").unwrap();
    let verify = || {
        depgate(
            &["cache", "verify", "--project", dir.path().to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()],
            &[],
        )
    };
    let out = verify();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("1 artifact, 2 pointers, 0 metadata entries checked; 0 bad"), "{stdout}");
    std::fs::write(cache.join(format!("artifacts-v1/sha512/{}/{h}", &h[..2])), b"on disc").unwrap();
    let out = verify();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains(&format!("bad: artifacts-v1/sha512/{}/{h}: its bytes do not match", &h[..2])), "{stdout}");
}
