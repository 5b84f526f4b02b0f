#include "fleetcap/model/time.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fmt/format.h>

namespace fleetcap {
namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

} // namespace

namespace {
std::optional<Time> parse_any_year(std::string_view s, int* year_out);
} // namespace

std::optional<Time> parse_rfc3339(std::string_view s) {
  int year = 0;
  auto t = parse_any_year(s, &year);
  if (!t || year < kMinYear || year > kMaxYear) return std::nullopt;
  return t;
}

bool rfc3339_out_of_range(std::string_view s) {
  int year = 0;
  return parse_any_year(s, &year) && (year < kMinYear || year > kMaxYear);
}

namespace {
std::optional<Time> parse_any_year(std::string_view s, int* year_out) {
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mon < 1 || mon > 12 || day < 1) return std::nullopt;
  if (day > kDays[mon - 1] + (mon == 2 && leap(year) ? 1 : 0)) return std::nullopt;
  if (hour > 23 || min > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == first) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  *year_out = year;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + min * 60 + std::min(sec, 59) - offset;
}
} // namespace

std::string format_rfc3339(Time t) {
  constexpr Time kFirst = -62167219200; // 0000-01-01T00:00:00Z
  constexpr Time kLast = 253402300799;  // 9999-12-31T23:59:59Z
  t = std::clamp(t, kFirst, kLast);
  std::int64_t days = t / 86400, rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  // By hand rather than through fmt: a JSON document of a large fleet writes a time per job.
  std::string out = "0000-00-00T00:00:00Z";
  const auto put = [&out](std::size_t at, std::int64_t n, int width) {
    for (std::size_t i = at + static_cast<std::size_t>(width); i-- > at; n /= 10)
      out[i] = static_cast<char>('0' + n % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, rem / 3600, 2);
  put(14, rem / 60 % 60, 2);
  put(17, rem % 60, 2);
  return out;
}

std::optional<Duration> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  Duration total = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    pos = static_cast<std::size_t>(end - s.data());
    std::int64_t unit = 1;
    if (pos < s.size()) {
      switch (s[pos]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return std::nullopt;
      }
      ++pos;
    } else if (total != 0) {
      return std::nullopt; // "1d5" is ambiguous
    }
    if (n > INT64_MAX / unit / 2) return std::nullopt;
    total += n * unit;
    if (total > kMaxDuration) return std::nullopt;
  }
  return total;
}

std::string format_duration(Duration d) {
  if (d != 0 && d % 86400 == 0) return fmt::format("{}d", d / 86400);
  if (d != 0 && d % 3600 == 0) return fmt::format("{}h", d / 3600);
  if (d != 0 && d % 60 == 0) return fmt::format("{}m", d / 60);
  return fmt::format("{}s", d);
}

Time wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

} // namespace fleetcap
