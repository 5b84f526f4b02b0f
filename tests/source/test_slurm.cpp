// The Slurm adapter's translation (src/source/slurm*.cpp) against recorded slurmrestd responses of
// every data parser version, and hand-made edge shapes (tests/data/slurm/).
#include "fleetcap/error.hpp"
#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/source/source.hpp"
#include "source/slurm.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unistd.h>

using namespace fleetcap;
using namespace fleetcap::source::slurm;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
const std::string kData = FLEETCAP_SOURCE_DIR "/tests/data/slurm/";

std::optional<std::string> read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Responses responses(const std::string& dir, const std::string& version) {
  Responses in;
  in.version = version;
  const fs::path d = kData + dir;
  in.nodes = read(d / "nodes.json").value();
  in.jobs = read(d / "jobs.json").value();
  in.reservations = read(d / "reservations.json").value_or(R"({"reservations": []})");
  in.associations = read(d / "associations.json");
  in.qos = read(d / "qos.json");
  in.partitions = read(d / "partitions.json");
  in.partitions_label = "GET /slurm/" + version + "/partitions";
  in.nodes_label = "GET /slurm/" + version + "/nodes";
  in.jobs_label = "GET /slurm/" + version + "/jobs";
  in.reservations_label = "GET /slurm/" + version + "/reservations";
  in.associations_label = "GET /slurmdb/" + version + "/associations";
  in.qos_label = "GET /slurmdb/" + version + "/qos";
  return in;
}

struct Items {
  json clusters, nodes, quotas, jobs, maintenance;
  std::vector<std::string> warnings;
  std::string cluster;
};

Items translated(Responses in, const SlurmOptions& o = {}, Time now = 1763400000) {
  Translation t = translate(in, o, now);
  Items it;
  it.clusters = json::parse(t.pages[0])["items"];
  it.nodes = json::parse(t.pages[1])["items"];
  it.quotas = json::parse(t.pages[2])["items"];
  it.jobs = json::parse(t.pages[3])["items"];
  it.maintenance = json::parse(t.pages[4])["items"];
  it.warnings = t.warnings;
  it.cluster = t.cluster;
  return it;
}

// The names of the caps an item lists, whether it defines them or names them (docs/design.md).
std::vector<std::string> cap_names(const json& item) {
  std::vector<std::string> out;
  for (const auto& c : item.value("caps", json::array())) out.push_back(c.is_string() ? c : c["name"]);
  return out;
}

const json* find(const json& items, const std::string& key, const std::string& name) {
  for (const auto& i : items)
    if (i.value(key, "") == name) return &i;
  return nullptr;
}

// The translated pages read back as a snapshot directory, through the same loader as any
// saved snapshot (snapshot save's format).
Snapshot load_translated(const Translation& t) {
  const fs::path dir = fs::temp_directory_path() / ("fleetcap-slurm-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (std::size_t i = 0; i < kResources.size(); ++i)
    std::ofstream(dir / (std::string(to_string(kResources[i])) + ".json")) << t.pages[i];
  SourceOptions so;
  so.source = dir.string();
  Snapshot snap = load_snapshot(so);
  fs::remove_all(dir);
  return snap;
}

} // namespace

TEST_CASE("slurm: hostlists expand with zero padding kept") {
  CHECK(expand_hostlist("cn[001-003,7],gpu1").value() ==
        std::vector<std::string>{"cn001", "cn002", "cn003", "cn7", "gpu1"});
  CHECK(expand_hostlist("cn[001-080,101-532]").value().size() == 80 + 432);
  CHECK(expand_hostlist("cn[001-080,101-532]").value()[80] == "cn101");
  CHECK(expand_hostlist("r[1-2]n[01-02]").value() == std::vector<std::string>{"r1n01", "r1n02", "r2n01", "r2n02"});
  CHECK(expand_hostlist("").value().empty());
  CHECK(expand_hostlist("(null)").value().empty());
  CHECK_FALSE(expand_hostlist("cn[3-1]"));
  CHECK_FALSE(expand_hostlist("cn[01"));
}

TEST_CASE("slurm: GRES and TRES strings") {
  auto g = parse_gres("gpu:h100:4(S:0-1),gpu:a100:2(S:2-3),shard:8").value();
  REQUIRE(g.size() == 2);
  CHECK((g[0].type == "h100" && g[0].count == 4 && g[1].type == "a100" && g[1].count == 2));
  g = parse_gres("gpu:4").value();
  REQUIRE(g.size() == 1);
  CHECK((g[0].type.empty() && g[0].count == 4));
  g = parse_gres("gpu:h100:2(IDX:0-1),gpu:h100:1(IDX:3)").value(); // gres_used, gres_detail
  CHECK((g.size() == 1 && g[0].count == 3));
  CHECK(parse_gres("gpu:a100_3g.20gb:7").value()[0].type == "a100_3g.20gb");
  CHECK(parse_gres("").value().empty());
  for (const char* spelling : {"gres:gpu:8", "gres/gpu:8", "gres/gpu=8", "gpu:8"})
    CHECK(parse_tres_request(spelling).value().count == 8);
  auto r = parse_tres_request("gres/gpu:h100:2,gres/shard:4").value();
  CHECK((r.count == 2 && r.type == "h100"));
  auto a = parse_tres_alloc("cpu=64,mem=1G,node=2,billing=64,gres/gpu=16,gres/gpu:h100=16").value();
  CHECK((a.count == 16 && a.type == "h100"));
  CHECK_FALSE(parse_tres_alloc("cpu=1,mem=512M,node=1"));
  CHECK(island_from_topology("default:block3") == "block3");
  CHECK(island_from_topology("tree:core:spine2:leaf7") == "spine2");
  CHECK(island_from_topology("").empty());
}

TEST_CASE("slurm: every recorded data parser version, v0.0.39 to v0.0.44") {
  // v0.0.39 (23.02) and v0.0.40 (23.11): CPU-only clusters: nothing with GPUs, read without error.
  for (const char* v : {"v0.0.39", "v0.0.40"}) {
    Items it = translated(responses(std::string("slurmweb/") + v, v));
    CHECK(it.cluster == "hpc");
    CHECK(it.clusters.empty());
    CHECK(it.nodes.empty());
    CHECK(it.jobs.empty());
  }
  // 25.11 serving v0.0.41..v0.0.44: gpu1, gpu2 "gpu:h100:4", gpu3, gpu4 untyped "gpu:4" -> two
  // clusters hpc/gpu and hpc/h100 of 8 GPUs; five GPU jobs whatever the version.
  for (const char* v : {"v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"}) {
    INFO(v);
    Items it = translated(responses(std::string("slurmweb/") + v, v));
    REQUIRE(it.clusters.size() == 2);
    CHECK(it.clusters[0]["name"] == "hpc/gpu");
    CHECK(it.clusters[0]["sku"] == "gpu");
    CHECK(it.clusters[1]["name"] == "hpc/h100");
    REQUIRE(it.nodes.size() == 4);
    for (const auto& n : it.nodes) CHECK(n["gpus"] == 4);
    CHECK(it.nodes[0]["cluster"] == "hpc/h100");
    CHECK(it.nodes[2]["cluster"] == "hpc/gpu");
    // GPUs: 1 (gres_detail gpu:h100:1), 4 (gres_detail, not tres_per_task 2 x 2 tasks... also 4),
    // 4 pending (tres_per_job gres/gpu:4), 8 on two nodes (gres_detail 4 + 4), 4.
    REQUIRE(it.jobs.size() == 5);
    std::vector<int> gpus;
    for (const auto& j : it.jobs) gpus.push_back(j["gpus"].get<int>());
    CHECK(gpus == std::vector<int>{1, 4, 4, 8, 4});
    CHECK(it.jobs[2]["state"] == "pending");
    CHECK(it.jobs[3]["nodes"] == json::array({"gpu1", "gpu2"}));
    CHECK(it.jobs[0]["quota"] == "flex"); // the accounts have no GPU limits
    CHECK(it.quotas.empty());
  }
}

TEST_CASE("slurm: v0.0.38 shapes and the edge cases, worked by hand") {
  SlurmOptions o;
  o.island_feature_prefix = "ib-";
  o.priority = {{"high", "high"}};
  Items it = translated(responses("edge-v0.0.38", "v0.0.38"), o, 1763400000);
  CHECK(it.cluster == "lab"); // v0.0.38 has no meta.slurm.cluster: the jobs' "cluster"
  // Clusters per GPU type, sorted: a01 "gpu:a100:4,gpu:h100:2" goes to a100 (its larger type).
  REQUIRE(it.clusters.size() == 3);
  CHECK(it.clusters[0]["name"] == "lab/a100");
  CHECK(it.clusters[1]["name"] == "lab/gpu");
  CHECK(it.clusters[2]["name"] == "lab/h100");
  REQUIRE(it.nodes.size() == 7); // c01 has no GPUs
  const json& a01 = *find(it.nodes, "name", "a01");
  CHECK(a01["cluster"] == "lab/a100");
  CHECK(a01["gpus"] == 6);
  CHECK(a01["island"] == "ib-3");
  const json& g03 = *find(it.nodes, "name", "g03");
  CHECK(g03["health"] == "down");
  CHECK(g03["cordoned"] == false);
  CHECK(g03["issues"][0]["type"] == "down");
  CHECK(g03["issues"][0]["priority"] == "p1");
  CHECK(g03["issues"][0]["detected_at"] == "2025-11-16T13:33:20Z");
  CHECK(g03["issues"][0]["detail"] == "node unresponsive (set by slurm)");
  const json& g04 = *find(it.nodes, "name", "g04");
  CHECK(g04["health"] == "healthy");
  CHECK(g04["cordoned"] == true);
  CHECK(g04["issues"][0]["type"] == "drain");
  CHECK(g04["issues"][0]["priority"] == "p2");
  CHECK((*find(it.nodes, "name", "a02"))["island"] == "lab/a100"); // no ib- feature: the cluster

  // Quotas (docs/slurm.md, "How Slurm's rules map to the figures"): physics's untyped 24 is a
  // cap over optics, whose a100 8 is the leaf; bio's typed h100 8 is its h100 leaf and its untyped 4
  // a cap over every type (cap-only leaves in a100 and gpu); chem's untyped 8 is assigned where its
  // running jobs are (job 107 on g01: h100), cap-only in the other types.
  REQUIRE(it.quotas.size() == 7);
  const json& optics = *find(it.quotas, "name", "optics");
  CHECK(optics["cluster"] == "lab/a100");
  CHECK(optics["gpus"] == 8);
  CHECK(optics["parent"].is_null()); // no borrowing: no account tree
  CHECK(optics["access"] == json::array({"optics"}));
  CHECK(optics["caps"] == json::parse(R"([{"name": "account optics gres/gpu:a100", "gpus": 8, "cluster": "lab/a100"},
                                          {"name": "account physics gres/gpu", "gpus": 24}])"));
  CHECK((*find(it.quotas, "name", "bio/h100"))["gpus"] == 8);
  CHECK_FALSE(find(it.quotas, "name", "bio/a100")->contains("gpus")); // cap-only
  CHECK(cap_names(*find(it.quotas, "name", "bio/a100")) == std::vector<std::string>{"account bio gres/gpu"});
  CHECK((*find(it.quotas, "name", "chem/h100"))["gpus"] == 8);
  CHECK_FALSE(find(it.quotas, "name", "chem/gpu")->contains("gpus"));

  // Jobs: 105 completed and 106 GPU-less are left out. No QOS may preempt another and the edge
  // has no partitions: PreemptType is taken as preempt/none (one warning), so nothing is
  // reclaimable.
  REQUIRE(it.jobs.size() == 5);
  const json& j101 = *find(it.jobs, "name", "101");
  CHECK(j101["gpus"] == 16);
  CHECK(j101["nodes"] == json::array({"g01", "g02"}));
  CHECK(j101["quota"] == "flex"); // physics holds no leaf (optics does): stable use, its cap
  CHECK(j101["reclaimable"] == false);
  CHECK(cap_names(j101) == std::vector<std::string>{"account physics gres/gpu"});
  CHECK(j101["started_at"] == "2025-11-17T14:33:20Z");
  const json& j102 = *find(it.jobs, "name", "102");
  CHECK(j102["quota"] == "optics");
  CHECK(j102["priority"] == "high");
  CHECK_FALSE(j102.contains("caps")); // its leaf's
  const json& j103 = *find(it.jobs, "name", "103");
  CHECK(j103["state"] == "pending");
  CHECK(j103["gpus"] == 4); // gres:gpu:h100:2 per node x 2 nodes
  CHECK(j103["cluster"] == "lab/h100");
  CHECK(j103["quota"] == "flex"); // optics's limit is for a100
  // scavenger, which no QOS may preempt: in bio's untyped limit, as Slurm counts it
  CHECK((*find(it.jobs, "name", "104"))["quota"] == "bio/gpu");
  CHECK((*find(it.jobs, "name", "107"))["gpus"] == 2); // from gres_detail
  CHECK((*find(it.jobs, "name", "107"))["quota"] == "chem/h100");
  CHECK((*find(it.jobs, "name", "107"))["priority"] == "mid");

  // Maintenance: maint_now in progress on g03, g04; maint_later in 6 h on a01; "users" is not
  // MAINT; "forever" has an infinite end; a02 is flagged MAINTENANCE with no reservation.
  REQUIRE(it.maintenance.size() == 4);
  const json& now = *find(it.maintenance, "id", "maint_now");
  CHECK(now["state"] == "in_progress");
  CHECK(now["nodes"] == json::array({"g03", "g04"}));
  CHECK(now["hard_start"] == true);
  CHECK((*find(it.maintenance, "id", "maint_later"))["state"] == "scheduled");
  CHECK((*find(it.maintenance, "id", "forever"))["end"] == "8999-12-31T23:59:59Z");
  CHECK((*find(it.maintenance, "id", "a02/maintenance"))["state"] == "in_progress");

  auto warned = [&](const std::string& text) {
    return std::any_of(it.warnings.begin(), it.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  CHECK(warned("node a01 has several GPU types"));
  CHECK(warned("1 GPU nodes have no island"));
  CHECK(warned("open-ended"));
  CHECK(warned("taken as preempt/none"));
  // Translation choices are documented, not warned (docs/slurm.md).
  CHECK_FALSE(warned("has a GPU limit and so do accounts below it"));
  CHECK_FALSE(warned("untyped"));
  CHECK_FALSE(warned("idle"));
  // The reservation "users" (not MAINT) holds u01 for user root.
  const json& u01 = *find(it.nodes, "name", "u01");
  CHECK(u01["reservations"] == json::parse(R"([{"name": "users", "start": "2025-11-17T14:33:20Z",
      "end": "2025-11-17T22:53:20Z", "namespaces": [], "users": ["root"]}])"));
  CHECK(g03["healthy"] == false);
}

TEST_CASE("slurm: the edge fleet's capacity figures, through the loader") {
  // Each page goes through the same loader as a directory would (snapshot save's format).
  SlurmOptions o;
  o.island_feature_prefix = "ib-";
  Responses in = responses("edge-v0.0.38", "v0.0.38");
  Translation t = translate(in, o, 1763400000);
  const Snapshot snap = load_translated(t);
  const CapacityReport r = capacity(snap, evaluate(snap, 1763400000), Selection{}, GroupBy::none);
  REQUIRE(r.rows.size() == 3);
  // lab/a100: a01 6 + a02 4 = 10; a02 is in maintenance (its MAINTENANCE flag): H = 6. A = 8
  // (optics), Uq = 4 (job 102): inquota_free = min(8, 6) - 4 = 2, flex_free = 6 - 4 = 2,
  // unbacked = 8 - 6 = 2.
  const ClusterFigures& a100 = r.rows[0].figures;
  CHECK(r.rows[0].key == "lab/a100");
  CHECK((a100.total == 10 && a100.healthy == 6 && a100.assigned == 8 && a100.inquota_used == 4));
  CHECK((a100.inquota_free == 2 && a100.flex_free == 2 && a100.unbacked == 2));
  // lab/gpu: u01 4, healthy; job 104 (bio, cap-only leaf bio/gpu) uses 2 in quota; the
  // reservation "users" holds u01, so its other 2 are reserved, not free for everyone.
  const ClusterFigures& gpu = r.rows[1].figures;
  CHECK((gpu.total == 4 && gpu.healthy == 4 && gpu.inquota_used == 2 && gpu.flex_used == 0));
  CHECK((gpu.reserved_free == 2 && gpu.flex_free == 0 && gpu.assigned == 0));
  // lab/h100: g01-g04 = 32; g03 down, g04 drained (and in maint_now): H = 16. A = bio 8 + chem 8
  // = 16; Uq = 2 (107), Uf = Us = 16 (101, stable: nothing is reclaimable under preempt/none):
  // inquota_free = max(0, min(16, 16 - 16) - 2) = 0 (it was 14: GPUs nobody gets without
  // preempting what Slurm never preempts), flex_free = 16 - 2 - 16 -> 0.
  const ClusterFigures& h100 = r.rows[2].figures;
  CHECK((h100.total == 32 && h100.healthy == 16 && h100.assigned == 16));
  CHECK((h100.inquota_used == 2 && h100.flex_used == 16 && h100.inquota_free == 0 && h100.flex_free == 0));
  CHECK((h100.flex_stable_used == 16 && h100.unbacked == 0));
}

TEST_CASE("slurm: borrowing keeps the account tree; QOS quotas") {
  SlurmOptions o;
  o.borrowing = true;
  Items it = translated(responses("edge-v0.0.38", "v0.0.38"), o);
  // physics (shadowed) becomes optics's group; root is left out.
  REQUIRE(find(it.quotas, "name", "physics"));
  CHECK((*find(it.quotas, "name", "physics"))["cluster"].is_null());
  CHECK((*find(it.quotas, "name", "optics"))["parent"] == "physics");
  CHECK((*find(it.quotas, "name", "bio/h100"))["parent"].is_null());

  o = {};
  o.quota = "qos";
  it = translated(responses("edge-v0.0.38", "v0.0.38"), o);
  REQUIRE(it.quotas.size() == 1); // QOS big: gpu:h100 16
  CHECK(it.quotas[0]["name"] == "big");
  CHECK(it.quotas[0]["cluster"] == "lab/h100");
  CHECK_FALSE(it.quotas[0].contains("access"));
  // Account limits still bind a QOS's jobs: 107 (chem, normal) counts against chem's cap.
  CHECK(cap_names(*find(it.jobs, "name", "107")) == std::vector<std::string>{"account chem gres/gpu"});
}

TEST_CASE("slurm: malformed objects name the endpoint, index, name and field") {
  Responses in = responses("edge-v0.0.38", "v0.0.38");
  auto nodes = json::parse(in.nodes);
  nodes["nodes"][2]["state"] = 5;
  in.nodes = nodes.dump();
  auto jobs = json::parse(in.jobs);
  jobs["jobs"][1].erase("job_state");
  in.jobs = jobs.dump();
  try {
    translate(in, {}, 0);
    FAIL("no error");
  } catch (const DataError& e) {
    REQUIRE(e.messages().size() == 2);
    CHECK(e.messages()[0] ==
          "GET /slurm/v0.0.38/nodes: nodes[2] \"g03\": field \"state\" must be a string or an array of strings, got 5");
    CHECK(e.messages()[1] == "GET /slurm/v0.0.38/jobs: jobs[1] \"102\": field \"job_state\" is missing");
  }
  in = responses("edge-v0.0.38", "v0.0.38");
  in.jobs = "{\"jobs\": [";
  CHECK_THROWS_AS(translate(in, {}, 0), DataError);
}

TEST_CASE("slurm: the lab's real v0.0.38 capture (Slurm 22.05), figures worked by hand") {
  // tests/data/slurm/lab-v0.0.38/README.md describes the scenario; "now" is its capture time.
  const Time now = 1796189954 + 60;
  Responses in = responses("lab-v0.0.38", "v0.0.38");
  SlurmOptions o;
  o.island_feature_prefix = "ib-";
  Translation t = translate(in, o, now);
  const Snapshot snap = load_translated(t);
  CHECK(t.cluster == "lab");
  REQUIRE(snap.clusters.size() == 2);
  CHECK(snap.clusters[0].name == "lab/h100");
  CHECK(snap.clusters[1].name == "lab/h200");
  // Quotas: pretrain h100 40; evals typed h100 16 and h200 8 (two leaves); chat's untyped 24 is a
  // cap over both types, assigned in h200 (where its running jobs use most GPUs: chat-a 8 there,
  // chat-b 2 on h100) and a cap-only leaf in h100 (docs/slurm.md).
  std::map<std::string, std::pair<std::string, Gpus>> quotas;
  for (const auto& q : snap.quotas) quotas[q.name] = {q.cluster.value_or(""), q.gpus};
  CHECK(quotas == std::map<std::string, std::pair<std::string, Gpus>>{{"pretrain", {"lab/h100", 40}},
                                                                      {"evals/h100", {"lab/h100", 16}},
                                                                      {"evals/h200", {"lab/h200", 8}},
                                                                      {"chat/h100", {"lab/h100", 0}},
                                                                      {"chat/h200", {"lab/h200", 24}}});
  CHECK(snap.quotas[snap.find_quota("chat/h100")].cap_only);
  std::map<std::string, std::string> target;
  for (const auto& j : snap.jobs) target[std::string(j.name)] = std::string(j.quota);
  // 7 (no GPUs) and 10 (completed) are left out; chat-b (6) counts in chat's limit on h100; 8 and
  // 11 (ops, QOS capped: ops has no limit) are flex, 9 (scavenger, in normal's Preempt list) too.
  CHECK(target == std::map<std::string, std::string>{{"1", "pretrain"},
                                                     {"2", "pretrain"},
                                                     {"3", "evals/h100"},
                                                     {"4", "evals/h200"},
                                                     {"5", "chat/h200"},
                                                     {"6", "chat/h100"},
                                                     {"8", "flex"},
                                                     {"9", "flex"},
                                                     {"11", "flex"},
                                                     {"12", "evals/h100"}});
  // PreemptType is not in slurmrestd's answers: with a Preempt list, preempt/qos (one warning).
  // capped-a (8) is stable use: QOS capped is in no Preempt list. flex-a (9) is reclaimable.
  for (const auto& j : snap.jobs) {
    if (j.name == "8") CHECK(j.stable_use());
    if (j.name == "9") CHECK((j.flex && !j.stable_use()));
  }
  CHECK(std::any_of(t.warnings.begin(), t.warnings.end(),
                    [](const std::string& w) { return w.find("taken as preempt/qos") != std::string::npos; }));
  const CapacityReport r = capacity(snap, evaluate(snap, now), Selection{}, GroupBy::none);
  REQUIRE(r.rows.size() == 2);
  // h100: 64 GPUs; h100-06 drained and h100-08 not responding: H = 48. A = 40 + 16 = 56.
  // Uq = 16 (1) + 8 (2) + 4 (3) + 2 (6) = 30; Uf = 2 (9). inquota_free = min(56, 48) - 30 = 18;
  // flex_free = 48 - 30 - 2 = 16; unbacked = 56 - 48 = 8; headroom 0; stable = 0.
  const ClusterFigures& h100 = r.rows[0].figures;
  CHECK((h100.total == 64 && h100.healthy == 48 && h100.assigned == 56 && h100.inquota_used == 30));
  CHECK((h100.flex_used == 2 && h100.inquota_free == 18 && h100.flex_free == 16 && h100.unbacked == 8));
  CHECK((h100.headroom == 0 && h100.flex_stable_free == 0 && h100.flex_reclaimable_free == 16));
  // h200: 64; h200-07 down, h200-08 failed, h200-03 in maint-now: H = 40. A = 8 + 24 = 32.
  // Uq = 2 (4) + 8 (5) = 10; Uf = Us = 16 (8, stable); evals-demo holds h200-04 (idle): Rf = 8.
  // inquota_free = max(0, min(32, 40 - 16 - 8) - 10) = 6 (it was 22: capped-a's 16 and evals's 8
  // are nobody else's); flex_free = 40 - 10 - 16 - 8 = 6; headroom = 40 - 32 = 8; stable =
  // min(6, max(0, (40 - 16 - 8 - 32) - 0)) = 0; the largest free block is h200-01 (h200-04 is
  // evals-demo's).
  const ClusterFigures& h200 = r.rows[1].figures;
  CHECK((h200.total == 64 && h200.healthy == 40 && h200.assigned == 32 && h200.inquota_used == 10));
  CHECK((h200.flex_used == 16 && h200.flex_stable_used == 16 && h200.reserved_free == 8));
  CHECK((h200.inquota_free == 6 && h200.flex_free == 6 && h200.unbacked == 0));
  CHECK((h200.headroom == 8 && h200.flex_stable_free == 0 && h200.largest_free_block == 8));
  // Partitions: one, gpu, holding every node.
  CHECK(snap.partitions == std::vector<std::string>{"gpu"});
  // Maintenance: maint-now (h200-03) and maint-later (h100-[01-02]); evals-demo is not MAINT.
  REQUIRE(snap.maintenance.size() == 2);
  CHECK(snap.maintenance[0].id == "maint-now");
  CHECK(snap.maintenance[0].state == EventState::in_progress);
  CHECK(snap.maintenance[1].id == "maint-later");
  CHECK(std::vector<std::string>(snap.maintenance[1].nodes.begin(), snap.maintenance[1].nodes.end()) ==
        std::vector<std::string>{"h100-01", "h100-02"});
  CHECK(snap.maintenance[1].state == EventState::scheduled);

  // QOS quotas: capped (gres/gpu:h200=16) is the only leaf; capped-a and capped-b target it.
  o.quota = "qos";
  in = responses("lab-v0.0.38", "v0.0.38");
  Items it = translated(in, o, now);
  REQUIRE(it.quotas.size() == 1);
  CHECK(it.quotas[0]["name"] == "capped");
  CHECK(it.quotas[0]["cluster"] == "lab/h200");
  CHECK((*find(it.jobs, "name", "8"))["quota"] == "capped");
  CHECK((*find(it.jobs, "name", "11"))["quota"] == "capped");
  CHECK((*find(it.jobs, "name", "11"))["gpus"] == 4);
  CHECK((*find(it.jobs, "name", "9"))["quota"] == "flex"); // scavenger: reclaimable
  // Both limits apply: chat-a (5, QOS normal) counts against chat's account limit.
  CHECK(cap_names(*find(it.jobs, "name", "5")) == std::vector<std::string>{"account chat gres/gpu"});
  // Jobs carry what Slurm says of them.
  const json& pending = *find(it.jobs, "name", "11");
  CHECK(pending["pending_reason"] == "QOSGrpGRES");
  CHECK(pending["job_name"] == "capped-b");
  CHECK(pending["partition"] == "gpu");
  CHECK(pending.contains("user"));
  CHECK(pending.contains("submitted_at"));
}

// ---- the streaming reader (slurm::Stream): the nodes and jobs answers read while they arrive,
// in pieces cut anywhere, must translate exactly as the whole bodies do, and anything it cannot
// read must send the caller back to the whole body (docs/slurm.md, "Streaming").

namespace {
// What a translation gives, or the errors it throws, as one text to compare.
std::string outcome(Responses in) {
  try {
    Translation t = translate(in, SlurmOptions{}, 1763400000);
    std::string out = t.cluster + "\n";
    for (const auto& p : t.pages) out += p + "\n";
    for (const auto& w : t.warnings) out += "warning: " + w + "\n";
    return out;
  } catch (const DataError& e) {
    std::string out = "DataError\n";
    for (const auto& l : e.messages()) out += l + "\n";
    return out;
  }
}

// Feeds `body` to `s` as http.cpp does: the pieces of `cuts` (offsets where a piece ends; the
// rest is the last piece), each appended to a buffer that lets go of what the stream no longer
// needs.
void feed(Stream& s, std::string_view body, const std::vector<std::size_t>& cuts) {
  std::string buf;
  std::size_t base = 0, at = 0;
  for (std::size_t k = 0; k <= cuts.size(); ++k) {
    const std::size_t to = k < cuts.size() ? cuts[k] : body.size();
    buf.append(body.substr(at, to - at));
    at = to;
    const std::size_t keep = s.feed(buf, base, k == cuts.size());
    if (s.gave_up()) return;
    if (keep < base || keep > base + buf.size()) FAIL("feed returned " << keep << " for bytes " << base << " on");
    buf.erase(0, keep - base);
    base = keep;
  }
}

// `in` with its nodes or jobs read through a stream cut at `cuts`; nullopt when the stream gave up.
std::optional<Responses> streamed(Responses in, Stream::Of what, const std::vector<std::size_t>& cuts) {
  std::string& body = what == Stream::Of::nodes ? in.nodes : in.jobs;
  auto s = std::make_shared<Stream>(what, what == Stream::Of::nodes ? in.nodes_label : in.jobs_label);
  feed(*s, body, cuts);
  if (s->gave_up()) return std::nullopt;
  if (!s->read()) FAIL("the stream neither read the body nor gave up");
  body.clear();
  (what == Stream::Of::nodes ? in.nodes_stream : in.jobs_stream) = s;
  return in;
}

std::vector<std::size_t> every(std::size_t step, std::size_t size) {
  std::vector<std::size_t> cuts;
  for (std::size_t k = step; k < size; k += step) cuts.push_back(k);
  return cuts;
}
} // namespace

// Where to cut a body in two: every byte offset of the hand-made bodies (edge shapes); of the
// recorded ones, every offset of their start, first two objects, last object and end, and every
// 61st byte between (each cut translates the whole recording once).
std::vector<std::size_t> cuts_of(const std::string& dir, std::string_view body) {
  std::vector<std::size_t> cuts;
  std::size_t head = body.size(), tail = 0;
  if (dir.starts_with("lab")) {
    const std::size_t open = body.find('[', body.find("\"nodes\"") == std::string_view::npos ? body.find("\"jobs\"")
                                                                                             : body.find("\"nodes\""));
    head = body.find("\n    },", body.find("\n    },", open) + 1) + 64;
    tail = body.rfind("\n    {") - 64;
  }
  for (std::size_t cut = 0; cut <= body.size(); cut += cut < head || cut >= tail ? 1 : 61) cuts.push_back(cut);
  return cuts;
}

TEST_CASE("a stream cut anywhere reads what the whole body gives") {
  for (const std::string dir : {"edge-v0.0.38", "lab-v0.0.38"}) {
    const Responses in = responses(dir, "v0.0.38");
    const std::string whole = outcome(in);
    REQUIRE_FALSE(whole.starts_with("DataError"));
    for (Stream::Of what : {Stream::Of::nodes, Stream::Of::jobs}) {
      const std::string& body = what == Stream::Of::nodes ? in.nodes : in.jobs;
      INFO(dir << (what == Stream::Of::nodes ? " nodes" : " jobs"));
      for (std::size_t cut : cuts_of(dir, body)) {
        const auto s = streamed(in, what, {cut});
        if (!s) FAIL("cut at byte " << cut << ": the stream gave up");
        if (outcome(*s) != whole) FAIL("cut at byte " << cut << " reads differently");
      }
    }
  }
}

TEST_CASE("a stream fed one byte at a time, or in pieces of every newer version, reads the same") {
  const Responses lab = responses("lab-v0.0.38", "v0.0.38");
  for (Stream::Of what : {Stream::Of::nodes, Stream::Of::jobs}) {
    const std::size_t size = (what == Stream::Of::nodes ? lab.nodes : lab.jobs).size();
    const auto s = streamed(lab, what, every(1, size));
    REQUIRE(s);
    CHECK(outcome(*s) == outcome(lab));
  }
  for (const std::string v : {"v0.0.39", "v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"}) {
    INFO(v);
    const Responses in = responses("slurmweb/" + v, v);
    for (std::size_t step : {7, 64, 1000}) {
      auto s = streamed(in, Stream::Of::nodes, every(step, in.nodes.size()));
      REQUIRE(s);
      s = streamed(*s, Stream::Of::jobs, every(step + 1, in.jobs.size()));
      REQUIRE(s);
      CHECK(outcome(*s) == outcome(in));
    }
  }
}

TEST_CASE("a body the stream cannot read whole makes it give up, and the whole body words the error") {
  const Responses lab = responses("lab-v0.0.38", "v0.0.38");
  const std::size_t second = lab.jobs.find("\n    {", lab.jobs.find("\"jobs\"") + 12);
  REQUIRE(second != std::string::npos);
  SECTION("a body that ends mid-object") {
    for (std::size_t end : {lab.jobs.size() / 2, second + 3, lab.jobs.size() - 3}) {
      Responses cut = lab;
      cut.jobs.resize(end);
      CHECK_FALSE(streamed(cut, Stream::Of::jobs, every(100, end)));
      CHECK(outcome(cut).starts_with("DataError\nGET /slurm/v0.0.38/jobs: invalid JSON"));
    }
  }
  SECTION("invalid JSON inside an object") {
    Responses bad = lab;
    bad.jobs.insert(second + 8, "nul");
    CHECK_FALSE(streamed(bad, Stream::Of::jobs, every(100, bad.jobs.size())));
    CHECK(outcome(bad).starts_with("DataError\n"));
  }
  SECTION("not an object at the top") {
    Responses bad = lab;
    bad.nodes = "[" + bad.nodes + "]";
    CHECK_FALSE(streamed(bad, Stream::Of::nodes, {}));
  }
}

TEST_CASE("problems a stream finds are the whole body's, object by object") {
  Responses in = responses("lab-v0.0.38", "v0.0.38");
  // The second job is a number, the third has a job_state of the wrong type.
  const std::size_t open = in.jobs.find('[', in.jobs.find("\"jobs\"")) + 1;
  in.jobs.insert(open, "42, {\"job_id\": 7, \"job_state\": {}}, ");
  const std::string whole = outcome(in);
  REQUIRE(whole.starts_with("DataError\n"));
  CHECK(whole.find("jobs[0]: must be an object, got 42") != std::string::npos);
  for (std::size_t step : {1, 5, 333}) {
    const auto s = streamed(in, Stream::Of::jobs, every(step, in.jobs.size()));
    REQUIRE(s);
    CHECK(outcome(*s) == whole);
  }
}

TEST_CASE("a stream restarted (a retry) reads only what came after") {
  const Responses lab = responses("lab-v0.0.38", "v0.0.38");
  auto s = std::make_shared<Stream>(Stream::Of::jobs, lab.jobs_label);
  std::string half = lab.jobs.substr(0, lab.jobs.size() / 2);
  s->feed(half, 0, false);
  s->restart();
  feed(*s, lab.jobs, every(4096, lab.jobs.size()));
  REQUIRE(s->read());
  Responses in = lab;
  in.jobs.clear();
  in.jobs_stream = s;
  CHECK(outcome(in) == outcome(lab));
}
