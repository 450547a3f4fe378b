//! The Actions runner's side channels: workflow commands on stdout (annotations, groups,
//! masks, notices), the `$GITHUB_OUTPUT` file and the `$GITHUB_STEP_SUMMARY` file. Every
//! function writes to `impl Write`; the command decides which stream or file that is.
//!
//! Escaping follows `@actions/core` (`command.ts`): message data escapes `%`, `\r`, `\n`;
//! property values additionally `:` and `,`. Outputs use the `name<<DELIMITER` form with a
//! random delimiter that is checked not to occur in the name or the value.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use super::{Level, Report, ReportedPackage, Tally};

/// GitHub's limit for one step's summary.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a property value of a workflow command (`file=`, `title=`, …).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command: `::name k=v,k=v::message`, properties with empty values left out.
pub fn command(w: &mut impl Write, name: &str, properties: &[(&str, String)], message: &str) -> io::Result<()> {
    let props: Vec<String> =
        properties.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    if props.is_empty() {
        writeln!(w, "::{name}::{}", escape_data(message))
    } else {
        writeln!(w, "::{name} {}::{}", props.join(","), escape_data(message))
    }
}

/// The workflow command (and check-run annotation) level of a decision; `None` for allow.
pub fn annotation_command(level: Level) -> Option<&'static str> {
    match level {
        Level::Deny | Level::Error => Some("error"),
        Level::Quarantine | Level::Warn => Some("warning"),
        Level::Allow => None,
    }
}

/// The title of an annotation: `depgate deny: not-found-in-owner`.
pub fn annotation_title(entry: &ReportedPackage) -> String {
    match entry.top() {
        Some(f) if f.advisory.is_some() => {
            format!("depgate {}: {} {}", entry.decision, f.rule, f.advisory.as_deref().unwrap_or_default())
        }
        Some(f) => format!("depgate {}: {}", entry.decision, f.rule),
        None => format!("depgate {}", entry.decision),
    }
}

/// The message of an annotation: the package, then what the policy said and what to do.
pub fn annotation_message(entry: &ReportedPackage) -> String {
    let Some(f) = entry.top() else { return format!("{} is {}", entry.purl, entry.decision) };
    let msg = f.msg.strip_prefix(&format!("{}: ", entry.purl)).unwrap_or(&f.msg);
    let mut out = format!("{}: {msg}", entry.purl);
    if let Some(until) = &f.until {
        let _ = write!(out, "\nuntil {until}");
    }
    if let Some(remedy) = &f.remedy {
        let _ = write!(out, "\n→ {remedy}");
    }
    out
}

/// Annotations for every package that is not allowed, `::error` for deny and error,
/// `::warning` for quarantine and warn, inside a `::group::` so the log stays short.
/// `paths` holds each entry's workspace-relative lockfile (same order as `entries`).
pub fn write_annotations(
    w: &mut impl Write,
    entries: &[ReportedPackage],
    paths: &[Option<String>],
) -> io::Result<usize> {
    let mut notable: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].decision != Level::Allow).collect();
    if notable.is_empty() {
        return Ok(0);
    }
    notable.sort_by_key(|&i| (std::cmp::Reverse(entries[i].decision), !entries[i].by_advisory()));
    command(w, "group", &[], &format!("depgate: {} dependencies not allowed", notable.len()))?;
    for &i in &notable {
        let e = &entries[i];
        let Some(kind) = annotation_command(e.decision) else { continue };
        let mut props = Vec::new();
        if let Some(Some(path)) = paths.get(i) {
            props.push(("file", path.clone()));
            if e.line > 0 {
                props.push(("line", e.line.to_string()));
            }
        }
        props.push(("title", annotation_title(e)));
        command(w, kind, &props, &annotation_message(e))?;
    }
    command(w, "endgroup", &[], "")?;
    Ok(notable.len())
}

/// A random delimiter for the `name<<DELIMITER` form (`ghadelimiter_` and 128 random bits,
/// from the standard library's per-process random hasher keys).
pub fn random_delimiter() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bits = [0u64; 2];
    for (i, b) in bits.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        *b = h.finish();
    }
    format!("ghadelimiter_{:016x}{:016x}", bits[0], bits[1])
}

/// Append outputs in the multi-line-safe form: `name<<D`, the value, `D`. `delimiter` is
/// asked again while the one it gives occurs in the name or the value (at most 16 times).
pub fn write_outputs(
    w: &mut impl Write,
    outputs: &[(&str, String)],
    mut delimiter: impl FnMut() -> String,
) -> io::Result<()> {
    for (name, value) in outputs {
        let mut d = delimiter();
        let mut tries = 1;
        while name.contains(&d) || value.contains(&d) {
            if tries == 16 {
                return Err(io::Error::other(format!("no delimiter found that does not occur in output {name}")));
            }
            d = delimiter();
            tries += 1;
        }
        write!(w, "{name}<<{d}\n{value}\n{d}\n")?;
    }
    Ok(())
}

/// The step's outputs: the worst decision, the count of each decision, whether the step
/// fails, and absolute paths of the report folder, the SBOMs and the audit log (empty
/// when the file is missing).
pub fn outputs(outcome: &Tally, report: &Report) -> Vec<(&'static str, String)> {
    let file = |name: &str| report.file(name).map(|p| p.display().to_string()).unwrap_or_default();
    let mut out = vec![("decision", outcome.worst.as_str().to_string())];
    for level in Level::ALL {
        out.push((level.as_str(), outcome.count(level).to_string()));
    }
    out.push(("failed", outcome.failed.to_string()));
    out.push(("report-dir", report.dir.display().to_string()));
    out.push(("sbom-cyclonedx", file("sbom.cdx.json")));
    out.push(("sbom-spdx", file("sbom.spdx.json")));
    out.push(("audit-log", file("audit.jsonl")));
    out
}

/// Room left in a step summary file that already holds `existing` bytes.
pub fn summary_budget(existing: u64) -> usize {
    STEP_SUMMARY_LIMIT.saturating_sub(usize::try_from(existing).unwrap_or(usize::MAX))
}

/// Append `text` to the file at `path` (the step summary or the outputs file).
pub fn append(path: &Path, text: &[u8]) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new().append(true).create(true).open(path)?;
    f.write_all(text)?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_like_the_toolkit() {
        let mut out = Vec::new();
        command(&mut out, "error", &[("file", "a,b:c.lock".into()), ("line", "3".into())], "50% done\r\nnext").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "::error file=a%2Cb%3Ac.lock,line=3::50%25 done%0D%0Anext\n");
    }
}
