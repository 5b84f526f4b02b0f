// Times are whole seconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetcap {

using Time = std::int64_t;
using Duration = std::int64_t; // seconds

// RFC 3339 ("2026-11-20T12:00:00Z", "2026-11-20T12:00:00.5+01:00"); fractions are dropped.
std::optional<Time> parse_rfc3339(std::string_view text);
std::string format_rfc3339(Time t);

// "14d", "12h", "90m", "30s", "1w", or combinations like "1d12h"; bare numbers are seconds.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);

} // namespace fleetcap
