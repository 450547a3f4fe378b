//! The tools' configuration files as one small tree whose every value knows its line:
//! YAML (`pnpm-workspace.yaml`, `.yarnrc.yml`, `.github/dependabot.yml`) through
//! `yaml-rust2`'s marked events, and JSON / JSON5 (`renovate.json`, `renovate.json5`,
//! `.renovaterc`) through a small reader of its own (`serde_json` keeps no lines, and no
//! JSON5 crate is in the tree). TOML files are read with `toml`'s spans instead.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One value and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

/// A value: scalars keep their text (YAML does not say what a plain scalar is until it is
/// read as one); `quoted` tells a `"7"` from a `7`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text { text: String, quoted: bool },
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key` of a mapping (the last one, as YAML and JSON readers keep).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar as the text it was written as.
    pub fn scalar(&self) -> Option<String> {
        match &self.value {
            Value::Text { text, .. } => Some(text.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// What the value is, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Text { .. } => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A number as people write it: `7`, not `7.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{n:.0}") } else { n.to_string() }
}

/// Nesting deeper than this is refused (no tool's configuration comes close).
const MAX_DEPTH: usize = 64;

// --- YAML -------------------------------------------------------------------------------

#[derive(Default)]
struct Builder {
    /// Open collections: the node and, for a mapping, the key waiting for its value.
    stack: Vec<(Node, Option<String>)>,
    done: Option<Node>,
    error: Option<String>,
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        let Some((parent, pending)) = self.stack.last_mut() else {
            if self.done.is_none() {
                self.done = Some(node);
            }
            return;
        };
        if let Value::List(items) = &mut parent.value {
            items.push(node);
        } else if let Value::Map(entries) = &mut parent.value {
            match pending.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    if let Some(k) = node.scalar() {
                        *pending = Some(k);
                    } else {
                        self.error.get_or_insert_with(|| format!("line {}: a mapping key must be a scalar", node.line));
                        *pending = Some(String::new());
                    }
                }
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(text, style, _, _) => {
                let quoted = !matches!(style, yaml_rust2::scanner::TScalarStyle::Plain);
                let value = if quoted {
                    Value::Text { text, quoted: true }
                } else {
                    match text.as_str() {
                        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                        "true" | "True" | "TRUE" => Value::Bool(true),
                        "false" | "False" | "FALSE" => Value::Bool(false),
                        t => match t.replace('_', "").parse::<f64>() {
                            Ok(n)
                                if n.is_finite()
                                    && t.bytes()
                                        .next()
                                        .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.') =>
                            {
                                Value::Number(n)
                            }
                            _ => Value::Text { text, quoted: false },
                        },
                    }
                };
                self.push_value(Node { line, value });
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error.get_or_insert_with(|| format!("line {line}: nested more than {MAX_DEPTH} levels deep"));
                }
                let value = if matches!(ev, Event::SequenceStart(..)) {
                    Value::List(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                self.stack.push((Node { line, value }, None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::Alias(_) => {
                self.error.get_or_insert_with(|| format!("line {line}: YAML aliases are not read here"));
            }
            _ => {}
        }
    }
}

/// The first document of a YAML text (an empty text is an empty mapping). Errors name the
/// line.
pub fn parse_yaml(text: &str) -> Result<Node, String> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.done.unwrap_or(Node { line: 1, value: Value::Map(Vec::new()) }))
}

// --- JSON and JSON5 ---------------------------------------------------------------------

struct Json5<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
}

impl Json5<'_> {
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("line {}: {what}", self.line))
    }

    fn bump(&mut self) -> Option<u8> {
        let c = *self.s.get(self.i)?;
        self.i += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Whitespace and comments (`//`, `/* */`).
    fn skip(&mut self) -> Result<(), String> {
        loop {
            match (self.peek(), self.s.get(self.i + 1)) {
                (Some(b' ' | b'\t' | b'\r' | b'\n'), _) => {
                    self.bump();
                }
                (Some(b'/'), Some(b'/')) => {
                    while let Some(c) = self.bump() {
                        if c == b'\n' {
                            break;
                        }
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    let start = self.line;
                    self.i += 2;
                    loop {
                        match self.bump() {
                            None => return Err(format!("line {start}: a /* comment is never closed")),
                            Some(b'*') if self.peek() == Some(b'/') => {
                                self.i += 1;
                                break;
                            }
                            _ => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn string(&mut self, quote: u8) -> Result<String, String> {
        let mut out = Vec::new();
        loop {
            if self.peek() == Some(b'\n') {
                return self.err("a line break inside a string");
            }
            match self.bump() {
                None => return self.err("a string is never closed"),
                Some(c) if c == quote => break,
                Some(b'\\') => match self.bump() {
                    Some(b'n') => out.push(b'\n'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'r') => out.push(b'\r'),
                    Some(b'b') => out.push(8),
                    Some(b'f') => out.push(12),
                    Some(b'u') => {
                        let hex = self.s.get(self.i..self.i + 4).and_then(|h| std::str::from_utf8(h).ok());
                        let Some(c) = hex.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32) else {
                            return self.err("a \\u escape needs four hex digits");
                        };
                        self.i += 4;
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    Some(b'\n') => {}
                    Some(c) => out.push(c),
                    None => return self.err("a string is never closed"),
                },
                Some(c) => out.push(c),
            }
        }
        String::from_utf8(out).or_else(|_| self.err("a string is not UTF-8"))
    }

    /// An unquoted JSON5 key or a bare word (`true`, `null`, a number).
    fn word(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'+' | b'-') || c >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return self.err(&format!("nested more than {MAX_DEPTH} levels deep"));
        }
        self.skip()?;
        let line = self.line;
        let value = match self.peek() {
            None => return self.err("the text ends where a value was expected"),
            Some(q @ (b'"' | b'\'')) => {
                self.i += 1;
                Value::Text { text: self.string(q)?, quoted: true }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip()?;
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip()?;
                    match self.bump() {
                        Some(b',') => {}
                        Some(b']') => break,
                        _ => return self.err("expected `,` or `]` in a list"),
                    }
                }
                Value::List(items)
            }
            Some(b'{') => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.skip()?;
                    let key = match self.peek() {
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        Some(q @ (b'"' | b'\'')) => {
                            self.i += 1;
                            self.string(q)?
                        }
                        _ => {
                            let w = self.word();
                            if w.is_empty() {
                                return self.err("expected a key");
                            }
                            w
                        }
                    };
                    self.skip()?;
                    if self.bump() != Some(b':') {
                        return self.err(&format!("expected `:` after the key `{key}`"));
                    }
                    let v = self.value(depth + 1)?;
                    entries.push((key, v));
                    self.skip()?;
                    match self.bump() {
                        Some(b',') => {}
                        Some(b'}') => break,
                        _ => return self.err("expected `,` or `}` in an object"),
                    }
                }
                Value::Map(entries)
            }
            Some(_) => {
                let w = self.word();
                match w.as_str() {
                    "" => return self.err("unexpected character"),
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    n => match n.parse::<f64>() {
                        Ok(x) if x.is_finite() => Value::Number(x),
                        _ => return self.err(&format!("`{n}` is not a value")),
                    },
                }
            }
        };
        Ok(Node { line, value })
    }
}

/// A JSON or JSON5 text (comments, trailing commas, single quotes and unquoted keys are
/// accepted). Errors name the line.
pub fn parse_json5(text: &str) -> Result<Node, String> {
    let mut p = Json5 { s: text.as_bytes(), i: 0, line: 1 };
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    let node = p.value(0)?;
    p.skip()?;
    if p.peek().is_some() {
        return p.err("more text after the value");
    }
    Ok(node)
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lines_and_scalars() {
        let n = parse_yaml("packages:\n  - a\n\nminimumReleaseAge: 1440\nx: '7'\ny: 3d\n").unwrap();
        let m = n.get("minimumReleaseAge").unwrap();
        assert_eq!((m.line, &m.value), (4, &Value::Number(1440.0)));
        assert_eq!(n.get("x").unwrap().value, Value::Text { text: "7".into(), quoted: true });
        assert_eq!(n.get("y").unwrap().scalar().as_deref(), Some("3d"));
        assert_eq!(n.get("packages").unwrap().line, 2);
        assert!(parse_yaml("a: [1,\n").unwrap_err().starts_with("line "));
        assert!(parse_yaml("a: &x 1\nb: *x\n").unwrap_err().contains("aliases"));
        assert_eq!(parse_yaml("").unwrap().value, Value::Map(Vec::new()));
    }

    #[test]
    fn json5_reads_what_renovate_accepts() {
        let t = "// c\n{\n  extends: ['config:recommended'],\n  /* x */ \"minimumReleaseAge\": \"3 days\",\n  packageRules: [{a: 1,},],\n}\n";
        let n = parse_json5(t).unwrap();
        assert_eq!(n.get("minimumReleaseAge").unwrap().line, 4);
        assert_eq!(n.get("packageRules").unwrap().line, 5);
        assert!(parse_json5("{\"a\": }").unwrap_err().starts_with("line 1"));
        assert!(parse_json5("{\n\"a\": \"x\n\"}").unwrap_err().starts_with("line 2"));
        let deep = "[".repeat(200);
        assert!(parse_json5(&deep).unwrap_err().contains("nested"));
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
