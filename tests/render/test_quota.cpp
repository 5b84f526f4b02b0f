#include "support/fixtures.hpp"

#include "fleetcap/render/quota.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace fleetcap;

namespace {
RenderOptions options(Format format = Format::table, Style style = {}) {
  RenderOptions o;
  o.format = format;
  o.style = style;
  return o;
}
std::string tree(const Snapshot& snap, const Selection& sel, std::optional<std::string> ns,
                 Format format = Format::table, Style style = {}) {
  return render_quota(quota_tree(snap, test::at_snapshot(snap), sel, ns), snap, options(format, style));
}
std::string show(const Snapshot& snap, std::string_view name, Format format = Format::table) {
  return render_quota_detail(quota_detail(snap, test::at_snapshot(snap), snap.find_quota(name)), snap, options(format));
}
} // namespace

TEST_CASE("quota tree of the worked example: the docs/worked-example.md quota table with group sums",
          "[render][quota]") {
  const Snapshot snap = test::worked();
  CHECK(tree(snap, {}, std::nullopt) == test::golden("quota-worked.txt"));
  CHECK(tree(snap, {}, std::string("evals")) == test::golden("quota-worked-namespace-evals.txt"));
}

TEST_CASE("quota tree: nested groups indent, access * / (none), every state", "[render][quota]") {
  const Snapshot snap = test::small();
  Selection all;
  all.all_states = true;
  CHECK(tree(snap, all, std::nullopt) == test::golden("quota-small-all.txt"));
}

TEST_CASE("quota show: figures, preemption order, siblings, backing", "[render][quota]") {
  CHECK(show(test::worked(), "research/pretrain") == test::golden("quota-show-research-pretrain.txt"));
  CHECK(show(test::small(), "lab/nlp/elk") == test::golden("quota-show-lab-nlp-elk.txt"));
}

TEST_CASE("quota CSV: leaves only, access quoted when it holds a comma", "[render][quota]") {
  const Snapshot snap = test::worked();
  const std::string csv = tree(snap, {}, std::nullopt, Format::csv);
  CHECK(csv.rfind("name,parent,tree,cluster,assigned,used,free,borrowed,borrowable,available,unbacked,access\n", 0) ==
        0);
  CHECK(csv.find("\nresearch/evals,research,research,tiger,24,8,16,0,16,16,4,\"evals,pretrain\"\n") !=
        std::string::npos);
  CHECK(csv.find("\nresearch,") == std::string::npos); // no group rows
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 7);
  CHECK(show(snap, "research/pretrain", Format::csv) ==
        "order,name,namespace,quota,priority,state,gpus,idle,started_at,nodes\n"
        "1,j5,pretrain,research/pretrain,high,pending,16,false,,\n"
        "2,j1,pretrain,research/pretrain,critical,running,32,false,2026-11-02T08:00:00Z,t01 t02 t03 t04\n");
}

TEST_CASE("quota tree colours unbacked only on a colour terminal", "[render][quota]") {
  const Snapshot snap = test::worked();
  const auto& red = Palette::of(Style{true, 0}).bad;
  CHECK(tree(snap, {}, std::nullopt, Format::table, Style{true, 0}).find(std::string(red) + "9") != std::string::npos);
  CHECK(tree(snap, {}, std::nullopt).find('\x1b') == std::string::npos);
}

TEST_CASE("quota --namespace that may target nothing says so", "[render][quota]") {
  const Snapshot snap = test::small();
  Selection pup; // only lab/vision/pup, access [cv]
  pup.clusters = {"pup"};
  pup.all_states = true;
  CHECK(tree(snap, pup, std::string("ml")) == "No quota in the selected clusters lets namespace ml target it.\n");
  CHECK(tree(snap, pup, std::string("cv")).find("lab/vision/pup") != std::string::npos);
}
