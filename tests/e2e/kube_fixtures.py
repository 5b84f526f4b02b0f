"""Generated Kubernetes and Kueue objects for the edge cases of docs/kubernetes.md (time-slicing,
MIG, allocatable < capacity, NotReady, cordoned, GPU-health conditions, GKE/EKS/AKS maintenance
signals, pods of Workloads and bare pods, Succeeded/Failed pods), shaped as kube-apiserver
serves them. The Kueue objects follow Kueue's own sample manifests (see tests/data/kube/NOTICE).
"""
import json
import os

H100 = "NVIDIA-H100-80GB-HBM3"
A100 = "NVIDIA-A100-SXM4-40GB"
T0 = "2026-11-30T08:00:00Z"
DATA = os.path.join(os.path.dirname(__file__), "..", "data", "kube")


def node(name, gpus, labels=None, allocatable=None, ready=True, unschedulable=False, taints=(), conditions=(),
         capacity_extra=None, provider="aws:///us-east-1a/i-0"):
    capacity = {"cpu": "96", "memory": "1056000Mi", "pods": "110"}
    if gpus is not None:
        capacity["nvidia.com/gpu"] = str(gpus)
    capacity.update(capacity_extra or {})
    alloc = dict(capacity)
    if allocatable is not None:
        alloc["nvidia.com/gpu"] = str(allocatable)
    conds = [{"type": t, "status": "False", "reason": f"KubeletHas{'No' if t != 'PIDPressure' else 'Sufficient'}{t}",
              "message": "ok", "lastHeartbeatTime": T0, "lastTransitionTime": T0}
             for t in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    conds.append({"type": "Ready", "status": "True" if ready else "False",
                  "reason": "KubeletReady" if ready else "KubeletNotReady",
                  "message": "kubelet is posting ready status" if ready else "container runtime is down",
                  "lastHeartbeatTime": T0, "lastTransitionTime": "2026-11-29T22:10:00Z"})
    conds.extend(conditions)
    spec = {"providerID": provider}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = list(taints)
    base = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "topology.kubernetes.io/region": "us-east-1",
            "topology.kubernetes.io/zone": "us-east-1a"}
    base.update(labels or {})
    return {"metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "100", "labels": base,
                         "creationTimestamp": "2026-11-01T00:00:00Z"},
            "spec": spec,
            "status": {"capacity": capacity, "allocatable": alloc, "conditions": conds,
                       "nodeInfo": {"kubeletVersion": "v1.30.0"}}}


def pod(name, ns, node_name, gpus=0, phase="Running", owner=None, limits_only=False, init_gpus=0, priority=0):
    res = {"requests": {"cpu": "1"}, "limits": {}}
    if gpus:
        res["limits"]["nvidia.com/gpu"] = str(gpus)
        if not limits_only:
            res["requests"]["nvidia.com/gpu"] = str(gpus)
    spec = {"containers": [{"name": "main", "image": "nvcr.io/nvidia/pytorch:24.05-py3", "resources": res}],
            "priority": priority, "schedulerName": "default-scheduler"}
    if init_gpus:
        spec["initContainers"] = [{"name": "prep", "image": "busybox",
                                   "resources": {"requests": {"nvidia.com/gpu": str(init_gpus)},
                                                 "limits": {"nvidia.com/gpu": str(init_gpus)}}}]
    if node_name:
        spec["nodeName"] = node_name
    meta = {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}"}
    if owner:
        kind, oname, uid = owner
        meta["ownerReferences"] = [{"apiVersion": "batch/v1" if kind == "Job" else "apps/v1", "kind": kind,
                                    "name": oname, "uid": uid, "controller": True, "blockOwnerDeletion": True}]
    status = {"phase": phase}
    if phase == "Running":
        status["startTime"] = "2026-11-30T06:00:00Z"
    return {"metadata": meta, "spec": spec, "status": status}


def lab_nodes():
    """Context "lab": eight H100 nodes (one of each edge case), one MIG A100, one CPU node."""
    h = {"nvidia.com/gpu.product": H100, "nvidia.com/gpu.count": "8"}

    def hl(block, **extra):
        d = dict(h, **{"cloud.provider.com/topology-block": block, "network.topology.nvidia.com/spine": "spine-x"})
        d.update(extra)
        return d
    return [
        node("h100-0", 8, hl("block-1")),
        node("h100-1", 8, hl("block-1"), allocatable=7),
        node("h100-2", 8, hl("block-2"), ready=False,
             taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule", "timeAdded": "2026-11-29T22:10:00Z"}]),
        node("h100-3", 8, hl("block-2", **{"cloud.google.com/scheduled-maintenance-time": "1764748800"}),
             unschedulable=True,
             taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": T0}]),
        node("h100-4", 32, hl("block-2", **{"nvidia.com/gpu.replicas": "4", "nvidia.com/gpu.sharing-strategy": "time-slicing"})),
        node("h100-5", 8, hl("block-2"), conditions=[
            {"type": "GPUHealthy", "status": "False", "reason": "XidError", "message": "Xid 79: GPU has fallen off the bus",
             "lastHeartbeatTime": T0, "lastTransitionTime": "2026-11-30T05:00:00Z"}]),
        node("h100-6", 8, hl("block-1"),
             taints=[{"key": "aws-node-termination-handler/scheduled-maintenance", "value": "instance-reboot",
                      "effect": "NoSchedule", "timeAdded": "2026-12-03T02:00:00Z"},
                     {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]),
        node("h100-7", 8, hl("block-1"), conditions=[
            {"type": "VMEventScheduled", "status": "True", "reason": "VMEventScheduled",
             "message": "Reboot scheduled", "lastHeartbeatTime": T0, "lastTransitionTime": "2026-12-04T00:00:00Z"}],
             provider="azure:///subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/h100-7"),
        node("a100-0", None, {"nvidia.com/gpu.product": A100, "nvidia.com/gpu.count": "2", "nvidia.com/mig.strategy": "mixed"},
             capacity_extra={"nvidia.com/mig-1g.5gb": "14"}, provider="gce://proj/us-east1-b/a100-0"),
        node("cpu-0", None, {}),
    ]


def lab_pods():
    job1 = ("Job", "train-llm", "uid-job-train-llm")
    rs = ("ReplicaSet", "infer-abc", "uid-rs-infer-abc")
    return [
        pod("train-llm-0", "team-a", "h100-0", 8, owner=job1),
        pod("train-llm-1", "team-a", "h100-1", 8, owner=job1),
        pod("notebook", "research", "h100-4", 2, limits_only=True, priority=-5),
        pod("infer-abc-1", "research", "h100-5", 1, owner=rs),
        pod("infer-abc-2", "research", "h100-5", 1, owner=rs),
        pod("prep", "tools", "h100-6", 1, init_gpus=2),
        pod("done", "research", "h100-7", 8, phase="Succeeded"),
        pod("crashed", "research", "h100-7", 8, phase="Failed"),
        pod("waiting", "research", None, 4, phase="Pending"),
        pod("web", "default", "cpu-0", 0),
    ]


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def lab_kueue():
    """Kueue 0.10's API versions: v1beta1, with Cohort and Topology in v1alpha1 (so fleetcap's
    v1beta2 requests answer 404 and it falls back)."""
    flavors = load("resourceflavors.json")
    cqs = load("clusterqueues.json")
    return {
        "/apis/kueue.x-k8s.io/v1beta1/resourceflavors": ("ResourceFlavorList", "kueue.x-k8s.io/v1beta1", flavors),
        "/apis/kueue.x-k8s.io/v1beta1/clusterqueues": ("ClusterQueueList", "kueue.x-k8s.io/v1beta1", cqs),
        "/apis/kueue.x-k8s.io/v1beta1/localqueues": ("LocalQueueList", "kueue.x-k8s.io/v1beta1", [
            {"metadata": {"name": "lq-a", "namespace": "team-a"}, "spec": {"clusterQueue": "team-a"}},
            {"metadata": {"name": "lq-a", "namespace": "team-a2"}, "spec": {"clusterQueue": "team-a"}},
            {"metadata": {"name": "lq-b", "namespace": "team-b"}, "spec": {"clusterQueue": "team-b"}}]),
        "/apis/kueue.x-k8s.io/v1alpha1/cohorts": ("CohortList", "kueue.x-k8s.io/v1alpha1", [
            {"metadata": {"name": "research"}, "spec": {"parent": "org", "resourceGroups": [
                {"coveredResources": ["nvidia.com/gpu"], "flavors": [
                    {"name": "h100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": "4"}]}]}]}},
            {"metadata": {"name": "org"}, "spec": {}},
            {"metadata": {"name": "unused"}, "spec": {}}]),
        "/apis/kueue.x-k8s.io/v1alpha1/topologies": ("TopologyList", "kueue.x-k8s.io/v1alpha1", load("topologies.json")),
        "/apis/kueue.x-k8s.io/v1beta1/workloads": ("WorkloadList", "kueue.x-k8s.io/v1beta1", [
            {"metadata": {"name": "job-train-llm-1a2b3", "namespace": "team-a",
                          "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "train-llm",
                                               "uid": "uid-job-train-llm", "controller": True}]},
             "spec": {"queueName": "lq-a", "priority": 100, "podSets": [
                 {"name": "main", "count": 2, "template": {"spec": {"containers": [
                     {"name": "main", "resources": {"requests": {"nvidia.com/gpu": "8"}}}]}}}]},
             "status": {"admission": {"clusterQueue": "team-a", "podSetAssignments": [
                 {"name": "main", "count": 2, "flavors": {"nvidia.com/gpu": "h100", "cpu": "default"},
                  "resourceUsage": {"nvidia.com/gpu": "16", "cpu": "2"}}]},
                 "conditions": [{"type": "QuotaReserved", "status": "True", "lastTransitionTime": "2026-11-30T06:00:00Z",
                                 "reason": "QuotaReserved", "message": "Quota reserved in ClusterQueue team-a"},
                                {"type": "Admitted", "status": "True", "lastTransitionTime": "2026-11-30T06:00:01Z",
                                 "reason": "Admitted", "message": "The workload is admitted"}]}},
            {"metadata": {"name": "job-sweep-9x8y7", "namespace": "team-b",
                          "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "sweep",
                                               "uid": "uid-job-sweep", "controller": True}]},
             "spec": {"queueName": "lq-b", "podSets": [
                 {"name": "main", "count": 2, "template": {"spec": {"containers": [
                     {"name": "main", "resources": {"requests": {"nvidia.com/gpu": "4"}}}]}}}]},
             "status": {"conditions": [{"type": "QuotaReserved", "status": "False", "reason": "Pending",
                                        "message": "couldn't assign flavors", "lastTransitionTime": T0}]}},
            {"metadata": {"name": "job-old-000", "namespace": "team-b"},
             "spec": {"queueName": "lq-b", "podSets": [
                 {"name": "main", "count": 1, "template": {"spec": {"containers": [
                     {"name": "main", "resources": {"requests": {"nvidia.com/gpu": "8"}}}]}}}]},
             "status": {"admission": {"clusterQueue": "team-b", "podSetAssignments": [
                 {"name": "main", "flavors": {"nvidia.com/gpu": "h100"}, "resourceUsage": {"nvidia.com/gpu": "8"}}]},
                 "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": T0},
                                {"type": "Finished", "status": "True", "lastTransitionTime": T0}]}}]),
    }


def lab_lists():
    lists = {
        "/api/v1/nodes": ("NodeList", "v1", lab_nodes()),
        "/api/v1/pods": ("PodList", "v1", lab_pods()),
        "/api/v1/resourcequotas": ("ResourceQuotaList", "v1", []),
        "/apis/batch/v1/jobs": ("JobList", "batch/v1", [
            {"metadata": {"name": "train-llm", "namespace": "team-a", "uid": "uid-job-train-llm"}}]),
    }
    lists.update(lab_kueue())
    return lists


def jobset_lists(lists):
    """Adds a JobSet run the way Kueue admits it: the Workload is owned by the JobSet, the pods by
    the JobSet's Jobs (found through the batch/v1 Jobs list); and two Jobs owning each other."""
    jobset = {"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet", "name": "js-train",
              "uid": "uid-jobset-js-train", "controller": True}
    kind, api, jobs = lists["/apis/batch/v1/jobs"]
    lists["/apis/batch/v1/jobs"] = (kind, api, jobs + [
        {"metadata": {"name": "js-train-worker-0", "namespace": "team-b", "uid": "uid-job-js-w0",
                      "ownerReferences": [jobset]}},
        {"metadata": {"name": "loop-a", "namespace": "tools", "uid": "uid-loop-a",
                      "ownerReferences": [{"kind": "Job", "name": "loop-b", "uid": "uid-loop-b", "controller": True}]}},
        {"metadata": {"name": "loop-b", "namespace": "tools", "uid": "uid-loop-b",
                      "ownerReferences": [{"kind": "Job", "name": "loop-a", "uid": "uid-loop-a", "controller": True}]}}])
    kind, api, pods = lists["/api/v1/pods"]
    w0 = ("Job", "js-train-worker-0", "uid-job-js-w0")
    lists["/api/v1/pods"] = (kind, api, pods + [pod("js-train-worker-0-0", "team-b", "h100-6", 4, owner=w0),
                                                pod("js-train-worker-0-1", "team-b", "h100-7", 4, owner=w0),
                                                pod("loop-pod", "tools", "h100-7", 1, owner=("Job", "loop-a", "uid-loop-a"))])
    path = next(p for p in lists if p.endswith("/workloads"))
    kind, api, workloads = lists[path]
    lists[path] = (kind, api, workloads + [
        {"metadata": {"name": "jobset-js-train-5f6g7", "namespace": "team-b", "ownerReferences": [jobset]},
         "spec": {"queueName": "lq-b", "podSets": [{"name": "worker", "count": 2, "template": {"spec": {"containers": [
             {"name": "w", "resources": {"requests": {"nvidia.com/gpu": "4"}}}]}}}]},
         "status": {"admission": {"clusterQueue": "team-b", "podSetAssignments": [
             {"name": "worker", "count": 2, "flavors": {"nvidia.com/gpu": "h100"},
              "resourceUsage": {"nvidia.com/gpu": "8"}}]},
             "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": T0}]}}])
    return lists


def small_lists():
    """Context "small": no Kueue; two L4 nodes (GKE labels), ResourceQuotas for GPUs."""
    l4 = {"cloud.google.com/gke-accelerator": "nvidia-l4", "cloud.google.com/gce-topology-block": "b1"}
    nodes = [node(f"l4-{i}", 4, l4, provider=f"gce://proj/us-central1-a/l4-{i}") for i in range(3)]
    rq = lambda name, ns, n: {"metadata": {"name": name, "namespace": ns},
                              "spec": {"hard": {"requests.nvidia.com/gpu": str(n), "pods": "50"}},
                              "status": {"hard": {"requests.nvidia.com/gpu": str(n)}, "used": {"requests.nvidia.com/gpu": "0"}}}
    return {
        "/api/v1/nodes": ("NodeList", "v1", nodes),
        "/api/v1/pods": ("PodList", "v1", [pod("nb", "ml", "l4-0", 2), pod("t", "ml", "l4-1", 4, owner=("Job", "t", "uid-t"))]),
        "/api/v1/resourcequotas": ("ResourceQuotaList", "v1", [rq("gpu", "ml", 6), rq("tight", "ml", 4), rq("gpu", "web", 2),
                                                               {"metadata": {"name": "cpu", "namespace": "web"},
                                                                "spec": {"hard": {"cpu": "10"}}}]),
    }


def kueue_sample_lists():
    """Context "sample": Kueue's own GKE sample setup (tests/data/kube/kueue-gke-tas-worker-setup.yaml,
    verbatim; see NOTICE) served as the API serves it, over two generated T4 nodes it selects."""
    import yaml
    with open(os.path.join(DATA, "kueue-gke-tas-worker-setup.yaml")) as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    plural = {"Topology": "topologies", "ResourceFlavor": "resourceflavors", "ClusterQueue": "clusterqueues",
              "LocalQueue": "localqueues"}
    lists = {"/apis/kueue.x-k8s.io/v1beta1/workloads": ("WorkloadList", "kueue.x-k8s.io/v1beta1", [])}
    for o in objects:
        version = o["apiVersion"].split("/")[1]
        path = f"/apis/kueue.x-k8s.io/{version}/{plural[o['kind']]}"
        lists.setdefault(path, (o["kind"] + "List", o["apiVersion"], []))[2].append(o)
    t4 = {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}
    lists.update({
        "/api/v1/nodes": ("NodeList", "v1", [node(f"gke-t4-{i}", 4, t4, provider=f"gce://proj/us-central1-a/gke-t4-{i}")
                                             for i in range(2)]),
        "/api/v1/pods": ("PodList", "v1", [pod("nb", "default", "gke-t4-0", 1)]),
        "/api/v1/resourcequotas": ("ResourceQuotaList", "v1", []),
        "/apis/batch/v1/jobs": ("JobList", "batch/v1", []),
    })
    return lists


def preemption_lists(lender_reclaim="Never", borrower_priority=0, lender_priority=None, borrow_policy=None,
                     within=None):
    """Context "pool" for Kueue's preemption policies (docs/kubernetes.md, "Reclaimable"): two
    H100 nodes (16 GPUs); cohort pool with ClusterQueues lender and borrower, 8 GPUs nominal each.
    The borrower's admitted Workload uses 12 (it borrows 4 of the lender's); the lender runs
    nothing and, with `lender_priority`, has a pending Workload of that priority. A bare GPU pod
    (1 GPU, no Workload) runs beside them: Kueue never preempts it."""
    h = {"nvidia.com/gpu.product": H100, "network.topology.nvidia.com/spine": "s1"}
    nodes = [node("pool-0", 8, h), node("pool-1", 8, h)]
    preemption = {"reclaimWithinCohort": lender_reclaim}
    if borrow_policy:
        preemption["borrowWithinCohort"] = {"policy": borrow_policy}
    if within:
        preemption["withinClusterQueue"] = within

    def cq(name, spec_extra=None):
        spec = {"cohort": "pool", "namespaceSelector": {}, "resourceGroups": [
            {"coveredResources": ["nvidia.com/gpu"], "flavors": [
                {"name": "h100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": "8"}]}]}]}
        spec.update(spec_extra or {})
        return {"metadata": {"name": name}, "spec": spec}

    def workload(name, ns, queue, gpus, priority, admitted_cq=None):
        w = {"metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-11-30T05:00:00Z",
                          "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                                               "uid": f"uid-{name}", "controller": True}]},
             "spec": {"queueName": queue, "priority": priority, "podSets": [
                 {"name": "main", "count": 1, "template": {"spec": {"containers": [
                     {"name": "main", "resources": {"requests": {"nvidia.com/gpu": str(gpus)}}}]}}}]}}
        if admitted_cq:
            w["status"] = {"admission": {"clusterQueue": admitted_cq, "podSetAssignments": [
                {"name": "main", "flavors": {"nvidia.com/gpu": "h100"}, "resourceUsage": {"nvidia.com/gpu": str(gpus)}}]},
                "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": T0}]}
        else:
            w["status"] = {"conditions": [{"type": "QuotaReserved", "status": "False", "reason": "Pending",
                                           "message": "couldn't assign flavors", "lastTransitionTime": T0}]}
        return w

    workloads = [workload("big", "borrow", "lq", 12, borrower_priority, "borrower")]
    if lender_priority is not None:
        workloads.append(workload("urgent", "lend", "lq", 16, lender_priority))
    pods = [pod("big-0", "borrow", "pool-0", 8, owner=("Job", "big", "uid-big")),
            pod("big-1", "borrow", "pool-1", 4, owner=("Job", "big", "uid-big")),
            pod("notebook", "lend", "pool-1", 1)]
    kv = "kueue.x-k8s.io/v1beta1"
    return {
        "/api/v1/nodes": ("NodeList", "v1", nodes),
        "/api/v1/pods": ("PodList", "v1", pods),
        "/api/v1/resourcequotas": ("ResourceQuotaList", "v1", []),
        "/apis/batch/v1/jobs": ("JobList", "batch/v1", []),
        f"/apis/{kv}/resourceflavors": ("ResourceFlavorList", kv, [
            {"metadata": {"name": "h100"}, "spec": {"nodeLabels": {"nvidia.com/gpu.product": H100}}}]),
        f"/apis/{kv}/clusterqueues": ("ClusterQueueList", kv, [
            cq("lender", {"preemption": preemption}), cq("borrower")]),
        f"/apis/{kv}/localqueues": ("LocalQueueList", kv, [
            {"metadata": {"name": "lq", "namespace": "lend"}, "spec": {"clusterQueue": "lender"}},
            {"metadata": {"name": "lq", "namespace": "borrow"}, "spec": {"clusterQueue": "borrower"}}]),
        f"/apis/{kv}/cohorts": ("CohortList", kv, []),
        f"/apis/{kv}/topologies": ("TopologyList", kv, []),
        f"/apis/{kv}/workloads": ("WorkloadList", kv, workloads),
    }
