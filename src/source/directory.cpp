// A saved snapshot directory (docs/fleet-api.md): one <resource>.json per resource, parsed concurrently,
// large files through a window as they are read.
#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/source/local_file.hpp"
#include "loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fleetcap::source {
namespace fs = std::filesystem;
namespace {

// What a local file may hold: the same cap as a response (--max-response-mb).
std::uint64_t file_limit(const SourceOptions& o) { return static_cast<std::uint64_t>(o.max_response_mb) << 20; }
std::string file_limit_name(const SourceOptions& o) {
  return fmt::format("--max-response-mb {} MiB", o.max_response_mb);
}

// A large file parsed as it is read, through a window of a few MiB (PageStream), so neither the
// whole file nor a parser index for all of it is in memory. Nothing when the file is small, or
// cannot be read, or the stream gave up (invalid JSON, say): the caller reads and parses it
// whole, which also words the error.
std::optional<PageResult> stream_file(Resource r, const fs::path& path, Snapshot& snap,
                                      std::vector<std::string>& errors, std::uint64_t limit, const Cancel& cancel) {
  constexpr std::size_t kRead = std::size_t{1} << 20;
  std::string why;
  const int fd = open_local_file(path.string(), limit, "", why); // read_local_file words a refusal
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < kRead) {
    ::close(fd);
    return std::nullopt;
  }
  PageStream stream(r, snap, errors, static_cast<std::size_t>(st.st_size));
  std::string window; // bytes [base, base + window.size()) of the file
  std::size_t base = 0;
  window.reserve(2 * kRead + kParsePadding);
  for (;;) {
    if (window.capacity() - window.size() < kRead + kParsePadding) // an item larger than the window
      window.reserve(window.size() + kRead + kParsePadding);
    const std::size_t had = window.size();
    window.resize(had + kRead);
    const ssize_t n = ::read(fd, window.data() + had, kRead);
    if (n < 0 && errno == EINTR) {
      window.resize(had);
      continue;
    }
    window.resize(had + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 || interrupt_requested() || cancel.requested()) { // a signal while Workers live (tasks.hpp)
      ::close(fd);
      stream.restart(); // takes its items back
      return std::nullopt;
    }
    if (n == 0) break;
    if (base + window.size() > limit) { // the file grew past the cap while read
      ::close(fd);
      stream.restart();
      return std::nullopt;
    }
    const std::size_t keep = stream.feed(window, base);
    if (stream.gave_up()) break;
    window.erase(0, keep - base);
    base = keep;
  }
  ::close(fd);
  return stream.finish(path.string(), window, base);
}

void read_resource(Resource r, const fs::path& dir, const SourceOptions& o, Snapshot& snap,
                   std::vector<std::string>* raw, Outcome& out, const Cancel& cancel) {
  const fs::path path = dir / fmt::format("{}.json", to_string(r));
  if (interrupt_requested()) {
    out.interrupted = true;
    return;
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (optional_resource(r))
      out.warning = fmt::format("{} has no {}; taking it as none", dir.string(), path.filename().string());
    else
      out.failed = fmt::format("snapshot directory {} has no {}", dir.string(), path.filename().string());
    return;
  }
  if (!raw) {
    if (auto page = stream_file(r, path, snap, out.errors, file_limit(o), cancel)) {
      out.json_ok = page->json_ok;
      return;
    }
    if (interrupt_requested()) {
      out.interrupted = true;
      return;
    }
    if (cancel.requested()) throw Cancelled();
  }
  LocalRead read = read_local_file(path.string(), file_limit(o), file_limit_name(o));
  if (!read.bytes) {
    out.failed = read.error;
    return;
  }
  std::string* bytes = &*read.bytes;
  out.json_ok = parse_page(r, path.string(), *bytes, snap, out.errors).json_ok;
  if (raw && out.errors.empty()) raw->push_back(items_text(path.string(), *bytes));
}

class DirectorySource : public Source {
public:
  void load(Loader& loader) override {
    const SourceOptions& o = loader.options();
    Snapshot& snap = loader.snapshot();
    const fs::path dir(o.source);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (o.source.find("://") != std::string::npos)
        throw UsageError(fmt::format("--source \"{}\" is neither an http(s) URL nor a directory", o.source));
      throw RuntimeError(fmt::format("--source {}: no such directory", o.source));
    }
    LocalRead meta_read = read_local_file((dir / "snapshot.json").string(), file_limit(o), file_limit_name(o));
    SnapshotMeta meta;
    if (meta_read.bytes) {
      meta = parse_snapshot_meta((dir / "snapshot.json").string(), *meta_read.bytes);
      snap.taken_at = meta.taken_at;
    } else if (!meta_read.missing) {
      throw RuntimeError(meta_read.error);
    }
    // Files are parsed concurrently, as many at once as there are cores, largest first so the
    // big ones (jobs, nodes) overlap; each resource still fills only its own vector.
    std::array<std::size_t, kResources.size()> order;
    std::array<std::uintmax_t, kResources.size()> sizes{};
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      order[i] = i;
      if (!loader.wanted(kResources[i])) continue;
      std::error_code size_ec;
      const auto size = fs::file_size(dir / fmt::format("{}.json", to_string(kResources[i])), size_ec);
      sizes[i] = size_ec ? 0 : size;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
    // As many at once as there are cores; a failure (a missing file) is the resource's outcome,
    // reported by Loader::finish in resource order, while an exception (out of memory) stops the rest.
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kResources.size());
    Tasks tasks(loader.cancel(), threads);
    for (std::size_t i : order) {
      const Resource r = kResources[i];
      if (loader.wanted(r))
        loader.spawn(tasks, r, [&, r](Cancel& cancel) {
          read_resource(r, dir, o, snap, loader.raw(r), loader.outcome(r), cancel);
        });
    }
    loader.link_while_waiting(); // link what is parsed while the other threads still parse
    tasks.join();
    loader.describe(meta.sources.size() > 1 ? fmt::format("a saved fleet of {} sources", meta.sources.size()) : "",
                    "local files");
    if (meta.sources.size() > 1) fleet_sources(meta, snap);
  }

private:
  // A fleet saved from several sources answers as it did: its sources, each cluster's among them.
  static void fleet_sources(SnapshotMeta& meta, Snapshot& snap) {
    snap.sources = std::move(meta.sources);
    for (auto& c : snap.clusters)
      for (std::size_t i = 0; i < meta.source_clusters.size(); ++i)
        if (std::find(meta.source_clusters[i].begin(), meta.source_clusters[i].end(), c.name) !=
            meta.source_clusters[i].end())
          c.source = static_cast<std::uint32_t>(i);
  }
};

} // namespace

std::unique_ptr<Source> make_directory_source(const SourceOptions&) { return std::make_unique<DirectorySource>(); }

} // namespace fleetcap::source
