"""The demo's Maven part: repository folders in the Maven layout that depgate's `dir`
upstream reads, and the resolved-artifact list (docs/resolved-list.md) that pins from them.
Standard library only. No jar is ever written to the folders.

  maven_snapshot.py real GROUP:ARTIFACT VERSION
      From Maven Central into $DEMO_MAVEN_CENTRAL: the real POM of VERSION, the real
      checksum files Central serves beside its jar (`.sha1` always, `.sha256`/`.sha512`
      where Central has them), and the real maven-metadata.xml trimmed to VERSION and the
      KEEP-1 versions listed before it. The jar is downloaded once to check it against
      every checksum file (then thrown away).
  maven_snapshot.py own UPSTREAM GROUP:ARTIFACT VERSION PUBLISHED DESCRIPTION
      A synthetic release into the folder of UPSTREAM (maven-curated or maven-central): a
      POM, maven-metadata.xml, and the `.sha1`/`.sha256` of a small deterministic jar that
      is built, hashed and thrown away.
  maven_snapshot.py resolved OUT GROUP:ARTIFACT ...
      depgate-resolved.json (every artifact a direct dependency; no `repository`: a
      merging repository's URL names neither tier): each artifact at the highest version any folder has (the
      curated folder wins a version both have), as a resolver that merges both
      repositories picks it: that merge is what lets a squatted com.acme:acme-payments
      9.0.0 win over ACME's own 1.4.0. sha256 from the folder's `.jar.sha256`.

Publish times. A folder has no Last-Modified and depgate never dates a version by a
metadata file's `lastUpdated` (the demo's Maven public tier has no cooldown); the trimmed
metadata ends at the locked version and its `lastUpdated` is that version's release
time, as Central's would be right after it: the jar's `Last-Modified` from Central (which
sends one), or, through a mirror that sends none, the jar's newest entry time (the
release build's timestamp). The script prints which.
"""
import calendar, datetime, email.utils, hashlib, io, json, os, re, sys, time, urllib.error, urllib.request, zipfile

KEEP = 3
CENTRAL = "https://repo.maven.apache.org/maven2/"
FOLDERS = {"maven-curated": os.environ.get("DEMO_MAVEN_CURATED", ""), "maven-central": os.environ.get("DEMO_MAVEN_CENTRAL", "")}
ALGOS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def base(ga):
    group, artifact = ga.split(":")
    return f"{group.replace('.', '/')}/{artifact}", artifact


def get(url):
    """Body and Last-Modified (None when absent); None for a 404."""
    req = urllib.request.Request(url, headers={"User-Agent": "depgate-demo-regen"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.read(), r.headers.get("Last-Modified")
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None, None
        raise


def write(folder, rel, data):
    path = os.path.join(folder, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def last_updated(epoch):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch))


def version_key(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", v)]


def real(ga, version):
    path, artifact = base(ga)
    folder = FOLDERS["maven-central"]
    stem = f"{path}/{version}/{artifact}-{version}"
    pom, _ = get(CENTRAL + stem + ".pom")
    assert pom, f"{ga}:{version}: no POM on Central"
    write(folder, stem + ".pom", pom)
    jar, modified = get(CENTRAL + stem + ".jar")
    assert jar, f"{ga}:{version}: no jar on Central"
    for algo, fn in ALGOS.items():
        body, _ = get(CENTRAL + f"{stem}.jar.{algo}")
        if body is None:
            assert algo != "sha1", f"{ga}:{version}: Central serves no .sha1"
            continue
        assert body.split()[0].decode().lower() == fn(jar).hexdigest(), f"{stem}.jar.{algo} does not match the jar"
        write(folder, f"{stem}.jar.{algo}", body)
    if modified:
        published, source = email.utils.parsedate_to_datetime(modified).timestamp(), "Last-Modified"
    else:
        newest = max(i.date_time for i in zipfile.ZipFile(io.BytesIO(jar)).infolist())
        published, source = calendar.timegm(newest + (0, 0, 0)), "newest jar entry, taken as UTC"
    meta, _ = get(CENTRAL + f"{path}/maven-metadata.xml")
    text = meta.decode()
    listed = re.findall(r"<version>([^<]+)</version>", text)
    assert version in listed, f"{ga}: Central's metadata does not list {version}"
    kept = set(listed[: listed.index(version) + 1][-KEEP:])
    text = re.sub(r"[ \t]*<version>([^<]+)</version>\n", lambda m: m.group(0) if m.group(1) in kept else "", text)
    text = re.sub(r"<latest>[^<]*</latest>", f"<latest>{version}</latest>", text)
    text = re.sub(r"<release>[^<]*</release>", f"<release>{version}</release>", text)
    text = re.sub(r"<lastUpdated>[^<]*</lastUpdated>", f"<lastUpdated>{last_updated(published)}</lastUpdated>", text)
    write(folder, f"{path}/maven-metadata.xml", text)
    print(f"{ga}:{version}: published {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(published))} ({source})")


def jar(ga, version, description):
    """A small, byte-for-byte reproducible jar (stored, fixed timestamps)."""
    group, artifact = ga.split(":")
    members = {
        "META-INF/MANIFEST.MF": f"Manifest-Version: 1.0\r\nImplementation-Title: {artifact}\r\nImplementation-Version: {version}\r\n\r\n",
        f"{group.replace('.', '/')}/{artifact.replace('-', '/')}/README.txt": description + "\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for path, text in members.items():
            info = zipfile.ZipInfo(path, date_time=(2025, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, text)
    return buf.getvalue()


def own(upstream, ga, version, published, description):
    group, artifact = ga.split(":")
    path, _ = base(ga)
    folder = FOLDERS[upstream]
    stem = f"{path}/{version}/{artifact}-{version}"
    write(folder, stem + ".pom", f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{group}</groupId>
  <artifactId>{artifact}</artifactId>
  <version>{version}</version>
  <packaging>jar</packaging>
  <description>{description}</description>
  <licenses>
    <license>
      <name>MIT</name>
    </license>
  </licenses>
</project>
""")
    body = jar(ga, version, description)
    for algo in ("sha1", "sha256"):
        write(folder, f"{stem}.jar.{algo}", ALGOS[algo](body).hexdigest())
    epoch = datetime.datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp()
    write(folder, f"{path}/maven-metadata.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>{group}</groupId>
  <artifactId>{artifact}</artifactId>
  <versioning>
    <latest>{version}</latest>
    <release>{version}</release>
    <versions>
      <version>{version}</version>
    </versions>
    <lastUpdated>{last_updated(epoch)}</lastUpdated>
  </versioning>
</metadata>
""")


def resolved(out, gas):
    artifacts = []
    for ga in sorted(gas):
        group, artifact = ga.split(":")
        path, _ = base(ga)
        best = None
        for upstream in ("maven-curated", "maven-central"):
            meta = os.path.join(FOLDERS[upstream], path, "maven-metadata.xml")
            if not os.path.isfile(meta):
                continue
            for v in re.findall(r"<version>([^<]+)</version>", open(meta).read()):
                if best is None or version_key(v) > version_key(best[0]):
                    best = (v, upstream)
        assert best, f"{ga}: in no folder"
        version, upstream = best
        sha256 = open(os.path.join(FOLDERS[upstream], f"{path}/{version}/{artifact}-{version}.jar.sha256")).read().split()[0]
        artifacts.append({"group": group, "name": artifact, "version": version, "extension": "jar", "sha256": sha256,
                          "file": f"{artifact}-{version}.jar", "direct": True})
    with open(out, "w") as f:
        doc = {"format": "depgate.resolved/v1", "tool": "testdata/demo/regen/maven_snapshot.py", "artifacts": artifacts}
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"real": real, "own": own, "resolved": lambda out, *gas: resolved(out, gas)}[cmd](*args)
