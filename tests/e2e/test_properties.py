"""Properties of the docs/figures.md cluster figures over generated fleets (scripts/gen-fleet), through
`capacity --json`, and every figure against scripts/check-fleet --figures, an independent
Python implementation, at several instants (so maintenance windows open and close)."""
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import fleetgen
import harness
from harness import ROOT, run

FIGURES = ["total", "healthy", "assigned", "inquota_used", "inquota_free", "flex_used", "flex_free",
           "flex_stable_free", "flex_reclaimable_free", "unbacked", "headroom", "largest_free_block"]
# check-fleet --figures column -> JSON key
REFERENCE_COLUMNS = {"total": "total", "healthy": "healthy", "assigned": "assigned", "inq_used": "inquota_used",
                     "inq_free": "inquota_free", "flex_used": "flex_used", "flex_free": "flex_free",
                     "stable": "flex_stable_free", "reclaimable": "flex_reclaimable_free", "unbacked": "unbacked",
                     "headroom": "headroom", "block": "largest_free_block"}
SEEDS = (11, 12, 13)
TAKEN_AT = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)  # gen-fleet's default --at
OFFSETS_HOURS = (0, 7, 30, 80, 200)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def reference(fleet, at):
    """check-fleet's cluster table: {cluster: {json key: value}}."""
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "check-fleet"), "--figures", "--at", at, fleet],
                       capture_output=True, text=True, check=True)
    lines = p.stdout.split("\n\n", 1)[0].splitlines()
    header = lines[0].split()
    assert header[0] == "cluster" and set(header[1:]) == set(REFERENCE_COLUMNS), header
    table = {}
    for line in lines[1:]:
        name, *values = line.split()
        table[name] = {REFERENCE_COLUMNS[col]: int(v) for col, v in zip(header[1:], values)}
    return table


class Properties(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-props-")
        cls.fleets = []
        for seed in SEEDS:
            out = os.path.join(cls.tmp, f"fleet-{seed}")
            fleetgen.generate(out, clusters=6, nodes_per_cluster=40, seed=seed)
            cls.fleets.append(out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def capacity(self, fleet, *args):
        r = run("--source", fleet, "capacity", "--json", "--state", "all", *args)
        self.assertEqual((r.code, r.err), (0, ""), r)
        return r.json()

    def instants(self):
        return [rfc3339(TAKEN_AT + dt.timedelta(hours=h)) for h in OFFSETS_HOURS]

    def test_invariants(self):
        checked = 0
        for fleet in self.fleets:
            for at in self.instants():
                doc = self.capacity(fleet, "--at", at)
                self.assertEqual(len(doc["clusters"]), 6)
                for c in doc["clusters"]:
                    with self.subTest(fleet=os.path.basename(fleet), at=at, cluster=c["name"]):
                        self.assertTrue(all(isinstance(c[f], int) and c[f] >= 0 for f in FIGURES), c)
                        self.assertLessEqual(c["healthy"], c["total"])
                        used = c["inquota_used"] + c["flex_used"]
                        if used <= c["healthy"]:
                            self.assertEqual(used + c["flex_free"], c["healthy"])
                        else:
                            self.assertEqual(c["flex_free"], 0)
                        backed = min(c["assigned"], c["healthy"])
                        self.assertEqual(backed + c["unbacked"], c["assigned"])
                        self.assertEqual(c["healthy"] - backed, c["headroom"])
                        self.assertEqual(c["flex_stable_free"] + c["flex_reclaimable_free"], c["flex_free"])
                        self.assertLessEqual(c["flex_stable_free"], c["headroom"])
                        self.assertEqual(c["inquota_free"] + c["inquota_used"], max(backed, c["inquota_used"]))
                        self.assertLessEqual(c["largest_free_block"], c["healthy"])
                        self.assertEqual(min(c["unbacked"], c["headroom"]), 0)
                        checked += 1
                totals = doc["totals"]
                for f in FIGURES:
                    values = [c[f] for c in doc["clusters"]]
                    want = max(values) if f == "largest_free_block" else sum(values)
                    self.assertEqual(totals[f], want, (fleet, at, f))
        self.assertEqual(checked, len(SEEDS) * len(OFFSETS_HOURS) * 6)

    def test_groups_sum_their_clusters(self):
        for fleet in self.fleets:
            doc = self.capacity(fleet)
            for by in ("region", "sku", "provider"):
                grouped = self.capacity(fleet, "--by", by)
                self.assertEqual(grouped["totals"], doc["totals"])
                self.assertEqual(sum(g["clusters"] for g in grouped["groups"]), len(doc["clusters"]))
                self.assertEqual([g["key"] for g in grouped["groups"]], sorted({c[by] for c in doc["clusters"]}))
                for g in grouped["groups"]:
                    members = [c for c in doc["clusters"] if c[by] == g["key"]]
                    self.assertEqual(g["clusters"], len(members))
                    for f in FIGURES:
                        values = [c[f] for c in members]
                        want = max(values) if f == "largest_free_block" else sum(values)
                        self.assertEqual(g[f], want, (fleet, by, g["key"], f))

    def test_filters_select_and_never_change_figures(self):
        for fleet in self.fleets:
            clusters = {c["name"]: c for c in self.capacity(fleet)["clusters"]}
            first, *_ = clusters
            only = self.capacity(fleet, "--cluster", first)
            self.assertEqual(only["clusters"], [clusters[first]])
            production = run("--source", fleet, "capacity", "--json").json()["clusters"]  # default: production
            self.assertEqual(production, [c for c in clusters.values() if c["state"] == "production"])

    def test_every_figure_matches_check_fleet(self):
        compared = 0
        for fleet in self.fleets:
            for at in self.instants():
                ours = {c["name"]: {f: c[f] for f in FIGURES} for c in self.capacity(fleet, "--at", at)["clusters"]}
                theirs = reference(fleet, at)
                self.assertEqual(sorted(ours), sorted(theirs))
                for name in ours:
                    self.assertEqual(ours[name], theirs[name], (os.path.basename(fleet), at, name))
                    compared += 1
        self.assertEqual(compared, len(SEEDS) * len(OFFSETS_HOURS) * 6)

    def test_the_instants_differ(self):
        # The comparison above is only worth something if maintenance moves the figures.
        for fleet in self.fleets:
            healthy = {at: self.capacity(fleet, "--at", at)["totals"]["healthy"] for at in self.instants()}
            self.assertGreater(len(set(healthy.values())), 1, (fleet, healthy))

    def test_check_fleet_agrees_on_the_worked_example(self):
        theirs = reference(harness.WORKED, "2026-11-20T12:00:00Z")
        ours = {c["name"]: {f: c[f] for f in FIGURES}
                for c in run("--source", harness.WORKED, "capacity", "--json", "--state", "all").json()["clusters"]}
        self.assertEqual(ours, theirs)


if __name__ == "__main__":
    harness.main()
