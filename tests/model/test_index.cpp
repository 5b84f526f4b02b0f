// The model's storage and lookup types: ArrayArena, TextArena, NameIndex, Groups.
#include "fleetcap/model/model.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace fleetcap;

TEST_CASE("TextArena keeps every stored view valid, across block growth and a move") {
  TextArena arena;
  std::vector<std::string> originals;
  std::vector<std::string_view> views;
  for (int i = 0; i < 20000; ++i) { // about 600 KB: several blocks
    originals.push_back("node-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x'));
    views.push_back(arena.store(originals.back()));
  }
  const std::string big(300000, 'b'); // larger than a block
  views.push_back(arena.store(big));
  originals.push_back(big);
  TextArena moved = std::move(arena);
  (void)moved.store("after the move");
  for (std::size_t i = 0; i < views.size(); ++i) REQUIRE(views[i] == originals[i]);
  CHECK(moved.store("").empty());
}

TEST_CASE("ArrayArena keeps every stored span valid and contiguous, across growth and moves") {
  ArrayArena<std::uint32_t> arena;
  std::vector<std::vector<std::uint32_t>> originals;
  std::vector<std::span<const std::uint32_t>> spans;
  for (std::uint32_t i = 0; i < 30000; ++i) { // about 1.2 MB: several blocks
    originals.emplace_back(i % 13, i);
    spans.push_back(arena.store(originals.back()));
  }
  originals.emplace_back(100000, 7u); // larger than a block
  spans.push_back(arena.store(originals.back()));
  ArrayArena<std::uint32_t> moved = std::move(arena);
  // The moved-from arena starts afresh: it must not write into the blocks `moved` now owns.
  const std::vector<std::uint32_t> later(50, 42u), other(50, 43u);
  const auto a = moved.store(later);
  const auto b = arena.store(other);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    REQUIRE(spans[i].size() == originals[i].size());
    REQUIRE(std::equal(spans[i].begin(), spans[i].end(), originals[i].begin()));
  }
  CHECK(std::vector<std::uint32_t>(a.begin(), a.end()) == later);
  CHECK(std::vector<std::uint32_t>(b.begin(), b.end()) == other);
  CHECK(moved.store({}).empty());
}

TEST_CASE("TextArena keeps lists of names beside the names") {
  TextArena arena;
  const std::vector<std::string_view> names = {arena.store("t01"), arena.store("t02"), arena.store("t03")};
  const auto list = arena.store_list(names);
  REQUIRE(list.size() == 3);
  CHECK(list[0] == "t01");
  CHECK(list[2] == "t03");
  CHECK(list.data() != names.data());
  CHECK(arena.store_list({}).empty());
}

TEST_CASE("NameIndex finds what it holds, keeps the first holder of a name, grows") {
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("h100-use-001-n" + std::to_string(i));
  names.push_back("h100-use-001-n17"); // a second holder of one name
  NameIndex index(names.data(), sizeof(std::string), [](const void* p, std::uint32_t i) {
    return std::string_view(static_cast<const std::string*>(p)[i]);
  });
  names.pop_back(); // the vector keeps its storage: the 5000th item stays readable
  for (std::size_t i = 0; i < names.size(); ++i) REQUIRE(index.insert(names[i], static_cast<std::uint32_t>(i)) == i);
  CHECK(index.size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) REQUIRE(index.find(names[i]) == i);
  // A duplicate returns the first holder and changes nothing.
  CHECK(index.insert(std::string("h100-use-001-n17"), 5000) == 17);
  CHECK(index.find("h100-use-001-n17") == 17);
  CHECK(index.size() == names.size());
  // Absent names, including prefixes, extensions and the empty name.
  CHECK(index.find("h100-use-001-n") == kNone);
  CHECK(index.find("h100-use-001-n49999") == kNone);
  CHECK(index.find("") == kNone);
  CHECK_FALSE(index.contains("nope"));
  CHECK(NameIndex().find("anything") == kNone);
  // The hash given explicitly is the one find() computes.
  CHECK(index.find(names[42], NameIndex::hash(names[42])) == 42);
  // A slot holds the item number only: the name is read from the item (8 bytes a slot).
  struct Item {
    std::string_view name;
  };
  std::vector<Item> items = {{"a"}, {"b"}, {"c"}};
  NameIndex over = NameIndex::over_names(items);
  for (std::uint32_t i = 0; i < items.size(); ++i) CHECK(over.insert(items[i].name, i) == i);
  CHECK(over.find("b") == 1);
  items[1].name = "z"; // the index reads names where the items are
  CHECK(over.find("b") == kNone);
}

TEST_CASE("Groups lists each owner's members in the order they were added") {
  Groups::Builder builder(4);
  builder.add(2, 10);
  builder.add(0, 11);
  builder.add(2, 12);
  builder.add(7, 13); // no such owner: skipped
  builder.add(0, 14);
  const Groups groups = std::move(builder).build();
  REQUIRE(groups.size() == 4);
  CHECK(std::vector<std::uint32_t>(groups[0].begin(), groups[0].end()) == std::vector<std::uint32_t>{11, 14});
  CHECK(groups[1].empty());
  CHECK(std::vector<std::uint32_t>(groups[2].begin(), groups[2].end()) == std::vector<std::uint32_t>{10, 12});
  CHECK(groups[3].size() == 0);
  CHECK(Groups().size() == 0);
}
