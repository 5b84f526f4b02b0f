#include "fleetcap/model/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <numeric>

namespace fleetcap {

namespace {
char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
std::size_t length_gap(std::size_t a, std::size_t b) { return a > b ? a - b : b - a; }
} // namespace

std::size_t bounded_distance(std::string_view a, std::string_view b, std::size_t limit) {
  if (length_gap(a.size(), b.size()) > limit) return limit + 1;
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    std::size_t best = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1)});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > limit) return limit + 1; // every path already costs more
  }
  return std::min(row[b.size()], limit + 1);
}

std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string_view>& names,
                                       std::size_t n) {
  std::vector<std::string> out;
  if (word.empty() || word.size() > kMaxSuggestLength) return out;
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::vector<std::pair<std::size_t, std::string_view>> scored;
  for (auto name : names) {
    if (length_gap(name.size(), word.size()) > limit) continue;
    const std::size_t d = bounded_distance(word, name, limit);
    if (d <= limit) scored.emplace_back(d, name);
  }
  std::sort(scored.begin(), scored.end());
  scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
  for (std::size_t i = 0; i < scored.size() && out.size() < n; ++i)
    if (std::find(out.begin(), out.end(), scored[i].second) == out.end()) out.emplace_back(scored[i].second);
  return out;
}

std::string did_you_mean(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::string out = "; did you mean ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += fmt::format("\"{}\"", names[i]);
  }
  return out + "?";
}

} // namespace fleetcap
