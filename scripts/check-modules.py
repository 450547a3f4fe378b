#!/usr/bin/env python3
"""The module rules of DESIGN.md, checked from the source:

1. no import cycle between the top-level modules of src/, nor among the children of
   `proxy/`, `report/`, `ecosystem/pypi`, `engine/` and `audit/`;
2. the pure modules (`report/`, `policy/`) use no file system, environment or network
   (`std::fs`, `std::env`, `tokio::fs`, `std::net`, `tokio::net`, `reqwest`, `File`,
   `OpenOptions`) and no module that does (`crate::atomic`, `crate::cache`,
   `crate::upstream::Upstreams`, `crate::load`, `crate::output`).

Usage: scripts/check-modules.py [--graph] [SCOPE ...]
  SCOPE  `top` or a module folder (`proxy`, `report`, `ecosystem/pypi`): its direct
         children are the nodes. Default: all of the above.
Every `crate::a::b` path (in `use` lines and inline) and every `super::x` / `self::x`
path in non-test code counts as an edge from the file's node to the node it names.
Test code (`#[cfg(test)]` items, `*_tests.rs`, `tests.rs`) and comments are left out.
Exit status 1 when a rule is broken; each break is printed.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)::\{([^;]*)\};", re.S)


def strip_tests(text):
    """Drop `#[cfg(test)]` items (a mod block or a single item) and comments."""
    text = re.sub(r"//[^\n]*", "", text)
    out, i = [], 0
    while True:
        j = text.find("#[cfg(test)]", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = j + len("#[cfg(test)]")
        # Skip to the end of the next item: a `;` before any `{`, or the matching `}`.
        depth, started = 0, False
        while k < len(text):
            c = text[k]
            if c == ";" and not started:
                k += 1
                break
            if c == "{":
                depth += 1
                started = True
            elif c == "}":
                depth -= 1
                if started and depth == 0:
                    k += 1
                    break
            k += 1
        i = k
    return "".join(out)


def module_of(rel):
    """`proxy/gate.rs` -> ['proxy', 'gate']; `proxy/mod.rs` -> ['proxy']."""
    parts = rel[:-3].split("/")
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def edges_of(mod, text):
    """Absolute module paths (lists) that `mod` names."""
    found = []
    for m in USE_GROUP.finditer(text):
        root = m.group(1)
        for item in re.split(r",", m.group(2)):
            item = item.strip()
            if item:
                found.append((root, [p for p in re.split(r"::", item.split("{")[0]) if p and p != "self"]))
    for m in PATH.finditer(text):
        segs = [s for s in m.group(2).split("::") if s and s != "{"]
        found.append((m.group(1), segs))
    out = []
    for root, segs in found:
        if root == "crate":
            out.append(segs)
        elif root == "super":
            base = mod[:-1] if mod else []
            out.append(base + segs)
        else:
            out.append(mod + segs)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = "--graph" in sys.argv
    scopes = args or ["top", "proxy", "report", "ecosystem/pypi", "engine", "audit"]
    check_pure = not args
    files = {}
    for root, _, names in os.walk(SRC):
        for n in names:
            if not n.endswith(".rs") or n == "tests.rs" or n.endswith("_tests.rs"):
                continue
            rel = os.path.relpath(os.path.join(root, n), SRC)
            with open(os.path.join(root, n)) as f:
                files[rel] = strip_tests(f.read())
    status = 0
    for scope in scopes:
        prefix = [] if scope == "top" else scope.split("/")
        if prefix and not os.path.isdir(os.path.join(SRC, *prefix)):
            print(f"{scope}: no such module folder")
            status = 1
            continue
        graph = {}
        for rel, text in files.items():
            mod = module_of(rel)
            if mod[: len(prefix)] != prefix or len(mod) <= len(prefix):
                continue
            node = mod[len(prefix)]
            if prefix == [] and node in ("main",):
                continue
            graph.setdefault(node, set())
            for target in edges_of(mod, text):
                if target[: len(prefix)] != prefix or len(target) <= len(prefix):
                    continue
                other = target[len(prefix)]
                child = os.path.join(SRC, *prefix, other)
                if other != node and (os.path.isfile(child + ".rs") or os.path.isdir(child)):
                    graph[node].add(other)
        if show:
            for n in sorted(graph):
                print(f"{scope}: {n} -> {', '.join(sorted(graph[n])) or '-'}")
        cycle = find_cycle(graph)
        if cycle:
            print(f"{scope}: cycle {' -> '.join(cycle)}")
            status = 1
        else:
            print(f"{scope}: no cycle among {len(graph)} modules")
    if check_pure:
        status |= purity(files)
    return status


PURE = ("report", "policy")
FORBIDDEN = re.compile(
    r"\b(std::fs|std::env|tokio::fs|std::net|tokio::net|reqwest|File::|OpenOptions|crate::atomic|crate::cache"
    r"|Upstreams|crate::load|crate::output)\b"
)


def purity(files):
    """Rule 2: what the pure modules must not touch, outside their tests."""
    found = 0
    for rel, text in sorted(files.items()):
        if rel.split("/")[0] not in PURE:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            m = FORBIDDEN.search(line)
            if m:
                print(f"pure module uses {m.group(1)}: src/{rel}: {line.strip()}")
                found += 1
    print(f"pure modules ({', '.join(PURE)}): {found} uses of files, environment or network outside tests")
    return 1 if found else 0


def find_cycle(graph):
    color, stack = {}, []

    def visit(n):
        color[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if color.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if color.get(m) is None:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        color[n] = 2
        return None

    for n in sorted(graph):
        if color.get(n) is None:
            c = visit(n)
            if c:
                return c
    return None


if __name__ == "__main__":
    sys.exit(main())
