//! `[teams.<name>]`: who may use the proxy (`depgate serve`), by token, and which
//! ecosystems' chains each team may fetch through.
//!
//! ```toml
//! [teams.payments]
//! tokens = ["sha256:9f86d081…"]   # sha256 of each token: `depgate token new --team payments`
//! chains = ["npm", "pypi"]        # default: every chain
//! ```
//!
//! Tokens are stored hashed: the file holds no secret and can be committed.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;
use toml::de::DeValue;

use super::Ctx;
use crate::config::TeamConfig;
use crate::ecosystem::Ecosystem;

const TEAM_KEYS: &[&str] = &["tokens", "chains"];
const TOKEN_HELP: &str = "write each token as its hash, \"sha256:<64 hex digits>\" (`depgate token new --team NAME` prints one), never the token itself";

pub(super) fn parse_teams(cx: &mut Ctx<'_>, v: Option<&Spanned<DeValue<'_>>>) -> Vec<TeamConfig> {
    let mut out = Vec::new();
    let Some(t) = v.and_then(|v| cx.table(v, "teams")) else { return out };
    // Which team each token hash belongs to: a hash in two teams would make the team of a
    // request depend on the order of the file.
    let mut owners: BTreeMap<[u8; 32], String> = BTreeMap::new();
    for (key, val) in t {
        let name = key.get_ref().to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            cx.err(
                key.span(),
                format!("team name `{name}` is not a valid name"),
                "use letters, digits, `-` and `_` only",
            );
            continue;
        }
        let what = format!("[teams.{name}]");
        let Some(team) = cx.table(val, &what) else { continue };
        cx.unknown_keys(team, TEAM_KEYS, &what);
        let mut token_sha256 = Vec::new();
        match team.get("tokens") {
            None => cx.err(
                key.span(),
                format!("team `{name}` has no `tokens`"),
                format!("add tokens = [\"sha256:…\"] ({TOKEN_HELP})"),
            ),
            Some(tv) => {
                for (s, span) in cx.string_list(tv, "tokens").unwrap_or_default() {
                    let Some(hash) = parse_token_hash(&s) else {
                        // Never echo the value: it may be a token pasted by mistake.
                        cx.err(span, format!("a token of team `{name}` is not a sha256 hash"), TOKEN_HELP);
                        continue;
                    };
                    if let Some(other) = owners.insert(hash, name.clone()) {
                        cx.err(
                            span,
                            format!("the same token hash is listed for team `{other}` and team `{name}`"),
                            "give each team its own tokens",
                        );
                        continue;
                    }
                    token_sha256.push(hash);
                }
            }
        }
        let chains = team.get("chains").and_then(|cv| {
            let list = cx.string_list(cv, "chains")?;
            let mut set = BTreeSet::new();
            for (s, span) in list {
                match [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven, Ecosystem::Oci]
                    .into_iter()
                    .find(|e| e.as_str() == s)
                {
                    Some(e) => {
                        set.insert(e);
                    }
                    None => cx.err(
                        span,
                        format!("team `{name}`: `{s}` is not a chain"),
                        "chains are named by ecosystem: \"npm\", \"pypi\", \"maven\", \"oci\"",
                    ),
                }
            }
            Some(set)
        });
        out.push(TeamConfig { name, token_sha256, chains });
    }
    out
}

/// `sha256:<64 hex>` as bytes.
fn parse_token_hash(s: &str) -> Option<[u8; 32]> {
    let hex_digits = s.strip_prefix("sha256:")?;
    let bytes = hex::decode(hex_digits).ok()?;
    bytes.try_into().ok()
}
