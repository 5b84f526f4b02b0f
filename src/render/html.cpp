// `fleetcap report --html`: one self-contained page, inline CSS and SVG (html.hpp).
//
// Layout only: every number drawn comes from a figures/ struct, and each drawn element carries
// the values it shows in data-* attributes named after the JSON keys, so a test can read them
// back out of the DOM and compare them with the --json documents embedded in the page.
#include "fleetcap/render/html.hpp"

#include "fleetcap/model/time.hpp"
#include "fleetcap/render/capacity.hpp"
#include "fleetcap/render/maintenance.hpp"
#include "fleetcap/text.hpp"
#include "lists.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace fleetcap {

// Control characters a server sent are shown as \xNN first (fleetcap/text.hpp), as on every
// other line fleetcap writes, then HTML's own characters become entities.
std::string html_escape(std::string_view raw) {
  const std::string text = has_control(raw) ? escape_control(raw) : std::string(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

namespace {

using namespace cols;

constexpr std::string_view kCss = R"(
:root{--fg:#1d2330;--dim:#5b6473;--line:#d5dae2;--bg:#fff;
--iqu:#2f6db5;--iqf:#9dc1ea;--flex:#5bb174;--unb:#d64541;
--p2:#9dc1ea;--p3:#f0ad4e;--p4:#d64541;--unsch:#9dc1ea;--idle:#f0ad4e;--run:#d64541}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 4px}
p{margin:4px 0 8px}.meta,.note{color:var(--dim);font-size:13px}
svg{display:block;width:100%;height:auto;overflow:visible}
svg text{font-size:12px;fill:var(--fg)}svg .axis text{fill:var(--dim)}
.axis line,.axis path{stroke:#9aa3b2;stroke-width:1;fill:none}.grid{stroke:#eceff3;stroke-width:1}
.iqu{fill:var(--iqu)}.iqf{fill:var(--iqf)}.flex{fill:var(--flex)}.unb{fill:var(--unb)}
.p2{fill:var(--p2)}.p3{fill:var(--p3)}.p4{fill:var(--p4)}
.unsch{fill:var(--unsch)}.idle{fill:var(--idle)}.run{fill:var(--run)}
.hmark{stroke:var(--fg);stroke-width:2}.total-line{fill:none;stroke:var(--fg);stroke-width:2}
.pt{fill:#fff;stroke:var(--fg);stroke-width:1.5}.chosen{stroke:var(--fg);stroke-dasharray:4 3}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 8px;font-size:13px;color:var(--dim);padding:0;list-style:none}
.legend li::before{content:"";display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px;background:var(--c)}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:3px 8px;border-bottom:1px solid var(--line)}
th{text-align:left;color:var(--dim);font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.chart{overflow-x:auto}.chart svg{min-width:640px}
.tiles{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 10px}.tiles div{border:1px solid var(--line);border-radius:5px;padding:3px 8px;min-width:92px}
.tiles dt{font-size:11px;color:var(--dim)}.tiles dd{margin:0;font-size:15px;font-variant-numeric:tabular-nums}
.day{stroke:#e3e7ee;stroke-width:1}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px 16px}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 8px}
.card h4{margin:0;font-size:13px}.card p{margin:0;font-size:12px;color:var(--dim)}
.step{fill:none;stroke:var(--iqu);stroke-width:1.5}.assigned{stroke:var(--unb);stroke-dasharray:4 3;stroke-width:1}
.area{fill:var(--iqf);opacity:.35}.min{fill:var(--unb)}
)";

using Buf = std::string;

template <typename... Args> void put(Buf& b, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(b), f, std::forward<Args>(args)...);
}

// The JSON text inside <script type="application/json">: only "</script" could end it early,
// and '<' occurs only inside JSON strings, where \u003c is the same character.
std::string json_for_script(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The smallest "round" number at or above v (at least 1) whose quarters are round too: an
// axis end, so a bar of 2296 GPUs reaches across most of the chart, not half of it.
Gpus nice_ceiling(Gpus v) {
  if (v <= 4) return 4;
  if (v <= 8) return 8;
  Gpus p = 1;
  while (true) {
    for (Gpus m : {10, 12, 16, 20, 24, 30, 40, 50, 60, 80})
      if (m * p >= v) return m * p;
    p *= 10;
  }
}

// Coordinates in SVG user units, two decimals at most.
std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// The column of `cols` with this JSON key: what a chart draws is a column of the command's list.
template <class Row> const Column<Row>& column(const Columns<Row>& cols, std::string_view key) {
  return *find_column(cols, key);
}

// A legend: each colour with the words and JSON key of the column it draws.
template <class Row> void legend(Buf& b, const Columns<Row>& cols,
                                 std::initializer_list<std::pair<std::string_view, std::string_view>> items) {
  b += "<ul class=\"legend\">";
  for (const auto& [var, key] : items)
    put(b, "<li style=\"--c:var(--{})\">{} ({})</li>", var, column(cols, key).label, key);
  b += "</ul>\n";
}

// One horizontal stacked bar per row: label, segments, then a caption after the bar.
struct Segment {
  std::string_view css, key, label;
  Gpus value;
};
// A segment drawing the column `key` of the row.
template <class Row>
Segment segment(std::string_view css, const Columns<Row>& cols, std::string_view key, const Row& row) {
  const Column<Row>& c = column(cols, key);
  return {css, c.key, c.label, c.get(row).number};
}
constexpr double kW = 1000, kLabelW = 190, kCaptionW = 230, kRowH = 22, kBarH = 14;

void stacked_bar(Buf& b, double y, Gpus scale, std::string_view name, const std::vector<Segment>& segments,
                 std::string_view caption) {
  const double bar_w = kW - kLabelW - kCaptionW;
  put(b, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(kLabelW - 8), num(y + kBarH - 3),
      html_escape(name));
  double x = kLabelW;
  for (const auto& s : segments) {
    if (s.value <= 0) continue;
    const double w = bar_w * static_cast<double>(s.value) / static_cast<double>(scale);
    put(b,
        "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" data-figure=\"{}\" data-value=\"{}\">"
        "<title>{}: {} {} GPUs</title></rect>",
        s.css, num(x), num(y), num(w), num(kBarH), s.key, s.value, html_escape(name), s.label, s.value);
    x += w;
  }
  put(b, "<text x=\"{}\" y=\"{}\">{}</text>", num(x + 6), num(y + kBarH - 3), caption);
}

// x axis under stacked bars: ticks at quarters of `scale`.
void bar_axis(Buf& b, double y, Gpus scale) {
  const double bar_w = kW - kLabelW - kCaptionW;
  b += "<g class=\"axis\">";
  for (int i = 0; i <= 4; ++i) {
    const double x = kLabelW + bar_w * i / 4.0;
    put(b,
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text x=\"{0}\" y=\"{3}\" "
        "text-anchor=\"middle\">{4}</text>",
        num(x), num(y), num(y + 4), num(y + 16), scale * i / 4);
  }
  b += "</g>";
}

// ---- capacity

// The totals as tiles: every figure that totals, by its JSON key.
void capacity_tiles(Buf& b, const CapacityView& total) {
  b += "<dl class=\"tiles\" data-section=\"capacity-totals\">";
  for (const auto& c : kCapacityColumns)
    if (c.total == Total::value && in_csv(c, 0))
      put(b, "<div><dt>{}</dt><dd data-key=\"{}\">{}</dd></div>", c.key, c.key, c.get(total).number);
  b += "</dl>\n";
}

void capacity_chart(Buf& b, const std::vector<CapacityView>& rows) {
  Gpus scale = 1;
  for (const auto& row : rows) {
    const ClusterFigures& f = row.row->figures;
    scale = std::max({scale, f.inquota_used + f.inquota_free + f.headroom + f.unbacked, f.healthy});
  }
  scale = nice_ceiling(scale);
  const double h = kRowH * static_cast<double>(rows.size()) + 24;
  put(b,
      "<div class=\"chart\"><svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"Capacity per cluster\" "
      "data-chart=\"capacity\">",
      num(kW), num(h));
  double y = 4;
  const double bar_w = kW - kLabelW - kCaptionW;
  for (const auto& row : rows) {
    const ClusterFigures& f = row.row->figures;
    const std::string& name = row.cluster().name;
    put(b, "<g class=\"cap-row\" data-cluster=\"{}\"", html_escape(name));
    html_data(b, kCapacityColumns, row);
    b += ">";
    stacked_bar(b, y, scale, name,
                {segment("iqu", kCapacityColumns, "inquota_used", row),
                 segment("iqf", kCapacityColumns, "inquota_free", row),
                 segment("flex", kCapacityColumns, "headroom", row), segment("unb", kCapacityColumns, "unbacked", row)},
                fmt::format("{} healthy · {} assigned", f.healthy, f.assigned));
    const double hx = kLabelW + bar_w * static_cast<double>(f.healthy) / static_cast<double>(scale);
    put(b, "<line class=\"hmark\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", num(hx), num(y - 2),
        num(y + kBarH + 2));
    b += "</g>\n";
    y += kRowH;
  }
  bar_axis(b, y, scale);
  b += "</svg></div>";
}

void capacity_section(Buf& b, const CapacityReport& r, const Snapshot& snap) {
  b += "<section id=\"capacity\"><h2>Capacity per cluster</h2>\n";
  const ClusterFigures& t = r.totals;
  put(b,
      "<p>{} clusters: {} healthy of {} GPUs, {} assigned to quotas; {} in-quota used, {} flex used, "
      "{} unbacked.</p>\n",
      r.rows.size(), t.healthy, t.total, t.assigned, t.inquota_used, t.flex_used, t.unbacked);
  const CapacityRow total_row{"TOTAL", kNone, r.clusters, r.totals};
  capacity_tiles(b, CapacityView{&snap, &total_row});
  legend(b, kCapacityColumns,
         {{"iqu", "inquota_used"}, {"iqf", "inquota_free"}, {"flex", "headroom"}, {"unb", "unbacked"}});
  b += "<p class=\"note\">The bar reaches the larger of healthy and assigned GPUs; the black tick marks "
       "healthy.</p>\n";
  if (r.rows.empty()) {
    b += "<p>No cluster is selected.</p></section>\n";
    return;
  }
  std::vector<CapacityView> rows;
  for (const auto& row : r.rows) rows.push_back({&snap, &row});
  capacity_chart(b, rows);
  b += "</section>\n";
}

// ---- overalloc sweep

// The sweep chart's frame: buffers along x, GPUs cut up y.
struct SweepFrame {
  static constexpr double W = 1000, H = 340, L = 70, R = 20, T = 14, B = 44;
  BasisPoints x0, x1;
  Gpus ymax;
  double X(BasisPoints bp) const {
    return x1 == x0 ? L + (W - L - R) / 2
                    : L + (W - L - R) * static_cast<double>(bp - x0) / static_cast<double>(x1 - x0);
  }
  double Y(Gpus v) const { return T + (H - T - B) * (1.0 - static_cast<double>(v) / static_cast<double>(ymax)); }
};

// Grid, y axis with its ticks, x labels (at most 12) and the axis titles.
void sweep_axes(Buf& b, const SweepFrame& f, const std::vector<OverallocReport>& sweep) {
  using F = SweepFrame;
  b += "<g class=\"axis\">";
  for (int i = 0; i <= 4; ++i) {
    const Gpus v = f.ymax * i / 4;
    put(b,
        "<line class=\"grid\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/><text x=\"{3}\" y=\"{4}\" "
        "text-anchor=\"end\">{5}</text>",
        num(F::L), num(F::W - F::R), num(f.Y(v)), num(F::L - 6), num(f.Y(v) + 4), v);
  }
  put(b, "<path d=\"M{} {}V{}H{}\"/>", num(F::L), num(F::T), num(F::H - F::B), num(F::W - F::R));
  const std::size_t every = (sweep.size() + 11) / 12;
  for (std::size_t i = 0; i < sweep.size(); ++i)
    if (i % every == 0 || i + 1 == sweep.size())
      put(b, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num(f.X(sweep[i].buffer.bp)),
          num(F::H - F::B + 16), format_bp(sweep[i].buffer.bp));
  put(b, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">buffer</text>", num((F::L + F::W - F::R) / 2), num(F::H - 8));
  put(b, "<text x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" text-anchor=\"middle\">GPUs cut</text>",
      num((F::T + F::H - F::B) / 2));
  b += "</g>";
}

// GPUs cut in phases 2 .. 2 + band - 1 at one buffer: the bottom of band `band`.
Gpus cut_below(const OverallocSummary& s, int band) {
  Gpus below = 0;
  for (int p = 2; p < 2 + band; ++p) below += s.cut_by_phase[p];
  return below;
}

// Stacked areas: phase 2 at the bottom, then 3, then 4 (bars when there is one buffer).
void sweep_areas(Buf& b, const SweepFrame& f, const std::vector<OverallocReport>& sweep) {
  const char* classes[] = {"p2", "p3", "p4"};
  for (int band = 0; band < 3; ++band) {
    if (sweep.size() == 1) { // one buffer: a bar rather than an area of no width
      const auto& s = sweep[0].summary;
      const Gpus below = cut_below(s, band), above = below + s.cut_by_phase[2 + band];
      const double xc = f.X(sweep[0].buffer.bp);
      put(b, "<rect class=\"{}\" x=\"{}\" width=\"40\" y=\"{}\" height=\"{}\"/>", classes[band], num(xc - 20),
          num(f.Y(above)), num(f.Y(below) - f.Y(above)));
      continue;
    }
    std::string top, bottom;
    for (std::size_t i = 0; i < sweep.size(); ++i) {
      const auto& s = sweep[i].summary;
      const Gpus below = cut_below(s, band), above = below + s.cut_by_phase[2 + band];
      top += fmt::format("{}{} {}", i ? " L" : "M", num(f.X(sweep[i].buffer.bp)), num(f.Y(above)));
      bottom.insert(0, fmt::format(" L{} {}", num(f.X(sweep[i].buffer.bp)), num(f.Y(below))));
    }
    put(b, "<path class=\"{}\" d=\"{}{} Z\"/>", classes[band], top, bottom);
  }
}

// The total cut as a line, the chosen buffer dashed, and a point per buffer carrying its summary.
void sweep_points(Buf& b, const SweepFrame& f, const std::vector<OverallocReport>& sweep,
                  const OverallocReport& chosen) {
  std::string line;
  for (std::size_t i = 0; i < sweep.size(); ++i)
    line += fmt::format("{}{} {}", i ? " L" : "M", num(f.X(sweep[i].buffer.bp)), num(f.Y(sweep[i].summary.cut)));
  put(b, "<path class=\"total-line\" d=\"{}\"/>", line);
  if (chosen.buffer.bp >= f.x0 && chosen.buffer.bp <= f.x1)
    put(b, "<line class=\"chosen\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", num(f.X(chosen.buffer.bp)),
        num(SweepFrame::T), num(SweepFrame::H - SweepFrame::B));
  for (const auto& r : sweep) {
    const auto& s = r.summary;
    put(b, "<circle class=\"pt sweep-point\" cx=\"{}\" cy=\"{}\" r=\"4\"", num(f.X(r.buffer.bp)), num(f.Y(s.cut)));
    html_data(b, kSummaryColumns, SummaryView{&s, r.buffer.bp});
    put(b, "><title>buffer {}: {} GPUs cut (phase 2 {}, phase 3 {}, phase 4 {})</title></circle>",
        format_bp(r.buffer.bp), s.cut, s.cut_by_phase[2], s.cut_by_phase[3], s.cut_by_phase[4]);
  }
}

// A list's rows as an HTML table of its table columns (--wide's), headed by their words.
template <class Row>
void html_table(Buf& b, std::string_view section, const Columns<Row>& cols, const std::vector<Row>& rows) {
  RenderOptions wide;
  wide.wide = true;
  const auto shown = table_columns(cols, wide, 0);
  put(b, "<div class=\"scroll\"><table data-section=\"{}\"><tr>", section);
  for (const auto* c : shown)
    put(b, "<th{}>{}</th>", c->align == Align::right ? " class=\"n\"" : "",
        html_escape(c->label.empty() ? c->header : c->label));
  b += "</tr>\n";
  for (const auto& row : rows) {
    b += "<tr";
    html_data(b, cols, row);
    b += ">";
    for (const auto* c : shown)
      put(b, "<td{}>{}</td>", c->align == Align::right ? " class=\"n\"" : "", html_escape(cell_text(c->get(row))));
    b += "</tr>\n";
  }
  b += "</table></div>";
}

void sweep_section(Buf& b, const std::vector<OverallocReport>& sweep, const OverallocReport& chosen) {
  b += "<section id=\"sweep\"><h2>Buffer sweep: GPUs cut per buffer, by rollout phase</h2>\n";
  if (sweep.empty()) {
    b += "<p>No buffer in the sweep.</p></section>\n";
    return;
  }
  put(b,
      "<p>Cut policy {}; each point is <code>overalloc sweep</code>'s summary at that buffer. The dashed line "
      "marks the report's buffer, {}.</p>\n",
      to_string(chosen.policy), format_bp(chosen.buffer.bp));
  legend(b, kSummaryColumns, {{"p2", "cut_phase_2"}, {"p3", "cut_phase_3"}, {"p4", "cut_phase_4"}});
  Gpus ymax = 1;
  for (const auto& r : sweep) ymax = std::max(ymax, r.summary.cut);
  const SweepFrame f{sweep.front().buffer.bp, sweep.back().buffer.bp, nice_ceiling(ymax)};
  put(b,
      "<div class=\"chart\"><svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"GPUs cut per buffer\" "
      "data-chart=\"sweep\">",
      num(SweepFrame::W), num(SweepFrame::H));
  sweep_axes(b, f, sweep);
  sweep_areas(b, f, sweep);
  sweep_points(b, f, sweep, chosen);
  b += "</svg></div>\n";
  std::vector<SummaryView> rows;
  for (const auto& r : sweep) rows.push_back({&r.summary, r.buffer.bp});
  html_table(b, "sweep", kSummaryColumns, rows);
  b += "</section>\n";
}

// ---- cuts per cluster and per tree

template <class Row> Gpus figure(const Columns<Row>& cols, std::string_view key, const Row& row) {
  return column(cols, key).get(row).number;
}

// "N of M · phase P · J jobs preempted" after a row's bar.
template <class Row> std::string cut_caption(const Columns<Row>& cols, const Row& row) {
  const Gpus jobs = figure(cols, "jobs_preempted", row);
  return fmt::format("{} of {} · phase {}{}", figure(cols, "cut", row), figure(cols, "assigned", row),
                     figure(cols, "phase", row),
                     jobs ? fmt::format(" · {} job{} preempted", jobs, jobs == 1 ? "" : "s") : "");
}

// One bar per row with a cut, largest first, its three sources stacked; the row's fields on it.
template <class Row>
void cut_bars(Buf& b, const Columns<Row>& cols, const std::vector<Row>& rows, std::string_view what) {
  Gpus scale = 1;
  for (const auto& r : rows) scale = std::max(scale, figure(cols, "cut", r));
  scale = nice_ceiling(scale);
  const double h = kRowH * static_cast<double>(rows.size()) + 24;
  put(b,
      "<div class=\"chart\"><svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"GPUs cut per {}\" "
      "data-chart=\"cuts-{}\">",
      num(kW), num(h), what, what);
  double y = 4;
  for (const auto& r : rows) {
    put(b, "<g class=\"cut-row\" data-kind=\"{}\"", what);
    html_data(b, cols, r);
    b += ">";
    stacked_bar(b, y, scale, cols.front().get(r).text,
                {segment("unsch", cols, "cut_from_unscheduled", r), segment("idle", cols, "cut_from_idle", r),
                 segment("run", cols, "cut_from_running", r)},
                cut_caption(cols, r));
    b += "</g>\n";
    y += kRowH;
  }
  bar_axis(b, y, scale);
  b += "</svg></div>\n";
}

template <class Row> void cut_chart(Buf& b, const Columns<Row>& cols, std::vector<Row> rows, std::string_view what) {
  std::vector<std::string> uncut;
  std::erase_if(rows, [&](const Row& r) {
    if (figure(cols, "cut", r) > 0) return false;
    uncut.push_back(cols.front().get(r).text);
    return true;
  });
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const Row& a, const Row& c) { return figure(cols, "cut", a) > figure(cols, "cut", c); });
  if (rows.empty())
    put(b, "<p>No {} would be cut.</p>\n", what);
  else
    cut_bars(b, cols, rows, what);
  if (uncut.empty()) return;
  put(b, "<p class=\"note\" data-uncut-{}=\"{}\">No cut ({} {}{}): ", rows.empty() ? "all" : what, uncut.size(),
      uncut.size(), what, uncut.size() == 1 ? "" : "s");
  constexpr std::size_t kListed = 40;
  for (std::size_t i = 0; i < uncut.size() && i < kListed; ++i) put(b, "{}{}", i ? ", " : "", html_escape(uncut[i]));
  if (uncut.size() > kListed) put(b, " and {} more", uncut.size() - kListed);
  b += ".</p>\n";
}

void cuts_section(Buf& b, const OverallocReport& r, const Snapshot& snap) {
  const OverallocSummary& s = r.summary;
  b += "<section id=\"cuts\"><h2>What the buffer cuts</h2>\n";
  b += "<p data-section=\"overalloc-summary\"";
  html_data(b, kSummaryColumns, SummaryView{&s, r.buffer.bp});
  put(b, ">Buffer {}, cut policy {}: {}.</p>\n", format_bp(r.buffer.bp), to_string(r.policy),
      html_escape(summary_sentence(s)));
  legend(b, kSummaryColumns,
         {{"unsch", "cut_from_unscheduled"}, {"idle", "cut_from_idle"}, {"run", "cut_from_running"}});
  b += "<h3>Per cluster</h3>\n";
  std::vector<OverallocClusterView> clusters;
  for (const auto& c : r.clusters) clusters.push_back({&snap, &c});
  cut_chart(b, kOverallocClusterColumns, std::move(clusters), "cluster");
  b += "<h3>Per quota tree (team)</h3>\n";
  const std::vector<OverallocTree> tree_list = overalloc_trees(r, snap);
  std::vector<OverallocTreeView> trees;
  for (const auto& t : tree_list) trees.push_back({&snap, &t});
  cut_chart(b, kOverallocTreeColumns, std::move(trees), "tree");
  b += "</section>\n";
}

// ---- maintenance impact

// One cluster's card: its fields and its step series on the element, then the chart.
void impact_card(Buf& b, const MaintenanceHorizon& h, const ImpactView& row) {
  constexpr double W = 300, H = 70, T = 4, B = 4;
  const ClusterImpact& c = *row.row;
  const std::string& name = row.cluster().name;
  put(b, "<div class=\"card impact\" data-cluster=\"{}\"", html_escape(name));
  html_data(b, kImpactColumns, row);
  b += " data-steps=\"";
  for (std::size_t i = 0; i < c.steps.size(); ++i)
    put(b, "{}{}={}", i ? " " : "", format_rfc3339(c.steps[i].at), c.steps[i].healthy);
  put(b, "\"><h4>{}</h4><p>min {} at {} · assigned {} · {} events</p>", html_escape(name), c.min_healthy,
      html_escape(short_time(c.min_healthy_at)), c.assigned, c.events);
  const Gpus ymax = std::max<Gpus>({1, c.total, c.assigned, c.max_healthy});
  auto X = [&](Time t) {
    const Time clamped = std::clamp<Time>(t, h.at, h.end());
    return W * static_cast<double>(clamped - h.at) / static_cast<double>(h.window);
  };
  auto Y = [&](Gpus v) { return T + (H - T - B) * (1.0 - static_cast<double>(v) / static_cast<double>(ymax)); };
  put(b, "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{} schedulable GPUs\">", num(W), num(H),
      html_escape(name));
  // A faint line at each midnight (UTC) in the window.
  for (Time day = (h.at / 86400 + 1) * 86400; day < h.end(); day += 86400)
    put(b, "<line class=\"day\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", num(X(day)), num(T), num(H - B));
  std::string path;
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const auto& s = c.steps[i];
    path += i == 0 ? fmt::format("M{} {}", num(X(s.at)), num(Y(s.healthy)))
                   : fmt::format("H{}V{}", num(X(s.at)), num(Y(s.healthy)));
  }
  path += fmt::format("H{}", num(W));
  put(b, "<path class=\"area\" d=\"{}V{}H0Z\"/><path class=\"step\" d=\"{}\"/>", path, num(H - B), path);
  put(b, "<line class=\"assigned\" x1=\"0\" x2=\"{0}\" y1=\"{1}\" y2=\"{1}\"/>", num(W), num(Y(c.assigned)));
  put(b, "<circle class=\"min\" cx=\"{}\" cy=\"{}\" r=\"3\"><title>min {} GPUs at {}</title></circle>",
      num(X(c.min_healthy_at)), num(Y(c.min_healthy)), c.min_healthy, html_escape(short_time(c.min_healthy_at)));
  b += "</svg></div>\n";
}

void impact_section(Buf& b, const ImpactReport& r, const Snapshot& snap) {
  const MaintenanceHorizon& h = r.horizon;
  b += "<section id=\"impact\"><h2>Maintenance impact: schedulable GPUs over the window</h2>\n";
  put(b,
      "<p>From {} to {} ({}), per cluster: schedulable GPUs (healthy) as events start and end; the dashed line "
      "is assigned quota, the dot the minimum.</p>\n",
      html_escape(short_time(h.at)), html_escape(short_time(h.end())), human_duration(h.window));
  if (r.clusters.empty() || h.window <= 0) {
    b += "<p>No cluster is selected.</p></section>\n";
    return;
  }
  b += "<div class=\"cards\">\n";
  for (const auto& c : r.clusters) impact_card(b, h, ImpactView{&snap, &c});
  b += "</div></section>\n";
}

void embed(Buf& b, std::string_view id, std::string_view json) {
  put(b, "<script type=\"application/json\" id=\"{}\">{}</script>\n", id, json_for_script(json));
}

} // namespace

std::string render_html_report(const HtmlReport& r, const Snapshot& snap, const RenderOptions& o) {
  Buf b;
  b.reserve(1 << 20);
  b += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<link rel=\"icon\" href=\"data:,\">";
  put(b,
      "<meta name=\"generator\" content=\"fleetcap {}\"><title>fleetcap report · {}</title><style>{}</style>"
      "</head>\n<body><main>\n",
      FLEETCAP_VERSION, html_escape(short_time(o.at)), kCss);
  put(b,
      "<h1>GPU capacity report</h1><p class=\"meta\" data-at=\"{}\" data-source=\"{}\">Fleet at {} from {} · "
      "generated {} by fleetcap {}</p>\n",
      format_rfc3339(o.at), html_escape(o.source), html_escape(short_time(o.at)), html_escape(o.source),
      html_escape(short_time(o.generated_at)), FLEETCAP_VERSION);
  if (r.capacity) capacity_section(b, *r.capacity, snap);
  if (r.sweep && r.overalloc) sweep_section(b, *r.sweep, *r.overalloc);
  if (r.overalloc) cuts_section(b, *r.overalloc, snap);
  if (r.impact) impact_section(b, *r.impact, snap);
  b += "<p class=\"note\">Every figure above is in the JSON documents embedded in this page (the --json output of "
       "capacity, overalloc report, overalloc sweep and maintenance impact).</p>\n</main>\n";
  // The --json documents of the commands whose figures the page shows.
  RenderOptions jo = o;
  jo.format = Format::json;
  jo.sort.clear();
  jo.wide = false;
  jo.columns.clear();
  jo.no_headers = false;
  if (r.capacity) embed(b, "fleetcap-capacity", render_capacity(*r.capacity, snap, jo));
  if (r.overalloc) {
    OverallocView v;
    v.history = r.history;
    embed(b, "fleetcap-overalloc-report", render_overalloc_report(*r.overalloc, snap, v, jo));
  }
  if (r.sweep) embed(b, "fleetcap-overalloc-sweep", render_overalloc_sweep(*r.sweep, r.history, jo));
  if (r.impact) embed(b, "fleetcap-maintenance-impact", render_impact(*r.impact, snap, jo));
  b += "</body></html>\n";
  return b;
}

} // namespace fleetcap
