#!/usr/bin/env python3
"""Loopback test server for the fleetcap fleet API (docs/fleet-api.md).

Serves a snapshot directory (one RESOURCE.json envelope per resource) as
GET {prefix}/v1/{resource}, with pagination, an optional cluster filter, gzip
or deflate, bearer-token checks, a JSON-lines request log and fault injection.
Prints exactly one line "PORT <n>" on stdout once it listens, then serves until
SIGTERM/SIGINT or --max-seconds. Python 3 standard library only.

A FAULT (repeatable --fault): RESOURCE[@PAGE]:KIND[:ARG]
  RESOURCE  clusters, nodes, quotas, jobs, maintenance, health_history or *
  @PAGE     1-based page the fault applies to (default 1), or @* for every page
  KIND      CODExN[:S]   first N requests get status CODE (500: HTML body, others
                         JSON); with :S also "Retry-After: S"
            429:S        first request gets 429 with "Retry-After: S"
            404          always 404 {"error":"not found"}
            status:CODE  always status CODE with {"error":"..."}
            slow:S       sleep S seconds before responding (every request)
            stall-body:S headers + first half of the body, sleep S, then the rest
            invalid-json a multi-line body missing the comma at the end of line 3
                         (the parser trips on line 4, column 3)
            truncate     Content-Length of the full body, half of it sent, close
            huge:MB      valid JSON of exactly MB MiB with Content-Length
            huge-chunked:MB  the same, chunked (no Content-Length)
            huge-gzip:MB     gzip-encoded, chunked; decodes to MB MiB
            reset        close the connection (TCP RST) without any response
            reset-body   headers + first half of the body, then TCP RST
            stall-headers:S  headers (full Content-Length), sleep S, then the body
            hang         read the request, never answer (until the server exits)
            endless      200, chunked, a body that never ends
            content-type:TYPE  200 with the normal body but Content-Type TYPE
            no-content-type    200 with the normal body and no Content-Type
            redirect-loop      302 to the same URL, every time
            redirect:URL       302 to URL + the request's path and query
            endless-pages      next_page_token is a new token on every page
            repeat-token       next_page_token is the same token on every page
            echo-token:PAD[:FORM]  401 {"error":"<PAD x's><the bearer token> was rejected"}:
                         a server that echoes the credential, as sent (FORM plain), or
                         percent-encoded in lower case (pct-lower), or JSON with "/" as
                         "\/" (json-slash)
  Any KIND but the status codes may end in xN (e.g. truncatex1, resetx2) to hit
  only the first N matching requests; without it they hit every one.
"""
import argparse
import base64
import datetime as dt
import gzip
import hmac
import json
import os
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RESOURCES = ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history")
INVALID_JSON = b'{\n  "api_version": "v1",\n  "items": []\n  "next_page_token": null\n}\n'
HTML_500 = (b"<html><body><h1>Internal Server Error</h1>"
            b"<p>The upstream fleet service failed (injected fault).</p></body></html>\n")


class Fault:
    ALWAYS = ("404", "status", "slow", "stall-body", "invalid-json", "truncate",
              "huge", "huge-chunked", "huge-gzip", "reset", "reset-body", "stall-headers", "hang",
              "endless", "content-type", "no-content-type", "redirect-loop", "redirect",
              "endless-pages", "repeat-token", "echo-token")
    TEXT_ARG = ("content-type", "redirect", "echo-token")

    def __init__(self, spec):
        m = re.fullmatch(r"([a-z_]+|\*)(?:@(\d+|\*))?:([a-z0-9-]+?)(?:x(\d+))?(?::(.+))?", spec)
        if not m or (m.group(1) not in RESOURCES and m.group(1) != "*"):
            raise ValueError(spec)
        self.spec = spec
        self.resource, page, self.kind, n, arg = m.groups()
        self.page = 0 if page == "*" else int(page or 1)
        if arg is not None and self.kind not in self.TEXT_ARG:
            if not re.fullmatch(r"\d+(?:\.\d+)?", arg):
                raise ValueError(spec + " (ARG must be a number)")
            arg = float(arg)
        self.arg = arg
        self.limit = int(n) if n else None
        if re.fullmatch(r"[1-5]\d\d", self.kind) and self.kind != "404":
            if self.kind == "429" and self.limit is None:
                self.limit = 1
            if self.limit is None:
                raise ValueError(spec + " (a status code needs xN)")
        elif self.kind not in self.ALWAYS:
            raise ValueError(spec)
        needs_arg = ("status", "slow", "stall-body", "huge", "huge-chunked", "huge-gzip", "stall-headers",
                     "content-type", "redirect", "echo-token")
        if self.arg is None and (self.kind in needs_arg or (self.kind == "429" and not n)):
            raise ValueError(spec + " (needs :ARG)")
        self.seen = 0
        self.lock = threading.Lock()

    def matches(self, resource, page):
        return self.resource in ("*", resource) and self.page in (0, page)

    def take(self):
        with self.lock:
            self.seen += 1
            return self.limit is None or self.seen <= self.limit


class Store:
    """Lazily loaded snapshot: raw file bytes and parsed items per resource."""

    def __init__(self, d):
        self.dir, self.raw, self.items, self.lock = d, {}, {}, threading.Lock()

    def path(self, res):
        p = os.path.join(self.dir, res + ".json")
        return p if os.path.isfile(p) else None

    def get_raw(self, res):
        with self.lock:
            if res not in self.raw:
                with open(self.path(res), "rb") as f:
                    self.raw[res] = f.read()
            return self.raw[res]

    def get_items(self, res):
        raw = self.get_raw(res)
        with self.lock:
            if res not in self.items:
                self.items[res] = json.loads(raw)["items"]
            return self.items[res]


def make_token(res, offset, clusters):
    doc = json.dumps({"r": res, "o": offset, "c": clusters}, separators=(",", ":"))
    return base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")


def read_token(res, tok):
    try:
        doc = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
        if doc["r"] == res and isinstance(doc["o"], int) and doc["o"] >= 0:
            return doc["o"], list(doc["c"])
    except (ValueError, KeyError, TypeError):
        pass
    return None


def huge_size(mb):
    return max(64, int(mb * 1048576))


def huge_chunks(mb):
    """Yields exactly huge_size(mb) bytes of a valid JSON envelope in chunks of about 1 MiB."""
    head, tail = b'{"api_version":"v1","items":[\n', b'\n],"next_page_token":null}\n'
    item = b'{"name":"pad","gpus":8,"pad":"' + b"x" * 980 + b'"},\n'
    left = huge_size(mb) - len(head) - len(tail)
    yield head
    block = item * 1024
    while left >= len(block) + 2 * len(item):
        yield block
        left -= len(block)
    while left >= 2 * len(item):
        yield item
        left -= len(item)
    if left >= 40:
        yield b'{"name":"pad","gpus":8,"pad":"' + b"x" * (left - 32) + b'"}'
    else:
        yield b"{}" + b" " * (left - 2) if left >= 2 else b" " * max(0, left)
    yield tail


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fleet-test-server/1"

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("fleet_server: " + fmt % args + "\n")

    def do_GET(self):
        try:
            self.handle_get()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def handle_get(self):
        o, srv = self.server.opts, self.server
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        m = re.fullmatch(re.escape(o.prefix) + r"/v1/([a-z_]+)", url.path)
        res = m.group(1) if m else None
        auth = self.headers.get("Authorization")
        scheme, _, cred = (auth or "").strip().partition(" ")
        auth_ok = srv.token is None or (scheme.lower() == "bearer" and hmac.compare_digest(cred.strip(), srv.token))
        entry = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                 "method": self.command, "path": url.path, "resource": res, "query": query,
                 "user_agent": self.headers.get("User-Agent"), "accept": self.headers.get("Accept"),
                 "accept_encoding": self.headers.get("Accept-Encoding"),
                 "auth_present": auth is not None, "auth_ok": auth_ok,
                 "headers": {k.lower(): ("<redacted>" if k.lower() == "authorization" else v)
                             for k, v in self.headers.items()},
                 "page": None, "fault": None}
        if not auth_ok:
            return self.reply(entry, 401, {"error": "unauthorized"}, {"WWW-Authenticate": 'Bearer realm="fleet"'})
        if res not in RESOURCES or srv.store.path(res) is None:
            return self.reply(entry, 404, {"error": "not found"})
        clusters, offset = query.get("cluster", []), 0
        if "page_token" in query:
            t = read_token(res, query["page_token"][0])
            if t is None:
                return self.reply(entry, 400, {"error": "invalid page_token"})
            offset, clusters = t
        page = offset // o.page_size + 1 if o.page_size else 1
        entry["page"] = page
        for f in srv.faults:
            if not f.matches(res, page):
                continue
            if f.kind == "slow":
                if f.take():
                    time.sleep(f.arg)
                continue
            if f.take():
                entry["fault"] = f.spec
                return self.fault(entry, f, res, offset, clusters)
        self.reply(entry, 200, self.page_body(res, offset, clusters))

    def page_body(self, res, offset, clusters):
        o, store = self.server.opts, self.server.store
        if not o.page_size and not (clusters and o.honour_cluster_filter):
            return store.get_raw(res)
        items = store.get_items(res)
        if clusters and o.honour_cluster_filter:
            key, want = ("name" if res == "clusters" else "cluster"), set(clusters)
            items = [it for it in items if it.get(key) is None or it.get(key) in want]
        end = offset + o.page_size if o.page_size else len(items)
        nxt = make_token(res, end, clusters) if end < len(items) else None
        return {"api_version": "v1", "items": items[offset:end], "next_page_token": nxt}

    def encode(self, body):
        """(bytes, content-encoding) for the body after Accept-Encoding negotiation."""
        o = self.server.opts
        acc = [a.split(";")[0].strip().lower() for a in self.headers.get("Accept-Encoding", "").split(",")
               if not re.search(r";\s*q=0(\.0*)?\s*$", a)]
        if o.gzip and "gzip" in acc:
            return gzip.compress(body, compresslevel=1, mtime=0), "gzip"
        if o.deflate and "deflate" in acc:
            return zlib.compress(body, 1), "deflate"
        return body, None

    def reply(self, entry, status, body, headers=None, ctype="application/json", partial=None):
        if not isinstance(body, bytes):
            body = json.dumps(body, separators=(",", ":")).encode() + b"\n"
        body, enc = self.encode(body)
        entry.update(status=status, encoding=enc or "identity", bytes=len(body))
        self.server.log(entry)
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if enc:
            self.send_header("Content-Encoding", enc)
        self.send_header("Vary", "Accept-Encoding")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if partial is None:
            self.wfile.write(body)
            return
        if isinstance(partial, tuple):  # ("headers", S): nothing of the body for S seconds
            self.wfile.flush()
            self.server.stopping.wait(partial[1])
            self.wfile.write(body)
            return
        half = len(body) // 2
        self.wfile.write(body[:half])
        self.wfile.flush()
        if partial == "truncate":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
            return
        if partial == "reset":
            self.rst()
            return
        time.sleep(partial)
        self.wfile.write(body[half:])

    def fault(self, entry, f, res, offset, clusters):
        k = f.kind
        if k == "reset":
            entry.update(status=None, bytes=0)
            self.server.log(entry)
            self.rst()
            return
        if k == "reset-body":
            return self.reply(entry, 200, self.page_body(res, offset, clusters), partial="reset")
        if k == "stall-headers":
            return self.reply(entry, 200, self.page_body(res, offset, clusters), partial=("headers", f.arg))
        if k == "hang":
            entry.update(status=None, bytes=0)
            self.server.log(entry)
            self.server.stopping.wait()
            self.close_connection = True
            return
        if k == "endless":
            return self.endless(entry)
        if k == "content-type":
            return self.reply(entry, 200, self.page_body(res, offset, clusters), ctype=f.arg)
        if k == "no-content-type":
            return self.reply(entry, 200, self.page_body(res, offset, clusters), ctype=None)
        if k in ("redirect-loop", "redirect"):
            target = self.path if k == "redirect-loop" else f.arg.rstrip("/") + self.path
            return self.reply(entry, 302, {"error": "moved"}, {"Location": target})
        if k in ("endless-pages", "repeat-token"):
            items = self.server.store.get_items(res)
            nxt = 10**9 + (f.seen if k == "endless-pages" else 0)
            return self.reply(entry, 200, {"api_version": "v1", "items": items[offset:] if offset < len(items) else [],
                                           "next_page_token": make_token(res, nxt, clusters)})
        if k == "echo-token":
            pad, _, form = f.arg.partition(":")
            auth = self.headers.get("Authorization") or ""
            token = auth[7:] if auth[:7].lower() == "bearer " else ""
            forms = {"": token, "plain": token, "json-slash": token.replace("/", "\\/"),
                     "pct-lower": "".join(c if c.isalnum() or c in "-_.~" else "%%%02x" % ord(c) for c in token)}
            return self.reply(entry, 401, ('{"error":"' + "x" * int(pad) + forms[form] + ' was rejected"}').encode())
        if k == "404":
            return self.reply(entry, 404, {"error": "not found"})
        if k == "status":
            return self.reply(entry, int(f.arg), {"error": f"injected status {int(f.arg)}"})
        if k == "invalid-json":
            return self.reply(entry, 200, INVALID_JSON)
        if k in ("truncate", "stall-body"):
            return self.reply(entry, 200, self.page_body(res, offset, clusters),
                              partial="truncate" if k == "truncate" else f.arg)
        if k.startswith("huge"):
            return self.huge(entry, k, f.arg)
        code = int(k)
        hdrs = {"Retry-After": "%g" % f.arg} if f.arg is not None else {}
        if code == 500:
            return self.reply(entry, 500, HTML_500, hdrs, ctype="text/html")
        return self.reply(entry, code, {"error": f"injected {code}"}, hdrs)

    def rst(self):
        """Linger 0 + close = RST, no FIN first."""
        self.close_connection = True
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(self.connection.detach())

    def endless(self, entry):
        entry.update(status=200, encoding="identity", bytes=None)
        self.server.log(entry)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.send_chunk(b'{"api_version":"v1","items":[\n', False)
        block = (b'{"name":"pad","gpus":8,"pad":"' + b"x" * 980 + b'"},\n') * 256
        while not self.server.stopping.is_set():
            self.send_chunk(block, False)  # until the client hangs up (BrokenPipe ends it)
        self.close_connection = True

    def huge(self, entry, kind, mb):
        size = huge_size(mb)
        entry.update(status=200, encoding="gzip" if kind == "huge-gzip" else "identity", bytes=size)
        self.server.log(entry)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if kind == "huge":
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        if kind == "huge-gzip":
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        z = zlib.compressobj(6, zlib.DEFLATED, 31) if kind == "huge-gzip" else None
        for chunk in huge_chunks(mb):
            if z:
                chunk = z.compress(chunk)
            self.send_chunk(chunk, kind == "huge")
        if z:
            self.send_chunk(z.flush(), False)
        if kind != "huge":
            self.wfile.write(b"0\r\n\r\n")

    def send_chunk(self, data, raw):
        if raw:
            self.wfile.write(data)
        elif data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, opts):
        super().__init__((opts.bind, opts.port), Handler)
        self.stopping = threading.Event()
        self.tls = None
        if opts.tls_cert:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(opts.tls_cert, opts.tls_key)
        self.opts, self.store = opts, Store(opts.dir)
        self.faults = [Fault(s) for s in opts.fault]
        self.token = None
        if opts.token_file:
            with open(opts.token_file, encoding="utf-8") as f:
                self.token = f.read().strip()
        self.log_lock = threading.Lock()
        self.log_file = open(opts.log, "a", encoding="utf-8") if opts.log else None

    def finish_request(self, request, client_address):
        if self.tls:  # the handshake happens on the request's thread, not in the accept loop
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.log({"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                          "tls_error": str(e)})
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return  # a client that hung up (as fleetcap does on a size cap or timeout) is no error
        super().handle_error(request, client_address)

    def log(self, entry):
        if self.log_file:
            with self.log_lock:
                self.log_file.write(json.dumps(entry, separators=(",", ":")) + "\n")
                self.log_file.flush()


def main():
    ap = argparse.ArgumentParser(prog="fleet_server.py", description=__doc__.split("\n\n")[1],
                                 epilog=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="snapshot directory holding RESOURCE.json files (missing file = 404)")
    ap.add_argument("--port", type=int, default=0, help="port (default 0 = any free port)")
    ap.add_argument("--bind", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (needs --tls-key)")
    ap.add_argument("--tls-key", help="PEM private key for --tls-cert")
    ap.add_argument("--prefix", default="", help="path prefix before /v1 (e.g. /api); default none")
    ap.add_argument("--page-size", type=int, default=0, help="items per page (default 0 = one page)")
    ap.add_argument("--honour-cluster-filter", action="store_true",
                    help="filter by ?cluster=C (items without a cluster, e.g. quota groups, are kept)")
    ap.add_argument("--gzip", action="store_true", help="gzip bodies when Accept-Encoding allows gzip")
    ap.add_argument("--deflate", action="store_true", help="deflate bodies when allowed (gzip preferred)")
    ap.add_argument("--token-file", help="require 'Authorization: Bearer TOKEN' (token = file's text, trimmed)")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--fault", action="append", default=[], metavar="FAULT", help="inject a fault (see below)")
    ap.add_argument("--max-seconds", type=float, default=1800,
                    help="exit after this long (default 1800; 0 = never); it also exits when its parent does")
    ap.add_argument("--verbose", action="store_true", help="access log on stderr")
    opts = ap.parse_args()
    if not opts.bind.startswith("127.") and opts.bind not in ("::1", "localhost"):
        ap.error("--bind takes a loopback address only")
    if bool(opts.tls_cert) != bool(opts.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if not os.path.isdir(opts.dir):
        ap.error(f"not a directory: {opts.dir}")
    try:
        srv = Server(opts)
    except ValueError as e:
        ap.error(f"bad --fault {e}")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"PORT {srv.server_address[1]}", flush=True)
    deadline = time.monotonic() + opts.max_seconds if opts.max_seconds > 0 else float("inf")
    parent = os.getppid()
    # Until stopped, or the process that started it is gone (a killed test leaves no server
    # behind), or --max-seconds, a last guard only.
    while not stop.wait(0.2) and time.monotonic() < deadline and os.getppid() == parent:
        pass
    srv.stopping.set()
    srv.shutdown()
    srv.server_close()
    if not stop.is_set():
        print("fleet_server: --max-seconds reached, exiting", file=sys.stderr)


if __name__ == "__main__":
    main()
