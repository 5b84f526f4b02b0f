// Writing a file whole: the one way fleetcap writes its outputs to disk (snapshot save's
// resources, report --html's page).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

// Writes `pieces` one after the other to `path` (a large text need not be copied into one
// string first) and flushes it to disk (fsync) before returning, so a rename that publishes it
// never publishes a file whose data is not there. With `replace`, it is written to PATH.tmp and
// renamed over `path`, so a reader never sees half a file; a `path` that exists and is not a
// regular file (/dev/null, a FIFO) is written in place instead, since renaming over it would
// replace the device, and is not synced. Errors are RuntimeErrors "cannot write `what`: why".
void write_file(const std::string& path, const std::vector<std::string_view>& pieces, std::string_view what,
                bool replace = false);

} // namespace fleetcap
