"""Golden screens: every command on examples/fleet/demo as a person sees it, through a real
pseudo-terminal 80, 120 and 200 columns wide (issue 13). The files under tests/data/screens/
were checked by hand against docs/cli.md: no line wider than the terminal except where an
identifying column cannot go, lists shown as counts before columns go, a last line naming
what was hidden, prose wrapped at spaces.

    FLEETCAP_UPDATE_SCREENS=1 python3 tests/e2e/test_screens.py   rewrites them (then read the diff)

`Formulas` checks three of them against the formulas, worked out here from the demo's own files
rather than by the binary: `nodes` (the default view, docs/maintenance.md "fleetcap nodes") and
`jobs --pending --by sku|quota` (docs/jobs.md "Would it start now?"). Their inputs beside the
files are the two figures other suites check: each leaf's `available` (quota --json) and each
cluster's unused GPUs `flex_free` (capacity --json).
"""
import json
import os
import unittest
from datetime import datetime, timedelta

import harness

DEMO = os.path.join(harness.ROOT, "examples", "fleet", "demo")
SCREENS = os.path.join(harness.ROOT, "tests", "data", "screens")
WIDTHS = (80, 120, 200)

COMMANDS = {
    "capacity": ["capacity"],
    "capacity-by-sku": ["capacity", "--by", "sku"],
    "flex": ["flex"],
    "flex-namespace": ["flex", "--namespace", "evals"],
    "quota": ["quota", "--cluster", "h100-use-007"],
    "quota-namespace": ["quota", "--namespace", "evals"],
    "quota-show": ["quota", "show", "chat/h100-use-007"],
    "overalloc-report": ["overalloc", "report", "--jobs"],
    "overalloc-sweep": ["overalloc", "sweep"],
    "overalloc-plan": ["overalloc", "plan"],
    "maintenance-list": ["maintenance", "list"],
    "maintenance-node": ["maintenance", "node", "h200-use-001-n0001"],
    "maintenance-impact": ["maintenance", "impact"],
    "maintenance-plan": ["maintenance", "plan"],
    "flex-contiguous": ["flex", "--gpus", "64", "--contiguous"],
    "nodes-free": ["nodes", "--free", "--cluster", "h100-use-007"],
    "jobs-flex": ["jobs", "--namespace", "evals", "--flex"],
    "jobs-pending-by-cluster": ["jobs", "--pending", "--by", "cluster"],
    "jobs-pending-by-sku": ["jobs", "--pending", "--by", "sku"],
    "jobs-pending-by-quota": ["jobs", "--pending", "--by", "quota"],
    "nodes-default": ["nodes", "--window", "1d"],
    "nodes": ["nodes", "--cluster", "h100-usw-008", "--window", "7d"],
    "help": ["--help"],
    "maintenance-help": ["maintenance"],
}


def on_tty(args, columns):
    """fleetcap on the demo fleet with stdout on a pseudo-terminal `columns` wide."""
    env = harness.clean_env(TERM="xterm", NO_COLOR="1", XDG_CONFIG_HOME="/nonexistent/fleetcap-screens")
    return harness.run_on_tty(["--source", DEMO, *args], env, columns)


class Screens(unittest.TestCase):
    def test_every_command_at_80_120_200_columns(self):
        update = os.environ.get("FLEETCAP_UPDATE_SCREENS") == "1"
        for name, args in COMMANDS.items():
            for width in WIDTHS:
                with self.subTest(command=name, width=width):
                    code, out, err = on_tty(args, width)
                    self.assertEqual(code, 0, err)
                    path = os.path.join(SCREENS, f"{name}-{width}.txt")
                    if update:
                        with open(path, "w") as f:
                            f.write(out)
                    with open(path) as f:
                        self.assertEqual(out, f.read(), path)

    def test_tables_fit_or_say_what_they_hid(self):
        for name in ("capacity", "maintenance-list", "maintenance-plan", "overalloc-report", "quota-namespace",
                     "nodes-free", "jobs-flex", "jobs-pending-by-cluster", "jobs-pending-by-sku",
                     "jobs-pending-by-quota", "nodes-default"):
            for width in WIDTHS:
                with open(os.path.join(SCREENS, f"{name}-{width}.txt")) as f:
                    text = f.read()
                with self.subTest(command=name, width=width):
                    too_wide = [line for line in text.splitlines() if len(line) > width]
                    self.assertEqual(too_wide, [], f"{name} at {width}")

    def test_prose_never_breaks_a_word(self):
        for width in WIDTHS:
            with open(os.path.join(SCREENS, f"help-{width}.txt")) as f:
                for line in f.read().splitlines():
                    self.assertLessEqual(len(line), width, line)


def demo_items(resource):
    with open(os.path.join(DEMO, f"{resource}.json")) as f:
        return json.load(f)["items"]


def rfc3339(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def screen_rows(name):
    """The header and rows of a golden screen at 200 columns, as lists of cells (the note of
    hidden columns and what follows the blank line left out)."""
    with open(os.path.join(SCREENS, f"{name}-200.txt")) as f:
        lines = [line for line in f.read().split("\n\n")[0].splitlines() if not line.startswith("(")]
    return lines[0].split(), [line.split() for line in lines[1:]]


PRIORITY = {"critical": 0, "high": 1, "mid": 2, "low": 3}


def pending_demand():
    """Every pending job of the demo's production clusters with its FITS-NOW, by docs/jobs.md:
    each cluster's queue in order (priority, submit time, none last, then name); an in-quota job
    within its leaf's available starts (free when the cluster's unused GPUs hold it, else quota by
    preempting flex) and spends both; else it starts as flex when the unused GPUs hold it; a flex
    job starts when they do; then the jobs with no cluster, each in the cluster with most unused
    GPUs left. Returns (job, cluster or None, verdict) and the figures it started from."""
    clusters = {c["name"]: c for c in demo_items("clusters") if c["state"] == "production"}
    quota = json.loads(harness.run("--source", DEMO, "quota", "--json").out)
    available = {q["name"]: q["available"] for q in quota["quotas"]}
    capacity = json.loads(harness.run("--source", DEMO, "capacity", "--json").out)
    unused = {c["name"]: c["flex_free"] for c in capacity["clusters"]}
    flex_free = dict(unused)
    left = dict(available)
    order = lambda j: (PRIORITY[j["priority"]], j.get("submitted_at") or "~", j["name"])  # noqa: E731
    pending = sorted((j for j in demo_items("jobs") if j["state"] == "pending"), key=order)
    verdicts = []
    for j in pending:
        c = j.get("cluster")
        if c is None or c not in clusters:
            continue
        if j["quota"] != "flex" and j["gpus"] <= left[j["quota"]]:
            left[j["quota"]] -= j["gpus"]
            fit = "free" if j["gpus"] <= unused[c] else "quota"
            unused[c] = max(0, unused[c] - j["gpus"])
        elif j["gpus"] <= unused[c]:
            unused[c] -= j["gpus"]
            fit = "free" if j["quota"] == "flex" else "flex"
        else:
            fit = "waits"
        verdicts.append((j, c, fit))
    for j in pending:
        if j.get("cluster") is None:
            best = min(clusters, key=lambda c: (-unused[c], c))
            fit = "waits"
            if j["gpus"] <= unused[best]:
                unused[best] -= j["gpus"]
                fit = "free"
            verdicts.append((j, None, fit))
    return verdicts, clusters, available, flex_free


class Formulas(unittest.TestCase):
    def demand(self, key_of, available=None):
        """Groups as the golden's rows: key, pending jobs, GPUs, fits free/quota/flex, waits,
        flex-free (of the group's clusters, each once), [available]; most pending GPUs first."""
        verdicts, clusters, avail, flex_free = pending_demand()
        groups = {}
        for j, c, fit in verdicts:
            g = groups.setdefault(key_of(j, c, clusters), {"jobs": 0, "gpus": 0, "free": 0, "quota": 0, "flex": 0,
                                                            "waits": 0, "clusters": set(), "quota_name": j["quota"]})
            g["jobs"] += 1
            g["gpus"] += j["gpus"]
            g[fit] += j["gpus"]
            if c:
                g["clusters"].add(c)
        rows = []
        for key, g in sorted(groups.items(), key=lambda kv: (-kv[1]["gpus"], kv[0])):
            row = [key, g["jobs"], g["gpus"], g["free"], g["quota"], g["flex"], g["waits"],
                   sum(flex_free[c] for c in g["clusters"])]
            if available:
                row.append(avail[key] if key != "flex" else "-")
            rows.append([str(x) for x in row])
        total = ["TOTAL"] + [str(sum(int(r[i]) for r in rows)) for i in range(1, 7)]
        total.append(str(sum(flex_free[c] for c in clusters)))
        return rows + [total]

    def test_jobs_pending_by_sku(self):
        header, rows = screen_rows("jobs-pending-by-sku")
        self.assertEqual(header[0], "SKU")
        want = self.demand(lambda j, c, clusters: clusters[c]["sku"] if c else "-")
        self.assertEqual(rows, want)
        # h100, h200 and the jobs bound to no cluster; some of each verdict (the figures are not trivial)
        self.assertEqual([r[0] for r in rows], ["h100", "h200", "-", "TOTAL"])
        self.assertTrue(all(int(x) > 0 for x in rows[-1][3:7]), rows[-1])

    def test_jobs_pending_by_quota(self):
        header, rows = screen_rows("jobs-pending-by-quota")
        self.assertEqual(header[0], "QUOTA")
        want = self.demand(lambda j, c, clusters: j["quota"], available=True)
        self.assertEqual(rows, want)
        self.assertGreater(len(rows), 20)

    def test_nodes_default_view(self):
        """Listed: a production cluster's node that is not schedulable (unhealthy, cordoned, or in
        a maintenance event now), else has an open issue, else an open event overlapping
        [at, at + 1d); in that order, then by cluster, island and name. IN-USE: running jobs'
        GPUs, a job's spread evenly over its nodes, the remainder one each to the first listed."""
        at = rfc3339("2026-11-20T12:00:00Z")
        until = at + timedelta(days=1)
        production = {c["name"] for c in demo_items("clusters") if c["state"] == "production"}
        events = {}
        for e in demo_items("maintenance"):
            if e["state"] in ("scheduled", "in_progress"):
                for n in e["nodes"]:
                    events.setdefault(n, []).append((rfc3339(e["start"]), rfc3339(e["end"])))
        used = {}
        for j in demo_items("jobs"):
            if j["state"] == "running":
                share, extra = divmod(j["gpus"], len(j["nodes"]))
                for i, n in enumerate(j["nodes"]):
                    used[n] = used.get(n, 0) + share + (1 if i < extra else 0)
        want = []
        for n in demo_items("nodes"):
            if n["cluster"] not in production:
                continue
            spans = events.get(n["name"], [])
            schedulable = n["health"] == "healthy" and not n.get("cordoned") and not any(s <= at < e for s, e in spans)
            coming = any(s < until and e > at for s, e in spans)
            concern = 0 if not schedulable else 1 if n.get("issues") else 2 if coming else None
            if concern is not None:
                want.append((concern, n["cluster"], n["island"], n["name"], n, schedulable, coming))
        want.sort(key=lambda w: w[:4])
        header, rows = screen_rows("nodes-default")
        self.assertEqual(header[:7], ["NODE", "CLUSTER", "GPUS", "IN-USE", "HEALTH", "CORDONED", "SCHEDULABLE"])
        yes = lambda b: "yes" if b else "no"  # noqa: E731
        self.assertEqual([r[:7] for r in rows],
                         [[n["name"], n["cluster"], str(n["gpus"]), str(used.get(n["name"], 0)), n["health"],
                           yes(n.get("cordoned")), yes(ok)] for _, _, _, _, n, ok, _ in want])
        with open(os.path.join(SCREENS, "nodes-default-200.txt")) as f:
            last = f.read().rstrip().splitlines()[-1]
        count = lambda test: sum(1 for w in want if test(w))  # noqa: E731
        self.assertEqual(
            last, f"{len(want)} nodes ({sum(w[4]['gpus'] for w in want)} GPUs listed): "
            f"{count(lambda w: not w[5])} not schedulable now, {count(lambda w: w[4]['health'] == 'unhealthy')} unhealthy, "
            f"{count(lambda w: w[4].get('cordoned'))} cordoned, {count(lambda w: w[4].get('issues'))} with an open issue, "
            f"{count(lambda w: w[6])} with maintenance before 2026-11-21T12:00Z.")
        self.assertTrue(all(count(lambda w, k=k: w[0] == k) for k in range(3)))

if __name__ == "__main__":
    harness.main()
