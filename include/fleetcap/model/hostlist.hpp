// Slurm hostlists (docs/slurm.md): node names written as runs, `h100-[01-04,07],h200-01`.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace fleetcap {

// The hostlist Slurm would print for these names: names that differ only in a trailing number
// share a bracket of ranges (sorted, zero padding kept: 01 and 1 are different widths), in the
// order their prefixes first appear; a name without a trailing number stays as it is.
// Duplicates are written once. The inverse of the Slurm adapter's expand_hostlist.
std::string compress_hostlist(std::span<const std::string_view> names);

} // namespace fleetcap
