#!/usr/bin/env bash
# Benchmark: OpenPGP detached-signature verifications per second on one core, RSA-4096
# and Ed25519, beside gpgv (GnuPG 2.2) on the same signatures in the same run:
#   - depgate in process: the keyring loaded once, each verification reads the signature
#     and checks it (examples/pgp_bench.rs, one thread);
#   - depgate per process: `depgate verify FILE --signature SIG --keyring KEYS` run again
#     and again (a CI step checking one file);
#   - gpgv per process: `gpgv --keyring RING SIG FILE` run again and again (gpgv has no
#     way to check many files in one process).
# Also: the 31 real Maven Central signatures of testdata/openpgp/central, in process.
# Target (issue 23): >= 5x gpgv per signature. PROFILE=dev measures the dev build (its
# dependencies, the crypto included, are built with opt-level 2); default: release.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${SECS:-3}"; RUNS="${RUNS:-200}"; PROFILE="${PROFILE:-release}"
command -v gpg >/dev/null && command -v gpgv >/dev/null || { echo "error: needs gpg and gpgv (apt-get install gnupg gpgv)"; exit 2; }
if [ "$PROFILE" = release ]; then
  cargo build --release --quiet --example pgp_bench --bin depgate
else
  cargo build --quiet --example pgp_bench --bin depgate
fi
dir=$PROFILE; [ "$PROFILE" = dev ] && dir=debug
bin="${CARGO_TARGET_DIR:-target}/$dir"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export GNUPGHOME="$work/gh"; mkdir -m 700 "$GNUPGHOME"
head -c 4096 /dev/urandom | base64 > "$work/file"   # a POM-sized file
for spec in "rsa4096 rsa@bench.example" "ed25519 ed@bench.example"; do
  set -- $spec
  gpg --batch --quiet --passphrase '' --quick-gen-key "Bench <$2>" "$1" sign never 2>/dev/null
  gpg --batch --quiet --armor --export "$2" > "$work/$1.asc"
  gpg --batch --quiet --export "$2" > "$work/$1.gpg"
  gpg --batch --quiet --local-user "$2" --armor --detach-sign -o "$work/file.$1.asc" "$work/file"
done
per_process() {  # RUNS times, one core: verifications per second
  local start end
  start=$(date +%s.%N)
  for _ in $(seq "$RUNS"); do taskset -c 0 "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; done
  end=$(date +%s.%N)
  python3 -c "print(f'{$RUNS / ($end - $start):.0f}')"
}
real_args=()
while read -r coord file keys; do
  [ -n "$keys" ] || continue
  [ "$file" = picocli-4.7.7.pom ] && continue   # SHA-1: refused by default
  real_args+=("central:$file" "testdata/openpgp/central/$file" "testdata/openpgp/central/$file.asc" testdata/openpgp/central/signers.keys)
done < testdata/openpgp/central/MANIFEST
inproc="$(taskset -c 0 "$bin/examples/pgp_bench" "$SECS" \
  rsa4096 "$work/file" "$work/file.rsa4096.asc" "$work/rsa4096.asc" \
  ed25519 "$work/file" "$work/file.ed25519.asc" "$work/ed25519.asc" "${real_args[@]}")"
printf '%-10s %14s %14s %14s %10s %10s\n' key "depgate/s" "depgate/s" "gpgv/s" "in-proc" "per-proc"
printf '%-10s %14s %14s %14s %10s %10s\n' "" "(in process)" "(per process)" "(per process)" "vs gpgv" "vs gpgv"
for k in rsa4096 ed25519; do
  dg_in=$(echo "$inproc" | awk -v k="$k" '$1==k {print $2}')
  dg_proc=$(per_process "$bin/depgate" verify "$work/file" --signature "$work/file.$k.asc" --keyring "$work/$k.asc")
  gv=$(per_process gpgv --keyring "$work/$k.gpg" "$work/file.$k.asc" "$work/file")
  printf '%-10s %14s %14s %14s %9.1fx %9.1fx\n' "$k" "$dg_in" "$dg_proc" "$gv" \
    "$(python3 -c "print($dg_in/$gv)")" "$(python3 -c "print($dg_proc/$gv)")"
done
echo "$inproc" | awk '$1 ~ /^central:/ {n++; s+=1/$2} END {if (n) printf "real Maven Central signatures (%d files, RSA/DSA/ECDSA/EdDSA): %.0f verifications/s in process (harmonic mean)\n", n, n/s}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; other jobs on the machine skew every figure alike)"
