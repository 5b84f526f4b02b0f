// `snapshot save DIR`: a directory a later run can use as --source (SPEC §3).
#include "fleetcap/error.hpp"
#include "fleetcap/source/source.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fleetcap {
namespace fs = std::filesystem;

namespace {
void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw RuntimeError(fmt::format("cannot write {}", path.string()));
}
} // namespace

namespace {
// DIR as an absolute path without a trailing "/." or "/", so "." and "out/" have a name and a parent.
fs::path target_path(const std::string& dir) {
  fs::path target = fs::absolute(fs::path(dir)).lexically_normal();
  if (!target.has_filename() && target.has_parent_path() && target != target.root_path()) target = target.parent_path();
  return target;
}

bool snapshot_file(const std::string& name) {
  if (name == "snapshot.json") return true;
  for (Resource r : kResources)
    if (name == fmt::format("{}.json", to_string(r))) return true;
  return false;
}
} // namespace

// --force replaces only what a save wrote: a directory holding snapshot.json and resource files,
// nothing else. `snapshot save --force .` or `--force ~` must never empty a directory.
void check_snapshot_target(const std::string& dir, bool force) {
  const fs::path target = target_path(dir);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(target, ec))) return;
  if (!force) throw RuntimeError(fmt::format("{} already exists; pass --force to replace it", dir));
  if (!fs::is_directory(fs::symlink_status(target, ec)) || !target.has_filename())
    throw RuntimeError(fmt::format("{} exists and is not a snapshot directory; refusing to replace it", dir));
  if (!fs::exists(target / "snapshot.json", ec))
    throw RuntimeError(
        fmt::format("{} exists and is not a snapshot directory (no snapshot.json); refusing to replace it", dir));
  for (const auto& entry : fs::directory_iterator(target, ec)) {
    const std::string name = entry.path().filename().string();
    if (!snapshot_file(name) || !entry.is_regular_file())
      throw RuntimeError(fmt::format("{} holds {}, which fleetcap did not write; refusing to replace it", dir, name));
  }
  if (ec) throw RuntimeError(fmt::format("cannot read {}: {}", dir, ec.message()));
}

void save_snapshot(const std::string& dir, const RawItems& raw, Time taken_at, const std::string& source, bool force) {
  check_snapshot_target(dir, force);
  const fs::path target = target_path(dir);
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  const fs::path tmp = parent / fmt::format(".{}.tmp-{}", target.filename().string(), ::getpid());
  const fs::path old = parent / fmt::format(".{}.old-{}", target.filename().string(), ::getpid());
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec)) throw RuntimeError(fmt::format("cannot create {}: {}", tmp.string(), ec.message()));
  try {
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      std::string text = "{\"api_version\": \"v1\", \"items\": [";
      bool first = true;
      for (const auto& page : raw[i]) {
        if (page.find_first_not_of(" \t\r\n") == std::string::npos) continue;
        if (!first) text += ',';
        text += page;
        first = false;
      }
      text += "], \"next_page_token\": null}\n";
      write_file(tmp / fmt::format("{}.json", to_string(kResources[i])), text);
    }
    nlohmann::ordered_json meta = {{"taken_at", format_rfc3339(taken_at)}, {"source", display_source(source)}};
    write_file(tmp / "snapshot.json", meta.dump(2) + "\n");
    // Move the old snapshot aside rather than deleting it first: a failed rename leaves it in place.
    const bool replacing = fs::exists(target, ec);
    if (replacing) {
      fs::remove_all(old, ec);
      fs::rename(target, old, ec);
      if (ec) throw RuntimeError(fmt::format("cannot move {} aside: {}", dir, ec.message()));
    }
    fs::rename(tmp, target, ec);
    if (ec) {
      const std::string why = ec.message();
      if (replacing) fs::rename(old, target, ec);
      throw RuntimeError(fmt::format("cannot rename {} to {}: {}", tmp.string(), dir, why));
    }
    if (replacing) fs::remove_all(old, ec);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

} // namespace fleetcap
