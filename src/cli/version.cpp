#include "context.hpp"

#include "fleetcap/render/snapshot.hpp"

namespace fleetcap::cli {

void setup_version(CLI::App& cmd, Context& ctx) {
  cmd.callback([&ctx] {
    ctx.action = [](Context& c) { return render_version(c.render_options(Snapshot{}, 0)); };
  });
}

} // namespace fleetcap::cli
