"""End-to-end tests of `fleetcap maintenance list|node|impact|plan` (docs/maintenance.md).

Golden tables were checked by hand against docs/maintenance.md/docs/worked-example.md and tests/data/maintenance/edge
(see the comments in tests/figures/test_maintenance.cpp for the arithmetic). The property
tests use the small generated fleets of fleetgen.py and recompute what they check in Python.
"""
import csv
import datetime as dt
import io
import json
import os
import subprocess
import tempfile
import unittest
from collections import defaultdict

import fleetgen
import harness
from harness import DATA, WORKED, run

EDGE = os.path.join(DATA, "maintenance", "edge")
GOLDEN = os.path.join(DATA, "golden")
WORKED_AT = "2026-11-20T12:00:00Z"  # examples/fleet/worked/snapshot.json taken_at
PRIOS = {"low": 0, "mid": 1, "high": 2, "critical": 3}


def golden(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        return f.read()


def t(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def run_tty(args, cols):
    """Runs fleetcap with stdout on a pseudo-terminal `cols` wide; returns what it printed."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    env = harness.clean_env(TERM="xterm", NO_COLOR="1")
    p = subprocess.Popen([harness.BINARY, *args], stdout=slave, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=30)
    os.close(master)
    return out.decode().replace("\r\n", "\n")


class Worked(unittest.TestCase):
    def ok(self, *args, source=WORKED):
        r = run("--source", source, *args)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.err, "", r)
        return r

    def test_list_table(self):
        self.assertEqual(self.ok("maintenance", "list").out, golden("maintenance_list_worked.txt"))

    def test_list_json(self):
        doc = self.ok("maintenance", "list", "--json").json()
        self.assertEqual(doc["schema"], "fleetcap.maintenance.list/v1")
        self.assertEqual(doc["at"], "2026-11-20T12:00:00Z")
        self.assertEqual((doc["window"], doc["lead"], doc["until"]), ("14d", "12h", "2026-12-04T12:00:00Z"))
        ev = {e["id"]: e for e in doc["events"]}
        self.assertEqual([e["id"] for e in doc["events"]], ["m1", "m2", "m3"])
        for e in doc["events"]:  # the docs/cli.md minimum
            for key in ("id", "cluster", "nodes", "gpus", "start", "end", "hard_start", "action_by", "jobs",
                        "state", "overdue"):
                self.assertIn(key, e)
        self.assertEqual(ev["m2"]["nodes"], ["t07", "t08"])
        self.assertEqual(ev["m2"]["gpus"], 16)
        self.assertEqual(ev["m2"]["action_by"], "2026-11-21T06:00:00Z")
        self.assertEqual(ev["m2"]["jobs"], ["j3"])
        self.assertEqual(ev["m1"]["state"], "in_progress")
        self.assertEqual(ev["m1"]["jobs"], [])
        self.assertEqual(ev["m3"]["hard_start"], False)
        self.assertEqual(ev["m3"]["jobs"], ["k3"])
        self.assertFalse(any(e["overdue"] for e in doc["events"]))
        self.assertEqual(doc["summary"], {"events": 3, "overdue": 0})

    def test_overdue_at_action_by(self):
        doc = self.ok("maintenance", "list", "--json", "--at", "2026-11-21T06:00:00Z").json()
        self.assertEqual({e["id"]: e["overdue"] for e in doc["events"]}, {"m1": False, "m2": True, "m3": False})
        out = self.ok("maintenance", "list", "--at", "2026-11-21T06:00:00Z").out
        self.assertRegex(out, r"(?m)^m2 .* OVERDUE$")
        doc = self.ok("maintenance", "list", "--json", "--at", "2026-11-21T05:59:59Z").json()
        self.assertFalse(any(e["overdue"] for e in doc["events"]))

    def test_event_ending_at_at_is_not_listed(self):
        doc = self.ok("maintenance", "list", "--json", "--at", "2026-11-21T10:00:00Z").json()
        self.assertEqual([e["id"] for e in doc["events"]], ["m2", "m3"])  # m1 ends exactly then

    def test_filters(self):
        ids = lambda *a: [e["id"] for e in self.ok("maintenance", "list", "--json", *a).json()["events"]]
        self.assertEqual(ids("--hard"), ["m1", "m2"])
        self.assertEqual(ids("--cluster", "lion"), ["m3"])
        self.assertEqual(ids("--event-state", "scheduled"), ["m2", "m3"])
        self.assertEqual(ids("--event-state", "in_progress,completed"), ["m1"])
        # m2 starts 30 h after --at; the window is half-open.
        self.assertEqual(ids("--window", "1d"), ["m1"])
        self.assertEqual(ids("--window", "30h"), ["m1"])
        self.assertEqual(ids("--window", "30h1m"), ["m1", "m2"])
        self.assertEqual(ids("--state", "provisioning"), [])  # --state stays the cluster filter
        lead = self.ok("maintenance", "list", "--json", "--lead", "2d").json()
        self.assertEqual(lead["events"][1]["action_by"], "2026-11-19T18:00:00Z")
        self.assertTrue(lead["events"][1]["overdue"])

    def test_global_options_after_the_command(self):
        a = self.ok("--json", "maintenance", "list").json()
        b = self.ok("maintenance", "list", "--json").json()
        self.assertEqual(harness.without_run_times(a), harness.without_run_times(b))

    def test_list_csv(self):
        rows = list(csv.DictReader(io.StringIO(self.ok("maintenance", "list", "--format", "csv").out)))
        self.assertEqual([r["id"] for r in rows], ["m1", "m2", "m3"])
        self.assertEqual(rows[1]["nodes"], "t07 t08")
        self.assertEqual(rows[1]["jobs"], "j3")
        self.assertEqual(rows[1]["overdue"], "false")

    def test_bad_options_are_usage_errors(self):
        for args in (["--window", "0"], ["--window", "two weeks"], ["--lead", "-1h"], ["--event-state", "done"]):
            r = run("--source", WORKED, "maintenance", "list", *args)
            self.assertEqual(r.code, 2, r)
            self.assertEqual(r.out, "", r)
            self.assertIn("fleetcap: error:", r.err)
        # A bare group prints its own help (docs/cli.md), not an error.
        r = run("--source", WORKED, "maintenance")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Subcommands:", r.out)
        self.assertIn("plan", r.out)

    def test_node(self):
        self.assertEqual(self.ok("maintenance", "node", "t07").out, golden("maintenance_node_t07_worked.txt"))
        doc = self.ok("maintenance", "node", "t05", "--json").json()
        self.assertEqual(doc["schema"], "fleetcap.maintenance.node/v2")
        self.assertEqual(doc["node"]["cluster"], "tiger")
        self.assertEqual(doc["node"]["island"], "tiger-ib1")
        self.assertEqual(doc["node"]["health"], "unhealthy")
        self.assertFalse(doc["node"]["health_ok"])
        self.assertNotIn("healthy", doc["node"])  # `healthy` is the figure H; v1's node.healthy is health_ok
        self.assertFalse(doc["node"]["schedulable"])
        self.assertEqual(doc["issues"], [{"type": "xid-79", "priority": "p0", "detected_at": "2026-11-19T22:14:00Z",
                                          "detail": "GPU fell off the bus"}])
        t11 = self.ok("maintenance", "node", "t11", "--json").json()
        self.assertEqual(t11["node"]["active_events"], ["m1"])
        self.assertEqual([(e["id"], e["when"]) for e in t11["events"]], [("m1", "current")])
        # After m1 it is past and t11 is schedulable again.
        later = self.ok("maintenance", "node", "t11", "--json", "--at", "2026-11-21T10:00:00Z").json()
        self.assertEqual([(e["id"], e["when"]) for e in later["events"]], [("m1", "past")])
        self.assertTrue(later["node"]["schedulable"])
        l01 = self.ok("maintenance", "node", "l01", "--json").json()
        self.assertEqual([j["name"] for j in l01["jobs"]], ["k1"])
        self.assertEqual([(q["name"], q["assigned"], q["tree"]) for q in l01["quotas"]],
                         [("applied/chat-lion", 16, "applied")])

    def test_node_ignores_cluster_filters(self):
        # A node name is unique fleet-wide; puma is provisioning but l01's card is still shown.
        self.ok("maintenance", "node", "l01", "--cluster", "tiger")

    def test_unknown_node_suggests_names(self):
        r = run("--source", WORKED, "maintenance", "node", "t5")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, 'fleetcap: error: no node named "t5" in ' + WORKED + '; did you mean "t05", "l05" or "t01"?\n')

    def test_impact(self):
        self.assertEqual(self.ok("maintenance", "impact").out, golden("maintenance_impact_worked.txt"))
        doc = self.ok("maintenance", "impact", "--json").json()
        self.assertEqual(doc["schema"], "fleetcap.maintenance.impact/v1")
        tiger = doc["clusters"][0]
        self.assertEqual(tiger["name"], "tiger")
        self.assertEqual([(s["at"], s["healthy"], s["unbacked"], s["largest_free_block"]) for s in tiger["steps"]], [
            ("2026-11-20T12:00:00Z", 72, 16, 8),
            ("2026-11-21T10:00:00Z", 80, 8, 16),
            ("2026-11-21T18:00:00Z", 64, 24, 16),
            ("2026-11-22T06:00:00Z", 80, 8, 16),
        ])
        self.assertEqual((tiger["min_healthy"], tiger["min_healthy_at"], tiger["worst_unbacked"],
                          tiger["min_largest_free_block"]), (64, "2026-11-21T18:00:00Z", 24, 8))

    def test_impact_timeline_fits_the_terminal(self):
        # One character per 6 h over 14 days is 56; on a 40-column terminal it doubles to 12 h (28):
        # tiger is 72 until 21T10 (▇), 64 from 21T18 to 22T06 (▆), then 80, its peak (█).
        out = self.ok("maintenance", "impact").out
        self.assertIn("one character per 6h", out)
        self.assertEqual(len(out.splitlines()[-2]), len("tiger  ") + 56)
        out = run_tty(["--source", WORKED, "maintenance", "impact"], cols=40)
        self.assertIn("one character per 12h", out)
        self.assertEqual(out.splitlines()[-2], "tiger  ▇▇▆▆████████████████████████")
        self.assertTrue(all(len(l) <= 40 for l in out.splitlines() if not l.startswith(("Schedulable", "(█"))), out)

    def test_plan(self):
        self.assertEqual(self.ok("maintenance", "plan").out, golden("maintenance_plan_worked.txt"))
        doc = self.ok("maintenance", "plan", "--json").json()
        self.assertEqual(doc["schema"], "fleetcap.maintenance.plan/v1")
        # docs/worked-example.md's j3 (critical, in quota, 16 GPUs) preempts the low flex j4 and takes t09+t10.
        self.assertEqual([m["name"] for m in doc["moves"]], ["j3", "k3"])
        self.assertEqual(doc["moves"][0]["destination"],
                         {"cluster": "tiger", "island": "tiger-ib2", "nodes": ["t09", "t10"], "node_gpus": [8, 8],
                          "gpus": 16, "scope": "cluster", "quota": "applied/chat-tiger"})
        self.assertEqual(doc["moves"][0]["preempts"], ["j4"])
        self.assertEqual(doc["moves"][1]["destination"],
                         {"cluster": "lion", "island": "lion-ib1", "nodes": ["l08"], "node_gpus": [8], "gpus": 8,
                          "scope": "cluster", "quota": "flex"})
        self.assertEqual(doc["unplaced"], [])
        self.assertEqual([(p["name"], p["by"], p["must_move"]) for p in doc["preempted"]], [("j4", "j3", False)])
        summary = dict(doc["summary"])
        days = summary.pop("days")
        self.assertEqual(summary, {"jobs": 2, "gpus": 24, "placed": 2, "gpus_placed": 24, "preempted": 1,
                                   "gpus_preempted": 8, "unplaced": 0, "gpus_unplaced": 0, "out_of_cluster": 0})
        self.assertEqual([(d["day"], d["jobs"], d["placed"], d["preempted"]) for d in days],
                         [("2026-11-21", 1, 1, 1), ("2026-11-23", 1, 1, 0)])


class Edge(unittest.TestCase):
    """tests/data/maintenance/edge: boundaries, overlapping and whole-cluster events."""

    def ok(self, *args):
        r = run("--source", EDGE, *args)
        self.assertEqual(r.code, 0, r)
        return r

    def test_goldens(self):
        self.assertEqual(self.ok("maintenance", "list", "--event-state", "all").out,
                         golden("maintenance_list_edge_all.txt"))
        self.assertEqual(self.ok("maintenance", "impact").out, golden("maintenance_impact_edge.txt"))
        self.assertEqual(self.ok("maintenance", "plan", "--same-region").out,
                         golden("maintenance_plan_edge_same_region.txt"))
        self.assertEqual(self.ok("maintenance", "node", "a01").out, golden("maintenance_node_a01_edge.txt"))

    def test_plan_never_moves_what_need_not_move(self):
        doc = self.ok("maintenance", "plan", "--json").json()
        moved = [m["name"] for m in doc["moves"]] + [u["name"] for u in doc["unplaced"]]
        self.assertEqual(moved, ["ja1", "ja2", "jb1"])  # not ja3, jd1 (event ended at --at), jx (no nodes)
        dest = {m["name"]: (m["destination"]["cluster"], m["destination"]["nodes"], m["destination"]["scope"],
                            m["destination"]["quota"]) for m in doc["moves"]}
        # ja2 takes a02, which ja1 left; jb1 (at 24T12) a03, back from e-over1/2 and left by ja2.
        self.assertEqual(dest, {"ja1": ("gamma", ["g01", "g02"], "fleet", "team/gamma-b"),
                                "ja2": ("alpha", ["a02"], "cluster", "team/alpha"),
                                "jb1": ("alpha", ["a03"], "region", "flex")})

    def test_csv(self):
        rows = list(csv.DictReader(io.StringIO(self.ok("maintenance", "plan", "--format", "csv").out)))
        self.assertEqual([(r["name"], r["outcome"], r["to_cluster"], r["to_nodes"]) for r in rows],
                         [("ja1", "placed", "gamma", "g01 g02"), ("ja2", "placed", "alpha", "a02"),
                          ("jb1", "placed", "alpha", "a03")])
        rows = list(csv.DictReader(io.StringIO(self.ok("maintenance", "impact", "--format", "csv").out)))
        self.assertEqual([(r["name"], r["min_healthy"], r["worst_unbacked"]) for r in rows],
                         [("alpha", "24", "8"), ("beta", "0", "24"), ("gamma", "32", "0"), ("delta", "16", "0")])
        rows = list(csv.reader(io.StringIO(self.ok("maintenance", "node", "b02", "--format", "csv").out)))
        self.assertEqual(rows[0], ["section", "item", "field", "value"])
        self.assertIn(["event", "e-whole", "whole_cluster", "true"], rows)


class OverHttp(unittest.TestCase):
    def test_plan_loads_the_whole_fleet_list_sends_the_cluster_hint(self):
        with harness.Server(WORKED, "--honour-cluster-filter") as s:
            # Over HTTP there is no snapshot.json, so "now" is the clock: pin it to the example's.
            r = run("--source", s.url, "--at", WORKED_AT, "maintenance", "list", "--cluster", "lion", "--json")
            self.assertEqual(r.code, 0, r)
            self.assertEqual([e["id"] for e in r.json()["events"]], ["m3"])
            list_queries = [q.get("query", {}) for q in s.requests()]
            self.assertTrue(all(q.get("cluster") == ["lion"] for q in list_queries), list_queries)
            n = len(list_queries)
            r = run("--source", s.url, "--at", WORKED_AT, "maintenance", "plan", "--cluster", "lion", "--json")
            self.assertEqual(r.code, 0, r)
            self.assertEqual([m["name"] for m in r.json()["moves"]], ["k3"])
            self.assertTrue(all("cluster" not in q.get("query", {}) for q in s.requests()[n:]))


class StreamedPlan(unittest.TestCase):
    """`maintenance plan --json` goes to stdout in pieces while it is rendered (main.cpp's
    StdoutSink): on a fleet whose plan is several MB, the text is whole and the same whether
    stdout is a file or a pipe, and a reader that goes away early ends it quietly."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fleetcap-plan-")
        cls.fleet = os.path.join(cls.tmp.name, "fleet")
        fleetgen.generate(cls.fleet, gpus=200000, seed=5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def plan(self, stdout):
        return subprocess.run([harness.BINARY, "--source", self.fleet, "maintenance", "plan", "--json"], stdout=stdout,
                              stderr=subprocess.PIPE, env=harness.clean_env(), timeout=120)

    def test_the_same_whole_document_to_a_file_and_to_a_pipe(self):
        piped = self.plan(subprocess.PIPE)
        self.assertEqual((piped.returncode, piped.stderr), (0, b""))
        self.assertGreater(len(piped.stdout), 3 << 20)  # several of the sink's 1 MiB pieces
        with tempfile.TemporaryFile() as f:
            to_file = self.plan(f)
            f.seek(0)
            written = f.read()
        self.assertEqual((to_file.returncode, to_file.stderr), (0, b""))
        strip = lambda b: b"\n".join(l for l in b.split(b"\n") if b'"generated_at"' not in l and b'"fetched_at"' not in l)
        self.assertEqual(strip(written), strip(piped.stdout))
        doc = json.loads(piped.stdout)
        self.assertEqual(doc["summary"]["placed"], len(doc["moves"]))
        self.assertEqual(doc["summary"]["unplaced"], len(doc["unplaced"]))
        self.assertTrue(piped.stdout.endswith(b"}\n"))

    def test_head_1_ends_quietly(self):
        script = f'"{harness.BINARY}" --source "{self.fleet}" maintenance plan --json | head -1; ' \
                 'echo "status=${PIPESTATUS[0]}"'
        p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=harness.clean_env(), timeout=120)
        self.assertEqual(p.stdout.splitlines(), ["{", "status=0"], p)
        self.assertEqual(p.stderr, "")


# ---- properties on generated fleets

def expected(fleet, at, window, lead):
    """Independent reading of docs/concepts.md/docs/maintenance.md and the documented choices, in Python."""
    nodes = {n["name"]: n for n in fleet["nodes"]}
    clusters = {c["name"]: c for c in fleet["clusters"]}
    by_cluster = defaultdict(list)
    for n in fleet["nodes"]:
        by_cluster[n["cluster"]].append(n["name"])
    end = at + window

    def covered(e):
        return e["nodes"] or by_cluster[e["cluster"]]

    def open_(e):
        return e["state"] not in ("completed", "cancelled")

    act = [e for e in fleet["maintenance"]
           if open_(e) and t(e["start"]) - lead < end and t(e["end"]) > at]
    affected = {n for e in act for n in covered(e)}
    busy = {n for j in fleet["jobs"] if j["state"] == "running" for n in j.get("nodes", [])}
    active_now = {n for e in fleet["maintenance"] if open_(e) and t(e["start"]) <= at < t(e["end"])
                  for n in covered(e)}
    sched = {n for n, x in nodes.items()
             if x["health"] == "healthy" and not x.get("cordoned", False) and n not in active_now}
    free = {n for n in sched if n not in busy and n not in affected and nodes[n]["gpus"] > 0}
    must = set()
    for j in fleet["jobs"]:
        if j["state"] != "running" or not j.get("nodes") or clusters[j["cluster"]]["state"] != "production":
            continue
        if any(nodes[n]["health"] != "healthy" or n in affected for n in j["nodes"]):
            must.add(j["name"])
    return nodes, clusters, free, must, by_cluster


class Generated(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fleets = {os.path.basename(d): (d, data) for d, data in fleetgen.generated()}

    def check_plan(self, d, fleet, same_region, window="14d", lead="12h"):
        args = ["--source", d, "maintenance", "plan", "--json", "--window", window, "--lead", lead]
        if same_region:
            args.append("--same-region")
        r = run(*args)
        self.assertEqual(r.code, 0, r)
        doc = r.json()
        at = t(doc["at"])
        secs = lambda s: int(s[:-1]) * {"d": 86400, "h": 3600}[s[-1]]
        nodes, clusters, _, must, by_cluster = expected(fleet, at, dt.timedelta(seconds=secs(window)),
                                                        dt.timedelta(seconds=secs(lead)))
        end = at + dt.timedelta(seconds=secs(window))
        jobs = {j["name"]: j for j in fleet["jobs"]}
        preempted_movers = [p for p in doc["preempted"] if p["must_move"]]
        listed = [m["name"] for m in doc["moves"]] + [u["name"] for u in doc["unplaced"]] + \
                 [p["name"] for p in preempted_movers]
        self.assertEqual(len(listed), len(set(listed)))
        self.assertEqual(set(listed), must)  # never moves a job that need not move, misses none
        self.assertEqual(doc["summary"]["jobs"], len(must))

        def shares(job):
            names = job.get("nodes") or []
            each, extra = divmod(job["gpus"], len(names)) if names else (0, 0)
            return [(n, each + (1 if k < extra else 0)) for k, n in enumerate(names)]

        def can_receive(n, when):
            x = nodes[n]
            if x["health"] != "healthy" or x.get("cordoned", False):
                return False
            for e in fleet["maintenance"]:
                if e["state"] in ("completed", "cancelled") or e["cluster"] != x["cluster"]:
                    continue
                if n in (e["nodes"] or by_cluster[e["cluster"]]) and t(e["start"]) < end and t(e["end"]) > when:
                    return False
            return True

        # Replay the plan in move order: no node over its GPUs at any moment.
        used = defaultdict(int)
        for j in fleet["jobs"]:
            if j["state"] == "running":
                for n, g in shares(j):
                    used[n] += g
        rows = {x["name"]: x for x in doc["moves"] + doc["unplaced"]}
        for p in doc["preempted"]:
            if p["by"] is None:
                rows[p["name"]] = p
        key = lambda name: (t(rows[name].get("move_by") or rows[name]["at"]), -PRIOS[jobs[name]["priority"]],
                            -jobs[name]["gpus"], name)
        released = set()

        def release(name):
            self.assertNotIn(name, released)
            released.add(name)
            for n, g in shares(jobs[name]):
                used[n] -= g

        for name in sorted(rows, key=key):
            row, job = rows[name], jobs[name]
            if "destination" not in row:
                if row.get("by", "x") is None:  # a flex job with no free GPUs to go to
                    self.assertEqual(job["quota"], "flex")
                    release(name)
                else:
                    self.assertNotEqual(job["quota"], "flex")  # unplaced: in-quota only
                continue
            for v in row["preempts"]:
                self.assertEqual(jobs[v]["quota"], "flex")
                self.assertEqual(jobs[v]["cluster"], job["cluster"])
                release(v)
            dst = row["destination"]
            src_c, dst_c = clusters[job["cluster"]], clusters[dst["cluster"]]
            when = t(row["move_at"])
            self.assertEqual(sum(dst["node_gpus"]), job["gpus"])
            for n, g in zip(dst["nodes"], dst["node_gpus"]):
                self.assertTrue(can_receive(n, when), f"{name} -> {n} at {when}")
                self.assertEqual(nodes[n]["cluster"], dst["cluster"])
                used[n] += g
                self.assertLessEqual(used[n], nodes[n]["gpus"], f"{name} -> {n}: over its GPUs")
            self.assertEqual({nodes[n]["island"] for n in dst["nodes"]}, {dst["island"]})  # one island
            self.assertEqual(dst_c["sku"], src_c["sku"])
            self.assertTrue(dst["cluster"] == job["cluster"] or dst_c["state"] == "production")
            same = (dst_c["region"], dst_c["provider"]) == (src_c["region"], src_c["provider"])
            self.assertEqual(dst["scope"], "cluster" if dst["cluster"] == job["cluster"] else
                             "region" if same else "fleet")
            if same_region:
                self.assertTrue(same or dst["cluster"] == job["cluster"])
            release(name)
        # Moves are listed in move order: move-by, then priority, GPUs (most first), name.
        names = [x["name"] for x in doc["moves"]]
        self.assertEqual(names, sorted(names, key=key))
        return doc

    def test_plan_properties(self):
        for name, (d, fleet) in self.fleets.items():
            with self.subTest(fleet=name):
                a = self.check_plan(d, fleet, same_region=False)
                b = self.check_plan(d, fleet, same_region=True)
                self.assertGreater(a["summary"]["jobs"], 0)
                self.assertGreaterEqual(a["summary"]["placed"], b["summary"]["placed"])
                self.check_plan(d, fleet, same_region=False, window="2d", lead="36h")

    def test_list_properties(self):
        for name, (d, fleet) in self.fleets.items():
            with self.subTest(fleet=name):
                doc = run("--source", d, "maintenance", "list", "--json", "--state", "all").json()
                at, end = t(doc["at"]), t(doc["until"])
                nodes = {n["name"]: n for n in fleet["nodes"]}
                by_cluster = defaultdict(list)
                for n in fleet["nodes"]:
                    by_cluster[n["cluster"]].append(n["name"])
                want = [e for e in fleet["maintenance"] if e["state"] in ("scheduled", "in_progress")
                        and t(e["start"]) < end and t(e["end"]) > at]
                want.sort(key=lambda e: (t(e["start"]), e["id"]))
                self.assertEqual([e["id"] for e in doc["events"]], [e["id"] for e in want])
                run_on = defaultdict(list)
                for j in fleet["jobs"]:
                    if j["state"] == "running":
                        for n in j.get("nodes", []):
                            run_on[n].append(j["name"])
                for got, e in zip(doc["events"], want):
                    covered = e["nodes"] or by_cluster[e["cluster"]]
                    self.assertEqual(got["gpus"], sum(nodes[n]["gpus"] for n in covered))
                    jobs = {j for n in covered for j in run_on[n]}
                    self.assertEqual(set(got["jobs"]), jobs)
                    action_by = t(e["start"]) - dt.timedelta(hours=12)
                    self.assertEqual(t(got["action_by"]), action_by)
                    self.assertEqual(got["overdue"], bool(jobs) and action_by <= at < t(e["end"]))

    def test_impact_properties(self):
        """Every step, and the value at every event boundary, recomputed from scratch."""
        for name, (d, fleet) in self.fleets.items():
            with self.subTest(fleet=name):
                doc = run("--source", d, "maintenance", "impact", "--json", "--state", "all").json()
                at, end = t(doc["at"]), t(doc["until"])
                nodes = {n["name"]: n for n in fleet["nodes"]}
                by_cluster = defaultdict(list)
                for n in fleet["nodes"]:
                    by_cluster[n["cluster"]].append(n["name"])
                busy = {n for j in fleet["jobs"] if j["state"] == "running" for n in j.get("nodes", [])}
                assigned = defaultdict(int)
                for q in fleet["quotas"]:
                    if q.get("cluster"):
                        assigned[q["cluster"]] += q.get("gpus", 0)
                opened = [e for e in fleet["maintenance"] if e["state"] not in ("completed", "cancelled")]

                def figures(c, when):
                    down = {n for e in opened if e["cluster"] == c and t(e["start"]) <= when < t(e["end"])
                            for n in (e["nodes"] or by_cluster[c])}
                    sched = [n for n in by_cluster[c] if nodes[n]["health"] == "healthy"
                             and not nodes[n].get("cordoned", False) and n not in down]
                    isl = defaultdict(int)
                    for n in sched:
                        if n not in busy:
                            isl[nodes[n]["island"]] += nodes[n]["gpus"]
                    h = sum(nodes[n]["gpus"] for n in sched)
                    return h, max(0, assigned[c] - h), max(isl.values(), default=0)

                checked = 0
                for c in doc["clusters"]:
                    steps = [(t(s["at"]), (s["healthy"], s["unbacked"], s["largest_free_block"])) for s in c["steps"]]
                    times = {at} | {t(e[k]) for e in opened if e["cluster"] == c["name"] for k in ("start", "end")
                                    if at < t(e[k]) < end}
                    for when in sorted(times):
                        in_force = [v for s, v in steps if s <= when][-1]
                        self.assertEqual(in_force, figures(c["name"], when), f"{c['name']} at {when}")
                        checked += 1
                    self.assertEqual(c["min_healthy"], min(v[0] for _, v in steps))
                    self.assertEqual(c["worst_unbacked"], max(v[1] for _, v in steps))
                    self.assertEqual(c["min_largest_free_block"], min(v[2] for _, v in steps))
                    # Steps are only where something changes.
                    for (_, a), (_, b) in zip(steps, steps[1:]):
                        self.assertNotEqual((a[0], a[2]), (b[0], b[2]))
                self.assertGreater(checked, 20)


if __name__ == "__main__":
    harness.main()
