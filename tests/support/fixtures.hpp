// More for unit tests, beside figures/fixtures.hpp (the worked example and the small fleet):
// the worked example's instant, times, and small fleets written inline, one JSON items list
// per resource.
#pragma once

#include "figures/fixtures.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/source/source.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

namespace fleetcap::test {

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
