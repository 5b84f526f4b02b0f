// Typed fleet items (docs/fleet-api.md), parsed once at the boundary and linked by index.
#pragma once

#include "fleetcap/model/time.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetcap {

// Asks the kernel to back [data, data + size) with transparent huge pages where it can: a large
// fleet's buffers are touched once, front to back, and 4 KiB page faults were a tenth of the
// run time (docs/design.md). A hint only; harmless where THP is off.
void advise_huge_pages(void* data, std::size_t size);

// Storage for arrays of small values that items hold by the hundred thousand (a job's node names,
// its node indices): each array is copied once into a few large blocks instead of a heap
// allocation of its own, and a snapshot frees them in a few calls. Spans stay valid for the
// arena's life, across moves. Not thread-safe: one per writer.
template <class T> class ArrayArena {
public:
  ArrayArena() = default;
  ArrayArena(ArrayArena&& other) noexcept { *this = std::move(other); }
  ArrayArena& operator=(ArrayArena&& other) noexcept {
    blocks_ = std::move(other.blocks_);
    at_ = std::exchange(other.at_, nullptr); // the moved-from arena must not write into these blocks
    left_ = std::exchange(other.left_, 0);
    return *this;
  }

  std::span<const T> store(std::span<const T> values) {
    if (values.empty()) return {};
    if (values.size() > left_) {
      // Blocks grow with the arena (64 KiB to 4 MiB): few allocations, little slack at the end.
      const std::size_t size =
          std::max(values.size(), (std::size_t{65536} << std::min<std::size_t>(blocks_.size(), 6)) / sizeof(T));
      blocks_.push_back(std::make_unique_for_overwrite<T[]>(size));
      advise_huge_pages(blocks_.back().get(), size * sizeof(T));
      at_ = blocks_.back().get();
      left_ = size;
    }
    T* out = at_;
    std::copy(values.begin(), values.end(), out);
    at_ += values.size();
    left_ -= values.size();
    return {out, values.size()};
  }

private:
  std::vector<std::unique_ptr<T[]>> blocks_; // moving the vector keeps every block where it is
  T* at_ = nullptr;
  std::size_t left_ = 0;
};

struct CapUse;
struct ReservationUse;
struct JobDetail;
struct NodeDetail;

// Storage for the text of the items a fleet has by the hundred thousand (nodes, jobs): their
// string fields are views into it, so parsing copies each name once into a few large blocks
// instead of allocating a std::string per field; lists of names (a job's nodes) are kept the
// same way. One per resource, so resources parse concurrently.
class TextArena {
public:
  std::string_view store(std::string_view text) {
    const auto kept = chars_.store({text.data(), text.size()});
    return {kept.data(), kept.size()};
  }
  std::span<const std::string_view> store_list(std::span<const std::string_view> names) { return lists_.store(names); }
  // The optional scheduler details a few items carry (docs/design.md, "What schedulers
  // enforce"), kept beside their text so an item pays one pointer for them, and nothing when it
  // has none.
  template <class T> std::span<const T> store_array(std::span<const T> values) { return arena<T>().store(values); }
  template <class T> const T* store_one(const T& value) { return arena<T>().store({&value, 1}).data(); }

private:
  template <class T> ArrayArena<T>& arena();
  ArrayArena<char> chars_;
  ArrayArena<std::string_view> lists_;
  ArrayArena<CapUse> caps_;
  ArrayArena<ReservationUse> reservations_;
  ArrayArena<JobDetail> job_details_;
  ArrayArena<NodeDetail> node_details_;
};

using Gpus = std::int64_t;
// The largest GPU count one item may hold. Far above any real node, quota or job, and low
// enough that sums over any snapshot that fits in memory stay inside 64 bits.
inline constexpr Gpus kMaxGpus = 1'000'000'000;
inline constexpr std::uint32_t kNone = UINT32_MAX;

enum class ClusterState : std::uint8_t { planned, provisioning, provisioned, production, decommissioned };
enum class Priority : std::uint8_t { low, mid, high, critical }; // ordered: low < critical
enum class JobState : std::uint8_t { running, pending };
enum class EventState : std::uint8_t { scheduled, in_progress, completed, cancelled };

std::string_view to_string(ClusterState s);
std::string_view to_string(Priority p);
std::string_view to_string(JobState s);
std::string_view to_string(EventState s);
std::optional<ClusterState> cluster_state_from(std::string_view s);
std::optional<Priority> priority_from(std::string_view s);
std::optional<JobState> job_state_from(std::string_view s);
std::optional<EventState> event_state_from(std::string_view s);
// "p0".."p3" -> 0..3
std::optional<int> issue_priority_from(std::string_view s);

struct Cluster {
  std::string name, region, provider, sku;
  ClusterState state = ClusterState::production;
  // Optional, set by the adapters (docs/sources.md, "Which scheduler"): the scheduler the cluster
  // is read from, so a command can answer in its language (flex --contiguous's submit line,
  // overalloc plan -o sacctmgr|kueue). Empty: not said (the fleet API).
  std::string scheduler = {};     // "slurm" or "kubernetes"
  std::string slurm_cluster = {}; // Slurm: the Slurm cluster whose GPU type this cluster is
  std::string island_label = {};  // Kubernetes: the node label whose value names each island, when one does
  std::uint32_t source = 0;       // its source: an index into Snapshot::sources (docs/sources.md)
};

// One source a snapshot was read from (docs/sources.md): each JSON document's "sources", and
// `fleetcap sources`.
struct SourceStatus {
  std::string name;   // the config file's [sources.NAME], or a short name for a --source
  std::string kind;   // its kind (fleetcap/source/kinds.hpp): fleet-api, snapshot, slurmrestd, kube
  std::string source; // what it reads, without credentials
  bool ok = true;
  std::string error;            // why it failed, when !ok
  Time fetched_at = 0;          // when this run began reading it
  std::optional<Time> taken_at; // the time its data is from: a saved snapshot's, else fetched_at
  double seconds = 0;           // how long reading it took
  std::size_t clusters = 0;     // how many clusters it gave (set for `fleetcap sources`)
  std::string version;          // the API's or scheduler's version, as far as it tells
  std::string auth;             // how fleetcap authenticated to it (never the secret)
};

// A cap as an item names or defines it (docs/design.md, "What schedulers enforce"): a limit the
// scheduler enforces on the GPUs of the running jobs that count against it, in one cluster or
// (cluster empty) in every cluster. Views into the item's resource arena.
struct CapUse {
  std::string_view name;
  bool defines = false;     // an object {name, gpus, cluster}; else a bare name, defined elsewhere
  Gpus gpus = 0;            // when it defines
  std::string_view cluster; // when it defines; empty: every cluster
};

// A reservation that is not maintenance, as a node lists it: while active its idle GPUs serve
// only jobs of its namespaces or users.
struct ReservationUse {
  std::string_view name;
  Time start = 0, end = 0;
  std::span<const std::string_view> namespaces, users;
};

struct NodeIssue {
  std::string type;
  std::optional<Time> detected_at;
  int priority = 3; // p0 (most urgent) .. p3
  std::string detail;
};

// A node's optional scheduler details.
struct NodeDetail {
  std::span<const std::string_view> partitions;
  std::span<const ReservationUse> reservations;
};

// String fields view Snapshot::text (see TextArena); issues are in Snapshot::node_issues.
struct Node {
  std::string_view name, cluster, island, health;
  std::span<const NodeIssue> issues;
  Gpus gpus = 0;
  std::int8_t healthy_given = -1;     // "healthy": true/false counts the node so, whatever `health` says
  const NodeDetail* detail = nullptr; // partitions, reservations; null when it has none
  // linked
  std::uint32_t cluster_index = kNone;
  std::uint32_t island_index = kNone; // fleet-wide island number
  bool cordoned = false;
  bool healthy = false; // linked
};

// A Kueue ClusterQueue's spec.resourceGroups as the adapter read them (docs/kubernetes.md):
// every resource of every flavor, quantities as Kubernetes wrote them, so `overalloc plan -o
// kueue` can write the whole list back with only the GPU nominalQuota changed.
struct KueueResource {
  std::string name, nominal_quota;
  std::optional<std::string> borrowing_limit, lending_limit;
};
struct KueueFlavor {
  std::string name;
  std::vector<KueueResource> resources;
};
struct KueueResourceGroup {
  std::vector<std::string> covered_resources;
  std::vector<KueueFlavor> flavors;
};

// Where the scheduler keeps a leaf's gpus (set by the adapters; docs/overalloc.md, "The change in
// the scheduler's language"): a Slurm account's or QOS's GrpTRES entry, or one flavor of a Kueue
// ClusterQueue.
struct QuotaOrigin {
  enum class Kind : std::uint8_t { slurm_account, slurm_qos, kueue };
  Kind kind = Kind::slurm_account;
  std::string name;     // the account, QOS or ClusterQueue
  std::string resource; // Slurm: the TRES ("gres/gpu:h100", untyped "gres/gpu"); Kueue: the flavor
  std::vector<KueueResourceGroup> resource_groups; // Kueue only
  std::string api_version;                         // Kueue: the ClusterQueue's ("kueue.x-k8s.io/v1beta1")
};

struct Quota {
  std::string name;
  std::optional<std::string> parent, cluster;
  Gpus gpus = 0;
  std::optional<std::vector<std::string>> access; // missing = any namespace
  bool gpus_given = false;                        // "gpus" present (leaves must have it)
  // Optional extension (docs/quota.md, "Borrowing and lending limits"): a leaf's cap on what it
  // may borrow beyond its gpus (caps `borrowable`) and on what it lends (reported only); a
  // group's own GPUs its leaves share (reported only). Absent = none.
  std::optional<Gpus> borrowing_limit, lending_limit; // leaves only
  std::optional<Gpus> shared_gpus;                    // groups only
  // Caps a new job of the leaf counts against (docs/design.md); a leaf without `gpus` but with
  // caps is cap-only: it promises nothing and its jobs are bounded by the caps. Views into the
  // quotas' arena.
  std::vector<CapUse> caps;
  bool reclaims = true;                   // its jobs may preempt borrowers to take back what it lent (docs/concepts.md)
  std::optional<QuotaOrigin> origin = {}; // leaves only: "slurm" or "kueue" in the snapshot
  // linked
  std::vector<std::uint32_t> cap_indices; // into Snapshot::caps
  bool cap_only = false;                  // a leaf with caps and no gpus
  std::uint32_t parent_index = kNone;
  std::uint32_t tree_index = kNone;    // top-level ancestor (itself for a root)
  std::uint32_t cluster_index = kNone; // leaves only
  bool leaf = true;                    // no children

  bool allows(std::string_view ns) const;
};

// A job's optional scheduler details (docs/design.md): who, what, why it waits, and the caps
// its GPUs count against.
struct JobDetail {
  std::string_view user, job_name, pending_reason, partition;
  std::optional<Time> submitted_at;
  std::span<const CapUse> caps;
  bool caps_given = false; // `caps` present (even empty): it replaces the leaf's
};

// String fields view Snapshot::text (see TextArena).
struct Job {
  std::string_view name, ns, quota;
  std::optional<std::string_view> cluster;
  std::span<const std::string_view> nodes; // in Snapshot::text (TextArena::store_list)
  Gpus gpus = 0;
  std::optional<Time> started_at;
  const JobDetail* detail = nullptr; // null when it has none
  Priority priority = Priority::low;
  JobState state = JobState::pending;
  bool idle = false;
  // "reclaimable": -1 absent (the rule of docs/figures.md), 0 false, 1 true (docs/design.md)
  std::int8_t reclaimable = -1;
  // linked
  bool flex = false;
  std::uint32_t quota_index = kNone;           // leaf quota, kNone for flex
  std::uint32_t cluster_index = kNone;         // kNone for a pending job with no cluster
  std::span<const std::uint32_t> node_indices; // in Snapshot::job_node_indices

  bool running() const { return state == JobState::running; }
  // The scheduler's optional details (JobDetail, docs/jobs.md); empty when not said.
  std::string_view user() const { return detail ? detail->user : std::string_view{}; }
  std::string_view job_name() const { return detail ? detail->job_name : std::string_view{}; }
  std::string_view pending_reason() const { return detail ? detail->pending_reason : std::string_view{}; }
  std::string_view partition() const { return detail ? detail->partition : std::string_view{}; }
  std::optional<Time> submitted_at() const { return detail ? detail->submitted_at : std::nullopt; }
  // A running flex job in-quota work can never preempt (docs/design.md: stable use).
  bool stable_use() const { return flex && reclaimable == 0; }
};

// String fields view Snapshot::text and node lists are spans, as Job's (see TextArena): a fleet
// has events by the ten thousand, each naming a few nodes.
struct MaintenanceEvent {
  std::string_view id, cluster, kind, reason;
  std::span<const std::string_view> nodes; // empty = the whole cluster
  Time start = 0, end = 0;
  int priority = 3;
  bool hard_start = false;
  EventState state = EventState::scheduled;
  // linked
  std::uint32_t cluster_index = kNone;
  std::span<const std::uint32_t> node_indices; // in Snapshot::event_node_indices; empty = the whole cluster

  // Active at t: start <= t < end and neither completed nor cancelled (docs/concepts.md).
  bool active_at(Time t) const {
    return start <= t && t < end && state != EventState::completed && state != EventState::cancelled;
  }
  bool open() const { return state != EventState::completed && state != EventState::cancelled; }
};

struct HealthSample {
  std::string cluster;
  Time at = 0;
  Gpus healthy_gpus = 0, total_gpus = 0;
  std::uint32_t cluster_index = kNone;
};

enum class Resource : std::uint8_t { clusters, nodes, quotas, jobs, maintenance, health_history };
inline constexpr std::array<Resource, 6> kResources = {Resource::clusters,    Resource::nodes,
                                                       Resource::quotas,      Resource::jobs,
                                                       Resource::maintenance, Resource::health_history};
std::string_view to_string(Resource r);
inline bool optional_resource(Resource r) { return r == Resource::maintenance || r == Resource::health_history; }

// A cap, as the snapshot's items define it (docs/design.md).
struct Cap {
  std::string name;
  Gpus gpus = 0;
  std::string cluster;                 // empty: every cluster
  std::uint32_t cluster_index = kNone; // kNone: every cluster
  bool holds_in(std::uint32_t c) const { return cluster_index == kNone || cluster_index == c; }
};

// A reservation, as the nodes holding it define it (docs/design.md).
struct Reservation {
  std::string name;
  Time start = 0, end = 0;
  std::vector<std::string> namespaces, users;
  std::vector<std::uint32_t> nodes;
  bool active_at(Time t) const { return start <= t && t < end; }
  bool serves(std::string_view ns) const {
    return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end();
  }
};

struct Island {
  std::string name;
  std::uint32_t cluster_index = kNone;
  std::vector<std::uint32_t> nodes;
};

// Item indices grouped by an owner (nodes per cluster, jobs per node, ...), in item order, in
// two flat arrays: groups[i] is a span, so `for (auto n : groups[i])`, `.empty()` and `.size()`
// read as they would on a vector of vectors, without one allocation per owner.
class Groups {
public:
  std::span<const std::uint32_t> operator[](std::size_t owner) const {
    return {members_.data() + starts_[owner], members_.data() + starts_[owner + 1]};
  }
  std::size_t size() const { return starts_.empty() ? 0 : starts_.size() - 1; }

  // Builds from (owner, member) pairs given in member order; owners >= `owners` are skipped.
  class Builder {
  public:
    explicit Builder(std::size_t owners) : owners_(owners) {}
    void add(std::uint32_t owner, std::uint32_t member) {
      if (owner < owners_) pairs_.push_back({owner, member});
    }
    Groups build() &&;

  private:
    std::size_t owners_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_;
  };

private:
  std::vector<std::uint32_t> starts_{0};
  std::vector<std::uint32_t> members_;
};

// Name -> item index: an open-addressing table over the items' own names. A slot holds an item
// number and 32 bits of its name's hash (8 bytes), not the name: the name is read from the item
// (name_of) when the hash bits match, so the table of a million names is 8 MiB rather than 24
// (docs/design.md, "Lookups"). The items must stay where they are while the index is used:
// bind it to a vector's data() once the vector is complete. With a hundred thousand names it
// outgrows the caches, so each lookup costs a cache miss or two; callers with many names overlap
// those misses with for_each_hashed() (see validate.cpp).
class NameIndex {
public:
  // Item `index`'s name, for items at `items`.
  using NameOf = std::string_view (*)(const void* items, std::uint32_t index);

  NameIndex() = default;
  // `stride`: the size of one item, so that prefetch_item() finds it.
  NameIndex(const void* items, std::size_t stride, NameOf name_of)
      : items_(items), stride_(stride), name_of_(name_of) {}
  // Over a vector whose items have a `name` member convertible to std::string_view.
  template <class T> static NameIndex over_names(const std::vector<T>& items) {
    return NameIndex(items.data(), sizeof(T),
                     [](const void* p, std::uint32_t i) { return std::string_view(static_cast<const T*>(p)[i].name); });
  }

  static std::uint64_t hash(std::string_view name);

  void reserve(std::size_t names);
  // Adds item `index` (whose name is `name`) unless the name is there; returns the index that
  // holds it.
  std::uint32_t insert(std::string_view name, std::uint32_t index) { return insert(name, index, hash(name)); }
  std::uint32_t insert(std::string_view name, std::uint32_t index, std::uint64_t hash);
  std::uint32_t find(std::string_view name) const { return find(name, hash(name)); } // kNone when absent
  std::uint32_t find(std::string_view name, std::uint64_t hash) const;
  bool contains(std::string_view name) const { return find(name) != kNone; }
  std::size_t size() const { return size_; }
  // Cache hints for a lookup soon, each a step later than the one before: the name's home slot,
  // the item that slot holds, and that item's name.
  void prefetch_slot(std::uint64_t hash) const;
  void prefetch_item(std::uint64_t hash) const;
  void prefetch_name(std::uint64_t hash) const;

private:
  struct Slot {
    std::uint32_t index = kNone;
    std::uint32_t tag = 0; // high hash bits: most mismatches are told apart without the name
  };
  std::size_t slot_of(std::string_view name, std::uint64_t hash) const;
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  const void* items_ = nullptr;
  std::size_t stride_ = 0;
  NameOf name_of_ = nullptr;
};

// Derived lookups, built by link() once the items are valid.
struct FleetIndex {
  Groups cluster_nodes;  // per cluster
  Groups cluster_leaves; // leaf quotas per cluster
  Groups cluster_jobs;   // jobs (running or pending) per cluster
  Groups cluster_events; // maintenance events per cluster
  Groups node_jobs;      // running jobs listing each node
  Groups node_events;    // events naming each node (not whole-cluster)
  Groups quota_children; // per quota
  Groups quota_jobs;     // jobs targeting each leaf
  // Only when the snapshot has caps, reservations or partitions (else empty, size 0):
  Groups job_caps;          // caps each job's GPUs count against (its own, else its leaf's)
  Groups node_reservations; // reservations holding each node
  Groups partition_nodes;   // nodes of each partition (Snapshot::partitions)
  std::vector<Island> islands;
  // Keys view the names stored in the snapshot's own items.
  NameIndex cluster_by_name, node_by_name, quota_by_name;
};

// Move-only: the index holds views into the item vectors.
struct Snapshot {
  Snapshot() = default;
  Snapshot(Snapshot&&) = default;
  Snapshot& operator=(Snapshot&&) = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot(); // see keep_at_exit

  std::vector<Cluster> clusters;
  std::vector<Node> nodes;
  std::vector<Quota> quotas;
  std::vector<Job> jobs;
  std::vector<MaintenanceEvent> maintenance;
  std::vector<HealthSample> health_history;
  // Linked from the optional fields the items carry (docs/design.md); empty without them.
  std::vector<Cap> caps;
  std::vector<Reservation> reservations;
  std::vector<std::string> partitions; // sorted
  std::optional<Time> taken_at;        // from snapshot.json
  std::string source;                  // what the user named, without credentials
  std::vector<SourceStatus> sources;   // each source read, in the order named (one, unless a fleet)
  std::vector<std::string> warnings;
  FleetIndex index;
  std::array<TextArena, kResources.size()> text; // per resource, so resources parse concurrently
  ArrayArena<NodeIssue> node_issues;             // written by parsing nodes only
  ArrayArena<std::uint32_t> job_node_indices;    // written by linking only (jobs)
  ArrayArena<std::uint32_t> event_node_indices;  // written by linking only (maintenance)
  // A fleet of several sources (merge.hpp): the text and node issues of each source's snapshot,
  // which its items view, and the text of the names the merge changed.
  std::vector<std::array<TextArena, kResources.size()>> merged_text;
  std::vector<ArrayArena<NodeIssue>> merged_node_issues;
  // Set on the snapshot a command runs on: after keep_snapshots_until_exit(), destroying it
  // hands its memory to the process instead of freeing it piece by piece (tens of ms for a
  // large fleet, just before the process exits and the kernel takes it back anyway).
  bool keep_at_exit = false;

  std::uint32_t find_cluster(std::string_view name) const;
  std::uint32_t find_node(std::string_view name) const;
  std::uint32_t find_quota(std::string_view name) const;
};

template <> inline ArrayArena<CapUse>& TextArena::arena<CapUse>() { return caps_; }
template <> inline ArrayArena<ReservationUse>& TextArena::arena<ReservationUse>() { return reservations_; }
template <> inline ArrayArena<JobDetail>& TextArena::arena<JobDetail>() { return job_details_; }
template <> inline ArrayArena<NodeDetail>& TextArena::arena<NodeDetail>() { return node_details_; }

// Called by main only: from now on a Snapshot with keep_at_exit set is not freed when destroyed
// but kept, reachable, until the process exits (so leak checkers do not report it).
void keep_snapshots_until_exit();

} // namespace fleetcap
