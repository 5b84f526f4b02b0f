// Running other programs: Slurm's commands (slurm_cli.cpp), ssh (ssh.cpp) and kubeconfig exec
// plugins (kubeconfig.cpp) all go through this one runner. Private to src/source/.
//
// A child gets /dev/null for stdin, its own process group (a timeout or Ctrl-C ends it and
// whatever it started), SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG: no
// orphaned squeue or ssh if fleetcap itself is killed), and default signal dispositions. Its
// output is read from the pipes as it comes, never more than the limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace fleetcap::source {
class Cancel; // tasks.hpp
}

namespace fleetcap::source::command {

struct Spec {
  std::vector<std::string> argv;                  // argv[0] is looked up on PATH unless it holds a '/'
  std::vector<std::string> env;                   // "NAME=VALUE": added to (or replacing) the inherited ones
  double timeout = 0;                             // seconds for the whole run; 0: none
  std::uint64_t max_out = std::uint64_t{1} << 20; // bytes of stdout; more ends the run (too_much)
  std::size_t max_err = std::size_t{64} << 10;    // bytes of stderr kept; the rest is read and dropped
  std::string stderr_file;                        // Background only: stderr into this file
  const Cancel* cancel = nullptr;                 // ends the run when requested (checked every 50 ms)
};

enum class End {
  exited,     // `code` is its exit status
  signalled,  // `code` is the signal
  not_found,  // argv[0] is not on PATH (or not there)
  cannot_run, // found, but exec failed: `why`
  timed_out,  // killed after spec.timeout
  too_much,   // killed after printing more than spec.max_out
  cancelled,  // killed because spec.cancel was requested
  interrupted // killed because fleetcap was interrupted (Ctrl-C, SIGTERM)
};

struct Result {
  End end = End::exited;
  int code = 0;
  std::string out, err;
  std::string why;
  bool ok() const { return end == End::exited && code == 0; }
};

// Runs argv to its end (or the first limit) and returns what it printed.
Result run(const Spec& spec);

// "exit status 1", "signal 9", "not found", ... for messages.
std::string describe(const Result& r);

// The first lines of a child's stderr for an error message: quote_from_server (redacted, on one
// line, control characters escaped, then cut to `max` bytes).
std::string excerpt(std::string_view text, std::size_t max = 400);

// A process left running while fleetcap works (ssh's master connection): stdout to /dev/null,
// stderr to spec.stderr_file. stop() (or the destructor) ends it: SIGTERM to its group, then
// SIGKILL after two seconds.
class Background {
public:
  explicit Background(const Spec& spec); // throws RuntimeError when it cannot be started
  ~Background() { stop(); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  // Its exit status (as a Result without output) once it ended; nullopt while it runs.
  std::optional<Result> ended();
  void stop();

private:
  pid_t pid_ = -1;
  std::optional<Result> ended_;
};

} // namespace fleetcap::source::command
