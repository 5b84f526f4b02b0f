// maintenance plan (docs/maintenance.md) is valid by construction: invariants checked on generated fleets
// (every node within its GPUs at every moment of the window, SKU kept, region and provider
// with --same-region, a multi-node job in one island, no destination an event covers from the
// move to the window's end, only flex jobs preempted and only for in-quota moves), and on small
// fleets the number of jobs placed compared with an exhaustive search.
#include <catch2/catch.hpp>

#include "fleetcap/figures/maintenance.hpp"
#include "support/fixtures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace fleetcap;

namespace {

// A random fleet small enough to reason about and crowded enough that islands tie on free GPUs,
// jobs outgrow every island, and clusters of one SKU sit in the same and in other regions.
std::map<Resource, std::string> random_fleet(unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto one_of = [&](std::initializer_list<const char*> xs) {
    return *(xs.begin() + pick(static_cast<int>(xs.size())));
  };
  const Time day = test::at("2026-11-20T00:00:00Z");
  std::string clusters, quotas, jobs, events;
  std::vector<std::string> nodes;
  auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : ",") + item; };
  const int cluster_count = 2 + pick(8);
  for (int c = 0; c < cluster_count; ++c) {
    const std::string cl = fmt::format("c{}", c);
    add(clusters, fmt::format(R"({{"name": "{}", "region": "{}", "provider": "{}", "sku": "{}", "state": "{}"}})", cl,
                              one_of({"east", "west"}), one_of({"cw", "az"}), one_of({"h100", "h200"}),
                              pick(4) ? "production" : one_of({"provisioning", "decommissioned"})));
    std::vector<std::string> names;
    for (int i = 0, islands = 1 + pick(4); i < islands; ++i)
      for (int n = 0, count = 1 + pick(6); n < count; ++n) {
        names.push_back(fmt::format("{}-i{}-n{}", cl, i, n));
        nodes.push_back(fmt::format(
            R"({{"name": "{}", "cluster": "{}", "island": "{}-i{}", "gpus": {}, "health": "{}", "cordoned": {}}})",
            names.back(), cl, cl, i, one_of({"8", "8", "8", "4", "2", "0"}), pick(8) ? "healthy" : "unhealthy",
            pick(10) ? "false" : "true"));
      }
    // Two trees with a leaf here each; the second admits only some namespaces.
    add(quotas, fmt::format(R"({{"name": "a/{}", "parent": "a", "cluster": "{}", "gpus": {}}})", cl, cl, 8 * pick(6)));
    add(quotas, fmt::format(R"({{"name": "b/{}", "parent": "b", "cluster": "{}", "gpus": {}, "access": ["{}"]}})", cl,
                            cl, 8 * pick(6), one_of({"ml", "web"})));
    for (int j = 0, count = pick(7); j < count; ++j) {
      std::string on;
      for (int k = 0, n = 1 + pick(3); k < n; ++k)
        on += fmt::format("{}\"{}\"", k ? ", " : "",
                          names[static_cast<std::size_t>(pick(static_cast<int>(names.size())))]);
      add(jobs,
          fmt::format(
              R"({{"name": "{}-j{}", "namespace": "{}", "quota": "{}", "cluster": "{}", "priority": "{}", "gpus": {}, "state": "{}", "nodes": [{}]}})",
              cl, j, one_of({"ml", "web"}), pick(3) ? fmt::format("{}/{}", one_of({"a", "b"}), cl) : "flex", cl,
              one_of({"low", "mid", "high", "critical"}), 1 + pick(40), pick(6) ? "running" : "pending", on));
    }
    for (int e = 0, count = pick(3); e < count; ++e) {
      std::string on;
      if (pick(8))
        for (int k = 0, n = 1 + pick(4); k < n; ++k)
          on += fmt::format("{}\"{}\"", k ? ", " : "",
                            names[static_cast<std::size_t>(pick(static_cast<int>(names.size())))]);
      const Time start = day + (pick(96) - 24) * 3600;
      add(events,
          fmt::format(
              R"({{"id": "{}-m{}", "cluster": "{}", "nodes": [{}], "kind": "hardware", "reason": "", "priority": "p{}", "start": "{}", "end": "{}", "hard_start": {}, "state": "{}"}})",
              cl, e, cl, on, pick(4), format_rfc3339(start), format_rfc3339(start + (1 + pick(48)) * 3600),
              pick(2) ? "true" : "false", one_of({"scheduled", "scheduled", "in_progress", "completed", "cancelled"})));
    }
  }
  add(quotas, R"({"name": "a", "parent": null, "cluster": null})");
  add(quotas, R"({"name": "b", "parent": null, "cluster": null})");
  // Islands are numbered in the order their nodes come: shuffled, that order is not the
  // clusters', so a tie broken by island number alone would show.
  std::shuffle(nodes.begin(), nodes.end(), rng);
  std::string node_list;
  for (const auto& n : nodes) add(node_list, n);
  return {{Resource::clusters, clusters},
          {Resource::nodes, node_list},
          {Resource::quotas, quotas},
          {Resource::jobs, jobs},
          {Resource::maintenance, events}};
}

// A node can receive a job at t: schedulable at t and no open event covering it is active at
// or starts in [t, window end). Written from docs/maintenance.md, not from the planner's pool.
bool can_receive(const Snapshot& snap, std::uint32_t n, Time t, const MaintenanceHorizon& h) {
  const Node& node = snap.nodes[n];
  if (!node.healthy || node.cordoned) return false;
  for (const auto& e : snap.maintenance) {
    if (!e.open() || e.cluster_index != node.cluster_index) continue;
    const bool covers =
        e.nodes.empty() || std::find(e.node_indices.begin(), e.node_indices.end(), n) != e.node_indices.end();
    if (covers && e.start < h.end() && e.end > t) return false;
  }
  return true;
}

std::vector<Gpus> initial_use(const Snapshot& snap) {
  std::vector<Gpus> used(snap.nodes.size(), 0);
  for (const auto& job : snap.jobs)
    if (job.running()) for_each_share(job, [&](std::uint32_t n, Gpus g) { used[n] += g; });
  return used;
}

// Every invariant of a plan; returns the number of checks made, so a caller sees they ran.
std::size_t check_plan(const Snapshot& snap, const MovePlan& p, bool same_region) {
  const MaintenanceHorizon& h = p.horizon;
  std::size_t checks = 0;
  std::vector<Gpus> used = initial_use(snap);
  std::vector<std::uint8_t> over(snap.nodes.size());
  for (std::size_t n = 0; n < used.size(); ++n) over[n] = used[n] > snap.nodes[n].gpus; // in the data already
  std::set<std::uint32_t> released;
  auto release = [&](std::uint32_t j) {
    REQUIRE(released.insert(j).second); // once
    for_each_share(snap.jobs[j], [&](std::uint32_t n, Gpus g) { used[n] -= g; });
  };
  for (std::size_t k = 0; k < p.jobs.size(); ++k) {
    const PlanJob& pj = p.jobs[k];
    const Job& job = snap.jobs[pj.job];
    INFO("move " << k << " " << job.name);
    CHECK(pj.move_at == std::max(pj.move_by, h.at));
    if (k > 0) {
      const PlanJob& prev = p.jobs[k - 1];
      const Job& pjob = snap.jobs[prev.job];
      CHECK(std::make_tuple(prev.move_by, -static_cast<int>(pjob.priority), -pjob.gpus, pjob.name) <
            std::make_tuple(pj.move_by, -static_cast<int>(job.priority), -job.gpus, job.name));
    }
    CHECK(pj.placed == (pj.outcome == MoveOutcome::placed));
    if (pj.outcome == MoveOutcome::unplaced) CHECK_FALSE(job.flex);
    if (pj.outcome == MoveOutcome::preempted) {
      CHECK(job.flex);
      if (pj.preempted_by == kNone) release(pj.job);
    }
    if (!pj.preempts.empty()) CHECK_FALSE(job.flex);
    for (auto v : pj.preempts) {
      CHECK(snap.jobs[v].flex);
      CHECK(snap.jobs[v].cluster_index == job.cluster_index);
      if (const auto it = std::find_if(p.jobs.begin(), p.jobs.end(), [&](const PlanJob& x) { return x.job == v; });
          it != p.jobs.end()) {
        CHECK(it->preempted_by == k);
        CHECK(it > p.jobs.begin() + static_cast<std::ptrdiff_t>(k)); // it had not moved yet
      }
      release(v);
      ++checks;
    }
    if (!pj.placed) continue;
    REQUIRE(!pj.nodes.empty());
    REQUIRE(pj.nodes.size() == pj.node_gpus.size());
    CHECK(pj.gpus_moved() == job.gpus);
    if (job.node_indices.size() == 1) CHECK(pj.nodes.size() == 1);
    const Cluster &from = snap.clusters[job.cluster_index], &to = snap.clusters[pj.cluster];
    CHECK(from.sku == to.sku);
    if (pj.cluster != job.cluster_index) {
      CHECK(to.state == ClusterState::production);
      CHECK(pj.scope != MoveScope::cluster);
    }
    if (same_region) CHECK(std::tie(from.region, from.provider) == std::tie(to.region, to.provider));
    std::set<std::uint32_t> distinct(pj.nodes.begin(), pj.nodes.end());
    CHECK(distinct.size() == pj.nodes.size());
    for (std::size_t x = 0; x < pj.nodes.size(); ++x) {
      const auto n = pj.nodes[x];
      CHECK(pj.node_gpus[x] > 0);
      CHECK(snap.nodes[n].island_index == pj.island); // one island
      CHECK(snap.nodes[n].cluster_index == pj.cluster);
      CHECK(can_receive(snap, n, pj.move_at, h));
      used[n] += pj.node_gpus[x];
      CHECK(used[n] <= snap.nodes[n].gpus); // never over its GPUs
      checks += 4;
    }
    release(pj.job);
  }
  // Preemptions listed once, with the move that made them.
  for (const auto& pre : p.preempted) {
    const auto& by = p.jobs[pre.by].preempts;
    CHECK(std::find(by.begin(), by.end(), pre.job) != by.end());
  }
  // The summary adds up.
  const PlanSummary& s = p.summary;
  CHECK(s.jobs == p.jobs.size());
  std::size_t must_move_preempted = 0;
  for (const auto& pj : p.jobs) must_move_preempted += pj.outcome == MoveOutcome::preempted ? 1 : 0;
  CHECK(s.placed + s.unplaced + must_move_preempted == s.jobs);
  PlanCounts days;
  for (const auto& d : s.days) {
    days.jobs += d.counts.jobs;
    days.placed += d.counts.placed;
    days.preempted += d.counts.preempted;
    days.gpus_unplaced += d.counts.gpus_unplaced;
  }
  CHECK(std::tie(days.jobs, days.placed, days.preempted, days.gpus_unplaced) ==
        std::tie(s.jobs, s.placed, s.preempted, s.gpus_unplaced));
  return checks;
}

// A small fleet for the exhaustive search: h100 clusters (two in one region and provider, one
// elsewhere, one not in production) and an h200 one; every job in a quota, on one node.
std::map<Resource, std::string> tiny_fleet(unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const Time day = test::at("2026-11-20T00:00:00Z");
  std::string clusters, quotas, jobs, events, nodes;
  auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : ",") + item; };
  const char* spec[][5] = {{"c0", "east", "cw", "h100", "production"},
                           {"c1", "east", "cw", "h100", "production"},
                           {"c2", "west", "az", "h100", "production"},
                           {"c3", "east", "cw", "h100", "provisioning"},
                           {"c4", "east", "cw", "h200", "production"}};
  std::vector<std::string> names;
  int job = 0;
  for (const auto& c : spec) {
    add(clusters, fmt::format(R"({{"name": "{}", "region": "{}", "provider": "{}", "sku": "{}", "state": "{}"}})", c[0],
                              c[1], c[2], c[3], c[4]));
    add(quotas, fmt::format(R"({{"name": "t/{}", "parent": "t", "cluster": "{}", "gpus": 64}})", c[0], c[0]));
    std::vector<std::string> here;
    for (int n = 0, count = 1 + pick(2); n < count; ++n) {
      here.push_back(fmt::format("{}-n{}", c[0], n));
      add(nodes, fmt::format(R"({{"name": "{}", "cluster": "{}", "island": "{}-i{}", "gpus": {}, "health": "{}"}})",
                             here.back(), c[0], c[0], pick(2), pick(3) ? 8 : 4, pick(6) ? "healthy" : "unhealthy"));
    }
    for (int j = 0, count = pick(3); j < count; ++j)
      add(jobs,
          fmt::format(
              R"({{"name": "j{}", "namespace": "ml", "quota": "t/{}", "cluster": "{}", "priority": "{}", "gpus": {}, "state": "running", "nodes": ["{}"]}})",
              job++, c[0], c[0], pick(2) ? "high" : "low", 1 + pick(8),
              here[static_cast<std::size_t>(pick(static_cast<int>(here.size())))]));
    for (int e = 0, count = pick(2); e < count; ++e) {
      const Time start = day + (6 + pick(48)) * 3600;
      add(events,
          fmt::format(
              R"({{"id": "{}-m{}", "cluster": "{}", "nodes": ["{}"], "kind": "os", "reason": "", "priority": "p2", "start": "{}", "end": "{}", "hard_start": true, "state": "scheduled"}})",
              c[0], e, c[0], here[static_cast<std::size_t>(pick(static_cast<int>(here.size())))], format_rfc3339(start),
              format_rfc3339(start + (1 + pick(30)) * 3600)));
    }
  }
  add(quotas, R"({"name": "t", "parent": null, "cluster": null})");
  return {{Resource::clusters, clusters},
          {Resource::nodes, nodes},
          {Resource::quotas, quotas},
          {Resource::jobs, jobs},
          {Resource::maintenance, events}};
}

// The most jobs that can be placed, trying every destination node (or none) for each job that
// must move, in the plan's move order; same rules, no preference among destinations.
std::size_t most_placed(const Snapshot& snap, const MovePlan& p, bool same_region) {
  std::vector<Gpus> room(snap.nodes.size());
  const std::vector<Gpus> used = initial_use(snap);
  for (std::size_t n = 0; n < room.size(); ++n) room[n] = snap.nodes[n].gpus - used[n];
  std::size_t best = 0;
  std::function<void(std::size_t, std::size_t)> search = [&](std::size_t k, std::size_t placed) {
    if (placed + (p.jobs.size() - k) <= best) return; // cannot beat what is found
    if (k == p.jobs.size()) {
      best = placed;
      return;
    }
    const PlanJob& pj = p.jobs[k];
    const Job& job = snap.jobs[pj.job];
    const Cluster& from = snap.clusters[job.cluster_index];
    for (std::uint32_t n = 0; n < snap.nodes.size(); ++n) {
      const Cluster& to = snap.clusters[snap.nodes[n].cluster_index];
      if (to.sku != from.sku || room[n] < job.gpus || !can_receive(snap, n, pj.move_at, p.horizon)) continue;
      if (snap.nodes[n].cluster_index != job.cluster_index &&
          (to.state != ClusterState::production ||
           (same_region && std::tie(to.region, to.provider) != std::tie(from.region, from.provider))))
        continue;
      room[n] -= job.gpus;
      for_each_share(job, [&](std::uint32_t x, Gpus g) { room[x] += g; });
      search(k + 1, placed + 1);
      for_each_share(job, [&](std::uint32_t x, Gpus g) { room[x] -= g; });
      room[n] += job.gpus;
    }
    search(k + 1, placed);
  };
  search(0, 0);
  return best;
}

} // namespace

TEST_CASE("plan invariants on generated fleets", "[maintenance][plan]") {
  std::size_t checks = 0, placed = 0, preempted = 0, unplaced = 0, hinted = 0, jobs = 0;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    const Snapshot snap = test::snapshot_of(random_fleet(seed));
    for (const char* at : {"2026-11-20T00:00:00Z", "2026-11-20T12:00:00Z", "2026-11-22T06:00:00Z"})
      for (const bool same_region : {false, true}) {
        MaintenanceHorizon h;
        h.at = test::at(at);
        h.window = 2 * 86400;
        INFO("seed " << seed << ", at " << at << (same_region ? ", --same-region" : ""));
        const MovePlan p = plan_moves(snap, Selection{}, h, same_region);
        checks += check_plan(snap, p, same_region);
        jobs += p.jobs.size();
        placed += p.summary.placed;
        preempted += p.preempted.size();
        unplaced += p.summary.unplaced;
        for (const auto& pj : p.jobs) hinted += pj.hint_island != kNone ? 1 : 0;
      }
  }
  // The fleets exercise every outcome.
  INFO(jobs << " jobs: placed " << placed << ", preempted to make room " << preempted << ", unplaced " << unplaced
            << ", with a hint " << hinted << "; " << checks << " checks");
  CHECK(placed > 500);
  CHECK(preempted > 50);
  CHECK(unplaced > 100);
  CHECK(hinted > 20);
}

TEST_CASE("plan invariants on the fixtures and the demo fleet", "[maintenance][plan]") {
  for (const char* dir :
       {"examples/fleet/worked", "examples/fleet/demo", "tests/data/maintenance/edge", "tests/data/fleets/small"}) {
    const Snapshot snap = test::load_fixture(dir);
    for (const char* at : {"2026-11-20T12:00:00Z", "2026-11-21T06:00:00Z", "2026-11-23T00:00:00Z"})
      for (const bool same_region : {false, true}) {
        MaintenanceHorizon h;
        h.at = test::at(at);
        INFO(dir << " at " << at << (same_region ? ", --same-region" : ""));
        check_plan(snap, plan_moves(snap, Selection{}, h, same_region), same_region);
      }
  }
}

TEST_CASE("plan places nearly as many jobs as an exhaustive search", "[maintenance][plan]") {
  std::size_t greedy = 0, best = 0, fleets = 0, equal = 0;
  for (unsigned seed = 1; seed <= 400; ++seed) {
    const Snapshot snap = test::snapshot_of(tiny_fleet(seed));
    for (const bool same_region : {false, true}) {
      MaintenanceHorizon h;
      h.at = test::at("2026-11-20T00:00:00Z");
      h.window = 3 * 86400;
      const MovePlan p = plan_moves(snap, Selection{}, h, same_region);
      if (p.jobs.empty() || p.jobs.size() > 7) continue;
      INFO("seed " << seed << (same_region ? ", --same-region" : ""));
      check_plan(snap, p, same_region);
      const std::size_t most = most_placed(snap, p, same_region);
      std::string moves;
      for (const auto& pj : p.jobs) {
        moves += fmt::format("{} {} {}gpus at {} ->", snap.jobs[pj.job].name, snap.jobs[pj.job].nodes[0],
                             snap.jobs[pj.job].gpus, format_rfc3339(pj.move_at));
        for (auto n : pj.nodes) moves += fmt::format(" {}", snap.nodes[n].name);
        moves += "; ";
      }
      INFO(moves);
      CHECK(p.summary.placed <= most); // else the plan broke a rule the search keeps
      // Not always equal: moves go in docs/maintenance.md's order, so an 8-GPU job placed first may take
      // the room three small ones after it would have shared.
      greedy += p.summary.placed;
      best += most;
      equal += p.summary.placed == most ? 1 : 0;
      ++fleets;
    }
  }
  INFO(fleets << " fleets: placed " << greedy << " of at most " << best << "; optimal on " << equal);
  CHECK(fleets > 200);
  CHECK(best > 300);
  CHECK(greedy * 100 >= best * 95);
  CHECK(equal * 100 >= fleets * 95);
}
