//! The audit log in PostgreSQL (`[audit] database`), against a real throwaway cluster
//! (tests/support/postgres.rs) and a service role that is not a superuser: several
//! processes append to one chain (no gap, no fork), a writer killed mid-stream leaves a
//! chain that verifies, the table is append-only for the service role, a row a superuser
//! edits is caught by `audit verify --database`, `audit export` writes what the file
//! verifier accepts, `audit query --database` filters, `check` and `serve` append, TLS
//! verify-full with the CA file (a wrong CA is refused), clear errors without the
//! password, and the fleet lock (waits; a killed holder releases).
//!
//! Writers in other processes are this test binary run again (`child_*` tests that do
//! nothing unless `DEPGATE_PG_CHILD` says what to do).

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use depgate::audit::pg::{Database, Settings};
use depgate::audit::{AuditLog, AuditSink, AuditStore, Entry, Prepared};
use depgate::config::PgTls;
use depgate::redact::Secret;
use support::postgres::Postgres;

const DB_VAR: &str = "DEPGATE_TEST_AUDIT_DATABASE";

fn entry(i: usize, decision: &str, upstream: &str) -> Entry {
    serde_json::from_value(serde_json::json!({
        "time": format!("2026-01-01T00:{:02}:{:02}Z", (i / 60) % 60, i % 60),
        "mode": "serve",
        "purl": format!("pkg:npm/pkg-{}@1.0.{i}", i % 7),
        "upstream": upstream,
        "tier": "public",
        "verification": "unverifiable",
        "decision": decision,
        "rules": if decision == "allow" { Vec::<String>::new() } else { vec!["cooldown".to_string()] },
        "cache": "miss",
    }))
    .unwrap()
}

fn settings(url: &str) -> Settings {
    Settings::new(DB_VAR, &Secret::new(url.to_string()), PgTls::Disable, None, 4).unwrap()
}

fn open(url: &str) -> Database {
    futures::executor::block_on(Database::open(settings(url))).unwrap()
}

/// `depgate ARGS` with the database URL in [`DB_VAR`]: (exit code, stdout, stderr).
fn depgate(args: &[&str], url: &str, cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(args)
        .current_dir(cwd)
        .env(DB_VAR, url)
        .env_remove("DEPGATE_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn db_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--database", "env:DEPGATE_TEST_AUDIT_DATABASE", "--tls", "disable"]);
    v
}

/// This test binary again, running the `child_*` test `name` with `env`.
fn child(name: &str, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

fn count(pg: &Postgres) -> u64 {
    let n = pg.service("SELECT count(*) FROM depgate_audit");
    n.as_deref().unwrap_or_default().parse().unwrap_or_else(|_| panic!("cannot count the records: {n:?}"))
}

/// Child: append `DEPGATE_PG_COUNT` records through a sink, `DEPGATE_PG_WINDOW` in flight
/// at a time (so batches form), then exit.
#[test]
fn child_writer() {
    if std::env::var("DEPGATE_PG_CHILD").as_deref() != Ok("write") {
        return;
    }
    let url = std::env::var(DB_VAR).unwrap();
    let n: usize = std::env::var("DEPGATE_PG_COUNT").unwrap().parse().unwrap();
    let window: usize = std::env::var("DEPGATE_PG_WINDOW").unwrap().parse().unwrap();
    let sink = AuditSink::start(AuditStore::Postgres(open(&url)));
    let id = std::process::id().to_string();
    let mut done = 0;
    while done < n {
        let acks: Vec<_> = (done..n.min(done + window))
            .map(|i| {
                let mut e = entry(i, "allow", "public");
                e.context.run_id = Some(id.clone());
                sink.send(e, true).expect("the sink takes records")
            })
            .collect();
        for ack in acks {
            assert!(futures::executor::block_on(ack).unwrap(), "a record was not committed");
        }
        done = n.min(done + window);
    }
    assert!(sink.close().is_some());
}

/// Child: take the fleet lock `DEPGATE_PG_LOCK`, say so, and hold it until killed.
#[test]
fn child_lock_holder() {
    if std::env::var("DEPGATE_PG_CHILD").as_deref() != Ok("lock") {
        return;
    }
    let db = open(&std::env::var(DB_VAR).unwrap());
    let key = std::env::var("DEPGATE_PG_LOCK").unwrap();
    let _guard = futures::executor::block_on(db.lock(&key)).unwrap();
    println!("LOCKED");
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn writers_in_several_processes_make_one_chain_without_gaps() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let (writers, each) = (4usize, 300usize);
    let children: Vec<Child> = (0..writers)
        .map(|_| {
            child(
                "child_writer",
                &[
                    ("DEPGATE_PG_CHILD", "write"),
                    (DB_VAR, &url),
                    ("DEPGATE_PG_COUNT", &each.to_string()),
                    ("DEPGATE_PG_WINDOW", "50"),
                ],
            )
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a writer failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let total = writers * each;
    assert_eq!(count(&pg), total as u64);
    assert_eq!(pg.service("SELECT max(seq) FROM depgate_audit").unwrap(), total.to_string());
    let (code, stdout, stderr) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with(&format!("{total} records, chain intact; head: seq {total} sha256:")), "{stdout}");
    // Every writer's records are there, interleaved into the one chain.
    let writers_seen = pg.service("SELECT count(DISTINCT (line::jsonb->>'run_id')) FROM depgate_audit").unwrap();
    assert_eq!(writers_seen, writers.to_string());
    let switches = pg
        .service(
            "SELECT count(*) FROM (SELECT line::jsonb->>'run_id' AS w, lag(line::jsonb->>'run_id') OVER (ORDER BY seq) AS p \
             FROM depgate_audit) t WHERE w <> p",
        )
        .unwrap();
    support::report(&format!("{writers} writers, {total} records: the chain changed writer {switches} times"));
    // The schema was applied once, though every writer started at once.
    assert_eq!(pg.service("SELECT count(*) FROM depgate_schema_migrations").unwrap(), "1");
}

#[test]
fn a_writer_killed_mid_stream_leaves_a_chain_that_verifies() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let env = |n: &'static str| {
        [("DEPGATE_PG_CHILD", "write"), (DB_VAR, url.as_str()), ("DEPGATE_PG_COUNT", n), ("DEPGATE_PG_WINDOW", "40")]
    };
    let mut victim = child("child_writer", &env("1000000"));
    let survivor = child("child_writer", &env("400"));
    let start = Instant::now();
    // Before the first writer created the table, nothing to count.
    let so_far = || pg.service("SELECT count(*) FROM depgate_audit").ok().and_then(|n| n.parse::<u64>().ok());
    while so_far().unwrap_or(0) < 300 {
        assert!(start.elapsed() < Duration::from_secs(60), "the writers did not get going");
        std::thread::sleep(Duration::from_millis(20));
    }
    victim.kill().unwrap(); // SIGKILL, mid-batch or between batches
    let _ = victim.wait();
    let out = survivor.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the other writer failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = child("child_writer", &env("50")).wait_with_output().unwrap();
    assert!(after.status.success());
    let total = count(&pg);
    let (code, stdout, stderr) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with(&format!("{total} records, chain intact; head: seq {total} ")), "{stdout}");
}

#[test]
fn the_table_is_append_only_and_an_edit_by_a_superuser_is_caught() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let db = open(&url);
    let entries: Vec<Entry> = (0..5).map(|i| entry(i, "allow", "public")).collect();
    let head = futures::executor::block_on(db.append_entries(&entries)).unwrap();
    assert_eq!(head.seq, 5);
    // The service role owns the table (it applied the schema), and still cannot change it.
    assert_eq!(pg.service("SELECT tableowner FROM pg_tables WHERE tablename = 'depgate_audit'").unwrap(), "depgate");
    assert_eq!(pg.service("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").unwrap(), "f");
    for sql in [
        "UPDATE depgate_audit SET line = line WHERE seq = 2",
        "DELETE FROM depgate_audit WHERE seq = 5",
        "TRUNCATE depgate_audit",
    ] {
        let e = pg.service(sql).expect_err(sql);
        assert!(e.contains("permission denied"), "{sql}: {e}");
    }
    // Granting itself the privileges back (an owner may) still meets the trigger.
    pg.service("GRANT UPDATE, DELETE, TRUNCATE ON depgate_audit TO depgate").unwrap();
    for sql in [
        "UPDATE depgate_audit SET line = line WHERE seq = 2",
        "DELETE FROM depgate_audit WHERE seq = 5",
        "TRUNCATE depgate_audit",
    ] {
        let e = pg.service(sql).expect_err(sql);
        assert!(e.contains("depgate_audit is append-only"), "{sql}: {e}");
    }
    assert_eq!(count(&pg), 5);
    let (code, stdout, _) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(code, 0, "{stdout}");
    // An auditor's role that may only read verifies the chain (readers change no schema).
    pg.superuser("CREATE ROLE auditor LOGIN PASSWORD 'auditor-pw'; GRANT SELECT ON depgate_audit TO auditor").unwrap();
    let auditor = url.replace(&format!("depgate:{}@", pg.password), "auditor:auditor-pw@");
    let (code, stdout, stderr) = depgate(&db_args(&["audit", "verify"]), &auditor, work.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("5 records, chain intact"), "{stdout}");
    assert!(pg.service("INSERT INTO depgate_audit (seq, prev, hash, line) VALUES (6, 'x', 'y', '{}')").is_ok());
    let (code, _, stderr) = depgate(&db_args(&["audit", "verify"]), &auditor, work.path());
    assert_eq!(code, 1, "a forged row appended by hand breaks the chain");
    assert!(stderr.contains("chain broken at seq 6"), "{stderr}");

    // The stronger deployment: an administrator owns the schema, the service role may only
    // read and append. It still starts (nothing to migrate) and appends, and cannot even
    // try to switch the trigger off.
    let e = pg.superuser("DELETE FROM depgate_audit WHERE seq = 6").unwrap_err();
    assert!(e.contains("depgate_audit is append-only"), "the trigger stops even a superuser's plain DELETE: {e}");
    pg.superuser(
        "ALTER TABLE depgate_audit OWNER TO postgres; ALTER TABLE depgate_schema_migrations OWNER TO postgres; \
         REVOKE ALL ON depgate_audit FROM depgate; GRANT SELECT, INSERT ON depgate_audit TO depgate; \
         GRANT SELECT ON depgate_schema_migrations TO depgate",
    )
    .unwrap();
    let e = pg.service("ALTER TABLE depgate_audit DISABLE TRIGGER USER").unwrap_err();
    assert!(e.contains("must be owner"), "{e}");
    let service = open(&url);
    let head = futures::executor::block_on(service.append_entries(&[entry(7, "allow", "public")])).unwrap();
    assert_eq!(head.seq, 7, "chained after the forged row, as the head stands");
    drop(service);

    // A superuser can get past the trigger; the chain names the record.
    pg.superuser(
        "SET session_replication_role = replica; \
         UPDATE depgate_audit SET line = replace(line, '\"decision\":\"allow\"', '\"decision\":\"deny\"') WHERE seq = 3",
    )
    .unwrap();
    let (code, stdout, stderr) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("chain broken at seq 3: hash mismatch"), "{stderr}");
    // Recomputing that record's hash moves the break to the next record.
    let export = work.path().join("x.jsonl");
    // An export writes the rows as stored, and fails naming the break.
    let (code, _, stderr) =
        depgate(&db_args(&["audit", "export", "--out", export.to_str().unwrap()]), &url, work.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("exported 7 records") && stderr.contains("chain broken at seq 3"), "{stderr}");
    let (code, _, stderr) = depgate(&["audit", "verify", export.to_str().unwrap()], &url, work.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("line 3 (seq 3): hash mismatch"), "{stderr}");
    let lines: Vec<String> = std::fs::read_to_string(&export).unwrap().lines().map(str::to_string).collect();
    let mut edited: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    edited["hash"] = depgate::audit::record_hash(&edited).into();
    let sql = format!(
        "SET session_replication_role = replica; UPDATE depgate_audit SET line = '{}', hash = '{}' WHERE seq = 3",
        serde_json::to_string(&edited).unwrap().replace('\'', "''"),
        edited["hash"].as_str().unwrap()
    );
    pg.superuser(&sql).unwrap();
    let (code, _, stderr) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("chain broken at seq 4: prev mismatch"), "{stderr}");
}

#[test]
fn export_verifies_as_a_file_and_query_filters() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let db = open(&url);
    let first: Vec<Entry> = (0..30)
        .map(|i| entry(i, if i % 3 == 0 { "deny" } else { "allow" }, if i % 2 == 0 { "curated" } else { "public" }))
        .collect();
    futures::executor::block_on(db.append_entries(&first)).unwrap();
    // Repeats of a prepared entry go in the same chain, byte for byte as a file holds them.
    let sink = AuditSink::start(AuditStore::Postgres(db.clone()));
    let prepared = Arc::new(Prepared::new(&entry(99, "allow", "curated")).unwrap());
    let acks: Vec<_> =
        (0..10).map(|i| sink.send_repeat(prepared.clone(), format!("2026-01-02T00:00:{i:02}Z")).unwrap()).collect();
    for a in acks {
        assert!(futures::executor::block_on(a).unwrap());
    }
    assert_eq!(sink.close().map(|h| h.seq), Some(40));

    let out = work.path().join("fleet.jsonl");
    let (code, _, stderr) = depgate(&db_args(&["audit", "export", "--out", out.to_str().unwrap()]), &url, work.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exported 40 records"), "{stderr}");
    let (code, file_verdict, _) = depgate(&["audit", "verify", out.to_str().unwrap()], &url, work.path());
    assert_eq!(code, 0, "{file_verdict}");
    let (_, db_verdict, _) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(file_verdict, db_verdict, "the same head from the file and from the database");

    // An export after seq 25 continues the first 25 records.
    let (code, _, _) =
        depgate(&db_args(&["audit", "export", "--out", "tail.jsonl", "--since-seq", "25"]), &url, work.path());
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&out).unwrap();
    let head25: String = text.split_inclusive('\n').take(25).collect();
    let joined = format!("{head25}{}", std::fs::read_to_string(work.path().join("tail.jsonl")).unwrap());
    assert_eq!(joined, text);

    // Query: server-side and local filters, JSON lines exactly as stored.
    let (code, json, _) = depgate(
        &db_args(&["audit", "query", "--decision", "deny", "--upstream", "curated", "--format", "json"]),
        &url,
        work.path(),
    );
    assert_eq!(code, 0);
    let expected: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"decision\":\"deny\"") && l.contains("\"upstream\":\"curated\""))
        .collect();
    assert_eq!(expected.len(), 5, "i = 0, 6, 12, 18, 24");
    assert_eq!(json.lines().collect::<Vec<_>>(), expected);
    let (code, table, stderr) = depgate(
        &db_args(&["audit", "query", "--purl", "pkg:npm/pkg-3@*", "--since", "2026-01-01T00:00:10Z"]),
        &url,
        work.path(),
    );
    assert_eq!(code, 0);
    assert!(stderr.contains("3 records match"), "{stderr}\n{table}"); // i = 10, 17, 24
    assert!(table.lines().skip(1).all(|l| l.contains("pkg:npm/pkg-3@")), "{table}");
}

#[test]
fn check_appends_its_run_to_the_database_and_the_file() {
    let Some(pg) = Postgres::start() else { return };
    let curated = support::fake_npm::FakeNpm::start();
    let public = support::fake_npm::FakeNpm::start();
    let a = curated.publish("left-pad", "1.3.0", "2025-06-01T00:00:00.000Z");
    let b = public.publish("ms", "2.1.3", "2025-06-01T00:00:00.000Z");
    let p = support::Project::new();
    let config = support::chain_config(&curated.url(), &public.url(), "", "")
        + "\n[audit]\ndatabase = \"env:DEPGATE_TEST_AUDIT_DATABASE\"\ntls = \"disable\"\n";
    p.write("depgate.toml", &config);
    p.write(
        "package-lock.json",
        &support::package_lock_v3(&[
            support::Locked::new("left-pad", "1.3.0", &a, format!("{}left-pad/-/left-pad-1.3.0.tgz", curated.url())),
            support::Locked::new("ms", "2.1.3", &b, format!("{}ms/-/ms-2.1.3.tgz", public.url())),
        ]),
    );
    for round in 1..=2u64 {
        let run = p.depgate(&["check", "--current-time", "2026-01-01T00:00:00Z"], &[(DB_VAR, &pg.url())]);
        assert_eq!(run.code, 0, "{}", run.all_output());
        assert!(run.stderr.contains(&format!("fleet chain head: seq {}", 2 * round)), "{}", run.stderr);
    }
    // The report folder's file has the two runs too, as a chain of its own.
    let file = p.path().join("depgate-report/audit.jsonl");
    support::served::assert_chain_verifies(&file);
    let (code, stdout, _) = depgate(&db_args(&["audit", "verify"]), &pg.url(), p.path());
    assert_eq!(code, 0);
    assert!(stdout.starts_with("4 records, chain intact"), "{stdout}");
    let purls = pg.service("SELECT string_agg(line::jsonb->>'purl', ' ' ORDER BY seq) FROM depgate_audit").unwrap();
    assert_eq!(purls, "pkg:npm/left-pad@1.3.0 pkg:npm/ms@2.1.3 pkg:npm/left-pad@1.3.0 pkg:npm/ms@2.1.3");
    // `audit verify --config` reads the same database from the configuration.
    let (code, stdout, stderr) = depgate(&["audit", "verify", "--config", "depgate.toml"], &pg.url(), p.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("4 records, chain intact"), "{stdout}");
}

#[test]
fn replicas_of_serve_share_one_chain() {
    if !support::served::have("curl", "--version") {
        return;
    }
    let Some(pg) = Postgres::start() else { return };
    let work = tempfile::tempdir().unwrap();
    let npm = support::fake_npm::FakeNpm::start();
    let names: Vec<String> = (0..6).map(|i| format!("lib{i}")).collect();
    for n in &names {
        npm.publish(n, "1.0.0", "2025-06-01T00:00:00.000Z");
    }
    let config = work.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!(
            "[npm]\nchain = [\"public\"]\n\n[upstream.public]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\n\n\
             [audit]\ndatabase = \"env:DEPGATE_TEST_AUDIT_DATABASE\"\ntls = \"disable\"\npool_size = 2\n",
            npm.url()
        ),
    )
    .unwrap();
    let url = pg.url();
    let replicas: Vec<support::served::Served> = (0..3)
        .map(|i| {
            let dir = work.path().join(format!("r{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            support::served::Served::start_env(
                &dir,
                &config,
                &["--current-time", "2026-01-01T00:00:00Z"],
                &[(DB_VAR, url.as_str())],
            )
        })
        .collect();
    assert!(replicas[0].log().contains("audit records go to PostgreSQL (host 127.0.0.1 port"), "{}", replicas[0].log());
    // Single flight across replicas on the database's advisory locks: while one replica
    // fetches a file, another asking for it waits for the lock.
    npm.publish("slow", "1.0.0", "2025-06-01T00:00:00.000Z");
    npm.latency(Duration::from_millis(700));
    let slow: Vec<String> = replicas[..2].iter().map(|r| format!("{}slow/-/slow-1.0.0.tgz", r.url("npm"))).collect();
    let first = {
        let u = slow[0].clone();
        std::thread::spawn(move || Command::new("curl").args(["-s", "-o", "/dev/null", &u]).status())
    };
    std::thread::sleep(Duration::from_millis(100));
    let second = {
        let u = slow[1].clone();
        std::thread::spawn(move || Command::new("curl").args(["-s", "-o", "/dev/null", &u]).status())
    };
    let start = Instant::now();
    let mut waited = false;
    while !waited && start.elapsed() < Duration::from_secs(5) {
        waited =
            pg.superuser("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").unwrap() != "0";
        std::thread::sleep(Duration::from_millis(20));
    }
    first.join().unwrap().unwrap();
    second.join().unwrap().unwrap();
    npm.latency(Duration::ZERO);
    assert!(waited, "the second replica waited for the first one's fleet lock");

    // Every replica fetches every tarball a few times, all at once.
    let mut gets = Vec::new();
    for r in &replicas {
        for n in &names {
            for _ in 0..3 {
                let u = format!("{}{n}/-/{n}-1.0.0.tgz", r.url("npm"));
                gets.push(std::thread::spawn(move || {
                    let out = Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &u]).output();
                    String::from_utf8_lossy(&out.unwrap().stdout).into_owned()
                }));
            }
        }
    }
    let codes: Vec<String> = gets.into_iter().map(|g| g.join().unwrap()).collect();
    assert!(codes.iter().all(|c| c == "200"), "{codes:?}");
    // The database unreachable: a request that cannot be recorded is refused (503), a
    // first fetch and a repeat alike; once it is back, requests are answered again.
    let get = |u: &str| {
        let out = Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", u]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let kill_sessions = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'depgate' AND pid <> pg_backend_pid()";
    npm.publish("late", "1.0.0", "2025-06-01T00:00:00.000Z");
    let late = format!("{}late/-/late-1.0.0.tgz", replicas[1].url("npm"));
    let repeat = format!("{}lib0/-/lib0-1.0.0.tgz", replicas[1].url("npm"));
    pg.superuser("ALTER ROLE depgate NOLOGIN").unwrap();
    pg.superuser(kill_sessions).unwrap();
    assert_eq!(get(&late), "503");
    assert_eq!(get(&repeat), "503");
    pg.superuser("ALTER ROLE depgate LOGIN").unwrap();
    assert_eq!(get(&late), "200");
    assert_eq!(get(&repeat), "200");
    for r in replicas {
        let (code, log) = r.stop();
        assert_eq!(code, 0, "{log}");
    }
    let total = codes.len() + 2 + 2;
    assert_eq!(count(&pg), total as u64, "one record per answered request, none for the refused ones");
    let (code, stdout, stderr) = depgate(&db_args(&["audit", "verify"]), &url, work.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("{total} records, chain intact; head: seq {total} ")), "{stdout}");
    // No replica wrote a file log of its own.
    assert!(!work.path().join("r0/report/audit.jsonl").exists());
}

#[test]
fn the_sink_reconnects_and_a_failed_batch_is_refused_not_dropped() {
    let Some(pg) = Postgres::start() else { return };
    let work = tempfile::tempdir().unwrap();
    let sink = AuditSink::start(AuditStore::Postgres(open(&pg.url())));
    let send = |i: usize| futures::executor::block_on(sink.send(entry(i, "allow", "public"), true).unwrap()).unwrap();
    assert!(send(1));
    let kill_sessions = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'depgate' AND pid <> pg_backend_pid()";
    // Its connections cut: the next batch goes on a fresh one.
    pg.superuser(kill_sessions).unwrap();
    assert!(send(2), "the sink reconnected");
    // The role may no longer log in: the batch fails and its request is told so.
    pg.superuser("ALTER ROLE depgate NOLOGIN").unwrap();
    pg.superuser(kill_sessions).unwrap();
    assert!(!send(3), "a record that was not committed is never acknowledged");
    assert!(!sink.failed(), "a database that is down refuses requests, it does not stop the sink");
    pg.superuser("ALTER ROLE depgate LOGIN").unwrap();
    assert!(send(4), "and the next batch goes through once it is back");
    // The refused request is not in the chain, and nothing answered is missing from it.
    assert_eq!(sink.close().map(|h| h.seq), Some(3));
    assert_eq!(count(&pg), 3);
    let (code, stdout, stderr) = depgate(&db_args(&["audit", "verify"]), &pg.url(), work.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("3 records, chain intact"), "{stdout}");
}

#[test]
fn bad_settings_are_clear_and_never_show_the_password() {
    let work = tempfile::tempdir().unwrap();
    // The variable is not set.
    let out = Command::new(env!("CARGO_BIN_EXE_depgate"))
        .args(["audit", "verify", "--database", "env:DEPGATE_TEST_UNSET_VARIABLE"])
        .env_remove("DEPGATE_TEST_UNSET_VARIABLE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DEPGATE_TEST_UNSET_VARIABLE is not set"), "{stderr}");
    // A connection string where a reference belongs.
    let (code, _, stderr) = depgate(&["audit", "verify", "--database", "postgres://u:hunter2@h/db"], "", work.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("env:NAME") && !stderr.contains("hunter2"), "{stderr}");
    // tls = "disable" to another machine, from the configuration.
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, "[audit]\ndatabase = \"env:DEPGATE_TEST_AUDIT_DATABASE\"\ntls = \"disable\"\n").unwrap();
    let (code, _, stderr) = depgate(
        &["audit", "verify", "--config", config.to_str().unwrap()],
        "postgres://depgate:hunter2@db.example.com:5432/audit",
        work.path(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("tls = \"disable\" is only allowed to a database on this machine"), "{stderr}");
    assert!(stderr.contains("host db.example.com port 5432 dbname audit user depgate"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    // A secret written into the configuration is refused at the line.
    std::fs::write(&config, "[audit]\ndatabase = \"postgres://depgate:hunter2@db/audit\"\n").unwrap();
    let (code, _, stderr) = depgate(&["audit", "verify", "--config", config.to_str().unwrap()], "", work.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("depgate.toml:2") && stderr.contains("env:NAME"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");

    // A wrong password: the server's refusal, neither password.
    let Some(pg) = Postgres::start() else { return };
    let (code, _, stderr) =
        depgate(&db_args(&["audit", "verify"]), &pg.url_with_password("wrong-Secret-42"), work.path());
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("password authentication failed for user \"depgate\""), "{stderr}");
    assert!(stderr.contains("host 127.0.0.1 port"), "{stderr}");
    assert!(!stderr.contains("wrong-Secret-42") && !stderr.contains(&pg.password), "{stderr}");
}

/// `openssl` makes a CA and a server certificate for 127.0.0.1 in `dir`: (ca.pem, cert, key).
fn tls_material(dir: &Path, name: &str) -> (std::path::PathBuf, String, String) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ca = format!("{name}-ca");
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &format!("{ca}.key"),
        "-out",
        &format!("{ca}.pem"),
        "-days",
        "2",
        "-subj",
        &format!("/CN={ca}"),
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &format!("{name}.key"),
        "-out",
        &format!("{name}.csr"),
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        &format!("{name}.csr"),
        "-CA",
        &format!("{ca}.pem"),
        "-CAkey",
        &format!("{ca}.key"),
        "-CAcreateserial",
        "-out",
        &format!("{name}.crt"),
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    (
        dir.join(format!("{ca}.pem")),
        std::fs::read_to_string(dir.join(format!("{name}.crt"))).unwrap(),
        std::fs::read_to_string(dir.join(format!("{name}.key"))).unwrap(),
    )
}

#[test]
fn tls_verify_full_trusts_the_ca_file_and_refuses_another() {
    if !support::served::have("openssl", "version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (ca, cert, key) = tls_material(work.path(), "server");
    let (other_ca, _, _) = tls_material(work.path(), "other");
    let Some(pg) = Postgres::start_tls(&cert, &key) else { return };
    let url = pg.url();
    let verify = |tls: &str, ca: &Path| {
        depgate(
            &[
                "audit",
                "verify",
                "--database",
                "env:DEPGATE_TEST_AUDIT_DATABASE",
                "--tls",
                tls,
                "--ca-file",
                ca.to_str().unwrap(),
            ],
            &url,
            work.path(),
        )
    };
    // Nothing written yet: the readers say so.
    let (code, _, stderr) = verify("verify-full", &ca);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("has no depgate_audit table"), "{stderr}");
    // A writer over verify-full (the library's path), then the reader.
    let tls = Settings::new(DB_VAR, &Secret::new(url.clone()), PgTls::VerifyFull, Some(&ca), 2).unwrap();
    let db = futures::executor::block_on(Database::open(tls)).unwrap();
    futures::executor::block_on(db.append_entries(&[entry(1, "allow", "public")])).unwrap();
    let (code, stdout, stderr) = verify("verify-full", &ca);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("1 record, chain intact"), "{stdout}");
    let sessions = pg.superuser(
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.usename = 'depgate'",
    );
    assert_ne!(sessions.as_deref(), Ok("0"), "the writer's sessions are TLS");
    assert!(pg.superuser("SELECT count(*) FROM pg_stat_ssl WHERE ssl").is_ok(), "the server reports its TLS sessions");
    let (code, _, stderr) = verify("verify-full", &other_ca);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("cannot connect to the audit database (host 127.0.0.1 port"), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(!stderr.contains(&pg.password), "{stderr}");
    // require: encrypted, the certificate not checked (so no CA needed, and none taken).
    let require = |extra: &[&str]| {
        let mut args = vec!["audit", "verify", "--database", "env:DEPGATE_TEST_AUDIT_DATABASE", "--tls", "require"];
        args.extend_from_slice(extra);
        depgate(&args, &url, work.path())
    };
    let (code, stdout, stderr) = require(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("1 record, chain intact"), "{stdout}");
    let (code, _, stderr) = require(&["--ca-file", other_ca.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--ca-file is only used with --tls verify-full"), "{stderr}");
    // The same through the configuration file.
    let config = work.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!("[audit]\ndatabase = \"env:DEPGATE_TEST_AUDIT_DATABASE\"\nca_file = \"{}\"\n", ca.display()),
    )
    .unwrap();
    let (code, _, stderr) = depgate(&["audit", "verify", "--config", config.to_str().unwrap()], &url, work.path());
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn the_fleet_lock_waits_for_its_holder_and_a_killed_holder_releases_it() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url();
    let db = open(&url);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let held = db.lock("npm:left-pad").await.unwrap();
        let other = db.clone();
        let waiter = tokio::spawn(async move { other.lock("npm:left-pad").await.map(|_g| Instant::now()) });
        // Another key is free meanwhile.
        let free = tokio::time::timeout(Duration::from_secs(5), db.lock("npm:other")).await;
        assert!(free.is_ok_and(|g| g.is_ok()), "another key does not wait");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!waiter.is_finished(), "the second taker waits while the first holds the lock");
        let released = Instant::now();
        held.unlock().await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await.unwrap().unwrap().unwrap();
        assert!(got >= released);
    });

    // A holder in another process, killed: the server ends its session and the lock.
    let mut holder =
        child("child_lock_holder", &[("DEPGATE_PG_CHILD", "lock"), (DB_VAR, &url), ("DEPGATE_PG_LOCK", "npm:shared")]);
    let mut out = holder.stdout.take().unwrap();
    let mut seen = String::new();
    let start = Instant::now();
    while !seen.contains("LOCKED") {
        let mut buf = [0u8; 256];
        let n = std::io::Read::read(&mut out, &mut buf).unwrap();
        assert!(n > 0 && start.elapsed() < Duration::from_secs(30), "the holder did not take the lock: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    rt.block_on(async {
        let waiting = tokio::time::timeout(Duration::from_millis(500), db.lock("npm:shared")).await;
        assert!(waiting.is_err(), "held by the other process");
        holder.kill().unwrap();
        let _ = holder.wait();
        let got = tokio::time::timeout(Duration::from_secs(10), db.lock("npm:shared")).await;
        assert!(got.is_ok_and(|g| g.is_ok()), "the killed holder's lock was released");
        // The same lock through the proxy's hook (`Upstreams::with_fleet_lock`).
        let hook: Arc<dyn depgate::upstream::FleetLock> = Arc::new(db.clone());
        let held = hook.lock("sha512:abc").await.unwrap();
        let again = tokio::time::timeout(Duration::from_millis(300), db.lock("sha512:abc")).await;
        assert!(again.is_err(), "held through the hook");
        drop(held);
        let again = tokio::time::timeout(Duration::from_secs(5), db.lock("sha512:abc")).await;
        assert!(again.is_ok_and(|g| g.is_ok()), "released when the hook's guard is dropped");
    });
}

/// Records per second through the sink: to PostgreSQL and to the file (printed for the
/// report; not asserted, the machine is shared).
#[test]
fn measure_appends_per_second() {
    let Some(pg) = Postgres::start() else { return };
    let work = tempfile::tempdir().unwrap();
    let n: u32 = 5000;
    let rate = |sink: AuditSink| {
        let start = Instant::now();
        let acks: Vec<_> = (0..n as usize).map(|i| sink.send(entry(i, "allow", "public"), true).unwrap()).collect();
        for a in acks {
            assert!(futures::executor::block_on(a).unwrap());
        }
        assert!(sink.close().is_some());
        f64::from(n) / start.elapsed().as_secs_f64()
    };
    // One request at a time: each record its own batch (the latency of one append).
    let one_by_one = |sink: AuditSink| {
        let start = Instant::now();
        for i in 0..500 {
            assert!(futures::executor::block_on(sink.send(entry(i, "allow", "public"), true).unwrap()).unwrap());
        }
        assert!(sink.close().is_some());
        500.0 / start.elapsed().as_secs_f64()
    };
    let pg_rate = rate(AuditSink::start(AuditStore::Postgres(open(&pg.url()))));
    let file_rate = rate(AuditSink::start(AuditLog::open(work.path().join("audit.jsonl")).unwrap()));
    let pg_one = one_by_one(AuditSink::start(AuditStore::Postgres(open(&pg.url()))));
    let file_one = one_by_one(AuditSink::start(AuditLog::open(work.path().join("audit.jsonl")).unwrap()));
    support::report(&format!(
        "audit appends, {n} records all queued at once (durable): PostgreSQL (fsync=off) {pg_rate:.0}/s, file {file_rate:.0}/s; \
         one at a time: PostgreSQL {pg_one:.0}/s, file {file_one:.0}/s"
    ));
    assert_eq!(count(&pg), u64::from(n) + 500);
}
