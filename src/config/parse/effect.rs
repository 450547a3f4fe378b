//! Policy settings that can never take effect with the configured chains are errors, not
//! silent no-ops: a `require` for fallback upstreams when no chain has one, a
//! `[policy.tiers.<tier>]` or `cooldown_tiers` entry for a tier no chain upstream has, a
//! tier's `quarantine_days` when that tier never waits.
//!
//! A file without any chain (a policy-only file for `depgate policy eval`, `test` or
//! `bundle`, whose inputs are written by hand) is not checked: there every tier may come.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::{Ctx, closest};
use crate::config::{Chain, PolicyConfig, Require, Upstream};
use crate::ecosystem::Ecosystem;

/// Where the settings checked here were written.
#[derive(Debug, Default)]
pub(super) struct PolicySpans {
    /// `[policy] require`, when written.
    pub require: Option<Range<usize>>,
    /// Each `[policy] cooldown_tiers` entry, when written.
    pub cooldown_tiers: Vec<(String, Range<usize>)>,
    pub tiers: Vec<TierSpans>,
}

/// One `[policy.tiers.<tier>]` table.
#[derive(Debug)]
pub(super) struct TierSpans {
    pub tier: String,
    /// The table's name.
    pub key: Range<usize>,
    pub quarantine_days: Option<Range<usize>>,
}

fn level(r: Require) -> &'static str {
    match r {
        Require::None => "none",
        Require::Signature => "signature",
        Require::Provenance => "provenance",
    }
}

pub(super) fn check_policy_reach(
    cx: &mut Ctx<'_>,
    chains: &BTreeMap<Ecosystem, Chain>,
    upstreams: &BTreeMap<String, Upstream>,
    policy: &PolicyConfig,
    spans: &PolicySpans,
) {
    if chains.is_empty() {
        return;
    }
    let mut tiers = BTreeSet::new();
    let mut fallback_tiers = BTreeSet::new();
    for chain in chains.values() {
        for (i, name) in chain.upstreams.iter().enumerate() {
            // An upstream that did not parse has its own error; its tier is unknown.
            let Some(u) = upstreams.get(name) else { return };
            tiers.insert(u.tier.as_str());
            if i > 0 {
                fallback_tiers.insert(u.tier.as_str());
            }
        }
    }
    let known: Vec<&str> = tiers.iter().copied().collect();
    let tier_hint = |name: &str| {
        let list = known.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
        closest(name, &known).map_or_else(
            || format!("the chains' upstreams have the tiers {list}"),
            |c| format!("did you mean `{c}`? the chains' upstreams have the tiers {list}"),
        )
    };

    for t in &spans.tiers {
        if !tiers.contains(t.tier.as_str()) {
            cx.err(
                t.key.clone(),
                format!("[policy.tiers.{}] is for a tier no upstream in the chains has, so it never applies", t.tier),
                format!(
                    "{}; fix the name, or give the upstream it is meant for tier = \"{}\"",
                    tier_hint(&t.tier),
                    t.tier
                ),
            );
        } else if let Some(q) = &t.quarantine_days
            && !fallback_tiers.contains(t.tier.as_str())
            && !policy.cooldown_tiers.contains(&t.tier)
        {
            cx.err(
                q.clone(),
                format!(
                    "`quarantine_days` of tier `{}` never applies: its upstreams are first in their chains and the tier is not in [policy] cooldown_tiers",
                    t.tier
                ),
                format!(
                    "add \"{}\" to [policy] cooldown_tiers to make its versions wait wherever it is in a chain, or remove this line",
                    t.tier
                ),
            );
        }
    }

    for (tier, span) in &spans.cooldown_tiers {
        if !tiers.contains(tier.as_str()) {
            cx.err(
                span.clone(),
                format!("cooldown_tiers names `{tier}`, a tier no upstream in the chains has, so it never applies"),
                format!("{}; fix the name or remove it", tier_hint(tier)),
            );
        }
    }

    if let Some(span) = &spans.require
        && policy.require != Require::None
    {
        let lvl = level(policy.require);
        let own: Vec<&str> = fallback_tiers
            .iter()
            .copied()
            .filter(|t| policy.tiers.get(*t).is_some_and(|tp| tp.require.is_some()))
            .collect();
        if fallback_tiers.is_empty() {
            let example = known.iter().find(|t| **t == "public").or(known.first()).copied().unwrap_or("public");
            cx.err(
                span.clone(),
                format!(
                    "`require = \"{lvl}\"` never applies: [policy] require is asked of fallback upstreams (second or later in a chain), and no chain here has one"
                ),
                format!(
                    "to require it of every package of a tier, first in its chain or not, write [policy.tiers.{example}] require = \"{lvl}\" (the chains' tiers: {}); or add a fallback upstream to a chain",
                    known.join(", ")
                ),
            );
        } else if own.len() == fallback_tiers.len() {
            cx.err(
                span.clone(),
                format!(
                    "`require = \"{lvl}\"` never applies: every fallback upstream's tier ({}) sets its own require in [policy.tiers]",
                    own.join(", ")
                ),
                "remove it, or remove the per-tier require it should decide",
            );
        }
    }
}
