// Where a snapshot comes from: the fleet API over HTTP(S) or a saved directory (docs/fleet-api.md).
// The only layer that does network or file input; libcurl stays inside src/source/.
#pragma once

#include "fleetcap/model/model.hpp"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fleetcap {

// How a Slurm cluster's objects become fleet items (docs/slurm.md): the
// --slurm-* options and the config file's [slurm], [slurm.priority] and [slurm.quota-sku].
struct SlurmOptions {
  std::optional<std::string> jwt;     // SLURM_JWT (else SourceOptions::token); never printed
  std::string user;                   // X-SLURM-USER-NAME: --slurm-user, $SLURM_USER, else the login name
  std::string quota = "associations"; // associations | qos | none
  std::string island_feature_prefix;  // e.g. "ib-": the node feature naming its island
  std::string island_map;             // file of "HOSTLIST ISLAND" lines
  // QOS whose jobs are reclaimable flex whatever Slurm's preemption rules say; empty: the rules
  // decide (docs/slurm.md).
  std::vector<std::string> flex_qos;
  std::string preempt_type; // [slurm] preempt-type: preempt/none|qos|partition_prio; empty: unknown
  std::string preempt_mode; // [slurm] preempt-mode: slurm.conf's PreemptMode; empty: unknown
  std::string cluster;      // the Slurm cluster's name when slurmrestd does not say it
  std::string region, provider;
  bool borrowing = false;                                     // accounts of one tree may borrow (quota groups kept)
  bool hard_start = true;                                     // maintenance reservations cannot move
  std::vector<std::pair<std::string, std::string>> priority;  // QOS -> critical|high|mid|low
  std::vector<std::pair<std::string, std::string>> quota_sku; // account or QOS -> GPU type
};

struct SourceOptions {
  std::string source;                // http(s) base URL, snapshot directory, or slurm+http(s)|unix URL
  std::vector<std::string> clusters; // ?cluster= filter hints
  std::optional<std::string> token;  // bearer token; never printed
  std::string token_from;            // where it came from ("--token-file", "FLEETCAP_TOKEN"), for `fleetcap sources`
  std::string cacert;                // extra CA bundle
  // TLS from a kubeconfig (src/source/kube.cpp); empty or false when not given.
  std::string ca_pem;                // trust these CAs (PEM) instead of the system's
  std::string client_cert_pem;       // client certificate (PEM), with its key:
  std::string client_key_pem;        // never printed
  bool insecure_skip_verify = false; // kubeconfig insecure-skip-tls-verify
  // Kubernetes (`--source kube[:CONTEXT]`, docs/kubernetes.md).
  std::string kubeconfig;   // --kubeconfig FILE; empty: KUBECONFIG, ~/.kube/config, service account
  std::string island_label; // --island-label KEY
  // The config file's [kube.priority]: each class named and the lowest priority value that
  // gets it, highest class first; empty: every job is mid.
  std::vector<std::pair<Priority, std::int64_t>> kube_priority;
  double maintenance_hours = 4; // --maintenance-duration
  double connect_timeout = 10;  // seconds
  double timeout = 60;          // seconds, per request
  std::int64_t max_response_mb = 2048;
  std::int64_t max_pages = 10000;              // per resource; a server whose pages never end fails
  int retry_base_ms = 250;                     // first backoff step; doubles per retry
  bool allow_insecure_token = false;           // send the token over plain http to a non-loopback host
  std::function<void(const std::string&)> log; // --verbose lines; nullptr = quiet
  // A warning known before any request (a kubeconfig's insecure-skip-tls-verify), said at once so
  // that a run that fails still shows it. From the calling thread, before any worker starts.
  std::function<void(const std::string&)> warn = [](const std::string&) {};
  // Empty: every resource, validated and linked. Otherwise only these, parsed and checked item
  // by item but not linked (for `__load`, which times one resource alone).
  std::vector<Resource> only;
  // Called from the loader's threads as each resource is fetched (or read) and parsed, with
  // the milliseconds since load_snapshot started (for `__load`'s timings); may be empty.
  std::function<void(Resource, double)> on_parsed;
  SlurmOptions slurm;
  // The ssh command for slurm+ssh:// (FLEETCAP_SSH_COMMAND, config ssh-command): a shell command
  // line run with ssh's arguments appended, as git runs GIT_SSH_COMMAND; empty: `ssh`.
  std::string ssh_command;
  // The time the figures are for (--at), when given as a time: an adapter derives states that
  // depend on it (a reservation in progress or coming) from it, else from the clock.
  std::optional<Time> now;
  Time now_or_clock() const { return now ? *now : wall_clock_now(); }
  // Set by an adapter for its own requests, not by the command line: header lines added to each
  // request (may hold a secret, like the token), and a unix socket to connect through.
  std::vector<std::string> headers;
  std::string unix_socket;
  // Called from the loader's threads after each page fetched over HTTP, with the resource's
  // pages and bytes so far (for progress on a terminal); may be empty.
  std::function<void(Resource, std::int64_t pages, std::uint64_t bytes)> progress;
  // A [sources.NAME] table's region and provider (docs/sources.md): every cluster of the source
  // gets them; empty: as the source says.
  std::string region, provider;
  // `fleetcap sources`: also ask what costs a request of its own (Kubernetes' /version).
  bool describe = false;
};

// One source of a fleet, as the command line resolved it (docs/sources.md).
struct FleetSource {
  std::string name; // the config file's [sources.NAME], or a short name (short_source_name)
  SourceOptions options;
};

// Each resource's items as saved verbatim: the text inside "items": [ ... ] of every page.
using RawItems = std::array<std::vector<std::string>, kResources.size()>;

// Fetches (concurrently) or reads all resources, parses and validates them. Throws
// RuntimeError for I/O and HTTP failures, DataError with every violation for bad data,
// InterruptedError after request_interrupt(). With `raw`, keeps each page's items text.
// snap.sources has the one source read (a saved fleet's: the sources it was saved from).
Snapshot load_snapshot(const SourceOptions& options, RawItems* raw = nullptr);

// What a failed source does to load_fleet().
enum class OnFailure {
  stop,    // fails the run, naming the source, and cancels the others
  partial, // --partial: recorded (ok false, its error); the others answer, unless none did
  list,    // `fleetcap sources`: recorded, whatever failed, one source alone too
};

// Reads every source of a fleet at once (one task each, src/source/tasks.hpp), each as
// load_snapshot() does, and makes them one fleet (fleetcap/model/merge.hpp); snap.sources has
// one entry per source, in order. A failure is the source's RuntimeError or DataError, each line
// led by "source NAME: " (one source alone: as load_snapshot() throws it); a UsageError always
// ends the run. With `raw`, each source's items text, renamed as the fleet names them, for
// snapshot save.
Snapshot load_fleet(const std::vector<FleetSource>& sources, OnFailure on_failure, RawItems* raw = nullptr);

bool is_url(std::string_view source);

// `slurm`, `slurm:CLUSTER`, `slurm:all`, `slurm+ssh://...`: Slurm through its own commands.
bool is_slurm_command_source(std::string_view source);

// True when a token sent to `source` would cross the network unencrypted: plain http to a
// host other than loopback.
bool token_in_clear(std::string_view source);

// Throws UsageError naming the URL unless it is a usable base URL (src/source/url.hpp).
void check_source_url(std::string_view source);

// A token goes into a header line: a control character would end the line and smuggle in
// another header, so a token with one is a UsageError (that does not show it) naming `where`.
void check_header_token(const std::string& token, const char* where);

// The source as it may be shown: user:password@ removed from URLs.
std::string display_source(std::string_view source);

// Throws RuntimeError unless `dir` may be written: it does not exist, or `force` is set and it
// is a snapshot directory holding only files a save writes. Checked before fetching, too.
void check_snapshot_target(const std::string& dir, bool force);

// Writes a snapshot directory (docs/fleet-api.md) atomically: into a temporary sibling, then renamed.
// `fleet`, when it was read from several sources: snapshot.json records them and their clusters,
// so the directory answers as the fleet did (docs/sources.md).
void save_snapshot(const std::string& dir, const RawItems& raw, Time taken_at, const std::string& source, bool force,
                   const Snapshot* fleet = nullptr);

// Async-signal-safe: ends transfers in progress and makes load_snapshot throw InterruptedError.
void request_interrupt() noexcept;
bool interrupt_requested() noexcept;
// Forgets a request once every fetch has stopped: Ctrl-C is how --watch ends, with exit 0.
void clear_interrupt() noexcept;

} // namespace fleetcap
