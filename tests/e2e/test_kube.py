"""`--source kube[:CONTEXT]` (docs/kubernetes.md, docs/fleet-api.md) against kube_server.py, a loopback HTTPS server
that speaks the Kubernetes list API, with the real binary; and a real kubectl against the same
server, so the server cannot drift from what Kubernetes serves.

The figures below are worked by hand from kube_fixtures.py (arithmetic in the comments).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import kube_fixtures as fx  # noqa: E402
from kube_server import KubeServer, make_pki  # noqa: E402

TOKEN = "s3cr3t-lab-token-9f8e7d"
EXEC_TOKEN = "exec-issued-token-4b5c6d"
KEY_MARK = "PRIVATE KEY"


def kube_env(**extra):
    """clean_env without the caller's kubeconfig or pod environment leaking in."""
    env = harness.clean_env()
    for k in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_SERVICE_PORT_HTTPS"):
        env.pop(k, None)
    env.update(extra)
    return env


def items_of(directory, resource):
    with open(os.path.join(directory, f"{resource}.json")) as f:
        return json.load(f)["items"]


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


class KubeCase(unittest.TestCase):
    lists = None
    forbidden = ()
    expire = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-kube-")
        cls.pki = make_pki(cls.tmp)
        cls.server = KubeServer(cls.pki, cls.lists(), tokens=[TOKEN, EXEC_TOKEN], forbidden=cls.forbidden,
                                expire=cls.expire)
        cls.server.__enter__()
        with open(cls.pki["client.key"]) as f:
            cls.client_key = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, True)

    def kubeconfig(self, name, users, contexts, current, cluster_extra=None):
        cluster = {"server": self.server.url, "certificate-authority": self.pki["ca.crt"]}
        cluster.update(cluster_extra or {})
        lines = ["apiVersion: v1", "kind: Config", f"current-context: {current}" if current else "",
                 "clusters:", "- name: test", "  cluster:"]
        lines += [f"    {k}: {json.dumps(v)}" for k, v in cluster.items()]
        lines.append("users:")
        for uname, body in users.items():
            lines += [f"- name: {uname}", "  user:"]
            lines += ["    " + l for l in json.dumps(body, indent=2).splitlines()] if body else ["    {}"]
        lines.append("contexts:")
        for cname, user in contexts.items():
            lines += [f"- name: {cname}", "  context:", "    cluster: test", f"    user: {user}"]
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def run_kube(self, *args, env=None, **kw):
        r = harness.run(*args, env=env or kube_env(HOME=self.tmp), **kw)
        for secret in (TOKEN, EXEC_TOKEN, "MII", KEY_MARK):
            self.assertNotIn(secret, r.out + r.err, f"a secret leaked: {r}")
        return r

    def kubectl(self, kubeconfig, *args):
        """A real kubectl against the test server; its stdout (a failure fails the test)."""
        kubectl = shutil.which("kubectl")
        if not kubectl:
            self.skipTest("no kubectl (Debian: apt-get install kubernetes-client; scripts/install-deps does it)")
        k = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "--cache-dir", os.path.join(self.tmp, "kcache"), *args],
                           capture_output=True, text=True, timeout=60, env=kube_env(HOME=self.tmp))
        self.assertEqual(k.returncode, 0, k.stderr)
        return k.stdout

    def assertFails(self, r, code, *words):
        self.assertEqual(r.code, code, r)
        self.assertEqual(r.out, "", r)
        for w in words:
            self.assertIn(w, r.err, r)


class Lab(KubeCase):
    """Context "lab": Kueue (v1beta1, Cohort/Topology v1alpha1), two GPU products."""
    # 1,100 CPU pods make the pod list three pages of 500; its first continue token expires.
    lists = staticmethod(lambda: dict(fx.lab_lists(), **{"/api/v1/pods": (
        "PodList", "v1", fx.lab_pods() + [fx.pod(f"cpu-{i}", "batch", "cpu-0") for i in range(1100)])}))
    expire = ("/api/v1/pods",)

    def setUp(self):
        self.kc = self.kubeconfig("lab.yaml", {"alice": {"token": TOKEN}}, {"lab": "alice"}, "lab")

    def cmd(self, *args):
        r = self.run_kube("--source", "kube", "--kubeconfig", self.kc, *args)
        self.assertEqual(r.code, 0, r)
        return r

    def test_capacity(self):
        r = self.cmd("capacity", "--json")
        rows = {c["name"]: c for c in r.json()["clusters"]}
        h = rows["lab/" + fx.H100]
        # Nodes: 8 x 8 GPUs (h100-4 is time-sliced: 32 replicas / 4 = gpu.count 8) = 64.
        # Schedulable: h100-0, -4, -6, -7 (h100-1 degraded, -2 NotReady, -3 cordoned, -5 GPUHealthy=False) = 32.
        # Assigned: team-a/h100 24 + team-b 16 = 40. In quota: Workload train-llm 16 (admitted).
        # Flex: notebook 2 (limits only) + infer-abc 1+1 + prep max(1, init 2) = 6, all pods no
        # Workload owns: Kueue never preempts them, stable use (docs/kubernetes.md).
        self.assertEqual(h["total"], 64)
        self.assertEqual(h["healthy"], 32)
        self.assertEqual(h["assigned"], 40)
        self.assertEqual(h["inquota_used"], 16)
        self.assertEqual(h["inquota_free"], 10)   # max(0, min(40, 32 - 6) - 16)
        self.assertEqual(h["flex_used"], 6)
        self.assertEqual(h["flex_stable_used"], 6)
        self.assertEqual(h["flex_free"], 10)      # 32 - 16 - 6
        self.assertEqual(h["unbacked"], 8)        # 40 - 32
        # Free blocks: block-1 holds h100-7 (8, no job); block-2's schedulable h100-4 runs notebook.
        self.assertEqual(h["largest_free_block"], 8)
        a = rows["lab/" + fx.A100]
        # MIG node: gpu.count 2; quota team-a/a100 2, nothing running.
        self.assertEqual((a["total"], a["healthy"], a["assigned"], a["flex_free"]), (2, 2, 2, 2))
        self.assertIn("flavorsUsage differs", r.err)       # team-b: Kueue 4, fleetcap 0
        self.assertIn("team-b (Kueue 4, fleetcap 0)", r.err)
        self.assertIn("each cluster is one island", r.err)  # the A100 node has no topology label
        self.assertIn("no [kube.priority] table", r.err)   # train-llm's Workload has priority 100

    def test_quota_and_jobs_from_kueue(self):
        r = self.cmd("quota", "--json")
        text = json.dumps(r.json())
        leaves = {q["name"]: q for q in r.json()["quotas"]}
        groups = {q["name"]: q for q in r.json()["groups"]}
        # team-a/h100: free 24 - 16 = 8; tree research on H100: P 40, U 16, borrowable
        # max(0, 24 - 8) = 16, capped by borrowingLimit 8 (less 0 borrowed) = 8. team-b: no limit, 24 - 16 = 8.
        self.assertEqual((leaves["team-a/h100"]["borrowing_limit"], leaves["team-a/h100"]["borrowable"]), (8, 8))
        self.assertEqual(leaves["team-a/a100"]["lending_limit"], 1)
        self.assertNotIn("borrowing_limit", leaves["team-b"])
        self.assertEqual(groups["research"]["shared_gpus"], 4)  # the Cohort's own nominalQuota
        self.assertNotIn("shared_gpus", groups["org"])
        csv = self.cmd("quota", "-o", "csv").out.splitlines()
        self.assertIn("borrowing_limit,lending_limit,shared_gpus", csv[0])
        self.assertIn("BORROW-LIMIT", self.cmd("quota", "-o", "wide").out)
        for leaf in ("team-a/h100", "team-a/a100", "team-b"):
            self.assertIn(f'"{leaf}"', text)
        self.assertNotIn("cpu-only", text)  # no GPU quota
        self.assertNotIn("unused", text)    # a Cohort with no GPU leaf below it
        d = tempfile.mkdtemp(dir=self.tmp)
        shutil.rmtree(d)
        self.cmd("snapshot", "save", d)
        items = {res: items_of(d, res)
                 for res in ("clusters", "nodes", "quotas", "jobs", "maintenance")}
        quotas = {q["name"]: q for q in items["quotas"]}
        self.assertEqual(quotas["research"]["parent"], "org")
        self.assertIsNone(quotas["org"]["parent"])
        self.assertEqual(quotas["team-a/h100"]["access"], ["team-a", "team-a2"])
        self.assertEqual(quotas["team-a/h100"]["borrowing_limit"], 8)
        self.assertEqual(quotas["team-a/a100"]["lending_limit"], 1)
        self.assertEqual(quotas["research"]["shared_gpus"], 4)
        jobs = {j["name"]: j for j in items["jobs"]}
        self.assertEqual(jobs["team-a/job-train-llm-1a2b3"]["nodes"], ["h100-0", "h100-1"])
        self.assertEqual(jobs["team-a/job-train-llm-1a2b3"]["started_at"], "2026-11-30T06:00:01Z")
        self.assertEqual((jobs["team-b/job-sweep-9x8y7"]["state"], jobs["team-b/job-sweep-9x8y7"]["gpus"]),
                         ("pending", 8))  # 2 pods x 4
        self.assertEqual(jobs["research/infer-abc"]["gpus"], 2)
        self.assertEqual(jobs["tools/prep"]["gpus"], 2)
        self.assertNotIn("team-b/job-old-000", jobs)  # Finished
        self.assertFalse(any("done" in n or "crashed" in n or "waiting" in n for n in jobs))
        nodes = {n["name"]: n for n in items["nodes"]}
        self.assertEqual(nodes["h100-1"]["health"], "degraded")
        self.assertIn("1 of 8 GPUs unhealthy", json.dumps(nodes["h100-1"]["issues"]))
        self.assertEqual(nodes["h100-2"]["health"], "unhealthy")
        self.assertEqual(nodes["h100-5"]["health"], "unhealthy")
        self.assertTrue(nodes["h100-3"]["cordoned"])
        self.assertEqual(nodes["h100-0"]["island"], "block-1")  # Kueue Topology, not the spine label
        self.assertNotIn("cpu-0", nodes)
        events = {e["id"]: e for e in items["maintenance"]}
        self.assertEqual(set(events), {"lab/h100-3", "lab/h100-6", "lab/h100-7"})
        gke = events["lab/h100-3"]
        # 1764748800 = 2025-12-03T08:00:00Z; + 4 h default duration.
        self.assertEqual((gke["start"], gke["end"], gke["state"]), ("2025-12-03T08:00:00Z", "2025-12-03T12:00:00Z",
                                                                     "scheduled"))
        self.assertEqual(events["lab/h100-6"]["start"], "2026-12-03T02:00:00Z")
        self.assertEqual(events["lab/h100-7"]["kind"], "aks-vm-event")

        # Read back as a directory, every command answers the same (at the same --at).
        at = ("--at", "2026-12-01T00:00:00Z")
        for args in (["capacity", "--json"], ["quota", "--json"], ["flex", "--json"], ["maintenance", "list", "--json"]):
            live = self.cmd(*at, *args).json()
            saved = harness.run("--source", d, *at, *args, env=harness.clean_env(HOME=self.tmp))
            self.assertEqual(saved.code, 0, saved)
            saved = saved.json()
            for doc in (live, saved):
                for k in ("generated_at", "source", "sources"):
                    doc.pop(k, None)
            self.assertEqual(live, saved, args)

    def test_kueue_plan_read_back_by_kubectl(self):
        """`overalloc plan -o kueue` read by a real kubectl (docs/overalloc.md, "The change in the
        scheduler's language"): `apply --dry-run=client` maps every document through the server's
        discovery and reads the live ClusterQueue; `create --dry-run=client -o json` gives the
        documents as kubectl reads them, checked field by field; `patch --type merge --dry-run=client`
        gives what applying one makes of the live object. A server-side dry run needs a
        kube-apiserver (admission, the CRD's schema): kube_server.py is not one."""
        cq_path = "/apis/kueue.x-k8s.io/v1beta1/clusterqueues"
        live = {cq["metadata"]["name"]: cq for cq in self.server.lists[cq_path][2]}
        plan = self.cmd("overalloc", "plan", "--json").json()
        d = os.path.join(self.tmp, "kueue-plan-snap")
        shutil.rmtree(d, True)
        self.cmd("snapshot", "save", d)
        origin = {q["name"]: q["kueue"] for q in items_of(d, "quotas") if "kueue" in q}
        # What the plan promises: each changed leaf's flavor's nvidia.com/gpu nominalQuota is its
        # new gpus, and nothing else of the ClusterQueue changes. By hand: team-a's h100 24 -> 16
        # and a100 2 -> 1, team-b's h100 16 -> 11 (lab/h100: 32 healthy, 15% buffer, target 27).
        want = {}
        for q in plan["quotas"]:
            if q["gpus"] != q["old_gpus"]:
                o = origin[q["name"]]
                spec = want.setdefault(o["cluster_queue"], json.loads(json.dumps(live[o["cluster_queue"]]["spec"])))
                for group in spec["resourceGroups"]:
                    for flavor in group["flavors"]:
                        for r in flavor["resources"]:
                            if flavor["name"] == o["flavor"] and r["name"] == "nvidia.com/gpu":
                                self.assertEqual(r["nominalQuota"], str(q["old_gpus"]), q)
                                r["nominalQuota"] = str(q["gpus"])
        self.assertEqual({n: [(f["name"], r["nominalQuota"]) for g in s["resourceGroups"] for f in g["flavors"]
                              for r in f["resources"] if r["name"] == "nvidia.com/gpu"] for n, s in want.items()},
                         {"team-a": [("h100", "16"), ("a100", "1")], "team-b": [("h100", "11")]})
        text = self.cmd("overalloc", "plan", "-o", "kueue").out
        path = os.path.join(self.tmp, "plan.yaml")
        with open(path, "w") as f:
            f.write(text)
        applied = self.kubectl(self.kc, "apply", "--dry-run=client", "--validate=false", "-f", path)
        self.assertEqual(sorted(applied.splitlines()),
                         [f"clusterqueue.kueue.x-k8s.io/{n} configured (dry run)" for n in sorted(want)])
        self.assertTrue({f"{cq_path}/{n}" for n in want} <= {p for _, p, _ in self.server.requests})
        read, at, decoder = self.kubectl(self.kc, "create", "--dry-run=client", "--validate=false", "-o", "json", "-f", path), 0, \
            json.JSONDecoder()
        docs = {}
        while read[at:].strip():  # one JSON object per document
            doc, at = decoder.raw_decode(read, at + len(read[at:]) - len(read[at:].lstrip()))
            docs[doc["metadata"]["name"]] = doc
        self.assertEqual(sorted(docs), sorted(want))
        for name, doc in docs.items():
            self.assertEqual(doc, {"apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue",
                                   "metadata": {"name": name}, "spec": {"resourceGroups": want[name]["resourceGroups"]}})
        # Each document as a merge patch of the live object: the GPU quotas change, and the rest
        # of it (cohort, namespaceSelector, the cpu/memory group, borrowing and lending limits,
        # status) stays as it is.
        for i, document in enumerate(d for d in text.split("\n---\n") if "kind: ClusterQueue" in d):
            name = next(n for n in want if f'name: "{n}"' in document)
            patch = os.path.join(self.tmp, f"patch-{i}.yaml")
            with open(patch, "w") as f:
                f.write(document)
            merged = json.loads(self.kubectl(self.kc, "patch", "clusterqueue", name, "--type", "merge", "--patch-file", patch,
                                             "--dry-run=client", "-o", "json"))
            self.assertEqual(merged, dict(live[name], spec=want[name]), name)

    def test_pagination_and_410(self):
        self.server.expire.add("/api/v1/pods")
        self.server.requests.clear()
        self.cmd("capacity", "--json")
        pods = [p for _, p, _ in self.server.requests if p.startswith("/api/v1/pods")]
        # First page, a continue answered 410, the list again from the start: 3 pages of 500.
        self.assertEqual(len(pods), 5, pods)
        self.assertTrue(all("limit=500" in p for p in pods))
        self.assertIn("continue=", pods[1])
        self.assertNotIn("continue=", pods[2])
        # Kueue v1beta2 answered 404 and v1beta1 was used.
        paths = [p for _, p, _ in self.server.requests]
        self.assertTrue(any(p.startswith("/apis/kueue.x-k8s.io/v1beta2/clusterqueues") for p in paths))
        self.assertTrue(any(p.startswith("/apis/kueue.x-k8s.io/v1alpha1/cohorts") for p in paths))

    def test_priority_thresholds(self):
        conf = os.path.join(self.tmp, "prio.toml")
        with open(conf, "w") as f:
            f.write("[kube]\nisland = 1\n[kube.priority]\ncritical = 1000000\nhigh = 100\nmid = 0\n")
        d = tempfile.mkdtemp(dir=self.tmp)
        shutil.rmtree(d)
        r = self.cmd("--config", conf, "snapshot", "save", d)
        self.assertNotIn("kube.priority", r.err)
        self.assertIn("unknown key [kube] island", r.err)
        jobs = {j["name"]: j["priority"] for j in items_of(d, "jobs")}
        # train-llm's Workload 100 >= high; sweep has none (0) = mid; notebook's pod -5 is below every threshold.
        self.assertEqual((jobs["team-a/job-train-llm-1a2b3"], jobs["team-b/job-sweep-9x8y7"], jobs["research/notebook"]),
                         ("high", "mid", "low"))
        # With no mid or low line, a value that reaches no threshold keeps the default, mid.
        with open(conf, "w") as f:
            f.write("[kube.priority]\nhigh = 100\n")
        shutil.rmtree(d)
        self.cmd("--config", conf, "snapshot", "save", d)
        jobs = {j["name"]: j["priority"] for j in items_of(d, "jobs")}
        self.assertEqual((jobs["team-a/job-train-llm-1a2b3"], jobs["team-b/job-sweep-9x8y7"], jobs["research/notebook"]),
                         ("high", "mid", "mid"))
        for text, words in (("[kube.priority]\nurgent = 5\n", ("[kube.priority] key \"urgent\"", "is not one of")),
                            ("[kube.priority]\nhigh = \"lots\"\n", ("high = \"lots\" must be an integer",)),
                            ("[kube.priority]\nhigh = 10\nmid = 10\n", ("mid = 10 must be below high = 10",))):
            with open(conf, "w") as f:
                f.write(text)
            self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", self.kc, "--config", conf, "capacity"), 2,
                             conf, *words)

    def test_options(self):
        r = self.cmd("maintenance", "list", "--json", "--maintenance-duration", "90m", "--island-label",
                     "network.topology.nvidia.com/spine")
        self.assertIn("have no label network.topology.nvidia.com/spine", r.err)  # the A100 node
        bad = self.run_kube("--source", "kube", "--kubeconfig", self.kc, "--maintenance-duration", "soon", "capacity")
        self.assertFails(bad, 2, "--maintenance-duration")


def as_v1beta2(lists):
    """The lab's Kueue objects as Kueue v1beta2 serves them: every kind under v1beta2,
    spec.cohort -> spec.cohortName, Cohort spec.parent -> spec.parentName."""
    out = {}
    for path, (kind, api, items) in lists.items():
        if "kueue.x-k8s.io" in path:
            path = path.replace("v1beta1", "v1beta2").replace("v1alpha1", "v1beta2")
            api = "kueue.x-k8s.io/v1beta2"
            items = json.loads(json.dumps(items))
            for it in items:
                spec = it.get("spec", {})
                if "cohort" in spec:
                    spec["cohortName"] = spec.pop("cohort")
                if "parent" in spec:
                    spec["parentName"] = spec.pop("parent")
        out[path] = (kind, api, items)
    return out


class LabV1beta2(KubeCase):
    """The same cluster with Kueue v1beta2 (cohortName, parentName): the same quota tree; and a
    JobSet whose Workload owns its pods through its Jobs."""
    lists = staticmethod(lambda: fx.jobset_lists(as_v1beta2(fx.lab_lists())))

    def test_nested_owners(self):
        kc = self.kubeconfig("v2.yaml", {"alice": {"token": TOKEN}}, {"lab": "alice"}, "lab")

        def jobs():
            d = tempfile.mkdtemp(dir=self.tmp)
            shutil.rmtree(d)
            r = self.run_kube("--source", "kube", "--kubeconfig", kc, "snapshot", "save", d)
            self.assertEqual(r.code, 0, r)
            return {j["name"]: j for j in items_of(d, "jobs")}, r.err

        # pod -> Job js-train-worker-0 -> JobSet js-train, which owns the admitted Workload.
        got, err = jobs()
        ws = got["team-b/jobset-js-train-5f6g7"]
        self.assertEqual((ws["state"], ws["gpus"], ws["nodes"]), ("running", 8, ["h100-6", "h100-7"]))
        self.assertNotIn("team-b/js-train-worker-0", got)
        self.assertNotIn("team-b/js-train", got)
        self.assertEqual(got["tools/loop-b"]["gpus"], 1)  # a cycle of owners ends; named after its top
        self.assertNotIn("batch/v1 jobs", err)
        # No permission to list Jobs: a warning, and the pods match by direct owner only (flex).
        self.server.forbidden.add("/apis/batch/v1/jobs")
        try:
            got, err = jobs()
        finally:
            self.server.forbidden.discard("/apis/batch/v1/jobs")
        self.assertIn("batch/v1 jobs could not be listed", err)
        self.assertEqual(got["team-b/jobset-js-train-5f6g7"]["nodes"], [])
        self.assertEqual((got["team-b/js-train-worker-0"]["quota"], got["team-b/js-train-worker-0"]["gpus"]), ("flex", 8))

    def test_v1beta2_names(self):
        kc = self.kubeconfig("v2.yaml", {"alice": {"token": TOKEN}}, {"lab": "alice"}, "lab")
        d = os.path.join(self.tmp, "v2-snap")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "snapshot", "save", d)
        self.assertEqual(r.code, 0, r)
        quotas = {q["name"]: q["parent"] for q in items_of(d, "quotas")}
        self.assertEqual(quotas, {"org": None, "research": "org", "team-a/h100": "research",
                                  "team-a/a100": "research", "team-b": "research"})
        self.assertFalse(any("v1beta1" in p or "v1alpha1" in p for _, p, _ in self.server.requests))

    def test_kueue_plan_in_the_servers_version(self):
        """-o kueue writes the ClusterQueues in the version the server listed them in: a Kueue
        that serves only v1beta2 has no v1beta1 kind for kubectl to map (it read v1beta1 always)."""
        kc = self.kubeconfig("v2.yaml", {"alice": {"token": TOKEN}}, {"lab": "alice"}, "lab")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "overalloc", "plan", "-o", "kueue")
        self.assertEqual(r.code, 0, r)
        versions = [line for line in r.out.splitlines() if line.startswith("apiVersion:")]
        self.assertEqual(versions, ["apiVersion: kueue.x-k8s.io/v1beta2"] * 2, r.out)
        path = os.path.join(self.tmp, "plan-v2.yaml")
        with open(path, "w") as f:
            f.write(r.out)
        self.assertEqual(sorted(self.kubectl(kc, "apply", "--dry-run=client", "--validate=false", "-f", path).split()),
                         ["(dry", "(dry", "clusterqueue.kueue.x-k8s.io/team-a", "clusterqueue.kueue.x-k8s.io/team-b",
                          "configured", "configured", "run)", "run)"])
        d = os.path.join(self.tmp, "v2-plan-snap")
        shutil.rmtree(d, True)
        self.assertEqual(self.run_kube("--source", "kube", "--kubeconfig", kc, "snapshot", "save", d).code, 0)
        self.assertEqual({q["kueue"]["api_version"] for q in items_of(d, "quotas") if "kueue" in q},
                         {"kueue.x-k8s.io/v1beta2"})


class KueueSample(KubeCase):
    """Kueue's own sample manifests (recorded, not written for fleetcap) read as the API serves them."""
    lists = staticmethod(fx.kueue_sample_lists)

    def test_kueue_gke_sample(self):
        kc = self.kubeconfig("sample.yaml", {"u": {"token": TOKEN}}, {"sample": "u"}, "sample")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "quota", "--json")
        self.assertEqual(r.code, 0, r)
        (leaf,) = r.json()["quotas"]
        # nvidia.com/gpu nominalQuota 10000 (the sample's "infinite" quota) on flavor gpu-t4, which
        # selects both 4-GPU T4 nodes: 8 GPUs back it, 9,992 do not. LocalQueue in "default".
        self.assertEqual((leaf["name"], leaf["cluster"], leaf["assigned"], leaf["unbacked"], leaf["access"]),
                         ("test-cluster-queue", "sample", 10000, 9992, ["default"]))
        nodes = self.run_kube("--source", "kube", "--kubeconfig", kc, "nodes", "--all", "--json")
        self.assertEqual(nodes.code, 0, nodes)
        # The sample's Topology has one level, kubernetes.io/hostname: each node is its own island.
        self.assertEqual(sorted(n["island"] for n in nodes.json()["nodes"]), ["gke-t4-0", "gke-t4-1"])


class Preemption(KubeCase):
    """Kueue's preemption policies (docs/kubernetes.md, "Reclaimable"), each worked out from
    Kueue's documented rules (site/content/en/docs/concepts/cluster_queue.md, "Preemption";
    preemption.md, "Classic Preemption"): a pending Workload that fits its ClusterQueue's nominal
    quota may preempt Workloads of ClusterQueues in its cohort that use more than their nominal
    quota, when its reclaimWithinCohort is Any, or LowerPriority and theirs is lower; Never (the
    default) preempts none. withinClusterQueue preempts only in its own ClusterQueue and
    borrowWithinCohort only for a Workload that borrows: neither makes anything reclaimable for
    in-quota work.

    The fixture (kube_fixtures.preemption_lists): 16 H100 GPUs; lender and borrower, 8 nominal
    each, in cohort pool; the borrower's Workload "big" uses 12 (borrows 4); a bare 1-GPU pod.
    Then P 16, U 12, B 4; pool = H 16 − Uq 12 − stable use 1 = 3; lender: free 8, borrowable
    max(0, (16 − 12) − 8) = 0, so available = min(8, 3 + R), where R = min(8, 4) = 4 when Kueue
    would reclaim big's borrowed GPUs for the lender, else 0."""
    lists = staticmethod(fx.preemption_lists)

    def quota(self, **policy):
        self.server.lists = fx.preemption_lists(**policy)
        kc = self.kubeconfig("pool.yaml", {"alice": {"token": TOKEN}}, {"pool": "alice"}, "pool")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "quota", "--json")
        self.assertEqual(r.code, 0, r)
        d = os.path.join(self.tmp, "pool-snap")
        shutil.rmtree(d, True)
        s = self.run_kube("--source", "kube", "--kubeconfig", kc, "snapshot", "save", d)
        self.assertEqual(s.code, 0, s)
        jobs = {j["name"]: j for j in items_of(d, "jobs")}
        return {q["name"]: q for q in r.json()["quotas"]}, jobs

    def check(self, available, reclaimable, **policy):
        leaves, jobs = self.quota(**policy)
        self.assertEqual(leaves["lender"]["available"], available, policy)
        self.assertEqual(jobs["borrow/big"].get("reclaimable", True), reclaimable, policy)
        # the bare pod: Kueue never preempts it, stable use
        self.assertIs(jobs["lend/notebook"]["reclaimable"], False)
        self.assertEqual(leaves["borrower"]["available"], 3)  # min(0 + 4, 3 + 0)

    def test_reclaim_never_is_the_default(self):
        self.check(3, False)  # nobody may reclaim: R = 0
        leaves, _ = self.quota()
        self.assertNotIn("reclaims", json.dumps(leaves["lender"]))  # a figure, not a column

    def test_reclaim_any(self):
        self.check(7, True, lender_reclaim="Any")  # min(8, 3 + 4)

    def test_reclaim_lower_priority(self):
        # the lender's in-quota work (priority 100) outranks big (0): reclaimable
        self.check(7, True, lender_reclaim="LowerPriority", lender_priority=100)
        # big (200) outranks it: not
        self.check(3, False, lender_reclaim="LowerPriority", lender_priority=100, borrower_priority=200)
        # equal (no lender Workload: Kubernetes' default 0 against big's 0): not lower, not reclaimable
        self.check(3, False, lender_reclaim="LowerPriority")

    def test_borrow_and_within_cluster_queue_reclaim_nothing_for_in_quota_work(self):
        self.check(3, False, borrow_policy="LowerPriority")
        self.check(3, False, within="LowerPriority")

    def test_capacity_counts_the_bare_pod_as_stable_use(self):
        self.server.lists = fx.preemption_lists()
        kc = self.kubeconfig("pool.yaml", {"alice": {"token": TOKEN}}, {"pool": "alice"}, "pool")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity", "--json")
        self.assertEqual(r.code, 0, r)
        c = r.json()["clusters"][0]
        # H 16, A 16, Uq 12, Uf = Us = 1: inquota_free = max(0, min(16, 16 − 1) − 12) = 3
        self.assertEqual((c["healthy"], c["assigned"], c["inquota_used"], c["flex_used"], c["flex_stable_used"]),
                         (16, 16, 12, 1, 1))
        self.assertEqual((c["inquota_free"], c["flex_free"], c["flex_stable_free"]), (3, 3, 0))


def undated_maintenance_lists():
    """The lab's lists with two more nodes in maintenance that say no start: one labelled
    ONGOING, one tainted maintenance-window-started with no timeAdded."""
    h = {"nvidia.com/gpu.product": fx.H100, "nvidia.com/gpu.count": "8"}
    lists = fx.lab_lists()
    kind, api, nodes = lists["/api/v1/nodes"]
    lists["/api/v1/nodes"] = (kind, api, nodes + [
        fx.node("h100-8", 8, dict(h, **{"cloud.google.com/active-node-maintenance": "ONGOING"})),
        fx.node("h100-9", 8, h, taints=[{"key": "cloud.google.com/maintenance-window-started", "effect": "NoSchedule"}])])
    return lists


class MaintenanceAt(KubeCase):
    """A maintenance that Kubernetes gives no start time starts at the time the figures are for:
    --at when given (as the Slurm adapters do), not the clock of the machine fleetcap runs on."""
    lists = staticmethod(undated_maintenance_lists)

    def test_undated_maintenance_starts_at_at(self):
        kc = self.kubeconfig("lab.yaml", {"alice": {"token": TOKEN}}, {"lab": "alice"}, "lab")
        for at in ("2026-12-01T00:00:00Z", "2027-03-01T06:30:00Z"):
            r = self.run_kube("--source", "kube", "--kubeconfig", kc, "--at", at, "maintenance", "list", "--json")
            self.assertEqual(r.code, 0, r)
            events = {e["id"]: e for e in r.json()["events"]}
            for node in ("h100-8", "h100-9"):
                self.assertEqual((events[f"lab/{node}"]["start"], events[f"lab/{node}"]["state"]),
                                 (at, "in_progress"), node)


class Small(KubeCase):
    """Context "small": no Kueue (ResourceQuotas), one GPU product; auth, faults and kubectl."""
    lists = staticmethod(fx.small_lists)
    forbidden = ("/api/v1/resourcequotas",)

    def config(self, user, **kw):
        return self.kubeconfig("small.yaml", {"u": user}, {"small": "u", "other": "u"}, "small", **kw)

    def test_resource_quota_fallback_and_client_cert_files(self):
        self.server.forbidden.clear()
        try:
            kc = self.config({"client-certificate": self.pki["client.crt"], "client-key": self.pki["client.key"]})
            r = self.run_kube("--source", "kube:small", "--kubeconfig", kc, "quota", "--json")
            self.assertEqual(r.code, 0, r)
            self.assertIn("has no Kueue", r.err)
            d = os.path.join(self.tmp, "small-snap")
            shutil.rmtree(d, True)
            r = self.run_kube("--source", "kube:small", "--kubeconfig", kc, "snapshot", "save", d)
            self.assertEqual(r.code, 0, r)
            quotas = {q["name"]: q for q in items_of(d, "quotas")}
            # ml has two ResourceQuotas (6 and 4): the tighter one binds. web: 2.
            self.assertEqual({k: (q["gpus"], q["access"], q["cluster"]) for k, q in quotas.items()},
                             {"ml": (4, ["ml"], "small"), "web": (2, ["web"], "small")})
            clusters = items_of(d, "clusters")
            self.assertEqual([(c["name"], c["sku"], c["provider"]) for c in clusters], [("small", "nvidia-l4", "gce")])
            self.assertIn(("GET", "/api/v1/nodes?limit=500", "alice"), self.server.requests)
            nodes = items_of(d, "nodes")
            self.assertEqual({n["island"] for n in nodes}, {"b1"})  # cloud.google.com/gce-topology-block
        finally:
            self.server.forbidden.add("/api/v1/resourcequotas")

    def test_kubectl_lists_the_same_nodes(self):
        kubectl = shutil.which("kubectl")
        if not kubectl:
            self.skipTest("no kubectl (Debian: apt-get install kubernetes-client; scripts/install-deps does it)")
        self.server.forbidden.clear()
        try:
            kc = self.config({"client-certificate-data": b64(self.pki["client.crt"]),
                              "client-key-data": b64(self.pki["client.key"])})
            k = subprocess.run([kubectl, "--kubeconfig", kc, "--cache-dir", os.path.join(self.tmp, "kcache"),
                                "get", "nodes", "-o", "json", "--chunk-size", "2"],
                               capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=self.tmp))
            self.assertEqual(k.returncode, 0, k.stderr)
            listed = json.loads(k.stdout)
            self.assertEqual(listed["kind"], "List")
            seen = sorted(n["metadata"]["name"] for n in listed["items"])
            # kubectl paged with limit=2 and continue, as fleetcap does with 500.
            self.assertTrue(any("continue=" in p and "limit=2" in p for _, p, _ in self.server.requests))
            d = os.path.join(self.tmp, "kubectl-snap")
            shutil.rmtree(d, True)
            r = self.run_kube("--source", "kube", "--kubeconfig", kc, "snapshot", "save", d)
            self.assertEqual(r.code, 0, r)
            ours = sorted(n["name"] for n in items_of(d, "nodes"))
            self.assertEqual(seen, ours)
            self.assertEqual(ours, ["l4-0", "l4-1", "l4-2"])
        finally:
            self.server.forbidden.add("/api/v1/resourcequotas")

    def plugin(self, name, body):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("#!/usr/bin/env python3\n" + body)
        os.chmod(path, 0o755)
        return path

    def test_exec_plugin(self):
        self.server.forbidden.clear()
        try:
            for version in ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"):
                p = self.plugin("cred.py", "import json, os, sys\n"
                                "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
                                "assert sys.argv[1:] == ['get-token', '--cluster', 'small'], sys.argv\n"
                                "print(json.dumps({'apiVersion': info['apiVersion'], 'kind': 'ExecCredential',\n"
                                "  'status': {'token': os.environ['TOKEN_FROM_ENV']}}))\n")
                kc = self.config({"exec": {"apiVersion": version, "command": p,
                                           "args": ["get-token", "--cluster", "small"],
                                           "env": [{"name": "TOKEN_FROM_ENV", "value": EXEC_TOKEN}],
                                           "interactiveMode": "Never"}})
                r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity", "--json")
                self.assertEqual(r.code, 0, r)
                # 3 L4 nodes x 4 GPUs; flex pods 2 + 4 = 6.
                self.assertEqual(r.json()["clusters"][0]["total"], 12)
                self.assertEqual(r.json()["clusters"][0]["flex_used"], 6)
        finally:
            self.server.forbidden.add("/api/v1/resourcequotas")

    def test_insecure_skip_tls_verify_warns(self):
        self.server.forbidden.clear()
        try:
            kc = self.kubeconfig("insecure.yaml", {"u": {"token": TOKEN}}, {"small": "u"}, "small")
            with open(kc) as f:
                text = f.read().replace(f'certificate-authority: "{self.pki["ca.crt"]}"',
                                        "insecure-skip-tls-verify: true")
            with open(kc, "w") as f:
                f.write(text)
            r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity", "--json")
            self.assertEqual(r.code, 0, r)
            self.assertIn("insecure-skip-tls-verify", r.err)
        finally:
            self.server.forbidden.add("/api/v1/resourcequotas")

    def test_service_account_in_a_pod(self):
        self.server.forbidden.clear()
        try:
            sa = os.path.join(self.tmp, "serviceaccount")
            os.makedirs(sa, exist_ok=True)
            with open(os.path.join(sa, "token"), "w") as f:
                f.write(TOKEN + "\n")
            shutil.copy(self.pki["ca.crt"], os.path.join(sa, "ca.crt"))
            home = os.path.join(self.tmp, "empty-home")
            os.makedirs(home, exist_ok=True)
            env = kube_env(HOME=home, KUBERNETES_SERVICE_HOST="127.0.0.1",
                                    KUBERNETES_SERVICE_PORT_HTTPS=str(self.server.port), FLEETCAP_SERVICEACCOUNT_DIR=sa)
            r = self.run_kube("--source", "kube", "capacity", "--json", env=env)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.json()["clusters"][0]["name"], "in-cluster")
        finally:
            self.server.forbidden.add("/api/v1/resourcequotas")

    # Faults: exit 1 (2 for a wrong option, 3 for malformed objects), nothing on stdout, no secret.
    def test_missing_and_malformed_kubeconfig(self):
        missing = os.path.join(self.tmp, "nope.yaml")
        # A kubeconfig that cannot be used is a usage error, as every file option (docs/reliability.md).
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", missing, "capacity"), 2, missing)
        self.assertFails(self.run_kube("--source", "kube", "capacity"), 2, "no kubeconfig", ".kube/config")
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write(f"apiVersion: v1\nusers:\n- name: u\n  user: {{token: {TOKEN}\n")
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", bad, "capacity"), 2, bad, "line")
        env = kube_env(HOME=self.tmp, KUBECONFIG=f"{missing}:{bad}")
        self.assertFails(self.run_kube("--source", "kube", "capacity", env=env), 2, bad)

    def test_kubeconfig_env_merges_first_wins(self):
        self.server.forbidden.clear()
        try:
            good = self.kubeconfig("first.yaml", {"u": {"token": TOKEN}}, {"small": "u"}, "small")
            second = self.kubeconfig("second.yaml", {"u": {"token": "wrong-token-123"}}, {"small": "u", "x": "u"}, "x")
            env = kube_env(HOME=self.tmp, KUBECONFIG=f"{good}:{second}")
            r = self.run_kube("--source", "kube", "capacity", "--json", env=env)
            self.assertEqual(r.code, 0, r)  # first file's user and current-context win
            self.assertEqual(r.json()["clusters"][0]["name"], "small")
        finally:
            self.server.forbidden.add("/api/v1/resourcequotas")

    def test_unknown_context(self):
        kc = self.config({"token": TOKEN})
        self.assertFails(self.run_kube("--source", "kube:prod-east", "--kubeconfig", kc, "capacity"), 2,
                         '"prod-east"', kc, "other, small")

    def test_exec_plugin_fails_or_prints_garbage(self):
        fails = self.plugin("fails.py", f"import sys\nprint('token {TOKEN} expired', file=sys.stderr)\nsys.exit(3)\n")
        kc = self.config({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": fails}})
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity"), 1, "fails.py",
                         "exit status 3")
        garbage = self.plugin("garbage.py", "print('<html>login</html>')\n")
        kc = self.config({"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": garbage}})
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity"), 1, "garbage.py",
                         "ExecCredential")
        slow = self.plugin("slow.py", "import time\ntime.sleep(30)\n")
        kc = self.config({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": slow}})
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "--timeout", "1", "capacity"), 1,
                         "slow.py", "did not finish within 1 s")
        kc = self.config({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "no-such-plugin-x",
                                   "installHint": "install it with: apt-get install no-such-plugin-x"}})
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity"), 1, "apt-get install")

    def test_expired_token_401(self):
        kc = self.config({"token": "expired-token-abcdef"})
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity"), 1, "401", '"small"',
                         "log in again")

    def test_403_on_one_resource(self):
        kc = self.config({"token": TOKEN})
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity"), 1, "403",
                         "resourcequotas", "kubectl auth can-i list resourcequotas")


class Malformed(KubeCase):
    """Objects that are not what Kubernetes serves: exit 3, naming the list and the object."""
    lists = staticmethod(lambda: {
        "/api/v1/nodes": ("NodeList", "v1", [fx.node("bad-0", "eight")]),
        "/api/v1/pods": ("PodList", "v1", []),
        "/api/v1/resourcequotas": ("ResourceQuotaList", "v1", [])})

    def test_bad_quantity(self):
        kc = self.kubeconfig("m.yaml", {"u": {"token": TOKEN}}, {"m": "u"}, "m")
        self.assertFails(self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity"), 3, "/api/v1/nodes",
                         "nodes[0]", '"eight"')


if __name__ == "__main__":
    unittest.main()
