#!/usr/bin/env bash
# Fuzz every parser that reads untrusted bytes (targets in fuzz/fuzz_targets/) for a
# bounded time each, then print one row per target: executions, exec/s, corpus size and
# the crashes libFuzzer left in fuzz/artifacts/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 60; the acceptance run is `scripts/fuzz.sh 600`.
#   TARGET...           default: every target in fuzz/Cargo.toml.
# Environment:
#   DEPGATE_FUZZ_SANITIZER  address (default) or none; see below.
#   DEPGATE_FUZZ_JOBS       build jobs (cargo's -j), default: cargo's choice.
#   DEPGATE_FUZZ_CGU        codegen units, default 16: cargo-fuzz's own default of 1
#                           serialises the big crates (depgate, regorus, aws-lc-rs's
#                           bindings) and makes a fresh build take far longer on a small
#                           machine, for runs only a little faster.
#   DEPGATE_SHARED_DIR      where the shared Sigstore fixtures are (scripts/fuzz-seeds.sh).
#
# Toolchain: cargo-fuzz drives libFuzzer through nightly-only rustc flags
# (`-Zsanitizer=address`, and cargo-fuzz's own `-Z` options). There is only a stable
# toolchain here, so the script sets RUSTC_BOOTSTRAP=1, which lets stable rustc accept
# them; the AddressSanitizer runtime ships with the stable standard library. With a
# nightly toolchain installed, `DEPGATE_FUZZ_TOOLCHAIN=+nightly` uses it instead.
# AddressSanitizer is the default: depgate forbids unsafe code, but its dependencies
# (aws-lc-rs, the XML and YAML parsers) do not, and ASan is what makes their memory
# errors crash. `DEPGATE_FUZZ_SANITIZER=none` trades that for a faster build and runs;
# panics, overflows (debug assertions are on) and timeouts are caught either way.
#
# Exit status: 0 when no target crashed, 1 when any did (the table says which), 2 on a
# build or setup failure. Logs: fuzz/logs/<target>.log.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

secs="${1:-60}"
[[ $# -gt 0 ]] && shift
if ! [[ "$secs" =~ ^[0-9]+$ ]] || ((secs == 0)); then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
sanitizer="${DEPGATE_FUZZ_SANITIZER:-address}"
toolchain="${DEPGATE_FUZZ_TOOLCHAIN:-}"
all_targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^depgate-fuzz$')
targets=("$@")
if ((${#targets[@]} == 0)); then
    read -r -d '' -a targets <<<"$all_targets" || true
fi
for t in "${targets[@]}"; do
    grep -qx "$t" <<<"$all_targets" || { echo "fuzz: unknown target $t (see fuzz/Cargo.toml)" >&2; exit 2; }
done

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io (once)" >&2
    cargo install cargo-fuzz --locked || exit 2
fi
[[ -z "$toolchain" ]] && export RUSTC_BOOTSTRAP=1

fuzz_args=(--sanitizer "$sanitizer" --codegen-units "${DEPGATE_FUZZ_CGU:-16}")
# cargo-fuzz 0.13 takes no --jobs: cargo reads the job count from the environment.
[[ -n "${DEPGATE_FUZZ_JOBS:-}" ]] && export CARGO_BUILD_JOBS="$DEPGATE_FUZZ_JOBS"

scripts/fuzz-seeds.sh "${targets[@]}" >/dev/null

echo "fuzz: building ${#targets[@]} targets (sanitizer: $sanitizer)" >&2
# shellcheck disable=SC2086 # $toolchain is empty or one word (+nightly).
if ! cargo $toolchain fuzz build "${fuzz_args[@]}" >&2; then
    echo "fuzz: the build failed" >&2
    exit 2
fi

mkdir -p fuzz/logs
rows=()
crashed=0
for t in "${targets[@]}"; do
    log="fuzz/logs/$t.log"
    artifacts="fuzz/artifacts/$t" # where cargo-fuzz has libFuzzer write crashes
    mkdir -p "$artifacts"
    before=$(find "$artifacts" -type f | wc -l)
    echo "fuzz: $t for ${secs}s" >&2
    start=$(date +%s)
    marker=$(mktemp)
    status=0
    # -timeout: an input that takes 10 s is a hang worth a report, not a slow parse.
    # -rss_limit_mb: libFuzzer's default, stated; an input that needs more is a finding.
    # shellcheck disable=SC2086
    cargo $toolchain fuzz run "${fuzz_args[@]}" "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - start))
    # libFuzzer's final stats (`-print_final_stats=1`); older releases say `_runs`.
    runs=$(sed -nE 's/^stat::number_of_executed_(units|runs): *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    after=$(find "$artifacts" -type f | wc -l)
    new=$((after - before))
    if ((status != 0 || new > 0)); then
        crashed=1
        what=$(grep -m1 -oE "panicked at [^ ]+|ERROR: AddressSanitizer: [a-z-]+|ERROR: libFuzzer: [a-z-]+" "$log" || true)
        echo "fuzz: $t stopped (exit $status): ${what:-see $log}" >&2
        find "$artifacts" -type f -newer "$marker" | sed 's/^/fuzz:   /' >&2
    fi
    rm -f "$marker"
    rows+=("$(printf '%-24s %6s %12s %8s %7s %8s %7s' "$t" "$elapsed" "${runs:-?}" "${rate:-?}" "$corpus" "$new" "$after")")
done

printf '\n%-24s %6s %12s %8s %7s %8s %7s\n' target seconds executions exec/s corpus crashes total
for r in "${rows[@]}"; do
    echo "$r"
done
printf '(crashes: artifacts this run; total: files in fuzz/artifacts/<target>/; logs in fuzz/logs/)\n'
exit "$crashed"
