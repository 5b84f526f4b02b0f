// `capacity` figures (src/figures/capacity.cpp) through the whole path a run takes:
// load_snapshot (directory source) -> evaluate -> capacity, on the docs/worked-example.md worked example.
#include "fleetcap/figures/capacity.hpp"

#include "support/fixtures.hpp"

using namespace fleetcap;

namespace {

std::vector<Gpus> figures(const ClusterFigures& f) {
  return {f.total,     f.healthy,           f.assigned,         f.inquota_used,          f.inquota_free,
          f.flex_used, f.flex_free,         f.flex_stable_free, f.flex_reclaimable_free, f.unbacked,
          f.headroom,  f.largest_free_block};
}

std::vector<std::string> keys(const CapacityReport& r) {
  std::vector<std::string> out;
  for (const auto& row : r.rows) out.push_back(row.key);
  return out;
}

using V = std::vector<Gpus>;
using Names = std::vector<std::string>;

// docs/worked-example.md's table: total, healthy, assigned, inq used, inq free, flex used, flex free, stable,
// reclaimable, unbacked, headroom (H − A, not in docs/worked-example.md's table: 0 and 16), block.
const V kTiger{96, 72, 88, 56, 16, 8, 8, 0, 8, 16, 0, 8};
const V kLion{64, 64, 48, 48, 0, 8, 8, 8, 0, 0, 16, 8};

} // namespace

TEST_CASE("docs/worked-example.md through load_snapshot -> evaluate -> capacity") {
  const Snapshot snap = test::worked();
  REQUIRE(snap.taken_at == test::worked_at()); // snapshot.json's taken_at is "now"
  CHECK(snap.warnings.empty());
  const FleetAt fleet = evaluate(snap, *snap.taken_at);
  const CapacityReport r = capacity(snap, fleet, Selection{}, GroupBy::none);
  CHECK(r.at == test::worked_at());
  // Production clusters only, in snapshot order: puma is provisioning.
  REQUIRE(keys(r) == Names{"tiger", "lion"});
  CHECK(figures(r.rows[0].figures) == kTiger);
  CHECK(figures(r.rows[1].figures) == kLion);
  CHECK(r.rows[0].cluster == snap.find_cluster("tiger"));
  // Totals: sums, and the largest block.
  CHECK(figures(r.totals) == V{160, 136, 136, 104, 16, 16, 16, 8, 8, 16, 16, 8});
}

TEST_CASE("capacity: state and cluster/region/sku filters") {
  const Snapshot snap = test::worked();
  const FleetAt fleet = evaluate(snap, test::worked_at());
  Selection all;
  all.all_states = true;
  CHECK(keys(capacity(snap, fleet, all, GroupBy::none)) == Names{"tiger", "lion", "puma"});

  Selection provisioning;
  provisioning.states = {ClusterState::provisioning};
  const auto p = capacity(snap, fleet, provisioning, GroupBy::none);
  REQUIRE(keys(p) == Names{"puma"});
  CHECK(figures(p.totals) == V(12, 0));

  Selection lion;
  lion.clusters = {"lion"};
  const auto l = capacity(snap, fleet, lion, GroupBy::none);
  REQUIRE(keys(l) == Names{"lion"});
  CHECK(figures(l.totals) == kLion);

  Selection west;
  west.regions = {"us-west"};
  west.all_states = true;
  CHECK(keys(capacity(snap, fleet, west, GroupBy::none)) == Names{"lion", "puma"});

  Selection skus;
  skus.skus = {"h100", "b200"};
  CHECK(keys(capacity(snap, fleet, skus, GroupBy::none)) == Names{"tiger"});

  Selection none;
  none.clusters = {"nope"};
  const auto n = capacity(snap, fleet, none, GroupBy::none);
  CHECK(n.rows.empty());
  CHECK(figures(n.totals) == V(12, 0));
}

TEST_CASE("capacity --by groups clusters, sorted by key") {
  const Snapshot snap = test::worked();
  const FleetAt fleet = evaluate(snap, test::worked_at());
  Selection all;
  all.all_states = true;
  const auto by_sku = capacity(snap, fleet, all, GroupBy::sku);
  REQUIRE(keys(by_sku) == Names{"h100", "h200"});
  CHECK(by_sku.rows[0].clusters == 1);
  CHECK(by_sku.rows[1].clusters == 2); // lion and puma
  CHECK(by_sku.rows[1].cluster == kNone);
  CHECK(figures(by_sku.rows[1].figures) == kLion); // puma adds nothing
  const auto by_region = capacity(snap, fleet, Selection{}, GroupBy::region);
  REQUIRE(keys(by_region) == Names{"us-south", "us-west"});
  CHECK(figures(by_region.rows[0].figures) == kTiger);
  const auto by_provider = capacity(snap, fleet, Selection{}, GroupBy::provider);
  REQUIRE(keys(by_provider) == Names{"coreweave"});
  CHECK(by_provider.rows[0].clusters == 2);
  CHECK(figures(by_provider.rows[0].figures) == figures(by_provider.totals));
  CHECK(figures(by_provider.totals) == V{160, 136, 136, 104, 16, 16, 16, 8, 8, 16, 16, 8});
}
