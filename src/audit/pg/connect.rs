//! Where and how the audit database is reached: the connection string read from its
//! environment variable, the TLS mode (`[audit] tls`), and errors that name the database
//! by host, port, database and user only — never the password.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::{AuditConfig, PgTls};
use crate::redact::Secret;

/// How long one connection attempt may take (when the connection string does not say).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the audit database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The settings are wrong (the message says what to do).
    #[error("{0}")]
    Settings(String),
    /// The database answered with an error, or could not be reached.
    #[error("cannot {action} the audit database ({target}): {detail}")]
    Db { action: &'static str, target: String, detail: String },
    /// The next `seq` would pass [`super::super::MAX_SEQ`].
    #[error("the audit database ({target}) has reached the largest seq: start a new chain in another database")]
    Full { target: String },
}

/// A resolved `[audit]`: the parsed connection string, its TLS connector and pool size.
pub struct Settings {
    pub(super) config: tokio_postgres::Config,
    pub(super) tls: Option<MakeRustlsConnect>,
    pub(super) pool_size: usize,
    /// `host … port … dbname … user …`, for messages.
    pub(super) target: String,
    /// For scrubbing error texts; never printed.
    password: Option<Secret>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("target", &self.target)
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Read `[audit] database`'s variable and check the settings.
    pub fn from_config(audit: &AuditConfig) -> Result<Self, PgError> {
        let value = std::env::var(&audit.database).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            PgError::Settings(format!(
                "[audit] database: the environment variable {} is not set\n  help: set it to the audit database's connection string (postgres://user:password@host:5432/dbname or host=… dbname=… user=…)",
                audit.database
            ))
        })?;
        Self::new(&audit.database, &Secret::new(value), audit.tls, audit.ca_file.as_deref(), audit.pool_size)
    }

    /// Settings from a connection string read from the variable `var` (named in errors).
    pub fn new(
        var: &str,
        value: &Secret,
        tls: PgTls,
        ca_file: Option<&Path>,
        pool_size: usize,
    ) -> Result<Self, PgError> {
        let mut config: tokio_postgres::Config = value.expose().parse().map_err(|e: tokio_postgres::Error| {
            // The parser's causes name an option (`invalid value for option `port``) or a
            // position (with at most the one character found there), never a value.
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                let _ = write!(why, ": {s}");
                source = s.source();
            }
            PgError::Settings(format!(
                "[audit] database: the connection string in {var} cannot be read: {why}\n  help: write a postgres:// URL or libpq key=value pairs"
            ))
        })?;
        let password = config.get_password().map(|p| Secret::new(String::from_utf8_lossy(p).into_owned()));
        let target = describe(&config);
        if config.get_hosts().is_empty() {
            return Err(PgError::Settings(format!(
                "[audit] database: the connection string in {var} names no host\n  help: add the database server's host (host=… or postgres://user@HOST/dbname)"
            )));
        }
        if tls == PgTls::Disable && !local_only(&config) {
            return Err(PgError::Settings(format!(
                "[audit] tls = \"disable\" is only allowed to a database on this machine, and {target} is not\n  help: use tls = \"verify-full\" (with ca_file = \"…\" for a private CA), or \"require\""
            )));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.ssl_mode(if tls == PgTls::Disable { SslMode::Disable } else { SslMode::Require });
        let tls = client_config(tls, ca_file)?.map(MakeRustlsConnect::new);
        Ok(Self { config, tls, pool_size, target, password })
    }

    /// `host … port … dbname … user …` of the database.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// A database error as text for people: the server's message, or the client's chain
    /// of causes; any occurrence of the password is masked.
    pub(super) fn error(&self, action: &'static str, e: &tokio_postgres::Error) -> PgError {
        PgError::Db { action, target: self.target.clone(), detail: self.detail(e) }
    }

    /// What [`Self::error`] says about `e`.
    pub(super) fn detail(&self, e: &tokio_postgres::Error) -> String {
        let mut detail = if let Some(db) = e.as_db_error() {
            let mut d = format!("{}: {} (SQLSTATE {})", db.severity(), db.message(), db.code().code());
            if let Some(hint) = db.hint() {
                let _ = write!(d, "; hint: {hint}");
            }
            d
        } else {
            let mut d = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                let _ = write!(d, ": {s}");
                source = s.source();
            }
            d
        };
        if let Some(p) = self.password.as_ref().map(Secret::expose).filter(|p| !p.is_empty()) {
            detail = detail.replace(p, "****");
        }
        detail
    }
}

/// `host H port P dbname D user U` (what is set).
fn describe(config: &tokio_postgres::Config) -> String {
    let mut out = String::new();
    let host = config.get_hosts().first().map(|h| match h {
        Host::Tcp(h) => h.clone(),
        Host::Unix(p) => p.display().to_string(),
    });
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let _ = write!(out, "host {} port {port}", host.as_deref().unwrap_or("?"));
    if let Some(d) = config.get_dbname() {
        let _ = write!(out, " dbname {d}");
    }
    if let Some(u) = config.get_user() {
        let _ = write!(out, " user {u}");
    }
    out
}

/// Every host is this machine: a loopback address, `localhost`, or a Unix socket.
fn local_only(config: &tokio_postgres::Config) -> bool {
    let host_ok = |h: &Host| match h {
        Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        Host::Unix(_) => true,
    };
    config.get_hosts().iter().all(host_ok) && config.get_hostaddrs().iter().all(IpAddr::is_loopback)
}

/// The rustls configuration of a TLS mode (`None`: no TLS).
fn client_config(mode: PgTls, ca_file: Option<&Path>) -> Result<Option<rustls::ClientConfig>, PgError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::Settings(format!("[audit] tls: {e}")))?;
    let config = match mode {
        PgTls::Disable => return Ok(None),
        PgTls::VerifyFull => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if let Some(path) = ca_file {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                    .and_then(Iterator::collect)
                    .map_err(|e| {
                        PgError::Settings(format!(
                            "[audit] ca_file {}: cannot read PEM certificates: {e}\n  help: give the CA certificate(s) that signed the database server's certificate, in PEM",
                            path.display()
                        ))
                    })?;
                if certs.is_empty() {
                    return Err(PgError::Settings(format!(
                        "[audit] ca_file {}: no certificate in it\n  help: give the CA certificate(s) in PEM (-----BEGIN CERTIFICATE-----)",
                        path.display()
                    )));
                }
                for cert in certs {
                    roots.add(cert).map_err(|e| {
                        PgError::Settings(format!(
                            "[audit] ca_file {}: not a usable CA certificate: {e}",
                            path.display()
                        ))
                    })?;
                }
            }
            if roots.is_empty() {
                return Err(PgError::Settings(
                    "[audit] tls = \"verify-full\": no trusted root certificates (the system has none and ca_file is not set)\n  help: set ca_file to the CA that signed the database server's certificate".into(),
                ));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        PgTls::Require => {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(Unchecked(provider))).with_no_client_auth()
        }
    };
    Ok(Some(config))
}

/// `tls = "require"`: libpq's `sslmode=require` — the session is encrypted and the
/// handshake signed by the certificate's key, but the certificate itself is not checked
/// (anyone on the path can present one). `verify-full` is the default for that reason.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str, tls: PgTls) -> Result<Settings, PgError> {
        Settings::new("DB", &Secret::new(url.into()), tls, None, 2)
    }

    #[test]
    fn disable_only_to_this_machine() {
        for local in [
            "postgres://u:pw@127.0.0.1:5432/db",
            "postgres://u:pw@localhost/db",
            "host=::1 user=u dbname=db",
            "host=/run/postgresql user=u",
        ] {
            assert!(settings(local, PgTls::Disable).is_ok(), "{local}");
        }
        let e = settings("postgres://svc:hunter2@db.example:5432/audit", PgTls::Disable).unwrap_err().to_string();
        assert!(e.contains("host db.example port 5432 dbname audit user svc"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = settings("host=127.0.0.1,10.0.0.5 user=u password=hunter2", PgTls::Disable).unwrap_err().to_string();
        assert!(e.contains("tls = \"disable\""), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn bad_strings_are_named_without_their_value() {
        let e = settings("host=h port=notaport password=hunter2", PgTls::Require).unwrap_err().to_string();
        assert!(e.contains("cannot be read") && e.contains("port") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn a_missing_ca_file_is_named() {
        let e = Settings::new(
            "DB",
            &Secret::new("postgres://u:pw@db.example/x".into()),
            PgTls::VerifyFull,
            Some(Path::new("/nonexistent/ca.pem")),
            2,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }
}
