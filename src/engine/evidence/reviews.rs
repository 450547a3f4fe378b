//! OpenVet review audits: every registry package's artifact, named as an OpenVet subject
//! by its ecosystem, version, file and the digests depgate resolved, is looked up in the
//! run's verified logs, and the project's requirements are evaluated over the audits
//! whose subject hash is the artifact's.
//!
//! The material is the run's [`Database`] (the logs fetched and verified before the run):
//! nothing is fetched per package. Looking up and evaluating is CPU work and runs on the
//! blocking threads like any check.

use std::sync::Arc;

use super::EvidenceKind;
use crate::config::Config;
use crate::engine::model::{Evidence, NotChecked, PackageSource, ReviewEvidence};
use crate::engine::resolve::Resolved;
use crate::reviews::Database;
use crate::upstream::{Lookup, Registry};

/// The review kind, holding the verified logs of the run.
pub struct Reviews {
    db: Arc<Database>,
}

impl Reviews {
    pub fn new(db: Arc<Database>) -> Self {
        Self { db }
    }
}

/// The subjects naming one artifact (one per digest algorithm).
pub struct Job {
    subjects: Vec<openvet_proto::Subject>,
}

impl EvidenceKind for Reviews {
    type Job = Job;
    type Material = ();
    type Outcome = ReviewEvidence;

    fn noun(&self) -> &'static str {
        "reviews"
    }

    fn plan(&self, _config: &Config, p: &Resolved) -> Option<Job> {
        if p.package.source != PackageSource::Registry {
            return None;
        }
        let r = p.resolution.as_ref()?;
        let subjects = crate::reviews::subject::subjects(
            p.package.ecosystem,
            &p.package.name,
            &p.package.version,
            r.file.as_deref(),
            &r.digests,
        );
        Some(Job { subjects })
    }

    async fn fetch<R: Registry>(&self, _registry: &R, _job: &Job) -> Lookup<()> {
        Lookup::Found(())
    }

    fn check(&self, job: Job, _material: Option<()>) -> ReviewEvidence {
        ReviewEvidence::Checked(self.db.check(&job.subjects))
    }

    fn not_planned(&self) -> ReviewEvidence {
        ReviewEvidence::NotChecked { reason: NotChecked::NotRegistry }
    }

    fn check_died(&self) -> ReviewEvidence {
        ReviewEvidence::NotChecked { reason: NotChecked::Failed }
    }

    fn contribute(outcome: ReviewEvidence, evidence: &mut Evidence) {
        evidence.reviews = outcome;
    }
}
