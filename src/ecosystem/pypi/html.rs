//! A small, tolerant scanner for PEP 503 project pages (HTML).
//!
//! Owns: finding `<base href>` and every `<a>` of a page, its attributes (PEP 503
//! `#<hash>=` fragments and `data-requires-python`, PEP 592 `data-yanked`, PEP 658/714
//! `data-dist-info-metadata` / `data-core-metadata`, PEP 740 `data-provenance`, and the
//! `data-upload-time` some mirrors add) with HTML character references decoded. Must not:
//! group files into releases (that is [`super::simple`]) or pull in an HTML crate: the
//! format is a list of links, and a page that is not well-formed HTML still yields them.

use std::collections::BTreeMap;

use url::Url;

use super::page::PageFile;

/// What one page holds.
pub(crate) struct Page {
    /// `<title>Links for x</title>`, when present.
    pub title: Option<String>,
    pub files: Vec<PageFile>,
}

pub(crate) fn scan(bytes: &[u8], page_url: &Url) -> Result<Page, String> {
    let text = String::from_utf8_lossy(bytes);
    let lower = text.to_ascii_lowercase();
    if !lower.contains("<a") && !lower.contains("<html") && !lower.contains("<!doctype") {
        return Err("not a PEP 503 project page: no HTML links".into());
    }
    let mut base = page_url.clone();
    let mut title = None;
    let mut files = Vec::new();
    let mut pos = 0;
    while let Some(rel) = lower.get(pos..).and_then(|r| r.find('<')) {
        let start = pos + rel;
        if lower[start..].starts_with("<!--") {
            pos = lower[start..].find("-->").map_or(lower.len(), |e| start + e + 3);
            continue;
        }
        let (tag, attrs, end) = read_tag(&text, &lower, start);
        pos = end.max(start + 1);
        match tag.as_str() {
            "base" => {
                if let Some(href) = attrs.get("href")
                    && let Ok(u) = page_url.join(href)
                {
                    base = u;
                }
            }
            "title" => {
                let close = lower[pos..].find("</title").map_or(lower.len(), |e| pos + e);
                let t = decode(text[pos..close].trim());
                title = Some(t.strip_prefix("Links for ").unwrap_or(&t).trim().to_string());
                pos = close;
            }
            "a" => {
                let close = lower[pos..].find("</a").map_or(lower.len(), |e| pos + e);
                let label = decode(strip_tags(&text[pos..close]).trim());
                pos = close;
                if let Some(f) = link(&attrs, &label, &base) {
                    files.push(f);
                }
            }
            _ => {}
        }
    }
    Ok(Page { title, files })
}

/// One `<a>` as a file; `None` when it has no usable `href`.
fn link(attrs: &BTreeMap<String, String>, label: &str, base: &Url) -> Option<PageFile> {
    let href = attrs.get("href")?;
    let (target, fragment) = href.split_once('#').map_or((href.as_str(), None), |(t, f)| (t, Some(f)));
    let url = base.join(target).ok()?;
    let mut hashes = BTreeMap::new();
    if let Some((alg, hex)) = fragment.and_then(|f| f.split_once('='))
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        hashes.insert(alg.to_ascii_lowercase(), hex.to_ascii_lowercase());
    }
    let filename = if label.is_empty() {
        url.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default().to_string()
    } else {
        label.to_string()
    };
    // PEP 714: `data-core-metadata` replaces `data-dist-info-metadata`; prefer it.
    let core = attrs.get("data-core-metadata").or_else(|| attrs.get("data-dist-info-metadata"));
    Some(PageFile {
        filename,
        url: url.to_string(),
        hashes,
        requires_python: attrs.get("data-requires-python").cloned(),
        yanked: attrs.get("data-yanked").cloned(),
        core_metadata: core.and_then(|v| match v.split_once('=') {
            Some((alg, hex)) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some([(alg.to_ascii_lowercase(), hex.to_ascii_lowercase())].into_iter().collect())
            }
            Some(_) => None,
            None => v.eq_ignore_ascii_case("true").then(BTreeMap::new),
        }),
        upload_time: attrs.get("data-upload-time").cloned(),
        provenance: attrs.get("data-provenance").and_then(|p| base.join(p).ok()).map(|u| u.to_string()),
    })
}

/// Reads the tag starting at `start` (`<`): its lowercase name, decoded attributes and
/// the offset after its `>`. Attribute names are lowercase; values keep their case.
fn read_tag(text: &str, lower: &str, start: usize) -> (String, BTreeMap<String, String>, usize) {
    let bytes = lower.as_bytes();
    let mut i = start + 1;
    let name_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'/' || bytes[i] == b'!') {
        i += 1;
    }
    let name = lower[name_start..i].to_string();
    let mut attrs = BTreeMap::new();
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return (name, attrs, i);
        }
        if bytes[i] == b'>' {
            return (name, attrs, i + 1);
        }
        let key_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = lower[key_start..i].to_string();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let from = i + 1;
                    let to = lower[from..].find(char::from(q)).map_or(lower.len(), |e| from + e);
                    value = decode(&text[from..to]);
                    i = (to + 1).min(bytes.len());
                }
                Some(_) => {
                    let from = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = decode(&text[from..i]);
                }
                None => {}
            }
        }
        if key.is_empty() {
            // A stray character; step over it.
            i += 1;
        } else {
            attrs.entry(key).or_insert(value);
        }
    }
}

/// Text with any inner tags removed (`<a><b>x</b></a>`).
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Decodes HTML character references: the named ones a simple page uses and numeric ones.
/// Anything unrecognized stays as written.
pub(crate) fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(semi) = tail.get(1..).and_then(|t| t.find(';')).map(|p| p + 1).filter(|p| *p <= 12) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..semi];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &tail[semi + 1..];
        } else {
            out.push('&');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        assert_eq!(decode("&gt;=3.8, !=3.0.*&lt;4"), ">=3.8, !=3.0.*<4");
        assert_eq!(decode("a &amp; b &quot;c&quot; &#39;d&#39; &#x41;&#66;"), "a & b \"c\" 'd' AB");
        assert_eq!(decode("&unknown; & &#xZZ; &#99999999;"), "&unknown; & &#xZZ; &#99999999;");
        assert_eq!(decode("&"), "&");
    }

    #[test]
    fn tags_and_attributes() {
        let url = Url::parse("https://example.com/simple/demo/").unwrap();
        let page = br#"<!DOCTYPE html><html><head><title>Links for Demo</title>
<BASE HREF="https://mirror.example/pkgs/"></head><body>
<!-- <a href="commented-out-1.0.tar.gz">commented-out-1.0.tar.gz</a> -->
<A HREF='demo-1.0.tar.gz#SHA256=ABCD' data-requires-python="&gt;=3.8" data-yanked>demo-1.0.tar.gz</A><br/>
<a href=demo-1.1-py3-none-any.whl#md5=00 data-dist-info-metadata=true data-provenance="/prov">demo-1.1-py3-none-any.whl</a>
<a href="demo-1.2.tar.gz" data-core-metadata="sha256=EF" data-dist-info-metadata="sha256=00" data-yanked="bad &amp; old"><span>demo-1.2.tar.gz</span></a>
<a name="no-href">x</a>
<a href="demo-1.3.zip
"#;
        let p = scan(page, &url).unwrap();
        assert_eq!(p.title.as_deref(), Some("Demo"));
        assert_eq!(p.files.len(), 4, "{:?}", p.files.iter().map(|f| &f.filename).collect::<Vec<_>>());
        let a = &p.files[0];
        assert_eq!(a.url, "https://mirror.example/pkgs/demo-1.0.tar.gz");
        assert_eq!(a.hashes["sha256"], "abcd");
        assert_eq!(a.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(a.yanked.as_deref(), Some(""));
        let b = &p.files[1];
        assert_eq!(b.hashes["md5"], "00");
        assert_eq!(b.core_metadata, Some(BTreeMap::new()));
        assert_eq!(b.provenance.as_deref(), Some("https://mirror.example/prov"));
        let c = &p.files[2];
        assert_eq!(c.filename, "demo-1.2.tar.gz");
        assert_eq!(c.core_metadata.as_ref().unwrap()["sha256"], "ef");
        assert_eq!(c.yanked.as_deref(), Some("bad & old"));
        assert_eq!(p.files[3].filename, "demo-1.3.zip", "an unterminated tag still yields its link");
    }

    #[test]
    fn not_html() {
        let url = Url::parse("https://example.com/simple/demo/").unwrap();
        assert!(scan(b"{\"json\": true}", &url).is_err());
        assert!(scan(b"", &url).is_err());
        for junk in [&b"<"[..], b"<a", b"<a href", b"<a href=", b"<a href='", b"<title>", b"<!--", b"<a\xff\xfe>"] {
            let _ = scan(junk, &url);
        }
    }
}
