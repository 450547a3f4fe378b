#!/usr/bin/env python3
"""Compare two captures of the test suite's reports (DEPGATE_CAPTURE_REPORTS, see
tests/support/mod.rs): every run's exit code, stdout, stderr and report files, with what
differs between two runs of the same input blanked (ports, temporary paths, the wall
clock, SBOM identifiers derived from them, durations in log lines, and digests of the
fake registries' port-dependent artifact bytes).

Usage: scripts/compare-reports.py BEFORE AFTER
Prints one line per run that differs (and a unified diff of its first differing file),
then a count; exit status 1 when any run differs or is missing on one side.
"""
import difflib
import os
import re
import sys
import time

RULES = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:[PORT]"),
    (re.compile(r"localhost:\d+"), "localhost:[PORT]"),
    (re.compile(r"/tmp/\.tmp[A-Za-z0-9]{6}"), "[TMP]"),
    (re.compile(r"\.tmp[A-Za-z0-9]{6}"), ".tmp[RANDOM]"),
    (re.compile(r'"(started_at|startedAt)": "[^"]*"'), r'"\1": "[CLOCK]"'),
    (re.compile(r"urn:uuid:[0-9a-f-]{36}"), "urn:uuid:[SERIAL]"),
    (re.compile(r'"documentNamespace": "[^"]*"'), '"documentNamespace": "[NAMESPACE]"'),
    (re.compile(r"\d+(\.\d+)? ?(ms|µs|s)\b"), "[DURATION]"),
    (re.compile(r"pid \d+"), "pid [PID]"),
    (re.compile(r"Port\(\d+\)"), "Port([PORT])"),
    # Runs without --current-time decide at the wall clock (today's date; fixed clocks in
    # the tests are other dates).
    (re.compile(time.strftime("%Y-%m-%d", time.gmtime()) + r"T\d\d:\d\d:\d\d(\.\d+)?Z"), "[WALL-CLOCK]"),
    # Tests that make a fresh signing key per run.
    (re.compile(r"SHA256:[A-Za-z0-9+/]{43}"), "SHA256:[KEY-ID]"),
    # The fake registries' default artifact bytes name their port, so their digests
    # differ from run to run (tests/snapshots.rs pins fixed bytes and compares digests).
    (re.compile(r"\b[0-9a-f]{128}\b|\b[0-9a-f]{64}\b|\b[0-9a-f]{40}\b"), "[HEX]"),
    (re.compile(r"\b(sha512|sha384|sha256|sha1)-[A-Za-z0-9+/]+=*"), r"\1-[SRI]"),
]


def normalize(text):
    for pattern, repl in RULES:
        text = pattern.sub(repl, text)
    return text


def runs(root):
    out = {}
    for test in sorted(os.listdir(root)):
        tdir = os.path.join(root, test)
        for run in sorted(os.listdir(tdir)):
            out[f"{test}/{run}"] = os.path.join(tdir, run)
    return out


def main():
    before, after = runs(sys.argv[1]), runs(sys.argv[2])
    differ = 0
    for key in sorted(set(before) | set(after)):
        if key not in before or key not in after:
            print(f"ONLY {'AFTER' if key in after else 'BEFORE'}: {key}")
            differ += 1
            continue
        files = sorted(set(os.listdir(before[key])) | set(os.listdir(after[key])))
        for f in files:
            a, b = os.path.join(before[key], f), os.path.join(after[key], f)
            ta = normalize(open(a, errors="replace").read()) if os.path.exists(a) else "<missing>"
            tb = normalize(open(b, errors="replace").read()) if os.path.exists(b) else "<missing>"
            if ta != tb:
                differ += 1
                print(f"DIFF {key}/{f}")
                diff = difflib.unified_diff(ta.splitlines(), tb.splitlines(), "before", "after", lineterm="", n=1)
                for line in list(diff)[:40]:
                    print("    " + line)
                break
    print(f"{len(before)} runs before, {len(after)} after, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
