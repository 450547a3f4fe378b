//! The new parsers on cut-short input, in the ordinary test run (the `cargo fuzz` targets
//! `bun_lock`, `pdm_lock` and `cooldown_settings` explore further, but need a sanitizer
//! build the suite does not make): every prefix of the committed fixtures (every byte for
//! the small files, a stride through `pdm.lock`) must give a value or an error, never a
//! panic; and a settings reader never yields a negative age, whichever reader reads
//! whichever file.

use std::path::Path;

use depgate::cooldowns::{FileKind, read};

const KINDS: [FileKind; 9] = [
    FileKind::Npmrc,
    FileKind::PnpmWorkspace,
    FileKind::Yarnrc,
    FileKind::Bunfig,
    FileKind::Pyproject,
    FileKind::UvToml,
    FileKind::PipConf,
    FileKind::Renovate,
    FileKind::Dependabot,
];

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// Prefixes of `text` at char boundaries, every `stride` bytes.
fn prefixes(text: &str, stride: usize) -> impl Iterator<Item = &str> {
    (0..=text.len()).step_by(stride).filter(|&i| text.is_char_boundary(i)).map(move |i| &text[..i])
}

#[test]
fn cooldown_readers_on_every_prefix_of_every_fixture() {
    let dir = "testdata/cooldowns/drift/";
    let mut read_any = 0;
    for f in [
        ".npmrc",
        "pnpm-workspace.yaml",
        ".yarnrc.yml",
        "bunfig.toml",
        "pyproject.toml",
        "uv.toml",
        "pip.conf",
        "renovate.json5",
        ".github/dependabot.yml",
    ] {
        let text = fixture(&format!("{dir}{f}"));
        for p in prefixes(&text, 1) {
            for kind in KINDS {
                let r = read(kind, f, p, 1_767_225_600);
                read_any += r.settings.len();
                for s in &r.settings {
                    assert!(s.min_age_seconds >= 0 && s.min_age_days >= 0.0, "{f} as {kind:?}: {s:?}");
                }
                for pr in &r.problems {
                    assert!(pr.line <= p.lines().count() + 1, "{f} as {kind:?}: a problem past the end: {pr}");
                }
            }
        }
    }
    assert!(read_any > 0);
}

#[test]
fn bun_and_pdm_lockfiles_cut_short() {
    let bun = fixture("testdata/npm/bun/bun.lock");
    let whole = depgate::ecosystem::npm::parse_bun_lock(&bun, Path::new("bun.lock")).unwrap();
    assert!(!whole.is_empty());
    for p in prefixes(&bun, 1) {
        let _ = depgate::ecosystem::npm::parse_bun_lock(p, Path::new("bun.lock"));
    }
    let pdm = fixture("testdata/pypi/pdm/pdm.lock");
    let pyproject = fixture("testdata/pypi/pdm/pyproject.toml");
    assert!(
        !depgate::ecosystem::pypi::parse_pdm_lock(&pdm, Path::new("pdm.lock"), Some(&pyproject)).unwrap().is_empty()
    );
    for p in prefixes(&pdm, 61) {
        let _ = depgate::ecosystem::pypi::parse_pdm_lock(p, Path::new("pdm.lock"), Some(&pyproject));
    }
    for p in prefixes(&pyproject, 1) {
        let _ = depgate::ecosystem::pypi::parse_pdm_lock(&pdm, Path::new("pdm.lock"), Some(p));
    }
}
