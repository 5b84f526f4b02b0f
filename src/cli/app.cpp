// Builds the command line from the registry and runs the chosen command (docs/cli.md).
#include "context.hpp"

#include "fleetcap/cli/run.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/model/time.hpp"
#include "fleetcap/source/config.hpp"
#include "fleetcap/source/kinds.hpp"

#include <fmt/format.h>

#include "fleetcap/model/suggest.hpp"
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

namespace fleetcap::cli {

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = {
      {"capacity", "Per-cluster capacity: healthy, assigned, in-quota and flex use, unbacked quota", setup_capacity},
      {"flex", "Where free flex GPUs are, how much stays free, and each namespace's fair share", setup_flex},
      {"quota", "The quota tree: what each quota gives now, borrowing, unbacked share, access", setup_quota},
      {"overalloc", "What a quota buffer would cut, from whom, in which rollout phase: report, sweep, plan",
       setup_overalloc},
      {"maintenance", "Maintenance: events and their action-by times, one node, impact on capacity, a move plan",
       setup_maintenance},
      {"nodes", "Nodes like sinfo -R, problems first; --free: free GPUs per node; per island", setup_nodes},
      {"jobs", "Jobs holding or waiting for GPUs, in quota or flex; --pending --by: demand and what fits now",
       setup_jobs},
      {"report", "One self-contained HTML page: capacity, buffer sweep, cuts, maintenance impact", setup_report, false,
       Outputs::page},
      {"sources", "Each source of the fleet: kind, reachable, version, time taken, auth used", setup_sources},
      {"snapshot", "Save the fleet to a directory usable as --source", setup_snapshot, false, Outputs::text},
      {"version", "Print fleetcap's version", setup_version, false, Outputs::text},
      // Hidden helpers for tests and shell completion (empty help hides them).
      {"__commands", "", setup_introspect, false},
      {"__complete", "", setup_complete, false},
      {"__load", "", setup_load, false},
  };
  return table;
}

std::string command_path(const CLI::App& app) {
  std::string path;
  for (const CLI::App* a = &app; a && a->get_parent(); a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path.starts_with("capacity flex") ? "flex" + path.substr(13) : path;
}

namespace {

std::string default_config_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/fleetcap/config.toml";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/fleetcap/config.toml";
  return "";
}

constexpr const char* kFooter = R"(Examples:
  fleetcap --source https://fleet.example/api capacity
  fleetcap --source ./snapshot capacity --by sku --sort flex_free
  fleetcap capacity --json | jq '.totals.unbacked'
  fleetcap --source https://fleet.example/api snapshot save ./snapshot

Global options work before or after the command. Exit status: 0 ok, 1 runtime failure,
2 usage, 3 invalid data, 4 a --partial answer that left out a failed source. See fleetcap(1).)";

// A number > 0 and <= max. CLI::PositiveNumber accepts any size, so "--timeout 1e300" or a huge
// --max-response-mb overflowed the conversions to milliseconds and bytes, and its message
// printed DBL_MAX in full.
CLI::Validator positive_up_to(double max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !(v > 0) || v > max)
          return fmt::format("must be a number above 0 and at most {}, got \"{}\"", max, text);
        return {};
      },
      "POSITIVE");
}

// The config file CLI11 will read: --config FILE (or --config=FILE) on the command line, else
// the default path when it exists.
std::string config_path(int argc, const char* const* argv) {
  std::string path;
  bool given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") break;
    if (a == "--config" && i + 1 < argc) {
      path = argv[++i];
      given = true;
    } else if (a.starts_with("--config=")) {
      path = std::string(a.substr(9));
      given = true;
    }
  }
  if (given) return path;
  path = default_config_path();
  struct stat st {};
  return !path.empty() && ::lstat(path.c_str(), &st) == 0 ? path : std::string();
}

// CLI11 takes the config file's keys from here: the file is read once, with toml++
// (fleetcap/source/config.hpp), and its keys handed over as CLI11's items.
class TomlConfig : public CLI::Config {
public:
  explicit TomlConfig(std::vector<CLI::ConfigItem> list) : items_(std::move(list)) {}
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }
  std::vector<CLI::ConfigItem> from_config(std::istream&) const override { return items_; }

private:
  std::vector<CLI::ConfigItem> items_;
};

// The tables that are not long options: each kind of source's own ([slurm], [kube], read by the
// kind's configure()) and [sources.NAME].
std::vector<std::string_view> source_tables() {
  std::vector<std::string_view> out{"sources"};
  for (const auto& k : source_kinds())
    if (!k.table.empty() && std::find(out.begin(), out.end(), k.table) == out.end()) out.push_back(k.table);
  return out;
}

// The option a config key sets: a long option of the command its tables name ([capacity] by =
// ...), or of fleetcap; null when there is none.
const CLI::Option* config_option(const CLI::App& app, const ConfigFile::Item& item) {
  const CLI::App* at = &app;
  for (const auto& p : item.parents) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == p) next = sub;
    if (!next) return nullptr;
    at = next;
  }
  for (const CLI::App* a = at; a; a = a->get_parent())
    if (const CLI::Option* o = a->get_option_no_throw("--" + item.name)) return o;
  return nullptr;
}

// A key whose value no option can take is a usage error naming it (docs/cli.md): a flag takes true
// or false, a single-valued option one value, and no option takes a table.
void check_config_types(const CLI::App& app, const ConfigFile& file, const std::vector<ConfigFile::Item>& items) {
  using Type = ConfigFile::Item::Type;
  for (const auto& item : items) {
    const CLI::Option* o = config_option(app, item);
    if (!o) continue; // unknown: a warning, once a command runs
    std::string key;
    for (const auto& p : item.parents) key += p + ".";
    key += item.name;
    std::string want;
    if (o->get_expected_max() == 0 && item.type != Type::boolean)
      want = "true or false";
    else if (item.type == Type::table)
      want = "a value";
    else if (item.type == Type::array && item.inputs.size() != 1 && o->get_items_expected_max() == 1 &&
             o->get_multi_option_policy() != CLI::MultiOptionPolicy::TakeAll)
      want = "one value";
    if (!want.empty())
      throw UsageError(fmt::format("--config {}:{}: {} must be {}, got {}", file.path(), item.line, key, want,
                                   escape_control(item.shown)));
  }
}

std::vector<CLI::ConfigItem> cli_items(const std::vector<ConfigFile::Item>& items) {
  std::vector<CLI::ConfigItem> out;
  for (const auto& item : items) {
    CLI::ConfigItem c;
    c.parents = item.parents;
    c.name = item.name;
    c.inputs = item.inputs;
    out.push_back(std::move(c));
  }
  return out;
}

// --source's help, from the table of kinds (fleetcap/source/kinds.hpp).
std::string source_help() {
  std::string forms;
  for (const auto& k : source_kinds()) forms += fmt::format("{}, ", k.forms);
  return fmt::format("Where the fleet comes from: {}or the NAME of a [sources.NAME] in the config file; repeat it to "
                     "read several as one fleet (default: every [sources.NAME])",
                     forms);
}

void add_run_options(CLI::App& app, GlobalOptions& g, const std::string& group);

void add_global_options(CLI::App& app, GlobalOptions& g) {
  const std::string group = "Global options";
  app.add_option("--source", g.sources, source_help())
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->envname("FLEETCAP_SOURCE")
      ->group(group);
  app.add_flag("--partial", g.partial,
               "When a source fails, answer from the others: warn naming it, exit 4 (else exit 1)")
      ->group(group);
  app.add_option("-o,--output", g.output,
                 "Output: table (fitted to the terminal), wide (every column), json, csv, name (first column), "
                 "prometheus (capacity, quota and overalloc report), or sacctmgr and kueue (overalloc plan)")
      ->check(CLI::IsMember({"table", "wide", "json", "csv", "name", "prometheus", "sacctmgr", "kueue"}))
      ->group(group);
  app.add_flag("--json", g.json, "Print JSON (same as -o json)")->group(group);
  app.add_option("--format", g.format, "Output format (same as -o)")
      ->check(CLI::IsMember({"table", "wide", "json", "csv", "name", "prometheus"}))
      ->group(group);
  app.add_flag("-w,--wide", g.wide, "Show every column of a table, whatever the width (same as -o wide)")->group(group);
  app.add_flag("--no-headers", g.no_headers, "No header row in tables and CSV")->group(group);
  add_list_option(app, "--columns", g.columns, "Only these columns, in this order (headers or JSON keys)")
      ->group(group);
  app.add_option("--sort", g.sort, "Sort a table by a column (header or JSON key): numbers largest first, text A-Z")
      ->group(group);
  app.add_option("--watch", g.watch,
                 "Run again every DURATION (e.g. 5s, 1m) until Ctrl-C: a terminal is redrawn in place, a file or pipe "
                 "gets one output after another")
      ->type_name("DURATION")
      ->configurable(false) // a config file that watched would make every run, version too, a watch
      ->group(group);
  app.add_option("--color", g.color, "Colour: auto (terminal and no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group(group);
  // Checked while parsing, so a bad --at is a usage error before any fetch.
  app.add_option("--at", g.at,
                 "Compute figures at this RFC 3339 time, or +12h/-3d from the snapshot's time (default: snapshot "
                 "time, else now)")
      ->check([](const std::string& text) -> std::string {
        if (text == "now" || parse_rfc3339(text)) return {};
        if ((text.starts_with('+') || text.starts_with('-')) && text.size() > 1) {
          const std::string rest = text.substr(1);
          if (std::all_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isdigit(c); }))
            return fmt::format("\"{}\" needs a unit: {}h? {}d?", text, text, text);
          if (parse_duration(rest)) return {};
        }
        return fmt::format("\"{}\" is not an RFC 3339 time like 2026-11-20T12:00:00Z, +12h, -3d or now", text);
      })
      ->group(group);
  add_list_option(app, "--cluster", g.clusters, "Only this cluster, or a Slurm cluster's GPU types (repeatable)")
      ->group(group);
  add_list_option(app, "--region", g.regions, "Only clusters in this region (repeatable)")->group(group);
  add_list_option(app, "--sku", g.skus, "Only clusters of this GPU SKU (repeatable)")->group(group);
  add_list_option(app, "--state", g.states,
                  "Cluster lifecycle states to report (default production; 'all' for every state)")
      ->group(group);
  add_run_options(app, g, group);
}

// The rest of the global options: output noise, the network, and the sources' own settings.
void add_run_options(CLI::App& app, GlobalOptions& g, const std::string& group) {
  app.add_flag("-q,--quiet", g.quiet, "Do not print warnings")->group(group);
  app.add_flag("-v,--verbose", g.verbose,
               "Log each request, and where the run's time went, to stderr (never the token)")
      ->group(group);
  app.add_option("--token-file", g.token_file, "Read the bearer token from FILE (else $FLEETCAP_TOKEN)")->group(group);
  app.add_option("--cacert", g.cacert, "Also trust the CA certificates in FILE (PEM)")->group(group);
  app.add_option("--connect-timeout", g.connect_timeout, "Seconds to wait for a connection (default 10)")
      ->check(positive_up_to(86400))
      ->group(group);
  app.add_option("--timeout", g.timeout, "Seconds per request (default 60)")
      ->check(positive_up_to(86400))
      ->group(group);
  app.add_option("--max-response-mb", g.max_response_mb,
                 "Refuse responses and snapshot files larger than this many MiB (default 2048)")
      ->check(positive_up_to(1 << 20))
      ->group(group);
  app.add_option("--max-pages", g.max_pages, "Give up on a resource after this many pages (default 10000)")
      ->check(positive_integer_up_to(1000000000))
      ->group(group);
  app.add_flag("--allow-insecure-token", g.allow_insecure_token,
               "Send the token over plain http to a host other than loopback")
      ->group(group);
  app.add_option("--kubeconfig", g.kubeconfig,
                 "With --source kube: read this kubeconfig (else $KUBECONFIG, ~/.kube/config)")
      ->group(group);
  app.add_option("--island-label", g.island_label, "With --source kube: the node label that names a node's island")
      ->group(group);
  app.add_option("--maintenance-duration", g.maintenance_duration,
                 "With --source kube: how long a cloud maintenance event lasts, e.g. 4h, 90m (default 4h)")
      ->check([](const std::string& text) -> std::string {
        if (duration_hours(text)) return {};
        return fmt::format("\"{}\" is not a duration like 4h, 90m or 3600s", text);
      })
      ->group(group);
  const std::string slurm = "Slurm source options";
  app.add_option("--slurm-user", g.slurm_user, "Slurm user the JWT belongs to (else $SLURM_USER, else the login name)")
      ->group(slurm);
  app.add_option("--slurm-quota", g.slurm_quota, "Quota from Slurm associations (default), qos (QOS GrpTRES), or none")
      ->check(CLI::IsMember({"associations", "qos", "none"}))
      ->group(slurm);
  app.add_option("--island-feature-prefix", g.island_feature_prefix,
                 "A node's island is its first feature starting with this (e.g. ib-)")
      ->group(slurm);
  app.add_option("--island-map", g.island_map, "File of \"HOSTLIST ISLAND\" lines naming each node's island")
      ->group(slurm);
  add_list_option(app, "--flex-qos", g.flex_qos,
                  "QOS whose jobs are reclaimable flex whatever Slurm's preemption rules say (default: the rules "
                  "decide)")
      ->group(slurm);
  app.add_option("--ssh-command", g.ssh_command,
                 "With --source slurm+ssh://: run this instead of ssh, e.g. \"ssh -F ./lab_ssh_config\" (a shell "
                 "command line; ssh's arguments are appended)")
      ->envname("FLEETCAP_SSH_COMMAND")
      ->group(slurm);
  app.set_config("--config", default_config_path(), "Read options from this TOML file (keys are long option names)")
      ->group(group);
}

} // namespace

namespace {

// Help lines wrapped at the terminal: an option's description continues under itself.
std::string wrap_help(const std::string& text, int width) {
  if (width <= 0) return text;
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, nl - at);
    at = nl + 1;
    std::size_t desc = std::string::npos;
    const std::size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && first > 0) {
      const std::size_t gap = line.find("  ", first);
      if (gap != std::string::npos) desc = line.find_first_not_of(' ', gap);
      // A column legend's line has a second short field, the unit ("  INQ-FREE  GPUs  max(0, …"):
      // its meaning continues under the meaning.
      const std::size_t unit_gap = desc == std::string::npos ? desc : line.find("  ", desc);
      if (unit_gap != std::string::npos && unit_gap - desc <= 8) desc = line.find_first_not_of(' ', unit_gap);
    }
    if (desc != std::string::npos && desc < static_cast<std::size_t>(width) / 2 &&
        line.size() > static_cast<std::size_t>(width)) {
      // Wrap the description alone, then indent its continuation lines under it.
      const std::string body = wrap_prose(line.substr(desc), width - static_cast<int>(desc));
      std::size_t b = 0;
      bool first_line = true;
      while (b < body.size()) {
        const std::size_t e = std::min(body.find('\n', b), body.size());
        out += first_line ? line.substr(0, desc) : std::string(desc, ' ');
        out += body.substr(b, e - b);
        out += '\n';
        b = e + 1;
        first_line = false;
      }
      if (body.empty()) out += line + '\n';
    } else {
      out += wrap_prose(line + "\n", width);
    }
  }
  return out;
}

// Every long option name reachable from `app` (its own, and its parents' global ones).
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::App* a = app; a; a = a->get_parent())
    for (const CLI::Option* o : a->get_options()) {
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
      for (const auto& sn : o->get_snames()) out.push_back("-" + sn);
    }
  return out;
}

std::vector<std::string_view> visible_commands(const CLI::App* app) {
  std::vector<std::string_view> out;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    out.push_back(sub->get_name());
  return out;
}

// The global options, for the foot of every command's help: they work after it too.
std::string global_options_text(const CLI::App& app) {
  std::string out = "Global options (before or after the command; see 'fleetcap --help'):\n";
  std::string line = " ";
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group() != "Global options") continue;
    const std::string name = o->get_lnames().empty() ? o->get_name() : "--" + o->get_lnames().front();
    if (line.size() + name.size() + 1 > 78) {
      out += line + "\n";
      line = " ";
    }
    line += " " + name;
  }
  return out + line + "\n";
}

// Unknown config keys warn (docs/cli.md), with their line: a misspelled key must not be ignored
// silently.
void warn_config_keys(const CLI::App& app, const Context& ctx) {
  if (!ctx.config) return;
  std::vector<std::string> names;
  std::vector<const CLI::App*> apps{&app};
  for (std::size_t i = 0; i < apps.size(); ++i)
    for (const CLI::App* sub : apps[i]->get_subcommands([](const CLI::App*) { return true; })) apps.push_back(sub);
  for (const CLI::App* a : apps)
    for (const CLI::Option* o : a->get_options())
      for (const auto& l : o->get_lnames()) names.push_back(l);
  std::vector<std::string_view> known(names.begin(), names.end());
  for (const auto& item : ctx.config->items(source_tables())) {
    if (config_option(app, item)) continue;
    std::string key;
    for (const auto& p : item.parents) key += p + ".";
    key += item.name;
    const std::vector<std::string> close = closest_names(item.name, known);
    ctx.warn(fmt::format("{}:{}: unknown key \"{}\" is ignored{}", ctx.config->path(), item.line, escape_control(key),
                         did_you_mean(close)));
  }
}

} // namespace

namespace {

// The command line: global options, every command of the registry, and every command's help
// ending with the legend of its columns (docs/output.md) and the global options it also accepts.
void build_app(CLI::App& app, Context& ctx) {
  app.fallthrough();
  // One command per run: once it is named, a word like "nodes" after it (`__load jobs nodes`) is
  // that command's argument, not a second command (CLI11 looks for commands in the parents).
  app.require_subcommand(0, 1);
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("fleetcap ") + FLEETCAP_VERSION);
  add_global_options(app, ctx.global);
  for (const auto& spec : commands()) {
    CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.help));
    sub->footer(""); // CLI11 copies the parent's footer: each command shows its own examples, not fleetcap's
    if (spec.help.empty()) sub->group(""); // hidden
    spec.setup(*sub, ctx);
  }
  const std::string globals = global_options_text(app);
  std::vector<CLI::App*> all;
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) all.push_back(sub);
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (CLI::App* sub : all[i]->get_subcommands([](const CLI::App*) { return true; })) all.push_back(sub);
    all[i]->require_subcommand(0); // a bare group prints its help below
    // Examples, the columns' legend, the global options. The legend is made only when help is
    // printed (CLI11 calls the function then and puts its text before the footer's, with a
    // newline between): building every command's legend on every run cost 5% of a short run.
    std::string examples = all[i]->get_footer();
    all[i]->footer(globals);
    all[i]->footer([examples = std::move(examples), app = all[i]] {
      std::string text = examples;
      if (std::string legend = column_legend_text(command_path(*app)); !legend.empty())
        text += (text.empty() ? "" : "\n\n") + legend;
      return text + (text.empty() ? "" : "\n");
    });
  }
}

// The config file, read once with toml++, its keys handed to CLI11 (and checked) before parsing.
void use_config_file(CLI::App& app, Context& ctx, int argc, const char* const* argv) {
  const std::string path = config_path(argc, argv);
  if (path.empty()) return;
  ctx.config = ConfigFile::read(path);
  const std::vector<ConfigFile::Item> items = ctx.config->items(source_tables());
  check_config_types(app, *ctx.config, items);
  app.config_formatter(std::make_shared<TomlConfig>(cli_items(items)));
}

// The command the words name, as deep as parsed ("overalloc report"), and where it is.
std::string parsed_path(const CLI::App& app, const CLI::App*& at) {
  at = &app;
  std::string path;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

// A parse error as a usage error: an unknown command or option with the nearest names.
[[noreturn]] void parse_failed(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* at = nullptr;
  std::string path = parsed_path(app, at);
  path = path.empty() ? "fleetcap" : "fleetcap " + path;
  // A word a subcommand does not know falls through to its parent, so look at them all.
  const auto left = app.remaining(true);
  const auto word = std::find_if(left.begin(), left.end(), [](const std::string& w) { return !w.starts_with("-"); });
  const auto dash = std::find_if(left.begin(), left.end(), [](const std::string& w) { return w.starts_with("-"); });
  if (!visible_commands(at).empty() && word != left.end())
    throw UsageError(fmt::format("unknown command \"{}\" for \"{}\"{}\nRun '{} --help' for usage.",
                                 escape_control(*word), path, did_you_mean(closest_names(*word, visible_commands(at))),
                                 path));
  if (dash != left.end()) {
    const std::string name = dash->substr(0, dash->find('='));
    const auto names = option_names(at);
    const std::vector<std::string_view> known(names.begin(), names.end());
    throw UsageError(fmt::format("unknown option \"{}\" for \"{}\"{}\nRun '{} --help' for usage.", escape_control(name),
                                 path, did_you_mean(closest_names(name, known)), path));
  }
  throw UsageError(fmt::format("{}\nRun '{} --help' for usage.", e.what(), path));
}

// The output options the command line names, as typed ("-o csv", "--json", "--no-headers"),
// each with the output it asks for ("" for --no-headers, "columns" for --columns and --sort). Only the command
// line: a config file's `output = "wide"` is a default, not a request version must refuse.
std::vector<std::pair<std::string, std::string>> output_words(int argc, const char* const* argv) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view w = argv[i];
    if (w == "--") break;
    const std::string name(w.substr(0, w.find('=')));
    const bool attached = w.find('=') != std::string_view::npos;
    const auto value = [&]() -> std::string {
      if (attached) return std::string(w.substr(w.find('=') + 1));
      return i + 1 < argc ? argv[++i] : "";
    };
    if (name == "-o" || name == "--output" || name == "--format") {
      const std::string v = value();
      out.emplace_back(name + " " + v, v);
    } else if (w.starts_with("-o") && !w.starts_with("--")) {
      out.emplace_back("-o " + std::string(w.substr(2)), std::string(w.substr(2)));
    } else if (w == "--json") {
      out.emplace_back("--json", "json");
    } else if (w == "-w" || w == "--wide") {
      out.emplace_back(std::string(w), "wide");
    } else if (w == "--no-headers") {
      out.emplace_back("--no-headers", "");
    } else if (name == "--columns" || name == "--sort") {
      if (!attached) ++i; // its value
      out.emplace_back(name, "columns");
    }
  }
  return out;
}

// Refuses (exit 2) an output option the command cannot honour, naming what it prints instead.
void check_outputs(const CommandSpec& spec, const std::string& command,
                   const std::vector<std::pair<std::string, std::string>>& said) {
  for (const auto& [option, format] : said) {
    if (spec.outputs == Outputs::every) return;
    // --sort and --columns on a command with no table: check_output_options says so.
    if (spec.outputs == Outputs::text && (format == "json" || format == "table" || format == "columns")) continue;
    if (spec.outputs == Outputs::page)
      throw UsageError(fmt::format("{} does not apply to 'fleetcap {}': it writes one HTML page (--html FILE), with "
                                   "each figure's --json document inside it",
                                   escape_control(option), command));
    throw UsageError(fmt::format("{} does not apply to 'fleetcap {}': it prints a line of text, or one JSON document "
                                 "with --json",
                                 escape_control(option), command));
  }
}

// What the chosen command prints: once, or again and again with --watch; the exit status.
int run_command(Context& ctx, std::ostream& out) {
  ctx.check_output_options();
  if (ctx.prometheus() && ctx.command != "capacity" && ctx.command != "quota" && ctx.command != "overalloc report")
    throw UsageError(fmt::format("-o prometheus is for capacity, quota and overalloc report, not {}", ctx.command));
  if (!ctx.plan_language().empty() && ctx.command != "overalloc plan")
    throw UsageError(fmt::format("-o {} is for overalloc plan (the change in the scheduler's language), not {}",
                                 ctx.plan_language(), ctx.command));
  if (!ctx.global.watch.empty()) {
    const std::string top = ctx.command.substr(0, ctx.command.find(' '));
    for (const auto& spec : commands())
      if (spec.name == top && !spec.watch)
        throw UsageError(
            fmt::format("--watch is for commands that print what the fleet is now, not 'fleetcap {}'", ctx.command));
    watch(ctx, out);
    return 0;
  }
  out << ctx.action(ctx);
  ctx.phase("render");
  ctx.phase_totals();
  return ctx.partial_answer ? static_cast<int>(ExitCode::partial) : 0;
}

} // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  CLI::App app("fleetcap: what GPU capacity really exists in a shared fleet.", "fleetcap");
  build_app(app, ctx);
  const int width = detect_style(ColorMode::never, STDOUT_FILENO).width;
  // The root's help() descends into the parsed commands, naming them in "Usage: fleetcap ...".
  auto help = [&] { return wrap_help(app.help(), width); };
  use_config_file(app, ctx, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << help();
    return 0;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e, out, out);
    return 0;
  } catch (const CLI::ParseError& e) {
    parse_failed(app, e);
  }
  if (const CLI::Option* config = app.get_config_ptr())
    ctx.global.config_file = config->count() ? config->as<std::string>() : default_config_path();
  const CLI::App* at = nullptr;
  parsed_path(app, at);
  ctx.command = command_path(*at);
  const auto said = output_words(argc, argv);
  if (!ctx.action) {
    // A bare group (fleetcap maintenance) or no command at all: the help of what was named. An
    // option for a command that is not there (fleetcap --json) is a mistake, not a request for help.
    if (!said.empty()) {
      const std::string path = ctx.command.empty() ? "fleetcap" : "fleetcap " + ctx.command;
      throw UsageError(fmt::format("{} needs a command: {} COMMAND {}\nRun '{} --help' for the commands.",
                                   said.front().first, path, said.front().first, path));
    }
    out << help();
    return 0;
  }
  warn_config_keys(app, ctx);
  for (const auto& spec : commands())
    if (spec.name == ctx.command.substr(0, ctx.command.find(' '))) check_outputs(spec, ctx.command, said);
  return run_command(ctx, out);
}

} // namespace fleetcap::cli
