//! Container registries: the OCI distribution API (v2) as an upstream kind. The first
//! upstream of the chain that has the *repository* owns it; each wanted tag is resolved to
//! its manifest digest (HEAD), a pinned digest is asked whether the owner serves it, and
//! where the cooldown applies the image's creation time is read from its config blob
//! (through the index entry of the wanted platform). Token auth as registries do it:
//! anonymous, or `Basic` credentials exchanged for a bearer token at the realm a
//! `WWW-Authenticate` challenge names.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::body::BodyKind;
use super::http::{self, Extra, Got, Verb};
use super::{FailKind, Failure, Lookup, Upstreams, Want};
use crate::config::{AuthScheme, Location, Upstream};
use crate::ecosystem::index::{DistFile, PackageIndex, Release};
use crate::ecosystem::oci::manifest::{
    self, ACCEPT, DEFAULT_PLATFORM, Manifest, digest_matches, parse_challenge, select_platform, token_of,
};
use crate::redact::redact_url;

const DIGEST_HEADER: &str = "docker-content-digest";

/// What `upstream` says about the image repository `name` (`docker.io/library/nginx`).
pub(super) async fn index(ups: &Upstreams, upstream: &Upstream, name: &str, want: &Want) -> Lookup<Arc<PackageIndex>> {
    let Some((registry, path)) = name.split_once('/') else {
        return Lookup::Failed(http::invalid(format!("`{name}` is not an image repository (registry/path)")));
    };
    // An upstream serves one registry's names; it is not asked for another's.
    if upstream.image_registry.as_deref() != Some(registry) {
        return Lookup::NotFound;
    }
    let Location::Url(base) = &upstream.location else {
        return Lookup::Failed(http::invalid(format!("upstream `{}` has no URL", upstream.name)));
    };
    let prefix = base.path().trim_matches('/');
    let repo = if prefix.is_empty() { path.to_string() } else { format!("{prefix}/{path}") };
    let mut s = Session { ups, upstream, base: base.clone(), repo, token: None };
    // Ownership: the repository exists here.
    match s.send("tags/list?n=1", "application/json", Verb::Get).await {
        Ok(Some(_)) => {}
        Ok(None) => return Lookup::NotFound,
        Err(f) => return Lookup::Failed(f),
    }
    let mut versions = BTreeMap::new();
    for w in &want.artifacts {
        match s.release(w, want.full).await {
            Ok(Some(r)) => {
                versions.insert(crate::ecosystem::oci::release_key(&w.version, w.platform.as_deref()), r);
            }
            Ok(None) => {}
            Err(f) => return Lookup::Failed(f),
        }
    }
    Lookup::Found(Arc::new(PackageIndex {
        name: name.to_string(),
        latest: None,
        versions,
        has_times: want.full,
        raw: None,
    }))
}

/// The cosign signatures of the image `digest` in repository `name` at `upstream`: the
/// referrers found through the OCI 1.1 referrers API, else the referrers tag
/// (`sha256-<hex>`) that stands in for it, else cosign's `sha256-<hex>.sig` tag; and the
/// key-signed DSSE envelopes of the `sha256-<hex>.att` tag. Each
/// simple-signing layer's payload (checked against its digest) with its annotations, and
/// each Sigstore bundle layer's JSON, as the JSON `attest::cosign::ImageSignatures`.
/// `NotFound`: the image has no signature here.
pub(super) async fn signatures(ups: &Upstreams, upstream: &Upstream, name: &str, digest: &str) -> Lookup<Vec<u8>> {
    use crate::attest::cosign::{ImageSignature, ImageSignatures};
    let Some((_, path)) = name.split_once('/') else { return Lookup::NotFound };
    let Location::Url(base) = &upstream.location else { return Lookup::NotFound };
    let prefix = base.path().trim_matches('/');
    let repo = if prefix.is_empty() { path.to_string() } else { format!("{prefix}/{path}") };
    let mut s = Session { ups, upstream, base: base.clone(), repo, token: None };
    let tag = digest.replacen(':', "-", 1);
    let run = async {
        let mut manifests = Vec::new();
        // OCI 1.1 referrers (a registry without the API answers 404), else the tag schema.
        let mut index =
            s.send(&format!("referrers/{digest}"), "application/vnd.oci.image.index.v1+json", Verb::Get).await?;
        if index.is_none() {
            index = s.send(&format!("manifests/{tag}"), "application/vnd.oci.image.index.v1+json", Verb::Get).await?;
        }
        if let Some(a) = index {
            for d in manifest::signature_referrers(&a.body) {
                manifests.push(s.get_verified(&format!("manifests/{d}"), &d).await?);
            }
        }
        let mut out = ImageSignatures::default();
        let mut layers = Vec::new();
        for m in &manifests {
            layers.extend(manifest::signature_layers(m).unwrap_or_default());
            for layer in manifest::bundle_layers(m) {
                let bytes = s.get_verified(&format!("blobs/{layer}"), &layer).await?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| http::invalid(format!("{name}@{digest}: bundle {layer} is not UTF-8 JSON")))?;
                out.bundles.push(text);
            }
        }
        if layers.is_empty()
            && let Some(a) = s.send(&format!("manifests/{tag}.sig"), ACCEPT, Verb::Get).await?
        {
            layers = manifest::signature_layers(&a.body).map_err(|e| http::invalid(format!("{name}@{digest}: {e}")))?;
        }
        if let Some(a) = s.send(&format!("manifests/{tag}.att"), ACCEPT, Verb::Get).await? {
            for layer in manifest::attestation_layers(&a.body) {
                let bytes = s.get_verified(&format!("blobs/{layer}"), &layer).await?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| http::invalid(format!("{name}@{digest}: attestation {layer} is not UTF-8 JSON")))?;
                out.envelopes.push(text);
            }
        }
        for l in layers {
            use base64::Engine as _;
            let payload = s.get_verified(&format!("blobs/{}", l.digest), &l.digest).await?;
            out.signatures.push(ImageSignature {
                payload: base64::engine::general_purpose::STANDARD.encode(payload),
                signature: l.signature,
                certificate: l.certificate,
                chain: l.chain,
                rekor_bundle: l.rekor_bundle,
            });
        }
        Ok::<_, Failure>(out)
    };
    match run.await {
        Ok(sigs) if sigs.signatures.is_empty() && sigs.bundles.is_empty() && sigs.envelopes.is_empty() => {
            Lookup::NotFound
        }
        Ok(sigs) => match serde_json::to_vec(&sigs) {
            Ok(b) => Lookup::Found(b),
            Err(e) => Lookup::Failed(http::invalid(e.to_string())),
        },
        Err(f) => Lookup::Failed(f),
    }
}

/// What the proxy asks of an image's owner: a manifest or a blob by digest, or the tag
/// list. The blob is read with the artifact size limit, the rest with the metadata one.
#[derive(Debug, Clone, Copy)]
pub enum Fetch<'a> {
    Manifest(&'a str),
    Blob(&'a str),
    Tags,
}

/// One document of repository `name` (`registry/path`) at `upstream`, checked against its
/// digest when it is asked for by one. `NotFound`: the upstream does not serve it.
pub(super) async fn fetch(ups: &Upstreams, upstream: &Upstream, name: &str, what: Fetch<'_>) -> Lookup<Vec<u8>> {
    let Some((_, path)) = name.split_once('/') else { return Lookup::NotFound };
    let Location::Url(base) = &upstream.location else { return Lookup::NotFound };
    let prefix = base.path().trim_matches('/');
    let repo = if prefix.is_empty() { path.to_string() } else { format!("{prefix}/{path}") };
    let mut s = Session { ups, upstream, base: base.clone(), repo, token: None };
    let got = match what {
        Fetch::Manifest(d) => s.get_verified(&format!("manifests/{d}"), d).await.map(Some),
        Fetch::Blob(d) => s.get_verified_as(&format!("blobs/{d}"), d, BodyKind::Artifact).await.map(Some),
        Fetch::Tags => s.send("tags/list", "application/json", Verb::Get).await.map(|a| a.map(|a| a.body)),
    };
    match got {
        Ok(Some(b)) => Lookup::Found(b),
        Ok(None) => Lookup::NotFound,
        Err(f) if f.status == Some(404) => Lookup::NotFound,
        Err(f) => Lookup::Failed(f),
    }
}

/// What one answer carried: the body and the manifest digest header.
struct Answer {
    body: Vec<u8>,
    digest: Option<String>,
}

struct Session<'a> {
    ups: &'a Upstreams,
    upstream: &'a Upstream,
    base: url::Url,
    repo: String,
    /// `Bearer <token>` once a challenge was answered.
    token: Option<String>,
}

impl Session<'_> {
    fn url(&self, tail: &str) -> Result<url::Url, Failure> {
        let origin = self.base.origin().ascii_serialization();
        url::Url::parse(&format!("{origin}/v2/{}/{tail}", self.repo))
            .map_err(|e| http::invalid(format!("upstream `{}`: bad repository URL: {e}", self.upstream.name)))
    }

    /// One request under `/v2/<repo>/`, answering a bearer challenge once. `Ok(None)`: 404.
    async fn send(&mut self, tail: &str, accept: &str, verb: Verb<'_>) -> Result<Option<Answer>, Failure> {
        // Manifests, indexes and config blobs are small JSON documents.
        self.send_as(tail, accept, verb, BodyKind::Metadata).await
    }

    /// [`Self::send`] with the body read under `kind`'s size limit.
    async fn send_as(
        &mut self,
        tail: &str,
        accept: &str,
        verb: Verb<'_>,
        kind: BodyKind,
    ) -> Result<Option<Answer>, Failure> {
        let url = self.url(tail)?;
        for round in 0..2 {
            let extra =
                Extra { authorization: self.token.as_deref(), capture: &[DIGEST_HEADER], challenge: round == 0 };
            match http::send(self.ups, self.upstream, &url, accept, kind, None, verb, &extra).await {
                Got::Body { bytes, captured, .. } => {
                    let digest = captured.into_iter().find(|(k, _)| k == DIGEST_HEADER).map(|(_, v)| v);
                    return Ok(Some(Answer { body: bytes, digest }));
                }
                Got::NotFound => return Ok(None),
                Got::Challenge(header) => self.answer_challenge(&header, &url).await?,
                Got::NotModified { .. } => {
                    return Err(Failure::new(
                        FailKind::Status,
                        Some(304),
                        format!("unexpected 304 at {}", redact_url(&url)),
                    ));
                }
                Got::Failed(f) => return Err(f),
            }
        }
        Err(Failure::new(
            FailKind::Auth,
            Some(401),
            format!(
                "upstream `{}` refused the token it issued at {}; check the credential configured for it",
                self.upstream.name,
                redact_url(&url)
            ),
        ))
    }

    /// Get a bearer token from the realm a challenge names: anonymously, or with the
    /// upstream's `user:password` (`auth_scheme = "basic"`) as `Basic`.
    async fn answer_challenge(&mut self, header: &str, url: &url::Url) -> Result<(), Failure> {
        let who = &self.upstream.name;
        let auth_failure = |m: String| Failure::new(FailKind::Auth, Some(401), m);
        let Some(c) = parse_challenge(header).filter(|c| c.scheme.eq_ignore_ascii_case("bearer")) else {
            return Err(auth_failure(format!(
                "upstream `{who}` asks for credentials at {} ({}); set auth = \"env:VAR\" with auth_scheme = \"basic\" and VAR = user:password",
                redact_url(url),
                header.split_whitespace().next().unwrap_or("")
            )));
        };
        let Some(realm) = c.param("realm").and_then(|r| url::Url::parse(r).ok()) else {
            return Err(auth_failure(format!("upstream `{who}` sent a bearer challenge without a usable realm")));
        };
        let mut token_url = realm.clone();
        {
            let mut q = token_url.query_pairs_mut();
            if let Some(service) = c.param("service") {
                q.append_pair("service", service);
            }
            let scope = c.param("scope").map_or_else(|| format!("repository:{}:pull", self.repo), str::to_string);
            q.append_pair("scope", &scope);
        }
        // Credentials go to the realm only over https or to the registry's own host.
        let same_host = realm.host_str() == url.host_str();
        let basic = match self.ups.credentials.get(who) {
            Some(Ok((AuthScheme::Basic, secret))) if realm.scheme() == "https" || same_host => {
                use base64::Engine as _;
                Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(secret.expose())))
            }
            Some(Ok((AuthScheme::Bearer, _))) => {
                return Err(auth_failure(format!(
                    "upstream `{who}` refused its bearer credential at {}; check the token in its auth variable",
                    redact_url(url)
                )));
            }
            _ => None,
        };
        let extra = Extra { authorization: basic.as_deref(), capture: &[], challenge: false };
        let got = http::send(
            self.ups,
            self.upstream,
            &token_url,
            "application/json",
            BodyKind::Metadata,
            None,
            Verb::Get,
            &extra,
        )
        .await;
        match got {
            Got::Body { bytes, .. } => match token_of(&bytes) {
                Some(t) => {
                    self.token = Some(format!("Bearer {t}"));
                    Ok(())
                }
                None => Err(auth_failure(format!(
                    "upstream `{who}`: the token server at {} sent no token",
                    redact_url(&realm)
                ))),
            },
            Got::Failed(f) => Err(f),
            _ => {
                Err(auth_failure(format!("upstream `{who}`: the token server at {} gave no token", redact_url(&realm))))
            }
        }
    }

    /// The digest a tag or digest reference names here (HEAD; the body hashed when the
    /// registry sends no digest header). `Ok(None)`: not served.
    async fn head_digest(&mut self, reference: &str) -> Result<Option<String>, Failure> {
        match self.send(&format!("manifests/{reference}"), ACCEPT, Verb::Head).await? {
            None => Ok(None),
            Some(Answer { digest: Some(d), .. }) => Ok(Some(d)),
            Some(Answer { digest: None, .. }) => {
                let got = self.send(&format!("manifests/{reference}"), ACCEPT, Verb::Get).await?;
                Ok(got.map(|a| manifest::sha256_digest(&a.body)))
            }
        }
    }

    /// GET a manifest or blob by digest, checked against it.
    async fn get_verified(&mut self, tail: &str, digest: &str) -> Result<Vec<u8>, Failure> {
        self.get_verified_as(tail, digest, BodyKind::Metadata).await
    }

    /// [`Self::get_verified`] with the body read under `kind`'s size limit.
    async fn get_verified_as(&mut self, tail: &str, digest: &str, kind: BodyKind) -> Result<Vec<u8>, Failure> {
        let accept = if tail.starts_with("blobs/") { "*/*" } else { ACCEPT };
        let Some(a) = self.send_as(tail, accept, Verb::Get, kind).await? else {
            return Err(Failure::new(
                FailKind::Invalid,
                Some(404),
                format!("upstream `{}` lists {digest} of {} but does not serve it", self.upstream.name, self.repo),
            ));
        };
        if !digest_matches(digest, &a.body) {
            return Err(Failure::new(
                FailKind::Invalid,
                None,
                format!("upstream `{}` served {} bytes that do not hash to {digest}", self.upstream.name, self.repo),
            ));
        }
        Ok(a.body)
    }

    /// The image's creation time: the config of the manifest `digest` (through its index
    /// entry for `platform`).
    async fn created(&mut self, digest: &str, platform: Option<&str>) -> Result<Option<String>, Failure> {
        let body = self.get_verified(&format!("manifests/{digest}"), digest).await?;
        let m = manifest::parse_manifest(&body).map_err(|e| http::invalid(format!("{}@{digest}: {e}", self.repo)))?;
        let config = match m {
            Manifest::Image { config } => config,
            Manifest::Index(entries) => {
                let wanted = platform.filter(|p| !p.contains('$')).unwrap_or(DEFAULT_PLATFORM);
                let Some(d) = select_platform(&entries, wanted).or_else(|| entries.first()) else { return Ok(None) };
                let d = d.digest.clone();
                let body = self.get_verified(&format!("manifests/{d}"), &d).await?;
                match manifest::parse_manifest(&body) {
                    Ok(Manifest::Image { config }) => config,
                    _ => return Ok(None),
                }
            }
        };
        let blob = self.get_verified(&format!("blobs/{}", config.digest), &config.digest).await?;
        Ok(manifest::config_created(&blob))
    }

    /// The release one wanted reference stands for: the tag's current digest, and a
    /// pinned digest the owner also serves as a second file. `Ok(None)`: neither served.
    async fn release(&mut self, w: &super::WantedArtifact, full: bool) -> Result<Option<Release>, Failure> {
        let is_digest = w.version.contains(':');
        let current = self.head_digest(&w.version).await?;
        let mut files = Vec::new();
        if let Some(d) = &current {
            files.push(self.file(&w.version, d)?);
        }
        let pinned = match &w.digest {
            Some(p) if !is_digest && current.as_deref() != Some(p.as_str()) => {
                self.head_digest(p).await?.filter(|d| d == p)
            }
            Some(p) if current.as_deref() == Some(p.as_str()) => Some(p.clone()),
            _ => None,
        };
        if let Some(p) = pinned.as_ref().filter(|p| current.as_deref() != Some(p.as_str())) {
            files.push(self.file(p, p)?);
        }
        if files.is_empty() {
            return Ok(None);
        }
        // The image the build pulls: the pinned one when served, else the tag's.
        let pulled = pinned.or(current).unwrap_or_default();
        let published_at = if full { self.created(&pulled, w.platform.as_deref()).await? } else { None };
        Ok(Some(Release { published_at, files, ..Release::default() }))
    }

    fn file(&self, reference: &str, digest: &str) -> Result<DistFile, Failure> {
        let (algo, hex) = digest.split_once(':').ok_or_else(|| {
            http::invalid(format!("upstream `{}` sent a malformed digest `{digest}`", self.upstream.name))
        })?;
        Ok(DistFile {
            filename: reference.to_string(),
            url: self.url(&format!("manifests/{digest}"))?.to_string(),
            digests: BTreeMap::from([(algo.to_string(), hex.to_string())]),
            ..DistFile::default()
        })
    }
}
