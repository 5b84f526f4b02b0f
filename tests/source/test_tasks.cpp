// The one concurrent-fetch helper (src/source/tasks.hpp) and the table of kinds of source
// (fleetcap/source/kinds.hpp).
#include "fleetcap/error.hpp"
#include "fleetcap/source/kinds.hpp"
#include "source/tasks.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

using namespace fleetcap;
using namespace fleetcap::source;
using namespace std::chrono_literals;

namespace {
// Waits until `cancel` is asked (as http::get does), for at most 10 s; then throws Cancelled.
void wait_for_cancel(const Cancel& cancel) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!cancel.requested() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  if (cancel.requested()) throw Cancelled();
}
} // namespace

TEST_CASE("tasks: every task runs, each on its own thread, and join waits for them all") {
  std::vector<int> done(8, 0);
  std::atomic<int> running{0}, most{0};
  Tasks tasks;
  for (int i = 0; i < 8; ++i)
    tasks.spawn([&, i](Cancel&) {
      const int now = ++running;
      for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {}
      std::this_thread::sleep_for(20ms);
      --running;
      done[i] = i + 1;
    });
  tasks.join();
  CHECK(done == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(most.load() > 1); // they overlapped
}

TEST_CASE("tasks: the first failure cancels the rest, and is the one reported") {
  Tasks tasks;
  std::atomic<bool> sibling_stopped{false};
  tasks.spawn([&](Cancel& cancel) {
    try {
      wait_for_cancel(cancel);
    } catch (const Cancelled&) {
      sibling_stopped = true;
      throw;
    }
  });
  tasks.spawn([](Cancel&) { throw RuntimeError("GET /v1/nodes: HTTP 500"); });
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(tasks.join(), "GET /v1/nodes: HTTP 500");
  CHECK(sibling_stopped.load());
  CHECK(std::chrono::steady_clock::now() - started < 5s); // not the sibling's 10 s
}

TEST_CASE("tasks: of two failures, the task given first is reported, whichever failed first") {
  Tasks tasks;
  tasks.spawn([](Cancel&) {
    std::this_thread::sleep_for(50ms);
    throw RuntimeError("first given");
  });
  tasks.spawn([](Cancel&) { throw RuntimeError("first to fail"); });
  CHECK_THROWS_WITH(tasks.join(), "first given");
}

TEST_CASE("tasks: a task may cancel its siblings without failing (invalid data decides the run)") {
  Tasks tasks;
  tasks.spawn([](Cancel& cancel) { wait_for_cancel(cancel); });
  tasks.spawn([](Cancel& cancel) { cancel.request(); });
  CHECK_NOTHROW(tasks.join());
}

TEST_CASE("tasks: with a limit, at most that many run at once, in the order given") {
  std::atomic<int> running{0}, most{0};
  std::vector<int> order;
  std::mutex order_mutex;
  Tasks tasks(nullptr, 2);
  for (int i = 0; i < 6; ++i)
    tasks.spawn([&, i](Cancel&) {
      {
        std::lock_guard lock(order_mutex);
        order.push_back(i);
      }
      const int now = ++running;
      for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {}
      std::this_thread::sleep_for(10ms);
      --running;
    });
  tasks.join();
  CHECK(most.load() <= 2);
  REQUIRE(order.size() == 6);
  // Two threads take tasks from the front: each is started no later than two places early.
  for (std::size_t k = 0; k < order.size(); ++k) CHECK(std::abs(order[k] - static_cast<int>(k)) <= 1);
}

TEST_CASE("tasks: a run inside a task stops when the outer run is cancelled") {
  Tasks outer;
  std::atomic<bool> inner_cancelled{false};
  outer.spawn([&](Cancel& cancel) {
    Tasks inner(&cancel);
    inner.spawn([](Cancel& c) { wait_for_cancel(c); });
    try {
      inner.join();
    } catch (const Cancelled&) {
      inner_cancelled = true;
      throw;
    }
  });
  outer.spawn([](Cancel&) { throw RuntimeError("source lab: HTTP 503"); });
  CHECK_THROWS_WITH(outer.join(), "source lab: HTTP 503");
  CHECK(inner_cancelled.load());
}

TEST_CASE("kinds: each --source form finds its row, and the last row takes anything") {
  CHECK(source_kind("slurm+http://head:6820").name == "slurmrestd");
  CHECK(source_kind("slurm+unix:///run/slurmrestd.socket").name == "slurmrestd");
  CHECK(source_kind("kube").name == "kube");
  CHECK(source_kind("kube:prod-east").name == "kube");
  CHECK(source_kind("kubeflow").name == "snapshot"); // a directory named kubeflow
  CHECK(source_kind("https://fleet.example/api").name == "fleet-api");
  CHECK(source_kind("http://127.0.0.1:8080").name == "fleet-api");
  CHECK(source_kind("./snapshot").name == "snapshot");
  CHECK(&source_kind("anything") == &source_kinds().back());
  // Every row has a name and forms for help and errors, and names are unique.
  std::vector<std::string_view> names;
  for (const auto& k : source_kinds()) {
    CHECK_FALSE(k.name.empty());
    CHECK_FALSE(k.forms.empty());
    CHECK(k.make != nullptr);
    names.push_back(k.name);
  }
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("kinds: a source named on the command line gets a short name") {
  CHECK(short_source_name("kube") == "kube");
  CHECK(short_source_name("kube:prod-east") == "prod-east");
  CHECK(short_source_name("slurm+https://alice@lab.example:6820/") == "lab.example");
  CHECK(short_source_name("slurm+unix:///run/slurmrestd.socket") == "slurmrestd.socket");
  CHECK(short_source_name("https://fleet.example/api") == "fleet.example");
  CHECK(short_source_name("http://[::1]:8080") == "::1");
  CHECK(short_source_name("./snapshots/monday/") == "monday");
  CHECK(short_source_name("monday") == "monday");
}
