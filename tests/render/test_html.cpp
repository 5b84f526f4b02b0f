// The HTML report (src/render/html.cpp): escaping, and a page with nothing selected.
#include "fleetcap/render/html.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

TEST_CASE("html_escape makes text safe in element content and in quoted attributes") {
  CHECK(html_escape("h100-uss-010") == "h100-uss-010");
  CHECK(html_escape(R"(a<b>&"c'd)") == "a&lt;b&gt;&amp;&quot;c&#39;d");
  CHECK(html_escape("") == "");
}

TEST_CASE("an empty selection still makes a whole page, with the JSON of each part") {
  Snapshot snap;
  CapacityReport cap;
  OverallocReport over;
  std::vector<OverallocReport> sweep;
  ImpactReport impact;
  HtmlReport page;
  page.capacity = &cap;
  page.overalloc = &over;
  page.sweep = &sweep;
  page.impact = &impact;
  RenderOptions o;
  o.source = "<dir>";
  const std::string html = render_html_report(page, snap, o);
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.ends_with("</html>\n"));
  CHECK(html.find("No cluster is selected.") != std::string::npos);
  CHECK(html.find("No buffer in the sweep.") != std::string::npos);
  CHECK(html.find("<dir>") == std::string::npos); // escaped
  for (const char* id :
       {"fleetcap-capacity", "fleetcap-overalloc-report", "fleetcap-overalloc-sweep", "fleetcap-maintenance-impact"})
    CHECK(html.find(std::string("<script type=\"application/json\" id=\"") + id + "\">") != std::string::npos);
}
