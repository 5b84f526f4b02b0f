// A folder of saved snapshots as health history (`overalloc --history DIR`, docs/overalloc.md).
#pragma once

#include "fleetcap/model/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fleetcap {

// The subdirectories of `dir`, sorted by name. Throws RuntimeError when `dir` is not a
// directory.
std::vector<std::string> snapshot_dirs(const std::string& dir);

// taken_at from `dir`/snapshot.json alone (no other file is read), so snapshots outside the
// history window are skipped without loading them. nullopt when there is no snapshot.json or
// it has no taken_at; DataError when it is not valid.
std::optional<Time> snapshot_taken_at(const std::string& dir);

} // namespace fleetcap
