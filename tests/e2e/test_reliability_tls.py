"""TLS (issue 7, docs/reliability.md): a loopback HTTPS server with a certificate made at test
time is refused by default and accepted with --cacert; no option turns verification off."""
import os
import tempfile
import unittest

import harness
from harness import Server, WORKED
from reliability import assert_one_error, make_cert, timed_run, token_file

HTTPS = r"^fleetcap: error: GET https://127\.0\.0\.1:\d+/v1/\w+: "


def https(server):
    return server.url.replace("http://", "https://")


class SelfSigned(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fleetcap-tls-")
        cls.cert, cls.key = make_cert(cls.dir)
        wrong = os.path.join(cls.dir, "wrong")
        os.mkdir(wrong)
        cls.wrong_cert, cls.wrong_key = make_cert(wrong, cn="fleet.example", san="DNS:fleet.example")

    def serve(self, *args, cert=None, key=None):
        return Server(WORKED, "--tls-cert", cert or self.cert, "--tls-key", key or self.key, *args)

    def test_refused_by_default_and_the_token_is_never_sent(self):
        with self.serve("--token-file", token_file()) as s:
            r = timed_run("--source", https(s), "--token-file", token_file(), "capacity")
            seen = s.requests()
        assert_one_error(self, r, 1, HTTPS + r"SSL certificate problem: self-signed certificate; pass --cacert FILE "
                                            r"to trust the server's CA$")
        self.assertTrue(seen, "the server saw no handshake at all")
        self.assertTrue(all("tls_error" in q for q in seen), seen)  # no request got through the handshake

    def test_accepted_with_cacert(self):
        with self.serve("--page-size", "4", "--gzip") as s:
            r = timed_run("--source", https(s), "--cacert", self.cert, "--at", "2026-11-20T12:00:00Z", "--json",
                          "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.err, "")
        totals = r.json()["totals"]
        self.assertEqual((totals["total"], totals["healthy"], totals["unbacked"]), (160, 136, 16))  # docs/worked-example.md

    def test_cacert_adds_to_the_system_store_and_does_not_turn_off_name_checks(self):
        # A certificate for fleet.example, trusted, served as 127.0.0.1: the name does not match.
        with self.serve(cert=self.wrong_cert, key=self.wrong_key) as s:
            r = timed_run("--source", https(s), "--cacert", self.wrong_cert, "capacity")
        assert_one_error(self, r, 1, HTTPS + r"SSL: no alternative certificate subject name matches target host "
                                            r"name '127\.0\.0\.1'")

    def test_another_ca_does_not_help(self):
        with self.serve() as s:
            r = timed_run("--source", https(s), "--cacert", self.wrong_cert, "capacity")
        assert_one_error(self, r, 1, HTTPS + r"SSL certificate problem: self-signed certificate")

    def test_missing_cacert_file(self):
        r = timed_run("--source", "https://127.0.0.1:9", "--cacert", os.path.join(self.dir, "nope.pem"), "capacity")
        # One rule for file options (docs/reliability.md): a usage error, before any request.
        assert_one_error(self, r, 2, r'^fleetcap: error: --cacert .*nope\.pem: no such file$')

    def test_no_redirect_from_https_to_http(self):
        with Server(WORKED, "--token-file", token_file()) as plain:
            with self.serve("--token-file", token_file(), "--fault", f"nodes:redirect:{plain.url}") as s:
                r = timed_run("--source", https(s), "--cacert", self.cert, "--token-file", token_file(), "capacity")
            self.assertEqual(plain.requests(), [])
        assert_one_error(self, r, 1, HTTPS + r"refusing the redirect to http://127\.0\.0\.1:\d+/v1/nodes: an https "
                                            r"source is never followed to another scheme$")

    def test_no_option_turns_verification_off(self):
        r = harness.run("--help")
        self.assertEqual(r.code, 0, r)
        for word in ("--insecure", "-k,", "no-verify", "verify", "skip-tls"):
            self.assertNotIn(word, r.out)
        # Nor does anything in the environment: curl's own variables are not read.
        with self.serve() as s:
            env = harness.clean_env(CURL_CA_BUNDLE=self.cert, CURL_SSL_NO_VERIFY="1", CURLOPT_SSL_VERIFYPEER="0")
            r = timed_run("--source", https(s), "capacity", env=env)
        assert_one_error(self, r, 1, HTTPS + r"SSL certificate problem: self-signed certificate")


if __name__ == "__main__":
    harness.main()
