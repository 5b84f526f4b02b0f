// compress_hostlist (src/model/hostlist.cpp) against Slurm's notation, and read back by the
// Slurm adapter's expand_hostlist: every compressed list expands to the names it was made of.
#include "fleetcap/model/hostlist.hpp"
#include "source/slurm.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

using namespace fleetcap;

namespace {
std::string compress(std::vector<std::string> names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  return compress_hostlist(views);
}
} // namespace

TEST_CASE("compress_hostlist writes Slurm's ranges", "[hostlist]") {
  CHECK(compress({}) == "");
  CHECK(compress({"h100-01"}) == "h100-01");
  CHECK(compress({"h100-02", "h100-01", "h100-03", "h100-05"}) == "h100-[01-03,05]");
  CHECK(compress({"h100-01", "h100-02", "h200-01", "h200-02"}) == "h100-[01-02],h200-[01-02]");
  // Padded numbers keep their width; an unpadded number of that width joins them.
  CHECK(compress({"n09", "n10", "n11"}) == "n[09-11]");
  CHECK(compress({"n9", "n10", "n11"}) == "n[9-11]");
  CHECK(compress({"n1", "n01"}) == "n1,n01");
  // Duplicates once; names without a final number, or with the notation's characters, as they are.
  CHECK(compress({"a1", "a1", "a2"}) == "a[1-2]");
  CHECK(compress({"login", "gpu3", "x[1]"}) == "gpu3,login,x[1]");
  CHECK(compress({"t01", "t02", "l01"}) == "l01,t[01-02]");
}

TEST_CASE("a compressed hostlist expands to the names it was made of", "[hostlist]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::set<std::string> names;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      const char* prefix[] = {"gpu", "h100-", "node-a", "n"};
      const int width = 1 + static_cast<int>(rng() % 3);
      names.insert(fmt::format("{}{:0{}}", prefix[rng() % 4], rng() % 130, width));
    }
    std::vector<std::string> list(names.begin(), names.end());
    const std::string text = compress(list);
    INFO(text);
    auto back = source::slurm::expand_hostlist(text);
    REQUIRE(back);
    std::sort(back->begin(), back->end());
    CHECK(*back == list);
  }
}
