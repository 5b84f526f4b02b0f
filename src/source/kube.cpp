// `--source kube[:CONTEXT]` (docs/kubernetes.md): nodes, pods, ResourceQuotas and Kueue objects
// fetched (kube_fetch.cpp), read (kube_read.cpp) and translated into fleet API items
// (kube_translate.cpp), which load.cpp parses and validates as it does the fleet API's.
#include "fleetcap/error.hpp"
#include "kube_internal.hpp"
#include "loader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fleetcap::kube {
namespace {

// Reads the cluster of `options.source` (every list fetched concurrently, paginated) and
// translates its objects. Throws RuntimeError (kubeconfig, auth, HTTP), DataError (objects
// that are not what Kubernetes serves), InterruptedError.
Items read_cluster(const SourceOptions& options, const source::Cancel* parent) {
  Fetched fetched = fetch_cluster(options, parent);
  const Access& access = fetched.access;
  Objects& o = fetched.objects;
  Translation t(options, access.context, o, options.now_or_clock());
  if (!o.kueue)
    t.warn(fmt::format("context \"{}\" has no Kueue (kueue.x-k8s.io answered 404): quota comes from ResourceQuotas",
                       access.context));
  if (o.kueue && !fetched.jobs_listed)
    t.warn(fmt::format("context \"{}\": batch/v1 jobs could not be listed (403 or 404): pods are matched to Kueue "
                       "Workloads by their direct owner only, so pods of a JobSet's (or any owner's) Jobs count as "
                       "flex (kubectl auth can-i list jobs.batch -A)",
                       access.context));
  t.run();
  t.out.source = "kube:" + access.context;
  t.out.auth = access.auth;
  t.out.version = fmt::format("Kubernetes {}, {}", fetched.version.empty() ? "?" : fetched.version,
                              fetched.kueue_api.empty() ? "no Kueue" : "Kueue " + fetched.kueue_api);
  return std::move(t.out);
}

} // namespace
} // namespace fleetcap::kube

namespace fleetcap::source {
namespace {

class KubeSource : public Source {
public:
  explicit KubeSource(const SourceOptions& options) : options_(options) {}
  void load(Loader& loader) override {
    kube::Items items = kube::read_cluster(options_, loader.cancel());
    loader.describe(items.version, items.auth);
    Snapshot& snap = loader.snapshot();
    snap.source = items.source;
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      if (!loader.wanted(kResources[i])) continue;
      std::string page = "{\"api_version\": \"v1\", \"items\": [\n";
      page += items.items[i];
      page += "\n], \"next_page_token\": null}";
      items.items[i].clear();
      items.items[i].shrink_to_fit();
      loader.parse_built_page(kResources[i], fmt::format("{} {}", items.source, to_string(kResources[i])), page);
    }
    loader.link_while_waiting();
    snap.warnings.insert(snap.warnings.end(), items.warnings.begin(), items.warnings.end());
  }

private:
  const SourceOptions& options_;
};

} // namespace

std::unique_ptr<Source> make_kube_source(const SourceOptions& options) { return std::make_unique<KubeSource>(options); }

// The config file's [kube.priority] table (docs/kubernetes.md): CLASS = the lowest priority
// value of that class, e.g. high = 1000. The thresholds must fall from critical to low, so
// every class named can be reached.
void configure_kube(KindConfig& c, SourceOptions& o) {
  auto& priority = o.kube_priority;
  const std::string table = c.subtable_name("priority");
  for (const auto& e : c.entries("priority")) {
    const std::optional<Priority> cls = priority_from(e.key);
    if (!cls)
      throw UsageError(fmt::format("{}: {} key \"{}\" is not one of critical, high, mid, low", e.where, table, e.key));
    if (!e.integer)
      throw UsageError(fmt::format("{}: {} {} = {} must be an integer (the lowest priority value of the class, e.g. "
                                   "{} = 1000)",
                                   e.where, table, e.key, e.shown, e.key));
    std::erase_if(priority, [&](const auto& p) { return p.first == *cls; });
    priority.emplace_back(*cls, *e.integer);
  }
  std::sort(priority.begin(), priority.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 1; i < priority.size(); ++i)
    if (priority[i].second >= priority[i - 1].second)
      throw UsageError(fmt::format("{}: {} {} = {} must be below {} = {} (a higher class needs a higher priority "
                                   "value)",
                                   c.where("priority"), table, to_string(priority[i].first), priority[i].second,
                                   to_string(priority[i - 1].first), priority[i - 1].second));
}

} // namespace fleetcap::source
