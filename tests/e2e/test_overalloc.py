"""End-to-end tests of `fleetcap overalloc report|sweep|plan` (docs/overalloc.md, docs/cli.md, docs/worked-example.md).

Expected numbers were worked out by hand from docs/overalloc.md's formulas; the working is in the
comments. Generated fleets are checked against invariants and against a small independent
Python implementation of docs/overalloc.md (`oracle_cuts`).
"""
import csv
import io
import json
import os
import shutil
import tempfile
import unittest

import fleetgen
import harness
from harness import DATA, WORKED, run

GOLDEN = os.path.join(DATA, "golden")
AT = "2026-11-20T12:00:00Z"  # the worked example's taken_at


def golden(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return f.read()


def by_name(items):
    return {i["name"]: i for i in items}


def read_items(d, resource):
    with open(os.path.join(d, resource + ".json")) as f:
        return json.load(f)["items"]


def write_items(d, resource, items):
    with open(os.path.join(d, resource + ".json"), "w") as f:
        json.dump({"api_version": "v1", "items": items, "next_page_token": None}, f)


def copy_worked(dest, taken_at=None, unhealthy=(), health_history=None):
    """The worked example at another time, with extra unhealthy nodes or another history."""
    shutil.copytree(WORKED, dest)
    if taken_at:
        with open(os.path.join(dest, "snapshot.json"), "w") as f:
            json.dump({"taken_at": taken_at, "source": "test"}, f)
    if unhealthy:
        nodes = read_items(dest, "nodes")
        for n in nodes:
            if n["name"] in unhealthy:
                n["health"] = "unhealthy"
        write_items(dest, "nodes", nodes)
    if health_history is not None:
        write_items(dest, "health_history", health_history)


# Seven daily snapshots at 12:00, Nov 14..20. tiger has 80 schedulable GPUs before m1 starts
# (t05 unhealthy, t12 cordoned) and 72 at Nov 20 12:00 (t11 in m1); lion always 64.
HISTORY_DAYS = [
    ("2026-11-14T12:00:00Z", ()),              # tiger 80
    ("2026-11-15T12:00:00Z", ("t01",)),        # 72
    ("2026-11-16T12:00:00Z", ()),              # 80
    ("2026-11-17T12:00:00Z", ("t01", "t02")),  # 64
    ("2026-11-18T12:00:00Z", ()),              # 80
    ("2026-11-19T12:00:00Z", ()),              # 80
    ("2026-11-20T12:00:00Z", ()),              # 72
]
HISTORY_TIGER = [80, 72, 80, 64, 80, 80, 72]


def make_history_dir(root):
    d = os.path.join(root, "history")
    os.makedirs(d)
    for at, down in HISTORY_DAYS:
        copy_worked(os.path.join(d, at[:10]), at, down)
    # Outside the window (before, and after --at): tiger at 0 would move the median if read.
    everything = tuple(f"t{i:02}" for i in range(1, 13))
    copy_worked(os.path.join(d, "2026-10-01"), "2026-10-01T12:00:00Z", everything)
    copy_worked(os.path.join(d, "2026-11-21"), "2026-11-21T12:00:00Z", everything)
    # A hidden directory (a `snapshot save` in progress) is not a snapshot: never read.
    os.makedirs(os.path.join(d, ".fleet.tmp-123"))
    return d


class WorkedExample(unittest.TestCase):
    """docs/worked-example.md: at 15%, tiger target 61, cut 27; lion target 54, no cut."""

    def test_report_table_golden(self):
        r = run("--source", WORKED, "overalloc", "report")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("overalloc_report_worked.txt"))
        self.assertEqual(r.err, "")

    def test_least_disruptive_table_golden(self):
        r = run("--source", WORKED, "overalloc", "report", "--cut", "least-disruptive", "--jobs")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("overalloc_report_worked_least_disruptive.txt"))

    def test_sweep_table_golden(self):
        r = run("--source", WORKED, "overalloc", "sweep", "--from", "5%", "--to", "20%", "--step", "2.5%")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("overalloc_sweep_worked.txt"))

    def test_plan_table_golden(self):
        r = run("--source", WORKED, "overalloc", "plan", "--phase", "2")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("overalloc_plan_worked_phase2.txt"))

    def test_report_json_pro_rata(self):
        r = run("--source", WORKED, "overalloc", "report", "--json")
        self.assertEqual(r.code, 0, r)
        doc = r.json()
        self.assertEqual(doc["schema"], "fleetcap.overalloc.report/v2")
        self.assertEqual(doc["at"], "2026-11-20T12:00:00Z")
        self.assertEqual(doc["cut_policy"], "pro-rata")
        clusters = by_name(doc["clusters"])
        self.assertEqual(list(clusters), ["tiger", "lion"])  # puma is provisioning
        tiger, lion = clusters["tiger"], clusters["lion"]
        for key, want in (("reference", 72), ("buffer_bp", 1500), ("target", 61), ("assigned", 88), ("cut", 27),
                          ("phase", 4), ("buffer_gpus", 11), ("history_samples", 0)):
            self.assertEqual(tiger[key], want, key)
        self.assertEqual((lion["reference"], lion["target"], lion["cut"], lion["phase"]), (64, 54, 0, 1))
        quotas = by_name(doc["quotas"])
        self.assertEqual(set(quotas), {"research/pretrain", "research/evals", "applied/chat-tiger"})
        self.assertEqual((quotas["research/pretrain"]["cut"], quotas["research/pretrain"]["phase"]), (15, 2))
        self.assertEqual((quotas["research/evals"]["cut"], quotas["research/evals"]["phase"]), (7, 2))
        self.assertEqual(quotas["research/evals"]["idle"], 8)
        self.assertEqual((quotas["applied/chat-tiger"]["cut"], quotas["applied/chat-tiger"]["phase"]), (5, 4))
        for q in quotas.values():
            self.assertEqual(set(q) >= {"name", "cluster", "assigned", "free", "idle", "cut", "phase"}, True)
        self.assertEqual(doc["preempted_jobs"],
                         [{"name": "j3", "namespace": "chat", "quota": "applied/chat-tiger", "cluster": "tiger",
                           "priority": "critical", "gpus": 16, "started_at": "2026-11-05T09:15:00Z"}])
        s = doc["summary"]
        self.assertEqual(
            {k: s[k] for k in ("clusters", "clusters_over_target", "assigned", "cut", "cut_by_phase",
                               "quotas_affected", "jobs_preempted", "gpus_preempted")},
            {"clusters": 2, "clusters_over_target": 1, "assigned": 136, "cut": 27,
             "cut_by_phase": {"2": 22, "3": 0, "4": 5}, "quotas_affected": 3, "jobs_preempted": 1,
             "gpus_preempted": 16})
        self.assertEqual(s["text"], "1 of 2 clusters are over their target (50%); 27 of 136 assigned GPUs would be "
                                    "cut (19.9%): 22 from unscheduled quota, 0 from idle jobs, 5 from running jobs "
                                    "(1 job preempted)")

    def test_report_json_least_disruptive(self):
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--cut", "least-disruptive").json()
        quotas = by_name(doc["quotas"])
        self.assertEqual({n: (q["cut"], q["phase"]) for n, q in quotas.items()},
                         {"research/evals": (14, 2), "research/pretrain": (13, 2)})
        self.assertEqual(doc["preempted_jobs"], [])
        self.assertEqual(doc["summary"]["cut_by_phase"], {"2": 27, "3": 0, "4": 0})
        self.assertEqual(by_name(doc["clusters"])["tiger"]["phase"], 2)

    def test_phase_filter(self):
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--phase", "4").json()
        self.assertEqual(doc["phase"], 4)
        self.assertEqual([c["name"] for c in doc["clusters"]], ["tiger"])
        self.assertEqual([q["name"] for q in doc["quotas"]], ["applied/chat-tiger"])
        self.assertEqual(doc["summary"]["cut"], 27)  # the summary always covers every phase
        self.assertEqual([t["name"] for t in doc["trees"]], ["applied"])
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--phase", "2").json()
        self.assertEqual([t["name"] for t in doc["trees"]], ["research"])  # pretrain 15, evals 7
        self.assertEqual([q["name"] for q in doc["quotas"]], ["research/pretrain", "research/evals"])
        self.assertEqual(doc["preempted_jobs"], [])
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--phase", "1").json()
        self.assertEqual([c["name"] for c in doc["clusters"]], ["lion"])
        self.assertEqual(doc["quotas"], [])

    def test_by_tree(self):
        r = run("--source", WORKED, "overalloc", "report", "--by", "tree", "--format", "csv")
        rows = by_name(csv.DictReader(io.StringIO(r.out)))
        # applied: chat-tiger 16 + chat-lion 16, cut 5; research: 48 + 24 + 24 + 8, cut 22.
        self.assertEqual((rows["applied"]["assigned"], rows["applied"]["cut"], rows["applied"]["phase"]),
                         ("32", "5", "4"))
        self.assertEqual((rows["research"]["assigned"], rows["research"]["cut"], rows["research"]["clusters"]),
                         ("104", "22", "2"))

    def test_sort(self):
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--sort", "cut").json()
        self.assertEqual([q["name"] for q in doc["quotas"]],
                         ["research/pretrain", "research/evals", "applied/chat-tiger"])  # 15, 7, 5
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--sort", "NAME").json()
        self.assertEqual([c["name"] for c in doc["clusters"]], ["lion", "tiger"])
        self.assertEqual([q["name"] for q in doc["quotas"]],
                         ["applied/chat-tiger", "research/evals", "research/pretrain"])
        self.assertEqual(run("--source", WORKED, "overalloc", "report", "--sort", "bogus").code, 2)

    def test_buffer_for(self):
        # lion at 50%: target 32, cut 16 → research/lion 8, lion-evals 3, chat-lion 5 (pro-rata).
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--buffer-for", "lion=50%").json()
        lion = by_name(doc["clusters"])["lion"]
        self.assertEqual((lion["buffer_bp"], lion["buffer_source"], lion["target"], lion["cut"]),
                         (5000, "buffer_for", 32, 16))
        self.assertEqual(by_name(doc["clusters"])["tiger"]["buffer_bp"], 1500)
        q = by_name(doc["quotas"])
        self.assertEqual((q["research/lion"]["cut"], q["research/lion-evals"]["cut"], q["applied/chat-lion"]["cut"]),
                         (8, 3, 5))
        self.assertEqual(sorted(j["name"] for j in doc["preempted_jobs"]), ["j3", "k1", "k2"])

    def test_integer_buffer(self):
        # 15% of 80 is exactly 12: at 25% tiger keeps floor(0.75 × 72) = 54, lion 48 exactly.
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--buffer", "25").json()
        c = by_name(doc["clusters"])
        self.assertEqual((c["tiger"]["target"], c["lion"]["target"], c["lion"]["cut"]), (54, 48, 0))

    def test_plan_phase_by_phase(self):
        want_final = {"research/pretrain": 33, "research/evals": 17, "applied/chat-tiger": 11,
                      "research/lion": 24, "research/lion-evals": 8, "applied/chat-lion": 16}
        applied_cut = {}
        for phase in (None, "1", "2", "3", "4"):
            args = ["--source", WORKED, "overalloc", "plan", "--json"] + (["--phase", phase] if phase else [])
            doc = run(*args).json()
            self.assertEqual(doc["schema"], "fleetcap.overalloc.plan/v1")
            quotas = by_name(doc["quotas"])
            self.assertEqual(set(quotas), set(want_final))
            for name, q in quotas.items():
                self.assertEqual(q["final_gpus"], want_final[name])
                self.assertEqual(q["old_gpus"] - q["gpus"], q["cut"])
                self.assertEqual(q["deferred"], q["gpus"] != q["final_gpus"])
            applied_cut[phase] = doc["totals"]["cut"]
        # Phase 1 changes no quota; phase 2 applies pretrain 15 + evals 7; phase 4 everything.
        self.assertEqual(applied_cut, {None: 27, "1": 0, "2": 22, "3": 22, "4": 27})

    def test_sweep_json_matches_report(self):
        sweep = run("--source", WORKED, "overalloc", "sweep", "--json").json()
        self.assertEqual(sweep["schema"], "fleetcap.overalloc.sweep/v1")
        self.assertEqual([b["buffer_bp"] for b in sweep["buffers"]], [500, 750, 1000, 1250, 1500, 1750, 2000])
        at15 = [b for b in sweep["buffers"] if b["buffer_bp"] == 1500][0]
        report = run("--source", WORKED, "overalloc", "report", "--json").json()["summary"]
        del report["text"]
        self.assertEqual({k: at15[k] for k in report}, report)
        # 20%: tiger target 57, cut 31 → pretrain 17 (> free 16: preempt j1), evals 8, chat-tiger 6.
        at20 = sweep["buffers"][-1]
        self.assertEqual((at20["cut"], at20["cut_by_phase"], at20["jobs_preempted"], at20["gpus_preempted"]),
                         (31, {"2": 8, "3": 0, "4": 23}, 2, 48))

    def test_csv(self):
        r = run("--source", WORKED, "overalloc", "report", "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(r.out)))
        self.assertEqual([(x["name"], x["target"], x["cut"], x["phase"]) for x in rows],
                         [("tiger", "61", "27", "4"), ("lion", "54", "0", "1")])
        r = run("--source", WORKED, "overalloc", "report", "--format", "csv", "--jobs")
        self.assertEqual(r.out.splitlines()[1:], ["j3,chat,applied/chat-tiger,tiger,critical,16,2026-11-05T09:15:00Z"])

    def test_global_options_after_the_subcommand(self):
        a = run("--source", WORKED, "--json", "overalloc", "report").json()
        b = run("overalloc", "report", "--source", WORKED, "--json").json()
        self.assertEqual(harness.without_run_times(a), harness.without_run_times(b))

    def test_filters(self):
        doc = run("--source", WORKED, "overalloc", "report", "--json", "--cluster", "lion").json()
        self.assertEqual([c["name"] for c in doc["clusters"]], ["lion"])
        self.assertEqual(doc["summary"]["assigned"], 48)
        r = run("--source", WORKED, "overalloc", "report", "--cluster", "nosuch")
        self.assertEqual((r.code, r.out), (2, ""))
        self.assertIn('--cluster: no cluster named "nosuch"', r.err)


class History(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-overalloc-")
        cls.history = make_history_dir(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def report(self, *args):
        r = run("--source", WORKED, "overalloc", "report", "--json", "--history", self.history, *args)
        self.assertEqual(r.code, 0, r)
        return r

    def test_history_dir_median_is_the_reference(self):
        r = self.report()
        self.assertEqual(r.err, "")  # 7 samples each: no warning
        doc = r.json()
        self.assertEqual(doc["history"]["source"], "snapshots")
        self.assertEqual(doc["history"]["snapshots"], 7)
        tiger = by_name(doc["clusters"])["tiger"]
        # 64 72 72 80 80 80 80: lower median 80, p10 rank 1 = 64. Target 80 − 12 = 68, cut 20.
        self.assertEqual((tiger["history_samples"], tiger["history_median"], tiger["history_p10"]), (7, 80, 64))
        self.assertEqual((tiger["history_first"], tiger["history_last"]),
                         ("2026-11-14T12:00:00Z", "2026-11-20T12:00:00Z"))
        self.assertEqual((tiger["healthy"], tiger["reference"], tiger["target"], tiger["cut"]), (72, 80, 68, 20))
        # 20 × 48/88 = 10.9, × 24/88 = 5.45, × 16/88 = 3.64 → 10 + 5 + 3, then pretrain and chat-tiger.
        q = by_name(doc["quotas"])
        self.assertEqual({n: (x["cut"], x["phase"]) for n, x in q.items()},
                         {"research/pretrain": (11, 2), "research/evals": (5, 2), "applied/chat-tiger": (4, 4)})
        self.assertEqual(doc["summary"]["text"].split(";")[1].split(":")[0],
                         " 20 of 136 assigned GPUs would be cut (14.7%)")

    def test_health_history_resource_gives_the_same_answer(self):
        samples = []
        for (at, _), tiger in zip(HISTORY_DAYS, HISTORY_TIGER):
            samples.append({"cluster": "tiger", "at": at, "healthy_gpus": tiger, "total_gpus": 96})
            samples.append({"cluster": "lion", "at": at, "healthy_gpus": 64, "total_gpus": 64})
        src = os.path.join(self.tmp, "with-history")
        copy_worked(src, health_history=samples)
        a = run("--source", src, "overalloc", "report", "--json").json()
        b = self.report().json()
        self.assertEqual(a["history"]["source"], "health_history")
        self.assertEqual(a["clusters"], b["clusters"])
        self.assertEqual(a["quotas"], b["quotas"])
        table = run("--source", src, "overalloc", "report").out
        self.assertIn("Reference: median healthy GPUs of 7 samples per cluster from health_history, "
                      "2026-11-14 to 2026-11-20 (window 28d up to 2026-11-20T12:00:00Z).", table)
        self.assertIn("SAMPLES", table.splitlines()[3])

    def test_from_the_fleet_api(self):
        # health_history over paged HTTP gives what the directory gives; a 404 for it is "none".
        # An API has no taken_at: --at pins "now" to the worked example's time.
        samples = [{"cluster": "tiger", "at": at, "healthy_gpus": t, "total_gpus": 96}
                   for (at, _), t in zip(HISTORY_DAYS, HISTORY_TIGER)]
        src = os.path.join(self.tmp, "served")
        copy_worked(src, health_history=samples)
        want = run("--source", src, "-q", "overalloc", "report", "--json").json()
        with harness.Server(src, "--page-size", "3", "--gzip") as server:
            got = run("--source", server.url, "--at", AT, "-q", "overalloc", "report", "--json").json()
        self.assertEqual(got["clusters"], want["clusters"])
        self.assertEqual(by_name(got["clusters"])["tiger"]["reference"], 80)
        with harness.Server(src, "--fault", "health_history:404") as server:
            r = run("--source", server.url, "--at", AT, "overalloc", "report", "--json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("taking it as none", r.err)
        self.assertEqual(by_name(r.json()["clusters"])["tiger"]["cut"], 27)  # back to R = H = 72

    def test_auto_buffer(self):
        # tiger dips (80 − 64) / 80 = 20%: clamped to 15% by default, 20% within 5%..25%
        # (target 64, cut 24 → 13.09, 6.55, 4.36 → 13 + 6 + 4, one more to evals). lion never
        # dips: 0%, clamped up to 5%, target floor(0.95 × 64) = 60.
        doc = self.report("--buffer", "auto").json()
        c = by_name(doc["clusters"])
        self.assertEqual((c["tiger"]["buffer_bp"], c["tiger"]["buffer_source"]), (1500, "auto"))
        self.assertEqual((c["lion"]["buffer_bp"], c["lion"]["target"]), (500, 60))
        doc = self.report("--buffer", "auto:5%..25%").json()
        c = by_name(doc["clusters"])
        self.assertEqual((c["tiger"]["buffer_bp"], c["tiger"]["target"], c["tiger"]["cut"]), (2000, 64, 24))
        self.assertEqual({n: x["cut"] for n, x in by_name(doc["quotas"]).items()},
                         {"research/pretrain": 13, "research/evals": 7, "applied/chat-tiger": 4})
        self.assertEqual(doc["buffer"], {"mode": "auto", "bp": None, "auto_min_bp": 500, "auto_max_bp": 2500,
                                         "per_cluster": {}})

    def test_short_window_warns(self):
        # (Nov 15 12:00, Nov 20 12:00]: Nov 16..20 → 80 64 80 80 72, median 80.
        r = self.report("--window", "5d")
        self.assertIn("fleetcap: warning: 2 clusters have fewer than 7 health samples in the 5d window", r.err)
        tiger = by_name(r.json()["clusters"])["tiger"]
        self.assertEqual((tiger["history_samples"], tiger["reference"]), (5, 80))

    def test_bad_history_subdirectory(self):
        d = os.path.join(self.tmp, "bad")
        os.makedirs(os.path.join(d, "notes"))
        r = run("--source", WORKED, "overalloc", "report", "--history", d)
        self.assertEqual(r.code, 3, r)
        self.assertIn("has no snapshot.json", r.err)
        self.assertEqual(r.out, "")
        r = run("--source", WORKED, "overalloc", "report", "--history", os.path.join(self.tmp, "missing"))
        self.assertEqual(r.code, 1, r)


class Usage(unittest.TestCase):
    def assertUsage(self, *args, message):
        r = run("--source", WORKED, "overalloc", *args)
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "")
        self.assertIn(message, r.err)

    def test_usage_errors(self):
        self.assertUsage("report", "--buffer", "auto", message="--buffer auto needs health history")
        self.assertUsage("report", "--buffer", "101%", message="is not a percentage")
        self.assertUsage("report", "--buffer", "2.555%", message="is not a percentage")
        self.assertUsage("report", "--buffer", "auto:20%..5%", message="MIN is above MAX")
        self.assertUsage("report", "--buffer-for", "tiger", message="write CLUSTER=PCT")
        self.assertUsage("report", "--buffer-for", "nosuch=5%", message='no cluster named "nosuch"')
        self.assertUsage("report", "--phase", "5", message="--phase")
        self.assertUsage("report", "--cut", "random", message="--cut")
        self.assertUsage("report", "--window", "0", message="--window")
        self.assertUsage("sweep", "--from", "20%", "--to", "5%", message="is above --to")
        self.assertUsage("sweep", "--step", "0", message="--step must be above 0%")
        # Bare `overalloc` prints its help (docs/cli.md: a command group shows its own help).
        r = run("--source", WORKED, "overalloc")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Usage: fleetcap overalloc", r.out)

    def test_help_has_examples(self):
        for sub in ("report", "sweep", "plan"):
            r = run("overalloc", sub, "--help")
            self.assertEqual(r.code, 0, r)
            self.assertIn("Examples:", r.out)


# ---- generated fleets -------------------------------------------------------------------

def largest_remainder(total, weights, names):
    """docs/figures.md largest remainder, written independently of the C++."""
    s = sum(weights)
    if s <= 0 or total <= 0:
        return [0] * len(weights)
    parts = [total * w // s for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % s), names[i].encode()))
    for i in order[:total - sum(parts)]:
        parts[i] += 1
    return parts


def oracle_cuts(data, report, policy):
    """Per leaf quota: (cut, phase), from the fleet's items and the report's per-cluster target."""
    quotas = data["quotas"]
    jobs = [j for j in data["jobs"] if j["state"] == "running" and j["quota"] != "flex"]
    out = {}
    for c in report["clusters"]:
        leaves = [q for q in quotas if q.get("cluster") == c["name"] and "gpus" in q]
        names = [q["name"] for q in leaves]
        assigned = [q["gpus"] for q in leaves]
        used = [sum(j["gpus"] for j in jobs if j["quota"] == n) for n in names]
        idle = [sum(j["gpus"] for j in jobs if j["quota"] == n and j.get("idle")) for n in names]
        free = [max(0, a - u) for a, u in zip(assigned, used)]
        cut = max(0, sum(assigned) - c["target"])
        if policy == "pro-rata":
            parts = largest_remainder(cut, assigned, names)
        else:
            parts = largest_remainder(min(cut, sum(free)), free, names)
            left = cut - min(cut, sum(free))
            idle2 = [min(i, a - p) for i, a, p in zip(idle, assigned, parts)]
            second = largest_remainder(min(left, sum(idle2)), idle2, names)
            left -= min(left, sum(idle2))
            parts = [p + s for p, s in zip(parts, second)]
            third = largest_remainder(left, [a - p for a, p in zip(assigned, parts)], names)
            parts = [p + t for p, t in zip(parts, third)]
        for n, k, f, i in zip(names, parts, free, idle):
            out[n] = (k, 1 if k == 0 else 2 if k <= f else 3 if k <= f + i else 4)
    return out


def lower_median_reference(data, at, window_days=28):
    """Per cluster: the lower median of healthy_gpus over (at − window, at], from the items."""
    import datetime as dt
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    end = parse(at)
    start = end - dt.timedelta(days=window_days)
    samples = {}
    for h in data["health_history"]:
        if start < parse(h["at"]) <= end:
            samples.setdefault(h["cluster"], []).append(h["healthy_gpus"])
    return {c: sorted(v)[(len(v) - 1) // 2] for c, v in samples.items()}


class GeneratedFleets(unittest.TestCase):
    """The shared generated fleets of fleetgen.py, at several buffers and both policies."""
    BUFFERS = ("5%", "15%", "30%", "50%")

    @classmethod
    def setUpClass(cls):
        cls.fleets = fleetgen.generated()

    def doc(self, d, *args):
        r = run("--source", d, "-q", "overalloc", *args, "--json")
        self.assertEqual(r.code, 0, r)
        return r.json()

    def check_report(self, data, report, plan, policy):
        clusters = by_name(report["clusters"])
        leaves = by_name(plan["quotas"])
        affected = by_name(report["quotas"])
        cut_by_phase = {"2": 0, "3": 0, "4": 0}
        for name, c in clusters.items():
            mine = [q for q in leaves.values() if q["cluster"] == name]
            # Σ quota cuts = cluster cut; no quota cut above its assigned.
            self.assertEqual(sum(q["old_gpus"] - q["final_gpus"] for q in mine), c["cut"], name)
            self.assertEqual(sum(q["cut"] for q in affected.values() if q["cluster"] == name), c["cut"], name)
            self.assertEqual(c["cut"], max(0, c["assigned"] - c["target"]))
            self.assertEqual(c["target"], (10000 - c["buffer_bp"]) * c["reference"] // 10000)
            for q in mine:
                self.assertTrue(0 <= q["old_gpus"] - q["final_gpus"] <= q["old_gpus"], q)
            # The cluster's phase is the highest of its quotas' cuts, 1 without a cut.
            phases = [q["phase"] for q in mine if q["final_gpus"] < q["old_gpus"]]
            self.assertEqual(c["phase"], max(phases) if phases else 1, name)
        for name, q in affected.items():
            self.assertLessEqual(q["cut"], q["assigned"])
            want = 2 if q["cut"] <= q["free"] else 3 if q["cut"] <= q["free"] + q["idle"] else 4
            self.assertEqual(q["phase"], want, name)
            cut_by_phase[str(q["phase"])] += q["cut"]
            self.assertEqual(q["cut_from_unscheduled"] + q["cut_from_idle"] + q["cut_from_running"], q["cut"])
            # Preempted jobs cover the GPUs beyond free + idle, and the last one was needed.
            jobs = [j for j in report["preempted_jobs"] if j["quota"] == name]
            need = q["cut_from_running"]
            got = sum(j["gpus"] for j in jobs)
            self.assertGreaterEqual(got, need, name)
            if jobs:
                self.assertLess(got - jobs[-1]["gpus"], need, name)
            self.assertEqual(bool(jobs), q["phase"] == 4)
        self.assertEqual(report["summary"]["cut_by_phase"], cut_by_phase)
        self.assertEqual(sum(cut_by_phase.values()), report["summary"]["cut"])
        # An independent computation of the split agrees, quota by quota.
        oracle = oracle_cuts(data, report, policy)
        for name, q in leaves.items():
            self.assertEqual((q["old_gpus"] - q["final_gpus"], q["phase"]), oracle[name], name)

    def test_invariants(self):
        for d, data in self.fleets:
            for buffer in self.BUFFERS:
                with self.subTest(fleet=os.path.basename(d), buffer=buffer):
                    pr = self.doc(d, "report", "--buffer", buffer)
                    ld = self.doc(d, "report", "--buffer", buffer, "--cut", "least-disruptive")
                    self.check_report(data, pr, self.doc(d, "plan", "--buffer", buffer), "pro-rata")
                    self.check_report(data, ld, self.doc(d, "plan", "--buffer", buffer, "--cut", "least-disruptive"),
                                      "least-disruptive")
                    # The same clusters and cuts either way; only the split differs.
                    self.assertEqual([(c["name"], c["cut"]) for c in pr["clusters"]],
                                     [(c["name"], c["cut"]) for c in ld["clusters"]])
                    # Least-disruptive takes no more from running jobs (a theorem), and on these
                    # fleets preempts no more GPUs (not a theorem: see test_overalloc.cpp).
                    self.assertLessEqual(ld["summary"]["cut_from_running"], pr["summary"]["cut_from_running"])
                    self.assertLessEqual(ld["summary"]["gpus_preempted"], pr["summary"]["gpus_preempted"])
                    for a, b in zip(ld["clusters"], pr["clusters"]):
                        self.assertLessEqual(a["cut_from_running"], b["cut_from_running"], a["name"])

    def test_reference_is_the_lower_median_of_the_window(self):
        for d, data in self.fleets:
            with self.subTest(fleet=os.path.basename(d)):
                report = self.doc(d, "report", "--buffer", "50%")
                want = lower_median_reference(data, report["at"])
                clusters, quotas = fleetgen.reference_figures(d)  # scripts/check-fleet, docs/figures.md
                for c in report["clusters"]:
                    self.assertEqual(c["healthy"], clusters[c["name"]]["healthy"], c["name"])
                    self.assertEqual(c["assigned"], clusters[c["name"]]["assigned"], c["name"])
                    self.assertEqual(c["reference"], want.get(c["name"], c["healthy"]), c["name"])
                    self.assertEqual(c["history_samples"] > 0, c["name"] in want)
                for q in report["quotas"]:
                    ref = quotas[q["name"]]
                    self.assertEqual((q["assigned"], q["used"], q["free"]), (ref["assigned"], ref["used"], ref["free"]))

    def test_plan_phases_are_ordered(self):
        d = self.fleets[1][0]  # at 30% it has cuts in phases 2, 3 and 4
        applied = []
        for phase in ("1", "2", "3", "4"):
            plan = self.doc(d, "plan", "--phase", phase, "--buffer", "30%")
            applied.append({q["name"]: q["old_gpus"] - q["gpus"] for q in plan["quotas"]})
            for q in plan["quotas"]:
                self.assertEqual(q["gpus"] != q["old_gpus"], q["phase"] <= int(phase) and q["cut"] > 0)
        summary = self.doc(d, "report", "--buffer", "30%")["summary"]
        totals = [sum(a.values()) for a in applied]
        byp = summary["cut_by_phase"]
        self.assertTrue(all(byp.values()), byp)  # otherwise this test proves less than it says
        self.assertEqual(totals, [0, byp["2"], byp["2"] + byp["3"], summary["cut"]])
        for earlier, later in zip(applied, applied[1:]):
            for name, cut in earlier.items():
                self.assertTrue(cut == 0 or later[name] == cut, name)  # once applied, a cut stays

    def test_sweep_rows_equal_reports(self):
        d = self.fleets[2][0]
        sweep = self.doc(d, "sweep", "--from", "0", "--to", "40%", "--step", "10%")
        self.assertEqual([b["buffer_bp"] for b in sweep["buffers"]], [0, 1000, 2000, 3000, 4000])
        cuts = [b["cut"] for b in sweep["buffers"]]
        self.assertEqual(cuts, sorted(cuts))  # a bigger buffer never cuts less
        for row in sweep["buffers"]:
            report = self.doc(d, "report", "--buffer", str(row["buffer_bp"] / 100))["summary"]
            del report["text"]
            self.assertEqual({k: row[k] for k in report}, report)


if __name__ == "__main__":
    harness.main()
