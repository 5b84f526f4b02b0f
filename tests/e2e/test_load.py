"""Loading end to end: a directory, the paged API and the gzip API give the same figures, and
they match bench/reference.py's independent Python computation of docs/figures.md. Also the hidden
`__load` bench/run uses."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import fleetgen
import harness
from harness import ROOT, Server, run, without_run_times

AT = "2026-11-20T12:00:00Z"


def figures(result):
    """capacity --json -> {cluster: figures} without the descriptive fields."""
    assert result.code == 0, result
    return {c["name"]: {k: v for k, v in c.items() if k not in ("region", "provider", "sku", "state")}
            for c in result.json()["clusters"]}


class LoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fleetcap-load-")
        cls.fleet = os.path.join(cls.tmp.name, "fleet")
        fleetgen.generate(cls.fleet, clusters=6, nodes_per_cluster=60, seed=3)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_directory_paged_and_gzip_api_agree_with_the_python_reference(self):
        from_dir = figures(run("--source", self.fleet, "--at", AT, "capacity", "--json"))
        self.assertGreater(len(from_dir), 2)
        with Server(self.fleet, "--page-size", "37") as s:
            paged = figures(run("--source", s.url, "--at", AT, "capacity", "--json"))
            ref = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "reference.py"), s.url, AT],
                                 capture_output=True, text=True, check=True)
        with Server(self.fleet, "--gzip") as s:
            gz = figures(run("--source", s.url, "--at", AT, "capacity", "--json"))
            self.assertTrue(all(r["encoding"] == "gzip" for r in s.requests() if r["status"] == 200))
        self.assertEqual(paged, from_dir)
        self.assertEqual(gz, from_dir)
        reference = {c["name"]: c for c in json.loads(ref.stdout)["clusters"]}
        self.assertEqual(set(reference), set(from_dir))
        for name, want in reference.items():
            self.assertEqual({k: from_dir[name][k] for k in want}, want, name)

    def test_hidden_load_counts_items_and_times_each_resource(self):
        counts = {}
        for r in ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"):
            with open(os.path.join(self.fleet, r + ".json")) as f:
                counts[r] = len(json.load(f)["items"])
        every = run("--source", self.fleet, "__load")
        self.assertEqual(every.code, 0, every)
        doc = every.json()
        self.assertEqual(doc["items"], counts)
        self.assertTrue(all(0 <= ms <= doc["ms"] for ms in doc["parsed_ms"].values()), doc)
        only = run("--source", self.fleet, "__load", "jobs", "nodes").json()
        self.assertEqual(only["items"], {r: (counts[r] if r in ("jobs", "nodes") else 0) for r in counts})
        bad = run("--source", self.fleet, "__load", "widgets")
        self.assertEqual(bad.code, 2, bad)
        self.assertIn('"widgets" is not a resource', bad.err)


    def test_verbose_says_where_the_time_went_and_changes_nothing_else(self):
        # docs/design.md, "Where the time goes": each resource as it was ready, then load,
        # figures, render, and the totals, in that order, on stderr only.
        step = re.compile(r"^fleetcap: time: (.+?) (\d+\.\d) ms$")
        for args in (["capacity", "--json"], ["maintenance", "plan", "--json"], ["quota", "show", "chat/h200-usw-001"]):
            quiet = run("--source", self.fleet, "--at", AT, *args)
            loud = run("--source", self.fleet, "--at", AT, "--verbose", *args)
            self.assertEqual(loud.code, quiet.code, loud)
            if "--json" in args:  # the two runs' own times apart (a second apart under load)
                self.assertEqual(without_run_times(loud.json()), without_run_times(quiet.json()))
            else:
                self.assertEqual(loud.out, quiet.out)
            self.assertNotIn("fleetcap: time:", quiet.err)
            lines = [l for l in loud.err.splitlines() if l.startswith("fleetcap: time:")]
            steps = [step.match(l) for l in lines[:-1]]
            self.assertTrue(all(steps), lines)
            names = [m.group(1) for m in steps]
            ready = [n.split(" ")[0] for n in names if n.endswith("parsed at")]
            self.assertEqual(sorted(ready), sorted(("clusters", "nodes", "quotas", "jobs", "maintenance",
                                                    "health_history")), names)
            tail = [n for n in names if not n.endswith("parsed at")]
            self.assertEqual(tail, ["start", "load (fetch or read, parse and link everything)", "figures", "render"])
            self.assertRegex(lines[-1], r"^fleetcap: time: total \d+\.\d ms; CPU \d+\.\d{3} s user, "
                                        r"\d+\.\d{3} s system; peak RSS \d+\.\d MiB$")


class LargePages(unittest.TestCase):
    """Pages over 1 MiB are parsed while they arrive (docs/design.md, "Streaming"): the same
    figures as small pages and the independent reference, a retried body counted once, and a
    break deep inside a large page worded as for a small one."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fleetcap-large-")
        cls.fleet = os.path.join(cls.tmp.name, "fleet")
        fleetgen.generate(cls.fleet, clusters=40, nodes_per_cluster=400, seed=4)
        for r in ("jobs", "nodes"):
            assert os.path.getsize(os.path.join(cls.fleet, r + ".json")) > 1_500_000, r

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_streamed_pages_agree_with_small_pages_and_the_reference(self):
        from_dir = figures(run("--source", self.fleet, "--at", AT, "capacity", "--json"))
        with Server(self.fleet) as s:
            whole = figures(run("--source", s.url, "--at", AT, "capacity", "--json"))
            self.assertEqual(sorted(q["resource"] for q in s.requests()),
                             sorted(("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history")))
            ref = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "reference.py"), s.url, AT],
                                 capture_output=True, text=True, check=True)
        with Server(self.fleet, "--gzip") as s:
            gz = figures(run("--source", s.url, "--at", AT, "capacity", "--json"))
        with Server(self.fleet, "--page-size", "500") as s:
            paged = figures(run("--source", s.url, "--at", AT, "capacity", "--json"))
        self.assertEqual(whole, paged)
        self.assertEqual(gz, paged)
        self.assertEqual(from_dir, paged)
        reference = {c["name"]: c for c in json.loads(ref.stdout)["clusters"]}
        self.assertEqual(set(reference), set(paged))
        for name, want in reference.items():
            self.assertEqual({k: paged[name][k] for k in want}, want, name)
        counts = run("--source", self.fleet, "__load").json()["items"]
        with open(os.path.join(self.fleet, "jobs.json")) as f:
            self.assertEqual(counts["jobs"], len(json.load(f)["items"]))

    def test_a_body_cut_off_and_retried_is_counted_once(self):
        want = run("--source", self.fleet, "__load").json()["items"]
        with Server(self.fleet, "--fault", "jobs:truncatex1", "--fault", "nodes:resetx1") as s:
            got = run("--source", s.url, "__load")
            statuses = [r["status"] for r in s.requests() if r["resource"] == "jobs"]
        self.assertEqual(got.code, 0, got)
        self.assertEqual(got.json()["items"], want)
        self.assertEqual(len(statuses), 2, statuses)

    def test_a_break_deep_in_a_large_page_is_located_as_in_a_small_one(self):
        broken = os.path.join(self.tmp.name, "broken")
        shutil.copytree(self.fleet, broken)
        path = os.path.join(broken, "jobs.json")
        with open(path) as f:
            lines = f.read().split("\n")
        line = len(lines) * 3 // 4
        cut = lines[line].index('"gpus":') + len('"gpus":')
        lines[line] = lines[line][:cut] + " 8 8" + lines[line][cut + 2:]
        with open(path, "w") as f:
            f.write("\n".join(lines))
        where = f"at line {line + 1}, column"
        r = run("--source", broken, "capacity")
        self.assertEqual(r.code, 3, r)
        self.assertEqual(r.out, "")
        self.assertIn(f"invalid JSON in {path} {where}", r.err)
        with Server(broken) as s:
            r2 = run("--source", s.url, "capacity")
            jobs_gets = [q for q in s.requests() if q["resource"] == "jobs"]
        # The stream let go of the page's start before it met the break, so the page was fetched
        # again, whole, to be located (docs/design.md, "Streaming").
        self.assertEqual(len(jobs_gets), 2, jobs_gets)
        self.assertEqual(r2.code, 3, r2)
        self.assertEqual(r2.out, "")
        self.assertIn(f"invalid JSON in GET {s.url}/v1/jobs {where}", r2.err)
        self.assertEqual(r.err.split(where)[1], r2.err.split(where)[1])
        # The same break in a small page (one item) reads the same after the location.
        small = os.path.join(self.tmp.name, "small")
        shutil.copytree(self.fleet, small)
        with open(os.path.join(small, "jobs.json"), "w") as f:
            f.write('{"api_version":"v1","items":[\n' + lines[line] + "\n]}")
        r3 = run("--source", small, "capacity")
        self.assertEqual(r3.code, 3, r3)
        self.assertIn("at line 2, column", r3.err)
        self.assertEqual(r3.err.split("column")[1].split("\n")[0], r.err.split("column")[1].split("\n")[0])


if __name__ == "__main__":
    harness.main()
