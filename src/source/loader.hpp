// The source interface and the one concurrent loader every kind of source feeds. Private to
// src/source/.
//
// A source (the fleet API, a snapshot directory, Slurm, ...) turns what it reads into fleet API
// pages (SPEC §3.1: `{"api_version": "v1", "items": [...]}`) and hands each page to the loader,
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
#include "tasks.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetcap::source {

// What one resource's worker produced.
struct Outcome {
  std::vector<std::string> errors;   // SPEC §3.3 data errors
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
  Loader(const SourceOptions& options, Snapshot& snap, RawItems* raw, const Cancel* cancel = nullptr);

  const SourceOptions& options() const { return options_; }
  // The parent of the source's own Tasks.
  const Cancel* cancel() const { return cancel_; }
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
  std::array<Outcome, kResources.size()> outcomes_;
  std::optional<Linker> linker_;
  std::chrono::steady_clock::time_point started_;
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
// The first 200 bytes of a body for an error line, on one line.
std::string first_bytes(std::string_view body);
// A JSON media type (or none given).
bool json_content_type(std::string_view type);

} // namespace fleetcap::source
