// `fleetcap flex` and `fleetcap capacity flex` (docs/concepts.md, docs/figures.md, docs/cli.md).
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/figures/flex.hpp"
#include "fleetcap/render/flex.hpp"

#include <fmt/format.h>

#include <memory>

namespace fleetcap::cli {

namespace {
struct FlexOptions {
  std::string ns;
  Gpus gpus = 0;
  bool contiguous = false;
  bool stable = false;
  std::string stay;
  std::string by, partition;
};

std::string run_flex(Context& ctx, const FlexOptions& opts) {
  if (opts.contiguous && opts.gpus <= 0)
    throw UsageError("--contiguous needs --gpus N: the size of the block that must fit in one island");
  Selection sel = ctx.selection();
  if (!opts.by.empty() && !opts.partition.empty())
    throw UsageError("--by partition and --partition: choose one (rows per partition, or one partition's clusters)");
  if (!opts.by.empty() && opts.contiguous)
    throw UsageError("--by partition and --contiguous: a block lies in one island; ask with --partition NAME");
  FlexQuery q;
  if (!opts.ns.empty()) q.ns = opts.ns;
  q.gpus = opts.gpus;
  q.contiguous = opts.contiguous;
  q.stable = opts.stable;
  if (!opts.stay.empty()) {
    if (!opts.contiguous) throw UsageError("--for needs --contiguous: how long the block in one island must stay free");
    q.stay = duration_option("--for", opts.stay);
  }
  Snapshot snap = ctx.load();
  if (q.ns) check_namespace(snap, *q.ns);
  const Time at = ctx.at(snap);
  FlexReport report;
  if (!opts.by.empty()) {
    if (snap.partitions.empty())
      throw UsageError("--by partition: this source has no partitions (Slurm's, from slurmrestd or its commands)");
    report = flex_by_partition(snap, at, sel, q);
  } else if (!opts.partition.empty()) {
    const auto p = partition_option(snap, opts.partition);
    report = flex(snap, evaluate(snap, at, partition_nodes(snap, p)), in_partition(snap, sel, p), q);
    report.partition = opts.partition;
  } else {
    report = flex(snap, evaluate(snap, at), sel, q);
  }
  ctx.phase("figures");
  RenderOptions ro = ctx.render_options(snap, at);
  return render_flex(report, snap, ro);
}
} // namespace

void setup_flex(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<FlexOptions>();
  cmd.add_option("--namespace", opts->ns,
                 "Add this namespace's flex use and fair share; flag clusters where it is over")
      ->type_name("NS");
  cmd.add_option("--gpus", opts->gpus, "Only clusters with N free flex GPUs now (with --contiguous: islands)")
      ->type_name("N")
      ->check(positive_integer_up_to(1000000000));
  cmd.add_flag("--contiguous", opts->contiguous,
               "With --gpus N: only islands with a free block of N GPUs on whole free nodes, one row per island");
  cmd.add_option("--for", opts->stay,
                 "With --contiguous: leave out nodes that maintenance covers within this long from now (default 24h)")
      ->type_name("DURATION");
  cmd.add_flag("--stable", opts->stable, "Only stable capacity: free flex GPUs in-quota jobs can never reclaim");
  cmd.add_option("--by", opts->by, "partition: rows per Slurm partition (a node in several counts in each)")
      ->check(CLI::IsMember({"partition"}));
  cmd.add_option("--partition", opts->partition, "Only the nodes of this Slurm partition");
  cmd.footer(R"(Examples:
  fleetcap flex                               clusters by free flex GPUs, most first
  fleetcap flex --namespace evals             with evals' flex use and fair share per cluster
  fleetcap flex --gpus 352 --contiguous       islands with 352 GPUs free on whole nodes for 24h
  fleetcap flex --gpus 96 --contiguous --for 3d --namespace evals   free for 3 days; over evals' share?
  fleetcap flex --stable --sku h200           free flex that will not be reclaimed, on H200s
  fleetcap flex --by partition                the same per Slurm partition
  fleetcap flex --gpus 16 --contiguous --partition gpu   a block in partition gpu
  fleetcap flex --json | jq '.clusters[0].name')");
  cmd.callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_flex(c, *opts); }; });
}

} // namespace fleetcap::cli
