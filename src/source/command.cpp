// The one runner of other programs (command.hpp): fork and execve with everything prepared
// beforehand (the child only makes system calls that are safe after fork in a threaded process),
// then the child's stdout and stderr read with poll() as they come.
#include "command.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/source/source.hpp"
#include "fleetcap/text.hpp"
#include "tasks.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace fleetcap::source::command {
namespace {

using Clock = std::chrono::steady_clock;

// argv[0] as execve wants it: a path with a '/', else the first executable file of that name
// on PATH (as execvp would find it). Empty when there is none.
std::string resolve(const std::string& name) {
  auto runnable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return runnable(name) ? name : std::string();
  const char* env = std::getenv("PATH");
  const std::string_view path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t a = 0; a <= path.size();) {
    std::size_t b = path.find(':', a);
    if (b == std::string_view::npos) b = path.size();
    const std::string dir(path.substr(a, b - a));
    const std::string p = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (runnable(p)) return p;
    a = b + 1;
  }
  return {};
}

// The child's environment: the inherited one, with spec.env's names replaced.
std::vector<std::string> environment(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** p = environ; p && *p; ++p) {
    const std::string_view kv(*p);
    const std::string_view name = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (const auto& e : extra)
      if (std::string_view(e).substr(0, e.find('=')) == name) replaced = true;
    if (!replaced) out.emplace_back(kv);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct Child {
  pid_t pid = -1;
  int out = -1, err = -1; // read ends; -1 when not piped
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// After fork, in the child: only async-signal-safe calls until execve.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp, pid_t parent, int out, int err,
                             int report) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127); // the parent thread is already gone
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_DFL);
  const int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(out >= 0 ? out : null, 1);
  ::dup2(err >= 0 ? err : null, 2);
  ::execve(path, argv, envp);
  const int e = errno;
  [[maybe_unused]] const ssize_t n = ::write(report, &e, sizeof e);
  ::_exit(127);
}

// Starts the child: with `pipe_out`, its stdout and stderr are pipes to read; else stdout goes to
// /dev/null and stderr to spec.stderr_file (or /dev/null). On failure to start, returns the
// Result saying why (not_found, cannot_run).
std::optional<Result> start(const Spec& spec, bool pipe_out, Child& child) {
  if (spec.argv.empty()) throw std::logic_error("command::run without a program");
  std::string path = resolve(spec.argv.front());
  if (path.empty()) return Result{End::not_found, 0, {}, {}, {}};
  std::vector<std::string> args = spec.argv, env = environment(spec.env);
  const std::vector<char*> argv = pointers(args), envp = pointers(env);
  std::array<int, 2> out{-1, -1}, err{-1, -1}, report{-1, -1};
  auto fail = [&](const char* what) {
    const int e = errno;
    for (int* fd : {&out[0], &out[1], &err[0], &err[1], &report[0], &report[1]}) close_fd(*fd);
    return Result{End::cannot_run, 0, {}, {}, fmt::format("{}: {}", what, std::strerror(e))};
  };
  if (pipe_out && ::pipe2(out.data(), O_CLOEXEC) != 0) return fail("cannot make a pipe");
  if (pipe_out && spec.stderr_file.empty() && ::pipe2(err.data(), O_CLOEXEC) != 0) return fail("cannot make a pipe");
  if (!spec.stderr_file.empty()) {
    err[1] = ::open(spec.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err[1] < 0) return fail("cannot open its log");
  }
  if (::pipe2(report.data(), O_CLOEXEC) != 0) return fail("cannot make a pipe");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail("cannot fork");
  if (pid == 0) exec_child(path.c_str(), argv.data(), envp.data(), parent, out[1], err[1], report[1]);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(report[1]);
  int e = 0;
  ssize_t n;
  while ((n = ::read(report[0], &e, sizeof e)) < 0 && errno == EINTR) {}
  close_fd(report[0]);
  child = {pid, out[0], err[0]};
  if (n == static_cast<ssize_t>(sizeof e)) { // execve failed
    close_fd(child.out);
    close_fd(child.err);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return Result{End::cannot_run, 0, {}, {}, std::strerror(e)};
  }
  return std::nullopt;
}

Result from_status(int status) {
  if (WIFSIGNALED(status)) return Result{End::signalled, WTERMSIG(status), {}, {}, {}};
  return Result{End::exited, WEXITSTATUS(status), {}, {}, {}};
}

// Waits for the child to end, until `deadline`; then kills its group and waits for it. A pidfd
// (Linux 5.3+) says at once when it ended; without one, it is looked at every 5 ms. With
// `watch`, an interrupt or its cancel also ends the wait (a child that closed its output and
// sleeps must not outlive a Ctrl-C), and `why` says which.
int reap(pid_t pid, Clock::time_point deadline, const Spec* watch = nullptr, std::optional<End>* why = nullptr) {
  int status = 0;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) {
      close_fd(pidfd);
      return status;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    if (watch && interrupt_requested()) {
      *why = End::interrupted;
      break;
    }
    if (watch && watch->cancel && watch->cancel->requested()) {
      *why = End::cancelled;
      break;
    }
    if (pollfd p{pidfd, POLLIN, 0}; pidfd >= 0)
      ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 50)));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close_fd(pidfd);
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return status;
}

// Reads stdout and stderr as they come until both close or a limit is hit; says which.
std::optional<End> drain(const Spec& spec, Child& c, Result& r, Clock::time_point deadline) {
  std::array<pollfd, 2> fds{{{c.out, POLLIN, 0}, {c.err, POLLIN, 0}}};
  std::vector<char> buf(std::size_t{1} << 16);
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (interrupt_requested()) return End::interrupted;
    if (spec.cancel && spec.cancel->requested()) return End::cancelled;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return End::timed_out;
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, 50)));
    if (n < 0 && errno != EINTR) return End::cannot_run;
    for (std::size_t i = 0; i < fds.size() && n > 0; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf.data(), buf.size());
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        close_fd(i == 0 ? c.out : c.err);
        fds[i].fd = -1;
        continue;
      }
      const auto size = static_cast<std::size_t>(got);
      if (i == 0) {
        if (r.out.size() + size > spec.max_out) return End::too_much;
        if (r.out.capacity() < r.out.size() + size) r.out.reserve(std::max(r.out.capacity() * 2, std::size_t{1} << 16));
        r.out.append(buf.data(), size);
      } else if (r.err.size() < spec.max_err) {
        r.err.append(buf.data(), std::min(size, spec.max_err - r.err.size()));
      }
    }
  }
  return std::nullopt;
}

Clock::time_point deadline_of(double timeout) {
  if (timeout <= 0) return Clock::time_point::max();
  return Clock::now() + std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
}

} // namespace

Result run(const Spec& spec) {
  Child c;
  if (auto failed = start(spec, true, c)) return *failed;
  const auto deadline = deadline_of(spec.timeout);
  Result r;
  std::optional<End> stopped = drain(spec, c, r, deadline);
  close_fd(c.out);
  close_fd(c.err);
  if (stopped) {
    ::kill(-c.pid, SIGKILL);
    ::kill(c.pid, SIGKILL);
  }
  std::optional<End> late; // its output closed, it went on: interrupted or cancelled meanwhile
  const int status = reap(c.pid, stopped ? Clock::now() : deadline, stopped ? nullptr : &spec, &late);
  if (late) stopped = late;
  Result ended = from_status(status);
  r.end = stopped ? *stopped : ended.end;
  r.code = stopped ? 0 : ended.code;
  if (!stopped && ended.end == End::signalled && Clock::now() >= deadline) r.end = End::timed_out;
  return r;
}

std::string describe(const Result& r) {
  switch (r.end) {
  case End::exited: return fmt::format("exit status {}", r.code);
  case End::signalled: return fmt::format("killed by signal {} ({})", r.code, ::strsignal(r.code));
  case End::not_found: return "not found";
  case End::cannot_run: return "cannot run it: " + r.why;
  case End::timed_out: return "timed out";
  case End::too_much: return "printed too much";
  case End::cancelled: return "stopped";
  case End::interrupted: return "interrupted";
  }
  return "?";
}

// What a server sends and what a child prints are quoted alike (fleetcap/text.hpp): redacted,
// then on one line with control characters escaped, then cut.
std::string excerpt(std::string_view text, std::size_t max) { return quote_from_server(text, max); }

Background::Background(const Spec& spec) {
  Child c;
  if (auto failed = start(spec, false, c))
    throw RuntimeError(fmt::format("cannot run {}: {}", spec.argv.front(),
                                   failed->end == End::not_found ? "not found on PATH" : failed->why));
  pid_ = c.pid;
}

std::optional<Result> Background::ended() {
  if (ended_ || pid_ < 0) return ended_;
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {}
  if (r == pid_) {
    ended_ = from_status(status);
    pid_ = -1;
  }
  return ended_;
}

void Background::stop() {
  if (pid_ < 0 || ended()) return;
  ::kill(-pid_, SIGTERM);
  const int status = reap(pid_, Clock::now() + std::chrono::seconds(2));
  ended_ = from_status(status);
  pid_ = -1;
}

} // namespace fleetcap::source::command
