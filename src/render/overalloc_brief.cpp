// `overalloc report --summary` and `--compare-cuts` (overalloc_brief.hpp). Formatting only:
// every number is a field of OverallocBrief (figures/overalloc.cpp); percentages are made here.
#include "fleetcap/render/overalloc_brief.hpp"

#include "columns.hpp"
#include "fleetcap/render/overalloc.hpp"

#include <fmt/format.h>

#include <array>

namespace fleetcap {

std::string brief_sentence(const OverallocBrief& b) {
  const OverallocBriefLine& t = b.total;
  return fmt::format(
      "{} of {} clusters are over their target ({}); {} of {} assigned GPUs would be cut ({}), {} of them already "
      "unbacked (no healthy GPU behind them). The cut is {} GPUs of unscheduled quota, {} from idle jobs and {} "
      "from running jobs; covering those {} preempts {} {} holding {} GPUs, of which {} stay in their quota",
      b.clusters_over_target, b.clusters,
      format_share(static_cast<Gpus>(b.clusters_over_target), static_cast<Gpus>(b.clusters)), t.cut, t.assigned,
      format_share(t.cut, t.assigned), t.cut_unbacked, t.from.unscheduled, t.from.idle, t.from.running, t.from.running,
      t.jobs_preempted, t.jobs_preempted == 1 ? "job" : "jobs", t.gpus_preempted, t.gpus_preempted_beyond_cut);
}

namespace {

using namespace cols;
using json_out::JsonWriter;

constexpr std::array<std::string_view, 5> kPhaseText = {"all phases", "no cut", "unscheduled quota only",
                                                        "up to idle jobs", "running jobs preempted"};

struct LineRow {
  const OverallocBriefLine* l;
  Gpus whole_assigned; // the report's assigned: the % of every line is of it, so they add up
};

Tone phase_tone(int phase) { return phase == 4 ? Tone::bad : phase == 3 ? Tone::warn : Tone::plain; }

const Column<LineRow> kLineColumns[] = {
    {.key = "phase",
     .header = "PHASE",
     .align = Align::right,
     .identifying = true,
     .total = Total::label,
     .get = [](const LineRow& r) { return num(r.l->phase, phase_tone(r.l->phase)); }},
    {.key = "",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const LineRow& r) { return txt(kPhaseText[static_cast<std::size_t>(r.l->phase)]); }},
    {.key = "clusters",
     .header = "CLUSTERS",
     .align = Align::right,
     .priority = 6,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->clusters); }},
    {.key = "quotas",
     .header = "QUOTAS",
     .align = Align::right,
     .priority = 7,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->quotas); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .align = Align::right,
     .priority = 8,
     .wide = true,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->assigned); }},
    {.key = "cut",
     .header = "CUT",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->cut); }},
    {.key = "",
     .header = "CUT%",
     .align = Align::right,
     .priority = 2,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->cut, Tone::plain, format_share(r.l->cut, r.whole_assigned)); }},
    {.key = "cut_unbacked",
     .header = "CUT-UNBACKED",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->cut_unbacked); }},
    {.key = "cut_from_unscheduled",
     .header = "UNSCHED",
     .align = Align::right,
     .priority = 3,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->from.unscheduled); }},
    {.key = "cut_from_idle",
     .header = "FROM-IDLE",
     .align = Align::right,
     .priority = 3,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->from.idle); }},
    {.key = "cut_from_running",
     .header = "RUNNING",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->from.running); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .align = Align::right,
     .priority = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .align = Align::right,
     .priority = 4,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->gpus_preempted); }},
    {.key = "gpus_preempted_beyond_cut",
     .header = "BEYOND-CUT",
     .align = Align::right,
     .priority = 5,
     .wide = true,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(r.l->gpus_preempted_beyond_cut); }},
};

std::vector<LineRow> phase_rows(const OverallocBrief& b) {
  std::vector<LineRow> rows;
  for (int p = 1; p <= 4; ++p) rows.push_back({&b.phases[p], b.total.assigned});
  return rows;
}

void line_json(JsonWriter& w, const OverallocBriefLine& l, Gpus whole_assigned) {
  json_row<LineRow>(w, kLineColumns, LineRow{&l, whole_assigned});
}

// The brief's fields into the object being written.
void brief_fields(JsonWriter& w, const OverallocReport& r, const OverallocBrief& b) {
  w.field("cut_policy", to_string(r.policy));
  w.field("clusters", b.clusters);
  w.field("clusters_over_target", b.clusters_over_target);
  w.key("total");
  line_json(w, b.total, b.total.assigned);
  w.key("phases").begin_array();
  for (const auto& row : phase_rows(b)) line_json(w, *row.l, b.total.assigned);
  w.end_array();
  w.field("text", brief_sentence(b));
}

std::string buffer_text(const OverallocReport& r) {
  const BufferChoice& b = r.buffer;
  std::string out =
      b.automatic ? fmt::format("auto {}..{}", format_bp(b.auto_min), format_bp(b.auto_max)) : format_bp(b.bp);
  for (const auto& [name, bp] : b.per_cluster) out += fmt::format(", {} {}", name, format_bp(bp));
  return out;
}

// --compare-cuts: one row per figure, one column per policy.
struct CompareRow {
  std::string_view key, label;
  Value pro_rata, least_disruptive;
};

const Column<CompareRow> kCompareColumns[] = {
    {.key = "figure",
     .header = "",
     .align = Align::left,
     .identifying = true,
     .get = [](const CompareRow& r) { return txt(r.key, Tone::plain); }},
    {.key = "",
     .header = "FIGURE",
     .align = Align::left,
     .identifying = true,
     .get = [](const CompareRow& r) { return txt(r.label); }},
    {.key = "pro_rata",
     .header = "PRO-RATA",
     .align = Align::right,
     .identifying = true,
     .get = [](const CompareRow& r) { return r.pro_rata; }},
    {.key = "least_disruptive",
     .header = "LEAST-DISRUPTIVE",
     .align = Align::right,
     .identifying = true,
     .get = [](const CompareRow& r) { return r.least_disruptive; }},
};

std::vector<CompareRow> compare_rows(const OverallocBrief& a, const OverallocBrief& b) {
  std::vector<CompareRow> rows;
  auto add = [&](std::string_view key, std::string_view label, auto get) {
    rows.push_back({key, label, get(a), get(b)});
  };
  add("clusters_over_target", "clusters over target",
      [](const OverallocBrief& x) { return num(x.clusters_over_target); });
  add("cut", "GPUs cut", [](const OverallocBrief& x) { return num(x.total.cut); });
  add("cut_share", "% of assigned",
      [](const OverallocBrief& x) { return txt(format_share(x.total.cut, x.total.assigned)); });
  add("cut_unbacked", "  already unbacked", [](const OverallocBrief& x) { return num(x.total.cut_unbacked); });
  add("cut_from_unscheduled", "  from unscheduled quota",
      [](const OverallocBrief& x) { return num(x.total.from.unscheduled); });
  add("cut_from_idle", "  from idle jobs", [](const OverallocBrief& x) { return num(x.total.from.idle); });
  add("cut_from_running", "  from running jobs", [](const OverallocBrief& x) { return num(x.total.from.running); });
  add("cut_phase_2", "cut in phase 2 (unscheduled only)", [](const OverallocBrief& x) { return num(x.phases[2].cut); });
  add("cut_phase_3", "cut in phase 3 (up to idle jobs)", [](const OverallocBrief& x) { return num(x.phases[3].cut); });
  add("cut_phase_4", "cut in phase 4 (preempting)", [](const OverallocBrief& x) { return num(x.phases[4].cut); });
  add("quotas_affected", "quotas affected",
      [](const OverallocBrief& x) { return num(x.phases[2].quotas + x.phases[3].quotas + x.phases[4].quotas); });
  add("jobs_preempted", "jobs preempted", [](const OverallocBrief& x) { return num(x.total.jobs_preempted); });
  add("gpus_preempted", "GPUs those jobs hold", [](const OverallocBrief& x) { return num(x.total.gpus_preempted); });
  add("gpus_preempted_beyond_cut", "  of which stay in quota",
      [](const OverallocBrief& x) { return num(x.total.gpus_preempted_beyond_cut); });
  return rows;
}

} // namespace

std::string render_overalloc_brief(const OverallocReport& r, const OverallocBrief& b, const RenderOptions& o) {
  const std::vector<LineRow> rows = phase_rows(b);
  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.summary", o);
    w.key("buffer_bp").value(r.buffer.automatic ? std::nullopt : std::optional(r.buffer.bp));
    brief_fields(w, r, b);
    return w.end_object().finish();
  }
  if (o.format == Format::csv) return csv_of<LineRow>(kLineColumns, rows, o);
  if (o.format == Format::name) return names_of<LineRow>(kLineColumns, rows);
  if (r.clusters.empty()) return "No clusters match.\n";
  std::string out = wrap_prose(
      fmt::format("Buffer {}, cut {}.\n{}.\n", buffer_text(r), to_string(r.policy), brief_sentence(b)), o.style.width);
  out += '\n';
  const LineRow total{&b.total, b.total.assigned};
  out += table_of<LineRow>(kLineColumns, rows, o, &total);
  return out;
}

std::string render_overalloc_compare(const OverallocReport& pr, const OverallocBrief& prb, const OverallocReport& ld,
                                     const OverallocBrief& ldb, const RenderOptions& o) {
  const std::vector<CompareRow> rows = compare_rows(prb, ldb);
  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.compare", o);
    w.key("buffer_bp").value(pr.buffer.automatic ? std::nullopt : std::optional(pr.buffer.bp));
    w.key("cuts").begin_array();
    for (const auto& [r, b] : {std::pair{&pr, &prb}, std::pair{&ld, &ldb}}) {
      w.begin_object();
      brief_fields(w, *r, *b);
      w.end_object();
    }
    w.end_array();
    return w.end_object().finish();
  }
  if (o.format == Format::csv) return csv_of<CompareRow>(kCompareColumns, rows, o);
  if (o.format == Format::name) return names_of<CompareRow>(kCompareColumns, rows);
  if (pr.clusters.empty()) return "No clusters match.\n";
  std::string out = wrap_prose(
      fmt::format("Buffer {}: the same cut split pro-rata and least-disruptive.\n", buffer_text(pr)), o.style.width);
  out += '\n';
  out += table_of<CompareRow>(kCompareColumns, rows, o);
  return out;
}

} // namespace fleetcap
