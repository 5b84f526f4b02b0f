// The columns several lists show, each declared once (docs/output.md): the cluster figures, a
// job's, a maintenance event's, a quota's and a node's own columns, the cluster a row belongs
// to, and the key of a --by group. A list takes one by its factory and says only what differs
// there: how soon it goes on a narrow terminal (Place) and, where the row holds the value its
// own way, its getter.
// Header, key, unit and meaning (the legend of --help) are the same words in every list.
// Private to the render layer; a cluster's own columns are in columns.hpp (cluster_column<R>()).
#pragma once

#include "columns.hpp"

namespace fleetcap::cols {

template <class R> using Getter = Value (*)(const R&);

// Where a shared column stands in one list (Column's fields of the same names).
struct Place {
  int drop = 5;
  bool identifying = false;
  bool wide = false;
  unsigned needs = 0;
  unsigned only_with = 0;
  In in = In::all;
  Total total = Total::none;
};
inline constexpr Place kIdentifying{.identifying = true};

// A shared column: what it is, the same in every list, and where it stands in this one.
template <class R> constexpr Column<R> shared_column(std::string_view key, std::string_view header, Unit unit,
                                                     std::string_view meaning, Align align, const Place& p,
                                                     Getter<R> get) {
  return {.key = key,
          .header = header,
          .unit = unit,
          .meaning = meaning,
          .align = align,
          .drop = p.drop,
          .identifying = p.identifying,
          .wide = p.wide,
          .total = p.total,
          .needs = p.needs,
          .only_with = p.only_with,
          .in = p.in,
          .get = get};
}
// A text column of names or words, left aligned.
template <class R> constexpr Column<R> text_column(std::string_view key, std::string_view header, Unit unit,
                                                   std::string_view meaning, const Place& p, Getter<R> get) {
  return shared_column<R>(key, header, unit, meaning, Align::left, p, get);
}
// A list column: item is what the table counts when narrow ("node": "3 nodes"), or nothing.
template <class R> constexpr Column<R> list_column(std::string_view key, std::string_view header,
                                                   std::string_view meaning, std::string_view item, const Place& p,
                                                   Getter<R> get) {
  Column<R> c = shared_column<R>(key, header, Unit::list, meaning, Align::left, p, get);
  c.item = item;
  return c;
}
// A number column, right aligned.
template <class R> constexpr Column<R> number_column(std::string_view key, std::string_view header, Unit unit,
                                                     std::string_view meaning, const Place& p, Getter<R> get) {
  return shared_column<R>(key, header, unit, meaning, Align::right, p, get);
}

// A figure that is a member of the row (a section of numbers: totals, counts).
template <auto M> Value member_num(const row_of_t<M>& r) { return num(r.*M); }

// ---- a cluster figure (docs/figures.md, "Cluster figures"): the same key, header and meaning in
// capacity, flex, overalloc, maintenance impact and quota --namespace

struct Figure {
  std::string_view key, header, meaning;
};
inline constexpr Figure kTotalFigure{"total", "TOTAL", meaning::kTotal};
inline constexpr Figure kHealthyFigure{"healthy", "HEALTHY", meaning::kHealthy};
inline constexpr Figure kAssignedFigure{"assigned", "ASSIGNED", meaning::kAssigned};
inline constexpr Figure kInquotaUsedFigure{"inquota_used", "INQ-USED", meaning::kInquotaUsed};
inline constexpr Figure kInquotaFreeFigure{"inquota_free", "INQ-FREE", meaning::kInquotaFree};
inline constexpr Figure kFlexUsedFigure{"flex_used", "FLEX-USED", meaning::kFlexUsed};
inline constexpr Figure kFlexFreeFigure{"flex_free", "FLEX-FREE", meaning::kFlexFree};
inline constexpr Figure kStableFigure{"flex_stable_free", "STABLE", meaning::kStable};
inline constexpr Figure kReclaimableFigure{"flex_reclaimable_free", "RECLAIMABLE", meaning::kReclaimable};
inline constexpr Figure kUnbackedFigure{"unbacked", "UNBACKED", meaning::kUnbacked};
inline constexpr Figure kHeadroomFigure{"headroom", "HEADROOM", meaning::kHeadroom};
inline constexpr Figure kBlockFigure{"largest_free_block", "BLOCK", meaning::kBlock};
inline constexpr Figure kStableUsedFigure{"flex_stable_used", "STABLE-USED", meaning::kStableUsed};
inline constexpr Figure kReservedFreeFigure{"reserved_free", "RESERVED", meaning::kReservedFree};

// label: its words in HTML legends; metric: its Prometheus family (capacity's list says both).
template <class R> constexpr Column<R> figure_column(const Figure& f, const Place& p, Getter<R> get,
                                                     std::string_view label = {}, std::string_view metric = {}) {
  Column<R> c = number_column<R>(f.key, f.header, Unit::gpus, f.meaning, p, get);
  c.label = label;
  c.metric = metric;
  return c;
}

// ---- the cluster a row belongs to (a job, a node, a quota, an event): "cluster", CLUSTER

template <class R> constexpr Column<R> cluster_of_column(const Place& p, Getter<R> get) {
  return text_column<R>("cluster", "CLUSTER", Unit::name, meaning::kCluster, p, get);
}

// ---- a job (docs/jobs.md); rows with `const Job& job() const`

template <class R> Value job_name(const R& r) { return txt(r.job().name); }
template <class R> Value job_namespace(const R& r) { return txt(r.job().ns); }
template <class R> Value job_quota(const R& r) { return txt(r.job().quota); }
template <class R> Value job_priority(const R& r) { return txt(to_string(r.job().priority)); }
template <class R> Value job_gpus(const R& r) { return num(r.job().gpus); }
template <class R> Value job_state(const R& r) { return txt(to_string(r.job().state)); }
template <class R> Value job_idle(const R& r) { return flag(r.job().idle); }

template <class R> constexpr Column<R> job_name_column() {
  return text_column<R>("name", "JOB", Unit::name, meaning::kJob, kIdentifying, job_name<R>);
}
template <class R> constexpr Column<R> job_namespace_column(const Place& p) {
  return text_column<R>("namespace", "NAMESPACE", Unit::name, meaning::kNamespace, p, job_namespace<R>);
}
template <class R> constexpr Column<R> job_quota_column(const Place& p, Getter<R> get = job_quota<R>) {
  return text_column<R>("quota", "QUOTA", Unit::name, meaning::kJobQuota, p, get);
}
template <class R> constexpr Column<R> job_priority_column(const Place& p) {
  return text_column<R>("priority", "PRIORITY", Unit::text, meaning::kPriority, p, job_priority<R>);
}
// GPUs a job holds or asks for (lists of running and pending jobs).
template <class R> constexpr Column<R> job_gpus_column(const Place& p) {
  return number_column<R>("gpus", "GPUS", Unit::gpus, meaning::kJobGpus, p, job_gpus<R>);
}
// GPUs a running job holds (lists of running jobs only).
template <class R> constexpr Column<R> held_gpus_column(const Place& p) {
  return number_column<R>("gpus", "GPUS", Unit::gpus, meaning::kHeldGpus, p, job_gpus<R>);
}
template <class R> constexpr Column<R> job_state_column(const Place& p, Getter<R> get = job_state<R>) {
  return text_column<R>("state", "STATE", Unit::text, meaning::kJobState, p, get);
}
template <class R> constexpr Column<R> job_nodes_column(const Place& p, Getter<R> get) {
  return list_column<R>("nodes", "NODES", meaning::kJobNodes, "node", p, get);
}
template <class R> constexpr Column<R> job_idle_column(const Place& p) {
  return text_column<R>("idle", "IDLE", Unit::flag, meaning::kIdle, p, job_idle<R>);
}
template <class R> constexpr Column<R> job_started_column(const Place& p, Getter<R> get) {
  return text_column<R>("started_at", "STARTED", Unit::time, meaning::kStarted, p, get);
}

// ---- a maintenance event (docs/maintenance.md); rows with `const MaintenanceEvent& event() const`

template <class R> Value event_id(const R& r) { return txt(r.event().id); }
template <class R> Value event_state(const R& r) { return txt(to_string(r.event().state)); }
template <class R> Value event_hard_start(const R& r) { return flag(r.event().hard_start); }
template <class R> Value event_kind(const R& r) { return txt(r.event().kind); }

template <class R> constexpr Column<R> event_id_column() {
  return text_column<R>("id", "ID", Unit::name, meaning::kEventId, kIdentifying, event_id<R>);
}
template <class R> constexpr Column<R> event_state_column(const Place& p) {
  return text_column<R>("state", "STATE", Unit::text, meaning::kEventState, p, event_state<R>);
}
template <class R> constexpr Column<R> event_start_column(const Place& p, Getter<R> get) {
  return text_column<R>("start", "START", Unit::time, meaning::kEventStart, p, get);
}
template <class R> constexpr Column<R> event_end_column(const Place& p, Getter<R> get) {
  return text_column<R>("end", "END", Unit::time, meaning::kEventEnd, p, get);
}
template <class R> constexpr Column<R> event_hard_start_column(const Place& p) {
  return text_column<R>("hard_start", "HARD", Unit::flag, meaning::kHardStart, p, event_hard_start<R>);
}
template <class R> constexpr Column<R> event_action_by_column(const Place& p, Getter<R> get) {
  return text_column<R>("action_by", "ACTION-BY", Unit::time, meaning::kActionBy, p, get);
}
template <class R> constexpr Column<R> event_nodes_column(const Place& p, Getter<R> get) {
  return list_column<R>("nodes", "NODES", meaning::kEventNodes, "node", p, get);
}
template <class R> constexpr Column<R> event_kind_column(const Place& p) {
  return text_column<R>("kind", "KIND", Unit::text, meaning::kEventKind, p, event_kind<R>);
}
template <class R> constexpr Column<R> event_reason_column(const Place& p, Getter<R> get) {
  return text_column<R>("reason", "REASON", Unit::text, meaning::kEventReason, p, get);
}

// ---- a quota (docs/quota.md)

template <class R> constexpr Column<R> quota_name_column(Getter<R> get, Total total = Total::none) {
  return text_column<R>("name", "QUOTA", Unit::name, meaning::kQuota, {.identifying = true, .total = total}, get);
}
template <class R> constexpr Column<R> quota_tree_column(const Place& p, Getter<R> get) {
  return text_column<R>("tree", "TREE", Unit::name, meaning::kTree, p, get);
}
template <class R>
constexpr Column<R> quota_assigned_column(const Place& p, Getter<R> get, std::string_view metric = {}) {
  Column<R> c = number_column<R>("assigned", "ASSIGNED", Unit::gpus, meaning::kQuotaAssigned, p, get);
  c.metric = metric;
  return c;
}
template <class R> constexpr Column<R> quota_used_column(const Place& p, Getter<R> get) {
  return number_column<R>("used", "USED", Unit::gpus, meaning::kQuotaUsed, p, get);
}
// item: what the table counts when narrow ("namespace": "3 namespaces"), or nothing.
template <class R> constexpr Column<R> quota_access_column(const Place& p, Getter<R> get, std::string_view item = {}) {
  return list_column<R>("access", "ACCESS", meaning::kAccess, item, p, get);
}
// The namespace's fair share of flex in the cluster (with --namespace).
template <class R> constexpr Column<R> fair_share_column(int drop, Getter<R> get) {
  return number_column<R>("fair_share", "FAIR-SHARE", Unit::gpus, meaning::kFairShare,
                          {.drop = drop, .only_with = kNamespace}, get);
}

// ---- a node (docs/nodes.md)

template <class R> constexpr Column<R> node_name_column(Getter<R> get, Total total = Total::none) {
  return text_column<R>("name", "NODE", Unit::name, meaning::kNode, {.identifying = true, .total = total}, get);
}
template <class R> constexpr Column<R> island_of_column(const Place& p, Getter<R> get) {
  return text_column<R>("island", "ISLAND", Unit::name, meaning::kIsland, p, get);
}
template <class R> constexpr Column<R> node_gpus_column(const Place& p, Getter<R> get) {
  return number_column<R>("gpus", "GPUS", Unit::gpus, meaning::kNodeGpus, p, get);
}
template <class R> constexpr Column<R> node_in_use_column(const Place& p, Getter<R> get) {
  return number_column<R>("gpus_used", "IN-USE", Unit::gpus, meaning::kNodeInUse, p, get);
}
template <class R> constexpr Column<R> next_event_column(Getter<R> get) {
  return text_column<R>("next_event", "NEXT-EVENT", Unit::text, meaning::kNextEvent, {.drop = 2}, get);
}

// ---- a --by group: its key under the grouping's name (JSON "key", CSV the grouping's name)

template <class R> constexpr Column<R> group_key_column(std::string_view header, std::string_view csv,
                                                        std::string_view meaning, Getter<R> get) {
  Column<R> c = text_column<R>("key", header, Unit::name, meaning, {.identifying = true, .total = Total::label}, get);
  c.csv = csv;
  return c;
}

// Two lists as one (a list's own columns, then columns it shares with another list).
template <class R, std::size_t N> struct ColumnArray { Column<R> columns[N]; };
template <class R, std::size_t N, std::size_t M>
constexpr ColumnArray<R, N + M> joined(const Column<R> (&a)[N], const Column<R> (&b)[M]) {
  ColumnArray<R, N + M> out{};
  for (std::size_t i = 0; i < N; ++i) out.columns[i] = a[i];
  for (std::size_t i = 0; i < M; ++i) out.columns[N + i] = b[i];
  return out;
}

// A --by grouping's list: the group's key, then what every grouping of the command shows.
template <class R, std::size_t M>
constexpr ColumnArray<R, M + 1> group_list(std::string_view header, std::string_view csv, std::string_view meaning,
                                           Getter<R> key, const Column<R> (&rest)[M]) {
  const Column<R> head[] = {group_key_column<R>(header, csv, meaning, key)};
  return joined(head, rest);
}

} // namespace fleetcap::cols
