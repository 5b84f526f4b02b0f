// Hidden `fleetcap __complete KIND`: names from the snapshot for shell completion (clusters,
// regions, skus, islands, partitions, nodes, quotas, namespaces, events; and the config file's source
// names), and `__complete columns WORDS...`: the columns --sort and --columns name for the
// command among WORDS (the words of the line). Prints nothing rather than failing: a completion
// must never spray errors into the user's prompt.
#include "context.hpp"

#include "fleetcap/render/columns.hpp"

#include <algorithm>
#include <memory>
#include <set>

namespace fleetcap::cli {

namespace {
// The command the words of a command line name ("overalloc report"), from the registry; empty
// when none does: then every command's columns.
std::string command_of(const std::vector<std::string>& words) {
  std::set<std::string_view> commands;
  for (const auto& list : column_registry()) commands.insert(list.command);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i + 1 < words.size() && commands.count(words[i] + " " + words[i + 1])) return words[i] + " " + words[i + 1];
    if (commands.count(words[i])) return words[i];
  }
  return {};
}

std::string complete_columns(const std::vector<std::string>& words) {
  std::string command = command_of(words);
  if (command == "capacity flex") command = "flex";
  std::set<std::string> names;
  for (const auto& list : column_registry())
    if (list.kind == ListKind::table && (command.empty() || list.command == command))
      for (const auto& c : list.columns)
        if (!c.unnamed) names.emplace(c.header.empty() ? c.key : c.header);
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}

std::string complete(Context& ctx, const std::string& kind) {
  std::set<std::string> names;
  try {
    ctx.global.quiet = true;
    if (kind == "sources") { // the config file's [sources.NAME]: no source is read
      std::string out;
      for (const auto& n : ctx.configured_sources()) out += n + "\n";
      return out;
    }
    Snapshot snap = ctx.load();
    for (const auto& c : snap.clusters) {
      if (kind == "clusters") names.insert(c.name);
      if (kind == "regions") names.insert(c.region);
      if (kind == "skus") names.insert(c.sku);
    }
    if (kind == "nodes")
      for (const auto& n : snap.nodes) names.emplace(n.name);
    if (kind == "islands")
      for (const auto& i : snap.index.islands) names.emplace(i.name);
    if (kind == "partitions") // Slurm's (docs/slurm.md); none for other sources
      names.insert(snap.partitions.begin(), snap.partitions.end());
    if (kind == "quotas")
      for (const auto& q : snap.quotas) names.insert(q.name);
    if (kind == "namespaces")
      for (const auto& j : snap.jobs) names.emplace(j.ns);
    if (kind == "events")
      for (const auto& e : snap.maintenance) names.emplace(e.id);
  } catch (const std::exception&) {
    return {};
  }
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}
} // namespace

void setup_complete(CLI::App& cmd, Context& ctx) {
  auto kind = std::make_shared<std::string>();
  auto words = std::make_shared<std::vector<std::string>>();
  cmd.add_option("KIND", *kind,
                 "clusters, regions, skus, islands, partitions, nodes, quotas, namespaces, events, sources or "
                 "columns")
      ->required()
      ->check(CLI::IsMember({"clusters", "regions", "skus", "islands", "partitions", "nodes", "quotas", "namespaces",
                             "events", "sources", "columns"}));
  cmd.add_option("WORDS", *words, "columns: the words of the command line, to find its command");
  cmd.allow_extras();
  cmd.callback([&ctx, kind, words] {
    ctx.action = [kind, words](Context& c) {
      return *kind == "columns" ? complete_columns(*words) : complete(c, *kind);
    };
  });
}

} // namespace fleetcap::cli
