// docs/fleet-api.md rules that span items, and the index built from them.
#include "fleetcap/model/validate.hpp"

#include <fmt/format.h>

#include <array>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <span>

namespace fleetcap {
namespace {

std::string item(std::string_view resource, std::size_t i, std::string_view name) {
  return name.empty() ? fmt::format("{}[{}]", resource, i) : fmt::format("{}[{}] \"{}\"", resource, i, name);
}

// Calls visit(i, name, hash of name) for the `count` names next() gives, in order, prefetching
// the table slot of the name 16 places ahead, the item that slot holds 10 places ahead and that
// item's name 5 places ahead. The tables of a large fleet do not fit in the caches: one lookup at
// a time waits for each miss in turn (that was a quarter of the run time; docs/design.md), this
// keeps several misses in flight. The names are read once each, in order, so no list of them is
// built first.
template <class Next, class Visit>
void for_each_hashed(const NameIndex& table, std::size_t count, Next next, Visit visit) {
  constexpr std::size_t kSlotAhead = 16, kItemAhead = 10, kNameAhead = 5;
  std::array<std::string_view, kSlotAhead> names{};
  std::array<std::uint64_t, kSlotAhead> hashes{};
  const auto fetch = [&](std::size_t k) {
    names[k % kSlotAhead] = next();
    hashes[k % kSlotAhead] = NameIndex::hash(names[k % kSlotAhead]);
    table.prefetch_slot(hashes[k % kSlotAhead]);
  };
  for (std::size_t k = 0; k < std::min(count, kSlotAhead); ++k) fetch(k);
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kItemAhead < count) table.prefetch_item(hashes[(i + kItemAhead) % kSlotAhead]);
    if (i + kNameAhead < count) table.prefetch_name(hashes[(i + kNameAhead) % kSlotAhead]);
    const std::string_view name = names[i % kSlotAhead];
    const std::uint64_t hash = hashes[i % kSlotAhead];
    if (i + kSlotAhead < count) fetch(i + kSlotAhead);
    visit(i, name, hash);
  }
}

// Names -> index over `items` (`name(item)` gives one's name); duplicates reported against the
// first holder.
template <class T, class Name> void index_names(const std::vector<T>& items, std::string_view resource, Name name,
                                                NameIndex& map, std::string_view field,
                                                std::vector<std::string>& errors) {
  map = NameIndex(items.data(), sizeof(T),
                  [](const void* p, std::uint32_t i) { return std::string_view(Name{}(static_cast<const T*>(p)[i])); });
  map.reserve(items.size());
  std::size_t at = 0;
  for_each_hashed(
      map, items.size(), [&] { return std::string_view(name(items[at++])); },
      [&](std::size_t i, std::string_view n, std::uint64_t hash) {
        if (n.empty()) return; // reported as missing when parsed
        const std::uint32_t holder = map.insert(n, static_cast<std::uint32_t>(i), hash);
        if (holder != i)
          errors.push_back(
              fmt::format("{}: field \"{}\" duplicates {}[{}]", item(resource, i, n), field, resource, holder));
      });
}

// Every node name that items list (jobs' or events' `nodes`), resolved in one pass so the
// lookups overlap (see for_each_hashed): resolved[starts[i] + k] is item i's k-th node or kNone.
struct ResolvedNodes {
  std::vector<std::uint32_t> starts{0};
  std::vector<std::uint32_t> nodes;
  std::span<const std::uint32_t> of(std::size_t item) const {
    return {nodes.data() + starts[item], nodes.data() + starts[item + 1]};
  }
};

template <class T> ResolvedNodes resolve_nodes(const Snapshot& s, const std::vector<T>& items) {
  ResolvedNodes r;
  r.starts.reserve(items.size() + 1);
  std::size_t total = 0;
  for (const auto& it : items) {
    total += it.nodes.size();
    r.starts.push_back(static_cast<std::uint32_t>(total));
  }
  r.nodes.resize(total);
  std::size_t item = 0, k = 0; // the next name: items[item].nodes[k]
  const auto next = [&]() -> std::string_view {
    while (k == items[item].nodes.size()) {
      ++item;
      k = 0;
    }
    return items[item].nodes[k++];
  };
  const NameIndex& table = s.index.node_by_name;
  for_each_hashed(table, total, next, [&](std::size_t i, std::string_view name, std::uint64_t hash) {
    r.nodes[i] = table.find(name, hash);
  });
  return r;
}

// Partitions and reservations the nodes name (docs/design.md): one Reservation per name, whose
// definitions on every node must agree.
void link_node_details(Snapshot& s, std::vector<std::string>& errors) {
  std::map<std::string_view, std::uint32_t> partitions, reservations;
  for (const auto& n : s.nodes) {
    if (!n.detail) continue;
    for (auto p : n.detail->partitions) partitions.emplace(p, 0);
  }
  if (!partitions.empty()) {
    for (auto& [name, index] : partitions) {
      index = static_cast<std::uint32_t>(s.partitions.size());
      s.partitions.emplace_back(name);
    }
  }
  Groups::Builder partition_nodes(s.partitions.size()), node_reservations(s.nodes.size());
  bool any_reservation = false;
  const auto names = [](std::span<const std::string_view> list) {
    return std::vector<std::string>(list.begin(), list.end());
  };
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const Node& n = s.nodes[i];
    if (!n.detail) continue;
    for (auto p : n.detail->partitions) partition_nodes.add(partitions[p], static_cast<std::uint32_t>(i));
    for (std::size_t k = 0; k < n.detail->reservations.size(); ++k) {
      const ReservationUse& r = n.detail->reservations[k];
      auto [it, fresh] = reservations.emplace(r.name, static_cast<std::uint32_t>(s.reservations.size()));
      if (fresh)
        s.reservations.push_back({std::string(r.name), r.start, r.end, names(r.namespaces), names(r.users), {}});
      Reservation& held = s.reservations[it->second];
      if (held.start != r.start || held.end != r.end || held.namespaces != names(r.namespaces) ||
          held.users != names(r.users)) {
        errors.push_back(fmt::format("{}: field \"reservations[{}]\" defines reservation \"{}\" unlike node \"{}\" "
                                     "(start, end, namespaces and users must agree)",
                                     item("nodes", i, n.name), k, r.name, s.nodes[held.nodes.front()].name));
        continue;
      }
      held.nodes.push_back(static_cast<std::uint32_t>(i));
      node_reservations.add(static_cast<std::uint32_t>(i), it->second);
      any_reservation = true;
    }
  }
  if (!s.partitions.empty()) s.index.partition_nodes = std::move(partition_nodes).build();
  if (any_reservation) s.index.node_reservations = std::move(node_reservations).build();
}

void link_nodes(Snapshot& s, std::vector<std::string>& errors, std::vector<std::string>& warnings) {
  auto& ix = s.index;
  Groups::Builder cluster_nodes(s.clusters.size());
  std::vector<NameIndex> island_by_name(s.clusters.size()); // per cluster: island name -> island
  const auto island_name = [](const void* p, std::uint32_t i) {
    return std::string_view((*static_cast<const std::vector<Island>*>(p))[i].name);
  };
  for (auto& table : island_by_name) table = NameIndex(&ix.islands, 0, island_name); // islands grow meanwhile
  std::map<std::string, std::size_t, std::less<>> odd_health; // value -> count, sorted for stable warnings
  const Node* previous = nullptr; // nodes usually come island by island: skip the lookup then
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    Node& n = s.nodes[i];
    n.healthy = n.healthy_given >= 0 ? n.healthy_given == 1 : n.health == "healthy";
    if (n.healthy_given < 0 && !n.healthy && n.health != "unhealthy") {
      auto it = odd_health.find(n.health);
      if (it == odd_health.end()) it = odd_health.emplace(std::string(n.health), 0).first;
      ++it->second;
    }
    if (n.cluster.empty()) continue;
    n.cluster_index = previous && previous->cluster == n.cluster ? previous->cluster_index : s.find_cluster(n.cluster);
    if (n.cluster_index == kNone) {
      errors.push_back(
          fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", item("nodes", i, n.name), n.cluster));
      continue;
    }
    cluster_nodes.add(n.cluster_index, static_cast<std::uint32_t>(i));
    if (previous && previous->cluster_index == n.cluster_index && previous->island == n.island) {
      n.island_index = previous->island_index;
    } else {
      const auto fresh = static_cast<std::uint32_t>(ix.islands.size());
      NameIndex& islands = island_by_name[n.cluster_index];
      n.island_index = islands.find(n.island);
      if (n.island_index == kNone) {
        ix.islands.push_back(Island{std::string(n.island), n.cluster_index, {}});
        n.island_index = islands.insert(n.island, fresh);
      }
    }
    ix.islands[n.island_index].nodes.push_back(static_cast<std::uint32_t>(i));
    previous = &n;
  }
  ix.cluster_nodes = std::move(cluster_nodes).build();
  link_node_details(s, errors);
  for (const auto& [value, count] : odd_health)
    warnings.push_back(
        fmt::format("nodes: health \"{}\" is neither \"healthy\" nor \"unhealthy\"; {} {} as not healthy", value, count,
                    count == 1 ? "node with it counts" : "nodes with it count"));
}

// Each quota's parent by name, and each quota's children.
void link_parents(Snapshot& s, std::vector<std::string>& errors) {
  const std::size_t n = s.quotas.size();
  Groups::Builder children(n);
  for (std::size_t i = 0; i < n; ++i) {
    Quota& q = s.quotas[i];
    if (!q.parent) continue;
    q.parent_index = s.find_quota(*q.parent);
    if (q.parent_index == kNone)
      errors.push_back(
          fmt::format("{}: field \"parent\" names unknown quota \"{}\"", item("quotas", i, q.name), *q.parent));
    else
      children.add(q.parent_index, static_cast<std::uint32_t>(i));
  }
  s.index.quota_children = std::move(children).build();
}

// Cycles of parents, each reported with its chain and broken: walk up from each quota;
// colour 1 = on the current path, 2 = done.
void break_cycles(Snapshot& s, std::vector<std::string>& errors) {
  const std::size_t n = s.quotas.size();
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
      errors.push_back(
          fmt::format("{}: field \"parent\" makes a cycle: {}", item("quotas", at, s.quotas[at].name), chain));
      for (auto p : path) s.quotas[p].parent_index = p == at ? kNone : s.quotas[p].parent_index; // break it
    }
    for (auto p : path) colour[p] = 2;
  }
}

// Each quota's root, each chain walked once: walking up from every quota cost quadratic time
// on a deep chain (200,000 quotas: over a minute). Cycles are broken first, so this ends.
void link_roots(Snapshot& s) {
  const std::size_t n = s.quotas.size();
  std::vector<std::uint32_t> root_of(n, kNone);
  std::vector<std::uint32_t> chain;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t at = static_cast<std::uint32_t>(i);
    chain.clear();
    while (root_of[at] == kNone && s.quotas[at].parent_index != kNone) {
      chain.push_back(at);
      at = s.quotas[at].parent_index;
    }
    const std::uint32_t root = root_of[at] != kNone ? root_of[at] : at;
    root_of[at] = root;
    for (auto c : chain) root_of[c] = root;
  }
  for (std::size_t i = 0; i < n; ++i) s.quotas[i].tree_index = root_of[i];
}

// The limits belong to leaves, shared GPUs to groups.
void check_limits(const Quota& q, bool group, const std::string& who, std::vector<std::string>& errors) {
  if (group) { // the limits are a leaf's
    const std::array<std::pair<const char*, const std::optional<Gpus>*>, 2> limits = {
        {{"borrowing_limit", &q.borrowing_limit}, {"lending_limit", &q.lending_limit}}};
    for (const auto& [field, value] : limits)
      if (*value)
        errors.push_back(fmt::format("{}: field \"{}\" is {} but the quota is a group (it has children or no "
                                     "cluster); only leaves borrow and lend",
                                     who, field, **value));
  } else if (q.shared_gpus) {
    errors.push_back(fmt::format("{}: field \"shared_gpus\" is {} but the quota is a leaf; only groups share GPUs "
                                 "with their leaves",
                                 who, *q.shared_gpus));
  }
}

// Leaf or group: a quota with children is a group (no cluster, no GPUs of its own); one without
// is a leaf of its cluster, with its GPUs, or an empty group when it names no cluster.
void link_leaves(Snapshot& s, std::vector<std::string>& errors) {
  Groups::Builder cluster_leaves(s.clusters.size());
  for (std::size_t i = 0; i < s.quotas.size(); ++i) {
    Quota& q = s.quotas[i];
    const bool has_children = !s.index.quota_children[i].empty();
    const std::string who = item("quotas", i, q.name);
    check_limits(q, has_children || !q.cluster, who, errors);
    if (has_children) {
      q.leaf = false;
      if (q.cluster)
        errors.push_back(fmt::format(
            "{}: field \"cluster\" is \"{}\" but the quota has children; only leaves name a cluster", who, *q.cluster));
      if (q.gpus_given && q.gpus != 0)
        errors.push_back(
            fmt::format("{}: field \"gpus\" is {} but the quota has children; only leaves hold GPUs", who, q.gpus));
      continue;
    }
    if (!q.cluster) {
      q.leaf = false; // an empty group
      if (q.gpus_given)
        errors.push_back(
            fmt::format("{}: field \"cluster\" is missing; a leaf quota with gpus must name its cluster", who));
      continue;
    }
    q.cluster_index = s.find_cluster(*q.cluster);
    if (q.cluster_index == kNone)
      errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", who, *q.cluster));
    // A leaf without gpus but with caps promises nothing: cap-only (docs/design.md).
    q.cap_only = !q.gpus_given && !q.caps.empty();
    if (!q.gpus_given && !q.cap_only) errors.push_back(fmt::format("{}: field \"gpus\" is missing", who));
    q.leaf = true;
    if (q.cluster_index != kNone) cluster_leaves.add(q.cluster_index, static_cast<std::uint32_t>(i));
  }
  s.index.cluster_leaves = std::move(cluster_leaves).build();
}

void link_quotas(Snapshot& s, std::vector<std::string>& errors) {
  link_parents(s, errors);
  break_cycles(s, errors);
  link_roots(s);
  link_leaves(s, errors);
}

// Node names of a job or event (`resolved` as resolve_nodes found them): each must exist and
// lie in `cluster`.
template <class Names, class Who>
void link_node_list(const Snapshot& s, const Names& names, std::span<const std::uint32_t> resolved,
                    std::uint32_t cluster, Who who, std::vector<std::uint32_t>& out, std::vector<std::string>& errors) {
  out.clear();
  out.reserve(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto& name = names[k];
    const std::uint32_t node = resolved[k];
    if (node == kNone) {
      errors.push_back(fmt::format("{}: field \"nodes\" names unknown node \"{}\"", who(), name));
    } else if (cluster != kNone && s.nodes[node].cluster_index != cluster) {
      // A node of an unknown cluster was reported already; a second error would only echo it.
      if (s.nodes[node].cluster_index != kNone)
        errors.push_back(fmt::format("{}: field \"nodes\" names node \"{}\" of cluster \"{}\", not \"{}\"", who(), name,
                                     s.nodes[node].cluster, s.clusters[cluster].name));
    } else {
      out.push_back(node);
    }
  }
}

// Job names are unique (nothing else needs them indexed): a stage of its own, so it can run on
// one core while link_jobs runs on the other.
void check_job_names(const Snapshot& s, std::vector<std::string>& errors) {
  NameIndex names;
  index_names(
      s.jobs, "jobs", [](const Job& j) -> std::string_view { return j.name; }, names, "name", errors);
}

// Caps (docs/design.md): one per name over the leaves' and jobs' definitions, which must agree;
// every name used must be defined somewhere. Then each leaf's caps, and each job's (its own, else
// its leaf's).
void link_caps(Snapshot& s, std::vector<std::string>& errors) {
  std::map<std::string_view, std::uint32_t> by_name;
  std::vector<std::string> defined_by; // per cap: the item that defined it first, for messages
  const auto define = [&](const CapUse& c, const std::string& who, std::string_view field) {
    auto [it, fresh] = by_name.emplace(c.name, static_cast<std::uint32_t>(s.caps.size()));
    if (fresh) {
      Cap cap{std::string(c.name), c.gpus, std::string(c.cluster), kNone};
      if (!c.cluster.empty()) {
        cap.cluster_index = s.find_cluster(c.cluster);
        if (cap.cluster_index == kNone)
          errors.push_back(fmt::format("{}: field \"{}\" names unknown cluster \"{}\"", who, field, c.cluster));
      }
      s.caps.push_back(std::move(cap));
      defined_by.push_back(who);
      return;
    }
    const Cap& held = s.caps[it->second];
    if (held.gpus != c.gpus || held.cluster != c.cluster)
      errors.push_back(fmt::format("{}: field \"{}\" defines cap \"{}\" as {} GPUs{}, but {} defines it as {} GPUs{}",
                                   who, field, c.name, c.gpus, c.cluster.empty() ? "" : " in " + std::string(c.cluster),
                                   defined_by[it->second], held.gpus,
                                   held.cluster.empty() ? "" : " in " + held.cluster));
  };
  const auto each_use = [&](auto&& visit) {
    for (std::size_t i = 0; i < s.quotas.size(); ++i)
      for (std::size_t k = 0; k < s.quotas[i].caps.size(); ++k)
        visit(
            s.quotas[i].caps[k], [&] { return item("quotas", i, s.quotas[i].name); }, k);
    for (std::size_t i = 0; i < s.jobs.size(); ++i)
      if (const JobDetail* d = s.jobs[i].detail)
        for (std::size_t k = 0; k < d->caps.size(); ++k)
          visit(
              d->caps[k], [&] { return item("jobs", i, s.jobs[i].name); }, k);
  };
  each_use([&](const CapUse& c, auto who, std::size_t k) {
    if (c.defines) define(c, who(), fmt::format("caps[{}]", k));
  });
  if (s.caps.empty() &&
      std::none_of(s.jobs.begin(), s.jobs.end(), [](const Job& j) { return j.detail && !j.detail->caps.empty(); }) &&
      std::none_of(s.quotas.begin(), s.quotas.end(), [](const Quota& q) { return !q.caps.empty(); }))
    return;
  const auto find = [&](const CapUse& c, auto who, std::size_t k) -> std::uint32_t {
    const auto it = by_name.find(c.name);
    if (it != by_name.end()) return it->second;
    errors.push_back(fmt::format("{}: field \"caps[{}]\" names cap \"{}\", which no quota or job defines (give "
                                 "{{\"name\", \"gpus\", \"cluster\"}} once)",
                                 who(), k, c.name));
    return kNone;
  };
  for (std::size_t i = 0; i < s.quotas.size(); ++i)
    for (std::size_t k = 0; k < s.quotas[i].caps.size(); ++k)
      if (auto c = find(
              s.quotas[i].caps[k], [&] { return item("quotas", i, s.quotas[i].name); }, k);
          c != kNone)
        s.quotas[i].cap_indices.push_back(c);
  Groups::Builder job_caps(s.jobs.size());
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    const Job& j = s.jobs[i];
    const auto member = static_cast<std::uint32_t>(i);
    if (j.detail && j.detail->caps_given) {
      for (std::size_t k = 0; k < j.detail->caps.size(); ++k)
        if (auto c = find(
                j.detail->caps[k], [&] { return item("jobs", i, j.name); }, k);
            c != kNone)
          job_caps.add(member, c);
    } else if (j.quota_index != kNone) {
      for (auto c : s.quotas[j.quota_index].cap_indices) job_caps.add(member, c);
    }
  }
  s.index.job_caps = std::move(job_caps).build();
}

void link_jobs(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  Groups::Builder quota_jobs(s.quotas.size()), cluster_jobs(s.clusters.size()), node_jobs(s.nodes.size());
  const ResolvedNodes resolved = resolve_nodes(s, s.jobs);
  std::vector<std::uint32_t> nodes; // one job's, then kept in s.job_node_indices
  const Job* previous = nullptr;    // jobs come grouped: equal quota or cluster, same lookup
  const auto same = [](std::string_view a, std::string_view b) { return a.data() == b.data() && a.size() == b.size(); };
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    Job& j = s.jobs[i];
    // Checking a job's nodes reads each node: fetch the nodes of the job 8 ahead meanwhile.
    if (i + 8 < s.jobs.size())
      for (auto node : resolved.of(i + 8))
        if (node != kNone) __builtin_prefetch(&s.nodes[node].cluster_index);
    const auto who = [&] { return item("jobs", i, j.name); }; // formatted only for an error
    std::uint32_t want_cluster = kNone;                       // the leaf quota's cluster
    if (!j.flex && !j.quota.empty()) {
      j.quota_index = previous && same(previous->quota, j.quota) && previous->quota_index != kNone
                          ? previous->quota_index
                          : s.find_quota(j.quota);
      if (j.quota_index == kNone) {
        errors.push_back(
            fmt::format("{}: field \"quota\" names unknown quota \"{}\" (a leaf quota or \"flex\")", who(), j.quota));
      } else if (!s.quotas[j.quota_index].leaf) {
        errors.push_back(
            fmt::format("{}: field \"quota\" names \"{}\", which is not a leaf quota with a cluster", who(), j.quota));
        j.quota_index = kNone;
      } else {
        want_cluster = s.quotas[j.quota_index].cluster_index;
      }
    }
    if (j.cluster) {
      j.cluster_index =
          previous && previous->cluster && same(*previous->cluster, *j.cluster) && previous->cluster_index != kNone
              ? previous->cluster_index
              : s.find_cluster(*j.cluster);
      if (j.cluster_index == kNone)
        errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", who(), *j.cluster));
      else if (want_cluster != kNone && j.cluster_index != want_cluster)
        errors.push_back(fmt::format("{}: field \"cluster\" is \"{}\" but quota \"{}\" is in cluster \"{}\"", who(),
                                     *j.cluster, j.quota, s.clusters[want_cluster].name));
    } else if (j.running()) {
      errors.push_back(fmt::format("{}: field \"cluster\" is missing; a running job must name its cluster", who()));
    } else {
      j.cluster_index = want_cluster;
    }
    link_node_list(s, j.nodes, resolved.of(i), j.cluster_index, who, nodes, errors);
    j.node_indices = s.job_node_indices.store(nodes);
    if (j.quota_index != kNone) quota_jobs.add(j.quota_index, static_cast<std::uint32_t>(i));
    if (j.cluster_index != kNone) cluster_jobs.add(j.cluster_index, static_cast<std::uint32_t>(i));
    if (j.running())
      for (auto node : j.node_indices) node_jobs.add(node, static_cast<std::uint32_t>(i));
    previous = &j;
  }
  ix.quota_jobs = std::move(quota_jobs).build();
  ix.cluster_jobs = std::move(cluster_jobs).build();
  ix.node_jobs = std::move(node_jobs).build();
  link_caps(s, errors);
}

void link_events(Snapshot& s, std::vector<std::string>& errors) {
  auto& ix = s.index;
  Groups::Builder cluster_events(s.clusters.size()), node_events(s.nodes.size());
  NameIndex ids;
  index_names(
      s.maintenance, "maintenance", [](const MaintenanceEvent& e) -> std::string_view { return e.id; }, ids, "id",
      errors);
  const ResolvedNodes resolved = resolve_nodes(s, s.maintenance);
  std::vector<std::uint32_t> nodes; // one event's, then kept in s.event_node_indices
  for (std::size_t i = 0; i < s.maintenance.size(); ++i) {
    MaintenanceEvent& e = s.maintenance[i];
    if (i + 8 < s.maintenance.size())
      for (auto node : resolved.of(i + 8))
        if (node != kNone) __builtin_prefetch(&s.nodes[node].cluster_index);
    const auto who = [&] { return item("maintenance", i, e.id); }; // formatted only for an error
    if (!e.cluster.empty()) {
      e.cluster_index = s.find_cluster(e.cluster);
      if (e.cluster_index == kNone)
        errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"", who(), e.cluster));
    }
    if (e.start != 0 && e.end != 0 && !(e.start < e.end))
      errors.push_back(fmt::format("{}: field \"end\" ({}) must be after \"start\" ({})", who(), format_rfc3339(e.end),
                                   format_rfc3339(e.start)));
    link_node_list(s, e.nodes, resolved.of(i), e.cluster_index, who, nodes, errors);
    e.node_indices = s.event_node_indices.store(nodes);
    if (e.cluster_index != kNone) cluster_events.add(e.cluster_index, static_cast<std::uint32_t>(i));
    for (auto node : e.node_indices) node_events.add(node, static_cast<std::uint32_t>(i));
  }
  ix.cluster_events = std::move(cluster_events).build();
  ix.node_events = std::move(node_events).build();
}

// The stages of link(), in the order their messages are reported, with what each needs.
enum Stage : std::size_t { kClusterNames, kNodes, kQuotas, kJobNames, kJobs, kEvents, kHealth, kStages };

constexpr std::uint32_t bit(Resource r) { return 1u << static_cast<std::uint32_t>(r); }
constexpr std::uint32_t kNeedsResources[kStages] = {
    bit(Resource::clusters), bit(Resource::nodes),       bit(Resource::quotas),        bit(Resource::jobs),
    bit(Resource::jobs),     bit(Resource::maintenance), bit(Resource::health_history)};
constexpr std::uint32_t kNeedsStages[kStages] = {0,
                                                 1u << kClusterNames,
                                                 1u << kClusterNames,
                                                 0,
                                                 (1u << kNodes) | (1u << kQuotas),
                                                 1u << kNodes,
                                                 1u << kClusterNames};

void run_stage(Snapshot& s, Stage stage, std::vector<std::string>& errors, std::vector<std::string>& warnings) {
  auto& ix = s.index;
  switch (stage) {
  case kClusterNames:
    index_names(
        s.clusters, "clusters", [](const Cluster& c) -> std::string_view { return c.name; }, ix.cluster_by_name, "name",
        errors);
    break;
  case kNodes:
    index_names(
        s.nodes, "nodes", [](const Node& n) -> std::string_view { return n.name; }, ix.node_by_name, "name", errors);
    link_nodes(s, errors, warnings);
    break;
  case kQuotas:
    index_names(
        s.quotas, "quotas", [](const Quota& q) -> std::string_view { return q.name; }, ix.quota_by_name, "name",
        errors);
    link_quotas(s, errors);
    break;
  case kJobNames: check_job_names(s, errors); break;
  case kJobs: link_jobs(s, errors); break;
  case kEvents: link_events(s, errors); break;
  case kHealth:
    for (std::size_t i = 0; i < s.health_history.size(); ++i) {
      HealthSample& h = s.health_history[i];
      if (h.cluster.empty()) continue; // reported as missing when parsed
      h.cluster_index = s.find_cluster(h.cluster);
      if (h.cluster_index == kNone)
        errors.push_back(fmt::format("{}: field \"cluster\" names unknown cluster \"{}\"",
                                     item("health_history", i, h.cluster), h.cluster));
    }
    break;
  case kStages: break;
  }
}

} // namespace

struct Linker::State {
  Snapshot& snap;
  std::mutex mutex;
  std::condition_variable changed;
  std::uint32_t parsed = 0, finished = 0; // resources: parsed fine / done either way
  std::uint32_t started = 0, done = 0;    // stages
  std::array<std::vector<std::string>, kStages> errors, warnings;
  std::exception_ptr crashed;

  explicit State(Snapshot& s) : snap(s) {}

  // A stage whose resources are parsed and whose earlier stages are done; kStages if none.
  std::size_t ready() const {
    for (std::size_t i = 0; i < kStages; ++i)
      if (!(started & (1u << i)) && (parsed & kNeedsResources[i]) == kNeedsResources[i] &&
          (done & kNeedsStages[i]) == kNeedsStages[i])
        return i;
    return kStages;
  }
  bool settled() const { // nothing runs and nothing more can start
    return started == done && (ready() == kStages) &&
           (finished == (1u << kResources.size()) - 1 || done == (1u << kStages) - 1);
  }

  // Runs ready stages on the calling thread; with `wait`, also waits for more until settled.
  void drain(bool wait) {
    std::unique_lock lock(mutex);
    for (;;) {
      const std::size_t stage = ready();
      if (stage == kStages) {
        if (!wait || settled() || crashed) return;
        changed.wait(lock);
        continue;
      }
      started |= 1u << stage;
      lock.unlock();
      try {
        run_stage(snap, static_cast<Stage>(stage), errors[stage], warnings[stage]);
      } catch (...) {
        lock.lock();
        if (!crashed) crashed = std::current_exception();
        done |= 1u << stage;
        changed.notify_all();
        return;
      }
      lock.lock();
      done |= 1u << stage;
      changed.notify_all();
    }
  }
};

Linker::Linker(Snapshot& snap) : state_(std::make_unique<State>(snap)) {}
Linker::~Linker() = default;

void Linker::parsed(Resource r, bool ok) {
  {
    std::lock_guard lock(state_->mutex);
    state_->finished |= bit(r);
    if (ok) state_->parsed |= bit(r);
    state_->changed.notify_all();
  }
  state_->drain(false);
}

void Linker::run_until_done() { state_->drain(true); }

bool Linker::complete() const {
  std::lock_guard lock(state_->mutex);
  return state_->done == (1u << kStages) - 1;
}

void Linker::take(std::vector<std::string>& errors, std::vector<std::string>& warnings) {
  std::lock_guard lock(state_->mutex);
  if (state_->crashed) std::rethrow_exception(state_->crashed);
  for (auto& e : state_->errors) errors.insert(errors.end(), e.begin(), e.end());
  for (auto& w : state_->warnings) warnings.insert(warnings.end(), w.begin(), w.end());
}

void link(Snapshot& s, std::vector<std::string>& errors) {
  std::vector<std::string> warnings;
  for (std::size_t stage = 0; stage < kStages; ++stage) run_stage(s, static_cast<Stage>(stage), errors, warnings);
  s.warnings.insert(s.warnings.end(), warnings.begin(), warnings.end());
}

} // namespace fleetcap
