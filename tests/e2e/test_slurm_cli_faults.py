"""fleetcap --source slurm when Slurm's commands misbehave (issue 20, "Bad input and faults"):
a command missing on PATH, printing an error, exiting non-zero, printing non-JSON, JSON of a
data parser fleetcap does not read, or malformed objects, hanging (bounded by --timeout),
printing without end (bounded by --max-response-mb). Each: a message naming the command and
the host, exit 1 (3 for malformed objects, located), nothing on stdout, no process left.

The commands here are stand-ins (tests/e2e/fake_slurm.py) printing recorded real output:
Slurm 22.05's, captured from the lab (tests/data/slurm/lab-v0.0.38), and Slurm-web's
captures of data parsers v0.0.39 to v0.0.44 (tests/data/slurm/slurmweb), which also check
the commands fleetcap runs for each Slurm release and that their JSON gives the answer the
slurmrestd adapter gives for the same responses. The normal path against a real Slurm is
tests/e2e/test_slurm_lab_cli.py.
"""
import http.server
import json
import math
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

import harness
from reliability import prompt_bound  # noqa: E402
from harness import run

sys.path.insert(0, os.path.dirname(__file__))
import slurm_server as rest  # noqa: E402  (the recorded-slurmrestd server)

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_slurm.py")
LAB38 = os.path.join(harness.DATA, "slurm", "lab-v0.0.38")
SLURMWEB = os.path.join(harness.DATA, "slurm", "slurmweb")
HOST = socket.gethostname()


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


def lab_texts(folder):
    """The lab capture's reservations and associations as Slurm 22.05's scontrol -o and
    sacctmgr -P -n print them (times in UTC: fleetcap runs them with TZ=UTC)."""
    with open(os.path.join(LAB38, "reservations.json")) as f:
        res = json.load(f)["reservations"]
    lines = [f"ReservationName={r['name']} StartTime={utc(r['start_time'])} EndTime={utc(r['end_time'])} "
             f"Duration=04:00:00 Nodes={r['node_list'] or '(null)'} NodeCnt={r['node_count']} "
             f"Flags={','.join(r['flags'])} TRES={r['tres']} Users={r['users'] or '(null)'}" for r in res]
    with open(os.path.join(folder, "res.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(LAB38, "associations.json")) as f:
        assocs = json.load(f)["associations"]
    lines = []
    for a in assocs:
        tres = ",".join(f"{t['type']}/{t['name']}={t['count']}" for t in a["max"]["tres"]["total"])
        lines.append("|".join([a["cluster"], a["account"], a["user"] or "", a["parent_account"] or "", tres,
                               a["default"]["qos"] or ""]))
    with open(os.path.join(folder, "assoc.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(LAB38, "partitions.json")) as f:
        parts = json.load(f)["partitions"]
    lines = [f"PartitionName={p['name']} AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL Default=YES "
             f"Nodes={p['nodes']} PriorityJobFactor=1 PriorityTier={p['priority_tier']} PreemptMode=REQUEUE "
             f"State=UP TotalNodes={len(p['nodes'])}" for p in parts]
    with open(os.path.join(folder, "part.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


class Fakes:
    """A folder of stand-in commands, on a PATH of their own, and the plan they follow."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fleetcap-fake-slurm-")
        self.bin = os.path.join(self.dir, "bin")
        os.makedirs(self.bin)
        with open(FAKE) as f:
            body = f.read()
        for name in ("sinfo", "squeue", "scontrol", "sacctmgr"):
            path = os.path.join(self.bin, name)
            with open(path, "w") as f:
                f.write(f"#!{sys.executable} -SE\n" + body)  # no site packages: a quicker start
            os.chmod(path, 0o755)
        os.symlink(shutil.which("sleep"), os.path.join(self.bin, "sleep"))
        lab_texts(self.dir)
        self.log = os.path.join(self.dir, "argv.log")
        self.plan_path = os.path.join(self.dir, "plan.json")

    def file(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def healthy_2205(self):
        return {"version": "slurm-wlm 22.05.8", "log": self.log,
                "sinfo": {"out_file": os.path.join(LAB38, "nodes.json")},
                "squeue": {"out_file": os.path.join(LAB38, "jobs.json")},
                "scontrol": {"out_file": os.path.join(self.dir, "res.txt")},
                "scontrol show partition": {"out_file": os.path.join(self.dir, "part.txt")},
                # as the lab's slurm.conf says (the capture's scenario preempts by QOS)
                "scontrol show config": {"out": "PreemptMode             = REQUEUE\n"
                                                "PreemptType             = preempt/qos\n"},
                "sacctmgr show assoc": {"out_file": os.path.join(self.dir, "assoc.txt")},
                "sacctmgr show qos": {"out": "normal||scavenger|cluster\ncapped|gres/gpu:h200=16||cluster\n"
                                             "scavenger|||requeue\n"}}

    def fleetcap(self, *args, plan=None, path=None):
        with open(self.plan_path, "w") as f:
            json.dump(plan or self.healthy_2205(), f)
        if os.path.exists(self.log):
            os.remove(self.log)
        env = harness.clean_env(FAKE_SLURM_PLAN=self.plan_path, PATH=path or self.bin)
        return run("--source", "slurm", "--at", "2026-12-02T05:39:14Z", *args, env=env)

    def calls(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]


def alive(pid, grace=5.0):
    """Whether `pid` still runs `grace` seconds on (a SIGKILL takes a moment to land; a zombie
    nobody reaps counts as gone)."""
    deadline = time.time() + grace * harness.SLACK
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                running = f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            running = False
        if not running or time.time() > deadline:
            return running
        time.sleep(0.05)


class Faults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fakes()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.fake.dir, True)

    def failed(self, r, code, *wanted):
        self.assertEqual(r.code, code, r)
        self.assertEqual(r.out, "", r)
        for w in wanted:
            self.assertIn(w, r.err)

    def with_(self, **specs):
        plan = self.fake.healthy_2205()
        for key, spec in specs.items():
            plan[key.replace("_", " ")] = spec
        return plan

    def test_healthy_fake_gives_the_lab_capture_figures(self):
        # the recorded lab (test_slurm_lab.py's figures): the stand-ins print sane output
        r = self.fake.fleetcap("capacity", "--json", "--island-feature-prefix", "ib-")
        self.assertEqual(r.code, 0, r)
        c = {x["name"]: x for x in r.json()["clusters"]}
        self.assertEqual((c["lab/h100"]["total"], c["lab/h100"]["assigned"], c["lab/h100"]["inquota_used"]),
                         (64, 56, 30))  # chat-b's 2 (untyped) count in chat's limit (test_slurm.cpp)
        self.assertIn(["squeue", "--json"], self.fake.calls())
        self.assertIn(["sacctmgr", "-P", "-n", "show", "assoc", "format=Cluster,Account,User,ParentName,GrpTRES,DefaultQOS"],
                      self.fake.calls())

    def test_command_missing_on_path(self):
        path = os.path.join(self.fake.dir, "partial")
        os.makedirs(path, exist_ok=True)
        for name in ("scontrol", "squeue", "sacctmgr"):
            if not os.path.exists(os.path.join(path, name)):
                os.symlink(os.path.join(self.fake.bin, name), os.path.join(path, name))
        r = self.fake.fleetcap("capacity", path=path)
        self.failed(r, 1, f"sinfo is not on the PATH on {HOST}", "slurm-client")
        r = self.fake.fleetcap("capacity", path=os.path.join(self.fake.dir, "nothing"))
        self.failed(r, 1, f"scontrol is not on the PATH on {HOST}")

    def test_error_and_non_zero_exit(self):
        r = self.fake.fleetcap("capacity", plan=self.with_(squeue={
            "err": "squeue: error: Invalid user for SlurmUser slurm, ignored", "exit": 1}))
        self.failed(r, 1, f"squeue --json on {HOST} failed (exit status 1)", "Invalid user for SlurmUser",
                    "scontrol ping")
        r = self.fake.fleetcap("capacity", plan=self.with_(sacctmgr_show_assoc={
            "err": "sacctmgr: error: Sending PersistInit msg: Connection refused", "exit": 1}))
        self.failed(r, 1, "sacctmgr -P -n show assoc", "Connection refused", "--slurm-quota none")

    def test_json_errors_with_exit_status_zero(self):
        # what 22.05's squeue --json prints when slurmctld cannot be reached (captured from the lab)
        out = json.dumps({"meta": {"plugin": {"type": "openapi/v0.0.38", "name": "Slurm OpenAPI v0.0.38"}},
                          "errors": [{"description": "Failed while looking for jobs", "error_number": -1,
                                      "error": "Unspecified error", "source": "slurm_load_jobs"}],
                          "jobs": []})
        r = self.fake.fleetcap("capacity", plan=self.with_(squeue={"out": out}))
        self.failed(r, 1, f"squeue --json on {HOST}: Slurm says: Unspecified error (Failed while looking for jobs)",
                    "scontrol ping")

    def test_not_json(self):
        r = self.fake.fleetcap("capacity", plan=self.with_(squeue={"out": "<html>maintenance</html>\n"}))
        self.failed(r, 1, f"squeue --json on {HOST} printed something that is not JSON", "<html>")
        r = self.fake.fleetcap("capacity", plan=self.with_(sinfo={"out": ""}))
        self.failed(r, 1, f"sinfo --json on {HOST} printed nothing")

    def test_data_parser_fleetcap_does_not_read(self):
        out = json.dumps({"jobs": [], "meta": {"plugin": {"data_parser": "data_parser/v0.0.45"}}, "errors": []})
        r = self.fake.fleetcap("capacity", plan=self.with_(squeue={"out": out}))
        self.failed(r, 1, f"squeue --json on {HOST} printed JSON of data parser v0.0.45", "v0.0.38 to v0.0.44")

    def test_malformed_objects_are_located(self):
        with open(os.path.join(LAB38, "jobs.json")) as f:
            jobs = json.load(f)
        jobs["jobs"][2]["job_id"] = "three"
        jobs["jobs"][4]["job_state"] = 7
        r = self.fake.fleetcap("capacity", plan=self.with_(squeue={"out": json.dumps(jobs)}))
        self.failed(r, 3, f'squeue --json on {HOST}: jobs[2]: field "job_id" must be a number',
                    f'squeue --json on {HOST}: jobs[4] "5": field "job_state"')
        r = self.fake.fleetcap("capacity", plan=self.with_(sacctmgr_show_assoc={
            "out": "lab|root||||\nlab|pretrain||root|gres/gpu:h100=lots|\nlab|evals||root|\n"}))
        self.failed(r, 3, 'line 2 "pretrain": GrpTRES "gres/gpu:h100=lots" is not a TRES list',
                    "line 3: expected 6 fields separated by |, got 5")
        r = self.fake.fleetcap("capacity", plan=self.with_(scontrol={
            "out": "ReservationName=m StartTime=tomorrow EndTime=2026-12-03T00:00:00 Nodes=h100-01 Flags=MAINT\n"}))
        self.failed(r, 3, f'scontrol -o show reservation on {HOST}: line 1 "m": StartTime=tomorrow is not a time')
        r = self.fake.fleetcap("capacity", plan=self.with_(sinfo={"out": '{"nodes": [], "meta": "<truncated'}))
        self.failed(r, 3, f"sinfo --json on {HOST}: invalid JSON")

    def test_hang_is_bounded_by_timeout(self):
        # A --timeout the other stand-ins finish within on a busy machine too: 40 starts of the
        # binary, measured now (at least 1 s; docs/reliability.md, "Time in tests").
        # The healthy stand-ins are Python: never less than 6 s for them.
        timeout = max(6, math.ceil(prompt_bound(0, 40)))
        pids = os.path.join(self.fake.dir, "pids")
        r = self.fake.fleetcap("capacity", "--timeout", str(timeout), plan=self.with_(squeue={"hang": pids}))
        self.failed(r, 1, f"squeue --json on {HOST} did not finish within {timeout} s (--timeout)")
        with open(pids) as f:
            for pid in f.read().split():  # the command and what it started: killed with it
                self.assertFalse(alive(int(pid)), f"process {pid} was left running")

    def test_ctrl_c_ends_the_commands_too(self):
        import signal
        import subprocess
        pids = os.path.join(self.fake.dir, "pids-int")
        if os.path.exists(pids):
            os.remove(pids)
        with open(self.fake.plan_path, "w") as f:
            json.dump(self.with_(squeue={"hang": pids}), f)
        env = harness.clean_env(FAKE_SLURM_PLAN=self.fake.plan_path, PATH=self.fake.bin)
        p = subprocess.Popen([harness.BINARY, "--source", "slurm", "capacity"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.time() + 60 * harness.SLACK  # a hang guard
        while time.time() < deadline:
            if os.path.exists(pids):
                with open(pids) as f:
                    if f.read().endswith("\n"):
                        break
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60 * harness.SLACK)
        self.assertEqual((p.returncode, out), (130, ""), err)
        self.assertIn("interrupted", err)
        with open(pids) as f:
            for pid in f.read().split():
                self.assertFalse(alive(int(pid)), f"process {pid} was left running")

    def test_endless_output_is_bounded_by_max_response_mb(self):
        r = self.fake.fleetcap("capacity", "--max-response-mb", "1", plan=self.with_(squeue={"flood": True}))
        self.failed(r, 1, f"squeue --json on {HOST} printed more than 1 MiB (--max-response-mb)")

    def test_no_slurmdbd_configured_means_no_quota(self):
        r = self.fake.fleetcap("capacity", "--json", plan=self.with_(sacctmgr_show_assoc={
            "err": "You are not running a supported accounting_storage plugin\n"
                   "Only 'accounting_storage/slurmdbd' is supported.", "exit": 1}))
        self.assertEqual(r.code, 0, r)
        self.assertIn("no slurmdbd", r.err)
        self.assertEqual(sum(c["assigned"] for c in r.json()["clusters"]), 0)

    def test_unreadable_versions(self):
        plan = self.fake.healthy_2205()
        for version, wanted in (("slurm 21.08.8", "older than 22.05"), ("something else", "not a Slurm version")):
            plan["version"] = version
            r = self.fake.fleetcap("capacity", plan=plan)
            self.failed(r, 1, f"on {HOST}", wanted)
        # scontrol --version as it fails on a host without a slurm.conf (configless, no DNS SRV)
        plan["version"] = ""
        plan["version_err"] = ("scontrol: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown host\n"
                               "scontrol: fatal: Could not establish a configuration source")
        r = self.fake.fleetcap("capacity", plan=plan)
        self.failed(r, 1, f"scontrol --version on {HOST} failed (exit status 1)",
                    "Could not establish a configuration source", f"is Slurm configured on {HOST} (SLURM_CONF")
        self.assertNotIn("slurmctld", r.err)

    def test_usage_errors(self):
        for source in ("slurm:", "slurm:a,,b", "slurm:lab;rm"):
            r = run("--source", source, "capacity")
            self.failed(r, 2, "is not a Slurm cluster name")
        for source in ("slurm+ssh://", "slurm+ssh://-oProxyCommand=x", "slurm+ssh://h:99999", "slurm+ssh://a b",
                       "slurm+ssh://[::1", "slurm+ssh://h/x;y"):
            r = run("--source", source, "capacity")
            self.assertEqual(r.code, 2, (source, r))
            self.assertEqual(r.out, "")
        # a password in the URL is refused, and never shown
        r = run("--source", "slurm+ssh://al:secretpw@login1", "capacity")
        self.failed(r, 2, "a password has no place in it")
        self.assertNotIn("secretpw", r.err)


# ---- Slurm 23.02 and later: their commands and their JSON, from Slurm-web's captures

# release -> (data parser, the JSON flag fleetcap should pass)
RELEASES = {"23.02.8": ("v0.0.39", "--json"), "23.11.10": ("v0.0.40", "--json"), "24.05.4": ("v0.0.41", "--json"),
            "24.11.1": ("v0.0.42", "--json"), "25.05.0": ("v0.0.43", "--json"), "25.11.0": ("v0.0.44", "--json"),
            "26.05.0": ("v0.0.44", "--json=v0.0.44")}


class Releases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fakes()
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), rest.Handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.rest = f"slurm+http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        shutil.rmtree(cls.fake.dir, True)

    def plan(self, release):
        parser, _ = RELEASES[release]
        data = os.path.join(SLURMWEB, parser)
        plan = {"version": f"slurm {release}", "log": self.fake.log,
                "scontrol show nodes": {"out_file": os.path.join(data, "nodes.json")},
                "scontrol show reservations": {"out_file": os.path.join(data, "reservations.json")},
                "squeue": {"out_file": os.path.join(data, "jobs.json")},
                "sacctmgr show qos": {"out_file": os.path.join(data, "qos.json")},
                # Slurm-web captured no partitions (slurmrestd's fake answers 404: none); scontrol
                # show config prints no PreemptType: both sources guess it alike
                "scontrol show partitions": {"out": self.no_partitions(data)}}
        if os.path.exists(os.path.join(data, "associations.json")):
            plan["sacctmgr show assoc"] = {"out_file": os.path.join(data, "associations.json")}
        else:  # QOS limits bind with the accounts' (and QOS Preempt lists with both): both are read
            plan["sacctmgr show assoc"] = {"out": self.no_associations(parser)}
        return plan

    @staticmethod
    def no_associations(parser):
        with open(os.path.join(SLURMWEB, parser, "qos.json")) as f:
            meta = json.load(f)["meta"]
        return json.dumps({"associations": [], "meta": meta, "errors": [], "warnings": []})

    @staticmethod
    def no_partitions(data):
        with open(os.path.join(data, "jobs.json")) as f:
            meta = json.load(f)["meta"]
        return json.dumps({"partitions": [], "meta": meta, "errors": [], "warnings": []})

    def saved_items(self, folder):
        out = {}
        for resource in ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"):
            with open(os.path.join(folder, resource + ".json")) as f:
                out[resource] = json.load(f)["items"]
        return out

    def test_each_release_runs_its_commands_and_reads_as_slurmrestd(self):
        # The items a snapshot saves decide every command's answer: the same items, the same
        # answers. (The v0.0.39 and v0.0.40 captures are of a cluster without GPUs: no items,
        # but their shapes are still read.)
        for release, (parser, flag) in RELEASES.items():
            with self.subTest(release=release):
                quota = "associations" if os.path.exists(os.path.join(SLURMWEB, parser, "associations.json")) else "qos"
                folder = tempfile.mkdtemp(prefix="fleetcap-release-", dir=self.fake.dir)
                cli = self.fake.fleetcap("--slurm-quota", quota, "snapshot", "save", os.path.join(folder, "cli"),
                                         plan=self.plan(release))
                self.assertEqual(cli.code, 0, cli)
                calls = self.fake.calls()
                self.assertIn(["scontrol", flag, "show", "nodes"], calls)
                self.assertIn(["scontrol", flag, "show", "reservations"], calls)
                self.assertIn(["scontrol", flag, "show", "partitions"], calls)
                self.assertIn(["squeue", flag], calls)
                self.assertIn(["sacctmgr", flag, "show", "assoc"], calls)
                self.assertIn(["sacctmgr", flag, "show", "qos"], calls)
                rest.Fake.version, rest.Fake.openapi, rest.Fake.slurmdb, rest.Fake.status = parser, True, True, {}
                if quota == "qos":  # no associations captured: both read an empty list
                    rest.Fake.status = {"/associations": (200, self.no_associations(parser))}
                env = harness.clean_env(SLURM_JWT=rest.JWT, SLURM_USER="alice")
                want = run("--source", self.rest, "--at", "2026-12-02T05:39:14Z", "--slurm-quota", quota,
                           "snapshot", "save", os.path.join(folder, "rest"), env=env)
                self.assertEqual(want.code, 0, want)
                items = self.saved_items(os.path.join(folder, "cli"))
                self.assertEqual(items, self.saved_items(os.path.join(folder, "rest")))
                self.assertEqual(cli.err, want.err)
                if parser >= "v0.0.41":  # the 25.11 cluster "hpc": 4 GPU nodes, GPU jobs (slurm_server.py)
                    self.assertEqual(sum(n["gpus"] for n in items["nodes"]), 16)
                    self.assertGreater(len(items["jobs"]), 0)


if __name__ == "__main__":
    unittest.main()
