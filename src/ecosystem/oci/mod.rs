//! Container images as dependencies: the image references a build pulls, read from
//! Dockerfiles/Containerfiles, compose files and GitHub workflows, and normalised the way
//! Docker does (`nginx` is `docker.io/library/nginx:latest`).
//!
//! Owns: the reference grammar, its normal form, the `pkg:oci` purl, and the three input
//! parsers (`dockerfile`, `compose`, `workflow`). Must not: open files, touch the network
//! or decide anything about an image.

pub mod compose;
pub mod dockerfile;
pub mod manifest;
mod vars;
pub mod workflow;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Coordinate, Ecosystem, LockfileError};

/// Docker Hub's canonical registry name; `index.docker.io` and a missing domain mean it.
pub const DOCKER_HUB: &str = "docker.io";

/// Where in its input an image reference was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageKind {
    /// A Dockerfile `FROM`.
    From,
    /// A Dockerfile `COPY --from=<image>`.
    CopyFrom,
    /// A Dockerfile `RUN --mount=…,from=<image>`.
    MountFrom,
    /// A compose file's `services.*.image`.
    Compose,
    /// A workflow job's `container:`.
    WorkflowContainer,
    /// A workflow job's `services.*.image`.
    WorkflowService,
    /// A workflow step's `uses: docker://…`.
    WorkflowDockerAction,
    /// A pull through `depgate serve`'s `/v2/`.
    Pull,
}

impl ImageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::From => "from",
            ImageKind::CopyFrom => "copy-from",
            ImageKind::MountFrom => "mount-from",
            ImageKind::Compose => "compose",
            ImageKind::WorkflowContainer => "workflow-container",
            ImageKind::WorkflowService => "workflow-service",
            ImageKind::WorkflowDockerAction => "workflow-docker-action",
            ImageKind::Pull => "pull",
        }
    }
}

/// One image reference as a build uses it, in Docker's normal form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// Registry host (with port), `docker.io` for Docker Hub.
    pub registry: String,
    /// Repository path inside the registry (`library/nginx`, `chainguard/python`).
    pub path: String,
    /// The tag: as written, `latest` when neither a tag nor a digest is written, `None`
    /// when only a digest is.
    pub tag: Option<String>,
    /// `sha256:<hex>` when the reference pins one.
    pub digest: Option<String>,
    /// `--platform` / compose `platform:` as written (after variable substitution).
    pub platform: Option<String>,
    pub kind: ImageKind,
    /// The reference as the file writes it (before variable substitution).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub written: String,
    /// The file's line the reference is on, as written (for the pinned remedy).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub line_text: String,
}

impl ImageRef {
    /// `registry/path`: `docker.io/library/nginx`.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }

    /// The reference with its digest, the form a pinned line is written in:
    /// `docker.io/library/nginx:1.27@sha256:…`.
    pub fn pinned(&self, digest: &str) -> String {
        match &self.tag {
            Some(t) => format!("{}:{t}@{digest}", self.repository()),
            None => format!("{}@{digest}", self.repository()),
        }
    }

    /// The line to write instead, with the reference pinned to `digest`: the file's own
    /// line with the reference replaced where it is on that line, else the reference.
    pub fn pinned_line(&self, digest: &str) -> String {
        let pinned = self.pinned(digest);
        if !self.written.is_empty() && self.line_text.contains(&self.written) {
            return self.line_text.trim().replacen(&self.written, &pinned, 1);
        }
        pinned
    }

    /// Where it was written: the reference as written and the file's line `line` of `text`.
    pub(crate) fn written_at(mut self, written: &str, text: &str, line: usize) -> Self {
        self.written = written.trim().to_string();
        self.line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or_default().trim_end().to_string();
        self
    }

    /// The `pkg:oci` purl: the last path segment as name, the digest as version, then
    /// `arch`, `repository_url` and `tag` qualifiers in key order.
    pub fn purl(&self) -> String {
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        let mut purl = format!("pkg:oci/{}", super::purl_escape(name));
        if let Some(d) = &self.digest {
            purl.push('@');
            purl.push_str(&super::purl_escape(d));
        }
        let mut sep = '?';
        let mut qualifier = |key: &str, value: &str| {
            purl.push(sep);
            purl.push_str(key);
            purl.push('=');
            purl.push_str(&qualifier_escape(value));
            sep = '&';
        };
        if let Some(arch) = self.platform.as_deref().and_then(platform_arch) {
            qualifier("arch", arch);
        }
        qualifier("repository_url", &self.repository());
        if let Some(t) = &self.tag {
            qualifier("tag", t);
        }
        purl
    }

    /// The coordinate of this image found at `file:line`. Its name is the repository, its
    /// version the tag (the digest when only a digest is written); a pinned digest is the
    /// one file it locks, so that the owner's digests are compared with it as a lockfile's
    /// are.
    pub fn into_coordinate(self, file: &Path, line: usize) -> Coordinate {
        let version = self.tag.clone().or_else(|| self.digest.clone()).unwrap_or_default();
        let mut c = Coordinate::new(Ecosystem::Oci, self.repository(), version, file, line);
        c.direct = true;
        if let Some((algo, hex)) = self.digest.as_deref().and_then(|d| d.split_once(':')) {
            c.files.push(super::LockedFile {
                name: None,
                url: None,
                hashes: std::collections::BTreeMap::from([(algo.to_string(), hex.to_string())]),
            });
        }
        c.image = Some(Box::new(self));
        c
    }
}

/// The architecture of a literal platform (`linux/arm64/v8` → `arm64`); `None` for one
/// that names a build variable (`$BUILDPLATFORM`).
fn platform_arch(platform: &str) -> Option<&str> {
    if platform.contains('$') {
        return None;
    }
    platform.split('/').nth(1).filter(|a| !a.is_empty())
}

/// purl qualifier values: `/` and `:` stay as they are (the spec's own `repository_url`
/// examples keep them); everything else outside the unreserved set is percent-encoded.
fn qualifier_escape(s: &str) -> String {
    s.split('/')
        .map(|seg| seg.split(':').map(super::purl_escape).collect::<Vec<_>>().join(":"))
        .collect::<Vec<_>>()
        .join("/")
}

/// The key an image's release is filed under in an upstream's index: the tag (or
/// digest), with the platform after `#` when the reference names one (one tag's images
/// differ by platform, and so do their creation times).
pub fn release_key(version: &str, platform: Option<&str>) -> String {
    match platform {
        Some(p) => format!("{version}#{p}"),
        None => version.to_string(),
    }
}

/// Why a reference is not one Docker would pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError(pub String);

/// Parse a reference as Docker does (`[host[:port]/]path[:tag][@algo:hex]`) and
/// normalise it: no domain means Docker Hub, a one-part Hub path is under `library/`,
/// `index.docker.io` is `docker.io`, and a reference with neither tag nor digest means
/// `latest`.
pub fn parse_reference(text: &str, kind: ImageKind, platform: Option<String>) -> Result<ImageRef, RefError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RefError("the image reference is empty".into()));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RefError(format!("`{text}` is not an image reference (it contains whitespace)")));
    }
    let (rest, digest) = match text.split_once('@') {
        Some((r, d)) => (r, Some(parse_digest(d)?)),
        None => (text, None),
    };
    // A tag is after the last `:` that follows the last `/` (a registry port is before it).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        let valid = !t.is_empty()
            && t.len() <= 128
            && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !valid {
            return Err(RefError(format!(
                "`{t}` in `{text}` is not a valid tag (letters, digits, `_`, `.`, `-`; at most 128)"
            )));
        }
    }
    let (registry, path) = match name.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            (first.to_string(), rest.to_string())
        }
        _ => (DOCKER_HUB.to_string(), name.to_string()),
    };
    if registry.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(RefError(format!("the registry `{registry}` in `{text}` must be lowercase")));
    }
    let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
        DOCKER_HUB.to_string()
    } else {
        registry
    };
    if path.is_empty() || path.split('/').any(|c| !valid_path_component(c)) {
        return Err(RefError(format!(
            "`{name}` in `{text}` is not a valid repository name (lowercase letters, digits and `.`, `_`, `__`, `-` separators between `/`)"
        )));
    }
    let path = if registry == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path };
    let tag = match (tag, &digest) {
        (Some(t), _) => Some(t.to_string()),
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    };
    Ok(ImageRef { registry, path, tag, digest, platform, kind, written: String::new(), line_text: String::new() })
}

fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: &u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(&b[0]) || !alnum(&b[b.len() - 1]) {
        return false;
    }
    b.iter().all(|x| alnum(x) || matches!(x, b'.' | b'_' | b'-'))
}

/// `sha256:<64 hex>` or `sha512:<128 hex>`, lowercase.
pub fn parse_digest(d: &str) -> Result<String, RefError> {
    let ok = match d.split_once(':') {
        Some(("sha256", hex)) => hex.len() == 64,
        Some(("sha512", hex)) => hex.len() == 128,
        _ => false,
    } && d
        .split_once(':')
        .is_some_and(|(_, h)| h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    if ok {
        Ok(d.to_string())
    } else {
        Err(RefError(format!("`{d}` is not a digest (`sha256:` and 64 lowercase hex digits)")))
    }
}

/// Which of the image inputs a file is by its content, for `--lockfile FILE` with a name
/// that is not conventional: a Dockerfile's first instruction is `FROM` or `ARG` (after
/// comments and parser directives); a compose file is YAML with a `services` mapping; a
/// workflow is YAML with `jobs` and `on`.
pub fn sniff(text: &str) -> Option<InputKind> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
    if let Some(l) = first {
        let word = l.split_whitespace().next().unwrap_or_default();
        if word.eq_ignore_ascii_case("FROM") || word.eq_ignore_ascii_case("ARG") {
            return Some(InputKind::Dockerfile);
        }
    }
    let docs = super::npm::yaml::parse(text).ok()?;
    let top = docs.first()?.as_map()?;
    if top.entry("jobs").is_some() && (top.entry("on").is_some() || top.entry("true").is_some()) {
        return Some(InputKind::Workflow);
    }
    top.entry("services").and_then(|e| e.value.as_map()).map(|_| InputKind::Compose)
}

/// The three kinds of input that name images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Dockerfile,
    Compose,
    Workflow,
}

impl InputKind {
    /// The kind a file's name denotes: `Dockerfile`, `Containerfile` (and `Dockerfile.*`,
    /// `*.Dockerfile`), `compose.yaml`/`docker-compose.yml` (and `compose.*.yaml`
    /// overrides), `.github/workflows/*.yml`.
    pub fn of_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        let yaml = Path::new(&lower).extension().is_some_and(|e| e == "yml" || e == "yaml");
        let in_workflows = path.parent().and_then(Path::file_name).is_some_and(|d| d == "workflows")
            && path.parent().and_then(Path::parent).and_then(Path::file_name).is_some_and(|d| d == ".github");
        if in_workflows && yaml {
            return Some(InputKind::Workflow);
        }
        for base in ["dockerfile", "containerfile"] {
            if lower == base
                || lower.strip_prefix(base).is_some_and(|r| r.starts_with('.') && r.len() > 1)
                || lower.strip_suffix(base).is_some_and(|r| r.ends_with('.') && r.len() > 1)
            {
                return Some(InputKind::Dockerfile);
            }
        }
        let stem = lower.strip_suffix(".yaml").or_else(|| lower.strip_suffix(".yml"))?;
        let compose = ["compose", "docker-compose"]
            .iter()
            .any(|b| stem == *b || stem.strip_prefix(b).is_some_and(|r| r.starts_with('.') && r.len() > 1));
        compose.then_some(InputKind::Compose)
    }

    /// Parse `text` of this kind into image coordinates.
    pub fn parse(self, text: &str, path: &Path) -> Result<Vec<Coordinate>, LockfileError> {
        match self {
            InputKind::Dockerfile => dockerfile::parse_dockerfile(text, path),
            InputKind::Compose => compose::parse_compose(text, path),
            InputKind::Workflow => workflow::parse_workflow(text, path),
        }
    }
}

/// A reference that failed to parse, as a [`LockfileError`] at `file:line`.
pub(crate) fn ref_error(file: &Path, line: usize, e: &RefError) -> LockfileError {
    LockfileError::new(
        file,
        line,
        e.0.clone(),
        "write the image as [registry/]repository[:tag][@sha256:digest], e.g. docker.io/library/nginx:1.27@sha256:…",
    )
}

#[cfg(test)]
mod tests;
