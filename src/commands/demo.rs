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
    // npm: package-lock.json, the curated folder and the registry.npmjs.org snapshot.
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
    // PyPI: requirements.txt (pip-compile), PEP 691 pages of the curated folder and of the
    // pypi.org snapshot.
    "python/requirements.in",
    "python/requirements.txt",
    "registry/pypi-curated/acme-billing/index.json",
    "registry/pypi-public/acme-billing/index.json",
    "registry/pypi-public/certifi/index.json",
    "registry/pypi-public/idna/index.json",
    "registry/pypi-public/platformdirs/index.json",
    "registry/pypi-public/python-dateutil/index.json",
    "registry/pypi-public/six/index.json",
    // Maven: the resolved-artifact list, the curated repository and the Maven Central
    // snapshot (POMs, checksums, metadata; no jars).
    "jvm/depgate-resolved.json",
    "registry/maven-curated/com/acme/acme-ledger/maven-metadata.xml",
    "registry/maven-curated/com/acme/acme-ledger/2.3.1/acme-ledger-2.3.1.pom",
    "registry/maven-curated/com/acme/acme-ledger/2.3.1/acme-ledger-2.3.1.jar.sha1",
    "registry/maven-curated/com/acme/acme-ledger/2.3.1/acme-ledger-2.3.1.jar.sha256",
    "registry/maven-curated/com/acme/acme-payments/maven-metadata.xml",
    "registry/maven-curated/com/acme/acme-payments/1.4.0/acme-payments-1.4.0.pom",
    "registry/maven-curated/com/acme/acme-payments/1.4.0/acme-payments-1.4.0.jar.sha1",
    "registry/maven-curated/com/acme/acme-payments/1.4.0/acme-payments-1.4.0.jar.sha256",
    "registry/maven-central/com/acme/acme-payments/maven-metadata.xml",
    "registry/maven-central/com/acme/acme-payments/9.0.0/acme-payments-9.0.0.pom",
    "registry/maven-central/com/acme/acme-payments/9.0.0/acme-payments-9.0.0.jar.sha1",
    "registry/maven-central/com/acme/acme-payments/9.0.0/acme-payments-9.0.0.jar.sha256",
    "registry/maven-central/com/google/code/findbugs/jsr305/maven-metadata.xml",
    "registry/maven-central/com/google/code/findbugs/jsr305/3.0.2/jsr305-3.0.2.pom",
    "registry/maven-central/com/google/code/findbugs/jsr305/3.0.2/jsr305-3.0.2.jar.sha1",
    "registry/maven-central/com/google/code/findbugs/jsr305/3.0.2/jsr305-3.0.2.jar.sha256",
    "registry/maven-central/commons-codec/commons-codec/maven-metadata.xml",
    "registry/maven-central/commons-codec/commons-codec/1.17.0/commons-codec-1.17.0.pom",
    "registry/maven-central/commons-codec/commons-codec/1.17.0/commons-codec-1.17.0.jar.sha1",
    "registry/maven-central/commons-codec/commons-codec/1.17.0/commons-codec-1.17.0.jar.sha256",
    "registry/maven-central/org/slf4j/slf4j-api/maven-metadata.xml",
    "registry/maven-central/org/slf4j/slf4j-api/2.0.13/slf4j-api-2.0.13.pom",
    "registry/maven-central/org/slf4j/slf4j-api/2.0.13/slf4j-api-2.0.13.jar.sha1",
    "registry/maven-central/org/slf4j/slf4j-api/2.0.13/slf4j-api-2.0.13.jar.sha256",
];

/// Write the demo project into `dir`.
pub fn unpack(dir: &Path) -> std::io::Result<()> {
    for (rel, bytes) in DEMO_FILES {
        crate::atomic::write_atomic(&dir.join(rel), bytes)?;
    }
    Ok(())
}

/// Marks a folder the demo made, so a later run may replace it.
const MARKER: &str = ".depgate-demo";

/// The demo's default folder: `demo` in depgate's cache folder, replaced on each run, so
/// that repeated runs leave one folder behind rather than one per run. A folder there
/// that the demo did not make (no marker) is left alone and is an error.
fn default_dir() -> Result<PathBuf, CommandError> {
    let dir = std::path::absolute(crate::cache::default_dir().join("demo"))
        .map_err(|e| CommandError::failure(format!("error: cannot resolve the cache folder: {e}")))?;
    if dir.exists() {
        if !dir.join(MARKER).is_file() {
            return Err(CommandError::failure(format!(
                "error: {} exists and was not made by `depgate demo`; nothing was changed\n  help: move it away, or pass --dir DIR",
                dir.display()
            )));
        }
        std::fs::remove_dir_all(&dir).map_err(|e| {
            CommandError::failure(format!("error: cannot replace the previous demo in {}: {e}", dir.display()))
        })?;
    }
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(MARKER), b"made by depgate demo; replaced on the next run\n"))
        .map_err(|e| CommandError::failure(format!("error: cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

pub(super) async fn run(args: DemoArgs, color: bool) -> Result<ExitStatus, CommandError> {
    let dir: PathBuf = match &args.dir {
        // Absolute, so that the `dir` upstreams' `file:` URLs can be built.
        Some(d) => std::path::absolute(d)
            .map_err(|e| CommandError::failure(format!("error: cannot resolve {}: {e}", d.display())))?,
        None => default_dir()?,
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
        crate::atomic::write_atomic(&config_path, text.as_bytes())
            .map_err(|e| CommandError::failure(format!("error: {}: {e}", config_path.display())))?;
    }
    let config = Config::parse(&text, &config_path).map_err(CommandError::failure)?;
    eprintln!(
        "depgate demo: gating {} (npm, PyPI and Maven; each chain: curated folder → {})",
        dir.display(),
        if args.live { "public snapshot folder, live registry.npmjs.org for npm" } else { "public snapshot folder" }
    );
    let now = if args.live { time::OffsetDateTime::now_utc() } else { datetime!(2025-03-22 00:00:00 UTC) };
    let out = dir.join("depgate-report");
    let concurrency = usize::from(config.limits.concurrency);
    let req = CheckRequest {
        project: dir.clone(),
        lockfiles: Vec::new(),
        resolved: Vec::new(),
        config,
        out: out.clone(),
        format: Format::Table,
        // The PyPI and Maven snapshots hold pages, POMs and checksums but no wheels or jars
        // (their URLs stay the real registries'), so the demo compares the lockfiles' pins
        // with the registries' digests and does not fetch artifacts.
        download: false,
        cache_dir: dir.join(".depgate").join("cache"),
        refresh: false,
        concurrency,
        now,
        trusted_roots: Vec::new(),
        random_serial: args.random_serial,
        context: crate::audit::RunnerContext::from_env(),
        advisories: crate::cli::AdvisorySourceArgs::default(),
        advisories_only: false,
    };
    let (status, _) = check(req, color).await?;
    let expected = if args.live {
        "a dependency-confusion case in each ecosystem (cooldowns depend on the real clock and the live registry's publish times)"
    } else {
        "a dependency-confusion case in each ecosystem (npm, PyPI, Maven) and two cooldown cases (npm, PyPI)"
    };
    eprintln!(
        "\nThe demo is meant to block: {expected}.\nRead {} for the reviewer's summary, {} for the full record.",
        out.join("summary.md").display(),
        out.join("decisions.json").display()
    );
    // The demo succeeded if it produced the decisions it is meant to show.
    Ok(if status == ExitStatus::Failure { ExitStatus::Failure } else { ExitStatus::Allowed })
}
