// What every renderer needs to know about the run, decided by the cli layer.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/render/terminal.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

// -o table|wide|json|csv|name (wide is table with RenderOptions::wide).
enum class Format { table, json, csv, name };

struct RenderOptions {
  Format format = Format::table;
  Style style;
  bool wide = false;       // -o wide: every column, whatever the width
  bool no_headers = false; // --no-headers: no header row (table) or header line (CSV)
  std::vector<std::string> columns; // --columns: these, in this order (table and CSV)
  std::string sort; // a column key ("flex_free") or header; empty = the command's order
  Time generated_at = 0;
  Time at = 0;
  std::string source;
};

// The SPEC §4 cluster figures as columns: one list for table headers, JSON keys and CSV.
struct FigureColumn {
  std::string_view key;    // JSON key and CSV header: the SPEC's figure name
  std::string_view header; // table header
  Gpus ClusterFigures::*field;
  bool wide_only; // the terminal table shows it only with --wide
  int drop;       // when the terminal is narrow, higher ranks are dropped first
};

inline constexpr std::array<FigureColumn, 12> kClusterFigureColumns = {{
    {"total", "TOTAL", &ClusterFigures::total, false, 3},
    {"healthy", "HEALTHY", &ClusterFigures::healthy, false, 0},
    {"assigned", "ASSIGNED", &ClusterFigures::assigned, false, 0},
    {"inquota_used", "INQ-USED", &ClusterFigures::inquota_used, false, 5},
    {"inquota_free", "INQ-FREE", &ClusterFigures::inquota_free, false, 2},
    {"flex_used", "FLEX-USED", &ClusterFigures::flex_used, false, 6},
    {"flex_free", "FLEX-FREE", &ClusterFigures::flex_free, false, 0},
    {"flex_stable_free", "STABLE", &ClusterFigures::flex_stable_free, true, 8},
    {"flex_reclaimable_free", "RECLAIMABLE", &ClusterFigures::flex_reclaimable_free, true, 9},
    {"unbacked", "UNBACKED", &ClusterFigures::unbacked, false, 1},
    {"buffer", "BUFFER", &ClusterFigures::buffer, true, 7},
    {"largest_free_block", "BLOCK", &ClusterFigures::largest_free_block, false, 4},
}};

const FigureColumn* find_figure_column(std::string_view key_or_header);

// A --sort name matches a column's JSON key or table header: case-insensitive, '-' = '_'.
bool same_column_name(std::string_view a, std::string_view b);

// Quotes a CSV field when it needs it (RFC 4180).
std::string csv_field(std::string_view text);

} // namespace fleetcap
