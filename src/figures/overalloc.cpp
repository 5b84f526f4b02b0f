// docs/overalloc.md overallocation: buffer, target, cut, its split over leaf quotas, rollout phases and
// the jobs to preempt. Everything in integers; percentages are basis points.
#include "fleetcap/figures/overalloc.hpp"

#include "fleetcap/figures/quota.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace fleetcap {

std::optional<BasisPoints> parse_percent(std::string_view text) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 3 || !digits(whole)) return std::nullopt;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2 || !digits(fraction)))
    return std::nullopt;
  BasisPoints bp = 0;
  for (char c : whole) bp = bp * 10 + (c - '0');
  bp *= 100;
  if (fraction.size() >= 1) bp += (fraction[0] - '0') * 10;
  if (fraction.size() == 2) bp += fraction[1] - '0';
  if (bp > kWholeBp) return std::nullopt;
  return bp;
}

Gpus buffer_target(Gpus reference, BasisPoints bp) { return (kWholeBp - bp) * reference / kWholeBp; }

BasisPoints auto_buffer(Gpus median, Gpus p10_, BasisPoints lo, BasisPoints hi) {
  if (median <= 0) return hi;
  const Gpus dip = std::max<Gpus>(0, median - p10_);
  const BasisPoints bp = (kWholeBp * dip + median - 1) / median; // ceil
  return std::clamp(bp, lo, hi);
}

std::string_view to_string(CutPolicy p) { return p == CutPolicy::pro_rata ? "pro-rata" : "least-disruptive"; }

std::string_view to_string(BufferSource s) {
  switch (s) {
  case BufferSource::fixed: return "buffer";
  case BufferSource::per_cluster: return "buffer_for";
  case BufferSource::automatic: return "auto";
  case BufferSource::automatic_no_history: return "auto_no_history";
  }
  return "buffer";
}

std::vector<Gpus> split_cut(Gpus cut, const std::vector<CutInput>& leaves, CutPolicy policy) {
  const std::size_t n = leaves.size();
  std::vector<std::string_view> names(n);
  std::vector<Gpus> assigned(n), free(n);
  for (std::size_t i = 0; i < n; ++i) {
    names[i] = leaves[i].name;
    assigned[i] = leaves[i].assigned;
    free[i] = std::min(leaves[i].free, leaves[i].assigned);
  }
  if (policy == CutPolicy::pro_rata) return split_largest_remainder(cut, assigned, names);

  // Least-disruptive: unscheduled quota first, then idle jobs, then the rest.
  const Gpus all_free = std::accumulate(free.begin(), free.end(), Gpus{0});
  std::vector<Gpus> parts = split_largest_remainder(std::min(cut, all_free), free, names);
  Gpus left = cut - std::min(cut, all_free);

  std::vector<Gpus> idle(n);
  for (std::size_t i = 0; i < n; ++i) idle[i] = std::max<Gpus>(0, std::min(leaves[i].idle, assigned[i] - parts[i]));
  const Gpus all_idle = std::accumulate(idle.begin(), idle.end(), Gpus{0});
  const std::vector<Gpus> second = split_largest_remainder(std::min(left, all_idle), idle, names);
  left -= std::min(left, all_idle);

  std::vector<Gpus> rest(n);
  for (std::size_t i = 0; i < n; ++i) {
    parts[i] += second[i];
    rest[i] = assigned[i] - parts[i];
  }
  const std::vector<Gpus> third = split_largest_remainder(left, rest, names);
  for (std::size_t i = 0; i < n; ++i) parts[i] += third[i];
  return parts;
}

int cut_phase(Gpus cut, Gpus free, Gpus idle) {
  if (cut <= 0) return 1;
  if (cut <= free) return 2;
  if (cut <= free + idle) return 3;
  return 4;
}

CutSources cut_sources(Gpus cut, Gpus free, Gpus idle) {
  CutSources s;
  s.unscheduled = std::clamp<Gpus>(free, 0, cut);
  s.idle = std::clamp<Gpus>(idle, 0, cut - s.unscheduled);
  s.running = cut - s.unscheduled - s.idle;
  return s;
}

namespace {

void add_sources(CutSources& into, const CutSources& s) {
  into.unscheduled += s.unscheduled;
  into.idle += s.idle;
  into.running += s.running;
}

} // namespace

OverallocBasis overalloc_basis(const Snapshot& snap, const FleetAt& fleet, const Selection& sel,
                               const std::vector<HealthSample>& history, Duration window) {
  OverallocBasis b;
  b.at = fleet.at;
  b.window = history_window(fleet.at, window);
  const std::vector<HistoryStats> stats = cluster_history(snap, history, b.window);
  const std::vector<QuotaFigures> quota = leaf_quota_figures(snap, fleet); // docs/figures.md used, free
  for (auto c : select_clusters(snap, sel)) {
    OverallocBasis::ClusterBasis cb;
    cb.cluster = c;
    cb.healthy = fleet.clusters[c].healthy;
    cb.history = stats[c];
    cb.reference = cb.history.samples > 0 ? cb.history.median : cb.healthy;
    cb.assigned = fleet.clusters[c].assigned;
    for (auto q : snap.index.cluster_leaves[c]) {
      OverallocBasis::Leaf leaf;
      leaf.quota = q;
      leaf.assigned = quota[q].assigned;
      leaf.used = quota[q].used;
      leaf.free = quota[q].free;
      for (auto j : snap.index.quota_jobs[q]) {
        const Job& job = snap.jobs[j];
        if (!job.running()) continue;
        if (job.idle)
          leaf.idle += job.gpus;
        else
          leaf.preemptible.push_back(j);
      }
      std::sort(leaf.preemptible.begin(), leaf.preemptible.end(),
                [&](std::uint32_t x, std::uint32_t y) { return preempts_before(snap.jobs[x], snap.jobs[y]); });
      cb.leaves.push_back(std::move(leaf));
    }
    b.clusters.push_back(std::move(cb));
  }
  return b;
}

namespace {

// The cluster's buffer: --buffer-for's, else the fixed one, else from its history (--buffer auto),
// else, with nothing to learn from, the most cautious buffer allowed.
void choose_buffer(OverallocCluster& oc, const OverallocBasis::ClusterBasis& cb, const BufferChoice& buffer,
                   const std::string& name) {
  auto pinned = std::find_if(buffer.per_cluster.rbegin(), buffer.per_cluster.rend(),
                             [&](const auto& p) { return p.first == name; });
  if (pinned != buffer.per_cluster.rend()) {
    oc.buffer_bp = pinned->second;
    oc.buffer_source = BufferSource::per_cluster;
  } else if (!buffer.automatic) {
    oc.buffer_bp = buffer.bp;
    oc.buffer_source = BufferSource::fixed;
  } else if (cb.history.samples > 0) {
    oc.buffer_bp = auto_buffer(cb.history.median, cb.history.p10, buffer.auto_min, buffer.auto_max);
    oc.buffer_source = BufferSource::automatic;
  } else {
    oc.buffer_bp = buffer.auto_max;
    oc.buffer_source = BufferSource::automatic_no_history;
  }
}

// One leaf's share of its cluster's cut: where it comes from, its phase, and in phase 4 the
// running jobs preempted (in preemption order, until the GPUs taken from running jobs are covered).
OverallocQuota cut_quota(const OverallocBasis::Leaf& leaf, std::uint32_t cluster, Gpus cut, const Snapshot& snap) {
  OverallocQuota q;
  q.quota = leaf.quota;
  q.cluster = cluster;
  q.assigned = leaf.assigned;
  q.used = leaf.used;
  q.free = leaf.free;
  q.idle = leaf.idle;
  q.cut = cut;
  q.new_gpus = q.assigned - q.cut;
  q.from = cut_sources(q.cut, q.free, q.idle);
  q.phase = cut_phase(q.cut, q.free, q.idle);
  if (q.phase == 4) {
    for (auto j : leaf.preemptible) {
      if (q.gpus_preempted >= q.from.running) break;
      q.preempted.push_back(j);
      q.gpus_preempted += snap.jobs[j].gpus;
    }
  }
  return q;
}

// The cluster's cut split over its leaves, each leaf's share added to the cluster and the
// summary's phases.
void cut_leaves(OverallocReport& r, OverallocCluster& oc, const OverallocBasis::ClusterBasis& cb, const Snapshot& snap,
                CutPolicy policy) {
  std::vector<CutInput> inputs;
  inputs.reserve(cb.leaves.size());
  for (const auto& leaf : cb.leaves)
    inputs.push_back(CutInput{snap.quotas[leaf.quota].name, leaf.assigned, leaf.free, leaf.idle});
  const std::vector<Gpus> cuts = split_cut(oc.cut, inputs, policy);
  oc.first_quota = r.quotas.size();
  oc.quota_count = cb.leaves.size();
  for (std::size_t i = 0; i < cb.leaves.size(); ++i) {
    OverallocQuota q = cut_quota(cb.leaves[i], cb.cluster, cuts[i], snap);
    if (q.cut > 0) {
      ++oc.quotas_affected;
      oc.phase = std::max(oc.phase, q.phase);
      r.summary.cut_by_phase[q.phase] += q.cut;
    }
    add_sources(oc.from, q.from);
    oc.jobs_preempted += q.preempted.size();
    oc.gpus_preempted += q.gpus_preempted;
    r.quotas.push_back(std::move(q));
  }
}

void add_to_summary(OverallocSummary& sum, const OverallocCluster& oc) {
  ++sum.clusters;
  if (oc.cut > 0) ++sum.clusters_over_target;
  sum.assigned += oc.assigned;
  sum.cut += oc.cut;
  add_sources(sum.from, oc.from);
  sum.quotas_affected += oc.quotas_affected;
  sum.jobs_preempted += oc.jobs_preempted;
  sum.gpus_preempted += oc.gpus_preempted;
}

} // namespace

OverallocReport overalloc(const OverallocBasis& basis, const Snapshot& snap, const BufferChoice& buffer,
                          CutPolicy policy) {
  OverallocReport r;
  r.at = basis.at;
  r.window = basis.window;
  r.policy = policy;
  r.buffer = buffer;
  for (const auto& cb : basis.clusters) {
    OverallocCluster oc;
    oc.cluster = cb.cluster;
    oc.healthy = cb.healthy;
    oc.history = cb.history;
    oc.reference = cb.reference;
    oc.assigned = cb.assigned;
    choose_buffer(oc, cb, buffer, snap.clusters[cb.cluster].name);
    oc.target = buffer_target(oc.reference, oc.buffer_bp);
    oc.buffer_gpus = oc.reference - oc.target;
    oc.cut = std::max<Gpus>(0, oc.assigned - oc.target);
    cut_leaves(r, oc, cb, snap, policy);
    add_to_summary(r.summary, oc);
    r.clusters.push_back(std::move(oc));
  }
  return r;
}

std::vector<OverallocReport> overalloc_sweep(const OverallocBasis& basis, const Snapshot& snap, BufferChoice pinned,
                                             BasisPoints from, BasisPoints to, BasisPoints step, CutPolicy policy) {
  std::vector<OverallocReport> reports;
  pinned.automatic = false;
  for (BasisPoints bp = from; bp <= to; bp += step) {
    pinned.bp = bp;
    reports.push_back(overalloc(basis, snap, pinned, policy));
  }
  return reports;
}

std::vector<OverallocTree> overalloc_trees(const OverallocReport& report, const Snapshot& snap) {
  std::map<std::string_view, OverallocTree> trees;
  std::map<std::string_view, std::set<std::uint32_t>> clusters;
  for (const auto& q : report.quotas) {
    const std::uint32_t root = snap.quotas[q.quota].tree_index;
    const std::string_view name = snap.quotas[root].name;
    OverallocTree& t = trees[name];
    t.tree = root;
    clusters[name].insert(q.cluster);
    ++t.quotas;
    t.assigned += q.assigned;
    t.free += q.free;
    t.idle += q.idle;
    t.cut += q.cut;
    add_sources(t.from, q.from);
    if (q.cut > 0) {
      ++t.quotas_affected;
      t.phase = std::max(t.phase, q.phase);
    }
    t.jobs_preempted += q.preempted.size();
    t.gpus_preempted += q.gpus_preempted;
  }
  std::vector<OverallocTree> out;
  for (auto& [name, t] : trees) {
    t.clusters = clusters[name].size();
    out.push_back(t);
  }
  return out;
}

OverallocCluster overalloc_cluster_totals(const std::vector<const OverallocCluster*>& clusters) {
  OverallocCluster t;
  t.phase = 0;
  for (const auto* c : clusters) {
    t.healthy += c->healthy;
    t.reference += c->reference;
    t.buffer_gpus += c->buffer_gpus;
    t.target += c->target;
    t.assigned += c->assigned;
    t.cut += c->cut;
    t.from.unscheduled += c->from.unscheduled;
    t.from.idle += c->from.idle;
    t.from.running += c->from.running;
    t.quotas_affected += c->quotas_affected;
    t.jobs_preempted += c->jobs_preempted;
    t.gpus_preempted += c->gpus_preempted;
  }
  return t;
}

OverallocBrief overalloc_brief(const OverallocReport& report, const Snapshot& snap) {
  OverallocBrief b;
  b.total.phase = 0;
  for (int p = 1; p <= 4; ++p) b.phases[p].phase = p;
  for (const auto& c : report.clusters) {
    ++b.clusters;
    if (c.cut > 0) ++b.clusters_over_target;
    ++b.total.clusters;
    ++b.phases[std::clamp(c.phase, 1, 4)].clusters;
    // The cluster's already-unbacked part of its cut, split over its quotas by their cut.
    const Gpus unbacked = std::min(c.cut, std::max<Gpus>(0, c.assigned - c.healthy));
    std::vector<Gpus> weights;
    std::vector<std::string_view> names;
    weights.reserve(c.quota_count);
    names.reserve(c.quota_count);
    for (std::size_t i = c.first_quota; i < c.first_quota + c.quota_count; ++i) {
      weights.push_back(report.quotas[i].cut);
      names.push_back(snap.quotas[report.quotas[i].quota].name);
    }
    const std::vector<Gpus> shares = split_largest_remainder(unbacked, weights, names);
    for (std::size_t k = 0; k < c.quota_count; ++k) {
      const OverallocQuota& q = report.quotas[c.first_quota + k];
      for (OverallocBriefLine* line : {&b.total, &b.phases[q.cut > 0 ? std::clamp(q.phase, 2, 4) : 1]}) {
        ++line->quotas;
        line->assigned += q.assigned;
        line->cut += q.cut;
        line->cut_unbacked += shares[k];
        add_sources(line->from, q.from);
        line->jobs_preempted += q.preempted.size();
        line->gpus_preempted += q.gpus_preempted;
      }
    }
  }
  for (OverallocBriefLine* line : {&b.total, &b.phases[1], &b.phases[2], &b.phases[3], &b.phases[4]})
    line->gpus_preempted_beyond_cut = std::max<Gpus>(0, line->gpus_preempted - line->from.running);
  b.quotas_affected = b.phases[2].quotas + b.phases[3].quotas + b.phases[4].quotas;
  return b;
}

namespace {
// A cluster is in phase N when one of its quotas' cuts is (phase 1: it has no cut).
bool cluster_in_phase(const OverallocReport& r, const OverallocCluster& c, int phase) {
  if (phase == 0) return true;
  if (phase == 1) return c.cut == 0;
  for (std::size_t i = c.first_quota; i < c.first_quota + c.quota_count; ++i)
    if (r.quotas[i].cut > 0 && r.quotas[i].phase == phase) return true;
  return false;
}
} // namespace

PhaseView phase_view(const OverallocReport& report, const std::vector<OverallocTree>& trees, const Snapshot& snap,
                     int phase) {
  PhaseView v;
  for (const auto& c : report.clusters)
    if (cluster_in_phase(report, c, phase)) v.clusters.push_back(&c);
  std::vector<std::uint8_t> tree_in_phase(snap.quotas.size(), 0);
  for (const auto& q : report.quotas) {
    if (q.cut == 0 || (phase != 0 && q.phase != phase)) continue;
    v.quotas.push_back(&q);
    tree_in_phase[snap.quotas[q.quota].tree_index] = 1;
  }
  for (const auto& t : trees)
    if (phase == 0 || tree_in_phase[t.tree] || (phase == 1 && t.cut == 0)) v.trees.push_back(&t);
  return v;
}

HistoryCoverage history_coverage(const OverallocReport& report) {
  HistoryCoverage h;
  for (const auto& c : report.clusters) {
    h.samples += c.history.samples;
    if (c.history.samples == 0) {
      ++h.clusters_without;
      continue;
    }
    const bool seen = h.clusters_with++ > 0;
    h.fewest = seen ? std::min(h.fewest, c.history.samples) : c.history.samples;
    h.most = std::max(h.most, c.history.samples);
    h.first = seen ? std::min(h.first, c.history.first) : c.history.first;
    h.last = seen ? std::max(h.last, c.history.last) : c.history.last;
  }
  return h;
}

QuotaPlan quota_plan(const OverallocReport& report, int up_to_phase) {
  QuotaPlan plan;
  plan.quotas.reserve(report.quotas.size());
  for (const auto& q : report.quotas) {
    PlanQuota p;
    p.quota = &q;
    p.deferred = up_to_phase != 0 && q.phase > up_to_phase;
    p.old_gpus = q.assigned;
    p.cut = p.deferred ? 0 : q.cut;
    p.gpus = q.assigned - p.cut;
    p.final_gpus = q.new_gpus;
    plan.totals.old_gpus += p.old_gpus;
    plan.totals.gpus += p.gpus;
    plan.totals.cut += p.cut;
    plan.quotas.push_back(p);
  }
  return plan;
}

} // namespace fleetcap
