// The Kubernetes adapter's read and translate steps (src/source/kube_read.cpp,
// kube_translate.cpp) on small hand-written objects: what each Kubernetes or Kueue field becomes
// (docs/kubernetes.md). The whole adapter, over HTTP, is tests/e2e/test_kube.py's.
#include "fleetcap/error.hpp"
#include "source/kube_internal.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace fleetcap;
using namespace fleetcap::kube;
using nlohmann::json;

namespace {

Endpoint endpoint(List list) {
  switch (list) {
  case List::nodes: return {"nodes", "NodeList", {}, list};
  case List::pods: return {"pods", "PodList", {}, list};
  case List::clusterqueues: return {"clusterqueues", "ClusterQueueList", {}, list};
  case List::cohorts: return {"cohorts", "CohortList", {}, list};
  case List::workloads: return {"workloads", "WorkloadList", {}, list};
  default: FAIL("no endpoint in this test for that list"); return {"", "", {}, list};
  }
}

// One page of `list` holding `items` (JSON text of the items, comma separated), read.
Objects read_page(List list, const std::string& items, std::string* cont = nullptr) {
  const Endpoint e = endpoint(list);
  std::string body = std::string("{\"kind\": \"") + e.list_kind +
                     "\", \"apiVersion\": \"v1\", \"metadata\": "
                     "{\"continue\": \"tok\"}, \"items\": [" +
                     items + "]}";
  Objects o;
  const std::string c = parse_page(body, "https://k8s.test/list", e, o);
  if (cont) *cont = c;
  return o;
}

std::string page_error(List list, const std::string& items) {
  try {
    read_page(list, items);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

// A healthy GPU node of 8 H100s.
kube::Node gpu_node(const std::string& name) {
  kube::Node n;
  n.name = name;
  n.labels = {{"nvidia.com/gpu.product", "H100"}};
  n.conditions = {{"Ready", "True", "", "", ""}};
  n.capacity = 8;
  return n;
}

Pod gpu_pod(const std::string& name, const std::string& ns, const std::string& node, std::int64_t gpus,
            std::optional<Owner> owner = std::nullopt) {
  Pod p;
  p.name = name;
  p.ns = ns;
  p.node = node;
  p.gpus = gpus;
  p.owner = std::move(owner);
  return p;
}

struct Translated {
  json clusters, nodes, quotas, jobs, maintenance;
  std::vector<std::string> warnings;
};

Translated translated(Objects& o, const SourceOptions& opt = {}) {
  Translation t(opt, "ctx", o, 1763400000);
  t.run();
  auto list = [&](std::size_t i) { return json::parse("[" + t.out.items[i] + "]"); };
  return {list(0), list(1), list(2), list(3), list(4), t.out.warnings};
}

const json* job_named(const json& jobs, const std::string& name) {
  for (const auto& j : jobs)
    if (j["name"] == name) return &j;
  return nullptr;
}

// A Kueue context: one H100 flavor, nodes n1 and n2, ClusterQueues `lender` and `borrower` of
// cohort `pool` (16 GPUs each), LocalQueue `lq` in namespaces `lend` and `borrow`.
Objects kueue_pool(const std::string& lender_reclaim) {
  Objects o;
  o.kueue = true;
  o.nodes = {gpu_node("n1"), gpu_node("n2")};
  o.flavors = {{"h100", "", {{"nvidia.com/gpu.product", "H100"}}}};
  ClusterQueue lender;
  lender.name = "lender";
  lender.cohort = "pool";
  lender.reclaim = lender_reclaim;
  lender.gpu = {{"h100", 16, std::nullopt, std::nullopt}};
  ClusterQueue borrower = lender;
  borrower.name = "borrower";
  borrower.reclaim = "Never";
  o.cqs = {lender, borrower};
  o.lqs = {{"lq", "lend", "lender"}, {"lq", "borrow", "borrower"}};
  return o;
}

Workload admitted(const std::string& name, const std::string& ns, const std::string& cq, std::int64_t gpus,
                  std::int64_t priority, const std::string& owner_uid) {
  Workload w;
  w.name = name;
  w.ns = ns;
  w.queue = "lq";
  w.cluster_queue = cq;
  w.admitted = true;
  w.admitted_gpus = gpus;
  w.priority = priority;
  w.flavors = {"h100"};
  w.owner_uids = {owner_uid};
  return w;
}

} // namespace

TEST_CASE("quantity: Kubernetes' whole-number quantities, and nothing else", "[kube]") {
  CHECK(quantity("8") == 8);
  CHECK(quantity("\"8\"") == 8); // a JSON string's raw token
  CHECK(quantity("1k") == 1000);
  CHECK(quantity("2M") == 2000000);
  CHECK(quantity("4Ki") == 4096);
  CHECK_FALSE(quantity("1.5"));
  CHECK_FALSE(quantity("-1"));
  CHECK_FALSE(quantity("36Gi"));
  CHECK_FALSE(quantity(""));
  CHECK_FALSE(quantity("1234567890123456")); // 16 digits: refused before it could overflow
}

TEST_CASE("read: a Workload waits for the reason Kueue gives, QuotaReserved's message first", "[kube]") {
  const Objects o = read_page(List::workloads, R"(
    {"metadata": {"name": "w1", "namespace": "team", "creationTimestamp": "2026-12-01T10:00:00Z",
                  "ownerReferences": [{"kind": "Job", "name": "other", "uid": "u0"},
                                      {"kind": "Job", "name": "train", "uid": "u1", "controller": true}]},
     "spec": {"queueName": "lq", "priority": 500,
              "podSets": [{"count": 3, "template": {"spec": {"containers": [
                  {"resources": {"limits": {"nvidia.com/gpu": "2"}}},
                  {"resources": {"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": 4}}}]}}}]},
     "status": {"conditions": [
         {"type": "Admitted", "status": "False", "reason": "NoReservation", "message": ""},
         {"type": "QuotaReserved", "status": "False", "reason": "Pending",
          "message": "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu"}]}},
    {"metadata": {"name": "w2", "namespace": "team"},
     "status": {"conditions": [{"type": "QuotaReserved", "status": "False", "reason": "Inadmissible"}]}})");
  REQUIRE(o.workloads.size() == 2);
  const Workload& w = o.workloads[0];
  CHECK(w.pending_reason == "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu");
  CHECK(w.job_name == "train"); // the controlling owner, not the first
  CHECK(w.owner_uids == std::vector<std::string>{"u0", "u1"});
  CHECK(w.requested_gpus == 9); // 3 pods x (limit 2 + request 1: a request wins over its limit)
  CHECK(w.priority == 500);
  CHECK(w.created == "2026-12-01T10:00:00Z");
  CHECK_FALSE(w.admitted);
  CHECK(o.workloads[1].pending_reason == "Inadmissible"); // no message: the reason
}

TEST_CASE("read: an admitted Workload needs its admission; a finished one is dropped", "[kube]") {
  const Objects o = read_page(List::workloads, R"(
    {"metadata": {"name": "run", "namespace": "team"},
     "status": {"admission": {"clusterQueue": "cq", "podSetAssignments": [
                   {"flavors": {"nvidia.com/gpu": "h100", "cpu": "default"},
                    "resourceUsage": {"nvidia.com/gpu": "16", "cpu": "96"}}]},
                "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": "2026-12-02T08:00:00Z"}]}},
    {"metadata": {"name": "no-admission", "namespace": "team"},
     "status": {"conditions": [{"type": "Admitted", "status": "True"}]}},
    {"metadata": {"name": "done", "namespace": "team"},
     "status": {"admission": {"clusterQueue": "cq"},
                "conditions": [{"type": "Admitted", "status": "True"}, {"type": "Finished", "status": "True"}]}})");
  REQUIRE(o.workloads.size() == 2);
  CHECK(o.workloads[0].admitted);
  CHECK(o.workloads[0].admitted_at == "2026-12-02T08:00:00Z");
  CHECK(o.workloads[0].admitted_gpus == 16);
  CHECK(o.workloads[0].flavors == std::vector<std::string>{"h100"});
  CHECK(o.workloads[1].name == "no-admission");
  CHECK_FALSE(o.workloads[1].admitted);
}

TEST_CASE("read: a ClusterQueue's preemption policy, Never where unset", "[kube]") {
  const Objects o = read_page(List::clusterqueues, R"(
    {"metadata": {"name": "a"}, "spec": {"cohort": "pool", "preemption": {
        "reclaimWithinCohort": "LowerPriority", "withinClusterQueue": "LowerOrNewerEqualPriority",
        "borrowWithinCohort": {"policy": "LowerPriority", "maxPriorityThreshold": 100}}}},
    {"metadata": {"name": "b"}, "spec": {"cohortName": "pool2", "preemption": {"reclaimWithinCohort": "Any"}}})");
  REQUIRE(o.cqs.size() == 2);
  CHECK(o.cqs[0].cohort == "pool");
  CHECK(o.cqs[0].reclaim == "LowerPriority");
  CHECK(o.cqs[0].within == "LowerOrNewerEqualPriority");
  CHECK(o.cqs[0].borrow == "LowerPriority");
  CHECK(o.cqs[1].cohort == "pool2"); // v1beta2's cohortName
  CHECK(o.cqs[1].reclaim == "Any");
  CHECK(o.cqs[1].within == "Never");
  CHECK(o.cqs[1].borrow == "Never");
}

TEST_CASE("read: nominalQuota as a string, a number or with a suffix; other resources kept as written", "[kube]") {
  std::string cont;
  const Objects o = read_page(List::clusterqueues, R"(
    {"metadata": {"name": "cq"}, "spec": {"resourceGroups": [
        {"coveredResources": ["cpu", "memory"], "flavors": [{"name": "default", "resources": [
            {"name": "cpu", "nominalQuota": "1k"}, {"name": "memory", "nominalQuota": "36Gi"}]}]},
        {"coveredResources": ["nvidia.com/gpu"], "flavors": [
            {"name": "h100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": "8", "borrowingLimit": 4}]},
            {"name": "a100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": 16, "lendingLimit": "1k"}]}]}]},
     "status": {"flavorsUsage": [{"name": "h100", "resources": [{"name": "nvidia.com/gpu", "total": "6"}]},
                                 {"name": "default", "resources": [{"name": "cpu", "total": "12"}]}]}})",
                              &cont);
  CHECK(cont == "tok");
  REQUIRE(o.cqs.size() == 1);
  const ClusterQueue& cq = o.cqs[0];
  REQUIRE(cq.gpu.size() == 2); // the cpu/memory flavor quotes no GPUs
  CHECK(cq.gpu[0].flavor == "h100");
  CHECK(cq.gpu[0].nominal == 8);
  CHECK(cq.gpu[0].borrowing == 4);
  CHECK_FALSE(cq.gpu[0].lending);
  CHECK(cq.gpu[1].nominal == 16);
  CHECK(cq.gpu[1].lending == 1000);
  CHECK(cq.usage == std::map<std::string, std::int64_t>{{"h100", 6}});
  REQUIRE(cq.groups.size() == 2);
  CHECK(cq.groups[0].covered_resources == std::vector<std::string>{"cpu", "memory"});
  REQUIRE(cq.groups[0].flavors[0].resources.size() == 2);
  CHECK(cq.groups[0].flavors[0].resources[1].nominal_quota == "36Gi");
  CHECK(cq.groups[1].flavors[1].resources[0].lending_limit == std::optional<std::string>("1k"));
}

TEST_CASE("read: a cohort's GPUs add up over its flavors", "[kube]") {
  const Objects o = read_page(List::cohorts, R"(
    {"metadata": {"name": "root"}, "spec": {"parentName": "top", "resourceGroups": [{"flavors": [
        {"name": "h100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": "8"}]},
        {"name": "a100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": 4}, {"name": "cpu", "nominalQuota": "2k"}]}]}]}},
    {"metadata": {"name": "empty"}})");
  REQUIRE(o.cohorts.size() == 2);
  CHECK(o.cohorts[0].parent == "top");
  CHECK(o.cohorts[0].gpus == 12);
  CHECK(o.cohorts[1].gpus == -1); // no quota of its own
}

TEST_CASE("read: fields fleetcap does not know are skipped", "[kube]") {
  const Objects o = read_page(List::nodes, R"(
    {"apiVersion": "v1", "kind": "Node", "futureField": {"nested": [1, {"deep": null}], "s": "x"},
     "metadata": {"name": "n1", "annotations": {"a": "b"}, "labels": {"nvidia.com/gpu.product": "H100"},
                  "managedFields": [{"manager": "kubelet"}]},
     "spec": {"podCIDR": "10.0.0.0/24", "taints": [{"key": "k", "effect": "NoSchedule", "value": "v"}]},
     "status": {"capacity": {"cpu": "96", "nvidia.com/gpu": "8", "nvidia.com/mig-1g.10gb": "0"},
                "allocatable": {"nvidia.com/gpu": "7"}, "images": [{"names": ["x"]}],
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}})");
  REQUIRE(o.nodes.size() == 1);
  const kube::Node& n = o.nodes[0];
  CHECK(n.name == "n1");
  CHECK(n.labels == Labels{{"nvidia.com/gpu.product", "H100"}});
  CHECK(n.capacity == 8);
  CHECK(n.allocatable == 7);
  CHECK(n.mig);
  REQUIRE(n.taints.size() == 1);
  CHECK(n.taints[0].value == "v");
  REQUIRE(n.conditions.size() == 1);
  CHECK(n.conditions[0].reason == "KubeletReady");
}

TEST_CASE("read: only pods that hold GPUs on a node are kept, with their controlling owner", "[kube]") {
  const Objects o = read_page(List::pods, R"(
    {"metadata": {"name": "train-0", "namespace": "a", "ownerReferences": [
        {"kind": "Job", "name": "train", "uid": "j1", "controller": true}]},
     "spec": {"nodeName": "n1", "priority": 100,
              "initContainers": [{"resources": {"limits": {"nvidia.com/gpu": "8"}}}],
              "containers": [{"resources": {"limits": {"nvidia.com/gpu": "2"}}}]},
     "status": {"phase": "Running", "startTime": "2026-12-01T00:00:00Z"}},
    {"metadata": {"name": "done", "namespace": "a"},
     "spec": {"nodeName": "n1", "containers": [{"resources": {"limits": {"nvidia.com/gpu": "1"}}}]},
     "status": {"phase": "Succeeded"}},
    {"metadata": {"name": "unscheduled", "namespace": "a"},
     "spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "1"}}}]}, "status": {"phase": "Pending"}},
    {"metadata": {"name": "cpu-only", "namespace": "a"}, "spec": {"nodeName": "n1", "containers": [{}]},
     "status": {"phase": "Running"}})");
  REQUIRE(o.pods.size() == 1);
  const Pod& p = o.pods[0];
  CHECK(p.name == "train-0");
  CHECK(p.gpus == 8); // the largest init container, above the containers' 2
  CHECK(p.priority == 100);
  CHECK(p.started == "2026-12-01T00:00:00Z");
  REQUIRE(p.owner);
  CHECK(p.owner->uid == "j1");
}

TEST_CASE("read: a malformed item is an error naming the list, the item and the field", "[kube]") {
  CHECK(page_error(List::pods, R"({"metadata": {"name": "ok"}},
      {"metadata": {"name": "bad"}, "spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "1.5"}}}]}})") ==
        "GET https://k8s.test/list: pods[1]: nvidia.com/gpu \"1.5\" is not a whole number of GPUs");
  CHECK(page_error(List::clusterqueues,
                   R"({"spec": {"resourceGroups": [{"flavors": [{"name": "f", "resources": [
                       {"name": "nvidia.com/gpu", "nominalQuota": "eight"}]}]}]}})") ==
        "GET https://k8s.test/list: clusterqueues[0]: nominalQuota \"eight\" is not a whole number of GPUs");
  CHECK(page_error(List::workloads, R"({"spec": {"podSets": [{"count": "three"}]}})")
            .starts_with("GET https://k8s.test/list: workloads[0] is not what Kubernetes serves: "));
  // A page of another kind is refused before any item is read.
  std::string body = R"({"kind": "PodList", "items": []})";
  Objects o;
  CHECK_THROWS_WITH(parse_page(body, "https://k8s.test/nodes", endpoint(List::nodes), o),
                    "GET https://k8s.test/nodes: nodes[0]: expected a NodeList, got kind \"PodList\"");
}

TEST_CASE("translate: reclaimWithinCohort Never is reclaims false; Any keeps it", "[kube]") {
  for (const std::string reclaim : {"Never", "Any", "LowerPriority"}) {
    Objects o = kueue_pool(reclaim);
    const Translated t = translated(o);
    CAPTURE(reclaim, t.quotas.dump());
    REQUIRE(t.quotas.size() == 3); // the cohort, then the two leaves
    CHECK(t.quotas[0]["name"] == "pool");
    CHECK(t.quotas[1]["name"] == "lender");
    CHECK(t.quotas[1]["access"] == json::array({"lend"}));
    CHECK(t.quotas[1].contains("reclaims") == (reclaim == "Never"));
    CHECK(t.quotas[2]["reclaims"] == false); // borrower: Never
  }
  Objects alone = kueue_pool("Never");
  for (auto& cq : alone.cqs) cq.cohort.clear();
  const Translated t = translated(alone);
  REQUIRE(t.quotas.size() == 2);
  CHECK_FALSE(t.quotas[0].contains("reclaims")); // in no cohort: it lends nothing
}

TEST_CASE("translate: a borrowing Workload is reclaimable only when a lender may preempt it", "[kube]") {
  struct Case {
    std::string reclaim;
    std::int64_t lender_priority; // of the lender's own Workload; none when < 0
    bool reclaimable;
  };
  for (const Case& c : {Case{"Never", -1, false}, Case{"Any", -1, true}, Case{"LowerPriority", 100, true},
                        Case{"LowerPriority", 10, false}, Case{"LowerPriority", -1, false}}) {
    Objects o = kueue_pool(c.reclaim);
    o.workloads = {admitted("big", "borrow", "borrower", 24, 10, "u-big")};
    if (c.lender_priority >= 0) o.workloads.push_back(admitted("mine", "lend", "lender", 4, c.lender_priority, "u-m"));
    const Translated t = translated(o);
    CAPTURE(c.reclaim, c.lender_priority, t.jobs.dump());
    const json* big = job_named(t.jobs, "borrow/big");
    REQUIRE(big);
    CHECK((*big)["quota"] == "borrower");
    CHECK((*big)["gpus"] == 24);
    CHECK((*big)["state"] == "running");
    CHECK(big->value("reclaimable", true) == c.reclaimable);
  }
}

TEST_CASE("translate: GPU pods outside Workloads are flex jobs, one per controlling owner", "[kube]") {
  Objects o;
  o.nodes = {gpu_node("n1"), gpu_node("n2"), gpu_node("n3")};
  o.nodes[2].capacity = 0; // not a GPU node
  Owner rs{"ReplicaSet", "serve", "rs-1"};
  o.pods = {gpu_pod("serve-a", "web", "n1", 2, rs), gpu_pod("serve-b", "web", "n2", 3, rs),
            gpu_pod("serve", "web", "n1", 1), // a bare pod of the owner's name: its own job, #2
            gpu_pod("stray", "web", "n3", 1)};
  o.pods[0].started = "2026-12-01T12:00:00Z";
  o.pods[1].started = "2026-12-01T11:00:00Z";
  const Translated t = translated(o);
  CAPTURE(t.jobs.dump());
  REQUIRE(t.jobs.size() == 2);
  // Groups are named in (namespace, owner uid or "pod/NAME", cluster) order: the bare pod first.
  const json* bare = job_named(t.jobs, "web/serve");
  const json* serve = job_named(t.jobs, "web/serve#2");
  REQUIRE(bare);
  REQUIRE(serve);
  CHECK((*bare)["gpus"] == 1);
  CHECK((*bare)["nodes"] == json::array({"n1"}));
  CHECK((*serve)["quota"] == "flex");
  CHECK((*serve)["gpus"] == 5);
  CHECK((*serve)["nodes"] == json::array({"n1", "n2"}));
  CHECK((*serve)["started_at"] == "2026-12-01T11:00:00Z"); // its earliest pod
  CHECK((*serve)["job_name"] == "serve");
  CHECK_FALSE(serve->contains("reclaimable")); // no Kueue: flex is reclaimable (docs/kubernetes.md)
  REQUIRE(t.warnings.size() >= 1);
  CHECK(t.warnings.back() == "1 GPU pod(s) of context \"ctx\" run on nodes with no nvidia.com/gpu capacity; left out");
}

TEST_CASE("translate: a pod whose owner chain reaches an admitted Workload is that Workload's, not flex", "[kube]") {
  Objects o = kueue_pool("Any");
  o.workloads = {admitted("train", "lend", "lender", 8, 0, "jobset-1")};
  // pod -> Job job-1 -> JobSet jobset-1, whose Workload is admitted.
  o.job_owners = {{"job-1", Owner{"JobSet", "train", "jobset-1"}}};
  o.pods = {gpu_pod("train-0", "lend", "n2", 8, Owner{"Job", "train-job", "job-1"}),
            gpu_pod("notebook", "lend", "n1", 1, Owner{"StatefulSet", "nb", "ss-1"})};
  const Translated t = translated(o);
  CAPTURE(t.jobs.dump());
  REQUIRE(t.jobs.size() == 2);
  const json* train = job_named(t.jobs, "lend/train");
  REQUIRE(train);
  CHECK((*train)["nodes"] == json::array({"n2"}));
  const json* nb = job_named(t.jobs, "lend/nb");
  REQUIRE(nb);
  CHECK((*nb)["quota"] == "flex");
  CHECK((*nb)["reclaimable"] == false); // with Kueue, what Kueue does not manage it never preempts
}

TEST_CASE("merge: each list's objects come together, with the version the ClusterQueues were listed at", "[kube]") {
  std::vector<Objects> parts(10);
  parts[static_cast<std::size_t>(List::nodes)].nodes = {gpu_node("n1")};
  Objects pool = kueue_pool("Never");
  parts[static_cast<std::size_t>(List::clusterqueues)].cqs = pool.cqs;
  parts[static_cast<std::size_t>(List::resourceflavors)].flavors = pool.flavors;
  parts[static_cast<std::size_t>(List::localqueues)].lqs = pool.lqs;
  // A Kueue that serves only v1beta2: overalloc plan -o kueue must write what it serves.
  parts[static_cast<std::size_t>(List::clusterqueues)].cq_api_version = "kueue.x-k8s.io/v1beta2";
  parts[static_cast<std::size_t>(List::jobs)].job_owners = {{"job-1", Owner{"JobSet", "js", "js-1"}}};
  Objects o = merge_lists(parts, true);
  CHECK(o.kueue);
  CHECK(o.nodes.size() == 1);
  CHECK(o.cqs.size() == 2);
  CHECK(o.lqs.size() == 2);
  CHECK(o.job_owners.size() == 1);
  const Translated t = translated(o);
  REQUIRE(t.quotas.size() == 3);
  CHECK(t.quotas[1]["kueue"]["api_version"] == "kueue.x-k8s.io/v1beta2");
}

TEST_CASE("read: the continue token is told as soon as it is read, before the items when metadata comes first",
          "[kube]") {
  // kube_fetch.cpp asks for the next page from this call: what matters is when it comes.
  const std::string node = R"({"metadata": {"name": "n1"}, "status": {"capacity": {"nvidia.com/gpu": "8"}}})";
  auto told = [&](const std::string& body_text, std::vector<std::string>& tokens) {
    std::string body = body_text;
    Objects o;
    std::vector<std::size_t> read_before;
    const std::string cont =
        parse_page(body, "https://k8s.test/nodes", endpoint(List::nodes), o, [&](const std::string& token) {
          tokens.push_back(token);
          read_before.push_back(o.nodes.size());
        });
    CHECK(o.nodes.size() == 2);
    if (!tokens.empty()) CHECK(cont == tokens.back());
    return read_before;
  };
  std::vector<std::string> tokens;
  CHECK(told(R"({"kind": "NodeList", "metadata": {"continue": "abc"}, "items": [)" + node + "," + node + "]}",
             tokens) == std::vector<std::size_t>{0});
  CHECK(tokens == std::vector<std::string>{"abc"});
  tokens.clear();
  CHECK(told(R"({"kind": "NodeList", "items": [)" + node + "," + node + R"(], "metadata": {"continue": "xyz"}})",
             tokens) == std::vector<std::size_t>{2});
  CHECK(tokens == std::vector<std::string>{"xyz"});
  for (const char* last : {R"({"continue": ""})", R"({"continue": null})", "{}"}) {
    tokens.clear();
    CHECK(
        told(R"({"kind": "NodeList", "metadata": )" + std::string(last) + R"(, "items": [)" + node + "," + node + "]}",
             tokens)
            .empty());
    CHECK(tokens.empty());
  }
}
