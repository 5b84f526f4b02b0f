// Builds the command line from the registry and runs the chosen command (SPEC §7).
#include "context.hpp"

#include "fleetcap/cli/run.hpp"
#include "fleetcap/error.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

namespace fleetcap::cli {

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = {
      {"capacity", "Per-cluster capacity: healthy, assigned, in-quota and flex use, unbacked quota", setup_capacity},
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

void add_global_options(CLI::App& app, GlobalOptions& g) {
  const std::string group = "Global options";
  app.add_option("--source", g.source, "Fleet API base URL (http/https) or saved snapshot directory")
      ->envname("FLEETCAP_SOURCE")
      ->group(group);
  app.add_flag("--json", g.json, "Print JSON (same as --format json)")->group(group);
  app.add_option("--format", g.format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->group(group);
  app.add_option("--color", g.color, "Colour: auto (terminal and no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group(group);
  app.add_option("--at", g.at, "Compute figures at this RFC 3339 time (default: snapshot time, else now)")
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
      ->check(CLI::PositiveNumber)
      ->group(group);
  app.add_option("--timeout", g.timeout, "Seconds per request (default 60)")->check(CLI::PositiveNumber)->group(group);
  app.add_option("--max-response-mb", g.max_response_mb, "Refuse responses larger than this (default 2048)")
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

std::string run(int argc, const char* const* argv, std::ostream& err) {
  Context ctx;
  ctx.err = &err;
  CLI::App app("fleetcap: what GPU capacity really exists in a shared fleet.", "fleetcap");
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("fleetcap ") + FLEETCAP_VERSION);
  add_global_options(app, ctx.global);
  for (const auto& spec : commands()) {
    CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.help));
    if (spec.help.empty()) sub->group(""); // hidden
    spec.setup(*sub, ctx);
  }

  std::ostringstream out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e, out, out);
    return out.str();
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e, out, out);
    return out.str();
  } catch (const CLI::CallForVersion& e) {
    app.exit(e, out, out);
    return out.str();
  } catch (const CLI::ParseError& e) {
    throw UsageError(fmt::format("{}\nRun 'fleetcap --help' for usage.", e.what()));
  }
  if (!ctx.action) throw UsageError("no command given; run 'fleetcap --help'");
  return ctx.action(ctx);
}

} // namespace fleetcap::cli
