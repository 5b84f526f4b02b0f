// Every local read fleetcap makes (snapshot files, --token-file, --cacert, --history folders,
// the config file) goes through here: a regular file only, never more than a limit, and never
// blocking. A FIFO would block the open and then the read forever; /dev/zero never ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

struct LocalRead {
  std::optional<std::string> bytes; // the whole file, with room for the parser's padding
  bool missing = false;             // no such file (the caller may take that as "none")
  std::string error;                // else why not, naming the path: "F is a FIFO, not a regular file"
};

// Reads `path` whole: refuses anything but a regular file, and a file larger than `limit` bytes
// (`limit_name` says which limit, e.g. "--max-response-mb 2048 MiB").
LocalRead read_local_file(const std::string& path, std::uint64_t limit, const std::string& limit_name);

// Opens `path` for reading without blocking: the descriptor, or -1 with `error` set (and
// `missing` for ENOENT). Refuses what is not a regular file or is larger than `limit`.
int open_local_file(const std::string& path, std::uint64_t limit, const std::string& limit_name, std::string& error,
                    bool* missing = nullptr);

// Every file fleetcap writes (snapshot save's files, report --html FILE) goes through here, so
// what a file gets is what stdout would: redacted by the same SecretFilter (fleetcap/secrets.hpp),
// piece by piece (a large page is never copied whole), and a secret a server echoed into a name
// never reaches a file. `pieces` are written one after the other into `path` (created, or
// truncated), then fsynced when it is a regular file. With `replace`, it is written to PATH.tmp
// and renamed over `path`, so a reader never sees half a file; a `path` that exists and is not a
// regular file (/dev/null, a FIFO) is written in place instead, since renaming over it would
// replace the device. Throws RuntimeError "cannot write {what}: ...".
void write_local_file(const std::string& path, const std::vector<std::string_view>& pieces, const std::string& what,
                      bool replace = false);

// A human name for a file type ("a FIFO", "a character device", "a directory", ...).
std::string file_kind(unsigned mode);

} // namespace fleetcap
