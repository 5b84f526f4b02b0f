// Every column list of every command (docs/output.md): the cli checks --sort and --columns
// against it before fetching, and tests check one word, one meaning across all of them.
#pragma once

#include <string_view>
#include <vector>

namespace fleetcap {

struct ColumnName {
  std::string_view key;    // JSON key and CSV header; empty: the table only
  std::string_view header; // table header; empty: JSON and CSV only
  std::string_view needs;  // what the table needs to show it ("--namespace"); empty: nothing
  bool json = true;        // in the JSON (not only the table or the CSV)
  bool unnamed = false;    // in no output of its own: --sort and --columns do not name it
  bool section = false;    // a nested object or array in JSON, itself a list of columns
  std::string_view metric; // its Prometheus family, after the command's prefix; empty: none
  std::string_view label;  // what it is in words (HTML legends, --help)
};

enum class ListKind {
  table,    // a table (and the JSON and CSV rows of the same records): --sort and --columns name it
  section,  // an object or array inside a JSON document (a move's destination, a summary)
  document, // a whole JSON document, after the envelope
};

struct ColumnList {
  std::string_view command; // "capacity", "overalloc report", ...
  std::string_view table;   // which of the command's tables or sections ("clusters", "moves.destination")
  ListKind kind = ListKind::table;
  std::string_view schema; // a document's "schema" ("fleetcap.capacity/v2"); empty for the others
  std::vector<ColumnName> columns;
};

// Every column list of every command, tables, sections and documents.
const std::vector<ColumnList>& column_registry();

// The keys and headers --sort and --columns accept for `command` (its tables together).
std::vector<std::string_view> column_names(std::string_view command);

// Whether `name` is one of them (case-insensitive, '-' = '_', as --sort matches).
bool is_column_name(std::string_view command, std::string_view name);

// Whether one of `command`'s tables shows the column `name` names (it has a header there).
bool is_table_column(std::string_view command, std::string_view name);

} // namespace fleetcap
