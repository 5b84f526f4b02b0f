#include "tasks.hpp"

namespace fleetcap::source {

void Tasks::run(std::size_t index, Task& task) {
  try {
    task(cancel_);
  } catch (const Cancelled&) {
    // Another task's failure (or the outer run's) stopped this one: that failure is the news.
  } catch (...) {
    std::lock_guard lock(mutex_);
    if (!failure_ || index < failure_->first) failure_.emplace(index, std::current_exception());
    cancel_.request();
  }
}

void Tasks::drain() {
  for (;;) {
    std::pair<std::size_t, Task> next;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        --pool_;
        return;
      }
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    run(next.first, next.second);
  }
}

void Tasks::spawn(Task task) {
  const std::size_t index = spawned_++;
  if (limit_ == 0) {
    workers_.spawn([this, index, task = std::move(task)]() mutable { run(index, task); });
    return;
  }
  std::lock_guard lock(mutex_);
  queue_.emplace_back(index, std::move(task));
  if (pool_ < limit_) {
    ++pool_;
    workers_.spawn([this] { drain(); });
  }
}

void Tasks::join() {
  workers_.join(); // InterruptedError first
  if (failure_) std::rethrow_exception(failure_->second);
  if (parent_ && parent_->requested()) throw Cancelled();
}

} // namespace fleetcap::source
