// Loading: one source into one snapshot (load_snapshot), or several at once into one fleet
// (load_fleet, docs/sources.md). Each source feeds the one loader (loader.hpp).
#include "fleetcap/error.hpp"
#include "fleetcap/model/merge.hpp"
#include "fleetcap/source/kinds.hpp"
#include "fleetcap/source/source.hpp"
#include "loader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <new>

namespace fleetcap {
namespace {

SourceStatus status_of(const std::string& name, const SourceOptions& o) {
  SourceStatus s;
  s.name = name;
  s.kind = std::string(source_kind(o.source).name);
  s.source = display_source(o.source);
  return s;
}

// One source, as load_snapshot() reads it; `status` gets its times, version and auth.
Snapshot load_one(const SourceOptions& o, RawItems* raw, const source::Cancel* cancel, SourceStatus& status) {
  Snapshot snap;
  snap.source = display_source(o.source);
  status.fetched_at = wall_clock_now();
  const auto started = std::chrono::steady_clock::now();
  auto src = source_kind(o.source).make(o);
  source::Loader loader(o, snap, raw, cancel, &status);
  src->load(loader);
  loader.finish();
  status.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  status.taken_at = snap.taken_at.value_or(status.fetched_at);
  status.source = snap.source; // an adapter may name it better (kube:CONTEXT, the context resolved)
  for (auto& c : snap.clusters) {
    if (!o.region.empty()) c.region = o.region;
    if (!o.provider.empty()) c.provider = o.provider;
  }
  if (snap.sources.empty()) snap.sources.push_back(status); // a saved fleet keeps its own (directory.cpp)
  return snap;
}

// The first error line of a failed source, for its "error" and the --partial warning.
std::string first_line(const Error& e) {
  if (const auto* d = dynamic_cast<const DataError*>(&e); d && !d->messages().empty()) {
    const std::size_t more = d->messages().size() - 1;
    return more ? fmt::format("{} (and {} more)", d->messages().front(), more) : d->messages().front();
  }
  return e.what();
}

// An error of source `name`, led by its name; `fail` rethrows it so.
[[noreturn]] void fail_named(const std::string& name, const Error& e) {
  if (const auto* d = dynamic_cast<const DataError*>(&e)) {
    std::vector<std::string> lines;
    for (const auto& m : d->messages()) lines.push_back(fmt::format("source {}: {}", name, m));
    throw DataError(std::move(lines));
  }
  if (dynamic_cast<const UsageError*>(&e)) throw UsageError(fmt::format("source {}: {}", name, e.what()));
  throw RuntimeError(fmt::format("source {}: {}", name, e.what()));
}

// Rewrites a source's items text with the names the fleet gives them (FleetNames).
void rename_items(Resource r, std::string& text, const FleetNames& names, std::size_t part) {
  nlohmann::ordered_json items = nlohmann::ordered_json::parse("[" + text + "]");
  auto rename = [&](nlohmann::ordered_json& item, const char* key, FleetNames::Kind kind) {
    auto it = item.find(key);
    if (it == item.end()) return;
    if (it->is_string()) {
      if (auto n = names.renamed(part, kind, it->get_ref<const std::string&>())) *it = *n;
    } else if (it->is_array()) {
      for (auto& e : *it)
        if (e.is_string())
          if (auto n = names.renamed(part, kind, e.get_ref<const std::string&>())) e = *n;
    }
  };
  // A quota's or job's caps (docs/design.md, "What schedulers enforce"): each a name, or a
  // {name, gpus, cluster} definition whose cluster follows too.
  auto rename_caps = [&](nlohmann::ordered_json& item) {
    auto it = item.find("caps");
    if (it == item.end() || !it->is_array()) return;
    for (auto& c : *it) {
      nlohmann::ordered_json* name = c.is_object() ? (c.contains("name") ? &c["name"] : nullptr) : &c;
      if (name && name->is_string())
        if (auto n = names.renamed(part, FleetNames::cap, name->get_ref<const std::string&>())) *name = *n;
      if (c.is_object()) rename(c, "cluster", FleetNames::cluster);
    }
  };
  for (auto& item : items) {
    if (!item.is_object()) continue;
    if (r == Resource::quotas || r == Resource::jobs) rename_caps(item);
    switch (r) {
    case Resource::clusters: rename(item, "name", FleetNames::cluster); break;
    case Resource::nodes:
      rename(item, "name", FleetNames::node);
      rename(item, "cluster", FleetNames::cluster);
      break;
    case Resource::quotas:
      rename(item, "name", FleetNames::quota);
      rename(item, "parent", FleetNames::quota);
      rename(item, "cluster", FleetNames::cluster);
      break;
    case Resource::jobs:
      rename(item, "name", FleetNames::job);
      if (item.value("quota", "") != "flex") rename(item, "quota", FleetNames::quota);
      rename(item, "cluster", FleetNames::cluster);
      rename(item, "nodes", FleetNames::node);
      break;
    case Resource::maintenance:
      rename(item, "id", FleetNames::event);
      rename(item, "cluster", FleetNames::cluster);
      rename(item, "nodes", FleetNames::node);
      break;
    case Resource::health_history: rename(item, "cluster", FleetNames::cluster); break;
    }
  }
  text.clear();
  for (const auto& item : items) {
    if (!text.empty()) text += ",\n";
    text += item.dump();
  }
}

// Each source read at once; `parts[i]` is left empty for a source that failed (with `partial`).
void load_parts(const std::vector<FleetSource>& sources, OnFailure on_failure, std::vector<RawItems>* raws,
                std::vector<Snapshot>& parts, std::vector<SourceStatus>& statuses) {
  source::Tasks tasks;
  for (std::size_t i = 0; i < sources.size(); ++i)
    tasks.spawn([&, i](source::Cancel& cancel) {
      SourceStatus& st = statuses[i];
      try {
        parts[i] = load_one(sources[i].options, raws ? &(*raws)[i] : nullptr, &cancel, st);
      } catch (const source::Cancelled&) {
        st.ok = false;
        st.error = "cancelled";
        throw;
      } catch (const InterruptedError&) {
        throw;
      } catch (const UsageError& e) {
        fail_named(st.name, e);
      } catch (const Error& e) {
        st.ok = false;
        st.error = first_line(e);
        if (on_failure == OnFailure::stop) fail_named(st.name, e);
      } catch (const std::bad_alloc&) {
        throw;
      } catch (const std::exception& e) {
        st.ok = false;
        st.error = e.what();
        if (on_failure == OnFailure::stop) fail_named(st.name, RuntimeError(e.what()));
      }
    });
  tasks.join();
}

} // namespace

Snapshot load_snapshot(const SourceOptions& o, RawItems* raw) {
  SourceStatus status = status_of(short_source_name(o.source), o);
  return load_one(o, raw, nullptr, status);
}

Snapshot load_fleet(const std::vector<FleetSource>& sources, OnFailure on_failure, RawItems* raw) {
  if (sources.size() == 1 && on_failure != OnFailure::list) {
    SourceStatus status = status_of(sources.front().name, sources.front().options);
    Snapshot snap = load_one(sources.front().options, raw, nullptr, status);
    if (snap.sources.size() == 1) snap.sources.front().name = sources.front().name;
    return snap;
  }
  std::vector<Snapshot> parts(sources.size());
  std::vector<SourceStatus> statuses;
  for (const auto& s : sources) statuses.push_back(status_of(s.name, s.options));
  std::vector<RawItems> raws(raw ? sources.size() : 0);
  load_parts(sources, on_failure, raw ? &raws : nullptr, parts, statuses);

  // The sources that answered, as one fleet.
  std::vector<Snapshot> ok;
  std::vector<std::string> names;
  std::vector<std::uint32_t> source_of;
  std::vector<std::string> failures;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!statuses[i].ok) {
      failures.push_back(fmt::format("{}: {}", statuses[i].name, statuses[i].error));
      continue;
    }
    ok.push_back(std::move(parts[i]));
    names.push_back(statuses[i].name);
    source_of.push_back(static_cast<std::uint32_t>(i));
  }
  if (ok.empty()) {
    if (on_failure != OnFailure::list)
      throw RuntimeError(fmt::format("every source failed: {}", fmt::join(failures, "; ")));
    Snapshot none;
    for (const auto& st : statuses) none.source += (none.source.empty() ? "" : ", ") + st.name;
    none.sources = std::move(statuses);
    return none;
  }
  std::optional<Time> taken_at;
  bool all_saved = true;
  for (const auto& p : ok) {
    all_saved = all_saved && p.taken_at;
    if (p.taken_at && (!taken_at || *p.taken_at > *taken_at)) taken_at = p.taken_at;
  }
  const FleetNames fleet_names(ok, names);
  if (raw)
    for (std::size_t k = 0; k < ok.size(); ++k)
      for (std::size_t r = 0; r < kResources.size(); ++r)
        for (auto& page : raws[source_of[k]][r]) {
          if (fleet_names.renames(k)) rename_items(kResources[r], page, fleet_names, k);
          (*raw)[r].push_back(std::move(page));
        }
  Snapshot snap = merge_fleet(ok, fleet_names, source_of);
  snap.sources = std::move(statuses);
  snap.source = fmt::format("{}", fmt::join(names, ", "));
  // Now is the clock's when any source is live; when every one is a saved snapshot, the latest.
  if (all_saved) snap.taken_at = taken_at;
  return snap;
}

} // namespace fleetcap
