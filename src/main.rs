//! The `depgate` binary: logging, runtime, exit code. Everything else lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use depgate::cli::{Cli, ColorChoice};
use depgate::exit::ExitStatus;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { ExitStatus::Usage.code() } else { 0 });
        }
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os(depgate::env::NO_COLOR).is_none() && std::io::stdout().is_terminal(),
    };
    let default_level = match cli.verbose {
        0 => "depgate=info",
        1 => "depgate=debug",
        _ => "depgate=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env(depgate::env::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color && std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(ExitStatus::Failure.code());
        }
    };
    let status = runtime.block_on(depgate::commands::run(cli.command, color));
    match status {
        Ok(s) => ExitCode::from(s.code()),
        Err(e) => {
            eprintln!("{}", e.message.trim_end());
            ExitCode::from(e.status.code())
        }
    }
}
