// The Kubernetes adapter's translation (docs/kubernetes.md): nodes, pods, quotas and Kueue objects
// (kube_internal.hpp) into fleet API items, which load.cpp parses and validates as it does the
// fleet API's: GPU types become clusters, topology labels islands, ClusterQueue flavors (or
// ResourceQuotas) quotas, Workloads and GPU pods outside them jobs, maintenance labels and taints
// maintenance events.
#include "fleetcap/error.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "fleetcap/model/time.hpp"
#include "kube_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace fleetcap::kube {
namespace {
// `s` as a JSON string (the one JSON writer's escaping).
std::string q(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out;
}

// A ClusterQueue's spec.resourceGroups as the snapshot keeps them (snake_case; docs/kubernetes.md).
std::string resource_groups_json(const std::vector<KueueResourceGroup>& groups) {
  std::string out = "[";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out += g ? ", {\"covered_resources\": [" : "{\"covered_resources\": [";
    for (std::size_t i = 0; i < groups[g].covered_resources.size(); ++i)
      out += (i ? ", " : "") + q(groups[g].covered_resources[i]);
    out += "], \"flavors\": [";
    for (std::size_t f = 0; f < groups[g].flavors.size(); ++f) {
      const KueueFlavor& fl = groups[g].flavors[f];
      out += (f ? ", {\"name\": " : "{\"name\": ") + q(fl.name) + ", \"resources\": [";
      for (std::size_t r = 0; r < fl.resources.size(); ++r) {
        const KueueResource& res = fl.resources[r];
        out += fmt::format("{}{{\"name\": {}, \"nominal_quota\": {}", r ? ", " : "", q(res.name), q(res.nominal_quota));
        if (res.borrowing_limit) out += ", \"borrowing_limit\": " + q(*res.borrowing_limit);
        if (res.lending_limit) out += ", \"lending_limit\": " + q(*res.lending_limit);
        out += "}";
      }
      out += "]}";
    }
    out += "]}";
  }
  return out + "]";
}

// Strings as a JSON array: ["a", "b"].
std::string string_list(const std::set<std::string>& list) {
  std::string out = "[";
  bool first = true;
  for (const auto& s : list) out += (first ? "" : ", ") + q(s), first = false;
  return out + "]";
}

void add_item(std::string& list, const std::string& item) {
  if (!list.empty()) list += ",\n";
  list += item;
}

const std::string* label(const Labels& labels, std::string_view key) {
  for (const auto& [k, v] : labels)
    if (k == key) return &v;
  return nullptr;
}

bool selects(const Labels& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    const std::string* got = label(labels, k);
    if (!got || *got != v) return false;
  }
  return true;
}

std::string product_of(const Node& n) {
  if (auto p = label(n.labels, "nvidia.com/gpu.product"); p && !p->empty()) return *p;
  if (auto p = label(n.labels, "cloud.google.com/gke-accelerator"); p && !p->empty()) return *p;
  return "gpu";
}

std::int64_t node_gpus(const Node& n, std::int64_t& replicas) {
  replicas = 1;
  if (auto r = label(n.labels, "nvidia.com/gpu.replicas"))
    replicas = std::max<std::int64_t>(1, quantity(*r).value_or(1));
  const auto* strategy = label(n.labels, "nvidia.com/mig.strategy");
  const bool mig = n.mig || (strategy && *strategy != "none" && !strategy->empty());
  if (replicas > 1 || mig)
    if (auto c = label(n.labels, "nvidia.com/gpu.count"))
      if (auto g = quantity(*c)) return *g;
  if (mig && n.capacity == 0) return 0;
  return n.capacity / replicas;
}

bool gpu_condition_failing(const Condition& c) {
  if (c.type == "GPUHealthy") return c.status == "False";
  return (c.type == "GPUMissing" || c.type == "XIDErrors" || c.type == "NVLinkStatusInactive" ||
          c.type == "IBLinkFlapping") &&
         c.status == "True";
}

bool pressure_condition(const Condition& c) {
  return (c.type == "MemoryPressure" || c.type == "DiskPressure" || c.type == "PIDPressure" ||
          c.type == "NetworkUnavailable") &&
         c.status == "True";
}

bool maintenance_taint(const Taint& t) {
  return t.key == "cloud.google.com/maintenance-window-started" ||
         t.key == "aws-node-termination-handler/scheduled-maintenance";
}

std::string issue(std::string_view type, const std::string& since, std::string_view priority, std::string_view detail) {
  std::string out = fmt::format("{{\"type\": {}, \"priority\": \"{}\", \"detail\": {}", q(type), priority, q(detail));
  if (!since.empty()) out += fmt::format(", \"detected_at\": {}", q(since));
  return out + "}";
}

std::string join_detail(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + ": " + b;
}

} // namespace

// A priority value's class (config [kube.priority], highest class first): the highest class
// whose threshold it reaches. A value that reaches none keeps the contract's default, mid,
// unless the table draws a mid or low line and the value falls below it: then low (so the
// classes never rank a lower value above a higher one). Without the table, mid.
std::string_view Translation::priority_of(std::int64_t value) const {
  bool draws_mid_or_low = false;
  for (const auto& [cls, threshold] : opt.kube_priority) {
    if (value >= threshold) return to_string(cls);
    draws_mid_or_low = draws_mid_or_low || cls == Priority::mid || cls == Priority::low;
  }
  return draws_mid_or_low ? "low" : "mid";
}

void Translation::build_clusters() {
  std::map<std::string, std::vector<const Node*>> by_product;
  for (const auto& n : o.nodes) {
    std::int64_t replicas = 1;
    if (node_gpus(n, replicas) > 0) by_product[product_of(n)].push_back(&n);
  }
  if (by_product.empty()) warn(fmt::format("context \"{}\" has no nodes with nvidia.com/gpu: no clusters", context));
  for (const auto& [product, nodes] : by_product) {
    const std::string name = by_product.size() == 1 ? context : context + "/" + product;
    std::map<std::string, int> regions, providers;
    for (const Node* n : nodes) {
      if (auto r = label(n->labels, "topology.kubernetes.io/region")) ++regions[*r];
      if (auto at = n->provider_id.find("://"); at != std::string::npos) ++providers[n->provider_id.substr(0, at)];
    }
    auto most = [](const std::map<std::string, int>& m, const char* none) {
      std::string best = none;
      int count = 0;
      for (const auto& [k, c] : m)
        if (c > count) best = k, count = c;
      return best;
    };
    clusters.push_back(name);
    // Written by write_clusters() once the islands say which label names them.
    cluster_items.push_back(fmt::format("{{\"name\": {}, \"region\": {}, \"provider\": {}, \"sku\": {}, "
                                        "\"state\": \"production\", \"scheduler\": \"kubernetes\"",
                                        q(name), q(most(regions, "unknown")), q(most(providers, "kubernetes")),
                                        q(product)));
    for (const Node* n : nodes) {
      std::int64_t replicas = 1;
      node_index[n->name] = gpu_nodes.size();
      gpu_nodes.push_back({n, name, {}, node_gpus(*n, replicas)});
    }
  }
}

// The island its ResourceFlavor's Kueue Topology names for a node: the first level below region
// and zone, when the node has that label. Returns whether one did.
bool Translation::island_from_topology(GpuNode& g, const std::map<std::string, const Topology*>& topologies) {
  const Node& n = *g.node;
  for (const auto& fl : o.flavors) {
    if (fl.topology.empty() || !selects(fl.node_labels, n.labels)) continue;
    auto t = topologies.find(fl.topology);
    if (t == topologies.end()) continue;
    for (const auto& level : t->second->levels) {
      if (level == "topology.kubernetes.io/region" || level == "topology.kubernetes.io/zone" ||
          level == "failure-domain.beta.kubernetes.io/region" || level == "failure-domain.beta.kubernetes.io/zone")
        continue;
      if (auto v = label(n.labels, level)) {
        g.island = *v;
        island_labels[g.cluster].insert(level);
      }
      break;
    }
    if (!g.island.empty()) return true;
  }
  return false;
}

// Each GPU node's island: --island-label's value, else its Kueue Topology's level, else a known
// topology label, else its cluster (docs/kubernetes.md).
void Translation::build_islands() {
  std::size_t unlabelled = 0;
  bool defaulted = false;
  std::map<std::string, const Topology*> topologies;
  for (const auto& t : o.topologies) topologies[t.name] = &t;
  for (auto& g : gpu_nodes) {
    const Node& n = *g.node;
    if (!opt.island_label.empty()) {
      if (auto v = label(n.labels, opt.island_label)) {
        g.island = *v;
        island_labels[g.cluster].insert(opt.island_label);
      } else {
        g.island = g.cluster;
        island_labels[g.cluster].insert("");
        ++unlabelled;
      }
      continue;
    }
    if (island_from_topology(g, topologies)) continue;
    for (const char* key : {"network.topology.nvidia.com/spine", "cloud.google.com/gce-topology-block",
                            "topology.k8s.aws/network-node-layer-2"})
      if (auto v = label(n.labels, key)) {
        g.island = *v;
        island_labels[g.cluster].insert(key);
        break;
      }
    if (g.island.empty()) {
      g.island = g.cluster;
      island_labels[g.cluster].insert("");
      defaulted = true;
    }
  }
  if (unlabelled)
    warn(fmt::format("{} GPU node(s) of context \"{}\" have no label {}: each such node is in its cluster's island",
                     unlabelled, context, opt.island_label));
  if (defaulted)
    warn(fmt::format("context \"{}\": some GPU nodes have no topology label (Kueue Topology, "
                     "network.topology.nvidia.com/spine, cloud.google.com/gce-topology-block, "
                     "topology.k8s.aws/network-node-layer-2): each cluster is one island for them; pass "
                     "--island-label KEY",
                     context));
}

void Translation::build_nodes() {
  for (const auto& g : gpu_nodes) {
    const Node& n = *g.node;
    std::vector<std::string> issues;
    bool ready = false, gpu_failing = false, tainted = false;
    for (const auto& c : n.conditions) {
      if (c.type == "Ready") {
        ready = c.status == "True";
        if (!ready) issues.push_back(issue("NotReady", c.since, "p1", join_detail(c.reason, c.message)));
      } else if (gpu_condition_failing(c)) {
        gpu_failing = true;
        issues.push_back(issue(c.type, c.since, "p1", join_detail(c.reason, c.message)));
      } else if (pressure_condition(c)) {
        issues.push_back(issue(c.type, c.since, "p2", join_detail(c.reason, c.message)));
      }
    }
    for (const auto& t : n.taints) {
      if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
      if (t.key == kGpu || t.key == "node.kubernetes.io/unschedulable" || maintenance_taint(t)) continue;
      const bool down = t.key == "node.kubernetes.io/not-ready" || t.key == "node.kubernetes.io/unreachable";
      tainted = tainted || down;
      issues.push_back(issue(t.key, t.added, down ? "p1" : "p3",
                             fmt::format("taint {}{}{}", t.effect, t.value.empty() ? "" : " ", t.value)));
    }
    std::int64_t replicas = 1;
    node_gpus(n, replicas);
    const std::int64_t alloc = n.allocatable < 0 ? n.capacity : n.allocatable;
    const std::int64_t lost = n.capacity > alloc ? (n.capacity - alloc + replicas - 1) / replicas : 0;
    if (lost > 0)
      issues.push_back(issue("GPUUnavailable", "", "p2", fmt::format("{} of {} GPUs unhealthy", lost, g.gpus)));
    const char* health = (!ready || gpu_failing || tainted) ? "unhealthy" : lost > 0 ? "degraded" : "healthy";
    std::string item =
        fmt::format("{{\"name\": {}, \"cluster\": {}, \"island\": {}, \"gpus\": {}, \"health\": "
                    "\"{}\", \"cordoned\": {}",
                    q(n.name), q(g.cluster), q(g.island), g.gpus, health, n.unschedulable ? "true" : "false");
    if (std::string_view(health) == "degraded") item += ", \"healthy\": false"; // our word, said outright
    if (!issues.empty()) {
      item += ", \"issues\": [";
      for (std::size_t i = 0; i < issues.size(); ++i) item += (i ? ", " : "") + issues[i];
      item += "]";
    }
    add_item(out.items[1], item + "}");
  }
}

// The cluster a ResourceFlavor's nodeLabels select; empty when none can be told.
std::string Translation::flavor_cluster(const std::string& flavor_name, const std::string& leaf) {
  const Flavor* fl = nullptr;
  for (const auto& f : o.flavors)
    if (f.name == flavor_name) fl = &f;
  std::map<std::string, std::int64_t> gpus;
  for (const auto& g : gpu_nodes)
    if (!fl || selects(fl->node_labels, g.node->labels)) gpus[g.cluster] += g.gpus;
  if (gpus.empty()) {
    if (clusters.size() == 1) return clusters[0]; // quota no node backs
    warn(fmt::format("quota {}: ResourceFlavor \"{}\" selects no GPU node and context \"{}\" has {} GPU clusters; "
                     "left out",
                     leaf, flavor_name, context, clusters.size()));
    return {};
  }
  auto best = std::max_element(gpus.begin(), gpus.end(), [](auto& a, auto& b) { return a.second < b.second; });
  if (gpus.size() > 1)
    warn(fmt::format("quota {}: ResourceFlavor \"{}\" selects nodes of {} clusters; its quota is put in {}, the "
                     "largest",
                     leaf, flavor_name, gpus.size(), best->first));
  return best->first;
}

// A ClusterQueue's GPU flavor as a quota leaf (docs/kubernetes.md): nominal quota, the namespaces
// whose LocalQueues point at it, borrowing and lending limits, whether it reclaims what it lends,
// and what overalloc plan -o kueue writes back.
std::string Translation::leaf_item(const ClusterQueue& cq, const FlavorQuota& fq, const std::string& name,
                                   const std::string& cluster, const std::set<std::string>& access) const {
  std::string item = fmt::format("{{\"name\": {}, \"parent\": {}, \"cluster\": {}, \"gpus\": {}", q(name),
                                 cq.cohort.empty() ? "null" : q(cq.cohort), q(cluster), fq.nominal);
  item += ", \"access\": " + string_list(access);
  if (fq.borrowing) item += fmt::format(", \"borrowing_limit\": {}", *fq.borrowing);
  if (fq.lending) item += fmt::format(", \"lending_limit\": {}", *fq.lending);
  // reclaimWithinCohort Never (Kueue's default): it may not take back what it lends.
  if (!cq.cohort.empty() && cq.reclaim == "Never") item += ", \"reclaims\": false";
  item +=
      fmt::format(", \"kueue\": {{\"cluster_queue\": {}, \"flavor\": {}, \"api_version\": {}, "
                  "\"resource_groups\": {}}}}}",
                  q(cq.name), q(fq.flavor), q(o.cq_api_version.empty() ? "kueue.x-k8s.io/v1beta1" : o.cq_api_version),
                  resource_groups_json(cq.groups));
  return item;
}

// The quotas from Kueue: each ClusterQueue's GPU flavors as leaves, under the cohorts above them.
void Translation::build_kueue_quotas() {
  std::map<std::string, std::set<std::string>> access; // CQ -> namespaces
  for (const auto& lq : o.lqs) access[lq.cluster_queue].insert(lq.ns);
  std::map<std::string, const Cohort*> cohorts;
  for (const auto& c : o.cohorts) cohorts[c.name] = &c;
  std::set<std::string> used_cohorts; // cohorts with a leaf below them
  auto mark = [&](std::string name) {
    for (int depth = 0; !name.empty() && depth < 64 && used_cohorts.insert(name).second; ++depth) {
      auto it = cohorts.find(name);
      name = it == cohorts.end() ? std::string() : it->second->parent;
    }
  };
  std::vector<std::string> leaves;
  for (const auto& cq : o.cqs) {
    for (const auto& fq : cq.gpu) {
      const std::string name = cq.gpu.size() == 1 ? cq.name : cq.name + "/" + fq.flavor;
      const std::string cluster = flavor_cluster(fq.flavor, name);
      if (cluster.empty()) continue;
      leaf_of[{cq.name, fq.flavor}] = name;
      leaf_cluster[name] = cluster;
      if (!first_leaf_of_cq.count(cq.name)) first_leaf_of_cq[cq.name] = name;
      if (!cq.cohort.empty()) mark(cq.cohort);
      leaves.push_back(leaf_item(cq, fq, name, cluster, access[cq.name]));
    }
  }
  for (const auto& name : used_cohorts) {
    auto it = cohorts.find(name);
    const std::string parent = it == cohorts.end() ? std::string() : it->second->parent;
    std::string item =
        fmt::format("{{\"name\": {}, \"parent\": {}, \"cluster\": null", q(name), parent.empty() ? "null" : q(parent));
    if (it != cohorts.end() && it->second->gpus >= 0) item += fmt::format(", \"shared_gpus\": {}", it->second->gpus);
    add_item(out.items[2], item + "}");
  }
  for (const auto& l : leaves) add_item(out.items[2], l);
}

void Translation::build_resource_quotas() {
  std::map<std::string, std::int64_t> per_ns; // the tightest quota of each namespace
  for (const auto& rq : o.quotas) {
    auto [it, fresh] = per_ns.try_emplace(rq.ns, *rq.hard);
    if (!fresh) it->second = std::min(it->second, *rq.hard);
  }
  if (per_ns.empty()) return;
  if (clusters.size() != 1)
    throw RuntimeError(fmt::format("context \"{}\" has {} GPU clusters ({}) and ResourceQuotas for GPUs but no Kueue: "
                                   "a namespace's quota cannot be put in one of them; use Kueue ResourceFlavors "
                                   "(docs/kubernetes.md)",
                                   context, clusters.size(), fmt::join(clusters, ", ")));
  for (const auto& [ns, gpus] : per_ns) {
    leaf_cluster[ns] = clusters[0];
    add_item(out.items[2], fmt::format("{{\"name\": {}, \"parent\": null, \"cluster\": {}, \"gpus\": {}, \"access\": "
                                       "[{}]}}",
                                       q(ns), q(clusters[0]), gpus, q(ns)));
  }
}

// Job names, unique within the context: a second "ns/name" becomes "ns/name#2", and so on.
class Translation::UniqueNames {
public:
  std::string operator()(std::string name) {
    if (names_.insert(name).second) return name;
    for (int i = 2;; ++i)
      if (names_.insert(fmt::format("{}#{}", name, i)).second) return fmt::format("{}#{}", name, i);
  }

private:
  std::set<std::string> names_;
};

// Each pod's owner chain (its controller, that one's controller, ... as far as the Jobs list
// tells, at most kMaxOwners deep, a cycle ends it): the nearest owner of an admitted Workload,
// and the top owner (a flex job is named after it).
struct Translation::OwnerChains {
  std::vector<const Owner*> workload_owner, top_owner;                   // per pod; null: none
  std::unordered_map<std::string, std::set<std::string>> nodes_of_owner; // Workload owner uid -> nodes
};

Translation::OwnerChains Translation::follow_owners() const {
  std::unordered_set<std::string> admitted_owners;
  for (const auto& w : o.workloads)
    if (w.admitted)
      for (const auto& uid : w.owner_uids) admitted_owners.insert(uid);
  std::unordered_map<std::string_view, const Owner*> controller_of;
  for (const auto& [uid, owner] : o.job_owners) controller_of.emplace(uid, &owner);
  constexpr int kMaxOwners = 8;
  OwnerChains chains{
      std::vector<const Owner*>(o.pods.size(), nullptr), std::vector<const Owner*>(o.pods.size(), nullptr), {}};
  for (std::size_t i = 0; i < o.pods.size(); ++i) {
    const Pod& p = o.pods[i];
    if (!p.owner) continue;
    std::array<const Owner*, kMaxOwners> seen{};
    const Owner* at = &*p.owner;
    for (int depth = 0; at && depth < kMaxOwners; ++depth) {
      if (std::find_if(seen.begin(), seen.begin() + depth, [&](const Owner* s) { return s->uid == at->uid; }) !=
          seen.begin() + depth)
        break; // a cycle
      seen[depth] = chains.top_owner[i] = at;
      if (admitted_owners.count(at->uid)) {
        chains.workload_owner[i] = at;
        break;
      }
      auto up = controller_of.find(at->uid);
      at = up == controller_of.end() ? nullptr : up->second;
    }
    if (chains.workload_owner[i] && !p.node.empty())
      chains.nodes_of_owner[chains.workload_owner[i]->uid].insert(p.node);
  }
  return chains;
}

// The quota leaf a Workload counts in: its admission's GPU flavor, or, pending, its LocalQueue's
// ClusterQueue's first GPU flavor; empty when fleetcap knows neither.
std::string Translation::workload_leaf(const Workload& w,
                                       const std::map<std::pair<std::string, std::string>, std::string>& lq_cq) const {
  std::string leaf;
  if (w.admitted) {
    for (const auto& fl : w.flavors)
      if (auto it = leaf_of.find({w.cluster_queue, fl}); it != leaf_of.end()) leaf = it->second;
  } else if (auto it = lq_cq.find({w.ns, w.queue}); it != lq_cq.end()) {
    if (auto l = first_leaf_of_cq.find(it->second); l != first_leaf_of_cq.end()) leaf = l->second;
  }
  return leaf;
}

// Every Workload that holds or asks for GPUs, as a job of its quota leaf.
void Translation::write_workloads(const OwnerChains& chains, UniqueNames& unique) {
  std::map<std::pair<std::string, std::string>, std::string> lq_cq;
  for (const auto& lq : o.lqs) lq_cq[{lq.ns, lq.name}] = lq.cluster_queue;
  std::size_t unplaced = 0;
  for (const auto& w : o.workloads) {
    const std::string leaf = workload_leaf(w, lq_cq);
    const std::int64_t gpus = w.admitted ? w.admitted_gpus : w.requested_gpus;
    if (gpus <= 0) continue;
    if (leaf.empty()) {
      ++unplaced;
      continue;
    }
    const std::string& cluster = leaf_cluster[leaf];
    std::string item = fmt::format("{{\"name\": {}, \"namespace\": {}, \"quota\": {}, \"cluster\": {}, "
                                   "\"priority\": \"{}\", \"gpus\": {}, \"state\": \"{}\"",
                                   q(unique(w.ns + "/" + w.name)), q(w.ns), q(leaf), q(cluster),
                                   priority_of(w.priority), gpus, w.admitted ? "running" : "pending");
    if (w.admitted && !cohort_root(w.cluster_queue).empty() && !reclaimable_by_cohort(w))
      item += ", \"reclaimable\": false"; // what it borrows no ClusterQueue may take back
    if (w.admitted) {
      leaf_used[leaf] += gpus;
      std::set<std::string> nodes; // its owners' pods' nodes of the leaf's cluster
      for (const auto& uid : w.owner_uids)
        if (auto it = chains.nodes_of_owner.find(uid); it != chains.nodes_of_owner.end())
          for (const auto& n : it->second)
            if (auto g = node_index.find(n); g != node_index.end() && gpu_nodes[g->second].cluster == cluster)
              nodes.insert(n);
      item += ", \"nodes\": " + string_list(nodes);
      if (!w.admitted_at.empty()) item += ", \"started_at\": " + q(w.admitted_at);
    } else if (!w.pending_reason.empty()) {
      item += ", \"pending_reason\": " + q(w.pending_reason);
    }
    if (!w.job_name.empty()) item += ", \"job_name\": " + q(w.job_name);
    if (!w.created.empty()) item += ", \"submitted_at\": " + q(w.created);
    add_item(out.items[3], item + "}");
  }
  if (unplaced)
    warn(fmt::format("{} Kueue Workload(s) of context \"{}\" use no GPU flavor of a ClusterQueue fleetcap knows; "
                     "left out",
                     unplaced, context));
}

// Flex pods of one top owner in one cluster: one flex job.
struct Translation::FlexGroup {
  std::string name, ns, cluster, started, created, job_name;
  std::int64_t gpus = 0, priority = INT64_MIN; // the highest of its pods'
  std::set<std::string> nodes;
};

// Flex: GPU pods on nodes that belong to no admitted Workload, grouped by namespace, top owner
// (else the pod itself) and cluster. `off_fleet`: pods on nodes with no GPUs, left out.
std::map<Translation::FlexKey, Translation::FlexGroup> Translation::flex_groups(const OwnerChains& chains,
                                                                                std::size_t& off_fleet) const {
  std::map<FlexKey, FlexGroup> groups;
  for (std::size_t i = 0; i < o.pods.size(); ++i) {
    const Pod& p = o.pods[i];
    if (chains.workload_owner[i]) continue;
    auto g = node_index.find(p.node);
    if (g == node_index.end()) {
      ++off_fleet;
      continue;
    }
    const std::string& cluster = gpu_nodes[g->second].cluster;
    const Owner* owner = chains.top_owner[i];
    const std::string key = owner ? owner->uid : "pod/" + p.name;
    FlexGroup& grp = groups[{p.ns, key, cluster}];
    grp.name = p.ns + "/" + (owner ? owner->name : p.name);
    grp.ns = p.ns;
    grp.cluster = cluster;
    grp.gpus += p.gpus;
    grp.priority = std::max(grp.priority, p.priority);
    grp.nodes.insert(p.node);
    grp.job_name = owner ? owner->name : p.name;
    if (!p.started.empty() && (grp.started.empty() || p.started < grp.started)) grp.started = p.started;
    if (!p.created.empty() && (grp.created.empty() || p.created < grp.created)) grp.created = p.created;
  }
  return groups;
}

void Translation::write_flex_jobs(const OwnerChains& chains, UniqueNames& unique) {
  std::size_t off_fleet = 0;
  for (auto& [key, grp] : flex_groups(chains, off_fleet)) {
    std::string item = fmt::format("{{\"name\": {}, \"namespace\": {}, \"quota\": \"flex\", \"cluster\": {}, "
                                   "\"priority\": \"{}\", \"gpus\": {}, \"state\": \"running\", \"nodes\": {}",
                                   q(unique(grp.name)), q(grp.ns), q(grp.cluster), priority_of(grp.priority), grp.gpus,
                                   string_list(grp.nodes));
    if (!grp.started.empty()) item += ", \"started_at\": " + q(grp.started);
    // With Kueue, pods no admitted Workload owns are work Kueue never preempts: stable use
    // (docs/kubernetes.md, "Reclaimable").
    if (o.kueue) item += ", \"reclaimable\": false";
    item += ", \"job_name\": " + q(grp.job_name);
    if (!grp.created.empty()) item += ", \"submitted_at\": " + q(grp.created);
    add_item(out.items[3], item + "}");
  }
  if (off_fleet)
    warn(fmt::format("{} GPU pod(s) of context \"{}\" run on nodes with no nvidia.com/gpu capacity; left out",
                     off_fleet, context));
}

void Translation::warn_priorities_unmapped() {
  const bool prioritised =
      std::any_of(o.workloads.begin(), o.workloads.end(), [](auto& w) { return w.priority != 0; }) ||
      std::any_of(o.pods.begin(), o.pods.end(), [](auto& p) { return p.priority != 0; });
  if (prioritised && opt.kube_priority.empty())
    warn(fmt::format("context \"{}\": Workloads or pods have priority values but the config file has no "
                     "[kube.priority] table (e.g. high = 1000): every job's priority is mid (docs/kubernetes.md)",
                     context));
}

// The jobs: admitted and pending Workloads in their quotas, then flex (docs/kubernetes.md).
void Translation::build_jobs() {
  const OwnerChains chains = follow_owners();
  UniqueNames unique;
  write_workloads(chains, unique);
  write_flex_jobs(chains, unique);
  warn_priorities_unmapped();
}

// Whether Kueue would preempt an admitted Workload to give a ClusterQueue of its cohort tree
// back its nominal quota (Kueue's classic preemption, docs/kubernetes.md "Reclaimable"):
// another ClusterQueue there has reclaimWithinCohort Any, or LowerPriority and in-quota work of
// a higher priority than this Workload's (its own highest Workload priority, else 0, Kubernetes'
// default). withinClusterQueue and borrowWithinCohort make nothing reclaimable for in-quota work.
bool Translation::reclaimable_by_cohort(const Workload& w) const {
  const auto root = cohort_root(w.cluster_queue);
  if (root.empty()) return false;
  for (const auto& cq : o.cqs) {
    if (cq.name == w.cluster_queue || cohort_root(cq.name) != root) continue;
    if (cq.reclaim == "Any") return true;
    if (cq.reclaim != "LowerPriority") continue;
    std::int64_t theirs = 0;
    for (const auto& other : o.workloads)
      if (other.cluster_queue == cq.name || queue_cq(other) == cq.name) theirs = std::max(theirs, other.priority);
    if (theirs > w.priority) return true;
  }
  return false;
}

// The top of a ClusterQueue's cohort tree; empty when it is in no cohort.
std::string Translation::cohort_root(const std::string& cq_name) const {
  std::string at;
  for (const auto& cq : o.cqs)
    if (cq.name == cq_name) at = cq.cohort;
  for (int depth = 0; !at.empty() && depth < 64; ++depth) {
    const auto it = std::find_if(o.cohorts.begin(), o.cohorts.end(), [&](const Cohort& c) { return c.name == at; });
    if (it == o.cohorts.end() || it->parent.empty()) break;
    at = it->parent;
  }
  return at;
}

// The ClusterQueue a Workload's LocalQueue points at (a pending Workload has no admission).
std::string Translation::queue_cq(const Workload& w) const {
  for (const auto& lq : o.lqs)
    if (lq.ns == w.ns && lq.name == w.queue) return lq.cluster_queue;
  return {};
}

void Translation::check_usage() {
  std::vector<std::string> mismatches;
  for (const auto& cq : o.cqs)
    for (const auto& [flavor, total] : cq.usage) {
      auto leaf = leaf_of.find({cq.name, flavor});
      if (leaf == leaf_of.end()) continue;
      const std::int64_t ours = leaf_used[leaf->second];
      if (ours != total) mismatches.push_back(fmt::format("{} (Kueue {}, fleetcap {})", leaf->second, total, ours));
    }
  if (!mismatches.empty())
    warn(fmt::format(
        "Kueue's flavorsUsage differs from the GPUs of admitted Workloads for {} quota(s): {}{}", mismatches.size(),
        fmt::join(mismatches.begin(), mismatches.begin() + std::min<std::size_t>(mismatches.size(), 5), ", "),
        mismatches.size() > 5 ? ", ..." : ""));
}

void Translation::build_maintenance() {
  const Time duration = static_cast<Time>(opt.maintenance_hours * 3600);
  for (const auto& g : gpu_nodes) {
    const Node& n = *g.node;
    std::optional<Time> start;
    std::string state, kind, reason;
    if (auto v = label(n.labels, "cloud.google.com/scheduled-maintenance-time")) {
      if (auto t = quantity(*v)) {
        start = *t;
        state = "scheduled";
        kind = "gke-maintenance";
        reason = "GKE scheduled maintenance (label cloud.google.com/scheduled-maintenance-time)";
      }
    }
    for (const auto& t : n.taints) {
      if (t.key == "cloud.google.com/maintenance-window-started") {
        start = parse_rfc3339(t.added).value_or(start.value_or(now));
        state = "in_progress";
        kind = "gke-maintenance";
        reason = "GKE maintenance in progress (taint cloud.google.com/maintenance-window-started)";
      } else if (t.key == "aws-node-termination-handler/scheduled-maintenance" && state.empty()) {
        start = parse_rfc3339(t.added).value_or(now);
        state = "scheduled";
        kind = "eks-scheduled-maintenance";
        reason = join_detail("EC2 scheduled event (taint aws-node-termination-handler/scheduled-maintenance)", t.value);
      }
    }
    if (auto v = label(n.labels, "cloud.google.com/active-node-maintenance");
        v && *v == "ONGOING" && state != "in_progress") {
      start = start && state == "scheduled" ? std::min(*start, now) : now;
      state = "in_progress";
      kind = "gke-maintenance";
      reason = "GKE maintenance in progress (label cloud.google.com/active-node-maintenance=ONGOING)";
    }
    for (const auto& c : n.conditions)
      if (c.type == "VMEventScheduled" && c.status == "True" && state.empty()) {
        start = parse_rfc3339(c.since).value_or(now);
        state = "scheduled";
        kind = "aks-vm-event";
        reason = join_detail("Azure scheduled event (condition VMEventScheduled)", c.message);
      }
    if (state.empty() || !start) continue;
    add_item(out.items[4],
             fmt::format("{{\"id\": {}, \"cluster\": {}, \"nodes\": [{}], \"kind\": {}, \"reason\": {}, "
                         "\"priority\": \"p1\", \"start\": {}, \"end\": {}, \"hard_start\": true, \"state\": \"{}\"}}",
                         q(fmt::format("{}/{}", context, n.name)), q(g.cluster), q(n.name), q(kind), q(reason),
                         q(format_rfc3339(*start)), q(format_rfc3339(*start + duration)), state));
  }
}

// The clusters, each with the node label that names its islands when one label names them all
// (flex --contiguous's nodeSelector; docs/kubernetes.md).
void Translation::write_clusters() {
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    const auto& keys = island_labels[clusters[c]];
    std::string item = cluster_items[c];
    if (keys.size() == 1 && !keys.begin()->empty()) item += ", \"island_label\": " + q(*keys.begin());
    add_item(out.items[0], item + "}");
  }
}

void Translation::run() {
  build_clusters();
  build_islands();
  write_clusters();
  build_nodes();
  if (o.kueue)
    build_kueue_quotas();
  else
    build_resource_quotas();
  build_jobs();
  if (o.kueue) check_usage();
  build_maintenance();
}

} // namespace fleetcap::kube
