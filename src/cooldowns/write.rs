//! What `depgate init` adds to a package manager's or bot's file where its release-age
//! setting is absent: the lines [`suggest`] proposes, inserted so that everything already
//! in the file stays as it was, byte for byte (comments, order, layout).
//!
//! Pure: a file's text in, the new text and what was added out, or the reason the file is
//! left to its owner (then `init` prints the lines instead). Every edit is checked before
//! it is offered: the new text is read back with the tool's reader ([`super::read`]) and
//! must hold the new setting with no `cooldown-drift` against depgate, and for YAML and
//! JSON the document must equal the old one plus the inserted keys.
//!
//! How each format is edited:
//! - TOML (`bunfig.toml`, `uv.toml`, `pyproject.toml`): `toml_edit`, a format-preserving
//!   editor: keys go into the table (`[install]`, `[tool.uv]`, the root of `uv.toml`),
//!   which is added at the end when it is not there.
//! - `.npmrc` and `pip.conf`: lines. `.npmrc` has no sections, so a key line is appended;
//!   in `pip.conf` the key goes at the end of the `[install]` section, or a new one.
//! - YAML (`pnpm-workspace.yaml`, `.yarnrc.yml`, Dependabot): lines too, as no YAML editor
//!   that keeps comments is in the tree. A top-level key appended at the end of a document
//!   whose root is a block mapping is a key of that mapping, whatever came before it (a
//!   block scalar or nested block ends at a line with less indentation). Dependabot's
//!   `cooldown:` goes after the last line of its `updates:` entry, at the indentation of
//!   that entry's keys; a file in any other shape (flow style, tabs, several documents,
//!   anchors) is not edited.
//! - JSON (`renovate.json`): the rules are inserted as text at the end of `packageRules`
//!   (or a new `packageRules` after the last top-level key), in the file's indentation. A
//!   JSON5 file, or one with comments, is not edited: no JSON5 editor is in the tree.

use toml_edit::{DocumentMut, Item, Table};

use super::drift::{Depgate, Direction, drift};
use super::suggest::suggest;
use super::{FileKind, Read, Setting, Tool};
use crate::ecosystem::Ecosystem;

/// A file's new text and the lines that were added to it (for the user to review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    pub text: String,
    pub added: Vec<String>,
}

/// A setting written in a file or the environment, not a package manager's default (those
/// have no line and name the file they would be written in).
pub fn written(s: &Setting) -> bool {
    s.line > 0 || s.file == "environment"
}

/// The lines to add to `text` (the file `file` of kind `kind`; empty for a file to create)
/// so that `tool` waits as depgate does, given the settings already found (`existing`).
/// `Ok(None)`: nothing to add (the setting is there, or depgate does not wait).
/// `Err(why)`: the file is not edited; `why` says so to the user.
#[allow(clippy::too_many_arguments)]
pub fn insert(
    tool: Tool,
    kind: FileKind,
    file: &str,
    text: &str,
    dg: &Depgate,
    gated: &[Ecosystem],
    existing: &[Setting],
    now: i64,
) -> Result<Option<Insertion>, String> {
    let before = super::read(kind, file, text, now);
    let known: Vec<Setting> = existing.iter().chain(&before.settings).cloned().collect();
    let edit = match tool {
        Tool::Renovate => renovate(file, text, dg, gated, &known)?,
        Tool::Dependabot => dependabot(text, dg, gated)?,
        _ => {
            if known.iter().any(|s| s.tool == tool && written(s)) {
                return Ok(None);
            }
            let Some(s) = suggest(tool, dg, gated) else { return Ok(None) };
            match (tool, kind) {
                (Tool::Npm, _) => Some(append_lines(text, &s.lines)),
                (Tool::Pnpm | Tool::Yarn, _) => yaml_top_keys(text, &s.lines)?,
                (Tool::Bun, _) => toml_keys(text, &["install"], &s.lines[1..])?,
                (Tool::Uv, FileKind::UvToml) => toml_keys(text, &[], &s.lines[1..])?,
                (Tool::Uv, _) => toml_keys(text, &["tool", "uv"], &s.lines[1..])?,
                _ => Some(pip_install_key(text, &s.lines[1..])),
            }
        }
    };
    let Some(edit) = edit else { return Ok(None) };
    check(tool, kind, file, &before, &edit, dg, gated, now)?;
    Ok(Some(edit))
}

/// The edit holds the new setting, reads without a new problem, and agrees with depgate.
#[allow(clippy::too_many_arguments)]
fn check(
    tool: Tool,
    kind: FileKind,
    file: &str,
    before: &Read,
    edit: &Insertion,
    dg: &Depgate,
    gated: &[Ecosystem],
    now: i64,
) -> Result<(), String> {
    let after = super::read(kind, file, &edit.text, now);
    if let Some(p) = after.problems.iter().find(|p| !before.problems.iter().any(|b| b.message == p.message)) {
        return Err(format!("the edit would not read back cleanly ({p}); add the lines by hand"));
    }
    // A value of the tool's that cannot be read (`min-release-age=soon`) is still there
    // after the edit: a second key beside it would be a guess at what the owner meant. A
    // problem the edit resolves (an exemption list with no age yet) is what it is for.
    if let Some(p) = after.problems.iter().find(|p| p.tool == tool) {
        return Err(format!("{p}; fix it first"));
    }
    let fresh: Vec<Setting> = after
        .settings
        .into_iter()
        .filter(|s| s.tool == tool && !before.settings.iter().any(|b| b.setting == s.setting && b.value == s.value))
        .collect();
    if fresh.is_empty() {
        return Err("the edit would not read back as a setting (a bug: please report it)".into());
    }
    // Holding back is what a tool does where depgate's first tier does not wait (the tool
    // cannot tell which registry serves a name; `suggest` notes it): only letting through
    // what depgate quarantines makes the lines wrong.
    if let Some(d) = drift(&fresh, dg, gated).iter().find(|d| d.direction == Direction::LetsThrough) {
        return Err(format!("the lines would still drift from depgate ({}): {}", d.setting, d.msg));
    }
    Ok(())
}

/// The newline the file uses.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// `text` with `lines` appended, on a line of their own.
fn append_lines(text: &str, lines: &[String]) -> Insertion {
    let nl = newline(text);
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(nl);
    }
    for l in lines {
        out.push_str(l);
        out.push_str(nl);
    }
    Insertion { text: out, added: lines.to_vec() }
}

/// A YAML text as JSON (one document; none is `null`), to compare an edit with.
fn yaml_value(text: &str) -> Result<serde_json::Value, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("not valid YAML ({e})"))?;
    match docs.as_slice() {
        [] => Ok(serde_json::Value::Null),
        [one] => crate::yaml::to_json(one),
        _ => Err("it holds several YAML documents".into()),
    }
}

/// Lines that carry YAML content (not blank, not a comment).
fn content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// The YAML shapes a line-based edit would misread: tabs in indentation, document markers
/// after the start, directives.
fn plain_block_yaml(text: &str) -> Result<(), String> {
    let mut started = false;
    for (i, l) in text.lines().enumerate() {
        let indent: String = l.chars().take_while(|c| c.is_whitespace()).collect();
        if indent.contains('\t') {
            return Err(format!("line {} is indented with a tab", i + 1));
        }
        if !content(l) {
            continue;
        }
        if l.starts_with("---") && !started {
            started = true;
            continue;
        }
        if l.starts_with("---") || l.starts_with("...") || l.starts_with('%') {
            return Err(format!("line {} starts or ends a YAML document", i + 1));
        }
        started = true;
    }
    Ok(())
}

/// Top-level YAML keys (`lines` as `suggest` writes them: a key at column 0, its list
/// items indented) appended to a document whose root is a block mapping; keys already
/// there are left alone.
fn yaml_top_keys(text: &str, lines: &[String]) -> Result<Option<Insertion>, String> {
    plain_block_yaml(text)?;
    let old = yaml_value(text)?;
    let old_map = match &old {
        serde_json::Value::Object(m) => m.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        _ => return Err("its root is not a mapping of keys".into()),
    };
    if let Some(first) = text.lines().find(|l| content(l) && !l.starts_with("---"))
        && (first.starts_with([' ', '{', '[', '-', '?', '&', '!', '*']))
    {
        return Err("its root mapping is not in plain block style (one `key:` per line at column 0)".into());
    }
    // Group the lines by top-level key; keep the keys the file does not have.
    let mut blocks: Vec<Vec<String>> = Vec::new();
    for l in lines {
        if l.starts_with(' ') {
            if let Some(b) = blocks.last_mut() {
                b.push(l.clone());
            }
        } else {
            blocks.push(vec![l.clone()]);
        }
    }
    let key = |b: &Vec<String>| b[0].split(':').next().unwrap_or_default().trim().to_string();
    let add: Vec<String> = blocks.into_iter().filter(|b| !old_map.contains_key(&key(b))).flatten().collect();
    if add.is_empty() {
        return Ok(None);
    }
    let edit = append_lines(text, &add);
    let new = yaml_value(&edit.text)?;
    let serde_json::Value::Object(new_map) = &new else {
        return Err("the edit would change the document's shape; add the lines by hand".into());
    };
    let kept = old_map.iter().all(|(k, v)| new_map.get(k) == Some(v));
    if !kept || new_map.len() <= old_map.len() {
        return Err("the edit would change the document's other keys; add the lines by hand".into());
    }
    Ok(Some(edit))
}

/// `key = value` lines (`suggest`'s, after its table header) added to the table at `path`
/// (`[]`: the root) of a TOML document, keys already there left alone.
fn toml_keys(text: &str, path: &[&str], lines: &[String]) -> Result<Option<Insertion>, String> {
    // toml_edit drops a byte-order mark; it is put back in front of the edited text.
    let (bom, text) = text.strip_prefix('\u{feff}').map_or(("", text), |t| ("\u{feff}", t));
    // Checked with the readers' parser first: toml_edit 0.23 can panic while reporting
    // some invalid documents (found by fuzz/cooldown_settings), never on valid ones.
    toml::de::DeTable::parse(text).map_err(|e| format!("not valid TOML ({})", e.message()))?;
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("not valid TOML ({e})"))?;
    let snippet: DocumentMut =
        lines.join("\n").parse().map_err(|e| format!("depgate made invalid TOML (a bug: please report it): {e}"))?;
    let mut created = false;
    let mut table = doc.as_table_mut() as &mut dyn toml_edit::TableLike;
    for (i, seg) in path.iter().enumerate() {
        if !table.contains_key(seg) {
            let mut t = Table::new();
            // `[tool.uv]` without a `[tool]` header of its own.
            t.set_implicit(i + 1 < path.len());
            table.insert(seg, Item::Table(t));
            created = i + 1 == path.len();
        }
        table = table
            .get_mut(seg)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("`{}` is not a table", path[..=i].join(".")))?;
    }
    let mut added = Vec::new();
    if created {
        added.push(format!("[{}]", path.join(".")));
    }
    for (k, v) in snippet.iter() {
        if table.contains_key(k) {
            continue;
        }
        added.push(format!("{k} = {}", v.to_string().trim()));
        table.insert(k, v.clone());
    }
    if added.len() <= usize::from(created) {
        return Ok(None);
    }
    Ok(Some(Insertion { text: format!("{bom}{doc}"), added }))
}

/// pip's `key = value` lines at the end of the last `[install]` section, or in a new one.
fn pip_install_key(text: &str, lines: &[String]) -> Insertion {
    let nl = newline(text);
    let all: Vec<&str> = text.split_inclusive('\n').collect();
    let header = |l: &str| l.trim().strip_prefix('[').and_then(|s| s.strip_suffix(']')).map(|s| s.trim().to_string());
    let Some(start) = all.iter().rposition(|l| header(l).as_deref() == Some("install")) else {
        let mut block = vec!["[install]".to_string()];
        block.extend(lines.iter().cloned());
        let mut gap = text.to_string();
        if !gap.trim().is_empty() {
            // A blank line between the last section and the new one.
            gap = append_lines(&gap, &[String::new()]).text;
        }
        return append_lines(&gap, &block);
    };
    // After the section's last key line (its trailing comments and blank lines, which
    // usually belong to the next section, stay where they are).
    let end = all.iter().enumerate().skip(start + 1).take_while(|(_, l)| header(l).is_none());
    let last = end.filter(|(_, l)| content(l)).map(|(i, _)| i).last().unwrap_or(start);
    let mut out: String = all[..=last].concat();
    if !out.ends_with('\n') {
        out.push_str(nl);
    }
    for l in lines {
        out.push_str(l);
        out.push_str(nl);
    }
    out.push_str(&all[last + 1..].concat());
    Insertion { text: out, added: lines.to_vec() }
}

/// Renovate: a `packageRules` entry per gated ecosystem no setting of the file covers yet.
fn renovate(
    file: &str,
    text: &str,
    dg: &Depgate,
    gated: &[Ecosystem],
    existing: &[Setting],
) -> Result<Option<Insertion>, String> {
    let mut entries = Vec::new();
    for &eco in gated {
        let covered = existing
            .iter()
            .any(|s| s.tool == Tool::Renovate && written(s) && s.packages.is_empty() && s.ecosystems.contains(&eco));
        if covered {
            continue;
        }
        if let Some(s) = suggest(Tool::Renovate, dg, &[eco]) {
            entries.extend(s.lines.iter().map(|l| l.trim_end_matches(',').to_string()));
        }
    }
    if entries.is_empty() {
        return Ok(None);
    }
    if std::path::Path::new(file).extension().is_some_and(|x| x.eq_ignore_ascii_case("json5")) {
        return Err("it is JSON5, which depgate does not rewrite (its comments and layout would be lost)".into());
    }
    let old: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        "it is not plain JSON (comments, trailing commas or other JSON5), which depgate does not rewrite".to_string()
    })?;
    let new_text = json::append_rules(text, &entries)?;
    let new: serde_json::Value = serde_json::from_str(&new_text)
        .map_err(|e| format!("the edit would not be valid JSON ({e}); add the lines by hand"))?;
    let mut want = old;
    let rules = want
        .as_object_mut()
        .ok_or("its root is not an object")?
        .entry("packageRules")
        .or_insert_with(|| serde_json::json!([]));
    let list = rules.as_array_mut().ok_or("`packageRules` is not a list")?;
    for e in &entries {
        list.push(
            serde_json::from_str(e).map_err(|e| format!("depgate made invalid JSON (a bug: please report it): {e}"))?,
        );
    }
    if new != want {
        return Err("the edit would change the file's other settings; add the lines by hand".into());
    }
    let added = entries.iter().map(|e| format!("packageRules += {e}")).collect();
    Ok(Some(Insertion { text: new_text, added }))
}

/// Dependabot: `cooldown:` in each `updates:` entry of a gated ecosystem that has none.
fn dependabot(text: &str, dg: &Depgate, gated: &[Ecosystem]) -> Result<Option<Insertion>, String> {
    let old = yaml_value(text)?;
    let Some(updates) = old.get("updates").and_then(serde_json::Value::as_array) else { return Ok(None) };
    let mut wanted: Vec<(usize, String, Vec<String>)> = Vec::new();
    for (i, u) in updates.iter().enumerate() {
        let name = u.get("package-ecosystem").and_then(serde_json::Value::as_str).unwrap_or_default();
        let Some(eco) = super::bots::dependabot_ecosystem(name) else { continue };
        if u.get("cooldown").is_some() || !gated.contains(&eco) {
            continue;
        }
        let Some(s) = suggest(Tool::Dependabot, dg, &[eco]) else { continue };
        // Without the comment line that says which entry the printed lines go in.
        wanted.push((i, name.to_string(), s.lines.into_iter().filter(|l| !l.starts_with('#')).collect()));
    }
    if wanted.is_empty() {
        return Ok(None);
    }
    plain_block_yaml(text)?;
    let entries = yaml::sequence_entries(text, "updates")?;
    if entries.len() != updates.len() {
        return Err("its `updates:` list is not in plain block style (`- key: value` entries)".into());
    }
    let nl = newline(text);
    let all: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut added = Vec::new();
    let mut from = 0;
    for (i, name, lines) in &wanted {
        let e = &entries[*i];
        out.push_str(&all[from..=e.last].concat());
        if !out.ends_with('\n') {
            out.push_str(nl);
        }
        let pad = " ".repeat(e.key_indent);
        for l in lines {
            out.push_str(&pad);
            out.push_str(l);
            out.push_str(nl);
        }
        added.push(format!("updates[{i}] (package-ecosystem: {name}):"));
        added.extend(lines.iter().map(|l| format!("  {l}")));
        from = e.last + 1;
    }
    out.push_str(&all[from..].concat());
    let new = yaml_value(&out)?;
    let mut want = old.clone();
    if let Some(list) = want.get_mut("updates").and_then(serde_json::Value::as_array_mut) {
        for (i, ..) in &wanted {
            let cooldown = new.pointer(&format!("/updates/{i}/cooldown")).cloned().unwrap_or_default();
            if let Some(m) = list[*i].as_object_mut() {
                m.insert("cooldown".into(), cooldown);
            }
        }
    }
    if new != want || wanted.iter().any(|(i, ..)| want["updates"][*i]["cooldown"].is_null()) {
        return Err("the edit would change the file's other settings; add the lines by hand".into());
    }
    Ok(Some(Insertion { text: out, added }))
}

mod yaml {
    //! Where the entries of a top-level block sequence are, by lines.

    use super::content;

    /// One `- ` entry: the column of its keys and its last line with content (0-based).
    pub struct Entry {
        pub key_indent: usize,
        pub last: usize,
    }

    /// The entries of the block sequence under the column-0 key `key`.
    pub fn sequence_entries(text: &str, key: &str) -> Result<Vec<Entry>, String> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let is_key = |l: &str| {
            l.strip_prefix(key)
                .and_then(|r| r.trim_start().strip_prefix(':'))
                .is_some_and(|r| r.trim().is_empty() || r.trim_start().starts_with('#'))
        };
        let heads: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| is_key(l)).map(|(i, _)| i).collect();
        let [head] = heads[..] else { return Err(format!("no single `{key}:` line opening a block list")) };
        let indent = |l: &str| l.len() - l.trim_start().len();
        let mut entries: Vec<Entry> = Vec::new();
        let mut item_indent: Option<usize> = None;
        for (i, l) in lines.iter().enumerate().skip(head + 1) {
            if !content(l) {
                continue;
            }
            let at = indent(l);
            let rest = l.trim_start();
            let item = rest.starts_with("- ") || rest.trim_end() == "-";
            let col = *item_indent.get_or_insert(at);
            if at < col || (at == col && !item) {
                break; // the next top-level key
            }
            if at == col {
                let after = &rest[1..];
                let key_at = after.len() - after.trim_start().len();
                let first = after.trim_start();
                if first.is_empty() || first.starts_with(['{', '[', '&', '*', '!', '"', '\'', '?', '|', '>']) {
                    return Err(format!("line {} is not a plain `- key: value` entry", i + 1));
                }
                entries.push(Entry { key_indent: col + 1 + key_at, last: i });
            } else if let Some(e) = entries.last_mut() {
                e.last = i;
            }
        }
        Ok(entries)
    }
}

mod json {
    //! `packageRules` entries inserted as text into a plain JSON object (already parsed by
    //! `serde_json`, so the scanner below only meets valid JSON).

    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    }

    /// Just past the string that starts at `i` (a `"`).
    fn string_end(b: &[u8], mut i: usize) -> usize {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        b.len()
    }

    /// Just past the value that starts at `i`.
    fn value_end(b: &[u8], i: usize) -> usize {
        match b.get(i) {
            Some(b'"') => string_end(b, i),
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                let mut j = i;
                while j < b.len() {
                    match b[j] {
                        b'"' => {
                            j = string_end(b, j);
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return j + 1;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                b.len()
            }
            _ => {
                let mut j = i;
                while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace() {
                    j += 1;
                }
                j
            }
        }
    }

    /// The leading whitespace of the line holding byte `i`.
    fn indent_at(text: &str, i: usize) -> &str {
        let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let line = &text[start..];
        &line[..line.len() - line.trim_start().len()]
    }

    /// The last byte of content before `end` (exclusive).
    fn last_content(b: &[u8], end: usize) -> usize {
        let mut j = end;
        while j > 0 && b[j - 1].is_ascii_whitespace() {
            j -= 1;
        }
        j
    }

    /// `text` (a JSON object) with `entries` appended to its `packageRules` list, a new
    /// list after its last key when it has none; in the file's own indentation.
    pub fn append_rules(text: &str, entries: &[String]) -> Result<String, String> {
        let b = text.as_bytes();
        let nl = super::newline(text);
        let root = skip_ws(b, 0);
        if b.get(root) != Some(&b'{') {
            return Err("its root is not an object".into());
        }
        let mut members: Vec<(String, usize, usize, usize)> = Vec::new(); // key, key start, value start, value end
        let mut i = skip_ws(b, root + 1);
        while b.get(i) == Some(&b'"') {
            let key_end = string_end(b, i);
            let key: String = serde_json::from_str(&text[i..key_end]).map_err(|e| e.to_string())?;
            let v = skip_ws(b, skip_ws(b, key_end) + 1);
            let end = value_end(b, v);
            members.push((key, i, v, end));
            i = skip_ws(b, end);
            if b.get(i) == Some(&b',') {
                i = skip_ws(b, i + 1);
            }
        }
        if b.get(i) != Some(&b'}') {
            return Err("its root object could not be followed (a bug: please report it)".into());
        }
        let close = i;
        let multiline = text[root..close].contains('\n');
        let unit = members.first().map_or("  ", |m| indent_at(text, m.1));
        let unit = if unit.is_empty() { "  " } else { unit };
        let (at, insert) = if let Some((_, key_at, v, end)) = members.iter().rev().find(|m| m.0 == "packageRules") {
            if b[*v] != b'[' {
                return Err("`packageRules` is not a list".into());
            }
            let inner_end = end - 1;
            let first = skip_ws(b, v + 1);
            let own = indent_at(text, *key_at);
            if first == inner_end {
                // An empty list: one entry per line when the file is laid out so.
                if multiline {
                    let body: Vec<String> = entries.iter().map(|e| format!("{own}{unit}{e}")).collect();
                    (v + 1..inner_end, format!("{nl}{}{nl}{own}", body.join(&format!(",{nl}"))))
                } else {
                    (v + 1..inner_end, entries.join(", "))
                }
            } else {
                let last = last_content(b, inner_end);
                if text[v + 1..first].contains('\n') {
                    let item = indent_at(text, first);
                    let body: String = entries.iter().map(|e| format!("{nl}{item}{e}")).collect::<Vec<_>>().join(",");
                    let body = format!(",{body}");
                    (last..last, body)
                } else {
                    let body = format!(", {}", entries.join(", "));
                    (last..last, body)
                }
            }
        } else {
            let after = members.last().map_or(root + 1, |m| m.3);
            let comma = if members.is_empty() { "" } else { "," };
            if multiline || members.is_empty() {
                let body: Vec<String> = entries.iter().map(|e| format!("{unit}{unit}{e}")).collect();
                let tail = if members.is_empty() { nl } else { "" };
                (
                    after..after,
                    format!(
                        "{comma}{nl}{unit}\"packageRules\": [{nl}{}{nl}{unit}]{tail}",
                        body.join(&format!(",{nl}"))
                    ),
                )
            } else {
                (after..after, format!("{comma} \"packageRules\": [{}]", entries.join(", ")))
            }
        };
        Ok(format!("{}{insert}{}", &text[..at.start], &text[at.end..]))
    }
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
