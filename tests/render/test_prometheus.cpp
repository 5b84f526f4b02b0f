// Prometheus text exposition (src/render/prometheus.cpp): label escaping and the shape of a family.
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/prometheus.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

TEST_CASE("prometheus label values escape backslash, double quote and line feed only") {
  CHECK(prometheus_label_value("h100-uss-010") == "h100-uss-010");
  CHECK(prometheus_label_value("a\\b\"c\nd{e}=f,") == "a\\\\b\\\"c\\nd{e}=f,");
  // Other control characters as tables show them, that text's backslash escaped (issue 26).
  CHECK(prometheus_label_value("x\x1b[2J\ry") == "x\\\\x1b[2J\\\\x0dy");
}

TEST_CASE("capacity with no cluster still names every family, with HELP and TYPE") {
  Snapshot snap;
  CapacityReport r;
  RenderOptions o;
  o.at = 1795176000;
  const std::string text = render_capacity_prometheus(r, snap, o);
  CHECK(text.starts_with("# HELP fleetcap_figures_at_timestamp_seconds "));
  CHECK(text.find("fleetcap_figures_at_timestamp_seconds{command=\"capacity\"} 1795176000\n") != std::string::npos);
  // Each family is a column of capacity's list (render/capacity.cpp): the twelve figures.
  std::size_t families = 0;
  for (const auto& list : column_registry())
    if (list.command == "capacity" && list.table == "clusters")
      for (const auto& c : list.columns) {
        if (c.metric.empty()) continue;
        ++families;
        const std::string name = "fleetcap_capacity_" + std::string(c.metric);
        CHECK(text.find("# HELP " + name + " ") != std::string::npos);
        CHECK(text.find("# TYPE " + name + " gauge\n") != std::string::npos);
      }
  CHECK(families == 12);
}
