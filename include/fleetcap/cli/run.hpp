// The command line (docs/cli.md): parses argv, runs one command, returns what goes to stdout.
#pragma once

#include <ostream>
#include <string>

namespace fleetcap::cli {

// Warnings and --verbose lines go to `err` as they happen. The command's output goes to `out`,
// only once everything it needs is loaded, checked and computed, so nothing reaches `out` when
// a step fails: in one piece, or for `maintenance plan` as it is rendered. Throws
// fleetcap::Error. Returns the exit status of a run that answered: 0, or 4 for a --partial
// answer that left a failed source out (docs/sources.md).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace fleetcap::cli
