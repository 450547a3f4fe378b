//! `PyPI`: names (PEP 503), versions (PEP 440), lockfiles and the simple API's wire types.

pub mod version;

/// PEP 503 normalized name: lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// PEP 440 normal form of `version` (`1.0.0-RC1` → `1.0.0rc1`), or `None` when it is not
/// a valid version.
pub fn normalize_version(version: &str) -> Option<String> {
    version::Version::parse(version).ok().map(|v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalize() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY_._bard"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
    }
}
