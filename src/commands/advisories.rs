//! Advisories at the edge: which database a run uses (the configured source, or
//! `--advisories-db`), loading it (from disk, or from the OSV API for this run's
//! packages), failing closed when it is stale or unreachable; and the `depgate advisories`
//! commands (`sync`, `status`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use crate::advisories::store::{self, SyncFile, SyncedExport};
use crate::advisories::{Database, SourceInfo, check_fresh, human_duration, parse_max_age};
use crate::cli::{AdvisoriesArgs, AdvisoriesCommand, AdvisoriesStatusArgs, AdvisoriesSyncArgs, AdvisorySourceArgs};
use crate::config::{AdvisoriesConfig, AdvisorySource, Config, DEFAULT_ADVISORIES_MAX_AGE};
use crate::ecosystem::{Coordinate, SourceKind};
use crate::exit::{CommandError, ExitStatus};
use crate::report::AdvisoriesRun;
use crate::upstream::Upstreams;
use crate::upstream::osv::{self, Export, Query};

/// The advisory database of a run and how it was chosen (for the report).
pub struct Prepared {
    pub db: Arc<Database>,
    pub run: AdvisoriesRun,
}

/// Where the run reads advisories, after the flags.
enum Chosen {
    Offline(Vec<PathBuf>),
    Online(url::Url),
}

/// The sync cache: `<cache>/advisories`.
pub fn sync_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("advisories")
}

fn choose(config: &Config, cache_dir: &Path, args: &AdvisorySourceArgs) -> Option<(Chosen, Vec<String>)> {
    let mut overrides = Vec::new();
    if !args.db.is_empty() {
        overrides.push(format!(
            "--advisories-db {}",
            args.db.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
        ));
        return Some((Chosen::Offline(args.db.clone()), overrides));
    }
    let cfg = config.advisories.as_ref()?;
    Some(match &cfg.source {
        AdvisorySource::Offline { paths } if paths.is_empty() => {
            (Chosen::Offline(vec![sync_dir(cache_dir)]), overrides)
        }
        AdvisorySource::Offline { paths } => (Chosen::Offline(paths.clone()), overrides),
        AdvisorySource::Online { api } => (Chosen::Online(api.clone()), overrides),
    })
}

/// The OSV API a run would query, when the chosen source is `online` (a proxy has no
/// lockfile to ask it about up front).
pub fn online_api(config: &Config, cache_dir: &Path, args: &AdvisorySourceArgs) -> Option<url::Url> {
    match choose(config, cache_dir, args)? {
        (Chosen::Online(api), _) => Some(api),
        (Chosen::Offline(_), _) => None,
    }
}

/// `max_age` after `--advisories-max-age`, and the override to record.
fn max_age(config: &Config, args: &AdvisorySourceArgs) -> Result<(Option<Duration>, Option<String>), CommandError> {
    if let Some(flag) = &args.max_age {
        let d = parse_max_age(flag).map_err(|e| CommandError::usage(format!("error: --advisories-max-age: {e}")))?;
        return Ok((d, Some(format!("--advisories-max-age {flag}"))));
    }
    Ok((config.advisories.as_ref().map_or(Some(DEFAULT_ADVISORIES_MAX_AGE), |a| a.max_age), None))
}

fn default_settings(config: &Config) -> AdvisoriesConfig {
    config.advisories.clone().unwrap_or(AdvisoriesConfig {
        source: AdvisorySource::Offline { paths: Vec::new() },
        export_url: url::Url::parse(crate::config::OSV_EXPORT_URL).expect("valid URL"),
        auth: None,
        timeout: Duration::from_secs(30),
        retries: 2,
        max_age: Some(DEFAULT_ADVISORIES_MAX_AGE),
    })
}

/// Load an offline database on a blocking thread: through the export indexes in
/// `<cache>/advisories/index`, only the records of `wanted` packages (all when `None`).
async fn load_offline(
    paths: Vec<PathBuf>,
    cache_dir: &Path,
    wanted: Option<store::Wanted>,
) -> Result<Database, CommandError> {
    let index_dir = sync_dir(cache_dir).join("index");
    tokio::task::spawn_blocking(move || {
        store::load(&paths, store::LoadOptions { index_dir: Some(&index_dir), wanted: wanted.as_ref() })
    })
    .await
    .map_err(|e| CommandError::failure(format!("error: loading the advisory database failed: {e}")))?
    .map_err(|e| CommandError::failure(format!("error: {e}")))
}

/// The advisory database of a run over `coords`, or `None` when advisories are not
/// configured. Fails closed (exit 3): a missing, unreadable or stale database, or an OSV
/// API that cannot be reached, is an error naming the source, never a clean scan.
pub async fn prepare(
    config: &Config,
    cache_dir: &Path,
    upstreams: &Upstreams,
    coords: &[Coordinate],
    args: &AdvisorySourceArgs,
    now: OffsetDateTime,
    concurrency: usize,
) -> Result<Option<Prepared>, CommandError> {
    let Some((chosen, mut overrides)) = choose(config, cache_dir, args) else {
        if args.max_age.is_some() {
            return Err(CommandError::usage(
                "error: --advisories-max-age is given, but no advisories are configured\n  help: add [advisories] to depgate.toml or pass --advisories-db PATH",
            ));
        }
        return Ok(None);
    };
    let (max_age, age_override) = max_age(config, args)?;
    overrides.extend(age_override);
    let started = std::time::Instant::now();
    let (db, source) = match chosen {
        Chosen::Offline(paths) => {
            // A run reads the records of its own packages; the proxy (no coordinates up
            // front) reads them all.
            let wanted: Option<store::Wanted> = (!coords.is_empty()).then(|| {
                coords
                    .iter()
                    .filter(|c| c.source == SourceKind::Registry)
                    .map(|c| (c.ecosystem, crate::advisories::matching::key_name(c.ecosystem, &c.name)))
                    .collect()
            });
            let db = load_offline(paths, cache_dir, wanted).await?;
            check_fresh(&db, now, max_age).map_err(|e| CommandError::failure(format!("error: {e}")))?;
            (db, "offline")
        }
        Chosen::Online(api) => (query_online(config, upstreams, &api, coords, now, concurrency).await?, "online"),
    };
    // benches/advisories.sh reads this line.
    tracing::info!(
        "advisories: {} records read of {} in {} source(s) in {:.1} ms",
        db.len(),
        db.sources.iter().flat_map(|s| s.records.values()).sum::<usize>(),
        db.sources.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let run = AdvisoriesRun {
        source,
        database: db.digest(),
        sources: db.sources.clone(),
        max_age: max_age.map_or_else(|| "never".to_string(), human_duration),
        overrides,
    };
    Ok(Some(Prepared { db: Arc::new(db), run }))
}

/// Ask the OSV API about every registry package of the run, fetch the records it names,
/// and file them as this run's database.
async fn query_online(
    config: &Config,
    upstreams: &Upstreams,
    api: &url::Url,
    coords: &[Coordinate],
    now: OffsetDateTime,
    concurrency: usize,
) -> Result<Database, CommandError> {
    let settings = default_settings(config);
    let endpoint = osv::endpoint(&settings, api);
    let unreachable = |f: crate::upstream::Failure| {
        CommandError::failure(format!(
            "error: the advisory source (the OSV API at {}) failed: {}\n  a scan without advisories is not a clean scan (fail closed)\n  help: check the network or [advisories] api_url, or use an offline database (source = \"offline\", `depgate advisories sync`)",
            crate::redact::redact_url(api),
            f.message
        ))
    };
    let queries: Vec<Query> = coords
        .iter()
        .filter(|c| c.source == SourceKind::Registry)
        .map(|c| Query { ecosystem: c.ecosystem, name: c.name.clone(), version: c.version.clone() })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let named = osv::query_batch(upstreams, &endpoint, api, &queries).await.map_err(unreachable)?;
    let refs: BTreeSet<osv::VulnRef> = named.into_iter().flatten().collect();
    let fetched = osv::fetch_records(upstreams, &endpoint, api, &refs, concurrency).await.map_err(unreachable)?;
    let mut digest = Sha256::new();
    let mut records = Vec::with_capacity(fetched.len());
    for (id, bytes) in &fetched {
        digest.update(id.as_bytes());
        digest.update([0]);
        digest.update(Sha256::digest(bytes));
        let record = crate::advisories::osv::parse_json(bytes).map_err(|e| {
            CommandError::failure(format!(
                "error: the OSV API at {} sent record {id} that cannot be read: {e}",
                crate::redact::redact_url(api)
            ))
        })?;
        records.push((record, 0));
    }
    let source = SourceInfo {
        location: crate::redact::redact_url(api),
        kind: "api",
        digest: format!("sha256:{}", hex::encode(digest.finalize())),
        fetched_at: Some(now),
        records: crate::advisories::database::count_by_ecosystem(records.iter().map(|(r, _)| r)),
    };
    Ok(Database::new(records, vec![source]))
}

pub(super) async fn run(args: AdvisoriesArgs) -> Result<ExitStatus, CommandError> {
    match args.command {
        AdvisoriesCommand::Sync(a) => sync(a).await,
        AdvisoriesCommand::Status(a) => status(a).await,
    }
}

async fn sync(args: AdvisoriesSyncArgs) -> Result<ExitStatus, CommandError> {
    let config = super::load_config(args.config.as_deref(), Path::new("."))?;
    let cache_dir = args.cache_dir.unwrap_or_else(crate::cache::default_dir);
    let settings = default_settings(&config);
    if let AdvisorySource::Offline { paths } = &settings.source
        && !paths.is_empty()
    {
        eprintln!(
            "note: [advisories] paths is set, so runs read {}, not the sync cache this command fills",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let ecosystems: Vec<String> = if args.ecosystems.is_empty() {
        config.chains.keys().map(|e| crate::advisories::matching::osv_ecosystem(*e).to_string()).collect()
    } else {
        for e in &args.ecosystems {
            if !store::ECOSYSTEMS.contains(&e.as_str()) {
                return Err(CommandError::usage(format!(
                    "error: --ecosystem {e} is not one depgate gates\n  help: use {}",
                    store::ECOSYSTEMS.join(", ")
                )));
            }
        }
        args.ecosystems.clone()
    };
    let upstreams = Upstreams::new(&config, &cache_dir).map_err(|e| CommandError::failure(format!("error: {e}")))?;
    let endpoint = osv::endpoint(&settings, &settings.export_url);
    let dir = sync_dir(&cache_dir);
    let mut sync = SyncFile::read(&dir).unwrap_or_default();
    for eco in &ecosystems {
        let path = dir.join(eco).join("all.zip");
        let have = sync.exports.get(eco).filter(|_| path.is_file());
        let got = osv::fetch_export(&upstreams, &endpoint, &settings.export_url, eco, have.map(|h| (&h.etag, &h.last_modified)))
            .await
            .map_err(|f| {
                CommandError::failure(format!(
                    "error: cannot fetch the {eco} advisory export: {}\n  help: check the network or [advisories] export_url",
                    f.message
                ))
            })?;
        let now = OffsetDateTime::now_utc();
        match got {
            Export::Unchanged => {
                if let Some(h) = sync.exports.get_mut(eco) {
                    h.fetched_at = now;
                }
                println!("{eco}: unchanged ({})", path.display());
            }
            Export::Fetched { bytes, etag, last_modified } => {
                // Only a readable export replaces the copy we have: it is written beside
                // it, read (which also builds its index, so the next run is fast), and
                // renamed into place.
                let fresh = path.with_extension("zip.new");
                crate::atomic::write_atomic(&fresh, &bytes)
                    .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", fresh.display())))?;
                let (check, index) = (fresh.clone(), sync_dir(&cache_dir).join("index"));
                let records = tokio::task::spawn_blocking(move || index_export(&check, &index))
                    .await
                    .map_err(|e| CommandError::failure(format!("error: {e}")))?;
                let records = match records {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = std::fs::remove_file(&fresh);
                        return Err(CommandError::failure(format!(
                            "error: the {eco} export is not a readable OSV zip: {e}\n  help: the copy depgate had is kept; try again later"
                        )));
                    }
                };
                std::fs::rename(&fresh, &path)
                    .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", path.display())))?;
                let url = settings
                    .export_url
                    .join(&format!("{eco}/all.zip"))
                    .map_or_else(|_| String::new(), |u| crate::redact::redact_url(&u));
                sync.exports.insert(
                    eco.clone(),
                    SyncedExport {
                        url,
                        sha256: hex::encode(Sha256::digest(&bytes)),
                        fetched_at: now,
                        etag,
                        last_modified,
                        bytes: bytes.len() as u64,
                    },
                );
                println!(
                    "{eco}: {records} records, {} ({})",
                    crate::units::human_bytes(bytes.len() as u64),
                    path.display()
                );
            }
        }
        let text = serde_json::to_vec_pretty(&sync).unwrap_or_default();
        crate::atomic::write_atomic(&dir.join(store::SYNC_FILE), &text).map_err(|e| {
            CommandError::failure(format!("error: cannot write {}: {e}", dir.join(store::SYNC_FILE).display()))
        })?;
    }
    Ok(ExitStatus::Allowed)
}

/// Read an export (a zip of one JSON record per entry), building its index; the number
/// of records it holds.
fn index_export(zip: &Path, index_dir: &Path) -> Result<usize, String> {
    let opts = store::LoadOptions { index_dir: Some(index_dir), wanted: Some(&store::Wanted::new()) };
    let db = store::load(&[zip.to_path_buf()], opts).map_err(|e| e.to_string())?;
    Ok(db.sources.iter().flat_map(|s| s.records.values()).sum())
}

async fn status(args: AdvisoriesStatusArgs) -> Result<ExitStatus, CommandError> {
    let config = super::load_config(args.config.as_deref(), Path::new("."))?;
    let cache_dir = args.cache_dir.unwrap_or_else(crate::cache::default_dir);
    let Some((chosen, overrides)) = choose(&config, &cache_dir, &args.source) else {
        println!("advisories: not configured (add [advisories] to depgate.toml, or pass --advisories-db PATH)");
        return Ok(ExitStatus::Allowed);
    };
    let (max_age, age_override) = max_age(&config, &args.source)?;
    let paths = match chosen {
        Chosen::Online(api) => {
            println!(
                "advisories: online, the OSV API at {} (queried per run; nothing is stored)",
                crate::redact::redact_url(&api)
            );
            return Ok(ExitStatus::Allowed);
        }
        Chosen::Offline(paths) => paths,
    };
    // Counts and digests come from the sources: no record needs reading.
    let db = load_offline(paths, &cache_dir, Some(store::Wanted::new())).await?;
    let now = OffsetDateTime::now_utc();
    let fresh = check_fresh(&db, now, max_age);
    if args.json {
        let doc = serde_json::json!({
            "source": "offline",
            "database": db.digest(),
            "records": db.sources.iter().flat_map(|s| s.records.values()).sum::<usize>(),
            "sources": db.sources,
            "max_age": max_age.map_or_else(|| "never".to_string(), human_duration),
            "overrides": overrides.into_iter().chain(age_override).collect::<Vec<_>>(),
            "fresh": fresh.is_ok(),
            "error": fresh.as_ref().err(),
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        let total: usize = db.sources.iter().flat_map(|s| s.records.values()).sum();
        println!("advisories: offline, {total} records, database {}", db.digest());
        for s in &db.sources {
            let when = s.fetched_at.map_or_else(
                || "unknown time".to_string(),
                |t| {
                    let age = Duration::try_from(now - t).unwrap_or_default();
                    format!("{} ({} ago)", crate::engine::rfc3339(t), human_duration(age))
                },
            );
            let counts: Vec<String> = s.records.iter().map(|(e, n)| format!("{e} {n}")).collect();
            println!(
                "  {} [{}] fetched {when}: {}",
                s.location,
                s.kind,
                if counts.is_empty() { "no records".into() } else { counts.join(", ") }
            );
        }
        println!("  max_age {}", max_age.map_or_else(|| "never".to_string(), human_duration));
    }
    match fresh {
        Ok(()) => Ok(ExitStatus::Allowed),
        Err(e) => Err(CommandError::failure(format!("error: {e}"))),
    }
}
