// The streaming JSON writer: exact text, and the same bytes as nlohmann's dump(2) for
// the same document, which is what lets a renderer move from one to the other unnoticed.
#include <catch2/catch.hpp>

#include "fleetcap/model/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>

using namespace fleetcap;
using Json = nlohmann::ordered_json;
using json::JsonWriter;

namespace {

// What the documents were written with before the streaming writer: two-space indented, one
// trailing newline, bad UTF-8 replaced.
std::string dump(const Json& doc) { return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

std::string one_string(std::string_view s) {
  JsonWriter w;
  return w.value(s).finish();
}

std::string nlohmann_string(std::string_view s) { return dump(Json(std::string(s))); }

} // namespace

TEST_CASE("json writer: layout of nested and empty containers", "[json_writer]") {
  JsonWriter w;
  w.begin_object();
  w.field("name", "tiger").field("gpus", 96).field("healthy", true).field("tree", nullptr);
  w.key("empty_list").begin_array().end_array();
  w.key("empty_object").begin_object().end_object();
  w.array_field("nodes", std::vector<std::string>{"t01", "t02"});
  w.key("steps").begin_array();
  w.begin_object().field("at", "2026-11-20T12:00:00Z").field("healthy", -8).end_object();
  w.begin_array().end_array();
  w.value(std::optional<int>());
  w.end_array();
  w.end_object();
  CHECK(w.finish() == R"({
  "name": "tiger",
  "gpus": 96,
  "healthy": true,
  "tree": null,
  "empty_list": [],
  "empty_object": {},
  "nodes": [
    "t01",
    "t02"
  ],
  "steps": [
    {
      "at": "2026-11-20T12:00:00Z",
      "healthy": -8
    },
    [],
    null
  ]
}
)");
  JsonWriter top;
  CHECK(top.begin_array().end_array().finish() == "[]\n");
  JsonWriter again;
  CHECK(again.begin_object().end_object().finish() == "{}\n");
}

TEST_CASE("json writer: deep nesting", "[json_writer]") {
  // Shallow lines are indented by a fixed-size copy, deeper ones otherwise: cross the line.
  JsonWriter w;
  Json doc = Json::array();
  Json* at = &doc;
  for (int depth = 0; depth < 20; ++depth) {
    w.begin_array().value(depth);
    if (depth > 0) {
      at->push_back(Json::array());
      at = &at->back();
    }
    at->push_back(depth);
  }
  w.begin_object().field("deepest", true).end_object();
  at->push_back(Json{{"deepest", true}});
  for (int depth = 0; depth < 20; ++depth) w.end_array();
  CHECK(w.finish() == dump(doc));
}

TEST_CASE("json writer: integers at their limits", "[json_writer]") {
  JsonWriter w;
  w.begin_array();
  w.value(std::numeric_limits<std::int64_t>::min()).value(std::numeric_limits<std::int64_t>::max());
  w.value(std::numeric_limits<std::uint64_t>::max()).value(std::size_t{0}).value(0);
  w.end_array();
  CHECK(w.finish() == "[\n  -9223372036854775808,\n  9223372036854775807,\n  18446744073709551615,\n  0,\n  0\n]\n");
}

TEST_CASE("json writer: every escape, as nlohmann writes it", "[json_writer]") {
  CHECK(one_string("a\"b\\c/d") == "\"a\\\"b\\\\c/d\"\n");
  CHECK(one_string("\b\f\n\r\t") == "\"\\b\\f\\n\\r\\t\"\n");
  CHECK(one_string(std::string_view("\x00\x01\x1f", 3)) == "\"\\u0000\\u0001\\u001f\"\n");
  CHECK(one_string("\x7f") == "\"\x7f\"\n"); // DEL is not escaped
  CHECK(one_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
  CHECK(one_string("") == "\"\"\n");
  for (int c = 0; c < 0x80; ++c) {
    const std::string s(1, static_cast<char>(c));
    INFO("byte " << c);
    CHECK(one_string(s) == nlohmann_string(s));
  }
}

TEST_CASE("json writer: an escape anywhere in a long string", "[json_writer]") {
  // Each kind of byte at every offset of a long string, whatever the scan's stride (16 bytes,
  // then 8, then one), and with every length after it.
  for (const std::string special : {"\"", "\\", "\n", "\x01", "\x1f", " ", "\x7f", "\xc3\xa9", "\xff", "\x80"})
    for (std::size_t at = 0; at < 40; ++at) {
      const std::string s = std::string(at, 'a') + special + std::string(at % 17, 'b');
      INFO(s);
      CHECK(one_string(s) == nlohmann_string(s));
    }
  // Every byte value at every offset of a 40-byte string: the wide reads must tell each one
  // (0x1f/0x20, 0x7f/0x80 and the quote and backslash among their neighbours) wherever it falls.
  std::size_t differ = 0;
  for (int b = 0; b < 256; ++b)
    for (std::size_t at = 0; at < 40; ++at) {
      std::string s(40, 'x');
      s[at] = static_cast<char>(b);
      differ += one_string(s) != nlohmann_string(s);
    }
  CHECK(differ == 0);
  // And in every short string, where the whole string is read as one word, two overlapping
  // halves (4 to 7 bytes) or byte by byte into a word (under 4), and as a key too.
  std::size_t short_differ = 0, key_differ = 0;
  for (std::size_t len = 1; len <= 17; ++len)
    for (int b = 0; b < 256; ++b)
      for (std::size_t at = 0; at < len; ++at) {
        std::string s(len, 'y');
        s[at] = static_cast<char>(b);
        short_differ += one_string(s) != nlohmann_string(s);
        JsonWriter w;
        w.begin_object().key(s).value(1).end_object();
        Json doc = Json::object();
        doc[s] = 1;
        key_differ += w.finish() != dump(doc);
      }
  CHECK(short_differ == 0);
  CHECK(key_differ == 0);
}

TEST_CASE("json writer: text that is not UTF-8 is nlohmann's to replace", "[json_writer]") {
  const std::vector<std::string> bad = {
      "\xff",
      "a\xfe"
      "b",
      "\xc3",
      "x\xc3",
      "\xc0\xaf", // stray, truncated, overlong
      "\xe0\x80\xaf",
      "\xed\xa0\x80",
      "\xf4\x90\x80\x80", // overlong, surrogate, past U+10FFFF
      "\xf0\x9f\x98",
      "ok \xe2\x82 then \"quoted\"\n\x01 \xc3\xa9", // cut short, then escapes
  };
  for (const auto& s : bad) {
    INFO(s);
    CHECK(one_string(s) == nlohmann_string(s));
    CHECK(one_string(s).find("\xef\xbf\xbd") != std::string::npos); // U+FFFD
  }
  // Keys go through the same escaping.
  JsonWriter w;
  w.begin_object().field("k\xff\n", 1).end_object();
  Json doc;
  doc["k\xff\n"] = 1;
  CHECK(w.finish() == dump(doc));
}

TEST_CASE("json writer: random documents match nlohmann byte for byte", "[json_writer]") {
  std::mt19937 rng(20261120);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  // Bytes that matter to escaping and to UTF-8 checking, and a few plain ones.
  const std::string alphabet = std::string("aZ0 /\"\\\b\f\n\r\t\x01\x1f\x7f", 15) +
                               "\x80\xbf\xc2\xc3\xdf\xe0\xe2\xed"
                               "\xef\xf0\xf4\xf5\xff\xa0\x9f\x8f\x90";
  auto random_text = [&] {
    std::string s;
    for (int k = pick(12); k > 0; --k) {
      if (pick(3) == 0) s += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" + pick(4); // UTF-8, whole or cut
      s += alphabet[static_cast<std::size_t>(pick(static_cast<int>(alphabet.size())))];
    }
    return s;
  };
  // Builds the same random value both ways.
  std::function<Json(JsonWriter&, int)> build = [&](JsonWriter& w, int depth) -> Json {
    switch (depth > 3 ? pick(4) : pick(6)) {
    case 0: {
      const std::string s = random_text();
      w.value(s);
      return s;
    }
    case 1: {
      const auto n = static_cast<std::int64_t>(rng()) - (1LL << 31);
      w.value(n);
      return n;
    }
    case 2: {
      const bool b = pick(2);
      w.value(b);
      return b;
    }
    case 3: w.value(nullptr); return nullptr;
    case 4: {
      Json a = Json::array();
      w.begin_array();
      for (int k = pick(4); k > 0; --k) a.push_back(build(w, depth + 1));
      w.end_array();
      return a;
    }
    default: {
      Json o = Json::object();
      w.begin_object();
      for (int k = pick(4); k > 0; --k) {
        const std::string key = random_text() + std::to_string(k); // distinct keys, as ours are
        w.key(key);
        o[key] = build(w, depth + 1);
      }
      w.end_object();
      return o;
    }
    }
  };
  for (int round = 0; round < 2000; ++round) {
    JsonWriter w;
    const Json doc = build(w, 0);
    const std::string expected = dump(doc);
    INFO(expected);
    REQUIRE(w.finish() == expected);
  }
}

TEST_CASE("json writer: append_quoted is the writer's own escaping, for text built around it", "[json_writer]") {
  for (const std::string& s : {std::string("tiger"), std::string("a\"b\\c\n\x01\x7f"), std::string("caf\xc3\xa9"),
                               std::string("bad \xff byte"), std::string()}) {
    std::string out = "[";
    json::append_quoted(out, s);
    std::string want = one_string(s); // the writer's document: the string and a newline
    want.pop_back();
    INFO(s);
    CHECK(out.substr(1) == want);
    CHECK(out.front() == '[');
  }
}
