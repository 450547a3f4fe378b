//! `requirements.txt` (pip-compile, `pip freeze`, hand-written). `-r` / `-c` includes are
//! answered with the input itself once, then "not found", so include handling is reached
//! without touching the file system.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut served = false;
    let mut include = |_: &Path| {
        if served {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        served = true;
        Ok(text.to_string())
    };
    let _ = depgate::ecosystem::pypi::parse_requirements(text, Path::new("requirements.txt"), &mut include);
});
