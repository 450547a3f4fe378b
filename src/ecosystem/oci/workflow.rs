//! GitHub Actions workflows (`.github/workflows/*.yml`): each job's `container:` (a
//! string or `image:`), `services.*.image`, and steps that run `uses: docker://…`. A
//! `${{ matrix.KEY }}` in an image is expanded with the job's `strategy.matrix` values
//! (its list and its `include` entries); any other expression is an error naming it,
//! since the image it picks is not in the file.

use std::collections::BTreeSet;
use std::path::Path;

use super::{ImageKind, parse_reference, ref_error};
use crate::ecosystem::npm::common::{Map, Node};
use crate::ecosystem::{Coordinate, LockfileError};

/// Most images one templated reference may expand to.
const MAX_EXPANSIONS: usize = 256;

/// Parse a workflow into the images its jobs pull.
pub fn parse_workflow(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let docs = crate::ecosystem::npm::yaml::parse(text).map_err(|e| {
        LockfileError::new(file, e.line, format!("not valid YAML: {}", e.message), "fix the YAML syntax")
    })?;
    let mut out = Vec::new();
    let Some(jobs) = docs.first().and_then(|d| d.get("jobs")).and_then(Node::as_map) else { return Ok(out) };
    for job in &jobs.entries {
        let Some(j) = job.value.as_map() else { continue };
        let matrix = j.get("strategy").and_then(|s| s.get("matrix")).and_then(Node::as_map);
        let mut add = |written: &str, line: usize, kind: ImageKind, what: String| -> Result<(), LockfileError> {
            for value in expand(written, matrix, file, line, &what)? {
                let r = parse_reference(&value, kind, None).map_err(|e| ref_error(file, line, &e))?;
                out.push(r.written_at(written, text, line).into_coordinate(file, line));
            }
            Ok(())
        };
        if let Some(c) = j.entry("container") {
            let image = match &c.value {
                Node::Map(m) => m.entry("image").and_then(|e| e.value.as_str().map(|s| (s, e.line))),
                v => v.as_str().map(|s| (s, c.line)),
            };
            if let Some((s, line)) = image {
                add(s, line, ImageKind::WorkflowContainer, format!("job `{}` container", job.key))?;
            }
        }
        if let Some(services) = j.get("services").and_then(Node::as_map) {
            for svc in &services.entries {
                let image = match &svc.value {
                    Node::Map(m) => m.entry("image").and_then(|e| e.value.as_str().map(|s| (s, e.line))),
                    v => v.as_str().map(|s| (s, svc.line)),
                };
                if let Some((s, line)) = image {
                    add(s, line, ImageKind::WorkflowService, format!("job `{}` service `{}`", job.key, svc.key))?;
                }
            }
        }
        if let Some(Node::Array(steps)) = j.get("steps") {
            for step in steps.iter().filter_map(Node::as_map) {
                let Some(uses) = step.entry("uses") else { continue };
                if let Some(image) = uses.value.as_str().and_then(|u| u.trim().strip_prefix("docker://")) {
                    add(image, uses.line, ImageKind::WorkflowDockerAction, format!("job `{}` step", job.key))?;
                }
            }
        }
    }
    Ok(out)
}

/// The values a written image takes: itself, or one per matrix value of each
/// `${{ matrix.KEY }}` in it. Empty results (a job that runs without a container for
/// some matrix entries) are dropped.
fn expand(
    written: &str,
    matrix: Option<&Map>,
    file: &Path,
    line: usize,
    what: &str,
) -> Result<Vec<String>, LockfileError> {
    let mut results = vec![String::new()];
    let mut rest = written;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}") else {
            return Err(LockfileError::new(
                file,
                line,
                format!("{what} `{written}` has an unclosed `${{{{`"),
                "close the expression with `}}`",
            ));
        };
        let expr = rest[start + 3..start + len].trim();
        let values = expr
            .strip_prefix("matrix.")
            .filter(|k| k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .map(|k| matrix_values(matrix, k))
            .filter(|v| !v.is_empty() && !v.iter().any(|x| x.contains("${{")))
            .ok_or_else(|| {
                LockfileError::new(
                    file,
                    line,
                    format!("{what} `{written}` is chosen by the expression `{expr}`, which depgate cannot evaluate"),
                    "write the image literally, or list its values in the job's strategy.matrix and use ${{ matrix.KEY }}, so that every image the job can pull is gated",
                )
            })?;
        let prefix = &rest[..start];
        let mut next = Vec::new();
        for r in &results {
            for v in &values {
                next.push(format!("{r}{prefix}{v}"));
            }
        }
        if next.len() > MAX_EXPANSIONS {
            return Err(LockfileError::new(
                file,
                line,
                format!("{what} `{written}` expands to more than {MAX_EXPANSIONS} images"),
                "split the matrix, or name the images literally",
            ));
        }
        results = next;
        rest = &rest[start + len + 2..];
    }
    let out: BTreeSet<String> =
        results.into_iter().map(|r| format!("{r}{rest}")).filter(|r| !r.trim().is_empty()).collect();
    Ok(out.into_iter().collect())
}

/// The values of `matrix.KEY`: its list (or single value) and those of `include` entries.
fn matrix_values(matrix: Option<&Map>, key: &str) -> Vec<String> {
    let Some(m) = matrix else { return Vec::new() };
    let mut values = Vec::new();
    match m.get(key) {
        Some(Node::Array(items)) => values.extend(items.iter().filter_map(Node::as_str).map(str::to_string)),
        Some(v) => values.extend(v.as_str().map(str::to_string)),
        None => {}
    }
    if let Some(Node::Array(includes)) = m.get("include") {
        values.extend(includes.iter().filter_map(|i| i.str_field(key)).map(str::to_string));
    }
    values.sort();
    values.dedup();
    values
}
