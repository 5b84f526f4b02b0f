// Builds the command line from the registry and runs the chosen command (SPEC §7).
#include "context.hpp"

#include "fleetcap/cli/run.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/model/time.hpp"

#include <fmt/format.h>

#include "fleetcap/model/suggest.hpp"
#include "fleetcap/render/table.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
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
      {"report", "One self-contained HTML page: capacity, buffer sweep, cuts, maintenance impact", setup_report},
      {"snapshot", "Save the fleet to a directory usable as --source", setup_snapshot},
      {"version", "Print fleetcap's version", setup_version},
      // Hidden helpers for tests and shell completion (empty help hides them).
      {"__commands", "", setup_introspect},
      {"__complete", "", setup_complete},
      {"__load", "", setup_load},
  };
  return table;
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
2 usage, 3 invalid data. See fleetcap(1).)";

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

void add_global_options(CLI::App& app, GlobalOptions& g) {
  const std::string group = "Global options";
  app.add_option("--source", g.source, "Fleet API base URL (http/https) or saved snapshot directory")
      ->envname("FLEETCAP_SOURCE")
      ->group(group);
  app.add_option("-o,--output", g.output,
                 "Output: table (fitted to the terminal), wide (every column), json, csv, name (first column), or "
                 "prometheus (capacity, quota and overalloc report)")
      ->check(CLI::IsMember({"table", "wide", "json", "csv", "name", "prometheus"}))
      ->group(group);
  app.add_flag("--json", g.json, "Print JSON (same as -o json)")->group(group);
  app.add_option("--format", g.format, "Output format (same as -o)")
      ->check(CLI::IsMember({"table", "json", "csv", "prometheus"}))
      ->group(group);
  app.add_flag("-w,--wide", g.wide, "Show every column of a table, whatever the width (same as -o wide)")->group(group);
  app.add_flag("--no-headers", g.no_headers, "No header row in tables and CSV")->group(group);
  add_list_option(app, "--columns", g.columns, "Only these columns, in this order (headers or JSON keys)")
      ->group(group);
  app.add_option("--sort", g.sort, "Sort a table by a column (header or JSON key): numbers largest first, text A-Z")
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
  add_list_option(app, "--cluster", g.clusters, "Only this cluster (repeatable)")->group(group);
  add_list_option(app, "--region", g.regions, "Only clusters in this region (repeatable)")->group(group);
  add_list_option(app, "--sku", g.skus, "Only clusters of this GPU SKU (repeatable)")->group(group);
  add_list_option(app, "--state", g.states,
                  "Cluster lifecycle states to report (default production; 'all' for every state)")
      ->group(group);
  app.add_flag("-q,--quiet", g.quiet, "Do not print warnings")->group(group);
  app.add_flag("-v,--verbose", g.verbose, "Log each request to stderr (never the token)")->group(group);
  app.add_option("--token-file", g.token_file, "Read the bearer token from FILE (else $FLEETCAP_TOKEN)")
      ->group(group);
  app.add_option("--cacert", g.cacert, "Also trust the CA certificates in FILE (PEM)")->group(group);
  app.add_option("--connect-timeout", g.connect_timeout, "Seconds to wait for a connection (default 10)")
      ->check(positive_up_to(86400))
      ->group(group);
  app.add_option("--timeout", g.timeout, "Seconds per request (default 60)")->check(positive_up_to(86400))->group(group);
  app.add_option("--max-response-mb", g.max_response_mb, "Refuse responses larger than this (default 2048)")
      ->check(positive_up_to(1 << 20))
      ->group(group);
  app.add_option("--max-pages", g.max_pages, "Give up on a resource after this many pages (default 10000)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  app.add_flag("--allow-insecure-token", g.allow_insecure_token,
               "Send the token over plain http to a host other than loopback")
      ->group(group);
  app.set_config("--config", default_config_path(),
                 "Read options from this TOML file (keys are long option names)")
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

// Unknown config keys warn (SPEC §7): a misspelled key must not be ignored silently.
void warn_config_keys(const CLI::App& app, const Context& ctx) {
  const CLI::Option* config = app.get_config_ptr();
  if (!config) return;
  const std::string path = config->empty() ? config->get_default_str() : config->as<std::string>();
  if (path.empty()) return;
  std::ifstream in(path);
  if (!in) return;
  std::vector<CLI::ConfigItem> items;
  try {
    items = app.get_config_formatter()->from_config(in);
  } catch (const CLI::ParseError&) {
    return; // CLI11 has reported it while parsing
  }
  std::vector<std::string> names;
  std::vector<const CLI::App*> apps{&app};
  for (std::size_t i = 0; i < apps.size(); ++i)
    for (const CLI::App* sub : apps[i]->get_subcommands([](const CLI::App*) { return true; })) apps.push_back(sub);
  for (const CLI::App* a : apps)
    for (const CLI::Option* o : a->get_options())
      for (const auto& l : o->get_lnames()) names.push_back(l);
  std::vector<std::string_view> known(names.begin(), names.end());
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") continue;
    if (std::find(known.begin(), known.end(), item.name) != known.end()) continue;
    const std::vector<std::string> close = closest_names(item.name, known);
    ctx.warn(fmt::format("{}: unknown key \"{}\" is ignored{}", path, escape_control(item.fullname()), did_you_mean(close)));
  }
}

} // namespace

void run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  CLI::App app("fleetcap: what GPU capacity really exists in a shared fleet.", "fleetcap");
  app.fallthrough();
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("fleetcap ") + FLEETCAP_VERSION);
  add_global_options(app, ctx.global);
  for (const auto& spec : commands()) {
    CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.help));
    sub->footer(""); // CLI11 copies the parent's footer: each command shows its own examples, not fleetcap's
    if (spec.help.empty()) sub->group(""); // hidden
    spec.setup(*sub, ctx);
  }
  // Every command's help ends with the global options it also accepts.
  const std::string globals = global_options_text(app);
  std::vector<CLI::App*> all;
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) all.push_back(sub);
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (CLI::App* sub : all[i]->get_subcommands([](const CLI::App*) { return true; })) all.push_back(sub);
    all[i]->require_subcommand(0); // a bare group prints its help below
    const std::string own = all[i]->get_footer();
    all[i]->footer(own.empty() ? globals : own + "\n\n" + globals);
  }
  const int width = detect_style(ColorMode::never, STDOUT_FILENO).width;
  // The root's help() descends into the parsed commands, naming them in "Usage: fleetcap ...".
  auto help_of = [&](const CLI::App*) { return wrap_help(app.help(), width); };

  // The command the words name, as deep as parsed ("fleetcap overalloc report").
  auto parsed_path = [&](const CLI::App*& at) {
    at = &app;
    std::string path;
    while (!at->get_subcommands().empty()) {
      at = at->get_subcommands().front();
      path += (path.empty() ? "" : " ") + at->get_name();
    }
    return path;
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    const CLI::App* at = nullptr;
    parsed_path(at);
    out << help_of(at);
    return;
  } catch (const CLI::CallForAllHelp&) {
    out << help_of(&app);
    return;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e, out, out);
    return;
  } catch (const CLI::ParseError& e) {
    const CLI::App* at = nullptr;
    std::string path = parsed_path(at);
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
  const CLI::App* at = nullptr;
  ctx.command = parsed_path(at);
  if (ctx.command.starts_with("capacity flex")) ctx.command = "flex";
  if (!ctx.action) {
    // A bare group (fleetcap maintenance) or no command at all: the help of what was named.
    out << help_of(at);
    return;
  }
  warn_config_keys(app, ctx);
  ctx.check_output_options();
  if (ctx.prometheus() && ctx.command != "capacity" && ctx.command != "quota" && ctx.command != "overalloc report")
    throw UsageError(
        fmt::format("-o prometheus is for capacity, quota and overalloc report, not {}", ctx.command));
  out << ctx.action(ctx);
}

} // namespace fleetcap::cli
