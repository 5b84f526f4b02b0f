#include "fleetcap/render/capacity.hpp"

#include "fleetcap/render/table.hpp"
#include "json_out.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetcap {
namespace {

constexpr std::string_view kTextKeys[] = {"name", "cluster", "key", "region", "provider", "sku", "state"};

std::string_view group_name(GroupBy by) {
  switch (by) {
  case GroupBy::region: return "region";
  case GroupBy::sku: return "sku";
  case GroupBy::provider: return "provider";
  case GroupBy::none: break;
  }
  return "cluster";
}

std::string text_of(const CapacityRow& row, const Snapshot& snap, std::string_view key) {
  if (row.cluster == kNone) return row.key;
  const Cluster& c = snap.clusters[row.cluster];
  if (key == "region") return c.region;
  if (key == "provider") return c.provider;
  if (key == "sku") return c.sku;
  if (key == "state") return std::string(to_string(c.state));
  return c.name;
}

// Figures sort largest first; names sort A to Z; ties keep the snapshot's order.
std::vector<const CapacityRow*> sorted_rows(const CapacityReport& r, const Snapshot& snap, const std::string& sort) {
  std::vector<const CapacityRow*> rows;
  for (const auto& row : r.rows) rows.push_back(&row);
  if (sort.empty()) return rows;
  if (const FigureColumn* col = find_figure_column(sort)) {
    std::stable_sort(rows.begin(), rows.end(),
                     [col](auto* a, auto* b) { return a->figures.*(col->field) > b->figures.*(col->field); });
  } else {
    std::string key(sort);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    std::stable_sort(rows.begin(), rows.end(),
                     [&](auto* a, auto* b) { return text_of(*a, snap, key) < text_of(*b, snap, key); });
  }
  return rows;
}

std::string table(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o,
                  const std::vector<const CapacityRow*>& rows) {
  const bool grouped = r.by != GroupBy::none;
  std::vector<TableColumn> cols;
  std::string first = std::string(group_name(r.by));
  std::transform(first.begin(), first.end(), first.begin(), [](unsigned char c) { return std::toupper(c); });
  cols.push_back({first, Align::left, 0});
  if (grouped) {
    cols.push_back({"CLUSTERS", Align::right, 10});
  } else {
    cols.push_back({"SKU", Align::left, 11});
    cols.push_back({"REGION", Align::left, 12});
    if (o.wide) {
      cols.push_back({"PROVIDER", Align::left, 13});
      cols.push_back({"STATE", Align::left, 14});
    }
  }
  std::vector<const FigureColumn*> figures;
  for (const auto& c : kClusterFigureColumns) {
    if (c.wide_only && !o.wide) continue;
    figures.push_back(&c);
    cols.push_back({std::string(c.header), Align::right, c.drop});
  }
  Table t(cols);
  auto figure_cells = [&](std::vector<TableCell>& cells, const ClusterFigures& f) {
    for (auto* c : figures) {
      const Gpus v = f.*(c->field);
      Tone tone = Tone::plain;
      if (c->field == &ClusterFigures::unbacked && v > 0) tone = Tone::bad;
      cells.emplace_back(fmt::format("{}", v), tone);
    }
  };
  for (auto* row : rows) {
    std::vector<TableCell> cells{row->key};
    if (grouped) {
      cells.emplace_back(fmt::format("{}", row->clusters));
    } else {
      const Cluster& c = snap.clusters[row->cluster];
      cells.emplace_back(c.sku);
      cells.emplace_back(c.region);
      if (o.wide) {
        cells.emplace_back(c.provider);
        cells.emplace_back(std::string(to_string(c.state)));
      }
    }
    figure_cells(cells, row->figures);
    t.add_row(std::move(cells));
  }
  if (t.empty()) return "No clusters match.\n";
  std::vector<TableCell> total{"TOTAL"};
  if (grouped) {
    std::size_t n = 0;
    for (auto* row : rows) n += row->clusters;
    total.emplace_back(fmt::format("{}", n));
  } else {
    total.resize(o.wide ? 5 : 3);
  }
  figure_cells(total, r.totals);
  t.set_total(std::move(total));
  return t.render(o.style);
}

std::string json(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o,
                 const std::vector<const CapacityRow*>& rows) {
  using json_out::Json;
  Json doc = json_out::envelope("capacity", o);
  Json list = Json::array();
  for (auto* row : rows) {
    Json item;
    if (r.by == GroupBy::none) {
      const Cluster& c = snap.clusters[row->cluster];
      item["name"] = c.name;
      item["region"] = c.region;
      item["provider"] = c.provider;
      item["sku"] = c.sku;
      item["state"] = to_string(c.state);
    } else {
      item["key"] = row->key;
      item["clusters"] = row->clusters;
    }
    json_out::put_figures(item, row->figures);
    list.push_back(std::move(item));
  }
  if (r.by == GroupBy::none) {
    doc["clusters"] = std::move(list);
  } else {
    doc["by"] = group_name(r.by);
    doc["groups"] = std::move(list);
  }
  Json totals;
  json_out::put_figures(totals, r.totals);
  doc["totals"] = std::move(totals);
  return json_out::dump(doc);
}

std::string csv(const CapacityReport& r, const Snapshot& snap, const std::vector<const CapacityRow*>& rows) {
  std::string out = r.by == GroupBy::none ? "name,region,provider,sku,state" : fmt::format("{},clusters", group_name(r.by));
  for (const auto& c : kClusterFigureColumns) out += fmt::format(",{}", c.key);
  out += '\n';
  for (auto* row : rows) {
    if (r.by == GroupBy::none) {
      const Cluster& c = snap.clusters[row->cluster];
      out += fmt::format("{},{},{},{},{}", csv_field(c.name), csv_field(c.region), csv_field(c.provider),
                         csv_field(c.sku), to_string(c.state));
    } else {
      out += fmt::format("{},{}", csv_field(row->key), row->clusters);
    }
    for (const auto& c : kClusterFigureColumns) out += fmt::format(",{}", row->figures.*(c.field));
    out += '\n';
  }
  return out;
}

} // namespace

bool capacity_sort_key_valid(std::string_view key) {
  if (find_figure_column(key)) return true;
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(std::begin(kTextKeys), std::end(kTextKeys), k) != std::end(kTextKeys);
}

std::string render_capacity(const CapacityReport& r, const Snapshot& snap, const RenderOptions& o) {
  const auto rows = sorted_rows(r, snap, o.sort);
  switch (o.format) {
  case Format::json: return json(r, snap, o, rows);
  case Format::csv: return csv(r, snap, rows);
  case Format::table: break;
  }
  return table(r, snap, o, rows);
}

} // namespace fleetcap
