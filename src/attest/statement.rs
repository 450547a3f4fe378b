//! In-toto statements inside DSSE envelopes, and the predicates depgate reads: SLSA
//! provenance v0.2 and v1, the npm publish attestation, the `PyPI` publish/v1 predicate.
//! Neither Sigstore library interprets predicates; depgate decodes them and hands a
//! summary to policy.

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
pub const NPM_PUBLISH_V01: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";
pub const PYPI_PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";

/// What a statement says, as far as policy needs it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StatementSummary {
    pub statement_type: String,
    pub predicate_type: String,
    /// `(name, algorithm, hex digest)` of each subject.
    pub subjects: Vec<(String, String, String)>,
    /// SLSA: the builder id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builder_id: Option<String>,
    /// SLSA: the build type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_type: Option<String>,
    /// SLSA: the source repository the build says it used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_uri: Option<String>,
    /// SLSA: the source commit the build says it used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_digest: Option<String>,
}

/// Decode an in-toto statement from DSSE payload bytes.
pub fn parse_statement(payload: &[u8]) -> Result<StatementSummary, String> {
    let v: Value = serde_json::from_slice(payload)
        .map_err(|e| format!("the DSSE payload is not a JSON in-toto statement: {e}"))?;
    let statement_type = v["_type"].as_str().unwrap_or_default().to_string();
    if !matches!(statement_type.as_str(), "https://in-toto.io/Statement/v0.1" | "https://in-toto.io/Statement/v1") {
        return Err(format!("unsupported in-toto statement type `{statement_type}`"));
    }
    let predicate_type = v["predicateType"].as_str().unwrap_or_default().to_string();
    let mut subjects = Vec::new();
    for s in v["subject"].as_array().into_iter().flatten() {
        let name = s["name"].as_str().unwrap_or_default().to_string();
        for (algo, digest) in s["digest"].as_object().into_iter().flatten() {
            if let Some(d) = digest.as_str() {
                subjects.push((name.clone(), algo.clone(), d.to_ascii_lowercase()));
            }
        }
    }
    let p = &v["predicate"];
    let mut out = StatementSummary { statement_type, predicate_type, subjects, ..StatementSummary::default() };
    match out.predicate_type.as_str() {
        SLSA_V02 => {
            out.builder_id = p["builder"]["id"].as_str().map(str::to_string);
            out.build_type = p["buildType"].as_str().map(str::to_string);
            out.source_uri = p["invocation"]["configSource"]["uri"].as_str().map(str::to_string);
            out.source_digest = p["invocation"]["configSource"]["digest"]["sha1"].as_str().map(str::to_string);
        }
        SLSA_V1 => {
            out.builder_id = p["runDetails"]["builder"]["id"].as_str().map(str::to_string);
            out.build_type = p["buildDefinition"]["buildType"].as_str().map(str::to_string);
            let deps = p["buildDefinition"]["resolvedDependencies"].as_array();
            if let Some(first) = deps.and_then(|d| d.first()) {
                out.source_uri = first["uri"].as_str().map(str::to_string);
                out.source_digest = first["digest"]["gitCommit"].as_str().map(str::to_string);
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Decode the DSSE payload of a bundle JSON value (`dsseEnvelope.payload`, base64).
pub fn dsse_payload(bundle: &Value) -> Option<Vec<u8>> {
    let b64 = bundle["dsseEnvelope"]["payload"].as_str()?;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slsa_v1_summary() {
        let st = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "pkg:npm/x@1.0.0", "digest": {"sha512": "AB"}}],
            "predicateType": SLSA_V1,
            "predicate": {"buildDefinition": {"buildType": "bt", "resolvedDependencies": [{"uri": "git+https://github.com/o/r@refs/tags/v1", "digest": {"gitCommit": "c0ffee"}}]},
                          "runDetails": {"builder": {"id": "https://github.com/actions/runner"}}}
        });
        let s = parse_statement(st.to_string().as_bytes()).unwrap();
        assert_eq!(s.subjects, vec![("pkg:npm/x@1.0.0".into(), "sha512".into(), "ab".into())]);
        assert_eq!(s.source_digest.as_deref(), Some("c0ffee"));
        assert_eq!(s.builder_id.as_deref(), Some("https://github.com/actions/runner"));
        assert!(parse_statement(b"{\"_type\":\"nope\"}").is_err());
        assert!(parse_statement(b"not json").is_err());
    }
}
