"""From answer to action on a real Slurm (issue 22, docs/flex.md "Which nodes", docs/overalloc.md
"The change in the scheduler's language", docs/jobs.md "Held jobs"), on the lab of
scripts/slurm-lab (its scenario: tests/e2e/test_slurm_lab.py's docstring, docs/slurm-lab.md):

- the `sbatch` line `flex --gpus N --contiguous -o json` prints for a block, submitted as printed
  (a `sleep` in place of JOB.sh), starts a job on exactly the nodes fleetcap named;
- the `sacctmgr` lines of `overalloc plan -o sacctmgr`, run, change the accounts' GrpTRES from
  what `sacctmgr show assoc` said before to what the plan promised (the account's other GPU types
  untouched), and fleetcap's next `quota`, `overalloc report` and `overalloc plan` agree with it;
- the held job of the scenario (evals-c, `sbatch --hold`: JobHeldUser) waits, whatever is free.

Every job it submits is cancelled and every limit it changes is set back, so the other lab
suites see the scenario as it was. Runs on ctest's lab fixture (tests/CMakeLists.txt); by hand:
scripts/slurm-lab up && scripts/slurm-lab scenario, then
FLEETCAP_BINARY=build/fleetcap python3 tests/e2e/test_slurm_lab_action.py.
"""
import json
import os
import shlex
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import test_slurm_lab as lab  # noqa: E402  (the lab's environment and fleetcap runner)

# Slurm's commands, the job states squeue shows, waiting and cancelling: the oracle suite's.
from test_slurm_lab_oracle import cancel, slurm, states, wait_until  # noqa: E402


def expand(hostlist):
    return slurm("scontrol", "show", "hostnames", hostlist).stdout.split()


def grp_tres(account):
    """The account's own association's GrpTRES (the line without a user), as sacctmgr shows it."""
    p = slurm("sacctmgr", "-nP", "show", "assoc", "where", f"account={account}", "cluster=lab",
              "format=user,grptres")
    rows = [line.split("|") for line in p.stdout.splitlines()]
    return next(tres for user, tres in rows if not user)


def tres_dict(text):
    return dict(item.split("=") for item in text.split(",") if item)


class Contiguous(unittest.TestCase):
    def test_the_printed_sbatch_line_starts_the_job_on_exactly_those_nodes(self):
        # The largest block fleetcap says is free, and an 8-GPU one (each island that fits).
        largest = lab.ok(self, "flex", "--gpus", "8", "--contiguous", "--json").json()["largest_block"]
        asks = sorted({8, largest["lasting_block"]})
        tried = []
        for gpus in asks:
            doc = lab.ok(self, "flex", "--gpus", str(gpus), "--contiguous", "--json").json()
            blocks = [i for i in doc["islands"] if i["fits"]]
            self.assertTrue(blocks, doc)
            for block in blocks:
                with self.subTest(gpus=gpus, island=block["island"]):
                    argv = shlex.split(block["command"])
                    self.assertEqual((argv[0], argv[-1]), ("sbatch", "JOB.sh"), block["command"])
                    self.assertIn("-w", argv)
                    named = expand(argv[argv.index("-w") + 1])
                    self.assertEqual(named, block["nodes"])
                    self.assertEqual(len(named) * block["gpus_per_node"], gpus)
                    p = slurm(*argv[:-1], "--parsable", "-o", "/dev/null", "-e", "/dev/null", "--wrap", "sleep 600")
                    job = p.stdout.strip().split(";")[0]
                    try:
                        state = wait_until(f"{block['command']} starts",
                                           lambda: states().get(job, ("",))[0] == "RUNNING" and states()[job], 20)
                        self.assertEqual(expand(state[2]), named)
                        # scontrol says the same nodes, and the GPUs the line asked for on each
                        shown = slurm("scontrol", "-o", "show", "job", job).stdout
                        fields = dict(f.split("=", 1) for f in shown.split() if "=" in f)
                        self.assertEqual(expand(fields["NodeList"]), named)
                        self.assertEqual(fields["NumNodes"], str(len(named)))
                    finally:
                        cancel(job)
                    tried.append((gpus, block["island"], ",".join(named)))
        self.assertTrue(tried)
        print(f"\nstarted on the chosen nodes: {tried}", file=sys.stderr)


class Sacctmgr(unittest.TestCase):
    def test_the_plan_lines_change_the_limits_to_what_the_plan_promised(self):
        plan = lab.ok(self, "overalloc", "plan", "--json").json()
        changed = {q["name"]: q for q in plan["quotas"] if q["gpus"] != q["old_gpus"]}
        self.assertTrue(changed, "the lab's plan changes nothing: nothing to apply")
        # Where each leaf was read from (the snapshot keeps it): the account and its GrpTRES entry.
        d = tempfile.mkdtemp(prefix="fleetcap-action-")
        try:
            lab.ok(self, "snapshot", "save", os.path.join(d, "s"))
            with open(os.path.join(d, "s", "quotas.json")) as f:
                origin = {q["name"]: q.get("slurm") for q in json.load(f)["items"]}
        finally:
            shutil.rmtree(d, True)
        lines = [shlex.split(line) for line in lab.ok(self, "overalloc", "plan", "-o", "sacctmgr").out.splitlines()
                 if line and not line.startswith("#")]
        self.assertEqual(len(lines), len(changed), lines)  # one line per leaf whose gpus change
        for argv in lines:
            self.assertEqual(argv[:5], ["sacctmgr", "-i", "modify", "account", "where"], argv)
        accounts = sorted({next(a.split("=", 1)[1] for a in argv if a.startswith("name=")) for argv in lines})
        before = {a: grp_tres(a) for a in accounts}
        # What the plan promised: each changed leaf's own GrpTRES entry set to its new gpus, the
        # account's other entries as they were.
        promised = {a: tres_dict(t) for a, t in before.items()}
        for leaf, q in changed.items():
            promised[origin[leaf]["account"]][origin[leaf]["tres"]] = str(q["gpus"])
        try:
            for argv in lines:
                slurm(*argv)
            after = {a: tres_dict(grp_tres(a)) for a in accounts}
            self.assertEqual(after, promised, before)
            # fleetcap's next answers: every leaf's quota is the plan's figure, no cluster is over
            # its target, and the plan has nothing left to change.
            quotas = {q["name"]: q for q in lab.ok(self, "quota", "--json").json()["quotas"]}
            for leaf, q in changed.items():
                self.assertEqual(quotas[leaf]["assigned"], q["gpus"], leaf)
            report = lab.ok(self, "overalloc", "report", "--json").json()
            for c in report["clusters"]:
                self.assertEqual(c["cut"], 0, c)
                self.assertLessEqual(c["assigned"], c["target"], c)
            again = lab.ok(self, "overalloc", "plan", "-o", "sacctmgr").out
            self.assertFalse([line for line in again.splitlines() if line.startswith("sacctmgr")], again)
            print(f"\nGrpTRES before {before}, after {after}", file=sys.stderr)
        finally:
            for account, tres in before.items():
                slurm("sacctmgr", "-i", "modify", "account", "where", f"name={account}", "cluster=lab", "set",
                      f"GrpTRES={tres}")
        self.assertEqual({a: grp_tres(a) for a in accounts}, before)


class Held(unittest.TestCase):
    def test_a_job_its_user_holds_waits(self):
        doc = lab.ok(self, "jobs", "--pending", "--json").json()
        held = {j["name"]: j for j in doc["jobs"]}[lab.JOB["evals-c"]]
        # evals-c asks for 4 h100 GPUs of evals/h100, whose available is well above 4: only the
        # hold keeps it back.
        self.assertEqual((held["pending_reason"], held["fits_now"], held["gpus"]), ("JobHeldUser", "waits", 4))
        self.assertEqual(states()[lab.JOB["evals-c"]][:2], ("PENDING", "JobHeldUser"))

    def test_a_job_past_its_qos_cap_waits(self):
        # capped-b (flex, QOS capped: GrpTRES gres/gpu:h200=16, all running) asks for 4 h200 GPUs
        # while lab/h200 has unused ones: the cap, not the cluster, keeps it pending (docs/jobs.md).
        doc = lab.ok(self, "jobs", "--pending", "--json").json()
        capped = {j["name"]: j for j in doc["jobs"]}[lab.JOB["capped-b"]]
        self.assertEqual((capped["quota"], capped["fits_now"], capped["gpus"]), ("flex", "waits", 4))
        self.assertEqual(states()[lab.JOB["capped-b"]][:2], ("PENDING", "QOSGrpGRES"))


if __name__ == "__main__":
    lab.harness.main()
