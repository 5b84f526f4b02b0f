// `fleetcap jobs` as a table, JSON (fleetcap.jobs/v1), CSV or names.
#pragma once

#include "fleetcap/figures/jobs.hpp"
#include "fleetcap/render/output.hpp"

#include <iosfwd>
#include <string>

namespace fleetcap {

struct JobsView {
  const JobsReport* report = nullptr;
  const JobsQuery* query = nullptr;
  std::string node, quota;               // --node, --quota, as given
  const PendingDemand* demand = nullptr; // --pending --by: the groups instead of the jobs
};

// With `sink`, a JSON document goes there as it is written (tens of MB on a large fleet) and the
// result is empty; every other form is returned whole.
std::string render_jobs(const JobsView& v, const Snapshot& snap, const RenderOptions& o, std::ostream* sink = nullptr);

} // namespace fleetcap
