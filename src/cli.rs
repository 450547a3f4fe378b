//! Command-line interface: clap structures only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// depgate: resolve every dependency through a chain of registries, verify it, decide
/// with policy, and leave evidence.
#[derive(Debug, Parser)]
#[command(name = "depgate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr: `-v` a line per package, `-vv` also a line per HTTP
    /// request, `-vvv` everything of depgate's. `DEPGATE_LOG` (a tracing filter) overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Colour: auto, always, never (`NO_COLOR` is honoured).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// The log on stderr as text for people, or as JSON objects, one per line, for log
    /// collectors (a fleet of `depgate serve`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = crate::env::LOG_FORMAT)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gate a project's lockfiles: resolve, check integrity, decide, write the report.
    Check(CheckArgs),
    /// Print the coordinates parsed from lockfiles (no network).
    List(ListArgs),
    /// Write a commented starter depgate.toml, and the release-age settings the project's
    /// package managers and update bots lack into their own files.
    Init(InitArgs),
    /// Verify one artifact against one bundle (Sigstore bundle, PEP 740 provenance or
    /// attestation, or an npm attestations response). Exit 0 verified, 1 not verified.
    Verify(VerifyArgs),
    /// Fill the attestation cache (`[verify] attestation_cache`) for offline verification.
    Attest(AttestArgs),
    /// Gate the bundled demo project end to end and show the report.
    Demo(DemoArgs),
    /// Policy tooling: input schema, builtin rules, policy tests, evaluation, bundles.
    Policy(PolicyArgs),
    /// Trust baseline: record the current trust state for downgrade detection.
    Trust(TrustArgs),
    /// The audit log (audit.jsonl): check its hash chain, search it.
    Audit(AuditArgs),
    /// Run a local pull-through proxy for npm, pip, Maven and Gradle: every fetch goes
    /// through the chain, verification and policy; held-back versions are hidden.
    Serve(ServeArgs),
    /// GitHub Actions: annotations, step summary and outputs, the check run and the sticky
    /// pull-request comment, from the report folder of `depgate check`.
    Github(GithubArgs),
    /// Vulnerability and malware advisories (OSV): fetch the offline database, say what is
    /// loaded.
    Advisories(AdvisoriesArgs),
    /// Write a `CycloneDX` 1.6 SBOM of a Rust project from its Cargo.lock (depgate's own
    /// release SBOM). Cargo.lock is not gated: this only describes what it locks.
    Sbom(SbomArgs),
    /// Client tokens for `depgate serve`'s teams (`[teams.<name>]`).
    Token(TokenArgs),
    /// The cache's storage (`[storage]`: the cache folder or an S3 bucket): re-check every
    /// stored object.
    Cache(CacheArgs),
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Re-check every stored object: each artifact against its digest, each pointer and
    /// metadata entry's framing. Exit 0 when all check, 1 naming every bad one.
    Verify(CacheVerifyArgs),
}

#[derive(Debug, Args)]
pub struct CacheVerifyArgs {
    /// Configuration file (default: depgate.toml in the project folder, else the
    /// embedded default); its `[storage]` names the storage.
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,
    /// Project folder (where depgate.toml is looked for).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// Cache folder (the storage with `[storage] kind = "disk"`, the default).
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a new random token: the token on stdout (hand it to the team's CI as a
    /// secret), and on stderr the hash to put in the team's `tokens` in depgate.toml.
    New {
        /// The team the token is for (named in the configuration lines printed).
        #[arg(long, value_name = "NAME")]
        team: String,
    },
    /// Print the configuration form (`sha256:…`) of a token read from stdin.
    Hash,
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// The Cargo.lock to describe.
    #[arg(long, value_name = "FILE")]
    pub cargo_lock: PathBuf,
    /// The package the SBOM describes (default: the one local package nothing depends on).
    #[arg(long, value_name = "NAME")]
    pub root: Option<String>,
    /// Write the SBOM here (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where a run's advisories come from, over `[advisories]` in the configuration.
#[derive(Debug, Default, Clone, Args)]
pub struct AdvisorySourceArgs {
    /// Read advisories from this offline database instead of the configured source: a
    /// folder of OSV records (JSON/YAML), an `all.zip` export, or a folder holding
    /// `<Ecosystem>/all.zip` (depgate's sync cache, osv-scanner's offline cache).
    /// Repeatable.
    #[arg(long = "advisories-db", value_name = "PATH", help_heading = "Advisories")]
    pub db: Vec<PathBuf>,
    /// Accept an advisory database up to this old (`2d`, `36h`, `never`) instead of
    /// `[advisories] max_age` (default 2d). Recorded in the report.
    #[arg(long = "advisories-max-age", value_name = "DURATION", help_heading = "Advisories")]
    pub max_age: Option<String>,
}

#[derive(Debug, Args)]
pub struct AdvisoriesArgs {
    #[command(subcommand)]
    pub command: AdvisoriesCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdvisoriesCommand {
    /// Fetch (or refresh) the per-ecosystem OSV exports (`<Ecosystem>/all.zip`) into the
    /// cache, recording their digests and when they were fetched.
    Sync(AdvisoriesSyncArgs),
    /// Say which advisory database is loaded, from when, and how many records per
    /// ecosystem; exit 3 when it is missing or older than `max_age`.
    Status(AdvisoriesStatusArgs),
}

#[derive(Debug, Args)]
pub struct AdvisoriesSyncArgs {
    /// Configuration file (default: depgate.toml in the current folder, else the embedded
    /// default).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,
    /// Cache folder (the exports go into its `advisories/`).
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,
    /// Only these OSV ecosystems (`npm`, `PyPI`, `Maven`; default: those the
    /// configuration has chains for). Repeatable.
    #[arg(long = "ecosystem", value_name = "NAME")]
    pub ecosystems: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AdvisoriesStatusArgs {
    /// Configuration file (default: depgate.toml in the current folder, else the embedded
    /// default).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,
    /// Cache folder (the sync cache is its `advisories/`).
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub source: AdvisorySourceArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (default: depgate.toml in the project folder, else the
    /// embedded default: public registries only).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,

    /// Project folder: where depgate.toml is looked for, and the root of the SBOMs.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,

    /// Port to listen on; 0 picks a free one (see --ready-file).
    #[arg(long, default_value_t = 7750)]
    pub port: u16,

    /// Address to listen on. Anything but loopback exposes the proxy to the network.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,

    /// Report folder: the audit log is appended to while serving; decisions, SBOMs of
    /// what was fetched, SARIF and the summary are written at shutdown.
    #[arg(long, value_name = "DIR", default_value = "depgate-report")]
    pub out: PathBuf,

    /// Write the proxy's URLs and port here (JSON) once it accepts connections.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,

    /// Cache folder for metadata and artifacts.
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,

    /// A Sigstore `trusted_root.json` to trust besides the configured roots (repeatable).
    #[arg(long = "trusted-root", value_name = "FILE")]
    pub trusted_roots: Vec<PathBuf>,

    /// Decide as of this time (RFC 3339) instead of now. For tests and reproductions.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub current_time: Option<String>,

    /// Open client connections at once; further connections wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Requests decided or served at once.
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: u32,

    /// Requests that may wait for a place; beyond them the answer is 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_queued: u32,

    /// Longest wait for a place, in seconds, before the answer is 503.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub queue_timeout: u64,

    /// On SIGTERM, keep answering for this long while `/readyz` says 503, so that a load
    /// balancer stops sending requests before the listener closes (a fleet behind one:
    /// its health-check interval or more).
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub drain_secs: u64,

    /// The URL clients reach the proxy at, when it is not the listening address (replicas
    /// behind a load balancer): the tarball, file and page URLs the proxy writes into what
    /// it serves point there, so clients keep going through the balancer.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    #[command(flatten)]
    pub runner: RunnerArgs,

    #[command(flatten)]
    pub advisories: AdvisorySourceArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Options shared by commands that read a project.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// Project folder searched for lockfiles (and depgate.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Lockfile to read instead of searching (repeatable).
    #[arg(long = "lockfile", value_name = "FILE")]
    pub lockfiles: Vec<PathBuf>,

    /// A resolved-artifact list (`depgate.resolved/v1`, as the Gradle plugin writes it) to
    /// read instead of searching, whatever its file name (repeatable; with --lockfile, both).
    #[arg(long = "resolved", value_name = "FILE")]
    pub resolved: Vec<PathBuf>,
}

/// Who and what runs, for the audit log and the signed summary. Each flag overrides the
/// GitHub Actions variable named after it; outside Actions, these are the only source.
#[derive(Debug, Default, Args)]
pub struct RunnerArgs {
    /// The user that started the run (default: `$GITHUB_ACTOR`).
    #[arg(long, value_name = "LOGIN", help_heading = "Runner context")]
    pub actor: Option<String>,
    /// The repository built, owner/name (default: `$GITHUB_REPOSITORY`).
    #[arg(long, value_name = "OWNER/NAME", help_heading = "Runner context")]
    pub repository: Option<String>,
    /// The workflow's name (default: `$GITHUB_WORKFLOW`).
    #[arg(long, value_name = "NAME", help_heading = "Runner context")]
    pub workflow: Option<String>,
    /// The run's id (default: `$GITHUB_RUN_ID`).
    #[arg(long, value_name = "ID", help_heading = "Runner context")]
    pub run_id: Option<String>,
    /// The run's attempt number (default: `$GITHUB_RUN_ATTEMPT`).
    #[arg(long, value_name = "N", help_heading = "Runner context")]
    pub run_attempt: Option<String>,
    /// The commit built (default: `$GITHUB_SHA`).
    #[arg(long, value_name = "SHA", help_heading = "Runner context")]
    pub sha: Option<String>,
    /// The event that started the run, e.g. `pull_request` (default: `$GITHUB_EVENT_NAME`).
    #[arg(long, value_name = "NAME", help_heading = "Runner context")]
    pub event: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub runner: RunnerArgs,

    /// Configuration file (default: depgate.toml in the project folder, else the
    /// embedded default: public registries only).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,

    /// Report folder.
    #[arg(long, value_name = "DIR", default_value = "depgate-report")]
    pub out: PathBuf,

    /// Output on stdout: a human table, or the decisions JSON (pipeable).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also download every artifact into the content-addressed cache and check its bytes.
    #[arg(long)]
    pub download: bool,

    /// Cache folder for metadata and artifacts.
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,

    /// Ask the registries again for every cached document, even one still fresh by its
    /// `Cache-Control: max-age` (within `[cache] max_staleness`).
    #[arg(long)]
    pub refresh: bool,

    /// Upstream requests in flight at once [default: `[limits] concurrency` in the
    /// configuration, else 32].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=i64::from(crate::config::MAX_CONCURRENCY)))]
    pub concurrency: Option<u16>,

    /// A Sigstore `trusted_root.json` to trust besides the configured roots (repeatable).
    #[arg(long = "trusted-root", value_name = "FILE")]
    pub trusted_roots: Vec<PathBuf>,

    /// Decide as of this time (RFC 3339) instead of now. For tests and reproductions.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub current_time: Option<String>,

    /// Previous trust state for downgrade detection: a decisions.json (e.g. from the base
    /// branch) or a depgate.trust.json. Default: depgate.trust.json in the project, if any.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Give the SBOMs a random serial number and SPDX document namespace instead of ones
    /// derived from their content (by default the same input gives the same bytes).
    #[arg(long)]
    pub random_serial: bool,

    #[command(flatten)]
    pub advisories: AdvisorySourceArgs,

    /// Only match the lockfiles' registry packages against the advisories: no upstream
    /// traffic, no resolution or signature checks (the osv-scanner use case).
    #[arg(long, help_heading = "Advisories")]
    pub advisories_only: bool,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// Where a policy command finds its configuration.
#[derive(Debug, Args)]
pub struct PolicyConfigArgs {
    /// Configuration file (default: depgate.toml in the current folder, else the embedded
    /// default).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the JSON Schema of the policy input (depgate.input/v1).
    Schema,
    /// List the builtin rule codes.
    Rules,
    /// Run the test_ rules of *_test.rego files (like `opa test`), with the builtin policy.
    Test(PolicyTestArgs),
    /// Evaluate input documents and print the decision and the rules that fired.
    Eval(PolicyEvalArgs),
    /// Write the effective policy (modules and data.json) to a folder, for opa eval / opa build.
    Bundle(PolicyBundleArgs),
    /// Evaluate inputs repeatedly and print decisions per second (benchmarks).
    #[command(hide = true)]
    Bench(PolicyBenchArgs),
}

#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Files or folders holding the policy and its tests (default: the current folder).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub config: PolicyConfigArgs,

    /// Leave the builtin policy out.
    #[arg(long)]
    pub no_builtin: bool,

    /// List every test, not only failures.
    #[arg(long)]
    pub verbose_tests: bool,
}

#[derive(Debug, Args)]
pub struct PolicyEvalArgs {
    /// Input document: one depgate.input/v1 object, or an array of them (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,

    #[command(flatten)]
    pub config: PolicyConfigArgs,

    /// Output: a human summary, or the outcomes as JSON (pipeable).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Evaluate this OPA WebAssembly bundle (`opa build -t wasm`: bundle.tar.gz or
    /// policy.wasm) instead of the Rego policy; settings and data still come from the
    /// configuration.
    #[cfg(feature = "opa-wasm")]
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PolicyBundleArgs {
    /// Folder to write the modules and data.json into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub config: PolicyConfigArgs,
}

#[derive(Debug, Args)]
pub struct PolicyBenchArgs {
    /// A JSON array of input documents.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,

    #[command(flatten)]
    pub config: PolicyConfigArgs,

    /// Evaluate this many inputs (cycling through the file).
    #[arg(short = 'n', long, default_value_t = 10_000)]
    pub count: usize,

    /// Use the tree-walking interpreter instead of the bytecode VM.
    #[arg(long)]
    pub interpreter: bool,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    pub command: TrustCommand,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Write depgate.trust.json from a check's decisions.json (commit it; later checks
    /// compare against it).
    Update(TrustUpdateArgs),
}

#[derive(Debug, Args)]
pub struct TrustUpdateArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// decisions.json to read (default: depgate-report/decisions.json in the project).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// File to write (default: depgate.trust.json in the project).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write depgate.toml into.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Overwrite an existing depgate.toml.
    #[arg(long)]
    pub force: bool,

    /// Write only depgate.toml: print the package managers' and bots' release-age lines
    /// instead of adding them to their files (.npmrc, pnpm-workspace.yaml, bunfig.toml, …).
    #[arg(long)]
    pub no_tool_settings: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to unpack the demo project (default: a fresh temporary folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Use the live public npm registry as the public tier instead of the bundled snapshot.
    #[arg(long)]
    pub live: bool,

    /// Give the SBOMs a random serial number and document namespace (as `check` does).
    #[arg(long)]
    pub random_serial: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The artifact file (tarball, wheel, jar, …).
    pub artifact: PathBuf,

    /// The bundle: a Sigstore bundle, a PEP 740 provenance object or attestation, or an
    /// npm attestations response.
    #[arg(long, value_name = "FILE", required_unless_present = "signature", conflicts_with = "signature")]
    pub bundle: Option<PathBuf>,

    /// An OpenPGP detached signature of the artifact (`.asc` armored, or binary), checked
    /// against `--keyring`.
    #[arg(long, value_name = "FILE", requires = "keyrings")]
    pub signature: Option<PathBuf>,

    /// OpenPGP public keys to check `--signature` with: armored (one or many blocks, a
    /// Gradle `verification-keyring.keys`, an Apache `KEYS` file) or binary (repeatable).
    #[arg(long = "keyring", value_name = "FILE")]
    pub keyrings: Vec<PathBuf>,

    /// The OpenPGP key that must have signed (fingerprint of the primary key or the
    /// signing subkey, or a 16-hex key id; repeatable: any of them). Without it, any key
    /// of the keyrings is accepted.
    #[arg(long = "fingerprint", value_name = "FPR", requires = "signature")]
    pub fingerprints: Vec<String>,

    /// Accept SHA-1 OpenPGP signatures (refused by default: SHA-1 collisions are practical).
    #[arg(long, requires = "signature")]
    pub allow_sha1: bool,

    /// Verify as of this time (RFC 3339) instead of now. For tests and reproductions.
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub current_time: Option<String>,

    /// Expected certificate identity (SAN), exactly.
    #[arg(long, value_name = "IDENTITY", conflicts_with = "certificate_identity_regexp")]
    pub certificate_identity: Option<String>,

    /// Expected certificate identity (SAN), as a regular expression.
    #[arg(long, value_name = "REGEX")]
    pub certificate_identity_regexp: Option<String>,

    /// Expected OIDC issuer of the certificate.
    #[arg(long, value_name = "URL")]
    pub certificate_oidc_issuer: Option<String>,

    /// Expected source repository (`owner/repo` or URL) in the certificate.
    #[arg(long, value_name = "REPO")]
    pub source_repository: Option<String>,

    /// Expected workflow (path, file name, or full build-config URI).
    #[arg(long, value_name = "WORKFLOW")]
    pub workflow: Option<String>,

    /// Expected git ref (e.g. `refs/tags/v1.0.0`).
    #[arg(long = "ref", value_name = "REF")]
    pub git_ref: Option<String>,

    /// Verify a key-signed bundle with this PEM public key.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// Trust this `trusted_root.json` instead of the embedded Sigstore production root
    /// (repeatable).
    #[arg(long = "trusted-root", value_name = "FILE")]
    pub trusted_roots: Vec<PathBuf>,

    /// The subject name the attestation must be about (a purl like `pkg:npm/x@1.0.0`,
    /// or a file name). Default: the artifact's file name for PEP 740; none otherwise.
    #[arg(long, value_name = "NAME")]
    pub subject: Option<String>,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    #[command(subcommand)]
    pub command: AttestCommand,
}

#[derive(Debug, Subcommand)]
pub enum AttestCommand {
    /// Fetch the attestations of every locked package into the attestation cache.
    Pull(AttestPullArgs),
}

#[derive(Debug, Args)]
pub struct AttestPullArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    /// Configuration file (default: depgate.toml in the project folder).
    #[arg(long, value_name = "FILE", env = crate::env::CONFIG)]
    pub config: Option<PathBuf>,

    /// Folder to fill (default: `[verify] attestation_cache`, else `.depgate/attestations`).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Cache folder for metadata.
    #[arg(long, value_name = "DIR", env = crate::env::CACHE_DIR)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 1 naming the first broken record.
    Verify(AuditVerifyArgs),
    /// Print the records that match every filter given.
    Query(AuditQueryArgs),
    /// Write the fleet's chain from its PostgreSQL database as audit.jsonl (the bytes a
    /// file log holds: `depgate audit verify FILE` checks it).
    Export(AuditExportArgs),
}

/// The fleet's audit log in PostgreSQL instead of a file.
#[derive(Debug, Clone, Args)]
pub struct AuditDatabaseArgs {
    /// The audit database: `env:NAME` of the environment variable holding its connection
    /// string (a postgres:// URL or libpq key=value pairs; never the string itself).
    #[arg(long, value_name = "env:NAME")]
    pub database: Option<String>,

    /// TLS to --database: verify-full (the default), require (encrypted, certificate not
    /// checked) or disable (a database on this machine only).
    #[arg(long, value_name = "MODE", requires = "database", value_parser = ["verify-full", "require", "disable"])]
    pub tls: Option<String>,

    /// Extra root certificates (PEM) the database's certificate may chain to.
    #[arg(long, value_name = "FILE", requires = "database")]
    pub ca_file: Option<PathBuf>,

    /// Use the `[audit]` database of this configuration file.
    #[arg(long, value_name = "FILE", conflicts_with = "database")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// The audit log (e.g. depgate-report/audit.jsonl); or --database / --config.
    #[arg(required_unless_present_any = ["database", "config"], conflicts_with_all = ["database", "config"])]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub db: AuditDatabaseArgs,
}

#[derive(Debug, Args)]
pub struct AuditExportArgs {
    #[command(flatten)]
    pub db: AuditDatabaseArgs,

    /// The file to write (replaced atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Only the records after this seq (the head seq of an earlier export: the two files
    /// one after the other are the chain).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub since_seq: u64,
}

#[derive(Debug, Args)]
pub struct AuditQueryArgs {
    /// The audit log (e.g. depgate-report/audit.jsonl); or --database / --config.
    #[arg(required_unless_present_any = ["database", "config"], conflicts_with_all = ["database", "config"])]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub db: AuditDatabaseArgs,

    /// purl glob (`*` also matches `/`), e.g. `pkg:npm/@acme/*` or `pkg:pypi/requests@*`.
    #[arg(long, value_name = "GLOB")]
    pub purl: Option<String>,

    /// Only records served by this upstream.
    #[arg(long, value_name = "NAME")]
    pub upstream: Option<String>,

    /// Only records with this decision.
    #[arg(long, value_name = "DECISION", value_parser = ["allow", "warn", "quarantine", "deny", "error"])]
    pub decision: Option<String>,

    /// At or after this time (RFC 3339, or a date: from its start, UTC).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// At or before this time (RFC 3339, or a date: to its end, UTC).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only records of versions this advisory names (its lead id: `GHSA-…`, `MAL-…`).
    #[arg(long, value_name = "ID")]
    pub advisory: Option<String>,

    /// Only records of requests made with this team's token (`[teams.<name>]`).
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,

    /// A table for people, or the matching records as JSON Lines (pipeable).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct GithubArgs {
    #[command(subcommand)]
    pub command: GithubCommand,
}

#[derive(Debug, Subcommand)]
pub enum GithubCommand {
    /// Report a finished `depgate check` to GitHub. Exit 1 when a decision is at or above
    /// --fail-on; a token that may not post (a fork's pull request) only gives a warning.
    Report(GithubReportArgs),
}

/// `--fail-on`: the least severe decision that fails the step (`error` counts as `deny`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Deny,
    Quarantine,
    Warn,
    Never,
}

/// `--comment`: when to post the sticky pull-request comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommentArg {
    /// Only when failing (a comment from an earlier failing run is still updated).
    OnFailure,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct GithubReportArgs {
    /// The report folder `depgate check` wrote (its --out).
    #[arg(long, value_name = "DIR", default_value = "depgate-report")]
    pub report: PathBuf,

    /// Fail (exit 1) when any decision is at or above this one.
    #[arg(long, value_enum, default_value_t = FailOnArg::Deny)]
    pub fail_on: FailOnArg,

    /// When to post the sticky pull-request comment (needs `pull-requests: write`).
    #[arg(long, value_enum, default_value_t = CommentArg::OnFailure)]
    pub comment: CommentArg,

    /// Post the `depgate` check run with annotations (needs `checks: write`).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub check_run: bool,

    /// Print annotations as workflow commands on stdout.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub annotations: bool,

    /// Append the markdown summary to `$GITHUB_STEP_SUMMARY`.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub summary: bool,

    /// Write the step outputs to `$GITHUB_OUTPUT`.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub outputs: bool,
}
