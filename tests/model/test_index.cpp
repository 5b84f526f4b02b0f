// The model's storage and lookup types: TextArena, NameIndex, Groups.
#include "fleetcap/model/model.hpp"

#include <catch2/catch.hpp>

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

TEST_CASE("NameIndex finds what it holds, keeps the first holder of a name, grows") {
  NameIndex index;
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("h100-use-001-n" + std::to_string(i));
  for (std::size_t i = 0; i < names.size(); ++i) REQUIRE(index.insert(names[i], static_cast<std::uint32_t>(i)) == i);
  CHECK(index.size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) REQUIRE(index.find(names[i]) == i);
  // A duplicate returns the first holder and changes nothing.
  CHECK(index.insert(std::string("h100-use-001-n17"), 9999) == 17);
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
