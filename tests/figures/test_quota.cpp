#include "support/fixtures.hpp"

#include "fleetcap/figures/quota.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

namespace {
struct Expected {
  const char* name;
  Gpus assigned, used, free, borrowed, borrowable, available, unbacked;
};

void check_leaf(const Snapshot& snap, const std::vector<QuotaFigures>& all, const Expected& e) {
  INFO(e.name);
  const auto q = snap.find_quota(e.name);
  REQUIRE(q != kNone);
  const QuotaFigures& f = all[q];
  CHECK(f.assigned == e.assigned);
  CHECK(f.used == e.used);
  CHECK(f.free == e.free);
  CHECK(f.borrowed == e.borrowed);
  CHECK(f.borrowable == e.borrowable);
  CHECK(f.available == e.available);
  CHECK(f.unbacked == e.unbacked);
}

std::vector<std::string> row_names(const Snapshot& snap, const std::vector<QuotaRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(std::string(2 * r.depth, ' ') + snap.quotas[r.quota].name);
  return out;
}
} // namespace

TEST_CASE("quota figures reproduce the docs/worked-example.md quota table", "[quota]") {
  const Snapshot snap = test::worked();
  const auto all = leaf_quota_figures(snap, test::at_snapshot(snap));
  for (const Expected& e : {
           Expected{"research/pretrain", 48, 32, 16, 0, 16, 16, 9},
           Expected{"research/evals", 24, 8, 16, 0, 16, 16, 4},
           Expected{"applied/chat-tiger", 16, 16, 0, 0, 0, 0, 3},
           Expected{"research/lion", 24, 32, 0, 8, 0, 0, 0},
           Expected{"research/lion-evals", 8, 0, 8, 0, 0, 8, 0},
           Expected{"applied/chat-lion", 16, 16, 0, 0, 0, 0, 0},
       })
    check_leaf(snap, all, e);
}

TEST_CASE("quota figures: a lender may reclaim min(free, B); unbacked by largest remainder", "[quota]") {
  // elk: H 24, Uq 24, A 40. Tree lab there: P 32, U 24, B 4 (vision borrows 4 from nlp).
  const Snapshot snap = test::small();
  const auto all = leaf_quota_figures(snap, test::at_snapshot(snap));
  // available(nlp) = min(12 + 0, max(0, 24 − 24) + min(12, 4)) = 4;
  // unbacked 16 by 20/12/8 of 40: 8, 4.8, 3.2 → 8, 5, 3.
  check_leaf(snap, all, {"lab/nlp/elk", 12, 0, 12, 0, 0, 4, 5});
  check_leaf(snap, all, {"lab/vision/elk", 20, 24, 0, 4, 8, 0, 8});
  check_leaf(snap, all, {"ops/elk", 8, 0, 8, 0, 0, 0, 3});
  check_leaf(snap, all, {"ops/owl", 16, 8, 8, 0, 0, 8, 0});
  // pup is provisioning with no nodes: all of its quota is unbacked.
  check_leaf(snap, all, {"lab/vision/pup", 8, 0, 8, 0, 0, 0, 8});
  // Groups carry nothing themselves.
  CHECK(all[snap.find_quota("lab")].assigned == 0);
}

TEST_CASE("quota figures: a borrowing limit caps borrowable", "[quota]") {
  Snapshot worked = test::worked();
  // pretrain: borrowable 16 (evals' unused); limit 10 → min(16, 10) = 10; available =
  // min(16 + 10, max(0, 72 − 56) + min(16, 0)) = 16, as without the limit.
  worked.quotas[worked.find_quota("research/pretrain")].borrowing_limit = 10;
  check_leaf(worked, leaf_quota_figures(worked, test::at_snapshot(worked)),
             {"research/pretrain", 48, 32, 16, 0, 10, 16, 9});
  // vision/elk borrows 4 and may borrow 8 more; limit 6 → min(8, 6) = 6 (docs/kubernetes.md caps
  // borrowable by the limit, not by the limit less what is borrowed: docs/quota.md); limit 3 →
  // 3. Available stays 0: elk has no free and the cluster no pool. A lending limit is reported
  // only: nlp still lends all its free.
  Snapshot small = test::small();
  small.quotas[small.find_quota("lab/vision/elk")].borrowing_limit = 6;
  small.quotas[small.find_quota("lab/nlp/elk")].lending_limit = 0;
  auto all = leaf_quota_figures(small, test::at_snapshot(small));
  check_leaf(small, all, {"lab/vision/elk", 20, 24, 0, 4, 6, 0, 8});
  check_leaf(small, all, {"lab/nlp/elk", 12, 0, 12, 0, 0, 4, 5});
  small.quotas[small.find_quota("lab/vision/elk")].borrowing_limit = 3;
  all = leaf_quota_figures(small, test::at_snapshot(small));
  check_leaf(small, all, {"lab/vision/elk", 20, 24, 0, 4, 3, 0, 8});
}

TEST_CASE("quota tree: by name at every level, groups with their leaves' sums", "[quota]") {
  const Snapshot snap = test::worked();
  const QuotaReport r = quota_tree(snap, test::at_snapshot(snap), Selection{}, std::nullopt);
  CHECK(row_names(snap, r.rows) == std::vector<std::string>{"applied", "  applied/chat-lion", "  applied/chat-tiger",
                                                            "research", "  research/evals", "  research/lion",
                                                            "  research/lion-evals", "  research/pretrain"});
  const QuotaRow& research = r.rows[3];
  CHECK_FALSE(research.leaf);
  CHECK(research.leaves == 4);
  CHECK(research.figures.assigned == 104);
  CHECK(research.figures.used == 72);
  CHECK(research.figures.free == 40);
  CHECK(research.figures.borrowed == 8);
  CHECK(research.figures.unbacked == 13);
  CHECK(r.totals.assigned == 136); // = Σ assigned of the production clusters
  CHECK(r.totals.unbacked == 16);  // = tiger's unbacked
}

TEST_CASE("quota tree follows --state and keeps only groups with selected leaves", "[quota]") {
  const Snapshot snap = test::small();
  const FleetAt fleet = test::at_snapshot(snap);
  QuotaReport r = quota_tree(snap, fleet, Selection{}, std::nullopt);
  CHECK(row_names(snap, r.rows) == std::vector<std::string>{"lab", "  lab/nlp", "    lab/nlp/elk", "  lab/vision",
                                                            "    lab/vision/elk", "ops", "  ops/elk", "  ops/owl"});
  Selection all;
  all.all_states = true;
  r = quota_tree(snap, fleet, all, std::nullopt);
  CHECK(r.rows.size() == 9); // + lab/vision/pup
  Selection owl;
  owl.clusters = {"owl"};
  r = quota_tree(snap, fleet, owl, std::nullopt);
  CHECK(row_names(snap, r.rows) == std::vector<std::string>{"ops", "  ops/owl"});
  CHECK(r.rows[0].figures.assigned == 16);
}

TEST_CASE("quota --namespace: access gating, and the flex beside each quota", "[quota]") {
  const Snapshot snap = test::small();
  const FleetAt fleet = test::at_snapshot(snap);
  // lab/nlp/elk has access [] (nobody); ops/* have none (anyone).
  QuotaReport r = quota_tree(snap, fleet, Selection{}, std::string("cv"));
  CHECK(row_names(snap, r.rows) == std::vector<std::string>{"lab/vision/elk", "ops/elk", "ops/owl"});
  const QuotaRow& owl = r.rows[2];
  CHECK(owl.figures.available == 8);
  CHECK(owl.flex_free == 39);
  CHECK(owl.flex_stable_free == 31);
  CHECK(owl.fair_share == 20); // pool 40 over ml and cv
  CHECK(owl.flex_within_share == 20);
  CHECK(owl.serve == QuotaRow::Serve::quota);
  CHECK(r.rows[0].serve == QuotaRow::Serve::none); // elk: nothing in-quota, no flex pool

  r = quota_tree(snap, fleet, Selection{}, std::string("ml"));
  CHECK(row_names(snap, r.rows) == std::vector<std::string>{"ops/elk", "ops/owl"});
  CHECK(r.rows[1].ns_flex_used == 1);
  CHECK(r.rows[1].fair_share == 40);
  CHECK(r.rows[1].flex_within_share == 39); // min(flex_free 39, 40 − 1)
}

TEST_CASE("quota --namespace in the worked example: flex serves where nothing is available", "[quota]") {
  const Snapshot snap = test::worked();
  const QuotaReport r = quota_tree(snap, test::at_snapshot(snap), Selection{}, std::string("evals"));
  CHECK(row_names(snap, r.rows) == std::vector<std::string>{"applied/chat-lion", "applied/chat-tiger", "research/evals",
                                                            "research/lion", "research/lion-evals"});
  CHECK(r.rows[1].serve == QuotaRow::Serve::flex); // chat-tiger: 0 available, 8 flex free, share 16, used 8
  CHECK(r.rows[1].flex_within_share == 8);
  CHECK(r.rows[2].serve == QuotaRow::Serve::quota);
}

TEST_CASE("preemption order: lowest priority, pending before running, newest first, none = oldest", "[quota]") {
  const Snapshot snap = test::small();
  const QuotaDetail d = quota_detail(snap, test::at_snapshot(snap), snap.find_quota("lab/vision/elk"));
  std::vector<std::string> names;
  for (auto j : d.jobs) names.emplace_back(snap.jobs[j].name);
  CHECK(names == std::vector<std::string>{"v3", "v2", "v4", "v1"});
}

TEST_CASE("quota show: siblings are the tree's leaves in the cluster, whatever their parent", "[quota]") {
  const Snapshot snap = test::small();
  const QuotaDetail d = quota_detail(snap, test::at_snapshot(snap), snap.find_quota("lab/vision/elk"));
  REQUIRE(d.siblings.size() == 1);
  CHECK(snap.quotas[d.siblings[0].quota].name == "lab/nlp/elk");
  CHECK(d.tree.assigned == 32);
  CHECK(d.tree.used == 24);
  CHECK(d.tree.borrowed == 4);
  CHECK(d.tree_unused == 8);
  // The TREE row lends what the tree's leaves leave unused (32 − 24), not the sum of their free.
  const Lending tree = tree_lending(d);
  CHECK((tree.assigned == 32 && tree.used == 24 && tree.lends == 8 && tree.borrows == 4));
  Gpus free_sum = d.row.figures.free;
  for (const auto& s : d.siblings) free_sum += s.figures.free;
  CHECK(free_sum != tree.lends); // why the TREE row needs its own figure
  const Lending nlp = lending(d.siblings[0]);
  CHECK((nlp.lends == d.siblings[0].figures.free && nlp.borrows == d.siblings[0].figures.borrowed));
  CHECK(d.cluster.unbacked == 16);
  CHECK(d.cluster_leaves == 3);
  CHECK(d.down.unhealthy == 8);
  CHECK(d.down.unhealthy_nodes == 1);
}

TEST_CASE("quota show: why tiger is unbacked", "[quota]") {
  const Snapshot snap = test::worked();
  const FleetAt fleet = test::at_snapshot(snap);
  const NotSchedulable down = not_schedulable(snap, fleet, snap.find_cluster("tiger"));
  CHECK(down.unhealthy == 8);   // t05
  CHECK(down.cordoned == 8);    // t12
  CHECK(down.maintenance == 8); // t11, m1 in progress
  CHECK(down.unhealthy_nodes + down.cordoned_nodes + down.maintenance_nodes == 3);
  const QuotaDetail d = quota_detail(snap, fleet, snap.find_quota("research/pretrain"));
  CHECK(d.row.figures.unbacked == 9);
  CHECK(d.cluster.healthy == 72);
  CHECK(d.cluster.assigned == 88);
  REQUIRE(d.jobs.size() == 2);
  CHECK(snap.jobs[d.jobs[0]].name == "j5"); // high, pending
  CHECK(snap.jobs[d.jobs[1]].name == "j1"); // critical
}

TEST_CASE("quota show of a group: its subtree in tree order and all its leaves' jobs", "[quota]") {
  const Snapshot snap = test::small();
  const QuotaDetail d = quota_detail(snap, test::at_snapshot(snap), snap.find_quota("lab"));
  CHECK_FALSE(d.row.leaf);
  CHECK(d.row.leaves == 3); // every state: lab/vision/pup counts
  CHECK(d.row.figures.assigned == 40);
  CHECK(row_names(snap, d.subtree) == std::vector<std::string>{"  lab/nlp", "    lab/nlp/elk", "  lab/vision",
                                                               "    lab/vision/elk", "    lab/vision/pup"});
  CHECK(d.jobs.size() == 4);
}

// docs/design.md, "What schedulers enforce"; tests/data/fleets/enforce/README.md has the sums.
TEST_CASE("quota figures with stable use, a reservation, caps and a cap-only leaf", "[quota]") {
  const Snapshot snap = test::load_fixture("tests/data/fleets/enforce");
  const auto all = leaf_quota_figures(snap, test::at_snapshot(snap));
  // tiger's pool: max(0, H 72 − Uq 56 − Us 8 − Rf 8) = 0. pretrain may not use demo (evals').
  check_leaf(snap, all, {"research/pretrain", 48, 32, 16, 0, 16, 0, 9});
  // evals: min(16 + 16, 0 + Rq 8) = 8, then cap org's free 4 (84 − 80).
  check_leaf(snap, all, {"research/evals", 24, 8, 16, 0, 16, 4, 4});
  CHECK(all[snap.find_quota("research/evals")].capped_by == 0); // org, the first cap defined
  CHECK(snap.caps[0].name == "org");
  // lion: min(8, 16 + min(8, B 8)) = 8, capped by org to 4.
  check_leaf(snap, all, {"research/lion-evals", 8, 0, 8, 0, 0, 4, 0});
  // The cap-only leaf promises nothing: assigned, free, borrowed, borrowable 0; available =
  // min(pool 16, chat-all free 40 − 32).
  check_leaf(snap, all, {"applied/chat-any", 0, 0, 0, 0, 0, 8, 0});
  CHECK(snap.caps[all[snap.find_quota("applied/chat-any")].capped_by].name == "chat-all");
  // research/pretrain is held by its cluster, not a cap.
  CHECK(all[snap.find_quota("research/pretrain")].capped_by == kNone);
  const auto caps = cap_figures(snap);
  const auto org = std::find_if(snap.caps.begin(), snap.caps.end(), [](const Cap& c) { return c.name == "org"; });
  const auto chat = std::find_if(snap.caps.begin(), snap.caps.end(), [](const Cap& c) { return c.name == "chat-all"; });
  CHECK(caps[static_cast<std::size_t>(org - snap.caps.begin())].used == 80); // j1 32, j2 8, k2 32, k3 8 (flex)
  CHECK(caps[static_cast<std::size_t>(chat - snap.caps.begin())].used == 32);
}

TEST_CASE("quota figures: borrowed GPUs a lender may not reclaim", "[quota]") {
  // small's elk: nlp's available min(12, 0 + min(12, B 4)) = 4 comes from reclaiming what
  // vision borrows. vision's jobs marked reclaimable: false (Kueue: no CQ may reclaim) → B' 0.
  Snapshot snap = test::small();
  for (auto j : snap.index.quota_jobs[snap.find_quota("lab/vision/elk")]) snap.jobs[j].reclaimable = 0;
  check_leaf(snap, leaf_quota_figures(snap, test::at_snapshot(snap)), {"lab/nlp/elk", 12, 0, 12, 0, 0, 0, 5});
  // reclaims: false on the lender (Kueue reclaimWithinCohort: Never) → 0 too.
  Snapshot other = test::small();
  other.quotas[other.find_quota("lab/nlp/elk")].reclaims = false;
  check_leaf(other, leaf_quota_figures(other, test::at_snapshot(other)), {"lab/nlp/elk", 12, 0, 12, 0, 0, 0, 5});
}
