// `fleetcap sources` (docs/sources.md): the fleet's sources as `kubectl config get-contexts` and
// `kubectl version` tell them, for every source at once.
#include "context.hpp"

#include "fleetcap/render/sources.hpp"

namespace fleetcap::cli {

namespace {
std::string run_sources(Context& ctx) {
  ctx.listing = true;
  Snapshot snap = ctx.load();
  // Every source is listed, and the run says whether all of them answered (exit 4 if not).
  for (const auto& s : snap.sources) ctx.partial_answer = ctx.partial_answer || !s.ok;
  RenderOptions o = ctx.render_options(snap, ctx.at(snap));
  o.source_details = true;
  for (const auto& c : snap.clusters)
    if (c.source < o.sources.size()) ++o.sources[c.source].clusters;
  return render_sources(o);
}
} // namespace

void setup_sources(CLI::App& cmd, Context& ctx) {
  cmd.footer(R"(Examples:
  fleetcap sources                            every [sources.NAME] of the config file
  fleetcap --source lab --source prod-k8s sources -o wide
  fleetcap sources -o json | jq '.sources[] | select(.ok | not) | .name'

Every source is read, at once, whatever fails: REACHABLE says whether it answered, ERROR why
not. VERSION is what it says of itself (Slurm's release and slurmrestd's data parser,
Kubernetes' and Kueue's API, the fleet API's), AUTH how fleetcap logged in (never the
secret), TOOK how long reading it took. Exit status 4 when a source did not answer.)");
  cmd.callback([&ctx] { ctx.action = [](Context& c) { return run_sources(c); }; });
}

} // namespace fleetcap::cli
