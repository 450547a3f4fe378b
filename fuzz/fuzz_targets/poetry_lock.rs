//! `poetry.lock` (Poetry 1.x and 2.x). Input: the lockfile, optionally followed by a NUL
//! byte and the `pyproject.toml` beside it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (lock, pyproject) = match text.split_once('\0') {
        Some((l, p)) => (l, Some(p)),
        None => (text, None),
    };
    let _ = depgate::ecosystem::pypi::parse_poetry_lock(lock, Path::new("poetry.lock"), pyproject);
});
