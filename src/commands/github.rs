//! `depgate github report`: read the report folder of `depgate check` and carry it into
//! GitHub: annotations (workflow commands on stdout), the step summary, the step outputs,
//! the `depgate` check run and the sticky pull-request comment.
//!
//! Exit status: 1 when a decision is at or above `--fail-on`, else 0; 2 when the report
//! cannot be read; 3 when GitHub refused or failed a request for another reason than
//! permissions. A token that may not post (a fork's read-only token) or no token at all
//! only gives a warning: the summary, outputs and annotations are written regardless.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{CommentArg, FailOnArg, GithubArgs, GithubCommand, GithubReportArgs};
use crate::exit::{CommandError, ExitStatus};
use crate::github::api::{Api, ApiError, DEFAULT_API_URL, DEFAULT_MAX_WAIT};
use crate::github::markdown::{self, COMMENT_MARKER, Context};
use crate::github::publish::{self, CommentAction, CommentMode, Repo, Target};
use crate::github::{FailOn, Report, Tally, env, runner, workspace_path};

pub async fn run(args: GithubArgs) -> Result<ExitStatus, CommandError> {
    match args.command {
        GithubCommand::Report(args) => report(args).await,
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Something the API part could not do.
struct Problem {
    /// A permission problem (warning, the exit status is left alone) or a failure (error, exit 3).
    permission: bool,
    text: String,
}

const PERMISSIONS_HELP: &str = "the job needs `permissions: checks: write` for the check run and \
`pull-requests: write` for the comment; a pull request from a fork gets a read-only token, so there the \
results are in this step's summary and annotations only";

fn problem(what: &str, e: &ApiError) -> Problem {
    match e {
        ApiError::Permission { .. } => Problem {
            permission: true,
            text: format!("could not {what}: {e}. The token may not do this: {PERMISSIONS_HELP}"),
        },
        _ => Problem { permission: false, text: format!("could not {what}: {e}") },
    }
}

async fn report(args: GithubReportArgs) -> Result<ExitStatus, CommandError> {
    let fail_on = match args.fail_on {
        FailOnArg::Deny => FailOn::Deny,
        FailOnArg::Quarantine => FailOn::Quarantine,
        FailOnArg::Warn => FailOn::Warn,
        FailOnArg::Never => FailOn::Never,
    };
    let mode = match args.comment {
        CommentArg::OnFailure => CommentMode::OnFailure,
        CommentArg::Always => CommentMode::Always,
        CommentArg::Never => CommentMode::Never,
    };
    let report = Report::load(&args.report).map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let workspace = var(env::GITHUB_WORKSPACE).map_or_else(|| cwd.clone(), PathBuf::from);
    let paths: Vec<Option<String>> =
        report.entries.iter().map(|e| workspace_path(&e.lockfile, &cwd, &workspace)).collect();
    let outcome = Tally::of(&report.entries, fail_on);
    let run_url = match (
        var(crate::env::GITHUB_SERVER_URL),
        var(crate::env::GITHUB_REPOSITORY),
        var(crate::env::GITHUB_RUN_ID),
    ) {
        (Some(server), Some(repo), Some(id)) => {
            Some(format!("{}/{repo}/actions/runs/{id}", server.trim_end_matches('/')))
        }
        _ => None,
    };
    let ctx = Context {
        paths: paths.clone(),
        run_url: run_url.clone(),
        report_name: args.report.display().to_string(),
        list_allowed: true,
    };
    let token = var(env::GITHUB_TOKEN);

    // Workflow commands and the verdict on stdout.
    let mut out = Vec::new();
    if let Some(t) = &token
        && var(env::GITHUB_ACTIONS).as_deref() == Some("true")
    {
        // As `core.setSecret` does: the runner consumes the command and hides the value from
        // the log from then on. Outside Actions nothing would consume it, so nothing is printed.
        let _ = writeln!(out, "::add-mask::{t}");
    }
    if args.annotations {
        runner::write_annotations(&mut out, &report.entries, &paths).map_err(io_failure)?;
    }
    let _ = writeln!(out, "{}", plain(&markdown::verdict(&outcome)));
    print_flush(&out);

    let summary_file = var(env::GITHUB_STEP_SUMMARY).filter(|_| args.summary).map(PathBuf::from);
    if let Some(file) = &summary_file {
        let existing = std::fs::metadata(file).map_or(0, |m| m.len());
        let text = markdown::render("", &report.entries, &outcome, &ctx, runner::summary_budget(existing));
        runner::append(file, text.as_bytes())
            .map_err(|e| CommandError::failure(format!("error: cannot append to {}: {e}", file.display())))?;
    }
    if args.outputs
        && let Some(file) = var(env::GITHUB_OUTPUT)
    {
        let mut text = Vec::new();
        runner::write_outputs(&mut text, &runner::outputs(&outcome, &report), runner::random_delimiter)
            .map_err(io_failure)?;
        runner::append(Path::new(&file), &text)
            .map_err(|e| CommandError::failure(format!("error: cannot append to {file}: {e}")))?;
    }

    let problems = if args.check_run || mode != CommentMode::Never {
        publish_to_github(&args, mode, &report, &outcome, &ctx, token.as_deref()).await
    } else {
        Vec::new()
    };

    let mut out = Vec::new();
    for p in &problems {
        let kind = if p.permission { "warning" } else { "error" };
        runner::command(&mut out, kind, &[("title", "depgate".to_string())], &p.text).map_err(io_failure)?;
    }
    print_flush(&out);
    if let Some(file) = &summary_file
        && !problems.is_empty()
    {
        let mut note = String::from("\n#### GitHub API\n\n");
        for p in &problems {
            let _ = write!(note, "> {} {}\n>\n", if p.permission { "⚠️" } else { "❌" }, markdown::cell(&p.text));
        }
        let existing = std::fs::metadata(file).map_or(0, |m| m.len());
        if note.len() <= runner::summary_budget(existing) {
            runner::append(file, note.as_bytes())
                .map_err(|e| CommandError::failure(format!("error: cannot append to {}: {e}", file.display())))?;
        }
    }

    if problems.iter().any(|p| !p.permission) {
        return Ok(ExitStatus::Failure);
    }
    Ok(if outcome.failed { ExitStatus::Denied } else { ExitStatus::Allowed })
}

/// The check run and the sticky comment; what could not be done.
async fn publish_to_github(
    args: &GithubReportArgs,
    mode: CommentMode,
    report: &Report,
    outcome: &Tally,
    ctx: &Context,
    token: Option<&str>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(token) = token else {
        // Not a failure: a workflow may use only the summary and annotations.
        let mut out = Vec::new();
        let _ = runner::command(
            &mut out,
            "notice",
            &[("title", "depgate".to_string())],
            &format!(
                "no {} in the environment, so the check run and the pull-request comment were not posted \
                 (pass `GITHUB_TOKEN: ${{{{ github.token }}}}` in the step's env; {PERMISSIONS_HELP})",
                env::GITHUB_TOKEN
            ),
        );
        print_flush(&out);
        return problems;
    };
    let Some(repo) = var(crate::env::GITHUB_REPOSITORY).as_deref().and_then(Repo::parse) else {
        problems.push(Problem {
            permission: true,
            text: format!("{} is not set to owner/name: nothing was posted", crate::env::GITHUB_REPOSITORY),
        });
        return problems;
    };
    let payload = var(env::GITHUB_EVENT_PATH).and_then(|p| match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str::<serde_json::Value>(&text).ok(),
        Err(e) => {
            tracing::warn!("cannot read the event payload {p}: {e}");
            None
        }
    });
    let target = Target::of(payload.as_ref(), var(crate::env::GITHUB_SHA).as_deref());
    let base = var(env::GITHUB_API_URL).unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let max_wait = var(env::MAX_WAIT_SECS).and_then(|v| v.parse().ok()).map_or(DEFAULT_MAX_WAIT, Duration::from_secs);
    let api = match Api::new(&base, token, max_wait) {
        Ok(api) => api,
        Err(e) => {
            problems.push(Problem { permission: false, text: e });
            return problems;
        }
    };

    if args.check_run {
        if let Some(sha) = &target.sha {
            let summary = markdown::render("", &report.entries, outcome, ctx, publish::CHECK_SUMMARY_LIMIT);
            let annotations = publish::annotations(&report.entries, &ctx.paths);
            let (create, updates) =
                publish::check_run_requests(sha, outcome, &summary, &annotations, ctx.run_url.as_deref());
            match publish::post_check_run(&api, &repo, &create, &updates).await {
                Ok(posted) => eprintln!(
                    "depgate: check run {} posted on {sha} with {} annotations in {} request{}{}",
                    posted.id,
                    annotations.len(),
                    posted.requests,
                    if posted.requests == 1 { "" } else { "s" },
                    posted.html_url.map(|u| format!(": {u}")).unwrap_or_default()
                ),
                Err(e) => problems.push(problem(&format!("post the check run on {sha}"), &e)),
            }
        } else {
            problems.push(Problem {
                permission: true,
                text: "no commit to attach the check run to (neither the event payload nor GITHUB_SHA names one)"
                    .into(),
            });
        }
    }

    if mode != CommentMode::Never {
        if let Some(pr) = target.pull_request {
            match publish::find_comment(&api, &repo, pr).await {
                Ok(existing) => {
                    let action = publish::comment_action(mode, outcome.failed, existing);
                    let head = format!("{COMMENT_MARKER}\n");
                    let body = markdown::render(&head, &report.entries, outcome, ctx, publish::COMMENT_LIMIT);
                    match publish::write_comment(&api, &repo, pr, action, &body).await {
                        Ok(url) => {
                            let done = match action {
                                CommentAction::Create => "created",
                                CommentAction::Update(_) => "updated",
                                CommentAction::Skip => "not needed (passing, and no earlier comment)",
                            };
                            eprintln!(
                                "depgate: pull-request comment {done}{}",
                                url.map(|u| format!(": {u}")).unwrap_or_default()
                            );
                        }
                        Err(e) => problems.push(problem(&format!("write the comment on pull request #{pr}"), &e)),
                    }
                }
                Err(e) => problems.push(problem(&format!("read the comments of pull request #{pr}"), &e)),
            }
        } else {
            tracing::info!("not a pull request: no comment");
        }
    }
    problems
}

/// The markdown verdict as plain text for the log.
fn plain(md: &str) -> String {
    md.replace("**", "").replace('`', "")
}

fn print_flush(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
}

#[allow(clippy::needless_pass_by_value)]
fn io_failure(e: std::io::Error) -> CommandError {
    CommandError::failure(format!("error: {e}"))
}
