//! Finding and reading lockfiles: walk a project folder (or take named files), read each,
//! hand the text to the matching pure parser in `ecosystem/`. The only file access of the
//! inputs happens here (`-r` includes, a manifest beside a lockfile, hashing the local
//! files a `mvn dependency:list` names). A walk that finds a manifest declaring
//! dependencies (`package.json`, `pyproject.toml`, `pom.xml`, `build.gradle(.kts)`) with no
//! lockfile of its ecosystem beside or above it fails, naming the command that writes one.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::ecosystem::manifest::ManifestKind;
use crate::ecosystem::maven::gradle_lock::parse_gradle_lockfile;
use crate::ecosystem::maven::mvn_list::parse_mvn_dependency_list;
use crate::ecosystem::maven::resolved::parse_resolved_list;
use crate::ecosystem::maven::verification::parse_verification_metadata;
use crate::ecosystem::npm::bun::BUN_LOCKB_HELP;
use crate::ecosystem::npm::{parse_bun_lock, parse_package_lock, parse_pnpm_lock, parse_yarn_lock_with_manifest};
use crate::ecosystem::oci::InputKind;
use crate::ecosystem::pypi::pdm::parse_pdm_lock;
use crate::ecosystem::pypi::pipfile::parse_pipfile_lock_with_pipfile;
use crate::ecosystem::pypi::poetry::parse_poetry_lock;
use crate::ecosystem::pypi::pylock::parse_pylock;
use crate::ecosystem::pypi::requirements::{InputNote, parse_requirements};
use crate::ecosystem::pypi::uv::parse_uv_lock;
use crate::ecosystem::{Coordinate, Ecosystem, LockfileError};

/// Lockfile kinds depgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockfileKind {
    NpmShrinkwrap,
    PackageLock,
    PnpmLock,
    YarnLock,
    /// bun's text lockfile `bun.lock` (bun 1.2+).
    BunLock,
    /// bun's binary `bun.lockb`: refused with how to write `bun.lock`.
    BunLockb,
    /// `requirements.txt`, `requirements-*.txt`: pinned, ideally with `--hash`.
    Requirements,
    PoetryLock,
    UvLock,
    PipfileLock,
    /// `pdm.lock` (pdm 2).
    PdmLock,
    /// PEP 751 `pylock.toml` / `pylock.<name>.toml`.
    Pylock,
    /// `gradle.lockfile`, or `gradle/dependency-locks/<configuration>.lockfile`.
    GradleLockfile,
    /// `gradle/verification-metadata.xml`.
    GradleVerification,
    /// `depgate-resolved.json` (docs/resolved-list.md).
    ResolvedList,
    /// The output file of `mvn dependency:list -DoutputFile=…`.
    MvnDependencyList,
    /// A Dockerfile or Containerfile (`FROM`, `COPY --from`, `RUN --mount=from=`).
    Dockerfile,
    /// A compose file's service images.
    Compose,
    /// A GitHub workflow's job containers, service containers and `docker://` steps.
    Workflow,
}

impl LockfileKind {
    /// The kind a file name denotes, if any.
    pub fn from_file_name(name: &str) -> Option<Self> {
        Some(match name {
            "npm-shrinkwrap.json" => LockfileKind::NpmShrinkwrap,
            "package-lock.json" => LockfileKind::PackageLock,
            "pnpm-lock.yaml" => LockfileKind::PnpmLock,
            "yarn.lock" => LockfileKind::YarnLock,
            "bun.lock" => LockfileKind::BunLock,
            "bun.lockb" => LockfileKind::BunLockb,
            "pdm.lock" => LockfileKind::PdmLock,
            "poetry.lock" => LockfileKind::PoetryLock,
            "uv.lock" => LockfileKind::UvLock,
            "Pipfile.lock" => LockfileKind::PipfileLock,
            "gradle.lockfile" => LockfileKind::GradleLockfile,
            "verification-metadata.xml" => LockfileKind::GradleVerification,
            "depgate-resolved.json" => LockfileKind::ResolvedList,
            MVN_LIST_FILE => LockfileKind::MvnDependencyList,
            // PEP 751: `pylock.toml` or `pylock.<name>.toml`, the name without dots.
            n if n.strip_prefix("pylock.").and_then(|r| r.strip_suffix("toml")).is_some_and(|mid| {
                mid.is_empty()
                    || (mid.ends_with('.') && !mid[..mid.len() - 1].is_empty() && !mid[..mid.len() - 1].contains('.'))
            }) =>
            {
                LockfileKind::Pylock
            }
            n if n == "requirements.txt"
                || ((n.starts_with("requirements-") || n.starts_with("requirements_")) && has_extension(n, "txt")) =>
            {
                LockfileKind::Requirements
            }
            _ => return None,
        })
    }

    /// The kind of `path`, including kinds known by their folder
    /// (`dependency-locks/*.lockfile`).
    pub fn of_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        Self::from_file_name(name)
            .or_else(|| {
                let in_locks = path.parent().and_then(Path::file_name).is_some_and(|d| d == "dependency-locks");
                (in_locks && name.ends_with(".lockfile")).then_some(LockfileKind::GradleLockfile)
            })
            .or_else(|| InputKind::of_path(path).map(Self::from_image_input))
    }

    fn from_image_input(kind: InputKind) -> Self {
        match kind {
            InputKind::Dockerfile => LockfileKind::Dockerfile,
            InputKind::Compose => LockfileKind::Compose,
            InputKind::Workflow => LockfileKind::Workflow,
        }
    }
}

impl LockfileKind {
    /// The ecosystem whose packages the input locks.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            LockfileKind::NpmShrinkwrap
            | LockfileKind::PackageLock
            | LockfileKind::PnpmLock
            | LockfileKind::YarnLock
            | LockfileKind::BunLock
            | LockfileKind::BunLockb => Ecosystem::Npm,
            LockfileKind::Requirements
            | LockfileKind::PoetryLock
            | LockfileKind::UvLock
            | LockfileKind::PipfileLock
            | LockfileKind::PdmLock
            | LockfileKind::Pylock => Ecosystem::Pypi,
            LockfileKind::GradleLockfile
            | LockfileKind::GradleVerification
            | LockfileKind::ResolvedList
            | LockfileKind::MvnDependencyList => Ecosystem::Maven,
            LockfileKind::Dockerfile | LockfileKind::Compose | LockfileKind::Workflow => Ecosystem::Oci,
        }
    }
}

fn has_extension(name: &str, ext: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// The file name depgate looks for as `mvn dependency:list` output.
pub const MVN_LIST_FILE: &str = "depgate-mvn-dependencies.txt";

/// Folders never searched: installed trees, virtual environments, VCS data, build output.
const SKIP_DIRS: &[&str] = &[
    "node_modules",
    ".git",
    "target",
    ".yarn",
    ".pnpm-store",
    "depgate-report",
    ".depgate",
    "venv",
    "__pycache__",
    "site-packages",
    "build",
];
const MAX_DEPTH: usize = 8;

/// Why lockfiles could not be gathered.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}\n  help: check the path and its permissions")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "no lockfile found under {0}\n  help: run depgate in the project folder, name one with --lockfile, or create one (npm install --package-lock-only, pip-compile --generate-hashes, uv lock, gradle dependencies --write-locks)"
    )]
    NoneFound(PathBuf),
    #[error(
        "{manifest}: it declares dependencies, but there is no lockfile depgate reads beside it or in a folder above it{more}; nothing was gated\n  help: write one with {commands}, commit it, and run depgate again (or name the inputs with --lockfile)"
    )]
    ManifestWithoutLockfile { manifest: PathBuf, commands: &'static str, more: String },
    #[error("{0}: {BUN_LOCKB_HELP}")]
    BunLockb(PathBuf),
    #[error(
        "{0}: not a lockfile depgate reads\n  help: depgate reads package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, bun.lock, requirements*.txt, poetry.lock, uv.lock, Pipfile.lock, pdm.lock, pylock.toml, gradle.lockfile, gradle/dependency-locks/*.lockfile, gradle/verification-metadata.xml, depgate-resolved.json, depgate-mvn-dependencies.txt (mvn dependency:list output), and for container images Dockerfile/Containerfile (and *.Dockerfile, Dockerfile.*), compose.yaml/docker-compose.yml and .github/workflows/*.yml; a file of another name is read as one of these when its content is (a Dockerfile starting with FROM or ARG, YAML with services:, or a workflow with on: and jobs:)"
    )]
    UnknownKind(PathBuf),
    #[error(
        "{0}: Cargo.lock is not a format depgate gates (Rust crates are neither resolved, verified nor decided on); nothing was gated\n  help: depgate gates npm, PyPI, Maven/Gradle and container images; gate Rust crates with cargo-deny or cargo-vet, and describe them with `depgate sbom --cargo-lock {0}`"
    )]
    NotGated(PathBuf),
    #[error(
        "{path}: {size} is over max_lockfile_bytes ({max}); nothing was read from it\n  help: raise [limits] max_lockfile_bytes in depgate.toml if this lockfile is expected to be that large"
    )]
    TooLarge { path: PathBuf, size: String, max: String },
    #[error(transparent)]
    Parse(#[from] LockfileError),
}

/// The lockfiles under `root`. Where one folder has both `npm-shrinkwrap.json` and
/// `package-lock.json`, npm uses the shrinkwrap, and so does depgate; where one has both
/// `bun.lock` and `bun.lockb`, bun uses `bun.lock`. A manifest that declares dependencies
/// with no lockfile of its ecosystem in its folder or one above it (up to `root`) is an
/// error: the project would otherwise pass with nothing gated.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut found = Vec::new();
    let mut manifests = Vec::new();
    walk(root, 0, &|p: &Path| LockfileKind::of_path(p).is_some(), &mut found, Some(&mut manifests))?;
    found.sort();
    manifests.sort();
    let uncovered: Vec<&(PathBuf, ManifestKind)> =
        manifests.iter().filter(|(m, kind)| !covered(m, kind.ecosystem(), &found)).collect();
    if let Some((manifest, kind)) = uncovered.first() {
        let more = match uncovered.len() {
            1 => String::new(),
            n => format!(" (and {} more such manifest{})", n - 1, if n == 2 { "" } else { "s" }),
        };
        return Err(InputError::ManifestWithoutLockfile {
            manifest: manifest.clone(),
            commands: kind.lock_commands(),
            more,
        });
    }
    let cargo_lock = root.join("Cargo.lock");
    if found.is_empty() {
        if cargo_lock.is_file() {
            return Err(InputError::NotGated(cargo_lock));
        }
        return Err(InputError::NoneFound(root.to_path_buf()));
    }
    if cargo_lock.is_file() {
        tracing::warn!(
            "{}: not gated (depgate does not gate Rust crates); the other lockfiles are",
            cargo_lock.display()
        );
    }
    Ok(found)
}

/// Whether a lockfile of `ecosystem` sits in the manifest's folder or a folder above it
/// (a workspace member's lockfile is the workspace root's). Gradle's inputs under
/// `gradle/` (and `gradle/dependency-locks/`) count for the folder holding `gradle/`.
fn covered(manifest: &Path, ecosystem: Ecosystem, found: &[PathBuf]) -> bool {
    let Some(dir) = manifest.parent() else { return false };
    found.iter().any(|f| {
        if LockfileKind::of_path(f).map(LockfileKind::ecosystem) != Some(ecosystem) {
            return false;
        }
        let mut at = f.parent().unwrap_or(Path::new(""));
        for sub in ["dependency-locks", "gradle"] {
            if at.file_name().is_some_and(|n| n == sub) {
                at = at.parent().unwrap_or(at);
            }
        }
        dir.starts_with(at)
    })
}

/// Manifest files larger than this are not read (they count as declaring dependencies).
const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// The files under `root` that `want` accepts, searched as [`discover`] searches (the same
/// folders skipped), sorted. For `depgate init`, which looks for manifests too.
pub fn find_files(root: &Path, want: &dyn Fn(&Path) -> bool) -> Result<Vec<PathBuf>, InputError> {
    let mut found = Vec::new();
    walk(root, 0, want, &mut found, None)?;
    found.sort();
    Ok(found)
}

/// Collects the files `want` accepts into `found` and, when `manifests` is given, the
/// manifests that declare dependencies.
fn walk(
    dir: &Path,
    depth: usize,
    want: &dyn Fn(&Path) -> bool,
    found: &mut Vec<PathBuf>,
    mut manifests: Option<&mut Vec<(PathBuf, ManifestKind)>>,
) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir).map_err(|source| InputError::Io { path: dir.to_path_buf(), source })?;
    let mut here = Vec::new();
    let mut subdirs = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            // Hidden folders are skipped, except `.github` (its `workflows/` name images).
            let hidden = name.starts_with('.') && name != ".github";
            if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_str()) && !hidden && !is_venv(&e.path()) {
                subdirs.push(e.path());
            }
        } else if ft.is_file() && want(&e.path()) {
            here.push(e.path());
        } else if let (Some(manifests), Some(kind)) =
            (manifests.as_deref_mut(), ManifestKind::from_file_name(&name).filter(|_| ft.is_file()))
        {
            let path = e.path();
            let declares = match std::fs::metadata(&path) {
                Ok(m) if m.len() <= MAX_MANIFEST_BYTES => {
                    std::fs::read_to_string(&path).map_or(true, |t| kind.declares_dependencies(&t))
                }
                _ => true,
            };
            if declares {
                manifests.push((path, kind));
            }
        }
    }
    let has = |file: &str| here.iter().any(|p: &PathBuf| p.file_name().is_some_and(|n| n == file));
    let (has_shrinkwrap, has_bun_lock) = (has("npm-shrinkwrap.json"), has("bun.lock"));
    found.extend(here.into_iter().filter(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let shadowed = (has_shrinkwrap && name == "package-lock.json") || (has_bun_lock && name == "bun.lockb");
        !shadowed
    }));
    for d in subdirs {
        walk(&d, depth + 1, want, found, manifests.as_deref_mut())?;
    }
    Ok(())
}

/// A Python virtual environment (never searched: it holds installed packages' own files).
fn is_venv(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

/// What was read from one lockfile.
#[derive(Debug, Default)]
pub struct Read {
    pub coords: Vec<Coordinate>,
    /// Things in the input depgate does not act on but reports (`--index-url` lines).
    pub notes: Vec<InputNote>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> InputError + '_ {
    move |source| InputError::Io { path: path.to_path_buf(), source }
}

/// Read and parse one lockfile, of the kind its name says; a file whose name says nothing
/// is read as the container-image input its content shows it to be, if any.
pub fn read(path: &Path) -> Result<Read, InputError> {
    if path.file_name().is_some_and(|n| n == "Cargo.lock") {
        return Err(InputError::NotGated(path.to_path_buf()));
    }
    if let Some(kind) = LockfileKind::of_path(path) {
        return read_as(path, kind);
    }
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let kind = crate::ecosystem::oci::sniff(&text)
        .map(LockfileKind::from_image_input)
        .ok_or_else(|| InputError::UnknownKind(path.to_path_buf()))?;
    read_as(path, kind)
}

/// Read and parse one lockfile of a given kind, whatever its name.
pub fn read_as(path: &Path, kind: LockfileKind) -> Result<Read, InputError> {
    if kind == LockfileKind::BunLockb {
        // Binary, and bun's own format of the day: never guessed at.
        return Err(InputError::BunLockb(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let beside = |name: &str| path.parent().map(|d| d.join(name)).and_then(|m| std::fs::read_to_string(m).ok());
    let coords = match kind {
        LockfileKind::NpmShrinkwrap | LockfileKind::PackageLock => parse_package_lock(&text, path)?,
        LockfileKind::PnpmLock => parse_pnpm_lock(&text, path)?,
        LockfileKind::BunLock => parse_bun_lock(&text, path)?,
        LockfileKind::BunLockb => return Err(InputError::BunLockb(path.to_path_buf())),
        LockfileKind::YarnLock => {
            // yarn.lock alone cannot tell direct from transitive or dev from prod; the
            // manifest next to it can.
            parse_yarn_lock_with_manifest(&text, path, beside("package.json").as_deref())?
        }
        LockfileKind::Requirements => {
            let mut include = |p: &Path| std::fs::read_to_string(p);
            let r = parse_requirements(&text, path, &mut include)?;
            return Ok(Read { coords: r.coords, notes: r.notes });
        }
        LockfileKind::PoetryLock => parse_poetry_lock(&text, path, beside("pyproject.toml").as_deref())?,
        LockfileKind::UvLock => parse_uv_lock(&text, path)?,
        LockfileKind::PipfileLock => parse_pipfile_lock_with_pipfile(&text, path, beside("Pipfile").as_deref())?,
        LockfileKind::PdmLock => parse_pdm_lock(&text, path, beside("pyproject.toml").as_deref())?,
        LockfileKind::Pylock => parse_pylock(&text, path)?,
        LockfileKind::GradleLockfile => parse_gradle_lockfile(&text, path)?,
        LockfileKind::GradleVerification => parse_verification_metadata(&text, path)?,
        LockfileKind::ResolvedList => parse_resolved_list(&text, path)?,
        LockfileKind::MvnDependencyList => {
            let mut coords = parse_mvn_dependency_list(&text, path)?;
            hash_local_files(&mut coords);
            coords
        }
        LockfileKind::Dockerfile => InputKind::Dockerfile.parse(&text, path)?,
        LockfileKind::Compose => InputKind::Compose.parse(&text, path)?,
        LockfileKind::Workflow => InputKind::Workflow.parse(&text, path)?,
    };
    Ok(Read { coords, notes: Vec::new() })
}

/// `mvn dependency:list -DoutputAbsoluteArtifactFilename=true` names the file each artifact
/// resolved to in the local repository: its sha256 is what the build used.
fn hash_local_files(coords: &mut [Coordinate]) {
    for c in coords {
        let Some(local) = c.resolved.as_deref().map(PathBuf::from).filter(|p| p.is_absolute()) else { continue };
        let Ok(bytes) = std::fs::read(&local) else { continue };
        let digest = hex::encode(Sha256::digest(&bytes));
        match c.files.first_mut() {
            Some(f) => {
                f.hashes.insert("sha256".into(), digest);
            }
            None => c.files.push(crate::ecosystem::LockedFile {
                name: local.file_name().map(|n| n.to_string_lossy().into_owned()),
                url: None,
                hashes: std::collections::BTreeMap::from([("sha256".to_string(), digest)]),
            }),
        }
    }
}

/// Everything gathered from a project's lockfiles.
#[derive(Debug, Default)]
pub struct Gathered {
    pub files: Vec<PathBuf>,
    pub coords: Vec<Coordinate>,
    pub notes: Vec<InputNote>,
}

/// Gather coordinates from named lockfiles and resolved-artifact lists (`--resolved`, read
/// as `depgate.resolved/v1` whatever their names), or, when neither is named, from every
/// lockfile under `root`.
pub fn gather(root: &Path, named: &[PathBuf], resolved: &[PathBuf]) -> Result<Gathered, InputError> {
    gather_within(root, named, resolved, crate::config::Limits::default().max_lockfile_bytes)
}

/// `path` relative to `root` when it lies inside it (as written, or once both are made
/// absolute), else `path` as given: one spelling for discovered and named lockfiles alike.
pub fn relative_to(path: &Path, root: &Path) -> PathBuf {
    if let Ok(rel) = path.strip_prefix(root)
        && !rel.as_os_str().is_empty()
    {
        return rel.to_path_buf();
    }
    if let (Ok(p), Ok(r)) = (std::fs::canonicalize(path), std::fs::canonicalize(root))
        && let Ok(rel) = p.strip_prefix(&r)
        && !rel.as_os_str().is_empty()
    {
        return rel.to_path_buf();
    }
    path.to_path_buf()
}

/// [`gather`], refusing any input file over `max_bytes` (`[limits] max_lockfile_bytes`)
/// before reading it.
pub fn gather_within(
    root: &Path,
    named: &[PathBuf],
    resolved: &[PathBuf],
    max_bytes: u64,
) -> Result<Gathered, InputError> {
    let mut all = Gathered::default();
    let inputs: Vec<(PathBuf, Option<LockfileKind>)> = if named.is_empty() && resolved.is_empty() {
        discover(root)?.into_iter().map(|p| (p, None)).collect()
    } else {
        let named = named.iter().map(|p| (p.clone(), None));
        named.chain(resolved.iter().map(|p| (p.clone(), Some(LockfileKind::ResolvedList)))).collect()
    };
    for (f, kind) in inputs {
        let len = std::fs::metadata(&f).map_err(io_err(&f))?.len();
        if len > max_bytes {
            use crate::units::human_bytes;
            return Err(InputError::TooLarge { path: f, size: human_bytes(len), max: human_bytes(max_bytes) });
        }
        let mut r = match kind {
            Some(kind) => read_as(&f, kind)?,
            None => read(&f)?,
        };
        // Reports name every lockfile the same way: relative to the project.
        let shown = relative_to(&f, root);
        for c in &mut r.coords {
            c.source_file.clone_from(&shown);
        }
        all.coords.extend(r.coords);
        all.notes.extend(r.notes);
        all.files.push(f);
    }
    Ok(all)
}
