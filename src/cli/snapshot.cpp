// `fleetcap snapshot save DIR`: fetch once, answer the same next week (docs/fleet-api.md).
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/render/snapshot.hpp"

#include <filesystem>
#include <memory>

namespace fleetcap::cli {

namespace {
struct SaveOptions {
  std::string dir;
  bool force = false;
};

std::string run_save(Context& ctx, const SaveOptions& opts) {
  check_snapshot_target(opts.dir, opts.force); // before a fetch that may take minutes
  RawItems raw;
  Snapshot snap = ctx.load(&raw);
  // A snapshot of a live API is taken now (--at is about figures, not about when data was
  // fetched); re-saving a saved one keeps its time.
  const Time taken_at = snap.taken_at.value_or(wall_clock_now());
  save_snapshot(opts.dir, raw, taken_at, snap.source, opts.force, &snap);
  ctx.phase("write the snapshot");
  return render_snapshot_saved(snap, opts.dir, taken_at, ctx.render_options(snap, taken_at));
}
} // namespace

void setup_snapshot(CLI::App& cmd, Context& ctx) {
  cmd.require_subcommand(1);
  cmd.footer(R"(Examples:
  fleetcap --source https://fleet.example/api snapshot save ./fleet-2026-11-20)");
  CLI::App* save = cmd.add_subcommand("save", "Fetch every resource and write them to DIR as a snapshot");
  auto opts = std::make_shared<SaveOptions>();
  save->add_option("DIR", opts->dir, "Directory to create (must not exist unless --force)")->required();
  save->add_flag("-f,--force", opts->force, "Replace DIR if it exists");
  save->footer(R"(Examples:
  fleetcap --source https://fleet.example/api snapshot save ./fleet-2026-11-20
  fleetcap --source ./fleet-2026-11-20 capacity     the same answer next week)");
  save->callback([&ctx, opts] { ctx.action = [opts](Context& c) { return run_save(c, *opts); }; });
}

} // namespace fleetcap::cli
