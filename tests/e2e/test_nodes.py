"""End-to-end tests of `fleetcap nodes` (docs/maintenance.md): like `sinfo -R`.

The goldens were checked by hand against docs/worked-example.md: t05 unhealthy (p0 xid-79), t11 in m1 until
21T10, t12 cordoned, t07/t08 with m2 coming, l07 with m3, t09 with a p3 issue; 136 schedulable
GPUs over all nodes (72 + 64, docs/worked-example.md's healthy). The property test recomputes, in Python, which
nodes a generated fleet lists.
"""
import csv
import datetime as dt
import io
import os
import unittest

import fleetgen
from harness import DATA, WORKED, run

GOLDEN = os.path.join(DATA, "golden")


def golden(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        return f.read()


def t(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


class Worked(unittest.TestCase):
    def ok(self, *args):
        r = run("--source", WORKED, "nodes", *args)
        self.assertEqual(r.code, 0, r)
        return r

    def test_goldens(self):
        self.assertEqual(self.ok().out, golden("nodes_worked.txt"))
        self.assertEqual(self.ok("--by", "island").out, golden("nodes_worked_by_island.txt"))

    def test_json(self):
        doc = self.ok("--json").json()
        self.assertEqual(doc["schema"], "fleetcap.nodes/v1")
        self.assertEqual([n["name"] for n in doc["nodes"]], ["t05", "t11", "t12", "t09", "l07", "t07", "t08"])
        self.assertEqual([n["concern"] for n in doc["nodes"]][:5],
                         ["unschedulable", "unschedulable", "unschedulable", "issue", "maintenance"])
        t05 = doc["nodes"][0]
        self.assertEqual((t05["health"], t05["schedulable"], t05["worst_issue"], t05["worst_issue_priority"]),
                         ("unhealthy", False, "xid-79", "p0"))
        t11 = doc["nodes"][1]
        self.assertEqual((t11["next_event"], t11["next_event_active"], t11["next_event_end"]),
                         ("m1", True, "2026-11-21T10:00:00Z"))
        self.assertEqual(doc["nodes"][5]["jobs"], ["j3"])
        every = self.ok("--all", "--json").json()
        self.assertEqual(len(every["nodes"]), 20)
        self.assertEqual((every["totals"]["schedulable_gpus"], every["totals"]["gpus_used"]), (136, 120))
        islands = self.ok("--by", "island", "--all", "--json").json()["islands"]
        self.assertEqual([(i["island"], i["nodes"], i["unschedulable_nodes"]) for i in islands],
                         [("lion-ib1", 8, 0), ("tiger-ib1", 6, 1), ("tiger-ib2", 6, 2)])

    def test_csv_and_filters(self):
        rows = list(csv.DictReader(io.StringIO(self.ok("--format", "csv", "--island", "tiger-ib2").out)))
        self.assertEqual([(r["name"], r["schedulable"], r["next_event"]) for r in rows],
                         [("t11", "false", "m1"), ("t12", "false", ""), ("t09", "true", ""), ("t07", "true", "m2"),
                          ("t08", "true", "m2")])
        doc = run("--source", WORKED, "--cluster", "lion", "nodes", "--json").json()
        self.assertEqual([n["name"] for n in doc["nodes"]], ["l07"])
        # m3 (24T00) is beyond a 3-day window: l07 is not listed then.
        doc = self.ok("--window", "3d", "--json").json()
        self.assertNotIn("l07", [n["name"] for n in doc["nodes"]])

    def test_usage_errors_exit_2_with_nothing_on_stdout(self):
        for args in (["--island", "tiger-ib9"], ["--by", "cluster"], ["--window", "2"], ["--sort", "nope"]):
            r = run("--source", WORKED, "nodes", *args)
            self.assertEqual(r.code, 2, (args, r))
            self.assertEqual(r.out, "")
            self.assertIn("fleetcap: error:", r.err)
        r = run("--source", WORKED, "nodes", "--island", "tiger-ib9")
        self.assertIn("did you mean \"tiger-ib1\"", r.err)


class Generated(unittest.TestCase):
    def test_listed_nodes_are_those_the_spec_names(self):
        for d, fleet in fleetgen.generated():
            with self.subTest(fleet=os.path.basename(d)):
                r = run("--source", d, "nodes", "--json", "--state", "all")
                self.assertEqual(r.code, 0, r)
                doc = r.json()
                at, end = t(doc["at"]), t(doc["until"])
                by_cluster = {}
                for n in fleet["nodes"]:
                    by_cluster.setdefault(n["cluster"], []).append(n["name"])
                open_ = [e for e in fleet["maintenance"] if e["state"] not in ("completed", "cancelled")]
                want = set()
                used = {}
                for j in fleet["jobs"]:
                    if j["state"] == "running" and j.get("nodes"):
                        each, extra = divmod(j["gpus"], len(j["nodes"]))
                        for k, n in enumerate(j["nodes"]):
                            used[n] = used.get(n, 0) + each + (1 if k < extra else 0)
                for n in fleet["nodes"]:
                    covering = [e for e in open_ if n["name"] in (e["nodes"] or by_cluster[e["cluster"]])]
                    active = any(t(e["start"]) <= at < t(e["end"]) for e in covering)
                    coming = any(t(e["start"]) < end and t(e["end"]) > at for e in covering)
                    sched = n["health"] == "healthy" and not n.get("cordoned", False) and not active
                    if not sched or n.get("issues") or coming:
                        want.add(n["name"])
                got = {x["name"]: x for x in doc["nodes"]}
                self.assertEqual(set(got), want)
                for name, x in got.items():
                    self.assertEqual(x["gpus_used"], used.get(name, 0))


class Reserved(unittest.TestCase):
    """tests/data/fleets/enforce: t10 is idle, held by reservation demo (for evals) for a day."""

    def test_a_reserved_node_is_listed_last_and_said(self):
        r = run("--source", os.path.join(DATA, "fleets", "enforce"), "nodes")
        self.assertEqual(r.code, 0, r)
        rows = [line.split() for line in r.out.splitlines() if line.startswith(("t", "l"))]
        self.assertEqual(rows[-1][0], "t10", r.out)
        self.assertTrue(r.out.splitlines()[len(rows)].rstrip().endswith("reserved: demo"), r.out)
        self.assertIn(", 1 held only by a reservation.", " ".join(r.out.split()))
        doc = run("--source", os.path.join(DATA, "fleets", "enforce"), "nodes", "--json").json()
        self.assertEqual([(n["name"], n["concern"]) for n in doc["nodes"]][-1], ("t10", "reserved"))
        free = run("--source", os.path.join(DATA, "fleets", "enforce"), "nodes", "--free", "-o", "name")
        self.assertNotIn("t10", free.out.split(), free.out)


if __name__ == "__main__":
    import harness
    harness.main()
