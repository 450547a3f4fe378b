#!/usr/bin/env bash
# Runs `depgate serve` for serve.sh in a session of its own, so that it outlives the step
# that started it (a runner may end a step's process group with the step), and writes its
# exit status where `mode: stop` waits for it.
#   serve-run.sh RC_FILE LOG_FILE DEPGATE ARGS...
set -uo pipefail
rc_file="$1" log_file="$2"
shift 2
rc=0
"$@" >"$log_file" 2>&1 </dev/null || rc=$?
echo "$rc" >"$rc_file"
