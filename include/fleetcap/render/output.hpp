// What every renderer needs to know about the run, decided by the cli layer.
#pragma once

#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/render/terminal.hpp"

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
  bool wide = false;                // -o wide: every column, whatever the width
  bool no_headers = false;          // --no-headers: no header row (table) or header line (CSV)
  std::vector<std::string> columns; // --columns: these, in this order (table and CSV)
  std::string sort;                 // a column key ("flex_free") or header; empty = the command's order
  Time generated_at = 0;
  Time at = 0;
  std::string source;
  std::vector<SourceStatus> sources; // every JSON document's "sources" (docs/sources.md)
  bool source_details = false;       // `fleetcap sources`: they carry every column of its table
};

// A --sort name matches a column's JSON key or table header: case-insensitive, '-' = '_'.
bool same_column_name(std::string_view a, std::string_view b);

// A CSV field: control characters escaped (\x1b, \x0a: fleetcap/text.hpp), then quoted when it
// needs it (RFC 4180).
std::string csv_field(std::string_view text);

} // namespace fleetcap
