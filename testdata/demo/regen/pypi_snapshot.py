"""The demo's Python part: PyPI project pages in depgate's `dir` layout
({root}/{normalized-name}/index.json, a PEP 691 JSON page), and the pip-compile style
requirements.txt that pins from them. Standard library only.

  pypi_snapshot.py real NAME VERSION
      Snapshot of the real PyPI page of NAME into $DEMO_PYPI_PUBLIC, as it stood on the
      demo's day ($DEMO_NOW): files uploaded later are dropped, and the page is trimmed to
      the newest KEEP releases up to VERSION, which must be the newest then. Every file of
      VERSION is downloaded once to check its sha256 (nothing is kept).
  pypi_snapshot.py own UPSTREAM NAME VERSION UPLOAD_TIME DESCRIPTION
      A synthetic release (a small deterministic wheel that is built, hashed and thrown
      away) added to the page of NAME in the folder of UPSTREAM (pypi-curated or
      pypi-public).
  pypi_snapshot.py lock OUT NAME[:VIA] ...
      requirements.txt in pip-compile --generate-hashes format. Each name is pinned to the
      highest version any of the folders offers (the curated folder wins a version both
      have), as a "virtual" index that merges its members resolves it: that merge is what
      lets a squatted public acme-billing 9.0.0 win over ACME's own 1.4.0. VIA names the
      package that requires it (`six:python-dateutil`); without it, requirements.in does.

The snapshot keeps the PEP 691 keys depgate reads (filename, url, hashes, requires-python,
size, upload-time, yanked) and drops `core-metadata`/`data-dist-info-metadata` (PEP 658/714)
and `provenance` (PEP 740): their URLs are absolute (files.pythonhosted.org, pypi.org), so a
folder cannot serve them, and a page that advertises provenance it cannot serve would be
read as evidence withheld. File URLs stay the real absolute ones: the folder holds no files.

PyPI answers the JSON page when asked with `Accept: application/vnd.pypi.simple.v1+json`.
Some mirrors serve only the HTML page whatever the Accept header says; then the same fields
come from PyPI's JSON API (/pypi/NAME/json), which carries them all.
"""
import base64, hashlib, io, json, os, re, sys, urllib.request, zipfile

KEEP = 3
NOW = os.environ.get("DEMO_NOW", "2025-03-22T00:00:00Z")
FOLDERS = {"pypi-curated": os.environ.get("DEMO_PYPI_CURATED", ""), "pypi-public": os.environ.get("DEMO_PYPI_PUBLIC", "")}
FILE_KEYS = ("filename", "url", "hashes", "requires-python", "size", "upload-time", "yanked")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def version_key(v):
    """Enough of PEP 440 for final releases and post releases (2.9.0.post0)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)*)(?:\.post(\d+))?", v)
    if not m:
        return None  # pre-releases, dev releases: never pinned here
    release = [int(x) for x in m.group(1).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    return (release, int(m.group(2)) if m.group(2) is not None else -1)


def get(url, accept="*/*"):
    req = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "depgate-demo-regen"})
    with urllib.request.urlopen(req) as r:
        return r.read(), r.headers.get("Content-Type", "")


def pythonhosted(url):
    """The files.pythonhosted.org URL of a file (mirrors rewrite them, often relative)."""
    m = re.search(r"([0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/[^/#]+)(#.*)?$", url)
    assert m, f"{url}: not a files.pythonhosted.org layout"
    return "https://files.pythonhosted.org/packages/" + m.group(1)


def real_files(name):
    """(versions, files) of NAME from PyPI, in PEP 691 shape."""
    body, ctype = get(f"https://pypi.org/simple/{normalize(name)}/", "application/vnd.pypi.simple.v1+json")
    if "json" in ctype:
        page = json.loads(body)
        for f in page["files"]:
            f["url"] = pythonhosted(f["url"])
        return page.get("versions"), page["files"]
    doc = json.loads(get(f"https://pypi.org/pypi/{normalize(name)}/json", "application/json")[0])
    files = []
    for fs in doc["releases"].values():
        for f in fs:
            files.append({
                "filename": f["filename"],
                "url": pythonhosted(f["url"]),
                "hashes": {"sha256": f["digests"]["sha256"]},
                "requires-python": f["requires_python"] or None,
                "size": f["size"],
                "upload-time": f["upload_time_iso_8601"],
                "yanked": (f["yanked_reason"] or True) if f["yanked"] else False,
            })
    return list(doc["releases"]), files


def file_version(name, filename):
    """The version in a wheel or sdist file name (`{name}-{version}[-tags].ext`)."""
    stem = re.sub(r"\.(whl|tar\.gz|zip|tar\.bz2|egg)$", "", filename)
    for i, c in enumerate(stem):
        if c == "-" and normalize(stem[:i]) == normalize(name):
            return stem[i + 1:].split("-", 1)[0]
    return None


def page_path(folder, name):
    return os.path.join(folder, normalize(name), "index.json")


def write_page(folder, name, files):
    files.sort(key=lambda f: (version_key(file_version(name, f["filename"])) or ([0], 0), f["filename"]))
    versions = []
    for f in files:
        v = file_version(name, f["filename"])
        if v not in versions:
            versions.append(v)
    page = {"meta": {"api-version": "1.1"}, "name": normalize(name), "versions": versions, "files": files}
    os.makedirs(os.path.dirname(page_path(folder, name)), exist_ok=True)
    with open(page_path(folder, name), "w") as out:
        json.dump(page, out, indent=1, sort_keys=True)
        out.write("\n")


def read_page(folder, name):
    p = page_path(folder, name)
    return json.load(open(p)) if os.path.isfile(p) else None


def real(name, version):
    _, files = real_files(name)
    by_version = {}
    for f in files:
        v = file_version(name, f["filename"])
        if v is None or version_key(v) is None or f.get("upload-time", "9999") > NOW:
            continue
        by_version.setdefault(v, []).append({k: f[k] for k in FILE_KEYS if k in f})
    # A release with a file uploaded after the demo's day did not exist whole then.
    later = {file_version(name, f["filename"]) for f in files if f.get("upload-time", "9999") > NOW}
    kept = sorted((v for v in by_version if v not in later), key=version_key)
    assert version in kept, f"{name} {version}: not on PyPI (whole) before {NOW}"
    assert kept[-1] == version, f"{name}: {kept[-1]} is newer than {version} on {NOW}; pin that or move DEMO_NOW"
    kept = kept[-KEEP:]
    for f in by_version[version]:
        body, _ = get(f["url"])
        digest = hashlib.sha256(body).hexdigest()
        assert digest == f["hashes"]["sha256"], f"{f['filename']}: sha256 {digest} differs from the index's"
        b2 = hashlib.blake2b(body, digest_size=32).hexdigest()
        assert f"/{b2[:2]}/{b2[2:4]}/{b2[4:]}/" in f["url"], f"{f['url']}: not where PyPI keeps this file"
    write_page(FOLDERS["pypi-public"], name, [f for v in kept for f in by_version[v]])


def wheel(name, version, description):
    """A small, byte-for-byte reproducible wheel (stored, fixed timestamps)."""
    pkg = re.sub(r"[-.]+", "_", name).lower()
    dist = f"{pkg}-{version}.dist-info"
    members = {
        f"{pkg}/__init__.py": f'"""{description}"""\n__version__ = "{version}"\n',
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {description}\nLicense: MIT\nRequires-Python: >=3.9\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: depgate-demo\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for path, text in members.items():
        d = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={d},{len(text.encode())}\n"
    members[f"{dist}/RECORD"] = record + f"{dist}/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for path, text in members.items():
            info = zipfile.ZipInfo(path, date_time=(2025, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, text)
    return f"{pkg}-{version}-py3-none-any.whl", buf.getvalue()


def own(upstream, name, version, upload_time, description):
    filename, body = wheel(name, version, description)
    sha256 = hashlib.sha256(body).hexdigest()
    if upstream == "pypi-curated":
        url = f"https://libraries.example.invalid/python/files/{normalize(name)}/{filename}"
    else:
        # files.pythonhosted.org lays files out by their blake2b-256 digest.
        b2 = hashlib.blake2b(body, digest_size=32).hexdigest()
        url = f"https://files.pythonhosted.org/packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/{filename}"
    folder = FOLDERS[upstream]
    page = read_page(folder, name)
    files = [f for f in (page["files"] if page else []) if f["filename"] != filename]
    files.append({"filename": filename, "url": url, "hashes": {"sha256": sha256}, "requires-python": ">=3.9",
                  "size": len(body), "upload-time": upload_time, "yanked": False})
    write_page(folder, name, files)


def lock(out, specs):
    lines = [
        "#",
        "# pip-compile --generate-hashes format, pinned as a merging \"virtual\" index resolves:",
        "# written by testdata/demo/regen/pypi_snapshot.py (see testdata/demo/regen.sh).",
        "#",
    ]
    for spec in sorted(specs, key=lambda s: normalize(s.split(":")[0])):
        name, _, via = spec.partition(":")
        best = None
        for upstream in ("pypi-curated", "pypi-public"):
            page = read_page(FOLDERS[upstream], name)
            for v in (page or {}).get("versions", []):
                if best is None or version_key(v) > version_key(best[0]):
                    best = (v, page)
        assert best, f"{name}: in no folder"
        version, page = best
        hashes = sorted(f["hashes"]["sha256"] for f in page["files"] if file_version(name, f["filename"]) == version)
        lines.append(f"{normalize(name)}=={version} \\")
        lines += [f"    --hash=sha256:{h}" + (" \\" if i + 1 < len(hashes) else "") for i, h in enumerate(hashes)]
        lines.append(f"    # via {via or '-r requirements.in'}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"real": real, "own": own, "lock": lambda out, *specs: lock(out, specs)}[cmd](*args)
