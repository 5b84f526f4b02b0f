#include "columns.hpp"

#include "fleetcap/render/html.hpp"

#include <fmt/ranges.h>

namespace fleetcap {
namespace cols {
namespace {

std::vector<ColumnList>& registered() {
  static std::vector<ColumnList> lists;
  return lists;
}

Value envelope_schema(const Envelope& e) { return txt(e.schema); }

// The envelope of every document (docs/output.md), in this order.
const Column<Envelope> kEnvelopeList[] = {
    {.key = "schema", .get = envelope_schema},
    {.key = "generated_at", .get = [](const Envelope& e) { return txt(format_rfc3339(e.o->generated_at)); }},
    {.key = "at", .get = [](const Envelope& e) { return txt(format_rfc3339(e.o->at)); }},
    {.key = "source", .get = [](const Envelope& e) { return txt(e.o->source); }},
    {.key = "sources", .section = envelope_sources}, // sources.cpp: each source read (docs/sources.md)
};
const Columns<Envelope> kEnvelope{"", "envelope", kEnvelopeList, ListKind::section};

thread_local bool plain = false; // PlainValues is in force

} // namespace

bool plain_values() { return plain; }

PlainValues::PlainValues() : was_(plain) { plain = true; }
PlainValues::~PlainValues() { plain = was_; }

void register_list(ColumnList list) { registered().push_back(std::move(list)); }

std::string_view unit_text(Unit unit) {
  switch (unit) {
  case Unit::none: break;
  case Unit::gpus: return "GPUs";
  case Unit::count: return "count";
  case Unit::nodes: return "nodes";
  case Unit::jobs: return "jobs";
  case Unit::bp: return "%";
  case Unit::time: return "time";
  case Unit::duration: return "duration";
  case Unit::name: return "name";
  case Unit::text: return "text";
  case Unit::flag: return "yes/no";
  case Unit::list: return "list";
  }
  return "";
}

std::string cell_text(const Value& v) {
  if (v.words) return *v.words;
  if (v.shown) return *v.shown;
  switch (v.kind) {
  case Value::Kind::number: return fmt::format("{}", v.number);
  case Value::Kind::text: return std::string(v.text);
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

void unavailable_column(std::string_view name, unsigned missing) {
  const std::string_view why = missing & kNamespace ? "is shown only with --namespace"
                               : missing & kHistory ? "is shown only with health history"
                                                    : "has nothing to show for the rows of this run";
  throw UsageError(fmt::format("--columns {}: that column {}", name, why));
}

void json_value(JsonWriter& w, const Value& v) {
  switch (v.kind) {
  case Value::Kind::number: w.value(v.number); break;
  case Value::Kind::text: w.value(v.text); break;
  case Value::Kind::flag: w.value(v.number != 0); break;
  case Value::Kind::list: w.array(v.items); break;
  case Value::Kind::null: w.value(nullptr); break;
  case Value::Kind::absent: break; // json_field writes no key for it
  }
}

void envelope_fields(JsonWriter& w, const Envelope& e) { json_fields(w, kEnvelope, e); }

void csv_value(std::string& out, const Value& v) {
  if (v.words) {
    out += csv_field(*v.words);
    return;
  }
  switch (v.kind) {
  case Value::Kind::number: out += fmt::format("{}", v.number); break;
  case Value::Kind::text: out += csv_field(v.text); break;
  case Value::Kind::flag: out += v.number ? "true" : "false"; break;
  case Value::Kind::list: {
    std::string joined;
    for (const auto& item : v.items) {
      if (!joined.empty()) joined += ' ';
      joined += item;
    }
    out += csv_field(joined);
    break;
  }
  case Value::Kind::null:
  case Value::Kind::absent: break;
  }
}

std::string name_line(const Value& v) {
  std::string text = v.kind == Value::Kind::text ? std::string(v.text) : cell_text(v); // the name, not its table form
  if (has_control(text)) text = escape_control(text);
  text += '\n';
  return text;
}

bool sorts_before(const Value& x, const Value& y) {
  if (x.kind != y.kind) return x.kind < y.kind; // numbers, text, yes/no, lists, then nothing, then absent
  if (x.kind == Value::Kind::text) return x.text < y.text;
  return x.number > y.number; // numbers and list lengths largest first, yes before no
}

void html_attribute(std::string& out, std::string_view key, const Value& v) {
  switch (v.kind) {
  case Value::Kind::number: out += fmt::format(" data-{}=\"{}\"", key, v.number); break;
  case Value::Kind::text: out += fmt::format(" data-{}=\"{}\"", key, html_escape(v.text)); break;
  case Value::Kind::flag: out += fmt::format(" data-{}=\"{}\"", key, v.number ? "true" : "false"); break;
  case Value::Kind::list: {
    std::string joined;
    for (const auto& item : v.items) {
      if (!joined.empty()) joined += ' ';
      joined += item;
    }
    out += fmt::format(" data-{}=\"{}\"", key, html_escape(joined));
    break;
  }
  case Value::Kind::null:
  case Value::Kind::absent: break;
  }
}

} // namespace cols

const std::vector<ColumnList>& column_registry() {
  static const std::vector<ColumnList> all = [] {
    for (auto* link : {&cols::link_capacity_columns, &cols::link_flex_columns, &cols::link_quota_columns,
                       &cols::link_overalloc_columns, &cols::link_overalloc_brief_columns,
                       &cols::link_maintenance_columns, &cols::link_nodes_columns, &cols::link_jobs_columns,
                       &cols::link_snapshot_columns, &cols::link_sources_columns})
      link();
    return cols::registered();
  }();
  return all;
}

std::vector<std::string_view> column_names(std::string_view command) {
  std::vector<std::string_view> out;
  for (const auto& l : column_registry()) {
    if (l.command != command || l.kind != ListKind::table) continue;
    for (const auto& c : l.columns) {
      if (c.unnamed) continue;
      if (!c.key.empty()) out.push_back(c.key);
      if (!c.header.empty()) out.push_back(c.header);
    }
  }
  return out;
}

std::vector<LegendTable> column_legend(std::string_view command) {
  std::vector<LegendTable> out;
  std::vector<const ColumnName*> said;
  for (const auto& l : column_registry()) {
    if (l.command != command || l.kind != ListKind::table) continue;
    LegendTable t{l.table, {}, {}};
    for (const auto& c : l.columns) {
      if (c.header.empty()) continue;
      const bool again = std::any_of(said.begin(), said.end(), [&](const ColumnName* s) {
        return s->header == c.header && s->meaning == c.meaning && s->unit == c.unit;
      });
      if (again) {
        t.above.push_back(c.header);
        continue;
      }
      said.push_back(&c);
      t.columns.push_back(&c);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string column_legend_text(std::string_view command) {
  const auto tables = column_legend(command);
  std::size_t header = 0, unit = 0;
  for (const auto& t : tables)
    for (const auto* c : t.columns) {
      header = std::max(header, c->header.size());
      unit = std::max(unit, c->unit.size());
    }
  std::string out;
  for (const auto& t : tables) {
    if (!out.empty()) out += "\n\n";
    if (tables.size() == 1)
      out += "Columns:";
    else if (t.above.empty())
      out += fmt::format("Columns ({}):", t.table);
    else
      out += fmt::format("Columns ({}; as above: {}):", t.table, fmt::join(t.above, ", "));
    for (const auto* c : t.columns)
      out += fmt::format("\n  {:<{}}  {:<{}}  {}", c->header, header, c->unit, unit, c->meaning);
  }
  return out;
}

bool is_column_name(std::string_view command, std::string_view name) {
  for (auto n : column_names(command))
    if (same_column_name(n, name)) return true;
  return false;
}

bool is_table_column(std::string_view command, std::string_view name) {
  for (const auto& l : column_registry()) {
    if (l.command != command || l.kind != ListKind::table) continue;
    for (const auto& c : l.columns)
      if (!c.header.empty() && (same_column_name(c.header, name) || (!c.key.empty() && same_column_name(c.key, name))))
        return true;
  }
  return false;
}

} // namespace fleetcap
