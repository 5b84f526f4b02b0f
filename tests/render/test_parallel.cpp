// Rendering on several threads (src/render/parallel.hpp): a long JSON list is written in pieces
// made concurrently and spliced in order, and must be byte for byte the list written on one
// thread, whatever the number of rows and wherever a piece ends.
#include "render/columns.hpp"
#include "render/parallel.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace fleetcap;
using namespace fleetcap::cols;
using Json = nlohmann::ordered_json;

namespace {

struct TestRow {
  int id;
  std::string name;
  std::vector<std::string> tags;
};

const Column<TestRow> kTestRowList[] = {
    {.key = "id", .get = [](const TestRow& r) { return num(r.id); }},
    {.key = "name", .get = [](const TestRow& r) { return txt(std::string_view(r.name)); }},
    // What only a JSON document shows: a piece made on another thread must see PlainValues too.
    {.key = "plain",
     .get = [](const TestRow&) { return Value(Value::Kind::flag, plain_values() ? 1 : 0, Tone::plain); }},
    {.key = "tags", .get = [](const TestRow& r) { return list(r.tags); }},
};
const Columns<TestRow> kTestRows{"test-parallel", "rows", kTestRowList, ListKind::section};

std::vector<TestRow> rows_of(std::size_t n) {
  std::vector<TestRow> rows;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::string> tags;
    for (std::size_t t = 0; t < i % 4; ++t) tags.push_back("tag-\"" + std::to_string(t) + "\"\n");
    rows.push_back({static_cast<int>(i), "row-" + std::to_string(i) + (i % 7 ? "" : " \xc3\xa9"), std::move(tags)});
  }
  return rows;
}

// The same document made with nlohmann, as every document was before the streaming writer.
std::string expected(const std::vector<TestRow>& rows) {
  Json doc = Json::object();
  doc["rows"] = Json::array();
  for (const auto& r : rows) doc["rows"].push_back({{"id", r.id}, {"name", r.name}, {"plain", true}, {"tags", r.tags}});
  doc["after"] = 1;
  return doc.dump(2) + "\n";
}

std::string written(const std::vector<TestRow>& rows, std::ostream* sink = nullptr) {
  const PlainValues plain;
  json::JsonWriter w = sink ? json::JsonWriter(*sink) : json::JsonWriter();
  w.begin_object();
  json_list(w, "rows", kTestRows, rows);
  w.key("after").value(1);
  w.end_object();
  return w.finish();
}

} // namespace

TEST_CASE("parallel: a long list is the same bytes as one written on one thread", "[parallel]") {
  // Below, at and around the size from which pieces are made on several threads, and a last
  // piece of one row.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, kPieceRows * kPiecesFrom - 1, kPieceRows * kPiecesFrom,
                        kPieceRows * kPiecesFrom + 1, kPieceRows * 9 + 1}) {
    INFO(n << " rows");
    const auto rows = rows_of(n);
    CHECK(written(rows) == expected(rows));
    std::ostringstream sink; // pieces longer than the writer's buffer go straight to the sink
    CHECK(written(rows, &sink).empty());
    CHECK(sink.str() == expected(rows));
  }
}

TEST_CASE("parallel: pieces are handed over in order, made on more than one thread", "[parallel]") {
  std::vector<std::thread::id> makers(200);
  std::string out;
  in_order(
      makers.size(),
      [&](std::size_t i) {
        makers[i] = std::this_thread::get_id();
        std::this_thread::sleep_for(std::chrono::microseconds(i % 3 * 200)); // pieces finish out of order
        return std::to_string(i) + ",";
      },
      [&](std::string&& piece) { out += piece; });
  std::string want;
  for (std::size_t i = 0; i < makers.size(); ++i) want += std::to_string(i) + ",";
  CHECK(out == want);
  if (std::thread::hardware_concurrency() > 1) {
    std::sort(makers.begin(), makers.end());
    CHECK(std::unique(makers.begin(), makers.end()) - makers.begin() > 1);
  }
}

TEST_CASE("parallel: a failing piece or hand-over stops the rest and reaches the caller", "[parallel]") {
  std::atomic<std::size_t> made{0};
  std::string out;
  const auto make = [&](std::size_t i) -> std::string {
    ++made;
    if (i == 50) throw std::runtime_error("piece 50");
    return std::to_string(i) + ",";
  };
  CHECK_THROWS_WITH(in_order(10000, make, [&](std::string&& piece) { out += piece; }), "piece 50");
  CHECK(made < 100);          // the rest was not made
  CHECK(out.size() < 50 * 4); // nor anything after piece 50 handed over
  made = 0;
  CHECK_THROWS_WITH(in_order(
                        10000, [&](std::size_t i) { return std::to_string(i); },
                        [&](std::string&& piece) {
                          if (piece == "7") throw std::runtime_error("closed");
                        }),
                    "closed");
}
