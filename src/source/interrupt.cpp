#include "fleetcap/interrupt.hpp"

#include <atomic>

namespace fleetcap {
namespace {
std::atomic<int> g_deferred{0};
static_assert(std::atomic<int>::is_always_lock_free, "read from a signal handler");
} // namespace

DeferInterrupts::DeferInterrupts() noexcept { g_deferred.fetch_add(1); }
DeferInterrupts::~DeferInterrupts() { g_deferred.fetch_sub(1); }
bool interrupts_deferred() noexcept { return g_deferred.load() > 0; }

} // namespace fleetcap
