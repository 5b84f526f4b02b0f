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
#include "parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <ostream>

namespace fleetcap {

// Control characters a server sent are shown as \xNN first (fleetcap/text.hpp), as on every
// other line fleetcap writes, then HTML's own characters become entities.
std::string html_escape(std::string_view raw) {
  const std::string text = escape_control(raw);
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
:root{--fg:#1d2330;--dim:#566070;--line:#d5dae2;--bg:#fff;--card:#f4f6f9;--axis:#8d96a5;--grid:#e6e9ef;
--iqu:#2f6db5;--iqf:#9dc1ea;--flex:#5bb174;--unb:#d64541;--ev:#f6d5a8;
--p2:#9dc1ea;--p3:#f0ad4e;--p4:#d64541;--unsch:#9dc1ea;--idle:#f0ad4e;--run:#d64541}
@media (prefers-color-scheme:dark){:root{--fg:#e4e8ee;--dim:#a9b2c0;--line:#3a4250;--bg:#14171c;--card:#1f242c;
--axis:#77818f;--grid:#2a303a;--iqu:#5d9be3;--iqf:#345a86;--ev:#5a4526}}
@media print{:root{--fg:#000;--dim:#333;--line:#bbb;--bg:#fff;--card:#fff;--axis:#666;--grid:#ddd;--iqf:#9dc1ea;--ev:#f6d5a8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:12px 16px 40px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:19px;margin:30px 0 6px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:18px 0 4px}
p{margin:4px 0 8px}.meta,.note{color:var(--dim);font-size:13px}
.answer{font-size:18px;line-height:1.45;margin:14px 0 10px}
.headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,230px),1fr));gap:10px;margin:10px 0 6px}
.headline div{background:var(--card);border-radius:8px;padding:10px 14px}
.headline dt{font-size:14px;color:var(--dim)}.headline dd{margin:2px 0 0;font-size:28px;font-weight:650;font-variant-numeric:tabular-nums}
.headline dd small{display:block;font-size:13px;font-weight:400;color:var(--dim)}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,250px),1fr));gap:0 20px;margin:6px 0 12px}
.figures div{display:flex;justify-content:space-between;align-items:baseline;gap:10px;border-bottom:1px solid var(--line);padding:3px 0}
.figures dt{color:var(--dim);font-size:13px}.figures dd{margin:0;font-variant-numeric:tabular-nums;white-space:nowrap}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 8px;font-size:13px;color:var(--dim);padding:0;list-style:none}
.legend li::before{content:"";display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px;background:var(--c)}
svg{display:block;overflow:visible}
.iqu{fill:var(--iqu)}.iqf{fill:var(--iqf)}.flex{fill:var(--flex)}.unb{fill:var(--unb)}
.p2{fill:var(--p2)}.p3{fill:var(--p3)}.p4{fill:var(--p4)}.unsch{fill:var(--unsch)}.idle{fill:var(--idle)}.run{fill:var(--run)}
.hmark{stroke:var(--fg);stroke-width:2}.total-line{fill:none;stroke:var(--fg);stroke-width:2}
.pt{fill:var(--bg);stroke:var(--fg);stroke-width:1.5}.chosen{stroke:var(--fg);stroke-dasharray:5 4;stroke-width:1.5}
.grid{stroke:var(--grid);stroke-width:1}.frame{fill:none;stroke:var(--axis);stroke-width:1}
.bars{margin:8px 0 4px}
.bar-row{display:grid;grid-template-columns:minmax(6em,12em) minmax(0,1fr) minmax(8em,15em);grid-template-areas:"name bar cap";
align-items:center;gap:2px 10px;padding:2px 0}
.bar-name{grid-area:name;text-align:right;font-size:13px;overflow-wrap:anywhere}
.bar-cap{grid-area:cap;font-size:12px;color:var(--dim)}
.bar{grid-area:bar;width:100%;height:14px}
.ticks{grid-area:bar;position:relative;height:20px;border-top:1px solid var(--axis);font-size:12px;color:var(--dim)}
.ticks span{position:absolute;top:2px;transform:translateX(-50%)}
.ticks span:first-child{transform:none}.ticks span:last-child{transform:translateX(-100%)}
.plot{position:relative;margin:22px 0 8px 50px}
.plot svg{width:100%;height:auto}
.plot .yl,.plot .xl,.plot .mark{position:absolute;font-size:12px;color:var(--dim);white-space:nowrap}
.plot .yl{right:100%;padding-right:6px;transform:translateY(-50%)}
.plot .xl{top:100%;padding-top:3px;transform:translateX(-50%)}.plot .xl.end{transform:translateX(-100%)}
.plot .xl.start{transform:none}
.plot .mark{bottom:100%;color:var(--fg);transform:translateX(-50%)}.plot .mark.end{transform:translateX(-100%)}
.plot .mark.start{transform:none}
.xtitle{margin:26px 0 8px 50px;font-size:13px;color:var(--dim)}
table{border-collapse:collapse;font-size:13px;margin:6px 0;width:100%}th,td{padding:3px 8px;border-bottom:1px solid var(--line)}
th{text-align:left;color:var(--dim);font-weight:600}tr.marked td{font-weight:650;background:var(--card)}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,320px),1fr));gap:14px 18px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px}
.card h4{margin:0;font-size:15px}.card p{margin:0;font-size:13px;color:var(--dim)}
.mini{position:relative;margin:14px 0 22px 50px;height:100px}.mini svg{width:100%;height:100%}
.step{fill:none;stroke:var(--iqu);stroke-width:1.5}.assigned{stroke:var(--unb);stroke-dasharray:4 3;stroke-width:1}
.area{fill:var(--iqf);opacity:.45}.ev{fill:var(--p3)}
.dot{position:absolute;width:8px;height:8px;margin:-4px 0 0 -4px;border-radius:50%;background:var(--unb)}
.events{margin:4px 0 0;padding:0;list-style:none;font-size:13px}.events li{padding:1px 0;border-top:1px solid var(--line)}
@media (max-width:640px){
.bar-row{grid-template-columns:minmax(0,1fr) auto;grid-template-areas:"name cap" "bar bar"}
.bar-name{text-align:left;font-weight:600}.bar-cap{text-align:right}
.plot .xl.odd{display:none}
table.reflow,table.reflow tbody,table.reflow tr,table.reflow td{display:block}table.reflow thead{display:none}
table.reflow tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:4px 10px}
table.reflow td{display:flex;justify-content:space-between;gap:12px;border:0;padding:1px 0}
table.reflow td::before{content:attr(data-label);color:var(--dim);text-align:left}}
@page{size:A4;margin:14mm}
@media print{body{font-size:10.5pt}main{max-width:none;padding:0}h2{break-after:avoid}
section>p,.bar-row,.card,tr,.headline div{break-inside:avoid}.headline div{border:1px solid var(--line)}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
)";

using Buf = std::string;

template <typename... Args> void put(Buf& b, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(b), f, std::forward<Args>(args)...);
}

// The JSON text inside <script type="application/json">, given to out(text) a run at a time:
// only "</script" could end it early, and '<' occurs only inside JSON strings, where \u003c is
// the same character. The page embeds some 15 MB of JSON on a large fleet, and copied a byte at
// a time this was a third of the report's render.
template <class Out> void for_script(std::string_view json, Out out) {
  while (!json.empty() && json.back() == '\n') json.remove_suffix(1);
  for (;;) {
    const std::size_t lt = json.find('<');
    out(json.substr(0, lt));
    if (lt == std::string_view::npos) return;
    out("\\u003c");
    json.remove_prefix(lt + 1);
  }
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

// What a chart draws, in order: each part's CSS class (its colour) and the JSON key of the
// column it draws. One list per chart serves its bars or areas and its legend.
using Drawn = std::pair<std::string_view, std::string_view>;
constexpr Drawn kCapacityBar[] = {
    {"iqu", "inquota_used"}, {"iqf", "inquota_free"}, {"flex", "headroom"}, {"unb", "unbacked"}};
constexpr Drawn kCutBar[] = {{"unsch", "cut_from_unscheduled"}, {"idle", "cut_from_idle"}, {"run", "cut_from_running"}};
constexpr Drawn kSweepAreas[] = {{"p2", "cut_phase_2"}, {"p3", "cut_phase_3"}, {"p4", "cut_phase_4"}};

// A legend: each colour with the words and JSON key of the column it draws.
template <class Row> void legend(Buf& b, const Columns<Row>& cols, std::span<const Drawn> items) {
  b += "<ul class=\"legend\">";
  for (const auto& [var, key] : items)
    put(b, "<li style=\"--c:var(--{})\" data-key=\"{}\">{}</li>", var, key, column(cols, key).label);
  b += "</ul>\n";
}

// "15,032": a count as people read it (the data-* attributes and the JSON keep the plain number).
std::string grouped(Gpus v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string plural(Gpus n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", grouped(n), n == 1 ? one : many);
}

// "7 Dec 06:00" (UTC): a date on an axis or in a list, short enough for a phone.
std::string day_time(Time t) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string s = format_rfc3339(t); // 2026-12-07T06:00:00Z
  const int month = std::stoi(s.substr(5, 2));
  const int day = std::stoi(s.substr(8, 2));
  return fmt::format("{} {} {}", day, kMonths[(month + 11) % 12], s.substr(11, 5));
}

// A position along an axis as a CSS percentage.
std::string pct(double part, double whole) { return num(whole > 0 ? 100.0 * part / whole : 0) + "%"; }

// Where a label at `at` of `whole` anchors: its start near the left edge, its end near the right,
// its middle elsewhere, so that no label reaches past the chart.
std::string_view edge_class(double at, double whole) {
  if (at < 0.12 * whole) return " start";
  if (at > 0.88 * whole) return " end";
  return "";
}

// ---- bars: one HTML row per record (name, bar, caption), so the text keeps its size at any width

struct Segment {
  std::string_view css, key, label;
  Gpus value;
};
// The segments of one row's bar: each drawn column's value in the row.
template <class Row>
std::vector<Segment> segments(const Columns<Row>& cols, std::span<const Drawn> drawn, const Row& row) {
  std::vector<Segment> out;
  for (const auto& [css, key] : drawn) {
    const Column<Row>& c = column(cols, key);
    out.push_back({css, c.key, c.label, c.get(row).number});
  }
  return out;
}

// The bar itself: an SVG of 1000 x 10 user units stretched over the row's bar cell.
void bar_svg(Buf& b, Gpus scale, std::string_view name, const std::vector<Segment>& segments, Gpus mark = -1) {
  constexpr double kBarW = 1000;
  b += "<svg class=\"bar\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">";
  double x = 0;
  for (const auto& s : segments) {
    if (s.value <= 0) continue;
    const double w = kBarW * static_cast<double>(s.value) / static_cast<double>(scale);
    put(b,
        "<rect class=\"{}\" x=\"{}\" y=\"0\" width=\"{}\" height=\"10\" data-figure=\"{}\" data-value=\"{}\">"
        "<title>{}: {} {} GPUs</title></rect>",
        s.css, num(x), num(w), s.key, s.value, html_escape(name), s.label, grouped(s.value));
    x += w;
  }
  if (mark >= 0) {
    const double mx = kBarW * static_cast<double>(mark) / static_cast<double>(scale);
    put(b, "<line class=\"hmark\" x1=\"{0}\" x2=\"{0}\" y1=\"-2\" y2=\"12\" vector-effect=\"non-scaling-stroke\"/>",
        num(mx));
  }
  b += "</svg>";
}

// The x axis under a column of bars: ticks at quarters of `scale`, in GPUs.
void bar_axis(Buf& b, Gpus scale) {
  b += "<div class=\"bar-row\" aria-hidden=\"true\"><div class=\"ticks\">";
  for (int i = 0; i <= 4; ++i) put(b, "<span style=\"left:{}%\">{}</span>", i * 25, grouped(scale * i / 4));
  b += "</div></div>\n";
}

// ---- the answer: the sentence and the headline figures leadership reads first

struct Answer {
  std::size_t clusters = 0, unbacked_clusters = 0, teams = 0, teams_cut = 0;
  int phases = 0;
};

Answer answer_counts(const HtmlReport& r, const std::vector<OverallocTree>& trees) {
  Answer a;
  if (r.capacity) {
    a.clusters = r.capacity->rows.size();
    for (const auto& row : r.capacity->rows) a.unbacked_clusters += row.figures.unbacked > 0;
  }
  a.teams = trees.size();
  for (const auto& t : trees) a.teams_cut += t.cut > 0;
  if (r.overalloc)
    for (int p = 2; p <= 4; ++p) a.phases += r.overalloc->summary.cut_by_phase[p] > 0;
  return a;
}

std::string answer_sentence(const HtmlReport& r, const Answer& a) {
  std::string out;
  if (r.capacity) {
    const Gpus unbacked = r.capacity->totals.unbacked;
    out = a.unbacked_clusters == 0
              ? fmt::format("All {} promise no more quota than they have healthy GPUs.",
                            plural(static_cast<Gpus>(a.clusters), "cluster", "clusters"))
              : fmt::format("{} of {} clusters promise more quota than they have healthy GPUs: {} of quota "
                            "{} unbacked.",
                            a.unbacked_clusters, a.clusters, plural(unbacked, "GPU", "GPUs"),
                            unbacked == 1 ? "is" : "are");
  }
  if (!r.overalloc) return out;
  const OverallocReport& o = *r.overalloc;
  const OverallocSummary& s = o.summary;
  if (!out.empty()) out += ' ';
  if (s.cut == 0)
    return out + fmt::format("A {} quota buffer would cut nothing: every cluster is within its target.",
                             format_bp(o.buffer.bp));
  out += fmt::format("A {} quota buffer puts {} of {} clusters over their target; bringing them back would cut {} "
                     "of {} assigned GPUs ({}) from {} of {} teams, in {} rollout phase{}",
                     format_bp(o.buffer.bp), s.clusters_over_target, s.clusters, grouped(s.cut), grouped(s.assigned),
                     format_share(s.cut, s.assigned), a.teams_cut, a.teams, a.phases, a.phases == 1 ? "" : "s");
  if (s.jobs_preempted > 0)
    out += fmt::format(", preempting {} holding {} GPUs",
                       plural(static_cast<Gpus>(s.jobs_preempted), "running job", "running jobs"),
                       grouped(s.gpus_preempted));
  return out + ".";
}

// One headline figure: what it is in words, the number, a line of context; `doc` and `path`
// name the --json document and key it is, so a test reads it back.
void headline(Buf& b, std::string_view doc, std::string_view path, std::string_view words, Gpus value,
              std::string_view unit, const std::string& context) {
  put(b, "<div data-doc=\"{}\" data-path=\"{}\" data-value=\"{}\"><dt>{}</dt><dd>{}{}<small>{}</small></dd></div>", doc,
      path, value, words, grouped(value), unit, html_escape(context));
}

void answer_section(Buf& b, const HtmlReport& r, const std::vector<OverallocTree>& trees) {
  const Answer a = answer_counts(r, trees);
  b += "<section id=\"answer\">\n";
  put(b, "<p class=\"answer\" data-section=\"answer\">{}</p>\n", html_escape(answer_sentence(r, a)));
  b += "<dl class=\"headline\">";
  if (r.capacity) {
    const ClusterFigures& t = r.capacity->totals;
    headline(b, "capacity", "totals.unbacked", "Quota not backed by healthy GPUs", t.unbacked, " GPUs",
             fmt::format("in {} of {} clusters", a.unbacked_clusters, a.clusters));
  }
  if (r.overalloc) {
    const OverallocSummary& s = r.overalloc->summary;
    headline(b, "overalloc-report", "summary.cut",
             fmt::format("Cut by a {} quota buffer", format_bp(r.overalloc->buffer.bp)), s.cut, " GPUs",
             fmt::format("{} of {} assigned, from {} of {} teams", format_share(s.cut, s.assigned), grouped(s.assigned),
                         a.teams_cut, a.teams));
    headline(b, "overalloc-report", "summary.jobs_preempted", "Running jobs the cut preempts",
             static_cast<Gpus>(s.jobs_preempted), "", fmt::format("holding {} GPUs", grouped(s.gpus_preempted)));
  }
  if (r.capacity) {
    const ClusterFigures& t = r.capacity->totals;
    headline(b, "capacity", "totals.healthy", "Healthy GPUs", t.healthy, "",
             fmt::format("of {} in the fleet; {} assigned to quotas", grouped(t.total), grouped(t.assigned)));
  }
  b += "</dl></section>\n";
}

// ---- capacity

// The totals in words: every figure that totals, its JSON key on the element.
void capacity_totals(Buf& b, const CapacityView& total) {
  b += "<dl class=\"figures\" data-section=\"capacity-totals\">";
  for (const auto& c : kCapacityColumns)
    if (c.total == Total::value && in_csv(c, 0))
      put(b, "<div><dt>{}</dt><dd data-key=\"{}\">{}</dd></div>", html_escape(c.label), c.key,
          grouped(c.get(total).number));
  b += "</dl>\n";
}

void capacity_chart(Buf& b, const std::vector<CapacityView>& rows) {
  Gpus scale = 1;
  for (const auto& row : rows) {
    const ClusterFigures& f = row.row->figures;
    scale = std::max({scale, f.inquota_used + f.inquota_free + f.headroom + f.unbacked, f.healthy});
  }
  scale = nice_ceiling(scale);
  b += "<div class=\"bars\" role=\"img\" aria-label=\"Capacity per cluster\" data-chart=\"capacity\">\n";
  for (const auto& row : rows) {
    const ClusterFigures& f = row.row->figures;
    const std::string& name = row.cluster().name;
    put(b, "<div class=\"bar-row cap-row\" data-cluster=\"{}\"", html_escape(name));
    html_data(b, kCapacityColumns, row);
    put(b, "><span class=\"bar-name\">{}</span>", html_escape(name));
    bar_svg(b, scale, name, segments(kCapacityColumns, kCapacityBar, row), f.healthy);
    put(b, "<span class=\"bar-cap\">{} healthy · {} assigned</span></div>\n", grouped(f.healthy), grouped(f.assigned));
  }
  bar_axis(b, scale);
  b += "</div>\n";
}

void capacity_section(Buf& b, const CapacityReport& r, const Snapshot& snap) {
  b += "<section id=\"capacity\"><h2>Capacity per cluster</h2>\n";
  const ClusterFigures& t = r.totals;
  put(b,
      "<p>{}: {} healthy of {} GPUs, {} assigned to quotas; {} used in quota, {} used as flex beyond quota, {} "
      "unbacked.</p>\n",
      plural(static_cast<Gpus>(r.rows.size()), "cluster", "clusters"), grouped(t.healthy), grouped(t.total),
      grouped(t.assigned), grouped(t.inquota_used), grouped(t.flex_used), grouped(t.unbacked));
  legend(b, kCapacityColumns, kCapacityBar);
  b += "<p class=\"note\">Each bar reaches the larger of healthy and assigned GPUs; the black tick marks healthy. "
       "Axis: GPUs.</p>\n";
  if (r.rows.empty()) {
    b += "<p>No cluster is selected.</p></section>\n";
    return;
  }
  std::vector<CapacityView> rows;
  for (const auto& row : r.rows) rows.push_back({&snap, &row});
  capacity_chart(b, rows);
  b += "<h3>Fleet totals</h3>\n";
  const CapacityRow total_row{"TOTAL", kNone, r.clusters, r.totals};
  capacity_totals(b, CapacityView{&snap, &total_row});
  b += "</section>\n";
}

// ---- overalloc sweep

// The sweep chart's frame in SVG user units (the labels are HTML, placed in percentages of it).
struct SweepFrame {
  static constexpr double W = 1000, H = 420, P = 10;
  BasisPoints x0, x1;
  Gpus ymax;
  double X(BasisPoints bp) const {
    return x1 == x0 ? W / 2 : P + (W - 2 * P) * static_cast<double>(bp - x0) / static_cast<double>(x1 - x0);
  }
  double Y(Gpus v) const { return H * (1.0 - static_cast<double>(v) / static_cast<double>(ymax)); }
};

// Grid lines at quarters of the GPU axis and the plot's frame (the labels are sweep_labels').
void sweep_axes(Buf& b, const SweepFrame& f) {
  using F = SweepFrame;
  for (int i = 1; i <= 4; ++i)
    put(b, "<line class=\"grid\" x1=\"0\" x2=\"{0}\" y1=\"{1}\" y2=\"{1}\" vector-effect=\"non-scaling-stroke\"/>",
        num(F::W), num(f.Y(f.ymax * i / 4)));
  put(b, "<rect class=\"frame\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" vector-effect=\"non-scaling-stroke\"/>",
      num(F::W), num(F::H));
}

// GPU values up the left and buffers along the bottom as HTML labels (every other one hidden on
// a phone), and the report's own buffer named above its line.
void sweep_labels(Buf& b, const SweepFrame& f, const std::vector<OverallocReport>& sweep,
                  const OverallocReport& chosen) {
  using F = SweepFrame;
  for (int i = 0; i <= 4; ++i)
    put(b, "<span class=\"yl\" style=\"top:{}\">{}</span>", pct(f.Y(f.ymax * i / 4), F::H), grouped(f.ymax * i / 4));
  const std::size_t every = (sweep.size() + 11) / 12;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < sweep.size(); ++i)
    if (i % every == 0 || i + 1 == sweep.size()) {
      const double x = f.X(sweep[i].buffer.bp);
      put(b, "<span class=\"xl{}{}\" style=\"left:{}\">{}</span>", shown++ % 2 ? " odd" : "", edge_class(x, F::W),
          pct(x, F::W), format_bp(sweep[i].buffer.bp));
    }
  if (chosen.buffer.bp >= f.x0 && chosen.buffer.bp <= f.x1) {
    const double x = f.X(chosen.buffer.bp);
    put(b, "<span class=\"mark{}\" style=\"left:{}\">this report: {}</span>", edge_class(x, F::W), pct(x, F::W),
        format_bp(chosen.buffer.bp));
  }
}

// GPUs cut in phases 2 .. 2 + band - 1 at one buffer: the bottom of band `band`.
Gpus cut_below(const OverallocSummary& s, int band) {
  Gpus below = 0;
  for (int p = 2; p < 2 + band; ++p) below += s.cut_by_phase[p];
  return below;
}

// Stacked areas: phase 2 at the bottom, then 3, then 4 (bars when there is one buffer).
void sweep_areas(Buf& b, const SweepFrame& f, const std::vector<OverallocReport>& sweep) {
  for (int band = 0; band < 3; ++band) {
    const std::string_view css = kSweepAreas[band].first;
    if (sweep.size() == 1) { // one buffer: a bar rather than an area of no width
      const auto& s = sweep[0].summary;
      const Gpus below = cut_below(s, band), above = below + s.cut_by_phase[2 + band];
      const double xc = f.X(sweep[0].buffer.bp);
      put(b, "<rect class=\"{}\" x=\"{}\" width=\"40\" y=\"{}\" height=\"{}\"/>", css, num(xc - 20), num(f.Y(above)),
          num(f.Y(below) - f.Y(above)));
      continue;
    }
    std::string top, bottom;
    for (std::size_t i = 0; i < sweep.size(); ++i) {
      const auto& s = sweep[i].summary;
      const Gpus below = cut_below(s, band), above = below + s.cut_by_phase[2 + band];
      top += fmt::format("{}{} {}", i ? " L" : "M", num(f.X(sweep[i].buffer.bp)), num(f.Y(above)));
      bottom.insert(0, fmt::format(" L{} {}", num(f.X(sweep[i].buffer.bp)), num(f.Y(below))));
    }
    put(b, "<path class=\"{}\" d=\"{}{} Z\"/>", css, top, bottom);
  }
}

// The total cut as a line, the chosen buffer dashed, and a point per buffer carrying its summary.
void sweep_points(Buf& b, const SweepFrame& f, const std::vector<OverallocReport>& sweep,
                  const OverallocReport& chosen) {
  std::string line;
  for (std::size_t i = 0; i < sweep.size(); ++i)
    line += fmt::format("{}{} {}", i ? " L" : "M", num(f.X(sweep[i].buffer.bp)), num(f.Y(sweep[i].summary.cut)));
  put(b, "<path class=\"total-line\" d=\"{}\" vector-effect=\"non-scaling-stroke\"/>", line);
  if (chosen.buffer.bp >= f.x0 && chosen.buffer.bp <= f.x1)
    put(b, "<line class=\"chosen\" x1=\"{0}\" x2=\"{0}\" y1=\"0\" y2=\"{1}\" vector-effect=\"non-scaling-stroke\"/>",
        num(f.X(chosen.buffer.bp)), num(SweepFrame::H));
  for (const auto& r : sweep) {
    const auto& s = r.summary;
    put(b, "<circle class=\"pt sweep-point\" cx=\"{}\" cy=\"{}\" r=\"9\"", num(f.X(r.buffer.bp)), num(f.Y(s.cut)));
    html_data(b, kSummaryColumns, SummaryView{&s, r.buffer.bp});
    put(b, "><title>buffer {}: {} GPUs cut (phase 2 {}, phase 3 {}, phase 4 {})</title></circle>",
        format_bp(r.buffer.bp), grouped(s.cut), grouped(s.cut_by_phase[2]), grouped(s.cut_by_phase[3]),
        grouped(s.cut_by_phase[4]));
  }
}

// A cell as people read it: counts with thousands separators.
std::string html_cell(const Value& v) {
  if (v.kind == Value::Kind::number && !v.shown) return grouped(v.number);
  return cell_text(v);
}

// A list's rows as an HTML table of the columns `keys` names, headed by their words (every
// field is on the row's data-* and in the embedded JSON); on a phone each row becomes a card
// of "words: value" lines (class reflow) instead of scrolling.
template <class Row> void html_table(Buf& b, std::string_view section, const Columns<Row>& cols,
                                     const std::vector<Row>& rows, std::initializer_list<std::string_view> keys,
                                     std::size_t marked = std::size_t(-1)) {
  std::vector<const Column<Row>*> shown;
  for (auto key : keys) shown.push_back(&column(cols, key));
  put(b, "<table class=\"reflow\" data-section=\"{}\"><thead><tr>", section);
  for (const auto* c : shown)
    put(b, "<th{}>{}</th>", c->align == Align::right ? " class=\"n\"" : "",
        html_escape(c->label.empty() ? c->header : c->label));
  b += "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    b += i == marked ? "<tr class=\"marked\"" : "<tr";
    html_data(b, cols, row);
    b += ">";
    for (const auto* c : shown)
      put(b, "<td{} data-label=\"{}\">{}</td>", c->align == Align::right ? " class=\"n\"" : "",
          html_escape(c->label.empty() ? c->header : c->label), html_escape(html_cell(c->get(row))));
    b += "</tr>\n";
  }
  b += "</tbody></table>";
}

void sweep_section(Buf& b, const std::vector<OverallocReport>& sweep, const OverallocReport& chosen) {
  b += "<section id=\"sweep\"><h2>Other buffers: GPUs cut per quota buffer, by rollout phase</h2>\n";
  if (sweep.empty()) {
    b += "<p>No buffer in the sweep.</p></section>\n";
    return;
  }
  put(b,
      "<p>The quota buffer is the share of assigned quota held back from healthy GPUs. Cut policy {}; each point is "
      "<code>overalloc sweep</code>'s summary at that buffer; the dashed line is this report's buffer, {}.</p>\n",
      to_string(chosen.policy), format_bp(chosen.buffer.bp));
  legend(b, kSummaryColumns, kSweepAreas);
  Gpus ymax = 1;
  for (const auto& r : sweep) ymax = std::max(ymax, r.summary.cut);
  const SweepFrame f{sweep.front().buffer.bp, sweep.back().buffer.bp, nice_ceiling(ymax)};
  b += "<p class=\"note\">GPUs cut ↑</p><div class=\"plot\">";
  put(b, "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"GPUs cut per quota buffer\" data-chart=\"sweep\">",
      num(SweepFrame::W), num(SweepFrame::H));
  sweep_axes(b, f);
  sweep_areas(b, f, sweep);
  sweep_points(b, f, sweep, chosen);
  b += "</svg>";
  sweep_labels(b, f, sweep, chosen);
  b += "</div><p class=\"xtitle\">quota buffer →</p>\n";
  std::vector<SummaryView> rows;
  std::size_t marked = std::size_t(-1);
  for (const auto& r : sweep) {
    if (r.buffer.bp == chosen.buffer.bp) marked = rows.size();
    rows.push_back({&r.summary, r.buffer.bp});
  }
  html_table(b, "sweep", kSummaryColumns, rows,
             {"buffer_bp", "clusters_over_target", "cut", "cut_share", "cut_phase_2", "cut_phase_3", "cut_phase_4",
              "jobs_preempted"},
             marked);
  b += "</section>\n";
}

// ---- cuts per cluster and per tree

template <class Row> Gpus figure(const Columns<Row>& cols, std::string_view key, const Row& row) {
  return column(cols, key).get(row).number;
}

// "N of M · phase P · J jobs preempted" after a row's bar.
template <class Row> std::string cut_caption(const Columns<Row>& cols, const Row& row) {
  const Gpus jobs = figure(cols, "jobs_preempted", row);
  return fmt::format("{} of {} · phase {}{}", grouped(figure(cols, "cut", row)), grouped(figure(cols, "assigned", row)),
                     figure(cols, "phase", row),
                     jobs ? fmt::format(" · {} job{} preempted", grouped(jobs), jobs == 1 ? "" : "s") : "");
}

// One bar per row with a cut, largest first, its three sources stacked; the row's fields on it.
template <class Row>
void cut_bars(Buf& b, const Columns<Row>& cols, const std::vector<Row>& rows, std::string_view what) {
  Gpus scale = 1;
  for (const auto& r : rows) scale = std::max(scale, figure(cols, "cut", r));
  scale = nice_ceiling(scale);
  put(b, "<div class=\"bars\" role=\"img\" aria-label=\"GPUs cut per {0}\" data-chart=\"cuts-{0}\">\n", what);
  for (const auto& r : rows) {
    const std::string name(cols.front().get(r).text);
    put(b, "<div class=\"bar-row cut-row\" data-kind=\"{}\"", what);
    html_data(b, cols, r);
    put(b, "><span class=\"bar-name\">{}</span>", html_escape(name));
    bar_svg(b, scale, name, segments(cols, kCutBar, r));
    put(b, "<span class=\"bar-cap\">{}</span></div>\n", html_escape(cut_caption(cols, r)));
  }
  bar_axis(b, scale);
  b += "</div>\n";
}

template <class Row> void cut_chart(Buf& b, const Columns<Row>& cols, std::vector<Row> rows, std::string_view what) {
  std::vector<std::string> uncut;
  std::erase_if(rows, [&](const Row& r) {
    if (figure(cols, "cut", r) > 0) return false;
    uncut.emplace_back(cols.front().get(r).text);
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

void cuts_section(Buf& b, const OverallocReport& r, const Snapshot& snap, const std::vector<OverallocTree>& tree_list) {
  const OverallocSummary& s = r.summary;
  put(b, "<section id=\"cuts\"><h2>What a {} quota buffer cuts</h2>\n", format_bp(r.buffer.bp));
  b += "<p data-section=\"overalloc-summary\"";
  html_data(b, kSummaryColumns, SummaryView{&s, r.buffer.bp});
  put(b, ">Cut policy {}: {}.</p>\n", to_string(r.policy), html_escape(summary_sentence(s)));
  legend(b, kSummaryColumns, kCutBar);
  b += "<h3>Per quota tree (team)</h3>\n";
  std::vector<OverallocTreeView> trees;
  for (const auto& t : tree_list) trees.push_back({&snap, &t});
  cut_chart(b, kOverallocTreeColumns, std::move(trees), "tree");
  b += "<h3>Per cluster</h3>\n";
  std::vector<OverallocClusterView> clusters;
  for (const auto& c : r.clusters) clusters.push_back({&snap, &c});
  cut_chart(b, kOverallocClusterColumns, std::move(clusters), "cluster");
  b += "</section>\n";
}

// ---- maintenance impact

// The events of one cluster in the window: start, length and GPUs (maintenance list's rows).
void impact_events(Buf& b, const std::vector<const EventRow*>& events, const Snapshot& snap) {
  if (events.empty()) return;
  constexpr std::size_t kListed = 8;
  b += "<ul class=\"events\">";
  for (std::size_t i = 0; i < events.size() && i < kListed; ++i) {
    const MaintenanceEvent& e = snap.maintenance[events[i]->event];
    put(b, "<li data-id=\"{}\" data-start=\"{}\" data-end=\"{}\" data-gpus=\"{}\">{} · {} · {} GPUs · {}</li>",
        html_escape(e.id), format_rfc3339(e.start), format_rfc3339(e.end), events[i]->gpus,
        html_escape(day_time(e.start)), human_duration(e.end - e.start), grouped(events[i]->gpus), html_escape(e.id));
  }
  if (events.size() > kListed) put(b, "<li>and {} more</li>", events.size() - kListed);
  b += "</ul>";
}

// The card's chart: schedulable GPUs as a step line over the window, assigned quota dashed, the
// minimum as a dot; under it a strip with a mark per event (at least a few pixels wide, so a
// 2-hour event in 14 days shows); the axes' values (GPUs up the left, the window's first and
// last dates along the bottom) as HTML.
void impact_chart(Buf& b, const MaintenanceHorizon& h, const ClusterImpact& c,
                  const std::vector<const EventRow*>& events, const Snapshot& snap, std::string_view name) {
  constexpr double W = 1000, H = 100, kChartH = 80, kStripY = 86;
  const Gpus ymax = nice_ceiling(std::max<Gpus>({1, c.total, c.assigned, c.max_healthy}));
  auto X = [&](Time t) {
    const Time clamped = std::clamp<Time>(t, h.at, h.end());
    return W * static_cast<double>(clamped - h.at) / static_cast<double>(h.window);
  };
  auto Y = [&](Gpus v) { return kChartH * (1.0 - static_cast<double>(v) / static_cast<double>(ymax)); };
  put(b,
      "<div class=\"plot mini\"><svg viewBox=\"0 0 {} {}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{} "
      "schedulable GPUs\">",
      num(W), num(H), html_escape(name));
  std::string path;
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const auto& s = c.steps[i];
    path += i == 0 ? fmt::format("M{} {}", num(X(s.at)), num(Y(s.healthy)))
                   : fmt::format("H{}V{}", num(X(s.at)), num(Y(s.healthy)));
  }
  path += fmt::format("H{}", num(W));
  put(b, "<path class=\"area\" d=\"{}V{}H0Z\"/><path class=\"step\" d=\"{}\" vector-effect=\"non-scaling-stroke\"/>",
      path, num(kChartH), path);
  put(b,
      "<line class=\"assigned\" x1=\"0\" x2=\"{0}\" y1=\"{1}\" y2=\"{1}\" vector-effect=\"non-scaling-stroke\"/>"
      "<rect class=\"frame\" x=\"0\" y=\"0\" width=\"{0}\" height=\"{2}\" vector-effect=\"non-scaling-stroke\"/>",
      num(W), num(Y(c.assigned)), num(kChartH));
  for (const EventRow* row : events) {
    const MaintenanceEvent& e = snap.maintenance[row->event];
    const double x = X(e.start), w = std::max(X(e.end) - x, 5.0);
    put(b, "<rect class=\"ev\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
        num(std::min(x, W - w)), num(kStripY), num(w), num(H - kStripY), html_escape(e.id));
  }
  b += "</svg>";
  put(b, "<span class=\"dot\" style=\"left:{};top:{}\" title=\"lowest: {} GPUs at {}\"></span>",
      pct(X(c.min_healthy_at), W), pct(Y(c.min_healthy), H), grouped(c.min_healthy),
      html_escape(day_time(c.min_healthy_at)));
  put(b, "<span class=\"yl\" style=\"top:0\">{}</span><span class=\"yl\" style=\"top:{}\">0</span>", grouped(ymax),
      pct(kChartH, H));
  if (!events.empty()) put(b, "<span class=\"yl\" style=\"top:{}\">events</span>", pct((kStripY + H) / 2, H));
  put(b, "<span class=\"xl start\" style=\"left:0\">{}</span><span class=\"xl end\" style=\"left:100%\">{}</span>",
      html_escape(day_time(h.at)), html_escape(day_time(h.end())));
  b += "</div>";
}

// One cluster's card: its fields and its step series on the element, then the chart and events.
void impact_card(Buf& b, const MaintenanceHorizon& h, const ImpactView& row,
                 const std::vector<const EventRow*>& events) {
  const ClusterImpact& c = *row.row;
  const std::string& name = row.cluster().name;
  put(b, "<div class=\"card impact\" data-cluster=\"{}\"", html_escape(name));
  html_data(b, kImpactColumns, row);
  b += " data-steps=\"";
  for (std::size_t i = 0; i < c.steps.size(); ++i)
    put(b, "{}{}={}", i ? " " : "", format_rfc3339(c.steps[i].at), c.steps[i].healthy);
  put(b, "\"><h4>{}</h4><p>lowest {} schedulable GPUs, {} · assigned quota {} · {}</p>", html_escape(name),
      grouped(c.min_healthy), html_escape(day_time(c.min_healthy_at)), grouped(c.assigned),
      plural(static_cast<Gpus>(c.events), "event", "events"));
  impact_chart(b, h, c, events, *row.snap, name);
  impact_events(b, events, *row.snap);
  b += "</div>\n";
}

void impact_section(Buf& b, const ImpactReport& r, const EventList* list, const Snapshot& snap) {
  const MaintenanceHorizon& h = r.horizon;
  b += "<section id=\"impact\"><h2>Maintenance: schedulable GPUs over the next " + human_duration(h.window) + "</h2>\n";
  put(b,
      "<p>From {} to {} (UTC), per cluster: schedulable (healthy) GPUs as maintenance events start and end; "
      "the dashed line is assigned quota, the dot the lowest point; the strip under each chart marks when its events "
      "run. Each event is listed with its start, length and GPUs.</p>\n",
      html_escape(day_time(h.at)), html_escape(day_time(h.end())));
  if (r.clusters.empty() || h.window <= 0) {
    b += "<p>No cluster is selected.</p></section>\n";
    return;
  }
  b += "<div class=\"cards\">\n";
  for (const auto& c : r.clusters) {
    std::vector<const EventRow*> events;
    if (list)
      for (const auto& e : list->rows)
        if (snap.maintenance[e.event].cluster_index == c.cluster) events.push_back(&e);
    impact_card(b, h, ImpactView{&snap, &c}, events);
  }
  b += "</div></section>\n";
}

// One document in its script element, given to out(text) a run at a time.
template <class Out> void embed(std::string_view id, std::string_view json, Out out) {
  out(fmt::format("<script type=\"application/json\" id=\"{}\">", id));
  for_script(json, out);
  out("</script>\n");
}

// The page up to its embedded documents: the head, every section, the closing note.
std::string page_body(const HtmlReport& r, const Snapshot& snap, const RenderOptions& o) {
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
  std::vector<OverallocTree> trees;
  if (r.overalloc) trees = overalloc_trees(*r.overalloc, snap);
  answer_section(b, r, trees);
  if (r.capacity) capacity_section(b, *r.capacity, snap);
  if (r.overalloc) cuts_section(b, *r.overalloc, snap, trees);
  if (r.sweep && r.overalloc) sweep_section(b, *r.sweep, *r.overalloc);
  if (r.impact) impact_section(b, *r.impact, r.events, snap);
  b += "<p class=\"note\">Every figure above is in the JSON documents embedded in this page (the --json output of "
       "capacity, overalloc report, overalloc sweep, maintenance impact and maintenance list).</p>\n</main>\n";
  return b;
}

// The --json documents of the commands whose figures the page shows: each script element's id
// and how its document is made.
struct Embedded {
  std::string_view id;
  std::function<std::string()> make;
};
std::vector<Embedded> embedded_documents(const HtmlReport& r, const Snapshot& snap, const RenderOptions& o) {
  RenderOptions jo = o;
  jo.format = Format::json;
  jo.sort.clear();
  jo.wide = false;
  jo.columns.clear();
  jo.no_headers = false;
  std::vector<Embedded> docs;
  if (r.capacity)
    docs.push_back({"fleetcap-capacity", [&r, &snap, jo] { return render_capacity(*r.capacity, snap, jo); }});
  if (r.overalloc)
    docs.push_back({"fleetcap-overalloc-report", [&r, &snap, jo] {
                      OverallocView v;
                      v.history = r.history;
                      return render_overalloc_report(*r.overalloc, snap, v, jo);
                    }});
  if (r.sweep)
    docs.push_back({"fleetcap-overalloc-sweep", [&r, jo] { return render_overalloc_sweep(*r.sweep, r.history, jo); }});
  if (r.impact)
    docs.push_back({"fleetcap-maintenance-impact", [&r, &snap, jo] { return render_impact(*r.impact, snap, jo); }});
  if (r.events)
    docs.push_back({"fleetcap-maintenance-list", [&r, &snap, jo] { return render_event_list(*r.events, snap, jo); }});
  return docs;
}

} // namespace

// The page and its documents are made side by side (cols::in_order: on a large fleet they are
// 15 MB of JSON and as much time again as the load) and put together in order, to `sink` as
// each is ready when there is one.
std::string render_html_report(const HtmlReport& r, const Snapshot& snap, const RenderOptions& o, std::ostream* sink) {
  const std::vector<Embedded> docs = embedded_documents(r, snap, o);
  Buf b;
  const auto out = [&](std::string_view text) {
    if (sink)
      sink->write(text.data(), static_cast<std::streamsize>(text.size()));
    else
      b += text;
  };
  std::size_t next = 0;
  cols::in_order(
      docs.size() + 1, [&](std::size_t i) { return i == 0 ? page_body(r, snap, o) : docs[i - 1].make(); },
      [&](std::string&& made) {
        const std::size_t i = next++;
        if (i > 0)
          embed(docs[i - 1].id, made, out);
        else if (sink)
          out(made);
        else
          b = std::move(made);
      });
  out("</body></html>\n");
  return b;
}

} // namespace fleetcap
