//! `pdm.lock`. Input: the lockfile, optionally followed by a NUL byte and the
//! `pyproject.toml` beside it (which tells direct from transitive).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (lock, pyproject) = match text.split_once('\0') {
        Some((l, m)) => (l, Some(m)),
        None => (text, None),
    };
    let _ = depgate::ecosystem::pypi::parse_pdm_lock(lock, Path::new("pdm.lock"), pyproject);
});
