//! A standalone fake npm registry for benchmarks: publishes N synthetic packages, writes a
//! lockfile that locks them all, and serves them on 127.0.0.1 with added latency until
//! killed. Usage: `fake_registry N LATENCY_MS LOCKFILE_OUT [CACHE_CONTROL]` (prints the URL
//! on stdout). Packuments carry `Cache-Control: CACHE_CONTROL` (default what
//! registry.npmjs.org sends, `public, max-age=300`; an empty value sends none).

#[path = "../tests/support/fake_npm.rs"]
mod fake_npm;
#[path = "../tests/support/faults.rs"]
mod faults;
#[path = "../tests/support/server.rs"]
mod server;

use std::io::Write;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let latency: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let out = args.get(3).cloned().unwrap_or_else(|| "package-lock.json".into());
    let reg = fake_npm::FakeNpm::start();
    let mut packages = serde_json::Map::new();
    let mut deps = serde_json::Map::new();
    for i in 0..n {
        // A mix of plain and scoped names, like real trees.
        let name = if i % 5 == 0 { format!("@scope{}/pkg-{i}", i % 17) } else { format!("pkg-{i}") };
        let integrity = reg.publish(&name, "1.0.0", "2024-01-01T00:00:00.000Z");
        let base = name.rsplit('/').next().unwrap();
        packages.insert(
            format!("node_modules/{name}"),
            serde_json::json!({"version": "1.0.0", "resolved": format!("{}{name}/-/{base}-1.0.0.tgz", reg.url()), "integrity": integrity}),
        );
        deps.insert(name, "1.0.0".into());
    }
    let mut all = serde_json::Map::new();
    all.insert(String::new(), serde_json::json!({"name": "bench", "version": "1.0.0", "dependencies": deps}));
    all.extend(packages);
    let doc = serde_json::json!({"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": all});
    std::fs::write(&out, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let cache_control = args.get(4).cloned().unwrap_or_else(|| "public, max-age=300".into());
    if !cache_control.is_empty() {
        reg.packument_headers(&[("cache-control", &cache_control)]);
    }
    reg.latency(Duration::from_millis(latency));
    println!("{}", reg.url());
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
