#!/usr/bin/env python3
"""Write an osv-scanner-layout offline advisory database: DIR/osv-scalibr/<Ecosystem>/all.zip.

    benches/gen-advisories.py --real testdata/advisories --count 300000 --out /tmp/osvdb [--seed 1]

Each zip holds one <ID>.json per record, as osv.dev's per-ecosystem exports do. The
database holds every real record under --real (OSV JSON as published; PyPA's YAML records
converted to JSON) plus --count synthetic records that follow the OSV schema and the shape
of real GHSA records (~1.5 KB each: ranges with introduced/fixed events, aliases, CVSS
vectors, references, database_specific), spread over npm (most), PyPI and Maven. Synthetic
package names never collide with a real record's package, so the real matches of a
lockfile stay what they are. Deterministic for a given --seed. Standard library only.
"""

import argparse
import json
import os
import random
import re
import sys
import time
import zipfile

ECOSYSTEMS = ("npm", "PyPI", "Maven")

# ---------------------------------------------------------------------------
# A YAML loader for the subset PyPA's advisory records use (block mappings and
# sequences, plain / quoted / block scalars). Scalars stay strings (versions like
# 1.10 must not become numbers; timestamps stay as written), except null/true/false.
# ---------------------------------------------------------------------------


class YamlError(ValueError):
    pass


def _lines(text):
    out = []
    for raw in text.split("\n"):
        stripped = raw.lstrip(" ")
        out.append([len(raw) - len(stripped), stripped])
    return out


def _is_blank(line):
    return line[1] == "" or line[1].startswith("#")


def _scalar(text):
    if text in ("null", "~", "Null", "NULL", ""):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return text


def _strip_comment(text):
    # A plain scalar ends at " #".
    m = re.search(r"\s#", text)
    return text[: m.start()].rstrip() if m else text.rstrip()


def _unescape_double(s):
    out = []
    i = 0
    simple = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "r": "\r", "0": "\0", " ": " ", "e": "\x1b", "a": "\a", "b": "\b"}
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in simple:
                out.append(simple[n])
                i += 2
            elif n == "x":
                out.append(chr(int(s[i + 2 : i + 4], 16)))
                i += 4
            elif n == "u":
                out.append(chr(int(s[i + 2 : i + 6], 16)))
                i += 6
            elif n == "U":
                out.append(chr(int(s[i + 2 : i + 10], 16)))
                i += 10
            elif n == "N":
                out.append("\x85")
                i += 2
            elif n == "_":
                out.append("\xa0")
                i += 2
            else:
                raise YamlError(f"unknown escape \\{n}")
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Parser:
    def __init__(self, text):
        self.lines = _lines(text)
        self.i = 0

    def skip_blank(self):
        while self.i < len(self.lines) and _is_blank(self.lines[self.i]):
            self.i += 1

    def parse_block(self, indent):
        self.skip_blank()
        if self.i >= len(self.lines):
            return None
        ind, text = self.lines[self.i]
        if ind < indent:
            return None
        if text == "-" or text.startswith("- "):
            return self.parse_seq(ind)
        return self.parse_map(ind)

    def parse_seq(self, indent):
        out = []
        while True:
            self.skip_blank()
            if self.i >= len(self.lines):
                break
            ind, text = self.lines[self.i]
            if ind != indent or not (text == "-" or text.startswith("- ")):
                break
            rest = text[2:].lstrip(" ") if text != "-" else ""
            if rest == "":
                self.i += 1
                out.append(self.parse_block(indent + 1))
                continue
            # The item's content starts at the column after "- ".
            col = indent + (len(text) - len(rest))
            self.lines[self.i] = [col, rest]
            if re.match(r"^('(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|[^'\"\s#][^:]*?)\s*:(\s|$)", rest):
                out.append(self.parse_map(col))
            else:
                out.append(self.parse_value_at(col - 1, rest))
        return out

    def parse_map(self, indent):
        out = {}
        while True:
            self.skip_blank()
            if self.i >= len(self.lines):
                break
            ind, text = self.lines[self.i]
            if ind != indent or text.startswith("- ") or text == "-":
                break
            m = re.match(r"^('(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|[^:#][^:]*?)\s*:(?:\s+(.*))?$", text)
            if not m:
                raise YamlError(f"line {self.i + 1}: expected `key: value`, got {text!r}")
            key = m.group(1)
            if key.startswith("'"):
                key = key[1:-1].replace("''", "'")
            elif key.startswith('"'):
                key = _unescape_double(key[1:-1])
            rest = (m.group(2) or "").strip()
            out[key] = self.parse_value_at(indent, rest)
        return out

    def parse_value_at(self, indent, rest):
        """The value after `key:` (or after `- `) on line self.i, whose owner sits at `indent`."""
        if rest == "" or rest.startswith("#"):
            self.i += 1
            self.skip_blank()
            if self.i >= len(self.lines):
                return None
            ind, text = self.lines[self.i]
            if ind > indent:
                return self.parse_block(ind)
            if ind == indent and (text.startswith("- ") or text == "-"):
                return self.parse_seq(ind)
            return None
        if rest[0] in "|>":
            return self.block_scalar(indent, rest)
        if rest[0] == "'":
            return self.quoted(rest, "'")
        if rest[0] == '"':
            return self.quoted(rest, '"')
        # Plain scalar, possibly continued on more-indented lines.
        parts = [_strip_comment(rest)]
        self.i += 1
        while self.i < len(self.lines):
            ind, text = self.lines[self.i]
            if text == "":
                parts.append("")
                self.i += 1
                continue
            if ind <= indent or text.startswith("#"):
                break
            parts.append(_strip_comment(text))
            self.i += 1
        while parts and parts[-1] == "":
            parts.pop()
        return _scalar(_fold(parts)) if len(parts) > 1 else _scalar(parts[0])

    def quoted(self, rest, q):
        # Gather lines until the closing quote.
        buf = [rest]
        self.i += 1
        while not _closed(buf, q):
            if self.i >= len(self.lines):
                raise YamlError("unterminated quoted scalar")
            buf.append(self.lines[self.i][1])
            self.i += 1
        first = buf[0][1:]
        lines = [first] + buf[1:]
        last = lines[-1]
        end = _close_index(last, q, from_start=len(lines) == 1)
        lines[-1] = last[:end]
        if q == "'":
            folded = _fold([ln.strip(" ") if k else ln.rstrip(" ") for k, ln in enumerate(lines)])
            return folded.replace("''", "'")
        # Double-quoted: a trailing backslash joins lines without a space.
        pieces = []
        for k, ln in enumerate(lines):
            s = ln.strip(" ") if k else ln.rstrip(" ")
            if k == 0:
                s = ln if len(lines) == 1 else ln.rstrip(" ")
            pieces.append(s)
        text = ""
        pending_blank = 0
        for k, s in enumerate(pieces):
            if k == 0:
                text = s
                continue
            if s == "" and k < len(pieces) - 1:
                pending_blank += 1
                continue
            if text.endswith("\\") and not text.endswith("\\\\"):
                text = text[:-1] + s
            elif pending_blank:
                text += "\\n" * pending_blank + s
            else:
                text += " " + s
            pending_blank = 0
        return _unescape_double(text)

    def block_scalar(self, indent, header):
        style, chomp = header[0], ""
        for c in header[1:]:
            if c in "+-":
                chomp = c
        self.i += 1
        body = []
        block_indent = None
        while self.i < len(self.lines):
            ind, text = self.lines[self.i]
            if text == "":
                body.append(None)
                self.i += 1
                continue
            if block_indent is None:
                if ind <= indent:
                    break
                block_indent = ind
            if ind < block_indent:
                break
            body.append(" " * (ind - block_indent) + text)
            self.i += 1
        # Trailing blank lines belong to the chomping, not the content.
        trailing = 0
        while body and body[-1] is None:
            body.pop()
            trailing += 1
        lines = ["" if b is None else b for b in body]
        if style == "|":
            content = "\n".join(lines)
        else:
            content = _fold_block(lines)
        if chomp == "-":
            return content
        if chomp == "+":
            return content + "\n" + "\n" * trailing
        return content + "\n" if content else ""


def _fold(parts):
    out = ""
    for k, p in enumerate(parts):
        if k == 0:
            out = p
        elif p == "":
            out += "\n"
        elif out.endswith("\n"):
            out += p
        else:
            out += " " + p
    return out


def _fold_block(lines):
    out = ""
    for k, ln in enumerate(lines):
        if k == 0:
            out = ln
        elif ln == "" or ln.startswith(" ") or (k > 0 and lines[k - 1].startswith(" ")):
            out += "\n" + ln
        elif lines[k - 1] == "":
            out += ln
        else:
            out += " " + ln
    return out


def _close_index(s, q, from_start):
    i = 1 if from_start else 0
    while i < len(s):
        if q == "'" and s[i] == "'":
            if i + 1 < len(s) and s[i + 1] == "'":
                i += 2
                continue
            return i
        if q == '"':
            if s[i] == "\\":
                i += 2
                continue
            if s[i] == '"':
                return i
        i += 1
    return -1


def _closed(buf, q):
    if len(buf) == 1:
        return _close_index(buf[0], q, True) != -1
    return _close_index(buf[-1], q, False) != -1


def load_yaml(text):
    p = _Parser(text)
    value = p.parse_block(0)
    p.skip_blank()
    if p.i < len(p.lines):
        raise YamlError(f"line {p.i + 1}: unexpected {p.lines[p.i][1]!r}")
    return value


# ---------------------------------------------------------------------------
# Real records
# ---------------------------------------------------------------------------


def read_real(root):
    """Every OSV record under root: (id, record dict, json bytes)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            if f.endswith(".json") and (f.startswith(("GHSA-", "MAL-", "PYSEC-", "OSV-", "CVE-"))):
                raw = open(path, "rb").read()
                rec = json.loads(raw)
                out.append((rec["id"], rec, raw))
            elif f.endswith((".yaml", ".yml")) and f.startswith(("PYSEC-", "GHSA-", "MAL-")):
                rec = load_yaml(open(path, encoding="utf-8").read())
                out.append((rec["id"], rec, json.dumps(rec, indent=2, ensure_ascii=False).encode()))
    return out


def ecosystems_of(rec):
    ecos = []
    for a in rec.get("affected") or []:
        e = (a.get("package") or {}).get("ecosystem")
        if e and e not in ecos:
            ecos.append(e)
    return ecos


# ---------------------------------------------------------------------------
# Synthetic records
# ---------------------------------------------------------------------------

SYLLABLES = ["ab", "ac", "al", "an", "ar", "ba", "be", "bo", "ca", "ce", "co", "da", "de", "di", "do", "el", "en", "er",
             "fa", "fi", "fo", "ga", "ge", "go", "ha", "he", "hi", "ka", "ki", "la", "le", "li", "lo", "ma", "me", "mi",
             "mo", "na", "ne", "ni", "no", "or", "pa", "pe", "pi", "po", "qu", "ra", "re", "ri", "ro", "sa", "se", "si",
             "so", "ta", "te", "ti", "to", "ul", "un", "va", "ve", "vi", "wa", "xo", "ya", "ze", "zo"]
WORDS = ["parser", "loader", "client", "core", "utils", "config", "stream", "router", "cache", "auth", "crypto", "json",
         "yaml", "xml", "http", "server", "cli", "logger", "plugin", "template", "schema", "query", "image", "archive"]
CWES = ["CWE-79", "CWE-89", "CWE-22", "CWE-400", "CWE-1333", "CWE-1321", "CWE-502", "CWE-918", "CWE-20", "CWE-94",
        "CWE-200", "CWE-352", "CWE-601", "CWE-770", "CWE-787", "CWE-843"]
KINDS = [("Prototype Pollution", "CWE-1321"), ("Regular Expression Denial of Service", "CWE-1333"),
         ("Path Traversal", "CWE-22"), ("Cross-site Scripting", "CWE-79"), ("Server-Side Request Forgery", "CWE-918"),
         ("Deserialization of Untrusted Data", "CWE-502"), ("Uncontrolled Resource Consumption", "CWE-400"),
         ("Improper Input Validation", "CWE-20"), ("Code Injection", "CWE-94"), ("Open Redirect", "CWE-601")]
GHSA_ALPHABET = "23456789cfghjmpqrvwx"
MAVEN_GROUPS = ["org.example", "io.sample", "com.acmecorp", "net.widgets", "dev.toolkit", "org.synthetic"]
CVSS3 = {"AV": "NALP", "AC": "LH", "PR": "NLH", "UI": "NR", "S": "UC", "C": "NLH", "I": "NLH", "A": "NLH"}


def ghsa_id(rng):
    return "GHSA-" + "-".join("".join(rng.choice(GHSA_ALPHABET) for _ in range(4)) for _ in range(3))


def name_for(rng, eco, taken):
    while True:
        base = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        word = rng.choice(WORDS)
        if eco == "npm":
            n = f"{base}-{word}" if rng.random() < 0.8 else f"@{base}/{word}"
        elif eco == "PyPI":
            n = f"{base}-{word}" if rng.random() < 0.7 else f"{base}{word}"
        else:
            n = f"{rng.choice(MAVEN_GROUPS)}.{base}:{base}-{word}"
        n = f"{n}{rng.randint(0, 999)}" if rng.random() < 0.5 else n
        key = (eco, n.lower())
        if key not in taken:
            taken.add(key)
            return n


def version(rng, eco, major, minor, patch):
    if eco == "Maven" and rng.random() < 0.3:
        return f"{major}.{minor}.{patch}.Final"
    return f"{major}.{minor}.{patch}"


def cvss3(rng):
    return "CVSS:3.1/" + "/".join(f"{k}:{rng.choice(v)}" for k, v in CVSS3.items())


def cvss4(rng):
    parts = [("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"), ("UI", "NPA"), ("VC", "HLN"), ("VI", "HLN"),
             ("VA", "HLN"), ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN")]
    return "CVSS:4.0/" + "/".join(f"{k}:{rng.choice(v)}" for k, v in parts)


def ts(rng, year_lo=2017, year_hi=2026):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(year_lo, year_hi), rng.randint(1, 12), rng.randint(1, 28),
                                               rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))


def synthetic(rng, eco, name, cve_seq):
    gid = ghsa_id(rng)
    kind, cwe = rng.choice(KINDS)
    published = ts(rng)
    affected = []
    # One to three non-overlapping release lines, oldest first, as GHSA writes them.
    majors = sorted(rng.sample(range(0, 14), rng.choice((1, 1, 1, 1, 2, 3))))
    for k, major in enumerate(majors):
        minor = rng.randint(0, 30)
        intro = "0" if k == 0 and rng.random() < 0.45 else version(rng, eco, major, 0, 0)
        fixed_v = version(rng, eco, major, minor, rng.randint(1, 40))
        events = [{"introduced": intro}]
        r = rng.random()
        if r < 0.85:
            events.append({"fixed": fixed_v})
            last = f"< {fixed_v}"
        elif r < 0.95:
            events.append({"last_affected": fixed_v})
            last = f"<= {fixed_v}"
        else:
            last = None  # no fix yet: every version from `introduced`
        entry = {"package": {"ecosystem": eco, "name": name}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}
        if last and rng.random() < 0.4:
            entry["database_specific"] = {"last_known_affected_version_range": last}
        affected.append(entry)
    severity = [{"type": "CVSS_V3", "score": cvss3(rng)}]
    if rng.random() < 0.3:
        severity.append({"type": "CVSS_V4", "score": cvss4(rng)})
    year = published[:4]
    cve = f"CVE-{year}-{cve_seq % 90000 + 10000}"
    repo = f"https://github.com/{name.split(':')[0].strip('@').replace('/', '-')}/{name.split(':')[-1].split('/')[-1]}"
    rec = {
        "schema_version": "1.4.0",
        "id": gid,
        "modified": ts(rng, int(year), 2026),
        "published": published,
        "aliases": [cve],
        "summary": f"{kind} in {name}",
        "details": f"{name} is vulnerable to {kind} ({cwe}) when it processes untrusted input. Upgrade to a fixed version.",
        "severity": severity,
        "affected": affected,
        "references": [
            {"type": "ADVISORY", "url": f"https://nvd.nist.gov/vuln/detail/{cve}"},
            {"type": "WEB", "url": f"{repo}/security/advisories/{gid}"},
            {"type": "WEB", "url": f"{repo}/commit/{rng.getrandbits(160):040x}"} if rng.random() < 0.25 else None,
            {"type": "PACKAGE", "url": repo},
        ],
        "database_specific": {
            "cwe_ids": sorted({cwe, rng.choice(CWES)}),
            "severity": rng.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"]),
            "github_reviewed": True,
            "github_reviewed_at": published,
            "nvd_published_at": None if rng.random() < 0.3 else published,
        },
    }
    rec["references"] = [r for r in rec["references"] if r]
    return gid, rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", required=True, help="folder of real OSV records (testdata/advisories)")
    ap.add_argument("--count", type=int, default=0, help="synthetic records to add")
    ap.add_argument("--out", required=True, help="output folder (gets osv-scalibr/<Ecosystem>/all.zip)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", action="store_true", help="store zip entries uncompressed (default: deflate)")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    rng = random.Random(args.seed)
    real = read_real(args.real)
    taken = set()
    ids = set()
    for rid, rec, _ in real:
        ids.add(rid)
        for a in rec.get("affected") or []:
            p = a.get("package") or {}
            taken.add((p.get("ecosystem"), (p.get("name") or "").lower()))
    comp = zipfile.ZIP_STORED if args.store else zipfile.ZIP_DEFLATED
    zips = {}
    counts = {e: 0 for e in ECOSYSTEMS}

    def zip_for(eco):
        if eco not in zips:
            d = os.path.join(args.out, "osv-scalibr", eco)
            os.makedirs(d, exist_ok=True)
            zips[eco] = zipfile.ZipFile(os.path.join(d, "all.zip"), "w", compression=comp)
        return zips[eco]

    for rid, rec, raw in real:
        for eco in ecosystems_of(rec):
            zip_for(eco).writestr(f"{rid}.json", raw)
            counts[eco] = counts.get(eco, 0) + 1
    weights = [("npm", 0.6), ("PyPI", 0.25), ("Maven", 0.15)]
    total_bytes = 0
    for k in range(args.count):
        x = rng.random()
        eco = "npm" if x < weights[0][1] else "PyPI" if x < weights[0][1] + weights[1][1] else "Maven"
        name = name_for(rng, eco, taken)
        gid, rec = synthetic(rng, eco, name, 10000 + k)
        while gid in ids:
            gid = ghsa_id(rng)
            rec["id"] = gid
        ids.add(gid)
        data = json.dumps(rec, indent=2).encode()
        total_bytes += len(data)
        zip_for(eco).writestr(f"{gid}.json", data)
        counts[eco] += 1
    for z in zips.values():
        z.close()
    size = sum(os.path.getsize(os.path.join(args.out, "osv-scalibr", e, "all.zip")) for e in zips)
    avg = total_bytes / args.count if args.count else 0
    print(f"real records: {len(real)}; synthetic: {args.count} (avg {avg:.0f} bytes of JSON); per ecosystem: "
          + ", ".join(f"{e} {n}" for e, n in counts.items())
          + f"; zips {size / 1e6:.1f} MB; {time.monotonic() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
