#!/usr/bin/env bash
# Benchmark: container images, in one run, against real registries on 127.0.0.1 (Debian's
# docker-registry, the CNCF distribution registry 2.8), images pushed with crane and
# signed with cosign (key-based, no transparency log):
#   1. `depgate check` of a Dockerfile naming IMAGES images (each a two-platform index,
#      pinned by digest, `--platform` alternating), half owned by the first upstream and
#      half falling through to the second (whose images wait by their config's creation
#      time), every image's cosign signature found (referrers API, referrers tag, then the
#      `.sig` tag) and verified with the upstream's key. Cold: a fresh cache each run, best
#      of RUNS. Peer: `cosign verify --key --insecure-ignore-tlog` of the same images one
#      after the other (what a CI step that only checks signatures runs; it knows no chain,
#      ownership or policy).
#   2. `depgate serve`'s /v2/ serving a cached BLOB_MB MiB layer blob, against the
#      registry serving the same blob directly: wrk (THREADS threads, CONNECTIONS
#      keep-alive connections, DURATION seconds), requests/s, MiB/s and p99 latency, each
#      body checked before the load; every proxied request also writes its audit record.
# Prints each number, the ratios, and the load average before and after (2 shared cores:
# read the numbers with it). DEPGATE_BIN=PATH measures another depgate binary.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES="${IMAGES:-50}"; RUNS="${RUNS:-3}"; BLOB_MB="${BLOB_MB:-10}"
DURATION="${DURATION:-10}"; CONNECTIONS="${CONNECTIONS:-8}"; THREADS="${THREADS:-2}"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

source scripts/install-oci-tools.sh
source scripts/install-cosign.sh
for tool in python3 curl; do
  if ! command -v "$tool" >/dev/null; then echo "error: $tool is required" >&2; exit 2; fi
done
if ! command -v wrk >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq wrk
fi
if [ -z "${DEPGATE_BIN:-}" ]; then
  cargo build --release --quiet --bin depgate
fi
depgate_bin="${DEPGATE_BIN:-${CARGO_TARGET_DIR:-target}/release/depgate}"

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

# Two registries.
ports=()
for name in private public; do
  port="$(free_port)"; ports+=("$port")
  mkdir -p "$work/$name"
  printf 'version: 0.1\nlog: {level: warn, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
    "$work/$name/data" "$port" > "$work/$name/config.yml"
  /usr/bin/docker-registry serve "$work/$name/config.yml" > "$work/$name/log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
done
(cd "$work" && COSIGN_PASSWORD="" "$DEPGATE_COSIGN" generate-key-pair >/dev/null 2>&1)

cat > "$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %.1f %.1f\n", summary.requests, summary.duration,
    summary.bytes, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
LUA

python3 - "$work" "$depgate_bin" "$DEPGATE_CRANE" "$DEPGATE_COSIGN" "${ports[0]}" "${ports[1]}" \
  "$IMAGES" "$RUNS" "$BLOB_MB" "$DURATION" "$CONNECTIONS" "$THREADS" "$load_before" <<'PY'
import concurrent.futures, hashlib, io, json, os, subprocess, sys, tarfile, time
(work, depgate, crane, cosign, private_port, public_port, images, runs, blob_mb,
 duration, conns, threads, load_before) = sys.argv[1:14]
images, runs, blob_mb = int(images), int(runs), int(blob_mb)
private, public = f"127.0.0.1:{private_port}", f"127.0.0.1:{public_port}"

def run(args, **kw):
    out = subprocess.run(args, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"error: {' '.join(args[:3])} … failed: {out.stderr.strip()[-2000:]}")
    return out.stdout

def layer(path, content):
    with tarfile.open(path, "w") as t:
        info = tarfile.TarInfo("content.bin"); info.size = len(content)
        t.addfile(info, io.BytesIO(content))

def push(i):
    reg = private if i < images // 2 else public
    repo = f"{reg}/bench/img{i}"
    for arch in ("amd64", "arm64"):
        tar = os.path.join(work, f"l{i}{arch}.tar")
        layer(tar, f"image {i} for {arch}\n".encode())
        run([crane, "append", "--insecure", "-f", tar, "-t", f"{repo}:{arch}"])
        run([crane, "mutate", "--insecure", "--set-platform", f"linux/{arch}", "-t", f"{repo}:{arch}", f"{repo}:{arch}"])
    run([crane, "index", "append", "--insecure", "-m", f"{repo}:amd64", "-m", f"{repo}:arm64", "-t", f"{repo}:1"])
    digest = run([crane, "digest", "--insecure", f"{repo}:1"]).strip()
    run([cosign, "sign", "--key", os.path.join(work, "cosign.key"), "--tlog-upload=false",
         "--allow-http-registry", "--allow-insecure-registry", "-y", f"{repo}@{digest}"],
        env={**os.environ, "COSIGN_PASSWORD": ""})
    return i, reg, digest

t = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    pushed = sorted(pool.map(push, range(images)))
print(f"set-up: {images} two-platform images pushed and signed in {time.monotonic() - t:.0f} s")

project = os.path.join(work, "project"); os.makedirs(project)
key = os.path.join(work, "cosign.pub")
def upstream(name, host, tier):
    return (f'[upstream.{name}]\nkind = "oci"\nurl = "http://{host}/"\nregistry = "docker.io"\n'
            f'tier = "{tier}"\ncosign_key = "{key}"\ntlog = false\n\n')
config = ('[oci]\nchain = ["private", "public"]\n\n' + upstream("private", private, "private")
          + upstream("public", public, "public") + '[policy]\nrequire = "signature"\n')
open(os.path.join(project, "depgate.toml"), "w").write(config)
lines = [f"FROM --platform=linux/{'amd64' if i % 2 == 0 else 'arm64'} bench/img{i}:1@{d} AS s{i}"
         for i, _, d in pushed]
open(os.path.join(project, "Dockerfile"), "w").write("\n".join(lines) + "\n")

def check(n):
    cache = os.path.join(work, f"cache-check-{n}")
    t = time.monotonic()
    out = subprocess.run([depgate, "check", project, "--out", os.path.join(work, f"report-{n}"),
                          "--current-time", "2026-12-01T00:00:00Z"],
                         capture_output=True, text=True, env={**os.environ, "DEPGATE_CACHE_DIR": cache})
    took = time.monotonic() - t
    if out.returncode != 0:
        sys.exit(f"error: depgate check exited {out.returncode}:\n{out.stdout[-3000:]}{out.stderr[-3000:]}")
    d = json.load(open(os.path.join(work, f"report-{n}", "decisions.json")))
    verified = sum(1 for r in d["decisions"] if r["verification"]["status"] == "verified")
    fell = sum(1 for r in d["decisions"] if r.get("resolution", {}).get("upstream") == "public")
    if verified != images or fell != images - images // 2:
        sys.exit(f"error: {verified} of {images} verified, {fell} from the fallback upstream")
    return took

times = [check(n) for n in range(runs)]
best = min(times)
t = time.monotonic()
for i, reg, d in pushed:
    run([cosign, "verify", "--key", key, "--insecure-ignore-tlog", "--allow-http-registry",
         "--allow-insecure-registry", f"{reg}/bench/img{i}@{d}"])
peer = time.monotonic() - t
print(f"\n1. resolve + verify {images} images (index, platform, referrers, signature; half falling through)")
print(f"   depgate check (cold cache):  {best * 1000:7.0f} ms best of {runs} "
      f"({', '.join(f'{x * 1000:.0f}' for x in times)}), {best * 1000 / images:.1f} ms per image")
print(f"   cosign verify, one by one:   {peer * 1000:7.0f} ms, {peer * 1000 / images:.1f} ms per image")
print(f"   ratio: depgate takes {best / peer:.2f}x the time of cosign verify alone")

# 2. The proxy: one image with a BLOB_MB MiB layer in the first upstream.
big = os.urandom(blob_mb << 20)
tar = os.path.join(work, "big.tar"); layer(tar, big)
run([crane, "append", "--insecure", "-f", tar, "-t", f"{private}/bench/big:1"])
bd = run([crane, "digest", "--insecure", f"{private}/bench/big:1"]).strip()
run([cosign, "sign", "--key", os.path.join(work, "cosign.key"), "--tlog-upload=false", "--allow-http-registry",
     "--allow-insecure-registry", "-y", f"{private}/bench/big@{bd}"], env={**os.environ, "COSIGN_PASSWORD": ""})
manifest = json.loads(run([crane, "manifest", "--insecure", f"{private}/bench/big@{bd}"]))
blob = max(manifest["layers"], key=lambda l: l["size"])["digest"]
serve_dir = os.path.join(work, "serve"); os.makedirs(serve_dir)
ready = os.path.join(serve_dir, "ready.json")
log = open(os.path.join(serve_dir, "log"), "w")
proc = subprocess.Popen([depgate, "serve", "--port", "0", "--config", os.path.join(project, "depgate.toml"),
                         "--project", serve_dir, "--ready-file", ready, "--out", os.path.join(serve_dir, "report"),
                         "--current-time", "2026-12-01T00:00:00Z"],
                        stdout=log, stderr=log, env={**os.environ, "DEPGATE_CACHE_DIR": os.path.join(serve_dir, "cache")})
try:
    for _ in range(300):
        if os.path.exists(ready) and os.path.getsize(ready) > 0: break
        time.sleep(0.1)
    proxy = json.load(open(ready))["oci"]
    # Warm: a real pull through the proxy allows the image's blobs and caches them.
    run([crane, "pull", "--insecure", f"{proxy}/bench/big@{bd}", os.path.join(work, "big-pulled.tar")])
    results = {}
    for label, host in (("depgate serve", proxy), ("registry direct", private)):
        url = f"http://{host}/v2/bench/big/blobs/{blob}"
        body = subprocess.run(["curl", "-sf", url], capture_output=True).stdout
        if "sha256:" + hashlib.sha256(body).hexdigest() != blob:
            sys.exit(f"error: {label} served other bytes for {blob}")
        subprocess.run(["wrk", "-t", threads, "-c", conns, "-d", "2s", url], capture_output=True)  # warm-up
        out = run(["wrk", "-t", threads, "-c", conns, "-d", f"{duration}s", "-s", os.path.join(work, "report.lua"), url])
        line = next(l for l in out.splitlines() if l.startswith("BENCH "))
        reqs, us, nbytes, sock_err, status_err, p50, p99 = line.split()[1:]
        if int(status_err) or int(sock_err):
            sys.exit(f"error: {label}: {status_err} non-2xx answers, {sock_err} socket errors under load")
        secs = int(us) / 1e6
        results[label] = (int(reqs) / secs, int(nbytes) / secs / (1 << 20), float(p50) / 1000, float(p99) / 1000)
    audit = [json.loads(l) for l in open(os.path.join(serve_dir, "report", "audit.jsonl"))]
    blob_records = sum(1 for r in audit if r.get("request") == f"blob {blob}")
finally:
    proc.terminate(); proc.wait(30)
print(f"\n2. a cached {blob_mb} MiB blob, wrk -t{threads} -c{conns} -d{duration}s")
for label, (rps, mibs, p50, p99) in results.items():
    print(f"   {label:16s} {rps:8.1f} req/s  {mibs:8.1f} MiB/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
(d_rps, _, _, _), (r_rps, _, _, _) = results["depgate serve"], results["registry direct"]
print(f"   ratio: depgate serve gives {d_rps / r_rps:.2f}x the registry's requests/s "
      f"({blob_records} audit records for the blob, one per request)")
print(f"\nload average before {load_before}, after {' '.join(open('/proc/loadavg').read().split()[:3])} (2 cores)")
PY
