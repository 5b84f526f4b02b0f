// Rendering helpers of `fleetcap maintenance`; whole tables are golden-tested end to end.
#include "support/fixtures.hpp"

#include "fleetcap/render/maintenance.hpp"
#include "fleetcap/render/table.hpp"

using namespace fleetcap;

TEST_CASE("short times and human durations", "[maintenance]") {
  CHECK(short_time(*parse_rfc3339("2026-11-21T06:00:00Z")) == "2026-11-21T06:00Z");
  CHECK(short_time(*parse_rfc3339("2026-11-21T06:00:07Z")) == "2026-11-21T06:00:07Z");
  CHECK(human_duration(66 * 3600) == "2d18h");
  CHECK(human_duration(3 * 86400) == "3d");
  CHECK(human_duration(18 * 3600) == "18h");
  CHECK(human_duration(3600 + 1800) == "1h30m");
  CHECK(human_duration(90) == "1m");
  CHECK(human_duration(-45) == "45s");
}

TEST_CASE("impact timeline: levels, day labels, width", "[maintenance]") {
  const Snapshot snap = test::worked();
  MaintenanceHorizon h;
  h.at = *parse_rfc3339("2026-11-20T12:00:00Z");
  h.window = 2 * 86400;
  Selection tiger;
  tiger.clusters = {"tiger"};
  const ImpactReport r = maintenance_impact(snap, tiger, h);
  // Slots of 6 h from 20T12: 72 (t11 in m1) x4 -> 7*72/80 = 6 (▇), 80 from 21T10 (the peak: █)
  // from the slot at 21T12; 64 (m2) from 21T18 -> 7*64/80 = 5 (▆) for 21T18 and 22T00; the
  // last slot 22T06 is 80 again. The 21st starts at slot 2, the 22nd at slot 6.
  CHECK(render_impact_timeline(r, snap, 0) ==
        "Schedulable GPUs from 2026-11-20T12:00Z to 2026-11-22T12:00Z, one character per 6h\n"
        "(█ = the cluster's peak in the window, lower = fewer; day of month, UTC):\n"
        "         21  22\n"
        "tiger  ▇▇▇▇█▆▆█\n");
  // Seven columns for the name and two spaces leave 4 for slots at width 11: 12 h each.
  CHECK(render_impact_timeline(r, snap, 11).find("tiger  ▇▇▆▆\n") != std::string::npos);
  // Off a terminal a long window still makes a line of at most 240 slots: 90 days of 6 h is
  // 360, so 12 h (180).
  h.window = 90 * 86400;
  const std::string long_window = render_impact_timeline(maintenance_impact(snap, tiger, h), snap, 0);
  CHECK(long_window.find("one character per 12h") != std::string::npos);
  CHECK(display_width(long_window.substr(long_window.rfind("tiger  "))) == 7 + 180 + 1);
}
