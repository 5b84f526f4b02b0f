// Hidden `fleetcap __commands`: every registered command and option as JSON, so tests can
// hold the man page, completions and help to the registry rather than to a second list.
#include "context.hpp"

#include "fleetcap/render/columns.hpp"

#include <nlohmann/json.hpp>

namespace fleetcap::cli {

namespace {
nlohmann::ordered_json describe(const CLI::App& app) {
  nlohmann::ordered_json j;
  j["name"] = app.get_name();
  j["help"] = app.get_description();
  j["hidden"] = app.get_group().empty();
  auto& options = j["options"] = nlohmann::ordered_json::array();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_lnames().empty() && opt->get_snames().empty()) {
      if (!opt->get_positional()) continue;
    }
    nlohmann::ordered_json o;
    o["names"] = nlohmann::ordered_json::array();
    for (const auto& l : opt->get_lnames()) o["names"].push_back("--" + l);
    for (const auto& s : opt->get_snames()) o["names"].push_back("-" + s);
    if (opt->get_positional() && opt->get_lnames().empty()) o["positional"] = opt->get_name();
    o["takes_value"] = opt->get_items_expected_max() > 0 && opt->get_type_size_max() > 0;
    // CLI::IsMember shows its choices in the type name: "TEXT:{table,json,csv}".
    const std::string type = opt->get_type_name();
    if (auto open = type.find('{'), close = type.find('}'); open != std::string::npos && close > open) {
      auto& choices = o["choices"] = nlohmann::ordered_json::array();
      std::string list = type.substr(open + 1, close - open - 1);
      for (std::size_t at = 0; at <= list.size();) {
        const auto comma = std::min(list.find(',', at), list.size());
        choices.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
    }
    o["help"] = opt->get_description();
    o["global"] = opt->get_group() == "Global options";
    options.push_back(std::move(o));
  }
  // The legend --help ends with, as data: scripts/gen-man-legends writes the man page's from it.
  auto& legend = j["legend"] = nlohmann::ordered_json::array();
  for (const auto& t : column_legend(command_path(app))) {
    nlohmann::ordered_json table{{"table", t.table}, {"above", t.above}, {"columns", nlohmann::ordered_json::array()}};
    for (const auto* c : t.columns)
      table["columns"].push_back({{"header", c->header}, {"unit", c->unit}, {"meaning", c->meaning}});
    legend.push_back(std::move(table));
  }
  auto& subs = j["commands"] = nlohmann::ordered_json::array();
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) subs.push_back(describe(*sub));
  return j;
}
} // namespace

void setup_introspect(CLI::App& cmd, Context& ctx) {
  CLI::App* root = cmd.get_parent();
  cmd.callback([&ctx, root] { ctx.action = [root](Context&) { return describe(*root).dump(2) + "\n"; }; });
}

} // namespace fleetcap::cli
