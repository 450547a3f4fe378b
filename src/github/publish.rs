//! What `depgate github report` posts through the API: the `depgate` check run (created with
//! the first 50 annotations, the rest appended 50 at a time, as the Checks API requires) and
//! the sticky pull-request comment (found by [`COMMENT_MARKER`], updated in place with
//! PATCH, else created). Request bodies are built by pure functions; the `async` functions
//! only send them.

use serde_json::{Value, json};

use super::api::{Api, ApiError};
use super::markdown::COMMENT_MARKER;
use super::runner::{annotation_message, annotation_title};
use super::{Level, ReportedPackage, Tally};

/// The check run's name.
pub const CHECK_NAME: &str = "depgate";
/// Annotations per check-run request (the Checks API's limit).
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// Annotations per check run: 20 requests. GitHub's secondary rate limits allow about 80
/// content-creating requests a minute; every package is in the summary and the report anyway.
pub const MAX_ANNOTATIONS: usize = 1_000;
/// Longest check-run summary GitHub accepts (characters; rendered within as many bytes).
pub const CHECK_SUMMARY_LIMIT: usize = 65_535;
/// Room for the comment body (GitHub accepts 65,536 characters).
pub const COMMENT_LIMIT: usize = 65_000;
const TITLE_LIMIT: usize = 255;
const MESSAGE_LIMIT: usize = 64 * 1024 - 1;

/// `owner/name` of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Parse `GITHUB_REPOSITORY` (`owner/name`; only the characters GitHub allows).
    pub fn parse(s: &str) -> Option<Self> {
        let (owner, name) = s.split_once('/')?;
        let ok =
            |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        (ok(owner) && ok(name) && name != "." && name != "..")
            .then(|| Self { owner: owner.to_string(), name: name.to_string() })
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.owner, self.name)
    }
}

/// The commit to attach the check run to and the pull request to comment on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub sha: Option<String>,
    pub pull_request: Option<u64>,
}

impl Target {
    /// From the event payload: a pull request's head commit and number (`GITHUB_SHA` is
    /// the merge commit there), else a push's `after`, else `GITHUB_SHA`.
    pub fn of(payload: Option<&Value>, github_sha: Option<&str>) -> Self {
        let fallback = github_sha.filter(|s| !s.is_empty()).map(str::to_string);
        let Some(p) = payload else { return Self { sha: fallback, pull_request: None } };
        if let Some(pr) = p.get("pull_request").filter(|v| v.is_object()) {
            return Self {
                sha: pr["head"]["sha"].as_str().map(str::to_string).or(fallback),
                pull_request: pr["number"].as_u64().or_else(|| p["number"].as_u64()),
            };
        }
        let after = p["after"].as_str().filter(|s| !s.is_empty() && !s.bytes().all(|b| b == b'0'));
        Self { sha: after.map(str::to_string).or(fallback), pull_request: None }
    }
}

/// The check run's conclusion: `failure` when the step fails, `neutral` when something is
/// not allowed but below `--fail-on`, else `success`.
pub fn conclusion(outcome: &Tally) -> &'static str {
    if outcome.failed {
        "failure"
    } else if outcome.worst > Level::Allow {
        "neutral"
    } else {
        "success"
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Check-run annotations for the packages that are not allowed and whose lockfile is in the
/// workspace (the API needs a path): `failure` for deny and error, `warning` otherwise; the
/// most severe first (advisories first among equals), at most [`MAX_ANNOTATIONS`].
pub fn annotations(entries: &[ReportedPackage], paths: &[Option<String>]) -> Vec<Value> {
    let mut order: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].decision != Level::Allow).collect();
    // Most severe first; among equals, those an advisory decided first.
    order.sort_by_key(|&i| (std::cmp::Reverse(entries[i].decision), !entries[i].by_advisory()));
    order
        .into_iter()
        .filter_map(|i| {
            let e = &entries[i];
            let path = paths.get(i)?.as_ref()?;
            let level = if e.decision >= Level::Deny { "failure" } else { "warning" };
            let line = e.line.max(1);
            Some(json!({
                "path": path,
                "start_line": line,
                "end_line": line,
                "annotation_level": level,
                "title": clip(&annotation_title(e), TITLE_LIMIT),
                "message": clip(&annotation_message(e), MESSAGE_LIMIT),
            }))
        })
        .take(MAX_ANNOTATIONS)
        .collect()
}

/// The create request (first 50 annotations) and the update requests (50 more each).
pub fn check_run_requests(
    sha: &str,
    outcome: &Tally,
    summary: &str,
    annotations: &[Value],
    details_url: Option<&str>,
) -> (Value, Vec<Value>) {
    let title = format!("depgate: {}", outcome.headline());
    let mut chunks = annotations.chunks(ANNOTATIONS_PER_REQUEST);
    let first = chunks.next().unwrap_or(&[]);
    let mut create = json!({
        "name": CHECK_NAME,
        "head_sha": sha,
        "status": "completed",
        "conclusion": conclusion(outcome),
        "output": {"title": title, "summary": summary, "annotations": first},
    });
    if let Some(url) = details_url {
        create["details_url"] = json!(url);
    }
    let updates = chunks.map(|c| json!({"output": {"title": title, "summary": summary, "annotations": c}})).collect();
    (create, updates)
}

/// The posted check run.
#[derive(Debug, Clone)]
pub struct PostedCheckRun {
    pub id: u64,
    pub html_url: Option<String>,
    /// Requests sent: one create and the updates.
    pub requests: usize,
}

/// Create the check run, then append the remaining annotations.
pub async fn post_check_run(
    api: &Api,
    repo: &Repo,
    create: &Value,
    updates: &[Value],
) -> Result<PostedCheckRun, ApiError> {
    let reply = api.post(&repo.path("check-runs"), create).await?;
    let id = reply.body["id"]
        .as_u64()
        .ok_or_else(|| ApiError::Status { status: reply.status, message: "the created check run has no id".into() })?;
    let html_url = reply.body["html_url"].as_str().map(str::to_string);
    for u in updates {
        api.patch(&repo.path(&format!("check-runs/{id}")), u).await?;
    }
    Ok(PostedCheckRun { id, html_url, requests: 1 + updates.len() })
}

/// `--comment`: when to post the sticky comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentMode {
    OnFailure,
    Always,
    Never,
}

/// What to do with the sticky comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAction {
    Create,
    Update(u64),
    Skip,
}

/// `on-failure` posts only when failing, but a comment left by an earlier failing run is
/// updated to say the pull request passes now.
pub fn comment_action(mode: CommentMode, failed: bool, existing: Option<u64>) -> CommentAction {
    match (mode, existing) {
        (CommentMode::Never, _) => CommentAction::Skip,
        (_, Some(id)) => CommentAction::Update(id),
        (CommentMode::Always, None) => CommentAction::Create,
        (CommentMode::OnFailure, None) if failed => CommentAction::Create,
        (CommentMode::OnFailure, None) => CommentAction::Skip,
    }
}

/// The id of depgate's comment on the pull request (the first with the marker), reading
/// every page of comments.
pub async fn find_comment(api: &Api, repo: &Repo, pr: u64) -> Result<Option<u64>, ApiError> {
    let mut page = 1;
    loop {
        let reply = api.get(&repo.path(&format!("issues/{pr}/comments?per_page=100&page={page}"))).await?;
        let comments = reply.body.as_array().cloned().unwrap_or_default();
        if let Some(c) = comments.iter().find(|c| c["body"].as_str().is_some_and(|b| b.contains(COMMENT_MARKER))) {
            return Ok(c["id"].as_u64());
        }
        match reply.next_page {
            Some(next) if next > page && !comments.is_empty() => page = next,
            _ => return Ok(None),
        }
    }
}

/// Create or update the comment; its `html_url`.
pub async fn write_comment(
    api: &Api,
    repo: &Repo,
    pr: u64,
    action: CommentAction,
    body: &str,
) -> Result<Option<String>, ApiError> {
    let reply = match action {
        CommentAction::Skip => return Ok(None),
        CommentAction::Create => api.post(&repo.path(&format!("issues/{pr}/comments")), &json!({"body": body})).await?,
        CommentAction::Update(id) => {
            api.patch(&repo.path(&format!("issues/comments/{id}")), &json!({"body": body})).await?
        }
    };
    Ok(reply.body["html_url"].as_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_payloads_give_the_head_commit() {
        let pr = json!({"number": 7, "pull_request": {"number": 7, "head": {"sha": "abc"}}});
        assert_eq!(Target::of(Some(&pr), Some("merge")), Target { sha: Some("abc".into()), pull_request: Some(7) });
        let push = json!({"after": "def", "before": "0000"});
        assert_eq!(Target::of(Some(&push), Some("x")), Target { sha: Some("def".into()), pull_request: None });
        let deleted = json!({"after": "0000000000000000000000000000000000000000"});
        assert_eq!(Target::of(Some(&deleted), Some("x")).sha.as_deref(), Some("x"));
        assert_eq!(Target::of(None, None), Target::default());
    }

    #[test]
    fn sticky_comment_actions() {
        use CommentAction::{Create, Skip, Update};
        use CommentMode::{Always, Never, OnFailure};
        assert_eq!(comment_action(OnFailure, true, None), Create);
        assert_eq!(comment_action(OnFailure, false, None), Skip);
        assert_eq!(comment_action(OnFailure, false, Some(3)), Update(3));
        assert_eq!(comment_action(Always, false, None), Create);
        assert_eq!(comment_action(Never, true, Some(3)), Skip);
        assert_eq!(Repo::parse("o/r.git"), Some(Repo { owner: "o".into(), name: "r.git".into() }));
        assert_eq!(Repo::parse("o/../x"), None);
    }
}
