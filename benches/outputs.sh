#!/usr/bin/env bash
# Benchmark: writing every output of a run (decisions.json, summary.md, sbom.cdx.json,
# sbom.spdx.json, results.sarif, the audit.jsonl append).
#  1. 10,000 coordinates (N): examples/outputs_bench builds N records through the library
#     (npm, PyPI and Maven; digests; two tiers; signer identities on a quarter; findings on
#     about one in eight) and times `report::write_report` alone, with the peak RSS of the
#     process while writing (the records included, their building excluded).
#     Targets (issue 6): under 1 s and 200 MB.
#  2. The same inside a real `depgate check` of N npm packages from a fake registry on
#     127.0.0.1 (the time of write_report from depgate's log line; the peak RSS is the
#     whole check's). CHECK=0 skips it.
#  3. The demo's npm project (testdata/demo: package.json + package-lock.json): depgate
#     (its write_report time, and the whole `depgate check --lockfile package-lock.json`
#     against the demo's registry folders) vs the SBOM generators on the same lockfile,
#     offline: @cyclonedx/cyclonedx-npm (`--package-lock-only`, which runs `npm ls`) and
#     @cyclonedx/cdxgen (`-t js --no-install-deps --no-recurse`), installed with npm into
#     ${DEPGATE_TOOLS_DIR:-~/.cache/depgate-tools}/bench-npm. Each runs in a network
#     namespace of its own (`unshare -n`) when the machine allows it.
# Every figure is the best of RUNS; ratios are of runs in this same invocation.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"; RUNS="${RUNS:-5}"; CHECK="${CHECK:-1}"
CYCLONEDX_NPM_VERSION="${CYCLONEDX_NPM_VERSION:-6.0.1}"
CDXGEN_VERSION="${CDXGEN_VERSION:-12.8.4}"
prefix="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}/bench-npm"

cargo build --release --quiet --bin depgate --example outputs_bench --example fake_registry
# Under target/, not /tmp: the outputs are fsynced, and /tmp may be a tmpfs.
mkdir -p target
work="$(mktemp -d -p "$PWD/target" outputs-bench.XXXXXX)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# Peers: installed once, at the pinned versions.
peers=1
if command -v npm >/dev/null && command -v node >/dev/null; then
  have() { node -p "require('$prefix/node_modules/$1/package.json').version" 2>/dev/null || true; }
  if [ "$(have @cyclonedx/cyclonedx-npm)" != "$CYCLONEDX_NPM_VERSION" ] || [ "$(have @cyclonedx/cdxgen)" != "$CDXGEN_VERSION" ]; then
    echo "installing @cyclonedx/cyclonedx-npm@$CYCLONEDX_NPM_VERSION and @cyclonedx/cdxgen@$CDXGEN_VERSION into $prefix" >&2
    mkdir -p "$prefix"
    npm install --silent --no-audit --no-fund --prefix "$prefix" \
      "@cyclonedx/cyclonedx-npm@$CYCLONEDX_NPM_VERSION" "@cyclonedx/cdxgen@$CDXGEN_VERSION" >&2
  fi
else
  peers=0
fi

# 2. A fake registry with N npm packages (no added latency: only the writing is compared).
url=""
if [ "$CHECK" = 1 ]; then
  ./target/release/examples/fake_registry "$N" 0 "$work/check/package-lock.json" > "$work/url" 2>/dev/null &
  pid=$!
  mkdir -p "$work/check"
  for _ in $(seq 600); do [ -s "$work/url" ] && break; sleep 0.1; done
  url="$(cat "$work/url")"
  printf '[npm]\nchain = ["fake"]\n[upstream.fake]\nkind = "npm"\nurl = "%s"\ntier = "public"\n' "$url" > "$work/check/depgate.toml"
fi

# 3. The demo project, unpacked by the binary itself (its registry folders are the chain).
./target/release/depgate demo --dir "$work/demo" >/dev/null 2>&1 || true
mkdir -p "$work/npm-project"
cp testdata/demo/package.json testdata/demo/package-lock.json "$work/npm-project/"

python3 - "$work" "$N" "$RUNS" "$CHECK" "$peers" "$prefix" <<'PY'
import json, os, re, resource, shutil, subprocess, sys, time
work, n, runs, check, peers, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1", sys.argv[6]
dg = os.path.abspath("target/release/depgate")
offline = ["unshare", "-n"] if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0 else []

def measure(cmd, cwd, env=None):
    """Wall seconds, peak RSS (MiB: the largest single process of the tree, as getrusage
    reports for waited-for children), exit code and stderr of one command, in a fresh fork."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        os.write(w, json.dumps([dt, rss, p.returncode, p.stderr.decode(errors="replace")[-20000:]]).encode()); os._exit(0)
    os.close(w); data = b""
    while chunk := os.read(r, 65536): data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)

WROTE = re.compile(r"wrote (\d+) report files for (\d+) packages in ([0-9.]+) ms")
def write_ms(stderr):
    m = WROTE.search(stderr)
    return float(m.group(3)) if m else None

# 1. write_report over N synthetic records.
out = subprocess.run(["target/release/examples/outputs_bench", str(n), str(runs), os.path.join(work, "synthetic")],
                     check=True, capture_output=True, text=True).stdout
kv = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
f = lambda k: float(kv[k])
total_mb = sum(int(v) for k, v in kv.items() if k.startswith("bytes_")) / 1e6
print(f"write_report, {n} synthetic records (npm, PyPI, Maven; best of {runs}):")
print(f"  wall {f('write_ms_best'):.0f} ms (median {f('write_ms_median'):.0f} ms), CPU {f('write_cpu_ms_best'):.0f} ms, {total_mb:.1f} MB written in 6 files  [target < 1000 ms: {'met' if f('write_ms_best') < 1000 else 'NOT met'}]")
print(f"  peak RSS while writing {f('peak_write_mib'):.1f} MiB (records alone {f('rss_records_mib'):.1f} MiB; process peak {f('peak_process_mib'):.1f} MiB)  [target < 200 MB: {'met' if f('peak_write_mib') * 1.048576 < 200 else 'NOT met'}]" + ("" if kv.get("peak_reset") == "true" else "  (peak mark could not be reset: includes building the records)"))
print("  each part alone: " + ", ".join(f"{k[len('render_'):-3]} {f(k):.0f} ms" for k in ("render_decisions_ms", "render_summary_ms", "render_cyclonedx_ms", "render_spdx_ms", "render_sarif_ms")) + f", audit append {f('audit_ms'):.0f} ms")
print("  sizes: " + ", ".join(f"{k[len('bytes_'):]} {int(v) / 1e6:.1f} MB" for k, v in kv.items() if k.startswith("bytes_")))

env = dict(os.environ, DEPGATE_CACHE_DIR=os.path.join(work, "cache"), NO_COLOR="1")
env.pop("DEPGATE_LOG", None); env.pop("DEPGATE_CONFIG", None)

# 2. The same inside a real check of N npm packages.
if check:
    cdir = os.path.join(work, "check")
    rows = []
    for i in range(runs):
        rows.append(measure([dg, "check", "--current-time", "2026-01-01T00:00:00Z", "--out", os.path.join(work, f"check-out-{i}")], cdir, env))
    ws = [write_ms(r[3]) for r in rows if write_ms(r[3]) is not None]
    print(f"depgate check of {n} npm packages from a fake registry on 127.0.0.1 (best of {runs}):")
    if ws:
        print(f"  write_report {min(ws):.0f} ms of a {min(r[0] for r in rows):.2f} s check; peak RSS of the whole check {max(r[1] for r in rows):.1f} MiB; exit {sorted({r[2] for r in rows})}")
    else:
        print(f"  no report-writing time in depgate's log (exit {sorted({r[2] for r in rows})}):\n{rows[-1][3][-2000:]}")

# 3. The demo's npm project: depgate vs the SBOM generators.
demo, proj = os.path.join(work, "demo"), os.path.join(work, "npm-project")
rows = [measure([dg, "check", demo, "--lockfile", os.path.join(demo, "package-lock.json"), "--current-time", "2025-03-22T00:00:00Z",
                 "--out", os.path.join(work, f"demo-out-{i}")], work, env) for i in range(runs)]
ws = [write_ms(r[3]) for r in rows if write_ms(r[3]) is not None]
def comps(path):
    """Components of a CycloneDX BOM, nested ones included (cyclonedx-npm nests)."""
    def count(cs): return sum(1 + count(c.get("components", [])) for c in cs)
    return count(json.load(open(path)).get("components", []))
dg_wall, dg_write = min(r[0] for r in rows), (min(ws) / 1000 if ws else None)
print(f"demo npm project (package-lock.json, {comps(os.path.join(work, 'demo-out-0', 'sbom.cdx.json'))} SBOM components; best of {runs}):")
print(f"  depgate: write_report (all 6 outputs) {dg_write * 1000:.1f} ms; whole check (parse, resolve via the demo's registry folders, verify, policy, write) {dg_wall:.3f} s, peak RSS {max(r[1] for r in rows):.1f} MiB, exit {sorted({r[2] for r in rows})}" if dg_write else f"  depgate: no write time in its log; whole check {dg_wall:.3f} s")
if not peers:
    print("  SKIPPED peers: node/npm are not installed")
    sys.exit(0)
bin_ = os.path.join(prefix, "node_modules", ".bin")
ver = lambda pkg: json.load(open(os.path.join(prefix, "node_modules", pkg, "package.json")))["version"]
peer_cmds = [
    (f"@cyclonedx/cyclonedx-npm {ver('@cyclonedx/cyclonedx-npm')}",
     lambda i: [os.path.join(bin_, "cyclonedx-npm"), "--package-lock-only", "--ignore-npm-errors", "--spec-version", "1.6", "-o", f"cyclonedx-npm-{i}.json"],
     "cyclonedx-npm-0.json"),
    (f"@cyclonedx/cdxgen {ver('@cyclonedx/cdxgen')}",
     lambda i: [os.path.join(bin_, "cdxgen"), "-t", "js", "--no-install-deps", "--no-recurse", "--spec-version", "1.6", "-o", f"cdxgen-{i}.json", "."],
     "cdxgen-0.json"),
]
peer_env = dict(os.environ, npm_config_update_notifier="false")
print(f"  peers on the same lockfile ({'offline: unshare -n' if offline else 'network namespace unavailable: run as is'}):")
for label, cmd, first in peer_cmds:
    prow = [measure(offline + cmd(i), proj, peer_env) for i in range(runs)]
    best = min(r[0] for r in prow)
    codes = sorted({r[2] for r in prow})
    count = comps(os.path.join(proj, first)) if os.path.exists(os.path.join(proj, first)) else "no"
    print(f"    {label}: {best:.3f} s, peak RSS {max(r[1] for r in prow):.1f} MiB, exit {codes}, {count} components")
    if codes != [0]:
        print("      " + prow[-1][3][-1500:].replace("\n", "\n      "))
        continue
    line = f"      ratio {label.split()[0]} / depgate: {best / dg_wall:.1f}x the whole depgate check"
    if dg_write:
        line += f", {best / dg_write:.0f}x depgate's writing of all outputs"
    print(line)
PY
