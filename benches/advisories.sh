#!/usr/bin/env bash
# Benchmark: matching a 2,000-package npm lockfile against a full offline advisory
# database (every real record in testdata/advisories plus generated ones, 300,000 by
# default: the size of npm's osv.dev export and then some), beside osv-scanner v2.5.0's
# offline mode on the same database and lockfile in the same run.
#   depgate cold: the export has never been read (no index in the cache: a full parse);
#   depgate warm: its index exists (later runs read only the lockfile's packages' records).
# Printed: wall time and peak RSS of each (best of RUNS), depgate's load and match times
# (its log), the ratios, whether both found the same (package, version, advisory) set,
# and the machine's load average during the run.
# Targets (issue 19): >= 10x faster than osv-scanner end to end; the match itself < 100 ms warm.
# COUNT=N generated records; DEPGATE_BIN=PATH measures another depgate binary.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-300000}"; RUNS="${RUNS:-3}"; SEED="${SEED:-1}"
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
source scripts/install-osv-scanner.sh
[ -n "${DEPGATE_BIN:-}" ] || cargo build --release --quiet --bin depgate
db="target/bench-advisories/db-$COUNT-$SEED"
if [ ! -f "$db/.complete" ]; then
  rm -rf "$db"
  echo "generating the database ($COUNT generated records + the real ones; ~2 min once)"
  python3 benches/gen-advisories.py --real testdata/advisories --count "$COUNT" --out "$db" --seed "$SEED"
  touch "$db/.complete"
fi
python3 - "$db" "$RUNS" "$DEPGATE_OSV_SCANNER" <<'PY'
import json, os, random, re, resource, shutil, subprocess, sys, tempfile, time, zipfile
db, runs, scanner = os.path.abspath(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
dg = os.path.abspath(os.environ.get("DEPGATE_BIN", "target/release/depgate"))
work = tempfile.mkdtemp()

# The lockfile: the real 1,216-package tree of testdata/npm/large, plus packages named by
# advisories of the database (so there is something to find), to 2,000 entries.
lock = json.load(open("testdata/npm/large/package-lock.json"))
pkgs = lock["packages"]
have = {k.split("node_modules/")[-1] for k in pkgs if k}
rng = random.Random(7)
with zipfile.ZipFile(os.path.join(db, "osv-scalibr/npm/all.zip")) as z:
    names = z.namelist()
    for name in rng.sample(names, 3000):
        rec = json.loads(z.read(name))
        for a in rec.get("affected", []):
            pkg = a.get("package", {}).get("name")
            events = [e for r in a.get("ranges", []) for e in r.get("events", [])]
            intro = next((e["introduced"] for e in events if "introduced" in e and e["introduced"] != "0"), None)
            if not pkg or pkg in have or not intro or not re.fullmatch(r"\d+\.\d+\.\d+", intro):
                continue
            have.add(pkg)
            pkgs[f"node_modules/{pkg}"] = {"version": intro, "resolved": f"https://registry.npmjs.org/{pkg}/-/{pkg.split('/')[-1]}-{intro}.tgz"}
        if len(pkgs) - 1 >= 2000:
            break
lockfile = os.path.join(work, "package-lock.json")
json.dump(lock, open(lockfile, "w"))
n = len(pkgs) - 1

def measure(cmd, env=None):
    """Wall seconds, peak RSS (MiB), exit code and stderr of one child, in a fresh fork."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        os.write(w, json.dumps([dt, rss, p.returncode, p.stderr.decode(errors="replace"), p.stdout.decode(errors="replace")]).encode()); os._exit(0)
    os.close(w); data = b""
    while chunk := os.read(r, 1 << 16): data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)

cache = os.path.join(work, "cache")
env = dict(os.environ, DEPGATE_CACHE_DIR=cache, NO_COLOR="1")
dg_cmd = [dg, "check", work, "--lockfile", lockfile, "--advisories-only", "--advisories-db", db,
          "--advisories-max-age", "never", "--format", "json", "--out", os.path.join(work, "out")]
loads = []
def ms(pattern, text):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")
rows = {"cold": [], "warm": [], "osv-scanner": []}
for _ in range(runs):
    shutil.rmtree(cache, ignore_errors=True)
    rows["cold"].append(measure(dg_cmd, env))
    rows["warm"].append(measure(dg_cmd, env))
    rows["osv-scanner"].append(measure([scanner, "scan", "source", "--offline", "--local-db-path", db, "--format", "json", "-L", lockfile]))
    loads.append(os.getloadavg()[0])
for kind, rs in rows.items():
    for r in rs:
        ok = (0, 1)
        if r[2] not in ok:
            sys.exit(f"{kind} failed (exit {r[2]}):\n{r[3][-2000:]}")

def found_dg(out):
    doc = json.loads(out)
    return {(d["package"]["name"], d["package"]["version"], rid) for d in doc["decisions"]
            for a in d.get("advisories", {}).get("matched", []) for rid in a["records"]}
def found_osv(out):
    doc = json.loads(out)
    return {(p["package"]["name"], p["package"]["version"], v["id"]) for r in doc.get("results", [])
            for p in r.get("packages", []) for v in p.get("vulnerabilities", [])}
a, b = found_dg(rows["warm"][0][4]), found_osv(rows["osv-scanner"][0][4])
best = {k: min(v, key=lambda r: r[0]) for k, v in rows.items()}
print(f"advisory scan: {n}-package npm lockfile, database {os.path.basename(db)} ({sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(db) for f in fs) / 2**20:.0f} MiB of all.zip), best of {runs}")
for kind in ("cold", "warm"):
    r = best[kind]
    print(f"  depgate {kind}: {r[0]:.3f} s wall, peak RSS {max(x[1] for x in rows[kind]):.0f} MiB; "
          f"load {ms(r'advisories: .* in ([0-9.]+) ms', r[3]):.1f} ms, match {ms(r'matched .* in ([0-9.]+) ms', r[3]):.1f} ms")
r = best["osv-scanner"]
print(f"  osv-scanner v2.5.0 offline: {r[0]:.3f} s wall, peak RSS {max(x[1] for x in rows['osv-scanner']):.0f} MiB")
print(f"  ratio osv-scanner / depgate: cold {r[0] / best['cold'][0]:.1f}x, warm {r[0] / best['warm'][0]:.1f}x (end to end)")
print(f"  findings: depgate {len(a)}, osv-scanner {len(b)}, same set: {a == b}" + ("" if a == b else f" (only depgate: {sorted(a - b)[:5]}, only osv-scanner: {sorted(b - a)[:5]})"))
print(f"  load average during the run: {', '.join(f'{l:.2f}' for l in loads)} ({os.cpu_count()} cores)")
shutil.rmtree(work, ignore_errors=True)
PY
