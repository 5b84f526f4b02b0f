// The column registry (src/render/columns.cpp): one word, one meaning across every table of
// every command (SPEC §7), and the lists --sort and --columns accept.
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/output.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

using namespace fleetcap;

TEST_CASE("every table header maps to exactly one JSON key across all commands") {
  // A row's own name ("name", and capacity --by's "key") is named by what the row is: CLUSTER,
  // QUOTA, JOB, SKU. Every other header names one figure wherever it appears.
  std::map<std::string, std::set<std::string>> keys_of;
  std::map<std::string, std::set<std::string>> where;
  for (const auto& list : column_registry())
    for (const auto& c : list.columns) {
      if (c.header.empty() || c.key == "name" || c.key == "key") continue;
      keys_of[std::string(c.header)].insert(c.key.empty() ? "(table only)" : std::string(c.key));
      where[std::string(c.header)].insert(std::string(list.command) + "/" + std::string(list.table));
    }
  REQUIRE(keys_of.size() > 50);
  for (const auto& [header, keys] : keys_of) {
    INFO(header << " is used in " << where[header].size() << " tables");
    for (const auto& k : keys) INFO("  key " << k);
    CHECK(keys.size() == 1);
  }
  // The words issue 13 found with two meanings.
  CHECK(keys_of["BUFFER"] == std::set<std::string>{"buffer"});     // GPUs, as in capacity
  CHECK(keys_of["BUFFER%"] == std::set<std::string>{"buffer_bp"}); // overalloc's percentage
  CHECK(keys_of["IDLE"] == std::set<std::string>{"idle"});         // idle jobs' GPUs (or a job's flag)
  CHECK(keys_of["FROM-IDLE"] == std::set<std::string>{"cut_from_idle"});
}

TEST_CASE("a JSON key is not shown under two different figure headers in one command") {
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
  CHECK(is_column_name("overalloc report", "CUT%"));
  CHECK(is_column_name("maintenance list", "action-by"));
  CHECK(is_column_name("maintenance plan", "MOVE-BY"));
  CHECK(is_column_name("quota", "available"));
  CHECK(is_column_name("flex", "fair_share"));
  CHECK_FALSE(is_column_name("capacity", "cut"));
  CHECK_FALSE(is_column_name("version", "name"));
  for (std::string_view command :
       {"capacity", "flex", "quota", "quota show", "overalloc report", "overalloc sweep", "overalloc plan",
        "maintenance list", "maintenance node", "maintenance impact", "maintenance plan"})
    CHECK_FALSE(column_names(command).empty());
}
