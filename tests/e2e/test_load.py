"""Loading end to end: a directory, the paged API and the gzip API give the same figures, and
they match bench/reference.py's independent Python computation of SPEC §4. Also the hidden
`__load` bench/run uses."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import harness
from harness import ROOT, Server, run

AT = "2026-11-20T12:00:00Z"


def generate(out, clusters=6, nodes=60, seed=3):
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-fleet"), "--out", out, "--clusters",
                    str(clusters), "--nodes-per-cluster", str(nodes), "--seed", str(seed)], check=True,
                   stdout=subprocess.DEVNULL)


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
        generate(cls.fleet)

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


if __name__ == "__main__":
    harness.main()
