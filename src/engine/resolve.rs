//! Resolution: every coordinate through the chain of its ecosystem, one chain walk per
//! distinct name (shared by every version of it, single-flight by construction), and what
//! the owner says about the locked version: files, digests against the lockfile's,
//! publish time, yanked/deprecated.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures::StreamExt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::integrity::{compare as compare_digests, parse_sri};
use super::model::{
    BoundBy, Decision, Evidence, ImageResolution, IntegrityCheck, LockfileSource, Ownership, PackageInfo, Record,
    Resolution, ResolutionStatus,
};
use super::{Options, rfc3339};
use crate::config::{Config, Upstream};
use crate::ecosystem::index::{DistFile, PackageIndex, Release};
use crate::ecosystem::{Coordinate, Ecosystem};
use crate::redact::redact_text;
use crate::upstream::{ChainOutcome, Failure, Registry, Want, WantedArtifact, walk_chain};

/// How a name is looked up: `PyPI` names by their normalized form.
type NameKey = (Ecosystem, String);

fn name_key(c: &Coordinate) -> NameKey {
    let name = match c.ecosystem {
        Ecosystem::Pypi => crate::ecosystem::pypi::normalize_name(&c.name),
        _ => c.name.clone(),
    };
    (c.ecosystem, name)
}

/// The version a coordinate's release is filed under (images: with their platform).
fn release_key(c: &Coordinate) -> String {
    match c.image.as_deref() {
        Some(i) => crate::ecosystem::oci::release_key(&c.version, i.platform.as_deref()),
        None => c.version.clone(),
    }
}

/// Resolved through a chain: registry packages not shipped inside another.
fn resolvable(c: &Coordinate) -> bool {
    c.source.is_registry() && !c.bundled
}

/// The chain walk of one name and the namespace binding that applied to it.
pub(crate) type Walked = (Option<(String, usize)>, ChainOutcome);

/// The resolution stage's outcome for one coordinate: the package, how the chain resolved
/// it (`None` for what no chain serves: git, file, bundled), its licence and the owner's
/// index of the name (what later stages read evidence locations and metadata from).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub package: PackageInfo,
    pub resolution: Option<Resolution>,
    pub license: Option<String>,
    pub index: Option<Arc<PackageIndex>>,
}

impl Resolved {
    /// The owner's release of this version, from its index.
    pub fn release(&self) -> Option<&Release> {
        self.index.as_ref()?.release(self.package.ecosystem, &self.package.version)
    }
}

/// Resolve every coordinate through its chain, one [`Resolved`] per coordinate in order.
pub(crate) async fn resolve_records<R: Registry>(
    config: &Config,
    registry: &R,
    coords: &[Coordinate],
    opts: &Options,
) -> Vec<Resolved> {
    let outcomes = resolve_names(config, registry, coords, opts).await;
    coords
        .iter()
        .map(|c| {
            let package = PackageInfo::from_coordinate(c);
            let chain = config.chain_for(c.ecosystem, &c.name);
            let (resolution, index) = if !resolvable(c) {
                (None, None)
            } else if chain.is_empty() {
                (Some(no_chain(c)), None)
            } else {
                match outcomes.get(&name_key(c)) {
                    Some(o) => {
                        let (r, p) = resolution_for(c, o, &chain, opts.now);
                        (Some(r), p)
                    }
                    None => (None, None),
                }
            };
            let license =
                index.as_ref().and_then(|p| p.release(c.ecosystem, &release_key(c))).and_then(|v| v.license.clone());
            Resolved { package, resolution, license, index }
        })
        .collect()
}

/// A coordinate of an ecosystem the configuration has no chain for: no decision possible.
fn no_chain(c: &Coordinate) -> Resolution {
    let mut r = Resolution::empty();
    r.status = ResolutionStatus::Error;
    r.error = Some(Failure::new(
        crate::upstream::FailKind::Status,
        None,
        match c.image.as_deref() {
            Some(image) => format!(
                "{} is named in {} but no upstream of the [oci] chain serves registry {}; add an upstream with kind = \"oci\" and registry = \"{}\" to [oci] chain",
                c.purl(),
                c.source_file.display(),
                image.registry,
                image.registry
            ),
            None => format!(
                "{} is locked in {} but depgate.toml has no [{eco}] chain; add [{eco}] chain = [...] (the embedded default has one)",
                c.purl(),
                c.source_file.display(),
                eco = c.ecosystem
            ),
        },
    ));
    r
}

/// One chain walk per distinct name, `concurrency` at a time.
async fn resolve_names<R: Registry>(
    config: &Config,
    registry: &R,
    coords: &[Coordinate],
    opts: &Options,
) -> HashMap<NameKey, Walked> {
    let mut names: BTreeMap<NameKey, (String, BTreeSet<WantedArtifact>)> = BTreeMap::new();
    for c in coords.iter().filter(|c| resolvable(c)) {
        let entry = names.entry(name_key(c)).or_insert_with(|| (c.name.clone(), BTreeSet::new()));
        entry.1.insert(WantedArtifact {
            version: c.version.clone(),
            classifier: c.classifier.clone(),
            extension: c.extension.clone(),
            digest: c.image.as_ref().and_then(|i| i.digest.clone()),
            platform: c.image.as_ref().and_then(|i| i.platform.clone()),
        });
    }
    futures::stream::iter(names)
        .map(|(key, (name, wanted))| async move {
            let walked =
                walk_name(config, registry, key.0, &name, wanted.into_iter().collect(), opts.full_documents).await;
            (key, walked)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await
}

/// The chain walk of one name: the namespace binding that applies, then the walk, each
/// upstream asked for `artifacts`. `always_full` asks every upstream for the full document
/// (the proxy serves it on); otherwise publish times are asked for only where the
/// cooldown can apply: fallback upstreams and tiers named in `cooldown_tiers` (elsewhere
/// the smaller abbreviated npm document does).
pub(crate) async fn walk_name<R: Registry>(
    config: &Config,
    registry: &R,
    ecosystem: Ecosystem,
    name: &str,
    artifacts: Vec<WantedArtifact>,
    always_full: bool,
) -> Walked {
    let chain = config.chain_for(ecosystem, name);
    let key = name_key(&Coordinate::new(ecosystem, name, "", std::path::Path::new(""), 0));
    let binding = config.namespace_owner(ecosystem, &key.1);
    let bound =
        binding.and_then(|(pattern, up)| chain.iter().position(|u| u.name == up).map(|i| (pattern.to_string(), i)));
    if let (Some((pattern, up)), None) = (binding, &bound) {
        // An image bound to an upstream that does not serve its registry: nobody may
        // serve it (fails closed rather than walking the chain).
        tracing::warn!("{name} is bound to upstream `{up}` by `{pattern}`, which does not serve its registry");
        return (None, ChainOutcome::NotFound { fell_through: Vec::new() });
    }
    let p = &config.policy;
    // Images wait only on fallback upstreams (base images are rebuilt all the time).
    let cooldown = |i: usize| p.cools_down(&chain[i].tier, i > 0) && (ecosystem != Ecosystem::Oci || i > 0);
    // A listing (no artifacts) the proxy serves on: every version's time where the
    // cooldown applies, so held-back versions are known before any file is asked for.
    let want = |i: usize| Want {
        full: always_full || cooldown(i),
        all_times: always_full && artifacts.is_empty() && cooldown(i),
        artifacts: artifacts.clone(),
    };
    let outcome = walk_chain(registry, &chain, ecosystem, bound.as_ref().map(|b| b.1), name, want).await;
    (bound, outcome)
}

/// Every version the owner of `name` lists, as records resolved against that one walk
/// (no lockfile: nothing to compare), for the proxy's listings. Returns the walk too.
pub(crate) fn records_for_all_versions(
    config: &Config,
    ecosystem: Ecosystem,
    name: &str,
    walked: &Walked,
    now: OffsetDateTime,
) -> Vec<Record> {
    let chain = config.chain_for(ecosystem, name);
    let versions: Vec<String> = match &walked.1 {
        ChainOutcome::Owned { package, .. } => package.versions.keys().cloned().collect(),
        _ => Vec::new(),
    };
    versions
        .iter()
        .map(|v| {
            let c = Coordinate::new(ecosystem, name, v.as_str(), std::path::Path::new(""), 0);
            let (resolution, index) = resolution_for(&c, walked, &chain, now);
            let license = index.as_ref().and_then(|p| p.release(ecosystem, v)).and_then(|r| r.license.clone());
            Record {
                package: PackageInfo::from_coordinate(&c),
                resolution: Some(resolution),
                evidence: Evidence::pending(),
                license,
                decision: Decision::Allow,
                findings: Vec::new(),
            }
        })
        .collect()
}

fn resolution_for(
    c: &Coordinate,
    (bound, outcome): &Walked,
    chain: &[&Upstream],
    now: OffsetDateTime,
) -> (Resolution, Option<Arc<PackageIndex>>) {
    let ownership = |i: usize| Ownership {
        bound_by: if bound.is_some() { BoundBy::Namespace } else { BoundBy::Chain },
        upstream: chain[i].name.clone(),
        pattern: bound.as_ref().map(|b| b.0.clone()),
    };
    let mut r = Resolution::empty();
    match outcome {
        ChainOutcome::NotFound { fell_through } => {
            r.fell_through.clone_from(fell_through);
            if let Some((_, i)) = bound {
                r.ownership = Some(ownership(*i));
            }
            (r, None)
        }
        ChainOutcome::Failed { index, failure, fell_through } => {
            r.status = ResolutionStatus::Error;
            r.upstream = Some(chain[*index].name.clone());
            r.tier = Some(chain[*index].tier.clone());
            r.priority = Some(index + 1);
            r.fell_through.clone_from(fell_through);
            r.error = Some(failure.clone());
            (r, None)
        }
        ChainOutcome::Owned { index, package, fell_through } => {
            let owner = chain[*index];
            r.status = ResolutionStatus::Owned;
            r.upstream = Some(owner.name.clone());
            r.tier = Some(owner.tier.clone());
            r.priority = Some(index + 1);
            r.fallback = *index > 0;
            r.ownership = Some(ownership(*index));
            r.fell_through.clone_from(fell_through);
            r.owner_latest.clone_from(&package.latest);
            let release = package.release(c.ecosystem, &release_key(c));
            r.version_found = release.is_some();
            let mut primary_url = None;
            if let Some(rel) = release {
                let (primary, check) = match_files(c, rel);
                r.lockfile_integrity = check;
                r.lockfile_digests = locked_digests(c, primary);
                if let Some(f) = primary {
                    r.digests.clone_from(&f.digests);
                    r.url = Some(redact_text(&f.url));
                    r.signatures.clone_from(&f.signatures);
                    if c.ecosystem != Ecosystem::Npm {
                        r.file = Some(f.filename.clone());
                    }
                    primary_url = Some(f.url.clone());
                }
                r.deprecated.clone_from(&rel.deprecated);
                r.yanked.clone_from(&rel.yanked);
                if let Some(t) = rel.published_at.as_deref().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()) {
                    r.published_at = Some(rfc3339(t));
                    let age = (now - t).as_seconds_f64() / 86_400.0;
                    r.age_days = Some((age * 1000.0).round() / 1000.0);
                }
            }
            if let (Some(image), Some(rel)) = (c.image.as_deref(), release) {
                r.image = Some(image_resolution(image, rel));
            }
            let recorded_url = c
                .resolved
                .clone()
                .or_else(|| c.files.iter().find_map(|f| f.url.clone()))
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
            r.lockfile_source =
                recorded_url.as_deref().map(|res| classify_resolved(res, chain, *index, primary_url.as_deref()));
            (r, Some(package.clone()))
        }
    }
}

/// What the owner's release says about an image reference: the tag's current digest,
/// whether the pinned digest is served, and the pinned line to write.
fn image_resolution(image: &crate::ecosystem::oci::ImageRef, rel: &Release) -> ImageResolution {
    let digest_of = |f: &DistFile| f.digests.iter().next().map(|(a, h)| format!("{a}:{h}"));
    let tag_digest = image.tag.as_deref().and_then(|t| rel.files.iter().find(|f| f.filename == t)).and_then(digest_of);
    let digest_served = image.digest.as_deref().map(|d| rel.files.iter().filter_map(digest_of).any(|x| x == d));
    let digest = match (&image.digest, digest_served) {
        (Some(d), Some(true)) => Some(d.clone()),
        _ => tag_digest.clone(),
    };
    // Unpinned, or pinned to a digest the tag no longer points to: the tag's digest now.
    let pinned_line = match (&image.digest, &tag_digest) {
        (None, Some(t)) => Some(image.pinned_line(t)),
        (Some(d), Some(t)) if d != t => Some(image.pinned_line(t)),
        _ => None,
    };
    ImageResolution { tag_digest, digest_served, digest, pinned_line }
}

/// The owner's file this coordinate stands for, and how the lockfile's digests compare
/// with the owner's. npm: the one tarball against `integrity`. `PyPI`/Maven: every file
/// the lockfile pins must be one the owner serves with the same digest (by file name
/// where the lockfile records one, else by digest).
fn match_files<'a>(c: &Coordinate, rel: &'a Release) -> (Option<&'a DistFile>, IntegrityCheck) {
    if c.ecosystem == Ecosystem::Npm {
        let f = rel.files.first();
        let recorded = c.integrity.as_deref().map(parse_sri).unwrap_or_default();
        let check = match f {
            Some(f) => compare_digests(&recorded, &f.digests),
            None if recorded.is_empty() => IntegrityCheck::Missing,
            None => IntegrityCheck::Unavailable,
        };
        return (f, check);
    }
    let mut primary: Option<&DistFile> = None;
    let (mut matched, mut mismatched, mut pinned) = (false, false, false);
    for locked in &c.files {
        let by_name = locked.name.as_deref().and_then(|n| rel.files.iter().find(|f| f.filename == n));
        if locked.hashes.is_empty() {
            primary = primary.or(by_name);
            continue;
        }
        pinned = true;
        match by_name {
            Some(f) => match compare_digests(&locked.hashes, &f.digests) {
                IntegrityCheck::Match => {
                    matched = true;
                    primary = primary.or(Some(f));
                }
                IntegrityCheck::Mismatch => {
                    mismatched = true;
                    primary = Some(f);
                }
                _ => primary = primary.or(Some(f)),
            },
            None if locked.name.is_some() && c.ecosystem == Ecosystem::Maven => {
                // A Maven file name the index did not fetch (another classifier): judged
                // below by the primary file.
            }
            None => {
                let hit = rel.files.iter().find(|f| {
                    locked.hashes.iter().any(|(algo, h)| f.digests.get(algo).is_some_and(|d| d.eq_ignore_ascii_case(h)))
                });
                match hit {
                    Some(f) => {
                        matched = true;
                        primary = primary.or(Some(f));
                    }
                    // A pinned file the owner does not serve: the lock was made against
                    // other bytes than the owner's.
                    None if rel.files.iter().any(|f| !f.digests.is_empty()) => mismatched = true,
                    None => {}
                }
            }
        }
    }
    let primary = primary.or_else(|| default_file(c, rel));
    if c.ecosystem == Ecosystem::Maven
        && !matched
        && !mismatched
        && let Some(f) = primary
    {
        // Pins recorded without a usable file name: compare with the artifact file.
        let recorded: BTreeMap<String, String> = c.files.iter().flat_map(|l| l.hashes.clone()).collect();
        if !recorded.is_empty() {
            return (primary, compare_digests(&recorded, &f.digests));
        }
    }
    let check = if mismatched {
        IntegrityCheck::Mismatch
    } else if matched {
        IntegrityCheck::Match
    } else if pinned {
        IntegrityCheck::Unavailable
    } else {
        IntegrityCheck::Missing
    };
    (primary, check)
}

/// What the lockfile pins for the file a coordinate resolved to.
fn locked_digests(c: &Coordinate, primary: Option<&DistFile>) -> BTreeMap<String, String> {
    if c.ecosystem == Ecosystem::Npm {
        return c.integrity.as_deref().map(parse_sri).unwrap_or_default();
    }
    let named = primary.and_then(|p| c.files.iter().find(|l| l.name.as_deref() == Some(p.filename.as_str())));
    match (named, c.files.as_slice()) {
        (Some(l), _) => l.hashes.clone(),
        (None, [only]) if c.ecosystem == Ecosystem::Maven || only.name.is_none() => only.hashes.clone(),
        _ => BTreeMap::new(),
    }
}

/// The file a coordinate stands for when the lockfile names none: Maven's artifact file
/// (the classifier's); for `PyPI` the sdist, else the first wheel.
fn default_file<'a>(c: &Coordinate, rel: &'a Release) -> Option<&'a DistFile> {
    match c.ecosystem {
        Ecosystem::Maven => {
            let artifact = c.name.split_once(':').map_or(c.name.as_str(), |(_, a)| a);
            let stem = match c.classifier.as_deref().filter(|s| !s.is_empty()) {
                Some(cl) => format!("{artifact}-{}-{cl}.", c.version),
                None => format!("{artifact}-{}.", c.version),
            };
            rel.files
                .iter()
                .find(|f| {
                    f.filename.starts_with(&stem)
                        && c.extension.as_deref().is_none_or(|e| f.filename[stem.len()..] == *e)
                })
                .or_else(|| rel.files.first())
        }
        _ => rel
            .files
            .iter()
            .find(|f| !std::path::Path::new(&f.filename).extension().is_some_and(|e| e.eq_ignore_ascii_case("whl")))
            .or_else(|| rel.files.first()),
    }
}

/// Registry hosts that are one registry under two names.
fn canonical_host(host: &str) -> &str {
    match host {
        "registry.yarnpkg.com" => "registry.npmjs.org",
        h => h,
    }
}

/// Same registry, counting a registry's aliases as one (unlike the check that decides where
/// credentials may go, which is strict).
fn same_registry(a: &url::Url, b: &url::Url) -> bool {
    a.scheme().eq_ignore_ascii_case(b.scheme())
        && a.host_str().map(canonical_host) == b.host_str().map(canonical_host)
        && a.port_or_known_default() == b.port_or_known_default()
}

fn under(base: &url::Url, u: &url::Url) -> bool {
    same_registry(base, u) && u.path().starts_with(base.path())
}

/// Which upstream the lockfile's `resolved` URL belongs to.
fn classify_resolved(resolved: &str, chain: &[&Upstream], owner: usize, owner_tarball: Option<&str>) -> LockfileSource {
    let raw = resolved.split('#').next().unwrap_or(resolved);
    let Ok(u) = url::Url::parse(raw) else {
        return LockfileSource { url: Some(redact_text(raw)), upstream: None, matches_owner: false };
    };
    let shown = Some(crate::redact::redact_url(&u));
    let owner_match = chain[owner].registry_url().is_some_and(|base| under(base, &u))
        || owner_tarball.and_then(|t| url::Url::parse(t).ok()).is_some_and(|t| same_registry(&t, &u));
    if owner_match {
        return LockfileSource { url: shown, upstream: Some(chain[owner].name.clone()), matches_owner: true };
    }
    let other =
        chain.iter().enumerate().find(|(i, up)| *i != owner && up.registry_url().is_some_and(|base| under(base, &u)));
    LockfileSource { url: shown, upstream: other.map(|(_, up)| up.name.clone()), matches_owner: false }
}
