"""fleetcap against a real Slurm: the lab of scripts/slurm-lab (issue 11, docs/slurm.md, docs/fleet-api.md).

ctest brings the lab up once per run (fixture `slurm_lab` in tests/CMakeLists.txt: the test
`slurm_lab.up` runs `scripts/slurm-lab up-for-tests`, `slurm_lab.down` stops it) and passes
SLURM_LAB_DIR. By hand:

    scripts/slurm-lab up && scripts/slurm-lab scenario
    FLEETCAP_BINARY=build/fleetcap python3 tests/e2e/test_slurm_lab.py
    scripts/slurm-lab down

The scenario (scripts/slurm-lab `scenario`; docs/slurm-lab.md lists it): Slurm cluster "lab",
two GPU types, so two fleetcap clusters, lab/h100 and lab/h200, of 8 nodes x 8 GPUs each,
islands from the features ib-h100-a (h100-01..04), ib-h100-b (05..08), ib-h200-a (h200-01..04),
ib-h200-b (05..08); partitions gpu (every node, PriorityTier 1) and prio (h100-[01-04], 2);
PreemptType=preempt/qos, normal may preempt scavenger.

    node     state                          running GPU jobs (account, qos, GPUs)
    h100-01  ok, MAINT in 6 h (maint-later) pretrain-a (pretrain, normal, 8 of its 16)
    h100-02  ok, MAINT in 6 h (maint-later) pretrain-a (the other 8)
    h100-03  ok                             evals-a (evals, 4), flex-a (ops, scavenger, 2)
    h100-04  ok                             -
    h100-05  ok                             pretrain-b (pretrain, 8)
    h100-06  drained "ECC errors on GPU 3"  -
    h100-07  ok                             chat-b (chat, 2, asked untyped), cpu-a (no GPUs)
    h100-08  not responding (slurmd killed) -
    h200-01  ok                             evals-b (evals, 2)
    h200-02  ok                             chat-a (chat, 8)
    h200-03  MAINT now (maint-now)          flex-b (ops, scavenger, 2)
    h200-04  reservation evals-demo (evals) -
    h200-05  ok                             capped-a (ops, qos capped, 8 of 16)
    h200-06  ok                             capped-a (the other 8)
    h200-07  down "PSU replaced, ..."       -
    h200-08  failed "NVLink errors"         -
    pending: capped-b (ops, qos capped, gpu:h200:4, held by the QOS's GrpTRES),
             evals-c (evals, --gpus=h100:4, held by its user); done-a completed (left out)

Accounts: root -> research (GrpTRES gres/gpu=40, untyped) -> pretrain (gres/gpu:h100=40), evals
(gres/gpu:h100=16,gres/gpu:h200=8); root -> applied -> chat (gres/gpu=24, untyped); root -> ops
(no limit); root -> vision (gres/gpu:h200=16, default QOS capped). QOS capped GrpTRES
gres/gpu:h200=16; scavenger is in normal's Preempt list (reclaimable); capped is in none (capped-a
is stable use: outside quota, never preempted).

Every expected figure below is worked out by hand from that table, with the arithmetic beside it.
"""
import atexit
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
import harness  # noqa: E402
from harness import BINARY, ROOT, Result, clean_env  # noqa: E402

LAB = os.path.join(ROOT, "scripts", "slurm-lab")
H100, H200 = "lab/h100", "lab/h200"

# The config an admin would write for this lab (docs/slurm.md: island feature prefix,
# region and provider from the config file).
CONFIG = """\
[slurm]
island-feature-prefix = "ib-"
region = "local"
provider = "lab"
"""
# slurmrestd does not say PreemptType; the lab runs preempt/qos (docs/slurm.md)
CONFIG_QOS = CONFIG + 'preempt-type = "preempt/qos"\n'



def lab_info():
    """The lab's `env` lines as a dict, and its lab.json; exits 77 (skipped) when there is no
    lab and FLEETCAP_SKIP_SLURM_LAB=1, else fails."""
    env = harness.slurm_lab_env()
    with open(os.path.join(os.path.dirname(env["SLURM_CONF"]), "..", "lab.json")) as f:
        return env, json.load(f)


ENV, STATE = lab_info()
JWT = ENV["SLURM_JWT"]
HTTP = ENV["FLEETCAP_SOURCE"]      # slurm+http://127.0.0.1:PORT (JWT)
UNIX = ENV["SLURM_LAB_UNIX"]       # slurm+unix:///…/slurmrestd.socket (no token)
JOB = STATE["jobs"]                # job name -> Slurm job id = fleetcap job name (docs/slurm.md)
CFG_DIR = tempfile.mkdtemp(prefix="fleetcap-slurm-lab-test-")
atexit.register(shutil.rmtree, CFG_DIR, True)
CONFIG_FILE = os.path.join(CFG_DIR, "config.toml")
with open(CONFIG_FILE, "w") as f:
    f.write(CONFIG_QOS)


def fc(*args, source=HTTP, token=JWT, extra_env=None, config=None):
    """Runs the real fleetcap against the lab. The JWT (SLURM_JWT, as `scontrol token` prints
    it) goes in the environment; whatever it was, it must never show in stdout or stderr.
    `config`: the text of another config file than CONFIG."""
    config_file = CONFIG_FILE
    if config is not None:
        config_file = os.path.join(CFG_DIR, f"config-{abs(hash(config))}.toml")
        with open(config_file, "w") as f:
            f.write(config)
    env = clean_env(SLURM_USER=ENV["SLURM_USER"], SLURM_CONF=ENV["SLURM_CONF"])
    env.pop("SLURM_JWT", None)
    if token is not None:
        env["SLURM_JWT"] = token
    env.update(extra_env or {})
    argv = [BINARY, "--source", source, "--config", config_file, *args]
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
                       errors="replace")
    for secret in {JWT, token or JWT}:
        if secret and (secret in p.stdout or secret in p.stderr):
            raise AssertionError(f"the JWT leaked into the output of fleetcap {' '.join(args)}")
    return Result(p.returncode, p.stdout, p.stderr)


def ok(testcase, *args, **kw):
    r = fc(*args, **kw)
    testcase.assertEqual(r.code, 0, r)
    return r


def by_name(items, key="name"):
    return {i[key]: i for i in items}


def leaf(quotas, account, cluster):
    """The leaf quota of a Slurm account in a fleetcap cluster. docs/slurm.md names leaves after
    accounts; an account with typed limits in two GPU types (evals) has one leaf per type,
    whose names the adapter chooses (docs/slurm.md): found here by account and cluster."""
    found = [q for q in quotas if q.get("cluster") == cluster and account in re.split(r"[/:@ ]", q["name"])]
    assert len(found) == 1, f"one leaf for account {account} in {cluster}, got {[q['name'] for q in found]}"
    return found[0]


def scontrol_reservations():
    """Slurm's own view of the reservations (start, end as epoch seconds), to compare with."""
    env = dict(os.environ, SLURM_CONF=ENV["SLURM_CONF"])
    p = subprocess.run(["scontrol", "-o", "show", "res"], capture_output=True, text=True, env=env, check=True)
    out = {}
    for line in p.stdout.splitlines():
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        out[f["ReservationName"]] = f
    return out


def rfc3339_of_slurm(local):
    """scontrol prints local time without a zone; fleetcap prints UTC RFC 3339."""
    t = time.mktime(time.strptime(local, "%Y-%m-%dT%H:%M:%S"))
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Capacity(unittest.TestCase):
    def test_capacity_over_http_with_jwt(self):
        r = ok(self, "capacity", "--json")
        d = r.json()
        c = by_name(d["clusters"])
        self.assertEqual(sorted(c), [H100, H200])  # two GPU types -> CLUSTER/TYPE
        h, g = c[H100], c[H200]
        self.assertEqual((h["sku"], g["sku"]), ("h100", "h200"))
        self.assertEqual((h["region"], h["provider"], h["state"]), ("local", "lab", "production"))
        # lab/h100: 8 nodes x 8 = 64. Not schedulable: h100-06 (drained = cordoned) and
        # h100-08 (NOT_RESPONDING = unhealthy); maint-later starts in 6 h, not active.
        # H = 6 x 8 = 48. A = pretrain 40 + evals(h100) 16 + chat/h100 0 (cap-only: chat's untyped
        # 24 is assigned in h200, where chat runs most, and caps both types) = 56.
        # Uq = pretrain-a 16 + pretrain-b 8 + evals-a 4 + chat-b 2 (within chat's limit) = 30.
        # Uf = flex-a 2 (scavenger: normal may preempt it, so reclaimable); no stable use.
        self.assertEqual(h["total"], 64)
        self.assertEqual(h["healthy"], 48)
        self.assertEqual(h["assigned"], 56)
        self.assertEqual(h["inquota_used"], 30)
        self.assertEqual(h["inquota_free"], 18)           # min(56, 48 - 0 - 0) - 30
        self.assertEqual(h["flex_used"], 2)
        self.assertEqual(h["flex_stable_used"], 0)
        self.assertEqual(h["flex_free"], 16)              # 48 - 30 - 2
        self.assertEqual(h["flex_stable_free"], 0)        # min(16, max(0, max(0, 48 - 56) - 2))
        self.assertEqual(h["flex_reclaimable_free"], 16)  # 16 - 0
        self.assertEqual(h["unbacked"], 8)                # 56 - 48
        self.assertEqual(h["headroom"], 0)                  # max(0, 48 - 56)
        # schedulable nodes no running job lists: only h100-04 (ib-h100-a) -> 8
        self.assertEqual(h["largest_free_block"], 8)
        # lab/h200: 64. Not schedulable: h200-03 (maint-now is active), h200-07 (down),
        # h200-08 (fail). H = 5 x 8 = 40 (h200-04 is in evals-demo, not MAINT: schedulable).
        # A = evals(h200) 8 + chat 24 + vision 16 = 48. Uq = evals-b 2 + chat-a 8 = 10.
        # Uf = capped-a 16 + flex-b 2 = 18, of which Us = capped-a 16 (QOS capped: in no Preempt
        # list; ops has no limit): stable use. Rf = h200-04's 8, idle, evals-demo's.
        self.assertEqual(g["total"], 64)
        self.assertEqual(g["healthy"], 40)
        self.assertEqual(g["assigned"], 48)
        self.assertEqual(g["inquota_used"], 10)
        self.assertEqual(g["flex_used"], 18)
        self.assertEqual(g["flex_stable_used"], 16)
        self.assertEqual(g["reserved_free"], 8)
        # issue 21: INQ-FREE was 22 here with the old rules (min(32, 40) - 10), GPUs nobody gets
        # without preempting what Slurm never preempts. Now max(0, min(48, 40 - 16 - 8) - 10) = 6.
        self.assertEqual(g["inquota_free"], 6)
        self.assertEqual(g["flex_free"], 4)               # max(0, 40 - 10 - 18 - 8)
        self.assertEqual(g["flex_stable_free"], 0)        # min(4, max(0, max(0, 40-16-8-48) - 2))
        self.assertEqual(g["flex_reclaimable_free"], 4)
        self.assertEqual(g["unbacked"], 8)                # 48 - 40
        self.assertEqual(g["headroom"], 0)
        # ib-h200-a: h200-01 and -02 run jobs, -03 is in maintenance, -04 is reserved; ib-h200-b:
        # capped-a and two dead nodes: no block for everyone
        self.assertEqual(g["largest_free_block"], 0)
        t = d["totals"]
        self.assertEqual((t["total"], t["healthy"], t["assigned"], t["inquota_used"], t["flex_used"]),
                         (128, 88, 104, 40, 20))
        # the lab's warnings are about what a user can act on, not fleetcap's own translation
        self.assertNotIn("neither", r.err)
        self.assertNotIn("idle", r.err)

    def test_unix_socket_without_token_gives_the_same_figures(self):
        http = ok(self, "capacity", "--json").json()
        unix = ok(self, "capacity", "--json", source=UNIX, token=None).json()
        self.assertEqual(unix["clusters"], http["clusters"])
        self.assertEqual(unix["totals"], http["totals"])

    def test_table_names_both_clusters(self):
        out = ok(self, "capacity").out
        self.assertIn(H100, out)
        self.assertIn(H200, out)
        self.assertIn("RESERVED", out)
        self.assertIn("STABLE-USED", out)

    def test_verbose_names_the_data_parser_version(self):
        r = ok(self, "capacity", "--verbose")
        self.assertIn("v0.0.38", r.err)  # docs/slurm.md: say which version in --verbose

    def test_partitions(self):
        # --by partition: gpu holds every node, prio h100-[01-04] (which so count in both).
        d = ok(self, "capacity", "--by", "partition", "--json").json()
        rows = by_name(d["groups"], "key")
        self.assertEqual(sorted(rows), ["gpu", "prio"])
        self.assertEqual(rows["gpu"]["total"], 128)
        # prio: h100-[01-04] = 32; all schedulable; pretrain-a 16 + evals-a 4 in quota, flex-a 2
        self.assertEqual((rows["prio"]["total"], rows["prio"]["healthy"], rows["prio"]["inquota_used"],
                          rows["prio"]["flex_used"], rows["prio"]["flex_free"]), (32, 32, 20, 2, 10))
        out = ok(self, "capacity", "--partition", "prio").out
        self.assertIn("counts in each", out)
        self.assertNotIn(H200, out)  # prio has no h200 node
        r = fc("capacity", "--partition", "pri")
        self.assertEqual(r.code, 2, r)
        self.assertIn('did you mean "prio"', r.err)
        nodes = ok(self, "nodes", "--all", "--by", "partition", "--json").json()["partitions"]
        self.assertEqual({p["partition"]: p["nodes"] for p in nodes}, {"gpu": 16, "prio": 4})

    def test_the_slurm_cluster_names_its_types(self):
        # the cluster item carries the Slurm cluster's name; node lists print as hostlists
        d = tempfile.mkdtemp(prefix="fleetcap-slurm-names-")
        self.addCleanup(shutil.rmtree, d, True)
        ok(self, "snapshot", "save", os.path.join(d, "s"))
        with open(os.path.join(d, "s", "clusters.json")) as f:
            self.assertEqual({c["slurm_cluster"] for c in json.load(f)["items"]}, {"lab"})
        self.assertIn("h100-[01-02]", ok(self, "maintenance", "list").out)
        # --cluster takes the Slurm cluster's own name: every GPU type of it
        every = ok(self, "capacity", "--json").json()["clusters"]
        self.assertEqual(ok(self, "capacity", "--json", "--cluster", "lab").json()["clusters"], every)
        self.assertEqual([c["name"] for c in ok(self, "capacity", "--json", "--cluster", H100).json()["clusters"]],
                         [H100])
        self.assertEqual([q["cluster"] for q in ok(self, "quota", "--json", "--cluster", "lab").json()["quotas"]
                          if q["cluster"] == H200][:1], [H200])
        r = fc("capacity", "--cluster", "lab9")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn('did you mean "lab"', r.err)


class Flex(unittest.TestCase):
    def test_flex_pools_and_fair_shares(self):
        d = ok(self, "flex", "--json").json()
        c = by_name(d["clusters"])
        h, g = c[H100], c[H200]
        self.assertEqual((h["flex_free"], h["flex_used"]), (16, 2))
        self.assertEqual((g["flex_free"], g["flex_used"], g["reserved_free"]), (4, 18, 8))
        # lab/h100: the only flex namespace is ops (flex-a 2; chat-b is within chat's limit now):
        # fair share = floor(max(0, H - Uq - Rf) / N) = floor((48 - 30 - 0) / 1) = 18.
        ns = by_name(h["namespaces"], "namespace")
        self.assertEqual(sorted(ns), ["ops"])
        self.assertEqual((ns["ops"]["flex_used"], ns["ops"]["fair_share"]), (2, 18))
        # lab/h200: ops only (capped-a 16 + flex-b 2 running; capped-b 4 pending, asks gpu:h200):
        # fair share = floor((40 - 10 - 8) / 1) = 22; ops is not over it (18 <= 22).
        ns = by_name(g["namespaces"], "namespace")
        self.assertEqual(sorted(ns), ["ops"])
        self.assertEqual((ns["ops"]["flex_used"], ns["ops"]["flex_pending"], ns["ops"]["fair_share"]), (18, 4, 22))
        self.assertFalse(ns["ops"]["over_share"])
        # the reservation: for whom, until when
        [res] = g["reservations"]
        self.assertEqual((res["name"], res["namespaces"], res["free"]), ("evals-demo", ["evals"], 8))
        out = ok(self, "flex").out
        self.assertRegex(out, r"\n  lab/h200: 8 idle GPUs reserved by evals-demo for evals until \S+Z\n$")

    def test_contiguous_blocks_per_island(self):
        d = ok(self, "flex", "--gpus", "8", "--contiguous", "--json").json()
        # whole free schedulable nodes: ib-h100-a h100-04 = 8; ib-h200-a: h200-04 is evals-demo's,
        # not anyone's; ib-h100-b and ib-h200-b have none.
        islands = {(i["cluster"], i["island"]): i["free_block"] for i in d["islands"]}
        self.assertEqual(islands, {(H100, "ib-h100-a"): 8})
        # issue 21: a 16-GPU block used to be offered in ib-h200-a, which only evals may use
        d = ok(self, "flex", "--gpus", "16", "--contiguous", "--json").json()
        self.assertFalse(d["fits"])
        # for evals, h200-04 is free: a block of 8 in ib-h200-a (h200-01 runs evals-b)
        d = ok(self, "flex", "--gpus", "8", "--contiguous", "--namespace", "evals", "--json").json()
        self.assertIn((H200, "ib-h200-a"), {(i["cluster"], i["island"]) for i in d["islands"]})


class Quota(unittest.TestCase):
    def test_associations(self):
        r = ok(self, "quota", "--json")
        q = r.json()["quotas"]
        # every leaf: (assigned, used, free, borrowed, borrowable, available, unbacked)
        # Slurm limits are caps: borrowable 0 (no [slurm] borrowing in the config).
        # available = min(free + borrowable, pool + min(free, B), each cap's free); pool =
        # max(0, H - Uq - Us - Rf (+ the reserved GPUs the leaf's accounts may use)):
        # lab/h100 48 - 30 = 18; lab/h200 40 - 10 - 16 - 8 = 6 (evals: + 8, evals-demo).
        # Caps' free: research 40 - (24 + 4 + 2) = 10; chat 24 - (8 + 2) = 14; QOS capped 16 - 16 = 0.
        # unbacked: lab/h100 8 split 40:16:0 -> 5.71, 2.29 -> 5, 2, +1 to pretrain (.71);
        # lab/h200 8 split 8:24:16 of 48 -> 1.33, 4, 2.67 -> 1, 4, 2, +1 to vision (.67).
        want = {
            ("pretrain", H100): (40, 24, 16, 0, 0, 10, 6),   # min(16, 18) = 16, research's cap: 10
            ("evals", H100): (16, 4, 12, 0, 0, 10, 2),       # min(12, 18), research's cap: 10
            ("evals", H200): (8, 2, 6, 0, 0, 6, 1),          # min(6, 6 + 8)
            ("chat", H100): (0, 2, 0, 0, 0, 14, 0),          # cap-only: min(18, chat's cap 14)
            ("chat", H200): (24, 8, 16, 0, 0, 6, 4),         # min(16, 6): the cluster holds it
            ("vision", H200): (16, 0, 16, 0, 0, 0, 3),       # min(16, 6), QOS capped's cap: 0
        }
        got = {}
        for (acct, cluster) in want:
            x = leaf(q, acct, cluster)
            got[(acct, cluster)] = tuple(x[k] for k in ("assigned", "used", "free", "borrowed", "borrowable",
                                                         "available", "unbacked"))
        self.assertEqual(got, want)
        self.assertEqual(len(q), 6, [x["name"] for x in q])  # ops has no limit: no quota
        self.assertEqual({leaf(q, a, c)["parent"] for (a, c) in want}, {None})
        self.assertEqual({(a, c): leaf(q, a, c).get("capped_by") for (a, c) in want},
                         {("pretrain", H100): "account research gres/gpu", ("evals", H100): "account research gres/gpu",
                          ("evals", H200): None, ("chat", H100): "account chat gres/gpu", ("chat", H200): None,
                          ("vision", H200): "qos capped gres/gpu:h200"})
        caps = by_name(r.json()["caps"])
        self.assertEqual((caps["account research gres/gpu"]["used"], caps["account research gres/gpu"]["free"]),
                         (30, 10))
        self.assertEqual(caps["qos capped gres/gpu:h200"]["free"], 0)
        t = r.json()["totals"]
        self.assertEqual((t["assigned"], t["used"]), (104, 40))  # 40+16+8+24+16, 24+4+2+2+8
        # choices of the translation are documented, not warned (docs/slurm.md)
        self.assertNotIn("untyped", r.err)
        self.assertNotIn("borrow", r.err)

    def test_associations_with_borrowing(self):
        r = ok(self, "quota", "--json", config=CONFIG_QOS + "borrowing = true\n")
        d = r.json()
        q = d["quotas"]
        # the account tree is kept: parent_account above each leaf is a group (root left out)
        self.assertEqual({a: leaf(q, a, c)["parent"] for a, c in (("pretrain", H100), ("evals", H100),
                                                                  ("evals", H200), ("chat", H200))},
                         {"pretrain": "research", "evals": "research", "chat": "applied"})
        self.assertEqual(sorted(g["name"] for g in d["groups"]), ["applied", "research"])
        # lab/h100, tree research: P = 40 + 16 = 56, U = 24 + 4 = 28, P - U = 28;
        # borrowable = max(0, 28 - free): pretrain 28 - 16 = 12, evals 28 - 12 = 16;
        # available = min(free + borrowable, 18 + 0) = 18, and research's cap holds both to 10.
        # lab/h200: research has only evals (P 8, U 2: 6 - 6 = 0), applied only chat (0).
        got = {(a, c): (leaf(q, a, c)["borrowable"], leaf(q, a, c)["available"])
               for a, c in (("pretrain", H100), ("evals", H100), ("evals", H200), ("chat", H200))}
        self.assertEqual(got, {("pretrain", H100): (12, 10), ("evals", H100): (16, 10),
                               ("evals", H200): (0, 6), ("chat", H200): (0, 6)})

    def test_qos_mode(self):
        r = ok(self, "quota", "--json", "--slurm-quota", "qos")
        q = r.json()["quotas"]
        # only QOS capped has a GPU limit (GrpTRES gres/gpu:h200=16): a leaf with no parent.
        # capped-a (16 on h200-[05-06]) targets it: used 16, free 0, available 0.
        self.assertEqual(len(q), 1, q)
        x = leaf(q, "capped", H200)
        self.assertEqual((x["parent"], x["assigned"], x["used"], x["free"], x["available"]), (None, 16, 16, 0, 0))
        c = by_name(ok(self, "capacity", "--json", "--slurm-quota", "qos").json()["clusters"])
        # lab/h200: A 16, Uq 16; flex = evals-b 2 + chat-a 8 (stable) + flex-b 2 (reclaimable) = 12;
        # flex_free = 40 - 16 - 12 - 8 (evals-demo's) = 4
        self.assertEqual((c[H200]["assigned"], c[H200]["inquota_used"], c[H200]["flex_used"],
                          c[H200]["flex_stable_used"], c[H200]["flex_free"]), (16, 16, 12, 10, 4))
        # lab/h100: no QOS leaf; every GPU job is flex: 16 + 8 + 4 + 2 (stable) + 2 (flex-a) = 32;
        # free 48 - 32 = 16
        self.assertEqual((c[H100]["assigned"], c[H100]["inquota_used"], c[H100]["flex_used"], c[H100]["flex_free"]),
                         (0, 0, 32, 16))


class Overalloc(unittest.TestCase):
    def test_report(self):
        d = ok(self, "overalloc", "report", "--json").json()
        c = by_name(d["clusters"])
        # buffer 15% of R = H now. lab/h100: target = floor(0.85 x 48) = 40; cut = 56 - 40 = 16,
        # pro-rata 40:16:0 -> 11.43, 4.57 -> 11, 4, +1 to evals (.57): 11, 5. Both fit in free: phase 2.
        self.assertEqual((c[H100]["target"], c[H100]["cut"], c[H100]["phase"]), (40, 16, 2))
        # lab/h200: target = floor(0.85 x 40) = 34; cut = 48 - 34 = 14, pro-rata 8:24:16 ->
        # 2.33, 7, 4.67 -> 2, 7, 4, +1 to vision (.67): 2, 7, 5; each within its free: phase 2.
        self.assertEqual((c[H200]["target"], c[H200]["cut"], c[H200]["phase"]), (34, 14, 2))
        q = d["quotas"]
        self.assertEqual((leaf(q, "pretrain", H100)["cut"], leaf(q, "pretrain", H100)["new_gpus"]), (11, 29))
        self.assertEqual((leaf(q, "evals", H100)["cut"], leaf(q, "evals", H100)["new_gpus"]), (5, 11))
        self.assertEqual((leaf(q, "vision", H200)["cut"], leaf(q, "chat", H200)["cut"]), (5, 7))
        s = d["summary"]
        self.assertEqual((s["clusters"], s["clusters_over_target"], s["assigned"], s["cut"], s["cut_from_unscheduled"],
                          s["quotas_affected"], s["jobs_preempted"]), (2, 2, 104, 30, 30, 5, 0))

    def test_sweep(self):
        d = ok(self, "overalloc", "sweep", "--from", "10%", "--to", "25%", "--step", "5%", "--json").json()
        cuts = {b["buffer_bp"]: b["cut"] for b in d["buffers"]}
        # lab/h100 (H 48, A 56) + lab/h200 (H 40, A 48):
        # 10%: 56 - floor(43.2) = 13, 48 - 36 = 12: 25
        # 15%: 56 - 40 = 16, 48 - 34 = 14: 30
        # 20%: 56 - floor(38.4) = 18, 48 - 32 = 16: 34
        # 25%: 56 - 36 = 20, 48 - 30 = 18: 38
        self.assertEqual(cuts, {1000: 25, 1500: 30, 2000: 34, 2500: 38})

    def test_plan(self):
        d = ok(self, "overalloc", "plan", "--json").json()
        q = d["quotas"]
        got = {(a, c): leaf(q, a, c)["gpus"] for a, c in
               (("pretrain", H100), ("evals", H100), ("evals", H200), ("chat", H200), ("vision", H200))}
        self.assertEqual(got, {("pretrain", H100): 29, ("evals", H100): 11, ("evals", H200): 6, ("chat", H200): 17,
                               ("vision", H200): 11})


class Maintenance(unittest.TestCase):
    def test_list(self):
        d = ok(self, "maintenance", "list", "--json").json()
        ev = by_name(d["events"], "id")
        # MAINT reservations only: evals-demo is a plain reservation
        self.assertEqual(sorted(ev), ["maint-later", "maint-now"])
        res = scontrol_reservations()
        now, later = ev["maint-now"], ev["maint-later"]
        # maint-now: h200-03, 8 GPUs, started at the scenario, 4 h; flex-b still on it, and
        # its action-by (start - 12 h) has passed: flagged.
        self.assertEqual((now["cluster"], now["nodes"], now["gpus"], now["state"]), (H200, ["h200-03"], 8, "in_progress"))
        self.assertEqual(now["jobs"], [JOB["flex-b"]])
        self.assertTrue(now["overdue"])
        self.assertTrue(now["hard_start"])
        self.assertEqual((now["start"], now["end"]), (rfc3339_of_slurm(res["maint-now"]["StartTime"]),
                                                     rfc3339_of_slurm(res["maint-now"]["EndTime"])))
        # maint-later: h100-[01-02], 16 GPUs, in 6 h for 2 h; pretrain-a on it; action-by =
        # start - 12 h, 6 h ago: flagged.
        self.assertEqual((later["cluster"], later["nodes"], later["gpus"], later["state"]),
                         (H100, ["h100-01", "h100-02"], 16, "scheduled"))
        self.assertEqual(later["jobs"], [JOB["pretrain-a"]])
        self.assertTrue(later["overdue"])
        self.assertEqual((later["start"], later["end"]), (rfc3339_of_slurm(res["maint-later"]["StartTime"]),
                                                         rfc3339_of_slurm(res["maint-later"]["EndTime"])))

    def test_node_drained(self):
        d = ok(self, "maintenance", "node", "h100-06", "--json").json()
        n = d["node"]
        self.assertEqual((n["cluster"], n["island"], n["gpus"]), (H100, "ib-h100-b", 8))
        self.assertTrue(n["cordoned"])       # DRAIN -> cordoned, still healthy
        self.assertTrue(n["health_ok"])
        self.assertFalse(n["schedulable"])
        [issue] = d["issues"]
        self.assertIn("drain", issue["type"].lower())
        self.assertEqual(issue["priority"], "p2")
        self.assertIn("ECC errors on GPU 3", issue["detail"])

    def test_node_down_failed_not_responding(self):
        # h100-08: NOT_RESPONDING comes before UNKNOWN in docs/slurm.md's list (a restarted
        # slurmctld calls it unk*), so it reads not_responding either way
        for node, health, detail in (("h200-07", "down", "PSU replaced"), ("h200-08", "fail", "NVLink errors"),
                                     ("h100-08", "not_responding", None)):
            d = ok(self, "maintenance", "node", node, "--json").json()
            n = d["node"]
            self.assertEqual(n["health"], health, node)
            self.assertFalse(n["health_ok"])
            self.assertFalse(n["schedulable"])
            if detail:  # DOWN and FAIL reasons are p1 issues
                [issue] = d["issues"]
                self.assertEqual(issue["priority"], "p1", node)
                self.assertIn(detail, issue["detail"])

    def test_node_with_jobs_and_coming_event(self):
        d = ok(self, "maintenance", "node", "h100-01", "--json").json()
        self.assertEqual([j["name"] for j in d["jobs"]], [JOB["pretrain-a"]])
        self.assertEqual([e["id"] for e in d["events"]], ["maint-later"])
        self.assertEqual(len(d["quotas"]), 1)
        self.assertIn("pretrain", d["quotas"][0]["name"])

    def test_impact(self):
        d = ok(self, "maintenance", "impact", "--json").json()
        c = by_name(d["clusters"])
        h, g = c[H100], c[H200]
        # lab/h100: 48 now; 48 - 16 = 32 while maint-later runs (h100-01, 02); worst unbacked
        # = A - 32 = 56 - 32 = 24
        self.assertEqual((h["healthy"], h["min_healthy"], h["max_healthy"], h["assigned"], h["worst_unbacked"]),
                         (48, 32, 48, 56, 24))
        events = by_name(ok(self, "maintenance", "list", "--json").json()["events"], "id")
        self.assertEqual(h["min_healthy_at"], events["maint-later"]["start"])
        # lab/h200: 40 now (maint-now active), 48 once it ends; A 48: 8 unbacked at worst
        self.assertEqual((g["healthy"], g["min_healthy"], g["max_healthy"], g["worst_unbacked"]), (40, 40, 48, 8))

    def test_plan(self):
        d = ok(self, "maintenance", "plan", "--json").json()
        moves = by_name(d["moves"])
        unplaced = by_name(d["unplaced"])
        # flex-b (2 GPUs, h200-03 under maint-now): a flex job takes free GPUs only; h200-01 has 6
        # -> placed in lab/h200.
        self.assertIn(JOB["flex-b"], moves)
        dest = moves[JOB["flex-b"]]["destination"]
        self.assertEqual(dest["cluster"], H200)
        # pretrain-a (16 GPUs on h100-01, 02, maint-later): needs 16 in one h100 island.
        # ib-h100-a: h100-03 has 8 - 4 - 2 = 2 free (4 after preempting flex-a), h100-04 8: 12 < 16.
        # ib-h100-b: h100-05 full, h100-06 drained, h100-07 6 free (chat-b is in quota now),
        # h100-08 unhealthy: 6 < 16. Unplaced.
        self.assertIn(JOB["pretrain-a"], unplaced)
        s = d["summary"]
        self.assertEqual((s["jobs"], s["gpus"], s["placed"], s["gpus_placed"], s["unplaced"], s["gpus_unplaced"]),
                         (2, 18, 1, 2, 1, 16))


class Snapshot(unittest.TestCase):
    COMMANDS = [["capacity"], ["flex"], ["flex", "--gpus", "8", "--contiguous"], ["quota"], ["nodes"],
                ["capacity", "--by", "partition"],
                ["overalloc", "report"], ["overalloc", "sweep"], ["overalloc", "plan"],
                ["maintenance", "list"], ["maintenance", "node", "h100-01"], ["maintenance", "node", "h200-08"],
                ["maintenance", "impact"], ["maintenance", "plan"]]

    def test_saved_snapshot_answers_every_command_the_same(self):
        d = tempfile.mkdtemp(prefix="fleetcap-slurm-snap-")
        self.addCleanup(shutil.rmtree, d, True)
        snap = os.path.join(d, "snap")
        r = ok(self, "snapshot", "save", snap)
        for name in os.listdir(snap):  # the JWT is in no saved file
            with open(os.path.join(snap, name), errors="replace") as f:
                self.assertNotIn(JWT, f.read(), name)
        with open(os.path.join(snap, "snapshot.json")) as f:
            at = json.load(f)["taken_at"]
        for cmd in self.COMMANDS:
            live = ok(self, *cmd, "--json", "--at", at).json()
            read = ok(self, *cmd, "--json", "--at", at, source=snap)
            self.assertEqual(read.err, "", cmd)  # a saved snapshot repeats none of the source's warnings
            saved = read.json()
            for doc in (live, saved):
                doc.pop("generated_at", None)
                doc.pop("source", None)
                doc.pop("sources", None)  # slurmrestd live, a directory saved
            self.assertEqual(saved, live, " ".join(cmd))
        self.assertNotIn(JWT, r.out + r.err)


class ZFaults(unittest.TestCase):
    """Last (unittest runs classes in name order): stops slurmdbd, slurmrestd, and starts them
    again after each test."""

    def test_no_token_is_a_401(self):
        r = fc("capacity", token=None)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        self.assertIn("HTTP 401", r.err)
        self.assertIn("127.0.0.1", r.err)
        self.assertIn("SLURM_JWT", r.err)

    def test_wrong_jwt(self):
        # a well-formed token signed with another key: slurmctld refuses it. slurmrestd 22.05
        # answers 500 with errors[] (tests/data/slurm/lab-v0.0.38/errors/README.md), later ones 401
        bad = JWT[: JWT.rindex(".") + 1] + ("A" if JWT[-1] != "A" else "B") * len(JWT[JWT.rindex(".") + 1:])
        r = fc("capacity", token=bad)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        self.assertRegex(r.err, r"/slurm(db)?/v0\.0\.38/\w+: HTTP (500|401)")  # names the endpoint
        self.assertIn("JWT", r.err)                                            # and what to do
        self.assertNotIn(bad, r.err)

    def test_slurmdbd_down(self):
        # issue 11: "slurmdbd down ... ends with a message that names the endpoint and says what
        # to do, exit 1"; then --slurm-quota none answers without quota, with a warning.
        subprocess.run([LAB, "stop", "slurmdbd"], check=True, capture_output=True)
        self.addCleanup(subprocess.run, [LAB, "start", "slurmdbd"], check=True, capture_output=True)
        r = fc("quota", "--json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        # both slurmdb lists are read (limits and Preempt lists): the first given that fails is named
        self.assertRegex(r.err, r"/slurmdb/v0\.0\.38/(associations|qos): HTTP 500")
        self.assertIn("Unable to connect to database", r.err)   # slurmrestd's own words
        self.assertIn("--slurm-quota none", r.err)              # what to do
        r = ok(self, "quota", "--json", "--slurm-quota", "none")
        self.assertEqual(r.json()["quotas"], [])
        c = by_name(ok(self, "capacity", "--json", "--slurm-quota", "none").json()["clusters"])
        # without quota every GPU job is flex: h100 16+8+4+2+2 = 32, h200 2+8+16+2 = 28
        self.assertEqual((c[H100]["assigned"], c[H100]["flex_used"], c[H200]["flex_used"]), (0, 32, 28))

    def test_slurmrestd_down_names_the_endpoint(self):
        subprocess.run([LAB, "stop", "slurmrestd"], check=True, capture_output=True)
        self.addCleanup(subprocess.run, [LAB, "start", "slurmrestd"], check=True, capture_output=True)
        r = fc("capacity", "--connect-timeout", "2")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "")
        self.assertIn(HTTP.split("//", 1)[1], r.err)     # 127.0.0.1:PORT


if __name__ == "__main__":
    unittest.main(verbosity=2)
