//! `Dockerfile` / `Containerfile`: the images a build pulls. `FROM` (with `--platform` and
//! `AS` aliases), `COPY --from=<image>` and `RUN --mount=…,from=<image>`, after `ARG`
//! substitution: global `ARG`s (before the first `FROM`) in `FROM` lines, a stage's own
//! `ARG`s and `ENV`s in its instructions. Stage aliases, stage numbers and `scratch` are
//! not images. Parser directives (`# escape=`), line continuations, comments inside
//! continued lines and heredoc bodies are read as `BuildKit` reads them.

use std::collections::BTreeSet;
use std::path::Path;

use super::vars::{Scope, VarError, substitute};
use super::{ImageKind, parse_reference, ref_error};
use crate::ecosystem::{Coordinate, LockfileError};

/// Build arguments Docker sets itself; a platform naming them is kept as written.
const AUTOMATIC_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// One instruction: its keyword (upper case), its arguments and its first line.
struct Instruction {
    keyword: String,
    args: String,
    line: usize,
}

/// The instructions of a Dockerfile, continuations joined, comments and heredoc bodies
/// dropped. Returns the escape character too.
fn instructions(text: &str) -> (Vec<Instruction>, char) {
    let lines: Vec<&str> = text.lines().collect();
    let mut escape = '\\';
    // Parser directives: `# key=value` lines at the very top.
    let mut i = 0;
    while i < lines.len() {
        let Some(d) = lines[i].trim().strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else { break };
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() || k.contains(char::is_whitespace) {
            break;
        }
        if k == "escape" && v.trim() == "`" {
            escape = '`';
        }
        i += 1;
    }
    let mut out = Vec::new();
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut logical = String::new();
        loop {
            let l = lines[i].trim_end();
            i += 1;
            let Some(head) = l.strip_suffix(escape) else {
                logical.push_str(l);
                break;
            };
            logical.push_str(head);
            // Comment and empty lines inside a continued instruction are dropped.
            while i < lines.len() && (lines[i].trim().is_empty() || lines[i].trim_start().starts_with('#')) {
                i += 1;
            }
            if i >= lines.len() {
                break;
            }
        }
        let logical = logical.trim();
        let (keyword, args) = logical.split_once(char::is_whitespace).unwrap_or((logical, ""));
        let keyword = keyword.to_ascii_uppercase();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for word in heredoc_words(args) {
                // The body runs to a line that is the word (tabs stripped for `<<-`).
                while i < lines.len() {
                    let body = lines[i];
                    i += 1;
                    if body.trim_start_matches('\t').trim_end() == word {
                        break;
                    }
                }
            }
        }
        out.push(Instruction { keyword, args: args.trim().to_string(), line: start });
    }
    (out, escape)
}

/// The terminators of the heredocs an instruction opens (`<<EOF`, `<<-"EOF"`).
fn heredoc_words(args: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = args;
    while let Some(p) = rest.find("<<") {
        let mut after = &rest[p + 2..];
        after = after.strip_prefix('-').unwrap_or(after);
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
        if let Some(q) = quote {
            after = &after[1..];
            let end = after.find(q).unwrap_or(after.len());
            words.push(after[..end].to_string());
            rest = &after[end..];
            continue;
        }
        let end = after.find(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).unwrap_or(after.len());
        if end > 0 && after.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()) {
            words.push(after[..end].to_string());
        }
        rest = &after[end..];
    }
    words
}

/// Shell-like words: whitespace-separated, quotes grouped and removed.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                any = true;
            }
            None if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            Some(_) | None => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `--flag=value` words at the start of an instruction's arguments, then the rest.
fn flags(args: &str) -> (Vec<(String, String)>, String) {
    let mut flags = Vec::new();
    let mut rest = args.trim_start();
    while let Some(after) = rest.strip_prefix("--") {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let word = &after[..end];
        let (k, v) = word.split_once('=').unwrap_or((word, ""));
        flags.push((k.to_ascii_lowercase(), v.trim_matches('"').to_string()));
        rest = after[end..].trim_start();
    }
    (flags, rest.to_string())
}

/// The `from` of a `--mount` spec (`type=bind,from=img,target=/x`), if any.
fn mount_from(spec: &str) -> Option<String> {
    spec.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.trim().eq_ignore_ascii_case("from").then(|| v.trim().trim_matches('"').to_string())
    })
}

struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
    escape: char,
    global: Scope,
    stage: Scope,
    stages: BTreeSet<String>,
    out: Vec<Coordinate>,
}

impl Ctx<'_> {
    fn subst(&self, text: &str, scope: &Scope, line: usize, what: &str) -> Result<String, LockfileError> {
        substitute(text, scope, self.escape).map_err(|e| match e {
            VarError::Unset(name) => LockfileError::new(
                self.file,
                line,
                format!("{what} `{text}` uses ${name}, which has no value depgate can know"),
                format!(
                    "give `ARG {name}` a default (`ARG {name}=<the value your build passes>`), or write the image literally, so that the image this build pulls can be gated"
                ),
            ),
            VarError::Malformed => LockfileError::new(
                self.file,
                line,
                format!("{what} `{text}` has a malformed variable reference"),
                "close every `${` with `}`",
            ),
        })
    }

    /// Declare `ARG`s into `scope`: `NAME=default` or `NAME` (inheriting `inherit`'s value).
    fn declare_args(
        &self,
        args: &str,
        line: usize,
        inherit: Option<&Scope>,
        into_global: bool,
    ) -> Result<Scope, LockfileError> {
        let mut scope = if into_global { self.global.clone() } else { self.stage.clone() };
        for w in words(args) {
            let (name, value) = match w.split_once('=') {
                Some((n, v)) => {
                    let lookup = if into_global { &scope } else { &self.merged() };
                    (n.to_string(), Some(self.subst(v, lookup, line, "ARG")?))
                }
                None => (w.clone(), inherit.and_then(|g| g.get(&w).cloned().flatten())),
            };
            scope.insert(name, value);
        }
        Ok(scope)
    }

    /// A stage's scope: its own `ARG`s and `ENV`s (global ones only when redeclared).
    fn merged(&self) -> Scope {
        self.stage.clone()
    }

    /// An image named in a stage (`COPY --from`, `--mount from=`), unless it is a stage.
    fn stage_image(&mut self, written: &str, line: usize, kind: ImageKind) -> Result<(), LockfileError> {
        let what = if kind == ImageKind::CopyFrom { "COPY --from" } else { "RUN --mount from" };
        let value = self.subst(written, &self.merged(), line, what)?;
        if value.is_empty()
            || value.bytes().all(|b| b.is_ascii_digit())
            || self.stages.contains(&value.to_ascii_lowercase())
        {
            return Ok(());
        }
        let r = parse_reference(&value, kind, None).map_err(|e| ref_error(self.file, line, &e))?;
        self.out.push(r.written_at(written, self.text, line).into_coordinate(self.file, line));
        Ok(())
    }
}

/// Whether `image` picks a stage by a platform argument Docker sets itself
/// (`FROM binaries-$TARGETOS`): with those arguments as wildcards, it matches a stage name.
fn names_a_stage_per_platform(image: &str, global: &Scope, escape: char, stages: &BTreeSet<String>) -> bool {
    const WILD: char = '\u{1}';
    let mut scope = global.clone();
    let mut uses_automatic = false;
    for a in AUTOMATIC_ARGS {
        if global.get(*a).cloned().flatten().is_none() && image.contains(a) {
            scope.insert((*a).to_string(), Some(WILD.to_string()));
            uses_automatic = true;
        }
    }
    if !uses_automatic {
        return false;
    }
    let Ok(pattern) = substitute(image, &scope, escape) else { return false };
    let pattern = pattern.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split(WILD).collect();
    stages.iter().any(|s| glob_match(&parts, s))
}

/// `parts` joined by wildcards (each matching any run of name characters) match `s`.
fn glob_match(parts: &[&str], s: &str) -> bool {
    let Some((first, rest)) = parts.split_first() else { return s.is_empty() };
    let Some(mut tail) = s.strip_prefix(first) else { return false };
    if rest.is_empty() {
        return tail.is_empty();
    }
    for (i, part) in rest.iter().enumerate() {
        let last = i == rest.len() - 1;
        if last {
            return tail.ends_with(part);
        }
        match tail.find(part) {
            Some(p) => tail = &tail[p + part.len()..],
            None => return false,
        }
    }
    true
}

/// Parse a Dockerfile into the images it pulls, each at its instruction's first line.
pub fn parse_dockerfile(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let (instructions, escape) = instructions(text);
    let mut cx =
        Ctx { file, text, escape, global: Scope::new(), stage: Scope::new(), stages: BTreeSet::new(), out: Vec::new() };
    let mut in_stage = false;
    for ins in &instructions {
        let line = ins.line;
        match ins.keyword.as_str() {
            "ARG" if !in_stage => cx.global = cx.declare_args(&ins.args, line, None, true)?,
            "ARG" => {
                let global = cx.global.clone();
                cx.stage = cx.declare_args(&ins.args, line, Some(&global), false)?;
            }
            "ENV" if in_stage => {
                let ws = words(&ins.args);
                let legacy = ws.first().is_some_and(|w| !w.contains('='));
                if legacy {
                    // `ENV NAME value with spaces`
                    let (name, value) = ins.args.split_once(char::is_whitespace).unwrap_or((&ins.args, ""));
                    let v = cx.subst(value.trim(), &cx.merged(), line, "ENV")?;
                    cx.stage.insert(name.to_string(), Some(v));
                } else {
                    for w in ws {
                        if let Some((n, v)) = w.split_once('=') {
                            let v = cx.subst(v, &cx.merged(), line, "ENV")?;
                            cx.stage.insert(n.to_string(), Some(v));
                        }
                    }
                }
            }
            "FROM" => {
                in_stage = true;
                cx.stage = Scope::new();
                let (flags, rest) = flags(&ins.args);
                let ws = words(&rest);
                let Some(image) = ws.first() else {
                    return Err(LockfileError::new(
                        file,
                        line,
                        "FROM names no image",
                        "write `FROM <image>[:tag][@digest] [AS <name>]`",
                    ));
                };
                let alias = match ws.as_slice() {
                    [_] => None,
                    [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
                    _ => {
                        return Err(LockfileError::new(
                            file,
                            line,
                            format!("`FROM {}` is not `FROM <image> [AS <name>]`", ins.args),
                            "write `FROM [--platform=<platform>] <image> [AS <name>]`",
                        ));
                    }
                };
                let platform = match flags.iter().find(|(k, _)| k == "platform") {
                    Some((_, p)) => {
                        let mut scope = cx.global.clone();
                        for a in AUTOMATIC_ARGS {
                            scope.entry((*a).to_string()).or_insert(None);
                        }
                        // Docker's automatic platform arguments stay as written.
                        Some(substitute(p, &scope, escape).unwrap_or_else(|_| p.clone()))
                    }
                    None => None,
                };
                if names_a_stage_per_platform(image, &cx.global, escape, &cx.stages) {
                    if let Some(a) = alias {
                        cx.stages.insert(a);
                    }
                    continue;
                }
                let value = cx.subst(image, &cx.global.clone(), line, "FROM")?;
                let lower = value.to_ascii_lowercase();
                if lower != "scratch" && !cx.stages.contains(&lower) {
                    let r =
                        parse_reference(&value, ImageKind::From, platform).map_err(|e| ref_error(file, line, &e))?;
                    cx.out.push(r.written_at(image, text, line).into_coordinate(file, line));
                }
                if let Some(a) = alias {
                    cx.stages.insert(a);
                }
            }
            "COPY" => {
                let (flags, _) = flags(&ins.args);
                if let Some((_, from)) = flags.iter().find(|(k, _)| k == "from") {
                    cx.stage_image(from, line, ImageKind::CopyFrom)?;
                }
            }
            "RUN" => {
                let (flags, _) = flags(&ins.args);
                for (_, spec) in flags.iter().filter(|(k, _)| k == "mount") {
                    if let Some(from) = mount_from(spec) {
                        cx.stage_image(&from, line, ImageKind::MountFrom)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(cx.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_terminators() {
        assert_eq!(heredoc_words("<<EOF cat"), vec!["EOF"]);
        assert_eq!(heredoc_words("<<-\"END\" x <<two"), vec!["END", "two"]);
        assert!(heredoc_words("echo a << 3").is_empty());
    }

    #[test]
    fn platform_wildcards_match_stage_names() {
        assert!(glob_match(&["binaries-", ""], "binaries-linux"));
        assert!(!glob_match(&["binaries-", ""], "tools-linux"));
        assert!(glob_match(&["a-", "-", ""], "a-linux-amd64"));
    }

    #[test]
    fn mount_specs() {
        assert_eq!(mount_from("type=bind,from=golang:1.22,source=/go,target=/go").as_deref(), Some("golang:1.22"));
        assert_eq!(mount_from("type=cache,target=/root/.cache"), None);
    }
}
