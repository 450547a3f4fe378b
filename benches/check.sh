#!/usr/bin/env bash
# Benchmark: `depgate check` of a 2,000-package lockfile against a fake npm registry on
# 127.0.0.1 that adds 5 ms of latency to every request and sends npm's
# `Cache-Control: public, max-age=300` with each packument: cold (empty metadata cache),
# warm (inside the freshness window: no request), warm --refresh (every packument
# revalidated with its ETag), with wall time and peak RSS, and `depgate list` of the same
# lockfile (parsing only) as the floor a warm run is measured against.
# Peer in the same run: npm resolving the same 2,000-package tree from package.json
# against the same registry (`npm install --package-lock-only`, no lockfile, cold npm
# cache), which fetches every packument once, as a cold `depgate check` does.
# Targets (issue 25): warm < 0.3 s and <= 3x list, cold < 0.8 s, RSS < 100 MB.
# DEPGATE_BIN=PATH measures another depgate binary (a build from before a change).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-2000}"; LATENCY_MS="${LATENCY_MS:-5}"; RUNS="${RUNS:-3}"
# PROFILE=profiling measures the no-LTO profile (faster to rebuild while iterating; the
# figures of record are the release profile's). CARGO_TARGET_DIR is honoured.
profile="${PROFILE:-release}"; out="${CARGO_TARGET_DIR:-target}/$profile"
cargo build --profile "$profile" --quiet --bin depgate --example fake_registry
work="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$out/examples/fake_registry" "$N" "$LATENCY_MS" "$work/package-lock.json" > "$work/url" &
pid=$!
for _ in $(seq 300); do [ -s "$work/url" ] && break; sleep 0.1; done
url="$(cat "$work/url")"
cat > "$work/depgate.toml" <<TOML
[npm]
chain = ["fake"]
[upstream.fake]
kind = "npm"
url = "$url"
tier = "public"
TOML
DG_OUT="$out" python3 - "$work" "$N" "$RUNS" <<'PY'
import json, os, resource, shutil, subprocess, sys, time
work, n, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
dg = os.path.abspath(os.environ.get("DEPGATE_BIN") or os.path.join(os.environ["DG_OUT"], "depgate"))

def measure(cmd, env=None, cwd=None):
    """Wall seconds and peak RSS (MiB) of one child process, measured in a fresh fork."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd or work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        os.write(w, json.dumps([dt, rss, p.returncode]).encode()); os._exit(0)
    os.close(w); data = b""
    while chunk := os.read(r, 4096): data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)

env = dict(os.environ, DEPGATE_CACHE_DIR=os.path.join(work, "cache"), NO_COLOR="1")
rows = []
for i in range(runs):
    shutil.rmtree(os.path.join(work, "cache"), ignore_errors=True)
    rows.append(("cold", *measure([dg, "check", "--current-time", "2026-01-01T00:00:00Z"], env)))
for i in range(runs):
    rows.append(("warm", *measure([dg, "check", "--current-time", "2026-01-01T00:00:00Z"], env)))
for i in range(runs):
    rows.append(("warm --refresh", *measure([dg, "check", "--refresh", "--current-time", "2026-01-01T00:00:00Z"], env)))
for i in range(runs):
    rows.append(("list", *measure([dg, "list"], env)))
peer = []
if shutil.which("npm"):
    lock = json.load(open(os.path.join(work, "package-lock.json")))
    registry = open(os.path.join(work, "url")).read().strip()
    peer_dir = os.path.join(work, "peer")
    os.makedirs(peer_dir)
    json.dump({"name": "bench", "version": "1.0.0", "dependencies": lock["packages"][""]["dependencies"]}, open(os.path.join(peer_dir, "package.json"), "w"))
    npm_env = dict(os.environ, npm_config_registry=registry, npm_config_update_notifier="false")
    for i in range(runs):
        shutil.rmtree(os.path.join(work, "npm-cache"), ignore_errors=True)
        if os.path.exists(os.path.join(peer_dir, "package-lock.json")):
            os.remove(os.path.join(peer_dir, "package-lock.json"))
        peer.append(("npm", *measure(["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--cache", os.path.join(work, "npm-cache")], npm_env, cwd=peer_dir)))
print(f"depgate check, {n} packages, fake registry with added latency (best of {runs}):")
best_of = {}
for kind in ("cold", "warm", "warm --refresh", "list"):
    sel = [r for r in rows if r[0] == kind]
    best = min(sel, key=lambda r: r[1])
    best_of[kind] = best[1]
    codes = sorted({r[3] for r in sel})
    print(f"  {kind}: {best[1]:.3f} s wall, peak RSS {max(r[2] for r in sel):.1f} MiB, exit {codes}")
print(f"  ratio warm / list: {best_of['warm'] / best_of['list']:.2f} (target <= 3)")
print(f"  load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
if peer:
    best = min(p[1] for p in peer)
    cold = min(r[1] for r in rows if r[0] == "cold")
    print(f"  peer: npm resolving the same tree (cold cache): {best:.3f} s, peak RSS {max(p[2] for p in peer):.1f} MiB, exit {sorted({p[3] for p in peer})}")
    print(f"  ratio depgate cold / npm: {cold / best:.2f} (time), {max(r[2] for r in rows) / max(p[2] for p in peer):.2f} (peak RSS)")
PY
