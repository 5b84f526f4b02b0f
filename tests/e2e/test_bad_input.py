"""Invalid snapshots end to end (docs/fleet-api.md, "Bad input"), the one runner of the one bad-input
corpus: every case under tests/data/corpus/ is the worked example with one rule broken (written by
tests/data/corpus/make_corpus.py; expected.txt by hand). fleetcap must exit 3, print exactly the
expected errors on stderr and nothing on stdout, from a directory and from the fleet API; and what
is *not* an error (Lenient)."""
import json
import os
import re
import shutil
import tempfile
import unittest

import harness
from harness import WORKED, Server, run
from reliability import fleet_copy

CORPUS = os.path.join(harness.DATA, "corpus")
RESOURCES = ["clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"]
CASES = sorted(d for d in os.listdir(CORPUS) if os.path.isdir(os.path.join(CORPUS, d)))


def case_named(suffix):
    return next(c for c in CASES if c[3:] == suffix)


def expected(case, folder):
    with open(os.path.join(CORPUS, case, "expected.txt")) as f:
        return f.read().replace("{dir}", folder)


class Corpus(unittest.TestCase):
    def test_every_case_is_there(self):
        self.assertGreaterEqual(len(CASES), 79)

    def test_each_case_from_a_directory(self):
        for case in CASES:
            with self.subTest(case=case):
                d = fleet_copy(os.path.join(CORPUS, case))
                r = run("--source", d, "capacity")
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
                    r = run("--source", s.url, "capacity")
                    label = f"GET {s.url}/v1"
                self.assertEqual((r.code, r.out), (3, ""), r)
                want = expected(case, d)
                if raw:
                    want = re.sub(re.escape(d) + r"/(\w+)\.json", label + r"/\1", want)
                self.assertEqual(r.err, want)
                shutil.rmtree(d)

    def test_every_output_format_and_command_fails_alike(self):
        case = case_named("node-gpus-string")
        d = fleet_copy(os.path.join(CORPUS, case))
        want = expected(case, d)
        never = os.path.join(tempfile.gettempdir(), "fleetcap-never-written")
        for args in (["capacity", "--json"], ["capacity", "--format", "csv"], ["--quiet", "capacity"],
                     ["snapshot", "save", never]):
            r = run("--source", d, *args)
            self.assertEqual((r.code, r.out, r.err), (3, "", want), args)
        self.assertFalse(os.path.exists(never))
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
        r = run("--source", d, "capacity")
        lines = r.err.splitlines()
        self.assertEqual((r.code, r.out, len(lines)), (3, "", 21), r)
        self.assertEqual(lines[0], 'fleetcap: error: nodes[0] "t01": field "gpus" must be a non-negative integer, got "8"')
        self.assertEqual(lines[19], 'fleetcap: error: nodes[19] "l08": field "gpus" must be a non-negative integer, '
                                    'got "8"')
        self.assertEqual(lines[20], "fleetcap: error: ... and 5 more errors (25 in all)")
        shutil.rmtree(d)


class Lenient(unittest.TestCase):
    """What is not an error: unknown fields, odd health values (a warning each), nulls for
    optional fields."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fleetcap-lenient-")
        self.dir = os.path.join(self.tmp, "fleet")
        shutil.copytree(WORKED, self.dir)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def edit(self, resource, fn):
        path = os.path.join(self.dir, resource + ".json")
        with open(path) as f:
            doc = json.load(f)
        fn(doc)
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)

    def test_unknown_fields_are_ignored(self):
        def add(doc):
            doc["kind"] = "List"
            for it in doc["items"]:
                it["x-rack"] = {"row": 3, "slots": [1, 2, {"deep": None}]}
                it["annotations"] = ["a", 1, True]
        for r in RESOURCES:
            self.edit(r, add)
        r = run("--source", self.dir, "capacity")
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertEqual(r.out, run("--source", WORKED, "capacity").out)

    def test_other_health_values_warn_once_each(self):
        def odd(doc):
            for it in doc["items"]:
                if it["name"] in ("t05", "l08"):
                    it["health"] = "degraded"
                if it["name"] == "t10":
                    it["health"] = "draining"
        self.edit("nodes", odd)
        r = run("--source", self.dir, "capacity", "--json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.err.splitlines(), [
            'fleetcap: warning: nodes: health "degraded" is neither "healthy" nor "unhealthy"; '
            "2 nodes with it count as not healthy",
            'fleetcap: warning: nodes: health "draining" is neither "healthy" nor "unhealthy"; '
            "1 node with it counts as not healthy",
        ])
        clusters = {c["name"]: c for c in r.json()["clusters"]}
        # t05 was unhealthy already; t10 (tiger) and l08 (lion) now count as not healthy.
        self.assertEqual(clusters["tiger"]["healthy"], 64)
        self.assertEqual(clusters["lion"]["healthy"], 56)
        q = run("--source", self.dir, "--quiet", "capacity")
        self.assertEqual((q.code, q.err), (0, ""), q)

    def test_nulls_for_optional_fields(self):
        def nulls(doc):
            for it in doc["items"]:
                for key in ("cordoned", "issues", "idle", "started_at", "access", "hard_start"):
                    if key in it and it[key] in (False, [], None):
                        it[key] = None
        for r in ("nodes", "jobs", "maintenance"):
            self.edit(r, nulls)
        r = run("--source", self.dir, "capacity")
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertEqual(r.out, run("--source", WORKED, "capacity").out)

    def test_missing_optional_resources_warn(self):
        os.remove(os.path.join(self.dir, "maintenance.json"))
        os.remove(os.path.join(self.dir, "health_history.json"))
        r = run("--source", self.dir, "capacity", "--json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(r.err.splitlines()), 2, r)
        self.assertTrue(all(line.startswith("fleetcap: warning: ") for line in r.err.splitlines()))
        self.assertIn("maintenance.json", r.err)
        self.assertEqual(r.json()["clusters"][0]["healthy"], 80)  # no m1: t11 is schedulable

    def test_missing_required_resource_is_a_runtime_error(self):
        os.remove(os.path.join(self.dir, "jobs.json"))
        r = run("--source", self.dir, "capacity")
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertRegex(r.err, r"^fleetcap: error: snapshot directory .* has no jobs\.json\n$")


if __name__ == "__main__":
    harness.main()
