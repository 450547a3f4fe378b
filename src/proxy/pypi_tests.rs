use std::collections::BTreeMap;

use serde_json::{Value, json};
use url::Url;

use super::*;
use crate::ecosystem::index::{DistFile, PackageIndex, Release};
use crate::ecosystem::pypi::{parse_simple_html, parse_simple_json};

const PROXY: &str = "http://127.0.0.1:3141";

fn digests(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(a, h)| ((*a).to_string(), (*h).to_string())).collect()
}

fn listed(file: &DistFile) -> ListedFile<'_> {
    ListedFile { file, url: format!("{PROXY}/files/{}", file.filename), provenance_url: None }
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

fn nego(accept: &str) -> Option<(SimpleFormat, &'static str)> {
    negotiate(Some(accept))
}

const JSON: Option<(SimpleFormat, &str)> = Some((SimpleFormat::Json, JSON_CONTENT_TYPE));
const HTML: Option<(SimpleFormat, &str)> = Some((SimpleFormat::Html, HTML_CONTENT_TYPE));
const LEGACY: Option<(SimpleFormat, &str)> = Some((SimpleFormat::Html, "text/html"));

#[test]
fn negotiates_the_headers_clients_send() {
    // PEP 691's example client, pip (22.2+) and uv: JSON.
    assert_eq!(
        nego("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"),
        JSON
    );
    assert_eq!(
        nego("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"),
        JSON
    );
    // The same without JSON (PEP 691: "only support HTML").
    assert_eq!(nego("application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"), HTML);
    // pip before 22.2 sends exactly this and checks the answer starts with text/html.
    assert_eq!(nego("text/html"), LEGACY);
    // `latest` is answered with the real version's type (PEP 691 MUST).
    assert_eq!(nego("application/vnd.pypi.simple.latest+json"), JSON);
    assert_eq!(nego("application/vnd.pypi.simple.latest+html"), HTML);
    assert_eq!(SimpleFormat::Json.content_type(), JSON_CONTENT_TYPE);
    assert_eq!(SimpleFormat::Html.content_type(), HTML_CONTENT_TYPE);
}

#[test]
fn negotiation_honours_quality_values() {
    assert_eq!(nego("application/vnd.pypi.simple.v1+json;q=0.1, application/vnd.pypi.simple.v1+html;q=0.9"), HTML);
    assert_eq!(nego("text/html, application/vnd.pypi.simple.v1+json;q=0.999"), LEGACY);
    // Order carries no meaning (PEP 691); at equal quality JSON is the more expressive.
    assert_eq!(nego("application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json"), JSON);
    assert_eq!(nego("text/html, application/vnd.pypi.simple.v1+html"), HTML);
    // Case and spaces do not matter; `1.0`, `1.` and `0.5` are qvalues.
    assert_eq!(nego(" Application/VND.PyPI.Simple.V1+JSON ; Q=1.0 "), JSON);
    assert_eq!(nego("application/vnd.pypi.simple.v1+json;q=1., text/html;q=0.5"), JSON);
    // q=0 means "not acceptable", even when a wildcard would allow it.
    assert_eq!(nego("application/vnd.pypi.simple.v1+json;q=0, */*"), LEGACY);
    // The most specific range sets an answer's quality (RFC 9110 12.5.1).
    assert_eq!(nego("*/*;q=0.5, application/vnd.pypi.simple.v1+json;q=0.4"), LEGACY);
    assert_eq!(nego("application/*;q=0.1, application/vnd.pypi.simple.v1+html"), HTML);
    assert_eq!(nego("text/*, text/html;q=0"), None);
    // Parameters other than q, and accept extensions after it, are ignored.
    assert_eq!(nego("application/vnd.pypi.simple.v1+json;charset=utf-8;q=0.3;ext=1, text/html;q=0.2"), JSON);
}

#[test]
fn negotiation_without_a_named_type_answers_legacy_html() {
    assert_eq!(negotiate(None), LEGACY);
    assert_eq!(nego(""), LEGACY);
    assert_eq!(nego(" , "), LEGACY);
    assert_eq!(nego("*/*"), LEGACY);
    assert_eq!(nego("text/*"), LEGACY);
    // A header with no well-formed range is ignored, as if absent.
    assert_eq!(nego("text/html;q=abc"), LEGACY);
    // A browser.
    assert_eq!(nego("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), LEGACY);
    // `application/*` names JSON and versioned HTML, not text/html.
    assert_eq!(nego("application/*"), JSON);
    // A named type beats the wildcard at the same quality.
    assert_eq!(nego("application/vnd.pypi.simple.v1+json, */*"), JSON);
    assert_eq!(nego("text/html;q=0.01, */*"), HTML);
}

#[test]
fn negotiation_refuses_what_is_not_on_offer() {
    // PEP 691 FAQ: there is no `application/json` alias.
    assert_eq!(nego("application/json"), None);
    assert_eq!(nego("text/plain, image/*"), None);
    assert_eq!(nego("*/*;q=0"), None);
    assert_eq!(nego("application/vnd.pypi.simple.v2+json"), None);
    assert_eq!(nego("application/json, text/html;q=0"), None);
    // Malformed ranges are skipped; the well-formed rest decides.
    assert_eq!(nego("application/json, text/html;q=2, */html, text/html;q=0.0001"), None);
}

/// Three files covering every optional field, in a deliberate (non-sorted) order.
fn sample_files() -> Vec<DistFile> {
    vec![
        DistFile {
            filename: "demo_pkg-1.0.tar.gz".into(),
            digests: digests(&[("sha256", "ab01"), ("md5", "cd02")]),
            requires_python: Some(">=3.8".into()),
            size: Some(10),
            upload_time: Some("2024-01-02T03:04:05+02:00".into()),
            core_metadata: Some(digests(&[("sha256", "ef03"), ("sha512", "0404")])),
            ..DistFile::default()
        },
        DistFile {
            filename: "demo_pkg-1.0-py3-none-any.whl".into(),
            digests: digests(&[("SHA256", "AB05")]),
            size: Some(20),
            upload_time: Some("2024-01-01T00:00:00Z".into()),
            core_metadata: Some(BTreeMap::new()),
            yanked: Some(String::new()),
            ..DistFile::default()
        },
        DistFile {
            filename: "demo_pkg-2.0.tar.gz".into(),
            digests: digests(&[("sha256", "not hex"), ("", "06")]),
            size: Some(30),
            yanked: Some("broken build".into()),
            ..DistFile::default()
        },
    ]
}

#[test]
fn json_project_page_has_every_key() {
    let files = sample_files();
    let mut list: Vec<ListedFile<'_>> = files.iter().map(listed).collect();
    list[0].provenance_url = Some(format!("{PROXY}/provenance/demo_pkg-1.0.tar.gz"));
    let versions = vec!["1.0".to_string(), "2.0".to_string(), "1.0".to_string(), "0.9".to_string()];
    let bytes = render_project(SimpleFormat::Json, "Demo_Pkg", &versions, &list);
    let text = text(bytes.clone());
    assert!(text.starts_with(r#"{"meta":{"api-version":"1.1"},"name":"demo-pkg","versions":["1.0","2.0","0.9"],"files":[{"filename":"demo_pkg-1.0.tar.gz","url":"#));
    assert!(!text.contains("dist-info-metadata"), "PEP 714: servers should send only the new key in JSON");
    assert_eq!(
        json_of(&bytes),
        json!({
            "meta": {"api-version": "1.1"},
            "name": "demo-pkg",
            "versions": ["1.0", "2.0", "0.9"],
            "files": [
                {"filename": "demo_pkg-1.0.tar.gz", "url": format!("{PROXY}/files/demo_pkg-1.0.tar.gz"),
                 "hashes": {"md5": "cd02", "sha256": "ab01"}, "requires-python": ">=3.8",
                 "core-metadata": {"sha256": "ef03", "sha512": "0404"}, "yanked": false, "size": 10,
                 "upload-time": "2024-01-02T01:04:05.000000Z",
                 "provenance": format!("{PROXY}/provenance/demo_pkg-1.0.tar.gz")},
                {"filename": "demo_pkg-1.0-py3-none-any.whl", "url": format!("{PROXY}/files/demo_pkg-1.0-py3-none-any.whl"),
                 "hashes": {"sha256": "ab05"}, "core-metadata": true, "yanked": true, "size": 20,
                 "upload-time": "2024-01-01T00:00:00Z", "provenance": null},
                {"filename": "demo_pkg-2.0.tar.gz", "url": format!("{PROXY}/files/demo_pkg-2.0.tar.gz"),
                 "hashes": {}, "core-metadata": false, "yanked": "broken build", "size": 30, "provenance": null}
            ]
        })
    );
}

#[test]
fn api_version_is_1_1_only_when_every_size_is_known() {
    let mut files = sample_files();
    files[1].size = None;
    let list: Vec<ListedFile<'_>> = files.iter().map(listed).collect();
    let versions = vec!["1.0".to_string(), "2.0".to_string()];
    let page = json_of(&render_project(SimpleFormat::Json, "demo-pkg", &versions, &list));
    assert_eq!(page["meta"]["api-version"], "1.0");
    assert!(page.get("versions").is_none(), "`versions` is a 1.1 key");
    assert_eq!(page["files"][0]["size"], 10, "known sizes and upload times are still sent at 1.0");
    assert_eq!(page["files"][0]["upload-time"], "2024-01-02T01:04:05.000000Z");
    assert!(page["files"][1].get("size").is_none());
    let html = text(render_project(SimpleFormat::Html, "demo-pkg", &versions, &list));
    assert!(html.contains(r#"<meta name="pypi:repository-version" content="1.0">"#), "HTML keeps in step with JSON");

    let sized: Vec<ListedFile<'_>> = files.iter().filter(|f| f.size.is_some()).map(listed).collect();
    let html = text(render_project(SimpleFormat::Html, "demo-pkg", &versions, &sized));
    assert!(html.contains(r#"<meta name="pypi:repository-version" content="1.1">"#));
    // No files: nothing lacks a size.
    let empty = json_of(&render_project(SimpleFormat::Json, "demo-pkg", &versions, &[]));
    assert_eq!(empty["meta"]["api-version"], "1.1");
    assert_eq!(empty["versions"], json!(["1.0", "2.0"]));
    assert_eq!(empty["files"], json!([]));
    let root = json_of(&render_root(SimpleFormat::Json, &["a".to_string()]));
    assert_eq!(root, json!({"meta": {"api-version": "1.1"}, "projects": [{"name": "a"}]}));
}

#[test]
fn upload_times_take_the_pep700_form() {
    let cases = [
        ("2024-01-01T00:00:00Z", Some("2024-01-01T00:00:00Z")),
        ("2024-01-01T00:00:00.123Z", Some("2024-01-01T00:00:00.123Z")),
        ("2020-05-21T15:25:54.177349Z", Some("2020-05-21T15:25:54.177349Z")),
        ("2024-01-02T03:04:05+02:00", Some("2024-01-02T01:04:05.000000Z")),
        ("2024-01-01T23:30:00-01:00", Some("2024-01-02T00:30:00.000000Z")),
        ("2024-01-01T00:00:00.123456789Z", Some("2024-01-01T00:00:00.123456Z")),
        ("2024-01-01t00:00:00z", Some("2024-01-01T00:00:00.000000Z")),
        ("2024-13-45T00:00:00Z", None),
        ("2024-01-01T00:00:00", None),
        ("yesterday", None),
        ("", None),
    ];
    for (raw, want) in cases {
        assert_eq!(pep700_time(raw).as_deref(), want, "{raw}");
    }
}

#[test]
fn html_project_page() {
    let file = DistFile {
        filename: "demo_pkg-1.0.tar.gz".into(),
        digests: digests(&[("md5", "cd02"), ("sha256", "ab01")]),
        requires_python: Some(">=3.8, <4".into()),
        upload_time: Some("2024-01-02T03:04:05+02:00".into()),
        core_metadata: Some(BTreeMap::new()),
        yanked: Some(String::new()),
        size: Some(10),
        ..DistFile::default()
    };
    let bare = DistFile { filename: "demo_pkg-2.0.tar.gz".into(), size: Some(1), ..DistFile::default() };
    let mut first = listed(&file);
    first.url.push_str("#md5=ffff");
    first.provenance_url = Some(format!("{PROXY}/provenance/demo_pkg-1.0.tar.gz"));
    let page = text(render_project(SimpleFormat::Html, "Demo_Pkg", &[], &[first, listed(&bare)]));
    let want = r#"<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for Demo_Pkg</title>
  </head>
  <body>
    <h1>Links for Demo_Pkg</h1>
    <a href="http://127.0.0.1:3141/files/demo_pkg-1.0.tar.gz#sha256=ab01" data-requires-python="&gt;=3.8, &lt;4" data-yanked="" data-core-metadata="true" data-dist-info-metadata="true" data-provenance="http://127.0.0.1:3141/provenance/demo_pkg-1.0.tar.gz" data-upload-time="2024-01-02T01:04:05.000000Z">demo_pkg-1.0.tar.gz</a><br />
    <a href="http://127.0.0.1:3141/files/demo_pkg-2.0.tar.gz">demo_pkg-2.0.tar.gz</a><br />
  </body>
</html>
"#;
    assert_eq!(page, want);
}

/// Digest pairs of a file, and the one HTML should pick.
type DigestCase<'a> = (&'a [(&'a str, &'a str)], Option<(&'a str, &'a str)>);

#[test]
fn html_uses_sha256_else_the_strongest_digest() {
    let cases: [DigestCase<'_>; 5] = [
        (&[("md5", "01"), ("sha512", "02"), ("sha256", "03")], Some(("sha256", "03"))),
        (&[("md5", "01"), ("sha512", "02"), ("sha384", "04")], Some(("sha512", "02"))),
        (&[("md5", "01"), ("sha1", "05")], Some(("sha1", "05"))),
        (&[("whirlpool", "06")], None),
        (&[], None),
    ];
    for (pairs, want) in cases {
        let got = preferred_digest(&digests(pairs));
        assert_eq!(got.as_ref().map(|(a, h)| (*a, h.as_str())), want, "{pairs:?}");
    }
    let file = DistFile {
        filename: "x-1.0-py3-none-any.whl".into(),
        digests: digests(&[("sha512", "aa")]),
        core_metadata: Some(digests(&[("md5", "bb"), ("blake2b", "cc")])),
        ..DistFile::default()
    };
    let page = text(render_project(SimpleFormat::Html, "x", &[], &[listed(&file)]));
    assert!(page.contains(r#"href="http://127.0.0.1:3141/files/x-1.0-py3-none-any.whl#sha512=aa""#), "{page}");
    assert!(page.contains(r#"data-core-metadata="blake2b=cc" data-dist-info-metadata="blake2b=cc""#), "{page}");
}

#[test]
fn hostile_names_and_attributes_are_escaped() {
    let file = DistFile {
        filename: r#"demo-1.0"><script>alert('x')</script>&amp;.tar.gz"#.into(),
        requires_python: Some(r#"">=3"><img src=x onerror=alert(1)>"#.into()),
        yanked: Some("</a><script>bad()</script>".into()),
        upload_time: Some(r#"2024-01-01T00:00:00Z"><b>"#.into()),
        size: Some(1),
        ..DistFile::default()
    };
    let hostile_url = format!(r#"{PROXY}/files/a"b'c<d>e?x=1&y="2'"#);
    let provenance = format!(r#"{PROXY}/provenance/p?q="'<>&"#);
    let entry = ListedFile { file: &file, url: hostile_url.clone(), provenance_url: Some(provenance.clone()) };
    let name = r#"demo<script>"&'"#;
    let html = text(render_project(SimpleFormat::Html, name, &[], std::slice::from_ref(&entry)));
    for needle in ["<script", "<img", "<b>", "\"><"] {
        assert!(!html.contains(needle), "{needle} in {html}");
    }
    assert_eq!(html.matches("<a ").count(), 1);
    assert!(html.contains("<title>Links for demo&lt;script&gt;&quot;&amp;&#39;</title>"), "{html}");
    assert!(!html.contains("data-upload-time"), "not a time: left out");

    // depgate's own reader gets every value back exactly.
    let page_url = Url::parse(&format!("{PROXY}/simple/demo/")).unwrap();
    let idx = parse_simple_html(html.as_bytes(), &page_url).unwrap();
    let back = &idx.versions.values().next().unwrap().files[0];
    assert_eq!(back.filename, file.filename);
    assert_eq!(back.url, Url::parse(&hostile_url).unwrap().to_string());
    assert_eq!(back.requires_python, file.requires_python);
    assert_eq!(back.yanked, file.yanked);
    assert_eq!(back.provenance_url, Some(Url::parse(&provenance).unwrap().to_string()));

    let json = json_of(&render_project(SimpleFormat::Json, name, &[], &[entry]));
    assert_eq!(json["files"][0]["filename"], file.filename.as_str());
    assert_eq!(json["files"][0]["url"], hostile_url.as_str());
    assert_eq!(json["files"][0]["requires-python"], file.requires_python.as_deref().unwrap());
    assert!(json["files"][0].get("upload-time").is_none());
    // NUL never reaches the page.
    assert!(!text(render_project(SimpleFormat::Html, "a\0b", &[], &[])).contains('\0'));
}

#[test]
fn root_pages_list_valid_names_once() {
    let names: Vec<String> =
        ["Zope.Interface", "requests", "zope_interface", "<script>", "a\"b", "../etc", "", "-x", "a"]
            .map(String::from)
            .into();
    let html = text(render_root(SimpleFormat::Html, &names));
    let want = r#"<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta name="pypi:repository-version" content="1.1">
    <title>Simple index</title>
  </head>
  <body>
    <a href="zope-interface/">Zope.Interface</a><br />
    <a href="requests/">requests</a><br />
    <a href="a/">a</a><br />
  </body>
</html>
"#;
    assert_eq!(html, want);
    assert_eq!(
        json_of(&render_root(SimpleFormat::Json, &names)),
        json!({"meta": {"api-version": "1.1"},
               "projects": [{"name": "Zope.Interface"}, {"name": "requests"}, {"name": "a"}]})
    );
}

/// A project as depgate would have parsed it from an upstream: two releases with files,
/// one yanked, one release without files.
fn sample_index() -> PackageIndex {
    let files = sample_files();
    let mut versions = BTreeMap::new();
    versions.insert("0.9".to_string(), Release::default());
    versions.insert("1.0".to_string(), Release { files: files[..2].to_vec(), ..Release::default() });
    versions.insert("2.0".to_string(), Release { files: files[2..].to_vec(), ..Release::default() });
    PackageIndex { name: "Demo_Pkg".into(), versions, ..PackageIndex::default() }
}

#[test]
fn pages_round_trip_through_depgate_parsers() {
    let index = sample_index();
    let files: Vec<&DistFile> = index.versions.values().flat_map(|r| &r.files).collect();
    let list: Vec<ListedFile<'_>> = files
        .iter()
        .map(|f| ListedFile {
            provenance_url: f.requires_python.as_ref().map(|_| format!("{PROXY}/provenance/{}", f.filename)),
            ..listed(f)
        })
        .collect();
    let versions: Vec<String> = index.versions.keys().cloned().collect();
    let page_url = Url::parse(&format!("{PROXY}/simple/demo-pkg/")).unwrap();

    let json =
        parse_simple_json(&render_project(SimpleFormat::Json, &index.name, &versions, &list), &page_url).unwrap();
    let html =
        parse_simple_html(&render_project(SimpleFormat::Html, &index.name, &versions, &list), &page_url).unwrap();
    assert_eq!(json.versions.keys().collect::<Vec<_>>(), ["0.9", "1.0", "2.0"], "PEP 700 versions survive");
    assert!(json.has_times && html.has_times);
    for (parsed, is_json) in [(&json, true), (&html, false)] {
        let back: Vec<&DistFile> = parsed.versions.values().flat_map(|r| &r.files).collect();
        assert_eq!(back.len(), list.len());
        for (b, l) in back.iter().zip(&list) {
            let f = l.file;
            assert_eq!(b.filename, f.filename);
            assert_eq!(b.url, l.url);
            assert_eq!(b.requires_python, f.requires_python);
            assert_eq!(b.yanked, f.yanked);
            assert_eq!(b.upload_time, f.upload_time.as_deref().and_then(pep700_time));
            assert_eq!(b.provenance_url, l.provenance_url);
            let clean = clean_digests(&f.digests);
            let core = f.core_metadata.as_ref().map(clean_digests);
            if is_json {
                assert_eq!(b.digests, clean);
                assert_eq!(b.core_metadata, core);
                assert_eq!(b.size, f.size);
            } else {
                // HTML carries one digest per slot: the preferred one.
                let one = |d: &BTreeMap<String, String>| -> BTreeMap<String, String> {
                    preferred_digest(d).map(|(a, h)| (a.to_string(), h)).into_iter().collect()
                };
                assert_eq!(b.digests, one(&f.digests));
                assert_eq!(b.core_metadata, core.as_ref().map(one));
                assert_eq!(b.size, None);
            }
        }
    }
    assert_eq!(json.versions["1.0"].files[0].digests["md5"], "cd02");
    assert_eq!(html.versions["2.0"].yanked.as_deref(), Some("broken build"));
}

#[test]
fn same_input_same_bytes() {
    let files = sample_files();
    let list: Vec<ListedFile<'_>> = files.iter().map(listed).collect();
    let versions = vec!["1.0".to_string(), "2.0".to_string()];
    for format in [SimpleFormat::Json, SimpleFormat::Html] {
        let a = render_project(format, "demo-pkg", &versions, &list);
        assert_eq!(a, render_project(format, "demo-pkg", &versions, &list.clone()));
        // Files stay in the order given.
        let text = text(a);
        let at = |name: &str| text.find(name).unwrap();
        assert!(at("demo_pkg-1.0.tar.gz") < at("demo_pkg-1.0-py3-none-any.whl"));
        assert!(at("demo_pkg-1.0-py3-none-any.whl") < at("demo_pkg-2.0.tar.gz"));
        let names = ["b".to_string(), "a".to_string()];
        assert_eq!(render_root(format, &names), render_root(format, &names));
    }
}
