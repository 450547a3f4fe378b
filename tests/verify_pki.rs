//! Verification against a Sigstore PKI the test makes itself (`support::test_pki`): one
//! signing that verifies end to end, then one fault per verification stage, each of
//! which must fail *and* be attributed to the stage that caught it.

mod support;

use depgate::attest::{IdentityPolicy, SanMatch, Stage, Subject, Trust, Verdict};
use sha2::{Digest as _, Sha256};
use support::test_pki::{Fault, GIT_REF, ISSUER, Pki, REPO, Signed, Spec, T0, WORKFLOW};

const ARTIFACT: &[u8] = b"widget-1.0.0.tgz: the bytes that were signed\n";

fn trust(signed: &Signed) -> Trust {
    let mut trust = Trust::empty();
    trust.add_root_json("depgate-test-pki", &signed.trusted_root_json).expect("the generated trusted root loads");
    trust
}

fn verify(signed: &Signed, artifact: &[u8]) -> Verdict {
    trust(signed).verify_bundle(&signed.bundle_json, Subject::Bytes(artifact), None, &IdentityPolicy::default())
}

fn sign(spec: &Spec) -> Signed {
    Pki::new().sign(spec)
}

fn with_fault(fault: Fault) -> Spec {
    Spec { fault, ..Spec::new(ARTIFACT) }
}

/// The verdict failed at `stage`, with a message that says why (`needle`).
#[track_caller]
fn assert_fails_at(v: &Verdict, stage: Stage, needle: &str) {
    assert!(!v.verified, "verified, expected a failure at {stage:?}: {v:#?}");
    let failure = v.failure.as_ref().expect("a failed verdict names its failure");
    println!("{:?}: {}", failure.stage, failure.message);
    assert_eq!(failure.stage, stage, "attributed to the wrong stage: {}", failure.message);
    assert!(
        failure.message.to_lowercase().contains(&needle.to_lowercase()),
        "failure message `{}` does not mention `{needle}`",
        failure.message
    );
}

fn github_policy() -> IdentityPolicy {
    IdentityPolicy {
        issuer: Some(ISSUER.into()),
        san: Some(SanMatch::Exact(WORKFLOW.into())),
        source_repo: Some("depgate-test/widget".into()),
        workflow: Some(".github/workflows/release.yml".into()),
        git_ref: Some(GIT_REF.into()),
        ..IdentityPolicy::default()
    }
}

#[test]
fn generated_message_signature_verifies_through_every_stage() {
    let signed = sign(&Spec::new(ARTIFACT));
    let v = verify(&signed, ARTIFACT);
    assert!(v.verified, "{:?}", v.failure);
    assert_eq!(v.content, "message_signature");
    assert_eq!(
        v.stages,
        [
            Stage::Bundle,
            Stage::TrustRoot,
            Stage::Certificate,
            Stage::Sct,
            Stage::TransparencyLog,
            Stage::Timestamp,
            Stage::Signature,
            Stage::Subject
        ]
    );
    assert_eq!(v.trust_root.as_deref(), Some("depgate-test-pki"));
    assert_eq!(v.integrated_time.as_deref(), Some("2025-06-01T12:01:00Z"));
    // The Fulcio extensions are read back as the identity.
    assert_eq!(v.identity.issuer.as_deref(), Some(ISSUER));
    assert_eq!(v.identity.san.as_deref(), Some(WORKFLOW));
    assert_eq!(v.identity.source_repo.as_deref(), Some(REPO));
    assert_eq!(v.identity.workflow.as_deref(), Some(WORKFLOW));
    assert_eq!(v.identity.git_ref.as_deref(), Some(GIT_REF));

    // With an identity policy that matches, and from the digest alone.
    let t = trust(&signed);
    let v = t.verify_bundle(&signed.bundle_json, Subject::Bytes(ARTIFACT), None, &github_policy());
    assert!(v.verified, "{:?}", v.failure);
    assert_eq!(v.stages.last(), Some(&Stage::Identity));
    let digest: [u8; 32] = Sha256::digest(ARTIFACT).into();
    let v = t.verify_bundle(&signed.bundle_json, Subject::Sha256(&digest), None, &github_policy());
    assert!(v.verified, "{:?}", v.failure);

    // Another repository's policy: everything verifies but the identity.
    let wrong = IdentityPolicy { source_repo: Some("evil/widget".into()), ..IdentityPolicy::default() };
    let v = t.verify_bundle(&signed.bundle_json, Subject::Bytes(ARTIFACT), None, &wrong);
    assert_fails_at(&v, Stage::Identity, "source repository");
}

#[test]
fn generated_dsse_attestation_verifies() {
    let signed = sign(&Spec { dsse: true, ..Spec::new(ARTIFACT) });
    let t = trust(&signed);
    let v =
        t.verify_bundle(&signed.bundle_json, Subject::Bytes(ARTIFACT), Some("pkg:npm/widget@1.0.0"), &github_policy());
    assert!(v.verified, "{:?}", v.failure);
    assert_eq!(v.content, "dsse");
    assert_eq!(v.predicate_type.as_deref(), Some("https://slsa.dev/provenance/v1"));
    assert!(v.stages.contains(&Stage::TransparencyLog) && v.stages.contains(&Stage::Sct));
    // The right bytes under another name, and other bytes under the right name.
    let v =
        t.verify_bundle(&signed.bundle_json, Subject::Bytes(ARTIFACT), Some("pkg:npm/other@1.0.0"), &github_policy());
    assert_fails_at(&v, Stage::Subject, "not `pkg:npm/other@1.0.0`");
    let v =
        t.verify_bundle(&signed.bundle_json, Subject::Bytes(b"other"), Some("pkg:npm/widget@1.0.0"), &github_policy());
    assert_fails_at(&v, Stage::Subject, "artifact mismatch");
}

#[test]
fn expired_certificate_fails_at_certificate() {
    // Logged (the only verified signing time) after the leaf's notAfter.
    let spec = Spec { integrated_time: T0 + 600 + 60, ..Spec::new(ARTIFACT) };
    assert_fails_at(&verify(&sign(&spec), ARTIFACT), Stage::Certificate, "expired");
}

#[test]
fn certificate_from_an_untrusted_ca_fails_at_certificate() {
    let v = verify(&sign(&with_fault(Fault::UntrustedCa)), ARTIFACT);
    assert_fails_at(&v, Stage::Certificate, "UnknownIssuer");
}

#[test]
fn ca_outside_its_trusted_window_fails_at_certificate() {
    // The CA is known but the trusted root says it stopped issuing before the signing.
    let spec = Spec { ca_valid_until: Some(T0 - 1), ..Spec::new(ARTIFACT) };
    assert_fails_at(&verify(&sign(&spec), ARTIFACT), Stage::TrustRoot, "no trusted certificate authority");
}

#[test]
fn forged_sct_fails_at_sct() {
    let v = verify(&sign(&with_fault(Fault::ForgedSct)), ARTIFACT);
    assert_fails_at(&v, Stage::Sct, "SCT signature verification failed");
}

#[test]
fn corrupted_inclusion_proof_fails_at_transparency_log() {
    let v = verify(&sign(&with_fault(Fault::CorruptInclusionProof)), ARTIFACT);
    assert_fails_at(&v, Stage::TransparencyLog, "invalid inclusion proof");
}

#[test]
fn checkpoint_signed_by_another_key_fails_at_transparency_log() {
    let v = verify(&sign(&with_fault(Fault::ForgedCheckpoint)), ARTIFACT);
    assert_fails_at(&v, Stage::TransparencyLog, "no valid Rekor signature found on checkpoint");
}

#[test]
fn set_time_outside_certificate_validity_fails() {
    // A genuine SET whose integrated time precedes the leaf's notBefore. The SET-verified
    // time is the time the chain is validated at, so the certificate check catches it
    // (not yet valid) before the transparency-log time check would.
    let spec = Spec { integrated_time: T0 - 60, ..Spec::new(ARTIFACT) };
    assert_fails_at(&verify(&sign(&spec), ARTIFACT), Stage::Certificate, "NotValidYet");

    // A backdated integratedTime the log never signed: the SET no longer verifies.
    let v = verify(&sign(&with_fault(Fault::TamperedSetTime)), ARTIFACT);
    assert_fails_at(&v, Stage::TransparencyLog, "invalid inclusion promise");

    // A SET from the future.
    let future = jiff::Timestamp::now().as_second() + 86_400;
    let spec =
        Spec { not_before: future - 60, not_after: future + 600, integrated_time: future, ..Spec::new(ARTIFACT) };
    assert_fails_at(&verify(&sign(&spec), ARTIFACT), Stage::TransparencyLog, "in the future");
}

#[test]
fn another_artifact_fails_at_subject() {
    let signed = sign(&Spec::new(ARTIFACT));
    let mut other = ARTIFACT.to_vec();
    other[3] ^= 1;
    assert_fails_at(&verify(&signed, &other), Stage::Subject, "message digest in bundle does not match");
    let digest: [u8; 32] = Sha256::digest(&other).into();
    let v =
        trust(&signed).verify_bundle(&signed.bundle_json, Subject::Sha256(&digest), None, &IdentityPolicy::default());
    assert_fails_at(&v, Stage::Subject, "artifact mismatch");
}

#[test]
fn bundle_from_another_instance_fails() {
    // A signing by one test instance against another instance's trusted root: nothing
    // in it is trusted. The SET is checked first (it is what dates the signature).
    let signed = sign(&Spec::new(ARTIFACT));
    let stranger = sign(&Spec::new(ARTIFACT));
    let v =
        trust(&stranger).verify_bundle(&signed.bundle_json, Subject::Bytes(ARTIFACT), None, &IdentityPolicy::default());
    assert_fails_at(&v, Stage::TransparencyLog, "no log key valid");
}
