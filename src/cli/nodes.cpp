// `fleetcap nodes` (docs/maintenance.md, docs/cli.md): like `sinfo -R`.
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/nodes.hpp"
#include "fleetcap/render/nodes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace fleetcap::cli {

namespace {
struct NodesOptions {
  bool all = false;
  bool free = false;
  std::string by, partition;
  std::vector<std::string> islands;
  std::string window = "14d";
};

std::string run_nodes(Context& ctx, const NodesOptions& opts) {
  if (opts.free && (opts.all || !opts.by.empty()))
    throw UsageError(
        fmt::format("--free lists the nodes with free GPUs; it does not go with {}", opts.all ? "--all" : "--by"));
  const Duration window = duration_option("--window", opts.window);
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  // An island name the snapshot does not hold is a usage error, with the nearest names.
  for (const auto& name : opts.islands) {
    const auto& islands = snap.index.islands;
    if (std::any_of(islands.begin(), islands.end(), [&](const Island& i) { return i.name == name; })) continue;
    std::vector<std::string_view> known;
    for (const auto& i : islands) known.push_back(i.name);
    unknown_name("--island: no island named", name, "", known);
  }
  MaintenanceHorizon h;
  h.at = ctx.at(snap);
  h.window = window;
  NodesQuery q;
  q.all = opts.all;
  q.islands = opts.islands;
  if (!opts.partition.empty()) q.partition = partition_option(snap, opts.partition);
  q.by_partition = opts.by == "partition";
  if (q.by_partition && snap.partitions.empty())
    throw UsageError("--by partition: this source has no partitions (Slurm's, from slurmrestd or its commands)");
  if (opts.free) {
    const auto free = free_nodes(snap, sel, h, q);
    ctx.phase("figures");
    // Every check has passed by now: a JSON document may stream to stdout (tens of MB at a million GPUs).
    return render_free_nodes(free, snap, ctx.render_options(snap, h.at), ctx.out);
  }
  const NodesReport report = list_nodes(snap, sel, h, q);
  ctx.phase("figures");
  RenderOptions ro = ctx.render_options(snap, h.at);
  return render_nodes(report, snap, ro,
                      q.by_partition        ? NodesBy::partition
                      : opts.by == "island" ? NodesBy::island
                                            : NodesBy::node);
}
} // namespace

void setup_nodes(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<NodesOptions>();
  cmd.add_flag("--all", opts->all,
               "Every node, not only those not schedulable, with issues or with maintenance coming");
  cmd.add_flag("--free", opts->free,
               "Nodes with free GPUs, most free first: GPUs, in use (in quota, flex), free, next maintenance");
  cmd.add_option("--by", opts->by, "Sum the listed nodes per island, or per Slurm partition")
      ->check(CLI::IsMember({"island", "partition"}));
  cmd.add_option("--partition", opts->partition, "Only nodes of this Slurm partition");
  add_list_option(cmd, "--island", opts->islands, "Only nodes of this island (repeatable)");
  cmd.add_option("--window", opts->window, "Maintenance this far ahead from --at counts as coming (default 14d)");
  cmd.footer(R"(Examples:
  fleetcap nodes                              problems first: down, cordoned, issues, then maintenance
  fleetcap nodes --free                       where free GPUs are, node by node, most free first
  fleetcap nodes --free --sku h100 -o name    names of h100 nodes with a free GPU
  fleetcap nodes --by island                  the listed nodes summed per island
  fleetcap nodes --all --island tiger-ib2     every node of one island
  fleetcap nodes --all --by partition         every node summed per Slurm partition (one in several counts in each)
  fleetcap nodes --json | jq '.nodes[] | select(.schedulable | not) | .name'

A node is listed when it is not schedulable now (unhealthy, cordoned, or in maintenance),
has an open issue, or an open maintenance event overlaps the window: in that order, then
by cluster, island and name. REASON says why, in words (its worst issue, else what keeps
it out); ISSUE is its worst open issue (p0 first, then earliest detected); NEXT-EVENT the
event it is in now, else the next one to start (relative, "in 6h", when the terminal is
narrow).)");
  cmd.callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_nodes(c, *opts); }; });
}

} // namespace fleetcap::cli
