// `fleetcap report --html FILE`: capacity, the overalloc sweep and cuts, and maintenance impact
// on one self-contained page (render/html.cpp). The snapshot is loaded once; every figure comes
// from the same figures/ functions the capacity, overalloc and maintenance commands call.
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/figures/maintenance.hpp"
#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/model/time.hpp"
#include "fleetcap/render/html.hpp"
#include "fleetcap/source/local_file.hpp"

#include <fmt/format.h>

#include <future>
#include <memory>

namespace fleetcap::cli {

namespace {

struct ReportOptions {
  std::string html;
  std::string buffer = "15%";
  std::string cut = "pro-rata";
  std::string from = "5%", to = "20%", step = "2.5%";
  std::string window = "14d";
};

// The figures the page draws: the same figures/ functions as capacity, overalloc report and
// sweep, maintenance impact and the events maintenance list shows for the same window.
struct PageFigures {
  CapacityReport capacity;
  OverallocReport overalloc;
  std::vector<OverallocReport> sweep;
  ImpactReport impact;
  EventList events;
};

PageFigures page_figures(const Snapshot& snap, Time at, const Selection& sel, const ReportOptions& opts,
                         const BufferChoice& buffer, const BufferSweep& range, Duration window) {
  const CutPolicy policy = cut_option(opts.cut);
  const FleetAt fleet = evaluate(snap, at);
  // Health history as `overalloc` reads it by default: the snapshot's, over 28 days.
  const OverallocBasis basis = overalloc_basis(snap, fleet, sel, snap.health_history, 28 * 86400);
  MaintenanceHorizon horizon;
  horizon.at = at;
  horizon.window = window;
  // Five figures of one snapshot, none reading another's: the sweep (seven buffers), the impact
  // and the events are worked out beside capacity and the cuts (about 50 ms on one core for a
  // million GPUs otherwise). Figures are pure functions of what they are given.
  auto sweep = std::async(std::launch::async, [&] {
    return overalloc_sweep(basis, snap, BufferChoice{}, range.from, range.to, range.step, policy);
  });
  auto impact = std::async(std::launch::async, [&] { return maintenance_impact(snap, sel, horizon); });
  auto events = std::async(std::launch::async, [&] { return list_events(snap, sel, horizon, EventFilter{}); });
  CapacityReport cap = capacity(snap, fleet, sel, GroupBy::none);
  OverallocReport cuts = overalloc(basis, snap, buffer, policy);
  return {std::move(cap), std::move(cuts), sweep.get(), impact.get(), events.get()};
}

std::string run_report(Context& ctx, const ReportOptions& opts) {
  // Every option is checked before the fleet is read.
  BufferChoice buffer;
  buffer.bp = percent_option("--buffer", opts.buffer);
  const BufferSweep range = sweep_option(opts.from, opts.to, opts.step);
  const Duration window = duration_option("--window", opts.window);
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  const Time at = ctx.at(snap);
  const PageFigures f = page_figures(snap, at, sel, opts, buffer, range, window);
  ctx.phase("figures");
  const HtmlReport page{&f.capacity, &f.overalloc, &f.sweep, {}, &f.impact, &f.events};
  // Every check has passed by now: to stdout, the page streams as it is made.
  if (opts.html == "-") return render_html_report(page, snap, ctx.render_options(snap, at), ctx.out);
  const std::string html = render_html_report(page, snap, ctx.render_options(snap, at));
  // Through the one file writer (local_file.hpp): redacted as `--html -` is, written to FILE.tmp
  // and renamed over FILE, so a reader never sees half a page.
  write_local_file(opts.html, {html}, "--html " + opts.html, true);
  return {};
}

} // namespace

void setup_report(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<ReportOptions>();
  cmd.add_option("--html", opts->html, "Write the page to FILE ('-' for stdout)")->required()->type_name("FILE");
  cmd.add_option("--buffer", opts->buffer, "Buffer whose cuts the page shows (default 15%)");
  cmd.add_option("--cut", opts->cut, "How a cluster's cut is split over its quotas (default pro-rata)")
      ->check(CLI::IsMember({"pro-rata", "least-disruptive"}));
  cmd.add_option("--from", opts->from, "Smallest buffer of the sweep curve (default 5%)");
  cmd.add_option("--to", opts->to, "Largest buffer of the sweep curve (default 20%)");
  cmd.add_option("--step", opts->step, "Step between buffers of the sweep curve (default 2.5%)");
  cmd.add_option("--window", opts->window, "Maintenance impact: look this far ahead from --at (default 14d)");
  cmd.footer(R"(Examples:
  fleetcap report --html report.html                     capacity, buffer sweep, cuts, maintenance
  fleetcap report --html report.html --buffer 10% --cut least-disruptive
  fleetcap --source ./snap --state all report --html - > all.html)");
  cmd.callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_report(c, *opts); }; });
}

} // namespace fleetcap::cli
