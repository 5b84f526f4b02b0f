#include "fleetcap/render/table.hpp"

#include <algorithm>
#include <numeric>

namespace fleetcap {

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string Table::render(const Style& style) const {
  const Palette& p = Palette::of(style);
  const std::size_t n = columns_.size();
  std::vector<std::size_t> width(n, 0);
  auto measure = [&](const std::vector<TableCell>& cells) {
    for (std::size_t i = 0; i < n && i < cells.size(); ++i) width[i] = std::max(width[i], display_width(cells[i].text));
  };
  for (std::size_t i = 0; i < n; ++i) width[i] = display_width(columns_[i].header);
  for (const auto& r : rows_) measure(r);
  if (!total_.empty()) measure(total_);

  // Drop columns, least important first, until the table fits.
  std::vector<bool> shown(n, true);
  auto line_width = [&] {
    std::size_t w = 0, k = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (shown[i]) w += width[i] + (k++ ? 2 : 0);
    return w;
  };
  while (style.width > 0 && line_width() > static_cast<std::size_t>(style.width)) {
    std::size_t victim = n;
    for (std::size_t i = 0; i < n; ++i)
      if (shown[i] && columns_[i].drop > 0 && (victim == n || columns_[i].drop >= columns_[victim].drop)) victim = i;
    if (victim == n) break;
    shown[victim] = false;
  }

  auto tone = [&](Tone t) -> std::string_view {
    switch (t) {
    case Tone::bad: return p.bad;
    case Tone::warn: return p.warn;
    case Tone::good: return p.good;
    case Tone::dim: return p.dim;
    case Tone::plain: break;
    }
    return {};
  };
  std::string out;
  auto emit = [&](const std::vector<TableCell>& cells, std::string_view row_style) {
    std::string line;
    bool first = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      if (!first) line += "  ";
      const TableCell empty_cell;
      const TableCell& cell = i < cells.size() ? cells[i] : empty_cell;
      const std::size_t pad = width[i] - display_width(cell.text);
      const std::string_view colour = row_style.empty() ? tone(cell.tone) : row_style;
      if (columns_[i].align == Align::right) line.append(pad, ' ');
      if (!colour.empty() && !cell.text.empty()) {
        line += colour;
        line += cell.text;
        line += p.reset;
      } else {
        line += cell.text;
      }
      if (columns_[i].align == Align::left) line.append(pad, ' ');
      first = false;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  std::vector<TableCell> header;
  for (const auto& c : columns_) header.emplace_back(c.header);
  emit(header, p.header);
  for (const auto& r : rows_) emit(r, {});
  if (!total_.empty()) emit(total_, p.header);
  return out;
}

} // namespace fleetcap
