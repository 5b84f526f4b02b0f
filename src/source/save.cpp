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

void save_snapshot(const std::string& dir, const RawItems& raw, Time taken_at, const std::string& source, bool force) {
  const fs::path target = fs::path(dir).lexically_normal();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::exists(target, ec) && !force)
    throw RuntimeError(fmt::format("{} already exists; pass --force to replace it", dir));
  fs::create_directories(parent, ec);
  const fs::path tmp = parent / fmt::format(".{}.tmp-{}", target.filename().string(), ::getpid());
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
    if (fs::exists(target, ec)) fs::remove_all(target, ec);
    fs::rename(tmp, target, ec);
    if (ec) throw RuntimeError(fmt::format("cannot rename {} to {}: {}", tmp.string(), dir, ec.message()));
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

} // namespace fleetcap
