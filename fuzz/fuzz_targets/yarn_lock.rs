//! `yarn.lock`, classic (v1) and berry. Input: the lockfile, optionally followed by a NUL
//! byte and the `package.json` beside it (which tells direct from transitive).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (lock, manifest) = match text.split_once('\0') {
        Some((l, m)) => (l, Some(m)),
        None => (text, None),
    };
    let _ = depgate::ecosystem::npm::parse_yarn_lock_with_manifest(lock, Path::new("yarn.lock"), manifest);
});
