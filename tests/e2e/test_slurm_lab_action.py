"""From answer to action on a real Slurm (issue 22, docs/flex.md "Which nodes", docs/overalloc.md
"The change in the scheduler's language", docs/jobs.md "Held jobs"), on the lab of
scripts/slurm-lab (its scenario: tests/e2e/test_slurm_lab.py's docstring, docs/slurm-lab.md):

- the `sacctmgr` lines of `overalloc plan -o sacctmgr`, run, change the accounts' GrpTRES from
  what `sacctmgr show assoc` said before to what the plan promised (the account's other GPU types
  untouched), and fleetcap's next `quota`, `overalloc report` and `overalloc plan` agree with it;
- the held job of the scenario (evals-c, `sbatch --hold`: JobHeldUser) waits, whatever is free.

Every job it submits is cancelled and every limit it changes is set back, so the other lab
suites see the scenario as it was. Runs on ctest's lab fixture (tests/CMakeLists.txt); by hand:
scripts/slurm-lab up && scripts/slurm-lab scenario, then
FLEETCAP_BINARY=build/fleetcap python3 tests/e2e/test_slurm_lab_action.py.
"""
import os
import shlex
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import test_slurm_lab as lab  # noqa: E402  (the lab's environment and fleetcap runner)

SLURM_ENV = dict(os.environ, SLURM_CONF=lab.ENV["SLURM_CONF"])


def slurm(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, env=SLURM_ENV, check=check, timeout=60)


def job_state(job):
    """(state, reason, nodes) of one job as squeue says it; ("GONE", "", "") once it has left."""
    p = slurm("squeue", "-h", "-j", job, "-o", "%T|%r|%N", check=False)
    line = p.stdout.strip()
    return tuple(line.split("|")) if p.returncode == 0 and line else ("GONE", "", "")


def wait_until(what, test, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = test()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s")


def cancel(job):
    slurm("scancel", job, check=False)
    wait_until(f"job {job} gone", lambda: job_state(job)[0] in ("GONE", "CANCELLED", "COMPLETED"))


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


class Sacctmgr(unittest.TestCase):
    def test_the_plan_lines_change_the_limits_to_what_the_plan_promised(self):
        plan = lab.ok(self, "overalloc", "plan", "--json").json()
        changed = {q["name"]: q for q in plan["quotas"] if q["gpus"] != q["old_gpus"]}
        self.assertTrue(changed, "the lab's plan changes nothing: nothing to apply")
        lines = [line for line in lab.ok(self, "overalloc", "plan", "-o", "sacctmgr").out.splitlines()
                 if line and not line.startswith("#")]
        self.assertEqual(len(lines), len(changed), lines)
        accounts = {}
        for line in lines:
            argv = shlex.split(line)
            self.assertEqual(argv[:5], ["sacctmgr", "-i", "modify", "account", "where"], line)
            name = next(a.split("=", 1)[1] for a in argv if a.startswith("name="))
            accounts[name] = argv
        before = {a: grp_tres(a) for a in accounts}
        try:
            for argv in accounts.values():
                slurm(*argv)
            after = {a: tres_dict(grp_tres(a)) for a in accounts}
            # What the plan promised: each changed leaf's GPU type (named in the leaf, evals/h100,
            # else the one GPU limit its account has) set to the plan's gpus; the rest as before.
            promised = {a: tres_dict(t) for a, t in before.items()}
            for leaf, q in changed.items():
                account, _, sku = leaf.partition("/")
                key = f"gres/gpu:{sku}" if sku else next(k for k in promised[account] if k.startswith("gres/gpu"))
                promised[account][key] = str(q["gpus"])
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
        self.assertEqual(job_state(lab.JOB["evals-c"])[:2], ("PENDING", "JobHeldUser"))


if __name__ == "__main__":
    lab.harness.main()
