"""`fleetcap snapshot save DIR` end to end: a snapshot of the fleet API answers like the API,
keeps its time (taken_at is "now" for every later run, whatever the wall clock says), and is
written whole or not at all."""
import datetime as dt
import json
import os
import shutil
import tempfile
import time
import unittest

import harness
from harness import WORKED, Server, run

WORKED_AT = "2026-11-20T12:00:00Z"
RESOURCES = ["clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"]


def parse_time(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def items(directory, resource):
    with open(os.path.join(directory, resource + ".json")) as f:
        return json.load(f)["items"]


class SnapshotTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fleetcap-snap-")
        self.dir = os.path.join(self.tmp, "fleet-1120")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def meta(self):
        with open(os.path.join(self.dir, "snapshot.json")) as f:
            return json.load(f)


class Save(SnapshotTest):
    def test_save_from_the_api_then_answer_from_the_directory(self):
        with Server(WORKED, "--page-size", "3", "--gzip") as s:
            before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            r = run("--source", s.url, "snapshot", "save", self.dir)
            after = dt.datetime.now(dt.timezone.utc)
            self.assertEqual((r.code, r.err), (0, ""), r)
            self.assertIn(self.dir, r.out)
            meta = self.meta()
            taken_at = meta["taken_at"]
            self.assertTrue(before <= parse_time(taken_at) <= after, (before, taken_at, after))
            self.assertEqual(meta["source"], s.url)
            # The API's answer at the moment the snapshot was taken...
            live = run("--source", s.url, "capacity", "--at", taken_at)
            live_json = run("--source", s.url, "capacity", "--json", "--at", taken_at).json()
        # ...is the directory's answer, with no --at: taken_at is its "now".
        saved = run("--source", self.dir, "capacity")
        self.assertEqual((saved.code, saved.err), (0, ""), saved)
        self.assertEqual(saved.out, live.out)
        saved_json = run("--source", self.dir, "capacity", "--json").json()
        self.assertEqual(saved_json["at"], taken_at)
        for doc in (saved_json, live_json):
            doc.pop("generated_at"), doc.pop("source"), doc.pop("sources")
        self.assertEqual(saved_json, live_json)
        # Every page of every resource went into one file per resource, item for item.
        for resource in RESOURCES:
            self.assertEqual(items(self.dir, resource), items(WORKED, resource), resource)
            with open(os.path.join(self.dir, resource + ".json")) as f:
                doc = json.load(f)
            self.assertEqual(doc["api_version"], "v1")
            self.assertIsNone(doc["next_page_token"])

    def test_saved_answer_ignores_the_wall_clock(self):
        with Server(WORKED) as s:
            self.assertEqual(run("--source", s.url, "snapshot", "save", self.dir).code, 0)
        taken_at = self.meta()["taken_at"]
        first = run("--source", self.dir, "capacity", "--json").json()
        time.sleep(1.1)  # the wall clock moves on; the snapshot's "now" does not
        second = run("--source", self.dir, "capacity", "--json").json()
        self.assertEqual(first["at"], taken_at)
        self.assertEqual(second["at"], taken_at)
        self.assertNotEqual(second["generated_at"], taken_at)
        self.assertEqual(harness.without_run_times(first), harness.without_run_times(second))

    def test_figures_follow_taken_at_not_the_clock(self):
        with Server(WORKED) as s:
            self.assertEqual(run("--source", s.url, "snapshot", "save", self.dir).code, 0)
        # Move the snapshot's time back to the docs/worked-example.md instant: its figures become docs/worked-example.md's,
        # whatever today's date, because every run computes at taken_at.
        meta = self.meta()
        meta["taken_at"] = WORKED_AT
        with open(os.path.join(self.dir, "snapshot.json"), "w") as f:
            json.dump(meta, f)
        r = run("--source", self.dir, "capacity")
        self.assertEqual((r.code, r.err), (0, ""), r)
        with open(os.path.join(harness.DATA, "golden", "capacity_worked.txt")) as f:
            self.assertEqual(r.out, f.read())
        # --at still overrides it: after m1 ends t11 is back (tiger healthy 80).
        tiger = run("--source", self.dir, "capacity", "--json", "--at", "2026-11-21T10:00:00Z").json()["clusters"][0]
        self.assertEqual(tiger["healthy"], 80)

    def test_the_worked_example_answers_the_same_today(self):
        # examples/fleet/worked was taken at 2026-11-20T12:00Z. Once the clock is past m1's end
        # (2026-11-21T10:00Z) "now" would give tiger 80 healthy GPUs; the snapshot still says 72.
        doc = run("--source", WORKED, "capacity", "--json").json()
        self.assertEqual(doc["at"], WORKED_AT)
        self.assertEqual(doc["clusters"][0]["healthy"], 72)
        now = run("--source", WORKED, "capacity", "--json", "--at", "now").json()
        if parse_time(now["at"]) >= parse_time("2026-11-21T10:00:00Z"):
            self.assertEqual(now["clusters"][0]["healthy"], 80)

    def test_existing_directory_needs_force(self):
        # Re-saving the worked example keeps its taken_at; a save from the API is taken now.
        self.assertEqual(run("--source", WORKED, "snapshot", "save", self.dir).code, 0)
        with Server(WORKED) as s:
            r = run("--source", s.url, "snapshot", "save", self.dir)
            self.assertEqual((r.code, r.out), (1, ""), r)
            self.assertRegex(r.err, r"^fleetcap: error: .*already exists; pass --force")
            self.assertEqual(self.meta()["taken_at"], WORKED_AT)  # untouched
            r = run("--source", s.url, "snapshot", "save", "--force", self.dir)
            self.assertEqual((r.code, r.err), (0, ""), r)
            self.assertNotEqual(self.meta()["taken_at"], WORKED_AT)  # replaced
            self.assertEqual(sorted(os.listdir(self.dir)), sorted([r + ".json" for r in RESOURCES] + ["snapshot.json"]))
        self.assertEqual(os.listdir(self.tmp), ["fleet-1120"])  # no temporary left beside it

    def test_force_replaces_only_a_snapshot(self):
        # --force must never empty a directory fleetcap did not write: ".", a home, a project.
        precious = os.path.join(self.tmp, "precious.txt")
        open(precious, "w").close()
        for target, cwd in ((".", self.tmp), (self.tmp, None), (self.tmp + "/", None)):
            r = run("--source", WORKED, "snapshot", "save", "--force", target, cwd=cwd)
            self.assertEqual((r.code, r.out), (1, ""), (target, r))
            self.assertIn("is not a snapshot directory", r.err)
            self.assertTrue(os.path.exists(precious), target)
        # A snapshot directory with something else in it is not replaced either.
        self.assertEqual(run("--source", WORKED, "snapshot", "save", self.dir).code, 0)
        notes = os.path.join(self.dir, "NOTES.md")
        open(notes, "w").close()
        r = run("--source", WORKED, "snapshot", "save", "--force", self.dir)
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn("NOTES.md", r.err)
        self.assertTrue(os.path.exists(notes))
        # The check comes before any fetch: nothing listens on 127.0.0.1:9.
        r = run("--source", "http://127.0.0.1:9", "snapshot", "save", "--force", self.tmp)
        self.assertEqual(r.code, 1, r)
        self.assertIn("is not a snapshot directory", r.err)
        r = run("--source", "http://127.0.0.1:9", "snapshot", "save", self.dir)
        self.assertIn("already exists", r.err)

    def test_existing_file_needs_force_too(self):
        open(self.dir, "w").close()
        r = run("--source", WORKED, "snapshot", "save", self.dir)
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn("already exists", r.err)

    def test_resaving_a_snapshot_keeps_its_time(self):
        r = run("--source", WORKED, "snapshot", "save", self.dir)
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertEqual(self.meta()["taken_at"], WORKED_AT)
        self.assertEqual(run("--source", self.dir, "capacity").out, run("--source", WORKED, "capacity").out)

    def test_json_report(self):
        r = run("--source", WORKED, "--json", "snapshot", "save", self.dir)
        self.assertEqual((r.code, r.err), (0, ""), r)
        doc = r.json()
        self.assertEqual(doc["schema"], "fleetcap.snapshot/v1")
        self.assertEqual(doc["dir"], self.dir)
        self.assertEqual(doc["taken_at"], WORKED_AT)
        self.assertEqual(doc["items"], {"clusters": 3, "nodes": 20, "quotas": 8, "jobs": 8, "maintenance": 3,
                                        "health_history": 0})

    def test_nothing_is_written_when_the_fetch_fails(self):
        with Server(WORKED, "--fault", "jobs:404") as s:
            r = run("--source", s.url, "snapshot", "save", self.dir)
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn("HTTP 404", r.err)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_nothing_is_written_when_the_data_is_invalid(self):
        with Server(WORKED, "--fault", "nodes:invalid-json") as s:
            r = run("--source", s.url, "snapshot", "save", self.dir)
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_optional_resource_missing_from_the_api(self):
        with Server(WORKED, "--fault", "health_history:404") as s:
            r = run("--source", s.url, "snapshot", "save", self.dir)
        self.assertEqual(r.code, 0, r)
        self.assertIn("fleetcap: warning:", r.err)
        self.assertEqual(items(self.dir, "health_history"), [])
        r = run("--source", self.dir, "capacity")
        self.assertEqual((r.code, r.err), (0, ""), r)

    def test_save_needs_a_directory_argument(self):
        r = run("--source", WORKED, "snapshot", "save")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("DIR", r.err)


if __name__ == "__main__":
    harness.main()
