// The command line (SPEC §7): parses argv, runs one command, returns what goes to stdout.
#pragma once

#include <ostream>
#include <string>

namespace fleetcap::cli {

// Warnings and --verbose lines go to `err` as they happen; the command's output is returned
// whole, so nothing reaches stdout when a later step fails. Throws fleetcap::Error.
std::string run(int argc, const char* const* argv, std::ostream& err);

} // namespace fleetcap::cli
