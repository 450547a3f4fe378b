//! Release archives for the tests: the one scripts/release.sh built (`DEPGATE_RELEASE_DIR`,
//! as scripts/test.sh sets it), and build provenance for an archive signed by the test PKI
//! the way the release workflow's attestation is made: an in-toto statement with the
//! archive's file name and sha256 as subject, SLSA provenance v1, in a DSSE envelope,
//! signed by a Fulcio-style certificate naming `REPO/.github/workflows/release.yml@TAG`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::test_pki::{Pki, Signed, Spec};

/// The environment variable naming a folder scripts/release.sh wrote.
pub const RELEASE_DIR_VAR: &str = "DEPGATE_RELEASE_DIR";

/// The prebuilt release folder, when `DEPGATE_RELEASE_DIR` names one.
pub fn prebuilt_dir() -> Option<PathBuf> {
    std::env::var_os(RELEASE_DIR_VAR).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The one `depgate-<target>.tar.gz` in `dir`, and its target.
pub fn archive_in(dir: &Path) -> (PathBuf, String) {
    let mut found: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let target = name.strip_prefix("depgate-")?.strip_suffix(".tar.gz")?.to_string();
            Some((e.path(), target))
        })
        .collect();
    assert_eq!(found.len(), 1, "{} must hold exactly one depgate-<target>.tar.gz: {found:?}", dir.display());
    found.remove(0)
}

/// A release archive with the executable `exe` as `depgate` at its top (as
/// scripts/release.sh lays it out), staged in `dir`; its bytes.
pub fn pack(exe: &Path, dir: &Path) -> Vec<u8> {
    let stage = dir.join("pack-stage");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(exe, stage.join("depgate")).unwrap();
    let out = Command::new("tar").arg("-czf").arg("-").arg("-C").arg(&stage).arg("depgate").output().unwrap();
    assert!(out.status.success(), "tar: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Build provenance for `archive` (file name `asset`) signed by `pki`, its certificate
/// naming `repo` (`owner/name`) and the tag `refs/tags/v<version>`.
pub fn provenance(pki: &Pki, archive: &[u8], asset: &str, repo: &str, version: &str) -> Signed {
    let spec = Spec {
        dsse: true,
        subject_name: asset.to_string(),
        repo: format!("https://github.com/{repo}"),
        git_ref: format!("refs/tags/v{version}"),
        ..Spec::new(archive)
    };
    pki.sign(&spec)
}
