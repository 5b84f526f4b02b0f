#include "fleetcap/render/output.hpp"

#include "fleetcap/text.hpp"

#include <algorithm>
#include <cctype>

namespace fleetcap {

bool same_column_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto fold = [](char c) {
             return c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
           };
           return fold(x) == fold(y);
         });
}

std::string csv_field(std::string_view raw) {
  // Control characters escaped as in tables (fleetcap/text.hpp): a CSV file is read on terminals
  // and by spreadsheets, and a line break would start a row of its own for line-based tools.
  const std::string escaped = has_control(raw) ? escape_control(raw) : std::string();
  const std::string_view text = escaped.empty() ? raw : std::string_view(escaped);
  if (text.find_first_of(",\"") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

} // namespace fleetcap
