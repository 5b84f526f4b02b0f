"""Slurm is the judge (issue 21): real jobs on the lab of scripts/slurm-lab check fleetcap's
figures against what Slurm does.

- For every leaf quota (an account's limit in one GPU type), a job asking for exactly fleetcap's
  `available` starts, and one asking for one GPU more waits, with the reason fleetcap's figures
  predict: AssocGrpGRES when an account's limit holds it, QOSGrpGRES when a QOS's does,
  Resources when the cluster has no more GPUs for it (docs/slurm.md, "How Slurm's rules map to
  the figures").
- Reclaimable: a job that needs the GPUs of running jobs gets them by preemption only from jobs
  fleetcap lists as reclaimable, never from stable ones; under preempt/qos and preempt/none (the
  lab restarts slurmctld with either: `scripts/slurm-lab preempt TYPE`).
- Reservations: a job of an account the reservation does not name cannot use its node; one of
  `evals` can.

Runs on ctest's lab fixture (tests/CMakeLists.txt); every job it submits is cancelled, a job it
had preempted is started again, and slurmctld is left with preempt/qos, so the lab is as the
scenario made it for the other suites. By hand: scripts/slurm-lab up && scripts/slurm-lab
scenario, then FLEETCAP_BINARY=build/fleetcap python3 tests/e2e/test_slurm_lab_oracle.py.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import test_slurm_lab as lab  # noqa: E402  (the lab's environment and fleetcap runner)

SLURM_ENV = dict(os.environ, SLURM_CONF=lab.ENV["SLURM_CONF"])
CONFIG = lab.CONFIG + 'preempt-type = "{}"\n'


def slurm(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, env=SLURM_ENV, check=check, timeout=60)


def submit(*args):
    """A real batch job of `sleep 600`, ten minutes of time limit (so a coming reservation does
    not keep it off a node); its Slurm job id."""
    p = slurm("sbatch", "--parsable", "-t", "10", "-o", "/dev/null", "-e", "/dev/null", *args,
              "--wrap", "sleep 600")
    return p.stdout.strip().split(";")[0]


def states():
    """job id -> (state, reason, nodes) of every job squeue lists."""
    p = slurm("squeue", "-h", "-o", "%i|%T|%r|%N")
    return {i: (t, r, n) for i, t, r, n in (line.split("|") for line in p.stdout.splitlines())}


def wait_until(what, test, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = test()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout} s; squeue: {states()}")


def cancel(job):
    slurm("scancel", job, check=False)
    wait_until(f"job {job} gone", lambda: states().get(job, ("GONE",))[0] not in ("RUNNING", "PENDING",
                                                                                "CONFIGURING"))


def fleet(preempt="preempt/qos"):
    """fleetcap's view of the lab: the quota document and the saved jobs (snapshot save), with
    the PreemptType slurmctld runs with."""
    config = CONFIG.format(preempt)
    d = tempfile.mkdtemp(prefix="fleetcap-oracle-")
    try:
        r = lab.fc("snapshot", "save", os.path.join(d, "s"), config=config)
        assert r.code == 0, r
        with open(os.path.join(d, "s", "jobs.json")) as f:
            jobs = {j["name"]: j for j in json.load(f)["items"]}
    finally:
        shutil.rmtree(d, True)
    r = lab.fc("quota", "--json", config=config)
    assert r.code == 0, r
    return r.json(), jobs


class Available(unittest.TestCase):
    def test_available_starts_and_one_more_waits_as_predicted(self):
        quota, _ = fleet()
        sku = {"lab/h100": "h100", "lab/h200": "h200"}
        caps = {c["name"]: c for c in quota.get("caps", [])}
        flex_a = lab.JOB["flex-a"]
        checked = []
        for leaf in quota["quotas"]:
            account = leaf["access"][0]  # the account; its sub-accounts follow (none in the lab)
            n, gpu = leaf["available"], sku[leaf["cluster"]]
            # What holds it: a cap (an account's or a QOS's limit), else its own limit, else
            # the cluster's GPUs.
            if leaf.get("capped_by"):
                want = "QOSGrpGRES" if caps[leaf["capped_by"]]["name"].startswith("qos ") else "AssocGrpGRES"
            elif leaf["available"] == leaf["free"] and leaf["assigned"] > 0:
                want = "AssocGrpGRES"
            else:
                want = "Resources"
            with self.subTest(leaf=leaf["name"], available=n, reason=want):
                if n > 0:
                    job = submit("-A", account, f"--gpus={gpu}:{n}")
                    try:
                        wait_until(f"{leaf['name']}: {n} GPUs start",
                                   lambda: states().get(job, ("",))[0] == "RUNNING")
                        # without preempting anyone: the lab's reclaimable job still runs
                        self.assertEqual(states()[flex_a][0], "RUNNING")
                    finally:
                        cancel(job)
                job = submit("-A", account, f"--gpus={gpu}:{n + 1}")
                try:
                    reason = wait_until(f"{leaf['name']}: {n + 1} GPUs wait with a reason",
                                        lambda: states()[job][0] == "PENDING" and states()[job][1] not in
                                        ("None", "Priority") and states()[job][1])
                    self.assertEqual(reason, want)
                finally:
                    cancel(job)
                checked.append((leaf["name"], n, want))
        # pretrain, evals/h100, evals/h200, chat/h100, chat/h200, vision (docs/slurm-lab.md)
        self.assertEqual(len(checked), 6, checked)
        print(f"\noracle: {checked}", file=sys.stderr)


class Reclaimable(unittest.TestCase):
    def restart_flex_a(self):
        """A preempted job is requeued with a begin time two minutes on; start it again now."""
        job = lab.JOB["flex-a"]
        if states()[job][0] != "RUNNING":
            # slurmd refuses a credential made in the same second it revoked the job's last one
            # ("Job credential revoked": the job would fail), so let a second pass first
            wait_until("flex-a requeued", lambda: states()[job][0] == "PENDING")
            time.sleep(2)
            slurm("scontrol", "update", f"jobid={job}", "StartTime=now", check=False)
            wait_until("flex-a runs again", lambda: states()[job][0] == "RUNNING", 60)

    def kinds(self, jobs):
        """Running flex jobs: reclaimable ones and stable use. (A pending job's `reclaimable` says
        what it would be once running: capped-b, pending in QOS capped, is not.)"""
        flex = {n: j for n, j in jobs.items() if j["quota"] == "flex" and j["state"] == "running"}
        reclaimable = {n for n, j in flex.items() if j.get("reclaimable", True)}
        stable = {n for n, j in flex.items() if j.get("reclaimable") is False}
        return reclaimable, stable

    def test_preempt_qos_preempts_only_reclaimable_jobs(self):
        _, jobs = fleet("preempt/qos")
        reclaimable, stable = self.kinds(jobs)
        # scavenger jobs (normal's Preempt list) are reclaimable; capped-a (QOS capped, which no
        # QOS may preempt, of ops, which has no limit) is stable use
        self.assertEqual(reclaimable, {lab.JOB["flex-a"], lab.JOB["flex-b"]})
        self.assertEqual(stable, {lab.JOB["capped-a"]})
        before = {j for j, s in states().items() if s[0] == "RUNNING"}
        # h100-03 runs evals-a (4, in quota) and flex-a (2): 4 more GPUs there need flex-a's
        job = submit("-A", "chat", "-w", "h100-03", "--gres=gpu:h100:4")
        try:
            wait_until("the chat job starts by preempting", lambda: states().get(job, ("",))[0] == "RUNNING")
            after = {j for j, s in states().items() if s[0] == "RUNNING"}
            preempted = before - after
            self.assertEqual(preempted, {lab.JOB["flex-a"]})
            self.assertTrue(preempted <= reclaimable)
        finally:
            cancel(job)
            self.restart_flex_a()
        # h200-05 is wholly capped-a's (stable): Slurm never preempts it
        job = submit("-A", "chat", "-w", "h200-05", "--gres=gpu:h200:8")
        try:
            wait_until("the chat job waits", lambda: states()[job][1] not in ("None", "") and states()[job][1])
            time.sleep(3)  # more scheduling passes
            self.assertEqual(states()[job][0], "PENDING")
            self.assertEqual(states()[lab.JOB["capped-a"]][0], "RUNNING")
        finally:
            cancel(job)

    def test_preempt_none_preempts_nobody(self):
        subprocess.run([lab.LAB, "preempt", "none"], check=True, capture_output=True)
        try:
            _, jobs = fleet("preempt/none")
            reclaimable, stable = self.kinds(jobs)
            self.assertEqual(reclaimable, set())  # no job is reclaimable ...
            # ... and what runs outside any limit is stable use, not free capacity
            self.assertEqual(stable, {lab.JOB["flex-a"], lab.JOB["flex-b"], lab.JOB["capped-a"]})
            job = submit("-A", "chat", "-w", "h100-03", "--gres=gpu:h100:4")
            try:
                wait_until("the chat job waits", lambda: states()[job][1] not in ("None", "") and states()[job][1])
                time.sleep(3)
                self.assertEqual(states()[job][0], "PENDING")
                self.assertEqual(states()[lab.JOB["flex-a"]][0], "RUNNING")
            finally:
                cancel(job)
        finally:
            subprocess.run([lab.LAB, "preempt", "qos"], check=True, capture_output=True)


class Reservation(unittest.TestCase):
    def test_only_its_accounts_use_the_reserved_node(self):
        # fleetcap: h200-04 is reserved for evals, and no contiguous answer offers it to others
        r = lab.fc("nodes", "--json", config=CONFIG.format("preempt/qos"))
        self.assertEqual(r.code, 0, r)
        node = {n["name"]: n for n in r.json()["nodes"]}["h200-04"]
        self.assertEqual(node["reservation"], "evals-demo")
        job = submit("-A", "chat", "-w", "h200-04", "--gres=gpu:h200:1")
        try:
            reason = wait_until("chat's job on h200-04 waits",
                                lambda: states()[job][0] == "PENDING" and states()[job][1] not in ("None",) and
                                states()[job][1])
            time.sleep(2)
            self.assertEqual(states()[job][0], "PENDING", reason)
        finally:
            cancel(job)
        job = submit("-A", "evals", "--reservation=evals-demo", "-w", "h200-04", "--gres=gpu:h200:4")
        try:
            wait_until("evals's job in evals-demo starts", lambda: states()[job][0] == "RUNNING")
        finally:
            cancel(job)


if __name__ == "__main__":
    unittest.main(verbosity=2)
