//! `[audit]`: where the audit log goes besides the report folder's `audit.jsonl`: a
//! PostgreSQL database shared by a fleet of proxies (`src/audit/pg/`). Only a reference to
//! the connection string is kept (`env:NAME`); it is read when a command connects.

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::{AuditConfig, DEFAULT_AUDIT_POOL_SIZE, MAX_AUDIT_POOL_SIZE, PgTls};

const AUDIT_KEYS: &[&str] = &["database", "tls", "ca_file", "pool_size"];

pub(super) fn parse_audit(
    cx: &mut Ctx<'_>,
    section: Option<&Spanned<DeValue<'_>>>,
    base_dir: &std::path::Path,
) -> Option<AuditConfig> {
    let section = section?;
    let t = cx.table(section, "audit")?;
    cx.unknown_keys(t, AUDIT_KEYS, "[audit]");
    let database = match t.get("database") {
        None => {
            cx.err(
                section.span(),
                "[audit] has no `database`",
                "name the environment variable that holds the PostgreSQL connection string: database = \"env:DEPGATE_AUDIT_DATABASE\"",
            );
            None
        }
        Some(d) => cx.string(d, "database").and_then(|text| match text.strip_prefix("env:") {
            Some(var) if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                Some(var.to_string())
            }
            _ => {
                cx.err(
                    d.span(),
                    "`database` must be a reference `env:NAME`",
                    "never write a connection string (it holds a password) into the config: put it in an environment variable and write database = \"env:DEPGATE_AUDIT_DATABASE\"",
                );
                None
            }
        }),
    };
    let tls = match t.get("tls") {
        None => PgTls::VerifyFull,
        Some(m) => match cx.string(m, "tls").as_deref() {
            Some("verify-full") | None => PgTls::VerifyFull,
            Some("require") => PgTls::Require,
            Some("disable") => PgTls::Disable,
            Some(other) => {
                cx.err(
                    m.span(),
                    format!("unknown tls mode `{other}`"),
                    "tls is \"verify-full\" (the default: the server's certificate and name are checked), \"require\" (encrypted, certificate not checked) or \"disable\" (only to a database on this machine)",
                );
                PgTls::VerifyFull
            }
        },
    };
    let ca_file = t.get("ca_file").and_then(|c| cx.string(c, "ca_file")).map(|p| base_dir.join(p));
    if ca_file.is_some() && tls != PgTls::VerifyFull {
        let span = t.get("ca_file").map_or_else(|| section.span(), Spanned::span);
        cx.err(
            span,
            "`ca_file` is only used with tls = \"verify-full\"",
            "remove ca_file, or set tls = \"verify-full\" so the server's certificate is checked against it",
        );
    }
    let pool_size = match t.get("pool_size") {
        None => DEFAULT_AUDIT_POOL_SIZE,
        Some(p) => {
            match p.get_ref() {
                DeValue::Integer(i) => match i.as_str().replace('_', "").parse::<usize>() {
                    Ok(n) if (1..=MAX_AUDIT_POOL_SIZE).contains(&n) => n,
                    _ => {
                        cx.err(
                        p.span(),
                        format!("`pool_size` must be between 1 and {MAX_AUDIT_POOL_SIZE}"),
                        format!("pool_size = {DEFAULT_AUDIT_POOL_SIZE} (connections to the database per depgate process)"),
                    );
                        DEFAULT_AUDIT_POOL_SIZE
                    }
                },
                other => {
                    cx.err(
                        p.span(),
                        format!("`pool_size` must be a number, found {}", other.type_str()),
                        format!("pool_size = {DEFAULT_AUDIT_POOL_SIZE}"),
                    );
                    DEFAULT_AUDIT_POOL_SIZE
                }
            }
        }
    };
    database.map(|database| AuditConfig { database, tls, ca_file, pool_size })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, PgTls};

    fn parse(audit: &str) -> Result<Config, String> {
        Config::parse(&format!("[audit]\n{audit}"), Path::new("/etc/depgate/depgate.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_every_key() {
        let c = parse("database = \"env:AUDIT_DB\"").unwrap().audit.unwrap();
        assert_eq!((c.database.as_str(), c.tls, c.ca_file, c.pool_size), ("AUDIT_DB", PgTls::VerifyFull, None, 8));
        let c = parse("database = \"env:DB\"\ntls = \"verify-full\"\nca_file = \"ca.pem\"\npool_size = 3")
            .unwrap()
            .audit
            .unwrap();
        assert_eq!(c.ca_file.as_deref(), Some(Path::new("/etc/depgate/ca.pem")));
        assert_eq!(c.pool_size, 3);
        assert_eq!(parse("database = \"env:DB\"\ntls = \"disable\"").unwrap().audit.unwrap().tls, PgTls::Disable);
        assert!(Config::parse("", Path::new("x.toml")).unwrap().audit.is_none());
    }

    #[test]
    fn every_mistake_is_named_at_its_line() {
        for (text, says) in [
            ("tls = \"require\"", "[audit] has no `database`"),
            ("database = \"postgres://u:pw@h/db\"", "must be a reference `env:NAME`"),
            ("database = \"env:\"", "must be a reference `env:NAME`"),
            ("database = \"env:DB\"\ntls = \"verify-ca\"", "unknown tls mode `verify-ca`"),
            ("database = \"env:DB\"\ntls = \"require\"\nca_file = \"ca.pem\"", "only used with tls = \"verify-full\""),
            ("database = \"env:DB\"\npool_size = 0", "between 1 and 64"),
            ("database = \"env:DB\"\npool_size = \"8\"", "must be a number"),
            ("database = \"env:DB\"\npassword = \"x\"", "unknown key"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
            assert!(e.contains("depgate.toml:"), "{e}");
            assert!(!e.contains("u:pw"), "{e}");
        }
    }
}
