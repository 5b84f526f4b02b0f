#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_hostlist (fuzz/corpus-hostlist/) and fuzz_kubeconfig
(fuzz/corpus-kubeconfig/): the shapes the tests use and the hostile ones issue 26 found (a
30-byte hostlist standing for a billion names, gpu:h100:-8, a 28-byte --island-map line,
credentials with line breaks, files that are FIFOs or devices, userinfo in the server URL),
plus YAML oddities (aliases, anchors, merge keys, deep nesting, several documents, tabs, BOMs).
Deterministic: rerun after changing it and commit the result.

    python3 fuzz/make_adapter_seeds.py
"""
import base64
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOSTLIST = {
    "list": "cn[001-003,7],gpu1",
    "ranges": "cn[001-080,101-532]",
    "groups": "r[1-2]n[01-02]",
    "null": "(null)",
    "empty": "",
    "reversed": "cn[3-1]",
    "unclosed": "cn[01",
    "stray-close": "cn]01",
    "nested": "cn[[1-2]]",
    "billion": "gpu[0-999999][0-999]",
    "million-times-forty": ",".join(["gpu[0000001-1000000]"] * 40),
    "many-groups": "a" + "[1-2]" * 40,
    "padding": "gpu[0001-0003,000010-000012]x",
    "gres-typed": "gpu:h100:4(S:0-1),gpu:a100:2(S:2-3),shard:8",
    "gres-untyped": "gpu:4",
    "gres-idx": "gpu:h100:2(IDX:0-1),gpu:h100:1(IDX:3)",
    "gres-mig": "gpu:a100_3g.20gb:7",
    "gres-negative": "gpu:h100:-8",
    "gres-four-parts": "gpu:h100:4:x",
    "gres-empty-type": "gpu::4",
    "gres-na": "N/A",
    "gres-many": ",".join(f"gpu:t{i}:1" for i in range(300)),
    "tres-request": "gres/gpu:h100:2,gres/shard:4",
    "tres-spellings": "gres:gpu:8,gres/gpu=8,gpu:8",
    "tres-alloc": "cpu=64,mem=1G,node=2,billing=64,gres/gpu=16,gres/gpu:h100=16",
    "tres-alloc-bad": "gres/gpu=-1,gres/gpu=99999999999",
    "topology": "TOPO:ROOT:SW1:LEAF3,TOPO2:B",
    "topology-block": "block:b07",
    "island-map": "gpu[01-16] ib1\n# a comment\ngpu[17-32]\tib2\r\n\n",
    "island-map-bomb": "gpu[0-999999][0-999999] ib1\n",
    "island-map-bad": "gpu[1-2\nib1 ib2 ib3\n",
    "bytes": "gpu[\x00-\xff]\x1b[2J",
}

CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()


def kubeconfig(user, cluster=None, current="small", extra=""):
    cluster = cluster or {"server": "https://127.0.0.1:6443", "certificate-authority-data": CA}
    lines = ["apiVersion: v1", "kind: Config", f"current-context: {current}", "clusters:", "- name: test",
             "  cluster:"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in cluster.items()]
    lines += ["users:", "- name: u", "  user:"]
    lines += ["    " + l for l in json.dumps(user, indent=2).splitlines()]
    lines += ["contexts:", "- name: small", "  context:", "    cluster: test", "    user: u"]
    return "\n".join(lines) + "\n" + extra


KUBECONFIG = {
    "token": kubeconfig({"token": "s3cr3t-lab-token-9f8e7d"}),
    "token-file": kubeconfig({"tokenFile": "token"}),
    "token-file-fifo": kubeconfig({"tokenFile": "/dev/zero"}),
    "token-line-break": kubeconfig({"token": "abc\r\nX-Injected: yes"}),
    "client-cert-data": kubeconfig({"client-certificate-data": CA, "client-key-data": CA}),
    "client-key-dir": kubeconfig({"client-certificate": "/etc", "client-key": "/tmp"}),
    "bad-base64": kubeconfig({"client-certificate-data": "not base64!", "client-key-data": "@@"}),
    "exec": kubeconfig({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "no-such-plugin",
                                 "args": ["get-token"], "env": [{"name": "A", "value": "b"}]}}),
    "auth-provider": kubeconfig({"auth-provider": {"name": "gcp"}}),
    "password": kubeconfig({"username": "admin", "password": "hunter2-long"}),
    "userinfo": kubeconfig({"token": "t"}, {"server": "https://alice:PW-0a1b2c3d@127.0.0.1:6443"}),
    "bad-port": kubeconfig({"token": "t"}, {"server": "https://127.0.0.1:99999"}),
    "insecure": kubeconfig({"token": "t"}, {"server": "https://h:1", "insecure-skip-tls-verify": True,
                                            "proxy-url": "http://p:3128", "tls-server-name": "x"}),
    "ca-dev-zero": kubeconfig({"token": "t"}, {"server": "https://h:1", "certificate-authority": "/dev/zero"}),
    "no-context": kubeconfig({"token": "t"}, current="elsewhere"),
    "empty": "",
    "not-a-map": "- a\n- b\n",
    "wrong-kind": "kind: Pod\n",
    "lists-not-lists": "clusters: 5\nusers: {a: 1}\ncontexts: x\n",
    "aliases": "x: &a [1, 2]\nclusters: [{name: c, cluster: {server: *a}}]\ncurrent-context: c\n"
               "contexts: [{name: c, context: {cluster: c}}]\n",
    "merge-key": "base: &b {server: 'https://h:1'}\nclusters: [{name: c, cluster: {<<: *b}}]\n"
                 "contexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n",
    "laughs": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              "current-context: *d\n",
    "deep": "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-unclosed": "x: " + "{a: " * 3000 + "\n",
    "two-documents": kubeconfig({"token": "t"}) + "---\nkind: Config\n",
    "tabs-bom": "\ufeffapiVersion:\tv1\n\tkind: Config\n",
    "binary": "apiVersion: !!binary AAECAw==\nkind: \x00\x01\n",
}


def write(folder, seeds):
    out = os.path.join(ROOT, "fuzz", folder)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name, text in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
    return len(seeds)


if __name__ == "__main__":
    n = write("corpus-hostlist", HOSTLIST) + write("corpus-kubeconfig", KUBECONFIG)
    print(f"{n} seeds")
