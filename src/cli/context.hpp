// What every subcommand shares: the global options and the loaded snapshot. Private to cli/.
#pragma once

#include "fleetcap/figures/select.hpp"
#include "fleetcap/model/model.hpp"
#include "fleetcap/render/output.hpp"
#include "fleetcap/source/source.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace fleetcap::cli {

struct GlobalOptions {
  std::string source;
  bool json = false;
  std::string format = "table";
  std::string color = "auto";
  std::string at;
  std::vector<std::string> clusters, regions, skus, states;
  bool quiet = false;
  bool verbose = false;
  std::string token_file, cacert;
  double connect_timeout = 10;
  double timeout = 60;
  std::int64_t max_response_mb = 2048;
  std::int64_t max_pages = 10000;
  bool allow_insecure_token = false;
};

struct Context {
  GlobalOptions global;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Set by the chosen subcommand's parse callback; returns the text for stdout, made whole
  // before any of it is written. An action whose output grows with the fleet may write to
  // `out` itself instead, once nothing can fail but writing (maintenance plan).
  std::function<std::string(Context&)> action;

  void warn(const std::string& message) const;
  SourceOptions source_options() const;
  // Loads, validates and prints the snapshot's warnings; `raw` as in load_snapshot().
  Snapshot load(RawItems* raw = nullptr) const;
  // --at, else the snapshot's taken_at, else the clock.
  Time at(const Snapshot& snap) const;
  Selection selection() const;
  // --format prometheus (and no --json): the command renders render/prometheus.hpp's text.
  bool prometheus() const { return !global.json && global.format == "prometheus"; }
  // Format, colour and width for stdout, plus the run's metadata.
  RenderOptions render_options(const Snapshot& snap, Time at) const;
};

// Seconds since the epoch, from the system clock.
Time wall_clock_now();

// One row of the command registry: every subcommand exists here once (STYLE §3).
struct CommandSpec {
  std::string_view name;
  std::string_view help;
  void (*setup)(CLI::App& command, Context& ctx);
};
const std::vector<CommandSpec>& commands();

// Adds "--flag VALUE" for a repeatable filter taking one value per use (commas split too).
CLI::Option* add_list_option(CLI::App& app, const std::string& name, std::vector<std::string>& into,
                             const std::string& help);

// Each command's file provides its setup.
void setup_capacity(CLI::App& command, Context& ctx);
void setup_flex(CLI::App& command, Context& ctx);
void setup_quota(CLI::App& command, Context& ctx);
void setup_overalloc(CLI::App& command, Context& ctx);
void setup_maintenance(CLI::App& command, Context& ctx);
void setup_report(CLI::App& command, Context& ctx);
void setup_snapshot(CLI::App& command, Context& ctx);
void setup_version(CLI::App& command, Context& ctx);
void setup_introspect(CLI::App& command, Context& ctx);
void setup_complete(CLI::App& command, Context& ctx);
void setup_load(CLI::App& command, Context& ctx); // hidden, for bench/run

} // namespace fleetcap::cli
