//! The upstreams of `benches/serve.sh` on 127.0.0.1, with no added latency: a fake npm
//! registry whose tarballs are real gzipped tar archives (so `npm ci` can install them)
//! and a fake `PyPI` simple index with the project list at its root (proxpi reads it
//! first; the test suite's fake index has none).
//!
//! npm: `bench-hot` with VERSIONS versions (manifests with the fields real ones carry, so
//! the full and the abbreviated packument differ) for the request-rate runs, and a tree
//! of N packages (every fifth one scoped, each depending on the one 20 places further on)
//! for `npm ci`, with `package.json` and a lockfile v3 locking that tree written into
//! `OUT_DIR` (its `resolved` URLs point at this registry). `PyPI`: project `bench-hot` with
//! VERSIONS releases of a 16 KiB wheel (with PEP 658 metadata) and an sdist each.
//! Usage: `serve_bench_upstream N VERSIONS OUT_DIR` (prints the npm registry URL and the
//! simple index URL on stdout, one per line, then serves until killed).

#[path = "../tests/support/fake_npm.rs"]
mod fake_npm;
#[path = "../tests/support/faults.rs"]
mod faults;
#[path = "../tests/support/server.rs"]
mod server;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Packages the root of the `npm ci` project depends on directly; each package depends
/// on the one this many places further on, so the rest arrive as transitive ones.
const ROOTS: usize = 20;
const PUBLISHED: &str = "2024-01-01T00:00:00.000Z";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let versions: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(40);
    let out = args.get(3).cloned().unwrap_or_else(|| ".".into());
    let out = Path::new(&out);
    let reg = fake_npm::FakeNpm::start();

    for k in 0..versions {
        let version = format!("1.0.{k}");
        let deps: Map<String, Value> = (0..5).map(|d| (format!("dep-{d}"), json!(format!("^{d}.1.0")))).collect();
        publish(&reg, "bench-hot", &version, &deps, 16 * 1024);
        let extra = [
            ("description", json!("A package the proxy benchmark asks for over and over")),
            ("devDependencies", json!({"mocha": "^10.0.0", "eslint": "^8.50.0", "typescript": "^5.2.0"})),
            ("scripts", json!({"test": "mocha", "lint": "eslint .", "build": "tsc -p ."})),
            ("repository", json!({"type": "git", "url": "git+https://example.invalid/bench/bench-hot.git"})),
            ("keywords", json!(["bench", "proxy", "cache", "npm"])),
            ("author", json!({"name": "Bench Author", "email": "author@example.invalid"})),
            ("maintainers", json!([{"name": "bench", "email": "bench@example.invalid"}])),
            ("engines", json!({"node": ">=18"})),
            ("gitHead", json!(format!("{:040x}", k * 7919 + 1))),
            ("_npmVersion", json!("10.2.0")),
            ("_nodeVersion", json!("20.9.0")),
        ];
        for (key, value) in extra {
            reg.set_version_field("bench-hot", &version, key, value);
        }
    }

    let name_of = |i: usize| if i.is_multiple_of(5) { format!("@scope{}/pkg-{i}", i % 7) } else { format!("pkg-{i}") };
    let mut locked = Map::new();
    let mut root_deps = Map::new();
    for i in 0..n {
        let name = name_of(i);
        let mut deps = Map::new();
        if i + ROOTS < n {
            deps.insert(name_of(i + ROOTS), json!("^1.0.0"));
        }
        let integrity = publish(&reg, &name, "1.0.0", &deps, 4 * 1024 + (i % 13) * 512);
        let base = name.rsplit('/').next().unwrap();
        let mut entry = json!({
            "version": "1.0.0",
            "resolved": format!("{}{name}/-/{base}-1.0.0.tgz", reg.url()),
            "integrity": integrity,
            "license": "MIT",
        });
        if !deps.is_empty() {
            entry["dependencies"] = Value::Object(deps);
        }
        locked.insert(format!("node_modules/{name}"), entry);
        if i < ROOTS {
            root_deps.insert(name, json!("^1.0.0"));
        }
    }
    let manifest = json!({"name": "bench", "version": "1.0.0", "private": true, "dependencies": root_deps});
    let mut packages = Map::new();
    packages.insert(String::new(), manifest.clone());
    packages.extend(locked);
    let lock =
        json!({"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": packages});
    std::fs::create_dir_all(out).unwrap();
    std::fs::write(out.join("package.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    std::fs::write(out.join("package-lock.json"), serde_json::to_vec_pretty(&lock).unwrap()).unwrap();

    let index = pypi_index(versions);
    println!("{}\nhttp://{}/simple/", reg.url(), index.addr);
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Publish `name@version` with a real `.tgz` (`package/package.json`, `index.js` and
/// `filler` bytes of `README.md`) and `deps` in both the tarball's and the registry's
/// manifest; returns the SRI integrity.
fn publish(reg: &fake_npm::FakeNpm, name: &str, version: &str, deps: &Map<String, Value>, filler: usize) -> String {
    let manifest =
        json!({"name": name, "version": version, "main": "index.js", "license": "MIT", "dependencies": deps});
    let seed = name.bytes().chain(version.bytes()).fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let readme = pseudo_text(filler, seed);
    let tar = tar_archive(&[
        ("package/package.json", serde_json::to_vec_pretty(&manifest).unwrap()),
        ("package/index.js", format!("module.exports = '{name}@{version}';\n").into_bytes()),
        ("package/README.md", readme),
    ]);
    let integrity = reg.publish_bytes(name, version, PUBLISHED, gzip_stored(&tar));
    if !deps.is_empty() {
        reg.set_version_field(name, version, "dependencies", Value::Object(deps.clone()));
    }
    integrity
}

/// `len` bytes of printable text from a small linear congruential generator.
fn pseudo_text(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|i| {
            if i % 64 == 63 {
                return b'\n';
            }
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            b' ' + u8::try_from((x >> 16) % 95).unwrap()
        })
        .collect()
}

/// A ustar archive of regular files (mode 0644, mtime 0).
fn tar_archive(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, data) in files {
        let mut h = [0u8; 512];
        let field = |h: &mut [u8; 512], at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
        field(&mut h, 0, path.as_bytes());
        field(&mut h, 100, b"0000644\0");
        field(&mut h, 108, b"0000000\0");
        field(&mut h, 116, b"0000000\0");
        field(&mut h, 124, format!("{:011o}\0", data.len()).as_bytes());
        field(&mut h, 136, b"00000000000\0");
        field(&mut h, 148, b"        ");
        h[156] = b'0';
        field(&mut h, 257, b"ustar\x0000");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        field(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = data.chunks(0xffff).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = u16::try_from(chunk.len()).unwrap();
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3), with a table built on first use.
fn crc32(data: &[u8]) -> u32 {
    let table: Vec<u32> =
        (0..256u32).map(|n| (0..8).fold(n, |c, _| if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 })).collect();
    !data.iter().fold(!0u32, |c, &b| table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8))
}

/// A served file: content type and bytes.
type Files = HashMap<String, (&'static str, Vec<u8>)>;

/// The `PyPI` side: `bench-hot` with `versions` releases of an sdist and a 16 KiB wheel
/// (with PEP 658 metadata), uploaded in 2024. Every page exists as PEP 691 JSON and PEP
/// 503 HTML (by `Accept`); files are under `/files/`.
fn pypi_index(versions: usize) -> server::Server {
    let mut files = Files::new();
    let mut listed = Vec::new();
    for k in 0..versions {
        let version = format!("1.0.{k}");
        let seed = u32::try_from(k).unwrap_or(0);
        let metadata =
            format!("Metadata-Version: 2.1\nName: bench-hot\nVersion: {version}\nLicense-Expression: MIT\n\n");
        for (filename, bytes, metadata) in [
            (format!("bench_hot-{version}.tar.gz"), pseudo_text(12 * 1024, seed), None),
            (format!("bench_hot-{version}-py3-none-any.whl"), pseudo_text(16 * 1024, seed + 1000), Some(&metadata)),
        ] {
            let sha256 = hex::encode(Sha256::digest(&bytes));
            let mut entry = json!({
                "filename": filename, "url": format!("../../files/{filename}"), "hashes": {"sha256": sha256},
                "requires-python": ">=3.8", "upload-time": "2024-01-01T00:00:00.000000Z", "yanked": false,
                "size": bytes.len(),
            });
            if let Some(m) = metadata {
                entry["core-metadata"] = json!({"sha256": hex::encode(Sha256::digest(m.as_bytes()))});
                files.insert(format!("/files/{filename}.metadata"), ("text/plain", m.clone().into_bytes()));
            }
            files.insert(format!("/files/{filename}"), ("application/octet-stream", bytes));
            listed.push(entry);
        }
    }
    let versions: Vec<String> = (0..versions).map(|k| format!("1.0.{k}")).collect();
    let page = json!({"meta": {"api-version": "1.1"}, "name": "bench-hot", "versions": versions, "files": listed});
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for bench-hot</title></head><body>\n",
    );
    for f in &listed {
        let (name, sha) = (f["filename"].as_str().unwrap(), f["hashes"]["sha256"].as_str().unwrap());
        let metadata = f
            .get("core-metadata")
            .map_or(String::new(), |m| format!(" data-core-metadata=\"sha256={}\"", m["sha256"].as_str().unwrap()));
        let _ = writeln!(
            html,
            "<a href=\"../../files/{name}#sha256={sha}\" data-requires-python=\"&gt;=3.8\"{metadata}>{name}</a><br/>"
        );
    }
    html.push_str("</body></html>\n");
    let root = json!({"meta": {"api-version": "1.1"}, "projects": [{"name": "bench-hot"}]});
    let root_html = "<!DOCTYPE html>\n<html><body><a href=\"bench-hot/\">bench-hot</a></body></html>\n";
    files.insert("/simple/json".into(), (SIMPLE_JSON, serde_json::to_vec(&root).unwrap()));
    files.insert("/simple/html".into(), ("text/html", root_html.as_bytes().to_vec()));
    files.insert("/simple/bench-hot/json".into(), (SIMPLE_JSON, serde_json::to_vec(&page).unwrap()));
    files.insert("/simple/bench-hot/html".into(), ("text/html", html.into_bytes()));
    server::Server::start("127.0.0.1:0", Router::new().fallback(serve_index).with_state(Arc::new(files)))
}

const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

async fn serve_index(State(files): State<Arc<Files>>, req: Request) -> Response {
    let path = req.uri().path();
    let key = if path.starts_with("/simple/") {
        let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
        // JSON when it is asked for before HTML (pip and proxpi list it first).
        let json = accept.find(SIMPLE_JSON).is_some_and(|j| accept.find("html").is_none_or(|h| j < h));
        format!("{path}{}", if json { "json" } else { "html" })
    } else {
        path.to_string()
    };
    match files.get(&key) {
        Some((content_type, body)) => ([(header::CONTENT_TYPE, *content_type)], body.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
