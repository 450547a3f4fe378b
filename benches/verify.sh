#!/usr/bin/env bash
# Benchmark: Sigstore verifications per second of real bundles (../shared/fixtures/sigstore)
# in one process on one thread, against peers on the same files in the same run:
#   - sigstore-python (PyPI `sigstore`): in-process loop, and `sigstore verify identity`
#     per process (what CI steps run);
#   - pypi-attestations: `pypi-attestations verify attestation` per process.
# Then a mixed batch through Trust::verify_batch on one and on two threads (the scaling).
# Targets: issue 3, over 1,000 verifications/s per core; issue 25, 2,000/s on one core for
# every bundle kind and near-linear on two cores. The load average is printed beside the
# figures: the machine may be shared, and wall-clock rates drop with it.
set -euo pipefail
cd "$(dirname "$0")/.."
FX="${DEPGATE_SHARED_DIR:-$(cd .. && pwd)/shared}/fixtures/sigstore"
[ -f "$FX/MANIFEST.md" ] || { echo "error: $FX is missing (set DEPGATE_SHARED_DIR)"; exit 2; }
SECS="${SECS:-3}"; RUNS="${RUNS:-5}"
# Absolute: the peers run with the fixtures folder as their working directory.
VENV="$(realpath -m "${DEPGATE_BENCH_VENV:-target/bench-venv}")"
if [ ! -x "$VENV/bin/sigstore" ] || [ ! -x "$VENV/bin/pypi-attestations" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "sigstore==4.5.1" "pypi-attestations==0.0.30"
fi
cargo build --release --quiet --example verify_bench
bin="${CARGO_TARGET_DIR:-target}/release/examples/verify_bench"
echo "== depgate (in process, one thread per kind; then the batch on 1 and 2 threads)"
echo "load before: $(cat /proc/loadavg) ($(nproc) cores)"
out="$("$bin" "$FX" "$SECS")"
echo "$out"
echo "load after:  $(cat /proc/loadavg)"
export HOME_FOR_PEERS="$(mktemp -d)"
"$VENV/bin/python" - "$FX" "$SECS" "$RUNS" "$VENV" "$out" <<'PY'
import os, re, subprocess, sys, time
fx, secs, runs, venv, ours = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
os.environ["HOME"] = os.environ["HOME_FOR_PEERS"]
from sigstore.models import Bundle
from sigstore.verify import Verifier
from sigstore.verify.policy import Identity

wheel = os.path.join(fx, "pypi/rfc8785-0.1.2/rfc8785-0.1.2-py3-none-any.whl")
bundle_path = wheel + ".sigstore"
ident = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
issuer = "https://token.actions.githubusercontent.com"
verifier = Verifier.production(offline=True)
data = open(wheel, "rb").read()
bundle_json = open(bundle_path).read()
policy = Identity(identity=ident, issuer=issuer)
verifier.verify_artifact(data, Bundle.from_json(bundle_json), policy)
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < secs:
    verifier.verify_artifact(data, Bundle.from_json(bundle_json), policy)
    n += 1
py_rate = n / (time.perf_counter() - t0)

def per_process(cmd, cwd):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            sys.exit(f"peer failed: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
        best = dt if best is None else min(best, dt)
    return best

cli = per_process([os.path.join(venv, "bin/sigstore"), "verify", "identity", "--offline", "--bundle", bundle_path,
                   "--cert-identity", ident, "--cert-oidc-issuer", issuer, wheel], fx)
pa = per_process([os.path.join(venv, "bin/pypi-attestations"), "verify", "attestation", "--offline", "--identity",
                  "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
                  "pypi/pypi_attestations-0.0.19/pypi_attestations-0.0.19.tar.gz"], fx)
rates = {k: float(v) for k, v in re.findall(r"^(.*?)\s+(\d+) verifications/s$", ours, re.M)}
hashed = next(v for k, v in rates.items() if k.startswith("hashedrekord"))
pep740 = next(v for k, v in rates.items() if k.startswith("PEP 740"))
print("== peers (same files, same run)")
print(f"sigstore-python {__import__('sigstore').__version__}, in process (hashedrekord): {py_rate:9.0f} verifications/s  -> depgate x{hashed / py_rate:.1f}")
print(f"sigstore verify identity --offline, per process:      {cli * 1000:9.0f} ms        -> depgate x{hashed * cli:.0f} (bundles per peer process time)")
print(f"pypi-attestations verify attestation --offline (2 attestations), per process: {pa * 1000:.0f} ms -> depgate x{pep740 * pa / 2:.0f}")
PY
