// `fleetcap overalloc report|sweep|plan` (docs/overalloc.md, docs/cli.md).
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/render/overalloc.hpp"
#include "fleetcap/render/overalloc_brief.hpp"
#include "fleetcap/render/prometheus.hpp"
#include "fleetcap/source/history.hpp"
#include "fleetcap/source/source.hpp"
#include "fleetcap/text.hpp"

#include <fmt/format.h>

#include <memory>
#include <set>

namespace fleetcap::cli {

namespace {

// Options every overalloc command shares: how the cut is split and where history comes from.
struct CommonOptions {
  std::vector<std::string> buffer_for;
  std::string cut = "pro-rata";
  std::string window = "28d";
  std::string history;
};

struct ReportOptions {
  CommonOptions common;
  std::string buffer = "15%";
  int phase = 0;
  std::string by;
  bool jobs = false;
  bool summary = false;      // --summary: the leadership brief only
  bool compare_cuts = false; // --compare-cuts: the brief of both policies side by side
};

struct SweepOptions {
  CommonOptions common;
  std::string from = "5%", to = "20%", step = "2.5%";
};

struct PlanOptions {
  CommonOptions common;
  std::string buffer = "15%";
  int phase = 0;
};

// --buffer PCT | auto | auto:MIN..MAX, plus --buffer-for CLUSTER=PCT.
BufferChoice parse_buffer(const std::string& text, const std::vector<std::string>& buffer_for) {
  BufferChoice b;
  if (text == "auto" || text.starts_with("auto:")) {
    b.automatic = true;
    if (text.size() > 5) {
      const std::string range = text.substr(5);
      const auto dots = range.find("..");
      if (dots == std::string::npos)
        throw UsageError(fmt::format("--buffer \"{}\": write auto:MIN..MAX, e.g. auto:5%..15%", text));
      b.auto_min = percent_option("--buffer auto MIN", range.substr(0, dots));
      b.auto_max = percent_option("--buffer auto MAX", range.substr(dots + 2));
      if (b.auto_min > b.auto_max) throw UsageError(fmt::format("--buffer \"{}\": MIN is above MAX", text));
    }
  } else {
    b.bp = percent_option("--buffer", text);
  }
  for (const auto& item : buffer_for) {
    const auto eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(fmt::format("--buffer-for \"{}\": write CLUSTER=PCT, e.g. tiger=10%", item));
    b.per_cluster.emplace_back(item.substr(0, eq), percent_option("--buffer-for", item.substr(eq + 1)));
  }
  return b;
}

// Everything a run needs once the options are valid.
struct Loaded {
  Snapshot snap;
  OverallocBasis basis;
  HistorySourceInfo history;
  Time at = 0;
  BufferChoice buffer;
};

// Health samples from --history DIR: one per cluster per saved snapshot inside the window,
// each the GPUs on nodes schedulable at that snapshot's taken_at.
std::vector<HealthSample> history_from_dir(const Context& ctx, const std::string& dir, const HistoryWindow& window,
                                           HistorySourceInfo& info) {
  std::vector<HealthSample> samples;
  std::set<std::string> warned;
  for (const auto& sub : snapshot_dirs(dir)) {
    const auto taken_at = snapshot_taken_at(sub);
    if (!taken_at)
      throw DataError({fmt::format("--history {}: {} has no snapshot.json with taken_at; is it a directory written "
                                   "by 'fleetcap snapshot save'?",
                                   dir, sub)});
    if (!window.contains(*taken_at)) continue;
    SourceOptions o;
    o.source = sub;
    Snapshot s;
    try {
      s = load_snapshot(o);
    } catch (const DataError& e) {
      std::vector<std::string> messages;
      for (const auto& m : e.messages()) messages.push_back(fmt::format("--history {}: {}", sub, m));
      throw DataError(std::move(messages));
    }
    for (const auto& w : s.warnings)
      if (warned.insert(w).second) ctx.warn(fmt::format("--history {}: {}", sub, w));
    const auto more = health_samples(s, evaluate(s, *taken_at));
    samples.insert(samples.end(), more.begin(), more.end());
    ++info.snapshots;
  }
  return samples;
}

void check_buffer_for(const Snapshot& snap, const BufferChoice& b) {
  std::vector<std::string_view> known;
  for (const auto& c : snap.clusters) known.push_back(c.name);
  for (const auto& [name, bp] : b.per_cluster)
    if (snap.find_cluster(name) == kNone)
      unknown_name(fmt::format("--buffer-for {}: no cluster named", escape_control(name)), name,
                   fmt::format(" in {}", display_source(snap.source)), known);
}

// Warnings about thin history; silent when there is no history at all (R is then H now, and
// the table's first line says so).
void warn_history(const Context& ctx, const Loaded& l, const BufferChoice& b) {
  std::size_t with = 0;
  std::string thin, none;
  std::size_t thin_n = 0, none_n = 0;
  constexpr std::size_t kListed = 10; // a warning names the first few, then counts
  for (const auto& c : l.basis.clusters) {
    with += c.history.samples > 0;
    if (c.history.samples >= kThinHistorySamples) continue;
    if (++thin_n <= kListed)
      thin += fmt::format("{}{} ({})", thin.empty() ? "" : ", ", l.snap.clusters[c.cluster].name, c.history.samples);
    if (c.history.samples == 0 && ++none_n <= kListed)
      none += fmt::format("{}{}", none.empty() ? "" : ", ", l.snap.clusters[c.cluster].name);
  }
  const std::string where =
      l.history.kind == "snapshots" ? fmt::format("--history {}", l.history.dir) : "health_history";
  if (b.automatic && with == 0)
    throw UsageError(fmt::format("--buffer auto needs health history, and {} has no samples for the selected clusters "
                                 "in the {} up to {}; pass --history DIR, a longer --window, or a fixed --buffer",
                                 where, format_duration(l.basis.window.length), format_rfc3339(l.basis.window.to)));
  if (with == 0) return;
  if (thin_n > kListed) thin += fmt::format(" and {} more", thin_n - kListed);
  if (none_n > kListed) none += fmt::format(" and {} more", none_n - kListed);
  if (thin_n)
    ctx.warn(fmt::format("{} {} fewer than {} health samples in the {} window ({}): {}", thin_n,
                         thin_n == 1 ? "cluster has" : "clusters have", kThinHistorySamples,
                         format_duration(l.basis.window.length), where, thin));
  if (!none.empty())
    ctx.warn(
        fmt::format("no health samples for {}: the reference capacity there is healthy GPUs now{}", none,
                    b.automatic ? fmt::format(" and --buffer auto uses its maximum, {}", format_bp(b.auto_max)) : ""));
}

// The opening of every overalloc command: the options checked (the buffer `buffer_text`), the
// snapshot, then (once --buffer-for is known to name real clusters) the history and the
// warnings about it.
Loaded load(Context& ctx, const CommonOptions& common, const std::string& buffer_text) {
  const BufferChoice buffer = parse_buffer(buffer_text, common.buffer_for);
  const Duration window = duration_option("--window", common.window);
  const Selection sel = ctx.selection();
  Loaded l{ctx.load(), {}, {}, 0, buffer};
  check_buffer_for(l.snap, buffer);
  l.at = ctx.at(l.snap);
  const FleetAt fleet = evaluate(l.snap, l.at);
  std::vector<HealthSample> history;
  if (!common.history.empty()) {
    l.history.kind = "snapshots";
    l.history.dir = common.history;
    history = history_from_dir(ctx, common.history, history_window(l.at, window), l.history);
  }
  l.basis = overalloc_basis(l.snap, fleet, sel, common.history.empty() ? l.snap.health_history : history, window);
  warn_history(ctx, l, buffer);
  return l;
}

std::string run_report(Context& ctx, const ReportOptions& opts) {
  const Loaded l = load(ctx, opts.common, opts.buffer);
  const OverallocReport report = overalloc(l.basis, l.snap, l.buffer, cut_option(opts.common.cut));
  ctx.phase("figures");
  if (ctx.prometheus()) return render_overalloc_prometheus(report, l.snap, ctx.render_options(l.snap, l.at));
  if (opts.compare_cuts) {
    const CutPolicy other = report.policy == CutPolicy::pro_rata ? CutPolicy::least_disruptive : CutPolicy::pro_rata;
    const OverallocReport second = overalloc(l.basis, l.snap, l.buffer, other);
    const OverallocReport& pr = report.policy == CutPolicy::pro_rata ? report : second;
    const OverallocReport& ld = report.policy == CutPolicy::pro_rata ? second : report;
    return render_overalloc_compare(pr, overalloc_brief(pr, l.snap), ld, overalloc_brief(ld, l.snap),
                                    ctx.render_options(l.snap, l.at));
  }
  if (opts.summary) {
    return render_overalloc_brief(report, overalloc_brief(report, l.snap), ctx.render_options(l.snap, l.at));
  }
  OverallocView v;
  v.by = opts.by == "cluster" ? OverallocBy::cluster
         : opts.by == "quota" ? OverallocBy::quota
         : opts.by == "tree"  ? OverallocBy::tree
                              : OverallocBy::all;
  v.jobs = opts.jobs;
  v.phase = opts.phase;
  v.history = l.history;
  RenderOptions ro = ctx.render_options(l.snap, l.at);
  // CSV and -o name are one table: say which, and where the others are, rather than drop the
  // quota and tree rows without a word (issue 24). On stderr, so the CSV stays one table.
  if (v.by == OverallocBy::all && !v.jobs && (ro.format == Format::csv || ro.format == Format::name))
    ctx.warn(fmt::format("-o {} has one table, the clusters; --by quota or --by tree for the others, --json for all "
                         "of them",
                         ro.format == Format::csv ? "csv" : "name"));
  return render_overalloc_report(report, l.snap, v, ro);
}

std::string run_sweep(Context& ctx, const SweepOptions& opts) {
  const BufferSweep range = sweep_option(opts.from, opts.to, opts.step);
  const Loaded l = load(ctx, opts.common, "0%");
  const std::vector<OverallocReport> reports =
      overalloc_sweep(l.basis, l.snap, l.buffer, range.from, range.to, range.step, cut_option(opts.common.cut));
  ctx.phase("figures");
  return render_overalloc_sweep(reports, l.history, ctx.render_options(l.snap, l.at));
}

// -o sacctmgr and -o kueue speak one scheduler: every selected cluster must come from it, and
// every leaf of those clusters must say where the scheduler keeps its number (docs/overalloc.md).
void check_plan_source(const Snapshot& snap, const OverallocReport& report, PlanLanguage language) {
  const bool slurm = language == PlanLanguage::sacctmgr;
  const std::string_view option = slurm ? "-o sacctmgr" : "-o kueue";
  const std::string_view want = slurm ? "slurm" : "kubernetes";
  for (const auto& c : report.clusters) {
    const Cluster& cluster = snap.clusters[c.cluster];
    if (cluster.scheduler == want) continue;
    const std::string from = cluster.scheduler.empty() ? "the fleet API (or a snapshot of it)"
                                                       : fmt::format("a {} source", cluster.scheduler);
    throw UsageError(fmt::format("{} prints {} for a {} source, but cluster {} comes from {} ({}); use -o json for "
                                 "the plan as data{}",
                                 option, slurm ? "sacctmgr commands" : "Kueue ClusterQueue patches",
                                 slurm ? "Slurm" : "Kubernetes with Kueue", cluster.name, from, snap.source,
                                 report.clusters.size() > 1 ? ", or --cluster to pick clusters of one scheduler" : ""));
  }
  for (const auto& q : report.quotas) {
    const Quota& quota = snap.quotas[q.quota];
    // A cap-only leaf (docs/design.md) promises nothing: no plan changes it, and no line is written.
    const bool ok = quota.cap_only || (quota.origin && (slurm ? quota.origin->kind != QuotaOrigin::Kind::kueue
                                                              : quota.origin->kind == QuotaOrigin::Kind::kueue &&
                                                                    !quota.origin->resource_groups.empty()));
    if (ok) continue;
    throw UsageError(fmt::format(
        "{}: quota {} ({}) does not say where {} keeps it{}; fetch the fleet again with this fleetcap (a snapshot "
        "saved by an older one lacks it){}",
        option, quota.name, snap.clusters[q.cluster].name, slurm ? "Slurm" : "Kueue",
        slurm ? " (an account's or QOS's GrpTRES)" : " (a ClusterQueue and its resourceGroups)",
        slurm ? "" : ", or, without Kueue, change the namespace's ResourceQuota by hand"));
  }
}

std::string run_plan(Context& ctx, const PlanOptions& opts) {
  const Loaded l = load(ctx, opts.common, opts.buffer);
  const OverallocReport report = overalloc(l.basis, l.snap, l.buffer, cut_option(opts.common.cut));
  ctx.phase("figures");
  const RenderOptions ro = ctx.render_options(l.snap, l.at);
  if (const std::string language = ctx.plan_language(); !language.empty()) {
    const PlanLanguage pl = language == "sacctmgr" ? PlanLanguage::sacctmgr : PlanLanguage::kueue;
    check_plan_source(l.snap, report, pl);
    return render_overalloc_plan_for(pl, report, l.snap, opts.phase, l.history, ro);
  }
  return render_overalloc_plan(report, l.snap, opts.phase, l.history, ro);
}

void add_common(CLI::App& cmd, CommonOptions& o) {
  add_list_option(cmd, "--buffer-for", o.buffer_for,
                  "CLUSTER=PCT: this cluster's buffer, whatever --buffer says (repeatable)");
  cmd.add_option("--cut", o.cut, "How a cluster's cut is split over its quotas (default pro-rata)")
      ->check(CLI::IsMember({"pro-rata", "least-disruptive"}));
  cmd.add_option("--window", o.window, "Health history to use, up to --at (default 28d)");
  cmd.add_option("--history", o.history,
                 "Read health history from this folder of saved snapshots instead of health_history");
}

void add_buffer(CLI::App& cmd, std::string& buffer) {
  cmd.add_option("--buffer", buffer,
                 "Share of each cluster's reference capacity kept out of quota: PCT (default 15%), or "
                 "auto[:MIN..MAX] from its health history (default 5%..15%)");
}

} // namespace

void setup_overalloc(CLI::App& cmd, Context& ctx) {
  // Alone, `overalloc` prints its help (cli/app.cpp), as every command group does.
  cmd.footer(R"(Examples:
  fleetcap overalloc report                        what a 15% buffer cuts, per cluster and quota
  fleetcap overalloc sweep --from 5% --to 20%      one summary row per buffer
  fleetcap overalloc plan --json --phase 2         new quota gpus for the first, painless phase)");

  auto report = cmd.add_subcommand("report", "What a quota buffer would cut, from whom, in which rollout phase");
  auto ro = std::make_shared<ReportOptions>();
  add_buffer(*report, ro->buffer);
  add_common(*report, ro->common);
  report->add_option("--phase", ro->phase, "Show only this rollout phase (1-4)")->check(CLI::IsMember({1, 2, 3, 4}));
  report->add_option("--by", ro->by, "Only one table: per cluster, per affected quota, or per tree (team)")
      ->check(CLI::IsMember({"cluster", "quota", "tree"}));
  report->add_flag("--jobs", ro->jobs, "Also list the jobs that would be preempted");
  report->add_flag(
      "--summary", ro->summary,
      "Only the one-screen brief: per rollout phase, the cut, already unbacked, from whom, jobs preempted");
  report->add_flag("--compare-cuts", ro->compare_cuts, "The brief for pro-rata and least-disruptive side by side");
  report->footer(R"(Examples:
  fleetcap overalloc report                              15% of healthy GPUs kept out of quota
  fleetcap overalloc report --cut least-disruptive --jobs
  fleetcap overalloc report --buffer 10% --buffer-for tiger=5%
  fleetcap overalloc report --buffer auto:5%..20% --history ./snapshots --window 8w
  fleetcap overalloc report --by tree --phase 4          which teams lose running jobs
  fleetcap overalloc report --by quota --sort cut        the biggest haircuts first
  fleetcap overalloc report --summary                    one screen for leadership, per rollout phase
  fleetcap overalloc report --compare-cuts               pro-rata and least-disruptive side by side
  fleetcap overalloc report --json | jq .summary.text    the sentence for the doc)");
  report->callback([&ctx, ro] { ctx.action = [ro](Context& c) { return run_report(c, *ro); }; });

  auto sweep = cmd.add_subcommand("sweep", "The summary for each buffer from --from to --to");
  auto so = std::make_shared<SweepOptions>();
  sweep->add_option("--from", so->from, "Smallest buffer (default 5%)");
  sweep->add_option("--to", so->to, "Largest buffer (default 20%)");
  sweep->add_option("--step", so->step, "Step between buffers (default 2.5%)");
  add_common(*sweep, so->common);
  sweep->footer(R"(Examples:
  fleetcap overalloc sweep                               5%, 7.5%, ... 20%
  fleetcap overalloc sweep --from 0% --to 30% --step 5% --cut least-disruptive
  fleetcap overalloc sweep --format csv > sweep.csv)");
  sweep->callback([&ctx, so] { ctx.action = [so](Context& c) { return run_sweep(c, *so); }; });

  auto plan = cmd.add_subcommand("plan", "Every leaf quota's proposed gpus after the cut, for a quota system");
  auto po = std::make_shared<PlanOptions>();
  add_buffer(*plan, po->buffer);
  add_common(*plan, po->common);
  plan->add_option("--phase", po->phase, "Apply only corrections up to this rollout phase (1-4)")
      ->check(CLI::IsMember({1, 2, 3, 4}));
  plan->footer(R"(Examples:
  fleetcap overalloc plan --json > plan.json           every leaf: old_gpus, gpus, cut, phase
  fleetcap overalloc plan --json --phase 2             only cuts nobody's jobs feel
  fleetcap --source ./snap overalloc plan --json --phase 3   the next phase, same snapshot
  fleetcap --source slurm overalloc plan --phase 2 -o sacctmgr > phase2.sh   sacctmgr lines to run
  fleetcap --source kube overalloc plan --phase 2 -o kueue | kubectl apply -f -   ClusterQueue patches)");
  plan->callback([&ctx, po] { ctx.action = [po](Context& c) { return run_plan(c, *po); }; });
}

} // namespace fleetcap::cli
