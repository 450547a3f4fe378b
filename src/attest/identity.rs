//! Who signed: the identity in a Fulcio certificate (SAN, OIDC issuer, the CI claims
//! under OID arc 1.3.6.1.4.1.57264.1) or the key that signed, and the policy that says
//! which identities are expected.

use serde::Serialize;
use sigstore_verify::crypto::CertificateInfo;

/// The signer of one attestation.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Identity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub san: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_id: Option<String>,
    /// The build configuration that ran (e.g. `https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner_environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_trigger: Option<String>,
    /// For key-signed attestations: the key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// For OpenPGP signatures: the signer's primary key fingerprint (the identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// For OpenPGP signatures: the signer key's user ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl Identity {
    /// The identity a certificate states. Certificates Fulcio issued before the current
    /// extensions (2023 and earlier) carry only the deprecated GitHub ones (`.1.2`–`.1.6`);
    /// those are read where the current ones are absent, and for GitHub Actions the
    /// workflow is the SAN itself (`https://github.com/o/r/.github/workflows/x.yml@ref`).
    pub fn from_certificate(c: &CertificateInfo) -> Self {
        let claims = &c.ci_claims;
        let old = &claims.deprecated_github;
        let san = c.identity.as_ref().map(ToString::to_string);
        let github_actions = c.issuer.as_deref() == Some("https://token.actions.githubusercontent.com");
        Identity {
            issuer: c.issuer.clone(),
            source_repo: claims
                .source_repository_uri
                .clone()
                .or_else(|| old.workflow_repository.as_ref().map(|r| format!("https://github.com/{r}"))),
            repo_id: claims.source_repository_identifier.clone(),
            workflow: claims.build_config_uri.clone().or_else(|| san.clone().filter(|_| github_actions)),
            git_ref: claims.source_repository_ref.clone().or_else(|| old.workflow_ref.clone()),
            commit: claims.source_repository_digest.clone().or_else(|| old.workflow_sha.clone()),
            runner_environment: claims.runner_environment.clone(),
            build_trigger: claims.build_trigger.clone().or_else(|| old.workflow_trigger.clone()),
            key_id: None,
            fingerprint: None,
            user_id: None,
            san,
        }
    }

    /// The identity a DER certificate states: [`Identity::from_certificate`] over the
    /// certificate as `sigstore-verify` parses it. An entry point for bytes from outside
    /// (the fuzz targets feed it).
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, String> {
        let cert = sigstore_verify::types::DerCertificate::from_bytes(der);
        let info = sigstore_verify::crypto::x509::parse_certificate_info(&cert).map_err(|e| e.to_string())?;
        Ok(Identity::from_certificate(&info))
    }
}

/// How a SAN must look.
#[derive(Debug, Clone)]
pub enum SanMatch {
    Exact(String),
    Regex(regex::Regex),
}

/// The identities an attestation may come from. Every field that is set must match;
/// an empty policy accepts any identity the trust roots vouch for.
#[derive(Debug, Clone, Default)]
pub struct IdentityPolicy {
    pub issuer: Option<String>,
    pub san: Option<SanMatch>,
    /// A repository URL or `owner/repo` (GitHub assumed).
    pub source_repo: Option<String>,
    pub repo_id: Option<String>,
    /// A workflow path (`.github/workflows/release.yml`), file name, or full build-config URI.
    pub workflow: Option<String>,
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    pub runner_environment: Option<String>,
    pub build_trigger: Option<String>,
}

fn normalize_repo(r: &str) -> String {
    let r = r.trim_end_matches('/').trim_end_matches(".git");
    let r = r.strip_prefix("git+").unwrap_or(r);
    if r.contains("://") { r.to_ascii_lowercase() } else { format!("https://github.com/{}", r.to_ascii_lowercase()) }
}

/// Does the build-config URI name this workflow?
fn workflow_matches(expected: &str, actual: &str) -> bool {
    if expected.contains("://") {
        return expected == actual;
    }
    let path = actual.split('@').next().unwrap_or(actual);
    path.ends_with(&format!("/{}", expected.trim_start_matches('/')))
}

impl IdentityPolicy {
    pub fn is_empty(&self) -> bool {
        self.issuer.is_none()
            && self.san.is_none()
            && self.source_repo.is_none()
            && self.repo_id.is_none()
            && self.workflow.is_none()
            && self.git_ref.is_none()
            && self.commit.is_none()
            && self.runner_environment.is_none()
            && self.build_trigger.is_none()
    }

    /// `Ok` when `id` satisfies every constraint, else what differs.
    pub fn check(&self, id: &Identity) -> Result<(), String> {
        let mut problems = Vec::new();
        let mut want = |what: &str, expected: &str, actual: Option<&String>, ok: &dyn Fn(&str) -> bool| match actual {
            Some(a) if ok(a) => {}
            Some(a) => problems.push(format!("{what} is `{a}`, expected `{expected}`")),
            None => problems.push(format!("{what} is absent, expected `{expected}`")),
        };
        if let Some(e) = &self.issuer {
            want("OIDC issuer", e, id.issuer.as_ref(), &|a| a == e);
        }
        match &self.san {
            Some(SanMatch::Exact(e)) => want("certificate identity", e, id.san.as_ref(), &|a| a == e),
            Some(SanMatch::Regex(r)) => want("certificate identity", r.as_str(), id.san.as_ref(), &|a| r.is_match(a)),
            None => {}
        }
        if let Some(e) = &self.source_repo {
            let expected = normalize_repo(e);
            want("source repository", &expected, id.source_repo.as_ref(), &|a| normalize_repo(a) == expected);
        }
        if let Some(e) = &self.repo_id {
            want("repository id", e, id.repo_id.as_ref(), &|a| a == e);
        }
        if let Some(e) = &self.workflow {
            want("workflow", e, id.workflow.as_ref(), &|a| workflow_matches(e, a));
        }
        if let Some(e) = &self.git_ref {
            want("ref", e, id.git_ref.as_ref(), &|a| a == e);
        }
        if let Some(e) = &self.commit {
            want("commit", e, id.commit.as_ref(), &|a| a.eq_ignore_ascii_case(e));
        }
        if let Some(e) = &self.runner_environment {
            want("runner environment", e, id.runner_environment.as_ref(), &|a| a == e);
        }
        if let Some(e) = &self.build_trigger {
            want("build trigger", e, id.build_trigger.as_ref(), &|a| a == e);
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> Identity {
        Identity {
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            san: Some("https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main".into()),
            source_repo: Some("https://github.com/sigstore/sigstore-js".into()),
            workflow: Some(
                "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main".into(),
            ),
            git_ref: Some("refs/heads/main".into()),
            ..Identity::default()
        }
    }

    #[test]
    fn matches_and_mismatches() {
        let ok = IdentityPolicy {
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            san: Some(SanMatch::Regex(regex::Regex::new("^https://github.com/sigstore/").unwrap())),
            source_repo: Some("sigstore/sigstore-js".into()),
            workflow: Some(".github/workflows/release.yml".into()),
            git_ref: Some("refs/heads/main".into()),
            ..IdentityPolicy::default()
        };
        assert_eq!(ok.check(&id()), Ok(()));
        let wrong_repo = IdentityPolicy { source_repo: Some("evil/sigstore-js".into()), ..IdentityPolicy::default() };
        assert!(wrong_repo.check(&id()).unwrap_err().contains("source repository"));
        let wrong_wf = IdentityPolicy { workflow: Some("publish.yml".into()), ..IdentityPolicy::default() };
        assert!(wrong_wf.check(&id()).is_err());
        let absent = IdentityPolicy { commit: Some("abc".into()), ..IdentityPolicy::default() };
        assert!(absent.check(&id()).unwrap_err().contains("absent"));
    }
}
