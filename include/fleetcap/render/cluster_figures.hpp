// The SPEC §4 cluster figures as (JSON key, field) pairs, in SPEC order, for the renderers that
// are not tables (report --html, -o prometheus): they name each figure by its JSON key. The
// capacity table's columns (render/capacity.cpp) carry the same keys; test_report_html.py and
// test_prometheus.py compare both outputs with capacity --json key by key.
#pragma once

#include "fleetcap/figures/fleet.hpp"

#include <array>
#include <string_view>

namespace fleetcap {

struct ClusterFigureField {
  std::string_view key;
  Gpus ClusterFigures::*field;
};

inline constexpr std::array<ClusterFigureField, 12> kClusterFigureFields = {{
    {"total", &ClusterFigures::total},
    {"healthy", &ClusterFigures::healthy},
    {"assigned", &ClusterFigures::assigned},
    {"inquota_used", &ClusterFigures::inquota_used},
    {"inquota_free", &ClusterFigures::inquota_free},
    {"flex_used", &ClusterFigures::flex_used},
    {"flex_free", &ClusterFigures::flex_free},
    {"flex_stable_free", &ClusterFigures::flex_stable_free},
    {"flex_reclaimable_free", &ClusterFigures::flex_reclaimable_free},
    {"unbacked", &ClusterFigures::unbacked},
    {"buffer", &ClusterFigures::buffer},
    {"largest_free_block", &ClusterFigures::largest_free_block},
}};

} // namespace fleetcap
