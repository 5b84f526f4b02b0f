// `snapshot save DIR`: a directory a later run can use as --source (docs/fleet-api.md).
#include "fleetcap/error.hpp"
#include "fleetcap/interrupt.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "fleetcap/source/local_file.hpp"
#include "fleetcap/source/source.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace fleetcap {
namespace fs = std::filesystem;

namespace {

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string temp_prefix(const fs::path& target) { return fmt::format(".{}.tmp-", target.filename().string()); }

// A save killed with SIGKILL leaves its hidden temporary folder behind; the next save of the same
// DIR removes those whose process is gone.
void remove_stale_temps(const fs::path& parent, const fs::path& target) {
  const std::string prefix = temp_prefix(target);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) fs::remove_all(entry.path(), ec);
  }
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
  if (dir.empty())
    throw UsageError("snapshot save: DIR is empty; name the directory to write, like ./fleet-2026-11-20");
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

namespace {
// snapshot.json: when and from what; a fleet's sources with their clusters (docs/sources.md).
std::string meta_text(Time taken_at, const std::string& source, const Snapshot* fleet) {
  json::JsonWriter meta;
  meta.begin_object().field("taken_at", format_rfc3339(taken_at)).field("source", display_source(source));
  if (fleet && fleet->sources.size() > 1) {
    meta.key("sources").begin_array();
    for (std::size_t i = 0; i < fleet->sources.size(); ++i) {
      const SourceStatus& s = fleet->sources[i];
      meta.begin_object().field("name", s.name).field("kind", s.kind).field("source", s.source);
      meta.field("fetched_at", format_rfc3339(s.fetched_at)).key("taken_at");
      if (s.taken_at)
        meta.value(format_rfc3339(*s.taken_at));
      else
        meta.value(nullptr);
      meta.field("version", s.version).field("auth", s.auth).key("clusters").begin_array();
      for (const auto& c : fleet->clusters)
        if (c.source == i) meta.value(c.name);
      meta.end_array().end_object();
    }
    meta.end_array();
  }
  return meta.end_object().finish();
}
} // namespace

void save_snapshot(const std::string& dir, const RawItems& raw, Time taken_at, const std::string& source, bool force,
                   const Snapshot* fleet) {
  check_snapshot_target(dir, force);
  const fs::path target = target_path(dir);
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  remove_stale_temps(parent, target);
  const fs::path tmp = parent / fmt::format("{}{}", temp_prefix(target), ::getpid());
  // From here until DIR is in place, a signal does not end the process at once: the loop below
  // sees it and the catch removes the temporary folder (Ctrl-C, SIGTERM, SIGHUP).
  const DeferInterrupts defer;
  if (interrupt_requested()) throw InterruptedError();
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec))
    throw RuntimeError(fmt::format("cannot create {}: {}", tmp.string(), ec.message()));
  try {
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      if (interrupt_requested()) throw InterruptedError();
      std::vector<std::string_view> text = {"{\"api_version\": \"v1\", \"items\": ["};
      for (const auto& page : raw[i]) {
        if (page.find_first_not_of(" \t\r\n") == std::string::npos) continue;
        if (text.size() > 1) text.push_back(",");
        text.push_back(page);
      }
      text.push_back("], \"next_page_token\": null}\n");
      const fs::path file = tmp / fmt::format("{}.json", to_string(kResources[i]));
      write_local_file(file.string(), text, file.string());
    }
    write_local_file((tmp / "snapshot.json").string(), {meta_text(taken_at, source, fleet)},
                     (tmp / "snapshot.json").string());
    sync_dir(tmp);
    // Ctrl-C while writing: leave nothing rather than a snapshot the user was told was interrupted.
    if (interrupt_requested()) throw InterruptedError();
    if (fs::exists(target, ec)) {
      // Swap the new folder with the old in one step, so DIR is always a whole snapshot, then drop
      // the old one (now at the temporary name).
      if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
        throw RuntimeError(fmt::format("cannot replace {}: {}", dir, std::strerror(errno)));
      fs::remove_all(tmp, ec);
    } else {
      fs::rename(tmp, target, ec);
      if (ec) throw RuntimeError(fmt::format("cannot rename {} to {}: {}", tmp.string(), dir, ec.message()));
    }
    sync_dir(parent);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

} // namespace fleetcap
