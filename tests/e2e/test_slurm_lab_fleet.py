"""Many sources in one run (docs/sources.md, issue 20 item 3): one fleet made of the fleet API test
server, a snapshot directory, the real Slurm lab (scripts/slurm-lab, through slurmrestd) and the
Kubernetes test server at once, named in a config file. Every total is checked against the sum
of the four single-source answers; then the fleet API server is stopped and the exit status, the
`sources` array and the stderr line are checked, with and without --partial.

Runs under ctest with the lab fixture (its name starts with test_slurm_lab).
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import kube_fixtures as fx  # noqa: E402
from harness import DEMO, WORKED  # noqa: E402
from kube_server import KubeServer, make_pki  # noqa: E402

KUBE_TOKEN = "fleet-kube-token-5e6f7a8b"
# One instant for every run: the lab's reservations and the snapshots' events are judged at it.
AT = "2026-11-30T12:00:00Z"
FIGURES = ("total", "healthy", "assigned", "inquota_used", "inquota_free", "flex_used", "flex_free",
           "flex_stable_free", "flex_reclaimable_free", "unbacked", "buffer")


ENV = harness.slurm_lab_env()


class Fleet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-fleet-")
        pki = make_pki(cls.tmp)
        cls.kube = KubeServer(pki, fx.lab_lists(), tokens=[KUBE_TOKEN])
        cls.kube.__enter__()
        cls.kubeconfig = os.path.join(cls.tmp, "kubeconfig")
        with open(cls.kubeconfig, "w") as f:
            f.write("\n".join([
                "apiVersion: v1", "kind: Config", "current-context: k8s", "clusters:", "- name: test", "  cluster:",
                f"    server: {json.dumps(cls.kube.url)}", f"    certificate-authority: {json.dumps(pki['ca.crt'])}",
                "users:", "- name: alice", "  user:", f"    token: {KUBE_TOKEN}", "contexts:", "- name: k8s",
                "  context:", "    cluster: test", "    user: alice"]) + "\n")
        cls.api = harness.Server(DEMO, "--page-size", "7")
        cls.api.__enter__()
        cls.config = os.path.join(cls.tmp, "config.toml")
        with open(cls.config, "w") as f:
            f.write(f"""# four sources, one fleet
[sources.api]
url = "{cls.api.url}"

[sources.snap]
url = "{WORKED}"

[sources.lab]
url = "{ENV['FLEETCAP_SOURCE']}"
island-feature-prefix = "ib-"
region = "local"
provider = "lab"

[sources.k8s]
url = "kube:k8s"
""")

    @classmethod
    def tearDownClass(cls):
        cls.api.__exit__(None, None, None)
        cls.kube.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, True)

    def fc(self, *args, config=None):
        env = harness.clean_env(SLURM_JWT=ENV["SLURM_JWT"], SLURM_USER=ENV["SLURM_USER"], SLURM_CONF=ENV["SLURM_CONF"],
                                HOME=self.tmp)
        for k in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
            env.pop(k, None)
        r = harness.run("--config", config or self.config, "--kubeconfig", self.kubeconfig, "--at", AT, *args, env=env)
        for secret in (ENV["SLURM_JWT"], KUBE_TOKEN):
            self.assertNotIn(secret, r.out + r.err, "a secret leaked")
        return r

    def ok(self, *args):
        r = self.fc(*args)
        self.assertEqual(r.code, 0, r)
        return r

    def capacity(self, *sources):
        args = [a for s in sources for a in ("--source", s)]
        return self.ok(*args, "capacity", "--json").json()

    def test_totals_are_the_sums_of_each_source(self):
        names = ("api", "snap", "lab", "k8s")
        single = {n: self.capacity(n) for n in names}
        fleet = self.capacity()  # every configured source
        self.assertEqual([s["name"] for s in fleet["sources"]], list(names))
        self.assertTrue(all(s["ok"] and s["error"] is None for s in fleet["sources"]), fleet["sources"])
        self.assertEqual({s["name"]: s["kind"] for s in fleet["sources"]},
                         {"api": "fleet-api", "snap": "snapshot", "lab": "slurmrestd", "k8s": "kube"})
        for f in FIGURES:
            self.assertEqual(fleet["totals"][f], sum(single[n]["totals"][f] for n in names), f)
        self.assertEqual(fleet["totals"]["largest_free_block"],
                         max(single[n]["totals"]["largest_free_block"] for n in names))
        # Each source's clusters are in the fleet with the same figures; a name two sources share
        # is SOURCE/NAME in both (docs/sources.md).
        counts = {}
        for n in names:
            for c in single[n]["clusters"]:
                counts[c["name"]] = counts.get(c["name"], 0) + 1
        by_name = {c["name"]: c for c in fleet["clusters"]}
        self.assertEqual(len(by_name), sum(len(single[n]["clusters"]) for n in names))
        for n in names:
            for c in single[n]["clusters"]:
                name = c["name"] if counts[c["name"]] == 1 else f"{n}/{c['name']}"
                self.assertIn(name, by_name)
                for f in FIGURES:
                    self.assertEqual(by_name[name][f], c[f], (name, f))
        # Single-source documents carry their one source too.
        self.assertEqual([s["name"] for s in single["lab"]["sources"]], ["lab"])

    def test_other_commands_add_up(self):
        names = ("api", "snap", "lab", "k8s")
        def doc(*args, sources=()):
            return self.ok(*[a for s in sources for a in ("--source", s)], *args, "--json").json()
        quota = {n: len(doc("quota", sources=[n])["quotas"]) for n in names}
        self.assertEqual(len(doc("quota")["quotas"]), sum(quota.values()))
        nodes = {n: doc("nodes", "--all", sources=[n])["totals"] for n in names}
        fleet_nodes = doc("nodes", "--all")["totals"]
        for f in ("nodes", "gpus", "gpus_used", "unschedulable_nodes"):
            self.assertEqual(fleet_nodes[f], sum(nodes[n][f] for n in names), f)
        events = {n: len(doc("maintenance", "list", "--event-state", "all", "--window", "3650d", sources=[n])["events"])
                  for n in names}
        self.assertEqual(len(doc("maintenance", "list", "--event-state", "all", "--window", "3650d")["events"]),
                         sum(events.values()))
        report = {n: doc("overalloc", "report", "--buffer", "5%", sources=[n])["summary"] for n in names}
        fleet_report = doc("overalloc", "report", "--buffer", "5%")["summary"]
        for f in ("clusters", "assigned", "cut"):
            self.assertEqual(fleet_report[f], sum(report[n][f] for n in names), f)
        # flex --contiguous looks at every island of every source.
        flex = {n: doc("flex", "--gpus", "8", "--contiguous", sources=[n]) for n in names}
        fleet_flex = doc("flex", "--gpus", "8", "--contiguous")
        self.assertEqual(fleet_flex["fits"], any(flex[n]["fits"] for n in names))
        self.assertEqual(len(fleet_flex["islands"]), sum(len(flex[n]["islands"]) for n in names))
        blocks = [flex[n]["largest_block"]["lasting_block"] for n in names if flex[n]["largest_block"]]
        self.assertEqual(fleet_flex["largest_block"]["lasting_block"], max(blocks))

    def test_cluster_selects_a_source(self):
        lab = self.capacity("lab")
        r = self.ok("capacity", "--cluster", "lab", "-o", "json")
        self.assertEqual(r.json()["totals"]["total"], lab["totals"]["total"])
        bad = self.fc("capacity", "--cluster", "labb")
        self.assertEqual((bad.code, bad.out), (2, ""), bad)
        self.assertIn('did you mean "lab"', bad.err)

    def test_sources_command(self):
        r = self.ok("sources", "-o", "json")
        rows = {s["name"]: s for s in r.json()["sources"]}
        self.assertEqual(set(rows), {"api", "snap", "lab", "k8s"})
        self.assertTrue(rows["lab"]["version"].startswith("Slurm "), rows["lab"])
        self.assertIn("data parser v0.0.", rows["lab"]["version"])
        self.assertIn("JWT (SLURM_JWT)", rows["lab"]["auth"])
        self.assertEqual(rows["k8s"]["version"], "Kubernetes v1.30.0, Kueue kueue.x-k8s.io/v1beta1")
        self.assertIn("token of user", rows["k8s"]["auth"])
        self.assertEqual(rows["api"]["version"], "fleet API v1")
        self.assertEqual(rows["snap"]["clusters"], 3)
        table = self.ok("sources").out
        self.assertRegex(table, r"(?m)^NAME +KIND")

    def test_two_sources_of_one_slurm_collide_everywhere(self):
        """The lab read twice, through slurmrestd and through Slurm's own commands: every cluster,
        node, quota, job and reservation name is in both, so each becomes SOURCE/NAME in both, each
        half keeps its single-source figures, and every total is twice one source's."""
        config = os.path.join(self.tmp, "twice.toml")
        with open(config, "w") as f:
            f.write(f'[sources.rest]\nurl = "{ENV["FLEETCAP_SOURCE"]}"\nisland-feature-prefix = "ib-"\n\n'
                    '[sources.cli]\nurl = "slurm"\nisland-feature-prefix = "ib-"\n')
        one = self.fc("--source", "rest", "capacity", "--json", config=config)
        both = self.fc("capacity", "--json", config=config)
        self.assertEqual((one.code, both.code), (0, 0), both)
        one, both = one.json(), both.json()
        self.assertEqual({s["name"]: s["kind"] for s in both["sources"]}, {"rest": "slurmrestd", "cli": "slurm"})
        for f in FIGURES:
            self.assertEqual(both["totals"][f], 2 * one["totals"][f], f)
        by_name = {c["name"]: c for c in both["clusters"]}
        self.assertEqual(sorted(by_name), sorted(f"{s}/{c['name']}" for s in ("rest", "cli") for c in one["clusters"]))
        for c in one["clusters"]:
            for s in ("rest", "cli"):
                for f in FIGURES:
                    self.assertEqual(by_name[f"{s}/{c['name']}"][f], c[f], (s, c["name"], f))
        # Nodes and quotas follow the same rule; a cluster's own name selects it in both sources.
        nodes = self.fc("nodes", "--all", "-o", "name", config=config)
        self.assertEqual(nodes.code, 0, nodes)
        self.assertTrue(nodes.out.split() and all(n.split("/")[0] in ("rest", "cli") for n in nodes.out.split()),
                        nodes.out)
        own = one["clusters"][0]["name"]
        picked = self.fc("capacity", "--cluster", own, "-o", "name", config=config)
        self.assertEqual(picked.out.split(), [f"rest/{own}", f"cli/{own}"], picked)

    def test_a_stopped_source(self):
        with harness.Server(DEMO) as api:
            url = api.url
        # Nothing listens at `url` any more.
        config = os.path.join(self.tmp, "stopped.toml")
        with open(self.config) as f, open(config, "w") as g:
            g.write(f.read().replace(self.api.url, url))
        base = ("--source", "snap", "--source", "api", "--source", "k8s")
        r = self.fc(*base, "capacity", "--json", config=config)
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertRegex(r.err, r"fleetcap: error: source api: .*127\.0\.0\.1")
        r = self.fc(*base, "--partial", "capacity", "--json", config=config)
        self.assertEqual(r.code, 4, r)
        doc = r.json()
        state = {s["name"]: (s["ok"], s["error"] is None) for s in doc["sources"]}
        self.assertEqual(state, {"snap": (True, True), "api": (False, False), "k8s": (True, True)})
        failed = next(s for s in doc["sources"] if s["name"] == "api")
        self.assertIn("127.0.0.1", failed["error"])
        self.assertIsNone(failed["taken_at"])
        self.assertRegex(r.err, r"fleetcap: warning: source api failed and is left out of this answer \(--partial; "
                                r"2 of 3 sources answered\): ")
        rest = sum(self.capacity(n)["totals"]["total"] for n in ("snap", "k8s"))
        self.assertEqual(doc["totals"]["total"], rest)
        # A table answer says the same on stderr and exits 4 too.
        t = self.fc(*base, "--partial", "capacity", config=config)
        self.assertEqual(t.code, 4, t)
        self.assertIn("TOTAL", t.out)
        # `fleetcap sources` lists it as unreachable and exits 4.
        s = self.fc(*base, "sources", "-o", "json", config=config)
        self.assertEqual(s.code, 4, s)
        self.assertEqual({x["name"]: x["ok"] for x in s.json()["sources"]}, {"snap": True, "api": False, "k8s": True})


if __name__ == "__main__":
    harness.main()
