// The one concurrent-fetch helper of src/source/ (docs/design.md, "Concurrency"): run these
// tasks, the first failure cancels the rest, join them all. A fleet API's resources, a
// directory's files, slurmrestd's endpoints, Kubernetes' lists and the sources of a fleet
// (docs/sources.md) are all fetched through it. Private to src/source/.
#pragma once

#include "fleetcap/error.hpp"
#include "fleetcap/interrupt.hpp"
#include "fleetcap/source/source.hpp"

#include <atomic>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>
#include <utility>
#include <vector>

namespace fleetcap::source {

// The threads a source runs while it loads. While one lives, a signal does not end the process
// at once (fleetcap/interrupt.hpp): it sets interrupt_requested(), each fetch or file read stops
// at its next check (http.cpp polls every 50 ms; a file is read 1 MiB at a time), and join()
// waits for them and throws InterruptedError. So the process never exits while a worker is
// writing into the snapshot, nor with a finished worker nobody joined (ThreadSanitizer reports
// that as a thread leak). Declare it after everything its threads use. Tasks (below) is built on
// it; use Tasks unless the threads cannot fail.
class Workers {
public:
  Workers() = default;
  ~Workers() { wait(); } // an exception is leaving the source: its threads must end first
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // Each thread is named "fleetcap-load" (top -H, gdb, and the tests see when the load is over).
  template <class F> void spawn(F&& f) {
    if (!defer_) defer_.emplace();
    threads_.emplace_back([f = std::forward<F>(f)]() mutable {
      ::pthread_setname_np(::pthread_self(), "fleetcap-load");
      f();
    });
  }
  // Waits for every thread; then InterruptedError if a signal came meanwhile.
  void join() {
    wait();
    if (interrupt_requested()) throw InterruptedError();
  }

private:
  void wait() noexcept {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
    defer_.reset();
  }
  std::optional<DeferInterrupts> defer_;
  std::vector<std::thread> threads_;
};

// "Stop now", asked by the first task of a run that fails and seen by every other: http::get
// polls it while it waits, a file reader checks it between reads. A run inside a task (a
// source's fetches, while its fleet's sources load) also stops when the outer run is cancelled.
class Cancel {
public:
  explicit Cancel(const Cancel* parent = nullptr) : parent_(parent) {}
  Cancel(const Cancel&) = delete;
  Cancel& operator=(const Cancel&) = delete;
  void request() noexcept { flag_.store(true); }
  bool requested() const noexcept { return flag_.load() || (parent_ && parent_->requested()); }

private:
  std::atomic<bool> flag_{false};
  const Cancel* parent_;
};

// What a task stopped by a Cancel throws (http::get does): the consequence of another task's
// failure, never reported itself.
class Cancelled : public RuntimeError {
public:
  Cancelled() : RuntimeError("cancelled") {}
};

// Runs tasks concurrently, each on a thread of its own or, with a limit, on the next of a few
// threads that take them in the order given. The first task that throws (anything but
// Cancelled) cancels the others; join() waits for them all and rethrows a failure. When several
// tasks failed on their own, the one given first is reported, so the message does not depend on
// which thread was quicker. Not thread-safe itself: spawn and join from the thread that owns it.
class Tasks {
public:
  // `parent`: the Cancel of the task this run belongs to, if any. `threads`: at most this many
  // tasks at once (0: every task at once).
  explicit Tasks(const Cancel* parent = nullptr, std::size_t threads = 0)
      : parent_(parent), cancel_(parent), limit_(threads) {}
  Tasks(const Tasks&) = delete;
  Tasks& operator=(const Tasks&) = delete;

  using Task = std::function<void(Cancel&)>;
  void spawn(Task task);
  // Asked by a task that must stop its siblings without failing itself (invalid data decides
  // the run, exit 3: a sibling that hangs until --timeout should not be waited for).
  Cancel& cancel() { return cancel_; }
  // Waits for every task; then InterruptedError if a signal came, else the failure (see above),
  // else Cancelled when the outer run was cancelled (what this run read is incomplete).
  void join();

private:
  void run(std::size_t index, Task& task);
  void drain(); // a pool thread: runs queued tasks until none is left

  const Cancel* parent_;
  Cancel cancel_;
  std::size_t limit_;
  std::mutex mutex_;
  std::deque<std::pair<std::size_t, Task>> queue_; // with a limit: tasks not yet started
  std::size_t pool_ = 0;                           // pool threads still taking tasks
  std::size_t spawned_ = 0;
  std::optional<std::pair<std::size_t, std::exception_ptr>> failure_; // the earliest-given task's
  Workers workers_;                                                   // last: its threads use the members above
};

} // namespace fleetcap::source
