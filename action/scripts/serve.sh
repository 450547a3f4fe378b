#!/usr/bin/env bash
# `mode: serve`: starts `depgate serve` in the background on a free loopback port, waits
# for its ready file, and points the job's later steps at it (GITHUB_ENV):
#   npm_config_registry, YARN_NPM_REGISTRY_SERVER   npm, pnpm, yarn
#   PIP_INDEX_URL, UV_DEFAULT_INDEX                pip, uv
#   DEPGATE_MAVEN_SETTINGS                         mvn -s "$DEPGATE_MAVEN_SETTINGS"
#   DEPGATE_GRADLE_INIT                            gradle --init-script "$DEPGATE_GRADLE_INIT"
#   DEPGATE_PROXY_URL                              the proxy's base URL
# Maven and Gradle are not switched over behind the build's back: the settings file and the
# init script (both written by depgate serve into the report folder) are passed explicitly.
# `mode: stop` ends it; the pid, executable and report folder are kept in the state folder.
set -euo pipefail
# Empty arrays are expanded as ${a[@]+"${a[@]}"}: bash 3.2 (macOS) calls "${a[@]}" unbound under set -u.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "\`mode: serve\` needs jq to read the proxy's ready file; install it first"
workspace="${GITHUB_WORKSPACE:-$PWD}"
project="$(in_workspace "$DG_PATH")"
[ -d "$project" ] || fail "path \`$DG_PATH\` is not a folder in the workspace"
config_args=()
if [ -n "$DG_CONFIG" ]; then
  config="$(in_workspace "$DG_CONFIG")"
  [ -f "$config" ] || fail "config \`$DG_CONFIG\` is not a file in the workspace"
  config_args=(--config "$config")
fi
state="$DG_STATE_DIR"
if [ -s "$state/serve.ready.json" ] && running "$(jq -r .pid "$state/serve.ready.json")"; then
  fail "a proxy this action started is still running; stop it with \`mode: stop\` first"
fi
rm -f "$state/serve.ready.json" "$state/serve.rc"
report_dir="$DG_REPORT_DIR"
rm -rf "$report_dir"
mkdir -p "$report_dir"
printf '%s\n' "$report_dir" >"$state/serve.report"
printf '%s\n' "$DEPGATE" >"$state/serve.bin"

# The job's later steps use the proxy, so it must outlive this step: a session of its own
# where setsid exists (Linux); the runner still ends it with the job's other processes.
detach=()
command -v setsid >/dev/null && detach=(setsid)
(cd "$workspace" && exec ${detach[@]+"${detach[@]}"} bash "$(dirname "$0")/serve-run.sh" "$state/serve.rc" "$state/serve.log" \
  "$DEPGATE" serve ${config_args[@]+"${config_args[@]}"} --project "$project" --port 0 --bind 127.0.0.1 \
  --ready-file "$state/serve.ready.json" --out "$report_dir") &

for _ in $(seq 1 600); do
  [ -s "$state/serve.ready.json" ] && break
  if [ -f "$state/serve.rc" ]; then
    cat "$state/serve.log"
    fail "depgate serve exited $(cat "$state/serve.rc") before it was ready (see above)" 3
  fi
  sleep 0.1
done
[ -s "$state/serve.ready.json" ] || { cat "$state/serve.log"; fail "depgate serve was not ready after 60 s" 3; }
cat "$state/serve.log"

ready="$state/serve.ready.json"
get() { jq -r --arg k "$1" '.[$k] // empty' "$ready"; }
{
  echo "npm_config_registry=$(get npm)"
  echo "YARN_NPM_REGISTRY_SERVER=$(get npm)"
  echo "PIP_INDEX_URL=$(get pypi)"
  echo "UV_DEFAULT_INDEX=$(get pypi)"
  echo "DEPGATE_PROXY_URL=$(get url)"
  echo "DEPGATE_MAVEN_SETTINGS=$(get maven_settings)"
  echo "DEPGATE_GRADLE_INIT=$(get gradle_init)"
} >>"$GITHUB_ENV"
{
  echo "url=$(get url)"
  echo "maven-settings=$(get maven_settings)"
  echo "gradle-init=$(get gradle_init)"
} >>"$GITHUB_OUTPUT"
echo "depgate serve is running (pid $(get pid)); the steps that follow use it. Stop it with \`mode: stop\` under \`if: always()\`."
