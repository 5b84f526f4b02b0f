// Snapshots for unit tests: the SPEC §8 worked example from examples/fleet/worked, and small
// fleets written inline as one JSON items list per resource.
#pragma once

#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/source/source.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

namespace fleetcap::test {

inline Snapshot load_worked() {
  SourceOptions o;
  o.source = FLEETCAP_SOURCE_DIR "/examples/fleet/worked";
  return load_snapshot(o);
}

// 2026-11-20T12:00:00Z, the worked example's taken_at.
inline Time worked_at() { return *parse_rfc3339("2026-11-20T12:00:00Z"); }

inline Time at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

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
