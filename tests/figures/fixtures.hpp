// Snapshots the figure and render tests share: the SPEC §8 worked example and the small fleet
// of tests/data/fleets/small (README.md there gives its figures, worked out by hand).
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/source/source.hpp"

#include <string>

namespace fleetcap::test {

inline Snapshot load_fixture(const std::string& relative) {
  SourceOptions o; // not a designated initializer: -Wmissing-field-initializers
  o.source = std::string(FLEETCAP_SOURCE_DIR) + "/" + relative;
  return load_snapshot(o);
}
inline Snapshot worked() { return load_fixture("examples/fleet/worked"); }
inline Snapshot small() { return load_fixture("tests/data/fleets/small"); }
inline FleetAt at_snapshot(const Snapshot& snap) { return evaluate(snap, *snap.taken_at); }

} // namespace fleetcap::test
