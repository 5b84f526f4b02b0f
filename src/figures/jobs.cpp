// `fleetcap jobs` (docs/jobs.md).
#include "fleetcap/figures/jobs.hpp"

#include "fleetcap/figures/quota.hpp"

#include <algorithm>
#include <future>
#include <limits>
#include <map>
#include <tuple>

namespace fleetcap {

std::string_view to_string(Fit f) {
  switch (f) {
  case Fit::free: return "free";
  case Fit::quota: return "quota";
  case Fit::flex: return "flex";
  case Fit::none: break;
  }
  return "waits";
}

bool held_off(std::string_view pending_reason) {
  static constexpr std::string_view kHeldOff[] = {
      "JobHeldUser", "JobHeldAdmin", "JobHoldMaxRequeue", "Dependency", "DependencyNeverSatisfied", "BeginTime"};
  return std::find(std::begin(kHeldOff), std::end(kHeldOff), pending_reason) != std::end(kHeldOff);
}

namespace {

constexpr Time kNever = std::numeric_limits<Time>::max();

// The time a job is ordered by: when it started (running) or was submitted (pending).
Time job_time(const Job& j) {
  const auto& t = j.running() ? j.started_at : j.submitted_at();
  return t.value_or(kNever);
}

// Where a job comes in the listing (JobsReport::rows) before its name: running first, priority
// (critical first), then job_time.
struct OrderKey {
  unsigned rank = 0;
  Time time = 0;
};
OrderKey order_key(const Job& j) {
  return {(j.running() ? 0u : 8u) + (3u - static_cast<unsigned>(j.priority)), job_time(j)};
}

// A cluster's queue: priority (critical first), then submitted earliest (none last), then name
// (pending_fits compares these keys, then the names).
OrderKey queue_key(const Job& j) { return {3u - static_cast<unsigned>(j.priority), j.submitted_at().value_or(kNever)}; }

// What the jobs ahead of a pending one left: each quota's available, each cluster's unused GPUs,
// and each cap's free GPUs (docs/design.md: a job starts only within every cap it counts against
// where the cap holds, as Slurm's QOSGrpGRES and AssocGrpGRES keep it pending).
struct Left {
  const Snapshot& snap;
  std::vector<Gpus> quota, unused, caps;

  bool within_caps(std::uint32_t j, std::uint32_t c) const {
    if (snap.index.job_caps.size() == 0) return true;
    for (auto cap : snap.index.job_caps[j])
      if (snap.caps[cap].holds_in(c) && snap.jobs[j].gpus > caps[cap]) return false;
    return true;
  }
  void take_caps(std::uint32_t j, std::uint32_t c) {
    if (snap.index.job_caps.size() == 0) return;
    for (auto cap : snap.index.job_caps[j])
      if (snap.caps[cap].holds_in(c)) caps[cap] -= snap.jobs[j].gpus;
  }

  // Pending job j in cluster c: within its caps, then its quota's available (an in-quota job of
  // the cluster's queue), then the cluster's unused GPUs.
  Fit place(std::uint32_t j, std::uint32_t c, bool queued) {
    const Job& job = snap.jobs[j];
    if (!within_caps(j, c)) return Fit::none;
    Gpus* left = !queued || job.flex ? nullptr : &quota[job.quota_index];
    Fit fit;
    if (left && job.gpus <= *left) {
      *left -= job.gpus;
      fit = job.gpus <= unused[c] ? Fit::free : Fit::quota;
      unused[c] = std::max<Gpus>(0, unused[c] - job.gpus);
    } else if (job.gpus > unused[c]) {
      return Fit::none;
    } else {
      unused[c] -= job.gpus;
      fit = left ? Fit::flex : Fit::free;
    }
    take_caps(j, c);
    return fit;
  }
};

bool wanted(const Job& j, const Snapshot& snap, const JobsQuery& q) {
  if (q.flex && !j.flex) return false;
  if (q.pending && j.running()) return false;
  if (q.running && !j.running()) return false;
  if (q.ns && j.ns != *q.ns) return false;
  if (q.user && j.user() != *q.user) return false;
  if (q.quota != kNone) {
    if (j.flex) return false;
    std::uint32_t at = j.quota_index;
    while (at != kNone && at != q.quota) at = snap.quotas[at].parent_index;
    if (at == kNone) return false;
  }
  if (q.node != kNone && std::find(j.node_indices.begin(), j.node_indices.end(), q.node) == j.node_indices.end())
    return false;
  return true;
}

} // namespace

std::vector<Fit> pending_fits(const Snapshot& snap, const FleetAt& fleet, const std::vector<std::uint32_t>& clusters) {
  std::vector<Fit> fits(snap.jobs.size(), Fit::none);
  Left left{snap, {}, {}, {}};
  for (const auto& f : leaf_quota_figures(snap, fleet)) left.quota.push_back(f.available);
  for (const auto& f : fleet.clusters) left.unused.push_back(f.flex_free);
  for (const auto& f : cap_figures(snap)) left.caps.push_back(f.free);
  std::vector<std::uint32_t> queue, homeless;
  // The queue's order (queue_key, then name), its keys read once per pending job, not per comparison.
  std::vector<OrderKey> keys(snap.jobs.size());
  for (std::size_t j = 0; j < snap.jobs.size(); ++j)
    if (!snap.jobs[j].running()) keys[j] = queue_key(snap.jobs[j]);
  const auto before = [&](std::uint32_t a, std::uint32_t b) {
    if (keys[a].rank != keys[b].rank) return keys[a].rank < keys[b].rank;
    if (keys[a].time != keys[b].time) return keys[a].time < keys[b].time;
    return snap.jobs[a].name < snap.jobs[b].name;
  };
  for (std::size_t c = 0; c < snap.clusters.size(); ++c) {
    queue.clear();
    for (auto j : snap.index.cluster_jobs[c])
      if (!snap.jobs[j].running()) queue.push_back(j);
    std::sort(queue.begin(), queue.end(), before);
    for (auto j : queue)
      if (!held_off(snap.jobs[j].pending_reason())) fits[j] = left.place(j, static_cast<std::uint32_t>(c), true);
  }
  for (std::size_t j = 0; j < snap.jobs.size(); ++j)
    if (!snap.jobs[j].running() && snap.jobs[j].cluster_index == kNone && !held_off(snap.jobs[j].pending_reason()))
      homeless.push_back(static_cast<std::uint32_t>(j));
  std::sort(homeless.begin(), homeless.end(), before);
  for (auto j : homeless) {
    // The selected cluster with most unused GPUs left (ties: the name that sorts first).
    std::uint32_t best = kNone;
    for (auto c : clusters)
      if (best == kNone || left.unused[c] > left.unused[best] ||
          (left.unused[c] == left.unused[best] && snap.clusters[c].name < snap.clusters[best].name))
        best = c;
    if (best != kNone) fits[j] = left.place(j, best, false); // no cluster: no quota of one
  }
  return fits;
}

JobsReport list_jobs(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, const JobsQuery& q) {
  JobsReport r;
  const auto clusters = select_clusters(snap, sel);
  const bool homeless = sel.clusters.empty() && sel.regions.empty() && sel.skus.empty();
  // The verdicts of the queues are worked out beside the listing, which does not need them
  // until its rows are in order (a million-GPU fleet: 105,420 jobs, each half about 7 ms).
  std::future<std::vector<Fit>> verdicts;
  if (!q.running) verdicts = std::async(std::launch::async, [&] { return pending_fits(snap, fleet, clusters); });
  std::vector<OrderKey> keys(snap.jobs.size());
  auto add = [&](std::uint32_t j) {
    const Job& job = snap.jobs[j];
    if (!wanted(job, snap, q)) return;
    r.rows.push_back({j, Fit::none});
    keys[j] = order_key(job);
    JobTotals& t = r.totals;
    ++t.jobs;
    t.gpus += job.gpus;
    if (job.running()) {
      ++t.running;
      t.running_gpus += job.gpus;
      if (job.flex) t.flex_gpus += job.gpus;
    } else {
      ++t.pending;
      t.pending_gpus += job.gpus;
    }
  };
  std::vector<std::uint32_t> by_name(clusters);
  std::sort(by_name.begin(), by_name.end(),
            [&](std::uint32_t a, std::uint32_t b) { return snap.clusters[a].name < snap.clusters[b].name; });
  // Running first, then priority (critical first), then job_time, then name: all but the name
  // read once per listed job rather than at each comparison (a million-GPU fleet lists 100,000).
  const auto order = [&](const JobRow& a, const JobRow& b) {
    const OrderKey &x = keys[a.job], &y = keys[b.job];
    if (x.rank != y.rank) return x.rank < y.rank;
    if (x.time != y.time) return x.time < y.time;
    return snap.jobs[a.job].name < snap.jobs[b.job].name;
  };
  for (auto c : by_name) {
    const std::size_t from = r.rows.size();
    if (q.node != kNone && snap.nodes[q.node].cluster_index != c) continue;
    for (auto j : snap.index.cluster_jobs[c]) add(j);
    std::sort(r.rows.begin() + static_cast<std::ptrdiff_t>(from), r.rows.end(), order);
  }
  if (homeless && q.node == kNone) {
    const std::size_t from = r.rows.size();
    for (std::size_t j = 0; j < snap.jobs.size(); ++j)
      if (snap.jobs[j].cluster_index == kNone) add(static_cast<std::uint32_t>(j));
    std::sort(r.rows.begin() + static_cast<std::ptrdiff_t>(from), r.rows.end(), order);
  }
  if (verdicts.valid()) {
    const auto fits = verdicts.get();
    for (auto& row : r.rows) {
      const Job& job = snap.jobs[row.job];
      if (job.running()) continue;
      row.fit = fits[row.job];
      if (row.fit != Fit::none) r.totals.startable_gpus += job.gpus;
    }
  }
  return r;
}

namespace {

struct GroupKey {
  std::string key;
  std::uint32_t cluster = kNone, quota = kNone;
};

GroupKey group_of(const Snapshot& snap, const Job& j, PendingBy by) {
  const Cluster* c = j.cluster_index == kNone ? nullptr : &snap.clusters[j.cluster_index];
  switch (by) {
  case PendingBy::cluster: return {c ? c->name : "-", j.cluster_index, kNone};
  case PendingBy::sku: return {c ? c->sku : "-", kNone, kNone};
  case PendingBy::quota:
    return {j.flex ? "flex" : snap.quotas[j.quota_index].name, kNone, j.flex ? kNone : j.quota_index};
  }
  return {};
}

void add_fit(PendingGroup& g, const Job& j, Fit f) {
  ++g.jobs;
  g.pending_gpus += j.gpus;
  switch (f) {
  case Fit::free: g.fits_free += j.gpus; break;
  case Fit::quota: g.fits_quota += j.gpus; break;
  case Fit::flex: g.fits_flex += j.gpus; break;
  case Fit::none: g.waits += j.gpus; break;
  }
}

} // namespace

PendingDemand pending_demand(const Snapshot& snap, const FleetAt& fleet, const Selection& sel, const JobsReport& report,
                             PendingBy by) {
  PendingDemand d;
  d.by = by;
  std::map<std::string, PendingGroup> groups;
  // The clusters each group's jobs are in, for its flex_free (each cluster once).
  std::map<std::string, std::vector<std::uint32_t>> clusters_of;
  for (const auto& row : report.rows) {
    const Job& j = snap.jobs[row.job];
    if (j.running()) continue;
    const GroupKey k = group_of(snap, j, by);
    PendingGroup& g = groups[k.key];
    g.key = k.key;
    g.cluster = k.cluster;
    g.quota = k.quota;
    add_fit(g, j, row.fit);
    add_fit(d.totals, j, row.fit);
    if (j.cluster_index != kNone) clusters_of[k.key].push_back(j.cluster_index);
  }
  const auto figures = by == PendingBy::quota ? leaf_quota_figures(snap, fleet) : std::vector<QuotaFigures>{};
  for (auto& [key, g] : groups) {
    auto& cs = clusters_of[key];
    std::sort(cs.begin(), cs.end());
    cs.erase(std::unique(cs.begin(), cs.end()), cs.end());
    for (auto c : cs) g.flex_free += fleet.clusters[c].flex_free;
    if (g.quota != kNone) g.available = figures[g.quota].available;
    d.groups.push_back(std::move(g));
  }
  for (auto c : select_clusters(snap, sel)) d.totals.flex_free += fleet.clusters[c].flex_free;
  d.totals.key = "TOTAL";
  std::stable_sort(d.groups.begin(), d.groups.end(), [](const PendingGroup& a, const PendingGroup& b) {
    return std::tie(b.pending_gpus, a.key) < std::tie(a.pending_gpus, b.key);
  });
  return d;
}

} // namespace fleetcap
