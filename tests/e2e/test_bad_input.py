"""Invalid snapshots (SPEC §3.2, §3.3) end to end: every case under tests/data/bad/ is the
worked example with one rule broken (made by tests/data/bad/make-cases, expected.txt written
by hand). fleetcap must exit 3, print exactly the expected errors and nothing on stdout."""
import json
import os
import shutil
import tempfile
import unittest

import harness
from harness import DATA, WORKED, Server, run

BAD = os.path.join(DATA, "bad")
RESOURCES = ["clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"]
CASES = sorted(d for d in os.listdir(BAD) if os.path.isdir(os.path.join(BAD, d)))


def expected(case, shown_dir):
    with open(os.path.join(BAD, case, "expected.txt")) as f:
        return f.read().replace("{dir}", shown_dir)


class BadInput(unittest.TestCase):
    def test_there_are_enough_cases(self):
        self.assertGreaterEqual(len(CASES), 12)

    def test_every_case(self):
        for case in CASES:
            with self.subTest(case=case):
                d = os.path.join(BAD, case)
                r = run("--source", d, "capacity")
                self.assertEqual(r.code, 3, r)
                self.assertEqual(r.out, "")
                self.assertEqual(r.err, expected(case, d))

    def test_every_output_format_and_command_fails_alike(self):
        d = os.path.join(BAD, "node_gpus_string")
        want = expected("node_gpus_string", d)
        for args in (["capacity", "--json"], ["capacity", "--format", "csv"], ["--quiet", "capacity"],
                     ["snapshot", "save", os.path.join(tempfile.gettempdir(), "fleetcap-never-written")]):
            r = run("--source", d, *args)
            self.assertEqual((r.code, r.out, r.err), (3, "", want), args)
        self.assertFalse(os.path.exists(os.path.join(tempfile.gettempdir(), "fleetcap-never-written")))

    def test_first_20_then_a_count(self):
        r = run("--source", os.path.join(BAD, "many_errors"), "capacity")
        lines = r.err.splitlines()
        self.assertEqual((r.code, r.out, len(lines)), (3, "", 21), r)
        self.assertEqual(lines[-1], "fleetcap: error: ... and 2 more errors (22 in all)")

    def test_the_same_errors_over_http(self):
        # Through the API the label is the request, not the file; item errors read the same.
        for case in ("node_gpus_string", "quota_cycle", "job_other_cluster_than_quota", "many_errors"):
            with Server(os.path.join(BAD, case), "--page-size", "3") as s:
                r = run("--source", s.url, "capacity")
            self.assertEqual((r.code, r.out), (3, ""), (case, r))
            self.assertEqual(r.err, expected(case, "unused"), case)

    def test_invalid_json_over_http_names_the_request(self):
        with Server(os.path.join(BAD, "invalid_json")) as s:
            r = run("--source", s.url, "capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertEqual(r.err, expected("invalid_json", "unused").replace(
            "unused/nodes.json", f"GET {s.url}/v1/nodes"))


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
