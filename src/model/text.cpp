// One escaping for text from outside, and quoting what a server sent (fleetcap/text.hpp).
#include "fleetcap/text.hpp"

#include "fleetcap/secrets.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetcap {
namespace {
// The length of the control character at text[i] (1, or 2 for a UTF-8 C1), 0 for none.
std::size_t control_at(std::string_view text, std::size_t i) {
  const auto u = static_cast<unsigned char>(text[i]);
  if (u < 0x20 || u == 0x7f) return 1;
  if (u == 0xC2 && i + 1 < text.size()) {
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0x80 && next <= 0x9f) return 2;
  }
  return 0;
}
} // namespace

bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (control_at(text, i)) return true;
  return false;
}

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t n = control_at(text, i);
    if (n == 0) {
      out += text[i];
      continue;
    }
    for (std::size_t k = 0; k < n; ++k) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i + k]));
    i += n - 1;
  }
  return out;
}

std::string quote_from_server(std::string_view text, std::size_t max_bytes) {
  const std::string plain = redact(text);
  std::string line;
  line.reserve(std::min(plain.size(), max_bytes * 4));
  for (char c : plain) {
    if (line.size() > max_bytes * 4) break; // enough to cut from; escaping only lengthens
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line += ' ';
      continue;
    }
    line += c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::string out = escape_control(line);
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut; // not inside a character
  out.resize(cut);
  return out + "...";
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string_view("'\\''") : std::string_view(&c, 1);
  return out + "'";
}

} // namespace fleetcap
