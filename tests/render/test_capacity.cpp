// `capacity` rendered (src/render/capacity.cpp) for the docs/worked-example.md worked example: the table
// (golden text, checked by hand against docs/worked-example.md), JSON keys and values, CSV, sorting, grouping.
#include "fleetcap/render/capacity.hpp"
#include "fleetcap/render/columns.hpp"

#include "support/fixtures.hpp"

#include <nlohmann/json.hpp>

using namespace fleetcap;

namespace {

using test::golden;

struct Worked {
  Snapshot snap = test::worked();
  FleetAt fleet = evaluate(snap, test::worked_at());

  std::string render(RenderOptions o, Selection sel = {}, GroupBy by = GroupBy::none) {
    o.at = test::worked_at();
    o.source = snap.source;
    return render_capacity(capacity(snap, fleet, sel, by), snap, o);
  }
  std::string render(Format f, const std::string& sort = "", GroupBy by = GroupBy::none, Selection sel = {}) {
    RenderOptions o;
    o.format = f;
    o.sort = sort;
    return render(o, sel, by);
  }
};

std::vector<std::string> first_column(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line.substr(0, line.find_first_of(" ,")));
  return out;
}

using Names = std::vector<std::string>;

} // namespace

TEST_CASE("capacity table: the worked example, exactly") {
  Worked w;
  CHECK(w.render(Format::table) == golden("capacity_worked.txt"));
  RenderOptions wide;
  wide.wide = true;
  CHECK(w.render(wide) == golden("capacity_worked_wide.txt"));
}

TEST_CASE("capacity table: a narrow terminal drops the least important figures first, and says so") {
  Worked w;
  RenderOptions o;
  o.style.width = 80; // the full table is 108 wide
  CHECK(w.render(o) == "CLUSTER  REGION    SKU   TOTAL  HEALTHY  ASSIGNED  INQ-FREE  FLEX-FREE  UNBACKED\n"
                       "tiger    us-south  h100     96       72        88        16          8        16\n"
                       "lion     us-west   h200     64       64        48         0          8         0\n"
                       "TOTAL                      160      136       136        16         16        16\n"
                       "(INQ-USED, FLEX-USED, BLOCK hidden to fit 80 columns; -o wide shows all,\n"
                       "--columns picks)\n");
  // -o wide: every column, whatever the width.
  o.wide = true;
  CHECK(w.render(o) == golden("capacity_worked_wide.txt"));
}

TEST_CASE("capacity table: unbacked quota in red only with colour") {
  Worked w;
  RenderOptions o;
  o.style.color = true;
  const std::string out = w.render(o);
  CHECK(out.find("\x1b[31m16\x1b[0m") != std::string::npos); // tiger's unbacked
  CHECK(out.find("\x1b[31m0\x1b[0m") == std::string::npos);  // lion's is 0: plain
  CHECK(w.render(Format::table).find('\x1b') == std::string::npos);
}

TEST_CASE("capacity table: --by and an empty selection") {
  Worked w;
  Selection all;
  all.all_states = true;
  CHECK(w.render(Format::table, "", GroupBy::sku, all) ==
        "SKU    CLUSTERS  TOTAL  HEALTHY  ASSIGNED  INQ-USED  INQ-FREE  FLEX-USED  FLEX-FREE  UNBACKED  BLOCK\n"
        "h100          1     96       72        88        56        16          8          8        16      8\n"
        "h200          2     64       64        48        48         0          8          8         0      8\n"
        "TOTAL         3    160      136       136       104        16         16         16        16      8\n");
  Selection none;
  none.clusters = {"nope"};
  CHECK(w.render(Format::table, "", GroupBy::none, none) == "No clusters match.\n");
}

TEST_CASE("capacity --sort: figures largest first, text A to Z, ties in snapshot order") {
  Worked w;
  CHECK(first_column(w.render(Format::table, "buffer")) == Names{"CLUSTER", "lion", "tiger", "TOTAL"});
  CHECK(first_column(w.render(Format::table, "unbacked")) == Names{"CLUSTER", "tiger", "lion", "TOTAL"});
  CHECK(first_column(w.render(Format::table, "UNBACKED")) == Names{"CLUSTER", "tiger", "lion", "TOTAL"});
  CHECK(first_column(w.render(Format::table, "flex-stable-free")) == Names{"CLUSTER", "lion", "tiger", "TOTAL"});
  CHECK(first_column(w.render(Format::table, "name")) == Names{"CLUSTER", "lion", "tiger", "TOTAL"});
  CHECK(first_column(w.render(Format::table, "region")) == Names{"CLUSTER", "tiger", "lion", "TOTAL"});
  CHECK(first_column(w.render(Format::table, "flex_free")) == Names{"CLUSTER", "tiger", "lion", "TOTAL"}); // 8 = 8
  CHECK(first_column(w.render(Format::csv, "healthy")) == Names{"name", "tiger", "lion"});
  CHECK(is_column_name("capacity", "flex_free"));
  CHECK(is_column_name("capacity", "FLEX-FREE"));
  CHECK(is_column_name("capacity", "Name"));
  CHECK(is_column_name("capacity", "provider"));
  CHECK_FALSE(is_column_name("capacity", "gpus"));
  CHECK_FALSE(is_column_name("capacity", ""));
}

TEST_CASE("capacity JSON: envelope, every figure by its docs/figures.md name, totals") {
  Worked w;
  RenderOptions o;
  o.format = Format::json;
  o.generated_at = test::at("2026-11-21T08:00:00Z");
  const auto doc = nlohmann::json::parse(w.render(o));
  CHECK(doc["schema"] == "fleetcap.capacity/v2");
  CHECK(doc["generated_at"] == "2026-11-21T08:00:00Z");
  CHECK(doc["at"] == "2026-11-20T12:00:00Z");
  CHECK(doc["source"] == FLEETCAP_SOURCE_DIR "/examples/fleet/worked");
  const auto tiger = nlohmann::json::parse(R"({"name": "tiger", "region": "us-south", "provider": "coreweave",
      "sku": "h100", "state": "production", "total": 96, "healthy": 72, "assigned": 88, "inquota_used": 56,
      "inquota_free": 16, "flex_used": 8, "flex_free": 8, "flex_stable_free": 0, "flex_reclaimable_free": 8,
      "unbacked": 16, "headroom": 0, "buffer": 0, "largest_free_block": 8})");
  const auto lion = nlohmann::json::parse(R"({"name": "lion", "region": "us-west", "provider": "coreweave",
      "sku": "h200", "state": "production", "total": 64, "healthy": 64, "assigned": 48, "inquota_used": 48,
      "inquota_free": 0, "flex_used": 8, "flex_free": 8, "flex_stable_free": 8, "flex_reclaimable_free": 0,
      "unbacked": 0, "headroom": 16, "buffer": 16, "largest_free_block": 8})");
  CHECK(doc["clusters"] == nlohmann::json::array({tiger, lion}));
  CHECK(doc["totals"] == nlohmann::json::parse(R"({"total": 160, "healthy": 136, "assigned": 136,
      "inquota_used": 104, "inquota_free": 16, "flex_used": 16, "flex_free": 16, "flex_stable_free": 8,
      "flex_reclaimable_free": 8, "unbacked": 16, "headroom": 16, "buffer": 16, "largest_free_block": 8})"));
  CHECK_FALSE(doc.contains("groups"));
}

TEST_CASE("capacity JSON key order is stable") {
  Worked w;
  RenderOptions o;
  o.format = Format::json;
  const auto doc = nlohmann::ordered_json::parse(w.render(o));
  Names top;
  for (const auto& [key, value] : doc.items()) top.push_back(key);
  CHECK(top == Names{"schema", "generated_at", "at", "source", "sources", "clusters", "totals"});
  Names cluster;
  for (const auto& [key, value] : doc["clusters"][0].items()) cluster.push_back(key);
  CHECK(cluster == Names{"name", "region", "provider", "sku", "state", "total", "healthy", "assigned", "inquota_used",
                         "inquota_free", "flex_used", "flex_free", "flex_stable_free", "flex_reclaimable_free",
                         "unbacked", "headroom", "buffer", "largest_free_block"});
  // `buffer` is headroom's fleetcap.capacity/v1 name, kept one version (docs/output.md): JSON only.
  CHECK(doc["clusters"][1]["buffer"] == doc["clusters"][1]["headroom"]);
}

TEST_CASE("capacity JSON --by: groups with key and cluster count") {
  Worked w;
  Selection all;
  all.all_states = true;
  const auto doc = nlohmann::json::parse(w.render(Format::json, "", GroupBy::sku, all));
  CHECK(doc["by"] == "sku");
  CHECK_FALSE(doc.contains("clusters"));
  REQUIRE(doc["groups"].size() == 2);
  CHECK(doc["groups"][0]["key"] == "h100");
  CHECK(doc["groups"][0]["clusters"] == 1);
  CHECK(doc["groups"][1]["key"] == "h200");
  CHECK(doc["groups"][1]["clusters"] == 2);
  CHECK(doc["groups"][1]["healthy"] == 64);
  CHECK(doc["groups"][1]["headroom"] == 16);
  CHECK(doc["totals"]["healthy"] == 136);
}

TEST_CASE("capacity CSV: header of docs/figures.md names, one line per cluster, no TOTAL") {
  Worked w;
  CHECK(w.render(Format::csv) ==
        "name,region,provider,sku,state,total,healthy,assigned,inquota_used,inquota_free,flex_used,flex_free,"
        "flex_stable_free,flex_reclaimable_free,unbacked,headroom,largest_free_block\n"
        "tiger,us-south,coreweave,h100,production,96,72,88,56,16,8,8,0,8,16,0,8\n"
        "lion,us-west,coreweave,h200,production,64,64,48,48,0,8,8,8,0,0,16,8\n");
  Selection all;
  all.all_states = true;
  const std::string by = w.render(Format::csv, "", GroupBy::region, all);
  CHECK(by.substr(0, by.find('\n')) ==
        "region,clusters,total,healthy,assigned,inquota_used,inquota_free,flex_used,flex_free,flex_stable_free,"
        "flex_reclaimable_free,unbacked,headroom,largest_free_block");
  CHECK(by.find("us-west,2,64,64,48,") != std::string::npos);
}

TEST_CASE("csv_field quotes only when needed (RFC 4180), control characters escaped as in tables") {
  CHECK(csv_field("tiger") == "tiger");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "two\\x0alines");
  CHECK(csv_field("a,\x1b]52;c;x\x07") == "\"a,\\x1b]52;c;x\\x07\"");
  CHECK(csv_field("") == "");
}
