#!/usr/bin/env bash
# Regenerates the PyPI lockfile fixtures of depgate with the REAL tools.
#
# Tests only read the committed lockfiles, pages and expected-*.txt files; this script is
# documentation of how they were made as much as a tool. Nothing here runs in CI.
#
# Tool versions used for the committed fixtures (CPython 3.11.7, Linux x86_64):
#   pip-tools 7.6.2 with pip 26.3   pip-tools/requirements.txt, dev-requirements.txt
#   pip       26.3                  pip-lock/pylock.toml (`pip lock`), the dry-run reports
#   poetry    2.5.1                 poetry/poetry.lock            (lock-version 2.1)
#     + poetry-plugin-export 1.10.1 for `poetry export`
#   poetry    1.4.2                 poetry-legacy/poetry.v2.0.lock (lock-version 2.0, `category`)
#   poetry    1.2.2                 poetry-legacy/poetry.v1.1.lock (lock-version 1.1, [metadata.files])
#   uv        0.13.9                uv/uv.lock (version 1, revision 5) and uv/pylock.toml
#                                   (`uv export --format pylock.toml`)
#   pipenv    2026.10.3             pipenv/Pipfile.lock (pipfile-spec 6)
#   pdm       2.29.4 (hishel 1.4.0)  pdm/pdm.lock (lock_version 4.5.1), in its own venv
#                                   ($TOOLS-pdm): pdm 2.29.4 with hishel 2.x fails
#                                   ("module 'hishel' has no attribute 'SyncSqliteStorage'")
#
# Every tool is installed with pip into a venv under $TOOLS (default /tmp/pytools; poetry
# 1.4.2 and 1.2.2 in their own venvs beside it). Each lockfile is produced in a scratch
# copy of its case under $WORK (default /tmp/depgate-pypi); the lockfile and the tool's
# own listing of what it locked or installed (expected-*.txt: sorted unique
# `normalized-name==version`, one line per registry pin the tool lists; local and git
# packages are checked by the tests separately) are copied back here. No venv, wheel or
# sdist lands in testdata.
#
# The project (all cases declare the same one): requests[socks] (an extra), click,
# typing_extensions and zope.interface (names that normalize), importlib-metadata with a
# marker (python_version < "3.13"), gitdep from git, and a dev/test group with pytest and
# localpkg, a local folder installed editable. Versions are ranges, so a rerun on another
# day locks newer versions and the expected-*.txt files change with them.
#
# Environment of the machine the fixtures were made on, and what it forced:
# - No remote git is reachable: gitdep (testdata/pypi/_src/gitdep) is served from a local
#   bare repository at /tmp/depgate-fixture-git/gitdep.git with pinned commit dates, so
#   its sha is reproducible (545df0e…). Lockfiles only record the URL.
# - The reachable https://pypi.org/simple/ answers every request with PEP 503 HTML, even
#   with `Accept: application/vnd.pypi.simple.v1+json`, and `/pypi/<name>/<version>/json`
#   is 404. uv, pip and pipenv read HTML; poetry does not fall back from JSON, so both
#   poetry projects declare the same index as a poetry "legacy" source: their lock
#   entries carry `[package.source] type = "legacy"`.
# - PIP_FIND_LINKS=/opt/wheels is set in the environment; it is unset here so pip-compile
#   does not write a `--find-links` line.
# - simple/*.json are therefore not fetched: asked for JSON, the index sent HTML that
#   also carries `data-upload-time` (simple/<name>.accept-json.html); simple/<name>.json
#   is derived from that page by simple_html_to_json() below (same files, hashes,
#   requires-python, yanked and upload times), in the PEP 691 shape.
#
# Layout:
#   _src/gitdep, _src/localpkg   sources of the git and the local package
#   pip-tools/                   requirements.in, dev-requirements.in (-c requirements.txt,
#                                -e ./local/localpkg), pip-compile --generate-hashes outputs,
#                                requirements-ci.txt (hand-written: -i, -r, --requirement)
#   pip-lock/                    pylock.toml from `pip lock` (same inputs + pytest)
#   poetry/                      poetry 2 project (PEP 621 [project] + dev group), poetry.lock
#   poetry-legacy/               poetry 1 project ([tool.poetry.dependencies]), two locks
#   uv/                          uv project (dependency-groups, uv sources), uv.lock, pylock.toml
#   pipenv/                      Pipfile, Pipfile.lock
#   pdm/                         pdm project (PEP 621 + a `yaml` extra + dependency-groups),
#                                pdm.lock (`pdm lock -G :all`), and pdm's own word on it:
#                                export-pdm.txt (`pdm export -G :all --without-hashes`) and
#                                list-pdm.json (`pdm list --json` after `pdm sync -G :all`).
#                                pdm's git URL parsing rejects git+file:, so gitdep is served
#                                by `git daemon` on 127.0.0.1 (git://127.0.0.1/py/gitdep.git)
#   popular/                     requirements.in (8 popular projects), requirements.txt from
#                                `uv pip compile --generate-hashes --exclude-newer
#                                2026-11-01T00:00:00Z` (~33 pins, none in cooldown): the live
#                                group's small real project (tests/live_pypi_maven.rs)
#   simple/                      project pages fetched from pypi.org (six, iniconfig: both
#                                answers + derived JSON; requests: HTML), a METADATA file;
#                                hand-written pages (handmade-*.{json,html}) are not made here
#
# Usage: testdata/pypi/regen.sh [case...]   cases: pip_tools pip_lock poetry poetry_legacy uv pipenv pdm popular simple
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="${TOOLS:-/tmp/pytools}"
WORK="${WORK:-/tmp/depgate-pypi}"
GITROOT=/tmp/depgate-fixture-git
PY="${PYTHON:-python3}"
unset PIP_FIND_LINKS

CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(pip_tools pip_lock poetry poetry_legacy uv pipenv pdm popular simple)

install_tools() {
  if [ ! -x "$TOOLS/bin/uv" ]; then
    "$PY" -m venv "$TOOLS"
    "$TOOLS/bin/pip" install pip==26.3 pip-tools==7.6.2 poetry==2.5.1 poetry-plugin-export==1.10.1 \
      uv==0.13.9 pipenv==2026.10.3
  fi
  if [ ! -x "$TOOLS-pdm/bin/pdm" ]; then
    "$PY" -m venv "$TOOLS-pdm"
    "$TOOLS-pdm/bin/pip" install pdm==2.29.4 'hishel[httpx2]==1.4.0'
  fi
  local v
  for v in 1.4.2 1.2.2; do
    if [ ! -x "$TOOLS-poetry$v/bin/poetry" ]; then
      "$PY" -m venv "$TOOLS-poetry$v"
      "$TOOLS-poetry$v/bin/pip" install "poetry==$v"
    fi
  done
}

# A bare git repo holding _src/gitdep at tag v1.0.0, with pinned dates.
make_git_repo() {
  rm -rf "$GITROOT"
  mkdir -p "$GITROOT/src"
  cp -r "$HERE/_src/gitdep/." "$GITROOT/src/"
  (
    cd "$GITROOT/src"
    export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
    export GIT_AUTHOR_NAME=depgate GIT_AUTHOR_EMAIL=fixtures@depgate.invalid
    export GIT_COMMITTER_NAME=depgate GIT_COMMITTER_EMAIL=fixtures@depgate.invalid
    git init -q -b main .
    git add -A
    git commit -q -m "gitdep 1.0.0"
    git tag v1.0.0
    git clone -q --bare . "$GITROOT/gitdep.git"
  )
}

# Fresh scratch copy of a case: its inputs (no lockfiles, no expected files) plus
# local/localpkg. Prints the folder.
scratch() {
  local case="$1" d="$WORK/$1"
  rm -rf "$d" && mkdir -p "$d/local"
  (cd "$HERE/$case" && find . -type f ! -name '*.lock' ! -name 'pylock*.toml' ! -name 'expected-*.txt' \
      ! -name 'requirements.txt' ! -name 'dev-requirements.txt' -print |
    while read -r f; do mkdir -p "$d/$(dirname "$f")" && cp "$f" "$d/$f"; done)
  cp -r "$HERE/_src/localpkg" "$d/local/"
  echo "$d"
}

# Sorted unique `normalized-name==version` from a pip --report JSON on stdin.
report_pins() {
  "$PY" -c '
import json, re, sys
out = set()
for item in json.load(sys.stdin)["install"]:
    m = item["metadata"]
    out.add(re.sub(r"[-_.]+", "-", m["name"]).lower() + "==" + m["version"])
print("\n".join(sorted(out)))'
}

# Sorted unique `normalized-name==version` of the `name==version` lines of a
# requirements-style export on stdin (markers dropped; `-e` and `name @ url` lines are
# local/git packages and left to the tests).
export_pins() {
  "$PY" -c '
import re, sys
out = set()
for line in sys.stdin:
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^]]*\])?==([^ ;\\]+)", line.strip())
    if m:
        out.add(re.sub(r"[-_.]+", "-", m.group(1)).lower() + "==" + m.group(3))
print("\n".join(sorted(out)))'
}

# pip install --dry-run --report of requirements files with their --hash options
# removed: pip refuses hash-checking mode when a file also has an editable or a git
# requirement, which pip-compile writes (with a WARNING comment) for this project.
dry_run() { # dir file
  local d="$1" f="$2"
  "$PY" - "$d" <<'PY'
import pathlib, re, sys
for p in pathlib.Path(sys.argv[1]).glob("*.txt"):
    lines = [l for l in p.read_text().splitlines() if not l.strip().startswith("--hash")]
    p.with_suffix(".nohash").write_text("\n".join(re.sub(r"\s*\\$", "", l) for l in lines) + "\n")
    # -r/-c inside the copies point at the copies
    t = p.with_suffix(".nohash").read_text()
    t = re.sub(r"(-r|-c|--requirement)\s+(\S+)\.txt", r"\1 \2.nohash", t)
    p.with_suffix(".nohash").write_text(t)
PY
  (cd "$d" && "$TOOLS/bin/pip" install --dry-run --ignore-installed --quiet --report - -r "${f%.txt}.nohash") | report_pins
}

case_pip_tools() {
  make_git_repo
  local d
  d="$(scratch pip-tools)"
  (
    cd "$d"
    "$TOOLS/bin/pip-compile" -q --generate-hashes --allow-unsafe --no-strip-extras requirements.in -o requirements.txt
    "$TOOLS/bin/pip-compile" -q --generate-hashes --allow-unsafe --no-strip-extras dev-requirements.in -o dev-requirements.txt
  )
  cp "$d/requirements.txt" "$d/dev-requirements.txt" "$HERE/pip-tools/"
  dry_run "$d" requirements.txt > "$HERE/pip-tools/expected-requirements.txt"
  dry_run "$d" dev-requirements.txt > "$HERE/pip-tools/expected-dev-requirements.txt"
  dry_run "$d" requirements-ci.txt > "$HERE/pip-tools/expected-requirements-ci.txt"
}

case_pip_lock() {
  make_git_repo
  local d
  d="$(scratch pip-lock)"
  cp "$HERE/pip-tools/requirements.in" "$d/"
  (cd "$d" && "$TOOLS/bin/pip" lock -r requirements.in -e ./local/localpkg pytest -o pylock.toml)
  cp "$d/pylock.toml" "$HERE/pip-lock/"
  (cd "$d" && "$TOOLS/bin/pip" install --dry-run --ignore-installed --quiet --report - \
      -r requirements.in -e ./local/localpkg pytest) | report_pins > "$HERE/pip-lock/expected-pip-lock.txt"
}

case_poetry() {
  make_git_repo
  local d
  d="$(scratch poetry)"
  (
    cd "$d"
    export POETRY_CACHE_DIR="$WORK/poetry-cache" POETRY_VIRTUALENVS_IN_PROJECT=true
    "$TOOLS/bin/poetry" lock
    "$TOOLS/bin/poetry" export --all-groups --without-hashes -f requirements.txt
  ) > "$d/export.txt"
  cp "$d/poetry.lock" "$HERE/poetry/"
  export_pins < "$d/export.txt" > "$HERE/poetry/expected-poetry.txt"
}

case_poetry_legacy() {
  make_git_repo
  local v d lockv
  for v in 1.2.2 1.4.2; do
    d="$(scratch poetry-legacy)"
    (
      cd "$d"
      export POETRY_CACHE_DIR="$WORK/poetry$v-cache"
      "$TOOLS-poetry$v/bin/poetry" lock --no-update
      "$TOOLS-poetry$v/bin/poetry" export --with dev --without-hashes -f requirements.txt
    ) > "$d/export.txt"
    lockv="$(sed -n 's/^lock-version = "\(.*\)"/\1/p' "$d/poetry.lock")"
    cp "$d/poetry.lock" "$HERE/poetry-legacy/poetry.v$lockv.lock"
    export_pins < "$d/export.txt" > "$HERE/poetry-legacy/expected-poetry${v//./}.txt"
  done
}

case_uv() {
  make_git_repo
  local d
  d="$(scratch uv)"
  (
    cd "$d"
    export UV_CACHE_DIR="$WORK/uv-cache"
    "$TOOLS/bin/uv" lock
    "$TOOLS/bin/uv" export --all-groups --format pylock.toml -o pylock.toml
    "$TOOLS/bin/uv" export --all-groups --no-hashes --format requirements.txt -o export.txt
  )
  cp "$d/uv.lock" "$d/pylock.toml" "$HERE/uv/"
  export_pins < "$d/export.txt" > "$HERE/uv/expected-uv.txt"
}

case_popular() {
  local d
  d="$(scratch popular)"
  (
    cd "$d"
    export UV_CACHE_DIR="$WORK/uv-cache"
    # --exclude-newer: no pin is younger than the default 7-day cooldown on any day the
    # live group runs (a compile made today would pin versions the gate rightly waits on).
    "$TOOLS/bin/uv" pip compile --quiet --generate-hashes --python-version 3.11 --exclude-newer 2026-11-01T00:00:00Z \
      --custom-compile-command "testdata/pypi/regen.sh popular" requirements.in -o requirements.txt
  )
  cp "$d/requirements.txt" "$HERE/popular/"
}

case_pipenv() {
  make_git_repo
  local d
  d="$(scratch pipenv)"
  (
    cd "$d"
    export PIPENV_VENV_IN_PROJECT=1 PIPENV_CACHE_DIR="$WORK/pipenv-cache" PIPENV_YES=1 PIPENV_NOSPIN=1
    "$TOOLS/bin/pipenv" lock
    "$TOOLS/bin/pipenv" sync --dev
  )
  cp "$d/Pipfile.lock" "$HERE/pipenv/"
  # What pipenv installed into the venv it made; pip and setuptools are the venv's seed
  # packages (not locked by this project).
  "$d/.venv/bin/python" -m pip list --format=json | "$PY" -c '
import json, re, sys
out = {re.sub(r"[-_.]+", "-", p["name"]).lower() + "==" + p["version"] for p in json.load(sys.stdin)
       if p["name"].lower() not in ("pip", "setuptools", "wheel")}
print("\n".join(sorted(out)))' > "$HERE/pipenv/expected-pipenv.txt"
}

case_pdm() {
  make_git_repo
  rm -rf "$GITROOT/py" && git clone -q --bare "$GITROOT/gitdep.git" "$GITROOT/py/gitdep.git"
  git daemon --base-path="$GITROOT" --export-all --reuseaddr --listen=127.0.0.1 --port=9418 "$GITROOT" &
  local gitd=$! d
  sleep 1
  d="$(scratch pdm)"
  rm -f "$d/list-pdm.json" "$d/export-pdm.txt"
  (
    cd "$d"
    export PDM_CACHE_DIR="$WORK/pdm-cache"
    "$TOOLS-pdm/bin/pdm" lock -G :all
    "$TOOLS-pdm/bin/pdm" sync -G :all
    "$TOOLS-pdm/bin/pdm" list --json > list-pdm.json
    "$TOOLS-pdm/bin/pdm" export -G :all --without-hashes -f requirements > export-pdm.txt
  ) || { kill "$gitd"; exit 1; }
  kill "$gitd"
  cp "$d/pdm.lock" "$d/list-pdm.json" "$d/export-pdm.txt" "$HERE/pdm/"
}

# PEP 691 JSON of a PEP 503 page that carries the same data (see the header).
simple_html_to_json() { # html-file page-url
  "$PY" - "$1" "$2" <<'PY'
import html.parser, json, sys, urllib.parse
path, page = sys.argv[1], sys.argv[2]
files, name = [], None
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.a = dict(attrs)
    def handle_data(self, data):
        global name
        if getattr(self, "a", None) is not None and data.strip():
            a = self.a
            url, _, frag = a["href"].partition("#")
            f = {"filename": data.strip(), "url": urllib.parse.urljoin(page, url), "hashes": {}}
            if "=" in frag:
                k, v = frag.split("=", 1)
                f["hashes"][k] = v
            if "data-requires-python" in a:
                f["requires-python"] = a["data-requires-python"]
            if "data-yanked" in a:
                f["yanked"] = a["data-yanked"] or True
            if "data-upload-time" in a:
                f["upload-time"] = a["data-upload-time"]
            files.append(f)
            self.a = None
        elif data.startswith("Links for "):
            name = data[len("Links for "):].strip()
P().feed(open(path, encoding="utf-8").read())
print(json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}, indent=1))
PY
}

case_simple() {
  local n
  mkdir -p "$HERE/simple"
  # requests (yanked releases): its HTML page only, to keep testdata small.
  curl -fsS -H 'Accept: text/html' "https://pypi.org/simple/requests/" -o "$HERE/simple/requests.html"
  for n in six iniconfig; do
    curl -fsS -H 'Accept: text/html' "https://pypi.org/simple/$n/" -o "$HERE/simple/$n.html"
    # Asked for PEP 691 JSON, the reachable index answers with HTML again, but with
    # `data-upload-time` on the links (see the header): kept as <name>.accept-json.html,
    # and the source of the derived <name>.json.
    curl -fsS -H 'Accept: application/vnd.pypi.simple.v1+json' "https://pypi.org/simple/$n/" \
      -o "$HERE/simple/$n.accept-json.html"
    simple_html_to_json "$HERE/simple/$n.accept-json.html" "https://pypi.org/simple/$n/" > "$HERE/simple/$n.json"
  done
  # Core metadata (PEP 658 files are not served by this index; the wheel's METADATA is
  # the same text): from the requests wheel the uv case locked.
  local url
  url="$(grep -m1 -o 'https://files.pythonhosted.org/[^"]*/requests-2\.34\.2-py3-none-any\.whl' "$HERE/uv/uv.lock")"
  curl -fsS "$url" -o "$WORK/requests.whl"
  "$PY" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.stdout.write(z.read("requests-2.34.2.dist-info/METADATA").decode())' \
    "$WORK/requests.whl" > "$HERE/simple/requests-2.34.2.METADATA"
}

main() {
  mkdir -p "$WORK"
  install_tools
  for c in "${CASES[@]}"; do
    echo "== $c"
    "case_$c"
  done
}

main
