//! The package managers' and bots' release-age settings (`src/cooldowns/`): the first
//! byte picks the reader (`.npmrc`, `pnpm-workspace.yaml`, `.yarnrc.yml`, `bunfig.toml`,
//! `pyproject.toml`, `uv.toml`, `pip.conf`, Renovate JSON5, `dependabot.yml`), the rest is
//! the file. Every setting read must be a non-negative age.
#![no_main]

use depgate::cooldowns::{FileKind, read};
use libfuzzer_sys::fuzz_target;

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
});
