// Cross-item rules of docs/fleet-api.md and the lookups built from them.
#pragma once

#include "fleetcap/model/model.hpp"

#include <memory>
#include <string>
#include <vector>

namespace fleetcap {

// Checks every rule that spans items (unique names, references, the quota tree, jobs against
// their quota's cluster, event times), appending one message per violation to `errors` in
// resource order, and fills snap.index and the items' linked fields. Warnings (health values
// other than healthy/unhealthy) go to snap.warnings, one per value.
void link(Snapshot& snap, std::vector<std::string>& errors);

// link() in stages, each run as soon as the resources it needs are parsed, on whichever
// thread is free: a loader links nodes, quotas and events while jobs are still arriving, and
// checks job names on one core while linking jobs on another (docs/design.md). Errors and
// warnings come out in link()'s order whatever order the stages ran in.
class Linker {
public:
  explicit Linker(Snapshot& snap);
  ~Linker();
  Linker(const Linker&) = delete;
  Linker& operator=(const Linker&) = delete;

  // From the thread that parsed `r` (ok: valid JSON, so its items may be linked), after the
  // last write to the resource's vector; runs on this thread the stages that became ready.
  void parsed(Resource r, bool ok);
  // Runs stages as they become ready until all have run or none can start any more (every
  // resource reported, some not ok).
  void run_until_done();
  bool complete() const; // every stage ran
  // Appends the stages' errors and warnings in link()'s order; rethrows a stage's exception.
  void take(std::vector<std::string>& errors, std::vector<std::string>& warnings);

private:
  struct State;
  std::unique_ptr<State> state_;
};

} // namespace fleetcap
