// `fleetcap quota` and `fleetcap quota show NAME` (docs/concepts.md, docs/figures.md, docs/cli.md).
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/quota.hpp"
#include "fleetcap/render/prometheus.hpp"
#include "fleetcap/render/quota.hpp"

#include <fmt/format.h>

#include <memory>

namespace fleetcap::cli {

namespace {
struct QuotaOptions {
  std::string ns;
  std::string name; // quota show NAME
};

std::string run_quota(Context& ctx, const QuotaOptions& opts) {
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  const Time at = ctx.at(snap);
  const FleetAt fleet = evaluate(snap, at);
  std::optional<std::string> ns;
  if (!opts.ns.empty()) {
    check_namespace(snap, opts.ns);
    ns = opts.ns;
  }
  const QuotaReport report = quota_tree(snap, fleet, sel, ns);
  ctx.phase("figures");
  if (ctx.prometheus()) return render_quota_prometheus(report, snap, ctx.render_options(snap, at));
  return render_quota(report, snap, ctx.render_options(snap, at));
}

std::string run_show(Context& ctx, const QuotaOptions& opts) {
  Snapshot snap = ctx.load();
  const std::uint32_t q = snap.find_quota(opts.name);
  if (q == kNone) {
    std::vector<std::string_view> names;
    for (const auto& quota : snap.quotas) names.push_back(quota.name);
    unknown_name("no quota named", opts.name, fmt::format(" in {}", display_source(snap.source)), names,
                 "'fleetcap quota' lists them");
  }
  const Time at = ctx.at(snap);
  const FleetAt fleet = evaluate(snap, at);
  const QuotaDetail detail = quota_detail(snap, fleet, q);
  ctx.phase("figures");
  return render_quota_detail(detail, snap, ctx.render_options(snap, at));
}
} // namespace

void setup_quota(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<QuotaOptions>();
  cmd.add_option("--namespace", opts->ns,
                 "Only the quotas this namespace may target, with what a job could get now in-quota and on flex")
      ->type_name("NS");
  cmd.footer(R"(Examples:
  fleetcap quota                              the quota tree, groups with the sums of their leaves
  fleetcap quota --namespace evals            what evals may target, and where flex serves better
  fleetcap quota show research/pretrain       one quota: jobs in preemption order, siblings, backing
  fleetcap quota --json | jq '.quotas[] | select(.available > 0) | .name')");
  CLI::App* show = cmd.add_subcommand("show", "One quota: its figures, jobs in preemption order, siblings, backing");
  show->add_option("NAME", opts->name, "A leaf quota, or a group (its leaves and their jobs)")->required();
  show->footer(R"(Examples:
  fleetcap quota show research/pretrain       figures, jobs, siblings and why part is unbacked
  fleetcap quota show research                a group: its leaves and all their jobs
  fleetcap quota show research/pretrain --json | jq '.jobs[0].name')");
  show->callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_show(c, *opts); }; });
  // `quota show` sets its action first; keep it.
  cmd.callback([&ctx, opts] {
    if (!ctx.action) ctx.action = [opts](Context& c) { return run_quota(c, *opts); };
  });
}

} // namespace fleetcap::cli
