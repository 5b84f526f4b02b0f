// Prometheus text exposition (version 0.0.4) of the capacity, quota and overalloc report
// figures (prometheus.hpp; names in docs/prometheus.md). Formatting only: each sample's value
// is one figure of the report, as its JSON gives it.
#include "fleetcap/render/prometheus.hpp"
#include "fleetcap/render/capacity.hpp"

#include "fleetcap/render/cluster_figures.hpp"
#include "fleetcap/text.hpp"

#include <fmt/format.h>

#include <iterator>
#include <utility>
#include <vector>

namespace fleetcap {

std::string prometheus_label_value(std::string_view raw) {
  // Control characters other than the line break (which the format escapes as \n) are shown as
  // tables show them (\x1b: fleetcap/text.hpp), and that text's backslash escaped in turn.
  std::string text;
  for (std::size_t at = 0; at <= raw.size();) {
    const std::size_t nl = std::min(raw.find('\n', at), raw.size());
    text += escape_control(raw.substr(at, nl - at));
    if (nl < raw.size()) text += '\n';
    at = nl + 1;
  }
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// One metric family written whole (the format wants a family's samples together).
class Family {
public:
  Family(std::string& out, std::string_view name, std::string_view help) : out_(out), name_(name) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
  }
  template <typename V> void sample(const Labels& labels, V value) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        fmt::format_to(std::back_inserter(out_), "{}{}=\"{}\"", first ? "" : ",", k, prometheus_label_value(v));
        first = false;
      }
      out_ += '}';
    }
    fmt::format_to(std::back_inserter(out_), " {}\n", value);
  }

private:
  std::string& out_;
  std::string name_;
};

void at_metric(std::string& out, std::string_view command, const RenderOptions& o) {
  Family f(out, "fleetcap_figures_at_timestamp_seconds",
           "Time the figures are computed at (--at, else the snapshot's taken_at), in Unix seconds.");
  f.sample({{"command", command}}, o.at);
}

Labels cluster_labels(const Cluster& c) {
  return {{"cluster", c.name},
          {"region", c.region},
          {"sku", c.sku},
          {"provider", c.provider},
          {"state", to_string(c.state)}};
}

// HELP text of each SPEC §4 cluster figure, by JSON key.
std::string_view cluster_figure_help(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kHelp[] = {
      {"total", "GPUs of all nodes."},
      {"healthy", "GPUs on schedulable nodes (H)."},
      {"assigned", "GPUs of the leaf quotas (A)."},
      {"inquota_used", "GPUs of running in-quota jobs."},
      {"inquota_free", "max(0, min(A, H) - in-quota used): quota GPUs free for in-quota jobs."},
      {"flex_used", "GPUs of running flex jobs."},
      {"flex_free", "Unused GPUs on schedulable nodes: max(0, H - in-quota used - flex used)."},
      {"flex_stable_free", "Free GPUs that in-quota jobs can never reclaim."},
      {"flex_reclaimable_free", "Free GPUs that in-quota jobs may reclaim (flex_free - flex_stable_free)."},
      {"unbacked", "Quota GPUs with no healthy GPU behind them: max(0, A - H)."},
      {"buffer", "Healthy GPUs beyond quota: max(0, H - A)."},
      {"largest_free_block", "Largest number of free GPUs on schedulable nodes within one island."},
  };
  for (const auto& [k, h] : kHelp)
    if (k == key) return h;
  return "A SPEC section 4 cluster figure.";
}

std::string ratio_of(BasisPoints bp) {
  std::string s = fmt::format("{}.{:04}", bp / kWholeBp, bp % kWholeBp);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

} // namespace

std::string render_capacity_prometheus(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::string out;
  at_metric(out, "capacity", o);
  std::vector<Labels> labels;
  for (const auto& row : r.rows)
    labels.push_back(row.cluster == kNone ? Labels{{group_name(r.by), row.key}}
                                          : cluster_labels(snap.clusters[row.cluster]));
  // One family per figure, named by its JSON key.
  for (const auto& c : kClusterFigureFields) {
    Family f(out, fmt::format("fleetcap_capacity_{}_gpus", c.key), cluster_figure_help(c.key));
    for (std::size_t i = 0; i < r.rows.size(); ++i) f.sample(labels[i], r.rows[i].figures.*(c.field));
  }
  return out;
}

std::string render_quota_prometheus(const QuotaReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::string out;
  at_metric(out, "quota", o);
  std::vector<const QuotaRow*> leaves;
  std::vector<Labels> labels;
  for (const auto& row : r.rows) {
    if (!row.leaf) continue; // groups are sums of their leaves: sum() them in PromQL instead
    const Quota& q = snap.quotas[row.quota];
    const Cluster* c = q.cluster_index == kNone ? nullptr : &snap.clusters[q.cluster_index];
    leaves.push_back(&row);
    labels.push_back({{"quota", q.name},
                      {"tree", q.tree_index == kNone ? std::string_view(q.name) : snap.quotas[q.tree_index].name},
                      {"cluster", c ? std::string_view(c->name) : ""},
                      {"region", c ? std::string_view(c->region) : ""},
                      {"sku", c ? std::string_view(c->sku) : ""},
                      {"provider", c ? std::string_view(c->provider) : ""}});
  }
  static constexpr struct {
    std::string_view key, help;
    Gpus QuotaFigures::*field;
  } kFigures[] = {
      {"assigned", "GPUs assigned to the leaf quota.", &QuotaFigures::assigned},
      {"used", "GPUs of running jobs targeting the quota.", &QuotaFigures::used},
      {"free", "max(0, assigned - used).", &QuotaFigures::free},
      {"borrowed", "max(0, used - assigned).", &QuotaFigures::borrowed},
      {"borrowable", "Unused GPUs of sibling quotas (same tree and cluster) the quota may borrow.",
       &QuotaFigures::borrowable},
      {"available", "GPUs a job targeting the quota could get now.", &QuotaFigures::available},
      {"unbacked", "The cluster's unbacked GPUs split over its leaves in proportion to assigned.",
       &QuotaFigures::unbacked},
  };
  for (const auto& fig : kFigures) {
    Family f(out, fmt::format("fleetcap_quota_{}_gpus", fig.key), fig.help);
    for (std::size_t i = 0; i < leaves.size(); ++i) f.sample(labels[i], leaves[i]->figures.*(fig.field));
  }
  return out;
}

std::string render_overalloc_prometheus(const OverallocReport& r, const Snapshot& snap, const RenderOptions& o) {
  std::string out;
  at_metric(out, "overalloc report", o);
  {
    Family f(out, "fleetcap_overalloc_info", "The cut policy of this overalloc report (value always 1).");
    f.sample({{"cut_policy", to_string(r.policy)}}, 1);
  }
  // Per cluster.
  std::vector<Labels> cl;
  for (const auto& c : r.clusters) cl.push_back(cluster_labels(snap.clusters[c.cluster]));
  auto per_cluster = [&](std::string_view name, std::string_view help, auto value) {
    Family f(out, name, help);
    for (std::size_t i = 0; i < r.clusters.size(); ++i) f.sample(cl[i], value(r.clusters[i]));
  };
  using C = OverallocCluster;
  per_cluster("fleetcap_overalloc_cluster_reference_gpus",
              "Reference capacity R: the median of healthy GPUs over the history window, else healthy now.",
              [](const C& c) { return c.reference; });
  per_cluster("fleetcap_overalloc_cluster_buffer_ratio", "Buffer kept out of quota, as a share of R (0.15 = 15%).",
              [](const C& c) { return ratio_of(c.buffer_bp); });
  per_cluster("fleetcap_overalloc_cluster_target_gpus", "floor((1 - buffer) x R): quota the cluster can back.",
              [](const C& c) { return c.target; });
  per_cluster("fleetcap_overalloc_cluster_assigned_gpus", "GPUs of the cluster's leaf quotas.",
              [](const C& c) { return c.assigned; });
  per_cluster("fleetcap_overalloc_cluster_cut_gpus", "max(0, assigned - target): quota GPUs the buffer cuts.",
              [](const C& c) { return c.cut; });
  per_cluster("fleetcap_overalloc_cluster_cut_from_unscheduled_gpus", "Part of the cut that is unscheduled quota.",
              [](const C& c) { return c.from.unscheduled; });
  per_cluster("fleetcap_overalloc_cluster_cut_from_idle_gpus", "Part of the cut taken from idle jobs.",
              [](const C& c) { return c.from.idle; });
  per_cluster("fleetcap_overalloc_cluster_cut_from_running_gpus", "Part of the cut taken from running jobs.",
              [](const C& c) { return c.from.running; });
  per_cluster("fleetcap_overalloc_cluster_phase", "Rollout phase 1-4: the highest phase of its quotas' cuts.",
              [](const C& c) { return c.phase; });
  per_cluster("fleetcap_overalloc_cluster_preempted_jobs", "Running jobs the cut preempts.",
              [](const C& c) { return c.jobs_preempted; });
  per_cluster("fleetcap_overalloc_cluster_preempted_gpus", "GPUs of the jobs the cut preempts.",
              [](const C& c) { return c.gpus_preempted; });
  // Per leaf quota.
  std::vector<Labels> ql;
  for (const auto& q : r.quotas) {
    const Quota& quota = snap.quotas[q.quota];
    ql.push_back(
        {{"quota", quota.name},
         {"tree", quota.tree_index == kNone ? std::string_view(quota.name) : snap.quotas[quota.tree_index].name},
         {"cluster", snap.clusters[q.cluster].name}});
  }
  auto per_quota = [&](std::string_view name, std::string_view help, auto value) {
    Family f(out, name, help);
    for (std::size_t i = 0; i < r.quotas.size(); ++i) f.sample(ql[i], value(r.quotas[i]));
  };
  using Q = OverallocQuota;
  per_quota("fleetcap_overalloc_quota_assigned_gpus", "GPUs assigned to the leaf quota.",
            [](const Q& q) { return q.assigned; });
  per_quota("fleetcap_overalloc_quota_free_gpus", "Unscheduled GPUs of the quota: max(0, assigned - used).",
            [](const Q& q) { return q.free; });
  per_quota("fleetcap_overalloc_quota_idle_gpus", "GPUs of the quota's running idle jobs.",
            [](const Q& q) { return q.idle; });
  per_quota("fleetcap_overalloc_quota_cut_gpus", "The quota's share of its cluster's cut.",
            [](const Q& q) { return q.cut; });
  per_quota("fleetcap_overalloc_quota_cut_from_unscheduled_gpus", "Part of the cut that is unscheduled quota.",
            [](const Q& q) { return q.from.unscheduled; });
  per_quota("fleetcap_overalloc_quota_cut_from_idle_gpus", "Part of the cut taken from idle jobs.",
            [](const Q& q) { return q.from.idle; });
  per_quota("fleetcap_overalloc_quota_cut_from_running_gpus", "Part of the cut taken from running jobs.",
            [](const Q& q) { return q.from.running; });
  per_quota("fleetcap_overalloc_quota_phase", "Rollout phase 1-4 of the quota's cut.",
            [](const Q& q) { return q.phase; });
  per_quota("fleetcap_overalloc_quota_preempted_jobs", "Running jobs of the quota the cut preempts.",
            [](const Q& q) { return q.preempted.size(); });
  per_quota("fleetcap_overalloc_quota_preempted_gpus", "GPUs of the quota's jobs the cut preempts.",
            [](const Q& q) { return q.gpus_preempted; });
  // Summary.
  const OverallocSummary& s = r.summary;
  auto one = [&](std::string_view name, std::string_view help, auto value) {
    Family(out, name, help).sample({}, value);
  };
  one("fleetcap_overalloc_clusters", "Clusters in the report.", s.clusters);
  one("fleetcap_overalloc_clusters_over_target", "Clusters whose assigned quota is above target.",
      s.clusters_over_target);
  one("fleetcap_overalloc_assigned_gpus", "GPUs of all leaf quotas of the report's clusters.", s.assigned);
  one("fleetcap_overalloc_cut_gpus", "GPUs cut over all clusters.", s.cut);
  one("fleetcap_overalloc_cut_from_unscheduled_gpus", "Part of the cut that is unscheduled quota.", s.from.unscheduled);
  one("fleetcap_overalloc_cut_from_idle_gpus", "Part of the cut taken from idle jobs.", s.from.idle);
  one("fleetcap_overalloc_cut_from_running_gpus", "Part of the cut taken from running jobs.", s.from.running);
  {
    Family f(out, "fleetcap_overalloc_cut_by_phase_gpus", "GPUs cut in each rollout phase (2, 3, 4).");
    for (const char* p : {"2", "3", "4"}) f.sample({{"phase", p}}, s.cut_by_phase[p[0] - '0']);
  }
  one("fleetcap_overalloc_quotas_affected", "Leaf quotas with a cut.", s.quotas_affected);
  one("fleetcap_overalloc_preempted_jobs", "Running jobs the cut preempts.", s.jobs_preempted);
  one("fleetcap_overalloc_preempted_gpus", "GPUs of the jobs the cut preempts.", s.gpus_preempted);
  return out;
}

} // namespace fleetcap
