//! Command-line interface: clap structures only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// depgate: resolve every dependency through a chain of registries, verify it, decide
/// with policy, and leave evidence.
#[derive(Debug, Parser)]
#[command(name = "depgate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (`-v` debug, `-vv` trace). `DEPGATE_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Colour: auto, always, never (`NO_COLOR` is honoured).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gate a project's lockfiles: resolve, check integrity, decide, write the report.
    Check(CheckArgs),
    /// Print the coordinates parsed from lockfiles (no network).
    List(ListArgs),
    /// Write a commented starter depgate.toml.
    Init(InitArgs),
    /// Gate the bundled demo project end to end and show the report.
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Options shared by commands that read a project.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// Project folder searched for lockfiles (and depgate.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Lockfile to read instead of searching (repeatable).
    #[arg(long = "lockfile", value_name = "FILE")]
    pub lockfiles: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    /// Configuration file (default: depgate.toml in the project folder, else the
    /// embedded default: public registries only).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,

    /// Report folder.
    #[arg(long, value_name = "DIR", default_value = "depgate-report")]
    pub out: PathBuf,

    /// Output on stdout: a human table, or the decisions JSON (pipeable).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also download every artifact into the content-addressed cache and check its bytes.
    #[arg(long)]
    pub download: bool,

    /// Cache folder for metadata and artifacts.
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub concurrency: u16,

    /// Decide as of this time (RFC 3339) instead of now. For tests and reproductions.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub current_time: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write depgate.toml into.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Overwrite an existing depgate.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to unpack the demo project (default: a fresh temporary folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Use the live public npm registry as the public tier instead of the bundled snapshot.
    #[arg(long)]
    pub live: bool,
}
