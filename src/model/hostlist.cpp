#include "fleetcap/model/hostlist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace fleetcap {
namespace {

struct Host {
  std::string_view prefix;  // everything before the final run of digits
  std::size_t width = 0;    // the bracket it can share: its digits' count, or 0 for any width
  std::uint64_t number = 0; // the final run of digits
  std::string_view digits;  // as written
  bool numbered = false;    // has a final run of digits Slurm can range over
  std::string_view name;
};

Host parse_host(std::string_view name) {
  Host h;
  h.name = name;
  std::size_t start = name.size();
  while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9') --start;
  const std::size_t digits = name.size() - start;
  // Up to 18 digits (no overflow); a name that is all digits, or holds the notation's own
  // characters, is left as it is.
  if (digits == 0 || digits > 18 || start == 0 || name.find_first_of("[],") != std::string_view::npos) return h;
  h.numbered = true;
  h.prefix = name.substr(0, start);
  h.digits = name.substr(start);
  for (char c : h.digits) h.number = h.number * 10 + static_cast<std::uint64_t>(c - '0');
  h.width = h.digits.size() > 1 && h.digits.front() == '0' ? h.digits.size() : 0;
  return h;
}

// Numbers of one bracket: "01-04,07".
std::string ranges(const std::vector<const Host*>& run) {
  std::string out;
  std::size_t i = 0;
  while (i < run.size()) {
    std::size_t j = i;
    while (j + 1 < run.size() && run[j + 1]->number == run[j]->number + 1) ++j;
    if (!out.empty()) out += ',';
    out += run[i]->digits;
    if (j > i) {
      out += '-';
      out += run[j]->digits;
    }
    i = j + 1;
  }
  return out;
}

} // namespace

std::string compress_hostlist(const std::vector<std::string_view>& names) {
  std::vector<Host> hosts;
  hosts.reserve(names.size());
  for (auto n : names) hosts.push_back(parse_host(n));
  // A zero-padded number shares a bracket only with numbers of its width ("n[09-10]": Slurm
  // pads to the first number's width); an unpadded one joins padded numbers of its own width
  // when there are any, else the unpadded numbers of any width ("n[9-10]").
  std::vector<std::pair<std::string_view, std::size_t>> padded;
  for (const auto& h : hosts)
    if (h.width) padded.emplace_back(h.prefix, h.width);
  std::sort(padded.begin(), padded.end());
  for (auto& h : hosts)
    if (h.numbered && !h.width &&
        std::binary_search(padded.begin(), padded.end(), std::pair(h.prefix, h.digits.size())))
      h.width = h.digits.size();
  const auto group_width = [](const Host& h) { return h.width; };
  std::sort(hosts.begin(), hosts.end(), [&](const Host& a, const Host& b) {
    if (a.numbered != b.numbered) return a.numbered; // numbered first, then the rest by name
    if (!a.numbered) return a.name < b.name;
    return std::tuple(a.prefix, group_width(a), a.number) < std::tuple(b.prefix, group_width(b), b.number);
  });
  hosts.erase(std::unique(hosts.begin(), hosts.end(), [](const Host& a, const Host& b) { return a.name == b.name; }),
              hosts.end());
  std::string out;
  auto add = [&](const std::string& part) {
    if (!out.empty()) out += ',';
    out += part;
  };
  for (std::size_t i = 0; i < hosts.size();) {
    const Host& h = hosts[i];
    if (!h.numbered) {
      add(std::string(h.name));
      ++i;
      continue;
    }
    std::vector<const Host*> run;
    std::size_t j = i;
    for (; j < hosts.size() && hosts[j].numbered && hosts[j].prefix == h.prefix &&
           group_width(hosts[j]) == group_width(h);
         ++j)
      run.push_back(&hosts[j]);
    if (run.size() == 1)
      add(std::string(h.name));
    else
      add(fmt::format("{}[{}]", h.prefix, ranges(run)));
    i = j;
  }
  return out;
}

} // namespace fleetcap
