//! The commands: wire CLI arguments to config, inputs, the engine and the report.
//! Each returns an [`ExitStatus`] or a [`CommandError`] that already says what to do.

mod advisories;
mod attest;
mod audit;
mod cache;
mod check;
mod demo;
mod github;
mod init;
mod init_tools;
mod list;
mod policy;
mod reviews;
mod sbom;
mod serve;
mod token;
mod trust;
mod verify;
mod verify_pgp;

use std::path::Path;

pub use check::{CheckRequest, check, check_with_baseline};
pub use demo::DEMO_FILES;

use crate::cli::Command;
use crate::config::Config;
use crate::exit::{CommandError, ExitStatus};

/// Run one command.
pub async fn run(command: Command, color: bool) -> Result<ExitStatus, CommandError> {
    match command {
        Command::Check(args) => check::run(args, color).await,
        Command::List(args) => list::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Demo(args) => demo::run(args, color).await,
        Command::Verify(args) => verify::run(&args),
        Command::Attest(args) => attest::run(args).await,
        Command::Policy(args) => policy::run(args),
        Command::Trust(args) => trust::run(&args),
        Command::Audit(args) => audit::run(&args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Github(args) => github::run(args).await,
        Command::Advisories(args) => advisories::run(args).await,
        Command::Sbom(args) => sbom::run(&args),
        Command::Cache(args) => cache::run(args).await,
        Command::Token(args) => token::run(&args),
    }
}

/// The runner context of a run: the `--actor`, `--repository`, … flags over the GitHub
/// Actions environment (empty flags count as unset).
pub fn runner_context(args: &crate::cli::RunnerArgs) -> crate::audit::RunnerContext {
    let env = crate::audit::RunnerContext::from_env();
    let pick =
        |flag: &Option<String>, env: Option<String>| flag.as_ref().filter(|v| !v.trim().is_empty()).cloned().or(env);
    crate::audit::RunnerContext {
        actor: pick(&args.actor, env.actor),
        repository: pick(&args.repository, env.repository),
        workflow: pick(&args.workflow, env.workflow),
        run_id: pick(&args.run_id, env.run_id),
        run_attempt: pick(&args.run_attempt, env.run_attempt),
        sha: pick(&args.sha, env.sha),
        event: pick(&args.event, env.event),
    }
}

/// Load `--config FILE`, else `depgate.toml` in the project folder, else the embedded default.
pub fn load_config(explicit: Option<&Path>, project: &Path) -> Result<Config, CommandError> {
    let path = if let Some(p) = explicit {
        p.to_path_buf()
    } else {
        let p = project.join("depgate.toml");
        if !p.is_file() {
            tracing::debug!("no depgate.toml in {}: using the embedded default", project.display());
            return Ok(Config::embedded_default());
        }
        p
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CommandError::usage(format!(
            "error: cannot read {}: {e}\n  help: check the path given to --config",
            path.display()
        ))
    })?;
    Config::parse(&text, &path).map_err(CommandError::usage)
}

/// Trust material: the configured roots (`[verify] trusted_root`), `extra` root files,
/// and the embedded npm registry keys. Verification never needs the network.
pub fn load_trust(config: &Config, extra: &[std::path::PathBuf]) -> Result<crate::attest::Trust, CommandError> {
    use crate::config::TrustedRootRef;
    let mut trust = crate::attest::Trust::empty();
    let add_file = |trust: &mut crate::attest::Trust, p: &Path| {
        let text = std::fs::read_to_string(p).map_err(|e| {
            CommandError::usage(format!(
                "error: cannot read trusted root {}: {e}\n  help: check [verify] trusted_root or --trusted-root",
                p.display()
            ))
        })?;
        trust.add_root_json(&p.display().to_string(), &text).map_err(|e| CommandError::usage(format!("error: {e}")))
    };
    for r in &config.verify.trusted_roots {
        match r {
            TrustedRootRef::Embedded => {
                let embedded =
                    crate::attest::Trust::embedded().map_err(|e| CommandError::failure(format!("error: {e}")))?;
                trust.extend(embedded);
            }
            TrustedRootRef::File(p) => add_file(&mut trust, p)?,
        }
    }
    for p in extra {
        add_file(&mut trust, p)?;
    }
    trust.add_npm_keys();
    for u in config.upstreams.values() {
        let Some(path) = &u.cosign_key else { continue };
        let pem = std::fs::read_to_string(path).map_err(|e| {
            CommandError::usage(format!(
                "error: upstream `{}`: cannot read cosign_key {}: {e}\n  help: write the path of the PEM public key its bundles are signed with (relative to depgate.toml)",
                u.name,
                path.display()
            ))
        })?;
        trust.add_upstream_key(&u.name, &pem, u.tlog).map_err(|e| {
            CommandError::usage(format!(
                "error: upstream `{}`: cosign_key {}: {}\n  help: the file must hold a PEM public key (cosign.pub, as `cosign generate-key-pair` writes it)",
                u.name,
                path.display(),
                e.message
            ))
        })?;
    }
    Ok(trust)
}

/// Say on stderr what the inputs contain that depgate reads but does not act on.
fn print_notes(notes: &[crate::ecosystem::pypi::requirements::InputNote]) {
    for n in notes {
        eprintln!("warning: {}:{}: {} [{}]", n.file.display(), n.line, n.message, n.code);
    }
}
