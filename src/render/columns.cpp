#include "columns.hpp"

namespace fleetcap {

const std::vector<ColumnList>& column_registry() {
  static const std::vector<ColumnList> all = [] {
    std::vector<ColumnList> out;
    for (auto* lists : {&cols::capacity_column_lists, &cols::flex_column_lists, &cols::quota_column_lists,
                        &cols::overalloc_column_lists, &cols::maintenance_column_lists, &cols::nodes_column_lists,
                        &cols::sources_column_lists})
      for (auto& l : lists()) out.push_back(std::move(l));
    return out;
  }();
  return all;
}

std::vector<std::string_view> column_names(std::string_view command) {
  std::vector<std::string_view> out;
  for (const auto& l : column_registry()) {
    if (l.command != command) continue;
    for (const auto& c : l.columns) {
      if (!c.key.empty()) out.push_back(c.key);
      if (!c.header.empty()) out.push_back(c.header);
    }
  }
  return out;
}

bool is_column_name(std::string_view command, std::string_view name) {
  for (auto n : column_names(command))
    if (same_column_name(n, name)) return true;
  return false;
}

} // namespace fleetcap
