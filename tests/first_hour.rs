//! What a new user meets in the first hour (issue 20, point 8): the demo leaves one folder,
//! `depgate list | head` ends quietly, every report names a lockfile the same way, and
//! summary.md says where each blocked package is locked and counts a squatted name under
//! no tier.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};

use support::Project;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_demo_replaces_its_previous_folder_and_leaves_one() {
    let p = Project::new();
    let cache = p.path().join(".cache");
    for _ in 0..2 {
        let run = p.depgate(&["demo"], &[]);
        assert_eq!(run.code, 0, "{}", run.all_output());
        assert!(run.all_output().contains(&cache.join("demo").display().to_string()), "{}", run.all_output());
    }
    let entries: Vec<String> =
        std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(entries.iter().filter(|n| n.contains("demo")).count(), 1, "{entries:?}");
    assert!(cache.join("demo/depgate-report/summary.md").is_file());
    // A folder there the demo did not make is never deleted.
    std::fs::remove_dir_all(cache.join("demo")).unwrap();
    p.write(".cache/demo/notes.txt", "mine");
    let run = p.depgate(&["demo"], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.stderr.contains("was not made by `depgate demo`") && run.stderr.contains("--dir"), "{}", run.stderr);
    assert_eq!(p.read(".cache/demo/notes.txt"), "mine");
}

#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    let p = Project::new();
    let big = std::fs::read_to_string(root().join("testdata/serve/npm/package-lock.json")).unwrap();
    p.write("package-lock.json", &big);
    for format in ["json", "table"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_depgate"))
            .args(["list", "--format", format])
            .current_dir(p.path())
            .env("DEPGATE_CACHE_DIR", p.path().join(".cache"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one line, as `head -1` does, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(!stderr.contains("Broken pipe") && !stderr.contains("error"), "{format}: {stderr}");
    }
}

/// A lockfile with one git dependency: a record without any network.
const GIT_ONLY: &str = r#"{"name":"w","lockfileVersion":3,"packages":{"":{"name":"w","dependencies":{"g":"github:acme/g"}},
"node_modules/g":{"version":"1.0.0","resolved":"git+ssh://git@github.com/acme/g.git#0123456789abcdef0123456789abcdef01234567"}}}"#;

#[test]
fn every_report_names_a_lockfile_relative_to_the_project() {
    let p = Project::new();
    let lock = p.write("web/package-lock.json", GIT_ONLY);
    let abs = lock.to_str().unwrap();
    for args in
        [&["check"][..], &["check", "--lockfile", abs][..], &["check", "--lockfile", "web/package-lock.json"][..]]
    {
        let run = p.depgate(args, &[]);
        assert_eq!(run.code, 0, "{args:?}: {}", run.all_output());
        let d = p.decisions();
        assert_eq!(d["run"]["lockfiles"], serde_json::json!(["web/package-lock.json"]), "{args:?}");
        let r = &d["decisions"][0];
        assert_eq!(r["package"]["lockfile"], "web/package-lock.json", "{args:?}: {r:#}");
        assert_eq!(r["findings"][0]["rule"], "unresolvable-source");
    }
    let list = p.depgate(&["list", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(rows[0]["source_file"], "web/package-lock.json", "{rows:#}");
    // A lockfile outside the project keeps the path it was given.
    let other = Project::new();
    let outside = other.write("package-lock.json", GIT_ONLY);
    let run = p.depgate(&["check", "--lockfile", outside.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(p.decisions()["decisions"][0]["package"]["lockfile"], outside.to_str().unwrap());
}

#[test]
fn summary_says_where_each_blocked_package_is_locked_and_counts_squats_under_no_tier() {
    let p = Project::new();
    let dir = p.path().join("demo");
    let run = p.depgate(&["demo", "--dir", dir.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let summary = std::fs::read_to_string(dir.join("depgate-report/summary.md")).unwrap();
    let blocked = &summary[summary.find("### Blocked").expect(&summary)..];
    assert!(blocked.contains("| what to do | where |"), "{blocked}");
    for (purl, place) in [
        ("pkg:npm/%40acme/logger@9.0.0", "`package-lock.json:21`"),
        ("pkg:pypi/acme-billing@9.0.0", "`python/requirements.txt:5`"),
        ("pkg:npm/nanoid@3.3.11", "`package-lock.json:62`"),
    ] {
        let row = blocked.lines().find(|l| l.contains(purl)).expect(purl);
        assert!(row.trim_end().ends_with(&format!("| {place} |")), "{row}");
    }
    // The quarantine's date is said once: in `until`, not again in the remedy.
    let nanoid = blocked.lines().find(|l| l.contains("pkg:npm/nanoid@3.3.11")).unwrap();
    assert_eq!(nanoid.matches("2025-03-26T01:08:07.889Z").count(), 1, "{nanoid}");
    // The three squats (versions their owner lacks) were served by no tier.
    assert!(summary.contains("| (not served) | 3 | 0 | 0 | 0 | 3 | 0 |"), "{summary}");
    assert!(summary.contains("| curated | 3 | 3 | 0 | 0 | 0 | 0 |"), "{summary}");
}
