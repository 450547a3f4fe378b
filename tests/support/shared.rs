//! Access to `../shared/fixtures` (real production-signed attestations). Absent in a
//! user's fresh clone: tests then print a visible SKIPPED line. Under `.ci/run`
//! (`DEPGATE_REQUIRE_SHARED=1`) absence is an error: these tests never pass silently.

use std::path::PathBuf;

/// The `fixtures/sigstore` folder, or `None` (after printing why) when it is absent.
pub fn sigstore_fixtures(test: &str) -> Option<PathBuf> {
    let root = std::env::var_os("DEPGATE_SHARED_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"), PathBuf::from);
    let dir = root.join("fixtures/sigstore");
    if dir.join("MANIFEST.md").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("DEPGATE_REQUIRE_SHARED").as_deref() != Ok("1"),
        "{test}: the shared fixtures are required (DEPGATE_REQUIRE_SHARED=1) but {} is missing",
        dir.display()
    );
    super::skipped(&format!(
        "{test}: {} is absent (the shared Sigstore fixtures live beside the repository; set DEPGATE_SHARED_DIR)",
        dir.display()
    ));
    None
}
