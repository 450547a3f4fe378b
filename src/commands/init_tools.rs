//! `depgate init`, second part: the release-age settings of the package managers and
//! update bots the project uses, against the `depgate.toml` just written.
//!
//! Where a tool's setting is absent, the lines [`suggest`] proposes are added to the tool's
//! own file ([`write::insert`] keeps everything else in it byte for byte and checks the
//! edit; the file is replaced atomically, keeping its permissions), and each addition is
//! printed so the user can review the diff. A file is created only where the tool expects
//! one at the project root (`.npmrc`, `pnpm-workspace.yaml`, `.yarnrc.yml`, `bunfig.toml`);
//! `pyproject.toml`, `uv.toml`, `pip.conf` and the bots' files are edited only when there.
//! A setting that is there is the owner's: one that agrees is said to, one that drifts is
//! warned about with the line to change, and neither is touched. With
//! `--no-tool-settings` nothing is written and every line is printed.

use std::path::Path;

use crate::config::Config;
use crate::cooldowns::drift::{Depgate, RULE, drift};
use crate::cooldowns::find::{pip_files, project};
use crate::cooldowns::suggest::{Suggestion, suggest};
use crate::cooldowns::write;
use crate::cooldowns::{FileKind, RENOVATE_FILES, Read, Tool, python};
use crate::ecosystem::Ecosystem;

/// Larger files are not edited (no tool's configuration comes close).
const MAX_BYTES: u64 = 1 << 20;

/// The package managers and bots a project uses, by the files at its root.
fn tools_present(root: &Path) -> Vec<Tool> {
    let has = |f: &str| root.join(f).is_file();
    let yarn_berry =
        has(".yarnrc.yml") || std::fs::read_to_string(root.join("yarn.lock")).is_ok_and(|t| t.contains("__metadata:"));
    let requirements = std::fs::read_dir(root).into_iter().flatten().flatten().any(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        n.starts_with("requirements") && Path::new(&n).extension().is_some_and(|x| x.eq_ignore_ascii_case("txt"))
    });
    let uv = has("uv.lock")
        || has("uv.toml")
        || std::fs::read_to_string(root.join("pyproject.toml")).is_ok_and(|t| t.contains("[tool.uv"));
    [
        (Tool::Npm, has("package-lock.json") || has("npm-shrinkwrap.json")),
        (Tool::Pnpm, has("pnpm-lock.yaml") || has("pnpm-workspace.yaml")),
        (Tool::Yarn, yarn_berry),
        (Tool::Bun, has("bun.lock") || has("bun.lockb") || has("bunfig.toml")),
        (Tool::Uv, uv),
        (Tool::Pip, requirements),
        (Tool::Renovate, RENOVATE_FILES.iter().any(|f| has(f))),
        (Tool::Dependabot, has(".github/dependabot.yml") || has(".github/dependabot.yaml")),
    ]
    .into_iter()
    .filter_map(|(t, present)| present.then_some(t))
    .collect()
}

/// The file a tool's setting is written in (relative to the project), its kind, and
/// whether depgate may create it; `Err` says why there is none.
fn target(root: &Path, tool: Tool) -> Result<(&'static str, FileKind, bool), &'static str> {
    let has = |f: &str| root.join(f).is_file();
    match tool {
        Tool::Npm => Ok((".npmrc", FileKind::Npmrc, true)),
        Tool::Pnpm => Ok(("pnpm-workspace.yaml", FileKind::PnpmWorkspace, true)),
        Tool::Yarn => Ok((".yarnrc.yml", FileKind::Yarnrc, true)),
        Tool::Bun => Ok(("bunfig.toml", FileKind::Bunfig, true)),
        // uv.toml, when there, is the one uv reads (it then ignores [tool.uv]); a new
        // uv.toml would hide the pyproject.toml's [tool.uv], so none is created.
        Tool::Uv if has("uv.toml") => Ok(("uv.toml", FileKind::UvToml, false)),
        Tool::Uv if has("pyproject.toml") => Ok(("pyproject.toml", FileKind::Pyproject, false)),
        Tool::Uv => Err("there is no pyproject.toml or uv.toml to write it in (depgate creates neither)"),
        Tool::Pip if has("pip.conf") => Ok(("pip.conf", FileKind::PipConf, false)),
        Tool::Pip => Err("pip has no project file; depgate writes only into a pip.conf the project has"),
        Tool::Renovate => {
            RENOVATE_FILES.iter().find(|f| has(f)).map(|f| (*f, FileKind::Renovate, false)).ok_or("no Renovate file")
        }
        Tool::Dependabot => [".github/dependabot.yml", ".github/dependabot.yaml"]
            .into_iter()
            .find(|f| has(f))
            .map(|f| (f, FileKind::Dependabot, false))
            .ok_or("no Dependabot file"),
    }
}

/// What was written into one file.
struct Wrote {
    tool: Tool,
    file: &'static str,
    added: Vec<String>,
}

/// Add `tool`'s missing setting to its file; `Ok(None)` when nothing was missing, `Err`
/// why the lines are printed instead.
fn write_tool(
    root: &Path,
    tool: Tool,
    dg: &Depgate,
    gated: &[Ecosystem],
    read: &Read,
    now: i64,
) -> Result<Option<Wrote>, String> {
    let (rel, kind, create) = target(root, tool).map_err(str::to_string)?;
    let path = root.join(rel);
    let text = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(format!("{rel} is a symbolic link, which depgate does not replace"));
        }
        Ok(m) if m.len() > MAX_BYTES => return Err(format!("{rel} is larger than {MAX_BYTES} bytes")),
        Ok(_) => std::fs::read_to_string(&path).map_err(|e| format!("{rel} cannot be read: {e}"))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => String::new(),
        Err(e) => return Err(format!("{rel} cannot be read: {e}")),
    };
    let Some(edit) =
        write::insert(tool, kind, rel, &text, dg, gated, &read.settings, now).map_err(|why| format!("{rel}: {why}"))?
    else {
        return Ok(None);
    };
    crate::atomic::replace_atomic(&path, edit.text.as_bytes()).map_err(|e| format!("cannot write {rel}: {e}"))?;
    Ok(Some(Wrote { tool, file: rel, added: edit.added }))
}

/// The project's settings as `init` shows them: [`project`]'s, and the project's own
/// `pip.conf` when pip would not read it by itself (with a note saying so).
fn settings(root: &Path, now: i64, env: &dyn Fn(&str) -> Option<String>) -> Read {
    let mut read = project(root, now, env);
    let conf = root.join("pip.conf");
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let read_by_pip = pip_files(env).iter().any(|p| abs(p) == abs(&conf));
    if !read_by_pip
        && !read.settings.iter().any(|s| s.tool == Tool::Pip)
        && let Ok(text) = std::fs::read_to_string(&conf)
    {
        let mut own = python::pip_conf("pip.conf", &text, now);
        for s in &mut own.settings {
            s.note = Some("pip reads the project's pip.conf only where PIP_CONFIG_FILE names it".into());
        }
        read.extend(own);
    }
    read
}

fn print_lines(s: &Suggestion) {
    for l in &s.lines {
        eprintln!("      {l}");
    }
    for n in &s.notes {
        eprintln!("    note: {n}");
    }
}

/// Write (unless `!write`) and print the release-age settings of each tool the project at
/// `root` uses, for the ecosystems `gated`, against `cfg`.
pub(super) fn cooldowns(
    root: &Path,
    cfg: &Config,
    gated: &[Ecosystem],
    env: &dyn Fn(&str) -> Option<String>,
    write: bool,
) {
    let dg = Depgate::from_config(cfg);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let tools = tools_present(root);
    let suggestions: Vec<Suggestion> = tools.iter().filter_map(|t| suggest(*t, &dg, gated)).collect();
    let mut written: Vec<Wrote> = Vec::new();
    let mut not_written: Vec<(Tool, String)> = Vec::new();
    if write {
        let before = settings(root, now, env);
        for s in &suggestions {
            match write_tool(root, s.tool, &dg, gated, &before, now) {
                Ok(Some(w)) => written.push(w),
                Ok(None) => {}
                Err(why) => not_written.push((s.tool, why)),
            }
        }
    }
    // What the files hold now, the new lines included.
    let read = settings(root, now, env);
    let drift = drift(&read.settings, &dg, gated);
    if suggestions.is_empty() && drift.is_empty() && read.problems.is_empty() {
        return;
    }
    if write {
        eprintln!(
            "package-manager and bot cooldowns (added where absent; the values already set are left as they are):"
        );
    } else {
        eprintln!("package-manager and bot cooldowns (--no-tool-settings: printed, not written):");
    }
    for s in &suggestions {
        let drifts = drift.iter().any(|f| f.tool == s.tool);
        let mine: Vec<&Wrote> = written.iter().filter(|w| w.tool == s.tool).collect();
        for w in &mine {
            match w.added.as_slice() {
                [one] => eprintln!("  {}: wrote {}: {one}", s.tool.as_str(), w.file),
                many => {
                    eprintln!("  {}: wrote {}:", s.tool.as_str(), w.file);
                    for l in many {
                        eprintln!("      {l}");
                    }
                }
            }
            for n in &s.notes {
                eprintln!("    note: {n}");
            }
            let pip = read.settings.iter().filter(|x| x.tool == Tool::Pip && x.file == w.file);
            for n in pip.filter_map(|x| x.note.as_deref()) {
                eprintln!("    note: {n}");
            }
        }
        if !mine.is_empty() && !drifts {
            continue;
        }
        let set: Vec<String> = read
            .settings
            .iter()
            .filter(|x| x.tool == s.tool)
            .map(|x| format!("{} {} = {}", x.place(), x.setting, x.value))
            .collect();
        if !set.is_empty() && !drifts {
            eprintln!("  {}: {} agrees with depgate", s.tool.as_str(), set.join(", "));
            // pip's note: a project pip.conf is read only through PIP_CONFIG_FILE.
            let pip = read.settings.iter().filter(|x| x.tool == Tool::Pip && s.tool == Tool::Pip);
            for n in pip.filter_map(|x| x.note.as_deref()) {
                eprintln!("    note: {n}");
            }
            continue;
        }
        let how = if set.is_empty() { "add to" } else { "change (see the warnings below) so that it reads, in" };
        // The tool's own file when it has one (renovate.json5, uv.toml, …).
        let file = read
            .settings
            .iter()
            .find(|x| x.tool == s.tool && x.line > 0)
            .map(|x| x.file.clone())
            .or_else(|| target(root, s.tool).ok().map(|t| t.0.to_string()))
            .unwrap_or_else(|| s.file.clone());
        eprintln!("  {}: {how} {file}:", s.tool.as_str());
        // A bot's entries that drift, not the ones that agree or were just written.
        let mut ecos: Vec<Ecosystem> = drift.iter().filter(|f| f.tool == s.tool).map(|f| f.ecosystem).collect();
        ecos.dedup();
        match suggest(s.tool, &dg, &ecos) {
            Some(only) if s.tool.is_bot() && !set.is_empty() => print_lines(&only),
            _ => print_lines(s),
        }
        for (_, why) in not_written.iter().filter(|(t, _)| *t == s.tool) {
            eprintln!("    note: not written: {why}");
        }
    }
    for f in &drift {
        eprintln!("  warn {}:{} {RULE}: {}", f.file, f.line, f.msg);
        eprintln!("       → {}", f.remedy);
    }
    for p in &read.problems {
        eprintln!("  warn {p}");
    }
}
