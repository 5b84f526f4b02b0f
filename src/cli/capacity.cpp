// `fleetcap capacity` (docs/figures.md, docs/cli.md).
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/render/capacity.hpp"
#include "fleetcap/render/prometheus.hpp"

#include <fmt/format.h>

#include <memory>

namespace fleetcap::cli {

namespace {
struct CapacityOptions {
  std::string by, partition;
};

std::string run_capacity(Context& ctx, const CapacityOptions& opts) {
  Selection sel = ctx.selection();
  const GroupBy by = opts.by == "region"      ? GroupBy::region
                     : opts.by == "sku"       ? GroupBy::sku
                     : opts.by == "provider"  ? GroupBy::provider
                     : opts.by == "partition" ? GroupBy::partition
                                              : GroupBy::none;
  if (by == GroupBy::partition && !opts.partition.empty())
    throw UsageError("--by partition and --partition: choose one (one row per partition, or one partition's clusters)");
  Snapshot snap = ctx.load();
  const Time at = ctx.at(snap);
  CapacityReport report;
  if (by == GroupBy::partition) {
    if (snap.partitions.empty())
      throw UsageError("--by partition: this source has no partitions (Slurm's, from slurmrestd or its commands)");
    report = capacity_by_partition(snap, at, sel);
  } else if (!opts.partition.empty()) {
    const auto p = partition_option(snap, opts.partition);
    sel = in_partition(snap, sel, p);
    report = capacity(snap, evaluate(snap, at, partition_nodes(snap, p)), sel, by);
    report.partition = opts.partition;
  } else {
    report = capacity(snap, evaluate(snap, at), sel, by);
  }
  ctx.phase("figures");
  RenderOptions ro = ctx.render_options(snap, at);
  if (ctx.prometheus()) return render_capacity_prometheus(report, snap, ro);
  return render_capacity(report, snap, ro);
}
} // namespace

void setup_capacity(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<CapacityOptions>();
  cmd.add_option("--by", opts->by, "Group clusters by region, sku, provider or partition (Slurm's)")
      ->check(CLI::IsMember({"region", "sku", "provider", "partition"}));
  cmd.add_option("--partition", opts->partition,
                 "Only the nodes of this Slurm partition: every figure over them (quota stays the cluster's)");
  cmd.footer(R"(Examples:
  fleetcap capacity                         production clusters, one row each, and a TOTAL row
  fleetcap capacity --wide --sort unbacked  every figure, most unbacked quota first
  fleetcap capacity --by sku --state all    one row per GPU SKU over every lifecycle state
  fleetcap capacity --by partition          one row per Slurm partition (a node in several counts in each)
  fleetcap capacity --partition gpu         the clusters' figures over partition gpu's nodes
  fleetcap capacity --format csv > cap.csv  for a spreadsheet)");
  // `capacity flex` is `flex` under its docs/cli.md alias.
  setup_flex(*cmd.add_subcommand("flex", "Same as 'fleetcap flex'"), ctx);
  // A nested command (capacity flex) sets its action first; keep it.
  cmd.callback([&ctx, opts] {
    if (!ctx.action) ctx.action = [opts](Context& c) { return run_capacity(c, *opts); };
  });
}

} // namespace fleetcap::cli
