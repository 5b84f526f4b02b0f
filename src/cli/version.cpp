#include "context.hpp"

#include "fleetcap/render/snapshot.hpp"

namespace fleetcap::cli {

void setup_version(CLI::App& cmd, Context& ctx) {
  cmd.footer(R"(Examples:
  fleetcap version
  fleetcap version --json    {"schema": "fleetcap.version/v1", "version": "..."})");
  cmd.callback([&ctx] { ctx.action = [](Context& c) { return render_version(c.render_options(Snapshot{}, 0)); }; });
}

} // namespace fleetcap::cli
