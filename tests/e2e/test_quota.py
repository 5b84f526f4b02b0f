"""`fleetcap quota` and `quota show`: docs/worked-example.md tables, access gating, and invariants on generated fleets."""
import os
import unittest

import fleetgen
import harness
from harness import DATA, WORKED, run

SMALL = os.path.join(DATA, "fleets", "small")
GOLDEN = os.path.join(DATA, "golden")
FIGURES = ("assigned", "used", "free", "borrowed", "borrowable", "available", "unbacked")
SUMMED = ("assigned", "used", "free", "borrowed", "unbacked")


def golden(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return f.read()


def by_name(items):
    return {i["name"]: i for i in items}


def tree_order(quotas, keep):
    """Leaf names in the order of a depth-first walk by name at every level, recomputed from quotas.json."""
    children = {}
    for q in quotas:
        children.setdefault(q.get("parent"), []).append(q["name"])
    out = []

    def walk(name):
        kids = sorted(children.get(name, []), key=lambda s: s.encode())
        if not kids:
            if keep(name):
                out.append(name)
            return
        for k in kids:
            walk(k)
    for root in sorted(children.get(None, []), key=lambda s: s.encode()):
        walk(root)
    return out


class WorkedExample(unittest.TestCase):
    def test_table_is_spec_8(self):
        r = run("--source", WORKED, "quota")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("quota-worked.txt"))

    def test_json_is_spec_8(self):
        doc = run("--source", WORKED, "quota", "--json").json()
        self.assertEqual(doc["schema"], "fleetcap.quota/v1")
        self.assertIsNone(doc["namespace"])
        want = {  # docs/worked-example.md: assigned, used, free, borrowed, borrowable, available, unbacked
            "research/pretrain": (48, 32, 16, 0, 16, 16, 9),
            "research/evals": (24, 8, 16, 0, 16, 16, 4),
            "applied/chat-tiger": (16, 16, 0, 0, 0, 0, 3),
            "research/lion": (24, 32, 0, 8, 0, 0, 0),
            "research/lion-evals": (8, 0, 8, 0, 0, 8, 0),
            "applied/chat-lion": (16, 16, 0, 0, 0, 0, 0),
        }
        quotas = by_name(doc["quotas"])
        self.assertEqual(set(quotas), set(want))
        for name, q in quotas.items():
            self.assertEqual(tuple(q[k] for k in FIGURES), want[name], name)
        self.assertEqual(quotas["research/pretrain"]["access"], ["pretrain"])
        self.assertIsNone(quotas["research/lion"]["access"])
        self.assertEqual((quotas["research/evals"]["parent"], quotas["research/evals"]["tree"],
                          quotas["research/evals"]["cluster"]), ("research", "research", "tiger"))
        groups = by_name(doc["groups"])
        self.assertEqual(groups["research"]["leaves"], 4)
        self.assertEqual({k: groups["research"][k] for k in SUMMED},
                         {"assigned": 104, "used": 72, "free": 40, "borrowed": 8, "unbacked": 13})
        self.assertNotIn("available", groups["research"])
        self.assertEqual(doc["totals"], {"assigned": 136, "used": 104, "free": 40, "borrowed": 8, "unbacked": 16})

    def test_namespace_gating(self):
        def names(ns):
            return [q["name"] for q in run("--source", WORKED, "quota", "--namespace", ns, "--json").json()["quotas"]]
        self.assertEqual(names("pretrain"), ["applied/chat-lion", "applied/chat-tiger", "research/evals",
                                             "research/lion", "research/lion-evals", "research/pretrain"])
        self.assertEqual(names("evals"), ["applied/chat-lion", "applied/chat-tiger", "research/evals",
                                          "research/lion", "research/lion-evals"])
        self.assertEqual(names("chat"), ["applied/chat-lion", "applied/chat-tiger", "research/lion",
                                         "research/lion-evals"])
        self.assertEqual(run("--source", WORKED, "quota", "--namespace", "evals").out,
                         golden("quota-worked-namespace-evals.txt"))

    def test_namespace_shows_flex_beside_each_quota(self):
        doc = run("--source", WORKED, "quota", "--namespace", "chat", "--json").json()
        self.assertEqual(doc["namespace"], "chat")
        self.assertEqual(doc["groups"], [])
        q = by_name(doc["quotas"])["applied/chat-tiger"]
        # tiger: 8 flex free, 0 stable; chat has no flex job there, so it shares with evals: 16 / 2.
        self.assertEqual((q["available"], q["flex_free"], q["flex_stable_free"], q["fair_share"],
                          q["namespace_flex_used"], q["flex_within_share"], q["serve"]), (0, 8, 0, 8, 0, 8, "flex"))
        q = by_name(doc["quotas"])["research/lion-evals"]
        self.assertEqual((q["available"], q["serve"]), (8, "quota"))

    def test_show_leaf(self):
        r = run("--source", WORKED, "quota", "show", "research/pretrain")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("quota-show-research-pretrain.txt"))
        doc = run("--source", WORKED, "quota", "show", "research/pretrain", "--json").json()
        self.assertEqual(doc["schema"], "fleetcap.quota.show/v1")
        self.assertEqual(tuple(doc["quota"][k] for k in FIGURES), (48, 32, 16, 0, 16, 16, 9))
        self.assertTrue(doc["quota"]["leaf"])
        self.assertEqual([(j["order"], j["name"], j["state"]) for j in doc["jobs"]],
                         [(1, "j5", "pending"), (2, "j1", "running")])
        self.assertEqual([s["name"] for s in doc["siblings"]], ["research/evals"])
        self.assertEqual(doc["tree_in_cluster"], {"tree": "research", "cluster": "tiger", "assigned": 72, "used": 40,
                                                  "free": 32, "borrowed": 0, "unbacked": 13, "unused": 32})
        self.assertEqual((doc["cluster"]["healthy"], doc["cluster"]["assigned"], doc["cluster"]["unbacked"]),
                         (72, 88, 16))
        self.assertEqual(doc["cluster"]["not_schedulable"],
                         {"unhealthy": 8, "unhealthy_nodes": 1, "cordoned": 8, "cordoned_nodes": 1,
                          "maintenance": 8, "maintenance_nodes": 1})

    def test_show_group(self):
        doc = run("--source", WORKED, "quota", "show", "research", "--json").json()
        self.assertFalse(doc["quota"]["leaf"])
        self.assertEqual(doc["quota"]["assigned"], 104)
        self.assertEqual([q["name"] for q in doc["quotas"]],
                         ["research/evals", "research/lion", "research/lion-evals", "research/pretrain"])
        self.assertEqual([j["name"] for j in doc["jobs"]], ["j5", "k2", "j2", "j1"])

    def test_show_unknown_is_a_usage_error(self):
        r = run("--source", WORKED, "quota", "show", "research/nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "")
        self.assertIn('no quota named "research/nope"', r.err)
        self.assertEqual(run("--source", WORKED, "quota", "show").code, 2)

    def test_csv_has_leaves_only(self):
        r = run("--source", WORKED, "quota", "--format", "csv")
        lines = r.out.splitlines()
        self.assertEqual(lines[0], "name,parent,tree,cluster,assigned,used,free,borrowed,borrowable,available,"
                                   "unbacked,access")
        self.assertEqual(len(lines), 7)

    def test_csv_and_json_have_the_same_fields(self):
        # One column list drives both (issue 13): JSON adds only where a row sits in the tree.
        for extra in ([], ["--namespace", "evals"]):
            header = run("--source", WORKED, "quota", "-o", "csv", *extra).out.splitlines()[0].split(",")
            doc = run("--source", WORKED, "quota", "--json", *extra).json()
            for q in doc["quotas"]:
                self.assertEqual([k for k in q if k != "depth"], header, extra)
        group = run("--source", WORKED, "quota", "--json").json()["groups"][0]
        self.assertEqual(list(group), ["name", "parent", "tree", "depth", "leaves", "assigned", "used", "free",
                                       "borrowed", "unbacked", "access"])


class SmallFleet(unittest.TestCase):
    def test_state_all_tree(self):
        self.assertEqual(run("--source", SMALL, "--state", "all", "quota").out, golden("quota-small-all.txt"))

    def test_show_explains_a_lender(self):
        self.assertEqual(run("--source", SMALL, "quota", "show", "lab/nlp/elk").out,
                         golden("quota-show-lab-nlp-elk.txt"))


class GeneratedFleets(unittest.TestCase):
    """Invariants of docs/figures.md on fleets from scripts/gen-fleet, against an independent reading."""

    def test_leaf_figures_match_the_reference(self):
        for d, _ in fleetgen.generated():
            _, ref = fleetgen.reference_figures(d)
            quotas = by_name(run("--source", d, "--state", "all", "quota", "--json").json()["quotas"])
            self.assertEqual(set(quotas), set(ref), d)
            for name, q in quotas.items():
                self.assertEqual({k: q[k] for k in FIGURES}, ref[name], name)

    def test_invariants(self):
        for d, data in fleetgen.generated():
            doc = run("--source", d, "--state", "all", "quota", "--json").json()
            cap = by_name(run("--source", d, "--state", "all", "capacity", "--json").json()["clusters"])
            unbacked = {}
            for q in doc["quotas"]:
                unbacked[q["cluster"]] = unbacked.get(q["cluster"], 0) + q["unbacked"]
                self.assertLessEqual(q["available"], q["free"] + q["borrowable"], q["name"])
                self.assertEqual(q["free"] - q["borrowed"], q["assigned"] - q["used"], q["name"])
            for name, c in cap.items():
                self.assertEqual(unbacked.get(name, 0), c["unbacked"], (d, name))
            # Groups: the sums of the leaves below them (by parent, not by name).
            parent = {q["name"]: q.get("parent") for q in data["quotas"]}

            def ancestors(name):
                while parent.get(name):
                    name = parent[name]
                    yield name
            for g in doc["groups"]:
                below = [q for q in doc["quotas"] if g["name"] in ancestors(q["name"])]
                self.assertEqual(g["leaves"], len(below), g["name"])
                for k in SUMMED:
                    self.assertEqual(g[k], sum(q[k] for q in below), (g["name"], k))
            self.assertEqual(doc["totals"], {k: sum(q[k] for q in doc["quotas"]) for k in SUMMED})

    def test_tree_order_is_stable_and_by_name(self):
        for d, data in fleetgen.generated():
            prod = {c["name"] for c in data["clusters"] if c["state"] == "production"}
            cluster = {q["name"]: q.get("cluster") for q in data["quotas"]}
            want = tree_order(data["quotas"], lambda n: cluster[n] in prod)
            a = run("--source", d, "quota", "--json").json()
            b = run("--source", d, "quota", "--json").json()
            self.assertEqual([q["name"] for q in a["quotas"]], want, d)
            self.assertEqual(a["quotas"], b["quotas"])
            self.assertEqual(run("--source", d, "quota").out, run("--source", d, "quota").out)

    def test_namespace_sees_exactly_the_quotas_it_may_target(self):
        for d, data in fleetgen.generated():
            prod = {c["name"] for c in data["clusters"] if c["state"] == "production"}
            leaves = {q["name"]: q for q in data["quotas"] if q.get("cluster")}
            namespaces = sorted({j["namespace"] for j in data["jobs"]})[:4]
            for ns in namespaces:
                want = tree_order(data["quotas"], lambda n: leaves[n]["cluster"] in prod
                                  and ("access" not in leaves[n] or ns in leaves[n]["access"]))
                doc = run("--source", d, "quota", "--namespace", ns, "--json").json()
                self.assertEqual([q["name"] for q in doc["quotas"]], want, (d, ns))
                flex = by_name(run("--source", d, "flex", "--namespace", ns, "--json").json()["clusters"])
                for q in doc["quotas"]:
                    share = flex[q["cluster"]]["selected_namespace"]
                    self.assertEqual(q["fair_share"], share["fair_share"])
                    self.assertEqual(q["flex_within_share"],
                                     min(q["flex_free"], max(0, share["fair_share"] - share["flex_used"])))

    def test_show_orders_jobs_for_preemption(self):
        rank = {"low": 0, "mid": 1, "high": 2, "critical": 3}
        for d, data in fleetgen.generated():
            busiest = max((q for q in data["quotas"] if q.get("cluster")),
                          key=lambda q: sum(1 for j in data["jobs"] if j["quota"] == q["name"]))
            doc = run("--source", d, "quota", "show", busiest["name"], "--json").json()
            jobs = [j for j in data["jobs"] if j["quota"] == busiest["name"]]
            # Newest first: pending (not started) before running, no started_at = oldest.
            want = sorted(jobs, key=lambda j: (rank[j["priority"]], j["state"] != "pending",
                                               [-ord(c) for c in j.get("started_at", "")] + [1], j["name"]))
            self.assertEqual([j["name"] for j in doc["jobs"]], [j["name"] for j in want], busiest["name"])


if __name__ == "__main__":
    harness.main()
