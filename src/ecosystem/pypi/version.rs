//! PEP 440 versions (placeholder; being replaced by the full parser).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(String);

impl Version {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches(['v', 'V']).to_ascii_lowercase();
        if t.is_empty() { Err(format!("`{s}` is not a version")) } else { Ok(Self(t)) }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
