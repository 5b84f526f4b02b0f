"""End-to-end tests of issue 22 (docs/jobs.md, docs/flex.md "Which nodes", docs/maintenance.md
`nodes --free`, docs/overalloc.md "The change in the scheduler's language"): `jobs`,
`nodes --free`, the nodes `flex --contiguous` chooses and the line that submits to them, and
`overalloc plan -o sacctmgr`, on the worked fleet (docs/worked-example.md, figures checked by hand below) and on
Slurm's own commands answering with the lab's capture (the fake commands of
test_slurm_cli_faults.py).

By hand, on the worked fleet at its instant: 8 jobs, 7 running on 120 GPUs (j4 and k3 flex, 16);
j5 pends for 16 GPUs of research/pretrain: its available is 16 but tiger has only 8 unused GPUs
(t10), so it starts only by preempting flex: FITS-NOW quota. Free nodes: l08 and t10, 8 each.
"""
import csv
import io
import os
import tempfile
import unittest

import fleetgen
from harness import WORKED, run
from test_slurm_cli_faults import Fakes


def fleet(*args):
    return run("--source", WORKED, *args)


class Jobs(unittest.TestCase):
    def ok(self, *args):
        r = fleet("jobs", *args)
        self.assertEqual(r.code, 0, r)
        return r

    def test_json_lists_every_job_with_quota_or_flex_and_the_verdict(self):
        doc = self.ok("--json").json()
        self.assertEqual(doc["schema"], "fleetcap.jobs/v1")
        self.assertEqual([j["name"] for j in doc["jobs"]], ["k1", "k2", "k3", "j1", "j3", "j2", "j4", "j5"])
        by = {j["name"]: j for j in doc["jobs"]}
        self.assertEqual((by["j4"]["quota"], by["j4"]["state"], by["j4"]["fits_now"]), ("flex", "running", None))
        self.assertEqual((by["j5"]["state"], by["j5"]["fits_now"], by["j5"]["nodes"]), ("pending", "quota", []))
        self.assertEqual(by["j1"]["nodes"], ["t01", "t02", "t03", "t04"])
        self.assertEqual(doc["totals"], {"jobs": 8, "running": 7, "pending": 1, "gpus": 136, "running_gpus": 120,
                                         "flex_gpus": 16, "pending_gpus": 16, "startable_gpus": 16})

    def test_table_csv_and_names(self):
        out = self.ok().out
        self.assertIn("t[01-04]", out)  # a hostlist in the table
        self.assertTrue(out.rstrip().endswith(
            "8 jobs: 7 running on 120 GPUs (16 of them flex); 1 pending for 16 GPUs, of which 16 would start now."))
        rows = list(csv.DictReader(io.StringIO(self.ok("-o", "csv", "--flex").out)))
        self.assertEqual([(r["name"], r["quota"], r["gpus"]) for r in rows], [("k3", "flex", "8"), ("j4", "flex", "8")])
        self.assertEqual(self.ok("-o", "name", "--pending").out, "j5\n")

    def test_filters(self):
        names = lambda *a: [j["name"] for j in self.ok("--json", *a).json()["jobs"]]  # noqa: E731
        self.assertEqual(names("--namespace", "evals"), ["k3", "j2", "j4"])
        self.assertEqual(names("--quota", "research"), ["k2", "j1", "j2", "j5"])  # a group: its leaves' jobs
        self.assertEqual(names("--node", "t07"), ["j3"])
        self.assertEqual(names("--running", "--cluster", "lion"), ["k1", "k2", "k3"])
        self.assertEqual(names("--sort", "gpus")[:2], ["k2", "j1"])

    def test_pending_demand_by_quota(self):
        doc = self.ok("--pending", "--by", "quota", "--json").json()
        self.assertEqual(doc["by"], "quota")
        self.assertEqual(doc["groups"], [{"key": "research/pretrain", "pending_jobs": 1, "pending_gpus": 16,
                                          "fits_free": 0, "fits_quota": 16, "fits_flex": 0, "waits": 0,
                                          "flex_free": 8, "available": 16}])
        self.assertEqual(doc["totals"]["flex_free"], 16)  # l08 and t10

    def test_bad_input_exits_2_with_nothing_on_stdout(self):
        cases = [
            (["--node", "t7"], 'no node named "t7"'),
            (["--quota", "flex"], "--flex"),
            (["--by", "cluster"], "--pending"),
            (["--pending", "--running"], "exclude each other"),
            (["--user", "alice"], "says no job's user"),
            (["--by", "node", "--pending"], "--by"),
        ]
        for args, said in cases:
            with self.subTest(args=args):
                r = fleet("jobs", *args)
                self.assertEqual(r.code, 2, r)
                self.assertEqual(r.out, "")
                self.assertIn(said, r.err)
        self.assertIn('did you mean "t07"', fleet("jobs", "--node", "t7").err)


class FreeNodes(unittest.TestCase):
    def test_free_nodes_most_free_first(self):
        r = fleet("nodes", "--free", "--json")
        self.assertEqual(r.code, 0, r)
        doc = r.json()
        self.assertEqual(doc["schema"], "fleetcap.nodes.free/v1")
        self.assertEqual([(n["name"], n["gpus_free"], n["inquota_used"], n["flex_used"]) for n in doc["nodes"]],
                         [("l08", 8, 0, 0), ("t10", 8, 0, 0)])
        self.assertEqual(fleet("nodes", "--free", "-o", "name", "--sku", "h100").out, "t10\n")

    def test_free_does_not_go_with_all_or_by(self):
        for extra in (["--all"], ["--by", "island"]):
            r = fleet("nodes", "--free", *extra)
            self.assertEqual((r.code, r.out), (2, ""), r)
            self.assertIn("--free", r.err)


class Block(unittest.TestCase):
    def test_contiguous_names_the_nodes(self):
        doc = fleet("flex", "--gpus", "8", "--contiguous", "--json").json()
        self.assertEqual([(i["island"], i["nodes"], i["gpus_per_node"], i["command"]) for i in doc["islands"]],
                         [("lion-ib1", ["l08"], 8, None), ("tiger-ib2", ["t10"], 8, None)])

    def test_absurd_counts_are_usage_errors(self):
        for n in ("0", "-8", "99999999999999999999"):
            with self.subTest(gpus=n):
                r = fleet("flex", "--gpus", n, "--contiguous")
                self.assertEqual((r.code, r.out), (2, ""), r)


class LongLists(unittest.TestCase):
    """Lists of 4,096 rows or more are written in pieces on several threads and spliced in order
    (docs/design.md, "Writing JSON"): the document must still be one valid JSON text listing the
    rows in the order the other forms do."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.fleet = os.path.join(cls.tmp.name, "fleet")
        fleetgen.generate(cls.fleet, clusters=10, nodes_per_cluster=1000, seed=5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def same_order(self, key, *args):
        common = ("--source", self.fleet, "--at", "2026-11-20T12:00:00Z", *args)
        r = run(*common, "--json")
        self.assertEqual(r.code, 0, r)
        rows = r.json()[key]
        self.assertGreater(len(rows), 4096 + 1024)  # several pieces, the last one short
        names = run(*common, "-o", "name")
        self.assertEqual(names.code, 0, names)
        self.assertEqual([row["name"] for row in rows], names.out.splitlines())

    def test_jobs(self):
        self.same_order("jobs", "--state", "all", "jobs")

    def test_nodes(self):
        self.same_order("nodes", "--state", "all", "nodes", "--all")


class PlanLanguages(unittest.TestCase):
    def test_refused_on_the_fleet_api_and_on_other_commands(self):
        r = fleet("overalloc", "plan", "-o", "sacctmgr")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("-o sacctmgr prints sacctmgr commands for a Slurm source", r.err)
        r = fleet("overalloc", "plan", "-o", "kueue")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("Kueue ClusterQueue patches", r.err)
        r = fleet("capacity", "-o", "sacctmgr")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("-o sacctmgr is for overalloc plan", r.err)


class Slurm(unittest.TestCase):
    """Slurm's commands (stand-ins printing the lab's capture): what fleetcap says in Slurm's terms."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fakes()

    def test_jobs_say_what_slurm_says(self):
        r = self.fake.fleetcap("jobs", "--json")
        self.assertEqual(r.code, 0, r)
        jobs = r.json()["jobs"]
        self.assertTrue(jobs)
        self.assertTrue(all(j["user"] for j in jobs), jobs)
        self.assertTrue(all(j["submitted_at"] for j in jobs), jobs)
        pending = [j for j in jobs if j["state"] == "pending"]
        self.assertTrue(pending and all(j["pending_reason"] for j in pending), pending)
        self.assertTrue(all(j["pending_reason"] is None for j in jobs if j["state"] == "running"))

    def test_contiguous_prints_the_sbatch_line(self):
        r = self.fake.fleetcap("flex", "--gpus", "8", "--contiguous", "--json")
        self.assertEqual(r.code, 0, r)
        islands = r.json()["islands"]
        self.assertTrue(islands, r.out)
        first = islands[0]
        self.assertRegex(first["command"], r"^sbatch -M lab -N 1 -w \S+ --gres=gpu:h[0-9]+:8 --time=1-00:00:00 JOB.sh$")
        self.assertIn(f"-w {first['nodes'][0]} ", first["command"])
        wide = self.fake.fleetcap("flex", "--gpus", "8", "--contiguous", "-o", "wide")
        self.assertIn(first["command"], wide.out)

    def test_sacctmgr_lines_or_nothing_to_change(self):
        r = self.fake.fleetcap("overalloc", "plan", "-o", "sacctmgr", "--buffer", "50%")
        self.assertEqual(r.code, 0, r)
        lines = [line for line in r.out.splitlines() if not line.startswith("#")]
        plan = self.fake.fleetcap("overalloc", "plan", "--json", "--buffer", "50%").json()
        changed = [q for q in plan["quotas"] if q["gpus"] != q["old_gpus"]]
        self.assertEqual(len(lines), len(changed), r.out)
        for line in lines:
            self.assertRegex(line, r"^sacctmgr -i modify (account|qos) where name=\S+( cluster=lab)? set "
                                   r"GrpTRES=gres/gpu(:\w+)?=\d+$")
        # chat's limit is untyped (gres/gpu=24 over h100 and h200): its line says so above it.
        out = r.out.splitlines()
        untyped = [i for i, line in enumerate(out) if "GrpTRES=gres/gpu=" in line]
        self.assertTrue(untyped, r.out)
        for i in untyped:
            self.assertRegex(out[i - 1], r"^# gres/gpu is untyped: it bounds \S+'s GPUs of every type together, "
                                         r"not only h\d+'s$")
        # Phase 1 cuts only unscheduled quota, and the lab has none: nothing to change, exit 0.
        r = self.fake.fleetcap("overalloc", "plan", "-o", "sacctmgr", "--phase", "1")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.rstrip().endswith("# Nothing to change: no quota's gpus change in the phases this "
                                                "plan applies."), r.out)
        self.assertEqual([line for line in r.out.splitlines() if not line.startswith("#")], [])


if __name__ == "__main__":
    unittest.main()
