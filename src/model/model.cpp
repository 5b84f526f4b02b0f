#include "fleetcap/model/model.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/text.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <sys/mman.h>

namespace fleetcap {

DataError::DataError(std::vector<std::string> messages)
    : Error(ExitCode::invalid_data, messages.empty() ? std::string("invalid data") : messages.front()),
      messages_(std::move(messages)) {}

std::string error_lines(const Error& e) {
  constexpr std::size_t kShown = 20;
  const auto* data = dynamic_cast<const DataError*>(&e);
  // Each message is one line, whatever it quotes: control characters are escaped (fleetcap/text.hpp).
  // A usage error may add lines of its own ("Run 'fleetcap --help' for usage."): the words it
  // quotes are escaped where it is made, so its line breaks are fleetcap's and are kept.
  if (dynamic_cast<const UsageError*>(&e)) {
    const std::string_view what = e.what();
    std::string out = "fleetcap: error: ";
    for (std::size_t at = 0; at <= what.size();) {
      const std::size_t end = std::min(what.find('\n', at), what.size());
      out += escape_control(what.substr(at, end - at)) + '\n';
      at = end + 1;
    }
    return out;
  }
  if (!data) return "fleetcap: error: " + escape_control(e.what()) + '\n';
  const auto& messages = data->messages();
  std::string out;
  for (std::size_t i = 0; i < messages.size() && i < kShown; ++i)
    out += "fleetcap: error: " + escape_control(messages[i]) + '\n';
  if (messages.size() > kShown)
    out += "fleetcap: error: ... and " + std::to_string(messages.size() - kShown) + " more errors (" +
           std::to_string(messages.size()) + " in all)\n";
  return out;
}

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

void advise_huge_pages(void* data, std::size_t size) {
  // Only whole 2 MiB pages inside the range; the kernel ignores the advice where THP is off.
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + size) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

Groups Groups::Builder::build() && {
  // Counting sort by owner; members keep the order they were added in.
  Groups g;
  g.starts_.assign(owners_ + 1, 0);
  for (const auto& [owner, member] : pairs_) ++g.starts_[owner + 1];
  for (std::size_t i = 0; i < owners_; ++i) g.starts_[i + 1] += g.starts_[i];
  g.members_.resize(pairs_.size());
  std::vector<std::uint32_t> next(g.starts_.begin(), g.starts_.end() - 1);
  for (const auto& [owner, member] : pairs_) g.members_[next[owner]++] = member;
  pairs_.clear();
  pairs_.shrink_to_fit();
  return g;
}

// A short-string hash (8 bytes a step, then a strong final mix), cheaper than std::hash for
// the 10-30 byte names of a fleet and as well spread over them.
std::uint64_t NameIndex::hash(std::string_view s) {
  constexpr std::uint64_t k = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = s.size() * k;
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
  }
  if (n) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * k;
  }
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

void NameIndex::reserve(std::size_t names) {
  // Load factor at most 3/5: a probe is still about two slots (linear probing, 32-bit tags
  // first), and a 10M-GPU fleet's 1.25M node names take 16 MiB of slots (docs/design.md).
  std::size_t want = 16;
  while (want * 3 < names * 5) want *= 2;
  if (want <= slots_.size()) return;
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(want));
  const std::size_t mask = want - 1;
  for (const Slot& slot : old) {
    if (slot.index == kNone) continue;
    std::size_t i = hash(name_of_(items_, slot.index)) & mask;
    while (slots_[i].index != kNone) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

std::size_t NameIndex::slot_of(std::string_view name, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.index == kNone || (slot.tag == tag && name_of_(items_, slot.index) == name)) return i;
  }
}

std::uint32_t NameIndex::insert(std::string_view name, std::uint32_t index, std::uint64_t hash) {
  if ((size_ + 1) * 5 > slots_.size() * 3) reserve(std::max<std::size_t>(8, (size_ + 1) * 2));
  Slot& slot = slots_[slot_of(name, hash)];
  if (slot.index != kNone) return slot.index;
  slot = Slot{index, static_cast<std::uint32_t>(hash >> 32)};
  ++size_;
  return index;
}

std::uint32_t NameIndex::find(std::string_view name, std::uint64_t hash) const {
  if (slots_.empty()) return kNone;
  return slots_[slot_of(name, hash)].index;
}

void NameIndex::prefetch_slot(std::uint64_t hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
}

void NameIndex::prefetch_item(std::uint64_t hash) const {
  if (slots_.empty()) return;
  const Slot& slot = slots_[hash & (slots_.size() - 1)];
  if (slot.index != kNone) __builtin_prefetch(static_cast<const char*>(items_) + slot.index * stride_);
}

void NameIndex::prefetch_name(std::uint64_t hash) const {
  if (slots_.empty()) return;
  const Slot& slot = slots_[hash & (slots_.size() - 1)];
  if (slot.index != kNone) __builtin_prefetch(name_of_(items_, slot.index).data());
}

namespace {
std::atomic<bool> g_keep_snapshots{false};
std::mutex g_kept_mutex;
std::vector<Snapshot*>* g_kept = nullptr; // never freed: the process is about to exit
} // namespace

void keep_snapshots_until_exit() { g_keep_snapshots.store(true); }

Snapshot::~Snapshot() {
  if (!keep_at_exit || !g_keep_snapshots.load()) return;
  keep_at_exit = false;
  auto* kept = new Snapshot(std::move(*this)); // the members left here are empty: nothing to free
  std::lock_guard lock(g_kept_mutex);
  if (!g_kept) g_kept = new std::vector<Snapshot*>;
  g_kept->push_back(kept);
}

std::uint32_t Snapshot::find_cluster(std::string_view name) const { return index.cluster_by_name.find(name); }
std::uint32_t Snapshot::find_node(std::string_view name) const { return index.node_by_name.find(name); }
std::uint32_t Snapshot::find_quota(std::string_view name) const { return index.quota_by_name.find(name); }

} // namespace fleetcap
