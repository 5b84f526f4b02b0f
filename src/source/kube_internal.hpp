// The Kubernetes adapter's pieces (`--source kube[:CONTEXT]`, docs/kubernetes.md), private to
// src/source/kube*.cpp and their unit tests (tests/source/test_kube.cpp):
//   kube_fetch.cpp      the API calls: every list concurrently, page by page (limit/continue)
//   kube_read.cpp       each page's Kubernetes and Kueue objects into the structs below
//   kube_translate.cpp  those structs into fleet API items (clusters, nodes, quotas, jobs, ...)
//   kube.cpp            the source itself: fetch, translate, hand the items to the loader
// Only kube_read.cpp knows simdjson; only kube_fetch.cpp knows the HTTP client.
#pragma once

#include "fleetcap/model/model.hpp"
#include "fleetcap/model/time.hpp"
#include "fleetcap/source/source.hpp"
#include "kubeconfig.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fleetcap::source {
class Cancel; // tasks.hpp
}

namespace fleetcap::kube {

inline constexpr std::string_view kGpu = "nvidia.com/gpu";

// ---------------------------------------------------------------------------------------------
// The objects, as much of them as the translation needs (kube_read.cpp fills them).

struct Condition {
  std::string type, status, reason, message, since;
};
struct Taint {
  std::string key, value, effect, added;
};
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Node {
  std::string name, provider_id;
  Labels labels;
  bool unschedulable = false;
  std::vector<Taint> taints;
  std::vector<Condition> conditions;
  std::int64_t capacity = 0, allocatable = -1;
  bool mig = false; // capacity lists nvidia.com/mig-* resources
};

struct Owner {
  std::string kind, name, uid;
};

struct Pod {
  std::string name, ns, node, started, created;
  std::optional<Owner> owner; // the controlling owner
  std::int64_t gpus = 0;
  std::int64_t priority = 0; // spec.priority (0 when not set, as Kubernetes defaults it)
};

struct Workload {
  std::string name, ns, queue, cluster_queue, admitted_at;
  std::string job_name, created, pending_reason; // its controlling owner's name; creationTimestamp; why it waits
  std::vector<std::string> owner_uids;
  std::vector<std::string> flavors; // the GPU flavors of its pod set assignments
  bool admitted = false, finished = false;
  std::int64_t priority = 0; // spec.priority
  std::int64_t admitted_gpus = 0, requested_gpus = 0;
};

struct FlavorQuota {
  std::string flavor;
  std::int64_t nominal = 0;
  std::optional<std::int64_t> borrowing, lending;
};
struct ClusterQueue {
  std::string name, cohort;
  // spec.preemption (docs/kubernetes.md, "Reclaimable"): Kueue's defaults are Never.
  std::string reclaim = "Never", within = "Never", borrow = "Never";
  std::vector<FlavorQuota> gpu;
  std::vector<KueueResourceGroup> groups;    // spec.resourceGroups, every resource (overalloc plan -o kueue)
  std::map<std::string, std::int64_t> usage; // status.flavorsUsage, GPUs per flavor
};
struct LocalQueue {
  std::string name, ns, cluster_queue;
};
struct Flavor {
  std::string name, topology;
  Labels node_labels;
};
struct Cohort {
  std::string name, parent;
  std::int64_t gpus = -1; // cohort-level nominal quota for GPUs, if any
};
struct Topology {
  std::string name;
  std::vector<std::string> levels;
};
struct ResourceQuota {
  std::string name, ns;
  std::optional<std::int64_t> hard;
};

// Every list's objects; each list is filled by its own thread (into an Objects of its own).
struct Objects {
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  std::vector<ResourceQuota> quotas;
  std::vector<ClusterQueue> cqs;
  std::vector<LocalQueue> lqs;
  std::vector<Flavor> flavors;
  std::vector<Cohort> cohorts;
  std::vector<Topology> topologies;
  std::vector<Workload> workloads;
  // batch/v1 Jobs with a controlling owner (a JobSet, a CronJob): the Job's uid and that owner.
  std::vector<std::pair<std::string, Owner>> job_owners;
  bool kueue = false;
  std::string cq_api_version; // the ClusterQueue list's apiVersion
};

// ---------------------------------------------------------------------------------------------
// Reading (kube_read.cpp).

// The lists fleetcap reads; each has its own item reader.
enum class List {
  nodes,
  pods,
  resourcequotas,
  clusterqueues,
  localqueues,
  resourceflavors,
  cohorts,
  topologies,
  workloads,
  jobs
};

struct Endpoint {
  const char* name;               // as in messages: "nodes", "clusterqueues"
  const char* list_kind;          // the kind a page must have
  std::vector<std::string> paths; // tried in order; a 404 moves to the next
  List list;
  bool optional = false; // a 403 is taken as "not listed" (like a 404), not an error
};

// One page's items into `into` (`url` as messages show it); returns metadata.continue (a string
// or null). Throws DataError naming the URL and the item's index for what Kubernetes would not
// serve (a wrong kind, a GPU count that is not a whole number, invalid JSON). `body` gains
// simdjson's padding in its capacity. `on_continue` is told a non-empty metadata.continue as soon
// as it is read, before the items when metadata comes first (as API servers write it), so that the
// next page can be asked for while this one's items are read (kube_fetch.cpp).
std::string parse_page(std::string& body, const std::string& url, const Endpoint& e, Objects& into,
                       const std::function<void(const std::string&)>& on_continue = {});

// A Kubernetes quantity as a whole number ("8", "2k", 8); nullopt when it is not one.
std::optional<std::int64_t> quantity(std::string_view q);

// ---------------------------------------------------------------------------------------------
// Fetching (kube_fetch.cpp).

struct Fetched {
  Access access;
  std::string shown;        // the server as messages show it (no userinfo)
  Objects objects;          // every list's, merged
  bool jobs_listed = false; // batch/v1 jobs answered (else pods match Workloads by their direct owner)
  std::string kueue_api;    // "kueue.x-k8s.io/v1beta1": the version ClusterQueues were listed at; empty: no Kueue
  std::string version;      // GET /version's gitVersion when `options.describe`; empty when unknown
};

// Each list's objects (one Objects per List, as its thread filled it, in List order) as one;
// `kueue`: the ClusterQueues answered.
Objects merge_lists(std::vector<Objects>& parts, bool kueue);

// The context of `options.source` (kubeconfig.cpp), every list fetched concurrently and paginated.
// Throws UsageError (kubeconfig), RuntimeError (auth, HTTP), DataError, InterruptedError.
Fetched fetch_cluster(const SourceOptions& options, const source::Cancel* parent);

// ---------------------------------------------------------------------------------------------
// Translating (kube_translate.cpp).

struct Items {
  // Each resource's items, as the text between the brackets of a fleet API page's "items".
  std::array<std::string, kResources.size()> items;
  std::vector<std::string> warnings; // once per run, each
  std::string source;                // "kube:CONTEXT", the context resolved
  std::string version, auth;         // for `fleetcap sources`
};

// The objects of one context as fleet API items (docs/kubernetes.md). warn() before run() puts a
// warning first; run() once; then `out` holds the items.
class Translation {
public:
  Translation(const SourceOptions& options, std::string ctx, Objects& objects, Time at)
      : opt(options), context(std::move(ctx)), o(objects), now(at) {}
  void warn(std::string w) { out.warnings.push_back(std::move(w)); }
  void run();
  Items out;

private:
  struct GpuNode {
    const Node* node;
    std::string cluster, island;
    std::int64_t gpus;
  };
  struct OwnerChains; // each pod's owners (build_jobs)
  class UniqueNames;  // job names, made unique with #2, #3 ...
  struct FlexGroup;   // flex pods of one owner in one cluster (build_jobs)
  using FlexKey = std::tuple<std::string, std::string, std::string>; // namespace, owner uid or pod, cluster

  const SourceOptions& opt;
  std::string context;
  Objects& o;
  Time now;

  std::vector<GpuNode> gpu_nodes;
  std::unordered_map<std::string, std::size_t> node_index;            // name -> gpu_nodes index
  std::vector<std::string> clusters;                                  // names
  std::vector<std::string> cluster_items;                             // their items, less the closing brace
  std::map<std::string, std::set<std::string>> island_labels;         // cluster -> label keys naming its islands
  std::map<std::pair<std::string, std::string>, std::string> leaf_of; // (CQ, flavor) -> leaf
  std::map<std::string, std::string> leaf_cluster;                    // leaf -> cluster
  std::map<std::string, std::int64_t> leaf_used;                      // leaf -> running GPUs
  std::map<std::string, std::string> first_leaf_of_cq;

  std::string_view priority_of(std::int64_t value) const;
  void build_clusters();
  void build_islands();
  bool island_from_topology(GpuNode& g, const std::map<std::string, const Topology*>& topologies);
  void write_clusters();
  void build_nodes();
  std::string flavor_cluster(const std::string& flavor_name, const std::string& leaf);
  void build_kueue_quotas();
  std::string leaf_item(const ClusterQueue& cq, const FlavorQuota& fq, const std::string& name,
                        const std::string& cluster, const std::set<std::string>& access) const;
  void build_resource_quotas();
  void build_jobs();
  OwnerChains follow_owners() const;
  void write_workloads(const OwnerChains& chains, UniqueNames& names);
  std::string workload_leaf(const Workload& w,
                            const std::map<std::pair<std::string, std::string>, std::string>& lq_cq) const;
  std::map<FlexKey, FlexGroup> flex_groups(const OwnerChains& chains, std::size_t& off_fleet) const;
  void write_flex_jobs(const OwnerChains& chains, UniqueNames& names);
  void warn_priorities_unmapped();
  bool reclaimable_by_cohort(const Workload& w) const;
  std::string cohort_root(const std::string& cq_name) const;
  std::string queue_cq(const Workload& w) const;
  void check_usage();
  void build_maintenance();
};

} // namespace fleetcap::kube
