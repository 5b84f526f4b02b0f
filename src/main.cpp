// fleetcap's entry point: run the command, print its output, map errors to exit codes.
#include "fleetcap/cli/run.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/model/model.hpp"
#include "fleetcap/source/source.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <unistd.h>

namespace {

constexpr std::size_t kShownErrors = 20;
volatile std::sig_atomic_t g_signal = SIGINT;

void on_interrupt(int sig) {
  g_signal = sig;
  fleetcap::request_interrupt();
  std::signal(sig, SIG_DFL); // a second Ctrl-C ends at once
}

// Writes all of `text`; a closed pipe ends quietly (SPEC §7), other failures are I/O errors.
int write_stdout(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return 0;
      std::cerr << "fleetcap: error: cannot write output: " << std::strerror(errno) << '\n';
      return static_cast<int>(fleetcap::ExitCode::runtime);
    }
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  using fleetcap::ExitCode;
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  fleetcap::keep_snapshots_until_exit();
  try {
    std::string out = fleetcap::cli::run(argc, argv, std::cerr);
    if (fleetcap::interrupt_requested()) throw fleetcap::InterruptedError();
    return write_stdout(out);
  } catch (const fleetcap::DataError& e) {
    const auto& messages = e.messages();
    for (std::size_t i = 0; i < messages.size() && i < kShownErrors; ++i)
      std::cerr << "fleetcap: error: " << messages[i] << '\n';
    if (messages.size() > kShownErrors)
      std::cerr << "fleetcap: error: ... and " << messages.size() - kShownErrors << " more errors ("
                << messages.size() << " in all)\n";
    return static_cast<int>(ExitCode::invalid_data);
  } catch (const fleetcap::InterruptedError&) {
    // The shell's convention: 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).
    std::cerr << (g_signal == SIGTERM ? "fleetcap: terminated\n" : "fleetcap: interrupted\n");
    return 128 + static_cast<int>(g_signal);
  } catch (const fleetcap::Error& e) {
    std::cerr << "fleetcap: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::cerr << "fleetcap: error: out of memory\n";
    return static_cast<int>(ExitCode::runtime);
  } catch (const std::exception& e) {
    std::cerr << "fleetcap: error: internal error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::runtime);
  }
}
