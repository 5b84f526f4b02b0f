// Text tables (src/render/table.cpp): exact text, alignment, the TOTAL row, fitting a width by
// dropping the least important columns, and colour only when the style asks for it.
#include "fleetcap/render/table.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

namespace {

Table sample() {
  Table t({{"NAME", Align::left, 0}, {"GPUS", Align::right, 0}, {"FREE", Align::right, 1}, {"NOTE", Align::left, 2}});
  t.add_row({"tiger", "96", "8", "ok"});
  t.add_row({"lion", "64", "16", "busy"});
  t.set_total({"TOTAL", "160", "24", ""});
  return t;
}

Style plain(int width = 0) {
  Style s;
  s.width = width;
  return s;
}

} // namespace

TEST_CASE("a table: header, left text, right-aligned numbers, two spaces apart, TOTAL last") {
  // Widths: NAME 5 (tiger), GPUS 4, FREE 4, NOTE 4; trailing blanks are trimmed.
  CHECK(sample().render(plain()) == "NAME   GPUS  FREE  NOTE\n"
                                    "tiger    96     8  ok\n"
                                    "lion     64    16  busy\n"
                                    "TOTAL   160    24\n");
}

TEST_CASE("without a TOTAL row there is none") {
  Table t({{"A", Align::left, 0}, {"B", Align::right, 0}});
  t.add_row({"x", "1"});
  t.add_row({"yy", "22"});
  CHECK(t.render(plain()) == "A    B\n"
                             "x    1\n"
                             "yy  22\n");
  CHECK_FALSE(t.empty());
  CHECK(Table({{"A", Align::left, 0}}).empty());
}

TEST_CASE("a narrow width drops the highest drop rank first, never rank 0") {
  const Table t = sample();
  CHECK(t.render(plain(23)) == t.render(plain())); // exactly fits
  // 22: NOTE (rank 2) goes.
  CHECK(t.render(plain(22)) == "NAME   GPUS  FREE\n"
                               "tiger    96     8\n"
                               "lion     64    16\n"
                               "TOTAL   160    24\n"
                               "(NOTE hidden to fit 22\n"
                               "columns; -o wide shows\n"
                               "all, --columns picks)\n");
  CHECK(t.render(plain(17)).starts_with("NAME   GPUS  FREE\n"));
  // 16: FREE (rank 1) goes too.
  const std::string at16 = t.render(plain(16));
  CHECK(at16.starts_with("NAME   GPUS\n"
                         "tiger    96\n"
                         "lion     64\n"
                         "TOTAL   160\n"
                         "(FREE, NOTE\n"));
  // Narrower than the rank-0 columns: they stay, the line is wider than asked.
  CHECK(t.render(plain(5)).starts_with("NAME   GPUS\n"));
}

TEST_CASE("equal drop ranks: the rightmost column goes first") {
  Table t({{"A", Align::left, 0}, {"B", Align::left, 1}, {"C", Align::left, 1}});
  t.add_row({"a", "b", "c"});
  CHECK(t.render(plain(4)).starts_with("A  B\n"
                                       "a  b\n"
                                       "(C\n"));
}

TEST_CASE("colour only when the style asks for it") {
  Table t({{"NAME", Align::left, 0}, {"UNBACKED", Align::right, 0}});
  t.add_row({"tiger", TableCell("16", Tone::bad)});
  t.add_row({"lion", TableCell("0", Tone::plain)});
  t.add_row({"puma", TableCell("", Tone::bad)});
  t.set_total({"TOTAL", "16"});
  const std::string no_colour = t.render(plain());
  CHECK(no_colour == "NAME   UNBACKED\n"
                     "tiger        16\n"
                     "lion          0\n"
                     "puma\n"
                     "TOTAL        16\n");
  CHECK(no_colour.find('\x1b') == std::string::npos);
  Style colour;
  colour.color = true;
  // Header and TOTAL bold, the bad cell red; padding stays outside the escapes; empty cells plain.
  CHECK(t.render(colour) == "\x1b[1mNAME\x1b[0m   \x1b[1mUNBACKED\x1b[0m\n"
                            "tiger        \x1b[31m16\x1b[0m\n"
                            "lion          0\n"
                            "puma\n"
                            "\x1b[1mTOTAL\x1b[0m        \x1b[1m16\x1b[0m\n");
}

TEST_CASE("widths count UTF-8 code points, not bytes") {
  CHECK(display_width("tiger") == 5);
  CHECK(display_width("m\xc3\xbcnchen") == 7); // "münchen"
  CHECK(display_width("") == 0);
  Table t({{"NAME", Align::left, 0}, {"N", Align::right, 0}});
  t.add_row({"m\xc3\xbcnchen", "1"});
  t.add_row({"oslo", "22"});
  CHECK(t.render(plain()) == "NAME      N\n"
                             "m\xc3\xbcnchen   1\n"
                             "oslo     22\n");
}

TEST_CASE("Palette: every colour is empty without colour") {
  const Palette& p = Palette::of(plain());
  CHECK(p.header.empty());
  CHECK(p.bad.empty());
  CHECK(p.reset.empty());
  Style c;
  c.color = true;
  CHECK(Palette::of(c).bad == "\x1b[31m");
}

TEST_CASE("lists shrink to counts before any column goes, and the last line says so") {
  Table t({{"EVENT", Align::left, 0}, {"JOBS", Align::left, 2, true}, {"GPUS", Align::right, 1}});
  TableCell jobs("j1,j2,j3");
  jobs.count = "3 jobs";
  t.add_row({"m1", jobs, "8"});
  CHECK(t.render(plain()) == "EVENT  JOBS      GPUS\n"
                             "m1     j1,j2,j3     8\n");
  // 20 columns: JOBS as counts fits ("m1     3 jobs  GPUS" is 18 wide); GPUS stays.
  CHECK(t.render(plain(20)) == "EVENT  JOBS    GPUS\n"
                               "m1     3 jobs     8\n"
                               "(JOBS shown as\n"
                               "counts to fit 20\n"
                               "columns; -o wide\n"
                               "shows all, --columns\n"
                               "picks)\n");
  // Not fitted (-o wide, --columns): everything, whatever the width.
  t.set_fit(false);
  CHECK(t.render(plain(10)) == t.render(plain()));
}

TEST_CASE("--no-headers drops the header row and its width") {
  Table t({{"NAME", Align::left, 0}, {"N", Align::right, 0}});
  t.add_row({"a", "1"});
  t.set_no_headers(true);
  CHECK(t.render(plain()) == "a  1\n");
}

TEST_CASE("control characters in cells are shown escaped, never raw") {
  Table t({{"NAME", Align::left, 0}});
  t.add_row({"evil\x1b[2J\rrow\nforged"});
  CHECK(t.render(plain()) == "NAME\n"
                             "evil\\x1b[2J\\x0drow\\x0aforged\n");
}

TEST_CASE("prose wraps at spaces, never inside a word, keeping the indent") {
  CHECK(wrap_prose("one two three four\n", 9) == "one two\nthree\nfour\n");
  CHECK(wrap_prose("  - alpha beta gamma\n", 14) == "  - alpha beta\n    gamma\n");
  CHECK(wrap_prose("short\n", 0) == "short\n");
  CHECK(wrap_prose("averyveryverylongword x\n", 5) == "averyveryverylongword\nx\n");
  CHECK(wrap_prose("a\n\nb", 3) == "a\n\nb");
}
