//! The proxy's pipeline at fetch time: listings decided per name, artifacts decided
//! (fetched, checked, verified, policy) once per file and served from the
//! content-addressed cache, one audit record per request.
//!
//! Both caches are single-flight ([`SingleFlight`]): concurrent requests for the same name
//! or file share one walk and one download. Nothing here speaks HTTP to clients; `npm`, `pypi` and `maven`
//! turn requests into calls on [`Gate`] and its answers into responses.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use time::OffsetDateTime;

use crate::advisories::Database;
use crate::attest::Trust;
use crate::audit::{AuditSink, ChainHead, Entry, Prepared, RunnerContext, Unrecorded};
use crate::config::Config;
use crate::ecosystem::{Coordinate, Ecosystem, LockedFile};
use crate::engine::{self, CacheUse, Decision, HeldBack, Listing, Options, Record};
use crate::metrics::Metrics;
use crate::policy::Policy;
use crate::singleflight::{self, SingleFlight};
use crate::upstream::{Memo, Registry, Upstreams};

mod images;
pub use images::{BlobAnswer, ManifestAnswer};

/// How long a listing (and the upstream document under it) is reused.
pub const LISTING_TTL: Duration = Duration::from_secs(300);

/// Largest file kept in memory once checked.
const MEMORY_FILE_MAX: usize = 1 << 20;

/// Memory for checked file bytes, all files together; beyond it files are read from the
/// store on each request.
const MEMORY_BUDGET: usize = 32 << 20;

/// Most files kept ready to answer by request path ([`Hot`]), each with its prepared
/// audit record (a few KiB): at most some tens of MiB beside the bytes, which
/// [`MEMORY_BUDGET`] bounds. Beyond it files take the ordinary path (listing, decision
/// lookup), which is slower but just as correct.
const HOT_MAX: usize = 1 << 14;

/// Pages kept in the render cache before those of dropped listings are swept.
const SWEEP_AT: usize = singleflight::SWEEP_AT;

/// Which file of which version a client asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileRequest {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The file name (`PyPI`, Maven); `None` for npm's one tarball.
    pub file: Option<String>,
    pub classifier: Option<String>,
    pub extension: Option<String>,
}

/// The decision about one file, with where its bytes are when it may be served.
#[derive(Debug)]
pub struct Decided {
    pub record: Record,
    /// sha512 (hex) of the checked bytes in the artifact store; `None` when nothing was
    /// fetched (not found, refused before download, upstream failure).
    pub sha512: Option<String>,
    /// The checked bytes kept in memory after the first read (small files, within
    /// [`MEMORY_BUDGET`]); others are read from the store and re-checked each time.
    memory: OnceLock<Bytes>,
}

impl Decided {
    /// A refusal decided from a listing, with nothing fetched.
    pub fn refused(record: Record) -> Self {
        Self { record, sha512: None, memory: OnceLock::new() }
    }

    /// Whether the file may be served: allowed or warned, and its bytes are in the store.
    pub fn servable(&self) -> bool {
        matches!(self.record.decision, Decision::Allow | Decision::Warn) && self.sha512.is_some()
    }

    /// The version exists at the owner (else the answer is 404, not a refusal).
    pub fn found(&self) -> bool {
        self.record.resolution.as_ref().is_some_and(|r| {
            r.status == engine::ResolutionStatus::Owned && r.version_found && (r.url.is_some() || r.file.is_some())
        })
    }

    /// The fetched bytes did not match the owner's own digests.
    pub fn mismatched(&self) -> bool {
        self.record.resolution.as_ref().is_some_and(|r| r.artifact_integrity == engine::IntegrityCheck::Mismatch)
    }
}

/// A file already decided, servable and in memory, kept by the path it was asked for,
/// with everything a repeat of that request needs: its bytes, its type and its audit
/// entry (filled with the time of each request). A repeat costs a map lookup, one
/// audit record and the answer; nothing is parsed, looked up upstream or decided again
/// (a file's decision is kept for the life of the proxy either way).
#[derive(Debug)]
pub struct Hot {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// The audit entry of a repeat (`cache: hit`), `time` filled per request: prepared
    /// for the writer when it can be, else as an entry.
    entry: Entry,
    prepared: Option<Arc<Prepared>>,
    /// The package, for the consumption counters.
    ecosystem: Ecosystem,
    name: Box<str>,
}

/// A rendered page and the listing it came from (dropped listings are not kept alive).
type RenderedPage = (Weak<Listing>, Bytes);

/// Everything a request needs: configuration, the registry, trust, policy, the caches and
/// the audit log. Shared by every request (`Arc<Gate>`).
pub struct Gate {
    pub config: Config,
    registry: Memo<Upstreams>,
    trust: Arc<Trust>,
    policy: Arc<Policy>,
    /// `--current-time`: decide as of this fixed time (tests); else the clock.
    fixed_now: Option<OffsetDateTime>,
    pub context: RunnerContext,
    /// Listings per name, for [`LISTING_TTL`]; a failed walk is not reused.
    listings: SingleFlight<(Ecosystem, String), Arc<Listing>>,
    /// Decisions per file for the life of the proxy, except those [`reusable`] turns away.
    decided: SingleFlight<FileRequest, Arc<Decided>>,
    rendered: Mutex<HashMap<(Ecosystem, String, &'static str), RenderedPage>>,
    /// Bytes of decided files kept in memory, against [`MEMORY_BUDGET`].
    in_memory: AtomicUsize,
    /// Files ready to answer by request path, at most [`HOT_MAX`].
    hot: RwLock<HashMap<Box<str>, Arc<Hot>>>,
    /// Shared with the gates of later configurations (SIGHUP): one log, one chain.
    audit: Arc<AuditSink>,
    /// The latest record of every file served or refused, for the report at shutdown
    /// (shared with the gates of later configurations).
    fetched: Arc<Mutex<BTreeMap<(String, String), Record>>>,
    /// The advisory database loaded at startup (`None`: advisories are not configured):
    /// every listing and file decision matches against it, and npm's audit endpoints are
    /// answered from it.
    advisories: Option<Arc<Database>>,
    /// Versions held back from listings and refusals said so far ([`super::held`]),
    /// shared with the gates of later configurations.
    held: Arc<super::held::Held>,
    /// What allowed image manifests let through (`/v2/`).
    images: images::Images,
    /// The OpenPGP keys and pins loaded at startup (`None`: OpenPGP is not configured):
    /// every file's `.asc` is checked when it is decided.
    pgp: Option<Arc<crate::openpgp::trust::Material>>,
    /// The OpenVet logs verified at startup (`None`: `[reviews]` is not configured).
    reviews: Option<Arc<crate::reviews::Database>>,
    /// The proxy's counters (`/metrics`).
    metrics: Option<Arc<Metrics>>,
}

impl Gate {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Config,
        upstreams: Upstreams,
        trust: Trust,
        policy: Policy,
        fixed_now: Option<OffsetDateTime>,
        context: RunnerContext,
        audit: Arc<AuditSink>,
        advisories: Option<Arc<Database>>,
    ) -> Self {
        Self {
            config,
            registry: Memo::new(upstreams, LISTING_TTL),
            trust: Arc::new(trust),
            policy: Arc::new(policy),
            fixed_now,
            context,
            listings: SingleFlight::new(Some(LISTING_TTL), |l| l.failure().is_none()),
            decided: SingleFlight::new(None, reusable),
            rendered: Mutex::new(HashMap::new()),
            in_memory: AtomicUsize::new(0),
            hot: RwLock::new(HashMap::new()),
            audit,
            fetched: Arc::default(),
            advisories,
            held: Arc::default(),
            images: images::Images::default(),
            pgp: None,
            reviews: None,
            metrics: None,
        }
    }

    /// Count decisions, cache use and consumption in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Take over what `before` (the gate of the configuration this one replaces) kept for
    /// the report at shutdown: the files decided and the versions held back.
    #[must_use]
    pub fn succeeding(mut self, before: &Gate) -> Self {
        self.fetched = before.fetched.clone();
        self.held = before.held.clone();
        self
    }

    /// The audit entry of `record` at `time`, naming the team of the request being
    /// answered.
    fn entry(&self, record: &Record, time: &str) -> Entry {
        let mut entry = Entry::from_record(record, "serve", time, &self.context);
        entry.team = super::access::current_team();
        entry
    }

    /// Look up OpenVet reviews in these verified logs.
    #[must_use]
    pub fn with_reviews(mut self, reviews: Option<Arc<crate::reviews::Database>>) -> Self {
        self.reviews = reviews;
        self
    }

    /// Check OpenPGP signatures with these keys and pins.
    #[must_use]
    pub fn with_pgp(mut self, pgp: Option<Arc<crate::openpgp::trust::Material>>) -> Self {
        self.pgp = pgp;
        self
    }

    /// The advisory database loaded at startup, when advisories are configured.
    pub fn advisories(&self) -> Option<&Arc<Database>> {
        self.advisories.as_ref()
    }

    fn options(&self) -> Options {
        Options {
            now: self.fixed_now.unwrap_or_else(OffsetDateTime::now_utc),
            download: true,
            concurrency: usize::from(self.config.limits.concurrency),
            mode: "serve",
            repository: self.context.repository.clone(),
            event: self.context.event.clone(),
            baseline: None,
            full_documents: true,
            advisories: self.advisories.clone(),
            pgp: self.pgp.clone(),
            reviews: self.reviews.clone(),
        }
    }

    /// The decision time as RFC 3339.
    fn now_text(&self) -> String {
        engine::rfc3339(self.fixed_now.unwrap_or_else(OffsetDateTime::now_utc))
    }

    /// The listing of `name`: owner, index and a decision per version. Reused for
    /// [`LISTING_TTL`]; concurrent callers share one walk.
    pub async fn listing(&self, ecosystem: Ecosystem, name: &str) -> Arc<Listing> {
        let key = (ecosystem, listing_key(ecosystem, name));
        self.listings
            .get_or_init(key, || async {
                let opts = self.options();
                Arc::new(
                    engine::list_versions(&self.config, &self.registry, &self.policy, ecosystem, name, &opts).await,
                )
            })
            .await
            .value
    }

    /// Decide one file: walk, fetch into the store, check digests, verify, policy. Once
    /// per file for the life of the proxy; concurrent callers share the work. Returns once
    /// the audit record of this request is in the log: synced for a first fetch, written
    /// for a repeat (`hit`), so nothing is answered that the proxy's death could leave
    /// unrecorded, and no first fetch that a power loss could.
    pub async fn file(&self, req: &FileRequest) -> Result<Arc<Decided>, Unrecorded> {
        let got = self.decided.get_or_init(req.clone(), || self.decide_file(req)).await;
        let decided = got.value;
        let cache = if got.initialised {
            decided.record.resolution.as_ref().and_then(|r| r.cache).unwrap_or(CacheUse::Miss)
        } else {
            CacheUse::Hit
        };
        self.record(&decided.record, cache).await?;
        Ok(decided)
    }

    async fn decide_file(&self, req: &FileRequest) -> Arc<Decided> {
        let mut c = Coordinate::new(req.ecosystem, req.name.clone(), req.version.clone(), Path::new(""), 0);
        c.classifier.clone_from(&req.classifier);
        c.extension.clone_from(&req.extension);
        if let Some(f) = &req.file {
            c.files = vec![LockedFile { name: Some(f.clone()), url: None, hashes: BTreeMap::new() }];
        }
        let opts = self.options();
        let mut records =
            engine::run(&self.config, &self.registry, &self.trust, &self.policy, std::slice::from_ref(&c), &opts).await;
        let Some(record) = records.pop() else {
            // `run` returns one record per coordinate; without one there is nothing to serve.
            let record = Record {
                package: engine::PackageInfo::from_coordinate(&c),
                resolution: None,
                evidence: engine::Evidence::none(),
                license: None,
                decision: Decision::Error,
                findings: Vec::new(),
            };
            return Arc::new(Decided::refused(record));
        };
        let sha512 = record
            .resolution
            .as_ref()
            .filter(|r| r.cache.is_some() && r.artifact_integrity != engine::IntegrityCheck::Mismatch)
            .and_then(|r| r.digests.get("sha512").cloned());
        Arc::new(Decided { record, sha512, memory: OnceLock::new() })
    }

    /// Where the policy came from (for the report).
    pub fn policy_sources(&self) -> &[String] {
        &self.policy.sources
    }

    /// The checked bytes of a servable file: from memory once read, else from the store
    /// (whose read re-checks the digest).
    pub async fn bytes(&self, decided: &Decided) -> Option<Bytes> {
        if let Some(b) = decided.memory.get() {
            return Some(b.clone());
        }
        let h = decided.sha512.as_ref()?;
        let bytes = Bytes::from(self.registry.inner().artifacts().get(h).await?);
        let len = bytes.len();
        if len <= MEMORY_FILE_MAX
            && self
                .in_memory
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                    (used + len <= MEMORY_BUDGET).then_some(used + len)
                })
                .is_ok()
            && decided.memory.set(bytes.clone()).is_err()
        {
            // Another request kept the same bytes first: give the budget back.
            self.in_memory.fetch_sub(len, Ordering::SeqCst);
        }
        Some(bytes)
    }

    /// The file kept ready for a request of `path` (see [`Hot`]), if any.
    pub fn hot(&self, path: &str) -> Option<Arc<Hot>> {
        self.hot.read().unwrap_or_else(PoisonError::into_inner).get(path).cloned()
    }

    /// Keep a file just served for `path` ready for repeats, when its bytes are in memory
    /// (small files within [`MEMORY_BUDGET`]) and it may be served.
    pub fn keep_hot(&self, path: &str, decided: &Decided, content_type: &'static str) {
        let Some(bytes) = decided.memory.get() else { return };
        if !decided.servable() {
            return;
        }
        {
            // Full (or already kept): nothing to prepare.
            let map = self.hot.read().unwrap_or_else(PoisonError::into_inner);
            if map.len() >= HOT_MAX || map.contains_key(path) {
                return;
            }
        }
        let mut entry = self.entry(&decided.record, "");
        entry.cache = Some(CacheUse::Hit.as_str().to_string());
        let prepared = Prepared::new(&entry).map(Arc::new);
        let package = &decided.record.package;
        let hot = Arc::new(Hot {
            bytes: bytes.clone(),
            content_type,
            entry,
            prepared,
            ecosystem: package.ecosystem,
            name: package.name.as_str().into(),
        });
        let mut map = self.hot.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() < HOT_MAX {
            map.insert(path.into(), hot);
        }
    }

    /// Record a repeat of a [`Hot`] file: its entry at this time, written (not synced)
    /// before the answer, as every repeat's record is ([`Self::record`]).
    pub async fn record_hot(&self, hot: &Hot) -> Result<(), Unrecorded> {
        let time = self.now_text();
        let ack = if let Some(p) = &hot.prepared {
            self.audit.send_repeat(p.clone(), time)
        } else {
            let mut entry = hot.entry.clone();
            entry.time = time;
            self.audit.send(entry, false)
        };
        crate::audit::written(ack).await?;
        if let Some(m) = &self.metrics {
            m.audit_record();
            m.decision(&hot.entry.decision, &hot.entry.rules, Some(true));
            m.package(hot.ecosystem.as_str(), &hot.name);
        }
        Ok(())
    }

    /// A page rendered from `listing` (a rewritten packument, a simple page, a
    /// `maven-metadata.xml`), rendered once and reused while `listing` is the current one.
    pub fn rendered<E>(
        &self,
        key: (Ecosystem, &str, &'static str),
        listing: &Arc<Listing>,
        render: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Bytes, E> {
        let key = (key.0, key.1.to_string(), key.2);
        {
            let map = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((from, body)) = map.get(&key)
                && from.upgrade().is_some_and(|l| Arc::ptr_eq(&l, listing))
            {
                return Ok(body.clone());
            }
        }
        let body = Bytes::from(render()?);
        let mut map = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= SWEEP_AT {
            map.retain(|_, (from, _)| from.strong_count() > 0);
        }
        map.insert(key, (Arc::downgrade(listing), body.clone()));
        Ok(body)
    }

    /// Evidence an upstream keeps beside a file (a Maven `.sigstore.json` or `.asc`),
    /// passed through from the file's owner.
    pub async fn sidecar(&self, decided: &Decided, url: &str) -> Option<Vec<u8>> {
        let r = decided.record.resolution.as_ref()?;
        let owner = self.config.upstreams.get(r.upstream.as_deref()?)?;
        let req = crate::upstream::EvidenceRequest {
            format: crate::upstream::EvidenceFormat::of_url(url),
            ecosystem: decided.record.package.ecosystem,
            name: &decided.record.package.name,
            version: &decided.record.package.version,
            file: r.file.as_deref(),
            url: Some(url),
        };
        match self.registry.evidence(owner, &req).await {
            crate::upstream::Lookup::Found((bytes, _)) => Some(bytes),
            _ => None,
        }
    }

    /// A file the owner at chain position `owner` keeps beside a listed one (a `PyPI`
    /// `.metadata` or `.provenance`), passed through unchanged.
    pub async fn passthrough(
        &self,
        ecosystem: Ecosystem,
        owner: usize,
        name: &str,
        version: &str,
        file: &str,
        url: &str,
    ) -> Option<Vec<u8>> {
        let chain = self.config.chain(ecosystem);
        let upstream = chain.get(owner)?;
        let req = crate::upstream::EvidenceRequest {
            format: crate::upstream::EvidenceFormat::of_url(url),
            ecosystem,
            name,
            version,
            file: Some(file),
            url: Some(url),
        };
        match self.registry.evidence(upstream, &req).await {
            crate::upstream::Lookup::Found((bytes, _)) => Some(bytes),
            _ => None,
        }
    }

    /// The owner's URL of a decided file (unredacted), for sidecars beside it.
    pub async fn owner_url(&self, decided: &Decided) -> Option<String> {
        let rec = &decided.record;
        if rec.package.ecosystem == Ecosystem::Maven {
            // A Maven listing has no files: the owner's layout gives the place.
            let r = rec.resolution.as_ref()?;
            let owner = self.config.upstreams.get(r.upstream.as_deref()?)?;
            let meta = crate::ecosystem::maven::metadata_path(&rec.package.name)?;
            let dir = meta.rsplit_once('/')?.0;
            let rel = format!("{dir}/{}/{}", rec.package.version, r.file.as_deref()?);
            return match &owner.location {
                crate::config::Location::Url(base) => base.join(&rel).ok().map(String::from),
                crate::config::Location::Dir(root) => url::Url::from_file_path(root.join(&rel)).ok().map(String::from),
            };
        }
        let listing = self.listing(rec.package.ecosystem, &rec.package.name).await;
        let (_, index) = listing.owner()?;
        let release = index.release(rec.package.ecosystem, &rec.package.version)?;
        let file = rec.resolution.as_ref()?.file.as_deref();
        let f = match file {
            Some(name) => release.files.iter().find(|f| f.filename == name),
            None => release.files.first(),
        }?;
        Some(f.url.clone())
    }

    /// Note the versions `listing` hides (once per listing): each one not held back before
    /// under the same decision and rules gets an audit record (`request: listing`) and a
    /// line in the log, and is kept for the report. Returns once the records are written
    /// (not synced: nothing was served), so a listing is answered only once what it hides
    /// is on record.
    pub async fn note_listing(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        listing: &Arc<Listing>,
    ) -> Result<(), Unrecorded> {
        let now = self.now_text();
        let new = self.held.note(ecosystem, &listing_key(ecosystem, name), listing, &now);
        let mut acks = Vec::with_capacity(new.len());
        for record in &new {
            let mut entry = self.entry(record, &now);
            entry.request = Some("listing".to_string());
            acks.push(self.audit.send(entry, false).ok_or(Unrecorded)?);
        }
        for ack in acks {
            crate::audit::written(Some(ack)).await?;
        }
        Ok(())
    }

    /// `hit` when this file's decision is already on record (a repeat), else `miss`.
    pub fn repeat(&self, record: &Record) -> CacheUse {
        let key =
            (record.package.purl.clone(), record.resolution.as_ref().and_then(|r| r.file.clone()).unwrap_or_default());
        if self.fetched.lock().unwrap_or_else(PoisonError::into_inner).contains_key(&key) {
            CacheUse::Hit
        } else {
            CacheUse::Miss
        }
    }

    /// Append the audit record of one request, wait until it is durable, and remember the
    /// record for the report.
    pub async fn record(&self, record: &Record, cache: CacheUse) -> Result<(), Unrecorded> {
        let mut entry = self.entry(record, &self.now_text());
        entry.cache = Some(cache.as_str().to_string());
        let (decision, rules) = (entry.decision.clone(), entry.rules.clone());
        // A first fetch waits until its record is synced (it survives a power loss); a
        // repeat (`hit`) of a decision already on disk waits until its record is written
        // (it survives the proxy being killed), not for the sync.
        let durable = cache != CacheUse::Hit;
        crate::audit::written(self.audit.send(entry, durable)).await?;
        if let Some(m) = &self.metrics {
            m.audit_record();
            m.decision(&decision, &rules, Some(cache == CacheUse::Hit));
            if matches!(record.decision, Decision::Allow | Decision::Warn) {
                m.package(record.package.ecosystem.as_str(), &record.package.name);
            }
        }
        let key =
            (record.package.purl.clone(), record.resolution.as_ref().and_then(|r| r.file.clone()).unwrap_or_default());
        let mut fetched = self.fetched.lock().unwrap_or_else(PoisonError::into_inner);
        // A hit repeats the decision already kept: no copy per request.
        if cache != CacheUse::Hit || !fetched.contains_key(&key) {
            fetched.insert(key, record.clone());
        }
        drop(fetched);
        if refused_by_policy(record) {
            self.held.refused(record);
        }
        Ok(())
    }

    /// The audit log can no longer be written: the proxy refuses what it cannot record.
    pub fn audit_failed(&self) -> bool {
        self.audit.failed()
    }

    /// Every file decided so far (served or refused), in purl order.
    pub fn fetched(&self) -> Vec<Record> {
        self.fetched.lock().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }

    /// Every version held back from a listing whose file was never decided (those are in
    /// [`Self::fetched`]), in purl order, and how many were not kept (beyond
    /// [`super::held::MAX_KEPT`]).
    pub fn held_back(&self) -> (Vec<HeldBack>, usize) {
        let fetched = self.fetched.lock().unwrap_or_else(PoisonError::into_inner);
        let decided: std::collections::HashSet<&str> = fetched.keys().map(|(purl, _)| purl.as_str()).collect();
        self.held.held_back(&decided)
    }

    /// Flush and close the audit log; returns its head.
    pub fn close_audit(&self) -> Option<ChainHead> {
        self.audit.close()
    }
}

/// Whether a decided file may be served again without deciding it again. A failure to
/// reach an upstream, a file its owner did not have, or bytes that did not match the
/// owner's digests (a cut or tampered transfer) is not kept: the next request asks again
/// (through the listing memo, for a while), and is checked again.
fn reusable(d: &Arc<Decided>) -> bool {
    d.record.decision != Decision::Error && d.found() && !d.mismatched()
}

/// A file decision that refuses it by policy (not a 404 or an upstream failure): what the
/// client gets as 403 naming the rules.
fn refused_by_policy(record: &Record) -> bool {
    let found = record.resolution.as_ref().is_some_and(|r| {
        r.error.is_none()
            && r.status == engine::ResolutionStatus::Owned
            && r.version_found
            && (r.url.is_some() || r.file.is_some())
    });
    found && matches!(record.decision, Decision::Deny | Decision::Quarantine | Decision::Error)
}

/// The listing cache key: `PyPI` names by their normalized form.
fn listing_key(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Pypi => crate::ecosystem::pypi::normalize_name(name),
        _ => name.to_string(),
    }
}
