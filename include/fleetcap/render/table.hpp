// Text tables: a header row, numbers right-aligned, an optional TOTAL row, fitted to a width
// by dropping the least important columns first. Renders to a string; the caller prints it.
#pragma once

#include "fleetcap/render/terminal.hpp"

#include <string>
#include <vector>

namespace fleetcap {

enum class Align { left, right };
enum class Tone { plain, bad, warn, good, dim };

struct TableColumn {
  std::string header;
  Align align = Align::left;
  int drop = 0; // 0 = always shown; when too wide, the highest drop rank goes first
};

struct TableCell {
  std::string text;
  Tone tone = Tone::plain;
  TableCell(std::string t = {}, Tone tone_ = Tone::plain) : text(std::move(t)), tone(tone_) {}
  TableCell(const char* t, Tone tone_ = Tone::plain) : text(t), tone(tone_) {}
  TableCell(std::string_view t, Tone tone_ = Tone::plain) : text(t), tone(tone_) {} // node and job fields
};

class Table {
public:
  explicit Table(std::vector<TableColumn> columns) : columns_(std::move(columns)) {}
  void add_row(std::vector<TableCell> cells) { rows_.push_back(std::move(cells)); }
  void set_total(std::vector<TableCell> cells) { total_ = std::move(cells); }
  std::string render(const Style& style) const;
  bool empty() const { return rows_.empty(); }

private:
  std::vector<TableColumn> columns_;
  std::vector<std::vector<TableCell>> rows_;
  std::vector<TableCell> total_;
};

// Display width of UTF-8 text (code points; fleet names are ASCII in practice).
std::size_t display_width(std::string_view text);

} // namespace fleetcap
