// docs/concepts.md (schedulable) and docs/figures.md (cluster figures, largest remainder): src/figures/fleet.cpp.
// Every expected number is worked out by hand from docs/figures.md's formulas, in the comments.
#include "fleetcap/figures/fleet.hpp"

#include "support/fixtures.hpp"

using namespace fleetcap;
using fleetcap::test::at;

namespace {

void check_figures(const ClusterFigures& f, std::vector<Gpus> expected) {
  // total, healthy, assigned, inquota_used, inquota_free, flex_used, flex_free, stable,
  // reclaimable, unbacked, headroom, largest_free_block
  const std::vector<Gpus> got{f.total,        f.healthy,          f.assigned,
                              f.inquota_used, f.inquota_free,     f.flex_used,
                              f.flex_free,    f.flex_stable_free, f.flex_reclaimable_free,
                              f.unbacked,     f.headroom,         f.largest_free_block};
  CHECK(got == expected);
}

// Cluster c: island i1 = a, b (8 GPUs each), island i2 = d (4 GPUs). Cluster o: node o1 (8).
std::map<Resource, std::string> small_fleet(const std::string& events, const std::string& jobs = "") {
  return {
      {Resource::clusters, R"({"name": "c", "region": "r", "provider": "p", "sku": "h100", "state": "production"},
                              {"name": "o", "region": "r", "provider": "p", "sku": "h100", "state": "production"})"},
      {Resource::nodes, R"({"name": "a", "cluster": "c", "island": "i1", "gpus": 8, "health": "healthy"},
                           {"name": "b", "cluster": "c", "island": "i1", "gpus": 8, "health": "healthy"},
                           {"name": "d", "cluster": "c", "island": "i2", "gpus": 4, "health": "healthy"},
                           {"name": "o1", "cluster": "o", "island": "oi", "gpus": 8, "health": "healthy"})"},
      {Resource::quotas, R"({"name": "g"}, {"name": "g/c", "parent": "g", "cluster": "c", "gpus": 12})"},
      {Resource::jobs, jobs},
      {Resource::maintenance, events},
  };
}

std::string event(const std::string& id, const std::string& cluster, const std::string& nodes, const std::string& start,
                  const std::string& end, const std::string& state) {
  return R"({"id": ")" + id + R"(", "cluster": ")" + cluster + R"(", "nodes": )" + nodes +
         R"(, "priority": "p1", "start": ")" + start + R"(", "end": ")" + end + R"(", "state": ")" + state + R"("})";
}

} // namespace

TEST_CASE("docs/worked-example.md: the worked example's cluster figures") {
  const Snapshot snap = test::worked();
  const FleetAt fleet = evaluate(snap, test::worked_at());
  // tiger: 12 nodes × 8 = 96; t05 unhealthy, t11 in m1, t12 cordoned: H = 9 × 8 = 72;
  // A = 48 + 24 + 16 = 88; Uq = j1 32 + j2 8 + j3 16 = 56; Uf = j4 8;
  // inquota_free = min(88, 72) − 56 = 16; flex_free = 72 − 56 − 8 = 8;
  // stable = min(8, max(0, max(0, 72 − 88) − 8)) = 0; reclaimable 8; unbacked 88 − 72 = 16;
  // headroom 0; block: tiger-ib1 has no free node (t01–t04 j1, t05 down, t06 j2), tiger-ib2 has
  // only t10 free (t07/t08 j3, t09 j4, t11 m1, t12 cordoned) = 8.
  check_figures(fleet.clusters[snap.find_cluster("tiger")], {96, 72, 88, 56, 16, 8, 8, 0, 8, 16, 0, 8});
  // lion: 8 × 8 = 64, all schedulable; A = 24 + 8 + 16 = 48; Uq = k1 16 + k2 32 = 48; Uf = k3 8;
  // inquota_free = min(48, 64) − 48 = 0; flex_free = 64 − 48 − 8 = 8;
  // stable = min(8, max(0, 16 − 8)) = 8; reclaimable 0; unbacked 0; headroom 16; block: l08 = 8.
  check_figures(fleet.clusters[snap.find_cluster("lion")], {64, 64, 48, 48, 0, 8, 8, 8, 0, 0, 16, 8});
  // puma has no nodes, quotas or jobs.
  check_figures(fleet.clusters[snap.find_cluster("puma")], {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("the worked example around m1 and m2: boundaries are start <= t < end") {
  const Snapshot snap = test::worked();
  const auto tiger = snap.find_cluster("tiger");
  const auto t11 = snap.find_node("t11");
  // m1 (t11) runs 2026-11-20T10:00Z -> 2026-11-21T10:00Z.
  CHECK(evaluate(snap, at("2026-11-20T09:59:59Z")).clusters[tiger].healthy == 80);
  CHECK(evaluate(snap, at("2026-11-20T10:00:00Z")).clusters[tiger].healthy == 72); // starts exactly now: active
  CHECK(evaluate(snap, at("2026-11-21T09:59:59Z")).clusters[tiger].healthy == 72);
  const FleetAt after = evaluate(snap, at("2026-11-21T10:00:00Z")); // ends exactly now: not active
  CHECK(after.schedulable[t11]);
  // t11 back: H = 80, flex_free = 80 − 56 − 8 = 16, unbacked 88 − 80 = 8, tiger-ib2 free t10 + t11 = 16.
  check_figures(after.clusters[tiger], {96, 80, 88, 56, 24, 8, 16, 0, 16, 8, 0, 16});
  // m2 (t07, t08) 2026-11-21T18:00Z -> 2026-11-22T06:00Z: H = 80 − 16 = 64.
  CHECK(evaluate(snap, at("2026-11-21T18:00:00Z")).clusters[tiger].healthy == 64);
  CHECK(evaluate(snap, at("2026-11-22T06:00:00Z")).clusters[tiger].healthy == 80);
}

TEST_CASE("schedulable: an event is active from its start up to, not including, its end") {
  const Snapshot snap = test::snapshot_of(
      small_fleet(event("e1", "c", R"(["a"])", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", "scheduled")));
  const auto a = snap.find_node("a"), b = snap.find_node("b");
  CHECK(schedulable_nodes(snap, at("2026-11-20T09:59:59Z"))[a]);
  CHECK_FALSE(schedulable_nodes(snap, at("2026-11-20T10:00:00Z"))[a]);
  CHECK_FALSE(schedulable_nodes(snap, at("2026-11-20T10:59:59Z"))[a]);
  CHECK(schedulable_nodes(snap, at("2026-11-20T11:00:00Z"))[a]);
  CHECK(schedulable_nodes(snap, at("2026-11-20T10:30:00Z"))[b]);
  const auto c = snap.find_cluster("c");
  CHECK(evaluate(snap, at("2026-11-20T10:30:00Z")).clusters[c].healthy == 12);
  CHECK(evaluate(snap, at("2026-11-20T11:00:00Z")).clusters[c].healthy == 20);
}

TEST_CASE("schedulable: completed and cancelled events are ignored, in_progress ones count") {
  const Snapshot snap = test::snapshot_of(
      small_fleet(event("e1", "c", R"(["a"])", "2026-11-20T10:00:00Z", "2026-11-20T14:00:00Z", "completed") + "," +
                  event("e2", "c", R"(["b"])", "2026-11-20T10:00:00Z", "2026-11-20T14:00:00Z", "cancelled") + "," +
                  event("e3", "c", R"(["d"])", "2026-11-20T10:00:00Z", "2026-11-20T14:00:00Z", "in_progress")));
  const auto s = schedulable_nodes(snap, at("2026-11-20T12:00:00Z"));
  CHECK(s[snap.find_node("a")]);
  CHECK(s[snap.find_node("b")]);
  CHECK_FALSE(s[snap.find_node("d")]);
  CHECK(evaluate(snap, at("2026-11-20T12:00:00Z")).clusters[snap.find_cluster("c")].healthy == 16);
}

TEST_CASE("schedulable: an event with no nodes covers its whole cluster, and only it") {
  const Snapshot snap = test::snapshot_of(
      small_fleet(event("e1", "c", "[]", "2026-11-20T10:00:00Z", "2026-11-20T14:00:00Z", "scheduled")));
  const FleetAt f = evaluate(snap, at("2026-11-20T12:00:00Z"));
  const ClusterFigures& c = f.clusters[snap.find_cluster("c")];
  // c: H = 0 against A = 12: everything promised is unbacked, no free block anywhere.
  check_figures(c, {20, 0, 12, 0, 0, 0, 0, 0, 0, 12, 0, 0});
  CHECK(f.schedulable[snap.find_node("o1")]);
  CHECK(f.clusters[snap.find_cluster("o")].healthy == 8);
  // Before it starts: H = 20, headroom 8, block = i1 (16).
  check_figures(evaluate(snap, at("2026-11-20T09:00:00Z")).clusters[snap.find_cluster("c")],
                {20, 20, 12, 0, 12, 0, 20, 8, 12, 0, 8, 16});
}

TEST_CASE("unhealthy, other health values and cordoned nodes are not schedulable") {
  auto fleet = small_fleet("");
  fleet[Resource::nodes] = R"({"name": "a", "cluster": "c", "island": "i1", "gpus": 8, "health": "unhealthy"},
                              {"name": "b", "cluster": "c", "island": "i1", "gpus": 8, "health": "degraded"},
                              {"name": "d", "cluster": "c", "island": "i2", "gpus": 4, "health": "healthy",
                               "cordoned": true},
                              {"name": "e", "cluster": "c", "island": "i2", "gpus": 2, "health": "healthy",
                               "cordoned": false})";
  const Snapshot snap = test::snapshot_of(fleet);
  const FleetAt f = evaluate(snap, at("2026-11-20T12:00:00Z"));
  CHECK(f.schedulable == std::vector<std::uint8_t>{0, 0, 0, 1});
  // total 22, H = 2, A = 12: unbacked 10; block = e alone (2).
  check_figures(f.clusters[snap.find_cluster("c")], {22, 2, 12, 0, 2, 0, 2, 0, 2, 10, 0, 2});
}

TEST_CASE("usage counts running jobs only; the block skips nodes a running job lists") {
  const std::string jobs =
      R"({"name": "q1", "namespace": "n", "quota": "g/c", "cluster": "c", "priority": "high", "gpus": 8,
          "state": "running", "nodes": ["a"]},
         {"name": "f1", "namespace": "n", "quota": "flex", "cluster": "c", "priority": "low", "gpus": 4,
          "state": "running", "nodes": ["d"]},
         {"name": "p1", "namespace": "n", "quota": "g/c", "cluster": "c", "priority": "high", "gpus": 8,
          "state": "pending", "nodes": ["b"]},
         {"name": "p2", "namespace": "n", "quota": "flex", "cluster": "c", "priority": "low", "gpus": 8,
          "state": "pending"})";
  const Snapshot snap = test::snapshot_of(small_fleet("", jobs));
  const FleetAt f = evaluate(snap, at("2026-11-20T12:00:00Z"));
  CHECK(f.occupied == std::vector<std::uint8_t>{1, 0, 1, 0});
  // H = 20, A = 12, Uq = 8, Uf = 4: inquota_free = 12 − 8 = 4; flex_free = 20 − 8 − 4 = 8;
  // stable = min(8, max(0, 8 − 4)) = 4; reclaimable 4; headroom 8; block: i1 has b (8; p1 is
  // pending, so it does not hold b), i2 has nothing (d runs f1) = 8.
  check_figures(f.clusters[snap.find_cluster("c")], {20, 20, 12, 8, 4, 4, 8, 4, 4, 0, 8, 8});
}

TEST_CASE("ClusterFigures::from follows docs/figures.md, clamping at zero") {
  // Usage beyond healthy (nodes failed under running jobs): H 10, A 20, Uq 15, Uf 5.
  check_figures(ClusterFigures::from(40, 10, 20, 15, 5, 0), {40, 10, 20, 15, 0, 5, 0, 0, 0, 10, 0, 0});
  // Underallocated: H 100, A 60, Uq 20, Uf 30: inquota_free 40, flex_free 50,
  // stable = min(50, max(0, 40 − 30)) = 10, reclaimable 40, headroom 40.
  check_figures(ClusterFigures::from(128, 100, 60, 20, 30, 24), {128, 100, 60, 20, 40, 30, 50, 10, 40, 0, 40, 24});
  // Flex beyond the headroom: H 100, A 60, Uq 20, Uf 45: flex_free 35, stable = min(35, max(0, 40 − 45)) = 0.
  check_figures(ClusterFigures::from(100, 100, 60, 20, 45, 0), {100, 100, 60, 20, 40, 45, 35, 0, 35, 0, 40, 0});
}

TEST_CASE("ClusterFigures::add sums every figure but the block, which takes the largest") {
  ClusterFigures sum = ClusterFigures::from(96, 72, 88, 56, 8, 8);
  sum.add(ClusterFigures::from(64, 64, 48, 48, 8, 16));
  check_figures(sum, {160, 136, 136, 104, 16, 16, 16, 8, 8, 16, 16, 16});
}

TEST_CASE("largest remainder: floors, then the largest remainders (docs/figures.md)") {
  using V = std::vector<Gpus>;
  const std::vector<std::string_view> tiger{"research/pretrain", "research/evals", "applied/chat-tiger"};
  // docs/worked-example.md quota unbacked: 16 over 48/24/16 = 8.73, 4.36, 2.91 -> 8, 4, 2 and the two left go to
  // chat-tiger (.91) and pretrain (.73): 9, 4, 3.
  CHECK(split_largest_remainder(16, {48, 24, 16}, tiger) == V{9, 4, 3});
  // docs/worked-example.md overalloc pro-rata cut: 27 over 48/24/16 = 14.73, 7.36, 4.91 -> 15, 7, 5.
  CHECK(split_largest_remainder(27, {48, 24, 16}, tiger) == V{15, 7, 5});
  CHECK(split_largest_remainder(10, {1, 1}, {"a", "b"}) == V{5, 5});
  CHECK(split_largest_remainder(7, {0, 3, 0}, {"a", "b", "c"}) == V{0, 7, 0});
  CHECK(split_largest_remainder(0, {1, 2}, {"a", "b"}) == V{0, 0});
  CHECK(split_largest_remainder(5, {0, 0}, {"a", "b"}) == V{0, 0});
  CHECK(split_largest_remainder(5, {}, {}) == V{});
}

TEST_CASE("largest remainder: equal remainders go to the name that sorts first, by bytes") {
  using V = std::vector<Gpus>;
  CHECK(split_largest_remainder(1, {1, 1}, {"b", "a"}) == V{0, 1});
  CHECK(split_largest_remainder(2, {1, 1, 1}, {"c", "b", "a"}) == V{0, 1, 1});
  CHECK(split_largest_remainder(1, {1, 1}, {"a", "B"}) == V{0, 1});        // 'B' (0x42) < 'a' (0x61)
  CHECK(split_largest_remainder(1, {1, 1}, {"q/b", "q-b"}) == V{0, 1});    // '-' (0x2d) < '/' (0x2f)
  CHECK(split_largest_remainder(1, {1, 1}, {"\xc3\xa9", "z"}) == V{0, 1}); // UTF-8 bytes sort after ASCII
  // A larger remainder beats a smaller name: 3 over 2/1/1 = 1.5, .75, .75 -> 1, 0, 0, then
  // .75 (b), .75 (c), .5 (a): b and c first.
  CHECK(split_largest_remainder(3, {2, 1, 1}, {"a", "b", "c"}) == V{1, 1, 1});
  CHECK(split_largest_remainder(2, {2, 1, 1}, {"a", "b", "c"}) == V{1, 1, 0}); // 1, .5, .5 -> b wins the tie
}

// docs/design.md, "What schedulers enforce": stable use and reservations change the cluster
// figures exactly as the table there says; tests/data/fleets/enforce/README.md works them out.
TEST_CASE("stable use and reservations: the enforce fleet's cluster figures", "[fleet]") {
  const Snapshot snap = test::load_fixture("tests/data/fleets/enforce");
  const FleetAt f = test::at_snapshot(snap);
  const ClusterFigures& tiger = f.clusters[snap.find_cluster("tiger")];
  CHECK(tiger.healthy == 72);
  CHECK(tiger.assigned == 88);
  CHECK(tiger.inquota_used == 56);
  CHECK(tiger.flex_used == 8);
  CHECK(tiger.flex_stable_used == 8); // j4: reclaimable false
  CHECK(tiger.reserved_free == 8);    // t10, idle, held by demo
  CHECK(tiger.inquota_free == 0);     // max(0, min(88, 72 - 8 - 8) - 56)
  CHECK(tiger.flex_free == 0);        // max(0, 72 - 56 - 8 - 8)
  CHECK(tiger.flex_stable_free == 0);
  CHECK(tiger.flex_reclaimable_free == 0);
  CHECK(tiger.unbacked == 16); // hardware only: docs/figures.md
  CHECK(tiger.largest_free_block == 0);
  const ClusterFigures& lion = f.clusters[snap.find_cluster("lion")];
  CHECK(lion.flex_free == 8);
  CHECK(lion.flex_stable_free == 8);
  CHECK(lion.flex_stable_used == 0);
  CHECK(lion.reserved_free == 0);
  CHECK(lion.largest_free_block == 8);
  // A day later demo has ended (t10 is free for everyone again) and so has m1 (t11 is back):
  // H 80, flex_free 80 - 56 - 8 = 16, and tiger-ib2's block is t10 + t11.
  const FleetAt later = evaluate(snap, *snap.taken_at + 24 * 3600);
  const ClusterFigures& after = later.clusters[snap.find_cluster("tiger")];
  CHECK(after.reserved_free == 0);
  CHECK(after.flex_free == 16);
  CHECK(after.largest_free_block == 16);
}

TEST_CASE("without the optional fields the figures are docs/figures.md's, whatever the formula's form", "[fleet]") {
  // ClusterFigures::from with Us = Rf = 0 against docs/figures.md written out, over a grid of inputs.
  for (Gpus h : {0, 8, 40, 72})
    for (Gpus a : {0, 16, 48, 88})
      for (Gpus uq : {0, 8, 32, 56, 90})
        for (Gpus uf : {0, 8, 24}) {
          const ClusterFigures f = ClusterFigures::from(h + 16, h, a, uq, uf, 0);
          INFO(h << " " << a << " " << uq << " " << uf);
          CHECK(f.inquota_free == std::max<Gpus>(0, std::min(a, h) - uq));
          CHECK(f.flex_free == std::max<Gpus>(0, h - uq - uf));
          CHECK(f.flex_stable_free == std::min(f.flex_free, std::max<Gpus>(0, std::max<Gpus>(0, h - a) - uf)));
          CHECK(f.flex_reclaimable_free == f.flex_free - f.flex_stable_free);
        }
}
