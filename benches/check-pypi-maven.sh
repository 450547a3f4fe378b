#!/usr/bin/env bash
# Benchmark: `depgate check` of a 300-package uv.lock and of a 300-artifact Maven resolved
# list against a fake PyPI simple index and a fake Maven repository on 127.0.0.1 that add
# 5 ms of latency to every request; cold (empty metadata cache) and warm (cached,
# revalidated), with wall time and peak RSS.
# Peer in the same run: pip resolving the same 300 pins against the same index
# (`pip install --dry-run --no-deps --ignore-installed -r requirements.txt`, cold pip
# cache), which fetches every project page and each wheel's PEP 658 metadata, as a cold
# `depgate check` does. No Maven peer: Maven resolves artifacts one module at a time
# from POMs and cannot be pointed at a bare list.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-300}"; LATENCY_MS="${LATENCY_MS:-5}"; RUNS="${RUNS:-3}"
cargo build --release --quiet --bin depgate --example fake_repo_bench
work="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
./target/release/examples/fake_repo_bench "$N" "$LATENCY_MS" "$work" > "$work/urls" &
pid=$!
for _ in $(seq 600); do [ "$(wc -l < "$work/urls")" -ge 2 ] && break; sleep 0.1; done
simple="$(sed -n 1p "$work/urls")"; maven="$(sed -n 2p "$work/urls")"
cat > "$work/pypi/depgate.toml" <<TOML
[pypi]
chain = ["fake"]
[upstream.fake]
kind = "pypi-simple"
url = "$simple"
tier = "public"
TOML
cat > "$work/maven/depgate.toml" <<TOML
[maven]
chain = ["fake"]
[upstream.fake]
kind = "maven"
url = "$maven"
tier = "public"
TOML
python3 - "$work" "$N" "$RUNS" "$simple" <<'PY'
import json, os, resource, shutil, subprocess, sys, time
work, n, runs, simple = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
dg = os.path.abspath("target/release/depgate")

def measure(cmd, env=None, cwd=None):
    """Wall seconds and peak RSS (MiB) of one child process, measured in a fresh fork."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        os.write(w, json.dumps([dt, rss, p.returncode]).encode()); os._exit(0)
    os.close(w); data = b""
    while chunk := os.read(r, 4096): data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)

results = {}
for eco in ("pypi", "maven"):
    cwd = os.path.join(work, eco)
    env = dict(os.environ, DEPGATE_CACHE_DIR=os.path.join(cwd, "cache"), NO_COLOR="1")
    rows = []
    for _ in range(runs):
        shutil.rmtree(os.path.join(cwd, "cache"), ignore_errors=True)
        rows.append(("cold", *measure([dg, "check", "--current-time", "2026-01-01T00:00:00Z"], env, cwd)))
    for _ in range(runs):
        rows.append(("warm", *measure([dg, "check", "--current-time", "2026-01-01T00:00:00Z"], env, cwd)))
    results[eco] = rows
    what = f"uv.lock, {n} packages" if eco == "pypi" else f"Maven resolved list, {n} artifacts"
    print(f"depgate check, {what}, fake upstream with {os.environ.get('LATENCY_MS', '5')} ms latency (best of {runs}):")
    for kind in ("cold", "warm"):
        sel = [r for r in rows if r[0] == kind]
        best = min(sel, key=lambda r: r[1])
        print(f"  {kind}: {best[1]:.3f} s wall, peak RSS {max(r[2] for r in sel):.1f} MiB, exit {sorted({r[3] for r in sel})}")

peer = []
venv = os.path.join(work, "venv")
if subprocess.run([sys.executable, "-m", "venv", venv], stdout=subprocess.DEVNULL).returncode == 0:
    pip = os.path.join(venv, "bin", "pip")
    for _ in range(runs):
        shutil.rmtree(os.path.join(work, "pip-cache"), ignore_errors=True)
        peer.append(measure([pip, "install", "--dry-run", "--no-deps", "--ignore-installed", "--disable-pip-version-check",
                             "--cache-dir", os.path.join(work, "pip-cache"), "--index-url", simple, "-r", os.path.join(work, "requirements.txt")],
                            dict(os.environ), work))
if peer:
    best = min(p[0] for p in peer)
    cold = min(r[1] for r in results["pypi"] if r[0] == "cold")
    print(f"  peer: pip resolving the same {n} pins (cold cache): {best:.3f} s, peak RSS {max(p[1] for p in peer):.1f} MiB, exit {sorted({p[2] for p in peer})}")
    print(f"  ratio depgate cold / pip: {cold / best:.2f} (time), {max(r[2] for r in results['pypi']) / max(p[1] for p in peer):.2f} (peak RSS)")
PY
