//! The GitHub Action (`action/`) and the workflows, checked by the tools GitHub users run
//! and run for real:
//!
//! * `check-jsonschema` with GitHub's action and workflow schemas (bundled with it);
//! * `actionlint` with shellcheck on PATH, over every workflow: it reads `./action`
//!   through the workflows that use it (a workflow passing an input the action lacks is
//!   reported), and shellcheck over the action's own scripts;
//! * `zizmor --offline`: no findings;
//! * `act` in host mode (no Docker): `act pull_request` with a real `pull_request`
//!   payload from `@octokit/webhooks-examples`, in a temporary repository holding the
//!   action at `./action` and `testdata/demo` at `./demo`, with every input set and
//!   `binary:` pointing at this build of depgate. The job must pass on a configuration
//!   that allows every package and fail on the demo's own (three dependency-confusion
//!   squats denied); with `baseline: auto` it must pass when those denials were already
//!   on the base commit and fail when the pull request brings them; `mode: serve` then
//!   `mode: stop` must proxy an `npm ci` and report on it. Each run checks the action's
//!   outputs, the step summary act read, and the report artifact on act's artifact server.
//!
//! The install step (setup.sh, install.sh against a release server) is tested in
//! `tests/action_install.rs`.
//!
//! act cannot clone `actions/upload-artifact` offline: `--local-repository` puts a local
//! stand-in there (testdata/action/upload-artifact, using `@actions/artifact` 2.3.2 against
//! act's artifact server on 127.0.0.1), and one for `actions/cache` that fails if it runs
//! (`binary:` skips the install). The GitHub API is never called: the workflows set
//! `check-run: false` and `comment: never` (tests/github*.rs cover the API part).
//!
//! The tools come from scripts/action-tools.sh (a cache folder, `target/action-tools`).
//! Without python3, npm, node, git or jq the tests print a SKIPPED line (under
//! `DEPGATE_REQUIRE_TOOLS=1`, as in CI, they fail instead).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::{Value, json};
use support::served::require_tools;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether `cmd --version` runs; if not, a visible SKIPPED line (a failure under
/// `DEPGATE_REQUIRE_TOOLS=1`).
fn have(cmd: &str) -> bool {
    let ok = Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(!require_tools(), "{cmd} is required under DEPGATE_REQUIRE_TOOLS=1");
        support::skipped(&format!("action: {cmd} is not installed"));
    }
    ok
}

/// The tools folder of scripts/action-tools.sh, installed once per test binary; `None`
/// (with a SKIPPED line) when what it needs is missing or the install failed.
fn tools() -> Option<&'static Path> {
    static TOOLS: OnceLock<Option<PathBuf>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            if !(have("python3") && have("npm")) {
                return None;
            }
            let started = Instant::now();
            let out = Command::new("bash").arg(root().join("scripts/action-tools.sh")).output().unwrap();
            if !out.status.success() {
                let why = format!("scripts/action-tools.sh failed:\n{}", String::from_utf8_lossy(&out.stderr));
                assert!(!require_tools(), "{why}");
                support::skipped(&format!("action: {why}"));
                return None;
            }
            let stdout = String::from_utf8(out.stdout).unwrap();
            let dir = PathBuf::from(stdout.lines().last().expect("action-tools.sh prints the tools folder"));
            support::report(&format!(
                "action tools ready in {:.1} s: {}",
                started.elapsed().as_secs_f64(),
                dir.display()
            ));
            Some(dir)
        })
        .as_deref()
}

/// `tool args` with the tools' venv first on PATH (actionlint finds shellcheck there).
fn tool(tools: &Path, name: &str) -> Command {
    let bin = tools.join("venv/bin");
    let path = std::env::join_paths(
        std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut cmd = Command::new(bin.join(name));
    cmd.env("PATH", path).current_dir(root());
    cmd
}

fn text(out: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Files under `dir` (relative to the repository root) whose names end with `suffix`.
fn files(dir: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(suffix))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    found.sort();
    found
}

/// Every workflow file: the project's, the examples, and the ones the act tests run.
fn workflows() -> Vec<String> {
    let mut all = files(".github/workflows", ".yml");
    all.extend(files("examples/workflows", ".yml"));
    all.extend(files("testdata/action", ".yml"));
    assert!(all.len() >= 7, "workflows: {all:?}");
    all
}

/// Every action definition: depgate's and the act tests' stand-ins.
fn actions() -> Vec<String> {
    vec![
        "action/action.yml".to_string(),
        "testdata/action/upload-artifact/action.yml".to_string(),
        "testdata/action/cache-unused/action.yml".to_string(),
    ]
}

#[test]
fn action_and_workflows_follow_githubs_schemas() {
    let Some(tools) = tools() else { return };
    let out = tool(tools, "check-jsonschema")
        .args(["--builtin-schema", "vendor.github-actions"])
        .args(actions())
        .output()
        .unwrap();
    assert!(out.status.success(), "actions against GitHub's action schema:\n{}", text(&out));
    let out = tool(tools, "check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(workflows())
        .output()
        .unwrap();
    assert!(out.status.success(), "workflows against GitHub's workflow schema:\n{}", text(&out));
}

#[test]
fn actionlint_and_shellcheck_pass() {
    let Some(tools) = tools() else { return };
    let out = tool(tools, "actionlint").arg("-verbose").args(workflows()).output().unwrap();
    let all = text(&out);
    assert!(out.status.success(), "actionlint:\n{all}");
    assert!(!all.contains("Rule \"shellcheck\" was disabled"), "actionlint ran without shellcheck:\n{all}");

    // actionlint reads ./action through a workflow that uses it: an input the action
    // does not declare is an error.
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&root().join("action"), &repo.path().join("action"));
    let bad = repo.path().join(".github/workflows/bad.yml");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(
        &bad,
        "on: push\npermissions: {}\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./action\n        with:\n          fail-on: deny\n          no-such-input: x\n",
    )
    .unwrap();
    git(repo.path(), &["init", "-q"]);
    let out = tool(tools, "actionlint").arg(".github/workflows/bad.yml").current_dir(repo.path()).output().unwrap();
    let all = text(&out);
    assert!(
        !out.status.success() && all.contains("no-such-input"),
        "actionlint did not check ./action's inputs:\n{all}"
    );

    let mut scripts = files("action/scripts", ".sh");
    scripts.push("scripts/action-tools.sh".to_string());
    scripts.push("scripts/release.sh".to_string());
    let out = tool(tools, "shellcheck").arg("-x").args(&scripts).output().unwrap();
    assert!(out.status.success(), "shellcheck {scripts:?}:\n{}", text(&out));
}

#[test]
fn zizmor_finds_nothing() {
    let Some(tools) = tools() else { return };
    let out = tool(tools, "zizmor").arg("--offline").args(actions()).args(workflows()).output().unwrap();
    let all = text(&out);
    assert!(out.status.success() && all.contains("No findings"), "zizmor --offline:\n{all}");
}

#[test]
fn dockerfile_passes_hadolint_with_pinned_bases() {
    let Some(tools) = tools() else { return };
    let out = tool(tools, "hadolint").arg("Dockerfile").output().unwrap();
    assert!(out.status.success(), "hadolint Dockerfile:\n{}", text(&out));
    // Every base image is pinned by digest, and the image does not run as root.
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let froms: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "a build stage and a runtime stage: {froms:?}");
    for from in &froms {
        let digest = from.split('@').nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or_default();
        assert!(
            digest.len() == 71 && digest.starts_with("sha256:") && digest[7..].bytes().all(|b| b.is_ascii_hexdigit()),
            "not pinned by digest: {from}"
        );
    }
    let user = dockerfile.lines().rfind(|l| l.starts_with("USER ")).expect("a USER line");
    assert!(!user.contains(" root") && !user.contains(" 0"), "{user}");
    assert!(dockerfile.contains(r#"ENTRYPOINT ["depgate"]"#));
}

// ---------------------------------------------------------------------------------------
// act

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=depgate tests", "-c", "user.email=tests@depgate.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}:\n{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let out = Command::new("cp").arg("-R").arg(from).arg(to).output().unwrap();
    assert!(out.status.success(), "cp -R {}:\n{}", from.display(), text(&out));
}

/// The full commit a `uses: OWNER/NAME@SHA` of action/action.yml pins.
fn pinned(action: &str) -> String {
    let yml = std::fs::read_to_string(root().join("action/action.yml")).unwrap();
    let at = yml.find(&format!("uses: {action}@")).unwrap_or_else(|| panic!("action.yml uses no {action}"))
        + "uses: @".len()
        + action.len();
    let sha = &yml[at..at + 40];
    assert!(sha.bytes().all(|b| b.is_ascii_hexdigit()), "{action} is not pinned by a full commit: {sha}");
    sha.to_string()
}

/// A free port on 127.0.0.1 for act's artifact server (act takes no port 0).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `pull_request` `opened` payload as GitHub sends it (`@octokit/webhooks-examples`),
/// its base and head commits set to the temporary repository's.
fn pull_request_event(tools: &Path, base: &str, head: &str) -> Value {
    let index = tools.join("npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(index).unwrap()).unwrap();
    let mut event = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "pull_request")
        .flat_map(|e| e["examples"].as_array().unwrap())
        .find(|x| x["action"] == "opened")
        .expect("webhooks-examples has a pull_request opened payload")
        .clone();
    event["pull_request"]["base"]["sha"] = json!(base);
    event["pull_request"]["head"]["sha"] = json!(head);
    event
}

/// The temporary repository an act run works in, with its base commit made.
struct Repo {
    dir: tempfile::TempDir,
    base: String,
}

impl Repo {
    /// `./action`, `./demo` (testdata/demo plus testdata/action/depgate-pass.toml), `./app`
    /// (testdata/action/app) and the workflow `workflow` of testdata/action; `base_change`
    /// edits the tree before the base commit.
    fn new(workflow: &str, base_change: impl FnOnce(&Path)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        copy_dir(&root().join("action"), &repo.join("action"));
        copy_dir(&root().join("testdata/demo"), &repo.join("demo"));
        copy_dir(&root().join("testdata/action/app"), &repo.join("app"));
        std::fs::copy(root().join("testdata/action/depgate-pass.toml"), repo.join("demo/depgate-pass.toml")).unwrap();
        std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
        std::fs::copy(root().join("testdata/action").join(workflow), repo.join(".github/workflows").join(workflow))
            .unwrap();
        base_change(&repo);
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "base"]);
        let base = git(&repo, &["rev-parse", "HEAD"]);
        Self { dir, base }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// A commit on top of the base: the pull request's head.
    fn commit(&self, change: impl FnOnce(&Path)) {
        change(&self.path());
        git(&self.path(), &["add", "-A"]);
        git(&self.path(), &["commit", "-q", "-m", "head"]);
    }
}

/// What one act run left.
struct ActRun {
    code: i32,
    log: String,
    /// What the workflow's last step recorded (outcomes and outputs).
    result: Value,
    artifacts: PathBuf,
    seconds: f64,
}

impl ActRun {
    fn output(&self, key: &str) -> &str {
        self.result["outputs"][key].as_str().unwrap_or_else(|| panic!("no output {key}: {:#}", self.result))
    }

    /// A file of an uploaded artifact (act's artifact server keeps each upload as a zip).
    fn artifact_file(&self, name: &str, file: &str) -> String {
        let zip = find_file(&self.artifacts, &format!("{name}.zip"))
            .unwrap_or_else(|| panic!("no artifact {name} under {}:\n{}", self.artifacts.display(), self.log));
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
            ])
            .arg(&zip)
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{file} in {}:\n{}", zip.display(), text(&out));
        String::from_utf8(out.stdout).unwrap()
    }
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find_file(&p, name) {
                return Some(f);
            }
        } else if e.file_name() == name {
            return Some(p);
        }
    }
    None
}

/// Whether act and what the action needs on the host are there.
fn act_tools() -> Option<&'static Path> {
    let tools = tools()?;
    (have("node") && have("git") && have("jq")).then_some(tools)
}

/// `act pull_request` in `repo` with `workflow` (host mode, every server on 127.0.0.1),
/// the stand-ins for upload-artifact and cache, and `vars` as workflow variables.
fn act(tools: &Path, repo: &Repo, workflow: &str, vars: &[(&str, &str)]) -> ActRun {
    let work = repo.dir.path();
    let head = git(&repo.path(), &["rev-parse", "HEAD"]);
    let event = work.join("event.json");
    std::fs::write(&event, serde_json::to_vec_pretty(&pull_request_event(tools, &repo.base, &head)).unwrap()).unwrap();

    let upload = work.join("upload-artifact");
    copy_dir(&root().join("testdata/action/upload-artifact"), &upload);
    std::os::unix::fs::symlink(tools.join("npm/node_modules"), upload.join("node_modules")).unwrap();
    let cache = work.join("cache");
    copy_dir(&root().join("testdata/action/cache-unused"), &cache);
    let result = work.join("result.json");
    let artifacts = work.join("artifacts");

    let mut cmd = tool(tools, "act");
    cmd.current_dir(repo.path())
        .env("ACT_DISABLE_VERSION_CHECK", "1")
        .args(["pull_request", "-e"])
        .arg(&event)
        .args(["-P", "ubuntu-latest=-self-hosted", "-W"])
        .arg(format!(".github/workflows/{workflow}"))
        .arg("--artifact-server-path")
        .arg(&artifacts)
        .args(["--artifact-server-addr", "127.0.0.1", "--artifact-server-port", &free_port().to_string()])
        .arg("--no-cache-server")
        .arg("--action-cache-path")
        .arg(work.join("act-cache"))
        .arg("--local-repository")
        .arg(format!("actions/upload-artifact@{}={}", pinned("actions/upload-artifact"), upload.display()))
        .arg("--local-repository")
        .arg(format!("actions/cache@{}={}", pinned("actions/cache"), cache.display()))
        .arg("--env")
        .arg(format!("DEPGATE_CACHE_DIR={}", work.join("depgate-cache").display()))
        .args(["--env", "NO_COLOR=1", "-s", "GITHUB_TOKEN=token-the-tests-never-send"])
        .arg("--var")
        .arg(format!("DEPGATE_BINARY={}", env!("CARGO_BIN_EXE_depgate")))
        .arg("--var")
        .arg(format!("DEPGATE_RESULT_FILE={}", result.display()));
    for (k, v) in vars {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    let started = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let log = text(&out);
    stop_leftover_proxy(&work.join("act-cache"));
    let result = std::fs::read_to_string(&result).map_or_else(
        |_| panic!("the workflow's last step did not run:\n{log}"),
        |t| serde_json::from_str(&t).unwrap_or_else(|e| panic!("result.json: {e}: {t}")),
    );
    support::report(&format!("act {workflow} {vars:?}: exit {:?} in {seconds:.1} s", out.status.code()));
    ActRun { code: out.status.code().unwrap_or(-1), log, result, artifacts, seconds }
}

/// A proxy `mode: serve` started and no `mode: stop` ended (a failed run): end it by its pid.
fn stop_leftover_proxy(act_cache: &Path) {
    if let Some(ready) = find_file(act_cache, "serve.ready.json")
        && let Ok(text) = std::fs::read_to_string(ready)
        && let Some(pid) = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["pid"].as_u64())
    {
        let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    }
}

/// The counts outputs, in the order allow, warn, quarantine, deny, error.
fn counts(run: &ActRun) -> [&str; 5] {
    ["allow", "warn", "quarantine", "deny", "error"].map(|k| run.output(k))
}

/// The report folder's files are all in the uploaded artifact, and its decisions.json is
/// the one the outputs count.
fn assert_uploaded(run: &ActRun, name: &str, total: u64) {
    for file in ["decisions.json", "sbom.cdx.json", "sbom.spdx.json", "audit.jsonl", "results.sarif", "summary.md"] {
        assert!(!run.artifact_file(name, file).is_empty(), "{file} is empty in the artifact {name}");
    }
    let decisions: Value = serde_json::from_str(&run.artifact_file(name, "decisions.json")).unwrap();
    assert_eq!(decisions["counts"]["total"], total, "{:#}", decisions["counts"]);
    for (key, file) in
        [("sbom-cyclonedx", "sbom.cdx.json"), ("sbom-spdx", "sbom.spdx.json"), ("audit-log", "audit.jsonl")]
    {
        assert!(run.output(key).ends_with(&format!("/{file}")), "{key}: {}", run.output(key));
        assert!(run.output(key).starts_with(run.output("report-dir")), "{key} outside report-dir: {:#}", run.result);
    }
}

#[test]
fn act_passing_project_passes_with_outputs_summary_and_artifact() {
    let Some(tools) = act_tools() else { return };
    let repo = Repo::new("gate.yml", |_| {});
    let run = act(
        tools,
        &repo,
        "gate.yml",
        &[("DEPGATE_CONFIG", "demo/depgate-pass.toml"), ("DEPGATE_FAIL_ON", "warn"), ("DEPGATE_BASELINE", "none")],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(run.log.contains("Job succeeded"), "{}", run.log);
    assert_eq!(run.result["outcome"], "success", "{:#}", run.result);
    assert_eq!(run.output("decision"), "allow");
    assert_eq!(counts(&run), ["18", "0", "0", "0", "0"]);
    assert_eq!(run.output("failed"), "false");
    assert_eq!(run.output("baseline"), "");
    // act reads each step's GITHUB_STEP_SUMMARY and logs it: the report step wrote one.
    assert!(run.log.contains("Summary - ### depgate: 18 dependencies gated"), "no step summary:\n{}", run.log);
    assert_uploaded(&run, "depgate-report-act", 18);
    support::report(&format!("act passing run: {:.1} s", run.seconds));
}

#[test]
fn act_denied_project_fails_the_job_and_still_uploads() {
    let Some(tools) = act_tools() else { return };
    let repo = Repo::new("gate.yml", |_| {});
    let run = act(tools, &repo, "gate.yml", &[("DEPGATE_FAIL_ON", "deny"), ("DEPGATE_BASELINE", "none")]);
    assert_ne!(run.code, 0, "{}", run.log);
    assert!(run.log.contains("Job failed"), "{}", run.log);
    assert_eq!(run.result["outcome"], "failure", "{:#}", run.result);
    assert_eq!(run.output("decision"), "deny");
    assert_eq!(counts(&run), ["15", "0", "0", "3", "0"]);
    assert_eq!(run.output("failed"), "true");
    // Annotations on the lockfile lines, named relative to the workspace.
    assert!(run.log.contains("::error file=demo/package-lock.json,line="), "no annotation:\n{}", run.log);
    assert!(run.log.contains("Summary - ### depgate: 18 dependencies gated"), "no step summary:\n{}", run.log);
    assert_uploaded(&run, "depgate-report-act", 18);
}

#[test]
fn act_baseline_gates_only_what_the_pull_request_changes() {
    let Some(tools) = act_tools() else { return };
    let vars = [("DEPGATE_FAIL_ON", "deny"), ("DEPGATE_BASELINE", "auto")];

    // The squats were already on the base branch: reported, not gated.
    let repo = Repo::new("gate.yml", |_| {});
    repo.commit(|r| std::fs::write(r.join("demo/NOTES.md"), "a change that touches no lockfile\n").unwrap());
    let run = act(tools, &repo, "gate.yml", &vars);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.result["outcome"], "success", "{:#}", run.result);
    assert_eq!(run.output("decision"), "deny", "the report still shows the denials");
    assert_eq!(run.output("deny"), "3");
    assert_eq!(run.output("failed"), "false");
    assert!(run.output("baseline").ends_with("/decisions.json"), "{:#}", run.result);
    assert!(run.log.contains(&format!("depgate check of the base commit {}", repo.base)), "{}", run.log);
    assert!(run.log.contains("all 3 findings at or above deny were already on the base commit"), "{}", run.log);
    assert!(run.log.contains("Summary - ### depgate baseline"), "{}", run.log);

    // A base commit the clone lacks and cannot fetch (no remote here): a warning, and
    // every package is gated (fail closed).
    let mut repo = Repo::new("gate.yml", |_| {});
    repo.base = "0123456789abcdef0123456789abcdef01234567".to_string();
    let run = act(tools, &repo, "gate.yml", &vars);
    assert_ne!(run.code, 0, "{}", run.log);
    assert_eq!(run.output("failed"), "true");
    assert_eq!(run.output("baseline"), "");
    assert!(run.log.contains("could not be fetched: no baseline, every package is gated"), "{}", run.log);

    // The base had the npm squat only; the pull request adds the Python and Maven
    // lockfiles with theirs: two new denials fail the job, the old one is marked as such.
    let repo = Repo::new("gate.yml", |r| {
        std::fs::remove_dir_all(r.join("demo/python")).unwrap();
        std::fs::remove_dir_all(r.join("demo/jvm")).unwrap();
    });
    repo.commit(|r| {
        copy_dir(&root().join("testdata/demo/python"), &r.join("demo/python"));
        copy_dir(&root().join("testdata/demo/jvm"), &r.join("demo/jvm"));
    });
    let run = act(tools, &repo, "gate.yml", &vars);
    assert_ne!(run.code, 0, "{}", run.log);
    assert_eq!(run.result["outcome"], "failure", "{:#}", run.result);
    assert_eq!(counts(&run), ["15", "0", "0", "3", "0"]);
    assert_eq!(run.output("failed"), "true");
    assert!(run.output("baseline").ends_with("/decisions.json"), "{:#}", run.result);
    assert!(run.log.contains("2 of 3 findings at or above deny are new in this change"), "{}", run.log);
    assert!(run.log.contains("| `pkg:npm/%40acme/logger@9.0.0` | deny | deny | not-found-in-owner |"), "{}", run.log);
    for new in ["pkg:pypi/acme-billing@9.0.0", "pkg:maven/com.acme/acme-payments@9.0.0"] {
        assert!(!run.log.contains(&format!("| `{new}` | deny | deny |")), "{new} marked as old:\n{}", run.log);
    }
}

#[test]
fn act_serve_then_stop_proxies_npm_ci_and_reports_it() {
    let Some(tools) = act_tools() else { return };
    let repo = Repo::new("serve.yml", |_| {});
    let run = act(tools, &repo, "serve.yml", &[("DEPGATE_CONFIG", "")]);
    assert_eq!(run.code, 0, "{}", run.log);
    let r = &run.result;
    assert_eq!(r["proxy_outcome"], "success", "{r:#}");
    assert_eq!(r["stop_outcome"], "success", "{r:#}");
    let url = r["proxy"]["proxy-url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{r:#}");
    assert_eq!(r["npm_config_registry"], format!("{url}/npm/"), "{r:#}");
    assert_eq!(r["pip_index_url"], format!("{url}/pypi/simple/"), "{r:#}");
    for key in ["maven-settings", "gradle-init"] {
        assert!(!r["proxy"][key].as_str().unwrap().is_empty(), "{key}: {r:#}");
    }
    assert_eq!(r["stop"]["decision"], "allow", "{r:#}");
    assert_eq!(r["stop"]["allow"], "2", "{r:#}");
    assert!(run.log.contains("depgate serve: stopped; 2 files decided"), "{}", run.log);
    let decisions: Value = serde_json::from_str(&run.artifact_file("depgate-serve-report", "decisions.json")).unwrap();
    let mut purls: Vec<&str> =
        decisions["decisions"].as_array().unwrap().iter().map(|d| d["package"]["purl"].as_str().unwrap()).collect();
    purls.sort_unstable();
    assert_eq!(purls, ["pkg:npm/is-number@7.0.0", "pkg:npm/left-pad@1.3.0"]);
    assert!(!run.artifact_file("depgate-serve-report", "audit.jsonl").is_empty());
}

#[test]
fn act_stop_after_a_refused_install_reports_it_and_fails() {
    let Some(tools) = act_tools() else { return };
    // A cooldown longer than any package's age holds back every fallback (public) version;
    // the app's lockfile also pins ms@2.1.3, which only the public folder has. The proxy
    // refuses it (403, quarantined), npm ci fails, and `mode: stop` under `if: always()`
    // still stops the proxy, reports the quarantine and fails (`fail-on: quarantine`).
    let repo = Repo::new("serve.yml", |r| {
        let demo = std::fs::read_to_string(r.join("demo/depgate.toml")).unwrap();
        let cooldown = demo.replacen("quarantine_days = 7", "quarantine_days = 36500", 1);
        assert_ne!(cooldown, demo, "testdata/demo/depgate.toml sets quarantine_days = 7");
        std::fs::write(r.join("demo/depgate-cooldown.toml"), cooldown).unwrap();
        let file = r.join("app/package-lock.json");
        let mut lock: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        lock["packages"][""]["dependencies"]["ms"] = json!("2.1.3");
        lock["packages"]["node_modules/ms"] = json!({
            "version": "2.1.3",
            "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
            "integrity": demo_integrity("node_modules/ms"),
        });
        std::fs::write(&file, serde_json::to_vec_pretty(&lock).unwrap()).unwrap();
        let file = r.join("app/package.json");
        let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        manifest["dependencies"]["ms"] = json!("2.1.3");
        std::fs::write(&file, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    });
    let run = act(tools, &repo, "serve.yml", &[("DEPGATE_CONFIG", "demo/depgate-cooldown.toml")]);
    assert_ne!(run.code, 0, "{}", run.log);
    let r = &run.result;
    assert_eq!(r["proxy_outcome"], "success", "{r:#}");
    assert_eq!(r["npm_outcome"], "failure", "{r:#}");
    assert!(run.log.contains("403 Forbidden") && run.log.contains("fallback-cooldown"), "{}", run.log);
    assert_eq!(r["stop_outcome"], "failure", "{r:#}");
    assert_eq!(r["stop"]["decision"], "quarantine", "{r:#}");
    assert_eq!(r["stop"]["quarantine"], "1", "{r:#}");
    assert_eq!(r["stop"]["failed"], "true", "{r:#}");
    let decisions: Value = serde_json::from_str(&run.artifact_file("depgate-serve-report", "decisions.json")).unwrap();
    let held: Vec<&str> = decisions["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["decision"] == "quarantine")
        .map(|d| d["package"]["purl"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["pkg:npm/ms@2.1.3"], "{decisions:#}");
}

/// The `integrity` testdata/demo's package-lock.json records for `key`.
fn demo_integrity(key: &str) -> String {
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("testdata/demo/package-lock.json")).unwrap())
            .unwrap();
    lock["packages"][key]["integrity"].as_str().unwrap().to_string()
}
