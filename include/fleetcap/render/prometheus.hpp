// `--format prometheus`: the capacity, quota and overalloc report figures as Prometheus text
// exposition format 0.0.4 (for node_exporter's textfile collector). Metric and label names are
// documented in docs/prometheus.md; every value is a figure of the report given, unchanged.
#pragma once

#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/figures/overalloc.hpp"
#include "fleetcap/figures/quota.hpp"
#include "fleetcap/render/output.hpp"

#include <string>
#include <string_view>

namespace fleetcap {

std::string render_capacity_prometheus(const CapacityReport& report, const Snapshot& snap, const RenderOptions& o);
std::string render_quota_prometheus(const QuotaReport& report, const Snapshot& snap, const RenderOptions& o);
std::string render_overalloc_prometheus(const OverallocReport& report, const Snapshot& snap, const RenderOptions& o);

// A label value escaped for the exposition format: backslash, double quote and line feed.
std::string prometheus_label_value(std::string_view text);

} // namespace fleetcap
