// The column registry (src/render/columns.cpp): one word, one meaning across every table of
// every command (docs/output.md), the lists --sort and --columns accept, and every list there is.
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/output.hpp"
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace fleetcap;

namespace {

std::string folded(std::string_view name) {
  std::string out;
  for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What a column means when `name` names it: its key; a row's own name ("name", capacity --by's
// "key"), named by its key, is the row's name whatever the row, and named by its header is what
// the row is (CLUSTER, QUOTA, JOB, SKU); a table-only column is its header.
std::string meaning(const ColumnName& c, std::string_view name) {
  const bool own_name = c.key == "name" || c.key == "key";
  if (own_name && folded(c.key) == name) return "(the row's name)";
  if (own_name && !c.header.empty()) return folded(c.header);
  if (c.key.empty()) return "(table) " + std::string(c.header);
  return std::string(c.key);
}

} // namespace

TEST_CASE("every table header maps to exactly one JSON key across all commands") {
  std::map<std::string, std::set<std::string>> keys_of;
  std::map<std::string, std::set<std::string>> where;
  for (const auto& list : column_registry()) {
    if (list.kind != ListKind::table) continue;
    for (const auto& c : list.columns) {
      if (c.header.empty() || c.key == "name" || c.key == "key") continue;
      keys_of[std::string(c.header)].insert(c.key.empty() ? "(table only)" : std::string(c.key));
      where[std::string(c.header)].insert(std::string(list.command) + "/" + std::string(list.table));
    }
  }
  REQUIRE(keys_of.size() > 50);
  for (const auto& [header, keys] : keys_of) {
    INFO(header << " is used in " << where[header].size() << " tables");
    for (const auto& k : keys) INFO("  key " << k);
    CHECK(keys.size() == 1);
  }
  // The words issues 13 and 23 found with two meanings.
  CHECK(keys_of["HEADROOM"] == std::set<std::string>{"headroom"}); // healthy beyond quota, GPUs
  CHECK(keys_of.count("BUFFER") == 0);                             // the quota buffer is overalloc's only
  CHECK(keys_of["BUFFER%"] == std::set<std::string>{"buffer_bp"});
  CHECK(keys_of["IDLE"] == std::set<std::string>{"idle"});           // a job's yes/no
  CHECK(keys_of["IDLE-GPUS"] == std::set<std::string>{"idle_gpus"}); // idle jobs' GPUs
  CHECK(keys_of["FROM-IDLE"] == std::set<std::string>{"cut_from_idle"});
  CHECK(keys_of["LENDS"] == std::set<std::string>{"lends"}); // not `free`: the TREE row lends P − U
  CHECK(keys_of["STABLE"] == std::set<std::string>{"flex_stable_free"});
  CHECK(keys_of["OVER-SHARE"] == std::set<std::string>{"over_share"});
  CHECK(keys_of["FIGURE"] == std::set<std::string>{"figure"});
}

TEST_CASE("within a command, a name --sort or --columns takes means one column") {
  // A key that is another column's header (flex's island key `stable` against STABLE) sorted
  // one table by one figure and another by another; a key without a header beside a header
  // without a key (OVER-SHARE, FIGURE) made --columns fall back to the default silently.
  std::map<std::string, std::map<std::string, std::set<std::string>>> meanings; // command -> name -> meanings
  for (const auto& list : column_registry()) {
    if (list.kind != ListKind::table) continue;
    for (const auto& c : list.columns) {
      if (c.unnamed) continue;
      for (std::string_view name : {c.key, c.header})
        if (!name.empty()) meanings[std::string(list.command)][folded(name)].insert(meaning(c, folded(name)));
    }
  }
  REQUIRE(meanings.size() >= 12);
  for (const auto& [command, names] : meanings)
    for (const auto& [name, what] : names) {
      INFO(command << ": " << name);
      for (const auto& m : what) INFO("  means " << m);
      CHECK(what.size() == 1);
    }
}

TEST_CASE("a JSON key is not shown under two different figure headers in one table") {
  for (const auto& list : column_registry()) {
    std::map<std::string_view, std::string_view> header_of;
    for (const auto& c : list.columns) {
      if (c.key.empty() || c.header.empty()) continue;
      auto [it, fresh] = header_of.emplace(c.key, c.header);
      INFO(list.command << "/" << list.table << ": " << c.key);
      CHECK(it->second == c.header);
    }
  }
}

TEST_CASE("--sort and --columns names: a command's keys and headers") {
  CHECK(is_column_name("capacity", "FLEX-FREE"));
  CHECK(is_column_name("capacity", "flex_free"));
  CHECK(is_column_name("capacity", "headroom"));
  CHECK(is_column_name("capacity", "buffer")); // v1's name of headroom, kept in JSON for v2 (sorts it)
  CHECK_FALSE(is_table_column("capacity", "buffer"));
  CHECK(is_column_name("overalloc report", "CUT%"));
  CHECK(is_column_name("overalloc report", "cut_share"));
  CHECK(is_column_name("maintenance list", "action-by"));
  CHECK(is_column_name("maintenance plan", "MOVE-BY"));
  CHECK(is_column_name("quota", "available"));
  CHECK(is_column_name("flex", "fair_share"));
  CHECK(is_column_name("flex", "stays"));
  CHECK_FALSE(is_column_name("capacity", "cut"));
  CHECK_FALSE(is_column_name("version", "name"));
  // The brief and the comparison of `overalloc report --summary` and --compare-cuts are lists
  // like any other: their names are checked before the fetch.
  CHECK(is_column_name("overalloc report", "cut_unbacked"));
  CHECK(is_column_name("overalloc report", "BEYOND-CUT"));
  CHECK(is_column_name("overalloc report", "FIGURE"));
  // A figure only --compare-cuts lists is no column of the sweep.
  CHECK_FALSE(is_column_name("overalloc sweep", "cut_unbacked"));
  for (std::string_view command :
       {"capacity", "flex", "quota", "quota show", "overalloc report", "overalloc sweep", "overalloc plan",
        "maintenance list", "maintenance node", "maintenance impact", "maintenance plan", "nodes"})
    CHECK_FALSE(column_names(command).empty());
}

TEST_CASE("--columns for a table: a name only JSON and CSV have is not a table column") {
  CHECK(is_table_column("flex", "OVER-SHARE"));
  CHECK(is_table_column("flex", "over_share"));
  CHECK(is_table_column("overalloc report", "figure"));
  CHECK(is_table_column("maintenance node", "priority")); // a column of the issues and jobs tables
  CHECK_FALSE(is_table_column("maintenance list", "whole_cluster"));
  CHECK_FALSE(is_table_column("flex", "lasting_nodes"));
  CHECK_FALSE(is_table_column("quota", "parent"));
}

TEST_CASE("every column list is registered: each array of columns is made into a Columns") {
  // Columns<Row> registers a list when it is made, and every generator takes one; an array of
  // Column<Row> that is not made into one would be a list the registry does not know. A part
  // several lists share (src/render/shared_columns.hpp: joined(), group_list()) is made into
  // each of them, and what joins them is made into a Columns in turn.
  const std::regex array(R"((?:const|constexpr) Column<[A-Za-z:]+> (k[A-Za-z]+)\[\] = \{)");
  const std::regex joined_list(R"(constexpr auto (k[A-Za-z]+) =\s*(?:joined|group_list)\()");
  std::size_t arrays = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLEETCAP_SOURCE_DIR "/src/render")) {
    const std::string text = test::read_file(entry.path());
    auto registered = [&](const std::string& name) {
      return std::regex_search(text, std::regex("Columns<[A-Za-z:]+> [A-Za-z:]+\\{[^}]*\\b" + name + "\\b"));
    };
    auto part_of_list = [&](const std::string& name) {
      return std::regex_search(text, std::regex("(joined|group_list)\\([^;]*\\b" + name + "\\b"));
    };
    for (auto it = std::sregex_iterator(text.begin(), text.end(), array); it != std::sregex_iterator(); ++it) {
      ++arrays;
      const std::string name = (*it)[1];
      INFO(entry.path().filename().string() << ": " << name);
      CHECK((registered(name) || part_of_list(name)));
    }
    for (auto it = std::sregex_iterator(text.begin(), text.end(), joined_list); it != std::sregex_iterator(); ++it) {
      const std::string name = (*it)[1];
      INFO(entry.path().filename().string() << ": " << name);
      CHECK((registered(name + "\\.columns") || part_of_list(name)));
    }
  }
  CHECK(arrays >= 40);
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& list : column_registry()) {
    INFO(list.command << "/" << list.table);
    CHECK(seen.emplace(list.command, list.table).second); // registered once
  }
}

TEST_CASE("every JSON document's schema is documented in docs/output.md") {
  const std::string doc = test::read_file(FLEETCAP_SOURCE_DIR "/docs/output.md");
  std::size_t documents = 0;
  for (const auto& list : column_registry()) {
    if (list.kind != ListKind::document) continue;
    ++documents;
    INFO(list.schema);
    CHECK(list.schema.starts_with("fleetcap."));
    CHECK(doc.find(std::string(list.schema)) != std::string::npos);
  }
  CHECK(documents >= 15);
}

// The legend of --help and the man page (docs/output.md, "Column legends"): every column a
// table shows says what it means and in what unit, where it is defined.
TEST_CASE("every table column has a meaning and a unit") {
  std::size_t columns = 0;
  for (const auto& list : column_registry()) {
    if (list.kind != ListKind::table) continue;
    for (const auto& c : list.columns) {
      if (c.header.empty()) continue;
      ++columns;
      INFO(list.command << "/" << list.table << ": " << c.header);
      CHECK(!c.unit.empty());
      REQUIRE(!c.meaning.empty());
      CHECK(c.meaning.size() <= 120); // short: one line of a wide terminal
      CHECK(c.meaning.back() == '.');
      CHECK(c.meaning.find('\n') == std::string_view::npos);
    }
  }
  CHECK(columns > 250);
}

TEST_CASE("a command's legend explains each header once, table by table") {
  const auto tables = column_legend("capacity");
  REQUIRE(tables.size() == 5); // clusters, then --by region, sku, provider, partition
  CHECK(tables[0].table == "clusters");
  CHECK(tables[0].columns.front()->header == "CLUSTER");
  CHECK(tables[0].above.empty());
  // --by region: its key and CLUSTERS are new, the figures were explained above.
  std::vector<std::string_view> region;
  for (const auto* c : tables[1].columns) region.push_back(c->header);
  CHECK(region == std::vector<std::string_view>{"REGION", "CLUSTERS"});
  CHECK(std::find(tables[1].above.begin(), tables[1].above.end(), "INQ-FREE") != tables[1].above.end());
  const std::string text = column_legend_text("capacity");
  CHECK(text.starts_with("Columns (clusters):\n  CLUSTER "));
  CHECK(text.find("\n  INQ-FREE     GPUs   max(0, min(A, H) - in-quota used)") != std::string::npos);
  CHECK(text.find("Columns (groups by sku; as above: CLUSTERS, TOTAL,") != std::string::npos);
  CHECK(column_legend_text("quota").starts_with("Columns:\n  QUOTA "));
  CHECK(column_legend_text("version").empty());
}
