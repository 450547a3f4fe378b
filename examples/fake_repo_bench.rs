//! A standalone fake `PyPI` simple index and Maven repository for benchmarks: publishes N
//! projects (an sdist and a wheel with PEP 658 metadata each) and N Maven artifacts (POM,
//! jar, `.sha1`, `.sha256`), writes a `uv.lock`, a pinned `requirements.txt` and a
//! `depgate-resolved.json` locking them all, and serves them on 127.0.0.1 with added
//! latency until killed. Usage: `fake_repo_bench N LATENCY_MS OUT_DIR` (prints the simple
//! index URL and the Maven URL on stdout, one per line).

#[path = "../tests/support/fake_npm.rs"]
mod fake_npm;
#[path = "../tests/support/fake_repo.rs"]
mod fake_repo;
#[path = "../tests/support/faults.rs"]
mod faults;
#[path = "../tests/support/server.rs"]
mod server;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let latency: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let out = args.get(3).cloned().unwrap_or_else(|| ".".into());
    let out = Path::new(&out);
    let repo = fake_repo::FakeRepo::start();
    let mut uv = String::from("version = 1\nrequires-python = \">=3.9\"\n");
    let mut reqs = String::new();
    let mut artifacts = Vec::new();
    for i in 0..n {
        let name = format!("bench-pkg-{i}");
        let file = format!("bench_pkg_{i}");
        let sdist = repo.publish_py(&name, "1.0.0", &format!("{file}-1.0.0.tar.gz"), "2024-01-01T00:00:00Z");
        let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\nLicense-Expression: MIT\n\n");
        let dist_info = format!("{file}-1.0.0.dist-info");
        let wheel_bytes = zip_stored(&[
            (format!("{file}/__init__.py"), Vec::new()),
            (format!("{dist_info}/METADATA"), metadata.clone().into_bytes()),
            (
                format!("{dist_info}/WHEEL"),
                b"Wheel-Version: 1.0\nGenerator: depgate-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
            ),
            (format!("{dist_info}/RECORD"), Vec::new()),
        ]);
        let wheel = repo.publish_py_bytes(
            &name,
            "1.0.0",
            &format!("{file}-1.0.0-py3-none-any.whl"),
            "2024-01-01T00:00:00Z",
            wheel_bytes,
            Some(metadata.into_bytes()),
        );
        let base = repo.url();
        let _ = write!(
            uv,
            "\n[[package]]\nname = \"{name}\"\nversion = \"1.0.0\"\nsource = {{ registry = \"{}\" }}\n\
             sdist = {{ url = \"{base}files/{file}-1.0.0.tar.gz\", hash = \"sha256:{sdist}\" }}\n\
             wheels = [\n    {{ url = \"{base}files/{file}-1.0.0-py3-none-any.whl\", hash = \"sha256:{wheel}\" }},\n]\n",
            repo.simple_url()
        );
        let _ = writeln!(reqs, "{name}==1.0.0");
        let ga = format!("org.bench.g{}:artifact-{i}", i % 20);
        let sha = repo.publish_maven(&ga, "1.0.0", "Mon, 01 Jan 2024 00:00:00 GMT");
        let (g, a) = ga.split_once(':').unwrap();
        artifacts
            .push(serde_json::json!({"group": g, "name": a, "version": "1.0.0", "extension": "jar", "sha256": sha}));
    }
    std::fs::create_dir_all(out.join("pypi")).unwrap();
    std::fs::create_dir_all(out.join("maven")).unwrap();
    std::fs::write(out.join("pypi/uv.lock"), uv).unwrap();
    std::fs::write(out.join("requirements.txt"), reqs).unwrap();
    let list = serde_json::json!({"format": "depgate.resolved/v1", "artifacts": artifacts});
    std::fs::write(out.join("maven/depgate-resolved.json"), serde_json::to_vec_pretty(&list).unwrap()).unwrap();
    repo.latency(Duration::from_millis(latency));
    println!("{}\n{}", repo.simple_url(), repo.maven_url());
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// CRC-32 (IEEE), bit by bit: small inputs only.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A zip archive of `files`, stored without compression: enough for a valid wheel.
fn zip_stored(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = u32::try_from(out.len()).unwrap();
        let (crc, size, len) = (crc32(data), u32::try_from(data.len()).unwrap(), u16::try_from(name.len()).unwrap());
        let header = |sig: u32, central_entry: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central_entry {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            for v in [20u16, 0, 0, 0, 0x21] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            for v in [crc, size, size] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            h.extend_from_slice(&len.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central_entry {
                for v in [0u16, 0, 0] {
                    h.extend_from_slice(&v.to_le_bytes());
                }
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let (cd_offset, cd_size) = (u32::try_from(out.len()).unwrap(), u32::try_from(central.len()).unwrap());
    out.extend(central);
    let count = u16::try_from(files.len()).unwrap();
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, count, count] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
