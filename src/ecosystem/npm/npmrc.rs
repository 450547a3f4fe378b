//! `.npmrc`: the default registry (`registry=`), scoped registries (`@acme:registry=`)
//! and which registries have credentials (`//host/path/:_authToken=`, `_auth`,
//! `username` + `_password`), for `depgate init`. Credentials are never kept (see
//! [`FoundCredential`]).

use std::collections::BTreeMap;

use crate::ecosystem::registries::{CredentialKind, FoundCredential, FoundRegistry, whole_env_reference};

/// The registry settings of one or more `.npmrc` layers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Npmrc {
    /// `registry=` and where it was set.
    pub registry: Option<(String, String)>,
    /// Scope (`@acme`, lowercase) → its registry and where it was set.
    pub scopes: BTreeMap<String, (String, String)>,
    /// Nerf dart (`//host/path/`) → the credential filed under it.
    pub auth: BTreeMap<String, FoundCredential>,
}

/// `${VAR}` in a key or URL, expanded as npm does; an unset variable stays as written.
fn expand(value: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            return out;
        };
        let name = tail[2..end].trim_end_matches('?');
        match env(name) {
            Some(v) => out.push_str(&v),
            None if tail[2..end].ends_with('?') => {}
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Parse one `.npmrc` (`file` names it in messages). `env` answers `${VAR}` in keys and
/// registry URLs; credentials are never expanded, only recorded.
pub fn parse_npmrc(text: &str, file: &str, env: &dyn Fn(&str) -> Option<String>) -> Npmrc {
    let mut out = Npmrc::default();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';', '[']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = expand(key.trim(), env);
        let mut value = value.trim();
        if value.len() >= 2
            && (value.starts_with('"') && value.ends_with('"') || value.starts_with('\'') && value.ends_with('\''))
        {
            value = &value[1..value.len() - 1];
        }
        if key == "registry" {
            out.registry = Some((expand(value, env), format!("registry= in {file}")));
        } else if let Some(scope) = key.strip_suffix(":registry").filter(|s| s.starts_with('@') && !s.contains('/')) {
            out.scopes.insert(scope.to_ascii_lowercase(), (expand(value, env), format!("{scope}:registry= in {file}")));
        } else {
            // `//host/path/:_authToken`, or the legacy `_authToken` / `_auth` of the default registry.
            let (dart, field) = match key.rsplit_once(':') {
                Some((d, f)) if d.starts_with("//") => (d.to_string(), f),
                _ => (String::new(), key.as_str()),
            };
            let kind = match field {
                "_authToken" => CredentialKind::Token,
                "_auth" | "username" | "_password" => CredentialKind::UserPassword,
                _ => continue,
            };
            let dart = if dart.is_empty() || dart.ends_with('/') { dart } else { format!("{dart}/") };
            let env_var = if kind == CredentialKind::Token { whole_env_reference(value) } else { None };
            let whose = if dart.is_empty() { "the default registry".to_string() } else { dart.clone() };
            out.auth.insert(
                dart,
                FoundCredential { kind, env_var, found_in: format!("the {field} for {whose} in {file}") },
            );
        }
    }
    out
}

impl Npmrc {
    /// Layer `over` on top (npm: user file, then project file, then environment).
    pub fn merge(&mut self, over: Npmrc) {
        if over.registry.is_some() {
            self.registry = over.registry;
        }
        self.scopes.extend(over.scopes);
        self.auth.extend(over.auth);
    }

    /// The registries these settings name: the default registry (when set), then each
    /// scoped registry with its scopes as namespaces; each with the credential whose nerf
    /// dart is the longest prefix of its URL.
    pub fn registries(&self) -> Vec<FoundRegistry> {
        let mut out: Vec<FoundRegistry> = Vec::new();
        if let Some((url, origin)) = &self.registry {
            let mut r = FoundRegistry::new(url, origin.clone());
            r.credential = r.credential.take().or_else(|| self.credential_for(&r.url, true));
            out.push(r);
        }
        for (scope, (url, origin)) in &self.scopes {
            let mut r = FoundRegistry::new(url, origin.clone());
            r.credential = r.credential.take().or_else(|| self.credential_for(&r.url, false));
            r.namespaces.push(format!("{scope}/*"));
            out.push(r);
        }
        out
    }

    fn credential_for(&self, url: &str, default_registry: bool) -> Option<FoundCredential> {
        let dart = nerf_dart(url)?;
        self.auth
            .iter()
            .filter(|(d, _)| !d.is_empty() && dart.starts_with(d.as_str()))
            .max_by_key(|(d, _)| d.len())
            .map(|(_, c)| c.clone())
            .or_else(|| if default_registry { self.auth.get("").cloned() } else { None })
    }
}

/// npm's "nerf dart" of a registry URL: `//host[:port]/path/`.
fn nerf_dart(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = u.path();
    let dir = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
    Some(format!("//{host}{port}{dir}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn default_and_scoped_registries_with_their_credentials() {
        let text = "registry=https://npm.acme.example/repo/\n\
                    @Acme:registry=\"https://npm.pkg.github.com\"\n\
                    //npm.acme.example/repo/:_authToken=npm_s3cretvalue\n\
                    //npm.pkg.github.com/:_authToken=${GH_TOKEN}\n\
                    ; comment\nfund=false\n";
        let rc = parse_npmrc(text, ".npmrc", &no_env);
        let regs = rc.registries();
        assert_eq!(regs.len(), 2);
        assert_eq!(regs[0].url, "https://npm.acme.example/repo/");
        assert_eq!(regs[0].origin, "registry= in .npmrc");
        let c = regs[0].credential.as_ref().unwrap();
        assert_eq!((c.kind, c.env_var.as_deref()), (CredentialKind::Token, None));
        assert!(c.found_in.contains("//npm.acme.example/repo/"), "{c:?}");
        assert_eq!(regs[1].namespaces, ["@acme/*"]);
        assert_eq!(regs[1].credential.as_ref().unwrap().env_var.as_deref(), Some("GH_TOKEN"));
        assert!(!format!("{rc:?}").contains("s3cret"), "the secret is never kept");
    }

    #[test]
    fn layers_and_environment() {
        let env = |k: &str| (k == "REG").then(|| "https://r.example/".to_string());
        let mut user = parse_npmrc("registry=https://user.example/\n_auth=dXNlcjpwYXNz\n", "~/.npmrc", &env);
        user.merge(parse_npmrc("registry=${REG}\n", ".npmrc", &env));
        let regs = user.registries();
        assert_eq!(regs[0].url, "https://r.example/");
        // The legacy top-level credential belongs to the default registry.
        assert_eq!(regs[0].credential.as_ref().unwrap().kind, CredentialKind::UserPassword);
        assert_eq!(expand("${MISSING}/x", &no_env), "${MISSING}/x");
        assert_eq!(expand("${MISSING?}/x", &no_env), "/x");
    }
}
