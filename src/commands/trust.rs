//! `depgate trust update`: record the trust state of a check (tier, upstream,
//! verification, signing identity per package) in `depgate.trust.json`, and the loading
//! of baselines for `check`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{TrustArgs, TrustCommand, TrustUpdateArgs};
use crate::exit::{CommandError, ExitStatus};
use crate::policy::Baseline;

/// The committed trust file a project's checks compare against by default.
pub const TRUST_FILE: &str = "depgate.trust.json";

pub(super) fn run(args: &TrustArgs) -> Result<ExitStatus, CommandError> {
    match &args.command {
        TrustCommand::Update(a) => update(a),
    }
}

/// Read a baseline: `explicit` (an error if unreadable), else the project's
/// depgate.trust.json when there is one, else none.
pub fn load_baseline(explicit: Option<&Path>, project: &Path) -> Result<Option<Arc<Baseline>>, CommandError> {
    let path = if let Some(p) = explicit {
        p.to_path_buf()
    } else {
        let p = project.join(TRUST_FILE);
        if !p.is_file() {
            return Ok(None);
        }
        p
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CommandError::usage(format!(
            "error: cannot read baseline {}: {e}\n  help: pass a decisions.json from an earlier check (e.g. the base branch's depgate-report/decisions.json) or a depgate.trust.json",
            path.display()
        ))
    })?;
    let baseline = Baseline::from_json(&text, &path.display().to_string()).map_err(|e| {
        CommandError::usage(format!(
            "error: baseline {} {e}\n  help: write one with `depgate trust update`, or pass a check's decisions.json",
            path.display()
        ))
    })?;
    tracing::debug!("baseline {}: {} packages", path.display(), baseline.packages.len());
    Ok(Some(Arc::new(baseline)))
}

fn update(args: &TrustUpdateArgs) -> Result<ExitStatus, CommandError> {
    let from = args.from.clone().unwrap_or_else(|| args.path.join("depgate-report").join("decisions.json"));
    let out: PathBuf = args.out.clone().unwrap_or_else(|| args.path.join(TRUST_FILE));
    let text = std::fs::read_to_string(&from).map_err(|e| {
        CommandError::usage(format!(
            "error: cannot read {}: {e}\n  help: run `depgate check` first (it writes depgate-report/decisions.json), or name the file with --from",
            from.display()
        ))
    })?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CommandError::usage(format!("error: {}:{}:{}: not JSON: {e}", from.display(), e.line(), e.column()))
    })?;
    if doc.get("schema").and_then(|s| s.as_str()) != Some(crate::report::DECISIONS_SCHEMA) {
        return Err(CommandError::usage(format!(
            "error: {} is not a decisions.json ({})\n  help: pass the decisions.json a `depgate check` wrote",
            from.display(),
            crate::report::DECISIONS_SCHEMA
        )));
    }
    let baseline = Baseline::from_decisions(&doc, TRUST_FILE);
    let mut bytes = serde_json::to_vec_pretty(&baseline.to_trust_json())
        .map_err(|e| CommandError::failure(format!("error: cannot render {}: {e}", out.display())))?;
    bytes.push(b'\n');
    crate::atomic::write_atomic(&out, &bytes)
        .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", out.display())))?;
    let verified = baseline.packages.values().filter(|e| e.verification == "verified").count();
    let fallback = baseline.packages.values().filter(|e| e.fallback == Some(true)).count();
    let reviewed = baseline.packages.values().filter(|e| e.review.as_deref() == Some("pass")).count();
    eprintln!(
        "wrote {}: {} packages ({verified} verified, {reviewed} passing their reviews, {fallback} from a fallback upstream); commit it so later checks detect downgrades",
        out.display(),
        baseline.packages.len()
    );
    Ok(ExitStatus::Allowed)
}
