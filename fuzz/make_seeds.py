#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/ for fuzz_snapshot (see fuzz_snapshot.cpp for the input
format): the worked example whole and cut short, every docs/fleet-api.md field given every wrong type,
deep nesting, 1 MB strings, numbers past int64, negative and fractional GPU counts, duplicate
keys, non-UTF-8 bytes and bad escapes, envelope oddities, and the tests/data/corpus cases.
Deterministic: rerun after changing it and commit the result.

    python3 fuzz/make_seeds.py
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
WORKED = os.path.join(ROOT, "examples", "fleet", "worked")
RESOURCES = ["clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"]
SEP = b"\n--\n"


def worked(res):
    with open(os.path.join(WORKED, res + ".json"), "rb") as f:
        return f.read()


def page(items, extra=b""):
    body = items if isinstance(items, bytes) else json.dumps(items).encode()
    return b'{"api_version": "v1", "items": ' + body + b', "next_page_token": null' + extra + b"}"


def snapshot(replace=None):
    """The worked example as one input, with some resources' documents replaced."""
    docs = [(replace or {}).get(r, worked(r)) for r in RESOURCES]
    return SEP.join(docs + [worked("snapshot")])


seeds = {}


def seed(name, data):
    seeds[name] = data if isinstance(data, bytes) else data.encode()


# Whole and valid: reaches link, figures and every renderer.
seed("worked-snapshot", snapshot())
for r in RESOURCES:
    seed(f"worked-{r}", worked(r))

# Truncated documents.
nodes = worked("nodes")
for frac in (1, 3, 2, 7):
    seed(f"truncated-nodes-{frac}", nodes[: len(nodes) * frac // 8])
seed("truncated-snapshot", snapshot()[:-300])
seed("truncated-in-escape", b'{"api_version":"v1","items":[{"name":"a\\u00')

# Deep nesting: inside an ignored field (within and past simdjson's depth limit) and as items.
for depth in (100, 1023, 1025, 5000):
    seed(f"deep-unknown-field-{depth}",
         b'{"api_version":"v1","items":[{"name":"n","x":' + b"[" * depth + b"]" * depth + b"}]}")
seed("deep-objects", b'{"api_version":"v1","items":[' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]}")
seed("deep-unclosed", b'{"api_version":"v1","items":[' + b"[" * 20000)

# 1 MB strings: a name, a value of a number field, a key, an unknown field, an RFC 3339 time.
mb = "a" * (1 << 20)
node = {"name": "n1", "cluster": "c1", "island": "i1", "gpus": 8, "health": "healthy"}
cluster = {"name": "c1", "region": "r", "provider": "p", "sku": "h100", "state": "production"}
seed("mb-string-name", page([dict(node, name=mb)]))
seed("mb-string-gpus", page([dict(node, gpus="8" * (1 << 20))]))
seed("mb-string-key", page([dict(node, **{mb: 1})]))
seed("mb-string-time", page([{"name": "j", "namespace": "n", "quota": "flex", "priority": "low", "gpus": 1,
                              "state": "pending", "started_at": "2026-" + mb}]))
seed("mb-string-valid", SEP.join([page([dict(cluster, name="c" + mb)]),
                                  page([dict(node, cluster="c" + mb, island=mb)]), page([]), page([])]))

# Numbers past int64, negative and fractional GPU counts.
for i, n in enumerate([b"9223372036854775807", b"9223372036854775808", b"18446744073709551615",
                       b"18446744073709551616", b"99999999999999999999999999", b"1e400", b"-1e400",
                       b"-9223372036854775808", b"-9223372036854775809", b"-1", b"-0", b"0.5", b"8.0",
                       b"1e3", b"-1e-3", b"1000000000", b"1000000001", b"0x10", b"08", b"+8", b".5", b"NaN",
                       b"Infinity", b"1.7976931348623157e309"]):
    seed(f"number-{i:02d}", b'{"api_version":"v1","items":[{"name":"n","cluster":"c","island":"i","gpus":' + n
         + b',"health":"healthy"}]}')
# Valid snapshots whose sums are as large as the bound allows.
big = [dict(node, name=f"n{i}", gpus=1000000000) for i in range(40)]
seed("big-sums", SEP.join([page([cluster]), page(big),
                           page([{"name": f"q{i}", "cluster": "c1", "gpus": 1000000000} for i in range(40)]),
                           page([{"name": f"j{i}", "namespace": "ns", "quota": f"q{i}", "cluster": "c1",
                                  "priority": "low", "gpus": 1000000000, "state": "running"}
                                 for i in range(40)]), page([]), page([])]))

# Duplicate keys, in items and in the envelope.
seed("duplicate-item-keys", b'{"api_version":"v1","items":[{"name":"a","name":"b","gpus":1,"gpus":-2,'
                            b'"cluster":"c","cluster":7,"island":"i","health":"healthy"}]}')
seed("duplicate-envelope-keys", b'{"api_version":"v1","items":[],"items":[{"name":"x"}],"api_version":"v2",'
                                b'"next_page_token":"a","next_page_token":null}')

# Non-UTF-8 bytes and bad escapes.
for i, s in enumerate([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"caf\xe9",
                       b"\\ud800", b"\\udc00\\ud800", b"\\u0000", b"\\x41", b"\\uZZZZ", b"\x00", b"\x1b[31m",
                       b"\xe2\x80\xae", b"\t\n"]):
    seed(f"bytes-{i:02d}", b'{"api_version":"v1","items":[{"name":"' + s + b'","cluster":"c","island":"i",'
         b'"gpus":8,"health":"healthy"}]}')
seed("bytes-in-valid-snapshot", SEP.join([page([dict(cluster, name="\u202e\u00e9\U0001F600")]),
                                          page([dict(node, cluster="\u202e\u00e9\U0001F600", name="\u00e9" * 50)]),
                                          page([]), page([])]))

# Every field of every resource given every wrong type.
fields = {
    "clusters": cluster,
    "nodes": dict(node, cordoned=False, issues=[{"type": "xid", "detected_at": "2026-11-20T00:00:00Z",
                                                 "priority": "p1", "detail": "d"}]),
    "quotas": {"name": "q", "parent": None, "cluster": "c1", "gpus": 8, "access": ["ns"]},
    "jobs": {"name": "j", "namespace": "ns", "quota": "flex", "cluster": "c1", "priority": "low", "gpus": 8,
             "state": "running", "nodes": ["n1"], "idle": False, "started_at": "2026-11-20T00:00:00Z"},
    "maintenance": {"id": "m", "cluster": "c1", "nodes": ["n1"], "kind": "k", "reason": "r", "priority": "p0",
                    "start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z", "hard_start": True,
                    "state": "scheduled"},
    "health_history": {"cluster": "c1", "at": "2026-11-20T00:00:00Z", "healthy_gpus": 8, "total_gpus": 8},
}
wrong = [None, True, 0, -1, 1.5, "", "x", [], [1], {}, {"a": 1}]
for res, item in fields.items():
    items = [dict(item, **{k: w}) for k in item for w in wrong]
    items += [{k: v for k, v in item.items() if k != drop} for drop in item]  # each field missing
    items += [None, 1, "s", [], [item]]                                         # items that are not objects
    seed(f"wrong-types-{res}", page(items))

# Envelope oddities.
for i, doc in enumerate([b"", b" ", b"null", b"[]", b"1", b'"items"', b"{}", b'{"items":{}}', b'{"items":null}',
                         b'{"api_version":1,"items":[]}', b'{"api_version":"v2","items":[]}',
                         b'{"items":[],"next_page_token":7}', b'{"items":[],"next_page_token":{"a":1}}',
                         b'{"items":[]} trailing', b'{"items":[]}{"items":[]}', b'{"items":[1,]}',
                         b"\xef\xbb\xbf{\"items\":[]}", b'{"items":[]}\x00']):
    seed(f"envelope-{i:02d}", doc)

# Issue 16's shapes, each in a whole snapshot so the rest links: a second document after the
# first, page tokens of other types, maintenance nodes null or missing, a byte order mark,
# snapshot.json of the wrong type, times at and past the year bounds, a deep quota chain.
maint = json.loads(worked("maintenance"))["items"]
quota_items = json.loads(worked("quotas"))["items"]
for i, tail in enumerate([b'{"api_version":"v1","items":[]}', b"[]", b"1", b'"x"', b"null", b"{}"]):
    seed(f"second-document-{i}", snapshot({"quotas": worked("quotas") + b"\n" + tail}))
for i, tok in enumerate([b"5", b"true", b"[]", b"{}", b'""', b"-0", b"1e400"]):
    seed(f"page-token-{i}", snapshot({"nodes": worked("nodes").replace(b'"next_page_token": null',
                                                                       b'"next_page_token": ' + tok)}))
for i, nodes_value in enumerate([None, "missing", [], [None], "t11"]):
    items = [dict(e) for e in maint]
    if nodes_value == "missing":
        del items[0]["nodes"]
    else:
        items[0]["nodes"] = nodes_value
    seed(f"maintenance-nodes-{i}", snapshot({"maintenance": page(items)}))
seed("bom-nodes", snapshot({"nodes": b"\xef\xbb\xbf" + worked("nodes")}))
for i, meta in enumerate([b"[]", b'"2026-11-20T12:00:00Z"', b"5", b"null", b"\xef\xbb\xbf{}",
                          b'{"taken_at":"2026-11-20T12:00:00Z"} {}', b'{"taken_at":"0000-01-01T00:00:00Z"}']):
    seed(f"snapshot-meta-{i}", SEP.join([worked(r) for r in RESOURCES] + [meta]))
for i, (start, end) in enumerate([("0000-01-01T00:00:00Z", "2026-11-21T00:00:00Z"),
                                  ("1000-01-01T00:00:00Z", "8999-12-31T23:59:59Z"),
                                  ("2026-11-20T00:00:00Z", "9999-12-31T23:59:59Z"),
                                  ("0999-12-31T23:59:59Z", "1000-01-01T00:00:00Z")]):
    items = [dict(e) for e in maint]
    items[0]["start"], items[0]["end"] = start, end
    seed(f"time-bounds-{i}", snapshot({"maintenance": page(items)}))
leaf = next(q for q in quota_items if q.get("cluster"))
chain = [{"name": "c0", "parent": None}] + [{"name": f"c{i}", "parent": f"c{i - 1}"} for i in range(1, 3000)]
chain.append({"name": "chain-leaf", "parent": "c2999", "cluster": leaf["cluster"], "gpus": 8})
seed("quota-chain-3000", snapshot({"quotas": page(quota_items + chain)}))

# The bad-input corpus of tests/data/corpus, each as a whole snapshot.
corpus = os.path.join(ROOT, "tests", "data", "corpus")
if os.path.isdir(corpus):
    for case in sorted(os.listdir(corpus)):
        d = os.path.join(corpus, case)
        if not os.path.isdir(d):
            continue
        replace = {}
        for r in RESOURCES:
            p = os.path.join(d, r + ".json")
            if os.path.exists(p):
                with open(p, "rb") as f:
                    replace[r] = f.read()
        seed(f"corpus-{case}", snapshot(replace))

# Findings (finding-*: inputs that once crashed, kept as regression tests) stay; seeds are rewritten.
os.makedirs(OUT, exist_ok=True)
for name in os.listdir(OUT):
    if not name.startswith("finding-"):
        os.remove(os.path.join(OUT, name))
for name, data in sorted(seeds.items()):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds, {sum(map(len, seeds.values())) // 1024} KiB in {os.path.relpath(OUT, ROOT)}")
