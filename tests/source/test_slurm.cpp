// The Slurm adapter's translation (src/source/slurm*.cpp) against recorded slurmrestd responses of
// every data parser version, and hand-made edge shapes (tests/data/slurm/).
#include "fleetcap/error.hpp"
#include "source/slurm.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

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

[[maybe_unused]] const json* find(const json& items, const std::string& key, const std::string& name) {
  for (const auto& i : items)
    if (i.value(key, "") == name) return &i;
  return nullptr;
}
} // namespace

TEST_CASE("slurm: dump", "[.dump]") {
  for (const char* v : {"v0.0.39", "v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"}) {
    Items it = translated(responses(std::string("slurmweb/") + v, v));
    std::cout << "== " << v << " cluster " << it.cluster << "\n" << it.clusters.dump() << "\n" << it.nodes.dump() << "\n"
              << it.quotas.dump() << "\n" << it.jobs.dump() << "\n" << it.maintenance.dump() << "\n";
    for (auto& w : it.warnings) std::cout << "W: " << w << "\n";
  }
}
