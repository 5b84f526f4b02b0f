"""Hardening (issue 16, docs/reliability.md): each class of defect an adversarial pass found, as
a class. Secrets: the loopback decision is a strict parse, and every byte fleetcap writes is
redacted, whatever quotes the token. Partial data: a second document, a page token of another
type, maintenance nodes null or missing. Unbounded work: error bodies, decoded size, local files
that are FIFOs, devices or too large, deep quota chains. Signals during any phase. Exit codes
and messages for bad URLs, files, numbers, times and config files."""
import gzip
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

import fleetgen
import harness
from harness import WORKED
from reliability import SLACK, TOKEN, assert_linear, assert_one_error, fleet_copy, prompt_bound

RESOURCES = ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history")


def env_token(token=TOKEN):
    return harness.clean_env(FLEETCAP_TOKEN=token)


def worked_pages():
    pages = {}
    for r in RESOURCES:
        with open(os.path.join(WORKED, r + ".json"), "rb") as f:
            pages[r] = f.read()
    return pages


class Api:
    """A loopback fleet API in this process: `routes` maps a resource name to a function
    (handler, token_seen) that answers it, else the worked example's page is served. Every
    request's path and Authorization header are kept in `seen`."""

    def __init__(self, routes=None, host="127.0.0.1"):
        self.routes, self.seen, self.pages = routes or {}, [], worked_pages()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                auth = self.headers.get("Authorization") or ""
                api.seen.append((self.path, auth))
                token = auth[7:] if auth.startswith("Bearer ") else ""
                res = self.path.split("?")[0].rstrip("/").split("/")[-1]
                try:
                    if res in api.routes:
                        return api.routes[res](self, token)
                    if res not in api.pages:
                        return send(self, 404, b'{"error":"not found"}')
                    send(self, 200, api.pages[res])
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def send(h, status, body, ctype="application/json", headers=()):
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in headers:
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def send_chunked(h, status, chunks, headers=()):
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    for k, v in headers:
        h.send_header(k, v)
    h.end_headers()
    for c in chunks:
        if c:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
    h.wfile.write(b"0\r\n\r\n")


def page(items, next_token=None, extra=b""):
    return json.dumps({"api_version": "v1", "items": items, "next_page_token": next_token}).encode() + extra


def items_of(resource):
    with open(os.path.join(WORKED, resource + ".json")) as f:
        return json.load(f)["items"]


def write_items(folder, resource, items):
    with open(os.path.join(folder, resource + ".json"), "w") as f:
        json.dump({"api_version": "v1", "items": items, "next_page_token": None}, f)


def run_plain(*args, timeout=20):
    """harness.run without its token check, which opens --token-file (a FIFO would block it)."""
    p = subprocess.run([harness.BINARY, *args], capture_output=True, text=True, timeout=timeout,
                       env=harness.clean_env(), stdin=subprocess.DEVNULL, errors="replace")
    return harness.Result(p.returncode, p.stdout, p.stderr)


def peak_rss_mb(args, env, timeout=120):
    """Runs fleetcap; (Result, its own peak resident memory in MiB). The peak is the largest
    VmHWM of /proc/PID/status seen every 10 ms, not wait4's ru_maxrss: Linux carries that over
    exec from the forking process, so a test holding a large body would be counted."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([harness.BINARY, *args], stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        peak_kb = 0
        while True:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peak_kb = max(peak_kb, int(line.split()[1]))
            except OSError:
                pass
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                raise AssertionError("fleetcap did not finish")
            time.sleep(0.01)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (harness.Result(p.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace")),
                peak_kb / 1024)


class Secrets(unittest.TestCase):
    def test_loopback_is_a_strict_parse_not_a_prefix(self):
        # 127.0.0.1.localhost resolves to loopback in libcurl, so the token would really have
        # gone there; 127.0.0.1.evil.invalid was attempted. Both are names, not literals.
        with Api() as api:
            for url in (f"http://127.0.0.1.localhost:{api.port}/", f"http://127.0.0.1.evil.invalid:{api.port}/",
                        f"http://127.0.0.1x:{api.port}/", f"http://localhost.evil.invalid:{api.port}/"):
                r = harness.run("--source", url, "capacity", env=env_token())
                assert_one_error(self, r, 2, r"refusing to send the token over plain http to http://127\.0\.0\.1|"
                                             r"refusing to send the token over plain http to http://localhost\.")
            self.assertEqual(api.seen, [])
            # Literal loopback addresses and `localhost` exactly are fine (control cases).
            for url in (api.url, f"http://localhost:{api.port}", f"http://LOCALHOST:{api.port}/"):
                r = harness.run("--source", url, "capacity", env=env_token())
                self.assertEqual(r.code, 0, r)
            self.assertTrue(all(auth == "Bearer " + TOKEN for _, auth in api.seen))

    def run_echo(self, routes, *args, code):
        with Api(routes) as api:
            r = harness.run("--verbose", "--source", api.url, *args, env=env_token())
        self.assertEqual(r.code, code, r)
        self.assertNotIn(TOKEN, r.out + r.err)
        self.assertNotIn(TOKEN[4:20], r.out + r.err)
        return r

    def test_token_echoed_in_an_error_body(self):
        r = self.run_echo({"nodes": lambda h, t: send(h, 401, f'{{"error":"bad token {t}"}}'.encode())},
                          "capacity", code=1)
        self.assertIn('HTTP 401: {"error":"bad token [REDACTED]"}', r.err)

    def test_token_echoed_in_a_data_value(self):
        def nodes(h, t):
            items = items_of("nodes")
            items[0]["gpus"] = "eight-" + t
            send(h, 200, page(items))
        r = self.run_echo({"nodes": nodes}, "capacity", code=3)
        self.assertIn("[REDACTED]", r.err)

    def test_token_echoed_in_a_redirect_location(self):
        def nodes(h, t):
            if "moved" in h.path:
                return send(h, 410, b'{"error":"gone"}')
            send(h, 302, b"", headers=[("Location", f"/v1/nodes?moved={t}")])
        r = self.run_echo({"nodes": nodes}, "capacity", code=1)
        self.assertIn("redirected to", r.err)
        self.assertIn("[REDACTED]", r.err)

    def test_token_in_names_on_stdout(self):
        # A server that puts the token in a name: the table, JSON and CSV all show it redacted.
        def clusters(h, t):
            items = items_of("clusters")
            items[0]["region"] = "r-" + t
            send(h, 200, page(items))
        for fmt in ("table", "json", "csv"):
            r = self.run_echo({"clusters": clusters}, "--format", fmt, "capacity", "--by", "region", code=0)
            self.assertIn("[REDACTED]", r.out)

    def test_token_in_a_large_streamed_output(self):
        # maintenance plan --json streams its output in 1 MiB pieces: the token is caught wherever
        # the pieces are cut. Many jobs named after the token, on nodes of an event.
        def jobs(h, t):
            items = items_of("jobs")
            base = next(j for j in items if j["name"] == "j3")  # on t07, t08: maintenance m2
            extra = []
            for i in range(6000):
                j = dict(base)
                j["name"] = f"{t}-{i:05d}-" + "x" * (i % 37)
                extra.append(j)
            send(h, 200, page(items + extra))
        with Api({"jobs": jobs}) as api:
            r = harness.run("--source", api.url, "--at", "2026-11-20T12:00:00Z", "maintenance", "plan", "--json",
                            env=env_token())
        self.assertEqual(r.code, 0, r.err)
        self.assertNotIn(TOKEN, r.out + r.err)
        self.assertNotIn(TOKEN[4:20], r.out + r.err)
        self.assertGreater(len(r.out), 2 << 20)  # more than one piece
        # Each of the 6000 names at least once (a plan may name a job twice: its move and a reason).
        self.assertGreaterEqual(r.out.count("[REDACTED]"), 6000)
        json.loads(r.out)


class PartialData(unittest.TestCase):
    """Each case from a directory and over HTTP: exit 3, nothing on stdout."""

    def both(self, resource, body, pattern):
        d = fleet_copy()
        with open(os.path.join(d, resource + ".json"), "wb") as f:
            f.write(body)
        r = harness.run("--source", d, "capacity")
        assert_one_error(self, r, 3, pattern)
        with Api({resource: lambda h, t: send(h, 200, body)}) as api:
            r = harness.run("--source", api.url, "capacity")
        assert_one_error(self, r, 3, pattern)

    def test_second_document(self):
        first = page(items_of("quotas"))
        for second in (b'\n{"api_version":"v1","items":[]}\n', b" []", b"\n1\n", b'"x"'):
            self.both("quotas", first + second, r"quotas: invalid JSON in .* at line \d+, column \d+: (more JSON after "
                                                r"the end of the document|.*expected end of input)")

    def test_second_document_in_a_large_file(self):
        # Large files are parsed as a stream; it must agree with the whole-page parser.
        items = items_of("jobs")
        big = [dict(items[0], name=f"j{i:06d}") for i in range(12000)]
        body = page(big) + b'{"api_version":"v1","items":[]}'
        self.assertGreater(len(body), 1 << 20)
        self.both("jobs", body, r"jobs: invalid JSON in .*: more JSON after the end of the document")

    def test_next_page_token_of_another_type(self):
        for value in (5, True, [], {}):
            body = json.dumps({"api_version": "v1", "items": items_of("nodes"), "next_page_token": value}).encode()
            self.both("nodes", body, r'nodes: .* has "next_page_token" that is not a string or null, got ')

    def test_maintenance_nodes_null_or_missing(self):
        for value in (None, "missing"):
            items = items_of("maintenance")
            if value is None:
                items[0]["nodes"] = None
                pattern = r'maintenance\[0\] "m1": field "nodes" must be an array of strings, got null'
            else:
                del items[0]["nodes"]
                pattern = r'maintenance\[0\] "m1": field "nodes" is missing'
            self.both("maintenance", page(items), pattern)
        # An empty list is the whole cluster (docs/fleet-api.md): valid.
        d = fleet_copy()
        items = items_of("maintenance")
        items[0]["nodes"] = []
        write_items(d, "maintenance", items)
        self.assertEqual(harness.run("--source", d, "capacity").code, 0)


class UnboundedWork(unittest.TestCase):
    def test_endless_error_body_reports_the_status(self):
        def endless(h, t):
            send_chunked(h, 500, (b"<html>" + b"x" * 65536 for _ in range(100000)))
        with Api({"nodes": endless}) as api:
            start = time.monotonic()
            r = harness.run("--source", api.url, "--max-response-mb", "512", "capacity")
            took = time.monotonic() - start
        assert_one_error(self, r, 1, r"/v1/nodes: HTTP 500: <html>x+\.\.\.$")
        self.assertLess(took, prompt_bound())

    def test_error_status_over_the_cap_reports_the_status(self):
        def big_error(h, t):
            h.send_response(503)
            h.send_header("Content-Type", "text/plain")
            h.send_header("Content-Length", str(50 << 20))
            h.end_headers()
            h.wfile.write(b"upstream overloaded " + b"y" * 4096)
        with Api({"nodes": big_error}) as api:
            r = harness.run("--source", api.url, "--max-response-mb", "1", "capacity")
        # The status, not "larger than --max-response-mb" (libcurl refuses the body before it starts).
        assert_one_error(self, r, 1, r"/v1/nodes: HTTP 503$")

    @unittest.skipIf(SLACK > 1 or b"__asan_" in open(harness.BINARY, "rb").read(),
                     "a sanitizer or valgrind adds its own memory (shadow, quarantine)")
    def test_gzip_bomb_memory_stays_near_the_cap(self):
        # One string that never ends, gzip-encoded: 1 GiB decoded from about 1 MB. The body can
        # be neither streamed nor parsed, so it is held until the cap refuses it.
        # 160 MiB: a body that doubled went from 128 MiB to a 256 MiB buffer, both held during the copy.
        cap = 160
        blob = zlib.compressobj(9, zlib.DEFLATED, 31)
        head = blob.compress(b'{"api_version":"v1","items":[{"name":"')
        block = blob.compress(b"x" * (1 << 20))
        def bomb(h, t):
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Encoding", "gzip")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunks = [z.compress(b'{"api_version":"v1","items":[{"name":"')]
            for _ in range(1024):
                chunks.append(z.compress(b"x" * (1 << 20)))
            chunks.append(z.flush())
            for c in chunks:
                if c:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            h.wfile.write(b"0\r\n\r\n")
        del head, block
        with Api({"nodes": bomb}) as api:
            r, rss = peak_rss_mb(["--source", api.url, "--max-response-mb", str(cap), "capacity"], harness.clean_env())
        assert_one_error(self, r, 1, rf"response is larger than --max-response-mb {cap} MiB$")
        self.assertLess(rss, cap * 1.25 + 10, f"peak RSS {rss:.0f} MiB for a cap of {cap} MiB")

    @staticmethod
    def dense_nodes_page(mib, envelope_first):
        """A valid nodes page of about `mib` MiB with a JSON token every 2 bytes (an unknown
        field [0,0,...] in each node): the parser's index of it would be 4 bytes per token."""
        note = ",".join(["0"] * 500)
        items = ",".join(f'{{"name":"x{i}","cluster":"tiger","island":"tiger-ib1","gpus":8,"health":"healthy",'
                         f'"cordoned":false,"issues":[],"note":[{note}]}}' for i in range(mib * 1000))
        worked = ",".join(json.dumps(n) for n in items_of("nodes"))
        if envelope_first:
            return ('{"next_page_token":null,"api_version":"v1","items":[' + worked + "," + items + "]}").encode()
        return ('{"api_version":"v1","items":[' + worked + "," + items + '],"next_page_token":null}').encode()

    @unittest.skipIf(SLACK > 1 or b"__asan_" in open(harness.BINARY, "rb").read(),
                     "a sanitizer or valgrind adds its own memory (shadow, quarantine)")
    def test_large_page_with_members_before_its_items_is_streamed(self):
        # A valid 36 MiB page whose next_page_token comes before its items was held whole and
        # indexed by the parser: 201 MiB at a cap of 40 MiB. It is now parsed in a window like
        # any large page (24 MiB).
        cap, body = 40, self.dense_nodes_page(36, True)
        with Api({"nodes": lambda h, t: send(h, 200, body)}) as api:
            r, rss = peak_rss_mb(["--source", api.url, "--max-response-mb", str(cap), "capacity"],
                                 harness.clean_env())
        self.assertEqual(r.code, 0, r.err)
        self.assertLess(rss, cap * 1.25 + 10, f"peak RSS {rss:.0f} MiB for a cap of {cap} MiB")

    @unittest.skipIf(SLACK > 1 or b"__asan_" in open(harness.BINARY, "rb").read(),
                     "a sanitizer or valgrind adds its own memory (shadow, quarantine)")
    def test_snapshot_save_holds_a_large_page_once(self):
        # snapshot save keeps each page's items text: the page was parsed whole (its index), its
        # items found by a second whole parse, and the file built in a second copy.
        cap, body = 40, self.dense_nodes_page(25, False)
        target = os.path.join(tempfile.mkdtemp(prefix="fleetcap-save-"), "snap")
        with Api({"nodes": lambda h, t: send(h, 200, body)}) as api:
            r, rss = peak_rss_mb(["--source", api.url, "--max-response-mb", str(cap), "snapshot", "save", target],
                                 harness.clean_env())
        self.assertEqual(r.code, 0, r.err)
        with open(os.path.join(target, "nodes.json"), "rb") as f:
            self.assertEqual(json.loads(f.read())["items"], json.loads(body)["items"])
        self.assertLess(rss, cap * 1.25 + 10, f"peak RSS {rss:.0f} MiB for a cap of {cap} MiB")
        shutil.rmtree(os.path.dirname(target))

    def local_refused(self, make, pattern, code=1, args=("capacity",), resource="nodes"):
        d = fleet_copy()
        path = os.path.join(d, resource + ".json")
        os.remove(path)
        make(path)
        start = time.monotonic()
        r = harness.run("--source", d, *args, timeout=60 * SLACK)
        self.assertLess(time.monotonic() - start, prompt_bound(), "a local read blocked")
        assert_one_error(self, r, code, pattern)
        return d

    def test_snapshot_files_that_are_not_regular(self):
        self.local_refused(os.mkfifo, r"nodes\.json is a FIFO, not a regular file$")
        self.local_refused(lambda p: os.symlink("/dev/zero", p), r"nodes\.json is a character device, not a regular file$")
        self.local_refused(os.mkfifo, r"snapshot\.json is a FIFO, not a regular file$", resource="snapshot")
        self.local_refused(lambda p: os.symlink("/dev/zero", p), r"health_history\.json is a character device",
                           resource="health_history")

    def test_snapshot_file_over_the_cap(self):
        def sparse(p):
            with open(p, "wb") as f:
                f.truncate(3 << 20)  # 3 MiB of NULs, no disk
        self.local_refused(sparse, r"nodes\.json is larger than --max-response-mb 2 MiB \(3145728 bytes\)$",
                           args=("--max-response-mb", "2", "capacity"))

    def test_token_cacert_config_files_that_are_not_regular(self):
        d = tempfile.mkdtemp()
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        cases = [
            (("--source", WORKED, "--token-file", fifo, "capacity"), 2, r"--token-file .*fifo is a FIFO, not a regular"),
            (("--source", WORKED, "--token-file", "/dev/zero", "capacity"), 2, r"/dev/zero is a character device"),
            (("--source", "https://127.0.0.1:9", "--cacert", fifo, "capacity"), 2, r"--cacert .*fifo is a FIFO"),
            (("--source", "https://127.0.0.1:9", "--cacert", "/dev/zero", "capacity"), 2, r"/dev/zero is a character"),
            (("--config", fifo, "--source", WORKED, "capacity"), 2, r"--config .*fifo is a FIFO, not a regular file"),
            (("--config", "/dev/zero", "--source", WORKED, "capacity"), 2, r"--config /dev/zero is a character device"),
        ]
        for args, code, pattern in cases:
            start = time.monotonic()
            r = run_plain(*args)
            self.assertLess(time.monotonic() - start, prompt_bound(), args)
            assert_one_error(self, r, code, pattern)
        big = os.path.join(d, "big")
        with open(big, "wb") as f:
            f.truncate(10 << 20)
        r = run_plain("--source", WORKED, "--token-file", big, "capacity")
        assert_one_error(self, r, 2, r"--token-file .*big is larger than 64 KiB")

    def test_history_snapshot_json_fifo(self):
        d = tempfile.mkdtemp()
        s = os.path.join(d, "2026-11-01")
        shutil.copytree(WORKED, s)
        os.remove(os.path.join(s, "snapshot.json"))
        os.mkfifo(os.path.join(s, "snapshot.json"))
        start = time.monotonic()
        r = harness.run("--source", WORKED, "overalloc", "report", "--history", d, timeout=60 * SLACK)
        self.assertLess(time.monotonic() - start, prompt_bound())
        self.assertIn(r.code, (1, 3), r)
        self.assertIn("is a FIFO, not a regular file", r.err)

    def quota_chain(self, depth):
        d = fleet_copy()
        quotas = items_of("quotas")
        leaf = next(q for q in quotas if q.get("cluster"))
        chain = [{"name": "c0", "parent": None}]
        chain += [{"name": f"c{i}", "parent": f"c{i - 1}"} for i in range(1, depth)]
        chain.append({"name": "chain-leaf", "parent": f"c{depth - 1}", "cluster": leaf["cluster"], "gpus": 8})
        write_items(d, "quotas", quotas + chain)
        return d

    def test_deep_quota_chain_is_linear(self):
        # Quadratic root finding took over 10 s at 80,000 deep (issue 16). N against 4N in the
        # same run, not seconds (issue 26 class 12: 5.9 s against a bound of 4 under load).
        chains = {}
        def measure(command):
            def run_at(depth):
                if depth not in chains:
                    chains[depth] = self.quota_chain(depth)
                start = time.monotonic()
                r = harness.run("--source", chains[depth], *command, timeout=600 * SLACK)
                took = time.monotonic() - start
                self.assertEqual(r.code, 0, r.err)
                if command[0] == "quota":
                    self.assertIn("chain-leaf", r.out)
                return took
            return run_at
        assert_linear(self, measure(["capacity"]), 25000, rounds=2)
        assert_linear(self, measure(["quota", "--json"]), 25000, rounds=2)
        for d in chains.values():
            shutil.rmtree(d, ignore_errors=True)


class Signals(unittest.TestCase):
    big = None  # one generated 33 MB fleet for the class (3 s to make), removed at the end

    @classmethod
    def tearDownClass(cls):
        if cls.big:
            shutil.rmtree(os.path.dirname(cls.big), ignore_errors=True)

    def big_fleet(self):
        if Signals.big is None:
            out = os.path.join(tempfile.mkdtemp(prefix="fleetcap-big-"), "fleet")
            fleetgen.generate(out, clusters=40, nodes_per_cluster=2500, seed=3)
            Signals.big = out
        return Signals.big

    @unittest.skipIf(b"__tsan_" in open(harness.BINARY, "rb").read(),
                     "ThreadSanitizer delivers a signal at its own next safe point, not when it comes")
    def test_signal_during_any_phase_ends_promptly(self):
        # Loading a local snapshot and computing never looked at the signal: the first Ctrl-C was
        # ignored until the end. Signals spread over a run must each end it promptly: within ten
        # starts of the binary measured now, not 0.5 s (1.07 s under ASan on a busy machine,
        # issue 26; measured: at most 3 starts in Release, 2 under ASan). A landing whose run had
        # less than 1.25 times that left proves nothing either way and is not counted; at least
        # one must be. Each landing's bound is calibrated right after it, and a landing past it is
        # tried once more: a burst of load passes, a signal seen late is late both times.
        fleet = self.big_fleet()
        start = time.monotonic()
        r = harness.run("--source", fleet, "maintenance", "plan", "--json", timeout=300 * SLACK)
        whole = time.monotonic() - start
        self.assertEqual(r.code, 0, r.err)
        bound = prompt_bound(factor=10)
        counted = 0

        def land(sig, frac):
            """(exit status, stderr, latency, bound): the signal at `frac` of a run, and the bound
            calibrated right after it, under the load of that moment."""
            p = subprocess.Popen([harness.BINARY, "--source", fleet, "maintenance", "plan", "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=harness.clean_env())
            time.sleep(whole * frac)
            sent = time.monotonic()
            p.send_signal(sig)
            _, err = p.communicate(timeout=300 * SLACK)
            latency = time.monotonic() - sent
            return p.returncode, err, latency, prompt_bound(factor=10)

        for sig, code, text in ((signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")):
            for frac in (0.1, 0.3, 0.6, 0.85):
                returncode, err, latency, bound = land(sig, frac)
                if returncode == 0:
                    continue  # it had finished
                self.assertEqual(returncode, code, err)
                self.assertEqual(err.decode(), f"fleetcap: {text}\n")
                if whole * (1 - frac) < 1.25 * bound:
                    continue  # too little of the run was left for a late end to show
                counted += 1
                if latency >= bound:  # a burst of load, or a signal seen late: a late one is late again
                    returncode, err, latency, bound = land(sig, frac)
                    if returncode == 0:
                        continue
                    self.assertEqual(returncode, code, err)  # the second landing ends as the first must
                    self.assertEqual(err.decode(), f"fleetcap: {text}\n")
                self.assertLess(latency, bound, f"{sig.name} at {frac:.0%} of a {whole:.1f} s run")
        self.assertGreater(counted, 0, f"a {whole:.1f} s run is too short against a bound of {bound:.2f} s")

    def test_signal_while_computing_ends_promptly(self):
        # Item 11: while figures were computed, the first Ctrl-C was ignored and SIGTERM waited
        # for the end. A maintenance plan where 6,000 whole-cluster events hit each of 1,500
        # jobs computes for seconds (jobs x events) from 2 MB of input, served here. The signal
        # goes once the load is over: every resource answered and no "fleetcap-load" thread left
        # (a sanitizer may run threads of its own), and the process still alive 0.3 s later.
        nodes = [{"name": f"n{i}", "cluster": "tiger", "island": f"i{i // 64}", "gpus": 8, "health": "healthy",
                  "cordoned": False, "issues": []} for i in range(3000)]
        jobs = [{"name": f"j{i}", "namespace": "pretrain", "quota": "research/pretrain", "cluster": "tiger",
                 "priority": "critical", "gpus": 8, "state": "running", "nodes": [f"n{i}"],
                 "started_at": "2026-11-02T08:00:00Z"} for i in range(0, 3000, 2)]
        events = [{"id": f"m{k}", "cluster": "tiger", "nodes": [], "kind": "hardware", "reason": "r", "priority": "p1",
                   "start": f"2026-11-2{1 + k % 5}T{k % 24:02d}:00:00Z", "end": f"2026-11-2{2 + k % 5}T{k % 24:02d}:00:00Z",
                   "hard_start": False, "state": "scheduled"} for k in range(6000)]
        answered = []

        def serving(body):
            def serve(h, t):
                send(h, 200, body)
                answered.append(h.path)
            return serve
        bodies = dict(worked_pages(), nodes=page(nodes), jobs=page(jobs), maintenance=page(events))
        routes = {r: serving(body) for r, body in bodies.items()}
        bound = prompt_bound()
        with Api(routes) as api:
            for sig, code, text in ((signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")):
                answered.clear()
                p = subprocess.Popen([harness.BINARY, "--source", api.url, "--at", "2026-11-20T12:00:00Z", "maintenance",
                                      "plan"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=harness.clean_env(),
                                     stdin=subprocess.DEVNULL)
                def loaders():
                    names = []
                    for t in os.listdir(f"/proc/{p.pid}/task"):
                        try:
                            with open(f"/proc/{p.pid}/task/{t}/comm") as f:
                                names.append(f.read().strip())
                        except OSError:
                            pass  # the thread ended meanwhile
                    return names.count("fleetcap-load")
                try:
                    deadline = time.monotonic() + 30 * SLACK
                    while not (len(answered) >= len(RESOURCES) and loaders() == 0):
                        self.assertIsNone(p.poll(), "fleetcap ended before its load was over")
                        self.assertLess(time.monotonic(), deadline, "the load did not end")
                        time.sleep(0.01)
                    time.sleep(0.3)
                    self.assertIsNone(p.poll(), "the plan took under 0.3 s: make the fleet larger for this test")
                    sent = time.monotonic()
                    p.send_signal(sig)
                    out, err = p.communicate(timeout=120 * SLACK)
                    latency = time.monotonic() - sent
                finally:
                    p.kill()
                    p.wait()
                    p.stdout.close()
                    p.stderr.close()
                self.assertEqual((p.returncode, out, err.decode()), (code, b"", f"fleetcap: {text}\n"))
                self.assertLess(latency, bound, f"{sig.name} while computing")

    def test_sighup_during_snapshot_save_leaves_nothing(self):
        fleet = self.big_fleet()
        parent = tempfile.mkdtemp(prefix="fleetcap-save-")
        target = os.path.join(parent, "snap")
        self.addCleanup(shutil.rmtree, parent, True)
        start = time.monotonic()
        r = harness.run("--source", fleet, "snapshot", "save", target, timeout=300)
        whole = time.monotonic() - start
        self.assertEqual(r.code, 0, r.err)
        shutil.rmtree(target)
        codes = set()
        # Six landings from 30% to 90% of a whole save: reading, writing each file, renaming.
        for i in range(6):
            p = subprocess.Popen([harness.BINARY, "--source", fleet, "snapshot", "save", target],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=harness.clean_env())
            time.sleep(whole * (0.3 + 0.12 * i))
            p.send_signal(signal.SIGHUP)
            p.communicate(timeout=60)
            codes.add(p.returncode)
            left = [n for n in os.listdir(parent) if n.startswith(".snap.tmp-")]
            self.assertEqual(left, [], f"SIGHUP at {0.3 + 0.12 * i:.0%} left {left}")
            if p.returncode == 0:
                shutil.rmtree(target)
            else:
                self.assertEqual(p.returncode, 129)
                # A signal that lands after the rename finds the snapshot already whole: what
                # exists is then complete, never half-written.
                if os.path.exists(target):
                    self.assertTrue(os.path.exists(os.path.join(target, "snapshot.json")), os.listdir(target))
                    shutil.rmtree(target)
        self.assertIn(129, codes)


class ExitCodes(unittest.TestCase):
    def test_invalid_json_cancels_a_hanging_fetch(self):
        stop = threading.Event()
        def hang(h, t):
            stop.wait(30)
        with Api({"nodes": lambda h, t: send(h, 200, b'{"api_version":"v1","items":[}'), "jobs": hang}) as api:
            start = time.monotonic()
            r = harness.run("--source", api.url, "--timeout", "20", "capacity")
            took = time.monotonic() - start
            stop.set()
        assert_one_error(self, r, 3, r"nodes: invalid JSON in GET http://127\.0\.0\.1:\d+/v1/nodes at line 1")
        self.assertLess(took, prompt_bound())  # not the --timeout of 20 s

    def test_bad_source_urls_are_usage_errors(self):
        cases = {"http://127.0.0.1:99999/": "port 99999 is not between 1 and 65535",
                 "http://127.0.0.1:abc/": 'port "abc" is not a number',
                 "http://127.0.0.1:0/": "port 0 is not between 1 and 65535",
                 "http://fleet example/api": "it contains a space",
                 "http://127.0.0.1:8080/api?x=1": "no query",
                 "http://127.0.0.1:8080/api#frag": "no query",
                 "https://:443/": "it has no host",
                 "http://[::1/": "no closing ]"}
        for url, why in cases.items():
            r = harness.run("--source", url, "capacity")
            line = assert_one_error(self, r, 2, "is not a usable URL")
            self.assertIn(f'--source "{url}"', line)
            self.assertIn(why, line)

    def test_snapshot_save_empty_dir(self):
        r = harness.run("--source", WORKED, "snapshot", "save", "")
        assert_one_error(self, r, 2, r"snapshot save: DIR is empty; name the directory to write")

    def test_token_file_missing_or_empty_one_rule(self):
        d = tempfile.mkdtemp()
        empty = os.path.join(d, "empty")
        open(empty, "w").close()
        os.chmod(empty, 0o600)
        for path in (os.path.join(d, "missing"), empty):
            r = harness.run("--source", "http://127.0.0.1:9", "--token-file", path, "capacity")
            assert_one_error(self, r, 2, r"--token-file ")

    def test_bom_and_wrong_type_snapshot_json(self):
        d = fleet_copy()
        with open(os.path.join(d, "nodes.json"), "rb") as f:
            body = f.read()
        with open(os.path.join(d, "nodes.json"), "wb") as f:
            f.write(b"\xef\xbb\xbf" + body)
        r = harness.run("--source", d, "capacity")
        assert_one_error(self, r, 3, r"nodes\.json at line 1, column 1: the file starts with a UTF-8 byte order mark")
        for text, got in (("[]", "an array"), ('\n  "2026-11-20T12:00:00Z"', "a string"), ("5", "a number")):
            d = fleet_copy()
            with open(os.path.join(d, "snapshot.json"), "w") as f:
                f.write(text)
            r = harness.run("--source", d, "capacity")
            assert_one_error(self, r, 3, rf"snapshot\.json: line \d+, column \d+: expected a JSON object with "
                                         rf'"taken_at", got {got}$')

    def test_range_messages_are_short(self):
        for args in (("flex", "--gpus", "0"), ("--max-pages", "0", "capacity"), ("flex", "--gpus", "-3"),
                     ("--max-pages", "1e999", "capacity")):
            r = harness.run("--source", WORKED, *args)
            self.assertEqual((r.code, r.out), (2, ""), r)
            self.assertIn("must be a whole number from 1 to 1000000000", r.err)
            self.assertLess(len(r.err), 300, r.err)

    def test_times_stay_rfc3339(self):
        r = harness.run("--source", WORKED, "maintenance", "list", "--lead", "99999999999d")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("at most 36500d", r.err)
        d = fleet_copy()
        items = items_of("maintenance")
        items[0]["start"] = "0000-01-01T00:00:00Z"
        write_items(d, "maintenance", items)
        r = harness.run("--source", d, "maintenance", "list")
        assert_one_error(self, r, 3, r'field "start" must be an RFC 3339 time in the years 1000 to 8999, got '
                                     r'"0000-01-01T00:00:00Z"')
        # The extremes that are accepted print as RFC 3339 with four-digit years.
        items = items_of("maintenance")
        items[0]["start"], items[0]["end"] = "1000-01-01T00:00:00Z", "8999-12-31T23:59:59Z"
        write_items(d, "maintenance", items)
        rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        for at in ("1000-01-01T00:00:00Z", "8999-12-31T00:00:00Z"):
            r = harness.run("--source", d, "--at", at, "maintenance", "list", "--lead", "36500d", "--window",
                            "36500d", "--event-state", "all", "--json")
            self.assertEqual(r.code, 0, r)
            def times(v):
                if isinstance(v, dict):
                    for x in v.values():
                        yield from times(x)
                elif isinstance(v, list):
                    for x in v:
                        yield from times(x)
                elif isinstance(v, str) and re.match(r"^-?\d+-\d\d-\d\dT", v):
                    yield v
            found = list(times(r.json()))
            self.assertTrue(found)
            for t in found:
                self.assertRegex(t, rfc3339)

    def test_garbage_config_is_an_error(self):
        d = tempfile.mkdtemp()
        cases = {"garbage": ('source = "x"\nthis is not toml\n', 2),
                 "binary": ("\x00\x01\x02\x03", 1),
                 "unclosed": ('source = "' + WORKED + '\ncolor = "never"\n', 1),
                 "section": ("[global\n", 1),
                 "array": ("cluster = [\n  \"lion\",,\n]\n", 2),
                 "duplicate": ("color = \"never\"\n\ncolor = \"always\"\n", 3)}
        for name, (text, line) in cases.items():
            path = os.path.join(d, name + ".toml")
            with open(path, "w") as f:
                f.write(text)
            r = harness.run("--config", path, "--source", WORKED, "capacity")
            assert_one_error(self, r, 2, rf"--config {re.escape(path)}: line {line}: ")
        # A good file still works, comments, sections and arrays over several lines included
        # (control case).
        good = os.path.join(d, "good.toml")
        with open(good, "w") as f:
            f.write(f'# fleetcap\nsource = "{WORKED}"\ncolor = "never"  # no colour\ncluster = [\n  "lion",\n]\n')
        r = harness.run("--config", good, "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertIn("lion", r.out)
        self.assertNotIn("tiger", r.out)

    def test_help_says_mib(self):
        r = harness.run("--help")
        self.assertRegex(r.out, r"--max-response-mb[^\n]*\n?[^\n]*MiB")


if __name__ == "__main__":
    harness.main()
