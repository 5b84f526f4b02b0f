// The column model (docs/output.md), private to the render layer: every record fleetcap prints
// is described once, as a list of Column<Row>, and that one list generates its table, JSON
// (nested objects and arrays included), CSV, -o name, --sort, --columns, HTML data attributes
// and Prometheus families. A whole JSON document is a list too, over a row that holds the
// document's parts. A column only formats what figures computed, the TOTAL row included: it
// shows a totals Row that figures made, never sums of its own.
#pragma once

#include "fleetcap/error.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/output.hpp"
#include "fleetcap/render/table.hpp"
#include "meanings.hpp"
#include "parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace fleetcap::cols {

using json::JsonWriter;

// One cell: a number (maybe shown differently in the table), a text, a yes/no (true or false
// in text; a boolean in JSON), a list (an array in JSON; in the table joined with commas, or
// its count when the terminal is narrow), or nothing ("-" in the table, null in JSON, empty
// in CSV), or absent (the row has no such field: JSON leaves the key out, the table and CSV
// show nothing; a quota group has no cluster).
//
// A text or a list's names are views: of the model's text (which outlives every render), or of
// the value's own copy when it was made from a std::string. A document lists a million cells
// (docs/design.md, "Writing JSON"): copying every name into every cell cost more than writing it.
struct Value {
  enum class Kind { number, text, flag, list, null, absent };
  Kind kind = Kind::null;
  Gpus number = 0;                         // a number; 1/0 for a flag; a list's length
  std::string_view text;                   // a text (JSON and CSV)
  std::span<const std::string_view> items; // a list's names
  Tone tone = Tone::plain;
  // The table's rendering when it is not the plain value ("15%", a short time, "" for nothing).
  std::optional<std::string> shown;
  // The table's and CSV's text for a list or nothing that reads better in words (quota access:
  // "*" for null, "(none)" for an empty list, nothing at all for a group's null).
  std::optional<std::string> words;
  // The table's shorter text when the terminal is narrow, used before any column goes: a time
  // relative to the fleet's (`in 6h`, `3d ago`) where the timestamp would not fit.
  std::optional<std::string> brief = {};

  Value() = default;
  Value(Kind k, Gpus n, Tone t) : kind(k), number(n), tone(t) {}
  Value(const Value& o) : kind(o.kind), number(o.number), tone(o.tone), shown(o.shown), words(o.words), brief(o.brief) {
    take(o, o.chars_, o.views_);
  }
  Value(Value&& o) noexcept
      : kind(o.kind), number(o.number), tone(o.tone), shown(std::move(o.shown)), words(std::move(o.words)),
        brief(std::move(o.brief)) {
    take(o, std::move(o.chars_), std::move(o.views_));
  }
  Value& operator=(const Value& o) {
    if (this != &o) *this = Value(o);
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    if (this == &o) return *this;
    kind = o.kind;
    number = o.number;
    tone = o.tone;
    shown = std::move(o.shown);
    words = std::move(o.words);
    brief = std::move(o.brief);
    take(o, std::move(o.chars_), std::move(o.views_));
    return *this;
  }
  ~Value() = default;

  // Keeps `s` and shows it as the text.
  void own_text(std::string s) {
    chars_ = std::move(s);
    text = chars_;
  }
  // Keeps copies of `names`, back to back, and lists them.
  template <class Names> void own_items(const Names& names) {
    std::size_t size = 0;
    for (const auto& n : names) size += std::string_view(n).size();
    chars_.clear();
    chars_.reserve(size);
    for (const auto& n : names) chars_ += std::string_view(n);
    views_.clear();
    views_.reserve(names.size());
    std::size_t at = 0;
    for (const auto& n : names) {
      const std::size_t len = std::string_view(n).size();
      views_.emplace_back(chars_.data() + at, len);
      at += len;
    }
    items = views_;
  }

  // Keeps views of name(id) for each of `ids`, names the model holds, and lists them: no name is
  // copied.
  template <class Ids, class Name> void refer_items(const Ids& ids, Name name) {
    views_.clear();
    views_.reserve(std::size(ids));
    for (const auto& id : ids) views_.emplace_back(std::string_view(name(id)));
    items = views_;
  }

private:
  // Takes o's text and items with o's own storage (copied or moved here): what viewed o's
  // storage views this value's.
  template <class Chars, class Views> void take(const Value& o, Chars&& chars, Views&& views) {
    const char* const old = o.chars_.data();
    const std::size_t old_size = o.chars_.size();
    const bool own_views = !o.views_.empty() && o.items.data() == o.views_.data();
    text = o.text;
    items = o.items;
    chars_ = std::forward<Chars>(chars);
    views_ = std::forward<Views>(views);
    const auto moved = [&](std::string_view s) {
      const std::less_equal<const char*> le;
      if (s.empty() || !le(old, s.data()) || !le(s.data() + s.size(), old + old_size)) return s;
      return std::string_view(chars_.data() + (s.data() - old), s.size());
    };
    text = moved(text);
    for (auto& v : views_) v = moved(v);
    if (own_views) items = views_;
  }
  std::string chars_;                   // the text, or the list's names, when the value keeps them
  std::vector<std::string_view> views_; // the list's names when the value keeps them
};

inline std::optional<std::string> shown_as(std::string s) {
  return s.empty() ? std::nullopt : std::optional(std::move(s));
}
inline Value num(Gpus n, Tone tone = Tone::plain) { return Value(Value::Kind::number, n, tone); }
inline Value num(Gpus n, Tone tone, std::string shown) {
  Value v(Value::Kind::number, n, tone);
  v.shown = shown_as(std::move(shown));
  return v;
}
inline Value num(std::size_t n, Tone tone = Tone::plain) { return num(static_cast<Gpus>(n), tone); }
inline Value num(int n, Tone tone = Tone::plain) { return num(static_cast<Gpus>(n), tone); }
// A text the value keeps.
inline Value txt(std::string s, Tone tone = Tone::plain) {
  Value v(Value::Kind::text, 0, tone);
  v.own_text(std::move(s));
  return v;
}
inline Value txt(std::string s, Tone tone, std::string shown) {
  Value v = txt(std::move(s), tone);
  v.shown = shown_as(std::move(shown));
  return v;
}
// A text the model or the program holds (a name of the snapshot, a word of a static table): it
// outlives the value, which refers to it. A std::string made for the value goes above instead.
inline Value txt(std::string_view s, Tone tone = Tone::plain) {
  Value v(Value::Kind::text, 0, tone);
  v.text = s;
  return v;
}
inline Value txt(std::string_view s, Tone tone, std::string shown) {
  Value v = txt(s, tone);
  v.shown = shown_as(std::move(shown));
  return v;
}
inline Value txt(const char* s, Tone tone = Tone::plain) { return txt(std::string(s), tone); }
inline Value txt(const char* s, Tone tone, std::string shown) { return txt(std::string(s), tone, std::move(shown)); }
// A yes/no: true or false in JSON and CSV, yes or no in the table.
inline Value flag(bool b, Tone tone = Tone::plain) {
  Value v(Value::Kind::flag, b ? 1 : 0, tone);
  v.text = b ? "true" : "false";
  v.shown = b ? "yes" : "no";
  return v;
}
template <class Names> Value list_of(const Names& names, std::string shown = {}) {
  Value v(Value::Kind::list, static_cast<Gpus>(std::size(names)), Tone::plain);
  v.own_items(names);
  v.shown = shown_as(std::move(shown));
  return v;
}
inline Value list(const std::vector<std::string>& items, Tone tone = Tone::plain, std::string shown = {}) {
  Value v = list_of(items, std::move(shown));
  v.tone = tone;
  return v;
}
// A list of names the model holds (a job's nodes): referred to, not copied.
inline Value list_ref(std::span<const std::string_view> names, std::string shown = {}) {
  Value v(Value::Kind::list, static_cast<Gpus>(names.size()), Tone::plain);
  v.items = names;
  v.shown = shown_as(std::move(shown));
  return v;
}
// A list of names the model holds, gathered from elsewhere (a move's nodes by their index): the
// views are kept, the names referred to. `name` gives each id's name (a std::string_view, or a
// reference to text that outlives the value, never a string made for it).
template <class Ids, class Name> Value list_views(const Ids& ids, Name name) {
  static_assert(!std::is_same_v<std::remove_cvref_t<decltype(name(*std::begin(ids)))>, std::string> ||
                    std::is_lvalue_reference_v<decltype(name(*std::begin(ids)))>,
                "a string made for the value: list_of keeps its text");
  Value v(Value::Kind::list, static_cast<Gpus>(std::size(ids)), Tone::plain);
  v.refer_items(ids, name);
  return v;
}
// The same for names listed as they are (views of the model's text, or its strings).
template <class Names> Value list_views(const Names& names) {
  return list_views(names, [](const auto& n) -> decltype(auto) { return n; });
}
Value list_views(std::vector<std::string>&&) = delete; // strings made for the value: list_of keeps them
inline Value none() { return Value(Value::Kind::null, 0, Tone::plain); }
inline Value none(std::string shown) {
  Value v = none();
  v.shown = shown_as(std::move(shown));
  return v;
}
inline Value absent() { return Value(Value::Kind::absent, 0, Tone::plain); }
// A value with a shorter form for a narrow terminal (Value::brief).
inline Value with_brief(Value v, std::string brief) {
  v.brief = std::move(brief);
  return v;
}

// Whether the values being made go into a JSON document, which reads only their kind, number,
// text and items: a get function may then leave out the table's forms (shown, brief) where
// they cost (a short time and a relative one per job, a hostlist per job). json_document sets
// it while it writes.
bool plain_values();
class PlainValues {
public:
  PlainValues();
  ~PlainValues();
  PlainValues(const PlainValues&) = delete;
  PlainValues& operator=(const PlainValues&) = delete;

private:
  bool was_;
};
template <class T> Value optional_num(const std::optional<T>& v) { return v ? num(static_cast<Gpus>(*v)) : none(); }
inline Value time_or_none(bool present, Time t) { return present ? txt(format_rfc3339(t)) : none(); }
inline Value time_or_none(const std::optional<Time>& t) { return t ? txt(format_rfc3339(*t)) : none(); }

// A row about one cluster: the figures (anything with a `cluster` index) and the snapshot its
// names come from.
template <class Figures> struct ClusterView {
  const Snapshot* snap;
  const Figures* row;
  const Cluster& cluster() const { return snap->clusters[row->cluster]; }
};
// The cluster's own columns, as every per-cluster list shows them.
template <class R> Value cluster_name(const R& r) { return txt(r.cluster().name); }
template <class R> Value cluster_region(const R& r) { return txt(r.cluster().region); }
template <class R> Value cluster_provider(const R& r) { return txt(r.cluster().provider); }
template <class R> Value cluster_sku(const R& r) { return txt(r.cluster().sku); }
template <class R> Value cluster_state(const R& r) { return txt(to_string(r.cluster().state)); }

// What a column shows in the TOTAL row.
enum class Total {
  none,  // nothing
  label, // the word TOTAL (the first, identifying column)
  value, // its value for the totals row that figures computed; JSON's "totals" has it too
  row,   // its value in the table's TOTAL row only, not a figure of JSON's "totals" (a count)
};

// Which outputs a keyed column is part of (a column with a header is in the table as well).
enum class In {
  all,   // JSON and CSV
  json,  // JSON only (a nested section, a key a flat CSV spells otherwise)
  csv,   // CSV only (the flat form of what JSON nests)
  table, // neither: its key names it for --sort and --columns
  none,  // no output of its own: a figure other views read (--compare-cuts lists it)
};

// What a column's value is measured in, as the legend of --help and the man page names it
// (unit_text); Prometheus writes basis points as a ratio.
enum class Unit {
  none,     // not said yet: a column with a header must say (tests/render/test_columns.cpp)
  gpus,     // GPUs
  count,    // a whole number of what the meaning says
  nodes,    // nodes
  jobs,     // jobs
  bp,       // a share, in basis points in JSON, a percentage in the table
  time,     // a moment, RFC 3339 in JSON (relative at narrow widths)
  duration, // a length of time ("6h", "2d")
  name,     // a name
  text,     // words
  flag,     // yes or no
  list,     // a list of names
};
std::string_view unit_text(Unit unit);

// A Prometheus family spread over several columns: each column's samples carry this label.
struct FamilyLabel {
  std::string_view name, value;
};

template <class Row> struct Column {
  std::string_view key = {};    // JSON key and CSV header (a figure's name); empty: the table only
  std::string_view header = {}; // table header; empty: not in the table
  Unit unit = Unit::none;       // what its value is measured in
  // What it means, in one short sentence that agrees with docs/*.md: the legend of --help and
  // the man page, and its Prometheus family's HELP text.
  std::string_view meaning = {};
  Align align = Align::right;
  // When the terminal is narrow, the highest numbers go first (1 = goes last). Ignored for
  // identifying columns: names, times to act by, destinations never go.
  int drop = 5;
  bool identifying = false;
  bool wide = false;          // in the table only with -o wide or --columns
  Total total = Total::none;  // what the TOTAL row shows
  std::string_view item = {}; // what a list column lists ("job": its count form is "3 jobs")
  unsigned needs = 0;         // in the table only when the report has all these conditions
  unsigned only_with = 0;     // in every format only when the report has all these conditions
  In in = In::all;
  std::string_view csv = {};    // the CSV header when it is not the key (capacity --by: "sku" for "key")
  std::string_view label = {};  // what it is, in words: HTML legends and --help
  bool part = false;            // a part of the figure before it (indented under it where figures are listed)
  std::string_view metric = {}; // its Prometheus family after the list's prefix ("cut_gpus"); empty: none
  FamilyLabel family = {};      // the label that tells this column's samples from the family's others
  Value (*get)(const Row&) = nullptr;
  // A nested object or array in JSON, written with its key (or left out) by this function,
  // usually object<>, object_if<> or array<> below over another column list.
  void (*section)(JsonWriter& w, std::string_view key, const Row& row, unsigned have) = nullptr;
};

// The cluster's own columns, as every per-cluster list shows them (docs/concepts.md): lists
// differ only in how soon each goes on a narrow terminal and whether only -o wide shows it.
template <class R> constexpr Column<R> cluster_column() {
  return {.key = "name",
          .header = "CLUSTER",
          .unit = Unit::name,
          .meaning = meaning::kCluster,
          .align = Align::left,
          .identifying = true,
          .total = Total::label,
          .get = cluster_name<R>};
}
template <class R> constexpr Column<R> region_column(int drop, bool wide = false) {
  return {.key = "region",
          .header = "REGION",
          .unit = Unit::name,
          .meaning = meaning::kRegion,
          .align = Align::left,
          .drop = drop,
          .wide = wide,
          .get = cluster_region<R>};
}
template <class R> constexpr Column<R> provider_column(int drop, bool wide = false) {
  return {.key = "provider",
          .header = "PROVIDER",
          .unit = Unit::name,
          .meaning = meaning::kProvider,
          .align = Align::left,
          .drop = drop,
          .wide = wide,
          .get = cluster_provider<R>};
}
template <class R> constexpr Column<R> sku_column(int drop, bool wide = false) {
  return {.key = "sku",
          .header = "SKU",
          .unit = Unit::name,
          .meaning = meaning::kSku,
          .align = Align::left,
          .drop = drop,
          .wide = wide,
          .get = cluster_sku<R>};
}
template <class R> constexpr Column<R> state_column(int drop, bool wide = false) {
  return {.key = "state",
          .header = "STATE",
          .unit = Unit::text,
          .meaning = meaning::kClusterState,
          .align = Align::left,
          .drop = drop,
          .wide = wide,
          .get = cluster_state<R>};
}

// Conditions a column may need (Column::needs, Column::only_with); a list may add its own from
// kFirstOwnCondition on.
inline constexpr unsigned kHistory = 1;   // some cluster has health history
inline constexpr unsigned kNamespace = 2; // a --namespace was asked about
inline constexpr unsigned kFirstOwnCondition = 4;

// A registered list: every list is one, so the registry (fleetcap/render/columns.hpp) holds
// every list there is, and --sort, --columns and the tests see all of them.
void register_list(ColumnList list);

template <class Row> class Columns {
public:
  template <std::size_t N> Columns(std::string_view command, std::string_view name, const Column<Row> (&cols)[N],
                                   ListKind kind = ListKind::table, std::string_view schema = {})
      : list_(cols), schema_(schema) {
    ColumnList d{command, name, kind, schema, {}};
    for (const auto& c : list_) d.columns.push_back(describe(c));
    register_list(std::move(d));
  }
  auto begin() const { return list_.begin(); }
  auto end() const { return list_.end(); }
  const Column<Row>& front() const { return list_.front(); }
  std::string_view schema() const { return schema_; }

private:
  static ColumnName describe(const Column<Row>& c) {
    return {c.key,
            c.header,
            c.only_with & kNamespace ? "--namespace" : "",
            c.in == In::all || c.in == In::json,
            c.in == In::none,
            c.section != nullptr,
            c.metric,
            c.label,
            c.meaning,
            unit_text(c.unit)};
  }
  std::span<const Column<Row>> list_;
  std::string_view schema_;
};

template <class Row> bool in_json(const Column<Row>& c, unsigned have) {
  return !c.key.empty() && (c.in == In::all || c.in == In::json) && (c.only_with & ~have) == 0;
}
template <class Row> bool in_csv(const Column<Row>& c, unsigned have) {
  return !c.key.empty() && !c.section && (c.in == In::all || c.in == In::csv) && (c.only_with & ~have) == 0;
}

std::string cell_text(const Value& v);

template <class Row> bool named(const Column<Row>& c, std::string_view name) {
  return (!c.key.empty() && same_column_name(c.key, name)) || (!c.header.empty() && same_column_name(c.header, name));
}

template <class Row> const Column<Row>* find_column(const Columns<Row>& cols, std::string_view name) {
  for (const auto& c : cols)
    if (named(c, name)) return &c;
  return nullptr;
}

// Why a column --columns names cannot be shown in this table now (a condition the run lacks).
[[noreturn]] void unavailable_column(std::string_view name, unsigned missing);

// The columns a table shows: --columns (those of this table, in the order named; when it names
// none of them, the default), else every column with a header that is not -o wide only and
// whose conditions hold.
template <class Row>
std::vector<const Column<Row>*> table_columns(const Columns<Row>& cols, const RenderOptions& o, unsigned have) {
  std::vector<const Column<Row>*> out;
  for (const auto& name : o.columns) {
    const auto* c = find_column(cols, name);
    if (!c || c->header.empty()) continue;
    if (c->only_with & ~have) unavailable_column(name, c->only_with & ~have);
    out.push_back(c);
  }
  if (!out.empty()) return out;
  for (const auto& c : cols)
    if (!c.header.empty() && (o.wide || !c.wide) && ((c.needs | c.only_with) & ~have) == 0) out.push_back(&c);
  return out;
}

template <class Row> TableCell table_cell(const Column<Row>& c, const Value& v) {
  TableCell cell(cell_text(v), v.tone);
  if (v.kind == Value::Kind::list && v.number > 0 && !c.item.empty())
    cell.count = fmt::format("{} {}{}", v.number, c.item, v.number == 1 ? "" : "s");
  else if (v.brief)
    cell.count = *v.brief;
  return cell;
}

template <class Row> TableCell total_cell(const Column<Row>& c, const Row& total) {
  switch (c.total) {
  case Total::label: return TableCell("TOTAL");
  case Total::value:
  case Total::row: return table_cell(c, c.get(total));
  case Total::none: break;
  }
  return TableCell("");
}

// The table: fitted to the terminal by priority unless -o wide or --columns; `total` is a row
// figures computed for the TOTAL line.
template <class Row> std::string table_of(const Columns<Row>& cols, const std::vector<Row>& rows,
                                          const RenderOptions& o, const std::type_identity_t<Row>* total = nullptr,
                                          unsigned have = 0) {
  const auto shown = table_columns(cols, o, have);
  std::vector<TableColumn> tcols;
  for (const auto* c : shown)
    tcols.push_back({std::string(c->header), c->align, c->identifying ? 0 : std::max(1, c->drop), true,
                     c->item.empty() ? "relative" : "as counts"});
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
    for (const auto* c : shown) cells.push_back(total_cell(*c, *total));
    t.set_total(std::move(cells));
  }
  return t.render(o.style);
}

void json_value(JsonWriter& w, const Value& v);

// One column's key and value, or nothing when the row has no such field (absent).
template <class Row> void json_field(JsonWriter& w, const Column<Row>& c, const Row& row, unsigned have) {
  if (c.section) return c.section(w, c.key, row, have);
  const Value v = c.get(row);
  if (v.kind == Value::Kind::absent) return;
  w.key(c.key);
  json_value(w, v);
}

// The row's JSON columns as fields of the object being written.
template <class Row> void json_fields(JsonWriter& w, const Columns<Row>& cols, const Row& row, unsigned have = 0) {
  for (const auto& c : cols)
    if (in_json(c, have)) json_field(w, c, row, have);
}

// The TOTAL row's figures (the columns that total to a value) as fields of the object being written.
template <class Row> void json_totals(JsonWriter& w, const Columns<Row>& cols, const Row& total, unsigned have = 0) {
  for (const auto& c : cols)
    if (c.total == Total::value && in_json(c, have)) json_field(w, c, total, have);
}

template <class Row> void json_row(JsonWriter& w, const Columns<Row>& cols, const Row& row, unsigned have = 0) {
  w.begin_object();
  json_fields(w, cols, row, have);
  w.end_object();
}

// Rows a piece of a long JSON list holds; a list of at least kPiecesFrom pieces is written on
// several threads (parallel.hpp), each piece by a continuation of the writer, spliced in order.
inline constexpr std::size_t kPieceRows = 1024, kPiecesFrom = 4;

// Asks the memory for what a row to be written soon reads (docs/design.md, "Reading ahead"):
// nothing, unless the row's type has a prefetch(const Row&, int stage) of its own. A list's rows
// are in the listing's order, their records and names in the order they were read, so each row
// would otherwise wait for memory several times. Stage 0 comes kAheadRows rows ahead (the
// record), stage 1 half as far (what the record points to, its address read by then).
template <class Row> void prefetch(const Row&, int) {}
inline constexpr std::size_t kAheadRows = 16;

template <class Row, class Rows>
void json_list(JsonWriter& w, std::string_view key, const Columns<Row>& cols, const Rows& rows, unsigned have = 0) {
  w.key(key).begin_array();
  const std::size_t n = std::size(rows);
  if constexpr (std::random_access_iterator<decltype(std::begin(rows))>) {
    if (n >= kPieceRows * kPiecesFrom) {
      const auto first = std::begin(rows);
      // Made here: `w` changes on this thread (splice) while the pieces are made on others.
      const JsonWriter continuation = w.continuation();
      in_order((n + kPieceRows - 1) / kPieceRows,
               [&](std::size_t i) {
                 JsonWriter part = continuation;
                 const std::size_t from = i * kPieceRows, to = std::min(n, from + kPieceRows);
                 for (std::size_t r = from; r < to; ++r) {
                   if (r + kAheadRows < n) prefetch(first[static_cast<std::ptrdiff_t>(r + kAheadRows)], 0);
                   if (r + kAheadRows / 2 < n) prefetch(first[static_cast<std::ptrdiff_t>(r + kAheadRows / 2)], 1);
                   json_row<Row>(part, cols, first[static_cast<std::ptrdiff_t>(r)], have);
                 }
                 return part.take_text();
               },
               [&](std::string&& text) { w.splice(text); });
      w.end_array();
      return;
    }
  }
  for (const auto& row : rows) json_row<Row>(w, cols, row, have);
  w.end_array();
}

// ---- sections: nested objects and arrays, each a list of its own -------------------------

// A section's Of is a function of the row or a pointer to one of the row's members.
template <class F> struct row_of;
template <class R, class A> struct row_of<R (*)(const A&)> { using type = A; };
template <class M, class A> struct row_of<M A::*> { using type = A; };
template <auto F> using row_of_t = typename row_of<decltype(F)>::type;

template <class T> inline constexpr bool may_be_none = std::is_pointer_v<T>;
template <class T> inline constexpr bool may_be_none<std::optional<T>> = true;

// What Of gives for row: the function's result, or the member (as it is when it is a pointer or
// an optional, else its address): something that tests false when there is none.
template <auto Of> decltype(auto) part_of(const row_of_t<Of>& row) {
  if constexpr (std::is_member_object_pointer_v<decltype(Of)>) {
    const auto& m = row.*Of;
    if constexpr (may_be_none<std::remove_cvref_t<decltype(m)>>)
      return m;
    else
      return &m;
  } else {
    return Of(row);
  }
}

// key: an object of Sub's columns for what Of gives (a pointer or an optional); null when none.
template <const auto& Sub, auto Of>
void object(JsonWriter& w, std::string_view key, const row_of_t<Of>& row, unsigned have) {
  const auto sub = part_of<Of>(row);
  w.key(key);
  if (sub)
    json_row(w, Sub, *sub, have);
  else
    w.value(nullptr);
}

// The same, with the key left out when Of gives none.
template <const auto& Sub, auto Of>
void object_if(JsonWriter& w, std::string_view key, const row_of_t<Of>& row, unsigned have) {
  if (const auto sub = part_of<Of>(row)) {
    w.key(key);
    json_row(w, Sub, *sub, have);
  }
}

// key: an array of Sub's columns, one object per element of what Items gives.
template <const auto& Sub, auto Items>
void array(JsonWriter& w, std::string_view key, const row_of_t<Items>& row, unsigned have) {
  json_list(w, key, Sub, std::invoke(Items, row), have);
}

// key: an object of Sub's figures that total (Total::value) for the totals row Of gives.
template <const auto& Sub, auto Of>
void totals(JsonWriter& w, std::string_view key, const row_of_t<Of>& row, unsigned have) {
  w.key(key).begin_object();
  json_totals(w, Sub, *part_of<Of>(row), have);
  w.end_object();
}

// Sub's fields for what Of gives, as fields of this object itself (a part every document of a
// command starts with): the column's key only names it in the registry.
template <const auto& Sub, auto Of>
void fields_inline(JsonWriter& w, std::string_view, const row_of_t<Of>& row, unsigned have) {
  json_fields(w, Sub, *part_of<Of>(row), have);
}

// The figures that total, of the totals row Of gives, as fields of this object itself: the
// column's key only names it in the registry.
template <const auto& Sub, auto Of>
void totals_inline(JsonWriter& w, std::string_view, const row_of_t<Of>& row, unsigned have) {
  json_totals(w, Sub, *part_of<Of>(row), have);
}

// The row itself, for a section of the same record (Of in object<>).
template <class Row> const Row* self(const Row& row) { return &row; }

// ---- documents ---------------------------------------------------------------------------

// The fields every JSON document starts with (docs/output.md): schema, generated_at, at, source,
// sources.
struct Envelope {
  std::string_view schema;
  const RenderOptions* o;
};
void envelope_fields(JsonWriter& w, const Envelope& e);
// The envelope's "sources" (src/render/sources.cpp).
void envelope_sources(JsonWriter& w, std::string_view key, const Envelope& e, unsigned have);

// A whole JSON document: the envelope, then `cols` for `doc`. With a sink, the text goes there
// as it is written (a document of tens of MB) and the result is empty; `reserve`: about how
// long it will be, when that is known.
template <class Doc> std::string json_document(const Columns<Doc>& cols, const Doc& doc, const RenderOptions& o,
                                               unsigned have = 0, std::ostream* sink = nullptr,
                                               std::size_t reserve = 0) {
  const PlainValues plain;
  JsonWriter w = sink ? JsonWriter(*sink) : JsonWriter();
  w.reserve(reserve);
  w.begin_object();
  envelope_fields(w, {cols.schema(), &o});
  json_fields(w, cols, doc, have);
  w.end_object();
  return w.finish();
}

// ---- CSV, names, sort ---------------------------------------------------------------------

void csv_value(std::string& out, const Value& v);

template <class Row>
std::vector<const Column<Row>*> csv_columns(const Columns<Row>& cols, const RenderOptions& o, unsigned have) {
  std::vector<const Column<Row>*> shown;
  for (const auto& name : o.columns)
    if (const auto* c = find_column(cols, name); c && in_csv(*c, have)) shown.push_back(c);
  if (shown.empty())
    for (const auto& c : cols)
      if (in_csv(c, have)) shown.push_back(&c);
  return shown;
}

// CSV: a header of JSON keys, then one line per row; --columns picks (keyed columns only).
// Lists are joined with spaces, nothing is an empty field.
template <class Row>
std::string csv_of(const Columns<Row>& cols, const std::vector<Row>& rows, const RenderOptions& o, unsigned have = 0) {
  const auto shown = csv_columns(cols, o, have);
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
      csv_value(out, shown[i]->get(row));
    }
    out += '\n';
  }
  return out;
}

std::string name_line(const Value& v);

// -o name: the first column of each row, one per line, for scripts (the first the row has: a
// PARTITION column is absent unless --by partition).
template <class Row> std::string names_of(const Columns<Row>& cols, const std::vector<Row>& rows) {
  std::string out;
  for (const auto& row : rows) {
    Value v;
    for (const auto& c : cols) {
      if (c.get) v = c.get(row);
      if (v.kind != Value::Kind::absent) break;
    }
    out += name_line(v);
  }
  return out;
}

bool sorts_before(const Value& x, const Value& y);

// --sort: numbers (and list lengths) largest first, text A to Z, ties keep the command's
// order; a name that is not a column of this table leaves it as it is.
template <class Row> void sort_rows(const Columns<Row>& cols, std::vector<Row>& rows, std::string_view name) {
  const Column<Row>* c = name.empty() ? nullptr : find_column(cols, name);
  if (!c || !c->get) return;
  std::vector<std::pair<Value, std::size_t>> keys;
  keys.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) keys.emplace_back(c->get(rows[i]), i);
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return sorts_before(a.first, b.first); });
  std::vector<Row> sorted;
  sorted.reserve(rows.size());
  for (const auto& k : keys) sorted.push_back(std::move(rows[k.second]));
  rows = std::move(sorted);
}

// ---- HTML data attributes -----------------------------------------------------------------

void html_attribute(std::string& out, std::string_view key, const Value& v);

// ` data-KEY="value"` for each of the row's flat fields (its CSV columns), named by JSON key, so
// a page's elements carry the figures they draw and a test can read them back.
template <class Row> void html_data(std::string& out, const Columns<Row>& cols, const Row& row, unsigned have = 0) {
  for (const auto& c : cols)
    if (in_csv(c, have)) html_attribute(out, c.key, c.get(row));
}

// Links each renderer's lists into every program that asks for the registry (the lists
// register themselves when their file is linked; a unit test might link only some files).
void link_capacity_columns();
void link_flex_columns();
void link_quota_columns();
void link_overalloc_columns();
void link_overalloc_brief_columns();
void link_maintenance_columns();
void link_nodes_columns();
void link_jobs_columns();
void link_snapshot_columns();
void link_sources_columns();

} // namespace fleetcap::cols
