// docs/maintenance.md maintenance figures. Expected values are worked out by hand in the comments from
// the fixtures: examples/fleet/worked (docs/worked-example.md) and tests/data/maintenance/edge (README there).
#include <catch2/catch.hpp>

#include "fleetcap/figures/maintenance.hpp"
#include "support/fixtures.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

using namespace fleetcap;

namespace {
Time T(const char* s) { return *parse_rfc3339(s); }
MaintenanceHorizon at(const char* s) {
  MaintenanceHorizon h;
  h.at = T(s);
  return h;
}
using test::edge;
using test::worked;
std::vector<std::string> ids(const Snapshot& snap, const EventList& l) {
  std::vector<std::string> out;
  for (const auto& r : l.rows) out.emplace_back(snap.maintenance[r.event].id);
  return out;
}
std::vector<std::string> names(const Snapshot& snap, const std::vector<std::uint32_t>& jobs) {
  std::vector<std::string> out;
  for (auto j : jobs) out.emplace_back(snap.jobs[j].name);
  return out;
}
Selection all_states() {
  Selection s;
  s.all_states = true;
  return s;
}
const ClusterImpact& impact_of(const Snapshot& snap, const ImpactReport& r, const char* name) {
  for (const auto& c : r.clusters)
    if (snap.clusters[c.cluster].name == name) return c;
  FAIL("no cluster " << name);
  throw;
}
} // namespace

TEST_CASE("maintenance list on the docs/worked-example.md fleet", "[maintenance]") {
  const Snapshot& snap = worked();
  const EventList l = list_events(snap, Selection{}, at("2026-11-20T12:00:00Z"), EventFilter{});
  // m1 in progress (started 10:00), m2 and m3 scheduled; ordered by start.
  REQUIRE(ids(snap, l) == std::vector<std::string>{"m1", "m2", "m3"});
  CHECK(l.rows[0].gpus == 8);
  CHECK(l.rows[1].gpus == 16);
  CHECK(l.rows[2].gpus == 8);
  // action-by = start - 12 h.
  CHECK(l.rows[0].action_by == T("2026-11-19T22:00:00Z"));
  CHECK(l.rows[1].action_by == T("2026-11-21T06:00:00Z"));
  CHECK(l.rows[2].action_by == T("2026-11-23T12:00:00Z"));
  // Jobs still on the nodes: none on t11, j3 on t07+t08, k3 on l07.
  CHECK(l.rows[0].jobs.empty());
  CHECK(names(snap, l.rows[1].jobs) == std::vector<std::string>{"j3"});
  CHECK(names(snap, l.rows[2].jobs) == std::vector<std::string>{"k3"});
  // m1's action-by has passed but no job remains: not overdue.
  for (const auto& r : l.rows) CHECK_FALSE(r.overdue);
}

TEST_CASE("overdue flips exactly at action-by", "[maintenance]") {
  const Snapshot& snap = worked();
  // m2's action-by is 2026-11-21T06:00Z and j3 still runs on t07+t08.
  auto m2 = [&](const char* t) {
    for (const auto& r : list_events(snap, Selection{}, at(t), EventFilter{}).rows)
      if (snap.maintenance[r.event].id == "m2") return r.overdue;
    FAIL("m2 not listed at " << t);
    return false;
  };
  CHECK_FALSE(m2("2026-11-21T05:59:59Z"));
  CHECK(m2("2026-11-21T06:00:00Z"));
  // The list counts them (the JSON summary's `overdue`).
  CHECK(list_events(snap, Selection{}, at("2026-11-21T05:59:59Z"), EventFilter{}).overdue == 0);
  CHECK(list_events(snap, Selection{}, at("2026-11-21T06:00:00Z"), EventFilter{}).overdue == 1);
  CHECK(m2("2026-11-22T05:59:59Z")); // still running, still overdue
  // A longer lead moves action-by earlier: 24 h before 18:00 is 2026-11-20T18:00Z.
  MaintenanceHorizon h = at("2026-11-20T18:00:00Z");
  h.lead = 24 * 3600;
  const auto l = list_events(snap, Selection{}, h, EventFilter{});
  CHECK(l.rows[1].action_by == T("2026-11-20T18:00:00Z"));
  CHECK(l.rows[1].overdue);
}

TEST_CASE("an event ending exactly at --at is over", "[maintenance]") {
  const Snapshot& snap = worked();
  // m2 ends 2026-11-22T06:00Z; m1 ended 2026-11-21T10:00Z.
  const auto l = list_events(snap, Selection{}, at("2026-11-22T06:00:00Z"), EventFilter{});
  CHECK(ids(snap, l) == std::vector<std::string>{"m3"});
  const auto one_second_before = list_events(snap, Selection{}, at("2026-11-22T05:59:59Z"), EventFilter{});
  CHECK(ids(snap, one_second_before) == std::vector<std::string>{"m2", "m3"});
  // The edge fleet's e-end-at (delta, d01) ends at its taken_at: not listed, not active.
  const Snapshot& e = edge();
  EventFilter every;
  every.states = {EventState::scheduled, EventState::in_progress, EventState::completed, EventState::cancelled};
  const auto le = ids(e, list_events(e, Selection{}, at("2026-11-20T12:00:00Z"), every));
  CHECK(std::count(le.begin(), le.end(), "e-end-at") == 0);
  CHECK(schedulable_nodes(e, T("2026-11-20T12:00:00Z"))[e.find_node("d01")] == 1);
  CHECK(schedulable_nodes(e, T("2026-11-20T11:59:59Z"))[e.find_node("d01")] == 0);
}

TEST_CASE("list filters: window, states, hard start, cluster selection", "[maintenance]") {
  const Snapshot& snap = edge();
  MaintenanceHorizon h = at("2026-11-20T12:00:00Z");
  // Default: scheduled and in-progress events overlapping 14 days; e-far starts 2026-12-10.
  CHECK(ids(snap, list_events(snap, Selection{}, h, EventFilter{})) ==
        std::vector<std::string>{"e-over1", "e-over2", "e-whole"});
  EventFilter every;
  every.states = {EventState::scheduled, EventState::in_progress, EventState::completed, EventState::cancelled};
  CHECK(ids(snap, list_events(snap, Selection{}, h, every)) ==
        std::vector<std::string>{"e-done", "e-over1", "e-over2", "e-cancel", "e-whole"});
  EventFilter hard;
  hard.hard_only = true;
  CHECK(ids(snap, list_events(snap, Selection{}, h, hard)) == std::vector<std::string>{"e-over1", "e-whole"});
  Selection beta;
  beta.clusters = {"beta"};
  const auto lb = list_events(snap, beta, h, EventFilter{});
  REQUIRE(ids(snap, lb) == std::vector<std::string>{"e-whole"});
  // A whole-cluster event covers all three beta nodes and the job on b01.
  CHECK(lb.rows[0].gpus == 24);
  CHECK(names(snap, lb.rows[0].jobs) == std::vector<std::string>{"jb1"});
  // The window is half-open: a 1-day window ends exactly when e-over2 starts (2026-11-21T12:00Z).
  h.window = 86400;
  CHECK(ids(snap, list_events(snap, Selection{}, h, EventFilter{})) == std::vector<std::string>{"e-over1"});
  h.window = 86400 + 1;
  CHECK(ids(snap, list_events(snap, Selection{}, h, EventFilter{})) == std::vector<std::string>{"e-over1", "e-over2"});
  // e-over1's action-by (2026-11-21T00:00Z - 12 h) is the horizon's start: overdue, ja2 remains.
  auto over1 = [&](const char* t) {
    for (const auto& r : list_events(snap, Selection{}, at(t), EventFilter{}).rows)
      if (snap.maintenance[r.event].id == "e-over1") return r.overdue;
    FAIL("e-over1 not listed at " << t);
    return false;
  };
  CHECK(over1("2026-11-20T12:00:00Z"));
  CHECK_FALSE(over1("2026-11-20T11:59:59Z"));
  // One second earlier e-end-at (ends 12:00) is still on, past its action-by, with jd1 on d01.
  const auto early = list_events(snap, Selection{}, at("2026-11-20T11:59:59Z"), EventFilter{});
  REQUIRE(snap.maintenance[early.rows[0].event].id == "e-end-at");
  CHECK(early.rows[0].overdue);
}

TEST_CASE("node card", "[maintenance]") {
  const Snapshot& snap = edge();
  const Time t = T("2026-11-20T12:00:00Z");
  const NodeCard a01 = node_card(snap, snap.find_node("a01"), t, kDefaultActionLead);
  CHECK_FALSE(a01.schedulable);
  // p0 before p2, whatever the input order.
  REQUIRE(a01.issues.size() == 2);
  CHECK(snap.nodes[a01.node].issues[a01.issues[0]].type == "xid-48");
  CHECK(names(snap, a01.jobs) == std::vector<std::string>{"ja1"});
  REQUIRE(a01.quotas.size() == 1);
  CHECK(snap.quotas[a01.quotas[0]].name == "team/alpha");

  // a03: two overlapping coming events, by start.
  const NodeCard a03 = node_card(snap, snap.find_node("a03"), t, kDefaultActionLead);
  REQUIRE(a03.events.size() == 2);
  CHECK(snap.maintenance[a03.events[0].event].id == "e-over1");
  CHECK(snap.maintenance[a03.events[1].event].id == "e-over2");
  CHECK(a03.events[0].when == EventTiming::coming);
  CHECK(a03.events[0].action_by == T("2026-11-20T12:00:00Z"));

  // b02 has no event of its own; the whole-cluster e-whole covers it.
  const NodeCard b02 = node_card(snap, snap.find_node("b02"), t, kDefaultActionLead);
  REQUIRE(b02.events.size() == 1);
  CHECK(b02.events[0].whole_cluster);
  CHECK(b02.jobs.empty());

  // d01: e-end-at ended exactly now: past, and d01 is schedulable.
  const NodeCard d01 = node_card(snap, snap.find_node("d01"), t, kDefaultActionLead);
  REQUIRE(d01.events.size() == 1);
  CHECK(d01.events[0].when == EventTiming::past);
  CHECK(d01.schedulable);
  CHECK(d01.active_events.empty());

  // docs/worked-example.md: t11 is in maintenance m1 now.
  const Snapshot& w = worked();
  const NodeCard t11 = node_card(w, w.find_node("t11"), T("2026-11-20T12:00:00Z"), kDefaultActionLead);
  CHECK_FALSE(t11.schedulable);
  REQUIRE(t11.active_events.size() == 1);
  CHECK(w.maintenance[t11.active_events[0]].id == "m1");
  CHECK(t11.events[0].when == EventTiming::current);
}

TEST_CASE("impact on the docs/worked-example.md fleet", "[maintenance]") {
  const Snapshot& snap = worked();
  const ImpactReport r = maintenance_impact(snap, Selection{}, at("2026-11-20T12:00:00Z"));
  REQUIRE(r.clusters.size() == 2); // puma is provisioning
  // tiger: H = 72 now (t05 unhealthy, t11 in m1, t12 cordoned); m1 ends 21T10 (t11 back: 80,
  // block t10+t11 = 16); m2 takes t07+t08 from 21T18 (64; both busy, so the block stays 16);
  // m2 ends 22T06 (80). A = 88.
  const ClusterImpact& tiger = impact_of(snap, r, "tiger");
  CHECK(tiger.events == 2);
  CHECK(tiger.total == 96);
  CHECK(tiger.assigned == 88);
  REQUIRE(tiger.steps.size() == 4);
  const std::vector<std::tuple<const char*, Gpus, Gpus, Gpus>> want = {
      {"2026-11-20T12:00:00Z", 72, 16, 8},
      {"2026-11-21T10:00:00Z", 80, 8, 16},
      {"2026-11-21T18:00:00Z", 64, 24, 16},
      {"2026-11-22T06:00:00Z", 80, 8, 16},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(tiger.steps[i].at == T(std::get<0>(want[i])));
    CHECK(tiger.steps[i].healthy == std::get<1>(want[i]));
    CHECK(tiger.steps[i].unbacked == std::get<2>(want[i]));
    CHECK(tiger.steps[i].largest_free_block == std::get<3>(want[i]));
  }
  CHECK(tiger.min_healthy == 64);
  CHECK(tiger.min_healthy_at == T("2026-11-21T18:00:00Z"));
  CHECK(tiger.max_healthy == 80);
  CHECK(tiger.worst_unbacked == 24);
  CHECK(tiger.min_largest_free_block == 8);
  CHECK(tiger.min_largest_free_block_at == T("2026-11-20T12:00:00Z"));
  // lion: m3 takes l07 (k3's, so the block l08 = 8 stays) from 24T00 to 24T12.
  const ClusterImpact& lion = impact_of(snap, r, "lion");
  REQUIRE(lion.steps.size() == 3);
  CHECK(lion.steps[1].at == T("2026-11-24T00:00:00Z"));
  CHECK(lion.steps[1].healthy == 56);
  CHECK(lion.steps[2].healthy == 64);
  CHECK(lion.min_healthy == 56);
  CHECK(lion.worst_unbacked == 0);
  CHECK(lion.min_largest_free_block == 8);
}

TEST_CASE("impact: overlapping events, whole-cluster events, events outside the window", "[maintenance]") {
  const Snapshot& snap = edge();
  const ImpactReport r = maintenance_impact(snap, Selection{}, at("2026-11-20T12:00:00Z"));
  // alpha: a01 unhealthy; a02-a04 busy; a05, a06 free in alpha-ib2. e-over1 takes a03 21T00-22T00,
  // e-over2 takes a03+a05 21T12-23T00: a03 stays down at 22T00 (no step), both back at 23T00.
  // e-done is completed: never counts.
  const ClusterImpact& alpha = impact_of(snap, r, "alpha");
  CHECK(alpha.events == 2);
  REQUIRE(alpha.steps.size() == 4);
  CHECK(alpha.steps[0].healthy == 40);
  CHECK(alpha.steps[0].largest_free_block == 16);
  CHECK(alpha.steps[1].at == T("2026-11-21T00:00:00Z"));
  CHECK(alpha.steps[1].healthy == 32);
  CHECK(alpha.steps[2].at == T("2026-11-21T12:00:00Z"));
  CHECK(alpha.steps[2].healthy == 24);
  CHECK(alpha.steps[2].unbacked == 8);
  CHECK(alpha.steps[2].largest_free_block == 8);
  CHECK(alpha.steps[3].at == T("2026-11-23T00:00:00Z"));
  CHECK(alpha.steps[3].healthy == 40);
  CHECK(alpha.worst_unbacked == 8);
  // beta: the whole-cluster event (nodes: []) leaves nothing schedulable for 6 hours.
  const ClusterImpact& beta = impact_of(snap, r, "beta");
  REQUIRE(beta.steps.size() == 3);
  CHECK(beta.steps[1].at == T("2026-11-25T00:00:00Z"));
  CHECK(beta.steps[1].healthy == 0);
  CHECK(beta.steps[1].largest_free_block == 0);
  CHECK(beta.steps[1].unbacked == 24);
  CHECK(beta.steps[2].healthy == 24);
  CHECK(beta.min_largest_free_block == 0);
  // gamma: e-cancel is cancelled and e-far starts after the window; delta: e-end-at ended at --at.
  CHECK(impact_of(snap, r, "gamma").steps.size() == 1);
  CHECK(impact_of(snap, r, "gamma").events == 0);
  CHECK(impact_of(snap, r, "delta").steps.size() == 1);
  CHECK(impact_of(snap, r, "delta").steps[0].healthy == 16);
}

TEST_CASE("impact steps agree with evaluate() at every event boundary of the demo fleet", "[maintenance]") {
  const Snapshot snap = test::demo();
  const MaintenanceHorizon h = at("2026-11-20T12:00:00Z");
  const ImpactReport r = maintenance_impact(snap, all_states(), h);
  REQUIRE(r.clusters.size() == snap.clusters.size());
  std::set<Time> times{h.at};
  for (const auto& e : snap.maintenance) {
    if (e.start > h.at && e.start < h.end()) times.insert(e.start);
    if (e.end > h.at && e.end < h.end()) times.insert(e.end);
  }
  std::size_t checked = 0;
  for (Time t : times) {
    const FleetAt f = evaluate(snap, t);
    for (const auto& c : r.clusters) {
      // The step in force at t: the last one at or before it.
      auto it =
          std::upper_bound(c.steps.begin(), c.steps.end(), t, [](Time x, const ImpactStep& s) { return x < s.at; });
      REQUIRE(it != c.steps.begin());
      --it;
      INFO(snap.clusters[c.cluster].name << " at " << format_rfc3339(t));
      CHECK(it->healthy == f.clusters[c.cluster].healthy);
      CHECK(it->unbacked == f.clusters[c.cluster].unbacked);
      CHECK(it->largest_free_block == f.clusters[c.cluster].largest_free_block);
      ++checked;
    }
  }
  CHECK(checked > 500);
}

TEST_CASE("slot minimum", "[maintenance]") {
  // 100 until t=10, 40 from 10 to 12, 100 again from 12; slots of 6 s from 0 to 20.
  const std::vector<ImpactStep> steps = {{0, 100, 0, 0}, {10, 40, 0, 0}, {12, 100, 0, 0}};
  CHECK(slot_minimum(steps, 0, 20, 6) == std::vector<Gpus>{100, 40, 100, 100});
  // A dip inside a slot shows; a step exactly at a slot's end belongs to the next slot; the
  // last slot is cut at `until`.
  CHECK(slot_minimum(steps, 0, 20, 8) == std::vector<Gpus>{100, 40, 100});
  CHECK(slot_minimum(steps, 0, 12, 5) == std::vector<Gpus>{100, 100, 40});
  CHECK(slot_minimum(steps, 0, 10, 5) == std::vector<Gpus>{100, 100});
}

TEST_CASE("plan on the docs/worked-example.md fleet", "[maintenance]") {
  const Snapshot& snap = worked();
  const MovePlan p = plan_moves(snap, Selection{}, at("2026-11-20T12:00:00Z"), false);
  // m2 (action-by 21T06) hits j3; m3 (action-by 23T12) hits k3. t05 is unhealthy but carries
  // no job; m1 carries none. Moves go by move-by: j3 first.
  REQUIRE(p.jobs.size() == 2);
  const PlanJob& j3 = p.jobs[0];
  CHECK(snap.jobs[j3.job].name == "j3");
  CHECK(j3.move_by == T("2026-11-21T06:00:00Z"));
  CHECK(j3.move_at == j3.move_by);
  CHECK_FALSE(j3.unhealthy);
  // No free h100 block of 16 anywhere at 21T06: t10 is free, t09 holds the low flex job j4,
  // t11 is in m1 until 21T10, t12 cordoned, t05 unhealthy, tiger-ib1 full of in-quota jobs, and
  // no other h100 cluster. So the critical in-quota j3 preempts j4 and takes t09+t10.
  REQUIRE(j3.placed);
  CHECK(j3.outcome == MoveOutcome::placed);
  CHECK(j3.scope == MoveScope::cluster);
  CHECK(snap.index.islands[j3.island].name == "tiger-ib2");
  REQUIRE(j3.nodes.size() == 2);
  CHECK(snap.nodes[j3.nodes[0]].name == "t09");
  CHECK(snap.nodes[j3.nodes[1]].name == "t10");
  CHECK(j3.node_gpus == std::vector<Gpus>{8, 8});
  CHECK(snap.quotas[j3.quota_after].name == "applied/chat-tiger");
  REQUIRE(j3.preempts.size() == 1);
  CHECK(snap.jobs[j3.preempts[0]].name == "j4");
  REQUIRE(p.preempted.size() == 1);
  CHECK(snap.jobs[p.preempted[0].job].name == "j4");
  CHECK(p.preempted[0].by == 0);
  CHECK_FALSE(p.preempted[0].must_move);
  // k3 (flex, free GPUs only): l08 is free.
  const PlanJob& k3 = p.jobs[1];
  CHECK(snap.jobs[k3.job].name == "k3");
  REQUIRE(k3.placed);
  CHECK(k3.scope == MoveScope::cluster);
  REQUIRE(k3.nodes.size() == 1);
  CHECK(snap.nodes[k3.nodes[0]].name == "l08");
  CHECK(k3.quota_after == kNone); // flex stays flex
  CHECK(k3.preempts.empty());
  const PlanSummary& s = p.summary;
  CHECK(std::tie(s.jobs, s.gpus, s.placed, s.gpus_placed, s.preempted, s.gpus_preempted, s.unplaced) ==
        std::make_tuple(2u, Gpus{24}, 2u, Gpus{24}, 1u, Gpus{8}, 0u));
  REQUIRE(s.days.size() == 2);
  CHECK(s.days[0].day == T("2026-11-21T00:00:00Z"));
  CHECK(std::tie(s.days[0].counts.jobs, s.days[0].counts.placed, s.days[0].counts.preempted) ==
        std::make_tuple(1u, 1u, 1u));
  CHECK(s.days[1].day == T("2026-11-23T00:00:00Z"));
  CHECK(std::tie(s.days[1].counts.jobs, s.days[1].counts.placed, s.days[1].counts.preempted) ==
        std::make_tuple(1u, 1u, 0u));
  CHECK((p.overdue == 0 && !j3.overdue && !k3.overdue));
  // An hour after m2's action-by, j3 should have moved already: overdue, and counted.
  const MovePlan late = plan_moves(snap, Selection{}, at("2026-11-21T07:00:00Z"), false);
  REQUIRE(late.jobs.size() == 2);
  CHECK(snap.jobs[late.jobs[0].job].name == "j3");
  CHECK(late.jobs[0].overdue);
  CHECK_FALSE(late.jobs[1].overdue);
  CHECK(late.overdue == 1);
  // Later, after m2 ends, only k3 is left to move.
  const MovePlan later = plan_moves(snap, Selection{}, at("2026-11-22T06:00:00Z"), false);
  REQUIRE(later.jobs.size() == 1);
  CHECK(snap.jobs[later.jobs[0].job].name == "k3");
}

TEST_CASE("plan: scopes, quotas after the move, time, --same-region", "[maintenance]") {
  const Snapshot& snap = edge();
  const MovePlan p = plan_moves(snap, Selection{}, at("2026-11-20T12:00:00Z"), false);
  // Must move: ja1 (a01 unhealthy), ja2 (e-over1, e-over2), jb1 (beta's whole-cluster event).
  // Not: ja3 (a04 untouched), jd1 (e-end-at ended at --at), jx (runs with no nodes listed).
  // Receivers now: a02 (healthy, its only job is ja1), a06 (e-done is completed), g01-g04
  // (e-cancel is cancelled; e-far beyond the horizon); not a03/a05 (e-over1/2, until 23T00),
  // not beta (e-whole), not delta (a100).
  REQUIRE(p.jobs.size() == 3);
  CHECK(snap.jobs[p.jobs[0].job].name == "ja1"); // move-by now, critical
  CHECK(snap.jobs[p.jobs[1].job].name == "ja2"); // move-by now (overdue), low
  CHECK(snap.jobs[p.jobs[2].job].name == "jb1"); // move-by 24T12

  // ja1 (16 over a01,a02): alpha has a block of 8 per island (a02 holds ja1 itself, a06), beta
  // nothing: gamma, another region; the first leaf of tree "team" in gamma admitting ns-a is
  // team/gamma-b (team/gamma admits only "other"). Two whole nodes, the first ones.
  const PlanJob& ja1 = p.jobs[0];
  CHECK(ja1.unhealthy);
  CHECK(ja1.move_by == T("2026-11-20T12:00:00Z"));
  REQUIRE(ja1.placed);
  CHECK(ja1.scope == MoveScope::fleet);
  CHECK(snap.clusters[ja1.cluster].name == "gamma");
  REQUIRE(ja1.nodes.size() == 2);
  CHECK(snap.nodes[ja1.nodes[0]].name == "g01");
  CHECK(snap.nodes[ja1.nodes[1]].name == "g02");
  CHECK(snap.quotas[ja1.quota_after].name == "team/gamma-b");
  // ja2 (8): ja1 has left a02, which stays healthy: a02, in its own cluster.
  const PlanJob& ja2 = p.jobs[1];
  REQUIRE(ja2.placed);
  CHECK(ja2.scope == MoveScope::cluster);
  CHECK(snap.nodes[ja2.nodes[0]].name == "a02");
  REQUIRE(ja2.events.size() == 2);
  CHECK(snap.maintenance[ja2.events[0]].id == "e-over1"); // earlier action-by first
  CHECK(ja2.move_by == T("2026-11-20T12:00:00Z"));
  // jb1 (8, flex) at 24T12: beta is all down; a03 is back from e-over1/2 since 23T00 and ja2 left
  // it. A node back from maintenance before the move counts; same region and provider.
  const PlanJob& jb1 = p.jobs[2];
  REQUIRE(jb1.placed);
  CHECK(jb1.scope == MoveScope::region);
  CHECK(jb1.move_at == T("2026-11-24T12:00:00Z"));
  CHECK(snap.nodes[jb1.nodes[0]].name == "a03");
  CHECK(jb1.quota_after == kNone);
  CHECK(p.summary.out_of_cluster == 2);

  // --same-region: gamma is out of reach. ja1 fits nowhere; a06 is the largest block left, and
  // alpha-ib2 would hold it if e-over2 (a05's only event) were out of the way.
  const MovePlan s = plan_moves(snap, Selection{}, at("2026-11-20T12:00:00Z"), true);
  REQUIRE(s.jobs.size() == 3);
  const PlanJob& sa1 = s.jobs[0];
  CHECK(sa1.outcome == MoveOutcome::unplaced);
  CHECK(sa1.best_block == 8);
  CHECK(snap.index.islands[sa1.best_island].name == "alpha-ib2");
  CHECK(snap.index.islands[sa1.hint_island].name == "alpha-ib2");
  CHECK(snap.maintenance[sa1.hint_event].id == "e-over2");
  CHECK(sa1.hint_gpus == 16);
  CHECK(s.jobs[1].placed); // ja2: a06 (ja1 did not leave a02)
  CHECK(snap.nodes[s.jobs[1].nodes[0]].name == "a06");
  CHECK(s.jobs[2].placed); // jb1: a03 again
  CHECK(snap.nodes[s.jobs[2].nodes[0]].name == "a03");

  // Selection picks whose jobs move, not where they may go: only beta's job, to alpha, where
  // at 24T12 a03 is back but ja2 still on it, a02 is ja1's, and a05 is back from e-over2.
  Selection beta;
  beta.clusters = {"beta"};
  const MovePlan b = plan_moves(snap, beta, at("2026-11-20T12:00:00Z"), false);
  REQUIRE(b.jobs.size() == 1);
  CHECK(snap.jobs[b.jobs[0].job].name == "jb1");
  CHECK(snap.nodes[b.jobs[0].nodes[0]].name == "a05");
}
