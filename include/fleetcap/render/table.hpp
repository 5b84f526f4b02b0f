// Text tables: a header row, numbers right-aligned, an optional TOTAL row, fitted to a width
// (docs/cli.md): list cells shrink to counts first, then the least important columns go, and a
// last line says what was hidden. Renders to a string; the caller prints it.
#pragma once

#include "fleetcap/render/terminal.hpp"
#include "fleetcap/text.hpp"

#include <string>
#include <vector>

namespace fleetcap {

enum class Align { left, right };
enum class Tone { plain, bad, warn, good, dim };

struct TableColumn {
  std::string header;
  Align align = Align::left;
  int drop = 0; // 0 = identifying, never dropped; when too wide, the highest drop rank goes first
  // Its cells may have a shorter form (TableCell::count: a list's "3 jobs", a relative time
  // "in 6h") that is used before any column goes.
  bool list = false;
  std::string_view shortened = "as counts"; // how the closing line says its cells were shortened
};

struct TableCell {
  std::string text;
  Tone tone = Tone::plain;
  std::string count; // the cell's short form (a list's count, a relative time); empty: the text
  TableCell(std::string t = {}, Tone tone_ = Tone::plain) : text(std::move(t)), tone(tone_) {}
  TableCell(const char* t, Tone tone_ = Tone::plain) : text(t), tone(tone_) {}
  TableCell(std::string_view t, Tone tone_ = Tone::plain) : text(t), tone(tone_) {} // node and job fields
};

class Table {
public:
  explicit Table(std::vector<TableColumn> columns) : columns_(std::move(columns)) {}
  void add_row(std::vector<TableCell> cells);
  void set_total(std::vector<TableCell> cells);
  // No header row (--no-headers).
  void set_no_headers(bool on) { no_headers_ = on; }
  // Print every column whatever the width (-o wide, --columns): nothing is fitted.
  void set_fit(bool on) { fit_ = on; }
  std::string render(const Style& style) const;
  bool empty() const { return rows_.empty(); }

private:
  std::vector<TableColumn> columns_;
  std::vector<std::vector<TableCell>> rows_;
  std::vector<TableCell> total_;
  bool no_headers_ = false;
  bool fit_ = true;
};

// Display width of UTF-8 text (code points; fleet names are ASCII in practice).
std::size_t display_width(std::string_view text);

// escape_control() and has_control(), for cells and headers: fleetcap/text.hpp (one escaping for
// every line fleetcap writes).

// Prose wrapped at `width` columns (0: as it is) at spaces, never inside a word; a wrapped
// line keeps the indent of the line it continues (plus two spaces for a list line "- ").
std::string wrap_prose(std::string_view text, int width);

} // namespace fleetcap
