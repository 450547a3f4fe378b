//! `depgate serve`: start the proxy, tell each client how to use it, stop cleanly on
//! SIGTERM/SIGINT and leave the same report folder as `check` (of what was fetched).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::AuditSink;
use crate::cli::ServeArgs;
use crate::exit::{CommandError, ExitStatus};
use crate::metrics::Metrics;
use crate::proxy::access::Access;
use crate::proxy::gate::Gate;
use crate::proxy::listen::{Admission, LoadLimits};
use crate::proxy::server::{self, Proxy};
use crate::redact::Secret;
use crate::report::{self, RunInfo};
use crate::upstream::Upstreams;

/// Client configuration files written into the report folder at start.
const MAVEN_SETTINGS: &str = "maven-settings.xml";
const GRADLE_INIT: &str = "gradle-init.gradle";

pub(super) async fn run(args: ServeArgs) -> Result<ExitStatus, CommandError> {
    let args = Arc::new(args);
    let started = OffsetDateTime::now_utc();
    // A ready file left by a proxy that was killed names a dead port: scripts waiting for
    // this one must not read it.
    if let Some(ready) = &args.ready_file {
        match std::fs::remove_file(ready) {
            Ok(()) => tracing::warn!("removed a stale ready file {} (a previous proxy did not stop)", ready.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CommandError::failure(format!(
                    "error: cannot remove the old ready file {}: {e}",
                    ready.display()
                )));
            }
        }
    }
    let fixed_now =
        match &args.current_time {
            Some(t) => Some(OffsetDateTime::parse(t, &Rfc3339).map_err(|e| {
                CommandError::usage(format!("error: --current-time `{t}` is not an RFC 3339 time: {e}"))
            })?),
            None => None,
        };
    // The configuration first: a mistake in it is said before anything is written.
    let config = super::load_config(args.config.as_deref(), &args.project)?;
    crate::load::signing_key().map_err(|e| {
        CommandError::failure(format!("error: cannot sign the report: {e}\n  help: fix or unset the signing key"))
    })?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        CommandError::failure(format!("error: cannot create the report folder {}: {e}", args.out.display()))
    })?;
    // `[audit] database`: the fleet's PostgreSQL log instead of the report folder's file.
    let store = match super::audit::open_database(config.audit.as_ref()).await? {
        Some(db) => crate::audit::AuditStore::Postgres(db),
        None => crate::audit::AuditLog::open(args.out.join("audit.jsonl"))
            .map_err(|e| CommandError::failure(format!("error: cannot open the audit log: {e}")))?
            .into(),
    };
    let audit_where = store.describe();
    tracing::info!("audit records go to {audit_where}");
    let audit = Arc::new(AuditSink::start(store));
    let metrics = Arc::new(Metrics::default());
    let context = super::runner_context(&args.runner);
    let loaded = load(&args, config, fixed_now, &context, &audit, &metrics).await?;

    let listener = tokio::net::TcpListener::bind((args.bind, args.port)).await.map_err(|e| {
        CommandError::failure(format!(
            "error: cannot listen on {}:{}: {e}\n  help: pick another --port (0 picks a free one)",
            args.bind, args.port
        ))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| CommandError::failure(format!("error: cannot read the listening address: {e}")))?;
    // Clients on this machine reach an unspecified bind address through loopback.
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    let root = match &args.public_url {
        Some(u) => public_root(u)?,
        None => format!("http://{host}:{}", addr.port()),
    };
    if !addr.ip().is_loopback() {
        tracing::warn!("listening on {addr}: the proxy is reachable from the network, not only from this machine");
    }

    let limits = limits(&args);
    let admission = Admission::new(&limits);
    let token_required = loaded.access.required();
    let teams = loaded.access.team_count();
    let proxy = Arc::new(Proxy::new(Arc::new(loaded.gate), loaded.access, root, admission, metrics.clone()));
    let advisories_run = Arc::new(std::sync::Mutex::new(loaded.advisories_run));
    let files = write_client_files(&args.out, &proxy, token_required)?;
    announce(&proxy, &files, token_required, teams);
    if let Some(ready) = &args.ready_file {
        let doc = serde_json::json!({
            "pid": std::process::id(),
            "port": addr.port(),
            "url": proxy.root,
            "npm": proxy.npm_url(),
            "pypi": proxy.pypi_url(),
            "maven": proxy.maven_url(),
            "oci": proxy.root.trim_start_matches("http://"),
            "maven_settings": files.0,
            "gradle_init": files.1,
        });
        crate::atomic::write_atomic(ready, format!("{doc:#}\n").as_bytes()).map_err(|e| {
            CommandError::failure(format!("error: cannot write the ready file {}: {e}", ready.display()))
        })?;
    }

    let reloads = tokio::spawn(reload_on_hangup(
        args.clone(),
        fixed_now,
        context.clone(),
        audit.clone(),
        proxy.clone(),
        advisories_run.clone(),
    ));
    let drain = std::time::Duration::from_secs(args.drain_secs);
    let served = server::run(listener, proxy.clone(), &limits, shutdown_signal(proxy.clone(), drain)).await;
    reloads.abort();
    if let Some(ready) = &args.ready_file {
        let _ = std::fs::remove_file(ready);
    }
    let gate = proxy.gate();
    let head = gate.close_audit();
    if let Err(e) = served {
        return Err(CommandError::failure(format!("error: the proxy stopped: {e}")));
    }
    let records = gate.fetched();
    let (held_versions, not_kept) = gate.held_back();
    let held_back = report::Held { versions: &held_versions, not_kept };
    let config = &gate.config;
    let run = RunInfo {
        tool: concat!("depgate ", env!("CARGO_PKG_VERSION")).to_string(),
        mode: "serve".into(),
        started_at: started.format(&Rfc3339).unwrap_or_default(),
        now: fixed_now.unwrap_or_else(OffsetDateTime::now_utc).format(&Rfc3339).unwrap_or_default(),
        config: config.source.as_ref().map_or_else(|| "embedded default".to_string(), |p| p.display().to_string()),
        project: String::new(),
        lockfiles: Vec::new(),
        chains: super::check::chain_entries(config, &args.project),
        policy: gate.policy_sources().to_vec(),
        advisories: advisories_run.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take(),
        cooldowns: None,
        context,
    };
    let project = crate::load::project_info(&args.project);
    crate::output::write_report_files(&args.out, &run, &records, held_back, &project, false)
        .map_err(|e| CommandError::failure(format!("error: cannot write the report to {}: {e}", args.out.display())))?;
    let Some(head) = head else {
        return Err(CommandError::failure(format!(
            "error: the audit log ({audit_where}) could not be written completely; the proxy refused the requests it could not record"
        )));
    };
    crate::output::write_signed(&args.out, &run, &records, &project, &head)
        .map_err(|e| CommandError::failure(format!("error: cannot sign the report: {e}")))?;
    let counts = report::Counts::of(&records);
    let refused = counts.quarantine + counts.deny + counts.error;
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if refused > 0 {
        parts.push(format!("{} refused", plural(refused, "file", "files")));
    }
    if held_back.total() > 0 {
        parts.push(format!("{} held back from listings", plural(held_back.total(), "version", "versions")));
    }
    let blocked_text =
        if parts.is_empty() { String::new() } else { format!(" blocked: {} (listed below);", parts.join(", ")) };
    let mut blocked = Vec::new();
    let _ = report::held::write_stop(&mut blocked, &records, held_back);
    crate::logging::say(&format!(
        "depgate serve: stopped;{blocked_text} {} files decided: {} allowed, {} warned, {} quarantined, {} denied, {} undecided; report: {}\n{}",
        counts.total,
        counts.allow,
        counts.warn,
        counts.quarantine,
        counts.deny,
        counts.error,
        args.out.display(),
        String::from_utf8_lossy(&blocked),
    ));
    Ok(ExitStatus::Allowed)
}

/// `--public-url` as the proxy's root: an http(s) URL with a host and no query, user or
/// password, without its trailing `/`.
fn public_root(text: &str) -> Result<String, CommandError> {
    let bad = |why: &str| {
        CommandError::usage(format!(
            "error: --public-url `{text}` {why}\n  help: give the URL clients use, e.g. --public-url https://depgate.internal"
        ))
    };
    let u = url::Url::parse(text).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
        return Err(bad("is not an http(s) URL with a host"));
    }
    if u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() || u.password().is_some() {
        return Err(bad("must not carry a query, fragment or credentials"));
    }
    if u.path() != "/" {
        return Err(bad("has a path: the proxy's routes (/npm/, /pypi/, /maven2/, /v2/) are at the root of its URL"));
    }
    Ok(u.as_str().trim_end_matches('/').to_string())
}

/// What one configuration puts in force: its gate and its client tokens.
struct Loaded {
    gate: Gate,
    access: Access,
    advisories_run: Option<crate::report::AdvisoriesRun>,
}

/// Build the gate of `config`: its upstreams and stores, trust, policy, advisory
/// database, reviews and keys, writing to `audit`. At startup, and again on SIGHUP.
async fn load(
    args: &ServeArgs,
    config: crate::config::Config,
    fixed_now: Option<OffsetDateTime>,
    context: &crate::audit::RunnerContext,
    audit: &Arc<AuditSink>,
    metrics: &Arc<Metrics>,
) -> Result<Loaded, CommandError> {
    let policy = crate::load::policy(&config.policy, &config.base_dir)
        .map_err(|e| CommandError::usage(format!("error: {e}")))?;
    let cache_dir = args.cache_dir.clone().unwrap_or_else(crate::cache::default_dir);
    let mut upstreams = Upstreams::new(&config, &cache_dir)
        .map_err(|e| CommandError::failure(format!("error: {e}")))?
        .with_metrics(metrics.clone());
    upstreams.storage_ready().await.map_err(|e| CommandError::failure(format!("error: {e}")))?;
    // With the fleet's audit database, its advisory locks make fetches single-flight
    // across replicas.
    if let Some(db) = audit.database() {
        upstreams = upstreams.with_fleet_lock(Arc::new(db.clone()));
    }
    let trust = super::load_trust(&config, &args.trusted_roots)?;
    let advisories = load_advisories(&config, &cache_dir, &upstreams, args, fixed_now).await?;
    let reviews = super::reviews::load(&config, &upstreams).await?;
    let token = std::env::var(crate::env::PROXY_TOKEN).ok().filter(|t| !t.is_empty()).map(Secret::new);
    let access = Access::new(token, &config.teams);
    let db = advisories.as_ref().map(|a| Arc::clone(&a.db));
    let pgp = crate::load::openpgp(&config).map_err(|e| CommandError::usage(format!("error: {e}")))?.map(Arc::new);
    let gate = Gate::new(config, upstreams, trust, policy, fixed_now, context.clone(), audit.clone(), db)
        .with_pgp(pgp)
        .with_reviews(reviews)
        .with_metrics(metrics.clone());
    Ok(Loaded { gate, access, advisories_run: advisories.map(|a| a.run) })
}

/// On each SIGHUP: read the configuration again and, when all of it loads, put it in
/// force (requests already inside finish under the one they started with). A
/// configuration that does not load is refused whole and the one in force stays.
async fn reload_on_hangup(
    args: Arc<ServeArgs>,
    fixed_now: Option<OffsetDateTime>,
    context: crate::audit::RunnerContext,
    audit: Arc<AuditSink>,
    proxy: Arc<Proxy>,
    advisories_run: Arc<std::sync::Mutex<Option<crate::report::AdvisoriesRun>>>,
) {
    #[cfg(unix)]
    {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: the configuration is not reloaded (restart to change it)");
            return;
        };
        while hup.recv().await.is_some() {
            let loaded = match super::load_config(args.config.as_deref(), &args.project) {
                Ok(config) => load(&args, config, fixed_now, &context, &audit, &proxy.metrics).await,
                Err(e) => Err(e),
            };
            match loaded {
                Ok(l) => {
                    let gate = Arc::new(l.gate.succeeding(&proxy.gate()));
                    let teams = l.access.team_count();
                    proxy.replace(gate, l.access);
                    *advisories_run.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = l.advisories_run;
                    proxy.metrics.reload(true);
                    tracing::info!("configuration reloaded (SIGHUP): {teams} team(s); new requests use it");
                }
                Err(e) => {
                    proxy.metrics.reload(false);
                    tracing::error!(
                        "configuration reload (SIGHUP) refused, the configuration in force stays: {}",
                        e.message.trim_end()
                    );
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (args, fixed_now, context, audit, proxy, advisories_run);
    }
}

/// The advisory database of the proxy, loaded once at startup from the same configuration
/// and flags as `check` (`[advisories]`, `--advisories-db`, `--advisories-max-age`).
/// Fails closed: a missing, unreadable or stale database stops the proxy before it
/// listens (exit 3, naming the source). The OSV API (`source = "online"`) is asked per
/// run about a lockfile's packages; a proxy has none up front, so it needs an offline
/// database.
async fn load_advisories(
    config: &crate::config::Config,
    cache_dir: &Path,
    upstreams: &Upstreams,
    args: &ServeArgs,
    fixed_now: Option<OffsetDateTime>,
) -> Result<Option<super::advisories::Prepared>, CommandError> {
    if let Some(api) = super::advisories::online_api(config, cache_dir, &args.advisories) {
        return Err(CommandError::usage(format!(
            "error: depgate serve needs an offline advisory database, but [advisories] source = \"online\" (the OSV API at {}) is configured: the API is asked about a lockfile's packages, and a proxy has none up front\n  help: run `depgate advisories sync` and set [advisories] source = \"offline\", or pass --advisories-db PATH (a folder of OSV records, an all.zip, or an osv-scanner offline cache)",
            crate::redact::redact_url(&api)
        )));
    }
    let now = fixed_now.unwrap_or_else(OffsetDateTime::now_utc);
    let concurrency = usize::from(config.limits.concurrency);
    let prepared =
        super::advisories::prepare(config, cache_dir, upstreams, &[], &args.advisories, now, concurrency).await?;
    if let Some(p) = &prepared {
        let counts: Vec<String> =
            p.run.sources.iter().flat_map(|s| s.records.iter().map(|(e, n)| format!("{e} {n}"))).collect();
        tracing::info!(
            "advisories: {} records ({}), database {}",
            p.db.len(),
            if counts.is_empty() { "none for npm, PyPI or Maven".to_string() } else { counts.join(", ") },
            p.run.database
        );
    }
    Ok(prepared)
}

/// The load limits from the command line (header limits keep their defaults).
fn limits(args: &ServeArgs) -> LoadLimits {
    let n = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
    LoadLimits {
        max_connections: n(args.max_connections),
        max_in_flight: n(args.max_in_flight),
        max_queued: n(args.max_queued),
        queue_timeout: std::time::Duration::from_secs(args.queue_timeout),
        ..LoadLimits::default()
    }
}

/// SIGINT or SIGTERM. SIGTERM first drains: `/readyz` answers 503 for `drain` (so a load
/// balancer stops sending requests here) while requests are still answered; then the
/// listener closes and the requests in flight finish.
async fn shutdown_signal(proxy: Arc<Proxy>, drain: std::time::Duration) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM ({e}); stop with Ctrl-C");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {
                proxy.draining.store(true, std::sync::atomic::Ordering::SeqCst);
                if !drain.is_zero() {
                    crate::logging::say(&format!(
                        "depgate serve: draining for {}s (readiness says 503; requests are still answered)",
                        drain.as_secs()
                    ));
                    tokio::time::sleep(drain).await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (interrupt.await, drain);
    }
    proxy.draining.store(true, std::sync::atomic::Ordering::SeqCst);
    crate::logging::say("depgate serve: stopping: finishing requests in flight, then writing the report");
}

/// A Maven settings.xml with the proxy as mirror of everything, and a Gradle init script
/// that replaces every project's and buildscript's repositories with the proxy.
fn write_client_files(out: &Path, proxy: &Proxy, auth: bool) -> Result<(PathBuf, PathBuf), CommandError> {
    let url = proxy.maven_url();
    let server = if auth {
        "  <servers>\n    <server>\n      <id>depgate</id>\n      <username>depgate</username>\n      <password>${env.DEPGATE_PROXY_TOKEN}</password>\n    </server>\n  </servers>\n"
    } else {
        ""
    };
    let settings = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Written by depgate serve: every repository through the proxy. -->\n<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\">\n{server}  <mirrors>\n    <mirror>\n      <id>depgate</id>\n      <mirrorOf>*</mirrorOf>\n      <url>{url}</url>\n    </mirror>\n  </mirrors>\n</settings>\n"
    );
    let credentials = if auth {
        "\n            credentials { username = 'depgate'; password = System.getenv('DEPGATE_PROXY_TOKEN') }"
    } else {
        ""
    };
    let init = format!(
        r"// Written by depgate serve: every repository of every project (and of its build
// script) is replaced by the proxy, which walks the configured chain and applies policy.
def depgateUrl = '{url}'
def depgateRepos = {{ handler ->
    handler.all {{ repo ->
        if (!(repo instanceof MavenArtifactRepository) || repo.url.toString() != depgateUrl) {{
            handler.remove(repo)
        }}
    }}
    handler.maven {{
        name = 'depgate'
        url = depgateUrl{credentials}
    }}
}}
allprojects {{
    depgateRepos(buildscript.repositories)
    depgateRepos(repositories)
}}
"
    );
    let settings_path = out.join(MAVEN_SETTINGS);
    let init_path = out.join(GRADLE_INIT);
    for (p, text) in [(&settings_path, settings), (&init_path, init)] {
        crate::atomic::write_atomic(p, text.as_bytes())
            .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", p.display())))?;
    }
    Ok((settings_path, init_path))
}

/// How each client uses the proxy, on stdout.
fn announce(proxy: &Proxy, (settings, init): &(PathBuf, PathBuf), token_required: bool, teams: usize) {
    let mut out = std::io::stdout().lock();
    let _ =
        writeln!(out, "depgate serve: listening on {} (SIGTERM or Ctrl-C stops it and writes the report)", proxy.root);
    let _ = writeln!(out, "  npm, pnpm, yarn:  npm_config_registry={}", proxy.npm_url());
    let _ = writeln!(out, "  pip, uv:          PIP_INDEX_URL={}  UV_INDEX_URL={}", proxy.pypi_url(), proxy.pypi_url());
    let _ = writeln!(
        out,
        "  Maven:            mvn -s {} …   (mirror of everything: {})",
        settings.display(),
        proxy.maven_url()
    );
    let _ = writeln!(out, "  Gradle:           gradle --init-script {} …", init.display());
    let _ = writeln!(
        out,
        "  images:           docker pull {}/library/nginx:1.27   (a plain-HTTP registry: skopeo --src-tls-verify=false, crane --insecure)",
        proxy.root.trim_start_matches("http://")
    );
    let _ =
        writeln!(out, "  health:           {root}/healthz  {root}/readyz  metrics: {root}/metrics", root = proxy.root);
    if teams > 0 {
        let _ = writeln!(
            out,
            "  {teams} team(s) configured: each client sends its team's token as it would DEPGATE_PROXY_TOKEN below"
        );
    }
    if token_required {
        let host = proxy.npm_url().trim_start_matches("http:").to_string();
        let _ = writeln!(
            out,
            "  A token is required: npm `{host}:_authToken=${{DEPGATE_PROXY_TOKEN}}` in .npmrc; pip http://depgate:TOKEN@…; Maven and Gradle read DEPGATE_PROXY_TOKEN"
        );
    }
    let _ = out.flush();
}
