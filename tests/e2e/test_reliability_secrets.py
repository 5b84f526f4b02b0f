"""Secrets (issue 7, docs/reliability.md): the token never shows in stdout, stderr, --verbose logs
or error messages, never reaches another host, and never crosses plain http to a host other than
loopback unless the user says so. (harness.run also checks every run of every suite.)"""
import os
import socket
import tempfile
import unittest

import harness
from harness import Server, WORKED
from reliability import TOKEN, assert_one_error, make_cert, other_host, token_file


def env_with_token(token=TOKEN):
    return harness.clean_env(FLEETCAP_TOKEN=token)


class NeverPrinted(unittest.TestCase):
    """Many runs that succeed and fail in every way, each with the token; every output is grepped."""

    def setUp(self):
        self.outputs = []

    def go(self, *args, code, env=None, verbose=True):
        args = (("--verbose",) if verbose else ()) + args
        r = harness.run(*args, env=env or env_with_token())
        self.assertEqual(r.code, code, r)
        self.outputs.append(r.out + r.err)
        return r

    def tearDown(self):
        self.assertTrue(self.outputs)
        for text in self.outputs:
            self.assertNotIn(TOKEN, text)
            self.assertNotIn(TOKEN[4:20], text)  # nor a recognisable piece of it
            self.assertNotIn("Bearer", text)

    def test_successes(self):
        tf = token_file()
        with Server(WORKED, "--token-file", tf, "--page-size", "3", "--gzip") as s:
            for fmt in ("table", "json", "csv"):
                r = self.go("--source", s.url, "--format", fmt, "capacity", code=0)
                self.assertIn("fleetcap: GET http://127.0.0.1:", r.err)  # --verbose logged requests
            self.go("--source", s.url, "--token-file", tf, "capacity", code=0)
            with tempfile.TemporaryDirectory() as d:
                self.go("--source", s.url, "snapshot", "save", os.path.join(d, "snap"), code=0)
                for name in os.listdir(os.path.join(d, "snap")):
                    with open(os.path.join(d, "snap", name)) as f:
                        self.assertNotIn(TOKEN, f.read())
            self.assertTrue(all(q["auth_ok"] for q in s.requests()))

    def test_wrong_token_401(self):
        with Server(WORKED, "--token-file", token_file("another-token-entirely")) as s:
            r = self.go("--source", s.url, "capacity", code=1)
        self.assertIn('HTTP 401: {"error":"unauthorized"}', r.err)

    def test_failures_with_verbose(self):
        faults = ["nodes:500x1", "nodes@*:reset", "nodes:truncate", "nodes:invalid-json", "nodes:redirect-loop",
                  "nodes:content-type:text/html", "nodes@*:repeat-token", "quotas:404", "clusters:status:403"]
        for fault in faults:
            with self.subTest(fault=fault), Server(WORKED, "--token-file", token_file(), "--fault", fault) as s:
                self.go("--source", s.url, "capacity", code=3 if fault == "nodes:invalid-json" else 1)
        with Server(WORKED, "--fault", "nodes:hang") as s:
            self.go("--source", s.url, "--timeout", "1", "capacity", code=1)
        with Server(WORKED, "--fault", "nodes:endless") as s:
            self.go("--source", s.url, "--max-response-mb", "1", "capacity", code=1)
        with Server(WORKED, "--fault", "nodes@*:endless-pages") as s:
            self.go("--source", s.url, "--max-pages", "5", "capacity", code=1)
        self.go("--source", "http://127.0.0.1:1", "capacity", code=1)  # refused

    def test_bad_data_and_usage_errors(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "nodes.json"), "w") as f:
                f.write('{"api_version":"v1","items":[{"name":"x"}]}')
            self.go("--source", d, "capacity", code=1)  # no clusters.json
        self.go("--source", WORKED, "--format", "xml", "capacity", code=2)
        self.go("--source", WORKED, "--token-file", "/nonexistent/token", "capacity", code=2)
        self.go("--source", "http://fleet.example", "capacity", code=2)
        self.go("--source", "ftp://fleet.example", "capacity", code=2)

    def test_credentials_in_the_source_url(self):
        with Server(WORKED) as s:
            url = s.url.replace("http://", f"http://fleet:{TOKEN}@")
            r = self.go("--source", url, "capacity", code=0, env=harness.clean_env())
            self.assertIn(f"GET {s.url}/v1/nodes -> 200", r.err)
            self.go("--source", url, "--json", "capacity", code=0, env=harness.clean_env())
        with Server(WORKED, "--fault", "nodes:500x1") as s:
            self.go("--source", s.url.replace("http://", f"http://fleet:{TOKEN}@"), "capacity", code=1,
                    env=harness.clean_env())

    def test_tls_failure(self):
        d = tempfile.mkdtemp(prefix="fleetcap-tls-")
        cert, key = make_cert(d)
        with Server(WORKED, "--tls-cert", cert, "--tls-key", key) as s:
            self.go("--source", s.url.replace("http://", "https://"), "capacity", code=1)

    def test_token_with_a_line_break_is_refused_without_showing_it(self):
        r = self.go("--source", WORKED, "capacity", code=2, env=env_with_token(TOKEN + "\r\nX-Injected: 1"))
        self.assertEqual(r.err, "fleetcap: error: the token from FLEETCAP_TOKEN contains a control character "
                                "(a line break?); fix FLEETCAP_TOKEN\n")


class AnotherHost(unittest.TestCase):
    def test_redirect_to_another_host_gets_no_token(self):
        """Followed (the data is the same), but the other host never sees Authorization."""
        with Server(WORKED, "--bind", "127.0.0.2") as other:
            with Server(WORKED, "--token-file", token_file(), "--fault", f"*@*:redirect:{other_host(other)}") as s:
                r = harness.run("--verbose", "--source", s.url, "capacity", env=env_with_token())
                self.assertEqual(r.code, 0, r)
                self.assertIn("(redirected to http://127.0.0.2:", r.err)
                self.assertEqual(len(s.requests()), 6)
            seen = other.requests()
            with open(other.log) as f:
                raw_log = f.read()
        self.assertEqual(sorted(q["resource"] for q in seen),
                         sorted(["clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"]))
        for q in seen:
            self.assertFalse(q["auth_present"], q)
            self.assertNotIn("authorization", q["headers"])
        self.assertNotIn(TOKEN, raw_log)


class PlainHttp(unittest.TestCase):
    def test_refused_to_a_host_other_than_loopback(self):
        r = harness.run("--source", "http://fleet.example/api", "capacity", env=env_with_token())
        assert_one_error(self, r, 2, r"^fleetcap: error: refusing to send the token over plain http to "
                                     r"http://fleet\.example/api; use https, or pass --allow-insecure-token$")

    def test_no_token_no_refusal(self):
        with Server(WORKED) as s:
            r = harness.run("--source", s.url, "capacity")
        self.assertEqual(r.code, 0, r)

    def test_loopback_is_fine(self):
        for host in ("127.0.0.1", "localhost"):
            with self.subTest(host=host), Server(WORKED, "--token-file", token_file()) as s:
                r = harness.run("--source", f"http://{host}:{s.port}", "capacity", env=env_with_token())
                self.assertEqual(r.code, 0, r)
                self.assertEqual(r.err, "")

    def test_allowed_with_the_option_and_a_warning_every_run(self):
        # A name that is not spelled as loopback but resolves to it (so no traffic leaves the machine).
        name = next((h for h in ("vm", "runsc") if resolves_to_loopback(h)), None)
        if name is None:
            self.skipTest("no local host name that resolves to 127.0.0.1 besides localhost")
        with Server(WORKED, "--token-file", token_file()) as s:
            url = f"http://{name}:{s.port}"
            r = harness.run("--source", url, "capacity", env=env_with_token())
            self.assertEqual(r.code, 2, r)
            self.assertEqual(s.requests(), [])
            for _ in range(2):
                r = harness.run("--source", url, "--allow-insecure-token", "capacity", env=env_with_token())
                self.assertEqual(r.code, 0, r)
                self.assertEqual(r.err, f"fleetcap: warning: sending the token over plain http to {url} "
                                        "(--allow-insecure-token): anyone on the path can read it\n")
            self.assertTrue(s.requests() and all(q["auth_ok"] for q in s.requests()))


def resolves_to_loopback(name):
    try:
        return socket.gethostbyname(name).startswith("127.")
    except OSError:
        return False


class TokenFile(unittest.TestCase):
    def test_readable_by_group_or_others_warns(self):
        for mode in (0o644, 0o640, 0o604, 0o660):
            with self.subTest(mode=oct(mode)):
                path = token_file(mode=mode)
                r = harness.run("--source", WORKED, "--token-file", path, "capacity")
                self.assertEqual(r.code, 0, r)
                self.assertEqual(r.err, f"fleetcap: warning: --token-file {path} is readable by group or others; "
                                        "chmod 600 it\n")

    def test_private_file_is_quiet(self):
        for mode in (0o600, 0o400):
            path = token_file(mode=mode)
            r = harness.run("--source", WORKED, "--token-file", path, "capacity")
            self.assertEqual((r.code, r.err), (0, ""), r)

    def test_empty_token_file(self):
        path = token_file(token="   ")
        r = harness.run("--source", WORKED, "--token-file", path, "capacity")
        assert_one_error(self, r, 2, rf"^fleetcap: error: --token-file {path} is empty$")


if __name__ == "__main__":
    harness.main()
