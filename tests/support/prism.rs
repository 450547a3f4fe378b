//! A contract-faithful GitHub REST API double for `depgate github report`.
//!
//! GitHub's own `OpenAPI` description (npm `@octokit/openapi`) is trimmed to the operations
//! depgate uses and served by Stoplight Prism (npm `@stoplight/prism-cli`): `prism mock`
//! validates requests (a bad annotation level or more than 50 annotations gets 422), and
//! `prism proxy --errors` in front of [`FakeGitHub`] (a small stateful fake on 127.0.0.1)
//! validates requests and the fake's responses, so the fake cannot drift from the contract.
//! Real event payloads come from npm `@octokit/webhooks-examples`.
//!
//! The npm packages are installed once into `target/tmp/github-double/` (or
//! `$DEPGATE_GITHUB_DOUBLE_DIR`) and reused. Without node/npm, [`tools`] prints a SKIPPED
//! line and returns `None` (under `DEPGATE_REQUIRE_TOOLS=1` it fails instead).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::support::server::Server;

/// Pinned versions of the double's npm packages.
pub const PACKAGES: &[&str] =
    &["@stoplight/prism-cli@5.16.0", "@octokit/openapi@23.0.2", "@octokit/webhooks-examples@7.6.1"];

/// The operations `depgate github report` calls: (path, method).
pub const OPERATIONS: &[(&str, &str)] = &[
    ("/repos/{owner}/{repo}/check-runs", "post"),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", "patch"),
];

/// The installed double: the prism executable, the trimmed spec and the webhook examples.
pub struct Tools {
    pub prism: PathBuf,
    pub spec: PathBuf,
    pub examples: PathBuf,
}

fn double_dir() -> PathBuf {
    std::env::var_os("DEPGATE_GITHUB_DOUBLE_DIR")
        .map_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("github-double"), PathBuf::from)
}

/// Install (once) and return the double, or `None` with a SKIPPED line when node or npm is
/// missing.
pub fn tools() -> Option<&'static Tools> {
    static TOOLS: OnceLock<Option<Tools>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            if !crate::support::served::have("node", "--version") || !crate::support::served::have("npm", "--version") {
                return None;
            }
            Some(install())
        })
        .as_ref()
}

fn install() -> Tools {
    let dir = double_dir();
    let spec = dir.join("github-trimmed.json");
    let prism = dir.join("node_modules/.bin/prism");
    let examples = dir.join("node_modules/@octokit/webhooks-examples/api.github.com/index.json");
    let stamp = dir.join("installed.txt");
    let want = PACKAGES.join(" ");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(want.as_str()) || !prism.exists() {
        let started = Instant::now();
        // Another test process may install at the same time: each installs into its own
        // folder and renames it into place; the loser's folder is removed.
        let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("package.json"), r#"{"name":"depgate-github-double","private":true}"#).unwrap();
        let out = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact"])
            .args(PACKAGES)
            .current_dir(&tmp)
            .output()
            .expect("npm runs");
        assert!(
            out.status.success(),
            "npm install of the GitHub double failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let full: Value = serde_json::from_slice(
            &std::fs::read(tmp.join("node_modules/@octokit/openapi/generated/api.github.com.json")).unwrap(),
        )
        .unwrap();
        std::fs::write(tmp.join("github-trimmed.json"), serde_json::to_vec_pretty(&trim(&full)).unwrap()).unwrap();
        // The full descriptions (~400 MB, every GitHub edition) are not needed any more.
        let _ = std::fs::remove_dir_all(tmp.join("node_modules/@octokit/openapi"));
        std::fs::write(tmp.join("installed.txt"), &want).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        crate::support::report(&format!("github double: installed {want} in {:.1}s", started.elapsed().as_secs_f64()));
    }
    assert!(prism.exists() && spec.exists(), "the GitHub double is not in {}", dir.display());
    Tools { prism, spec, examples }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Every response content with `application/json` also as `application/vnd.github+json`,
/// the media type GitHub recommends clients ask for (Prism negotiates on `Accept`).
fn add_github_media_type(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(content)) = m.get_mut("content")
                && let Some(json) = content.get("application/json").cloned()
            {
                content.entry("application/vnd.github+json").or_insert(json);
            }
            m.values_mut().for_each(add_github_media_type);
        }
        Value::Array(a) => a.iter_mut().for_each(add_github_media_type),
        _ => {}
    }
}

/// GitHub's description cut down to [`OPERATIONS`] and the components they reference.
pub fn trim(full: &Value) -> Value {
    let mut out = json!({
        "openapi": full["openapi"], "info": full["info"], "servers": full["servers"], "paths": {}, "components": {}
    });
    let mut queue = Vec::new();
    for (path, method) in OPERATIONS {
        let op = full["paths"][path][method].clone();
        assert!(op.is_object(), "{method} {path} is not in GitHub's description");
        collect_refs(&op, &mut queue);
        out["paths"][path][method] = op;
    }
    let mut seen = BTreeSet::new();
    while let Some(r) = queue.pop() {
        if seen.insert(r.clone()) {
            let target = full.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling {r}"));
            collect_refs(target, &mut queue);
        }
    }
    for r in &seen {
        let parts: Vec<&str> = r.trim_start_matches("#/").split('/').collect();
        assert_eq!((parts.len(), parts[0]), (3, "components"), "unexpected reference {r}");
        out["components"][parts[1]][parts[2]] = full.pointer(r.trim_start_matches('#')).unwrap().clone();
    }
    add_github_media_type(&mut out["paths"]);
    add_github_media_type(&mut out["components"]);
    out
}

/// A real `pull_request` webhook payload (`action`: opened, synchronize, …).
pub fn pull_request_payload(tools: &Tools, action: &str) -> Value {
    webhook_examples(tools, "pull_request").into_iter().find(|e| e["action"] == action).unwrap()
}

/// A real `push` webhook payload (a branch push: `after` is a commit).
pub fn push_payload(tools: &Tools) -> Value {
    webhook_examples(tools, "push")
        .into_iter()
        .find(|e| e["after"].as_str().is_some_and(|a| !a.starts_with("0000")))
        .unwrap()
}

fn webhook_examples(tools: &Tools, event: &str) -> Vec<Value> {
    let all: Value = serde_json::from_slice(&std::fs::read(&tools.examples).unwrap()).unwrap();
    let events = all.as_array().unwrap().iter().find(|e| e["name"] == event).unwrap();
    events["examples"].as_array().unwrap().clone()
}

/// A running Prism, killed on drop.
pub struct Prism {
    child: Child,
    pub url: String,
    log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Prism {
    /// `prism mock`: answers from the examples, rejects invalid requests with 422.
    pub fn mock(tools: &Tools, dir: &Path) -> Self {
        Self::start(tools, dir, &["mock"], &[])
    }

    /// `prism proxy --errors` in front of `upstream`: invalid requests get 422 without
    /// reaching it, invalid responses become 500.
    pub fn proxy(tools: &Tools, dir: &Path, upstream: &str) -> Self {
        Self::start(tools, dir, &["proxy"], &[upstream, "--errors"])
    }

    fn start(tools: &Tools, dir: &Path, mode: &[&str], extra: &[&str]) -> Self {
        let started = Instant::now();
        for _ in 0..3 {
            let port = free_port();
            let log = dir.join(format!("prism-{port}.log"));
            let child = Command::new(&tools.prism)
                .args(mode)
                .arg(&tools.spec)
                .args(extra)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(Stdio::from(std::fs::File::options().append(true).open(&log).unwrap()))
                .spawn()
                .expect("prism starts");
            let mut prism = Self { child, url: format!("http://127.0.0.1:{port}"), log };
            while started.elapsed() < Duration::from_secs(90) {
                let text = prism.log();
                if text.contains("Prism is listening") {
                    crate::support::report(&format!(
                        "prism {}: ready in {:.1}s",
                        mode[0],
                        started.elapsed().as_secs_f64()
                    ));
                    return prism;
                }
                if prism.child.try_wait().unwrap().is_some() {
                    break; // the port was taken meanwhile, or a real failure: try again
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            eprintln!("prism did not start:\n{}", prism.log());
        }
        panic!("prism did not start");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Lines where Prism reported a request or response that breaks the contract (errors,
    /// and warnings other than an undocumented status code, which GitHub does answer).
    pub fn violations(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("Violation") || l.contains("terminated with error") || l.contains("UNPROCESSABLE"))
            .filter(|l| !l.contains("Unable to match the returned status code"))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request the fake received (so one that Prism validated and forwarded).
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub authorization: Option<String>,
}

#[derive(Default)]
struct FakeState {
    examples: BTreeMap<String, Value>,
    seen: Vec<Seen>,
    next_id: u64,
    /// Check runs by id: (create body, every annotation received).
    check_runs: BTreeMap<u64, (Value, Vec<Value>)>,
    /// Comments: (id, repo, issue, body).
    comments: Vec<(u64, String, u64, String)>,
    /// Repositories that have already been answered "rate limited" once.
    limited: BTreeSet<String>,
}

/// A stateful GitHub for the five operations. Repositories named `readonly` answer 403 to
/// writes, `rejects` answers 422 to check-run creation, `ratelimited` and
/// `ratelimited-reset` answer the first request with a secondary / primary rate limit.
pub struct FakeGitHub {
    state: Arc<Mutex<FakeState>>,
    server: Server,
}

impl FakeGitHub {
    /// Start with the response examples of the trimmed spec (so the responses have every
    /// field the contract requires).
    pub fn start(tools: &Tools) -> Self {
        let spec: Value = serde_json::from_slice(&std::fs::read(&tools.spec).unwrap()).unwrap();
        let mut state = FakeState { next_id: 1000, ..FakeState::default() };
        for name in ["check-run", "issue-comment"] {
            state.examples.insert(name.into(), spec["components"]["examples"][name]["value"].clone());
        }
        let state = Arc::new(Mutex::new(state));
        let app = Router::new().fallback(handle).with_state(state.clone());
        Self { state, server: Server::start("127.0.0.1:0", app) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Every check run: (create body, all its annotations in order).
    pub fn check_runs(&self) -> Vec<(Value, Vec<Value>)> {
        self.state.lock().unwrap().check_runs.values().cloned().collect()
    }

    /// The comments on one pull request: (id, body).
    pub fn comments(&self, repo: &str, issue: u64) -> Vec<(u64, String)> {
        let s = self.state.lock().unwrap();
        s.comments.iter().filter(|c| c.1 == repo && c.2 == issue).map(|c| (c.0, c.3.clone())).collect()
    }

    /// Add someone else's comment.
    pub fn add_comment(&self, repo: &str, issue: u64, body: &str) {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push((id, repo.to_string(), issue, body.to_string()));
    }
}

fn reply(status: u16, body: &Value, headers: &[(&'static str, String)]) -> Response {
    let mut r = (StatusCode::from_u16(status).unwrap(), body.to_string()).into_response();
    r.headers_mut().insert("content-type", "application/json; charset=utf-8".parse().unwrap());
    for (k, v) in headers {
        r.headers_mut().insert(*k, v.parse().unwrap());
    }
    r
}

fn basic_error(status: u16, message: &str, doc: &str) -> Response {
    reply(
        status,
        &json!({"message": message, "documentation_url": format!("https://docs.github.com/rest/{doc}"), "status": status.to_string()}),
        &[],
    )
}

fn comment_json(s: &FakeState, id: u64, repo: &str, issue: u64, body: &str) -> Value {
    let mut c = s.examples["issue-comment"].clone();
    c["id"] = json!(id);
    c["body"] = json!(body);
    c["url"] = json!(format!("https://api.github.com/repos/{repo}/issues/comments/{id}"));
    c["html_url"] = json!(format!("https://github.com/{repo}/pull/{issue}#issuecomment-{id}"));
    c["issue_url"] = json!(format!("https://api.github.com/repos/{repo}/issues/{issue}"));
    c["user"]["login"] = json!("github-actions[bot]");
    c["user"]["type"] = json!("Bot");
    c
}

fn check_run_json(s: &FakeState, id: u64, repo: &str, create: &Value, annotations: usize) -> Value {
    let mut c = s.examples["check-run"].clone();
    c["id"] = json!(id);
    c["name"] = create["name"].clone();
    c["head_sha"] = create["head_sha"].clone();
    c["status"] = json!("completed");
    c["conclusion"] = create["conclusion"].clone();
    c["html_url"] = json!(format!("https://github.com/{repo}/runs/{id}"));
    c["url"] = json!(format!("https://api.github.com/repos/{repo}/check-runs/{id}"));
    c["output"]["title"] = create["output"]["title"].clone();
    c["output"]["summary"] = create["output"]["summary"].clone();
    c["output"]["annotations_count"] = json!(annotations);
    c
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap_or(Value::Null) };
    let mut s = state.lock().unwrap();
    s.seen.push(Seen {
        method: method.to_string(),
        path: uri.to_string(),
        body: body.clone(),
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string),
    });
    let parts: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if parts.len() < 4 || parts[0] != "repos" {
        return basic_error(404, "Not Found", "");
    }
    let repo = format!("{}/{}", parts[1], parts[2]);
    let name = parts[2];
    // Rate limits: the first request of these repositories is refused once.
    if name.starts_with("ratelimited") && s.limited.insert(repo.clone()) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        return if name == "ratelimited-reset" {
            reply(
                403,
                &json!({"message": "API rate limit exceeded for installation ID 1.", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}),
                &[
                    ("x-ratelimit-limit", "5000".into()),
                    ("x-ratelimit-remaining", "0".into()),
                    ("x-ratelimit-reset", (now + 1).to_string()),
                ],
            )
        } else {
            reply(
                429,
                &json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}),
                &[("retry-after", "1".into())],
            )
        };
    }
    if name == "readonly" && method != Method::GET {
        return basic_error(403, "Resource not accessible by integration", "checks/runs#create-a-check-run");
    }
    match (method.as_str(), &parts[3..]) {
        ("POST", ["check-runs"]) => {
            if name == "rejects" {
                let sha = body["head_sha"].as_str().unwrap_or("");
                return basic_error(422, &format!("No commit found for SHA: {sha}"), "checks/runs#create-a-check-run");
            }
            s.next_id += 1;
            let id = s.next_id;
            let annotations = body["output"]["annotations"].as_array().cloned().unwrap_or_default();
            let out = check_run_json(&s, id, &repo, &body, annotations.len());
            s.check_runs.insert(id, (body, annotations));
            reply(201, &out, &[])
        }
        ("PATCH", ["check-runs", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let Some((create, mut all)) = s.check_runs.get(&id).cloned() else {
                return basic_error(404, "Not Found", "checks/runs#update-a-check-run");
            };
            all.extend(body["output"]["annotations"].as_array().cloned().unwrap_or_default());
            let out = check_run_json(&s, id, &repo, &create, all.len());
            s.check_runs.insert(id, (create, all));
            reply(200, &out, &[])
        }
        ("GET", ["issues", issue, "comments"]) => {
            let issue: u64 = issue.parse().unwrap_or(0);
            let per_page: usize = query.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
            let page: usize = query.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
            let all: Vec<Value> = s
                .comments
                .iter()
                .filter(|c| c.1 == repo && c.2 == issue)
                .map(|c| comment_json(&s, c.0, &repo, issue, &c.3))
                .collect();
            let pages = all.len().div_ceil(per_page).max(1);
            let shown: Vec<Value> = all.into_iter().skip((page - 1) * per_page).take(per_page).collect();
            let mut link = Vec::new();
            let url = |p: usize| {
                format!("https://api.github.com/repositories/1/issues/{issue}/comments?per_page={per_page}&page={p}")
            };
            if page < pages {
                link.push(format!("<{}>; rel=\"next\", <{}>; rel=\"last\"", url(page + 1), url(pages)));
            }
            let headers: Vec<(&'static str, String)> = link.into_iter().map(|l| ("link", l)).collect();
            reply(200, &Value::Array(shown), &headers)
        }
        ("POST", ["issues", issue, "comments"]) => {
            let issue: u64 = issue.parse().unwrap_or(0);
            s.next_id += 1;
            let id = s.next_id;
            let text = body["body"].as_str().unwrap_or("").to_string();
            s.comments.push((id, repo.clone(), issue, text.clone()));
            let out = comment_json(&s, id, &repo, issue, &text);
            reply(201, &out, &[])
        }
        ("PATCH", ["issues", "comments", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let text = body["body"].as_str().unwrap_or("").to_string();
            let Some(c) = s.comments.iter_mut().find(|c| c.0 == id && c.1 == repo) else {
                return basic_error(404, "Not Found", "issues/comments#update-an-issue-comment");
            };
            c.3.clone_from(&text);
            let issue = c.2;
            let out = comment_json(&s, id, &repo, issue, &text);
            reply(200, &out, &[])
        }
        _ => basic_error(404, "Not Found", ""),
    }
}
