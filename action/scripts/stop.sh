#!/usr/bin/env bash
# `mode: stop`: ends the proxy `mode: serve` started (SIGTERM: it finishes the requests in
# flight and writes its report), then hands its report folder to the report step.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

state="$DG_STATE_DIR"
[ -s "$state/serve.ready.json" ] || fail "\`mode: stop\` found no proxy started by \`mode: serve\` in this job"
pid="$(jq -r '.pid // empty' "$state/serve.ready.json")"
[ -n "$pid" ] || fail "the proxy's ready file names no pid" 3
report_dir="$(cat "$state/serve.report")"
echo "report-dir=$report_dir" >>"$GITHUB_OUTPUT"

if [ ! -f "$state/serve.rc" ]; then
  kill -TERM "$pid" 2>/dev/null || true
  gone=0
  for _ in $(seq 1 1200); do
    [ -f "$state/serve.rc" ] && break
    # Gone without a status for 2 s: ended by something else (serve-run.sh writes it at once).
    if ! running "$pid"; then
      gone=$((gone + 1))
      [ "$gone" -lt 20 ] || break
    fi
    sleep 0.1
  done
fi
echo "::group::depgate serve log"
cat "$state/serve.log"
echo "::endgroup::"
rm -f "$state/serve.ready.json"
if [ ! -f "$state/serve.rc" ]; then
  running "$pid" && fail "depgate serve (pid $pid) did not stop within 120 s of SIGTERM" 3
  fail "depgate serve (pid $pid) was no longer running: something ended it before \`mode: stop\`" 3
fi
rc="$(cat "$state/serve.rc")"
[ "$rc" = 0 ] || fail "depgate serve exited $rc (see its log above)" 3
[ -s "$report_dir/decisions.json" ] || fail "depgate serve wrote no decisions.json into $report_dir" 3
echo "fail-on=$DG_FAIL_ON" >>"$GITHUB_OUTPUT"
