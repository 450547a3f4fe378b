#!/usr/bin/env bash
# Helpers shared by the action's scripts (sourced, never run).

# An error in the log and the annotations, then exit 2 (a usage error, as depgate's own).
fail() {
  echo "::error title=depgate::$1"
  exit "${2:-2}"
}

# `one_of NAME VALUE ALLOWED...`: the input NAME must be one of ALLOWED.
one_of() {
  local name="$1" value="$2"
  shift 2
  local v
  for v in "$@"; do
    [ "$value" = "$v" ] && return 0
  done
  fail "input \`$name\` is \`$value\`; use one of: $*"
}

# An absolute path for PATH, taken relative to the workspace.
in_workspace() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "${GITHUB_WORKSPACE:-$PWD}" "$1" ;;
  esac
}

# The severity rank of a decision (allow 0 … error 4) and of a fail-on level.
rank() {
  case "$1" in
    allow) echo 0 ;;
    warn) echo 1 ;;
    quarantine) echo 2 ;;
    deny) echo 3 ;;
    error) echo 4 ;;
    never) echo 99 ;;
    *) echo 4 ;;
  esac
}

# Whether process PID runs (a zombie, ended but not yet reaped, does not).
running() {
  local stat
  stat="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  case "$stat" in
    Z*) return 1 ;;
    *) return 0 ;;
  esac
}
