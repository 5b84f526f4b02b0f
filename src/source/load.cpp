// Loading a whole snapshot: one worker per resource, each fetching its pages and parsing them
// as they arrive, so parsing overlaps the network (SPEC §3.1 "fetched concurrently").
#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/source/source.hpp"
#include "http.hpp"
#include "fleetcap/source/local_file.hpp"
#include "url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <fcntl.h>
#include <exception>
#include <filesystem>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <unordered_set>

namespace fleetcap {
namespace fs = std::filesystem;

bool is_url(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string display_source(std::string_view s) {
  if (!is_url(s)) return std::string(s);
  const auto scheme_end = s.find("://") + 3;
  const auto host_end = s.find_first_of("/?#", scheme_end);
  const auto at = s.rfind('@', host_end == std::string_view::npos ? s.size() : host_end);
  if (at == std::string_view::npos || at < scheme_end) return std::string(s);
  return std::string(s.substr(0, scheme_end)) + std::string(s.substr(at + 1));
}

// From the strict parse (url.hpp): a literal loopback address or `localhost`, never a prefix.
bool token_in_clear(std::string_view source) {
  const url::Parsed p = url::parse(source);
  if (!p.url) return source.starts_with("http://");
  return p.url->scheme == "http" && !url::loopback_host(p.url->host);
}

void check_source_url(std::string_view source) {
  const url::Parsed p = url::parse(source);
  if (!p.url) throw UsageError(fmt::format("--source \"{}\" is not a usable URL: {}", display_source(source), p.why));
}

namespace {

// What one resource's worker produced.
struct Outcome {
  std::vector<std::string> errors;   // SPEC §3.3 data errors
  std::optional<std::string> failed; // an I/O or HTTP failure: the whole run fails with it
  bool interrupted = false;
  bool json_ok = true;
  std::optional<std::string> warning;
};

// What a local file may hold: the same cap as a response (--max-response-mb).
std::uint64_t file_limit(const SourceOptions& o) { return static_cast<std::uint64_t>(o.max_response_mb) << 20; }
std::string file_limit_name(const SourceOptions& o) { return fmt::format("--max-response-mb {} MiB", o.max_response_mb); }

// A large file parsed as it is read, through a window of a few MiB (PageStream), so neither the
// whole file nor a parser index for all of it is in memory. Nothing when the file is small, or
// cannot be read, or the stream gave up (invalid JSON, say): the caller reads and parses it
// whole, which also words the error.
std::optional<PageResult> stream_file(Resource r, const fs::path& path, Snapshot& snap,
                                      std::vector<std::string>& errors, std::uint64_t limit) {
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
    if (n < 0) {
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

// The first 200 bytes of a body for an error line: control characters and runs of blanks become
// one space, so the message stays one readable line.
std::string first_bytes(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) {
    const bool blank = static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// A JSON media type: application/json, text/json, or any */*+json (RFC 6839), parameters
// ignored. A server that names no type at all is given the benefit of the doubt.
bool json_content_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  std::string lower;
  for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty()) return true;
  const auto slash = lower.find('/');
  if (slash == std::string::npos) return false;
  const std::string_view subtype = std::string_view(lower).substr(slash + 1);
  return subtype == "json" || subtype.ends_with("+json");
}

// Feeds a PageStream from a body that has reached 1 MiB, and lets go of each run of items once
// it is parsed, so only a window of a large page is ever in memory. When the stream gives up
// (invalid JSON, an unusual page), the page must be parsed whole to word the error: if its start
// was already let go of, the caller fetches it again (windowed()).
class StreamingBody : public http::BodyObserver {
public:
  StreamingBody(Resource r, Snapshot& snap, std::vector<std::string>& errors) : r_(r), snap_(snap), errors_(errors) {}
  std::size_t grew(std::string& body, std::size_t expected) override {
    if (!stream_ && base_ == 0 && body.size() >= (std::size_t{1} << 20))
      stream_.emplace(r_, snap_, errors_, std::max(expected, body.size()));
    if (!stream_ || stream_->gave_up()) return 0;
    const std::size_t keep = stream_->feed(body, base_);
    if (stream_->gave_up()) return 0; // keep what is left: the whole page, unless windowed()
    const std::size_t done = keep - base_;
    base_ = keep;
    return done;
  }
  void restart() override {
    if (stream_) stream_->restart();
    stream_.reset();
    base_ = 0;
  }
  std::optional<PageResult> finish(std::string_view label, std::string& body) {
    if (!stream_) return std::nullopt;
    auto result = stream_->finish(label, body, base_);
    stream_.reset();
    return result;
  }
  // Some of the page was let go of: the body the caller holds is not the whole page.
  bool windowed() const { return base_ > 0; }

private:
  Resource r_;
  Snapshot& snap_;
  std::vector<std::string>& errors_;
  std::optional<PageStream> stream_;
  std::size_t base_ = 0; // page offset of the body's first byte
};

void fetch_resource(Resource r, const SourceOptions& o, Snapshot& snap, std::vector<std::string>* raw, Outcome& out,
                    std::atomic<bool>& cancel) {
  std::string base = o.source;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string query;
  for (const auto& c : o.clusters) query += fmt::format("{}cluster={}", query.empty() ? '?' : '&', http::escape(c));
  std::string token;
  std::unordered_set<std::string> seen_tokens; // a server that hands out a token twice would loop forever
  std::int64_t pages = 0;
  try {
    do {
      std::string url = fmt::format("{}/v1/{}{}", base, to_string(r), query);
      if (!token.empty()) url += fmt::format("{}page_token={}", query.empty() ? '?' : '&', http::escape(token));
      if (++pages > o.max_pages)
        throw RuntimeError(fmt::format("GET {}: {} has more than --max-pages {} pages; giving up", display_source(url),
                                       to_string(r), o.max_pages));
      const std::string label = fmt::format("GET {}", display_source(url));
      // The response's status and type, before its body is read as a page; false: a 404 for an
      // optional resource, which means none.
      auto usable = [&](const http::Response& resp) {
        if (resp.status == 404 && optional_resource(r)) {
          out.warning = fmt::format("{} answered 404 for {}; taking it as none", display_source(url), to_string(r));
          return false;
        }
        if (resp.status < 200 || resp.status > 299)
          throw RuntimeError(fmt::format("GET {}: HTTP {}{}{}{}", display_source(url), resp.status, resp.redirected,
                                         resp.head.empty() ? "" : ": ", first_bytes(resp.head)));
        if (!json_content_type(resp.content_type))
          throw RuntimeError(fmt::format("GET {}: expected JSON, got Content-Type \"{}\"{}: {}", display_source(url),
                                         first_bytes(resp.content_type), resp.redirected, first_bytes(resp.head)));
        return true;
      };
      // A large body is parsed while it arrives; a small one (API pagination) when it is in.
      StreamingBody streaming(r, snap, out.errors);
      http::Response resp = http::get(url, o, cancel, raw ? nullptr : &streaming);
      if (!usable(resp)) return;
      std::optional<PageResult> streamed = streaming.finish(label, resp.body);
      if (!streamed && streaming.windowed()) {
        // Invalid data deep in a large page: fetch it again, whole, so that parse_page words the
        // error with its line and column (SPEC §3.3). Only bad pages pay for this.
        resp = http::get(url, o, cancel);
        if (!usable(resp)) return;
      }
      const PageResult page = streamed ? *streamed : parse_page(r, label, resp.body, snap, out.errors);
      if (raw && out.errors.empty()) raw->push_back(items_text(display_source(url), resp.body));
      out.json_ok = out.json_ok && page.json_ok;
      if (!page.json_ok) {
        // Invalid data decides the run (exit 3), as a 404 does: stop the other fetches rather
        // than wait out a sibling that hangs until --timeout.
        cancel.store(true);
        return;
      }
      token = page.next_page_token;
      if (!token.empty() && !seen_tokens.insert(token).second)
        throw RuntimeError(fmt::format("GET {}: the server sent a next_page_token it had sent before for {}; the "
                                       "pages would never end",
                                       display_source(url), to_string(r)));
    } while (!token.empty());
  } catch (const InterruptedError&) {
    out.interrupted = true;
    cancel.store(true);
  } catch (const RuntimeError& e) {
    if (!cancel.load()) out.failed = e.what();
    cancel.store(true);
  } catch (const std::bad_alloc&) {
    // Anything escaping a std::thread ends the process with std::terminate (abort, core).
    if (!cancel.load()) out.failed = fmt::format("out of memory while reading {}", to_string(r));
    cancel.store(true);
  } catch (const std::exception& e) {
    if (!cancel.load()) out.failed = fmt::format("{}: {}", to_string(r), e.what());
    cancel.store(true);
  }
}

void read_resource(Resource r, const fs::path& dir, const SourceOptions& o, Snapshot& snap,
                   std::vector<std::string>* raw, Outcome& out) {
  const fs::path path = dir / fmt::format("{}.json", to_string(r));
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (optional_resource(r))
      out.warning = fmt::format("{} has no {}; taking it as none", dir.string(), path.filename().string());
    else
      out.failed = fmt::format("snapshot directory {} has no {}", dir.string(), path.filename().string());
    return;
  }
  if (!raw) {
    if (auto page = stream_file(r, path, snap, out.errors, file_limit(o))) {
      out.json_ok = page->json_ok;
      return;
    }
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

bool wanted(const SourceOptions& o, Resource r) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), r) != o.only.end();
}

} // namespace

Snapshot load_snapshot(const SourceOptions& o, RawItems* raw) {
  Snapshot snap;
  snap.source = display_source(o.source);
  std::array<Outcome, kResources.size()> outcomes;
  const bool url = is_url(o.source);
  // Linking starts as soon as the resources each stage needs are parsed (validate.hpp).
  std::optional<Linker> linker;
  if (o.only.empty()) linker.emplace(snap);
  const auto started = std::chrono::steady_clock::now();
  auto report = [&](std::size_t i) {
    const Outcome& out = outcomes[i];
    if (o.on_parsed)
      o.on_parsed(kResources[i],
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    if (linker) linker->parsed(kResources[i], !out.failed && !out.interrupted && out.json_ok);
  };
  if (url) {
    check_source_url(o.source);
    if (o.token && token_in_clear(o.source) && !o.allow_insecure_token)
      throw UsageError(fmt::format("refusing to send the token over plain http to {}; use https, or pass "
                                   "--allow-insecure-token",
                                   display_source(o.source)));
    http::global_init();
    std::atomic<bool> cancel{false};
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < kResources.size(); ++i)
      if (wanted(o, kResources[i]))
        workers.emplace_back([&, i] {
          fetch_resource(kResources[i], o, snap, raw ? &(*raw)[i] : nullptr, outcomes[i], cancel);
          report(i);
        });
    if (linker) linker->run_until_done(); // this thread links too, while the fetches go on
    for (auto& w : workers) w.join();
  } else {
    const fs::path dir(o.source);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (o.source.find("://") != std::string::npos)
        throw UsageError(fmt::format("--source \"{}\" is neither an http(s) URL nor a directory", o.source));
      throw RuntimeError(fmt::format("--source {}: no such directory", o.source));
    }
    LocalRead meta_read = read_local_file((dir / "snapshot.json").string(), file_limit(o), file_limit_name(o));
    if (meta_read.bytes) {
      SnapshotMeta meta = parse_snapshot_meta((dir / "snapshot.json").string(), *meta_read.bytes);
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
      if (!wanted(o, kResources[i])) continue;
      std::error_code size_ec;
      const auto size = fs::file_size(dir / fmt::format("{}.json", to_string(kResources[i])), size_ec);
      sizes[i] = size_ec ? 0 : size;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
    std::atomic<std::size_t> next{0};
    std::exception_ptr crashed; // e.g. bad_alloc: rethrown here as the sequential code would
    std::mutex crashed_mutex;
    auto work = [&] {
      std::size_t i = kResources.size();
      try {
        for (std::size_t k; (k = next.fetch_add(1)) < order.size();) {
          i = order[k];
          if (!wanted(o, kResources[i])) continue;
          read_resource(kResources[i], dir, o, snap, raw ? &(*raw)[i] : nullptr, outcomes[i]);
          report(i);
          i = kResources.size();
        }
      } catch (...) {
        {
          std::lock_guard lock(crashed_mutex);
          if (!crashed) crashed = std::current_exception();
        }
        // Whatever was not read will not be: tell the linker, so nobody waits for it.
        auto give_up = [&](std::size_t r) {
          outcomes[r].failed = "not read";
          report(r);
        };
        if (i < kResources.size()) give_up(i);
        for (std::size_t k = next.exchange(order.size()); k < order.size(); ++k)
          if (wanted(o, kResources[order[k]])) give_up(order[k]);
      }
    };
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kResources.size());
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
    if (linker) linker->run_until_done(); // link what is parsed while the other thread still parses
    for (auto& w : workers) w.join();
    if (crashed) std::rethrow_exception(crashed);
  }

  for (auto& out : outcomes)
    if (out.interrupted || interrupt_requested()) throw InterruptedError();
  for (auto& out : outcomes)
    if (out.failed) throw RuntimeError(*out.failed);
  std::vector<std::string> errors;
  bool json_ok = true;
  for (auto& out : outcomes) {
    if (out.warning) snap.warnings.push_back(*out.warning);
    errors.insert(errors.end(), out.errors.begin(), out.errors.end());
    json_ok = json_ok && out.json_ok;
  }
  // Cross-item rules only make sense over whole documents; a broken one would make every
  // reference into it look unknown.
  if (!json_ok) throw DataError(std::move(errors));
  if (linker) {
    std::vector<std::string> warnings;
    linker->take(errors, warnings); // rethrows what a stage threw
    if (!linker->complete()) throw std::logic_error("the snapshot was parsed but not every link stage ran");
    snap.warnings.insert(snap.warnings.end(), warnings.begin(), warnings.end());
  }
  if (!errors.empty()) throw DataError(std::move(errors));
  return snap;
}

} // namespace fleetcap
