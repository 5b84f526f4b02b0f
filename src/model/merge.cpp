// Several sources' snapshots as one fleet (fleetcap/model/merge.hpp, docs/sources.md "Names").
#include "fleetcap/model/merge.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/model/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace fleetcap {

FleetNames::FleetNames(std::span<const Snapshot> parts, std::vector<std::string> sources)
    : sources_(std::move(sources)), renames_(parts.size(), 0) {
  // Per kind: name -> the first part that has it. Names are unique within a part (validated).
  std::array<std::unordered_map<std::string_view, std::size_t>, kKinds> first;
  auto add = [&](Kind k, std::string_view name, std::size_t part) {
    const auto [it, fresh] = first[k].emplace(name, part);
    if (fresh || it->second == part) return;
    colliding_[k].emplace(name);
    renames_[part] = renames_[it->second] = 1;
  };
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const Snapshot& s = parts[p];
    for (const auto& c : s.clusters) add(cluster, c.name, p);
    for (const auto& n : s.nodes) add(node, n.name, p);
    for (const auto& q : s.quotas) add(quota, q.name, p);
    for (const auto& j : s.jobs) add(job, j.name, p);
    for (const auto& e : s.maintenance) add(event, e.id, p);
    for (const auto& c : s.caps) add(cap, c.name, p);
  }
}

std::optional<std::string> FleetNames::renamed(std::size_t part, Kind kind, std::string_view name) const {
  if (colliding_[kind].empty() || !colliding_[kind].contains(name)) return std::nullopt;
  return fmt::format("{}/{}", sources_[part], name);
}

namespace {
// The own name of a cluster renamed SOURCE/NAME (NAME), or empty.
std::string_view own_name(const Snapshot& snap, const Cluster& c) {
  if (snap.sources.size() < 2 || c.source >= snap.sources.size()) return {};
  const std::string& source = snap.sources[c.source].name;
  const std::string_view name = c.name;
  if (name.size() > source.size() + 1 && name.starts_with(source) && name[source.size()] == '/')
    return name.substr(source.size() + 1);
  return {};
}
} // namespace

std::vector<std::uint32_t> clusters_named(const Snapshot& snap, std::string_view word) {
  std::vector<std::uint32_t> out;
  auto each = [&](auto&& pred) {
    for (std::size_t i = 0; i < snap.clusters.size(); ++i)
      if (pred(snap.clusters[i])) out.push_back(static_cast<std::uint32_t>(i));
    return !out.empty();
  };
  // A cluster's own name, or a Slurm cluster's: the clusters of its GPU types (docs/slurm.md).
  if (each([&](const Cluster& c) { return c.name == word || (!c.slurm_cluster.empty() && c.slurm_cluster == word); }))
    return out;
  if (snap.sources.size() < 2) return out;
  if (each([&](const Cluster& c) { return c.source < snap.sources.size() && snap.sources[c.source].name == word; }))
    return out;
  each([&](const Cluster& c) { return own_name(snap, c) == word; });
  return out;
}

std::vector<std::string> cluster_words(const Snapshot& snap) {
  std::vector<std::string> out;
  for (const auto& c : snap.clusters) out.push_back(c.name);
  for (const auto& c : snap.clusters)
    if (!c.slurm_cluster.empty()) out.push_back(c.slurm_cluster);
  if (snap.sources.size() > 1) {
    for (const auto& s : snap.sources) out.push_back(s.name);
    for (const auto& c : snap.clusters)
      if (const auto own = own_name(snap, c); !own.empty()) out.emplace_back(own);
  }
  std::vector<std::string> unique; // the clusters' own order first, as the suggestions list them
  for (auto& w : out)
    if (std::find(unique.begin(), unique.end(), w) == unique.end()) unique.push_back(std::move(w));
  return unique;
}

namespace {

// Moves one part's items into `out`, renamed; their text stays where it is (merged_text).
class Mover {
public:
  Mover(Snapshot& out, const FleetNames& names, std::size_t part) : out_(out), names_(names), part_(part) {}

  void move(Snapshot& in, std::uint32_t source) {
    for (auto& c : in.clusters) {
      rename(FleetNames::cluster, c.name);
      c.source = source;
      out_.clusters.push_back(std::move(c));
    }
    for (auto& n : in.nodes) {
      n.name = view(Resource::nodes, FleetNames::node, n.name);
      n.cluster = view(Resource::nodes, FleetNames::cluster, n.cluster);
      n.healthy = false;
      n.cluster_index = n.island_index = kNone;
      out_.nodes.push_back(std::move(n));
    }
    for (auto& q : in.quotas) {
      rename(FleetNames::quota, q.name);
      if (q.parent) rename(FleetNames::quota, *q.parent);
      if (q.cluster) rename(FleetNames::cluster, *q.cluster);
      for (auto& c : q.caps) rename_cap(Resource::quotas, c);
      q.cap_indices.clear(); // link() finds them again in the fleet's caps
      q.parent_index = q.tree_index = q.cluster_index = kNone;
      q.leaf = true;
      out_.quotas.push_back(std::move(q));
    }
    for (auto& j : in.jobs) move_job(j);
    for (auto& e : in.maintenance) {
      e.id = view(Resource::maintenance, FleetNames::event, e.id);
      e.cluster = view(Resource::maintenance, FleetNames::cluster, e.cluster);
      e.nodes = node_list(Resource::maintenance, e.nodes);
      e.cluster_index = kNone;
      e.node_indices = {};
      out_.maintenance.push_back(std::move(e));
    }
    for (auto& h : in.health_history) {
      rename(FleetNames::cluster, h.cluster);
      h.cluster_index = kNone;
      out_.health_history.push_back(std::move(h));
    }
    out_.merged_text.push_back(std::move(in.text));
    out_.merged_node_issues.push_back(std::move(in.node_issues));
  }

private:
  void rename(FleetNames::Kind kind, std::string& name) const {
    if (auto r = names_.renamed(part_, kind, name)) name = std::move(*r);
  }
  std::string_view view(Resource r, FleetNames::Kind kind, std::string_view name) {
    if (auto renamed = names_.renamed(part_, kind, name)) return out_.text[static_cast<std::size_t>(r)].store(*renamed);
    return name;
  }
  // A list of node names, renamed (kept in the fleet's text of `r` when a name changed).
  std::span<const std::string_view> node_list(Resource r, std::span<const std::string_view> list) {
    if (names_.colliding(FleetNames::node) == 0 || list.empty()) return list;
    std::vector<std::string_view> nodes(list.begin(), list.end());
    bool changed = false;
    for (auto& n : nodes) {
      const std::string_view was = n;
      n = view(r, FleetNames::node, n);
      changed = changed || n.data() != was.data();
    }
    return changed ? out_.text[static_cast<std::size_t>(r)].store_list(nodes) : list;
  }
  // A cap a quota or job names or defines (docs/design.md, "What schedulers enforce"): its name
  // and its cluster follow the renaming.
  void rename_cap(Resource r, CapUse& c) {
    c.name = view(r, FleetNames::cap, c.name);
    if (!c.cluster.empty()) c.cluster = view(r, FleetNames::cluster, c.cluster);
  }
  void move_job(Job& j) {
    // The detail's caps live, not const, in the part's arena, which moves with the part's text.
    if (j.detail)
      for (const CapUse& c : j.detail->caps) rename_cap(Resource::jobs, const_cast<CapUse&>(c));
    j.name = view(Resource::jobs, FleetNames::job, j.name);
    if (!j.flex) j.quota = view(Resource::jobs, FleetNames::quota, j.quota);
    if (j.cluster) j.cluster = view(Resource::jobs, FleetNames::cluster, *j.cluster);
    j.nodes = node_list(Resource::jobs, j.nodes);
    j.quota_index = j.cluster_index = kNone; // flex is the parser's, from the quota "flex"
    j.node_indices = {};
    out_.jobs.push_back(std::move(j));
  }

  Snapshot& out_;
  const FleetNames& names_;
  std::size_t part_;
};

} // namespace

Snapshot merge_fleet(std::vector<Snapshot>& parts, const FleetNames& names,
                     const std::vector<std::uint32_t>& source_of) {
  Snapshot out;
  std::size_t sizes[5] = {};
  for (const auto& p : parts) {
    sizes[0] += p.clusters.size();
    sizes[1] += p.nodes.size();
    sizes[2] += p.quotas.size();
    sizes[3] += p.jobs.size();
    sizes[4] += p.maintenance.size();
  }
  out.clusters.reserve(sizes[0]);
  out.nodes.reserve(sizes[1]);
  out.quotas.reserve(sizes[2]);
  out.jobs.reserve(sizes[3]);
  out.maintenance.reserve(sizes[4]);
  for (std::size_t p = 0; p < parts.size(); ++p) {
    Mover(out, names, p).move(parts[p], source_of[p]);
    for (auto& w : parts[p].warnings) out.warnings.push_back(fmt::format("{}: {}", names.source(p), w));
    parts[p] = Snapshot();
  }
  // Linked again as one: every part was valid on its own, so what can fail here is only a name
  // the renaming made collide. The parts' warnings are kept; link()'s repeat them.
  std::vector<std::string> warnings = std::move(out.warnings), errors;
  out.warnings.clear();
  link(out, errors);
  out.warnings = std::move(warnings);
  if (!errors.empty()) {
    for (auto& e : errors) e = fmt::format("the fleet of every source: {}", e);
    throw DataError(std::move(errors));
  }
  return out;
}

} // namespace fleetcap
