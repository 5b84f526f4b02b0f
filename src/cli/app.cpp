// Builds the command line from the registry and runs the chosen command (SPEC §7).
#include "context.hpp"

#include "fleetcap/cli/run.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/model/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

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
  app.add_flag("--json", g.json, "Print JSON (same as --format json)")->group(group);
  app.add_option("--format", g.format, "Output format (prometheus: capacity, quota and overalloc report only)")
      ->check(CLI::IsMember({"table", "json", "csv", "prometheus"}))
      ->group(group);
  app.add_option("--color", g.color, "Colour: auto (terminal and no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group(group);
  // Checked while parsing, so a bad --at is a usage error before any fetch.
  app.add_option("--at", g.at, "Compute figures at this RFC 3339 time (default: snapshot time, else now)")
      ->check([](const std::string& text) -> std::string {
        if (text == "now" || parse_rfc3339(text)) return {};
        return fmt::format("\"{}\" is not an RFC 3339 time like 2026-11-20T12:00:00Z, or now", text);
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

void run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  CLI::App app("fleetcap: what GPU capacity really exists in a shared fleet.", "fleetcap");
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("fleetcap ") + FLEETCAP_VERSION);
  add_global_options(app, ctx.global);
  for (const auto& spec : commands()) {
    CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.help));
    sub->footer(""); // CLI11 copies the parent's footer: each command shows its own examples, not fleetcap's
    if (spec.help.empty()) sub->group(""); // hidden
    spec.setup(*sub, ctx);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e, out, out);
    return;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e, out, out);
    return;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e, out, out);
    return;
  } catch (const CLI::ParseError& e) {
    // CLI11 says "A subcommand is required" for `fleetcap nosuch`; name the word instead.
    const CLI::App* at = &app;
    std::string path = "fleetcap";
    while (!at->get_subcommands().empty()) {
      at = at->get_subcommands().front();
      path += " " + at->get_name();
    }
    // A word a subcommand does not know falls through to its parent, so look at them all.
    const auto left = app.remaining(true);
    const auto word = std::find_if(left.begin(), left.end(), [](const std::string& w) { return !w.starts_with("-"); });
    if (at->get_require_subcommand_min() > 0 && word != left.end())
      throw UsageError(fmt::format("unknown command \"{}\" for \"{}\"\nRun '{} --help' for usage.", *word, path, path));
    throw UsageError(fmt::format("{}\nRun 'fleetcap --help' for usage.", e.what()));
  }
  if (!ctx.action) throw UsageError("no command given; run 'fleetcap --help'");
  if (ctx.prometheus()) {
    std::string path;
    for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
      at = at->get_subcommands().front();
      path += (path.empty() ? "" : " ") + at->get_name();
    }
    if (path != "capacity" && path != "quota" && path != "overalloc report")
      throw UsageError(fmt::format("--format prometheus is for capacity, quota and overalloc report, not {}", path));
  }
  out << ctx.action(ctx);
}

} // namespace fleetcap::cli
