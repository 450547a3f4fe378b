//! `PyPI`: names (PEP 503), versions (PEP 440), lockfiles and the simple API's wire types.
//!
//! Owns: every `PyPI` input depgate reads (requirements files, `poetry.lock`, `uv.lock`,
//! `Pipfile.lock`, `pylock.toml`, `pdm.lock`) and the simple API (PEP 503 HTML, PEP 691 JSON) and core
//! metadata it is served. Must not: open files, touch the network, or decide anything;
//! parsers take text or bytes and return values or a [`LockfileError`](super::LockfileError).

mod common;
mod html;
pub mod indexes;
pub mod metadata;
mod page;
pub mod pdm;
pub mod pipfile;
pub mod poetry;
pub mod pylock;
pub mod requirements;
pub mod simple;
pub mod uv;
pub mod version;

pub use metadata::{CoreMetadata, parse_core_metadata};
pub use pdm::parse_pdm_lock;
pub use pipfile::{parse_pipfile_lock, parse_pipfile_lock_with_pipfile};
pub use poetry::parse_poetry_lock;
pub use pylock::parse_pylock;
pub use requirements::{InputNote, Requirements, parse_requirements};
pub use simple::{parse_simple_html, parse_simple_json, version_from_filename};
pub use uv::parse_uv_lock;
pub use version::Version;

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
