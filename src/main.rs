//! The `depgate` binary: logging, runtime, exit code. Everything else lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use depgate::cli::{Cli, ColorChoice, LogFormat};
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
    let env = std::env::var(depgate::env::LOG).ok();
    let directives = depgate::logging::directives(cli.verbose, env.as_deref());
    let filter = tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!(
            "warning: {} `{}` is not a valid log filter ({e}); using the default",
            depgate::env::LOG,
            env.as_deref().unwrap_or_default()
        );
        tracing_subscriber::EnvFilter::new(depgate::logging::directives(cli.verbose, None))
    });
    depgate::logging::set_json(cli.log_format == LogFormat::Json);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        // One JSON object per event, with its time, level and target: for log collectors.
        LogFormat::Json => builder.json().with_current_span(false).with_span_list(false).init(),
        LogFormat::Text => builder
            .with_ansi(color && std::io::stderr().is_terminal())
            // Targets are what DEPGATE_LOG directives name: shown to whoever writes one.
            .with_target(env.is_some() || cli.verbose >= 3)
            .without_time()
            .init(),
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(ExitStatus::Failure.code());
        }
    };
    let status = runtime.block_on(depgate::commands::run(cli.command, color));
    // The command's work is done and its outputs written. What is left on the runtime is
    // orphaned (a connection attempt no request waits for, a DNS lookup on a blocking
    // thread waiting out the resolver's 5 s retry): dropping the runtime would wait for it.
    runtime.shutdown_background();
    match status {
        Ok(s) => ExitCode::from(s.code()),
        Err(e) => {
            eprintln!("{}", e.message.trim_end());
            ExitCode::from(e.status.code())
        }
    }
}
