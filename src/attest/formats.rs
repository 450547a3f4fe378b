//! Wire formats that carry Sigstore bundles: the npm attestations response, `PyPI`'s PEP 740
//! provenance object (whose attestations are converted into bundles), and a plain bundle.

use serde::Serialize;
use serde_json::{Value, json};

use super::{ArtifactDigests, IdentityPolicy, Stage, Subject, Trust, Verdict};

/// One attestation of a package and how it verified.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// `provenance`, `publish`, or `signature`.
    pub kind: String,
    pub verdict: Verdict,
}

/// Verify every attestation of an npm attestations response
/// (`GET /-/npm/v1/attestations/{name}@{version}`): SLSA provenance (certificate-signed,
/// checked against `provenance_policy`) and the npm publish attestation (signed by the
/// registry's key). `subject` is the tarball or its sha512 (`dist.integrity`).
pub fn verify_npm_attestations(
    trust: &Trust,
    response: &[u8],
    purl_name: &str,
    subject: Subject<'_>,
    provenance_policy: &IdentityPolicy,
) -> Result<Vec<Checked>, String> {
    let v: Value = serde_json::from_slice(response).map_err(|e| format!("not an npm attestations response: {e}"))?;
    let list = v["attestations"].as_array().ok_or("the npm attestations response has no `attestations` array")?;
    let digests = ArtifactDigests::default();
    let mut out = Vec::new();
    for a in list {
        let predicate = a["predicateType"].as_str().unwrap_or_default();
        let kind = if predicate.starts_with("https://slsa.dev/provenance/") {
            "provenance"
        } else if predicate == super::statement::NPM_PUBLISH_V01 {
            "publish"
        } else {
            "other"
        };
        let empty = IdentityPolicy::default();
        let policy = if kind == "provenance" { provenance_policy } else { &empty };
        let mut verdict = trust.verify_bundle_value(&a["bundle"], subject, &digests, Some(purl_name), policy);
        if verdict.verified && verdict.predicate_type.as_deref() != Some(predicate) {
            verdict.verified = false;
            verdict.failure = Some(super::StageFailure {
                stage: Stage::Bundle,
                message: format!(
                    "the response says `{predicate}` but the statement is `{}`",
                    verdict.predicate_type.clone().unwrap_or_default()
                ),
            });
        }
        out.push(Checked { kind: kind.into(), verdict });
    }
    Ok(out)
}

/// Convert one PEP 740 attestation object into a Sigstore bundle v0.3.
pub fn pep740_to_bundle(att: &Value) -> Result<Value, String> {
    if att["version"].as_u64() != Some(1) {
        return Err(format!("unsupported PEP 740 attestation version {}", att["version"]));
    }
    let vm = &att["verification_material"];
    let cert = vm["certificate"].as_str().ok_or("the attestation has no certificate")?;
    let entries = vm["transparency_entries"].as_array().ok_or("the attestation has no transparency entries")?;
    let env = &att["envelope"];
    let statement = env["statement"].as_str().ok_or("the attestation has no statement")?;
    let signature = env["signature"].as_str().ok_or("the attestation has no signature")?;
    Ok(json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"certificate": {"rawBytes": cert}, "tlogEntries": entries},
        "dsseEnvelope": {"payload": statement, "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": signature}]}
    }))
}

/// The identity a PEP 740 Trusted Publisher implies for its certificates.
pub fn publisher_policy(publisher: &Value) -> IdentityPolicy {
    match publisher["kind"].as_str() {
        Some("GitHub") => IdentityPolicy {
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            source_repo: publisher["repository"].as_str().map(str::to_string),
            workflow: publisher["workflow"].as_str().map(|w| format!(".github/workflows/{w}")),
            ..IdentityPolicy::default()
        },
        Some("GitLab") => IdentityPolicy {
            issuer: Some("https://gitlab.com".into()),
            source_repo: publisher["repository"].as_str().map(|r| format!("https://gitlab.com/{r}")),
            ..IdentityPolicy::default()
        },
        _ => IdentityPolicy::default(),
    }
}

/// Overlay `extra` onto `base`: fields set in `extra` win.
fn merge(base: IdentityPolicy, extra: &IdentityPolicy) -> IdentityPolicy {
    IdentityPolicy {
        issuer: extra.issuer.clone().or(base.issuer),
        san: extra.san.clone().or(base.san),
        source_repo: extra.source_repo.clone().or(base.source_repo),
        repo_id: extra.repo_id.clone().or(base.repo_id),
        workflow: extra.workflow.clone().or(base.workflow),
        git_ref: extra.git_ref.clone().or(base.git_ref),
        commit: extra.commit.clone().or(base.commit),
        runner_environment: extra.runner_environment.clone().or(base.runner_environment),
        build_trigger: extra.build_trigger.clone().or(base.build_trigger),
    }
}

/// Verify a PEP 740 provenance object (`/integrity/{project}/{version}/{file}/provenance`)
/// or a single attestation object for the distribution `filename`. Each attestation must
/// come from its bundle's Trusted Publisher (and from `policy`, where set).
pub fn verify_pep740(
    trust: &Trust,
    doc: &[u8],
    filename: &str,
    subject: Subject<'_>,
    policy: &IdentityPolicy,
) -> Result<Vec<Checked>, String> {
    let v: Value = serde_json::from_slice(doc).map_err(|e| format!("not a PEP 740 document: {e}"))?;
    let groups: Vec<(Value, Vec<Value>)> = if let Some(bundles) = v["attestation_bundles"].as_array() {
        bundles
            .iter()
            .map(|b| (b["publisher"].clone(), b["attestations"].as_array().cloned().unwrap_or_default()))
            .collect()
    } else if v.get("envelope").is_some() {
        vec![(Value::Null, vec![v.clone()])]
    } else {
        return Err("neither a PEP 740 provenance object nor an attestation object".into());
    };
    let digests = ArtifactDigests::default();
    let mut out = Vec::new();
    for (publisher, atts) in groups {
        let expected = merge(publisher_policy(&publisher), policy);
        for att in atts {
            let verdict = match pep740_to_bundle(&att) {
                Ok(bundle) => trust.verify_bundle_value(&bundle, subject, &digests, Some(filename), &expected),
                Err(e) => Verdict::failed(Stage::Bundle, e),
            };
            out.push(Checked { kind: "provenance".into(), verdict });
        }
    }
    Ok(out)
}
