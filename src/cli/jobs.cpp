// `fleetcap jobs` (docs/jobs.md): like squeue and kubectl get workloads, over the whole fleet, with
// quota or flex and whether what waits would start now.
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/figures/jobs.hpp"
#include "fleetcap/render/jobs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace fleetcap::cli {

namespace {
struct JobsOptions {
  std::string ns, quota, user, node, by;
  bool flex = false, pending = false, running = false;
};

// --quota names a quota (a leaf, or a group for the jobs of the leaves below it).
std::uint32_t quota_option(const Snapshot& snap, const std::string& name) {
  const std::uint32_t q = snap.find_quota(name);
  if (q != kNone) return q;
  std::vector<std::string_view> known;
  for (const auto& quota : snap.quotas) known.push_back(quota.name);
  unknown_name("--quota: no quota named", name, fmt::format(" in {}", display_source(snap.source)), known,
               name == "flex" ? "flex jobs are --flex" : "");
}

std::uint32_t node_option(const Snapshot& snap, const std::string& name) {
  const std::uint32_t n = snap.find_node(name);
  if (n != kNone) return n;
  std::vector<std::string_view> names;
  names.reserve(snap.nodes.size());
  for (const auto& node : snap.nodes) names.push_back(node.name);
  unknown_name("--node: no node named", name, fmt::format(" in {}", display_source(snap.source)), names);
}

void user_option(const Snapshot& snap, const std::string& user) {
  std::vector<std::string_view> users;
  for (const auto& j : snap.jobs)
    if (!j.user().empty()) users.push_back(j.user());
  if (users.empty())
    throw UsageError(fmt::format("--user {}: {} says no job's user (the fleet API's optional `user`, Slurm's "
                                 "user_name); filter by --namespace instead",
                                 user, display_source(snap.source)));
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  if (!std::binary_search(users.begin(), users.end(), std::string_view(user)))
    unknown_name("--user: no job of user", user, fmt::format(" in {}", display_source(snap.source)), users);
}

std::string run_jobs(Context& ctx, const JobsOptions& opts) {
  if (!opts.by.empty() && !opts.pending)
    throw UsageError("--by sums the pending demand: give it with --pending (jobs --pending --by cluster)");
  if (opts.pending && opts.running) throw UsageError("--pending and --running exclude each other; give one");
  const Selection sel = ctx.selection();
  Snapshot snap = ctx.load();
  JobsQuery q;
  q.flex = opts.flex;
  q.pending = opts.pending;
  q.running = opts.running;
  if (!opts.ns.empty()) {
    check_namespace(snap, opts.ns);
    q.ns = opts.ns;
  }
  if (!opts.user.empty()) {
    user_option(snap, opts.user);
    q.user = opts.user;
  }
  if (!opts.quota.empty()) q.quota = quota_option(snap, opts.quota);
  if (!opts.node.empty()) {
    q.node = node_option(snap, opts.node);
    const std::uint32_t ci = snap.nodes[q.node].cluster_index;
    const Cluster& c = snap.clusters[ci];
    if (!selected_mask(snap, sel)[ci])
      throw UsageError(fmt::format("--node {}: its cluster {} is not among the selected clusters (it is {}); add "
                                   "--cluster {} or --state all",
                                   opts.node, c.name, to_string(c.state), c.name));
  }
  const Time at = ctx.at(snap);
  const FleetAt fleet = evaluate(snap, at);
  const JobsReport report = list_jobs(snap, fleet, sel, q);
  std::optional<PendingDemand> demand;
  if (!opts.by.empty())
    demand = pending_demand(snap, fleet, sel, report,
                            opts.by == "sku"     ? PendingBy::sku
                            : opts.by == "quota" ? PendingBy::quota
                                                 : PendingBy::cluster);
  ctx.phase("figures");
  const JobsView v{&report, &q, opts.node, opts.quota, demand ? &*demand : nullptr};
  // Every check has passed by now: a JSON document may stream to stdout (tens of MB on a large fleet).
  return render_jobs(v, snap, ctx.render_options(snap, at), ctx.out);
}
} // namespace

void setup_jobs(CLI::App& cmd, Context& ctx) {
  auto opts = std::make_shared<JobsOptions>();
  cmd.add_option("--namespace", opts->ns, "Only this namespace's jobs (Slurm: account)")->type_name("NS");
  cmd.add_option("--quota", opts->quota, "Only jobs in this quota (a group: the quotas below it)")->type_name("QUOTA");
  cmd.add_option("--user", opts->user, "Only this user's jobs (where the source says users)")->type_name("USER");
  cmd.add_flag("--flex", opts->flex, "Only flex jobs (outside quota, preempted first)");
  cmd.add_flag("--pending", opts->pending, "Only pending jobs, each with whether it would start now (FITS-NOW)");
  cmd.add_flag("--running", opts->running, "Only running jobs");
  cmd.add_option("--node", opts->node, "Only jobs running on this node")->type_name("NODE");
  cmd.add_option("--by", opts->by, "With --pending: the pending demand summed per cluster, SKU or quota")
      ->check(CLI::IsMember({"cluster", "sku", "quota"}));
  cmd.footer(R"(Examples:
  fleetcap jobs                                 every job holding or waiting for GPUs
  fleetcap jobs --namespace evals --flex        evals' flex jobs: the first to be preempted
  fleetcap jobs --pending                       what waits, why, and whether it would start now
  fleetcap jobs --pending --by cluster          GPUs waiting per cluster, and what fits now
  fleetcap jobs --node h100-uss-004-n0017       what runs on one node
  fleetcap jobs --sort gpus --columns job,namespace,gpus,state
  fleetcap jobs --json | jq '.jobs[] | select(.fits_now == "free") | .name'

FITS-NOW (pending jobs): free = would start now on unused GPUs; quota = would start within
its quota by preempting flex; flex = its quota is full but it would start as a flex job;
waits = it would not start now, or it is held (JobHeldUser, Dependency, BeginTime, ...). Jobs
are taken in queue order (priority, then submit time), each using what the ones before it left.)");
  cmd.callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_jobs(c, *opts); }; });
}

} // namespace fleetcap::cli
