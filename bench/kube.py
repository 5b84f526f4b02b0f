#!/usr/bin/env python3
"""Issue 12's speed bar: a Kubernetes cluster of 5,000 GPU nodes and 150,000 pods, served by
tests/e2e/kube_server.py over loopback HTTPS in pages of 500, read side by side by

  A. fleetcap --source kube capacity --json
  B. kubectl get pods -A -o json | python3 (json.load, sum GPU requests per node)

  C. the floor (issue 25, goal 2): bench/kube_walk.py walks the same continue chains (nodes,
     pods, resourcequotas at once, one kept-alive connection each) and drops the bytes

A must be at least 5x faster than B (wall time, median of the rounds, run alternately so load
from other processes falls on both alike), and within 1.3x of C (pair by pair). The server
serialises each page once (first request) and serves the cached bytes after, so its own cost
stays out of the ratio: the warm-up round fills the cache.

    bench/kube.py [--fleetcap build/fleetcap] [--rounds 3] [--nodes 5000] [--pods 150000]
                  [--compare OLD_FLEETCAP]... [--without-kubectl]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import kube_fixtures as fx  # noqa: E402
from kube_server import KubeServer, make_pki  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "bench"))
import measure  # noqa: E402

TOKEN = "bench-token-0123456789"
SUM = ("import json, sys\n"
       "per_node = {}\n"
       "for p in json.load(sys.stdin)['items']:\n"
       "    if p['status'].get('phase') in ('Succeeded', 'Failed') or not p['spec'].get('nodeName'): continue\n"
       "    g = 0\n"
       "    for c in p['spec']['containers']:\n"
       "        r = c.get('resources', {})\n"
       "        g += int(r.get('requests', {}).get('nvidia.com/gpu', r.get('limits', {}).get('nvidia.com/gpu', 0)))\n"
       "    if g: per_node[p['spec']['nodeName']] = per_node.get(p['spec']['nodeName'], 0) + g\n"
       "print(len(per_node), sum(per_node.values()))\n")


def cluster(n_nodes, n_pods):
    nodes, pods = [], []
    for i in range(n_nodes):
        labels = {"nvidia.com/gpu.product": fx.H100, "cloud.provider.com/topology-block": f"block-{i // 64}",
                  "node.kubernetes.io/instance-type": "p5.48xlarge"}
        nodes.append(fx.node(f"gpu-{i:05}", 8, labels))
    for j in range(n_pods):
        node = f"gpu-{j % n_nodes:05}"
        gpu_pod = (j // n_nodes) % 10 == 0  # 15,000 GPU pods (3 per node), 135,000 others
        p = fx.pod(f"pod-{j:06}", f"ns-{j % 200}", node, gpus=1 if gpu_pod else 0,
                   owner=("ReplicaSet", f"rs-{j // 30}", f"uid-rs-{j // 30}"))
        p["metadata"]["labels"] = {"app": f"app-{j // 30}", "pod-template-hash": "5d4f8b7c9"}
        p["metadata"]["creationTimestamp"] = "2026-11-30T06:00:00Z"
        p["status"]["conditions"] = [{"type": t, "status": "True", "lastTransitionTime": "2026-11-30T06:00:00Z"}
                                     for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
        p["status"]["podIP"] = f"10.{j // 65536 % 256}.{j // 256 % 256}.{j % 256}"
        pods.append(p)
    return {"/api/v1/nodes": ("NodeList", "v1", nodes), "/api/v1/pods": ("PodList", "v1", pods),
            "/api/v1/resourcequotas": ("ResourceQuotaList", "v1", [])}


def timed(cmd, env):
    run = measure.run(cmd, env)
    if run.code != 0:
        sys.exit(f"failed: {cmd}\n{run.err.decode(errors='replace')[-2000:]}")
    return run.wall, run.cpu, run.out.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleetcap", default=os.path.join(ROOT, "build", "fleetcap"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150000)
    ap.add_argument("--compare", action="append", default=[], metavar="FLEETCAP",
                    help="also time this fleetcap binary (an older build), in the same rounds")
    ap.add_argument("--without-kubectl", action="store_true",
                    help="leave out the kubectl case (issue 12's bar; about 4 minutes a round)")
    a = ap.parse_args()
    kubectl = shutil.which("kubectl")
    if not kubectl and not a.without_kubectl:
        sys.exit("no kubectl on PATH (scripts/install-deps installs kubernetes-client)")
    tmp = tempfile.mkdtemp(prefix="fleetcap-kube-bench-")
    try:
        pki = make_pki(tmp)
        print(f"generating {a.nodes} nodes and {a.pods} pods ...", flush=True)
        lists = cluster(a.nodes, a.pods)
        with KubeServer(pki, lists, tokens=[TOKEN], cache=True) as server:
            kc = os.path.join(tmp, "kubeconfig")
            with open(kc, "w") as f:
                f.write(f"apiVersion: v1\nkind: Config\ncurrent-context: bench\nclusters:\n- name: b\n  cluster:\n"
                        f"    server: {server.url}\n    certificate-authority: {pki['ca.crt']}\nusers:\n- name: u\n"
                        f"  user:\n    token: {TOKEN}\ncontexts:\n- name: bench\n  context:\n    cluster: b\n"
                        f"    user: u\n")
            env = dict(os.environ, HOME=tmp, KUBECONFIG=kc, XDG_CONFIG_HOME=tmp)
            cases = {"fleetcap": [a.fleetcap, "--source", "kube", "--quiet", "capacity", "--json"]}
            for old in a.compare:
                cases[f"fleetcap {old}"] = [old, "--source", "kube", "--quiet", "capacity", "--json"]
            # Issue 25, goal 2: the same continue chains walked by a client that does nothing else.
            cases["floor: walk"] = [sys.executable, os.path.join(ROOT, "bench", "kube_walk.py"), server.url,
                                    pki["ca.crt"], TOKEN, "500", "/api/v1/nodes", "/api/v1/pods",
                                    "/api/v1/resourcequotas"]
            if not a.without_kubectl:
                cases["kubectl+python"] = ["/bin/sh", "-c", f"{kubectl} --cache-dir {tmp}/kcache get pods -A -o json | "
                                                            f"{sys.executable} -c \"{SUM}\""]
            results = {name: [] for name in cases}
            for r in range(a.rounds + 1):  # round 0 warms up (and fills the server's page cache)
                for name, argv in cases.items():
                    wall, cpu, out = timed(argv, env)
                    if r > 0:
                        results[name].append((wall, cpu))
                    if r == 0 and name == "kubectl+python":
                        print(f"python sum: {out.strip()} (nodes with GPU pods, GPUs requested)")
                    if r == 0 and name == "floor: walk":
                        print(f"floor: {out.strip()}")
            print(f"load average: {' '.join('%.2f' % x for x in os.getloadavg())}")
            print(f"\n{'case':<28} {'wall s (median)':>16} {'cpu s (median)':>15}")
            med = {}
            for name, rows in results.items():
                med[name] = statistics.median(w for w, _ in rows)
                print(f"{name:<28} {med[name]:>16.2f} {statistics.median(c for _, c in rows):>15.2f}")
            floor = statistics.median(f / w for (f, _), (w, _) in zip(results["fleetcap"], results["floor: walk"]))
            print(f"\nfleetcap / floor, pair by pair: {floor:.2f}x (bar: 1.3x) — {'met' if floor <= 1.3 else 'MISSED'}")
            ok = floor <= 1.3
            if "kubectl+python" in med:
                ratio = med["kubectl+python"] / med["fleetcap"]
                print(f"fleetcap is {ratio:.1f}x faster than kubectl+python (bar: 5x) — {'met' if ratio >= 5 else 'MISSED'}")
                ok = ok and ratio >= 5
            return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, True)


if __name__ == "__main__":
    sys.exit(main())
