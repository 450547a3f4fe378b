//! `depgate serve`: start the proxy, tell each client how to use it, stop cleanly on
//! SIGTERM/SIGINT and leave the same report folder as `check` (of what was fetched).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::ServeArgs;
use crate::exit::{CommandError, ExitStatus};
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
    let config = super::load_config(args.config.as_deref(), &args.project)?;
    let fixed_now =
        match &args.current_time {
            Some(t) => Some(OffsetDateTime::parse(t, &Rfc3339).map_err(|e| {
                CommandError::usage(format!("error: --current-time `{t}` is not an RFC 3339 time: {e}"))
            })?),
            None => None,
        };
    let policy = crate::load::policy(&config.policy, &config.base_dir)
        .map_err(|e| CommandError::usage(format!("error: {e}")))?;
    crate::load::signing_key().map_err(|e| {
        CommandError::failure(format!("error: cannot sign the report: {e}\n  help: fix or unset the signing key"))
    })?;
    let cache_dir = args.cache_dir.clone().unwrap_or_else(crate::cache::default_dir);
    let upstreams = Upstreams::new(&config, &cache_dir)
        .map_err(|e| CommandError::failure(format!("error: cannot set up the HTTP client: {e}")))?;
    let trust = super::load_trust(&config, &args.trusted_roots)?;
    let advisories = load_advisories(&config, &cache_dir, &upstreams, &args, fixed_now).await?;
    let reviews = super::reviews::load(&config, &upstreams).await?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        CommandError::failure(format!("error: cannot create the report folder {}: {e}", args.out.display()))
    })?;
    let audit = match super::audit::open_database(config.audit.as_ref()).await? {
        Some(db) => crate::audit::AuditStore::Postgres(db),
        None => crate::audit::AuditLog::open(args.out.join("audit.jsonl"))
            .map_err(|e| CommandError::failure(format!("error: cannot open the audit log: {e}")))?
            .into(),
    };
    let audit_where = audit.describe();
    tracing::info!("audit records go to {audit_where}");
    let token = std::env::var(crate::env::PROXY_TOKEN).ok().filter(|t| !t.is_empty()).map(Secret::new);

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
    let root = format!("http://{host}:{}", addr.port());
    if !addr.ip().is_loopback() {
        tracing::warn!("listening on {addr}: the proxy is reachable from the network, not only from this machine");
    }

    let context = super::runner_context(&args.runner);
    let db = advisories.as_ref().map(|a| Arc::clone(&a.db));
    let pgp = crate::load::openpgp(&config).map_err(|e| CommandError::usage(format!("error: {e}")))?.map(Arc::new);
    let gate = Arc::new(
        Gate::new(config, upstreams, trust, policy, fixed_now, context.clone(), audit, db)
            .with_pgp(pgp)
            .with_reviews(reviews),
    );
    let limits = limits(&args);
    let admission = Admission::new(&limits);
    let proxy = Arc::new(Proxy { gate: gate.clone(), root, token, admission });
    let files = write_client_files(&args.out, &proxy)?;
    announce(&proxy, &files);
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

    let served = server::run(listener, proxy.clone(), &limits, shutdown_signal()).await;
    if let Some(ready) = &args.ready_file {
        let _ = std::fs::remove_file(ready);
    }
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
        advisories: advisories.map(|a| a.run),
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
    eprint!(
        "depgate serve: stopped;{blocked_text} {} files decided: {} allowed, {} warned, {} quarantined, {} denied, {} undecided; report: {}\n{}",
        counts.total,
        counts.allow,
        counts.warn,
        counts.quarantine,
        counts.deny,
        counts.error,
        args.out.display(),
        String::from_utf8_lossy(&blocked),
    );
    Ok(ExitStatus::Allowed)
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

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
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
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    eprintln!("depgate serve: stopping: finishing requests in flight, then writing the report");
}

/// A Maven settings.xml with the proxy as mirror of everything, and a Gradle init script
/// that replaces every project's and buildscript's repositories with the proxy.
fn write_client_files(out: &Path, proxy: &Proxy) -> Result<(PathBuf, PathBuf), CommandError> {
    let url = proxy.maven_url();
    let auth = proxy.token.is_some();
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
fn announce(proxy: &Proxy, (settings, init): &(PathBuf, PathBuf)) {
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
    if proxy.token.is_some() {
        let host = proxy.npm_url().trim_start_matches("http:").to_string();
        let _ = writeln!(
            out,
            "  A token is required: npm `{host}:_authToken=${{DEPGATE_PROXY_TOKEN}}` in .npmrc; pip http://depgate:TOKEN@…; Maven and Gradle read DEPGATE_PROXY_TOKEN"
        );
    }
    let _ = out.flush();
}
