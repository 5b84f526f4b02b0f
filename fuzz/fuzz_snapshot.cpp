// libFuzzer target over everything fleetcap does with a snapshot it did not write: the page
// reader (docs/fleet-api.md envelopes, docs/fleet-api.md items), the cross-item rules, the docs/figures.md figures and
// the three renderers. Build and run with scripts/fuzz; see docs/reliability.md.
//
// Input: up to seven documents separated by the line "--" ("\n--\n" cannot occur inside JSON,
// where a raw newline is not allowed in a string and "--" is not a token). Document i is the
// page of resource i (clusters, nodes, quotas, jobs, maintenance, health_history), the seventh is
// snapshot.json. One document alone is read as a page of the resource its length picks, so a
// single mutated page reaches every item reader.
#include "fleetcap/error.hpp"
#include "fleetcap/figures/capacity.hpp"
#include "fleetcap/figures/fleet.hpp"
#include "fleetcap/figures/select.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/render/capacity.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::vector<std::string> split(std::string_view input) {
  constexpr std::string_view kSeparator = "\n--\n";
  std::vector<std::string> docs;
  for (;;) {
    const auto at = input.find(kSeparator);
    docs.emplace_back(input.substr(0, at));
    if (at == std::string_view::npos || docs.size() == 7) break;
    input.remove_prefix(at + kSeparator.size());
  }
  return docs;
}

// As load_snapshot does: parse every page, link when every page was JSON, figures only when the
// snapshot is valid.
void run(std::vector<std::string> docs) {
  using namespace fleetcap;
  Snapshot snap;
  std::vector<std::string> errors;
  bool json_ok = true;
  const std::size_t single = docs.size() == 1 ? docs[0].size() % kResources.size() : kResources.size();
  for (std::size_t i = 0; i < kResources.size(); ++i) {
    if (docs.size() == 1 ? i != single : i >= docs.size()) continue; // a resource the input does not have
    const std::string& doc = docs.size() == 1 ? docs[0] : docs[i];
    std::string copy = doc; // parse_page pads its argument
    const PageResult page = parse_page(kResources[i], "fuzz", copy, snap, errors);
    json_ok = json_ok && page.json_ok;
    if (page.json_ok && errors.empty()) {
      std::string again = doc;
      (void)items_text("fuzz", again);
    }
  }
  if (docs.size() == 7) {
    try {
      snap.taken_at = parse_snapshot_meta("fuzz", docs[6]).taken_at;
    } catch (const DataError&) {}
  }
  for (const auto& e : errors) (void)describe_offset(e, e.size() / 2);
  if (!json_ok) return;
  link(snap, errors);
  if (!errors.empty()) return;

  const Time at = snap.taken_at.value_or(1'795'176'000); // 2026-11-20T12:00:00Z
  const FleetAt fleet = evaluate(snap, at);
  Selection all;
  all.all_states = true;
  // Every format once, and the grouped figures once (the number of nodes picks the grouping, so each
  // is reached without tripling the work of every run).
  const GroupBy by = std::array{GroupBy::region, GroupBy::sku, GroupBy::provider}[snap.nodes.size() % 3];
  const CapacityReport report = capacity(snap, fleet, all, GroupBy::none);
  const CapacityReport grouped = capacity(snap, fleet, all, by);
  for (Format f : {Format::table, Format::json, Format::csv}) {
    RenderOptions o;
    o.format = f;
    o.at = at;
    o.style.width = 80;
    (void)render_capacity(report, snap, o);
  }
  RenderOptions o;
  o.style.width = 60;
  (void)render_capacity(grouped, snap, o);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    run(split(std::string_view(reinterpret_cast<const char*>(data), size)));
  } catch (const fleetcap::Error&) {
    // A reported error is the right answer to bad input; anything else escaping is a finding.
  }
  return 0;
}
