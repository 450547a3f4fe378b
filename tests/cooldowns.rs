//! Package-manager and bot cooldowns beside depgate's own: `testdata/cooldowns/drift` sets
//! every tool's release age to a different value (npm 3 days, pnpm 1 day with two
//! exemptions, yarn 10 days, bun 2 days with one, uv 3 days with one and an absolute
//! cut-off, pip 5 days, Renovate 14 days with two rules, Dependabot 7/30 days for npm and
//! 5 for pip) against a chain with a curated tier first (no cooldown) and a public
//! fallback waiting 7 days for npm, and a `PyPI` public tier waiting 5. The report must list
//! each setting, normalised, and exactly the drift findings below.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cooldowns/drift")
}

struct Checked {
    code: i32,
    stdout: String,
    report: tempfile::TempDir,
}

impl Checked {
    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.report.path().join(name)).unwrap()
    }

    fn json(&self, name: &str) -> Value {
        serde_json::from_str(&self.file(name)).unwrap()
    }
}

fn check(project: &Path, extra_env: &[(&str, &str)]) -> Checked {
    let report = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
    cmd.args(["check", project.to_str().unwrap(), "--current-time", "2026-01-01T00:00:00Z", "--out"])
        .arg(report.path())
        .env_remove("DEPGATE_CONFIG")
        .env_remove("PIP_UPLOADED_PRIOR_TO")
        .env("PIP_CONFIG_FILE", project.join("pip.conf"))
        .env("DEPGATE_CACHE_DIR", cache.path())
        .env("NO_COLOR", "1");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Checked { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), report }
}

#[test]
fn every_tool_listed_and_exactly_the_expected_drift() {
    let dir = fixture();
    let run = check(&dir, &[]);
    // The demo's squatted @acme/logger is denied; drift itself never fails a run.
    assert_eq!(run.code, 1, "{}", run.stdout);
    let d = run.json("decisions.json");
    let c = &d["run"]["cooldowns"];
    assert_eq!(c["problems"], serde_json::json!([]), "{c:#}");

    let settings: BTreeSet<(String, String, u64, String, i64)> = c["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["tool"].as_str().unwrap().to_string(),
                s["file"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
                s["setting"].as_str().unwrap().to_string(),
                s["min_age_seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    let day = 86_400;
    let want: BTreeSet<(String, String, u64, String, i64)> = [
        ("npm", ".npmrc", 3, "min-release-age", 3 * day),
        ("pnpm", "pnpm-workspace.yaml", 5, "minimumReleaseAge", day),
        ("yarn", ".yarnrc.yml", 2, "npmMinimalAgeGate", 10 * day),
        ("bun", "bunfig.toml", 3, "minimumReleaseAge", 2 * day),
        ("uv", "pyproject.toml", 7, "tool.uv.exclude-newer", 3 * day),
        // 2025-12-01T00:00:00Z, 31 days before --current-time.
        ("uv", "uv.toml", 2, "exclude-newer", 31 * day),
        ("pip", "pip.conf", 5, "[install] uploaded-prior-to", 5 * day),
        ("renovate", "renovate.json5", 4, "minimumReleaseAge", 14 * day),
        ("renovate", "renovate.json5", 9, "packageRules[0].minimumReleaseAge", 0),
        ("renovate", "renovate.json5", 13, "packageRules[1].minimumReleaseAge", day),
        ("dependabot", ".github/dependabot.yml", 8, "updates[0].cooldown.default-days", 7 * day),
        ("dependabot", ".github/dependabot.yml", 9, "updates[0].cooldown.semver-major-days", 30 * day),
        ("dependabot", ".github/dependabot.yml", 17, "updates[1].cooldown.default-days", 5 * day),
    ]
    .into_iter()
    .map(|(t, f, l, s, a)| (t.to_string(), f.to_string(), l, s.to_string(), a))
    .collect();
    assert_eq!(settings, want);
    // Units and exemptions are kept beside the normalised value.
    let pnpm = c["settings"].as_array().unwrap().iter().find(|s| s["tool"] == "pnpm").unwrap();
    assert_eq!((pnpm["unit"].as_str(), pnpm["min_age_days"].as_f64()), (Some("minutes"), Some(1.0)));
    assert_eq!(
        pnpm["exempt"],
        serde_json::json!([{"pattern": "@acme/*", "line": 7}, {"pattern": "left-pad", "line": 8}])
    );
    let cut = c["settings"].as_array().unwrap().iter().find(|s| s["file"] == "uv.toml").unwrap();
    assert_eq!(cut["cutoff"], "2025-12-01T00:00:00Z");

    let drift: BTreeSet<(String, u64, String, Option<String>, String)> = c["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["rule"], "cooldown-drift");
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["direction"].as_str().unwrap().to_string(),
                f["package"].as_str().map(str::to_string),
                f["ecosystem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lets = "lets-through";
    let holds = "holds-back";
    let want: BTreeSet<(String, u64, String, Option<String>, String)> = [
        // npm 3 days: shorter than the public fallback's 7, and above the curated tier's 0.
        (".npmrc", 3, lets, None, "npm"),
        (".npmrc", 3, holds, None, "npm"),
        // pnpm 1 day; `left-pad` exempt in pnpm, not in depgate. `@acme/*` is bound to
        // the curated upstream, which does not wait: exempting it agrees with depgate.
        ("pnpm-workspace.yaml", 5, lets, None, "npm"),
        ("pnpm-workspace.yaml", 5, holds, None, "npm"),
        ("pnpm-workspace.yaml", 8, lets, Some("left-pad"), "npm"),
        // yarn 10 days: longer than 7 (no quarantine slips through), but holds curated back.
        (".yarnrc.yml", 2, holds, None, "npm"),
        // bun 2 days, `ms` exempt.
        ("bunfig.toml", 3, lets, None, "npm"),
        ("bunfig.toml", 3, holds, None, "npm"),
        ("bunfig.toml", 4, lets, Some("ms"), "npm"),
        // uv 3 days against PyPI's 5, `certifi` exempt; uv.toml's 31-day cut-off agrees.
        ("pyproject.toml", 7, lets, None, "pypi"),
        ("pyproject.toml", 8, lets, Some("certifi"), "pypi"),
        // Dependabot npm 7 (equal to the fallback's) and major 30: both hold curated back;
        // `left-pad` excluded (one finding for the shared list). pip's 5 days agree.
        (".github/dependabot.yml", 8, holds, None, "npm"),
        (".github/dependabot.yml", 9, holds, None, "npm"),
        (".github/dependabot.yml", 11, lets, Some("left-pad"), "npm"),
        // Renovate 14 days: holds npm's curated tier back (PyPI's 5 is covered); the
        // `@acme/*` rule at 0 days agrees; the PyPI rule at 1 day lets through.
        ("renovate.json5", 4, holds, None, "npm"),
        ("renovate.json5", 13, lets, None, "pypi"),
    ]
    .into_iter()
    .map(|(f, l, d, p, e)| (f.to_string(), l, d.to_string(), p.map(str::to_string), e.to_string()))
    .collect();
    assert_eq!(drift, want);

    // Both settings are named: the tool's line and value, and depgate's setting.
    let npmrc =
        c["drift"].as_array().unwrap().iter().find(|f| f["file"] == ".npmrc" && f["direction"] == lets).unwrap();
    assert_eq!((npmrc["tool_days"].as_f64(), npmrc["depgate_days"].as_f64()), (Some(3.0), Some(7.0)));
    assert!(npmrc["depgate_setting"].as_str().unwrap().starts_with("[policy] quarantine_days = 7"), "{npmrc:#}");
    assert!(npmrc["remedy"].as_str().unwrap().contains("at .npmrc:3: set min-release-age to 7"), "{npmrc:#}");
    let uv = c["drift"].as_array().unwrap().iter().find(|f| f["file"] == "pyproject.toml" && f["line"] == 7).unwrap();
    assert!(uv["depgate_setting"].as_str().unwrap().starts_with("[policy.tiers.public-pypi] quarantine_days = 5"));
    assert!(uv["remedy"].as_str().unwrap().contains("\"5 days\""), "{uv:#}");

    // Drift warns; it changes no package's decision.
    let counts = &d["counts"];
    assert_eq!((counts["warn"].as_u64(), counts["deny"].as_u64()), (Some(0), Some(1)), "{counts:#}");

    // Every output lists them: the terminal, summary.md, and SARIF at the tool's line.
    for needle in [
        "cooldown   pnpm       pnpm-workspace.yaml:5 minimumReleaseAge = 1440 (1 day",
        "cooldowns: 13 settings read, 16 drift warnings",
    ] {
        assert!(run.stdout.contains(needle), "{needle}\n{}", run.stdout);
    }
    let md = run.file("summary.md");
    assert!(md.contains("### Package-manager and bot cooldowns"), "{md}");
    assert!(md.contains("| pnpm | `pnpm-workspace.yaml:5` | `minimumReleaseAge` | `1440` | 1 day |"), "{md}");
    assert!(md.contains("#### `cooldown-drift` (16 warnings)"), "{md}");
    let sarif = run.json("results.sarif");
    let results: Vec<&Value> =
        sarif["runs"][0]["results"].as_array().unwrap().iter().filter(|r| r["ruleId"] == "cooldown-drift").collect();
    assert_eq!(results.len(), 16);
    let bun = results.iter().find(|r| r["properties"]["package"] == "ms").unwrap();
    let loc = &bun["locations"][0]["physicalLocation"];
    assert_eq!(
        (loc["artifactLocation"]["uri"].as_str(), loc["region"]["startLine"].as_u64()),
        (Some("bunfig.toml"), Some(4))
    );
    assert_eq!(bun["level"], "warning");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "cooldown-drift"));
}

/// A value a tool would refuse is a warning naming the file and line, never passed over,
/// and the run goes on; `PIP_UPLOADED_PRIOR_TO` replaces pip.conf.
#[test]
fn unreadable_values_are_reported_with_their_line() {
    let p = tempfile::tempdir().unwrap();
    let src = fixture();
    for f in ["depgate.toml", "package-lock.json", "package.json"] {
        std::fs::copy(src.join(f), p.path().join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(src.join("depgate.toml"))
        .unwrap()
        .replace("../../demo/", &format!("{}/", src.join("../../demo").display()));
    std::fs::write(p.path().join("depgate.toml"), toml).unwrap();
    std::fs::write(p.path().join("pnpm-workspace.yaml"), "packages: ['.']\nminimumReleaseAge: a week\n").unwrap();
    std::fs::write(p.path().join("bunfig.toml"), "[install]\nminimumReleaseAge = 604800\n").unwrap();
    let run = check(p.path(), &[("PIP_UPLOADED_PRIOR_TO", "P9D"), ("PIP_CONFIG_FILE", "/dev/null")]);
    let d = run.json("decisions.json");
    let c = &d["run"]["cooldowns"];
    assert_eq!(c["problems"].as_array().unwrap().len(), 1, "{c:#}");
    assert_eq!(c["problems"][0]["file"], "pnpm-workspace.yaml");
    assert_eq!(c["problems"][0]["line"], 2);
    assert!(c["problems"][0]["message"].as_str().unwrap().contains("minutes"));
    assert!(run.stdout.contains("pnpm-workspace.yaml:2: `minimumReleaseAge`"), "{}", run.stdout);
    assert!(run.file("summary.md").contains("not read: `pnpm-workspace.yaml:2"));
    let tools: Vec<(&str, &str)> = c["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["tool"].as_str().unwrap(), s["file"].as_str().unwrap()))
        .collect();
    assert_eq!(tools, vec![("bun", "bunfig.toml"), ("pip", "environment")]);
    // bun waits 7 days like the fallback (no lets-through) but holds the curated tier back.
    let drift: Vec<(&str, &str)> = c["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["direction"].as_str().unwrap()))
        .collect();
    assert_eq!(
        drift,
        vec![("bunfig.toml", "holds-back")],
        "PyPI is not gated here: pip's setting is listed, not compared"
    );
}
