"""The fleet API over HTTP (docs/fleet-api.md), end to end: the real binary against fleet_server.py on
127.0.0.1 serving examples/fleet/worked, with pagination, gzip, bearer tokens and injected
faults. Every failure case checks the exit status, the stderr message and an empty stdout."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import WORKED, Server, clean_env, run
from reliability import prompt_bound

WORKED_AT = "2026-11-20T12:00:00Z"
TOKEN = "s3cret-Token-7f2a9c"
RESOURCES = ["clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"]


def golden(name):
    with open(os.path.join(harness.DATA, "golden", name)) as f:
        return f.read()


def token_file(text):
    fd, path = tempfile.mkstemp(prefix="fleetcap-token-")
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


class HttpTest(unittest.TestCase):
    def cap(self, server, *args, env=None, timeout=60):
        """capacity at the worked example's instant (the API has no snapshot.json)."""
        return run("--source", server.url, "capacity", "--at", WORKED_AT, *args, env=env, timeout=timeout)

    def assert_ok(self, r):
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertEqual(r.out, golden("capacity_worked.txt"), r)

    def assert_fails(self, r, code, *needles):
        """Exit `code`, nothing on stdout, and the error (the last stderr line, after any
        --verbose lines) holding every needle."""
        self.assertEqual(r.code, code, r)
        self.assertEqual(r.out, "", r)
        last = r.err.splitlines()[-1] if r.err else ""
        self.assertTrue(last.startswith("fleetcap: error: "), r)
        for needle in needles:
            self.assertIn(needle, last, r)

    def by_resource(self, server, resource):
        return [e for e in server.requests() if e["resource"] == resource]


class Fetching(HttpTest):
    def test_same_table_as_the_directory(self):
        with Server(WORKED) as s:
            r = self.cap(s)
            self.assert_ok(r)
            self.assertEqual(r.out, run("--source", WORKED, "capacity").out)
            doc = self.cap(s, "--json").json()
            local = run("--source", WORKED, "capacity", "--json").json()
            self.assertEqual(doc["source"], s.url)
            for key in ("generated_at", "source", "sources"):  # which source, and when it was read
                doc.pop(key), local.pop(key)
            self.assertEqual(doc, local)
            requests = s.requests()
        # Two runs, one request per resource each.
        self.assertEqual(sorted(e["resource"] for e in requests), sorted(RESOURCES * 2))
        for e in requests:
            self.assertTrue(e["user_agent"].startswith("fleetcap/"), e)
            self.assertEqual(e["accept"], "application/json")
            self.assertEqual(e["method"], "GET")
            self.assertEqual(e["path"], "/v1/" + e["resource"])
            self.assertFalse(e["auth_present"])

    def test_pagination(self):
        with Server(WORKED, "--page-size", "2") as s:
            self.assert_ok(self.cap(s))
            nodes = self.by_resource(s, "nodes")
            quotas = self.by_resource(s, "quotas")
        # 20 nodes in pages of 2; 8 quotas in pages of 2.
        self.assertEqual([e["page"] for e in nodes], list(range(1, 11)))
        self.assertEqual(len(quotas), 4)
        self.assertNotIn("page_token", nodes[0]["query"])
        for e in nodes[1:]:
            self.assertEqual(len(e["query"]["page_token"]), 1, e)
            self.assertEqual(e["status"], 200)

    def test_pagination_with_a_cluster_filter(self):
        with Server(WORKED, "--page-size", "3", "--honour-cluster-filter") as s:
            r = self.cap(s, "--cluster", "tiger", "--format", "csv")
            self.assertEqual((r.code, r.err), (0, ""), r)
            self.assertEqual([line.split(",")[0] for line in r.out.splitlines()], ["name", "tiger"])
            for e in s.requests():
                self.assertEqual(e["query"]["cluster"], ["tiger"], e)

    def test_gzip(self):
        with Server(WORKED, "--gzip", "--page-size", "5") as s:
            self.assert_ok(self.cap(s))
            requests = s.requests()
        self.assertGreater(len(requests), 6)
        for e in requests:
            self.assertIn("gzip", e["accept_encoding"])
            self.assertEqual(e["encoding"], "gzip", e)

    def test_deflate(self):
        with Server(WORKED, "--deflate") as s:
            self.assert_ok(self.cap(s))
            self.assertEqual({e["encoding"] for e in s.requests()}, {"deflate"})

    def test_cluster_hint_in_the_query(self):
        with Server(WORKED) as s:
            r = self.cap(s, "--cluster", "tiger", "--format", "csv")
            self.assertEqual((r.code, r.err), (0, ""), r)
            # The server ignores the hint, so fleetcap filters too.
            self.assertEqual([line.split(",")[0] for line in r.out.splitlines()], ["name", "tiger"])
            for e in s.requests():
                self.assertEqual(e["query"], {"cluster": ["tiger"]}, e)
        with Server(WORKED) as s:
            self.cap(s, "--cluster", "tiger", "--cluster", "lion")
            for e in s.requests():
                self.assertEqual(e["query"], {"cluster": ["tiger", "lion"]}, e)

    def test_resources_are_fetched_concurrently(self):
        # Every request waits 0.6 s: one after another, six would add 3.6 s to the run, at once
        # 0.6 s. Against the same run without the wait, measured now (no absolute bound: on a
        # busy machine both take longer, the waits do not).
        def elapsed(*fault):
            with Server(WORKED, *fault) as s:
                started = time.monotonic()
                self.assert_ok(self.cap(s))
                return time.monotonic() - started
        quick = min(elapsed() for _ in range(2))
        slow = min(elapsed("--fault", "*@*:slow:0.6") for _ in range(2))
        self.assertLess(slow - quick, (0.6 + 3.6) / 2)

    def test_prefix_and_trailing_slash(self):
        with Server(WORKED, "--prefix", "/api") as s:
            r = run("--source", s.url + "/api/", "capacity", "--at", WORKED_AT)
            self.assert_ok(r)


class Tokens(HttpTest):
    def setUp(self):
        self.good = token_file(TOKEN)
        self.wrong = token_file("not-the-token")

    def tearDown(self):
        os.remove(self.good)
        os.remove(self.wrong)

    def test_token_from_the_environment(self):
        with Server(WORKED, "--token-file", self.good) as s:
            self.assert_ok(self.cap(s, env=clean_env(FLEETCAP_TOKEN=TOKEN)))
            self.assertTrue(all(e["auth_ok"] for e in s.requests()))

    def test_token_file(self):
        with Server(WORKED, "--token-file", self.good) as s:
            self.assert_ok(self.cap(s, "--token-file", self.good))
            self.assertTrue(all(e["auth_ok"] for e in s.requests()))
            self.assertEqual(len(s.requests()), 6)

    def test_token_file_readable_by_others_warns(self):
        os.chmod(self.good, 0o644)
        with Server(WORKED, "--token-file", self.good) as s:
            r = self.cap(s, "--token-file", self.good)
        self.assertEqual((r.code, r.out), (0, golden("capacity_worked.txt")), r)
        self.assertRegex(r.err, r"^fleetcap: warning: --token-file .* is readable by group or others; chmod 600 it\n$")
        self.assertNotIn(TOKEN, r.err)

    def test_unreadable_or_empty_token_file(self):
        # One rule (issue 16): a token file that gives no token is a usage error, missing or empty.
        r = run("--source", "http://127.0.0.1:9", "--token-file", self.good + ".missing", "capacity")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn(".missing: no such file", r.err)
        with open(self.good, "w") as f:
            f.write("  \n")
        r = run("--source", "http://127.0.0.1:9", "--token-file", self.good, "capacity")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("is empty", r.err)

    def test_token_file_wins_over_the_environment(self):
        with Server(WORKED, "--token-file", self.good) as s:
            self.assert_ok(self.cap(s, "--token-file", self.good, env=clean_env(FLEETCAP_TOKEN="stale")))

    def test_wrong_or_missing_token(self):
        with Server(WORKED, "--token-file", self.good) as s:
            r = self.cap(s, "--token-file", self.wrong)
            self.assert_fails(r, 1, "HTTP 401")
            self.assertNotIn("not-the-token", r.err)
            self.assert_fails(self.cap(s, env=clean_env(FLEETCAP_TOKEN="nope")), 1, "HTTP 401")
            self.assert_fails(self.cap(s), 1, "HTTP 401")

    def test_token_never_printed(self):
        with Server(WORKED, "--token-file", self.good, "--page-size", "4", "--fault", "nodes:503x1") as s:
            for args, env in ((["--verbose"], clean_env(FLEETCAP_TOKEN=TOKEN)),
                              (["--verbose", "--json"], clean_env(FLEETCAP_TOKEN=TOKEN)),
                              (["-v", "--token-file", self.good], None)):
                r = self.cap(s, *args, env=env)
                self.assertEqual(r.code, 0, r)
                self.assertIn("GET " + s.url, r.err)  # --verbose did log the requests
                self.assertNotIn(TOKEN, r.out + r.err)
        # Failing runs too: a 401 and an HTTP 500 with --verbose.
        with Server(WORKED, "--fault", "jobs:500x1") as s:
            r = self.cap(s, "--verbose", env=clean_env(FLEETCAP_TOKEN=TOKEN))
            self.assert_fails(r, 1, "HTTP 500")
            self.assertNotIn(TOKEN, r.out + r.err)
        with Server(WORKED, "--token-file", self.wrong) as s:
            r = self.cap(s, "--verbose", "--token-file", self.good)
            self.assert_fails(r, 1, "HTTP 401")
            self.assertNotIn(TOKEN, r.out + r.err)

    def test_token_not_sent_over_plain_http_to_another_host(self):
        r = run("--source", "http://fleet.example.invalid/api", "capacity", env=clean_env(FLEETCAP_TOKEN=TOKEN))
        self.assert_fails(r, 2, "refusing to send the token over plain http")
        self.assertNotIn(TOKEN, r.err)

    def test_credentials_in_the_url_are_not_shown(self):
        with Server(WORKED) as s:
            url = s.url.replace("http://", "http://alice:hunter2@")
            r = run("--source", url, "--verbose", "capacity", "--json", "--at", WORKED_AT)
            self.assertEqual(r.code, 0, r)
            self.assertNotIn("hunter2", r.out + r.err)
            self.assertEqual(r.json()["source"], s.url)


class Faults(HttpTest):
    def test_503_then_success(self):
        with Server(WORKED, "--fault", "nodes:503x2") as s:
            self.assert_ok(self.cap(s))
            self.assertEqual([e["status"] for e in self.by_resource(s, "nodes")], [503, 503, 200])

    def test_503_every_time(self):
        # 1 try + 3 retries, backing off about 250, 500 and 1000 ms.
        with Server(WORKED, "--fault", "nodes:503x9") as s:
            r = self.cap(s)
            self.assert_fails(r, 1, "HTTP 503", "/v1/nodes")
            self.assertEqual(len(self.by_resource(s, "nodes")), 4)

    def test_429_honours_retry_after(self):
        with Server(WORKED, "--fault", "nodes:429:1") as s:
            started = time.monotonic()
            self.assert_ok(self.cap(s))
            self.assertGreaterEqual(time.monotonic() - started, 1.0)
            self.assertEqual([e["status"] for e in self.by_resource(s, "nodes")], [429, 200])

    def test_connection_reset_is_retried(self):
        with Server(WORKED, "--fault", "quotas:resetx1") as s:
            self.assert_ok(self.cap(s))
            self.assertEqual([e["status"] for e in self.by_resource(s, "quotas")], [None, 200])

    def test_slow_response_past_timeout(self):
        with Server(WORKED, "--fault", "nodes:slow:20") as s:
            started = time.monotonic()
            r = self.cap(s, "--timeout", "1")
            elapsed = time.monotonic() - started
        self.assert_fails(r, 1, "/v1/nodes", "--timeout 1")
        self.assertLess(elapsed, prompt_bound(1))

    def test_stalled_body_past_timeout(self):
        with Server(WORKED, "--fault", "jobs:stall-body:20") as s:
            started = time.monotonic()
            r = self.cap(s, "--timeout", "1")
            self.assertLess(time.monotonic() - started, prompt_bound(1))
        self.assert_fails(r, 1, "/v1/jobs", "--timeout 1")

    def test_invalid_json(self):
        with Server(WORKED, "--fault", "jobs:invalid-json") as s:
            r = self.cap(s)
        self.assert_fails(r, 3, "jobs", "invalid JSON", s.url + "/v1/jobs", "line 4", "column")

    def test_truncated_body(self):
        with Server(WORKED, "--fault", "jobs:truncate") as s:
            r = self.cap(s)
            self.assertEqual(len(self.by_resource(s, "jobs")), 4)  # retried, then given up
        self.assert_fails(r, 1, "/v1/jobs")

    def test_truncated_once_then_whole(self):
        with Server(WORKED, "--fault", "jobs:truncatex1") as s:
            self.assert_ok(self.cap(s))

    def test_404_on_an_optional_resource_is_a_warning(self):
        with Server(WORKED, "--fault", "maintenance:404") as s:
            r = self.cap(s, "--json")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.err, r"^fleetcap: warning: .*404.*maintenance")
        self.assertEqual(len(r.err.splitlines()), 1)
        # Without m1, t11 is schedulable: tiger has 80 healthy GPUs.
        self.assertEqual(r.json()["clusters"][0]["healthy"], 80)
        with Server(WORKED, "--fault", "health_history:404") as s:
            r = self.cap(s, "--quiet")
        self.assertEqual((r.code, r.err), (0, ""), r)

    def test_404_on_a_required_resource(self):
        with Server(WORKED, "--fault", "nodes:404") as s:
            r = self.cap(s)
        self.assert_fails(r, 1, "/v1/nodes", "HTTP 404", '{"error":"not found"}')

    def test_500_quotes_the_body(self):
        with Server(WORKED, "--fault", "quotas:500x1") as s:
            r = self.cap(s)
            self.assertEqual(len(self.by_resource(s, "quotas")), 1)  # not retried
        self.assert_fails(r, 1, "/v1/quotas", "HTTP 500",
                          "<html><body><h1>Internal Server Error</h1><p>The upstream fleet service failed")
        self.assertEqual(len(r.err.splitlines()), 1)

    def test_other_status_quotes_at_most_200_bytes(self):
        with Server(WORKED, "--fault", "clusters:status:418") as s:
            r = self.cap(s)
        self.assert_fails(r, 1, "HTTP 418", "injected status 418")
        quoted = r.err.split("HTTP 418: ", 1)[1].rstrip("\n")
        self.assertLessEqual(len(quoted), 200)

    def test_response_size_cap(self):
        for kind in ("huge:5", "huge-chunked:5", "huge-gzip:5"):
            with Server(WORKED, "--fault", "nodes:" + kind) as s:
                r = self.cap(s, "--max-response-mb", "1")
            self.assert_fails(r, 1, "/v1/nodes", "--max-response-mb 1")

    def test_out_of_memory_is_an_error_not_a_crash(self):
        with open(harness.BINARY, "rb") as f:
            binary = f.read()
        # Both map their shadow memory at start: under RLIMIT_AS that fails (ThreadSanitizer's
        # build, scripts/tsan, dies of SIGSEGV before main), so the limit tests nothing there.
        if b"__asan_init" in binary or b"__tsan_init" in binary:
            self.skipTest("a sanitizer's shadow memory needs more address space than the limit allows")
        import resource
        import subprocess

        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (300 << 20, 300 << 20))
        with Server(WORKED, "--fault", "nodes:huge:400") as s:
            p = subprocess.run([harness.BINARY, "--source", s.url, "--max-response-mb", "1000", "capacity"],
                               capture_output=True, text=True, env=clean_env(), preexec_fn=limit, timeout=60)
        self.assertEqual((p.returncode, p.stdout), (1, ""), p)
        self.assertEqual(p.stderr, "fleetcap: error: out of memory while reading nodes\n")

    def test_below_the_size_cap(self):
        with Server(WORKED) as s:
            self.assert_ok(self.cap(s, "--max-response-mb", "1"))

    def test_ctrl_c_during_a_fetch(self):
        import signal
        import subprocess
        with Server(WORKED, "--fault", "nodes:slow:20") as s:
            p = subprocess.Popen([harness.BINARY, "--source", s.url, "capacity"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=clean_env())
            # Not a fixed sleep: on a loaded machine (or a sanitizer build) a signal sent 0.5 s
            # after the start could come before main set its handler, and the default action
            # would kill the process (-2, nothing on stderr). Once another resource was
            # answered, the fetches (and the handler) are in place.
            deadline = time.monotonic() + 30
            while not s.requests():
                self.assertIsNone(p.poll(), "fleetcap ended before it fetched")
                self.assertLess(time.monotonic(), deadline, "fleetcap sent no request")
                time.sleep(0.02)
            started = time.monotonic()
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=15)
            took = time.monotonic() - started
        self.assertLess(took, prompt_bound())
        self.assertEqual((p.returncode, out, err), (130, "", "fleetcap: interrupted\n"))

    def test_connection_refused(self):
        with Server(WORKED) as s:
            url = s.url
        started = time.monotonic()
        r = run("--source", url, "capacity")
        took = time.monotonic() - started
        self.assert_fails(r, 1, url)
        self.assertLess(took, prompt_bound(0.25 + 0.5 + 1))  # three backoffs at most


class Inline:
    """A tiny loopback server for what fleet_server.py cannot do; `answer(handler, resource)`
    returns (status, headers, body) and may look at handler.headers. Records every request.
    With `tls` (an ssl.SSLContext) it speaks https."""

    def __init__(self, answer, tls=None):
        outer = self
        self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                resource = self.path.split("?")[0].rsplit("/", 1)[-1]
                outer.seen.append((self.path, self.headers.get("Authorization")))
                status, headers, body = answer(self, resource)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def worked_file(resource):
    with open(os.path.join(WORKED, resource + ".json"), "rb") as f:
        return f.read()


class Protocol(HttpTest):
    def test_a_repeated_page_token_ends_the_run(self):
        def answer(handler, resource):
            if resource == "nodes":  # always "more", always the same token
                return 200, {}, json.dumps({"api_version": "v1", "items": [], "next_page_token": "again"}).encode()
            return 200, {}, worked_file(resource)
        server = Inline(answer)
        try:
            started = time.monotonic()
            r = run("--source", f"http://127.0.0.1:{server.port}", "capacity")
            self.assertLess(time.monotonic() - started, prompt_bound())
        finally:
            server.close()
        self.assert_fails(r, 1, "/v1/nodes", "sent a next_page_token it had sent before for nodes")
        self.assertLessEqual(sum(1 for path, _ in server.seen if "/v1/nodes" in path), 3)

    def test_token_not_sent_to_another_host_on_redirect(self):
        target = Inline(lambda handler, resource: (200, {}, worked_file(resource)))

        def redirect(handler, resource):
            return 302, {"Location": f"http://localhost:{target.port}/v1/{resource}"}, b""
        origin = Inline(redirect)
        try:
            r = run("--source", f"http://127.0.0.1:{origin.port}", "capacity", "--at", WORKED_AT,
                    env=clean_env(FLEETCAP_TOKEN=TOKEN))
        finally:
            origin.close()
            target.close()
        self.assert_ok(r)
        self.assertEqual(len(origin.seen), 6)
        self.assertTrue(all(auth == "Bearer " + TOKEN for _, auth in origin.seen), origin.seen)
        self.assertEqual(len(target.seen), 6)
        self.assertTrue(all(auth is None for _, auth in target.seen), target.seen)

    @unittest.skipUnless(shutil.which("openssl"), "needs openssl to make a certificate")
    def test_tls_is_verified_and_cacert_adds_a_ca(self):
        tmp = tempfile.mkdtemp(prefix="fleetcap-tls-")
        try:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=fleet-test", "-addext",
                            "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(cert, key)
            server = Inline(lambda handler, resource: (200, {}, worked_file(resource)), tls=tls)
            url = f"https://127.0.0.1:{server.port}"
            try:
                # A self-signed certificate is refused...
                r = run("--source", url, "capacity", "--at", WORKED_AT)
                self.assert_fails(r, 1, url)
                self.assertRegex(r.err.lower(), "certificate|ssl")
                # ...unless --cacert trusts it, on top of the system's CAs.
                self.assert_ok(run("--source", url, "--cacert", cert, "capacity", "--at", WORKED_AT))
                # A --cacert that does not hold it changes nothing.
                other = tempfile.NamedTemporaryFile(suffix=".pem", dir=tmp, delete=False).name
                self.assert_fails(run("--source", url, "--cacert", other, "capacity"), 1, url)
            finally:
                server.close()
            r = run("--source", url, "--cacert", os.path.join(tmp, "missing.pem"), "capacity")
            self.assert_fails(r, 2, "--cacert")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_html_with_status_200_is_refused_by_content_type(self):
        # A login page served with 200 is not the fleet: refused for its Content-Type (a runtime
        # failure, exit 1) before any attempt to read it as JSON (docs/reliability.md).
        def answer(handler, resource):
            if resource == "quotas":
                return 200, {"Content-Type": "text/html"}, b"<html>\n<body>Sign in</body></html>\n"
            return 200, {}, worked_file(resource)
        server = Inline(answer)
        try:
            r = run("--source", f"http://127.0.0.1:{server.port}", "capacity")
        finally:
            server.close()
        self.assert_fails(r, 1, "/v1/quotas", 'expected JSON, got Content-Type "text/html"', "Sign in")


if __name__ == "__main__":
    harness.main()
