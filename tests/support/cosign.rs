//! Where the real `cosign` is: `DEPGATE_COSIGN`, the tools folder scripts/test.sh fills
//! (`DEPGATE_TOOLS_DIR`, else `~/.cache/depgate-tools`), then `PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn find() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("DEPGATE_COSIGN") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(t) = std::env::var_os("DEPGATE_TOOLS_DIR") {
        candidates.push(Path::new(&t).join("bin/cosign"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cache/depgate-tools/bin/cosign"));
    }
    candidates.push(PathBuf::from("cosign"));
    candidates.into_iter().find(|c| Command::new(c).arg("version").output().is_ok_and(|o| o.status.success()))
}
