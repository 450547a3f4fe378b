#!/usr/bin/env bash
# `mode: check`: gates the project's lockfiles with `depgate check`, after gating the base
# commit's when `baseline` asks for it (see the header of action.yml). Outputs: report-dir
# (set first, so that a failed check still uploads what it wrote), baseline, and the
# fail-on the report step is to use. depgate check's exit 1 (something denied or
# quarantined) is the report step's to judge; 2 (usage, config) and 3 (no decision
# possible) fail here.
set -euo pipefail
# Empty arrays are expanded as ${a[@]+"${a[@]}"}: bash 3.2 (macOS) calls "${a[@]}" unbound under set -u.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

workspace="${GITHUB_WORKSPACE:-$PWD}"
project="$(in_workspace "$DG_PATH")"
[ -d "$project" ] || fail "path \`$DG_PATH\` is not a folder in the workspace"
config_args=()
if [ -n "$DG_CONFIG" ]; then
  config="$(in_workspace "$DG_CONFIG")"
  [ -f "$config" ] || fail "config \`$DG_CONFIG\` is not a file in the workspace"
  config_args=(--config "$config")
fi
report_dir="$DG_REPORT_DIR"
rm -rf "$report_dir"
mkdir -p "$report_dir"
echo "report-dir=$report_dir" >>"$GITHUB_OUTPUT"

# Gates the base commit's lockfiles in a worktree; sets baseline_file to the base's
# decisions.json, or leaves it empty (with a warning saying why) when there is none.
base_report() {
  local base_sha="" event="${GITHUB_EVENT_NAME:-}"
  case "$event" in
    pull_request | pull_request_target | merge_group) ;;
    *) return 0 ;;
  esac
  if ! command -v jq >/dev/null; then
    echo "::warning title=depgate::jq is not installed: no baseline, every package is gated"
    return 0
  fi
  base_sha="$(jq -r '.pull_request.base.sha // .merge_group.base_sha // empty' "${GITHUB_EVENT_PATH:?}")"
  if ! [[ "$base_sha" =~ ^[0-9a-f]{40,64}$ ]]; then
    echo "::warning title=depgate::the $event event names no base commit: no baseline, every package is gated"
    return 0
  fi
  local rel
  case "$project/" in
    "$workspace/"*) rel="${project#"$workspace"}" && rel="${rel#/}" ;;
    *) rel="/" ;;
  esac
  if [ "$rel" = / ] || ! git -C "$workspace" rev-parse --git-dir >/dev/null 2>&1; then
    echo "::warning title=depgate::the project is not in a git checkout of the workspace: no baseline, every package is gated"
    return 0
  fi
  if ! git -C "$workspace" cat-file -e "$base_sha^{commit}" 2>/dev/null; then
    local server="${GITHUB_SERVER_URL:-https://github.com}" auth
    auth="$(printf 'x-access-token:%s' "$DG_TOKEN" | base64 | tr -d '\n')"
    echo "::add-mask::$auth"
    echo "fetching the base commit $base_sha (check out with fetch-depth: 2 to skip this)"
    # An empty value first drops the header actions/checkout may have stored for the host.
    git -C "$workspace" -c "http.$server/.extraheader=" -c "http.$server/.extraheader=AUTHORIZATION: basic $auth" \
      fetch --quiet --no-tags --depth=1 origin "$base_sha" || true
  fi
  if ! git -C "$workspace" cat-file -e "$base_sha^{commit}" 2>/dev/null; then
    echo "::warning title=depgate::the base commit $base_sha is not in the clone and could not be fetched: no baseline, every package is gated"
    return 0
  fi
  local tree="$DG_STATE_DIR/base-tree" out="$DG_STATE_DIR/base-report" rc=0
  git -C "$workspace" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"
  if ! git -C "$workspace" worktree add --quiet --detach --force "$tree" "$base_sha"; then
    echo "::warning title=depgate::cannot check out the base commit $base_sha: no baseline, every package is gated"
    return 0
  fi
  if [ ! -d "$tree/$rel" ]; then
    echo "::notice title=depgate::${rel:-.} is new in this pull request: every package is gated"
  else
    local base_config=()
    if [ -n "$DG_CONFIG" ]; then
      # The base's own configuration where it has one, so the comparison is base against head.
      local crel="${config#"$workspace"/}"
      if [ "$crel" != "$config" ] && [ -f "$tree/$crel" ]; then base_config=(--config "$tree/$crel"); else base_config=(${config_args[@]+"${config_args[@]}"}); fi
    fi
    rm -rf "$out"
    echo "::group::depgate check of the base commit $base_sha"
    (cd "$tree" && "$DEPGATE" check ${base_config[@]+"${base_config[@]}"} --out "$out" --sha "$base_sha" "${rel:-.}") || rc=$?
    echo "::endgroup::"
    if [ "$rc" -le 1 ] && [ -s "$out/decisions.json" ]; then
      baseline_file="$out/decisions.json"
    else
      echo "::warning title=depgate::gating the base commit $base_sha failed (exit $rc): no baseline, every package is gated"
    fi
  fi
  git -C "$workspace" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"
}

baseline_file="" # a decisions.json whose findings are not gated again
baseline_args=()
case "$DG_BASELINE" in
  none) ;;
  auto)
    base_report
    # A committed depgate.trust.json is the project's chosen trust state: depgate check reads it.
    if [ -n "$baseline_file" ] && [ ! -f "$project/depgate.trust.json" ]; then
      baseline_args=(--baseline "$baseline_file")
    fi
    ;;
  *)
    file="$(in_workspace "$DG_BASELINE")"
    [ -f "$file" ] || fail "baseline \`$DG_BASELINE\` is not a file (use auto, none, or a decisions.json / depgate.trust.json)"
    baseline_args=(--baseline "$file")
    if command -v jq >/dev/null && jq -e '.schema == "depgate.decisions/v1"' "$file" >/dev/null 2>&1; then
      baseline_file="$file"
    fi
    ;;
esac
echo "baseline=$baseline_file" >>"$GITHUB_OUTPUT"

rc=0
# Run from the workspace with the path as given: the report names lockfiles relative to the
# workspace, as annotations need.
(cd "$workspace" && "$DEPGATE" check ${config_args[@]+"${config_args[@]}"} ${baseline_args[@]+"${baseline_args[@]}"} --out "$report_dir" "$DG_PATH") || rc=$?
case "$rc" in
  0 | 1) ;;
  2) fail "depgate check exited 2: a usage or configuration error (see above)" 2 ;;
  *) fail "depgate check exited $rc: no decision was possible, failing closed (see above)" "$rc" ;;
esac

# Gate only what changed: findings at or above fail-on that the base already had (the same
# purl, decided no better there) are reported but do not fail the job.
fail_on="$DG_FAIL_ON"
if [ -n "$baseline_file" ] && [ "$fail_on" != never ]; then
  split_findings() { jq -r --slurpfile base "$baseline_file" --argjson t "$(rank "$fail_on")" --argjson table "$1" \
    -f "$(dirname "$0")/baseline.jq" "$report_dir/decisions.json"; }
  counts="$(split_findings false)"
  read -r hits old <<<"$counts"
  if [ "$old" -gt 0 ]; then
    {
      echo "### depgate baseline"
      echo
      echo "$old of the $hits findings at or above \`$fail_on\` were already on the base commit (the same package version, decided no better there): reported, not gated."
      echo
      split_findings true
    } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  fi
  if [ "$hits" -gt 0 ] && [ "$hits" = "$old" ]; then
    echo "::notice title=depgate::all $hits findings at or above $fail_on were already on the base commit: reported, not gated"
    fail_on=never
  elif [ "$old" -gt 0 ]; then
    echo "$((hits - old)) of $hits findings at or above $fail_on are new in this change"
  fi
fi
echo "fail-on=$fail_on" >>"$GITHUB_OUTPUT"
