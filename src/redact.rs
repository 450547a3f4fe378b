//! Credentials that cannot leak through `Debug` or `Display`, and URLs printed without userinfo.

use std::fmt;

/// A credential value read from the environment. Formatting never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value, for building a request header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// A URL for people: userinfo and query string removed (tokens hide in both).
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        u.set_query(Some("redacted"));
    }
    u.to_string()
}

/// Redact any URL-looking text inside an arbitrary message (e.g. an error from the HTTP stack).
pub fn redact_text(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .map(|word| {
            let trimmed = word.trim_end_matches(|c: char| c.is_whitespace() || c == '(' || c == ')');
            let tail = &word[trimmed.len()..];
            match url::Url::parse(trimmed) {
                Ok(u) if u.has_host() => format!("{}{tail}", redact_url(&u)),
                _ => word.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("tok-123".into());
        assert!(!format!("{s} {s:?}").contains("tok-123"));
    }

    #[test]
    fn urls_lose_userinfo_and_query() {
        let u = url::Url::parse("https://user:pw@host/a?token=x").unwrap();
        assert_eq!(redact_url(&u), "https://host/a?redacted");
        let t = redact_text("error sending request for url (https://u:p@h/x?t=1) boom");
        assert!(!t.contains("u:p") && !t.contains("t=1"), "{t}");
    }
}
