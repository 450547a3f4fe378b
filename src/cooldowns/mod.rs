//! The release-age gates that package managers and update bots carry in their own files
//! (pnpm `minimumReleaseAge`, yarn `npmMinimalAgeGate`, npm `min-release-age`, bun
//! `minimumReleaseAge`, uv `exclude-newer`, pip `uploaded-prior-to`, Renovate
//! `minimumReleaseAge`, Dependabot `cooldown`), read with their file and line, their units
//! normalised to seconds and their exemption lists kept; and their drift from depgate's
//! own tiered cooldown ([`drift`]).
//!
//! Owns: the readers (pure: a file's text in, settings and problems out, in [`js`],
//! [`python`] and [`bots`]) and the comparison. [`find`] is the one part that reads files
//! and the environment. Must not: print, fetch, or decide about packages (drift is a
//! warning about configuration; it never changes a package's decision).
//!
//! A value a reader cannot understand is a [`Problem`] naming the file and line, shown in
//! every report beside the settings: these are other tools' files, so they never stop the
//! gate, but they are never passed over in silence either.

pub mod bots;
pub mod drift;
pub mod duration;
pub mod find;
pub mod js;
pub mod python;
pub mod suggest;
pub mod tree;
pub mod write;

use std::path::Path;

use serde::Serialize;

use crate::ecosystem::Ecosystem;

/// The tool a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Npm,
    Pnpm,
    Yarn,
    Bun,
    Uv,
    Pip,
    Renovate,
    Dependabot,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Npm => "npm",
            Tool::Pnpm => "pnpm",
            Tool::Yarn => "yarn",
            Tool::Bun => "bun",
            Tool::Uv => "uv",
            Tool::Pip => "pip",
            Tool::Renovate => "renovate",
            Tool::Dependabot => "dependabot",
        }
    }

    /// An update bot (opens pull requests) rather than an installer.
    pub fn is_bot(self) -> bool {
        matches!(self, Tool::Renovate | Tool::Dependabot)
    }
}

/// One package exempt from a tool's gate, where it is written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exempt {
    /// As written: a name, a glob (`@acme/*`), or a yarn descriptor.
    pub pattern: String,
    pub line: usize,
}

/// One release-age setting of one tool, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    pub tool: Tool,
    /// The file, relative to the project when inside it; `environment` for a variable.
    pub file: String,
    /// 1-based; 0 when it has none (an environment variable).
    pub line: usize,
    /// The setting's name as the tool spells it, with its place for nested ones
    /// (`packageRules[1].minimumReleaseAge`, `updates[0].cooldown.default-days`).
    pub setting: String,
    /// The value as written.
    pub value: String,
    /// What the value is counted in: `seconds`, `minutes`, `days`, `duration` (a unit in
    /// the value) or `cutoff` (an absolute time).
    pub unit: &'static str,
    /// The ecosystems it governs.
    pub ecosystems: Vec<Ecosystem>,
    /// Package patterns it is limited to (empty: every package).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// Dependabot: the update types it applies to (`major`, `minor`, `patch`); empty: all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub update_types: Vec<&'static str>,
    /// The normalised minimum release age (at `now` for a cut-off).
    pub min_age_seconds: i64,
    pub min_age_days: f64,
    /// An absolute cut-off, RFC 3339 (uv `exclude-newer`, pip `uploaded-prior-to` dates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<String>,
    /// Packages the tool lets through at once, and the setting that lists them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exempt: Vec<Exempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exempt_setting: Option<String>,
    /// How the value is written in this setting's unit, for a given number of seconds
    /// (the fix a drift finding proposes).
    #[serde(skip)]
    pub spell: Spell,
    /// Anything worth knowing about how it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Setting {
    /// A setting of `tool` at `file:line`, `setting = value`, with its age in seconds.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tool: Tool,
        file: &str,
        line: usize,
        setting: impl Into<String>,
        value: impl Into<String>,
        unit: &'static str,
        ecosystems: Vec<Ecosystem>,
        seconds: i64,
        spell: Spell,
    ) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let days = (seconds as f64 / duration::DAY as f64 * 1000.0).round() / 1000.0;
        Setting {
            tool,
            file: file.to_string(),
            line,
            setting: setting.into(),
            value: value.into(),
            unit,
            ecosystems,
            packages: Vec::new(),
            update_types: Vec::new(),
            min_age_seconds: seconds,
            min_age_days: days,
            cutoff: None,
            exempt: Vec::new(),
            exempt_setting: None,
            spell,
            note: None,
        }
    }

    /// `file:line` (or the file alone when it has no line).
    pub fn place(&self) -> String {
        if self.line == 0 { self.file.clone() } else { format!("{}:{}", self.file, self.line) }
    }
}

/// How a tool writes a release age, for the fix a finding proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spell {
    /// A whole number of seconds (bun).
    Seconds,
    /// A whole number of minutes (pnpm).
    Minutes,
    /// A whole number of days (npm, Dependabot).
    Days,
    /// yarn's `3d`.
    Yarn,
    /// "7 days" (Renovate, uv).
    Words,
    /// ISO 8601, `P7D` (pip 26.1).
    Iso,
}

impl Spell {
    /// `seconds` as this tool writes it, rounded up to its unit.
    pub fn write(self, seconds: i64) -> String {
        let days = ceil_units(seconds, duration::DAY);
        match self {
            Spell::Seconds => seconds.to_string(),
            Spell::Yarn if seconds % duration::DAY == 0 => format!("{days}d"),
            Spell::Days => days.to_string(),
            Spell::Minutes | Spell::Yarn => ceil_units(seconds, 60).to_string(),
            Spell::Words if seconds % duration::DAY == 0 => {
                format!("\"{days} day{}\"", if days == 1 { "" } else { "s" })
            }
            Spell::Words => format!("\"{} minutes\"", ceil_units(seconds, 60)),
            Spell::Iso if seconds % duration::DAY == 0 => format!("P{days}D"),
            Spell::Iso => format!("PT{}M", ceil_units(seconds, 60)),
        }
    }
}

/// A value a reader could not use, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub tool: Tool,
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// What one file (or the whole project) holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Read {
    pub settings: Vec<Setting>,
    pub problems: Vec<Problem>,
}

impl Read {
    pub fn extend(&mut self, other: Read) {
        self.settings.extend(other.settings);
        self.problems.extend(other.problems);
    }

    pub(crate) fn problem(&mut self, tool: Tool, file: &str, line: usize, message: impl Into<String>) {
        self.problems.push(Problem { tool, file: file.to_string(), line, message: message.into() });
    }
}

/// The kinds of file the readers know, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Npmrc,
    PnpmWorkspace,
    Yarnrc,
    Bunfig,
    Pyproject,
    UvToml,
    PipConf,
    Renovate,
    Dependabot,
}

/// Renovate's repository configuration files, in the order Renovate looks for them.
pub const RENOVATE_FILES: &[&str] = &[
    "renovate.json",
    "renovate.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
];

/// Every project file the readers look at (relative to the project), and its kind.
pub const PROJECT_FILES: &[(&str, FileKind)] = &[
    (".npmrc", FileKind::Npmrc),
    ("pnpm-workspace.yaml", FileKind::PnpmWorkspace),
    (".yarnrc.yml", FileKind::Yarnrc),
    ("bunfig.toml", FileKind::Bunfig),
    ("pyproject.toml", FileKind::Pyproject),
    ("uv.toml", FileKind::UvToml),
    (".github/dependabot.yml", FileKind::Dependabot),
    (".github/dependabot.yaml", FileKind::Dependabot),
];

/// Read one file's text as `kind`; `file` is how reports name it, `now` Unix seconds.
pub fn read(kind: FileKind, file: &str, text: &str, now: i64) -> Read {
    match kind {
        FileKind::Npmrc => js::npmrc(file, text),
        FileKind::PnpmWorkspace => js::pnpm_workspace(file, text),
        FileKind::Yarnrc => js::yarnrc(file, text),
        FileKind::Bunfig => js::bunfig(file, text),
        FileKind::Pyproject => python::uv(file, text, now, true),
        FileKind::UvToml => python::uv(file, text, now, false),
        FileKind::PipConf => python::pip_conf(file, text, now),
        FileKind::Renovate => bots::renovate(file, text, now),
        FileKind::Dependabot => bots::dependabot(file, text),
    }
}

/// The kind of a file by its path (for the fuzz target and `init`).
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let p = path.to_string_lossy().replace('\\', "/");
    if RENOVATE_FILES.iter().any(|f| p == *f || p.ends_with(&format!("/{f}"))) {
        return Some(FileKind::Renovate);
    }
    let name = path.file_name()?.to_str()?;
    if name == "pip.conf" || name == "pip.ini" {
        return Some(FileKind::PipConf);
    }
    PROJECT_FILES.iter().find(|(f, _)| p == *f || p.ends_with(&format!("/{f}")) || *f == name).map(|(_, k)| *k)
}

/// A number of seconds as a whole number of `unit` seconds, rounded up (so that a fix
/// never proposes less than depgate's cooldown).
pub(crate) fn ceil_units(seconds: i64, unit: i64) -> i64 {
    (seconds + unit - 1).div_euclid(unit)
}

/// The report's view of the project's cooldowns: every setting, every drift finding, and
/// what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub settings: Vec<Setting>,
    pub drift: Vec<drift::Drift>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty() && self.drift.is_empty() && self.problems.is_empty()
    }
}
