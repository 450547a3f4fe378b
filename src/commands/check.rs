//! `depgate check`: gate lockfiles through the chain and write the report.

use std::io::Write;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::RunnerContext;
use crate::cli::{CheckArgs, Format};
use crate::config::{Config, Location};
use crate::engine::{self, Decision, Options, Record};
use crate::exit::{CommandError, ExitStatus};
use crate::policy::Policy;
use crate::report::{self, ChainEntry, RunInfo};
use crate::upstream::Upstreams;

/// Everything a check needs, independent of where it came from (CLI or demo).
pub struct CheckRequest {
    pub project: PathBuf,
    pub lockfiles: Vec<PathBuf>,
    /// `--resolved`: resolved-artifact lists, whatever their names.
    pub resolved: Vec<PathBuf>,
    pub config: Config,
    pub out: PathBuf,
    pub format: Format,
    pub download: bool,
    pub cache_dir: PathBuf,
    /// `--refresh`: revalidate every cached document, fresh or not.
    pub refresh: bool,
    pub concurrency: usize,
    pub now: OffsetDateTime,
    /// `--trusted-root` files, added to the configured roots.
    pub trusted_roots: Vec<PathBuf>,
    /// `--random-serial`: random SBOM serial number and namespace instead of content-derived.
    pub random_serial: bool,
    /// Who and what runs (`--actor`, … over the GitHub Actions environment).
    pub context: RunnerContext,
    /// `--advisories-db`, `--advisories-max-age`.
    pub advisories: crate::cli::AdvisorySourceArgs,
    /// `--advisories-only`: match advisories, nothing else, no upstream traffic.
    pub advisories_only: bool,
}

pub(super) async fn run(args: CheckArgs, color: bool) -> Result<ExitStatus, CommandError> {
    let config = super::load_config(args.config.as_deref(), &args.project.path)?;
    let now = match &args.current_time {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .map_err(|e| CommandError::usage(format!("error: --current-time `{t}` is not an RFC 3339 time: {e}")))?,
        None => OffsetDateTime::now_utc(),
    };
    // The flag wins over the configuration, which defaults to what the flag always did.
    let concurrency = usize::from(args.concurrency.unwrap_or(config.limits.concurrency));
    let req = CheckRequest {
        project: args.project.path,
        lockfiles: args.project.lockfiles,
        resolved: args.project.resolved,
        config,
        out: args.out,
        format: args.format,
        download: args.download,
        cache_dir: args.cache_dir.unwrap_or_else(crate::cache::default_dir),
        refresh: args.refresh,
        concurrency,
        now,
        trusted_roots: args.trusted_roots,
        random_serial: args.random_serial,
        context: super::runner_context(&args.runner),
        advisories: args.advisories,
        advisories_only: args.advisories_only,
    };
    check_with_baseline(req, args.baseline.as_deref(), color).await.map(|(status, _)| status)
}

/// Run a check and write its report; returns the exit status and the records. The
/// baseline is the project's depgate.trust.json, if it has one.
pub async fn check(req: CheckRequest, color: bool) -> Result<(ExitStatus, Vec<Record>), CommandError> {
    check_with_baseline(req, None, color).await
}

/// [`check`] with an explicit baseline file (`--baseline`).
pub async fn check_with_baseline(
    req: CheckRequest,
    baseline: Option<&Path>,
    color: bool,
) -> Result<(ExitStatus, Vec<Record>), CommandError> {
    let started = OffsetDateTime::now_utc();
    let baseline = super::trust::load_baseline(baseline, &req.project)?;
    // `[audit] database`: reached before any work, so a run that cannot be audited there
    // stops now rather than after deciding.
    let audit_db = super::audit::open_database(req.config.audit.as_ref()).await?;
    let max_lockfile = req.config.limits.max_lockfile_bytes;
    let gathered = crate::lockfiles::gather_within(&req.project, &req.lockfiles, &req.resolved, max_lockfile)
        .map_err(|e| CommandError::usage(format!("error: {e}")))?;
    super::print_notes(&gathered.notes);
    let (files, coords) = (gathered.files, gathered.coords);
    tracing::info!("{} packages from {} lockfile(s)", coords.len(), files.len());
    // Images with no [oci] chain are reported as not gated, not a usage error: a project
    // that upgrades depgate and has a Dockerfile keeps working (engine::ungated).
    let ungated = !req.advisories_only && req.config.chain(crate::ecosystem::Ecosystem::Oci).is_empty();
    let (not_gated, coords): (Vec<_>, Vec<_>) =
        coords.into_iter().enumerate().partition(|(_, c)| ungated && c.ecosystem == crate::ecosystem::Ecosystem::Oci);
    let (order, coords): (Vec<usize>, Vec<_>) = coords.into_iter().unzip();
    if let Some(c) = coords.iter().find(|c| !req.advisories_only && req.config.chain(c.ecosystem).is_empty()) {
        return Err(CommandError::usage(format!(
            "error: {} has {} packages, but {} has no [{}] chain\n  help: add [{}] chain = [\"<upstream>\"] to the configuration (or remove it to use the embedded default)",
            c.source_file.display(),
            c.ecosystem,
            req.config.source.as_ref().map_or_else(|| "the configuration".to_string(), |p| p.display().to_string()),
            c.ecosystem,
            c.ecosystem
        )));
    }
    let policy = crate::load::policy(&req.config.policy, &req.config.base_dir)
        .map_err(|e| CommandError::usage(format!("error: {e}")))?;
    // A signing key that cannot be used fails the run before any work, not after the
    // report is half way out (the report writer reads it again when it signs).
    crate::load::signing_key().map_err(|e| {
        CommandError::failure(format!("error: cannot sign the report: {e}\n  help: fix or unset the signing key"))
    })?;
    let upstreams = Upstreams::new(&req.config, &req.cache_dir)
        .map_err(|e| CommandError::failure(format!("error: {e}")))?
        .refreshing(req.refresh);
    upstreams.storage_ready().await.map_err(|e| CommandError::failure(format!("error: {e}")))?;
    let advisories = super::advisories::prepare(
        &req.config,
        &req.cache_dir,
        &upstreams,
        &coords,
        &req.advisories,
        req.now,
        req.concurrency,
    )
    .await?;
    if req.advisories_only && advisories.is_none() {
        return Err(CommandError::usage(
            "error: --advisories-only needs advisories\n  help: add [advisories] to depgate.toml, or pass --advisories-db PATH (a folder of OSV records, an all.zip, or an osv-scanner offline cache)",
        ));
    }
    let opts = Options {
        now: req.now,
        download: req.download,
        concurrency: req.concurrency,
        mode: if req.advisories_only { "advisories" } else { "check" },
        repository: req.context.repository.clone(),
        event: req.context.event.clone(),
        baseline,
        full_documents: false,
        advisories: advisories.as_ref().map(|a| std::sync::Arc::clone(&a.db)),
        pgp: crate::load::openpgp(&req.config)
            .map_err(|e| CommandError::usage(format!("error: {e}")))?
            .map(std::sync::Arc::new),
        reviews: super::reviews::load(&req.config, &upstreams).await?,
    };
    let policy = std::sync::Arc::new(policy);
    let records = if req.advisories_only {
        engine::scan_advisories(&req.config, &policy, &coords, &opts).await
    } else {
        let trust = std::sync::Arc::new(super::load_trust(&req.config, &req.trusted_roots)?);
        engine::run(&req.config, &upstreams, &trust, &policy, &coords, &opts).await
    };
    let records = with_not_gated(&req, records, &order, &not_gated);

    let mut run = run_info(&req, &files, &policy, started);
    run.advisories = advisories.map(|a| a.run);
    run.cooldowns = Some(cooldown_report(&req, &coords));
    let writing = std::time::Instant::now();
    let project = crate::load::project_info(&req.project);
    let written = crate::output::write_report(&req.out, &run, &records, &project, req.random_serial)
        .map_err(|e| CommandError::failure(format!("error: cannot write the report to {}: {e}", req.out.display())))?;
    if let Some(db) = &audit_db {
        super::audit::append_run(db, &run, &records).await?;
    }
    // benches/outputs.sh reads this line: the time to render and write every output.
    tracing::info!(
        "wrote {} report files for {} packages in {:.1} ms",
        written.len(),
        records.len(),
        writing.elapsed().as_secs_f64() * 1000.0
    );

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let printed = match req.format {
        Format::Json => report::write_decisions_json(&mut out, &run, &records),
        Format::Table => report::write_terminal(&mut out, &run, &records, Some(&req.out), color),
    };
    if let Err(e) = printed.and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CommandError::failure(format!("error: cannot write to stdout: {e}")));
    }
    if req.format == Format::Json {
        let _ = report::write_terminal(&mut std::io::stderr().lock(), &run, &records, Some(&req.out), false);
    }
    Ok((status_of(&records), records))
}

/// The run's records with the images no `[oci]` chain gates put back in input order,
/// each an `image-not-gated` warning, or a denial when the images were asked for: named
/// with `--lockfile`, or `[policy] ungated_images = "deny"`.
fn with_not_gated(
    req: &CheckRequest,
    records: Vec<Record>,
    order: &[usize],
    not_gated: &[(usize, crate::ecosystem::Coordinate)],
) -> Vec<Record> {
    if not_gated.is_empty() {
        return records;
    }
    let asked = !req.lockfiles.is_empty() || req.config.policy.ungated_images == "deny";
    let level = if asked { Decision::Deny } else { Decision::Warn };
    let name = req.config.source.as_ref().map_or_else(
        || "depgate.toml".to_string(),
        |p| crate::lockfiles::relative_to(p, &req.project).display().to_string(),
    );
    let images: Vec<&crate::ecosystem::Coordinate> = not_gated.iter().map(|(_, c)| c).collect();
    let extra = engine::ungated::image_records(&req.config, &images, level, &name);
    let mut all: Vec<(usize, Record)> = order.iter().copied().zip(records).collect();
    all.extend(not_gated.iter().map(|(i, _)| *i).zip(extra));
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// The package managers' and bots' cooldowns in the project, against the chains of the
/// ecosystems this run gates. Drift warns; it never changes a decision or the exit status.
fn cooldown_report(req: &CheckRequest, coords: &[crate::ecosystem::Coordinate]) -> crate::cooldowns::Report {
    use crate::cooldowns::drift::{Depgate, drift};
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let read = crate::cooldowns::find::project(&req.project, req.now.unix_timestamp(), &env);
    let mut gated: Vec<crate::ecosystem::Ecosystem> = coords.iter().map(|c| c.ecosystem).collect();
    gated.sort();
    gated.dedup();
    let found = drift(&read.settings, &Depgate::from_config(&req.config), &gated);
    crate::cooldowns::Report { settings: read.settings, drift: found, problems: read.problems }
}

/// The exit status a set of decisions means.
pub fn status_of(records: &[Record]) -> ExitStatus {
    if records.iter().any(|r| r.decision == Decision::Error) {
        ExitStatus::Failure
    } else if records.iter().any(|r| matches!(r.decision, Decision::Deny | Decision::Quarantine)) {
        ExitStatus::Denied
    } else {
        ExitStatus::Allowed
    }
}

fn run_info(req: &CheckRequest, files: &[PathBuf], policy: &Policy, started: OffsetDateTime) -> RunInfo {
    RunInfo {
        tool: concat!("depgate ", env!("CARGO_PKG_VERSION")).to_string(),
        mode: "check".into(),
        started_at: started.format(&Rfc3339).unwrap_or_default(),
        now: req.now.format(&Rfc3339).unwrap_or_default(),
        config: req.config.source.as_ref().map_or_else(|| "embedded default".to_string(), |p| p.display().to_string()),
        project: std::path::absolute(&req.project).unwrap_or_else(|_| req.project.clone()).display().to_string(),
        lockfiles: files.iter().map(|f| crate::lockfiles::relative_to(f, &req.project).display().to_string()).collect(),
        chains: chain_entries(&req.config, &req.project),
        policy: policy.sources.clone(),
        advisories: None,
        cooldowns: None,
        context: req.context.clone(),
    }
}

/// The chains as the report shows them (no credentials; folders relative to `project`).
pub(super) fn chain_entries(config: &Config, project: &Path) -> std::collections::BTreeMap<String, Vec<ChainEntry>> {
    config
        .chains
        .keys()
        .map(|eco| {
            let entries = config
                .chain(*eco)
                .iter()
                .enumerate()
                .map(|(i, u)| ChainEntry {
                    name: u.name.clone(),
                    kind: u.kind.as_str().to_string(),
                    location: match &u.location {
                        Location::Url(_) => u.display_location(),
                        Location::Dir(p) => crate::lockfiles::relative_to(p, project).display().to_string(),
                    },
                    tier: u.tier.clone(),
                    priority: i + 1,
                })
                .collect();
            (eco.to_string(), entries)
        })
        .collect()
}
