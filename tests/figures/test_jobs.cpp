// `fleetcap jobs` (docs/jobs.md): which jobs are listed, in what order, and whether each pending
// job would start now, worked by hand.
#include "fleetcap/figures/jobs.hpp"
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace fleetcap;

namespace {
std::vector<std::string> names(const Snapshot& snap, const JobsReport& r) {
  std::vector<std::string> out;
  for (const auto& row : r.rows) out.emplace_back(snap.jobs[row.job].name);
  return out;
}
Fit fit_of(const Snapshot& snap, const JobsReport& r, std::string_view name) {
  for (const auto& row : r.rows)
    if (snap.jobs[row.job].name == name) return row.fit;
  FAIL("no job " << name);
  return Fit::none;
}

// Cluster c: 4 nodes of 8 (H 32); quotas qa 16 (j-a runs 8) and qb 8, in trees of their own;
// a flex job runs 8. Unused: 32 - 8 - 8 = 16. qa's available: free 8, nothing to borrow: 8;
// qb's: 8. Cluster d: one idle 8-GPU node. `more_jobs` (",{...}" each) join the jobs.
Snapshot queue_fleet(const std::string& more_jobs = "") {
  return test::snapshot_of(
      {{Resource::clusters,
        R"({"name": "c", "region": "r", "provider": "p", "sku": "h100", "state": "production"},
           {"name": "d", "region": "r", "provider": "p", "sku": "h100", "state": "production"})"},
       {Resource::nodes,
        R"({"name": "n1", "cluster": "c", "island": "i", "gpus": 8, "health": "healthy"},
           {"name": "n2", "cluster": "c", "island": "i", "gpus": 8, "health": "healthy"},
           {"name": "n3", "cluster": "c", "island": "i", "gpus": 8, "health": "healthy"},
           {"name": "n4", "cluster": "c", "island": "i", "gpus": 8, "health": "healthy"},
           {"name": "m1", "cluster": "d", "island": "k", "gpus": 8, "health": "healthy"})"},
       {Resource::quotas,
        R"({"name": "qa", "parent": null, "cluster": "c", "gpus": 16},
           {"name": "qb", "parent": null, "cluster": "c", "gpus": 8})"},
       {Resource::jobs,
        R"({"name": "j-a", "namespace": "a", "quota": "qa", "cluster": "c", "priority": "mid", "gpus": 8, "state": "running", "nodes": ["n1"], "user": "ann", "started_at": "2026-11-19T12:00:00Z"},
           {"name": "j-f", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "low", "gpus": 8, "state": "running", "nodes": ["n2"], "started_at": "2026-11-18T12:00:00Z"},
           {"name": "p2", "namespace": "a", "quota": "qa", "cluster": "c", "priority": "high", "gpus": 8, "state": "pending", "submitted_at": "2026-11-20T09:00:00Z", "pending_reason": "Priority"},
           {"name": "p1", "namespace": "a", "quota": "qa", "cluster": "c", "priority": "critical", "gpus": 8, "state": "pending", "submitted_at": "2026-11-20T10:00:00Z"},
           {"name": "p3", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "mid", "gpus": 8, "state": "pending"},
           {"name": "p4", "namespace": "b", "quota": "qb", "cluster": "c", "priority": "low", "gpus": 16, "state": "pending"},
           {"name": "p5", "namespace": "f", "quota": "flex", "priority": "low", "gpus": 4, "state": "pending"})" +
            more_jobs}});
}
} // namespace

TEST_CASE("jobs: order, and each pending job against what the ones before it left", "[jobs]") {
  const Snapshot snap = queue_fleet();
  const FleetAt fleet = evaluate(snap, test::worked_at());
  const JobsReport r = list_jobs(snap, fleet, Selection{}, JobsQuery{});
  // Cluster c: running first (by priority: j-a mid, j-f low), then the queue by priority; then the
  // pending job without a cluster.
  REQUIRE(names(snap, r) == std::vector<std::string>{"j-a", "j-f", "p1", "p2", "p3", "p4", "p5"});
  CHECK(fit_of(snap, r, "p1") == Fit::free);  // critical first: qa has 8, 16 unused -> 8 left
  CHECK(fit_of(snap, r, "p2") == Fit::flex);  // qa is spent; 8 unused: it starts as a flex job
  CHECK(fit_of(snap, r, "p3") == Fit::none);  // nothing unused is left
  CHECK(fit_of(snap, r, "p4") == Fit::none);  // 16 > qb's 8, and nothing unused
  CHECK(fit_of(snap, r, "p5") == Fit::free);  // no cluster: d has 8 unused
  CHECK(fit_of(snap, r, "j-a") == Fit::none); // running: no verdict
  CHECK(r.totals.jobs == 7);
  CHECK(r.totals.running == 2);
  CHECK(r.totals.running_gpus == 16);
  CHECK(r.totals.flex_gpus == 8);
  CHECK(r.totals.pending_gpus == 44);
  CHECK(r.totals.startable_gpus == 20); // p1 8 + p2 8 + p5 4
}

TEST_CASE("jobs: an in-quota job that fits its quota but not the unused GPUs preempts flex", "[jobs]") {
  // The worked example: j5 (research/pretrain, 16) against pretrain's available 16 (free 16,
  // borrowable 16, capped by H - Uq = 16) while tiger has 8 unused: it starts by preempting j4.
  const Snapshot snap = test::worked();
  const JobsReport r = list_jobs(snap, test::at_snapshot(snap), Selection{}, JobsQuery{});
  CHECK(fit_of(snap, r, "j5") == Fit::quota);
}

TEST_CASE("jobs filters: namespace, quota or its group, flex, pending, running, node, user", "[jobs]") {
  const Snapshot snap = queue_fleet();
  const FleetAt fleet = evaluate(snap, test::worked_at());
  JobsQuery q;
  q.ns = "a";
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"j-a", "p1", "p2"});
  q = {};
  q.flex = true;
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"j-f", "p3", "p5"});
  q.pending = true;
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"p3", "p5"});
  q = {};
  q.running = true;
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"j-a", "j-f"});
  q = {};
  q.quota = snap.find_quota("qb");
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"p4"});
  q = {};
  q.node = snap.find_node("n2");
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"j-f"});
  q = {};
  q.user = "ann";
  CHECK(names(snap, list_jobs(snap, fleet, Selection{}, q)) == std::vector<std::string>{"j-a"});
  // A cluster filter leaves out the pending job that names no cluster.
  Selection c;
  c.clusters = {"c"};
  CHECK(list_jobs(snap, fleet, c, JobsQuery{}).rows.size() == 6);
  // A group quota takes the jobs of the leaves below it (the worked example's research tree).
  const Snapshot worked = test::worked();
  q = {};
  q.quota = worked.find_quota("research");
  CHECK(names(worked, list_jobs(worked, test::at_snapshot(worked), Selection{}, q)) ==
        std::vector<std::string>{"k2", "j1", "j2", "j5"});
}

TEST_CASE("jobs --pending --by: the demand per cluster, SKU and quota", "[jobs]") {
  const Snapshot snap = queue_fleet();
  const FleetAt fleet = evaluate(snap, test::worked_at());
  JobsQuery q;
  q.pending = true;
  const JobsReport r = list_jobs(snap, fleet, Selection{}, q);
  const PendingDemand by_cluster = pending_demand(snap, fleet, Selection{}, r, PendingBy::cluster);
  REQUIRE(by_cluster.groups.size() == 2);
  const PendingGroup& c = by_cluster.groups[0]; // most pending GPUs first
  CHECK(c.key == "c");
  CHECK(c.jobs == 4);
  CHECK(c.pending_gpus == 40);
  CHECK(c.fits_free == 8);
  CHECK(c.fits_quota == 0);
  CHECK(c.fits_flex == 8);
  CHECK(c.waits == 24);
  CHECK(c.flex_free == 16);
  CHECK(by_cluster.groups[1].key == "-");
  CHECK(by_cluster.groups[1].fits_free == 4);
  CHECK(by_cluster.groups[1].flex_free == 0); // a job without a cluster has no cluster's unused GPUs
  CHECK(by_cluster.totals.pending_gpus == 44);
  CHECK(by_cluster.totals.waits == 24);
  CHECK(by_cluster.totals.flex_free == 24); // c 16 + d 8

  const PendingDemand by_quota = pending_demand(snap, fleet, Selection{}, r, PendingBy::quota);
  REQUIRE(by_quota.groups.size() == 3);
  CHECK(by_quota.groups[0].key == "qa"); // 16 each: by key
  CHECK(by_quota.groups[0].fits_free == 8);
  CHECK(by_quota.groups[0].fits_flex == 8);
  CHECK(by_quota.groups[0].available == 8);
  CHECK(by_quota.groups[1].key == "qb");
  CHECK(by_quota.groups[1].waits == 16);
  CHECK(by_quota.groups[1].available == 8);
  CHECK(by_quota.groups[2].key == "flex");
  CHECK(by_quota.groups[2].pending_gpus == 12);
  CHECK_FALSE(by_quota.groups[2].available);

  const PendingDemand by_sku = pending_demand(snap, fleet, Selection{}, r, PendingBy::sku);
  REQUIRE(by_sku.groups.size() == 2);
  CHECK(by_sku.groups[0].key == "h100");
  CHECK(by_sku.groups[0].pending_gpus == 40);
}

TEST_CASE("jobs: a job its user (or an admin) holds waits, and takes nothing from the jobs behind it", "[jobs]") {
  // Slurm's reasons for a job that is not asking for GPUs now (docs/jobs.md, "Held jobs"): each
  // held job is critical and first in its queue, so were it placed it would spend qa's 8 (or the
  // unused 16) before p1, p2 and p3, or d's 8 before p5.
  for (const char* reason : {"JobHeldUser", "JobHeldAdmin", "Dependency", "DependencyNeverSatisfied", "BeginTime"}) {
    INFO(reason);
    const Snapshot snap = queue_fleet(
        std::string(
            R"(, {"name": "h1", "namespace": "a", "quota": "qa", "cluster": "c", "priority": "critical", "gpus": 8, "state": "pending", "submitted_at": "2026-11-20T08:00:00Z", "pending_reason": ")") +
        reason +
        R"("}, {"name": "h2", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "critical", "gpus": 8, "state": "pending", "submitted_at": "2026-11-20T08:00:00Z", "pending_reason": ")" +
        reason +
        R"("}, {"name": "h3", "namespace": "f", "quota": "flex", "priority": "critical", "gpus": 8, "state": "pending", "pending_reason": ")" +
        reason + R"("})");
    const FleetAt fleet = evaluate(snap, test::worked_at());
    const JobsReport r = list_jobs(snap, fleet, Selection{}, JobsQuery{});
    CHECK(fit_of(snap, r, "h1") == Fit::none);
    CHECK(fit_of(snap, r, "h2") == Fit::none);
    CHECK(fit_of(snap, r, "h3") == Fit::none); // no cluster: it would have taken d's 8 before p5
    // The rest as without them.
    CHECK(fit_of(snap, r, "p1") == Fit::free);
    CHECK(fit_of(snap, r, "p2") == Fit::flex);
    CHECK(fit_of(snap, r, "p3") == Fit::none);
    CHECK(fit_of(snap, r, "p5") == Fit::free);
    CHECK(r.totals.pending_gpus == 44 + 24);
    CHECK(r.totals.startable_gpus == 20);
    JobsQuery pending;
    pending.pending = true;
    const PendingDemand d =
        pending_demand(snap, fleet, Selection{}, list_jobs(snap, fleet, Selection{}, pending), PendingBy::cluster);
    CHECK(d.totals.waits == 24 + 24);
  }
  // A reason that is about capacity (or none) is placed as before.
  const Snapshot snap = queue_fleet(
      R"(, {"name": "h1", "namespace": "a", "quota": "qa", "cluster": "c", "priority": "critical", "gpus": 8, "state": "pending", "submitted_at": "2026-11-20T08:00:00Z", "pending_reason": "Resources"})");
  const JobsReport r = list_jobs(snap, evaluate(snap, test::worked_at()), Selection{}, JobsQuery{});
  CHECK(fit_of(snap, r, "h1") == Fit::free);
  CHECK(fit_of(snap, r, "p1") == Fit::flex); // h1 took qa's 8
}

TEST_CASE("jobs: a pending job starts only within every cap it counts against", "[jobs]") {
  // A QOS-like cap of 4 GPUs (docs/design.md) on three critical flex jobs, first in c's queue:
  // without it c1 would take 8 of c's 16 unused GPUs. With it, c1 (8 > 4) waits as Slurm keeps it
  // pending with QOSGrpGRES; c2 (4) starts and spends the cap; c3 (4 more) waits; c4 is in the
  // cap's cluster d only, so the cap does not bind it in c.
  const Snapshot snap = queue_fleet(
      R"(, {"name": "c1", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "critical", "gpus": 8, "state": "pending", "submitted_at": "2026-11-20T07:00:00Z", "caps": [{"name": "qos", "gpus": 4}, {"name": "dcap", "gpus": 0, "cluster": "d"}]},
         {"name": "c2", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "critical", "gpus": 4, "state": "pending", "submitted_at": "2026-11-20T07:10:00Z", "caps": ["qos"]},
         {"name": "c3", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "critical", "gpus": 4, "state": "pending", "submitted_at": "2026-11-20T07:20:00Z", "caps": ["qos"]},
         {"name": "c4", "namespace": "f", "quota": "flex", "cluster": "c", "priority": "critical", "gpus": 4, "state": "pending", "submitted_at": "2026-11-20T07:30:00Z", "caps": ["dcap"]})");
  const FleetAt fleet = evaluate(snap, test::worked_at());
  const JobsReport r = list_jobs(snap, fleet, Selection{}, JobsQuery{});
  CHECK(fit_of(snap, r, "c1") == Fit::none);
  CHECK(fit_of(snap, r, "c2") == Fit::free);
  CHECK(fit_of(snap, r, "c3") == Fit::none);
  CHECK(fit_of(snap, r, "c4") == Fit::free);
  // c2 and c4 took 8 of c's 16 unused: p1 (qa's 8) still starts free on the other 8; p2 (qa
  // spent, none unused) waits.
  CHECK(fit_of(snap, r, "p1") == Fit::free);
  CHECK(fit_of(snap, r, "p2") == Fit::none);
}
