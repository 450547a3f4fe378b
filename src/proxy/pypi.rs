//! The `PyPI` simple API for the proxy: PEP 691 JSON and PEP 503 HTML pages.
//!
//! Owns: content negotiation (PEP 691) and the bytes of the root and project pages (PEP
//! 503, 592, 629, 658/714, 691, 700, 740). Must not: decide which releases are visible or
//! where a file is fetched from (the caller hands in the visible versions, the files in
//! order and the proxy's URL for each), nor fetch anything.
//!
//! API version: a project page says `1.1` when every listed file has a size (PEP 700 makes
//! `size` and `versions` mandatory from 1.1), else `1.0`; the HTML page carries the same
//! number as the JSON one (PEP 691: serializations stay in sync; PEP 700 leaves HTML
//! unchanged). Keys a version does not define (`upload-time` and `size` at 1.0, PEP 740
//! `provenance`) are still sent where known: PEP 691 says clients MUST ignore keys they do
//! not understand. The pages never claim 1.2 or later (PEP 708 is not implemented).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::ecosystem::index::DistFile;
use crate::ecosystem::pypi::normalize_name;

/// PEP 691 JSON, version 1.
pub const JSON_CONTENT_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// PEP 691's name for PEP 503 HTML, version 1.
pub const HTML_CONTENT_TYPE: &str = "application/vnd.pypi.simple.v1+html";
/// The legacy type of PEP 503 HTML; PEP 691 makes it an alias of [`HTML_CONTENT_TYPE`].
const LEGACY_HTML_CONTENT_TYPE: &str = "text/html";

/// The serialization of a simple API page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleFormat {
    Json,
    Html,
}

impl SimpleFormat {
    /// The versioned content type of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            SimpleFormat::Json => JSON_CONTENT_TYPE,
            SimpleFormat::Html => HTML_CONTENT_TYPE,
        }
    }
}

/// One answer the server can give, and the media ranges that name it exactly.
struct Offer {
    format: SimpleFormat,
    content_type: &'static str,
    /// `type/subtype` pairs that ask for this answer. PEP 691's `latest` meta version is
    /// answered with the real version's type (a MUST).
    exact: [(&'static str, &'static str); 2],
    /// The top-level type a `type/*` range must name.
    top: &'static str,
}

/// Most expressive first (PEP 691 recommends JSON, and `text/html` only as a last resort).
const OFFERS: [Offer; 3] = [
    Offer {
        format: SimpleFormat::Json,
        content_type: JSON_CONTENT_TYPE,
        exact: [("application", "vnd.pypi.simple.v1+json"), ("application", "vnd.pypi.simple.latest+json")],
        top: "application",
    },
    Offer {
        format: SimpleFormat::Html,
        content_type: HTML_CONTENT_TYPE,
        exact: [("application", "vnd.pypi.simple.v1+html"), ("application", "vnd.pypi.simple.latest+html")],
        top: "application",
    },
    Offer {
        format: SimpleFormat::Html,
        content_type: LEGACY_HTML_CONTENT_TYPE,
        exact: [("text", "html"), ("text", "html")],
        top: "text",
    },
];

/// PEP 691 content negotiation over the request's `Accept` header.
///
/// Each answer takes the quality of the most specific media range that names it (exact,
/// then `type/*`, then `*/*`; RFC 9110 12.5.1); the highest quality wins, then the more
/// specific range, then JSON over versioned HTML over `text/html`. When only `*/*` names
/// the winners, legacy HTML (`text/html`) wins, as on `PyPI`: a client that names no type
/// is an old one. No header, or one with no well-formed media range, counts as `*/*`.
/// Returns the format and the Content-Type to answer with, or `None` when nothing
/// acceptable is on offer (the caller answers 406, as PEP 691 recommends).
pub fn negotiate(accept: Option<&str>) -> Option<(SimpleFormat, &'static str)> {
    let ranges = accept.map(parse_accept).unwrap_or_default();
    if ranges.is_empty() {
        return Some((SimpleFormat::Html, LEGACY_HTML_CONTENT_TYPE));
    }
    OFFERS
        .iter()
        .enumerate()
        .filter_map(|(i, offer)| {
            let (specificity, q) = ranges.iter().map(|r| (specificity(offer, r), r.q)).filter(|(s, _)| *s > 0).max()?;
            // Ties: JSON first, unless only `*/*` asked, where legacy HTML comes first.
            let preference = if specificity == 1 { i } else { OFFERS.len() - i };
            (q > 0).then_some(((q, specificity, preference), offer))
        })
        .max_by_key(|(key, _)| *key)
        .map(|(_, offer)| (offer.format, offer.content_type))
}

/// One media range of an `Accept` header, lowercased, with its quality in thousandths.
struct MediaRange {
    top: String,
    sub: String,
    q: u16,
}

/// The well-formed media ranges of an `Accept` value; malformed ones are skipped.
fn parse_accept(header: &str) -> Vec<MediaRange> {
    header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let (top, sub) = parts.next()?.trim().split_once('/')?;
            let (top, sub) = (top.trim().to_ascii_lowercase(), sub.trim().to_ascii_lowercase());
            let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"/;,=\"".contains(&b));
            if !token(&top) || !token(&sub) || (top == "*" && sub != "*") {
                return None;
            }
            let mut q = 1000;
            for param in parts {
                let Some((key, value)) = param.split_once('=') else { continue };
                if key.trim().eq_ignore_ascii_case("q") {
                    q = parse_q(value.trim())?;
                    // Parameters after the weight are accept extensions; none matter here.
                    break;
                }
            }
            Some(MediaRange { top, sub, q })
        })
        .collect()
}

/// An RFC 9110 `qvalue` (`0`, `0.5`, `1.000`) in thousandths.
fn parse_q(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = frac.bytes().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    let thousandths = digits * 10u16.pow(3 - u32::try_from(frac.len()).ok()?);
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// How specifically `range` names `offer`: 3 exactly, 2 as `type/*`, 1 as `*/*`, 0 not.
fn specificity(offer: &Offer, range: &MediaRange) -> u8 {
    match (range.top.as_str(), range.sub.as_str()) {
        ("*", "*") => 1,
        (top, "*") if top == offer.top => 2,
        (top, sub) if offer.exact.contains(&(top, sub)) => 3,
        _ => 0,
    }
}

/// One file to list: the upstream's description and the URL the client should fetch it from.
#[derive(Debug, Clone)]
pub struct ListedFile<'a> {
    pub file: &'a DistFile,
    /// The proxy's URL for the file (a fragment, if any, is replaced in HTML).
    pub url: String,
    /// The proxy's URL for the PEP 740 provenance, when it serves one; the upstream's
    /// `file.provenance_url` is never shown.
    pub provenance_url: Option<String>,
}

/// A project page (`/simple/<project>/`). `name` is the project name as the upstream spells it;
/// `versions` the visible versions (PEP 700 `versions`), `files` the visible files in the order to list.
///
/// Every file's version must be among `versions` (PEP 700); duplicates in `versions` are
/// dropped. The JSON `name` is the normalized name (PEP 691); the HTML title keeps the
/// upstream's spelling.
pub fn render_project(format: SimpleFormat, name: &str, versions: &[String], files: &[ListedFile<'_>]) -> Vec<u8> {
    let api_version = if files.iter().all(|f| f.file.size.is_some()) { "1.1" } else { "1.0" };
    match format {
        SimpleFormat::Json => {
            let mut page = Map::new();
            page.insert("meta".into(), json!({ "api-version": api_version }));
            page.insert("name".into(), Value::String(normalize_name(name)));
            if api_version == "1.1" {
                let mut seen = BTreeSet::new();
                let versions = versions.iter().filter(|v| seen.insert(v.as_str()));
                page.insert("versions".into(), versions.map(|v| Value::String(v.clone())).collect());
            }
            page.insert("files".into(), files.iter().map(json_file).collect());
            Value::Object(page).to_string().into_bytes()
        }
        SimpleFormat::Html => {
            let title = format!("Links for {name}");
            let mut body = String::new();
            body.push_str("    <h1>");
            escape_into(&mut body, &title);
            body.push_str("</h1>\n");
            for f in files {
                html_file(&mut body, f);
            }
            html_page(api_version, &title, &body).into_bytes()
        }
    }
}

/// The root index (`/simple/`): the given project names (the proxy lists only names it has seen).
///
/// Names that are not valid project names (PEP 508: ASCII letters and digits, with `.`,
/// `_` and `-` inside) are left out, as are repeats of a normalized name; HTML links are
/// relative (`<normalized>/`), the root being served at a URL ending in `/` (PEP 503).
pub fn render_root(format: SimpleFormat, names: &[String]) -> Vec<u8> {
    let mut seen = BTreeSet::new();
    let names = names.iter().filter(|n| valid_name(n)).filter(|n| seen.insert(normalize_name(n)));
    match format {
        SimpleFormat::Json => {
            let projects: Vec<Value> = names.map(|n| json!({ "name": n })).collect();
            json!({ "meta": { "api-version": "1.1" }, "projects": projects }).to_string().into_bytes()
        }
        SimpleFormat::Html => {
            let mut body = String::new();
            for n in names {
                body.push_str("    <a href=\"");
                escape_into(&mut body, &normalize_name(n));
                body.push_str("/\">");
                escape_into(&mut body, n);
                body.push_str("</a><br />\n");
            }
            html_page("1.1", "Simple index", &body).into_bytes()
        }
    }
}

/// PEP 508's project name: `[A-Za-z0-9]`, or longer with `.`, `_`, `-` inside.
pub(crate) fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    matches!((bytes.first(), bytes.last()), (Some(a), Some(z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric())
        && bytes.iter().all(inner)
}

/// One PEP 691 file object, with PEP 592, 700, 714 and 740 keys.
fn json_file(listed: &ListedFile<'_>) -> Value {
    let f = listed.file;
    let digests = |d: &BTreeMap<String, String>| -> Map<String, Value> {
        clean_digests(d).into_iter().map(|(alg, hex)| (alg, Value::String(hex))).collect()
    };
    let mut m = Map::new();
    m.insert("filename".into(), Value::String(f.filename.clone()));
    m.insert("url".into(), Value::String(listed.url.clone()));
    m.insert("hashes".into(), Value::Object(digests(&f.digests)));
    if let Some(rp) = &f.requires_python {
        m.insert("requires-python".into(), Value::String(rp.clone()));
    }
    // PEP 714: only the new key in JSON (old pips fail on `dist-info-metadata`). An empty
    // digest map is `true`: PEP 691 reads an empty dict as falsy, "no metadata file".
    let core = match &f.core_metadata {
        None => Value::Bool(false),
        Some(d) => Some(digests(d)).filter(|d| !d.is_empty()).map_or(Value::Bool(true), Value::Object),
    };
    m.insert("core-metadata".into(), core);
    // PEP 691: `true`, or the reason when there is one (a string must be non-empty).
    let yanked = match f.yanked.as_deref() {
        None => Value::Bool(false),
        Some("") => Value::Bool(true),
        Some(reason) => Value::String(reason.to_string()),
    };
    m.insert("yanked".into(), yanked);
    if let Some(size) = f.size {
        m.insert("size".into(), Value::from(size));
    }
    if let Some(t) = f.upload_time.as_deref().and_then(pep700_time) {
        m.insert("upload-time".into(), Value::String(t));
    }
    m.insert("provenance".into(), listed.provenance_url.clone().map_or(Value::Null, Value::String));
    Value::Object(m)
}

/// The HTML document around `body`, with the PEP 629 version.
fn html_page(api_version: &str, title: &str, body: &str) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n");
    out.push_str("    <meta name=\"pypi:repository-version\" content=\"");
    out.push_str(api_version);
    out.push_str("\">\n    <title>");
    escape_into(&mut out, title);
    out.push_str("</title>\n  </head>\n  <body>\n");
    out.push_str(body);
    out.push_str("  </body>\n</html>\n");
    out
}

/// One PEP 503 anchor with its PEP 592, 658/714 and 740 attributes.
///
/// `data-upload-time` is not in any PEP (PEP 700 leaves HTML alone); clients ignore it,
/// and depgate's own HTML reader takes publish times from it.
fn html_file(out: &mut String, listed: &ListedFile<'_>) {
    let f = listed.file;
    let bare = listed.url.split('#').next().unwrap_or_default();
    let href =
        preferred_digest(&f.digests).map_or_else(|| bare.to_string(), |(alg, hex)| format!("{bare}#{alg}={hex}"));
    let mut attrs: Vec<(&str, String)> = vec![("href", href)];
    if let Some(rp) = &f.requires_python {
        attrs.push(("data-requires-python", rp.clone()));
    }
    if let Some(reason) = &f.yanked {
        attrs.push(("data-yanked", reason.clone()));
    }
    if let Some(d) = &f.core_metadata {
        // PEP 658 value: one `<hashname>=<hashvalue>`, or `true` without a hash. PEP 714:
        // the old attribute MAY be sent too, and then MUST match.
        let value = preferred_digest(d).map_or_else(|| "true".to_string(), |(alg, hex)| format!("{alg}={hex}"));
        attrs.push(("data-core-metadata", value.clone()));
        attrs.push(("data-dist-info-metadata", value));
    }
    if let Some(p) = &listed.provenance_url {
        attrs.push(("data-provenance", p.clone()));
    }
    if let Some(t) = f.upload_time.as_deref().and_then(pep700_time) {
        attrs.push(("data-upload-time", t));
    }
    out.push_str("    <a");
    for (key, value) in attrs {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        escape_into(out, &value);
        out.push('"');
    }
    out.push('>');
    escape_into(out, &f.filename);
    out.push_str("</a><br />\n");
}

/// Digests fit to publish: lowercase `hashlib`-style names, non-empty lowercase hex.
fn clean_digests(digests: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    digests
        .iter()
        .map(|(alg, hex)| (alg.to_ascii_lowercase(), hex.to_ascii_lowercase()))
        .filter(|(alg, hex)| {
            !alg.is_empty()
                && alg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !hex.is_empty()
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .collect()
}

/// `hashlib` algorithms for a single-hash slot: `sha256` (PEP 503's recommendation), then
/// the rest strongest first. Others are never put in a fragment.
const DIGEST_PREFERENCE: [&str; 12] = [
    "sha256", "sha512", "sha3_512", "blake2b", "sha384", "sha3_384", "sha3_256", "blake2s", "sha224", "sha3_224",
    "sha1", "md5",
];

/// The digest for an HTML fragment or `data-core-metadata` value.
fn preferred_digest(digests: &BTreeMap<String, String>) -> Option<(&'static str, String)> {
    let clean = clean_digests(digests);
    DIGEST_PREFERENCE.iter().find_map(|alg| clean.get(*alg).map(|hex| (*alg, hex.clone())))
}

/// PEP 700 `upload-time` (`yyyy-mm-ddThh:mm:ss.ffffffZ`, UTC, fraction optional, up to six
/// digits) from an RFC 3339 time: kept when already in that shape, else converted to UTC
/// with microseconds. `None` for anything that is not a time with an offset.
fn pep700_time(raw: &str) -> Option<String> {
    let ts: jiff::Timestamp = raw.parse().ok()?;
    if in_pep700_shape(raw) {
        return Some(raw.to_string());
    }
    let t = jiff::tz::Offset::UTC.to_datetime(ts);
    if !(0..=9999).contains(&t.year()) {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.subsec_nanosecond() / 1000
    ))
}

/// `dddd-dd-ddTdd:dd:dd`, then `.` and one to six digits or nothing, then `Z`.
fn in_pep700_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((head, tail)) = b.split_at_checked(19) else { return false };
    let head_ok = head.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b'T',
        13 | 16 => *c == b':',
        _ => c.is_ascii_digit(),
    });
    let tail_ok = match tail {
        [b'Z'] => true,
        [b'.', frac @ .., b'Z'] => (1..=6).contains(&frac.len()) && frac.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    head_ok && tail_ok
}

/// Appends `s` escaped for HTML text and double- or single-quoted attribute values.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL is a parse error in HTML; browsers and parsers replace it anyway.
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[path = "pypi_tests.rs"]
mod tests;
