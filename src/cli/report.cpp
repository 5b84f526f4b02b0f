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

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>

namespace fleetcap::cli {

namespace {

struct ReportOptions {
  std::string html;
  std::string buffer = "15%";
  std::string cut = "pro-rata";
  std::string from = "5%", to = "20%", step = "2.5%";
  std::string window = "14d";
};

BasisPoints percent(std::string_view option, const std::string& text) {
  const auto bp = parse_percent(text);
  if (!bp)
    throw UsageError(fmt::format("{} \"{}\" is not a percentage from 0% to 100% with at most two decimals, such as "
                                 "15% or 2.5%",
                                 option, text));
  return *bp;
}

// Written whole to FILE.tmp, then renamed over FILE: a reader never sees half a page. A FILE
// that exists and is not a regular file (/dev/null, a FIFO) is written in place instead:
// renaming over it would replace the device.
// The page goes through the one file writer (local_file.hpp): redacted as `--html -` is.
void write_file(const std::string& path, const std::string& text) {
  struct stat st {};
  const bool special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
  const std::string tmp = special ? path : path + ".tmp";
  try {
    write_local_file(tmp, {text}, "--html " + path);
  } catch (...) {
    if (!special) std::remove(tmp.c_str());
    throw;
  }
  if (!special && std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw RuntimeError(fmt::format("cannot write --html {}: {}", path, std::strerror(e)));
  }
}

std::string run_report(Context& ctx, const ReportOptions& opts) {
  // Every option is checked before the fleet is read.
  BufferChoice buffer;
  buffer.bp = percent("--buffer", opts.buffer);
  const CutPolicy policy = opts.cut == "least-disruptive" ? CutPolicy::least_disruptive : CutPolicy::pro_rata;
  const BasisPoints from = percent("--from", opts.from), to = percent("--to", opts.to),
                    step = percent("--step", opts.step);
  if (step <= 0) throw UsageError("--step must be above 0%");
  if (from > to) throw UsageError(fmt::format("--from {} is above --to {}", opts.from, opts.to));
  MaintenanceHorizon horizon;
  const bool bare = !opts.window.empty() && opts.window.find_first_not_of("0123456789") == std::string::npos;
  if (bare) throw UsageError(fmt::format("--window \"{0}\" needs a unit: {0}d? {0}h?", opts.window));
  const auto window = parse_duration(opts.window);
  if (!window || *window <= 0)
    throw UsageError(fmt::format("--window \"{}\" is not a positive duration like 14d, 36h or 1d12h", opts.window));
  horizon.window = *window;

  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  const Time at = ctx.at(snap);
  horizon.at = at;
  const FleetAt fleet = evaluate(snap, at);
  const CapacityReport cap = capacity(snap, fleet, sel, GroupBy::none);
  // Health history as `overalloc` reads it by default: the snapshot's, over 28 days.
  const OverallocBasis basis = overalloc_basis(snap, fleet, sel, snap.health_history, 28 * 86400);
  const OverallocReport over = overalloc(basis, snap, buffer, policy);
  std::vector<OverallocReport> sweep;
  for (BasisPoints bp = from; bp <= to; bp += step) {
    BufferChoice b;
    b.bp = bp;
    sweep.push_back(overalloc(basis, snap, b, policy));
  }
  const ImpactReport impact = maintenance_impact(snap, sel, horizon);
  ctx.phase("figures");

  HtmlReport page;
  page.capacity = &cap;
  page.overalloc = &over;
  page.sweep = &sweep;
  page.impact = &impact;
  const std::string html = render_html_report(page, snap, ctx.render_options(snap, at));
  if (opts.html == "-") return html;
  write_file(opts.html, html);
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
