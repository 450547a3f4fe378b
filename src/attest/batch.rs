//! Many bundles at once: a batch split across threads, each bundle checked in full on
//! its own (nothing one bundle proved is taken as proved for another). Verification is
//! CPU-bound (a handful of ECDSA verifications per bundle) and shares nothing mutable, so
//! threads scale it near-linearly.

use super::{IdentityPolicy, Subject, Trust, Verdict};

/// One bundle of a batch: the arguments of [`Trust::verify_bundle`].
#[derive(Debug, Clone, Copy)]
pub struct BundleJob<'a> {
    /// The bundle (JSON text).
    pub bundle_json: &'a str,
    pub subject: Subject<'a>,
    /// The statement subject's expected name (DSSE only).
    pub subject_name: Option<&'a str>,
    pub policy: &'a IdentityPolicy,
}

impl Trust {
    /// Verify every bundle of `jobs` on `threads` threads (1: on this thread; e.g.
    /// `std::thread::available_parallelism()`). The verdicts come back in the order of
    /// `jobs`, each as [`Trust::verify_bundle`] gives it.
    pub fn verify_batch(&self, jobs: &[BundleJob<'_>], threads: usize) -> Vec<Verdict> {
        let one = |j: &BundleJob<'_>| self.verify_bundle(j.bundle_json, j.subject, j.subject_name, j.policy);
        let threads = threads.clamp(1, jobs.len().max(1));
        if threads == 1 {
            return jobs.iter().map(one).collect();
        }
        let per = jobs.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> =
                jobs.chunks(per).map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>())).collect();
            // A panicking share is re-raised here: a verdict is never made up for it.
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_on_two_threads_gives_each_job_its_own_verdict_in_order() {
        let trust = Trust::embedded().unwrap();
        let policy = IdentityPolicy::default();
        let texts = [
            "{",
            "[]",
            "null",
            "{\"mediaType\": 1}",
            "{\"mediaType\": \"application/vnd.dev.sigstore.bundle.v0.3+json\"}",
        ];
        let jobs: Vec<BundleJob<'_>> = texts
            .iter()
            .map(|t| BundleJob { bundle_json: t, subject: Subject::Bytes(b"x"), subject_name: None, policy: &policy })
            .collect();
        let alone: Vec<_> = texts.iter().map(|t| trust.verify_bundle(t, Subject::Bytes(b"x"), None, &policy)).collect();
        for threads in [1, 2, 8] {
            let batch = trust.verify_batch(&jobs, threads);
            assert_eq!(batch.len(), texts.len());
            for (b, a) in batch.iter().zip(&alone) {
                assert!(!b.verified && b.failure.is_some());
                assert_eq!(b.failure, a.failure);
            }
        }
        assert!(trust.verify_batch(&[], 2).is_empty());
    }
}
