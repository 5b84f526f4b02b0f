// The command line (docs/cli.md): parses argv, runs one command, returns what goes to stdout.
#pragma once

#include <ostream>
#include <string>

namespace fleetcap::cli {

// Warnings and --verbose lines go to `err` as they happen. The command's output goes to `out`,
// only once everything it needs is loaded, checked and computed, so nothing reaches `out` when
// a step fails: in one piece, or for `maintenance plan` as it is rendered. Throws
// fleetcap::Error.
void run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace fleetcap::cli
