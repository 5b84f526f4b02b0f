// Slurm's text forms: hostlists, GRES and TRES strings, topology (docs/slurm.md).
#include "fleetcap/error.hpp"
#include "fleetcap/text.hpp"
#include "slurm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <unordered_map>

namespace fleetcap::source::slurm {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<Gpus> to_count(std::string_view s) {
  Gpus v = 0;
  if (!all_digits(s) || s.size() > 10) return std::nullopt;
  std::from_chars(s.data(), s.data() + s.size(), v);
  if (v > kMaxGpus) return std::nullopt;
  return v;
}

// Splits at commas outside brackets and parentheses.
std::vector<std::string_view> split_top(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '[' || c == '(')
      ++depth;
    else if ((c == ']' || c == ')') && depth > 0)
      --depth;
    else if (c == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One name of a hostlist: literal text with bracket groups of ranges, "r[1-2]n[01-16]x".
struct Range {
  unsigned long lo = 0, hi = 0;
  std::size_t width = 0; // "001-080": numbers padded to 3 digits
};
struct Pattern {
  std::vector<std::pair<std::string_view, std::vector<Range>>> groups; // literal before each group
  std::string_view tail;                                               // after the last group
};

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();
std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) { return a > kSaturated - b ? kSaturated : a + b; }
std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b) { return b != 0 && a > kSaturated / b ? kSaturated : a * b; }

std::optional<Pattern> parse_name(std::string_view name) {
  Pattern p;
  for (;;) {
    const auto open = name.find('[');
    if (open == std::string_view::npos) {
      if (name.find(']') != std::string_view::npos) return std::nullopt;
      p.tail = name;
      return p;
    }
    const auto close = name.find(']', open);
    const std::string_view literal = name.substr(0, open);
    if (close == std::string_view::npos || literal.find(']') != std::string_view::npos) return std::nullopt;
    const std::string_view body = name.substr(open + 1, close - open - 1);
    if (body.empty() || body.find('[') != std::string_view::npos) return std::nullopt;
    std::vector<Range> ranges;
    for (std::size_t start = 0; start <= body.size();) {
      auto comma = body.find(',', start);
      if (comma == std::string_view::npos) comma = body.size();
      const std::string_view part = body.substr(start, comma - start);
      const auto dash = part.find('-');
      const std::string_view lo = part.substr(0, dash);
      const std::string_view hi = dash == std::string_view::npos ? lo : part.substr(dash + 1);
      if (!all_digits(lo) || !all_digits(hi) || lo.size() > 9 || hi.size() > 9) return std::nullopt;
      Range r;
      std::from_chars(lo.data(), lo.data() + lo.size(), r.lo);
      std::from_chars(hi.data(), hi.data() + hi.size(), r.hi);
      if (r.hi < r.lo) return std::nullopt;
      r.width = lo.size();
      ranges.push_back(r);
      start = comma + 1;
    }
    p.groups.emplace_back(literal, std::move(ranges));
    name.remove_prefix(close + 1);
  }
}

std::uint64_t size_of(const Pattern& p) {
  std::uint64_t n = 1;
  for (const auto& [literal, ranges] : p.groups) {
    std::uint64_t group = 0;
    for (const Range& r : ranges) group = add_sat(group, r.hi - r.lo + 1);
    n = mul_sat(n, group);
  }
  return n;
}

// Every name of `p` into `out`, the first group varying slowest (Slurm's order).
void expand_pattern(const Pattern& p, std::vector<std::string>& out) {
  std::vector<std::size_t> range(p.groups.size(), 0);
  std::vector<unsigned long> value(p.groups.size());
  for (std::size_t g = 0; g < p.groups.size(); ++g) value[g] = p.groups[g].second[0].lo;
  for (;;) {
    std::string name;
    for (std::size_t g = 0; g < p.groups.size(); ++g) {
      name += p.groups[g].first;
      fmt::format_to(std::back_inserter(name), "{:0{}}", value[g], p.groups[g].second[range[g]].width);
    }
    name += p.tail;
    out.push_back(std::move(name));
    std::size_t g = p.groups.size();
    while (g > 0) { // the odometer: the last group turns fastest
      --g;
      const auto& ranges = p.groups[g].second;
      if (value[g] < ranges[range[g]].hi) {
        ++value[g];
        break;
      }
      if (range[g] + 1 < ranges.size()) {
        value[g] = ranges[++range[g]].lo;
        break;
      }
      range[g] = 0;
      value[g] = ranges[0].lo;
      if (g == 0) return;
    }
    if (p.groups.empty()) return;
  }
}

std::optional<std::vector<Pattern>> parse_hostlist(std::string_view list) {
  std::vector<Pattern> out;
  list = trim(list);
  if (list.empty() || list == "(null)") return out;
  for (auto part : split_top(list)) {
    part = trim(part);
    if (part.empty()) continue;
    auto p = parse_name(part);
    if (!p) return std::nullopt;
    out.push_back(std::move(*p));
  }
  return out;
}

// A GPU type as Slurm names one: letters, digits, '_', '.', '+' and '-' (not first).
bool gres_type(std::string_view t) {
  return !t.empty() && t.front() != '-' && std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '+' || c == '-';
  });
}

} // namespace

std::optional<std::uint64_t> hostlist_size(std::string_view list) {
  auto patterns = parse_hostlist(list);
  if (!patterns) return std::nullopt;
  std::uint64_t n = 0;
  for (const auto& p : *patterns) n = add_sat(n, size_of(p));
  return n;
}

std::optional<std::vector<std::string>> expand_hostlist(std::string_view list, std::uint64_t limit) {
  auto patterns = parse_hostlist(list);
  if (!patterns) return std::nullopt;
  std::uint64_t n = 0;
  for (const auto& p : *patterns) n = add_sat(n, size_of(p));
  if (n > limit) return std::nullopt; // counted before a single name is made
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (const auto& p : *patterns) expand_pattern(p, out);
  return out;
}

std::optional<std::vector<TypedGpus>> parse_gres(std::string_view gres) {
  std::vector<TypedGpus> out;
  std::unordered_map<std::string_view, std::size_t> at; // type -> its entry in `out`: linear in the entries
  gres = trim(gres);
  if (gres.empty() || gres == "(null)" || gres == "N/A") return out;
  for (auto entry : split_top(gres)) {
    entry = trim(entry);
    entry = entry.substr(0, entry.find('(')); // (S:0-1), (IDX:0-3)
    if (entry.starts_with("gres/") || entry.starts_with("gres:")) entry.remove_prefix(5);
    // NAME[:TYPE][:COUNT]
    std::array<std::string_view, 4> parts;
    std::size_t n = 0;
    for (std::size_t start = 0; start <= entry.size() && n < parts.size();) {
      auto colon = entry.find(':', start);
      if (colon == std::string_view::npos) colon = entry.size();
      parts[n++] = entry.substr(start, colon - start);
      start = colon + 1;
    }
    if (parts[0] != "gpu") continue;
    if (n > 3) return std::nullopt;
    std::string_view type;
    Gpus count = 1;
    if (n >= 2 && (n == 3 || !all_digits(parts[1]))) {
      type = parts[1];
      if (!gres_type(type)) return std::nullopt; // "gpu:h100:-8" is no type "h100:-8"
    }
    if (n == 3 || (n == 2 && all_digits(parts[1]))) {
      auto c = to_count(parts[n - 1]);
      if (!c) return std::nullopt;
      count = *c;
    }
    auto [it, fresh] = at.try_emplace(type, out.size());
    if (fresh)
      out.push_back({std::string(type), count});
    else
      out[it->second].count = std::min<Gpus>(kMaxGpus, out[it->second].count + count);
  }
  return out;
}

std::optional<GpuRequest> parse_tres_request(std::string_view tres) {
  GpuRequest r;
  tres = trim(tres);
  if (tres.empty() || tres == "(null)") return r;
  for (auto entry : split_top(tres)) {
    entry = trim(entry);
    if (entry.starts_with("gres/") || entry.starts_with("gres:")) entry.remove_prefix(5);
    if (entry.substr(0, entry.find_first_of(":=")) != "gpu") continue;
    std::string normal(entry);
    std::replace(normal.begin(), normal.end(), '=', ':');
    auto gpus = parse_gres(normal);
    if (!gpus) return std::nullopt;
    for (const auto& g : *gpus) {
      r.count += g.count;
      if (r.type.empty()) r.type = g.type;
    }
  }
  return r;
}

std::optional<GpuRequest> parse_tres_alloc(std::string_view tres) {
  std::optional<GpuRequest> r;
  std::string type;
  for (auto entry : split_top(tres)) {
    entry = trim(entry);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = entry.substr(0, eq), value = entry.substr(eq + 1);
    if (key == "gres/gpu") {
      auto c = to_count(value);
      if (!c) return std::nullopt;
      r = GpuRequest{*c, {}};
    } else if (key.starts_with("gres/gpu:") && type.empty()) {
      type = std::string(key.substr(9));
    }
  }
  if (r) r->type = type;
  return r;
}

std::string island_from_topology(std::string_view topology) {
  topology = trim(topology);
  topology = topology.substr(0, topology.find(',')); // several topologies: the first
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= topology.size()) {
    auto colon = topology.find(':', start);
    if (colon == std::string_view::npos) colon = topology.size();
    parts.push_back(topology.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() < 2) return {};
  return std::string(parts.size() == 2 ? parts[1] : parts[2]);
}

std::unordered_map<std::string, std::string> parse_island_map(std::string_view text, std::string_view path,
                                                              std::uint64_t limit) {
  std::unordered_map<std::string, std::string> map;
  std::size_t line_no = 0, start = 0;
  std::uint64_t named = 0; // names so far: the whole file names at most `limit`
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    line = trim(line.substr(0, line.find('#')));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto space = line.find_first_of(" \t");
    const std::string_view hosts = line.substr(0, space);
    const std::string_view island = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
    const auto size = hostlist_size(hosts);
    if (!size || island.empty() || island.find_first_of(" \t") != std::string_view::npos)
      throw UsageError(fmt::format("--island-map {} line {}: expected \"HOSTLIST ISLAND\" like \"gpu[01-16] ib1\", got "
                                   "\"{}\"",
                                   path, line_no, quote_from_server(line, 80)));
    if (*size > limit - named)
      throw UsageError(fmt::format("--island-map {} line {}: the map names more than {} nodes in all (this line {}); "
                                   "a map lists the cluster's nodes",
                                   path, line_no, limit, *size));
    named += *size;
    const auto names = expand_hostlist(hosts, *size); // counted above: within the limit
    for (const auto& n : *names) map[n] = std::string(island);
  }
  return map;
}

} // namespace fleetcap::source::slurm
