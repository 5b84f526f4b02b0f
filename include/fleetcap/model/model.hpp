// Typed fleet items (SPEC §3.2), parsed once at the boundary and linked by index.
#pragma once

#include "fleetcap/model/time.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fleetcap {

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
};

struct NodeIssue {
  std::string type;
  std::optional<Time> detected_at;
  int priority = 3; // p0 (most urgent) .. p3
  std::string detail;
};

struct Node {
  std::string name, cluster, island, health;
  Gpus gpus = 0;
  bool cordoned = false;
  std::vector<NodeIssue> issues;
  // linked
  bool healthy = false;
  std::uint32_t cluster_index = kNone;
  std::uint32_t island_index = kNone; // fleet-wide island number
};

struct Quota {
  std::string name;
  std::optional<std::string> parent, cluster;
  Gpus gpus = 0;
  std::optional<std::vector<std::string>> access; // missing = any namespace
  bool gpus_given = false;                        // "gpus" present (leaves must have it)
  // linked
  std::uint32_t parent_index = kNone;
  std::uint32_t tree_index = kNone;    // top-level ancestor (itself for a root)
  std::uint32_t cluster_index = kNone; // leaves only
  bool leaf = true;                    // no children

  bool allows(std::string_view ns) const;
};

struct Job {
  std::string name, ns, quota;
  std::optional<std::string> cluster;
  Priority priority = Priority::low;
  Gpus gpus = 0;
  JobState state = JobState::pending;
  std::vector<std::string> nodes;
  bool idle = false;
  std::optional<Time> started_at;
  // linked
  bool flex = false;
  std::uint32_t quota_index = kNone;   // leaf quota, kNone for flex
  std::uint32_t cluster_index = kNone; // kNone for a pending job with no cluster
  std::vector<std::uint32_t> node_indices;

  bool running() const { return state == JobState::running; }
};

struct MaintenanceEvent {
  std::string id, cluster, kind, reason;
  std::vector<std::string> nodes; // empty = the whole cluster
  int priority = 3;
  Time start = 0, end = 0;
  bool hard_start = false;
  EventState state = EventState::scheduled;
  // linked
  std::uint32_t cluster_index = kNone;
  std::vector<std::uint32_t> node_indices; // empty = the whole cluster

  // Active at t: start <= t < end and neither completed nor cancelled (SPEC §2).
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
inline constexpr std::array<Resource, 6> kResources = {Resource::clusters, Resource::nodes, Resource::quotas,
                                                       Resource::jobs, Resource::maintenance,
                                                       Resource::health_history};
std::string_view to_string(Resource r);
inline bool optional_resource(Resource r) {
  return r == Resource::maintenance || r == Resource::health_history;
}

struct Island {
  std::string name;
  std::uint32_t cluster_index = kNone;
  std::vector<std::uint32_t> nodes;
};

// Derived lookups, built by link() once the items are valid.
struct FleetIndex {
  std::vector<std::vector<std::uint32_t>> cluster_nodes;  // per cluster
  std::vector<std::vector<std::uint32_t>> cluster_leaves; // leaf quotas per cluster
  std::vector<std::vector<std::uint32_t>> cluster_jobs;   // jobs (running or pending) per cluster
  std::vector<std::vector<std::uint32_t>> cluster_events; // maintenance events per cluster
  std::vector<std::vector<std::uint32_t>> node_jobs;      // running jobs listing each node
  std::vector<std::vector<std::uint32_t>> node_events;    // events naming each node (not whole-cluster)
  std::vector<std::vector<std::uint32_t>> quota_children; // per quota
  std::vector<std::vector<std::uint32_t>> quota_jobs;     // jobs targeting each leaf
  std::vector<Island> islands;
  // Keys view the names stored in the snapshot's own vectors.
  std::unordered_map<std::string_view, std::uint32_t> cluster_by_name, node_by_name, quota_by_name;
};

// Move-only: the index holds views into the item vectors.
struct Snapshot {
  Snapshot() = default;
  Snapshot(Snapshot&&) = default;
  Snapshot& operator=(Snapshot&&) = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  std::vector<Cluster> clusters;
  std::vector<Node> nodes;
  std::vector<Quota> quotas;
  std::vector<Job> jobs;
  std::vector<MaintenanceEvent> maintenance;
  std::vector<HealthSample> health_history;
  std::optional<Time> taken_at; // from snapshot.json
  std::string source;           // what the user named, without credentials
  std::vector<std::string> warnings;
  FleetIndex index;

  std::uint32_t find_cluster(std::string_view name) const;
  std::uint32_t find_node(std::string_view name) const;
  std::uint32_t find_quota(std::string_view name) const;
};

} // namespace fleetcap
