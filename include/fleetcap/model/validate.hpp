// Cross-item rules of SPEC §3.2 and the lookups built from them.
#pragma once

#include "fleetcap/model/model.hpp"

#include <string>
#include <vector>

namespace fleetcap {

// Checks every rule that spans items (unique names, references, the quota tree, jobs against
// their quota's cluster, event times), appending one message per violation to `errors` in
// resource order, and fills snap.index and the items' linked fields. Warnings (health values
// other than healthy/unhealthy) go to snap.warnings, one per value.
void link(Snapshot& snap, std::vector<std::string>& errors);

} // namespace fleetcap
