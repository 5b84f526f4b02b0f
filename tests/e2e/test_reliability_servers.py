"""Broken servers (issue 7, docs/reliability.md): every case ends within its timeout with exit 1,
nothing on stdout and one clear line `fleetcap: error: GET http://...: ...`."""
import unittest

import harness
from harness import Server, WORKED
from reliability import (SLACK, SilentListener, assert_one_error, free_port, other_host, prompt_bound, timed_run,
                         token_file)

BACKOFFS = 0.25 + 0.5 + 1  # the longest three retries wait (--retry backoff with jitter)

GET = r"^fleetcap: error: GET http://127\.0\.0\.1:\d+/v1/"


class ConnectionFailures(unittest.TestCase):
    def test_connection_refused_is_retried_then_fails(self):
        r = timed_run("--source", f"http://127.0.0.1:{free_port()}", "capacity")
        assert_one_error(self, r, 1, GET + r"\w+: Failed to connect to 127\.0\.0\.1 port \d+ .*\(after 3 retries\)$")
        self.assertLess(r.seconds, prompt_bound(BACKOFFS))

    def test_reset_before_any_response(self):
        with Server(WORKED, "--fault", "nodes@*:reset") as s:
            r = timed_run("--source", s.url, "capacity")
            assert_one_error(self, r, 1, GET + r"nodes: .*(reset|Empty reply).*\(after 3 retries\)$")
            self.assertEqual(len([q for q in s.requests() if q.get("resource") == "nodes"]), 4)
        self.assertLess(r.seconds, prompt_bound(BACKOFFS))

    def test_reset_mid_body(self):
        with Server(WORKED, "--fault", "nodes:reset-body") as s:
            r = timed_run("--source", s.url, "capacity")
        assert_one_error(self, r, 1, GET + r"nodes: Recv failure: Connection reset by peer \(after 3 retries\)$")
        self.assertLess(r.seconds, prompt_bound(BACKOFFS))

    def test_closed_mid_body(self):
        with Server(WORKED, "--fault", "nodes:truncate") as s:
            r = timed_run("--source", s.url, "capacity")
        assert_one_error(self, r, 1, GET + r"nodes: transfer closed with \d+ bytes remaining to read \(after 3 retries\)$")

    def test_one_reset_is_retried_and_the_run_succeeds(self):
        with Server(WORKED, "--fault", "nodes:reset-bodyx1") as s:
            r = timed_run("--source", s.url, "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertIn("tiger", r.out)


class Hangs(unittest.TestCase):
    """A server that stops talking costs one --timeout, not four: a timeout after the connection
    was made is not retried."""

    def check_timeout(self, r):
        assert_one_error(self, r, 1, rf"no complete response within --timeout {SLACK:g} s \(Operation timed out after \d+ "
                                     r"milliseconds with .*\)$")
        self.assertLess(r.seconds, prompt_bound(SLACK))  # one --timeout, not four

    def test_accepts_and_never_answers(self):
        with SilentListener() as s:
            r = timed_run("--source", s.url, "--timeout", f"{SLACK:g}", "capacity")
        self.check_timeout(r)

    def test_reads_the_request_and_never_answers(self):
        with Server(WORKED, "--fault", "nodes:hang") as s:
            r = timed_run("--source", s.url, "--timeout", f"{SLACK:g}", "capacity")
        self.check_timeout(r)
        self.assertRegex(r.err, GET + "nodes: ")

    def test_headers_then_stall(self):
        with Server(WORKED, "--fault", "nodes:stall-headers:100") as s:
            r = timed_run("--source", s.url, "--timeout", f"{SLACK:g}", "capacity")
        self.check_timeout(r)
        self.assertRegex(r.err, r"with 0 out of \d+ bytes received\)$")

    def test_half_a_body_then_stall(self):
        with Server(WORKED, "--fault", "nodes:stall-body:100") as s:
            r = timed_run("--source", s.url, "--timeout", f"{SLACK:g}", "capacity")
        self.check_timeout(r)

    def test_slow_but_within_the_timeout_succeeds(self):
        with Server(WORKED, "--fault", "nodes:slow:0.5") as s:
            r = timed_run("--source", s.url, "--timeout", f"{5 * SLACK:g}", "capacity")
        self.assertEqual(r.code, 0, r)


class SizeCap(unittest.TestCase):
    LIMIT = r"nodes: response is larger than --max-response-mb 2 MiB$"

    def test_endless_body(self):
        with Server(WORKED, "--fault", "nodes:endless") as s:
            r = timed_run("--source", s.url, "--max-response-mb", "2", "capacity")
        assert_one_error(self, r, 1, GET + self.LIMIT)
        self.assertLess(r.seconds, prompt_bound())

    def test_content_length_over_the_cap(self):
        with Server(WORKED, "--fault", "nodes:huge:3") as s:
            r = timed_run("--source", s.url, "--max-response-mb", "2", "capacity")
        assert_one_error(self, r, 1, GET + self.LIMIT)

    def test_chunked_over_the_cap(self):
        with Server(WORKED, "--fault", "nodes:huge-chunked:3") as s:
            r = timed_run("--source", s.url, "--max-response-mb", "2", "capacity")
        assert_one_error(self, r, 1, GET + self.LIMIT)

    def test_gzip_bomb_is_measured_decoded(self):
        with Server(WORKED, "--fault", "nodes:huge-gzip:3") as s:
            r = timed_run("--source", s.url, "--max-response-mb", "2", "capacity")
        assert_one_error(self, r, 1, GET + self.LIMIT)


class BadAnswers(unittest.TestCase):
    def test_500_with_an_html_page(self):
        with Server(WORKED, "--fault", "nodes:500x1") as s:
            r = timed_run("--source", s.url, "capacity")
        line = assert_one_error(self, r, 1, GET + r"nodes: HTTP 500: <html><body><h1>Internal Server Error</h1>")
        self.assertTrue(line.endswith("</html>"), line)  # the body's newline does not end the line early

    def test_404_for_a_required_resource(self):
        with Server(WORKED, "--fault", "quotas:404") as s:
            r = timed_run("--source", s.url, "capacity")
        assert_one_error(self, r, 1, GET + r'quotas: HTTP 404: \{"error":"not found"\}$')

    def test_html_with_200_is_not_json(self):
        with Server(WORKED, "--fault", "nodes:content-type:text/html; charset=utf-8") as s:
            r = timed_run("--source", s.url, "capacity")
        assert_one_error(self, r, 1, GET + r'nodes: expected JSON, got Content-Type "text/html; charset=utf-8": \{ '
                                           r'"api_version": "v1", "items": \[')

    def test_text_plain_is_not_json(self):
        with Server(WORKED, "--fault", "clusters:content-type:text/plain") as s:
            r = timed_run("--source", s.url, "capacity")
        assert_one_error(self, r, 1, GET + r'clusters: expected JSON, got Content-Type "text/plain": ')

    def test_json_types_and_a_missing_type_are_accepted(self):
        for fault in ("content-type:application/vnd.fleet+json", "content-type:Application/JSON; charset=utf-8",
                      "no-content-type"):
            with self.subTest(fault=fault), Server(WORKED, "--fault", "nodes:" + fault) as s:
                r = timed_run("--source", s.url, "capacity")
                self.assertEqual(r.code, 0, r)


class Redirects(unittest.TestCase):
    def test_redirect_loop(self):
        with Server(WORKED, "--fault", "nodes:redirect-loop") as s:
            r = timed_run("--source", s.url, "capacity")
            assert_one_error(self, r, 1, GET + r"nodes: more than 5 redirects \(a redirect loop\?\)$")
            self.assertEqual(len([q for q in s.requests() if q.get("resource") == "nodes"]), 6)

    def test_redirect_to_another_host_does_not_carry_the_token(self):
        token = token_file()
        with Server(WORKED, "--bind", "127.0.0.2", "--token-file", token) as other:
            with Server(WORKED, "--token-file", token, "--fault", f"nodes:redirect:{other_host(other)}") as s:
                r = timed_run("--source", s.url, "--token-file", token, "capacity")
                self.assertTrue(all(q["auth_ok"] for q in s.requests()))
            seen = other.requests()
        # The other host wants the token too; it never got it, so it answers 401.
        assert_one_error(self, r, 1, GET + r"nodes: HTTP 401 \(redirected to http://127\.0\.0\.2:\d+/v1/nodes\): "
                                           r'\{"error":"unauthorized"\}$')
        self.assertEqual([q["resource"] for q in seen], ["nodes"])
        self.assertFalse(seen[0]["auth_present"])
        self.assertNotIn("authorization", seen[0]["headers"])

    def test_redirect_on_the_same_host_keeps_the_token(self):
        token = token_file()
        with Server(WORKED, "--token-file", token, "--fault", "nodes:redirect-loopx2") as s:
            r = timed_run("--source", s.url, "--token-file", token, "capacity")
            self.assertEqual(r.code, 0, r)
            nodes = [q for q in s.requests() if q.get("resource") == "nodes"]
            self.assertEqual(len(nodes), 3)
            self.assertTrue(all(q["auth_ok"] for q in nodes))


class Pagination(unittest.TestCase):
    def test_page_tokens_that_never_end_hit_the_page_cap(self):
        with Server(WORKED, "--fault", "nodes@*:endless-pages") as s:
            r = timed_run("--source", s.url, "--max-pages", "50", "capacity")
            assert_one_error(self, r, 1, GET + r"nodes\?page_token=\S+: nodes has more than --max-pages 50 pages; "
                                               r"giving up$")
            self.assertEqual(len([q for q in s.requests() if q.get("resource") == "nodes"]), 50)

    def test_a_repeated_page_token_fails_at_once(self):
        with Server(WORKED, "--fault", "jobs@*:repeat-token") as s:
            r = timed_run("--source", s.url, "capacity")
            assert_one_error(self, r, 1, GET + r"jobs\?page_token=\S+: the server sent a next_page_token it had sent "
                                               r"before for jobs; the pages would never end \(does a proxy drop the query string\?\)$")
            self.assertEqual(len([q for q in s.requests() if q.get("resource") == "jobs"]), 2)

    def test_many_real_pages_are_fine(self):
        with Server(WORKED, "--page-size", "1") as s:
            r = timed_run("--source", s.url, "--max-pages", "30", "--json", "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json()["totals"]["total"], 160)


if __name__ == "__main__":
    harness.main()
