//! `depgate github report`: carry a finished `depgate check` report into GitHub. Two halves:
//! [`runner`] speaks to the Actions runner (workflow commands on stdout, `$GITHUB_OUTPUT`,
//! `$GITHUB_STEP_SUMMARY`) with pure functions over `impl Write`; [`api`] and [`publish`]
//! post the check run and the sticky pull-request comment through the REST API.
//!
//! This module reads the report folder (`decisions.json`) with its own lenient model: it
//! never runs the pipeline, never decides anything again, and never prints the token.

pub mod api;
pub mod markdown;
pub mod publish;
pub mod runner;

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

/// Environment variables read by `depgate github report` (besides those in [`crate::env`]).
pub mod env {
    /// File the step's markdown summary is appended to.
    pub const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
    /// File the step's outputs are appended to.
    pub const GITHUB_OUTPUT: &str = "GITHUB_OUTPUT";
    /// The checked-out repository: annotation paths are relative to it.
    pub const GITHUB_WORKSPACE: &str = "GITHUB_WORKSPACE";
    /// REST API base URL (default `https://api.github.com`; GitHub Enterprise sets its own).
    pub const GITHUB_API_URL: &str = "GITHUB_API_URL";
    /// The token for the REST API. Read from the environment only; never printed or logged.
    pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";
    /// The webhook payload of the event that started the run (JSON file).
    pub const GITHUB_EVENT_PATH: &str = "GITHUB_EVENT_PATH";
    /// `true` on an Actions runner.
    pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
    /// Longest single wait on a rate limit, in seconds (default 600); tests shorten it.
    pub const MAX_WAIT_SECS: &str = "DEPGATE_GITHUB_MAX_WAIT_SECS";
}

/// The decisions of `decisions.json`, most severe last: `error` (no decision could be made,
/// fail closed) ranks above `deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Allow,
    Warn,
    Quarantine,
    Deny,
    Error,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::Allow, Level::Warn, Level::Quarantine, Level::Deny, Level::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Quarantine => "quarantine",
            Level::Deny => "deny",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--fail-on`: the least severe decision that fails the step. `Never` only reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Warn,
    Quarantine,
    Deny,
    Never,
}

impl FailOn {
    /// Whether a report whose most severe decision is `worst` fails the step.
    pub fn fails(self, worst: Level) -> bool {
        match self {
            FailOn::Warn => worst >= Level::Warn,
            FailOn::Quarantine => worst >= Level::Quarantine,
            FailOn::Deny => worst >= Level::Deny,
            FailOn::Never => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Warn => "warn",
            FailOn::Quarantine => "quarantine",
            FailOn::Deny => "deny",
            FailOn::Never => "never",
        }
    }
}

/// One finding of a record, as `decisions.json` has it.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportedFinding {
    pub level: Level,
    pub rule: String,
    pub msg: String,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub remedy: Option<String>,
    /// The advisory the finding is about (`GHSA-…`, `MAL-…`), for the advisory rules.
    #[serde(default)]
    pub advisory: Option<String>,
}

/// One advisory that names a package version (`advisories.matched[]` of a record).
#[derive(Debug, Clone, Deserialize)]
pub struct ReportedAdvisory {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `vulnerability` or `malware`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// `low`, `moderate`, `high`, `critical` or `unknown`.
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub fixed: Vec<String>,
    #[serde(default)]
    pub url: Option<String>,
}

impl ReportedAdvisory {
    /// Where reports list it: malware first, then critical, high, moderate, low, unknown.
    pub fn rank(&self) -> u8 {
        if self.kind == "malware" {
            return 0;
        }
        match self.severity.as_str() {
            "critical" => 1,
            "high" => 2,
            "moderate" | "medium" => 3,
            "low" => 4,
            _ => 5,
        }
    }

    /// The severity as people read it: `malware`, `high (7.2)`.
    pub fn severity_text(&self) -> String {
        if self.kind == "malware" {
            return "malware".into();
        }
        let level = if self.severity.is_empty() { "unknown" } else { self.severity.as_str() };
        match self.score {
            Some(s) => format!("{level} ({s:.1})"),
            None => level.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct AdvisoriesDoc {
    #[serde(default)]
    matched: Vec<ReportedAdvisory>,
}

#[derive(Debug, Clone, Deserialize)]
struct PackageDoc {
    purl: String,
    #[serde(default)]
    lockfile: String,
    #[serde(default)]
    line: usize,
}

#[derive(Debug, Clone, Deserialize)]
struct RecordDoc {
    package: PackageDoc,
    decision: Level,
    #[serde(default)]
    findings: Vec<ReportedFinding>,
    #[serde(default)]
    advisories: Option<AdvisoriesDoc>,
}

#[derive(Debug, Deserialize)]
struct DecisionsDoc {
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    run: RunDoc,
    decisions: Vec<RecordDoc>,
}

/// The part of `run` read back: the project folder lockfile paths are relative to.
#[derive(Debug, Default, Deserialize)]
struct RunDoc {
    #[serde(default)]
    project: String,
}

/// One package of the report.
#[derive(Debug, Clone)]
pub struct ReportedPackage {
    pub purl: String,
    pub decision: Level,
    pub findings: Vec<ReportedFinding>,
    /// The lockfile: absolute when the report names its project folder (lockfiles are
    /// recorded relative to it), else as recorded (relative to where it ran, or absolute).
    pub lockfile: String,
    /// 1-based line in the lockfile; 0 when unknown.
    pub line: usize,
    /// The advisories that name this version, most severe first.
    pub advisories: Vec<ReportedAdvisory>,
}

impl ReportedPackage {
    /// The finding that made the decision (else the first one): among equals, one about
    /// an advisory first.
    pub fn top(&self) -> Option<&ReportedFinding> {
        let at = || self.findings.iter().filter(|f| f.level == self.decision);
        at().find(|f| f.advisory.is_some()).or_else(|| at().next()).or(self.findings.first())
    }

    /// Whether the finding that made the decision is about an advisory.
    pub fn by_advisory(&self) -> bool {
        self.top().is_some_and(|f| f.advisory.is_some())
    }

    /// The findings about advisory `a` (its id or one of its aliases).
    pub fn findings_about(&self, a: &ReportedAdvisory) -> Vec<&ReportedFinding> {
        self.findings
            .iter()
            .filter(|f| f.advisory.as_deref().is_some_and(|id| id == a.id || a.aliases.iter().any(|x| x == id)))
            .collect()
    }

    /// The top finding's message without the `purl: ` prefix the policy puts in front.
    pub fn message(&self) -> String {
        let Some(f) = self.top() else { return String::new() };
        let msg = f.msg.strip_prefix(&format!("{}: ", self.purl)).unwrap_or(&f.msg);
        match (&f.until, &f.remedy) {
            (Some(until), Some(remedy)) => format!("{msg} (until {until}); {remedy}"),
            (None, Some(remedy)) => format!("{msg}; {remedy}"),
            (Some(until), None) => format!("{msg} (until {until})"),
            (None, None) => msg.to_string(),
        }
    }
}

/// The report folder of a `depgate check` run, as read back.
#[derive(Debug, Clone)]
pub struct Report {
    /// The folder, absolute.
    pub dir: PathBuf,
    pub entries: Vec<ReportedPackage>,
}

/// Reading the report failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "cannot read {path}: {source}\n  help: run `depgate check` first, or point --report at its folder (its --out)"
    )]
    Read { path: String, source: std::io::Error },
    #[error(
        "{path} is not a depgate decisions file: {message}\n  help: point --report at the folder `depgate check --out` wrote"
    )]
    Parse { path: String, message: String },
}

impl Report {
    /// The schema id of `decisions.json` this reader understands.
    pub const SCHEMA: &'static str = crate::report::DECISIONS_SCHEMA;

    /// Read `DIR/decisions.json`. `dir` is made absolute against the current folder.
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        let dir = absolute(dir);
        let path = dir.join("decisions.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ReportError::Read { path: path.display().to_string(), source })?;
        let mut report =
            Self::parse(&text).map_err(|message| ReportError::Parse { path: path.display().to_string(), message })?;
        report.dir = dir;
        Ok(report)
    }

    /// Parse the text of a `decisions.json` (the folder is left empty).
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: DecisionsDoc = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if let Some(schema) = doc.schema.as_deref()
            && schema != Self::SCHEMA
        {
            return Err(format!("schema {schema:?}, expected {:?}", Self::SCHEMA));
        }
        let project = doc.run.project;
        let entries = doc
            .decisions
            .into_iter()
            .map(|r| ReportedPackage {
                purl: r.package.purl,
                decision: r.decision,
                findings: r.findings,
                lockfile: if project.is_empty() || r.package.lockfile.is_empty() {
                    r.package.lockfile
                } else {
                    Path::new(&project).join(&r.package.lockfile).display().to_string()
                },
                line: r.package.line,
                advisories: r.advisories.unwrap_or_default().matched,
            })
            .collect();
        Ok(Self { dir: PathBuf::new(), entries })
    }

    /// A file of the report folder, when it exists.
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        let p = self.dir.join(name);
        p.is_file().then_some(p)
    }
}

/// Counts by decision and the verdict under a `--fail-on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub total: usize,
    /// Counts in [`Level::ALL`] order.
    pub counts: [usize; 5],
    /// The most severe decision (`allow` for an empty report).
    pub worst: Level,
    pub fail_on: FailOn,
    pub failed: bool,
}

impl Tally {
    pub fn of(entries: &[ReportedPackage], fail_on: FailOn) -> Self {
        let mut counts = [0; 5];
        for e in entries {
            counts[e.decision as usize] += 1;
        }
        let worst = entries.iter().map(|e| e.decision).max().unwrap_or(Level::Allow);
        Self { total: entries.len(), counts, worst, fail_on, failed: fail_on.fails(worst) }
    }

    pub fn count(&self, level: Level) -> usize {
        self.counts[level as usize]
    }

    /// One line for people: `3 denied, 2 quarantined of 18 dependencies`.
    pub fn headline(&self) -> String {
        let words = [
            (Level::Error, "undecided"),
            (Level::Deny, "denied"),
            (Level::Quarantine, "quarantined"),
            (Level::Warn, "warned"),
        ];
        let parts: Vec<String> =
            words.iter().filter(|(l, _)| self.count(*l) > 0).map(|(l, w)| format!("{} {w}", self.count(*l))).collect();
        let deps = if self.total == 1 { "dependency" } else { "dependencies" };
        if parts.is_empty() {
            if self.total == 0 {
                "no dependencies found".to_string()
            } else {
                format!("all {} {deps} allowed", self.total)
            }
        } else {
            format!("{} of {} {deps}", parts.join(", "), self.total)
        }
    }
}

/// `path` made absolute against the current folder, without touching the file system
/// beyond that (no symlinks resolved), `.` and `..` folded.
pub fn absolute(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    normalize(&cwd.join(path))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The lockfile path relative to the workspace root, with forward slashes, as GitHub wants
/// annotation paths. A relative `lockfile` is taken against `cwd`. `None` when the file is
/// outside the workspace or unknown.
pub fn workspace_path(lockfile: &str, cwd: &Path, workspace: &Path) -> Option<String> {
    if lockfile.is_empty() {
        return None;
    }
    let abs = normalize(&cwd.join(lockfile));
    let root = normalize(&cwd.join(workspace));
    let rel = abs.strip_prefix(&root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_error_above_deny() {
        assert!(Level::Error > Level::Deny);
        assert!(Level::Deny > Level::Quarantine && Level::Quarantine > Level::Warn && Level::Warn > Level::Allow);
    }

    #[test]
    fn workspace_paths() {
        let ws = Path::new("/w/repo");
        assert_eq!(workspace_path("./package-lock.json", ws, ws).as_deref(), Some("package-lock.json"));
        assert_eq!(workspace_path("web/../web/x.lock", &ws.join("sub"), ws).as_deref(), Some("sub/web/x.lock"));
        assert_eq!(
            workspace_path("/w/repo/py/requirements.txt", Path::new("/"), ws).as_deref(),
            Some("py/requirements.txt")
        );
        assert_eq!(workspace_path("/elsewhere/poetry.lock", ws, ws), None);
        assert_eq!(workspace_path("", ws, ws), None);
    }
}
