"""fleetcap --source slurm (Slurm's own commands) against the real lab of scripts/slurm-lab
(issue 20): every command must give the answer the slurmrestd source gives on the same lab at
the same instant (`--at`), command by command; tests/e2e/test_slurm_lab.py works those answers
out by hand. Then `slurm:lab2`, `slurm:all` (the lab's two Slurm clusters, one slurmdbd, Slurm's
-M), and the lab's real failures (slurmctld or slurmdbd stopped).

ctest gives this suite the lab fixture (its name starts with test_slurm_lab). By hand:
    scripts/slurm-lab up && scripts/slurm-lab scenario
    FLEETCAP_BINARY=build/fleetcap python3 tests/e2e/test_slurm_lab_cli.py
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import test_slurm_lab as lab  # noqa: E402  (the lab's env, its config, and fc())

LAB = lab.LAB
# One instant for both sources: reservation states and every figure are computed at --at.
AT = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
H100, H200 = lab.H100, lab.H200

# Every command of fleetcap (docs/maintenance.md) with the options that make it show most.
COMMANDS = [
    ["capacity"],
    ["capacity", "--by", "sku"],
    ["flex"],
    ["flex", "--gpus", "8", "--contiguous"],
    ["quota"],
    ["overalloc", "report"],
    ["overalloc", "report", "--buffer", "10%", "--cut", "least-disruptive"],
    ["overalloc", "sweep"],
    ["overalloc", "plan"],
    ["maintenance", "list"],
    ["maintenance", "node", "h100-01"],
    ["maintenance", "node", "h200-03"],
    ["maintenance", "node", "h100-06"],
    ["maintenance", "impact"],
    ["maintenance", "plan"],
    ["nodes"],
    ["nodes", "--all", "--by", "island"],
]


def normalized(text, source):
    """An output with what names the source or the moment of the run taken out."""
    text = text.replace(source, "SOURCE")
    # short_time: seconds only when not :00 (a run at 16:30:00 says "16:30Z")
    text = re.sub(r"generated \d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z", "generated T", text)
    text = re.sub(r'"sources": \[[^\]]*\]', '"sources": []', text)  # which source, read when (docs/sources.md)
    return re.sub(r'"generated_at": "[^"]*"', '"generated_at": "T"', text)


def json_of(r, source):
    d = json.loads(r.out)
    for key in ("generated_at", "source", "sources"):
        d.pop(key, None)
    return json.loads(normalized(json.dumps(d), source))


def run(*args, source, config=None, extra_env=None):
    return lab.fc("--at", AT, *args, source=source, config=config, extra_env=extra_env)


class SameAsSlurmrestd(unittest.TestCase):
    """Slurm's commands and slurmrestd read the same slurmctld and slurmdbd: same items, so the
    same answer to every command, in JSON and in the table, with the same warnings."""

    def same(self, args, config=None, extra_env=None):
        rest = run(*args, source=lab.HTTP, config=config, extra_env=extra_env)
        cli = run(*args, source="slurm", config=config, extra_env=extra_env)
        self.assertEqual(rest.code, 0, rest)
        self.assertEqual(cli.code, 0, cli)
        if "--json" in args:
            self.assertEqual(json_of(cli, "slurm"), json_of(rest, lab.HTTP), args)
        else:
            self.assertEqual(normalized(cli.out, "slurm"), normalized(rest.out, lab.HTTP), args)
        self.assertEqual(cli.err, rest.err, args)  # the same lossy choices, warned alike
        return cli

    def test_every_command_json(self):
        for args in COMMANDS:
            with self.subTest(args=args):
                self.same([*args, "--json"])

    def test_tables(self):
        # the tables are drawn from the same items as the JSON: a few of them
        for args in (["capacity"], ["quota"], ["maintenance", "list"], ["nodes"]):
            with self.subTest(args=args):
                self.same([*args, "-o", "wide"])

    def test_figures_are_the_hand_worked_ones(self):
        # tests/e2e/test_slurm_lab.py works these out; here they are read through the commands.
        c = lab.by_name(self.same(["capacity", "--json"]).json()["clusters"])
        self.assertEqual([c[H100][k] for k in ("total", "healthy", "assigned", "inquota_used", "flex_used",
                                               "unbacked")], [64, 48, 56, 30, 2, 8])
        self.assertEqual([c[H200][k] for k in ("total", "healthy", "assigned", "inquota_used", "flex_used",
                                               "unbacked")], [64, 40, 48, 10, 18, 8])

    def test_report_html(self):
        rest = run("report", "--html", "-", source=lab.HTTP)
        cli = run("report", "--html", "-", source="slurm")
        self.assertEqual((cli.code, rest.code), (0, 0), cli)
        self.assertIn("lab/h100", cli.out)
        self.assertEqual(normalized(cli.out, "slurm"), normalized(rest.out, lab.HTTP))

    def test_quota_variants(self):
        # QOS limits (sacctmgr show qos), the account tree kept ([slurm] borrowing), no quota
        self.same(["quota", "--json", "--slurm-quota", "qos"])
        self.same(["quota", "--json"], config=lab.CONFIG_QOS + "borrowing = true\n")
        self.same(["capacity", "--json", "--slurm-quota", "none"])

    def test_island_map_and_flex_qos(self):
        path = os.path.join(lab.CFG_DIR, "islands")
        with open(path, "w") as f:
            f.write("h100-[01-08] rail-a\nh200-[01-08] rail-b\n")
        self.same(["flex", "--gpus", "8", "--contiguous", "--json", "--island-map", path],
                  config="[slurm]\nregion = \"local\"\nprovider = \"lab\"\npreempt-type = \"preempt/qos\"\n")
        self.same(["capacity", "--json", "--flex-qos", "capped"])

    def test_snapshot_save_writes_the_same_items(self):
        out = tempfile.mkdtemp(prefix="fleetcap-slurm-cli-save-")
        self.addCleanup(shutil.rmtree, out, True)
        dirs = {}
        for name, source in (("rest", lab.HTTP), ("cli", "slurm")):
            dirs[name] = os.path.join(out, name)
            r = run("snapshot", "save", dirs[name], source=source)
            self.assertEqual(r.code, 0, r)
        for resource in ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"):
            with open(os.path.join(dirs["cli"], resource + ".json")) as f:
                cli = json.load(f)
            with open(os.path.join(dirs["rest"], resource + ".json")) as f:
                rest = json.load(f)
            self.assertEqual(cli["items"], rest["items"], resource)
        with open(os.path.join(dirs["cli"], "snapshot.json")) as f:
            self.assertEqual(json.load(f)["source"], "slurm")
        # read back, the saved folder answers like the live source
        live = json_of(run("capacity", "--json", source="slurm"), "slurm")
        saved = run("capacity", "--json", source=dirs["cli"])
        self.assertEqual(json_of(saved, dirs["cli"]), live)

    def test_verbose_names_the_commands_and_the_version(self):
        r = run("capacity", "-v", source="slurm")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Slurm 22.05", r.err)
        self.assertIn("v0.0.38", r.err)
        for command in ("sinfo --json", "squeue --json", "scontrol -o show reservation", "sacctmgr -P -n show assoc"):
            self.assertIn(command, r.err)

    def test_named_cluster_is_the_same_as_the_default(self):
        # slurm:lab asks with -M lab; the lab's slurm.conf names lab too
        self.assertEqual(json_of(run("capacity", "--json", source="slurm:lab"), "slurm:lab"),
                         json_of(run("capacity", "--json", source="slurm"), "slurm"))


def lab2_conf_env():
    """Slurm's commands configured for lab2 (its own slurm.conf), as on lab2's login node."""
    return {"SLURM_CONF": lab.ENV["SLURM_LAB2_CONF"]}


class SecondCluster(unittest.TestCase):
    """lab2 (scripts/slurm-lab scenario2): a100-[01-04], 8 GPUs each. a100-03 drained, a100-04
    in maint-now (active): H = 2 x 8 = 16. Limits: pretrain gres/gpu:a100=16, vision gres/gpu=8
    (untyped, one GPU type: no choice to make): A = 24. Running: pretrain-x 8 (pretrain),
    vision-a 4 (vision): Uq = 12, Uf = 0."""

    def test_lab2_by_name_and_from_its_own_login_node(self):
        named = run("capacity", "--json", source="slurm:lab2")
        self.assertEqual(named.code, 0, named)
        c = named.json()["clusters"]
        self.assertEqual([x["name"] for x in c], ["lab2"])  # one GPU type: the cluster's own name
        x = c[0]
        self.assertEqual((x["sku"], x["total"], x["healthy"], x["assigned"], x["inquota_used"], x["flex_used"]),
                         ("a100", 32, 16, 24, 12, 0))
        self.assertEqual(x["inquota_free"], 4)   # min(24, 16) - 12
        self.assertEqual(x["unbacked"], 8)       # 24 - 16
        # on lab2's own login node (its slurm.conf), plain `slurm` is lab2
        own = run("capacity", "--json", source="slurm", extra_env=lab2_conf_env())
        self.assertEqual(json_of(own, "slurm"), json_of(named, "slurm:lab2"))

    def test_all_is_the_union_with_shared_names_qualified(self):
        one = {name: run("quota", "--json", source=f"slurm:{name}").json() for name in ("lab", "lab2")}
        every = run("quota", "--json", source="slurm:all")
        self.assertEqual(every.code, 0, every)
        quotas = {q["name"]: q for q in every.json()["quotas"]}
        # pretrain and vision are accounts of both clusters: lab/pretrain and lab2/pretrain; the
        # rest keep their names (docs/slurm.md, "Several Slurm clusters"). chat's untyped limit
        # gives a leaf per GPU type of lab (docs/slurm.md, "Untyped limits").
        self.assertEqual(sorted(quotas), ["chat/h100", "chat/h200", "evals/h100", "evals/h200", "lab/pretrain",
                                          "lab/vision", "lab2/pretrain", "lab2/vision"])
        for cluster, doc in one.items():
            for q in doc["quotas"]:
                name = f"{cluster}/{q['name']}" if q["name"] in ("pretrain", "vision") else q["name"]
                self.assertEqual({**q, "name": name, "tree": name}, quotas[name])

    def test_all_every_command_is_the_sum_of_the_clusters(self):
        cap = {name: run("capacity", "--json", source=f"slurm:{name}").json() for name in ("lab", "lab2")}
        every = run("capacity", "--json", source="slurm:all").json()
        # flex_stable_used and reserved_free are written when the fleet has stable use or a
        # reservation (lab does, lab2 does not): absent reads as 0
        extra = ("flex_stable_used", "reserved_free")
        lab2 = [{**c, **{k: c.get(k, 0) for k in extra}} for c in cap["lab2"]["clusters"]]
        self.assertEqual(every["clusters"], cap["lab"]["clusters"] + lab2)
        for key, value in every["totals"].items():
            if isinstance(value, int):
                self.assertEqual(value, cap["lab"]["totals"].get(key, 0) + cap["lab2"]["totals"].get(key, 0), key)
        # the same list, asked by name
        self.assertEqual(json_of(run("capacity", "--json", source="slurm:lab,lab2"), "slurm:lab,lab2"),
                         json_of(run("capacity", "--json", source="slurm:all"), "slurm:all"))

    def test_all_jobs_and_maintenance_with_shared_names(self):
        # job ids 1 and 2 and the reservation maint-now exist in both clusters
        m = run("maintenance", "list", "--json", source="slurm:all").json()
        ids = sorted(e["id"] for e in m["events"])
        self.assertIn("lab/maint-now", ids)
        self.assertIn("lab2/maint-now", ids)
        self.assertIn("maint-later", ids)  # lab's alone: its own name
        node = run("maintenance", "node", "a100-01", "--json", source="slurm:all").json()
        jobs2 = lab.STATE["jobs2"]
        self.assertEqual([j["name"] for j in node["jobs"]], [f"lab2/{jobs2['pretrain-x']}"])
        node = run("maintenance", "node", "h100-05", "--json", source="slurm:all").json()
        self.assertEqual([j["name"] for j in node["jobs"]], [f"lab/{lab.JOB['pretrain-b']}"])

    def test_all_snapshot_reads_back_the_same(self):
        out = tempfile.mkdtemp(prefix="fleetcap-slurm-all-save-")
        self.addCleanup(shutil.rmtree, out, True)
        saved = os.path.join(out, "all")
        self.assertEqual(run("snapshot", "save", saved, source="slurm:all").code, 0)
        for args in (["capacity"], ["quota"], ["maintenance", "plan"], ["nodes", "--all"], ["overalloc", "report"]):
            live = run(*args, "--json", source="slurm:all")
            back = run(*args, "--json", source=saved)
            self.assertEqual(json_of(back, saved), json_of(live, "slurm:all"), args)

    def test_unknown_cluster_names_it(self):
        r = run("capacity", source="slurm:nosuch")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        self.assertIn("nosuch", r.err)


class RealFaults(unittest.TestCase):
    """Slurm's real failures, as a user meets them when slurmctld or slurmdbd cannot be reached:
    here through a copy of the lab's slurm.conf whose port for it is closed (stopping the lab's
    slurmctld would change its nodes' states for the other suites). 22.05's sinfo/squeue --json
    then print an errors[] and exit 0 (test_slurm_cli_faults.py replays that output), scontrol
    and sacctmgr exit 1; whichever fails first is named. Each client retries for about 10 s
    before it gives up."""

    def conf_with(self, key, port):
        folder = tempfile.mkdtemp(prefix="fleetcap-slurm-conf-")
        self.addCleanup(shutil.rmtree, folder, True)
        with open(lab.ENV["SLURM_CONF"]) as f:
            text = f.read()
        text = re.sub(rf"^{key}=\d+$", f"{key}={port}", text, flags=re.M)
        path = os.path.join(folder, "slurm.conf")
        with open(path, "w") as f:
            f.write(text)
        return {"SLURM_CONF": path}

    def closed_port(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        return port

    def test_slurmctld_unreachable(self):
        r = run("capacity", source="slurm", extra_env=self.conf_with("SlurmctldPort", self.closed_port()))
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        self.assertRegex(r.err, r"(sinfo --json|squeue --json|scontrol -o show (reservation|partition)) on \S+")
        # The commands run at once; whichever fails first is reported, in Slurm's own words, which
        # vary ("Unable to contact slurm controller", "Unspecified error", an errors[] entry of
        # squeue --json). Whatever they are: the command, the host, and what to check next.
        self.assertIn("scontrol ping", r.err)

    def test_slurmdbd_unreachable(self):
        env = self.conf_with("AccountingStoragePort", self.closed_port())
        r = run("capacity", source="slurm", extra_env=env)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        # both slurmdb lists are read (limits and Preempt lists): the first that fails is named
        self.assertRegex(r.err, r"sacctmgr -P -n show (assoc|qos)")
        self.assertIn("Connection refused", r.err)
        self.assertIn("--slurm-quota none", r.err)
        none = run("capacity", "--json", "--slurm-quota", "none", source="slurm", extra_env=env)
        self.assertEqual(none.code, 0, none)  # without quota it still answers


if __name__ == "__main__":
    unittest.main()
