// `overalloc report --summary` and `--compare-cuts` (overalloc_brief.hpp). Formatting only:
// every number is a field of OverallocBrief (figures/overalloc.cpp); percentages are made here.
#include "fleetcap/render/overalloc_brief.hpp"

#include "fleetcap/render/overalloc.hpp"
#include "lists.hpp"

#include <fmt/format.h>

#include <array>

namespace fleetcap {

// The --summary sentence. It says only what happens: no "0 of them already unbacked", no
// "covering those 0 preempts 0 jobs" (issue 24).
std::string brief_sentence(const OverallocBrief& b) {
  const OverallocBriefLine& t = b.total;
  std::string out = fmt::format("{} of {} clusters are over their target ({})", b.clusters_over_target, b.clusters,
                                format_share(static_cast<Gpus>(b.clusters_over_target), static_cast<Gpus>(b.clusters)));
  if (t.cut == 0) return out + fmt::format("; none of the {} assigned GPUs would be cut", t.assigned);
  out += fmt::format("; {} of {} assigned GPUs would be cut ({})", t.cut, t.assigned, format_share(t.cut, t.assigned));
  if (t.cut_unbacked > 0)
    out += fmt::format(", {} of them already unbacked (no healthy GPU behind them)", t.cut_unbacked);
  out += fmt::format(". The cut is {} GPUs of unscheduled quota, {} from idle jobs and {} from running jobs",
                     t.from.unscheduled, t.from.idle, t.from.running);
  if (t.from.running == 0) return out + "; no running job is preempted";
  return out + fmt::format("; covering those {} preempts {} {} holding {} GPUs, of which {} stay in their quota",
                           t.from.running, t.jobs_preempted, t.jobs_preempted == 1 ? "job" : "jobs", t.gpus_preempted,
                           t.gpus_preempted_beyond_cut);
}

namespace {

using namespace cols;

struct LineRow {
  const OverallocBriefLine* l;
  Gpus whole_assigned; // the report's assigned: the % of every line is of it, so they add up
};

const OverallocBriefLine& line(const LineRow& r) { return *r.l; }

const Column<LineRow> kLineList[] = {
    {.key = "phase",
     .header = "PHASE",
     .identifying = true,
     .total = Total::label,
     .get = [](const LineRow& r) { return num(line(r).phase, phase_tone(line(r).phase)); }},
    // Not "CLUSTERS": phase 2 with 0 read as "phase 2 touches no cluster" (issue 24).
    {.key = "clusters",
     .header = "CLUSTERS-ENDING",
     .drop = 6,
     .total = Total::value,
     .label = "clusters whose rollout ends in this phase (a cluster's phase is its quotas' highest)",
     .get = [](const LineRow& r) { return num(line(r).clusters); }},
    {.key = "quotas",
     .header = "QUOTAS",
     .drop = 7,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).quotas); }},
    {.key = "assigned",
     .header = "ASSIGNED",
     .drop = 8,
     .wide = true,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).assigned); }},
    {.key = "cut",
     .header = "CUT",
     .drop = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).cut); }},
    {.key = "cut_share",
     .header = "CUT%",
     .drop = 2,
     .total = Total::value,
     .in = In::table,
     .get =
         [](const LineRow& r) { return num(line(r).cut, Tone::plain, format_share(line(r).cut, r.whole_assigned)); }},
    {.key = "cut_unbacked",
     .header = "CUT-UNBACKED",
     .drop = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).cut_unbacked); }},
    {.key = "cut_from_unscheduled",
     .header = "UNSCHED",
     .drop = 3,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).from.unscheduled); }},
    {.key = "cut_from_idle",
     .header = "FROM-IDLE",
     .drop = 3,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).from.idle); }},
    {.key = "cut_from_running",
     .header = "RUNNING",
     .drop = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).from.running); }},
    {.key = "jobs_preempted",
     .header = "JOBS-PREEMPTED",
     .drop = 1,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).jobs_preempted); }},
    {.key = "gpus_preempted",
     .header = "PREEMPTED",
     .drop = 4,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).gpus_preempted); }},
    {.key = "gpus_preempted_beyond_cut",
     .header = "BEYOND-CUT",
     .drop = 5,
     .wide = true,
     .total = Total::value,
     .get = [](const LineRow& r) { return num(line(r).gpus_preempted_beyond_cut); }},
};
const Columns<LineRow> kLineColumns{"overalloc report", "phases", kLineList};

std::vector<LineRow> phase_rows(const OverallocBrief& b) {
  std::vector<LineRow> rows;
  for (int p = 1; p <= 4; ++p) rows.push_back({&b.phases[p], b.total.assigned});
  return rows;
}

// One policy's brief: its figures, the line of the whole and one per phase, and the sentence.
struct BriefView {
  const OverallocReport* r;
  const OverallocBrief* b;
  std::vector<LineRow> phases;
  BriefView(const OverallocReport& report, const OverallocBrief& brief)
      : r(&report), b(&brief), phases(phase_rows(brief)) {}
};
std::optional<LineRow> total_of(const BriefView& v) { return LineRow{&v.b->total, v.b->total.assigned}; }

const Column<BriefView> kBriefList[] = {
    {.key = "cut_policy", .get = [](const BriefView& v) { return txt(to_string(v.r->policy)); }},
    {.key = "clusters", .get = [](const BriefView& v) { return num(v.b->clusters); }},
    {.key = "clusters_over_target", .get = [](const BriefView& v) { return num(v.b->clusters_over_target); }},
    {.key = "total", .section = object<kLineColumns, total_of>},
    {.key = "phases", .section = array<kLineColumns, &BriefView::phases>},
    {.key = "text", .get = [](const BriefView& v) { return txt(brief_sentence(*v.b)); }},
};
const Columns<BriefView> kBriefColumns{"overalloc report", "brief", kBriefList, ListKind::section};

Value buffer_bp(const OverallocReport& r) { return r.buffer.automatic ? none() : num(r.buffer.bp); }

// fleetcap.overalloc.summary: the buffer, then the brief.
const BriefView* brief_of(const BriefView& v) { return &v; }
const Column<BriefView> kSummaryDocList[] = {
    {.key = "buffer_bp", .get = [](const BriefView& v) { return buffer_bp(*v.r); }},
    {.key = "brief", .in = In::json, .section = fields_inline<kBriefColumns, brief_of>},
};
const Columns<BriefView> kSummaryDoc{"overalloc report", "summary document", kSummaryDocList, ListKind::document,
                                     "fleetcap.overalloc.summary/v1"};

// fleetcap.overalloc.compare: the buffer, then each policy's brief.
struct CompareDoc {
  const OverallocReport* pr;
  std::vector<BriefView> cuts;
};
const Column<CompareDoc> kCompareDocList[] = {
    {.key = "buffer_bp", .get = [](const CompareDoc& d) { return buffer_bp(*d.pr); }},
    {.key = "cuts", .section = array<kBriefColumns, &CompareDoc::cuts>},
};
const Columns<CompareDoc> kCompareDoc{"overalloc report", "compare document", kCompareDocList, ListKind::document,
                                      "fleetcap.overalloc.compare/v1"};

std::string buffer_text(const OverallocReport& r) {
  const BufferChoice& b = r.buffer;
  std::string out =
      b.automatic ? fmt::format("auto {}..{}", format_bp(b.auto_min), format_bp(b.auto_max)) : format_bp(b.bp);
  for (const auto& [name, bp] : b.per_cluster) out += fmt::format(", {} {}", name, format_bp(bp));
  return out;
}

// --compare-cuts: one row per figure of the summary that has words for it, one column per policy.
struct CompareRow {
  std::string_view key;
  std::string label;
  Value pro_rata, least_disruptive;
};

const Column<CompareRow> kCompareList[] = {
    {.key = "figure",
     .header = "FIGURE",
     .align = Align::left,
     .identifying = true,
     .get = [](const CompareRow& r) { return txt(std::string(r.key), Tone::plain, r.label); }},
    {.key = "pro_rata",
     .header = "PRO-RATA",
     .identifying = true,
     .get = [](const CompareRow& r) { return r.pro_rata; }},
    {.key = "least_disruptive",
     .header = "LEAST-DISRUPTIVE",
     .identifying = true,
     .get = [](const CompareRow& r) { return r.least_disruptive; }},
};
const Columns<CompareRow> kCompareColumns{"overalloc report", "compare", kCompareList};

// A figure as the comparison shows it: a percentage as its text, every cell plain.
Value compared(Value v) {
  if (v.shown) v = txt(*v.shown);
  v.tone = Tone::plain;
  return v;
}

std::vector<CompareRow> compare_rows(const SummaryView& a, const SummaryView& b) {
  std::vector<CompareRow> rows;
  for (const auto& c : kSummaryColumns)
    if (!c.label.empty())
      rows.push_back({c.key, (c.part ? "  " : "") + std::string(c.label), compared(c.get(a)), compared(c.get(b))});
  return rows;
}

} // namespace

namespace cols {
void link_overalloc_brief_columns() {}
} // namespace cols

std::string render_overalloc_brief(const OverallocReport& r, const OverallocBrief& b, const RenderOptions& o) {
  const std::vector<LineRow> rows = phase_rows(b);
  if (o.format == Format::json) return json_document(kSummaryDoc, BriefView(r, b), o);
  if (o.format == Format::csv) return csv_of(kLineColumns, rows, o);
  if (o.format == Format::name) return names_of(kLineColumns, rows);
  if (r.clusters.empty()) return "No clusters match.\n";
  std::string out = wrap_prose(
      fmt::format("Buffer {}, cut {}.\n{}.\n", buffer_text(r), to_string(r.policy), brief_sentence(b)), o.style.width);
  out += '\n';
  const LineRow total{&b.total, b.total.assigned};
  out += table_of(kLineColumns, rows, o, &total);
  return out;
}

std::string render_overalloc_compare(const OverallocReport& pr, const OverallocBrief& prb, const OverallocReport& ld,
                                     const OverallocBrief& ldb, const RenderOptions& o) {
  if (o.format == Format::json)
    return json_document(kCompareDoc, CompareDoc{&pr, {BriefView(pr, prb), BriefView(ld, ldb)}}, o);
  const std::vector<CompareRow> rows =
      compare_rows(SummaryView{&pr.summary, {}, false, &prb}, SummaryView{&ld.summary, {}, false, &ldb});
  if (o.format == Format::csv) return csv_of(kCompareColumns, rows, o);
  if (o.format == Format::name) return names_of(kCompareColumns, rows);
  if (pr.clusters.empty()) return "No clusters match.\n";
  std::string out = wrap_prose(
      fmt::format("Buffer {}: the same cut split pro-rata and least-disruptive.\n", buffer_text(pr)), o.style.width);
  out += '\n';
  out += table_of(kCompareColumns, rows, o);
  return out;
}

} // namespace fleetcap
