"""A loopback slurmrestd that answers with recorded responses (tests/data/slurm/slurmweb,
Slurm-web's captures, MIT): version discovery, the JWT headers, and what tests make it say.

`Fake` holds what it serves; tests change it (and reset it in setUp):
- version, openapi (serve /openapi/v3), slurmdb (the OpenAPI document lists slurmdb paths);
- status: {path suffix: (status, body[, content type])}, answered instead of the recording (a
  200 with a body of a test's own, a 500 with slurmrestd's errors[], a 200 text/html page);
- seen: (path, X-SLURM-USER-NAME, X-SLURM-USER-TOKEN) of every request.
`SlurmServer()` runs it on 127.0.0.1 (a context manager; `source` is its slurm+http URL).
"""
import http.server
import json
import os
import socketserver
import threading

import harness

DATA = os.path.join(harness.ROOT, "tests", "data", "slurm", "slurmweb")
# slurmrestd 22.05's real failure bodies, captured from scripts/slurm-lab (README.md there).
ERRORS = os.path.join(harness.ROOT, "tests", "data", "slurm", "lab-v0.0.38", "errors")


def captured(name):
    with open(os.path.join(ERRORS, name)) as f:
        return f.read()


JWT = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWp3dA.sig"


class Fake:
    """What the fake slurmrestd serves; tests change it."""
    version = "v0.0.44"
    openapi = True
    slurmdb = True   # the OpenAPI document lists the slurmdb endpoints
    status = {}      # path suffix -> (status, body[, content type])
    seen = []


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    local = False  # over the unix socket: rest_auth/local, no token

    def do_GET(self):
        Fake.seen.append((self.path, self.headers.get("X-SLURM-USER-NAME"), self.headers.get("X-SLURM-USER-TOKEN")))
        if not self.local and self.headers.get("X-SLURM-USER-TOKEN") != JWT:
            return self.send(401, "Authentication failure")
        v = Fake.version
        for suffix, answer in Fake.status.items():
            if self.path.endswith(suffix):
                return self.send(*answer)
        if self.path == "/openapi/v3":
            if not Fake.openapi:
                return self.send(404, "{}")
            paths = {f"/slurm/{v}/nodes": {}, f"/slurm/{v}/ping": {}}
            if Fake.slurmdb:
                paths.update({f"/slurmdb/{v}/associations": {}, f"/slurmdb/{v}/qos": {}})
            return self.send(200, json.dumps({"paths": paths}))
        files = {f"/slurm/{v}/nodes": "nodes", f"/slurm/{v}/jobs": "jobs",
                 f"/slurm/{v}/reservations": "reservations",
                 f"/slurmdb/{v}/associations": "associations", f"/slurmdb/{v}/qos": "qos"}
        if self.path == f"/slurm/{v}/ping":
            return self.send(200, '{"pings": []}')
        if self.path in files:
            with open(os.path.join(DATA, v, files[self.path] + ".json"), "rb") as f:
                return self.send(200, f.read())
        self.send(404, '{"errors": [{"error": "Unable to find query", "error_number": 9003}]}')


class LocalHandler(Handler):
    local = True

    def address_string(self):
        return "unix"


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def reset():
    Fake.version, Fake.openapi, Fake.slurmdb, Fake.status, Fake.seen = "v0.0.44", True, True, {}, []


def recorded(name, version="v0.0.44"):
    """A recorded response, parsed: recorded("nodes") is the nodes list slurmrestd sent."""
    with open(os.path.join(DATA, version, name + ".json")) as f:
        return json.load(f)


class SlurmServer:
    def __enter__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]
        self.source = f"slurm+http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
