// The source interface and the one concurrent loader every kind of source feeds. Private to
// src/source/.
//
// A source (the fleet API, a snapshot directory, Slurm, ...) turns what it reads into fleet API
// pages (docs/fleet-api.md: `{"api_version": "v1", "items": [...]}`) and hands each page to the loader,
// which parses it with the same parse_page every source uses, keeps its items text for
// `snapshot save`, links resources as they become ready and gathers errors and warnings. So model,
// figures and render never learn where a fleet came from.
//
// Adding a kind of source: a class implementing Source in its own file, and one row in the table
// of kinds (kinds.cpp) that recognises its --source.
#pragma once

#include "fleetcap/error.hpp"
#include "fleetcap/interrupt.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/model/validate.hpp"
#include "fleetcap/source/config.hpp"
#include "fleetcap/source/source.hpp"
#include "http.hpp"
#include "tasks.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace fleetcap::source {

// What one resource's worker produced.
struct Outcome {
  std::vector<std::string> errors;   // docs/fleet-api.md data errors
  std::optional<std::string> failed; // an I/O or HTTP failure: the whole run fails with it
  bool interrupted = false;
  bool stopped = false; // cancelled because another resource failed: not reported itself
  bool json_ok = true;
  std::optional<std::string> warning;
};

class Loader {
public:
  // `cancel`: the Cancel of the run this load is a task of (the sources of a fleet load
  // together, tasks.hpp); null when it runs alone.
  Loader(const SourceOptions& options, Snapshot& snap, RawItems* raw, const Cancel* cancel = nullptr,
         SourceStatus* status = nullptr);

  const SourceOptions& options() const { return options_; }
  // The parent of the source's own Tasks.
  const Cancel* cancel() const { return cancel_; }
  // What `fleetcap sources` shows of the source (SourceStatus): the version of the API or
  // scheduler it read, and how fleetcap authenticated (never the secret). Either may be empty.
  void describe(std::string version, std::string auth) {
    if (!status_) return;
    if (!version.empty()) status_->version = std::move(version);
    if (!auth.empty()) status_->auth = std::move(auth);
  }
  Snapshot& snapshot() { return snap_; }
  // Resources this run reads (SourceOptions::only).
  bool wanted(Resource r) const;
  // Each resource's outcome and raw items are written only by the thread that works on it.
  Outcome& outcome(Resource r) { return outcomes_[static_cast<std::size_t>(r)]; }
  std::vector<std::string>* raw(Resource r) { return raw_ ? &(*raw_)[static_cast<std::size_t>(r)] : nullptr; }

  // From the thread that filled `r`, after its last write to the snapshot: times it and lets
  // linking stages that waited for it run.
  void done(Resource r);
  // Runs read(cancel), which fills `r`, as a task of `tasks`: whatever happens, `r` is reported
  // done (a failure marks its outcome, so linking neither waits for it nor uses it), and an
  // exception goes on to `tasks`. Skipped when the run is cancelled before it starts.
  void spawn(Tasks& tasks, Resource r, std::function<void(Cancel&)> read);
  // Parses one whole page of `r` that a source built (an adapter's translation), keeps its items
  // text when saving, and reports `r` done. `label` names where the items came from in errors.
  void parse_built_page(Resource r, std::string_view label, std::string& page);
  // On the calling thread: links resources as they are reported, until every stage ran or none can.
  void link_while_waiting();
  // After every worker ended: throws InterruptedError, the first failure (RuntimeError), or every
  // data error (DataError); else adds the warnings to the snapshot.
  void finish();

private:
  const SourceOptions& options_;
  Snapshot& snap_;
  RawItems* raw_;
  const Cancel* cancel_;
  SourceStatus* status_;
  std::array<Outcome, kResources.size()> outcomes_;
  std::optional<Linker> linker_;
  std::chrono::steady_clock::time_point started_;
};

// The page tokens of one paged list (the fleet API's next_page_token, Kubernetes' metadata.continue).
// A token seen before means the pages would never end: a proxy that drops the query string makes
// the server answer the first page again, with the same token, for ever. And --max-pages bounds
// a server whose tokens never repeat. Both end the list at once with a RuntimeError.
class PageTokens {
public:
  // `kind`: the token's name in messages ("next_page_token", "continue token"); `list`: the
  // list's ("jobs", "pods").
  PageTokens(std::string kind, std::string list, std::int64_t max_pages)
      : kind_(std::move(kind)), list_(std::move(list)), max_pages_(max_pages) {}
  // Before each request for `shown_url` (userinfo removed).
  void before_page(std::string_view shown_url);
  // After each page: true when `token` asks for another page.
  bool more(const std::string& token, std::string_view shown_url);
  // Whether another page may be asked for without passing the limit (one fetched ahead).
  bool below_limit() const { return pages_ < max_pages_; }
  // The list starts over (a Kubernetes 410 Gone): its tokens are new.
  void restart() {
    seen_.clear();
    pages_ = 0;
  }

private:
  std::string kind_, list_;
  std::int64_t max_pages_, pages_ = 0;
  std::unordered_set<std::string> seen_;
};

// One kind of source.
class Source {
public:
  virtual ~Source() = default;
  // Reads every wanted resource into loader.snapshot() through the loader (see above). Runs its
  // own workers, calls loader.link_while_waiting() while they work, and joins them; failures go
  // into the outcomes (or are thrown before any worker starts).
  virtual void load(Loader& loader) = 0;
};

// Each kind's functions for its row in the table of kinds (kinds.cpp, fleetcap/source/kinds.hpp).
std::unique_ptr<Source> make_fleet_api_source(const SourceOptions& options); // fleet_api.cpp
std::unique_ptr<Source> make_directory_source(const SourceOptions& options); // directory.cpp
std::unique_ptr<Source> make_slurm_source(const SourceOptions& options);     // slurm.cpp
std::unique_ptr<Source> make_slurm_cli_source(const SourceOptions& options); // slurm_cli.cpp
void configure_slurm(KindConfig& config, SourceOptions& options);            // slurm_config.cpp
void configure_slurm_commands(KindConfig& config, SourceOptions& options);   // slurm_config.cpp
std::unique_ptr<Source> make_kube_source(const SourceOptions& options);      // kube.cpp
void configure_kube(KindConfig& config, SourceOptions& options);             // kube.cpp

// Helpers the sources share.
// A JSON media type (or none given).
bool json_content_type(std::string_view type);
// A successful answer must be JSON (or name no type): else RuntimeError naming its Content-Type
// and quoting its start, exit 1 (a login page or a proxy's error page is a server problem, not
// invalid data). Every adapter checks its answers with this.
void require_json(const http::Response& resp, std::string_view shown_url);

} // namespace fleetcap::source
