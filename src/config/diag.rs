//! Configuration diagnostics: every problem found in one pass, each with file, line, column
//! and a hint, rendered the way compilers do.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// The source line the problem is on, for display.
    pub snippet: String,
}

impl Diagnostic {
    pub fn at(file: &std::path::Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, span.start);
        let snippet = redact_snippet(text.lines().nth(line.saturating_sub(1)).unwrap_or(""));
        Self { file: file.to_path_buf(), line, column, message: message.into(), help: None, snippet }
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        writeln!(f, "  --> {}:{}:{}", self.file.display(), self.line, self.column)?;
        if !self.snippet.is_empty() {
            writeln!(f, "   | {}", self.snippet)?;
            writeln!(f, "   | {}^", " ".repeat(self.column.saturating_sub(1)))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  help: {help}")?;
        }
        Ok(())
    }
}

/// A source line as shown under a problem: URL userinfo and a literal `auth` value (the
/// mistakes that put a secret into the file) are masked, so the error does not print the
/// secret it is about.
fn redact_snippet(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail.find(|c: char| "/?#\"' \t".contains(c)).unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str("****");
                rest = &tail[userinfo_end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    let trimmed = out.trim_start();
    if let Some((key, value)) = trimmed.split_once('=')
        && SECRET_KEYS.contains(&key.trim())
    {
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if !value.starts_with("env:") && !value.is_empty() {
            let indent = out.len() - trimmed.len();
            return format!("{}{} = \"****\"", &out[..indent], key.trim());
        }
    }
    out
}

/// Keys whose value must be an `env:NAME` reference: a value written there instead may be
/// the credential itself, and is never echoed.
/// `[audit] database` holds a connection string (libpq's `password=…` included).
const SECRET_KEYS: &[&str] = &["auth", "database", "access_key_id", "secret_access_key", "session_token"];

/// All problems of one configuration file.
#[derive(Debug, thiserror::Error)]
pub struct ConfigErrors(pub Vec<Diagnostic>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            write!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} problem{} in configuration", if n == 1 { "" } else { "s" })
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(1, |s| s.chars().count() + 1);
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_do_not_show_secrets() {
        assert_eq!(redact_snippet(r#"url = "https://u:p4ss@host/x""#), r#"url = "https://****@host/x""#);
        assert_eq!(redact_snippet(r#"url = "https://host/a@b""#), r#"url = "https://host/a@b""#);
        assert_eq!(redact_snippet(r#"  auth = "tok-123""#), r#"  auth = "****""#);
        assert_eq!(redact_snippet(r#"auth = "env:TOKEN""#), r#"auth = "env:TOKEN""#);
        assert_eq!(redact_snippet(r#"secret_access_key = "wJalr/K7""#), r#"secret_access_key = "****""#);
        assert_eq!(redact_snippet(r#"access_key_id="AKIA1""#), r#"access_key_id = "****""#);
        assert_eq!(redact_snippet(r#"session_token = "env:T""#), r#"session_token = "env:T""#);
        assert_eq!(redact_snippet(r#"database = "host=db password=pw""#), r#"database = "****""#);
        assert_eq!(redact_snippet(r#"database = "env:DB""#), r#"database = "env:DB""#);
    }
}
