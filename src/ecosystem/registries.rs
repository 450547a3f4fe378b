//! The registries a project's package managers are configured to use, as their own
//! configuration files say (`.npmrc`, `pip.conf`, `pyproject.toml`, `Pipfile`,
//! requirements options, Maven `settings.xml`, POMs, Gradle build scripts), read by
//! `npm::npmrc`, `pypi::indexes` and `maven::repositories` for `depgate init`.
//!
//! Owns: the shape of a found registry and of its credential. Must not: keep a credential.
//! A found credential records only its kind, where it is, and the environment variable
//! the package manager reads it from when the file names one; never the secret.

/// A registry a package manager is configured to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRegistry {
    /// The URL as configured, without any userinfo.
    pub url: String,
    /// What said so, for people: `registry= in .npmrc`, `index-url in ~/.config/pip/pip.conf`.
    pub origin: String,
    /// Names bound to this registry alone (`@acme/*`, a `PyPI` project name).
    pub namespaces: Vec<String>,
    pub credential: Option<FoundCredential>,
}

impl FoundRegistry {
    pub fn new(url: &str, origin: impl Into<String>) -> Self {
        let (url, had_userinfo) = strip_userinfo(url.trim());
        let origin = origin.into();
        let credential = had_userinfo.then(|| FoundCredential {
            kind: CredentialKind::UserPassword,
            env_var: None,
            found_in: format!("the user and password in the URL ({origin})"),
        });
        Self { url, origin, namespaces: Vec::new(), credential }
    }
}

/// What kind of credential a registry gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A token sent as `Authorization: Bearer`.
    Token,
    /// A user and password (HTTP Basic).
    UserPassword,
}

/// A credential found beside a registry. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCredential {
    pub kind: CredentialKind,
    /// The environment variable the whole credential is read from, when the file says so
    /// (`_authToken=${NPM_TOKEN}`): depgate can read the same one.
    pub env_var: Option<String>,
    /// Where it is, for people: `the _authToken for //npm.acme.example/ in .npmrc`.
    pub found_in: String,
}

/// `url` without `user:password@`, and whether it had any. Text that is not a URL is
/// returned as it is (the writer refuses it later with a note).
pub fn strip_userinfo(url: &str) -> (String, bool) {
    let Some(scheme_end) = url.find("://") else { return (url.to_string(), false) };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => (format!("{}{}", &url[..scheme_end + 3], &rest[at + 1..]), true),
        None => (url.to_string(), false),
    }
}

/// The variable name in a value that is exactly `${VAR}` (npm), `${env.VAR}` (Maven) or
/// `$VAR`.
pub fn whole_env_reference(value: &str) -> Option<String> {
    let v = value.trim();
    let name = v
        .strip_prefix("${env.")
        .or_else(|| v.strip_prefix("${"))
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| v.strip_prefix('$'))?;
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    ok.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_dropped_and_reported() {
        assert_eq!(strip_userinfo("https://u:p@host/simple/"), ("https://host/simple/".into(), true));
        assert_eq!(strip_userinfo("https://host/a@b/"), ("https://host/a@b/".into(), false));
        assert_eq!(strip_userinfo("https://tok@host"), ("https://host".into(), true));
        let r = FoundRegistry::new("https://ci:s3cret@pypi.acme.example/simple/", "index-url in pip.conf");
        assert_eq!(r.url, "https://pypi.acme.example/simple/");
        assert!(!format!("{r:?}").contains("s3cret"));
        assert_eq!(r.credential.unwrap().kind, CredentialKind::UserPassword);
    }

    #[test]
    fn env_references() {
        assert_eq!(whole_env_reference("${NPM_TOKEN}").as_deref(), Some("NPM_TOKEN"));
        assert_eq!(whole_env_reference("${env.REPO_PASS}").as_deref(), Some("REPO_PASS"));
        assert_eq!(whole_env_reference("$TOKEN").as_deref(), Some("TOKEN"));
        assert_eq!(whole_env_reference("npm_abc"), None);
        assert_eq!(whole_env_reference("${A}${B}"), None);
    }
}
