// Slurm's text forms: hostlists, GRES and TRES strings, topology (docs/slurm.md).
#include "fleetcap/error.hpp"
#include "slurm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

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

// One name with bracket groups, expanded into `out`.
bool expand_one(std::string_view name, std::vector<std::string>& out) {
  const auto open = name.find('[');
  if (open == std::string_view::npos) {
    if (name.find(']') != std::string_view::npos) return false;
    out.emplace_back(name);
    return true;
  }
  const auto close = name.find(']', open);
  if (close == std::string_view::npos) return false;
  const std::string_view prefix = name.substr(0, open), body = name.substr(open + 1, close - open - 1),
                         rest = name.substr(close + 1);
  if (body.empty()) return false;
  std::vector<std::string> tails; // the rest may hold more groups
  if (!expand_one(rest, tails)) return false;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto comma = body.find(',', start);
    if (comma == std::string_view::npos) comma = body.size();
    const std::string_view part = body.substr(start, comma - start);
    const auto dash = part.find('-');
    const std::string_view lo = part.substr(0, dash);
    const std::string_view hi = dash == std::string_view::npos ? lo : part.substr(dash + 1);
    if (!all_digits(lo) || !all_digits(hi) || lo.size() > 9 || hi.size() > 9) return false;
    unsigned long a = 0, b = 0;
    std::from_chars(lo.data(), lo.data() + lo.size(), a);
    std::from_chars(hi.data(), hi.data() + hi.size(), b);
    if (b < a || b - a > 1'000'000) return false;
    const std::size_t width = lo.size(); // "001-080": padded to 3
    for (unsigned long i = a; i <= b; ++i) {
      const std::string number = fmt::format("{:0{}}", i, width);
      for (const auto& tail : tails) out.push_back(fmt::format("{}{}{}", prefix, number, tail));
    }
    start = comma + 1;
  }
  return true;
}

} // namespace

std::optional<std::vector<std::string>> expand_hostlist(std::string_view list) {
  std::vector<std::string> out;
  list = trim(list);
  if (list.empty() || list == "(null)") return out;
  for (auto part : split_top(list)) {
    part = trim(part);
    if (part.empty()) continue;
    if (!expand_one(part, out)) return std::nullopt;
  }
  return out;
}

std::optional<std::vector<TypedGpus>> parse_gres(std::string_view gres) {
  std::vector<TypedGpus> out;
  gres = trim(gres);
  if (gres.empty() || gres == "(null)" || gres == "N/A") return out;
  for (auto entry : split_top(gres)) {
    entry = trim(entry);
    entry = entry.substr(0, entry.find('(')); // (S:0-1), (IDX:0-3)
    if (entry.starts_with("gres/") || entry.starts_with("gres:")) entry.remove_prefix(5);
    const auto colon = entry.find(':');
    if (entry.substr(0, colon) != "gpu") continue;
    std::string type;
    Gpus count = 1;
    if (colon != std::string_view::npos) {
      std::string_view rest = entry.substr(colon + 1);
      const auto last = rest.rfind(':');
      const std::string_view tail = last == std::string_view::npos ? rest : rest.substr(last + 1);
      if (all_digits(tail)) {
        auto c = to_count(tail);
        if (!c) return std::nullopt;
        count = *c;
        rest = last == std::string_view::npos ? std::string_view() : rest.substr(0, last);
      }
      if (rest.find_first_of(" =") != std::string_view::npos) return std::nullopt;
      type = std::string(rest);
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const TypedGpus& g) { return g.type == type; });
    if (it == out.end())
      out.push_back({type, count});
    else
      it->count += count;
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

std::unordered_map<std::string, std::string> parse_island_map(std::string_view text, std::string_view path) {
  std::unordered_map<std::string, std::string> map;
  std::size_t line_no = 0, start = 0;
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
    auto names = expand_hostlist(hosts);
    if (!names || island.empty() || island.find_first_of(" \t") != std::string_view::npos)
      throw UsageError(fmt::format("--island-map {} line {}: expected \"HOSTLIST ISLAND\" like \"gpu[01-16] ib1\", got "
                                   "\"{}\"",
                                   path, line_no, line.substr(0, 80)));
    for (auto& n : *names) map[n] = std::string(island);
  }
  return map;
}

} // namespace fleetcap::source::slurm
