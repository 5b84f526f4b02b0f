"""A stand-in for Slurm's sinfo, squeue, scontrol and sacctmgr, for FAULT injection only
(tests/e2e/test_slurm_cli_faults.py): the normal path is tested against the real Slurm of
scripts/slurm-lab. The test copies this file under each command's name into a folder it puts
on PATH; what each prints is read from the JSON plan named by $FAKE_SLURM_PLAN:

    {"version": "slurm 22.05.8",            # what --version prints ("version_err": fail, saying this)
     "log": "/path/argv.log",               # every call's argv is appended here, one JSON line
     "squeue": {"out_file": "jobs.json",    # print this file, or
                "out": "text",              # this text
                "err": "squeue: error: ...",  # to stderr
                "exit": 1,                  # exit status (default 0)
                "hang": "/path/pids",       # start `sleep 300`, write both PIDs there, wait
                "flood": true}}             # print without end
A call takes the longest key that begins the command's name and its words that are not
options: "sacctmgr show assoc" for `sacctmgr -P -n show assoc format=...`, "scontrol" for any
other scontrol but --version.
"""
import json
import os
import sys


def main():
    name = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    with open(os.environ["FAKE_SLURM_PLAN"]) as f:
        plan = json.load(f)
    if plan.get("log"):
        with open(plan["log"], "a") as f:
            f.write(json.dumps([name, *args]) + "\n")
    if "--version" in args or "-V" in args:
        if plan.get("version_err"):  # as without a slurm.conf
            sys.stderr.write(plan["version_err"] + "\n")
            return 1
        print(plan.get("version", "slurm 22.05.8"))
        return 0
    words = " ".join([name, *(a for a in args if not a.startswith("-"))])
    keys = [k for k in plan if isinstance(plan[k], dict) and (words == k or words.startswith(k + " "))]
    spec = plan[max(keys, key=len)] if keys else {}
    if spec.get("hang"):
        import subprocess  # only here: the stand-ins start as fast as Python can
        child = subprocess.Popen(["sleep", "300"])
        with open(spec["hang"], "w") as f:
            f.write(f"{os.getpid()} {child.pid}\n")
        child.wait()
    if spec.get("flood"):
        chunk = ("x" * 65535 + "\n").encode()
        while True:
            sys.stdout.buffer.write(chunk)
    if spec.get("out_file"):
        with open(spec["out_file"], "rb") as f:
            sys.stdout.buffer.write(f.read())
    if spec.get("out"):
        sys.stdout.write(spec["out"])
    if spec.get("err"):
        sys.stderr.write(spec["err"] + "\n")
    return spec.get("exit", 0)


if __name__ == "__main__":
    sys.exit(main())
