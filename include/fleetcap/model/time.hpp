// Times are whole seconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetcap {

using Time = std::int64_t;
using Duration = std::int64_t; // seconds

// Times read are in the years kMinYear..kMaxYear and durations at most kMaxDuration, so that
// every time fleetcap computes (a start minus --lead, now plus --window) has a four-digit
// year and prints as RFC 3339 (issue 16: "--lead 99999999999d", year 0000).
inline constexpr int kMinYear = 1000;
inline constexpr int kMaxYear = 8999;
inline constexpr Duration kMaxDuration = 36500LL * 86400; // 100 years

// RFC 3339 ("2026-11-20T12:00:00Z", "2026-11-20T12:00:00.5+01:00"); fractions are dropped.
// Nothing for a time outside the years kMinYear..kMaxYear.
std::optional<Time> parse_rfc3339(std::string_view text);
// True when `text` is an RFC 3339 time whose year is outside kMinYear..kMaxYear.
bool rfc3339_out_of_range(std::string_view text);
// Always RFC 3339: a time beyond the years 0000..9999 is clamped to them.
std::string format_rfc3339(Time t);
// The system clock, in whole seconds: the one place fleetcap reads it.
Time wall_clock_now();

// "14d", "12h", "90m", "30s", "1w", or combinations like "1d12h"; bare numbers are seconds.
// Nothing when longer than kMaxDuration.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);

} // namespace fleetcap
