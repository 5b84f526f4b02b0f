// What every table's columns are called, per command (SPEC §7): the cli checks --sort and
// --columns against it before fetching, and a test checks one word, one meaning across all.
#pragma once

#include <string_view>
#include <vector>

namespace fleetcap {

struct ColumnName {
  std::string_view key;    // JSON key; empty: the table only
  std::string_view header; // table header; empty: JSON and CSV only
};

struct ColumnList {
  std::string_view command; // "capacity", "overalloc report", ...
  std::string_view table;   // which of the command's tables ("clusters", "quotas", ...)
  std::vector<ColumnName> columns;
};

// Every column list of every command.
const std::vector<ColumnList>& column_registry();

// The keys and headers --sort and --columns accept for `command` (its tables together).
std::vector<std::string_view> column_names(std::string_view command);

// Whether `name` is one of them (case-insensitive, '-' = '_', as --sort matches).
bool is_column_name(std::string_view command, std::string_view name);

} // namespace fleetcap
