#!/usr/bin/env bash
# The report step: `depgate github report` writes the job summary, annotations, the check
# run, the sticky pull request comment and the step outputs, and exits 1 when fail-on is
# reached (after the baseline, see check.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

[ -n "$DG_REPORT_DIR" ] && [ -n "$DG_FAIL_ON" ] || fail "no report to read: the check (or stop) step did not finish" 3
exec "$DEPGATE" github report --report "$DG_REPORT_DIR" --fail-on "$DG_FAIL_ON" --comment "$DG_COMMENT" \
  --check-run "$DG_CHECK_RUN" --annotations true --summary true --outputs true
