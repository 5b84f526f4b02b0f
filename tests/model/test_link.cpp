// Linking in stages while resources load (load_snapshot's Linker) must report exactly what the
// sequential link() reports, in the same order. tests/data/bad-links is the worked example
// with one break per link stage; the expected lines were checked by hand against docs/fleet-api.md
// (a node of an unknown cluster is reported once, not again for each job on it).
#include "fleetcap/error.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/source/source.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fleetcap;

namespace {
const std::string kBadLinks = FLEETCAP_SOURCE_DIR "/tests/data/bad-links";

std::vector<std::string> load_errors(const SourceOptions& o) {
  try {
    (void)load_snapshot(o);
  } catch (const DataError& e) {
    return e.messages();
  }
  return {};
}
} // namespace

TEST_CASE("Staged linking reports every cross-item error in resource order") {
  const std::vector<std::string> expected = {
      R"(clusters[3] "tiger": field "name" duplicates clusters[0])",
      R"(nodes[20] "t01": field "name" duplicates nodes[0])",
      R"(nodes[3] "t04": field "cluster" names unknown cluster "nowhere")",
      R"(quotas[8] "stray": field "parent" names unknown quota "nobody")",
      R"(jobs[8] "j1": field "name" duplicates jobs[0])",
      R"(jobs[1] "j2": field "quota" names unknown quota "no/such" (a leaf quota or "flex"))",
      R"(jobs[2] "j3": field "nodes" names node "l01" of cluster "lion", not "tiger")",
      R"(jobs[2] "j3": field "nodes" names unknown node "zz")",
      R"(maintenance[0] "m1": field "nodes" names unknown node "nope")",
      R"(maintenance[1] "m2": field "end" (2026-11-21T18:00:00Z) must be after "start" (2026-11-21T18:00:00Z))",
  };
  SourceOptions o;
  o.source = kBadLinks;
  CHECK(load_errors(o) == expected);

  // The same items parsed but not linked, then linked in one go by link().
  o.only.assign(kResources.begin(), kResources.end());
  Snapshot snap = load_snapshot(o);
  CHECK(snap.index.node_by_name.size() == 0); // not linked yet
  std::vector<std::string> errors;
  link(snap, errors);
  CHECK(errors == expected);
}

TEST_CASE("Staged linking gives the index link() gives, and its warnings") {
  // The worked example with one health value that is neither healthy nor unhealthy.
  const auto dir = std::filesystem::temp_directory_path() / "fleetcap-test-link-warning";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(FLEETCAP_SOURCE_DIR "/examples/fleet/worked", dir);
  {
    std::ifstream in(dir / "nodes.json");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const auto at = text.find(R"("health": "healthy")");
    REQUIRE(at != std::string::npos);
    text.replace(at, 19, R"("health": "degraded")");
    std::ofstream(dir / "nodes.json") << text;
  }
  SourceOptions o;
  o.source = dir.string();
  const Snapshot staged = load_snapshot(o);
  REQUIRE(staged.warnings.size() == 1);
  CHECK(staged.warnings[0] ==
        R"(nodes: health "degraded" is neither "healthy" nor "unhealthy"; 1 node with it counts as not healthy)");

  o.only.assign(kResources.begin(), kResources.end());
  Snapshot sequential = load_snapshot(o);
  std::vector<std::string> errors;
  link(sequential, errors);
  CHECK(errors.empty());
  CHECK(sequential.warnings == staged.warnings);
  REQUIRE(sequential.index.islands.size() == staged.index.islands.size());
  for (std::size_t i = 0; i < staged.index.islands.size(); ++i) {
    CHECK(sequential.index.islands[i].name == staged.index.islands[i].name);
    CHECK(sequential.index.islands[i].nodes == staged.index.islands[i].nodes);
  }
  // docs/worked-example.md: tiger's islands, t01-t06 and t07-t12.
  CHECK(staged.index.islands[0].name == "tiger-ib1");
  CHECK(staged.index.islands[0].nodes == std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5});
  for (std::size_t n = 0; n < staged.nodes.size(); ++n) {
    const auto a = staged.index.node_jobs[n], b = sequential.index.node_jobs[n];
    CHECK(std::vector<std::uint32_t>(a.begin(), a.end()) == std::vector<std::uint32_t>(b.begin(), b.end()));
  }
  // j1 runs on t01-t04 (docs/worked-example.md).
  const auto t01 = staged.find_node("t01");
  REQUIRE(t01 != kNone);
  REQUIRE(staged.index.node_jobs[t01].size() == 1);
  CHECK(staged.jobs[staged.index.node_jobs[t01][0]].name == "j1");
  std::filesystem::remove_all(dir);
}
