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
  std::string by;
};

std::string run_capacity(Context& ctx, const CapacityOptions& opts) {
  const Selection sel = ctx.selection();
  const GroupBy by = opts.by == "region"     ? GroupBy::region
                     : opts.by == "sku"      ? GroupBy::sku
                     : opts.by == "provider" ? GroupBy::provider
                                             : GroupBy::none;
  Snapshot snap = ctx.load();
  const Time at = ctx.at(snap);
  const FleetAt fleet = evaluate(snap, at);
  const CapacityReport report = capacity(snap, fleet, sel, by);
  ctx.phase("figures");
  RenderOptions ro = ctx.render_options(snap, at);
  if (ctx.prometheus()) return render_capacity_prometheus(report, snap, ro);
  return render_capacity(report, snap, ro);
}
} // namespace

void setup_capacity(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<CapacityOptions>();
  cmd.add_option("--by", opts->by, "Group clusters by region, sku or provider")
      ->check(CLI::IsMember({"region", "sku", "provider"}));
  cmd.footer(R"(Examples:
  fleetcap capacity                         production clusters, one row each, and a TOTAL row
  fleetcap capacity --wide --sort unbacked  every figure, most unbacked quota first
  fleetcap capacity --by sku --state all    one row per GPU SKU over every lifecycle state
  fleetcap capacity --format csv > cap.csv  for a spreadsheet)");
  // `capacity flex` is `flex` under its docs/cli.md alias.
  setup_flex(*cmd.add_subcommand("flex", "Same as 'fleetcap flex'"), ctx);
  // A nested command (capacity flex) sets its action first; keep it.
  cmd.callback([&ctx, opts] {
    if (!ctx.action) ctx.action = [opts](Context& c) { return run_capacity(c, *opts); };
  });
}

} // namespace fleetcap::cli
