// `fleetcap overalloc` renderers. Each row kind has one column list that serves the table
// (header), JSON (key) and CSV (key); percentages exist only here, at render time.
#include "fleetcap/render/overalloc.hpp"

#include "fleetcap/render/table.hpp"
#include "json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>

namespace fleetcap {

std::string format_bp(BasisPoints bp) {
  const BasisPoints whole = bp / 100, frac = bp % 100;
  if (frac == 0) return fmt::format("{}%", whole);
  if (frac % 10 == 0) return fmt::format("{}.{}%", whole, frac / 10);
  return fmt::format("{}.{:02}%", whole, frac);
}

std::string format_share(Gpus part, Gpus whole) {
  if (whole <= 0) return "-";
  const Gpus tenths = (part * 2000 + whole) / (2 * whole); // per mille, rounded half up
  if (tenths % 10 == 0) return fmt::format("{}%", tenths / 10);
  return fmt::format("{}.{}%", tenths / 10, tenths % 10);
}

std::string summary_sentence(const OverallocSummary& s) {
  return fmt::format("{} of {} clusters are over their target ({}); {} of {} assigned GPUs would be cut ({}): "
                     "{} from unscheduled quota, {} from idle jobs, {} from running jobs ({} {} preempted)",
                     s.clusters_over_target, s.clusters, format_share(static_cast<Gpus>(s.clusters_over_target),
                                                                      static_cast<Gpus>(s.clusters)),
                     s.cut, s.assigned, format_share(s.cut, s.assigned), s.from.unscheduled, s.from.idle,
                     s.from.running, s.jobs_preempted, s.jobs_preempted == 1 ? "job" : "jobs");
}

namespace {

using json_out::JsonWriter;

// One cell: a number (maybe shown differently in the table), a text, a yes/no (true or false
// in every format; a boolean in JSON), or nothing.
struct Value {
  enum class Kind { number, text, flag, null };
  Kind kind = Kind::null;
  Gpus number = 0;
  std::string text; // the text, or the table's rendering of a number (empty: the digits)
  Tone tone = Tone::plain;
};
Value num(Gpus n, Tone tone = Tone::plain, std::string shown = {}) {
  return Value{Value::Kind::number, n, std::move(shown), tone};
}
Value num(std::size_t n) { return num(static_cast<Gpus>(n)); }
Value txt(std::string s, Tone tone = Tone::plain) { return Value{Value::Kind::text, 0, std::move(s), tone}; }
Value txt(std::string_view s, Tone tone = Tone::plain) { return txt(std::string(s), tone); }
Value txt(const char* s, Tone tone = Tone::plain) { return txt(std::string(s), tone); }
Value flag(bool b) { return Value{Value::Kind::flag, b, b ? "true" : "false"}; }
Value none() { return Value{}; }
Value time_or_none(bool present, Time t) { return present ? txt(format_rfc3339(t)) : none(); }

template <class Row> struct Column {
  std::string_view key;    // JSON key and CSV header; empty: the table only
  std::string_view header; // table header; empty: not in the table
  Align align = Align::right;
  int drop = 0;             // narrow terminals drop the highest ranks first
  bool wide = false;        // in the table only with --wide
  bool history = false;     // in the table only when some cluster has history
  Value (*get)(const Row&) = nullptr;
};

struct TableWhen {
  bool wide = false, history = false;
};

std::string cell_text(const Value& v) {
  switch (v.kind) {
  case Value::Kind::number: return v.text.empty() ? fmt::format("{}", v.number) : v.text;
  case Value::Kind::text:
  case Value::Kind::flag: return v.text;
  case Value::Kind::null: break;
  }
  return "-";
}

template <class Row>
std::string table_of(std::span<const Column<Row>> cols, const std::vector<Row>& rows, TableWhen when,
                     const Style& style, const std::vector<TableCell>* total = nullptr) {
  std::vector<const Column<Row>*> shown;
  std::vector<TableColumn> tcols;
  for (const auto& c : cols) {
    if (c.header.empty() || (c.wide && !when.wide) || (c.history && !when.history)) continue;
    shown.push_back(&c);
    tcols.push_back({std::string(c.header), c.align, c.drop});
  }
  Table t(tcols);
  for (const auto& row : rows) {
    std::vector<TableCell> cells;
    for (auto* c : shown) {
      const Value v = c->get(row);
      cells.emplace_back(cell_text(v), v.tone);
    }
    t.add_row(std::move(cells));
  }
  if (total) {
    // `total` holds one cell per column of the full list; keep the shown ones.
    std::vector<TableCell> cells;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const auto& c = cols[i];
      if (c.header.empty() || (c.wide && !when.wide) || (c.history && !when.history)) continue;
      cells.push_back(i < total->size() ? (*total)[i] : TableCell{});
    }
    t.set_total(std::move(cells));
  }
  return t.render(style);
}

template <class Row> void json_of(JsonWriter& w, std::span<const Column<Row>> cols, const Row& row) {
  w.begin_object();
  for (const auto& c : cols) {
    if (c.key.empty()) continue;
    const Value v = c.get(row);
    w.key(c.key);
    switch (v.kind) {
    case Value::Kind::number: w.value(v.number); break;
    case Value::Kind::text: w.value(v.text); break;
    case Value::Kind::flag: w.value(v.number != 0); break;
    case Value::Kind::null: w.value(nullptr); break;
    }
  }
  w.end_object();
}

template <class Row>
void json_list(JsonWriter& w, std::string_view key, std::span<const Column<Row>> cols, const std::vector<Row>& rows) {
  w.key(key).begin_array();
  for (const auto& row : rows) json_of<Row>(w, cols, row);
  w.end_array();
}

template <class Row> std::string csv_of(std::span<const Column<Row>> cols, const std::vector<Row>& rows) {
  std::string out;
  bool first = true;
  for (const auto& c : cols) {
    if (c.key.empty()) continue;
    out += fmt::format("{}{}", first ? "" : ",", c.key);
    first = false;
  }
  out += '\n';
  for (const auto& row : rows) {
    first = true;
    for (const auto& c : cols) {
      if (c.key.empty()) continue;
      const Value v = c.get(row);
      if (!first) out += ',';
      first = false;
      if (v.kind == Value::Kind::number)
        out += fmt::format("{}", v.number);
      else if (v.kind == Value::Kind::text || v.kind == Value::Kind::flag)
        out += csv_field(v.text);
    }
    out += '\n';
  }
  return out;
}

// --sort: a column by JSON key or header; numbers largest first, text A to Z, ties keep
// the report's order. Table-only columns (CUT%) are not sort keys: sort by cut instead.
template <class Row> const Column<Row>* find_column(std::span<const Column<Row>> cols, std::string_view name) {
  for (const auto& c : cols)
    if (!c.key.empty() && (same_column_name(c.key, name) || (!c.header.empty() && same_column_name(c.header, name))))
      return &c;
  return nullptr;
}

template <class Row> void sort_rows(std::span<const Column<Row>> cols, std::vector<Row>& rows, std::string_view name) {
  const Column<Row>* c = name.empty() ? nullptr : find_column(cols, name);
  if (!c) return;
  std::stable_sort(rows.begin(), rows.end(), [c](const Row& a, const Row& b) {
    const Value x = c->get(a), y = c->get(b);
    if (x.kind != y.kind) return x.kind < y.kind; // numbers, text, yes/no, then nothing
    if (x.kind == Value::Kind::number) return x.number > y.number;
    return x.text < y.text;
  });
}

Tone phase_tone(int phase) { return phase == 4 ? Tone::bad : phase == 3 ? Tone::warn : Tone::plain; }
Tone cut_tone(Gpus cut) { return cut > 0 ? Tone::warn : Tone::plain; }

// ---- rows -------------------------------------------------------------------------------

struct ClusterRow {
  const Snapshot* snap;
  const OverallocCluster* c;
};
struct QuotaRow {
  const Snapshot* snap;
  const OverallocQuota* q;
};
struct TreeRow {
  const Snapshot* snap;
  const OverallocTree* t;
};
struct JobRow {
  const Snapshot* snap;
  const OverallocQuota* q;
  std::uint32_t job;
};
struct SweepRow {
  const OverallocReport* r;
};
struct PlanRow {
  const Snapshot* snap;
  const OverallocQuota* q;
  int up_to; // 0 = every phase
  bool applied() const { return up_to == 0 || q->phase <= up_to; }
  // The quota's gpus after the plan: cut when its phase is applied, as it is otherwise.
  Gpus gpus() const { return applied() ? q->assigned - q->cut : q->assigned; }
};

const Column<ClusterRow> kClusterColumns[] = {
    {"name", "CLUSTER", Align::left, 0, false, false, [](const ClusterRow& r) { return txt(r.snap->clusters[r.c->cluster].name); }},
    {"region", "REGION", Align::left, 20, true, false, [](const ClusterRow& r) { return txt(r.snap->clusters[r.c->cluster].region); }},
    {"sku", "SKU", Align::left, 21, true, false, [](const ClusterRow& r) { return txt(r.snap->clusters[r.c->cluster].sku); }},
    {"healthy", "HEALTHY", Align::right, 0, false, false, [](const ClusterRow& r) { return num(r.c->healthy); }},
    {"reference", "REFERENCE", Align::right, 0, false, true, [](const ClusterRow& r) { return num(r.c->reference); }},
    {"reference_source", "", Align::left, 0, false, false,
     [](const ClusterRow& r) { return txt(r.c->history.samples > 0 ? "history" : "healthy"); }},
    {"history_samples", "SAMPLES", Align::right, 6, false, true,
     [](const ClusterRow& r) { return num(r.c->history.samples, r.c->history.samples < 7 ? Tone::warn : Tone::plain); }},
    {"history_first", "", Align::left, 0, false, false,
     [](const ClusterRow& r) { return time_or_none(r.c->history.samples > 0, r.c->history.first); }},
    {"history_last", "", Align::left, 0, false, false,
     [](const ClusterRow& r) { return time_or_none(r.c->history.samples > 0, r.c->history.last); }},
    {"history_median", "", Align::right, 0, false, false,
     [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.median) : none(); }},
    {"history_p10", "P10", Align::right, 22, true, true,
     [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.p10) : none(); }},
    {"history_min", "MIN", Align::right, 23, true, true,
     [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.min) : none(); }},
    {"history_max", "MAX", Align::right, 24, true, true,
     [](const ClusterRow& r) { return r.c->history.samples > 0 ? num(r.c->history.max) : none(); }},
    {"buffer_bp", "BUFFER", Align::right, 0, false, false,
     [](const ClusterRow& r) { return num(r.c->buffer_bp, Tone::plain, format_bp(r.c->buffer_bp)); }},
    {"buffer_source", "", Align::left, 0, false, false, [](const ClusterRow& r) { return txt(std::string(to_string(r.c->buffer_source))); }},
    {"buffer_gpus", "BUF-GPUS", Align::right, 7, true, false, [](const ClusterRow& r) { return num(r.c->buffer_gpus); }},
    {"target", "TARGET", Align::right, 0, false, false, [](const ClusterRow& r) { return num(r.c->target); }},
    {"assigned", "ASSIGNED", Align::right, 0, false, false, [](const ClusterRow& r) { return num(r.c->assigned); }},
    {"cut", "CUT", Align::right, 0, false, false, [](const ClusterRow& r) { return num(r.c->cut, cut_tone(r.c->cut)); }},
    {"", "CUT%", Align::right, 2, false, false, [](const ClusterRow& r) { return txt(format_share(r.c->cut, r.c->assigned)); }},
    {"cut_from_unscheduled", "UNSCHED", Align::right, 8, true, false, [](const ClusterRow& r) { return num(r.c->from.unscheduled); }},
    {"cut_from_idle", "IDLE", Align::right, 9, true, false, [](const ClusterRow& r) { return num(r.c->from.idle); }},
    {"cut_from_running", "RUNNING", Align::right, 10, true, false, [](const ClusterRow& r) { return num(r.c->from.running); }},
    {"phase", "PHASE", Align::right, 0, false, false, [](const ClusterRow& r) { return num(r.c->phase, phase_tone(r.c->phase)); }},
    {"quotas_affected", "QUOTAS", Align::right, 5, false, false, [](const ClusterRow& r) { return num(r.c->quotas_affected); }},
    {"jobs_preempted", "JOBS", Align::right, 4, false, false, [](const ClusterRow& r) { return num(r.c->jobs_preempted); }},
    {"gpus_preempted", "PREEMPTED", Align::right, 3, false, false, [](const ClusterRow& r) { return num(r.c->gpus_preempted); }},
};

const Column<QuotaRow> kQuotaColumns[] = {
    {"name", "QUOTA", Align::left, 0, false, false, [](const QuotaRow& r) { return txt(r.snap->quotas[r.q->quota].name); }},
    {"tree", "TREE", Align::left, 20, true, false,
     [](const QuotaRow& r) { return txt(r.snap->quotas[r.snap->quotas[r.q->quota].tree_index].name); }},
    {"cluster", "CLUSTER", Align::left, 0, false, false, [](const QuotaRow& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {"assigned", "ASSIGNED", Align::right, 0, false, false, [](const QuotaRow& r) { return num(r.q->assigned); }},
    {"used", "USED", Align::right, 21, true, false, [](const QuotaRow& r) { return num(r.q->used); }},
    {"free", "FREE", Align::right, 0, false, false, [](const QuotaRow& r) { return num(r.q->free); }},
    {"idle", "IDLE", Align::right, 0, false, false, [](const QuotaRow& r) { return num(r.q->idle); }},
    {"cut", "CUT", Align::right, 0, false, false, [](const QuotaRow& r) { return num(r.q->cut, cut_tone(r.q->cut)); }},
    {"", "CUT%", Align::right, 3, false, false, [](const QuotaRow& r) { return txt(format_share(r.q->cut, r.q->assigned)); }},
    {"new_gpus", "NEW", Align::right, 2, false, false, [](const QuotaRow& r) { return num(r.q->assigned - r.q->cut); }},
    {"cut_from_unscheduled", "UNSCHED", Align::right, 8, true, false, [](const QuotaRow& r) { return num(r.q->from.unscheduled); }},
    {"cut_from_idle", "FROM-IDLE", Align::right, 9, true, false, [](const QuotaRow& r) { return num(r.q->from.idle); }},
    {"cut_from_running", "RUNNING", Align::right, 10, true, false, [](const QuotaRow& r) { return num(r.q->from.running); }},
    {"phase", "PHASE", Align::right, 0, false, false, [](const QuotaRow& r) { return num(r.q->phase, phase_tone(r.q->phase)); }},
    {"jobs_preempted", "JOBS", Align::right, 4, false, false, [](const QuotaRow& r) { return num(r.q->preempted.size()); }},
    {"gpus_preempted", "PREEMPTED", Align::right, 4, false, false, [](const QuotaRow& r) { return num(r.q->gpus_preempted); }},
};

const Column<TreeRow> kTreeColumns[] = {
    {"name", "TREE", Align::left, 0, false, false, [](const TreeRow& r) { return txt(r.snap->quotas[r.t->tree].name); }},
    {"clusters", "CLUSTERS", Align::right, 6, false, false, [](const TreeRow& r) { return num(r.t->clusters); }},
    {"quotas", "QUOTAS", Align::right, 7, false, false, [](const TreeRow& r) { return num(r.t->quotas); }},
    {"quotas_affected", "AFFECTED", Align::right, 5, false, false, [](const TreeRow& r) { return num(r.t->quotas_affected); }},
    {"assigned", "ASSIGNED", Align::right, 0, false, false, [](const TreeRow& r) { return num(r.t->assigned); }},
    {"free", "FREE", Align::right, 0, false, false, [](const TreeRow& r) { return num(r.t->free); }},
    {"idle", "IDLE", Align::right, 0, false, false, [](const TreeRow& r) { return num(r.t->idle); }},
    {"cut", "CUT", Align::right, 0, false, false, [](const TreeRow& r) { return num(r.t->cut, cut_tone(r.t->cut)); }},
    {"", "CUT%", Align::right, 2, false, false, [](const TreeRow& r) { return txt(format_share(r.t->cut, r.t->assigned)); }},
    {"cut_from_unscheduled", "UNSCHED", Align::right, 8, true, false, [](const TreeRow& r) { return num(r.t->from.unscheduled); }},
    {"cut_from_idle", "FROM-IDLE", Align::right, 9, true, false, [](const TreeRow& r) { return num(r.t->from.idle); }},
    {"cut_from_running", "RUNNING", Align::right, 10, true, false, [](const TreeRow& r) { return num(r.t->from.running); }},
    {"phase", "PHASE", Align::right, 0, false, false, [](const TreeRow& r) { return num(r.t->phase, phase_tone(r.t->phase)); }},
    {"jobs_preempted", "JOBS", Align::right, 4, false, false, [](const TreeRow& r) { return num(r.t->jobs_preempted); }},
    {"gpus_preempted", "PREEMPTED", Align::right, 3, false, false, [](const TreeRow& r) { return num(r.t->gpus_preempted); }},
};

const Column<JobRow> kJobColumns[] = {
    {"name", "JOB", Align::left, 0, false, false, [](const JobRow& r) { return txt(r.snap->jobs[r.job].name); }},
    {"namespace", "NAMESPACE", Align::left, 3, false, false, [](const JobRow& r) { return txt(r.snap->jobs[r.job].ns); }},
    {"quota", "QUOTA", Align::left, 0, false, false, [](const JobRow& r) { return txt(r.snap->jobs[r.job].quota); }},
    {"cluster", "CLUSTER", Align::left, 2, false, false, [](const JobRow& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {"priority", "PRIORITY", Align::left, 0, false, false,
     [](const JobRow& r) { return txt(std::string(to_string(r.snap->jobs[r.job].priority))); }},
    {"gpus", "GPUS", Align::right, 0, false, false, [](const JobRow& r) { return num(r.snap->jobs[r.job].gpus); }},
    {"started_at", "STARTED", Align::left, 1, false, false, [](const JobRow& r) {
       const Job& j = r.snap->jobs[r.job];
       return time_or_none(j.started_at.has_value(), j.started_at.value_or(0));
     }},
};

const Column<SweepRow> kSweepColumns[] = {
    {"buffer_bp", "BUFFER", Align::right, 0, false, false,
     [](const SweepRow& r) { return num(r.r->buffer.bp, Tone::plain, format_bp(r.r->buffer.bp)); }},
    {"clusters", "CLUSTERS", Align::right, 9, false, false, [](const SweepRow& r) { return num(r.r->summary.clusters); }},
    {"clusters_over_target", "OVER", Align::right, 0, false, false,
     [](const SweepRow& r) { return num(r.r->summary.clusters_over_target); }},
    {"", "OVER%", Align::right, 6, false, false, [](const SweepRow& r) {
       return txt(format_share(static_cast<Gpus>(r.r->summary.clusters_over_target), static_cast<Gpus>(r.r->summary.clusters)));
     }},
    {"assigned", "ASSIGNED", Align::right, 8, false, false, [](const SweepRow& r) { return num(r.r->summary.assigned); }},
    {"cut", "CUT", Align::right, 0, false, false, [](const SweepRow& r) { return num(r.r->summary.cut, cut_tone(r.r->summary.cut)); }},
    {"", "CUT%", Align::right, 0, false, false,
     [](const SweepRow& r) { return txt(format_share(r.r->summary.cut, r.r->summary.assigned)); }},
    {"cut_from_unscheduled", "UNSCHED", Align::right, 0, false, false,
     [](const SweepRow& r) { return num(r.r->summary.from.unscheduled); }},
    {"cut_from_idle", "IDLE", Align::right, 0, false, false, [](const SweepRow& r) { return num(r.r->summary.from.idle); }},
    {"cut_from_running", "RUNNING", Align::right, 0, false, false, [](const SweepRow& r) { return num(r.r->summary.from.running); }},
    {"cut_phase_2", "PHASE2", Align::right, 5, false, false, [](const SweepRow& r) { return num(r.r->summary.cut_by_phase[2]); }},
    {"cut_phase_3", "PHASE3", Align::right, 5, false, false, [](const SweepRow& r) { return num(r.r->summary.cut_by_phase[3]); }},
    {"cut_phase_4", "PHASE4", Align::right, 5, false, false, [](const SweepRow& r) { return num(r.r->summary.cut_by_phase[4]); }},
    {"quotas_affected", "QUOTAS", Align::right, 4, false, false, [](const SweepRow& r) { return num(r.r->summary.quotas_affected); }},
    {"jobs_preempted", "JOBS", Align::right, 0, false, false, [](const SweepRow& r) { return num(r.r->summary.jobs_preempted); }},
    {"gpus_preempted", "PREEMPTED", Align::right, 3, false, false, [](const SweepRow& r) { return num(r.r->summary.gpus_preempted); }},
};

const Column<PlanRow> kPlanColumns[] = {
    {"name", "QUOTA", Align::left, 0, false, false, [](const PlanRow& r) { return txt(r.snap->quotas[r.q->quota].name); }},
    {"tree", "", Align::left, 0, false, false,
     [](const PlanRow& r) { return txt(r.snap->quotas[r.snap->quotas[r.q->quota].tree_index].name); }},
    {"cluster", "CLUSTER", Align::left, 0, false, false, [](const PlanRow& r) { return txt(r.snap->clusters[r.q->cluster].name); }},
    {"old_gpus", "OLD", Align::right, 0, false, false, [](const PlanRow& r) { return num(r.q->assigned); }},
    {"gpus", "GPUS", Align::right, 0, false, false, [](const PlanRow& r) {
       return num(r.gpus(), r.applied() ? cut_tone(r.q->cut) : Tone::plain);
     }},
    {"cut", "CUT", Align::right, 0, false, false, [](const PlanRow& r) { return num(r.applied() ? r.q->cut : 0); }},
    {"phase", "PHASE", Align::right, 0, false, false, [](const PlanRow& r) { return num(r.q->phase, phase_tone(r.q->phase)); }},
    {"final_gpus", "FINAL", Align::right, 1, false, false, [](const PlanRow& r) { return num(r.q->assigned - r.q->cut); }},
    {"deferred", "", Align::left, 0, false, false, [](const PlanRow& r) { return flag(!r.applied()); }},
};

// ---- shared pieces ----------------------------------------------------------------------

// The summary's fields, into the object being written.
void summary_fields(JsonWriter& w, const OverallocSummary& s) {
  w.field("clusters", s.clusters);
  w.field("clusters_over_target", s.clusters_over_target);
  w.field("assigned", s.assigned);
  w.field("cut", s.cut);
  w.field("cut_from_unscheduled", s.from.unscheduled);
  w.field("cut_from_idle", s.from.idle);
  w.field("cut_from_running", s.from.running);
  w.key("cut_by_phase").begin_object();
  w.field("2", s.cut_by_phase[2]).field("3", s.cut_by_phase[3]).field("4", s.cut_by_phase[4]);
  w.end_object();
  w.field("quotas_affected", s.quotas_affected);
  w.field("jobs_preempted", s.jobs_preempted);
  w.field("gpus_preempted", s.gpus_preempted);
}

// --buffer-for as an object. The last value given for a cluster wins (figures/overalloc.cpp);
// it is written where the cluster was first named.
void per_cluster_json(JsonWriter& w, const std::vector<std::pair<std::string, BasisPoints>>& per) {
  w.begin_object();
  for (auto it = per.begin(); it != per.end(); ++it) {
    const auto named = [&](const auto& p) { return p.first == it->first; };
    if (std::any_of(per.begin(), it, named)) continue;
    w.field(it->first, std::find_if(per.rbegin(), per.rend(), named)->second);
  }
  w.end_object();
}

void buffer_json(JsonWriter& w, const BufferChoice& b) {
  const auto when = [](bool present, BasisPoints bp) { return present ? std::optional(bp) : std::nullopt; };
  w.begin_object();
  w.field("mode", b.automatic ? "auto" : "fixed");
  w.field("bp", when(!b.automatic, b.bp));
  w.field("auto_min_bp", when(b.automatic, b.auto_min));
  w.field("auto_max_bp", when(b.automatic, b.auto_max));
  w.key("per_cluster");
  per_cluster_json(w, b.per_cluster);
  w.end_object();
}

void history_json(JsonWriter& w, const OverallocReport& r, const HistorySourceInfo& h) {
  std::size_t samples = 0, with = 0;
  for (const auto& c : r.clusters) {
    samples += c.history.samples;
    with += c.history.samples > 0;
  }
  w.begin_object();
  w.field("source", h.kind);
  w.field("dir", h.dir.empty() ? std::nullopt : std::optional(h.dir));
  w.field("snapshots", h.kind == "snapshots" ? std::optional(h.snapshots) : std::nullopt);
  w.field("window", format_duration(r.window.length));
  w.field("window_seconds", r.window.length);
  w.field("from", format_rfc3339(r.window.from));
  w.field("to", format_rfc3339(r.window.to));
  w.field("samples", samples);
  w.field("clusters_with_history", with);
  w.end_object();
}

// The fields report and plan start with, after the envelope.
void policy_fields(JsonWriter& w, const OverallocReport& r, int phase, const HistorySourceInfo& h) {
  w.field("cut_policy", to_string(r.policy));
  w.key("buffer");
  buffer_json(w, r.buffer);
  w.field("phase", phase ? std::optional(phase) : std::nullopt);
  w.key("history");
  history_json(w, r, h);
}

bool any_history(const OverallocReport& r) {
  return std::any_of(r.clusters.begin(), r.clusters.end(), [](const auto& c) { return c.history.samples > 0; });
}

std::string day_of(Time t) { return format_rfc3339(t).substr(0, 10); }

// The two lines above the tables: what R is, which buffer, which policy.
std::string preamble(const OverallocReport& r, const HistorySourceInfo& h, bool show_buffer) {
  const std::string from =
      h.kind == "snapshots" ? fmt::format("{} snapshots in {}", h.snapshots, h.dir) : "health_history";
  std::string out;
  if (!any_history(r)) {
    out += fmt::format("Reference: healthy GPUs now ({} has no samples in the {} up to {}).\n",
                       h.kind == "snapshots" ? "--history " + h.dir : std::string("health_history"),
                       format_duration(r.window.length), format_rfc3339(r.window.to));
  } else {
    std::size_t lo = SIZE_MAX, hi = 0;
    Time first = 0, last = 0;
    bool seen = false;
    std::vector<std::string> without;
    for (const auto& c : r.clusters) {
      if (c.history.samples == 0) continue;
      lo = std::min(lo, c.history.samples);
      hi = std::max(hi, c.history.samples);
      first = seen ? std::min(first, c.history.first) : c.history.first;
      last = seen ? std::max(last, c.history.last) : c.history.last;
      seen = true;
    }
    std::size_t missing = 0;
    for (const auto& c : r.clusters) missing += c.history.samples == 0;
    out += fmt::format("Reference: median healthy GPUs of {} {} per cluster from {}, {} to {} (window {} up to {}){}.\n",
                       lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi), hi == 1 ? "sample" : "samples",
                       from, day_of(first), day_of(last), format_duration(r.window.length), format_rfc3339(r.window.to),
                       missing ? fmt::format("; {} {} without samples use healthy GPUs now", missing,
                                             missing == 1 ? "cluster" : "clusters")
                               : "");
  }
  if (show_buffer) {
    const BufferChoice& b = r.buffer;
    std::string buffer = b.automatic ? fmt::format("auto {}..{} from each cluster's dips (median - p10) / median",
                                                   format_bp(b.auto_min), format_bp(b.auto_max))
                                     : format_bp(b.bp);
    for (const auto& [name, bp] : b.per_cluster) buffer += fmt::format(", {} {}", name, format_bp(bp));
    out += fmt::format("Buffer: {}. Cut: {}.\n", buffer, to_string(r.policy));
  } else {
    out += fmt::format("Cut: {}.\n", to_string(r.policy));
  }
  return out;
}

bool in_phase(int phase, int wanted) { return wanted == 0 || phase == wanted; }

// A cluster belongs to phase N when one of its quotas' cuts does (phase 1: no cut at all).
bool cluster_in_phase(const OverallocReport& r, const OverallocCluster& c, int wanted) {
  if (wanted == 0) return true;
  if (wanted == 1) return c.cut == 0;
  for (std::size_t i = c.first_quota; i < c.first_quota + c.quota_count; ++i)
    if (r.quotas[i].cut > 0 && r.quotas[i].phase == wanted) return true;
  return false;
}

} // namespace

bool overalloc_sort_key_valid(std::string_view name) {
  return find_column<ClusterRow>(kClusterColumns, name) || find_column<QuotaRow>(kQuotaColumns, name) ||
         find_column<TreeRow>(kTreeColumns, name) || find_column<JobRow>(kJobColumns, name);
}

std::string render_overalloc_report(const OverallocReport& r, const Snapshot& snap, const OverallocView& v,
                                    const RenderOptions& o) {
  std::vector<ClusterRow> clusters;
  for (const auto& c : r.clusters)
    if (cluster_in_phase(r, c, v.phase)) clusters.push_back({&snap, &c});
  std::vector<QuotaRow> quotas;
  std::vector<JobRow> jobs;
  for (const auto& q : r.quotas) {
    if (q.cut == 0 || !in_phase(q.phase, v.phase)) continue;
    quotas.push_back({&snap, &q});
    for (auto j : q.preempted) jobs.push_back({&snap, &q, j});
  }
  // Like a cluster, a tree is in phase N when one of its quotas' cuts is (phase 1: no cut).
  std::vector<std::uint8_t> tree_in_phase(snap.quotas.size(), 0);
  for (const auto& q : r.quotas)
    if (q.cut > 0 && q.phase == v.phase) tree_in_phase[snap.quotas[q.quota].tree_index] = 1;
  const std::vector<OverallocTree> tree_list = overalloc_trees(r, snap);
  std::vector<TreeRow> trees;
  for (const auto& t : tree_list)
    if (v.phase == 0 || tree_in_phase[t.tree] || (v.phase == 1 && t.cut == 0)) trees.push_back({&snap, &t});

  sort_rows<ClusterRow>(kClusterColumns, clusters, o.sort);
  sort_rows<QuotaRow>(kQuotaColumns, quotas, o.sort);
  sort_rows<TreeRow>(kTreeColumns, trees, o.sort);
  sort_rows<JobRow>(kJobColumns, jobs, o.sort);

  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.report", o);
    policy_fields(w, r, v.phase, v.history);
    json_list<ClusterRow>(w, "clusters", kClusterColumns, clusters);
    json_list<QuotaRow>(w, "quotas", kQuotaColumns, quotas);
    json_list<TreeRow>(w, "trees", kTreeColumns, trees);
    json_list<JobRow>(w, "preempted_jobs", kJobColumns, jobs);
    w.key("summary").begin_object();
    summary_fields(w, r.summary);
    w.field("text", summary_sentence(r.summary));
    w.end_object();
    return w.end_object().finish();
  }
  if (o.format == Format::csv) {
    if (v.jobs) return csv_of<JobRow>(kJobColumns, jobs);
    switch (v.by) {
    case OverallocBy::quota: return csv_of<QuotaRow>(kQuotaColumns, quotas);
    case OverallocBy::tree: return csv_of<TreeRow>(kTreeColumns, trees);
    case OverallocBy::cluster:
    case OverallocBy::all: break;
    }
    return csv_of<ClusterRow>(kClusterColumns, clusters);
  }

  if (r.clusters.empty()) return "No clusters match.\n";
  const TableWhen when{v.wide, any_history(r)};
  std::string out = preamble(r, v.history, true);
  if (v.phase) out += fmt::format("Showing rollout phase {} only; the summary covers every phase.\n", v.phase);
  out += '\n';
  if (v.by == OverallocBy::all || v.by == OverallocBy::cluster) {
    if (clusters.empty()) {
      out += fmt::format("No cluster is in phase {}.\n", v.phase);
    } else {
      // TOTAL: sums where they make sense, one cell per column of kClusterColumns.
      Gpus healthy = 0, reference = 0, target = 0, assigned = 0, cut = 0, buf = 0, un = 0, idle = 0, run = 0, pre = 0;
      std::size_t affected = 0, njobs = 0;
      for (const auto& row : clusters) {
        const auto& c = *row.c;
        healthy += c.healthy, reference += c.reference, target += c.target, assigned += c.assigned, cut += c.cut;
        buf += c.buffer_gpus, un += c.from.unscheduled, idle += c.from.idle, run += c.from.running;
        pre += c.gpus_preempted, affected += c.quotas_affected, njobs += c.jobs_preempted;
      }
      std::vector<TableCell> total(std::size(kClusterColumns));
      for (std::size_t i = 0; i < std::size(kClusterColumns); ++i) {
        const std::string_view h = kClusterColumns[i].header;
        auto put = [&](auto value) { total[i] = TableCell(fmt::format("{}", value)); };
        if (h == "CLUSTER") total[i] = TableCell("TOTAL");
        else if (h == "HEALTHY") put(healthy);
        else if (h == "REFERENCE") put(reference);
        else if (h == "BUF-GPUS") put(buf);
        else if (h == "TARGET") put(target);
        else if (h == "ASSIGNED") put(assigned);
        else if (h == "CUT") put(cut);
        else if (h == "CUT%") total[i] = TableCell(format_share(cut, assigned));
        else if (h == "UNSCHED") put(un);
        else if (h == "IDLE") put(idle);
        else if (h == "RUNNING") put(run);
        else if (h == "QUOTAS") put(affected);
        else if (h == "JOBS") put(njobs);
        else if (h == "PREEMPTED") put(pre);
      }
      out += table_of<ClusterRow>(kClusterColumns, clusters, when, o.style, &total);
    }
  }
  if (v.by == OverallocBy::all || v.by == OverallocBy::quota) {
    if (v.by == OverallocBy::all) out += '\n';
    out += quotas.empty() ? std::string("No quota would be cut.\n")
                          : table_of<QuotaRow>(kQuotaColumns, quotas, when, o.style);
  }
  if (v.by == OverallocBy::tree)
    out += trees.empty() ? std::string("No tree would be cut.\n") : table_of<TreeRow>(kTreeColumns, trees, when, o.style);
  if (v.jobs) {
    out += '\n';
    out += jobs.empty() ? std::string("No job would be preempted.\n") : table_of<JobRow>(kJobColumns, jobs, when, o.style);
  }
  const OverallocSummary& s = r.summary;
  out += '\n';
  out += summary_sentence(s) + ".\n";
  out += fmt::format("By rollout phase: 2 (unscheduled quota only) {}, 3 (up to idle jobs) {}, 4 (preempting) {} GPUs; "
                     "{} {} preempted with {} GPUs.\n",
                     s.cut_by_phase[2], s.cut_by_phase[3], s.cut_by_phase[4], s.jobs_preempted,
                     s.jobs_preempted == 1 ? "job" : "jobs", s.gpus_preempted);
  return out;
}

std::string render_overalloc_sweep(const std::vector<OverallocReport>& reports, const HistorySourceInfo& history,
                                   const RenderOptions& o) {
  std::vector<SweepRow> rows;
  for (const auto& r : reports) rows.push_back({&r});
  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.sweep", o);
    if (!reports.empty()) {
      w.field("cut_policy", to_string(reports.front().policy));
      w.key("buffer_for");
      per_cluster_json(w, reports.front().buffer.per_cluster);
      w.key("history");
      history_json(w, reports.front(), history);
    }
    w.key("buffers").begin_array();
    for (const auto& r : reports) {
      w.begin_object();
      w.field("buffer_bp", r.buffer.bp);
      summary_fields(w, r.summary);
      w.end_object();
    }
    w.end_array();
    return w.end_object().finish();
  }
  // CSV flattens cut_by_phase into cut_phase_2..4; JSON nests it as the report's summary does.
  if (o.format == Format::csv) return csv_of<SweepRow>(kSweepColumns, rows);
  if (reports.empty() || reports.front().clusters.empty()) return "No clusters match.\n";
  std::string out = preamble(reports.front(), history, false);
  if (!reports.front().buffer.per_cluster.empty()) {
    std::string pinned;
    for (const auto& [name, bp] : reports.front().buffer.per_cluster)
      pinned += fmt::format("{}{} {}", pinned.empty() ? "" : ", ", name, format_bp(bp));
    out += fmt::format("Pinned by --buffer-for: {}.\n", pinned);
  }
  out += '\n';
  out += table_of<SweepRow>(kSweepColumns, rows, TableWhen{true, false}, o.style);
  return out;
}

std::string render_overalloc_plan(const OverallocReport& r, const Snapshot& snap, int phase,
                                  const HistorySourceInfo& history, const RenderOptions& o) {
  std::vector<PlanRow> rows;
  for (const auto& q : r.quotas) rows.push_back({&snap, &q, phase});
  if (o.format == Format::json) {
    JsonWriter w;
    json_out::begin_document(w, "overalloc.plan", o);
    policy_fields(w, r, phase, history);
    json_list<PlanRow>(w, "quotas", kPlanColumns, rows);
    Gpus old_total = 0, new_total = 0;
    for (const auto& row : rows) {
      old_total += row.q->assigned;
      new_total += row.gpus();
    }
    w.key("totals").begin_object();
    w.field("old_gpus", old_total).field("gpus", new_total).field("cut", old_total - new_total);
    w.end_object();
    return w.end_object().finish();
  }
  if (o.format == Format::csv) return csv_of<PlanRow>(kPlanColumns, rows);
  if (r.clusters.empty()) return "No clusters match.\n";
  std::string out = preamble(r, history, true);
  if (phase) out += fmt::format("Applying corrections up to phase {}; later ones keep their gpus (FINAL shows them).\n", phase);
  out += '\n';
  out += table_of<PlanRow>(kPlanColumns, rows, TableWhen{true, any_history(r)}, o.style);
  return out;
}

} // namespace fleetcap
