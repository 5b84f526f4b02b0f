// RFC 3339 times and durations (src/model/time.cpp). Expected epoch seconds are counted by
// hand in days since 1970-01-01 (and were checked once with Python's datetime).
#include "fleetcap/model/time.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

namespace {
// 2026-11-20T12:00:00Z: 56 years of days from 1970 (14 leap years: 1972..2024) = 20454,
// plus 323 days of 2026 before Nov 20 (Jan..Oct = 304, + 19) = 20777 days.
constexpr Time kWorkedAt = 20777LL * 86400 + 12 * 3600;
} // namespace

TEST_CASE("parse_rfc3339 reads UTC times") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == Time{0});
  CHECK(parse_rfc3339("2026-11-20T12:00:00Z") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-20t12:00:00z") == kWorkedAt); // RFC 3339 allows lower case
  CHECK(parse_rfc3339("2026-11-20 12:00:00Z") == kWorkedAt); // and a space (RFC 3339 §5.6 note)
  // 2000-03-01: 30 years (7 leap: 72..96) = 10957 days, + 31 + 29 (2000 is a leap year) = 11017.
  CHECK(parse_rfc3339("2000-03-01T00:00:00Z") == Time{11017LL * 86400});
  CHECK(parse_rfc3339("2000-02-29T23:59:59Z") == Time{11017LL * 86400 - 1});
  CHECK(parse_rfc3339("1969-12-31T23:59:59Z") == Time{-1});
}

TEST_CASE("parse_rfc3339 applies offsets") {
  CHECK(parse_rfc3339("2026-11-20T13:00:00+01:00") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-20T06:30:00-05:30") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-21T00:00:00+12:00") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-20T12:00:00+00:00") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-20T12:00:00-00:00") == kWorkedAt);
}

TEST_CASE("parse_rfc3339 drops fractions of a second") {
  CHECK(parse_rfc3339("2026-11-20T12:00:00.5Z") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-20T12:00:00.999999999Z") == kWorkedAt);
  CHECK(parse_rfc3339("2026-11-20T13:00:00.25+01:00") == kWorkedAt);
  CHECK_FALSE(parse_rfc3339("2026-11-20T12:00:00.Z")); // a dot needs digits
}

TEST_CASE("parse_rfc3339 rejects invalid dates and times") {
  for (const char* bad : {
           "2026-02-30T00:00:00Z", // Feb 30
           "2026-02-29T00:00:00Z", // 2026 is not a leap year
           "1900-02-29T00:00:00Z", // centuries are not leap years...
           "2026-04-31T00:00:00Z", // April has 30 days
           "2026-13-01T00:00:00Z",
           "2026-00-10T00:00:00Z",
           "2026-11-00T00:00:00Z",
           "2026-11-20T24:00:00Z",
           "2026-11-20T12:60:00Z",
           "2026-11-20T12:00:61Z",
           "2026-11-20T12:00:00",       // no offset
           "2026-11-20",                // no time
           "2026-11-20T12:00Z",         // no seconds
           "2026-11-20T12:00:00+0100",  // offset without colon
           "2026-11-20T12:00:00+01",    // short offset
           "2026-11-20T12:00:00+24:00", // offset hour out of range
           "2026-11-20T12:00:00Zjunk",
           "26-11-20T12:00:00Z",
           "2026/11/20T12:00:00Z",
           "",
           "now",
       }) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
  CHECK(parse_rfc3339("2000-02-29T00:00:00Z")); // ...but every 400th year is
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z"));
}

TEST_CASE("format_rfc3339 writes UTC with Z and round-trips") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(kWorkedAt) == "2026-11-20T12:00:00Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59Z");
  CHECK(format_rfc3339(11017LL * 86400 - 1) == "2000-02-29T23:59:59Z");
  for (Time t : {Time{0}, kWorkedAt, kWorkedAt + 86399, Time{951782400}, Time{4102444800}})
    CHECK(parse_rfc3339(format_rfc3339(t)) == t);
}

TEST_CASE("parse_duration reads units and combinations") {
  CHECK(parse_duration("30s") == Duration{30});
  CHECK(parse_duration("90m") == Duration{90 * 60});
  CHECK(parse_duration("12h") == Duration{12 * 3600});
  CHECK(parse_duration("14d") == Duration{14 * 86400});
  CHECK(parse_duration("1w") == Duration{7 * 86400});
  CHECK(parse_duration("1d12h") == Duration{36 * 3600});
  CHECK(parse_duration("1h30m15s") == Duration{5415});
  CHECK(parse_duration("45") == Duration{45}); // bare number = seconds
  CHECK(parse_duration("0") == Duration{0});
  CHECK(parse_duration("0d") == Duration{0});
}

TEST_CASE("parse_duration rejects what it cannot read") {
  for (const char* bad : {"", "d", "-5m", "1.5h", "12x", "1d5", "h12", " 1d", "1d ", "99999999999999999999s"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("format_duration uses the largest whole unit") {
  CHECK(format_duration(14 * 86400) == "14d");
  CHECK(format_duration(12 * 3600) == "12h");
  CHECK(format_duration(36 * 3600) == "36h");
  CHECK(format_duration(90 * 60) == "90m");
  CHECK(format_duration(61) == "61s");
  CHECK(format_duration(0) == "0s");
  for (Duration d : {Duration{0}, Duration{61}, Duration{5400}, Duration{43200}, Duration{1209600}})
    CHECK(parse_duration(format_duration(d)) == d);
}

TEST_CASE("issue 16: times read stay in four-digit years, durations at most 100 years, output always RFC 3339") {
  CHECK_FALSE(parse_rfc3339("0000-01-01T00:00:00Z"));
  CHECK(rfc3339_out_of_range("0000-01-01T00:00:00Z"));
  CHECK(rfc3339_out_of_range("9999-12-31T23:59:59Z"));
  CHECK_FALSE(rfc3339_out_of_range("2026-13-01T00:00:00Z")); // not RFC 3339 at all
  CHECK(parse_rfc3339("1000-01-01T00:00:00Z"));
  CHECK(parse_rfc3339("8999-12-31T23:59:59Z"));
  CHECK_FALSE(parse_duration("99999999999d"));
  CHECK_FALSE(parse_duration("36501d"));
  CHECK(parse_duration("36500d") == 36500LL * 86400);
  CHECK(format_rfc3339(*parse_rfc3339("1000-01-01T00:00:00Z") - kMaxDuration) == "0900-01-25T00:00:00Z");
  CHECK(format_rfc3339(INT64_MIN) == "0000-01-01T00:00:00Z");
  CHECK(format_rfc3339(INT64_MAX) == "9999-12-31T23:59:59Z");
}
