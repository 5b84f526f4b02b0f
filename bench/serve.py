#!/usr/bin/env python3
"""Loopback fleet API for bench/run: serves a snapshot directory as docs/fleet-api.md pages.

    serve.py DIR [--gzip] [--rate MB_PER_S] [--max-seconds S]
    serve.py --slurm DIR     # DIR from bench/gen-slurm-fleet: slurmrestd's paths, as it answers

Unlike tests/e2e/fleet_server.py (built for fault injection, it re-encodes every
response), every body here is prepared once at start-up: the file's bytes, and with
--gzip the same bytes gzip-compressed (level 6, what a web server's static gzip
would hold). So a benchmark measures the client, not Python compressing 20 MB per
request. --rate paces each response at that many MB/s, the way an API across a network or one
that builds its pages as it sends them would: then a resource takes time to arrive whatever the
client's CPU, and what bar 6 of issue 6 measures is whether the client overlaps them. Binds
127.0.0.1 on a free port, prints "PORT <n>" once it listens, and exits on SIGTERM or after
--max-seconds (default 1800).
"""
import argparse
import gzip
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

RESOURCES = ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history")
# --slurm: slurmrestd 22.05's paths (data parser v0.0.38) -> the file holding the body
SLURM_PATHS = {"/openapi/v3": "openapi-v3", "/slurm/v0.0.38/ping": "ping", "/slurm/v0.0.38/nodes": "nodes",
               "/slurm/v0.0.38/jobs": "jobs", "/slurm/v0.0.38/reservations": "reservations",
               "/slurm/v0.0.38/partitions": "partitions", "/slurmdb/v0.0.38/associations": "associations",
               "/slurmdb/v0.0.38/qos": "qos"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        if self.server.slurm:
            return self.slurm(path)
        name = path.rsplit("/", 1)[-1]
        bodies = self.server.bodies.get(name) if path == "/v1/" + name else None
        if bodies is None:
            body, enc, status = b'{"error":"not found"}\n', None, 404
        else:
            accepts = "gzip" in self.headers.get("Accept-Encoding", "")
            body, enc, status = (bodies[1], "gzip", 200) if accepts and bodies[1] else (bodies[0], None, 200)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if enc:
            self.send_header("Content-Encoding", enc)
        self.end_headers()
        self.send_body(body)

    def send_body(self, body):
        """The body, paced at --rate when given (both the fleet API's and slurmrestd's)."""
        try:
            rate = self.server.rate
            if not rate:
                self.wfile.write(body)
                return
            start, chunk = time.monotonic(), 256 * 1024
            for at in range(0, len(body), chunk):
                self.wfile.write(body[at:at + chunk])
                ahead = start + (at + chunk) / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def slurm(self, path):
        """As slurmrestd answers: no gzip, a 401 without the JWT headers, 404 text elsewhere."""
        name = SLURM_PATHS.get(path)
        if not self.headers.get("X-SLURM-USER-TOKEN"):
            body, ctype, status = b"Authentication failure", "text/plain", 401
        elif name is None or name not in self.server.bodies:
            body, ctype, status = b"Unable find requested URL. Please view /openapi/v3 for API reference.", "text/plain", 404
        else:
            body, ctype, status = self.server.bodies[name][0], "application/json", 200
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.send_body(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--gzip", action="store_true", help="serve gzip bodies to clients that accept them")
    ap.add_argument("--rate", type=float, default=0, help="pace each response at this many MB/s (default: no pacing)")
    ap.add_argument("--max-seconds", type=float, default=1800)
    ap.add_argument("--slurm", action="store_true", help="DIR holds slurmrestd bodies (bench/gen-slurm-fleet)")
    opts = ap.parse_args()
    bodies = {}
    for res in (SLURM_PATHS.values() if opts.slurm else RESOURCES):
        p = os.path.join(opts.dir, res + ".json")
        if os.path.isfile(p):
            with open(p, "rb") as f:
                raw = f.read()
            bodies[res] = (raw, gzip.compress(raw, compresslevel=6, mtime=0) if opts.gzip else None)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.bodies = bodies
    srv.slurm = opts.slurm
    srv.rate = opts.rate * 1e6
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"PORT {srv.server_address[1]}", flush=True)
    stop.wait(opts.max_seconds)
    srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
