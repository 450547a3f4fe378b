//! For one artifact: the audits the verified logs hold about it, and each requirement of
//! the project's OpenVet policy evaluated over them as OpenVet's evaluator does (per audit
//! in Kleene logic, then across audits: passed when some audit says true and none says
//! false, contradicted when any says false, not asserted otherwise).

use std::collections::BTreeMap;

use openvet_policy::Policy;
use openvet_policy::expr::Tri;
use openvet_proto::Subject;
use openvet_proto::audit::Audit;
use serde::Serialize;
use time::OffsetDateTime;

use super::verify::{LogOutcome, VerifiedLog};

/// Whether an audit found for the artifact could be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Signed, filed under its own subject, signers authorised: its claims count when
    /// its subject hash is the artifact's.
    Verified,
    /// It failed a check (see `problem`): its claims do not count, and policy fails closed.
    Invalid,
}

/// One audit about this package version, as policy and reports see it
/// (`package.reviews[]`).
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The trusted log it is in.
    pub log: String,
    /// Its subject, `registry:name@version[?variant]#alg:hex`.
    pub subject: String,
    /// Its subject hash is the artifact's (only then do its claims count).
    pub subject_match: bool,
    pub status: ReviewStatus,
    /// Fingerprints of the keys that signed it.
    pub auditors: Vec<String>,
    /// Its claims with their values (`is-benign: true`).
    pub claims: BTreeMap<String, bool>,
    /// When the auditor wrote it (RFC 3339), when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// How one requirement ended for the artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReqStatus {
    Passed,
    NotAsserted,
    Contradicted,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequirementOutcome {
    pub name: String,
    pub status: ReqStatus,
    /// The logs whose audits decided it: those that said true (passed), false
    /// (contradicted); none when not asserted.
    pub decided_by: Vec<String>,
}

/// The artifact's verdict under the whole policy (OpenVet's `Verdict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Unaudited,
}

/// What the reviews say about one artifact (`reviews` in the record and the input).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewCheck {
    /// The subjects looked up (one per digest depgate knows).
    pub subjects: Vec<String>,
    pub reviews: Vec<Review>,
    pub requirements: Vec<RequirementOutcome>,
    pub verdict: Verdict,
}

impl ReviewCheck {
    /// Every effective requirement passed.
    pub fn satisfied(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

/// The verified logs of a run and the policy over them.
#[derive(Debug)]
pub struct Database {
    logs: Vec<VerifiedLog>,
    rejected: Vec<(String, String)>,
    policy: Policy,
}

impl Database {
    /// From every log's outcome (in configuration order) and the project's policy.
    pub fn new(outcomes: Vec<LogOutcome>, policy: Policy) -> Self {
        let mut logs = Vec::new();
        let mut rejected = Vec::new();
        for o in outcomes {
            match o {
                LogOutcome::Verified(l) => logs.push(l),
                LogOutcome::Rejected { name, location, reason } => {
                    rejected.push((name, format!("{location}: {reason}")));
                }
            }
        }
        Database { logs, rejected, policy }
    }

    /// The logs that verified.
    pub fn logs(&self) -> &[VerifiedLog] {
        &self.logs
    }

    /// `(name, why)` of every log that was rejected.
    pub fn rejected(&self) -> &[(String, String)] {
        &self.rejected
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// What the logs say about the artifact named by `subjects` (all the same coordinate,
    /// one per digest algorithm).
    pub fn check(&self, subjects: &[Subject]) -> ReviewCheck {
        let mut reviews = Vec::new();
        let mut counted: Vec<(&str, &Audit)> = Vec::new();
        let Some(first) = subjects.first() else {
            return ReviewCheck {
                subjects: Vec::new(),
                reviews,
                requirements: Vec::new(),
                verdict: Verdict::Unaudited,
            };
        };
        let coord = first.coord();
        for log in &self.logs {
            for a in log.audits.iter().filter(|a| a.subject.coord() == coord) {
                let subject_match = subjects.iter().any(|s| s == &a.subject);
                let (status, claims, created_at, summary) = match &a.audit {
                    Some(audit) => {
                        if subject_match {
                            counted.push((log.name.as_str(), audit));
                        }
                        (
                            ReviewStatus::Verified,
                            audit.claims.clone(),
                            time_of(audit.created_at),
                            Some(audit.summary.clone()),
                        )
                    }
                    None => (ReviewStatus::Invalid, BTreeMap::new(), None, None),
                };
                reviews.push(Review {
                    log: log.name.clone(),
                    subject: a.subject.to_string(),
                    subject_match,
                    status,
                    auditors: a.auditors.clone(),
                    claims,
                    created_at,
                    summary: summary.filter(|s| !s.is_empty()),
                    problem: a.problem.clone(),
                });
            }
        }
        let requirements = requirements(&self.policy, first, &counted);
        let verdict = match openvet_policy::evaluate(&self.policy, first, &counted) {
            openvet_policy::Verdict::Pass => Verdict::Pass,
            openvet_policy::Verdict::Fail(_) => Verdict::Fail,
            openvet_policy::Verdict::Unaudited => Verdict::Unaudited,
        };
        ReviewCheck { subjects: subjects.iter().map(ToString::to_string).collect(), reviews, requirements, verdict }
    }
}

/// Each effective requirement for `subject`, with the logs that decided it.
fn requirements(policy: &Policy, subject: &Subject, audits: &[(&str, &Audit)]) -> Vec<RequirementOutcome> {
    let mut out = Vec::new();
    for name in openvet_policy::eval::effective_requirements(policy, subject) {
        let Some(req) = policy.requirement(&name) else { continue };
        let mut said_true = Vec::new();
        let mut said_false = Vec::new();
        for (log, audit) in audits {
            let lookup = openvet_policy::eval::claim_lookup(log, audit, &policy.aliases);
            match openvet_policy::expr::evaluate(&req.expr, &lookup) {
                Tri::True => said_true.push((*log).to_string()),
                Tri::False => said_false.push((*log).to_string()),
                Tri::Unknown => {}
            }
        }
        let (status, decided_by) = if !said_false.is_empty() {
            (ReqStatus::Contradicted, said_false)
        } else if !said_true.is_empty() {
            (ReqStatus::Passed, said_true)
        } else {
            (ReqStatus::NotAsserted, Vec::new())
        };
        out.push(RequirementOutcome { name, status, decided_by });
    }
    out
}

fn time_of(secs: u64) -> Option<String> {
    if secs == 0 {
        return None;
    }
    let t = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    t.format(&time::format_description::well_known::Rfc3339).ok()
}
