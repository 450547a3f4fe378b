//! The command line: `list`, `init`, `demo`, and how bad input is reported (exit 2,
//! naming file and line, never a panic).

mod support;

use support::Project;

#[test]
fn list_prints_coordinates_as_json_without_network() {
    let p = Project::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/npm/basic/package-lock.v3.json");
    p.write("package-lock.json", &std::fs::read_to_string(src).unwrap());
    // A config pointing at an unreachable registry proves list never touches the network.
    p.write(
        "depgate.toml",
        "[npm]\nchain = [\"x\"]\n[upstream.x]\nkind = \"npm\"\nurl = \"http://127.0.0.1:9/\"\ntier = \"public\"\n",
    );
    let run = p.depgate(&["list", "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(rows.len(), 23);
    for r in &rows {
        for key in ["ecosystem", "name", "version", "direct", "dev", "source_file", "line", "hashes", "source", "purl"]
        {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        assert!(r["line"].as_u64().unwrap() > 0);
    }
    let registry: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["source"] == "registry" && r["bundled"] == false).collect();
    assert!(rows.iter().any(|r| r["bundled"] == true), "bundled packages are listed too");
    assert!(registry.iter().all(|r| r["integrity"].as_str().is_some_and(|i| i.starts_with("sha512-"))
        && r["hashes"]["sha512"].as_str().unwrap().len() == 128));
    assert!(rows.iter().any(|r| r["source"] == "git"));
    let table = p.depgate(&["list"], &[]);
    assert!(table.stdout.contains("23 packages"), "{}", table.stdout);
}

#[test]
fn init_writes_a_valid_starter_and_refuses_to_overwrite() {
    let p = Project::new();
    assert_eq!(p.depgate(&["init"], &[]).code, 0);
    let text = p.read("depgate.toml");
    assert!(text.contains("[upstream.npmjs]"));
    let again = p.depgate(&["init"], &[]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists") && again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(p.depgate(&["init", "--force"], &[]).code, 0);
    // The starter is accepted by check (an empty lockfile needs no network).
    p.write("package-lock.json", r#"{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"}}}"#);
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn config_errors_exit_2_naming_file_line_and_column() {
    let p = Project::new();
    p.write("package-lock.json", r#"{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"}}}"#);
    p.write("depgate.toml", "[npm]\nchain = [\"npmjs\", \"nope\"]\n\n[upstream.npmjs]\nkind = \"npm\"\nurl = \"https://registry.npmjs.org/\"\ntier = \"public\"\nauth = \"abc\"\n");
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("depgate.toml:2:19"), "{}", run.stderr);
    assert!(run.stderr.contains("depgate.toml:8:8"), "{}", run.stderr);
    assert!(run.stderr.contains("2 problems in configuration"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn malformed_lockfiles_exit_2_with_a_location() {
    let p = Project::new();
    p.write(
        "package-lock.json",
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": \n",
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("package-lock.json:"), "{}", run.stderr);
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
    // No report is written for a run that could not start.
    assert!(!p.path().join("depgate-report").exists());
    let none = Project::new();
    let run = none.depgate(&["check"], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no lockfile found"), "{}", run.stderr);
}

#[test]
fn a_manifest_without_a_lockfile_is_never_a_pass() {
    let p = Project::new();
    p.write("package.json", r#"{"name": "app", "dependencies": {"left-pad": "1.3.0"}}"#);
    for cmd in ["check", "list"] {
        let run = p.depgate(&[cmd], &[]);
        assert_eq!(run.code, 2, "{cmd}: {}", run.all_output());
        assert!(run.stderr.contains("package.json: it declares dependencies"), "{}", run.stderr);
        assert!(run.stderr.contains("npm install --package-lock-only"), "{}", run.stderr);
        assert!(!run.stdout.contains("0 packages"), "{}", run.stdout);
    }
    assert!(!p.path().join("depgate-report").exists());
}

#[test]
fn list_marks_the_package_managers_own_packages() {
    let p = Project::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/npm/pnpm11/pnpm-lock.yaml");
    p.write("pnpm-lock.yaml", &std::fs::read_to_string(src).unwrap());
    let run = p.depgate(&["list", "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let pm: Vec<&str> =
        rows.iter().filter(|r| r["package_manager"] == true).map(|r| r["name"].as_str().unwrap()).collect();
    assert!(pm.contains(&"@pnpm/exe") && pm.contains(&"pnpm") && pm.contains(&"@pnpm/linux-x64"), "{pm:?}");
    assert_eq!(pm.len(), 13);
    assert!(rows.iter().any(|r| r["name"] == "debug" && r["package_manager"] == false));
    let table = p.depgate(&["list"], &[]);
    let exe = table.stdout.lines().find(|l| l.starts_with("@pnpm/exe ")).unwrap();
    assert!(exe.ends_with("(package manager)"), "{exe}");
}

#[test]
fn usage_errors_exit_2() {
    let p = Project::new();
    assert_eq!(p.depgate(&["check", "--frobnicate"], &[]).code, 2);
    assert_eq!(p.depgate(&["check", "--current-time", "yesterday"], &[]).code, 2);
    assert_eq!(p.depgate(&["--version"], &[]).code, 0);
}

#[test]
fn demo_gates_the_bundled_project_end_to_end() {
    let p = Project::new();
    let dir = p.path().join("demo");
    let run = p.depgate(&["demo", "--dir", dir.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("depgate-report/decisions.json")).unwrap()).unwrap();
    let by =
        |purl: &str| d["decisions"].as_array().unwrap().iter().find(|r| r["package"]["purl"] == purl).cloned().unwrap();
    let logger = by("pkg:npm/%40acme/logger@9.0.0");
    assert_eq!(logger["decision"], "deny");
    assert!(logger["findings"][0]["msg"].as_str().unwrap().contains("dependency confusion"));
    assert_eq!(by("pkg:npm/nanoid@3.3.11")["decision"], "quarantine");
    assert_eq!(by("pkg:npm/left-pad@1.3.0")["resolution"]["tier"], "curated");
    assert_eq!(by("pkg:npm/left-pad@1.3.0")["resolution"]["lockfile_integrity"], "match");
    assert_eq!(by("pkg:npm/ms@2.1.3")["resolution"]["fallback"], true);
    // The Python and Maven parts: the same squat, denied; a young fallback wheel waits;
    // pinned hashes match the owners'.
    let billing = by("pkg:pypi/acme-billing@9.0.0");
    assert_eq!(billing["decision"], "deny");
    assert_eq!(billing["resolution"]["ownership"]["bound_by"], "namespace");
    assert_eq!(by("pkg:pypi/platformdirs@4.3.7")["decision"], "quarantine");
    assert_eq!(by("pkg:pypi/six@1.17.0")["resolution"]["lockfile_integrity"], "match");
    assert_eq!(by("pkg:maven/com.acme/acme-payments@9.0.0")["decision"], "deny");
    let ledger = by("pkg:maven/com.acme/acme-ledger@2.3.1");
    assert_eq!(ledger["resolution"]["tier"], "curated");
    assert_eq!(ledger["resolution"]["lockfile_integrity"], "match");
    assert_eq!(by("pkg:maven/org.slf4j/slf4j-api@2.0.13")["resolution"]["lockfile_integrity"], "match");
    assert_eq!(d["counts"]["allow"], 13);
    assert_eq!(d["counts"]["deny"], 3);
    assert_eq!(d["counts"]["quarantine"], 2);
}

#[test]
fn demo_embeds_every_file_of_the_demo_project() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo");
    let mut on_disk = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let rel = e.path().strip_prefix(&root).unwrap().to_string_lossy().into_owned();
            if rel.starts_with("regen") {
                continue; // the generator is not part of the demo project
            }
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                on_disk.push(rel);
            }
        }
    }
    on_disk.sort();
    let mut embedded: Vec<String> = depgate::commands::DEMO_FILES.iter().map(|(p, _)| (*p).to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "update DEMO_FILES in src/commands/demo.rs");
}

#[test]
fn list_reads_every_lockfile_format_with_the_same_fields() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let npm_fields = |row: &serde_json::Value| {
        for key in [
            "ecosystem",
            "name",
            "version",
            "purl",
            "hashes",
            "direct",
            "dev",
            "package_manager",
            "source",
            "source_file",
            "line",
        ] {
            assert!(row.get(key).is_some(), "{key} missing in {row:#}");
        }
    };
    let cases = [
        ("npm/basic/package-lock.v3.json", "npm", 5),
        ("npm/pnpm5/pnpm-lock.pnpm7.yaml", "npm", 16),
        ("npm/pnpm11/pnpm-lock.yaml", "npm", 29),
        ("npm/bun/bun.lock", "npm", 18),
        ("pypi/pdm/pdm.lock", "pypi", 21),
        ("pypi/pip-tools/requirements.txt", "pypi", 13),
        ("pypi/poetry/poetry.lock", "pypi", 20),
        ("pypi/uv/uv.lock", "pypi", 32),
        ("pypi/pipenv/Pipfile.lock", "pypi", 18),
        ("pypi/pip-lock/pylock.toml", "pypi", 18),
        ("maven/gradle/gradle.lockfile", "maven", 20),
        ("maven/gradle/verification-metadata.xml", "maven", 20),
        ("maven/gradle/depgate-resolved.json", "maven", 23),
        ("maven/mvn/list-abs.txt", "maven", 20),
    ];
    for (rel, eco, at_least) in cases {
        let p = Project::new();
        // Files keep the name discovery knows them by (the mvn output has no standard one).
        let name = if rel.ends_with("list-abs.txt") {
            "depgate-mvn-dependencies.txt".to_string()
        } else if rel.ends_with(".v3.json") {
            "package-lock.json".to_string()
        } else if rel.ends_with(".pnpm7.yaml") {
            "pnpm-lock.yaml".to_string()
        } else {
            std::path::Path::new(rel).file_name().unwrap().to_string_lossy().into_owned()
        };
        p.write(&name, &std::fs::read_to_string(root.join(rel)).unwrap());
        let run = p.depgate(&["list", "--format", "json"], &[]);
        assert_eq!(run.code, 0, "{rel}: {}", run.all_output());
        let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
        let registry: Vec<&serde_json::Value> = rows.iter().filter(|r| r["source"] == "registry").collect();
        assert!(registry.len() >= at_least, "{rel}: {} registry rows", registry.len());
        for r in &rows {
            npm_fields(r);
            assert_eq!(r["ecosystem"], eco, "{rel}: {r:#}");
        }
    }
}

#[test]
fn audit_query_takes_npm_scopes_as_people_write_them() {
    let p = Project::new();
    let dir = p.path().join("demo");
    assert_eq!(p.depgate(&["demo", "--dir", dir.to_str().unwrap()], &[]).code, 0);
    let log = dir.join("depgate-report/audit.jsonl");
    let q = p.depgate(&["audit", "query", log.to_str().unwrap(), "--purl", "pkg:npm/@acme/*", "--format", "json"], &[]);
    assert_eq!(q.code, 0, "{}", q.all_output());
    assert!(q.stdout.contains("pkg:npm/%40acme/logger@9.0.0"), "{}", q.stdout);
    let t = p.depgate(&["audit", "query", log.to_str().unwrap(), "--purl", "pkg:npm/@acme/*"], &[]);
    assert!(t.stderr.contains("1 record matches"), "{}", t.all_output());
    // Report files are readable by the CI steps that upload them.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("depgate-report/sbom.cdx.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }
}

/// The level (second word) and target of a log line written with targets shown
/// (`TRACE hyper_util::client::legacy::pool: …` → `hyper_util::client::legacy::pool`).
fn target_of(line: &str) -> Option<&str> {
    line.split_whitespace().nth(1).and_then(|t| t.strip_suffix(':'))
}

#[test]
fn verbosity_shows_packages_then_requests_and_transport_internals_only_by_target() {
    use support::fake_npm::FakeNpm;
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let a = curated.publish("left-pad", "1.3.0", "2025-06-01T00:00:00.000Z");
    let b = public.publish("ms", "2.1.3", "2025-06-01T00:00:00.000Z");
    let p = Project::new();
    p.write("depgate.toml", &support::chain_config(&curated.url(), &public.url(), "", ""));
    let tgz = |reg: &FakeNpm, n: &str, v: &str| format!("{}{n}/-/{n}-{v}.tgz", reg.url());
    p.write(
        "package-lock.json",
        &support::package_lock_v3(&[
            support::Locked::new("left-pad", "1.3.0", &a, tgz(&curated, "left-pad", "1.3.0")),
            support::Locked::new("ms", "2.1.3", &b, tgz(&public, "ms", "2.1.3")),
        ]),
    );
    let check = |flags: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["check", "--current-time", "2026-01-01T00:00:00Z"];
        args.extend_from_slice(flags);
        let run = p.depgate(&args, env);
        assert_eq!(run.code, 0, "{}", run.all_output());
        run.stderr
    };
    let package_lines = [
        "pkg:npm/left-pad@1.3.0: curated (curated, priority 1) → allow",
        "pkg:npm/ms@2.1.3: public (public, priority 2; curated not_found) → allow",
    ];
    // The first run answers 200, later ones 304 (the cache revalidates).
    let request = format!("GET {}left-pad → ", curated.url());

    let quiet = check(&[], &[]);
    assert!(!quiet.contains("pkg:npm/") && !quiet.contains("GET "), "{quiet}");

    let v = check(&["-v"], &[]);
    for l in package_lines {
        assert_eq!(v.lines().filter(|x| x.contains(l)).count(), 1, "-v: one line per package: {l}\n{v}");
    }
    assert!(!v.contains("GET "), "-v has no request lines:\n{v}");

    let vv = check(&["-vv"], &[]);
    assert!(package_lines.iter().all(|l| vv.contains(l)), "{vv}");
    let line = vv.lines().find(|l| l.contains(&request)).unwrap_or_else(|| panic!("-vv: a line per request\n{vv}"));
    assert!(line.ends_with(" ms") && line.contains(" in "), "method, URL, status, elapsed: {line}");
    assert!(vv.contains(&format!("GET {}ms → 404 Not Found in ", curated.url())), "{vv}");

    // A bare level, however high, leaves the HTTP and runtime libraries at warn.
    let internal = ["h2", "hyper", "hyper_util", "reqwest", "rustls", "tokio", "mio", "want"];
    let is_internal = |t: &str| internal.iter().any(|i| t == *i || t.starts_with(&format!("{i}::")));
    for (flags, env) in [(&["-vvv"][..], &[][..]), (&[][..], &[("DEPGATE_LOG", "trace")][..])] {
        let all = check(flags, env);
        assert!(all.contains(&request), "{all}");
        let leaked: Vec<&str> = all.lines().filter(|l| target_of(l).is_some_and(is_internal)).collect();
        assert!(leaked.is_empty(), "transport internals at a bare level: {leaked:#?}");
        assert!(all.lines().any(|l| target_of(l) == Some("depgate::http")), "targets shown:\n{all}");
    }
    // Named, they are shown.
    let named = check(&[], &[("DEPGATE_LOG", "info,hyper_util=trace")]);
    assert!(named.lines().any(|l| target_of(l).is_some_and(|t| t.starts_with("hyper_util"))), "{named}");
    // A filter that does not parse is said so, not silently dropped.
    let bad = check(&[], &[("DEPGATE_LOG", "depgate=loud")]);
    assert!(bad.contains("DEPGATE_LOG `depgate=loud` is not a valid log filter"), "{bad}");
}
