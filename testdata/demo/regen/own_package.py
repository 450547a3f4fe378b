"""Create a small package of our own (packed with the real `npm pack`) and publish it
into a demo registry folder."""
import base64, hashlib, json, os, subprocess, sys, tempfile

tier, name, version, description = sys.argv[1:5]
root = os.environ["DEMO_CURATED" if tier == "curated" else "DEMO_PUBLIC"]
host = "https://libraries.example.invalid/javascript/" if tier == "curated" else "https://registry.npmjs.org/"
published = {"1.2.0": "2025-01-10T09:00:00.000Z", "9.0.0": "2025-02-01T12:00:00.000Z"}[version]
with tempfile.TemporaryDirectory() as d:
    pkg = {"name": name, "version": version, "description": description, "license": "MIT", "main": "index.js"}
    json.dump(pkg, open(os.path.join(d, "package.json"), "w"), indent=2)
    open(os.path.join(d, "index.js"), "w").write("module.exports = (m) => console.log(`[acme] ${m}`);\n")
    out = subprocess.run(["npm", "pack", "--json", "--pack-destination", d], cwd=d, check=True, capture_output=True, text=True)
    fname = json.loads(out.stdout)[0]["filename"]
    tgz = open(os.path.join(d, fname), "rb").read()
base = name.rsplit("/", 1)[1]
fname = f"{base}-{version}.tgz"
os.makedirs(os.path.join(root, name, "-"), exist_ok=True)
open(os.path.join(root, name, "-", fname), "wb").write(tgz)
meta = dict(pkg)
meta["dist"] = {
    "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode(),
    "shasum": hashlib.sha1(tgz).hexdigest(),
    "tarball": f"{host}{name}/-/{fname}",
}
doc = {"name": name, "dist-tags": {"latest": version}, "versions": {version: meta},
       "time": {"created": published, "modified": published, version: published}}
json.dump(doc, open(os.path.join(root, name, "index.json"), "w"), indent=2, sort_keys=True)
