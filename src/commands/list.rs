//! `depgate list`: the coordinates parsed from lockfiles, with no network access.

use std::io::Write;

use serde::Serialize;

use crate::cli::{Format, ListArgs};
use crate::ecosystem::{Coordinate, SourceKind};
use crate::engine::parse_sri;
use crate::exit::{CommandError, ExitStatus};

#[derive(Serialize)]
struct Row<'a> {
    ecosystem: &'a str,
    name: &'a str,
    version: &'a str,
    purl: String,
    integrity: Option<&'a str>,
    /// Digests (hex) by algorithm, decoded from the integrity.
    hashes: std::collections::BTreeMap<String, String>,
    direct: bool,
    dev: bool,
    optional: bool,
    bundled: bool,
    /// Installed for the package manager itself (pnpm 11's `@pnpm/exe` family, config
    /// dependencies), not for the project.
    package_manager: bool,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    classifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extension: Option<&'a str>,
    /// Files the lockfile pins (`PyPI` wheels/sdists, the Maven artifact file).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    files: &'a [crate::ecosystem::LockedFile],
    source_file: String,
    line: usize,
    /// Container images: where the reference points, in Docker's normal form.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    image: Option<ImageRow<'a>>,
}

/// The fields an image adds to a row.
#[derive(Serialize)]
struct ImageRow<'a> {
    registry: &'a str,
    /// `registry/path`, as Docker normalises it (`docker.io/library/nginx`).
    repository: String,
    tag: Option<&'a str>,
    /// `sha256:…`, null when the reference is not pinned.
    digest: Option<&'a str>,
    platform: Option<&'a str>,
    kind: &'static str,
}

fn row(c: &Coordinate) -> Row<'_> {
    let location = match &c.source {
        SourceKind::Registry => None,
        SourceKind::Git(s) | SourceKind::File(s) | SourceKind::Link(s) | SourceKind::Tarball(s) => Some(s.as_str()),
    };
    Row {
        ecosystem: c.ecosystem.as_str(),
        name: &c.name,
        version: &c.version,
        purl: c.purl(),
        integrity: c.integrity.as_deref(),
        hashes: match c.integrity.as_deref() {
            Some(i) => parse_sri(i),
            // One file pinned: its digests; several (wheels): see `files`.
            None if c.files.len() == 1 => c.files[0].hashes.clone(),
            None => std::collections::BTreeMap::new(),
        },
        direct: c.direct,
        dev: c.dev,
        optional: c.optional,
        bundled: c.bundled,
        package_manager: c.package_manager,
        source: c.source.label(),
        location,
        resolved: c.resolved.as_deref().map(crate::redact::redact_text),
        alias: c.alias.as_deref(),
        classifier: c.classifier.as_deref(),
        extension: c.extension.as_deref(),
        files: &c.files,
        source_file: c.source_file.display().to_string(),
        line: c.line,
        image: c.image.as_deref().map(|i| ImageRow {
            registry: &i.registry,
            repository: i.repository(),
            tag: i.tag.as_deref(),
            digest: i.digest.as_deref(),
            platform: i.platform.as_deref(),
            kind: i.kind.as_str(),
        }),
    }
}

pub(super) fn run(args: &ListArgs) -> Result<ExitStatus, CommandError> {
    let gathered = crate::lockfiles::gather(&args.project.path, &args.project.lockfiles, &args.project.resolved)
        .map_err(|e| CommandError::usage(format!("error: {e}")))?;
    super::print_notes(&gathered.notes);
    let coords = gathered.coords;
    let rows: Vec<Row<'_>> = coords.iter().map(row).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let res = match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from).and_then(|()| writeln!(out))
        }
        Format::Table => (|| {
            let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).clamp(4, 50);
            writeln!(out, "{:<w$}  {:<14} {:<8} {:<5} {:<5} source", "name", "version", "kind", "dev", "direct")?;
            for r in &rows {
                // The package manager's own packages (pnpm 11's first document) are marked.
                let role = if r.package_manager { "  (package manager)" } else { "" };
                writeln!(
                    out,
                    "{:<w$}  {:<14} {:<8} {:<5} {:<5} {}:{}{role}",
                    r.name, r.version, r.source, r.dev, r.direct, r.source_file, r.line
                )?;
            }
            writeln!(out, "{} packages", rows.len())
        })(),
    };
    match res {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CommandError::failure(format!("error: cannot write to stdout: {e}")))
        }
        _ => Ok(ExitStatus::Allowed),
    }
}
