"""Copy real packages (metadata trimmed to the chosen versions, plus their tarballs) from
the npm registry into a demo registry folder laid out as depgate's `dir` upstream reads it:
{root}/{name}/index.json and {root}/{name}/-/{file}.tgz."""
import hashlib, base64, json, os, sys, urllib.request

tier, name, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
root = os.environ["DEMO_CURATED" if tier == "curated" else "DEMO_PUBLIC"]
reg = "https://registry.npmjs.org/"
doc = json.load(urllib.request.urlopen(reg + name.replace("/", "%2f")))
out = {"name": name, "dist-tags": {"latest": versions[-1]}, "versions": {}, "time": {}}
keep = ("name", "version", "description", "license", "repository", "dependencies", "deprecated", "dist")
os.makedirs(os.path.join(root, name, "-"), exist_ok=True)
for v in versions:
    meta = {k: doc["versions"][v][k] for k in keep if k in doc["versions"][v]}
    tgz = urllib.request.urlopen(meta["dist"]["tarball"]).read()
    sri = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    assert sri == meta["dist"]["integrity"], f"{name}@{v}: tarball does not match dist.integrity"
    fname = meta["dist"]["tarball"].rsplit("/", 1)[1]
    with open(os.path.join(root, name, "-", fname), "wb") as f:
        f.write(tgz)
    meta["dist"] = {k: meta["dist"][k] for k in ("integrity", "shasum", "tarball")}
    if tier == "curated":
        # The curated tier serves its own copies from its own host.
        meta["dist"]["tarball"] = f"https://libraries.example.invalid/javascript/{name}/-/{fname}"
    out["versions"][v] = meta
    out["time"][v] = doc["time"][v]
out["time"]["created"] = min(out["time"].values())
out["time"]["modified"] = max(out["time"].values())
with open(os.path.join(root, name, "index.json"), "w") as f:
    json.dump(out, f, indent=2, sort_keys=True)
    f.write("\n")
