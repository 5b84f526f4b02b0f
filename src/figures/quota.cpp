// docs/figures.md (leaf quota figures) and docs/concepts.md (quota trees, sibling borrowing, access).
#include "fleetcap/figures/quota.hpp"

#include "fleetcap/figures/flex.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

namespace fleetcap {

void QuotaFigures::add(const QuotaFigures& leaf) {
  assigned += leaf.assigned;
  used += leaf.used;
  free += leaf.free;
  borrowed += leaf.borrowed;
  unbacked += leaf.unbacked;
}

std::vector<CapFigures> cap_figures(const Snapshot& snap) {
  std::vector<CapFigures> out(snap.caps.size());
  for (std::size_t c = 0; c < snap.caps.size(); ++c) out[c].gpus = snap.caps[c].gpus;
  if (snap.index.job_caps.size() != 0)
    for (std::size_t j = 0; j < snap.jobs.size(); ++j) {
      const Job& job = snap.jobs[j];
      if (!job.running()) continue;
      for (auto c : snap.index.job_caps[j])
        if (snap.caps[c].holds_in(job.cluster_index)) out[c].used += job.gpus;
    }
  for (auto& f : out) f.free = std::max<Gpus>(0, f.gpus - f.used);
  return out;
}

namespace {

// Idle reserved GPUs in cluster c that a leaf's namespaces may use (docs/design.md: Rq).
Gpus reserved_for(const Snapshot& snap, const FleetAt& fleet, std::uint32_t c, const Quota& q) {
  if (fleet.reserved_idle.empty() || !q.access) return 0;
  Gpus g = 0;
  for (const auto& [r, idle] : fleet.reserved_idle[c]) {
    const Reservation& res = snap.reservations[r]; // clang 14 captures no structured binding
    if (std::any_of(q.access->begin(), q.access->end(), [&](const std::string& ns) { return res.serves(ns); }))
      g += idle;
  }
  return g;
}

// `available` held down by the leaf's caps that hold in its cluster; notes the binding one.
void apply_caps(const Snapshot& snap, const std::vector<CapFigures>& caps, std::uint32_t q, QuotaFigures& f) {
  const Quota& quota = snap.quotas[q];
  for (auto c : quota.cap_indices) {
    if (!snap.caps[c].holds_in(quota.cluster_index) || caps[c].free >= f.available) continue;
    f.available = caps[c].free;
    f.capped_by = c;
  }
}

// P, U, B of docs/figures.md: sums over the leaves of one tree in one cluster; B' (docs/design.md)
// counts only borrowed GPUs of jobs not marked `reclaimable: false`.
struct TreeSums {
  Gpus assigned = 0, used = 0, borrowed = 0, reclaimable = 0;
};

// The leaf's own figures (docs/figures.md: assigned, used, free, borrowed), and what it adds to its tree.
void own_figures(const Snapshot& snap, std::uint32_t q, QuotaFigures& f, TreeSums& t) {
  const Quota& quota = snap.quotas[q];
  f.assigned = quota.gpus;
  Gpus may_reclaim = 0; // GPUs of its running jobs a lender may reclaim
  for (auto j : snap.index.quota_jobs[q]) {
    const Job& job = snap.jobs[j];
    if (!job.running()) continue;
    f.used += job.gpus;
    if (job.reclaimable != 0) may_reclaim += job.gpus;
  }
  if (quota.cap_only) return; // promises nothing, borrows nothing (docs/design.md)
  f.free = std::max<Gpus>(0, f.assigned - f.used);
  f.borrowed = std::max<Gpus>(0, f.used - f.assigned);
  t.assigned += f.assigned;
  t.used += f.used;
  t.borrowed += f.borrowed;
  t.reclaimable += std::min(f.borrowed, may_reclaim);
}

} // namespace

std::vector<QuotaFigures> leaf_quota_figures(const Snapshot& snap, const FleetAt& fleet) {
  std::vector<QuotaFigures> out(snap.quotas.size());
  const std::vector<CapFigures> caps = cap_figures(snap);
  for (std::size_t c = 0; c < snap.clusters.size(); ++c) {
    const auto& leaves = snap.index.cluster_leaves[c];
    std::map<std::uint32_t, TreeSums> trees;
    for (auto q : leaves) own_figures(snap, q, out[q], trees[snap.quotas[q].tree_index]);
    // What a new job may take beside free GPUs: max(0, H − Uq) in docs/figures.md; less stable use and
    // GPUs only a reservation's accounts may use (docs/design.md).
    const ClusterFigures& cf = fleet.clusters[c];
    const Gpus pool = std::max<Gpus>(0, cf.healthy - cf.inquota_used - cf.flex_stable_used - cf.reserved_free);
    std::vector<Gpus> weights;
    std::vector<std::string_view> names;
    for (auto q : leaves) {
      QuotaFigures& f = out[q];
      const Quota& quota = snap.quotas[q];
      const TreeSums& t = trees[quota.tree_index];
      const Gpus capacity = pool + reserved_for(snap, fleet, static_cast<std::uint32_t>(c), quota);
      if (quota.cap_only) {
        f.available = capacity;
      } else {
        f.borrowable = std::max<Gpus>(0, std::max<Gpus>(0, t.assigned - t.used) - f.free);
        // A borrowing limit caps borrowable, as docs/kubernetes.md says ("cap borrowable by
        // borrowingLimit"); docs/quota.md says why not the limit less what is borrowed now.
        if (const auto& limit = quota.borrowing_limit) f.borrowable = std::min(f.borrowable, *limit);
        const Gpus reclaim = quota.reclaims ? std::min(f.free, t.reclaimable) : 0;
        f.available = std::min(f.free + f.borrowable, capacity + reclaim);
      }
      apply_caps(snap, caps, q, f);
      weights.push_back(f.assigned);
      names.push_back(quota.name);
    }
    const auto unbacked = split_largest_remainder(fleet.clusters[c].unbacked, weights, names);
    for (std::size_t i = 0; i < leaves.size(); ++i) out[leaves[i]].unbacked = unbacked[i];
  }
  return out;
}

bool preempts_before(const Job& a, const Job& b) {
  if (a.priority != b.priority) return a.priority < b.priority;
  if (a.running() != b.running()) return !a.running();
  if (a.started_at != b.started_at) {
    if (!a.started_at || !b.started_at) return a.started_at.has_value(); // none = oldest = last
    return *a.started_at > *b.started_at;
  }
  return a.name < b.name;
}

namespace {

std::vector<std::uint32_t> by_name(const Snapshot& snap, std::span<const std::uint32_t> group) {
  std::vector<std::uint32_t> quotas(group.begin(), group.end());
  std::sort(quotas.begin(), quotas.end(),
            [&](std::uint32_t a, std::uint32_t b) { return snap.quotas[a].name < snap.quotas[b].name; });
  return quotas;
}

// Appends `top` and what lies below it in tree order, keeping the leaves `keep` accepts and the
// groups above them. Returns whether anything was kept. Iterative, and each group adds up its
// children's sums: a parent chain 200,000 deep neither overflows the stack nor costs quadratic
// time (summing every row below each group did).
bool walk(const Snapshot& snap, const std::vector<QuotaFigures>& figures, std::uint32_t top, int depth,
          const std::function<bool(std::uint32_t)>& keep, std::vector<QuotaRow>& rows) {
  struct Frame {
    std::size_t at; // the group's row
    std::vector<std::uint32_t> children;
    std::size_t next = 0;
  };
  std::vector<Frame> stack;
  // A leaf is decided at once (kept or not); a group is pushed and decided when its children are.
  auto enter = [&](std::uint32_t q, int d) -> std::optional<bool> {
    if (snap.quotas[q].leaf) {
      if (!keep(q)) return false;
      rows.push_back(QuotaRow{q, d, true, 1, figures[q]});
      return true;
    }
    stack.push_back(Frame{rows.size(), by_name(snap, snap.index.quota_children[q])});
    rows.push_back(QuotaRow{q, d, false, 0, {}});
    return std::nullopt;
  };
  // A kept child (its row at `child_at`) counts toward the group on top of the stack.
  auto count = [&](std::size_t child_at) {
    QuotaRow& group = rows[stack.back().at];
    group.figures.add(rows[child_at].figures);
    group.leaves += rows[child_at].leaves;
  };
  if (auto decided = enter(top, depth)) return *decided;
  bool kept_top = false;
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next < f.children.size()) {
      const std::uint32_t child = f.children[f.next++];
      const int d = rows[f.at].depth + 1;
      const std::size_t before = rows.size();
      if (auto decided = enter(child, d); decided && *decided) count(before); // `f` may be gone now
      continue;
    }
    const std::size_t at = f.at;
    stack.pop_back();
    const bool kept = rows[at].leaves > 0; // a kept group holds at least one kept leaf
    if (!kept) rows.resize(at);
    if (stack.empty())
      kept_top = kept;
    else if (kept)
      count(at);
  }
  return kept_top;
}

std::vector<std::uint32_t> roots(const Snapshot& snap) {
  std::vector<std::uint32_t> out;
  for (std::size_t q = 0; q < snap.quotas.size(); ++q)
    if (snap.quotas[q].parent_index == kNone) out.push_back(static_cast<std::uint32_t>(q));
  return by_name(snap, std::move(out));
}

} // namespace

QuotaReport quota_tree(const Snapshot& snap, const FleetAt& fleet, const Selection& sel,
                       const std::optional<std::string>& ns) {
  QuotaReport r;
  r.at = fleet.at;
  r.ns = ns;
  const auto figures = leaf_quota_figures(snap, fleet);
  std::vector<std::uint8_t> chosen(snap.clusters.size(), 0);
  for (auto c : select_clusters(snap, sel)) chosen[c] = 1;
  const auto keep = [&](std::uint32_t q) {
    const Quota& quota = snap.quotas[q];
    return quota.cluster_index != kNone && chosen[quota.cluster_index] && (!ns || quota.allows(*ns));
  };
  for (auto root : roots(snap)) walk(snap, figures, root, 0, keep, r.rows);
  if (ns) {
    // A flat list of what the namespace may target, and the flex beside each.
    std::erase_if(r.rows, [](const QuotaRow& row) { return !row.leaf; });
    std::map<std::uint32_t, NamespaceFlex> flex_of;
    for (auto& row : r.rows) {
      row.depth = 0;
      const auto c = snap.quotas[row.quota].cluster_index;
      auto it = flex_of.find(c);
      if (it == flex_of.end())
        it = flex_of.emplace(c, namespace_flex(flex_namespaces(snap, fleet, c), fleet.clusters[c], *ns)).first;
      row.flex_free = fleet.clusters[c].flex_free;
      row.flex_stable_free = fleet.clusters[c].flex_stable_free;
      row.fair_share = it->second.fair_share;
      row.ns_flex_used = it->second.flex_used;
      row.flex_within_share = std::min(row.flex_free, std::max<Gpus>(0, row.fair_share - row.ns_flex_used));
      const Gpus available = row.figures.available;
      row.serve = available > 0               ? QuotaRow::Serve::quota
                  : row.flex_within_share > 0 ? QuotaRow::Serve::flex
                                              : QuotaRow::Serve::none;
    }
  }
  for (const auto& row : r.rows)
    if (row.leaf) r.totals.add(row.figures);
  if (!snap.caps.empty()) {
    r.cap_use = cap_figures(snap);
    std::set<std::uint32_t> shown;
    for (const auto& row : r.rows)
      if (row.leaf)
        for (auto c : snap.quotas[row.quota].cap_indices) shown.insert(c);
    r.caps.assign(shown.begin(), shown.end());
    std::sort(r.caps.begin(), r.caps.end(),
              [&](std::uint32_t a, std::uint32_t b) { return snap.caps[a].name < snap.caps[b].name; });
  }
  return r;
}

NotSchedulable not_schedulable(const Snapshot& snap, const FleetAt& fleet, std::uint32_t cluster) {
  NotSchedulable d;
  for (auto n : snap.index.cluster_nodes[cluster]) {
    if (fleet.schedulable[n]) continue;
    const Node& node = snap.nodes[n];
    if (!node.healthy) {
      d.unhealthy += node.gpus;
      ++d.unhealthy_nodes;
    } else if (node.cordoned) {
      d.cordoned += node.gpus;
      ++d.cordoned_nodes;
    } else {
      d.maintenance += node.gpus;
      ++d.maintenance_nodes;
    }
  }
  return d;
}

QuotaDetail quota_detail(const Snapshot& snap, const FleetAt& fleet, std::uint32_t quota) {
  QuotaDetail d;
  const auto figures = leaf_quota_figures(snap, fleet);
  const Quota& q = snap.quotas[quota];
  std::vector<std::uint32_t> leaves;
  if (q.leaf) {
    d.row = QuotaRow{quota, 0, true, 1, figures[quota]};
    leaves.push_back(quota);
    const auto c = q.cluster_index;
    if (c != kNone) {
      for (auto other : by_name(snap, snap.index.cluster_leaves[c])) {
        if (snap.quotas[other].tree_index != q.tree_index) continue;
        d.tree.add(figures[other]);
        if (other != quota) d.siblings.push_back(QuotaRow{other, 0, true, 1, figures[other]});
      }
      d.tree_unused = std::max<Gpus>(0, d.tree.assigned - d.tree.used);
      d.cluster = fleet.clusters[c];
      d.cluster_leaves = snap.index.cluster_leaves[c].size();
      d.down = not_schedulable(snap, fleet, c);
    }
  } else {
    walk(
        snap, figures, quota, 0, [](std::uint32_t) { return true; }, d.subtree);
    if (!d.subtree.empty()) {
      d.row = d.subtree.front();
      d.subtree.erase(d.subtree.begin());
    } else {
      d.row = QuotaRow{quota, 0, false, 0, {}};
    }
    for (const auto& row : d.subtree)
      if (row.leaf) leaves.push_back(row.quota);
  }
  for (auto leaf : leaves)
    for (auto j : snap.index.quota_jobs[leaf]) d.jobs.push_back(j);
  std::sort(d.jobs.begin(), d.jobs.end(),
            [&](std::uint32_t a, std::uint32_t b) { return preempts_before(snap.jobs[a], snap.jobs[b]); });
  return d;
}

Lending lending(const QuotaRow& leaf) {
  return {leaf.figures.assigned, leaf.figures.used, leaf.figures.free, leaf.figures.borrowed};
}

Lending tree_lending(const QuotaDetail& d) { return {d.tree.assigned, d.tree.used, d.tree_unused, d.tree.borrowed}; }

} // namespace fleetcap
