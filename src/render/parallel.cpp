#include "parallel.hpp"

#include "columns.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>
#include <vector>

namespace fleetcap::cols {
namespace {

thread_local bool inside = false; // this thread makes pieces for an in_order

constexpr std::size_t kMostThreads = 4;

// What the threads of one in_order share, under `mutex`.
struct Shared {
  Shared(std::size_t pieces, std::size_t threads) : n(pieces), window(2 * threads), made(window) {}
  std::size_t n, window;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<std::string>> made; // piece i waits in made[i % window]
  std::size_t next = 0, emitted = 0;            // the next piece to claim; pieces handed over
  std::exception_ptr error;
  bool stop = false;

  // Whether piece `next` may be claimed now: it exists and its slot is free.
  bool claimable() const { return !stop && next < n && next < emitted + window; }

  // Claims and makes one piece (the lock is released while it is made); false if make threw.
  bool make_one(std::unique_lock<std::mutex>& lock, const std::function<std::string(std::size_t)>& make) {
    const std::size_t i = next++;
    lock.unlock();
    std::optional<std::string> piece;
    std::exception_ptr failed;
    try {
      piece = make(i);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    if (failed) {
      if (!error) error = failed;
      stop = true;
    } else {
      made[i % window] = std::move(piece);
    }
    changed.notify_all();
    return !failed;
  }
};

void help(Shared& s, const std::function<std::string(std::size_t)>& make, bool plain) {
  ::pthread_setname_np(::pthread_self(), "fleetcap-render");
  inside = true;
  std::optional<PlainValues> keep;
  if (plain) keep.emplace();
  std::unique_lock lock(s.mutex);
  for (;;) {
    s.changed.wait(lock, [&] { return s.stop || s.next >= s.n || s.claimable(); });
    if (s.stop || s.next >= s.n) return;
    if (!s.make_one(lock, make)) return;
  }
}

} // namespace

void in_order(std::size_t n, const std::function<std::string(std::size_t)>& make,
              const std::function<void(std::string&&)>& emit) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t helpers = std::min(cores, kMostThreads) - 1;
  if (inside || helpers == 0 || n < 2) {
    for (std::size_t i = 0; i < n; ++i) emit(make(i));
    return;
  }
  Shared s(n, helpers + 1);
  std::vector<std::thread> threads;
  const auto end_all = [&] {
    {
      std::lock_guard lock(s.mutex);
      s.stop = true;
      s.changed.notify_all();
    }
    for (auto& t : threads) t.join();
  };
  try {
    for (std::size_t h = 0; h < helpers; ++h) threads.emplace_back(help, std::ref(s), std::cref(make), plain_values());
    std::unique_lock lock(s.mutex);
    while (s.emitted < n && !s.stop) {
      if (auto& slot = s.made[s.emitted % s.window]) { // the next piece is made: hand it over
        std::string piece = std::move(*slot);
        slot.reset();
        ++s.emitted;
        s.changed.notify_all();
        lock.unlock();
        emit(std::move(piece));
        lock.lock();
      } else if (s.claimable()) { // make one meanwhile rather than wait
        const bool was = std::exchange(inside, true);
        s.make_one(lock, make);
        inside = was;
      } else {
        s.changed.wait(lock);
      }
    }
  } catch (...) {
    end_all();
    throw;
  }
  end_all();
  if (s.error) std::rethrow_exception(s.error);
}

} // namespace fleetcap::cols
