//! Upstream failures summed up per upstream for the terminal: one entry for an upstream
//! that failed for many packages (an unreachable registry fails every package it owns or
//! is asked about), and one note per upstream that a configured fall-through passed over.
//! `decisions.json`, SARIF and the summary keep one record per package.

use std::collections::BTreeMap;

use crate::config::FallReason;
use crate::engine::{Decision, Record};

/// The packages one upstream failed, by kind of failure.
#[derive(Debug)]
pub(super) struct Group<'a> {
    pub upstream: &'a str,
    pub kind: &'static str,
    /// Indices into the records, in order.
    pub members: Vec<usize>,
    /// The first failure that was a real attempt (not refused by an open circuit): the
    /// cause, with the URL it happened at.
    pub cause: &'a str,
    /// Members not asked because the host's circuit was open.
    pub not_sent: usize,
}

/// The record's upstream failure and the upstream it names, when it has one (decision
/// `error` for rule `upstream-failure`).
fn upstream_failure(r: &Record) -> Option<(&str, &crate::upstream::Failure)> {
    if r.decision != Decision::Error || !r.findings.iter().any(|f| f.finding.rule == "upstream-failure") {
        return None;
    }
    let res = r.resolution.as_ref()?;
    Some((res.upstream.as_deref()?, res.error.as_ref()?))
}

/// Upstream failures shared by two packages or more, keyed by the index of their first
/// member (where the terminal prints the group).
pub(super) fn groups(records: &[Record]) -> BTreeMap<usize, Group<'_>> {
    let mut by_key: BTreeMap<(&str, &'static str), Group<'_>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let Some((upstream, failure)) = upstream_failure(r) else { continue };
        let kind = failure.kind.as_str();
        let g = by_key.entry((upstream, kind)).or_insert_with(|| Group {
            upstream,
            kind,
            members: Vec::new(),
            cause: "",
            not_sent: 0,
        });
        g.members.push(i);
        if failure.circuit_open {
            g.not_sent += 1;
        } else if g.cause.is_empty() {
            g.cause = &failure.message;
        }
    }
    by_key
        .into_values()
        .filter(|g| g.members.len() > 1)
        .map(|mut g| {
            if g.cause.is_empty() {
                // Every member was refused by the circuit: its message names the cause.
                g.cause = upstream_failure(&records[g.members[0]]).map_or("", |(_, f)| f.message.as_str());
            }
            (g.members[0], g)
        })
        .collect()
}

/// `upstream` was passed over for `count` packages for `reason` (other than `not_found`,
/// which is the chain working as meant).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct PassedOver<'a> {
    pub upstream: &'a str,
    pub reason: &'static str,
    pub count: usize,
    pub not_sent: usize,
}

pub(super) fn passed_over(records: &[Record]) -> Vec<PassedOver<'_>> {
    let mut by_key: BTreeMap<(&str, &'static str), (usize, usize)> = BTreeMap::new();
    for r in records {
        let Some(res) = &r.resolution else { continue };
        for a in res.fell_through.iter().filter(|a| a.reason != FallReason::NotFound) {
            let e = by_key.entry((a.upstream.as_str(), a.reason.as_str())).or_default();
            e.0 += 1;
            e.1 += usize::from(a.circuit_open);
        }
    }
    by_key
        .into_iter()
        .map(|((upstream, reason), (count, not_sent))| PassedOver { upstream, reason, count, not_sent })
        .collect()
}
