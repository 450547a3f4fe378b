//! What the three npm lockfile parsers share: a document tree (JSON or YAML) that keeps
//! the line of every mapping key, a JSON reader that builds it, source classification,
//! and the de-duplication rule.

use std::collections::HashMap;

use crate::ecosystem::{Coordinate, SourceKind};

/// One coordinate per (name, version, source), keeping the first line: `direct` is OR-ed
/// over the copies, `dev`, `optional`, `bundled` and `package_manager` are AND-ed (a package is dev-only if
/// every copy is), and the first recorded integrity / resolved / alias is kept.
/// The result is in file order.
pub(crate) fn dedupe(coords: Vec<Coordinate>) -> Vec<Coordinate> {
    let mut index: HashMap<(String, String, &'static str, String), usize> = HashMap::new();
    let mut out: Vec<Coordinate> = Vec::with_capacity(coords.len());
    for c in coords {
        // (SourceKind is not Hash: key on its label and location.)
        let location = match &c.source {
            SourceKind::Registry => String::new(),
            SourceKind::Git(l) | SourceKind::File(l) | SourceKind::Link(l) | SourceKind::Tarball(l) => l.clone(),
        };
        let key = (c.name.clone(), c.version.clone(), c.source.label(), location);
        if let Some(&i) = index.get(&key) {
            let kept = &mut out[i];
            kept.direct |= c.direct;
            kept.dev &= c.dev;
            kept.optional &= c.optional;
            kept.bundled &= c.bundled;
            kept.package_manager &= c.package_manager;
            if kept.integrity.is_none() {
                kept.integrity = c.integrity;
            }
            if kept.resolved.is_none() {
                kept.resolved = c.resolved;
            }
            if kept.alias.is_none() {
                kept.alias = c.alias;
            }
            if c.line != 0 && (kept.line == 0 || c.line < kept.line) {
                kept.line = c.line;
            }
        } else {
            index.insert(key, out.len());
            out.push(c);
        }
    }
    out.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Splits `name@spec` (`@scope/name@spec` too) at the `@` that ends the name.
pub(crate) fn split_name_spec(s: &str) -> (&str, &str) {
    let from = usize::from(s.starts_with('@'));
    match s.get(from..).and_then(|r| r.find('@')) {
        Some(i) => (&s[..from + i], &s[from + i + 1..]),
        None => (s, ""),
    }
}

/// A plain version (`1.2.3`, `1.0.0-rc.1+build`), as opposed to a spec or URL.
pub(crate) fn looks_like_version(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    v.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_'))
}

/// Source of a recorded location (`resolved` URL, or a v1 spec-as-version).
///
/// An HTTP(S) URL is the registry's tarball when `url_is_registry`: the caller knows
/// (from the dependency specs) whether the package was asked for by URL. Registry
/// tarball URLs have no fixed shape across registries (`/-/` paths, GitHub Packages'
/// `/download/…`, mirrors), so their shape is not used to decide; but a code host's
/// tarball ([`is_code_host_url`]) is never the registry's, whatever the caller thinks.
pub(crate) fn classify_resolved(r: &str, url_is_registry: bool) -> SourceKind {
    let lower = r.to_ascii_lowercase();
    if ["git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:", "ssh:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        SourceKind::Git(r.to_string())
    } else if let Some(path) = r.strip_prefix("file:") {
        SourceKind::File(strip_fragment(path).to_string())
    } else if let Some(path) = r.strip_prefix("link:") {
        SourceKind::Link(path.to_string())
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        if url_is_registry && !is_code_host_url(r) { SourceKind::Registry } else { SourceKind::Tarball(r.to_string()) }
    } else if looks_like_version(r) {
        SourceKind::Registry
    } else {
        // A bare relative path (npm records `file:` folders this way in some places).
        SourceKind::File(r.to_string())
    }
}

/// A URL on a source-code host: a snapshot of a repository (`codeload.github.com/o/r/tar.gz/<sha>`,
/// `github.com/o/r/archive/…`, `gitlab.com/o/r/-/archive/…`, `bitbucket.org/o/r/get/…`),
/// never a registry's artifact. GitLab's own npm registry (`/api/v4/…/packages/npm/…`) on
/// gitlab.com is a registry; GitHub's is on its own host (`npm.pkg.github.com`).
pub(crate) fn is_code_host_url(r: &str) -> bool {
    let Ok(u) = url::Url::parse(r) else { return false };
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    match host {
        "github.com"
        | "codeload.github.com"
        | "api.github.com"
        | "gist.github.com"
        | "gist.githubusercontent.com"
        | "raw.githubusercontent.com"
        | "objects.githubusercontent.com"
        | "bitbucket.org"
        | "api.bitbucket.org" => true,
        "gitlab.com" => !u.path().contains("/packages/npm/"),
        _ => false,
    }
}

pub(crate) fn strip_fragment(s: &str) -> &str {
    s.split_once('#').map_or(s, |(a, _)| a)
}

/// Byte offset -> 1-based line, in O(log n) per look-up.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

/// A parsed document (JSON or YAML) that keeps where each mapping key is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// Numbers keep their text (`3`, `6.0`).
    Number(String),
    String(String),
    Array(Vec<Node>),
    Map(Map),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Map {
    pub(crate) entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    /// Byte offset of the key in the text (JSON; 0 for YAML).
    pub(crate) offset: usize,
    /// 1-based line of the key.
    pub(crate) line: usize,
    pub(crate) value: Node,
}

impl Map {
    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
}

impl Node {
    pub(crate) fn as_map(&self) -> Option<&Map> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) | Node::Number(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub(crate) fn str_field(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// `true` for JSON `true` and YAML `true` (kept as a string by the YAML reader).
    pub(crate) fn bool_field(&self, key: &str) -> bool {
        match self.get(key) {
            Some(Node::Bool(b)) => *b,
            Some(Node::String(s)) => s == "true",
            _ => false,
        }
    }

    pub(crate) fn display(&self) -> String {
        match self {
            Node::Null => "null".into(),
            Node::Bool(b) => b.to_string(),
            // Shown in error messages: a hostile file's megabyte-long value is cut short.
            Node::Number(s) | Node::String(s) => match s.char_indices().nth(40) {
                Some((cut, _)) => format!("{}… ({} bytes)", &s[..cut], s.len()),
                None => s.clone(),
            },
            Node::Array(_) => "an array".into(),
            Node::Map(_) => "an object".into(),
        }
    }
}

/// A small JSON reader that records the byte offset of every object key (`serde_json`
/// keeps no positions). Depth is bounded so that no input can exhaust the stack.
pub(crate) mod json {
    use super::{Entry, LineIndex, Map, Node};

    const MAX_DEPTH: usize = 256;

    #[derive(Debug)]
    pub(crate) struct Error {
        pub(crate) offset: usize,
        pub(crate) message: String,
    }

    pub(crate) fn parse(text: &str, lines: &LineIndex) -> Result<Node, Error> {
        let mut p = Parser { s: text.as_bytes(), i: 0, lines };
        if text.starts_with('\u{feff}') {
            p.i = 3;
        }
        p.ws();
        let v = p.value(0)?;
        p.ws();
        if p.i < p.s.len() {
            return Err(p.err("unexpected content after the end of the document"));
        }
        Ok(v)
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
        lines: &'a LineIndex,
    }

    impl Parser<'_> {
        fn err(&self, message: &str) -> Error {
            Error { offset: self.i.min(self.s.len()), message: message.to_string() }
        }

        fn eof(&self) -> Error {
            Error { offset: self.s.len(), message: "unexpected end of file (is the file truncated?)".into() }
        }

        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }

        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }

        fn value(&mut self, depth: usize) -> Result<Node, Error> {
            if depth > MAX_DEPTH {
                return Err(self.err("nesting is too deep"));
            }
            match self.peek() {
                None => Err(self.eof()),
                Some(b'{') => self.object(depth),
                Some(b'[') => self.array(depth),
                Some(b'"') => Ok(Node::String(self.string()?)),
                Some(b't') => self.literal("true", Node::Bool(true)),
                Some(b'f') => self.literal("false", Node::Bool(false)),
                Some(b'n') => self.literal("null", Node::Null),
                Some(b'-' | b'0'..=b'9') => self.number(),
                Some(_) => Err(self.err("expected a JSON value")),
            }
        }

        fn literal(&mut self, word: &str, v: Node) -> Result<Node, Error> {
            let end = self.i + word.len();
            match self.s.get(self.i..end) {
                Some(w) if w == word.as_bytes() => {
                    self.i = end;
                    Ok(v)
                }
                Some(_) => Err(self.err("expected a JSON value")),
                None => Err(self.eof()),
            }
        }

        fn number(&mut self) -> Result<Node, Error> {
            let start = self.i;
            while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                self.i += 1;
            }
            let text = std::str::from_utf8(self.s.get(start..self.i).unwrap_or_default()).unwrap_or_default();
            if text.parse::<f64>().is_err() {
                self.i = start;
                return Err(self.err("invalid number"));
            }
            Ok(Node::Number(text.to_string()))
        }

        fn object(&mut self, depth: usize) -> Result<Node, Error> {
            self.i += 1; // {
            let mut map = Map::default();
            self.ws();
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(Node::Map(map));
            }
            loop {
                self.ws();
                match self.peek() {
                    None => return Err(self.eof()),
                    Some(b'"') => {}
                    Some(_) => return Err(self.err("expected a string key")),
                }
                let offset = self.i;
                let key = self.string()?;
                self.ws();
                match self.peek() {
                    None => return Err(self.eof()),
                    Some(b':') => self.i += 1,
                    Some(_) => return Err(self.err("expected `:` after an object key")),
                }
                self.ws();
                let value = self.value(depth + 1)?;
                map.entries.push(Entry { key, offset, line: self.lines.line(offset), value });
                self.ws();
                match self.peek() {
                    None => return Err(self.eof()),
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        return Ok(Node::Map(map));
                    }
                    Some(_) => return Err(self.err("expected `,` or `}` in an object")),
                }
            }
        }

        fn array(&mut self, depth: usize) -> Result<Node, Error> {
            self.i += 1; // [
            let mut items = Vec::new();
            self.ws();
            if self.peek() == Some(b']') {
                self.i += 1;
                return Ok(Node::Array(items));
            }
            loop {
                self.ws();
                items.push(self.value(depth + 1)?);
                self.ws();
                match self.peek() {
                    None => return Err(self.eof()),
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        return Ok(Node::Array(items));
                    }
                    Some(_) => return Err(self.err("expected `,` or `]` in an array")),
                }
            }
        }

        fn hex4(&mut self) -> Result<u32, Error> {
            let digits = self.s.get(self.i..self.i + 4).ok_or_else(|| self.eof())?;
            let text = std::str::from_utf8(digits).map_err(|_| self.err("invalid \\u escape"))?;
            let v = u32::from_str_radix(text, 16).map_err(|_| self.err("invalid \\u escape"))?;
            self.i += 4;
            Ok(v)
        }

        fn string(&mut self) -> Result<String, Error> {
            self.i += 1; // opening quote
            let mut out: Vec<u8> = Vec::new();
            loop {
                let Some(b) = self.peek() else {
                    return Err(self.eof());
                };
                match b {
                    b'"' => {
                        self.i += 1;
                        return String::from_utf8(out).map_err(|_| self.err("invalid UTF-8 in a string"));
                    }
                    b'\\' => {
                        self.i += 1;
                        let Some(e) = self.peek() else {
                            return Err(self.eof());
                        };
                        self.i += 1;
                        match e {
                            b'"' => out.push(b'"'),
                            b'\\' => out.push(b'\\'),
                            b'/' => out.push(b'/'),
                            b'b' => out.push(8),
                            b'f' => out.push(12),
                            b'n' => out.push(b'\n'),
                            b'r' => out.push(b'\r'),
                            b't' => out.push(b'\t'),
                            b'u' => {
                                let mut c = self.hex4()?;
                                if (0xD800..0xDC00).contains(&c) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
                                    self.i += 2;
                                    let low = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&low) {
                                        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                                    }
                                }
                                let ch = char::from_u32(c).unwrap_or('\u{fffd}');
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                            _ => {
                                self.i -= 1;
                                return Err(self.err("invalid escape in a string"));
                            }
                        }
                    }
                    b'\n' => return Err(self.err("unterminated string")),
                    _ => {
                        out.push(b);
                        self.i += 1;
                    }
                }
            }
        }
    }
}
