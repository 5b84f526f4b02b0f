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

namespace {

// Which columns a table shows and how: each column's full width and its width with lists as
// counts, and what fitting decided.
struct Layout {
  std::vector<std::size_t> full, counted;
  std::vector<bool> shown, shrunk;
  std::size_t width_of(std::size_t i) const { return shrunk[i] ? counted[i] : full[i]; }
  std::size_t line_width() const {
    std::size_t w = 0, k = 0;
    for (std::size_t i = 0; i < full.size(); ++i)
      if (shown[i]) w += width_of(i) + (k++ ? 2 : 0);
    return w;
  }
};

Layout measure(const std::vector<TableColumn>& columns, const std::vector<std::vector<TableCell>>& rows,
               const std::vector<TableCell>& total, bool no_headers) {
  const std::size_t n = columns.size();
  Layout l{std::vector<std::size_t>(n, 0), std::vector<std::size_t>(n, 0), std::vector<bool>(n, true),
           std::vector<bool>(n, false)};
  auto measure_row = [&](const std::vector<TableCell>& cells) {
    for (std::size_t i = 0; i < n && i < cells.size(); ++i) {
      l.full[i] = std::max(l.full[i], display_width(cells[i].text));
      l.counted[i] = std::max(l.counted[i], display_width(cells[i].count.empty() ? cells[i].text : cells[i].count));
    }
  };
  for (std::size_t i = 0; i < n; ++i) l.full[i] = l.counted[i] = no_headers ? 0 : display_width(columns[i].header);
  for (const auto& r : rows) measure_row(r);
  if (!total.empty()) measure_row(total);
  return l;
}

// Fits the table to `width` (docs/output.md, "Fitting a terminal"): lists shrink to counts,
// least important first (identifying lists never do); then columns go, least important first
// (identifying ones, drop 0, never do); then, when only identifying columns are left, their
// lists shrink too; last, the columns that went come back, most important first, if they fit,
// and then shortened cells (counts, relative times) their full form.
void fit(Layout& l, const std::vector<TableColumn>& columns, std::size_t width) {
  const std::size_t n = columns.size();
  auto too_wide = [&] { return l.line_width() > width; };
  // Picks the column `eligible` allows with the highest drop rank (the last of equals), or n.
  auto pick = [&](auto eligible) {
    std::size_t victim = n;
    for (std::size_t i = 0; i < n; ++i)
      if (eligible(i) && (victim == n || columns[i].drop >= columns[victim].drop)) victim = i;
    return victim;
  };
  for (std::size_t v; too_wide() && (v = pick([&](std::size_t i) {
                                       return columns[i].list && !l.shrunk[i] && columns[i].drop > 0 &&
                                              l.counted[i] < l.full[i];
                                     })) != n;)
    l.shrunk[v] = true;
  for (std::size_t v; too_wide() && (v = pick([&](std::size_t i) { return l.shown[i] && columns[i].drop > 0; })) != n;)
    l.shown[v] = false;
  while (too_wide()) {
    std::size_t victim = n;
    for (std::size_t i = 0; i < n; ++i)
      if (columns[i].list && !l.shrunk[i] && l.shown[i] && l.counted[i] < l.full[i]) victim = i;
    if (victim == n) break;
    l.shrunk[victim] = true;
  }
  std::vector<std::size_t> gone;
  for (std::size_t i = 0; i < n; ++i)
    if (!l.shown[i]) gone.push_back(i);
  std::stable_sort(gone.begin(), gone.end(), [&](auto a, auto b) { return columns[a].drop < columns[b].drop; });
  for (auto i : gone) {
    l.shown[i] = true;
    if (too_wide()) l.shown[i] = false;
  }
  // And cells shortened before columns went take back their full form where it fits again
  // (a start time that turned relative while ACTION-BY was still there), most important first.
  std::vector<std::size_t> short_cols;
  for (std::size_t i = 0; i < n; ++i)
    if (l.shown[i] && l.shrunk[i]) short_cols.push_back(i);
  std::stable_sort(short_cols.begin(), short_cols.end(),
                   [&](auto a, auto b) { return columns[a].drop < columns[b].drop; });
  for (auto i : short_cols) {
    l.shrunk[i] = false;
    if (too_wide()) l.shrunk[i] = true;
  }
}

std::string_view tone_of(const Palette& p, Tone t) {
  switch (t) {
  case Tone::bad: return p.bad;
  case Tone::warn: return p.warn;
  case Tone::good: return p.good;
  case Tone::dim: return p.dim;
  case Tone::plain: break;
  }
  return {};
}

// One line of the table: the shown cells padded to their widths, coloured by their tone unless
// the whole row has a style (the header, TOTAL); trailing spaces dropped.
std::string table_line(const std::vector<TableCell>& cells, std::string_view row_style, const Layout& l,
                       const std::vector<TableColumn>& columns, const Palette& p) {
  std::string line;
  bool first = true;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!l.shown[i]) continue;
    if (!first) line += "  ";
    const TableCell empty_cell;
    const TableCell& cell = i < cells.size() ? cells[i] : empty_cell;
    const std::string& text = l.shrunk[i] && !cell.count.empty() ? cell.count : cell.text;
    const std::size_t w = l.width_of(i), dw = display_width(text);
    const std::size_t pad = w > dw ? w - dw : 0;
    const std::string_view colour = row_style.empty() ? tone_of(p, cell.tone) : row_style;
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
  line += '\n';
  return line;
}

// The last line when fitting hid or shrank anything: what, and how to see it.
std::string fitted_note(const Layout& l, const std::vector<TableColumn>& columns, int width) {
  std::vector<std::string> hidden, counts, relative;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!l.shown[i])
      hidden.push_back(columns[i].header);
    else if (l.shrunk[i])
      (columns[i].shortened == "relative" ? relative : counts).push_back(columns[i].header);
  }
  if (hidden.empty() && counts.empty() && relative.empty()) return {};
  std::string what;
  if (!counts.empty()) what = fmt::format("{} shown as counts", join(counts));
  if (!relative.empty()) what += fmt::format("{}{} relative", what.empty() ? "" : "; ", join(relative));
  if (!hidden.empty()) what += fmt::format("{}{} hidden", what.empty() ? "" : "; ", join(hidden));
  return wrap_prose(fmt::format("({} to fit {} columns; -o wide shows all, --columns picks)\n", what, width), width);
}

} // namespace

std::string Table::render(const Style& style) const {
  const Palette& p = Palette::of(style);
  std::vector<TableColumn> columns = columns_;
  for (auto& c : columns)
    if (has_control(c.header)) c.header = escape_control(c.header);
  Layout l = measure(columns, rows_, total_, no_headers_);
  if (fit_ && style.width > 0) fit(l, columns, static_cast<std::size_t>(style.width));
  std::string out;
  if (!no_headers_) {
    std::vector<TableCell> header;
    for (const auto& c : columns) header.emplace_back(c.header);
    out += table_line(header, p.header, l, columns, p);
  }
  for (const auto& r : rows_) out += table_line(r, {}, l, columns, p);
  if (!total_.empty()) out += table_line(total_, p.header, l, columns, p);
  return out + fitted_note(l, columns, style.width);
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
