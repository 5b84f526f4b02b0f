// Slurm hostlists (src/model/hostlist.cpp): compress_hostlist, checked against the Slurm adapter's
// expander (src/source/slurm_text.cpp): expanding what it writes gives the names back.
#include "fleetcap/model/hostlist.hpp"
#include "source/slurm.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace fleetcap;

namespace {
std::string compress(std::vector<std::string_view> names) { return compress_hostlist(names); }
} // namespace

TEST_CASE("compress_hostlist writes runs as Slurm does") {
  CHECK(compress({}) == "");
  CHECK(compress({"h100-01"}) == "h100-01");
  CHECK(compress({"h100-01", "h100-02", "h100-03", "h100-04"}) == "h100-[01-04]");
  CHECK(compress({"h100-04", "h100-02", "h100-01", "h100-07", "h100-03"}) == "h100-[01-04,07]");
  CHECK(compress({"h100-01", "h200-01", "h100-02"}) == "h100-[01-02],h200-01");
  // Zero padding is a width: 1 and 01 are different names and do not share a bracket.
  CHECK(compress({"n1", "n2", "n01"}) == "n[1-2],n01");
  CHECK(compress({"n9", "n10", "n11"}) == "n[9-11]");
  CHECK(compress({"login", "n1", "login"}) == "login,n1");
  CHECK(compress({"gpu1-ib", "gpu2-ib"}) == "gpu1-ib,gpu2-ib"); // no trailing number
  CHECK(compress({"t01", "t01", "t02"}) == "t[01-02]");
}

TEST_CASE("expanding a compressed hostlist gives the names back") {
  std::mt19937 rng(21);
  const std::vector<std::string> prefixes = {"h100-", "gpu", "rack2-n", "x"};
  for (int round = 0; round < 200; ++round) {
    std::set<std::string> names;
    const int count = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < count; ++i) {
      const auto& p = prefixes[rng() % prefixes.size()];
      const auto n = static_cast<unsigned>(rng() % 120);
      names.insert(rng() % 2 ? p + std::to_string(n) : p + fmt::format("{:03}", n));
    }
    std::vector<std::string_view> views(names.begin(), names.end());
    std::shuffle(views.begin(), views.end(), rng);
    const std::string list = compress_hostlist(views);
    INFO(list);
    const auto back = source::slurm::expand_hostlist(list);
    REQUIRE(back);
    CHECK(std::set<std::string>(back->begin(), back->end()) == names);
    CHECK(back->size() == names.size());
  }
}
