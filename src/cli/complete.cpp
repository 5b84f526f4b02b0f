// Hidden `fleetcap __complete KIND`: names from the snapshot for shell completion (clusters,
// regions, skus, nodes, quotas, namespaces; and the config file's source names). Prints nothing rather than failing: a
// completion must never spray errors into the user's prompt.
#include "context.hpp"

#include <algorithm>
#include <memory>
#include <set>

namespace fleetcap::cli {

namespace {
std::string complete(Context& ctx, const std::string& kind) {
  std::set<std::string> names;
  try {
    ctx.global.quiet = true;
    if (kind == "sources") { // the config file's [sources.NAME]: no source is read
      std::string out;
      for (const auto& n : ctx.configured_sources()) out += n + "\n";
      return out;
    }
    Snapshot snap = ctx.load();
    for (const auto& c : snap.clusters) {
      if (kind == "clusters") names.insert(c.name);
      if (kind == "regions") names.insert(c.region);
      if (kind == "skus") names.insert(c.sku);
    }
    if (kind == "nodes")
      for (const auto& n : snap.nodes) names.emplace(n.name);
    if (kind == "quotas")
      for (const auto& q : snap.quotas) names.insert(q.name);
    if (kind == "namespaces")
      for (const auto& j : snap.jobs) names.emplace(j.ns);
    if (kind == "events")
      for (const auto& e : snap.maintenance) names.emplace(e.id);
  } catch (const std::exception&) {
    return {};
  }
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}
} // namespace

void setup_complete(CLI::App& cmd, Context& ctx) {
  auto kind = std::make_shared<std::string>();
  cmd.add_option("KIND", *kind, "clusters, regions, skus, nodes, quotas, namespaces, events or sources")
      ->required()
      ->check(CLI::IsMember({"clusters", "regions", "skus", "nodes", "quotas", "namespaces", "events", "sources"}));
  cmd.callback([&ctx, kind] { ctx.action = [kind](Context& c) { return complete(c, *kind); }; });
}

} // namespace fleetcap::cli
