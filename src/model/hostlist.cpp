// Slurm hostlists: runs of node names, as Slurm's own tools print them.
#include "fleetcap/model/hostlist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace fleetcap {
namespace {

// A name's prefix and trailing number; width > 0 when the number is zero-padded to that width.
struct Split {
  std::string_view prefix;
  std::uint64_t number = 0;
  std::size_t width = 0;
  bool numbered = false;
};

Split split(std::string_view name) {
  std::size_t d = name.size();
  while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9') --d;
  const std::string_view digits = name.substr(d);
  // Up to 18 digits fit a 64-bit number; longer runs are names, not indices.
  if (digits.empty() || digits.size() > 18) return {name, 0, 0, false};
  Split s{name.substr(0, d), 0, digits.size() > 1 && digits.front() == '0' ? digits.size() : 0, true};
  for (char c : digits) s.number = s.number * 10 + static_cast<std::uint64_t>(c - '0');
  return s;
}

std::string padded(std::uint64_t n, std::size_t width) { return fmt::format("{:0{}}", n, width); }

} // namespace

std::string compress_hostlist(std::span<const std::string_view> names) {
  // Groups keyed by (prefix, width), in order of first appearance.
  std::vector<std::tuple<std::string_view, std::size_t, std::vector<std::uint64_t>>> groups;
  std::map<std::pair<std::string_view, std::size_t>, std::size_t> at;
  std::vector<std::string_view> plain;
  std::vector<std::pair<bool, std::size_t>> order; // (numbered, index) of each group or plain name
  for (const auto name : names) {
    const Split s = split(name);
    if (!s.numbered) {
      if (std::find(plain.begin(), plain.end(), name) == plain.end()) {
        order.emplace_back(false, plain.size());
        plain.push_back(name);
      }
      continue;
    }
    auto [it, fresh] = at.emplace(std::pair{s.prefix, s.width}, groups.size());
    if (fresh) {
      order.emplace_back(true, groups.size());
      groups.emplace_back(s.prefix, s.width, std::vector<std::uint64_t>{});
    }
    std::get<2>(groups[it->second]).push_back(s.number);
  }
  std::string out;
  for (const auto& [numbered, index] : order) {
    if (!out.empty()) out += ',';
    if (!numbered) {
      out += plain[index];
      continue;
    }
    auto& [prefix, width, numbers] = groups[index];
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    out += prefix;
    if (numbers.size() == 1) {
      out += padded(numbers.front(), width);
      continue;
    }
    out += '[';
    for (std::size_t k = 0; k < numbers.size();) {
      std::size_t end = k;
      while (end + 1 < numbers.size() && numbers[end + 1] == numbers[end] + 1) ++end;
      if (k) out += ',';
      out += padded(numbers[k], width);
      if (end > k) out += '-' + padded(numbers[end], width);
      k = end + 1;
    }
    out += ']';
  }
  return out;
}

} // namespace fleetcap
