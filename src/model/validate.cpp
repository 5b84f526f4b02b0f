// SPEC §3.2 rules that span items, and the index built from them.
#include "fleetcap/model/validate.hpp"

#include <fmt/format.h>

#include <map>
#include <unordered_map>

namespace fleetcap {
namespace {

std::string item(std::string_view resource, std::size_t i, std::string_view name) {
  return name.empty() ? fmt::format("{}[{}]", resource, i) : fmt::format("{}[{}] \"{}\"", resource, i, name);
}

// Names -> index; duplicates reported against the first holder.
template <class T, class Name>
void index_names(const std::vector<T>& items, std::string_view resource, Name name,
                 std::unordered_map<std::string_view, std::uint32_t>& map, std::string_view field,
                 std::vector<std::string>& errors) {
  map.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string_view n = name(items[i]);
    if (n.empty()) continue; // reported as missing when parsed
    auto [it, fresh] = map.emplace(n, static_cast<std::uint32_t>(i));
    if (!fresh)
      errors.push_back(fmt::format("{}: field \"{}\" duplicates {}[{}]", item(resource, i, n), field, resource, it->second));
  }
}

void link_nodes(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  ix.cluster_nodes.assign(s.clusters.size(), {});
  std::unordered_map<std::string, std::uint32_t> island_by_key;
  std::map<std::string, std::size_t> odd_health; // value -> count, sorted for stable warnings
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    Node& n = s.nodes[i];
    n.healthy = n.health == "healthy";
    if (!n.healthy && n.health != "unhealthy") ++odd_health[n.health];
    if (n.cluster.empty()) continue;
    n.cluster_index = s.find_cluster(n.cluster);
    if (n.cluster_index == kNone) {
      errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", item("nodes", i, n.name), n.cluster));
      continue;
    }
    ix.cluster_nodes[n.cluster_index].push_back(static_cast<std::uint32_t>(i));
    std::string key = fmt::format("{}\n{}", n.cluster_index, n.island);
    auto [it, fresh] = island_by_key.emplace(std::move(key), static_cast<std::uint32_t>(ix.islands.size()));
    if (fresh) ix.islands.push_back(Island{n.island, n.cluster_index, {}});
    n.island_index = it->second;
    ix.islands[n.island_index].nodes.push_back(static_cast<std::uint32_t>(i));
  }
  for (const auto& [value, count] : odd_health)
    s.warnings.push_back(fmt::format("nodes: health \"{}\" is neither \"healthy\" nor \"unhealthy\"; {} {} as not healthy",
                                     value, count, count == 1 ? "node with it counts" : "nodes with it count"));
}

void link_quotas(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  const std::size_t n = s.quotas.size();
  ix.quota_children.assign(n, {});
  ix.cluster_leaves.assign(s.clusters.size(), {});
  for (std::size_t i = 0; i < n; ++i) {
    Quota& q = s.quotas[i];
    if (!q.parent) continue;
    q.parent_index = s.find_quota(*q.parent);
    if (q.parent_index == kNone)
      errors.push_back(fmt::format("{}: field \"parent\" names unknown quota \"{}\"", item("quotas", i, q.name), *q.parent));
    else
      ix.quota_children[q.parent_index].push_back(static_cast<std::uint32_t>(i));
  }
  // Cycles: walk up from each quota; colour 1 = on the current path, 2 = done.
  std::vector<std::uint8_t> colour(n, 0);
  for (std::size_t start = 0; start < n; ++start) {
    std::vector<std::uint32_t> path;
    std::uint32_t at = static_cast<std::uint32_t>(start);
    while (at != kNone && colour[at] == 0) {
      colour[at] = 1;
      path.push_back(at);
      at = s.quotas[at].parent_index;
    }
    if (at != kNone && colour[at] == 1) {
      std::string chain;
      bool in_cycle = false;
      for (auto p : path) {
        if (p == at) in_cycle = true;
        if (in_cycle) chain += s.quotas[p].name + " -> ";
      }
      chain += s.quotas[at].name;
      errors.push_back(fmt::format("{}: field \"parent\" makes a cycle: {}", item("quotas", at, s.quotas[at].name), chain));
      for (auto p : path) s.quotas[p].parent_index = p == at ? kNone : s.quotas[p].parent_index; // break it
    }
    for (auto p : path) colour[p] = 2;
  }
  for (std::size_t i = 0; i < n; ++i) {
    Quota& q = s.quotas[i];
    std::uint32_t root = static_cast<std::uint32_t>(i);
    for (std::size_t steps = 0; s.quotas[root].parent_index != kNone && steps <= n; ++steps)
      root = s.quotas[root].parent_index;
    q.tree_index = root;
    const bool has_children = !ix.quota_children[i].empty();
    const std::string who = item("quotas", i, q.name);
    if (has_children) {
      q.leaf = false;
      if (q.cluster)
        errors.push_back(fmt::format("{}: field \"cluster\" is \"{}\" but the quota has children; only leaves name a cluster",
                                     who, *q.cluster));
      if (q.gpus_given && q.gpus != 0)
        errors.push_back(fmt::format("{}: field \"gpus\" is {} but the quota has children; only leaves hold GPUs", who, q.gpus));
      continue;
    }
    if (!q.cluster) {
      q.leaf = false; // an empty group
      if (q.gpus_given)
        errors.push_back(fmt::format("{}: field \"cluster\" is missing; a leaf quota with gpus must name its cluster", who));
      continue;
    }
    q.cluster_index = s.find_cluster(*q.cluster);
    if (q.cluster_index == kNone)
      errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", who, *q.cluster));
    if (!q.gpus_given) errors.push_back(fmt::format("{}: field \"gpus\" is missing", who));
    q.leaf = true;
    if (q.cluster_index != kNone) ix.cluster_leaves[q.cluster_index].push_back(static_cast<std::uint32_t>(i));
  }
}

// Node names of a job or event: each must exist and lie in `cluster`.
void link_node_list(const Snapshot& s, const std::vector<std::string>& names, std::uint32_t cluster,
                    std::string_view who, std::vector<std::uint32_t>& out, std::vector<std::string>& errors) {
  out.clear();
  out.reserve(names.size());
  for (const auto& name : names) {
    const std::uint32_t node = s.find_node(name);
    if (node == kNone) {
      errors.push_back(fmt::format("{}: field \"nodes\" names unknown node \"{}\"", who, name));
    } else if (cluster != kNone && s.nodes[node].cluster_index != cluster) {
      // A node of an unknown cluster was reported already; a second error would only echo it.
      if (s.nodes[node].cluster_index != kNone)
        errors.push_back(fmt::format("{}: field \"nodes\" names node \"{}\" of cluster \"{}\", not \"{}\"", who, name,
                                     s.nodes[node].cluster, s.clusters[cluster].name));
    } else {
      out.push_back(node);
    }
  }
}

void link_jobs(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  ix.quota_jobs.assign(s.quotas.size(), {});
  ix.cluster_jobs.assign(s.clusters.size(), {});
  ix.node_jobs.assign(s.nodes.size(), {});
  std::unordered_map<std::string_view, std::uint32_t> names;
  index_names(s.jobs, "jobs", [](const Job& j) -> std::string_view { return j.name; }, names, "name", errors);
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    Job& j = s.jobs[i];
    const std::string who = item("jobs", i, j.name);
    std::uint32_t want_cluster = kNone; // the leaf quota's cluster
    if (!j.flex && !j.quota.empty()) {
      j.quota_index = s.find_quota(j.quota);
      if (j.quota_index == kNone) {
        errors.push_back(fmt::format("{}: field \"quota\" names unknown quota \"{}\" (a leaf quota or \"flex\")", who, j.quota));
      } else if (!s.quotas[j.quota_index].leaf) {
        errors.push_back(fmt::format("{}: field \"quota\" names \"{}\", which is not a leaf quota with a cluster", who, j.quota));
        j.quota_index = kNone;
      } else {
        want_cluster = s.quotas[j.quota_index].cluster_index;
      }
    }
    if (j.cluster) {
      j.cluster_index = s.find_cluster(*j.cluster);
      if (j.cluster_index == kNone)
        errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", who, *j.cluster));
      else if (want_cluster != kNone && j.cluster_index != want_cluster)
        errors.push_back(fmt::format("{}: field \"cluster\" is \"{}\" but quota \"{}\" is in cluster \"{}\"", who, *j.cluster,
                                     j.quota, s.clusters[want_cluster].name));
    } else if (j.running()) {
      errors.push_back(fmt::format("{}: field \"cluster\" is missing; a running job must name its cluster", who));
    } else {
      j.cluster_index = want_cluster;
    }
    link_node_list(s, j.nodes, j.cluster_index, who, j.node_indices, errors);
    if (j.quota_index != kNone) ix.quota_jobs[j.quota_index].push_back(static_cast<std::uint32_t>(i));
    if (j.cluster_index != kNone) ix.cluster_jobs[j.cluster_index].push_back(static_cast<std::uint32_t>(i));
    if (j.running())
      for (auto node : j.node_indices) ix.node_jobs[node].push_back(static_cast<std::uint32_t>(i));
  }
}

void link_events(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  ix.cluster_events.assign(s.clusters.size(), {});
  ix.node_events.assign(s.nodes.size(), {});
  std::unordered_map<std::string_view, std::uint32_t> ids;
  index_names(s.maintenance, "maintenance", [](const MaintenanceEvent& e) -> std::string_view { return e.id; }, ids, "id",
              errors);
  for (std::size_t i = 0; i < s.maintenance.size(); ++i) {
    MaintenanceEvent& e = s.maintenance[i];
    const std::string who = item("maintenance", i, e.id);
    if (!e.cluster.empty()) {
      e.cluster_index = s.find_cluster(e.cluster);
      if (e.cluster_index == kNone)
        errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", who, e.cluster));
    }
    if (e.start != 0 && e.end != 0 && !(e.start < e.end))
      errors.push_back(fmt::format("{}: field \"end\" ({}) must be after \"start\" ({})", who, format_rfc3339(e.end),
                                   format_rfc3339(e.start)));
    link_node_list(s, e.nodes, e.cluster_index, who, e.node_indices, errors);
    if (e.cluster_index != kNone) ix.cluster_events[e.cluster_index].push_back(static_cast<std::uint32_t>(i));
    for (auto node : e.node_indices) ix.node_events[node].push_back(static_cast<std::uint32_t>(i));
  }
}

} // namespace

void link(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  index_names(s.clusters, "clusters", [](const Cluster& c) -> std::string_view { return c.name; }, ix.cluster_by_name,
              "name", errors);
  index_names(s.nodes, "nodes", [](const Node& n) -> std::string_view { return n.name; }, ix.node_by_name, "name", errors);
  link_nodes(s, errors);
  index_names(s.quotas, "quotas", [](const Quota& q) -> std::string_view { return q.name; }, ix.quota_by_name, "name",
              errors);
  link_quotas(s, errors);
  link_jobs(s, errors);
  link_events(s, errors);
  for (std::size_t i = 0; i < s.health_history.size(); ++i) {
    HealthSample& h = s.health_history[i];
    if (h.cluster.empty()) continue; // reported as missing when parsed
    h.cluster_index = s.find_cluster(h.cluster);
    if (h.cluster_index == kNone)
      errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", item("health_history", i, h.cluster),
                                   h.cluster));
  }
}

} // namespace fleetcap
