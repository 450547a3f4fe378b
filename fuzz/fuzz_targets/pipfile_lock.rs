//! `Pipfile.lock`. Input: the lockfile, optionally followed by a NUL byte and the
//! `Pipfile` beside it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (lock, pipfile) = match text.split_once('\0') {
        Some((l, p)) => (l, Some(p)),
        None => (text, None),
    };
    let _ = depgate::ecosystem::pypi::parse_pipfile_lock_with_pipfile(lock, Path::new("Pipfile.lock"), pipfile);
});
