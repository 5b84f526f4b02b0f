#include "support/fixtures.hpp"

#include "fleetcap/render/flex.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

namespace {
std::string render(const Snapshot& snap, const FlexQuery& q, Format format = Format::table, Style style = {},
                   Selection sel = {}) {
  RenderOptions o;
  o.format = format;
  o.style = style;
  return render_flex(flex(snap, test::at_snapshot(snap), sel, q), snap, o);
}
} // namespace

TEST_CASE("flex table of the worked example is the docs/worked-example.md flex columns", "[render][flex]") {
  const Snapshot snap = test::worked();
  CHECK(render(snap, {}) == test::golden("flex-worked.txt"));
  FlexQuery q;
  q.ns = "chat";
  CHECK(render(snap, q) == test::golden("flex-worked-namespace-chat.txt"));
}

TEST_CASE("flex table flags a namespace over its share, in colour only when asked", "[render][flex]") {
  const Snapshot snap = test::small();
  FlexQuery q;
  q.ns = "ml";
  CHECK(render(snap, q) == test::golden("flex-small-namespace-ml.txt"));
  const std::string coloured = render(snap, q, Format::table, Style{true, 0});
  const auto& red = Palette::of(Style{true, 0}).bad;
  REQUIRE_FALSE(red.empty());
  CHECK(coloured.find(std::string(red) + "+4") != std::string::npos);
}

TEST_CASE("flex --contiguous answers per island, or says no and why", "[render][flex]") {
  const Snapshot snap = test::small();
  FlexQuery q;
  q.gpus = 24;
  q.contiguous = true;
  CHECK(render(snap, q) == test::golden("flex-small-contiguous-24.txt"));
  Selection owl;
  owl.clusters = {"owl"};
  CHECK(render(snap, q, Format::table, {}, owl) == test::golden("flex-small-contiguous-no.txt"));
  const std::string head =
      "cluster,island,region,sku,lasting_block,lasting_nodes,free_block,free_nodes,stays,nodes,gpus_per_node,command,"
      "fits,block_later,fits_at\n";
  CHECK(render(snap, q, Format::csv, {}, owl) == head);
  CHECK(render(snap, q, Format::csv) == head + "emu,emu-a,eu-west,h200,32,4,32,4,true,e1 e2 e3,8,,true,,\n");
}

TEST_CASE("flex CSV: one header, one row per cluster, every figure", "[render][flex]") {
  const Snapshot snap = test::worked();
  CHECK(render(snap, {}, Format::csv) ==
        "name,region,provider,sku,state,healthy,assigned,inquota_used,flex_pool,flex_free,flex_stable_free,"
        "flex_reclaimable_free,flex_used,largest_free_block,flex_namespaces\n"
        "lion,us-west,coreweave,h200,production,64,48,48,16,8,8,0,8,8,1\n"
        "tiger,us-south,coreweave,h100,production,72,88,56,16,8,0,8,8,8,1\n");
}

TEST_CASE("flex table drops the least important columns on a narrow terminal", "[render][flex]") {
  const Snapshot snap = test::worked();
  const std::string narrow = render(snap, {}, Format::table, Style{false, 50});
  const std::string header = narrow.substr(0, narrow.find('\n'));
  for (std::string_view keep : {"CLUSTER", "FLEX-FREE", "STABLE"}) CHECK(header.find(keep) != std::string::npos);
  CHECK(header.find("REGION") == std::string::npos);
  CHECK(narrow.find("hidden to fit 50 columns") != std::string::npos);
}
