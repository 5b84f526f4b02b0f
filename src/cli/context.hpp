// What every subcommand shares: the global options and the loaded snapshot. Private to cli/.
#pragma once

#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/figures/select.hpp"
#include "fleetcap/model/model.hpp"
#include "fleetcap/render/output.hpp"
#include "fleetcap/source/config.hpp"
#include "fleetcap/source/source.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace fleetcap::cli {

struct GlobalOptions {
  std::vector<std::string> sources; // --source, repeatable: a URL, directory, kube[:CONTEXT] or [sources.NAME]
  bool partial = false;             // --partial: answer from the sources that answered
  bool json = false;
  std::string format; // --format; empty: not given
  std::string output; // -o; empty: not given
  bool wide = false;
  bool no_headers = false;
  std::vector<std::string> columns;
  std::string sort;
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
  std::string kubeconfig, island_label; // --source kube (docs/kubernetes.md)
  std::string maintenance_duration = "4h";
  // Slurm (docs/slurm.md); the config file's [slurm] tables are read by its kind (kinds.hpp).
  std::string slurm_user, slurm_quota, island_feature_prefix, island_map;
  std::vector<std::string> flex_qos;
  std::string ssh_command; // --ssh-command, FLEETCAP_SSH_COMMAND, config ssh-command
  std::string config_file; // the config file in use, if any
  std::string watch;       // --watch DURATION; empty: run once
};

// "4h", "90m", "3600s" (a bare number is hours) as hours; nullopt when it is none of these.
std::optional<double> duration_hours(const std::string& text);

// Progress of a fetch on stderr (docs/cli.md), kept on one line that is cleared at the end.
struct FetchProgress;

struct Context {
  GlobalOptions global;
  std::string command; // the command run, as the column registry names it ("overalloc report")
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Set by the chosen subcommand's parse callback; returns the text for stdout, made whole
  // before any of it is written. An action whose output grows with the fleet may write to
  // `out` itself instead, once nothing can fail but writing (maintenance plan).
  std::function<std::string(Context&)> action;
  // Set by source_options() when stderr is a terminal (and not --quiet or --verbose).
  mutable std::shared_ptr<FetchProgress> progress;
  // --watch: each round's snapshot is freed (not kept until exit), and on a terminal the
  // warnings go on the frame (into `warnings`) instead of stderr.
  bool watching = false;
  std::string* warnings = nullptr;
  // What the last load() read, for --watch's first line.
  struct Loaded {
    std::string source;
    std::optional<Time> taken_at;
    Time fetched_at = 0;
  };
  mutable Loaded loaded;
  // For phase(): when the run started, and when the last step ended.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  mutable std::chrono::steady_clock::time_point phase_mark = started;
  // The config file, once a source's settings needed it.
  mutable std::shared_ptr<const ConfigFile> config;
  // A --partial answer left a failed source out: the run exits 4 (docs/sources.md).
  mutable bool partial_answer = false;
  // `fleetcap sources`: load() reads every source whatever fails, and asks for versions.
  bool listing = false;

  // Says a warning once per run: --watch's later frames do not repeat what the first said.
  void warn(const std::string& message) const;
  // --verbose: logs how long the step that just ended took (`what`: "figures", "render"), so a
  // slow command shows where its time goes; the load logs its own steps (docs/design.md, "Where
  // the time goes"). Nothing without --verbose.
  void phase(std::string_view what) const;
  // --verbose: the whole run's time, CPU and peak memory, once its output is made.
  void phase_totals() const;
  // The same warning once per run (the config file's, read once per source).
  void warn_once(const std::string& message) const;
  // The sources this run reads (docs/sources.md): those --source names (a [sources.NAME] of the
  // config file, or a URL, directory, kube[:CONTEXT], ...), else every [sources.NAME].
  std::vector<FleetSource> fleet_sources() const;
  // The config file's [sources.NAME] names, in file order.
  std::vector<std::string> configured_sources() const;
  // One source's options: `spec` as --source gave it, or the [sources.NAME] table `name`;
  // `index` is its place among the run's sources.
  SourceOptions source_options(const std::string& spec, const std::string& name, std::size_t index) const;
  // Loads, validates and prints the snapshot's warnings; `raw` as in load_snapshot().
  Snapshot load(RawItems* raw = nullptr) const;
  // --at, else the snapshot's taken_at, else the clock.
  Time at(const Snapshot& snap) const;
  Selection selection() const;
  // The output is a text table (-o table or wide), not JSON, CSV, names or Prometheus text.
  bool table_output() const;
  // -o prometheus (or --format prometheus): the command renders render/prometheus.hpp's text.
  // check_output_options() has refused it beside --json or another output.
  bool prometheus() const { return global.output == "prometheus" || global.format == "prometheus"; }
  // -o sacctmgr or -o kueue (overalloc plan): the name, else empty.
  std::string plan_language() const {
    return global.output == "sacctmgr" || global.output == "kueue" ? global.output : std::string();
  }
  // Format, colour and width for stdout, plus the run's metadata.
  RenderOptions render_options(const Snapshot& snap, Time at) const;
  // The output options agree with each other and name columns `command` has (before any fetch).
  void check_output_options() const;
  // --cluster, --region and --sku name things the snapshot holds (docs/cli.md).
  void check_names(const Snapshot& snap) const;

private:
  std::optional<std::string> token(const std::string& file) const;
  void observe(SourceOptions& o, std::size_t index, const std::string& name) const;
  mutable std::set<std::string> warned;
  mutable std::shared_ptr<std::mutex> log_mutex;
};

// The usage error `<lead> "word"<tail>; did you mean "a" or "b"?` for a word that is not one of
// `known`; without a near name, `hint` in brackets instead.
[[noreturn]] void unknown_name(std::string_view lead, std::string_view word, std::string_view tail,
                               const std::vector<std::string_view>& known, std::string_view hint = {});

// --partition NAME: the partition's index in Snapshot::partitions; a name no node lists is a
// usage error with the nearest names (docs/slurm.md, "partitions").
std::uint32_t partition_option(const Snapshot& snap, const std::string& name);

// --namespace names a namespace the snapshot knows: one with a job, or one a quota's access
// list names (docs/cli.md: a namespace that exists nowhere is a usage error).
void check_namespace(const Snapshot& snap, const std::string& ns);

// A duration option: a number with a unit (2d, 36h, 90m, 4w); a bare number is a usage error
// that suggests the units, never seconds by surprise (docs/cli.md).
Duration duration_option(std::string_view option, const std::string& text, bool allow_zero = false);

// A percentage option in basis points ("15%", "2.5%"); "0.15", 15% written as a fraction far
// more often than 0.15%, is a usage error that asks which was meant.
BasisPoints percent_option(std::string_view option, const std::string& text);

// --from, --to and --step of a buffer sweep, checked (a step above 0%, from not above to).
struct BufferSweep {
  BasisPoints from = 0, to = 0, step = 0;
};
BufferSweep sweep_option(const std::string& from, const std::string& to, const std::string& step);

// --cut: pro-rata or least-disruptive (CLI11 has checked it is one of them).
CutPolicy cut_option(const std::string& text);

// Seconds since the epoch, from the system clock.

// What a command prints, so the output options it cannot honour are refused (exit 2), never
// ignored (docs/output.md).
enum class Outputs {
  every, // tables, -o wide, JSON, CSV, -o name (and --no-headers, --columns, --sort)
  text,  // a few lines of text, or with -o json / --json one JSON document (version, snapshot save)
  page,  // a file of its own (report --html): no output option applies
};

// One row of the command registry: every subcommand exists here once (docs/style.md).
struct CommandSpec {
  std::string_view name;
  std::string_view help;
  void (*setup)(CLI::App& command, Context& ctx);
  bool watch = true; // --watch may repeat it (it prints what the fleet is now)
  Outputs outputs = Outputs::every;
};
const std::vector<CommandSpec>& commands();

// The command `app` is, as the column registry names it ("overalloc report"; `capacity flex`
// is flex); empty for fleetcap itself.
std::string command_path(const CLI::App& app);

// A whole number from 1 to `max`, with a message that names the range (CLI11's
// PositiveNumber printed a 309-digit bound).
CLI::Validator positive_integer_up_to(std::int64_t max);

// Adds "--flag VALUE" for a repeatable filter taking one value per use (commas split too).
CLI::Option* add_list_option(CLI::App& app, const std::string& name, std::vector<std::string>& into,
                             const std::string& help);

// Each command's file provides its setup.
void setup_capacity(CLI::App& command, Context& ctx);
void setup_flex(CLI::App& command, Context& ctx);
void setup_quota(CLI::App& command, Context& ctx);
void setup_overalloc(CLI::App& command, Context& ctx);
void setup_maintenance(CLI::App& command, Context& ctx);
void setup_nodes(CLI::App& command, Context& ctx);
void setup_jobs(CLI::App& command, Context& ctx);
void setup_report(CLI::App& command, Context& ctx);
void setup_snapshot(CLI::App& command, Context& ctx);
void setup_version(CLI::App& command, Context& ctx);
void setup_introspect(CLI::App& command, Context& ctx);
void setup_complete(CLI::App& command, Context& ctx);
void setup_load(CLI::App& command, Context& ctx); // hidden, for bench/run
void setup_sources(CLI::App& command, Context& ctx);

// --watch (docs/output.md): runs ctx.action again every DURATION until Ctrl-C, redrawing the
// terminal in place or appending to a file or pipe; `out` is stdout, flushed after each frame.
void watch(Context& ctx, std::ostream& out);

} // namespace fleetcap::cli
