// "Did you mean" (src/model/suggest.cpp): nearest names, and bounded cost for long words.
#include "fleetcap/model/suggest.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace fleetcap;

TEST_CASE("closest names: within a third of the word, nearest first, then by name") {
  const std::vector<std::string_view> names{"capacity", "flex", "quota", "overalloc", "maintenance"};
  CHECK(closest_names("capcity", names) == std::vector<std::string>{"capacity"});
  CHECK(closest_names("QUOTA", names) == std::vector<std::string>{"quota"});
  CHECK(closest_names("zzzzzz", names).empty());
  CHECK(closest_names("", names).empty());
  const std::vector<std::string_view> nodes{"t05", "t01", "t15", "l05"};
  CHECK(closest_names("t5", nodes) == std::vector<std::string>{"t05", "t15", "l05"});
  CHECK(did_you_mean({"a", "b", "c"}) == "; did you mean \"a\", \"b\" or \"c\"?");
  CHECK(did_you_mean({}).empty());
}

TEST_CASE("bounded distance stops at the limit") {
  CHECK(bounded_distance("kitten", "sitting", 5) == 3);
  CHECK(bounded_distance("kitten", "sitting", 2) == 3); // limit + 1: more than 2
  CHECK(bounded_distance("a", "abcdefgh", 3) == 4);
}

TEST_CASE("a 3,000-character name against 250,000 names gets the right answers") {
  std::vector<std::string> storage;
  storage.reserve(250000);
  for (int i = 0; i < 250000; ++i) storage.push_back("node-" + std::to_string(i));
  std::vector<std::string_view> names(storage.begin(), storage.end());
  const std::string huge(3000, 'x');
  const std::string long_name = "node-" + std::string(59, '7');
  // Its cost is bounded by construction (no suggestion past kMaxSuggestLength, names of another
  // length skipped unread, each distance stopped at its limit); speed is for bench/, not a
  // timed test, so this checks the answers only (the old lookup took 23 s, issue 16.10).
  CHECK(closest_names(huge, names).empty());
  CHECK(closest_names(long_name, names).empty());
  CHECK(closest_names("node-12345x", names).front() == "node-12345");
}
