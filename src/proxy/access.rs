//! Who is asking: the client token of a request, mapped to its team and to the chains the
//! team may use (`[teams.<name>]`), or the one proxy token (`DEPGATE_PROXY_TOKEN`, no
//! team). Tokens are compared by their SHA-256, as the configuration stores them.
//!
//! Clients send tokens as npm, pip, Maven, Gradle and container clients do: `Bearer T`
//! (npm `_authToken`), or Basic with T as the password (Maven, Gradle, pip
//! `https://team:T@…`), or as the user name when the password is empty (pip
//! `https://T@…`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use crate::config::TeamConfig;
use crate::ecosystem::Ecosystem;
use crate::redact::Secret;

tokio::task_local! {
    /// The caller of the request being answered: what its audit records name as the team.
    pub static CALLER: Caller;
}

/// The team of the request being answered, when it carries a team's token.
pub fn current_team() -> Option<String> {
    CALLER.try_with(|c| c.team_name().map(ToString::to_string)).ok().flatten()
}

/// A team of `[teams.<name>]`.
#[derive(Debug)]
pub struct Team {
    pub name: Arc<str>,
    /// The ecosystems whose chain the team may use; `None`: every chain.
    chains: Option<BTreeSet<Ecosystem>>,
}

impl Team {
    /// Whether the team may fetch through the chain of `ecosystem`.
    pub fn may_use(&self, ecosystem: Ecosystem) -> bool {
        self.chains.as_ref().is_none_or(|c| c.contains(&ecosystem))
    }
}

/// The one who sent a request.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// `None`: no teams, or the proxy token.
    pub team: Option<Arc<Team>>,
}

impl Caller {
    pub fn team_name(&self) -> Option<&Arc<str>> {
        self.team.as_ref().map(|t| &t.name)
    }
}

/// The tokens the proxy accepts.
#[derive(Debug, Default)]
pub struct Access {
    /// `DEPGATE_PROXY_TOKEN`: a token with no team and every chain.
    proxy_token: Option<Secret>,
    /// Team tokens by their SHA-256.
    teams: HashMap<[u8; 32], Arc<Team>>,
}

impl Access {
    pub fn new(proxy_token: Option<Secret>, teams: &[TeamConfig]) -> Self {
        let mut by_hash = HashMap::new();
        for t in teams {
            let team = Arc::new(Team { name: t.name.as_str().into(), chains: t.chains.clone() });
            for h in &t.token_sha256 {
                by_hash.insert(*h, team.clone());
            }
        }
        Self { proxy_token, teams: by_hash }
    }

    /// Whether requests must carry a token.
    pub fn required(&self) -> bool {
        self.proxy_token.is_some() || !self.teams.is_empty()
    }

    /// How many teams have tokens.
    pub fn team_count(&self) -> usize {
        self.teams.values().map(Arc::as_ptr).collect::<std::collections::HashSet<_>>().len()
    }

    /// The caller of a request with these headers; `None` when a token is required and
    /// none of the accepted ones was presented.
    pub fn identify(&self, headers: &HeaderMap) -> Option<Caller> {
        if !self.required() {
            return Some(Caller::default());
        }
        let presented = presented_token(headers)?;
        if let Some(t) = &self.proxy_token
            && constant_time_eq(presented.as_bytes(), t.expose().as_bytes())
        {
            return Some(Caller::default());
        }
        // A hash-table lookup by the token's SHA-256: what is compared is a digest of the
        // secret, so the lookup's timing tells nothing useful about the token.
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.teams.get(&digest).map(|t| Caller { team: Some(t.clone()) })
    }
}

/// The token in an `Authorization` header: Bearer, or Basic's password (its user name
/// when the password is empty).
fn presented_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_string()).filter(|t| !t.is_empty());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':').unwrap_or((text.as_str(), ""));
        let t = if password.is_empty() { user } else { password };
        return Some(t.to_string()).filter(|t| !t.is_empty());
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new random token (256 bits, URL-safe base64 after a `dgt_` prefix that secret
/// scanners can match) and its configuration form, `sha256:<hex>`.
pub fn new_token() -> std::io::Result<(Secret, String)> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(format!("no randomness from the system: {e}")))?;
    let token = format!("dgt_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    Ok((Secret::new(token), hash))
}

/// The configuration form of a token: `sha256:<hex of its SHA-256>`.
pub fn token_hash(token: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(token.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    fn basic(user: &str, pass: &str) -> String {
        use base64::Engine as _;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
    }

    #[test]
    fn teams_are_found_by_token_in_every_form_clients_send() {
        let (tok, hash) = new_token().unwrap();
        let raw: [u8; 32] = hex::decode(hash.strip_prefix("sha256:").unwrap()).unwrap().try_into().unwrap();
        let teams = vec![TeamConfig {
            name: "payments".into(),
            token_sha256: vec![raw],
            chains: Some(BTreeSet::from([Ecosystem::Npm])),
        }];
        let access = Access::new(Some(Secret::new("proxy-secret".into())), &teams);
        assert!(access.required());
        assert_eq!(access.team_count(), 1);
        let t = tok.expose();
        for h in [format!("Bearer {t}"), basic("ci", t), basic(t, ""), format!("bearer  {t}")] {
            let c = access.identify(&headers(&h)).unwrap_or_else(|| panic!("{h} not accepted"));
            let team = c.team.unwrap();
            assert_eq!(&*team.name, "payments");
            assert!(team.may_use(Ecosystem::Npm) && !team.may_use(Ecosystem::Pypi));
        }
        // The proxy token: no team.
        assert!(access.identify(&headers("Bearer proxy-secret")).unwrap().team.is_none());
        for bad in ["Bearer nope", "Bearer ", "Basic !!!", &basic("ci", "nope"), "Token x"] {
            assert!(access.identify(&headers(bad)).is_none(), "{bad} accepted");
        }
        assert!(access.identify(&HeaderMap::new()).is_none());
        // No tokens at all: everyone, no team.
        assert!(Access::default().identify(&HeaderMap::new()).unwrap().team.is_none());
    }

    #[test]
    fn new_tokens_differ_and_hash_as_configured() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with("dgt_") && a.expose().len() == 4 + 43);
        assert_eq!(ha, token_hash(a.expose()));
        assert_eq!(ha.len(), "sha256:".len() + 64);
    }
}
