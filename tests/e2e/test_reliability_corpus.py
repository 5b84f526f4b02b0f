"""The bad-input corpus (issue 7, docs/reliability.md): each case of tests/data/corpus breaks one
rule of SPEC §3.2 in a copy of the worked example; fleetcap must print exactly the case's
expected.txt on stderr, nothing on stdout, and exit 3 — from a directory and from the API."""
import json
import os
import re
import shutil
import unittest

import harness
from harness import Server
from reliability import fleet_copy

CORPUS = os.path.join(harness.DATA, "corpus")
CASES = sorted(d for d in os.listdir(CORPUS) if os.path.isdir(os.path.join(CORPUS, d)))


def expected(case, folder):
    with open(os.path.join(CORPUS, case, "expected.txt")) as f:
        return f.read().replace("{dir}", folder)


class Corpus(unittest.TestCase):
    def test_at_least_40_cases(self):
        self.assertGreaterEqual(len(CASES), 40)

    def test_each_case_from_a_directory(self):
        for case in CASES:
            with self.subTest(case=case):
                d = fleet_copy(os.path.join(CORPUS, case))
                r = harness.run("--source", d, "capacity")
                self.assertEqual((r.code, r.out), (3, ""), r)
                self.assertEqual(r.err, expected(case, d))
                shutil.rmtree(d)

    def test_each_case_from_the_api(self):
        """Served in pages of 4 items: item indices run on across pages, and the errors read the same.
        Envelope and JSON cases are served as the file's bytes; their label is the request."""
        for case in CASES:
            raw = "{dir}" in expected(case, "{dir}")
            if case.endswith("snapshot-taken-at-not-a-time"):
                continue  # snapshot.json is a saved snapshot's file, not an API resource
            with self.subTest(case=case):
                d = fleet_copy(os.path.join(CORPUS, case))
                with Server(d, *([] if raw else ["--page-size", "4"])) as s:
                    r = harness.run("--source", s.url, "capacity")
                    label = f"GET {s.url}/v1"
                self.assertEqual((r.code, r.out), (3, ""), r)
                want = expected(case, d)
                if raw:
                    want = re.sub(re.escape(d) + r"/(\w+)\.json", label + r"/\1", want)
                self.assertEqual(r.err, want)
                shutil.rmtree(d)

    def test_the_errors_of_many_cases_together_are_all_reported_up_to_20(self):
        """Several rules broken at once: every error is collected, the first 20 shown, then a count."""
        d = fleet_copy()
        with open(os.path.join(d, "nodes.json")) as f:
            doc = json.load(f)
        # 25 nodes whose gpus are strings: 25 errors, in order.
        for n in doc["items"]:
            n["gpus"] = "8"
        for i in range(5):
            doc["items"].append(dict(doc["items"][0], name=f"x{i}"))
        with open(os.path.join(d, "nodes.json"), "w") as f:
            json.dump(doc, f)
        r = harness.run("--source", d, "capacity")
        lines = r.err.splitlines()
        self.assertEqual((r.code, r.out, len(lines)), (3, "", 21), r)
        self.assertEqual(lines[0], 'fleetcap: error: nodes[0] "t01": field "gpus" must be a non-negative integer, got "8"')
        self.assertEqual(lines[19], 'fleetcap: error: nodes[19] "l08": field "gpus" must be a non-negative integer, '
                                    'got "8"')
        self.assertEqual(lines[20], "fleetcap: error: ... and 5 more errors (25 in all)")


if __name__ == "__main__":
    harness.main()
