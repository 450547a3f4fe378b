//! nginx (Debian's nginx-light) as the load balancer in front of a fleet of `depgate
//! serve` replicas: round robin, the next replica on a connection error or a 502/503
//! (what a killed or draining replica gives), and an access log naming which replica
//! answered each request. Stopped on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

/// One line of the access log.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The replicas tried, in order (`127.0.0.1:PORT`), as nginx's `$upstream_addr`.
    pub replicas: Vec<String>,
    pub bytes: u64,
}

/// nginx's path, or `None` (a visible skip; a failure under `DEPGATE_REQUIRE_TOOLS=1`).
pub fn binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().map(PathBuf::from).find(|p| p.exists());
    if found.is_none() {
        assert!(
            !super::served::require_tools(),
            "nginx (apt-get install nginx-light) is required under DEPGATE_REQUIRE_TOOLS=1"
        );
        super::skipped("nginx is not installed (apt-get install nginx-light)");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Nginx {
    /// Balance over `replicas` (`127.0.0.1:PORT` each), with nginx's files under `dir`.
    pub fn start(bin: &Path, dir: &Path, replicas: &[String]) -> Self {
        Self::start_on(bin, dir, replicas, free_port())
    }

    /// [`Self::start`] on a port chosen before (the replicas' public URL names it).
    pub fn start_on(bin: &Path, dir: &Path, replicas: &[String], port: u16) -> Self {
        let dir = dir.to_path_buf();
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        // As root, nginx would hand its workers to `nobody`, who cannot enter a private
        // temporary folder: they stay root then.
        let user = if is_root() { "user root;" } else { "" };
        let servers = replicas.iter().fold(String::new(), |mut out, r| {
            use std::fmt::Write as _;
            let _ = writeln!(out, "    server {r} max_fails=1 fail_timeout=30s;");
            out
        });
        let d = dir.display();
        let conf = format!(
            "{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  log_format fleet '$request_method $uri $status $upstream_addr $body_bytes_sent';
  access_log {d}/access.log fleet;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  upstream depgate {{
{servers}    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 64m;
    location / {{
      proxy_pass http://depgate;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }}
  }}
}}
"
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .expect("nginx starts");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "nginx did not listen: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The access log so far.
    pub fn log(&self) -> Vec<Logged> {
        let text = std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let mut f = l.splitn(4, ' ');
                let (method, path, status, rest) = (f.next()?, f.next()?, f.next()?, f.next()?);
                let (addrs, bytes) = rest.rsplit_once(' ')?;
                Some(Logged {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.parse().ok()?,
                    // `$upstream_addr`: the replicas tried, `, `-separated (`-`: none).
                    replicas: addrs.split(", ").map(|a| a.trim().to_string()).filter(|a| a != "-").collect(),
                    bytes: bytes.parse().unwrap_or(0),
                })
            })
            .collect()
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
