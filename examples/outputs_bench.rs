//! Time and memory of writing every output of a run (`output::write_report`:
//! `decisions.json`, `summary.md`, `sbom.cdx.json`, `sbom.spdx.json`, `results.sarif`, and
//! the append to `audit.jsonl`) for N synthetic records built through the library API: npm,
//! `PyPI` and Maven coordinates with digests, a curated and a public tier, verified signer
//! identities on a quarter, findings on about one in eight.
//!
//! Usage: `outputs_bench N RUNS OUT_DIR`. Each run writes into a fresh folder under
//! `OUT_DIR` (so the audit log starts a new chain, and the files are written, not
//! replaced). Prints `key=value` lines for `benches/outputs.sh`:
//! - `build_ms`: building the records (not part of the writing);
//! - `write_ms_best`, `write_ms_median`: one `write_report` call, best and median of RUNS
//!   (wall time, with every file's fsync); `write_cpu_ms_best`: its CPU time (the writing
//!   runs on one thread), which a busy machine inflates less;
//! - `rss_records_mib`: resident memory with the records built, before any writing;
//! - `peak_write_mib`: the process's peak resident memory while writing (the kernel's
//!   high-water mark is reset after the records are built, so the building's own peak is
//!   not in it; the records themselves are);
//! - `peak_process_mib`: the process's peak over its whole life;
//! - `render_*_ms`: each renderer alone (in memory, no file), and `audit_ms` (the append);
//! - `bytes_*`: the size of each file written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use depgate::attest::Identity;
use depgate::audit;
use depgate::config::FallReason;
use depgate::ecosystem::Ecosystem;
use depgate::engine::{
    AttestationRecord, BoundBy, Decision, Evidence, IntegrityCheck, LeveledFinding, LockfileSource, Ownership,
    PackageInfo, PackageSource, Record, Resolution, ResolutionStatus, Unverifiable, Verification, Verified,
};
use depgate::policy::Finding;
use depgate::report::{self, ChainEntry, ProjectInfo, RunInfo, sarif};
use depgate::upstream::Attempt;
use depgate::upstream::EvidenceSource;

/// `splitmix64`: deterministic digests without a dependency.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `chars` lowercase hex characters derived from `seed`.
fn hex(seed: u64, chars: usize) -> String {
    let mut s = String::with_capacity(chars + 16);
    let mut x = seed;
    while s.len() < chars {
        x = mix(x);
        let _ = write!(s, "{x:016x}");
    }
    s.truncate(chars);
    s
}

const LICENSES: [Option<&str>; 8] = [
    Some("MIT"),
    Some("Apache-2.0"),
    Some("ISC"),
    Some("BSD-3-Clause"),
    Some("MIT OR Apache-2.0"),
    None,
    Some("MIT"),
    Some("The Acme Software Licence, version 2"),
];

fn finding(level: Decision, rule: &str, purl: &str, until: Option<&str>) -> LeveledFinding {
    LeveledFinding {
        level,
        finding: Finding {
            rule: rule.into(),
            msg: format!("{purl}: {rule} (served by public, tier public)"),
            remedy: Some(format!("add \"{purl}\" to [policy.exemptions] once reviewed")),
            until: until.map(str::to_string),
            advisory: None,
        },
    }
}

fn verified(owner: &str, repo: &str) -> Verification {
    Verification::Verified(Verified {
        attestations: vec![AttestationRecord {
            kind: "provenance".into(),
            predicate_type: Some("https://slsa.dev/provenance/v1".into()),
            verified: true,
            identity: Identity {
                issuer: Some("https://token.actions.githubusercontent.com".into()),
                san: Some(format!("https://github.com/{owner}/{repo}/.github/workflows/release.yml@refs/tags/v1.0.0")),
                source_repo: Some(format!("https://github.com/{owner}/{repo}")),
                workflow: Some(".github/workflows/release.yml".into()),
                git_ref: Some("refs/tags/v1.0.0".into()),
                commit: Some(hex(repo.len() as u64, 40)),
                runner_environment: Some("github-hosted".into()),
                ..Identity::default()
            },
            builder_id: Some("https://github.com/actions/runner/github-hosted".into()),
            build_type: Some("https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1".into()),
            trust_root: Some("sigstore-production".into()),
            integrated_time: Some("2025-05-01T12:00:00Z".into()),
            signed_at: None,
            stages: Vec::new(),
            failure: None,
        }],
        source: EvidenceSource::Upstream,
    })
}

/// Record `i` of a realistic mix: half npm (a fifth of those scoped), three tenths `PyPI`,
/// a fifth Maven; a third from the curated upstream, the rest the public fallback.
fn record(i: usize) -> Record {
    let seed = i as u64;
    let curated = i.is_multiple_of(3);
    let (upstream, tier, base) =
        if curated { ("curated", "curated", "https://libraries.example.com") } else { ("public", "public", "") };
    let (ecosystem, name, purl, url, digests, lockfile) = match i % 10 {
        0..=4 => {
            let name = if i.is_multiple_of(5) { format!("@scope{}/pkg-{i}", i % 17) } else { format!("pkg-{i}") };
            let short = name.rsplit('/').next().unwrap_or(&name).to_string();
            let host = if curated { format!("{base}/javascript") } else { "https://registry.npmjs.org".into() };
            let purl = format!("pkg:npm/{}@1.{}.0", name.replace('@', "%40"), i % 13);
            let url = format!("{host}/{name}/-/{short}-1.{}.0.tgz", i % 13);
            let digests = [("sha512", hex(seed, 128)), ("sha1", hex(seed + 1, 40))];
            (Ecosystem::Npm, name, purl, url, digests.to_vec(), "package-lock.json")
        }
        5..=7 => {
            let name = format!("py-pkg-{i}");
            let host =
                if curated { format!("{base}/python") } else { "https://files.pythonhosted.org/packages".into() };
            let purl = format!("pkg:pypi/{name}@2.{}.1", i % 7);
            let url = format!("{host}/{}/{}/py_pkg_{i}-2.{}.1-py3-none-any.whl", &hex(seed, 2), &hex(seed, 30), i % 7);
            (Ecosystem::Pypi, name, purl, url, vec![("sha256", hex(seed, 64))], "requirements.txt")
        }
        _ => {
            let group = format!("org.example{}", i % 23);
            let artifact = format!("lib-{i}");
            let host = if curated { format!("{base}/java") } else { "https://repo.maven.apache.org/maven2".into() };
            let purl = format!("pkg:maven/{group}/{artifact}@3.{}.0", i % 11);
            let url =
                format!("{host}/{}/{artifact}/3.{}.0/{artifact}-3.{}.0.jar", group.replace('.', "/"), i % 11, i % 11);
            let digests = [("sha1", hex(seed, 40)), ("sha256", hex(seed + 2, 64))];
            (Ecosystem::Maven, format!("{group}:{artifact}"), purl, url, digests.to_vec(), "depgate-resolved.json")
        }
    };
    let version = purl.rsplit('@').next().unwrap_or_default().to_string();
    let mut resolution = Resolution::empty();
    resolution.status = ResolutionStatus::Owned;
    resolution.upstream = Some(upstream.into());
    resolution.tier = Some(tier.into());
    resolution.priority = Some(if curated { 1 } else { 2 });
    resolution.fallback = !curated;
    resolution.ownership = Some(Ownership { bound_by: BoundBy::Chain, upstream: upstream.into(), pattern: None });
    resolution.version_found = true;
    resolution.owner_latest = Some(version.clone());
    resolution.url = Some(url.clone());
    resolution.published_at = Some(format!("2025-{:02}-{:02}T10:00:00Z", 1 + i % 12, 1 + i % 28));
    resolution.age_days = Some(30.0 + f64::from(u16::try_from(i % 300).unwrap_or(0)));
    resolution.digests = digests.iter().map(|(a, d)| ((*a).to_string(), d.clone())).collect();
    resolution.lockfile_integrity = IntegrityCheck::Match;
    resolution.lockfile_source =
        Some(LockfileSource { url: Some(url), upstream: Some(upstream.into()), matches_owner: true });
    if !curated {
        resolution.fell_through = vec![Attempt {
            upstream: "curated".into(),
            reason: FallReason::NotFound,
            detail: "404".into(),
            circuit_open: false,
        }];
    }
    let (decision, findings) = match i % 100 {
        0 | 50 => (Decision::Deny, vec![finding(Decision::Deny, "integrity-mismatch", &purl, None)]),
        7 => (
            Decision::Quarantine,
            vec![finding(Decision::Quarantine, "fallback-cooldown", &purl, Some("2026-01-08T00:00:00Z"))],
        ),
        n if n % 10 == 3 => (Decision::Warn, vec![finding(Decision::Warn, "resolved-url-mismatch", &purl, None)]),
        _ => (Decision::Allow, Vec::new()),
    };
    Record {
        package: PackageInfo {
            ecosystem,
            name,
            version,
            purl,
            direct: i.is_multiple_of(8),
            dev: i.is_multiple_of(7),
            optional: i.is_multiple_of(41),
            bundled: false,
            package_manager: false,
            source: PackageSource::Registry,
            location: None,
            alias: None,
            classifier: None,
            extension: None,
            lockfile: format!("/work/app/{lockfile}"),
            line: 3 + i * 5,
            image: None,
        },
        resolution: Some(resolution),
        evidence: Evidence {
            verification: if i % 4 == 1 {
                verified(&format!("owner{}", i % 97), &format!("repo-{i}"))
            } else {
                Verification::Unverifiable(Unverifiable::NotPublished)
            },
            ..Evidence::none()
        },
        license: LICENSES[i % LICENSES.len()].map(str::to_string),
        decision,
        findings,
    }
}

fn run_info() -> RunInfo {
    let chain = |eco: &str| {
        vec![
            ChainEntry {
                name: "curated".into(),
                kind: eco.into(),
                location: "https://libraries.example.com/".into(),
                tier: "curated".into(),
                priority: 1,
            },
            ChainEntry {
                name: "public".into(),
                kind: eco.into(),
                location: "https://registry.example.org/".into(),
                tier: "public".into(),
                priority: 2,
            },
        ]
    };
    RunInfo {
        tool: concat!("depgate ", env!("CARGO_PKG_VERSION")).into(),
        mode: "check".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        now: "2026-01-01T00:00:00Z".into(),
        config: "depgate.toml".into(),
        project: String::new(),
        lockfiles: vec!["package-lock.json".into(), "requirements.txt".into(), "depgate-resolved.json".into()],
        chains: BTreeMap::from([
            ("maven".to_string(), chain("maven")),
            ("npm".to_string(), chain("npm")),
            ("pypi".to_string(), chain("pypi-simple")),
        ]),
        policy: vec!["builtin".into()],
        advisories: None,
        cooldowns: None,
        context: depgate::audit::RunnerContext::default(),
    }
}

/// A field of /proc/self/status in MiB (`VmRSS`, `VmHWM`); 0 where there is none.
fn status_mib(field: &str) -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Reset the kernel's peak-RSS mark of this process (Linux: `5` to `clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time this thread has run, in ms (`/proc/thread-self/schedstat`, ns): less
/// sensitive than wall time to other work on a shared machine. 0 where there is none.
fn cpu_ms() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    text.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()).map_or(0.0, |ns| ns / 1e6)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    let out = Path::new(args.get(3).map_or("target/outputs-bench", String::as_str)).to_path_buf();

    let t = Instant::now();
    let records: Vec<Record> = (0..n).map(record).collect();
    let run = run_info();
    let project = ProjectInfo { name: "bench-app".into(), version: Some("1.0.0".into()) };
    println!("build_ms={:.1}", ms(t));
    println!("rss_records_mib={:.1}", status_mib("VmRSS"));
    let peak_build = status_mib("VmHWM");
    let peak_reset = reset_peak();

    let mut times = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    let mut peak_write: f64 = 0.0;
    let mut files = Vec::new();
    for r in 0..runs {
        let dir = out.join(format!("run-{r}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the output folder");
        reset_peak();
        let (t, c) = (Instant::now(), cpu_ms());
        files = depgate::output::write_report(&dir, &run, &records, &project, false).expect("write_report");
        times.push(ms(t));
        cpu.push(cpu_ms() - c);
        peak_write = peak_write.max(status_mib("VmHWM"));
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!("write_ms_best={:.1}", times[0]);
    println!("write_ms_median={:.1}", times[times.len() / 2]);
    println!("write_cpu_ms_best={:.1}", cpu[0]);
    println!("peak_write_mib={peak_write:.1}");
    println!("peak_reset={peak_reset}");
    for f in &files {
        let name = f.file_name().and_then(|s| s.to_str()).unwrap_or_default();
        println!("bytes_{name}={}", std::fs::metadata(f).map_or(0, |m| m.len()));
    }

    // Each part alone, in memory (the audit append to a fresh file, with its sync).
    let t = Instant::now();
    let mut buf = Vec::new();
    report::write_decisions_json(&mut buf, &run, &records).expect("decisions");
    println!("render_decisions_ms={:.1}", ms(t));
    let t = Instant::now();
    let mut buf = Vec::new();
    report::write_summary_md(&mut buf, &run, &records, report::Held::default()).expect("summary");
    println!("render_summary_ms={:.1}", ms(t));
    let t = Instant::now();
    let _ = report::render_cyclonedx(&run, &records, &project, false);
    println!("render_cyclonedx_ms={:.1}", ms(t));
    let t = Instant::now();
    let _ = report::render_spdx(&run, &records, &project, false);
    println!("render_spdx_ms={:.1}", ms(t));
    let t = Instant::now();
    let _ = sarif::render_sarif(&run, &records);
    println!("render_sarif_ms={:.1}", ms(t));
    let log = out.join("audit-alone.jsonl");
    let _ = std::fs::remove_file(&log);
    let t = Instant::now();
    audit::append_run(&log, &run.mode, &run.now, &audit::RunnerContext::default(), &records).expect("audit");
    println!("audit_ms={:.1}", ms(t));
    println!("peak_process_mib={:.1}", status_mib("VmHWM").max(peak_write).max(peak_build));
}
