#!/usr/bin/env python3
"""Writes the bad-input corpus, the one set of invalid snapshots the tests run: one folder per case,
each breaking one item rule of docs/fleet-api.md (or its page envelope) in a copy of examples/fleet/worked. A case
folder holds the files that differ from the worked example and expected.txt, the exact stderr lines
fleetcap must print (`{dir}` stands for the snapshot folder). Every run exits 3 with nothing on
stdout, from a directory and from the API (tests/e2e/test_bad_input.py); fuzz/make_seeds.py makes a
fuzzing seed of every case.

The expected lines are written here by hand from docs/fleet-api.md's form, `resource[index] "name": field
"f" ...`, never copied from fleetcap's output. Indices in the worked example: clusters tiger 0,
lion 1, puma 2; nodes t01..t12 = 0..11, l01..l08 = 12..19; quotas research 0, research/pretrain 1,
research/evals 2, research/lion 3, research/lion-evals 4, applied 5, applied/chat-tiger 6,
applied/chat-lion 7; jobs j1..j5 = 0..4, k1 5, k2 6, k3 7; maintenance m1 0, m2 1, m3 2.

    python3 tests/data/corpus/make_corpus.py    # rewrites every case folder
"""
import copy
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
WORKED = os.path.join(HERE, "..", "..", "..", "examples", "fleet", "worked")


def load(res):
    with open(os.path.join(WORKED, res + ".json")) as f:
        return json.load(f)


def item(doc, key, value):
    return next(i for i in doc["items"] if i.get("name", i.get("id")) == value)


CASES = []


def case(name, expected, **files):
    CASES.append((name, expected, files))


def edit(res, key, fn):
    """A copy of a worked resource document with fn(item) applied to the item named `key`."""
    doc = copy.deepcopy(load(res))
    fn(item(doc, "name", key))
    return doc


def setk(k, v):
    return lambda it: it.__setitem__(k, v)


def delk(k):
    return lambda it: it.pop(k)


# clusters
case("cluster-duplicate-name", ['clusters[2] "tiger": field "name" duplicates clusters[0]'],
     clusters=edit("clusters", "puma", setk("name", "tiger")))
case("cluster-bad-state", ['clusters[0] "tiger": field "state" must be one of planned, provisioning, provisioned, '
                           'production, decommissioned, got "live"'],
     clusters=edit("clusters", "tiger", setk("state", "live")))
case("cluster-bad-state-provisioning-typo", ['clusters[2] "puma": field "state" must be one of planned, provisioning, '
                                            'provisioned, production, decommissioned, got "building"'],
     clusters=edit("clusters", "puma", setk("state", "building")))
case("cluster-missing-sku", ['clusters[1] "lion": field "sku" is missing'], clusters=edit("clusters", "lion", delk("sku")))
case("cluster-name-not-a-string", ['clusters[2]: field "name" must be a string, got 7'],
     clusters=edit("clusters", "puma", setk("name", 7)))
doc = load("clusters")
doc["items"].append("jaguar")
case("cluster-not-an-object", ['clusters[3]: must be an object, got "jaguar"'], clusters=doc)

# nodes
case("node-unknown-cluster", ['nodes[9] "t10": field "cluster" names unknown cluster "tigre"'],
     nodes=edit("nodes", "t10", setk("cluster", "tigre")))
case("node-unknown-cluster-lion", ['nodes[12] "l01": field "cluster" names unknown cluster "lynx"'],
     nodes=edit("nodes", "l01", setk("cluster", "lynx")))
case("node-duplicate-name", ['nodes[19] "t01": field "name" duplicates nodes[0]'],
     nodes=edit("nodes", "l08", setk("name", "t01")))
case("node-duplicate-name-adjacent", ['nodes[9] "t09": field "name" duplicates nodes[8]'],
     nodes=edit("nodes", "t10", setk("name", "t09")))
case("node-empty-name", ['nodes[9]: field "name" must be a non-empty string, got ""'],
     nodes=edit("nodes", "t10", setk("name", "")))
case("node-gpus-string", ['nodes[1] "t02": field "gpus" must be a non-negative integer, got "8"'],
     nodes=edit("nodes", "t02", setk("gpus", "8")))
case("node-gpus-negative", ['nodes[2] "t03": field "gpus" must be a non-negative integer, got -8'],
     nodes=edit("nodes", "t03", setk("gpus", -8)))
case("node-gpus-negative-last-node", ['nodes[19] "l08": field "gpus" must be a non-negative integer, got -8'],
     nodes=edit("nodes", "l08", setk("gpus", -8)))
case("node-gpus-fractional", ['nodes[3] "t04": field "gpus" must be a non-negative integer, got 7.5'],
     nodes=edit("nodes", "t04", setk("gpus", 7.5)))
case("node-gpus-past-int64", ['nodes[4] "t05": field "gpus" must be a non-negative integer, got 9223372036854775808'],
     nodes=edit("nodes", "t05", setk("gpus", 9223372036854775808)))
case("node-gpus-past-uint64", ['nodes[4] "t05": field "gpus" must be a non-negative integer, got '
                               '18446744073709551616'],
     nodes=edit("nodes", "t05", setk("gpus", 18446744073709551616)))
case("node-gpus-over-the-bound", ['nodes[5] "t06": field "gpus" must be at most 1000000000, got 1000000001'],
     nodes=edit("nodes", "t06", setk("gpus", 1000000001)))
case("node-missing-island", ['nodes[9] "t10": field "island" is missing'], nodes=edit("nodes", "t10", delk("island")))
case("node-missing-name", ['nodes[9]: field "name" is missing'], nodes=edit("nodes", "t10", delk("name")))
case("node-cordoned-not-a-bool", ['nodes[11] "t12": field "cordoned" must be true or false, got "yes"'],
     nodes=edit("nodes", "t12", setk("cordoned", "yes")))
issue = {"type": "xid", "detected_at": "2026-11-19T00:00:00Z", "priority": "p1", "detail": "Xid 79"}
case("node-issue-bad-priority", ['nodes[9] "t10": field "issues[0].priority" must be one of p0, p1, p2, p3, got '
                                 '"urgent"'],
     nodes=edit("nodes", "t10", setk("issues", [dict(issue, priority="urgent")])))
case("node-issue-bad-time", ['nodes[9] "t10": field "issues[0].detected_at" must be an RFC 3339 time, got '
                             '"yesterday"'],
     nodes=edit("nodes", "t10", setk("issues", [dict(issue, detected_at="yesterday")])))
case("node-issues-not-an-array", ['nodes[9] "t10": field "issues" must be an array, got "none"'],
     nodes=edit("nodes", "t10", setk("issues", "none")))

# quotas
doc = load("quotas")
item(doc, "name", "research")["parent"] = "applied"
item(doc, "name", "applied")["parent"] = "research"
case("quota-cycle", ['quotas[0] "research": field "parent" makes a cycle: research -> applied -> research'], quotas=doc)
case("quota-own-parent", ['quotas[5] "applied": field "parent" makes a cycle: applied -> applied'],
     quotas=edit("quotas", "applied", setk("parent", "applied")))
case("quota-unknown-parent", ['quotas[4] "research/lion-evals": field "parent" names unknown quota "reserch"'],
     quotas=edit("quotas", "research/lion-evals", setk("parent", "reserch")))
case("quota-group-with-cluster", ['quotas[0] "research": field "cluster" is "tiger" but the quota has children; only '
                                  'leaves name a cluster'],
     quotas=edit("quotas", "research", setk("cluster", "tiger")))
case("quota-group-with-gpus", ['quotas[5] "applied": field "gpus" is 32 but the quota has children; only leaves hold '
                               'GPUs'],
     quotas=edit("quotas", "applied", setk("gpus", 32)))
case("quota-unknown-cluster", ['quotas[7] "applied/chat-lion": field "cluster" names unknown cluster "lynx"'],
     quotas=edit("quotas", "applied/chat-lion", setk("cluster", "lynx")))
case("quota-leaf-missing-gpus", ['quotas[4] "research/lion-evals": field "gpus" is missing'],
     quotas=edit("quotas", "research/lion-evals", delk("gpus")))
case("quota-gpus-without-cluster", ['quotas[4] "research/lion-evals": field "cluster" is missing; a leaf quota with '
                                    'gpus must name its cluster'],
     quotas=edit("quotas", "research/lion-evals", setk("cluster", None)))
case("quota-duplicate-name", ['quotas[4] "research/lion": field "name" duplicates quotas[3]'],
     quotas=edit("quotas", "research/lion-evals", setk("name", "research/lion")))
case("quota-access-not-strings", ['quotas[1] "research/pretrain": field "access" must be an array of strings, got 7 '
                                  'at position 1'],
     quotas=edit("quotas", "research/pretrain", setk("access", ["pretrain", 7])))
case("quota-gpus-negative", ['quotas[2] "research/evals": field "gpus" must be a non-negative integer, got -24'],
     quotas=edit("quotas", "research/evals", setk("gpus", -24)))

# jobs
doc = load("jobs")
j3 = item(doc, "name", "j3")
j3["cluster"], _ = "lion", j3.pop("nodes")
case("job-in-another-cluster-than-its-quota", ['jobs[2] "j3": field "cluster" is "lion" but quota '
                                               '"applied/chat-tiger" is in cluster "tiger"'], jobs=doc)
case("job-pending-in-another-cluster-than-its-quota", ['jobs[4] "j5": field "cluster" is "lion" but quota '
                                                       '"research/pretrain" is in cluster "tiger"'],
     jobs=edit("jobs", "j5", setk("cluster", "lion")))
case("job-unknown-quota", ['jobs[1] "j2": field "quota" names unknown quota "research/eval" (a leaf quota or "flex")'],
     jobs=edit("jobs", "j2", setk("quota", "research/eval")))
case("job-targets-a-group", ['jobs[1] "j2": field "quota" names "research", which is not a leaf quota with a cluster'],
     jobs=edit("jobs", "j2", setk("quota", "research")))
case("job-gpus-zero", ['jobs[3] "j4": field "gpus" must be a positive integer, got 0'],
     jobs=edit("jobs", "j4", setk("gpus", 0)))
case("job-gpus-zero-last-job", ['jobs[7] "k3": field "gpus" must be a positive integer, got 0'],
     jobs=edit("jobs", "k3", setk("gpus", 0)))
case("job-bad-priority", ['jobs[3] "j4": field "priority" must be one of critical, high, mid, low, got "urgent"'],
     jobs=edit("jobs", "j4", setk("priority", "urgent")))
case("job-bad-state", ['jobs[4] "j5": field "state" must be one of running, pending, got "queued"'],
     jobs=edit("jobs", "j5", setk("state", "queued")))
case("job-running-without-cluster", ['jobs[3] "j4": field "cluster" is missing; a running job must name its cluster'],
     jobs=edit("jobs", "j4", delk("cluster")))
case("job-unknown-node", ['jobs[7] "k3": field "nodes" names unknown node "l09"'],
     jobs=edit("jobs", "k3", setk("nodes", ["l09"])))
case("job-node-of-another-cluster", ['jobs[7] "k3": field "nodes" names node "t10" of cluster "tiger", not "lion"'],
     jobs=edit("jobs", "k3", setk("nodes", ["t10"])))
case("job-duplicate-name", ['jobs[7] "k2": field "name" duplicates jobs[6]'], jobs=edit("jobs", "k3", setk("name", "k2")))
case("job-started-at-month-13", ['jobs[0] "j1": field "started_at" must be an RFC 3339 time, got '
                                 '"2026-13-02T08:00:00Z"'],
     jobs=edit("jobs", "j1", setk("started_at", "2026-13-02T08:00:00Z")))
case("job-started-at-without-offset", ['jobs[0] "j1": field "started_at" must be an RFC 3339 time, got '
                                       '"2026-11-02T08:00:00"'],
     jobs=edit("jobs", "j1", setk("started_at", "2026-11-02T08:00:00")))
case("job-started-at-a-number", ['jobs[0] "j1": field "started_at" must be an RFC 3339 time, got 1793606400'],
     jobs=edit("jobs", "j1", setk("started_at", 1793606400)))
case("job-idle-not-a-bool", ['jobs[1] "j2": field "idle" must be true or false, got "true"'],
     jobs=edit("jobs", "j2", setk("idle", "true")))
case("job-missing-namespace", ['jobs[4] "j5": field "namespace" is missing'], jobs=edit("jobs", "j5", delk("namespace")))
case("job-nodes-not-strings", ['jobs[0] "j1": field "nodes" must be an array of strings, got an object at '
                               'position 0'],
     jobs=edit("jobs", "j1", setk("nodes", [{"name": "t01"}])))


def edit_event(key, fn):
    doc = copy.deepcopy(load("maintenance"))
    fn(item(doc, "id", key))
    return doc


# maintenance
doc = load("maintenance")
m3 = item(doc, "id", "m3")
m3["start"], m3["end"] = m3["end"], m3["start"]
case("maintenance-start-after-end", ['maintenance[2] "m3": field "end" (2026-11-24T00:00:00Z) must be after "start" '
                                     '(2026-11-24T12:00:00Z)'], maintenance=doc)
case("maintenance-start-equals-end", ['maintenance[2] "m3": field "end" (2026-11-24T00:00:00Z) must be after "start" '
                                      '(2026-11-24T00:00:00Z)'],
     maintenance=edit_event("m3", setk("end", "2026-11-24T00:00:00Z")))
case("maintenance-unknown-cluster", ['maintenance[2] "m3": field "cluster" names unknown cluster "lynx"'],
     maintenance=edit_event("m3", setk("cluster", "lynx")))
case("maintenance-node-of-another-cluster", ['maintenance[2] "m3": field "nodes" names node "t10" of cluster "tiger", '
                                             'not "lion"'],
     maintenance=edit_event("m3", setk("nodes", ["t10"])))
case("maintenance-cordoned-node-of-another-cluster", ['maintenance[2] "m3": field "nodes" names node "t12" of '
                                                      'cluster "tiger", not "lion"'],
     maintenance=edit_event("m3", setk("nodes", ["t12"])))
case("maintenance-duplicate-id", ['maintenance[2] "m1": field "id" duplicates maintenance[0]'],
     maintenance=edit_event("m3", setk("id", "m1")))
case("maintenance-bad-state", ['maintenance[1] "m2": field "state" must be one of scheduled, in_progress, completed, '
                               'cancelled, got "done"'],
     maintenance=edit_event("m2", setk("state", "done")))
case("maintenance-priority-a-number", ['maintenance[1] "m2": field "priority" must be one of p0, p1, p2, p3, got 1'],
     maintenance=edit_event("m2", setk("priority", 1)))
case("maintenance-start-hour-25", ['maintenance[1] "m2": field "start" must be an RFC 3339 time, got '
                                   '"2026-11-21T25:00:00Z"'],
     maintenance=edit_event("m2", setk("start", "2026-11-21T25:00:00Z")))
case("maintenance-end-february-30", ['maintenance[1] "m2": field "end" must be an RFC 3339 time, got '
                                     '"2027-02-30T06:00:00Z"'],
     maintenance=edit_event("m2", setk("end", "2027-02-30T06:00:00Z")))
case("maintenance-start-november-31", ['maintenance[1] "m2": field "start" must be an RFC 3339 time, got '
                                      '"2026-11-31T18:00:00Z"'],
     maintenance=edit_event("m2", setk("start", "2026-11-31T18:00:00Z")))
case("maintenance-offset-hour-24", ['maintenance[0] "m1": field "start" must be an RFC 3339 time, got '
                                    '"2026-11-20T10:00:00+24:00"'],
     maintenance=edit_event("m1", setk("start", "2026-11-20T10:00:00+24:00")))
case("maintenance-hard-start-not-a-bool", ['maintenance[0] "m1": field "hard_start" must be true or false, got "yes"'],
     maintenance=edit_event("m1", setk("hard_start", "yes")))

# health_history
sample = {"cluster": "tiger", "at": "2026-11-19T00:00:00Z", "healthy_gpus": 80, "total_gpus": 96}


def history(**change):
    return {"api_version": "v1", "items": [dict(sample, **change)], "next_page_token": None}


case("history-negative-gpus", ['health_history[0] "tiger": field "healthy_gpus" must be a non-negative integer, got -1'],
     health_history=history(healthy_gpus=-1))
case("history-bad-time", ['health_history[0] "tiger": field "at" must be an RFC 3339 time, got "2026-11-19"'],
     health_history=history(at="2026-11-19"))
case("history-unknown-cluster", ['health_history[0] "jaguar": field "cluster" names unknown cluster "jaguar"'],
     health_history={"api_version": "v1", "items": [{"cluster": "jaguar", "at": "2026-11-19T00:00:00Z",
                                                     "healthy_gpus": 64, "total_gpus": 64}],
                     "next_page_token": None})

# envelopes, JSON and snapshot.json
doc = load("health_history")
doc["items"] = "none"
case("envelope-items-not-an-array", ['health_history: {dir}/health_history.json has "items" that is not an array, '
                                     'got "none"'], health_history=doc)
doc = load("maintenance")
doc["api_version"] = "v2"
case("envelope-api-version-v2", ['maintenance: {dir}/maintenance.json has api_version "v2", fleetcap reads "v1"'],
     maintenance=doc)
doc = load("clusters")
doc["api_version"] = "v2"
case("envelope-api-version-v2-clusters", ['clusters: {dir}/clusters.json has api_version "v2", fleetcap reads "v1"'],
     clusters=doc)
doc = load("quotas")
doc["items"] = {"research": {}}
case("envelope-items-an-object", ['quotas: {dir}/quotas.json has "items" that is not an array, got an object'],
     quotas=doc)
case("envelope-no-items", ['health_history: {dir}/health_history.json has no "items" array'],
     health_history={"api_version": "v1", "next_page_token": None})
case("json-truncated", ["clusters: invalid JSON in {dir}/clusters.json at line 1, column 33: syntax error while "
                        "parsing value - unexpected end of input; expected '[', '{', or a literal"],
     clusters=b'{"api_version": "v1", "items": [')
case("json-not-utf8", ["clusters: invalid JSON in {dir}/clusters.json at line 1, column 45: syntax error while "
                       "parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"ti\\xff'"],
     clusters=b'{"api_version": "v1", "items": [{"name": "ti\xffger"}]}')
# The comma after t03's "island" is gone. In the indent-2 file each node takes 9 lines from line 4, so
# t03 is lines 22-30: "island" on line 25, "gpus" on line 26 at column 7. nlohmann reports where the
# unexpected token ends: "gpus" (with quotes) spans columns 7-12.
lines = json.dumps(load("nodes"), indent=2).split("\n")
assert lines[22] == '      "name": "t03",' and lines[24] == '      "island": "tiger-ib1",', lines[20:26]
lines[24] = lines[24].rstrip(",")
case("json-missing-comma", ["nodes: invalid JSON in {dir}/nodes.json at line 26, column 12: syntax error while parsing "
                            "object - unexpected string literal; expected '}'"],
     nodes=("\n".join(lines)).encode())
case("snapshot-taken-at-not-a-time", ['{dir}/snapshot.json: field "taken_at" must be an RFC 3339 time, got "noon"'],
     snapshot={"taken_at": "noon", "source": "examples/fleet/worked"})

# Many errors at once: 2 + 20 = 22. Both production clusters lose their region and every node's gpus
# is a string; clusters come first, 20 are shown, then the count.
clusters, nodes = load("clusters"), load("nodes")
for c in clusters["items"][:2]:
    del c["region"]
for n in nodes["items"]:
    n["gpus"] = "8"
case("many-errors", ['clusters[0] "tiger": field "region" is missing', 'clusters[1] "lion": field "region" is missing']
     + [f'nodes[{i}] "{n["name"]}": field "gpus" must be a non-negative integer, got "8"'
        for i, n in enumerate(nodes["items"][:18])]
     + ["... and 2 more errors (22 in all)"], clusters=clusters, nodes=nodes)


def main():
    for name in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, name)):
            shutil.rmtree(os.path.join(HERE, name))
    for n, (name, expected, files) in enumerate(CASES, 1):
        d = os.path.join(HERE, f"{n:02d}-{name}")
        os.makedirs(d)
        for res, doc in files.items():
            with open(os.path.join(d, res + ".json"), "wb") as f:
                f.write(doc if isinstance(doc, bytes) else (json.dumps(doc, indent=2) + "\n").encode())
        with open(os.path.join(d, "expected.txt"), "w") as f:
            f.write("".join(f"fleetcap: error: {line}\n" for line in expected))
    print(f"{len(CASES)} cases in {os.path.relpath(HERE)}")


if __name__ == "__main__":
    main()
