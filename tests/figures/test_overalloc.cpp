// docs/overalloc.md overallocation figures. Every expected number here was worked out by hand from the
// docs/overalloc.md formulas (the working is in the comments), not copied from the program.
#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/model/validate.hpp"

#include "support/fixtures.hpp"

using namespace fleetcap;

namespace {

using test::worked;

const OverallocQuota& quota(const OverallocReport& r, const Snapshot& snap, std::string_view name) {
  for (const auto& q : r.quotas)
    if (snap.quotas[q.quota].name == name) return q;
  FAIL("no quota " << name);
  throw;
}

const OverallocCluster& cluster(const OverallocReport& r, const Snapshot& snap, std::string_view name) {
  for (const auto& c : r.clusters)
    if (snap.clusters[c.cluster].name == name) return c;
  FAIL("no cluster " << name);
  throw;
}

std::vector<std::string> job_names(const Snapshot& snap, const std::vector<std::uint32_t>& jobs) {
  std::vector<std::string> out;
  for (auto j : jobs) out.emplace_back(snap.jobs[j].name);
  return out;
}

OverallocReport run(const Snapshot& snap, BufferChoice buffer, CutPolicy policy,
                    const std::vector<HealthSample>& history = {}) {
  const Time at = *snap.taken_at;
  const FleetAt fleet = evaluate(snap, at);
  const OverallocBasis basis = overalloc_basis(snap, fleet, Selection{}, history, 28 * 86400);
  return overalloc(basis, snap, buffer, policy);
}

HealthSample sample(std::string cluster, Time at, Gpus healthy) {
  HealthSample s;
  s.cluster = std::move(cluster);
  s.at = at;
  s.healthy_gpus = healthy;
  s.total_gpus = healthy;
  return s;
}

} // namespace

TEST_CASE("percentages parse to exact basis points", "[overalloc]") {
  CHECK(parse_percent("15%") == 1500);
  CHECK(parse_percent("15") == 1500);
  CHECK(parse_percent("2.5%") == 250);
  CHECK(parse_percent("12.34") == 1234);
  CHECK(parse_percent("0.01%") == 1);
  CHECK(parse_percent("0") == 0);
  CHECK(parse_percent("100%") == 10000);
  CHECK(parse_percent("007.50%") == 750);
  for (const char* bad : {"", "%", "101%", "100.01%", "2.555%", "-5%", "+5%", "5.%", ".5%", "abc", "15 %", " 15%",
                          "1e1", "0x10", "15%%", "1000", "1,5%"})
    CHECK_FALSE(parse_percent(bad).has_value());
}

TEST_CASE("target = floor((10000 - bp) * R / 10000) in integers", "[overalloc]") {
  CHECK(buffer_target(80, 1500) == 68); // 15% of 80 is exactly 12
  CHECK(buffer_target(72, 1500) == 61); // 61.2
  CHECK(buffer_target(64, 1500) == 54); // 54.4
  CHECK(buffer_target(100, 250) == 97); // 97.5
  CHECK(buffer_target(7, 1) == 6);      // 6.9993
  CHECK(buffer_target(80, 0) == 80);
  CHECK(buffer_target(80, 10000) == 0);
  CHECK(buffer_target(0, 1500) == 0);
  CHECK(buffer_target(1'000'000'000, 1) == 999'900'000);
}

TEST_CASE("auto buffer is the relative dip to p10, rounded up and clamped", "[overalloc]") {
  CHECK(auto_buffer(100, 90, 500, 1500) == 1000);   // 10% dip
  CHECK(auto_buffer(100, 99, 500, 1500) == 500);    // 1% dip, clamped up to MIN
  CHECK(auto_buffer(100, 50, 500, 1500) == 1500);   // 50% dip, clamped down to MAX
  CHECK(auto_buffer(3, 2, 0, 5000) == 3334);        // ceil(3333.3)
  CHECK(auto_buffer(1904, 1784, 500, 1500) == 631); // ceil(630.25)
  CHECK(auto_buffer(80, 80, 0, 1500) == 0);         // no dip at all
  CHECK(auto_buffer(0, 0, 500, 1500) == 1500);      // nothing healthy: the cautious end
}

TEST_CASE("lower median and nearest-rank p10", "[history]") {
  CHECK(lower_median({5}) == 5);
  CHECK(lower_median({1, 2}) == 1);
  CHECK(lower_median({1, 2, 3}) == 2);
  CHECK(lower_median({1, 2, 3, 4}) == 2);
  std::vector<Gpus> v(28);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<Gpus>(100 + i);
  CHECK(lower_median(v) == 113); // index 13
  CHECK(p10(v) == 102);          // rank ceil(2.8) = 3
  CHECK(p10({7}) == 7);
  std::vector<Gpus> ten{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(p10(ten) == 1); // rank 1
  ten.push_back(11);
  CHECK(p10(ten) == 2); // rank ceil(1.1) = 2
}

TEST_CASE("the history window is (at - window, at]", "[history]") {
  Snapshot snap = worked();
  const Time at = *snap.taken_at; // 2026-11-20T12:00:00Z
  const HistoryWindow w = history_window(at, 28 * 86400);
  CHECK_FALSE(w.contains(at - 28 * 86400));
  CHECK(w.contains(at - 28 * 86400 + 1));
  CHECK(w.contains(at));
  CHECK_FALSE(w.contains(at + 1));
  // Daily samples at 00:00 for 40 days: 28 fall in the window (Oct 24 .. Nov 20).
  std::vector<HealthSample> s;
  const Time day0 = *parse_rfc3339("2026-10-12T00:00:00Z");
  for (int d = 0; d < 40; ++d) s.push_back(sample("tiger", day0 + d * 86400, 60 + d));
  s.push_back(sample("nosuch", at, 5)); // unknown clusters are ignored
  const auto stats = cluster_history(snap, s, w);
  const HistoryStats& tiger = stats[snap.find_cluster("tiger")];
  CHECK(tiger.samples == 28);
  CHECK(tiger.first == *parse_rfc3339("2026-10-24T00:00:00Z"));
  CHECK(tiger.last == *parse_rfc3339("2026-11-20T00:00:00Z"));
  CHECK(tiger.min == 72);    // day 12
  CHECK(tiger.max == 99);    // day 39
  CHECK(tiger.median == 85); // 72..99, index 13
  CHECK(tiger.p10 == 74);    // rank 3
  CHECK(stats[snap.find_cluster("lion")].samples == 0);
}

TEST_CASE("a saved snapshot becomes one healthy sample per cluster", "[history]") {
  Snapshot snap = worked();
  const FleetAt fleet = evaluate(snap, *snap.taken_at);
  const auto samples = health_samples(snap, fleet);
  REQUIRE(samples.size() == 3);
  CHECK(samples[0].cluster == "tiger");
  CHECK(samples[0].healthy_gpus == 72); // docs/worked-example.md: t05 unhealthy, t11 in m1, t12 cordoned
  CHECK(samples[0].total_gpus == 96);
  CHECK(samples[0].at == *snap.taken_at);
  CHECK(samples[1].healthy_gpus == 64);
  CHECK(samples[2].healthy_gpus == 0);
}

TEST_CASE("cut splits: docs/worked-example.md tiger, both policies", "[overalloc]") {
  // pretrain 48 assigned, 32 used (free 16); evals 24, 8 used by idle j2 (free 16, idle 8);
  // chat-tiger 16, 16 used (free 0).
  const std::vector<CutInput> tiger = {
      {"research/pretrain", 48, 16, 0}, {"research/evals", 24, 16, 8}, {"applied/chat-tiger", 16, 0, 0}};
  // Pro-rata: 27 × 48/88 = 14.73, × 24/88 = 7.36, × 16/88 = 4.91 → 14 + 7 + 4 = 25, the two
  // left go to the largest remainders .91 (chat-tiger) and .73 (pretrain).
  CHECK(split_cut(27, tiger, CutPolicy::pro_rata) == std::vector<Gpus>{15, 7, 5});
  // Least-disruptive: 27 ≤ Σ free 32, so all from free, 13.5 each; the tie goes to the name
  // that sorts first, research/evals.
  CHECK(split_cut(27, tiger, CutPolicy::least_disruptive) == std::vector<Gpus>{13, 14, 0});
  CHECK(split_cut(0, tiger, CutPolicy::least_disruptive) == std::vector<Gpus>{0, 0, 0});
  CHECK(split_cut(88, tiger, CutPolicy::least_disruptive) == std::vector<Gpus>{48, 24, 16});
  CHECK(split_cut(88, tiger, CutPolicy::pro_rata) == std::vector<Gpus>{48, 24, 16});
}

TEST_CASE("least-disruptive walks free, then idle' (capped), then the rest", "[overalloc]") {
  // a: 20 assigned, free 4, idle 6; b: 10, free 2, idle 10 (borrowing idle jobs); c: 30, busy.
  const std::vector<CutInput> leaves = {{"a", 20, 4, 6}, {"b", 10, 2, 10}, {"c", 30, 0, 0}};
  // Step 1: Σ free 6 → a 4, b 2; 19 left.
  // Step 2: idle' a = min(6, 20 − 4) = 6, b = min(10, 10 − 2) = 8 → 14 → a 6, b 8; 5 left.
  // Step 3: weights a 20 − 10 = 10, b 0, c 30: 1.25 and 3.75 → 1 + 3, one left to c (.75).
  CHECK(split_cut(25, leaves, CutPolicy::least_disruptive) == std::vector<Gpus>{11, 10, 4});
  CHECK(cut_phase(11, 4, 6) == 4);
  CHECK(cut_phase(10, 2, 10) == 3);
  CHECK(cut_phase(4, 0, 0) == 4);
  // Pro-rata over 20/10/30: 8.33, 4.17, 12.5 → 8 + 4 + 12, one left to c (.5).
  CHECK(split_cut(25, leaves, CutPolicy::pro_rata) == std::vector<Gpus>{8, 4, 13});
  const CutSources a = cut_sources(11, 4, 6);
  CHECK(a.unscheduled == 4);
  CHECK(a.idle == 6);
  CHECK(a.running == 1);
  const CutSources b = cut_sources(4, 2, 10);
  CHECK(b.unscheduled == 2);
  CHECK(b.idle == 2);
  CHECK(b.running == 0);
}

TEST_CASE("phases", "[overalloc]") {
  CHECK(cut_phase(0, 0, 0) == 1);
  CHECK(cut_phase(5, 5, 0) == 2);
  CHECK(cut_phase(6, 5, 1) == 3);
  CHECK(cut_phase(7, 5, 1) == 4);
}

TEST_CASE("docs/worked-example.md overalloc, pro-rata", "[overalloc]") {
  Snapshot snap = worked();
  const OverallocReport r = run(snap, BufferChoice{}, CutPolicy::pro_rata);
  REQUIRE(r.clusters.size() == 2); // puma is provisioning
  const auto& tiger = cluster(r, snap, "tiger");
  CHECK(tiger.reference == 72); // empty health_history: R = H now
  CHECK(tiger.buffer_bp == 1500);
  CHECK(tiger.target == 61);
  CHECK(tiger.buffer_gpus == 11);
  CHECK(tiger.assigned == 88);
  CHECK(tiger.cut == 27);
  CHECK(tiger.phase == 4);
  const auto& lion = cluster(r, snap, "lion");
  CHECK(lion.target == 54);
  CHECK(lion.cut == 0);
  CHECK(lion.phase == 1);

  const auto& pretrain = quota(r, snap, "research/pretrain");
  CHECK(pretrain.cut == 15);
  CHECK(pretrain.phase == 2);
  CHECK(pretrain.free == 16);
  const auto& evals = quota(r, snap, "research/evals");
  CHECK(evals.cut == 7);
  CHECK(evals.phase == 2);
  CHECK(evals.idle == 8);
  const auto& chat = quota(r, snap, "applied/chat-tiger");
  CHECK(chat.cut == 5);
  CHECK(chat.phase == 4);
  CHECK(job_names(snap, chat.preempted) == std::vector<std::string>{"j3"});
  CHECK(chat.gpus_preempted == 16);

  const auto& s = r.summary;
  CHECK(s.clusters == 2);
  CHECK(s.clusters_over_target == 1);
  CHECK(s.assigned == 136);
  CHECK(s.cut == 27);
  CHECK(s.cut_by_phase[2] == 22);
  CHECK(s.cut_by_phase[3] == 0);
  CHECK(s.cut_by_phase[4] == 5);
  CHECK(s.from.unscheduled == 22);
  CHECK(s.from.idle == 0);
  CHECK(s.from.running == 5);
  CHECK(s.quotas_affected == 3);
  CHECK(s.jobs_preempted == 1);
  CHECK(s.gpus_preempted == 16);
}

TEST_CASE("docs/worked-example.md overalloc, least-disruptive", "[overalloc]") {
  Snapshot snap = worked();
  const OverallocReport r = run(snap, BufferChoice{}, CutPolicy::least_disruptive);
  CHECK(quota(r, snap, "research/evals").cut == 14);
  CHECK(quota(r, snap, "research/evals").phase == 2);
  CHECK(quota(r, snap, "research/pretrain").cut == 13);
  CHECK(quota(r, snap, "research/pretrain").phase == 2);
  CHECK(quota(r, snap, "applied/chat-tiger").cut == 0);
  CHECK(quota(r, snap, "applied/chat-tiger").phase == 1);
  CHECK(cluster(r, snap, "tiger").phase == 2);
  CHECK(r.summary.cut == 27);
  CHECK(r.summary.cut_by_phase[2] == 27);
  CHECK(r.summary.quotas_affected == 2);
  CHECK(r.summary.jobs_preempted == 0);
  CHECK(r.summary.gpus_preempted == 0);
}

TEST_CASE("--buffer-for pins one cluster; both policies preempt in lion", "[overalloc]") {
  Snapshot snap = worked();
  BufferChoice b;
  b.per_cluster = {{"lion", 2000}, {"lion", 5000}}; // the last one wins
  // lion: target 32, cut 16 over research/lion 24 (used 32, free 0), lion-evals 8 (free 8),
  // chat-lion 16 (free 0). Pro-rata: 8, 2.67, 5.33 → 8 + 2 + 5, one left to lion-evals (.67).
  const OverallocReport pr = run(snap, b, CutPolicy::pro_rata);
  const auto& lion = cluster(pr, snap, "lion");
  CHECK(lion.buffer_bp == 5000);
  CHECK(lion.buffer_source == BufferSource::per_cluster);
  CHECK(lion.target == 32);
  CHECK(lion.cut == 16);
  CHECK(cluster(pr, snap, "tiger").buffer_bp == 1500);
  CHECK(quota(pr, snap, "research/lion").cut == 8);
  CHECK(quota(pr, snap, "research/lion-evals").cut == 3);
  CHECK(quota(pr, snap, "research/lion-evals").phase == 2);
  CHECK(quota(pr, snap, "applied/chat-lion").cut == 5);
  CHECK(job_names(snap, quota(pr, snap, "research/lion").preempted) == std::vector<std::string>{"k2"});
  CHECK(job_names(snap, quota(pr, snap, "applied/chat-lion").preempted) == std::vector<std::string>{"k1"});
  CHECK(lion.gpus_preempted == 48);
  // Least-disruptive: lion-evals' 8 free first; 8 left over research/lion 24 and chat-lion 16:
  // 4.8 and 3.2 → 4 + 3, one left to research/lion (.8).
  const OverallocReport ld = run(snap, b, CutPolicy::least_disruptive);
  CHECK(quota(ld, snap, "research/lion-evals").cut == 8);
  CHECK(quota(ld, snap, "research/lion").cut == 5);
  CHECK(quota(ld, snap, "applied/chat-lion").cut == 3);
  CHECK(cluster(ld, snap, "lion").gpus_preempted == 48);
}

TEST_CASE("history: the median is the reference, auto sizes the buffer from the dip", "[overalloc]") {
  Snapshot snap = worked();
  const Time at = *snap.taken_at;
  const Time day = 86400;
  std::vector<HealthSample> h = {
      sample("tiger", at - 4 * day, 80), sample("tiger", at - 3 * day, 72),
      sample("tiger", at - 2 * day, 64), sample("tiger", at - day, 88),
      sample("tiger", at, 80),           sample("tiger", at - 28 * day, 0), // on the open edge of the window: ignored
      sample("tiger", at + 1, 0),                                           // after --at: ignored
  };
  // tiger: 64 72 80 80 88 → median 80, p10 = rank 1 = 64. lion has no samples: R = H = 64.
  const OverallocReport fixed = run(snap, BufferChoice{}, CutPolicy::pro_rata, h);
  const auto& tiger = cluster(fixed, snap, "tiger");
  CHECK(tiger.history.samples == 5);
  CHECK(tiger.reference == 80);
  CHECK(tiger.healthy == 72);
  CHECK(tiger.target == 68); // 80 − 12
  CHECK(tiger.cut == 20);
  CHECK(cluster(fixed, snap, "lion").reference == 64);

  BufferChoice a;
  a.automatic = true; // 5%..15%: the dip (80 − 64) / 80 = 20% is clamped to 15%
  const OverallocReport r1 = run(snap, a, CutPolicy::pro_rata, h);
  CHECK(cluster(r1, snap, "tiger").buffer_bp == 1500);
  CHECK(cluster(r1, snap, "tiger").buffer_source == BufferSource::automatic);
  CHECK(cluster(r1, snap, "lion").buffer_bp == 1500);
  CHECK(cluster(r1, snap, "lion").buffer_source == BufferSource::automatic_no_history);
  a.auto_max = 2500;
  const OverallocReport r2 = run(snap, a, CutPolicy::pro_rata, h);
  CHECK(cluster(r2, snap, "tiger").buffer_bp == 2000);
  CHECK(cluster(r2, snap, "tiger").target == 64);
  CHECK(cluster(r2, snap, "tiger").cut == 24);
  CHECK(cluster(r2, snap, "lion").buffer_bp == 2500);
}

namespace {
// One cluster "c" of 10 healthy 8-GPU nodes, one leaf "team/a" of 80 GPUs, and its jobs.
Snapshot preempt_fleet() {
  Snapshot s;
  s.taken_at = *parse_rfc3339("2026-11-20T12:00:00Z");
  s.clusters.push_back(Cluster{"c", "r", "p", "h100", ClusterState::production, {}});
  for (int i = 0; i < 10; ++i) {
    Node n;
    // Node and job names are views: keep their text in the snapshot's arena.
    n.name = s.text[static_cast<std::size_t>(Resource::nodes)].store(std::string("n").append(std::to_string(i)));
    n.cluster = "c";
    n.island = "ib";
    n.health = "healthy";
    n.gpus = 8;
    s.nodes.push_back(std::move(n));
  }
  Quota team;
  team.name = "team";
  s.quotas.push_back(team);
  Quota a;
  a.name = "team/a";
  a.parent = "team";
  a.cluster.emplace("c");
  a.gpus = 80;
  a.gpus_given = true;
  s.quotas.push_back(a);
  auto job = [&](std::string name, Priority p, const char* started, bool idle = false) {
    Job j;
    j.name = s.text[static_cast<std::size_t>(Resource::jobs)].store(name);
    j.ns = "team";
    j.quota = "team/a";
    j.cluster = "c";
    j.priority = p;
    j.gpus = 8;
    j.state = JobState::running;
    j.idle = idle;
    if (started) j.started_at = parse_rfc3339(started);
    s.jobs.push_back(std::move(j));
  };
  job("c-crit", Priority::critical, "2026-11-19T00:00:00Z");
  job("m-mid", Priority::mid, "2026-11-19T00:00:00Z");
  job("z-low-none", Priority::low, nullptr);
  job("y-low-old", Priority::low, "2026-11-01T00:00:00Z");
  job("x-low-new", Priority::low, "2026-11-10T00:00:00Z");
  job("a-low-new", Priority::low, "2026-11-10T00:00:00Z");
  job("i-idle", Priority::low, "2026-11-18T00:00:00Z", true);
  std::vector<std::string> errors;
  link(s, errors);
  REQUIRE(errors.empty());
  return s;
}
} // namespace

TEST_CASE("preemption order: lowest priority, latest start, no start = oldest, name", "[overalloc]") {
  Snapshot snap = preempt_fleet();
  // used 56 (48 busy + 8 idle), free 24, idle 8. Buffer 65%: target 28, cut 52, 20 GPUs beyond
  // free + idle → a-low-new, x-low-new (same start, by name), y-low-old: 24 GPUs.
  BufferChoice b;
  b.bp = 6500;
  for (CutPolicy p : {CutPolicy::pro_rata, CutPolicy::least_disruptive}) {
    const OverallocReport r = run(snap, b, p);
    const auto& q = quota(r, snap, "team/a");
    CHECK(q.cut == 52);
    CHECK(q.phase == 4);
    CHECK(q.from.running == 20);
    CHECK(job_names(snap, q.preempted) == std::vector<std::string>{"a-low-new", "x-low-new", "y-low-old"});
    CHECK(q.gpus_preempted == 24);
  }
  // 60%: target 32, cut 48, 16 beyond free + idle: exactly two jobs.
  b.bp = 6000;
  CHECK(job_names(snap, quota(run(snap, b, CutPolicy::pro_rata), snap, "team/a").preempted) ==
        std::vector<std::string>{"a-low-new", "x-low-new"});
  // 100%: everything goes; the job without started_at goes after every started low job.
  b.bp = 10000;
  CHECK(job_names(snap, quota(run(snap, b, CutPolicy::pro_rata), snap, "team/a").preempted) ==
        std::vector<std::string>{"a-low-new", "x-low-new", "y-low-old", "z-low-none", "m-mid", "c-crit"});
  // 35%: target 52, cut 28 ≤ free 24 + idle 8: phase 3, nothing preempted.
  b.bp = 3500;
  const OverallocReport r3 = run(snap, b, CutPolicy::pro_rata);
  const auto& q3 = quota(r3, snap, "team/a");
  CHECK(q3.phase == 3);
  CHECK(q3.preempted.empty());
}

TEST_CASE("least-disruptive may cut fewer running GPUs yet preempt bigger jobs than pro-rata", "[overalloc]") {
  // A property to know about (docs/overalloc.md): it holds for GPUs cut from running jobs,
  // not for the GPUs of the whole jobs preempted. a: 20 assigned, twenty busy 1-GPU jobs;
  // b: 200 assigned, one busy 100-GPU job (free 100); cut 110.
  const std::vector<CutInput> leaves = {{"a", 20, 0, 0}, {"b", 200, 100, 0}};
  // Pro-rata: 10 and 100 → a preempts ten 1-GPU jobs, b's 100 ≤ free.
  CHECK(split_cut(110, leaves, CutPolicy::pro_rata) == std::vector<Gpus>{10, 100});
  // Least-disruptive: b's 100 free, then 10 over a 20 and b 100: 1.67 + 8.33 → 2 and 8, so b
  // must preempt its 100-GPU job for 8 GPUs.
  CHECK(split_cut(110, leaves, CutPolicy::least_disruptive) == std::vector<Gpus>{2, 108});
  CHECK(cut_sources(2, 0, 0).running + cut_sources(108, 100, 0).running == 10);  // least-disruptive
  CHECK(cut_sources(10, 0, 0).running + cut_sources(100, 100, 0).running == 10); // pro-rata
}

TEST_CASE("trees sum their leaves over the clusters", "[overalloc]") {
  Snapshot snap = worked();
  const OverallocReport r = run(snap, BufferChoice{}, CutPolicy::pro_rata);
  const auto trees = overalloc_trees(r, snap);
  REQUIRE(trees.size() == 2);
  CHECK(snap.quotas[trees[0].tree].name == "applied");
  CHECK(trees[0].clusters == 2);
  CHECK(trees[0].assigned == 32);
  CHECK(trees[0].cut == 5);
  CHECK(trees[0].phase == 4);
  CHECK(trees[0].gpus_preempted == 16);
  CHECK(snap.quotas[trees[1].tree].name == "research");
  CHECK(trees[1].quotas == 4);
  CHECK(trees[1].quotas_affected == 2);
  CHECK(trees[1].assigned == 104);
  CHECK(trees[1].cut == 22);
  CHECK(trees[1].phase == 2);
}

TEST_CASE("the leadership brief: phase lines reconcile, unbacked split by cut", "[overalloc][brief]") {
  Snapshot snap = worked();
  // Pro-rata (above): tiger H 72, A 88, cut 27 → already unbacked min(27, 88 − 72) = 16, split
  // over the cuts 15 (pretrain), 7 (evals), 5 (chat-tiger): 8.89, 4.15, 2.96 → 8 + 4 + 2, the
  // two left to the largest remainders, chat-tiger (.96) then pretrain (.89): 9, 4, 3.
  const OverallocBrief b = overalloc_brief(run(snap, BufferChoice{}, CutPolicy::pro_rata), snap);
  CHECK(b.clusters == 2);
  CHECK(b.clusters_over_target == 1);
  const auto& t = b.total;
  CHECK(t.phase == 0);
  CHECK(t.clusters == 2);
  CHECK(t.quotas == 6);
  CHECK(t.assigned == 136);
  CHECK(t.cut == 27);
  CHECK(t.cut_unbacked == 16);
  CHECK(t.from.unscheduled == 22);
  CHECK(t.from.idle == 0);
  CHECK(t.from.running == 5);
  CHECK(t.jobs_preempted == 1);
  CHECK(t.gpus_preempted == 16);
  CHECK(t.gpus_preempted_beyond_cut == 11); // j3 holds 16 GPUs; 5 are cut
  // Phase 1: lion (no cut) and its three quotas.
  CHECK(b.phases[1].clusters == 1);
  CHECK(b.phases[1].quotas == 3);
  CHECK(b.phases[1].assigned == 48);
  CHECK(b.phases[1].cut == 0);
  // Phase 2: pretrain and evals, 22 GPUs, all unscheduled; 9 + 4 already unbacked.
  CHECK(b.phases[2].clusters == 0); // tiger is in phase 4: its highest quota phase
  CHECK(b.phases[2].quotas == 2);
  CHECK(b.phases[2].cut == 22);
  CHECK(b.phases[2].cut_unbacked == 13);
  CHECK(b.phases[2].from.unscheduled == 22);
  CHECK(b.phases[3].quotas == 0);
  CHECK(b.phases[3].cut == 0);
  // Phase 4: chat-tiger, 5 from running work, 3 already unbacked, j3 preempted.
  CHECK(b.phases[4].clusters == 1);
  CHECK(b.phases[4].quotas == 1);
  CHECK(b.phases[4].cut == 5);
  CHECK(b.phases[4].cut_unbacked == 3);
  CHECK(b.phases[4].from.running == 5);
  CHECK(b.phases[4].jobs_preempted == 1);
  CHECK(b.phases[4].gpus_preempted == 16);
  CHECK(b.phases[4].gpus_preempted_beyond_cut == 11);
  // Every line adds up: sources to the cut, phases to the whole.
  Gpus cut = 0, unbacked = 0, running = 0;
  std::size_t quotas = 0, clusters = 0;
  for (int p = 1; p <= 4; ++p) {
    const auto& l = b.phases[p];
    CHECK(l.from.unscheduled + l.from.idle + l.from.running == l.cut);
    cut += l.cut, unbacked += l.cut_unbacked, running += l.from.running, quotas += l.quotas, clusters += l.clusters;
  }
  CHECK(cut == t.cut);
  CHECK(unbacked == t.cut_unbacked);
  CHECK(running == t.from.running);
  CHECK(quotas == t.quotas);
  CHECK(clusters == t.clusters);
}

TEST_CASE("the brief under least-disruptive: everything in phase 2", "[overalloc][brief]") {
  Snapshot snap = worked();
  // evals 14, pretrain 13 (above); unbacked 16 split 14:13 → 8.30, 7.70 → 8 + 7, one left to
  // pretrain (.70): 8 and 8.
  const OverallocBrief b = overalloc_brief(run(snap, BufferChoice{}, CutPolicy::least_disruptive), snap);
  CHECK(b.total.cut == 27);
  CHECK(b.total.cut_unbacked == 16);
  CHECK(b.total.from.running == 0);
  CHECK(b.total.jobs_preempted == 0);
  CHECK(b.total.gpus_preempted_beyond_cut == 0);
  CHECK(b.phases[2].clusters == 1);
  CHECK(b.phases[2].quotas == 2);
  CHECK(b.phases[2].cut == 27);
  CHECK(b.phases[2].cut_unbacked == 16);
  CHECK(b.phases[1].clusters == 1);
  CHECK(b.phases[1].quotas == 4); // chat-tiger and lion's three
  CHECK(b.phases[4].cut == 0);
}

TEST_CASE("the brief: no cluster over target, nothing unbacked in the cut", "[overalloc][brief]") {
  Snapshot snap = worked();
  BufferChoice none;
  none.bp = 0; // tiger: target 72, cut 16 = exactly its unbacked quota; lion: no cut
  const OverallocBrief b = overalloc_brief(run(snap, none, CutPolicy::pro_rata), snap);
  CHECK(b.total.cut == 16);
  CHECK(b.total.cut_unbacked == 16); // a 0% buffer cuts only quota with no healthy GPU behind it
  CHECK(overalloc_brief(OverallocReport{}, snap).total.cut == 0);
  CHECK(overalloc_brief(OverallocReport{}, snap).clusters == 0);
}

TEST_CASE("--phase views: quotas cut in the phase; clusters and trees with such a cut, or none at all", "[overalloc]") {
  Snapshot snap = worked();
  const OverallocReport r = run(snap, BufferChoice{}, CutPolicy::pro_rata);
  const std::vector<OverallocTree> trees = overalloc_trees(r, snap);
  auto names = [&](const PhaseView& v) {
    std::vector<std::string> q, c, t;
    for (const auto* x : v.quotas) q.emplace_back(snap.quotas[x->quota].name);
    for (const auto* x : v.clusters) c.emplace_back(snap.clusters[x->cluster].name);
    for (const auto* x : v.trees) t.emplace_back(snap.quotas[x->tree].name);
    return std::tuple{q, c, t};
  };
  using V = std::vector<std::string>;
  // Every phase: every cluster and tree, but only the quotas that lose GPUs.
  CHECK(names(phase_view(r, trees, snap, 0)) ==
        std::tuple{V{"research/pretrain", "research/evals", "applied/chat-tiger"}, V{"tiger", "lion"},
                   V{"applied", "research"}});
  // Phase 2 (unscheduled quota only): pretrain and evals, in tiger, of research.
  CHECK(names(phase_view(r, trees, snap, 2)) ==
        std::tuple{V{"research/pretrain", "research/evals"}, V{"tiger"}, V{"research"}});
  CHECK(names(phase_view(r, trees, snap, 3)) == std::tuple{V{}, V{}, V{}});
  // Phase 4: chat-tiger preempts j3; tiger is in phase 4 as well as 2.
  CHECK(names(phase_view(r, trees, snap, 4)) == std::tuple{V{"applied/chat-tiger"}, V{"tiger"}, V{"applied"}});
  // Phase 1 (no cut): lion; no tree is without a cut.
  CHECK(names(phase_view(r, trees, snap, 1)) == std::tuple{V{}, V{"lion"}, V{}});
}

TEST_CASE("history coverage: samples, clusters with and without, the span", "[overalloc][history]") {
  Snapshot snap = worked();
  const Time at = *snap.taken_at, day = 86400;
  const std::vector<HealthSample> h = {sample("tiger", at - 4 * day, 80), sample("tiger", at - day, 88),
                                       sample("tiger", at, 80)};
  const HistoryCoverage c = history_coverage(run(snap, BufferChoice{}, CutPolicy::pro_rata, h));
  CHECK(c.samples == 3);
  CHECK((c.clusters_with == 1 && c.clusters_without == 1)); // lion has none
  CHECK((c.fewest == 3 && c.most == 3));
  CHECK((c.first == at - 4 * day && c.last == at));
  const HistoryCoverage none = history_coverage(run(snap, BufferChoice{}, CutPolicy::pro_rata));
  CHECK((none.samples == 0 && none.clusters_with == 0 && none.clusters_without == 2));
}

TEST_CASE("quota plan: phases up to N cut, later ones keep their gpus; totals", "[overalloc]") {
  Snapshot snap = worked();
  const OverallocReport r = run(snap, BufferChoice{}, CutPolicy::pro_rata);
  auto line = [&](const QuotaPlan& p, std::string_view name) {
    for (const auto& q : p.quotas)
      if (snap.quotas[q.quota->quota].name == name) return q;
    FAIL("no quota " << name);
    throw;
  };
  const QuotaPlan all = quota_plan(r, 0);
  CHECK(all.quotas.size() == r.quotas.size());
  const PlanQuota chat = line(all, "applied/chat-tiger");
  CHECK((chat.old_gpus == 16 && chat.cut == 5 && chat.gpus == 11 && chat.final_gpus == 11 && !chat.deferred));
  CHECK((all.totals.old_gpus == 136 && all.totals.cut == 27 && all.totals.gpus == 109));
  // Up to phase 2: chat-tiger (phase 4) is deferred and keeps 16; its final gpus are still 11.
  const QuotaPlan two = quota_plan(r, 2);
  const PlanQuota deferred = line(two, "applied/chat-tiger");
  CHECK((deferred.deferred && deferred.cut == 0 && deferred.gpus == 16 && deferred.final_gpus == 11));
  const PlanQuota pretrain = line(two, "research/pretrain");
  CHECK((!pretrain.deferred && pretrain.cut == 15 && pretrain.gpus == 33));
  CHECK((two.totals.old_gpus == 136 && two.totals.cut == 22 && two.totals.gpus == 114));
  CHECK(quota(r, snap, "research/evals").new_gpus == 17); // 24 - 7
}

TEST_CASE("the brief counts the quotas affected: those cut in phases 2 to 4", "[overalloc][brief]") {
  Snapshot snap = worked();
  const OverallocReport r = run(snap, BufferChoice{}, CutPolicy::pro_rata);
  const OverallocBrief b = overalloc_brief(r, snap);
  CHECK(b.quotas_affected == 3);
  CHECK(b.quotas_affected == r.summary.quotas_affected);
  CHECK(b.quotas_affected == b.phases[2].quotas + b.phases[3].quotas + b.phases[4].quotas);
  CHECK(b.phases[1].quotas > 0); // the uncut ones are not affected
}
