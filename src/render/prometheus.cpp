// Prometheus text exposition (version 0.0.4) of the capacity, quota and overalloc report
// figures (prometheus.hpp; names in docs/prometheus.md). Formatting only: each sample's value
// is one figure of the report, as its JSON gives it. The families themselves are columns of
// each command's lists (render/capacity.cpp, quota.cpp, overalloc.cpp).
#include "fleetcap/render/prometheus.hpp"

#include "fleetcap/text.hpp"
#include "prometheus_out.hpp"

#include <fmt/format.h>

#include <iterator>

namespace fleetcap {

std::string prometheus_label_value(std::string_view raw) {
  // Control characters other than the line break (which the format escapes as \n) are shown as
  // tables show them (\x1b: fleetcap/text.hpp), and that text's backslash escaped in turn.
  std::string text;
  for (std::size_t at = 0; at <= raw.size();) {
    const std::size_t nl = std::min(raw.find('\n', at), raw.size());
    text += escape_control(raw.substr(at, nl - at));
    if (nl < raw.size()) text += '\n';
    at = nl + 1;
  }
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace cols {

Family::Family(std::string& out, std::string_view name, std::string_view help) : out_(out), name_(name) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

void Family::sample(const Labels& labels, std::string_view value) {
  out_ += name_;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      fmt::format_to(std::back_inserter(out_), "{}{}=\"{}\"", first ? "" : ",", k, prometheus_label_value(v));
      first = false;
    }
    out_ += '}';
  }
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void at_metric(std::string& out, std::string_view command, const RenderOptions& o) {
  Family f(out, "fleetcap_figures_at_timestamp_seconds",
           "Time the figures are computed at (--at, else the snapshot's taken_at), in Unix seconds.");
  f.sample({{"command", command}}, fmt::format("{}", o.at));
}

Labels cluster_labels(const Cluster& c) {
  return {{"cluster", c.name},
          {"region", c.region},
          {"sku", c.sku},
          {"provider", c.provider},
          {"state", to_string(c.state)}};
}

std::string metric_value(const Value& v, Unit unit) {
  if (unit != Unit::bp) return fmt::format("{}", v.number);
  std::string s = fmt::format("{}.{:04}", v.number / kWholeBp, v.number % kWholeBp);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

} // namespace cols
} // namespace fleetcap
