//! Requests of each ecosystem turned into [`Gate`] calls, and answers into responses.
//!
//! Listings show only versions whose listing decision is `allow` or `warn`; a file is
//! served only when its own decision (verified, digest-checked, advisories matched) allows
//! it. Refusals are 403 with a JSON body naming the rules, the advisories and what to do
//! (npm prints its `error`); for pip and Maven, which print only the status line, the
//! reason phrase says the same. Each refusal is a `blocked …` line in the proxy's log, and
//! each version a listing hides a `held back …` line, once each ([`super::held`]). An
//! upstream that failed is 502 naming it.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::gate::{Decided, FileRequest, Gate};
use super::respond::{json_error, respond, unrecorded};
use super::state::{PYPI_PREFIX, Proxy};
use super::{maven, npm, pypi};
use crate::ecosystem::Ecosystem;
use crate::ecosystem::npm::packument::tarball_file_name;
use crate::engine::{Decision, LeveledFinding, Listing, Record};

/// A listing decision that keeps the version visible.
fn visible(record: &Record) -> bool {
    matches!(record.decision, Decision::Allow | Decision::Warn)
}

/// The answer when no upstream could be asked, or none has the name.
fn unlisted(listing: &Listing, what: &str) -> Response {
    match listing.failure() {
        Some(f) => json_error(StatusCode::BAD_GATEWAY, &format!("{what}: {}", f.message)),
        None => json_error(
            StatusCode::NOT_FOUND,
            &format!("{what} is not in any upstream of the chain depgate is configured with"),
        ),
    }
}

/// How a client shows a refusal: npm prints the JSON body's `error`; pip and Maven print
/// only the status line's reason phrase, so for them the reason says it all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Npm,
    Pip,
    Maven,
}

/// The answer for a decided file whose bytes are not served: 404, 403 or 502.
fn refusal(decided: &Decided, client: Client) -> Response {
    let rec = &decided.record;
    let error = rec.resolution.as_ref().and_then(|r| r.error.as_ref());
    if let Some(e) = error {
        if e.status == Some(404) {
            return json_error(StatusCode::NOT_FOUND, &format!("{}: not found", rec.package.purl));
        }
        return json_error(StatusCode::BAD_GATEWAY, &format!("{}: {}", rec.package.purl, e.message));
    }
    if !decided.found() {
        return json_error(StatusCode::NOT_FOUND, &format!("{}: not found at its owner", rec.package.purl));
    }
    if matches!(rec.decision, Decision::Deny | Decision::Quarantine | Decision::Error) {
        let decisive: Vec<&LeveledFinding> = rec.findings.iter().filter(|f| f.level == rec.decision).collect();
        let findings: Vec<serde_json::Value> = decisive
            .iter()
            .map(|f| serde_json::json!({"rule": f.finding.rule, "message": f.finding.msg, "remedy": f.finding.remedy, "advisory": f.finding.advisory}))
            .collect();
        let rules: Vec<&str> = rec.findings.iter().map(|f| f.finding.rule.as_str()).collect();
        let advisories: Vec<&str> = decisive.iter().filter_map(|f| f.finding.advisory.as_deref()).collect();
        let message = policy_message(rec);
        let status = if rec.decision == Decision::Error { StatusCode::BAD_GATEWAY } else { StatusCode::FORBIDDEN };
        let body = serde_json::json!({
            "error": message,
            "purl": rec.package.purl,
            "decision": rec.decision.as_str(),
            "rules": rules,
            "advisories": advisories,
            "findings": findings,
        });
        let mut r = respond(status, "application/json", body.to_string().into_bytes());
        if client != Client::Npm {
            set_reason(&mut r, &message);
        }
        return r;
    }
    json_error(StatusCode::BAD_GATEWAY, &format!("{}: the artifact could not be fetched", rec.package.purl))
}

/// What a refused record's decision says, in one line: the purl, the verdict (and until
/// when), the rules, the leading finding and what to do.
pub(super) fn policy_message(rec: &Record) -> String {
    let decisive: Vec<&LeveledFinding> = rec.findings.iter().filter(|f| f.level == rec.decision).collect();
    let rules: Vec<&str> = rec.findings.iter().map(|f| f.finding.rule.as_str()).collect();
    // The finding that leads the message: an advisory's when one decided (it names
    // the advisory and what to do), else the first that decided.
    let lead = decisive
        .iter()
        .find(|f| f.finding.advisory.is_some())
        .or_else(|| decisive.first())
        .copied()
        .or_else(|| rec.findings.first());
    let verdict = match rec.decision {
        Decision::Quarantine => "quarantined",
        Decision::Error => "undecided (fail closed)",
        _ => "denied",
    };
    let until = lead.and_then(|f| f.finding.until.as_deref()).map(|u| format!(" until {u}")).unwrap_or_default();
    format!(
        "depgate: {} is {verdict}{until} by policy ({}){}{}",
        rec.package.purl,
        rules.join(", "),
        lead.map(|f| format!(": {}", f.finding.msg)).unwrap_or_default(),
        lead.and_then(|f| f.finding.remedy.as_deref()).map(|r| format!("; to fix: {r}")).unwrap_or_default()
    )
}

/// Longest reason phrase sent (clients print it on one line).
const MAX_REASON: usize = 1024;

/// Put `message` in the HTTP/1 status line as its reason phrase (what pip and Maven
/// print): printable ASCII only, on one line, at most [`MAX_REASON`] bytes.
fn set_reason(r: &mut Response, message: &str) {
    let mut text: String = message.chars().map(|c| if c == ' ' || c.is_ascii_graphic() { c } else { ' ' }).collect();
    if text.len() > MAX_REASON {
        text.truncate(MAX_REASON - 3);
        text.push_str("...");
    }
    if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(text) {
        r.extensions_mut().insert(reason);
    }
}

/// The bytes of a decided file, or why not. A served file asked for by `path` is kept
/// ready for repeats of that request ([`Gate::keep_hot`]).
fn serve_file(
    gate: &Gate,
    decided: &Decided,
    content_type: &'static str,
    client: Client,
    path: Option<&str>,
) -> Response {
    if !decided.servable() {
        return refusal(decided, client);
    }
    match gate.bytes(decided) {
        Some(bytes) => {
            if let Some(path) = path {
                gate.keep_hot(path, decided, content_type);
            }
            respond(StatusCode::OK, content_type, bytes)
        }
        None => json_error(
            StatusCode::BAD_GATEWAY,
            &format!("{}: the checked bytes are no longer in the cache; ask again", decided.record.package.purl),
        ),
    }
}

// ------------------------------------------------------------------------------- npm

/// `path`: the whole request path when it has no query (the key a served file is kept
/// ready under), for npm, `PyPI` and Maven alike.
pub async fn npm(proxy: &Proxy, rest: &str, headers: &HeaderMap, path: Option<&str>) -> Response {
    let in_force = proxy.gate();
    let gate = &*in_force;
    match npm::parse_request(rest) {
        Err(message) => json_error(StatusCode::BAD_REQUEST, &message),
        Ok(npm::NpmRequest::Ping) => respond(StatusCode::OK, "application/json", b"{}".to_vec()),
        Ok(npm::NpmRequest::Unsupported) => json_error(
            StatusCode::NOT_FOUND,
            "depgate serve answers packument and tarball requests, and audits as POST to -/npm/v1/security/advisories/bulk (no search or publish)",
        ),
        Ok(npm::NpmRequest::Packument { name }) => {
            let listing = gate.listing(Ecosystem::Npm, &name).await;
            let Some((_, index)) = listing.owner() else { return unlisted(&listing, &name) };
            if gate.note_listing(Ecosystem::Npm, &name, &listing).await.is_err() {
                return unrecorded();
            }
            let Some(raw) = index.raw.as_deref() else {
                return json_error(StatusCode::BAD_GATEWAY, &format!("{name}: the upstream document was not kept"));
            };
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
            let abbreviated = npm::wants_abbreviated(accept);
            let shown = |v: &str| listing.record(Ecosystem::Npm, v).is_some_and(visible);
            let variant = if abbreviated { "npm-abbreviated" } else { "npm-full" };
            let body = gate.rendered((Ecosystem::Npm, &name, variant), &listing, || {
                npm::rewrite_packument(raw, &name, &shown, &proxy.npm_url(), abbreviated)
            });
            match body {
                Ok(body) => {
                    let ct = if abbreviated { "application/vnd.npm.install-v1+json" } else { "application/json" };
                    respond(StatusCode::OK, ct, body)
                }
                Err(e) => json_error(StatusCode::BAD_GATEWAY, &format!("{name}: {e}")),
            }
        }
        Ok(npm::NpmRequest::Tarball { name, file }) => {
            let listing = gate.listing(Ecosystem::Npm, &name).await;
            let Some((_, index)) = listing.owner() else { return unlisted(&listing, &name) };
            let Some(version) = tarball_version(&name, &file).filter(|v| index.versions.contains_key(*v)) else {
                return json_error(StatusCode::NOT_FOUND, &format!("{name} has no tarball {file}"));
            };
            let version = version.to_string();
            let req =
                FileRequest { ecosystem: Ecosystem::Npm, name, version, file: None, classifier: None, extension: None };
            let Ok(decided) = gate.file(&req).await else { return unrecorded() };
            serve_file(gate, &decided, "application/octet-stream", Client::Npm, path)
        }
    }
}

/// The version a tarball file name of `name` is for (`<base>-<version>.tgz`, the name
/// npm's registry gives every tarball), read off the name instead of trying every
/// version of the listing.
fn tarball_version<'f>(name: &str, file: &'f str) -> Option<&'f str> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let version = file.strip_prefix(base)?.strip_prefix('-')?.strip_suffix(".tgz")?;
    (!version.is_empty() && tarball_file_name(name, version) == file).then_some(version)
}

// ------------------------------------------------------------------------------ PyPI

/// `simple/` (root), `simple/<project>/` (page), `files/<project>/<filename>` (a file, or
/// its `.metadata` / `.provenance`).
pub async fn pypi(proxy: &Proxy, rest: &str, headers: &HeaderMap, key: Option<&str>) -> Response {
    let in_force = proxy.gate();
    let gate = &*in_force;
    let path = rest.split('?').next().unwrap_or(rest);
    if let Some(project) = path.strip_prefix("simple/") {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
        let Some((format, content_type)) = pypi::negotiate(accept) else {
            return json_error(StatusCode::NOT_ACCEPTABLE, "depgate serves the simple API as PEP 691 JSON or HTML");
        };
        if project.is_empty() {
            return respond(StatusCode::OK, content_type, pypi::render_root(format, &[]));
        }
        let name = project.trim_end_matches('/');
        if name.contains('/')
            || name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return json_error(StatusCode::NOT_FOUND, &format!("`{name}` is not a project name"));
        }
        let normalized = crate::ecosystem::pypi::normalize_name(name);
        if normalized != name || !project.ends_with('/') {
            // PEP 503: the normalized URL, with its trailing slash, is the page.
            let mut r = respond(StatusCode::MOVED_PERMANENTLY, "text/plain", Vec::new());
            if let Ok(v) = format!("{}{}simple/{normalized}/", proxy.root, PYPI_PREFIX).parse() {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        let listing = gate.listing(Ecosystem::Pypi, name).await;
        let Some((_, index)) = listing.owner() else { return unlisted(&listing, name) };
        if gate.note_listing(Ecosystem::Pypi, name, &listing).await.is_err() {
            return unrecorded();
        }
        // The content type names the format (JSON, HTML, legacy HTML).
        let Ok(body) = gate.rendered((Ecosystem::Pypi, name, content_type), &listing, || {
            let files_base = format!("{}{}files/{normalized}/", proxy.root, PYPI_PREFIX);
            let mut versions = Vec::new();
            let mut listed = Vec::new();
            for (version, release) in &index.versions {
                if !listing.record(Ecosystem::Pypi, version).is_some_and(visible) {
                    continue;
                }
                versions.push(version.clone());
                for f in &release.files {
                    let url = format!("{files_base}{}", encode_segment(&f.filename));
                    let provenance_url = f.provenance_url.as_ref().map(|_| format!("{url}.provenance"));
                    listed.push(pypi::ListedFile { file: f, url, provenance_url });
                }
            }
            Ok::<_, std::convert::Infallible>(pypi::render_project(format, &index.name, &versions, &listed))
        });
        return respond(StatusCode::OK, content_type, body);
    }
    if let Some(rest) = path.strip_prefix("files/") {
        let Some((project, file)) = rest.split_once('/') else {
            return json_error(StatusCode::NOT_FOUND, "expected files/<project>/<filename>");
        };
        // The project goes into the upstream's URL (or a `dir` upstream's path): only a
        // PEP 508 name, never `..` or an encoded separator.
        if !pypi::valid_name(project) {
            return json_error(StatusCode::NOT_FOUND, "`files/` takes a project name (letters, digits, `-_.`)");
        }
        let file = percent_decode(file).unwrap_or_default();
        if file.is_empty() || file.contains('/') || file.contains('\\') || file.starts_with('.') {
            return json_error(StatusCode::BAD_REQUEST, "not a file name");
        }
        let listing = gate.listing(Ecosystem::Pypi, project).await;
        let Some((upstream, index)) = listing.owner() else { return unlisted(&listing, project) };
        let (base, sidecar) = if let Some(b) = file.strip_suffix(".metadata") {
            (b.to_string(), Some(".metadata"))
        } else if let Some(b) = file.strip_suffix(".provenance") {
            (b.to_string(), Some(".provenance"))
        } else {
            (file.clone(), None)
        };
        let found = index
            .versions
            .iter()
            .find_map(|(v, rel)| rel.files.iter().find(|f| f.filename == base).map(|f| (v.clone(), f.clone())));
        let Some((version, dist)) = found else {
            return json_error(StatusCode::NOT_FOUND, &format!("{project} has no file {base}"));
        };
        if !listing.record(Ecosystem::Pypi, &version).is_some_and(visible) {
            let Some(rec) = listing.record(Ecosystem::Pypi, &version) else {
                return json_error(StatusCode::NOT_FOUND, "not found");
            };
            // Refused on the listing's decision, with nothing fetched: on record as a
            // refusal of this file, like any other.
            let mut rec = rec.clone();
            if let Some(r) = rec.resolution.as_mut() {
                r.file = Some(file.clone());
            }
            if gate.record(&rec, gate.repeat(&rec)).await.is_err() {
                return unrecorded();
            }
            return refusal(&Decided::refused(rec), Client::Pip);
        }
        return match sidecar {
            Some(".metadata") => {
                if dist.core_metadata.is_none() {
                    return json_error(StatusCode::NOT_FOUND, &format!("{base} has no core metadata file"));
                }
                let url = format!("{}.metadata", dist.url);
                match gate.passthrough(Ecosystem::Pypi, upstream, index.name.as_str(), &version, &base, &url).await {
                    Some(bytes) => respond(StatusCode::OK, "application/octet-stream", bytes),
                    None => json_error(StatusCode::NOT_FOUND, &format!("{base}.metadata not found upstream")),
                }
            }
            Some(_) => {
                let Some(url) = dist.provenance_url.clone() else {
                    return json_error(StatusCode::NOT_FOUND, &format!("{base} has no provenance"));
                };
                match gate.passthrough(Ecosystem::Pypi, upstream, index.name.as_str(), &version, &base, &url).await {
                    Some(bytes) => respond(StatusCode::OK, "application/vnd.pypi.integrity.v1+json", bytes),
                    None => json_error(StatusCode::NOT_FOUND, &format!("the provenance of {base} was not found")),
                }
            }
            None => {
                let req = FileRequest {
                    ecosystem: Ecosystem::Pypi,
                    name: index.name.clone(),
                    version,
                    file: Some(base),
                    classifier: None,
                    extension: None,
                };
                let Ok(decided) = gate.file(&req).await else { return unrecorded() };
                serve_file(gate, &decided, "application/octet-stream", Client::Pip, key)
            }
        };
    }
    json_error(StatusCode::NOT_FOUND, "depgate's PyPI index is at simple/")
}

/// A file name as one URL path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~+!".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push_str(&hex::encode_upper([b]));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

// ----------------------------------------------------------------------------- Maven

pub async fn maven(proxy: &Proxy, rest: &str, path: Option<&str>) -> Response {
    let in_force = proxy.gate();
    let gate = &*in_force;
    let req = match maven::parse_request(rest.split('?').next().unwrap_or(rest)) {
        Ok(r) => r,
        Err(message) => return json_error(StatusCode::NOT_FOUND, &message),
    };
    match req {
        maven::MavenRequest::Metadata { group, artifact, sidecar } => {
            let name = format!("{group}:{artifact}");
            let listing = gate.listing(Ecosystem::Maven, &name).await;
            let Some((_, index)) = listing.owner() else { return unlisted(&listing, &name) };
            if gate.note_listing(Ecosystem::Maven, &name, &listing).await.is_err() {
                return unrecorded();
            }
            let versions: Vec<String> = index
                .versions
                .keys()
                .filter(|v| listing.record(Ecosystem::Maven, v).is_some_and(visible))
                .cloned()
                .collect();
            if versions.is_empty() && index.versions.is_empty() {
                return json_error(StatusCode::NOT_FOUND, &format!("{name}: the owner lists no versions"));
            }
            let updated = index.versions.values().filter_map(|r| r.published_at.clone()).max();
            let body = maven::render_metadata(&group, &artifact, &versions, updated.as_deref());
            match sidecar {
                None => respond(StatusCode::OK, "application/xml", body),
                Some(s) => match s.checksum(&body) {
                    Some(sum) => respond(StatusCode::OK, "text/plain", sum.into_bytes()),
                    None => json_error(StatusCode::NOT_FOUND, "no such file beside maven-metadata.xml"),
                },
            }
        }
        maven::MavenRequest::VersionMetadata { .. } => {
            json_error(StatusCode::NOT_FOUND, "depgate serves releases; SNAPSHOT metadata is not proxied")
        }
        maven::MavenRequest::File { group, artifact, version, classifier, extension, filename, sidecar } => {
            let req = FileRequest {
                ecosystem: Ecosystem::Maven,
                name: format!("{group}:{artifact}"),
                version,
                file: Some(filename),
                classifier,
                extension: Some(extension),
            };
            let Ok(decided) = gate.file(&req).await else { return unrecorded() };
            match sidecar {
                None => serve_file(gate, &decided, "application/octet-stream", Client::Maven, path),
                Some(s) if matches!(s, maven::Sidecar::Asc | maven::Sidecar::Sigstore) => {
                    if !decided.servable() {
                        return refusal(&decided, Client::Maven);
                    }
                    let Some(url) = gate.owner_url(&decided).await else { return refusal(&decided, Client::Maven) };
                    let url = format!("{url}{}", s.suffix());
                    match gate.sidecar(&decided, &url).await {
                        Some(bytes) => respond(StatusCode::OK, "application/octet-stream", bytes),
                        None => json_error(StatusCode::NOT_FOUND, "the owner has no such signature file"),
                    }
                }
                Some(s) => {
                    if !decided.servable() {
                        return refusal(&decided, Client::Maven);
                    }
                    match gate.bytes(&decided).and_then(|b| s.checksum(&b)) {
                        Some(sum) => respond(StatusCode::OK, "text/plain", sum.into_bytes()),
                        None => json_error(StatusCode::NOT_FOUND, "no such checksum"),
                    }
                }
            }
        }
    }
}
