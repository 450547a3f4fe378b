#!/usr/bin/env bash
# Benchmark: `depgate serve` as a fleet on this machine: a cached npm tarball (16 KiB)
# through 1, 2 and 3 replicas sharing one S3-compatible store (SeaweedFS) and one
# PostgreSQL audit log, beside the single-process modes they replace, all in one run
# against the same fake upstream (examples/serve_bench_upstream, no added latency):
#   1. disk store + audit.jsonl (today's default)       1 replica
#   2. S3 store + audit.jsonl                            1 replica
#   3. disk store + PostgreSQL audit                     1 replica
#   4. S3 store + PostgreSQL audit                       1, 2, 3 replicas (wrk split evenly)
#   5. per-request cost of a store read: a replica with nothing in memory asks for N
#      distinct tarballs already in the store, one after another on one keep-alive
#      connection: mean time per request from disk and from S3, and the difference
# Every row: requests/s and p99 from wrk (THREADS threads, CONNECTIONS connections,
# DURATION s after a WARMUP s warm-up), each repeated request still writes its audit
# record before the answer (PostgreSQL: group commit, one transaction per batch under the
# fleet's advisory lock; this PostgreSQL runs with fsync on, as in production). The
# machine has 2 cores: wrk, the replicas, SeaweedFS and PostgreSQL share them, so more
# replicas cannot add throughput here; the rows say what the shared store and database
# cost per request, and the load during the run is printed.
# Needs weed (scripts/install-seaweedfs.sh), PostgreSQL 15 (initdb, pg_ctl), wrk, curl,
# python3. PROFILE=profiling measures the no-LTO build; CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-200}"; DURATION="${DURATION:-8}"; WARMUP="${WARMUP:-2}"; CONNECTIONS="${CONNECTIONS:-32}"; THREADS="${THREADS:-2}"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
command -v wrk >/dev/null || { $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq wrk; }
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
# shellcheck source=/dev/null
source scripts/install-seaweedfs.sh
weed="${DEPGATE_WEED:-$tools/bin/weed}"
pg_bin=""
for v in 17 16 15; do [ -x "/usr/lib/postgresql/$v/bin/initdb" ] && { pg_bin="/usr/lib/postgresql/$v/bin"; break; }; done
[ -n "$pg_bin" ] || { echo "error: PostgreSQL's initdb and pg_ctl are needed (apt-get install postgresql)" >&2; exit 2; }

profile="${PROFILE:-release}"; out="${CARGO_TARGET_DIR:-target}/$profile"
cargo build --profile "$profile" --quiet --bin depgate --example serve_bench_upstream
depgate_bin="${DEPGATE_BIN:-$out/depgate}"

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
pg_ctl_stop=""
cleanup() {
  for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; done
  [ -n "$pg_ctl_stop" ] && eval "$pg_ctl_stop" >/dev/null 2>&1 || true
  for p in ${pids[@]+"${pids[@]}"}; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    # (weed does not always stop on TERM; waiting keeps bash from reporting the kill)
    { kill -9 "$p" && wait "$p"; } 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The upstream.
"$out/examples/serve_bench_upstream" "$N" 4 "$work/project" > "$work/upstream.urls" &
pids+=("$!")
for _ in $(seq 600); do [ "$(wc -l < "$work/upstream.urls" 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
npm_up="$(sed -n 1p "$work/upstream.urls")"
[ -n "$npm_up" ] || { echo "error: the fake upstream did not start" >&2; exit 1; }

# SeaweedFS: master, volume, filer and S3 gateway in one process, one S3 identity.
mkdir -p "$work/weed/data"
access=bench-access; secret="bench-secret-$RANDOM$RANDOM"
printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
  "$access" "$secret" > "$work/weed/s3.json"
wp() { free_port; }
m=$(wp); mg=$(wp); v=$(wp); vg=$(wp); f=$(wp); fg=$(wp); s3=$(wp); s3g=$(wp)
"$weed" server -dir="$work/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="$m" -master.port.grpc="$mg" -master.volumeSizeLimitMB=64 -volume.max=64 \
  -volume.port="$v" -volume.port.grpc="$vg" -filer -filer.port="$f" -filer.port.grpc="$fg" \
  -filer.localSocket="$work/weed/filer.sock" -s3 -s3.port="$s3" -s3.port.grpc="$s3g" \
  -s3.port.iceberg=0 -s3.port.lance=0 -s3.localSocket="$work/weed/s3.sock" -s3.config="$work/weed/s3.json" \
  > "$work/weed/log" 2>&1 &
pids+=("$!")
for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$s3/" && break; sleep 0.1; done
for _ in $(seq 100); do
  printf 's3.bucket.create -name bench\ns3.bucket.list\n' | "$weed" shell -master="127.0.0.1:$m.$mg" 2>/dev/null | grep -q '^bench' && break
  sleep 0.3
done

# PostgreSQL, fsync on; as root, the cluster belongs to `nobody`.
pg_dir="$work/pg"; mkdir -p "$pg_dir"
as_owner=""; if [ "$(id -u)" = 0 ]; then chown nobody "$pg_dir"; as_owner="runuser -u nobody --"; fi
pg_port="$(free_port)"; pg_pass="bench$RANDOM$RANDOM"
echo "$pg_pass" > "$pg_dir/pw"; [ -n "$as_owner" ] && chown nobody "$pg_dir/pw"
$as_owner "$pg_bin/initdb" -D "$pg_dir/data" -A scram-sha-256 -U postgres --pwfile="$pg_dir/pw" --no-locale -E UTF8 >/dev/null
$as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir" -l "$pg_dir/log" start >/dev/null
pg_ctl_stop="$as_owner $pg_bin/pg_ctl -D $pg_dir/data -m immediate stop"
PGPASSWORD="$pg_pass" psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE ROLE depgate LOGIN PASSWORD '$pg_pass'" postgres
PGPASSWORD="$pg_pass" psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE audit OWNER depgate" postgres
export BENCH_AUDIT_DB="postgres://depgate:$pg_pass@127.0.0.1:$pg_port/audit"
export AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="$secret"

config() { # NAME STORAGE(disk|s3) AUDIT(file|pg)
  local f="$work/$1.toml"
  printf '[npm]\nchain = ["fake-npm"]\n[upstream.fake-npm]\nkind = "npm"\nurl = "%s"\ntier = "public"\n' "$npm_up" > "$f"
  [ "$2" = s3 ] && printf '\n[storage]\nkind = "s3"\nbucket = "bench"\nendpoint = "http://127.0.0.1:%s"\n' "$s3" >> "$f"
  [ "$3" = pg ] && printf '\n[audit]\ndatabase = "env:BENCH_AUDIT_DB"\ntls = "disable"\n' >> "$f"
  echo "$f"
}
replica_pids=()
# Not called in a command substitution (its subshell would lose the pid, and the replica
# would outlive the row): the port is left in $port.
start_replica() { # CONFIG DIR -> sets $port
  local dir="$2"; mkdir -p "$dir"
  DEPGATE_CACHE_DIR="$dir/cache" "$depgate_bin" serve --port 0 --config "$1" --project "$dir" \
    --current-time 2026-01-01T00:00:00Z --ready-file "$dir/ready.json" --out "$dir/report" > "$dir/log" 2>&1 &
  local pid=$!; pids+=("$pid"); replica_pids+=("$pid")
  for _ in $(seq 300); do [ -s "$dir/ready.json" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  [ -s "$dir/ready.json" ] || { echo "error: depgate serve did not start:" >&2; tail -20 "$dir/log" >&2; exit 1; }
  port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$dir/ready.json")"
}
stop_replicas() {
  for p in ${replica_pids[@]+"${replica_pids[@]}"}; do kill "$p" 2>/dev/null || true; done
  # A child that has exited stays a zombie (still there for kill -0) until it is reaped:
  # its state is read instead, then it is reaped; one still running 10 s after TERM is killed.
  for p in ${replica_pids[@]+"${replica_pids[@]}"}; do
    for _ in $(seq 100); do
      case "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || echo gone)" in Z|gone) break ;; esac
      sleep 0.1
    done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  replica_pids=()
}
tarball_path="$(python3 - "$npm_up" <<'PY'
import json, sys, urllib.request
doc = json.load(urllib.request.urlopen(sys.argv[1] + "pkg-1"))
v = doc["dist-tags"]["latest"]
print("/npm/pkg-1/-/pkg-1-%s.tgz" % v)
PY
)"
cat > "$work/p99.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
measure() { # PORTS... -> "rps p99"
  local conns=$(( CONNECTIONS / $# )); [ "$conns" -ge 1 ] || conns=1
  local t=$(( THREADS / $# )); [ "$t" -ge 1 ] || t=1
  for p in "$@"; do curl -sf -o /dev/null "http://127.0.0.1:$p$tarball_path" || { echo "error: replica $p did not serve the tarball" >&2; exit 1; }; done
  # (waiting on the wrk pids only: the replicas are this shell's children too)
  local i=0 w=()
  for p in "$@"; do wrk -t"$t" -c"$conns" -d"${WARMUP}s" "http://127.0.0.1:$p$tarball_path" >/dev/null & w+=("$!"); done
  wait "${w[@]}"; w=()
  for p in "$@"; do wrk -t"$t" -c"$conns" -d"${DURATION}s" -s "$work/p99.lua" "http://127.0.0.1:$p$tarball_path" > "$work/wrk.$i" & w+=("$!"); i=$((i+1)); done
  wait "${w[@]}"
  python3 - "$work" "$#" <<'PY'
import sys
rps, p99, errors = 0.0, 0.0, 0
for i in range(int(sys.argv[2])):
    for line in open(f"{sys.argv[1]}/wrk.{i}"):
        if line.startswith("RESULT"):
            _, r, p, e = line.split()
            rps += float(r); p99 = max(p99, float(p)); errors += int(e)
if errors:
    sys.exit(f"error: {errors} failed requests under load")
print(f"{rps:.0f} {p99:.2f}")
PY
}

printf '\n%-44s %12s %10s\n' "cached 16 KiB npm tarball" "req/s" "p99 ms"
row() { printf '%-44s %12s %10s\n' "$1" "$2" "$3"; }
declare -A rps
for mode in "disk file" "s3 file" "disk pg" "s3 pg"; do
  set -- $mode
  cfg="$(config "$1-$2" "$1" "$2")"
  start_replica "$cfg" "$work/r-$1-$2"
  read -r r p < <(measure "$port")
  rps["$1-$2"]="$r"
  row "$1 store, $2 audit, 1 replica" "$r" "$p"
  stop_replicas
done
cfg="$(config fleet s3 pg)"
for n in 2 3; do
  ports=()
  for i in $(seq "$n"); do start_replica "$cfg" "$work/fleet-$n-$i"; ports+=("$port"); done
  read -r r p < <(measure "${ports[@]}")
  rps["fleet-$n"]="$r"
  row "s3 store, pg audit, $n replicas" "$r" "$p"
  stop_replicas
done
python3 - "${rps[disk-file]}" "${rps[s3-file]}" "${rps[disk-pg]}" "${rps[s3-pg]}" "${rps[fleet-2]}" "${rps[fleet-3]}" <<'PY'
import sys
d, s, p, sp, f2, f3 = map(float, sys.argv[1:])
us = lambda r: 1e6 / r
print(f"\nper request (CPU of the whole machine / req): disk+file {us(d):.1f} us; S3 adds {us(s)-us(d):+.1f} us, "
      f"PostgreSQL audit adds {us(p)-us(d):+.1f} us, both {us(sp)-us(d):+.1f} us")
print(f"replicas (2 cores shared by wrk, replicas, SeaweedFS, PostgreSQL): 1 -> {sp:.0f}, 2 -> {f2:.0f} ({f2/sp:.2f}x), 3 -> {f3:.0f} ({f3/sp:.2f}x) req/s")
PY

# 5. A store read per request: fill the store through one replica, then a fresh one
# (nothing in memory) asks for every tarball once.
printf '\n%-44s %12s\n' "first request of a stored tarball" "ms/request"
for st in disk s3; do
  cfg="$(config "read-$st" "$st" file)"
  start_replica "$cfg" "$work/read-$st-a"
  python3 - "$npm_up" "$port" "$N" "$work/paths-$st" <<'PY'
import http.client, json, sys, urllib.request
up, port, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
paths = []
for i in (i for i in range(n) if i % 5):  # unscoped names (every fifth is scoped)
    v = json.load(urllib.request.urlopen(f"{up}pkg-{i}"))["dist-tags"]["latest"]
    paths.append(f"/npm/pkg-{i}/-/pkg-{i}-{v}.tgz")
c = http.client.HTTPConnection("127.0.0.1", port)
for p in paths:
    c.request("GET", p); r = c.getresponse(); r.read()
    assert r.status == 200, (p, r.status)
open(out, "w").write("\n".join(paths))
PY
  stop_replicas
  # The disk store lives in the replica's own cache folder: the second replica gets a
  # copy. With S3 everything is in the bucket and the second replica starts empty.
  dir_b="$work/read-$st-b"; mkdir -p "$dir_b"
  if [ "$st" = disk ]; then cp -r "$work/read-$st-a/cache" "$dir_b/cache"; fi
  start_replica "$cfg" "$dir_b"
  ms="$(python3 - "$port" "$work/paths-$st" <<'PY'
import http.client, sys, time
port, paths = int(sys.argv[1]), open(sys.argv[2]).read().split()
c = http.client.HTTPConnection("127.0.0.1", port)
# The listings first (not timed): what is timed is the file from the store.
for p in paths:
    c.request("GET", p.split("/-/")[0]); r = c.getresponse(); r.read()
t = time.perf_counter()
for p in paths:
    c.request("GET", p); r = c.getresponse(); r.read()
    assert r.status == 200, (p, r.status)
print(f"{(time.perf_counter() - t) * 1000 / len(paths):.2f}")
PY
)"
  printf '%-44s %12s\n' "$st store" "$ms"
  stop_replicas
done
printf '\nload (1/5/15 min) before: %s, after: %s; cores: %s\n' "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
