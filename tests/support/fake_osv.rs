//! A fake OSV service on 127.0.0.1 speaking the real protocol: `POST /v1/querybatch`
//! (`{"queries": [{"package": {"name", "ecosystem"}, "version"}]}` → `{"results":
//! [{"vulns": [{"id", "modified"}]}]}`, paged with `next_page_token` when a test asks
//! for it), `GET /v1/vulns/{id}` (the record), and osv.dev's export bucket layout
//! (`GET /<Ecosystem>/all.zip`, with an `ETag` and 304 on `If-None-Match`). Which records
//! affect a version is set by the test (`answer`), never computed by depgate's matcher.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Default)]
struct Inner {
    records: HashMap<String, Value>,
    answers: HashMap<(String, String, String), Vec<String>>,
    exports: HashMap<String, Vec<u8>>,
    /// Answer every request with this status.
    down: Option<u16>,
    /// Records per page of a querybatch result (0: no paging).
    page: usize,
    log: Vec<String>,
}

pub struct FakeOsv {
    pub addr: std::net::SocketAddr,
    inner: Arc<Mutex<Inner>>,
    _server: super::server::Server,
}

impl FakeOsv {
    pub fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let server =
            super::server::Server::start("127.0.0.1:0", Router::new().fallback(handle).with_state(inner.clone()));
        Self { addr: server.addr, inner, _server: server }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serve `record` (an OSV record) at `/v1/vulns/{id}`.
    pub fn publish(&self, record: &Value) {
        let id = record["id"].as_str().unwrap().to_string();
        self.inner.lock().unwrap().records.insert(id, record.clone());
    }

    /// Make querybatch name `ids` for `ecosystem`/`name`@`version`.
    pub fn answer(&self, ecosystem: &str, name: &str, version: &str, ids: &[&str]) {
        self.inner
            .lock()
            .unwrap()
            .answers
            .insert((ecosystem.into(), name.into(), version.into()), ids.iter().map(ToString::to_string).collect());
    }

    /// Serve `zip` as `/<ecosystem>/all.zip`.
    pub fn export(&self, ecosystem: &str, zip: Vec<u8>) {
        self.inner.lock().unwrap().exports.insert(ecosystem.into(), zip);
    }

    pub fn down(&self, status: Option<u16>) {
        self.inner.lock().unwrap().down = status;
    }

    pub fn page_size(&self, n: usize) {
        self.inner.lock().unwrap().page = n;
    }

    /// `METHOD path` of every request so far.
    pub fn log(&self) -> Vec<String> {
        self.inner.lock().unwrap().log.clone()
    }
}

/// An osv.dev-style export: one `<ID>.json` per record.
pub fn export_zip(records: &[Value]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for r in records {
        let name = format!("{}.json", r["id"].as_str().unwrap());
        w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, serde_json::to_string(r).unwrap().as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn etag(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(bytes)[..8]))
}

async fn handle(State(state): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let body: Bytes = axum::body::to_bytes(req.into_body(), 16 << 20).await.unwrap_or_default();
    let mut g = state.lock().unwrap();
    g.log.push(format!("{method} {path}"));
    if let Some(s) = g.down {
        return (StatusCode::from_u16(s).unwrap(), "injected fault").into_response();
    }
    if method == axum::http::Method::POST && path == "/v1/querybatch" {
        let Ok(doc) = serde_json::from_slice::<Value>(&body) else {
            return (StatusCode::BAD_REQUEST, "not JSON").into_response();
        };
        let mut results = Vec::new();
        for q in doc["queries"].as_array().cloned().unwrap_or_default() {
            let key = (
                q["package"]["ecosystem"].as_str().unwrap_or_default().to_string(),
                q["package"]["name"].as_str().unwrap_or_default().to_string(),
                q["version"].as_str().unwrap_or_default().to_string(),
            );
            let ids = g.answers.get(&key).cloned().unwrap_or_default();
            let skip: usize = q["page_token"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
            let take = if g.page == 0 { ids.len() } else { g.page };
            let vulns: Vec<Value> = ids
                .iter()
                .skip(skip)
                .take(take)
                .map(|id| json!({"id": id, "modified": g.records.get(id).map_or(Value::Null, |r| r["modified"].clone())}))
                .collect();
            let mut r = json!({ "vulns": vulns });
            if skip + take < ids.len() {
                r["next_page_token"] = json!((skip + take).to_string());
            }
            results.push(r);
        }
        return ([(header::CONTENT_TYPE, "application/json")], json!({ "results": results }).to_string())
            .into_response();
    }
    if let Some(id) = path.strip_prefix("/v1/vulns/") {
        return match g.records.get(id) {
            Some(r) => ([(header::CONTENT_TYPE, "application/json")], r.to_string()).into_response(),
            None => (StatusCode::NOT_FOUND, "{\"code\":5,\"message\":\"Bug not found.\"}").into_response(),
        };
    }
    if let Some(eco) = path.strip_prefix('/').and_then(|p| p.strip_suffix("/all.zip")) {
        return match g.exports.get(eco) {
            Some(z) => {
                let tag = etag(z);
                if if_none_match.as_deref() == Some(tag.as_str()) {
                    return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
                }
                ([(header::CONTENT_TYPE, "application/zip".to_string()), (header::ETAG, tag)], z.clone())
                    .into_response()
            }
            None => (StatusCode::NOT_FOUND, "not found").into_response(),
        };
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}
