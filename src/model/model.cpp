#include "fleetcap/model/model.hpp"

#include "fleetcap/error.hpp"

#include <algorithm>

namespace fleetcap {

DataError::DataError(std::vector<std::string> messages)
    : Error(ExitCode::invalid_data, messages.empty() ? std::string("invalid data") : messages.front()),
      messages_(std::move(messages)) {}

namespace {
template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}
constexpr std::array<std::string_view, 5> kClusterStates = {"planned", "provisioning", "provisioned", "production",
                                                            "decommissioned"};
constexpr std::array<std::string_view, 4> kPriorities = {"low", "mid", "high", "critical"};
constexpr std::array<std::string_view, 2> kJobStates = {"running", "pending"};
constexpr std::array<std::string_view, 4> kEventStates = {"scheduled", "in_progress", "completed", "cancelled"};
constexpr std::array<std::string_view, 4> kIssuePriorities = {"p0", "p1", "p2", "p3"};
constexpr std::array<std::string_view, 6> kResourceNames = {"clusters", "nodes",       "quotas",
                                                            "jobs",     "maintenance", "health_history"};
} // namespace

std::string_view to_string(ClusterState s) { return kClusterStates[static_cast<std::size_t>(s)]; }
std::string_view to_string(Priority p) { return kPriorities[static_cast<std::size_t>(p)]; }
std::string_view to_string(JobState s) { return kJobStates[static_cast<std::size_t>(s)]; }
std::string_view to_string(EventState s) { return kEventStates[static_cast<std::size_t>(s)]; }
std::string_view to_string(Resource r) { return kResourceNames[static_cast<std::size_t>(r)]; }
std::optional<ClusterState> cluster_state_from(std::string_view s) { return lookup<ClusterState>(kClusterStates, s); }
std::optional<Priority> priority_from(std::string_view s) { return lookup<Priority>(kPriorities, s); }
std::optional<JobState> job_state_from(std::string_view s) { return lookup<JobState>(kJobStates, s); }
std::optional<EventState> event_state_from(std::string_view s) { return lookup<EventState>(kEventStates, s); }
std::optional<int> issue_priority_from(std::string_view s) {
  auto p = lookup<int>(kIssuePriorities, s);
  return p;
}

bool Quota::allows(std::string_view ns) const {
  return !access || std::find(access->begin(), access->end(), ns) != access->end();
}

namespace {
std::uint32_t find_in(const std::unordered_map<std::string_view, std::uint32_t>& map, std::string_view name) {
  auto it = map.find(name);
  return it == map.end() ? kNone : it->second;
}
} // namespace

std::uint32_t Snapshot::find_cluster(std::string_view name) const { return find_in(index.cluster_by_name, name); }
std::uint32_t Snapshot::find_node(std::string_view name) const { return find_in(index.node_by_name, name); }
std::uint32_t Snapshot::find_quota(std::string_view name) const { return find_in(index.quota_by_name, name); }

} // namespace fleetcap
