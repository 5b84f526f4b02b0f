// Parsing a page while it arrives (PageStream, src/model/split.*): the same items, errors and
// envelope as parse_page on the whole page, however the bytes are cut, and a give-up (then the
// whole-page parse) wherever the JSON is broken.
#include "fleetcap/model/parse.hpp"
#include "model/split.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace fleetcap;
namespace fs = std::filesystem;

namespace {

// Every field the parser fills, item by item, so two snapshots can be compared as text.
std::string fingerprint(const Snapshot& s) {
  std::string out;
  auto opt = [](const auto& o) { return o ? fmt::format("{}", *o) : std::string("-"); };
  for (const auto& c : s.clusters) out += fmt::format("C {} {} {}\n", c.name, c.sku, c.region);
  for (const auto& n : s.nodes) {
    out += fmt::format("N {}|{}|{}|{}|{}|{}|", n.name, n.cluster, n.island, n.gpus, n.health, n.cordoned);
    for (const auto& i : n.issues) out += fmt::format("{};{};{};{};", i.type, i.detail, opt(i.detected_at), i.priority);
    out += '\n';
  }
  for (const auto& q : s.quotas) out += fmt::format("Q {}|{}|{}|{}\n", q.name, opt(q.parent), opt(q.cluster), q.gpus);
  for (const auto& j : s.jobs)
    out += fmt::format("J {}|{}|{}|{}|{}|{}|{}|{}|{}\n", j.name, j.ns, j.quota, opt(j.cluster), j.gpus,
                       static_cast<int>(j.state), fmt::join(j.nodes, ","), j.idle, opt(j.started_at));
  for (const auto& e : s.maintenance)
    out += fmt::format("E {}|{}|{}|{}|{}|{}\n", e.id, e.cluster, e.kind, fmt::join(e.nodes, ","), e.start, e.end);
  for (const auto& h : s.health_history)
    out += fmt::format("H {}|{}|{}|{}\n", h.cluster, h.at, h.healthy_gpus, h.total_gpus);
  return out;
}

struct Outcome {
  bool json_ok = true;
  std::string token;
  std::vector<std::string> errors;
  std::string items;
  bool streamed = false; // the stream did not give up
};

Outcome whole(Resource r, const std::string& page) {
  Snapshot snap;
  Outcome o;
  std::string bytes = page;
  const PageResult res = parse_page(r, "page", bytes, snap, o.errors);
  o.json_ok = res.json_ok;
  o.token = res.next_page_token;
  o.items = fingerprint(snap);
  return o;
}

// Feeds `page` `step` bytes at a time, as the HTTP source does (the buffer keeps every byte)
// or, with `window`, as the directory source does (bytes the stream no longer needs are
// dropped); falls back to parse_page as both do. `before` items of another page come first.
Outcome streamed(Resource r, const std::string& page, std::size_t step, bool window, const std::string& before = "") {
  Snapshot snap;
  Outcome o;
  if (!before.empty()) {
    std::string first = before;
    parse_page(r, "first", first, snap, o.errors);
  }
  PageStream stream(r, snap, o.errors, window ? page.size() : 0);
  std::string buf;
  if (!window) buf.reserve(page.size() + kParsePadding);
  std::size_t base = 0;
  for (std::size_t pos = 0; pos < page.size(); pos += step) {
    buf.append(page, pos, step);
    if (stream.gave_up()) continue;
    const std::size_t keep = stream.feed(buf, base);
    REQUIRE(keep >= base);
    REQUIRE(keep <= base + buf.size());
    if (window && !stream.gave_up()) {
      buf.erase(0, keep - base);
      base = keep;
    }
  }
  std::optional<PageResult> res = stream.finish("page", buf, base);
  o.streamed = res.has_value();
  if (!res) {
    std::string bytes = page;
    res = parse_page(r, "page", bytes, snap, o.errors);
  }
  o.json_ok = res->json_ok;
  o.token = res->next_page_token;
  o.items = fingerprint(snap);
  return o;
}

void same(const Outcome& got, const Outcome& want) {
  CHECK(got.json_ok == want.json_ok);
  CHECK(got.token == want.token);
  CHECK(got.errors == want.errors);
  CHECK(got.items == want.items);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Resource resource_of(const fs::path& p) {
  for (auto r : kResources)
    if (p.stem() == to_string(r)) return r;
  return Resource::clusters;
}

// A nodes page of `n` items with escapes, nesting and blanks where real pages have them.
std::string nodes_page(std::size_t n, const std::string& after_items = R"(, "next_page_token": null)") {
  std::string items;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) items += i % 7 ? "," : " ,\n ";
    const std::string name = i % 13 == 0 ? fmt::format("n\\\"{}\\\\", i) : fmt::format("n{}", i);
    items += fmt::format(R"({{"name": "{}", "cluster": "c{}", "island": "i{}", "gpus": {}, "health": "{}")", name,
                         i / 50, i / 10, 8, i % 5 ? "healthy" : "degraded");
    if (i % 3 == 0)
      items +=
          R"(, "issues": [{"type": "xid", "detail": "brace { and ] in a string", "detected_at": "2026-11-20T00:00:00Z", "priority": "p1"}])";
    if (i % 11 == 0) items += R"(, "extra": {"deep": [[{"a": "}]"}]]})";
    items += "}";
  }
  return R"({"api_version": "v1", "items": [)" + items + "]" + after_items + "}\n";
}

} // namespace

TEST_CASE("the bracket scanner agrees with a byte-by-byte reading") {
  std::mt19937 rng(7);
  const std::string alphabet = "\"\\{}[]a, ";
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const std::size_t len = 1 + rng() % 700;
    for (std::size_t i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    // The reference: strings with escapes, depth, item ends, the closing bracket.
    std::vector<std::size_t> want_ends;
    long depth = 0;
    bool in_string = false, escaped = false;
    std::size_t want_stop = text.size();
    bool want_closed = false, want_broken = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (escaped) {
        escaped = false;
      } else if (in_string) {
        if (c == '\\')
          escaped = true;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) want_ends.push_back(i + 1);
        if (depth < 0) {
          (c == ']' ? want_closed : want_broken) = true;
          want_stop = i;
          break;
        }
      }
    }
    const std::size_t step = 1 + rng() % 200;
    split::ItemScanner scanner;
    std::vector<std::size_t> ends;
    std::size_t done = 0, have = 0; // scanned; arrived
    while (!scanner.closed() && !scanner.broken() && done < text.size()) {
      have = std::min(text.size(), have + step);
      const bool last = have == text.size();
      done += scanner.scan(text.data() + done, have - done, last, [&](std::size_t e) { ends.push_back(e); });
      if (last) break;
    }
    INFO(text);
    CHECK(ends == want_ends);
    CHECK(scanner.closed() == want_closed);
    CHECK(scanner.broken() == want_broken);
    if (want_closed) CHECK(scanner.array_end() == want_stop);
  }
}

TEST_CASE("the items are found after the usual start of a page, and nowhere else") {
  using K = split::Prefix::Kind;
  CHECK(split::find_items(R"({"api_version": "v1", "items": [1])").kind == K::found);
  CHECK(split::find_items(R"({"api_version": "v1", "items": [1])").items_begin == 32);
  CHECK(split::find_items(" {\n \"items\" :[").kind == K::found);
  CHECK(split::find_items(R"({"api_version": "v1", "ite)").kind == K::need_more);
  CHECK(split::find_items(R"({"api_version": "v2", "items": [)").kind == K::unsupported);
  // Other members before the items, in any order, are stepped over (read at the end).
  CHECK(split::find_items(R"({"next_page_token": null, "api_version": "v1", "items": [)").kind == K::found);
  CHECK(split::find_items(R"({"next_page_token": "a\"]}", "x": {"y": [1, "}"]}, "n": -1.5e3, "items": [)").kind ==
        K::found);
  CHECK(split::find_items(R"({"next_page_token": null, "items": [)").items_begin == 36);
  CHECK(split::find_items(R"({"next_page_token": "abc)").kind == K::need_more);
  CHECK(split::find_items(R"({"x": {"y": [1, 2)").kind == K::need_more);
  CHECK(split::find_items(R"({"x": 1 "items": [)").kind == K::unsupported);
  CHECK(split::find_items(R"({"x": 1}, "items": [)").kind == K::unsupported);
  CHECK(split::find_items(R"({"api_version": "v2", "x": 1, "items": [)").kind == K::unsupported);
  CHECK(split::find_items(R"({"items": {)").kind == K::unsupported);
  CHECK(split::find_items(R"([)").kind == K::unsupported);
}

TEST_CASE("a page read in pieces gives what the whole page gives") {
  const std::string page = nodes_page(3000);
  REQUIRE(page.size() > 300000);
  const Outcome want = whole(Resource::nodes, page);
  REQUIRE(want.errors.empty());
  for (std::size_t step : {1u << 20, 65536u, 4097u, 64u, 7u}) {
    for (bool window : {false, true}) {
      INFO("step " << step << " window " << window);
      const Outcome got = streamed(Resource::nodes, page, step, window);
      CHECK(got.streamed);
      same(got, want);
    }
  }
  // A later page of the same resource: indexes continue, and only this page's items are taken back.
  const std::string second = nodes_page(40, R"(, "next_page_token": "abc")");
  Snapshot snap;
  std::vector<std::string> errors;
  std::string first = page;
  parse_page(Resource::nodes, "first", first, snap, errors);
  std::string bytes = second;
  parse_page(Resource::nodes, "page", bytes, snap, errors);
  const std::string want_both = fingerprint(snap);
  const Outcome both = streamed(Resource::nodes, second, 100, true, page);
  CHECK(both.streamed);
  CHECK(both.items == want_both);
  CHECK(both.token == "abc");
}

TEST_CASE("a page whose other members come before its items is streamed too, with its token") {
  // Issue 16 item 7: such a page was held whole with a parser index of up to 4 bytes per byte.
  std::string page = nodes_page(3000, "");
  page.replace(0, 1, R"({"next_page_token": "t\"}", "x": {"y": [1, "]"]}, )");
  const Outcome want = whole(Resource::nodes, page);
  REQUIRE(want.errors.empty());
  REQUIRE(want.token == "t\"}");
  for (bool window : {false, true}) {
    const Outcome got = streamed(Resource::nodes, page, 4097, window);
    CHECK(got.streamed);
    same(got, want);
  }
}

TEST_CASE("item errors keep their indexes and order across runs; envelope fields after the items are read") {
  std::string page = nodes_page(2000, R"(, "api_version": "v2", "next_page_token": "t", "items": [{"name": "late"}])");
  // Break some items' fields: errors name them by index, in order.
  for (const char* from : {R"("gpus": 8, "health": "healthy"})", R"("health": "degraded")"}) {
    for (std::size_t at = page.find(from, 5000), k = 0; at != std::string::npos && k < 5;
         at = page.find(from, at + 90000), ++k)
      page.replace(at, std::string(from).size(), std::string(from).replace(1, 4, "gpuz"));
  }
  const Outcome want = whole(Resource::nodes, page);
  REQUIRE(want.errors.size() > 3);
  for (bool window : {false, true}) {
    const Outcome got = streamed(Resource::nodes, page, 5000, window);
    CHECK(got.streamed);
    same(got, want);
  }
}

TEST_CASE("broken JSON anywhere makes the stream give up, and the whole-page parse words the error") {
  const std::string page = nodes_page(1500);
  std::mt19937 rng(11);
  const std::string breakers[] = {"\"", "}", "]", "{", "[", ",", "\\", "x", "\x01", "\xff", ",]", "", ":"};
  int gave_up = 0;
  for (int round = 0; round < 120; ++round) {
    std::string bad = page;
    const std::size_t at = rng() % bad.size();
    const std::string& with = breakers[rng() % std::size(breakers)];
    if (round % 4 == 0)
      bad.resize(at); // cut short
    else
      bad.replace(at, rng() % 3, with);
    const Outcome want = whole(Resource::nodes, bad);
    for (std::size_t step : {4096u, 333u}) {
      INFO("round " << round << " at " << at << " step " << step);
      const Outcome got = streamed(Resource::nodes, bad, step, step == 333);
      same(got, want);
      if (!got.streamed) ++gave_up;
      if (!want.json_ok) CHECK_FALSE(got.streamed); // never a run that hid broken JSON
    }
  }
  CHECK(gave_up > 50);
}

TEST_CASE("a comma after the last item is invalid JSON, however the page was cut") {
  std::string page = nodes_page(600);
  const std::size_t close = page.rfind("]");
  page.insert(close, ",\n" + std::string(130, ' ')); // the last item is parsed before the comma arrives
  const Outcome want = whole(Resource::nodes, page);
  REQUIRE_FALSE(want.json_ok);
  for (std::size_t step = 1; step < 200; step += 3) {
    INFO("step " << step);
    const Outcome got = streamed(Resource::nodes, page, step, step % 2);
    CHECK_FALSE(got.streamed);
    same(got, want);
  }
}

TEST_CASE("every saved page in the repository reads the same in pieces") {
  const fs::path root = FLEETCAP_SOURCE_DIR;
  int pages = 0;
  for (const char* dir : {"examples/fleet", "tests/data"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (entry.path().extension() != ".json" || entry.path().stem() == "snapshot") continue;
      const Resource r = resource_of(entry.path());
      if (to_string(r) != entry.path().stem().string()) continue;
      const std::string page = slurp(entry.path());
      const Outcome want = whole(r, page);
      for (std::size_t step : {4096u, 100u, 17u}) {
        INFO(entry.path().string() << " step " << step);
        same(streamed(r, page, step, step != 100), want);
      }
      ++pages;
    }
  }
  CHECK(pages > 100);
}

TEST_CASE("issue 16: a second document, a page token of another type, and maintenance nodes null or missing are "
          "refused alike in pieces and whole") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {nodes_page(500) + R"({"api_version": "v1", "items": []})", "more JSON after the end of the document"},
      {nodes_page(500) + "\n[]\n", ""},
      {nodes_page(500, R"(, "next_page_token": 5)"), R"(has "next_page_token" that is not a string or null, got 5)"},
      {nodes_page(500, R"(, "next_page_token": {"a": 1})"), R"("next_page_token" that is not a string or null)"},
  };
  for (const auto& [page, message] : cases) {
    const Outcome want = whole(Resource::nodes, page);
    CHECK_FALSE(want.json_ok);
    REQUIRE(want.errors.size() == 1);
    if (!message.empty()) CHECK_THAT(want.errors[0], Catch::Contains(message));
    for (std::size_t step : {65536u, 4097u, 61u})
      for (bool window : {false, true}) {
        INFO("step " << step << " window " << window);
        same(streamed(Resource::nodes, page, step, window), want);
      }
  }
  auto event = [](int i, const std::string& nodes) {
    return R"({"id": "m)" + std::to_string(i) + R"(", "cluster": "c", )" + nodes +
           R"("priority": "p1", "state": "scheduled", "start": "2026-11-20T10:00:00Z", "end": "2026-11-21T10:00:00Z"})";
  };
  for (const std::string& nodes : {std::string(R"("nodes": null, )"), std::string()}) {
    std::string items;
    for (int i = 0; i < 800; ++i) {
      if (i) items += ',';
      items += event(i, i == 400 ? nodes : R"("nodes": [], )");
    }
    const std::string page = R"({"api_version": "v1", "items": [)" + items + R"(], "next_page_token": null})";
    const Outcome want = whole(Resource::maintenance, page);
    REQUIRE(want.errors.size() == 1);
    CHECK_THAT(want.errors[0],
               Catch::Contains(nodes.empty() ? R"(maintenance[400] "m400": field "nodes" is missing)"
                                             : R"(field "nodes" must be an array of strings, got null)"));
    for (bool window : {false, true}) same(streamed(Resource::maintenance, page, 4097, window), want);
  }
}
