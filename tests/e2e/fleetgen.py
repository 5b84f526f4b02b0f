"""Generated fleets for the property tests, and an independent reading of them.

    fleets = generated()   # [(dir, data)] for a few seeds, made once per test process

`data` is the snapshot's items by resource, read straight from the JSON files, so the tests
can recompute what they check without fleetcap's code.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

import harness

GEN = os.path.join(harness.ROOT, "scripts", "gen-fleet")
CHECK = os.path.join(harness.ROOT, "scripts", "check-fleet")
# (clusters, nodes per cluster, seed): small enough for seconds, varied enough to matter.
SHAPES = [(8, 60, 1), (6, 90, 2), (12, 40, 5)]
_made = []


def read(d):
    data = {}
    for res in ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"):
        with open(os.path.join(d, res + ".json")) as f:
            data[res] = json.load(f)["items"]
    with open(os.path.join(d, "snapshot.json")) as f:
        data["taken_at"] = json.load(f)["taken_at"]
    return data


def generate(out, **options):
    """scripts/gen-fleet into `out`, each option a flag of it: generate(d, clusters=8,
    nodes_per_cluster=60, seed=1) runs `gen-fleet --out d --clusters 8 --nodes-per-cluster 60
    --seed 1`. Its summary line is kept from the test's output; its error is not."""
    argv = [sys.executable, GEN, "--out", out]
    for flag, value in options.items():
        argv += ["--" + flag.replace("_", "-"), str(value)]
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"scripts/gen-fleet failed ({p.returncode}): {p.stderr}")


def generated():
    if not _made:
        root = tempfile.mkdtemp(prefix="fleetcap-gen-")
        for c, k, seed in SHAPES:
            d = os.path.join(root, f"c{c}-k{k}-s{seed}")
            generate(d, clusters=c, nodes_per_cluster=k, seed=seed)
            _made.append((d, read(d)))
    return _made


def reference_figures(d):
    """scripts/check-fleet --figures, an independent Python reading of docs/figures.md:
    ({cluster: {figure: n}}, {leaf quota: {figure: n}})."""
    out = subprocess.run([sys.executable, CHECK, "--figures", d], check=True, capture_output=True, text=True).stdout
    clusters, quotas, section = {}, {}, None
    for line in out.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] in ("cluster", "quota"):
            section, header = words[0], words[1:]
            continue
        values = dict(zip(header, map(int, words[1:])))
        (clusters if section == "cluster" else quotas)[words[0]] = values
    return clusters, quotas


def _time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def island_blocks(data):
    """{(cluster, island): GPUs on schedulable nodes that no running job lists} at taken_at."""
    at = _time(data["taken_at"])
    nodes = data["nodes"]
    down = set()
    for m in data["maintenance"]:
        if m["state"] in ("completed", "cancelled") or not (_time(m["start"]) <= at < _time(m["end"])):
            continue
        down |= set(m["nodes"]) if m["nodes"] else {n["name"] for n in nodes if n["cluster"] == m["cluster"]}
    busy = {n for j in data["jobs"] if j["state"] == "running" for n in j.get("nodes", [])}
    blocks = {}
    for n in nodes:
        key = (n["cluster"], n["island"])
        blocks.setdefault(key, 0)
        if n["health"] == "healthy" and not n.get("cordoned") and n["name"] not in down and n["name"] not in busy:
            blocks[key] += n["gpus"]
    return blocks
