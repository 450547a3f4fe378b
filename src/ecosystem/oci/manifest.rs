//! Registry wire types: image manifests and indexes (OCI and Docker media types), the
//! platform an index is resolved to, and an image config's creation time. Pure: bytes in,
//! values out.

use serde::Deserialize;

/// Every manifest media type depgate asks a registry for, as one `Accept` value.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// The platform an index resolves to when the reference names none (what a CI runner pulls).
pub const DEFAULT_PLATFORM: &str = "linux/amd64";

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
}

/// A content descriptor (`mediaType`, `digest`, `size`, `platform`).
#[derive(Debug, Clone, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// A manifest as the registry served it.
#[derive(Debug, Clone)]
pub enum Manifest {
    /// An index / manifest list: one manifest per platform (and attestation manifests).
    Index(Vec<Descriptor>),
    /// One image: its config blob.
    Image { config: Descriptor },
}

/// Parse a manifest or index.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))?;
    if let Some(m) = raw.manifests {
        return Ok(Manifest::Index(m));
    }
    match raw.config {
        Some(config) => Ok(Manifest::Image { config }),
        None => Err(format!(
            "a manifest of media type {} with neither `manifests` nor `config`",
            raw.media_type.as_deref().unwrap_or("(none)")
        )),
    }
}

/// The descriptor of `platform` (`os/arch[/variant]`) in an index, if it has one.
pub fn select_platform<'a>(entries: &'a [Descriptor], platform: &str) -> Option<&'a Descriptor> {
    let mut parts = platform.split('/');
    let (os, arch, variant) = (parts.next()?, parts.next()?, parts.next());
    entries.iter().find(|d| {
        d.platform.as_ref().is_some_and(|p| {
            p.os == os && p.architecture == arch && variant.is_none_or(|v| p.variant.as_deref() == Some(v))
        })
    })
}

/// cosign's simple-signing layer media type and its annotations: the signature, and for
/// a keyless signature the Fulcio certificate, its chain and the Rekor inclusion promise.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
const REKOR_BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// The artifact type of a cosign signature manifest found through the referrers API.
pub const COSIGN_SIG_ARTIFACT: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// Sigstore bundles attached as referrers (cosign v3, `--new-bundle-format`): the
/// artifact type and the layer media type share this prefix (`….v0.3+json`).
pub const SIGSTORE_BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// The empty descriptor's type: cosign writes it as the artifact type of the entries of
/// the referrers tag (`sha256-<hex>`) it keeps where the registry has no referrers API.
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The layer media type of a `cosign attest` DSSE envelope.
const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// At most this many referrers of one image are read (a registry could list thousands).
pub const MAX_REFERRERS: usize = 32;

/// One simple-signing layer of a cosign signature manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigLayer {
    /// The layer's digest: its blob is the signed payload.
    pub digest: String,
    /// The signature (base64).
    pub signature: String,
    /// Keyless: the signing certificate (PEM), its chain (PEM) and the Rekor bundle
    /// annotation (JSON: the SET and the logged entry).
    pub certificate: Option<String>,
    pub chain: Option<String>,
    pub rekor_bundle: Option<String>,
}

#[derive(Deserialize)]
struct Layer {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct SigManifest {
    #[serde(default)]
    layers: Vec<Layer>,
}

/// The simple-signing layers of a cosign signature manifest.
pub fn signature_layers(bytes: &[u8]) -> Result<Vec<SigLayer>, String> {
    let m: SigManifest = serde_json::from_slice(bytes).map_err(|e| format!("not a signature manifest: {e}"))?;
    Ok(m.layers
        .into_iter()
        .filter(|l| l.media_type == SIMPLE_SIGNING)
        .filter_map(|mut l| {
            let signature = l.annotations.remove(SIGNATURE_ANNOTATION)?;
            Some(SigLayer {
                digest: l.digest,
                signature,
                certificate: l.annotations.remove(CERTIFICATE_ANNOTATION).filter(|c| !c.is_empty()),
                chain: l.annotations.remove(CHAIN_ANNOTATION).filter(|c| !c.is_empty()),
                rekor_bundle: l.annotations.remove(REKOR_BUNDLE_ANNOTATION).filter(|c| !c.is_empty()),
            })
        })
        .collect())
}

/// The DSSE envelope layers (`cosign attest`) of a `.att` manifest signed with a key:
/// layers that carry a certificate (keyless) are left out, since depgate does not check
/// keyless `.att` attestations (bundles attached as referrers are checked instead).
pub fn attestation_layers(bytes: &[u8]) -> Vec<String> {
    serde_json::from_slice::<SigManifest>(bytes)
        .map(|m| {
            m.layers
                .into_iter()
                .filter(|l| l.media_type == DSSE_ENVELOPE && !l.annotations.contains_key(CERTIFICATE_ANNOTATION))
                .map(|l| l.digest)
                .collect()
        })
        .unwrap_or_default()
}

/// The Sigstore bundle layers of a referrer manifest (their blobs are bundle JSON).
pub fn bundle_layers(bytes: &[u8]) -> Vec<String> {
    serde_json::from_slice::<SigManifest>(bytes)
        .map(|m| {
            m.layers
                .into_iter()
                .filter(|l| l.media_type.starts_with(SIGSTORE_BUNDLE_PREFIX))
                .map(|l| l.digest)
                .collect()
        })
        .unwrap_or_default()
}

/// The manifests of a referrers index (OCI 1.1, or the `sha256-<hex>` tag that stands in
/// for it) that may hold a cosign signature or a Sigstore bundle, at most
/// [`MAX_REFERRERS`]; SBOMs and other artifact types are not read.
pub fn signature_referrers(bytes: &[u8]) -> Vec<String> {
    #[derive(Deserialize)]
    struct Entry {
        digest: String,
        #[serde(rename = "artifactType", default)]
        artifact_type: String,
    }
    #[derive(Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Vec<Entry>,
    }
    serde_json::from_slice::<Index>(bytes)
        .map(|i| {
            i.manifests
                .into_iter()
                .filter(|e| {
                    e.artifact_type == COSIGN_SIG_ARTIFACT
                        || e.artifact_type.starts_with(SIGSTORE_BUNDLE_PREFIX)
                        || e.artifact_type == OCI_EMPTY
                })
                .map(|e| e.digest)
                .take(MAX_REFERRERS)
                .collect()
        })
        .unwrap_or_default()
}

/// The `created` time of an image config (RFC 3339), if it records one.
pub fn config_created(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Config {
        created: Option<String>,
    }
    serde_json::from_slice::<Config>(bytes).ok()?.created
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Whether `bytes` hash to `digest` (`sha256:` or `sha512:`).
pub fn digest_matches(digest: &str, bytes: &[u8]) -> bool {
    use sha2::Digest as _;
    match digest.split_once(':') {
        Some(("sha256", h)) => hex::encode(sha2::Sha256::digest(bytes)) == h,
        Some(("sha512", h)) => hex::encode(sha2::Sha512::digest(bytes)) == h,
        _ => false,
    }
}

/// A `WWW-Authenticate` challenge: its scheme and parameters (`realm`, `service`, `scope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

/// Parse `Bearer realm="https://auth.example/token",service="registry",scope="repository:x:pull"`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"')?;
            (&q[..end], &q[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        params.push((key.trim().to_string(), value.to_string()));
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge { scheme: scheme.to_string(), params })
}

/// The token of a registry token server's answer (`token`, else `access_token`).
pub fn token_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct T {
        token: Option<String>,
        access_token: Option<String>,
    }
    let t: T = serde_json::from_slice(bytes).ok()?;
    t.token.or(t.access_token).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "Bearer");
        assert_eq!(c.param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c.param("scope"), Some("repository:library/nginx:pull"));
        let b = parse_challenge(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!((b.scheme.as_str(), b.param("realm")), ("Basic", Some("Registry Realm")));
    }

    #[test]
    fn index_platforms() {
        let idx = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1,"platform":{"os":"linux","architecture":"amd64"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}"#;
        let Manifest::Index(m) = parse_manifest(idx).unwrap() else { panic!("an index") };
        assert_eq!(select_platform(&m, "linux/arm64").unwrap().digest, "sha256:bb");
        assert_eq!(select_platform(&m, "linux/arm64/v8").unwrap().digest, "sha256:bb");
        assert!(select_platform(&m, "linux/s390x").is_none());
        assert!(parse_manifest(b"{}").is_err());
        assert_eq!(config_created(br#"{"created":"2024-01-02T03:04:05Z"}"#).as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(token_of(br#"{"access_token":"t"}"#).as_deref(), Some("t"));
    }
}
