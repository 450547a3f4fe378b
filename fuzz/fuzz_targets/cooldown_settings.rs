//! The package managers' and bots' release-age settings (`src/cooldowns/`): the first
//! byte picks the reader (`.npmrc`, `pnpm-workspace.yaml`, `.yarnrc.yml`, `bunfig.toml`,
//! `pyproject.toml`, `uv.toml`, `pip.conf`, Renovate JSON5, `dependabot.yml`), the rest is
//! the file. Every setting read must be a non-negative age. Then what `depgate init` would
//! add to that file (`src/cooldowns/write.rs`): never a panic, every line of the file kept
//! in order (Renovate JSON: the old text around one insertion), and a second edit of the
//! result adds nothing.
#![no_main]

use depgate::cooldowns::drift::{Depgate, TierView};
use depgate::cooldowns::write::insert;
use depgate::cooldowns::{FileKind, Tool, read};
use depgate::ecosystem::Ecosystem;
use libfuzzer_sys::fuzz_target;

const TOOLS: [(Tool, &str); 9] = [
    (Tool::Npm, ".npmrc"),
    (Tool::Pnpm, "pnpm-workspace.yaml"),
    (Tool::Yarn, ".yarnrc.yml"),
    (Tool::Bun, "bunfig.toml"),
    (Tool::Uv, "pyproject.toml"),
    (Tool::Uv, "uv.toml"),
    (Tool::Pip, "pip.conf"),
    (Tool::Renovate, "renovate.json"),
    (Tool::Dependabot, ".github/dependabot.yml"),
];

/// A curated first npm tier binding `@acme/*`, the public ones waiting 7 days.
fn depgate() -> Depgate {
    let t = |u: &str, tier: &str, days: f64| TierView { upstream: u.into(), tier: tier.into(), days, why: String::new() };
    Depgate {
        config: "depgate.toml".into(),
        chains: [
            (Ecosystem::Npm, vec![t("acme", "curated", 0.0), t("npmjs", "public", 7.0)]),
            (Ecosystem::Pypi, vec![t("pypi", "public", 7.0)]),
            (Ecosystem::Maven, vec![t("central", "public", 7.0)]),
        ]
        .into_iter()
        .collect(),
        namespaces: [(Ecosystem::Npm, vec![("@acme/*".to_string(), "acme".to_string())])].into_iter().collect(),
        cooldown_exempt: Vec::new(),
    }
}

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

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = KINDS[usize::from(pick) % KINDS.len()];
    // 2026-05-28T20:26:40Z: a fixed now, so a run is reproducible.
    let r = read(kind, "fuzzed", text, 1_780_000_000);
    for s in &r.settings {
        assert!(s.min_age_seconds >= 0, "{s:?}");
    }
    let (tool, file) = TOOLS[usize::from(pick) % TOOLS.len()];
    let (dg, gated) = (depgate(), [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven]);
    let Ok(Some(edit)) = insert(tool, kind, file, text, &dg, &gated, &[], 1_780_000_000) else { return };
    if tool == Tool::Renovate {
        // One piece of text inserted at one place: the old text is a prefix and a suffix.
        let (a, b) = (text.as_bytes(), edit.text.as_bytes());
        let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
        assert!(b.len() > a.len() && prefix + suffix >= a.len(), "not one insertion:\n{text}\n=>\n{}", edit.text);
    } else {
        // Split at \n alone, and a line's \r aside (the newline after a last line without
        // one is the file's own, \r\n in a CRLF file), and the byte-order mark (kept at the
        // start of the file, which a new table may now begin).
        let bare = |l: &str| l.trim_end_matches('\r').trim_start_matches('\u{feff}').to_string();
        let mut new_lines = edit.text.split('\n').map(bare);
        for old in text.split('\n').map(bare) {
            assert!(new_lines.any(|l| l == old), "line {old:?} lost in:\n{:?}", edit.text);
        }
    }
    let again = insert(tool, kind, file, &edit.text, &dg, &gated, &[], 1_780_000_000);
    assert!(matches!(again, Ok(None)), "{again:?} after:\n{}", edit.text);
});
