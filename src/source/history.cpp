#include "fleetcap/source/history.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/source/local_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fleetcap {
namespace fs = std::filesystem;
namespace {
constexpr std::uint64_t kMetaLimit = std::uint64_t{1} << 20;
} // namespace

std::vector<std::string> snapshot_dirs(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw RuntimeError(fmt::format("--history {}: no such directory", dir));
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && !entry.path().filename().string().starts_with("."))
      out.push_back(entry.path().string());
  if (ec) throw RuntimeError(fmt::format("--history {}: {}", dir, ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Time> snapshot_taken_at(const std::string& dir) {
  const fs::path path = fs::path(dir) / "snapshot.json";
  LocalRead read = read_local_file(path.string(), kMetaLimit, "1 MiB, too large for a snapshot.json");
  if (read.missing) return std::nullopt;
  if (!read.bytes) throw RuntimeError(fmt::format("--history: {}", read.error));
  return parse_snapshot_meta(path.string(), *read.bytes).taken_at;
}

} // namespace fleetcap
