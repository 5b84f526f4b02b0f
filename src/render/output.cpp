#include "fleetcap/render/output.hpp"

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

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

} // namespace fleetcap
