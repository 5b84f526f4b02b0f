// The Slurm adapter's pure parts (docs/slurm.md): Slurm's text forms and the
// translation of slurmrestd responses into fleet API pages. Private to src/source/; the
// fetching is in slurm.cpp.
#pragma once

#include "fleetcap/model/model.hpp"
#include "fleetcap/source/source.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace fleetcap::source {
class Loader;
}

namespace fleetcap::source::slurm {

// Data parser versions this adapter reads, oldest first.
inline constexpr std::array<std::string_view, 7> kVersions = {"v0.0.38", "v0.0.39", "v0.0.40", "v0.0.41",
                                                              "v0.0.42", "v0.0.43", "v0.0.44"};

// The most names one hostlist may stand for unless a caller knows a tighter bound (the nodes a
// response holds), and the most an --island-map file names in all: more than any Slurm
// cluster's nodes, far fewer than a 28-byte "gpu[0-999999][0-999]" would make.
inline constexpr std::uint64_t kHostlistLimit = std::uint64_t{1} << 20;

// "cn[001-003,7],gpu1" -> cn001 cn002 cn003 cn7 gpu1 (zero padding kept; several bracket groups
// in one name multiply). Nothing for an empty list or "(null)"; nullopt when malformed, or when
// it stands for more than `limit` names (counted first: nothing is expanded then).
std::optional<std::vector<std::string>> expand_hostlist(std::string_view list, std::uint64_t limit = kHostlistLimit);

// How many names a hostlist stands for (saturating), without expanding it; nullopt when malformed.
std::optional<std::uint64_t> hostlist_size(std::string_view list);

// The GPUs of a GRES string (`gres`, `gres_used`, a `gres_detail` entry): entries separated by
// commas outside parentheses, each `gpu[:TYPE][:COUNT][(...)]`; other GRES are skipped. Per
// type ("" = untyped), in order of first appearance; linear in the entries. nullopt when a gpu
// entry is malformed: a TYPE is letters, digits, '_', '.', '+' and '-' (not first), a COUNT
// digits ("gpu:h100:-8" is malformed, not a type "h100:-8").
struct TypedGpus {
  std::string type;
  Gpus count = 0;
};
std::optional<std::vector<TypedGpus>> parse_gres(std::string_view gres);

// The GPUs a TRES request names (`tres_per_job`/`_node`/`_task`): `gres/gpu:8`, `gres/gpu=8`,
// `gres:gpu:8`, `gres/gpu:h100:2`, `gpu:8`, in a comma list; the total over types, and the
// first type named (empty when untyped). nullopt when malformed.
struct GpuRequest {
  Gpus count = 0;
  std::string type;
};
std::optional<GpuRequest> parse_tres_request(std::string_view tres);

// `gres/gpu=N` of a `tres_alloc_str` (nullopt when absent), and its first typed entry's type.
std::optional<GpuRequest> parse_tres_alloc(std::string_view tres);

// The island a node's `topology` names: `TOPO:BLOCK` -> BLOCK, `TOPO:ROOT:SW:...:LEAF` -> SW
// (the switch just below the root). Empty when there is none.
std::string island_from_topology(std::string_view topology);

// One answer's array (nodes or jobs) read while its body arrives, keeping only what translate()
// maps, so the body is never held whole (docs/slurm.md, "Streaming"). Hand it the body as it
// grows; when it gives up (a shape slurmrestd does not send, invalid JSON, a body that ends
// inside the array), read the whole body into Responses instead: translate() words the error.
class Stream {
public:
  enum class Of { nodes, jobs };
  Stream(Of what, std::string label);
  ~Stream();
  // `buf` holds the body from offset `base` on (`last`: up to its end). Returns the offset
  // before which the body is no longer needed (the caller may drop those bytes).
  std::size_t feed(std::string& buf, std::size_t base, bool last);
  void restart();       // a retry: what it read is void
  bool gave_up() const; // then read the body whole
  bool read() const;    // the whole answer was read (after the last feed)

  struct State; // slurm_translate.cpp
  State& state() { return *s_; }

private:
  std::unique_ptr<State> s_;
};

// What one run read from slurmrestd, each body as received (with room for simdjson's padding).
struct Responses {
  std::string version;     // the data parser version, e.g. "v0.0.40"
  std::string nodes_label; // "GET URL" lines naming each endpoint in errors
  std::string jobs_label, reservations_label, associations_label, qos_label, partitions_label;
  std::string nodes, jobs, reservations;
  std::optional<std::string> associations, qos; // absent: not fetched (no slurmdbd, or not needed)
  std::optional<std::string> partitions;        // absent: not fetched

  std::unordered_map<std::string, std::string> island_map; // node -> island (--island-map)
  // Nodes and jobs read as they arrived (Stream::read()): their bodies above are then empty.
  std::shared_ptr<Stream> nodes_stream, jobs_stream;
};

// Fleet API pages (docs/fleet-api.md) for every resource, and the warnings of lossy choices (one each).
struct Translation {
  std::array<std::string, kResources.size()> pages;
  std::vector<std::string> warnings;
  std::string cluster; // the Slurm cluster's name
  std::string release; // Slurm's version (meta.slurm.release), when the responses say it
};

// Throws DataError (docs/fleet-api.md lines naming the endpoint, index, name and field) for malformed
// objects or invalid JSON, RuntimeError for a response that carries only slurmrestd errors.
// `now` decides the state of maintenance reservations.
Translation translate(Responses& in, const SlurmOptions& options, Time now);

// slurmrestd's `errors[]` (description, error, error_number) of an error body, on one line;
// empty when the body has none.
std::string slurm_errors(std::string_view body);

// The island map file's text -> node -> island. Throws UsageError naming the line (also when the
// file names more than `limit` nodes in all).
std::unordered_map<std::string, std::string> parse_island_map(std::string_view text, std::string_view path,
                                                              std::uint64_t limit = kHostlistLimit);

// Hands the translation's warnings and pages to the loader (parsed, validated and linked like
// any source's), and logs the Slurm cluster's name (--verbose).
void load_pages(Loader& loader, Translation& tr, const std::string& shown);

// ---- Slurm's own commands (slurm_cli.cpp), their parsable text forms (slurm_parsable.cpp)

// The island map of --island-map (SlurmOptions::island_map), read once; empty without one.
std::unordered_map<std::string, std::string> read_island_map(const SlurmOptions& options);

// The columns fleetcap asks of `sacctmgr -P -n show assoc|qos format=...`, in this order.
inline constexpr std::string_view kAssocFormat = "format=Cluster,Account,User,ParentName,GrpTRES,DefaultQOS";
inline constexpr std::size_t kAssocFields = 6;
inline constexpr std::string_view kQosFormat = "format=Name,GrpTRES,Preempt,PreemptMode";
inline constexpr std::size_t kQosFields = 4;

// The GPU entries of a TRES limit list as sacctmgr prints it (`gres/gpu:h100=16,cpu=64`):
// type "gres", name "gpu" or "gpu:TYPE". nullopt when a GPU entry's count is not a number.
struct TresLimit {
  std::string type, name;
  std::int64_t count = 0;
};
std::optional<std::vector<TresLimit>> parse_tres_limits(std::string_view tres);

// The text forms as the JSON of data parser v0.0.38 that translate() reads: `{"reservations": [...]}`,
// `{"associations": [...]}`, `{"qos": [...]}`. Problems are added to `errors` as lines naming
// `label` and the line.
std::string reservations_from_scontrol(std::string_view text, std::string_view label, std::vector<std::string>& errors);
std::string associations_from_sacctmgr(std::string_view text, std::string_view label, std::vector<std::string>& errors);
std::string qos_from_sacctmgr(std::string_view text, std::string_view label, std::vector<std::string>& errors);
// `scontrol -o show partition` as v0.0.38's `{"partitions": [{name, nodes, priority_tier}]}`.
std::string partitions_from_scontrol(std::string_view text, std::string_view label, std::vector<std::string>& errors);
// `scontrol show config`'s PreemptType and PreemptMode (empty when it does not say them).
struct PreemptConfig {
  std::string type, mode;
};
PreemptConfig preempt_from_config(std::string_view text);
// `sacctmgr -P -n show clusters format=Cluster,ControlHost`: the clusters whose slurmctld has
// registered; those without a control host are added to `skipped`. Throws DataError.
std::vector<std::string> clusters_from_sacctmgr(std::string_view text, std::string_view label,
                                                std::vector<std::string>& skipped);

// ---- What Slurm enforces (slurm_rules.cpp; docs/slurm.md, "How Slurm's rules map to the figures")

// One warning per key: (key, text).
using Warn = std::function<void(const std::string&, const std::string&)>;

struct GpuLimit {
  std::string type; // "" untyped
  Gpus count = 0;
};

struct QosRule {
  std::string name;
  std::vector<std::string> preempts; // its Preempt list
  std::string mode;                  // its PreemptMode ("" = the cluster's)
  std::vector<GpuLimit> limits;      // GPU entries of its GrpTRES
};

struct PartitionRule {
  std::string name;
  std::vector<std::string> nodes; // expanded
  std::int64_t tier = 1;          // PriorityTier
};

struct PreemptionSetup {
  std::string type;         // preempt/none|qos|partition_prio; "" when the source cannot tell
  std::string cluster_mode; // slurm.conf's PreemptMode; "" when not known (taken as not OFF)
  std::vector<QosRule> qos;
  std::vector<PartitionRule> partitions;
};

// "qos", "preempt/qos", "PREEMPT/PARTITION_PRIO" -> the canonical "preempt/..." name.
std::optional<std::string> preempt_type_from(std::string_view text);

// Which jobs Slurm would preempt for in-quota work: with preempt/qos, those whose QOS another
// QOS's Preempt list names (PreemptMode not OFF); with preempt/partition_prio, those in a
// partition whose nodes a partition of higher PriorityTier shares; with preempt/none, none. An
// unknown PreemptType is guessed from the QOS and partitions, with a warning.
class Preemption {
public:
  Preemption(const PreemptionSetup& setup, const Warn& warn);
  // `nodes`: a running job's nodes (a pending job's: empty, its partition's nodes count).
  bool reclaimable(std::string_view qos, std::string_view partition, const std::vector<std::string>& nodes) const;
  const std::string& type() const { return type_; }

private:
  void guess(const Warn& warn);
  bool tiers_overlap() const;
  static bool shares_nodes(const PartitionRule& p, const std::vector<std::string>& nodes);
  std::string type_;
  bool cluster_off_ = false;
  std::set<std::string> preemptible_; // QOS some other QOS may preempt
  std::map<std::string, std::string> qos_mode_;
  std::vector<PartitionRule> partitions_; // nodes sorted
};

struct AccountRule {
  std::string account, parent;
  std::vector<GpuLimit> limits; // GrpTRES GPU entries of its account association
  std::string default_qos;      // the QOS its jobs get when they name none
};

struct QuotaInputs {
  bool by_qos = false;    // --slurm-quota qos: the QOS with limits are the leaves
  bool borrowing = false; // [slurm] borrowing
  std::vector<AccountRule> accounts;
  std::vector<QosRule> qos;
  std::vector<std::string> type_names; // GPU types, sorted (fleetcap clusters)
  std::vector<Gpus> type_gpus;         // per type
  std::vector<std::pair<std::string, std::string>> quota_sku;
  std::function<std::optional<std::size_t>(std::string_view)> type_index;
  // Running GPUs per type of the jobs a holder's limit covers (for an untyped limit's home).
  std::function<Gpus(const std::string&, std::size_t)> use;
};

// A cap fleetcap writes (docs/design.md): a GrpTRES GPU entry of an account or a QOS.
struct PlannedCap {
  std::string name;
  Gpus gpus = 0;
  std::optional<std::size_t> type; // none: untyped, every GPU type
  bool qos = false;                // a QOS's (its jobs wait with QOSGrpGRES), else an account's
};

struct PlannedLeaf {
  std::string name, holder; // the leaf; the account (or QOS) whose limit it is
  std::size_t type = 0;
  std::optional<Gpus> gpus; // none: cap-only
  std::string tres;         // with gpus: the GrpTRES entry they come from (gres/gpu:TYPE, or gres/gpu untyped)
  std::vector<std::size_t> caps;
  std::vector<std::string> access; // the account and its sub-accounts (none for a QOS)
  std::string parent;              // with borrowing: the group above
};

// Slurm's limits as quotas and caps (docs/slurm.md): every GrpTRES GPU entry of an account or a
// QOS is a cap; each account with a limit (the deepest ones, when limits nest) is a leaf per GPU
// type its limits name, an untyped one in every type (assigned in one, cap-only in the others).
class QuotaPlan {
public:
  QuotaPlan(const QuotaInputs& in, const Warn& warn);
  std::vector<PlannedCap> caps;
  std::vector<PlannedLeaf> leaves;
  std::vector<std::pair<std::string, std::string>> group_list; // with borrowing: (group, parent)

  // The caps a job of this account and QOS counts against in GPU type `type` (all types when
  // unknown): its account's and its parents', and its QOS's.
  std::vector<std::size_t> caps_for(const std::string& account, const std::string& qos,
                                    std::optional<std::size_t> type) const;
  // The leaf a job targets: the nearest account at or above its own that holds a leaf (or its
  // QOS, by QOS), that holder's leaf in the job's type; none when it has none there.
  std::optional<std::size_t> leaf_for(const std::string& account, const std::string& qos,
                                      std::optional<std::size_t> type, std::string_view req_type) const;

private:
  void add_caps(std::string_view kind, const std::string& holder, const std::vector<GpuLimit>& limits,
                std::vector<std::size_t>& out, const Warn& warn);
  void add_leaves(const std::string& holder, const std::vector<std::size_t>& own, std::vector<std::string> access);
  std::size_t home_type(const std::string& holder) const;
  std::vector<std::string> ancestors(std::string account) const;
  const std::string& parent_of(const std::string& account) const;
  std::string holder_of(const std::string& account) const;
  std::vector<std::string> sub_accounts(const std::string& account) const;
  void groups();

  const QuotaInputs& in_;
  std::map<std::string, std::string> parent_, default_qos_;
  std::map<std::string, std::vector<std::string>> children_;
  std::map<std::string, std::vector<std::size_t>> account_caps_, qos_caps_, leaves_of_;
  mutable std::map<std::tuple<std::string, std::string, std::size_t>, std::vector<std::size_t>> caps_memo_;
  mutable std::map<std::string, std::string> holder_memo_;
};

} // namespace fleetcap::source::slurm
