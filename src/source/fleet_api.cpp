// The fleet API over HTTP(S) (docs/fleet-api.md): one worker per resource, each fetching its pages and
// parsing them as they arrive, so parsing overlaps the network ("fetched concurrently").
#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/text.hpp"
#include "http.hpp"
#include "loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <unordered_set>

namespace fleetcap::source {
namespace {

// Feeds a PageStream from a body that has reached 1 MiB, and lets go of each run of items once
// it is parsed, so only a window of a large page is ever in memory. When the stream gives up
// (invalid JSON, an unusual page), the page must be parsed whole to word the error: if its start
// was already let go of, the caller fetches it again (windowed()).
//
// With `keep_body` (snapshot save, which writes the page's items text) nothing is let go of,
// but the page is still parsed run by run: the parser's index never covers the whole page
// (4 bytes per JSON token), and items_span() gives the items text without a second parse.
class StreamingBody : public http::BodyObserver {
public:
  StreamingBody(Resource r, Snapshot& snap, std::vector<std::string>& errors, bool keep_body)
      : r_(r), snap_(snap), errors_(errors), keep_body_(keep_body) {}
  std::size_t grew(std::string& body, std::size_t expected) override {
    if (!stream_ && base_ == 0 && body.size() >= (std::size_t{1} << 20))
      stream_.emplace(r_, snap_, errors_, std::max(expected, body.size()));
    if (!stream_ || stream_->gave_up()) return 0;
    if (keep_body_) {
      stream_->feed(body, 0);
      return 0;
    }
    const std::size_t keep = stream_->feed(body, base_);
    if (stream_->gave_up()) return 0; // keep what is left: the whole page, unless windowed()
    const std::size_t done = keep - base_;
    base_ = keep;
    return done;
  }
  // Bytes of the page let go of so far (the body keeps the rest).
  std::size_t dropped() const { return base_; }
  void restart() override {
    if (stream_) stream_->restart();
    stream_.reset();
    base_ = 0;
  }
  // With `items`, a page kept whole is cut down in place to the text between its items'
  // brackets (what items_text() gives), once it parsed.
  std::optional<PageResult> finish(std::string_view label, std::string& body, std::string* items = nullptr) {
    if (!stream_) return std::nullopt;
    auto result = stream_->finish(label, body, base_);
    if (result && items && keep_body_) {
      const auto [begin, end] = stream_->items_span();
      body.erase(end);
      body.erase(0, begin);
      *items = std::move(body);
    }
    stream_.reset();
    return result;
  }
  // Some of the page was let go of: the body the caller holds is not the whole page.
  bool windowed() const { return base_ > 0; }

private:
  Resource r_;
  Snapshot& snap_;
  std::vector<std::string>& errors_;
  bool keep_body_;
  std::optional<PageStream> stream_;
  std::size_t base_ = 0; // page offset of the body's first byte
};

// Fetches and parses every page of `r`. Throws what fails (Loader::spawn marks the outcome).
void fetch_resource(Resource r, const SourceOptions& o, Snapshot& snap, std::vector<std::string>* raw, Outcome& out,
                    Cancel& cancel) {
  std::string base = o.source;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string query;
  for (const auto& c : o.clusters) query += fmt::format("{}cluster={}", query.empty() ? '?' : '&', http::escape(c));
  std::string token;
  PageTokens tokens("next_page_token", std::string(to_string(r)), o.max_pages);
  std::int64_t pages = 0;
  std::uint64_t bytes = 0;
  try {
    for (;;) {
      std::string url = fmt::format("{}/v1/{}{}", base, to_string(r), query);
      if (!token.empty()) url += fmt::format("{}page_token={}", query.empty() ? '?' : '&', http::escape(token));
      tokens.before_page(display_source(url));
      ++pages;
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
                                         resp.head.empty() ? "" : ": ", quote_from_server(resp.head)));
        require_json(resp, display_source(url));
        return true;
      };
      // A large body is parsed while it arrives; a small one (API pagination) when it is in.
      StreamingBody streaming(r, snap, out.errors, raw != nullptr);
      http::Response resp = http::get(url, o, cancel, &streaming);
      if (!usable(resp)) return;
      const std::uint64_t page_bytes = streaming.dropped() + resp.body.size();
      std::string items; // with raw: the page's items text, when it was streamed
      std::optional<PageResult> streamed = streaming.finish(label, resp.body, raw ? &items : nullptr);
      if (!streamed && streaming.windowed()) {
        // Invalid data deep in a large page: fetch it again, whole, so that parse_page words the
        // error with its line and column (docs/fleet-api.md). Only bad pages pay for this.
        resp = http::get(url, o, cancel);
        if (!usable(resp)) return;
      }
      const PageResult page = streamed ? *streamed : parse_page(r, label, resp.body, snap, out.errors);
      if (raw && out.errors.empty())
        raw->push_back(streamed ? std::move(items) : items_text(display_source(url), resp.body));
      out.json_ok = out.json_ok && page.json_ok;
      bytes += page_bytes;
      if (o.progress) o.progress(r, pages, bytes);
      if (!page.json_ok) {
        // Invalid data decides the run (exit 3), as a 404 does: stop the other fetches rather
        // than wait out a sibling that hangs until --timeout.
        cancel.request();
        return;
      }
      token = page.next_page_token;
      if (!tokens.more(token, display_source(url))) break;
    }
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    // Anything escaping a std::thread ends the process with std::terminate (abort, core).
    throw RuntimeError(fmt::format("out of memory while reading {}", to_string(r)));
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: {}", to_string(r), e.what()));
  }
}

class FleetApiSource : public Source {
public:
  void load(Loader& loader) override {
    const SourceOptions& o = loader.options();
    check_source_url(o.source);
    if (o.token && token_in_clear(o.source) && !o.allow_insecure_token)
      throw UsageError(fmt::format("refusing to send the token over plain http to {}; use https, or pass "
                                   "--allow-insecure-token",
                                   display_source(o.source)));
    loader.describe("fleet API v1", o.token ? fmt::format("bearer token ({})", o.token_from) : "none");
    http::global_init();
    Tasks tasks(loader.cancel());
    for (Resource r : kResources)
      if (loader.wanted(r))
        loader.spawn(tasks, r, [&, r](Cancel& cancel) {
          fetch_resource(r, o, loader.snapshot(), loader.raw(r), loader.outcome(r), cancel);
        });
    loader.link_while_waiting(); // this thread links too, while the fetches go on
    tasks.join();
  }
};

} // namespace

std::unique_ptr<Source> make_fleet_api_source(const SourceOptions&) { return std::make_unique<FleetApiSource>(); }

} // namespace fleetcap::source
