// The column model (SPEC §7), private to the render layer: every table of every command is one
// list of Column<Row>, and that one list drives the table, the JSON, the CSV, --sort,
// --columns and -o name. A column only formats what figures computed, the TOTAL row included:
// it shows a totals Row that figures made, never sums of its own.
#pragma once

#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/output.hpp"
#include "fleetcap/render/table.hpp"
#include "json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fleetcap::cols {

// One cell: a number (maybe shown differently in the table), a text, a yes/no (true or false
// in text; a boolean in JSON), a list (an array in JSON; in the table joined with commas, or
// its count when the terminal is narrow), or nothing ("-" in the table, null in JSON, empty
// in CSV), or absent (the row has no such field: JSON leaves the key out, the table and CSV
// show nothing; a quota group has no cluster).
struct Value {
  enum class Kind { number, text, flag, list, null, absent };
  Kind kind = Kind::null;
  Gpus number = 0;  // a number; 1/0 for a flag; a list's length
  std::string text; // a text (JSON and CSV)
  std::vector<std::string> items;
  Tone tone = Tone::plain;
  std::string shown; // the table's rendering when it is not the plain value ("15%", a short time)
  // The table's and CSV's text for a list or nothing that reads better in words (quota access:
  // "*" for null, "(none)" for an empty list, nothing at all for a group's null).
  std::optional<std::string> words;
};

inline Value num(Gpus n, Tone tone = Tone::plain, std::string shown = {}) {
  return Value{Value::Kind::number, n, {}, {}, tone, std::move(shown), {}};
}
inline Value num(std::size_t n, Tone tone = Tone::plain) { return num(static_cast<Gpus>(n), tone); }
inline Value num(int n, Tone tone = Tone::plain) { return num(static_cast<Gpus>(n), tone); }
inline Value txt(std::string s, Tone tone = Tone::plain, std::string shown = {}) {
  return Value{Value::Kind::text, 0, std::move(s), {}, tone, std::move(shown), {}};
}
inline Value txt(std::string_view s, Tone tone = Tone::plain) { return txt(std::string(s), tone); }
inline Value txt(const char* s, Tone tone = Tone::plain) { return txt(std::string(s), tone); }
// A yes/no: true or false in JSON and CSV, yes or no in the table.
inline Value flag(bool b, Tone tone = Tone::plain) {
  return Value{Value::Kind::flag, b ? 1 : 0, b ? "true" : "false", {}, tone, b ? "yes" : "no", {}};
}
inline Value list(std::vector<std::string> items, Tone tone = Tone::plain, std::string shown = {}) {
  const auto n = static_cast<Gpus>(items.size());
  return Value{Value::Kind::list, n, {}, std::move(items), tone, std::move(shown), {}};
}
template <class Names> Value list_of(const Names& names, std::string shown = {}) {
  std::vector<std::string> items;
  items.reserve(names.size());
  for (const auto& n : names) items.emplace_back(n);
  return list(std::move(items), Tone::plain, std::move(shown));
}
inline Value none(std::string shown = {}) {
  return Value{Value::Kind::null, 0, {}, {}, Tone::plain, std::move(shown), {}};
}
inline Value absent() { return Value{Value::Kind::absent, 0, {}, {}, Tone::plain, {}, {}}; }
inline Value time_or_none(bool present, Time t) { return present ? txt(format_rfc3339(t)) : none(); }
inline Value time_or_none(const std::optional<Time>& t) { return t ? txt(format_rfc3339(*t)) : none(); }

// What a column shows in the TOTAL row.
enum class Total {
  none,  // nothing
  label, // the word TOTAL (the first, identifying column)
  value, // its value for the totals row that figures computed
};

template <class Row> struct Column {
  std::string_view key;    // JSON key and CSV header (a SPEC figure name); empty: the table only
  std::string_view header; // table header; empty: not in the table
  Align align = Align::right;
  // When the terminal is narrow, the highest numbers go first (1 = goes last). Ignored for
  // identifying columns: names, times to act by, destinations never go.
  int priority = 5;
  bool identifying = false;
  bool wide = false;          // in the table only with -o wide or --columns
  Total total = Total::none;  // what the TOTAL row shows
  std::string_view unit = {}; // a list column's items ("job": its count form is "3 jobs")
  unsigned needs = 0;         // in the table only when the report has all these conditions
  unsigned only_with = 0;     // in every format only when the report has all these conditions
  bool table_only = false;    // the key names it for --sort and --columns, but JSON and CSV leave it out
  std::string_view csv = {};  // the CSV header when it is not the key (capacity --by: "sku" for "key")
  Value (*get)(const Row&) = nullptr;
};

// Conditions a column may need (Column::needs).
inline constexpr unsigned kHistory = 1;   // some cluster has health history
inline constexpr unsigned kNamespace = 2; // a --namespace was asked about

template <class Row> bool in_data(const Column<Row>& c, unsigned have) {
  return !c.key.empty() && !c.table_only && (c.only_with & ~have) == 0;
}

inline std::string cell_text(const Value& v) {
  if (v.words) return *v.words;
  if (!v.shown.empty()) return v.shown;
  switch (v.kind) {
  case Value::Kind::number: return fmt::format("{}", v.number);
  case Value::Kind::text: return v.text;
  case Value::Kind::flag: return v.number ? "yes" : "no";
  case Value::Kind::list: {
    if (v.items.empty()) return "-";
    std::string out;
    for (const auto& item : v.items) {
      if (!out.empty()) out += ',';
      out += item;
    }
    return out;
  }
  case Value::Kind::null: break;
  case Value::Kind::absent: return "";
  }
  return "-";
}

template <class Row> bool named(const Column<Row>& c, std::string_view name) {
  return (!c.key.empty() && same_column_name(c.key, name)) || (!c.header.empty() && same_column_name(c.header, name));
}

template <class Row> const Column<Row>* find_column(std::span<const Column<Row>> cols, std::string_view name) {
  for (const auto& c : cols)
    if (named(c, name)) return &c;
  return nullptr;
}

// The columns a table shows: --columns (those of this table, in the order named; when it names
// none of them, the default), else every column with a header that is not -o wide only and
// whose conditions hold.
template <class Row> std::vector<const Column<Row>*> table_columns(std::span<const Column<Row>> cols,
                                                                   const RenderOptions& o, unsigned have) {
  std::vector<const Column<Row>*> out;
  for (const auto& name : o.columns)
    if (const auto* c = find_column(cols, name); c && !c->header.empty() && (c->only_with & ~have) == 0)
      out.push_back(c);
  if (!out.empty()) return out;
  for (const auto& c : cols)
    if (!c.header.empty() && (o.wide || !c.wide) && ((c.needs | c.only_with) & ~have) == 0) out.push_back(&c);
  return out;
}

template <class Row> TableCell table_cell(const Column<Row>& c, const Value& v) {
  TableCell cell(cell_text(v), v.tone);
  if (v.kind == Value::Kind::list && v.number > 0)
    cell.count = fmt::format("{} {}{}", v.number, c.unit.empty() ? "item" : c.unit, v.number == 1 ? "" : "s");
  return cell;
}

// The table: fitted to the terminal by priority unless -o wide or --columns; `total` is a row
// figures computed for the TOTAL line.
template <class Row> std::string table_of(std::span<const Column<Row>> cols, const std::vector<Row>& rows,
                                          const RenderOptions& o, const Row* total = nullptr, unsigned have = 0) {
  const auto shown = table_columns(cols, o, have);
  std::vector<TableColumn> tcols;
  for (const auto* c : shown)
    tcols.push_back(
        {std::string(c->header), c->align, c->identifying ? 0 : std::max(1, c->priority), !c->unit.empty()});
  Table t(std::move(tcols));
  t.set_no_headers(o.no_headers);
  t.set_fit(o.columns.empty() && !o.wide);
  for (const auto& row : rows) {
    std::vector<TableCell> cells;
    cells.reserve(shown.size());
    for (const auto* c : shown) cells.push_back(table_cell(*c, c->get(row)));
    t.add_row(std::move(cells));
  }
  if (total) {
    std::vector<TableCell> cells;
    for (const auto* c : shown) {
      if (c->total == Total::label)
        cells.emplace_back("TOTAL");
      else if (c->total == Total::value)
        cells.push_back(table_cell(*c, c->get(*total)));
      else
        cells.emplace_back("");
    }
    t.set_total(std::move(cells));
  }
  return t.render(o.style);
}

inline void json_value(json_out::JsonWriter& w, const Value& v) {
  switch (v.kind) {
  case Value::Kind::number: w.value(v.number); break;
  case Value::Kind::text: w.value(v.text); break;
  case Value::Kind::flag: w.value(v.number != 0); break;
  case Value::Kind::list: w.array(v.items); break;
  case Value::Kind::null: w.value(nullptr); break;
  case Value::Kind::absent: break; // json_fields writes no key for it
  }
}

// The row's keyed columns as fields of the object being written.
// One column's key and value, or nothing when the row has no such field (absent).
template <class Row> void json_field(json_out::JsonWriter& w, const Column<Row>& c, const Row& row) {
  const Value v = c.get(row);
  if (v.kind == Value::Kind::absent) return;
  w.key(c.key);
  json_value(w, v);
}

template <class Row>
void json_fields(json_out::JsonWriter& w, std::span<const Column<Row>> cols, const Row& row, unsigned have = 0) {
  for (const auto& c : cols)
    if (in_data(c, have)) json_field(w, c, row);
}

// The TOTAL row's figures (the columns that total to a value) as fields of the object being written.
template <class Row>
void json_totals(json_out::JsonWriter& w, std::span<const Column<Row>> cols, const Row& total, unsigned have = 0) {
  for (const auto& c : cols)
    if (c.total == Total::value && in_data(c, have)) json_field(w, c, total);
}

template <class Row>
void json_row(json_out::JsonWriter& w, std::span<const Column<Row>> cols, const Row& row, unsigned have = 0) {
  w.begin_object();
  json_fields(w, cols, row, have);
  w.end_object();
}

template <class Row> void json_list(json_out::JsonWriter& w, std::string_view key, std::span<const Column<Row>> cols,
                                    const std::vector<Row>& rows, unsigned have = 0) {
  w.key(key).begin_array();
  for (const auto& row : rows) json_row<Row>(w, cols, row, have);
  w.end_array();
}

// CSV: a header of JSON keys, then one line per row; --columns picks (keyed columns only).
// Lists are joined with spaces, nothing is an empty field.
template <class Row> std::string csv_of(std::span<const Column<Row>> cols, const std::vector<Row>& rows,
                                        const RenderOptions& o, unsigned have = 0) {
  std::vector<const Column<Row>*> shown;
  for (const auto& name : o.columns)
    if (const auto* c = find_column(cols, name); c && in_data(*c, have)) shown.push_back(c);
  if (shown.empty())
    for (const auto& c : cols)
      if (in_data(c, have)) shown.push_back(&c);
  std::string out;
  if (!o.no_headers) {
    for (std::size_t i = 0; i < shown.size(); ++i) {
      if (i) out += ',';
      out += shown[i]->csv.empty() ? shown[i]->key : shown[i]->csv;
    }
    out += '\n';
  }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < shown.size(); ++i) {
      if (i) out += ',';
      const Value v = shown[i]->get(row);
      if (v.words) {
        out += csv_field(*v.words);
        continue;
      }
      switch (v.kind) {
      case Value::Kind::number: out += fmt::format("{}", v.number); break;
      case Value::Kind::text: out += csv_field(v.text); break;
      case Value::Kind::flag: out += v.number ? "true" : "false"; break;
      case Value::Kind::list: {
        std::string joined;
        for (const auto& item : v.items) joined += (joined.empty() ? "" : " ") + item;
        out += csv_field(joined);
        break;
      }
      case Value::Kind::null:
      case Value::Kind::absent: break;
      }
    }
    out += '\n';
  }
  return out;
}

// -o name: the first column of each row, one per line, for scripts.
template <class Row> std::string names_of(std::span<const Column<Row>> cols, const std::vector<Row>& rows) {
  std::string out;
  if (cols.empty()) return out;
  for (const auto& row : rows) {
    const Value v = cols.front().get(row);
    std::string text = v.kind == Value::Kind::text ? v.text : cell_text(v); // the name, not its table form
    if (has_control(text)) text = escape_control(text);
    out += text;
    out += '\n';
  }
  return out;
}

// --sort: numbers (and list lengths) largest first, text A to Z, ties keep the command's
// order; a name that is not a column of this table leaves it as it is.
template <class Row> void sort_rows(std::span<const Column<Row>> cols, std::vector<Row>& rows, std::string_view name) {
  const Column<Row>* c = name.empty() ? nullptr : find_column(cols, name);
  if (!c) return;
  std::vector<std::pair<Value, std::size_t>> keys;
  keys.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) keys.emplace_back(c->get(rows[i]), i);
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    const Value &x = a.first, &y = b.first;
    if (x.kind != y.kind) return x.kind < y.kind; // numbers, text, yes/no, lists, then nothing, then absent
    if (x.kind == Value::Kind::text) return x.text < y.text;
    return x.number > y.number; // numbers and list lengths largest first, yes before no
  });
  std::vector<Row> sorted;
  sorted.reserve(rows.size());
  for (const auto& k : keys) sorted.push_back(std::move(rows[k.second]));
  rows = std::move(sorted);
}

// The headers and keys of a list, for the registry (fleetcap/render/columns.hpp).
template <class Row>
ColumnList describe(std::string_view command, std::string_view table, std::span<const Column<Row>> cols) {
  ColumnList out{command, table, {}};
  for (const auto& c : cols) out.columns.push_back({c.key, c.header});
  return out;
}

// Each command's column lists, for column_registry() (src/render/columns.cpp).
std::vector<ColumnList> capacity_column_lists();
std::vector<ColumnList> flex_column_lists();
std::vector<ColumnList> quota_column_lists();
std::vector<ColumnList> overalloc_column_lists();
std::vector<ColumnList> maintenance_column_lists();
std::vector<ColumnList> nodes_column_lists();
std::vector<ColumnList> sources_column_lists();

} // namespace fleetcap::cols
