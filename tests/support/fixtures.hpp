// The one fixtures header of the unit tests: the fleets kept under examples/ and tests/data/
// (each loaded through load_snapshot, as a directory source, like `--source DIR`), the worked
// example's instant, times, golden text, small fleets written inline, one JSON items list per
// resource, and a temporary folder of a test's own. The worked example is docs/worked-example.md;
// tests/data/fleets/small has its figures, worked out by hand, in the README.md beside it.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/source/source.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fleetcap::test {

// A fleet directory of the repository, e.g. "tests/data/maintenance/edge", loaded afresh.
inline Snapshot load_fixture(const std::string& relative) {
  SourceOptions o; // not a designated initializer: -Wmissing-field-initializers
  o.source = std::string(FLEETCAP_SOURCE_DIR) + "/" + relative;
  return load_snapshot(o);
}
inline Snapshot worked() { return load_fixture("examples/fleet/worked"); }
inline Snapshot small() { return load_fixture("tests/data/fleets/small"); }
inline Snapshot edge() { return load_fixture("tests/data/maintenance/edge"); }
inline Snapshot demo() { return load_fixture("examples/fleet/demo"); }
inline FleetAt at_snapshot(const Snapshot& snap) { return evaluate(snap, *snap.taken_at); }

// 2026-11-20T12:00:00Z, the worked example's taken_at.
inline Time worked_at() { return *parse_rfc3339("2026-11-20T12:00:00Z"); }

inline Time at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

// A file's whole text; "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Golden text under tests/data/golden/, checked by hand against the formulas once.
inline std::string golden(const std::string& name) {
  const std::filesystem::path p = std::string(FLEETCAP_SOURCE_DIR) + "/tests/data/golden/" + name;
  INFO("golden file " << name);
  REQUIRE(std::filesystem::is_regular_file(p));
  return read_file(p);
}

// A folder of the test's own under the system's temporary folder, removed with all it holds
// when the test ends.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("fleetcap-unit-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `text` to `name` inside; its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

// Parses each resource's items (which must be valid) and links them.
inline Snapshot snapshot_of(const std::map<Resource, std::string>& items) {
  Snapshot snap;
  std::vector<std::string> errors;
  for (const auto& [r, text] : items) {
    std::string bytes = "{\"api_version\": \"v1\", \"items\": [" + text + "]}";
    parse_page(r, std::string(to_string(r)), bytes, snap, errors);
  }
  link(snap, errors);
  INFO("fixture errors");
  REQUIRE(errors == std::vector<std::string>{});
  return snap;
}

} // namespace fleetcap::test
