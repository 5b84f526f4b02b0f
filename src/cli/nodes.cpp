// `fleetcap nodes` (SPEC §6, §7): like `sinfo -R`.
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/nodes.hpp"
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/nodes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace fleetcap::cli {

namespace {
struct NodesOptions {
  bool all = false;
  std::string by;
  std::vector<std::string> islands;
  std::string window = "14d";
  std::string sort;
};

std::string run_nodes(Context& ctx, const NodesOptions& opts) {
  if (!opts.sort.empty() && !is_column_name("nodes", opts.sort))
    throw UsageError(fmt::format("--sort \"{}\" is not a column of nodes; use a header or JSON key such as gpus_used, "
                                 "worst_issue or next_event",
                                 opts.sort));
  if (opts.window.find_first_not_of("0123456789") == std::string::npos)
    throw UsageError(fmt::format("--window \"{}\" needs a unit: {}d? {}h?", opts.window, opts.window, opts.window));
  const auto window = parse_duration(opts.window);
  if (!window || *window == 0)
    throw UsageError(fmt::format("--window \"{}\" is not a positive duration like 14d, 12h or 1d12h", opts.window));
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  // An island name the snapshot does not hold is a usage error, with the nearest names.
  for (const auto& name : opts.islands) {
    const auto& islands = snap.index.islands;
    if (std::any_of(islands.begin(), islands.end(), [&](const Island& i) { return i.name == name; })) continue;
    std::vector<std::pair<std::size_t, std::string_view>> scored;
    for (const auto& i : islands) scored.emplace_back(edit_distance(name, i.name), i.name);
    std::sort(scored.begin(), scored.end());
    std::string msg = fmt::format("no island named \"{}\"", name);
    for (std::size_t k = 0; k < std::min<std::size_t>(3, scored.size()); ++k)
      msg += fmt::format("{}{}", k ? ", " : "; did you mean ", scored[k].second);
    throw UsageError(scored.empty() ? msg : msg + "?");
  }
  MaintenanceHorizon h;
  h.at = ctx.at(snap);
  h.window = *window;
  NodesQuery q;
  q.all = opts.all;
  q.islands = opts.islands;
  RenderOptions ro = ctx.render_options(snap, h.at);
  ro.sort = opts.sort;
  return render_nodes(list_nodes(snap, sel, h, q), snap, ro, opts.by == "island");
}
} // namespace

void setup_nodes(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<NodesOptions>();
  cmd.add_flag("--all", opts->all, "Every node, not only those not schedulable, with issues or with maintenance coming");
  cmd.add_option("--by", opts->by, "Sum the listed nodes per island")->check(CLI::IsMember({"island"}));
  add_list_option(cmd, "--island", opts->islands, "Only nodes of this island (repeatable)");
  cmd.add_option("--window", opts->window, "Maintenance this far ahead from --at counts as coming (default 14d)");
  cmd.add_option("--sort", opts->sort, "Sort by a column: a header or JSON key (numbers largest first)");
  cmd.footer(R"(Examples:
  fleetcap nodes                              nodes down, cordoned, with issues or maintenance coming
  fleetcap nodes --by island                  the same summed per island
  fleetcap nodes --all --island tiger-ib2     every node of one island
  fleetcap nodes --json | jq '.nodes[] | select(.schedulable | not) | .name'

A node is listed when it is not schedulable now (unhealthy, cordoned, or in maintenance),
has an open issue, or an open maintenance event overlaps the window. ISSUE is its worst
open issue (p0 first, then earliest detected); NEXT-EVENT the event it is in now, else
the next one to start.)");
  cmd.callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_nodes(c, *opts); }; });
}

} // namespace fleetcap::cli
