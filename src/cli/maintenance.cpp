// `fleetcap maintenance list|node|impact|plan` (docs/maintenance.md, docs/cli.md).
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/maintenance.hpp"
#include "fleetcap/render/maintenance.hpp"

#include <fmt/format.h>

#include <memory>

namespace fleetcap::cli {

namespace {
struct MaintenanceOptions {
  std::string window = "14d";
  std::string lead = "12h";
  std::vector<std::string> event_states;
  bool hard = false;
  bool same_region = false;
  std::string node;
};

MaintenanceHorizon horizon(const MaintenanceOptions& o) {
  MaintenanceHorizon h;
  h.window = duration_option("--window", o.window, false);
  h.lead = duration_option("--lead", o.lead, true);
  return h;
}

EventFilter event_filter(const MaintenanceOptions& o) {
  EventFilter f;
  f.hard_only = o.hard;
  if (o.event_states.empty()) return f;
  f.states.clear();
  for (const auto& name : o.event_states) {
    if (name == "all") {
      f.states = {EventState::scheduled, EventState::in_progress, EventState::completed, EventState::cancelled};
      continue;
    }
    const auto s = event_state_from(name);
    if (!s)
      throw UsageError(
          fmt::format("--event-state \"{}\" is not one of scheduled, in_progress, completed, cancelled, all", name));
    f.states.push_back(*s);
  }
  return f;
}

// The plan looks for destinations beyond the --cluster filter, and a node name is unique
// fleet-wide, so both load the whole fleet (no ?cluster= hint) and select afterwards.
Snapshot load_whole_fleet(const Context& ctx) {
  Context whole = ctx;
  whole.global.clusters.clear();
  Snapshot snap = whole.load();
  ctx.loaded = whole.loaded;
  ctx.phase_mark = whole.phase_mark;
  return snap;
}

std::string run_list(Context& ctx, const MaintenanceOptions& opts) {
  MaintenanceHorizon h = horizon(opts);
  const EventFilter filter = event_filter(opts);
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  h.at = ctx.at(snap);
  const EventList events = list_events(snap, sel, h, filter);
  ctx.phase("figures");
  return render_event_list(events, snap, ctx.render_options(snap, h.at));
}

std::string run_node(Context& ctx, const MaintenanceOptions& opts) {
  const Duration lead = duration_option("--lead", opts.lead, true);
  Snapshot snap = load_whole_fleet(ctx);
  const Time at = ctx.at(snap);
  const std::uint32_t node = snap.find_node(opts.node);
  if (node == kNone) {
    std::vector<std::string_view> names;
    names.reserve(snap.nodes.size());
    for (const auto& n : snap.nodes) names.push_back(n.name);
    unknown_name("no node named", opts.node, fmt::format(" in {}", display_source(snap.source)), names);
  }
  const NodeCard card = node_card(snap, node, at, lead);
  ctx.phase("figures");
  return render_node_card(card, snap, ctx.render_options(snap, at));
}

std::string run_impact(Context& ctx, const MaintenanceOptions& opts) {
  MaintenanceHorizon h = horizon(opts);
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  h.at = ctx.at(snap);
  const ImpactReport impact = maintenance_impact(snap, sel, h);
  ctx.phase("figures");
  return render_impact(impact, snap, ctx.render_options(snap, h.at));
}

std::string run_plan(Context& ctx, const MaintenanceOptions& opts) {
  MaintenanceHorizon h = horizon(opts);
  const Selection sel = ctx.selection();
  Snapshot snap = load_whole_fleet(ctx);
  h.at = ctx.at(snap);
  const MovePlan plan = plan_moves(snap, sel, h, opts.same_region);
  ctx.phase("figures");
  // Every check has passed by now: the plan may stream to stdout (render_move_plan).
  render_move_plan(plan, snap, ctx.render_options(snap, h.at), *ctx.out);
  return {};
}

void add_window(CLI::App& cmd, MaintenanceOptions& o) {
  cmd.add_option("--window", o.window, "Look this far ahead from --at (default 14d; e.g. 7d, 36h)");
}
void add_lead(CLI::App& cmd, MaintenanceOptions& o) {
  cmd.add_option("--lead", o.lead, "Act this long before an event starts (default 12h)");
}
} // namespace

void setup_maintenance(CLI::App& cmd, Context& ctx) {
  cmd.require_subcommand(1);
  cmd.footer(R"(Examples:
  fleetcap maintenance list                   events in the next 14 days and what they hit
  fleetcap maintenance node t05               everything known about one node
  fleetcap maintenance impact --window 7d     schedulable GPUs per cluster as events come and go
  fleetcap maintenance plan --json            jobs to move and where, for automation)");

  {
    auto o = std::make_shared<MaintenanceOptions>();
    CLI::App* list =
        cmd.add_subcommand("list", "Maintenance events in the window: GPUs, jobs still on them, action-by");
    add_window(*list, *o);
    add_lead(*list, *o);
    add_list_option(*list, "--event-state", o->event_states,
                    "Event states to show: scheduled, in_progress, completed, cancelled, all (repeatable; default "
                    "scheduled and in_progress)")
        ->check(CLI::IsMember({"scheduled", "in_progress", "completed", "cancelled", "all"}));
    list->add_flag("--hard", o->hard, "Only events whose start date is hard");
    list->footer(R"(Examples:
  fleetcap maintenance list                            scheduled and in-progress events, next 14 days
  fleetcap maintenance list --hard --cluster tiger     hard-start events in one cluster
  fleetcap maintenance list --lead 24h --window 3d     act a day ahead; the next three days
  fleetcap maintenance list --event-state all --json | jq '.events[] | select(.overdue)'

An event is OVERDUE when its action-by time (start - lead) has come, it has not ended,
and running jobs still list its nodes. --event-state is spelled so because --state is
the global cluster lifecycle filter.)");
    list->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_list(c, *o); }; });
  }
  {
    auto o = std::make_shared<MaintenanceOptions>();
    CLI::App* node = cmd.add_subcommand("node", "One node: health, issues, past and coming maintenance, jobs, quotas");
    node->add_option("NODE", o->node, "Node name")->required();
    add_lead(*node, *o);
    node->footer(R"(Examples:
  fleetcap maintenance node t05              health, issues, events, jobs and their quotas
  fleetcap maintenance node t05 --json       the same for a script

An unknown name is an error (exit 2) that suggests the three closest node names.)");
    node->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_node(c, *o); }; });
  }
  {
    auto o = std::make_shared<MaintenanceOptions>();
    CLI::App* impact =
        cmd.add_subcommand("impact", "Per cluster: schedulable GPUs over the window, minimum, worst unbacked, block");
    add_window(*impact, *o);
    impact->footer(R"(Examples:
  fleetcap maintenance impact                     the next 14 days, with a timeline per cluster
  fleetcap maintenance impact --sku h200 --json   every step of the series, for a dashboard)");
    impact->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_impact(c, *o); }; });
  }
  {
    auto o = std::make_shared<MaintenanceOptions>();
    CLI::App* plan = cmd.add_subcommand("plan", "Jobs that must move off failing or maintained nodes, and where to");
    add_window(*plan, *o);
    add_lead(*plan, *o);
    plan->add_flag("--same-region", o->same_region, "Only move to clusters of the job's region and provider");
    plan->footer(R"(Examples:
  fleetcap maintenance plan                          what must move in the next 14 days, and where
  fleetcap maintenance plan --same-region            never leave the job's region and provider
  fleetcap maintenance plan --json | jq '.unplaced'  what cannot be placed, and why)");
    plan->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_plan(c, *o); }; });
  }
}

} // namespace fleetcap::cli
