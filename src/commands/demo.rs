//! `depgate demo`: unpack the bundled demo project and gate it end to end.

use std::path::{Path, PathBuf};

use time::macros::datetime;

use super::check::{CheckRequest, check};
use crate::cli::{DemoArgs, Format};
use crate::config::Config;
use crate::exit::{CommandError, ExitStatus};

macro_rules! demo_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../testdata/demo/", $path)) as &[u8])),*]
    };
}

/// Every file of `testdata/demo` the demo needs, embedded in the binary.
pub const DEMO_FILES: &[(&str, &[u8])] = demo_files![
    "README.md",
    "depgate.toml",
    "package.json",
    "package-lock.json",
    "registry/curated/@acme/logger/index.json",
    "registry/curated/@acme/logger/-/logger-1.2.0.tgz",
    "registry/curated/is-number/index.json",
    "registry/curated/is-number/-/is-number-7.0.0.tgz",
    "registry/curated/left-pad/index.json",
    "registry/curated/left-pad/-/left-pad-1.3.0.tgz",
    "registry/public/@acme/logger/index.json",
    "registry/public/@acme/logger/-/logger-9.0.0.tgz",
    "registry/public/debug/index.json",
    "registry/public/debug/-/debug-4.3.4.tgz",
    "registry/public/ms/index.json",
    "registry/public/ms/-/ms-2.1.2.tgz",
    "registry/public/ms/-/ms-2.1.3.tgz",
    "registry/public/nanoid/index.json",
    "registry/public/nanoid/-/nanoid-3.3.11.tgz",
];

/// Write the demo project into `dir`.
pub fn unpack(dir: &Path) -> std::io::Result<()> {
    for (rel, bytes) in DEMO_FILES {
        crate::cache::write_atomic(&dir.join(rel), bytes)?;
    }
    Ok(())
}

pub(super) async fn run(args: DemoArgs, color: bool) -> Result<ExitStatus, CommandError> {
    let dir: PathBuf = match &args.dir {
        Some(d) => d.clone(),
        None => tempfile::Builder::new()
            .prefix("depgate-demo-")
            .tempdir()
            .map_err(|e| CommandError::failure(format!("error: cannot create a temporary folder: {e}")))?
            .keep(),
    };
    unpack(&dir)
        .map_err(|e| CommandError::failure(format!("error: cannot unpack the demo into {}: {e}", dir.display())))?;
    let config_path = dir.join("depgate.toml");
    let mut text = std::fs::read_to_string(&config_path)
        .map_err(|e| CommandError::failure(format!("error: {}: {e}", config_path.display())))?;
    if args.live {
        text = text.replace(
            "kind = \"dir\"\npath = \"registry/public\"                     # a snapshot of registry.npmjs.org\nmirrors = \"https://registry.npmjs.org/\"      # lockfile URLs on that host belong to this tier",
            "kind = \"npm\"\nurl = \"https://registry.npmjs.org/\"",
        );
        crate::cache::write_atomic(&config_path, text.as_bytes())
            .map_err(|e| CommandError::failure(format!("error: {}: {e}", config_path.display())))?;
    }
    let config = Config::parse(&text, &config_path).map_err(CommandError::failure)?;
    eprintln!(
        "depgate demo: gating {} (chain: curated folder → {})",
        dir.display(),
        if args.live { "live registry.npmjs.org" } else { "public snapshot folder" }
    );
    let now = if args.live { time::OffsetDateTime::now_utc() } else { datetime!(2025-03-22 00:00:00 UTC) };
    let out = dir.join("depgate-report");
    let req = CheckRequest {
        project: dir.clone(),
        lockfiles: Vec::new(),
        config,
        out: out.clone(),
        format: Format::Table,
        download: true,
        cache_dir: dir.join(".depgate").join("cache"),
        concurrency: 16,
        now,
        trusted_roots: Vec::new(),
    };
    let (status, _) = check(req, color).await?;
    let expected = if args.live {
        "one dependency-confusion case (the cooldown case depends on the live registry's publish times)"
    } else {
        "one dependency-confusion case and one cooldown case"
    };
    eprintln!(
        "\nThe demo is meant to block: {expected}.\nRead {} for the reviewer's summary, {} for the full record.",
        out.join("summary.md").display(),
        out.join("decisions.json").display()
    );
    // The demo succeeded if it produced the decisions it is meant to show.
    Ok(if status == ExitStatus::Failure { ExitStatus::Failure } else { ExitStatus::Allowed })
}
