// Slurm through slurmrestd (ADAPTERS.md §A). Not yet written.
#include "fleetcap/error.hpp"
#include "loader.hpp"

#include <fmt/format.h>

namespace fleetcap::source {

std::unique_ptr<Source> make_slurm_source(const SourceOptions& o) {
  throw UsageError(fmt::format("--source {}: Slurm sources are not supported yet", display_source(o.source)));
}

} // namespace fleetcap::source
