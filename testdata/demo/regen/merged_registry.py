"""A naive 'virtual repository' on 127.0.0.1 that merges the versions of several registry
folders (first folder wins a version both have). Used only to produce the demo lockfile
with the real npm client. Prints its port on stdout."""
import http.server, json, os, sys, urllib.parse

roots = sys.argv[1:]

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        name = urllib.parse.unquote(self.path.lstrip("/").split("?")[0])
        merged = None
        for r in roots:
            p = os.path.join(r, name, "index.json")
            if os.path.isfile(p):
                doc = json.load(open(p))
                if merged is None:
                    merged = doc
                else:
                    for v, m in doc["versions"].items():
                        merged["versions"].setdefault(v, m)
                        merged["time"].setdefault(v, doc["time"][v])
        if merged is None:
            self.send_response(404); self.end_headers(); return
        merged["dist-tags"]["latest"] = sorted(merged["versions"], key=lambda v: [int(x) for x in v.split(".")])[-1]
        body = json.dumps(merged).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
