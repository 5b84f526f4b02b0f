#!/usr/bin/env python3
"""What a user would write instead of `fleetcap capacity --json`: fetch every resource with
urllib, json.load it, and compute the docs/figures.md per-cluster figures. bench/run times it
against fleetcap on the same server, and checks that both agree.

    reference.py BASE_URL AT     (AT: RFC 3339, e.g. 2026-11-20T12:00:00Z)

Prints {"clusters": [{"name", "total", "healthy", ...}]} for production clusters.
"""
import datetime as dt
import json
import sys
import urllib.parse
import urllib.request

RESOURCES = ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history")


def fetch(base, resource):
    items, token = [], None
    while True:
        url = f"{base}/v1/{resource}" + (f"?page_token={urllib.parse.quote(token)}" if token else "")
        try:
            with urllib.request.urlopen(url) as r:
                doc = json.load(r)
        except urllib.error.HTTPError as e:
            if e.code == 404 and resource in ("maintenance", "health_history"):
                return []
            raise
        items += doc["items"]
        token = doc.get("next_page_token")
        if not token:
            return items


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    base, at = sys.argv[1].rstrip("/"), ts(sys.argv[2])
    d = {r: fetch(base, r) for r in RESOURCES}
    nodes = d["nodes"]
    ok = [n.get("health") == "healthy" and not n.get("cordoned") for n in nodes]
    index = {n["name"]: i for i, n in enumerate(nodes)}
    by_cluster = {}
    for i, n in enumerate(nodes):
        by_cluster.setdefault(n["cluster"], []).append(i)
    for e in d["maintenance"]:
        if e["state"] in ("completed", "cancelled") or not (ts(e["start"]) <= at < ts(e["end"])):
            continue
        for i in ([index[x] for x in e["nodes"]] if e.get("nodes") else by_cluster.get(e["cluster"], [])):
            ok[i] = False
    parents = {q.get("parent") for q in d["quotas"] if q.get("parent")}
    assigned = {}
    for q in d["quotas"]:
        if q.get("cluster") and q["name"] not in parents:
            assigned[q["cluster"]] = assigned.get(q["cluster"], 0) + q.get("gpus", 0)
    uq, uf, occupied = {}, {}, set()
    for j in d["jobs"]:
        if j["state"] != "running":
            continue
        into = uf if j["quota"] == "flex" else uq
        into[j["cluster"]] = into.get(j["cluster"], 0) + j["gpus"]
        occupied.update(j.get("nodes") or [])
    total, healthy, islands = {}, {}, {}
    for i, n in enumerate(nodes):
        c = n["cluster"]
        total[c] = total.get(c, 0) + n["gpus"]
        if ok[i]:
            healthy[c] = healthy.get(c, 0) + n["gpus"]
            if n["name"] not in occupied:
                key = (c, n["island"])
                islands[key] = islands.get(key, 0) + n["gpus"]
    block = {}
    for (c, _), free in islands.items():
        block[c] = max(block.get(c, 0), free)
    out = []
    for c in d["clusters"]:
        if c["state"] != "production":
            continue
        name = c["name"]
        t, h, a = total.get(name, 0), healthy.get(name, 0), assigned.get(name, 0)
        q, f = uq.get(name, 0), uf.get(name, 0)
        flex_free = max(0, h - q - f)
        stable = min(flex_free, max(0, max(0, h - a) - f))
        out.append({"name": name, "total": t, "healthy": h, "assigned": a, "inquota_used": q,
                    "inquota_free": max(0, min(a, h) - q), "flex_used": f, "flex_free": flex_free,
                    "flex_stable_free": stable, "flex_reclaimable_free": flex_free - stable,
                    "unbacked": max(0, a - h), "headroom": max(0, h - a),
                    "largest_free_block": block.get(name, 0)})
    json.dump({"clusters": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
