#include "fleetcap/render/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace fleetcap {

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

namespace {
void make_safe(std::vector<TableCell>& cells) {
  for (auto& c : cells) {
    if (has_control(c.text)) c.text = escape_control(c.text);
    if (has_control(c.count)) c.count = escape_control(c.count);
  }
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}
} // namespace

void Table::add_row(std::vector<TableCell> cells) {
  make_safe(cells);
  rows_.push_back(std::move(cells));
}

void Table::set_total(std::vector<TableCell> cells) {
  make_safe(cells);
  total_ = std::move(cells);
}

std::string Table::render(const Style& style) const {
  const Palette& p = Palette::of(style);
  const std::size_t n = columns_.size();
  std::vector<std::size_t> full(n, 0), counted(n, 0);
  std::vector<TableColumn> columns = columns_;
  for (auto& c : columns)
    if (has_control(c.header)) c.header = escape_control(c.header);
  auto measure = [&](const std::vector<TableCell>& cells) {
    for (std::size_t i = 0; i < n && i < cells.size(); ++i) {
      full[i] = std::max(full[i], display_width(cells[i].text));
      counted[i] = std::max(counted[i], display_width(cells[i].count.empty() ? cells[i].text : cells[i].count));
    }
  };
  for (std::size_t i = 0; i < n; ++i) full[i] = counted[i] = no_headers_ ? 0 : display_width(columns[i].header);
  for (const auto& r : rows_) measure(r);
  if (!total_.empty()) measure(total_);

  std::vector<bool> shown(n, true), shrunk(n, false);
  auto width_of = [&](std::size_t i) { return shrunk[i] ? counted[i] : full[i]; };
  auto line_width = [&] {
    std::size_t w = 0, k = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (shown[i]) w += width_of(i) + (k++ ? 2 : 0);
    return w;
  };
  const bool fitting = fit_ && style.width > 0;
  auto too_wide = [&] { return fitting && line_width() > static_cast<std::size_t>(style.width); };
  // Lists shrink to counts first, least important first; identifying lists never do.
  while (too_wide()) {
    std::size_t victim = n;
    for (std::size_t i = 0; i < n; ++i)
      if (columns[i].list && !shrunk[i] && columns[i].drop > 0 && counted[i] < full[i] &&
          (victim == n || columns[i].drop >= columns[victim].drop))
        victim = i;
    if (victim == n) break;
    shrunk[victim] = true;
  }
  // Then columns go, least important first; identifying ones (drop 0) never do.
  while (too_wide()) {
    std::size_t victim = n;
    for (std::size_t i = 0; i < n; ++i)
      if (shown[i] && columns[i].drop > 0 && (victim == n || columns[i].drop >= columns[victim].drop)) victim = i;
    if (victim == n) break;
    shown[victim] = false;
  }
  // Last, when only identifying columns are left and still too wide, their lists shrink too
  // (a destination's cluster stays, its nodes become a count).
  while (too_wide()) {
    std::size_t victim = n;
    for (std::size_t i = 0; i < n; ++i)
      if (columns[i].list && !shrunk[i] && shown[i] && counted[i] < full[i]) victim = i;
    if (victim == n) break;
    shrunk[victim] = true;
  }
  // Dropping the least important first can leave room: take back, most important first, the
  // columns that fit again.
  if (fitting) {
    std::vector<std::size_t> gone;
    for (std::size_t i = 0; i < n; ++i)
      if (!shown[i]) gone.push_back(i);
    std::stable_sort(gone.begin(), gone.end(), [&](auto a, auto b) { return columns[a].drop < columns[b].drop; });
    for (auto i : gone) {
      shown[i] = true;
      if (too_wide()) shown[i] = false;
    }
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
      const std::string& text = shrunk[i] && !cell.count.empty() ? cell.count : cell.text;
      const std::size_t w = width_of(i), dw = display_width(text);
      const std::size_t pad = w > dw ? w - dw : 0;
      const std::string_view colour = row_style.empty() ? tone(cell.tone) : row_style;
      if (columns[i].align == Align::right) line.append(pad, ' ');
      if (!colour.empty() && !text.empty()) {
        line += colour;
        line += text;
        line += p.reset;
      } else {
        line += text;
      }
      if (columns[i].align == Align::left) line.append(pad, ' ');
      first = false;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  if (!no_headers_) {
    std::vector<TableCell> header;
    for (const auto& c : columns) header.emplace_back(c.header);
    emit(header, p.header);
  }
  for (const auto& r : rows_) emit(r, {});
  if (!total_.empty()) emit(total_, p.header);

  std::vector<std::string> hidden, counts;
  for (std::size_t i = 0; i < n; ++i) {
    if (!shown[i])
      hidden.push_back(columns[i].header);
    else if (shrunk[i])
      counts.push_back(columns[i].header);
  }
  if (!hidden.empty() || !counts.empty()) {
    std::string what;
    if (!counts.empty()) what = fmt::format("{} shown as counts", join(counts));
    if (!hidden.empty()) what += fmt::format("{}{} hidden", what.empty() ? "" : "; ", join(hidden));
    out += wrap_prose(fmt::format("({} to fit {} columns; -o wide shows all, --columns picks)\n", what, style.width),
                      style.width);
  }
  return out;
}

std::string wrap_prose(std::string_view text, int width) {
  if (width <= 0) return std::string(text);
  const auto limit = static_cast<std::size_t>(width);
  std::string out;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const bool newline = eol != std::string_view::npos;
    const std::string_view line = text.substr(0, eol);
    text = newline ? text.substr(eol + 1) : std::string_view{};
    if (display_width(line) <= limit) {
      out += line;
    } else {
      std::size_t indent = line.find_first_not_of(' ');
      if (indent == std::string_view::npos) indent = 0;
      std::size_t cont = indent + (line.substr(indent).starts_with("- ") ? 2 : 0);
      if (cont >= limit / 2) cont = 0;
      std::string current(indent, ' ');
      std::size_t current_width = indent;
      bool has_word = false;
      std::size_t i = indent;
      while (i < line.size()) {
        if (line[i] == ' ') {
          ++i;
          continue;
        }
        std::size_t end = line.find(' ', i);
        if (end == std::string_view::npos) end = line.size();
        const std::string_view word = line.substr(i, end - i);
        const std::size_t w = display_width(word);
        if (has_word && current_width + 1 + w > limit) {
          out += current;
          out += '\n';
          current.assign(cont, ' ');
          current_width = cont;
          has_word = false;
        }
        if (has_word) {
          current += ' ';
          ++current_width;
        }
        current += word;
        current_width += w;
        has_word = true;
        i = end;
      }
      out += current;
    }
    if (newline) out += '\n';
  }
  return out;
}

} // namespace fleetcap
